package modbus_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	mb "github.com/goburrow/modbus"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store/family"
)

// readBack checks that the driver reads what the simulated panel holds.
func readBack(t *testing.T, d *modbus.Driver, s *modbus.Simulator) []drivers.User {
	t.Helper()
	got, err := d.ReadUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.Panel().Snapshot().Users; !reflect.DeepEqual(got, want) {
		t.Fatalf("driver reads\n%+v\npanel holds\n%+v", got, want)
	}
	return got
}

func slotOf(users []drivers.User, slot int) (drivers.User, bool) {
	for _, u := range users {
		if u.Slot == slot {
			return u, true
		}
	}
	return drivers.User{}, false
}

func TestIdentify(t *testing.T) {
	s, addr := startSim(t, "neo-hs2128e", modbus.SimOptions{})
	d := dial(t, addr, nil)
	if got := d.Capabilities(); !got.Locks || !got.ReadBack {
		t.Fatalf("capabilities before identify = %+v, want map v3's full set", got)
	}
	id, err := d.Identify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := s.Panel().Snapshot().Identity
	want.MapVersion = modbus.MapVersion
	if id != want {
		t.Fatalf("identity\n%+v\nwant\n%+v", id, want)
	}
	if id.Slots != 1000 || id.CodeLength != 8 || id.Partitions != 8 {
		t.Fatalf("HS2128 E identity %+v", id)
	}
	if got, want := d.Capabilities(), s.Panel().Capabilities(); got != want {
		t.Fatalf("capabilities %+v, want the panel's %+v", got, want)
	}
	if d.Transport() != "tcp "+addr+" unit 1" {
		t.Fatalf("transport %q", d.Transport())
	}

	// A panel without locks says so.
	v, vaddr := startSim(t, "visonic-powermaster30", modbus.SimOptions{})
	dv := dial(t, vaddr, nil)
	if _, err := dv.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	if dv.Capabilities().Locks || dv.Capabilities() != v.Panel().Capabilities() {
		t.Fatalf("PowerMaster capabilities %+v", dv.Capabilities())
	}
	if locks, err := dv.ReadLocks(ctx); err != nil || len(locks) != 0 {
		t.Fatalf("PowerMaster locks %v, %v", locks, err)
	}
}

