package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/drivers/sim"
)

func TestDeviceCommands(t *testing.T) {
	s := newSite(t).withPanel()
	if r := s.ok("", "panel", "drivers"); !strings.Contains(r.stdout, "guided") || !strings.Contains(r.stdout, "modbus") || !strings.Contains(r.stdout, "sim") {
		t.Errorf("panel drivers:\n%s", r.stdout)
	}
	s.fail(2, `--driver "smoke-signal": choose one of`, "", "panel", "device", "1", "--driver", "smoke-signal")
	s.fail(1, "needs an address", "", "panel", "device", "1", "--driver", "modbus")

	// A change reaches the simulated panel before the command reports.
	if r := s.ok("2580\n", "user", "set-code", "1", "7"); !strings.Contains(r.stdout, "sync: in sync") {
		t.Errorf("set-code: %s", r)
	}
	r := s.ok("", "panel", "show", "1")
	for _, want := range []string{"Connection", "online", "Transport", "in-process", "Queue", "0 pending, 0 waiting for keypad steps, 0 failed, 0 users drift"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("panel show lacks %q:\n%s", want, r.stdout)
		}
	}
	var jobs []jobJSON
	s.jsonOut(&jobs, "job", "list")
	if len(jobs) != 1 || jobs[0].State != "done" || jobs[0].Op != "set-code" || jobs[0].Slot != 7 {
		t.Fatalf("job list: %+v", jobs)
	}
	if r := s.ok("", "job", "list"); strings.Contains(r.stdout, "2580") {
		t.Error("job list shows a code")
	}

	// Arm, then disarm with confirmation.
	if r := s.ok("", "partition", "arm", "1", "2"); !strings.Contains(r.stdout, "armed away; command done, confirmed by the panel") {
		t.Errorf("arm: %s", r)
	}
	s.fail(1, "armed away already", "", "partition", "arm", "1", "2")
	s.fail(2, "add --yes", "", "partition", "disarm", "1", "2")
	if r := s.ok("", "partition", "disarm", "1", "2", "--yes"); !strings.Contains(r.stdout, ": disarmed; command done") {
		t.Errorf("disarm: %s", r)
	}
	s.fail(2, "choose stay", "", "partition", "arm", "1", "2", "--mode", "sideways")
	// No entry delay: the simulated panel arms away.
	if r := s.ok("", "partition", "arm", "1", "2", "--mode", "no-entry"); !strings.Contains(r.stdout, "armed away; command done, confirmed by the panel") {
		t.Errorf("arm --mode no-entry: %s", r)
	}
	s.ok("", "partition", "disarm", "1", "2", "--yes")
	if r := s.ok("", "partition", "list", "1"); !strings.Contains(r.stdout, "Last command") {
		t.Errorf("partition list:\n%s", r.stdout)
	}

	// Someone clears the code at the keypad: the next read shows drift.
	dev := sim.Device(s.root + "/main-office")
	if dev == nil {
		t.Fatal("no simulated panel")
	}
	if err := dev.ClearAtKeypad(7); err != nil {
		t.Fatal(err)
	}
	if r := s.ok("", "dispatch", "--once"); !strings.Contains(r.stdout, "1 users drift") {
		t.Errorf("dispatch --once: %s", r)
	}
	if r := s.ok("", "user", "drift", "1", "7"); !strings.Contains(r.stdout, "code cleared at the panel") || !strings.Contains(r.stdout, "code none") {
		t.Errorf("user drift:\n%s", r.stdout)
	}
	s.fail(1, "does not keep codes", "", "user", "resolve", "1", "7", "push")
	s.fail(2, "choose push", "", "user", "resolve", "1", "7", "maybe")
	if r := s.ok("", "user", "resolve", "1", "7", "accept"); !strings.Contains(r.stdout, "takes the panel's state") {
		t.Errorf("resolve: %s", r)
	}
	if u := s.user("1", "7"); u.CodeSet || u.Sync != "none" { // no code: nothing to be in sync with
		t.Errorf("after accepting: %+v", u)
	}
}

