package store

import (
	"crypto/hmac"
	"crypto/sha256"
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

// SyncState says whether the hardware has what the store holds.
type SyncState string

// Sync states.
const (
	SyncInSync     SyncState = "in sync"
	SyncPending    SyncState = "pending"
	SyncFailed     SyncState = "failed"
	SyncDrift      SyncState = "drift"
	SyncUnverified SyncState = "applied by operator (unverified)"
	// SyncKeypad: the change waits for a person to key it in at the panel
	// (guided driver) and confirm it.
	SyncKeypad SyncState = "keypad steps waiting"
	// SyncCancelled: the change was cancelled before the panel confirmed
	// it; the next poll tells whether the panel has it.
	SyncCancelled SyncState = "not applied (cancelled)"
	// SyncNone: a slot without a code and no change on its way. The panel
	// has no user there, so there is nothing to be in sync with; grids
	// and lists show it as "-" (see PanelUser.ShownSync).
	SyncNone SyncState = "none"
)

// Sync is a panel user's (or a partition's) last device job and its
// outcome.
type Sync struct {
	State  SyncState `json:"state,omitempty"`
	Job    uint64    `json:"job,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

func (s Sync) String() string {
	if s.Reason != "" {
		return fmt.Sprintf("%s: %s", s.State, s.Reason)
	}
	return string(s.State)
}

// ShownSync is the sync that grids and lists show for the user, the one
// meaning for the console and the CLI: SyncNone for a slot with no code
// and nothing on its way, else its Sync.
func (u PanelUser) ShownSync() Sync {
	if !u.CodeSet && (u.Sync.State == SyncInSync || u.Sync.State == "") {
		return Sync{State: SyncNone, Job: u.Sync.Job}
	}
	return u.Sync
}

// PanelUser is one user slot of a panel. A slot without a code does not
// exist on the panel; its label and partitions cannot change until a code
// is set. The code itself is never kept here: only a keyed hash, for the
// duplicate checks, and it is not exported.
type PanelUser struct {
	Panel      uint64
	Slot       int
	Label      string // empty: the default "User N"
	Role       family.Role
	CodeSet    bool
	Partitions PartitionSet
	Account    uint64 // 0: no account
	Updated    time.Time
	Sync       Sync
	// DevSerial is the panel's code-change counter for this slot as last
	// read back after guardroom's own write (0: not known). A different
	// counter on a later poll means the code changed at the keypad.
	DevSerial uint32

	codeHash []byte
}

// DisplayLabel is the label, or "User N" by default.
func (u PanelUser) DisplayLabel() string {
	if u.Label == "" {
		return "User " + strconv.Itoa(u.Slot)
	}
	return u.Label
}

// String describes the user without any secret.
func (u PanelUser) String() string {
	code := "no code"
	if u.CodeSet {
		code = "code set"
	}
	return fmt.Sprintf("panel %d user %d %q %s, %s, partitions %s, account %d, %s", u.Panel, u.Slot, u.DisplayLabel(), u.Role, code, u.Partitions, u.Account, u.Sync)
}

// GoString keeps %#v from printing the code hash.
func (u PanelUser) GoString() string { return "store.PanelUser{" + u.String() + "}" }

func (u PanelUser) state() map[string]string {
	m := map[string]string{"code": "not set", "label": u.DisplayLabel(), "role": string(u.Role), "partitions": u.Partitions.String()}
	if u.CodeSet {
		m["code"] = "set"
	}
	return m
}

// User record versions: v2 appends DevSerial.
const (
	userRecordV1 = 1
	userRecordV2 = 2
)

func (u *PanelUser) encode() []byte {
	e := enc{b: make([]byte, 0, 96)}
	e.b = append(e.b, userRecordV2)
	e.str(u.Label)
	e.str(string(u.Role))
	e.bool(u.CodeSet)
	e.bytes(u.codeHash)
	e.uint(uint64(u.Partitions))
	e.uint(u.Account)
	e.time(u.Updated)
	e.str(string(u.Sync.State))
	e.uint(u.Sync.Job)
	e.str(u.Sync.Reason)
	e.uint(uint64(u.DevSerial))
	return e.b
}

func decodeUser(key, val []byte, u *PanelUser) error {
	if len(key) != len(pUser)+12 || len(val) < 1 || (val[0] != userRecordV1 && val[0] != userRecordV2) {
		return fmt.Errorf("panel user record %x: %w", key, errCorrupt)
	}
	u.Panel = binary.BigEndian.Uint64(key[len(pUser):])
	u.Slot = int(binary.BigEndian.Uint32(key[len(pUser)+8:]))
	d := dec{b: val[1:]}
	u.Label = d.str()
	u.Role = family.Role(d.str())
	u.CodeSet = d.bool()
	u.codeHash = d.bytes()
	u.Partitions = PartitionSet(d.uint())
	u.Account = d.uint()
	u.Updated = d.time()
	u.Sync.State = SyncState(d.str())
	u.Sync.Job = d.uint()
	u.Sync.Reason = d.str()
	if val[0] >= userRecordV2 {
		u.DevSerial = uint32(d.uint())
	}
	if d.err != nil {
		return fmt.Errorf("panel user %d/%d: %w", u.Panel, u.Slot, d.err)
	}
	return nil
}

func emptyUser(p Panel, slot int) PanelUser {
	return PanelUser{Panel: p.ID, Slot: slot, Role: p.Spec().DefaultRole(slot), Sync: Sync{State: SyncInSync}}
}

func readUser(txn *badger.Txn, p Panel, slot int) (PanelUser, error) {
	u := emptyUser(p, slot)
	key := userKey(p.ID, slot)
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return u, nil
	}
	if err != nil {
		return u, err
	}
	err = item.Value(func(v []byte) error { return decodeUser(key, v, &u) })
	return u, err
}

func (w *wtx) writeUser(u *PanelUser) {
	u.Updated = w.s.now()
	w.setRaw(userKey(u.Panel, u.Slot), u.encode())
	w.changed(Change{What: ChangeUser, Panel: u.Panel, Slot: u.Slot, Account: u.Account})
}

// codeHash is the keyed hash of a code on one panel. Keyed per panel so the
// same code on two panels does not show as the same hash.
func (s *Store) codeHash(panel uint64, code string) []byte {
	m := hmac.New(sha256.New, s.codeKey)
	m.Write(u64(panel))
	m.Write([]byte(code))
	return m.Sum(nil)
}

// codeOwner returns the slot holding the code with hash h on the panel.
func codeOwner(txn *badger.Txn, panel uint64, h []byte) (int, bool, error) {
	item, err := txn.Get(codeIdxKey(panel, h))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	var slot int
	err = item.Value(func(v []byte) error {
		if len(v) != 4 {
			return errCorrupt
		}
		slot = int(binary.BigEndian.Uint32(v))
		return nil
	})
	return slot, err == nil, err
}

// checkCode validates a new code for slot: format, panel length, guessable,
// in use on the panel, and next to another code where duress is code + 1.
// taken reports codes written earlier in the same bulk operation; a nil txn
// means the panel has no stored codes to look up.
func (s *Store) checkCode(txn *badger.Txn, p Panel, slot int, code string, taken map[string]int) ([]byte, error) {
	if err := CheckCodeFormat(p, code); err != nil {
		return nil, err
	}
	owner := func(c string) (int, []byte, bool, error) {
		h := s.codeHash(p.ID, c)
		if o, ok := taken[string(h)]; ok {
			return o, h, true, nil
		}
		if txn == nil { // the caller knows the panel has no codes stored
			return 0, h, false, nil
		}
		o, ok, err := codeOwner(txn, p.ID, h)
		return o, h, ok, err
	}
	o, h, ok, err := owner(code)
	if err != nil {
		return nil, err
	}
	if ok && o == slot {
		return nil, refuse(ErrCodeInUse, "the new code is the same as the current one: choose a different code")
	}
	if ok {
		return nil, refuse(ErrCodeInUse, "that code is already used by another user of %s: choose another code", p.Label())
	}
	if p.DuressPlusOne {
		for _, n := range family.Neighbours(code) {
			o, _, ok, err := owner(n)
			if err != nil {
				return nil, err
			}
			if ok && o != slot {
				return nil, refuse(ErrCodeAdjacent, "that code is one away from another user's code, and on %s a code + 1 is the duress code: choose a code that differs by more than 1", p.Label())
			}
		}
	}
	return h, nil
}

// CodeRule is the whole rule a new code of the panel must meet, in a line,
// for the screens where a code is typed: the family's format and length,
// then what the panel's other codes add.
func (p Panel) CodeRule() string {
	rule := family.CodeRule(p.CodeLength) + ", not used by another user of this panel"
	if p.DuressPlusOne {
		rule += ", and not one away from another user's code (code + 1 is the duress code)"
	}
	return rule + "."
}

// CheckCodeFormat checks what can be known of a new code for the panel
// without its other codes: digits only, the panel's length, not
// guessable. A console checks it as soon as the code is typed the first
// time; SetCode and EditCode check it again, with the rest. Whether a code
// is used on the panel is only told by those operations, which log the
// attempt, so nobody can probe the panel's codes unseen.
func CheckCodeFormat(p Panel, code string) error {
	if err := family.CheckCode(code, p.CodeLength); err != nil {
		return refuse(ErrInvalid, "%v", err)
	}
	return nil
}

// userOp runs one operation on a panel user with the common checks of
// userFrame.
func (s *Store) userOp(a Actor, perm Perm, action string, panel uint64, slot int, body func(w *wtx, p Panel, u *PanelUser) error) error {
	w := s.beginUser(a, action, panel, slot)
	return s.finish(w, func() error {
		p, u, err := s.userFrame(w, perm, panel, slot, false)
		if err != nil {
			return err
		}
		return body(w, p, &u)
	})
}

func (s *Store) beginUser(a Actor, action string, panel uint64, slot int) *wtx {
	w := s.begin(a, action, fmt.Sprintf("panel %d user %d", panel, slot))
	w.panel, w.slot = panel, slot
	return w
}

// userFrame is what an operation on a panel user checks first, and
// TryUser with it: the user named for the log (or its account, for the
// actions filed under the account), the permission, the panel in scope,
// the slot on the panel.
func (s *Store) userFrame(w *wtx, perm Perm, panel uint64, slot int, underAccount bool) (Panel, PanelUser, error) {
	w.atPanel(panel, fmt.Sprintf(" user %d", slot))
	if underAccount {
		w.atAccountOf(panel, slot)
	}
	if err := w.actor.need(perm); err != nil {
		return Panel{}, PanelUser{}, err
	}
	p, u, err := s.readPanelUser(w.txn, w.actor, panel, slot)
	if err == nil {
		err = installerSlot(p, slot)
	}
	return p, u, err
}

// installerSlot refuses a change to the slot that holds the panel's
// installer code, which guardroom never programs.
func installerSlot(p Panel, slot int) error {
	if f := p.Spec(); f.InstallerSlot != 0 && slot == f.InstallerSlot {
		return refuse(ErrInvalid, "panel user %d of %s holds the installer code, which guardroom does not program: the installer changes it at the keypad", slot, p.Label())
	}
	return nil
}

// readPanelUser reads a panel in the actor's scope and one of its slots.
func (s *Store) readPanelUser(txn *badger.Txn, a Actor, panel uint64, slot int) (Panel, PanelUser, error) {
	p, err := s.readPanel(txn, a, panel)
	if err != nil {
		return p, PanelUser{}, err
	}
	if slot < 1 || slot > p.Slots {
		return p, PanelUser{}, slotRange(p)
	}
	u, err := readUser(txn, p, slot)
	return p, u, err
}

func noCode(p Panel, slot int, what string) error {
	return refuse(ErrNoCode, "%s: panel user %d of %s has no code; set a code first", what, slot, p.Name)
}

// CodeOptions are the attributes of a user created by SetCode. Zero values
// take the defaults: the slot's default role, partition 1 (all for the
// Master), the default label.
type CodeOptions struct {
	Role       family.Role
	Partitions PartitionSet
	Label      string
}

// SetCode sets the code of a slot that has none, which creates the user on
// the panel.
func (s *Store) SetCode(a Actor, panel uint64, slot int, code string, o CodeOptions) error {
	return s.userOp(a, PermManagePanelUsers, "user.set-code", panel, slot, func(w *wtx, p Panel, u *PanelUser) error {
		if err := ruleSetCode(p, *u); err != nil {
			return err
		}
		before := u.state()
		if err := applyCodeOptions(p, u, o); err != nil {
			return err
		}
		h, err := s.checkCode(w.txn, p, slot, code, nil)
		if err != nil {
			return err
		}
		s.writeNewCode(w, &p, u, h, code)
		w.log(before, u.state())
		return nil
	})
}

func applyCodeOptions(p Panel, u *PanelUser, o CodeOptions) error {
	fam := p.Spec()
	role := o.Role
	if role == "" {
		role = fam.DefaultRole(u.Slot)
	}
	if !fam.AllowsRole(role) {
		return refuse(ErrUnsupported, "%s panels have no role %q: choose one of %s", fam.Type, role, rolesList(fam))
	}
	if !slices.Contains(fam.RolesFor(u.Slot), role) {
		if u.Slot == fam.MasterSlot {
			return refuse(ErrMaster, "slot %d is the Master slot of %s: its role is always Master", u.Slot, p.Name)
		}
		return refuse(ErrMaster, "only slot %d holds the Master role on %s: choose another role", fam.MasterSlot, p.Name)
	}
	u.Role = role
	parts := o.Partitions
	switch {
	case role == family.RoleMaster:
		parts = AllPartitions(fam.Partitions)
	case parts == 0:
		parts = PartitionSet(0).With(1)
	default:
		if err := checkPartitions(p, parts); err != nil {
			return err
		}
	}
	u.Partitions = parts
	if o.Label != "" {
		label, err := checkLabel(o.Label)
		if err != nil {
			return err
		}
		u.Label = label
	}
	return nil
}

func rolesList(f family.Family) string {
	s := make([]string, len(f.Roles))
	for i, r := range f.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func checkPartitions(p Panel, parts PartitionSet) error {
	n := p.Partitions()
	if parts == 0 {
		return refuse(ErrInvalid, "no partition chosen: a panel user needs at least one partition")
	}
	if hi := parts.Highest(); hi > n {
		return refuse(ErrInvalid, "%s has partitions 1-%d, not %d", p.Label(), n, hi)
	}
	return nil
}

// writeNewCode stores the hash, moves the code index and queues the
// plaintext for the panel: the outbox job is the only place it is kept.
func (s *Store) writeNewCode(w *wtx, p *Panel, u *PanelUser, h []byte, code string) {
	if u.codeHash != nil {
		w.del(codeIdxKey(p.ID, u.codeHash))
	}
	if !u.CodeSet {
		p.CodesSet++
		w.dirtyPanel = p
	}
	u.CodeSet, u.codeHash = true, h
	w.setRaw(codeIdxKey(p.ID, h), u32(uint32(u.Slot)))
	w.queueDevice(u, Job{Op: OpSetCode, Code: code, Role: u.Role, Label: u.DisplayLabel(), Partitions: u.Partitions})
	w.writeUser(u)
}

// EditCode replaces the code of a user that has one.
func (s *Store) EditCode(a Actor, panel uint64, slot int, code string) error {
	return s.userOp(a, PermManagePanelUsers, "user.edit-code", panel, slot, func(w *wtx, p Panel, u *PanelUser) error {
		if err := ruleEditCode(p, *u); err != nil {
			return err
		}
		h, err := s.checkCode(w.txn, p, slot, code, nil)
		if err != nil {
			return err
		}
		s.writeNewCode(w, &p, u, h, code)
		w.log(map[string]string{"code": "set"}, map[string]string{"code": "changed"})
		return nil
	})
}

// SetLabel changes the label of a user with a code.
func (s *Store) SetLabel(a Actor, panel uint64, slot int, label string) error {
	return s.userOp(a, PermManagePanelUsers, "user.label", panel, slot, func(w *wtx, p Panel, u *PanelUser) error {
		if err := ruleSetLabel(p, *u); err != nil {
			return err
		}
		label, err := checkLabel(label)
		if err != nil {
			return err
		}
		before := u.DisplayLabel()
		u.Label = label
		w.queueDevice(u, Job{Op: OpSetLabel, Label: label})
		w.writeUser(u)
		w.log(map[string]string{"label": before}, map[string]string{"label": label})
		return nil
	})
}

// SetPartitions changes the partitions of a user with a code. Master users
// always hold every partition.
func (s *Store) SetPartitions(a Actor, panel uint64, slot int, parts PartitionSet) error {
	return s.userOp(a, PermManagePanelUsers, "user.partitions", panel, slot, func(w *wtx, p Panel, u *PanelUser) error {
		if err := ruleSetPartitions(p, *u); err != nil {
			return err
		}
		if err := checkPartitions(p, parts); err != nil {
			return err
		}
		before := u.Partitions
		u.Partitions = parts
		w.queueDevice(u, Job{Op: OpSetPartitions, Partitions: parts})
		w.writeUser(u)
		w.log(map[string]string{"partitions": before.String()}, map[string]string{"partitions": parts.String()})
		return nil
	})
}

// DisablePanelUser removes the user's code, and with it the label: the user
// no longer exists on the panel. Master users cannot be disabled. An
// assigned account stays linked; unassign it separately if it must go. The
// user's tags are freed (and queued off the hardware) and their door locks
// unassigned in the same transaction.
func (s *Store) DisablePanelUser(a Actor, panel uint64, slot int) error {
	return s.userOp(a, PermManagePanelUsers, "user.disable", panel, slot, func(w *wtx, p Panel, u *PanelUser) error {
		if err := ruleDisable(p, *u); err != nil {
			return err
		}
		before := u.state()
		if u.codeHash != nil {
			w.del(codeIdxKey(p.ID, u.codeHash))
		}
		p.CodesSet--
		w.dirtyPanel = &p
		u.CodeSet, u.codeHash, u.Label, u.Partitions = false, nil, "", 0
		u.Role = p.Spec().DefaultRole(slot)
		w.queueDevice(u, Job{Op: OpClearCode})
		w.writeUser(u)
		after := u.state()
		tags, locks, err := w.releaseUser(p, slot)
		if err != nil {
			return err
		}
		if len(tags) > 0 {
			after["tags freed"] = strings.Join(tags, ", ")
		}
		if len(locks) > 0 {
			after["locks unassigned"] = strings.Join(locks, ", ")
		}
		w.log(before, after)
		return nil
	})
}

// ListUsers returns every slot of a panel, 1..Slots, with the slots that
// were never used filled in as "no code".
func (s *Store) ListUsers(a Actor, panel uint64) ([]PanelUser, error) {
	return s.ListUsersProgress(a, panel, nil)
}

// progressEvery is how many records a long read handles between progress
// reports.
const progressEvery = 10_000

// ListUsersProgress is ListUsers reporting its progress (records read, slots
// on the panel) every 10,000 records, for consoles that show a bar.
func (s *Store) ListUsersProgress(a Actor, panel uint64, progress func(done, total int)) ([]PanelUser, error) {
	if err := a.need(PermViewEquipment | PermViewPanelUsers); err != nil {
		return nil, err
	}
	var out []PanelUser
	err := s.db.View(func(txn *badger.Txn) error {
		p, err := s.readPanel(txn, a, panel)
		if err != nil {
			return err
		}
		fam := p.Spec()
		out = make([]PanelUser, p.Slots)
		for i := range out {
			out[i] = PanelUser{Panel: p.ID, Slot: i + 1, Role: fam.DefaultRole(i + 1), Sync: Sync{State: SyncInSync}}
		}
		n := 0
		return scan(txn, userPrefix(panel), true, func(k, v []byte) error {
			var u PanelUser
			if err := decodeUser(k, v, &u); err != nil {
				return err
			}
			if u.Slot >= 1 && u.Slot <= len(out) {
				out[u.Slot-1] = u
			}
			if n++; progress != nil && n%progressEvery == 0 {
				progress(n, len(out))
			}
			return nil
		})
	})
	return out, err
}

// GetUser returns one slot of a panel.
func (s *Store) GetUser(a Actor, panel uint64, slot int) (PanelUser, error) {
	if err := a.need(PermViewEquipment | PermViewPanelUsers); err != nil {
		return PanelUser{}, err
	}
	var u PanelUser
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		_, u, err = s.readPanelUser(txn, a, panel, slot)
		return err
	})
	return u, err
}

// GetUsers returns some users of one panel, in the order of slots, in one
// read: what a console showing the panel reads again after changes to a
// few of its users.
func (s *Store) GetUsers(a Actor, panel uint64, slots []int) ([]PanelUser, error) {
	if err := a.need(PermViewEquipment | PermViewPanelUsers); err != nil {
		return nil, err
	}
	out := make([]PanelUser, 0, len(slots))
	err := s.db.View(func(txn *badger.Txn) error {
		p, err := s.readPanel(txn, a, panel)
		if err != nil {
			return err
		}
		for _, slot := range slots {
			if slot < 1 || slot > p.Slots {
				return slotRange(p)
			}
			u, err := readUser(txn, p, slot)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// slotRange refuses a slot number outside the panel. It does not repeat
// the number: a code typed into the slot field must not reach the log.
func slotRange(p Panel) error {
	return refuse(ErrNotFound, "%s has user slots 1-%d: that slot number is out of range", p.Label(), p.Slots)
}
