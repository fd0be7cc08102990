package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
)

// report has the dispatcher report events of panel, as a driver would.
func (f *fixture) report(tb testing.TB, panel uint64, evs ...store.EventReport) {
	tb.Helper()
	check(tb, f.s.ReportEvents(f.dispatcher(), panel, evs))
}

// openAlarm opens an alarm on zone of Main's partition 1 and returns it.
func (f *fixture) openAlarm(tb testing.TB, kind store.EventKind, zone int) store.AlarmRecord {
	tb.Helper()
	f.report(tb, f.main.ID, store.EventReport{Kind: kind, Partition: 1, Zone: zone, Text: fmt.Sprintf("zone %d %s", zone, kind)})
	open := must(f.s.ListAlarms(f.admin, store.AlarmFilter{OpenOnly: true}))
	for _, al := range open {
		if al.Zone == zone && al.Kind == kind {
			return al
		}
	}
	tb.Fatalf("no open %s alarm on zone %d: %+v", kind, zone, open)
	return store.AlarmRecord{}
}

// The banner comes with the first open alarm, on every screen, says what
// and where in words, and goes when the alarm is acknowledged and
// restored.
func TestAlarmBanner(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 200, h: 50})
	if scr := c.screen(); strings.Contains(scr, "ALARM") {
		t.Fatalf("a banner with no alarm open:\n%s", scr)
	}
	al := f.openAlarm(t, store.EventAlarm, 3)
	scr := c.waitScreen(" ALARM 1 unacknowledged │ ALARM Main building partition 1 zone 3 since 2026-05-13")
	if line := c.lines()[0]; !strings.HasPrefix(line, " ALARM 1 unacknowledged") || !strings.HasSuffix(line, "@ alarms") {
		t.Errorf("the banner is not the first line: %q\n%s", line, scr)
	}
	c.press("4") // another screen: the banner stays
	c.waitScreen("Front door", " ALARM 1 unacknowledged")

	f.openAlarm(t, store.EventDuress, 0)
	c.waitScreen(" DURESS ALARM 2 unacknowledged │ DURESS (silent) Main building partition 1 since")

	check(t, f.s.AckAlarm(f.admin, al.ID, "guard sent to zone 3"))
	c.waitScreen(" DURESS ALARM 1 unacknowledged, 1 acknowledged │ DURESS (silent)")
	dur := must(f.s.ListAlarms(f.admin, store.AlarmFilter{OpenOnly: true}))
	for _, x := range dur {
		if x.Kind == store.EventDuress {
			check(t, f.s.AckAlarm(f.admin, x.ID, "called the police"))
		}
	}
	c.waitScreen(" ALARM 0 unacknowledged, 1 acknowledged │ ALARM acked Main building partition 1 zone 3")
	f.report(t, f.main.ID, store.EventReport{Kind: store.EventRestore, Partition: 1, Zone: 3})
	c.waitGone("unacknowledged")
	if line := c.lines()[0]; !strings.Contains(line, "Door locks") {
		t.Errorf("the header is not back on the first line: %q", line)
	}
}

// The bell rings for an alarm newer than every one seen, not for the
// alarms open at login, an alarm joined again, or a silent one.
func TestAlarmBell(t *testing.T) {
	al := func(id uint64, kind store.EventKind) store.AlarmRecord {
		return store.AlarmRecord{ID: id, Kind: kind, Silent: kind == store.EventDuress}
	}
	for _, tc := range []struct {
		name  string
		loads [][]store.AlarmRecord
		want  []bool
	}{
		{"open at login", [][]store.AlarmRecord{{al(5, store.EventAlarm)}}, []bool{false}},
		{"none, then one", [][]store.AlarmRecord{nil, {al(5, store.EventAlarm)}}, []bool{false, true}},
		{"same alarm again", [][]store.AlarmRecord{nil, {al(5, store.EventAlarm)}, {al(5, store.EventAlarm)}}, []bool{false, true, false}},
		{"duress is silent", [][]store.AlarmRecord{nil, {al(7, store.EventDuress)}}, []bool{false, false}},
		{"a second alarm", [][]store.AlarmRecord{{al(5, store.EventAlarm)}, {al(5, store.EventAlarm), al(9, store.EventFire)}}, []bool{false, true}},
		{"closed then a new one", [][]store.AlarmRecord{{al(5, store.EventAlarm)}, nil, {al(6, store.EventAlarm)}}, []bool{false, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b alarmBanner
			for i, load := range tc.loads {
				if got := b.take(load, nil); got != tc.want[i] {
					t.Errorf("load %d: bell %v, want %v", i, got, tc.want[i])
				}
			}
		})
	}
}

