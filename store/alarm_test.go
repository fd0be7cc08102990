package store

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// zonePanel adds a panel whose zones 1-3 the dispatcher has reported.
func (f *fx) zonePanel() Panel {
	f.t.Helper()
	p := f.panel("neo-hs2064")
	f.must(f.s.ReportZones(f.s.Internal("dispatch"), p.ID, []ZoneReport{
		{Number: 1, Partition: 1, Type: ZoneDoor, State: ZoneClosed, Label: "Front door"},
		{Number: 2, Partition: 1, Type: ZoneInterior, State: ZoneClosed},
		{Number: 3, Partition: 2, Type: ZoneFire, State: ZoneClosed},
	}))
	return p
}

// events reports events of panel p as the dispatcher.
func (f *fx) events(p Panel, rs ...EventReport) {
	f.t.Helper()
	f.must(f.s.ReportEvents(f.s.Internal("dispatch"), p.ID, rs))
}

// openAlarm opens an alarm on zone i of a new panel and returns it.
func (f *fx) openAlarm(i int) AlarmRecord {
	f.t.Helper()
	p := f.panel("neo-hs2064")
	f.events(p, EventReport{Kind: EventAlarm, Partition: 1, Zone: i})
	as, err := f.s.ListAlarms(f.admin, AlarmFilter{OpenOnly: true, Panel: p.ID})
	f.must(err)
	if len(as) != 1 {
		f.t.Fatalf("alarms of panel %d: %+v", p.ID, as)
	}
	return as[0]
}

func (f *fx) alarm(id uint64) AlarmRecord {
	f.t.Helper()
	al, err := f.s.GetAlarm(f.admin, id)
	f.must(err)
	return al
}

func TestAlarmLifecycle(t *testing.T) {
	cases := []struct {
		name string
		// steps: "trip", "restore", "ack"; want the state after each.
		steps []string
		want  []AlarmState
	}{
		{"restore then ack", []string{"trip", "restore", "ack"}, []AlarmState{AlarmUnacknowledged, AlarmUnacknowledged, AlarmClosed}},
		{"ack then restore", []string{"trip", "ack", "restore"}, []AlarmState{AlarmUnacknowledged, AlarmAcknowledged, AlarmClosed}},
		{"trips join one alarm", []string{"trip", "trip", "trip", "ack", "restore"}, []AlarmState{AlarmUnacknowledged, AlarmUnacknowledged, AlarmUnacknowledged, AlarmAcknowledged, AlarmClosed}},
		{"a trip after the restore waits for another", []string{"trip", "restore", "trip", "ack", "restore"}, []AlarmState{AlarmUnacknowledged, AlarmUnacknowledged, AlarmUnacknowledged, AlarmAcknowledged, AlarmClosed}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			p := f.zonePanel()
			guard := f.operator(RoleGuard)
			var id uint64
			trips := 0
			for i, step := range c.steps {
				switch step {
				case "trip":
					trips++
					f.events(p, EventReport{Kind: EventAlarm, Partition: 1, Zone: 1})
				case "restore":
					f.events(p, EventReport{Kind: EventRestore, Partition: 1, Zone: 1})
				case "ack":
					fxWant(t, f.s.AckAlarm(guard, id, "Checked the camera: wind"), nil)
				}
				as, err := f.s.ListAlarms(f.admin, AlarmFilter{})
				fxWant(t, err, nil)
				if len(as) != 1 {
					t.Fatalf("step %d %s: %d alarms, want 1 (trips join the open alarm)", i, step, len(as))
				}
				id = as[0].ID
				if got := as[0].State(); got != c.want[i] {
					t.Fatalf("step %d %s: state %s, want %s", i, step, got, c.want[i])
				}
			}
			al := f.alarm(id)
			if al.Events != trips || al.AckedBy != guard.Name() || al.Comment != "Checked the camera: wind" {
				t.Fatalf("alarm %+v", al)
			}
			if open, _ := f.s.ListAlarms(f.admin, AlarmFilter{OpenOnly: true}); len(open) != 0 {
				t.Fatalf("closed alarm listed as open: %+v", open)
			}
			// A new trip after the close opens a new alarm.
			f.events(p, EventReport{Kind: EventAlarm, Partition: 1, Zone: 1})
			open, _ := f.s.ListAlarms(f.admin, AlarmFilter{OpenOnly: true})
			if len(open) != 1 || open[0].ID == id {
				t.Fatalf("after the close a trip gives %+v", open)
			}
			e := f.lastLog()
			if e.Action != "alarm.ack" || e.Operator != guard.Name() || e.After["comment"] != "Checked the camera: wind" {
				t.Fatalf("last log entry %+v", e)
			}
		})
	}
}

func TestAckAlarmRefusals(t *testing.T) {
	f := newFx(t)
	al := f.openAlarm(1)
	guard := f.operator(RoleGuard)
	fxWant(t, f.s.AckAlarm(guard, al.ID, "  "), ErrInvalid, "comment is empty")
	fxWant(t, f.s.AckAlarm(guard, al.ID+1000, "seen"), ErrNotFound, "no alarm")
	fxWant(t, f.s.AckAlarm(f.operator(RoleInstaller), al.ID, "seen"), ErrPermission, "handle alarms")
	fxWant(t, f.s.AckAlarm(guard, al.ID, "seen"), nil)
	fxWant(t, f.s.AckAlarm(guard, al.ID, "seen again"), ErrState, "was acknowledged by "+guard.Name())
	if got := f.alarm(al.ID).Comment; got != "seen" {
		t.Fatalf("comment %q", got)
	}
}

