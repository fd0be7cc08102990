package vista

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// TestPeerPyenvisalink runs the driver against a mock Envisalink that is
// not ours: pyenvisalink's Honeywell mock server (ufodone/pyenvisalink,
// the client Home Assistant uses), served by testdata/pyenvisalink_mock.py.
// pyenvisalink is not packaged for Debian and its mock is not in its
// PyPI release, so the test needs a clone of the repository, named by
// GUARDROOM_PYENVISALINK, and python3-aiohttp; without them it is skipped.
//
// The mock logs in by the line, arms and disarms on code+2 and code+1
// typed with ^03, and reports them by its keypad's LEDs and %02; it does
// not program user codes, so a code typed at it is never confirmed, and
// the driver must say so rather than report it done.
func TestPeerPyenvisalink(t *testing.T) {
	checkout := os.Getenv("GUARDROOM_PYENVISALINK")
	if checkout == "" {
		t.Skip("set GUARDROOM_PYENVISALINK to a clone of github.com/ufodone/pyenvisalink (and apt-get install python3-aiohttp) to run the driver against its mock Envisalink")
	}
	// The first python3 with aiohttp: Debian's python3-aiohttp is for
	// /usr/bin/python3, which another python3 on PATH may hide.
	python := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import aiohttp").Run() == nil {
			python = path
			break
		}
	}
	if python == "" {
		t.Skip("no python3 with aiohttp (apt-get install python3-aiohttp)")
	}
	script, _ := filepath.Abs("testdata/pyenvisalink_mock.py")
	cmd := exec.Command(python, script, checkout, testPassword, testMaster)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("mock's log:\n%s", stderr.String())
		}
	})
	var port int
	if _, err := fmt.Fscanf(bufio.NewReader(out), "ready %d\n", &port); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the mock did not start: %v\n%s", err, stderr.String())
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	d := openDriver(t, addr, func(c *drivers.Config) { c.Options["confirm"] = "8s" })
	parts, err := d.ReadPartitions(bg)
	if err != nil || len(parts) != 1 || parts[0].State != family.Disarmed {
		t.Fatalf("partitions %v, %v", parts, err)
	}
	if err := d.Arm(bg, 1, drivers.Away); err != nil {
		t.Fatal(err)
	}
	if parts, _ := d.ReadPartitions(bg); parts[0].State != family.ArmedAway {
		t.Fatalf("after arming: %v", parts)
	}
	if err := d.Disarm(bg, 1); err != nil {
		t.Fatal(err)
	}
	if parts, _ := d.ReadPartitions(bg); parts[0].State != family.Disarmed {
		t.Fatalf("after disarming: %v", parts)
	}
	err = d.SetCode(bg, drivers.User{Slot: 5}, "2468")
	r := refusal(t, err, drivers.RefusedOther)
	if !strings.Contains(r.Reason, "did not show it") || !strings.Contains(r.Reason, "Ready to Arm") {
		t.Errorf("an unconfirmed code: %q", r.Reason)
	}
	noSecret(t, addr, err.Error(), "2468")
	if g := d.Status().Garbled; g != 0 {
		t.Errorf("%d of the mock's frames were garbled to us", g)
	}
	other := openDriver(t, addr, nil)
	if _, err := other.ReadPartitions(bg); err == nil || !strings.Contains(err.Error(), "one TPI client") {
		t.Errorf("second client: %v", err)
	}
}
