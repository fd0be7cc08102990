package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

// ChangePerson tells subscribers that a person or their identifiers
// changed.
const ChangePerson = "person"

// Person is someone who opens doors (issue 7; an occupier user in 004, a
// user in 000). A person belongs to an organization unit, which decides
// which operators see and change them. Viewing people needs the "view
// panel users" permission, changing them "manage people and access".
type Person struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
	Info string `json:"info,omitempty"` // free text that tells namesakes apart
	// ApartmentID is the apartment the person lives in, 0 for none. When
	// a person is read, Apartment is its name; AddPerson and EditPerson
	// take either, the ID first (an apartment named must exist: see
	// AddApartment). A record written before apartment records holds the
	// text until the upgrade at open turns it into a record.
	ApartmentID uint32 `json:"apartment_id,omitempty"`
	Apartment   string `json:"apartment,omitempty"`
	Unit        uint64 `json:"unit"`
	// Active is "access control active": off, the person opens nothing.
	Active bool `json:"active"`
	// OfflineAccess keeps the person's access while the site is offline.
	OfflineAccess bool `json:"offline_access,omitempty"`
	// ValidFrom (inclusive) and ValidUntil (exclusive) bound the person's
	// access; a zero time is no bound.
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// Levels are the access levels given to the person directly, Groups
	// the access groups they are in (each gives its levels, and maybe a
	// multifactor rule). Both must be visible to the person's unit: in it,
	// above it, or below it.
	Levels []uint32 `json:"levels,omitempty"`
	Groups []uint32 `json:"groups,omitempty"`
	// MultiFactor, when set, is the person's own rule ("custom access
	// parameters" of 000) and replaces their groups' rules.
	MultiFactor *access.MultiFactor `json:"multifactor,omitempty"`
	// Locks are the lock numbers (000) the person may open; empty is no
	// restriction by lock number.
	Locks []int `json:"locks,omitempty"`
	// Identifiers are what the person carries. EditPerson ignores them:
	// AddIdentifier and RemoveIdentifier change them.
	Identifiers []Identifier `json:"identifiers,omitempty"`
	Created     time.Time    `json:"created"`
	Updated     time.Time    `json:"updated"`
}

// Label names the person for messages and the log: "person 3 Ann Lee".
func (p Person) Label() string { return fmt.Sprintf("person %d %s", p.ID, p.Name) }

// Identifier is one credential a person holds, as the store shows it.
// Value is the canonical form access.NormalizeValue gives; it is empty
// for an access code, which the store keeps only as a keyed hash and
// never shows. A face ID is a reference to an enrolment, never an image.
type Identifier struct {
	Kind  access.Kind `json:"kind"`
	Value string      `json:"value,omitempty"`
	Added time.Time   `json:"added"`
}

// String returns the identifier as an operator reads it ("card 10:456",
// "access code ****").
func (id Identifier) String() string {
	return access.Identifier{Kind: id.Kind, Value: id.Value}.String()
}

// personRecord is a person as stored: each identifier with its index
// entry's value (the canonical value, or an access code's keyed hash).
type personRecord struct {
	Person
	Idents []identRecord `json:"idents,omitempty"`
}

type identRecord struct {
	Kind  access.Kind `json:"kind"`
	Value string      `json:"value,omitempty"`
	Hash  []byte      `json:"hash,omitempty"` // access codes only
	Added time.Time   `json:"added"`
}

// indexValue is what the identifier index is keyed by.
func (r identRecord) indexValue() []byte {
	if r.Kind == access.KindAccessCode {
		return r.Hash
	}
	return []byte(r.Value)
}

func (r identRecord) shown() Identifier {
	return Identifier{Kind: r.Kind, Value: r.Value, Added: r.Added}
}

// person returns the record as callers see it: no hash.
func (r personRecord) person() Person {
	p := r.Person
	p.Identifiers = nil
	for _, id := range r.Idents {
		p.Identifiers = append(p.Identifiers, id.shown())
	}
	return p
}

