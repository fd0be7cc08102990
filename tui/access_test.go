package tui

// The Access tab: each view lists what the store holds; a time profile's
// intervals are checked as typed and a bad one keeps the input; a door
// and an access level with a door rule are added; include-all asks to
// confirm and enter never does; removing a profile in use shows the
// store's refusal; who can open a door lists the right person at the
// time asked; an operator who may not change access rules gets the
// reason instead of a form.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// accessSite is the access configuration the tests add to the fixture,
// in North Tower: Office hours, the Ground floor group with the Front
// door, a Server room door, the Staff level (Ground floor in office
// hours) in the Staff group, Ana in it and Ned with nothing.
type accessSite struct {
	hours               store.TimeProfile
	ground              store.DoorGroup
	front, server       store.Door
	staff               store.AccessLevel
	staffGroup          store.AccessGroup
	ana, ned            store.Person
	building            uint64
	admin               store.Actor
	st                  *store.Store
	frontKey, serverKey string
}

func addAccessSite(t *testing.T, f *fixture) *accessSite {
	t.Helper()
	s, a, u := f.s, f.admin, f.building
	x := &accessSite{building: u, admin: a, st: s}
	iv, err := access.ParseIntervals("Mon-Fri 08:00-17:00")
	check(t, err)
	x.hours = must(s.AddTimeProfile(a, store.TimeProfile{ConfMeta: store.ConfMeta{Name: "Office hours", Unit: u}, Intervals: iv}))
	x.ground = must(s.AddDoorGroup(a, store.DoorGroup{ConfMeta: store.ConfMeta{Name: "Ground floor", Unit: u}}))
	x.front = must(s.AddDoor(a, store.Door{ConfMeta: store.ConfMeta{Name: "Front door", Unit: u}, Groups: []uint32{x.ground.ID}, Lock: 1}))
	x.server = must(s.AddDoor(a, store.Door{ConfMeta: store.ConfMeta{Name: "Server room", Unit: u}, Lock: 2}))
	var l store.AccessLevel
	l.Name, l.Unit, l.MenuGroups = "Staff", u, []access.MenuGroupID{1}
	l.Doors = []access.DoorRule{{Group: access.DoorGroupID(x.ground.ID), Profile: access.ProfileID(x.hours.ID), Direction: access.Both}}
	x.staff = must(s.AddAccessLevel(a, l, false))
	x.staffGroup = must(s.AddAccessGroup(a, store.AccessGroup{ConfMeta: store.ConfMeta{Name: "Staff group", Unit: u}, Levels: []uint32{uint32(x.staff.ID)}}))
	x.ana = must(s.AddPerson(a, store.Person{Name: "Ana Access", Unit: u, Active: true, Groups: []uint32{x.staffGroup.ID}}, nil))
	x.ned = must(s.AddPerson(a, store.Person{Name: "Ned Nolevel", Unit: u, Active: true}, nil))
	return x
}

// startAccess starts the console on the fixture with the access site,
// on the Access tab's levels view.
func startAccess(t *testing.T, actor ...store.Actor) (*console, *accessSite) {
	t.Helper()
	f := newFixture(t)
	x := addAccessSite(t, f)
	o := consoleOpts{w: 120, h: 40}
	if len(actor) > 0 {
		o.actor = actor[0]
	}
	c := start(t, f, o)
	c.press("0")
	c.waitScreen("Access › Access levels", "1-1 of 1")
	return c, x
}

func TestAccessViewsListTheStore(t *testing.T) {
	t.Parallel()
	c, _ := startAccess(t)
	for _, tc := range []struct {
		name, key string
		want      []string
		rows      []string // a row's key, then texts on the same line
	}{
		{"levels", "l", []string{"Access › Access levels", "1-1 of 1"}, []string{"Staff", "Harbour Campus", "Always", "group Ground floor (Office hours, both)"}},
		{"profiles", "p", []string{"Access › Time profiles", "1-2 of 2", "always open, holidays too"}, []string{"Office hours", "Harbour Campus", "Mon-Fri 08:00-17:00"}},
		{"doors", "d", []string{"Access › Doors", "1-3 of 3"}, []string{"Front door", "door", "Ground floor", " 1"}},
		{"groups", "a", []string{"Access › Access groups", "1-1 of 1"}, []string{"Staff group", "Harbour Campus", "Staff", "-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.press(tc.key)
			c.waitScreen(tc.want...)
			c.waitLineWith(tc.rows[0], tc.rows[1:]...)
		})
	}
	// The door group is a row of the doors view too, naming its doors.
	c.press("d")
	c.waitLineWith("Ground floor", "door group", "Front door")
}

