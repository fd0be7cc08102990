package dispatch

import (
	"context"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/store"
)

// TestModbusOverLoopback carries jobs to a panel behind the Modbus driver
// and the register-map simulator over a real socket, reads them back, and
// finds drift and an alarm by polling it.
func TestModbusOverLoopback(t *testing.T) {
	f := newFx(t)
	simr, err := modbus.NewSimulator("neo-hs2064", modbus.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := simr.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go simr.Serve(ctx)
	defer simr.Close()

	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "modbus", Address: "tcp://" + addr.String(), Options: map[string]string{"timeout": "2s"}}))
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{Label: "Ana"}))
	f.ok(f.s.SetPartitions(f.admin, p.ID, 2, store.PartitionSet(0).With(1).With(3)))
	f.ok(f.s.Arm(f.admin, p.ID, 1, store.ArmStay))
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	if u := f.user(p, 2); u.Sync.State != store.SyncInSync || u.DevSerial == 0 {
		t.Fatalf("user 2 over Modbus: %v serial %d", u.Sync, u.DevSerial)
	}
	codeOn(t, simr.Panel(), 2, "4829", "Ana")
	for _, e := range f.applies() {
		if e.After["driver"] != "modbus" || !strings.Contains(e.After["transport"], addr.String()) || e.After["outcome"] != "verified" {
			t.Errorf("log %v", e.After)
		}
	}
	f.ok(simr.Panel().ChangeAtKeypad(2, "7314"))
	f.ok(simr.Panel().SetPartitionState(2, drivers.Alarm))
	f.ok(d.Poll(context.Background()))
	if u := f.user(p, 2); u.Sync.State != store.SyncDrift || u.Sync.Reason != "code changed at the panel" {
		t.Errorf("drift over Modbus: %v", u.Sync)
	}
	parts, _ := f.s.ListPartitions(f.admin, p.ID)
	if parts[0].State != store.ArmedStay || parts[1].State != store.Alarm {
		t.Errorf("partitions over Modbus: %s, %s", parts[0].State, parts[1].State)
	}

	// The simulator goes away: the next change waits, the panel shows offline.
	simr.Close()
	f.ok(f.s.SetLabel(f.admin, p.ID, 2, "Ana B"))
	drain(t, d)
	got, _ := f.s.GetPanel(f.admin, p.ID)
	if got.Conn.Online || got.Conn.LastError == "" {
		t.Errorf("after the simulator stopped: %+v", got.Conn)
	}
	if u := f.user(p, 2); u.Sync.State != store.SyncPending {
		t.Errorf("the label should wait: %v", u.Sync)
	}
}
