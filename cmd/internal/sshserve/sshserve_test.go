package sshserve_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	charmlog "charm.land/log/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/cmd/internal/sshserve"
)

// waitLimit bounds every wait for a condition; nothing asserts on how long
// things take.
const waitLimit = 10 * time.Second

// TestMain fails the run if anything reached the process's stderr or charm
// log's default logger (which writes to stderr): over SSH that output would
// land on the local operator's screen.
func TestMain(m *testing.M) {
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
	charmlog.SetLevel(charmlog.DebugLevel)

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

// ---- the model served in the tests ----

type noteMsg string
type tickMsg struct{}

// testModel shows "hello <operator> <w>x<h> <profile>", a note set by
// noteMsg, and reacts to keys: q quits, p/c/b/s/v panic in Update, a
// command, a batch, a sequence and View, w blocks Update until released.
type testModel struct {
	s       *sshserve.Session
	w, h    int
	profile string
	note    string
	panicIn string
	tick    bool
	ticks   int
	release <-chan struct{}
	blocked func()
	// endReason is what EndReason says: why the application ended the
	// session when the model quits ("" for the user's own quit).
	endReason string
}

func (m testModel) EndReason() string { return m.endReason }

func noop() tea.Msg { return nil }

func tickCmd() tea.Cmd {
	return tea.Tick(30*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{} })
}

func (m testModel) Init() tea.Cmd {
	if m.panicIn == "init" {
		panic("boom in Init")
	}
	if m.tick {
		return tickCmd()
	}
	return nil
}

func (m testModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.ColorProfileMsg:
		m.profile = msg.Profile.String()
	case noteMsg:
		m.note = string(msg)
	case tickMsg:
		m.ticks++
		return m, tickCmd()
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q":
			return m, tea.Quit
		case "p":
			panic("boom in Update")
		case "c":
			return m, func() tea.Msg { panic("boom in a command") }
		case "b":
			return m, tea.Batch(noop, func() tea.Msg { panic("boom in a batch") })
		case "s":
			return m, tea.Sequence(noop, func() tea.Msg { panic("boom in a sequence") })
		case "v":
			m.panicIn = "view"
		case "w":
			m.blocked()
			select {
			case <-m.release:
			case <-m.s.Context().Done():
			}
		}
	}
	return m, nil
}

func (m testModel) View() tea.View {
	if m.panicIn == "view" {
		panic("boom in View")
	}
	return tea.NewView(fmt.Sprintf("hello %s %dx%d %s\nnote: %s\nticks: %d",
		m.s.Identity.Operator, m.w, m.h, m.profile, m.note, m.ticks))
}

// ---- harness ----

type ended struct {
	s      *sshserve.Session
	reason string
}

type authCall struct{ user, remote string }

type harness struct {
	srv     *sshserve.Server
	addr    string
	alice   gossh.Signer // authorized as "alice"
	bob     gossh.Signer // authorized as "bob"
	errKey  gossh.Signer // Authorize returns an error
	panicky gossh.Signer // Authorize panics
	release chan struct{}
	blocked chan struct{} // gets a value when a model blocks on "w"
	logs    *lockedBuffer
	changed notifier // OnStart, OnEnd

	mu     sync.Mutex
	starts []*sshserve.Session
	ends   []ended
	auths  []authCall

	stopOnce sync.Once
	stopErr  error
	cancel   context.CancelFunc
	served   chan error
}

