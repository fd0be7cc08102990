package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// UnitKind names a level of the organization tree.
type UnitKind string

// Unit kinds, top to bottom.
const (
	UnitOrganization UnitKind = "organization"
	UnitSite         UnitKind = "site"
	UnitBuilding     UnitKind = "building"
	UnitFloor        UnitKind = "floor"
	UnitArea         UnitKind = "area"
)

var unitKinds = []UnitKind{UnitOrganization, UnitSite, UnitBuilding, UnitFloor, UnitArea}

// Unit is a node of the organization tree. Panels, locks and accounts belong
// to a unit; an operator granted a unit sees and changes it and everything
// below it.
type Unit struct {
	ID      uint64    `json:"id"`
	Parent  uint64    `json:"parent,omitempty"`
	Name    string    `json:"name"`
	Kind    UnitKind  `json:"kind"`
	Created time.Time `json:"created"`
}

func (s *Store) loadUnits(txn *badger.Txn) error {
	units := map[uint64]Unit{}
	err := scan(txn, pUnit, true, func(_, v []byte) error {
		var u Unit
		if err := jsonUnmarshal(v, &u); err != nil {
			return err
		}
		units[u.ID] = u
		return nil
	})
	if err != nil {
		return fmt.Errorf("read organization units: %w", err)
	}
	s.unitsMu.Lock()
	s.units = units
	s.unitsMu.Unlock()
	return nil
}

// within reports whether unit is anc or below it.
func (s *Store) within(unit, anc uint64) bool {
	s.unitsMu.RLock()
	defer s.unitsMu.RUnlock()
	for depth := 0; unit != 0 && depth < 64; depth++ {
		if unit == anc {
			return true
		}
		unit = s.units[unit].Parent
	}
	return false
}

func (s *Store) unitInScope(a Actor, unit uint64) bool {
	for _, g := range a.units {
		if s.within(unit, g) {
			return true
		}
	}
	return false
}

// needOrganization refuses an actor not granted the whole organization,
// for what holds or replaces every unit's data at once (a backup, a
// restore): a building's operator must not take, or overwrite, another
// building's data that way.
func (s *Store) needOrganization(a Actor, what string) error {
	if s.unitInScope(a, RootUnit) {
		return nil
	}
	return refuse(ErrPermission, "%s covers the whole organization and you are granted only part of it: ask an operator granted the whole organization", what)
}

func (s *Store) unitLabel(id uint64) string {
	s.unitsMu.RLock()
	defer s.unitsMu.RUnlock()
	if u, ok := s.units[id]; ok {
		return fmt.Sprintf("%s %q", u.Kind, u.Name)
	}
	return fmt.Sprintf("unit %d", id)
}

// UnitPath returns the unit's names from the top: "Organization / Site / Building".
func (s *Store) UnitPath(id uint64) string {
	s.unitsMu.RLock()
	defer s.unitsMu.RUnlock()
	var names []string
	for depth := 0; id != 0 && depth < 64; depth++ {
		u, ok := s.units[id]
		if !ok {
			break
		}
		names = append(names, u.Name)
		id = u.Parent
	}
	slices.Reverse(names)
	return strings.Join(names, " / ")
}

// ListUnits returns the units in the actor's scope, in tree order.
func (s *Store) ListUnits(a Actor) []Unit {
	s.unitsMu.RLock()
	var all []Unit
	for _, u := range s.units {
		all = append(all, u)
	}
	s.unitsMu.RUnlock()
	slices.SortFunc(all, func(x, y Unit) int { return strings.Compare(s.UnitPath(x.ID), s.UnitPath(y.ID)) })
	var out []Unit
	for _, u := range all {
		if s.unitInScope(a, u.ID) {
			out = append(out, u)
		}
	}
	return out
}

// FindUnit resolves a unit by number, name or path ("Site / Building"),
// within the actor's scope.
func (s *Store) FindUnit(a Actor, ref string) (Unit, error) {
	ref = strings.TrimSpace(ref)
	var hits []Unit
	for _, u := range s.ListUnits(a) {
		path := s.UnitPath(u.ID)
		if fmt.Sprint(u.ID) == ref || strings.EqualFold(u.Name, ref) || strings.EqualFold(path, ref) || strings.HasSuffix(strings.ToLower(path), " / "+strings.ToLower(ref)) {
			hits = append(hits, u)
		}
	}
	switch len(hits) {
	case 0:
		return Unit{}, refuse(ErrNotFound, "no organization unit %q in your scope: see guardroom unit list", ref)
	case 1:
		return hits[0], nil
	}
	return Unit{}, refuse(ErrInvalid, "%q names %d units: give its number or its full path", ref, len(hits))
}

// AddUnit creates a unit under parent.
func (s *Store) AddUnit(a Actor, parent uint64, name string, kind UnitKind) (Unit, error) {
	var u Unit
	w := s.begin(a, "unit.add", "unit "+name)
	w.unit = parent
	err := s.finish(w, func() error {
		if err := a.need(PermManageEquipment); err != nil {
			return err
		}
		name = strings.TrimSpace(name)
		if name == "" || len(name) > 64 || strings.Contains(name, "/") {
			return refuse(ErrInvalid, "unit name must be 1-64 characters without '/'")
		}
		if err := checkPlain("unit name", name); err != nil {
			return err
		}
		if !slices.Contains(unitKinds, kind) || kind == UnitOrganization {
			return refuse(ErrInvalid, "unit kind %q is not valid: choose site, building, floor or area", kind)
		}
		s.unitsMu.RLock()
		_, ok := s.units[parent]
		dup := false
		for _, x := range s.units {
			dup = dup || (x.Parent == parent && strings.EqualFold(x.Name, name))
		}
		s.unitsMu.RUnlock()
		// Scope first: a unit outside it and one that does not exist are
		// refused alike.
		if err := w.inScope(parent); err != nil {
			return err
		}
		if !ok {
			return refuse(ErrNotFound, "no parent unit %d: see guardroom unit list", parent)
		}
		if dup {
			return refuse(ErrDuplicate, "%s already has a unit named %q", s.unitLabel(parent), name)
		}
		w.seqs.Unit++
		u = Unit{ID: w.seqs.Unit, Parent: parent, Name: name, Kind: kind, Created: s.now()}
		w.set(unitKey(u.ID), u)
		w.unit = u.ID
		w.log(nil, map[string]string{"name": name, "kind": string(kind), "parent": s.UnitPath(parent)})
		w.changed(Change{What: ChangeUnit})
		return nil
	})
	if err == nil {
		s.unitsMu.Lock()
		s.units[u.ID] = u
		s.unitsMu.Unlock()
	}
	return u, err
}
