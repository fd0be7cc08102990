package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/store"
)

// sshWait bounds every wait in the SSH command's tests; nothing asserts on
// how long anything takes.
const sshWait = 30 * time.Second

var servingRE = regexp.MustCompile(`serving the console over SSH on (\S+) \(host key (SHA256:\S+)\)`)

// sshSite is a database made through the store (no command-line login
// needed) with one panel and an operator whose key logs in.
func sshSite(t *testing.T) (*site, gossh.Signer) {
	t.Helper()
	s := newSite(t)
	key, err := store.CreateKey(s.key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Config{Dir: s.data, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sys := st.Internal("test")
	if _, err := st.AddPanel(sys, store.NewPanel{Name: "Gatehouse", Unit: store.RootUnit, Family: "dsc-pc1864", IMEI: imeiMain}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddOperator(sys, store.NewOperator{Username: "ivan", Name: "Ivan", Email: "ivan@example.com",
		Grants: []store.Grant{{Role: store.RoleInstaller}}, Units: []uint64{store.RootUnit}}); err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddSSHKey(sys, "ivan", string(gossh.MarshalAuthorizedKey(signer.PublicKey()))); err != nil {
		t.Fatal(err)
	}
	return s, signer
}

// sshRun is one 'guardroom ssh' running in-process until stop.
type sshRun struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	code           chan int
	addr, hostKey  string
}

func startSSH(t *testing.T, s *site, args ...string) *sshRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &sshRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, code: make(chan int, 1)}
	argv := append([]string{"--data", s.data, "--key-file", s.key, "ssh", "--listen", "127.0.0.1:0"}, args...)
	go func() { r.code <- run(ctx, argv, strings.NewReader(""), r.stdout, r.stderr) }()
	t.Cleanup(func() { r.stop(t) })
	deadline := time.Now().Add(sshWait)
	for {
		if m := servingRE.FindStringSubmatch(r.stdout.String()); m != nil {
			r.addr, r.hostKey = m[1], m[2]
			return r
		}
		select {
		case code := <-r.code:
			r.code <- code
			t.Fatalf("guardroom ssh ended with exit %d before serving\nstdout:\n%s\nstderr:\n%s", code, r.stdout, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("guardroom ssh did not say it serves\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		}
	}
}

// stop sends what ctrl+c would and returns the exit code.
func (r *sshRun) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	select {
	case code := <-r.code:
		r.code <- code // later calls get it too
		return code
	case <-time.After(2 * sshWait):
		t.Fatal("guardroom ssh did not stop after its context ended")
	}
	return -1
}

// 'guardroom ssh' makes its host key once (0600, in the data directory),
// prints its fingerprint (the one the server presents), serves the console
// to an operator's key, stops on ctrl+c with the open session's end in the
// action log, and reuses the same key at the next start.
func TestSSHCommand(t *testing.T) {
	s, key := sshSite(t)
	r := startSSH(t, s)
	if !strings.HasPrefix(r.addr, "127.0.0.1:") {
		t.Fatalf("serving on %q", r.addr)
	}
	keyPath := filepath.Join(s.data, "ssh_host_ed25519_key")
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", fi.Mode().Perm())
	}
	first, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}

	// The key the server presents is the one printed.
	var presented string
	c, err := gossh.Dial("tcp", r.addr, &gossh.ClientConfig{
		User: "ivan",
		Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			presented = gossh.FingerprintSHA256(k)
			return nil
		},
		Timeout: sshWait,
	})
	if err != nil {
		t.Fatalf("dial: %v\nstderr:\n%s", err, r.stderr)
	}
	defer c.Close()
	if presented != r.hostKey {
		t.Fatalf("printed host key %s, presented %s", r.hostKey, presented)
	}
	screen := sshScreen(t, c)
	screen.wait(t, "Gatehouse")

	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d after ctrl+c\nstdout:\n%s\nstderr:\n%s", code, r.stdout, r.stderr)
	}
	if r.stderr.String() != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	ends := sshLog(t, s, "ssh.end")
	if len(ends) != 1 || ends[0].Operator != "ivan" || ends[0].After["reason"] != "server shutdown" || ends[0].After["from"] != c.LocalAddr().String() {
		t.Fatalf("ssh.end entries %+v: want one of ivan, server shutdown, from %s", ends, c.LocalAddr())
	}

	r2 := startSSH(t, s)
	if r2.hostKey != r.hostKey {
		t.Errorf("host key changed from %s to %s at the second start", r.hostKey, r2.hostKey)
	}
	if again, err := os.ReadFile(keyPath); err != nil || !bytes.Equal(again, first) {
		t.Errorf("the host key file was rewritten (%v)", err)
	}
	if code := r2.stop(t); code != 0 {
		t.Fatalf("second run: exit %d\nstderr:\n%s", code, r2.stderr)
	}
}

