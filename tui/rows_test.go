package tui

// Pure tests: the row renderers against fixtures (003's columns), and the
// keymap built from the action registry.

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
	"github.com/guardroom/guardroom/tui/grid"
)

func TestUserCells(t *testing.T) {
	created := fixedNow
	active := &store.Account{ID: 1, Email: "ana.active@example.com", Status: store.StatusActive, Created: created}
	pending := &store.Account{ID: 2, Email: "ben.pending@example.com", Status: store.StatusNotConfirmed, Created: created}
	suspended := &store.Account{ID: 3, Email: "cy.suspended@example.com", Status: store.StatusSuspended, Created: created}
	inSync := store.Sync{State: store.SyncInSync}
	tests := []struct {
		name string
		u    store.PanelUser
		acc  *store.Account
		want []string
	}{
		{"no code: role, code, partitions and sync are -; no account is Unknown",
			store.PanelUser{Slot: 5, Role: family.RoleUser, Sync: inSync}, nil,
			[]string{"5", "User 5 · -", "-", "-", "-", "-", "Unknown", "-"}},
		{"master with a label holds all partitions",
			store.PanelUser{Slot: 1, Label: "Facility manager", Role: family.RoleMaster, CodeSet: true, Partitions: store.AllPartitions(8), Sync: inSync}, nil,
			[]string{"1", "Facility manager · Master", "✓", "1, 2, 3, 4, 5, 6, 7, 8", "-", "-", "Unknown", "in sync"}},
		{"account assigned: email, created date and time, status",
			store.PanelUser{Slot: 2, Role: family.RoleUser, CodeSet: true, Partitions: store.PartitionSet(0).With(1).With(3), Account: 1, Sync: store.Sync{State: store.SyncPending}}, active,
			[]string{"2", "User 2 · User", "✓", "1, 3", "ana.active@example.com", "2026-05-13 16:24", "Active", "pending"}},
		{"not confirmed account",
			store.PanelUser{Slot: 4, Role: family.RoleSupervisor, CodeSet: true, Partitions: store.PartitionSet(0).With(2), Account: 2, Sync: inSync}, pending,
			[]string{"4", "User 4 · Supervisor", "✓", "2", "ben.pending@example.com", "2026-05-13 16:24", "Not confirmed", "in sync"}},
		{"suspended account",
			store.PanelUser{Slot: 3, Role: family.RoleDuress, CodeSet: true, Partitions: store.PartitionSet(0).With(1), Account: 3, Sync: inSync}, suspended,
			[]string{"3", "User 3 · Duress", "✓", "1", "cy.suspended@example.com", "2026-05-13 16:24", "Suspended", "in sync"}},
		{"failed sync shows its reason",
			store.PanelUser{Slot: 7, Label: "Courier", Role: family.RoleUser, CodeSet: true, Partitions: 1, Sync: store.Sync{State: store.SyncFailed, Reason: "slot locked"}}, nil,
			[]string{"7", "Courier · User", "✓", "1", "-", "-", "Unknown", "failed: slot locked"}},
		{"drift shows its reason",
			store.PanelUser{Slot: 8, Role: family.RoleUser, CodeSet: true, Partitions: 1, Sync: store.Sync{State: store.SyncDrift, Reason: "panel has another label"}}, nil,
			[]string{"8", "User 8 · User", "✓", "1", "-", "-", "Unknown", "drift: panel has another label"}},
		{"applied by an operator, unverified",
			store.PanelUser{Slot: 9, Role: family.RoleUser, CodeSet: true, Partitions: 1, Sync: store.Sync{State: store.SyncUnverified}}, nil,
			[]string{"9", "User 9 · User", "✓", "1", "-", "-", "Unknown", "unverified"}},
		{"disabled user still linked, its clear-code job pending",
			store.PanelUser{Slot: 10, Role: family.RoleUser, Account: 1, Sync: store.Sync{State: store.SyncPending}}, active,
			[]string{"10", "User 10 · -", "-", "-", "ana.active@example.com", "2026-05-13 16:24", "Active", "pending"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := userCells(tc.u, tc.acc); !slices.Equal(got, tc.want) {
				t.Errorf("userCells\n got %q\nwant %q", got, tc.want)
			}
			if n := len(userCells(tc.u, tc.acc)); n != len(userCols) {
				t.Errorf("%d cells for %d columns", n, len(userCols))
			}
		})
	}
}

