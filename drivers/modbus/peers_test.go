package modbus

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
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
	t.Skip(msg)
}

// recorder is a testing.TB whose Fatal and Skip end the goroutine and say
// which was called, with what.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Skip(args ...any) {
	r.skip = fmt.Sprint(args...)
	runtime.Goexit()
}

// TestNeedPeer: a missing peer skips with the package to install, fails
// under CI=true, and a present one is found.
func TestNeedPeer(t *testing.T) {
	for _, c := range []struct {
		name, program, ci string
		fatal, skip       bool
	}{
		{"missing", "guardroom-no-such-peer", "", false, true},
		{"missing under CI", "guardroom-no-such-peer", "true", true, false},
		{"present under CI", "sh", "true", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			r := &recorder{TB: t}
			var path string
			done := make(chan struct{})
			go func() { defer close(done); path = needPeer(r, c.program, "peer-pkg", "why") }()
			<-done
			if (r.fatal != "") != c.fatal || (r.skip != "") != c.skip {
				t.Fatalf("fatal %q, skip %q; want fatal %v, skip %v", r.fatal, r.skip, c.fatal, c.skip)
			}
			if msg := r.fatal + r.skip; msg != "" && !strings.Contains(msg, "apt-get install peer-pkg") {
				t.Errorf("%q does not name the package to install", msg)
			}
			if !c.fatal && !c.skip && path == "" {
				t.Error("present peer: no path")
			}
		})
	}
}
