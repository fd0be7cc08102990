package tui

// Flows of the Door locks and Tags screens and of a user's locks and tags
// in the user details: enrol a tag, free one by disabling its owner,
// assign a lock, unlock with a reason, and the store's refusals in its
// own words. The locks' reports are played through the store's Internal
// actor, as the dispatcher's poll does.

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
)

// startAt starts a 120x40 console on a fresh site (refusals fit on the
// status line).
func startAt(t *testing.T, actor ...store.Actor) (*console, *fixture) {
	t.Helper()
	f := newFixture(t)
	o := consoleOpts{w: 120, h: 40}
	if len(actor) > 0 {
		o.actor = actor[0]
	}
	return start(t, f, o), f
}

// lineWithText is the grid line holding text (a tag ID, a lock's name).
func (c *console) lineWithText(text string) string {
	for _, l := range c.lines()[3 : c.h-3] {
		if strings.Contains(l, text) {
			return l
		}
	}
	return ""
}

// waitLineWith waits until the grid line holding key holds every text.
func (c *console) waitLineWith(key string, texts ...string) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("the row of %q with %q", key, texts), func(string) bool {
		l := c.lineWithText(key)
		for _, t := range texts {
			if !strings.Contains(l, t) {
				return false
			}
		}
		return l != ""
	})
}

func (f *fixture) tag(tb testing.TB, id string) store.Tag {
	tb.Helper()
	t, err := f.s.GetTag(f.admin, id)
	check(tb, err)
	return t
}

func (f *fixture) getLock(tb testing.TB, id uint64) store.Lock {
	tb.Helper()
	l, err := f.s.GetLock(f.admin, id)
	check(tb, err)
	return l
}

// lockJob is the command on its way for a lock.
func (f *fixture) lockJob(tb testing.TB, id uint64) uint64 {
	tb.Helper()
	seq := f.getLock(tb, id).Sync.Job
	if seq == 0 {
		tb.Fatalf("lock %d has no command", id)
	}
	return seq
}

// The operator enrols a keypad tag typed in another spelling: the store
// keeps the canonical ID, which the status line and the grid show.
func TestEnrolTag(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goTags(c)
	c.press("n")
	c.waitScreen("Enrol a proximity tag", "← keypad →", "← Main building →")
	c.typ("04:a1:b2:c3")
	c.press("tab", "tab", "tab") // kind, panel, owner
	c.press("enter")
	c.waitScreen("Owner of the tag", "Panel users of Main building with a code:", "1 · Facility manager")
	c.typ("Cleaner")
	c.waitScreen("4 · Cleaner")
	c.press("enter")
	c.waitScreen("Owner      panel user 4 (Cleaner)")
	c.press("enter") // the focus moved on to Enrol
	c.waitStatus("tag enrolled as 04A1B2C3, its canonical ID, for panel user 4 (Cleaner) on the keypads of Main building")
	c.waitGone("Enrol a proximity tag")
	c.waitLineWith("04A1B2C3 ", "▶", "keypad", "4 · Cleaner", "active", "pending")
	got := f.tag(t, "04a1b2c3")
	if got.ID != "04A1B2C3" || got.Slot != 4 || got.Kind != store.TagKeypad || got.Status != store.TagActive {
		t.Fatalf("tag after enrol: %+v", got)
	}
	// The details show it as the store keeps it.
	c.press("enter")
	c.waitScreen("Tag 04A1B2C3", "keypad tag, read by the keypads of Main building", "panel user 4 (Cleaner) of Main building")
}

// A refusal stays in the form in the store's words, with what was typed.
func TestEnrolTagRefused(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goTags(c)
	c.press("n")
	c.waitScreen("Enrol a proximity tag")
	c.typ("123:4567")
	c.press("tab", "tab", "tab", "enter")
	c.waitScreen("Owner of the tag")
	c.typ("Reception")
	c.waitScreen("2 · Reception")
	c.press("enter", "enter")
	c.waitScreen("panel user 2 of Main building holds keypad tag " + tagKeypad + " already: a keypad user slot holds one tag; free that tag first")
	c.waitScreen("Enrol a proximity tag", "123:4567")
	if _, err := f.s.GetTag(f.admin, "123:4567"); err == nil {
		t.Fatal("a refused tag was enrolled")
	}
	// A malformed ID: the store's reason, never the input repeated.
	c.press("tab") // from Enrol round to the tag ID
	c.press("ctrl+u")
	c.typ("90:32A")
	c.press("tab", "tab", "tab", "tab")
	c.press("enter")
	c.waitScreen("tag ID not valid")
}

