package sim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store/family"
)

var ctx = context.Background()

func open(t *testing.T, fam string, opts ...func(*drivers.Config)) *sim.Panel {
	t.Helper()
	cfg := drivers.Config{Address: t.Name() + "/" + fam, Family: fam}
	for _, o := range opts {
		o(&cfg)
	}
	p, err := drivers.Open("sim", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Reset)
	return p.(*sim.Panel)
}

func refusal(t *testing.T, err error, kind drivers.RefusalKind) {
	t.Helper()
	var r *drivers.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("err = %v, want a *drivers.Refusal (%s)", err, kind)
	}
	if r.Kind != kind {
		t.Fatalf("refusal kind = %s (%q), want %s", r.Kind, r.Reason, kind)
	}
	if drivers.Transient(err) {
		t.Fatalf("refusal %v is transient", err)
	}
}

func code(n, digits int) string { return fmt.Sprintf("%0*d", digits, n) }

func user(p *sim.Panel, slot int) (drivers.User, bool) {
	for _, u := range p.Snapshot().Users {
		if u.Slot == slot {
			return u, true
		}
	}
	return drivers.User{}, false
}

// TestFamilyRules runs the slot, master and code rules on every family.
func TestFamilyRules(t *testing.T) {
	for _, f := range family.All() {
		t.Run(f.ID, func(t *testing.T) {
			p := open(t, f.ID)
			n := f.CodeLengths[0]
			id, err := p.Identify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if id.Slots != f.Slots || id.Partitions != f.Partitions || id.CodeLength != n || id.Model != f.Model || id.Vendor != f.Type.Vendor() {
				t.Fatalf("identity %+v does not match family %+v", id, f)
			}

			// The master slot starts with a Master code on every partition.
			users, err := p.ReadUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != 1 || users[0].Slot != f.MasterSlot || users[0].Role != "Master" || !users[0].CodeSet || users[0].Partitions != 1<<f.Partitions-1 {
				t.Fatalf("fresh panel users = %+v, want the master in slot %d", users, f.MasterSlot)
			}
			refusal(t, p.ClearCode(ctx, f.MasterSlot), drivers.RefusedMaster)

			// Slot range.
			refusal(t, p.SetCode(ctx, drivers.User{Slot: 0}, code(1, n)), drivers.RefusedBadSlot)
			refusal(t, p.SetCode(ctx, drivers.User{Slot: f.Slots + 1}, code(1, n)), drivers.RefusedBadSlot)
			refusal(t, p.ClearCode(ctx, f.Slots+1), drivers.RefusedBadSlot)

			// Code length and digits.
			refusal(t, p.SetCode(ctx, drivers.User{Slot: f.MasterSlot}, code(7, n+1)), drivers.RefusedCodeLength)
			refusal(t, p.SetCode(ctx, drivers.User{Slot: f.MasterSlot}, strings.Repeat("a", n)), drivers.RefusedCodeDigits)

			// The master code can change, and only the master slot is Master.
			if err := p.SetCode(ctx, drivers.User{Slot: f.MasterSlot, Role: "Master"}, code(9157, n)); err != nil {
				t.Fatal(err)
			}
			if f.Slots == 1 {
				return
			}
			other := f.MasterSlot%f.Slots + 1
			refusal(t, p.SetCode(ctx, drivers.User{Slot: other, Role: "Master"}, code(2468, n)), drivers.RefusedMaster)
			refusal(t, p.SetCode(ctx, drivers.User{Slot: f.MasterSlot, Role: string(f.DefaultRole(other))}, code(2468, n)), drivers.RefusedMaster)
			if !f.AllowsRole(family.RoleInstaller) {
				refusal(t, p.SetCode(ctx, drivers.User{Slot: other, Role: "Installer"}, code(2468, n)), drivers.RefusedRole)
			}

			// A second user; then the same code elsewhere is a duplicate,
			// while setting it again on its own slot is fine.
			if err := p.SetCode(ctx, drivers.User{Slot: other, Label: "Ana"}, code(2468, n)); err != nil {
				t.Fatal(err)
			}
			if err := p.SetCode(ctx, drivers.User{Slot: other, Label: "Ana"}, code(2468, n)); err != nil {
				t.Fatalf("setting the same code again: %v", err)
			}
			refusal(t, p.SetCode(ctx, drivers.User{Slot: f.MasterSlot}, code(2468, n)), drivers.RefusedDuplicateCode)
			u, ok := user(p, other)
			if !ok || u.Role != string(f.DefaultRole(other)) || u.Label != "Ana" || u.CodeCheck != drivers.CodeCheck(other, code(2468, n)) {
				t.Fatalf("slot %d = %+v, %v", other, u, ok)
			}
			if err := p.ClearCode(ctx, other); err != nil {
				t.Fatal(err)
			}
			if _, ok := user(p, other); ok {
				t.Fatal("cleared slot still reported")
			}
			if err := p.ClearCode(ctx, other); err != nil {
				t.Fatalf("clearing an empty slot: %v", err)
			}
			// The code is free again.
			if err := p.SetCode(ctx, drivers.User{Slot: other}, code(2468, n)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSlotAndCodeLengthConfig(t *testing.T) {
	p := open(t, "generic", func(c *drivers.Config) { c.Slots, c.CodeLength = 50, 6 })
	id, _ := p.Identify(ctx)
	if id.Slots != 50 || id.CodeLength != 6 {
		t.Fatalf("identity %+v, want 50 slots of 6 digits", id)
	}
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 51}, "123456"), drivers.RefusedBadSlot)
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 2}, "1234"), drivers.RefusedCodeLength)

	for _, c := range []drivers.Config{
		{Address: "a", Family: "dsc-pc1616", CodeLength: 8},
		{Address: "b", Family: "dsc-pc1616", Slots: 49},
		{Address: "c", Family: "nope"},
		{Address: "d", Family: "visonic-powermax", Options: map[string]string{"locks": "1"}},
		{Address: "e", Family: "generic", Options: map[string]string{"locks": "17"}},
		{Address: "f", Family: "generic", Options: map[string]string{"colour": "red"}},
		{Family: "generic"},
	} {
		if _, err := sim.NewPanel(c); err == nil && c.Address != "" {
			t.Errorf("NewPanel(%+v) accepted", c)
		}
		if _, err := drivers.Open("sim", c); err == nil {
			t.Errorf("Open(%+v) accepted", c)
		}
	}
}

