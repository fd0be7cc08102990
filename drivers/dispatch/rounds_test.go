package dispatch

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store"
)

// TestRunLooksOnlyWhenSomethingIsDue: a running dispatcher whose only job
// waits for its retry (the panel is offline) does not read the pending
// jobs again at every tick, only when a job changes or a retry comes due.
// Before, every tick and every change notice reread the whole pending
// index: after a bulk load, 13% of a core with nothing to do.
func TestRunLooksOnlyWhenSomethingIsDue(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2016")
	dev.SetOffline(true)
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	sub := f.s.Subscribe()
	defer sub.Close()

	const turns = 40
	turned := make(chan struct{}, turns)
	d := New(f.s, Options{Tick: 1}) // a tick as often as the clock allows
	d.onRound = func() {
		select {
		case turned <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	// The job is tried once and waits for its retry (the store's clock
	// stands still, so it never comes due).
	for f.user(p, 2).Sync.Reason == "" {
		<-sub.C
		sub.Changes()
	}
	base := d.looked.Load()
	for len(turned) > 0 { // count only turns from here
		<-turned
	}
	for range turns {
		<-turned
	}
	looks := d.looked.Load() - base
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// One more look may follow the worker's end (its own finish's notice).
	if looks > 1 {
		t.Errorf("%d looks for due jobs in %d turns with nothing due, want at most 1", looks, turns)
	}

	// A change to a job no worker holds makes the next turn look; the
	// retry time coming makes a turn look.
	r := rounds{missed: map[uint64]bool{}}
	r.looked(f.clk.Now().Add(5))
	if r.due(f.clk.Now()) {
		t.Error("due before anything changed")
	}
	r.noted([]store.Change{{What: store.ChangeJob, Panel: 7}}, map[uint64]bool{7: true})
	if r.due(f.clk.Now()) {
		t.Error("due after a change to a busy worker's job")
	}
	r.ended(7, false, f.clk.Now())
	if !r.due(f.clk.Now()) {
		t.Error("not due after the worker whose job changed ended")
	}
	r.looked(f.clk.Now().Add(5))
	r.noted([]store.Change{{What: store.ChangeJob, Panel: 8}, {What: store.ChangeUser, Panel: 7}}, map[uint64]bool{})
	if !r.due(f.clk.Now()) {
		t.Error("not due after a job of an idle panel changed")
	}
	r.looked(f.clk.Now().Add(5))
	if !r.due(f.clk.Now().Add(5)) {
		t.Error("not due when the retry comes")
	}
}

// offlineAt is a driver whose panel drops off line when slot's code is
// set.
type offlineAt struct {
	drivers.Panel
	slot int
}

func (o offlineAt) SetCode(ctx context.Context, u drivers.User, code string) error {
	if u.Slot == o.slot {
		return fmt.Errorf("slot %d: %w", u.Slot, drivers.ErrOffline)
	}
	return o.Panel.SetCode(ctx, u, code)
}

// TestRunKeepsTheLogInOrder: the jobs a device took before it went off
// line are logged before its going off line, though they are recorded
// in one run after it.
func TestRunKeepsTheLogInOrder(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	for slot := 2; slot <= 4; slot++ {
		f.ok(f.s.SetCode(f.admin, p.ID, slot, fmt.Sprint(4829+slot*1111), store.CodeOptions{}))
	}
	d := New(f.s, Options{Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
		drv, err := drivers.Open(name, cfg)
		return offlineAt{drv, 4}, err
	}})
	defer d.Close()
	drain(t, d)
	entries, err := f.s.ListLog(f.admin, store.LogFilter{Action: "device."})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(entries) - 1; i >= 0; i-- { // oldest first
		got = append(got, entries[i].Action+" "+entries[i].Place)
	}
	want := []string{"device.online " + p.Label(), "device.apply " + p.Label() + " user 2", "device.apply " + p.Label() + " user 3", "device.offline " + p.Label()}
	if !slices.Equal(got, want) {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
}

// hangAt is a driver whose panel hangs when slot's code is set, until the
// test releases it or the operation's time runs out. A deaf one heeds no
// context: it waits for the release (or, should a stop wait for it, the
// failure TestStopAbandonsAHungDevice catches, a minute passes: it
// synchronises nothing).
type hangAt struct {
	drivers.Panel
	slot     int
	deaf     bool
	entered  chan struct{} // closed when the hang begins
	release  chan struct{}
	returned atomic.Bool   // the hanging call has returned
	closed   chan struct{} // closed by Close, when not nil
}

func (h *hangAt) SetCode(ctx context.Context, u drivers.User, code string) error {
	if u.Slot != h.slot {
		return h.Panel.SetCode(ctx, u, code)
	}
	defer h.returned.Store(true)
	close(h.entered)
	if h.deaf {
		select {
		case <-h.release:
		case <-time.After(time.Minute):
		}
		return h.Panel.SetCode(ctx, u, code)
	}
	select {
	case <-h.release:
		return h.Panel.SetCode(ctx, u, code)
	case <-ctx.Done():
		return fmt.Errorf("slot %d: %w", u.Slot, drivers.ErrOffline)
	}
}

func (h *hangAt) Close() error {
	if h.closed != nil {
		close(h.closed)
	}
	return h.Panel.Close()
}

// TestFinishedJobNotHeldByAHang: a job the device took is recorded while
// the device's next job still hangs, not once the hang ends (up to the
// 20 s timeout before the finished jobs were recorded by group commit).
func TestFinishedJobNotHeldByAHang(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	f.ok(f.s.SetCode(f.admin, p.ID, 3, "5930", store.CodeOptions{}))
	sub := f.s.Subscribe()
	defer sub.Close()
	h := &hangAt{slot: 3, entered: make(chan struct{}), release: make(chan struct{})}
	// The timeout only ends the hang should the first job wait for it
	// (the failure this test catches); it synchronises nothing.
	d := New(f.s, Options{Timeout: 10 * time.Second, Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
		drv, err := drivers.Open(name, cfg)
		h.Panel = drv
		return h, err
	}})
	defer d.Close()
	done := make(chan error)
	go func() { done <- d.Drain(context.Background()) }()
	<-h.entered
	for f.user(p, 2).Sync.State != store.SyncInSync {
		<-sub.C
		sub.Changes()
	}
	if h.returned.Load() {
		t.Error("the first job was recorded only after the second's hang ended")
	}
	close(h.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for slot := 2; slot <= 3; slot++ {
		if u := f.user(p, slot); u.Sync.State != store.SyncInSync {
			t.Errorf("slot %d: %v, want in sync", slot, u.Sync)
		}
	}
}

// TestNothingRecordedAfterAFailedRun: when recording a run of finished
// jobs fails, the outcomes handed over after it are not recorded (a later
// job of a slot must not be done while an earlier one is sent again), and
// the worker is told to stop.
func TestNothingRecordedAfterAFailedRun(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	for slot := 2; slot <= 4; slot++ {
		f.ok(f.s.SetCode(f.admin, p.ID, slot, fmt.Sprint(4829+slot*1111), store.CodeOptions{}))
	}
	d := New(f.s, Options{})
	defer d.Close()
	jobs, err := f.s.DueJobs(d.sys, 0)
	f.ok(err)
	// The first run fails: its job was cancelled meanwhile. It is held
	// until the two later outcomes have been handed over.
	f.ok(f.s.CancelJob(f.admin, jobs[0].Seq))
	entered, gate := make(chan struct{}, 1), make(chan struct{})
	d.beforeCommit = func() {
		entered <- struct{}{}
		<-gate
	}
	fin := newFinisher(d)
	res := store.JobResult{Driver: "sim", Transport: "in-process", Verified: true}
	if !fin.add(jobs[0].Seq, res) {
		t.Fatal("the first outcome refused before anything failed")
	}
	<-entered // the first run holds the first job alone
	fin.add(jobs[1].Seq, res)
	fin.add(jobs[2].Seq, res)
	close(gate)
	if fin.flush() {
		t.Error("flush reports the runs recorded, though the first failed")
	}
	if fin.add(jobs[2].Seq, res) {
		t.Error("an outcome taken after a run failed")
	}
	for slot := 3; slot <= 4; slot++ {
		if u := f.user(p, slot); u.Sync.State != store.SyncPending {
			t.Errorf("slot %d after the failed run: %v, want pending", slot, u.Sync)
		}
	}
}

// slotLog is a driver that records the slots it is given codes for, in
// the order given.
type slotLog struct {
	drivers.Panel
	mu    sync.Mutex
	slots []int
}

func (l *slotLog) SetCode(ctx context.Context, u drivers.User, code string) error {
	l.mu.Lock()
	l.slots = append(l.slots, u.Slot)
	l.mu.Unlock()
	return l.Panel.SetCode(ctx, u, code)
}

// TestWorkerHoldsABoundedBatch: with 5,000 jobs pending for one panel, a
// worker (of Run, and of Drain) holds at most store.DueBatch of them at a
// time, and still applies every job once, in queue order. Before, the
// first look handed the worker every pending job, codes included (90,000
// after a bulk load of 100,000 users).
func TestWorkerHoldsABoundedBatch(t *testing.T) {
	const n = 5000
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, f *fx, d *Dispatcher)
	}{
		{"Drain", func(t *testing.T, f *fx, d *Dispatcher) { drain(t, d) }},
		{"Run", func(t *testing.T, f *fx, d *Dispatcher) {
			sub := f.s.Subscribe()
			defer sub.Close()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- d.Run(ctx) }()
			for {
				c, err := f.s.SyncCounts(f.admin, 0)
				f.ok(err)
				if c == (store.SyncCounts{}) {
					break
				}
				<-sub.C
				sub.Changes()
			}
			cancel()
			f.ok(<-done)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFx(t)
			p, err := f.s.AddPanel(f.admin, store.NewPanel{Name: "Big", Unit: store.RootUnit, Family: "generic", Slots: n + 1,
				CodeLength: 8, IMEI: imeiFor(1), Driver: "sim", Address: fmt.Sprintf("%s/%d", t.Name(), simSeq.Add(1))})
			f.ok(err)
			items := make([]store.BulkCode, n)
			for i := range items {
				items[i] = store.BulkCode{Slot: i + 2, Code: fmt.Sprintf("%08d", 20000000+37*(i+1))}
			}
			f.ok(f.s.BulkSetCodes(f.admin, p.ID, items, nil))
			rec := &slotLog{}
			d := New(f.s, Options{Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
				drv, err := drivers.Open(name, cfg)
				rec.Panel = drv
				return rec, err
			}})
			defer d.Close()
			var most, batches atomic.Int64
			d.onBatch = func(_ uint64, n int) {
				batches.Add(1)
				if int64(n) > most.Load() {
					most.Store(int64(n))
				}
			}
			tc.run(t, f, d)
			if most.Load() > store.DueBatch {
				t.Errorf("a worker held %d jobs at once, want at most %d", most.Load(), store.DueBatch)
			}
			if batches.Load() < n/store.DueBatch {
				t.Errorf("%d batches for %d jobs, want at least %d", batches.Load(), n, n/store.DueBatch)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.slots) != n {
				t.Fatalf("%d codes set, want %d", len(rec.slots), n)
			}
			for i, slot := range rec.slots {
				if slot != i+2 {
					t.Fatalf("code %d went to slot %d, want %d (queue order)", i, slot, i+2)
				}
			}
			if c, err := f.s.SyncCounts(f.admin, 0); err != nil || c != (store.SyncCounts{}) {
				t.Errorf("after the run: %+v, %v; want every job done", c, err)
			}
		})
	}
}
