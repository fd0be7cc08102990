package sshconsole_test

// The test harness: a site in an in-memory store, the SSH console served
// on loopback, and clients made of x/crypto/ssh and an x/vt virtual
// terminal, so tests read the screen an operator would see. Every wait is
// for a condition, with a generous limit; nothing asserts how long
// anything takes.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	charmlog "charm.land/log/v2"
	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/cmd/internal/sshconsole"
	"github.com/guardroom/guardroom/cmd/internal/sshserve"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// waitLimit bounds every wait for a condition. A busy two-CPU machine
// running the race detector is slow, so it is generous.
const waitLimit = 30 * time.Second

// TestMain fails the run if anything reached the process's stderr or charm
// log's default logger (which writes to stderr): refused keys and session
// errors go to the server's logger, never to the terminal guardroom runs in.
func TestMain(m *testing.M) {
	if dir := os.Getenv(benchDirEnv); dir != "" {
		// The benchmark's server process (bench_test.go).
		if err := benchServer(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	realStderr := os.Stderr
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(realStderr, err)
		os.Exit(2)
	}
	os.Stderr = w
	var captured bytes.Buffer
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.MultiWriter(&captured, realStderr), r)
		close(copied)
	}()
	var charm lockedBuffer
	charmlog.SetOutput(&charm)

	code := m.Run()

	os.Stderr = realStderr
	_ = w.Close()
	<-copied
	if captured.Len() > 0 || charm.Len() > 0 {
		fmt.Fprintf(realStderr, "FAIL: output reached stderr or charm log:\n%s%s\n", captured.String(), charm.String())
		code = 1
	}
	os.Exit(code)
}

// ---- the site ----

// Fixture labels, shown in the Users grid of the first panel.
const (
	panelMain = "Harbour"
	panelGate = "Gatehouse"
	label1    = "Manager" // short enough for the grid's Label column at 100 columns
	label2    = "Reception"
)

type site struct {
	s     *store.Store
	admin store.Actor
	main  store.Panel
}

// newSite is an in-memory store with two generic panels: "Harbour"
// with users slots 1..users, the first two labelled, and an empty
// "Gatehouse".
func newSite(tb testing.TB, users int) *site {
	tb.Helper()
	return newSiteAt(tb, users, nil)
}

// newSiteAt is newSite with the store on the clock now (nil: time.Now).
func newSiteAt(tb testing.TB, users int, now func() time.Time) *site {
	tb.Helper()
	s, err := store.Open(store.Config{InMemory: true, Now: now})
	check(tb, err)
	tb.Cleanup(func() { s.Close() })
	admin, err := s.Actor("admin", "test")
	check(tb, err)
	st := &site{s: s, admin: admin}
	st.main, err = s.AddPanel(admin, store.NewPanel{Name: panelMain, Unit: store.RootUnit, Family: "generic", IMEI: imei("49015420323751"), Slots: max(users, 100), CodeLength: 8})
	check(tb, err)
	_, err = s.AddPanel(admin, store.NewPanel{Name: panelGate, Unit: store.RootUnit, Family: "generic", IMEI: imei("35693803564380"), Slots: 100, CodeLength: 8})
	check(tb, err)
	items := make([]store.BulkCode, users)
	for i := range items {
		items[i] = store.BulkCode{Slot: i + 1, Code: code(i + 1)}
	}
	items[0].Label, items[1].Label = label1, label2
	check(tb, s.BulkSetCodes(admin, st.main.ID, items, nil))
	return st
}

// clock is a store clock that tests move on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// code is a valid, unique 8-digit code for a slot.
func code(slot int) string {
	c := fmt.Sprintf("%08d", (20_000_000+slot*7_919_371)%100_000_000)
	if family.Trivial(c) {
		c = fmt.Sprintf("%08d", (20_000_000+(slot+500_000)*7_919_371)%100_000_000)
	}
	return c
}

