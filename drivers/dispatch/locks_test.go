package dispatch

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	_ "github.com/guardroom/guardroom/drivers/guided" // keypad tags through a person
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// lockSetup is a Neo panel on the sim driver (two simulated locks) whose
// users 2 and 3 have codes, with a Yale Doorman L3 as its lock 1.
func lockSetup(t *testing.T) (*fx, store.Panel, store.Lock, *Dispatcher) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	f.ok(f.s.SetCode(f.admin, p.ID, 3, "5937", store.CodeOptions{}))
	l, err := f.s.AddLock(f.admin, store.Lock{Name: "Front door", Model: store.ModelYaleL3, Panel: p.ID})
	f.ok(err)
	d := New(f.s, Options{})
	t.Cleanup(func() { d.Close() })
	drain(t, d)
	return f, p, l, d
}

func (f *fx) lock(id uint64) store.Lock {
	f.t.Helper()
	l, err := f.s.GetLock(f.admin, id)
	f.ok(err)
	return l
}

func TestLockCommandsThroughDriver(t *testing.T) {
	f, p, l, d := lockSetup(t)
	dev := simOf(t, p)
	f.ok(f.s.UnlockDoor(f.admin, l.ID, "delivery"))
	drain(t, d)
	if got := f.lock(l.ID); got.State != store.LockUnlocked || got.Sync.State != store.SyncInSync {
		t.Fatalf("after unlock: %+v", got)
	}
	if st := lockOn(t, dev, 1); st.State != family.LockUnlocked || st.Battery != 99 {
		t.Fatalf("sim lock %+v", st)
	}
	e := f.applies()
	if last := e[len(e)-1]; last.After["op"] != "unlock" || last.After["outcome"] != "verified" || !strings.Contains(last.Place, "lock 1 (Front door)") {
		t.Fatalf("apply log %+v", last)
	}

	// A jammed lock refuses: the job fails for good with the lock's words.
	f.ok(dev.SetLockState(1, family.LockJammed))
	f.ok(f.s.LockDoor(f.admin, l.ID))
	drain(t, d)
	got := f.lock(l.ID)
	if got.Sync.State != store.SyncFailed || !strings.Contains(got.Sync.Reason, "lock 1 is jammed") {
		t.Fatalf("jammed: %+v", got.Sync)
	}

	// The poll brings the jam, and the battery, into the store.
	f.ok(dev.SetBattery(1, 12))
	f.ok(d.Poll(context.Background()))
	got = f.lock(l.ID)
	if got.State != store.LockJammed || got.Battery != 12 || !got.LowBattery() || got.LastSeen.IsZero() {
		t.Fatalf("after the poll: %+v", got)
	}
	if c, _ := f.s.LockAlerts(f.admin); c != (store.LockAlerts{Jammed: 1, LowBattery: 1}) {
		t.Fatalf("alerts %+v", c)
	}
	es, _ := f.s.ListLog(f.admin, store.LogFilter{Action: "lock."})
	if es[0].Action != "lock.battery" || es[1].Action != "lock.state" || es[1].After["state"] != "jammed" {
		t.Fatalf("log %+v %+v", es[0], es[1])
	}
}

