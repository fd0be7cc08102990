package sim

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/guardroom/guardroom/drivers"
)

// Zones and events (issue 18). A simulated panel has zones 1..N (option
// zones, default 8), all closed at start, spread over its partitions;
// zone 1 is the entry door, 2 a perimeter window, 3 a hall motion
// detector, 4 a fire detector, the rest door contacts. Tests and the demo
// script them: TripZone, RestoreZone, OpenZone, CloseZone, Trouble,
// Duress. Each event gets the panel's next sequence number and waits in
// the panel, as in a real panel's event buffer, until the dispatcher
// acknowledges it (AckEvents). Zones and events live in memory only.

const (
	// DefaultZones is a simulated panel's zones without option zones.
	DefaultZones = 8
	// MaxZones is the most zones option zones takes.
	MaxZones = 128
	// eventBatch is the most events one ReadEvents returns.
	eventBatch = 256
	// maxBuffered is the panel's event buffer: past it the oldest
	// unacknowledged event is overwritten, as a panel's buffer wraps.
	maxBuffered = 4096
)

var simZoneTypes = []struct{ typ, label string }{
	{"entry/exit", "Entry door"}, {"perimeter", "Window"}, {"interior", "Hall motion"}, {"fire", "Smoke detector"},
}

func (p *Panel) addZones(n int) {
	for i := 1; i <= n; i++ {
		z := drivers.ZoneStatus{Number: i, Type: "door contact", State: "closed", Label: fmt.Sprintf("Door %d", i)}
		if len(p.parts) > 0 {
			z.Partition = (i-1)%len(p.parts) + 1
		}
		if i <= len(simZoneTypes) {
			z.Type, z.Label = simZoneTypes[i-1].typ, simZoneTypes[i-1].label
		}
		p.zones = append(p.zones, z)
	}
}

// ReadZones returns every zone.
func (p *Panel) ReadZones(ctx context.Context) ([]drivers.ZoneStatus, error) {
	if err := p.Fault(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.zones), nil
}

// ReadEvents returns the unacknowledged events, oldest first.
func (p *Panel) ReadEvents(ctx context.Context) ([]drivers.Event, error) {
	if err := p.Fault(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events[:min(len(p.events), eventBatch)]), nil
}

// AckEvents forgets the events up to seq.
func (p *Panel) AckEvents(ctx context.Context, seq uint64) error {
	if err := p.Fault(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	i := 0
	for i < len(p.events) && p.events[i].Seq <= seq {
		i++
	}
	p.events = slices.Delete(p.events, 0, i)
	return nil
}

// Pending returns the events not yet acknowledged (for tests).
func (p *Panel) Pending() []drivers.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events)
}

// AddEvent puts an event in the panel's buffer with the next sequence
// number, and returns that number.
func (p *Panel) AddEvent(e drivers.Event) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addEvent(e)
}

func (p *Panel) addEvent(e drivers.Event) uint64 {
	p.eventSeq++
	e.Seq = p.eventSeq
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if len(p.events) == maxBuffered {
		p.events = slices.Delete(p.events, 0, 1)
	}
	p.events = append(p.events, e)
	return e.Seq
}

// zoneEvent sets zone n's state and, when kind is not "", adds an event
// of that kind for it.
func (p *Panel) zoneEvent(n int, state, kind, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n < 1 || n > len(p.zones) {
		return fmt.Errorf("sim %s: no zone %d: the panel has zones 1-%d", p.address, n, len(p.zones))
	}
	z := &p.zones[n-1]
	z.State = state
	if kind == "alarm" && z.Type == "fire" {
		kind = "fire"
	}
	if kind != "" {
		p.addEvent(drivers.Event{Kind: kind, Partition: z.Partition, Zone: n, Text: text})
	}
	return nil
}

// TripZone puts zone n in alarm: an alarm event, or a fire event for a
// fire zone.
func (p *Panel) TripZone(n int) error { return p.zoneEvent(n, "alarm", "alarm", "") }

// RestoreZone closes zone n again after an alarm: a restore event.
func (p *Panel) RestoreZone(n int) error { return p.zoneEvent(n, "closed", "restore", "") }

// OpenZone opens zone n (a door opened while disarmed): a state change, no
// event.
func (p *Panel) OpenZone(n int) error { return p.zoneEvent(n, "open", "", "") }

// CloseZone closes zone n: a state change, no event.
func (p *Panel) CloseZone(n int) error { return p.zoneEvent(n, "closed", "", "") }

// Trouble reports a trouble on zone n (a low battery, a lost detector)
// with the panel's words; TroubleRestore ends it.
func (p *Panel) Trouble(n int, text string) error { return p.zoneEvent(n, "trouble", "trouble", text) }

// TroubleRestore ends zone n's trouble.
func (p *Panel) TroubleRestore(n int) error {
	return p.zoneEvent(n, "closed", "trouble restore", "")
}

// Duress reports that user slot disarmed partition with its duress code.
func (p *Panel) Duress(partition, user int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if partition < 1 || partition > len(p.parts) {
		return fmt.Errorf("sim %s: no partition %d", p.address, partition)
	}
	p.addEvent(drivers.Event{Kind: "duress", Partition: partition, User: user})
	return nil
}