func newKey(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sameKey(a, b gossh.PublicKey) bool { return bytes.Equal(a.Marshal(), b.Marshal()) }

func env(s *sshserve.Session, name string) string {
	for _, kv := range s.Environ {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

func newHarness(t *testing.T, edit func(*sshserve.Config)) *harness {
	t.Helper()
	h := &harness{
		alice: newKey(t), bob: newKey(t), errKey: newKey(t), panicky: newKey(t),
		release: make(chan struct{}),
		blocked: make(chan struct{}, 8),
		logs:    &lockedBuffer{},
		served:  make(chan error, 1),
	}
	cfg := sshserve.Config{
		Listen:      "127.0.0.1:0",
		HostKeyPath: filepath.Join(t.TempDir(), "keys", "host_ed25519"),
		Authorize: func(_ context.Context, key gossh.PublicKey, user, remote string) (sshserve.Identity, error) {
			h.mu.Lock()
			h.auths = append(h.auths, authCall{user, remote})
			h.mu.Unlock()
			switch {
			case sameKey(key, h.alice.PublicKey()):
				return sshserve.Identity{Operator: "alice"}, nil
			case sameKey(key, h.bob.PublicKey()):
				return sshserve.Identity{Operator: "bob"}, nil
			case sameKey(key, h.errKey.PublicKey()):
				return sshserve.Identity{Operator: "mallory"}, errors.New("store unavailable")
			case sameKey(key, h.panicky.PublicKey()):
				panic("boom in Authorize")
			}
			return sshserve.Identity{}, nil
		},
		NewModel: func(s *sshserve.Session) (tea.Model, error) {
			switch env(s, "GUARD_TEST_PANIC") {
			case "new":
				panic("boom in NewModel")
			}
			if env(s, "GUARD_TEST_FAIL") != "" {
				return nil, errors.New("store closed")
			}
			return testModel{s: s, panicIn: env(s, "GUARD_TEST_PANIC"), tick: env(s, "GUARD_TEST_TICK") != "", release: h.release,
				blocked: func() { h.blocked <- struct{}{} }, endReason: env(s, "GUARD_TEST_END_REASON")}, nil
		},
		OnStart: func(s *sshserve.Session) {
			h.mu.Lock()
			h.starts = append(h.starts, s)
			h.mu.Unlock()
			h.changed.notify()
			if env(s, "GUARD_TEST_PANIC") == "onstart" {
				panic("boom in OnStart")
			}
		},
		OnEnd: func(s *sshserve.Session, reason string) {
			h.mu.Lock()
			h.ends = append(h.ends, ended{s, reason})
			h.mu.Unlock()
			h.changed.notify()
		},
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := sshserve.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.addr = srv.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.served <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
		if err := h.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", h.logs.String())
		}
	})
	return h
}

// stop cancels Serve's context and waits for Serve to return.
func (h *harness) stop() error {
	h.stopOnce.Do(func() {
		h.cancel()
		select {
		case h.stopErr = <-h.served:
		case <-time.After(2 * waitLimit):
			h.stopErr = errors.New("Serve did not return after its context ended")
		}
	})
	return h.stopErr
}

func (h *harness) dial(t *testing.T, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	c, err := gossh.Dial("tcp", h.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(h.srv.HostKey()),
		Timeout:         waitLimit,
	})
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func (h *harness) mustDial(t *testing.T, key gossh.Signer) *gossh.Client {
	t.Helper()
	c, err := h.dial(t, "ops", gossh.PublicKeys(key))
	if err != nil {
		t.Fatalf("dial with an authorized key: %v", err)
	}
	return c
}

// waitEnd waits for OnEnd of the session whose operator and client address
// match, and returns it.
func (h *harness) waitEnd(t *testing.T, c *gossh.Client) ended {
	t.Helper()
	var got ended
	waitUntil(t, "OnEnd for "+c.LocalAddr().String(), &h.changed, func() (bool, string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, e := range h.ends {
			if e.s.RemoteAddr == c.LocalAddr().String() {
				got = e
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d ends so far", len(h.ends))
	})
	return got
}

func (h *harness) sessionOf(t *testing.T, c *gossh.Client) *sshserve.Session {
	t.Helper()
	var got *sshserve.Session
	waitUntil(t, "OnStart for "+c.LocalAddr().String(), &h.changed, func() (bool, string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, s := range h.starts {
			if s.RemoteAddr == c.LocalAddr().String() {
				got = s
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d starts so far", len(h.starts))
	})
	return got
}

// ---- a client terminal: x/crypto/ssh session + x/vt screen ----

type console struct {
	t       *testing.T
	sess    *gossh.Session
	stdin   io.WriteCloser
	changed notifier
	stderr  lockedBuffer

	mu  sync.Mutex
	emu *vt.Emulator
	raw bytes.Buffer
}

type termOpts struct {
	w, h int
	env  map[string]string
}

func openConsole(t *testing.T, c *gossh.Client, o termOpts) *console {
	t.Helper()
	if o.w == 0 {
		o.w, o.h = 80, 24
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range o.env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	if err := sess.RequestPty("xterm-256color", o.h, o.w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	con := &console{t: t, sess: sess, emu: vt.NewEmulator(o.w, o.h)}
	con.stdin, err = sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stderr = &con.stderr
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // server output → screen
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				con.mu.Lock()
				con.raw.Write(buf[:n])
				_, _ = con.emu.Write(buf[:n])
				con.mu.Unlock()
				con.changed.notify()
			}
			if err != nil {
				con.changed.notify()
				return
			}
		}
	}()
	go func() { // keys and the terminal's replies → server
		defer wg.Done()
		buf := make([]byte, 4<<10)
		for {
			n, err := con.emu.Read(buf)
			if n > 0 {
				_, _ = con.stdin.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		sess.Close()
		c.Close()
		_ = con.emu.InputPipe().(io.Closer).Close()
		wg.Wait()
	})
	return con
}

func (c *console) press(keys string) {
	_, _ = io.WriteString(c.emu.InputPipe(), keys)
}

func (c *console) screen() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.emu.String()
}

func (c *console) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.raw.String()
}

func (c *console) resize(w, h int) {
	c.t.Helper()
	if err := c.sess.WindowChange(h, w); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.emu.Resize(w, h)
	c.mu.Unlock()
}

func (c *console) waitScreen(want string) {
	c.t.Helper()
	waitUntil(c.t, fmt.Sprintf("screen to show %q", want), &c.changed, func() (bool, string) {
		s := c.screen()
		return strings.Contains(s, want), s
	})
}

func (c *console) waitOutput(want string) {
	c.t.Helper()
	waitUntil(c.t, fmt.Sprintf("output to contain %q", want), &c.changed, func() (bool, string) {
		s := c.output()
		return strings.Contains(s, want), fmt.Sprintf("%q", s)
	})
}

// exitStatus waits for the session to end and returns its exit status.
func (c *console) exitStatus() int {
	c.t.Helper()
	return exitStatus(c.t, c.sess)
}

func exitStatus(t *testing.T, sess *gossh.Session) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		var ee *gossh.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitStatus()
		default:
			t.Fatalf("session ended without an exit status: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("session did not end")
	}
	return -1
}

// ---- helpers ----

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
func waitUntil(t *testing.T, what string, n *notifier, cond func() (bool, string)) {
	t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		ch := n.wait() // before the check, so no change is missed
		ok, state := cond()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; state:\n%s", what, state)
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

// ---- tests ----

func TestAuth(t *testing.T) {
	h := newHarness(t, nil)

	t.Run("authorized ed25519 key", func(t *testing.T) {
		c, err := h.dial(t, "alice-login", gossh.PublicKeys(h.alice))
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		h.mu.Lock()
		calls := slices.Clone(h.auths)
		h.mu.Unlock()
		want := authCall{"alice-login", c.LocalAddr().String()}
		if !slices.Contains(calls, want) {
			t.Errorf("Authorize calls %v, want one with %v", calls, want)
		}
	})

	refused := []struct {
		name string
		auth []gossh.AuthMethod
	}{
		{"unknown key", []gossh.AuthMethod{gossh.PublicKeys(newKey(t))}},
		{"Authorize returns an error", []gossh.AuthMethod{gossh.PublicKeys(h.errKey)}},
		{"Authorize panics", []gossh.AuthMethod{gossh.PublicKeys(h.panicky)}},
		{"password only", []gossh.AuthMethod{gossh.Password("hunter2")}},
		{"keyboard-interactive only", []gossh.AuthMethod{gossh.KeyboardInteractive(
			func(string, string, []string, []bool) ([]string, error) { return nil, nil })}},
		{"no authentication", nil},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.dial(t, "alice", tc.auth...)
			if err == nil {
				t.Fatal("dial succeeded, want it refused")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Errorf("dial error = %v, want an authentication failure", err)
			}
		})
	}

	t.Run("server still serves", func(t *testing.T) {
		con := openConsole(t, h.mustDial(t, h.alice), termOpts{})
		con.waitScreen("hello alice")
	})
}

func TestConsole(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(t, h.alice)
	con := openConsole(t, c, termOpts{w: 80, h: 24})

	con.waitScreen("hello alice 80x24 ANSI256")
	s := h.sessionOf(t, c)
	if s.Width != 80 || s.Height != 24 || s.Term != "xterm-256color" || s.ColorProfile != colorprofile.ANSI256 {
		t.Errorf("session = %dx%d TERM %q profile %v, want 80x24 xterm-256color ANSI256", s.Width, s.Height, s.Term, s.ColorProfile)
	}
	if !slices.Contains(s.Environ, "TERM=xterm-256color") {
		t.Errorf("Environ %q lacks TERM", s.Environ)
	}
	if s.Identity.Operator != "alice" || s.Identity.Fingerprint != gossh.FingerprintSHA256(h.alice.PublicKey()) || s.User != "ops" {
		t.Errorf("identity %+v user %q, want alice with her key's fingerprint, user ops", s.Identity, s.User)
	}
	if n := h.srv.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d, want 1", n)
	}

	con.resize(100, 30)
	con.waitScreen("hello alice 100x30")

	con.press("q")
	e := h.waitEnd(t, c)
	if e.reason != sshserve.ReasonQuit {
		t.Errorf("end reason %q, want %q", e.reason, sshserve.ReasonQuit)
	}
	if code := con.exitStatus(); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if n := h.srv.Sessions(); n != 0 {
		t.Errorf("Sessions() after the end = %d, want 0", n)
	}
	if e.s.Send(noteMsg("late")) {
		t.Error("Send to an ended session reported true")
	}

	// OnStart and OnEnd once each, with the identity and address.
	h.mu.Lock()
	starts, ends := slices.Clone(h.starts), slices.Clone(h.ends)
	h.mu.Unlock()
	if len(starts) != 1 || len(ends) != 1 || starts[0] != ends[0].s {
		t.Fatalf("OnStart %d times, OnEnd %d times, want once each for the same session", len(starts), len(ends))
	}
	if got, want := starts[0].RemoteAddr, c.LocalAddr().String(); got != want {
		t.Errorf("RemoteAddr %q, want %q", got, want)
	}
}

