package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// stateVersion numbers the state file's layout. Version 2 added keypad
// tags and tag IDs of up to 24 bytes; a version 1 file (no keypad tags,
// shorter tags) is still read, and written back as version 2. The locks'
// assigned users came later, within version 2 (which had not shipped): a
// file without them reads as locks without users.
const stateVersion = 2

// stateFile is what a state file holds: the panel's memory, as a real panel
// would keep it across a power cut. Codes are there only as the salted
// hashes and CodeChecks the panel already keeps.
type stateFile struct {
	Version    int    `json:"version"`
	Family     string `json:"family"`
	Slots      int    `json:"slots"`
	CodeLength int    `json:"code_length"`
	Locks      int    `json:"locks"`
	// Salt is kept so that the hashes below still find duplicates.
	Salt       []byte           `json:"salt"`
	Offline    bool             `json:"offline"`
	Users      []stateUser      `json:"users"`
	Serials    map[int]uint32   `json:"serials"` // code serial by slot, empty slots included
	Partitions []statePartition `json:"partitions"`
	LockStates []stateLock      `json:"lock_states"`
	KeypadTags map[int]string   `json:"keypad_tags,omitempty"` // slot → its keypad tag
}

type stateUser struct {
	Slot       int    `json:"slot"`
	CodeHash   []byte `json:"code_hash"` // salted SHA-256
	CodeCheck  uint32 `json:"code_check"`
	Role       string `json:"role"`
	Label      string `json:"label"`
	Partitions uint64 `json:"partitions"`
}

type statePartition struct {
	Label string                `json:"label"`
	State family.PartitionState `json:"state"`
}

type stateLock struct {
	State   family.LockState `json:"state"`
	Battery int              `json:"battery"`
	Tags    map[string]int   `json:"tags"`            // tag → slot
	Users   []int            `json:"users,omitempty"` // assigned user slots, ascending
}

// snapshotState returns the panel's state for its file. The caller holds
// p.mu (or owns p).
func (p *Panel) snapshotState() stateFile {
	st := stateFile{
		Version: stateVersion, Family: p.fam.ID, Slots: p.slots, CodeLength: p.codeLen, Locks: len(p.locks),
		Salt: p.salt[:], Offline: p.offline, Serials: p.serials,
		Users: make([]stateUser, 0, len(p.users)), KeypadTags: p.keypad,
	}
	for slot, r := range p.users {
		st.Users = append(st.Users, stateUser{Slot: slot, CodeHash: r.hash[:], CodeCheck: r.check, Role: r.role, Label: r.label, Partitions: r.parts})
	}
	slices.SortFunc(st.Users, func(a, b stateUser) int { return a.Slot - b.Slot })
	for _, part := range p.parts {
		st.Partitions = append(st.Partitions, statePartition{Label: part.Label, State: part.State})
	}
	for _, l := range p.locks {
		st.LockStates = append(st.LockStates, stateLock{State: l.state, Battery: l.battery, Tags: l.tags, Users: l.users})
	}
	return st
}

// save writes the panel's state file, if it has one. The caller holds
// p.mu (or owns p).
func (p *Panel) save() error {
	if p.statePath == "" {
		return nil
	}
	b, err := json.MarshalIndent(p.snapshotState(), "", "\t")
	if err == nil {
		err = writeAtomic(p.statePath, append(b, '\n'))
	}
	if err != nil {
		return fmt.Errorf("sim %s: the panel changed but its state file could not be written: %w", p.address, err)
	}
	return nil
}

