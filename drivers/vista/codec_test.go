package vista

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// specVectors are every example of the Ademco TPI 1.03 specification
// (reference/protocols/envisalink-tpi-ademco-1.03.txt), framed as the
// Envisalink sends them, with what they must decode to.
var specVectors = []struct {
	name string
	wire string
	want Frame
}{
	{"login prompt (2.2)", "Login:\r\n", Frame{Kind: KindLogin}},
	{"login accepted (2.2)", "OK\r\n", Frame{Kind: KindOK}},
	{"login refused (2.2)", "FAILED\r\n", Frame{Kind: KindFailed}},
	{"login timed out (2.2)", "Timed Out\r\n", Frame{Kind: KindTimedOut}},
	{"acknowledgement ^CC,EE$ (3.1)", "^03,00$\r\n", Frame{Kind: KindAck, Code: 3, Data: "00", Result: ResultOK}},
	{"acknowledgement: receive state machine timeout (3.7)", "^03,05$\r\n", Frame{Kind: KindAck, Code: 3, Data: "05", Result: ResultStateTime}},
	{"keypad update (3.3)", "%00,01,5C08,08,00,****DISARMED**** Ready to Arm$\r\n", Frame{Kind: KindEvent, Code: EvKeypad,
		Data:   "01,5C08,08,00,****DISARMED**** Ready to Arm",
		Keypad: Keypad{Partition: 1, LEDs: 0x5C08, Numeric: "08", Beep: 0, Alpha: "****DISARMED**** Ready to Arm"}}},
	{"zones: none open (3.3)", "%01,0000000000000000$\r\n", Frame{Kind: KindEvent, Code: EvZones, Data: "0000000000000000", Zones: Zones{Count: 64}}},
	{"zones: all open (3.3)", "%01,FFFFFFFFFFFFFFFF$\r\n", Frame{Kind: KindEvent, Code: EvZones, Data: "FFFFFFFFFFFFFFFF", Zones: Zones{Count: 64, Open: [2]uint64{^uint64(0), 0}}}},
	{"zones: 1 and 64 open (3.3)", "%01,0100000000000080$\r\n", Frame{Kind: KindEvent, Code: EvZones, Data: "0100000000000080", Zones: Zones{Count: 64, Open: [2]uint64{1 | 1<<63, 0}}}},
	{"partitions: 1 ready (3.3)", "%02,0100000000000000$\r\n", Frame{Kind: KindEvent, Code: EvPartitions, Data: "0100000000000000",
		Partitions: parts("0100000000000000")}},
	{"partitions: 1 and 3 ready (3.3)", "%02,0100010000000000$\r\n", Frame{Kind: KindEvent, Code: EvPartitions, Data: "0100010000000000",
		Partitions: parts("0100010000000000")}},
	{"zone timers: 0xFFFE sent as FEFF (3.3)", "%FF,FEFF" + strings.Repeat("0000", 63) + "$\r\n", Frame{Kind: KindEvent, Code: EvZoneTimers,
		Data: "FEFF" + strings.Repeat("0000", 63), Timers: append([]uint16{0xFFFE}, make([]uint16, 63)...)}},
	{"CID: armed stay by user 2 (3.3)", "%03,3441010020$\r\n", Frame{Kind: KindEvent, Code: EvCID, Data: "3441010020",
		CID: CID{Qualifier: QualRestore, Code: 441, Partition: 1, ZoneUser: 2}}},
}

func parts(s string) Partitions {
	p, err := parsePartitions(s)
	if err != nil {
		panic(err)
	}
	return p
}

func decodeAll(t *testing.T, wire string, r func(io.Reader) io.Reader) ([]Frame, *Decoder) {
	t.Helper()
	dec := NewDecoder(r(strings.NewReader(wire)))
	var out []Frame
	for {
		f, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return out, dec
		}
		if err != nil {
			t.Fatalf("decode %q: %v", wire, err)
		}
		out = append(out, f)
	}
}

