package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/guardroom/guardroom/store"
)

const demoKillEnv = "GUARDROOM_DEMOKILL_ROOT"

// TestDemoKillChild is the child side of TestDemoKilledMidway: it builds
// the demo in the directory its parent names, until killed.
func TestDemoKillChild(t *testing.T) {
	root := os.Getenv(demoKillEnv)
	if root == "" {
		t.Skip("helper process of TestDemoKilledMidway; runs only when started by it")
	}
	run(context.Background(), []string{"--data", filepath.Join(root, "data"), "--key-file", filepath.Join(root, "keys", "data.key"), "demo"},
		strings.NewReader(""), os.Stdout, os.Stderr)
}

// TestDemoKilledMidway: a demo build killed half-way leaves no database
// in the data directory, so the next start builds the demo again instead
// of opening half a site; and a demo built with a relative --data works
// from any directory (its simulated panels' paths are absolute).
func TestDemoKilledMidway(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	s := newSite(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestDemoKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), demoKillEnv+"="+s.root)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(errPipe)
	var said []string
	for sc.Scan() {
		said = append(said, sc.Text())
		// Kill once panels are being filled with users: well into the
		// build, with units, operators and panels written.
		if strings.Contains(sc.Text(), "building the demo site: ") && strings.Contains(sc.Text(), "users") {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for sc.Scan() {
		said = append(said, sc.Text())
	}
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the demo was not killed mid-way:\n%s", strings.Join(said, "\n"))
	}
	if store.Exists(s.data) {
		t.Fatalf("a half-built demo is in %s", s.data)
	}

	// The next run builds it again, from the data directory's parent with
	// relative paths, as make run does.
	t.Chdir(s.root)
	r := runArgs("", "--data", "data", "--key-file", filepath.Join("keys", "data.key"), "demo")
	if r.code != 0 || !strings.Contains(r.stdout, "The demo site is ready") {
		t.Fatalf("demo after the kill: %s", r)
	}
	if m := demoAdminRE.FindStringSubmatch(r.stdout); m != nil {
		s.operator, s.pwFile = "admin", s.writeFile("demo-admin.txt", m[1])
	}
	if _, err := os.Stat(s.data + ".building"); err == nil {
		t.Errorf("%s.building is left", s.data)
	}
	// From elsewhere, the simulated panels are found: they still hold the
	// demo's codes, so only the story's drifts show.
	t.Chdir(t.TempDir())
	if r := s.ok("", "dispatch", "--once"); !strings.Contains(r.stdout, "1 failed, 2 users drift") {
		t.Errorf("dispatch --once from another directory: %s", r)
	}
	var panels []panelJSON
	s.jsonOut(&panels, "panel", "list")
	sims := 0
	for _, p := range panels {
		if p.Driver == "sim" {
			sims++
			if !filepath.IsAbs(p.Address) {
				t.Errorf("panel %s is reached at %q, a relative path", p.Name, p.Address)
			}
		}
	}
	if sims == 0 {
		t.Errorf("no simulated panels in %+v", panels)
	}
}
