package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

// The access configuration of issue 7 (references 000, 002, 004): time
// profiles, doors and door groups, access groups and access levels. Each
// belongs to an organization unit. An operator sees the ones in their
// units and in the units above them (an organization-wide "Office hours"
// serves every building), and changes the ones in their units. A record
// refers only to records of related units — its own, one above it or one
// below it — so a building's level never names another building's door.
// Viewing needs "view panel users", changing "manage people and access".

// ChangeAccess tells subscribers that the access configuration changed.
const ChangeAccess = "access"

// ConfMeta is what every access configuration record has.
type ConfMeta struct {
	ID      uint32    `json:"id"`
	Unit    uint64    `json:"unit"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

func (m *ConfMeta) meta() (uint32, uint64, string) { return m.ID, m.Unit, m.Name }
func (m *ConfMeta) setID(id uint32)                { m.ID = id }
func (m *ConfMeta) setName(n string)               { m.Name = n }
func (m *ConfMeta) setTimes(c, u time.Time)        { m.Created, m.Updated = c, u }

// TimeProfile is a weekly schedule (002 "schedule", 000 "time profile").
// ID 0 is Always, which is built in and never stored.
type TimeProfile struct {
	ConfMeta
	Intervals []access.WeeklyInterval `json:"intervals,omitempty"`
	Holidays  []access.Date           `json:"holidays,omitempty"`
}

// Access returns the profile for the decision engine.
func (p TimeProfile) Access() access.TimeProfile {
	return access.TimeProfile{ID: access.ProfileID(p.ID), Name: p.Name, Intervals: p.Intervals, Holidays: p.Holidays}
}

// DoorGroup is a named set of doors that access levels can allow at once.
type DoorGroup struct {
	ConfMeta
}

// Door is a door of the site: the door groups it is in and the lock
// number (000) it opens, 0 for none.
type Door struct {
	ConfMeta
	Groups []uint32 `json:"groups,omitempty"`
	Lock   int      `json:"lock,omitempty"`
}

// AccessGroup is an access group of a site (004): the levels it gives its
// members and, optionally, a multifactor rule for them.
type AccessGroup struct {
	ConfMeta
	Levels      []uint32            `json:"levels,omitempty"`
	MultiFactor *access.MultiFactor `json:"multifactor,omitempty"`
}

// AccessLevel is what a person may do and when (002). The embedded level
// holds the ID and name; Unit and the times are the store's.
type AccessLevel struct {
	access.AccessLevel
	Unit    uint64    `json:"unit"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

func (l *AccessLevel) meta() (uint32, uint64, string) { return uint32(l.ID), l.Unit, l.Name }
func (l *AccessLevel) setID(id uint32)                { l.ID = access.LevelID(id) }
func (l *AccessLevel) setName(n string)               { l.Name = n }
func (l *AccessLevel) setTimes(c, u time.Time)        { l.Created, l.Updated = c, u }

// confItem is what the generic operations below need of a record.
type confItem interface {
	meta() (id uint32, unit uint64, name string)
	setID(uint32)
	setName(string)
	setTimes(created, updated time.Time)
	created() time.Time
}

type confPtr[T any] interface {
	*T
	confItem
}

// confKind describes one kind of access configuration record.
type confKind[T any] struct {
	noun   string // "time profile"
	cmd    string // the CLI group: "schedule"
	action string // the log action prefix: "schedule"
	prefix []byte
	seq    func(*seqs) *uint64
	// check tidies and validates a record about to be written, references
	// included; the name and unit are checked already.
	check func(w *wtx, v *T) error
	// usedBy names what still refers to the record, "" when nothing does.
	usedBy func(s *Store, txn *badger.Txn, id uint32) (string, error)
	state  func(s *Store, txn *badger.Txn, v *T) map[string]string
}

// anArticle is "an" before a vowel ("an access group"), else "a".
func anArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an"
	}
	return "a"
}

func confLabel(noun string, id uint32, name string) string {
	return fmt.Sprintf("%s %d %s", noun, id, name)
}

func (k *confKind[T]) key(id uint32) []byte { return append(append([]byte{}, k.prefix...), u32(id)...) }

// unitVisible reports whether the actor sees records of unit: those of
// their units, below them, and above them.
func (s *Store) unitVisible(a Actor, unit uint64) bool {
	if s.unitInScope(a, unit) {
		return true
	}
	for _, g := range a.units {
		if s.within(g, unit) {
			return true
		}
	}
	return false
}

// related reports whether a record of unit x may refer to one of unit y.
func (s *Store) related(x, y uint64) bool { return s.within(x, y) || s.within(y, x) }

