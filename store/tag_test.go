package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func (f *fx) getTag(id string) Tag {
	f.t.Helper()
	t, err := f.s.GetTag(f.admin, id)
	if err != nil {
		f.t.Fatalf("get tag %s: %v", id, err)
	}
	return t
}

func (f *fx) enrol(t Tag) Tag {
	f.t.Helper()
	t, err := f.s.EnrolTag(f.admin, t)
	if err != nil {
		f.t.Fatalf("enrol %s: %v", t.ID, err)
	}
	return t
}

func TestEnrolTag(t *testing.T) {
	f := newLockFx(t)
	// Any spelling of a card is stored under its one canonical ID.
	kp := f.enrol(Tag{ID: "04:a1:b2:c3:d4:e5:f6", Kind: TagKeypad, Panel: f.p.ID, Slot: 2})
	if kp.ID != "04A1B2C3D4E5F6" || kp.Status != TagActive || kp.Enrolled.IsZero() || kp.Sync.State != SyncPending {
		t.Fatalf("keypad tag %+v", kp)
	}
	j := f.newestJob()
	if j.Op != OpAddTag || j.Tag != kp.ID || j.Panel != f.p.ID || j.Slot != 2 || j.Lock != 0 || kp.Sync.Job != j.Seq {
		t.Fatalf("job %+v", j)
	}
	if e := f.lastLog(); e.Action != "tag.enrol" || e.Place != f.p.Label()+" tag 04A1B2C3D4E5F6" || e.Slot != 2 || e.Unit != f.p.Unit ||
		e.After["owner"] != "user 2" || e.After["kind"] != "keypad" || e.After["status"] != "active" {
		t.Fatalf("log %+v", e)
	}
	// A door-lock tag takes its panel from the lock.
	dl := f.enrol(Tag{ID: "090:0324", Kind: TagLock, Lock: f.lock.ID, Slot: 3})
	if dl.ID != "90:324" || dl.Panel != f.p.ID {
		t.Fatalf("door-lock tag %+v", dl)
	}
	if j := f.newestJob(); j.Lock != f.lock.ID || j.LockNo != 1 || j.Slot != 3 {
		t.Fatalf("door-lock job %+v", j)
	}
	if l := f.getLock(f.lock.ID); !slices.Equal(l.Tags, []string{"90:324"}) {
		t.Fatalf("lock tags %v", l.Tags)
	}
	if ts, err := f.s.UserTags(f.admin, f.p.ID, 2); err != nil || len(ts) != 1 || ts[0].ID != kp.ID {
		t.Fatalf("user tags %v %v", ts, err)
	}

	qolsys := f.panel("qolsys-iq4")
	f.setCode(qolsys, 2, "1470")
	zwave := f.addLock(Lock{Name: "Bike store", Model: ModelZWave, Panel: f.p.ID})
	far := f.panel("neo-hs2064", inUnit(f.unit(RootUnit, "Elsewhere", UnitSite).ID))
	f.setCode(far, 2, "1470")
	f.enrol(Tag{ID: "90:999", Kind: TagKeypad, Panel: far.ID, Slot: 2})
	here := f.panel("neo-hs2064", inUnit(f.unit(RootUnit, "Here", UnitSite).ID))
	f.setCode(here, 2, "1470")
	near := f.operator(RoleSupervisor, here.Unit)
	cases := []struct {
		name  string
		actor Actor
		tag   Tag
		kind  error
		says  string
	}{
		{"no permission", f.operator(RoleGuard), Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID, Slot: 4}, ErrPermission, `"manage locks and tags" permission`},
		{"malformed ID", f.admin, Tag{ID: "04A1B2C", Kind: TagKeypad, Panel: f.p.ID, Slot: 4}, ErrInvalid, "tag ID not valid: "},
		{"bad Wiegand parity", f.admin, Tag{ID: "W26:00101101000000001010001001", Kind: TagKeypad, Panel: f.p.ID, Slot: 4}, ErrInvalid, "tag ID not valid: "},
		{"unknown kind", f.admin, Tag{ID: "90:1", Kind: "wristband", Panel: f.p.ID, Slot: 4}, ErrInvalid, `tag kind "wristband": choose keypad`},
		{"keypad on a panel without readers", f.admin, Tag{ID: "90:1", Kind: TagKeypad, Panel: qolsys.ID, Slot: 2}, ErrUnsupported, "(Qolsys IQ Panel 4) has no keypads with a proximity reader: keypad tags cannot be enrolled there"},
		{"keypad with a lock", f.admin, Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID, Lock: f.lock.ID, Slot: 4}, ErrInvalid, "a keypad tag is not enrolled on a lock"},
		{"door-lock without a lock", f.admin, Tag{ID: "90:1", Kind: TagLock, Panel: f.p.ID, Slot: 4}, ErrInvalid, "a door-lock tag is enrolled on a lock: name the lock"},
		{"door-lock on a lock that reads none", f.admin, Tag{ID: "90:1", Kind: TagLock, Lock: zwave.ID, Slot: 4}, ErrUnsupported, "lock 2 (Bike store) is a Generic Z-Wave lock, which reads no tags: door-lock tags need a lock that does (Yale Doorman L2 or L3)"},
		{"door-lock with another panel", f.admin, Tag{ID: "90:1", Kind: TagLock, Panel: qolsys.ID, Lock: f.lock.ID, Slot: 4}, ErrInvalid, fmt.Sprintf("lock 1 (Main entrance) is on panel %d, not panel %d", f.p.ID, qolsys.ID)},
		{"no such lock", f.admin, Tag{ID: "90:1", Kind: TagLock, Lock: 77, Slot: 4}, ErrNotFound, "no lock 77"},
		{"no owner", f.admin, Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID}, ErrInvalid, "a tag is given to a panel user: name the user's slot"},
		{"owner without a code", f.admin, Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID, Slot: 7}, ErrNoCode, "tag cannot be given: panel user 7 of " + f.p.Name + " has no code; set a code first"},
		{"slot out of range", f.admin, Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID, Slot: 96}, ErrNotFound, "user slots 1-95"},
		{"second keypad tag", f.admin, Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID, Slot: 2}, ErrState, "panel user 2 of " + f.p.Name + " holds keypad tag 04A1B2C3D4E5F6 already: a keypad user slot holds one tag; free that tag first"},
		{"tag given already", f.admin, Tag{ID: "04a1b2c3d4e5f6", Kind: TagKeypad, Panel: f.p.ID, Slot: 4}, ErrDuplicate, "tag 04A1B2C3D4E5F6 is given to panel user 2 of " + f.p.Name + " already: tag IDs are unique across the site; free it first"},
		{"tag given outside the actor's units", near, Tag{ID: "90:999", Kind: TagKeypad, Panel: here.ID, Slot: 2}, ErrDuplicate, "tag 90:999 is enrolled already, outside your organization units: tag IDs are unique across the site"},
		{"panel outside the actor's units", near, Tag{ID: "90:1", Kind: TagKeypad, Panel: far.ID, Slot: 2}, ErrNotFound, fmt.Sprintf("no panel %d in your organization units", far.ID)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			before, jobs := f.logSeq(), len(f.rawJobs())
			_, err := f.s.EnrolTag(c.actor, c.tag)
			fxWant(t, err, c.kind, c.says)
			if e := f.lastLog(); e.Seq != before+1 || !e.Refused() || e.Action != "tag.enrol" {
				t.Fatalf("refusal not logged: %+v", e)
			}
			if len(f.rawJobs()) != jobs {
				t.Fatal("a refused enrolment queued a job")
			}
			if c.actor.Name() == near.Name() && strings.Contains(err.Error(), far.Name) {
				t.Fatalf("refusal names what the actor cannot see: %v", err)
			}
		})
	}
	// A kind as an operator types it is the kind.
	if tg := f.enrol(Tag{ID: "90:77", Kind: "Door lock", Lock: f.lock.ID, Slot: 5}); tg.Kind != TagLock {
		t.Fatalf("kind %q", tg.Kind)
	}
	// Door-lock tags fill a Yale's 20 places.
	for i := 3; i <= 20; i++ {
		f.enrol(Tag{ID: fmt.Sprintf("90:%d", 400+i), Kind: TagLock, Lock: f.lock.ID, Slot: 4})
	}
	_, err := f.s.EnrolTag(f.admin, Tag{ID: "90:500", Kind: TagLock, Lock: f.lock.ID, Slot: 5})
	fxWant(t, err, ErrState, "lock 1 (Main entrance) holds 20 tags, the most a Yale Doorman L3 takes: free one first")
}

