package main

// The console under a burst of job completions, its figures in
// docs/PERFORMANCE.md ("The console"):
//
//	go test ./cmd/guardroom -run '^$' -bench ConsoleJobBurst -benchtime 1x -count 3
//
// A panel with 100,000 users (a generic controller on the sim driver, all
// of its codes queued by one bulk load, as after an import) and the real
// dispatcher the console runs (drivers/dispatch, as runConsole starts it)
// finishing the first 10,000 jobs of its outbox: once with no console
// (the baseline), once with a console (the tui App in a Bubble Tea program
// writing its frames to a discarding terminal) showing the Users grid
// while a key is pressed every 20 ms. Each run takes the next 10,000 jobs
// of the same outbox, the baseline and the console in turn (a new site is
// built when fewer are left). A key's p99 needs a few hundred keys: run
// several bursts (-benchtime 5x), whose keys are pooled.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/drivers/dispatch"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
	"github.com/guardroom/guardroom/tui"
)

// burstJobs is how many job completions one run waits for.
const burstJobs = 10_000

var burstSite struct {
	once   sync.Once
	dir    string
	s      *store.Store
	admin  store.Actor
	builds int // sites built: each has its own simulated panel
	err    error
}

// closeBurstSite runs after the tests and benchmarks (TestMain).
func closeBurstSite() {
	if burstSite.s != nil {
		burstSite.s.Close()
	}
	if burstSite.dir != "" {
		os.RemoveAll(burstSite.dir)
	}
}

// openBurstSite opens (once per process) a store on disk as the console
// opens it (every commit synced) with 100,000 users and their set-code
// jobs pending on a sim panel.
func openBurstSite(b *testing.B) (*store.Store, store.Actor) {
	b.Helper()
	if testing.Short() {
		b.Skip("builds a site of 100,000 users and runs for minutes")
	}
	burstSite.once.Do(buildBurstSite)
	if burstSite.err != nil {
		b.Fatal(burstSite.err)
	}
	return burstSite.s, burstSite.admin
}

// burstReady returns the burst site with a burst's worth of jobs pending:
// when fewer are left, it builds the site anew, so that any number of
// bursts runs (a key's p99 needs a few hundred keys: -benchtime 5x).
func burstReady(b *testing.B) (*store.Store, store.Actor) {
	b.Helper()
	s, admin := openBurstSite(b)
	c, err := s.SyncCounts(admin, 0)
	if err != nil {
		b.Fatal(err)
	}
	if c.Pending >= burstJobs {
		return s, admin
	}
	closeBurstSite()
	burstSite.s, burstSite.dir = nil, ""
	buildBurstSite()
	if burstSite.err != nil {
		b.Fatal(burstSite.err)
	}
	return burstSite.s, burstSite.admin
}

func buildBurstSite() {
	burstSite.builds++
	dir, err := os.MkdirTemp("", "guardroom-burst-")
	if err != nil {
		burstSite.err = err
		return
	}
	burstSite.dir = dir
	s, err := store.Open(store.Config{Dir: dir, Key: bytes.Repeat([]byte{7}, store.KeySize)})
	if err != nil {
		burstSite.err = err
		return
	}
	admin, err := s.Actor("admin", "bench")
	if err != nil {
		burstSite.err = err
		return
	}
	const n = 100_000
	p, err := s.AddPanel(admin, store.NewPanel{Name: "Big site", Unit: store.RootUnit, Family: "generic", IMEI: imeiMain,
		Slots: n, CodeLength: 8, Driver: "sim", Address: fmt.Sprintf("burst-100k-%d", burstSite.builds)})
	if err != nil {
		burstSite.err = err
		return
	}
	items := make([]store.BulkCode, n)
	for i := range items {
		items[i] = store.BulkCode{Slot: i + 1, Code: burstCode(i + 1)}
	}
	burstSite.s, burstSite.admin, burstSite.err = s, admin, s.BulkSetCodes(admin, p.ID, items, nil)
}

// burstCode is a valid, unique 8-digit code for a slot.
func burstCode(slot int) string {
	for k := 0; ; k += 200_000 {
		if c := fmt.Sprintf("%08d", (20_000_000+(slot+k)*7_919_371)%100_000_000); !family.Trivial(c) {
			return c
		}
	}
}

// runBurst runs the console's dispatcher until burstJobs more jobs left
// the pending state, and returns how long that took.
func runBurst(b *testing.B, s *store.Store, admin store.Actor) time.Duration {
	b.Helper()
	before, err := s.SyncCounts(admin, 0)
	if err != nil {
		b.Fatal(err)
	}
	if before.Pending < burstJobs {
		b.Fatalf("the outbox has %d jobs left, fewer than a burst: take the site from burstReady", before.Pending)
	}
	sub := s.Subscribe()
	defer sub.Close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t0 := time.Now()
	go func() { done <- dispatch.New(s, dispatch.Options{PollEvery: time.Hour}).Run(ctx) }()
	for range sub.C {
		sub.Changes()
		c, err := s.SyncCounts(admin, 0)
		if err != nil {
			b.Fatal(err)
		}
		if c.Failed > before.Failed {
			b.Fatalf("jobs failed: %+v", c)
		}
		if before.Pending-c.Pending >= burstJobs {
			break
		}
	}
	elapsed := time.Since(t0)
	stop()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return elapsed
}

