package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
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
