package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

func card(v string) access.Identifier { return access.Identifier{Kind: access.KindCard, Value: v} }
func accessCode(v string) access.Identifier {
	return access.Identifier{Kind: access.KindAccessCode, Value: v}
}

// fxPerson adds a person as admin and fails the test on error.
func (f *fx) person(name string, unit uint64, ids ...access.Identifier) Person {
	f.t.Helper()
	p, err := f.s.AddPerson(f.admin, Person{Name: name, Unit: unit, Active: true}, ids)
	if err != nil {
		f.t.Fatalf("add person %s: %v", name, err)
	}
	return p
}

func TestAddPersonRules(t *testing.T) {
	f := newFx(t)
	f.person("Ann Lee", RootUnit, card("10:456"))
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		p     Person
		ids   []access.Identifier
		kind  error
		parts []string
	}{
		{"no name", Person{Name: "  ", Unit: RootUnit}, nil, ErrInvalid, []string{"the name is empty"}},
		{"long name", Person{Name: strings.Repeat("x", 65), Unit: RootUnit}, nil, ErrInvalid, []string{"longer than 64"}},
		{"control character in info", Person{Name: "Bob", Info: "a\tb", Unit: RootUnit}, nil, ErrInvalid, []string{"info: control character U+0009 is not allowed; type plain text"}},
		{"long apartment", Person{Name: "Bob", Apartment: strings.Repeat("A", 65), Unit: RootUnit}, nil, ErrInvalid, []string{"apartment is longer"}},
		{"unknown unit", Person{Name: "Bob", Unit: 99}, nil, ErrPermission, []string{"outside your organization units"}},
		{"no unit", Person{Name: "Bob"}, nil, ErrInvalid, []string{"belongs to an organization unit"}},
		{"until before from", Person{Name: "Bob", Unit: RootUnit, ValidFrom: from, ValidUntil: from.Add(-time.Hour)}, nil, ErrInvalid, []string{"not after valid from"}},
		{"until equal to from", Person{Name: "Bob", Unit: RootUnit, ValidFrom: from, ValidUntil: from}, nil, ErrInvalid, []string{"never start"}},
		{"malformed card", Person{Name: "Bob", Unit: RootUnit}, []access.Identifier{card("12a")}, ErrInvalid, []string{"neither a number nor facility:card"}},
		{"no kind", Person{Name: "Bob", Unit: RootUnit}, []access.Identifier{{Value: "1"}}, ErrInvalid, []string{"choose card, QR code"}},
		{"short access code", Person{Name: "Bob", Unit: RootUnit}, []access.Identifier{accessCode("987")}, ErrInvalid, []string{"4 to 12 digits"}},
		{"two access codes", Person{Name: "Bob", Unit: RootUnit}, []access.Identifier{accessCode("4821"), accessCode("4822")}, ErrState, []string{"holds an access code already"}},
		{"same card twice", Person{Name: "Bob", Unit: RootUnit}, []access.Identifier{card("77"), card("077")}, ErrDuplicate, []string{"holds card 77 already"}},
		{"card held by another", Person{Name: "Bob", Unit: RootUnit}, []access.Identifier{card("77"), card("010:00456")}, ErrDuplicate, []string{"card 10:456 is held by person 1 Ann Lee already"}},
		{"control character in QR", Person{Name: "Bob", Unit: RootUnit}, []access.Identifier{{Kind: access.KindQR, Value: "a\x01b"}}, ErrInvalid, []string{"QR code: control character U+0001 is not allowed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.s.AddPerson(f.admin, c.p, c.ids)
			fxWant(t, err, c.kind, c.parts...)
			if strings.Contains(err.Error(), "987") {
				t.Fatalf("refusal %q repeats the access code", err)
			}
		})
	}
	t.Run("nothing of a refused person is kept", func(t *testing.T) {
		ps, err := f.s.ListPeople(f.admin)
		fxWant(t, err, nil)
		if len(ps) != 1 || ps[0].Name != "Ann Lee" {
			t.Fatalf("people %+v", ps)
		}
		// The card of the refused "two access codes" and "same card
		// twice" rows was not kept.
		_, err = f.s.FindPersonByIdentifier(f.admin, card("77"))
		fxWant(t, err, ErrNotFound, "no one in your organization units holds card 77")
	})
	t.Run("a person is added tidied", func(t *testing.T) {
		f.apartment(RootUnit, "B 12")
		p, err := f.s.AddPerson(f.admin, Person{Name: " Bob Stone ", Info: " night shift ", Apartment: "B 12", Unit: RootUnit,
			Active: true, OfflineAccess: true, ValidFrom: from, ValidUntil: from.AddDate(1, 0, 0)},
			[]access.Identifier{card(" 0012345 "), {Kind: access.KindQR, Value: " qr-1 "}, accessCode("482913"), {Kind: access.KindFaceID, Value: "enrol/7"}})
		fxWant(t, err, nil)
		if p.ID != 2 || p.Name != "Bob Stone" || p.Info != "night shift" || p.Apartment != "B 12" || !p.Active || !p.OfflineAccess ||
			!p.ValidFrom.Equal(from) || p.Created.IsZero() {
			t.Fatalf("person %+v", p)
		}
		var ids []string
		for _, id := range p.Identifiers {
			ids = append(ids, id.String())
		}
		if got := strings.Join(ids, ", "); got != "card 12345, QR code qr-1, access code ****, face ID enrol/7" {
			t.Fatalf("identifiers %s", got)
		}
		e := f.lastLog()
		if e.Action != "person.add" || e.Place != "person 2 Bob Stone" || e.Unit != RootUnit || e.After["identifiers"] != "card 12345, QR code qr-1, access code ****, face ID enrol/7" ||
			e.After["apartment"] != "B 12" || e.After["offline access"] != "true" || e.Before != nil {
			t.Fatalf("log entry %+v", e)
		}
	})
}

