package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// Monday and Sunday 10:00 on the site's clock (Europe/Helsinki).
const (
	monday10 = "2026-11-23 10:00"
	sunday10 = "2026-11-22 10:00"
)

func TestAccessCommands(t *testing.T) {
	s := newSite(t).withHQUnit()
	s.runSteps(t, []cliStep{
		{"timezone", "", []string{"access", "timezone", "Europe/Helsinki"}, 0, "Schedules are now read in Europe/Helsinki"},
		{"a bad timezone", "", []string{"access", "timezone", "Mars/Olympus"}, 1, `"Mars/Olympus" is not a time zone`},
		{"show the timezone", "", []string{"access", "timezone"}, 0, "Schedules are read in Europe/Helsinki"},

		{"schedule with bad intervals", "", []string{"schedule", "add", "Office hours", "--unit", "HQ", "--intervals", "Mon-Fri 8-17"}, 2, "--intervals:"},
		{"schedule with a bad holiday", "", []string{"schedule", "add", "Office hours", "--unit", "HQ", "--holiday", "christmas"}, 2, "--holiday:"},
		{"schedule", "", []string{"schedule", "add", "Office hours", "--unit", "HQ", "--intervals", "Mon-Fri 08:00-17:00; Hol 10:00-12:00",
			"--holiday", "12-25", "--holiday", "2026-12-24"}, 0, "Added time profile 1 Office hours in Organization / HQ."},
		{"schedule twice", "", []string{"schedule", "add", "office hours", "--unit", "HQ"}, 1, `already has a time profile named "Office hours"`},
		{"schedule show", "", []string{"schedule", "show", "office hours"}, 0, "Mon-Fri 08:00-17:00"},
		{"schedule edit", "", []string{"schedule", "edit", "1", "--holiday", "01-01"}, 0, "Holidays      01-01"},
		{"schedule without holidays", "", []string{"schedule", "edit", "1", "--holiday", "none", "--name", "Nine to five"}, 0, "Holidays      -"},
		{"schedule renamed back", "", []string{"schedule", "edit", "Nine to five", "--holiday", "01-01", "--name", "Office hours"}, 0, "Changed time profile 1 Office hours."},

		{"door group", "", []string{"door", "group", "add", "Ground floor", "--unit", "HQ"}, 0, "Added door group 1 Ground floor in Organization / HQ."},
		{"door", "", []string{"door", "add", "Main entrance", "--unit", "HQ", "--group", "Ground floor", "--lock", "1"}, 0,
			"Added door 1 Main entrance in Organization / HQ."},
		{"door with a bad lock", "", []string{"door", "add", "Back door", "--unit", "HQ", "--lock", "9999"}, 1, "lock number 9999 is out of range"},
		{"another door", "", []string{"door", "add", "Server room", "--unit", "HQ", "--lock", "2"}, 0, "Added door 2 Server room"},
		{"door show", "", []string{"door", "show", "main entrance"}, 0, "Door groups  1 Ground floor"},
		{"door edit", "", []string{"door", "edit", "Server room", "--lock", "3"}, 0, "Lock         3"},

		{"level with an unknown door", "", []string{"level", "add", "Staff", "--unit", "HQ", "--door", "Attic"}, 1, `no door named "Attic"`},
		{"level with a bad direction", "", []string{"level", "add", "Staff", "--unit", "HQ", "--door", "1:Always:sideways"}, 2, "sideways"},
		{"level with menu group 0", "", []string{"level", "add", "Staff", "--unit", "HQ", "--menu-group", "0"}, 1, "the menu group is not set"},
		{"level", "", []string{"level", "add", "Staff", "--unit", "HQ", "--door-group", "Ground floor:Office hours", "--name2", "Personal",
			"--notes", "everyone on the payroll", "--arm", "2", "--disarm", "3:Office hours", "--floor", "4", "--floor-group", "5:1",
			"--elevator-group", "6", "--output", "7", "--output-group", "8", "--reader-output", "--output-time", "5s", "--location-group", "9"}, 0,
			"Added access level 1 Staff in Organization / HQ."},
		{"level outputs without outputs", "", []string{"level", "add", "Lobby", "--unit", "HQ", "--keypad-output"}, 1,
			"keypad access activates outputs, but no output or output group is chosen"},
		{"include all without a terminal", "", []string{"level", "add", "Guards", "--unit", "HQ", "--all-doors"}, 2,
			"includes all doors: it gives access to every door in the site, including doors added later. A door group holding today's doors is safer. Add --yes"},
		{"include all with --yes", "", []string{"level", "add", "Guards", "--unit", "HQ", "--all-doors", "--all-disarm", "--yes"}, 0, "Added access level 2 Guards"},
		{"level edit", "", []string{"level", "edit", "Staff", "--door", "Server room:Office hours:entry"}, 0,
			"door 2 Server room on 1 Office hours, entry"},
		{"level edit keeps the door groups", "", []string{"level", "show", "Staff"}, 0, "door group 1 Ground floor on 1 Office hours, both"},

		{"group with a bad kind", "", []string{"group", "add", "IT", "--unit", "HQ", "--multifactor", "card,retina"}, 2, "--multifactor"},
		{"group", "", []string{"group", "add", "IT", "--unit", "HQ", "--level", "Staff", "--multifactor", "card,code", "--ordered", "--window", "20s"}, 0,
			"Added access group 1 IT in Organization / HQ."},
		{"group show", "", []string{"group", "show", "it"}, 0, "Multifactor   card then access code within 20s"},
		{"group edit", "", []string{"group", "edit", "IT", "--name", "IT staff"}, 0, "Changed access group 1 IT staff."},

		{"a person in the group", "11223344\n", []string{"person", "add", "Ann", "--unit", "HQ", "--card", "100", "--code", "--group", "IT staff"}, 0, "Added person 1 Ann"},
		{"a person with the level", "", []string{"person", "add", "Bob", "--unit", "HQ", "--card", "200", "--level", "Staff"}, 0, "Added person 2 Bob"},

		{"check without anyone", "", []string{"access", "check", "--door", "1"}, 2, "access check needs --person, or the credentials"},
		{"check both ways", "", []string{"access", "check", "--person", "2", "--door", "1", "--direction", "both"}, 2, "--direction is entry or exit"},
		{"check a person", "", []string{"access", "check", "--person", "Bob", "--door", "Main entrance", "--at", monday10}, 0,
			"No credential given: assumed presented"},
		{"check an unknown door", "", []string{"access", "check", "--person", "Bob", "--door", "Attic"}, 1, `no door named "Attic"`},
		{"check a bad time", "", []string{"access", "check", "--person", "Bob", "--door", "1", "--at", "tomorrow"}, 2, `--at: "tomorrow" is not a time`},

		{"who", "", []string{"door", "who", "Main entrance", "--at", monday10}, 0, "2 people may enter by door 1 Main entrance at 2026-11-23 10:00 (site time)"},
		{"who on Sunday", "", []string{"door", "who", "1", "--at", sunday10}, 0, "0 people may enter by door 1 Main entrance"},
		{"who with a bad direction", "", []string{"door", "who", "1", "--direction", "up"}, 2, "--direction"},

		{"remove a used door group", "", []string{"door", "group", "remove", "Ground floor"}, 1,
			"door group 1 Ground floor is still used by door 1 Main entrance"},
		{"remove a used schedule", "", []string{"schedule", "remove", "Office hours"}, 1, "time profile 1 Office hours is still used by access level 1 Staff"},
		{"remove a used level", "", []string{"level", "remove", "Staff"}, 1, "access level 1 Staff is still used by access group 1 IT staff"},
		{"remove a used group", "", []string{"group", "remove", "IT staff"}, 1, "access group 1 IT staff is still used by person 1 Ann"},
		{"include all off needs no --yes", "", []string{"level", "edit", "Guards", "--all-doors=false", "--all-disarm=false"}, 0, "Changed access level 2 Guards."},
		{"remove a level", "", []string{"level", "remove", "Guards"}, 0, "Removed access level 2 Guards."},
		{"level with two menu groups", "", []string{"level", "add", "Staff", "--unit", "HQ", "--menu-group", "1", "--menu-group", "2"}, 2,
			"given twice (1 and 2): a level has exactly one menu group"},
		{"level with a bad menu group", "", []string{"level", "add", "Staff", "--unit", "HQ", "--menu-group", "all"}, 2, `"all" is not a menu group`},
		{"level without a keypad menu", "", []string{"level", "add", "Visitors", "--unit", "HQ", "--menu-group", "none"}, 0, "Added access level 3 Visitors"},
		{"show no keypad menu", "", []string{"level", "show", "Visitors"}, 0, "Menu group          none (no keypad menu)"},
		{"edit keeps no keypad menu", "", []string{"level", "edit", "Visitors", "--notes", "front desk"}, 0, "Menu group          none (no keypad menu)"},
		{"edit gives a keypad menu", "", []string{"level", "edit", "Visitors", "--menu-group", "3"}, 0, "Menu group          3"},
		{"remove the visitors' level", "", []string{"level", "remove", "Visitors"}, 0, "Removed access level 3 Visitors."},
	})

	// Decisions: the exit status tells a script the verdict.
	decide := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  []string
	}{
		{"granted by schedule", "", []string{"--person", "2", "--door", "1", "--at", monday10}, 0,
			[]string{"Person 2 Bob, door 1 Main entrance, entry, 2026-11-23 10:00:00 EET (site time):", "granted\n", "pass  level: access level Staff"}},
		{"denied on Sunday", "", []string{"--person", "2", "--door", "1", "--at", sunday10}, 1,
			[]string{"denied\n", "fail  level"}},
		{"a card", "", []string{"--card", "200", "--door", "Server room", "--direction", "exit", "--at", monday10}, 1,
			[]string{"Person 2 Bob, door 2 Server room, exit", "pass  credentials: card 200 is person 2 Bob's", "fail  level"}},
		{"card then code", "11223344\n", []string{"--card", "100", "--code", "--door", "1", "--at", monday10}, 0,
			[]string{"pass  multifactor", "granted\n"}},
		{"the card alone", "", []string{"--card", "100", "--door", "1", "--at", monday10}, 1,
			[]string{"fail  multifactor"}},
		{"offline", "", []string{"--person", "Bob", "--door", "1", "--at", monday10, "--offline"}, 1, []string{"fail  offline"}},
	}
	for _, d := range decide {
		t.Run("check "+d.name, func(t *testing.T) {
			r := s.run(d.stdin, append([]string{"access", "check"}, d.args...)...)
			if r.code != d.code || r.stderr != "" {
				t.Fatalf("want exit %d and nothing on stderr, got %s", d.code, r)
			}
			for _, w := range d.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("no %q in %s", w, r)
				}
			}
			if strings.Contains(r.stdout, "11223344") {
				t.Errorf("the access code shows: %s", r)
			}
		})
	}

	// A card nobody holds is not decided: the store says why, on stderr.
	s.fail(1, "no one in your organization units holds card 300", "", "access", "check", "--card", "300", "--door", "1")

	// Every door at once: a listing, exit 0 whatever the verdicts.
	r := s.ok("", "access", "check", "--person", "Bob", "--at", monday10, "--direction", "exit")
	for _, want := range []string{"1 Main entrance  granted   access level 1 Staff", "2 Server room    denied"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("access check without --door lacks %q:\n%s", want, r.stdout)
		}
	}

	// JSON answers.
	var dec decisionJSON
	r = s.run("", "access", "check", "--person", "Bob", "--door", "1", "--at", sunday10, "--json")
	if err := json.Unmarshal([]byte(r.stdout), &dec); err != nil || r.code != 1 {
		t.Fatalf("access check --json: %v\n%s", err, r)
	}
	if dec.Grant || dec.Person != 2 || dec.PersonName != "Bob" || dec.DoorName != "Main entrance" || !dec.AssumedPresented ||
		dec.Reason == "" || len(dec.Steps) < 3 || dec.At != "2026-11-22T10:00:00+02:00" {
		t.Fatalf("access check --json: %+v", dec)
	}
	s.jsonOut(&dec, "access", "check", "--person", "Bob", "--door", "1", "--at", monday10)
	if !dec.Grant || dec.Level != 1 || dec.LevelName != "Staff" {
		t.Fatalf("access check --json granted: %+v", dec)
	}
	var all []decisionJSON
	s.jsonOut(&all, "access", "check", "--person", "Bob", "--at", monday10, "--direction", "exit")
	if len(all) != 2 || !all[0].Grant || all[1].Grant {
		t.Fatalf("access check --json for every door: %+v", all)
	}
	var who whoJSON
	s.jsonOut(&who, "door", "who", "1", "--at", monday10)
	var names []string
	for _, p := range who.People {
		names = append(names, p.Name)
	}
	if who.Door != 1 || who.Direction != "entry" || !slices.Equal(names, []string{"Ann", "Bob"}) {
		t.Fatalf("door who --json: %+v", who)
	}
	var schedules []scheduleJSON
	s.jsonOut(&schedules, "schedule", "list")
	if len(schedules) != 1 || !slices.Equal(schedules[0].Schedule, []string{"Mon-Fri 08:00-17:00", "Hol 10:00-12:00"}) ||
		!slices.Equal(schedules[0].Days, []string{"01-01"}) {
		t.Fatalf("schedule list --json: %+v", schedules)
	}
	var doors []doorJSON
	s.jsonOut(&doors, "door", "list")
	if len(doors) != 2 || doors[1].Lock != 3 || !slices.Equal(doors[0].Groups, []uint32{1}) {
		t.Fatalf("door list --json: %+v", doors)
	}
	var dgs []doorGroupJSON
	s.jsonOut(&dgs, "door", "group", "list")
	if len(dgs) != 1 || !slices.Equal(dgs[0].Doors, []uint32{1}) {
		t.Fatalf("door group list --json: %+v", dgs)
	}
	var groups []groupJSON
	s.jsonOut(&groups, "group", "list")
	if len(groups) != 1 || groups[0].Name != "IT staff" || groups[0].MultiFactor != "card then access code within 20s" {
		t.Fatalf("group list --json: %+v", groups)
	}
	var lvl levelJSON
	s.jsonOut(&lvl, "level", "show", "Staff")
	if lvl.Name2 != "Personal" || lvl.OutputTime != 5*time.Second || !lvl.ReaderActivatesOutput || lvl.LocationGroup != 9 ||
		len(lvl.ArmAreas) != 1 || len(lvl.DisarmAreas) != 1 || len(lvl.Floors) != 2 || len(lvl.Elevators) != 1 ||
		len(lvl.Doors) != 2 || len(lvl.MenuGroups) != 1 || lvl.MenuGroups[0] != 1 {
		t.Fatalf("level show --json: %+v", lvl)
	}
	var levels []levelJSON
	s.jsonOut(&levels, "level", "list")
	if len(levels) != 1 || len(levels[0].DoorRules) != 2 {
		t.Fatalf("level list --json: %+v", levels)
	}
	r = s.ok("", "level", "show", "Staff")
	for _, want := range []string{"Disarm area groups  3 on 1 Office hours", "Floors              floor 4 on Always; floor group 5 on 1 Office hours",
		"Output activation   reader yes, keypad no, until expiry no, toggle no; time 5s"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("level show lacks %q:\n%s", want, r.stdout)
		}
	}
	// Lists emptied with none; what used a record no longer holds it.
	s.runSteps(t, []cliStep{
		{"group without a rule", "", []string{"group", "edit", "IT staff", "--multifactor", "none"}, 0, "Multifactor   -"},
		{"the card alone now", "", []string{"access", "check", "--card", "100", "--door", "1", "--at", monday10}, 0, "granted\n"},
		{"door out of its groups", "", []string{"door", "edit", "1", "--group", "none"}, 0, "Door groups  -"},
		{"a door group a level names", "", []string{"door", "group", "remove", "Ground floor"}, 1, "is still used by access level 1 Staff"},
		{"person out of the group", "", []string{"person", "edit", "Ann", "--group", "none"}, 0, "Access groups   -"},
		{"group now unused", "", []string{"group", "remove", "IT staff"}, 0, "Removed access group 1 IT staff."},
		{"both ways", "", []string{"door", "who", "2", "--direction", "both", "--at", monday10}, 0, "0 people may pass both ways through door 2 Server room"},
	})
	for _, group := range []string{"schedule", "door", "door group", "group", "level", "access"} {
		if r := s.ok("", append(strings.Fields(group), "--help")...); !strings.Contains(r.stdout, "Subcommands:") || strings.Contains(r.stdout, "\n.\n") {
			t.Errorf("%s --help:\n%s", group, r.stdout)
		}
	}
	// --group all (004's select all): every group serving the person's unit.
	s.ok("", "group", "add", "Visitors", "--unit", "HQ")
	s.ok("", "group", "add", "Contractors", "--unit", "HQ")
	s.ok("", "person", "add", "Cy", "--unit", "HQ", "--group", "all")
	var serving []struct{ ID uint32 }
	s.jsonOut(&serving, "group", "list")
	var cy struct{ Groups []uint32 }
	s.jsonOut(&cy, "person", "show", "Cy")
	if len(serving) < 2 || len(cy.Groups) != len(serving) {
		t.Fatalf("person add --group all gave %v; the groups are %v", cy.Groups, serving)
	}
}

