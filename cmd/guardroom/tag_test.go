package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

func TestTagCommands(t *testing.T) {
	s := newSite(t).withPanel().withTower()
	s.ok("", "lock", "add", "--panel", "Tower", "--name", "Front door", "--model", "l3")
	steps := []cliStep{
		{"enrol without a kind", "", []string{"tag", "enrol", "90:324", "--slot", "2"}, 2, "tag enrol needs --kind and --slot"},
		{"enrol an unknown kind", "", []string{"tag", "enrol", "90:324", "--kind", "wristband", "--slot", "2"}, 2, `--kind "wristband": choose keypad or door-lock`},
		{"enrol a malformed ID", "", []string{"tag", "enrol", "04A1B2C", "--kind", "keypad", "--panel", "Tower", "--slot", "2"}, 1, "tag ID not valid"},
		{"enrol for a user without a code", "", []string{"tag", "enrol", "90:324", "--kind", "door-lock", "--lock", "Front door", "--slot", "7"}, 1, "has no code; set a code first"},
		{"enrol on a panel without readers", "", []string{"tag", "enrol", "90:324", "--kind", "keypad", "--panel", "Main office", "--slot", "2"}, 1, "has no keypads with a proximity reader"},
		{"enrol on a lock", "", []string{"tag", "enrol", "090:0324", "--kind", "door-lock", "--lock", "Front door", "--slot", "2"}, 0,
			"Tag 90:324 (door-lock, lock 1 (Front door) of panel 2 (Tower)) is given to panel user 2; status active; sync: done, confirmed by the panel."},
		{"enrol it twice", "", []string{"tag", "enrol", "90:324", "--kind", "door-lock", "--lock", "1", "--slot", "3"}, 1, "tag 90:324 is given to panel user 2 of Tower already"},
		{"enrol on the keypads", "", []string{"tag", "enrol", "04:a1:b2:c3", "--kind", "keypad", "--panel", "Tower", "--slot", "3"}, 0,
			"Tag 04A1B2C3 (keypad, panel 2 (Tower) keypads) is given to panel user 3; status active; sync: done, confirmed by the panel."},
		{"lost", "", []string{"tag", "lost", "90:324"}, 0, "Tag 90:324 (door-lock, lock 1 (Front door) of panel 2 (Tower)) is marked lost; status lost; sync: done, confirmed by the panel."},
		{"lost again", "", []string{"tag", "lost", "90:324"}, 1, "tag 90:324 is marked lost already"},
		{"free", "", []string{"tag", "free", "90:324"}, 0, "Tag 90:324 (door-lock, panel 2 (Tower)) is free; status lost"},
		{"disable a free tag", "", []string{"tag", "disable", "90:324"}, 1, "tag 90:324 is not given to anyone: nothing to disable"},
		{"no such tag", "", []string{"tag", "show", "90:1"}, 1, "no tag 90:1 in your organization units"},
		{"list a bad status", "", []string{"tag", "list", "--status", "gone"}, 2, `--status "gone": choose active`},
	}
	s.runSteps(t, steps)
	// The lost tag went off the simulated lock.
	if st, err := s.towerSim().ReadLocks(context.Background()); err != nil || len(st[0].Tags) != 0 {
		t.Fatalf("lock tags %+v %v", st, err)
	}
	var tags []tagJSON
	s.jsonOut(&tags, "tag", "list")
	if len(tags) != 2 || tags[0].ID != "04A1B2C3" || tags[0].Owner != "user 3 (User 3)" || tags[0].Sync != "in sync" ||
		tags[1].ID != "90:324" || tags[1].Owner != "unassigned" || tags[1].Status != "lost" {
		t.Fatalf("tag list --json: %+v", tags)
	}
	s.jsonOut(&tags, "tag", "list", "--kind", "door-lock", "--status", "unassigned")
	if len(tags) != 1 || tags[0].ID != "90:324" {
		t.Fatalf("filtered: %+v", tags)
	}
	s.jsonOut(&tags, "tag", "list", "--panel", "Tower", "--owner", "3")
	if len(tags) != 1 || tags[0].ID != "04A1B2C3" {
		t.Fatalf("by owner: %+v", tags)
	}
	r := s.ok("", "tag", "list")
	for _, want := range []string{"Tag ID", "04A1B2C3", "panel 2 (Tower) keypads", "user 3 (User 3)", "in sync"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("tag list lacks %q:\n%s", want, r.stdout)
		}
	}
	r = s.ok("", "tag", "show", "04 A1 B2 C3")
	if !strings.Contains(r.stdout, "free     yes") && !strings.Contains(r.stdout, "free  yes") {
		t.Errorf("tag show:\n%s", r.stdout)
	}

	// Disabling the owner frees the tag; it shows as unassigned.
	s.ok("", "tag", "enrol", "90:325", "--kind", "door-lock", "--lock", "Front door", "--slot", "2")
	if r := s.ok("", "user", "disable", "Tower", "2", "--yes"); !strings.Contains(r.stdout, "is disabled") {
		t.Fatalf("disable: %s", r)
	}
	var tag tagJSON
	s.jsonOut(&tag, "tag", "show", "90:325")
	if tag.Owner != "unassigned" || tag.Status != "disabled" || tag.Sync != "in sync" {
		t.Fatalf("after disabling the owner: %+v", tag)
	}
	if r := s.ok("", "log", "list"); !strings.Contains(r.stdout, "tags freed: 90:325") {
		t.Errorf("log list:\n%s", r.stdout)
	}

	// A panel programmed by hand: the keypad tag's change waits for a
	// person at a keypad, and the command says where the steps are.
	s.ok("", "panel", "device", "Tower", "--driver", "guided")
	r = s.ok("", "tag", "free", "04A1B2C3")
	if !strings.Contains(r.stdout, "sync: keypad steps waiting") || !strings.Contains(r.stdout, "It waits for you at a keypad: guardroom job show") {
		t.Fatalf("free on a guided panel: %s", r)
	}
}

