package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

// engineAnswers asks eng every question the test cares about: each
// person at each door both ways at several times (assumed credentials),
// each card tapped at each door, and who can open each door. Decisions
// are written out with their explanations.
func engineAnswers(eng *access.Engine, people []access.PersonID, cards []string, doorIDs []uint32) []string {
	times := []time.Time{tuesday10, tuesday10.Add(10 * time.Hour), tuesday10.AddDate(0, 0, 4)}
	var out []string
	for _, d := range doorIDs {
		for _, at := range times {
			for _, dir := range []access.Direction{access.Entry, access.Exit} {
				for _, p := range people {
					dec := eng.Decide(access.Request{Person: p, AssumeCredentials: true, Door: access.DoorID(d), Direction: dir, Time: at})
					out = append(out, fmt.Sprintf("person %d door %d %v %v: %s", p, d, dir, at, dec))
				}
				for _, c := range cards {
					dec := eng.Decide(access.Request{Credentials: []access.Presented{{Kind: access.KindCard, Value: c, At: at}},
						Door: access.DoorID(d), Direction: dir, Time: at})
					out = append(out, fmt.Sprintf("card %s door %d %v %v: %s", c, d, dir, at, dec))
				}
			}
			ids := eng.WhoCanOpen(access.DoorID(d), access.Both, at)
			slices.Sort(ids)
			out = append(out, fmt.Sprintf("door %d %v: %v", d, at, ids))
		}
	}
	return out
}

