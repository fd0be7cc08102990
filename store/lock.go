package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/guardroom/guardroom/store/family"
)

// LockState is what a door lock reports (store/family's words, which
// the drivers report in).
type LockState = family.LockState

// Lock states.
const (
	LockLocked   = family.LockLocked
	LockUnlocked = family.LockUnlocked
	LockJammed   = family.LockJammed
	LockUnknown  = family.LockUnknown
)

// LockModel names a door lock model of the capability table.
type LockModel string

// Lock models. The constants are untyped so that they fill Lock.Model
// (a string, as the record stores it) as well as a LockModel.
const (
	ModelYaleL2 = "Yale Doorman L2"
	ModelYaleL3 = "Yale Doorman L3"
	ModelZWave  = "Generic Z-Wave lock"
	ModelOther  = "Other"
)

// LockSpec is what a lock model can do. The rules read it here and
// nowhere else, so a model added to the table is a model fully supported.
type LockSpec struct {
	Model LockModel
	// UserSlots is how many panel users one lock of the model takes; 0
	// means guardroom cannot give it users at all.
	UserSlots int
	Tags      bool // takes door-lock proximity tags
	MaxTags   int
	AutoLock  bool // locks itself again after it was opened
	Source    string
}

const (
	srcYale = "DOMAIN.md §1.7 and §4: Yale's Z-Wave locks (Assure) by analogy; the Doorman L2/L3 user and tag " +
		"counts are [unverified], and reference 003 names the L2/L3 as the locks that take tags"
	srcZWave = "DOMAIN.md §1.7: Z-Wave User Code CC v2, slots 1-250; no tags through the panel, auto-lock set on the lock itself"
	srcOther = "a lock guardroom knows nothing of: it can be locked and unlocked, and takes no users or tags"
)

var lockSpecs = []LockSpec{
	{Model: ModelYaleL2, UserSlots: 20, Tags: true, MaxTags: 20, AutoLock: true, Source: srcYale},
	{Model: ModelYaleL3, UserSlots: 20, Tags: true, MaxTags: 20, AutoLock: true, Source: srcYale},
	{Model: ModelZWave, UserSlots: 250, Source: srcZWave},
	{Model: ModelOther, Source: srcOther},
}

// LockSpecs returns the capability table, in the order forms offer it.
func LockSpecs() []LockSpec { return slices.Clone(lockSpecs) }

// Spec returns the model's capabilities; an unknown model (a record from
// a later version) can do nothing.
func (m LockModel) Spec() LockSpec {
	for _, s := range lockSpecs {
		if s.Model == m {
			return s
		}
	}
	return LockSpec{Model: m}
}

// ParseLockModel reads a model as an operator types it: the full name in
// any case, or a short form (l2, l3, zwave, other).
func ParseLockModel(s string) (LockModel, error) {
	key := strings.ToLower(strings.Join(strings.Fields(s), " "))
	switch key {
	case "l2", "doorman l2", "yale l2":
		return ModelYaleL2, nil
	case "l3", "doorman l3", "yale l3":
		return ModelYaleL3, nil
	case "zwave", "z-wave", "z-wave lock", "generic z-wave", "generic":
		return ModelZWave, nil
	}
	for _, spec := range lockSpecs {
		if strings.EqualFold(key, string(spec.Model)) {
			return spec.Model, nil
		}
	}
	names := make([]string, len(lockSpecs))
	for i, spec := range lockSpecs {
		names[i] = string(spec.Model)
	}
	return "", refuse(ErrInvalid, "lock model %q: choose %s", s, strings.Join(names, ", "))
}

// LowBatteryPercent is the battery level under which a lock is flagged:
// Yale locks warn at about this level, with weeks of use left.
const LowBatteryPercent = 20

// maxLockNumber bounds a lock's number on its panel (one byte on the
// wire of every panel protocol guardroom knows).
const maxLockNumber = 255

