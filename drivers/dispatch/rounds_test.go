package dispatch

import (
	"context"
	"testing"

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