// The CLI reflects the store's scope and permissions: an operator of one
// site neither sees nor names another site's doors and people, and a
// guard may look but not change.
func TestAccessScope(t *testing.T) {
	s := newSite(t).withHQUnit()
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "Depot")
	s.ok("", "door", "add", "Vault", "--unit", "HQ")
	s.ok("", "person", "add", "Ann", "--unit", "HQ", "--card", "100")
	sup := s.as("sup", s.ok("", "operator", "add", "sup", "--role", "Supervisor", "--unit", "Depot"))
	guard := s.as("guard", s.ok("", "operator", "add", "guard", "--role", "Guard", "--unit", "HQ"))
	for _, c := range []struct {
		name string
		as   *site
		args []string
		code int
		want string
	}{
		{"no doors of another site", sup, []string{"door", "list"}, 0, "No doors."},
		{"another site's door", sup, []string{"door", "show", "Vault"}, 1, `no door named "Vault" in your organization units`},
		{"another site's card", sup, []string{"person", "show", "card:100"}, 1, "no one in your organization units holds card 100"},
		{"another site's person", sup, []string{"person", "show", "1"}, 1, "no person 1 in your organization units"},
		{"a door in another site", sup, []string{"door", "add", "Back door", "--unit", "HQ"}, 1, `no organization unit "HQ" in your scope`},
		{"the site's time zone", sup, []string{"access", "timezone", "Europe/Helsinki"}, 1, "the site's time zone covers the whole organization"},
		{"a door of their own", sup, []string{"door", "add", "Gate", "--unit", "Depot"}, 0, "Added door 2 Gate in Organization / Depot."},
		{"a guard looks", guard, []string{"person", "list"}, 0, "Ann"},
		{"a guard may not add", guard, []string{"person", "add", "Bob", "--unit", "HQ"}, 1, "manage people and access"},
		{"a guard may not remove", guard, []string{"door", "remove", "Vault"}, 1, "manage people and access"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.as.run("", c.args...)
			out := r.stdout
			if c.code != 0 {
				out = r.stderr
			}
			if r.code != c.code || !strings.Contains(out, c.want) {
				t.Fatalf("want exit %d and %q, got %s", c.code, c.want, r)
			}
		})
	}
}
