package dispatch

import (
	"context"
	"net"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/dsc"
	"github.com/guardroom/guardroom/store"
)

// TestDSCOverLoopback carries a code, an arm and a disarm to a simulated
// DSC PowerSeries behind a simulated Envisalink: the code is sent by
// keystrokes and stays unverified, the arm and the disarm are read back.
// The store does not keep the TPI password and the codes yet, so the
// test's Open supplies them.
func TestDSCOverLoopback(t *testing.T) {
	f := newFx(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	simr := dsc.NewSimulator(dsc.SimOptions{Password: "pw7Qx2", MasterCode: "9731"})
	go simr.Serve(l)
	defer simr.Close()

	p, _ := f.panel("dsc-pc1864")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "envisalink-dsc", Address: l.Addr().String(), Options: map[string]string{"backoff": "5ms"}}))
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{Label: "Ana"}))
	f.ok(f.s.Arm(f.admin, p.ID, 1, store.ArmAway))
	d := New(f.s, Options{Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
		cfg.Password, cfg.MasterCode, cfg.ArmCode = "pw7Qx2", "9731", "4829"
		return drivers.Open(name, cfg)
	}})
	defer d.Close()
	drain(t, d)
	if u := f.user(p, 2); u.Sync.State != store.SyncUnverified {
		t.Errorf("user 2 by keystrokes: %v: want done and not verified", u.Sync)
	}
	parts, _ := f.s.ListPartitions(f.admin, p.ID)
	if parts[0].State != store.ArmedAway || parts[0].Sync.State != store.SyncInSync {
		t.Errorf("partition 1 after arming: %+v", parts[0])
	}
	if v := simr.View(); len(v.Partitions) == 0 || !v.Partitions[0].Armed {
		t.Errorf("simulator after arming: %+v", v)
	}
	f.ok(f.s.Disarm(f.admin, p.ID, 1))
	drain(t, d)
	parts, _ = f.s.ListPartitions(f.admin, p.ID)
	if parts[0].State != store.Disarmed || parts[0].Sync.State != store.SyncInSync {
		t.Errorf("partition 1 after disarming with the new code: %+v", parts[0])
	}
	outcomes := map[string]string{}
	for _, e := range f.applies() {
		if e.After["driver"] != "envisalink-dsc" || e.After["transport"] != "envisalink "+l.Addr().String() {
			t.Errorf("log %v", e.After)
		}
		outcomes[e.After["op"]] += e.After["outcome"]
	}
	if outcomes[string(store.OpSetCode)] != "unverified" || outcomes[string(store.OpArm)] != "verified" || outcomes[string(store.OpDisarm)] != "verified" {
		t.Errorf("outcomes in the log: %v", outcomes)
	}
	f.ok(d.Poll(context.Background()))
}
