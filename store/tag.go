package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/tagid"
)

// TagKind is the kind of proximity tag.
type TagKind string

// Tag kinds.
const (
	TagKeypad TagKind = "keypad"    // a legacy tag read by the panel's keypads
	TagLock   TagKind = "door-lock" // a tag read by a door lock (Yale Doorman L2/L3)
)

// ParseTagKind reads a kind as an operator or a CSV file writes it.
func ParseTagKind(s string) (TagKind, error) {
	switch strings.ToLower(strings.Join(strings.Fields(s), " ")) {
	case "keypad", "keypad tag", "legacy":
		return TagKeypad, nil
	case "door-lock", "door lock", "doorlock", "lock", "door-lock tag":
		return TagLock, nil
	}
	return "", refuse(ErrInvalid, "tag kind %q: choose keypad (read by a keypad with a proximity reader) or door-lock (read by a door lock)", s)
}

// TagStatus is the state of a tag.
type TagStatus string

// Tag statuses.
const (
	TagActive   TagStatus = "active"
	TagDisabled TagStatus = "disabled"
	TagLost     TagStatus = "lost"
)

// Tag is a proximity tag. Its ID is the canonical spelling of store/tagid,
// unique across the site. A tag is given to a panel user (Slot) of its
// panel, on the panel's keypads or on one of its locks; a freed tag has no
// owner and no lock, keeps its panel (so that it stays in the same
// organization unit) and can be enrolled for someone else.
type Tag struct {
	ID       string    `json:"id"`
	Kind     TagKind   `json:"kind"`
	Panel    uint64    `json:"panel"`
	Slot     int       `json:"slot,omitempty"`
	Lock     uint64    `json:"lock,omitempty"`
	Status   TagStatus `json:"status"`
	Enrolled time.Time `json:"enrolled"`
	// Sync is the tag's last add or remove job and its outcome.
	Sync Sync `json:"sync,omitzero"`
}

// Assigned reports whether the tag is given to a panel user.
func (t Tag) Assigned() bool { return t.Slot != 0 }

// kindByte is the tag's kind in the owner index.
func (t Tag) kindByte() byte {
	if t.Kind == TagKeypad {
		return 'k'
	}
	return 'l'
}

func getTag(txn *badger.Txn, id string) (Tag, error) {
	var t Tag
	err := getJSON(txn, tagKey(id), &t)
	return t, err
}

// canonicalTag normalises a tag ID; the message never repeats the input,
// which may be a code typed in the wrong field.
func canonicalTag(s string) (string, error) {
	id, err := tagid.Parse(s)
	if err != nil {
		return "", refuse(ErrInvalid, "tag ID not valid: %v", err)
	}
	return id.String(), nil
}

// readTag returns a tag on a panel in the actor's scope.
func (s *Store) readTag(txn *badger.Txn, a Actor, id string) (Tag, Panel, error) {
	t, err := getTag(txn, id)
	var p Panel
	if err == nil {
		err = getJSON(txn, panelKey(t.Panel), &p)
	}
	if errors.Is(err, badger.ErrKeyNotFound) || (err == nil && !s.unitInScope(a, p.Unit)) {
		return Tag{}, Panel{}, refuse(ErrNotFound, "no tag %s in your organization units: see guardroom tag list", id)
	}
	if err != nil {
		return Tag{}, Panel{}, fmt.Errorf("tag %s: %w", id, err)
	}
	return t, p, nil
}

func (w *wtx) writeTag(t Tag) {
	w.set(tagKey(t.ID), t)
	w.changed(Change{What: ChangeTag, Panel: t.Panel, Slot: t.Slot})
}

// indexTag and unindexTag keep the owner and lock indexes in step with an
// assigned tag.
func (w *wtx) indexTag(t Tag) {
	w.setRaw(tagOwnerKey(t.Panel, t.Slot, t.ID), []byte{t.kindByte()})
	if t.Lock != 0 {
		w.setRaw(tagLockKey(t.Lock, t.ID), nil)
	}
}

