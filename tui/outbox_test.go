package tui

// Flows of the sync queue as the console shows it: a failed change retried,
// a pending one cancelled, keypad steps keyed in and confirmed, a drift
// settled, a partition armed and disarmed, a panel gone offline. The
// dispatcher's part is played through the store's Internal actor.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

// waitBottom waits for text on the last two lines, where a refusal too
// long for the status line is shown.
func (c *console) waitBottom(text string) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("%q at the bottom", text), func(string) bool {
		l := c.lines()
		return strings.Contains(strings.Join(strings.Fields(l[c.h-2]+" "+l[c.h-1]), " "), text)
	})
}

// dispatcher is the store's own actor, as drivers/dispatch uses it.
func (f *fixture) dispatcher() store.Actor { return f.s.Internal("dispatch") }

// relabel changes a Main-panel user's label and returns the job it queued.
func (f *fixture) relabel(tb testing.TB, slot int, label string) uint64 {
	tb.Helper()
	check(tb, f.s.SetLabel(f.admin, f.main.ID, slot, label))
	seq := f.user(tb, slot).Sync.Job
	if seq == 0 {
		tb.Fatalf("slot %d has no job after a label change", slot)
	}
	return seq
}

// due checks that the dispatcher would be handed job seq now.
func (f *fixture) due(tb testing.TB, seq uint64) {
	tb.Helper()
	jobs, err := f.s.DueJobs(f.dispatcher(), 0)
	check(tb, err)
	for _, j := range jobs {
		if j.Seq == seq {
			return
		}
	}
	tb.Fatalf("job %d is not due", seq)
}

// finish records the dispatcher's outcome of job seq.
func (f *fixture) finish(tb testing.TB, seq uint64, r store.JobResult) {
	tb.Helper()
	f.due(tb, seq)
	check(tb, f.s.FinishJob(f.dispatcher(), seq, r))
}

func (f *fixture) job(tb testing.TB, seq uint64) store.Job {
	tb.Helper()
	j, err := f.s.GetJob(f.admin, seq)
	check(tb, err)
	return j
}

func TestRetryFailedJob(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	seq := f.relabel(t, 20, "Boiler room")
	f.finish(t, seq, store.JobResult{Driver: "sim", Err: "label memory full", Permanent: true})
	goSlot(c, 20)
	c.waitRow(20, "Boiler room · User", "failed: label memory full")
	c.waitHeader("2 failed")
	// What the row needs comes first in the hints.
	c.waitLine(c.h-2, "enter open  t retry  X cancel job  c code")
	c.press("t")
	c.waitStatus(fmt.Sprintf("job %d of panel user 20 (Boiler room) queued again for the panel", seq))
	c.waitRow(20, "Boiler room · User", "pending")
	c.waitHeader("1 failed")
	if j := f.job(t, seq); j.State != store.JobPending || j.Label != "Boiler room" {
		t.Fatalf("job after retry: %v (label %q)", j, j.Label)
	}
	// Nothing failed any more: retry is not offered, and t says why.
	c.waitFor("no retry hint", func(string) bool { return !strings.Contains(c.lines()[c.h-2], "t retry") })
	c.press("t")
	c.waitStatus("retry: panel user 20 of Main building has no failed change to retry (pending)")
}

func TestCancelJobAsksFirst(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	seq := f.relabel(t, 20, "Boiler room")
	goSlot(c, 20)
	c.waitRow(20, "Boiler room · User", "pending")
	c.press("enter")
	c.waitScreen("Boiler room  (# 20)", fmt.Sprintf("pending: queued for the panel (job %d)", seq), "X cancel job")
	c.press("X")
	c.waitScreen(fmt.Sprintf("Cancel job %d?", seq), "y cancel job   n/esc/enter keep it")
	// Enter never confirms.
	c.press("enter")
	c.waitGone("Cancel job")
	if j := f.job(t, seq); j.State != store.JobPending {
		t.Fatalf("enter cancelled the job: %v", j)
	}
	c.press("X")
	c.waitScreen(fmt.Sprintf("Cancel job %d?", seq))
	c.press("y")
	c.waitStatus(fmt.Sprintf("job %d cancelled: not applied to panel user 20 (Boiler room) of Main building", seq))
	// The details stay open and follow the store.
	c.waitScreen("Boiler room  (# 20)", "not applied (cancelled): cancelled by admin before the panel confirmed it")
	c.press("esc")
	c.waitRow(20, "Boiler room · User", "cancelled")
	if j := f.job(t, seq); j.State != store.JobCancelled {
		t.Fatalf("job after cancel: %v", j)
	}
}

