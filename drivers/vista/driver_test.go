package vista

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

func TestRegistered(t *testing.T) {
	p, err := drivers.Open(Name, drivers.Config{Address: "10.0.0.9"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d := p.(*Driver)
	if d.addr != "10.0.0.9:4025" {
		t.Errorf("address %s, want the default port 4025", d.addr)
	}
	if _, ok := p.(drivers.CodedArming); !ok {
		t.Error("not a drivers.CodedArming")
	}
	if c := p.Capabilities(); c.ReadBack || !c.Users || !c.Partitions || !c.ArmDisarm || c.Locks {
		t.Errorf("capabilities %+v", c)
	}
	for _, bad := range []drivers.Config{{Address: ""}, {Address: "h", Options: map[string]string{"timeout": "x"}}, {Address: "h", Options: map[string]string{"unit": "1s"}}} {
		if _, err := New(bad); err == nil {
			t.Errorf("%+v opened", bad)
		}
	}
}

func TestLoginAndState(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{Partitions: 2})
	d := openDriver(t, addr, nil)
	parts, err := d.ReadPartitions(bg)
	if err != nil {
		t.Fatal(err)
	}
	want := []drivers.Partition{{Number: 1, State: family.Disarmed}, {Number: 2, State: family.Disarmed}}
	if fmt.Sprint(parts) != fmt.Sprint(want) {
		t.Errorf("partitions %v, want %v", parts, want)
	}
	// The generation comes from the zone bits, which follow the
	// partition states.
	if err := d.wait(bg, mustSession(t, d), time.Minute, func(st *Status) (bool, error) { return st.ZonesSeq != 0, nil }); err != nil {
		t.Fatal(err)
	}
	id, err := d.Identify(bg)
	if err != nil {
		t.Fatal(err)
	}
	if id.Partitions != 2 || id.Slots != 49 || id.CodeLength != 4 || !strings.Contains(id.Model, "Envisalink 4") {
		t.Errorf("identity %+v", id)
	}
	s.Fault(5)
	if err := d.wait(bg, d.conn, time.Minute, func(st *Status) (bool, error) {
		return st.Zones.IsOpen(5) && strings.HasPrefix(st.Display(1), "FAULT"), nil
	}); err != nil {
		t.Fatal(err)
	}
	parts, _ = d.ReadPartitions(bg)
	if parts[0].State != family.NotReady || shows(d) != "FAULT 05 / DISARMED Hit *" {
		t.Errorf("after a fault: %v, keypad %q", parts, shows(d))
	}
	if d.Dials() != 1 {
		t.Errorf("%d dials, want 1", d.Dials())
	}
}

func TestLoginRefused(t *testing.T) {
	_, addr, _ := startSim(t, SimOptions{})
	d := openDriver(t, addr, func(c *drivers.Config) { c.Password = "wrong-one" })
	for i := range 3 {
		_, err := d.ReadPartitions(bg)
		if !drivers.IsMisconfigured(err) || drivers.Transient(err) {
			t.Fatalf("try %d: %v, want a misconfiguration", i, err)
		}
		noSecret(t, addr, err.Error(), "wrong-one")
	}
	if d.Dials() != 1 {
		t.Errorf("%d logins for a refused password, want 1 (no retry storm)", d.Dials())
	}
}

// The simulator times a silent client out as the specification says.
func TestSimLoginTimeout(t *testing.T) {
	_, addr, _ := startSim(t, SimOptions{LoginTimeout: 20 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "Login:\r\nTimed Out\r\n" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// A login that ends without OK is transient, and the next try waits for
// the back-off instead of dialling again at once.
func TestLoginTimeoutBacksOff(t *testing.T) {
	cases := []struct {
		name  string
		serve func(c net.Conn, r *bufio.Reader)
		want  error
	}{
		{"timed out", func(c net.Conn, r *bufio.Reader) {
			c.Write([]byte("Login:\r\n"))
			readLine(r, 64)
			c.Write([]byte("Timed Out\r\n"))
		}, drivers.ErrTimeout},
		{"no prompt", func(c net.Conn, r *bufio.Reader) { r.ReadByte() }, drivers.ErrTimeout},
		{"closed at once (another client holds it)", func(net.Conn, *bufio.Reader) {}, drivers.ErrOffline},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := startFake(t, c.serve)
			d := openDriver(t, f.addr, func(c *drivers.Config) { c.Options["timeout"] = "200ms" })
			ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
			defer cancel()
			_, err := d.ReadPartitions(ctx)
			if !errors.Is(err, c.want) || !drivers.Transient(err) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			_, err = d.ReadPartitions(bg)
			if !errors.Is(err, drivers.ErrOffline) || !strings.Contains(err.Error(), "next try") || d.Dials() != 1 {
				t.Fatalf("second try: %v after %d dials, want the back-off", err, d.Dials())
			}
		})
	}
	if backoff(1) != time.Second || backoff(3) != 4*time.Second || backoff(30) != time.Minute {
		t.Errorf("back-off %v %v %v", backoff(1), backoff(3), backoff(30))
	}
}

// The Envisalink takes one client: a second driver is told so, and one
// driver used from many goroutines holds one connection.
func TestOneClient(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{})
	d := openDriver(t, addr, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := d.ReadPartitions(bg)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if d.Dials() != 1 || s.Denied() != 0 {
		t.Fatalf("%d dials, %d denied: want one connection", d.Dials(), s.Denied())
	}
	other := openDriver(t, addr, nil)
	_, err := other.ReadPartitions(bg)
	if !errors.Is(err, drivers.ErrOffline) || !strings.Contains(err.Error(), "one TPI client") {
		t.Fatalf("second client: %v", err)
	}
	if s.Denied() != 1 {
		t.Errorf("%d denied", s.Denied())
	}
	// The first one still works.
	if _, err := d.ReadPartitions(bg); err != nil {
		t.Fatal(err)
	}
}

// Garbage in the stream is dropped and counted; the frames around it
// still count.
func TestGarbledStream(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{})
	d := openDriver(t, addr, nil)
	if _, err := d.ReadPartitions(bg); err != nil {
		t.Fatal(err)
	}
	s.Inject("%02,05000000000000\r\n#@!\r\n%00,01,ZZZZ,08,00,x$\r\n" + strings.Repeat("Q", 2*MaxLine) + "\r\n%02,0500000000000000$\r\n")
	if err := d.wait(bg, d.conn, time.Minute, func(st *Status) (bool, error) { return st.Code(1) == PartArmedAway, nil }); err != nil {
		t.Fatal(err)
	}
	if g := d.Status().Garbled; g != 4 {
		t.Errorf("%d garbled, want 4", g)
	}
}

func TestArmDisarm(t *testing.T) {
	for _, c := range []struct {
		mode      drivers.ArmMode
		want      family.PartitionState
		exitDelay time.Duration
		stay      bool
	}{
		{drivers.Away, family.ArmedAway, 0, false},
		{drivers.Stay, family.ArmedStay, 0, true},
		{drivers.Away, family.ExitDelay, time.Hour, false}, // the panel took it and counts down
		{drivers.Stay, family.ExitDelay, time.Hour, true},
	} {
		t.Run(fmt.Sprintf("%s exit delay %v", c.mode, c.exitDelay), func(t *testing.T) {
			s, addr, _ := startSim(t, SimOptions{ExitDelay: c.exitDelay, Users: map[int]string{7: "3579"}})
			d := openDriver(t, addr, nil)
			if err := d.ArmWithCode(bg, 1, c.mode, "3579"); err != nil {
				t.Fatal(err)
			}
			parts, err := d.ReadPartitions(bg)
			if err != nil || parts[0].State != c.want {
				t.Fatalf("after arming: %v, %v", parts, err)
			}
			if code, _ := s.Partition(1); c.exitDelay > 0 && code != PartExitDelay {
				t.Errorf("panel in %s, want exit delay", code)
			}
			if u := d.Status().LastUser[0]; u.User != 7 || !u.Armed || u.Stay != c.stay {
				t.Errorf("last user %+v, want user 7 arming", u)
			}
			keys := s.Keys()
			if err := d.ArmWithCode(bg, 1, c.mode, "3579"); err != nil || s.Keys() != keys {
				t.Errorf("arming again: %v, %d keys sent; want nothing sent", err, s.Keys()-keys)
			}
			if err := d.Disarm(bg, 1); err != nil { // with Config.ArmCode
				t.Fatal(err)
			}
			parts, _ = d.ReadPartitions(bg)
			if code, _ := s.Partition(1); parts[0].State != family.Disarmed || code != PartReady {
				t.Fatalf("after disarming: %v, panel %s", parts, code)
			}
			if u := d.Status().LastUser[0]; u.User != 2 || u.Armed {
				t.Errorf("last user %+v, want the master disarming", u)
			}
		})
	}
}

func TestArmRefused(t *testing.T) {
	t.Run("not ready", func(t *testing.T) {
		s, addr, _ := startSim(t, SimOptions{})
		d := openDriver(t, addr, nil)
		s.Fault(5)
		if err := d.wait(bg, mustSession(t, d), time.Minute, func(st *Status) (bool, error) {
			return st.Code(1) == PartNotReady && strings.HasPrefix(st.Display(1), "FAULT"), nil
		}); err != nil {
			t.Fatal(err)
		}
		r := refusal(t, d.Arm(bg, 1, drivers.Away), drivers.RefusedNotReady)
		if !strings.Contains(r.Reason, "FAULT 05") || s.Keys() != 0 {
			t.Errorf("%q after %d keys", r.Reason, s.Keys())
		}
	})
	t.Run("no code", func(t *testing.T) {
		d := openDriver(t, "127.0.0.1:1", func(c *drivers.Config) { c.ArmCode = "" })
		refusal(t, d.Arm(bg, 1, drivers.Stay), drivers.RefusedUnsupported)
		refusal(t, d.Disarm(bg, 1), drivers.RefusedUnsupported)
		refusal(t, d.ArmWithCode(bg, 1, drivers.Stay, "12a4"), drivers.RefusedCodeDigits)
		refusal(t, d.ArmWithCode(bg, 1, drivers.Stay, "12345"), drivers.RefusedCodeLength)
		refusal(t, d.ArmWithCode(bg, 9, drivers.Stay, "1234"), drivers.RefusedPartition)
		if d.Dials() != 0 {
			t.Errorf("%d dials for refused commands", d.Dials())
		}
	})
	t.Run("unused partition", func(t *testing.T) {
		_, addr, _ := startSim(t, SimOptions{})
		d := openDriver(t, addr, nil)
		refusal(t, d.Arm(bg, 3, drivers.Away), drivers.RefusedPartition)
	})
}

func mustSession(t testing.TB, d *Driver) *conn {
	t.Helper()
	cn, err := d.session(bg)
	if err != nil {
		t.Fatal(err)
	}
	return cn
}

// A bad code is typed once, the job fails with what the keypad showed,
// and repeated bad codes lock the keypad out (the simulator's lockout).
func TestBadCodeAndLockout(t *testing.T) {
	s, addr, logs := startSim(t, SimOptions{LockoutAfter: 3})
	d := openDriver(t, addr, func(c *drivers.Config) { c.Options["confirm"] = "300ms" })
	for i := 1; i <= 3; i++ {
		err := d.ArmWithCode(bg, 1, drivers.Away, "9753")
		r := refusal(t, err, drivers.RefusedOther)
		if s.Keys() != 5*i || !strings.Contains(r.Reason, "nothing was sent again") {
			t.Fatalf("try %d: %d keys, %q", i, s.Keys(), r.Reason)
		}
		noSecret(t, addr, err.Error(), "9753")
	}
	if _, locked := s.Partition(1); !locked {
		t.Fatal("the keypad is not locked out after 3 bad codes")
	}
	err := d.ArmWithCode(bg, 1, drivers.Away, testMaster)
	r := refusal(t, err, drivers.RefusedOther)
	if !strings.Contains(r.Reason, "KEYPAD LOCKED") {
		t.Errorf("locked out: %q", r.Reason)
	}
	for _, l := range logs.all() {
		noSecret(t, addr, l, "9753")
	}
}

func TestProgramCodes(t *testing.T) {
	s, addr, logs := startSim(t, SimOptions{Users: map[int]string{9: "1470"}})
	d := openDriver(t, addr, nil)
	if err := d.SetCode(bg, drivers.User{Slot: 5, Label: "Ann"}, "2580"); err != nil {
		t.Fatal(err)
	}
	if c, ok := s.Code(5); !ok || c != "2580" {
		t.Fatalf("user 5 holds %q %v", c, ok)
	}
	if err := d.ClearCode(bg, 5); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Code(5); ok {
		t.Fatal("user 5 still holds a code")
	}
	// The panel refuses a duplicate: two beeps more than one, and the job
	// fails with the keypad's text.
	keys := s.Keys()
	err := d.SetCode(bg, drivers.User{Slot: 6}, "1470")
	r := refusal(t, err, drivers.RefusedOther)
	if !strings.Contains(r.Reason, "3 beeps") || !strings.Contains(r.Reason, "Ready to Arm") || s.Keys()-keys != 11 {
		t.Errorf("%q after %d keys", r.Reason, s.Keys()-keys)
	}
	noSecret(t, addr, err.Error(), "1470")
	for _, l := range logs.all() {
		noSecret(t, addr, l, "2580", "1470")
	}
}

func TestProgramRefused(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{})
	d := openDriver(t, addr, nil)
	refusal(t, d.SetCode(bg, drivers.User{Slot: 2}, "1111"), drivers.RefusedMaster)
	refusal(t, d.ClearCode(bg, 1), drivers.RefusedMaster)
	refusal(t, d.SetCode(bg, drivers.User{Slot: 50}, "1111"), drivers.RefusedBadSlot)
	refusal(t, d.SetCode(bg, drivers.User{Slot: 5}, "111"), drivers.RefusedCodeLength)
	for _, f := range []func() error{
		func() error { _, err := d.ReadUsers(bg); return err },
		func() error { _, err := d.ReadUser(bg, 3); return err },
		func() error { return d.SetLabel(bg, 3, "x") },
		func() error { return d.SetPartitions(bg, 3, 1) },
	} {
		refusal(t, f(), drivers.RefusedUnsupported)
	}
	noMaster := openDriver(t, "127.0.0.1:1", func(c *drivers.Config) { c.MasterCode = "" })
	refusal(t, noMaster.SetCode(bg, drivers.User{Slot: 5}, "1111"), drivers.RefusedUnsupported)

	// Not ready: nothing is typed, and the job waits (transient).
	s.Fault(3)
	if err := d.wait(bg, mustSession(t, d), time.Minute, func(st *Status) (bool, error) { return st.Code(1) == PartNotReady, nil }); err != nil {
		t.Fatal(err)
	}
	err := d.SetCode(bg, drivers.User{Slot: 5}, "1111")
	if !errors.Is(err, drivers.ErrBusy) || !strings.Contains(err.Error(), "disarmed, ready") || s.Keys() != 0 {
		t.Fatalf("not ready: %v after %d keys", err, s.Keys())
	}
	s.Restore(3)

	// A wrong master code: the panel beeps three times, the job fails.
	wrong := openDriver(t, addr, func(c *drivers.Config) { c.MasterCode = "9999" })
	d.Close()
	<-s.Idle()
	err = wrong.SetCode(bg, drivers.User{Slot: 5}, "1111")
	r := refusal(t, err, drivers.RefusedOther)
	if _, ok := s.Code(5); ok || !strings.Contains(r.Reason, "user 5") {
		t.Errorf("%q; user 5 set: %v", r.Reason, ok)
	}
	noSecret(t, addr, err.Error(), "9999", "1111")
}

