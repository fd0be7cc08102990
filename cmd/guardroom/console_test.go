package main

import (
	"strings"
	"testing"
)

// Without a terminal (tests, pipes) the console prints the site instead.
func TestConsoleWithoutTerminal(t *testing.T) {
	s := newSite(t)
	r := s.ok("")
	if !strings.Contains(r.stdout, "No panels yet") {
		t.Errorf("console on an empty site: %s", r)
	}
	s.withPanel()
	for _, args := range [][]string{nil, {"console"}, {"console", "--theme", "light", "--no-mouse", "--no-bell"}} {
		r := s.ok("", args...)
		if !strings.Contains(r.stdout, "Main office") || !strings.Contains(r.stdout, "Not a terminal") {
			t.Errorf("console %v: %s", args, r)
		}
	}
}

func TestConsoleKeyRemaps(t *testing.T) {
	s := newSite(t).withPanel()
	s.ok("", "console", "--key", "user.disable=D,delete")
	s.fail(2, `unknown action "user.explode"`, "", "console", "--key", "user.explode=x")
	s.fail(2, "is bound to both", "", "console", "--key", "user.label=c")
	s.fail(2, "ID=KEY", "", "console", "--key", "nokeys")
}

func TestDemoRefusesNonEmptyDatabase(t *testing.T) {
	s := newSite(t).withPanel()
	s.fail(1, "already holds a site; use another --data directory for the demo", "", "demo")
	// console --demo on a site leaves it alone.
	if r := s.ok("", "console", "--demo"); !strings.Contains(r.stdout, "Main office") {
		t.Error(r)
	}
}

func TestDemo(t *testing.T) {
	s := newSite(t)
	r := s.run("", "demo")
	if r.code != 0 || !strings.Contains(r.stdout, "The demo site is ready") || !strings.Contains(r.stderr, "building the demo site") {
		t.Fatalf("demo: %s", r)
	}
	var panels []panelJSON
	s.jsonOut(&panels, "panel", "list")
	if len(panels) == 0 {
		t.Fatal("the demo site has no panels")
	}
	s.fail(1, "already holds a site", "", "demo")
	s.ok("", "log", "verify")
	// The simulated panels remember the demo's codes between processes:
	// reading them again finds only the two drifts of the story.
	if r := s.ok("", "dispatch", "--once"); !strings.Contains(r.stdout, "1 failed, 2 users drift") {
		t.Errorf("dispatch --once after the demo: %s", r)
	}

	// make run: console --demo on a new directory builds it, then shows it.
	d := newSite(t)
	if r := d.ok("", "console", "--demo"); !strings.Contains(r.stdout, panels[0].Name) {
		t.Errorf("console --demo: %s", r)
	}
	// Without a terminal, once built, it logs in like any command: as the
	// demo's admin, whose password the demo printed.
	if r := d.ok("", "--demo"); !strings.Contains(r.stdout, panels[0].Name) || !strings.Contains(r.stdout, "seen as operator admin") {
		t.Errorf("guardroom --demo: %s", r)
	}
}