func TestUsersReadBack(t *testing.T) {
	s, addr := startSim(t, "neo-hs2032", modbus.SimOptions{Base: 1000})
	d := dial(t, addr, map[string]string{"base": "1000"})
	readBack(t, d, s) // the master only

	// Slots spread over several reads, with gaps.
	for _, slot := range []int{2, 3, 4, 5, 6, 7, 40, 71, 72} {
		u := drivers.User{Slot: slot, Label: fmt.Sprint("User ", slot), Partitions: 0b0110}
		if slot == 40 {
			u.Role, u.Label = "Supervisor", "Zoë Müller-Lüdenscheidt" // 26 bytes
		}
		if err := d.SetCode(ctx, u, fmt.Sprintf("%04d", 1000+slot)); err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}
	}
	users := readBack(t, d, s)
	if len(users) != 10 {
		t.Fatalf("%d users, want 10", len(users))
	}
	u, _ := slotOf(users, 40)
	if u.Role != "Supervisor" || u.Label != "Zoë Müller-Lüdenscheidt" || u.Partitions != 0b0110 || u.CodeCheck != drivers.CodeCheck(40, "1040") {
		t.Fatalf("slot 40 = %+v", u)
	}

	if err := d.SetLabel(ctx, 5, "Front desk"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPartitions(ctx, 6, 0b1001); err != nil {
		t.Fatal(err)
	}
	if err := d.ClearCode(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if err := d.SetCode(ctx, drivers.User{Slot: 4}, "4004"); err != nil { // replace: default role, all partitions, no label
		t.Fatal(err)
	}
	users = readBack(t, d, s)
	if u, _ := slotOf(users, 5); u.Label != "Front desk" {
		t.Fatalf("slot 5 = %+v", u)
	}
	if u, _ := slotOf(users, 6); u.Partitions != 0b1001 {
		t.Fatalf("slot 6 = %+v", u)
	}
	if _, ok := slotOf(users, 7); ok {
		t.Fatal("slot 7 survived ClearCode")
	}
	if u, _ := slotOf(users, 4); u.Role != "User" || u.Partitions != 0b1111 || u.Label != "" || u.CodeCheck != drivers.CodeCheck(4, "4004") {
		t.Fatalf("slot 4 = %+v", u)
	}
}

// TestCodeSerial: user blocks carry the panel's code serial, and every
// change of a code, through the driver or at the keypad, shows as a new
// one.
func TestCodeSerial(t *testing.T) {
	s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
	d := dial(t, addr, nil)
	// serial reads slot with ReadUser, and with ReadUsers when it holds
	// a code; both must agree with the panel.
	serial := func(slot int) uint32 {
		t.Helper()
		u, err := d.ReadUser(ctx, slot)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := s.Panel().ReadUser(ctx, slot); u != want {
			t.Fatalf("ReadUser(%d) = %+v, the panel holds %+v", slot, u, want)
		}
		if listed, ok := slotOf(readBack(t, d, s), slot); ok != u.CodeSet || (ok && listed != u) {
			t.Fatalf("ReadUser(%d) = %+v, ReadUsers has %+v, %v", slot, u, listed, ok)
		}
		return u.CodeSerial
	}
	if got := serial(1); got != 0 {
		t.Fatalf("factory master serial %d, want 0", got)
	}
	if err := d.SetCode(ctx, drivers.User{Slot: 3, Label: "Ana"}, "3131"); err != nil {
		t.Fatal(err)
	}
	if got := serial(3); got != 1 {
		t.Fatalf("serial %d after the first set, want 1", got)
	}
	if err := d.SetLabel(ctx, 3, "Ana B"); err != nil {
		t.Fatal(err)
	}
	if got := serial(3); got != 1 {
		t.Fatalf("serial %d after a label change, want 1", got)
	}
	if err := d.SetCode(ctx, drivers.User{Slot: 3, Label: "Ana"}, "3131"); err != nil {
		t.Fatalf("setting the same code again: %v", err)
	}
	if got := serial(3); got != 2 {
		t.Fatalf("serial %d after the same code again, want 2", got)
	}
	if err := s.Panel().ChangeAtKeypad(3, "3232"); err != nil {
		t.Fatal(err)
	}
	if got := serial(3); got != 3 {
		t.Fatalf("serial %d after a keypad change, want 3", got)
	}
	// A cleared slot keeps reporting its serial, so a clear shows.
	if err := d.ClearCode(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if got := serial(3); got != 4 {
		t.Fatalf("serial %d after ClearCode, want 4", got)
	}
	if err := d.ClearCode(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if got := serial(3); got != 4 {
		t.Fatalf("serial %d after clearing the empty slot, want 4", got)
	}
	if err := s.Panel().ChangeAtKeypad(3, "3333"); err != nil {
		t.Fatal(err)
	}
	if err := s.Panel().ClearAtKeypad(3); err != nil {
		t.Fatal(err)
	}
	if got := serial(3); got != 6 {
		t.Fatalf("serial %d after a keypad set and clear, want 6", got)
	}
	if got := serial(16); got != 0 {
		t.Fatalf("untouched last slot has serial %d", got)
	}
}

func TestReadUser(t *testing.T) {
	s, addr := startSim(t, "neo-hs2032", modbus.SimOptions{Base: 1000})
	d := dial(t, addr, map[string]string{"base": "1000"})
	if err := d.SetCode(ctx, drivers.User{Slot: 72, Role: "Supervisor", Label: "Zoë", Partitions: 0b1010}, "7272"); err != nil {
		t.Fatal(err)
	}
	u, err := d.ReadUser(ctx, 72) // the last slot
	want := drivers.User{Slot: 72, CodeSet: true, Role: "Supervisor", Label: "Zoë", Partitions: 0b1010, CodeCheck: drivers.CodeCheck(72, "7272"), CodeSerial: 1}
	if err != nil || u != want {
		t.Fatalf("ReadUser(72) = %+v, %v, want %+v", u, err, want)
	}
	if u, err := d.ReadUser(ctx, 2); err != nil || u != (drivers.User{Slot: 2}) {
		t.Fatalf("empty slot 2 = %+v, %v", u, err)
	}
	for _, slot := range []int{0, 73, 1 << 40} {
		_, err := d.ReadUser(ctx, slot)
		wantRefusal(t, err, drivers.RefusedBadSlot)
	}

	p := s.Panel()
	p.Corrupt(1)
	if _, err := d.ReadUser(ctx, 72); !errors.Is(err, modbus.ErrGarbled) || !strings.Contains(err.Error(), "read user 72") || !strings.Contains(err.Error(), "failed its check word") {
		t.Fatalf("corrupt read: %v", err)
	}
	if u, err := d.ReadUser(ctx, 72); err != nil || u != want {
		t.Fatalf("read after the corrupt one: %+v, %v", u, err)
	}
	p.SetOffline(true)
	if _, err := d.ReadUser(ctx, 72); !errors.Is(err, drivers.ErrOffline) || !drivers.Transient(err) {
		t.Fatalf("offline: %v", err)
	}
	p.SetOffline(false)
	p.FailNext(1, drivers.ErrBusy)
	if _, err := d.ReadUser(ctx, 72); !errors.Is(err, drivers.ErrBusy) {
		t.Fatalf("busy: %v", err)
	}
}

// TestReadUserChecksBlock: ReadUser checks the slot number in the block
// and the device's map version, like ReadUsers, against a hand-made map.
func TestReadUserChecksBlock(t *testing.T) {
	regs := make([]uint16, modbus.UserAddr+8*modbus.UserBlockLen)
	copy(regs, identityRegs())
	put := func(slot int, u drivers.User) {
		w, err := modbus.EncodeUser(u)
		if err != nil {
			t.Fatal(err)
		}
		copy(regs[modbus.UserAddr+(slot-1)*modbus.UserBlockLen:], w)
	}
	put(2, drivers.User{Slot: 3, CodeSet: true, Role: "User"}) // slot 3's block where slot 2's belongs
	put(4, drivers.User{Slot: 4, CodeSerial: 9})
	m := newMiniServer(t, regs)
	m.serve()
	d := dial(t, m.addr(), nil)
	if _, err := d.ReadUser(ctx, 2); !errors.Is(err, modbus.ErrGarbled) || !strings.Contains(err.Error(), "says slot 3: check options base") {
		t.Fatalf("misplaced block: %v", err)
	}
	if u, err := d.ReadUser(ctx, 4); err != nil || u != (drivers.User{Slot: 4, CodeSerial: 9}) {
		t.Fatalf("empty slot 4 = %+v, %v, want its serial 9", u, err)
	}
	if _, err := d.ReadUser(ctx, 5); !errors.Is(err, modbus.ErrGarbled) {
		t.Fatalf("all-zero block: %v, want a failed check word", err)
	}

	// Devices of an older map say which side to update, and are not
	// retried: a v2 device's user blocks sit where v3 has its bitmap.
	for _, v := range []uint16{1, 2} {
		regs[1] = v
		old := newMiniServer(t, regs)
		old.serve()
		_, err := dial(t, old.addr(), nil).ReadUser(ctx, 4)
		want := fmt.Sprintf("register map version %d: this guardroom reads version 3 only: update the device's firmware (or its gateway) to map version 3", v)
		if err == nil || !strings.Contains(err.Error(), want) || drivers.Transient(err) || errors.Is(err, modbus.ErrGarbled) {
			t.Fatalf("v%d device: %v", v, err)
		}
	}
}

func TestManyUsersReadBack(t *testing.T) {
	s, addr := startSim(t, "neo-hs2128e", modbus.SimOptions{})
	d := dial(t, addr, nil)
	for slot := 2; slot <= 1000; slot += 3 {
		if err := d.SetCode(ctx, drivers.User{Slot: slot}, fmt.Sprintf("%08d", 30000000+slot)); err != nil {
			t.Fatal(err)
		}
	}
	if users := readBack(t, d, s); len(users) != 334 {
		t.Fatalf("%d users, want 334", len(users))
	}
}

func TestPartitionsArmDisarm(t *testing.T) {
	s, addr := startSim(t, "dsc-pc1832", modbus.SimOptions{})
	d := dial(t, addr, nil)
	read := func() []drivers.Partition {
		t.Helper()
		parts, err := d.ReadPartitions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := s.Panel().Snapshot().Partitions; !reflect.DeepEqual(parts, want) {
			t.Fatalf("driver reads %+v, panel holds %+v", parts, want)
		}
		return parts
	}
	if parts := read(); len(parts) != 4 || parts[2].Label != "Partition 3" {
		t.Fatalf("partitions %+v", parts)
	}
	if err := d.Arm(ctx, 1, drivers.Away); err != nil {
		t.Fatal(err)
	}
	if err := d.Arm(ctx, 3, drivers.Stay); err != nil {
		t.Fatal(err)
	}
	parts := read()
	if parts[0].State != family.ArmedAway || parts[2].State != family.ArmedStay || parts[1].State != family.Disarmed {
		t.Fatalf("after arming: %+v", parts)
	}
	wantRefusal(t, d.Arm(ctx, 1, drivers.Stay), drivers.RefusedNotReady)
	wantRefusal(t, d.Arm(ctx, 5, drivers.Stay), drivers.RefusedPartition)
	wantRefusal(t, d.Arm(ctx, 1, "night"), drivers.RefusedBadCommand)
	if err := d.Disarm(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Panel().SetPartitionState(2, family.Trouble)
	if parts := read(); parts[0].State != family.Disarmed || parts[1].State != family.Trouble {
		t.Fatalf("after disarm and trouble: %+v", parts)
	}
	r := wantRefusal(t, d.Arm(ctx, 2, drivers.Away), drivers.RefusedNotReady)
	if !strings.Contains(r.Reason, "partition 2 is in trouble") {
		t.Fatalf("reason %q", r.Reason)
	}
}

func TestLocksAndTags(t *testing.T) {
	s, addr := startSim(t, "generic", modbus.SimOptions{Locks: 3})
	d := dial(t, addr, nil)
	read := func() []drivers.LockStatus {
		t.Helper()
		locks, err := d.ReadLocks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := s.Panel().Snapshot().Locks; !reflect.DeepEqual(locks, want) {
			t.Fatalf("driver reads %+v, panel holds %+v", locks, want)
		}
		return locks
	}
	if locks := read(); len(locks) != 3 {
		t.Fatalf("%d locks, want 3", len(locks))
	}
	if err := d.Unlock(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := d.Lock(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for i := range modbus.MaxTagsPerLock {
		if err := d.AddTag(ctx, 2, fmt.Sprintf("H10301:%d:%d", i, 65535-i), 10+i%3); err != nil {
			t.Fatal(err)
		}
	}
	locks := read()
	if locks[1].State != family.LockUnlocked || locks[1].Battery != 99 || locks[2].Battery != 99 || len(locks[1].Tags) != 16 || fmt.Sprint(locks[1].Users) != "[10 11 12]" {
		t.Fatalf("lock 2 = %+v", locks[1])
	}
	wantRefusal(t, d.AddTag(ctx, 2, "ONEMORE", 4), drivers.RefusedTag)
	wantRefusal(t, d.AddTag(ctx, 2, "H10301:0:65535", 4), drivers.RefusedTag)
	wantRefusal(t, d.AddTag(ctx, 1, strings.Repeat("T", 25), 4), drivers.RefusedTag)
	wantRefusal(t, d.AddTag(ctx, 1, "04 A1", 4), drivers.RefusedTag)
	// store/tagid's longest canonical forms, 20 characters and
	// "H10302:34359738367", and the map's 24 bytes reach the lock and
	// come back whole.
	for _, tag := range []string{"04A1B2C3D4E5F6A7B8C9", "H10302:34359738367", strings.Repeat("Z", modbus.TagBytes)} {
		if err := d.AddTag(ctx, 1, tag, 4); err != nil {
			t.Fatalf("tag %s: %v", tag, err)
		}
	}
	if locks := read(); fmt.Sprint(locks[0].Tags) != "[04A1B2C3D4E5F6A7B8C9 H10302:34359738367 ZZZZZZZZZZZZZZZZZZZZZZZZ]" {
		t.Fatalf("lock 1 tags %v", locks[0].Tags)
	}
	wantRefusal(t, d.Lock(ctx, 4), drivers.RefusedLock)
	if err := d.RemoveTag(ctx, 2, "H10301:0:65535"); err != nil {
		t.Fatal(err)
	}
	s.Panel().SetLockState(1, family.LockJammed)
	wantRefusal(t, d.Unlock(ctx, 1), drivers.RefusedLock)
	if locks := read(); len(locks[1].Tags) != 15 || locks[0].State != family.LockJammed {
		t.Fatalf("after removal and jam: %+v", locks)
	}
}

// TestLockUsers: assigning and unassigning a panel user goes through the
// mailbox (ops 13 and 14) and reads back in the lock block.
func TestLockUsers(t *testing.T) {
	s, addr := startSim(t, "generic", modbus.SimOptions{Locks: 2})
	d := dial(t, addr, nil)
	if err := s.Panel().SetCode(ctx, drivers.User{Slot: 7}, "7777"); err != nil {
		t.Fatal(err)
	}
	for _, slot := range []int{7, 1, 7} {
		if err := d.AssignUser(ctx, 2, slot); err != nil {
			t.Fatalf("assign %d: %v", slot, err)
		}
	}
	wantRefusal(t, d.AssignUser(ctx, 2, 8), drivers.RefusedBadSlot) // no code
	wantRefusal(t, d.AssignUser(ctx, 3, 7), drivers.RefusedLock)
	locks, err := d.ReadLocks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.Panel().Snapshot().Locks; !reflect.DeepEqual(locks, want) || fmt.Sprint(locks[1].AssignedUsers) != "[1 7]" || locks[0].AssignedUsers != nil {
		t.Fatalf("driver reads %+v, panel holds %+v", locks, want)
	}
	for _, slot := range []int{7, 7} {
		if err := d.UnassignUser(ctx, 2, slot); err != nil {
			t.Fatalf("unassign %d: %v", slot, err)
		}
	}
	if locks, err := d.ReadLocks(ctx); err != nil || fmt.Sprint(locks[1].AssignedUsers) != "[1]" {
		t.Fatalf("after unassigning: %+v %v", locks, err)
	}
}

func TestRefusals(t *testing.T) {
	s, addr := startSim(t, "dsc-pc1864", modbus.SimOptions{})
	d := dial(t, addr, nil)
	if err := d.SetCode(ctx, drivers.User{Slot: 3}, "3333"); err != nil {
		t.Fatal(err)
	}
	r := wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 4}, "3333"), drivers.RefusedDuplicateCode)
	if !strings.Contains(r.Reason, "choose another code") || strings.Contains(r.Reason, "3333") {
		t.Fatalf("duplicate reason %q", r.Reason)
	}
	wantRefusal(t, d.ClearCode(ctx, 40), drivers.RefusedMaster) // DSC master slot
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 96}, "9696"), drivers.RefusedBadSlot)
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 5}, "55555"), drivers.RefusedCodeLength)
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 5, Role: "Guest"}, "5555"), drivers.RefusedRole)
	wantRefusal(t, d.SetLabel(ctx, 9, "nobody"), drivers.RefusedBadSlot)
	wantRefusal(t, d.SetPartitions(ctx, 3, 1<<8), drivers.RefusedPartition)
	if err := d.SetCode(ctx, drivers.User{Slot: 6, Role: "Duress"}, "6000"); err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 7}, "6001"), drivers.RefusedAdjacentCode)

	// Refused before anything is sent: what the map cannot carry.
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 5}, "12a4"), drivers.RefusedCodeDigits)
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 5}, "123456789"), drivers.RefusedCodeLength)
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 5, Role: "Janitor"}, "1234"), drivers.RefusedRole)
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 0}, "1234"), drivers.RefusedBadSlot)
	wantRefusal(t, d.SetLabel(ctx, 3, strings.Repeat("x", 33)), drivers.RefusedLabel)

	// A panel-side refusal the map has no code for keeps its text.
	s.Panel().FailNext(1, &drivers.Refusal{Reason: "installer programming in progress: wait for it to end"})
	r = wantRefusal(t, d.Disarm(ctx, 1), drivers.RefusedOther)
	if r.Reason != "installer programming in progress: wait for it to end" {
		t.Fatalf("reason %q", r.Reason)
	}
	readBack(t, d, s)
}

