//go:build linux

package attach

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"
)

// listen serves run on a socket in a temp dir until the test ends.
func listen(t *testing.T, cfg Config) (string, *Server) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return path, srv
}

// TestRunCarriesStreamsAndExitCode: the command gets the client's
// arguments, directory, environment and stdin; its stdout and stderr stay
// apart, and its exit code is the client's.
func TestRunCarriesStreamsAndExitCode(t *testing.T) {
	path, _ := listen(t, Config{Run: func(ctx context.Context, s *Session) int {
		in, _ := io.ReadAll(s.Stdin)
		fmt.Fprintf(s.Stdout, "args=%q cwd=%s who=%s in=%q", s.Args, s.Cwd, s.Getenv("WHO"), in)
		fmt.Fprint(s.Stderr, "to stderr")
		return 3
	}})
	var out, errb bytes.Buffer
	c := &Client{Args: []string{"user", "list", "1"}, Cwd: "/somewhere", Env: []string{"WHO=ann", "WHO=bo"},
		Stdin: strings.NewReader("line\n"), Stdout: &out, Stderr: &errb}
	code, err := c.Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if want := `args=["user" "list" "1"] cwd=/somewhere who=bo in="line\n"`; code != 3 || out.String() != want || errb.String() != "to stderr" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 3, %q, %q", code, out.String(), errb.String(), want, "to stderr")
	}
}

// TestInterruptEndsTheCommand: ctrl+c in a client with no terminal (its
// context ends) ends the command's context in the service.
func TestInterruptEndsTheCommand(t *testing.T) {
	started := make(chan struct{})
	path, _ := listen(t, Config{Run: func(ctx context.Context, s *Session) int {
		close(started)
		<-ctx.Done()
		fmt.Fprint(s.Stderr, "interrupted")
		return 1
	}})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	var errb bytes.Buffer
	c := &Client{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb}
	code, err := c.Run(ctx, path)
	if err != nil || code != 1 || errb.String() != "interrupted" {
		t.Fatalf("exit %d, %v, stderr %q", code, err, errb.String())
	}
}