func TestJobCommands(t *testing.T) {
	s := newSite(t).withPanel()
	// Slot 9 got the code at the keypad: guardroom's set-code is refused.
	s.ok("", "dispatch", "--once")
	dev := sim.Device(s.root + "/main-office")
	if err := dev.ChangeAtKeypad(9, "2580"); err != nil {
		t.Fatal(err)
	}
	if r := s.ok("2580\n", "user", "set-code", "1", "7"); !strings.Contains(r.stdout, "sync: failed") {
		t.Fatalf("set-code: %s", r)
	}
	var jobs []jobJSON
	s.jsonOut(&jobs, "job", "list", "--state", "failed")
	if len(jobs) != 1 || jobs[0].LastError == "" {
		t.Fatalf("failed jobs: %+v", jobs)
	}
	seq := jobs[0].Seq
	if r := s.ok("", "job", "show", itoa(seq)); !strings.Contains(r.stdout, "failed") {
		t.Errorf("job show:\n%s", r.stdout)
	}
	s.fail(2, "JOB must be a job number", "", "job", "show", "x")
	s.fail(1, "no job 99", "", "job", "show", "99")
	s.fail(2, "--state \"lost\"", "", "job", "list", "--state", "lost")

	// Clear the keypad's duplicate and retry: the panel takes it.
	if err := dev.ClearAtKeypad(9); err != nil {
		t.Fatal(err)
	}
	s.ok("", "job", "retry", itoa(seq))
	if u := s.user("1", "7"); u.Sync != "in sync" {
		t.Errorf("after retry: %+v", u)
	}
	s.fail(1, "only a failed job can be retried", "", "job", "retry", itoa(seq))
	s.fail(2, "add --yes", "", "job", "cancel", itoa(seq))
	s.fail(1, "nothing to cancel", "", "job", "cancel", itoa(seq), "--yes")

	// A guided panel: the job waits for keypad steps.
	s.ok("", "panel", "device", "1", "--driver", "guided")
	s.ok("4713\n", "user", "set-code", "1", "8")
	s.jsonOut(&jobs, "job", "list", "--state", "keypad")
	if len(jobs) != 1 || len(jobs[0].Steps) == 0 {
		t.Fatalf("keypad jobs: %+v", jobs)
	}
	r := s.ok("", "job", "show", itoa(jobs[0].Seq))
	if !strings.Contains(r.stdout, "[*] [5]") || !strings.Contains(r.stdout, "guardroom job confirm") || strings.Contains(r.stdout, "4713") {
		t.Errorf("keypad steps:\n%s", r.stdout)
	}
	s.ok("", "job", "confirm", itoa(jobs[0].Seq), "--yes")
	if u := s.user("1", "8"); u.Sync != "applied by operator (unverified)" {
		t.Errorf("after confirm: %+v", u)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// TestMisconfiguredDevice: the panel's address reaches a Modbus device
// with no guardroom register map where the settings look (here a map at
// another base): the command prints its line, then ends with exit 1 and
// says what to check; the panel shows misconfigured, not online.
func TestMisconfiguredDevice(t *testing.T) {
	s := newSite(t).withPanel()
	simr, err := modbus.NewSimulator("dsc-pc1864", modbus.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := simr.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer simr.Close()
	s.ok("", "panel", "device", "1", "--driver", "modbus", "--address", "tcp://"+addr.String(), "--option", "base=0x100")
	r := s.fail(1, "panel 1 (Main office) is misconfigured: ", "2580\n", "user", "set-code", "1", "7")
	for _, want := range []string{"no guardroom register map here", "check the panel's address and options unit and base", "guardroom job list --state failed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("set-code lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "sync: failed") {
		t.Errorf("set-code: %s", r)
	}
	if u, _ := simr.Panel().ReadUser(context.Background(), 7); u.CodeSet {
		t.Error("the code reached the device")
	}
	r = s.ok("", "panel", "show", "1")
	if !strings.Contains(r.stdout, "misconfigured since") || strings.Contains(r.stdout, "online") {
		t.Errorf("panel show:\n%s", r.stdout)
	}
	// Set right, the panel takes the next change, and the command ends well.
	s.ok("", "panel", "device", "1", "--driver", "modbus", "--address", "tcp://"+addr.String())
	if r := s.ok("4713\n", "user", "set-code", "1", "8"); !strings.Contains(r.stdout, "sync: in sync") {
		t.Errorf("set-code after the fix: %s", r)
	}
}

func TestPanelSecretCommand(t *testing.T) {
	s := newSite(t).withPanel()
	s.fail(2, `"pin" is not a panel secret`, "", "panel", "secret", "1", "pin")
	s.fail(1, "factory password", "user\n", "panel", "secret", "1", "password")
	s.fail(1, "no password given", "", "panel", "secret", "1", "password")
	if r := s.ok("Tpi-9x4q\n", "panel", "secret", "1", "password"); !strings.Contains(r.stdout, "The password of") || !strings.Contains(r.stdout, "never shows it") {
		t.Errorf("password: %s", r)
	}
	s.ok("7351\n", "panel", "secret", "1", "master-code")
	r := s.ok("", "panel", "show", "1")
	if !strings.Contains(r.stdout, "password, master-code kept (never shown") {
		t.Errorf("panel show:\n%s", r.stdout)
	}
	var p panelJSON
	s.jsonOut(&p, "panel", "show", "1")
	if len(p.Secrets) != 2 || p.Secrets[0] != "password" || p.Secrets[1] != "master-code" {
		t.Errorf("panel show --json secrets: %v", p.Secrets)
	}
	for _, args := range [][]string{{"panel", "show", "1", "--json"}, {"log", "list"}, {"log", "list", "--json"}, {"panel", "list", "--json"}} {
		if r := s.ok("", args...); strings.Contains(r.stdout, "Tpi-9x4q") || strings.Contains(withoutTimes(r.stdout), "7351") {
			t.Errorf("%s shows a secret:\n%s", strings.Join(args, " "), r.stdout)
		}
	}
	s.ok("", "panel", "secret", "1", "master-code", "--clear")
	if r := s.ok("", "panel", "show", "1"); !strings.Contains(r.stdout, "password kept") {
		t.Errorf("after --clear:\n%s", r.stdout)
	}
}

func TestArmWithCodeCommand(t *testing.T) {
	s := newSite(t).withPanel()
	s.fail(1, "digits only", "25x0\n", "partition", "arm", "1", "2", "--code")
	s.fail(1, "no code given", "", "partition", "arm", "1", "2", "--code")
	if r := s.ok("2580\n", "partition", "arm", "1", "2", "--code"); !strings.Contains(r.stdout, "armed away; command done") {
		t.Errorf("arm --code: %s", r)
	}
	if r := s.ok("9137\n", "partition", "disarm", "1", "2", "--code", "--yes"); !strings.Contains(r.stdout, ": disarmed; command done") {
		t.Errorf("disarm --code: %s", r)
	}
	for _, args := range [][]string{{"log", "list", "--json"}, {"job", "list", "--json"}} {
		r := s.ok("", args...)
		if out := withoutTimes(r.stdout); strings.Contains(out, "2580") || strings.Contains(out, "9137") {
			t.Errorf("%s shows a typed code:\n%s", strings.Join(args, " "), r.stdout)
		}
		if args[0] == "log" && !strings.Contains(r.stdout, `"code": "typed"`) {
			t.Errorf("the log does not say a code was typed:\n%s", r.stdout)
		}
	}
}

// timestamps are the times a listing prints: a four-digit code can turn up
// in their digits by chance, so the checks for codes look past them.
var timestamps = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?`)

func withoutTimes(s string) string { return timestamps.ReplaceAllString(s, "<time>") }
