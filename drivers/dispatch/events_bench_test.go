package dispatch

import (
	"context"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store"
)

// BenchmarkEventsFromDevice measures events from a simulated panel's
// buffer into the journal the way the dispatcher takes them (read a batch,
// record it, acknowledge it to the device), against its baseline in the
// same run: the same batches recorded by the store directly. Each
// iteration is one burst of 256 events (one driver batch); fsync is on.
// docs/PERFORMANCE.md §14:
//
//	go test ./drivers/dispatch -run '^$' -bench BenchmarkEventsFromDevice -count 3
func BenchmarkEventsFromDevice(b *testing.B) {
	const burst = 256
	open := func(b *testing.B) (*store.Store, store.Panel, *sim.Panel) {
		s, err := store.Open(store.Config{Dir: b.TempDir(), Key: make([]byte, 32)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		admin, _ := s.Actor("admin", "bench")
		p, err := s.AddPanel(admin, store.NewPanel{Name: "Bench", Unit: store.RootUnit, IMEI: imeiFor(1), Family: "neo-hs2064"})
		if err != nil {
			b.Fatal(err)
		}
		dev, err := sim.NewPanel(drivers.Config{Address: "bench", Family: "neo-hs2064"})
		if err != nil {
			b.Fatal(err)
		}
		return s, p, dev
	}
	fill := func(dev *sim.Panel) {
		for i := range burst {
			kind := "trouble"
			if i%10 == 0 {
				kind = "alarm"
			}
			dev.AddEvent(drivers.Event{Kind: kind, Partition: 1, Zone: i%32 + 1})
		}
	}
	// The timed part only (b.Elapsed): filling the device is not counted.
	report := func(b *testing.B, n int) {
		el := b.Elapsed()
		b.ReportMetric(float64(el.Microseconds())/float64(n), "µs/event")
		b.ReportMetric(float64(n)/el.Seconds(), "events/s")
	}
	b.Run("dispatcher", func(b *testing.B) {
		s, p, dev := open(b)
		d := New(s, Options{})
		ctx := context.Background()
		n := 0
		for b.Loop() {
			b.StopTimer()
			fill(dev)
			b.StartTimer()
			if err := d.readEventList(ctx, ctx, p, dev); err != nil {
				b.Fatal(err)
			}
			if left := len(dev.Pending()); left != 0 {
				b.Fatalf("%d events left on the device", left)
			}
			n += burst
		}
		report(b, n)
	})
	b.Run("store", func(b *testing.B) {
		s, p, dev := open(b)
		sys := s.Internal("bench")
		ctx := context.Background()
		n := 0
		for b.Loop() {
			b.StopTimer()
			fill(dev)
			evs, _ := dev.ReadEvents(ctx)
			rep := make([]store.EventReport, len(evs))
			for i, e := range evs {
				rep[i] = store.EventReport{Kind: store.EventKind(e.Kind), Partition: e.Partition, Zone: e.Zone, DeviceSeq: e.Seq}
			}
			dev.AckEvents(ctx, evs[len(evs)-1].Seq)
			b.StartTimer()
			if err := s.ReportEvents(sys, p.ID, rep); err != nil {
				b.Fatal(err)
			}
			n += burst
		}
		report(b, n)
	})
}
