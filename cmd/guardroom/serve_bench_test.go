//go:build linux

package main

// The service under load, its figures in docs/PERFORMANCE.md ("The
// service"):
//
//	go test ./cmd/guardroom -run '^$' -bench 'Service|Consoles' -benchtime 20x -count 3
//
// Every guardroom here is a process of its own (this test binary, as in
// serve_test.go): the service, each CLI command, each console's client.
// The service's CPU time and memory are read from /proc/PID/stat and
// /proc/PID/status, so they are the service's alone.

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guardroom/guardroom/cmd/internal/benchkit"
)

// directNsPerOp is the last direct run's time per command, by command:
// the service sub-benchmark that follows reports its ratio to it.
var directNsPerOp sync.Map

// BenchmarkCLIDirectVsService runs the same CLI command, login included
// (--operator and --password-file, argon2id checked each time), as a
// process that opens the database itself (direct) and as one attached to
// a running guardroom serve (service), on two copies of the same site.
// service reports x-direct: its time per command over direct's, measured
// just before in the same run (the target: at most 1.2).
func BenchmarkCLIDirectVsService(b *testing.B) {
	if testing.Short() {
		b.Skip("runs guardroom as processes")
	}
	direct, served := newSite(b).withPanel(), newSite(b).withPanel()
	for _, s := range []*site{direct, served} {
		s.ok("2580\n", "user", "set-code", "1", "7", "--label", "Front desk")
	}
	served.serve()
	commands := []struct {
		name string
		args func(i int) []string
	}{
		{"user-list", func(int) []string { return []string{"user", "list", "1"} }},
		// A change: the store commits it, logs it and queues its job.
		{"user-label", func(i int) []string { return []string{"user", "label", "1", "7", "Desk " + strconv.Itoa(i)} }},
	}
	for _, c := range commands {
		b.Run(c.name, func(b *testing.B) {
			for _, mode := range []struct {
				name string
				s    *site
			}{{"direct", direct}, {"service", served}} {
				b.Run(mode.name, func(b *testing.B) {
					t0 := time.Now()
					for i := range b.N {
						if r := mode.s.exec("", c.args(i)...); r.code != 0 {
							b.Fatalf("guardroom %s: %s", strings.Join(c.args(i), " "), r)
						}
					}
					per := float64(time.Since(t0)) / float64(b.N)
					b.ReportMetric(per/float64(time.Millisecond), "ms/command")
					if mode.name == "direct" {
						directNsPerOp.Store(c.name, per)
					} else if d, ok := directNsPerOp.Load(c.name); ok {
						b.ReportMetric(per/d.(float64), "x-direct")
					}
				})
			}
		})
	}
}

const benchConsoles = 20

// consoleRound is one round of key presses in the Users grid of panel 1,
// each with what the screen shows once it has acted: the sort through
// every column. It starts and ends sorted by №.
var consoleRound = []benchkit.Step{
	{Key: "o", Shows: "sort label ↑"},
	{Key: "O", Shows: "sort label ↓"},
	{Key: "o", Shows: "sort code ↑"},
	{Key: "o", Shows: "sort partitions ↑"},
	{Key: "o", Shows: "sort account ↑"},
	{Key: "o", Shows: "sort created ↑"},
	{Key: "o", Shows: "sort status ↑"},
	{Key: "o", Shows: "sort sync ↑"},
	{Key: "o", Shows: "sort no ↑"},
}