func TestTagLifecycle(t *testing.T) {
	f := newLockFx(t)
	f.enrol(Tag{ID: "90:324", Kind: TagLock, Lock: f.lock.ID, Slot: 3})
	add := f.newestJob()
	f.finish(add.Seq, JobResult{Driver: "sim", Verified: true})
	if tg := f.getTag("90:324"); tg.Sync.State != SyncInSync {
		t.Fatalf("after add %v", tg.Sync)
	}

	// Disable: off the hardware, the owner kept.
	fxWant(t, f.s.DisableTag(f.admin, "90:324"), nil)
	rm := f.newestJob()
	if rm.Op != OpRemoveTag || rm.Tag != "90:324" || rm.Lock != f.lock.ID || rm.LockNo != 1 || rm.Slot != 3 {
		t.Fatalf("remove job %+v", rm)
	}
	tg := f.getTag("90:324")
	if tg.Status != TagDisabled || tg.Slot != 3 || tg.Lock != f.lock.ID || tg.Sync.Job != rm.Seq {
		t.Fatalf("disabled %+v", tg)
	}
	if e := f.lastLog(); e.Action != "tag.disable" || e.Before["status"] != "active" || e.After["status"] != "disabled" {
		t.Fatalf("log %+v", e)
	}
	fxWant(t, f.s.DisableTag(f.admin, "90:324"), ErrState, "tag 90:324 is disabled already")
	fxWant(t, f.s.CheckTag(f.admin, tg, ActDisableTag), ErrState, "disabled already")

	// Lost after disabled: nothing left to remove.
	jobs := len(f.rawJobs())
	fxWant(t, f.s.MarkTagLost(f.admin, "90:324"), nil)
	if len(f.rawJobs()) != jobs || f.getTag("90:324").Status != TagLost {
		t.Fatal("marking a disabled tag lost queued a job or did not mark it")
	}
	fxWant(t, f.s.MarkTagLost(f.admin, "90:324"), ErrState, "tag 90:324 is marked lost already")
	fxWant(t, f.s.DisableTag(f.admin, "90:324"), ErrState, "tag 90:324 is marked lost: it is off the hardware already")

	// Lost while active: removed from the hardware at once.
	f.enrol(Tag{ID: "04A1B2C3", Kind: TagKeypad, Panel: f.p.ID, Slot: 2})
	fxWant(t, f.s.MarkTagLost(f.admin, "04a1b2c3"), nil)
	if j := f.newestJob(); j.Op != OpRemoveTag || j.Tag != "04A1B2C3" || j.Slot != 2 {
		t.Fatalf("lost job %+v", j)
	}
	if due := f.due(); due[len(due)-1].Op != OpRemoveTag {
		t.Fatalf("the removal is not due at once: %v", due)
	}

	// Free: unassigned and reusable; lost stays lost.
	fxWant(t, f.s.FreeTag(f.admin, "90:324"), nil)
	tg = f.getTag("90:324")
	if tg.Assigned() || tg.Lock != 0 || tg.Status != TagLost || tg.Panel != f.p.ID {
		t.Fatalf("freed %+v", tg)
	}
	if l := f.getLock(f.lock.ID); len(l.Tags) != 0 {
		t.Fatalf("lock still holds %v", l.Tags)
	}
	if e := f.lastLog(); e.Action != "tag.free" || e.Before["owner"] != "user 3" || e.After["owner"] != "unassigned" {
		t.Fatalf("log %+v", e)
	}
	fxWant(t, f.s.FreeTag(f.admin, "90:324"), ErrState, "tag 90:324 is not given to anyone already: it can be enrolled for a user")
	fxWant(t, f.s.DisableTag(f.admin, "90:324"), ErrState, "tag 90:324 is not given to anyone: nothing to disable")

	// A freed tag is given to someone else.
	again := f.enrol(Tag{ID: "90:324", Kind: TagKeypad, Panel: f.p.ID, Slot: 5})
	if again.Status != TagActive || again.Slot != 5 || again.Kind != TagKeypad {
		t.Fatalf("enrolled again %+v", again)
	}
	if e := f.lastLog(); e.Before["owner"] != "unassigned" || e.After["owner"] != "user 5" {
		t.Fatalf("log %+v", e)
	}

	// Free while active queues the removal.
	fxWant(t, f.s.FreeTag(f.admin, "90:324"), nil)
	if j := f.newestJob(); j.Op != OpRemoveTag || j.Slot != 5 {
		t.Fatalf("free job %+v", j)
	}
	if tg := f.getTag("90:324"); tg.Status != TagDisabled {
		t.Fatalf("an active tag freed is %s", tg.Status)
	}
	_, err := f.s.GetTag(f.admin, "not a tag")
	fxWant(t, err, ErrInvalid, "tag ID not valid")
	fxWant(t, f.s.FreeTag(f.admin, "90:1"), ErrNotFound, "no tag 90:1 in your organization units: see guardroom tag list")
	fxWant(t, f.s.FreeTag(f.operator(RoleAuditor), "90:324"), ErrPermission, "manage locks and tags")
}