func confGet[T any, P confPtr[T]](txn *badger.Txn, k *confKind[T], id uint32) (T, error) {
	var v T
	err := getJSON(txn, k.key(id), &v)
	return v, err
}

// confRead returns a record the actor sees; one they do not is refused as
// if it did not exist.
func confRead[T any, P confPtr[T]](s *Store, txn *badger.Txn, a Actor, k *confKind[T], id uint32) (T, error) {
	v, err := confGet[T, P](txn, k, id)
	if err == nil {
		_, unit, _ := P(&v).meta()
		if !s.unitVisible(a, unit) {
			err = badger.ErrKeyNotFound
		}
	}
	if errors.Is(err, badger.ErrKeyNotFound) {
		return v, refuse(ErrNotFound, "no %s %d in your organization units: see guardroom %s list", k.noun, id, k.cmd)
	}
	if err != nil {
		return v, fmt.Errorf("%s %d: %w", k.noun, id, err)
	}
	return v, nil
}

func confScan[T any, P confPtr[T]](txn *badger.Txn, k *confKind[T], fn func(v T) error) error {
	return scanJSON(txn, k.prefix, fn)
}

func confList[T any, P confPtr[T]](s *Store, a Actor, k *confKind[T]) ([]T, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return nil, err
	}
	var out []T
	err := s.db.View(func(txn *badger.Txn) error {
		return confScan[T, P](txn, k, func(v T) error {
			if _, unit, _ := P(&v).meta(); s.unitVisible(a, unit) {
				out = append(out, v)
			}
			return nil
		})
	})
	return out, err
}

// confFindIn resolves ref (an ID, or a name the actor sees) in txn. A
// name held by several records the actor sees is refused with their IDs.
func confFindIn[T any, P confPtr[T]](s *Store, txn *badger.Txn, a Actor, k *confKind[T], ref string) (T, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseUint(ref, 10, 32); err == nil {
		return confRead[T, P](s, txn, a, k, uint32(id))
	}
	var found []T
	err := confScan[T, P](txn, k, func(v T) error {
		if _, unit, name := P(&v).meta(); strings.EqualFold(name, ref) && s.unitVisible(a, unit) {
			found = append(found, v)
		}
		return nil
	})
	var zero T
	switch {
	case err != nil:
		return zero, err
	case len(found) == 0:
		return zero, refuse(ErrNotFound, "no %s named %q in your organization units: see guardroom %s list", k.noun, ref, k.cmd)
	case len(found) > 1:
		var ids []string
		for i := range found {
			id, _, _ := P(&found[i]).meta()
			ids = append(ids, strconv.Itoa(int(id)))
		}
		return zero, refuse(ErrInvalid, "%d %ss are named %q (IDs %s): give the ID instead", len(found), k.noun, ref, strings.Join(ids, ", "))
	}
	return found[0], nil
}

func confFind[T any, P confPtr[T]](s *Store, a Actor, k *confKind[T], ref string) (T, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		var zero T
		return zero, err
	}
	var v T
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		v, err = confFindIn[T, P](s, txn, a, k, ref)
		return err
	})
	return v, err
}

const maxConfName = 64

// confCheckName tidies the name and refuses one already used by another
// record of the kind in the same unit.
func confCheckName[T any, P confPtr[T]](w *wtx, k *confKind[T], v P) error {
	id, unit, name := v.meta()
	name, err := checkText("name", name, true, maxConfName)
	if err != nil {
		return err
	}
	v.setName(name)
	return confScan[T, P](w.txn, k, func(o T) error {
		oid, ounit, oname := P(&o).meta()
		if oid != id && ounit == unit && strings.EqualFold(oname, name) {
			return refuse(ErrDuplicate, "%s already has %s %s named %q (ID %d): choose another name", w.s.UnitPath(unit), anArticle(k.noun), k.noun, oname, oid)
		}
		return nil
	})
}