func TestTagImportAndExport(t *testing.T) {
	s := newSite(t).withPanel().withTower()
	s.ok("", "lock", "add", "--panel", "Tower", "--name", "Front door", "--model", "l3")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("\ufefftag;kind;panel;slot;lock\n90:324;door-lock;;2;Front door\n\"04 A1 B2 C3\";keypad;Tower;3;\n"), 0o600)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("tag,kind,panel,slot,lock\n90:400,door-lock,,2,1\n90:401,keypad,Tower,9,\n90:402,keypad,Tower,3,\n90:400,door-lock,,3,1\n"), 0o600)

	// The preview of a good file, nothing written.
	r := s.ok("", "tag", "import", good, "--dry-run")
	for _, want := range []string{"Line", "90:324", "04A1B2C3", "ok", "Dry run: all 2 rows can be imported; nothing was written."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	// A bad file: every bad row with its line, nothing written.
	r = s.fail(1, "2 rows of 4 cannot be imported (first, line 3: tag cannot be given: panel user 9 of Tower has no code; set a code first): nothing was imported", "", "tag", "import", bad)
	for _, want := range []string{"3     90:401", "has no code; set a code first", "5     90:400", "tag 90:400 repeats line 2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("refused import lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "90:402") {
		t.Errorf("a refused import lists good rows:\n%s", r.stdout)
	}
	var tags []tagJSON
	s.jsonOut(&tags, "tag", "list")
	if len(tags) != 0 {
		t.Fatalf("a dry run or a refused import wrote: %+v", tags)
	}
	// JSON preview.
	r = s.run("", "tag", "import", bad, "--dry-run", "--json")
	var res store.TagImport
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 1 || res.Bad != 2 || len(res.Rows) != 4 || res.Rows[3].Line != 5 {
		t.Fatalf("json preview: %v %s", err, r)
	}

	r = s.ok("", "tag", "import", good)
	if !strings.Contains(r.stdout, "Imported 2 tags from good.csv.") {
		t.Fatalf("import: %s", r)
	}
	s.jsonOut(&tags, "tag", "list")
	if len(tags) != 2 || tags[1].ID != "90:324" || tags[1].Lock != 1 || tags[0].Slot != 3 {
		t.Fatalf("after import: %+v", tags)
	}
	// The same file again: every tag exists already.
	s.fail(1, "tag 90:324 is given to panel user 2 of Tower already", "", "tag", "import", good)
	// Standard input.
	if r := s.ok("90:777,door-lock,,3,1\n", "tag", "import", "-"); !strings.Contains(r.stdout, "Imported 1 tag from standard input.") {
		t.Fatalf("stdin import: %s", r)
	}

	out := filepath.Join(dir, "export.csv")
	if r := s.ok("", "tag", "export", out); !strings.Contains(r.stdout, "Exported 3 tags to "+out) {
		t.Fatalf("export: %s", r)
	}
	b, err := os.ReadFile(out)
	st, _ := os.Stat(out)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v %v", st, err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if want := []string{"tag,kind,panel,slot,lock", "04A1B2C3,keypad,2,3,", "90:324,door-lock,2,2,1", "90:777,door-lock,2,3,1"}; !slices.Equal(lines, want) {
		t.Fatalf("export:\n%s", b)
	}
	if strings.Contains(string(b), "2580") || strings.Contains(string(b), "3691") {
		t.Fatalf("the export holds a code:\n%s", b)
	}
	s.fail(1, "exists", "", "tag", "export", out)
	s.ok("", "tag", "export", out, "--force")
	s.fail(1, "open the import file", "", "tag", "import", filepath.Join(dir, "missing.csv"))
}