// A model that quits because the application ended the session says why
// (EndReason): the server's own log line, OnEnd and the exit status carry
// that reason, not "quit" (issue 13 item 13).
func TestModelEndReason(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(t, h.alice)
	con := openConsole(t, c, termOpts{env: map[string]string{"GUARD_TEST_END_REASON": "access ended"}})
	con.waitScreen("hello alice")
	con.press("q")
	e := h.waitEnd(t, c)
	if e.reason != "access ended" {
		t.Errorf("OnEnd reason %q, want %q", e.reason, "access ended")
	}
	if code := con.exitStatus(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `msg="ssh session end" session=`) || !strings.Contains(logs, `reason="access ended"`) || strings.Contains(logs, "reason=quit") {
		t.Errorf("the server's log does not give the session's end as \"access ended\":\n%s", logs)
	}
}

func TestColorProfileFromEnvironment(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"COLORTERM": "truecolor"}, "TrueColor"},
		{map[string]string{"NO_COLOR": "1"}, "Ascii"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			con := openConsole(t, h.mustDial(t, h.alice), termOpts{env: tc.env})
			con.waitScreen("hello alice 80x24 " + tc.want)
		})
	}
}

func TestNoPTYRefused(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(t, h.alice)
	for _, cmd := range []string{"", "status"} {
		t.Run(fmt.Sprintf("command %q", cmd), func(t *testing.T) {
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			var stderr lockedBuffer
			sess.Stderr = &stderr
			if cmd == "" {
				err = sess.Shell()
			} else {
				err = sess.Start(cmd)
			}
			if err != nil {
				t.Fatal(err)
			}
			if code := exitStatus(t, sess); code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if got := stderr.String(); got != "guardroom's console needs a terminal: connect with ssh -t\n" {
				t.Errorf("stderr %q", got)
			}
		})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.starts) != 0 {
		t.Errorf("OnStart called %d times for refused sessions", len(h.starts))
	}
}

