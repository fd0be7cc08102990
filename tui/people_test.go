package tui

// The People tab: the grid shows the store's people (an access code only
// as "code ****"); adding a person with a card through the form; the
// store's refusal of a card someone holds, with the form kept; removing a
// person or an identifier asks and enter never confirms; an identifier
// from the unassigned pool; an access code typed masked; the why view's
// denial; and a read-only operator told why they cannot add.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// Fixture people: what each one shows.
const (
	almaCard  = "10:100" // Alma Aalto's card; she may pass the front entrance
	brunoCard = "10:200" // Bruno Berg's card; access control is off for him
	brunoCode = "246813" // Bruno's access code: never on screen
	poolCard  = "10:900" // an unassigned card in the North Tower's pool
)

// peopleSite adds to the fixture two doors of the North Tower, a level
// that allows the front entrance, two access groups, three people and a
// card in the unassigned pool.
type peopleSite struct {
	front, lab   store.Door
	staff, night store.AccessGroup
	alma, bruno  store.Person
	cara         store.Person
}

func addPeople(tb testing.TB, f *fixture) peopleSite {
	tb.Helper()
	s, a := f.s, f.admin
	var ps peopleSite
	ps.front = must(s.AddDoor(a, store.Door{ConfMeta: store.ConfMeta{Name: "Front entrance", Unit: f.building}, Lock: 1}))
	ps.lab = must(s.AddDoor(a, store.Door{ConfMeta: store.ConfMeta{Name: "Lab", Unit: f.building}}))
	lvl := must(s.AddAccessLevel(a, store.AccessLevel{Unit: f.site, AccessLevel: access.AccessLevel{Name: "Front door",
		Doors: []access.DoorRule{{Door: access.DoorID(ps.front.ID)}}, MenuGroups: []access.MenuGroupID{1}}}, false))
	ps.staff = must(s.AddAccessGroup(a, store.AccessGroup{ConfMeta: store.ConfMeta{Name: "Staff", Unit: f.site}, Levels: []uint32{uint32(lvl.ID)}}))
	ps.night = must(s.AddAccessGroup(a, store.AccessGroup{ConfMeta: store.ConfMeta{Name: "Night shift", Unit: f.site}}))
	for _, apt := range []string{"A 1", "B 2"} {
		must(s.AddApartment(a, store.Apartment{ConfMeta: store.ConfMeta{Name: apt, Unit: f.building}}))
	}
	ps.alma = must(s.AddPerson(a, store.Person{Name: "Alma Aalto", Info: "Finance", Apartment: "A 1", Unit: f.building, Active: true,
		Groups: []uint32{ps.staff.ID}}, []access.Identifier{{Kind: access.KindCard, Value: almaCard}}))
	ps.bruno = must(s.AddPerson(a, store.Person{Name: "Bruno Berg", Apartment: "B 2", Unit: f.building, Active: false,
		Groups: []uint32{ps.staff.ID}}, []access.Identifier{{Kind: access.KindCard, Value: brunoCard}, {Kind: access.KindAccessCode, Value: brunoCode}}))
	ps.cara = must(s.AddPerson(a, store.Person{Name: "Cara Cole", Unit: f.site, Active: true, ValidUntil: fixedNow.AddDate(0, 0, -1)}, nil))
	must(s.AddUnassignedIdentifier(a, f.building, access.Identifier{Kind: access.KindCard, Value: poolCard}))
	return ps
}

// startPeople starts the console on the People tab of a fixture with
// people, as actor (the administrator by default).
func startPeople(t *testing.T, actor ...store.Actor) (*console, *fixture, peopleSite) {
	t.Helper()
	f := newFixture(t)
	ps := addPeople(t, f)
	o := consoleOpts{w: 120, h: 40}
	if len(actor) > 0 {
		o.actor = actor[0]
	}
	c := start(t, f, o)
	c.neverShow(brunoCode)
	c.press("9")
	c.waitScreen("Identifiers", "1-3 of 3")
	return c, f, ps
}

func (f *fixture) person(tb testing.TB, name string) (store.Person, bool) {
	tb.Helper()
	people, err := f.s.ListPeople(f.admin)
	check(tb, err)
	for _, p := range people {
		if p.Name == name {
			return p, true
		}
	}
	return store.Person{}, false
}