func TestBadBase(t *testing.T) {
	_, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})

	// Past the end of the map: the device answers illegal data address.
	d := dial(t, addr, map[string]string{"base": "60000"})
	_, err := d.Identify(ctx)
	if err == nil || !strings.Contains(err.Error(), "illegal data address 460001 (register 60000): the device has no guardroom register map there: check the register map base (options: base") {
		t.Fatalf("identify at base 60000: %v", err)
	}
	if drivers.Transient(err) || !drivers.IsMisconfigured(err) {
		t.Fatalf("a wrong base: %v, want a misconfiguration, not transient", err)
	}
	d2 := dial(t, addr, map[string]string{"base": "320"})
	// The command block would land in the partition blocks: the identity
	// read first finds no map there, and nothing is written.
	err = d2.SetCode(ctx, drivers.User{Slot: 2}, "2222")
	if !drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "identify at 40321 (register 320): no guardroom register map here") {
		t.Fatalf("write at base 320: %v", err)
	}

	// Inside the map but not at its start: no magic.
	d3 := dial(t, addr, map[string]string{"base": "0x100"})
	if _, err := d3.Identify(ctx); err == nil || !strings.Contains(err.Error(), "no guardroom register map here") {
		t.Fatalf("identify at base 0x100: %v", err)
	}
}

