package sim_test

import (
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/sim"
)

func TestZonesAndEvents(t *testing.T) {
	p := open(t, "neo-hs2064", func(c *drivers.Config) { c.Options = map[string]string{"zones": "5"} })
	zs, err := p.ReadZones(ctx)
	if err != nil || len(zs) != 5 || zs[0].Type != "entry/exit" || zs[3].Type != "fire" || zs[4].Type != "door contact" || zs[4].State != "closed" {
		t.Fatalf("zones %+v %v", zs, err)
	}
	for _, step := range []func() error{
		func() error { return p.TripZone(1) },
		func() error { return p.TripZone(4) }, // a fire zone trips as fire
		func() error { return p.OpenZone(5) }, // no event
		func() error { return p.Trouble(2, "low battery") },
		func() error { return p.Duress(1, 5) },
		func() error { return p.RestoreZone(1) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := p.ReadEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Kind)
	}
	if strings.Join(got, ",") != "alarm,fire,trouble,duress,restore" || evs[0].Seq != 1 || evs[4].Seq != 5 || evs[2].Text != "low battery" || evs[3].User != 5 {
		t.Fatalf("events %+v", evs)
	}
	if zs, _ := p.ReadZones(ctx); zs[0].State != "closed" || zs[3].State != "alarm" || zs[4].State != "open" || zs[1].State != "trouble" {
		t.Fatalf("zones after %+v", zs)
	}
	// Reading does not take them; an acknowledgement takes those up to it.
	if err := p.AckEvents(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if left := p.Pending(); len(left) != 2 || left[0].Seq != 4 {
		t.Fatalf("left %+v", left)
	}
	if err := p.TripZone(9); err == nil || !strings.Contains(err.Error(), "zones 1-5") {
		t.Fatalf("trip of zone 9: %v", err)
	}
	if _, err := drivers.Open("sim", drivers.Config{Address: t.Name() + "/bad", Family: "neo-hs2064", Options: map[string]string{"zones": "500"}}); err == nil {
		t.Fatal("zones=500 accepted")
	}
	p.SetOffline(true)
	if _, err := p.ReadEvents(ctx); err == nil {
		t.Fatal("an offline panel handed its events")
	}
	var _ drivers.EventSource = (*sim.Panel)(nil)
}