func TestTagJobs(t *testing.T) {
	f := newLockFx(t)
	f.enrol(Tag{ID: "90:324", Kind: TagLock, Lock: f.lock.ID, Slot: 3})
	add := f.newestJob()
	f.finish(add.Seq, JobResult{Driver: "sim", Err: "tag 90:324 is enrolled for slot 9 on lock 1: remove it first", Permanent: true})
	tg := f.getTag("90:324")
	if tg.Sync.State != SyncFailed || !strings.Contains(tg.Sync.Reason, "slot 9") {
		t.Fatalf("failed %+v", tg.Sync)
	}
	if e := f.lastLog(); e.Action != "device.apply" || e.Place != f.p.Label()+" lock 1 (Main entrance) tag 90:324" || !strings.HasPrefix(e.Result, "failed: ") {
		t.Fatalf("log %+v", e)
	}
	fxWant(t, f.s.RetryJob(f.operator(RoleGuard), add.Seq), ErrPermission, "manage locks and tags")
	fxWant(t, f.s.RetryJob(f.admin, add.Seq), nil)
	if tg := f.getTag("90:324"); tg.Sync.State != SyncPending || tg.Sync.Job != add.Seq {
		t.Fatalf("retried %+v", tg.Sync)
	}
	f.finish(add.Seq, JobResult{Driver: "sim", Err: "refused again", Permanent: true})

	// A tag freed since cannot have its old enrolment retried; the free
	// itself superseded the failed job.
	fxWant(t, f.s.FreeTag(f.admin, "90:324"), nil)
	old, _ := f.s.GetJob(f.admin, add.Seq)
	if old.State != JobCancelled {
		t.Fatalf("the failed add was not superseded: %+v", old)
	}

	// The guided path: keypad steps, confirm.
	f.enrol(Tag{ID: "04A1B2C3", Kind: TagKeypad, Panel: f.p.ID, Slot: 2})
	kp := f.newestJob()
	fxWant(t, f.s.ParkJob(f.s.Internal("dispatch"), kp.Seq, []string{"present the tag"}, "guided"), nil)
	if tg := f.getTag("04A1B2C3"); tg.Sync.State != SyncKeypad {
		t.Fatalf("parked %+v", tg.Sync)
	}
	fxWant(t, f.s.ConfirmJob(f.admin, kp.Seq), nil)
	if tg := f.getTag("04A1B2C3"); tg.Sync.State != SyncUnverified {
		t.Fatalf("confirmed %+v", tg.Sync)
	}

	// A failed removal is superseded when the tag is enrolled again.
	fxWant(t, f.s.DisableTag(f.admin, "04A1B2C3"), nil)
	rm := f.newestJob()
	f.finish(rm.Seq, JobResult{Driver: "sim", Err: "busy", Permanent: true})
	fxWant(t, f.s.FreeTag(f.admin, "04A1B2C3"), nil)
	f.enrol(Tag{ID: "04A1B2C3", Kind: TagKeypad, Panel: f.p.ID, Slot: 2})
	fxWant(t, f.s.RetryJob(f.admin, rm.Seq), ErrState, fmt.Sprintf("job %d is cancelled: only a failed job can be retried", rm.Seq))

	// An enrolment that failed after the tag was disabled is not retried:
	// it would put a disabled tag back on the hardware.
	f.enrol(Tag{ID: "90:2", Kind: TagLock, Lock: f.lock.ID, Slot: 2})
	late := f.newestJob()
	fxWant(t, f.s.DisableTag(f.admin, "90:2"), nil)
	f.finish(late.Seq, JobResult{Driver: "sim", Err: "refused", Permanent: true})
	if tg := f.getTag("90:2"); tg.Sync.State != SyncPending {
		t.Fatalf("an older job's failure replaced the tag's sync: %+v", tg.Sync)
	}
	fxWant(t, f.s.RetryJob(f.admin, late.Seq), ErrState, fmt.Sprintf("tag 90:2 is no longer active for panel user 2 there: enrolling it again would undo a later change; cancel job %d", late.Seq))

	// A tag job's user is not the panel user's job: a code change does not
	// supersede it.
	f.enrol(Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID, Slot: 4})
	tj := f.newestJob()
	f.finish(tj.Seq, JobResult{Driver: "sim", Err: "no", Permanent: true})
	fxWant(t, f.s.SetLabel(f.admin, f.p.ID, 4, "Dora"), nil)
	if j, _ := f.s.GetJob(f.admin, tj.Seq); j.State != JobFailed {
		t.Fatalf("a user's change superseded a tag job: %+v", j)
	}
	if u := f.user(f.p, 4); u.Sync.State != SyncPending {
		t.Fatalf("user sync %+v", u.Sync)
	}
	for _, j := range f.rawJobs() {
		if s := j.String(); !strings.Contains(s, string(j.Op)) || strings.Contains(s, "2580") {
			t.Fatalf("job string %q", s)
		}
	}
}