func TestKeypadStepsConfirmed(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	seq := f.relabel(t, 20, "Boiler room")
	f.due(t, seq)
	steps := []string{
		"At a keypad, with the system disarmed, press [*] [5]",
		"Enter the master code",
		"Enter the slot number 0020 (on an LCD keypad you can also scroll to it with [<] [>] and press [*])",
		"Choose the user label item, type “Boiler room” with the keypad's letter keys and press [*] to save it",
		"Press [#] to leave",
	}
	check(t, f.s.ParkJob(f.dispatcher(), seq, steps, "guided"))
	goSlot(c, 20)
	c.waitRow(20, "keypad steps")
	c.waitHeader("1 at keypad")
	c.press("K")
	c.waitScreen(fmt.Sprintf("Keypad steps — job %d", seq),
		"Key in the change to panel user 20 (Boiler room) of Main building at the panel:",
		"Change  label user 20 “Boiler room”",
		"1. At a keypad, with the system disarmed, press [*] [5]",
		"3. Enter the slot number 0020 (on an LCD keypad you can also scroll to it with [<] [>] and press [*])",
		"5. Press [#] to leave",
		"guardroom does not show codes: key in the code you typed.",
		"c confirm done   x cancel job   y copy   esc close")
	c.press("c")
	c.waitScreen(fmt.Sprintf("Keyed in job %d at the panel?", seq), "y confirm done   n/esc/enter not yet")
	c.press("n")
	c.waitGone("Keyed in job")
	if j := f.job(t, seq); !j.Waiting() {
		t.Fatalf("n confirmed the job: %v", j)
	}
	c.waitScreen(fmt.Sprintf("Keypad steps — job %d", seq))
	c.press("c")
	c.waitScreen(fmt.Sprintf("Keyed in job %d at the panel?", seq))
	c.press("y")
	c.waitStatus(fmt.Sprintf("job %d confirmed by admin: keyed in, not verified by the panel", seq))
	c.waitGone("Keypad steps")
	c.waitRow(20, "Boiler room · User", "unverified (by admin)")
	if u := f.user(t, 20); u.Sync.State != store.SyncUnverified {
		t.Fatalf("slot 20 after confirm: %v", u.Sync)
	}
	if j := f.job(t, seq); j.State != store.JobDone || j.By != "admin" {
		t.Fatalf("job after confirm: %v by %q", j, j.By)
	}
}

// reportAllButSlot reports the users of slots 1-20 with a code as the
// panel holds them (the ones the store compares), with slot's own report
// changed by edit: that slot drifts, no other.
func (f *fixture) reportAllButSlot(tb testing.TB, slot int, edit func(*store.DeviceUser)) {
	tb.Helper()
	var dev []store.DeviceUser
	for s := 1; s <= 20; s++ {
		u := f.user(tb, s)
		if !u.CodeSet {
			continue
		}
		d := store.DeviceUser{Slot: s, CodeSet: true, Label: u.DisplayLabel(), Role: u.Role, Partitions: u.Partitions}
		if s == slot {
			edit(&d)
		}
		dev = append(dev, d)
	}
	n, err := f.s.ReportUsers(f.dispatcher(), f.main.ID, dev)
	check(tb, err)
	if n != 1 {
		tb.Fatalf("%d users drift, want 1", n)
	}
}

func TestDriftAcceptPanel(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	seq := f.relabel(t, 20, "Boiler room")
	f.finish(t, seq, store.JobResult{Driver: "sim", Transport: "in-process", Verified: true})
	f.reportAllButSlot(t, 20, func(d *store.DeviceUser) { d.Label = "Boiler" })
	goSlot(c, 20)
	c.waitRow(20, "Boiler room · User", `drift: label on the pa`)
	c.waitHeader("1 drift")
	c.press("d")
	c.waitScreen("Drift — panel user 20 of Main building", "What differs", `• label on the panel is "Boiler"`,
		"the panel reports", "guardroom has", "Label       Boiler", "Boiler room",
		"p push guardroom's state to the panel   a accept the panel's")
	c.press("a")
	c.waitScreen("Accept the panel's state for panel user 20 of Main building?", "y accept   n/esc/enter cancel")
	c.press("enter") // never confirms
	c.waitGone("Accept the panel's state")
	if u := f.user(t, 20); u.Label != "Boiler room" {
		t.Fatalf("enter accepted: label %q", u.Label)
	}
	c.press("a")
	c.waitScreen("Accept the panel's state for panel user 20")
	c.press("y")
	c.waitStatus("panel user 20 of Main building: guardroom took the panel's state")
	c.waitGone("Drift —")
	c.waitRow(20, "Boiler · User", "in sync")
	if u := f.user(t, 20); u.Label != "Boiler" || u.Sync.State != store.SyncInSync {
		t.Fatalf("slot 20 after accept: %v", u)
	}
	c.waitFor("no drift in the header", func(string) bool { return !strings.Contains(c.lines()[0], "drift") })
}