// imei completes 14 digits with their Luhn check digit.
func imei(first14 string) string {
	sum := 0
	for i := 0; i < 14; i++ {
		d := int(first14[13-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return first14 + strconv.Itoa((10-sum%10)%10)
}

// operator adds an operator with role and one new ed25519 key, and returns
// the key's signer. The operator never sets a password: a key login needs
// none. The security notice of the new key is acknowledged, so the
// console opens at the panels.
func (st *site) operator(tb testing.TB, name, role string) gossh.Signer {
	tb.Helper()
	key := st.operatorWithNotice(tb, name, role)
	st.acknowledge(tb, name)
	return key
}

// operatorWithNotice is operator, with the new key's security notice left
// for the operator's next login.
func (st *site) operatorWithNotice(tb testing.TB, name, role string) gossh.Signer {
	tb.Helper()
	_, err := st.s.AddOperator(st.admin, store.NewOperator{Username: name, Name: name, Email: name + "@example.com",
		Grants: []store.Grant{{Role: role}}, Units: []uint64{store.RootUnit}})
	check(tb, err)
	key := newKey(tb)
	_, err = st.s.AddSSHKey(st.admin, name, string(gossh.MarshalAuthorizedKey(key.PublicKey())))
	check(tb, err)
	return key
}

// acknowledge dismisses the operator's security notices.
func (st *site) acknowledge(tb testing.TB, name string) {
	tb.Helper()
	check(tb, acknowledge(st.s, name))
}

func acknowledge(s *store.Store, name string) error {
	a, err := s.Actor(name, "test")
	if err != nil {
		return err
	}
	ns, err := s.Notices(a)
	if err != nil || len(ns) == 0 {
		return err
	}
	return s.DismissNotices(a, ns[len(ns)-1].Seq)
}

// seededKey is operator n's key in the benchmark: the same in the server
// process that maps it and in the benchmark that logs in with it.
func seededKey(n int) (gossh.Signer, error) {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, fmt.Sprintf("guardroom-bench-%d", n))
	return gossh.NewSignerFromKey(ed25519.NewKeyFromSeed(seed))
}

func newKey(tb testing.TB) gossh.Signer {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	check(tb, err)
	s, err := gossh.NewSignerFromKey(priv)
	check(tb, err)
	return s
}

// ---- the server ----

type server struct {
	srv  *sshserve.Server
	addr string
	logs *lockedBuffer

	cancel context.CancelFunc
	served chan error
	once   sync.Once
}

// serve runs the SSH console over st on a loopback port until the test
// ends.
func serve(tb testing.TB, st *site, edit func(*sshconsole.Config)) *server {
	tb.Helper()
	return serveHooked(tb, st, edit, nil)
}

// serveHooked is serve with a hook run in each session's end, once its
// console is closed and before its end is logged.
func serveHooked(tb testing.TB, st *site, edit func(*sshconsole.Config), closed func(*sshserve.Session)) *server {
	tb.Helper()
	sv := &server{logs: &lockedBuffer{}, served: make(chan error, 1)}
	cfg := sshconsole.Config{
		Listen:      "127.0.0.1:0",
		HostKeyPath: filepath.Join(tb.TempDir(), "ssh_host_ed25519_key"),
		Theme:       "dark",
		Logger:      slog.New(slog.NewTextHandler(sv.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := sshconsole.NewWithHook(st.s, cfg, closed)
	check(tb, err)
	sv.srv, sv.addr = srv, srv.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	sv.cancel = cancel
	go func() { sv.served <- srv.Serve(ctx) }()
	tb.Cleanup(func() {
		if err := sv.stop(); err != nil {
			tb.Errorf("Serve: %v", err)
		}
		if tb.Failed() {
			tb.Logf("server log:\n%s", sv.logs.String())
		}
	})
	return sv
}

// stop ends Serve and waits for it (every OnEnd has returned by then).
func (sv *server) stop() (err error) {
	sv.once.Do(func() {
		sv.cancel()
		select {
		case err = <-sv.served:
		case <-time.After(2 * waitLimit):
			err = errors.New("Serve did not return after its context ended")
		}
	})
	return err
}

func (sv *server) dial(tb testing.TB, key gossh.Signer) (*gossh.Client, error) {
	tb.Helper()
	c, err := gossh.Dial("tcp", sv.addr, &gossh.ClientConfig{
		User:            "installer",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(sv.srv.HostKey()),
		Timeout:         waitLimit,
	})
	if err == nil {
		tb.Cleanup(func() { c.Close() })
	}
	return c, err
}

// ---- a client terminal: an x/crypto/ssh session and an x/vt screen ----

type terminal struct {
	t       testing.TB
	client  *gossh.Client
	sess    *gossh.Session
	stdin   io.WriteCloser
	changed notifier
	done    chan struct{} // closed when the server's output ends

	mu  sync.Mutex
	emu *vt.Emulator
}

// connect dials with key, asks for a w×h PTY and starts the console.
func (sv *server) connect(tb testing.TB, key gossh.Signer, w, h int) *terminal {
	tb.Helper()
	c, err := sv.dial(tb, key)
	if err != nil {
		tb.Fatalf("dial with an authorized key: %v\nserver log:\n%s", err, sv.logs.String())
	}
	return open(tb, c, w, h)
}

func open(tb testing.TB, c *gossh.Client, w, h int) *terminal {
	tb.Helper()
	sess, err := c.NewSession()
	check(tb, err)
	check(tb, sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}))
	term := &terminal{t: tb, client: c, sess: sess, emu: vt.NewEmulator(w, h), done: make(chan struct{})}
	term.stdin, err = sess.StdinPipe()
	check(tb, err)
	stdout, err := sess.StdoutPipe()
	check(tb, err)
	check(tb, sess.Shell())

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // server output → screen
		defer wg.Done()
		defer close(term.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				term.mu.Lock()
				_, _ = term.emu.Write(buf[:n])
				term.mu.Unlock()
				term.changed.notify()
			}
			if err != nil {
				term.changed.notify()
				return
			}
		}
	}()
	go func() { // keys and the terminal's answers → server
		defer wg.Done()
		buf := make([]byte, 4<<10)
		for {
			n, err := term.emu.Read(buf)
			if n > 0 {
				_, _ = term.stdin.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() {
		term.close()
		_ = term.emu.InputPipe().(io.Closer).Close()
		wg.Wait()
	})
	return term
}

// close hangs up: the session and its connection.
func (term *terminal) close() {
	term.sess.Close()
	term.client.Close()
}

// press types keys as the terminal would send them.
func (term *terminal) press(keys string) {
	_, _ = io.WriteString(term.emu.InputPipe(), keys)
}

func (term *terminal) screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.emu.String()
}

// resize changes the terminal's size, as a client window would.
func (term *terminal) resize(w, h int) {
	term.t.Helper()
	term.mu.Lock()
	term.emu.Resize(w, h)
	term.mu.Unlock()
	check(term.t, term.sess.WindowChange(h, w))
}

// waitScreen waits until the screen shows every one of want.
func (term *terminal) waitScreen(want ...string) {
	term.t.Helper()
	if err := term.waitFor(want...); err != nil {
		term.t.Fatal(err)
	}
}

// waitFor is waitScreen for any goroutine: it returns the failure.
func (term *terminal) waitFor(want ...string) error {
	return waitCond(fmt.Sprintf("screen to show %q", want), &term.changed, func() (bool, string) {
		s := term.screen()
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false, s
			}
		}
		return true, s
	})
}