func TestPanicEndsOnlyThatSession(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		name, key, env, want string
	}{
		{"Update", "p", "", "boom in Update"},
		{"command", "c", "", "boom in a command"},
		{"batch", "b", "", "boom in a batch"},
		{"sequence", "s", "", "boom in a sequence"},
		{"View", "v", "", "boom in View"},
		{"Init", "", "init", "boom in Init"},
		{"NewModel", "", "new", "boom in NewModel"},
		{"OnStart", "", "onstart", "boom in OnStart"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h.mustDial(t, h.alice)
			var opts termOpts
			if tc.env != "" {
				opts.env = map[string]string{"GUARD_TEST_PANIC": tc.env}
			}
			// A bystander session must live through the panic.
			oc := h.mustDial(t, h.bob)
			other := openConsole(t, oc, termOpts{})
			other.waitScreen("hello bob")

			con := openConsole(t, c, opts)
			if tc.key != "" {
				con.waitScreen("hello alice")
				con.press(tc.key)
			}
			e := h.waitEnd(t, c)
			if want := sshserve.ReasonPanicPrefix + tc.want; e.reason != want {
				t.Errorf("end reason %q, want %q", e.reason, want)
			}
			con.waitOutput("guardroom: internal error; this session was closed and the error was logged")
			if code := con.exitStatus(); code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if !strings.Contains(h.logs.String(), tc.want) {
				t.Errorf("the panic is not in the server log")
			}

			h.srv.Broadcast(noteMsg("still here " + tc.name))
			other.waitScreen("note: still here " + tc.name)
			other.press("q")
			if e := h.waitEnd(t, oc); e.reason != sshserve.ReasonQuit {
				t.Errorf("bystander ended with %q", e.reason)
			}
		})
	}

	// And a fresh session still works.
	con := openConsole(t, h.mustDial(t, h.alice), termOpts{})
	con.waitScreen("hello alice 80x24")
}