// AccessPerson converts p for the decision engine (package access). The
// unit is named by its path. Access codes are left out: the store keeps
// only their keyed hash, so the engine cannot hold them.
func (s *Store) AccessPerson(p Person) access.Person {
	out := access.Person{
		ID: access.PersonID(p.ID), Name: p.Name, Info: p.Info, Apartment: p.Apartment,
		Unit: s.UnitPath(p.Unit), Active: p.Active, OfflineAccess: p.OfflineAccess,
		ValidFrom: p.ValidFrom, ValidUntil: p.ValidUntil,
		Levels: levelIDs(p.Levels), MultiFactor: p.MultiFactor, Locks: p.Locks,
	}
	for _, g := range p.Groups {
		out.Groups = append(out.Groups, access.GroupID(g))
	}
	for _, id := range p.Identifiers {
		if id.Kind != access.KindAccessCode {
			out.Identifiers = append(out.Identifiers, access.Identifier{Kind: id.Kind, Value: id.Value})
		}
	}
	return out
}

// personCodeHash is the keyed hash of a person's access code. It is keyed
// for the whole site, not per person, so that a code held by two people
// is found: access codes are unique across the site like every other
// identifier.
func (s *Store) personCodeHash(code string) []byte {
	m := hmac.New(sha256.New, s.codeKey)
	m.Write([]byte("person access code"))
	m.Write([]byte(code))
	return m.Sum(nil)
}

// identifier checks an identifier for saving or looking up and returns it
// as stored. The refusal never repeats an access code.
func (s *Store) identifier(id access.Identifier) (identRecord, error) {
	if !id.Kind.Valid() {
		return identRecord{}, refuse(ErrInvalid, "identifier kind %d is not one there is: choose card, QR code, access code, UKey or face ID", uint8(id.Kind))
	}
	if err := checkPlain(id.Kind.String(), strings.TrimSpace(id.Value)); err != nil {
		return identRecord{}, err
	}
	if id.Kind != access.KindAccessCode && utf8.RuneCountInString(id.Value) > maxShown {
		// Said before the parser quotes all of it back.
		return identRecord{}, refuse(ErrInvalid, "%s %q is too long: no identifier has more than %d characters", id.Kind, id.Value, maxShown)
	}
	v, err := access.NormalizeValue(id.Kind, id.Value)
	if err != nil {
		return identRecord{}, refuse(ErrInvalid, "%s", strings.TrimPrefix(err.Error(), access.ErrInvalid.Error()+": "))
	}
	if id.Kind == access.KindAccessCode {
		return identRecord{Kind: id.Kind, Hash: s.personCodeHash(v)}, nil
	}
	return identRecord{Kind: id.Kind, Value: v}, nil
}

// identHolder returns the ID of the person holding the identifier, 0 if
// none does.
func identHolder(txn *badger.Txn, r identRecord) (uint64, error) {
	item, err := txn.Get(identKey(byte(r.Kind), r.indexValue()))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var id uint64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return errCorrupt
		}
		id = binary.BigEndian.Uint64(v)
		return nil
	})
	return id, err
}

func getPerson(txn *badger.Txn, id uint64) (personRecord, error) {
	var r personRecord
	err := getJSON(txn, personKey(id), &r)
	return r, err
}

// readPerson returns a person in the actor's scope; one outside it is
// refused as if it did not exist.
func (s *Store) readPerson(txn *badger.Txn, a Actor, id uint64) (personRecord, error) {
	r, err := getPerson(txn, id)
	if errors.Is(err, badger.ErrKeyNotFound) || (err == nil && !s.unitInScope(a, r.Unit)) {
		return personRecord{}, refuse(ErrNotFound, "no person %d in your organization units: see guardroom person list", id)
	}
	if err != nil {
		return personRecord{}, fmt.Errorf("person %d: %w", id, err)
	}
	return r, nil
}

// Person field limits.
const (
	maxPersonName      = 64
	maxPersonInfo      = 256
	maxPersonApartment = 64
)

// checkPerson checks and tidies the fields AddPerson and EditPerson take.
// The unit is checked by the caller (scope first).
func checkPerson(p *Person) error {
	var err error
	if p.Name, err = checkText("name", p.Name, true, maxPersonName); err != nil {
		return err
	}
	if p.Info, err = checkText("info", p.Info, false, maxPersonInfo); err != nil {
		return err
	}
	if p.Apartment, err = checkText("apartment", p.Apartment, false, maxPersonApartment); err != nil {
		return err
	}
	if !p.ValidFrom.IsZero() && !p.ValidUntil.IsZero() && !p.ValidUntil.After(p.ValidFrom) {
		return refuse(ErrInvalid, "valid until (%s) is not after valid from (%s): access would never start; fix one of them",
			p.ValidUntil.Format(time.DateTime), p.ValidFrom.Format(time.DateTime))
	}
	return nil
}

