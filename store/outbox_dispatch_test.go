package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func TestDueJobsKeepDeviceOrder(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	p1, p2 := f.panel("neo-hs2016"), f.panel("neo-hs2016")
	f.setCode(p1, 2, "4829")
	f.setCode(p1, 3, "5937")
	f.setCode(p2, 2, "4829")
	jobs, err := f.s.DueJobs(sys, 0)
	if err != nil || len(jobs) != 3 {
		t.Fatalf("due %d jobs, %v", len(jobs), err)
	}
	if jobs[0].Panel != p1.ID || jobs[0].Slot != 2 || jobs[1].Slot != 3 || jobs[0].Code != "4829" {
		t.Fatalf("order or secrets wrong: %v", jobs)
	}
	// A transient failure on panel 1's first job holds its second back.
	if err := f.s.FinishJob(sys, jobs[0].Seq, JobResult{Driver: "sim", Err: "offline"}); err != nil {
		t.Fatal(err)
	}
	due, _ := f.s.DueJobs(sys, 0)
	if len(due) != 1 || due[0].Panel != p2.ID {
		t.Fatalf("after a retry on panel 1, due = %v; want only panel 2's job", due)
	}
	if u := f.user(p1, 2); u.Sync.State != SyncPending || u.Sync.Reason != "offline" {
		t.Errorf("user sync after a transient failure: %v", u.Sync)
	}
	f.clk.Advance(maxBackoff + time.Minute)
	due, _ = f.s.DueJobs(sys, 0)
	if len(due) != 3 || due[0].Seq != jobs[0].Seq {
		t.Fatalf("after the back-off, due = %v", due)
	}
	if _, err := f.s.DueJobs(f.admin, 0); err == nil {
		t.Error("an operator read the outbox with its secrets")
	}
	if err := f.s.FinishJob(f.admin, jobs[1].Seq, JobResult{}); err == nil {
		t.Error("an operator finished a job")
	}
}

func TestFinishJobOutcomes(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	p := f.panel("neo-hs2016")
	f.setCode(p, 2, "4829")
	f.setCode(p, 3, "5937")
	f.setCode(p, 4, "6150")
	jobs, _ := f.s.DueJobs(sys, 0)
	cases := []struct {
		r     JobResult
		slot  int
		state SyncState
		log   string
	}{
		{JobResult{Driver: "sim", Transport: "in-process", Verified: true}, 2, SyncInSync, "ok"},
		{JobResult{Driver: "guided", Transport: "keypad"}, 3, SyncUnverified, "ok"},
		{JobResult{Driver: "sim", Err: "slot locked", Permanent: true}, 4, SyncFailed, "failed: slot locked"},
	}
	for i, c := range cases {
		if err := f.s.FinishJob(sys, jobs[i].Seq, c.r); err != nil {
			t.Fatal(err)
		}
		if u := f.user(p, c.slot); u.Sync.State != c.state {
			t.Errorf("slot %d sync %v, want %s", c.slot, u.Sync, c.state)
		}
		if e := f.lastLog(); e.Action != "device.apply" || e.Result != c.log || e.After["driver"] != c.r.Driver {
			t.Errorf("log %+v", e)
		}
	}
	// A done job forgets its code; a failed one keeps it so that it can be
	// retried, until it is cancelled.
	for _, j := range f.rawJobs() {
		if (j.Code != "") != (j.State == JobFailed) {
			t.Errorf("job %d (%s) code kept: %v", j.Seq, j.State, j.Code != "")
		}
	}
	c, err := f.s.SyncCounts(f.admin, 0)
	if err != nil || c.Pending != 0 || c.Failed != 1 {
		t.Errorf("counts %+v, %v", c, err)
	}
	if err := f.s.CancelJob(f.admin, jobs[2].Seq); err != nil {
		t.Fatal(err)
	}
	for _, j := range f.rawJobs() {
		if j.Code != "" {
			t.Errorf("job %d (%s) kept its code after cancel", j.Seq, j.State)
		}
	}
	if err := f.s.FinishJob(sys, jobs[0].Seq, JobResult{}); err == nil || !strings.Contains(err.Error(), "not pending") {
		t.Errorf("finishing a done job: %v", err)
	}
}

