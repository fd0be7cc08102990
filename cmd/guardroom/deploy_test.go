package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDeployUnitMatchesFile: the systemd unit shown in docs/DEPLOY.md is
// docs/guardroom.service as it is, and runs commands and flags that
// exist.
func TestDeployUnitMatchesFile(t *testing.T) {
	doc, err := os.ReadFile("../../docs/DEPLOY.md")
	if err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile("../../docs/guardroom.service")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```ini\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/DEPLOY.md shows no ```ini block")
	}
	if string(m[1]) != string(unit) {
		t.Fatalf("the unit in docs/DEPLOY.md differs from docs/guardroom.service:\n%s\n--- file:\n%s", m[1], unit)
	}
	exec := regexp.MustCompile(`(?m)^ExecStart=(.*)$`).FindSubmatch(unit)
	if exec == nil {
		t.Fatal("no ExecStart in the unit")
	}
	args := strings.Fields(string(exec[1]))[1:]
	newSite(t)
	r := runArgs("", append(args, "--help")...)
	if r.code != 0 || !strings.Contains(r.stdout, "Usage: guardroom serve") {
		t.Fatalf("ExecStart's command line %q is not guardroom serve's: %s", args, r)
	}
	for _, want := range []string{"User=guardroom", "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=", "PrivateTmp=yes"} {
		if !strings.Contains(string(unit), "\n"+want) {
			t.Errorf("the unit has no %s", want)
		}
	}
}
