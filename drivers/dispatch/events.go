package dispatch

import (
	"context"
	"fmt"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store"
)

// Zones and events (issue 18): after its other reads, a poll of a device
// that is a drivers.EventSource reports its zones and the events it holds,
// and acknowledges the events to the device only once the store has
// committed them: a crash in between reads them again (recorded twice),
// never loses them.

// readEvents reports the device's zones, then its events a batch at a
// time until it holds no more (or stop ends).
func (d *Dispatcher) readEvents(stop, ctx context.Context, p store.Panel, es drivers.EventSource) error {
	zones, err := es.ReadZones(ctx)
	if err != nil || stop.Err() != nil {
		return err
	}
	rep := make([]store.ZoneReport, len(zones))
	for i, z := range zones {
		rep[i] = store.ZoneReport{Number: z.Number, Partition: z.Partition, Type: store.ZoneType(z.Type), State: store.ZoneState(z.State), Label: z.Label}
	}
	if err := d.st.ReportZones(d.sys, p.ID, rep); err != nil {
		return fmt.Errorf("record zones: %w", err)
	}
	return d.readEventList(stop, ctx, p, es)
}

// readEventList records the device's events a batch at a time, each
// acknowledged to the device once committed, until it holds no more.
func (d *Dispatcher) readEventList(stop, ctx context.Context, p store.Panel, es drivers.EventSource) error {
	for stop.Err() == nil {
		evs, err := es.ReadEvents(ctx)
		if err != nil || len(evs) == 0 {
			return err
		}
		rep := make([]store.EventReport, len(evs))
		for i, e := range evs {
			rep[i] = store.EventReport{Kind: store.EventKind(e.Kind), Partition: e.Partition, Zone: e.Zone, User: e.User,
				DeviceSeq: e.Seq, DeviceTime: e.Time, Text: e.Text}
		}
		if err := d.st.ReportEvents(d.sys, p.ID, rep); err != nil {
			return fmt.Errorf("record events: %w", err)
		}
		if err := es.AckEvents(ctx, evs[len(evs)-1].Seq); err != nil {
			return err
		}
	}
	return nil
}

// alarmRound escalates the alarms nobody acknowledged in time and applies
// the event journal's retention; Run calls it with every round of polls.
func (d *Dispatcher) alarmRound() {
	if n, err := d.st.EscalateAlarms(d.sys); err != nil {
		d.o.Logf("dispatch: escalate alarms: %v", err)
	} else if n > 0 {
		d.o.Logf("dispatch: escalated %d alarms", n)
	}
	for {
		n, err := d.st.PruneEvents(d.sys)
		if err != nil {
			d.o.Logf("dispatch: event retention: %v", err)
		}
		if err != nil || n == 0 {
			return
		}
	}
}

// startEventReads reads the events of every open device that reports
// them, between polls (Options.EventsEvery): an alarm must not wait for
// the next poll. A device being polled is skipped (its poll reads them),
// and so is one whose driver is not open (its poll opens it).
func (d *Dispatcher) startEventReads(ctx context.Context) {
	panels, err := d.st.ListPanels(d.sys)
	if err != nil {
		d.o.Logf("dispatch: list panels: %v", err)
		return
	}
	for _, p := range panels {
		d.mu.Lock()
		dev := d.devices[p.ID]
		var es drivers.EventSource
		if dev != nil && dev.err == nil && sameConfig(dev.cfg, p) {
			es, _ = dev.drv.(drivers.EventSource)
		}
		d.mu.Unlock()
		if es == nil || !d.claim(pollKey(p.ID)) {
			continue
		}
		d.workers.Go(func() {
			defer d.release(pollKey(p.ID))
			dev.mu.Lock() // after the device's job in hand, if any
			defer dev.mu.Unlock()
			if ctx.Err() != nil {
				return
			}
			octx, cancel := context.WithTimeout(ctx, d.o.Timeout)
			defer cancel()
			if err := d.readEventList(ctx, octx, p, es); err != nil && ctx.Err() == nil {
				d.o.Logf("dispatch: events of %s: %v", p.Label(), err)
			}
		})
	}
}
