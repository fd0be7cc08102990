package tui

// Golden screens of the sync queue: every Sync state on the Users grid,
// the dialogs that settle them, the Partitions and Panels screens with
// commands on their way and a panel offline, and the mail server's state.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

// syncStory puts the fixture site in every state the sync queue knows.
// Main panel: slot 7 failed and 8 unverified (the fixture's), 10 pending
// after the device went offline, 11 waiting for keypad steps, 12 drifting,
// 13 cancelled, 14 keyed in by ivan; partitions arming, failed, in alarm
// and waiting at the keypad. Main is online (sim), Gatehouse offline
// (modbus), Warehouse never contacted (modbus), and no SMTP server is set
// up.
func syncStory(tb testing.TB, f *fixture) {
	tb.Helper()
	s, sys, admin := f.s, f.dispatcher(), f.admin
	f.reportAllButSlot(tb, 12, func(d *store.DeviceUser) { d.Label = "Night desk" })

	steps := []string{
		"At a keypad, with the system disarmed, press [*] [5]",
		"Enter the master code",
		"Enter the slot number 0011 (on an LCD keypad you can also scroll to it with [<] [>] and press [*])",
		"Choose the user label item, type “Loading bay” with the keypad's letter keys and press [*] to save it",
		"Press [#] to leave",
	}
	check(tb, s.ParkJob(sys, f.relabel(tb, 11, "Loading bay"), steps, "guided"))
	check(tb, s.CancelJob(admin, f.relabel(tb, 13, "Archive")))
	seq := f.relabel(tb, 14, "Kitchen")
	check(tb, s.ParkJob(sys, seq, steps[:1], "guided"))
	check(tb, s.ConfirmJob(f.ops[store.RoleInstaller], seq))
	check(tb, s.FinishJob(sys, f.relabel(tb, 10, "Parking"), store.JobResult{Driver: "sim", Err: "device offline: dial tcp 10.0.0.5:502: i/o timeout"}))

	check(tb, s.Arm(admin, f.main.ID, 2, store.ArmAway))
	check(tb, s.Arm(admin, f.main.ID, 3, store.ArmStay))
	check(tb, s.FinishJob(sys, f.partitionJob(tb, 3), store.JobResult{Driver: "sim", Err: "zone 4 open: the partition is not ready", Permanent: true}))
	check(tb, s.Arm(admin, f.main.ID, 5, store.ArmAway))
	check(tb, s.ParkJob(sys, f.partitionJob(tb, 5), []string{"Press the [Away] key and enter a user code valid on partition 5"}, "guided"))
	check(tb, s.ReportPartitions(sys, f.main.ID, []store.PartitionReport{{Number: 4, State: store.Alarm}}))

	check(tb, s.SetPanelDevice(admin, f.main.ID, store.DeviceConfig{Driver: "sim", Address: "main"}))
	check(tb, s.ReportConnection(sys, f.main.ID, store.ConnectionReport{Online: true, Driver: "sim", Transport: "in-process"}))
	check(tb, s.SetPanelDevice(admin, f.vis.ID, store.DeviceConfig{Driver: "modbus", Address: "tcp://10.0.0.9:502"}))
	check(tb, s.SetPanelDevice(admin, f.dsc.ID, store.DeviceConfig{Driver: "modbus", Address: "tcp://10.0.0.7:502", Options: map[string]string{"unit": "1", "timeout": "2s"}}))
	check(tb, s.ReportConnection(sys, f.dsc.ID, store.ConnectionReport{Err: "device offline: dial tcp 10.0.0.7:502: connect: connection refused", Driver: "modbus", Transport: "tcp 10.0.0.7:502"}))
	check(tb, s.ReportConnection(sys, 0, store.ConnectionReport{Err: "no SMTP server configured: set [smtp] host in the config file", Driver: "smtp"}))
}

// syncReady is the header once the story's outbox summary loaded.
const syncReady = ", 1 drift "

var syncScreenCases = []screenCase{
	{"SyncUsers", func(c driver) { goUsers(c); c.waitScreen("keypad steps", "cancelled") }},
	{"FailedUserDetails", func(c driver) {
		goUsers(c)
		goSlot(c, 7)
		c.press("enter")
		c.waitScreen("Courier  (# 7)", "failed: slot locked by keypad programming", "esc closes")
	}},
	{"KeypadSteps", func(c driver) {
		goUsers(c)
		goSlot(c, 11)
		c.press("K")
		c.waitScreen("Keypad steps — job", "5. Press [#] to leave")
	}},
	{"CancelJob", func(c driver) {
		goUsers(c)
		goSlot(c, 10)
		c.press("X")
		c.waitScreen("Cancel job", "keep it")
	}},
	{"Drift", func(c driver) {
		goUsers(c)
		goSlot(c, 12)
		c.press("d")
		c.waitScreen("Drift — panel user 12", "Night desk", "accept the panel's")
	}},
	{"SyncPartitions", func(c driver) { c.press("3"); c.waitScreen("arming away…", "alarm", "1-8 of 8") }},
	{"PartitionDetails", func(c driver) {
		c.press("3")
		c.waitScreen("1-8 of 8")
		goSlot(c, 3)
		c.press("enter")
		c.waitScreen("Partition 3 — Lobby", "esc closes")
	}},
	{"DisarmConfirm", func(c driver) {
		// Partition 4 is in alarm: a disarmed one is not offered a
		// disarm (CheckPartition), so nothing asks to confirm.
		c.press("3")
		c.waitScreen("1-8 of 8")
		goSlot(c, 4)
		c.press("d")
		c.waitScreen("Disarm partition 4 (", "y disarm")
	}},
	{"SyncPanels", func(c driver) { c.waitScreen("offline since 16:24", "online") }},
	{"PanelDetails", func(c driver) {
		c.waitScreen("offline since 16:24")
		c.press("down", "i")
		c.waitScreen("Gatehouse — panel 2", "connection refused", "enter users")
	}},
	{"MailStatus", func(c driver) { c.press("6"); c.waitScreen("Mail server offline since 16:24", "1-6 of 6") }},
}

// syncFixture is the fixture site with the sync story, built without a
// restore (goldens of the log must not show one).
func syncFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := builtFixture(tb)
	syncStory(tb, f)
	return f
}

// TestSyncScreens goldens the sync queue's screens and dialogs at 80x24
// and 120x40 in both themes, as TestScreens does.
func TestSyncScreens(t *testing.T) {
	t.Parallel()
	f := syncFixture(t) // the screens only read: one site for all
	for _, sc := range syncScreenCases {
		t.Run(sc.name, func(t *testing.T) {
			for _, sz := range sizes {
				for _, theme := range []string{"dark", "light"} {
					t.Run(fmt.Sprintf("%dx%d-%s", sz.w, sz.h, theme), func(t *testing.T) {
						t.Parallel()
						c := start(t, f, consoleOpts{w: sz.w, h: sz.h, theme: theme, ready: syncReady})
						sc.open(c)
						lines := c.settled()
						checkFrame(t, lines, sz.w, sz.h)
						goldenScreen(t, strings.Join(lines, "\n"))
					})
				}
			}
		})
	}
}