func confAdd[T any, P confPtr[T]](s *Store, a Actor, k *confKind[T], v T) (T, error) {
	p := P(&v)
	_, unit, name := p.meta()
	w := s.begin(a, k.action+".add", k.noun+" "+strings.TrimSpace(name))
	if s.unitInScope(a, unit) {
		w.unit = unit
	}
	err := s.finish(w, func() error {
		if err := a.need(PermManagePeople); err != nil {
			return err
		}
		if err := w.confUnit(unit, k.noun); err != nil {
			return err
		}
		n := k.seq(&w.seqs)
		if *n >= 1<<32-1 {
			return refuse(ErrState, "there are no %s numbers left", k.noun)
		}
		*n++
		p.setID(uint32(*n))
		if err := confCheckName[T, P](w, k, p); err != nil {
			return err
		}
		if err := k.check(w, &v); err != nil {
			return err
		}
		now := s.now()
		p.setTimes(now, now)
		id, _, name := p.meta()
		w.place = confLabel(k.noun, id, name)
		w.set(k.key(id), v)
		w.changed(Change{What: ChangeAccess})
		w.log(nil, k.state(s, w.txn, &v))
		return nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// confChange runs a change of an existing record: named in the log before
// any check, the permission, the record in the actor's units.
func confChange[T any, P confPtr[T]](s *Store, a Actor, k *confKind[T], action string, id uint32, body func(w *wtx, old *T) error) error {
	w := s.begin(a, k.action+"."+action, fmt.Sprintf("%s %d", k.noun, id))
	return s.finish(w, func() error {
		old, err := confGet[T, P](w.txn, k, id)
		if err == nil {
			if _, unit, name := P(&old).meta(); s.unitInScope(a, unit) {
				w.unit, w.place = unit, confLabel(k.noun, id, name)
			}
		}
		if err := a.need(PermManagePeople); err != nil {
			return err
		}
		if old, err = confRead[T, P](s, w.txn, a, k, id); err != nil {
			return err
		}
		if _, unit, name := P(&old).meta(); !s.unitInScope(a, unit) {
			return refuse(ErrPermission, "%s belongs to %s, above your organization units: you may use it but not change it; ask an operator granted %s",
				confLabel(k.noun, id, name), s.UnitPath(unit), s.UnitPath(unit))
		}
		return body(w, &old)
	})
}

func confEdit[T any, P confPtr[T]](s *Store, a Actor, k *confKind[T], v T) (T, error) {
	p := P(&v)
	id, unit, _ := p.meta()
	err := confChange[T, P](s, a, k, "edit", id, func(w *wtx, old *T) error {
		_, oldUnit, _ := P(old).meta()
		if unit != oldUnit {
			if err := w.confUnit(unit, k.noun); err != nil {
				return err
			}
		}
		if err := confCheckName[T, P](w, k, p); err != nil {
			return err
		}
		if err := k.check(w, &v); err != nil {
			return err
		}
		p.setTimes(P(old).created(), s.now())
		w.set(k.key(id), v)
		w.changed(Change{What: ChangeAccess})
		w.log(k.state(s, w.txn, old), k.state(s, w.txn, &v))
		return nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

func (m *ConfMeta) created() time.Time    { return m.Created }
func (l *AccessLevel) created() time.Time { return l.Created }

func confRemove[T any, P confPtr[T]](s *Store, a Actor, k *confKind[T], id uint32) error {
	return confChange[T, P](s, a, k, "remove", id, func(w *wtx, old *T) error {
		if err := confRuleRemove[T, P](w, k, old); err != nil {
			return err
		}
		w.del(k.key(id))
		w.changed(Change{What: ChangeAccess})
		w.log(k.state(s, w.txn, old), nil)
		return nil
	})
}

// confRuleRemove refuses to remove a record something still refers to:
// RemoveX and TryConf's remove share it.
func confRuleRemove[T any, P confPtr[T]](w *wtx, k *confKind[T], old *T) error {
	id, _, name := P(old).meta()
	used, err := k.usedBy(w.s, w.txn, id)
	if err != nil {
		return err
	}
	if used != "" {
		return refuse(ErrState, "%s is still used by %s: change those first, then remove it", confLabel(k.noun, id, name), used)
	}
	return nil
}

// confUnit refuses a unit outside the actor's scope, then one that does
// not exist.
func (w *wtx) confUnit(unit uint64, noun string) error {
	if unit == 0 {
		return refuse(ErrInvalid, "a %s belongs to an organization unit: choose one (guardroom unit list)", noun)
	}
	return w.personUnit(unit)
}

// confRef checks that a record of unit `from` may refer to record id of
// kind k: it exists, the actor sees it, and its unit is related.
func confRef[T any, P confPtr[T]](w *wtx, k *confKind[T], id uint32, from uint64, where string) (T, error) {
	v, err := confRead[T, P](w.s, w.txn, w.actor, k, id)
	if err != nil {
		return v, refuse(ErrNotFound, "%s names %s %d, which is not in your organization units: pick one from guardroom %s list", where, k.noun, id, k.cmd)
	}
	if _, unit, name := P(&v).meta(); !w.s.related(from, unit) {
		return v, refuse(ErrInvalid, "%s names %s, which belongs to %s, not to %s or a unit above or below it: pick one of this site's",
			where, confLabel(k.noun, id, name), w.s.UnitPath(unit), w.s.UnitPath(from))
	}
	return v, nil
}

// profileRef checks a time profile reference; 0 is Always.
func profileRef(w *wtx, id access.ProfileID, from uint64, where string) error {
	if id == access.Always {
		return nil
	}
	_, err := confRef[TimeProfile](w, &profiles, uint32(id), from, where)
	return err
}

// profileName names a profile for the log.
func profileName(txn *badger.Txn, id access.ProfileID) string {
	if id == access.Always {
		return "Always"
	}
	if p, err := confGet[TimeProfile](txn, &profiles, uint32(id)); err == nil {
		return p.Name
	}
	return fmt.Sprintf("time profile %d", id)
}

func confName[T any, P confPtr[T]](txn *badger.Txn, k *confKind[T], id uint32) string {
	if v, err := confGet[T, P](txn, k, id); err == nil {
		_, _, name := P(&v).meta()
		return name
	}
	return fmt.Sprintf("%s %d", k.noun, id)
}

func confNames[T any, P confPtr[T]](txn *badger.Txn, k *confKind[T], ids []uint32) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = confName[T, P](txn, k, id)
	}
	return strings.Join(names, ", ")
}

// dedupe refuses an ID listed twice.
func dedupe(ids []uint32, what string) error {
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return refuse(ErrInvalid, "%s %d is listed twice: keep it once", what, id)
		}
	}
	return nil
}

// firstUse returns a description of the first record of kind k for which
// uses is true, "" when none is.
func firstUse[T any, P confPtr[T]](txn *badger.Txn, k *confKind[T], uses func(v *T) bool) (string, error) {
	var found string
	err := confScan[T, P](txn, k, func(v T) error {
		if found == "" && uses(&v) {
			id, _, name := P(&v).meta()
			found = confLabel(k.noun, id, name)
		}
		return nil
	})
	return found, err
}

// firstPersonUsing names the first person for whom uses is true.
func firstPersonUsing(txn *badger.Txn, uses func(p *personRecord) bool) (string, error) {
	var found string
	var n int
	err := scanJSON(txn, pPerson, func(r personRecord) error {
		if uses(&r) {
			if found == "" {
				found = r.Label()
			}
			n++
		}
		return nil
	})
	if n > 1 {
		found = fmt.Sprintf("%s and %d other people", found, n-1)
	}
	return found, err
}

func orUse(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " and ")
}

var profiles confKind[TimeProfile]

func init() {
	// In init: the kinds refer to each other (a level names doors, a door
	// group is used by levels), which a variable initializer cannot.
	profiles = confKind[TimeProfile]{
		noun: "time profile", cmd: "schedule", action: "schedule", prefix: pProfile,
		seq: func(s *seqs) *uint64 { return &s.Profile },
		check: func(w *wtx, v *TimeProfile) error {
			if err := v.Access().Validate(); err != nil {
				return refuse(ErrInvalid, "%s", strings.TrimPrefix(err.Error(), access.ErrInvalid.Error()+": "))
			}
			return nil
		},
		usedBy: func(s *Store, txn *badger.Txn, id uint32) (string, error) {
			pid := access.ProfileID(id)
			return firstUse[AccessLevel](txn, &levels, func(l *AccessLevel) bool { return levelUsesProfile(&l.AccessLevel, pid) })
		},
		state: func(s *Store, txn *badger.Txn, v *TimeProfile) map[string]string {
			m := map[string]string{"name": v.Name, "unit": s.UnitPath(v.Unit)}
			var iv, hol []string
			for _, i := range v.Intervals {
				iv = append(iv, i.String())
			}
			for _, d := range v.Holidays {
				hol = append(hol, d.String())
			}
			m["intervals"] = strings.Join(iv, "; ")
			if len(hol) > 0 {
				m["holidays"] = strings.Join(hol, ", ")
			}
			return m
		},
	}
}

func levelUsesProfile(l *access.AccessLevel, id access.ProfileID) bool {
	if l.Schedule == id {
		return true
	}
	for _, r := range l.Doors {
		if r.Profile == id {
			return true
		}
	}
	for _, rs := range [][]access.AreaRule{l.ArmAreas, l.DisarmAreas} {
		for _, r := range rs {
			if r.Profile == id {
				return true
			}
		}
	}
	for _, r := range l.Floors {
		if r.Profile == id {
			return true
		}
	}
	for _, r := range l.Elevators {
		if r.Profile == id {
			return true
		}
	}
	return false
}

var doorGroups confKind[DoorGroup]

func init() {
	doorGroups = confKind[DoorGroup]{
		noun: "door group", cmd: "door group", action: "doorgroup", prefix: pDoorGroup,
		seq:   func(s *seqs) *uint64 { return &s.DoorGroup },
		check: func(*wtx, *DoorGroup) error { return nil },
		usedBy: func(s *Store, txn *badger.Txn, id uint32) (string, error) {
			d, err := firstUse[Door](txn, &doors, func(d *Door) bool { return slices.Contains(d.Groups, id) })
			if err != nil {
				return "", err
			}
			l, err := firstUse[AccessLevel](txn, &levels, func(l *AccessLevel) bool {
				return slices.ContainsFunc(l.Doors, func(r access.DoorRule) bool { return r.Group == access.DoorGroupID(id) })
			})
			return orUse(d, l), err
		},
		state: func(s *Store, _ *badger.Txn, v *DoorGroup) map[string]string {
			return map[string]string{"name": v.Name, "unit": s.UnitPath(v.Unit)}
		},
	}
}

var doors confKind[Door]

func init() {
	doors = confKind[Door]{
		noun: "door", cmd: "door", action: "door", prefix: pDoor,
		seq: func(s *seqs) *uint64 { return &s.Door },
		check: func(w *wtx, v *Door) error {
			if v.Lock < 0 || v.Lock > maxLockNumber {
				return refuse(ErrInvalid, "lock number %d is out of range: enter 1 to %d, or 0 for none", v.Lock, maxLockNumber)
			}
			if err := dedupe(v.Groups, "door group"); err != nil {
				return err
			}
			for _, g := range v.Groups {
				if _, err := confRef[DoorGroup](w, &doorGroups, g, v.Unit, "the door"); err != nil {
					return err
				}
			}
			return nil
		},
		usedBy: func(s *Store, txn *badger.Txn, id uint32) (string, error) {
			return firstUse[AccessLevel](txn, &levels, func(l *AccessLevel) bool {
				return slices.ContainsFunc(l.Doors, func(r access.DoorRule) bool { return r.Door == access.DoorID(id) })
			})
		},
		state: func(s *Store, txn *badger.Txn, v *Door) map[string]string {
			m := map[string]string{"name": v.Name, "unit": s.UnitPath(v.Unit)}
			if len(v.Groups) > 0 {
				m["door groups"] = confNames[DoorGroup](txn, &doorGroups, v.Groups)
			}
			if v.Lock != 0 {
				m["lock"] = strconv.Itoa(v.Lock)
			}
			return m
		},
	}
}

var accessGroups confKind[AccessGroup]

func init() {
	accessGroups = confKind[AccessGroup]{
		noun: "access group", cmd: "group", action: "accessgroup", prefix: pAccessGroup,
		seq: func(s *seqs) *uint64 { return &s.AccessGroup },
		check: func(w *wtx, v *AccessGroup) error {
			if err := dedupe(v.Levels, "access level"); err != nil {
				return err
			}
			for _, l := range v.Levels {
				if _, err := confRef[AccessLevel](w, &levels, l, v.Unit, "the access group"); err != nil {
					return err
				}
			}
			return checkMultiFactor(v.MultiFactor, "access group "+v.Name)
		},
		usedBy: func(s *Store, txn *badger.Txn, id uint32) (string, error) {
			return firstPersonUsing(txn, func(p *personRecord) bool { return slices.Contains(p.Groups, id) })
		},
		state: func(s *Store, txn *badger.Txn, v *AccessGroup) map[string]string {
			m := map[string]string{"name": v.Name, "unit": s.UnitPath(v.Unit)}
			if len(v.Levels) > 0 {
				m["levels"] = confNames[AccessLevel](txn, &levels, v.Levels)
			}
			if v.MultiFactor != nil {
				m["multifactor"] = v.MultiFactor.String()
			}
			return m
		},
	}
}

func checkMultiFactor(mf *access.MultiFactor, whose string) error {
	if mf == nil {
		return nil
	}
	if err := mf.Validate(); err != nil {
		return refuse(ErrInvalid, "%s: %s", whose, strings.TrimPrefix(err.Error(), access.ErrInvalid.Error()+": "))
	}
	return nil
}

var levels confKind[AccessLevel]

func init() {
	levels = confKind[AccessLevel]{
		noun: "access level", cmd: "level", action: "level", prefix: pLevel,
		seq:   func(s *seqs) *uint64 { return &s.Level },
		check: checkLevel,
		usedBy: func(s *Store, txn *badger.Txn, id uint32) (string, error) {
			g, err := firstUse[AccessGroup](txn, &accessGroups, func(g *AccessGroup) bool { return slices.Contains(g.Levels, id) })
			if err != nil {
				return "", err
			}
			p, err := firstPersonUsing(txn, func(p *personRecord) bool { return slices.Contains(p.Levels, id) })
			return orUse(g, p), err
		},
		state: levelState,
	}
}

const maxLevelNotes = 1024

func checkLevel(w *wtx, l *AccessLevel) error {
	var err error
	if l.Name2, err = checkText("name in the second language", l.Name2, false, maxConfName); err != nil {
		return err
	}
	if l.Notes, err = checkText("notes", l.Notes, false, maxLevelNotes); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return refuse(ErrInvalid, "%s", strings.TrimPrefix(err.Error(), access.ErrInvalid.Error()+": "))
	}
	where := "access level " + l.Name
	if err := profileRef(w, l.Schedule, l.Unit, where+" (operating schedule)"); err != nil {
		return err
	}
	for i, r := range l.Doors {
		at := fmt.Sprintf("%s door rule %d", where, i+1)
		if r.Door != 0 {
			if _, err := confRef[Door](w, &doors, uint32(r.Door), l.Unit, at); err != nil {
				return err
			}
		} else if _, err := confRef[DoorGroup](w, &doorGroups, uint32(r.Group), l.Unit, at); err != nil {
			return err
		}
		if err := profileRef(w, r.Profile, l.Unit, at); err != nil {
			return err
		}
	}
	for _, rs := range [][]access.AreaRule{l.ArmAreas, l.DisarmAreas} {
		for _, r := range rs {
			if err := profileRef(w, r.Profile, l.Unit, fmt.Sprintf("%s area group %d", where, r.Group)); err != nil {
				return err
			}
		}
	}
	for i, r := range l.Floors {
		if err := profileRef(w, r.Profile, l.Unit, fmt.Sprintf("%s floor rule %d", where, i+1)); err != nil {
			return err
		}
	}
	for _, r := range l.Elevators {
		if err := profileRef(w, r.Profile, l.Unit, fmt.Sprintf("%s elevator group %d", where, r.Group)); err != nil {
			return err
		}
	}
	return nil
}

