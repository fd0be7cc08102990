package store

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkEventJournal measures the write cost per event of ReportEvents
// into the event journal, against its baseline in the same run: the same
// events written as action-log entries (one chained entry each, in one
// transaction a batch), which is what keeping them in the action log
// would cost. Both on an encrypted on-disk store with fsync on every
// commit, as a site runs. docs/PERFORMANCE.md §14 has the figures:
//
//	go test ./store -run '^$' -bench BenchmarkEventJournal -count 3
func BenchmarkEventJournal(b *testing.B) {
	if testing.Short() {
		b.Skip("skipped with -short")
	}
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("journal/batch=%d", batch), func(b *testing.B) {
			s, p := benchEventStore(b)
			sys := s.Internal("bench")
			evs := make([]EventReport, batch)
			for i := range evs {
				// Mostly zone chatter; one in ten an alarm, which opens
				// or joins an alarm record in the same transaction.
				evs[i] = EventReport{Kind: EventTrouble, Partition: 1, Zone: i%64 + 1, DeviceSeq: uint64(i)}
				if i%10 == 0 {
					evs[i].Kind = EventAlarm
				}
			}
			benchEvents(b, batch, func() error { return s.ReportEvents(sys, p.ID, evs) })
		})
		b.Run(fmt.Sprintf("actionlog/batch=%d", batch), func(b *testing.B) {
			s, p := benchEventStore(b)
			sys := s.Internal("bench")
			benchEvents(b, batch, func() error {
				w := s.begin(sys, "event.report", p.Label())
				return s.finish(w, func() error {
					for i := range batch {
						w.panel, w.unit = p.ID, p.Unit
						w.appendLog(nil, map[string]string{"kind": string(EventTrouble), "zone": strconv.Itoa(i%64 + 1)}, "reported by the panel")
					}
					return nil
				})
			})
		})
	}
}

func benchEventStore(b *testing.B) (*Store, Panel) {
	b.Helper()
	dir := b.TempDir()
	key, err := CreateKey(filepath.Join(dir, "data.key"))
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(Config{Dir: filepath.Join(dir, "db"), Key: key})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	a, err := s.Actor("admin", "bench")
	if err != nil {
		b.Fatal(err)
	}
	p, err := s.AddPanel(a, NewPanel{Name: "Bench", Unit: RootUnit, Family: "neo-hs2064", IMEI: fxIMEI(7)})
	if err != nil {
		b.Fatal(err)
	}
	return s, p
}

// benchEvents runs write, which writes batch events, b.N times and
// reports the cost per event and events per second.
func benchEvents(b *testing.B, batch int, write func() error) {
	b.Helper()
	n := 0
	for b.Loop() {
		if err := write(); err != nil {
			b.Fatal(err)
		}
		n += batch
	}
	el := b.Elapsed()
	b.ReportMetric(float64(el.Microseconds())/float64(n), "µs/event")
	b.ReportMetric(float64(n)/el.Seconds(), "events/s")
}