// personUnit refuses a unit outside the actor's scope, then one that does
// not exist.
func (w *wtx) personUnit(unit uint64) error {
	if unit == 0 {
		return refuse(ErrInvalid, "a person belongs to an organization unit: choose one (guardroom unit list)")
	}
	if err := w.inScope(unit); err != nil {
		return err
	}
	w.s.unitsMu.RLock()
	_, ok := w.s.units[unit]
	w.s.unitsMu.RUnlock()
	if !ok {
		return refuse(ErrNotFound, "no organization unit %d: see guardroom unit list", unit)
	}
	return nil
}

// state is what the log shows of a person; an access code is "****".
func (r personRecord) state(s *Store, txn *badger.Txn) map[string]string {
	m := map[string]string{
		"name": r.Name, "unit": s.UnitPath(r.Unit),
		"active": fmt.Sprint(r.Active), "offline access": fmt.Sprint(r.OfflineAccess),
	}
	if r.Info != "" {
		m["info"] = r.Info
	}
	if r.ApartmentID != 0 {
		m["apartment"] = confName[Apartment](txn, &apartments, r.ApartmentID)
	}
	if !r.ValidFrom.IsZero() {
		m["valid from"] = r.ValidFrom.UTC().Format(time.RFC3339)
	}
	if !r.ValidUntil.IsZero() {
		m["valid until"] = r.ValidUntil.UTC().Format(time.RFC3339)
	}
	if len(r.Levels) > 0 {
		m["levels"] = confNames[AccessLevel](txn, &levels, r.Levels)
	}
	if len(r.Groups) > 0 {
		m["groups"] = confNames[AccessGroup](txn, &accessGroups, r.Groups)
	}
	if r.MultiFactor != nil {
		m["multifactor"] = r.MultiFactor.String()
	}
	if len(r.Locks) > 0 {
		m["locks"] = fmt.Sprint(r.Locks)
	}
	if len(r.Idents) > 0 {
		var ids []string
		for _, id := range r.Idents {
			ids = append(ids, id.shown().String())
		}
		m["identifiers"] = strings.Join(ids, ", ")
	}
	return m
}

// addIdent gives the person an identifier and indexes it, refusing one
// that is malformed, already theirs, or held by someone else. Someone
// outside the actor's scope is not named.
func (w *wtx) addIdent(r *personRecord, in access.Identifier) error {
	id, err := w.s.identifier(in)
	if err != nil {
		return err
	}
	if id.Kind == access.KindAccessCode {
		for _, x := range r.Idents {
			if x.Kind == access.KindAccessCode {
				return refuse(ErrState, "%s holds an access code already: a person has one; remove it first to give a new one", r.Label())
			}
		}
	}
	holder, err := identHolder(w.txn, id)
	if err != nil {
		return err
	}
	shown := id.shown().String()
	switch {
	case holder == 0:
	case holder == r.ID:
		return refuse(ErrDuplicate, "%s holds %s already", r.Label(), shown)
	case id.Kind == access.KindAccessCode:
		return refuse(ErrCodeInUse, "that access code is already used by someone else: access codes are unique across the site; choose another code")
	default:
		other, err := getPerson(w.txn, holder)
		if err != nil {
			return fmt.Errorf("holder %d of %s: %w", holder, shown, err)
		}
		if !w.s.unitInScope(w.actor, other.Unit) {
			return refuse(ErrDuplicate, "%s is already in use: identifiers are unique across the site", shown)
		}
		// The refusal is logged under this person's unit: the holder is
		// named only if whoever reads that unit's log may see them.
		if !w.s.within(other.Unit, w.unit) {
			return refuse(ErrDuplicate, "%s is already in use by a person in another organization unit: identifiers are unique across the site; look up who holds it (guardroom person find) and remove it from them first", shown)
		}
		return refuse(ErrDuplicate, "%s is held by %s already: identifiers are unique across the site; remove it from them first", shown, other.Label())
	}
	id.Added = w.s.now()
	r.Idents = append(r.Idents, id)
	w.setRaw(identKey(byte(id.Kind), id.indexValue()), u64(r.ID))
	if id.Kind != access.KindAccessCode {
		w.del(freeIdentKey(byte(id.Kind), id.Value)) // taken from the unassigned pool, if it was there
	}
	return nil
}