func (w *wtx) unindexTag(t Tag) {
	w.del(tagOwnerKey(t.Panel, t.Slot, t.ID))
	if t.Lock != 0 {
		w.del(tagLockKey(t.Lock, t.ID))
	}
}

// queueTag queues adding the tag to, or removing it from, its lock or its
// panel's keypads, and marks the tag pending. lockNo is the lock's number
// on the panel.
func (w *wtx) queueTag(t *Tag, op JobOp, lockNo int) {
	seq := w.queue(Job{Kind: JobDevice, Op: op, Panel: t.Panel, Slot: t.Slot, Lock: t.Lock, LockNo: lockNo, Tag: t.ID})
	w.supersedeJob(t.Sync, seq)
	t.Sync = Sync{State: SyncPending, Job: seq}
}

// takeOff queues the tag's removal from the hardware if it is on it.
func (w *wtx) takeOff(t *Tag) error {
	if t.Status != TagActive || !t.Assigned() {
		return nil
	}
	lockNo := 0
	if t.Lock != 0 {
		l, err := getLock(w.txn, t.Lock)
		if err != nil {
			return fmt.Errorf("tag %s lock %d: %w", t.ID, t.Lock, err)
		}
		lockNo = l.Number
	}
	w.queueTag(t, OpRemoveTag, lockNo)
	return nil
}

// freeTag takes a tag off the hardware and away from its owner and lock:
// it shows as unassigned and can be enrolled for someone else. A lost tag
// stays marked lost; an active one becomes disabled until enrolled again.
func (w *wtx) freeTag(t *Tag) error {
	if err := w.takeOff(t); err != nil {
		return err
	}
	w.unindexTag(*t)
	if t.Status == TagActive {
		t.Status = TagDisabled
	}
	t.Slot, t.Lock = 0, 0
	return nil
}

// supersedeJob cancels the failed job a record's Sync points at: a new
// job for the same lock or tag makes retrying it wrong.
func (w *wtx) supersedeJob(old Sync, seq uint64) {
	if w.err != nil || old.State != SyncFailed || old.Job == 0 {
		return
	}
	j, err := w.readJob(old.Job)
	if err != nil || j.State != JobFailed {
		return
	}
	was := j
	j.State, j.LastError = JobCancelled, fmt.Sprintf("superseded by job %d", seq)
	j.dropSecrets()
	w.putJob(j, &was)
}

func tagOwner(t Tag) string {
	if !t.Assigned() {
		return "unassigned"
	}
	return fmt.Sprintf("user %d", t.Slot)
}

func (t Tag) state() map[string]string {
	m := map[string]string{"status": string(t.Status), "owner": tagOwner(t), "kind": string(t.Kind)}
	if t.Lock != 0 {
		m["lock"] = fmt.Sprint(t.Lock)
	}
	return m
}

// tagRules checks tags to enrol as one transaction sees the store, and
// for an import also against the rows checked before: EnrolTag and
// ImportTags share it, so a row is refused with the words EnrolTag uses.
type tagRules struct {
	s   *Store
	a   Actor
	txn *badger.Txn
	// allowFree lets an existing unassigned tag be enrolled again
	// (EnrolTag); an import takes new tags only.
	allowFree bool
	// bulk reads a panel's users and the tag IDs in one scan each, for an
	// import's thousands of rows, instead of a read per row.
	bulk     bool
	bulkUser map[uint64]bool
	tagIDs   map[string]bool

	panels map[uint64]panelView
	locks  map[uint64]lockView
	users  map[ownerSlot]userView
	keypad map[uint64]map[int]string // panel → slot → its keypad tag
	added  map[uint64]int            // tags this import adds per lock
	seen   map[string]int            // tag → line, in this import
}

type ownerSlot struct {
	panel uint64
	slot  int
}

type panelView struct {
	p   Panel
	err error
}

