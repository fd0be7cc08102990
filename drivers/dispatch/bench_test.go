package dispatch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/store"
)

// benchCodes are n distinct 8-digit codes for slots 2..n+1 (slot 1 is
// the master).
func benchCodes(n int) []store.BulkCode {
	items := make([]store.BulkCode, n)
	for i := range items {
		items[i] = store.BulkCode{Slot: i + 2, Code: fmt.Sprintf("%08d", 20000000+37*(i+1))}
	}
	return items
}

// benchStore opens a fresh store (fsync on) with one panel and items
// queued for it by one bulk operation.
func benchStore(b *testing.B, np store.NewPanel, items []store.BulkCode) (*store.Store, store.Actor) {
	b.Helper()
	s, err := store.Open(store.Config{Dir: b.TempDir(), Key: make([]byte, 32)})
	if err != nil {
		b.Fatal(err)
	}
	admin, _ := s.Actor("admin", "bench")
	np.Name, np.Unit, np.IMEI = "Bench", store.RootUnit, imeiFor(1)
	p, err := s.AddPanel(admin, np)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.BulkSetCodes(admin, p.ID, items, nil); err != nil {
		b.Fatal(err)
	}
	return s, admin
}

// writeAndReadBack is the baseline without the store: the driver sets
// each code and reads the slot back, as the dispatcher does for a job.
func writeAndReadBack(ctx context.Context, drv drivers.Panel, items []store.BulkCode) error {
	for _, it := range items {
		if err := drv.SetCode(ctx, drivers.User{Slot: it.Slot, Role: "User"}, it.Code); err != nil {
			return err
		}
		got, err := drv.ReadUser(ctx, it.Slot)
		if err != nil {
			return err
		}
		if !got.CodeSet || got.CodeCheck != 0 && got.CodeCheck != drivers.CodeCheck(it.Slot, it.Code) {
			return fmt.Errorf("slot %d did not take its code", it.Slot)
		}
	}
	return nil
}

// benchSim starts a Modbus simulator over loopback and returns its
// address and its stop.
func benchSim(b *testing.B) (string, func()) {
	b.Helper()
	simr, err := modbus.NewSimulator("neo-hs2128e", modbus.SimOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := simr.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go simr.Serve(ctx)
	return addr.String(), func() { cancel(); simr.Close() }
}

// BenchmarkDispatch1000CodesModbus measures the whole path of 999 new
// codes: queued by one bulk operation, then carried by the dispatcher to
// the Modbus simulator over loopback, each write read back, the jobs
// finished durably in runs (store.FinishJobs) with a log entry each. One
// op is 999 codes (slots 2-1000; slot 1 is the master). Its baseline,
// timed in the same iterations on a fresh simulator of its own, is the
// Modbus driver alone writing and reading back the same 999 codes
// (raw-ns/op; the driver's overhead over bare goburrow calls is
// drivers/modbus BenchmarkProgram1000Codes'); x-raw is ours over it.
func BenchmarkDispatch1000CodesModbus(b *testing.B) {
	ctx := context.Background()
	items := benchCodes(999)
	var raw time.Duration
	for b.Loop() {
		b.StopTimer()
		rawAddr, stopRaw := benchSim(b)
		drv, err := drivers.Open("modbus", drivers.Config{Address: "tcp://" + rawAddr, Family: "neo-hs2128e"})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := writeAndReadBack(ctx, drv, items); err != nil {
			b.Fatal(err)
		}
		raw += time.Since(t0)
		drv.Close()
		stopRaw()

		addr, stop := benchSim(b)
		s, admin := benchStore(b, store.NewPanel{Family: "neo-hs2128e", Driver: "modbus", Address: "tcp://" + addr}, items)
		d := New(s, Options{})
		b.StartTimer()
		if err := d.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if c, _ := s.SyncCounts(admin, 0); c != (store.SyncCounts{}) {
			b.Fatalf("not all applied: %+v", c)
		}
		d.Close()
		s.Close()
		stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(b.Elapsed())/float64(raw), "x-raw")
}

// BenchmarkDispatchBurst10kSim is the dispatcher alone in a burst: 10,000
// codes queued for one panel by one bulk operation, carried by a running
// dispatcher (Run, as in the console and the service) through the sim
// driver, until the last is finished durably. It reports jobs/s; its
// baseline, timed in the same iterations, is the sim driver alone setting
// and reading back the same codes (raw-jobs/s).
func BenchmarkDispatchBurst10kSim(b *testing.B) {
	const n = 10000
	items := benchCodes(n)
	var raw time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		cfg := drivers.Config{Address: fmt.Sprintf("%s/raw/%d", b.Name(), i), Family: "generic", Slots: n + 1, CodeLength: 8}
		drv, err := drivers.Open("sim", cfg)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := writeAndReadBack(context.Background(), drv, items); err != nil {
			b.Fatal(err)
		}
		raw += time.Since(t0)
		drv.Close()

		s, admin := benchStore(b, store.NewPanel{Family: "generic", Slots: n + 1, CodeLength: 8, Driver: "sim",
			Address: fmt.Sprintf("%s/%d", b.Name(), i)}, items)
		sub := s.Subscribe()
		ctx, cancel := context.WithCancel(context.Background())
		d := New(s, Options{})
		done := make(chan error)
		b.StartTimer()
		go func() { done <- d.Run(ctx) }()
		// Each finished job appends one log entry: count them from the
		// notices rather than reading the store while it works.
		for logged := 0; ; {
			<-sub.C
			for _, c := range sub.Changes() {
				switch c.What {
				case store.ChangeLog:
					logged++
				case store.ChangeAll: // too many to list: look
					logged = n
				}
			}
			if logged < n {
				continue
			}
			if c, err := s.SyncCounts(admin, 0); err != nil {
				b.Fatal(err)
			} else if c == (store.SyncCounts{}) {
				break
			}
		}
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		sub.Close()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "jobs/s")
	b.ReportMetric(float64(n*b.N)/raw.Seconds(), "raw-jobs/s")
}