func TestNewModelError(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(t, h.alice)
	con := openConsole(t, c, termOpts{env: map[string]string{"GUARD_TEST_FAIL": "1"}})
	e := h.waitEnd(t, c)
	if want := sshserve.ReasonErrorPrefix + "store closed"; e.reason != want {
		t.Errorf("end reason %q, want %q", e.reason, want)
	}
	con.waitOutput("guardroom: the console stopped on an error, which was logged")
	if code := con.exitStatus(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
}

func TestIdleTimeout(t *testing.T) {
	h := newHarness(t, func(c *sshserve.Config) { c.IdleTimeout = 300 * time.Millisecond })
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"silent model", nil},
		{"model that keeps drawing", map[string]string{"GUARD_TEST_TICK": "1"}}, // output is not input
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h.mustDial(t, h.alice)
			con := openConsole(t, c, termOpts{env: tc.env})
			e := h.waitEnd(t, c)
			if e.reason != sshserve.ReasonIdle {
				t.Errorf("end reason %q, want %q", e.reason, sshserve.ReasonIdle)
			}
			con.waitOutput("guardroom: session closed after 300ms without input")
			if code := con.exitStatus(); code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
		})
	}
}

func TestMaxTimeout(t *testing.T) {
	h := newHarness(t, func(c *sshserve.Config) {
		c.MaxTimeout = 300 * time.Millisecond
		c.IdleTimeout = time.Hour
	})
	c := h.mustDial(t, h.alice)
	con := openConsole(t, c, termOpts{})

	// Keep typing: the maximum applies whatever happens.
	typing := time.NewTicker(20 * time.Millisecond)
	defer typing.Stop()
	deadline := time.After(waitLimit)
	for done := false; !done; {
		ch := h.changed.wait()
		h.mu.Lock()
		done = len(h.ends) > 0
		h.mu.Unlock()
		select {
		case <-ch:
		case <-typing.C:
			con.press("x")
		case <-deadline:
			t.Fatal("the session did not end")
		}
	}
	e := h.waitEnd(t, c)
	if e.reason != sshserve.ReasonMax {
		t.Errorf("end reason %q, want %q", e.reason, sshserve.ReasonMax)
	}
	con.waitOutput("guardroom: session closed: it reached the maximum length of 300ms")
}