// writeAtomic replaces path with b so that a crash leaves the old file or
// the new one, never a torn one: a temporary file in the same directory
// (rename is atomic only within a file system), synced, then renamed over
// path. The file is readable by its owner only: it holds hashes of codes.
func writeAtomic(path string, b []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	// The rename is durable only once the directory is synced; a failure
	// here leaves a complete file, old or new, so it is not reported.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// samePath reports whether a and b name the same file, as far as their
// absolute forms tell.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// load replaces the fresh panel's state with its state file's, if the file
// exists. The file must describe a panel of the same family, slots, code
// length and locks, and follow the panel's rules: a hand-edited file that
// breaks them is refused rather than simulated. p is not shared yet.
func (p *Panel) load() error {
	b, err := os.ReadFile(p.statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sim %s: %w", p.address, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("sim %s: state file %s: "+format+": fix it, or remove it to start the panel afresh", append([]any{p.address, p.statePath}, args...)...)
	}
	var st stateFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return bad("%v", err)
	}
	if st.Version != stateVersion && st.Version != 1 {
		return bad("version %d, this guardroom reads versions 1 and %d", st.Version, stateVersion)
	}
	if st.Family != p.fam.ID || st.Slots != p.slots || st.CodeLength != p.codeLen || st.Locks != len(p.locks) {
		return bad("it holds a %s with %d slots, %d-digit codes and %d locks, not a %s with %d, %d and %d as configured",
			st.Family, st.Slots, st.CodeLength, st.Locks, p.fam.ID, p.slots, p.codeLen, len(p.locks))
	}
	if len(st.Salt) != len(p.salt) {
		return bad("salt of %d bytes, want %d", len(st.Salt), len(p.salt))
	}
	if len(st.Partitions) != len(p.parts) || len(st.LockStates) != len(p.locks) {
		return bad("%d partitions and %d locks, want %d and %d", len(st.Partitions), len(st.LockStates), len(p.parts), len(p.locks))
	}

	users := map[int]*slotRec{}
	codes := map[[32]byte]int{}
	for _, u := range st.Users {
		if err := p.checkSlot(u.Slot); err != nil {
			return bad("%v", err)
		}
		if _, dup := users[u.Slot]; dup {
			return bad("slot %d is listed twice", u.Slot)
		}
		if len(u.CodeHash) != 32 {
			return bad("slot %d: code hash of %d bytes, want 32", u.Slot, len(u.CodeHash))
		}
		for _, err := range []error{p.checkRole(u.Slot, u.Role), p.checkParts(u.Partitions), p.checkLabel(u.Label)} {
			if err != nil {
				return bad("slot %d: %v", u.Slot, err)
			}
		}
		r := &slotRec{check: u.CodeCheck, role: u.Role, label: u.Label, parts: u.Partitions}
		copy(r.hash[:], u.CodeHash)
		if s, dup := codes[r.hash]; dup {
			return bad("slots %d and %d hold the same code", s, u.Slot)
		}
		users[u.Slot], codes[r.hash] = r, u.Slot
	}
	if _, ok := users[p.fam.MasterSlot]; !ok {
		return bad("the master slot %d has no code", p.fam.MasterSlot)
	}
	for slot := range st.Serials {
		if err := p.checkSlot(slot); err != nil {
			return bad("serials: %v", err)
		}
	}
	for i, sp := range st.Partitions {
		if !slices.Contains(family.PartitionStates(), sp.State) {
			return bad("partition %d: state %q", i+1, sp.State)
		}
		if err := p.checkLabel(sp.Label); err != nil {
			return bad("partition %d: %v", i+1, err)
		}
	}
	for i, sl := range st.LockStates {
		if !slices.Contains(family.LockStates(), sl.State) || sl.Battery < 0 || sl.Battery > fullBattery || len(sl.Tags) > MaxTagsPerLock {
			return bad("lock %d: state %q, battery %d%%, %d tags", i+1, sl.State, sl.Battery, len(sl.Tags))
		}
		for tag, slot := range sl.Tags {
			if err := checkTag(tag); err != nil {
				return bad("lock %d: %v", i+1, err)
			}
			if err := p.checkSlot(slot); err != nil {
				return bad("lock %d tag %s: %v", i+1, tag, err)
			}
		}
		if len(sl.Users) > MaxUsersPerLock {
			return bad("lock %d: %d users assigned, at most %d", i+1, len(sl.Users), MaxUsersPerLock)
		}
		for j, slot := range sl.Users {
			if _, ok := users[slot]; !ok {
				return bad("lock %d: assigned slot %d has no code", i+1, slot)
			}
			if j > 0 && slot <= sl.Users[j-1] {
				return bad("lock %d: assigned users must be ascending, without repeats", i+1)
			}
		}
	}

	if len(st.KeypadTags) > 0 && !p.fam.KeypadProx {
		return bad("keypad tags on a %s, whose keypads have no proximity reader", p.fam.Model)
	}
	owner := map[string]int{}
	for slot, tag := range st.KeypadTags {
		if err := checkTag(tag); err != nil {
			return bad("keypad tag of slot %d: %v", slot, err)
		}
		if err := p.checkSlot(slot); err != nil {
			return bad("keypad tags: %v", err)
		}
		if _, ok := users[slot]; !ok {
			return bad("keypad tag %s: slot %d has no code", tag, slot)
		}
		if n := drivers.KeypadTagSlots(p.fam.ID); n > 0 && slot > n {
			return bad("keypad tag %s: a %s keeps tags for users 1-%d only, not slot %d", tag, p.fam.Model, n, slot)
		}
		if s, dup := owner[tag]; dup {
			return bad("keypad tag %s is on slots %d and %d", tag, min(s, slot), max(s, slot))
		}
		owner[tag] = slot
	}

	copy(p.salt[:], st.Salt)
	p.offline = st.Offline
	p.users, p.codes = users, codes
	if st.Serials != nil {
		p.serials = st.Serials
	}
	for i, sp := range st.Partitions {
		p.parts[i].Label, p.parts[i].State = sp.Label, sp.State
	}
	if p.keypad != nil {
		p.keypad = maps.Clone(st.KeypadTags)
		if p.keypad == nil {
			p.keypad = map[int]string{}
		}
	}
	for i, sl := range st.LockStates {
		l := p.locks[i]
		l.state, l.battery, l.tags, l.users = sl.State, sl.Battery, map[string]int{}, slices.Clone(sl.Users)
		for tag, slot := range sl.Tags {
			l.tags[tag] = slot
		}
	}
	return nil
}
