package store

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store/access"
)

// accessSite is a small access configuration in one unit: office hours,
// a door group with two doors, a level allowing the group in office hours
// and a group giving that level.
type accessSite struct {
	hours  TimeProfile
	group  DoorGroup
	main   Door
	back   Door
	office AccessLevel
	staff  AccessGroup
}

func (f *fx) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// accessSite builds an accessSite in unit; names carry n so several fit
// in one unit.
func (f *fx) accessSite(unit uint64) accessSite {
	f.t.Helper()
	n := f.next()
	var s accessSite
	var err error
	iv, err := access.ParseIntervals("Mon-Fri 08:00-17:00")
	f.must(err)
	s.hours, err = f.s.AddTimeProfile(f.admin, TimeProfile{ConfMeta: ConfMeta{Name: fmt.Sprintf("Office hours %d", n), Unit: unit}, Intervals: iv})
	f.must(err)
	s.group, err = f.s.AddDoorGroup(f.admin, DoorGroup{ConfMeta{Name: fmt.Sprintf("Ground floor %d", n), Unit: unit}})
	f.must(err)
	s.main, err = f.s.AddDoor(f.admin, Door{ConfMeta: ConfMeta{Name: fmt.Sprintf("Main %d", n), Unit: unit}, Groups: []uint32{s.group.ID}, Lock: 1})
	f.must(err)
	s.back, err = f.s.AddDoor(f.admin, Door{ConfMeta: ConfMeta{Name: fmt.Sprintf("Back %d", n), Unit: unit}, Lock: 2})
	f.must(err)
	s.office, err = f.s.AddAccessLevel(f.admin, AccessLevel{Unit: unit, AccessLevel: access.AccessLevel{
		Name: fmt.Sprintf("Office %d", n), MenuGroups: []access.MenuGroupID{1},
		Doors: []access.DoorRule{{Group: access.DoorGroupID(s.group.ID), Profile: access.ProfileID(s.hours.ID)}},
	}}, false)
	f.must(err)
	s.staff, err = f.s.AddAccessGroup(f.admin, AccessGroup{ConfMeta: ConfMeta{Name: fmt.Sprintf("Staff %d", n), Unit: unit}, Levels: []uint32{uint32(s.office.ID)}})
	f.must(err)
	return s
}

// tuesday10 is Tuesday 24 November 2026, 10:00 UTC (the store's zone in
// tests is set to UTC).
var tuesday10 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func TestAccessDecisionsThroughTheStore(t *testing.T) {
	f := newFx(t)
	f.must(f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "UTC"}))
	site := f.accessSite(RootUnit)
	ann, err := f.s.AddPerson(f.admin, Person{Name: "Ann", Unit: RootUnit, Active: true, Groups: []uint32{site.staff.ID}},
		[]access.Identifier{card("10:456"), accessCode("4711")})
	f.must(err)

	decide := func(c AccessCheck) access.Decision {
		t.Helper()
		d, err := f.s.Decide(f.admin, c)
		f.must(err)
		return d
	}
	tap := func(k access.Kind, v string) []access.Presented {
		return []access.Presented{{Kind: k, Value: v, At: tuesday10}}
	}

	if d := decide(AccessCheck{Credentials: tap(access.KindCard, "010:0456"), Door: site.main.ID, Direction: access.Entry, At: tuesday10}); !d.Grant || d.Person != access.PersonID(ann.ID) {
		t.Fatalf("Ann's card at the main door in office hours: %s", d)
	}
	// The typed code is checked against the stored keyed hash.
	if d := decide(AccessCheck{Credentials: tap(access.KindAccessCode, "4711"), Door: site.main.ID, Direction: access.Entry, At: tuesday10}); !d.Grant {
		t.Fatalf("Ann's access code: %s", d)
	}
	_, err = f.s.Decide(f.admin, AccessCheck{Credentials: tap(access.KindAccessCode, "4712"), Door: site.main.ID, Direction: access.Entry, At: tuesday10})
	fxWant(t, err, ErrNotFound, "no one in your organization units holds access code ****")
	if strings.Contains(err.Error(), "4712") {
		t.Fatalf("the refusal shows the code: %v", err)
	}
	// The back door is in no rule of the level.
	d := decide(AccessCheck{Person: ann.ID, Door: site.back.ID, Direction: access.Exit, At: tuesday10})
	if d.Grant || !strings.Contains(d.Reason(), "Back") {
		t.Fatalf("back door: %s", d)
	}
	// Saturday is outside office hours.
	if d := decide(AccessCheck{Person: ann.ID, Door: site.main.ID, Direction: access.Entry, At: tuesday10.AddDate(0, 0, 4)}); d.Grant || !strings.Contains(d.Reason(), "outside") {
		t.Fatalf("Saturday: %s", d)
	}

	// A change is seen by the next decision: the engine is rebuilt.
	ann.Active = false
	_, err = f.s.EditPerson(f.admin, ann)
	f.must(err)
	if d := decide(AccessCheck{Person: ann.ID, Door: site.main.ID, Direction: access.Entry, At: tuesday10}); d.Grant || d.Reasons[len(d.Reasons)-1].Rule != access.RuleActive {
		t.Fatalf("inactive Ann: %s", d)
	}
	ann.Active = true
	_, err = f.s.EditPerson(f.admin, ann)
	f.must(err)

	who, err := f.s.WhoCanOpen(f.admin, site.main.ID, access.Entry, tuesday10)
	f.must(err)
	if len(who) != 1 || who[0].ID != ann.ID {
		t.Fatalf("who can open the main door: %v", who)
	}
	who, err = f.s.WhoCanOpen(f.admin, site.main.ID, access.Entry, tuesday10.Add(12*time.Hour))
	f.must(err)
	if len(who) != 0 {
		t.Fatalf("who can open the main door at night: %v", who)
	}

	// The time zone decides what "office hours" means.
	f.must(f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "America/New_York"}))
	if d := decide(AccessCheck{Person: ann.ID, Door: site.main.ID, Direction: access.Entry, At: tuesday10}); d.Grant {
		t.Fatalf("10:00 UTC is 05:00 in New York, outside office hours: %s", d)
	}
	fxWant(t, f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "Mars/Olympus"}), ErrInvalid, "not a time zone")
}

