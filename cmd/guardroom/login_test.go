package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/totp"
)

// Scripts: with no terminal every way of logging in is refused with what
// to do, in the store's words when the store said no.
func TestLoginWithoutTerminal(t *testing.T) {
	s := newSite(t)
	s.setUp()
	place := []string{"--data", s.data, "--key-file", s.key}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no operator", nil, "no operator to log in as: name one with --operator NAME, GUARDROOM_OPERATOR or operator in the config file"},
		{"no password", []string{"--operator", "admin"}, "no password for operator admin: with no terminal to ask on, give --password-file FILE (or set GUARDROOM_PASSWORD_FILE)"},
		{"wrong password", []string{"--operator", "admin", "--password-file", s.writeFile("wrong.txt", "not the password at all")}, "guardroom: wrong operator name or password\n"},
		{"unknown operator", []string{"--operator", "nobody", "--password-file", s.pwFile}, "guardroom: wrong operator name or password\n"},
		{"missing file", []string{"--operator", "admin", "--password-file", filepath.Join(s.root, "nope.txt")}, "password file " + filepath.Join(s.root, "nope.txt") + " does not exist"},
		{"empty file", []string{"--operator", "admin", "--password-file", s.writeFile("empty.txt", "")}, "is empty: put the password on its first line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runArgs("", append(append(place, tt.args...), "panel", "list")...)
			if r.code != exitFail || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Fatalf("want exit 1 and %q, got %s", tt.want, r)
			}
		})
	}

	// A password file others can read is refused like the key file.
	open := filepath.Join(s.root, "secrets", "open.txt")
	if err := os.WriteFile(open, []byte(testPassword+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	s.fail(1, "password file "+open+" is open to other users (mode 0640): run chmod 600 "+open, "", "--password-file", open, "panel", "list")
	// Only the first line counts, without its line ending.
	crlf := s.writeFile("crlf.txt", testPassword+"\r\nsecond line")
	s.ok("", "--password-file", crlf, "panel", "list")
	// GUARDROOM_OPERATOR and GUARDROOM_PASSWORD_FILE name them too.
	t.Setenv("GUARDROOM_OPERATOR", "admin")
	t.Setenv("GUARDROOM_PASSWORD_FILE", s.pwFile)
	if r := runArgs("", append(place, "panel", "list")...); r.code != 0 {
		t.Errorf("login from the environment: %s", r)
	}
	// The refusals are in the action log.
	var log []store.Entry
	s.jsonOut(&log, "log", "list", "--action", "operator.login")
	refused := 0
	for _, e := range log {
		if e.Refused() {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("%d refused logins logged, want 2 (wrong password, unknown operator): %+v", refused, log)
	}
}

// The key holder's commands need the key file and no login.
func TestKeyHolderCommandsWithoutLogin(t *testing.T) {
	s := newSite(t)
	s.setUp()
	// Whoever holds the key, naming no operator.
	run := func(args ...string) result {
		return runArgs("", append([]string{"--data", s.data, "--key-file", s.key}, args...)...)
	}
	backup := filepath.Join(s.root, "site.backup")
	if r := run("backup", backup); r.code != 0 || !strings.Contains(r.stdout, "Backup written") {
		t.Errorf("backup without login: %s", r)
	}
	if r := run("dispatch", "--once"); r.code != 0 || !strings.Contains(r.stdout, "Done:") {
		t.Errorf("dispatch without login: %s", r)
	}
	if r := run("log", "verify", "--file", filepath.Join(s.root, "none.jsonl")); r.code != 1 || strings.Contains(r.stderr, "operator") {
		t.Errorf("log verify --file needs no login: %s", r)
	}
	if r := run("restore", backup); r.code != 1 || !strings.Contains(r.stderr, "already holds a site") {
		t.Errorf("restore without login: %s", r)
	}

	// reset-admin: a new one-time password, printed once; the old password
	// no longer works and the new one must be changed first.
	r := run("operator", "reset-admin")
	m := resetRE.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || !strings.Contains(r.stdout, "shown only now") {
		t.Fatalf("reset-admin: %s", r)
	}
	s.fail(1, "wrong operator name or password", "", "panel", "list")
	oneTime := s.writeFile("reset.txt", m[1])
	s.fail(1, "must choose a new one first: run guardroom operator passwd", "", "--password-file", oneTime, "panel", "list")
	s.pwFile = s.firstPassword("admin", m[1])
	// The reset is a security notice for admin, and in the log.
	if r := s.ok("", "panel", "list"); !strings.Contains(r.stderr, "admin reset") {
		t.Errorf("no notice of the reset: %s", r)
	}
	var log []store.Entry
	s.jsonOut(&log, "log", "list", "--action", "operator.reset-admin")
	if len(log) != 1 || log[0].Operator != "key holder" {
		t.Errorf("reset-admin in the log: %+v", log)
	}
	// No database: nothing to reset, and none is made.
	none := filepath.Join(s.root, "none")
	if r := runArgs("", "--data", none, "--key-file", s.key, "operator", "reset-admin"); r.code != 1 || !strings.Contains(r.stderr, "there is no guardroom database in "+none) || store.Exists(none) {
		t.Errorf("reset-admin without a database: %s", r)
	}
}

// terminal runs one command with a pseudo-terminal as standard input and
// error (stdout stays a buffer), answering each prompt as it appears.
type terminal struct {
	t      *testing.T
	pty    *os.File
	mu     sync.Mutex
	screen strings.Builder
	seen   int // how much of screen the expectations consumed
}

func newTerminal(t *testing.T) (*terminal, *os.File) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	term := &terminal{t: t, pty: ptmx}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.screen.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { ptmx.Close(); tty.Close() })
	return term, tty
}

