package store

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// fiveEvents reports five events on a new panel.
func (f *fx) fiveEvents() Panel {
	p := f.zonePanel()
	f.events(p,
		EventReport{Kind: EventArmed, Partition: 1, User: 3},
		EventReport{Kind: EventAlarm, Partition: 1, Zone: 1},
		EventReport{Kind: EventTrouble, Partition: 1, Zone: 2, Text: "low battery"},
	)
	f.events(p, EventReport{Kind: EventRestore, Partition: 1, Zone: 1}, EventReport{Kind: EventDisarmed, Partition: 1, User: 3})
	return p
}

// TestVerifyEvents: the journal's chain verifies whole and finds an
// altered, removed, added or reordered event.
func TestVerifyEvents(t *testing.T) {
	edit := func(seq uint64, fn func(v []byte) []byte) func(f *fx) {
		return func(f *fx) {
			f.must(f.s.db.Update(func(txn *badger.Txn) error {
				item, err := txn.Get(eventKey(seq))
				if err != nil {
					return err
				}
				v, _ := item.ValueCopy(nil)
				if v = fn(v); v == nil {
					return txn.Delete(eventKey(seq))
				}
				return txn.Set(eventKey(seq), v)
			}))
		}
	}
	cases := []struct {
		name     string
		tamper   func(f *fx)
		brokenAt uint64
		problem  string
	}{
		{"whole", func(*fx) {}, 0, ""},
		{"altered", edit(2, func(v []byte) []byte { return bytes.Replace(v, []byte(`"alarm"`), []byte(`"restore"`), 1) }), 3, "event 2 was altered"},
		{"last altered", edit(5, func(v []byte) []byte { return bytes.Replace(v, []byte(`"user":3`), []byte(`"user":4`), 1) }), 5, "does not match the recorded head"},
		{"removed", edit(3, func([]byte) []byte { return nil }), 3, "event 3 is missing"},
		{"last removed", edit(5, func([]byte) []byte { return nil }), 5, "events were removed"},
		{"added", func(f *fx) {
			// Linked to event 5 as the store would link it: only the
			// head shows it was never written.
			f.must(f.s.db.Update(func(txn *badger.Txn) error {
				item, err := txn.Get(eventKey(5))
				if err != nil {
					return err
				}
				v, _ := item.ValueCopy(nil)
				sum := sha256.Sum256(v)
				return txn.Set(eventKey(6), fmt.Appendf(nil, `{"seq":6,"kind":"disarmed","prev":"%x"}`, sum))
			}))
		}, 6, "was added afterwards"},
		{"renumbered", edit(4, func(v []byte) []byte { return bytes.Replace(v, []byte(`"seq":4`), []byte(`"seq":40`), 1) }), 4, "says it is number 40"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			f.fiveEvents()
			c.tamper(f)
			res, err := f.s.VerifyEvents(f.operator(RoleAuditor))
			fxWant(t, err, nil)
			if res.BrokenAt != c.brokenAt || !contains(res.Problem, c.problem) {
				t.Fatalf("got %s (at %d), want at %d %q", res, res.BrokenAt, c.brokenAt, c.problem)
			}
		})
	}
}

func contains(s, sub string) bool { return bytes.Contains([]byte(s), []byte(sub)) }