func TestIdentifiersUniqueAcrossTheSite(t *testing.T) {
	f := newFx(t)
	ann := f.person("Ann Lee", RootUnit, card("10:456"), access.Identifier{Kind: access.KindUKey, Value: "uk-1"}, accessCode("482913"))
	bob := f.person("Bob Stone", RootUnit)
	cases := []struct {
		name  string
		id    access.Identifier
		kind  error
		parts []string
	}{
		{"same card", card("10:456"), ErrDuplicate, []string{"card 10:456 is held by person 1 Ann Lee already", "remove it from them first"}},
		{"leading zeros", card("010:00456"), ErrDuplicate, []string{"card 10:456 is held by person 1 Ann Lee"}},
		{"surrounding spaces", card(" 10:456 "), ErrDuplicate, []string{"card 10:456 is held"}},
		{"same UKey", access.Identifier{Kind: access.KindUKey, Value: " uk-1"}, ErrDuplicate, []string{"UKey uk-1 is held by person 1 Ann Lee"}},
		{"same access code", accessCode("482913"), ErrCodeInUse, []string{"already used by someone else", "choose another code"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.s.AddIdentifier(f.admin, bob.ID, c.id)
			fxWant(t, err, c.kind, c.parts...)
			if c.id.Kind == access.KindAccessCode && (strings.Contains(err.Error(), "Ann") || strings.Contains(err.Error(), "482913")) {
				t.Fatalf("refusal %q names the code or its holder", err)
			}
		})
	}
	t.Run("a card the same number as a UKey is another identifier", func(t *testing.T) {
		_, err := f.s.AddIdentifier(f.admin, bob.ID, access.Identifier{Kind: access.KindQR, Value: "10:456"})
		fxWant(t, err, nil)
	})
	t.Run("a different card is fine", func(t *testing.T) {
		p, err := f.s.AddIdentifier(f.admin, bob.ID, card("10:457"))
		fxWant(t, err, nil)
		if len(p.Identifiers) != 2 || p.Identifiers[1].String() != "card 10:457" || p.Identifiers[1].Added.IsZero() {
			t.Fatalf("identifiers %+v", p.Identifiers)
		}
	})
	t.Run("who has card 10:456", func(t *testing.T) {
		for _, v := range []string{"10:456", "010:0456", " 10:456"} {
			p, err := f.s.FindPersonByIdentifier(f.admin, card(v))
			fxWant(t, err, nil)
			if p.ID != ann.ID {
				t.Fatalf("%s: found %+v", v, p)
			}
		}
		_, err := f.s.FindPersonByIdentifier(f.admin, accessCode("482913"))
		fxWant(t, err, ErrInvalid, "not looked up by access code")
		_, err = f.s.FindPersonByIdentifier(f.admin, card("x"))
		fxWant(t, err, ErrInvalid)
	})
}