// A connection that drops halfway through a code fails the job, and the
// driver sends none of it again: the next operation logs in anew and
// types nothing it was not asked to.
func TestDropMidProgramming(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{DropAfterKeys: 6})
	d := openDriver(t, addr, nil)
	err := d.SetCode(bg, drivers.User{Slot: 12}, "3690")
	r := refusal(t, err, drivers.RefusedOther)
	if !strings.Contains(r.Reason, "after 5 of its 11 keys: the connection dropped") || !strings.Contains(r.Reason, "nothing was sent again") {
		t.Errorf("reason %q", r.Reason)
	}
	noSecret(t, addr, err.Error(), "3690")
	if _, ok := s.Code(12); ok {
		t.Fatal("user 12 got a code")
	}
	<-s.Idle() // the Envisalink has let the dropped client go
	if _, err := d.ReadPartitions(bg); err != nil {
		t.Fatal(err)
	}
	if s.Keys() != 6 || d.Dials() != 2 {
		t.Errorf("%d keys, %d dials: want the 6 keys before the drop only, and a new login", s.Keys(), d.Dials())
	}
}

// The Envisalink's response codes: before the first key they are the
// connection's errors (an overrun is busy, 05 a timeout); after it, a
// refusal that resends nothing.
func TestAckCodes(t *testing.T) {
	cases := []struct {
		name    string
		answers []string // the acknowledgements of the keys, in order
		check   func(t *testing.T, err error)
	}{
		{"first key times out", []string{"05"}, func(t *testing.T, err error) {
			if !errors.Is(err, drivers.ErrTimeout) {
				t.Errorf("%v, want a timeout", err)
			}
		}},
		{"first key overruns", []string{"01"}, func(t *testing.T, err error) {
			if !errors.Is(err, drivers.ErrBusy) {
				t.Errorf("%v, want busy", err)
			}
		}},
		{"first key syntax error", []string{"03"}, func(t *testing.T, err error) {
			refusal(t, err, drivers.RefusedBadCommand)
		}},
		{"second key times out", []string{"00", "05"}, func(t *testing.T, err error) {
			r := refusal(t, err, drivers.RefusedOther)
			if !strings.Contains(r.Reason, "after 1 of its 5 keys") || !strings.Contains(r.Reason, "3 seconds") {
				t.Errorf("%q", r.Reason)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := make(chan string, 16)
			f := startFake(t, func(conn net.Conn, r *bufio.Reader) {
				if !fakeLogin(conn, r) {
					return
				}
				for i := 0; ; i++ {
					cmd, err := readCommand(r)
					if err != nil {
						return
					}
					got <- cmd
					a := "00"
					if i < len(c.answers) {
						a = c.answers[i]
					}
					conn.Write([]byte(cmd[:3] + "," + a + "$\r\n"))
				}
			})
			d := openDriver(t, f.addr, nil)
			err := d.Arm(bg, 1, drivers.Away)
			c.check(t, err)
			noSecret(t, f.addr, err.Error())
			if n := len(got); n != len(c.answers) {
				t.Errorf("%d keys sent, want %d", n, len(c.answers))
			}
		})
	}
}

// The driver polls the Envisalink; an unanswered poll ends the connection.
func TestKeepAlive(t *testing.T) {
	polls := make(chan string, 4)
	ended := make(chan struct{})
	f := startFake(t, func(c net.Conn, r *bufio.Reader) {
		defer close(ended)
		if !fakeLogin(c, r) {
			return
		}
		cmd, err := readCommand(r)
		if err != nil {
			return
		}
		polls <- cmd
		c.Write([]byte("^00,00$\r\n"))
		cmd, _ = readCommand(r)
		polls <- cmd // not answered
		r.ReadByte() // until the driver hangs up
	})
	d := openDriver(t, f.addr, func(c *drivers.Config) {
		c.Options["keepalive"] = "20ms"
		c.Options["timeout"] = "300ms"
	})
	if _, err := d.ReadPartitions(bg); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if p := <-polls; p != "^00,$" {
			t.Fatalf("poll %q", p)
		}
	}
	<-ended
}