func TestAccessConfigRules(t *testing.T) {
	f := newFx(t)
	site := f.accessSite(RootUnit)
	alwaysLevel := func(name string) AccessLevel {
		return AccessLevel{Unit: RootUnit, AccessLevel: access.AccessLevel{Name: name, MenuGroups: []access.MenuGroupID{1}}}
	}
	t.Run("names are unique in a unit", func(t *testing.T) {
		_, err := f.s.AddDoor(f.admin, Door{ConfMeta: ConfMeta{Name: strings.ToUpper(site.main.Name), Unit: RootUnit}})
		fxWant(t, err, ErrDuplicate, "already has a door named")
	})
	t.Run("a level has one menu group or no keypad menu", func(t *testing.T) {
		l := alwaysLevel("Two menus")
		l.MenuGroups = []access.MenuGroupID{1, 2}
		_, err := f.s.AddAccessLevel(f.admin, l, false)
		fxWant(t, err, ErrInvalid, "2 menu groups; a level has exactly one, or none for no keypad menu")
		l = alwaysLevel("No menu")
		l.MenuGroups = nil
		got, err := f.s.AddAccessLevel(f.admin, l, false)
		if err != nil {
			t.Fatalf("a level without a keypad menu: %v", err)
		}
		if got, err = f.s.GetAccessLevel(f.admin, uint32(got.ID)); err != nil || !got.NoKeypadMenu() {
			t.Fatalf("stored as %+v, %v: want no keypad menu", got.MenuGroups, err)
		}
	})
	t.Run("include all doors asks first", func(t *testing.T) {
		l := alwaysLevel("Everything")
		l.IncludeAllDoors = true
		_, err := f.s.AddAccessLevel(f.admin, l, false)
		fxWant(t, err, ErrConfirm, "includes all doors", "Confirm")
		if _, err := f.s.FindAccessLevel(f.admin, "Everything"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the unconfirmed level was saved: %v", err)
		}
		if _, err := f.s.AddAccessLevel(f.admin, l, true); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unknown references", func(t *testing.T) {
		l := alwaysLevel("Ghost door")
		l.Doors = []access.DoorRule{{Door: 99}}
		_, err := f.s.AddAccessLevel(f.admin, l, false)
		fxWant(t, err, ErrNotFound, "door rule 1 names door 99")
		l.Doors = []access.DoorRule{{Door: access.DoorID(site.main.ID), Profile: 77}}
		_, err = f.s.AddAccessLevel(f.admin, l, false)
		fxWant(t, err, ErrNotFound, "time profile 77")
		_, err = f.s.AddDoor(f.admin, Door{ConfMeta: ConfMeta{Name: "Side", Unit: RootUnit}, Groups: []uint32{42}})
		fxWant(t, err, ErrNotFound, "door group 42")
		_, err = f.s.AddPerson(f.admin, Person{Name: "Lev", Unit: RootUnit, Levels: []uint32{555}}, nil)
		fxWant(t, err, ErrNotFound, "access level 555")
	})
	t.Run("bad schedules and rules", func(t *testing.T) {
		_, err := f.s.AddTimeProfile(f.admin, TimeProfile{ConfMeta: ConfMeta{Name: "Empty interval", Unit: RootUnit},
			Intervals: []access.WeeklyInterval{{Days: access.Weekdays, Start: 600, End: 600}}})
		fxWant(t, err, ErrInvalid, "empty")
		_, err = f.s.AddAccessGroup(f.admin, AccessGroup{ConfMeta: ConfMeta{Name: "One factor", Unit: RootUnit},
			MultiFactor: &access.MultiFactor{Kinds: []access.Kind{access.KindCard}}})
		fxWant(t, err, ErrInvalid, "at least two identifier kinds")
		_, err = f.s.AddPerson(f.admin, Person{Name: "Locky", Unit: RootUnit, Locks: []int{0}}, nil)
		fxWant(t, err, ErrInvalid, "lock number 0 is out of range")
	})
	t.Run("in use cannot go", func(t *testing.T) {
		fxWant(t, f.s.RemoveTimeProfile(f.admin, site.hours.ID), ErrState, "still used by access level")
		fxWant(t, f.s.RemoveDoorGroup(f.admin, site.group.ID), ErrState, "still used by door", "access level")
		fxWant(t, f.s.RemoveAccessLevel(f.admin, uint32(site.office.ID)), ErrState, "access group")
		p := f.person("Member", RootUnit)
		p.Groups = []uint32{site.staff.ID}
		_, err := f.s.EditPerson(f.admin, p)
		f.must(err)
		fxWant(t, f.s.RemoveAccessGroup(f.admin, site.staff.ID), ErrState, "person", "Member")
		// Unused, it goes.
		f.must(f.s.RemoveDoor(f.admin, site.back.ID))
		if _, err := f.s.GetDoor(f.admin, site.back.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("removed door still there: %v", err)
		}
	})
	t.Run("edit keeps created and logs both states", func(t *testing.T) {
		d := site.main
		d.Name = "Main entrance"
		f.clk.Advance(time.Hour)
		got, err := f.s.EditDoor(f.admin, d)
		f.must(err)
		if !got.Created.Equal(site.main.Created) || !got.Updated.After(got.Created) {
			t.Fatalf("times: created %v updated %v", got.Created, got.Updated)
		}
		e := f.lastLogAction("door.edit")
		if e.Before["name"] != site.main.Name || e.After["name"] != "Main entrance" {
			t.Fatalf("log entry: %+v", e)
		}
	})
	t.Run("find by name or ID", func(t *testing.T) {
		got, err := f.s.FindTimeProfile(f.admin, strings.ToLower(site.hours.Name))
		f.must(err)
		if got.ID != site.hours.ID {
			t.Fatalf("found %d, want %d", got.ID, site.hours.ID)
		}
		got, err = f.s.FindTimeProfile(f.admin, fmt.Sprint(site.hours.ID))
		f.must(err)
		if got.Name != site.hours.Name {
			t.Fatalf("found %q", got.Name)
		}
	})
}

