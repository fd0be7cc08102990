package store

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// apartment adds an apartment as admin and fails the test on error.
func (f *fx) apartment(unit uint64, name string) Apartment {
	f.t.Helper()
	a, err := f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: name, Unit: unit}})
	if err != nil {
		f.t.Fatalf("add apartment %s: %v", name, err)
	}
	return a
}

func TestApartments(t *testing.T) {
	f := newFx(t)
	a := f.unit(RootUnit, "Block A", UnitBuilding)
	b := f.unit(RootUnit, "Block B", UnitBuilding)
	a12, err := f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: " A12 ", Unit: a.ID}, Floor: " 1 ", Notes: "corner"})
	f.must(err)
	if a12.Name != "A12" || a12.Floor != "1" || a12.ID != 1 {
		t.Fatalf("added %+v", a12)
	}
	b12 := f.apartment(b.ID, "A12") // the same name in another unit
	boss := f.operator(RoleSupervisor, a.ID)

	t.Run("a name is unique in its unit", func(t *testing.T) {
		_, err := f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: "a12", Unit: a.ID}})
		fxWant(t, err, ErrDuplicate, `Organization / Block A already has an apartment named "A12"`)
	})
	t.Run("fields are checked", func(t *testing.T) {
		_, err := f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: "A13", Unit: a.ID}, Floor: strings.Repeat("9", 17)})
		fxWant(t, err, ErrInvalid, "the floor is longer than 16 characters")
	})
	t.Run("another unit's apartment is not seen or named", func(t *testing.T) {
		_, err := f.s.FindApartment(boss, "2")
		fxWant(t, err, ErrNotFound, "no apartment 2 in your organization units")
		list, err := f.s.ListApartments(boss)
		f.must(err)
		if len(list) != 1 || list[0].ID != a12.ID {
			t.Fatalf("the supervisor of Block A sees %+v", list)
		}
		_, err = f.s.AddApartment(boss, Apartment{ConfMeta: ConfMeta{Name: "B1", Unit: b.ID}})
		fxWant(t, err, ErrPermission, "outside your organization units")
	})
	t.Run("a person lives in one, by name or ID", func(t *testing.T) {
		p, err := f.s.AddPerson(f.admin, Person{Name: "Ann", Unit: a.ID, Apartment: "a12"}, nil)
		f.must(err)
		if p.ApartmentID != a12.ID || p.Apartment != "A12" {
			t.Fatalf("Ann lives in %d %q", p.ApartmentID, p.Apartment)
		}
		if e := f.lastLog(); e.After["apartment"] != "A12" {
			t.Errorf("the log says %+v", e.After)
		}
		got, err := f.s.GetPerson(f.admin, p.ID)
		f.must(err)
		if got.Apartment != "A12" {
			t.Errorf("read back %q", got.Apartment)
		}
		_, err = f.s.AddPerson(f.admin, Person{Name: "Bob", Unit: a.ID, Apartment: "Z9"}, nil)
		fxWant(t, err, ErrNotFound, `no apartment named "Z9" for Organization / Block A: add it first`)
		_, err = f.s.AddPerson(f.admin, Person{Name: "Bob", Unit: a.ID, ApartmentID: b12.ID}, nil)
		fxWant(t, err, ErrInvalid, "names apartment 2 A12, which belongs to Organization / Block B")
		// The apartment renamed: the person's reads follow.
		a12.Name = "A12b"
		_, err = f.s.EditApartment(f.admin, a12)
		f.must(err)
		if got, _ := f.s.GetPerson(f.admin, p.ID); got.Apartment != "A12b" {
			t.Errorf("after the rename Ann lives in %q", got.Apartment)
		}
	})
	t.Run("an apartment people live in is not removed", func(t *testing.T) {
		_, err := f.s.AddPerson(f.admin, Person{Name: "Cy", Unit: a.ID, ApartmentID: a12.ID}, nil)
		f.must(err)
		err = f.s.RemoveApartment(f.admin, a12.ID)
		fxWant(t, err, ErrState, "apartment 1 A12b is still used by person 1 Ann and 1 other people, who live there")
		f.must(f.s.RemoveApartment(f.admin, b12.ID))
	})
}