// Disabling a panel user frees their tags: the tag shows unassigned and
// can be enrolled for someone else.
func TestFreeTagByDisablingUser(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goTags(c)
	c.waitLineWith(tagKeypad, "2 · Reception", "active")
	goUsers(c)
	goSlot(c, 2)
	c.press("x")
	c.waitScreen("Disable panel user 2 (Reception)?")
	c.press("y")
	c.waitStatus("panel user 2 (Reception) disabled")
	goTags(c)
	c.waitLineWith(tagKeypad, "unassigned", "disabled")
	if tg := f.tag(t, tagKeypad); tg.Assigned() || tg.Status != store.TagDisabled {
		t.Fatalf("tag of a disabled user: %+v", tg)
	}
	// The locks the user held are taken away too.
	c.press("4")
	c.waitLineWith("Server room", "unlocked", "0    0")
	if l := f.getLock(t, f.lock.ID); slices.Contains(l.Users, 2) {
		t.Fatalf("front door still has user 2: %v", l.Users)
	}
}

// From the user details: L lists the panel's locks, and picking one
// assigns it.
func TestAssignLockFromUserDetails(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goUsers(c)
	goSlot(c, 7)
	c.press("enter")
	c.waitScreen("Courier  (# 7)", "Door locks  No door locks", "L door lock")
	c.press("L")
	c.waitScreen("Door locks of panel user 7 (Courier)", "1 Front door", "2 Server room")
	c.typ("server")
	c.press("enter")
	c.waitStatus("panel user 7 (Courier) assigned to lock 2 (Server room)")
	c.waitScreen("Courier  (# 7)", "Door locks  1: Server room")
	if l := f.getLock(t, 2); !slices.Contains(l.Users, 7) {
		t.Fatalf("server room users: %v", l.Users)
	}
	// Picking it again offers to take it away, and asks.
	c.press("L")
	c.waitScreen("assigned · enter takes it away")
	c.typ("server")
	c.press("enter")
	c.waitScreen("Take lock 2 (Server room) away from panel user 7 (Courier)?", "y unassign")
	c.press("enter") // never confirms
	c.waitGone("Take lock 2")
	if l := f.getLock(t, 2); !slices.Contains(l.Users, 7) {
		t.Fatal("enter unassigned the lock")
	}
}

// From the Door locks screen: a lists the panel's users with a code.
func TestAssignUserToLock(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goLocks(c)
	c.press("a")
	c.waitScreen("Assign a user to lock 1 (Front door)", "Panel users of Main building with a code:")
	c.typ("Cleaner")
	c.waitScreen("4 · Cleaner")
	c.press("enter")
	c.waitStatus("panel user 4 (Cleaner) assigned to lock 1 (Front door)")
	c.waitGone("Assign a user")
	c.waitLineWith("Front door", "3    1")
	if l := f.getLock(t, f.lock.ID); !slices.Equal(l.Users, []int{2, 3, 4}) {
		t.Fatalf("front door users: %v", l.Users)
	}
	c.press("enter")
	c.waitScreen("Users     3 of 20: 2 Reception, 3 Night guard, 4 Cleaner")
}

// Unlocking asks for a reason; Enter does not unlock, ctrl+y does, and the
// reason is in the action log.
func TestUnlockWithReason(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goLocks(c)
	before := f.getLock(t, f.lock.ID).Sync // its users' assignments, queued with the site
	c.press("U")
	c.waitScreen("Unlock lock 1 (Front door) of Main building?", "ctrl+y unlock   esc cancel")
	// No reason: the store's words, and the dialog stays.
	c.press("ctrl+y")
	c.waitScreen("give the reason for unlocking the door: it is logged with the command")
	c.typ("courier with a parcel")
	c.press("enter")
	c.waitScreen("enter does not unlock: press ctrl+y")
	if l := f.getLock(t, f.lock.ID); l.Sync != before {
		t.Fatalf("enter unlocked: %+v", l.Sync)
	}
	c.press("ctrl+y")
	c.waitStatus("lock 1 (Front door): unlock sent to the panel; the reason is logged")
	c.waitGone("Unlock lock 1")
	c.waitLineWith("Front door", "locked", "unlocking…")
	entries, err := f.s.ListLog(f.admin, store.LogFilter{Limit: 5})
	check(t, err)
	i := slices.IndexFunc(entries, func(e store.Entry) bool { return e.Action == "lock.unlock" })
	if i < 0 || entries[i].After["reason"] != "courier with a parcel" {
		t.Fatalf("no unlock with its reason in the log: %+v", entries)
	}
	f.finish(t, f.lockJob(t, f.lock.ID), store.JobResult{Driver: "sim", Transport: "in-process", Verified: true})
	c.waitLineWith("Front door", "unlocked", "in sync")
	// Locking needs no confirmation.
	c.press("l")
	c.waitStatus("lock 1 (Front door): lock sent to the panel")
	c.waitLineWith("Front door", "locking…")
}