func TestDuressPlusOne(t *testing.T) {
	p := open(t, "dsc-pc1864") // DuressPlusOne, 4 digits
	if err := p.SetCode(ctx, drivers.User{Slot: 5, Role: "Duress"}, "5000"); err != nil {
		t.Fatal(err)
	}
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 6}, "5001"), drivers.RefusedAdjacentCode)
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 6}, "4999"), drivers.RefusedAdjacentCode)
	if err := p.SetCode(ctx, drivers.User{Slot: 6}, "5002"); err != nil {
		t.Fatal(err)
	}
	// A new duress code may not sit next to an ordinary code either.
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 7, Role: "Duress"}, "5003"), drivers.RefusedAdjacentCode)
	// Ordinary codes next to ordinary codes are fine.
	if err := p.SetCode(ctx, drivers.User{Slot: 7}, "5003"); err != nil {
		t.Fatal(err)
	}
	// Neo has no such rule.
	q := open(t, "neo-hs2016")
	if err := q.SetCode(ctx, drivers.User{Slot: 5, Role: "Duress"}, "5000"); err != nil {
		t.Fatal(err)
	}
	if err := q.SetCode(ctx, drivers.User{Slot: 6}, "5001"); err != nil {
		t.Fatal(err)
	}
}

func TestLabelsAndPartitions(t *testing.T) {
	p := open(t, "neo-hs2032") // 4 partitions

	refusal(t, p.SetLabel(ctx, 3, "x"), drivers.RefusedBadSlot) // no code yet
	if err := p.SetCode(ctx, drivers.User{Slot: 3, Partitions: 0b0101}, "4321"); err != nil {
		t.Fatal(err)
	}
	if err := p.SetLabel(ctx, 3, "Zoë Müller"); err != nil {
		t.Fatal(err)
	}
	refusal(t, p.SetLabel(ctx, 3, strings.Repeat("é", 17)), drivers.RefusedLabel)
	refusal(t, p.SetLabel(ctx, 3, "tab\there"), drivers.RefusedLabel)
	refusal(t, p.SetPartitions(ctx, 3, 0b10000), drivers.RefusedPartition)
	refusal(t, p.SetPartitions(ctx, 3, 0), drivers.RefusedPartition)
	if err := p.SetPartitions(ctx, 3, 0b1010); err != nil {
		t.Fatal(err)
	}
	u, _ := user(p, 3)
	if u.Label != "Zoë Müller" || u.Partitions != 0b1010 {
		t.Fatalf("slot 3 = %+v", u)
	}
	// 0 partitions in SetCode means every partition.
	if err := p.SetCode(ctx, drivers.User{Slot: 4}, "4322"); err != nil {
		t.Fatal(err)
	}
	if u, _ := user(p, 4); u.Partitions != 0b1111 {
		t.Fatalf("slot 4 partitions = %b, want all four", u.Partitions)
	}
}

func partState(t *testing.T, p *sim.Panel, n int) family.PartitionState {
	t.Helper()
	parts, err := p.ReadPartitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return parts[n-1].State
}