func TestTimeoutThenRecovers(t *testing.T) {
	s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
	d := dial(t, addr, map[string]string{"timeout": "100ms"})
	if _, err := d.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	s.Panel().SetSlow(time.Hour) // Close cuts the sleep short
	err := d.SetCode(ctx, drivers.User{Slot: 2}, "2222")
	if !errors.Is(err, drivers.ErrTimeout) || !drivers.Transient(err) {
		t.Fatalf("slow panel: %v, want transient ErrTimeout", err)
	}
	_, err = d.ReadUsers(ctx)
	if !errors.Is(err, drivers.ErrTimeout) {
		t.Fatalf("slow read: %v, want ErrTimeout", err)
	}
	s.Panel().SetSlow(0)
	if err := d.SetCode(ctx, drivers.User{Slot: 3}, "3333"); err != nil {
		t.Fatalf("after the panel recovered: %v", err)
	}
	readBack(t, d, s)

	// A context deadline shorter than the timeout wins.
	patient := dial(t, addr, map[string]string{"timeout": "10s"})
	s.Panel().SetSlow(time.Hour)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = patient.Disarm(short, 1)
	if !errors.Is(err, drivers.ErrTimeout) || time.Since(start) > 5*time.Second {
		t.Fatalf("context deadline: %v after %v, want ErrTimeout well before the 10s timeout", err, time.Since(start))
	}
	s.Panel().SetSlow(0)
}