func TestPeopleGrid(t *testing.T) {
	t.Parallel()
	c, _, _ := startPeople(t)
	c.waitLineWith("Alma Aalto", "A 1", "North Tower", "yes", "card "+almaCard, "Staff", "-")
	c.waitLineWith("Bruno Berg", "B 2", "no", "card "+brunoCard+", code ****", "Staff")
	c.waitLineWith("Cara Cole", "Harbour Campus", "none", "2026-05-12 16:24")
	// The details dock: every identifier, the group by name.
	c.pick("Bruno")
	c.press("enter")
	c.waitScreen("Bruno Berg", "off: opens no door", "code ****", "Groups      Staff", "Organization / Harbour Campus / North Tower")
	c.press("esc")
	c.waitGone("off: opens no door")
}

// goSave moves the person form's focus to Save: it is the stop before
// the first, so shift+tab from the name reaches it.
func goSaveFromName(c *console) {
	c.press("shift+tab")
	c.waitScreen(">  Save")
}

// Adding a person with a card through the form: the grid and the store
// have them, card included.
func TestAddPersonWithCard(t *testing.T) {
	t.Parallel()
	c, f, ps := startPeople(t)
	c.press("n")
	c.waitScreen("Add a person", "Name         > ▌", "select all")
	c.typ("Dana Dahl")
	c.press("tab", "tab")
	c.typ("C 3")
	c.waitScreen("no such apartment: enter adds one")
	// C 3 is no apartment yet: the picker's first line adds it, named as
	// typed, in the person's unit.
	c.press("enter")
	c.waitScreen("+ add a new apartment", "A 1", "B 2", "- none")
	c.press("enter")
	c.waitScreen("Add an apartment", "Name            > C 3▌", "Organization / Harbour Campus / North Tower")
	c.press("tab", "tab")
	c.typ("3")
	c.press("tab", "tab", "enter")
	c.waitGone("Add an apartment")
	c.waitStatus("apartment C 3 added")
	c.waitScreen("Apartment    > C 3▌", "enter: pick one of 3, or add one")
	for range 8 { // unit, active, offline, from, until, locks, kind, value
		c.press("tab")
	}
	c.typ("0010:00555")
	c.press("tab", "space") // select all groups
	c.waitScreen("> [x] select all", "[x] Night shift")
	for range 11 { // back to the name
		c.press("shift+tab")
	}
	c.waitScreen("Name         > Dana Dahl▌")
	goSaveFromName(c)
	c.press("enter")
	c.waitGone("Add a person")
	c.waitStatus("Dana Dahl added with card 10:555")
	c.waitLineWith("Dana Dahl", "▶", "C 3", "yes", "card 10:555", "Staff, Night s")
	p, ok := f.person(t, "Dana Dahl")
	if !ok || p.Apartment != "C 3" || p.Unit != f.building || !p.Active || len(p.Identifiers) != 1 ||
		p.Identifiers[0].Kind != access.KindCard || p.Identifiers[0].Value != "10:555" ||
		len(p.Groups) != 2 || p.Groups[0] != ps.staff.ID || p.Groups[1] != ps.night.ID {
		t.Fatalf("person added as %+v (found %v)", p, ok)
	}
}

// A card someone holds is refused by the store, in its words, and the
// form keeps everything typed.
func TestAddPersonDuplicateCard(t *testing.T) {
	t.Parallel()
	c, f, _ := startPeople(t)
	c.press("n")
	c.waitScreen("Add a person")
	c.typ("Eve Eng")
	c.press("tab")
	c.typ("Visitor")
	for range 9 { // apartment ... kind, value
		c.press("tab")
	}
	c.typ(almaCard)
	for range 10 {
		c.press("shift+tab")
	}
	c.waitScreen("Name         > Eve Eng▌")
	goSaveFromName(c)
	c.press("enter")
	c.waitScreen("card "+almaCard+" is held by", "Alma Aalto", "Add a person", "Name           Eve Eng", "Info           Visitor", almaCard)
	if _, ok := f.person(t, "Eve Eng"); ok {
		t.Fatal("the refused person was added")
	}
	// The form is still there to fix, and typing clears the refusal.
	c.press("tab")
	c.typ("a")
	c.waitScreen("Name         > Eve Enga▌")
	c.waitGone("is held by")
}

