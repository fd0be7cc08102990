package modbus

import (
	"os"
	"os/exec"
	"testing"
)

// needPeer returns the path of a third-party program the test runs (a
// Modbus peer that someone else wrote). When it is missing, the test is
// skipped with a message naming the Debian package (`make peers` installs
// them all); under CI (CI=true) it fails instead, so that a broken
// install cannot hide behind a skip.
func needPeer(t testing.TB, program, pkg, why string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		missingPeer(t, program+" is not installed", pkg, why)
	}
	return path
}

// missingPeer skips, or under CI fails, the test for want of pkg.
func missingPeer(t testing.TB, what, pkg, why string) {
	t.Helper()
	msg := what + " (apt-get install " + pkg + ", or make peers): " + why
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true and " + msg + "; .ci/run installs it when it runs as root")
	}
	t.Skip("SKIP: " + msg)
}
