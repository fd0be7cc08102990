package sshconsole_test

// The SSH console under load: 20 operators at once, each browsing the
// Users grid of a 1,000-user site over a real SSH connection on loopback.
//
//	go test ./sshconsole -run '^$' -bench SSHUsersGrid -benchtime 10x -count 3
//
// The server runs in a child process (this test binary, started again with
// GUARDROOM_SSHBENCH_DIR set), so its CPU time and memory are the
// server's alone: the 20 clients, their SSH crypto and their terminal
// emulators stay in the benchmark's process. Reported per session:
//
//	cpu-ms/keypress    server CPU (user+system, getrusage) per key press, render included,
//	                   less what the 20 open consoles cost idle over the same time
//	                   (all-browsing only)
//	p50-ms/keypress    median time from a key press to the screen showing its effect, at the client
//	p95-ms/keypress    95th percentile of the same (a lone Esc waits for the input parser's
//	                   timeout, which tells it from the start of an escape sequence)
//	idle-cpu-%/session server CPU of an open console with nobody typing (its clock redraws
//	                   the header every second), in % of one CPU
//	heap-MiB/session   Go heap in use (after a GC) per open console
//	rss-MiB/session    the server's resident memory per open console
//	server-rss-MiB     the server's resident memory with the 20 consoles open
//	login-ms/session   dial, key authentication and the first screen, one client after the other
//
// all-browsing has the 20 operators browse at once, each pressing the next
// key as soon as the last one showed (the worst case); one-browsing has
// one operator browse while the 19 others have the console open.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/cmd/internal/benchkit"
	"github.com/guardroom/guardroom/cmd/internal/sshconsole"
	"github.com/guardroom/guardroom/store"
)

const (
	benchDirEnv    = "GUARDROOM_SSHBENCH_DIR"
	benchSessions  = 20
	benchPanels    = 4
	benchPanelSize = 250 // users with a code on each panel: 1,000 in all
	benchWidth     = 120
	benchHeight    = 40
	benchIdle      = 5 * time.Second
)

// browse is one round of browsing the Users grid: each key and what the
// screen shows once it has acted. It starts and ends sorted by №, on page
// 1 of 17, with no filter.
var browse = []benchkit.Step{
	{Key: keyPgDown, Shows: "page 2/17"},
	{Key: keyPgDown, Shows: "page 3/17"},
	{Key: "o", Shows: "sort label ↑"},
	{Key: "O", Shows: "sort label ↓"},
	{Key: "/", Shows: "/▌"},
	{Key: "2", Shows: "/2▌"},
	{Key: "5", Shows: "/25▌"},
	{Key: "\x1b", Shows: "of 250 "},
	{Key: "o", Shows: "sort code ↑"},
	{Key: "o", Shows: "sort partitions ↑"},
	{Key: "o", Shows: "sort account ↑"},
	{Key: "o", Shows: "sort created ↑"},
	{Key: "o", Shows: "sort status ↑"},
	{Key: "o", Shows: "sort sync ↑"},
	{Key: "o", Shows: "sort no ↑"},
	{Key: "g", Shows: "page 1/17"},
}

