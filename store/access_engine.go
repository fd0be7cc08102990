package store

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // site time zones on a guard-room PC without zoneinfo

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

// accessCache keeps the decision engine built from the committed data.
// It is built once per process, from the people's engine records
// (access_snapshot.go), and then kept current: the commit of an operation
// that changed people or the access configuration applies what it changed
// to the live engine (applyAccess). What cannot be applied so (a bulk
// load, a restore, a unit renamed) bumps gen, and the next question
// builds the engine again.
type accessCache struct {
	gen   atomic.Uint64
	mu    sync.Mutex // one build or change at a time
	built uint64
	eng   *access.Engine
	// units maps each person and door to their unit, to keep answers in
	// scope without reading the database on every tap.
	units *accessUnits
}

type accessUnits struct {
	mu     sync.RWMutex
	people map[access.PersonID]uint64
	doors  map[uint32]uint64
}

func (u *accessUnits) person(id access.PersonID) (uint64, bool) {
	u.mu.RLock()
	defer u.mu.RUnlock()
	unit, ok := u.people[id]
	return unit, ok
}

func (u *accessUnits) door(id uint32) (uint64, bool) {
	u.mu.RLock()
	defer u.mu.RUnlock()
	unit, ok := u.doors[id]
	return unit, ok
}

// accessChanged marks the engine stale.
func (s *Store) accessChanged() { s.access.gen.Add(1) }

// noteAccessChanges marks the engine stale after a commit that changed
// people, units or the access configuration without saying how (a bulk
// load's chunks, an upgrade).
func (s *Store) noteAccessChanges(cs []Change) {
	for _, c := range cs {
		if c.What == ChangePerson || c.What == ChangeAccess || c.What == ChangeUnit {
			s.accessChanged()
			return
		}
	}
}

// applyAccess applies a committed operation's changes to the live engine:
// the people it wrote or deleted, and the configuration read again when
// it changed. It runs under the write lock, so commits apply in order; an
// edit that fails to apply leaves the engine to be built again.
func (s *Store) applyAccess(w *wtx) {
	conf, stale := false, false
	for _, c := range w.changes {
		switch c.What {
		case ChangeAccess:
			conf = true
		case ChangeUnit:
			stale = true // people's unit paths are in the engine
		}
	}
	if !conf && !stale && len(w.people) == 0 {
		return
	}
	c := &s.access
	c.mu.Lock()
	defer c.mu.Unlock()
	if stale || c.eng == nil || c.built != c.gen.Load() {
		c.gen.Add(1)
		return
	}
	if err := s.applyAccessEdits(conf, w.people); err != nil {
		c.gen.Add(1) // the next question builds it again and says what is wrong
	}
}

func (s *Store) applyAccessEdits(conf bool, people []personEdit) error {
	c := &s.access
	if conf {
		var cfg access.Config
		var doorUnits map[uint32]uint64
		err := s.db.View(func(txn *badger.Txn) error {
			var err error
			cfg, doorUnits, err = s.readAccessConfig(txn)
			return err
		})
		if err != nil {
			return err
		}
		if err := c.eng.Reconfigure(cfg); err != nil {
			return err
		}
		c.units.mu.Lock()
		c.units.doors = doorUnits
		c.units.mu.Unlock()
	}
	paths := s.unitPaths()
	for _, e := range people {
		id := access.PersonID(e.id)
		if e.rec == nil {
			c.eng.RemovePerson(id)
		} else if err := c.eng.SetPerson(e.rec.access(paths)); err != nil {
			return err
		}
		c.units.mu.Lock()
		if e.rec == nil {
			delete(c.units.people, id)
		} else {
			c.units.people[id] = e.rec.Unit
		}
		c.units.mu.Unlock()
	}
	return nil
}

// engine returns the current engine, building it if the data changed in a
// way not applied to it.
func (s *Store) engine() (*access.Engine, *accessUnits, error) {
	c := &s.access
	c.mu.Lock()
	defer c.mu.Unlock()
	gen := c.gen.Load()
	if c.eng != nil && c.built == gen {
		return c.eng, c.units, nil
	}
	eng, units, err := s.buildEngine()
	if err != nil {
		return nil, nil, err
	}
	c.eng, c.units, c.built = eng, units, gen
	return eng, units, nil
}

// codeKey is the engine's form of an access code: the store's keyed hash.
func (s *Store) engineCodeKey(code string) string { return hex.EncodeToString(s.personCodeHash(code)) }

// unitPaths returns UnitPath with a cache by unit, for one build or edit.
func (s *Store) unitPaths() func(uint64) string {
	pathOf := map[uint64]string{}
	return func(unit uint64) string {
		p, ok := pathOf[unit]
		if !ok {
			p = s.UnitPath(unit)
			pathOf[unit] = p
		}
		return p
	}
}