// TestSyncWords checks the words of every sync state: the grid's short
// cell, the details' full sentence and the tone that makes it stand out.
func TestSyncWords(t *testing.T) {
	tests := []struct {
		s              store.Sync
		cell, sentence string
		tone           grid.Tone
	}{
		{store.Sync{}, "-", "no command given yet", grid.ToneNone},
		{store.Sync{State: store.SyncInSync, Job: 3}, "in sync", "in sync: the panel has guardroom's state", grid.ToneNone},
		{store.Sync{State: store.SyncPending, Job: 4}, "pending", "pending: queued for the panel (job 4)", grid.ToneNone},
		{store.Sync{State: store.SyncPending, Job: 4, Reason: "device offline: dial tcp 10.0.0.5:502: i/o timeout"},
			"pending: device offline…", "pending: queued for the panel; the last try failed: device offline: dial tcp 10.0.0.5:502: i/o timeout (job 4)", grid.ToneWarn},
		{store.Sync{State: store.SyncPending, Reason: "busy"}, "pending: busy", "pending: queued for the panel; the last try failed: busy", grid.ToneWarn},
		{store.Sync{State: store.SyncPending, Reason: "sim demo/data.sim/panel-4.json: device offline: check its power and its network or serial link; the change is kept and retried"},
			"pending: device offline…", "pending: queued for the panel; the last try failed: sim demo/data.sim/panel-4.json: device offline: check its power and its network or serial link; the change is kept and retried", grid.ToneWarn},
		{store.Sync{State: store.SyncPending, Reason: "read back user 3: timeout; retrying"}, "pending: timeout…", "pending: queued for the panel; the last try failed: read back user 3: timeout; retrying", grid.ToneWarn},
		{store.Sync{State: store.SyncPending, Reason: "tcp 10.0.0.5:502"}, "pending: tcp 10.0.0.5:502", "pending: queued for the panel; the last try failed: tcp 10.0.0.5:502", grid.ToneWarn},
		{store.Sync{State: store.SyncFailed, Job: 5, Reason: "slot locked by keypad programming"},
			"failed: slot locked by keypad programming", "failed: slot locked by keypad programming (job 5)", grid.ToneBad},
		{store.Sync{State: store.SyncDrift, Reason: "code cleared at the panel"}, "drift: code cleared at the panel", "drift: code cleared at the panel", grid.ToneBad},
		{store.Sync{State: store.SyncUnverified, Reason: "applied by operator gina, not verified by the panel"},
			"unverified (by gina)", "applied by operator (unverified): applied by operator gina, not verified by the panel", grid.ToneNone},
		{store.Sync{State: store.SyncUnverified, Reason: "sent by keystrokes, not verified: the panel cannot report it back; it is verified when the panel sees the user arm or disarm with it"}, "unverified",
			"sent by keystrokes, not verified: the panel cannot report it back; it is verified when the panel sees the user arm or disarm with it", grid.ToneNone},
		{store.Sync{State: store.SyncUnverified, Reason: "the panel cannot confirm it"}, "unverified", "sent, not verified: the panel cannot confirm it", grid.ToneNone},
		{store.Sync{State: store.SyncKeypad, Job: 6, Reason: "open it to see the keypad steps, then confirm"},
			"keypad steps", "keypad steps waiting: someone must key the change in at the panel, then confirm it (job 6)", grid.ToneWarn},
		{store.Sync{State: store.SyncCancelled, Job: 7, Reason: "cancelled by admin before the panel confirmed it"},
			"cancelled", "not applied (cancelled): cancelled by admin before the panel confirmed it (job 7)", grid.ToneWarn},
	}
	for _, tc := range tests {
		t.Run(string(tc.s.State)+"/"+tc.s.Reason, func(t *testing.T) {
			if got := syncCell(tc.s); got != tc.cell {
				t.Errorf("cell %q, want %q", got, tc.cell)
			}
			if got := syncSentence(tc.s); got != tc.sentence {
				t.Errorf("sentence %q\n              want %q", got, tc.sentence)
			}
			if got := syncTone(tc.s); got != tc.tone {
				t.Errorf("tone %d, want %d", got, tc.tone)
			}
		})
	}
}

