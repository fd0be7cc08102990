package dsc

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
)

// rawTPI is the baseline: a bare TCP client that writes the driver's
// frames and reads until the frames the driver waits for, with no
// session, no status and no checks beyond matching them.
type rawTPI struct {
	c net.Conn
	r *bufio.Reader
}

func dialRaw(b *testing.B, addr string) *rawTPI {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	r := bufio.NewReader(c)
	if _, err := r.ReadBytes('\n'); err != nil { // 5053
		b.Fatal(err)
	}
	c.Write(Frame{Cmd: CmdLogin, Data: testPassword}.Encode())
	raw := &rawTPI{c: c, r: r}
	raw.until(RespLogin, "1")
	return raw
}

// until reads lines until one is cmd with data.
func (raw *rawTPI) until(cmd Code, data string) {
	want := string(cmd) + data
	for {
		l, err := raw.r.ReadSlice('\n')
		if err != nil {
			panic(err)
		}
		if len(l) == len(want)+4 && string(l[:len(want)]) == want {
			return
		}
	}
}

// armDisarm arms partition 1 away (030 until 500030 and the exit delay,
// 656) and disarms it (040 until 655 and the readiness that follows, 650),
// as the driver's Arm and Disarm do.
func (raw *rawTPI) armDisarm() {
	raw.c.Write(Frame{Cmd: CmdArmAway, Data: "1"}.Encode())
	raw.until(RespExitDelay, "1")
	raw.c.Write(Frame{Cmd: CmdDisarm, Data: "1" + testArmCode}.Encode())
	raw.until(RespDisarmed, "1")
	raw.until(RespReady, "1")
}

// BenchmarkArmRoundTrip arms and disarms partition 1 through the driver
// and through a raw TCP client sending the same frames to a second
// simulator, interleaved in the same loop, and reports both and their
// ratio (issue 17: at most 1.25).
func BenchmarkArmRoundTrip(b *testing.B) {
	_, addrD := startSim(b, SimOptions{})
	_, addrR := startSim(b, SimOptions{})
	d, _ := openTPI(b, addrD, nil)
	d.SetLogger(nil) // as in production: no log sink
	ctx := context.Background()
	if _, err := d.ReadPartitions(ctx); err != nil {
		b.Fatal(err)
	}
	raw := dialRaw(b, addrR)
	defer raw.c.Close()
	var tDriver, tRaw time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if err := d.Arm(ctx, 1, drivers.Away); err != nil {
			b.Fatal(err)
		}
		if err := d.Disarm(ctx, 1); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		raw.armDisarm()
		t2 := time.Now()
		tDriver += t1.Sub(t0)
		tRaw += t2.Sub(t1)
	}
	b.ReportMetric(float64(tDriver.Nanoseconds())/float64(b.N), "driver-ns/op")
	b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(tDriver)/float64(tRaw), "ratio")
}

// BenchmarkHundredCodes programs 100 codes by keystrokes into the
// simulator, with a keypad that answers at once and with one that takes
// 5 ms a key, and reports the time per code.
func BenchmarkHundredCodes(b *testing.B) {
	for _, delay := range []time.Duration{0, 5 * time.Millisecond} {
		b.Run(fmt.Sprintf("keydelay=%s", delay), func(b *testing.B) {
			if delay > 0 && testing.Short() {
				b.Skip("about 4 s an iteration: skipped under -short")
			}
			_, d, _ := simDriver(b, SimOptions{KeyDelay: delay}, nil)
			d.SetLogger(nil)
			ctx := context.Background()
			if _, err := d.ReadPartitions(ctx); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for n := range b.N {
				for i := range 100 {
					slot := i%90 + 3 // 03-92: the master's 40 is skipped below
					if slot == 40 {
						slot = 93
					}
					if err := d.SetCode(ctx, drivers.User{Slot: slot}, fmt.Sprintf("%04d", 1000+(n*100+i)%9000)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(100*b.N), "ns/code")
		})
	}
}
