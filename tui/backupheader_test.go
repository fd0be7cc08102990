package tui

import (
	"errors"
	"testing"
	"time"
)

// TestHeaderBackupFailed: a scheduled backup that failed shows in the
// header, read from the store, until one succeeds; live, as the service
// records its runs.
func TestHeaderBackupFailed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sys := f.s.Internal("scheduled backup")
	due := time.Date(2026, 5, 12, 2, 30, 0, 0, time.UTC)
	check(t, f.s.RecordBackupRun(sys, "/b/guardroom-20260512-023000.backup", due, errors.New("no space left on device")))
	c := start(t, f, consoleOpts{w: 120, h: 40})
	c.waitHeader("backup failed since 12 May 02:30")
	check(t, f.s.RecordBackupRun(sys, "/b/guardroom-20260513-023000.backup", due.Add(24*time.Hour), nil))
	c.waitGone("backup failed")
	check(t, f.s.RecordBackupRun(sys, "/b/guardroom-20260514-023000.backup", due.Add(48*time.Hour), errors.New("read-only file system")))
	c.waitHeader("backup failed since 14 May 02:30")
}