// A jammed lock: the header says so, the lock cannot be unlocked, and the
// reason is the store's.
func TestJammedLockRefused(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goLocks(c)
	c.waitHeader("1 low battery")
	check(t, f.s.ReportLocks(f.dispatcher(), f.main.ID, []store.LockReport{
		{Number: 1, State: store.LockJammed, Battery: 15},
		{Number: 2, State: store.LockUnlocked, Battery: 12},
	}))
	c.waitHeader("1 jammed, 2 low battery")
	c.waitLineWith("Front door", "jammed", "15% low")
	c.waitLineWith("Server room", "12% low")
	c.press("U")
	c.waitBottom("unlock: lock 1 (Front door) is jammed: free the bolt at the door; the lock can be used again once it reports another state")
	c.press("enter")
	c.waitScreen("jammed: free the bolt at the door", "unlock: lock 1 (Front door) is jammed")
	// The filter finds the locks that need someone.
	c.press("esc", "/")
	c.typ("battery:low")
	c.press("enter")
	c.waitScreen("1-2 of 2")
	c.press("/", "ctrl+u")
	c.typ("state:jammed")
	c.press("enter")
	c.waitScreen("1-1 of 1 (filtered from 2)")
}

// The user details of a user with no code: the store refuses a lock in
// its own words, and the list stays open.
func TestAssignLockNeedsCode(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goUsers(c)
	goSlot(c, 5)
	c.press("enter")
	c.waitScreen("# 5", "No code", "L door lock")
	c.press("L")
	c.waitScreen("Door locks of panel user 5 (User 5)", "1 Front door")
	c.press("enter")
	c.waitScreen("cannot be assigned to lock 1 (Front door): panel user 5 of Main building has no code; set a code first")
	c.waitScreen("Door locks of panel user 5")
	if l := f.getLock(t, f.lock.ID); slices.Contains(l.Users, 5) {
		t.Fatal("a user without a code got a lock")
	}
	// The tag form from the details: the owner is fixed, the refusal the
	// store's.
	c.press("esc")
	c.waitGone("Door locks of panel user 5")
	c.press("T")
	c.waitScreen("Enrol a tag for panel user 5 of Main building", "Owner      panel user 5 (User 5)")
	c.typ("77:1234")
	c.press("tab", "tab", "enter") // kind, then Enrol: the panel and owner are fixed
	c.waitScreen("tag cannot be given: panel user 5 of Main building has no code; set a code first")
}

// Removing a lock with users and tags says so, never on Enter, and frees
// the tags.
func TestRemoveLockWithUsers(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goLocks(c)
	c.press("R")
	c.waitScreen("Remove lock 1 (Front door) of Main building?", "It has 2 users and 1 tag assigned", "y remove")
	c.press("enter")
	c.waitGone("Remove lock 1")
	if _, err := f.s.GetLock(f.admin, f.lock.ID); err != nil {
		t.Fatalf("enter removed the lock: %v", err)
	}
	c.press("R")
	c.waitScreen("Remove lock 1 (Front door) of Main building?")
	c.press("y")
	c.waitStatus("lock 1 (Front door) removed")
	c.waitScreen("1-1 of 1")
	if tg := f.tag(t, tagLock); tg.Assigned() || tg.Lock != 0 {
		t.Fatalf("the removed lock's tag: %+v", tg)
	}
}

// Adding a lock: name, model and panel; the new lock is selected.
func TestAddLock(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goLocks(c)
	c.press("n")
	c.waitScreen("Add a door lock", "← Yale Doorman L2 →", "← Main building →")
	c.typ("Loading bay")
	c.press("tab", "right", "right") // Generic Z-Wave lock
	c.waitScreen("← Generic Z-Wave lock →", "250 users · no tags")
	c.press("tab", "tab", "enter")
	c.waitStatus("lock 3 (Loading bay) linked to Main building as its lock 3")
	c.waitLineWith("Loading bay", "▶", "Z-Wave", "unknown", "-")
	if l := f.getLock(t, 3); l.Model != store.ModelZWave || l.Panel != f.main.ID {
		t.Fatalf("lock added: %+v", l)
	}
	// A name the panel has: the store's words, in the form.
	c.press("n")
	c.waitScreen("Add a door lock")
	c.typ("front door")
	c.press("tab", "tab", "tab", "enter")
	c.waitScreen(`panel 1 (Main building) has a lock named "front door" already`)
}