func TestPanelCells(t *testing.T) {
	p := store.Panel{ID: 1, Name: "Main building", Family: "neo-hs2128e", IMEI: "356938035643809", Slots: 1000, CodesSet: 298, Driver: "modbus"}
	earlier := fixedNow.Add(-30 * time.Minute)
	tests := []struct {
		name              string
		conn              store.Connection
		counts            store.SyncCounts
		state, queue, err string
		connTone          grid.Tone
	}{
		{"never contacted", store.Connection{}, store.SyncCounts{}, "never contacted", "-", "-", grid.ToneDim},
		{"online with a queue", store.Connection{Online: true, Since: earlier}, store.SyncCounts{Pending: 290, Failed: 1}, "online", "1 failed, 290 pending", "-", grid.ToneGood},
		{"offline today", store.Connection{Since: earlier, LastError: "device offline: i/o timeout"}, store.SyncCounts{Keypad: 2}, "offline since 15:54", "2 keypad", "device offline: i/o timeout", grid.ToneBad},
		{"offline since yesterday", store.Connection{Since: fixedNow.Add(-24 * time.Hour), LastError: "timeout"}, store.SyncCounts{}, "offline since 12 May 16:24", "-", "timeout", grid.ToneBad},
		{"misconfigured", store.Connection{Since: earlier, Misconfigured: true, LastError: "no guardroom register map here"}, store.SyncCounts{Failed: 1}, "misconfigured", "1 failed", "no guardroom register map here", grid.ToneBad},
		{"identity warning", store.Connection{Online: true, Since: earlier, Warning: "the device's identity disagrees with the panel's settings: the device has 500 user slots"}, store.SyncCounts{}, "online", "-", "the device's identity disagrees with the panel's settings: the device has 500 user slots", grid.ToneGood},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.Conn = tc.conn
			r := panelRow{p: p, site: "Harbour Campus / North Tower", counts: tc.counts}
			want := []string{"1", "Main building", "NeoR", "356938035643809", "Harbour Campus / North Tower", "8", "298/1000", tc.state, "modbus", tc.queue, tc.err}
			if got := panelCells(r, fixedNow); !slices.Equal(got, want) {
				t.Errorf("got %q\nwant %q", got, want)
			}
			if got := panelTones(r)[panelConnCol]; got != tc.connTone {
				t.Errorf("connection tone %d, want %d", got, tc.connTone)
			}
		})
	}
	p.Conn = store.Connection{Since: earlier, LastError: "sim demo/data.sim/panel-4.json: device offline: check its power"}
	if got := panelCells(panelRow{p: p}, fixedNow)[panelErrCol]; got != "device offline: check its power" {
		t.Errorf("last error %q: the driver and address are the row's own", got)
	}
	dsc := panelRow{p: store.Panel{ID: 2, Name: "Gatehouse", Family: "dsc-pc1864", IMEI: "490154203237518", Slots: 95, CodesSet: 2}}
	if got := panelCells(dsc, fixedNow); got[2] != "DSC" || got[5] != "8" || got[6] != "2/95" || got[8] != "-" {
		t.Errorf("DSC panel: %q", got)
	}
	// Nothing connects to a guided panel: its connection is not missing.
	dsc.p.Driver = "guided"
	if got := panelCells(dsc, fixedNow); got[panelConnCol] != "keypad only" || panelTones(dsc)[panelConnCol] != grid.ToneNone {
		t.Errorf("guided panel: %q", got)
	}
	if n := len(panelCells(dsc, fixedNow)); n != len(panelCols) {
		t.Errorf("%d cells for %d columns", n, len(panelCols))
	}
}