// Records of one building are invisible to another building's operator,
// and a building's records may not name a sibling's; an organization-wide
// profile serves everyone but only its own operators change it.
func TestAccessConfigScope(t *testing.T) {
	f := newFx(t)
	a := f.unit(RootUnit, "Building A", UnitBuilding)
	b := f.unit(RootUnit, "Building B", UnitBuilding)
	siteA := f.accessSite(a.ID)
	siteB := f.accessSite(b.ID)
	shared, err := f.s.AddTimeProfile(f.admin, TimeProfile{ConfMeta: ConfMeta{Name: "Company hours", Unit: RootUnit}})
	f.must(err)
	opA := f.operator(RoleSupervisor, a.ID)

	doorsA, err := f.s.ListDoors(opA)
	f.must(err)
	if len(doorsA) != 2 {
		t.Fatalf("A's operator sees %d doors, want 2: %v", len(doorsA), doorsA)
	}
	profs, err := f.s.ListTimeProfiles(opA)
	f.must(err)
	if len(profs) != 2 {
		t.Fatalf("A's operator sees %d profiles, want A's and the company's: %v", len(profs), profs)
	}
	_, err = f.s.GetDoor(opA, siteB.main.ID)
	fxWant(t, err, ErrNotFound, "no door")
	fxWant(t, f.s.RemoveDoor(opA, siteB.back.ID), ErrNotFound, "no door")
	// A's level may use the company's profile but not B's door.
	l := AccessLevel{Unit: a.ID, AccessLevel: access.AccessLevel{Name: "A level", MenuGroups: []access.MenuGroupID{1},
		Doors: []access.DoorRule{{Door: access.DoorID(siteA.main.ID), Profile: access.ProfileID(shared.ID)}}}}
	_, err = f.s.AddAccessLevel(opA, l, false)
	f.must(err)
	l.Name = "A level 2"
	l.Doors = append(l.Doors, access.DoorRule{Door: access.DoorID(siteB.main.ID)})
	_, err = f.s.AddAccessLevel(opA, l, false)
	fxWant(t, err, ErrNotFound, "not in your organization units")
	// The admin sees both, but still may not cross buildings.
	_, err = f.s.AddAccessLevel(f.admin, l, false)
	fxWant(t, err, ErrInvalid, "belongs to", "Building B")
	// The company's profile is A's to use, not to change.
	shared.Name = "Renamed"
	_, err = f.s.EditTimeProfile(opA, shared)
	fxWant(t, err, ErrPermission, "you may use it but not change it")
	// Select all: the groups serving a person of A are A's and the
	// organization's, never B's, even for an administrator who sees both.
	orgGroup, err := f.s.AddAccessGroup(f.admin, AccessGroup{ConfMeta: ConfMeta{Name: "Everyone", Unit: RootUnit}})
	f.must(err)
	forA, err := f.s.AccessGroupsFor(f.admin, a.ID)
	f.must(err)
	if len(forA) != 2 || forA[0].ID != siteA.staff.ID || forA[1].ID != orgGroup.ID {
		t.Fatalf("groups serving building A: %+v", forA)
	}
	// Decisions stay in scope: B's person's card is nobody's to A.
	_, err = f.s.AddPerson(f.admin, Person{Name: "Bea", Unit: b.ID, Active: true, Groups: []uint32{siteB.staff.ID}}, []access.Identifier{card("9000")})
	f.must(err)
	_, err = f.s.Decide(opA, AccessCheck{Credentials: []access.Presented{{Kind: access.KindCard, Value: "9000"}}, Door: siteA.main.ID, Direction: access.Entry})
	fxWant(t, err, ErrNotFound, "no one in your organization units holds card 9000")
	_, err = f.s.WhoCanOpen(opA, siteB.main.ID, access.Both, tuesday10)
	fxWant(t, err, ErrNotFound, "no door")
}

