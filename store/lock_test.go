package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// lockFx is a store with a Neo panel (keypads with readers, door locks)
// whose users 2-5 have codes, and a Yale Doorman L3 on it.
type lockFx struct {
	*fx
	p    Panel
	lock Lock
}

func newLockFx(t *testing.T) *lockFx {
	f := newFx(t)
	p := f.panel("neo-hs2064")
	for slot, code := range map[int]string{2: "2580", 3: "3691", 4: "4826", 5: "5937"} {
		f.setCode(p, slot, code)
	}
	lf := &lockFx{fx: f, p: p}
	lf.lock = lf.addLock(Lock{Name: "Main entrance", Model: ModelYaleL3, Panel: p.ID})
	return lf
}

func (f *lockFx) at(t *testing.T) *lockFx {
	g := *f
	g.fx = f.fx.at(t)
	return &g
}

func (f *lockFx) addLock(l Lock) Lock {
	f.t.Helper()
	l, err := f.s.AddLock(f.admin, l)
	if err != nil {
		f.t.Fatalf("add lock %s: %v", l.Name, err)
	}
	return l
}

func (f *lockFx) getLock(id uint64) Lock {
	f.t.Helper()
	l, err := f.s.GetLock(f.admin, id)
	if err != nil {
		f.t.Fatalf("get lock %d: %v", id, err)
	}
	return l
}

// newestJob is the last job queued.
func (f *fx) newestJob() Job {
	f.t.Helper()
	jobs := f.rawJobs()
	if len(jobs) == 0 {
		f.t.Fatal("no jobs")
	}
	return jobs[len(jobs)-1]
}

