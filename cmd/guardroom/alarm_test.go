package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

// report opens the site's database as the dispatcher would and reports
// zones and events of panel 1.
func (s *site) report(zones []store.ZoneReport, events ...store.EventReport) {
	s.t.Helper()
	key, err := store.ReadKey(s.key)
	if err != nil {
		s.t.Fatal(err)
	}
	st, err := store.Open(store.Config{Dir: s.data, Key: key})
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	sys := st.Internal("dispatcher")
	if zones != nil {
		if err := st.ReportZones(sys, 1, zones); err != nil {
			s.t.Fatal(err)
		}
	}
	if err := st.ReportEvents(sys, 1, events); err != nil {
		s.t.Fatal(err)
	}
}

func TestZoneCommands(t *testing.T) {
	s := newSite(t).withPanel()
	if r := s.ok("", "zone", "list", "Main office"); !strings.Contains(r.stdout, "has reported no zones yet") {
		t.Fatalf("zone list before any report:\n%s", r)
	}
	s.report([]store.ZoneReport{{Number: 1, Partition: 1, Type: store.ZoneDoor, State: store.ZoneOpen, Label: "Front door"}, {Number: 2, Partition: 2, State: store.ZoneClosed}})
	s.ok("", "zone", "label", "1", "2", "Loading bay")
	r := s.ok("", "zone", "list", "1")
	if !strings.Contains(r.stdout, "Front door") || !strings.Contains(r.stdout, "Loading bay") || !strings.Contains(r.stdout, "door contact") {
		t.Fatalf("zone list:\n%s", r)
	}
	var z store.Zone
	s.jsonOut(&z, "zone", "show", "1", "1")
	if z.Label != "Front door" || z.State != store.ZoneOpen || z.Changed.IsZero() {
		t.Fatalf("zone show --json: %+v", z)
	}
	s.ok("", "zone", "type", "1", "2", "perimeter")
	s.jsonOut(&z, "zone", "show", "1", "2")
	if z.Type != store.ZonePerimeter {
		t.Fatalf("zone type: %+v", z)
	}
	s.fail(1, "choose one of entry/exit", "", "zone", "type", "1", "2", "laser")
	s.fail(1, "has reported no zone 9", "", "zone", "show", "1", "9")
	s.fail(1, "label is empty", "", "zone", "label", "1", "2", " ")
	s.fail(2, "N (the zone number) must be a number", "", "zone", "label", "1", "x", "Roof")
}