func BenchmarkSSHUsersGrid20(b *testing.B) {
	if testing.Short() {
		b.Skip("starts a server process with a 1,000-user site and 20 SSH sessions")
	}
	srv := startBenchServer(b)
	terms := make([]*terminal, benchSessions)
	var login time.Duration
	for i := range terms {
		t0 := time.Now()
		terms[i] = srv.connect(b, i)
		terms[i].waitScreen(panelMain)
		login += time.Since(t0)
		terms[i].press("2")
		terms[i].waitScreen("1-15 of 250")
		terms[i].press("o")
		terms[i].waitScreen("sort no ↑", "page 1/17")
	}
	up := srv.stats(b)
	if up.sessions != benchSessions {
		b.Fatalf("%d sessions on the server, want %d", up.sessions, benchSessions)
	}
	t0 := time.Now()
	time.Sleep(benchIdle)
	idle := srv.stats(b)
	// idleRate is the CPU an open console costs with nobody typing, per
	// second of wall time: its clock redraws the header every second.
	idleRate := float64(idle.cpu-up.cpu) / float64(time.Since(t0)) / benchSessions

	setup := func(b *testing.B) {
		mib := func(n int64) float64 { return float64(n) / (1 << 20) }
		b.ReportMetric(100*idleRate, "idle-cpu-%/session")
		b.ReportMetric(mib(up.heap-srv.base.heap)/benchSessions, "heap-MiB/session")
		b.ReportMetric(mib(up.rss-srv.base.rss)/benchSessions, "rss-MiB/session")
		b.ReportMetric(mib(up.rss), "server-rss-MiB")
		b.ReportMetric(float64(login)/float64(time.Millisecond)/benchSessions, "login-ms/session")
	}
	// Every operator browsing at once, a key as soon as the last one
	// showed: the worst case.
	b.Run("all-browsing", func(b *testing.B) {
		browseRounds(b, srv, terms, idleRate, true)
		setup(b)
	})
	// One operator browsing while the others have the console open: the
	// latency at a light load. Its CPU per key press is not reported: the
	// 19 idle consoles cost about as much as the key presses over the
	// same time, and what is left is within the noise.
	b.Run("one-browsing", func(b *testing.B) {
		browseRounds(b, srv, terms[:1], idleRate, false)
		setup(b)
	})
}

// browseRounds has every terminal of active do b.N rounds of browse at
// once (see benchkit.Rounds); with cpu, the server's CPU per key press
// too, less what the open consoles cost idle over the same time.
func browseRounds(b *testing.B, srv *benchServerProc, active []*terminal, idleRate float64, cpu bool) {
	terms := make([]benchkit.Terminal, len(active))
	for i, term := range active {
		terms[i] = benchkit.Terminal{Screen: term.screen, Press: term.press, WaitFor: func(shows string) error { return term.waitFor(shows) }}
	}
	var cpuNow func() time.Duration
	if cpu {
		cpuNow = func() time.Duration { return srv.stats(b).cpu }
	}
	benchkit.Rounds(b, terms, browse, cpuNow, idleRate*benchSessions)
}

// ---- the server process ----

// benchServer is the child process's side: it builds the site, serves it
// and answers "stats" lines on stdin until stdin closes.
func benchServer(dir string) error {
	key := bytes.Repeat([]byte{7}, store.KeySize)
	data := filepath.Join(dir, "data")
	if err := buildBenchSite(data, key); err != nil {
		return err
	}
	// Reopened as the console runs: every commit synced.
	s, err := store.Open(store.Config{Dir: data, Key: key})
	if err != nil {
		return err
	}
	defer s.Close()
	srv, err := sshconsole.New(s, sshconsole.Config{Listen: "127.0.0.1:0", HostKeyPath: filepath.Join(data, "ssh_host_ed25519_key"), Theme: "dark"})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	fmt.Printf("ready %s %s", srv.Addr(), gossh.MarshalAuthorizedKey(srv.HostKey()))

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() != "stats" {
			continue
		}
		// CPU first: the GC for the heap figure is the benchmark's work,
		// not the server's.
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return err
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("stats %d %d %d %d\n", cpu, ms.HeapInuse, rss(), srv.Sessions())
	}
	cancel()
	return <-served
}