// atPerson names a person in the actor's scope in the log entry before
// any check; one outside it is not named.
func (w *wtx) atPerson(id uint64) {
	if r, err := getPerson(w.txn, id); err == nil && w.s.unitInScope(w.actor, r.Unit) {
		w.unit, w.place = r.Unit, r.Label()
	}
}

// AddPerson adds a person in p.Unit with the given identifiers, in one
// transaction: a refused identifier adds nothing. p.ID, p.Identifiers and
// the times are ignored.
func (s *Store) AddPerson(a Actor, p Person, ids []access.Identifier) (Person, error) {
	var r personRecord
	var out Person
	w := s.begin(a, "person.add", "person "+strings.TrimSpace(p.Name))
	if s.unitInScope(a, p.Unit) {
		w.unit = p.Unit
	}
	err := s.finish(w, func() error {
		if err := a.need(PermManagePeople); err != nil {
			return err
		}
		if err := w.personUnit(p.Unit); err != nil {
			return err
		}
		if err := checkPerson(&p); err != nil {
			return err
		}
		if err := w.personApartment(&p); err != nil {
			return err
		}
		if err := w.checkPersonAccess(&p); err != nil {
			return err
		}
		w.seqs.Person++
		now := s.now()
		p.ID, p.Identifiers, p.Created, p.Updated = w.seqs.Person, nil, now, now
		r = personRecord{Person: p}
		w.place = r.Label()
		for _, id := range ids {
			if err := w.addIdent(&r, id); err != nil {
				return err
			}
		}
		w.writePerson(r)
		w.log(nil, r.state(s, w.txn))
		out = newAptNames(w.txn).person(r)
		return nil
	})
	if err != nil {
		return Person{}, err
	}
	return out, nil
}

// personOp runs one change of a person with the common checks: the place
// named for the log first, the permission, the person in scope.
func (s *Store) personOp(a Actor, action string, id uint64, body func(w *wtx, r *personRecord) error) (Person, error) {
	var out Person
	w := s.begin(a, action, fmt.Sprintf("person %d", id))
	err := s.finish(w, func() error {
		w.atPerson(id)
		if err := a.need(PermManagePeople); err != nil {
			return err
		}
		r, err := s.readPerson(w.txn, a, id)
		if err != nil {
			return err
		}
		if err := body(w, &r); err != nil {
			return err
		}
		out = newAptNames(w.txn).person(r)
		return nil
	})
	if err != nil {
		return Person{}, err
	}
	return out, nil
}

// EditPerson changes a person's name, info, apartment, unit, access
// control active, offline access and validity to those of p (p.ID names
// the person). Identifiers are kept as they are. Moving a person needs
// both units in the actor's scope.
func (s *Store) EditPerson(a Actor, p Person) (Person, error) {
	return s.personOp(a, "person.edit", p.ID, func(w *wtx, r *personRecord) error {
		if p.Unit != r.Unit {
			if err := w.personUnit(p.Unit); err != nil {
				return err
			}
		}
		if err := checkPerson(&p); err != nil {
			return err
		}
		if err := w.personApartment(&p); err != nil {
			return err
		}
		if err := w.checkPersonAccess(&p); err != nil {
			return err
		}
		before := r.state(s, w.txn)
		r.Name, r.Info, r.ApartmentID, r.Apartment, r.Unit = p.Name, p.Info, p.ApartmentID, "", p.Unit
		r.Active, r.OfflineAccess, r.ValidFrom, r.ValidUntil = p.Active, p.OfflineAccess, p.ValidFrom, p.ValidUntil
		r.Levels, r.Groups, r.MultiFactor, r.Locks = p.Levels, p.Groups, p.MultiFactor, p.Locks
		r.Updated = s.now()
		w.writePerson(*r)
		w.log(before, r.state(s, w.txn))
		return nil
	})
}

// RemovePerson removes a person and frees their identifiers in the same
// transaction, so they can be given to someone else (004).
func (s *Store) RemovePerson(a Actor, id uint64) error {
	_, err := s.personOp(a, "person.remove", id, func(w *wtx, r *personRecord) error {
		for _, x := range r.Idents {
			w.del(identKey(byte(x.Kind), x.indexValue()))
		}
		w.free(r, r.Idents...)
		w.deletePerson(r.ID)
		w.log(r.state(s, w.txn), nil)
		return nil
	})
	return err
}