func levelState(s *Store, txn *badger.Txn, l *AccessLevel) map[string]string {
	m := map[string]string{"name": l.Name, "unit": s.UnitPath(l.Unit), "operating schedule": profileName(txn, l.Schedule)}
	if l.Name2 != "" {
		m["name 2"] = l.Name2
	}
	if l.Notes != "" {
		m["notes"] = l.Notes
	}
	if l.LocationGroup != 0 {
		m["location group"] = strconv.Itoa(int(l.LocationGroup))
	}
	var rules []string
	for _, r := range l.Doors {
		what := confName[Door](txn, &doors, uint32(r.Door))
		if r.Door == 0 {
			what = "group " + confName[DoorGroup](txn, &doorGroups, uint32(r.Group))
		}
		dir := r.Direction
		if dir == 0 {
			dir = access.Both
		}
		rules = append(rules, fmt.Sprintf("%s %s on %s", what, dir, profileName(txn, r.Profile)))
	}
	if len(rules) > 0 {
		m["doors"] = strings.Join(rules, "; ")
	}
	var all []string
	for _, o := range []struct {
		on   bool
		what string
	}{{l.IncludeAllDoors, "doors"}, {l.IncludeAllArming, "arming"}, {l.IncludeAllDisarm, "disarming"},
		{l.IncludeAllFloors, "floors"}, {l.IncludeAllElevator, "elevators"}} {
		if o.on {
			all = append(all, o.what)
		}
	}
	if len(all) > 0 {
		m["include all"] = strings.Join(all, ", ")
	}
	area := func(rs []access.AreaRule) string {
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%d on %s", r.Group, profileName(txn, r.Profile)))
		}
		return strings.Join(out, "; ")
	}
	if len(l.ArmAreas) > 0 {
		m["arm area groups"] = area(l.ArmAreas)
	}
	if len(l.DisarmAreas) > 0 {
		m["disarm area groups"] = area(l.DisarmAreas)
	}
	if len(l.Floors)+len(l.Elevators) > 0 {
		m["floors, elevators"] = fmt.Sprintf("%d floor rules, %d elevator rules", len(l.Floors), len(l.Elevators))
	}
	if len(l.MenuGroups) == 1 {
		m["menu group"] = strconv.Itoa(int(l.MenuGroups[0]))
	} else if l.NoKeypadMenu() {
		m["menu group"] = "none (no keypad menu)"
	}
	if len(l.Outputs)+len(l.OutputGroups) > 0 {
		m["outputs"] = fmt.Sprintf("%v, groups %v, time %s, reader %t, keypad %t, until expiry %t, toggle %t",
			l.Outputs, l.OutputGroups, l.OutputTime, l.ReaderActivatesOutput, l.KeypadActivatesOutput, l.OutputUntilExpiry, l.ToggleOutput)
	}
	return m
}