func TestSyncSummaryScope(t *testing.T) {
	f := newFx(t)
	site := f.unit(RootUnit, "Site", UnitSite)
	a := f.unit(site.ID, "A", UnitBuilding)
	b := f.unit(site.ID, "B", UnitBuilding)
	pa, pb := f.panel("neo-hs2016", inUnit(a.ID)), f.panel("neo-hs2016", inUnit(b.ID))
	f.setCode(pa, 2, "4829")
	f.setCode(pb, 2, "4829")
	f.setCode(pb, 3, "5937")
	guardA := f.operator(RoleGuard, a.ID)
	if c, _ := f.s.SyncCounts(guardA, 0); c.Pending != 1 {
		t.Errorf("building A sees %d pending jobs, want 1", c.Pending)
	}
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Pending != 3 {
		t.Errorf("admin sees %d pending jobs, want 3", c.Pending)
	}
	if c, _ := f.s.SyncCounts(f.admin, pb.ID); c.Pending != 2 {
		t.Errorf("panel B has %d pending jobs, want 2", c.Pending)
	}
	if _, err := f.s.SyncCounts(guardA, pb.ID); err == nil {
		t.Error("building A counted building B's panel")
	}
}

func TestListUsersProgress(t *testing.T) {
	f := newFx(t)
	p := f.panel("generic", func(np *NewPanel) { np.Slots = 25_000 }, codeLength(8))
	items := make([]BulkCode, 0, 20_000)
	for i := range 20_000 {
		items = append(items, BulkCode{Slot: i + 2, Code: fmt.Sprintf("%08d", 13_570_000+i*3)})
	}
	if err := f.s.BulkSetCodes(f.admin, p.ID, items, nil); err != nil {
		t.Fatal(err)
	}
	var reports [][2]int
	users, err := f.s.ListUsersProgress(f.admin, p.ID, func(done, total int) { reports = append(reports, [2]int{done, total}) })
	if err != nil || len(users) != 25_000 {
		t.Fatalf("%d users, %v", len(users), err)
	}
	if len(reports) != 2 || reports[0] != [2]int{10_000, 25_000} || reports[1] != [2]int{20_000, 25_000} {
		t.Fatalf("progress reports %v", reports)
	}
}

// TestFinishJobsAsFinishJobDoes: a run finished in one FinishJobs call
// leaves the users and the action log exactly as finishing its jobs one
// FinishJob at a time does, outcome by outcome; a job cancelled meanwhile
// is refused and logged as FinishJob refuses it, and the rest is finished.
func TestFinishJobsAsFinishJobDoes(t *testing.T) {
	results := []JobResult{
		{Driver: "modbus", Transport: "tcp 10.0.0.5:502", Verified: true, CodeSerial: 7},
		{Driver: "modbus", Transport: "tcp 10.0.0.5:502"},
		{Driver: "modbus", Transport: "tcp 10.0.0.5:502", Err: "the panel refused the code", Permanent: true},
		{Driver: "modbus", Transport: "tcp 10.0.0.5:502", Verified: true},
		{Driver: "modbus", Transport: "tcp 10.0.0.5:502", Err: "offline"},
	}
	type outcome struct {
		users []Sync
		log   []string
		err   error
	}
	run := func(t *testing.T, batch bool) outcome {
		f := newFx(t)
		sys := f.s.Internal("dispatch")
		p := f.panel("neo-hs2016")
		for i := range results {
			f.setCode(p, i+2, fmt.Sprint(4829+i*1111))
		}
		jobs, _ := f.s.DueJobs(sys, 0)
		if err := f.s.CancelJob(f.admin, jobs[3].Seq); err != nil {
			t.Fatal(err)
		}
		from := len(f.log())
		var o outcome
		if batch {
			var run []Finished
			for i, j := range jobs {
				run = append(run, Finished{Seq: j.Seq, Result: results[i]})
			}
			o.err = f.s.FinishJobs(sys, run)
		} else {
			var errs []error
			for i, j := range jobs {
				if err := f.s.FinishJob(sys, j.Seq, results[i]); err != nil {
					errs = append(errs, err)
				}
			}
			o.err = errors.Join(errs...)
		}
		for i := range results {
			o.users = append(o.users, f.user(p, i+2).Sync)
		}
		log := f.log()
		for _, e := range log[:len(log)-from] {
			o.log = append(o.log, fmt.Sprintf("%s %s unit %d panel %d slot %d %v %s", e.Action, e.Place, e.Unit, e.Panel, e.Slot, e.After, e.Result))
		}
		slices.Sort(o.log) // the refusal comes after the run's commit
		if res, err := f.s.VerifyLog(f.admin); err != nil || !res.OK() {
			t.Fatalf("log: %v %v", res, err)
		}
		return o
	}
	one, batch := run(t, false), run(t, true)
	if !slices.Equal(one.users, batch.users) {
		t.Errorf("users:\n one by one %v\n in a run   %v", one.users, batch.users)
	}
	if !slices.Equal(one.log, batch.log) || len(batch.log) != 4 {
		t.Errorf("log:\n one by one %q\n in a run   %q", one.log, batch.log)
	}
	fxWant(t, batch.err, ErrState, "is cancelled, not pending")
}