func TestLockTagsThroughDriver(t *testing.T) {
	f, p, l, d := lockSetup(t)
	dev := simOf(t, p)
	_, err := f.s.EnrolTag(f.admin, store.Tag{ID: "90:324", Kind: store.TagLock, Lock: l.ID, Slot: 2})
	f.ok(err)
	_, err = f.s.EnrolTag(f.admin, store.Tag{ID: "90:325", Kind: store.TagLock, Lock: l.ID, Slot: 3})
	f.ok(err)
	drain(t, d)
	if st := lockOn(t, dev, 1); !slices.Equal(st.Tags, []string{"90:324", "90:325"}) || !slices.Equal(st.Users, []int{2, 3}) {
		t.Fatalf("sim lock %+v", st)
	}
	tag, _ := f.s.GetTag(f.admin, "90:324")
	if tag.Sync.State != store.SyncInSync {
		t.Fatalf("tag %+v", tag)
	}

	// Lost: off the lock at the next drain.
	f.ok(f.s.MarkTagLost(f.admin, "90:324"))
	drain(t, d)
	if st := lockOn(t, dev, 1); !slices.Equal(st.Tags, []string{"90:325"}) {
		t.Fatalf("after lost: %v", st.Tags)
	}

	// Disabling the owner frees the tag and takes it off the lock.
	f.ok(f.s.DisablePanelUser(f.admin, p.ID, 3))
	drain(t, d)
	if st := lockOn(t, dev, 1); len(st.Tags) != 0 {
		t.Fatalf("after disabling the owner: %v", st.Tags)
	}
	codeOn(t, dev, 3, "", "")
	if tag, _ := f.s.GetTag(f.admin, "90:325"); tag.Assigned() || tag.Sync.State != store.SyncInSync {
		t.Fatalf("freed tag %+v", tag)
	}
	if c, _ := f.s.SyncCounts(f.admin, 0); c != (store.SyncCounts{}) {
		t.Fatalf("counts %+v", c)
	}

	// The lock's refusal (the tag held for another user) fails the job.
	f.ok(dev.AddTag(context.Background(), 1, "90:326", 9))
	_, err = f.s.EnrolTag(f.admin, store.Tag{ID: "90:326", Kind: store.TagLock, Lock: l.ID, Slot: 2})
	f.ok(err)
	drain(t, d)
	if tag, _ := f.s.GetTag(f.admin, "90:326"); tag.Sync.State != store.SyncFailed || !strings.Contains(tag.Sync.Reason, "enrolled for slot 9") {
		t.Fatalf("refused tag %+v", tag.Sync)
	}
}

func TestKeypadTagsThroughDriver(t *testing.T) {
	f, p, _, d := lockSetup(t)
	dev := simOf(t, p)
	_, err := f.s.EnrolTag(f.admin, store.Tag{ID: "04A1B2C3", Kind: store.TagKeypad, Panel: p.ID, Slot: 2})
	f.ok(err)
	drain(t, d)
	if tag, _ := f.s.GetTag(f.admin, "04A1B2C3"); tag.Sync.State != store.SyncInSync {
		t.Fatalf("keypad tag %+v", tag.Sync)
	}
	tags, err := dev.ReadKeypadTags(context.Background())
	if err != nil || !slices.Equal(tags, []drivers.KeypadTag{{Tag: "04A1B2C3", Slot: 2}}) {
		t.Fatalf("sim keypad tags %+v %v", tags, err)
	}
	// Disabling the owner clears the slot and takes the tag off the keypads.
	f.ok(f.s.DisablePanelUser(f.admin, p.ID, 2))
	drain(t, d)
	if tags, _ := dev.ReadKeypadTags(context.Background()); len(tags) != 0 {
		t.Fatalf("after disabling the owner: %+v", tags)
	}
	if tag, _ := f.s.GetTag(f.admin, "04A1B2C3"); tag.Assigned() || tag.Sync.State != store.SyncInSync {
		t.Fatalf("freed %+v", tag)
	}
	if c, _ := f.s.SyncCounts(f.admin, 0); c != (store.SyncCounts{}) {
		t.Fatalf("counts %+v", c)
	}
}

func TestKeypadTagsWithTheGuidedDriver(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "guided"}))
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	_, err := f.s.EnrolTag(f.admin, store.Tag{ID: "04A1B2C3", Kind: store.TagKeypad, Panel: p.ID, Slot: 2})
	f.ok(err)
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	tag, _ := f.s.GetTag(f.admin, "04A1B2C3")
	if tag.Sync.State != store.SyncKeypad {
		t.Fatalf("keypad tag %+v", tag.Sync)
	}
	j, _ := f.s.GetJob(f.admin, tag.Sync.Job)
	steps := strings.Join(j.Steps, "\n")
	if !strings.Contains(steps, "04A1B2C3") || strings.Contains(steps, "4829") {
		t.Fatalf("steps:\n%s", steps)
	}
	f.ok(f.s.ConfirmJob(f.admin, j.Seq))
	if tag, _ := f.s.GetTag(f.admin, "04A1B2C3"); tag.Sync.State != store.SyncUnverified {
		t.Fatalf("confirmed %+v", tag.Sync)
	}
}

