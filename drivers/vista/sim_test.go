package vista

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
)

// rawClient logs in to addr and returns a decoder of what follows.
func rawClient(t *testing.T, addr string) (net.Conn, *Decoder) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	dec := NewDecoder(c)
	if f, err := dec.Next(); err != nil || f.Kind != KindLogin {
		t.Fatalf("prompt %+v %v", f, err)
	}
	c.Write([]byte(testPassword + "\r\n"))
	if f, err := dec.Next(); err != nil || f.Kind != KindOK {
		t.Fatalf("login %+v %v", f, err)
	}
	return c, dec
}

// next returns the next frame of kind and code, skipping others.
func next(t *testing.T, dec *Decoder, kind Kind, code byte) Frame {
	t.Helper()
	for {
		f, err := dec.Next()
		if err != nil {
			t.Fatalf("waiting for %d/%02X: %v", kind, code, err)
		}
		if f.Kind == kind && f.Code == code {
			return f
		}
	}
}

// The simulator answers commands with the response codes of §3.7 and
// takes keystrokes outside the sentinels on the default partition.
func TestSimCommands(t *testing.T) {
	s, addr, _ := startSim(t, SimOptions{Partitions: 2, EVL: 3})
	c, dec := rawClient(t, addr)
	if f := next(t, dec, KindEvent, EvPartitions); f.Data != "0101000000000000" {
		t.Errorf("first %%02 %q", f.Data)
	}
	if f := next(t, dec, KindEvent, EvZones); f.Zones.Count != 64 {
		t.Errorf("an Envisalink 3 sends 64 zones, got %d", f.Zones.Count)
	}
	for _, c2 := range []struct{ send, want string }{
		{"^00,$", "00"},
		{"^00,1$", "03"},
		{"^01,9$", "03"},
		{"^03,1,Z$", "03"},
		{"^03,1$", "03"},
		{"^0C,$", "02"},
		{"^03,1," + strings.Repeat("1", 40) + "$", "04"},
	} {
		c.Write([]byte(c2.send))
		code, _ := hexByte(c2.send[1:3])
		if f := next(t, dec, KindAck, code); f.Data != c2.want {
			t.Errorf("%s: answered %s, want %s", c2.send, f.Data, c2.want)
		}
	}
	// CR LF and other bytes that are no key are ignored outside the
	// sentinels.
	c.Write([]byte("\r\nX\r\n^00,$\r\n"))
	if f := next(t, dec, KindAck, CmdPoll); f.Result != ResultOK || s.Keys() != 0 {
		t.Errorf("poll after CR LF: %s, %d keys", f.Result, s.Keys())
	}
	c.Write([]byte("^02,$"))
	if f := next(t, dec, KindEvent, EvZoneTimers); len(f.Timers) != 64 {
		t.Errorf("%d zone timers", len(f.Timers))
	}
	// Partition 2 by default, then keystrokes outside the sentinels.
	c.Write([]byte("^01,2$"))
	next(t, dec, KindAck, CmdDefaultPartition)
	c.Write([]byte(testMaster + "3"))
	f := next(t, dec, KindEvent, EvCID)
	if f.CID.Code != 441 || f.CID.Partition != 2 || f.CID.ZoneUser != 2 || f.CID.Qualifier != QualRestore {
		t.Errorf("CID %s, want user 2 arming partition 2 stay", f.CID)
	}
	if code, _ := s.Partition(2); code != PartArmedStay {
		t.Errorf("partition 2 is %s", code)
	}
}

// 100 codes, one after another, by keystrokes (a Vista 128BPT's 3-digit
// user numbers), each confirmed by the keypad's single beep.
func TestProgram100Codes(t *testing.T) {
	s, addr, logs := startSim(t, SimOptions{Slots: 150})
	d := openDriver(t, addr, func(c *drivers.Config) { c.Slots = 150 })
	codes := map[int]string{}
	for slot := 3; slot < 103; slot++ {
		codes[slot] = fmt.Sprintf("%04d", 5000+7*slot)
		if err := d.SetCode(bg, drivers.User{Slot: slot}, codes[slot]); err != nil {
			t.Fatalf("user %d: %v", slot, err)
		}
	}
	for slot, want := range codes {
		if got, ok := s.Code(slot); !ok || got != want {
			t.Fatalf("user %d holds %q, want %q", slot, got, want)
		}
	}
	if s.Keys() != 100*12 || d.Dials() != 1 {
		t.Errorf("%d keys over %d connections, want 1,200 over one", s.Keys(), d.Dials())
	}
	for _, l := range logs.all() {
		for _, c := range codes {
			if strings.Contains(l, c) {
				t.Fatalf("log line %q holds a code", l)
			}
		}
	}
}

// A command left unfinished is answered 05 after the receive state
// machine's time, and the next one is taken.
func TestSimCommandTimeout(t *testing.T) {
	_, addr, _ := startSim(t, SimOptions{CommandTimeout: 20 * time.Millisecond})
	c, dec := rawClient(t, addr)
	c.Write([]byte("^03,1,"))
	if f := next(t, dec, KindAck, CmdKeypress); f.Result != ResultStateTime {
		t.Fatalf("an unfinished ^03 answered %s", f.Result)
	}
	c.Write([]byte("^00,$"))
	if f := next(t, dec, KindAck, CmdPoll); f.Result != ResultOK {
		t.Fatalf("the next poll answered %s", f.Result)
	}
}