// TestNoServiceWhenNothingAnswers: no socket, or one nobody listens on
// (a killed service's), is ErrNoService: the command works on its own.
func TestNoServiceWhenNothingAnswers(t *testing.T) {
	dir := t.TempDir()
	c := &Client{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	if _, err := c.Run(context.Background(), filepath.Join(dir, "none.sock")); !errors.Is(err, ErrNoService) {
		t.Fatalf("no socket: %v", err)
	}
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	os.Chmod(stale, 0o600)
	if _, err := c.Run(context.Background(), stale); !errors.Is(err, ErrNoService) {
		t.Fatalf("a socket nobody listens on: %v", err)
	}
}

// TestSocketOpenToOthersRefused: the client does not talk to a socket
// other users could have made or could use.
func TestSocketOpenToOthersRefused(t *testing.T) {
	path, _ := listen(t, Config{Run: func(context.Context, *Session) int { return 0 }})
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	c := &Client{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	if _, err := c.Run(context.Background(), path); err == nil || !strings.Contains(err.Error(), "open to other users (mode 0666)") {
		t.Fatalf("got %v", err)
	}
	plain := filepath.Join(t.TempDir(), "file")
	os.WriteFile(plain, nil, 0o600)
	if err := CheckSocket(plain); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Fatalf("a plain file: %v", err)
	}
}

// TestHandshakeLimit: connections that have not finished the handshake
// are counted; one over the limit is closed before any SSH byte.
func TestHandshakeLimit(t *testing.T) {
	const max = 3
	path, _ := listen(t, Config{MaxPending: max, Run: func(context.Context, *Session) int { return 0 }})
	for range max {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// The server's version line comes once the connection is counted.
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.HasPrefix(line, "SSH-2.0-") {
			t.Fatalf("pending connection: %q %v", line, err)
		}
	}
	over, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer over.Close()
	if n, err := over.Read(make([]byte, 64)); n != 0 || err != io.EOF {
		t.Fatalf("connection over the limit: read %d bytes, %v; want it closed", n, err)
	}
	// A client closed at once (over the limit, or not an admitted user)
	// is told what may be wrong.
	c := &Client{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	if _, err := c.Run(context.Background(), path); err == nil || !strings.Contains(err.Error(), "closed the connection at once: only its own OS user and the members of its socket group") {
		t.Fatalf("client over the limit: %v", err)
	}
}

// TestSessionLimit: a command over MaxSessions is refused with a message
// and exit 1; the running one is not disturbed.
func TestSessionLimit(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	path, _ := listen(t, Config{MaxSessions: 1, Run: func(ctx context.Context, s *Session) int {
		close(started)
		<-release
		return 0
	}})
	first := make(chan int, 1)
	go func() {
		c := &Client{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
		code, _ := c.Run(context.Background(), path)
		first <- code
	}()
	<-started
	var errb bytes.Buffer
	c := &Client{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb}
	code, err := c.Run(context.Background(), path)
	if err != nil || code != 1 || !strings.Contains(errb.String(), "runs 1 commands already") {
		t.Fatalf("second command: exit %d, %v, %q", code, err, errb.String())
	}
	close(release)
	if code := <-first; code != 0 {
		t.Fatalf("first command: exit %d", code)
	}
}

// TestConnectionWithNoCommand: a connection of the service's own user
// that shakes hands and then starts no command stays counted against
// MaxPending, and is closed once HandshakeTimeout has passed.
func TestConnectionWithNoCommand(t *testing.T) {
	idle := func(t *testing.T, path string) gossh.Conn {
		t.Helper()
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		sc, _, _, err := gossh.NewClientConn(c, "guardroom", &gossh.ClientConfig{User: "guardroom", HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	never := func(context.Context, *Session) int { t.Error("a command ran"); return 0 }
	t.Run("counted", func(t *testing.T) {
		path, _ := listen(t, Config{MaxPending: 1, HandshakeTimeout: time.Hour, Run: never})
		idle(t, path)
		over, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer over.Close()
		if n, err := over.Read(make([]byte, 64)); n != 0 || err != io.EOF {
			t.Fatalf("a connection past the one with no command: read %d bytes, %v; want it closed", n, err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		// Long enough for the handshake itself under the race detector.
		path, _ := listen(t, Config{HandshakeTimeout: 500 * time.Millisecond, Run: never})
		sc := idle(t, path)
		closed := make(chan error, 1)
		go func() { closed <- sc.Wait() }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second): // a bound, not a wait: the close comes after 500ms
			t.Fatal("a connection with no command is still open")
		}
	})
}

// TestSessionTimeouts: a command at a terminal where nothing is typed
// ends after IdleTimeout, and any command after MaxLifetime; the client
// is told why. Its context ends as when a client goes.
func TestSessionTimeouts(t *testing.T) {
	waits := func(ctx context.Context, s *Session) int { <-ctx.Done(); return 1 }
	for _, tc := range []struct {
		name     string
		cfg      Config
		terminal bool
		want     string
	}{
		{"idle", Config{IdleTimeout: 20 * time.Millisecond, Run: waits}, true, "nothing was typed for 20ms"},
		{"lifetime", Config{MaxLifetime: 20 * time.Millisecond, Run: waits}, false, "it has run for 20ms, the longest a session may"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, _ := listen(t, tc.cfg)
			var errb bytes.Buffer
			c := &Client{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb}
			if tc.terminal {
				ptmx, tty, err := pty.Open()
				if err != nil {
					t.Fatal(err)
				}
				defer ptmx.Close()
				defer tty.Close()
				c.Stdin, c.Stdout = tty, tty
			}
			ran := make(chan struct{})
			go func() { defer close(ran); c.Run(context.Background(), path) }()
			select {
			case <-ran:
			case <-time.After(10 * time.Second): // a bound: the timeout is 20ms
				t.Fatal("the session was not ended")
			}
			if !strings.Contains(errb.String(), "the service ended this session: "+tc.want) {
				t.Fatalf("stderr %q, want it to say %q", errb.String(), tc.want)
			}
		})
	}
}
