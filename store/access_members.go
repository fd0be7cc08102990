package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// An access group's members managed from the group (004: "edit the group
// details to assign all of your bulk loaded users"): many people added to
// or removed from one group at once, in one transaction. The rules are the
// person operations' own: "manage people and access", every person in the
// operator's units (one outside them is refused like one that does not
// exist), and a group that serves the person's unit. One refused person
// refuses the whole change: nothing is written.

// MembersChange is what ChangeGroupMembers did, or with dryRun would do.
type MembersChange struct {
	Group AccessGroup `json:"group"`
	// Added and Removed are the people whose groups changed.
	Added   []Person `json:"added"`
	Removed []Person `json:"removed"`
	// Already were members when asked to be added, NotIn were not members
	// when asked to be removed: left as they were.
	Already []Person `json:"already"`
	NotIn   []Person `json:"not_in"`
}

// errDryRun ends a dry run's transaction after every check, so nothing is
// written and nothing is logged.
var errDryRun = errors.New("dry run")

// GroupMembers returns the people in the actor's scope who are in the
// access group, by ID.
func (s *Store) GroupMembers(a Actor, group uint32) ([]Person, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return nil, err
	}
	var out []Person
	err := s.db.View(func(txn *badger.Txn) error {
		if _, err := confRead[AccessGroup](s, txn, a, &accessGroups, group); err != nil {
			return err
		}
		n := newAptNames(txn)
		return scanJSON(txn, pPerson, func(r personRecord) error {
			if slices.Contains(r.Groups, group) && s.unitInScope(a, r.Unit) {
				out = append(out, n.person(r))
			}
			return nil
		})
	})
	return out, err
}

// ChangeGroupMembers adds the people add to access group and takes the
// people remove out of it, in one transaction, with one log entry per
// person changed (person.group.add, person.group.remove). Someone listed
// twice counts once; someone already in (or not in) is left as they are
// and reported. A person outside the actor's units, one the group does
// not serve, or one listed both to add and to remove refuses the whole
// change. With dryRun every check is made and nothing is written.
func (s *Store) ChangeGroupMembers(a Actor, group uint32, add, remove []uint64, dryRun bool) (MembersChange, error) {
	var out MembersChange
	w := s.beginMembers(a, group)
	err := s.finish(w, func() error {
		g, err := s.membersFrame(w, group)
		if err != nil {
			return err
		}
		out.Group = g
		add, remove = uniqueIDs(add), uniqueIDs(remove)
		if len(add)+len(remove) == 0 {
			return refuse(ErrInvalid, "no one named to add to or remove from access group %s: name at least one person", g.Name)
		}
		for _, id := range add {
			if slices.Contains(remove, id) {
				return refuse(ErrInvalid, "person %d is named both to add to and to remove from access group %s: keep them in one list", id, g.Name)
			}
		}
		type change struct {
			r      personRecord
			before []uint32
			action string
		}
		var changes []change
		n := newAptNames(w.txn)
		for _, id := range add {
			r, err := s.readPerson(w.txn, a, id)
			if err != nil {
				return err
			}
			if slices.Contains(r.Groups, group) {
				out.Already = append(out.Already, n.person(r))
				continue
			}
			if !s.related(r.Unit, g.Unit) {
				return refuse(ErrInvalid, "%s is in %s, which access group %s (of %s) does not serve: a group serves people of its unit and the units above and below it; leave them out",
					r.Label(), s.UnitPath(r.Unit), g.Name, s.UnitPath(g.Unit))
			}
			before := r.Groups
			r.Groups = append(slices.Clip(r.Groups), group)
			changes = append(changes, change{r, before, "person.group.add"})
			out.Added = append(out.Added, n.person(r))
		}
		for _, id := range remove {
			r, err := s.readPerson(w.txn, a, id)
			if err != nil {
				return err
			}
			at := slices.Index(r.Groups, group)
			if at < 0 {
				out.NotIn = append(out.NotIn, n.person(r))
				continue
			}
			before := r.Groups
			r.Groups = slices.Delete(slices.Clone(r.Groups), at, at+1)
			changes = append(changes, change{r, before, "person.group.remove"})
			out.Removed = append(out.Removed, n.person(r))
		}
		if dryRun {
			return errDryRun
		}
		now := s.now()
		for i, c := range changes {
			c.r.Updated = now
			w.writePerson(c.r)
			w.action, w.unit, w.place = c.action, c.r.Unit, c.r.Label()
			w.log(map[string]string{"groups": groupNames(w.txn, c.before)},
				map[string]string{"groups": groupNames(w.txn, c.r.Groups), "access group": confLabel(accessGroups.noun, g.ID, g.Name)})
			if w.size > bulkTxnBytes {
				return refuse(ErrInvalid, "%d people at once are more than one change holds: change at most %d at a time (filter further, or split the list)",
					len(changes), i)
			}
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return MembersChange{}, err
	}
	return out, nil
}

func (s *Store) beginMembers(a Actor, group uint32) *wtx {
	return s.begin(a, "accessgroup.members", fmt.Sprintf("access group %d", group))
}

// membersFrame is what a change of a group's members checks first (and
// TryConf's members attempt checks): the group named for the log, the
// permission, the group visible to the actor.
func (s *Store) membersFrame(w *wtx, group uint32) (AccessGroup, error) {
	a := w.actor
	if g, err := confGet[AccessGroup](w.txn, &accessGroups, group); err == nil && s.unitInScope(a, g.Unit) {
		w.unit, w.place = g.Unit, confLabel(accessGroups.noun, g.ID, g.Name)
	}
	if err := a.need(PermManagePeople); err != nil {
		return AccessGroup{}, err
	}
	return confRead[AccessGroup](s, w.txn, a, &accessGroups, group)
}

// groupNames names a person's access groups for the log, "none" for none.
func groupNames(txn *badger.Txn, ids []uint32) string {
	if len(ids) == 0 {
		return "none"
	}
	return confNames[AccessGroup](txn, &accessGroups, ids)
}

// uniqueIDs returns ids without repeats, in their first order.
func uniqueIDs(ids []uint64) []uint64 {
	out := make([]uint64, 0, len(ids))
	seen := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Summary is one line saying what a members change did: "2 added,
// 1 already in".
func (c MembersChange) Summary() string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{len(c.Added), "added"}, {len(c.Removed), "removed"}, {len(c.Already), "already in"}, {len(c.NotIn), "not in it"}} {
		if p.n > 0 {
			parts = append(parts, strconv.Itoa(p.n)+" "+p.what)
		}
	}
	if len(parts) == 0 {
		return "nothing to change"
	}
	return strings.Join(parts, ", ")
}