// noKeypadTags is a driver that hides its keypad tags.
type noKeypadTags struct{ drivers.Panel }

func TestKeypadTagsOnADriverWithoutThem(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	_, err := f.s.EnrolTag(f.admin, store.Tag{ID: "04A1B2C3", Kind: store.TagKeypad, Panel: p.ID, Slot: 2})
	f.ok(err)
	d := New(f.s, Options{Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
		drv, err := drivers.Open(name, cfg)
		return noKeypadTags{drv}, err
	}})
	defer d.Close()
	drain(t, d)
	tag, _ := f.s.GetTag(f.admin, "04A1B2C3")
	if tag.Sync.State != store.SyncFailed || !strings.Contains(tag.Sync.Reason, "the sim driver of "+p.Label()+" cannot enrol keypad tags") {
		t.Fatalf("tag %+v", tag.Sync)
	}
}

func TestLockJobsOnADriverWithoutLocks(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	l, err := f.s.AddLock(f.admin, store.Lock{Name: "Gate", Model: store.ModelYaleL2, Panel: p.ID})
	f.ok(err)
	// A simulated panel wired with no locks: its driver drives none.
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "sim", Address: p.Address + "-nolocks", Options: map[string]string{"locks": "0"}}))
	f.ok(f.s.LockDoor(f.admin, l.ID))
	_, err = f.s.EnrolTag(f.admin, store.Tag{ID: "90:1", Kind: store.TagLock, Lock: l.ID, Slot: 2})
	f.ok(err)
	d := New(f.s, Options{})
	defer d.Close()
	// The lock jobs are refused at once, and say why; the code goes on.
	drain(t, d)
	if u := f.user(p, 2); u.Sync.State != store.SyncInSync {
		t.Fatalf("user %+v", u.Sync)
	}
	got := f.lock(l.ID)
	if got.Sync.State != store.SyncFailed || !strings.Contains(got.Sync.Reason, "the sim driver of "+p.Label()+" cannot lock or unlock doors") {
		t.Fatalf("lock %+v", got.Sync)
	}
	tag, _ := f.s.GetTag(f.admin, "90:1")
	if tag.Sync.State != store.SyncFailed || !strings.Contains(tag.Sync.Reason, "cannot enrol tags on door locks") {
		t.Fatalf("tag %+v", tag.Sync)
	}
}

func TestLockCommandTooLateIsDropped(t *testing.T) {
	f, p, l, d := lockSetup(t)
	dev := simOf(t, p)
	dev.SetOffline(true)
	f.ok(f.s.UnlockDoor(f.admin, l.ID, "maintenance"))
	drain(t, d)
	f.clk.Advance(store.ArmTimeout + time.Minute)
	dev.SetOffline(false)
	drain(t, d)
	if got := f.lock(l.ID); got.Sync.State != store.SyncFailed || got.Sync.Reason != store.StaleReason {
		t.Fatalf("late unlock %+v", got.Sync)
	}
	if st := lockOn(t, dev, 1); st.State != family.LockLocked {
		t.Fatalf("the door was unlocked late: %+v", st)
	}
}

func simOf(t *testing.T, p store.Panel) *sim.Panel {
	t.Helper()
	dev, err := drivers.Open("sim", drivers.Config{Address: p.Address, Family: p.Family})
	if err != nil {
		t.Fatal(err)
	}
	return dev.(*sim.Panel)
}

func lockOn(t *testing.T, l drivers.Locks, n int) drivers.LockStatus {
	t.Helper()
	all, err := l.ReadLocks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if st.Number == n {
			return st
		}
	}
	t.Fatalf("no lock %d", n)
	return drivers.LockStatus{}
}