func TestDisablePanelUserFreesTags(t *testing.T) {
	f := newLockFx(t)
	fxWant(t, f.s.AssignLockUser(f.admin, f.lock.ID, 3), nil)
	fxWant(t, f.s.AssignLockUser(f.admin, f.lock.ID, 2), nil)
	f.enrol(Tag{ID: "04A1B2C3", Kind: TagKeypad, Panel: f.p.ID, Slot: 3})
	f.enrol(Tag{ID: "90:324", Kind: TagLock, Lock: f.lock.ID, Slot: 3})
	f.enrol(Tag{ID: "90:325", Kind: TagLock, Lock: f.lock.ID, Slot: 3})
	fxWant(t, f.s.DisableTag(f.admin, "90:325"), nil) // off the hardware already
	f.enrol(Tag{ID: "90:326", Kind: TagLock, Lock: f.lock.ID, Slot: 2})
	jobs, logSeq := len(f.rawJobs()), f.logSeq()

	fxWant(t, f.s.DisablePanelUser(f.admin, f.p.ID, 3), nil)

	// One log entry, every change in it.
	if f.logSeq() != logSeq+1 {
		t.Fatalf("%d log entries", f.logSeq()-logSeq)
	}
	e := f.lastLog()
	if e.Action != "user.disable" || e.After["tags freed"] != "04A1B2C3, 90:324, 90:325" || e.After["locks unassigned"] != "1" {
		t.Fatalf("log %+v", e)
	}
	for _, id := range []string{"04A1B2C3", "90:324", "90:325"} {
		if tg := f.getTag(id); tg.Assigned() || tg.Lock != 0 || tg.Status == TagActive {
			t.Fatalf("tag %s not freed: %+v", id, tg)
		}
	}
	if tg := f.getTag("90:326"); tg.Slot != 2 || tg.Status != TagActive {
		t.Fatalf("another user's tag changed: %+v", tg)
	}
	l := f.getLock(f.lock.ID)
	if !slices.Equal(l.Users, []int{2}) || !slices.Equal(l.Tags, []string{"90:326"}) {
		t.Fatalf("lock %+v", l)
	}
	// The clear-code, the removal of the two tags that were on the
	// hardware and the user's lock taken away, in that order.
	var got []string
	for _, j := range f.rawJobs()[jobs:] {
		got = append(got, fmt.Sprintf("%s %s %d", j.Op, j.Tag, j.Slot))
	}
	if want := []string{"clear-code  3", "remove-tag 04A1B2C3 3", "remove-tag 90:324 3", "lock-unassign  3"}; !slices.Equal(got, want) {
		t.Fatalf("jobs %q, want %q", got, want)
	}
	if ts, _ := f.s.UserTags(f.admin, f.p.ID, 3); len(ts) != 0 {
		t.Fatalf("user still holds %v", ts)
	}
	// Reusable: given to someone else.
	f.enrol(Tag{ID: "04A1B2C3", Kind: TagKeypad, Panel: f.p.ID, Slot: 4})
	// And the user, given a code again, starts with nothing.
	f.setCode(f.p, 3, "1593")
	if ts, _ := f.s.UserTags(f.admin, f.p.ID, 3); len(ts) != 0 {
		t.Fatalf("user 3 has tags again: %v", ts)
	}
}