type lockView struct {
	l   Lock
	err error
}

type userView struct {
	u   PanelUser
	err error
}

func (s *Store) newTagRules(txn *badger.Txn, a Actor, allowFree bool) *tagRules {
	return &tagRules{s: s, a: a, txn: txn, allowFree: allowFree,
		panels: map[uint64]panelView{}, locks: map[uint64]lockView{}, users: map[ownerSlot]userView{},
		keypad: map[uint64]map[int]string{}, added: map[uint64]int{}, seen: map[string]int{}}
}

func (r *tagRules) panel(id uint64) (Panel, error) {
	v, ok := r.panels[id]
	if !ok {
		v.p, v.err = r.s.readPanel(r.txn, r.a, id)
		r.panels[id] = v
	}
	return v.p, v.err
}

func (r *tagRules) lock(id uint64) (Lock, error) {
	v, ok := r.locks[id]
	if !ok {
		v.l, v.err = r.s.readLock(r.txn, r.a, id)
		r.locks[id] = v
	}
	return v.l, v.err
}

func (r *tagRules) user(p Panel, slot int) (PanelUser, error) {
	k := ownerSlot{p.ID, slot}
	if r.bulk && !r.bulkUser[p.ID] {
		r.bulkUser[p.ID] = true
		if err := scan(r.txn, userPrefix(p.ID), true, func(key, v []byte) error {
			var u PanelUser
			if err := decodeUser(key, v, &u); err != nil {
				return err
			}
			r.users[ownerSlot{p.ID, u.Slot}] = userView{u: u}
			return nil
		}); err != nil {
			return PanelUser{}, err
		}
	}
	v, ok := r.users[k]
	if !ok {
		v.u, v.err = readSlot(r.txn, p, slot)
		r.users[k] = v
	}
	return v.u, v.err
}