func TestAccountCells(t *testing.T) {
	a := store.Account{Email: "ana.active@example.com", Status: store.StatusActive, Created: fixedNow, Links: []store.UserRef{{Panel: 1, Slot: 2}, {Panel: 2, Slot: 7}}}
	// 003's created time ("4:24:55 PM Wed 13 May, 2026") on the 24-hour clock.
	want := []string{"ana.active@example.com", "Active", "2026-05-13 16:24:55", "2"}
	if got := accountCells(a); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	b := store.Account{Email: "fay.fresh@example.com", Status: store.StatusNotConfirmed}
	want = []string{"fay.fresh@example.com", "Not confirmed", "-", "0"}
	if got := accountCells(b); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if n := len(accountCells(a)); n != len(accountCols) {
		t.Errorf("%d cells for %d columns", n, len(accountCols))
	}
}

func TestLogCells(t *testing.T) {
	e := store.Entry{Seq: 42, Time: fixedNow, Operator: "admin", Action: "user.set-code", Place: "panel 1 (Main building) user 5", Result: "ok"}
	want := []string{"42", "2026-05-13 16:24", "admin", "user.set-code", "panel 1 (Main building) user 5", "ok"}
	if got := logCells(e); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	e.Result = "refused: the code is already used"
	if got := logCells(e); got[5] != e.Result {
		t.Errorf("refusal result: %q", got[5])
	}
	if n := len(logCells(e)); n != len(logCols) {
		t.Errorf("%d cells for %d columns", n, len(logCols))
	}
}

func TestLockCells(t *testing.T) {
	main := store.Panel{ID: 1, Name: "Main building"}
	seen := fixedNow
	tests := []struct {
		name     string
		l        store.Lock
		job      *store.Job
		battery  string
		sync     string
		tones    map[int]grid.Tone
		batField string
	}{
		{"low battery", store.Lock{Battery: 15, LastSeen: seen, State: store.LockLocked}, nil, "15% low", "-",
			map[int]grid.Tone{lockBatteryCol: grid.ToneWarn}, "low 015%"},
		{"just under", store.Lock{Battery: 19, LastSeen: seen, State: store.LockLocked}, nil, "19% low", "-",
			map[int]grid.Tone{lockBatteryCol: grid.ToneWarn}, "low 019%"},
		{"at the limit", store.Lock{Battery: 20, LastSeen: seen, State: store.LockLocked}, nil, "20%", "-", nil, "ok 020%"},
		{"jammed", store.Lock{Battery: 80, LastSeen: seen, State: store.LockJammed}, nil, "80%", "-",
			map[int]grid.Tone{lockStateCol: grid.ToneBad}, "ok 080%"},
		{"never reported", store.Lock{State: store.LockUnknown}, nil, "-", "-",
			map[int]grid.Tone{lockStateCol: grid.ToneDim}, "unknown"},
		{"unlocking", store.Lock{Battery: 80, LastSeen: seen, State: store.LockLocked, Sync: store.Sync{State: store.SyncPending, Job: 9}},
			&store.Job{Op: store.OpUnlock}, "80%", "unlocking…", nil, "ok 080%"},
		{"locking offline", store.Lock{Battery: 80, LastSeen: seen, State: store.LockUnlocked, Sync: store.Sync{State: store.SyncPending, Job: 9, Reason: "device offline: timeout"}},
			&store.Job{Op: store.OpLock}, "80%", "locking: device offline…", map[int]grid.Tone{lockSyncCol: grid.ToneWarn}, "ok 080%"},
		{"failed", store.Lock{Battery: 80, LastSeen: seen, State: store.LockLocked, Sync: store.Sync{State: store.SyncFailed, Job: 9, Reason: "lock not answering"}},
			nil, "80%", "failed: lock not answering", map[int]grid.Tone{lockSyncCol: grid.ToneBad}, "ok 080%"},
	}
	for _, tc := range tests {
		l := tc.l
		l.ID, l.Name, l.Model, l.Panel, l.Users, l.Tags = 1, "Front door", store.ModelYaleL3, 1, []int{2, 3}, []string{"90:324"}
		r := lockRow{l: l, panel: main, job: tc.job}
		want := []string{"1", "Front door", "Yale L3", "Main building", string(l.State), tc.battery, "2", "1", tc.sync}
		if got := lockCells(r); !slices.Equal(got, want) {
			t.Errorf("%s: got %q\nwant %q", tc.name, got, want)
		}
		tones := lockTones(r)
		for i, tone := range tones {
			if tone != tc.tones[i] {
				t.Errorf("%s: column %d tone %d, want %d", tc.name, i, tone, tc.tones[i])
			}
		}
		if got, _ := lockField(r, "battery"); got != tc.batField {
			t.Errorf("%s: battery field %q, want %q", tc.name, got, tc.batField)
		}
	}
	if n := len(lockCells(lockRow{})); n != len(lockCols) {
		t.Errorf("%d cells for %d columns", n, len(lockCols))
	}
	// The panel and model filter on their full names.
	r := lockRow{l: store.Lock{Model: store.ModelYaleL2}, panel: main}
	if v, _ := lockField(r, "model"); v != "yale doorman l2" {
		t.Errorf("model field %q", v)
	}
	if v, _ := lockField(r, "panel"); v != "main building" {
		t.Errorf("panel field %q", v)
	}
}