// Marking a tag lost asks first and says it goes off the hardware at once.
func TestMarkTagLost(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goTags(c)
	c.press("G", "L")
	c.waitScreen("Mark tag "+tagLock+" lost?", "This disables it on the hardware at once", "y mark lost")
	c.press("enter")
	c.waitGone("Mark tag")
	c.press("L")
	c.waitScreen("Mark tag " + tagLock + " lost?")
	c.press("y")
	c.waitStatus("tag " + tagLock + " marked lost")
	c.waitLineWith(tagLock, "lost", "pending")
	if tg := f.tag(t, tagLock); tg.Status != store.TagLost || tg.Sync.State != store.SyncPending {
		t.Fatalf("lost tag: %+v", tg)
	}
	// Lost already: the store says so.
	c.press("L")
	c.waitStatus("lost: tag " + tagLock + " is marked lost already")
}

// A guard may open a door but not change a lock's users; an auditor may
// do neither: the store's words.
func TestLocksReadOnlyForGuard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleGuard]})
	goLocks(c)
	c.press("a")
	c.waitStatus(`assign user: operator gina does not have the "manage locks and tags" permission`)
	c.press("U")
	c.waitScreen("Unlock lock 1")
	c.press("esc")
	// The users' assignments on their way are not the guard's to cancel;
	// their own unlock command is (a door command needs lock/unlock doors).
	c.press("X")
	c.waitStatus(`cancel job: operator gina does not have the "manage locks and tags" permission`)
	c.press("U")
	c.waitScreen("Unlock lock 1")
	c.typ("courier with a parcel")
	c.press("ctrl+y")
	c.waitLineWith("Front door", "unlocking…")
	c.press("X")
	c.waitScreen("Cancel job")
	c.press("y")
	c.waitStatus("cancelled")

	a := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleAuditor]})
	goLocks(a)
	a.press("U")
	a.waitStatus(`does not have the "lock/unlock doors" permission`)
}

// Loads come back in any order: a load that read the store before an
// unlock's result, arriving after the one that read it, must not put
// "unlocking…" back on screen (it stayed there until the next poll's
// change, and the store then refused what the stale row offered).
func TestOlderLoadNeverReplacesNewer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := &common{st: f.s, actor: f.admin, keys: must(newKeymap(nil)), now: fixedClock}
	s := newLocksScreen(c)
	check(t, f.s.UnlockDoor(f.admin, f.lock.ID, "delivery"))
	before := s.load()() // reads "unlocking…"
	seq := must(f.s.GetLock(f.admin, f.lock.ID)).Sync.Job
	f.finish(t, seq, store.JobResult{Driver: "sim", Transport: "in-process", Verified: true})
	after := s.load()() // reads the result
	s.update(after)
	s.update(before)
	r, ok := rowWith(s.items, func(r lockRow) int { return int(r.l.ID) }, int(f.lock.ID))
	if !ok {
		t.Fatal("the lock is not on screen")
	}
	if got := lockCells(r); got[lockStateCol] != string(store.LockUnlocked) || got[lockSyncCol] != "in sync" {
		t.Errorf("after the unlock's result: state %q, sync %q; want unlocked, in sync", got[lockStateCol], got[lockSyncCol])
	}
	// The users and panels screens keep their loads in order too.
	u := newUsersScreen(c)
	u.setPanel(f.main.ID)
	old := runLoad(u.load())
	check(t, f.s.SetLabel(f.admin, f.main.ID, 7, "Night courier"))
	u.update(runLoad(u.load()))
	u.update(old)
	if got, _ := u.user(7); got.Label != "Night courier" {
		t.Errorf("slot 7 label %q after an older load came back last", got.Label)
	}
}

// runLoad runs a screen's load Cmd and returns its loaded message (the
// first message of a batch that is not progress).
func runLoad(cmd tea.Cmd) tea.Msg {
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		return b[0]()
	}
	return msg
}

// The header's outbox counts keep their loads in order too: an older
// count coming back last does not put a finished job back as pending.
func TestHeaderCountsInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, err := New(Options{Store: f.s, Actor: f.admin, Theme: "dark", Now: fixedClock, Environ: []string{}})
	check(t, err)
	old := a.loadSync()().(syncSummaryMsg)
	f.relabel(t, 20, "Boiler room")
	newer := a.loadSync()().(syncSummaryMsg)
	if newer.counts.Pending != old.counts.Pending+1 {
		t.Fatalf("pending %d then %d: the relabel queued no job", old.counts.Pending, newer.counts.Pending)
	}
	a.Update(newer)
	a.Update(old)
	if a.sync.Pending != newer.counts.Pending {
		t.Errorf("header pending %d after an older count came back last, want %d", a.sync.Pending, newer.counts.Pending)
	}
}
