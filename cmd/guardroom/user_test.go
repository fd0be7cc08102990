package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/creack/pty"
)

func TestUserCommands(t *testing.T) {
	s := newSite(t).withPanel()
	steps := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string // on stdout when code is 0, else on stderr
	}{
		{"label without code", "", []string{"user", "label", "1", "7", "Bob"}, 1, "has no code; set a code first"},
		{"partitions without code", "", []string{"user", "partitions", "1", "7", "1,2"}, 1, "has no code; set a code first"},
		{"edit-code without code", "", []string{"user", "edit-code", "1", "7"}, 1, "has no code; set a code first"},
		{"disable without code", "", []string{"user", "disable", "1", "7", "--yes"}, 1, "has no code; set a code first"},
		{"set-code", "2580\n", []string{"user", "set-code", "Main office", "7", "--role", "supervisor", "--partitions", "1-3", "--label", "Bob"}, 0, "now has a code"},
		{"set-code again", "", []string{"user", "set-code", "1", "7"}, 1, "has a code already"},
		{"code in use", "2580\n", []string{"user", "set-code", "1", "8"}, 1, "already used by another user"},
		{"code + 1", "2581\n", []string{"user", "set-code", "1", "8"}, 1, "one away from another user's code"},
		{"trivial code", "1234\n", []string{"user", "set-code", "1", "8"}, 1, "too easy to guess"},
		{"wrong length", "25801\n", []string{"user", "set-code", "1", "8"}, 1, "code must be 4 digits"},
		{"no code on stdin", "", []string{"user", "set-code", "1", "8"}, 1, "no code given"},
		{"role not on panel", "3690\n", []string{"user", "set-code", "1", "8", "--role", "Guest"}, 1, "have no role"},
		{"second master", "3690\n", []string{"user", "set-code", "1", "8", "--role", "Master"}, 1, "only slot 40 holds the Master role"},
		{"partition out of range", "3690\n", []string{"user", "set-code", "1", "8", "--partitions", "9"}, 1, "has partitions 1-8"},
		{"master", "7413\n", []string{"user", "set-code", "1", "40"}, 0, "now has a code"},
		{"label", "", []string{"user", "label", "1", "7", "Front desk"}, 0, "relabelled"},
		{"partitions", "", []string{"user", "partitions", "1", "7", "1,", "4"}, 0, "partitions 1, 4"},
		{"master partitions", "", []string{"user", "partitions", "1", "40", "1"}, 1, "Master users always hold all partitions"},
		{"edit-code", "8024\n", []string{"user", "edit-code", "1", "7"}, 0, "has a new code"},
		{"edit-code same", "8024\n", []string{"user", "edit-code", "1", "7"}, 1, "same as the current one"},
		{"disable master", "", []string{"user", "disable", "1", "40", "--yes"}, 1, "Master user and cannot be disabled"},
		{"disable without --yes or terminal", "yes\n", []string{"user", "disable", "1", "7"}, 2, "add --yes"},
		{"slot out of range", "", []string{"user", "show", "1", "2580"}, 1, "has user slots 1-95"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := s.run(st.stdin, st.args...)
			out := r.stdout
			if st.code != 0 {
				out = r.stderr
			}
			if r.code != st.code || !strings.Contains(out, st.want) {
				t.Fatalf("want exit %d and %q, got %s", st.code, st.want, r)
			}
		})
	}
	// The slot number is not repeated: it may be a code typed in the wrong place.
	if r := s.run("", "user", "show", "1", "2580"); strings.Contains(r.stderr, "2580") {
		t.Errorf("out-of-range slot echoed: %s", r.stderr)
	}

	u := s.user("1", "7")
	if !u.CodeSet || u.Label != "Front desk" || u.Role != "Supervisor" || !slices.Equal(u.Partitions, []int{1, 4}) || u.Status != "Unknown" || u.Account != nil {
		t.Errorf("user 7 after the steps: %+v", u)
	}
	if m := s.user("1", "40"); !slices.Equal(m.Partitions, []int{1, 2, 3, 4, 5, 6, 7, 8}) || m.Role != "Master" {
		t.Errorf("master: %+v", m)
	}

	r := s.ok("", "user", "list", "1")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 96 {
		t.Errorf("user list: %d lines, want a header and 95 slots", len(lines))
	}
	for _, col := range []string{"№", "Label & role", "Code", "Partitions", "Account", "Created", "Status", "Sync"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("header lacks %q: %s", col, lines[0])
		}
	}
	if !strings.Contains(r.stdout, "Front desk (Supervisor)  set") || !strings.Contains(r.stdout, "User 8 (-)") {
		t.Errorf("user list rows:\n%s", r.stdout)
	}
	// A slot without a code has nothing on the panel to be in sync with:
	// "-", as the console shows it (store.PanelUser.ShownSync).
	if f := strings.Fields(lines[8]); f[0] != "8" || f[len(f)-1] != "-" || strings.Contains(lines[8], "in sync") {
		t.Errorf("empty slot 8: %q", lines[8])
	}
	if u := s.user("1", "8"); u.Sync != "none" {
		t.Errorf("empty slot 8's sync in JSON: %q", u.Sync)
	}
	var rows []userJSON
	s.jsonOut(&rows, "user", "list", "1", "--with-code")
	if len(rows) != 2 || rows[0].Slot != 7 || rows[1].Slot != 40 || rows[0].Sync != "in sync" {
		t.Errorf("user list --with-code --json: %+v", rows)
	}
	if r := s.ok("", "user", "show", "1", "7"); !strings.Contains(r.stdout, "disable") || !strings.Contains(r.stdout, "Front desk") {
		t.Errorf("user show:\n%s", r.stdout)
	}
	if r := s.ok("", "user", "show", "1", "40"); !strings.Contains(r.stdout, "is a Master user and cannot be disabled") {
		t.Errorf("user show master:\n%s", r.stdout)
	}

	s.ok("", "user", "disable", "1", "7", "--yes")
	if u := s.user("1", "7"); u.CodeSet || u.Label != "User 7" || len(u.Partitions) != 0 || u.Sync != "none" {
		t.Errorf("after disable: %+v", u)
	}
}