func plain(r io.Reader) io.Reader { return r }

func TestSpecVectors(t *testing.T) {
	for _, v := range specVectors {
		t.Run(v.name, func(t *testing.T) {
			for _, r := range []func(io.Reader) io.Reader{plain, iotest.OneByteReader} {
				got, dec := decodeAll(t, v.wire, r)
				if len(got) != 1 || dec.Garbled() != 0 {
					t.Fatalf("%q: %d frames, %d garbled (%s)", v.wire, len(got), dec.Garbled(), dec.LastGarbled())
				}
				if !reflect.DeepEqual(got[0], v.want) {
					t.Fatalf("%q:\n got %+v\nwant %+v", v.wire, got[0], v.want)
				}
			}
		})
	}
}

// TestSpecMeanings checks what the specification says its examples mean.
func TestSpecMeanings(t *testing.T) {
	z := specVectors[9].want.Zones
	if got := z.OpenZones(); !reflect.DeepEqual(got, []int{1, 64}) {
		t.Errorf("0100000000000080 opens zones %v, want 1 and 64", got)
	}
	p := parts("0100010000000000")
	if p.State[0] != PartReady || p.State[1] != PartUnused || p.State[2] != PartReady {
		t.Errorf("0100010000000000 is %v, want partitions 1 and 3 ready", p.State)
	}
	u, armed, stay, ok := specVectors[13].want.CID.ArmedBy()
	if !ok || u != 2 || !armed || !stay {
		t.Errorf("3441010020 is user %d armed %v stay %v (%v), want user 2 armed stay", u, armed, stay, ok)
	}
	k := specVectors[6].want.Keypad
	if l := LEDLowBattery | LEDReady | LEDACPresent; k.LEDs&l != l || k.LEDs&(LEDArmedAway|LEDArmedStay|LEDAlarm) != 0 {
		t.Errorf("LEDs %04X: want low battery, ready, AC present", k.LEDs)
	}
	if top, bottom := k.Lines(); top != "****DISARMED****" || bottom != " Ready to Arm" {
		t.Errorf("LCD lines %q / %q", top, bottom)
	}
	if got := parts("0A"); got.State[0] != PartOther || got.String() != "0A" {
		t.Errorf("an unlisted code 0A decodes as %v", got.State[0])
	}
	if got := parts("10"); got.State[0] != PartArmedMax {
		t.Errorf("10 decodes as %v, want armed maximum", got.State[0])
	}
}

// Every response code of §3.7 has its meaning.
func TestResultCodes(t *testing.T) {
	want := map[string]Result{"00": ResultOK, "01": ResultOverrun, "02": ResultUnknown, "03": ResultSyntax, "04": ResultOverflow, "05": ResultStateTime}
	for ee, r := range want {
		got, _ := decodeAll(t, "^00,"+ee+"$\r\n", plain)
		if len(got) != 1 || got[0].Result != r || strings.Contains(r.String(), "does not list") {
			t.Errorf("^00,%s$: %+v (%s)", ee, got, r)
		}
	}
	if s := Result(0x3A).String(); !strings.Contains(s, "3A") {
		t.Errorf("an unlisted code reads %q", s)
	}
}

