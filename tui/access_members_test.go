package tui

// An access group's members from the group: the members dialog lists
// them; people are added several at once from a filtered list, "all
// shown" marking everyone the filter shows; the marked members are
// removed only after a confirmation that enter never gives.

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/themes"
)

// addNorthPeople adds three people whose names hold "north", and one in
// a unit the Staff group does not serve.
func addNorthPeople(t *testing.T, f *fixture, x *accessSite) (north []store.Person) {
	t.Helper()
	must(f.s.AddApartment(f.admin, store.Apartment{ConfMeta: store.ConfMeta{Name: "N1", Unit: x.building}}))
	for _, n := range []string{"Nia North", "Nat North", "Noa North"} {
		north = append(north, must(f.s.AddPerson(f.admin, store.Person{Name: n, Unit: x.building, Active: true, Apartment: "N1"}, nil)))
	}
	other := must(f.s.AddUnit(f.admin, store.RootUnit, "Elsewhere", store.UnitSite))
	must(f.s.AddPerson(f.admin, store.Person{Name: "Oli Outside", Unit: other.ID, Active: true}, nil))
	return north
}

func startMembers(t *testing.T) (*console, *accessSite, []store.Person) {
	t.Helper()
	f := newFixture(t)
	x := addAccessSite(t, f)
	north := addNorthPeople(t, f, x)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	c.press("0", "a")
	c.waitScreen("Access › Access groups", "1-1 of 1")
	c.press("m")
	c.waitScreen("Members of access group 1 Staff group", "Ana Access", "1 of 1 shown")
	return c, x, north
}

func groupIDs(t *testing.T, x *accessSite, people ...store.Person) [][]uint32 {
	t.Helper()
	var out [][]uint32
	for _, p := range people {
		got, err := x.st.GetPerson(x.admin, p.ID)
		check(t, err)
		out = append(out, got.Groups)
	}
	return out
}

func TestAccessGroupMembersAddAllShown(t *testing.T) {
	t.Parallel()
	c, x, north := startMembers(t)
	c.press("ctrl+n")
	scr := c.waitScreen("Add people to access group 1 Staff group", "Ned Nolevel", "Nia North", "1 other person is in a unit it does not serve")
	if strings.Contains(scr, "Oli Outside") || strings.Contains(scr, "Ana Access") {
		t.Fatalf("the list offers someone the group does not serve, or a member:\n%s", scr)
	}
	c.typ("north")
	c.waitScreen("3 of 4 shown")
	c.press("ctrl+a")
	c.waitScreen("3 of 4 shown · 3 marked")
	c.press("down", "space") // unmark Nat
	c.waitScreen("3 of 4 shown · 2 marked")
	c.press("enter")
	c.waitGone("Add people to")
	c.waitScreen("Members of access group 1 Staff group", "Nia North", "Noa North", "3 of 3 shown",
		"access group 1 Staff group: 2 added")
	got := groupIDs(t, x, north...)
	want := [][]uint32{{x.staffGroup.ID}, nil, {x.staffGroup.ID}}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("groups after the add: %v, want %v", got, want)
		}
	}
}

func TestAccessGroupMembersRemoveAsksFirst(t *testing.T) {
	t.Parallel()
	c, x, north := startMembers(t)
	_, err := x.st.ChangeGroupMembers(x.admin, x.staffGroup.ID, []uint64{north[0].ID, north[1].ID}, nil, false)
	check(t, err)
	c.press("esc")
	c.press("m")
	c.waitScreen("Members of access group 1 Staff group", "3 of 3 shown")
	c.typ("north")
	c.waitScreen("2 of 3 shown")
	c.press("ctrl+a", "ctrl+x")
	c.waitScreen("Remove 2 people from access group 1 Staff group?", "Nia North, Nat North", "n/esc/enter cancel")
	c.press("enter") // never confirms
	c.waitGone("Remove 2 people")
	if g := groupIDs(t, x, north[0]); len(g[0]) != 1 {
		t.Fatalf("enter removed: %v", g)
	}
	c.press("ctrl+x")
	c.waitScreen("Remove 2 people from")
	c.press("y")
	c.waitScreen("access group 1 Staff group: 2 removed", "nothing matches")
	for i, g := range groupIDs(t, x, north[0], north[1], x.ana) {
		if want := i == 2; (len(g) == 1) != want {
			t.Fatalf("person %d groups %v after removing the two North people", i, g)
		}
	}
}

