package vista

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
)

// rawSession is a bare TCP client of the simulator: the login, then
// commands written and answers read with bufio, nothing else.
type rawSession struct {
	c net.Conn
	r *bufio.Reader
}

func rawLogin(b *testing.B, addr string) *rawSession {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	s := &rawSession{c: c, r: bufio.NewReader(c)}
	if line, _ := s.r.ReadString('\n'); line != "Login:\r\n" {
		b.Fatalf("prompt %q", line)
	}
	c.Write([]byte(testPassword + eol))
	if line, _ := s.r.ReadString('\n'); line != "OK\r\n" {
		b.Fatalf("login %q", line)
	}
	return s
}

// keys types keys on partition 1, each ^03 written and its ^03,00$ read,
// then reads until the %02 that holds state.
func (s *rawSession) keys(b *testing.B, keys, state string) {
	var buf []byte
	want, seen := "%02,"+state+"$", false
	for i := 0; i < len(keys); i++ {
		buf = append(AppendKeypress(buf[:0], 1, keys[i]), eol...)
		if _, err := s.c.Write(buf); err != nil {
			b.Fatal(err)
		}
		for {
			f, err := s.r.ReadString('$')
			if err != nil {
				b.Fatal(err)
			}
			seen = seen || strings.HasSuffix(f, want)
			if strings.HasSuffix(f, "^03,00$") {
				break
			}
		}
	}
	for !seen {
		f, err := s.r.ReadString('$')
		if err != nil {
			b.Fatal(err)
		}
		seen = strings.HasSuffix(f, want)
	}
}

// BenchmarkArmRoundTrip arms partition 1 away and disarms it again (code+2,
// code+1: ten ^03 keystrokes, each acknowledged, and the partition state
// that confirms each), once through the driver and once with bare TCP
// writes and reads of the same frames, interleaved in the same run against
// two simulators. One op is one arm and one disarm each way; it reports
// raw-ns/op, driver-ns/op and their ratio (x-raw).
func BenchmarkArmRoundTrip(b *testing.B) {
	_, rawAddr, _ := startSim(b, SimOptions{})
	_, drvAddr, _ := startSim(b, SimOptions{})
	raw := rawLogin(b, rawAddr)
	d := openDriver(b, drvAddr, nil)
	if _, err := d.ReadPartitions(bg); err != nil {
		b.Fatal(err)
	}
	const armed, ready = "0500000000000000", "0100000000000000"
	rawOp := func() {
		raw.keys(b, testMaster+"2", armed)
		raw.keys(b, testMaster+"1", ready)
	}
	drvOp := func() {
		if err := d.Arm(bg, 1, drivers.Away); err != nil {
			b.Fatal(err)
		}
		if err := d.Disarm(bg, 1); err != nil {
			b.Fatal(err)
		}
	}
	var rawT, drvT time.Duration
	odd := false
	for b.Loop() {
		// Each goes first every other time, so that neither always
		// follows the other's wake-ups.
		odd = !odd
		if odd {
			t0 := time.Now()
			rawOp()
			t1 := time.Now()
			drvOp()
			rawT, drvT = rawT+t1.Sub(t0), drvT+time.Since(t1)
		} else {
			t0 := time.Now()
			drvOp()
			t1 := time.Now()
			rawOp()
			drvT, rawT = drvT+t1.Sub(t0), rawT+time.Since(t1)
		}
	}
	b.ReportMetric(float64(rawT.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(drvT.Nanoseconds())/float64(b.N), "driver-ns/op")
	b.ReportMetric(float64(drvT)/float64(rawT), "x-raw")
}

// BenchmarkProgram100Codes programs 100 user codes (users 003-102 of a
// 150-user panel: master+8+UUU+CCCC, twelve keystrokes, each acknowledged,
// and the confirming beep) through the driver into the simulator, with the
// simulated keypad taking each key at once and with it taking 2 ms a key.
// One op is 100 codes; it reports ns/code.
func BenchmarkProgram100Codes(b *testing.B) {
	for _, delay := range []time.Duration{0, 2 * time.Millisecond} {
		b.Run(fmt.Sprintf("keydelay=%v", delay), func(b *testing.B) {
			s, addr, _ := startSim(b, SimOptions{Slots: 150, KeyDelay: delay})
			d := openDriver(b, addr, func(c *drivers.Config) { c.Slots = 150 })
			program := func() {
				for slot := 3; slot < 103; slot++ {
					if err := d.SetCode(bg, drivers.User{Slot: slot}, fmt.Sprintf("%04d", 5000+7*slot)); err != nil {
						b.Fatalf("user %d: %v", slot, err)
					}
				}
			}
			program()
			if c, _ := s.Code(102); c != fmt.Sprintf("%04d", 5000+7*102) {
				b.Fatal("user 102 not programmed")
			}
			for b.Loop() {
				program()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(100*b.N), "ns/code")
		})
	}
}
