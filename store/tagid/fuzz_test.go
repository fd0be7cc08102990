package tagid

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fuzzSeeds are inputs worth starting from: every form Parse accepts and the
// near misses around them.
var fuzzSeeds = []string{
	"", " ", "90:324", "090:0324", " 90 : 324 ", "255:65535", "256:0", "0:65536", "65535:524287",
	"65536:0", "0:524288", "1:1", ":", "1:", ":1", "-1:5", "+1:5", "1:2:3", "99999999999999999999999:1",
	"04A1B2C3D4E5F6", "04:a1:b2:c3:d4:e5:f6", "04-A1-B2-C3", "04 A1 B2 C3", "0x04A1B2C3", "0X04a1b2c3",
	"04112233445566778899", "0102030405", "04A1B2C", "04::A1:B2:C3", "04:A1:B2:C3:", "12345678",
	"10101010", "10 10 10 10", "0b101010", "UID:04A1B2C3", "uid:", "uid:90:324",
	"w26:0xB40288", "W26:0x0b40288", "w26:0x", "w26:0x4000000", "w26:B40288", "w26:", "w26:90:324",
	"w34:90:324", "w37:1:1", "w37:0x1000100002", "H10301:90:324", "h10306:1:1", "H10304:1:65536",
	"H10302:12345678", "H10302:34359738368", "H10302:1:1", "h10302:0x2", "H10301:0b00101101000000001010001000",
	"26:00101101000000001010001000", "37:1000000000000000100000000000000000010", "26:324",
	"0 01011010 0000000101000100 0", "00111101000000001010001000", "0010110100000000101000100",
	"٠٤A1B2C3", "04A1B2C3\xff", "\u00a004A1B2C3\u00a0", "H10301", "h10301:", "ＵＩＤ:04A1B2C3",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, v := range vectors {
		if v.frame != "" {
			f.Add(v.frame)
		}
		f.Add(ID{Format: v.format, Facility: uint32(v.fc), Card: v.cn}.String())
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			checkRefusal(t, err)
		} else {
			checkCanonical(t, s, id)
			// Naming the format Parse chose must not change the answer.
			if got, err := ParseAs(s, id.Format); err != nil || !got.Equal(id) {
				t.Fatalf("Parse(%q) = %s but ParseAs(%s) = %s, %v", s, id, id.Format, got, err)
			}
		}
		for _, f := range []Format{FormatUID, FormatH10301, FormatH10306, FormatH10304, FormatH10302} {
			got, err := ParseAs(s, f)
			if err != nil {
				checkRefusal(t, err)
				continue
			}
			if got.Format != f {
				t.Fatalf("ParseAs(%q, %s) gave a %s", s, f, got.Format)
			}
			checkCanonical(t, s, got)
		}
	})
}

// checkRefusal: a refusal names its kind and says what to do, in a message
// of sensible length however long the input.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	known := false
	for _, k := range []error{ErrSyntax, ErrLength, ErrRange, ErrParity, ErrFormat} {
		known = known || errors.Is(err, k)
	}
	if !known {
		t.Fatalf("error %q matches no sentinel", err)
	}
	msg := err.Error()
	if len(msg) > 400 {
		t.Fatalf("error of %d bytes: %q", len(msg), msg)
	}
	if !strings.Contains(msg, "type") && !strings.Contains(msg, "check") && !strings.Contains(msg, "read the card") {
		t.Fatalf("error %q says nothing about what to do", msg)
	}
}

// checkCanonical: an accepted ID is valid, its canonical form parses back to
// it and is a fixed point, and its frame (if any) reads back as it.
func checkCanonical(t *testing.T, in string, id ID) {
	t.Helper()
	if err := id.Validate(); err != nil {
		t.Fatalf("%q gave an invalid ID %+v: %v", in, id, err)
	}
	key := id.String()
	if key == "" || len(key) > 20 {
		t.Fatalf("%q gave %+v with key %q: want 1 to 20 characters (the package comment)", in, id, key)
	}
	again, err := Parse(key)
	if err != nil || !again.Equal(id) {
		t.Fatalf("%q gave %+v, key %q, which parses as %+v, %v", in, id, key, again, err)
	}
	if k2 := again.String(); k2 != key {
		t.Fatalf("key %q is not canonical: it becomes %q", key, k2)
	}
	if id.Format == FormatUID {
		return
	}
	v, n := id.Bits()
	for _, frame := range []string{id.BitString(), fmt.Sprintf("w%d:0x%X", n, v)} {
		if got, err := ParseAs(frame, id.Format); err != nil || !got.Equal(id) {
			t.Fatalf("%q gave %+v, whose frame %s parses as %+v, %v", in, id, frame, got, err)
		}
	}
}

var fuzzFormats = []Format{FormatH10301, FormatH10306, FormatH10304, FormatH10302}

func FuzzWiegandBits(f *testing.F) {
	for i := range fuzzFormats {
		f.Add(uint32(0), uint64(0), uint8(i))
		f.Add(^uint32(0), ^uint64(0), uint8(i))
		f.Add(uint32(1), uint64(1), uint8(i))
	}
	for _, v := range vectors {
		for i, fm := range fuzzFormats {
			if fm == v.format {
				f.Add(uint32(v.fc), v.cn, uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, fc uint32, cn uint64, which uint8) {
		l := layoutOf(fuzzFormats[int(which)%len(fuzzFormats)])
		id := ID{Format: l.format, Facility: uint32(uint64(fc) % (l.maxFacility + 1)), Card: cn % (l.maxCard + 1)}
		v, n := id.Bits()
		bits := id.BitString()
		if n != l.bits || len(bits) != n || v>>n != 0 {
			t.Fatalf("%+v: Bits %#x, %d; BitString %q", id, v, n, bits)
		}
		if want := handFrame(l.format, uint64(id.Facility), id.Card); bits != want {
			t.Fatalf("%+v: BitString %s, by hand %s", id, bits, want)
		}
		for _, in := range []string{bits, fmt.Sprintf("w%d:0x%X", n, v), id.String()} {
			got, err := ParseAs(in, l.format)
			if err != nil || !got.Equal(id) {
				t.Fatalf("ParseAs(%q, %s) = %+v, %v; want %+v", in, l.format, got, err, id)
			}
		}
		if got, err := Parse(id.String()); err != nil || !got.Equal(id) {
			t.Fatalf("Parse(%q) = %+v, %v; want %+v", id.String(), got, err, id)
		}
		// Every single-bit flip must change the ID or fail parity. In these
		// layouts each bit is under one parity bit or both, so a flip always
		// fails parity, which is what is checked.
		b := []byte(bits)
		for i := range b {
			b[i] ^= 1
			got, err := ParseAs(string(b), l.format)
			if !errors.Is(err, ErrParity) {
				t.Fatalf("%+v with bit %d flipped: %+v, %v; want a parity error", id, i, got, err)
			}
			b[i] ^= 1
		}
	})
}