// expect waits for text on the terminal after what was already seen and
// returns everything up to it.
func (tm *terminal) expect(text string) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		tm.mu.Lock()
		all := tm.screen.String()
		tm.mu.Unlock()
		if i := strings.Index(all[tm.seen:], text); i >= 0 {
			got := all[tm.seen : tm.seen+i+len(text)]
			tm.seen += i + len(text)
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.t.Fatalf("terminal never showed %q; it shows:\n%s", text, tm.screen.String()[tm.seen:])
	return ""
}

// text is everything the terminal showed so far (the reader goroutine
// may still be appending).
func (tm *terminal) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.screen.String()
}

// wait returns the exit code of a command run on the terminal.
func (tm *terminal) wait(done <-chan int) int {
	tm.t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(30 * time.Second):
		tm.mu.Lock()
		defer tm.mu.Unlock()
		tm.t.Fatalf("the command did not end; the terminal shows:\n%s", tm.screen.String()[tm.seen:])
		return -1
	}
}

func (tm *terminal) typeLine(s string) {
	tm.t.Helper()
	if _, err := tm.pty.Write([]byte(s + "\r")); err != nil {
		tm.t.Fatal(err)
	}
}

// On a terminal the first start is one command: the one-time password is
// printed, the operator and password are asked, then a new password, typed
// twice and checked before the second time.
func TestLoginOnTerminal(t *testing.T) {
	s := newSite(t)
	tm, tty := newTerminal(t)
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"--data", s.data, "--key-file", s.key, "operator", "list"}, tty, &out, tty)
	}()
	first := firstPasswordRE.FindStringSubmatch(tm.expect("choose a new password."))
	if first == nil {
		t.Fatal("no one-time password printed")
	}
	tm.expect("Operator: ")
	tm.typeLine("admin")
	tm.expect("Password for operator admin: ")
	tm.typeLine(first[1])
	tm.expect("choose a new one")
	tm.expect("New password: ")
	tm.typeLine("password12")
	if got := tm.expect("New password: "); !strings.Contains(got, "one of the first guessed") {
		t.Errorf("weak password not refused before typing it again: %q", got)
	}
	tm.typeLine(testPassword)
	tm.expect("Type it again: ")
	tm.typeLine(testPassword + " oops")
	if got := tm.expect("New password: "); !strings.Contains(got, "the two passwords differ") {
		t.Errorf("differing passwords: %q", got)
	}
	tm.typeLine(testPassword)
	tm.expect("Type it again: ")
	tm.typeLine(testPassword)
	tm.expect("Password of operator admin changed.")
	if code := tm.wait(done); code != 0 || !strings.Contains(out.String(), "admin") {
		t.Fatalf("exit %d, stdout %s", code, out.String())
	}
	screen := tm.text()
	for _, secret := range []string{first[1], testPassword} {
		if strings.Contains(screen[strings.Index(screen, "Operator: "):], secret) {
			t.Errorf("%q was echoed on the terminal", secret)
		}
	}
	// The chosen password logs in from a file too.
	s.operator, s.pwFile = "admin", s.writeFile("admin.txt", testPassword)
	s.ok("", "panel", "list")
}

func TestParseExpiry(t *testing.T) {
	c := lookup("operator edit")
	local := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, time.Local)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tt := range []struct {
		in    string
		never bool
		want  time.Time
		err   string
	}{
		{"2026-12-31", false, local("2027-01-01 00:00"), ""},
		{"2026-12-31 18:00", false, local("2026-12-31 18:00"), ""},
		{"2026-12-31T18:00:00Z", false, time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC), ""},
		{"never", true, time.Time{}, ""},
		{"never", false, time.Time{}, `--expires "never" is not a time: write 2026-12-31 (the end of that day), 2026-12-31 18:00 (local time) or RFC 3339`},
		{"31/12/2026", true, time.Time{}, "or RFC 3339, or never"},
	} {
		got, err := parseExpiry(c, "--expires", tt.in, tt.never)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("%q: %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// On a terminal with room for it, enrolment draws the QR code; on a small
// one it says why not. The second factor is then asked at every login.
func TestEnrolOnTerminal(t *testing.T) {
	s := newSite(t)
	s.setUp()
	for _, size := range []pty.Winsize{{Rows: 20, Cols: 70}, {Rows: 60, Cols: 100}} {
		tm, tty := newTerminal(t)
		if err := pty.Setsize(tm.pty, &size); err != nil {
			t.Fatal(err)
		}
		done := make(chan int, 1)
		go func() { done <- run(context.Background(), append(s.flags(), "operator", "2fa"), tty, tty, tty) }()
		got := tm.expect("Code the app shows now: ")
		if small := size.Rows < 30; small != strings.Contains(got, "the terminal is too small for the QR code") || small == strings.Contains(got, "█") {
			t.Errorf("%dx%d terminal: %s", size.Cols, size.Rows, got)
		}
		i := strings.Index(got, "Secret:")
		secret := strings.ReplaceAll(strings.TrimSpace(got[i+len("Secret:"):strings.Index(got, "URI:")]), " ", "")
		if size.Rows < 30 {
			// Give up at the prompt: nothing is enrolled.
			tm.typeLine("")
			if code := tm.wait(done); code != exitFail {
				t.Fatalf("no code typed: exit %d", code)
			}
			continue
		}
		code, err := totp.Code(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tm.typeLine(code)
		tm.expect("Recovery codes")
		if code := tm.wait(done); code != 0 {
			t.Fatalf("exit %d: %s", code, tm.text())
		}
	}
	s.fail(1, "operator admin has a second factor: run this on a terminal", "", "panel", "list")
}
