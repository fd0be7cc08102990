package store

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Apartments (reference 000: "add a new apartment, or select it from the
// list of previously added"): records of an organization unit, like the
// access configuration, with a name unique in their unit, the floor and
// notes. A person lives in at most one (Person.ApartmentID); an apartment
// people live in cannot be removed. Viewing needs "view panel users",
// changing "manage people and access".

// Apartment is an apartment of a unit.
type Apartment struct {
	ConfMeta
	// Floor is where it is, as the building names its floors ("3",
	// "Ground"); empty when not given.
	Floor string `json:"floor,omitempty"`
	Notes string `json:"notes,omitempty"`
}

// Label names the apartment for messages: "apartment 3 A12".
func (a Apartment) Label() string { return confLabel(apartments.noun, a.ID, a.Name) }

const (
	maxAptFloor = 16
	maxAptNotes = 256
)

var apartments confKind[Apartment]

func init() {
	apartments = confKind[Apartment]{
		noun: "apartment", cmd: "apartment", action: "apartment", prefix: pApartment,
		seq: func(s *seqs) *uint64 { return &s.Apartment },
		check: func(w *wtx, v *Apartment) error {
			var err error
			if v.Floor, err = checkText("floor", v.Floor, false, maxAptFloor); err != nil {
				return err
			}
			v.Notes, err = checkText("notes", v.Notes, false, maxAptNotes)
			return err
		},
		usedBy: func(s *Store, txn *badger.Txn, id uint32) (string, error) {
			who, err := firstPersonUsing(txn, func(p *personRecord) bool { return p.ApartmentID == id })
			switch {
			case strings.Contains(who, " other people"):
				who += ", who live there"
			case who != "":
				who += ", who lives there"
			}
			return who, err
		},
		state: func(s *Store, _ *badger.Txn, v *Apartment) map[string]string {
			m := map[string]string{"name": v.Name, "unit": s.UnitPath(v.Unit)}
			if v.Floor != "" {
				m["floor"] = v.Floor
			}
			if v.Notes != "" {
				m["notes"] = v.Notes
			}
			return m
		},
	}
}

// ListApartments returns the apartments the actor sees, by ID.
func (s *Store) ListApartments(a Actor) ([]Apartment, error) {
	return confList[Apartment](s, a, &apartments)
}

// FindApartment resolves an ID or a name.
func (s *Store) FindApartment(a Actor, ref string) (Apartment, error) {
	return confFind[Apartment](s, a, &apartments, ref)
}

// AddApartment adds an apartment in v.Unit.
func (s *Store) AddApartment(a Actor, v Apartment) (Apartment, error) {
	return confAdd(s, a, &apartments, v)
}

// EditApartment replaces the apartment v.ID with v (name, unit, floor,
// notes).
func (s *Store) EditApartment(a Actor, v Apartment) (Apartment, error) {
	return confEdit(s, a, &apartments, v)
}

// RemoveApartment removes an apartment nobody lives in.
func (s *Store) RemoveApartment(a Actor, id uint32) error {
	return confRemove(s, a, &apartments, id)
}

// ApartmentsFor returns the apartments the actor sees that a person of
// unit may live in: those of the unit, above it or below it.
func (s *Store) ApartmentsFor(a Actor, unit uint64) ([]Apartment, error) {
	all, err := s.ListApartments(a)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, v := range all {
		if s.related(unit, v.Unit) {
			out = append(out, v)
		}
	}
	return out, nil
}

// aptNames names apartments for people read in one transaction, reading
// each apartment once.
type aptNames struct {
	txn   *badger.Txn
	names map[uint32]string
}

func newAptNames(txn *badger.Txn) *aptNames { return &aptNames{txn: txn, names: map[uint32]string{}} }

func (n *aptNames) name(id uint32) string {
	if id == 0 {
		return ""
	}
	if v, ok := n.names[id]; ok {
		return v
	}
	v := confName[Apartment](n.txn, &apartments, id)
	n.names[id] = v
	return v
}

// person returns the record as callers see it, its apartment named.
func (n *aptNames) person(r personRecord) Person {
	p := r.person()
	if p.ApartmentID != 0 {
		p.Apartment = n.name(p.ApartmentID)
	}
	return p
}

// personApartment resolves the person's apartment before a write: the
// apartment p.ApartmentID, else the one named p.Apartment that the actor
// sees and that a person of p.Unit may live in (empty: none). It leaves
// the ID set and the name empty, as stored.
func (w *wtx) personApartment(p *Person) error {
	name, err := checkText("apartment", p.Apartment, false, maxConfName)
	if err != nil {
		return err
	}
	p.Apartment = ""
	if p.ApartmentID != 0 {
		_, err := confRef[Apartment](w, &apartments, p.ApartmentID, p.Unit, "the person")
		return err
	}
	if name == "" {
		return nil
	}
	id, err := w.s.apartmentByName(w.txn, w.actor, p.Unit, name)
	p.ApartmentID = id
	return err
}

// apartmentByName resolves an apartment name for a person of unit: the
// apartment of that name the actor sees in a related unit.
func (s *Store) apartmentByName(txn *badger.Txn, a Actor, unit uint64, name string) (uint32, error) {
	var found []Apartment
	err := confScan[Apartment](txn, &apartments, func(v Apartment) error {
		if strings.EqualFold(v.Name, name) && (a.internal || s.unitVisible(a, v.Unit)) && s.related(unit, v.Unit) {
			found = append(found, v)
		}
		return nil
	})
	switch {
	case err != nil:
		return 0, err
	case len(found) == 0:
		return 0, refuse(ErrNotFound, "no apartment named %q for %s: add it first (guardroom apartment add %q --unit …), or pick one from guardroom apartment list",
			name, s.UnitPath(unit), name)
	case len(found) > 1:
		ids := make([]string, len(found))
		for i, v := range found {
			ids[i] = strconv.Itoa(int(v.ID))
		}
		return 0, refuse(ErrInvalid, "%d apartments named %q serve %s (IDs %s): give the ID instead", len(found), name, s.UnitPath(unit), strings.Join(ids, ", "))
	}
	return found[0].ID, nil
}

// newApartment adds an apartment in a bulk write (an import's or the
// upgrade's), with no log entry of its own: the entry of the person who
// lives there names it.
func (w *wtx) newApartment(unit uint64, name string) uint32 {
	w.seqs.Apartment++
	now := w.s.now()
	v := Apartment{ConfMeta: ConfMeta{ID: uint32(w.seqs.Apartment), Unit: unit, Name: name, Created: now, Updated: now}}
	w.set(apartments.key(v.ID), v)
	w.changed(Change{What: ChangeAccess})
	return v.ID
}

// ---- the upgrade from free-text apartments ----

// schemaApartments is the schema version from which a person's apartment
// is a record; before it, it was free text.
const schemaApartments = 2

// upgradeApartments turns the free-text apartments of a database made
// before apartment records into records: for each person with text and
// no record, the apartment of that name in their unit, added when there
// is none. It works in chunks and may be cut short at any point: a person
// is converted in the transaction that adds their apartment, so running
// it again finishes the rest and adds nothing twice. The last step marks
// the schema, so it runs once.
func (s *Store) upgradeApartments() error {
	if v, err := s.schema(); err != nil || v >= schemaApartments {
		return err
	}
	type key struct {
		unit uint64
		name string
	}
	known := map[key]uint32{}
	var todo []uint64
	err := s.db.View(func(txn *badger.Txn) error {
		if err := confScan[Apartment](txn, &apartments, func(a Apartment) error {
			known[key{a.Unit, strings.ToLower(a.Name)}] = a.ID
			return nil
		}); err != nil {
			return err
		}
		return scanJSON(txn, pPerson, func(r personRecord) error {
			if r.Apartment != "" && r.ApartmentID == 0 {
				todo = append(todo, r.ID)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("upgrade apartments: %w", err)
	}
	actor := s.Internal("upgrade")
	people, added := 0, 0
	for start := 0; start <= len(todo); start += peopleChunk {
		last := start+peopleChunk >= len(todo)
		s.writeMu.Lock()
		w := s.newWtx(actor, "apartment.upgrade", "apartments")
		for _, id := range todo[start:min(start+peopleChunk, len(todo))] {
			r, err := getPerson(w.txn, id)
			if err != nil {
				w.txn.Discard()
				s.writeMu.Unlock()
				return fmt.Errorf("upgrade the apartment of person %d: %w", id, err)
			}
			name := strings.TrimSpace(r.Apartment)
			k := key{r.Unit, strings.ToLower(name)}
			apt, ok := known[k]
			if !ok {
				apt = w.newApartment(r.Unit, name)
				known[k] = apt
				added++
			}
			r.ApartmentID, r.Apartment = apt, ""
			w.writePerson(r)
			people++
		}
		if last && people > 0 {
			w.log(nil, map[string]string{"people": strconv.Itoa(people), "apartments added": strconv.Itoa(added),
				"what": "free-text apartments became apartment records"})
		}
		if last {
			w.setRaw(kSchemaV, []byte(strconv.Itoa(schemaApartments)))
		}
		err := w.commit()
		if err != nil {
			w.txn.Discard()
		}
		s.writeMu.Unlock()
		if err != nil {
			return fmt.Errorf("upgrade apartments: %w", err)
		}
		s.noteAccessChanges(w.changes)
		if last {
			break
		}
	}
	return nil
}