// AddIdentifier gives a person an identifier: a card, QR code, UKey or
// face ID unique across the site, or an access code (one per person, also
// unique, kept only as a keyed hash).
func (s *Store) AddIdentifier(a Actor, person uint64, id access.Identifier) (Person, error) {
	return s.personOp(a, "person.identifier.add", person, func(w *wtx, r *personRecord) error {
		before := r.state(s, w.txn)
		if err := w.addIdent(r, id); err != nil {
			return err
		}
		r.Updated = s.now()
		w.writePerson(*r)
		w.log(before, r.state(s, w.txn))
		return nil
	})
}

// RemoveIdentifier takes an identifier from a person and frees it for
// someone else. For an access code the value is not needed (a person has
// one, and it is never shown).
func (s *Store) RemoveIdentifier(a Actor, person uint64, id access.Identifier) (Person, error) {
	return s.personOp(a, "person.identifier.remove", person, func(w *wtx, r *personRecord) error {
		at := -1
		var want identRecord
		if id.Kind != access.KindAccessCode {
			var err error
			if want, err = s.identifier(id); err != nil {
				return err
			}
		}
		for i, x := range r.Idents {
			if x.Kind == id.Kind && (id.Kind == access.KindAccessCode || x.Value == want.Value) {
				at = i
				break
			}
		}
		if at < 0 {
			what := "an access code"
			if id.Kind != access.KindAccessCode {
				what = want.shown().String()
			}
			return refuse(ErrNotFound, "%s does not hold %s: see guardroom person show %d", r.Label(), what, r.ID)
		}
		before := r.state(s, w.txn)
		x := r.Idents[at]
		w.del(identKey(byte(x.Kind), x.indexValue()))
		w.free(r, x)
		r.Idents = append(r.Idents[:at:at], r.Idents[at+1:]...)
		r.Updated = s.now()
		w.writePerson(*r)
		w.log(before, r.state(s, w.txn))
		return nil
	})
}

// GetPerson returns a person in the actor's scope.
func (s *Store) GetPerson(a Actor, id uint64) (Person, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return Person{}, err
	}
	var p Person
	err := s.db.View(func(txn *badger.Txn) error {
		r, err := s.readPerson(txn, a, id)
		p = newAptNames(txn).person(r)
		return err
	})
	if err != nil {
		return Person{}, err
	}
	return p, nil
}

// ListPeople returns the people in the actor's scope, by ID.
func (s *Store) ListPeople(a Actor) ([]Person, error) {
	var out []Person
	err := s.EachPerson(a, func(p Person) error {
		out = append(out, p)
		return nil
	})
	return out, err
}

// EachPerson calls fn with each person in the actor's scope, by ID, as
// ListPeople lists them but holding one at a time (an export, a list
// written as it is read). An error from fn ends it and is returned.
func (s *Store) EachPerson(a Actor, fn func(p Person) error) error {
	if err := a.need(PermViewPanelUsers); err != nil {
		return err
	}
	return s.db.View(func(txn *badger.Txn) error {
		n := newAptNames(txn)
		return scanJSON(txn, pPerson, func(r personRecord) error {
			if !s.unitInScope(a, r.Unit) {
				return nil
			}
			return fn(n.person(r))
		})
	})
}

// FindPersonByIdentifier answers "who has card 10:456": the person in the
// actor's scope holding the identifier, in any spelling NormalizeValue
// reads. People are not looked up by access code, which is never shown.
func (s *Store) FindPersonByIdentifier(a Actor, id access.Identifier) (Person, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return Person{}, err
	}
	if id.Kind == access.KindAccessCode {
		return Person{}, refuse(ErrInvalid, "people are not looked up by access code: codes are never shown; look them up by name or another identifier")
	}
	want, err := s.identifier(id)
	if err != nil {
		return Person{}, err
	}
	var r personRecord
	var p Person
	err = s.db.View(func(txn *badger.Txn) error {
		holder, err := identHolder(txn, want)
		if err != nil {
			return err
		}
		if holder != 0 {
			if r, err = getPerson(txn, holder); err != nil {
				return fmt.Errorf("holder %d of %s: %w", holder, want.shown(), err)
			}
		}
		if holder == 0 || !s.unitInScope(a, r.Unit) {
			return refuse(ErrNotFound, "no one in your organization units holds %s", want.shown())
		}
		p = newAptNames(txn).person(r)
		return nil
	})
	if err != nil {
		return Person{}, err
	}
	return p, nil
}