// pyenvisalinkVectors are the frames of ufodone/pyenvisalink's Honeywell
// parser tests (pyenvisalink/tests/test_frame_parsing_honeywell.py, MIT):
// a peer's examples of what an Envisalink sends, split where its tests
// split them.
var pyenvisalinkVectors = []struct {
	name   string
	chunks []string
	want   []string // the frames' data, in order
}{
	{"complete frame", []string{"%01,02000004000000000000000000000000$\r\n"}, []string{"02000004000000000000000000000000"}},
	{"two frames in one chunk", []string{"%01,02000004000000000000000000000000$\r\n%00,01,1C08,08,00,****DISARMED****  Ready to Arm  $\r\n"},
		[]string{"02000004000000000000000000000000", "01,1C08,08,00,****DISARMED****  Ready to Arm  "}},
	{"split mid-payload", []string{"%00,01,0008,30,00,FAULT 3", "0                        $\r\n"}, []string{"01,0008,30,00,FAULT 30                        "}},
	{"split at the terminator", []string{"%02,01000000$\r", "\n"}, []string{"01000000"}},
	{"split inside the middle frame", []string{"%01,02000004000000000000000000000000$\r\n%00,01,0008,05,00,FAULT", " 05                        $\r\n%02,03000000$\r\n"},
		[]string{"02000004000000000000000000000000", "01,0008,05,00,FAULT 05                        ", "03000000"}},
	{"login prompt split from its CR LF", []string{"Login:", "\r\n"}, []string{""}},
	// pyenvisalink/mock_server_honeywell.py, newest version: an armed
	// night-stay keypad, the beep field a hex byte with bit 4 set.
	{"mock: armed night-stay", []string{"%00,01,8000,08,10,ARMED ***NIGHT-STAY***          $\r\n"}, []string{"01,8000,08,10,ARMED ***NIGHT-STAY***          "}},
	// pyenvisalink/mock_server_honeywell.py (its simulated Envisalink):
	// the zone field and the LCD's zone number in lower-case hex, and a
	// partition string as short as the partitions it has.
	{"mock: fault of zone 30", []string{"%00,01,0008,1e,00,FAULT 1e Zone 30                $\r\n"}, []string{"01,0008,1e,00,FAULT 1e Zone 30                "}},
	{"mock: one partition, ready", []string{"%02,01$\r\n"}, []string{"01"}},
	{"mock: poll acknowledged", []string{"^00,00$\r\n"}, []string{"00"}},
}

type chunks struct{ parts []string }

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.parts[0])
	c.parts[0] = c.parts[0][n:]
	if c.parts[0] == "" {
		c.parts = c.parts[1:]
	}
	return n, nil
}

func TestPyenvisalinkVectors(t *testing.T) {
	for _, v := range pyenvisalinkVectors {
		t.Run(v.name, func(t *testing.T) {
			dec := NewDecoder(&chunks{parts: append([]string(nil), v.chunks...)})
			var got []string
			for {
				f, err := dec.Next()
				if err != nil {
					break
				}
				got = append(got, f.Data)
			}
			if !reflect.DeepEqual(got, v.want) || dec.Garbled() != 0 {
				t.Fatalf("got %q (%d garbled: %s), want %q", got, dec.Garbled(), dec.LastGarbled(), v.want)
			}
		})
	}
	// What pyenvisalink's parser makes of them: zones 2 and 27 open on an
	// Envisalink 4; partition 1 not ready, in a four-partition string.
	f, _ := Parse([]byte("%01,02000004000000000000000000000000$"))
	if got := f.Zones.OpenZones(); !reflect.DeepEqual(got, []int{2, 27}) || f.Zones.Count != 128 {
		t.Errorf("zones %v of %d, want 2 and 27 of 128", got, f.Zones.Count)
	}
	f, _ = Parse([]byte("%00,01,0008,30,00,FAULT 30                        $"))
	if f.Keypad.Numeric != "30" || f.Keypad.LEDs != LEDACPresent || f.Keypad.Display() != "FAULT 30" {
		t.Errorf("keypad %+v", f.Keypad)
	}
	f, _ = Parse([]byte("%00,01,8000,08,10,ARMED ***NIGHT-STAY***          $"))
	if !f.Keypad.Night || f.Keypad.Beep != 0 || f.Keypad.LEDs != LEDArmedStay {
		t.Errorf("night-stay keypad %+v", f.Keypad)
	}
	f, _ = Parse([]byte("%02,03000000$"))
	if f.Partitions.Count != 4 || f.Partitions.State[0] != PartNotReady {
		t.Errorf("partitions %+v", f.Partitions)
	}
}

