package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// due returns the dispatcher's due jobs, failing the test on error.
func (f *fx) due() []Job {
	f.t.Helper()
	jobs, err := f.s.DueJobs(f.s.Internal("dispatch"), 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return jobs
}

func (f *fx) finish(seq uint64, r JobResult) {
	f.t.Helper()
	if err := f.s.FinishJob(f.s.Internal("dispatch"), seq, r); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fx) partition(p Panel, n int) Partition {
	f.t.Helper()
	parts, err := f.s.ListPartitions(f.admin, p.ID)
	if err != nil || len(parts) < n {
		f.t.Fatalf("partitions: %v", err)
	}
	return parts[n-1]
}

func TestArmDisarm(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2032")
	guard := f.operator(RoleGuard, RootUnit)
	auditor := f.operator(RoleAuditor, RootUnit)

	fxWant(t, f.s.Arm(auditor, p.ID, 1, ArmAway), ErrPermission, "arm/disarm")
	fxWant(t, f.s.Arm(guard, p.ID, 9, ArmAway), ErrNotFound, "partitions 1-4, not 9")
	fxWant(t, f.s.Arm(guard, p.ID, 1, "sideways"), ErrInvalid, "stay", "away")
	fxWant(t, f.s.Disarm(guard, p.ID, 1), ErrState, "disarmed already")

	fxWant(t, f.s.Arm(guard, p.ID, 1, ArmStay), nil)
	if e := f.lastLog(); e.Action != "partition.arm" || e.After["requested"] != string(ArmedStay) || e.Operator != guard.Name() {
		t.Errorf("arm log %+v", e)
	}
	fxWant(t, f.s.Disarm(guard, p.ID, 1), ErrState, "still on its way")
	jobs := f.due()
	if len(jobs) != 1 || jobs[0].Op != OpArm || jobs[0].Partition != 1 || jobs[0].Mode != ArmStay {
		t.Fatalf("arm job %v", jobs)
	}
	if part := f.partition(p, 1); part.State != Disarmed || part.Sync.State != SyncPending {
		t.Errorf("before the panel answers: %+v", part)
	}
	f.finish(jobs[0].Seq, JobResult{Driver: "sim", Verified: true})
	if part := f.partition(p, 1); part.State != ArmedStay || part.Sync.State != SyncInSync {
		t.Errorf("after the panel armed: %+v", part)
	}

	// A disarm the panel cannot take in time is dropped, not applied late.
	fxWant(t, f.s.Disarm(guard, p.ID, 1), nil)
	jobs = f.due()
	f.finish(jobs[0].Seq, JobResult{Driver: "sim", Err: "device offline"})
	f.clk.Advance(ArmTimeout + time.Second)
	if !f.due()[0].Stale(f.clk.Now()) {
		t.Fatal("an old disarm job is not stale")
	}
	f.finish(jobs[0].Seq, JobResult{Driver: "sim", Err: "device offline"})
	part := f.partition(p, 1)
	if part.State != ArmedStay || part.Sync.State != SyncFailed || !strings.Contains(part.Sync.Reason, "give it again") {
		t.Errorf("stale disarm: %+v", part)
	}
	fxWant(t, f.s.RetryJob(f.admin, jobs[0].Seq), ErrState, "give the command again")
	// The partition is free for a new command.
	fxWant(t, f.s.Disarm(guard, p.ID, 1), nil)
}

func TestReportPartitionsAndConnection(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2016")
	sys := f.s.Internal("dispatch")
	before := f.logSeq()
	if err := f.s.ReportPartitions(sys, p.ID, []PartitionReport{{1, Disarmed}, {2, Disarmed}}); err != nil {
		t.Fatal(err)
	}
	if f.logSeq() != before {
		t.Error("an unchanged report was logged")
	}
	if err := f.s.ReportPartitions(sys, p.ID, []PartitionReport{{1, Alarm}, {2, Disarmed}, {7, Alarm}}); err != nil {
		t.Fatal(err)
	}
	if e := f.lastLog(); e.Action != "partition.state" || e.After["state"] != string(Alarm) || !strings.Contains(e.Place, "partition 1") {
		t.Errorf("alarm log %+v", e)
	}
	if f.partition(p, 1).State != Alarm {
		t.Error("alarm not recorded")
	}
	if err := f.s.ReportPartitions(f.admin, p.ID, nil); err == nil {
		t.Error("an operator reported partition states")
	}

	on := ConnectionReport{Online: true, Driver: "sim", Transport: "in-process"}
	if err := f.s.ReportConnection(sys, p.ID, on); err != nil {
		t.Fatal(err)
	}
	if e := f.lastLog(); e.Action != "device.online" {
		t.Errorf("first contact not logged: %+v", e)
	}
	seq := f.logSeq()
	f.clk.Advance(10 * time.Second)
	f.s.ReportConnection(sys, p.ID, on)
	if f.logSeq() != seq {
		t.Error("a steady connection was logged")
	}
	off := ConnectionReport{Err: "device offline: check its power", Driver: "sim", Transport: "in-process"}
	f.s.ReportConnection(sys, p.ID, off)
	c := f.getPanel(p.ID).Conn
	if c.Online || c.LastError != off.Err || c.LastSeen.IsZero() || !c.Since.Equal(f.clk.Now()) {
		t.Errorf("offline connection %+v", c)
	}
	if e := f.lastLog(); e.Action != "device.offline" || !strings.Contains(e.Result, "check its power") {
		t.Errorf("offline log %+v", e)
	}

	// The mail server reports as panel 0.
	if err := f.s.ReportConnection(sys, 0, ConnectionReport{Err: "no SMTP server configured", Driver: "smtp"}); err != nil {
		t.Fatal(err)
	}
	if m, err := f.s.MailStatus(f.admin); err != nil || m.Online || m.LastError != "no SMTP server configured" {
		t.Errorf("mail status %+v %v", m, err)
	}
}

func TestSetPanelDevice(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2016")
	guard := f.operator(RoleGuard, RootUnit)
	d := DeviceConfig{Driver: "modbus", Address: "tcp://10.0.0.5:502", Options: map[string]string{"unit": "3"}}
	fxWant(t, f.s.SetPanelDevice(guard, p.ID, d), ErrPermission, "manage devices")
	fxWant(t, f.s.SetPanelDevice(f.admin, p.ID, DeviceConfig{Driver: "Mod Bus"}), ErrInvalid, "not a driver name")
	fxWant(t, f.s.SetPanelDevice(f.admin, p.ID, DeviceConfig{Driver: "modbus"}), ErrInvalid, "needs an address")
	fxWant(t, f.s.SetPanelDevice(f.admin, p.ID, DeviceConfig{Driver: "modbus", Address: "x", Options: map[string]string{"unit": "1\n2"}}), ErrInvalid, "driver option unit: control character U+000A is not allowed; type plain text")
	fxWant(t, f.s.SetPanelDevice(f.admin, p.ID, d), nil)
	got := f.getPanel(p.ID)
	if got.Driver != "modbus" || got.Address != d.Address || got.Options["unit"] != "3" {
		t.Errorf("device %+v", got)
	}
	if e := f.lastLog(); e.Action != "panel.device" || e.After["options"] != "unit=3" {
		t.Errorf("log %+v", e)
	}
	fxWant(t, f.s.SetPanelDevice(f.admin, p.ID, DeviceConfig{Driver: "guided"}), nil)
}

func TestDriftDetectAndResolve(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2016")
	sys := f.s.Internal("dispatch")
	f.setCode(p, 2, "4829", CodeOptions{Label: "Ana"})
	f.setCode(p, 3, "5937")
	f.setCode(p, 4, "6150")
	for i, j := range f.due() {
		f.finish(j.Seq, JobResult{Driver: "sim", Verified: true, CodeSerial: uint32(10 + i)})
	}
	if u := f.user(p, 2); u.DevSerial != 10 {
		t.Fatalf("serial after a verified write: %d", u.DevSerial)
	}
	inSync := []DeviceUser{
		{Slot: 2, CodeSet: true, Label: "Ana", Role: "User", Partitions: 1, CodeSerial: 10},
		{Slot: 3, CodeSet: true, Label: "User 3", Role: "User", Partitions: 1, CodeSerial: 11},
		{Slot: 4, CodeSet: true, Label: "User 4", Role: "User", Partitions: 1, CodeSerial: 12},
	}
	seq := f.logSeq()
	if n, err := f.s.ReportUsers(sys, p.ID, inSync); err != nil || n != 0 {
		t.Fatalf("in sync: %d drift, %v", n, err)
	}
	if f.logSeq() != seq {
		t.Error("a panel in sync was logged")
	}

	// At the keypad: user 2's code changed, user 3's cleared, a code set in
	// slot 5; on the panel user 4's label changed.
	drifted := []DeviceUser{
		{Slot: 2, CodeSet: true, Label: "Ana", Role: "User", Partitions: 1, CodeSerial: 13},
		{Slot: 4, CodeSet: true, Label: "Lobby", Role: "User", Partitions: 1, CodeSerial: 12},
		{Slot: 5, CodeSet: true, Label: "User 5", Role: "User", Partitions: 1, CodeSerial: 1},
	}
	n, err := f.s.ReportUsers(sys, p.ID, drifted)
	if err != nil || n != 4 {
		t.Fatalf("drift: %d, %v", n, err)
	}
	for slot, want := range map[int]string{2: "code changed at the panel", 3: "code cleared at the panel", 4: `label on the panel is "Lobby"`, 5: "a code was set at the panel"} {
		if u := f.user(p, slot); u.Sync.State != SyncDrift || u.Sync.Reason != want {
			t.Errorf("slot %d: %v, want drift %q", slot, u.Sync, want)
		}
	}
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Drift != 4 {
		t.Errorf("counts %+v", c)
	}
	if e := f.lastLog(); e.Action != "device.drift" || e.Slot != 5 {
		t.Errorf("drift log %+v", e)
	}
	// The same drift again is not logged again.
	seq = f.logSeq()
	f.s.ReportUsers(sys, p.ID, drifted)
	if f.logSeq() != seq {
		t.Error("the same drift was logged twice")
	}

	// Push cannot send a code guardroom does not keep.
	fxWant(t, f.s.ResolveDrift(f.admin, p.ID, 2, PushStore), ErrState, "does not keep codes", "set a new code")
	fxWant(t, f.s.ResolveDrift(f.admin, p.ID, 6, PushStore), ErrState, "does not drift")
	fxWant(t, f.s.ResolveDrift(f.operator(RoleGuard, RootUnit), p.ID, 4, PushStore), ErrPermission)
	// Push the label back; clear the keypad's code in slot 5.
	fxWant(t, f.s.ResolveDrift(f.admin, p.ID, 4, PushStore), nil)
	fxWant(t, f.s.ResolveDrift(f.admin, p.ID, 5, PushStore), nil)
	jobs := f.due()
	if len(jobs) != 2 || jobs[0].Op != OpSetLabel || jobs[0].Label != "User 4" || jobs[1].Op != OpClearCode || jobs[1].Slot != 5 {
		t.Fatalf("push jobs %v", jobs)
	}
	// Accept the cleared code of slot 3 and the changed code of slot 2.
	fxWant(t, f.s.ResolveDrift(f.admin, p.ID, 3, AcceptPanel), nil)
	fxWant(t, f.s.ResolveDrift(f.admin, p.ID, 2, AcceptPanel), nil)
	if u := f.user(p, 3); u.CodeSet || u.Sync.State != SyncInSync {
		t.Errorf("accepted clear: %v", u)
	}
	if u := f.user(p, 2); !u.CodeSet || u.DevSerial != 13 || u.Sync.State != SyncInSync {
		t.Errorf("accepted change: %v", u)
	}
	f.checkCodesSet(p, 2)
	// The old code of slot 2 is free again (the panel holds another one).
	fxWant(t, f.s.SetCode(f.admin, p.ID, 3, "4829", CodeOptions{}), nil)
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Drift != 0 {
		t.Errorf("drift left: %+v", c)
	}
}

func TestDriftSkipsChangesOnTheirWay(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2016")
	sys := f.s.Internal("dispatch")
	f.setCode(p, 2, "4829")
	// The job has not reached the panel: an empty slot is no drift.
	if n, _ := f.s.ReportUsers(sys, p.ID, nil); n != 0 {
		t.Errorf("pending change reported as drift")
	}
	j := f.due()[0]
	f.finish(j.Seq, JobResult{Driver: "sim", Err: "duplicate code", Permanent: true})
	if n, _ := f.s.ReportUsers(sys, p.ID, nil); n != 0 || f.user(p, 2).Sync.State != SyncFailed {
		t.Errorf("failed change turned into drift: %v", f.user(p, 2).Sync)
	}
	// Cancelled: the next poll tells.
	fxWant(t, f.s.CancelJob(f.admin, j.Seq), nil)
	if u := f.user(p, 2); u.Sync.State != SyncCancelled {
		t.Errorf("after cancel: %v", u.Sync)
	}
	if n, _ := f.s.ReportUsers(sys, p.ID, nil); n != 1 || f.user(p, 2).Sync.Reason != "code cleared at the panel" {
		t.Errorf("cancelled change not compared: %v", f.user(p, 2).Sync)
	}
}

func TestRetryCancelSupersede(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2016")
	f.setCode(p, 2, "4829")
	j := f.due()[0]
	f.finish(j.Seq, JobResult{Driver: "sim", Err: "slot locked at the keypad", Permanent: true})
	fxWant(t, f.s.RetryJob(f.operator(RoleGuard, RootUnit), j.Seq), ErrPermission)
	fxWant(t, f.s.SetLabel(f.admin, p.ID, 2, "Ana"), nil)
	fxWant(t, f.s.SetLabel(f.admin, p.ID, 2, "Ana B"), nil)
	// Failed jobs of a user are superseded by the next change: retrying the
	// old one would undo it.
	for _, r := range f.rawJobs() {
		if r.Seq == j.Seq && (r.State != JobCancelled || r.Code != "" || !strings.Contains(r.LastError, "superseded")) {
			t.Errorf("old job: %+v", r.redacted())
		}
	}
	fxWant(t, f.s.RetryJob(f.admin, j.Seq), ErrState, "only a failed job")

	f.setCode(p, 3, "5937")
	jobs := f.due()
	last := jobs[len(jobs)-1]
	f.finish(last.Seq, JobResult{Driver: "sim", Err: "refused", Permanent: true})
	fxWant(t, f.s.SetLabel(f.admin, p.ID, 3, "Bo"), nil)
	fxWant(t, f.s.RetryJob(f.admin, last.Seq), ErrState)

	f.setCode(p, 4, "6150", CodeOptions{Label: "Cy"})
	jobs = f.due()
	last = jobs[len(jobs)-1]
	f.finish(last.Seq, JobResult{Driver: "sim", Err: "refused", Permanent: true})
	fxWant(t, f.s.RetryJob(f.admin, last.Seq), nil)
	if e := f.lastLog(); e.Action != "job.retry" || e.Before["error"] != "refused" {
		t.Errorf("retry log %+v", e)
	}
	jobs = f.due()
	got := jobs[len(jobs)-1]
	if got.Seq != last.Seq || got.Code != "6150" || got.Label != "Cy" || got.Attempts != 0 {
		t.Errorf("retried job %v attempts %d", got, got.Attempts)
	}
	if u := f.user(p, 4); u.Sync.State != SyncPending {
		t.Errorf("retried user %v", u.Sync)
	}
	fxWant(t, f.s.CancelJob(f.admin, last.Seq), nil)
	fxWant(t, f.s.CancelJob(f.admin, last.Seq), ErrState, "nothing to cancel")
	fxWant(t, f.s.CancelJob(f.admin, 999), ErrNotFound)
}

func TestKeypadJobs(t *testing.T) {
	f := newFx(t)
	p := f.panel("dsc-pc1864")
	sys := f.s.Internal("dispatch")
	f.setCode(p, 2, "4829")
	f.setCode(p, 3, "5937")
	jobs := f.due()
	steps := []string{"Press [*] [5]", "Enter the master code", "Enter 02", "Enter the new code", "Press [#]"}
	fxWant(t, f.s.ParkJob(f.admin, jobs[0].Seq, steps, "guided"), ErrPermission)
	for _, j := range jobs {
		if err := f.s.ParkJob(sys, j.Seq, steps, "guided"); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.due()) != 0 {
		t.Error("jobs waiting for the keypad came back to the dispatcher")
	}
	if c, _ := f.s.SyncCounts(f.admin, p.ID); c.Keypad != 2 || c.Pending != 0 {
		t.Errorf("counts %+v", c)
	}
	if u := f.user(p, 2); u.Sync.State != SyncKeypad {
		t.Errorf("user %v", u.Sync)
	}
	got, err := f.s.GetJob(f.admin, jobs[0].Seq)
	if err != nil || len(got.Steps) != 5 || got.Code != "" {
		t.Fatalf("job as the console sees it: %+v %v", got, err)
	}
	fxWant(t, f.s.ConfirmJob(f.operator(RoleAuditor, RootUnit), jobs[0].Seq), ErrPermission)
	fxWant(t, f.s.ConfirmJob(f.admin, jobs[0].Seq), nil)
	u := f.user(p, 2)
	if u.Sync.State != SyncUnverified || !strings.Contains(u.Sync.Reason, "applied by operator admin, not verified by the panel") {
		t.Errorf("confirmed user %v", u.Sync)
	}
	e := f.lastLog()
	if e.Action != "job.confirm" || e.After["outcome"] != "unverified" || e.After["driver"] != "guided" || e.After["applied by"] != "admin" {
		t.Errorf("confirm log %+v", e)
	}
	fxWant(t, f.s.ConfirmJob(f.admin, jobs[0].Seq), ErrState, "nothing to confirm")
	for _, r := range f.rawJobs() {
		if r.Seq == jobs[0].Seq && (r.Code != "" || len(r.Steps) != 0) {
			t.Error("a confirmed job kept its code or steps")
		}
	}
	fxWant(t, f.s.CancelJob(f.admin, jobs[1].Seq), nil)
	if c, _ := f.s.SyncCounts(f.admin, p.ID); c.Keypad != 0 {
		t.Errorf("counts after cancel %+v", c)
	}
}

// TestMisconfiguredAndIdentityWarning: a device that is not what the
// settings say shows as misconfigured (not online), logged once; an
// identity that disagrees with the panel's settings leaves a warning on
// the panel, logged when it appears and when it ends.
func TestMisconfiguredAndIdentityWarning(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2016")
	sys := f.s.Internal("dispatch")
	bad := ConnectionReport{Misconfigured: true, Err: "no guardroom register map here: check options unit and base", Driver: "modbus", Transport: "tcp x"}
	for range 2 {
		if err := f.s.ReportConnection(sys, p.ID, bad); err != nil {
			t.Fatal(err)
		}
	}
	c := f.getPanel(p.ID).Conn
	if c.Online || !c.Misconfigured || c.LastError != bad.Err {
		t.Errorf("misconfigured connection %+v", c)
	}
	if e := f.lastLog(); e.Action != "device.misconfigured" || !strings.Contains(e.Result, "misconfigured: no guardroom register map here") {
		t.Errorf("misconfigured log %+v", e)
	}
	seq := f.logSeq()

	// Fixed, but the device has other figures than the settings.
	id := DeviceIdentity{Slots: p.Slots, CodeLength: 6, Partitions: p.Partitions() + 1}
	on := ConnectionReport{Online: true, Driver: "modbus", Transport: "tcp x", Identity: &id}
	if err := f.s.ReportConnection(sys, p.ID, on); err != nil {
		t.Fatal(err)
	}
	c = f.getPanel(p.ID).Conn
	want := fmt.Sprintf("the device takes 6-digit codes, the panel's settings %d-digit; the device has %d partitions, the panel's family %d", p.CodeLength, p.Partitions()+1, p.Partitions())
	if !c.Online || c.Misconfigured || !strings.Contains(c.Warning, want) {
		t.Errorf("connection %+v, want online with a warning %q", c, want)
	}
	if e := f.lastLog(); e.Action != "device.identity" || !strings.Contains(e.Result, "warning: ") || f.logSeq() != seq+2 {
		t.Errorf("warning log %+v (%d new entries, want online and the warning)", e, f.logSeq()-seq)
	}
	on.Identity = nil // not read this time: the warning stays
	f.s.ReportConnection(sys, p.ID, on)
	if c := f.getPanel(p.ID).Conn; c.Warning == "" || f.logSeq() != seq+2 {
		t.Errorf("a report without an identity: %+v, %d new entries", c, f.logSeq()-seq)
	}
	id = DeviceIdentity{Slots: p.Slots, CodeLength: p.CodeLength, Partitions: p.Partitions()}
	on.Identity = &id
	f.s.ReportConnection(sys, p.ID, on)
	if c := f.getPanel(p.ID).Conn; c.Warning != "" {
		t.Errorf("the identity agrees now, the warning stays: %q", c.Warning)
	}
	if e := f.lastLog(); e.Action != "device.identity" || !strings.HasPrefix(e.Result, "ok") {
		t.Errorf("the warning's end: %+v", e)
	}
}

// TestNextCommandNumber: a panel's command numbers go on from where they
// were after the store is reopened (a new process, or one after a kill),
// each panel counting on its own; only the dispatcher reserves them.
func TestNextCommandNumber(t *testing.T) {
	dir, key := t.TempDir(), make([]byte, KeySize)
	open := func() *Store {
		s, err := Open(Config{Dir: dir, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	sys := s.Internal("dispatch")
	for want := uint64(1); want <= 3; want++ {
		if n, err := s.NextCommandNumber(sys, 7); err != nil || n != want {
			t.Fatalf("number %d, %v; want %d", n, err, want)
		}
	}
	if n, err := s.NextCommandNumber(sys, 8); err != nil || n != 1 {
		t.Fatalf("another panel's first number %d, %v; want 1", n, err)
	}
	admin, err := s.Actor("admin", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.NextCommandNumber(admin, 7); !errors.Is(err, ErrPermission) {
		t.Fatalf("an operator reserved a number: %v", err)
	}
	s.Close()
	s = open()
	defer s.Close()
	if n, err := s.NextCommandNumber(s.Internal("dispatch"), 7); err != nil || n != 4 {
		t.Fatalf("after reopening: %d, %v; want 4", n, err)
	}
}

// The store says whether a panel is programmed by hand at its keypad, so
// no screen names the driver: a panel added without a driver is, and one
// given a programming interface is not, until it is guided again.
func TestKeypadOnly(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2016")
	steps := []struct {
		name string
		d    *DeviceConfig
		want bool
	}{
		{"added without a driver", nil, true},
		{"given a Modbus address", &DeviceConfig{Driver: "modbus", Address: "tcp://10.0.0.5:502"}, false},
		{"simulated", &DeviceConfig{Driver: "sim", Address: "gate"}, false},
		{"guided again", &DeviceConfig{Driver: "guided"}, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.d != nil {
				fxWant(t, f.s.SetPanelDevice(f.admin, p.ID, *st.d), nil)
			}
			if got := f.getPanel(p.ID).KeypadOnly(); got != st.want {
				t.Errorf("KeypadOnly() = %v, want %v", got, st.want)
			}
		})
	}
}

// storedJob reads a job's record as the store keeps it, secrets included.
func (f *fx) storedJob(seq uint64) Job {
	f.t.Helper()
	var j Job
	if err := f.s.db.View(func(txn *badger.Txn) error { return getJob(txn, seq, &j) }); err != nil {
		f.t.Fatal(err)
	}
	return j
}

func TestArmWithATypedCode(t *testing.T) {
	f := newFx(t)
	p := f.panel("dsc-pc1864", func(np *NewPanel) { np.CodeLength = 6 })
	guard := f.operator(RoleGuard, RootUnit)

	err := f.s.ArmWithCode(guard, p.ID, 1, ArmAway, "73a196")
	fxWant(t, err, ErrInvalid, "digits only")
	fxWant(t, f.s.ArmWithCode(guard, p.ID, 1, ArmAway, "7351"), ErrInvalid, "6 digits, got 4")
	// A code the panel knows is taken however easy it is to guess.
	fxWant(t, f.s.ArmWithCode(guard, p.ID, 1, ArmAway, "123456"), nil)
	e := f.lastLog()
	if e.Action != "partition.arm" || e.After["code"] != "typed" || strings.Contains(fmt.Sprint(e), "123456") {
		t.Errorf("log of an arming with a typed code: %+v", e)
	}
	jobs := f.due()
	if len(jobs) != 1 || jobs[0].Code != "123456" || jobs[0].Op != OpArm {
		t.Fatalf("the dispatcher's job: %v (code given: %v)", jobs, len(jobs) == 1 && jobs[0].Code != "")
	}
	f.finish(jobs[0].Seq, JobResult{Driver: "envisalink-dsc", Verified: true})
	if j := f.storedJob(jobs[0].Seq); j.State != JobDone || j.Code != "" {
		t.Errorf("the done job keeps its code (state %s, code kept: %v)", j.State, j.Code != "")
	}

	// A failed disarming drops the typed code too: a retry asks again.
	fxWant(t, f.s.DisarmWithCode(guard, p.ID, 1, "846203"), nil)
	jobs = f.due()
	if len(jobs) != 1 || jobs[0].Code != "846203" {
		t.Fatalf("disarm job: %v", jobs)
	}
	f.finish(jobs[0].Seq, JobResult{Driver: "envisalink-dsc", Err: "invalid access code (670)", Permanent: true})
	if j := f.storedJob(jobs[0].Seq); j.State != JobFailed || j.Code != "" {
		t.Errorf("the failed job keeps its code (state %s, code kept: %v)", j.State, j.Code != "")
	}
}

// A code the panel could not confirm (sent by keystrokes) is verified once
// the panel reports its user arming or disarming; nothing else moves.
func TestUsersSeenVerifyCodes(t *testing.T) {
	f := newFx(t)
	p := f.panel("dsc-pc1864")
	sys := f.s.Internal("dispatch")
	f.setCode(p, 2, "4829")
	f.setCode(p, 3, "5937")
	for _, j := range f.due() {
		f.finish(j.Seq, JobResult{Driver: "envisalink-dsc"}) // done, not verified
	}
	f.setCode(p, 4, "6048") // still pending
	fxWant(t, f.s.ReportUsersSeen(f.admin, p.ID, []UserSeen{{Slot: 2, Partition: 1}}), ErrPermission)
	before := f.lastLog().Seq
	fxWant(t, f.s.ReportUsersSeen(sys, p.ID, []UserSeen{{Slot: 2, Partition: 1, Armed: true}, {Slot: 4, Partition: 1}, {Slot: 2, Partition: 2}, {Slot: 9, Partition: 1}, {Slot: 999, Partition: 1}}), nil)
	if u := f.user(p, 2); u.Sync.State != SyncInSync {
		t.Errorf("user 2, seen arming: %v", u.Sync)
	}
	if u := f.user(p, 3); u.Sync.State != SyncUnverified {
		t.Errorf("user 3, not seen: %v", u.Sync)
	}
	if u := f.user(p, 4); u.Sync.State != SyncPending {
		t.Errorf("user 4, pending: %v", u.Sync)
	}
	es, _ := f.s.ListLog(f.admin, LogFilter{Action: "user.verified"})
	if len(es) != 1 || es[0].Seq <= before || es[0].Slot != 2 || es[0].After["verified by"] != "the panel saw user 2 arm partition 1 with this code" || es[0].Result != "reported by the panel" {
		t.Fatalf("log: %+v", es)
	}
	// Seen again: nothing left to verify, nothing logged.
	fxWant(t, f.s.ReportUsersSeen(sys, p.ID, []UserSeen{{Slot: 2, Partition: 1}}), nil)
	if es, _ := f.s.ListLog(f.admin, LogFilter{Action: "user.verified"}); len(es) != 1 {
		t.Errorf("%d verifications logged", len(es))
	}
}