func TestRemovalFreesIdentifiers(t *testing.T) {
	f := newFx(t)
	ann := f.person("Ann Lee", RootUnit, card("10:456"), accessCode("482913"), access.Identifier{Kind: access.KindQR, Value: "qr-9"})
	bob := f.person("Bob Stone", RootUnit)

	t.Run("removing an identifier frees it", func(t *testing.T) {
		p, err := f.s.RemoveIdentifier(f.admin, ann.ID, access.Identifier{Kind: access.KindQR, Value: " qr-9 "})
		fxWant(t, err, nil)
		if len(p.Identifiers) != 2 {
			t.Fatalf("identifiers %+v", p.Identifiers)
		}
		e := f.lastLog()
		if e.Action != "person.identifier.remove" || !strings.Contains(e.Before["identifiers"], "QR code qr-9") || strings.Contains(e.After["identifiers"], "qr-9") {
			t.Fatalf("log entry %+v", e)
		}
		_, err = f.s.AddIdentifier(f.admin, bob.ID, access.Identifier{Kind: access.KindQR, Value: "qr-9"})
		fxWant(t, err, nil)
	})
	t.Run("an access code is removed without its value", func(t *testing.T) {
		_, err := f.s.RemoveIdentifier(f.admin, bob.ID, accessCode(""))
		fxWant(t, err, ErrNotFound, "person 2 Bob Stone does not hold an access code")
		p, err := f.s.RemoveIdentifier(f.admin, ann.ID, accessCode(""))
		fxWant(t, err, nil)
		if len(p.Identifiers) != 1 || p.Identifiers[0].String() != "card 10:456" {
			t.Fatalf("identifiers %+v", p.Identifiers)
		}
		_, err = f.s.AddIdentifier(f.admin, bob.ID, accessCode("482913"))
		fxWant(t, err, nil)
	})
	t.Run("an identifier not held", func(t *testing.T) {
		_, err := f.s.RemoveIdentifier(f.admin, ann.ID, card("99"))
		fxWant(t, err, ErrNotFound, "person 1 Ann Lee does not hold card 99")
		_, err = f.s.RemoveIdentifier(f.admin, ann.ID, card("9x"))
		fxWant(t, err, ErrInvalid)
	})
	t.Run("removing a person frees their card", func(t *testing.T) {
		_, err := f.s.AddIdentifier(f.admin, bob.ID, card("10:456"))
		fxWant(t, err, ErrDuplicate)
		fxWant(t, f.s.RemovePerson(f.admin, ann.ID), nil)
		e := f.lastLog()
		if e.Action != "person.remove" || e.Place != "person 1 Ann Lee" || e.Before["identifiers"] != "card 10:456" || e.After != nil {
			t.Fatalf("log entry %+v", e)
		}
		_, err = f.s.GetPerson(f.admin, ann.ID)
		fxWant(t, err, ErrNotFound, "no person 1 in your organization units")
		fxWant(t, f.s.RemovePerson(f.admin, ann.ID), ErrNotFound)
		p, err := f.s.AddIdentifier(f.admin, bob.ID, card("010:456"))
		fxWant(t, err, nil)
		found, err := f.s.FindPersonByIdentifier(f.admin, card("10:456"))
		fxWant(t, err, nil)
		if found.ID != bob.ID || len(p.Identifiers) != 3 {
			t.Fatalf("found %+v, bob %+v", found, p)
		}
	})
	t.Run("removing a person frees their access code", func(t *testing.T) {
		fxWant(t, f.s.RemovePerson(f.admin, bob.ID), nil)
		f.person("Cid Moss", RootUnit, accessCode("482913"), card("10:456"), access.Identifier{Kind: access.KindQR, Value: "qr-9"})
	})
}