func TestAccessProfileIntervalsCheckedAsTyped(t *testing.T) {
	t.Parallel()
	c, x := startAccess(t)
	c.press("p")
	c.waitScreen("Access › Time profiles", "1-2 of 2")
	c.press("n")
	c.waitScreen("Add a time profile", "Intervals")
	c.typ("Late shift")
	c.press("tab", "tab") // the unit, the intervals
	c.typ("Mon-Fry 18:00-22:00")
	c.press("tab") // leaving the field checks it
	c.waitScreen("Mon-Fry 18:00-22:00", `"Fry" is not a day; use Mon Tue`)
	// Saving with it refuses, names the field, and keeps every input.
	c.press("tab", "enter")
	c.waitScreen(`Intervals: invalid access data: "Fry" is not a day`, "Late shift", "Mon-Fry 18:00-22:00")
	if got := c.profileNamed(t, x, "Late shift"); got != nil {
		t.Fatalf("a profile with a bad interval was saved: %+v", got)
	}
	// The focus went back to the intervals: fix them and save.
	c.press("ctrl+u")
	c.typ("Mon-Fri 18:00-22:00; Hol 10:00-12:00")
	c.press("tab")
	c.typ("12-24, 2026-12-31")
	c.press("tab", "enter")
	c.waitGone("Add a time profile")
	c.waitStatus("time profile Late shift saved")
	c.waitLineWith("Late shift", "Organization", "Mon-Fri 18:00-22:00; Hol 10:00-12:00", "12-24, 2026-12-31")
	p := c.profileNamed(t, x, "Late shift")
	if p == nil || len(p.Intervals) != 2 || len(p.Holidays) != 2 || p.Unit != store.RootUnit {
		t.Fatalf("profile saved as %+v", p)
	}
}

func (c *console) profileNamed(t *testing.T, x *accessSite, name string) *store.TimeProfile {
	t.Helper()
	ps, err := x.st.ListTimeProfiles(x.admin)
	check(t, err)
	for _, p := range ps {
		if p.Name == name {
			return &p
		}
	}
	return nil
}

func TestAccessAddDoor(t *testing.T) {
	t.Parallel()
	c, x := startAccess(t)
	c.press("d")
	c.waitScreen("Access › Doors", "1-3 of 3")
	c.press("n")
	c.waitScreen("Add a door", "[ ] Ground floor", "Lock number")
	c.typ("Back door")
	c.press("tab", "tab", "space") // the unit, then Ground floor
	c.waitScreen("> [x] Ground floor")
	c.press("tab")
	c.typ("7")
	c.press("tab", "enter")
	c.waitGone("Add a door")
	c.waitStatus("door Back door saved")
	c.waitLineWith("3 Back door", "door", "North Tower", "Ground floor", " 7")
	doors, err := x.st.ListDoors(x.admin)
	check(t, err)
	var got *store.Door
	for _, d := range doors {
		if d.Name == "Back door" {
			got = &d
		}
	}
	if got == nil || got.Lock != 7 || len(got.Groups) != 1 || got.Groups[0] != x.ground.ID || got.Unit != x.building {
		t.Fatalf("door saved as %+v", got)
	}
	// The group lists its new door.
	c.waitLineWith("Ground floor", "door group", "Front door, Back door")
}

// levelMenu moves from the level form's name to its menu group: the
// ninth stop from the end.
func levelMenu(c *console) {
	for range 9 {
		c.press("shift+tab")
	}
	c.waitScreen("> ▌")
}

