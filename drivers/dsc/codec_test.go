package dsc

import (
	"errors"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers"
)

// goldenFrames are every framing example of the TPI document, and the
// vectors of peers written by others (each cited), as they travel.
var goldenFrames = []struct {
	name string
	f    Frame
	wire string
}{
	// TPI document 1.08 §3.1: "a Partition Alarm on partition 3", 36+35+34+33 = D2.
	{"spec 3.1 partition alarm", Frame{Cmd: RespInAlarm, Data: "3"}, "6543D2\r\n"},
	// TPI document §2.2 and DOMAIN.md: the login with the default password "user".
	{"login default password", Frame{Cmd: CmdLogin, Data: "user"}, "005user54\r\n"},
	// TPI document §2.2: the password request, success, failure and timeout (505 + 3/1/0/2).
	{"password request", Frame{Cmd: RespLogin, Data: "3"}, "5053CD\r\n"},
	{"login successful", Frame{Cmd: RespLogin, Data: "1"}, "5051CB\r\n"},
	{"login failed", Frame{Cmd: RespLogin, Data: "0"}, "5050CA\r\n"},
	{"login timed out", Frame{Cmd: RespLogin, Data: "2"}, "5052CC\r\n"},
	// TPI document §3.2: poll, status report, arm away/stay, disarm.
	{"poll", Frame{Cmd: CmdPoll}, "00090\r\n"},
	{"status report", Frame{Cmd: CmdStatus}, "00191\r\n"},
	{"arm away partition 1", Frame{Cmd: CmdArmAway, Data: "1"}, "0301C4\r\n"},
	{"arm stay partition 1", Frame{Cmd: CmdArmStay, Data: "1"}, "0311C5\r\n"},
	{"acknowledge of a poll", Frame{Cmd: RespAck, Data: "000"}, "50000025\r\n"},
	// Forum example cited in DOMAIN.md §1.1 (forum.eyezon.com t=332):
	// "0321" -> "0321C6" and 200 + code 1234 -> "20012345C".
	{"forum 0321", Frame{Cmd: CmdArmZeroEntry, Data: "1"}, "0321C6\r\n"},
	{"forum code send", Frame{Cmd: CmdCodeSend, Data: "1234"}, "20012345C\r\n"},
	// Peer: lazyeights/etpi command_test.go (MIT), TestNewCommandFromBytes:
	// the bytes 53 48 53 51 67 68 13 10 decode to 505 with data "3".
	{"etpi password request", Frame{Cmd: RespLogin, Data: "3"}, string([]byte{53, 48, 53, 51, 67, 68, 13, 10})},
	// Peer: kmbulebu/dsc-it100-java CommandTest.java: checksum of 654 + "3" is D2.
	{"dsc-it100-java 654", Frame{Cmd: "654", Data: "3"}, "6543D2\r\n"},
	// Peer: kmbulebu/dsc-it100-java EnvisalinkLEDStateCommandTest: LED byte
	// "90" captured from a panel (Trouble and Backlight).
	{"dsc-it100-java LED 90", Frame{Cmd: RespLED, Data: "90"}, "51090FF\r\n"},
}

func TestGoldenFrames(t *testing.T) {
	for _, g := range goldenFrames {
		t.Run(g.name, func(t *testing.T) {
			if got := string(g.f.Encode()); got != g.wire {
				t.Errorf("Encode(%v) = %q, want %q", g.f, got, g.wire)
			}
			var d Decoder
			var got []Frame
			d.Feed([]byte(g.wire), func(f Frame) { got = append(got, f) })
			if len(got) != 1 || got[0] != g.f {
				t.Errorf("Feed(%q) = %v, want %v (stats %+v)", g.wire, got, g.f, d.Stats)
			}
		})
	}
}

// TestLEDBits checks the 510 bit order of the document against the
// panel capture of the peer above ("90": Trouble and Backlight).
func TestLEDBits(t *testing.T) {
	st := newStatus()
	st.apply(Frame{Cmd: RespLED, Data: "90"})
	if st.LED != LEDTrouble|LEDBacklight {
		t.Errorf("LED = %08b, want Trouble|Backlight", st.LED)
	}
	if got := describeLEDs(st.LED, 0); got != "keypad LEDs: Trouble on" {
		t.Errorf("describeLEDs = %q", got)
	}
}

