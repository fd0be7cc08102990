package store

// Benchmarks of access decisions through the store (docs/PERFORMANCE.md):
//
//	go test ./store -run '^$' -bench 'StoreDecide|AccessEngineBuild' -benchtime 2s -count 3

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/guardroom/guardroom/store/access"
)

const benchPeople = 100_000

// benchAccessStore is an in-memory store with the access site of the
// tests in 100 units (one door group, two doors, a level and a group
// each: 200 doors) and benchPeople people, each with a card and in one
// unit's group. The people are written with a write batch to build the
// fixture quickly; what the benchmarks read is what AddPerson writes.
func benchAccessStore(b *testing.B) (*fx, []accessSite) {
	b.Helper()
	if testing.Short() {
		b.Skip("the 100,000-person fixture is not built in -short")
	}
	s, err := Open(Config{InMemory: true, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	f := fxWrap(b, s, newFxClock())
	if err := s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "UTC"}); err != nil {
		b.Fatal(err)
	}
	var sites []accessSite
	for i := 0; i < 100; i++ {
		u, err := s.AddUnit(f.admin, RootUnit, fmt.Sprintf("Building %d", i), UnitBuilding)
		if err != nil {
			b.Fatal(err)
		}
		sites = append(sites, f.accessSite(u.ID))
	}
	wb := s.db.NewWriteBatch()
	for i := 1; i <= benchPeople; i++ {
		site := sites[i%len(sites)]
		r := personRecord{Person: Person{ID: uint64(i), Name: fmt.Sprintf("Person %d", i), Unit: site.staff.Unit,
			Active: true, Groups: []uint32{site.staff.ID}}}
		id, err := s.identifier(card(fmt.Sprintf("30:%d", i)))
		if err != nil {
			b.Fatal(err)
		}
		r.Idents = []identRecord{id}
		v, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := wb.Set(personKey(r.ID), v); err != nil {
			b.Fatal(err)
		}
		if err := wb.Set(identKey(byte(id.Kind), id.indexValue()), u64(r.ID)); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	s.accessChanged()
	return f, sites
}

// BenchmarkStoreDecide is one card tap decided through the store: the
// scope checks (a read of the door in a Badger transaction) and the
// engine, with its step-by-step explanation.
func BenchmarkStoreDecide(b *testing.B) {
	f, sites := benchAccessStore(b)
	rng := rand.New(rand.NewPCG(1, 2))
	if _, err := f.s.Decide(f.admin, AccessCheck{Person: 1, Door: sites[1].main.ID, Direction: access.Entry, At: tuesday10}); err != nil {
		b.Fatal(err) // builds the engine outside the timing
	}
	granted := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		i := 1 + rng.IntN(benchPeople)
		d, err := f.s.Decide(f.admin, AccessCheck{
			Credentials: []access.Presented{{Kind: access.KindCard, Value: fmt.Sprintf("30:%d", i), At: tuesday10}},
			Door:        sites[rng.IntN(len(sites))].main.ID, Direction: access.Entry, At: tuesday10,
		})
		if err != nil {
			b.Fatal(err)
		}
		if d.Grant {
			granted++
		}
	}
	if granted == 0 {
		b.Fatal("no tap was granted: the fixture is wrong")
	}
}

// BenchmarkAccessEngineBuild is the rebuild after a change: every person,
// level, group, profile and door read from Badger and indexed.
func BenchmarkAccessEngineBuild(b *testing.B) {
	f, _ := benchAccessStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := f.s.buildEngine(); err != nil {
			b.Fatal(err)
		}
	}
}