// No secret reaches an error through a dial or login failure either.
func TestNoSecretInErrors(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:1"} {
		d := openDriver(t, addr, nil)
		for _, err := range []error{
			d.SetCode(bg, drivers.User{Slot: 4}, "7531"),
			d.ArmWithCode(bg, 1, drivers.Stay, "7531"),
			d.Disarm(bg, 1),
		} {
			if err == nil {
				t.Fatal("no error from a closed port")
			}
			noSecret(t, addr, err.Error(), "7531")
		}
	}
}

func shows(d *Driver) string {
	st := d.Status()
	return st.Display(1)
}

// Without a stored password the driver does not dial at all.
func TestNoPassword(t *testing.T) {
	_, addr, _ := startSim(t, SimOptions{})
	d := openDriver(t, addr, func(c *drivers.Config) { c.Password = "" })
	_, err := d.ReadPartitions(bg)
	if !drivers.IsMisconfigured(err) || d.Dials() != 0 {
		t.Fatalf("%v after %d dials", err, d.Dials())
	}
}

// A connection silent for a while is polled before a code is typed on
// it: one the Envisalink dropped unseen fails before the first key
// (transient: nothing was typed), not after it.
func TestQuietConnectionPolledFirst(t *testing.T) {
	old := quietAfter
	quietAfter = 0
	t.Cleanup(func() { quietAfter = old })
	got := make(chan string, 4)
	f := startFake(t, func(c net.Conn, r *bufio.Reader) {
		if !fakeLogin(c, r) {
			return
		}
		cmd, _ := readCommand(r)
		got <- cmd // the poll: hang up, as a rebooted Envisalink would
	})
	d := openDriver(t, f.addr, nil)
	err := d.Arm(bg, 1, drivers.Away)
	if !drivers.Transient(err) {
		t.Fatalf("%v, want a transient error", err)
	}
	if cmd := <-got; cmd != "^00,$" || len(got) != 0 {
		t.Fatalf("sent %q first, then %d more", cmd, len(got))
	}
}