func TestDeviceErrorsOnTheWire(t *testing.T) {
	s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
	d := dial(t, addr, nil)
	p := s.Panel()

	p.SetOffline(true) // exception 10
	if _, err := d.ReadUsers(ctx); !errors.Is(err, drivers.ErrOffline) || !drivers.Transient(err) {
		t.Fatalf("offline: %v", err)
	}
	if err := d.Lock(ctx, 1); !errors.Is(err, drivers.ErrOffline) {
		t.Fatalf("offline write: %v", err)
	}
	p.SetOffline(false)

	p.FailNext(1, drivers.ErrBusy) // exception 6
	if err := d.Lock(ctx, 1); !errors.Is(err, drivers.ErrBusy) || !drivers.Transient(err) {
		t.Fatalf("busy: %v", err)
	}
	p.FailNext(1, drivers.ErrTimeout) // exception 11
	if _, err := d.ReadPartitions(ctx); !errors.Is(err, drivers.ErrTimeout) {
		t.Fatalf("gateway timeout: %v", err)
	}
	p.FailNext(1, errors.New("flash write failed")) // exception 4
	err := d.Unlock(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), "device failure (Modbus exception 4)") || drivers.Transient(err) {
		t.Fatalf("device failure: %v", err)
	}

	// Corrupt: the user block fails its check word, then reads fine.
	if err := d.SetCode(ctx, drivers.User{Slot: 2}, "2222"); err != nil {
		t.Fatal(err)
	}
	p.Corrupt(1)
	_, err = d.ReadUsers(ctx)
	if !errors.Is(err, modbus.ErrGarbled) || !strings.Contains(err.Error(), "failed its check word") {
		t.Fatalf("corrupt read: %v", err)
	}
	readBack(t, d, s)

	// Drift at the keypad shows as a new CodeCheck.
	before, _ := slotOf(readBack(t, d, s), 2)
	if err := p.ChangeAtKeypad(2, "2323"); err != nil {
		t.Fatal(err)
	}
	after, _ := slotOf(readBack(t, d, s), 2)
	if before.CodeCheck == after.CodeCheck || after.CodeCheck != drivers.CodeCheck(2, "2323") {
		t.Fatalf("CodeCheck %#x → %#x after the keypad change", before.CodeCheck, after.CodeCheck)
	}
	if after.CodeSerial != before.CodeSerial+1 {
		t.Fatalf("CodeSerial %d → %d after the keypad change", before.CodeSerial, after.CodeSerial)
	}
	if err := p.ClearAtKeypad(2); err != nil {
		t.Fatal(err)
	}
	if _, ok := slotOf(readBack(t, d, s), 2); ok {
		t.Fatal("slot cleared at the keypad still read")
	}
}

func TestUnitID(t *testing.T) {
	_, addr := startSim(t, "neo-hs2016", modbus.SimOptions{Unit: 17})
	if _, err := dial(t, addr, map[string]string{"unit": "17"}).Identify(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := dial(t, addr, nil).Identify(ctx) // unit 1
	if !errors.Is(err, drivers.ErrTimeout) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("wrong unit: %v", err)
	}
}

func TestOfflineWhenNothingListens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	d := dial(t, addr, map[string]string{"timeout": "500ms"})
	if _, err := d.Identify(ctx); !errors.Is(err, drivers.ErrOffline) || !drivers.Transient(err) {
		t.Fatalf("nothing listening: %v, want ErrOffline", err)
	}
}

// TestLateReply: the first reply comes after the driver gave up. The next
// request must not read it (goburrow/modbus issue #64): the driver dials
// a new connection.
func TestLateReply(t *testing.T) {
	m := newMiniServer(t, identityRegs())
	m.hold = make(chan struct{})
	m.serve()
	d := dial(t, m.addr(), map[string]string{"timeout": "100ms"})
	if _, err := d.Identify(ctx); !errors.Is(err, drivers.ErrTimeout) {
		t.Fatalf("first request: %v, want ErrTimeout", err)
	}
	close(m.hold)
	<-m.sent // the late reply is on the first connection now
	id, err := d.Identify(ctx)
	if err != nil {
		t.Fatalf("request after the late reply: %v", err)
	}
	if id.Model != "MBAP test server" || m.conns.Load() != 2 {
		t.Fatalf("identity %+v over %d connections, want the server's over 2", id, m.conns.Load())
	}
}

// TestDroppedConnection: the server closes the connection between
// requests; the next request dials again and works.
func TestDroppedConnection(t *testing.T) {
	m := newMiniServer(t, identityRegs())
	m.dropFirst = true
	m.serve()
	d := dial(t, m.addr(), nil)
	if _, err := d.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	<-m.dropped
	if _, err := d.Identify(ctx); err != nil {
		t.Fatalf("request after the drop: %v", err)
	}
	if m.conns.Load() != 2 {
		t.Fatalf("%d connections, want 2", m.conns.Load())
	}
}