// Lock is a door lock linked to a panel.
type Lock struct {
	ID uint64 `json:"id"`
	// Number is the lock's number on its panel, as the panel's driver
	// addresses and reports it.
	Number int    `json:"number"`
	Name   string `json:"name"`
	// Model is one of the LockModel names of the capability table.
	Model string `json:"model"`
	Panel uint64 `json:"panel"`
	Unit  uint64 `json:"unit"`
	// State, Battery and LastSeen are what the lock last reported; until
	// it reports, the state is unknown and the battery means nothing.
	State    LockState `json:"state"`
	Battery  int       `json:"battery"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	Users    []int     `json:"users,omitempty"` // panel user slots, ascending
	// Sync is the lock's last job (lock, unlock, assign or unassign a
	// user) and its outcome.
	Sync    Sync      `json:"sync,omitzero"`
	Created time.Time `json:"created,omitzero"`
	// Tags are the tags given to users on this lock, read from the tag
	// index with the lock; they are not stored in the record.
	Tags []string `json:"-"`
}

// Spec is the lock's model's capabilities.
func (l Lock) Spec() LockSpec { return LockModel(l.Model).Spec() }

// BatteryKnown reports whether the lock has reported its battery.
func (l Lock) BatteryKnown() bool { return !l.LastSeen.IsZero() }

// LowBattery reports whether the lock's last report flags its battery.
func (l Lock) LowBattery() bool { return l.BatteryKnown() && l.Battery < LowBatteryPercent }

// Label is "lock 3 (Main entrance)".
func (l Lock) Label() string { return fmt.Sprintf("lock %d (%s)", l.ID, l.Name) }

func (l Lock) usersString() string {
	if len(l.Users) == 0 {
		return "none"
	}
	return joinInts(l.Users, ", ")
}

func getLock(txn *badger.Txn, id uint64) (Lock, error) {
	var l Lock
	err := getJSON(txn, lockKey(id), &l)
	if err == nil && l.State == "" {
		l.State = LockUnknown
	}
	return l, err
}

// readLock returns a lock in the actor's scope with its tags.
func (s *Store) readLock(txn *badger.Txn, a Actor, id uint64) (Lock, error) {
	l, err := getLock(txn, id)
	if errors.Is(err, badger.ErrKeyNotFound) || (err == nil && !s.unitInScope(a, l.Unit)) {
		return Lock{}, refuse(ErrNotFound, "no lock %d in your organization units: see guardroom lock list", id)
	}
	if err != nil {
		return Lock{}, fmt.Errorf("lock %d: %w", id, err)
	}
	l.Tags, err = lockTags(txn, id)
	return l, err
}

func lockTags(txn *badger.Txn, id uint64) ([]string, error) {
	var tags []string
	prefix := tagLockPrefix(id)
	err := scan(txn, prefix, false, func(k, _ []byte) error {
		tags = append(tags, string(k[len(prefix):]))
		return nil
	})
	return tags, err
}

// panelLocks returns the locks linked to a panel.
func panelLocks(txn *badger.Txn, panel uint64) ([]Lock, error) {
	var out []Lock
	err := scan(txn, pLock, true, func(_, v []byte) error {
		var l Lock
		if err := jsonUnmarshal(v, &l); err != nil {
			return err
		}
		if l.Panel == panel {
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

// writeLock stores a lock; its tags live in the tag index, not here.
func (w *wtx) writeLock(l Lock) {
	l.Tags = nil
	w.set(lockKey(l.ID), l)
	w.changed(Change{What: ChangeLock, Panel: l.Panel})
}

// lockPlace names a lock for the log: "panel 1 (North Tower) lock 3
// (Main entrance)".
func (w *wtx) lockPlace(p Panel, id uint64) string {
	l, err := getLock(w.txn, id)
	if err != nil {
		return fmt.Sprintf("%s lock %d", p.Label(), id)
	}
	return p.Label() + " " + l.Label()
}

// lockOp runs one operation on a lock with the common checks: the place
// named for the log before anything else, the permission, the lock and its
// panel in the actor's scope.
func (s *Store) lockOp(a Actor, perm Perm, action string, id uint64, body func(w *wtx, p Panel, l *Lock) error) error {
	w := s.begin(a, action, fmt.Sprintf("lock %d", id))
	return s.finish(w, func() error {
		if l, err := getLock(w.txn, id); err == nil && w.atPanel(l.Panel, " "+l.Label()) {
			w.panel = l.Panel
		}
		if err := a.need(perm); err != nil {
			return err
		}
		l, err := s.readLock(w.txn, a, id)
		if err != nil {
			return err
		}
		p, err := s.readPanel(w.txn, a, l.Panel)
		if err != nil {
			return err
		}
		return body(w, p, &l)
	})
}

func checkLockName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", refuse(ErrInvalid, "lock name is empty: name the door or its location")
	}
	if n := len([]rune(name)); n > 48 {
		return "", refuse(ErrInvalid, "lock name is %d characters long: keep it to 48", n)
	}
	if err := checkPlain("lock name", name); err != nil {
		return "", err
	}
	return name, nil
}

// checkLockNameFree refuses a name another lock of the panel has: the
// command line finds locks by name.
func checkLockNameFree(others []Lock, id uint64, p Panel, name string) error {
	for _, o := range others {
		if o.ID != id && strings.EqualFold(o.Name, name) {
			return refuse(ErrDuplicate, "%s has a lock named %q already (%s): choose another name", p.Label(), name, o.Label())
		}
	}
	return nil
}

// AddLock links a door lock to a panel whose family drives door locks.
// Number 0 takes the panel's lowest free lock number. Users, when given,
// are assigned as AssignLockUser would. State and battery are the lock's
// to report: they start unknown.
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
			return refuse(ErrUnsupported, "%s (%s) cannot have door locks: link the lock to a panel whose family drives door locks (guardroom panel families)", p.Name, p.Spec().Model)
		}
		if l.Name, err = checkLockName(l.Name); err != nil {
			return err
		}
		m, err := ParseLockModel(l.Model)
		if err != nil {
			return err
		}
		l.Model = string(m)
		others, err := panelLocks(w.txn, p.ID)
		if err != nil {
			return err
		}
		if err := checkLockNameFree(others, 0, p, l.Name); err != nil {
			return err
		}
		if l.Number, err = lockNumber(others, p, l.Number); err != nil {
			return err
		}
		users := l.Users
		l.Users = nil
		for _, slot := range users {
			u, err := readSlot(w.txn, p, slot)
			if err != nil {
				return err
			}
			if err := ruleAssignLockUser(p, l, u); err != nil {
				return err
			}
			l.Users = insertSorted(l.Users, slot)
		}
		w.seqs.Lock++
		l.ID, l.Unit, l.Created = w.seqs.Lock, p.Unit, s.now()
		l.State, l.Battery, l.LastSeen, l.Sync, l.Tags = LockUnknown, 0, time.Time{}, Sync{}, nil
		w.place = p.Label() + " " + l.Label()
		for _, slot := range l.Users {
			w.queueLockUser(p, &l, OpLockAssign, slot)
		}
		w.writeLock(l)
		w.log(nil, map[string]string{"name": l.Name, "model": l.Model, "number": strconv.Itoa(l.Number), "users": l.usersString()})
		return nil
	})
	return l, err
}

// lockNumber checks a lock's number on its panel, or picks the lowest free.
func lockNumber(others []Lock, p Panel, n int) (int, error) {
	used := map[int]Lock{}
	for _, o := range others {
		used[o.Number] = o
	}
	if n == 0 {
		for n = 1; n <= maxLockNumber; n++ {
			if _, ok := used[n]; !ok {
				return n, nil
			}
		}
		return 0, refuse(ErrState, "%s has %d locks, the most it addresses: remove one first", p.Label(), maxLockNumber)
	}
	if n < 1 || n > maxLockNumber {
		return 0, refuse(ErrInvalid, "lock number %d: a panel numbers its locks 1-%d", n, maxLockNumber)
	}
	if o, ok := used[n]; ok {
		return 0, refuse(ErrDuplicate, "lock number %d of %s is %s already: choose another number", n, p.Label(), o.Label())
	}
	return n, nil
}

func insertSorted(s []int, v int) []int {
	i, _ := slices.BinarySearch(s, v)
	return slices.Insert(s, i, v)
}

// readSlot reads a panel user, refusing a slot outside the panel.
func readSlot(txn *badger.Txn, p Panel, slot int) (PanelUser, error) {
	if slot < 1 || slot > p.Slots {
		return PanelUser{}, slotRange(p)
	}
	return readUser(txn, p, slot)
}

// LockEdit is a change to a lock's name or model; zero fields keep theirs.
type LockEdit struct {
	Name  string
	Model LockModel
}

// EditLock renames a lock or changes its model. A model that takes fewer
// users or tags than the lock holds is refused.
func (s *Store) EditLock(a Actor, id uint64, e LockEdit) error {
	return s.lockOp(a, PermManageLocksTags, "lock.edit", id, func(w *wtx, p Panel, l *Lock) error {
		before := map[string]string{"name": l.Name, "model": l.Model}
		if e.Name == "" && e.Model == "" {
			return refuse(ErrInvalid, "nothing to change: give a new name or model")
		}
		if e.Name != "" {
			name, err := checkLockName(e.Name)
			if err != nil {
				return err
			}
			others, err := panelLocks(w.txn, p.ID)
			if err != nil {
				return err
			}
			if err := checkLockNameFree(others, l.ID, p, name); err != nil {
				return err
			}
			l.Name = name
		}
		if e.Model != "" {
			m, err := ParseLockModel(string(e.Model))
			if err != nil {
				return err
			}
			spec := m.Spec()
			if n := len(l.Users); n > spec.UserSlots {
				return refuse(ErrState, "%s has %s assigned and a lock of model %s takes %d: unassign users first", l.Label(), plural(n, "user", "users"), m, spec.UserSlots)
			}
			if n := len(l.Tags); n > spec.MaxTags {
				return refuse(ErrState, "%s holds %s and a lock of model %s takes %d: free tags first", l.Label(), plural(n, "tag", "tags"), m, spec.MaxTags)
			}
			l.Model = string(m)
		}
		w.place = p.Label() + " " + l.Label()
		w.writeLock(*l)
		w.log(before, map[string]string{"name": l.Name, "model": l.Model})
		return nil
	})
}

// RemoveLock unlinks a lock. It is refused while users or tags are
// assigned to it, unless force, which unassigns them in the same
// transaction (the tags are freed, and they and the users are taken off
// the hardware).
func (s *Store) RemoveLock(a Actor, id uint64, force bool) error {
	return s.lockOp(a, PermManageLocksTags, "lock.remove", id, func(w *wtx, p Panel, l *Lock) error {
		if err := ruleRemoveLock(*l, force, commandOnItsWay(w.txn, *l)); err != nil {
			return err
		}
		before := map[string]string{"name": l.Name, "model": l.Model, "users": l.usersString(), "tags": strings.Join(l.Tags, ", ")}
		for _, id := range l.Tags {
			t, err := getTag(w.txn, id)
			if err != nil {
				return fmt.Errorf("tag %s of %s: %w", id, l.Label(), err)
			}
			if err := w.freeTag(&t); err != nil {
				return err
			}
			w.writeTag(t)
		}
		for _, slot := range l.Users {
			w.queueLockUser(p, l, OpLockUnassign, slot)
		}
		w.del(lockKey(l.ID))
		w.changed(Change{What: ChangeLock, Panel: l.Panel})
		w.log(before, map[string]string{"removed": "yes"})
		return nil
	})
}

// commandOnItsWay reports whether the job a lock's Sync shows pending is
// a lock or unlock command. A user's assignment on its way holds nothing
// up: the jobs queued after it wait for it in order.
func commandOnItsWay(txn *badger.Txn, l Lock) bool {
	if l.Sync.State != SyncPending && l.Sync.State != SyncKeypad {
		return false
	}
	var j Job
	if err := getJob(txn, l.Sync.Job, &j); err != nil {
		return true // unreadable: assume the worst
	}
	return !j.ForLockUser()
}

func ruleRemoveLock(l Lock, force, busy bool) error {
	if !force && (len(l.Users) > 0 || len(l.Tags) > 0) {
		return refuse(ErrState, "%s has %s and %s assigned: unassign them first, or remove it with force, which unassigns them",
			l.Label(), plural(len(l.Users), "user", "users"), plural(len(l.Tags), "tag", "tags"))
	}
	if busy {
		return onItsWay("a command for "+l.Label(), l.Sync.Job)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// AssignLockUser gives a panel user of the lock's panel the lock. The user
// must have a code. A job (OpLockAssign) takes the assignment to the
// panel, with the lock's Sync pending until it is applied: it carries the
// slot only, never the code, since the panel gives the lock the code it
// holds for the slot (drivers.Locks.AssignUser).
func (s *Store) AssignLockUser(a Actor, id uint64, slot int) error {
	return s.lockOp(a, PermManageLocksTags, "lock.assign", id, func(w *wtx, p Panel, l *Lock) error {
		w.slot = slot
		u, err := readSlot(w.txn, p, slot)
		if err != nil {
			return err
		}
		if err := ruleAssignLockUser(p, *l, u); err != nil {
			return err
		}
		before := l.usersString()
		l.Users = insertSorted(l.Users, slot)
		w.place = fmt.Sprintf("%s %s user %d", p.Label(), l.Label(), slot)
		w.queueLockUser(p, l, OpLockAssign, slot)
		w.writeLock(*l)
		w.log(map[string]string{"users": before}, map[string]string{"users": l.usersString()})
		return nil
	})
}

func ruleAssignLockUser(p Panel, l Lock, u PanelUser) error {
	switch {
	case !u.CodeSet:
		return noCode(p, u.Slot, "cannot be assigned to "+l.Label())
	case slices.Contains(l.Users, u.Slot):
		return refuse(ErrState, "panel user %d of %s is assigned to %s already", u.Slot, p.Name, l.Label())
	}
	return ruleLockRoom(l)
}

// ruleLockRoom refuses a user for a lock whose model takes no users, or
// no more.
func ruleLockRoom(l Lock) error {
	spec := l.Spec()
	switch {
	case spec.UserSlots == 0:
		return refuse(ErrUnsupported, "%s is a lock of model %s, which takes no panel users: edit its model if the lock takes codes", l.Label(), l.Model)
	case len(l.Users) >= spec.UserSlots:
		return refuse(ErrState, "%s has %s, the most a %s takes: unassign one first", l.Label(), plural(len(l.Users), "user", "users"), l.Model)
	}
	return nil
}

// UnassignLockUser takes the lock away from a panel user, and queues the
// job (OpLockUnassign) that takes it off the hardware.
func (s *Store) UnassignLockUser(a Actor, id uint64, slot int) error {
	return s.lockOp(a, PermManageLocksTags, "lock.unassign", id, func(w *wtx, p Panel, l *Lock) error {
		w.slot = slot
		i := slices.Index(l.Users, slot)
		if i < 0 {
			return refuse(ErrState, "panel user %d of %s is not assigned to %s", slot, p.Name, l.Label())
		}
		before := l.usersString()
		l.Users = slices.Delete(l.Users, i, i+1)
		w.place = fmt.Sprintf("%s %s user %d", p.Label(), l.Label(), slot)
		w.queueLockUser(p, l, OpLockUnassign, slot)
		w.writeLock(*l)
		w.log(map[string]string{"users": before}, map[string]string{"users": l.usersString()})
		return nil
	})
}

// LockDoor locks a door through its panel's driver.
func (s *Store) LockDoor(a Actor, id uint64) error {
	return s.lockCommand(a, "lock.lock", id, LockLocked, "")
}

// UnlockDoor unlocks a door through its panel's driver. The reason is
// required and logged: an open door is the one change a guard must be
// able to account for.
func (s *Store) UnlockDoor(a Actor, id uint64, reason string) error {
	return s.lockCommand(a, "lock.unlock", id, LockUnlocked, reason)
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", refuse(ErrInvalid, "give the reason for unlocking the door: it is logged with the command")
	}
	if n := len([]rune(reason)); n > 200 {
		return "", refuse(ErrInvalid, "the reason is %d characters long: keep it to 200", n)
	}
	if err := checkPlain("reason", reason); err != nil {
		return "", err
	}
	return reason, nil
}

func (s *Store) lockCommand(a Actor, action string, id uint64, to LockState, reason string) error {
	return s.lockOp(a, PermOperateDoors, action, id, func(w *wtx, p Panel, l *Lock) error {
		if to == LockUnlocked {
			var err error
			if reason, err = checkReason(reason); err != nil {
				return err
			}
		}
		if err := ruleLockCommand(*l, to, commandOnItsWay(w.txn, *l)); err != nil {
			return err
		}
		op := OpLock
		if to == LockUnlocked {
			op = OpUnlock
		}
		seq := w.queue(Job{Kind: JobDevice, Op: op, Panel: p.ID, Lock: l.ID, LockNo: l.Number})
		w.supersedeLockJob(l.Sync, seq, Job.command)
		before := l.State
		l.Sync = Sync{State: SyncPending, Job: seq}
		w.place = p.Label() + " " + l.Label()
		w.writeLock(*l)
		after := map[string]string{"requested": string(to)}
		if reason != "" {
			after["reason"] = reason
		}
		w.log(map[string]string{"state": string(before)}, after)
		return nil
	})
}

// ruleLockCommand refuses a command while another command for the lock
// is on its way (busy, see commandOnItsWay).
func ruleLockCommand(l Lock, to LockState, busy bool) error {
	switch {
	case busy:
		return onItsWay("a command for "+l.Label(), l.Sync.Job)
	case l.State == LockJammed:
		return refuse(ErrState, "%s is jammed: free the bolt at the door; the lock can be used again once it reports another state", l.Label())
	case l.State == to:
		return refuse(ErrState, "%s is %s already", l.Label(), to)
	}
	return nil
}

// queueLockUser queues the job that assigns the panel user in slot to l
// (OpLockAssign) or unassigns them (OpLockUnassign), and shows it in l's
// Sync; the caller writes l. A failed job for the same user is superseded:
// retrying it later would undo this change.
func (w *wtx) queueLockUser(p Panel, l *Lock, op JobOp, slot int) {
	seq := w.queue(Job{Kind: JobDevice, Op: op, Panel: p.ID, Lock: l.ID, LockNo: l.Number, Slot: slot})
	w.supersedeLockJob(l.Sync, seq, func(j Job) bool { return j.ForLockUser() && j.Slot == slot })
	l.Sync = Sync{State: SyncPending, Job: seq}
}

// supersedeLockJob cancels the failed job a lock's Sync shows when the new
// job seq replaces it (same): a new command replaces a failed command, a
// user's new assignment job that user's failed one, and nothing else (a
// failed assignment of another user must stay retryable).
func (w *wtx) supersedeLockJob(old Sync, seq uint64, same func(Job) bool) {
	if w.err != nil || old.State != SyncFailed || old.Job == 0 {
		return
	}
	j, err := w.readJob(old.Job)
	if err != nil || j.State != JobFailed || !same(j) {
		return
	}
	was := j
	j.State, j.LastError = JobCancelled, fmt.Sprintf("superseded by job %d", seq)
	w.putJob(j, &was)
}

// retryLockUser checks that a failed lock user job still says what the
// store holds, and shows the lock pending again: assigning a user who was
// unassigned since, or the other way round, would undo a later change.
func (w *wtx) retryLockUser(j Job) error {
	l, err := getLock(w.txn, j.Lock)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return refuse(ErrNotFound, "lock %d is no longer in guardroom: cancel job %d", j.Lock, j.Seq)
	}
	if err != nil {
		return err
	}
	on := slices.Contains(l.Users, j.Slot)
	if j.Op == OpLockAssign && !on {
		return refuse(ErrState, "panel user %d is no longer assigned to %s: assigning them again would undo a later change; cancel job %d", j.Slot, l.Label(), j.Seq)
	}
	if j.Op == OpLockUnassign && on {
		return refuse(ErrState, "panel user %d is assigned to %s again: unassigning them would undo a later change; cancel job %d", j.Slot, l.Label(), j.Seq)
	}
	l.Sync = Sync{State: SyncPending, Job: j.Seq}
	w.writeLock(l)
	return nil
}

// finishLock moves a lock's Sync, and its state when a lock or unlock
// command went through. The Sync follows the lock's latest job, except that
// a lock user job's failure shows even when a later job was queued, since
// the store then assigns a user the lock does not have (or the other way
// round). A lock removed meanwhile has nothing to show it on.
func (w *wtx) finishLock(j Job, sync Sync, r JobResult) error {
	l, err := getLock(w.txn, j.Lock)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("job %d lock %d: %w", j.Seq, j.Lock, err)
	}
	was := l
	if l.Sync.Job == j.Seq || (j.ForLockUser() && sync.State == SyncFailed) {
		l.Sync = sync
	}
	// A lock or unlock command is refused while another is on its way, so
	// the one that went through is the lock's latest command (the Sync
	// may show a user's assignment queued after it).
	if r.Err == "" && j.ForLock() {
		l.State = LockLocked
		if j.Op == OpUnlock {
			l.State = LockUnlocked
		}
	}
	if l.Sync == was.Sync && l.State == was.State {
		return nil
	}
	w.writeLock(l)
	return nil
}

// GetLock returns one lock in the actor's scope, with its tags.
func (s *Store) GetLock(a Actor, id uint64) (Lock, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return Lock{}, err
	}
	var l Lock
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		l, err = s.readLock(txn, a, id)
		return err
	})
	return l, err
}

// FindLock resolves a lock by number or name.
func (s *Store) FindLock(a Actor, ref string) (Lock, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseUint(ref, 10, 64); err == nil {
		return s.GetLock(a, id)
	}
	locks, err := s.ListLocks(a)
	if err != nil {
		return Lock{}, err
	}
	var found []Lock
	for _, l := range locks {
		if strings.EqualFold(l.Name, ref) {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Lock{}, refuse(ErrNotFound, "no lock %q in your organization units: give its number or name (guardroom lock list)", ref)
	}
	return Lock{}, refuse(ErrInvalid, "%d locks are named %q: give the lock's number (guardroom lock list)", len(found), ref)
}

// ListLocks returns the locks in the actor's scope, with their tags.
func (s *Store) ListLocks(a Actor) ([]Lock, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Lock
	err := s.db.View(func(txn *badger.Txn) error {
		if err := scan(txn, pLock, true, func(_, v []byte) error {
			var l Lock
			if err := jsonUnmarshal(v, &l); err != nil {
				return err
			}
			if l.State == "" {
				l.State = LockUnknown
			}
			if s.unitInScope(a, l.Unit) {
				out = append(out, l)
			}
			return nil
		}); err != nil {
			return err
		}
		// One pass over the lock index gives every lock its tags.
		at := map[uint64]int{}
		for i, l := range out {
			at[l.ID] = i
		}
		return scan(txn, pIdxTagLock, false, func(k, _ []byte) error {
			rest := k[len(pIdxTagLock):]
			if len(rest) <= 8 {
				return nil
			}
			if i, ok := at[binary.BigEndian.Uint64(rest)]; ok {
				out[i].Tags = append(out[i].Tags, string(rest[8:]))
			}
			return nil
		})
	})
	return out, err
}

// LockAlerts counts the locks a guard must look at.
type LockAlerts struct {
	Jammed     int
	LowBattery int
}

// LockAlerts counts the jammed locks and those with a low battery in the
// actor's scope, for a header's summary.
func (s *Store) LockAlerts(a Actor) (LockAlerts, error) {
	var c LockAlerts
	if err := a.need(PermViewEquipment); err != nil {
		return c, err
	}
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pLock, true, func(_, v []byte) error {
			var l Lock
			if err := jsonUnmarshal(v, &l); err != nil {
				return err
			}
			if !s.unitInScope(a, l.Unit) {
				return nil
			}
			if l.State == LockJammed {
				c.Jammed++
			}
			if l.LowBattery() {
				c.LowBattery++
			}
			return nil
		})
	})
	return c, err
}

func (s *Store) commandOnItsWay(l Lock) bool {
	busy := true
	s.db.View(func(txn *badger.Txn) error {
		busy = commandOnItsWay(txn, l)
		return nil
	})
	return busy
}

// LockReport is one lock's state as its panel reports it.
type LockReport struct {
	Number  int // on the panel
	State   LockState
	Battery int // percent
}

// ReportLocks records what a panel reports of its locks: state changes
// are logged (a door opened at the lock, a jam), a battery falling under
// LowBatteryPercent is logged once, and the last answer is kept to the
// minute, so a poll every few seconds does not write every few seconds.
func (s *Store) ReportLocks(a Actor, panel uint64, got []LockReport) error {
	if err := a.needInternal(dispatchReports); err != nil {
		return err
	}
	now := s.now()
	byNumber := make(map[int]LockReport, len(got))
	for _, r := range got {
		if r.State == "" {
			r.State = LockUnknown
		}
		r.Battery = min(max(r.Battery, 0), 100)
		byNumber[r.Number] = r
	}
	changed := func(l Lock) bool {
		r, ok := byNumber[l.Number]
		return ok && (l.State != r.State || l.Battery != r.Battery || now.Sub(l.LastSeen) >= seenEvery)
	}
	var p Panel
	var locks []Lock
	if err := s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, panelKey(panel), &p); err != nil {
			return fmt.Errorf("panel %d: %w", panel, err)
		}
		var err error
		locks, err = panelLocks(txn, panel)
		return err
	}); err != nil {
		return err
	}
	if !slices.ContainsFunc(locks, changed) {
		return nil
	}
	w := s.begin(a, "lock.state", p.Label())
	return s.finish(w, func() error {
		locks, err := panelLocks(w.txn, panel)
		if err != nil {
			return err
		}
		for _, l := range locks {
			if !changed(l) {
				continue
			}
			r := byNumber[l.Number]
			w.unit, w.panel, w.slot, w.place = p.Unit, p.ID, 0, p.Label()+" "+l.Label()
			if l.State != r.State {
				w.action = "lock.state"
				w.appendLog(map[string]string{"state": string(l.State)}, map[string]string{"state": string(r.State)}, "reported by the lock")
			}
			was := l
			l.State, l.Battery, l.LastSeen = r.State, r.Battery, now
			if l.LowBattery() && !was.LowBattery() {
				w.action = "lock.battery"
				before := map[string]string{"battery": "unknown"}
				if was.BatteryKnown() {
					before["battery"] = fmt.Sprintf("%d%%", was.Battery)
				}
				w.appendLog(before, map[string]string{"battery": fmt.Sprintf("%d%%", l.Battery)}, "low battery: replace the lock's batteries")
			}
			w.writeLock(l)
		}
		return nil
	})
}

// LockAction names an operation on a lock that a console may offer.
type LockAction string

// Lock actions.
const (
	ActLockDoor     LockAction = "lock"
	ActUnlockDoor   LockAction = "unlock"
	ActRemoveLock   LockAction = "remove"
	ActAssignToLock LockAction = "assign user"
)

// CheckLock reports whether the actor may do act on lock l right now,
// with the refusal the operation itself would return. For ActAssignToLock
// it checks the lock (its model, its room for users), not a user.
func (s *Store) CheckLock(a Actor, l Lock, act LockAction) error {
	perm := PermManageLocksTags
	if act == ActLockDoor || act == ActUnlockDoor {
		perm = PermOperateDoors
	}
	if err := a.need(perm); err != nil {
		return err
	}
	// The scope is the stored lock's, not the one passed in: the rules
	// below read the store (the lock's job) on its word.
	if err := s.db.View(func(txn *badger.Txn) error {
		_, err := s.readLock(txn, a, l.ID)
		return err
	}); err != nil {
		return err
	}
	switch act {
	case ActLockDoor:
		return ruleLockCommand(l, LockLocked, s.commandOnItsWay(l))
	case ActUnlockDoor:
		return ruleLockCommand(l, LockUnlocked, s.commandOnItsWay(l))
	case ActRemoveLock:
		return ruleRemoveLock(l, false, s.commandOnItsWay(l))
	case ActAssignToLock:
		return ruleLockRoom(l)
	}
	return refuse(ErrInvalid, "unknown action %q", act)
}
