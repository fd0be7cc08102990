package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin without relying on the host's zoneinfo

	"github.com/guardroom/guardroom/store"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestBackupDue: the last and next due times around the day's backup
// time, on the days DST starts (02:30 does not exist: 03:30 CEST) and
// ends (02:30 comes twice: the second), in a fixed zone.
func TestBackupDue(t *testing.T) {
	loc := berlin(t)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04:05 -0700", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sch := &backupSchedule{at: 2*time.Hour + 30*time.Minute}
	for _, c := range []struct {
		name, now, last, next string
	}{
		{"before the time", "2026-12-07 01:00:00 +0100", "2026-12-06 02:30:00 +0100", "2026-12-07 02:30:00 +0100"},
		{"at the time", "2026-12-07 02:30:00 +0100", "2026-12-07 02:30:00 +0100", "2026-12-08 02:30:00 +0100"},
		{"after the time", "2026-12-07 23:59:00 +0100", "2026-12-07 02:30:00 +0100", "2026-12-08 02:30:00 +0100"},
		{"month end", "2026-12-31 12:00:00 +0100", "2026-12-31 02:30:00 +0100", "2027-01-01 02:30:00 +0100"},
		{"DST starts, before", "2026-03-29 01:59:00 +0100", "2026-03-28 02:30:00 +0100", "2026-03-29 03:30:00 +0200"},
		{"DST starts, after", "2026-03-29 03:31:00 +0200", "2026-03-29 03:30:00 +0200", "2026-03-30 02:30:00 +0200"},
		{"DST ends, first 02:30", "2026-10-25 02:30:00 +0200", "2026-10-24 02:30:00 +0200", "2026-10-25 02:30:00 +0100"},
		{"DST ends, second 02:30", "2026-10-25 02:30:00 +0100", "2026-10-25 02:30:00 +0100", "2026-10-26 02:30:00 +0100"},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := at(c.now)
			if got := sch.lastDue(now); !got.Equal(at(c.last)) {
				t.Errorf("lastDue(%s) = %s, want %s", now, got, c.last)
			}
			if got := sch.nextDue(now); !got.Equal(at(c.next)) {
				t.Errorf("nextDue(%s) = %s, want %s", now, got, c.next)
			}
		})
	}
	// One backup a day, DST or not: each day in March and October has one
	// due time, and lastDue <= now < nextDue all along.
	due := map[time.Time]bool{}
	for now := at("2026-03-27 00:00:00 +0100"); now.Before(at("2026-03-31 00:00:00 +0200")); now = now.Add(10 * time.Minute) {
		last, next := sch.lastDue(now), sch.nextDue(now)
		if last.After(now) || !next.After(now) || next.Sub(last) > 25*time.Hour {
			t.Fatalf("at %s: last %s, next %s", now, last, next)
		}
		due[last] = true
	}
	if len(due) != 5 { // 26th (before the first 02:30) to 30th
		t.Fatalf("due times around DST: %v", due)
	}
}

func TestBackupConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		c    backupConfig
		want string
	}{
		{"no time", backupConfig{Dir: "/b"}, `[backup] has no time: write at = "02:30"`},
		{"bad time", backupConfig{At: "2:30pm", Dir: "/b"}, `[backup] at "2:30pm" is not a time of day: write at = "02:30" (hours 00-23, minutes 00-59)`},
		{"hour 24", backupConfig{At: "24:00", Dir: "/b"}, `at "24:00" is not a time of day`},
		{"no dir", backupConfig{At: "02:30"}, `[backup] has no directory: write dir = "/var/backups/guardroom"`},
		{"keep below zero", backupConfig{At: "02:30", Dir: "/b", Keep: -1}, `[backup] keep -1 is below zero: write keep = 7`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseBackupConfig(c.c, "/etc/g.toml")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "config file /etc/g.toml: ") {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	sch, err := parseBackupConfig(backupConfig{At: "02:30:15", Dir: "b"}, "/etc/guardroom/config.toml")
	if err != nil || sch.at != 2*time.Hour+30*time.Minute+15*time.Second || sch.dir != "/etc/guardroom/b" || sch.keep != defaultBackupKeep {
		t.Fatalf("got %+v %v", sch, err)
	}
	if sch, err := parseBackupConfig(backupConfig{}, ""); sch != nil || err != nil {
		t.Fatalf("no [backup]: %+v %v", sch, err)
	}
}

// TestBackupPrune: only the newest keep of the schedule's backups stay;
// other files in the directory, ours or not, are never removed.
func TestBackupPrune(t *testing.T) {
	dir := t.TempDir()
	names := []string{
		"guardroom-20261201-023000.backup",
		"guardroom-20261202-023000.backup",
		"guardroom-20261203-023000.backup",
		"guardroom-20261203-023000-2.backup",
		"guardroom-20261204-023000.backup",
		"guardroom-20261130-023000.backup.bak", // not ours
		"notes.txt",
		"site-2026-11-03.backup",                  // guardroom backup FILE by hand
		".guardroom-20261204-023000.backup.1.tmp", // a run under way
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "guardroom-20261101-023000.backup"), 0o700); err != nil { // a directory
		t.Fatal(err)
	}
	removed, err := prune(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"guardroom-20261203-023000.backup", "guardroom-20261202-023000.backup", "guardroom-20261201-023000.backup"}; !slices.Equal(removed, want) {
		t.Fatalf("removed %v, want %v", removed, want)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{".guardroom-20261204-023000.backup.1.tmp", "guardroom-20261101-023000.backup", "guardroom-20261130-023000.backup.bak",
		"guardroom-20261203-023000-2.backup", "guardroom-20261204-023000.backup", "notes.txt", "site-2026-11-03.backup"}
	if !slices.Equal(left, want) {
		t.Fatalf("left %v, want %v", left, want)
	}
}

// TestBackupScheduleCatchUp: on a fake clock, a service started with its
// last backup missed makes one at once, then one at each due time; a
// directory that fails makes a failed run, logged, that stands in the
// store's state until a run succeeds; old backups are pruned.
func TestBackupScheduleCatchUp(t *testing.T) {
	s := newSite(t).withPanel()
	key, err := store.ReadKey(s.key)
	if err != nil {
		t.Fatal(err)
	}
	loc := berlin(t)
	clk := time.Date(2026, 12, 7, 10, 0, 0, 0, loc)
	st, err := store.Open(store.Config{Dir: s.data, Key: key, Now: func() time.Time { return clk }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := filepath.Join(s.root, "backups")
	sch := &backupSchedule{at: 2*time.Hour + 30*time.Minute, dir: dir, keep: 2}
	ctx, cancel := context.WithCancel(context.Background())
	var end time.Time
	var onWait func()
	b := &backupScheduler{sch: sch, s: st, key: key, log: slog.New(slog.DiscardHandler), now: func() time.Time { return clk },
		wait: func(d time.Duration) <-chan time.Time {
			if d <= 0 || d > maxBackupWait {
				t.Errorf("wait %s", d)
			}
			clk = clk.Add(d)
			if onWait != nil {
				onWait()
			}
			if !clk.Before(end) {
				cancel()
				return nil
			}
			c := make(chan time.Time, 1)
			c <- clk
			return c
		}}
	files := func() []string {
		t.Helper()
		m, _ := filepath.Glob(filepath.Join(dir, "*"))
		for i := range m {
			m[i] = filepath.Base(m[i])
		}
		return m
	}
	state := func() store.BackupState {
		t.Helper()
		bs, err := st.BackupState(st.Internal("test"))
		if err != nil {
			t.Fatal(err)
		}
		return bs
	}
	// Started at 10:00 with no backup: one at once, then 02:30 on the 8th and 9th.
	end = time.Date(2026, 12, 9, 12, 0, 0, 0, loc)
	b.run(ctx)
	if want := []string{"guardroom-20261208-023000.backup", "guardroom-20261209-023000.backup"}; !slices.Equal(files(), want) {
		t.Fatalf("files %v, want %v (the catch-up at start pruned, keep 2)", files(), want)
	}
	entries, err := st.ListLog(st.Internal("test"), store.LogFilter{Action: "backup"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[2].After["file"] != filepath.Join(dir, "guardroom-20261207-100000.backup") || entries[2].Result != "ok" || entries[2].Operator != backupActor {
		t.Fatalf("log: %+v", entries)
	}
	fi, err := os.Stat(filepath.Join(dir, "guardroom-20261209-023000.backup"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}

	// The directory becomes a file: the run on the 10th fails, and is not
	// tried again until the next due time (the 11th), which fails too.
	os.RemoveAll(dir)
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	end = time.Date(2026, 12, 11, 12, 0, 0, 0, loc)
	b.run(ctx)
	bs := state()
	if !bs.FailedSince.Equal(time.Date(2026, 12, 10, 2, 30, 0, 0, loc)) || !strings.Contains(bs.Problem, "not a directory") {
		t.Fatalf("state after failures: %+v", bs)
	}
	entries, _ = st.ListLog(st.Internal("test"), store.LogFilter{Action: "backup"})
	if len(entries) != 5 || !strings.HasPrefix(entries[0].Result, "failed: [backup] dir ") {
		t.Fatalf("log after failures: %d entries, newest %+v", len(entries), entries[0])
	}

	// The directory is back: the service restarted on the 11th
	// catches up at once and the failure clears.
	os.Remove(dir)
	ctx, cancel = context.WithCancel(context.Background())
	restart := clk
	end = clk.Add(time.Hour)
	b.run(ctx)
	if bs := state(); bs.Failing() || !bs.LastOK.Equal(restart) {
		t.Fatalf("state after catching up: %+v", bs)
	}
	cancel()
}