// The keep-alive poll waits for no operation: while keys or their
// confirmation hold the command slot, it skips its turn instead of
// hanging up the connection under them.
func TestKeepAliveSkipsBusySlot(t *testing.T) {
	_, addr, _ := startSim(t, SimOptions{})
	d := openDriver(t, addr, func(c *drivers.Config) {
		c.Options["keepalive"] = "5ms"
		c.Options["timeout"] = "200ms"
		c.Options["confirm"] = "600ms"
	})
	err := d.ArmWithCode(bg, 1, drivers.Away, "9753") // a bad code: the panel never confirms
	r := refusal(t, err, drivers.RefusedOther)
	if !strings.Contains(r.Reason, "did not show it within 600ms") {
		t.Fatalf("%q: want the confirmation's wait, not a dropped connection", r.Reason)
	}
	if _, err := d.ReadPartitions(bg); err != nil || d.Dials() != 1 {
		t.Fatalf("%v after %d dials: want the first connection still up", err, d.Dials())
	}
}

// An alarm: the partition shows it, a disarm leaves it in alarm memory
// (disarmed to the store), and a second disarm clears the memory.
func TestAlarmAndMemory(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{})
	d := openDriver(t, addr, nil)
	if err := d.Arm(bg, 1, drivers.Away); err != nil {
		t.Fatal(err)
	}
	s.Fault(9)
	cn := mustSession(t, d)
	if err := d.wait(bg, cn, time.Minute, func(st *Status) (bool, error) {
		return st.Code(1) == PartAlarm && st.State(1) == family.Alarm && strings.Contains(st.Display(1), "ALARM 09"), nil
	}); err != nil {
		t.Fatal(err)
	}
	if ev := d.Status().Events; len(ev) == 0 || ev[len(ev)-1].CID.Code != 130 || ev[len(ev)-1].CID.ZoneUser != 9 {
		t.Errorf("events %+v, want a burglary of zone 9", ev)
	}
	refusal(t, d.Arm(bg, 1, drivers.Stay), drivers.RefusedNotReady)
	s.Restore(9)
	if err := d.Disarm(bg, 1); err != nil {
		t.Fatal(err)
	}
	if code, _ := s.Partition(1); code != PartAlarmMemory {
		t.Fatalf("panel %s, want alarm in memory", code)
	}
	if st := d.Status(); st.State(1) != family.AlarmMemory || st.Keypads[0].LEDs&LEDAlarmMemory == 0 {
		t.Errorf("state %s, LEDs %04X", st.State(1), st.Keypads[0].LEDs)
	}
}

