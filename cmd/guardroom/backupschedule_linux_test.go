//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withBackupConfig writes the site's config file with a [backup] table.
func (s *site) withBackupConfig(at, dir string) {
	s.t.Helper()
	cfg := filepath.Join(s.root, "config", "guardroom", "config.toml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		s.t.Fatal(err)
	}
	body := fmt.Sprintf("[backup]\nat = %q\ndir = %q\nkeep = 3\n", at, dir)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// waitUntil polls cond until it holds, for at most a minute: the deadline
// only turns a hang into a failure.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

func (s *site) statusJSON() statusReport {
	s.t.Helper()
	var st statusReport
	r := s.exec("", "status", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		s.t.Fatalf("status --json: %v\n%s", err, r)
	}
	return st
}

// TestServeScheduledBackups: guardroom serve with [backup]: its backup
// directory in place of which there is a file fails the backup it missed
// (made at start), shown in status and logged, and the service runs on;
// with the directory back, the restarted service makes the missed backup
// at start, then the next at its time of day; each file restores, and
// each run is one log entry with its file and result.
func TestServeScheduledBackups(t *testing.T) {
	s := newSite(t).withPanel()
	dir := filepath.Join(s.root, "backups")
	if err := os.WriteFile(dir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Due an hour ago: missed, so made at start.
	s.withBackupConfig(time.Now().Add(-time.Hour).Format("15:04"), dir)
	if r := s.exec("", "status"); !strings.Contains(r.stdout, "FAILING since ") || !strings.Contains(r.stdout, "missed: guardroom serve makes the [backup] backups, and it is not running") {
		t.Fatalf("status with no service:\n%s", r)
	}
	sv := s.serve()
	waitUntil(t, "the failed backup in status", func() bool { return s.statusJSON().BackupFailedSince != nil })
	if r := s.exec("", "status"); r.code != 0 || !strings.Contains(r.stdout, "Backups:     FAILING since ") || !strings.Contains(r.stdout, "not a directory") {
		t.Fatalf("status:\n%s", r)
	}
	if r := s.exec("", "log", "list", "--action", "backup"); !strings.Contains(r.stdout, "failed: [backup] dir "+dir) {
		t.Fatalf("log:\n%s", r)
	}
	if sv.stop() != 0 {
		t.Fatal("serve failed")
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	sv = s.serve()
	var first string
	waitUntil(t, "the missed backup", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "guardroom-*.backup"))
		if len(m) == 1 {
			first = m[0]
		}
		return first != "" && s.statusJSON().BackupFailedSince == nil
	})
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("backup dir: %v %v", fi, err)
	}
	if fi, err := os.Stat(first); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	if r := s.exec("", "status"); strings.Contains(r.stdout, "FAILING") || strings.Contains(r.stdout, "Last backup: none") {
		t.Fatalf("status after the backup:\n%s", r)
	}
	// The next at its time of day, a moment from now, while the service
	// runs (no catch-up: the last backup is newer than the last due time;
	// if the test is slow and the time passes first, the restart makes it).
	s.withBackupConfig(time.Now().Add(2*time.Second).Format("15:04:05"), dir)
	if sv.stop() != 0 {
		t.Fatal("serve failed")
	}
	s.serve()
	var second string
	waitUntil(t, "the scheduled backup", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "guardroom-*.backup"))
		for _, f := range m {
			if f != first {
				second = f
			}
		}
		return second != ""
	})
	r := s.exec("", "log", "list", "--action", "backup", "--json")
	for _, f := range []string{first, second} {
		if !strings.Contains(r.stdout, fmt.Sprintf("%q", f)) {
			t.Fatalf("no log entry for %s:\n%s", f, r)
		}
	}
	for i, f := range []string{first, second} {
		other := s.at(filepath.Join(s.root, fmt.Sprintf("restored%d", i)), s.key)
		if r := other.exec("", "restore", f); r.code != 0 || !strings.Contains(r.stdout, "Restored ") {
			t.Fatalf("restore %s:\n%s", f, r)
		}
		if r := other.exec("", "panel", "list"); r.code != 0 || !strings.Contains(r.stdout, "Main office") {
			t.Fatalf("panel list in the restored site:\n%s", r)
		}
	}
}

// TestServeRefusesBackupConfig: a [backup] table serve cannot follow, or
// a backup directory other users may write to, is refused at start, with
// what to write.
func TestServeRefusesBackupConfig(t *testing.T) {
	s := newSite(t).withPanel()
	dir := filepath.Join(s.root, "backups")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ at, want string }{
		{"25:00", `[backup] at "25:00" is not a time of day: write at = "02:30"`},
		{"02:30", "the backup directory " + dir + " can be written by other users (mode 0777), who could replace or remove the backups: run chmod 700 " + dir},
	} {
		s.withBackupConfig(c.at, dir)
		if r := s.exec("", "serve"); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Fatalf("want %q, got %s", c.want, r)
		}
	}
}