func TestBroadcast(t *testing.T) {
	h := newHarness(t, nil)
	ca, cb := h.mustDial(t, h.alice), h.mustDial(t, h.bob)
	alice, bob := openConsole(t, ca, termOpts{}), openConsole(t, cb, termOpts{})
	alice.waitScreen("hello alice")
	bob.waitScreen("hello bob")
	if n := h.srv.Sessions(); n != 2 {
		t.Errorf("Sessions() = %d, want 2", n)
	}

	h.srv.Broadcast(noteMsg("ALARM door 3"))
	alice.waitScreen("note: ALARM door 3")
	bob.waitScreen("note: ALARM door 3")

	// Session.Send reaches only that session.
	if !h.sessionOf(t, cb).Send(noteMsg("only bob")) {
		t.Fatal("Send to a live session reported false")
	}
	bob.waitScreen("note: only bob")
	h.srv.Broadcast(noteMsg("second"))
	alice.waitScreen("note: second")
	if strings.Contains(alice.output(), "only bob") {
		t.Error("alice received bob's message")
	}

	// A stuck session neither blocks Broadcast nor delays the others.
	alice.press("w") // alice's Update now blocks until h.release is closed
	select {
	case <-h.blocked:
	case <-time.After(waitLimit):
		t.Fatal("alice's model did not block")
	}
	for i := range 200 {
		h.srv.Broadcast(noteMsg(fmt.Sprintf("n%03d", i)))
		if i%16 == 15 {
			bob.waitScreen(fmt.Sprintf("note: n%03d", i))
		}
	}
	bob.waitScreen("note: n199")
	if h.sessionOf(t, ca).Send(noteMsg("overflow")) {
		t.Error("Send to a stuck session with a full queue reported true")
	}
	close(h.release)
	alice.waitScreen("note: n") // alice catches up with what was queued
	alice.press("q")
	bob.press("q")
	for _, c := range []*gossh.Client{ca, cb} {
		if e := h.waitEnd(t, c); e.reason != sshserve.ReasonQuit {
			t.Errorf("end reason %q, want quit", e.reason)
		}
	}
}

func TestShutdown(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(t, h.alice)
	con := openConsole(t, c, termOpts{})
	con.waitScreen("hello alice")

	if err := h.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	e := h.waitEnd(t, c) // OnEnd has run before Serve returned
	if e.reason != sshserve.ReasonShutdown {
		t.Errorf("end reason %q, want %q", e.reason, sshserve.ReasonShutdown)
	}
	con.waitOutput("guardroom: the server is shutting down")
	if _, err := h.dial(t, "ops", gossh.PublicKeys(h.alice)); err == nil {
		t.Error("dial after shutdown succeeded")
	}
}

