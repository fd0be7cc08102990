package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// LockState is what a door lock reports.
type LockState string

// Lock states.
const (
	LockLocked   LockState = "locked"
	LockUnlocked LockState = "unlocked"
	LockJammed   LockState = "jammed"
	LockUnknown  LockState = "unknown"
)

// Lock is a door lock linked to a panel. Its assignment rules and hardware
// come with the locks-and-tags work; for now it is a plain record.
type Lock struct {
	ID       uint64    `json:"id"`
	Name     string    `json:"name"`
	Model    string    `json:"model"`
	Panel    uint64    `json:"panel"`
	Unit     uint64    `json:"unit"`
	State    LockState `json:"state"`
	Battery  int       `json:"battery"`
	LastSeen time.Time `json:"last_seen,omitempty"`
	Users    []int     `json:"users,omitempty"` // slots of the panel's users
}

// TagKind is the kind of proximity tag.
type TagKind string

// Tag kinds.
const (
	TagKeypad TagKind = "keypad"
	TagLock   TagKind = "door-lock"
)

// TagStatus is the state of a tag.
type TagStatus string

// Tag statuses.
const (
	TagActive   TagStatus = "active"
	TagDisabled TagStatus = "disabled"
	TagLost     TagStatus = "lost"
)

// Tag is a proximity tag; a plain record until the locks-and-tags work.
type Tag struct {
	ID       string    `json:"id"`
	Kind     TagKind   `json:"kind"`
	Panel    uint64    `json:"panel"`
	Slot     int       `json:"slot,omitempty"`
	Lock     uint64    `json:"lock,omitempty"`
	Status   TagStatus `json:"status"`
	Enrolled time.Time `json:"enrolled"`
}

// AddLock records a door lock on a panel.
func (s *Store) AddLock(a Actor, l Lock) (Lock, error) {
	w := s.begin(a, "lock.add", "lock "+l.Name)
	w.panel = l.Panel
	err := s.finish(w, func() error {
		w.atPanel(l.Panel, " lock "+l.Name)
		if err := a.need(PermManageLocksTags); err != nil {
			return err
		}
		p, err := s.readPanel(w.txn, a, l.Panel)
		if err != nil {
			return err
		}
		w.unit = p.Unit
		if !p.Spec().DoorLocks {
			return refuse(ErrUnsupported, "%s (%s) cannot have door locks", p.Name, p.Spec().Model)
		}
		if l.Name = strings.TrimSpace(l.Name); l.Name == "" {
			return refuse(ErrInvalid, "lock name is empty: name the door or its location")
		}
		for _, slot := range l.Users {
			u, err := readUser(w.txn, p, slot)
			if err != nil {
				return err
			}
			if !u.CodeSet {
				return noCode(p, slot, "door lock cannot be assigned")
			}
		}
		w.seqs.Lock++
		l.ID, l.Unit = w.seqs.Lock, p.Unit
		if l.State == "" {
			l.State = LockUnknown
		}
		w.unit, w.place = p.Unit, fmt.Sprintf("lock %d (%s) on %s", l.ID, l.Name, p.Label())
		w.set(lockKey(l.ID), l)
		w.log(nil, map[string]string{"name": l.Name, "model": l.Model})
		w.changed(Change{What: ChangeLock, Panel: p.ID})
		return nil
	})
	return l, err
}

// ListLocks returns the locks in the actor's scope.
func (s *Store) ListLocks(a Actor) ([]Lock, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Lock
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pLock, true, func(_, v []byte) error {
			var l Lock
			if err := jsonUnmarshal(v, &l); err != nil {
				return err
			}
			if s.unitInScope(a, l.Unit) {
				out = append(out, l)
			}
			return nil
		})
	})
	return out, err
}

// AddTag records a proximity tag given to a panel user.
func (s *Store) AddTag(a Actor, t Tag) (Tag, error) {
	w := s.begin(a, "tag.enrol", "tag "+t.ID)
	w.panel, w.slot = t.Panel, t.Slot
	err := s.finish(w, func() error {
		w.atPanel(t.Panel, " tag "+t.ID)
		if err := a.need(PermManageLocksTags); err != nil {
			return err
		}
		p, err := s.readPanel(w.txn, a, t.Panel)
		if err != nil {
			return err
		}
		w.unit = p.Unit
		if t.ID = strings.ToUpper(strings.TrimSpace(t.ID)); t.ID == "" {
			return refuse(ErrInvalid, "tag ID is empty")
		}
		if ok, err := exists(w.txn, tagKey(t.ID)); err != nil {
			return err
		} else if ok {
			return refuse(ErrDuplicate, "tag %s is enrolled already: tag IDs are unique across the site", t.ID)
		}
		if t.Slot != 0 {
			u, err := readUser(w.txn, p, t.Slot)
			if err != nil {
				return err
			}
			if !u.CodeSet {
				return noCode(p, t.Slot, "tag cannot be given")
			}
		}
		if t.Status == "" {
			t.Status = TagActive
		}
		t.Enrolled = s.now()
		w.set(tagKey(t.ID), t)
		w.log(nil, map[string]string{"tag": t.ID, "kind": string(t.Kind)})
		w.changed(Change{What: ChangeTag, Panel: p.ID, Slot: t.Slot})
		return nil
	})
	return t, err
}

// ListTags returns the tags on panels in the actor's scope.
func (s *Store) ListTags(a Actor) ([]Tag, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Tag
	err := s.db.View(func(txn *badger.Txn) error {
		units := map[uint64]uint64{}
		return scan(txn, pTag, true, func(_, v []byte) error {
			var t Tag
			if err := jsonUnmarshal(v, &t); err != nil {
				return err
			}
			unit, ok := units[t.Panel]
			if !ok {
				var p Panel
				if err := getJSON(txn, panelKey(t.Panel), &p); err != nil {
					return nil
				}
				unit, units[t.Panel] = p.Unit, p.Unit
			}
			if s.unitInScope(a, unit) {
				out = append(out, t)
			}
			return nil
		})
	})
	return out, err
}