// keypadTag returns the keypad tag a panel user holds, "" if none.
func (r *tagRules) keypadTag(panel uint64, slot int) (string, error) {
	m, ok := r.keypad[panel]
	if !ok {
		m = map[int]string{}
		prefix := k(pIdxTagOwner, u64(panel))
		err := scan(r.txn, prefix, true, func(key, v []byte) error {
			rest := key[len(prefix):]
			if len(rest) > 4 && len(v) == 1 && v[0] == 'k' {
				m[int(binary.BigEndian.Uint32(rest))] = string(rest[4:])
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		r.keypad[panel] = m
	}
	return m[slot], nil
}

// existing reads the tag stored under id, if any. In bulk one scan of
// the tag keys answers for every row, and only a known ID is read.
func (r *tagRules) existing(id string) (Tag, bool, error) {
	if r.bulk {
		if r.tagIDs == nil {
			r.tagIDs = map[string]bool{}
			if err := scan(r.txn, pTag, false, func(k, _ []byte) error {
				r.tagIDs[string(k[len(pTag):])] = true
				return nil
			}); err != nil {
				return Tag{}, false, err
			}
		}
		if !r.tagIDs[id] {
			return Tag{}, false, nil
		}
	}
	t, err := getTag(r.txn, id)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Tag{}, false, nil
	}
	if err != nil {
		return Tag{}, false, fmt.Errorf("tag %s: %w", id, err)
	}
	return t, true, nil
}

// check refuses a tag that cannot be enrolled, and fills in its canonical
// ID and, for a door-lock tag, its panel. It returns the tag as stored
// when an unassigned tag is enrolled again.
func (r *tagRules) check(t *Tag) (*Tag, error) {
	id, err := canonicalTag(t.ID)
	if err != nil {
		return nil, err
	}
	t.ID = id
	if line, ok := r.seen[id]; ok {
		return nil, refuse(ErrDuplicate, "tag %s repeats line %d: a tag ID is given once", id, line)
	}
	var again *Tag
	old, found, err := r.existing(id)
	if err != nil {
		return nil, err
	}
	if found {
		var oldPanel Panel
		if getJSON(r.txn, panelKey(old.Panel), &oldPanel) != nil || !r.s.unitInScope(r.a, oldPanel.Unit) {
			return nil, refuse(ErrDuplicate, "tag %s is enrolled already, outside your organization units: tag IDs are unique across the site", id)
		}
		switch {
		case old.Assigned():
			return nil, refuse(ErrDuplicate, "tag %s is given to panel user %d of %s already: tag IDs are unique across the site; free it first to give it to someone else", id, old.Slot, oldPanel.Name)
		case !r.allowFree:
			return nil, refuse(ErrDuplicate, "tag %s exists already (unassigned): enrol it on its own to give it to someone", id)
		}
		again = &old
	}
	kind, err := ParseTagKind(string(t.Kind))
	if err != nil {
		return nil, err
	}
	t.Kind = kind
	var p Panel
	switch t.Kind {
	case TagLock:
		if t.Lock == 0 {
			return nil, refuse(ErrInvalid, "a door-lock tag is enrolled on a lock: name the lock")
		}
		l, err := r.lock(t.Lock)
		if err != nil {
			return nil, err
		}
		if t.Panel != 0 && t.Panel != l.Panel {
			return nil, refuse(ErrInvalid, "%s is on panel %d, not panel %d: give the lock's panel, or leave the panel out", l.Label(), l.Panel, t.Panel)
		}
		t.Panel = l.Panel
		if p, err = r.panel(t.Panel); err != nil {
			return nil, err
		}
		spec := l.Spec()
		if !spec.Tags {
			return nil, refuse(ErrUnsupported, "%s is a %s, which reads no tags: door-lock tags need a lock that does (Yale Doorman L2 or L3)", l.Label(), l.Model)
		}
		if n := len(l.Tags) + r.added[l.ID]; n >= spec.MaxTags {
			return nil, refuse(ErrState, "%s holds %s, the most a %s takes: free one first", l.Label(), plural(n, "tag", "tags"), l.Model)
		}
	case TagKeypad:
		if t.Lock != 0 {
			return nil, refuse(ErrInvalid, "a keypad tag is not enrolled on a lock: leave the lock out, or make it a door-lock tag")
		}
		if p, err = r.panel(t.Panel); err != nil {
			return nil, err
		}
		if !p.Spec().KeypadProx {
			return nil, refuse(ErrUnsupported, "%s (%s) has no keypads with a proximity reader: keypad tags cannot be enrolled there", p.Name, p.Spec().Model)
		}
	}
	if t.Slot == 0 {
		return nil, refuse(ErrInvalid, "a tag is given to a panel user: name the user's slot")
	}
	u, err := r.user(p, t.Slot)
	if err != nil {
		return nil, err
	}
	if !u.CodeSet {
		return nil, noCode(p, t.Slot, "tag cannot be given")
	}
	if t.Kind == TagKeypad {
		held, err := r.keypadTag(p.ID, t.Slot)
		if err != nil {
			return nil, err
		}
		if held != "" {
			return nil, refuse(ErrState, "panel user %d of %s holds keypad tag %s already: a keypad user slot holds one tag; free that tag first", t.Slot, p.Name, held)
		}
	}
	return again, nil
}

// accept records a checked row of an import, so the rows after it see it.
func (r *tagRules) accept(t Tag, line int) {
	r.seen[t.ID] = line
	if t.Kind == TagKeypad {
		r.keypad[t.Panel][t.Slot] = t.ID // keypadTag loaded the panel's map in check
	} else {
		r.added[t.Lock]++
	}
}

// EnrolTag gives a proximity tag to a panel user: a keypad tag on a panel
// whose keypads read tags, or a door-lock tag on a lock whose model reads
// them (its panel is the lock's). The user must have a code; a keypad user
// holds one keypad tag. An unassigned tag is enrolled again; any other
// existing tag ID is refused, since tag IDs are unique across the site.
// The tag is queued to its lock or keypads.
func (s *Store) EnrolTag(a Actor, t Tag) (Tag, error) {
	w := s.begin(a, "tag.enrol", "tag")
	w.panel, w.slot = t.Panel, t.Slot
	err := s.finish(w, func() error {
		if id, err := canonicalTag(t.ID); err == nil {
			w.place = "tag " + id
		}
		if t.Panel != 0 {
			w.atPanel(t.Panel, " "+w.place)
		}
		if err := a.need(PermManageLocksTags); err != nil {
			return err
		}
		r := s.newTagRules(w.txn, a, true)
		again, err := r.check(&t)
		if err != nil {
			return err
		}
		p, _ := r.panel(t.Panel)
		w.unit, w.panel, w.place = p.Unit, p.ID, p.Label()+" tag "+t.ID
		lockNo := 0
		if t.Lock != 0 {
			l, _ := r.lock(t.Lock)
			lockNo, w.place = l.Number, p.Label()+" "+l.Label()+" tag "+t.ID
		}
		before := map[string]string(nil)
		if again != nil {
			before = again.state()
			t.Sync = again.Sync
		} else {
			t.Sync = Sync{}
		}
		t.Status, t.Enrolled = TagActive, s.now()
		w.indexTag(t)
		w.queueTag(&t, OpAddTag, lockNo)
		w.writeTag(t)
		w.log(before, t.state())
		return nil
	})
	return t, err
}

// tagOp runs one operation on a tag with the common checks: the place
// named for the log first, the permission, the tag's panel in scope.
func (s *Store) tagOp(a Actor, action, ref string, body func(w *wtx, p Panel, t *Tag) error) error {
	w := s.begin(a, action, "tag")
	return s.finish(w, func() error {
		id, perr := canonicalTag(ref)
		if perr == nil {
			w.place = "tag " + id
			if t, err := getTag(w.txn, id); err == nil && w.atPanel(t.Panel, " tag "+id) {
				w.panel, w.slot = t.Panel, t.Slot
			}
		}
		if err := a.need(PermManageLocksTags); err != nil {
			return err
		}
		if perr != nil {
			return perr
		}
		t, p, err := s.readTag(w.txn, a, id)
		if err != nil {
			return err
		}
		return body(w, p, &t)
	})
}

// DisableTag takes a tag off the hardware, keeping its owner.
func (s *Store) DisableTag(a Actor, id string) error {
	return s.tagOp(a, "tag.disable", id, func(w *wtx, p Panel, t *Tag) error {
		if err := ruleDisableTag(*t); err != nil {
			return err
		}
		before := t.state()
		if err := w.takeOff(t); err != nil {
			return err
		}
		t.Status = TagDisabled
		w.writeTag(*t)
		w.log(before, t.state())
		return nil
	})
}

// MarkTagLost marks a tag lost and, if it is on the hardware, queues its
// removal at once: a lost tag must stop opening doors before anything else.
func (s *Store) MarkTagLost(a Actor, id string) error {
	return s.tagOp(a, "tag.lost", id, func(w *wtx, p Panel, t *Tag) error {
		if err := ruleLostTag(*t); err != nil {
			return err
		}
		before := t.state()
		if err := w.takeOff(t); err != nil {
			return err
		}
		t.Status = TagLost
		w.writeTag(*t)
		w.log(before, t.state())
		return nil
	})
}

// FreeTag takes a tag away from its owner (and off the hardware): it shows
// as unassigned and can be enrolled for someone else.
func (s *Store) FreeTag(a Actor, id string) error {
	return s.tagOp(a, "tag.free", id, func(w *wtx, p Panel, t *Tag) error {
		if err := ruleFreeTag(*t); err != nil {
			return err
		}
		before := t.state()
		if err := w.freeTag(t); err != nil {
			return err
		}
		w.writeTag(*t)
		w.log(before, t.state())
		return nil
	})
}

func ruleDisableTag(t Tag) error {
	switch {
	case !t.Assigned():
		return refuse(ErrState, "tag %s is not given to anyone: nothing to disable", t.ID)
	case t.Status == TagDisabled:
		return refuse(ErrState, "tag %s is disabled already", t.ID)
	case t.Status == TagLost:
		return refuse(ErrState, "tag %s is marked lost: it is off the hardware already", t.ID)
	}
	return nil
}

func ruleLostTag(t Tag) error {
	if t.Status == TagLost {
		return refuse(ErrState, "tag %s is marked lost already", t.ID)
	}
	return nil
}

func ruleFreeTag(t Tag) error {
	if !t.Assigned() {
		return refuse(ErrState, "tag %s is not given to anyone already: it can be enrolled for a user", t.ID)
	}
	return nil
}

// releaseUser frees a panel user's tags and takes their locks away, in
// the transaction that removes the user's code: a user without a code no
// longer exists on the panel, so nothing may open a door for them. It
// returns what it changed, for the log entry.
func (w *wtx) releaseUser(p Panel, slot int) (tags, locks []string, err error) {
	prefix := tagOwnerPrefix(p.ID, slot)
	if err := scan(w.txn, prefix, false, func(k, _ []byte) error {
		tags = append(tags, string(k[len(prefix):]))
		return nil
	}); err != nil {
		return nil, nil, err
	}
	for _, id := range tags {
		t, err := getTag(w.txn, id)
		if err != nil {
			return nil, nil, fmt.Errorf("tag %s of panel user %d: %w", id, slot, err)
		}
		if err := w.freeTag(&t); err != nil {
			return nil, nil, err
		}
		w.writeTag(t)
	}
	all, err := panelLocks(w.txn, p.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, l := range all {
		if i := slices.Index(l.Users, slot); i >= 0 {
			l.Users = slices.Delete(l.Users, i, i+1)
			w.queueLockUser(p, &l, OpLockUnassign, slot)
			w.writeLock(l)
			locks = append(locks, fmt.Sprint(l.ID))
		}
	}
	return tags, locks, nil
}

// syncTag moves a tag's Sync when the job is the tag's latest.
func (w *wtx) syncTag(j Job, sync Sync) error {
	t, err := getTag(w.txn, j.Tag)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("job %d tag %s: %w", j.Seq, j.Tag, err)
	}
	if t.Sync.Job != j.Seq {
		return nil
	}
	t.Sync = sync
	w.writeTag(t)
	return nil
}

// syncLockOrTag shows a lock command's or tag job's new Sync (cancelled,
// keypad steps) on the lock or tag, when the job is its latest.
func (w *wtx) syncLockOrTag(j Job, sync Sync) error {
	if j.ForTag() {
		return w.syncTag(j, sync)
	}
	l, err := getLock(w.txn, j.Lock)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("job %d lock %d: %w", j.Seq, j.Lock, err)
	}
	if l.Sync.Job == j.Seq {
		l.Sync = sync
		w.writeLock(l)
	}
	return nil
}

// retryTag checks that a failed tag job still says what the store holds,
// and shows the tag pending again: enrolling a tag that was freed since,
// or removing one enrolled again since, would undo a later change.
func (w *wtx) retryTag(j Job) error {
	t, err := getTag(w.txn, j.Tag)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return refuse(ErrNotFound, "tag %s is no longer in guardroom: cancel job %d", j.Tag, j.Seq)
	}
	if err != nil {
		return err
	}
	on := t.Status == TagActive && t.Panel == j.Panel && t.Slot == j.Slot && t.Lock == j.Lock
	if j.Op == OpAddTag && !on {
		return refuse(ErrState, "tag %s is no longer active for panel user %d there: enrolling it again would undo a later change; cancel job %d", j.Tag, j.Slot, j.Seq)
	}
	if j.Op == OpRemoveTag && on {
		return refuse(ErrState, "tag %s is active there again: removing it would undo a later change; cancel job %d", j.Tag, j.Seq)
	}
	t.Sync = Sync{State: SyncPending, Job: j.Seq}
	w.writeTag(t)
	return nil
}

