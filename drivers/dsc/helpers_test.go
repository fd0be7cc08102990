package dsc

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
)

// Secrets the tests use: distinctive, so that a leak shows.
const (
	testPassword = "pw7Qx2"
	testMaster   = "9731"
	testArmCode  = "8642"
	testUserCode = "5173"
)

// waitLimit bounds every wait of a test that fails (not a timing).
const waitLimit = 20 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// startSim serves a simulator on a loopback port.
func startSim(t testing.TB, opt SimOptions) (*Simulator, string) {
	t.Helper()
	if opt.Password == "" {
		opt.Password = testPassword
	}
	if opt.MasterCode == "" {
		opt.MasterCode = testMaster
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewSimulator(opt)
	s.mu.Lock()
	s.codes[2] = testArmCode
	s.mu.Unlock()
	go s.Serve(l)
	t.Cleanup(s.Close)
	return s, l.Addr().String()
}

// logSink collects a driver's log lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, sprintf(format, args...))
}

func (l *logSink) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// openTPI opens the envisalink-dsc driver on addr with short back-off
// and keypad waits; change edits the configuration first.
func openTPI(t testing.TB, addr string, change func(*drivers.Config)) (*Driver, *logSink) {
	t.Helper()
	cfg := drivers.Config{
		Address: addr, Family: "dsc-pc1864", Password: testPassword, MasterCode: testMaster, ArmCode: testArmCode,
		Options: map[string]string{"backoff": "5ms", "step": "5s"},
	}
	if change != nil {
		change(&cfg)
	}
	d, err := NewEnvisalink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logSink{}
	d.SetLogger(logs.logf)
	t.Cleanup(func() { d.Close() })
	return d, logs
}

// simDriver serves a simulator and opens the envisalink-dsc driver on it.
func simDriver(t testing.TB, opt SimOptions, change func(*drivers.Config)) (*Simulator, *Driver, *logSink) {
	t.Helper()
	sim, addr := startSim(t, opt)
	d, logs := openTPI(t, addr, change)
	return sim, d, logs
}

// openFake opens the envisalink-dsc driver on a fake TPI, dialling again
// only after an hour, with timing adjusted by tune.
func openFake(t *testing.T, addr string, tune func(*timing)) *Driver {
	t.Helper()
	d, err := newEnvisalink(drivers.Config{Address: addr, Password: testPassword, Options: map[string]string{"backoff": "1h"}}, tune)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// fakeTPI accepts one connection on a loopback port and runs script on
// it: a peer that misbehaves on purpose.
func fakeTPI(t *testing.T, script func(c net.Conn, r *bufio.Reader)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				script(c, bufio.NewReader(c))
			}()
		}
	}()
	return l.Addr().String()
}

// send writes frames to a raw connection.
func send(c net.Conn, fs ...Frame) {
	for _, f := range fs {
		c.Write(f.Encode())
	}
}

// readFrame reads the next good frame from a raw connection.
func readFrame(t *testing.T, r *bufio.Reader) (Frame, error) {
	for {
		l, err := r.ReadBytes('\n')
		if err != nil {
			return Frame{}, err
		}
		if f, err := ParseLine(l[:len(l)-1]); err == nil {
			return f, nil
		}
	}
}

// loginRaw reads 5053 and logs in on a raw connection to a simulator.
func loginRaw(t *testing.T, c net.Conn, r *bufio.Reader) {
	t.Helper()
	c.SetDeadline(time.Now().Add(waitLimit))
	if f, err := readFrame(t, r); err != nil || f != (Frame{Cmd: RespLogin, Data: "3"}) {
		t.Fatalf("first frame = %v, %v; want 5053", f, err)
	}
	send(c, Frame{Cmd: CmdLogin, Data: testPassword})
	for {
		f, err := readFrame(t, r)
		if err != nil {
			t.Fatal(err)
		}
		if f.Cmd == RespLogin {
			if f.Data != "1" {
				t.Fatalf("login answer %v", f)
			}
			return
		}
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