func TestLockAndTagScope(t *testing.T) {
	sf := newScopeFx(t)
	s, alice, sam := sf.s, sf.alice, sf.sam
	lockA, err := s.FindLock(sam, "Door of Alpha")
	fxWant(t, err, nil)
	lockB, err := s.FindLock(sam, "Door of Bravo")
	fxWant(t, err, nil)
	fxWant(t, s.AssignLockUser(sf.admin, lockB.ID, 2), nil)
	assigned, _ := s.GetLock(sam, lockB.ID)
	fxWant(t, s.FinishJob(s.Internal("dispatch"), assigned.Sync.Job, JobResult{Driver: "sim", Verified: true}), nil)
	syncB := func() Sync { l, _ := s.GetLock(sam, lockB.ID); return l.Sync }()
	// Alice (building A) sees and changes A's lock and tag only.
	fxWant(t, s.LockDoor(alice, lockA.ID), nil)
	if ls, _ := s.ListLocks(alice); len(ls) != 1 || ls[0].ID != lockA.ID {
		t.Fatalf("alice sees locks %v", ls)
	}
	if c, _ := s.LockAlerts(alice); c != (LockAlerts{}) {
		t.Fatalf("alerts %+v", c)
	}
	// FindLock repeats the name alice typed, and nothing more.
	_, err = s.FindLock(alice, "Door of Bravo")
	fxWant(t, err, ErrNotFound, `no lock "Door of Bravo" in your organization units`)
	cases := []struct {
		name string
		op   func() error
	}{
		{"GetLock", func() error { _, err := s.GetLock(alice, lockB.ID); return err }},
		{"EditLock", func() error { return s.EditLock(alice, lockB.ID, LockEdit{Name: "Mine"}) }},
		{"RemoveLock", func() error { return s.RemoveLock(alice, lockB.ID, true) }},
		{"AssignLockUser", func() error { return s.AssignLockUser(alice, lockB.ID, 2) }},
		{"UnassignLockUser", func() error { return s.UnassignLockUser(alice, lockB.ID, 2) }},
		{"LockDoor", func() error { return s.LockDoor(alice, lockB.ID) }},
		{"UnlockDoor", func() error { return s.UnlockDoor(alice, lockB.ID, "curious") }},
		{"GetTag", func() error { _, err := s.GetTag(alice, "90:2"); return err }},
		{"DisableTag", func() error { return s.DisableTag(alice, "90:2") }},
		{"MarkTagLost", func() error { return s.MarkTagLost(alice, "90:2") }},
		{"FreeTag", func() error { return s.FreeTag(alice, "90:2") }},
		{"UserTags", func() error { _, err := s.UserTags(alice, sf.pb.ID, 2); return err }},
		{"EnrolTag on B's lock", func() error {
			_, err := s.EnrolTag(alice, Tag{ID: "90:3", Kind: TagLock, Lock: lockB.ID, Slot: 2})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.op()
			fxWant(t, err, ErrNotFound)
			if strings.Contains(err.Error(), "Bravo") {
				t.Fatalf("refusal %q names building B's lock or panel", err)
			}
		})
	}
	if l, _ := s.GetLock(sam, lockB.ID); l.Name != "Door of Bravo" || !slices.Equal(l.Users, []int{2}) || l.Sync != syncB {
		t.Fatalf("B's lock changed: %+v", l)
	}
	if tg, _ := s.GetTag(sam, "90:2"); tg.Status != TagActive || tg.Slot != 2 {
		t.Fatalf("B's tag changed: %+v", tg)
	}
	fxWant(t, s.UnlockDoor(sam, lockB.ID, "fire drill"), nil)
}
