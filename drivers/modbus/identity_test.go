package modbus_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
)

// notAMap returns the registers of a plain Modbus device: a valid
// identity block changed by edit, or n zero registers.
func notAMap(edit func(w []uint16)) []uint16 {
	w := identityRegs()
	edit(w)
	return w
}

// TestNoWriteBeforeIdentity: against a device that does not serve the
// register map, or serves another version, every command fails as a
// misconfiguration, naming what to check, and not one write request
// reaches the device.
func TestNoWriteBeforeIdentity(t *testing.T) {
	for _, c := range []struct {
		name string
		regs []uint16
		want string
	}{
		{"zeros", make([]uint16, 200), `no guardroom register map here: the map's first register holds 0x0000, not 0x4752 ("GR")`},
		{"another magic", notAMap(func(w []uint16) { w[0] = 0x1234 }), "holds 0x1234, not 0x4752"},
		{"map version 2", notAMap(func(w []uint16) { w[1] = 2 }), "register map version 2: this guardroom reads version 3 only: update the device's firmware"},
		{"map version 4", notAMap(func(w []uint16) { w[1] = 4 }), "register map version 4: this guardroom reads version 3 only: update guardroom"},
		{"too few registers", make([]uint16, 10), "illegal data address 40001 (register 0): the device has no guardroom register map there"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMiniServer(t, c.regs)
			m.serve()
			d := dial(t, m.addr(), nil)
			for name, err := range map[string]error{
				"set code": d.SetCode(ctx, drivers.User{Slot: 2}, "2580"),
				"clear":    d.ClearCode(ctx, 2),
				"arm":      d.Arm(ctx, 1, drivers.Away),
				"unlock":   d.Unlock(ctx, 1),
			} {
				if !drivers.IsMisconfigured(err) || drivers.Transient(err) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: %v, want a misconfiguration saying %q", name, err, c.want)
				}
			}
			if n := m.writes.Load(); n != 0 {
				t.Fatalf("%d write requests reached a device that is not a guardroom map", n)
			}
			if _, ok := d.KnownIdentity(); ok {
				t.Error("the driver keeps an identity it refused")
			}
		})
	}
}

// TestIdentityOnEveryConnection: another device comes up behind the same
// address. On the new connection the driver identifies it before
// writing, and writes nothing to it.
func TestIdentityOnEveryConnection(t *testing.T) {
	m := newMiniServer(t, identityRegs())
	m.serve()
	d := dial(t, m.addr(), nil)
	if err := d.SetCode(ctx, drivers.User{Slot: 2}, "2580"); err != nil {
		t.Fatal(err)
	}
	if n := m.writes.Load(); n != 1 {
		t.Fatalf("%d writes, want 1", n)
	}
	m.swap(make([]uint16, 200)) // a plain device, and the old connection closed
	err := d.SetCode(ctx, drivers.User{Slot: 3}, "3690")
	if !drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "no guardroom register map here") {
		t.Fatalf("after the swap: %v, want a misconfiguration", err)
	}
	if n := m.writes.Load(); n != 1 || m.conns.Load() != 2 {
		t.Fatalf("%d writes over %d connections, want still 1 write, and a second connection", n, m.conns.Load())
	}

	// The right device is back: the driver carries on.
	m.swap(identityRegs())
	if err := d.SetCode(ctx, drivers.User{Slot: 3}, "3690"); err != nil {
		t.Fatalf("the device is back: %v", err)
	}
	if n := m.writes.Load(); n != 2 {
		t.Fatalf("%d writes, want 2", n)
	}
}

// TestIdentityAfterAPause: after a pause long enough for goburrow to have
// closed the idle connection and dialled again unseen, the driver
// identifies the device again before writing.
func TestIdentityAfterAPause(t *testing.T) {
	defer modbus.SetReidentifyAfter(0)() // every request comes "after a pause"
	m := newMiniServer(t, identityRegs())
	m.serve()
	d := dial(t, m.addr(), nil)
	if err := d.Arm(ctx, 1, drivers.Stay); err != nil {
		t.Fatal(err)
	}
	m.setRegs(notAMap(func(w []uint16) { w[1] = 2 })) // the connection stays up
	err := d.Arm(ctx, 1, drivers.Stay)
	if !drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "register map version 2") {
		t.Fatalf("after the pause: %v, want a misconfiguration", err)
	}
	if n := m.writes.Load(); n != 1 {
		t.Fatalf("%d writes, want 1", n)
	}
}

// TestCapabilityBits: a command of a kind whose capability bit is clear
// is refused as unsupported before anything is written.
func TestCapabilityBits(t *testing.T) {
	m := newMiniServer(t, identityRegs()) // users and arm/disarm only
	m.serve()
	d := dial(t, m.addr(), nil)
	for name, err := range map[string]error{
		"unlock":      d.Unlock(ctx, 1),
		"lock user":   d.AssignUser(ctx, 1, 2),
		"lock tag":    d.AddTag(ctx, 1, "04A1", 2),
		"keypad tag":  d.AddKeypadTag(ctx, 2, "04A1"),
		"remove tag":  d.RemoveKeypadTag(ctx, "04A1"),
		"lock, again": d.Lock(ctx, 1),
	} {
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != drivers.RefusedUnsupported || !strings.Contains(r.Reason, "capability bit") {
			t.Errorf("%s: %v, want refused as unsupported", name, err)
		}
	}
	if n := m.writes.Load(); n != 0 {
		t.Fatalf("%d writes of commands the panel does not offer", n)
	}
	if err := d.Disarm(ctx, 1); err != nil || m.writes.Load() != 1 {
		t.Fatalf("disarm, which it offers: %v after %d writes", err, m.writes.Load())
	}
}

// TestLostReplyRetry: the device takes a command and the connection drops
// before its reply. The driver dials again, identifies the device on the
// new connection, and sends the same block with the same sequence number,
// which the device ignores as a repeat.
func TestLostReplyRetry(t *testing.T) {
	m := newMiniServer(t, identityRegs())
	m.loseFirstReply = true
	m.serve()
	d := dial(t, m.addr(), nil)
	if _, err := d.Identify(ctx); err != nil { // the connection works
		t.Fatal(err)
	}
	if err := d.Disarm(ctx, 1); err != nil {
		t.Fatalf("disarm after a lost reply: %v", err)
	}
	m.mu.Lock()
	seqs := m.seqs
	m.mu.Unlock()
	if len(seqs) != 2 || seqs[0] != seqs[1] || seqs[0] == 0 || m.conns.Load() != 2 {
		t.Fatalf("writes with numbers %v over %d connections, want the same non-zero number twice over 2", seqs, m.conns.Load())
	}
	// identity, write (lost), identity on the new connection, write
	if n := m.requests.Load(); n != 4 {
		t.Fatalf("%d requests, want 4: the retry identifies the device first", n)
	}
}