// The exact frames the driver sends: one ^03,P,K$ a key, on the lowest of
// the user's partitions, the user number in two digits, #0 to delete.
func TestKeystrokeFrames(t *testing.T) {
	cases := []struct {
		name string
		do   func(d *Driver) error
		want string
	}{
		{"set user 5", func(d *Driver) error { return d.SetCode(bg, drivers.User{Slot: 5}, "2468") }, testMaster + "8052468"},
		{"delete user 12", func(d *Driver) error { return d.ClearCode(bg, 12) }, testMaster + "812#0"},
		{"set user 7 on partition 2", func(d *Driver) error { return d.SetCode(bg, drivers.User{Slot: 7, Partitions: 2}, "1357") }, testMaster + "8071357"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			f := startFake(t, func(conn net.Conn, r *bufio.Reader) {
				if !fakeLogin(conn, r) {
					return
				}
				conn.Write([]byte("%02,0101000000000000$\r\n%00,02,1C08,08,00,****DISARMED****  Ready to Arm  $\r\n"))
				for {
					cmd, err := readCommand(r)
					if err != nil {
						return
					}
					mu.Lock()
					got = append(got, cmd)
					n := len(got)
					mu.Unlock()
					conn.Write([]byte("^03,00$\r\n"))
					if n == len(c.want) {
						p := cmd[4:5]
						conn.Write([]byte("%00,0" + p + ",1C08,08,01,****DISARMED****  Ready to Arm  $\r\n"))
					}
				}
			})
			d := openDriver(t, f.addr, nil)
			if err := d.wait(bg, mustSession(t, d), time.Minute, func(st *Status) (bool, error) {
				return st.Code(2) == PartReady && st.KeypadSeq[1] != 0, nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := c.do(d); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			part := "1"
			if strings.Contains(c.name, "partition 2") {
				part = "2"
			}
			var want []string
			for i := 0; i < len(c.want); i++ {
				want = append(want, "^03,"+part+","+c.want[i:i+1]+"$")
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("sent %v\nwant %v", got, want)
			}
		})
	}
}

// Close ends a login in progress and returns once its socket is closed,
// so that a driver opened next (new settings) finds the Envisalink's one
// client slot free.
func TestCloseEndsLogin(t *testing.T) {
	hungUp := make(chan struct{})
	accepted := make(chan struct{})
	f := startFake(t, func(c net.Conn, r *bufio.Reader) {
		close(accepted)
		r.ReadByte() // no prompt: until the driver hangs up
		close(hungUp)
	})
	d := openDriver(t, f.addr, func(c *drivers.Config) { c.Options["timeout"] = "10m" })
	errc := make(chan error, 1)
	go func() {
		_, err := d.ReadPartitions(bg)
		errc <- err
	}()
	<-accepted
	d.Close()
	select {
	case <-hungUp:
	case <-time.After(5 * time.Second): // the login's own limit is 10 s
		t.Fatal("the login still holds the connection after Close")
	}
	if err := <-errc; err == nil {
		t.Fatal("the login succeeded")
	}
}

// Arming with no entry delay types code+4 (MAXIMUM): the panel arms away.
func TestArmNoEntry(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{Users: map[int]string{7: "3579"}})
	d := openDriver(t, addr, nil)
	if err := d.ArmWithCode(bg, 1, drivers.NoEntry, "3579"); err != nil {
		t.Fatal(err)
	}
	if code, _ := s.Partition(1); code != PartArmedMax {
		t.Errorf("panel in %s, want armed maximum", code)
	}
	if parts, err := d.ReadPartitions(bg); err != nil || parts[0].State != family.ArmedAway {
		t.Errorf("after arming: %v, %v", parts, err)
	}
}

