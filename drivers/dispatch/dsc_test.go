package dispatch

import (
	"context"
	"net"
	"testing"

	"github.com/guardroom/guardroom/drivers/dsc"
	"github.com/guardroom/guardroom/store"
)

// TestDSCOverLoopback carries a code, an arm and a disarm to a simulated
// DSC PowerSeries behind a simulated Envisalink, with the password and
// master code the store keeps for the panel: the code is sent by
// keystrokes and stays unverified until the panel sees its user disarm
// with it; the arm and the disarm are read back.
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
	f.ok(f.s.SetPanelSecret(f.admin, p.ID, store.SecretPassword, "pw7Qx2"))
	f.ok(f.s.SetPanelSecret(f.admin, p.ID, store.SecretMasterCode, "9731"))
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{Label: "Ana"}))
	f.ok(f.s.Arm(f.admin, p.ID, 1, store.ArmAway))
	d := New(f.s, Options{})
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
	f.ok(f.s.DisarmWithCode(f.admin, p.ID, 1, "4829"))
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
	// The panel saw user 2 disarm with the code sent by keystrokes: the
	// poll records it, and the code is verified by the panel.
	f.ok(d.Poll(context.Background()))
	if u := f.user(p, 2); u.Sync.State != store.SyncInSync {
		t.Errorf("user 2 after the panel saw its code: %v: want verified", u.Sync)
	}
	e, err := f.s.ListLog(f.admin, store.LogFilter{Action: "user.verified"})
	if err != nil || len(e) != 1 || e[0].Slot != 2 || e[0].After["verified by"] != "the panel saw user 2 disarm partition 1 with this code" {
		t.Errorf("the log of the verification: %+v, %v", e, err)
	}
	// The panel's events are in the journal: user 2 disarmed partition 1.
	evs, err := f.s.ListEvents(f.admin, store.EventFilter{Panel: p.ID, Kind: store.EventDisarmed})
	if err != nil || len(evs) != 1 || evs[0].User != 2 || evs[0].Partition != 1 {
		t.Errorf("disarm events in the journal: %+v, %v", evs, err)
	}
}
