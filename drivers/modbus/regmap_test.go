package modbus

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/guardroom/guardroom/drivers"
)

func TestCRC16(t *testing.T) {
	// CRC-16/MODBUS of "12345678" (the catalogue's check value is over
	// "123456789", an odd length registers cannot hold).
	if got := crc16([]uint16{0x3132, 0x3334, 0x3536, 0x3738}); got != 0x37DD {
		t.Fatalf("crc16 = %#x, want 0x37dd", got)
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
	if CommandLen > maxWrite || 4*UserBlockLen > maxRead {
		t.Error("blocks exceed one request")
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
		Capabilities: drivers.Capabilities{ReadBack: true, Locks: true},
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
	if w[1] != 2 {
		t.Fatalf("identity says map version %d, want 2", w[1])
	}
	for _, c := range []struct {
		version uint16
		want    string
	}{
		{1, "register map version 1: this guardroom reads version 2 only: update the device's firmware"},
		{3, "register map version 3: this guardroom reads version 2 only: update guardroom"},
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
	c := Command{Seq: 9, Op: OpSetCode, Slot: 70000, Number: 3, Arg: 3, Code: "01234567", Partitions: 0xF0, Label: "Lobby", Tag: "04A2B3C4"}
	w, err := EncodeCommand(c)
	if err != nil {
		t.Fatal(err)
	}
	if w[6] != 8 || w[7] != '0'<<8|'1' {
		t.Fatalf("code words %v", w[6:11])
	}
	got, err := DecodeCommand(w)
	if err != nil || got != c {
		t.Fatalf("round trip %+v %v", got, err)
	}
	if _, err := EncodeCommand(Command{Code: "123456789"}); err == nil {
		t.Fatal("9-digit code encoded")
	}
	w[6] = 9
	if _, err := DecodeCommand(w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("code length 9: %v", err)
	}
}

func TestLockBlock(t *testing.T) {
	l := drivers.LockStatus{Number: 2, State: drivers.Jammed, Battery: 42}
	tags := []LockTag{{"B", 7}, {"A", 3}, {"C", 7}}
	w, err := EncodeLock(l, tags)
	if err != nil {
		t.Fatal(err)
	}
	got, gotTags, err := DecodeLock(2, w)
	if err != nil {
		t.Fatal(err)
	}
	l.Tags, l.Users = []string{"A", "B", "C"}, []int{3, 7}
	if !reflect.DeepEqual(got, l) || !reflect.DeepEqual(gotTags, tags) {
		t.Fatalf("decode %+v %+v", got, gotTags)
	}
	if _, _, err := DecodeLock(3, w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("wrong number: %v", err)
	}
	w[3] = 4 // one more tag than written: an empty entry
	if _, _, err := DecodeLock(2, w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("empty tag entry: %v", err)
	}
	if _, err := EncodeLock(l, make([]LockTag, 17)); err == nil {
		t.Fatal("17 tags encoded")
	}
}

func TestPartitionBlock(t *testing.T) {
	p := drivers.Partition{Number: 64, Label: "Warehouse", State: drivers.NotReady}
	got, err := DecodePartition(64, EncodePartition(p))
	if err != nil || got != p {
		t.Fatalf("round trip %+v %v", got, err)
	}
	w := EncodePartition(p)
	w[1] = 6
	if _, err := DecodePartition(64, w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("state 6: %v", err)
	}
	w[1], w[2] = 0, 0xFF00
	if _, err := DecodePartition(64, w); !errors.Is(err, ErrGarbled) {
		t.Fatalf("bad UTF-8: %v", err)
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