// tagPlace names a tag job's place for the log.
func (w *wtx) tagPlace(p Panel, j Job) string {
	if j.Lock != 0 {
		return w.lockPlace(p, j.Lock) + " tag " + j.Tag
	}
	return fmt.Sprintf("%s keypads tag %s", p.Label(), j.Tag)
}

// GetTag returns one tag in the actor's scope; id may be any spelling
// store/tagid reads.
func (s *Store) GetTag(a Actor, id string) (Tag, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return Tag{}, err
	}
	canon, err := canonicalTag(id)
	if err != nil {
		return Tag{}, err
	}
	var t Tag
	err = s.db.View(func(txn *badger.Txn) error {
		var err error
		t, _, err = s.readTag(txn, a, canon)
		return err
	})
	return t, err
}

// ListTags returns the tags on panels in the actor's scope, by tag ID.
func (s *Store) ListTags(a Actor) ([]Tag, error) {
	var out []Tag
	err := s.eachTag(a, func(t Tag) error {
		out = append(out, t)
		return nil
	})
	return out, err
}

// eachTag calls fn with each tag ListTags lists, one at a time; an error
// from fn ends it and is returned.
func (s *Store) eachTag(a Actor, fn func(t Tag) error) error {
	if err := a.need(PermViewEquipment); err != nil {
		return err
	}
	return s.db.View(func(txn *badger.Txn) error {
		inScope := s.panelScope(txn, a)
		return scan(txn, pTag, true, func(_, v []byte) error {
			var t Tag
			if err := jsonUnmarshal(v, &t); err != nil {
				return err
			}
			if !inScope(t.Panel) {
				return nil
			}
			return fn(t)
		})
	})
}