func TestAccessAddLevelWithDoorRule(t *testing.T) {
	t.Parallel()
	c, x := startAccess(t)
	c.press("n")
	c.waitScreen("Add an access level", "General", "Doors", "Areas", "Add a door rule")
	c.typ("Servers")
	for range 6 { // second name, notes, unit, schedule, location, add rule
		c.press("tab")
	}
	c.press("enter")
	c.waitScreen("Rule 1 door", "door 1 Front door", "profile", "direction", "Remove rule 1")
	c.press("right") // the Server room
	c.waitScreen("door 2 Server room")
	c.press("tab", "right") // profile: Office hours
	c.press("tab", "right") // direction: entry
	c.waitScreen("‹ Office hours ›", "‹ entry ›")
	// No menu group typed: the form refuses (empty is not "none"), keeps
	// everything and puts the focus on the menu group.
	for range 21 { // remove, add, all doors, 5 areas, 4 floors, 9 menu and outputs
		c.press("tab")
	}
	c.waitScreen(">  Save")
	c.press("enter")
	c.waitScreen("Menu group: type the keypad menu group's number, or none for no keypad menu")
	c.typ("1")
	for range 8 {
		c.press("tab")
	}
	c.press("enter")
	c.waitGone("Add an access level")
	c.waitStatus("access level Servers saved")
	c.waitLineWith("Servers", "Harbour Campus", "Server room (Office hours, entry)")
	l, err := x.st.FindAccessLevel(x.admin, "Servers")
	check(t, err)
	want := access.DoorRule{Door: access.DoorID(x.server.ID), Profile: access.ProfileID(x.hours.ID), Direction: access.Entry}
	if len(l.Doors) != 1 || l.Doors[0] != want || len(l.MenuGroups) != 1 || l.MenuGroups[0] != 1 {
		t.Fatalf("level saved as %+v", l.AccessLevel)
	}
}

// A level may give no keypad menu (002): "none" in the menu group saves
// a level without one, the details say so, and the edit form shows none.
func TestAccessLevelWithoutKeypadMenu(t *testing.T) {
	t.Parallel()
	c, x := startAccess(t)
	c.press("n")
	c.waitScreen("Add an access level")
	c.typ("Visitors")
	levelMenu(c)
	c.typ("none")
	c.press("tab")
	c.waitScreen("> ▌", "none")
	for range 7 {
		c.press("tab")
	}
	c.waitScreen(">  Save")
	c.press("enter")
	c.waitGone("Add an access level")
	c.waitStatus("access level Visitors saved")
	c.waitLineWith("Visitors", "Harbour Campus", "none")
	l, err := x.st.FindAccessLevel(x.admin, "Visitors")
	check(t, err)
	if !l.NoKeypadMenu() {
		t.Fatalf("level saved with menu groups %v, want none", l.MenuGroups)
	}
	c.press("enter")
	c.waitScreen("Access level Visitors", "none: no keypad menu")
	c.press("esc")
	c.waitGone("none: no keypad menu")
	c.press("e")
	c.waitScreen("Edit access level Visitors")
	for range 9 {
		c.press("shift+tab")
	}
	c.waitScreen("> none▌")
}

func TestAccessIncludeAllAsksToConfirm(t *testing.T) {
	t.Parallel()
	c, x := startAccess(t)
	c.press("n")
	c.waitScreen("Add an access level")
	c.typ("Everywhere")
	for range 7 {
		c.press("tab")
	}
	c.press("space")
	c.waitScreen("> [x] Include all doors", "Access level Everywhere includes all doors")
	c.press("shift+tab", "shift+tab", "shift+tab", "shift+tab", "shift+tab", "shift+tab", "shift+tab") // back to the name
	levelMenu(c)
	c.typ("1")
	for range 8 {
		c.press("tab")
	}
	c.press("enter")
	c.waitScreen("Save access level Everywhere with include-all options?", "includes all doors", "y save")
	// Enter never confirms: the form is back, nothing saved.
	c.press("enter")
	c.waitGone("with include-all options?")
	c.waitScreen("Add an access level", "[x] Include all doors")
	if _, err := x.st.FindAccessLevel(x.admin, "Everywhere"); err == nil {
		t.Fatal("enter saved an include-all level")
	}
	c.press("enter") // still on Save
	c.waitScreen("with include-all options?")
	c.press("y")
	c.waitGone("Add an access level")
	c.waitStatus("access level Everywhere saved")
	c.waitLineWith("Everywhere", "ALL DOORS")
	l, err := x.st.FindAccessLevel(x.admin, "Everywhere")
	check(t, err)
	if !l.IncludeAllDoors {
		t.Fatalf("level saved as %+v", l.AccessLevel)
	}
}