// TestLockUsersThroughDriver: assigning and unassigning a panel user goes
// to the lock and reads back; disabling the user unassigns them on the
// hardware; a lock refusal fails the job, which can be retried.
func TestLockUsersThroughDriver(t *testing.T) {
	f, p, l, d := lockSetup(t)
	dev := simOf(t, p)
	f.ok(f.s.AssignLockUser(f.admin, l.ID, 2))
	f.ok(f.s.AssignLockUser(f.admin, l.ID, 3))
	if got := f.lock(l.ID); got.Sync.State != store.SyncPending {
		t.Fatalf("before the drain: %+v", got.Sync)
	}
	drain(t, d)
	if st := lockOn(t, dev, 1); !slices.Equal(st.AssignedUsers, []int{2, 3}) || len(st.Users) != 0 {
		t.Fatalf("sim lock %+v", st)
	}
	if got := f.lock(l.ID); got.Sync.State != store.SyncInSync {
		t.Fatalf("after the drain: %+v", got.Sync)
	}
	e := f.applies()
	if last := e[len(e)-1]; last.After["op"] != "lock-assign" || last.After["outcome"] != "verified" || !strings.Contains(last.Place, "lock 1 (Front door) user 3") {
		t.Fatalf("apply log %+v", last)
	}

	f.ok(f.s.UnassignLockUser(f.admin, l.ID, 2))
	drain(t, d)
	if st := lockOn(t, dev, 1); !slices.Equal(st.AssignedUsers, []int{3}) {
		t.Fatalf("after unassigning 2: %v", st.AssignedUsers)
	}

	// Disabling user 3 clears the code and unassigns the lock, both on
	// the hardware.
	f.ok(f.s.DisablePanelUser(f.admin, p.ID, 3))
	drain(t, d)
	if st := lockOn(t, dev, 1); len(st.AssignedUsers) != 0 {
		t.Fatalf("after disabling user 3: %v", st.AssignedUsers)
	}
	if got := f.lock(l.ID); got.Sync.State != store.SyncInSync || len(got.Users) != 0 {
		t.Fatalf("lock after disabling: %+v", got)
	}
	if c, _ := f.s.SyncCounts(f.admin, 0); c != (store.SyncCounts{}) {
		t.Fatalf("counts %+v", c)
	}

	// A code cleared at the panel behind the store's back: the lock
	// refuses the user, the job fails for good; once the code is back, a
	// retry goes through.
	f.ok(dev.ClearCode(context.Background(), 2))
	f.ok(f.s.AssignLockUser(f.admin, l.ID, 2))
	drain(t, d)
	got := f.lock(l.ID)
	if got.Sync.State != store.SyncFailed || !strings.Contains(got.Sync.Reason, "slot 2 has no code") {
		t.Fatalf("refused: %+v", got.Sync)
	}
	f.ok(dev.SetCode(context.Background(), drivers.User{Slot: 2}, "4829"))
	f.ok(f.s.RetryJob(f.admin, got.Sync.Job))
	drain(t, d)
	if got := f.lock(l.ID); got.Sync.State != store.SyncInSync || !slices.Equal(lockOn(t, dev, 1).AssignedUsers, []int{2}) {
		t.Fatalf("after the retry: %+v", got.Sync)
	}
}

func TestLockUsersOnADriverWithoutLocks(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	l, err := f.s.AddLock(f.admin, store.Lock{Name: "Gate", Model: store.ModelYaleL2, Panel: p.ID})
	f.ok(err)
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "sim", Address: p.Address + "-nolocks", Options: map[string]string{"locks": "0"}}))
	f.ok(f.s.AssignLockUser(f.admin, l.ID, 2))
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	got := f.lock(l.ID)
	if got.Sync.State != store.SyncFailed || !strings.Contains(got.Sync.Reason, "the sim driver of "+p.Label()+" cannot assign users to door locks") {
		t.Fatalf("lock %+v", got.Sync)
	}
}