// A code the panel lost cannot be pushed: the store's refusal is on the
// status line and the dialog stays open for the other choice.
func TestDriftPushRefused(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	f.reportAllButSlot(t, 12, func(d *store.DeviceUser) { d.CodeSet, d.Label, d.Partitions, d.Role = false, "", 0, "" })
	goSlot(c, 12)
	c.waitRow(12, "drift: code cleared")
	c.press("enter")
	c.waitScreen("User 12  (# 12)", "drift: code cleared at the panel", "d drift")
	c.press("d")
	c.waitScreen("Drift — panel user 12 of Main building", "• code cleared at the panel", "Code        not set")
	c.press("p")
	c.waitBottom("the panel lost or changed the code of user 12 and guardroom does not keep codes: set a new code to push one, or accept the panel's state")
	c.waitScreen("Drift — panel user 12 of Main building")
	if u := f.user(t, 12); u.Sync.State != store.SyncDrift || !u.CodeSet {
		t.Fatalf("slot 12 after a refused push: %v", u)
	}
}

// A guard sees the failed change but may not retry it: the store's words.
func TestRetryRefusedForGuard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleGuard]})
	goUsers(c)
	goSlot(c, 7)
	c.waitRow(7, "failed: slot locked")
	c.press("t")
	c.waitStatus(`retry: operator gina does not have the "manage panel users" permission`)
	if u := f.user(t, 7); u.Sync.State != store.SyncFailed {
		t.Fatalf("a guard retried slot 7: %v", u.Sync)
	}
}

// goPartitions opens the Main panel's partitions.
func goPartitions(c *console) {
	c.t.Helper()
	c.press("3")
	c.waitScreen("Users holding it", "Server room", "1-8 of 8")
}

// partitionJob is the command on its way for partition n of the Main panel.
func (f *fixture) partitionJob(tb testing.TB, n int) uint64 {
	tb.Helper()
	parts, err := f.s.ListPartitions(f.admin, f.main.ID)
	check(tb, err)
	seq := parts[n-1].Sync.Job
	if seq == 0 {
		tb.Fatalf("partition %d has no command", n)
	}
	return seq
}

func (f *fixture) partition(tb testing.TB, n int) store.Partition {
	tb.Helper()
	parts, err := f.s.ListPartitions(f.admin, f.main.ID)
	check(tb, err)
	return parts[n-1]
}

// A guard arms a partition away and disarms it, confirming the disarm;
// the Sync column follows the command until the panel takes it.
func TestArmAwayThenDisarm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleGuard]})
	goPartitions(c)
	goSlot(c, 2)
	c.waitLine(c.h-2, "enter open  s arm stay  a arm away  d disarm")
	c.press("a")
	c.waitStatus("partition 2 (Server room): arm away sent to the panel")
	c.waitRow(2, "Server room", "disarmed", "arming away…")
	seq := f.partitionJob(t, 2)
	f.finish(t, seq, store.JobResult{Driver: "sim", Transport: "in-process", Verified: true})
	c.waitRow(2, "Server room", "armed away", "in sync")
	// Arming again is the store's to refuse, in its words.
	c.press("a")
	c.waitStatus("partition 2 (Server room) of Main building is armed away already")

	c.press("d")
	c.waitScreen("Disarm partition 2 (Server room) of Main building?", "y disarm   n/esc/enter cancel")
	c.press("enter") // never confirms
	c.waitGone("Disarm partition 2")
	if p := f.partition(t, 2); p.Sync.State != store.SyncInSync || p.State != store.ArmedAway {
		t.Fatalf("enter disarmed: %+v", p)
	}
	c.press("d")
	c.waitScreen("Disarm partition 2 (Server room) of Main building?")
	c.press("y")
	c.waitStatus("partition 2 (Server room): disarm sent to the panel")
	c.waitRow(2, "Server room", "armed away", "disarming…")
	seq = f.partitionJob(t, 2)
	f.finish(t, seq, store.JobResult{Driver: "sim", Transport: "in-process", Verified: true})
	c.waitRow(2, "Server room", "disarmed", "in sync")
	if p := f.partition(t, 2); p.State != store.Disarmed {
		t.Fatalf("partition 2 after disarm: %+v", p)
	}
}