// readAccessConfig reads everything the engine decides from but the
// people, and each door's unit.
func (s *Store) readAccessConfig(txn *badger.Txn) (access.Config, map[uint32]uint64, error) {
	cfg := access.Config{CodeKey: s.engineCodeKey}
	doorUnits := map[uint32]uint64{}
	set, err := readAccessSettings(txn)
	if err != nil {
		return cfg, nil, err
	}
	if cfg.Site.Location, err = time.LoadLocation(set.zone()); err != nil {
		return cfg, nil, fmt.Errorf("site time zone %q: %w", set.TimeZone, err)
	}
	err = errors.Join(
		confScan[TimeProfile](txn, &profiles, func(p TimeProfile) error {
			cfg.Profiles = append(cfg.Profiles, p.Access())
			return nil
		}),
		confScan[Door](txn, &doors, func(d Door) error {
			cfg.Doors = append(cfg.Doors, d.Access())
			doorUnits[d.ID] = d.Unit
			return nil
		}),
		confScan[AccessLevel](txn, &levels, func(l AccessLevel) error {
			cfg.Levels = append(cfg.Levels, l.AccessLevel)
			return nil
		}),
		confScan[AccessGroup](txn, &accessGroups, func(g AccessGroup) error {
			cfg.Groups = append(cfg.Groups, g.Access())
			return nil
		}),
	)
	return cfg, doorUnits, err
}

// buildEngine builds the engine from the committed data: the people from
// their engine records, those found missing or stale from JSON (and their
// records written again afterwards). People are added as they are read,
// with no list of them all in between.
func (s *Store) buildEngine() (*access.Engine, *accessUnits, error) {
	units := &accessUnits{people: map[access.PersonID]uint64{}}
	paths := s.unitPaths()
	var eng *access.Engine
	var redo map[uint64][]byte
	var orphans [][]byte
	var bad error
	err := s.db.View(func(txn *badger.Txn) error {
		cfg, doorUnits, err := s.readAccessConfig(txn)
		if err != nil {
			return err
		}
		units.doors = doorUnits
		// The highest person ID bounds the number of people: the index
		// is sized once, not grown 17 times on the way to 100,000.
		var sq seqs
		if err := getJSON(txn, kSeqs, &sq); err != nil {
			return err
		}
		cfg.PeopleHint = int(min(sq.Person, 1<<22))
		units.people = make(map[access.PersonID]uint64, cfg.PeopleHint)
		if eng, err = access.NewEngine(cfg); err != nil {
			bad = err
			return nil
		}
		// Reading and decoding the records overlaps with indexing them:
		// a second goroutine takes them in batches (the engine is not
		// shared until the build returns).
		batches := make(chan []enginePersonRecord, 4)
		indexed := make(chan struct{})
		go func() {
			defer close(indexed)
			for batch := range batches {
				for i := range batch {
					r := &batch[i]
					if err := eng.SetPerson(r.access(paths)); err != nil && bad == nil {
						bad = err
					}
					units.people[access.PersonID(r.ID)] = r.Unit
				}
			}
		}()
		const batchSize = 512
		batch := make([]enginePersonRecord, 0, batchSize)
		redo, orphans, err = scanEnginePeople(txn, func(r *enginePersonRecord) {
			batch = append(batch, *r)
			if len(batch) == batchSize {
				batches <- batch
				batch = make([]enginePersonRecord, 0, batchSize)
			}
		})
		batches <- batch
		close(batches)
		<-indexed
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read the access data: %w", err)
	}
	if bad != nil {
		// The store checks every write, so this is damage, not input.
		return nil, nil, fmt.Errorf("build the access decisions: %w", bad)
	}
	// The records are derived data: one not written now is rebuilt from
	// JSON again next time, so a failure here fails no question.
	_ = s.rewriteEngineRecords(redo, orphans)
	return eng, units, nil
}

// Access returns the door for the decision engine.
func (d Door) Access() access.Door {
	g := make([]access.DoorGroupID, len(d.Groups))
	for i, id := range d.Groups {
		g[i] = access.DoorGroupID(id)
	}
	return access.Door{ID: access.DoorID(d.ID), Name: d.Name, Groups: g, Lock: d.Lock}
}

// Access returns the group for the decision engine.
func (g AccessGroup) Access() access.Group {
	return access.Group{ID: access.GroupID(g.ID), Name: g.Name, Levels: levelIDs(g.Levels), MultiFactor: g.MultiFactor}
}

func levelIDs(ids []uint32) []access.LevelID {
	out := make([]access.LevelID, len(ids))
	for i, id := range ids {
		out[i] = access.LevelID(id)
	}
	return out
}

// enginePersonRecord is the part of a stored person the engine reads: the
// content of their binary engine record (access_snapshot.go), and what a
// person without one is decoded to from JSON (only these fields, no times
// of creation, no info).
type enginePersonRecord struct {
	ID            uint64              `json:"id"`
	Name          string              `json:"name"`
	Unit          uint64              `json:"unit"`
	Active        bool                `json:"active"`
	OfflineAccess bool                `json:"offline_access"`
	ValidFrom     time.Time           `json:"valid_from"`
	ValidUntil    time.Time           `json:"valid_until"`
	Levels        []uint32            `json:"levels"`
	Groups        []uint32            `json:"groups"`
	MultiFactor   *access.MultiFactor `json:"multifactor"`
	Locks         []int               `json:"locks"`
	Idents        []engineIdent       `json:"idents"`
}

type engineIdent struct {
	Kind  access.Kind `json:"kind"`
	Value string      `json:"value"`
	Hash  []byte      `json:"hash"`
}

// access returns the person for the engine: access codes in their keyed
// form, never as typed. paths caches unit paths by unit.
func (r *enginePersonRecord) access(paths func(uint64) string) access.Person {
	p := access.Person{
		ID: access.PersonID(r.ID), Name: r.Name, Unit: paths(r.Unit), Active: r.Active, OfflineAccess: r.OfflineAccess,
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Levels: levelIDs(r.Levels), MultiFactor: r.MultiFactor, Locks: r.Locks,
		Identifiers: make([]access.Identifier, 0, len(r.Idents)),
	}
	for _, g := range r.Groups {
		p.Groups = append(p.Groups, access.GroupID(g))
	}
	for _, id := range r.Idents {
		v := id.Value
		if id.Kind == access.KindAccessCode {
			v = hex.EncodeToString(id.Hash)
		}
		p.Identifiers = append(p.Identifiers, access.Identifier{Kind: id.Kind, Value: v})
	}
	return p
}

// AccessSettings are the site-wide settings of access decisions.
type AccessSettings struct {
	// TimeZone is the IANA zone schedules are read in ("Europe/Helsinki");
	// empty is the guard-room PC's own zone.
	TimeZone string `json:"time_zone,omitempty"`
}

func (set AccessSettings) zone() string {
	if set.TimeZone == "" {
		return "Local"
	}
	return set.TimeZone
}

func readAccessSettings(txn *badger.Txn) (AccessSettings, error) {
	var set AccessSettings
	err := getJSON(txn, kAccess, &set)
	if errors.Is(err, badger.ErrKeyNotFound) {
		err = nil
	}
	return set, err
}

// AccessSettings returns the access settings.
func (s *Store) AccessSettings(a Actor) (AccessSettings, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return AccessSettings{}, err
	}
	var set AccessSettings
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		set, err = readAccessSettings(txn)
		return err
	})
	return set, err
}