// The decoder drops and counts what is not a frame, and goes on with the
// next one.
func TestGarbled(t *testing.T) {
	long := "%00," + strings.Repeat("A", MaxLine) + "$\r\n"
	cases := []struct {
		name, wire string
	}{
		{"text that is no login word", "hello\r\n"},
		{"no comma after the code", "%0201000000$\r\n"},
		{"code not hex", "%G1,00$\r\n"},
		{"line ends inside a frame", "%02,0100\r\n"},
		{"a frame inside a frame", "%02,01"},
		{"over-long line", long},
		{"over-long text", strings.Repeat("x", MaxLine+5) + "\r\n"},
		{"keypad update of 4 fields", "%00,01,5C08,08,READY$\r\n"},
		{"keypad partition 9", "%00,09,5C08,08,00,READY$\r\n"},
		{"keypad beep 7", "%00,01,5C08,08,07,READY$\r\n"},
		{"keypad beep field of 3 digits", "%00,01,5C08,08,001,READY$\r\n"},
		{"keypad beep field with bit 5", "%00,01,5C08,08,20,READY$\r\n"},
		{"keypad LCD of 33 characters", "%00,01,5C08,08,00," + strings.Repeat("x", 33) + "$\r\n"},
		{"zones of 15 digits", "%01,000000000000000$\r\n"},
		{"partitions of 17 digits", "%02,01000000000000000$\r\n"},
		{"CID with qualifier 2", "%03,2441010020$\r\n"},
		{"CID not ending in 0", "%03,3441010021$\r\n"},
		{"CID with a letter", "%03,34410100A0$\r\n"},
		{"timers of 255 digits", "%FF," + strings.Repeat("0", 255) + "$\r\n"},
		{"ack without a code", "^03,$\r\n"},
		{"control byte in the data", "%02,01\x0100$\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, dec := decodeAll(t, c.wire+"%02,0100000000000000$\r\n", plain)
			if dec.Garbled() != 1 || len(got) != 1 || got[0].Code != EvPartitions {
				t.Fatalf("%d garbled, frames %+v: want 1 dropped and the next frame kept", dec.Garbled(), got)
			}
			if dec.LastGarbled() == "" {
				t.Error("no reason for the drop")
			}
		})
	}
}

// Encoding round-trips through the decoder.
func TestEncode(t *testing.T) {
	if got := string(AppendCommand(nil, CmdPoll, "")); got != "^00,$" {
		t.Errorf("poll is %q", got)
	}
	if got := string(AppendKeypress(nil, 1, '#')); got != "^03,1,#$" {
		t.Errorf("keypress is %q", got)
	}
	if got := string(AppendCommand(nil, CmdDefaultPartition, "2")); got != "^01,2$" {
		t.Errorf("default partition is %q", got)
	}
	k := Keypad{Partition: 1, LEDs: 0x5C08, Numeric: "08", Alpha: "****DISARMED**** Ready to Arm"}
	z := Zones{Count: 128}
	z.Open[0], z.Open[1] = 1<<1, 1<<63
	p := Partitions{Count: 8}
	p.State[0], p.State[1] = PartArmedMax, PartExitDelay
	wire := string(AppendEvent(AppendEvent(AppendEvent(AppendAck(nil, 3, ResultStateTime), EvKeypad, k.String()), EvZones, z.String()), EvPartitions, p.String()))
	got, dec := decodeAll(t, wire, plain)
	if dec.Garbled() != 0 || len(got) != 4 {
		t.Fatalf("%q: %d frames, %d garbled", wire, len(got), dec.Garbled())
	}
	if got[0].Result != ResultStateTime || got[1].Keypad != k || got[2].Zones != z || got[3].Partitions.State != p.State {
		t.Errorf("round trip: %+v", got)
	}
	if zs := got[2].Zones.OpenZones(); !reflect.DeepEqual(zs, []int{2, 128}) {
		t.Errorf("zones %v", zs)
	}
}