func TestTagCells(t *testing.T) {
	main := store.Panel{ID: 1, Name: "Main building"}
	front := store.Lock{ID: 4, Name: "Front door", Panel: 1}
	tests := []struct {
		r    tagRow
		want []string
	}{
		{tagRow{t: store.Tag{ID: "04A1B2C3", Kind: store.TagKeypad, Panel: 1, Slot: 2, Status: store.TagActive, Enrolled: fixedNow},
			panel: main, owner: store.PanelUser{Slot: 2, Label: "Reception"}, hasOwner: true},
			[]string{"04A1B2C3", "keypad", "2 · Reception", "Main building", "active", "2026-05-13 16:24", "-"}},
		{tagRow{t: store.Tag{ID: "90:324", Kind: store.TagLock, Panel: 1, Slot: 3, Lock: 4, Status: store.TagDisabled, Enrolled: fixedNow,
			Sync: store.Sync{State: store.SyncPending, Job: 7}}, panel: main, lock: front},
			[]string{"90:324", "door-lock", "3", "Front door", "disabled", "2026-05-13 16:24", "pending"}},
		{tagRow{t: store.Tag{ID: "12:40112", Kind: store.TagKeypad, Panel: 2, Status: store.TagLost, Enrolled: fixedNow}},
			[]string{"12:40112", "keypad", "unassigned", "panel 2", "lost", "2026-05-13 16:24", "-"}},
	}
	for _, tc := range tests {
		if got := tagCells(tc.r); !slices.Equal(got, tc.want) {
			t.Errorf("got %q\nwant %q", got, tc.want)
		}
	}
	if n := len(tagCells(tagRow{})); n != len(tagCols) {
		t.Errorf("%d cells for %d columns", n, len(tagCols))
	}
	if tones := tagTones(tests[2].r); tones[tagOwnerCol] != grid.ToneDim || tones[tagStatusCol] != grid.ToneWarn {
		t.Errorf("a lost tag nobody holds: tones %v", tones)
	}
}