func TestAccessRemoveProfileInUse(t *testing.T) {
	t.Parallel()
	c, x := startAccess(t)
	c.press("p")
	c.waitScreen("Access › Time profiles", "1-2 of 2")
	c.pick("name:office")
	c.press("R")
	c.waitScreen("Remove time profile", "Office hours?", "n/esc/enter cancel")
	c.press("y")
	c.waitStatus("still used by access level")
	if !strings.Contains(c.status(), "Staff") {
		t.Fatalf("the refusal does not name the level: %q", c.status())
	}
	if p := c.profileNamed(t, x, "Office hours"); p == nil {
		t.Fatal("the profile in use is gone")
	}
	// Always is built in: no remove at all, with the reason.
	c.pick("name:always")
	c.press("R")
	c.waitStatus("Always is built in")
}

func TestAccessWhoCanOpen(t *testing.T) {
	t.Parallel()
	c, _ := startAccess(t)
	c.press("d")
	c.waitScreen("Access › Doors", "1-3 of 3")
	c.pick("name:front")
	c.press("w")
	scr := c.waitScreen("Who can open door 1 Front door", "1 person can open it for both at 2026-05-13 16:24", "Ana Access")
	if strings.Contains(scr, "Ned Nolevel") {
		t.Fatalf("Ned, with no level, is listed:\n%s", scr)
	}
	c.press("right")
	c.waitScreen("1 person can open it for entry at 2026-05-13 16:24")
	// After office hours nobody may.
	c.press("tab", "ctrl+u")
	c.typ("2026-05-13 18:00")
	c.press("enter")
	c.waitScreen("0 people can open it for entry at 2026-05-13 18:00")
	c.press("esc")
	c.waitGone("Who can open")
	// A door group is not asked: the reason instead.
	c.pick("name:ground")
	c.press("w")
	c.waitStatus("pick a door")
}

func TestAccessReadOnlyGetsTheReason(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	addAccessSite(t, f)
	guard := f.ops[store.RoleGuard]
	if guard.Can(store.PermManagePeople) {
		t.Skip("the guard role manages people and access")
	}
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: guard})
	c.press("0")
	c.waitScreen("Access › Access levels", "1-1 of 1", "Staff")
	for _, tc := range []struct{ view, key, action string }{
		{"l", "n", "add"}, {"l", "e", "edit"}, {"p", "n", "add"}, {"d", "n", "add door"}, {"a", "R", "remove"},
	} {
		t.Run(tc.view+tc.key, func(t *testing.T) {
			c.press(tc.view, tc.key)
			c.waitStatus(tc.action + ": operator gina does not have the \"manage people and access\" permission")
			if scr := c.screen(); strings.Contains(scr, "Save") {
				t.Fatalf("a form opened for a read-only operator:\n%s", scr)
			}
		})
	}
}

// Editing a level that already includes all doors asks again (from the
// details dock, at 80x24), and y saves it and closes the form.
func TestAccessEditIncludeAllLevel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	x := addAccessSite(t, f)
	l := x.staff
	l.IncludeAllDoors = true
	_, err := x.st.EditAccessLevel(x.admin, l, true)
	check(t, err)
	c := start(t, f, consoleOpts{w: 80, h: 24})
	c.press("0")
	c.waitScreen("Access › Access levels", "1-1 of 1")
	c.press("enter")
	c.waitScreen("Warning", "includes all doors")
	c.press("e")
	c.waitScreen("Edit access level Staff")
	c.press("shift+tab")
	c.waitScreen(">  Save")
	c.press("enter")
	c.waitScreen("with include-all")
	c.press("y")
	c.waitStatus("access level Staff saved")
	c.waitGone("Edit access level")
	c.waitScreen("Access level Staff", "Warning") // the details stay
}