func TestHostKey(t *testing.T) {
	newServer := func(t *testing.T, path string) (*sshserve.Server, error) {
		t.Helper()
		srv, err := sshserve.New(sshserve.Config{
			Listen:      "127.0.0.1:0",
			HostKeyPath: path,
			Authorize: func(context.Context, gossh.PublicKey, string, string) (sshserve.Identity, error) {
				return sshserve.Identity{}, nil
			},
			NewModel: func(*sshserve.Session) (tea.Model, error) { return nil, nil },
		})
		if err == nil {
			t.Cleanup(func() { srv.Close() })
		}
		return srv, err
	}

	t.Run("generated once, then reused", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "etc", "guardroom")
		path := filepath.Join(dir, "ssh_host_ed25519_key")
		first, err := newServer(t, path)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
		}
		di, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if di.Mode().Perm() != 0o700 {
			t.Errorf("key directory mode %v, want 0700", di.Mode().Perm())
		}
		if first.HostKey().Type() != gossh.KeyAlgoED25519 {
			t.Errorf("key type %s, want ed25519", first.HostKey().Type())
		}
		second, err := newServer(t, path)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := gossh.FingerprintSHA256(first.HostKey()), gossh.FingerprintSHA256(second.HostKey()); a != b {
			t.Errorf("second New has key %s, first had %s", b, a)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("key directory holds %d entries, want only the key", len(entries))
		}
	})

	t.Run("not written to the current directory", func(t *testing.T) {
		// wish's default writes ./id_ed25519 when no host key is given.
		if _, err := os.Stat("id_ed25519"); err == nil {
			t.Error("id_ed25519 appeared in the package directory")
		}
	})

	pub := gossh.MarshalAuthorizedKey(newKey(t).PublicKey())
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"garbage", []byte("not a key at all\n")},
		{"a public key", pub},
		{"empty", nil},
	} {
		t.Run(tc.name+" is an error naming the file", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "host_key")
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := newServer(t, path)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("New error = %v, want one naming %s", err, path)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, tc.content) {
				t.Error("the bad key file was changed")
			}
		})
	}

	t.Run("a directory is an error naming it", func(t *testing.T) {
		path := t.TempDir()
		if _, err := newServer(t, path); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("New error = %v, want one naming %s", err, path)
		}
	})

	t.Run("unreadable is an error naming the file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads any file")
		}
		path := filepath.Join(t.TempDir(), "host_key")
		if err := os.WriteFile(path, []byte("x"), 0o000); err != nil {
			t.Fatal(err)
		}
		if _, err := newServer(t, path); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("New error = %v, want one naming %s", err, path)
		}
	})
}

func TestConfigValidation(t *testing.T) {
	dir := t.TempDir()
	ok := sshserve.Config{
		Listen:      "127.0.0.1:0",
		HostKeyPath: filepath.Join(dir, "k"),
		Authorize: func(context.Context, gossh.PublicKey, string, string) (sshserve.Identity, error) {
			return sshserve.Identity{}, nil
		},
		NewModel: func(*sshserve.Session) (tea.Model, error) { return nil, nil },
	}
	for _, tc := range []struct {
		name string
		edit func(*sshserve.Config)
		want string
	}{
		{"no listen address", func(c *sshserve.Config) { c.Listen = "" }, "Listen"},
		{"no host key path", func(c *sshserve.Config) { c.HostKeyPath = "" }, "HostKeyPath"},
		{"no Authorize", func(c *sshserve.Config) { c.Authorize = nil }, "Authorize"},
		{"no NewModel", func(c *sshserve.Config) { c.NewModel = nil }, "NewModel"},
		{"negative timeout", func(c *sshserve.Config) { c.IdleTimeout = -time.Second }, "negative"},
		{"bad address", func(c *sshserve.Config) { c.Listen = "127.0.0.1:99999" }, "127.0.0.1:99999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			srv, err := sshserve.New(cfg)
			if err == nil {
				srv.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestStuckModelIsKilledAndAbandoned(t *testing.T) {
	t.Cleanup(sshserve.SetStopGraces(100*time.Millisecond, 100*time.Millisecond))
	h := newHarness(t, func(c *sshserve.Config) { c.IdleTimeout = 300 * time.Millisecond })
	c := h.mustDial(t, h.alice)
	con := openConsole(t, c, termOpts{})
	con.waitScreen("hello alice")
	con.press("w") // Update blocks until the session's context ends
	e := h.waitEnd(t, c)
	if e.reason != sshserve.ReasonIdle {
		t.Errorf("end reason %q, want %q", e.reason, sshserve.ReasonIdle)
	}
	con.waitOutput("guardroom: session closed after 300ms without input")
	if code := con.exitStatus(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if !strings.Contains(h.logs.String(), "abandoning") {
		t.Error("the abandoned program is not in the log")
	}
}