func TestUnassignedIdentifiers(t *testing.T) {
	f := newFx(t)
	p := f.person("Leaver", RootUnit, card("5:100"), accessCode("2468"))
	f.must(f.s.RemovePerson(f.admin, p.ID))
	free, err := f.s.ListUnassignedIdentifiers(f.admin)
	f.must(err)
	if len(free) != 1 || free[0].Value != "5:100" || !strings.Contains(free[0].From, "Leaver") {
		t.Fatalf("pool after removing a person: %+v (the access code must not be there)", free)
	}
	_, err = f.s.AddUnassignedIdentifier(f.admin, RootUnit, card("5:101"))
	f.must(err)
	_, err = f.s.AddUnassignedIdentifier(f.admin, RootUnit, card("05:101"))
	fxWant(t, err, ErrDuplicate, "already")
	_, err = f.s.AddUnassignedIdentifier(f.admin, RootUnit, accessCode("1357"))
	fxWant(t, err, ErrInvalid, "not kept unassigned")
	// Giving a pooled card to someone takes it out of the pool.
	f.person("Joiner", RootUnit, card("5:100"))
	free, err = f.s.ListUnassignedIdentifiers(f.admin)
	f.must(err)
	if len(free) != 1 || free[0].Value != "5:101" {
		t.Fatalf("pool after handing out 5:100: %+v", free)
	}
	_, err = f.s.AddUnassignedIdentifier(f.admin, RootUnit, card("5:100"))
	fxWant(t, err, ErrDuplicate, "held by someone")
	f.must(f.s.RemoveUnassignedIdentifier(f.admin, card("5:101")))
	fxWant(t, f.s.RemoveUnassignedIdentifier(f.admin, card("5:101")), ErrNotFound, "not in the unassigned pool")
}