// panelScope answers whether a panel is in the actor's scope, reading each
// panel once.
func (s *Store) panelScope(txn *badger.Txn, a Actor) func(panel uint64) bool {
	seen := map[uint64]bool{}
	return func(id uint64) bool {
		ok, known := seen[id]
		if !known {
			var p Panel
			ok = getJSON(txn, panelKey(id), &p) == nil && s.unitInScope(a, p.Unit)
			seen[id] = ok
		}
		return ok
	}
}

// UserTags returns the tags given to one panel user.
func (s *Store) UserTags(a Actor, panel uint64, slot int) ([]Tag, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Tag
	err := s.db.View(func(txn *badger.Txn) error {
		if _, err := s.readPanel(txn, a, panel); err != nil {
			return err
		}
		prefix := tagOwnerPrefix(panel, slot)
		return scan(txn, prefix, false, func(k, _ []byte) error {
			t, err := getTag(txn, string(k[len(prefix):]))
			if err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// TagAction names an operation on a tag that a console may offer.
type TagAction string

// Tag actions.
const (
	ActDisableTag TagAction = "disable"
	ActLostTag    TagAction = "mark lost"
	ActFreeTag    TagAction = "free"
)

// CheckTag reports whether the actor may do act on tag t right now, with
// the refusal the operation itself would return.
func (s *Store) CheckTag(a Actor, t Tag, act TagAction) error {
	if err := a.need(PermManageLocksTags); err != nil {
		return err
	}
	var inScope bool
	if err := s.db.View(func(txn *badger.Txn) error {
		inScope = s.panelScope(txn, a)(t.Panel)
		return nil
	}); err != nil {
		return err
	}
	if !inScope {
		return refuse(ErrNotFound, "no tag %s in your organization units", t.ID)
	}
	switch act {
	case ActDisableTag:
		return ruleDisableTag(t)
	case ActLostTag:
		return ruleLostTag(t)
	case ActFreeTag:
		return ruleFreeTag(t)
	}
	return refuse(ErrInvalid, "unknown action %q", act)
}