func TestEventAndAlarmCommands(t *testing.T) {
	s := newSite(t).withPanel()
	s.report(nil,
		store.EventReport{Kind: store.EventArmed, Partition: 1, User: 3},
		store.EventReport{Kind: store.EventAlarm, Partition: 1, Zone: 4},
		store.EventReport{Kind: store.EventDuress, Partition: 2, User: 7},
		store.EventReport{Kind: store.EventTrouble, Zone: 5, Text: "low battery"},
	)
	var evs []store.Event
	s.jsonOut(&evs, "event", "list", "--kind", "alarm")
	if len(evs) != 1 || evs[0].Zone != 4 || evs[0].Alarm != 2 {
		t.Fatalf("event list --kind alarm: %+v", evs)
	}
	r := s.ok("", "event", "list", "--panel", "Main office", "--limit", "2")
	if !strings.Contains(r.stdout, "low battery") || !strings.Contains(r.stdout, "duress") || strings.Contains(r.stdout, "armed") || !strings.Contains(r.stdout, "Main office") {
		t.Fatalf("event list --limit 2:\n%s", r)
	}
	s.fail(2, "--kind", "", "event", "list", "--kind", "explosion")
	if r := s.ok("", "event", "verify"); !strings.Contains(r.stdout, "events 1-4, chain intact") {
		t.Fatalf("event verify:\n%s", r)
	}

	r = s.ok("", "alarm", "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "duress (silent)") || !strings.Contains(lines[2], "zone 4") {
		t.Fatalf("alarm list (duress first):\n%s", r)
	}
	s.fail(2, "--comment is required", "", "alarm", "ack", "2")
	s.fail(1, "no alarm 99", "", "alarm", "ack", "99", "--comment", "seen")
	r = s.ok("", "alarm", "ack", "2", "--comment", "Guard at the door: wind")
	if !strings.Contains(r.stdout, "waiting for the panel's restore") {
		t.Fatalf("alarm ack:\n%s", r)
	}
	s.fail(1, "was acknowledged by admin", "", "alarm", "ack", "2", "--comment", "again")
	s.report(nil, store.EventReport{Kind: store.EventRestore, Partition: 1, Zone: 4})
	var al struct {
		store.AlarmRecord
		State store.AlarmState `json:"state"`
	}
	s.jsonOut(&al, "alarm", "show", "2")
	if al.State != store.AlarmClosed || al.Comment != "Guard at the door: wind" || al.AckedBy != "admin" {
		t.Fatalf("alarm show --json: %+v", al)
	}
	if r := s.ok("", "alarm", "list", "--open"); strings.Contains(r.stdout, "zone 4") {
		t.Fatalf("closed alarm in alarm list --open:\n%s", r)
	}
	if r := s.ok("", "log", "list", "--action", "alarm.ack"); !strings.Contains(r.stdout, "Guard at the door: wind") {
		t.Fatalf("the ack is not in the action log:\n%s", r)
	}

	r = s.ok("", "alarm", "settings", "--escalate-after", "5m", "--escalate-to", "duty@example.com, boss@example.com", "--retain-age", "2160h")
	if !strings.Contains(r.stdout, "5m0s") || !strings.Contains(r.stdout, "duty@example.com, boss@example.com") {
		t.Fatalf("alarm settings:\n%s", r)
	}
	s.fail(1, "not an email address", "", "alarm", "settings", "--escalate-to", "duty")
	s.fail(2, "give a duration", "", "alarm", "settings", "--escalate-after", "soon")
}

// TestEventFollow: event list --follow prints the newest events, then each
// new one the dispatcher records, one JSON object a line, until its
// context ends.
func TestEventFollow(t *testing.T) {
	st, err := store.Open(store.Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	admin, err := st.Actor("admin", "test")
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.AddPanel(admin, store.NewPanel{Name: "Main office", Unit: store.RootUnit, Family: "dsc-pc1864", IMEI: imeiMain})
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Internal("dispatcher")
	report := func(kind store.EventKind, zone int) {
		t.Helper()
		if err := st.ReportEvents(sys, p.ID, []store.EventReport{{Kind: kind, Zone: zone}}); err != nil {
			t.Fatal(err)
		}
	}
	report(store.EventArmed, 0)
	report(store.EventAlarm, 1)
	report(store.EventTrouble, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	e := newEnv(ctx, strings.NewReader(""), pw, io.Discard)
	e.s, e.actor = st, admin
	done := make(chan error, 1)
	go func() {
		done <- e.followEvents(store.EventFilter{Limit: 2, Kind: "", Zone: 0}, true)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	next := func() store.Event {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("follow ended early: %v", lines.Err())
		}
		var ev store.Event
		if err := json.Unmarshal(lines.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", lines.Text(), err)
		}
		return ev
	}
	if a, b := next(), next(); a.Seq != 2 || b.Seq != 3 {
		t.Fatalf("first lines: events %d and %d, want the newest two oldest first (2, 3)", a.Seq, b.Seq)
	}
	report(store.EventRestore, 1)
	if ev := next(); ev.Seq != 4 || ev.Kind != store.EventRestore {
		t.Fatalf("followed %+v", ev)
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAlarmListEmpty(t *testing.T) {
	s := newSite(t).withPanel()
	if r := s.ok("", "alarm", "list"); strings.TrimSpace(r.stdout) != "No alarms." {
		t.Fatalf("alarm list with none:\n%s", r)
	}
	var as []any
	s.jsonOut(&as, "alarm", "list")
	if as == nil || len(as) != 0 {
		t.Fatalf("alarm list --json with none: %v", as)
	}
}