// TestFinishJobsSplitsABigRun: a run bigger than one Badger transaction
// holds is committed in parts, every job finished with its entry.
func TestFinishJobsSplitsABigRun(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	const n = 2500
	p := f.panel("generic", func(np *NewPanel) { np.Slots, np.CodeLength = n, 8 })
	items := make([]BulkCode, n)
	for i := range items {
		items[i] = BulkCode{Slot: i + 1, Code: fmt.Sprintf("%08d", 20000000+37*(i+1)), CodeOptions: CodeOptions{Label: strings.Repeat("x", 30)}}
	}
	if err := f.s.BulkSetCodes(f.admin, p.ID, items, nil); err != nil {
		t.Fatal(err)
	}
	jobs, _ := f.s.DueJobs(sys, 0)
	run := make([]Finished, len(jobs))
	for i, j := range jobs {
		run[i] = Finished{Seq: j.Seq, Result: JobResult{Driver: "sim", Transport: "in-process", Verified: true}}
	}
	if err := f.s.FinishJobs(sys, run); err != nil {
		t.Fatal(err)
	}
	if c, err := f.s.SyncCounts(f.admin, 0); err != nil || c != (SyncCounts{}) {
		t.Fatalf("after the run: %+v %v", c, err)
	}
	applied, err := f.s.ListLog(f.admin, LogFilter{Action: "device.apply"})
	if err != nil || len(applied) != n {
		t.Fatalf("%d jobs logged as applied, want %d (%v)", len(applied), n, err)
	}
}