// Removing a person asks for their name; enter never confirms; typed,
// ctrl+y removes them and their card goes to the pool.
func TestRemovePersonAsks(t *testing.T) {
	t.Parallel()
	c, f, _ := startPeople(t)
	c.pick("Alma")
	c.press("R")
	c.waitScreen("Remove person", "Type Alma Aalto to confirm", "freed for reassignment", "card "+almaCard)
	c.press("enter")
	c.waitGone("Type Alma Aalto")
	if _, ok := f.person(t, "Alma Aalto"); !ok {
		t.Fatal("enter removed the person")
	}
	c.press("R")
	c.waitScreen("Type Alma Aalto to confirm")
	c.typ("Alma Aalto")
	c.press("ctrl+y")
	c.waitStatus("Alma Aalto removed")
	c.waitScreen("0 of 0 (filtered from 2)")
	if _, ok := f.person(t, "Alma Aalto"); ok {
		t.Fatal("the person is still there")
	}
	free, err := f.s.ListUnassignedIdentifiers(f.admin)
	check(t, err)
	if !strings.Contains(fmt.Sprint(free), almaCard) {
		t.Fatalf("the card is not in the pool: %v", free)
	}
}

// Removing an identifier: pick it, then enter cancels and y removes.
func TestRemoveIdentifierAsks(t *testing.T) {
	t.Parallel()
	c, f, _ := startPeople(t)
	c.pick("Bruno")
	c.press("d")
	c.waitScreen("Remove an identifier of Bruno Berg", "card "+brunoCard, "code ****")
	c.press("down", "enter")
	c.waitScreen("Remove code **** from Bruno Berg?", "dropped")
	c.press("enter")
	c.waitGone("Remove code ****")
	if p, _ := f.person(t, "Bruno Berg"); len(p.Identifiers) != 2 {
		t.Fatalf("enter removed an identifier: %+v", p.Identifiers)
	}
	c.press("d")
	c.waitScreen("Remove an identifier of Bruno Berg")
	c.press("enter")
	c.waitScreen("Remove card " + brunoCard + " from Bruno Berg?")
	c.press("y")
	c.waitStatus("card " + brunoCard + " removed from Bruno Berg")
	c.waitLineWith("Bruno Berg", "code ****")
	if p, _ := f.person(t, "Bruno Berg"); len(p.Identifiers) != 1 || p.Identifiers[0].Kind != access.KindAccessCode {
		t.Fatalf("after removing the card: %+v", p.Identifiers)
	}
}

// Identifiers given from the pool and typed: an access code is masked
// while typed and shown only as code ****.
func TestGiveIdentifiers(t *testing.T) {
	t.Parallel()
	c, f, _ := startPeople(t)
	c.pick("Cara")
	c.press("p")
	c.waitScreen("Give Cara Cole an unassigned identifier", "card "+poolCard)
	c.press("enter")
	c.waitStatus("card " + poolCard + " given to Cara Cole")
	c.waitLineWith("Cara Cole", "card "+poolCard)

	const code = "97531246"
	c.neverShow(code)
	c.press("a")
	c.waitScreen("Add an identifier to Cara Cole", "Kind      card")
	c.press("up", "space", "space")
	c.waitScreen("> access code", "never shown again")
	c.press("down")
	c.typ(code)
	c.waitScreen("Value   > ••••••••▌")
	c.press("enter")
	c.waitStatus("code **** given to person")
	c.waitLineWith("Cara Cole", "card "+poolCard+", code ****")
	p, _ := f.person(t, "Cara Cole")
	if len(p.Identifiers) != 2 || p.Identifiers[1].Kind != access.KindAccessCode || p.Identifiers[1].Value != "" {
		t.Fatalf("identifiers: %+v", p.Identifiers)
	}
}

