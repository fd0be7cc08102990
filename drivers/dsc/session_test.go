package dsc

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

func TestRegistered(t *testing.T) {
	_, addr := startSim(t, SimOptions{})
	p, err := drivers.Open("envisalink-dsc", drivers.Config{Address: addr, Family: "dsc-pc1832", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	id, err := p.Identify(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := drivers.Identity{Vendor: "DSC", Model: "DSC PowerSeries PC1832 via Envisalink TPI", Slots: 72, Partitions: 4, CodeLength: 4}
	if id != want {
		t.Errorf("Identify = %+v, want %+v", id, want)
	}
	if _, ok := p.(drivers.CodedArming); !ok {
		t.Error("the driver does not implement drivers.CodedArming")
	}
	if c := p.Capabilities(); c.ReadBack || !c.Users || !c.ArmDisarm || !c.Partitions {
		t.Errorf("Capabilities = %+v: want users, arming and partitions, no read-back", c)
	}
	if !strings.Contains(strings.Join(drivers.Names(), ","), "it100") {
		t.Errorf("it100 not registered: %v", drivers.Names())
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  drivers.Config
		says string
	}{
		{"Neo", drivers.Config{Address: "h", Family: "neo-hs2064", Password: "user"}, "ITv2"},
		{"Qolsys", drivers.Config{Address: "h", Family: "qolsys-iq4", Password: "user"}, "not a DSC PowerSeries"},
		{"no password", drivers.Config{Address: "h", Family: "dsc-pc1864"}, "TPI password"},
		{"no address", drivers.Config{Family: "dsc-pc1864", Password: "user"}, "no address"},
		{"bad option", drivers.Config{Address: "h", Password: "user", Options: map[string]string{"unit": "1"}}, "unknown option"},
		{"baud on TCP", drivers.Config{Address: "h", Password: "user", Options: map[string]string{"baud": "9600"}}, "it100 driver only"},
		{"code length", drivers.Config{Address: "h", Password: "user", CodeLength: 5}, "4 or 6"},
		{"master code form", drivers.Config{Address: "h", Password: "user", MasterCode: "12a4"}, "master code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewEnvisalink(tt.cfg)
			if err == nil {
				d.Close()
				t.Fatalf("NewEnvisalink(%+v) succeeded", tt.cfg)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

// TestLoginRejected: a wrong password is a configuration error, and the
// driver does not dial again for it (no retry storm).
func TestLoginRejected(t *testing.T) {
	sim, d, _ := simDriver(t, SimOptions{}, func(c *drivers.Config) { c.Password = "wrong1" })
	for range 5 {
		_, err := d.Identify(testCtx(t))
		if !drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "rejected the TPI password") {
			t.Fatalf("Identify = %v: want a misconfiguration saying the password was rejected", err)
		}
		if strings.Contains(err.Error(), "wrong1") {
			t.Fatalf("the error shows the password: %v", err)
		}
	}
	if n := sim.View().Accepted; n != 1 {
		t.Errorf("the driver connected %d times after a rejected password, want 1", n)
	}
}

// TestLoginTimeout: the simulator closes a session that sends no
// password (5052), and the driver gives up on a TPI that never answers 005.
func TestLoginTimeout(t *testing.T) {
	t.Run("simulator", func(t *testing.T) {
		_, addr := startSim(t, SimOptions{LoginTimeout: 20 * time.Millisecond})
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(waitLimit))
		r := bufio.NewReader(c)
		var got []Frame
		for {
			f, err := readFrame(t, r)
			if err != nil {
				break
			}
			got = append(got, f)
		}
		want := []Frame{{Cmd: RespLogin, Data: "3"}, {Cmd: RespLogin, Data: "2"}}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("frames before the close = %v, want %v", got, want)
		}
	})
	t.Run("driver", func(t *testing.T) {
		addr := fakeTPI(t, func(c net.Conn, r *bufio.Reader) {
			send(c, Frame{Cmd: RespLogin, Data: "3"})
			readFrame(t, r) // the 005, never answered
			r.ReadByte()    // until the driver hangs up
		})
		d := openFake(t, addr, func(tm *timing) { tm.login = 50 * time.Millisecond })
		_, err := d.Identify(testCtx(t))
		if !errors.Is(err, drivers.ErrTimeout) || !drivers.Transient(err) || !strings.Contains(err.Error(), "505") {
			t.Errorf("Identify = %v: want a transient timeout naming the 505 that never came", err)
		}
	})
	t.Run("not a DSC TPI", func(t *testing.T) {
		addr := fakeTPI(t, func(c net.Conn, r *bufio.Reader) {
			c.Write([]byte("Login:\r\n"))
			r.ReadByte()
		})
		d := openFake(t, addr, func(tm *timing) { tm.login = 50 * time.Millisecond })
		_, err := d.Identify(testCtx(t))
		if !drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "envisalink-vista") {
			t.Errorf("Identify = %v: want a misconfiguration pointing at the Vista driver", err)
		}
	})
}

// TestOneClient: the simulated Envisalink takes one client; a second
// driver is told why it cannot connect, and the first keeps working.
func TestOneClient(t *testing.T) {
	_, addr := startSim(t, SimOptions{})
	a, _ := openTPI(t, addr, nil)
	if _, err := a.Identify(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	b, _ := openTPI(t, addr, func(c *drivers.Config) { c.Options["backoff"] = "1h" })
	_, err := b.Identify(testCtx(t))
	if !errors.Is(err, drivers.ErrOffline) || !strings.Contains(err.Error(), "one client only") {
		t.Errorf("second client: %v: want offline, saying the Envisalink takes one client only", err)
	}
	if _, err := a.ReadPartitions(testCtx(t)); err != nil {
		t.Errorf("first client after the second was refused: %v", err)
	}
}

// TestChecksums: the simulator answers a bad or lower-case checksum with
// 501; the driver counts a corrupted frame and keeps the good ones, and a
// 501 to its own command is a transient error.
func TestChecksums(t *testing.T) {
	t.Run("simulator answers 501", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{})
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		r := bufio.NewReader(c)
		loginRaw(t, c, r)
		for _, line := range []string{"0301C5\r\n", "0301c4\r\n"} {
			c.Write([]byte(line))
			if f, err := readFrame(t, r); err != nil || f.Cmd != RespCommandError {
				t.Fatalf("answer to %q = %v, %v; want 501", line, f, err)
			}
		}
		if v := sim.View(); v.Partitions[0].ExitDelay || v.Partitions[0].Armed || v.Stats.BadChecksums != 2 {
			t.Errorf("after two bad frames: %+v: want nothing armed and 2 bad checksums counted", v)
		}
	})
	t.Run("driver", func(t *testing.T) {
		addr := fakeTPI(t, func(c net.Conn, r *bufio.Reader) {
			send(c, Frame{Cmd: RespLogin, Data: "3"})
			readFrame(t, r)
			send(c, Frame{Cmd: RespAck, Data: "005"}, Frame{Cmd: RespLogin, Data: "1"})
			for {
				f, err := readFrame(t, r)
				if err != nil {
					return
				}
				switch f.Cmd {
				case CmdStatus:
					send(c, Frame{Cmd: RespAck, Data: "001"})
					c.Write([]byte("6513D4\r\n")) // 651 1 with a wrong checksum
					send(c, Frame{Cmd: RespInAlarm, Data: "2"}, Frame{Cmd: RespReady, Data: "1"})
				case CmdPoll:
					send(c, Frame{Cmd: RespAck, Data: "000"})
				case CmdArmAway:
					send(c, Frame{Cmd: RespCommandError})
				}
			}
		})
		d, _ := openTPI(t, addr, nil)
		parts, err := d.ReadPartitions(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		want := []drivers.Partition{{Number: 1, State: family.Disarmed}, {Number: 2, State: family.Alarm}}
		if len(parts) != 2 || parts[0] != want[0] || parts[1] != want[1] {
			t.Errorf("ReadPartitions = %v, want %v", parts, want)
		}
		if st := d.Stats(); st.BadChecksums != 1 {
			t.Errorf("Stats = %+v, want 1 bad checksum", st)
		}
		err = d.Arm(testCtx(t), 1, drivers.Away)
		if !drivers.Transient(err) || !strings.Contains(err.Error(), "501") {
			t.Errorf("Arm answered by 501 = %v: want a transient error naming 501", err)
		}
	})
}

// TestReconnect: a dropped connection is dialled again with back-off,
// one connection at a time, and the status is asked for again.
func TestReconnect(t *testing.T) {
	sim, d, _ := simDriver(t, SimOptions{}, nil)
	if _, err := d.ReadPartitions(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sim.mu.Lock()
	for c := range sim.conns {
		c.Close()
	}
	sim.mu.Unlock()
	if err := sim.Wait(testCtx(t), func(v SimView) bool { return v.Accepted == 2 && v.Connected }); err != nil {
		t.Fatalf("no second connection: %v", err)
	}
	var parts []drivers.Partition
	var err error
	for range 100 { // the first call may still see the dead connection's error
		if parts, err = d.ReadPartitions(testCtx(t)); err == nil {
			break
		}
		if !drivers.Transient(err) {
			t.Fatal(err)
		}
		sim.Wait(testCtx(t), func(v SimView) bool { return v.Connected })
	}
	if err != nil || len(parts) != 1 || parts[0].State != family.Disarmed {
		t.Errorf("after reconnecting: %v, %v", parts, err)
	}
}

// TestKeepAlive: an idle session polls (000); a connection whose polls go
// unanswered is closed and dialled again.
func TestKeepAlive(t *testing.T) {
	t.Run("polls", func(t *testing.T) {
		sim, addr := startSim(t, SimOptions{})
		polls := make(chan struct{}, 100)
		sim.mu.Lock()
		sim.dropOn = func(f Frame) bool {
			if f.Cmd == CmdPoll {
				select {
				case polls <- struct{}{}:
				default:
				}
			}
			return false
		}
		sim.mu.Unlock()
		d, _ := openTPI(t, addr, func(c *drivers.Config) { c.Options["keepalive"] = "5ms" })
		if _, err := d.Identify(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		ctx := testCtx(t)
		for range 3 {
			select {
			case <-polls:
			case <-ctx.Done():
				t.Fatal("no polls on an idle session")
			}
		}
	})
	t.Run("unanswered", func(t *testing.T) {
		accepted := make(chan struct{}, 10)
		addr := fakeTPI(t, func(c net.Conn, r *bufio.Reader) {
			accepted <- struct{}{}
			send(c, Frame{Cmd: RespLogin, Data: "3"})
			readFrame(t, r)
			send(c, Frame{Cmd: RespAck, Data: "005"}, Frame{Cmd: RespLogin, Data: "1"})
			for { // never acknowledges a poll
				if _, err := readFrame(t, r); err != nil {
					return
				}
			}
		})
		d, err := newEnvisalink(drivers.Config{Address: addr, Password: testPassword, Options: map[string]string{"backoff": "5ms", "keepalive": "5ms"}},
			func(tm *timing) { tm.reply = 20 * time.Millisecond })
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ctx := testCtx(t)
		for range 2 {
			select {
			case <-accepted:
			case <-ctx.Done():
				t.Fatal("the driver kept a connection whose polls go unanswered")
			}
		}
	})
}