func TestEditPerson(t *testing.T) {
	f := newFx(t)
	site := f.unit(RootUnit, "North site", UnitSite)
	ann := f.person("Ann Lee", RootUnit, card("10:456"))
	until := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	edit := ann
	f.apartment(site.ID, "A 3")
	edit.Name, edit.Info, edit.Apartment, edit.Unit = "Ann Lee-Smith", "tenant", "A 3", site.ID
	edit.Active, edit.OfflineAccess, edit.ValidUntil = false, true, until
	edit.Identifiers = nil // ignored
	p, err := f.s.EditPerson(f.admin, edit)
	fxWant(t, err, nil)
	if p.Name != "Ann Lee-Smith" || p.Unit != site.ID || p.Active || !p.OfflineAccess || !p.ValidUntil.Equal(until) ||
		len(p.Identifiers) != 1 || !p.Created.Equal(ann.Created) {
		t.Fatalf("edited %+v", p)
	}
	e := f.lastLog()
	if e.Action != "person.edit" || e.Before["name"] != "Ann Lee" || e.After["name"] != "Ann Lee-Smith" ||
		e.Before["unit"] != "Organization" || e.After["unit"] != "Organization / North site" || e.After["active"] != "false" ||
		e.After["valid until"] != "2027-01-01T00:00:00Z" {
		t.Fatalf("log entry %+v", e)
	}
	for _, c := range []struct {
		name  string
		mod   func(*Person)
		kind  error
		parts []string
	}{
		{"no such person", func(p *Person) { p.ID = 99 }, ErrNotFound, []string{"no person 99"}},
		{"empty name", func(p *Person) { p.Name = "" }, ErrInvalid, []string{"name is empty"}},
		{"unknown unit", func(p *Person) { p.Unit = 99 }, ErrPermission, []string{"outside your organization units"}},
		{"until before from", func(p *Person) { p.ValidFrom = until.Add(time.Hour) }, ErrInvalid, []string{"not after valid from"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := p
			c.mod(&e)
			_, err := f.s.EditPerson(f.admin, e)
			fxWant(t, err, c.kind, c.parts...)
		})
	}
	if got, _ := f.s.GetPerson(f.admin, ann.ID); got.Name != "Ann Lee-Smith" || got.Unit != site.ID {
		t.Fatalf("after refusals %+v", got)
	}
}

func TestAccessCodeNeverShown(t *testing.T) {
	f := newFx(t)
	const code = "482913"
	ann := f.person("Ann Lee", RootUnit, accessCode(code), card("5"))
	bob := f.person("Bob Stone", RootUnit)
	_, err := f.s.AddIdentifier(f.admin, bob.ID, accessCode(code)) // refused, and the refusal logged
	fxWant(t, err, ErrCodeInUse)
	_, err = f.s.AddIdentifier(f.admin, bob.ID, accessCode("58203917"))
	fxWant(t, err, nil)
	_, err = f.s.EditPerson(f.admin, ann)
	fxWant(t, err, nil)

	got, err := f.s.GetPerson(f.admin, ann.ID)
	fxWant(t, err, nil)
	list, err := f.s.ListPeople(f.admin)
	fxWant(t, err, nil)
	found, err := f.s.FindPersonByIdentifier(f.admin, card("5"))
	fxWant(t, err, nil)
	for what, v := range map[string]any{"GetPerson": got, "ListPeople": list, "FindPersonByIdentifier": found, "log": f.log()} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), code) || strings.Contains(string(b), "58203917") || strings.Contains(string(b), "hash") {
			t.Errorf("%s shows the access code: %s", what, b)
		}
	}
	if got.Identifiers[0].Kind != access.KindAccessCode || got.Identifiers[0].Value != "" || got.Identifiers[0].String() != "access code ****" {
		t.Fatalf("access code shown as %+v", got.Identifiers[0])
	}
	// Nothing in the database holds the code as typed.
	err = f.s.db.View(func(txn *badger.Txn) error {
		return scan(txn, []byte{}, true, func(k, v []byte) error {
			if strings.Contains(string(k), code) || strings.Contains(string(v), code) {
				t.Errorf("key %q holds the access code", k)
			}
			return nil
		})
	})
	fxWant(t, err, nil)
	if ap := f.s.AccessPerson(got); len(ap.Identifiers) != 1 || ap.Identifiers[0] != (access.Identifier{Kind: access.KindCard, Value: "5"}) ||
		ap.ID != access.PersonID(ann.ID) || ap.Name != "Ann Lee" || ap.Unit != "Organization" || !ap.Active {
		t.Fatalf("access person %+v", ap)
	}
}