func TestLockModels(t *testing.T) {
	for _, c := range []struct {
		in   string
		want LockModel
	}{{"Yale Doorman L2", ModelYaleL2}, {"yale doorman l3", ModelYaleL3}, {"l3", ModelYaleL3}, {" Z-Wave ", ModelZWave}, {"other", ModelOther}} {
		if got, err := ParseLockModel(c.in); err != nil || got != c.want {
			t.Errorf("ParseLockModel(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	_, err := ParseLockModel("Acme 9000")
	fxWant(t, err, ErrInvalid, `lock model "Acme 9000": choose Yale Doorman L2, Yale Doorman L3, Generic Z-Wave lock, Other`)
	for _, spec := range LockSpecs() {
		if spec.Tags != (spec.MaxTags > 0) || spec.Source == "" {
			t.Errorf("%s: tags %v with %d at most, source %q", spec.Model, spec.Tags, spec.MaxTags, spec.Source)
		}
		if spec.Model.Spec() != spec {
			t.Errorf("%s: Spec() differs from the table", spec.Model)
		}
	}
	if LockModel(ModelZWave).Spec().Tags || !LockModel(ModelYaleL2).Spec().Tags || !LockModel(ModelYaleL3).Spec().Tags {
		t.Error("only the Yale Doorman L2 and L3 read tags")
	}
}

func TestAddLock(t *testing.T) {
	f := newLockFx(t)
	l := f.lock
	if l.ID != 1 || l.Number != 1 || l.State != LockUnknown || l.BatteryKnown() || l.Unit != f.p.Unit || l.Created.IsZero() {
		t.Fatalf("added lock %+v", l)
	}
	e := f.lastLog()
	if e.Action != "lock.add" || e.Place != f.p.Label()+" lock 1 (Main entrance)" || e.After["number"] != "1" || e.After["model"] != string(ModelYaleL3) {
		t.Fatalf("log %+v", e)
	}
	guard := f.operator(RoleGuard)
	dsc := f.panel("dsc-pc1864")
	// The reported state is the lock's to give: what the caller says is ignored.
	second := f.addLock(Lock{Name: "Server room", Model: "l2", Panel: f.p.ID, State: LockUnlocked, Battery: 90, Users: []int{3, 2}})
	if second.Number != 2 || second.Model != ModelYaleL2 || second.State != LockUnknown || second.Battery != 0 || !slices.Equal(second.Users, []int{2, 3}) {
		t.Fatalf("second lock %+v", second)
	}
	cases := []struct {
		name  string
		actor Actor
		lock  Lock
		kind  error
		says  string
	}{
		{"no permission", guard, Lock{Name: "Gate", Model: ModelYaleL2, Panel: f.p.ID}, ErrPermission, `does not have the "manage locks and tags" permission`},
		{"panel family without locks", f.admin, Lock{Name: "Gate", Model: ModelYaleL2, Panel: dsc.ID}, ErrUnsupported, "(DSC PowerSeries PC1864) cannot have door locks: link the lock to a panel whose family drives door locks"},
		{"no such panel", f.admin, Lock{Name: "Gate", Model: ModelYaleL2, Panel: 99}, ErrNotFound, "no panel 99"},
		{"empty name", f.admin, Lock{Name: "  ", Model: ModelYaleL2, Panel: f.p.ID}, ErrInvalid, "lock name is empty: name the door or its location"},
		{"long name", f.admin, Lock{Name: strings.Repeat("x", 49), Model: ModelYaleL2, Panel: f.p.ID}, ErrInvalid, "keep it to 48"},
		{"control character", f.admin, Lock{Name: "Gate\x1b[2J", Model: ModelYaleL2, Panel: f.p.ID}, ErrInvalid, "control character"},
		{"no model", f.admin, Lock{Name: "Gate", Panel: f.p.ID}, ErrInvalid, `lock model "": choose`},
		{"unknown model", f.admin, Lock{Name: "Gate", Model: "Acme", Panel: f.p.ID}, ErrInvalid, `lock model "Acme": choose`},
		{"name taken on the panel", f.admin, Lock{Name: "main ENTRANCE", Model: ModelYaleL2, Panel: f.p.ID}, ErrDuplicate, `has a lock named "main ENTRANCE" already (lock 1 (Main entrance)): choose another name`},
		{"number taken", f.admin, Lock{Name: "Gate", Model: ModelYaleL2, Panel: f.p.ID, Number: 2}, ErrDuplicate, "lock number 2 of " + f.p.Label() + " is lock 2 (Server room) already: choose another number"},
		{"number out of range", f.admin, Lock{Name: "Gate", Model: ModelYaleL2, Panel: f.p.ID, Number: 256}, ErrInvalid, "a panel numbers its locks 1-255"},
		{"user without a code", f.admin, Lock{Name: "Gate", Model: ModelYaleL2, Panel: f.p.ID, Users: []int{9}}, ErrNoCode, "panel user 9 of " + f.p.Name + " has no code; set a code first"},
		{"user twice", f.admin, Lock{Name: "Gate", Model: ModelYaleL2, Panel: f.p.ID, Users: []int{2, 2}}, ErrState, "is assigned to lock 0 (Gate) already"},
		{"slot out of range", f.admin, Lock{Name: "Gate", Model: ModelYaleL2, Panel: f.p.ID, Users: []int{500}}, ErrNotFound, "user slots 1-95"},
		{"users on a lock that takes none", f.admin, Lock{Name: "Gate", Model: ModelOther, Panel: f.p.ID, Users: []int{2}}, ErrUnsupported, "which takes no panel users"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			before := f.logSeq()
			_, err := f.s.AddLock(c.actor, c.lock)
			fxWant(t, err, c.kind, c.says)
			if e := f.lastLog(); e.Seq != before+1 || !e.Refused() || e.Action != "lock.add" {
				t.Fatalf("refusal not logged: %+v", e)
			}
		})
	}
	if n := f.getLock(second.ID).Number; n != 2 {
		t.Fatalf("number %d", n)
	}
	// Number 0 takes the lowest free number.
	f.addLock(Lock{Name: "Number five", Model: ModelZWave, Panel: f.p.ID, Number: 5})
	if l := f.addLock(Lock{Name: "Gate", Model: ModelZWave, Panel: f.p.ID}); l.Number != 3 {
		t.Fatalf("free number: %d", l.Number)
	}
}

func TestEditAndRemoveLock(t *testing.T) {
	f := newLockFx(t)
	id := f.lock.ID
	fxWant(t, f.s.EditLock(f.admin, id, LockEdit{}), ErrInvalid, "nothing to change")
	fxWant(t, f.s.EditLock(f.admin, id, LockEdit{Name: "Front door", Model: "l2"}), nil)
	if l := f.getLock(id); l.Name != "Front door" || l.Model != ModelYaleL2 {
		t.Fatalf("edited %+v", l)
	}
	if e := f.lastLog(); e.Before["name"] != "Main entrance" || e.After["model"] != string(ModelYaleL2) {
		t.Fatalf("log %+v", e)
	}
	fxWant(t, f.s.AssignLockUser(f.admin, id, 2), nil)
	_, err := f.s.EnrolTag(f.admin, Tag{ID: "90:324", Kind: TagLock, Lock: id, Slot: 3})
	fxWant(t, err, nil)
	fxWant(t, f.s.EditLock(f.admin, id, LockEdit{Model: ModelOther}), ErrState, "has 1 user assigned and a lock of model Other takes 0: unassign users first")
	fxWant(t, f.s.EditLock(f.admin, id, LockEdit{Model: ModelZWave}), ErrState, "holds 1 tag and a lock of model Generic Z-Wave lock takes 0: free tags first")
	fxWant(t, f.s.EditLock(f.admin, id, LockEdit{Model: "Acme"}), ErrInvalid, `lock model "Acme"`)

	fxWant(t, f.s.RemoveLock(f.admin, id, false), ErrState, "lock 1 (Front door) has 1 user and 1 tag assigned: unassign them first, or remove it with force, which unassigns them")
	// The assignment on its way holds up neither a command nor the
	// removal; the command does hold up the removal.
	if l := f.getLock(id); l.Sync.State != SyncPending || f.s.CheckLock(f.admin, l, ActLockDoor) != nil {
		t.Fatalf("with the assignment pending: %+v", l.Sync)
	}
	fxWant(t, f.s.LockDoor(f.admin, id), nil)
	fxWant(t, f.s.RemoveLock(f.admin, id, true), ErrState, "a command for lock 1 (Front door) is still on its way (job")
	fxWant(t, f.s.CheckLock(f.admin, f.getLock(id), ActRemoveLock), ErrState, "unassign them first")
	f.finish(f.newestJob().Seq, JobResult{Driver: "sim", Verified: true})
	f.finish(f.getTag("90:324").Sync.Job, JobResult{Driver: "sim", Verified: true})

	jobsBefore := len(f.rawJobs())
	fxWant(t, f.s.RemoveLock(f.admin, id, true), nil)
	_, err = f.s.GetLock(f.admin, id)
	fxWant(t, err, ErrNotFound, "no lock 1 in your organization units")
	tag := f.getTag("90:324")
	if tag.Assigned() || tag.Lock != 0 || tag.Status != TagDisabled || tag.Sync.State != SyncPending {
		t.Fatalf("tag after force remove: %+v", tag)
	}
	jobs := f.rawJobs()
	if len(jobs) != jobsBefore+2 || jobs[len(jobs)-2].Op != OpRemoveTag || jobs[len(jobs)-2].LockNo != 1 || jobs[len(jobs)-2].Tag != "90:324" {
		t.Fatalf("jobs after force remove: %v", jobs[jobsBefore:])
	}
	if j := jobs[len(jobs)-1]; j.Op != OpLockUnassign || j.Lock != id || j.LockNo != 1 || j.Slot != 2 {
		t.Fatalf("unassign job after force remove: %+v", j)
	}
	if e := f.lastLog(); e.Action != "lock.remove" || e.Before["users"] != "2" || e.Before["tags"] != "90:324" {
		t.Fatalf("log %+v", e)
	}
	// The removed lock's jobs still finish, with nothing to show them on.
	f.finish(jobs[len(jobs)-2].Seq, JobResult{Driver: "sim", Verified: true})
	f.finish(jobs[len(jobs)-1].Seq, JobResult{Driver: "sim", Verified: true})
	if tag := f.getTag("90:324"); tag.Sync.State != SyncInSync {
		t.Fatalf("tag sync %v", tag.Sync)
	}
}

func TestAssignLockUser(t *testing.T) {
	f := newLockFx(t)
	id := f.lock.ID
	other := f.addLock(Lock{Name: "Bike store", Model: ModelOther, Panel: f.p.ID})
	fxWant(t, f.s.AssignLockUser(f.admin, id, 3), nil)
	fxWant(t, f.s.AssignLockUser(f.admin, id, 2), nil)
	if l := f.getLock(id); !slices.Equal(l.Users, []int{2, 3}) {
		t.Fatalf("users %v", l.Users)
	}
	if e := f.lastLog(); e.Action != "lock.assign" || e.Slot != 2 || e.Before["users"] != "3" || e.After["users"] != "2, 3" {
		t.Fatalf("log %+v", e)
	}
	cases := []struct {
		name string
		op   func() error
		kind error
		says string
	}{
		{"no code", func() error { return f.s.AssignLockUser(f.admin, id, 9) }, ErrNoCode, "cannot be assigned to lock 1 (Main entrance): panel user 9 of " + f.p.Name + " has no code; set a code first"},
		{"already", func() error { return f.s.AssignLockUser(f.admin, id, 2) }, ErrState, "panel user 2 of " + f.p.Name + " is assigned to lock 1 (Main entrance) already"},
		{"slot out of range", func() error { return f.s.AssignLockUser(f.admin, id, 96) }, ErrNotFound, "user slots 1-95"},
		{"model takes none", func() error { return f.s.AssignLockUser(f.admin, other.ID, 2) }, ErrUnsupported, "lock 2 (Bike store) is a lock of model Other, which takes no panel users"},
		{"no such lock", func() error { return f.s.AssignLockUser(f.admin, 42, 2) }, ErrNotFound, "no lock 42 in your organization units: see guardroom lock list"},
		{"unassign not assigned", func() error { return f.s.UnassignLockUser(f.admin, id, 4) }, ErrState, "panel user 4 of " + f.p.Name + " is not assigned to lock 1 (Main entrance)"},
		{"no permission", func() error { return f.s.UnassignLockUser(f.operator(RoleGuard), id, 2) }, ErrPermission, "manage locks and tags"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fxWant(t, c.op(), c.kind, c.says)
			if e := f.at(t).lastLog(); !e.Refused() {
				t.Fatalf("refusal not logged: %+v", e)
			}
		})
	}
	fxWant(t, f.s.UnassignLockUser(f.admin, id, 3), nil)
	if l := f.getLock(id); !slices.Equal(l.Users, []int{2}) {
		t.Fatalf("users %v", l.Users)
	}
	// Full: a Yale takes 20 users.
	for slot := 6; slot <= 25; slot++ {
		f.setCode(f.p, slot, fmt.Sprintf("%04d", 1000+slot*113))
		if slot < 25 {
			fxWant(t, f.s.AssignLockUser(f.admin, id, slot), nil)
		}
	}
	fxWant(t, f.s.AssignLockUser(f.admin, id, 25), ErrState, "lock 1 (Main entrance) has 20 users, the most a Yale Doorman L3 takes: unassign one first")
	fxWant(t, f.s.CheckLock(f.admin, f.getLock(id), ActAssignToLock), ErrState, "has 20 users")
}

func TestLockAndUnlockDoor(t *testing.T) {
	f := newLockFx(t)
	id := f.lock.ID
	sys := f.s.Internal("dispatch")
	fxWant(t, f.s.UnlockDoor(f.admin, id, "  "), ErrInvalid, "give the reason for unlocking the door: it is logged with the command")
	fxWant(t, f.s.UnlockDoor(f.admin, id, strings.Repeat("r", 201)), ErrInvalid, "keep it to 200")
	fxWant(t, f.s.UnlockDoor(f.admin, id, "one\ntwo"), ErrInvalid, "reason: control character U+000A is not allowed")
	fxWant(t, f.s.UnlockDoor(f.operator(RoleAuditor), id, "delivery"), ErrPermission, "lock/unlock doors")

	fxWant(t, f.s.UnlockDoor(f.admin, id, "delivery at the loading bay"), nil)
	j := f.newestJob()
	if j.Op != OpUnlock || j.Kind != JobDevice || j.Panel != f.p.ID || j.Lock != id || j.LockNo != 1 || j.State != JobPending {
		t.Fatalf("job %+v", j)
	}
	e := f.lastLog()
	if e.Action != "lock.unlock" || e.After["reason"] != "delivery at the loading bay" || e.After["requested"] != "unlocked" || e.Before["state"] != "unknown" {
		t.Fatalf("log %+v", e)
	}
	if l := f.getLock(id); l.Sync.State != SyncPending || l.Sync.Job != j.Seq {
		t.Fatalf("sync %v", l.Sync)
	}
	fxWant(t, f.s.LockDoor(f.admin, id), ErrState, fmt.Sprintf("a command for lock 1 (Main entrance) is still on its way (job %d): wait for it, or cancel it first", j.Seq))
	fxWant(t, f.s.CheckLock(f.admin, f.getLock(id), ActLockDoor), ErrState, "still on its way")
	if got := f.due(); got[len(got)-1].Seq != j.Seq {
		t.Fatalf("due %v", got)
	}

	f.finish(j.Seq, JobResult{Driver: "sim", Transport: "in-process", Verified: true})
	if l := f.getLock(id); l.State != LockUnlocked || l.Sync.State != SyncInSync {
		t.Fatalf("after unlock %+v", l)
	}
	if e := f.lastLog(); e.Action != "device.apply" || e.After["op"] != "unlock" || !strings.Contains(e.Place, "lock 1 (Main entrance)") {
		t.Fatalf("apply log %+v", e)
	}
	fxWant(t, f.s.UnlockDoor(f.admin, id, "again"), ErrState, "lock 1 (Main entrance) is unlocked already")

	// A refused lock command fails for good and is not retried; the next
	// command supersedes it.
	fxWant(t, f.s.LockDoor(f.admin, id), nil)
	lockJob := f.newestJob()
	f.finish(lockJob.Seq, JobResult{Driver: "sim", Err: "lock 1 battery is flat: replace its batteries", Permanent: true})
	if l := f.getLock(id); l.State != LockUnlocked || l.Sync.State != SyncFailed || !strings.Contains(l.Sync.Reason, "battery is flat") {
		t.Fatalf("after refusal %+v", l)
	}
	fxWant(t, f.s.RetryJob(f.admin, lockJob.Seq), ErrState, "is an old lock command: give the command again instead of retrying it")
	fxWant(t, f.s.LockDoor(f.admin, id), nil)
	if old, _ := f.s.GetJob(f.admin, lockJob.Seq); old.State != JobCancelled || !strings.Contains(old.LastError, "superseded by job") {
		t.Fatalf("old job %+v", old)
	}

	// Late commands are dropped, not applied.
	next := f.newestJob()
	f.clk.Advance(ArmTimeout + time.Second)
	if !next.Stale(f.clk.Now()) {
		t.Fatal("a lock command two minutes old is not stale")
	}
	fxWant(t, f.s.FinishJob(sys, next.Seq, JobResult{Err: "device offline", Driver: "sim"}), nil)
	if l := f.getLock(id); l.Sync.State != SyncFailed || l.Sync.Reason != StaleReason {
		t.Fatalf("stale %+v", l.Sync)
	}

	// Cancel shows on the lock.
	fxWant(t, f.s.LockDoor(f.admin, id), nil)
	c := f.newestJob()
	fxWant(t, f.s.CancelJob(f.admin, c.Seq), nil)
	if l := f.getLock(id); l.Sync.State != SyncCancelled {
		t.Fatalf("cancelled %+v", l.Sync)
	}

	// A jammed lock takes no command until it reports another state.
	fxWant(t, f.s.ReportLocks(sys, f.p.ID, []LockReport{{Number: 1, State: LockJammed, Battery: 80}}), nil)
	fxWant(t, f.s.LockDoor(f.admin, id), ErrState, "lock 1 (Main entrance) is jammed: free the bolt at the door")
	fxWant(t, f.s.CheckLock(f.admin, f.getLock(id), ActUnlockDoor), ErrState, "is jammed")
}

func TestReportLocks(t *testing.T) {
	f := newLockFx(t)
	sys := f.s.Internal("dispatch")
	second := f.addLock(Lock{Name: "Server room", Model: ModelYaleL2, Panel: f.p.ID})
	fxWant(t, f.s.ReportLocks(f.admin, f.p.ID, nil), ErrPermission, "only guardroom's own dispatcher")

	start := f.logSeq()
	fxWant(t, f.s.ReportLocks(sys, f.p.ID, []LockReport{{Number: 1, State: LockLocked, Battery: 88}, {Number: 2, State: LockLocked, Battery: 14}, {Number: 9, State: LockJammed}}), nil)
	l1, l2 := f.getLock(f.lock.ID), f.getLock(second.ID)
	if l1.State != LockLocked || l1.Battery != 88 || l1.LowBattery() || !l1.LastSeen.Equal(f.clk.Now()) {
		t.Fatalf("lock 1 %+v", l1)
	}
	if l2.Battery != 14 || !l2.LowBattery() {
		t.Fatalf("lock 2 %+v", l2)
	}
	es := f.log()[:f.logSeq()-start]
	var got []string
	for _, e := range es {
		got = append(got, e.Action+" "+e.Place+" "+formatChangeForTest(e)+" "+e.Result)
	}
	slices.Reverse(got)
	want := []string{
		"lock.state " + f.p.Label() + " lock 1 (Main entrance) unknown→locked reported by the lock",
		"lock.state " + f.p.Label() + " lock 2 (Server room) unknown→locked reported by the lock",
		"lock.battery " + f.p.Label() + " lock 2 (Server room) unknown→14% low battery: replace the lock's batteries",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c, err := f.s.LockAlerts(f.admin); err != nil || c != (LockAlerts{LowBattery: 1}) {
		t.Fatalf("alerts %+v %v", c, err)
	}

	// The same report again writes nothing; a minute later it refreshes
	// the last answer without a log entry; the battery stays flagged once.
	seq := f.logSeq()
	f.clk.Advance(30 * time.Second)
	fxWant(t, f.s.ReportLocks(sys, f.p.ID, []LockReport{{Number: 1, State: LockLocked, Battery: 88}, {Number: 2, State: LockLocked, Battery: 14}}), nil)
	if l := f.getLock(f.lock.ID); !l.LastSeen.Equal(f.clk.Now().Add(-30*time.Second)) || f.logSeq() != seq {
		t.Fatalf("an unchanged report wrote: %+v", l)
	}
	f.clk.Advance(31 * time.Second)
	fxWant(t, f.s.ReportLocks(sys, f.p.ID, []LockReport{{Number: 1, State: LockJammed, Battery: 87}, {Number: 2, State: LockLocked, Battery: 13}}), nil)
	if l := f.getLock(second.ID); !l.LastSeen.Equal(f.clk.Now()) || l.Battery != 13 {
		t.Fatalf("refresh %+v", l)
	}
	if f.logSeq() != seq+1 || f.lastLog().After["state"] != "jammed" {
		t.Fatalf("log after the jam: %+v", f.lastLog())
	}
	if c, _ := f.s.LockAlerts(f.admin); c != (LockAlerts{Jammed: 1, LowBattery: 1}) {
		t.Fatalf("alerts %+v", c)
	}
}

func formatChangeForTest(e Entry) string {
	for k, v := range e.After {
		return e.Before[k] + "→" + v
	}
	return ""
}

func TestCheckLockMatchesTheOperation(t *testing.T) {
	f := newLockFx(t)
	l := f.getLock(f.lock.ID)
	fxWant(t, f.s.CheckLock(f.admin, l, ActLockDoor), nil)
	fxWant(t, f.s.CheckLock(f.admin, l, ActRemoveLock), nil)
	fxWant(t, f.s.CheckLock(f.operator(RoleAuditor), l, ActLockDoor), ErrPermission, "lock/unlock doors")
	fxWant(t, f.s.CheckLock(f.operator(RoleGuard), l, ActLockDoor), nil)
	fxWant(t, f.s.CheckLock(f.operator(RoleGuard), l, ActRemoveLock), ErrPermission, "manage locks and tags")
	fxWant(t, f.s.AssignLockUser(f.admin, l.ID, 2), nil)
	l = f.getLock(l.ID)
	fxWant(t, f.s.CheckLock(f.admin, l, ActRemoveLock), ErrState, "has 1 user and 0 tags assigned")
	fxWant(t, f.s.RemoveLock(f.admin, l.ID, false), ErrState, "has 1 user and 0 tags assigned")
	fxWant(t, f.s.CheckLock(f.admin, l, "paint"), ErrInvalid, "unknown action")
}

func TestFindLock(t *testing.T) {
	f := newLockFx(t)
	other := f.panel("qolsys-iq4")
	f.addLock(Lock{Name: "Gate", Model: ModelZWave, Panel: f.p.ID})
	f.addLock(Lock{Name: "Gate", Model: ModelZWave, Panel: other.ID})
	if l, err := f.s.FindLock(f.admin, "main ENTRANCE"); err != nil || l.ID != f.lock.ID {
		t.Fatalf("by name: %+v %v", l, err)
	}
	if l, err := f.s.FindLock(f.admin, "1"); err != nil || l.ID != f.lock.ID {
		t.Fatalf("by number: %+v %v", l, err)
	}
	_, err := f.s.FindLock(f.admin, "gate")
	fxWant(t, err, ErrInvalid, `2 locks are named "gate": give the lock's number`)
	_, err = f.s.FindLock(f.admin, "Back door")
	fxWant(t, err, ErrNotFound, `no lock "Back door"`)
}

// TestLockUserJobs: assigning and unassigning queue a job carrying the
// lock and the slot (never a code), with the lock's Sync pending until the
// dispatcher finishes it; a failed one is retried like a user job, not
// dropped as late; a failed job of another user is not superseded.
func TestLockUserJobs(t *testing.T) {
	f := newLockFx(t)
	id := f.lock.ID
	sys := f.s.Internal("dispatch")
	fxWant(t, f.s.AssignLockUser(f.admin, id, 2), nil)
	j := f.newestJob()
	if j.Op != OpLockAssign || j.Kind != JobDevice || j.Panel != f.p.ID || j.Lock != id || j.LockNo != 1 || j.Slot != 2 || j.Code != "" || j.State != JobPending {
		t.Fatalf("job %+v", j)
	}
	if l := f.getLock(id); l.Sync != (Sync{State: SyncPending, Job: j.Seq}) {
		t.Fatalf("sync %+v", l.Sync)
	}
	if got := j.String(); got != fmt.Sprintf("job %d lock-assign panel %d lock %d user 2: pending", j.Seq, f.p.ID, id) {
		t.Fatalf("String %q", got)
	}
	f.finish(j.Seq, JobResult{Driver: "sim", Verified: true})
	if l := f.getLock(id); l.Sync.State != SyncInSync || l.State != LockUnknown {
		t.Fatalf("after finish %+v", l)
	}
	if e := f.lastLog(); e.Action != "device.apply" || e.After["op"] != "lock-assign" || !strings.Contains(e.Place, "lock 1 (Main entrance) user 2") {
		t.Fatalf("apply log %+v", e)
	}

	// Late: an assignment is no guard's command and is not dropped.
	fxWant(t, f.s.AssignLockUser(f.admin, id, 3), nil)
	a3 := f.newestJob()
	f.clk.Advance(ArmTimeout + time.Minute)
	fxWant(t, f.s.FinishJob(sys, a3.Seq, JobResult{Driver: "sim", Err: "device offline"}), nil)
	if got, _ := f.s.GetJob(f.admin, a3.Seq); got.State != JobPending || got.Attempts != 1 {
		t.Fatalf("late assignment %+v", got)
	}
	fxWant(t, f.s.FinishJob(sys, a3.Seq, JobResult{Driver: "sim", Err: "slot 3 has no code", Permanent: true}), nil)
	if l := f.getLock(id); l.Sync.State != SyncFailed || l.Sync.Job != a3.Seq {
		t.Fatalf("failed %+v", l.Sync)
	}
	// Another user's change does not supersede it; retrying it does work.
	fxWant(t, f.s.UnassignLockUser(f.admin, id, 2), nil)
	u2 := f.newestJob()
	if u2.Op != OpLockUnassign || u2.Slot != 2 {
		t.Fatalf("unassign job %+v", u2)
	}
	if got, _ := f.s.GetJob(f.admin, a3.Seq); got.State != JobFailed {
		t.Fatalf("user 3's failed job after user 2's change: %+v", got)
	}
	f.finish(u2.Seq, JobResult{Driver: "sim", Verified: true})
	fxWant(t, f.s.RetryJob(f.operator(RoleGuard), a3.Seq), ErrPermission, "manage locks and tags")
	fxWant(t, f.s.RetryJob(f.admin, a3.Seq), nil)
	if l := f.getLock(id); l.Sync != (Sync{State: SyncPending, Job: a3.Seq}) {
		t.Fatalf("retried %+v", l.Sync)
	}
	f.finish(a3.Seq, JobResult{Driver: "sim", Verified: true})
	if l := f.getLock(id); l.Sync.State != SyncInSync || !slices.Equal(l.Users, []int{3}) {
		t.Fatalf("after the retry %+v", l)
	}
	// A failed assignment is superseded by the same user's unassignment:
	// retrying it would undo the later change.
	fxWant(t, f.s.AssignLockUser(f.admin, id, 2), nil)
	a2 := f.newestJob()
	f.finish(a2.Seq, JobResult{Driver: "sim", Err: "lock 1 has 40 users", Permanent: true})
	fxWant(t, f.s.UnassignLockUser(f.admin, id, 2), nil)
	if got, _ := f.s.GetJob(f.admin, a2.Seq); got.State != JobCancelled || !strings.Contains(got.LastError, "superseded by job") {
		t.Fatalf("superseded %+v", got)
	}
	f.finish(f.newestJob().Seq, JobResult{Driver: "sim", Err: "refused", Permanent: true})
	fxWant(t, f.s.AssignLockUser(f.admin, id, 4), nil)
	f.finish(f.newestJob().Seq, JobResult{Driver: "sim", Verified: true})
	fxWant(t, f.s.CancelJob(f.admin, f.getLock(id).Sync.Job), ErrState, "nothing to cancel")

	// Cancelling a pending one shows on the lock.
	fxWant(t, f.s.UnassignLockUser(f.admin, id, 4), nil)
	c := f.newestJob()
	fxWant(t, f.s.CancelJob(f.admin, c.Seq), nil)
	if l := f.getLock(id); l.Sync.State != SyncCancelled || l.Sync.Job != c.Seq {
		t.Fatalf("cancelled %+v", l.Sync)
	}
}