// A refused change names why and changes nobody: a guard may look at the
// members, not change them.
func TestAccessGroupMembersGuard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	x := addAccessSite(t, f)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleGuard]})
	c.press("0", "a")
	c.waitScreen("Access › Access groups", "1-1 of 1")
	c.press("m")
	c.waitScreen("Members of access group 1 Staff group", "Ana Access")
	c.press("ctrl+x")
	c.waitScreen("manage people and access")
	c.press("ctrl+n")
	c.waitScreen("manage people and access")
	if g := groupIDs(t, x, x.ana); len(g[0]) != 1 {
		t.Fatalf("Ana's groups %v", g)
	}
	// The refused keys are in the action log as the command line's
	// attempt is.
	console, ok := awaitEntry(t, f, "accessgroup.members")
	if !ok {
		t.Fatal("the console's refused change of the members is not in the action log")
	}
	guard := f.ops[store.RoleGuard]
	if _, err := f.s.ChangeGroupMembers(guard, x.staffGroup.ID, nil, []uint64{x.ana.ID}, false); !store.IsRefusal(err) {
		t.Fatalf("the command line's change was not refused: %v", err)
	}
	cli, _ := lastEntry(t, f, "accessgroup.members")
	if cli.Seq == console.Seq || cli.Place != console.Place || cli.Result != console.Result || cli.Operator != console.Operator || cli.Unit != console.Unit {
		t.Errorf("the console logged\n %+v\nthe command line\n %+v", console, cli)
	}
}

// The members dialog and the add list, golden at 80x24 and 200x50:
// testdata/TestScreensGroupMembers/<Case>/<size>.golden.
func TestScreensGroupMembers(t *testing.T) {
	t.Parallel()
	f := builtFixture(t)
	x := addAccessSite(t, f)
	addNorthPeople(t, f, x)
	cases := []screenCase{
		{"Members", func(c driver) {
			c.press("0", "a")
			c.waitScreen("Access › Access groups", "1-1 of 1")
			c.press("m")
			c.waitScreen("Members of access group 1 Staff group", "Ana Access", "1 of 1 shown")
		}},
		{"AddPeople", func(c driver) {
			c.press("0", "a")
			c.waitScreen("Access › Access groups", "1-1 of 1")
			c.press("m")
			c.waitScreen("Members of access group 1 Staff group", "1 of 1 shown")
			c.press("ctrl+n")
			c.waitScreen("Add people to access group 1 Staff group", "4 of 4 shown")
			c.typ("north")
			c.press("ctrl+a")
			c.waitScreen("3 of 4 shown · 3 marked")
		}},
	}
	goldenSmallAndLarge(t, f, cases)
}

// goldenSmallAndLarge goldens each case at 80x24 and 200x50 in the dark
// theme: testdata/<Test>/<Case>/<size>.golden.
func goldenSmallAndLarge(t *testing.T, f *fixture, cases []screenCase) {
	t.Helper()
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) {
			for _, sz := range []struct{ w, h int }{{80, 24}, {200, 50}} {
				t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
					t.Parallel()
					c := start(t, f, consoleOpts{w: sz.w, h: sz.h, theme: "dark"})
					sc.open(c)
					lines := c.settled()
					checkFrame(t, lines, sz.w, sz.h)
					goldenScreen(t, strings.Join(lines, "\n"))
				})
			}
		})
	}
}

