package main

import (
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

func TestUnitCommands(t *testing.T) {
	s := newSite(t)
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "HQ")
	if r := s.ok("", "unit", "add", "--parent", "HQ", "--kind", "Building", "Block A"); !strings.Contains(r.stdout, "Organization / HQ / Block A") {
		t.Errorf("unit add: %s", r)
	}
	s.fail(1, `already has a unit named "block a"`, "", "unit", "add", "--parent", "HQ", "--kind", "building", "block a")
	s.fail(1, "is not valid: choose site, building, floor or area", "", "unit", "add", "--parent", "HQ", "--kind", "galaxy", "X")
	s.fail(1, "no organization unit", "", "unit", "add", "--parent", "Atlantis", "--kind", "site", "X")
	var units []unitJSON
	s.jsonOut(&units, "unit", "list")
	if len(units) != 3 || units[2].Path != "Organization / HQ / Block A" || units[2].Kind != store.UnitBuilding {
		t.Errorf("unit list --json: %+v", units)
	}
	if r := s.ok("", "unit", "list"); !strings.Contains(r.stdout, "Organization / HQ / Block A") {
		t.Errorf("unit list:\n%s", r.stdout)
	}
}

func TestOperatorCommands(t *testing.T) {
	s := newSite(t).withPanel()
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "Depot")
	r := s.ok("", "operator", "add", "guard1", "--role", "guard", "--unit", "HQ,Depot", "--name", "Gina Guard")
	if !strings.Contains(r.stdout, "Guard") || !strings.Contains(r.stdout, "Organization / Depot") {
		t.Errorf("operator add: %s", r)
	}
	s.fail(1, "already exists", "", "operator", "add", "guard1", "--role", "Guard", "--unit", "HQ")
	s.fail(1, `unknown role "Janitor"`, "", "operator", "add", "jan", "--role", "Janitor", "--unit", "HQ")
	s.fail(1, "is not valid", "", "operator", "add", "bad name", "--role", "Guard", "--unit", "HQ")
	s.fail(2, "needs --role and --unit", "", "operator", "add", "x")

	var ops []store.Operator
	s.jsonOut(&ops, "operator", "list")
	if len(ops) != 2 || ops[1].Username != "guard1" || ops[1].Name != "Gina Guard" || len(ops[1].Units) != 2 {
		t.Errorf("operator list --json: %+v", ops)
	}
	// Guards may not manage operators or equipment; they may read the log.
	guard := s.as("guard1", r)
	guard.fail(1, "manage operators", "", "operator", "list")
	guard.fail(1, "manage equipment", "", "unit", "add", "--parent", "HQ", "--kind", "floor", "F1")
	// The global --operator goes before 'log'; log list's own --operator filters.
	var entries []store.Entry
	guard.jsonOut(&entries, "log", "list", "--operator", "guard1")
	if entries = withoutLogins(entries); len(entries) != 1 || entries[0].Action != "unit.add" || !entries[0].Refused() {
		t.Errorf("guard1's entries: %+v", entries)
	}
}