func TestListEvents(t *testing.T) {
	f := newFx(t)
	p := f.fiveEvents()
	f.clk.Advance(time.Hour)
	other := f.zonePanel()
	f.events(other, EventReport{Kind: EventAlarm, Partition: 2, Zone: 3}, EventReport{Kind: EventInvalidCode, Partition: 1}, EventReport{Kind: "siren cut"})
	seqs := func(es []Event) string {
		var b []byte
		for _, e := range es {
			b = fmt.Appendf(b, "%d ", e.Seq)
		}
		return string(b)
	}
	cases := []struct {
		name string
		f    EventFilter
		want string
	}{
		{"all, newest first", EventFilter{}, "8 7 6 5 4 3 2 1 "},
		{"panel", EventFilter{Panel: p.ID}, "5 4 3 2 1 "},
		{"zone", EventFilter{Zone: 1}, "4 2 "},
		{"partition", EventFilter{Partition: 2}, "6 "},
		{"kind", EventFilter{Kind: EventAlarm}, "6 2 "},
		{"unknown kind kept as other", EventFilter{Kind: EventOther}, "8 "},
		{"since", EventFilter{Since: f.clk.Now()}, "8 7 6 "},
		{"until", EventFilter{Until: f.clk.Now()}, "5 4 3 2 1 "},
		{"page", EventFilter{Before: 6, Limit: 2}, "5 4 "},
		{"follow", EventFilter{After: 5}, "6 7 8 "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es, err := f.s.ListEvents(f.admin, c.f)
			fxWant(t, err, nil)
			if got := seqs(es); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
	es, _ := f.s.ListEvents(f.admin, EventFilter{Kind: EventOther})
	if es[0].Text != "siren cut" {
		t.Fatalf("other event %+v", es[0])
	}
	t.Run("scope", func(t *testing.T) {
		sf := newScopeFx(t)
		sf.s.ReportEvents(sf.s.Internal("dispatch"), sf.pa.ID, []EventReport{{Kind: EventAlarm, Zone: 1}})
		sf.s.ReportEvents(sf.s.Internal("dispatch"), sf.pb.ID, []EventReport{{Kind: EventAlarm, Zone: 1}})
		es, err := sf.s.ListEvents(sf.alice, EventFilter{})
		if err != nil || len(es) != 1 || es[0].Panel != sf.pa.ID {
			t.Fatalf("building A sees %+v %v", es, err)
		}
		as, err := sf.s.ListAlarms(sf.alice, AlarmFilter{})
		if err != nil || len(as) != 1 || as[0].Panel != sf.pa.ID {
			t.Fatalf("building A sees alarms %+v %v", as, err)
		}
		all, _ := sf.s.ListAlarms(sf.sam, AlarmFilter{Panel: sf.pb.ID})
		fxWant(t, second(sf.s.GetAlarm(sf.alice, all[0].ID)), ErrNotFound)
	})
}

// TestRetentionKeepsOpenAlarms: retention drops the oldest events only,
// never one of an alarm still open nor any after it; the chain verifies
// from the first kept event, and the drop is logged.
func TestRetentionKeepsOpenAlarms(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	p := f.zonePanel()
	fxWant(t, f.s.SetAlarmSettings(f.admin, AlarmSettings{RetainAge: 2 * time.Hour}), nil)
	f.events(p, EventReport{Kind: EventTrouble, Zone: 2}) // 1
	f.events(p, EventReport{Kind: EventAlarm, Zone: 1})   // 2: opens alarm 2
	f.events(p, EventReport{Kind: EventArmed, User: 3})   // 3
	f.events(p, EventReport{Kind: EventRestore, Zone: 1}) // 4: restores alarm 2
	f.clk.Advance(3 * time.Hour)
	f.events(p, EventReport{Kind: EventDisarmed, User: 3}) // 5
	kept := func() string {
		es, err := f.s.ListEvents(f.admin, EventFilter{After: 0})
		f.must(err)
		var b []byte
		for _, e := range es {
			b = fmt.Appendf(b, "%d ", e.Seq)
		}
		return string(b)
	}
	verify := func() {
		t.Helper()
		res, err := f.s.VerifyEvents(f.admin)
		if err != nil || !res.OK() {
			t.Fatalf("verify: %s %v", res, err)
		}
	}
	n, err := f.s.PruneEvents(sys)
	fxWant(t, err, nil)
	if got := kept(); n != 1 || got != "5 4 3 2 " {
		t.Fatalf("dropped %d, kept %s: want event 1 dropped, and the open alarm's events and all after kept", n, got)
	}
	verify()
	if e := f.lastLog(); e.Action != "events.prune" || e.After["first"] != "2" {
		t.Fatalf("log %+v", e)
	}
	if n, _ := f.s.PruneEvents(sys); n != 0 {
		t.Fatalf("dropped %d with the alarm still open", n)
	}
	fxWant(t, f.s.AckAlarm(f.admin, 2, "False alarm: cat"), nil)
	n, err = f.s.PruneEvents(sys)
	fxWant(t, err, nil)
	if got := kept(); n != 3 || got != "5 " {
		t.Fatalf("dropped %d, kept %s after the alarm closed", n, got)
	}
	verify()
	f.events(p, EventReport{Kind: EventArmed, User: 3})
	verify()
	if es, _ := f.s.ListEvents(f.admin, EventFilter{}); es[0].Seq != 6 {
		t.Fatalf("numbering went on at %d", es[0].Seq)
	}
}

func TestZones(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	p := f.zonePanel()
	zs, err := f.s.ListZones(f.operator(RoleGuard), p.ID)
	fxWant(t, err, nil)
	if len(zs) != 3 || zs[0].Label != "Front door" || zs[1].Label != "Zone 2" || zs[0].Type != ZoneDoor || zs[2].Partition != 2 || zs[0].State != ZoneClosed {
		t.Fatalf("zones %+v", zs)
	}
	t.Run("a label not fit to keep is not taken", func(t *testing.T) {
		f.must(f.s.ReportZones(sys, p.ID, []ZoneReport{{Number: 9, Label: "Hall\x1b]0;x\a", Type: "laser", State: "weird"}}))
		z, err := f.s.GetZone(f.admin, p.ID, 9)
		fxWant(t, err, nil)
		if z.Label != "Zone 9" || z.Type != ZoneOther || z.State != ZoneUnknown || !z.Changed.IsZero() {
			t.Fatalf("zone %+v", z)
		}
	})
	t.Run("a state change is kept with its time; the same state writes nothing", func(t *testing.T) {
		f.clk.Advance(time.Minute)
		sub := f.s.Subscribe()
		defer sub.Close()
		f.must(f.s.ReportZones(sys, p.ID, []ZoneReport{{Number: 1, State: ZoneOpen, Label: "Other"}}))
		if fxChanges(t, sub)[ChangeZone] != 1 {
			t.Fatalf("no zone change published")
		}
		z, _ := f.s.GetZone(f.admin, p.ID, 1)
		if z.State != ZoneOpen || !z.Changed.Equal(f.clk.Now()) || z.Label != "Front door" || z.Partition != 1 {
			t.Fatalf("zone %+v", z)
		}
		f.must(f.s.ReportZones(sys, p.ID, []ZoneReport{{Number: 1, State: ZoneOpen}, {Number: 0, State: ZoneOpen}}))
		if n := len(sub.Changes()); n != 0 {
			t.Fatalf("an unchanged report published %d changes", n)
		}
	})
	t.Run("label", func(t *testing.T) {
		fxWant(t, f.s.SetZoneLabel(f.operator(RoleInstaller), p.ID, 2, "Hall PIR"), nil)
		e := f.lastLog()
		if e.Action != "zone.label" || e.Before["label"] != "Zone 2" || e.After["label"] != "Hall PIR" || e.Panel != p.ID {
			t.Fatalf("log %+v", e)
		}
		fxWant(t, f.s.SetZoneLabel(f.admin, p.ID, 40, "Nowhere"), ErrNotFound, "has reported no zone 40")
		fxWant(t, f.s.SetZoneLabel(f.admin, p.ID, 2, ""), ErrInvalid, "label is empty")
	})
	t.Run("type: the installer's word outlasts the panel's", func(t *testing.T) {
		fxWant(t, f.s.SetZoneType(f.admin, p.ID, 2, ZonePerimeter), nil)
		if e := f.lastLog(); e.Action != "zone.type" || e.Before["type"] != "interior" || e.After["type"] != "perimeter" {
			t.Fatalf("log %+v", e)
		}
		f.must(f.s.ReportZones(sys, p.ID, []ZoneReport{{Number: 2, Type: ZoneInterior, State: ZoneOpen}}))
		if z, _ := f.s.GetZone(f.admin, p.ID, 2); z.Type != ZonePerimeter || z.State != ZoneOpen {
			t.Fatalf("zone %+v", z)
		}
		fxWant(t, f.s.SetZoneType(f.admin, p.ID, 2, "laser"), ErrInvalid, `zone type "laser": choose one of entry/exit`)
	})
}

// TestConnectionEvents: a device going on or off line is in the journal
// too; an unchanged report adds nothing.
func TestConnectionEvents(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	p := f.panel("neo-hs2064")
	for _, r := range []ConnectionReport{{Online: true, Driver: "sim"}, {Online: true, Driver: "sim"}, {Err: "no answer", Driver: "sim"}, {Online: true, Driver: "sim"}} {
		f.must(f.s.ReportConnection(sys, p.ID, r))
	}
	es, err := f.s.ListEvents(f.admin, EventFilter{Panel: p.ID})
	f.must(err)
	var got []string
	for _, e := range es {
		got = append(got, string(e.Kind)+":"+e.Text)
	}
	if fmt.Sprint(got) != "[device online: device offline:no answer device online:]" {
		t.Fatalf("events %v", got)
	}
}