// The why view shows the store's denial step by step: Bruno's access
// control is off; Alma passes the front entrance.
func TestWhyShowsDenial(t *testing.T) {
	t.Parallel()
	c, _, _ := startPeople(t)
	c.pick("Bruno")
	c.press("w")
	c.waitScreen("Why? Bruno Berg at a door", "Door      > Front entrance", "2026-05-13 16:24")
	c.press("tab", "tab", "tab", "tab")
	c.waitScreen(">  Check")
	c.press("enter")
	c.waitScreen("DENIED", "Front entrance · entry · 2026-05-13 16:24", "pass person", "FAIL active", "access control is not active for this person")
	c.press("esc")
	c.waitGone("DENIED")

	c.pick("Alma")
	c.press("w")
	c.waitScreen("Why? Alma Aalto at a door")
	c.press("enter") // the door list
	c.waitScreen("Which door?", "Lab")
	c.typ("front")
	c.press("enter")
	c.waitScreen("GRANTED", "pass level", "Front door")
}

// An operator without "manage people and access" sees the people and
// is told why they cannot add one; no form opens.
func TestPeopleReadOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	addPeople(t, f)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleGuard]})
	c.neverShow(brunoCode)
	c.press("9")
	c.waitScreen("Identifiers", "1-3 of 3")
	c.press("n")
	c.waitStatus(`add: operator gina does not have the "manage people and access" permission`)
	if strings.Contains(c.screen(), "Add a person") {
		t.Fatal("the add form opened for a guard")
	}
	c.press("enter")
	c.waitScreen("Alma Aalto", "e edit")
	c.press("R")
	c.waitStatus("remove: operator gina does not have")
	c.press("esc")
	// The why view reads only: a guard may ask it.
	c.press("w")
	c.waitScreen("Why? Alma Aalto at a door")
}

// Editing a person: access on, lock numbers, and an own multifactor
// rule (card then access code, in order, within 20 s) reach the store.
func TestEditPerson(t *testing.T) {
	t.Parallel()
	c, f, _ := startPeople(t)
	c.pick("Bruno")
	c.press("e")
	c.waitScreen("Edit person 2 Bruno Berg", "Name         > Bruno Berg▌", "[x] Staff")
	c.press("tab", "tab", "tab", "tab", "space") // access control active
	c.waitScreen("Access       > [x]")
	c.press("tab", "tab", "tab", "tab")
	c.typ("1, 3")
	c.press("tab", "tab", "tab", "tab", "tab", "space") // multifactor on
	c.waitScreen("Multifactor  > [x]", "card", "in order")
	c.press("tab", "space", "tab", "tab", "space") // card, then access code
	c.waitScreen("[1] card", "> [2] access code")
	c.press("tab", "tab", "tab", "space", "tab")
	c.typ("20")
	c.press("tab", "enter")
	c.waitStatus("person 2 Bruno Berg saved")
	c.waitGone("Edit person")
	c.waitLineWith("Bruno Berg", "yes")
	p, _ := f.person(t, "Bruno Berg")
	mf := p.MultiFactor
	if !p.Active || fmt.Sprint(p.Locks) != "[1 3]" || mf == nil || !mf.Ordered || mf.Window != 20*time.Second ||
		len(mf.Kinds) != 2 || mf.Kinds[0] != access.KindCard || mf.Kinds[1] != access.KindAccessCode || len(p.Identifiers) != 2 {
		t.Fatalf("person saved as %+v, multifactor %+v", p, mf)
	}
}

// The apartment field offers the apartment records a person of the unit
// may live in: as typed, and as a list to pick from; a name that is no
// apartment is refused by the store, in its words.
func TestApartmentSuggestions(t *testing.T) {
	t.Parallel()
	c, f, _ := startPeople(t)
	c.press("n")
	c.waitScreen("Add a person", "enter: pick one of 2, or add one")
	c.typ("Zed")
	c.press("tab", "tab")
	c.typ("b")
	c.waitScreen("Apartment    > b▌", "existing: B 2")
	c.press("ctrl+u")
	c.typ("Z 9")
	c.waitScreen("no such apartment: enter adds one")
	c.press("shift+tab", "shift+tab", "shift+tab") // info, name, Save
	c.waitScreen(">  Save")
	c.press("enter")
	c.waitScreen(`no apartment named "Z 9" for Organization / Harbour Campus / North Tower: add it first`)
	if _, ok := f.person(t, "Zed"); ok {
		t.Fatal("a person was added in an apartment that does not exist")
	}
	for range 3 {
		c.press("tab")
	}
	c.waitScreen("Apartment    > Z 9▌")
	c.press("enter")
	c.waitScreen("The apartments a person of this unit may live in.", "A 1", "B 2")
	c.press("down", "down", "enter")
	c.waitScreen("Apartment    > B 2▌")
	c.press("shift+tab", "shift+tab", "shift+tab")
	c.waitScreen(">  Save")
	c.press("enter")
	c.waitGone("Add a person")
	p, ok := f.person(t, "Zed")
	if !ok || p.Apartment != "B 2" || p.ApartmentID == 0 {
		t.Fatalf("Zed added as %+v (found %v)", p, ok)
	}
}