// The operations, per kind.

// ListTimeProfiles returns the time profiles the actor sees, by ID.
// Always (ID 0) is built in and not listed.
func (s *Store) ListTimeProfiles(a Actor) ([]TimeProfile, error) {
	return confList[TimeProfile](s, a, &profiles)
}

// GetTimeProfile returns a time profile the actor sees.
func (s *Store) GetTimeProfile(a Actor, id uint32) (TimeProfile, error) {
	return confFind[TimeProfile](s, a, &profiles, strconv.Itoa(int(id)))
}

// FindTimeProfile resolves an ID or a name.
func (s *Store) FindTimeProfile(a Actor, ref string) (TimeProfile, error) {
	return confFind[TimeProfile](s, a, &profiles, ref)
}

// AddTimeProfile adds a time profile in p.Unit.
func (s *Store) AddTimeProfile(a Actor, p TimeProfile) (TimeProfile, error) {
	return confAdd(s, a, &profiles, p)
}

// EditTimeProfile replaces the profile p.ID with p.
func (s *Store) EditTimeProfile(a Actor, p TimeProfile) (TimeProfile, error) {
	return confEdit(s, a, &profiles, p)
}

// RemoveTimeProfile removes a profile no access level uses.
func (s *Store) RemoveTimeProfile(a Actor, id uint32) error {
	return confRemove(s, a, &profiles, id)
}

