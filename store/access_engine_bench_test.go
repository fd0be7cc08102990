package store

// Benchmarks of access decisions through the store (docs/PERFORMANCE.md):
//
//	go test ./store -run '^$' -bench 'StoreDecide|AccessEngineBuild|AccessEdit' -benchtime 2s -count 3

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

const benchPeople = 100_000

// benchAccessStore is an in-memory store with the access site of the
// tests in 100 units (one door group, two doors, a level and a group
// each: 200 doors) and benchPeople people, each with a card and in one
// unit's group. The people are written with a write batch to build the
// fixture quickly; what the benchmarks read is what AddPerson writes.
func benchAccessStore(b *testing.B) (*fx, []accessSite) {
	return benchAccessStoreIn(b, Config{InMemory: true, NoSync: true})
}

func benchAccessStoreIn(b *testing.B, cfg Config) (*fx, []accessSite) {
	b.Helper()
	if testing.Short() {
		b.Skip("the 100,000-person fixture is not built in -short")
	}
	s, err := Open(cfg)
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
	s.seqs.Person = benchPeople // as AddPerson would have left it
	if err := s.db.Update(func(txn *badger.Txn) error { return setJSON(txn, kSeqs, s.seqs) }); err != nil {
		b.Fatal(err)
	}
	s.accessChanged()
	// The first build writes the engine records the batch left out.
	if _, _, err := s.engine(); err != nil {
		b.Fatal(err)
	}
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

// BenchmarkAccessEngineBuild is the build of a process that starts cold,
// from an encrypted database on disk: "records" reads the people's engine
// records (access_snapshot.go), "json" is the baseline in the same run,
// every person decoded from JSON as every build did before the records.
func BenchmarkAccessEngineBuild(b *testing.B) {
	key := make([]byte, KeySize)
	f, _ := benchAccessStoreIn(b, Config{Dir: b.TempDir(), Key: key, NoSync: true})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cfg := access.Config{CodeKey: f.s.engineCodeKey}
			paths := f.s.unitPaths()
			err := f.s.db.View(func(txn *badger.Txn) error {
				var err error
				if cfg, _, err = f.s.readAccessConfig(txn); err != nil {
					return err
				}
				return scanJSON(txn, pPerson, func(r enginePersonRecord) error {
					cfg.People = append(cfg.People, r.access(paths))
					return nil
				})
			})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := access.NewEngine(cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("records", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := f.s.buildEngine(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAccessEdit is an edit committed, then the next decision, at
// 100,000 people: "live" applies the edit to the live engine, "rebuild"
// is the baseline in the same run (the engine built again, as every edit
// did before). The edits: one person's levels, one card given, one group
// of 1,000 people given another level.
func BenchmarkAccessEdit(b *testing.B) {
	f, sites := benchAccessStore(b)
	extra, err := f.s.AddAccessLevel(f.admin, AccessLevel{Unit: RootUnit, AccessLevel: access.AccessLevel{
		Name: "Back doors", Doors: []access.DoorRule{{Door: access.DoorID(sites[0].back.ID)}}}}, false)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	edits := []struct {
		name string
		edit func() error
	}{
		{"person", func() error {
			p, err := f.s.GetPerson(f.admin, 1+uint64(n%benchPeople))
			if err != nil {
				return err
			}
			p.Levels = nil
			if n%2 == 0 {
				p.Levels = []uint32{uint32(extra.ID)}
			}
			_, err = f.s.EditPerson(f.admin, p)
			return err
		}},
		{"identifier", func() error {
			_, err := f.s.AddIdentifier(f.admin, 1+uint64(n%benchPeople), card(fmt.Sprintf("31:%d", n)))
			return err
		}},
		{"group", func() error {
			g := sites[n%len(sites)].staff
			g.Levels = []uint32{uint32(sites[n%len(sites)].office.ID)}
			if n%2 == 0 {
				g.Levels = append(g.Levels, uint32(extra.ID))
			}
			_, err := f.s.EditAccessGroup(f.admin, g)
			return err
		}},
	}
	for _, e := range edits {
		for _, mode := range []string{"rebuild", "live"} {
			b.Run(e.name+"/"+mode, func(b *testing.B) {
				runtime.GC() // the last rebuild's garbage is not this mode's
				for b.Loop() {
					n++
					if err := e.edit(); err != nil {
						b.Fatal(err)
					}
					if mode == "rebuild" {
						f.s.accessChanged()
					}
					if _, err := f.s.Decide(f.admin, AccessCheck{Person: 1 + uint64(n%benchPeople), Door: sites[1].main.ID, Direction: access.Entry, At: tuesday10}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