// A restore replaces people and rules under a built engine: the next
// decision must come from the restored data, not the engine of before.
func TestDecisionsFollowARestore(t *testing.T) {
	src := newBkSource(t)
	f := src.fx
	site := f.accessSite(RootUnit)
	p, err := f.s.AddPerson(f.admin, Person{Name: "Ann", Unit: RootUnit, Active: true, Groups: []uint32{site.staff.ID}}, nil)
	f.must(err)
	granted := func() bool {
		t.Helper()
		d, err := f.s.Decide(f.admin, AccessCheck{Person: p.ID, Door: site.main.ID, Direction: access.Entry, At: tuesday10})
		f.must(err)
		return d.Grant
	}
	if !granted() {
		t.Fatal("Ann is not granted before the backup")
	}
	backup := src.backup(t)
	p.Active = false
	_, err = f.s.EditPerson(f.admin, p)
	f.must(err)
	if granted() {
		t.Fatal("inactive Ann is granted")
	}
	f.must(f.s.Restore(f.admin, src.key, bytes.NewReader(backup), true))
	if !granted() {
		t.Fatal("after restoring the backup, Ann is active again but the decision says no: the engine is stale")
	}
}

// The scope audit for people and access reads: building A's operator gets
// B's records refused exactly as missing ones, and lists without them.
func TestScopeLeakAccessReads(t *testing.T) {
	f := newLeakFx(t)
	s, boss := f.s, f.bossA
	siteA, siteB := f.accessSite(f.a.ID), f.accessSite(f.b.ID)
	f.person("Al", f.a.ID, card("65:1"))
	personB := f.person("Bea", f.b.ID, card("66:1"))
	_, err := s.AddUnassignedIdentifier(f.admin, f.b.ID, card("66:9"))
	f.must(err)
	n := func(id uint32) string { return fmt.Sprint(id) }
	u32s := func(r string) uint32 { return uint32(u64s(r)) }
	reads := []struct {
		name        string
		bRef, noRef string
		op          func(ref string) error
	}{
		{"GetPerson", fmt.Sprint(personB.ID), noID, func(r string) error { _, err := s.GetPerson(boss, u64s(r)); return err }},
		{"FindPersonByIdentifier", "66:1", "66:2", func(r string) error { _, err := s.FindPersonByIdentifier(boss, card(r)); return err }},
		{"GetTimeProfile", n(siteB.hours.ID), noID, func(r string) error { _, err := s.GetTimeProfile(boss, u32s(r)); return err }},
		{"FindTimeProfile by name", siteB.hours.Name, "Nothing", func(r string) error { _, err := s.FindTimeProfile(boss, r); return err }},
		{"FindDoorGroup", n(siteB.group.ID), noID, func(r string) error { _, err := s.FindDoorGroup(boss, r); return err }},
		{"GetDoor", n(siteB.main.ID), noID, func(r string) error { _, err := s.GetDoor(boss, u32s(r)); return err }},
		{"FindDoor by name", siteB.main.Name, "Nothing", func(r string) error { _, err := s.FindDoor(boss, r); return err }},
		{"GetAccessGroup", n(siteB.staff.ID), noID, func(r string) error { _, err := s.GetAccessGroup(boss, u32s(r)); return err }},
		{"GetAccessLevel", n(uint32(siteB.office.ID)), noID, func(r string) error { _, err := s.GetAccessLevel(boss, u32s(r)); return err }},
		{"Decide at B's door", n(siteB.main.ID), noID, func(r string) error {
			_, err := s.Decide(boss, AccessCheck{Credentials: []access.Presented{{Kind: access.KindCard, Value: "65:1"}}, Door: u32s(r), Direction: access.Entry})
			return err
		}},
		{"Decide with B's card", "66:1", "66:2", func(r string) error {
			_, err := s.Decide(boss, AccessCheck{Credentials: []access.Presented{{Kind: access.KindCard, Value: r}}, Door: siteA.main.ID, Direction: access.Entry})
			return err
		}},
		{"WhoCanOpen B's door", n(siteB.main.ID), noID, func(r string) error {
			_, err := s.WhoCanOpen(boss, u32s(r), access.Both, tuesday10)
			return err
		}},
	}
	for _, c := range reads {
		t.Run(c.name, func(t *testing.T) { sameAsMissing(t, s, boss, ErrNotFound, c.bRef, c.noRef, c.op) })
	}
	t.Run("lists", func(t *testing.T) {
		people, err := s.ListPeople(boss)
		f.must(err)
		doors, err := s.ListDoors(boss)
		f.must(err)
		free, err := s.ListUnassignedIdentifiers(boss)
		f.must(err)
		levels, err := s.ListAccessLevels(boss)
		f.must(err)
		if len(people) != 1 || len(doors) != 2 || len(free) != 0 || len(levels) != 1 {
			t.Fatalf("A's operator lists %d people, %d doors, %d unassigned, %d levels; want 1, 2, 0, 1", len(people), len(doors), len(free), len(levels))
		}
	})
}