func TestDecoderRejects(t *testing.T) {
	tests := []struct {
		name  string
		in    []string // fed in this many pieces
		want  []Frame
		stats DecodeStats
	}{
		// Peer: lazyeights/etpi command_test.go, the same frame with checksum CC must fail.
		{"bad checksum", []string{"5053CC\r\n"}, nil, DecodeStats{BadChecksums: 1}},
		{"lower-case checksum", []string{"6543d2\r\n"}, nil, DecodeStats{BadChecksums: 1}},
		{"no CR", []string{"6543D2\n"}, nil, DecodeStats{Garbled: 1}},
		{"too short", []string{"65D\r\n"}, nil, DecodeStats{Garbled: 1}},
		{"letter in code", []string{"6A43D2\r\n"}, nil, DecodeStats{Garbled: 1}},
		{"not hex", []string{"6543GZ\r\n"}, nil, DecodeStats{Garbled: 1}},
		{"control character", []string{"654\x013D3\r\n"}, nil, DecodeStats{Garbled: 1}},
		{"over-long then good", []string{strings.Repeat("1", 300), strings.Repeat("2", 300) + "\r\n6543D2\r\n"},
			[]Frame{{Cmd: RespInAlarm, Data: "3"}}, DecodeStats{Frames: 1, Garbled: 1}},
		{"split anywhere", []string{"65", "43", "D2\r", "\n5053", "CD\r\n"},
			[]Frame{{Cmd: RespInAlarm, Data: "3"}, {Cmd: RespLogin, Data: "3"}}, DecodeStats{Frames: 2}},
		{"time stamp (055)", []string{"12:34:56 6543D2\r\n"}, []Frame{{Cmd: RespInAlarm, Data: "3"}}, DecodeStats{Frames: 1}},
		{"Vista login prompt", []string{"Login:\r\n"}, nil, DecodeStats{Garbled: 1}},
		{"longest frame", []string{"615" + strings.Repeat("F", 256) + frameCks("615"+strings.Repeat("F", 256)) + "\r\n"},
			[]Frame{{Cmd: RespZoneTimers, Data: strings.Repeat("F", 256)}}, DecodeStats{Frames: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			var got []Frame
			for _, p := range tt.in {
				d.Feed([]byte(p), func(f Frame) { got = append(got, f) })
			}
			if len(got) != len(tt.want) {
				t.Fatalf("frames = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("frame %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
			if d.Stats != tt.stats {
				t.Errorf("stats = %+v, want %+v", d.Stats, tt.stats)
			}
		})
	}
}

func frameCks(s string) string {
	b := Frame{Cmd: Code(s[:3]), Data: s[3:]}.Encode()
	return string(b[len(b)-4 : len(b)-2])
}

func TestSystemErrors(t *testing.T) {
	tests := []struct {
		data      string
		transient bool
		kind      drivers.RefusalKind
		says      string
	}{
		{"001", true, 0, "receive buffer overrun"},
		{"014", true, 0, "keybus wiring"},
		{"016", false, drivers.RefusedOther, "keypad lockout"},
		{"017", false, drivers.RefusedOther, "installer's mode"},
		{"018", true, 0, "busy"},
		{"021", false, drivers.RefusedPartition, "out of bounds"},
		{"022", false, drivers.RefusedUnsupported, "not supported"},
		{"023", false, drivers.RefusedOther, "not armed"},
		{"024", false, drivers.RefusedNotReady, "close open zones"},
		{"026", false, drivers.RefusedBadCommand, "outside the panel's window"},
		{"099", false, drivers.RefusedOther, "does not list"},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			err := systemError(tt.data).sort("arm partition 1")
			if drivers.Transient(err) != tt.transient {
				t.Errorf("Transient(%v) = %v, want %v", err, !tt.transient, tt.transient)
			}
			var r *drivers.Refusal
			if !tt.transient && (!errors.As(err, &r) || r.Kind != tt.kind) {
				t.Errorf("error %v: want a refusal of kind %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), "502") && !strings.Contains(err.Error(), "system error") {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
	for _, c := range []Code{RespInvalidCode, RespArmFailure, RespBusy} {
		err := eventError("arm partition 1", c, 1)
		if drivers.Transient(err) || !strings.Contains(err.Error(), string(c)) {
			t.Errorf("eventError(%s) = %v: want a refusal naming the code", c, err)
		}
	}
}

func TestFrameStringHidesSecrets(t *testing.T) {
	for _, tt := range []struct {
		f      Frame
		secret string
	}{
		{Frame{Cmd: CmdLogin, Data: "s3cr3t"}, "s3cr3t"},
		{Frame{Cmd: CmdCodeSend, Data: "9731"}, "9731"},
		{Frame{Cmd: CmdDisarm, Data: "19731"}, "9731"},
		{Frame{Cmd: CmdArmWithCode, Data: "1973100"}, "973100"},
		{Frame{Cmd: CmdKeys, Data: "19731"}, "9731"},
		{Frame{Cmd: CmdKey, Data: "9"}, "9"},
	} {
		s := tt.f.String()
		if strings.Contains(s, tt.secret) || !strings.Contains(s, "hidden") {
			t.Errorf("%q shows its secret", s)
		}
	}
	if s := (Frame{Cmd: RespArmed, Data: "12"}).String(); s != "652 12 (partition armed)" {
		t.Errorf("String() = %q", s)
	}
}