// probe wraps the console's App to time key presses: from the Send of a
// key to the first write of a frame rendered after the key was handled.
type probe struct {
	tea.Model
	mu      sync.Mutex
	sent    time.Time
	handled bool // the key was handled; its frame is the next View
	viewed  bool // its frame was rendered; the next write draws it
	shown   chan time.Duration
	ready   chan struct{} // closed once the Users grid shows the users
	isReady bool
}

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := p.Model.Update(msg)
	if _, ok := msg.(tea.KeyPressMsg); ok {
		p.mu.Lock()
		p.handled = !p.sent.IsZero()
		p.mu.Unlock()
	}
	return p, cmd
}

func (p *probe) View() tea.View {
	v := p.Model.View()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.handled {
		p.handled, p.viewed = false, true
	}
	if !p.isReady && strings.Contains(v.Content, fmt.Sprintf("of %d", 100_000)) {
		p.isReady = true
		close(p.ready)
	}
	return v
}

// Write is the terminal: frames are dropped, the first after a key's is
// timed.
func (p *probe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.viewed {
		p.viewed = false
		p.shown <- time.Since(p.sent)
		p.sent = time.Time{}
	}
	return len(b), nil
}

// press sends a key and waits for its frame.
func (p *probe) press(prog *tea.Program, key tea.KeyPressMsg) (time.Duration, bool) {
	p.mu.Lock()
	p.sent = time.Now()
	p.mu.Unlock()
	prog.Send(key)
	select {
	case d := <-p.shown:
		return d, true
	case <-time.After(10 * time.Second):
		return 0, false
	}
}

// console is a console program over s showing the Users grid, its frames
// timed by its probe.
type console struct {
	p    *probe
	prog *tea.Program
	app  *tui.App
	ran  chan error
}

func startConsole(b *testing.B, s *store.Store, admin store.Actor) *console {
	b.Helper()
	app, err := tui.New(tui.Options{Store: s, Actor: admin, Via: "tui", Theme: "dark"})
	if err != nil {
		b.Fatal(err)
	}
	c := &console{p: &probe{Model: app, shown: make(chan time.Duration, 1), ready: make(chan struct{})}, app: app, ran: make(chan error, 1)}
	c.prog = tea.NewProgram(c.p, tea.WithInput(nil), tea.WithOutput(io.Writer(c.p)), tea.WithWindowSize(120, 40),
		tea.WithoutSignalHandler(), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	go func() { _, err := c.prog.Run(); c.ran <- err }()
	c.prog.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	c.prog.Send(tea.KeyPressMsg{Code: '2', Text: "2"})
	select {
	case <-c.p.ready:
	case <-time.After(time.Minute):
		b.Fatal("the Users grid did not show the users")
	}
	return c
}

func (c *console) stop(b *testing.B) {
	c.prog.Quit()
	if err := <-c.ran; err != nil {
		b.Fatal(err)
	}
	c.app.Close()
}

// keys presses down and up, one key 20 ms after the last one's frame,
// until stop is closed, and returns each key's latency (nil: a key drew
// no frame).
func (c *console) keys(stop <-chan struct{}) <-chan []time.Duration {
	out := make(chan []time.Duration, 1)
	go func() {
		var mine []time.Duration
		keys := []tea.KeyPressMsg{{Code: tea.KeyDown}, {Code: tea.KeyUp}}
		for i := 0; ; i++ {
			select {
			case <-stop:
				out <- mine
				return
			case <-time.After(20 * time.Millisecond):
			}
			d, ok := c.p.press(c.prog, keys[i%2])
			if !ok {
				out <- nil
				return
			}
			mine = append(mine, d)
		}
	}()
	return out
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportKeys reports the key latencies' median and 99th percentile.
func reportKeys(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/float64(time.Millisecond), "key-p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100])/float64(time.Millisecond), "key-p99-ms")
	b.ReportMetric(float64(len(lat))/float64(b.N), "keys/run")
}

// BenchmarkConsoleJobBurst: no-console is the dispatcher alone (the
// baseline), console-users-grid the same with the console open and keys
// pressed, console-keys-only the console's keys with no burst (the
// latency's baseline on this machine). cpu-ms/kjob is the process's CPU
// time per 1,000 jobs finished: the console's share is the difference.
func BenchmarkConsoleJobBurst(b *testing.B) {
	openBurstSite(b)
	b.Run("no-console", func(b *testing.B) {
		var total, cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			s, admin := burstReady(b)
			b.StartTimer()
			c0 := cpuTime(b)
			total += runBurst(b, s, admin)
			cpu += cpuTime(b) - c0
		}
		b.ReportMetric(float64(burstJobs*b.N)/total.Seconds(), "jobs/s")
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(burstJobs*b.N/1000), "cpu-ms/kjob")
	})
	b.Run("console-users-grid", func(b *testing.B) {
		var total, cpu, quit time.Duration
		var lat []time.Duration
		for b.Loop() {
			b.StopTimer()
			s, admin := burstReady(b)
			b.StartTimer()
			c := startConsole(b, s, admin)
			stop := make(chan struct{})
			keys := c.keys(stop)
			c0 := cpuTime(b)
			total += runBurst(b, s, admin)
			cpu += cpuTime(b) - c0
			close(stop)
			got := <-keys
			if got == nil {
				b.Fatal("a key press drew no frame within 10 s")
			}
			lat = append(lat, got...)
			t0 := time.Now()
			c.stop(b)
			quit += time.Since(t0)
		}
		b.ReportMetric(float64(burstJobs*b.N)/total.Seconds(), "jobs/s")
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(burstJobs*b.N/1000), "cpu-ms/kjob")
		b.ReportMetric(float64(quit)/float64(time.Millisecond)/float64(b.N), "quit-ms")
		reportKeys(b, lat)
	})
	b.Run("console-keys-only", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			s, admin := openBurstSite(b)
			c := startConsole(b, s, admin)
			stop := make(chan struct{})
			keys := c.keys(stop)
			time.Sleep(10 * time.Second) // what is measured: keys pressed for 10 s
			close(stop)
			got := <-keys
			if got == nil {
				b.Fatal("a key press drew no frame within 10 s")
			}
			lat = append(lat, got...)
			c.stop(b)
		}
		reportKeys(b, lat)
	})
}