// BenchmarkServiceConsoles20: 20 consoles attached to one guardroom serve,
// each a client process on a pseudo-terminal of its own (120x40), logged
// in with a password and showing the Users grid of panel 1. Reported, as
// BenchmarkSSHUsersGrid20 does for the SSH console:
//
//	cpu-ms/keypress     service CPU per key press, render included, less what
//	                    the 20 open consoles cost idle over the same time
//	p50-ms/keypress     median time from a key press to the screen showing it
//	p95-ms/keypress     95th percentile of the same
//	idle-cpu-%/session  service CPU of an open console nobody types in
//	rss-MiB/session     the service's resident memory per open console, from
//	                    the service after one login (no Go heap figure: that
//	                    is the service's to tell, and it has no pprof)
//	service-rss-MiB     the service's resident memory with the 20 open
//	login-ms/session    start, password login, first screen, one after the other
func BenchmarkServiceConsoles20(b *testing.B) {
	if testing.Short() {
		b.Skip("starts a service and 20 console processes")
	}
	s := newSite(b).withPanel()
	for slot, code := range []string{"2580", "3691", "4702", "5813", "6924"} {
		s.ok(code+"\n", "user", "set-code", "1", strconv.Itoa(slot+1), "--label", "Guard "+strconv.Itoa(slot+1))
	}
	sv := s.serve()
	pid := sv.cmd.Process.Pid
	// The base is the service after one login through it: a password
	// check (argon2id) grows the heap by its 19 MiB once, whatever the
	// number of sessions.
	if r := s.exec("", "user", "list", "1"); r.code != 0 {
		b.Fatalf("user list through the service: %s", r)
	}
	base := procStats(b, pid)
	terms := make([]*ptyClient, benchConsoles)
	var login time.Duration
	for i := range terms {
		t0 := time.Now()
		c := s.onTerminal(120, 40, "console")
		c.waitScreen("Operator")
		c.press(s.operator + "\t" + testPassword + "\r")
		c.waitScreen("Main office")
		login += time.Since(t0)
		c.press("2")
		c.waitScreen("1-15 of 95")
		c.press("o")
		c.waitScreen("sort no ↑")
		terms[i] = c
	}
	up := procStats(b, pid)
	const idleFor = 5 * time.Second
	t0 := time.Now()
	time.Sleep(idleFor) // what idle costs is measured over a time: nothing to wait for
	idle := procStats(b, pid)
	idleRate := float64(idle.cpu-up.cpu) / float64(time.Since(t0)) / benchConsoles

	setup := func(b *testing.B) {
		mib := func(n int64) float64 { return float64(n) / (1 << 20) }
		b.ReportMetric(100*idleRate, "idle-cpu-%/session")
		b.ReportMetric(mib(up.rss-base.rss)/benchConsoles, "rss-MiB/session")
		b.ReportMetric(mib(up.rss), "service-rss-MiB")
		b.ReportMetric(float64(login)/float64(time.Millisecond)/benchConsoles, "login-ms/session")
	}
	b.Run("all-typing", func(b *testing.B) {
		consoleRounds(b, pid, terms, idleRate, true)
		setup(b)
	})
	b.Run("one-typing", func(b *testing.B) {
		consoleRounds(b, pid, terms[:1], idleRate, false)
		setup(b)
	})
}

// consoleRounds has every console of active do b.N rounds at once (see
// benchkit.Rounds); with cpu, the service's CPU per key press too.
func consoleRounds(b *testing.B, pid int, active []*ptyClient, idleRate float64, cpu bool) {
	terms := make([]benchkit.Terminal, len(active))
	for i, c := range active {
		terms[i] = benchkit.Terminal{Screen: c.screen, Press: c.press, WaitFor: c.waitFor}
	}
	var cpuNow func() time.Duration
	if cpu {
		cpuNow = func() time.Duration { return procStats(b, pid).cpu }
	}
	benchkit.Rounds(b, terms, consoleRound, cpuNow, idleRate*benchConsoles)
}

// waitFor waits until the screen shows want, as waitScreen does, but
// returns an error instead of failing: it runs off the benchmark's
// goroutine.
func (term *ptyClient) waitFor(want string) error {
	deadline := time.After(time.Minute)
	for !strings.Contains(term.screen(), want) {
		select {
		case <-term.changed:
		case <-term.done:
			if !strings.Contains(term.screen(), want) {
				return fmt.Errorf("the console ended without showing %q; screen:\n%s", want, term.screen())
			}
		case <-deadline:
			return fmt.Errorf("no %q on the screen:\n%s", want, term.screen())
		}
	}
	return nil
}

// processStats are a process's CPU time and resident memory.
type processStats struct {
	cpu time.Duration // user + system
	rss int64         // bytes
}

// procStats reads them from /proc: utime and stime of /proc/PID/stat, in
// clock ticks (100 a second on Linux), and VmRSS of /proc/PID/status.
func procStats(b *testing.B, pid int) processStats {
	b.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's name, which ends with the last ')':
	// state is field 3, utime 14 and stime 15.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		b.Fatal(err)
	}
	const tick = 10 * time.Millisecond // sysconf(_SC_CLK_TCK) is 100 on Linux
	st := processStats{cpu: time.Duration(utime+stime) * tick}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			st.rss = kb << 10
		}
	}
	return st
}