// The bell's off switch: the same new alarm rings (a Raw command) only
// with the bell on.
func TestAlarmBellOff(t *testing.T) {
	for _, off := range []bool{false, true} {
		a := &App{c: &common{}, opts: Options{NoBell: off}}
		a.alarms.loaded = true
		n := a.alarmOrder.next()
		cmd := a.takeAlarms(alarmBannerMsg{n: n, open: []store.AlarmRecord{{ID: 3, Kind: store.EventAlarm}}})
		if (cmd != nil) == off {
			t.Errorf("NoBell %v: bell command %v", off, cmd != nil)
		}
	}
}

// A guard acknowledges from the Alarms tab: an empty comment is refused
// in the dialog with the store's words, a comment acknowledges.
func TestAlarmAck(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	al := f.openAlarm(t, store.EventFire, 4)
	c := start(t, f, consoleOpts{actor: f.ops[store.RoleGuard]})
	c.waitScreen(" ALARM 1 unack.")
	c.press("@")
	c.waitScreen("NOT ACKED", "FIRE", "a acknowledge")
	c.press("a")
	c.waitScreen(fmt.Sprintf("Acknowledge alarm %d", al.ID), "enter acknowledge")
	c.press("enter")
	c.waitScreen("the comment is empty: enter it")
	c.typ("smoke detector, fire brigade called")
	c.press("enter")
	c.waitScreen(fmt.Sprintf("alarm %d acknowledged", al.ID), "wait restore")
	got := must(f.s.GetAlarm(f.admin, al.ID))
	if got.AckedBy != f.ops[store.RoleGuard].Name() || got.Comment != "smoke detector, fire brigade called" {
		t.Errorf("acknowledged by %q with %q", got.AckedBy, got.Comment)
	}
	c.press("enter")
	c.waitScreen(fmt.Sprintf("Alarm %d", al.ID), "smoke detector, fire brigade called", "zone 4 fire")
}

// An auditor sees the alarms but the acknowledgement is greyed: pressed
// anyway, the store refuses it with its reason, and logs the attempt.
func TestAlarmAckAuditor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	al := f.openAlarm(t, store.EventAlarm, 2)
	c := start(t, f, consoleOpts{actor: f.ops[store.RoleAuditor]})
	c.press("@")
	c.waitScreen("NOT ACKED")
	if strings.Contains(c.lines()[c.h-2], "acknowledge") {
		t.Errorf("an auditor is offered acknowledge: %q", c.lines()[c.h-2])
	}
	c.press("a")
	c.waitScreen(`does not have the "handle alarms" permission`)
	if got := must(f.s.GetAlarm(f.admin, al.ID)); got.State() != store.AlarmUnacknowledged {
		t.Errorf("the auditor's key acknowledged it: %+v", got)
	}
	log := must(f.s.ListLog(f.admin, store.LogFilter{Limit: 5}))
	if len(log) == 0 || log[0].Action != "alarm.ack" || !log[0].Refused() {
		t.Errorf("the refused attempt is not logged: %+v", log[:min(len(log), 1)])
	}
}

// alarmStory opens three alarms on the fixture site: a duress and a fire
// unacknowledged, a zone alarm acknowledged and waiting for its restore,
// and one closed in the history.
func alarmStory(tb testing.TB, f *fixture) {
	tb.Helper()
	closed := f.openAlarm(tb, store.EventAlarm, 9)
	check(tb, f.s.AckAlarm(f.admin, closed.ID, "false alarm: cat"))
	f.report(tb, f.main.ID, store.EventReport{Kind: store.EventRestore, Partition: 1, Zone: 9})
	acked := f.openAlarm(tb, store.EventAlarm, 3)
	check(tb, f.s.AckAlarm(f.admin, acked.ID, "guard on the way"))
	f.openAlarm(tb, store.EventFire, 4)
	f.openAlarm(tb, store.EventDuress, 0)
}

