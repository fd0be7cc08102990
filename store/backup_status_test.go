package store

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"
)

// TestBackupStateRuns: a failed scheduled run stands, since its due time,
// through later failures, until a backup succeeds (a scheduled run or
// guardroom backup); each run is one log entry with its file and result,
// and subscribers hear of it.
func TestBackupStateRuns(t *testing.T) {
	b := newBkSource(t)
	sys := b.s.Internal("scheduled backup")
	sub := b.s.Subscribe()
	defer sub.Close()
	due := time.Date(2026, 5, 13, 2, 30, 0, 0, time.UTC)
	state := func() BackupState {
		t.Helper()
		st, err := b.s.BackupState(b.admin)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := state(); st.Failing() || !st.LastOK.IsZero() {
		t.Fatalf("new store: %+v", st)
	}
	for i, err := range []error{errors.New("disk full"), errors.New("no such directory")} {
		if err := b.s.RecordBackupRun(sys, "/b/x.backup", due.Add(time.Duration(i)*24*time.Hour), err); err != nil {
			t.Fatal(err)
		}
	}
	if st := state(); !st.FailedSince.Equal(due) || st.Problem != "no such directory" {
		t.Fatalf("after two failures: %+v", st)
	}
	if !slices.ContainsFunc(sub.Changes(), func(c Change) bool { return c.What == ChangeBackup }) {
		t.Fatal("no ChangeBackup")
	}
	last := b.lastLog()
	if last.Action != "backup" || last.Result != "failed: no such directory" || last.After["file"] != "/b/x.backup" || last.Operator != "scheduled backup" {
		t.Fatalf("log entry: %+v", last)
	}
	if err := b.s.Backup(b.admin, b.key, io.Discard); err != nil {
		t.Fatal(err)
	}
	if st := state(); st.Failing() || !st.LastOK.Equal(b.clk.Now()) {
		t.Fatalf("after guardroom backup: %+v", st)
	}
	if err := b.s.WriteBackup(sys, b.key, io.Discard); err != nil {
		t.Fatal(err)
	}
	n := len(b.fx.log())
	if err := b.s.RecordBackupRun(sys, "/b/y.backup", due, nil); err != nil {
		t.Fatal(err)
	}
	if st := state(); st.Failing() || st.LastFile != "/b/y.backup" || len(b.fx.log()) != n+1 || b.lastLog().Result != "ok" {
		t.Fatalf("after a scheduled run: %+v, %d entries", st, len(b.fx.log())-n)
	}
}