// TestUserListFitsTheTerminal: on an 80-column terminal user list cuts its
// long cells with "…" to fit; --wide, a pipe and --json print them whole.
func TestUserListFitsTheTerminal(t *testing.T) {
	s := newSite(t).withPanel()
	long := "ann.with.a.rather.long.address@example.com"
	s.ok("2580\n", "user", "set-code", "1", "7", "--label", "Night guard of the east gate 12")
	s.ok("", "account", "create", long)
	s.ok("", "account", "assign", long, "1", "7")

	onTerminal := func(args ...string) []string {
		t.Helper()
		tm, tty := newTerminal(t)
		if err := pty.Setsize(tty, &pty.Winsize{Cols: 80, Rows: 24}); err != nil {
			t.Skipf("pty size: %v", err)
		}
		var errb bytes.Buffer
		code := run(context.Background(), append(s.flags(), args...), strings.NewReader(""), tty, &errb)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		out := tm.expect("User 95 (-)")
		return strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	}
	widest := func(lines []string) (w int) {
		for _, l := range lines {
			w = max(w, utf8.RuneCountInString(l))
		}
		return w
	}
	lines := onTerminal("user", "list", "1")
	if w := widest(lines); w > 80 {
		t.Errorf("user list on an 80-column terminal is %d wide:\n%s", w, strings.Join(lines, "\n"))
	}
	if row := strings.Join(lines, "\n"); !strings.Contains(row, "…") || strings.Contains(row, long) {
		t.Errorf("no cell was cut:\n%s", row)
	}
	if lines := onTerminal("user", "list", "1", "--wide"); widest(lines) <= 80 || !strings.Contains(strings.Join(lines, "\n"), long) {
		t.Errorf("--wide cut cells:\n%s", strings.Join(lines, "\n"))
	}
	if r := s.ok("", "user", "list", "1"); !strings.Contains(r.stdout, long) || !strings.Contains(r.stdout, "Night guard of the east gate 12") || strings.Contains(r.stdout, "…") {
		t.Errorf("piped user list was cut:\n%s", r.stdout)
	}
}

func TestFitRows(t *testing.T) {
	head := []string{"№", "Label", "Sync"}
	wide := []string{"№", "Label", "Sync", "Status"}
	cases := []struct {
		name  string
		width int
		row   []string
		want  []string
	}{
		{"fits already", 40, []string{"1", "Bob", "in sync"}, []string{"1", "Bob", "in sync"}},
		{"no terminal", 0, []string{"1", strings.Repeat("b", 50), "in sync"}, []string{"1", strings.Repeat("b", 50), "in sync"}},
		{"widest shrinkable column first", 30, []string{"1", "Bob", "pending: the panel did not answer"},
			[]string{"1", "Bob", "pending: the panel …"}},
		{"both, down to their floor", 10, []string{"1", "Bob the builder", "pending: the panel did not answer"},
			[]string{"1", "Bob the…", "pending…"}},
		{"runes, not bytes", 16, []string{"1", "Åsa", "ääääääääääää"}, []string{"1", "Åsa", "äääääää…"}},
		{"the second group when the first is not enough", 24, []string{"1", "Bob the builder", "pending: the panel did not answer", "Not confirmed"},
			[]string{"1", "Bob the…", "pending…", "Not con…"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := head
			if len(c.row) == 4 {
				h = wide
			}
			rows := [][]string{slices.Clone(h), slices.Clone(c.row)}
			groups := [][]int{{2, 1}}
			if len(h) == 4 {
				groups = append(groups, []int{3})
			}
			fitRows(rows, c.width, groups...)
			if !slices.Equal(rows[1], c.want) || !slices.Equal(rows[0], h) {
				t.Errorf("got %q, want %q", rows[1], c.want)
			}
		})
	}
}

