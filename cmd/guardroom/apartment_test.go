package main

import "testing"

func TestApartmentCommands(t *testing.T) {
	s := newSite(t).withHQUnit()
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "Depot")
	s.runSteps(t, []cliStep{
		{"none yet", "", []string{"apartment", "list"}, 0, "No apartments."},
		{"add without a unit", "", []string{"apartment", "add", "A12"}, 2, "apartment add needs --unit"},
		{"add", "", []string{"apartment", "add", "A12", "--unit", "HQ", "--floor", "1", "--notes", "corner"}, 0,
			"Added apartment 1 A12 in Organization / HQ."},
		{"the same name in the unit", "", []string{"apartment", "add", "a12", "--unit", "HQ"}, 1, `already has an apartment named "A12"`},
		{"the same name elsewhere", "", []string{"apartment", "add", "A12", "--unit", "Depot"}, 0, "Added apartment 2 A12 in Organization / Depot."},
		{"a person lives there", "", []string{"person", "add", "Ann", "--unit", "HQ", "--apartment", "a12"}, 0, "Added person 1 Ann"},
		{"show", "", []string{"apartment", "show", "1"}, 0, "People     1"},
		{"two of that name", "", []string{"apartment", "show", "A12"}, 1, `2 apartments are named "A12" (IDs 1, 2): give the ID instead`},
		{"list", "", []string{"apartment", "list"}, 0, "Organization / HQ     1      1       corner"},
		{"edit nothing", "", []string{"apartment", "edit", "1"}, 2, "apartment edit needs at least one of"},
		{"rename", "", []string{"apartment", "edit", "1", "--name", "A12a", "--floor", "2"}, 0, "Floor      2"},
		{"the person's apartment follows", "", []string{"person", "show", "Ann"}, 0, "Apartment       A12a"},
		{"remove one lived in", "", []string{"apartment", "remove", "1"}, 1,
			"apartment 1 A12a is still used by person 1 Ann, who lives there: change those first"},
		{"move out", "", []string{"person", "edit", "Ann", "--apartment", "none"}, 0, "Apartment       -"},
		{"remove", "", []string{"apartment", "remove", "1"}, 0, "Removed apartment 1 A12a."},
	})
}
