package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

func TestBackupRestoreRoundTrip(t *testing.T) {
	s := newSite(t).withPanel()
	s.ok("2580\n", "user", "set-code", "1", "7", "--label", "Bob")
	s.ok("", "account", "create", "ann@example.com")
	s.ok("", "account", "assign", "ann@example.com", "1", "7")

	file := filepath.Join(s.root, "site.backup")
	r := s.ok("", "backup", file)
	if !strings.Contains(r.stdout, "Backup written to "+file) || !strings.Contains(r.stdout, s.key) {
		t.Errorf("backup: %s", r)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() == 0 {
		t.Fatalf("backup file: %v %v", st, err)
	}
	s.fail(1, "exists already", "", "backup", file)
	s.ok("", "backup", file, "--force")

	// Into a fresh data directory, with the same key file.
	fresh := s.at(filepath.Join(s.root, "restored"), s.key)
	r = fresh.ok("", "restore", file)
	if !strings.Contains(r.stdout, "Restored") || !strings.Contains(r.stdout, "chain intact") {
		t.Errorf("restore: %s", r)
	}
	u := fresh.user("Main office", "7")
	if !u.CodeSet || u.Label != "Bob" || u.Account == nil || *u.Account != "ann@example.com" {
		t.Errorf("restored user: %+v", u)
	}
	fresh.ok("", "log", "verify")
	// The restored database knows the code's hash: a duplicate is refused.
	fresh.fail(1, "already used", "2580\n", "user", "set-code", "1", "8")

	// Not over a site without --force; the refusal is in the action log
	// and the diagnostics log.
	fresh.fail(1, "already holds a site", "", "restore", file)
	if r := fresh.ok("", "log", "list", "--json"); !strings.Contains(r.stdout, `"action": "restore"`) || !strings.Contains(r.stdout, "refused: the database already holds a site") {
		t.Errorf("the refused restore is not in the action log: %s", r)
	}
	if b, err := os.ReadFile(filepath.Join(fresh.data, "guardroom.log")); err != nil || !strings.Contains(string(b), "restore refused") || !strings.Contains(string(b), file) {
		t.Errorf("the refused restore is not in the diagnostics log: %v\n%s", err, b)
	}
	// With it, the backup is checked and loaded beside the data directory,
	// then swapped in, each step said on stderr.
	r = fresh.ok("", "restore", file, "--force")
	for _, step := range []string{"checking the backup", "loading the backup", "checking the restored database", "swapping the restored database in"} {
		if !strings.Contains(r.stderr, "guardroom: "+step) {
			t.Errorf("restore did not say %q: %s", step, r)
		}
	}
	for _, p := range []string{".incoming", ".outgoing", ".swap"} {
		if _, err := os.Stat(fresh.data + p); err == nil {
			t.Errorf("%s%s is left after the restore", fresh.data, p)
		}
	}

	// The key file the backup was made with is needed, and never made up.
	noKey := s.at(filepath.Join(s.root, "r2"), filepath.Join(s.root, "missing.key"))
	noKey.fail(1, "key file the backup was made with", "", "restore", file)
	if _, err := os.Stat(noKey.key); err == nil {
		t.Error("restore created a key file")
	}
	if store.Exists(noKey.data) {
		t.Error("restore without key created a database")
	}
	otherKey := filepath.Join(s.root, "other.key")
	store.CreateKey(otherKey)
	wrong := s.at(filepath.Join(s.root, "r3"), otherKey)
	wrong.fail(1, "another key file", "", "restore", file)
	wrong.fail(1, "not a guardroom backup", "", "restore", filepath.Join(s.data, "MANIFEST"))
	wrong.fail(1, "open backup", "", "restore", filepath.Join(s.root, "nope.backup"))
}