// TestDuressIsSilentAndFirst: duress is silent, listed before every other
// alarm whatever their age, never joins an alarm that sounds, and closes
// on its acknowledgement (no device restores it).
func TestDuressIsSilentAndFirst(t *testing.T) {
	f := newFx(t)
	p := f.zonePanel()
	f.events(p, EventReport{Kind: EventTamper, Partition: 1, Zone: 2})
	f.clk.Advance(time.Second)
	f.events(p, EventReport{Kind: EventAlarm, Partition: 1, Zone: 1})
	f.clk.Advance(time.Second)
	f.events(p, EventReport{Kind: EventFire, Partition: 2, Zone: 3})
	f.clk.Advance(time.Second)
	f.events(p, EventReport{Kind: EventPanic, Partition: 1}, EventReport{Kind: EventDuress, Partition: 1, User: 5})
	as, err := f.s.ListAlarms(f.admin, AlarmFilter{})
	fxWant(t, err, nil)
	var kinds []string
	for _, a := range as {
		kinds = append(kinds, string(a.Kind))
	}
	if got, want := strings.Join(kinds, ","), "duress,fire,panic,alarm,tamper"; got != want {
		t.Fatalf("alarms in order %s, want %s", got, want)
	}
	if !as[0].Silent || as[1].Silent || as[2].Silent {
		t.Fatalf("silent: %v %v %v", as[0].Silent, as[1].Silent, as[2].Silent)
	}
	// Acknowledged alarms go after the unacknowledged, even duress.
	fxWant(t, f.s.AckAlarm(f.admin, as[0].ID, "Police called"), nil)
	fxWant(t, f.s.AckAlarm(f.admin, as[3].ID, "Guard sent"), nil)
	as, _ = f.s.ListAlarms(f.admin, AlarmFilter{})
	kinds = kinds[:0]
	for _, a := range as {
		kinds = append(kinds, string(a.Kind)+":"+string(a.State()))
	}
	if got, want := strings.Join(kinds, ","), "fire:unacknowledged,panic:unacknowledged,tamper:unacknowledged,alarm:acknowledged,duress:closed"; got != want {
		t.Fatalf("after acks %s, want %s", got, want)
	}
}

// TestEscalationQueuesOneMail: an alarm unacknowledged past the set time
// queues exactly one mail per address, once, logged; an acknowledged one,
// or one still in time, none.
func TestEscalationQueuesOneMail(t *testing.T) {
	f := newFx(t)
	sys := f.s.Internal("dispatch")
	fxWant(t, f.s.SetAlarmSettings(f.admin, AlarmSettings{EscalateAfter: 5 * time.Minute, EscalateTo: []string{"duty@example.com"}}), nil)
	late := f.openAlarm(1)
	handled := f.openAlarm(2)
	fxWant(t, f.s.AckAlarm(f.admin, handled.ID, "Seen"), nil)
	mails := func() []Job {
		var out []Job
		for _, j := range f.rawJobs() {
			if j.Kind == JobMail && strings.Contains(j.Mail.Subject, "not acknowledged") {
				out = append(out, j)
			}
		}
		return out
	}
	f.clk.Advance(4 * time.Minute)
	if n, err := f.s.EscalateAlarms(sys); n != 0 || err != nil || len(mails()) != 0 {
		t.Fatalf("escalated in time: %d %v %v", n, err, mails())
	}
	f.clk.Advance(time.Minute)
	fresh := f.openAlarm(3)
	for range 3 {
		if _, err := f.s.EscalateAlarms(sys); err != nil {
			t.Fatal(err)
		}
	}
	ms := mails()
	if len(ms) != 1 || ms[0].Mail.To != "duty@example.com" || !strings.Contains(ms[0].Mail.Subject, "alarm "+strconv.FormatUint(late.ID, 10)) {
		t.Fatalf("mails %+v", ms)
	}
	if f.alarm(late.ID).Escalated.IsZero() || !f.alarm(fresh.ID).Escalated.IsZero() || !f.alarm(handled.ID).Escalated.IsZero() {
		t.Fatalf("escalated marks wrong")
	}
	n := 0
	for _, e := range f.log() {
		if e.Action == "alarm.escalate" {
			n++
			if e.After["mailed"] != "duty@example.com" {
				t.Fatalf("entry %+v", e)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d escalation entries", n)
	}
}

func TestAlarmSettingsRefusals(t *testing.T) {
	f := newFx(t)
	cases := []struct {
		name string
		c    AlarmSettings
		want string
	}{
		{"no address", AlarmSettings{EscalateAfter: time.Minute}, "needs at least one address"},
		{"bad address", AlarmSettings{EscalateAfter: time.Minute, EscalateTo: []string{"duty"}}, "not an email address"},
		{"negative", AlarmSettings{RetainAge: -time.Hour}, "cannot be negative"},
		{"too few events", AlarmSettings{RetainCount: 10}, "at least 1000 events"},
		{"too short", AlarmSettings{RetainAge: time.Minute}, "at least an hour"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fxWant(t, f.s.SetAlarmSettings(f.admin, c.c), ErrInvalid, c.want)
		})
	}
}