// ListDoorGroups returns the door groups the actor sees, by ID.
func (s *Store) ListDoorGroups(a Actor) ([]DoorGroup, error) {
	return confList[DoorGroup](s, a, &doorGroups)
}

// FindDoorGroup resolves an ID or a name.
func (s *Store) FindDoorGroup(a Actor, ref string) (DoorGroup, error) {
	return confFind[DoorGroup](s, a, &doorGroups, ref)
}

// AddDoorGroup adds a door group in g.Unit.
func (s *Store) AddDoorGroup(a Actor, g DoorGroup) (DoorGroup, error) {
	return confAdd(s, a, &doorGroups, g)
}

// EditDoorGroup renames a door group or moves it to another unit.
func (s *Store) EditDoorGroup(a Actor, g DoorGroup) (DoorGroup, error) {
	return confEdit(s, a, &doorGroups, g)
}

// RemoveDoorGroup removes a door group no door and no level uses.
func (s *Store) RemoveDoorGroup(a Actor, id uint32) error {
	return confRemove(s, a, &doorGroups, id)
}

// ListDoors returns the doors the actor sees, by ID.
func (s *Store) ListDoors(a Actor) ([]Door, error) { return confList[Door](s, a, &doors) }

// GetDoor returns a door the actor sees.
func (s *Store) GetDoor(a Actor, id uint32) (Door, error) {
	return confFind[Door](s, a, &doors, strconv.Itoa(int(id)))
}

