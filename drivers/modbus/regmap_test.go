package modbus

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store/family"
)

func TestCRC16(t *testing.T) {
	// CRC-16/MODBUS of "12345678" (the catalogue's check value is over
	// "123456789", an odd length registers cannot hold).
	if got := crc16([]uint16{0x3132, 0x3334, 0x3536, 0x3738}); got != 0x37DD {
		t.Fatalf("crc16 = %#x, want 0x37dd", got)
	}
	// docs/modbus.md's example: the check word of the keypad tag table
	// header 0x4B54 ("KT"), 1 tag, 1000 entries is the register 0x126F,
	// sent high byte first like every register (unlike an RTU frame's
	// CRC, which goes low byte first).
	w, err := EncodeKeypadTable(KeypadTable{Capacity: 1000, Tags: []drivers.KeypadTag{{Slot: 1, Tag: "04A1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if b := RegsToBytes(w[:4]); w[3] != 0x126F || b[6] != 0x12 || b[7] != 0x6F {
		t.Fatalf("header %#04x, on the wire % x; want check word 0x126f, bytes 12 6f", w[:4], b)
	}
}

func TestLayout(t *testing.T) {
	// Regions must not overlap, and a full map of MaxSlots must fit.
	regions := []struct {
		name     string
		at, size int
	}{
		{"identity", IdentityAddr, IdentityLen},
		{"command", CommandAddr, CommandLen},
		{"status", StatusAddr, StatusLen},
		{"partitions", PartitionAddr, MaxPartitions * PartitionBlockLen},
		{"locks", LockAddr, MaxLocks * LockBlockLen},
		{"bitmap", BitmapAddr, (MaxSlots + 15) / 16},
		{"users", UserAddr, MaxSlots * UserBlockLen},
	}
	for i := 1; i < len(regions); i++ {
		if p, r := regions[i-1], regions[i]; p.at+p.size > r.at {
			t.Errorf("%s (%#x+%d) runs into %s (%#x)", p.name, p.at, p.size, r.name, r.at)
		}
	}
	if end := UserAddr + MaxSlots*UserBlockLen; end > 1<<16 {
		t.Errorf("map ends at %d", end)
	}
	if CommandLen > maxWrite || 4*UserBlockLen > maxRead || KeypadHeaderLen+KeypadEntryLen > maxRead {
		t.Error("blocks exceed one request")
	}
	if 4+MaxTagsPerLock*lockTagLen+1 > LockBlockLen || 31+TagBytes/2 > CommandLen || 3+TagBytes/2+1 != KeypadEntryLen {
		t.Error("a 24-byte tag does not fit its block")
	}
	// The smallest map has room for MaxKeypadTags entries, and no more.
	if end := (Info{Identity: drivers.Identity{Slots: 1}, KeypadTags: MaxKeypadTags}).End(); end > 1<<16 || end+KeypadEntryLen <= 1<<16 {
		t.Errorf("a one-slot map with %d keypad tags ends at %d", MaxKeypadTags, end)
	}
	// docs/modbus.md's figures: 9 tags after 2,000 slots at base 0, one at
	// base 140 and none at 141; a tag for every slot up to 1,307 slots.
	room := func(slots, base int) int {
		return (1<<16 - base - KeypadAddr(slots) - KeypadHeaderLen) / KeypadEntryLen
	}
	if room(MaxSlots, 0) != 9 || room(MaxSlots, 140) != 1 || room(MaxSlots, 141) != 0 || room(1307, 0) < 1307 || room(1308, 0) >= 1308 {
		t.Errorf("room for keypad tags: %d, %d, %d, %d, %d", room(MaxSlots, 0), room(MaxSlots, 140), room(MaxSlots, 141), room(1307, 0), room(1308, 0))
	}
}

func TestUserBlock(t *testing.T) {
	u := drivers.User{Slot: 1234, CodeSet: true, Label: "Zoë", Role: "One-time User", Partitions: 1<<63 | 5, CodeCheck: 0xDEADBEEF, CodeSerial: 0x00070009}
	w, err := EncodeUser(u)
	if err != nil {
		t.Fatal(err)
	}
	if w[0] != 0 || w[1] != 1234 || w[2] != 1 || w[3] != 4 || w[4] != 0x8000 || w[7] != 5 || w[8] != 0xDEAD || w[10] != 'Z'<<8|'o' || w[26] != 7 || w[27] != 9 || w[28] != 0 {
		t.Fatalf("layout %v", w)
	}
	got, ok, err := DecodeUser(1234, w)
	if err != nil || !ok || got != u {
		t.Fatalf("decode = %+v %v %v", got, ok, err)
	}
	if _, _, err := DecodeUser(1235, w); !errors.Is(err, ErrGarbled) || !strings.Contains(err.Error(), "says slot 1234") {
		t.Fatalf("wrong slot: %v", err)
	}
	w[12] ^= 1
	if _, _, err := DecodeUser(1234, w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("flipped bit: %v", err)
	}
	// An empty slot still carries its serial: a clear at the keypad shows.
	empty, _ := EncodeUser(drivers.User{Slot: 9, Label: "ignored", CodeCheck: 1, CodeSerial: 3})
	if got, ok, err := DecodeUser(9, empty); err != nil || ok || got != (drivers.User{Slot: 9, CodeSerial: 3}) {
		t.Fatalf("empty block: %+v %v %v", got, ok, err)
	}
	if empty[2] != 0 || empty[8] != 0 || empty[9] != 0 || empty[10] != 0 {
		t.Fatalf("empty block carries more than its slot and serial: %v", empty)
	}
	if _, err := EncodeUser(drivers.User{Slot: 1, CodeSet: true, Role: "Janitor"}); err == nil {
		t.Fatal("unknown role encoded")
	}
	if _, err := EncodeUser(drivers.User{Slot: 1, CodeSet: true, Role: "User", Label: strings.Repeat("x", 33)}); err == nil {
		t.Fatal("long label encoded")
	}
}

func TestBitmap(t *testing.T) {
	w := EncodeBitmap(40, []int{1, 16, 17, 40, 41, 0})
	if len(w) != 3 || w[0] != 0x8001 || w[1] != 1 || w[2] != 0x80 {
		t.Fatalf("bitmap %#x", w)
	}
	if got := DecodeBitmap(40, append(w[:2:2], 0xFF80)); !reflect.DeepEqual(got, []int{1, 16, 17, 40}) {
		t.Fatalf("decoded %v (bits past the last slot must be ignored)", got)
	}
}

func TestIdentityBlock(t *testing.T) {
	in := Info{
		Identity:     drivers.Identity{Vendor: "DSC", Model: strings.Repeat("M", 40), Serial: "S-1", Firmware: "1.2", Slots: 95, Partitions: 8, CodeLength: 4, MapVersion: MapVersion},
		MasterSlot:   40,
		Locks:        2,
		TagsPerLock:  16,
		KeypadTags:   95,
		Capabilities: drivers.Capabilities{ReadBack: true, Locks: true, KeypadTags: true},
	}
	got, err := DecodeIdentity(EncodeIdentity(in))
	if err != nil {
		t.Fatal(err)
	}
	in.Model = in.Model[:32]
	if got != in {
		t.Fatalf("round trip\n%+v\n%+v", got, in)
	}
	if cut("aé", 2) != "a" {
		t.Fatal("cut split a UTF-8 sequence")
	}
	w := EncodeIdentity(in)
	if w[1] != 3 || w[9] != 0x51 || CapReadBack|CapLocks|CapKeypadTags != 0x51 || w[10] != 95 {
		t.Fatalf("identity says map version %d, capabilities %#x, %d keypad tags; want 3, 0x51, 95", w[1], w[9], w[10])
	}
	for _, c := range []struct {
		version uint16
		want    string
	}{
		{1, "register map version 1: this guardroom reads version 3 only: update the device's firmware (or its gateway) to map version 3"},
		{2, "register map version 2: this guardroom reads version 3 only: update the device's firmware (or its gateway) to map version 3"},
		{4, "register map version 4: this guardroom reads version 3 only: update guardroom"},
	} {
		w[1] = c.version
		if _, err := DecodeIdentity(w); err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrGarbled) {
			t.Fatalf("version %d: %v, want %q", c.version, err, c.want)
		}
	}
	w[1], w[3] = MapVersion, 0
	if _, err := DecodeIdentity(w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("0 slots: %v", err)
	}
	w[3], w[10] = 95, 4000 // more keypad tags than the address space holds
	if _, err := DecodeIdentity(w); !errors.Is(err, ErrGarbled) || !strings.Contains(err.Error(), "past register 65535") {
		t.Fatalf("4000 keypad tags: %v", err)
	}
}

func TestStatusRefusal(t *testing.T) {
	for _, c := range []struct {
		st   Status
		kind drivers.RefusalKind
		text string
	}{
		{Status{Code: StatusRefused + uint16(drivers.RefusedDuplicateCode), Reason: "taken"}, drivers.RefusedDuplicateCode, "taken"},
		{Status{Code: StatusRefused + uint16(drivers.RefusedBadSlot)}, drivers.RefusedBadSlot, "the panel refused the change (bad slot)"},
		{Status{Code: 999, Reason: "from the future"}, drivers.RefusedOther, "from the future"},
	} {
		r := c.st.Refusal()
		if r == nil || r.Kind != c.kind || r.Reason != c.text {
			t.Errorf("%+v → %+v", c.st, r)
		}
	}
	if (Status{Code: StatusOK}).Refusal() != nil || (Status{Code: StatusBusy}).Refusal() != nil {
		t.Error("ok or busy made a refusal")
	}
	long := strings.Repeat("é", 60)
	st, err := DecodeStatus(EncodeStatus(Status{Seq: 1, Op: 2, Code: 3, Reason: long}))
	if err != nil || len(st.Reason) > ReasonBytes || !utf8.ValidString(st.Reason) || !strings.HasPrefix(long, st.Reason) {
		t.Fatalf("long reason: %q %v", st.Reason, err)
	}
}

func TestCommandBlock(t *testing.T) {
	c := Command{Seq: 9, Op: OpSetCode, Slot: 70000, Number: 3, Arg: 3, Code: "01234567", Partitions: 0xF0, Label: "Lobby", Tag: "H10302:34359738367-ABCDE"}
	w, err := EncodeCommand(c)
	if err != nil {
		t.Fatal(err)
	}
	if w[6] != 8 || w[7] != '0'<<8|'1' {
		t.Fatalf("code words %v", w[6:11])
	}
	if w[31] != 'H'<<8|'1' || w[42] != 'D'<<8|'E' || w[43] != 0 {
		t.Fatalf("tag words %v", w[31:44])
	}
	got, err := DecodeCommand(w)
	if err != nil || got != c {
		t.Fatalf("round trip %+v %v", got, err)
	}
	if _, err := EncodeCommand(Command{Code: "123456789"}); err == nil {
		t.Fatal("9-digit code encoded")
	}
	if _, err := EncodeCommand(Command{Tag: strings.Repeat("T", 25)}); err == nil {
		t.Fatal("25-byte tag encoded")
	}
	w[6] = 9
	if _, err := DecodeCommand(w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("code length 9: %v", err)
	}
}

func TestLockBlock(t *testing.T) {
	l := drivers.LockStatus{Number: 2, State: family.LockJammed, Battery: 42}
	long := strings.Repeat("9", TagBytes)
	tags := []LockTag{{"B", 7}, {"A", 3}, {long, 7}}
	w, err := EncodeLock(l, tags)
	if err != nil {
		t.Fatal(err)
	}
	// Entry 2 (0-based) at 4+2*14: its tag's last word, then its slot.
	if w[4+2*lockTagLen+11] != '9'<<8|'9' || w[4+2*lockTagLen+13] != 7 || w[LockBlockLen-1] != crc16(w[:LockBlockLen-1]) {
		t.Fatalf("layout %v", w)
	}
	got, gotTags, err := DecodeLock(2, w)
	if err != nil {
		t.Fatal(err)
	}
	l.Tags, l.Users = []string{long, "A", "B"}, []int{3, 7}
	if !reflect.DeepEqual(got, l) || !reflect.DeepEqual(gotTags, tags) {
		t.Fatalf("decode %+v %+v", got, gotTags)
	}
	if _, _, err := DecodeLock(3, w); !errors.Is(err, ErrGarbled) || !strings.Contains(err.Error(), "says lock 2: check options base") {
		t.Fatalf("wrong number: %v", err)
	}
	bad := slices.Clone(w)
	bad[2] = 41 // the battery moved between the block's two reads
	if _, _, err := DecodeLock(2, bad); !errors.Is(err, ErrGarbled) || !strings.Contains(err.Error(), "check word") {
		t.Fatalf("torn block: %v", err)
	}
	w[3] = 4 // one more tag than written: an empty entry
	w[LockBlockLen-1] = crc16(w[:LockBlockLen-1])
	if _, _, err := DecodeLock(2, w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("empty tag entry: %v", err)
	}
	if _, err := EncodeLock(l, make([]LockTag, 17)); err == nil {
		t.Fatal("17 tags encoded")
	}
	for _, tag := range []string{"", "has space", strings.Repeat("T", TagBytes+1)} {
		if _, err := EncodeLock(l, []LockTag{{tag, 1}}); err == nil {
			t.Fatalf("tag %q encoded", tag)
		}
	}
}

// TestLockBlockUsers: the assigned users follow the tag entries, counted
// then listed ascending, inside the check word.
func TestLockBlockUsers(t *testing.T) {
	if lockUsersAt+1+MaxLockUsers >= LockBlockLen-1 || sim.MaxUsersPerLock != MaxLockUsers {
		t.Fatalf("%d users at word %d do not fit a block of %d, or the sim takes %d", MaxLockUsers, lockUsersAt, LockBlockLen, sim.MaxUsersPerLock)
	}
	l := drivers.LockStatus{Number: 1, State: family.LockLocked, Battery: 80, AssignedUsers: []int{2000, 3, 40}}
	w, err := EncodeLock(l, []LockTag{{"A", 3}})
	if err != nil {
		t.Fatal(err)
	}
	if w[228] != 3 || w[229] != 3 || w[230] != 40 || w[231] != 2000 || w[232] != 0 {
		t.Fatalf("users at 228: %v", w[228:233])
	}
	got, _, err := DecodeLock(1, w)
	if err != nil || fmt.Sprint(got.AssignedUsers, got.Users) != "[3 40 2000] [3]" {
		t.Fatalf("decode %+v %v", got, err)
	}
	for name, fix := range map[string]func([]uint16){
		"too many": func(w []uint16) { w[228] = MaxLockUsers + 1 },
		"repeat":   func(w []uint16) { w[230] = 3 },
		"slot 0":   func(w []uint16) { w[228] = 4 },
	} {
		bad := slices.Clone(w)
		fix(bad)
		bad[LockBlockLen-1] = crc16(bad[:LockBlockLen-1])
		if _, _, err := DecodeLock(1, bad); !errors.Is(err, ErrGarbled) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, users := range [][]int{make([]int, MaxLockUsers+1), {0}, {1 << 16}} {
		if _, err := EncodeLock(drivers.LockStatus{Number: 1, AssignedUsers: users}, nil); err == nil {
			t.Fatalf("users %v encoded", users)
		}
	}
}

func TestKeypadTable(t *testing.T) {
	in := KeypadTable{Capacity: 5, Tags: []drivers.KeypadTag{kt("04A1B2C3D4E5F6A7B8C9", 40), kt("H10301:90:324", 2), kt("X", 1000)}}
	w, err := EncodeKeypadTable(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != KeypadHeaderLen+5*KeypadEntryLen || w[0] != 0x4B54 || w[1] != 3 || w[2] != 5 || w[3] != crc16(w[:3]) {
		t.Fatalf("header %v", w[:4])
	}
	// Entries in slot order: the first is slot 2's.
	e := w[KeypadHeaderLen:]
	if e[0] != 1 || e[1] != 0 || e[2] != 2 || e[3] != 'H'<<8|'1' || e[15] != crc16(e[:15]) {
		t.Fatalf("entry 1 %v", e[:16])
	}
	for _, x := range w[KeypadHeaderLen+3*KeypadEntryLen:] {
		if x != 0 {
			t.Fatalf("unused entries are not zero: %v", w[KeypadHeaderLen+3*KeypadEntryLen:])
		}
	}
	got, err := DecodeKeypadTable(w)
	want := KeypadTable{Capacity: 5, Tags: []drivers.KeypadTag{kt("H10301:90:324", 2), kt("04A1B2C3D4E5F6A7B8C9", 40), kt("X", 1000)}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("decode %+v %v", got, err)
	}
	// The entries in use are enough: a driver reads no more.
	if got, err := DecodeKeypadTable(w[:KeypadHeaderLen+3*KeypadEntryLen]); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("decode of the entries in use %+v %v", got, err)
	}
	if _, err := DecodeKeypadTable(w[:KeypadHeaderLen+2*KeypadEntryLen]); !errors.Is(err, ErrGarbled) {
		t.Fatalf("cut short: %v", err)
	}
	if empty, err := EncodeKeypadTable(KeypadTable{Capacity: 2}); err != nil || len(empty) != 4+32 {
		t.Fatalf("empty table %v %v", empty, err)
	} else if got, err := DecodeKeypadTable(empty[:4]); err != nil || got.Capacity != 2 || got.Tags != nil {
		t.Fatalf("empty table decodes as %+v %v", got, err)
	}

	for _, c := range []struct {
		name string
		edit func(w []uint16)
		want string
	}{
		{"wrong base", func(w []uint16) { copy(w, w[1:]) }, "check options base"},
		{"header check word", func(w []uint16) { w[1] = 2 }, "check options base"},
		{"more tags than entries", func(w []uint16) { w[1] = 6; w[3] = crc16(w[:3]) }, "6 tags in 5 entries"},
		{"entry check word", func(w []uint16) { w[KeypadHeaderLen+KeypadEntryLen+5] ^= 1 }, "entry 2 failed its check word"},
		{"entry number", func(w []uint16) { fix(w[KeypadHeaderLen+KeypadEntryLen:], func(e []uint16) { e[0] = 3 }) }, "entry 2 says entry 3: check options base"},
		{"slot 0", func(w []uint16) { fix(w[KeypadHeaderLen:], func(e []uint16) { e[2] = 0 }) }, "entry 1 has slot 0"},
		{"tag with a space", func(w []uint16) { fix(w[KeypadHeaderLen:], func(e []uint16) { e[3] = 'H'<<8 | ' ' }) }, "printable ASCII"},
		{"empty tag", func(w []uint16) { fix(w[KeypadHeaderLen:], func(e []uint16) { clear(e[3:15]) }) }, "1-24 characters"},
		{"out of order", func(w []uint16) { fix(w[KeypadHeaderLen:], func(e []uint16) { e[2] = 41 }) }, "entry 2 is out of slot order"},
		{"tag twice", func(w []uint16) {
			fix(w[KeypadHeaderLen+KeypadEntryLen:], func(e []uint16) { copy(e[3:15], w[KeypadHeaderLen+3:KeypadHeaderLen+15]) })
		}, "H10301:90:324 is on two entries"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := slices.Clone(w)
			c.edit(bad)
			if _, err := DecodeKeypadTable(bad); !errors.Is(err, ErrGarbled) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v, want %q", err, c.want)
			}
		})
	}

	for _, bad := range []KeypadTable{
		{Capacity: 1, Tags: []drivers.KeypadTag{kt("A", 1), kt("B", 2)}},
		{Capacity: 2, Tags: []drivers.KeypadTag{kt("A", 1), kt("A", 2)}},
		{Capacity: 1, Tags: []drivers.KeypadTag{kt("A", 0)}},
		{Capacity: 1, Tags: []drivers.KeypadTag{kt("A B", 1)}},
		{Capacity: 1, Tags: []drivers.KeypadTag{kt(strings.Repeat("A", 25), 1)}},
		{Capacity: MaxKeypadTags + 1},
	} {
		if _, err := EncodeKeypadTable(bad); err == nil {
			t.Errorf("%+v encoded", bad)
		}
	}
}

func kt(tag string, slot int) drivers.KeypadTag { return drivers.KeypadTag{Tag: tag, Slot: slot} }

// fix edits a keypad tag entry and gives it its check word again, so that
// a decoder reaches the check behind it.
func fix(e []uint16, edit func([]uint16)) {
	edit(e[:KeypadEntryLen])
	e[15] = crc16(e[:15])
}

func TestPartitionBlock(t *testing.T) {
	p := drivers.Partition{Number: 64, Label: "Warehouse", State: family.NotReady}
	got, err := DecodePartition(64, EncodePartition(p))
	if err != nil || got != p {
		t.Fatalf("round trip %+v %v", got, err)
	}
	w := EncodePartition(p)
	if w[19] != crc16(w[:19]) {
		t.Fatalf("check word %#x", w[19])
	}
	w[1] = 10
	if _, err := DecodePartition(64, w); !errors.Is(err, ErrGarbled) || !strings.Contains(err.Error(), "check word") {
		t.Fatalf("a changed word: %v", err)
	}
	w[19] = crc16(w[:19])
	if _, err := DecodePartition(64, w); !errors.Is(err, ErrGarbled) || !strings.Contains(err.Error(), "state code 10") {
		t.Fatalf("state 10: %v", err)
	}
	w[1], w[2] = 0, 0xFF00
	w[19] = crc16(w[:19])
	if _, err := DecodePartition(64, w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("bad UTF-8: %v", err)
	}
	if _, err := DecodePartition(63, EncodePartition(p)); !errors.Is(err, ErrGarbled) || !strings.Contains(err.Error(), "check options base") {
		t.Fatalf("wrong number: %v", err)
	}
}

func TestBytesToRegs(t *testing.T) {
	if _, err := BytesToRegs([]byte{1, 2, 3}); !errors.Is(err, ErrGarbled) {
		t.Fatalf("odd payload: %v", err)
	}
	w, err := BytesToRegs(RegsToBytes([]uint16{0xCAFE, 1}))
	if err != nil || !reflect.DeepEqual(w, []uint16{0xCAFE, 1}) {
		t.Fatalf("%v %v", w, err)
	}
}

// Every state store/family names has its code in map v3: a state added
// there without a code here would be sent as the first one.
func TestEveryStateHasACode(t *testing.T) {
	for _, s := range family.PartitionStates() {
		p := drivers.Partition{Number: 1, State: s}
		if got, err := DecodePartition(1, EncodePartition(p)); err != nil || got.State != s {
			t.Errorf("partition state %q comes back as %q (%v)", s, got.State, err)
		}
	}
	for _, s := range family.LockStates() {
		w, err := EncodeLock(drivers.LockStatus{Number: 1, State: s}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := DecodeLock(1, w); err != nil || got.State != s {
			t.Errorf("lock state %q comes back as %q (%v)", s, got.State, err)
		}
	}
}