// SetAccessSettings changes the access settings. They cover every unit, so
// this needs an operator granted the whole organization.
func (s *Store) SetAccessSettings(a Actor, set AccessSettings) error {
	w := s.begin(a, "access.settings", "access settings")
	return s.finish(w, func() error {
		if err := a.need(PermManagePeople); err != nil {
			return err
		}
		if err := s.needOrganization(a, "the site's time zone"); err != nil {
			return err
		}
		if err := checkPlain("time zone", set.TimeZone); err != nil {
			return err
		}
		if set.TimeZone != "" {
			if _, err := time.LoadLocation(set.TimeZone); err != nil || set.TimeZone == "Local" {
				return refuse(ErrInvalid, "%q is not a time zone: give an IANA name such as Europe/Helsinki, or nothing for this computer's own zone", set.TimeZone)
			}
		}
		old, err := readAccessSettings(w.txn)
		if err != nil {
			return err
		}
		w.set(kAccess, set)
		w.changed(Change{What: ChangeAccess})
		w.log(map[string]string{"time zone": old.zone()}, map[string]string{"time zone": set.zone()})
		return nil
	})
}

// AccessCheck is one question for Decide: may this person (or the holder
// of these credentials) pass this door, this way, at this time.
type AccessCheck struct {
	// Person, when set, is who asks; with no Credentials they are assumed
	// presented ("what may this person do").
	Person      uint64
	Credentials []access.Presented
	Door        uint32
	Direction   access.Direction // access.Entry or access.Exit
	At          time.Time        // zero: now
	SiteOffline bool
}