// The upgrade at open turns the free-text apartments of an older
// database into records, once: reopening adds nothing.
func TestApartmentsUpgrade(t *testing.T) {
	dir, key := t.TempDir(), make([]byte, KeySize)
	open := func() *Store {
		s, err := Open(Config{Dir: dir, Key: key, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	f := fxWrap(t, s, nil)
	a := f.unit(RootUnit, "Block A", UnitBuilding)
	ann := f.person("Ann", a.ID)
	bob := f.person("Bob", a.ID)
	cy := f.person("Cy", RootUnit)
	dan := f.person("Dan", a.ID)
	kept := f.apartment(a.ID, "A 1") // already a record: reused
	// Make it an older database: free text in the records, schema 1.
	err := s.db.Update(func(txn *badger.Txn) error {
		for _, x := range []struct {
			id   uint64
			text string
		}{{ann.ID, "a 1"}, {bob.ID, "B 2"}, {cy.ID, "B 2"}, {dan.ID, "B 2"}} {
			r, err := getPerson(txn, x.id)
			if err != nil {
				return err
			}
			r.Apartment, r.ApartmentID = x.text, 0
			if err := setJSON(txn, personKey(x.id), r); err != nil {
				return err
			}
		}
		return txn.Set(kSchemaV, []byte("1"))
	})
	f.must(err)
	s.Close()

	for round := 1; round <= 2; round++ {
		s = open()
		f = fxWrap(t, s, nil)
		apts, err := s.ListApartments(f.admin)
		f.must(err)
		// A 1 in Block A (kept), B 2 in Block A, B 2 in Organization.
		if len(apts) != 3 {
			t.Fatalf("round %d: apartments %+v", round, apts)
		}
		for _, x := range []struct {
			p    Person
			unit uint64
			name string
		}{{ann, a.ID, "A 1"}, {bob, a.ID, "B 2"}, {cy, RootUnit, "B 2"}, {dan, a.ID, "B 2"}} {
			got, err := s.GetPerson(f.admin, x.p.ID)
			f.must(err)
			apt, err := s.FindApartment(f.admin, strconv.FormatUint(uint64(got.ApartmentID), 10))
			f.must(err)
			if got.Apartment != x.name || apt.Unit != x.unit || (x.name == "A 1" && apt.ID != kept.ID) {
				t.Errorf("round %d: %s lives in %+v", round, x.p.Name, apt)
			}
		}
		bobs, _ := s.GetPerson(f.admin, bob.ID)
		dans, _ := s.GetPerson(f.admin, dan.ID)
		if bobs.ApartmentID != dans.ApartmentID {
			t.Errorf("Bob and Dan of one unit got two B 2 apartments")
		}
		var upgrades int
		for _, e := range f.log() {
			if e.Action == "apartment.upgrade" {
				upgrades++
				if e.After["people"] != "4" || e.After["apartments added"] != "2" {
					t.Errorf("upgrade entry %+v", e.After)
				}
			}
		}
		if upgrades != 1 {
			t.Errorf("round %d: %d upgrade entries", round, upgrades)
		}
		if v, err := s.VerifyLog(f.admin); err != nil || v.BrokenAt != 0 {
			t.Errorf("the log chain after the upgrade: %+v %v", v, err)
		}
		s.Close()
	}
}

// An import names existing apartments; unknown ones are refused unless
// the import creates them.
func TestImportPeopleApartments(t *testing.T) {
	f := newFx(t)
	hq := f.unit(RootUnit, "HQ", UnitSite)
	a1 := f.apartment(hq.ID, "A 1")
	file := "name,apartment\nAnn,a 1\nBob,B 2\nCy,B 2\n"
	_, err := f.importPeople(f.admin, file, PeopleImportOptions{Unit: hq.ID})
	fxWant(t, err, ErrInvalid, `no apartment named "B 2" for Organization / HQ: add it first (guardroom apartment add), or import with --create-apartments`)
	if ps, _ := f.s.ListPeople(f.admin); len(ps) != 0 {
		t.Fatalf("a refused import added %d people", len(ps))
	}
	res, err := f.importPeople(f.admin, file, PeopleImportOptions{Unit: hq.ID, CreateApartments: true})
	f.must(err)
	if res.Written != 3 {
		t.Fatalf("%+v", res)
	}
	apts, err := f.s.ListApartments(f.admin)
	f.must(err)
	if len(apts) != 2 || apts[1].Name != "B 2" || apts[1].Unit != hq.ID {
		t.Fatalf("apartments %+v", apts)
	}
	ps, err := f.s.ListPeople(f.admin)
	f.must(err)
	want := []uint32{a1.ID, apts[1].ID, apts[1].ID}
	for i, p := range ps {
		if p.ApartmentID != want[i] {
			t.Errorf("%s lives in %d, want %d", p.Name, p.ApartmentID, want[i])
		}
	}
}

// An upgrade of exactly one chunk of people logs once and converts all.
func TestApartmentsUpgradeFullChunk(t *testing.T) {
	dir, key := t.TempDir(), make([]byte, KeySize)
	s, err := Open(Config{Dir: dir, Key: key, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		for i := uint64(1); i <= peopleChunk; i++ {
			r := personRecord{Person: Person{ID: i, Name: "P" + strconv.FormatUint(i, 10), Unit: RootUnit, Apartment: "A " + strconv.FormatUint(i%7, 10)}}
			if err := setJSON(txn, personKey(i), r); err != nil {
				return err
			}
		}
		return txn.Set(kSchemaV, []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(Config{Dir: dir, Key: key, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := fxWrap(t, s, nil)
	var upgrades int
	for _, e := range f.log() {
		if e.Action == "apartment.upgrade" {
			upgrades++
		}
	}
	apts, err := s.ListApartments(f.admin)
	f.must(err)
	ps, err := s.ListPeople(f.admin)
	f.must(err)
	if upgrades != 1 || len(apts) != 7 || len(ps) != peopleChunk || ps[peopleChunk-1].ApartmentID == 0 {
		t.Fatalf("%d upgrade entries, %d apartments, %d people (last %+v)", upgrades, len(apts), len(ps), ps[len(ps)-1].ApartmentID)
	}
}
