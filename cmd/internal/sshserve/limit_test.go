package sshserve_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/cmd/internal/sshserve"
)

// rawConn is a TCP connection to the server from the loopback address
// from ("127.0.0.2"), which speaks no SSH unless told to.
func (h *harness) rawConn(t *testing.T, from string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: waitLimit, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", h.addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// serverVersion reads the server's version line. An accepted connection
// gets it at once; a refused one is closed without a byte, which gives "".
func serverVersion(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	line, err := bufio.NewReader(c).ReadString('\n')
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("no version line and no close from the server within %s", waitLimit)
	}
	return line
}

// waitClosed waits for the server to close c, reading (and discarding)
// whatever it sends until then.
func waitClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not close the connection from %s within %s", c.LocalAddr(), waitLimit)
	}
}

// poll re-checks cond until it holds, failing after waitLimit. For counts
// that change on the server's goroutines with nothing to wait on.
func poll(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; state: %s", what, state)
		}
		<-tick.C
	}
}

func unauthenticated(h *harness, want int) func() (bool, string) {
	return func() (bool, string) {
		n := h.srv.Unauthenticated()
		return n == want, fmt.Sprintf("Unauthenticated() = %d, want %d", n, want)
	}
}

// Idle connections that never send a version line cannot lock operators
// out: past the per-address cap they are closed at once; at the total, an
// operator from another address takes the place of the busiest address's
// oldest connection and logs in; once authenticated it no longer counts.
func TestUnauthenticatedCaps(t *testing.T) {
	h := newHarness(t, func(c *sshserve.Config) {
		c.MaxUnauthenticated = 4
		c.MaxUnauthenticatedPerAddr = 2
		c.HandshakeTimeout = time.Hour // only the caps act here
	})
	accepted := func(from string) net.Conn {
		t.Helper()
		c := h.rawConn(t, from)
		if v := serverVersion(t, c); !strings.HasPrefix(v, "SSH-2.0-") {
			t.Fatalf("connection from %s within the caps: got %q, want the server's version", from, v)
		}
		return c
	}
	refused := func(from, why string) {
		t.Helper()
		if v := serverVersion(t, h.rawConn(t, from)); v != "" {
			t.Fatalf("connection from %s over %s: got %q, want it closed at once", from, why, v)
		}
	}

	a := []net.Conn{accepted("127.0.0.2"), accepted("127.0.0.2")}
	for range 3 {
		refused("127.0.0.2", "the per-address cap")
	}
	b := []net.Conn{accepted("127.0.0.3"), accepted("127.0.0.3")}
	refused("127.0.0.3", "the per-address cap")
	if n := h.srv.Unauthenticated(); n != 4 {
		t.Fatalf("Unauthenticated() = %d, want the total of 4", n)
	}

	// The total is reached, and an operator's key still logs in: the
	// oldest connection of the busiest addresses makes room.
	con := openConsole(t, h.mustDial(t, h.alice), termOpts{})
	con.waitScreen("hello alice")
	waitClosed(t, a[0])
	if n := h.srv.Unauthenticated(); n != 3 {
		t.Errorf("Unauthenticated() = %d with three idle connections and one authenticated, want 3", n)
	}

	// One more from a new address fits; its second does not, as no
	// address holds two more than it.
	accepted("127.0.0.4")
	refused("127.0.0.4", "the total cap")

	// A connection that goes away frees its place.
	b[0].Close()
	poll(t, "the closed connection to leave the count", unauthenticated(h, 3))
	accepted("127.0.0.4")

	h.srv.Broadcast(noteMsg("still here"))
	con.waitScreen("note: still here")
	logs := h.logs.String()
	for _, want := range []string{
		`msg="ssh connection refused: too many connections not yet authenticated" remote=127.0.0.2:`,
		`limit="2 from this address"`,
		`msg="ssh connection closed to make room: too many connections not yet authenticated" remote=` + a[0].LocalAddr().String() + " for=127.0.0.1:",
		`remote=127.0.0.4:`,
		`limit="4 in total"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// The handshake deadline closes a connection that has not authenticated
// in time, silent or stalled mid-handshake, and leaves an authenticated
// session alone. (1 s, not less: alice's own handshake must finish within
// it on a loaded machine.)
func TestHandshakeTimeout(t *testing.T) {
	h := newHarness(t, func(c *sshserve.Config) { c.HandshakeTimeout = time.Second })
	c := h.mustDial(t, h.alice)
	con := openConsole(t, c, termOpts{})
	con.waitScreen("hello alice")

	// Both accepted after alice's connection, so their deadlines come later.
	tests := []struct {
		name string
		send string
		raw  net.Conn
	}{
		{name: "silent"},
		{name: "version line, then nothing", send: "SSH-2.0-slowloris\r\n"},
	}
	for i := range tests {
		tests[i].raw = h.rawConn(t, "127.0.0.1")
		if v := serverVersion(t, tests[i].raw); !strings.HasPrefix(v, "SSH-2.0-") {
			t.Fatalf("%s: got %q, want the server's version", tests[i].name, v)
		}
		if _, err := io.WriteString(tests[i].raw, tests[i].send); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { waitClosed(t, tc.raw) })
	}
	poll(t, "the timed-out connections to leave the count", unauthenticated(h, 0))
	if !strings.Contains(h.logs.String(), `msg="ssh connection closed: not authenticated in time"`) {
		t.Error("the log does not say why the connections were closed")
	}

	// alice's connection is older than both, and its session still runs.
	h.srv.Broadcast(noteMsg("still here"))
	con.waitScreen("note: still here")
	h.mu.Lock()
	ends := len(h.ends)
	h.mu.Unlock()
	if ends != 0 {
		t.Fatalf("%d sessions ended, want alice's still running", ends)
	}
	con.press("q")
	if e := h.waitEnd(t, c); e.reason != sshserve.ReasonQuit {
		t.Errorf("end reason %q, want quit", e.reason)
	}
}

// A flood of refusals writes a bounded number of log lines and one line
// that counts the rest.
func TestRefusalLogLimit(t *testing.T) {
	const refusals, lines = 1000, 5
	h := newHarness(t, func(c *sshserve.Config) {
		c.MaxUnauthenticatedPerAddr = 1
		c.HandshakeTimeout = time.Hour
		c.RefusalLogLines = lines
		c.RefusalLogInterval = time.Hour // the summary comes at shutdown
	})
	if v := serverVersion(t, h.rawConn(t, "127.0.0.2")); !strings.HasPrefix(v, "SSH-2.0-") {
		t.Fatalf("first connection: got %q", v)
	}
	for i := range refusals {
		c := h.rawConn(t, "127.0.0.2")
		if v := serverVersion(t, c); v != "" {
			t.Fatalf("connection %d over the cap: got %q, want it closed at once", i+2, v)
		}
		c.Close()
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	var refused, summaries []string
	for line := range strings.Lines(h.logs.String()) {
		switch {
		case strings.Contains(line, "too many connections not yet authenticated"):
			refused = append(refused, line)
		case strings.Contains(line, "more refusals suppressed"):
			summaries = append(summaries, line)
		}
	}
	if len(refused) != lines {
		t.Errorf("%d refusal lines, want %d", len(refused), lines)
	}
	want := fmt.Sprintf("… %d more refusals suppressed", refusals-lines)
	if len(summaries) != 1 || !strings.Contains(summaries[0], want) {
		t.Errorf("summary lines %q, want one with %q", summaries, want)
	}
	if n := strings.Count(h.logs.String(), "\n"); n > 50 {
		t.Errorf("%d log lines for %d refusals", n, refusals)
	}
}

// OpenSSH's client logs in while idle connections from other addresses
// fill every place (skipped when ssh is not installed).
func TestOpenSSHUnderIdleConnections(t *testing.T) {
	bin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("OpenSSH's ssh is not installed")
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *sshserve.Config) {
		c.MaxUnauthenticated = 4
		c.MaxUnauthenticatedPerAddr = 2
		c.HandshakeTimeout = time.Hour
		authorize := c.Authorize
		c.Authorize = func(ctx context.Context, key gossh.PublicKey, user, remote string) (sshserve.Identity, error) {
			if sameKey(key, signer.PublicKey()) {
				return sshserve.Identity{Operator: "carol"}, nil
			}
			return authorize(ctx, key, user, remote)
		}
	})
	for _, from := range []string{"127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"} {
		if v := serverVersion(t, h.rawConn(t, from)); !strings.HasPrefix(v, "SSH-2.0-") {
			t.Fatalf("idle connection from %s: got %q", from, v)
		}
	}

	dir := t.TempDir()
	keyFile := filepath.Join(dir, "id_ed25519")
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(dir, "known_hosts")
	host, port, _ := net.SplitHostPort(h.addr)
	line := fmt.Sprintf("[%s]:%s %s", host, port, gossh.MarshalAuthorizedKey(h.srv.HostKey()))
	if err := os.WriteFile(known, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "/dev/null", "-T", "-p", port, "-i", keyFile,
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile="+known,
		"-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", "ops@"+host)
	cmd.Stdin = strings.NewReader("")
	out, _ := cmd.CombinedOutput()
	// Without a terminal the console refuses, but only after the key logged in.
	if !strings.Contains(string(out), "guardroom's console needs a terminal") {
		t.Fatalf("ssh output %q: want the console's answer to an authenticated client", out)
	}
}