func TestPeopleScope(t *testing.T) {
	sf := newScopeFx(t)
	s, alice, sam := sf.s, sf.alice, sf.sam
	pa := sf.person("Ann in A", sf.a.ID, card("1:1"))
	pb := sf.person("Bea in B", sf.b.ID, card("2:2"), access.Identifier{Kind: access.KindQR, Value: "qr-b"})

	names := func(t *testing.T, a Actor) string {
		ps, err := s.ListPeople(a)
		fxWant(t, err, nil)
		var n []string
		for _, p := range ps {
			n = append(n, p.Name)
		}
		return strings.Join(n, ", ")
	}
	if got := names(t, alice); got != "Ann in A" {
		t.Fatalf("building A lists %q", got)
	}
	if got := names(t, sam); got != "Ann in A, Bea in B" {
		t.Fatalf("site lists %q", got)
	}
	guardA := sf.operator(RoleGuard, sf.a.ID)
	if got := names(t, guardA); got != "Ann in A" {
		t.Fatalf("building A guard lists %q", got)
	}

	moved := pa
	moved.Unit = sf.b.ID
	cases := []struct {
		name string
		op   func() error
		kind error
	}{
		{"GetPerson", func() error { return second(s.GetPerson(alice, pb.ID)) }, ErrNotFound},
		{"FindPersonByIdentifier", func() error { return second(s.FindPersonByIdentifier(alice, card("2:2"))) }, ErrNotFound},
		{"EditPerson", func() error { return second(s.EditPerson(alice, Person{ID: pb.ID, Name: "Mallory", Unit: sf.b.ID})) }, ErrNotFound},
		{"EditPerson into A", func() error { return second(s.EditPerson(alice, Person{ID: pb.ID, Name: "Mallory", Unit: sf.a.ID})) }, ErrNotFound},
		{"EditPerson moving A's into B", func() error { return second(s.EditPerson(alice, moved)) }, ErrPermission},
		{"RemovePerson", func() error { return s.RemovePerson(alice, pb.ID) }, ErrNotFound},
		{"AddIdentifier", func() error { return second(s.AddIdentifier(alice, pb.ID, card("3:3"))) }, ErrNotFound},
		{"RemoveIdentifier", func() error { return second(s.RemoveIdentifier(alice, pb.ID, card("2:2"))) }, ErrNotFound},
		{"AddPerson in B", func() error { return second(s.AddPerson(alice, Person{Name: "Spy", Unit: sf.b.ID}, nil)) }, ErrPermission},
		{"AddPerson in the site", func() error { return second(s.AddPerson(alice, Person{Name: "Spy", Unit: sf.site.ID}, nil)) }, ErrPermission},
		{"B's card to A's person", func() error { return second(s.AddIdentifier(alice, pa.ID, card("002:02"))) }, ErrDuplicate},
		{"B's QR code to a new person in A", func() error {
			return second(s.AddPerson(alice, Person{Name: "New", Unit: sf.a.ID}, []access.Identifier{{Kind: access.KindQR, Value: "qr-b"}}))
		}, ErrDuplicate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.op()
			fxWant(t, err, c.kind)
			if strings.Contains(err.Error(), "Bea") || strings.Contains(err.Error(), "Building B") {
				t.Fatalf("refusal %q names building B's person", err)
			}
			if c.kind == ErrDuplicate && !strings.Contains(err.Error(), "is already in use: identifiers are unique across the site") {
				t.Fatalf("refusal %q", err)
			}
		})
	}
	t.Run("building B is unchanged", func(t *testing.T) {
		p, err := s.GetPerson(sam, pb.ID)
		fxWant(t, err, nil)
		if p.Name != "Bea in B" || p.Unit != sf.b.ID || len(p.Identifiers) != 2 {
			t.Fatalf("B's person %+v", p)
		}
		if got := names(t, sam); got != "Ann in A, Bea in B" {
			t.Fatalf("site lists %q", got)
		}
	})
	t.Run("the site operator is told who holds the card", func(t *testing.T) {
		// Not in the refusal, which building A's log holds: by a look-up.
		_, err := s.AddIdentifier(sam, pa.ID, card("2:2"))
		fxWant(t, err, ErrDuplicate, "card 2:2 is already in use by a person in another organization unit", "guardroom person find")
		if strings.Contains(err.Error(), "Bea") {
			t.Fatalf("refusal %q, logged under building A, names building B's person", err)
		}
		// A person of the site, above both buildings, may be told.
		onSite, err := s.AddPerson(sam, Person{Name: "Sid", Unit: sf.site.ID}, nil)
		fxWant(t, err, nil)
		_, err = s.AddIdentifier(sam, onSite.ID, card("2:2"))
		fxWant(t, err, ErrDuplicate, "card 2:2 is held by person 2 Bea in B already")
		p, err := s.FindPersonByIdentifier(sam, card("2:2"))
		fxWant(t, err, nil)
		if p.ID != pb.ID {
			t.Fatalf("found %+v", p)
		}
	})
	t.Run("building A's log holds none of B's people", func(t *testing.T) {
		es, err := s.ListLog(alice, LogFilter{})
		fxWant(t, err, nil)
		sawA := false
		for _, e := range es {
			b, _ := json.Marshal(e)
			if e.Unit == sf.b.ID || strings.Contains(string(b), "Bea") {
				t.Errorf("building A operator sees entry %d %s %s", e.Seq, e.Action, e.Place)
			}
			sawA = sawA || e.Place == "person 1 Ann in A"
		}
		if !sawA {
			t.Errorf("building A operator does not see building A's people")
		}
	})
	t.Run("the site operator moves and removes", func(t *testing.T) {
		moved := pb
		moved.Unit = sf.a.ID
		fxWant(t, second(s.EditPerson(sam, moved)), nil)
		if got := names(t, alice); got != "Ann in A, Bea in B" {
			t.Fatalf("building A lists %q after the move", got)
		}
		fxWant(t, s.RemovePerson(alice, pb.ID), nil)
		fxWant(t, second(s.AddIdentifier(alice, pa.ID, card("2:2"))), nil)
	})
}

