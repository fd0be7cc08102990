package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// scannedSyncCounts is SyncCounts as it was before the counts were kept in
// memory: a scan of the job index and the drift records. The counts kept
// must always equal it.
func scannedSyncCounts(s *Store, a Actor, panel uint64) (SyncCounts, error) {
	var c SyncCounts
	err := s.db.View(func(txn *badger.Txn) error {
		panels := s.panelScope(txn, a)
		visible := func(id uint64) bool {
			if panel != 0 {
				return id == panel
			}
			return panels(id)
		}
		mail := func(seq uint64) bool {
			var j Job
			return panel == 0 && getJob(txn, seq, &j) == nil && s.unitInScope(a, s.mailUnit(txn, j))
		}
		for _, c := range []struct {
			st JobState
			n  *int
		}{{JobPending, &c.Pending}, {jobKeypad, &c.Keypad}, {JobFailed, &c.Failed}} {
			prefix := jobStatePrefix(c.st)
			err := scan(txn, prefix, true, func(k, v []byte) error {
				if id := entryPanel(v); id != 0 && visible(id) || id == 0 && mail(binary.BigEndian.Uint64(k[len(prefix):])) {
					*c.n++
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return scan(txn, pDrift, false, func(k, _ []byte) error {
			if len(k) == len(pDrift)+12 && visible(binary.BigEndian.Uint64(k[len(pDrift):])) {
				c.Drift++
			}
			return nil
		})
	})
	return c, err
}

// TestSyncCountsFollowEveryOperation runs the outbox through every state
// change (queued, done, failed, retried, cancelled, superseded, parked for
// keypad steps, confirmed, drift found and resolved, mail), a restore of an
// older backup and a reopen, and after each step compares the counts kept
// in memory with a full recount, for an administrator and for an operator
// who sees one unit only.
func TestSyncCountsFollowEveryOperation(t *testing.T) {
	f, dir, _, key := newDiskFx(t)
	s, clk := f.s, f.clk
	t.Cleanup(func() { s.Close() })
	sys := s.Internal("t")
	site := f.unit(RootUnit, "Site", UnitSite)
	p1 := f.panel("neo-hs2064", codeLength(8))
	p2 := f.panel("neo-hs2064", codeLength(8), inUnit(site.ID))
	scoped := f.operator("Administrator", site.ID)
	seen := SyncCounts{} // the largest of each count met, so the test knows it tried each
	compare := func(step string) {
		t.Helper()
		for _, who := range []struct {
			name string
			a    Actor
		}{{"admin", f.admin}, {"scoped", scoped}} {
			for _, panel := range []uint64{0, p1.ID, p2.ID} {
				want, werr := scannedSyncCounts(f.s, who.a, panel)
				got, gerr := f.s.SyncCounts(who.a, panel)
				if werr == nil {
					_, werr = f.s.GetPanel(who.a, panel)
					if panel == 0 {
						werr = nil
					}
				}
				if gerr != nil && werr != nil {
					continue // a panel outside the operator's units, refused alike
				}
				if (gerr == nil) != (werr == nil) || got != want {
					t.Fatalf("after %s, %s panel %d: kept %+v (%v), recount %+v (%v)", step, who.name, panel, got, gerr, want, werr)
				}
				seen = SyncCounts{max(seen.Pending, got.Pending), max(seen.Keypad, got.Keypad), max(seen.Failed, got.Failed), max(seen.Drift, got.Drift)}
			}
		}
	}
	due := func(panel uint64, slot int) Job {
		t.Helper()
		jobs, err := f.s.DueJobs(sys, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.Panel == panel && j.Slot == slot {
				return j
			}
		}
		t.Fatalf("no due job for panel %d slot %d", panel, slot)
		return Job{}
	}
	ok := JobResult{Driver: "sim", Transport: "in-process", Verified: true}
	compare("open")
	for slot := 1; slot <= 6; slot++ {
		f.setCode(p1, slot, countCode(slot))
		f.setCode(p2, slot, countCode(slot+10))
	}
	compare("codes queued")
	f.account("a@example.com")
	f.account("b@example.com", site.ID)
	compare("mail queued")
	for _, j := range mustGet(f.s.DueJobs(sys, 0)) {
		if j.Kind == JobMail && j.Mail.To == "a@example.com" {
			fxWant(t, f.s.FinishJob(sys, j.Seq, JobResult{Driver: "smtp"}), nil)
		}
	}
	compare("mail sent")
	fxWant(t, f.s.FinishJob(sys, due(p1.ID, 1).Seq, ok), nil)
	compare("done")
	fxWant(t, f.s.FinishJob(sys, due(p1.ID, 2).Seq, JobResult{Driver: "sim", Err: "slot locked", Permanent: true}), nil)
	compare("failed for good")
	fxWant(t, f.s.FinishJob(sys, due(p2.ID, 1).Seq, JobResult{Driver: "sim", Err: "no answer"}), nil)
	compare("failed, to be retried")
	failed := f.user(p1, 2).Sync.Job
	fxWant(t, f.s.RetryJob(f.admin, failed), nil)
	compare("retried")
	fxWant(t, f.s.FinishJob(sys, due(p1.ID, 2).Seq, JobResult{Driver: "sim", Err: "slot locked", Permanent: true}), nil)
	fxWant(t, f.s.EditCode(f.admin, p1.ID, 2, countCode(40)), nil)
	compare("failed job superseded")
	fxWant(t, f.s.ParkJob(sys, due(p1.ID, 3).Seq, []string{"*5", "1234"}, "guided"), nil)
	compare("parked for keypad steps")
	fxWant(t, f.s.ConfirmJob(f.admin, f.user(p1, 3).Sync.Job), nil)
	compare("keypad steps confirmed")
	fxWant(t, f.s.CancelJob(f.admin, f.user(p2, 2).Sync.Job), nil)
	compare("cancelled")

	var buf bytes.Buffer
	fxWant(t, f.s.Backup(f.admin, key, &buf), nil)
	for _, j := range mustGet(f.s.DueJobs(sys, 0)) {
		fxWant(t, f.s.FinishJob(sys, j.Seq, ok), nil)
	}
	compare("every job done")
	n, err := f.s.ReportUsers(sys, p1.ID, []DeviceUser{{Slot: 1, CodeSet: true}, {Slot: 9, CodeSet: true}})
	if err != nil || n == 0 {
		t.Fatalf("drift report: %d %v", n, err)
	}
	compare("drift found")
	fxWant(t, f.s.ResolveDrift(f.admin, p1.ID, 9, PushStore), nil)
	compare("drift resolved")

	fxWant(t, f.s.Restore(f.admin, key, bytes.NewReader(buf.Bytes()), true), nil)
	f.admin = mustGet(f.s.Actor("admin", "test"))
	compare("restore of the backup taken with jobs pending")
	if c := mustGet(f.s.SyncCounts(f.admin, 0)); c.Pending == 0 || c.Failed != 0 {
		t.Fatalf("after the restore: %+v, want the pending jobs of the backup", c)
	}

	fxWant(t, f.s.Close(), nil)
	if f.s, err = Open(Config{Dir: dir, Key: key, Now: clk.Now}); err != nil {
		t.Fatal(err)
	}
	s = f.s
	compare("reopen")
	if seen.Pending == 0 || seen.Keypad == 0 || seen.Failed == 0 || seen.Drift == 0 {
		t.Fatalf("some count was never moved: %+v", seen)
	}
}

// countCode is a valid, unique 8-digit code for n.
func countCode(n int) string { return fmt.Sprintf("%08d", (20_000_000+n*7_919_371)%100_000_000) }

// mustGet returns v, or panics with err: the steps of a test that cannot
// go on without v.
func mustGet[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
