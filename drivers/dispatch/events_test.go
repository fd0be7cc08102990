package dispatch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store"
)

// TestPollReportsZonesAndEvents: a poll records the sim's zones and the
// events it holds, opens their alarms (duress first), and acknowledges
// the events to the device.
func TestPollReportsZonesAndEvents(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2064")
	d := New(f.s, Options{})
	defer d.Close()
	f.ok(d.Poll(context.Background()))
	zs, err := f.s.ListZones(f.admin, p.ID)
	f.ok(err)
	if len(zs) != sim.DefaultZones || zs[0].Label != "Entry door" || zs[0].Type != store.ZoneEntryExit || zs[3].Type != store.ZoneFire || zs[0].State != store.ZoneClosed {
		t.Fatalf("zones %+v", zs)
	}
	f.ok(dev.TripZone(1))
	f.ok(dev.Trouble(2, "low battery"))
	f.ok(dev.Duress(1, 5))
	f.ok(dev.TripZone(4))
	f.ok(dev.OpenZone(5))
	f.ok(d.Poll(context.Background()))
	evs, err := f.s.ListEvents(f.admin, store.EventFilter{After: 0, Panel: p.ID})
	f.ok(err)
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, ","); got != "fire,duress,trouble,alarm,device online" {
		t.Fatalf("events newest first: %s", got)
	}
	if evs[2].Text != "low battery" || evs[1].User != 5 || evs[3].DeviceSeq != 1 {
		t.Fatalf("events %+v", evs)
	}
	if n := len(dev.Pending()); n != 0 {
		t.Fatalf("%d events still unacknowledged on the device", n)
	}
	as, err := f.s.ListAlarms(f.admin, store.AlarmFilter{OpenOnly: true})
	f.ok(err)
	if len(as) != 3 || as[0].Kind != store.EventDuress || !as[0].Silent || as[1].Kind != store.EventFire {
		t.Fatalf("alarms %+v", as)
	}
	if z, _ := f.s.GetZone(f.admin, p.ID, 5); z.State != store.ZoneOpen {
		t.Fatalf("zone 5 %+v", z)
	}
	// The restore closes the acknowledged alarm.
	f.ok(f.s.AckAlarm(f.admin, as[2].ID, "Guard checked the door"))
	f.ok(dev.RestoreZone(1))
	f.ok(d.Poll(context.Background()))
	if al, _ := f.s.GetAlarm(f.admin, as[2].ID); al.State() != store.AlarmClosed {
		t.Fatalf("alarm after restore %+v", al)
	}
}

// ackFails is a sim panel whose event acknowledgements fail while fail > 0.
type ackFails struct {
	*sim.Panel
	fail int
}

func (a *ackFails) AckEvents(ctx context.Context, seq uint64) error {
	if a.fail > 0 {
		a.fail--
		return drivers.ErrTimeout
	}
	return a.Panel.AckEvents(ctx, seq)
}

// TestEventsAreAcknowledgedOnlyOnceRecorded: an acknowledgement the
// device did not take leaves the events with it; the next poll records
// them again (the device's numbers show the repeat) rather than lose them.
func TestEventsAreAcknowledgedOnlyOnceRecorded(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2064")
	wrapped := &ackFails{Panel: dev, fail: 1}
	d := New(f.s, Options{Open: func(name string, cfg drivers.Config) (drivers.Panel, error) { return wrapped, nil }})
	defer d.Close()
	f.ok(dev.TripZone(1))
	f.ok(d.Poll(context.Background()))
	if n := len(dev.Pending()); n != 1 {
		t.Fatalf("%d events left on the device after a failed acknowledgement, want 1", n)
	}
	f.ok(d.Poll(context.Background()))
	evs, err := f.s.ListEvents(f.admin, store.EventFilter{Panel: p.ID, Kind: store.EventAlarm})
	f.ok(err)
	if len(evs) != 2 || evs[0].DeviceSeq != 1 || evs[1].DeviceSeq != 1 || len(dev.Pending()) != 0 {
		t.Fatalf("events %+v, pending %v", evs, dev.Pending())
	}
	if as, _ := f.s.ListAlarms(f.admin, store.AlarmFilter{}); len(as) != 1 || as[0].Events != 2 {
		t.Fatalf("alarms %+v", as)
	}
}

// TestPollEscalatesAlarms: the dispatcher's poll escalates an alarm
// nobody acknowledged in time, once.
func TestPollEscalatesAlarms(t *testing.T) {
	f := newFx(t)
	_, dev := f.panel("neo-hs2064")
	f.ok(f.s.SetAlarmSettings(f.admin, store.AlarmSettings{EscalateAfter: 2 * time.Minute, EscalateTo: []string{"duty@example.com"}}))
	d := New(f.s, Options{})
	defer d.Close()
	f.ok(dev.TripZone(3))
	f.ok(d.Poll(context.Background()))
	f.clk.Advance(3 * time.Minute)
	f.ok(d.Poll(context.Background()))
	f.ok(d.Poll(context.Background()))
	jobs, err := f.s.ListJobs(f.admin, store.JobFilter{})
	f.ok(err)
	n := 0
	for _, j := range jobs {
		if j.Kind == store.JobMail {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d escalation mails, want 1: %v", n, jobs)
	}
}

// TestRunReadsEventsBetweenPolls: with polls an hour apart, Run still
// records a device's events within its EventsEvery.
func TestRunReadsEventsBetweenPolls(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2064")
	sub := f.s.Subscribe()
	defer sub.Close()
	d := New(f.s, Options{PollEvery: time.Hour, EventsEvery: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	// The first poll (at Run's start) opens the device and reports its
	// zones; then a trip reaches the journal without another poll.
	waitFor(t, sub, func() bool { zs, _ := f.s.ListZones(f.admin, p.ID); return len(zs) == sim.DefaultZones })
	f.ok(dev.TripZone(2))
	waitFor(t, sub, func() bool {
		evs, _ := f.s.ListEvents(f.admin, store.EventFilter{Panel: p.ID, Kind: store.EventAlarm})
		return len(evs) == 1
	})
}

// waitFor waits for cond to hold after a change the store signals; it
// fails after a generous bound (a hang, not a timing assertion).
func waitFor(t *testing.T, sub *store.Subscription, cond func() bool) {
	t.Helper()
	bound := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-sub.C:
			sub.Changes()
		case <-bound:
			t.Fatal("the store never got there")
		}
	}
}