// An offline panel: the command waits with the reason, and can be
// cancelled from the partition's details.
func TestArmWhilePanelOffline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	goPartitions(c)
	goSlot(c, 3)
	c.press("s")
	c.waitRow(3, "Lobby", "arming stay…")
	seq := f.partitionJob(t, 3)
	f.finish(t, seq, store.JobResult{Driver: "sim", Err: "device offline: dial tcp 10.0.0.5:502: i/o timeout"})
	c.waitRow(3, "Lobby", "arming stay: device offline…")
	c.press("enter")
	c.waitScreen("Partition 3 — Lobby · Main building", "disarmed", "the last try failed: device offline: dial tcp 10.0.0.5:502: i/o timeout", "X cancel job")
	c.press("X")
	c.waitScreen(fmt.Sprintf("Cancel job %d?", seq))
	c.press("y")
	c.waitStatus(fmt.Sprintf("job %d cancelled", seq))
	c.waitScreen("not applied (cancelled): cancelled by admin")
	c.press("esc")
	c.waitRow(3, "Lobby", "disarmed", "cancelled")
}

func TestArmRefusedForAuditor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleAuditor]})
	goPartitions(c)
	c.press("a")
	c.waitStatus(`arm away: operator otto does not have the "arm/disarm" permission`)
	if p := f.partition(t, 1); p.Sync.State != "" {
		t.Fatalf("an auditor armed partition 1: %+v", p)
	}
}

// The dispatcher loses a panel: the Panels screen shows it offline, with
// the reason, as it happens; the details have the error in full.
func TestPanelGoesOffline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The fixture's panels are guided (nothing to connect to): give two a
	// driver that connects.
	check(t, f.s.SetPanelDevice(f.admin, f.main.ID, store.DeviceConfig{Driver: "sim", Address: "main"}))
	check(t, f.s.SetPanelDevice(f.admin, f.dsc.ID, store.DeviceConfig{Driver: "modbus", Address: "tcp://10.0.0.7:502"}))
	c := start(t, f, consoleOpts{})
	c.waitScreen("Connection", "Queue", "Last error")
	c.waitRow(3, "Warehouse", "keypad only")
	c.waitRow(2, "Gatehouse", "never contacted")
	const why = "device offline: dial tcp 10.0.0.7:502: connect: connection refused"
	check(t, f.s.ReportConnection(f.dispatcher(), f.dsc.ID, store.ConnectionReport{Err: why, Driver: "modbus", Transport: "tcp 10.0.0.7:502"}))
	c.waitRow(2, "Gatehouse", "offline since 16:24", "device off")
	check(t, f.s.ReportConnection(f.dispatcher(), f.main.ID, store.ConnectionReport{Online: true, Driver: "sim", Transport: "in-process"}))
	c.waitRow(1, "Main building", "online", "1 failed, 283 pen")
	c.press("down", "i")
	c.waitScreen("Gatehouse — panel 2", "Connection  offline since 16:24 · last seen never",
		"Last error  "+why, "Queue       0 failed · 0 at the keypad · 2 pending", "Transport   tcp 10.0.0.7:502")
	c.press("enter")
	c.waitScreen("Gatehouse (DSC)", "1-15 of 95")
}

// The mail server's state follows the dispatcher's reports on the
// Accounts screen.
func TestMailStatusLive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{})
	c.press("6")
	c.waitScreen("Mail server not checked yet", "1-6 of 6")
	check(t, f.s.ReportConnection(f.dispatcher(), 0, store.ConnectionReport{Err: "no SMTP server configured: set [smtp] host", Driver: "smtp"}))
	c.waitScreen("Mail server offline since 16:24 · no SMTP server configured")
	c.press("enter")
	c.waitScreen("Mail     offline since 16:24", "no SMTP server configured: set [smtp] host")
	c.press("esc")
	check(t, f.s.ReportConnection(f.dispatcher(), 0, store.ConnectionReport{Online: true, Driver: "smtp"}))
	c.waitScreen("Mail server online")
}