// The Access tab's apartments view: add one, see it, and removing one
// someone lives in is refused in the store's words.
func TestAccessApartmentsView(t *testing.T) {
	t.Parallel()
	c, x, _ := startMembers(t)
	c.press("esc", "t")
	c.waitScreen("Access › Apartments", "1-1 of 1", "N1")
	c.press("n")
	c.waitScreen("Add an apartment", "Unit")
	c.typ("N2")
	c.press("tab", "tab")
	c.typ("2")
	c.press("tab", "tab", "enter")
	c.waitGone("Add an apartment")
	c.waitStatus("apartment N2 saved")
	c.waitLineWith("N2", "North Tower", "2")
	got, err := x.st.FindApartment(x.admin, "N2")
	check(t, err)
	if got.Floor != "2" || got.Unit != x.building {
		t.Fatalf("apartment saved as %+v", got)
	}
	c.pick("name:N1")
	c.press("R")
	c.waitScreen("Remove apartment 1 N1?")
	c.press("y")
	c.waitScreen("apartment 1 N1 is still used by person 3 Nia North and 2 other people, who live there")
	if _, err := x.st.FindApartment(x.admin, "N1"); err != nil {
		t.Fatalf("the apartment lived in is gone: %v", err)
	}
}

func TestScreensAccessApartments(t *testing.T) {
	t.Parallel()
	f := builtFixture(t)
	x := addAccessSite(t, f)
	addNorthPeople(t, f, x)
	goldenSmallAndLarge(t, f, []screenCase{
		{"View", func(c driver) { c.press("0", "t"); c.waitScreen("Access › Apartments", "1-1 of 1", "N1") }},
	})
}

// The members dialog's keys are registry actions: remapped in the config,
// the dialog offers and takes the new key, not the old one, and the help
// of the access groups lists them.
func TestMembersKeysRemapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	addAccessSite(t, f)
	c := start(t, f, consoleOpts{w: 120, h: 40, keys: map[string][]string{"members.remove": {"D"}}})
	c.press("0", "a")
	c.waitScreen("Access › Access groups", "1-1 of 1")
	c.press("?")
	c.waitScreen("In their dialogs", "D                  members.remove", "ctrl+n             members.add")
	c.press("esc")
	c.press("m")
	c.waitScreen("Members of access group 1 Staff group", "Ana Access", "D remove marked")
	// ctrl+x no longer removes: the filter typed after it still takes the
	// keys, so no confirmation opened.
	c.press("ctrl+x")
	c.typ("zz")
	c.waitScreen("nothing matches")
	if scr := c.screen(); strings.Contains(scr, "Ana Access from") {
		t.Fatalf("the old key still removes:\n%s", scr)
	}
	c.press("backspace", "backspace")
	c.waitScreen("1 of 1 shown")
	c.press("D")
	c.waitScreen("Remove person 1 Ana Access from access group 1 Staff group?")
}

// Read-only mode (an auditor), and an operator who may not change people
// (a guard), see the dialog's writing keys greyed; the marking keys and
// an administrator's keys are not.
func TestMembersKeysGreyed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	x := addAccessSite(t, f)
	km, err := newKeymap(nil)
	check(t, err)
	th := themes.Dark()
	for _, tc := range []struct {
		who    string
		actor  store.Actor
		greyed bool
	}{{"auditor", f.ops[store.RoleAuditor], true}, {"guard", f.ops[store.RoleGuard], true}, {"admin", f.admin, false}} {
		t.Run(tc.who, func(t *testing.T) {
			c := &common{st: f.s, actor: tc.actor, keys: km, theme: th}
			d := &groupMembers{c: c, g: x.staffGroup, loaded: true}
			view := d.view(120, 40)
			grey := th.HintDisabled.Render("ctrl+x remove marked")
			if strings.Contains(view, grey) != tc.greyed {
				t.Errorf("ctrl+x remove marked greyed: %t, want %t", !tc.greyed, tc.greyed)
			}
			if strings.Contains(view, th.HintDisabled.Render("ctrl+n add")) != tc.greyed {
				t.Errorf("ctrl+n add greyed: %t, want %t", !tc.greyed, tc.greyed)
			}
			if !strings.Contains(view, th.HintKey.Render("space")+" mark") {
				t.Errorf("marking is greyed:\n%s", view)
			}
		})
	}
}