// TestScanDueTakesABoundedBatch: ScanDue hands out at most DueBatch jobs
// of a device (another device's jobs still come), and MoreDue gives the
// device's next jobs after the last one taken, in order, without the
// other devices' jobs, and stops at the device's first job waiting for its
// retry.
func TestScanDueTakesABoundedBatch(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	const n = DueBatch + 100
	big := f.panel("generic", func(np *NewPanel) { np.Slots, np.CodeLength = n+1, 8 })
	other := f.panel("neo-hs2016")
	items := make([]BulkCode, n)
	for i := range items {
		items[i] = BulkCode{Slot: i + 2, Code: fmt.Sprintf("%08d", 30000000+(i+2)*7919)}
	}
	fxWant(t, f.s.BulkSetCodes(f.admin, big.ID, items[:n/2], nil), nil)
	f.setCode(other, 2, "4829") // queued between the big panel's jobs
	fxWant(t, f.s.BulkSetCodes(f.admin, big.ID, items[n/2:], nil), nil)

	due, err := f.s.ScanDue(sys, nil)
	fxWant(t, err, nil)
	slots := map[uint64][]int{}
	for _, j := range due.Jobs {
		slots[j.Panel] = append(slots[j.Panel], j.Slot)
	}
	if got := slots[big.ID]; len(got) != DueBatch || got[0] != 2 || got[DueBatch-1] != DueBatch+1 {
		t.Fatalf("ScanDue gave the big panel %d jobs (slots %v...), want its first %d", len(got), got[:min(len(got), 3)], DueBatch)
	}
	if got := slots[other.ID]; !slices.Equal(got, []int{2}) {
		t.Errorf("ScanDue gave the other panel slots %v, want [2]", got)
	}
	var last Job
	for _, j := range due.Jobs {
		if j.Panel == big.ID {
			last = j
		}
	}

	// The big panel's job after the batch waits for its retry from here
	// on: the one before it comes, nothing after it.
	more, err := f.s.MoreDue(sys, big.ID, last.Seq)
	fxWant(t, err, nil)
	if len(more) != n-DueBatch || more[0].Slot != DueBatch+2 || more[len(more)-1].Slot != n+1 || more[0].Code == "" {
		t.Fatalf("MoreDue gave %d jobs, want the %d after slot %d with their codes", len(more), n-DueBatch, last.Slot)
	}
	fxWant(t, f.s.FinishJob(sys, more[1].Seq, JobResult{Driver: "sim", Err: "offline"}), nil)
	more, err = f.s.MoreDue(sys, big.ID, last.Seq)
	fxWant(t, err, nil)
	if len(more) != 1 || more[0].Slot != DueBatch+2 {
		t.Errorf("MoreDue with the second job waiting gave %d jobs, want only the one before it", len(more))
	}
	if _, err := f.s.MoreDue(f.admin, big.ID, 0); err == nil {
		t.Error("an operator read the outbox with its secrets")
	}

	// A mail waiting for its retry holds no later mail back.
	f.account("a@example.com")
	f.account("b@example.com")
	mails, err := f.s.MoreDue(sys, 0, 0)
	fxWant(t, err, nil)
	if len(mails) != 2 {
		t.Fatalf("MoreDue gave %d mails, want 2", len(mails))
	}
	fxWant(t, f.s.FinishJob(sys, mails[0].Seq, JobResult{Driver: "smtp", Err: "no answer"}), nil)
	if later, err := f.s.MoreDue(sys, 0, 0); err != nil || len(later) != 1 || later[0].Seq != mails[1].Seq {
		t.Errorf("MoreDue with the first mail waiting gave %d mails, %v; want the second", len(later), err)
	}
}

// TestScanDueStopsWhenEveryTargetIsServed: once the scan has met every
// pending job the outbox counts know of, or passed their targets by for
// good (a batch taken, a device busy), ScanDue and TargetDue read no
// further: a record past that point, which the counts do not know and
// which cannot be decoded, is never reached. A scan to the end of the
// pending index (what a look after a bulk load read before) fails on it.
func TestScanDueStopsWhenEveryTargetIsServed(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	const n = DueBatch + 10
	big := f.panel("generic", func(np *NewPanel) { np.Slots, np.CodeLength = n, 8 })
	other := f.panel("neo-hs2016")
	items := make([]BulkCode, n)
	for i := range items {
		items[i] = BulkCode{Slot: i + 1, Code: fmt.Sprintf("%08d", 30000000+(i+1)*7919)}
	}
	fxWant(t, f.s.BulkSetCodes(f.admin, big.ID, items, nil), nil)
	f.setCode(other, 2, "4829")
	fxWant(t, f.s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(jobStateKey(JobPending, f.s.seqs.Job+100), []byte{0xff})
	}), nil)

	due, err := f.s.ScanDue(sys, nil)
	if err != nil || len(due.Jobs) != DueBatch+1 {
		t.Fatalf("ScanDue: %d jobs, %v; want %d, read no further", len(due.Jobs), err, DueBatch+1)
	}
	busy := func(target uint64) bool { return target == other.ID }
	if due, err = f.s.ScanDue(sys, busy); err != nil || len(due.Jobs) != DueBatch {
		t.Fatalf("ScanDue with the other panel busy: %d jobs, %v; want %d", len(due.Jobs), err, DueBatch)
	}
	mail := f.panel("neo-hs2016")
	if ok, err := f.s.TargetDue(sys, mail.ID); ok || err != nil {
		t.Fatalf("TargetDue of a panel without jobs: %v, %v", ok, err)
	}
	// A scan that has a target's jobs still to meet reaches the record:
	// the big panel's after its last one.
	if _, err := f.s.MoreDue(sys, big.ID, f.s.seqs.Job); err == nil {
		t.Fatal("the undecodable record was not reached")
	}
}