// The Access tab's screens and dialogs, golden at 80x24 and 120x40 in
// both themes: testdata/TestScreensAccess/<Case>/<size>-<theme>.golden.
var accessScreenCases = []screenCase{
	{"Levels", func(c driver) { c.press("0"); c.waitScreen("Access › Access levels", "1-1 of 1") }},
	{"Profiles", func(c driver) { c.press("0", "p"); c.waitScreen("Access › Time profiles", "1-2 of 2") }},
	{"Doors", func(c driver) { c.press("0", "d"); c.waitScreen("Access › Doors", "1-3 of 3") }},
	{"Groups", func(c driver) { c.press("0", "a"); c.waitScreen("Access › Access groups", "1-1 of 1") }},
	{"LevelDetails", func(c driver) {
		c.press("0")
		c.waitScreen("Access › Access levels", "1-1 of 1")
		c.press("enter")
		c.waitScreen("Access level Staff", "Menu group", "esc close")
	}},
	{"LevelForm", func(c driver) {
		c.press("0")
		c.waitScreen("Access › Access levels", "1-1 of 1")
		c.press("e")
		c.waitScreen("Edit access level Staff", "Rule 1 door", "group 1 Ground floor")
	}},
	{"ProfileForm", func(c driver) {
		c.press("0", "p")
		c.waitScreen("Access › Time profiles", "1-2 of 2")
		c.press("n")
		c.waitScreen("Add a time profile", "Holidays")
	}},
	{"WhoCanOpen", func(c driver) {
		c.press("0", "d")
		c.waitScreen("Access › Doors", "1-3 of 3")
		c.press("j", "w")
		c.waitScreen("Who can open door 1 Front door", "1 person can open it", "Ana Access")
	}},
}

func TestScreensAccess(t *testing.T) {
	t.Parallel()
	f := builtFixture(t) // the screens only read: one site for all
	addAccessSite(t, f)
	goldenScreenCases(t, f, accessScreenCases, nil)
}

// goldenScreenCases goldens each case at every size in both themes, as
// TestScreens does: each console gets ready first (nil: nothing to do).
func goldenScreenCases(t *testing.T, f *fixture, cases []screenCase, ready func(c *console)) {
	t.Helper()
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) {
			for _, sz := range sizes {
				for _, theme := range []string{"dark", "light"} {
					t.Run(fmt.Sprintf("%dx%d-%s", sz.w, sz.h, theme), func(t *testing.T) {
						t.Parallel()
						c := start(t, f, consoleOpts{w: sz.w, h: sz.h, theme: theme})
						if ready != nil {
							ready(c)
						}
						sc.open(c)
						lines := c.settled()
						checkFrame(t, lines, sz.w, sz.h)
						goldenScreen(t, strings.Join(lines, "\n"))
						goldenStyled(t, f, sc, theme, sz.w, lines)
					})
				}
			}
		})
	}
}