// FindDoor resolves an ID or a name.
func (s *Store) FindDoor(a Actor, ref string) (Door, error) { return confFind[Door](s, a, &doors, ref) }

// AddDoor adds a door in d.Unit.
func (s *Store) AddDoor(a Actor, d Door) (Door, error) { return confAdd(s, a, &doors, d) }

// EditDoor replaces the door d.ID with d.
func (s *Store) EditDoor(a Actor, d Door) (Door, error) { return confEdit(s, a, &doors, d) }

// RemoveDoor removes a door no access level names.
func (s *Store) RemoveDoor(a Actor, id uint32) error { return confRemove(s, a, &doors, id) }

// ListAccessGroups returns the access groups the actor sees, by ID.
func (s *Store) ListAccessGroups(a Actor) ([]AccessGroup, error) {
	return confList[AccessGroup](s, a, &accessGroups)
}

// GetAccessGroup returns an access group the actor sees.
func (s *Store) GetAccessGroup(a Actor, id uint32) (AccessGroup, error) {
	return confFind[AccessGroup](s, a, &accessGroups, strconv.Itoa(int(id)))
}

// FindAccessGroup resolves an ID or a name.
func (s *Store) FindAccessGroup(a Actor, ref string) (AccessGroup, error) {
	return confFind[AccessGroup](s, a, &accessGroups, ref)
}