func TestPartitionCells(t *testing.T) {
	r := partitionRow{p: store.Partition{Panel: 1, Number: 2, Label: "Server room", State: store.ArmedAway}, holders: 100}
	want := []string{"2", "Server room", "armed away", "100", "-"}
	if got := partitionCells(r); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	pending := store.Sync{State: store.SyncPending, Job: 9}
	for _, tc := range []struct {
		sync store.Sync
		job  *store.Job
		want string
	}{
		{pending, &store.Job{Op: store.OpArm, Mode: store.ArmAway}, "arming away…"},
		{pending, &store.Job{Op: store.OpArm, Mode: store.ArmStay}, "arming stay…"},
		{pending, &store.Job{Op: store.OpDisarm}, "disarming…"},
		{store.Sync{State: store.SyncPending, Job: 9, Reason: "device offline: timeout"}, &store.Job{Op: store.OpDisarm}, "disarming: device offline…"},
		{pending, nil, "pending"},
		{store.Sync{State: store.SyncFailed, Job: 9, Reason: store.StaleReason}, nil, "failed: " + store.StaleReason},
		{store.Sync{State: store.SyncKeypad, Job: 9}, &store.Job{Op: store.OpArm, Mode: store.ArmAway}, "keypad steps"},
		{store.Sync{State: store.SyncInSync, Job: 9}, nil, "in sync"},
	} {
		r.p.Sync, r.job = tc.sync, tc.job
		if got := partitionCells(r)[4]; got != tc.want {
			t.Errorf("%v with %v: %q, want %q", tc.sync, tc.job, got, tc.want)
		}
	}
	if n := len(partitionCells(r)); n != len(partitionCols) {
		t.Errorf("%d cells for %d columns", n, len(partitionCols))
	}
}

// The created date follows the local zone; TestMain pins it to UTC, and a
// time in another zone is shown converted, on the 24-hour clock.
func TestAccountTimeIsLocal(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	if got := accountTime(fixedNow.In(cet)); got != "2026-05-13 16:24:55" {
		t.Errorf("accountTime = %q", got)
	}
}

func TestKeymap(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		km, err := newKeymap(nil)
		check(t, err)
		for _, tc := range []struct {
			scope screenID
			key   string
			want  ActionID
		}{
			{scrUsers, "c", ActUserCode}, {scrUsers, "l", ActUserLabel}, {scrPartitions, "l", ActPartitionLabel},
			{scrUsers, "q", ActQuit}, {scrAccounts, "ctrl+c", ActQuit}, {scrLog, "pgdown", ActPageNext},
			{scrAccounts, "n", ActCreateAccount}, {scrPanels, "enter", ActOpen}, {scrUsers, "2", "screen.users"},
			{scrOperators, "n", ActOpAdd}, {scrOperators, "r", ActOpRoles}, {scrRoles, "n", ActRoleAdd}, {scrRoles, "r", ActRolesBack},
			{scrLog, "8", "screen.operators"},
		} {
			if a, ok := km.lookup(tc.scope, tc.key); !ok || a.ID != tc.want {
				t.Errorf("%s %q → %q %v, want %q", tc.scope, tc.key, a.ID, ok, tc.want)
			}
		}
		if _, ok := km.lookup(scrPanels, "c"); ok {
			t.Error("c does something on the Panels screen")
		}
		// The Operators tab's two views offer one scope's keys at a time.
		ops := newOperatorsScreen(&common{keys: km})
		if a, ok := km.lookupAmong(ops.actions(), "n"); !ok || a.ID != ActOpAdd {
			t.Errorf("n among the operators' actions → %q %v", a.ID, ok)
		}
		ops.rolesView = true
		if a, ok := km.lookupAmong(ops.actions(), "n"); !ok || a.ID != ActRoleAdd {
			t.Errorf("n among the roles' actions → %q %v", a.ID, ok)
		}
		// Screens that offer another scope's actions find them among their own.
		if a, ok := km.lookupAmong([]ActionID{ActCreateAccount, ActRemoveAccount}, "R"); !ok || a.ID != ActRemoveAccount {
			t.Errorf("R among the Accounts actions → %q %v", a.ID, ok)
		}
	})
	t.Run("remap", func(t *testing.T) {
		km, err := newKeymap(map[string][]string{"user.code": {"e", "f2"}, "quit": {"ctrl+q"}})
		check(t, err)
		if a, ok := km.lookup(scrUsers, "e"); !ok || a.ID != ActUserCode {
			t.Errorf("e → %q %v", a.ID, ok)
		}
		if a, ok := km.lookup(scrUsers, "f2"); !ok || a.ID != ActUserCode {
			t.Errorf("f2 → %q %v", a.ID, ok)
		}
		if _, ok := km.lookup(scrUsers, "c"); ok {
			t.Error("c still sets the code after the remap")
		}
		if _, ok := km.lookup(scrUsers, "q"); ok {
			t.Error("q still quits after the remap")
		}
		if km.keyLabel(ActUserCode) != "e" || km.keyLabel(ActQuit) != "ctrl+q" {
			t.Errorf("hints show %q and %q", km.keyLabel(ActUserCode), km.keyLabel(ActQuit))
		}
	})
	for _, tc := range []struct {
		name      string
		overrides map[string][]string
		want      string
	}{
		{"unknown ID", map[string][]string{"user.nope": {"z"}}, `keys: unknown action "user.nope"`},
		{"duplicate key in one scope", map[string][]string{"user.label": {"c"}}, `keys: "c" is bound to both user.code and user.label`},
		{"duplicate global key", map[string][]string{"help": {"q"}}, `keys: "q" is bound to both quit and help`},
		{"screen key shadowing a global key", map[string][]string{"user.code": {"q"}}, `keys: "q" is bound to both quit and user.code`},
		{"screen key shadowing a tab key", map[string][]string{"account.create": {"3"}}, `keys: "3" is bound to both screen.partitions and account.create`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newKeymap(tc.overrides)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("newKeymap(%v) = %v, want %q", tc.overrides, err, tc.want)
			}
		})
	}
	t.Run("the same key on two screens is fine", func(t *testing.T) {
		if _, err := newKeymap(map[string][]string{"account.suspend": {"x"}}); err != nil {
			t.Fatalf("x for suspend (Accounts) next to x for disable (Users): %v", err)
		}
	})
}

