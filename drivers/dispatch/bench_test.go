package dispatch

import (
	"context"
	"fmt"
	"testing"

	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/store"
)

// BenchmarkDispatch1000CodesModbus measures the whole path of 999 new
// codes: queued by one bulk operation, then carried by the dispatcher to
// the Modbus simulator over loopback, each write read back and finished in
// its own durable transaction with its log entry. One op is 999 codes (slots 2-1000; slot 1 is the master).
// (drivers/modbus BenchmarkProgram1000Codes measures the driver alone
// against raw goburrow calls.)
func BenchmarkDispatch1000CodesModbus(b *testing.B) {
	ctx := context.Background()
	items := make([]store.BulkCode, 999)
	for i := range items {
		items[i] = store.BulkCode{Slot: i + 2, Code: fmt.Sprintf("%08d", 20000000+37*(i+1))}
	}
	for b.Loop() {
		b.StopTimer()
		simr, err := modbus.NewSimulator("neo-hs2128e", modbus.SimOptions{})
		if err != nil {
			b.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		addr, err := simr.Listen(sctx, "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go simr.Serve(sctx)
		s, err := store.Open(store.Config{Dir: b.TempDir(), Key: make([]byte, 32)})
		if err != nil {
			b.Fatal(err)
		}
		admin, _ := s.Actor("admin", "bench")
		p, err := s.AddPanel(admin, store.NewPanel{Name: "Bench", Unit: store.RootUnit, Family: "neo-hs2128e", IMEI: imeiFor(1),
			Driver: "modbus", Address: "tcp://" + addr.String()})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.BulkSetCodes(admin, p.ID, items, nil); err != nil {
			b.Fatal(err)
		}
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
		cancel()
		simr.Close()
		b.StartTimer()
	}
}