// AddAccessGroup adds an access group in g.Unit.
func (s *Store) AddAccessGroup(a Actor, g AccessGroup) (AccessGroup, error) {
	return confAdd(s, a, &accessGroups, g)
}

// EditAccessGroup replaces the group g.ID with g.
func (s *Store) EditAccessGroup(a Actor, g AccessGroup) (AccessGroup, error) {
	return confEdit(s, a, &accessGroups, g)
}

// RemoveAccessGroup removes a group nobody is in.
func (s *Store) RemoveAccessGroup(a Actor, id uint32) error {
	return confRemove(s, a, &accessGroups, id)
}

// ListAccessLevels returns the access levels the actor sees, by ID.
func (s *Store) ListAccessLevels(a Actor) ([]AccessLevel, error) {
	return confList[AccessLevel](s, a, &levels)
}

// GetAccessLevel returns an access level the actor sees.
func (s *Store) GetAccessLevel(a Actor, id uint32) (AccessLevel, error) {
	return confFind[AccessLevel](s, a, &levels, strconv.Itoa(int(id)))
}

// FindAccessLevel resolves an ID or a name.
func (s *Store) FindAccessLevel(a Actor, ref string) (AccessLevel, error) {
	return confFind[AccessLevel](s, a, &levels, ref)
}

// ErrConfirm is the refusal of a change that needs the operator to confirm
// the warnings in its message first (an access level that includes all
// doors, areas, floors or elevators). Call again with confirmed true.
var ErrConfirm = errors.New("needs confirmation")

// confirmIncludeAll refuses a level whose include-all options are on
// until the operator has confirmed the warnings; the refusal carries them.
func confirmIncludeAll(l *AccessLevel, confirmed bool) error {
	if w := l.IncludeAllWarnings(); len(w) > 0 && !confirmed {
		return refuse(ErrConfirm, "%s Confirm to save it anyway.", strings.Join(w, " "))
	}
	return nil
}

// AddAccessLevel adds an access level in l.Unit. A level with include-all
// options is refused with ErrConfirm and the warnings unless confirmed.
func (s *Store) AddAccessLevel(a Actor, l AccessLevel, confirmed bool) (AccessLevel, error) {
	if err := confirmIncludeAll(&l, confirmed); err != nil {
		return AccessLevel{}, err
	}
	return confAdd(s, a, &levels, l)
}

// EditAccessLevel replaces the level l.ID with l, with AddAccessLevel's
// confirmation.
func (s *Store) EditAccessLevel(a Actor, l AccessLevel, confirmed bool) (AccessLevel, error) {
	if err := confirmIncludeAll(&l, confirmed); err != nil {
		return AccessLevel{}, err
	}
	return confEdit(s, a, &levels, l)
}

// RemoveAccessLevel removes a level no group and no person has.
func (s *Store) RemoveAccessLevel(a Actor, id uint32) error {
	return confRemove(s, a, &levels, id)
}

// AccessGroupsFor returns the access groups the actor sees that serve a
// person of unit: those of the unit, above it or below it (004's "select
// all" picks these).
func (s *Store) AccessGroupsFor(a Actor, unit uint64) ([]AccessGroup, error) {
	all, err := s.ListAccessGroups(a)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, g := range all {
		if s.related(unit, g.Unit) {
			out = append(out, g)
		}
	}
	return out, nil
}

// groupByName resolves an access group name for a person of personUnit:
// the group of that name the actor sees whose unit is related to the
// person's.
func (s *Store) groupByName(txn *badger.Txn, a Actor, personUnit uint64, name string) (uint32, error) {
	name = strings.TrimSpace(name)
	var found []uint32
	err := confScan[AccessGroup](txn, &accessGroups, func(g AccessGroup) error {
		if strings.EqualFold(g.Name, name) && s.unitVisible(a, g.Unit) && s.related(personUnit, g.Unit) {
			found = append(found, g.ID)
		}
		return nil
	})
	switch {
	case err != nil:
		return 0, err
	case len(found) == 0:
		return 0, refuse(ErrNotFound, "no access group named %q for %s: see guardroom group list", name, s.UnitPath(personUnit))
	case len(found) > 1:
		return 0, refuse(ErrInvalid, "%d access groups named %q serve %s: rename one of them", len(found), name, s.UnitPath(personUnit))
	}
	return found[0], nil
}