// TestUserShowLocksAndTags: user show names the door locks and the tags
// the user is given, as the console's details do.
func TestUserShowLocksAndTags(t *testing.T) {
	s := newSite(t).withPanel().withTower()
	s.ok("", "lock", "add", "--panel", "Tower", "--name", "Front door", "--model", "l3")
	r := s.ok("", "user", "show", "Tower", "2")
	if !strings.Contains(r.stdout, "Door locks  none") || !strings.Contains(r.stdout, "Tags        none") {
		t.Errorf("user show before:\n%s", r.stdout)
	}
	s.ok("", "lock", "assign", "Front door", "2")
	s.ok("", "tag", "enrol", "04:A1:B2:C3", "--kind", "keypad", "--panel", "Tower", "--slot", "2")
	r = s.ok("", "user", "show", "Tower", "2")
	if !strings.Contains(r.stdout, "Door locks  Front door (lock 1, number 1)") || !strings.Contains(r.stdout, "Tags        04A1B2C3 (keypad)") {
		t.Errorf("user show:\n%s", r.stdout)
	}
	u := s.user("Tower", "2")
	if len(u.DoorLocks) != 1 || u.DoorLocks[0].Name != "Front door" || len(u.Tags) != 1 || u.Tags[0].ID != "04A1B2C3" {
		t.Errorf("user show --json: %+v", u)
	}
}

// TestCodeNeverTakenFromArgv: a code on the command line is refused before
// anything is opened, and not repeated.
func TestCodeNeverTakenFromArgv(t *testing.T) {
	s := newSite(t).withPanel()
	for _, args := range [][]string{
		{"user", "set-code", "1", "7", "2580"},
		{"user", "edit-code", "1", "7", "2580"},
		{"account", "confirm", "ann@example.com", "12345678"},
	} {
		r := s.fail(2, "never taken from the command line", "", args...)
		if strings.Contains(r.stderr, "2580") || strings.Contains(r.stderr, "12345678") {
			t.Errorf("%v: the code was repeated:\n%s", args, r.stderr)
		}
	}
	if u := s.user("1", "7"); u.CodeSet {
		t.Error("a code was set from argv")
	}
}

// TestCodeNeverShown: a code given on stdin appears in no output, not in
// the log file, not in log list --json, not in either export.
func TestCodeNeverShown(t *testing.T) {
	s := newSite(t).withPanel()
	const code, code2 = "73915284", "51938472"
	var seen strings.Builder
	do := func(stdin string, args ...string) {
		r := s.run(stdin, args...)
		seen.WriteString(r.stdout + r.stderr)
	}
	s.ok("", "panel", "add", "--name", "Vault", "--family", "neo-hs2064", "--imei", imei("35693803564380"), "--unit", "HQ", "--code-length", "8")
	do(code+"\n", "user", "set-code", "Vault", "5")
	do(code+"\n", "user", "set-code", "Vault", "6")     // refused: in use
	do(code+"\n", "user", "edit-code", "Vault", "5")    // refused: same code
	do(code[:6]+"\n", "user", "set-code", "Vault", "7") // refused: wrong length
	do(code2+"\n", "user", "edit-code", "Vault", "5")
	do("", "user", "show", "Vault", "5", "--json")
	do("", "user", "list", "Vault", "--json")
	do("", "log", "list", "--json", "--limit", "0")
	do("", "log", "list", "--limit", "0")
	jsonl, csvFile := filepath.Join(s.root, "log.jsonl"), filepath.Join(s.root, "log.csv")
	do("", "log", "export", jsonl)
	do("", "log", "export", csvFile, "--format", "csv")
	if u := s.user("Vault", "5"); !u.CodeSet {
		t.Fatal("the code was not set")
	}
	var files strings.Builder
	for _, f := range []string{jsonl, csvFile, filepath.Join(s.data, "guardroom.log")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files.Write(b)
	}
	for _, c := range []string{code, code2, code[:6]} {
		if strings.Contains(seen.String(), c) {
			t.Errorf("code %s appears in the output", c)
		}
		if strings.Contains(files.String(), c) {
			t.Errorf("code %s appears in the log file or an export", c)
		}
	}
}
