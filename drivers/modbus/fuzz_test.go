package modbus

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

func regsOf(data []byte) []uint16 {
	w := make([]uint16, len(data)/2)
	for i := range w {
		w[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
	}
	return w
}

// FuzzDecodeUsers feeds arbitrary registers to the user block decoder.
// With fix set, each whole block gets its slot number and check word
// right, so the fuzzer reaches the field checks behind them. Decoding
// never panics, and what decodes re-encodes to blocks that decode the
// same.
func FuzzDecodeUsers(f *testing.F) {
	u1, _ := EncodeUser(drivers.User{Slot: 1, CodeSet: true, Role: "Master", Label: "Master", Partitions: 3, CodeCheck: 42, CodeSerial: 5})
	u2, _ := EncodeUser(drivers.User{Slot: 2, CodeSerial: 1})
	f.Add(RegsToBytes(append(u1, u2...)), uint16(1), false)
	f.Add(RegsToBytes(u1), uint16(1), true)
	f.Add([]byte{1, 2, 3}, uint16(0), true)
	f.Fuzz(func(t *testing.T, data []byte, first uint16, fix bool) {
		w := regsOf(data)
		if fix {
			for i := 0; i+UserBlockLen <= len(w); i += UserBlockLen {
				put32(w[i:], uint32(int(first)+i/UserBlockLen))
				w[i+29] = crc16(w[i : i+29])
			}
		}
		users, err := DecodeUsers(int(first), w)
		if err != nil {
			return
		}
		for _, u := range users {
			enc, err := EncodeUser(u)
			if err != nil {
				t.Fatalf("decoded %+v does not encode: %v", u, err)
			}
			again, ok, err := DecodeUser(u.Slot, enc)
			if err != nil || !ok || again != u {
				t.Fatalf("%+v re-decodes as %+v %v %v", u, again, ok, err)
			}
		}
	})
}

// FuzzUserRoundTrip: every user the map can carry encodes and decodes to
// itself.
func FuzzUserRoundTrip(f *testing.F) {
	f.Add(uint32(1), uint8(1), "Master", uint64(1), uint32(7), uint32(0))
	f.Add(uint32(2000), uint8(9), "Zoë Müller", ^uint64(0), ^uint32(0), ^uint32(0))
	f.Fuzz(func(t *testing.T, slot uint32, role uint8, label string, parts uint64, check, serial uint32) {
		u := drivers.User{Slot: int(slot), CodeSet: true, Role: roles[1+int(role)%(len(roles)-1)], Label: label, Partitions: parts, CodeCheck: check, CodeSerial: serial}
		w, err := EncodeUser(u)
		fits := len(label) <= LabelBytes && utf8.ValidString(label)
		for i := 0; i < len(label); i++ {
			fits = fits && label[i] != 0
		}
		if !fits {
			if err == nil && len(label) > LabelBytes {
				t.Fatalf("label of %d bytes encoded", len(label))
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := DecodeUser(int(slot), w)
		if err != nil || !ok || got != u {
			t.Fatalf("%+v decodes as %+v %v %v", u, got, ok, err)
		}
	})
}

// FuzzDecodeBlocks feeds arbitrary registers to the identity, status,
// command, partition, lock and keypad tag table decoders: none panics, and
// what decodes re-encodes to a block that decodes the same. With fix set,
// the partition and lock blocks get their check words right, so the
// fuzzer reaches the field checks behind them.
func FuzzDecodeBlocks(f *testing.F) {
	f.Add(RegsToBytes(EncodeIdentity(Info{Identity: drivers.Identity{Model: "m", Slots: 8}, KeypadTags: 8})), false)
	f.Add(RegsToBytes(EncodeStatus(Status{Seq: 1, Code: 3, Reason: "taken"})), false)
	l, _ := EncodeLock(drivers.LockStatus{Number: 1, State: family.LockLocked, Battery: 90}, []LockTag{{"T1", 2}, {"04A1B2C3D4E5F6A7B8C9", 3}})
	f.Add(RegsToBytes(l), false)
	f.Add(RegsToBytes(l[:20]), true)
	c, _ := EncodeCommand(Command{Seq: 1, Op: OpAddKeypadTag, Slot: 2, Tag: "H10302:34359738367"})
	f.Add(RegsToBytes(c), false)
	f.Add(RegsToBytes(EncodePartition(drivers.Partition{Number: 1, Label: "P", State: family.Alarm})), false)
	k, _ := EncodeKeypadTable(KeypadTable{Capacity: 2, Tags: []drivers.KeypadTag{{Tag: "90:324", Slot: 4}}})
	f.Add(RegsToBytes(k), false)
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		w := regsOf(data)
		pad := func(n int) []uint16 { return append(append([]uint16(nil), w...), make([]uint16, n)...)[:n] }

		if in, err := DecodeIdentity(pad(IdentityLen)); err == nil {
			if again, err := DecodeIdentity(EncodeIdentity(in)); err != nil || again != in {
				t.Fatalf("identity %+v → %+v %v", in, again, err)
			}
		}
		if st, err := DecodeStatus(pad(StatusLen)); err == nil {
			if again, err := DecodeStatus(EncodeStatus(st)); err != nil || again != st {
				t.Fatalf("status %+v → %+v %v", st, again, err)
			}
			st.Refusal()
		}
		if cmd, err := DecodeCommand(pad(CommandLen)); err == nil {
			enc, err := EncodeCommand(cmd)
			if err != nil {
				t.Fatalf("command %+v does not encode: %v", cmd, err)
			}
			if again, err := DecodeCommand(enc); err != nil || again != cmd {
				t.Fatalf("command %+v → %+v %v", cmd, again, err)
			}
		}
		pw := pad(PartitionBlockLen)
		if fix {
			pw[19] = crc16(pw[:19])
		}
		if p, err := DecodePartition(int(pw[0]), pw); err == nil {
			if again, err := DecodePartition(p.Number, EncodePartition(p)); err != nil || again != p {
				t.Fatalf("partition %+v → %+v %v", p, again, err)
			}
		}
		lw := pad(LockBlockLen)
		if fix {
			lw[LockBlockLen-1] = crc16(lw[:LockBlockLen-1])
		}
		if l, tags, err := DecodeLock(int(lw[0]), lw); err == nil {
			enc, err := EncodeLock(l, tags)
			if err != nil {
				t.Fatalf("lock %+v does not encode: %v", l, err)
			}
			again, againTags, err := DecodeLock(l.Number, enc)
			if err != nil || !reflect.DeepEqual(again, l) || !reflect.DeepEqual(againTags, tags) {
				t.Fatalf("lock %+v %+v → %+v %+v %v", l, tags, again, againTags, err)
			}
		}
		if kt, err := DecodeKeypadTable(w); err == nil {
			keypadRoundTrip(t, kt)
		}
		DecodeBitmap(len(w)*16, w)
	})
}

// keypadRoundTrip checks that a decoded keypad tag table encodes, and
// decodes to itself.
func keypadRoundTrip(t *testing.T, kt KeypadTable) {
	t.Helper()
	enc, err := EncodeKeypadTable(kt)
	if err != nil {
		t.Fatalf("keypad table %+v does not encode: %v", kt, err)
	}
	if len(enc) != KeypadHeaderLen+kt.Capacity*KeypadEntryLen {
		t.Fatalf("keypad table of %d entries encodes to %d registers", kt.Capacity, len(enc))
	}
	again, err := DecodeKeypadTable(enc)
	if err != nil || !reflect.DeepEqual(again, kt) {
		t.Fatalf("keypad table %+v → %+v %v", kt, again, err)
	}
}

// FuzzDecodeKeypadTable feeds arbitrary registers to the keypad tag table
// decoder. With fix set, the header gets its magic, a count that fits and
// its check word, and each entry its number and check word, so the fuzzer
// reaches the slot, tag, order and duplicate checks. Decoding never
// panics; what decodes holds valid tags of slots from 1 in strict order,
// and round-trips.
func FuzzDecodeKeypadTable(f *testing.F) {
	k, _ := EncodeKeypadTable(KeypadTable{Capacity: 3, Tags: []drivers.KeypadTag{{Tag: "H10301:90:324", Slot: 2}, {Tag: "04A1B2C3D4E5F6A7B8C9", Slot: 40}}})
	f.Add(RegsToBytes(k), false)
	f.Add(RegsToBytes(k[:KeypadHeaderLen+KeypadEntryLen]), true)
	f.Add([]byte("KT\x00\x02\x00\x02"), true)
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		w := regsOf(data)
		if fix && len(w) >= KeypadHeaderLen {
			entries := (len(w) - KeypadHeaderLen) / KeypadEntryLen
			w[0] = KeypadMagic
			w[2] = uint16(min(int(w[2]), MaxKeypadTags))
			w[1] = uint16(min(int(w[1]), int(w[2]), entries))
			w[3] = crc16(w[:3])
			for i := range entries {
				e := w[KeypadHeaderLen+i*KeypadEntryLen:]
				e[0] = uint16(i + 1)
				e[15] = crc16(e[:15])
			}
		}
		kt, err := DecodeKeypadTable(w)
		if err != nil {
			return
		}
		for i, k := range kt.Tags {
			if k.Slot < 1 || drivers.CheckTag(k.Tag) != nil || (i > 0 && kt.Tags[i-1].Slot > k.Slot) {
				t.Fatalf("decoded entry %d %+v of %+v", i+1, k, kt.Tags)
			}
		}
		keypadRoundTrip(t, kt)
	})
}