// waitGone waits until the screen no longer shows text.
func (term *terminal) waitGone(text string) {
	term.t.Helper()
	waitUntil(term.t, fmt.Sprintf("screen to stop showing %q", text), &term.changed, func() (bool, string) {
		s := term.screen()
		return !strings.Contains(s, text), s
	})
}

// exitStatus waits for the session to end and returns its exit status.
func (term *terminal) exitStatus() int {
	term.t.Helper()
	done := make(chan error, 1)
	go func() { done <- term.sess.Wait() }()
	select {
	case err := <-done:
		var ee *gossh.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitStatus()
		default:
			term.t.Fatalf("session ended without an exit status: %v", err)
		}
	case <-time.After(waitLimit):
		term.t.Fatal("session did not end")
	}
	return -1
}

// ---- helpers ----

// logEntries are the action log's entries of an action, oldest first.
func logEntries(tb testing.TB, st *site, action string) []store.Entry {
	tb.Helper()
	es, err := st.s.ListLog(st.admin, store.LogFilter{Action: action})
	check(tb, err)
	var out []store.Entry
	for _, e := range es {
		if e.Action == action {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b store.Entry) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// waitFor polls cond (for state that has no notifier: the action log,
// goroutines) until it holds or waitLimit passes.
func waitFor(tb testing.TB, what string, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s; state:\n%s", what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitChangeFrame is the frame of tui's wait for the store's next change
// ("tui.waitChange.func1", or "tui.(*App).Init.waitChange.func2" inlined).
var waitChangeFrame = regexp.MustCompile(`guardroom/tui\.\S*waitChange`)

// changeWaiters counts the goroutines of package tui waiting for the
// store's next change: one per open console.
func changeWaiters() (int, string) {
	var b bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	n := 0
	var stacks []string
	for _, g := range strings.Split(b.String(), "\n\n") {
		if waitChangeFrame.MatchString(g) {
			n++
			stacks = append(stacks, g)
		}
	}
	return n, strings.Join(stacks, "\n\n")
}

// goroutines is runtime.NumGoroutine with the stacks for a failure message.
func goroutines() (int, string) {
	var b bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
	return runtime.NumGoroutine(), b.String()
}

// settledGoroutines waits until the number of goroutines stops falling
// and returns it.
func settledGoroutines(tb testing.TB) int {
	tb.Helper()
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n {
			return m
		}
		n = m
	}
	return n
}

// notifier wakes up waiters when something changed.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

// waitUntil re-checks cond each time n fires, failing after waitLimit.
func waitUntil(tb testing.TB, what string, n *notifier, cond func() (bool, string)) {
	tb.Helper()
	if err := waitCond(what, n, cond); err != nil {
		tb.Fatal(err)
	}
}

// waitCond re-checks cond each time n fires, until waitLimit.
func waitCond(what string, n *notifier, cond func() (bool, string)) error {
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		ch := n.wait() // before the check, so no change is missed
		ok, state := cond()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return fmt.Errorf("timed out waiting for %s; state:\n%s", what, state)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Len()
}

func check(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