// TestSimulatorRestart: the simulator goes away and comes back on the same
// address; the driver carries on.
func TestSimulatorRestart(t *testing.T) {
	s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
	d := dial(t, addr, nil)
	if err := d.SetCode(ctx, drivers.User{Slot: 2}, "2222"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := d.ReadUsers(ctx); !errors.Is(err, drivers.ErrOffline) {
		t.Fatalf("simulator gone: %v, want ErrOffline", err)
	}
	s2, err := modbus.NewSimulator("", modbus.SimOptions{Panel: s.Panel()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Listen(ctx, addr); err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := d.SetCode(ctx, drivers.User{Slot: 3}, "3333"); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if users := readBack(t, d, s2); len(users) != 3 {
		t.Fatalf("%d users, want 3", len(users))
	}
}

// TestRepeatedCommand: a command sent again with the same sequence number
// (a retry after a lost reply) is applied once.
func TestRepeatedCommand(t *testing.T) {
	s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
	h := mb.NewTCPClientHandler(addr)
	h.SlaveId = 1
	defer h.Close()
	c := mb.NewClient(h)
	w, err := modbus.EncodeCommand(modbus.Command{Seq: 7, Op: modbus.OpUnlock, Number: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.WriteMultipleRegisters(modbus.CommandAddr, modbus.CommandLen, modbus.RegsToBytes(w)); err != nil {
			t.Fatal(err)
		}
	}
	if b := s.Panel().Snapshot().Locks[0].Battery; b != 99 {
		t.Fatalf("battery %d%% after one unlock sent three times, want 99%%", b)
	}
	w[0] = 8
	if _, err := c.WriteMultipleRegisters(modbus.CommandAddr, modbus.CommandLen, modbus.RegsToBytes(w)); err != nil {
		t.Fatal(err)
	}
	if b := s.Panel().Snapshot().Locks[0].Battery; b != 98 {
		t.Fatalf("battery %d%% after a new unlock, want 98%%", b)
	}
	// Partial mailbox writes and writes elsewhere are refused.
	if _, err := c.WriteMultipleRegisters(modbus.CommandAddr, 10, make([]byte, 20)); !isException(err, 2) {
		t.Fatalf("partial command: %v, want exception 2", err)
	}
	if _, err := c.WriteMultipleRegisters(modbus.IdentityAddr, 1, []byte{0, 1}); !isException(err, 2) {
		t.Fatalf("write to the identity: %v, want exception 2", err)
	}
	if _, err := c.ReadInputRegisters(0, 1); !isException(err, 1) {
		t.Fatalf("input registers: %v, want exception 1", err)
	}
	// The command block reads back as zeros: codes are write-only.
	b, err := c.ReadHoldingRegisters(modbus.CommandAddr, modbus.CommandLen)
	if err != nil || strings.Trim(string(b), "\x00") != "" {
		t.Fatalf("command block reads %x, %v", b, err)
	}
}

func isException(err error, code byte) bool {
	var ex *mb.ModbusError
	return errors.As(err, &ex) && ex.ExceptionCode == code
}

func TestClosedDriver(t *testing.T) {
	_, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
	d := dial(t, addr, nil)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := d.ReadUsers(ctx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("use after close: %v", err)
	}
}

func TestOpenConfig(t *testing.T) {
	for _, c := range []struct {
		addr string
		opts map[string]string
		want string // in the error; "" means success
	}{
		{"tcp://127.0.0.1:5020", map[string]string{"unit": "3", "base": "0x200", "timeout": "250ms"}, ""},
		{"tcp://panel.local", nil, ""},
		{"rtu:///dev/ttyUSB0", map[string]string{"baud": "9600", "parity": "none", "stop": "2", "databits": "8"}, ""},
		{"127.0.0.1:502", nil, "use tcp://host:port or rtu:///dev/ttyUSB0"},
		{"udp://127.0.0.1:502", nil, "use tcp://host:port"},
		{"tcp://", nil, "use tcp://host:port"},
		{"rtu://", nil, "name the serial device"},
		{"tcp://h:1", map[string]string{"unit": "256"}, "unit id from 0 to 255"},
		{"tcp://h:1", map[string]string{"base": "-1"}, "first register"},
		{"tcp://h:1", map[string]string{"timeout": "soon"}, "duration"},
		{"tcp://h:1", map[string]string{"baud": "9600"}, "rtu:// addresses only"},
		{"tcp://h:1", map[string]string{"bsae": "1"}, `unknown option "bsae"`},
		{"rtu:///dev/x", map[string]string{"parity": "M"}, "E, O or N"},
		{"rtu:///dev/x", map[string]string{"stop": "3"}, "1 or 2"},
		{"rtu:///dev/x", map[string]string{"databits": "9"}, "7 or 8"},
		{"rtu:///dev/x", map[string]string{"baud": "fast"}, "baud rate"},
	} {
		d, err := modbus.New(drivers.Config{Address: c.addr, Options: c.opts})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %v: %v", c.addr, c.opts, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %v: error %v, want %q", c.addr, c.opts, err, c.want)
		}
		if d != nil {
			d.Close()
		}
	}
	d, _ := modbus.New(drivers.Config{Address: "tcp://panel.local"})
	if d.Transport() != "tcp panel.local:502 unit 1" {
		t.Errorf("default port: %q", d.Transport())
	}
	d, _ = modbus.New(drivers.Config{Address: "rtu:///dev/ttyUSB0", Options: map[string]string{"unit": "4"}})
	if d.Transport() != "rtu /dev/ttyUSB0 19200 8E1 unit 4" {
		t.Errorf("RTU defaults: %q", d.Transport())
	}
	// An RTU port that does not exist is offline, not a crash.
	d, _ = modbus.New(drivers.Config{Address: "rtu:///dev/guardroom-no-such-port"})
	if _, err := d.Identify(ctx); !errors.Is(err, drivers.ErrOffline) {
		t.Errorf("missing serial port: %v, want ErrOffline", err)
	}
}

func TestSimulatorConfig(t *testing.T) {
	for _, c := range []struct {
		fam  string
		opts modbus.SimOptions
		want string
	}{
		{"nope", modbus.SimOptions{}, "unknown panel family"},
		{"generic", modbus.SimOptions{Slots: 2001}, "do not fit register map v3"},
		{"generic", modbus.SimOptions{Slots: 2000, Base: 10000}, "lower the base"},
		{"visonic-powermax", modbus.SimOptions{Locks: 2}, "drives no door locks"},
	} {
		if _, err := modbus.NewSimulator(c.fam, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewSimulator(%s, %+v): %v, want %q", c.fam, c.opts, err, c.want)
		}
	}
	s, err := modbus.NewSimulator("generic", modbus.SimOptions{Locks: -1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Panel().Capabilities().Locks {
		t.Error("Locks: -1 left locks on")
	}
	if _, err := s.Listen(ctx, "nohost"); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("listen without a port: %v", err)
	}
	if _, err := modbus.NewSimulator("dsc-pc1616", modbus.SimOptions{Panel: s.Panel()}); err == nil {
		t.Error("a panel of another family accepted")
	}

	// Serve returns when the context ends, and closes the simulator.
	run, cancel := context.WithCancel(ctx)
	addr, err := s.Listen(run, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Listen(run, "127.0.0.1:0"); err == nil {
		t.Error("second Listen accepted")
	}
	if tcp, ok := addr.(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() || tcp.Port == 0 {
		t.Fatalf("bound %v, want a loopback port", addr)
	}
	done := make(chan error)
	go func() { done <- s.Serve(run) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := net.Dial("tcp", addr.String()); err == nil {
		t.Fatal("still listening after Serve returned")
	}
	if _, err := s.Listen(ctx, "127.0.0.1:0"); err == nil {
		t.Error("Listen after Close accepted")
	}
}

// TestSimulatorStateFile: a simulator serving a sim panel with a state
// file (docs/modbus.md) comes back after a restart with the codes and
// serials it had.
func TestSimulatorStateFile(t *testing.T) {
	t.Cleanup(sim.Reset)
	cfg := drivers.Config{Address: "modbus-state-1", Family: "neo-hs2016", Options: map[string]string{"state": t.TempDir() + "/panel.json"}}
	serve := func() (*modbus.Simulator, *modbus.Driver) {
		t.Helper()
		p, err := drivers.Open("sim", cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, addr := startSim(t, "", modbus.SimOptions{Panel: p.(*sim.Panel)})
		return s, dial(t, addr, nil)
	}
	s, d := serve()
	if err := d.SetCode(ctx, drivers.User{Slot: 2, Label: "Ana"}, "2468"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetCode(ctx, drivers.User{Slot: 3}, "3579"); err != nil {
		t.Fatal(err)
	}
	if err := d.ClearCode(ctx, 3); err != nil {
		t.Fatal(err)
	}
	before := readBack(t, d, s)
	s.Close()
	sim.Reset()

	s, d = serve()
	if after := readBack(t, d, s); !reflect.DeepEqual(after, before) {
		t.Fatalf("after the restart %+v, before %+v", after, before)
	}
	if u, err := d.ReadUser(ctx, 3); err != nil || u != (drivers.User{Slot: 3, CodeSerial: 2}) {
		t.Fatalf("cleared slot 3 after the restart: %+v, %v", u, err)
	}
	wantRefusal(t, d.SetCode(ctx, drivers.User{Slot: 4}, "2468"), drivers.RefusedDuplicateCode)
}

// TestKeypadTags: keypad tags over a real socket, from the driver through
// map v3's keypad tag table and mailbox to the simulated panel's rules.
func TestKeypadTags(t *testing.T) {
	s, addr := startSim(t, "neo-hs2064", modbus.SimOptions{})
	d := dial(t, addr, nil)
	if _, err := d.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	if !d.Capabilities().KeypadTags {
		t.Fatal("a Neo panel's identity has no keypad tags")
	}
	read := func() []drivers.KeypadTag {
		t.Helper()
		tags, err := d.ReadKeypadTags(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := s.Panel().Snapshot().KeypadTags; len(tags) != len(want) || (len(want) > 0 && !reflect.DeepEqual(tags, want)) {
			t.Fatalf("driver reads %v, panel holds %v", tags, want)
		}
		return tags
	}
	if tags := read(); len(tags) != 0 {
		t.Fatalf("a fresh panel has keypad tags %v", tags)
	}

	// More tags than the first read carries (7), so the driver reads on.
	for slot := 2; slot <= 12; slot++ {
		if err := d.SetCode(ctx, drivers.User{Slot: slot}, fmt.Sprintf("%04d", 1000+slot)); err != nil {
			t.Fatal(err)
		}
		if err := d.AddKeypadTag(ctx, slot, fmt.Sprintf("H10301:90:%d", slot)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.AddKeypadTag(ctx, 1, "04A1B2C3D4E5F6A7B8C9"); err != nil { // 20 characters, on the master
		t.Fatal(err)
	}
	if err := d.AddKeypadTag(ctx, 1, "04A1B2C3D4E5F6A7B8C9"); err != nil {
		t.Fatalf("adding a tag again: %v", err)
	}
	if tags := read(); len(tags) != 12 || tags[0] != (drivers.KeypadTag{Tag: "04A1B2C3D4E5F6A7B8C9", Slot: 1}) || tags[11].Slot != 12 {
		t.Fatalf("keypad tags %v", tags)
	}

	// The panel's refusals come back with their kind and reason.
	r := wantRefusal(t, d.AddKeypadTag(ctx, 20, "04FF"), drivers.RefusedBadSlot)
	if !strings.Contains(r.Reason, "slot 20 has no code: set a code first") {
		t.Fatalf("reason %q", r.Reason)
	}
	r = wantRefusal(t, d.AddKeypadTag(ctx, 3, "H10301:90:2"), drivers.RefusedTag)
	if !strings.Contains(r.Reason, "holds keypad tag H10301:90:3 already") {
		t.Fatalf("reason %q", r.Reason)
	}
	if err := d.ClearCode(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := d.SetCode(ctx, drivers.User{Slot: 3}, "3030"); err != nil {
		t.Fatal(err)
	}
	r = wantRefusal(t, d.AddKeypadTag(ctx, 3, "H10301:90:2"), drivers.RefusedTag)
	if !strings.Contains(r.Reason, "tag H10301:90:2 is enrolled for slot 2") {
		t.Fatalf("reason %q", r.Reason)
	}
	wantRefusal(t, d.AddKeypadTag(ctx, 96, "04FF"), drivers.RefusedBadSlot)
	// Refused before anything is sent: what no panel could hold.
	wantRefusal(t, d.AddKeypadTag(ctx, 3, "04 FF"), drivers.RefusedTag)
	wantRefusal(t, d.AddKeypadTag(ctx, 3, strings.Repeat("F", 25)), drivers.RefusedTag)
	wantRefusal(t, d.AddKeypadTag(ctx, 0, "04FF"), drivers.RefusedBadSlot)
	wantRefusal(t, d.RemoveKeypadTag(ctx, ""), drivers.RefusedTag)

	// Clearing slot 3 took its tag; removing goes by tag; an absent tag is
	// no error.
	if err := d.RemoveKeypadTag(ctx, "H10301:90:2"); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveKeypadTag(ctx, "H10301:90:2"); err != nil {
		t.Fatalf("removing an absent tag: %v", err)
	}
	tags := read()
	for _, k := range tags {
		if k.Slot == 2 || k.Slot == 3 {
			t.Fatalf("slot %d still holds %s", k.Slot, k.Tag)
		}
	}
	if len(tags) != 10 {
		t.Fatalf("%d keypad tags, want 10: %v", len(tags), tags)
	}

	// A busy panel is transient.
	s.Panel().FailNext(1, drivers.ErrBusy)
	if err := d.AddKeypadTag(ctx, 3, "04FF"); !errors.Is(err, drivers.ErrBusy) || !drivers.Transient(err) {
		t.Fatalf("busy: %v", err)
	}
}

// TestKeypadTableChecked: the driver checks the table it reads, against a
// hand-made map: no header where the identity puts one reads as a wrong
// base, and an entry that fails its check word as a garbled read.
func TestKeypadTableChecked(t *testing.T) {
	info := modbus.Info{
		Identity:     drivers.Identity{Vendor: "mini", Model: "MBAP test server", Slots: 8, Partitions: 1, CodeLength: 4},
		MasterSlot:   1,
		KeypadTags:   3,
		Capabilities: drivers.Capabilities{Users: true, KeypadTags: true},
	}
	regs := make([]uint16, info.End())
	copy(regs, modbus.EncodeIdentity(info))
	m := newMiniServer(t, regs)
	m.serve()
	d := dial(t, m.addr(), nil)
	if _, err := d.ReadKeypadTags(ctx); !errors.Is(err, modbus.ErrGarbled) || !strings.Contains(err.Error(), "no keypad tag table header here") || !strings.Contains(err.Error(), "check options base") {
		t.Fatalf("no table: %v", err)
	}
	table, err := modbus.EncodeKeypadTable(modbus.KeypadTable{Capacity: 3, Tags: []drivers.KeypadTag{{Tag: "H10306:1:1", Slot: 5}, {Tag: "04A1", Slot: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	copy(regs[modbus.KeypadAddr(8):], table)
	if tags := mustRead(t, d); fmt.Sprint(tags) != "[{04A1 2} {H10306:1:1 5}]" {
		t.Fatalf("tags %v", tags)
	}
	regs[modbus.KeypadAddr(8)+modbus.KeypadHeaderLen+modbus.KeypadEntryLen+4] ^= 0x0100 // a bit of entry 2's tag
	if _, err := d.ReadKeypadTags(ctx); !errors.Is(err, modbus.ErrGarbled) || !strings.Contains(err.Error(), "entry 2 failed its check word") {
		t.Fatalf("flipped bit: %v", err)
	}
}

// TestKeypadTagsUnsupported: a panel whose keypads have no reader says so,
// and so does a map with no room left for the table.
func TestKeypadTagsUnsupported(t *testing.T) {
	_, addr := startSim(t, "dsc-pc1864", modbus.SimOptions{})
	d := dial(t, addr, nil)
	if _, err := d.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	if d.Capabilities().KeypadTags {
		t.Fatal("a PowerSeries panel says its keypads read tags")
	}
	_, err := d.ReadKeypadTags(ctx)
	if r := wantRefusal(t, err, drivers.RefusedUnsupported); !strings.Contains(r.Reason, "no keypad tag table") {
		t.Fatalf("reason %q", r.Reason)
	}
	// The capability bit is clear: refused before anything is written.
	r := wantRefusal(t, d.AddKeypadTag(ctx, 40, "04A1"), drivers.RefusedUnsupported)
	if !strings.Contains(r.Reason, "offers no keypad tags through the register map (its identity's capability bit 6 is clear)") {
		t.Fatalf("reason %q", r.Reason)
	}
	wantRefusal(t, d.RemoveKeypadTag(ctx, "04A1"), drivers.RefusedUnsupported)

	// A generic controller of 2,000 slots: the user blocks leave room for
	// 9 entries at base 0, and for none at base 150.
	s, addr := startSim(t, "generic", modbus.SimOptions{Slots: 2000})
	d = dial(t, addr, nil)
	for slot := 2; slot <= 11; slot++ {
		if err := d.SetCode(ctx, drivers.User{Slot: slot}, fmt.Sprintf("%04d", 2000+slot)); err != nil {
			t.Fatal(err)
		}
		err := d.AddKeypadTag(ctx, slot, fmt.Sprint("T", slot))
		if slot <= 10 && err != nil {
			t.Fatal(err)
		}
		if slot == 11 {
			if r := wantRefusal(t, err, drivers.RefusedTag); !strings.Contains(r.Reason, "holds 9 keypad tags, its maximum") {
				t.Fatalf("reason %q", r.Reason)
			}
		}
	}
	if tags, err := d.ReadKeypadTags(ctx); err != nil || len(tags) != 9 || tags[8] != (drivers.KeypadTag{Tag: "T10", Slot: 10}) {
		t.Fatalf("a full table of 9: %v, %v", tags, err)
	}
	if !reflect.DeepEqual(s.Panel().Snapshot().KeypadTags[:9], mustRead(t, d)) {
		t.Fatal("the driver and the panel disagree")
	}

	_, addr = startSim(t, "generic", modbus.SimOptions{Slots: 2000, Base: 150})
	d = dial(t, addr, map[string]string{"base": "150"})
	if _, err := d.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	if d.Capabilities().KeypadTags {
		t.Fatal("a map with no room for a keypad tag table says it has one")
	}
	if err := d.SetCode(ctx, drivers.User{Slot: 2}, "2002"); err != nil {
		t.Fatal(err)
	}
	if r := wantRefusal(t, d.AddKeypadTag(ctx, 2, "T2"), drivers.RefusedUnsupported); !strings.Contains(r.Reason, "offers no keypad tags") {
		t.Fatalf("reason %q", r.Reason)
	}
}

func mustRead(t *testing.T, d *modbus.Driver) []drivers.KeypadTag {
	t.Helper()
	tags, err := d.ReadKeypadTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

// TestKeypadTagsVisonic: a PowerMaster-30 keeps tags for users 1-32 only
// (DOMAIN.md §1.6), and its table has 32 entries.
func TestKeypadTagsVisonic(t *testing.T) {
	_, addr := startSim(t, "visonic-powermaster30", modbus.SimOptions{})
	d := dial(t, addr, nil)
	for _, slot := range []int{32, 33} {
		if err := d.SetCode(ctx, drivers.User{Slot: slot}, fmt.Sprintf("%04d", 5000+slot)); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.AddKeypadTag(ctx, 32, "04A1"); err != nil {
		t.Fatal(err)
	}
	r := wantRefusal(t, d.AddKeypadTag(ctx, 33, "04A2"), drivers.RefusedTag)
	if !strings.Contains(r.Reason, "users 1-32 only") {
		t.Fatalf("reason %q", r.Reason)
	}
	if tags := mustRead(t, d); len(tags) != 1 || tags[0].Slot != 32 {
		t.Fatalf("tags %v", tags)
	}
}
