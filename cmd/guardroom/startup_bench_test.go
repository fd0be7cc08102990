//go:build linux

package main

// The fixed cost of a command, its figures in docs/PERFORMANCE.md
// ("Start-up and login"):
//
//	go test ./cmd/guardroom -run '^$' -bench Startup -benchtime 30x -count 3

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
)

// BenchmarkStartup measures, in the same run: "version", a process that
// opens nothing; "login", one password login in this process (the
// argon2id check and its transaction); "login-new-process", the same login
// timed inside a process that has just started and opened the database
// (argon2id's 19 MiB are fresh memory there, as in every command); and
// "panel-list", a process that opens the database, logs in and lists the
// panels. panel-list reports x-version+login, its time over version and
// the warm login (the target: at most 1.2), and
// x-version+new-login, over version and the login in a new process, which
// is what every command pays.
func BenchmarkStartup(b *testing.B) {
	if testing.Short() {
		b.Skip("runs guardroom as processes")
	}
	s := newSite(b).withPanel()
	pw, err := os.ReadFile(s.pwFile)
	if err != nil {
		b.Fatal(err)
	}
	per := map[string]float64{}
	// process runs guardroom and adds the CPU time it used to cpu, for
	// the cpu-ms/op metric: on a shared disk the wall time is mostly
	// waiting for fsync.
	var cpu time.Duration
	process := func(args ...string) func(b *testing.B) {
		return func(b *testing.B) {
			cmd := s.command(args...)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				b.Fatalf("guardroom %s: %v\n%s", strings.Join(args, " "), err, out.String())
			}
			cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
	}
	measure := func(name string, one func(b *testing.B)) {
		b.Run(name, func(b *testing.B) {
			cpu = 0
			for b.Loop() {
				one(b)
			}
			if cpu > 0 {
				b.ReportMetric(float64(cpu)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
			}
			per[name] = float64(b.Elapsed()) / float64(b.N)
			if name == "login-new-process" {
				// The timer stood still while the child ran: its own
				// clock says how long the login took.
				per[name] = float64(loginNew) / float64(b.N)
				loginNew = 0
			}
			b.ReportMetric(per[name]/float64(time.Millisecond), "ms/op")
			if base := per["version"] + per["login"]; name == "panel-list" && per["version"] > 0 && per["login"] > 0 {
				b.ReportMetric(per[name]/base, "x-version+login")
			}
			if base := per["version"] + per["login-new-process"]; name == "panel-list" && per["version"] > 0 && per["login-new-process"] > 0 {
				b.ReportMetric(per[name]/base, "x-version+new-login")
			}
		})
	}
	measure("version", process("version"))
	measure("login", func(b *testing.B) {
		b.StopTimer()
		key, err := store.ReadKey(s.key)
		if err != nil {
			b.Fatal(err)
		}
		st, err := store.Open(store.Config{Dir: s.data, Key: key})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		_, err = st.Login(s.operator, strings.TrimSpace(string(pw)), "cli", "")
		b.StopTimer()
		st.Close()
		b.StartTimer()
		if err != nil {
			b.Fatal(err)
		}
	})
	measure("login-new-process", func(b *testing.B) {
		b.StopTimer()
		cmd := exec.Command(os.Args[0], "-test.run=^TestStartupLoginChild$", "-test.count=1", "-test.bench=^$")
		cmd.Env = append(os.Environ(), "GUARDROOM_STARTUP_CHILD="+strings.Join([]string{s.data, s.key, s.operator, strings.TrimSpace(string(pw))}, "\n"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("login child: %v\n%s", err, out)
		}
		var ns int64
		if _, err := fmt.Sscanf(string(out[bytes.Index(out, []byte("login-ns ")):]), "login-ns %d", &ns); err != nil {
			b.Fatalf("login child said:\n%s", out)
		}
		loginNew += time.Duration(ns)
		b.StartTimer()
	})
	measure("panel-list", process("panel", "list"))
}

// loginNew adds up the logins timed by TestStartupLoginChild processes.
var loginNew time.Duration

// TestStartupLoginChild is BenchmarkStartup's login in a new process: it
// opens the database, then times one login and prints it. It does nothing
// unless the benchmark started it.
func TestStartupLoginChild(t *testing.T) {
	env := os.Getenv("GUARDROOM_STARTUP_CHILD")
	if env == "" {
		t.Skip("run by BenchmarkStartup")
	}
	f := strings.Split(env, "\n")
	key, err := store.ReadKey(f[1])
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Config{Dir: f[0], Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Now()
	if _, err := st.Login(f[2], f[3], "cli", ""); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("login-ns %d\n", time.Since(t0).Nanoseconds())
}
