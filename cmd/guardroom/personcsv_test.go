package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
)

// exportPeople exports the site's people and returns the file's records.
func (s *site) exportPeople() [][]string {
	s.t.Helper()
	out := filepath.Join(s.t.TempDir(), "people.csv")
	s.ok("", "person", "export", out)
	f, err := os.Open(out)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		s.t.Fatal(err)
	}
	return recs
}

func TestPersonImportAndExport(t *testing.T) {
	s := newSite(t)
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "HQ")
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "\ufeffName;Card ID;Apartment;Active\r\nÅsa Öberg;010:00456|77;A 12;yes\r\n\"Lee; Ann\";78;;no\r\n")
	bad := write("bad.csv", "name,card\nAnn,1\nBob,12a\nCy,2\nDi,0001\n")

	// The preview of a good file, nothing written.
	r := s.ok("", "person", "import", good, "--unit", "HQ", "--dry-run", "--create-apartments")
	for _, want := range []string{"Line", "Åsa Öberg", "card 10:456, card 77", "Organization / HQ", "Lee; Ann", "ok",
		"Dry run: all 2 rows can be imported; nothing was written."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	if recs := s.exportPeople(); len(recs) != 1 {
		t.Fatalf("a dry run wrote: %q", recs)
	}
	// A bad file: every bad row with its line, and nothing written.
	r = s.fail(1, `2 rows of 4 cannot be imported (first, line 3: card "12a" is neither a number nor facility:card`, "", "person", "import", bad, "--unit", "HQ")
	for _, want := range []string{"3     Bob", `card "12a" is neither`, "5     Di", "card 1 repeats line 2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("refused import lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Cy") {
		t.Errorf("a refused import lists good rows:\n%s", r.stdout)
	}
	// The JSON preview.
	r = s.run("", "person", "import", bad, "--unit", "HQ", "--dry-run", "--json")
	var res store.PeopleImport
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 1 || res.Bad != 2 || len(res.Rows) != 4 || res.Rows[3].Line != 5 {
		t.Fatalf("json preview: %v %s", err, r)
	}
	if recs := s.exportPeople(); len(recs) != 1 {
		t.Fatalf("a refused import wrote: %q", recs)
	}

	// An apartment that does not exist: added only when asked.
	s.fail(1, `no apartment named "A 12" for Organization / HQ: add it first (guardroom apartment add), or import with --create-apartments`,
		"", "person", "import", good, "--unit", "HQ")
	r = s.ok("", "person", "import", good, "--unit", "HQ", "--create-apartments")
	if !strings.Contains(r.stdout, "Imported 2 people from good.csv.") || r.stderr != "" {
		t.Fatalf("import: %s", r)
	}
	// The same file again: every card is held already.
	s.fail(1, "card 10:456 is held by person 1 Åsa Öberg already", "", "person", "import", good, "--unit", "HQ")
	// Standard input, a mapping, and access for all.
	r = s.ok("Full name,Badge,Email\nCy,79,cy@example.com\n", "person", "import", "-", "--unit", "Organization",
		"--map", "Badge=card", "--map", "Email=-", "--enable-all")
	if !strings.Contains(r.stdout, "Imported 1 person from standard input. Access control is active for all of them.") {
		t.Fatalf("stdin import: %s", r)
	}
	recs := s.exportPeople()
	want := [][]string{
		{"name", "info", "apartment", "unit", "active", "offline", "valid_from", "valid_until", "card", "qr", "ukey", "face", "groups", "locks"},
		{"Åsa Öberg", "", "A 12", "Organization / HQ", "yes", "no", "", "", "10:456|77", "", "", "", "", ""},
		{"Lee; Ann", "", "", "Organization / HQ", "no", "no", "", "", "78", "", "", "", "", ""},
		{"Cy", "", "", "Organization", "yes", "no", "", "", "79", "", "", "", "", ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("export %q", recs)
	}
	for i := range want {
		if strings.Join(recs[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("export line %d: %q, want %q", i+1, recs[i], want[i])
		}
	}

	out := filepath.Join(dir, "export.csv")
	if r := s.ok("", "person", "export", out); !strings.Contains(r.stdout, "Exported 3 people to "+out) {
		t.Fatalf("export: %s", r)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v %v", st, err)
	}
	s.fail(1, "exists", "", "person", "export", out)
	s.ok("", "person", "export", out, "--force")
	s.fail(1, "open the import file", "", "person", "import", filepath.Join(dir, "missing.csv"))
}

func TestPersonImportRefusals(t *testing.T) {
	s := newSite(t)
	dir := t.TempDir()
	cases := []struct {
		name, file string
		args       []string
		says       string
	}{
		{"codes", "name,card,Access code\nAnn,1,4821\n", nil, `column "Access code" holds access codes: a file of access codes is a secret in clear text`},
		{"unknown column", "name,Badge\nAnn,1\n", nil, `line 1: column "Badge" is not one of the columns name, info,`},
		{"bad mapping", "name,Badge\nAnn,1\n", []string{"--map", "Badge=badge"}, `the mapping "Badge"="badge" names no column`},
		{"mapping without =", "name,Badge\nAnn,1\n", []string{"--map", "Badge"}, "want NAME=VALUE"},
		{"no unit", "name,card\nAnn,1\n", nil, "no unit: give the person's organization unit in the unit column, or one for the whole file (--unit)"},
		{"unknown unit", "name,card\nAnn,1\n", []string{"--unit", "Nowhere"}, `no organization unit "Nowhere"`},
		{"no header", "Ann,1\n", []string{"--unit", "1"}, "line 1 is not a header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".csv")
			if err := os.WriteFile(p, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			r := s.run("", append([]string{"person", "import", p}, c.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, c.says) {
				t.Fatalf("want a refusal saying %q, got %s", c.says, r)
			}
			if strings.Contains(r.stdout+r.stderr, "4821") {
				t.Fatalf("the refusal repeats an access code: %s", r)
			}
		})
	}
	if recs := s.exportPeople(); len(recs) != 1 {
		t.Fatalf("refused imports wrote: %q", recs)
	}
}

func TestDrawProgress(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	draw := drawProgress(&out, "importing people", func() time.Time { return clock })
	cases := []struct {
		done, total int
		after       time.Duration
		want        string
	}{
		{0, 1000, 0, "\r\x1b[Kimporting people [..............................] 0 of 1000 (0s)"},
		{300, 1000, 1234 * time.Millisecond, "\r\x1b[Kimporting people [#########.....................] 300 of 1000 (1.2s)"},
		{1000, 1000, 2 * time.Second, "\r\x1b[Kimporting people [##############################] 1000 of 1000 (3.2s)"},
		{5, 0, 0, "\r\x1b[Kimporting people [..............................] 5 of 0 (3.2s)"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.done, "/", c.total), func(t *testing.T) {
			out.Reset()
			clock = clock.Add(c.after)
			draw(c.done, c.total)
			if out.String() != c.want {
				t.Fatalf("drew %q, want %q", out.String(), c.want)
			}
		})
	}
}

// TestPeopleJSONStreamed: person list --json and person import --json,
// written as they are read, are the bytes writeJSON writes for the whole
// answer (decoded and encoded again here), on the demo site.
func TestPeopleJSONStreamed(t *testing.T) {
	s := newSite(t)
	s.ok("", "demo")
	same := func(name, out string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		var want bytes.Buffer
		if err := writeJSON(&want, v); err != nil {
			t.Fatal(err)
		}
		if out != want.String() {
			t.Errorf("%s:\n%s\nwant:\n%s", name, out, want.String())
		}
	}
	r := s.ok("", "person", "list", "--json")
	var people []personJSON
	same("person list", r.stdout, &people)
	if len(people) < 2 {
		t.Fatalf("the demo lists %d people", len(people))
	}
	r = s.ok("", "person", "list", "--json", "--filter", "no such person")
	if r.stdout != "[]\n" {
		t.Errorf("an empty list: %q", r.stdout)
	}
	file := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(file, []byte("name,card,locks\nAnn <&>,990001,1|2\nBob,990001,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = s.run("", "person", "import", file, "--unit", "Organization", "--dry-run", "--json")
	var res store.PeopleImport
	same("person import", r.stdout, &res)
	if len(res.Rows) != 2 || res.Bad != 1 {
		t.Errorf("preview %+v", res)
	}
}
