package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store/family"
)

// withTower adds, after withPanel, panel 2 "Tower" (DSC PowerSeries Neo
// HS2064: keypads read tags, door locks; 4-digit codes) reached through
// the sim driver (two simulated locks), with codes on users 2 and 3.
func (s *site) withTower() *site {
	s.t.Helper()
	s.ok("", "panel", "add", "--name", "Tower", "--family", "neo-hs2064", "--imei", imei("49015420323752"), "--unit", "HQ",
		"--driver", "sim", "--address", s.root+"/tower", "--option", "state="+filepath.Join(s.root, "tower.json"))
	s.ok("2580\n", "user", "set-code", "Tower", "2")
	s.ok("3691\n", "user", "set-code", "Tower", "3")
	return s
}

func (s *site) towerSim() *sim.Panel {
	s.t.Helper()
	dev := sim.Device(s.root + "/tower")
	if dev == nil {
		s.t.Fatal("no simulated Tower")
	}
	return dev
}

func TestLockCommands(t *testing.T) {
	s := newSite(t).withPanel().withTower()
	steps := []cliStep{
		{"add without flags", "", []string{"lock", "add", "--name", "Front door"}, 2, "lock add needs --panel, --model"},
		{"add on a panel without locks", "", []string{"lock", "add", "--panel", "Main office", "--name", "Front door", "--model", "l3"}, 1, "cannot have door locks"},
		{"add with an unknown model", "", []string{"lock", "add", "--panel", "Tower", "--name", "Front door", "--model", "acme"}, 1, `lock model "acme": choose Yale Doorman L2`},
		{"add", "", []string{"lock", "add", "--panel", "Tower", "--name", "Front door", "--model", "l3"}, 0, "Added lock 1 (Front door), a Yale Doorman L3, as lock 1 of panel 2 (Tower)."},
		{"add another", "", []string{"lock", "add", "--panel", "2", "--name", "Bike store", "--model", "zwave"}, 0, "as lock 2 of panel 2 (Tower)"},
		{"list before the poll", "", []string{"lock", "list"}, 0, "unknown"},
		{"assign without a code", "", []string{"lock", "assign", "Front door", "9"}, 1, "panel user 9 of Tower has no code; set a code first"},
		{"assign", "", []string{"lock", "assign", "Front door", "2"}, 0, "Panel user 2 is assigned to lock 1 (Front door); change done, confirmed by the panel."},
		{"assign a bad slot", "", []string{"lock", "assign", "1", "x"}, 2, "SLOT must be a number from 1"},
		{"unlock without a reason", "", []string{"lock", "unlock", "Front door", "--yes"}, 1, "give the reason for unlocking the door"},
		{"unlock without a terminal", "", []string{"lock", "unlock", "Front door", "--reason", "delivery"}, 2, "add --yes to confirm"},
		{"unlock", "", []string{"lock", "unlock", "Front door", "--reason", "delivery", "--yes"}, 0, "Lock 1 (Front door): unlocked; command done, confirmed by the panel."},
		{"unlock again", "", []string{"lock", "unlock", "1", "--reason", "delivery", "--yes"}, 1, "lock 1 (Front door) is unlocked already"},
		{"lock", "", []string{"lock", "lock", "Front door"}, 0, "Lock 1 (Front door): locked; command done, confirmed by the panel."},
		{"no such lock", "", []string{"lock", "show", "Back door"}, 1, `no lock "Back door" in your organization units`},
		{"edit nothing", "", []string{"lock", "edit", "1"}, 2, "lock edit needs --name or --model"},
		{"edit", "", []string{"lock", "edit", "Front door", "--name", "Main entrance", "--model", "l2"}, 0, "Lock 1 (Main entrance) is a Yale Doorman L2."},
		{"remove without a terminal", "", []string{"lock", "remove", "Bike store"}, 2, "add --yes to confirm"},
		{"remove with users", "", []string{"lock", "remove", "Main entrance", "--yes"}, 1, "has 1 user and 0 tags assigned: unassign them first, or remove it with force"},
		{"remove", "", []string{"lock", "remove", "Bike store", "--yes"}, 0, "Removed lock 2 (Bike store)."},
	}
	s.runSteps(t, steps)

	// The poll brings the lock's state and battery: two commands cost 2%.
	if err := s.towerSim().SetBattery(1, 15); err != nil {
		t.Fatal(err)
	}
	s.ok("", "dispatch", "--once")
	var locks []lockJSON
	s.jsonOut(&locks, "lock", "list", "--panel", "Tower")
	if len(locks) != 1 || locks[0].State != "locked" || locks[0].Battery == nil || *locks[0].Battery != 15 || !locks[0].LowBattery ||
		!slices.Equal(locks[0].Users, []int{2}) || locks[0].Number != 1 || locks[0].PanelName != "Tower" {
		t.Fatalf("lock list --json: %+v", locks)
	}
	r := s.ok("", "lock", "list")
	for _, want := range []string{"Main entrance", "Yale Doorman L2", "2 (Tower) lock 1", "15% LOW"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lock list lacks %q:\n%s", want, r.stdout)
		}
	}
	r = s.ok("", "lock", "show", "1")
	for _, want := range []string{"users up to 20, tags up to 20, auto-lock yes", "user 2 (User 2)", "unlock  yes", "remove  no: lock 1 (Main entrance) has 1 user"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lock show lacks %q:\n%s", want, r.stdout)
		}
	}

	// A jam at the door: refused with the store's words before any job.
	if err := s.towerSim().SetLockState(1, family.LockJammed); err != nil {
		t.Fatal(err)
	}
	s.ok("", "dispatch", "--once")
	s.fail(1, "is jammed: free the bolt at the door", "", "lock", "unlock", "1", "--reason", "stuck", "--yes")

	// Force removal frees the lock's tags and takes them off the lock.
	if err := s.towerSim().SetLockState(1, family.LockLocked); err != nil {
		t.Fatal(err)
	}
	s.ok("", "tag", "enrol", "90:324", "--kind", "door-lock", "--lock", "Main entrance", "--slot", "3")
	s.ok("", "lock", "unassign", "Main entrance", "2")
	s.fail(1, "has 0 users and 1 tag assigned", "", "lock", "remove", "1", "--yes")
	if r := s.ok("", "lock", "remove", "1", "--force", "--yes"); !strings.Contains(r.stdout, "Removed lock 1 (Main entrance).") {
		t.Fatalf("force remove: %s", r)
	}
	st, err := s.towerSim().ReadLocks(context.Background())
	if err != nil || len(st[0].Tags) != 0 {
		t.Fatalf("the tag is still on the lock: %+v %v", st, err)
	}
	var tag tagJSON
	s.jsonOut(&tag, "tag", "show", "90:324")
	if tag.Owner != "unassigned" || tag.Status != "disabled" {
		t.Fatalf("tag after force remove: %+v", tag)
	}
	if r := s.ok("", "lock", "list"); !strings.Contains(r.stdout, "No door locks.") {
		t.Fatalf("lock list: %s", r.stdout)
	}
	if r := s.ok("", "lock", "--help"); !strings.Contains(r.stdout, "unlock LOCK") || !strings.Contains(r.stdout, "Door locks: list") {
		t.Errorf("group help:\n%s", r.stdout)
	}
	// Codes never show.
	for _, args := range [][]string{{"lock", "list"}, {"tag", "list"}, {"log", "list"}} {
		if r := s.ok("", args...); strings.Contains(withoutTimes(r.stdout), "2580") || strings.Contains(withoutTimes(r.stdout), "3691") {
			t.Errorf("%v shows a code:\n%s", args, r.stdout)
		}
	}
}