// The row renderers and the text forms on their own.
func TestAccessCells(t *testing.T) {
	n := accessNames{profiles: map[uint32]string{3: "Nights"}, doors: map[uint32]string{1: "Front"}, doorGroups: map[uint32]string{2: "Ground"}}
	var l store.AccessLevel
	l.ID, l.Name, l.Notes, l.Schedule, l.MenuGroups = 4, "Night", "in by the front", 3, []access.MenuGroupID{1}
	l.Doors = []access.DoorRule{{Door: 1, Profile: 3, Direction: access.Entry}, {Group: 2}, {Door: 9, Direction: access.Exit}}
	for _, tc := range []struct {
		name string
		got  []string
		want string
	}{
		{"level", levelCells(levelRow{l: l, unit: "North", names: n}), "4|Night|North|Nights|Front (Nights, entry), group Ground (Always, both), door 9 (Always, exit)|1|in by the front"},
		{"always", profileCells(profileRow{}), "0|Always|built in|always open, holidays too|-"},
		{"profile", profileCells(profileRow{p: store.TimeProfile{ConfMeta: store.ConfMeta{ID: 2, Name: "Shut"}, Holidays: []access.Date{{Month: 12, Day: 25}}}, unit: "North"}), "2|Shut|North|never open|12-25"},
		{"door", doorCells(doorRow{d: store.Door{ConfMeta: store.ConfMeta{ID: 1, Name: "Front"}, Lock: 3}, unit: "North", members: []string{"Ground"}}), "door|1|Front|North|Ground|3"},
		{"door group", doorCells(doorRow{group: true, d: store.Door{ConfMeta: store.ConfMeta{ID: 2, Name: "Ground"}}, unit: "North"}), "door group|2|Ground|North|-|-"},
		{"group", groupCells(groupRow{g: store.AccessGroup{ConfMeta: store.ConfMeta{ID: 5, Name: "IT"}, MultiFactor: &access.MultiFactor{Kinds: []access.Kind{access.KindCard, access.KindAccessCode}, Ordered: true}}, unit: "North", levels: []string{"Staff"}}),
			"5|IT|North|Staff|card then access code within 30s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(tc.got, "|"); got != tc.want {
				t.Fatalf("cells\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	if len(levelCells(levelRow{l: l, names: n})) != len(levelCols) || len(profileCells(profileRow{})) != len(profileCols) ||
		len(doorCells(doorRow{})) != len(doorCols) || len(groupCells(groupRow{})) != len(groupCols) {
		t.Error("a row renderer and its columns disagree")
	}
}

func TestAccessRuleLists(t *testing.T) {
	ps := []store.TimeProfile{{ConfMeta: store.ConfMeta{ID: 3, Name: "Nights"}}}
	n := accessNames{profiles: map[uint32]string{3: "Nights"}}
	for _, tc := range []struct {
		in, want, err string
		groups        bool
	}{
		{in: "1, 4@Nights", want: "1, 4@Nights"},
		{in: " 2@3 ,, 5@always ", want: "2@Nights, 5"},
		{in: "3, G2@nights", want: "3, G2@Nights", groups: true},
		{in: "G2", err: `floors: "G2" is not a number such as 3 (optionally @profile)`},
		{in: "1@Days", err: `no time profile "Days"`},
		{in: "0", err: `"0" is not a number`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			items, err := parseRules("floors", tc.in, tc.groups, ps)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case ruleText(items, n) != tc.want:
				t.Fatalf("read back as %q, want %q", ruleText(items, n), tc.want)
			}
		})
	}
	if _, err := parseKinds("card, fingerprint"); err == nil || !strings.Contains(err.Error(), `"fingerprint" is not an identifier kind`) {
		t.Errorf("parseKinds: %v", err)
	}
	if ds, err := parseHolidays("2026-12-24, 12-25,"); err != nil || holidaysText(ds) != "2026-12-24, 12-25" {
		t.Errorf("parseHolidays: %v, %v", ds, err)
	}
}

// The access group form: levels from a checklist, the multifactor kinds
// in order (a wrong one shown as typed), ordered, the window.
func TestAccessAddGroupWithMultiFactor(t *testing.T) {
	t.Parallel()
	c, x := startAccess(t)
	c.press("a")
	c.waitScreen("Access › Access groups", "1-1 of 1")
	c.press("n")
	c.waitScreen("Add an access group", "[ ] Staff", "Identifiers")
	c.typ("IT")
	c.press("tab", "tab", "space") // unit, Staff
	c.waitScreen("> [x] Staff")
	c.press("tab")
	c.typ("card, fingerprint")
	c.press("tab")
	c.waitScreen(`"fingerprint" is not an identifier kind; use card, qr, code, ukey or face`)
	c.press("shift+tab", "ctrl+u")
	c.typ("card, code")
	c.press("tab", "space", "tab") // in this order
	c.typ("20")
	c.press("tab", "enter")
	c.waitGone("Add an access group")
	c.waitStatus("access group IT saved")
	c.waitLineWith("IT", "Staff", "card then access code within 20s")
	g, err := x.st.FindAccessGroup(x.admin, "IT")
	check(t, err)
	m := g.MultiFactor
	if len(g.Levels) != 1 || g.Levels[0] != uint32(x.staff.ID) || m == nil || !m.Ordered || m.Window != 20*time.Second ||
		len(m.Kinds) != 2 || m.Kinds[0] != access.KindCard || m.Kinds[1] != access.KindAccessCode {
		t.Fatalf("group saved as %+v (multifactor %+v)", g, m)
	}
}

// Editing a level: its door rule is there as saved, and removing it
// saves a level without rules.
func TestAccessEditLevelRemovesRule(t *testing.T) {
	t.Parallel()
	c, x := startAccess(t)
	c.press("e")
	c.waitScreen("Edit access level Staff", "‹ group 1 Ground floor ›", "‹ Office hours ›", "‹ both ›")
	for range 9 { // second name … location, the rule's door, profile, direction, remove
		c.press("tab")
	}
	c.waitScreen(">  Remove rule 1")
	c.press("enter")
	c.waitGone("Rule 1 door")
	for range 10 { // the focus is on Disarming now: back past the name to Save
		c.press("shift+tab")
	}
	c.waitScreen(">  Save")
	c.press("enter")
	c.waitStatus("access level Staff saved")
	c.waitLineWith("Staff", "none")
	l, err := x.st.GetAccessLevel(x.admin, uint32(x.staff.ID))
	check(t, err)
	if len(l.Doors) != 0 || len(l.MenuGroups) != 1 {
		t.Fatalf("level saved as %+v", l.AccessLevel)
	}
}