func TestPeopleChangesAreAnnounced(t *testing.T) {
	f := newFx(t)
	sub := f.s.Subscribe()
	defer sub.Close()
	p := f.person("Ann Lee", RootUnit)
	if got := fxChanges(t, sub); got[ChangePerson] == 0 {
		t.Fatalf("changes %v", got)
	}
	fxWant(t, f.s.RemovePerson(f.admin, p.ID), nil)
	if got := fxChanges(t, sub); got[ChangePerson] == 0 {
		t.Fatalf("changes %v", got)
	}
}

func TestPersonLabel(t *testing.T) {
	for _, c := range []struct {
		p    Person
		want string
	}{
		{Person{ID: 3, Name: "Ann Lee"}, "person 3 Ann Lee"},
	} {
		if got := c.p.Label(); got != c.want {
			t.Errorf("%+v: %q", c.p, got)
		}
	}
	if got := fmt.Sprint(Identifier{Kind: access.KindFaceID, Value: "enrol/1"}); got != "face ID enrol/1" {
		t.Errorf("identifier %q", got)
	}
}

// The store's people feed the decision engine: NewEngine takes them as
// AccessPerson converts them, and a reader's tap in another spelling of
// the card finds its holder.
func TestPeopleFeedTheEngine(t *testing.T) {
	f := newFx(t)
	ann := f.person("Ann Lee", RootUnit, card("10:456"), accessCode("482913"), access.Identifier{Kind: access.KindQR, Value: "qr-1"})
	off, err := f.s.AddPerson(f.admin, Person{Name: "Bob Stone", Unit: RootUnit}, []access.Identifier{card("77")})
	fxWant(t, err, nil)
	people, err := f.s.ListPeople(f.admin)
	fxWant(t, err, nil)
	var cfg access.Config
	for _, p := range people {
		cfg.People = append(cfg.People, f.s.AccessPerson(p))
	}
	cfg.Doors = []access.Door{{ID: 1, Name: "Front"}}
	cfg.Levels = []access.AccessLevel{{ID: 1, Name: "All doors", IncludeAllDoors: true}}
	e, err := access.NewEngine(cfg)
	if err != nil {
		t.Fatalf("engine from the store's people: %v", err)
	}
	at := f.clk.Now()
	d := e.Decide(access.Request{Credentials: []access.Presented{{Kind: access.KindCard, Value: "010:00456", At: at}}, Door: 1, Direction: access.Entry, Time: at})
	if d.Person != access.PersonID(ann.ID) || d.Grant {
		t.Fatalf("tap of Ann's card: %s", d)
	}
	d = e.Decide(access.Request{Credentials: []access.Presented{{Kind: access.KindCard, Value: "77", At: at}}, Door: 1, Direction: access.Entry, Time: at})
	if d.Person != access.PersonID(off.ID) || d.Grant || !strings.Contains(d.String(), "active") {
		t.Fatalf("tap of inactive Bob's card: %s", d)
	}
}