// TestNewRefusesBadKeys checks that a bad [keys] section stops the console
// before it starts, with the keymap's message.
func TestNewRefusesBadKeys(t *testing.T) {
	_, err := New(Options{Keys: map[string][]string{"user.nope": {"z"}}, Now: fixedClock, Environ: []string{}})
	if err == nil || !strings.Contains(err.Error(), `unknown action "user.nope"`) {
		t.Fatalf("New with an unknown action: %v", err)
	}
}

// TestRegistry checks the registry's own consistency: IDs unique, every
// screen action scoped, every destructive action also a write, every
// "field:value" example in the filter help a real column of a grid.
func TestRegistry(t *testing.T) {
	seen := map[ActionID]bool{}
	for _, a := range registry {
		if seen[a.ID] {
			t.Errorf("action %s registered twice", a.ID)
		}
		seen[a.ID] = true
		if a.Short == "" || a.Long == "" || len(a.Keys) == 0 {
			t.Errorf("action %s lacks a hint, a help text or a key", a.ID)
		}
		if a.Destroys && !a.Writes {
			t.Errorf("action %s destroys but is not marked as a write", a.ID)
		}
	}
	keys := map[string]bool{}
	for _, cols := range [][]grid.Column{userCols, panelCols, partitionCols, lockCols, tagCols, accountCols, logCols, opCols, roleCols} {
		for _, c := range cols {
			keys[c.Key] = true
		}
	}
	keys["role"] = true // a filter key of the Users grid with no column of its own (SetFilterKeys)
	examples := regexp.MustCompile(`\((.*)\)`).FindStringSubmatch(keymapAction(t, ActFilter).Long)
	if examples == nil {
		t.Fatal("the filter help has no (examples)")
	}
	for _, m := range regexp.MustCompile(`\b([a-z]+):[a-z]+`).FindAllStringSubmatch(examples[1], -1) {
		if !keys[m[1]] {
			t.Errorf("the filter help shows %q, but no grid has a filter key %q", m[0], m[1])
		}
	}
}

func keymapAction(t *testing.T, id ActionID) Action {
	km, err := newKeymap(nil)
	check(t, err)
	return km.action(id)
}