// The apartment picker and the apartment form of the person form, golden
// at 80x24 and 200x50.
func TestScreensApartments(t *testing.T) {
	t.Parallel()
	f := builtFixture(t)
	addPeople(t, f)
	open := func(c driver) {
		c.press("9")
		c.waitScreen("Identifiers", "1-3 of 3")
		c.press("n")
		c.waitScreen("Add a person", "enter: pick one of 2, or add one")
		c.press("tab", "tab")
		c.typ("C 3")
		c.press("enter")
		c.waitScreen("+ add a new apartment", "A 1", "B 2", "- none")
	}
	goldenSmallAndLarge(t, f, []screenCase{
		{"Picker", open},
		{"Form", func(c driver) {
			open(c)
			c.press("enter")
			c.waitScreen("Add an apartment", "C 3")
		}},
	})
}

var peopleScreenCases = []screenCase{
	{"People", func(c driver) { c.press("9"); c.waitScreen("Identifiers", "1-3 of 3", "Bruno Berg") }},
	{"PersonDetails", func(c driver) {
		c.press("9")
		c.waitScreen("Identifiers", "Bruno Berg")
		c.press("j", "enter")
		c.waitScreen("off: opens no door", "esc closes")
	}},
	{"AddPerson", func(c driver) {
		c.press("9")
		c.waitScreen("Identifiers", "Bruno Berg")
		c.press("n")
		c.waitScreen("Add a person", "Lock numbers")
		c.typ("Dana")
		c.waitScreen("Dana▌")
	}},
	{"WhyDenied", func(c driver) {
		c.press("9")
		c.waitScreen("Identifiers", "Bruno Berg")
		c.press("j", "w")
		c.waitScreen("Why? Bruno Berg")
		c.press("shift+tab", "enter")
		c.waitScreen("DENIED", "FAIL")
	}},
}

// TestScreensPeople goldens the People tab at 80x24 and 120x40 in both
// themes, as TestScreens does (-update rewrites them).
func TestScreensPeople(t *testing.T) {
	t.Parallel()
	f := builtFixture(t) // the screens only read: one site for all
	addPeople(t, f)
	goldenScreenCases(t, f, peopleScreenCases, func(c *console) { c.neverShow(brunoCode) })
}

// The import dialog maps the file's headings, previews every row (a bad
// one with its line and reason), reads the fixed file again and writes
// it with access enabled for all; the grid and the store have the people.
func TestImportPeople(t *testing.T) {
	t.Parallel()
	c, f, _ := startPeople(t)
	path := filepath.Join(t.TempDir(), "tenants.csv")
	check(t, os.WriteFile(path, []byte("Tenant;Apartment;Card\nFinn Falk;F 1;10:301\nGus Gray;G 1;not-a-card\nHana Holm;H 1;10:303\n"), 0o600))
	c.press("I")
	c.waitScreen("Import people", "CSV file")
	c.typ(path)
	c.press("enter")
	c.waitScreen("Tenant        → as read", "Card          → as read", `column "Tenant" is not one of the columns`)
	c.press("tab", "space") // Tenant → name
	c.waitScreen("> Tenant        → name")
	// F 1, G 1 and H 1 are no apartments yet: every row is bad until the
	// import may add them.
	c.waitScreen("3 rows of 3 cannot be imported", `no apartment named "F 1"`)
	c.press("shift+tab", "shift+tab", "shift+tab", "space") // add missing apartments
	c.waitScreen("> [x] add missing apartments")
	c.waitScreen("1 row of 3 cannot be imported", "3  BAD Gus Gray", `card "not-a-card" is neither a number`, "2  ok  Finn Falk")
	c.press("enter") // nothing imports while a row is bad
	if _, ok := f.person(t, "Finn Falk"); ok {
		t.Fatal("a file with a bad row was imported")
	}
	check(t, os.WriteFile(path, []byte("Tenant;Apartment;Card\nFinn Falk;F 1;10:301\nHana Holm;H 1;10:303\n"), 0o600))
	c.press("ctrl+r")
	c.waitScreen("2 rows, all good", "Tenant        → name", "3  ok  Hana Holm")
	c.press("shift+tab", "space") // enable access for all
	c.waitScreen("> [x] enable access for all", "2  ok  Finn Falk", "active card 10:301")
	c.press("tab", "tab", "tab")
	c.waitScreen(">  Import")
	c.press("enter")
	c.waitScreen("2 people imported from tenants.csv.")
	c.waitStatus("2 people imported from tenants.csv")
	c.press("enter")
	c.waitGone("Import people")
	c.waitLineWith("Hana Holm", "yes", "card 10:303")
	for _, name := range []string{"Finn Falk", "Hana Holm"} {
		if p, ok := f.person(t, name); !ok || !p.Active || p.Unit != f.building || len(p.Identifiers) != 1 || p.Apartment == "" {
			t.Fatalf("%s imported as %+v (found %v)", name, p, ok)
		}
	}
}