// The command's refusals: no database to serve, bad flags.
func TestSSHCommandRefusals(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ssh", "--listen", "127.0.0.1:0"}, exitFail, "there is no guardroom database in"},
		{[]string{"ssh", "--idle", "0s"}, exitUsage, "--idle 0s: give a duration above zero"},
		{[]string{"ssh", "--max", "-1h"}, exitUsage, "--max -1h0m0s: give a duration above zero"},
		{[]string{"ssh", "--listen", ""}, exitUsage, "--listen"},
		{[]string{"ssh", "extra"}, exitUsage, "too many arguments"},
		{[]string{"ssh", "--handshake-timeout", "0s"}, exitUsage, "--handshake-timeout 0s: give a duration above zero"},
		{[]string{"ssh", "--max-unauthenticated", "0"}, exitUsage, "--max-unauthenticated 0: give a number above zero"},
		{[]string{"ssh", "--max-unauthenticated-per-address", "-1"}, exitUsage, "--max-unauthenticated-per-address -1: give a number above zero"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runArgs("", append([]string{"--data", s.data, "--key-file", s.key}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("want exit %d and %q on stderr, got %s", tc.code, tc.want, r)
			}
		})
	}
	if store.Exists(s.data) {
		t.Errorf("a refused 'guardroom ssh' created a database in %s", s.data)
	}
}

// sshLog opens the site's store (the server has stopped) and returns the
// entries of an action.
func sshLog(t *testing.T, s *site, action string) []store.Entry {
	t.Helper()
	key, err := store.ReadKey(s.key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Config{Dir: s.data, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, err := st.ListLog(st.Internal("test"), store.LogFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// terminalScreen is an SSH session's screen, read through x/vt.
type terminalScreen struct {
	mu      sync.Mutex
	emu     *vt.Emulator
	changed chan struct{}
}

func sshScreen(t *testing.T, c *gossh.Client) *terminalScreen {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	sc := &terminalScreen{emu: vt.NewEmulator(100, 30), changed: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			sc.mu.Lock()
			_, _ = sc.emu.Write(buf[:n])
			sc.mu.Unlock()
			select {
			case sc.changed <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { // the terminal's answers to the console's queries
		defer wg.Done()
		_, _ = io.Copy(stdin, sc.emu)
	}()
	t.Cleanup(func() {
		sess.Close()
		_ = sc.emu.InputPipe().(io.Closer).Close()
		wg.Wait()
	})
	return sc
}

func (sc *terminalScreen) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(sshWait)
	for {
		sc.mu.Lock()
		screen := sc.emu.String()
		sc.mu.Unlock()
		if strings.Contains(screen, want) {
			return
		}
		select {
		case <-sc.changed:
		case <-deadline:
			t.Fatalf("the screen did not show %q:\n%s", want, screen)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the command's goroutine and the
// test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// The [ssh] limits from the config file reach the server, and a flag
// beats them: over the per-address cap a connection is closed at once, an
// operator's key still logs in, and a connection that does not log in is
// closed at the handshake deadline.
func TestSSHCommandLimits(t *testing.T) {
	s, key := sshSite(t)
	cfg := filepath.Join(s.root, "config.toml")
	if err := os.WriteFile(cfg, []byte("[ssh]\nhandshake_timeout = \"1h\"\nmax_unauthenticated_per_address = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dial := func(r *sshRun) (net.Conn, string) {
		d := net.Dialer{Timeout: sshWait, LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
		c, err := d.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetReadDeadline(time.Now().Add(sshWait))
		b := make([]byte, 8)
		n, _ := io.ReadFull(c, b)
		return c, string(b[:n])
	}

	r := startSSH(t, s, "--config", cfg)
	if _, version := dial(r); version != "SSH-2.0-" {
		t.Fatalf("first connection got %q, want the server's version", version)
	}
	if _, version := dial(r); version != "" {
		t.Fatalf("second connection from the address got %q, want it closed at once ([ssh] max_unauthenticated_per_address = 1)", version)
	}
	c, err := gossh.Dial("tcp", r.addr, &gossh.ClientConfig{
		User: "ivan", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: sshWait,
	})
	if err != nil {
		t.Fatalf("dial with ivan's key: %v", err)
	}
	defer c.Close()
	sshScreen(t, c).wait(t, "Gatehouse")
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, r.stderr)
	}

	r = startSSH(t, s, "--config", cfg, "--handshake-timeout", "300ms")
	idle, version := dial(r)
	if version != "SSH-2.0-" {
		t.Fatalf("got %q, want the server's version", version)
	}
	if _, err := io.Copy(io.Discard, idle); err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the idle connection was not closed at the handshake deadline (--handshake-timeout 300ms)")
		}
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, r.stderr)
	}

	log, err := os.ReadFile(filepath.Join(s.data, "guardroom.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"handshake_timeout=1h0m0s max_unauthenticated=64 max_unauthenticated_per_address=1",
		"handshake_timeout=300ms max_unauthenticated=64 max_unauthenticated_per_address=1",
		"too many connections not yet authenticated", "not authenticated in time",
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}

// Limits below zero in the config file are refused, naming the key.
func TestSSHConfigRefusals(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct{ toml, want string }{
		{"[ssh]\nmax_unauthenticated = -1\n", "[ssh] max_unauthenticated is below zero"},
		{"[ssh]\nhandshake_timeout = \"-5s\"\n", "[ssh] handshake_timeout is below zero"},
		{"log_keep = -2\n", "log_keep is below zero"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(cfg, []byte(tc.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			r := runArgs("", "--data", s.data, "--key-file", s.key, "--config", cfg, "ssh")
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("want exit %d and %q on stderr, got %s", exitUsage, tc.want, r)
			}
		})
	}
}