// The driver hands the dispatcher the Contact ID events (who armed, the
// burglary of a zone) and the zones seen open (drivers.EventSource), and
// forgets the events the dispatcher acknowledged.
func TestEventsAndZones(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{Users: map[int]string{7: "3579"}})
	d := openDriver(t, addr, nil)
	if err := d.ArmWithCode(bg, 1, drivers.Away, "3579"); err != nil {
		t.Fatal(err)
	}
	s.Fault(9)
	cn := mustSession(t, d)
	if err := d.wait(bg, cn, time.Minute, func(st *Status) (bool, error) { return st.Code(1) == PartAlarm, nil }); err != nil {
		t.Fatal(err)
	}
	evs, err := d.ReadEvents(bg)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, fmt.Sprintf("%s p%d z%d u%d", e.Kind, e.Partition, e.Zone, e.User))
	}
	if !slices.Contains(kinds, "armed p1 z0 u7") || !slices.Contains(kinds, "alarm p1 z9 u0") {
		t.Errorf("events %q: want user 7 arming partition 1 and a burglary of zone 9", kinds)
	}
	zones, _ := d.ReadZones(bg)
	if i := slices.IndexFunc(zones, func(z drivers.ZoneStatus) bool { return z.Number == 9 }); i < 0 || zones[i].State != "open" {
		t.Errorf("zones %+v: want zone 9 open", zones)
	}
	if err := d.AckEvents(bg, evs[len(evs)-1].Seq); err != nil {
		t.Fatal(err)
	}
	if evs, _ := d.ReadEvents(bg); len(evs) != 0 {
		t.Errorf("after the acknowledgement: %+v", evs)
	}
}