// TestLiveEngineEqualsAFreshBuild makes random sequences of edits through
// the store (people added, edited, removed; identifiers given and taken;
// groups and levels changed) and after each checks that the live engine,
// changed in place by the commits, answers every question as an engine
// built afresh from the database does (from the engine records, and every
// tenth step from JSON), explanations included.
func TestLiveEngineEqualsAFreshBuild(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			f := newFx(t)
			f.must(f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "UTC"}))
			sites := []accessSite{f.accessSite(RootUnit), f.accessSite(RootUnit)}
			var doorIDs []uint32
			for _, s := range sites {
				doorIDs = append(doorIDs, s.main.ID, s.back.ID)
			}
			night, err := f.s.AddAccessLevel(f.admin, AccessLevel{Unit: RootUnit, AccessLevel: access.AccessLevel{
				Name: "Back door", Doors: []access.DoorRule{{Door: access.DoorID(sites[1].back.ID), Direction: access.Entry}}}}, false)
			f.must(err)
			levelIDs := []uint32{uint32(sites[0].office.ID), uint32(sites[1].office.ID), uint32(night.ID)}
			groupIDs := []uint32{sites[0].staff.ID, sites[1].staff.ID}
			rng := rand.New(rand.NewPCG(seed, 7))
			pick := func(ids []uint32) []uint32 {
				var out []uint32
				for _, id := range ids {
					if rng.IntN(3) == 0 {
						out = append(out, id)
					}
				}
				return out
			}
			var people []uint64
			cardNo := 0
			newCard := func() string { cardNo++; return fmt.Sprintf("7:%d", cardNo) }
			var cards []string
			eng, _, err := f.s.engine()
			f.must(err)
			for step := range 60 {
				var what string
				switch op := rng.IntN(8); {
				case op <= 1 || len(people) == 0:
					c := newCard()
					cards = append(cards, c)
					p, err := f.s.AddPerson(f.admin, Person{Name: fmt.Sprint("P", step), Unit: RootUnit, Active: rng.IntN(4) > 0,
						Levels: pick(levelIDs), Groups: pick(groupIDs)}, []access.Identifier{card(c)})
					f.must(err)
					people = append(people, p.ID)
					what = fmt.Sprint("add ", p.ID)
				case op == 2:
					id := people[rng.IntN(len(people))]
					p, err := f.s.GetPerson(f.admin, id)
					f.must(err)
					p.Levels, p.Groups, p.Active = pick(levelIDs), pick(groupIDs), rng.IntN(2) == 0
					p.ValidUntil = time.Time{}
					if rng.IntN(3) == 0 {
						p.ValidUntil = tuesday10.Add(time.Duration(rng.IntN(48)) * time.Hour)
					}
					p.Locks = nil
					if rng.IntN(3) == 0 {
						p.Locks = []int{1 + rng.IntN(2)}
					}
					_, err = f.s.EditPerson(f.admin, p)
					f.must(err)
					what = fmt.Sprint("edit ", id)
				case op == 3:
					id := people[rng.IntN(len(people))]
					c := newCard()
					cards = append(cards, c)
					_, err := f.s.AddIdentifier(f.admin, id, card(c))
					f.must(err)
					what = fmt.Sprint("give ", id, " ", c)
				case op == 4:
					id := people[rng.IntN(len(people))]
					p, err := f.s.GetPerson(f.admin, id)
					f.must(err)
					if len(p.Identifiers) == 0 {
						continue
					}
					_, err = f.s.RemoveIdentifier(f.admin, id, card(p.Identifiers[0].Value))
					f.must(err)
					what = fmt.Sprint("take from ", id)
				case op == 5:
					i := rng.IntN(len(people))
					f.must(f.s.RemovePerson(f.admin, people[i]))
					what = fmt.Sprint("remove ", people[i])
					people = slices.Delete(people, i, i+1)
				case op == 6:
					g, err := f.s.GetAccessGroup(f.admin, groupIDs[rng.IntN(len(groupIDs))])
					f.must(err)
					g.Levels = pick(levelIDs)
					_, err = f.s.EditAccessGroup(f.admin, g)
					f.must(err)
					what = fmt.Sprint("group ", g.ID, " levels ", g.Levels)
				default:
					l, err := f.s.GetAccessLevel(f.admin, uint32(night.ID))
					f.must(err)
					dir := []access.Direction{access.Entry, access.Exit, access.Both}[rng.IntN(3)]
					l.Doors = []access.DoorRule{{Door: access.DoorID(doorIDs[rng.IntN(len(doorIDs))]), Direction: dir}}
					_, err = f.s.EditAccessLevel(f.admin, l, false)
					f.must(err)
					what = fmt.Sprint("level door rule ", l.Doors)
				}
				live, _, err := f.s.engine()
				f.must(err)
				if live != eng {
					t.Fatalf("step %d (%s): the engine was built again, not changed in place", step, what)
				}
				if step%10 == 9 {
					// Now and then from JSON alone: the records dropped,
					// every person decoded as before them.
					f.must(f.s.db.DropPrefix(pEnginePerson))
				}
				fresh, _, err := f.s.buildEngine()
				f.must(err)
				ids := make([]access.PersonID, 0, len(people)+1)
				for _, id := range people {
					ids = append(ids, access.PersonID(id))
				}
				ids = append(ids, access.PersonID(cardNo+1000)) // nobody
				got, want := engineAnswers(live, ids, cards, doorIDs), engineAnswers(fresh, ids, cards, doorIDs)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("step %d (%s): the live engine answers\n%s\na fresh build\n%s", step, what, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestEngineRecords checks that a cold build reads the people's engine
// records and trusts none that is stale, damaged, missing or left by a
// person gone: those are read from JSON and written again.
func TestEngineRecords(t *testing.T) {
	f := newFx(t)
	f.must(f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "UTC"}))
	site := f.accessSite(RootUnit)
	var ids []uint64
	for i := range 4 {
		p, err := f.s.AddPerson(f.admin, Person{Name: fmt.Sprint("P", i), Unit: RootUnit, Active: true, Groups: []uint32{site.staff.ID},
			ValidUntil: tuesday10.Add(time.Hour)}, []access.Identifier{card(fmt.Sprint(100 + i)), accessCode(fmt.Sprint(4700 + i))})
		f.must(err)
		ids = append(ids, p.ID)
	}
	// scanned reads every person as a build does: what it read, and the
	// records it would write again and delete.
	scanned := func() (map[uint64]enginePersonRecord, []uint64, int) {
		t.Helper()
		got := map[uint64]enginePersonRecord{}
		var redo map[uint64][]byte
		var orphans [][]byte
		f.must(f.s.db.View(func(txn *badger.Txn) error {
			var err error
			redo, orphans, err = scanEnginePeople(txn, func(r *enginePersonRecord) { got[r.ID] = *r })
			return err
		}))
		var ids []uint64
		for id := range redo {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		f.must(f.s.rewriteEngineRecords(redo, orphans))
		return got, ids, len(orphans)
	}
	fromJSON := func(id uint64) enginePersonRecord {
		t.Helper()
		r, err := getPerson(f.s.db.NewTransaction(false), id)
		f.must(err)
		return engineRecord(&r)
	}
	same := func(a, b enginePersonRecord) bool {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return string(x) == string(y)
	}
	got, redo, orphans := scanned()
	if len(redo) != 0 || orphans != 0 || len(got) != 4 {
		t.Fatalf("fresh records: %d people, rebuilt %v, %d orphans; want 4 read from their records", len(got), redo, orphans)
	}
	for _, id := range ids {
		if !same(got[id], fromJSON(id)) {
			t.Fatalf("person %d from the record %+v, from JSON %+v", id, got[id], fromJSON(id))
		}
	}

	raw := func(fn func(txn *badger.Txn) error) { t.Helper(); f.must(f.s.db.Update(fn)) }
	// Stale: the JSON record changed behind the engine record's back (as a
	// guardroom without engine records would change it).
	raw(func(txn *badger.Txn) error {
		r, err := getPerson(txn, ids[0])
		if err != nil {
			return err
		}
		r.Active = false
		return setJSON(txn, personKey(r.ID), r)
	})
	// Damaged: one byte of the record flipped.
	raw(func(txn *badger.Txn) error {
		item, err := txn.Get(enginePersonKey(ids[1]))
		if err != nil {
			return err
		}
		b, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		b[len(b)/2] ^= 0x40
		return txn.Set(enginePersonKey(ids[1]), b)
	})
	// Missing, and left by a person gone.
	raw(func(txn *badger.Txn) error { return txn.Delete(enginePersonKey(ids[2])) })
	raw(func(txn *badger.Txn) error { return txn.Set(enginePersonKey(999), []byte{engineRecordVersion}) })

	got, redo, orphans = scanned()
	if want := ids[:3]; !slices.Equal(redo, want) || orphans != 1 {
		t.Fatalf("rebuilt %v and %d orphans, want %v and 1", redo, orphans, want)
	}
	for _, id := range ids {
		if !same(got[id], fromJSON(id)) {
			t.Fatalf("person %d read as %+v, JSON says %+v", id, got[id], fromJSON(id))
		}
	}
	if got[ids[0]].Active {
		t.Fatal("the stale record was trusted: person is active")
	}
	// Written again, they are trusted again.
	if got, redo, orphans = scanned(); len(redo) != 0 || orphans != 0 || len(got) != 4 {
		t.Fatalf("after the rewrite: rebuilt %v, %d orphans", redo, orphans)
	}
}

// TestEngineRecordDecodeRefusesDamage feeds the decoder every cut and
// every single-bit flip of a record: none may decode.
func TestEngineRecordDecodeRefusesDamage(t *testing.T) {
	r := enginePersonRecord{ID: 7, Name: "Ann", Unit: 3, Active: true, ValidFrom: tuesday10, Levels: []uint32{1, 2}, Groups: []uint32{4},
		Locks: []int{1, 3}, MultiFactor: &access.MultiFactor{Kinds: []access.Kind{access.KindCard, access.KindQR}, Ordered: true, Window: time.Second},
		Idents: []engineIdent{{Kind: access.KindCard, Value: "10:456"}, {Kind: access.KindAccessCode, Hash: []byte{1, 2, 3}}}}
	b := encodeEngineRecord(&r, 42)
	back, h, err := decodeEngineRecord(b)
	f, _ := json.Marshal(r)
	g, _ := json.Marshal(back)
	if err != nil || h != 42 || string(f) != string(g) {
		t.Fatalf("round trip: %v, hash %d\n%s\n%s", err, h, f, g)
	}
	for n := range len(b) {
		if _, _, err := decodeEngineRecord(b[:n]); err == nil {
			t.Fatalf("a record cut to %d of %d bytes decoded", n, len(b))
		}
	}
	for i := range len(b) * 8 {
		c := slices.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		if _, _, err := decodeEngineRecord(c); err == nil {
			t.Fatalf("a record with bit %d flipped decoded", i)
		}
	}
}