// The keypad steps dialog's keys are registry actions: remapped in the
// config, the dialog offers and takes the new key, not the old one, and
// the help lists them.
func TestKeypadStepsKeysRemapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40, keys: map[string][]string{"keypad.confirm": {"D"}}})
	goUsers(c)
	c.press("?")
	c.helpShows("D                  keypad.confirm")
	c.waitScreen("In their dialogs")
	c.press("esc")
	seq := f.relabel(t, 20, "Boiler room")
	f.due(t, seq)
	check(t, f.s.ParkJob(f.dispatcher(), seq, []string{"Press [#] to leave"}, "guided"))
	goSlot(c, 20)
	c.waitRow(20, "keypad steps")
	c.press("K")
	c.waitScreen(fmt.Sprintf("Keypad steps — job %d", seq), "D confirm done   x cancel job   y copy   esc close")
	// c no longer confirms: esc after it closes the steps, not a confirmation.
	c.press("c", "esc")
	c.waitGone("Keypad steps —")
	c.press("K")
	c.waitScreen(fmt.Sprintf("Keypad steps — job %d", seq))
	c.press("D")
	c.waitScreen(fmt.Sprintf("Keyed in job %d at the panel?", seq))
}

// On a panel whose driver keys a user code in (an Envisalink), arming
// and disarming ask for one, masked; it goes with that command only.
func TestArmingAsksForTheCodeTheDriverKeysIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	check(t, f.s.SetPanelDevice(f.admin, f.dsc.ID, store.DeviceConfig{Driver: "envisalink-dsc", Address: "10.0.0.9:4025"}))
	check(t, f.s.SetPartitionLabel(f.admin, f.dsc.ID, 2, "Guard room"))
	code := "5820"
	job := func() store.Job {
		parts, err := f.s.ListPartitions(f.admin, f.dsc.ID)
		check(t, err)
		return f.dueJob(t, parts[1].Sync.Job)
	}
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleGuard]})
	c.neverShow(code)
	c.press(":")
	c.waitScreen("Command")
	c.typ("partitions 2")
	c.press("enter")
	c.waitScreen("Guard room", "1-8 of 8")
	goSlot(c, 2)
	c.press("a")
	c.waitScreen("Arm partition 2 (Guard room) of Gatehouse away", "User code (4 digits)", "enter send")
	c.typ("12x")
	c.waitScreen("> ••▌") // only digits are taken
	c.press("ctrl+u")
	c.typ(code)
	c.waitScreen("> ••••▌")
	c.press("enter")
	c.waitStatus("partition 2 (Guard room): arm away sent to the panel")
	j := job()
	if j.Op != store.OpArm || j.Code != code {
		t.Fatalf("the job the driver gets: %v (with the typed code: %v)", j, j.Code == code)
	}
	f.finish(t, j.Seq, store.JobResult{Driver: "envisalink-dsc", Verified: true})
	c.waitRow(2, "Guard room", "armed away", "in sync")

	// Disarming asks first, then for the code.
	c.press("d")
	c.waitScreen("Disarm partition 2 (Guard room) of Gatehouse?")
	c.press("y")
	c.waitScreen("User code (")
	c.typ(code)
	c.press("enter")
	c.waitStatus("partition 2 (Guard room): disarm sent to the panel")
	j = job()
	if j.Op != store.OpDisarm || j.Code != code {
		t.Fatalf("the disarm job: %v (with the typed code: %v)", j, j.Code == code)
	}

	// With an arming code kept for the panel, nobody is asked.
	check(t, f.s.SetPanelSecret(f.admin, f.dsc.ID, store.SecretArmCode, "9731"))
	f.finish(t, j.Seq, store.JobResult{Driver: "envisalink-dsc", Verified: true})
	c.waitRow(2, "Guard room", "disarmed", "in sync")
	c.press("s")
	c.waitStatus("partition 2 (Guard room): arm stay sent to the panel")
}

// dueJob is pending job seq as the dispatcher gets it, secrets included.
func (f *fixture) dueJob(tb testing.TB, seq uint64) store.Job {
	tb.Helper()
	jobs, err := f.s.DueJobs(f.s.Internal("dispatch"), 0)
	check(tb, err)
	for _, j := range jobs {
		if j.Seq == seq {
			return j
		}
	}
	tb.Fatalf("job %d is not due", seq)
	return store.Job{}
}
