package vista

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
)

// Secrets of the tests, distinctive so that a leak is found.
const (
	testPassword = "Pw-7Kq2"
	testMaster   = "8642"
	testInstall  = "4112"
)

var bg = context.Background()

// startSim serves a simulator on a loopback port until the test ends. Its
// log lines are collected in logs.
func startSim(t testing.TB, o SimOptions) (*Simulator, string, *logLines) {
	t.Helper()
	if o.Password == "" {
		o.Password = testPassword
	}
	if o.MasterCode == "" {
		o.MasterCode = testMaster
	}
	logs := &logLines{}
	o.Logf = logs.add
	s := NewSimulator(o)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s, l.Addr().String(), logs
}

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, sprintf(format, args...))
}

func (l *logLines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// openDriver opens a driver of addr with the test's secrets; opts are its
// options (confirm defaults to 2s so that a refused change fails soon).
func openDriver(t testing.TB, addr string, edit func(*drivers.Config)) *Driver {
	t.Helper()
	cfg := drivers.Config{Address: addr, Password: testPassword, MasterCode: testMaster, ArmCode: testMaster,
		Options: map[string]string{"confirm": "2s"}}
	if edit != nil {
		edit(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// noSecret fails the test if msg (an error or a log line) holds a secret.
// The address is taken out first: a port number may hold any four digits.
func noSecret(t testing.TB, addr, msg string, secrets ...string) {
	t.Helper()
	msg = strings.ReplaceAll(msg, addr, "ADDR")
	for _, s := range append(secrets, testPassword, testMaster) {
		if strings.Contains(msg, s) {
			t.Errorf("a secret is in %q", msg)
		}
	}
}

func refusal(t testing.TB, err error, kind drivers.RefusalKind) *drivers.Refusal {
	t.Helper()
	var r *drivers.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("got %v, want a refusal (%s)", err, kind)
	}
	if r.Kind != kind {
		t.Fatalf("refusal %q is %s, want %s", r.Reason, r.Kind, kind)
	}
	if drivers.Transient(err) {
		t.Fatalf("refusal %v is transient", err)
	}
	return r
}

// fakeEVL is a scripted Envisalink for what the simulator does not do:
// each connection runs serve with a line reader and the raw connection.
type fakeEVL struct {
	addr  string
	conns chan net.Conn
}

func startFake(t testing.TB, serve func(c net.Conn, r *bufio.Reader)) *fakeEVL {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEVL{addr: l.Addr().String(), conns: make(chan net.Conn, 16)}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		for {
			select {
			case c := <-f.conns:
				c.Close()
				continue
			default:
			}
			break
		}
		wg.Wait()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.conns <- c
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				serve(c, bufio.NewReader(c))
			})
		}
	}()
	return f
}

// fakeLogin is the fake's login: "Login:", the password, "OK" and a %02 of
// partition 1 ready and its keypad.
func fakeLogin(c net.Conn, r *bufio.Reader) bool {
	c.Write([]byte("Login:\r\n"))
	pw, err := readLine(r, 64)
	if err != nil || pw != testPassword {
		c.Write([]byte("FAILED\r\n"))
		return false
	}
	c.Write([]byte("OK\r\n%02,0100000000000000$\r\n%00,01,1C08,08,00,****DISARMED****  Ready to Arm  $\r\n"))
	return true
}

// readCommand reads one ^CC,data$ command.
func readCommand(r *bufio.Reader) (string, error) {
	s, err := r.ReadString('$')
	if err != nil {
		return "", err
	}
	if i := strings.IndexByte(s, '^'); i >= 0 {
		s = s[i:]
	}
	return s, nil
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