func TestArmDisarm(t *testing.T) {
	p := open(t, "qolsys-iq4") // 4 partitions
	if parts, _ := p.ReadPartitions(ctx); len(parts) != 4 || parts[3].Number != 4 || parts[3].Label != "Partition 4" {
		t.Fatalf("partitions = %+v", parts)
	}
	if err := p.Arm(ctx, 2, drivers.Away); err != nil {
		t.Fatal(err)
	}
	if s := partState(t, p, 2); s != family.ArmedAway {
		t.Fatalf("partition 2 = %s, want armed away", s)
	}
	if s := partState(t, p, 1); s != family.Disarmed {
		t.Fatalf("partition 1 = %s, want disarmed", s)
	}
	if err := p.Arm(ctx, 2, drivers.Away); err != nil {
		t.Fatalf("arming again in the same mode: %v", err)
	}
	refusal(t, p.Arm(ctx, 2, drivers.Stay), drivers.RefusedNotReady)
	refusal(t, p.Arm(ctx, 5, drivers.Stay), drivers.RefusedPartition)
	refusal(t, p.Arm(ctx, 1, "night"), drivers.RefusedBadCommand)
	if err := p.Disarm(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if s := partState(t, p, 2); s != family.Disarmed {
		t.Fatalf("partition 2 = %s after disarm", s)
	}
	if err := p.Arm(ctx, 2, drivers.Stay); err != nil {
		t.Fatal(err)
	}
	if s := partState(t, p, 2); s != family.ArmedStay {
		t.Fatalf("partition 2 = %s, want armed stay", s)
	}
	// An alarm disarms; not ready refuses to arm and survives a disarm.
	if err := p.SetPartitionState(2, family.Alarm); err != nil {
		t.Fatal(err)
	}
	if err := p.Disarm(ctx, 2); err != nil || partState(t, p, 2) != family.Disarmed {
		t.Fatalf("disarm in alarm: %v, %s", err, partState(t, p, 2))
	}
	if err := p.SetPartitionState(3, family.NotReady); err != nil {
		t.Fatal(err)
	}
	refusal(t, p.Arm(ctx, 3, drivers.Away), drivers.RefusedNotReady)
	if err := p.Disarm(ctx, 3); err != nil || partState(t, p, 3) != family.NotReady {
		t.Fatalf("disarm when not ready: %v, %s", err, partState(t, p, 3))
	}
}

func TestLocks(t *testing.T) {
	p := open(t, "neo-hs2064")
	if !p.Capabilities().Locks || !p.Capabilities().Tags {
		t.Fatal("a Neo with door locks says it has none")
	}
	locks, err := p.ReadLocks(ctx)
	if err != nil || len(locks) != sim.DefaultLocks || locks[0].State != family.LockLocked || locks[0].Battery != 100 {
		t.Fatalf("locks = %+v, %v", locks, err)
	}
	for range 3 {
		if err := p.Unlock(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if err := p.Lock(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Unlock(ctx, 1); err != nil {
		t.Fatal(err)
	}
	locks, _ = p.ReadLocks(ctx)
	if locks[0].State != family.LockUnlocked || locks[0].Battery != 93 || locks[1].Battery != 100 {
		t.Fatalf("after 7 moves: %+v, want lock 1 unlocked at 93%%, lock 2 untouched", locks)
	}
	refusal(t, p.Lock(ctx, 3), drivers.RefusedLock)
	if err := p.SetLockState(2, family.LockJammed); err != nil {
		t.Fatal(err)
	}
	refusal(t, p.Unlock(ctx, 2), drivers.RefusedLock)
	if err := p.SetBattery(1, 0); err != nil {
		t.Fatal(err)
	}
	refusal(t, p.Lock(ctx, 1), drivers.RefusedLock)

	// Tags.
	if err := p.AddTag(ctx, 1, "H10301:90:324", 5); err != nil {
		t.Fatal(err)
	}
	if err := p.AddTag(ctx, 1, "04A2B3C4", 2); err != nil {
		t.Fatal(err)
	}
	if err := p.AddTag(ctx, 1, "04A2B3C4", 2); err != nil {
		t.Fatalf("enrolling again: %v", err)
	}
	refusal(t, p.AddTag(ctx, 1, "04A2B3C4", 3), drivers.RefusedTag)
	refusal(t, p.AddTag(ctx, 1, "has space", 3), drivers.RefusedTag)
	refusal(t, p.AddTag(ctx, 1, strings.Repeat("A", 25), 3), drivers.RefusedTag)
	if err := p.AddTag(ctx, 1, "H10302:34359738367", 2); err != nil { // the longest canonical tag form
		t.Fatal(err)
	}
	if err := p.RemoveTag(ctx, 1, "H10302:34359738367"); err != nil {
		t.Fatal(err)
	}
	refusal(t, p.AddTag(ctx, 1, "X1", 96), drivers.RefusedBadSlot)
	locks, _ = p.ReadLocks(ctx)
	if fmt.Sprint(locks[0].Tags, locks[0].Users) != "[04A2B3C4 H10301:90:324] [2 5]" {
		t.Fatalf("lock 1 tags %v users %v", locks[0].Tags, locks[0].Users)
	}
	for i := range sim.MaxTagsPerLock - 2 {
		if err := p.AddTag(ctx, 1, fmt.Sprint("T", i), 7); err != nil {
			t.Fatal(err)
		}
	}
	refusal(t, p.AddTag(ctx, 1, "ONEMORE", 7), drivers.RefusedTag)
	if err := p.RemoveTag(ctx, 1, "H10301:90:324"); err != nil {
		t.Fatal(err)
	}
	if err := p.RemoveTag(ctx, 1, "H10301:90:324"); err != nil {
		t.Fatalf("removing an absent tag: %v", err)
	}
	// Clearing a slot removes its tags.
	if err := p.SetCode(ctx, drivers.User{Slot: 2}, "2222"); err != nil {
		t.Fatal(err)
	}
	if err := p.ClearCode(ctx, 2); err != nil {
		t.Fatal(err)
	}
	locks, _ = p.ReadLocks(ctx)
	if len(locks[0].Tags) != sim.MaxTagsPerLock-2 || fmt.Sprint(locks[0].Users) != "[7]" {
		t.Fatalf("after removals: tags %v users %v", locks[0].Tags, locks[0].Users)
	}

	// A panel without door locks.
	v := open(t, "visonic-powermax")
	if v.Capabilities().Locks {
		t.Fatal("a PowerMax says it has locks")
	}
	refusal(t, v.Lock(ctx, 1), drivers.RefusedUnsupported)
	if l, err := v.ReadLocks(ctx); err != nil || len(l) != 0 {
		t.Fatalf("PowerMax locks = %v, %v", l, err)
	}
}

func TestSharedByAddress(t *testing.T) {
	t.Cleanup(sim.Reset)
	cfg := drivers.Config{Address: "shared-1", Family: "neo-hs2016"}
	a, err := drivers.Open("sim", cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := drivers.Open("sim", drivers.Config{Address: "shared-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetCode(ctx, drivers.User{Slot: 9}, "9999"); err != nil {
		t.Fatal(err)
	}
	users, _ := b.ReadUsers(ctx)
	if len(users) != 2 || users[1].Slot != 9 {
		t.Fatalf("second Open sees %+v, want the first Open's slot 9", users)
	}
	if sim.Device("shared-1") != a.(*sim.Panel) || sim.Device("nobody") != nil {
		t.Fatal("Device does not return the opened panel")
	}
	if _, err := drivers.Open("sim", drivers.Config{Address: "shared-1", Family: "dsc-pc1616"}); err == nil {
		t.Fatal("reopening with another family accepted")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	sim.Reset()
	if sim.Device("shared-1") != nil {
		t.Fatal("Reset kept the panel")
	}
	c, _ := drivers.Open("sim", cfg)
	if users, _ := c.ReadUsers(ctx); len(users) != 1 {
		t.Fatalf("after Reset: %+v, want a fresh panel", users)
	}
}

func TestFaults(t *testing.T) {
	p := open(t, "neo-hs2016")

	p.SetOffline(true)
	for name, err := range map[string]error{
		"identify": func() error { _, err := p.Identify(ctx); return err }(),
		"set code": p.SetCode(ctx, drivers.User{Slot: 2}, "2222"),
		"arm":      p.Arm(ctx, 1, drivers.Away),
		"lock":     p.Lock(ctx, 1),
	} {
		if !errors.Is(err, drivers.ErrOffline) || !drivers.Transient(err) {
			t.Errorf("%s offline: %v, want transient ErrOffline", name, err)
		}
	}
	p.SetOffline(false)
	if _, ok := user(p, 2); ok {
		t.Fatal("a call made offline changed the panel")
	}

	// Slow: a context that ends first gives ErrTimeout, without acting.
	p.SetSlow(time.Hour)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	err := p.SetCode(short, drivers.User{Slot: 2}, "2222")
	cancel()
	if !errors.Is(err, drivers.ErrTimeout) || !drivers.Transient(err) {
		t.Fatalf("slow: %v, want transient ErrTimeout", err)
	}
	p.SetSlow(0)
	if _, ok := user(p, 2); ok {
		t.Fatal("a timed-out call changed the panel")
	}

	// FailNext: the next n calls fail with the error given, then calls work.
	p.FailNext(2, drivers.ErrBusy)
	p.FailNext(1, &drivers.Refusal{Reason: "keypad in programming mode", Kind: drivers.RefusedOther})
	for i, check := range []func(error) bool{
		func(err error) bool { return errors.Is(err, drivers.ErrBusy) },
		func(err error) bool { return errors.Is(err, drivers.ErrBusy) },
		func(err error) bool {
			var r *drivers.Refusal
			return errors.As(err, &r) && r.Reason == "keypad in programming mode"
		},
	} {
		if err := p.Disarm(ctx, 1); !check(err) {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if err := p.Disarm(ctx, 1); err != nil {
		t.Fatalf("after the failures: %v", err)
	}
	p.FailNext(1, nil) // nil: a timeout
	if _, err := p.ReadUsers(ctx); !errors.Is(err, drivers.ErrTimeout) {
		t.Fatalf("FailNext(nil): %v, want ErrTimeout", err)
	}

	// Corrupt: the next ReadUsers fails on a garbled record, then it reads.
	p.Corrupt(1)
	if _, err := p.ReadUsers(ctx); err == nil || !strings.Contains(err.Error(), "garbled") || drivers.Transient(err) {
		t.Fatalf("corrupt read: %v", err)
	}
	if users, err := p.ReadUsers(ctx); err != nil || len(users) != 1 {
		t.Fatalf("read after the corrupt one: %v, %v", users, err)
	}
	p.Corrupt(1)
	if !p.TakeCorrupt() || p.TakeCorrupt() {
		t.Fatal("TakeCorrupt does not consume exactly one Corrupt")
	}
}

func TestDriftAtKeypad(t *testing.T) {
	p := open(t, "neo-hs2016")
	if err := p.SetCode(ctx, drivers.User{Slot: 4, Label: "Bo", Partitions: 1}, "4444"); err != nil {
		t.Fatal(err)
	}
	before, _ := p.ReadUsers(ctx)
	if err := p.ChangeAtKeypad(4, "4545"); err != nil {
		t.Fatal(err)
	}
	after, _ := p.ReadUsers(ctx)
	if len(after) != 2 || after[1].CodeCheck == before[1].CodeCheck || after[1].CodeCheck != drivers.CodeCheck(4, "4545") {
		t.Fatalf("CodeCheck %#x → %#x, want the new code's", before[1].CodeCheck, after[1].CodeCheck)
	}
	if after[1].Label != "Bo" || after[1].Partitions != 1 {
		t.Fatalf("keypad change lost the label or partitions: %+v", after[1])
	}
	// The keypad obeys the panel's rules too.
	if err := p.ChangeAtKeypad(5, "4545"); err == nil {
		t.Fatal("keypad accepted a duplicate")
	}
	if err := p.ChangeAtKeypad(6, "6666"); err != nil {
		t.Fatal(err)
	}
	if u, ok := user(p, 6); !ok || u.Role != "User" || u.Partitions != 0b11 {
		t.Fatalf("keypad-made slot 6 = %+v", u)
	}
	if err := p.ClearAtKeypad(4); err != nil {
		t.Fatal(err)
	}
	if _, ok := user(p, 4); ok {
		t.Fatal("slot 4 still there after a keypad clear")
	}
	if err := p.ClearAtKeypad(1); err == nil {
		t.Fatal("keypad cleared the master code")
	}
}

// TestCodeSerial: every change of a slot's code bumps its serial, whoever
// made it; nothing else does, and the serial survives a clear.
func TestCodeSerial(t *testing.T) {
	p := open(t, "neo-hs2016")
	serial := func(slot int) uint32 {
		t.Helper()
		u, err := p.ReadUser(ctx, slot)
		if err != nil {
			t.Fatal(err)
		}
		if want := p.Snapshot().Serials[slot]; u.CodeSerial != want {
			t.Fatalf("ReadUser(%d) serial %d, Snapshot %d", slot, u.CodeSerial, want)
		}
		if su, ok := user(p, slot); ok != u.CodeSet || (ok && su != u) {
			t.Fatalf("ReadUser(%d) = %+v, ReadUsers has %+v, %v", slot, u, su, ok)
		}
		return u.CodeSerial
	}
	if s := serial(1); s != 0 {
		t.Fatalf("factory master code has serial %d, want 0", s)
	}
	steps := []struct {
		name string
		do   func() error
		want uint32
	}{
		{"set", func() error { return p.SetCode(ctx, drivers.User{Slot: 4, Label: "Bo"}, "4444") }, 1},
		{"label", func() error { return p.SetLabel(ctx, 4, "Bo B") }, 1},
		{"partitions", func() error { return p.SetPartitions(ctx, 4, 1) }, 1},
		{"set again", func() error { return p.SetCode(ctx, drivers.User{Slot: 4, Label: "Bo"}, "4444") }, 2},
		{"keypad change", func() error { return p.ChangeAtKeypad(4, "4545") }, 3},
		{"clear", func() error { return p.ClearCode(ctx, 4) }, 4},
		{"clear empty", func() error { return p.ClearCode(ctx, 4) }, 4},
		{"keypad set", func() error { return p.ChangeAtKeypad(4, "4646") }, 5},
		{"keypad clear", func() error { return p.ClearAtKeypad(4) }, 6},
		{"refused set", func() error { p.SetCode(ctx, drivers.User{Slot: 4}, "12"); return nil }, 6},
		{"offline set", func() error {
			p.SetOffline(true)
			defer p.SetOffline(false)
			p.SetCode(ctx, drivers.User{Slot: 4}, "4747")
			return nil
		}, 6},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := serial(4); got != s.want {
			t.Fatalf("after %s: serial %d, want %d", s.name, got, s.want)
		}
	}
	if s := serial(5); s != 0 {
		t.Fatalf("untouched slot 5 has serial %d", s)
	}
	users, err := p.ReadUsers(ctx)
	if err != nil || len(users) != 1 || users[0].CodeSerial != 0 {
		t.Fatalf("ReadUsers = %+v, %v, want the master alone, serial 0", users, err)
	}
}

// TestSetCodeAgain: the dispatcher may re-apply a job after a crash, so
// setting the code a slot already holds must not be taken for a duplicate,
// on any rule that compares codes.
func TestSetCodeAgain(t *testing.T) {
	p := open(t, "dsc-pc1864") // DuressPlusOne, 4 digits
	for _, u := range []drivers.User{
		{Slot: 5, Label: "Ana", Partitions: 1},
		{Slot: 6, Role: "Duress"},
		{Slot: 40, Role: "Master"}, // the DSC master slot
	} {
		c := code(5000+10*u.Slot, 4)
		for i := range 3 {
			if err := p.SetCode(ctx, u, c); err != nil {
				t.Fatalf("slot %d, set %d: %v", u.Slot, i+1, err)
			}
		}
		got, ok := user(p, u.Slot)
		if !ok || got.CodeCheck != drivers.CodeCheck(u.Slot, c) || got.CodeSerial != 3 {
			t.Fatalf("slot %d after three sets = %+v, %v", u.Slot, got, ok)
		}
	}
	// Only the slot itself is excused: the code is still taken elsewhere,
	// and still next to the duress code.
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 7}, "5050"), drivers.RefusedDuplicateCode)
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 7}, "5061"), drivers.RefusedAdjacentCode)
	if err := p.ChangeAtKeypad(5, "5050"); err != nil {
		t.Fatalf("keypad re-entering the same code: %v", err)
	}
}

func TestReadUser(t *testing.T) {
	p := open(t, "neo-hs2032") // 4 partitions
	if err := p.SetCode(ctx, drivers.User{Slot: 3, Label: "Cy", Role: "Supervisor", Partitions: 0b0101}, "3030"); err != nil {
		t.Fatal(err)
	}
	u, err := p.ReadUser(ctx, 3)
	want := drivers.User{Slot: 3, CodeSet: true, Label: "Cy", Role: "Supervisor", Partitions: 0b0101, CodeCheck: drivers.CodeCheck(3, "3030"), CodeSerial: 1}
	if err != nil || u != want {
		t.Fatalf("ReadUser(3) = %+v, %v, want %+v", u, err, want)
	}
	if u, err := p.ReadUser(ctx, 4); err != nil || u != (drivers.User{Slot: 4}) {
		t.Fatalf("never-used slot 4 = %+v, %v", u, err)
	}
	if err := p.ClearCode(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if u, err := p.ReadUser(ctx, 3); err != nil || u != (drivers.User{Slot: 3, CodeSerial: 2}) {
		t.Fatalf("cleared slot 3 = %+v, %v, want empty with serial 2", u, err)
	}
	for _, slot := range []int{0, -1, 73} {
		_, err := p.ReadUser(ctx, slot)
		refusal(t, err, drivers.RefusedBadSlot)
	}

	// The faults of every other call.
	p.SetOffline(true)
	if _, err := p.ReadUser(ctx, 1); !errors.Is(err, drivers.ErrOffline) {
		t.Fatalf("offline: %v", err)
	}
	p.SetOffline(false)
	p.SetSlow(time.Hour)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = p.ReadUser(short, 1)
	cancel()
	p.SetSlow(0)
	if !errors.Is(err, drivers.ErrTimeout) {
		t.Fatalf("slow: %v", err)
	}
	p.FailNext(1, drivers.ErrBusy)
	if _, err := p.ReadUser(ctx, 1); !errors.Is(err, drivers.ErrBusy) {
		t.Fatalf("fail next: %v", err)
	}
	// Corrupt garbles a slot holding a code, and waits for one.
	p.Corrupt(1)
	if _, err := p.ReadUser(ctx, 4); err != nil {
		t.Fatalf("empty slot with a corrupt read pending: %v", err)
	}
	if _, err := p.ReadUser(ctx, 1); err == nil || !strings.Contains(err.Error(), "garbled") || drivers.Transient(err) {
		t.Fatalf("corrupt read: %v", err)
	}
	if u, err := p.ReadUser(ctx, 1); err != nil || !u.CodeSet {
		t.Fatalf("read after the corrupt one: %+v, %v", u, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	p := open(t, "neo-hs2128e") // 1000 slots, 8 digits
	done := make(chan error)
	for w := range 4 {
		go func() {
			var err error
			for i := range 50 {
				slot := 2 + w*50 + i
				if e := p.SetCode(ctx, drivers.User{Slot: slot}, code(10000000+slot, 8)); e != nil && err == nil {
					err = e
				}
				p.ReadUsers(ctx)
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if users, _ := p.ReadUsers(ctx); len(users) != 201 {
		t.Fatalf("%d users, want 201", len(users))
	}
}

// keypadTags edits a state file to hold the keypad tags in entries (JSON
// members, slot: tag).
func keypadTags(entries string) func(string) string {
	return func(s string) string {
		return strings.Replace(s, `"lock_states": [`, `"keypad_tags": {`+entries+`}, "lock_states": [`, 1)
	}
}

func stateConfig(address, path string, opts ...string) drivers.Config {
	cfg := drivers.Config{Address: address, Family: "neo-hs2064", CodeLength: 8, Options: map[string]string{"state": path}}
	for i := 0; i+1 < len(opts); i += 2 {
		cfg.Options[opts[i]] = opts[i+1]
	}
	return cfg
}

// TestStateFile: a panel with a state file comes back, after Reset (a
// restart), as it was left, and the file never holds a code.
func TestStateFile(t *testing.T) {
	t.Cleanup(sim.Reset)
	dir := t.TempDir()
	path := dir + "/site/panel.json"
	if _, err := drivers.Open("sim", stateConfig("persist-1", path)); err == nil || !strings.Contains(err.Error(), "state file could not be written") {
		t.Fatalf("state file in a missing directory: %v", err)
	}
	path = dir + "/panel.json"
	pp, err := drivers.Open("sim", stateConfig("persist-1", path))
	if err != nil {
		t.Fatal(err)
	}
	p := pp.(*sim.Panel)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file after Open: %v, %v, want mode 0600", fi, err)
	}

	const secret, keypad = "73519286", "48207391"
	for i, err := range []error{
		p.SetCode(ctx, drivers.User{Slot: 5, Label: "Zoë", Role: "Supervisor", Partitions: 0b101}, secret),
		p.SetCode(ctx, drivers.User{Slot: 6}, "61616161"),
		p.ClearCode(ctx, 6),
		p.ChangeAtKeypad(7, keypad),
		p.Arm(ctx, 2, drivers.Away),
		p.SetPartitionState(3, family.Trouble),
		p.Unlock(ctx, 1),
		p.SetBattery(2, 40),
		p.AddTag(ctx, 2, "04A2B3C4", 5),
		p.AddKeypadTag(ctx, 5, "H10302:34359738367"),
		p.AddKeypadTag(ctx, 7, "04A1B2C3D4E5F6A7B8C9"),
	} {
		if err != nil {
			t.Fatalf("change %d: %v", i+1, err)
		}
	}
	p.SetOffline(true)
	before := p.Snapshot()

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{secret, keypad, "61616161", "12345678"} {
		if bytes.Contains(b, []byte(c)) {
			t.Fatalf("the state file holds the code %s:\n%s", c, b)
		}
	}
	if names, _ := filepath.Glob(dir + "/*"); len(names) != 1 {
		t.Fatalf("files left beside the state file: %v", names)
	}

	// The same address in the same process is the same panel.
	again, err := drivers.Open("sim", stateConfig("persist-1", path))
	if err != nil || again != pp {
		t.Fatalf("second Open: %v, %v, want the first panel", again, err)
	}
	if _, err := drivers.Open("sim", stateConfig("persist-2", path)); err == nil || !strings.Contains(err.Error(), "already keeps sim persist-1") {
		t.Fatalf("a second address on the same file: %v", err)
	}

	sim.Reset()
	pp, err = drivers.Open("sim", stateConfig("persist-1", path))
	if err != nil {
		t.Fatal(err)
	}
	p = pp.(*sim.Panel)
	if _, err := p.ReadUsers(ctx); !errors.Is(err, drivers.ErrOffline) {
		t.Fatalf("reloaded panel: %v, want it still offline", err)
	}
	p.SetOffline(false)
	after := p.Snapshot()
	if !reflect.DeepEqual(before.Users, after.Users) || !reflect.DeepEqual(before.Serials, after.Serials) ||
		!reflect.DeepEqual(before.Partitions, after.Partitions) || !reflect.DeepEqual(before.Locks, after.Locks) || !reflect.DeepEqual(before.Tags, after.Tags) ||
		!reflect.DeepEqual(before.KeypadTags, after.KeypadTags) || len(after.KeypadTags) != 2 {
		t.Fatalf("reloaded\n%+v\nsaved\n%+v", after, before)
	}
	if u, _ := user(p, 5); u.CodeCheck != drivers.CodeCheck(5, secret) || u.CodeSerial != 1 {
		t.Fatalf("slot 5 reloaded as %+v", u)
	}
	if u, err := p.ReadUser(ctx, 6); err != nil || u != (drivers.User{Slot: 6, CodeSerial: 2}) {
		t.Fatalf("cleared slot 6 reloaded as %+v, %v", u, err)
	}
	// The hashes still work: duplicates are found, and a slot's own code
	// can be set again.
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 8}, secret), drivers.RefusedDuplicateCode)
	refusal(t, p.SetCode(ctx, drivers.User{Slot: 8}, keypad), drivers.RefusedDuplicateCode)
	if err := p.SetCode(ctx, drivers.User{Slot: 5, Label: "Zoë", Role: "Supervisor", Partitions: 0b101}, secret); err != nil {
		t.Fatal(err)
	}
	if err := p.SetCode(ctx, drivers.User{Slot: 6}, "61616161"); err != nil {
		t.Fatalf("a cleared slot's old code: %v", err)
	}
	// The keypad tags came back with their rules: a reloaded tag is still
	// taken, and a cleared slot's tag is gone from the file too.
	refusal(t, p.AddKeypadTag(ctx, 6, "H10302:34359738367"), drivers.RefusedTag)
	if err := p.ClearAtKeypad(7); err != nil {
		t.Fatal(err)
	}
	sim.Reset()
	pp, err = drivers.Open("sim", stateConfig("persist-1", path))
	if err != nil {
		t.Fatal(err)
	}
	if got := pp.(*sim.Panel).Snapshot().KeypadTags; fmt.Sprint(got) != "[{H10302:34359738367 5}]" {
		t.Fatalf("keypad tags after clearing slot 7 and a restart: %v", got)
	}
	p = pp.(*sim.Panel)

	// An option given at Open wins over the file.
	sim.Reset()
	p.SetOffline(true) // the old panel still writes the file
	pp, err = drivers.Open("sim", stateConfig("persist-1", path, "offline", "false"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pp.ReadUsers(ctx); err != nil {
		t.Fatalf("offline=false over an offline state file: %v", err)
	}
}

func TestOfflineOption(t *testing.T) {
	p := open(t, "generic", func(c *drivers.Config) { c.Options = map[string]string{"offline": "true"} })
	if _, err := p.Identify(ctx); !errors.Is(err, drivers.ErrOffline) {
		t.Fatalf("offline=true: %v, want ErrOffline", err)
	}
	p.SetOffline(false)
	if _, err := p.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []map[string]string{{"offline": "maybe"}, {"state": ""}} {
		if _, err := sim.NewPanel(drivers.Config{Address: "x", Family: "generic", Options: opts}); err == nil {
			t.Errorf("options %v accepted", opts)
		}
	}
}

// TestBadStateFile: a state file that does not fit the configured panel,
// or breaks its rules, is refused at Open with what to do.
func TestBadStateFile(t *testing.T) {
	t.Cleanup(sim.Reset)
	path := t.TempDir() + "/panel.json"
	p, err := drivers.Open("sim", stateConfig("bad-1", path))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetCode(ctx, drivers.User{Slot: 5}, "55555555"); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(string) string
		cfg  func(*drivers.Config)
		want string
	}{
		{"other code length", nil, func(c *drivers.Config) { c.CodeLength = 6 }, "not a neo-hs2064 with 95, 6 and 2 as configured"},
		{"other locks", nil, func(c *drivers.Config) { c.Options["locks"] = "3" }, "and 2 locks, not"},
		{"not JSON", func(string) string { return "{" }, nil, "remove it to start the panel afresh"},
		{"unknown field", func(s string) string { return strings.Replace(s, `"offline"`, `"ofline"`, 1) }, nil, "ofline"},
		{"bad slot", func(s string) string { return strings.Replace(s, `"slot": 5,`, `"slot": 500,`, 1) }, nil, "slot 500 does not exist"},
		{"bad role", func(s string) string { return strings.Replace(s, `"role": "User"`, `"role": "Master"`, 1) }, nil, "only slot 1 can hold the Master role"},
		{"bad state", func(s string) string { return strings.Replace(s, `"state": "disarmed"`, `"state": "napping"`, 1) }, nil, `state "napping"`},
		{"keypad tag on an empty slot", keypadTags(`"9": "04A1"`), nil, "keypad tag 04A1: slot 9 has no code"},
		{"keypad tag on two slots", keypadTags(`"1": "04A1", "5": "04A1"`), nil, "keypad tag 04A1 is on slots 1 and 5"},
		{"keypad tag with a space", keypadTags(`"5": "04 A1"`), nil, "keypad tag of slot 5: tag ID must be printable ASCII"},
		{"keypad tag too long", keypadTags(`"5": "` + strings.Repeat("A", 25) + `"`), nil, "keypad tag of slot 5: tag ID must be 1-24 characters"},
		{"future version", func(s string) string { return strings.Replace(s, `"version": 2`, `"version": 3`, 1) }, nil, "version 3, this guardroom reads versions 1 and 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim.Reset()
			text := string(good)
			if c.edit != nil {
				text = c.edit(text)
				if text == string(good) {
					t.Fatal("the edit changed nothing")
				}
			}
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := stateConfig("bad-1", path)
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			_, err := drivers.Open("sim", cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open: %v, want %q and the file's name", err, c.want)
			}
			if strings.Contains(err.Error(), "55555555") {
				t.Fatal("the error holds a code")
			}
		})
	}
}

// TestKeypadTags runs every keypad tag rule on a Neo panel, whose user
// slots can hold a prox tag (DOMAIN.md §4).
func TestKeypadTags(t *testing.T) {
	p := open(t, "neo-hs2064")
	if !p.Capabilities().KeypadTags {
		t.Fatal("a Neo panel says its keypads read no tags")
	}
	var kt drivers.KeypadTags = p
	read := func() string {
		t.Helper()
		tags, err := kt.ReadKeypadTags(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap := p.Snapshot().KeypadTags; !reflect.DeepEqual(tags, snap) {
			t.Fatalf("ReadKeypadTags %v, Snapshot %v", tags, snap)
		}
		return fmt.Sprint(tags)
	}
	if got := read(); got != "[]" {
		t.Fatalf("a fresh panel's keypad tags: %s", got)
	}

	// The slot must hold a code.
	refusal(t, kt.AddKeypadTag(ctx, 3, "04A1B2C3"), drivers.RefusedBadSlot)
	refusal(t, kt.AddKeypadTag(ctx, 96, "04A1B2C3"), drivers.RefusedBadSlot)
	for _, slot := range []int{2, 3, 4} {
		if err := p.SetCode(ctx, drivers.User{Slot: slot}, code(slot*1111, 4)); err != nil {
			t.Fatal(err)
		}
	}
	if err := kt.AddKeypadTag(ctx, 3, "04A1B2C3"); err != nil {
		t.Fatal(err)
	}
	if err := kt.AddKeypadTag(ctx, 3, "04A1B2C3"); err != nil {
		t.Fatalf("adding the tag a slot holds again: %v", err)
	}
	// The master slot holds a code, so it can hold a tag too.
	if err := kt.AddKeypadTag(ctx, 1, "H10301:90:324"); err != nil {
		t.Fatal(err)
	}
	// The longest canonical tag ID (20 characters) and the map's limit, 24.
	if err := kt.AddKeypadTag(ctx, 2, "04A1B2C3D4E5F6A7B8C9"); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "[{H10301:90:324 1} {04A1B2C3D4E5F6A7B8C9 2} {04A1B2C3 3}]" {
		t.Fatalf("keypad tags %s", got)
	}

	// One tag a slot; a tag on one slot.
	refusal(t, kt.AddKeypadTag(ctx, 3, "04FFFFFF"), drivers.RefusedTag)
	refusal(t, kt.AddKeypadTag(ctx, 4, "04A1B2C3"), drivers.RefusedTag)
	for _, bad := range []string{"", "04 A1", "04A1\t", "Zoë", strings.Repeat("A", 25)} {
		refusal(t, kt.AddKeypadTag(ctx, 4, bad), drivers.RefusedTag)
	}
	if err := kt.AddKeypadTag(ctx, 4, strings.Repeat("A", drivers.MaxTagBytes)); err != nil {
		t.Fatalf("a %d-byte tag: %v", drivers.MaxTagBytes, err)
	}

	// Removing: the tag goes from whichever slot holds it; an absent tag
	// is no error; a malformed one is.
	if err := kt.RemoveKeypadTag(ctx, "04A1B2C3"); err != nil {
		t.Fatal(err)
	}
	if err := kt.RemoveKeypadTag(ctx, "04A1B2C3"); err != nil {
		t.Fatalf("removing a tag no slot holds: %v", err)
	}
	refusal(t, kt.RemoveKeypadTag(ctx, "04 A1"), drivers.RefusedTag)
	if err := kt.AddKeypadTag(ctx, 3, "04FFFFFF"); err != nil {
		t.Fatalf("slot 3 after its tag was removed: %v", err)
	}

	// Clearing a code removes its tag, through the driver or at the keypad.
	if err := p.ClearCode(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := p.ClearAtKeypad(4); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "[{H10301:90:324 1} {04A1B2C3D4E5F6A7B8C9 2}]" {
		t.Fatalf("after clearing slots 3 and 4: %s", got)
	}
	// The freed tag can go to another user; a cleared slot takes none.
	refusal(t, kt.AddKeypadTag(ctx, 3, "04FFFFFF"), drivers.RefusedBadSlot)
	if err := p.SetCode(ctx, drivers.User{Slot: 5}, "5555"); err != nil {
		t.Fatal(err)
	}
	if err := kt.AddKeypadTag(ctx, 5, "04FFFFFF"); err != nil {
		t.Fatal(err)
	}

	// Faults apply as to every call, and a failed call changes nothing.
	p.SetOffline(true)
	if _, err := kt.ReadKeypadTags(ctx); !errors.Is(err, drivers.ErrOffline) {
		t.Fatalf("read offline: %v", err)
	}
	if err := kt.RemoveKeypadTag(ctx, "04FFFFFF"); !errors.Is(err, drivers.ErrOffline) {
		t.Fatalf("remove offline: %v", err)
	}
	p.SetOffline(false)
	p.FailNext(1, drivers.ErrBusy)
	if err := kt.AddKeypadTag(ctx, 2, "X"); !errors.Is(err, drivers.ErrBusy) {
		t.Fatalf("busy: %v", err)
	}
	if got := read(); got != "[{H10301:90:324 1} {04A1B2C3D4E5F6A7B8C9 2} {04FFFFFF 5}]" {
		t.Fatalf("after the faults: %s", got)
	}
}

// TestKeypadTagFamilies: only families whose keypads have readers take
// keypad tags, and Visonic keeps them for its first 8 or 32 users.
func TestKeypadTagFamilies(t *testing.T) {
	for _, f := range family.All() {
		t.Run(f.ID, func(t *testing.T) {
			p := open(t, f.ID)
			if p.Capabilities().KeypadTags != f.KeypadProx {
				t.Fatalf("Capabilities().KeypadTags = %v, family says %v", p.Capabilities().KeypadTags, f.KeypadProx)
			}
			master := p.Snapshot().MasterSlot
			if !f.KeypadProx {
				if _, err := p.ReadKeypadTags(ctx); err == nil {
					t.Fatal("read keypad tags")
				}
				for _, err := range []error{p.AddKeypadTag(ctx, master, "04A1"), p.RemoveKeypadTag(ctx, "04A1")} {
					refusal(t, err, drivers.RefusedUnsupported)
				}
				if _, err := p.ReadKeypadTags(ctx); !strings.Contains(err.Error(), "no keypads with a proximity reader") {
					t.Fatalf("refusal %q does not say why", err)
				}
				if p.Snapshot().KeypadTags != nil {
					t.Fatal("Snapshot shows keypad tags")
				}
				return
			}
			if err := p.AddKeypadTag(ctx, master, "04A1"); err != nil {
				t.Fatal(err)
			}
			n := drivers.KeypadTagSlots(f.ID)
			if n == 0 || n >= f.Slots {
				return
			}
			for _, slot := range []int{n, n + 1} {
				if err := p.SetCode(ctx, drivers.User{Slot: slot}, code(1000+slot, 4)); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.AddKeypadTag(ctx, n, "04A2"); err != nil {
				t.Fatalf("slot %d: %v", n, err)
			}
			refusal(t, p.AddKeypadTag(ctx, n+1, "04A3"), drivers.RefusedTag)
		})
	}
	if drivers.KeypadTagSlots("visonic-powermaster30") != 32 || drivers.KeypadTagSlots("visonic-powermaster10") != 8 || drivers.KeypadTagSlots("neo-hs2064") != 0 {
		t.Fatal("KeypadTagSlots does not follow DOMAIN.md §1.6")
	}
}

// TestStateFileVersion1: a state file written before keypad tags (version
// 1) still loads, and is written back as version 2.
func TestStateFileVersion1(t *testing.T) {
	t.Cleanup(sim.Reset)
	path := t.TempDir() + "/panel.json"
	p, err := drivers.Open("sim", stateConfig("v1-1", path))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetCode(ctx, drivers.User{Slot: 5}, "55555555"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	v1 := strings.Replace(string(b), `"version": 2`, `"version": 1`, 1)
	if v1 == string(b) || strings.Contains(v1, "keypad_tags") {
		t.Fatalf("cannot make a version 1 file from\n%s", b)
	}
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	sim.Reset()
	p, err = drivers.Open("sim", stateConfig("v1-1", path))
	if err != nil {
		t.Fatalf("version 1 file: %v", err)
	}
	if _, ok := user(p.(*sim.Panel), 5); !ok {
		t.Fatal("slot 5 lost")
	}
	if err := p.(*sim.Panel).AddKeypadTag(ctx, 5, "04A1"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), `"version": 2`) || !strings.Contains(string(b), `"5": "04A1"`) {
		t.Fatalf("written back as\n%s", b)
	}
}

// TestLockUsers: a lock takes users whose slot holds a code, up to its
// limit; assigning or unassigning twice succeeds; clearing a code takes
// its locks away; the assignments survive a restart through the state file.
func TestLockUsers(t *testing.T) {
	t.Cleanup(sim.Reset)
	path := t.TempDir() + "/panel.json"
	pp, err := drivers.Open("sim", stateConfig("lock-users", path))
	if err != nil {
		t.Fatal(err)
	}
	p := pp.(*sim.Panel)
	assigned := func(n int) string {
		t.Helper()
		locks, err := p.ReadLocks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap := p.Snapshot().Locks; !slices.EqualFunc(locks, snap, func(a, b drivers.LockStatus) bool { return slices.Equal(a.AssignedUsers, b.AssignedUsers) }) {
			t.Fatalf("ReadLocks %+v, Snapshot %+v", locks, snap)
		}
		return fmt.Sprint(locks[n-1].AssignedUsers)
	}
	for slot := 2; slot <= 3+sim.MaxUsersPerLock; slot++ {
		if err := p.SetCode(ctx, drivers.User{Slot: slot}, fmt.Sprintf("%08d", 10000000+slot*7)); err != nil {
			t.Fatal(err)
		}
	}
	refusal(t, p.AssignUser(ctx, 1, 5000), drivers.RefusedBadSlot)
	refusal(t, p.AssignUser(ctx, 1, 100), drivers.RefusedBadSlot) // no code
	refusal(t, p.AssignUser(ctx, 9, 5), drivers.RefusedLock)
	for _, slot := range []int{7, 5, 5} {
		if err := p.AssignUser(ctx, 1, slot); err != nil {
			t.Fatalf("assign %d: %v", slot, err)
		}
	}
	if got := assigned(1); got != "[5 7]" || assigned(2) != "[]" {
		t.Fatalf("lock 1 users %s, lock 2 %s", got, assigned(2))
	}
	if locks, _ := p.ReadLocks(ctx); len(locks[0].Users) != 0 {
		t.Fatalf("tag holders %v: assigning a user gives no tag", locks[0].Users)
	}
	for _, slot := range []int{7, 7, 9} {
		if err := p.UnassignUser(ctx, 1, slot); err != nil {
			t.Fatalf("unassign %d: %v", slot, err)
		}
	}
	if got := assigned(1); got != "[5]" {
		t.Fatalf("after unassigning: %s", got)
	}
	// The lock's limit.
	for slot := 2; slot <= 1+sim.MaxUsersPerLock; slot++ {
		if err := p.AssignUser(ctx, 2, slot); err != nil {
			t.Fatal(err)
		}
	}
	refusal(t, p.AssignUser(ctx, 2, 2+sim.MaxUsersPerLock), drivers.RefusedLock)
	// Clearing a code takes the user's locks away.
	if err := p.ClearCode(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if got := assigned(1); got != "[]" {
		t.Fatalf("after clearing slot 5: %s", got)
	}
	if err := p.AssignUser(ctx, 1, 6); err != nil {
		t.Fatal(err)
	}
	// A restart reads them back from the state file.
	sim.Reset()
	pp, err = drivers.Open("sim", stateConfig("lock-users", path))
	if err != nil {
		t.Fatal(err)
	}
	p = pp.(*sim.Panel)
	// (Lock 2 lost slot 5 with its code.)
	if got := assigned(1); got != "[6]" || len(p.Snapshot().Locks[1].AssignedUsers) != sim.MaxUsersPerLock-1 {
		t.Fatalf("after restart: lock 1 %s, lock 2 %v", got, p.Snapshot().Locks[1].AssignedUsers)
	}
	// A hand-edited file assigning a slot without a code is refused.
	b, _ := os.ReadFile(path)
	bad := strings.Replace(string(b), "\"users\": [\n\t\t\t\t6\n\t\t\t]", "\"users\": [\n\t\t\t\t100\n\t\t\t]", 1)
	if bad == string(b) {
		t.Fatalf("no users list for lock 1 in\n%s", b)
	}
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	sim.Reset()
	if _, err := drivers.Open("sim", stateConfig("lock-users", path)); err == nil || !strings.Contains(err.Error(), "assigned slot 100 has no code") {
		t.Fatalf("file assigning an empty slot: %v", err)
	}
}