var alarmScreenCases = []screenCase{
	{"Banner", func(c driver) { c.waitScreen("DURESS ALARM 2 unack") }},
	{"Alarms", func(c driver) {
		c.press("@")
		c.waitScreen("NOT ACKED", "wait restore", "closed", "1-4 of 4")
	}},
	{"AlarmDetails", func(c driver) {
		c.press("@")
		c.waitScreen("1-4 of 4")
		c.press("down", "down", "enter")
		c.waitScreen("guard on the way", "zone 3 alarm", "any other key closes")
	}},
	{"Events", func(c driver) {
		c.press("&")
		c.waitScreen("1-5 of 5", "restore", "zone 9 alarm")
	}},
	{"AckAlarm", func(c driver) {
		c.press("@")
		c.waitScreen("1-4 of 4")
		c.press("a")
		c.waitScreen("Acknowledge alarm", "enter acknowledge")
	}},
}

// TestAlarmScreens goldens the banner, the Alarms tab and its dialogs at
// every size, on a site with alarms in every state.
func TestAlarmScreens(t *testing.T) {
	t.Parallel()
	f := newFixtureAt(t, fixedClock)
	alarmStory(t, f)
	for _, sc := range alarmScreenCases {
		t.Run(sc.name, func(t *testing.T) {
			for _, sz := range sizes {
				t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
					t.Parallel()
					c := start(t, f, consoleOpts{w: sz.w, h: sz.h})
					c.waitScreen("DURESS ALARM")
					sc.open(c)
					lines := c.settled()
					for i, l := range lines {
						if n := ansi.StringWidth(l); n > sz.w {
							t.Errorf("line %d is %d cells wide (> %d): %q", i, n, sz.w, l)
						}
					}
					if !strings.HasPrefix(lines[0], " DURESS ALARM 2 unack") {
						t.Errorf("line 0 is not the banner: %q", lines[0])
					}
					goldenScreen(t, strings.Join(lines, "\n"))
				})
			}
		})
	}
}

// The Events tab lists the journal newest first, live, and filters it.
func TestEventsTab(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	c.press("&")
	c.waitScreen("No events: the devices have reported none yet.")
	f.report(t, f.main.ID, store.EventReport{Kind: store.EventArmed, Partition: 2, User: 7, Text: "armed away"},
		store.EventReport{Kind: store.EventAlarm, Partition: 1, Zone: 5, Text: "zone 5 alarm"})
	scr := c.waitScreen("1-2 of 2", "user 7 armed away", "zone 5 alarm")
	if strings.Index(scr, "zone 5 alarm") > strings.Index(scr, "armed away") {
		t.Errorf("the newest event is not first:\n%s", scr)
	}
	c.press("/")
	c.typ("kind:armed")
	c.press("enter")
	c.waitScreen("1-1 of 1", "user 7 armed away")
	c.press("enter")
	c.waitScreen("Event ", "Partition   2", "any key closes")
}

// @ opens the Alarms tab on the alarm the banner names (the newest), not
// on the first row (the fire, first by priority).
func TestAlarmKeySelectsBannerAlarm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.openAlarm(t, store.EventFire, 4)
	f.openAlarm(t, store.EventAlarm, 6)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	c.waitScreen("│ ALARM Main building partition 1 zone 6 since")
	c.press("@")
	c.waitFor("the zone 6 alarm selected", func(scr string) bool {
		for _, l := range strings.Split(scr, "\n") {
			if strings.HasPrefix(l, "▶") {
				return strings.Contains(l, "ALARM") && strings.HasSuffix(strings.TrimSpace(l), "-") && strings.Contains(l, "   6 ")
			}
		}
		return false
	})
}
