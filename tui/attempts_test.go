package tui

import (
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// The People, Access and Operators screens, the Users screen's door lock
// key and the adds: a key pressed for a greyed action asks the store,
// which logs the refused attempt as the command line's. Each case presses
// the key in the console, then makes the command line's call, and
// compares the two newest entries of the action. An add is attempted
// before anything is typed, so its entry names the kind of record, not
// the record the command line names: only its action, operator and result
// are compared.
func TestConsoleRefusalsAreLoggedEverywhere(t *testing.T) {
	t.Parallel()
	people := func(c *console, who string) {
		c.press("9")
		c.waitScreen("Identifiers", "1-3 of 3")
		c.pick(who)
	}
	accessView := func(view, title, row string) func(c *console, _ string) {
		return func(c *console, _ string) {
			c.press("0")
			c.waitScreen("Access › Access levels")
			if view != "" {
				c.press(view)
				c.waitScreen("Access › " + title)
			}
			c.pick(row)
		}
	}
	operators := func(c *console, who string) {
		goOperators(c, 5)
		c.pick(who)
	}
	roles := func(c *console, role string) {
		goOperators(c, 5)
		c.press("r")
		c.waitScreen("Holders")
		c.pick(role)
	}
	perm := func(who, short, p string) string {
		return short + `: operator ` + who + ` does not have the "` + p + `" permission`
	}
	cases := []struct {
		name, role string // role "" is admin
		screen     func(c *console, row string)
		row, key   string
		status     string
		action     string
		add        bool
		cli        func(f *fixture, ps peopleSite, a store.Actor) error
	}{
		{"a guard edits a person", store.RoleGuard, people, "Alma", "e", perm("gina", "edit", "manage people and access"), "person.edit", false,
			func(f *fixture, ps peopleSite, a store.Actor) error {
				p := ps.alma
				p.Info = "Sales"
				_, err := f.s.EditPerson(a, p)
				return err
			}},
		{"an auditor removes a person", store.RoleAuditor, people, "Alma", "R", perm("otto", "remove", "manage people and access"), "person.remove", false,
			func(f *fixture, ps peopleSite, a store.Actor) error { return f.s.RemovePerson(a, ps.alma.ID) }},
		{"a guard gives an identifier", store.RoleGuard, people, "Alma", "a", perm("gina", "add id", "manage people and access"), "person.identifier.add", false,
			func(f *fixture, ps peopleSite, a store.Actor) error {
				_, err := f.s.AddIdentifier(a, ps.alma.ID, access.Identifier{Kind: access.KindCard, Value: "10:101"})
				return err
			}},
		{"a guard takes an identifier", store.RoleGuard, people, "Alma", "d", perm("gina", "remove id", "manage people and access"), "person.identifier.remove", false,
			func(f *fixture, ps peopleSite, a store.Actor) error {
				_, err := f.s.RemoveIdentifier(a, ps.alma.ID, access.Identifier{Kind: access.KindCard, Value: almaCard})
				return err
			}},
		{"a guard adds a person", store.RoleGuard, people, "Alma", "n", perm("gina", "add", "manage people and access"), "person.add", true,
			func(f *fixture, ps peopleSite, a store.Actor) error {
				_, err := f.s.AddPerson(a, store.Person{Name: "Dan", Unit: f.building}, nil)
				return err
			}},
		{"a guard edits a level", store.RoleGuard, accessView("", "", "Front door"), "", "e", perm("gina", "edit", "manage people and access"), "level.edit", false,
			func(f *fixture, ps peopleSite, a store.Actor) error {
				l := must(f.s.FindAccessLevel(f.admin, "Front door"))
				_, err := f.s.EditAccessLevel(a, l, false)
				return err
			}},
		{"an auditor removes an access group", store.RoleAuditor, accessView("a", "Access groups", "name:Night"), "", "R", perm("otto", "remove", "manage people and access"), "accessgroup.remove", false,
			func(f *fixture, ps peopleSite, a store.Actor) error { return f.s.RemoveAccessGroup(a, ps.night.ID) }},
		{"an auditor removes a door", store.RoleAuditor, accessView("d", "Doors", "name:Lab"), "", "R", perm("otto", "remove", "manage people and access"), "door.remove", false,
			func(f *fixture, ps peopleSite, a store.Actor) error { return f.s.RemoveDoor(a, ps.lab.ID) }},
		{"a guard edits an apartment", store.RoleGuard, accessView("t", "Apartments", "name:A 1"), "", "e", perm("gina", "edit", "manage people and access"), "apartment.edit", false,
			func(f *fixture, ps peopleSite, a store.Actor) error {
				v := must(f.s.FindApartment(f.admin, "A 1"))
				v.Floor = "3"
				_, err := f.s.EditApartment(a, v)
				return err
			}},
		{"a guard adds a door", store.RoleGuard, accessView("d", "Doors", "name:Lab"), "", "n", perm("gina", "add door", "manage people and access"), "door.add", true,
			func(f *fixture, ps peopleSite, a store.Actor) error {
				_, err := f.s.AddDoor(a, store.Door{ConfMeta: store.ConfMeta{Name: "Gate", Unit: f.building}})
				return err
			}},
		{"suspend oneself", "", operators, "admin", "s", "suspend: you cannot suspend yourself", "operator.suspend", false,
			func(f *fixture, ps peopleSite, a store.Actor) error { return f.s.SuspendOperator(a, "admin") }},
		{"unlock an operator not locked", "", operators, "ivan", "u", "unlock: operator ivan is not locked", "operator.unlock", false,
			func(f *fixture, ps peopleSite, a store.Actor) error { return f.s.UnlockOperator(a, "ivan") }},
		{"remove oneself", "", operators, "admin", "R", "remove: you cannot remove yourself", "operator.remove", false,
			func(f *fixture, ps peopleSite, a store.Actor) error { return f.s.RemoveOperator(a, "admin") }},
		{"remove a predefined role", "", roles, "Guard", "R", "is a predefined role and cannot be removed", "role.remove", false,
			func(f *fixture, ps peopleSite, a store.Actor) error { return f.s.RemoveRole(a, store.RoleGuard) }},
		{"a guard gives a user a door lock", store.RoleGuard, func(c *console, _ string) { goUsers(c); goSlot(c, 2) }, "", "L",
			perm("gina", "door lock", "manage locks and tags"), "lock.assign", true,
			func(f *fixture, ps peopleSite, a store.Actor) error {
				locks, err := f.s.ListLocks(f.admin)
				check(t, err)
				if len(locks) == 0 {
					t.Fatal("the fixture has no lock")
				}
				return f.s.AssignLockUser(a, locks[0].ID, 2)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ps := addPeople(t, f)
			actor := f.admin
			if tc.role != "" {
				actor = f.ops[tc.role]
			}
			c := start(t, f, consoleOpts{w: 120, h: 40, actor: actor})
			tc.screen(c, tc.row)
			c.press(tc.key)
			c.waitStatus(tc.status)
			if scr := c.screen(); strings.Contains(scr, "Save") || strings.Contains(scr, "y remove") {
				t.Fatalf("a refused action opened its dialog:\n%s", scr)
			}
			console, ok := awaitEntry(t, f, tc.action)
			if !ok {
				t.Fatalf("the console's refused %s is not in the action log", tc.action)
			}
			if err := tc.cli(f, ps, actor); !store.IsRefusal(err) {
				t.Fatalf("the command line's attempt was not refused: %v", err)
			}
			cli, _ := lastEntry(t, f, tc.action)
			if cli.Seq == console.Seq {
				t.Fatal("the command line's attempt is not in the log")
			}
			if console.Result != cli.Result || console.Operator != cli.Operator {
				t.Errorf("the console logged\n %+v\nthe command line\n %+v", console, cli)
			}
			if !tc.add && (console.Place != cli.Place || console.Panel != cli.Panel || console.Slot != cli.Slot ||
				console.Account != cli.Account || console.Unit != cli.Unit) {
				t.Errorf("the console logged at\n %+v\nthe command line at\n %+v", console, cli)
			}
		})
	}
}

// An operator who manages operators, looking at one who holds more than
// they do, sees the changes greyed (the row does not allow them now), not
// left out as if their roles never allowed them; the key pressed anyway
// is logged as the command line's attempt.
func TestOperatorHoldingMoreIsGreyedAndLogged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mustDo(f.s.AddRole(f.admin, store.Role{Name: "Desk", Perms: store.PermViewPanelUsers | store.PermViewEquipment | store.PermManageOperators}))
	must(f.s.AddOperator(f.admin, store.NewOperator{Username: "dora", Name: "Dora", Grants: []store.Grant{{Role: "Desk"}}, Units: []uint64{store.RootUnit}}))
	dora := must(f.s.Actor("dora", "tui"))
	c := start(t, f, consoleOpts{w: 200, h: 50, actor: dora})
	goOperators(c, 6)
	c.pick("admin")
	c.waitLine(c.h-2, "e edit")
	c.press("e")
	c.waitScreen("edit: operator admin holds permissions you do not have")
	console, ok := awaitEntry(t, f, "operator.edit")
	if !ok {
		t.Fatal("the console's refused edit is not in the action log")
	}
	if err := f.s.UpdateOperator(dora, f.operator(t, "admin")); !store.IsRefusal(err) {
		t.Fatalf("the command line's edit was not refused: %v", err)
	}
	cli, _ := lastEntry(t, f, "operator.edit")
	if cli.Seq == console.Seq || cli.Place != console.Place || cli.Result != console.Result || cli.Unit != console.Unit {
		t.Errorf("the console logged\n %+v\nthe command line\n %+v", console, cli)
	}
}