// Decide answers an access question step by step (see package access).
// The person and the door must be in the actor's units; a credential held
// by someone outside them is refused as if nobody held it.
func (s *Store) Decide(a Actor, c AccessCheck) (access.Decision, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return access.Decision{}, err
	}
	if c.Person == 0 && len(c.Credentials) == 0 {
		return access.Decision{}, refuse(ErrInvalid, "say who asks: a person, or the credentials presented")
	}
	if c.Direction != access.Entry && c.Direction != access.Exit {
		return access.Decision{}, refuse(ErrInvalid, "a decision is for entry or for exit: choose one")
	}
	eng, units, err := s.engine()
	if err != nil {
		return access.Decision{}, err
	}
	// The engine's units answer the scope checks: no read of the database
	// on a tap. The refusals are readPerson's and confRead's.
	if unit, ok := units.person(access.PersonID(c.Person)); c.Person != 0 && (!ok || !s.unitInScope(a, unit)) {
		return access.Decision{}, refuse(ErrNotFound, "no person %d in your organization units: see guardroom person list", c.Person)
	}
	if unit, ok := units.door(c.Door); !ok || !s.unitVisible(a, unit) {
		return access.Decision{}, refuse(ErrNotFound, "no %s %d in your organization units: see guardroom %s list", doors.noun, c.Door, doors.cmd)
	}
	// A credential nobody holds and one held outside the actor's units get
	// the same answer, so the answer does not tell them apart.
	for _, p := range c.Credentials {
		id := access.Identifier{Kind: p.Kind, Value: p.Value}
		if _, err := s.identifier(id); err != nil {
			return access.Decision{}, err
		}
		if holder, ok := eng.Holder(id); !ok || !s.unitInScope(a, unitOf(units, holder)) {
			if v, err := access.NormalizeValue(id.Kind, id.Value); err == nil && id.Kind != access.KindAccessCode {
				id.Value = v
			}
			return access.Decision{}, refuse(ErrNotFound, "no one in your organization units holds %s: check what was presented, or look the person up", id)
		}
	}
	at := c.At
	if at.IsZero() {
		at = s.now()
	}
	return eng.Decide(access.Request{
		Person: access.PersonID(c.Person), Credentials: c.Credentials,
		AssumeCredentials: c.Person != 0 && len(c.Credentials) == 0,
		Door:              access.DoorID(c.Door), Direction: c.Direction, Time: at, SiteOffline: c.SiteOffline,
	}), nil
}

// WhoCanOpen lists the people in the actor's units whose rights let them
// pass the door in dir at `at` (zero: now); with access.Both, both ways.
func (s *Store) WhoCanOpen(a Actor, door uint32, dir access.Direction, at time.Time) ([]Person, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return nil, err
	}
	if dir == 0 || dir > access.Both {
		return nil, refuse(ErrInvalid, "choose a direction: entry, exit or both")
	}
	if at.IsZero() {
		at = s.now()
	}
	var out []Person
	err := s.db.View(func(txn *badger.Txn) error {
		if _, err := confRead[Door](s, txn, a, &doors, door); err != nil {
			return err
		}
		eng, units, err := s.engine()
		if err != nil {
			return err
		}
		// By ID, as a fresh build lists them, whatever the edits since.
		ids := eng.WhoCanOpen(access.DoorID(door), dir, at)
		slices.Sort(ids)
		for _, id := range ids {
			if !s.unitInScope(a, unitOf(units, id)) {
				continue
			}
			r, err := getPerson(txn, uint64(id))
			if err != nil {
				return fmt.Errorf("person %d: %w", id, err)
			}
			out = append(out, newAptNames(txn).person(r))
		}
		return nil
	})
	return out, err
}

func unitOf(u *accessUnits, id access.PersonID) uint64 {
	unit, _ := u.person(id)
	return unit
}

// checkPersonAccess checks a person's levels, groups, multifactor rule and
// lock numbers before they are written.
func (w *wtx) checkPersonAccess(p *Person) error {
	if err := dedupe(p.Levels, "access level"); err != nil {
		return err
	}
	if err := dedupe(p.Groups, "access group"); err != nil {
		return err
	}
	who := "the person"
	for _, id := range p.Levels {
		if _, err := confRef[AccessLevel](w, &levels, id, p.Unit, who); err != nil {
			return err
		}
	}
	for _, id := range p.Groups {
		if _, err := confRef[AccessGroup](w, &accessGroups, id, p.Unit, who); err != nil {
			return err
		}
	}
	if err := checkMultiFactor(p.MultiFactor, p.Name); err != nil {
		return err
	}
	slices.Sort(p.Locks)
	p.Locks = slices.Compact(p.Locks)
	for _, l := range p.Locks {
		if l < 1 || l > maxLockNumber {
			return refuse(ErrInvalid, "lock number %d is out of range: enter 1 to %d", l, maxLockNumber)
		}
	}
	return nil
}