// BenchmarkConsoleIdle100k is the CPU a console showing 100,000 users
// costs while nothing changes (its clock ticks each second): the process's
// CPU time over 10 s with the console open, and over 10 s without it (the
// baseline: the same store open, its background work alone).
func BenchmarkConsoleIdle100k(b *testing.B) {
	s, admin := openBurstSite(b)
	const span = 10 * time.Second
	for _, mode := range []string{"no-console", "console-users-grid"} {
		b.Run(mode, func(b *testing.B) {
			var cpu, wall time.Duration
			for b.Loop() {
				var c *console
				if mode != "no-console" {
					c = startConsole(b, s, admin)
				}
				c0, t0 := cpuTime(b), time.Now()
				time.Sleep(span) // what is measured: 10 s of idling
				cpu, wall = cpu+cpuTime(b)-c0, wall+time.Since(t0)
				if c != nil {
					c.stop(b)
				}
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/wall.Seconds(), "cpu-ms/s")
		})
	}
}

// BenchmarkConsoleQuit100k times the console's quit as runConsole does it,
// in the middle of a burst (the dispatcher busy, the Users grid of 100,000
// open): the program ends and the App closes (its session logged), the
// dispatcher stops (the job in hand finished), the store closes. The store
// is opened again after each run; each run takes 2,000 more jobs.
func BenchmarkConsoleQuit100k(b *testing.B) {
	const quitAfter = 2_000 // jobs finished before the quit
	s, admin := openBurstSite(b)
	var ui, disp, closing time.Duration
	for b.Loop() {
		before, err := s.SyncCounts(admin, 0)
		if err != nil {
			b.Fatal(err)
		}
		if before.Pending < 2*quitAfter {
			b.Skipf("the outbox has %d jobs left: run fewer rounds", before.Pending)
		}
		c := startConsole(b, s, admin)
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		sub := s.Subscribe()
		go func() { done <- dispatch.New(s, dispatch.Options{PollEvery: time.Hour}).Run(ctx) }()
		// Some jobs finish before the quit (counted in jobs: with group
		// commit one notice may carry hundreds).
		for range sub.C {
			sub.Changes()
			if c, err := s.SyncCounts(admin, 0); err != nil || before.Pending-c.Pending >= quitAfter {
				break
			}
		}
		sub.Close()
		t0 := time.Now()
		c.stop(b)
		t1 := time.Now()
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		ui, disp, closing = ui+t1.Sub(t0), disp+t2.Sub(t1), closing+t3.Sub(t2)
		b.StopTimer()
		s, err = store.Open(store.Config{Dir: burstSite.dir, Key: bytes.Repeat([]byte{7}, store.KeySize)})
		if err != nil {
			b.Fatal(err)
		}
		burstSite.s = s
		b.StartTimer()
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(ms(ui), "console-ms")
	b.ReportMetric(ms(disp), "dispatcher-ms")
	b.ReportMetric(ms(closing), "store-close-ms")
}