// The export writes a new file that never holds an access code, and
// refuses to overwrite one.
func TestExportPeople(t *testing.T) {
	t.Parallel()
	c, _, _ := startPeople(t)
	path := filepath.Join(t.TempDir(), "out.csv")
	c.press("E")
	c.waitScreen("Export people", "> people.csv▌")
	c.press("ctrl+u")
	c.typ(path)
	c.press("enter")
	c.waitStatus("3 people exported to")
	data, err := os.ReadFile(path)
	check(t, err)
	if !strings.Contains(string(data), "Alma Aalto") || !strings.Contains(string(data), brunoCard) || strings.Contains(string(data), brunoCode) {
		t.Fatalf("the export:\n%s", data)
	}
	c.press("E")
	c.waitScreen("Export people")
	c.press("ctrl+u")
	c.typ(path)
	c.waitScreen("out.csv▌")
	c.press("enter")
	c.waitScreen("exists already: give a new file name")
}

// Access times are on the site's clock, the one every schedule is read
// on, not the PC's: in Tokyo, the fixture's 16:24 UTC is 01:24 next day.
func TestWhyOnTheSiteClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	addPeople(t, f)
	mustDo(f.s.SetAccessSettings(f.admin, store.AccessSettings{TimeZone: "Asia/Tokyo"}))
	c := start(t, f, consoleOpts{w: 120, h: 40})
	// The header says which clock is which: the PC's, then the site's.
	c.waitHeader("Wed 13 May 16:24:55 UTC · site 01:24 JST")
	c.press("9")
	c.waitScreen("Identifiers", "1-3 of 3")
	c.pick("Alma")
	c.press("w")
	c.waitScreen("Why? Alma Aalto at a door", "2026-05-14 01:24", "site time, Asia/Tokyo")
	c.press("tab", "tab", "tab", "tab")
	c.waitScreen(">  Check")
	c.press("enter")
	c.waitScreen("· 2026-05-14 01:24")
}

// Select all (004) picks the groups that serve the person's unit: another
// site's group stays unchecked, since the store would refuse it.
func TestSelectAllServesTheUnit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	addPeople(t, f)
	depot := must(f.s.AddUnit(f.admin, store.RootUnit, "Depot", store.UnitSite))
	must(f.s.AddAccessGroup(f.admin, store.AccessGroup{ConfMeta: store.ConfMeta{Name: "Depot crew", Unit: depot.ID}}))
	c := start(t, f, consoleOpts{w: 120, h: 40})
	c.press("9")
	c.waitScreen("Identifiers", "1-3 of 3")
	c.press("n")
	c.waitScreen("Add a person", "[ ] Depot crew")
	for range 10 { // name, info, apartment, unit, active, offline, from, until, locks, kind, value
		c.press("tab")
	}
	c.press("tab", "space")
	c.waitScreen("> [x] select all", "[x] Staff", "[x] Night shift", "[ ] Depot crew")
}