// FreeIdentifier is an identifier nobody holds that is kept for handing
// out (004): a card taken back from someone removed, or a stock card
// registered in advance. Access codes are never kept here: nobody could
// read one back to hand it out.
type FreeIdentifier struct {
	Kind  access.Kind `json:"kind"`
	Value string      `json:"value"`
	Unit  uint64      `json:"unit"`
	Freed time.Time   `json:"freed"`
	// From names who held it, "" for a stock identifier.
	From string `json:"from,omitempty"`
}

// String returns the identifier as an operator reads it.
func (f FreeIdentifier) String() string {
	return access.Identifier{Kind: f.Kind, Value: f.Value}.String()
}

// free puts identifiers a person gave back into the pool of their unit.
func (w *wtx) free(r *personRecord, ids ...identRecord) {
	for _, id := range ids {
		if id.Kind == access.KindAccessCode {
			continue
		}
		w.set(freeIdentKey(byte(id.Kind), id.Value), FreeIdentifier{Kind: id.Kind, Value: id.Value, Unit: r.Unit, Freed: w.s.now(), From: r.Label()})
	}
}

// ListUnassignedIdentifiers returns the pool of unassigned identifiers in
// the actor's units, by kind and value.
func (s *Store) ListUnassignedIdentifiers(a Actor) ([]FreeIdentifier, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return nil, err
	}
	var out []FreeIdentifier
	err := s.db.View(func(txn *badger.Txn) error {
		return scanJSON(txn, pFreeIdent, func(f FreeIdentifier) error {
			if s.unitInScope(a, f.Unit) {
				out = append(out, f)
			}
			return nil
		})
	})
	return out, err
}

// AddUnassignedIdentifier registers an identifier nobody holds yet in the
// pool of unit, to be handed out later.
func (s *Store) AddUnassignedIdentifier(a Actor, unit uint64, id access.Identifier) (FreeIdentifier, error) {
	var f FreeIdentifier
	w := s.begin(a, "identifier.free", "unassigned identifiers")
	if s.unitInScope(a, unit) {
		w.unit = unit
	}
	err := s.finish(w, func() error {
		if err := a.need(PermManagePeople); err != nil {
			return err
		}
		if err := w.personUnit(unit); err != nil {
			return err
		}
		if id.Kind == access.KindAccessCode {
			return refuse(ErrInvalid, "access codes are not kept unassigned: nobody could read one back to hand it out; give a code to a person directly")
		}
		r, err := s.identifier(id)
		if err != nil {
			return err
		}
		holder, err := identHolder(w.txn, r)
		if err != nil {
			return err
		}
		if holder != 0 {
			return refuse(ErrDuplicate, "%s is held by someone: it is not unassigned; remove it from them first", r.shown())
		}
		key := freeIdentKey(byte(r.Kind), r.Value)
		if _, err := w.txn.Get(key); err == nil {
			return refuse(ErrDuplicate, "%s is in the unassigned pool already", r.shown())
		}
		f = FreeIdentifier{Kind: r.Kind, Value: r.Value, Unit: unit, Freed: s.now()}
		w.place = f.String()
		w.set(key, f)
		w.changed(Change{What: ChangePerson})
		w.log(nil, map[string]string{"identifier": f.String(), "unit": s.UnitPath(unit)})
		return nil
	})
	return f, err
}

// RemoveUnassignedIdentifier takes an identifier out of the pool (a card
// destroyed or lost).
func (s *Store) RemoveUnassignedIdentifier(a Actor, id access.Identifier) error {
	w := s.begin(a, "identifier.unfree", "unassigned identifiers")
	return s.finish(w, func() error {
		if err := a.need(PermManagePeople); err != nil {
			return err
		}
		r, err := s.identifier(id)
		if err != nil {
			return err
		}
		var f FreeIdentifier
		key := freeIdentKey(byte(r.Kind), r.Value)
		if err := getJSON(w.txn, key, &f); err != nil || !s.unitInScope(a, f.Unit) {
			if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			return refuse(ErrNotFound, "%s is not in the unassigned pool of your organization units: see guardroom person unassigned", r.shown())
		}
		w.unit, w.place = f.Unit, f.String()
		w.del(key)
		w.changed(Change{What: ChangePerson})
		w.log(map[string]string{"identifier": f.String(), "unit": s.UnitPath(f.Unit)}, nil)
		return nil
	})
}
