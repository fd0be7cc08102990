package dispatch

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store"
)

// TestStopAbandonsAHungDevice: a device that hangs without heeding its
// context does not hold the dispatcher's stop (the console's quit waits
// for it). Its job stays pending, to be applied again at the next start,
// and nothing is recorded when the device answers after the stop; its
// driver is closed then.
func TestStopAbandonsAHungDevice(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	h := &hangAt{slot: 2, deaf: true, entered: make(chan struct{}), release: make(chan struct{}), closed: make(chan struct{})}
	d := New(f.s, Options{PollEvery: time.Hour, Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
		drv, err := drivers.Open(name, cfg)
		h.Panel = drv
		return h, err
	}})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	<-h.entered
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if h.returned.Load() {
		t.Error("the stop waited for the hung device's answer")
	}
	if u := f.user(p, 2); u.Sync.State != store.SyncPending {
		t.Errorf("slot 2 after the stop: %v, want pending", u.Sync)
	}
	close(h.release)
	<-h.closed // the abandoned call returned, and closed the driver
	if u := f.user(p, 2); u.Sync.State != store.SyncPending {
		t.Errorf("slot 2 once the device answered after the stop: %v, want pending", u.Sync)
	}
}

// stopDuring is a driver that stops the dispatcher while its partitions
// are read, and counts the reads of its users.
type stopDuring struct {
	drivers.Panel
	stop      context.CancelFunc
	userReads atomic.Int32
}

func (s *stopDuring) ReadPartitions(ctx context.Context) ([]drivers.Partition, error) {
	s.stop()
	return s.Panel.ReadPartitions(context.WithoutCancel(ctx))
}

func (s *stopDuring) ReadUsers(ctx context.Context) ([]drivers.User, error) {
	s.userReads.Add(1)
	return s.Panel.ReadUsers(ctx)
}

// TestStopEndsAPoll: a poll stopped halfway reads and reports no more of
// the device (at 100,000 users, reading and comparing them took seconds
// of the console's quit).
func TestStopEndsAPoll(t *testing.T) {
	f := newFx(t)
	f.panel("neo-hs2064")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	s := &stopDuring{stop: stop}
	d := New(f.s, Options{Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
		drv, err := drivers.Open(name, cfg)
		s.Panel = drv
		return s, err
	}})
	defer d.Close()
	if err := d.Poll(ctx); err == nil {
		t.Error("Poll reports no error, though it was stopped")
	}
	if n := s.userReads.Load(); n != 0 {
		t.Errorf("the users were read %d times after the stop, want none", n)
	}
}