// buildBenchSite writes the site: 4 generic panels of 250 users, every
// tenth with a label, and the operators of the sessions, each with its key.
func buildBenchSite(data string, key []byte) error {
	s, err := store.Open(store.Config{Dir: data, Key: key, NoSync: true})
	if err != nil {
		return err
	}
	defer s.Close()
	admin, err := s.Actor("admin", "bench")
	if err != nil {
		return err
	}
	imeis := []string{"49015420323751", "35693803564380", "35391805723612", "01234567891234"}
	for p := range benchPanels {
		name := fmt.Sprintf("Building %c", 'A'+p)
		if p == 0 {
			name = panelMain
		}
		panel, err := s.AddPanel(admin, store.NewPanel{Name: name, Unit: store.RootUnit, Family: "generic", IMEI: imei(imeis[p]), Slots: benchPanelSize, CodeLength: 8})
		if err != nil {
			return err
		}
		items := make([]store.BulkCode, benchPanelSize)
		for i := range items {
			slot := i + 1
			items[i] = store.BulkCode{Slot: slot, Code: code(p*benchPanelSize + slot)}
			if slot%10 == 0 {
				items[i].Label = fmt.Sprintf("Staff %d-%d", p+1, slot)
			}
		}
		if err := s.BulkSetCodes(admin, panel.ID, items, nil); err != nil {
			return err
		}
	}
	for i := range benchSessions {
		name := fmt.Sprintf("op%02d", i)
		role := store.RoleInstaller
		if i%2 == 1 {
			role = store.RoleSupervisor
		}
		if _, err := s.AddOperator(admin, store.NewOperator{Username: name, Name: name, Email: name + "@example.com",
			Grants: []store.Grant{{Role: role}}, Units: []uint64{store.RootUnit}}); err != nil {
			return err
		}
		k, err := seededKey(i)
		if err != nil {
			return err
		}
		if _, err := s.AddSSHKey(admin, name, string(gossh.MarshalAuthorizedKey(k.PublicKey()))); err != nil {
			return err
		}
		// The new key's security notice was read: the console opens at
		// the panels.
		if err := acknowledge(s, name); err != nil {
			return err
		}
	}
	return nil
}

// rss is the process's resident memory in bytes (0 if unknown).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// ---- the benchmark's side ----

type benchServerProc struct {
	addr    string
	hostKey gossh.PublicKey
	in      io.WriteCloser
	out     *bufio.Reader
	stderr  *lockedBuffer
	base    serverStats
}

type serverStats struct {
	cpu       time.Duration
	heap, rss int64
	sessions  int
}

// startBenchServer starts the server process and waits until it serves.
func startBenchServer(b *testing.B) *benchServerProc {
	b.Helper()
	dir := b.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchDirEnv+"="+dir)
	p := &benchServerProc{stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	var err error
	p.in, err = cmd.StdinPipe()
	check(b, err)
	stdout, err := cmd.StdoutPipe()
	check(b, err)
	check(b, cmd.Start())
	b.Cleanup(func() {
		p.in.Close()
		if err := cmd.Wait(); err != nil {
			b.Errorf("server process: %v\n%s", err, p.stderr.String())
		}
	})
	p.out = bufio.NewReader(stdout)
	line, err := p.out.ReadString('\n')
	if err != nil {
		b.Fatalf("server process did not start: %v\n%s", err, p.stderr.String())
	}
	f := strings.Fields(line)
	if len(f) < 4 || f[0] != "ready" {
		b.Fatalf("server process said %q\n%s", line, p.stderr.String())
	}
	p.addr = f[1]
	p.hostKey, _, _, _, err = gossh.ParseAuthorizedKey([]byte(strings.Join(f[2:], " ")))
	check(b, err)
	p.base = p.stats(b)
	return p
}

func (p *benchServerProc) stats(b *testing.B) serverStats {
	b.Helper()
	if _, err := io.WriteString(p.in, "stats\n"); err != nil {
		b.Fatalf("server process: %v\n%s", err, p.stderr.String())
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		b.Fatalf("server process: %v\n%s", err, p.stderr.String())
	}
	var s serverStats
	var cpu int64
	if _, err := fmt.Sscanf(line, "stats %d %d %d %d", &cpu, &s.heap, &s.rss, &s.sessions); err != nil {
		b.Fatalf("server process said %q: %v", line, err)
	}
	s.cpu = time.Duration(cpu)
	return s
}

// connect logs in as operator n.
func (p *benchServerProc) connect(b *testing.B, n int) *terminal {
	b.Helper()
	key, err := seededKey(n)
	check(b, err)
	c, err := gossh.Dial("tcp", p.addr, &gossh.ClientConfig{
		User:            fmt.Sprintf("op%02d", n),
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(p.hostKey),
		Timeout:         waitLimit,
	})
	if err != nil {
		b.Fatalf("dial as op%02d: %v\n%s", n, err, p.stderr.String())
	}
	return open(b, c, benchWidth, benchHeight)
}
