package modbus

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// Register map version 3 (docs/modbus.md). Addresses are holding-register
// offsets from the configured base; every value is big-endian, 32- and
// 64-bit values most significant word first, text is UTF-8 packed two bytes
// a register (first byte in the high half) and padded with NULs.
const (
	// MapVersion is the register map version this package speaks, and
	// the only one it accepts. v3 moved the lock blocks' tags, the bitmap
	// and the user blocks: read as v2, a v3 device's users would be taken
	// from the wrong registers (and the other way round), so an error
	// says which side to update instead.
	MapVersion = 3
	Magic      = 0x4752 // "GR", register 0

	IdentityAddr = 0x0000 // identity block
	IdentityLen  = 64
	CommandAddr  = 0x0040 // mailbox command block (write-only, function 16)
	CommandLen   = 48
	StatusAddr   = 0x0070 // mailbox status block (read-only)
	StatusLen    = 64

	PartitionAddr     = 0x0100 // partition blocks, partition n at PartitionAddr + (n-1)*PartitionBlockLen
	PartitionBlockLen = 20
	MaxPartitions     = 32

	LockAddr       = 0x0380 // lock blocks, lock n at LockAddr + (n-1)*LockBlockLen
	LockBlockLen   = 272    // 4 header words, 16 tag entries, the assigned users, 2 reserved, the check word
	MaxLocks       = 16
	MaxTagsPerLock = 16
	lockTagLen     = TagBytes/2 + 2 // tag, then its slot (uint32)
	// MaxLockUsers is how many assigned users a lock block lists: word
	// lockUsersAt counts them, the slots (uint16, ascending) follow.
	MaxLockUsers = 40
	lockUsersAt  = 4 + MaxTagsPerLock*lockTagLen

	BitmapAddr = 0x1480 // slot occupancy bitmap: bit b of word k = slot 16k+b+1
	UserAddr   = 0x1500 // user blocks, slot s at UserAddr + (s-1)*UserBlockLen
	// UserBlockLen is the size of a user block in registers.
	UserBlockLen = 30
	MaxSlots     = 2000 // slots map v3 can address (with base 0)

	// The keypad tag table follows the last user block, at
	// KeypadAddr(slots): a header, then the identity's number of entries.
	// It is a compact list rather than one entry a slot because the user
	// blocks of 2,000 slots leave no room in the address space for 2,000
	// more entries; a panel says in its identity how many entries it has.
	KeypadHeaderLen = 4
	KeypadEntryLen  = 16
	KeypadMagic     = 0x4B54 // "KT", header word 0
	// MaxKeypadTags bounds the entries of any map: those of a one-slot map
	// at base 0.
	MaxKeypadTags = (1<<16 - UserAddr - UserBlockLen - KeypadHeaderLen) / KeypadEntryLen

	MaxCodeDigits = 8                   // digits the command block carries
	LabelBytes    = 32                  // bytes of a slot or partition label
	TagBytes      = drivers.MaxTagBytes // bytes of a tag ID (24), lock or keypad
	ReasonBytes   = 96                  // bytes of a status reason

	maxRead  = 125 // registers per read (function 3)
	maxWrite = 123 // registers per write (function 16)
)

// Mailbox operations (command word 1).
const (
	OpSetCode       = 1
	OpClearCode     = 2
	OpSetLabel      = 3
	OpSetPartitions = 4
	OpArm           = 5
	OpDisarm        = 6
	OpLock          = 7
	OpUnlock        = 8
	OpAddTag        = 9
	OpRemoveTag     = 10
	// Map v3: keypad tags, which belong to a slot, not to a lock.
	OpAddKeypadTag    = 11
	OpRemoveKeypadTag = 12
	// Map v3: assign a panel user (by slot, never a code) to a lock, or
	// take the lock away from them.
	OpAssignLockUser   = 13
	OpUnassignLockUser = 14
)

// Mailbox status codes (status word 2): 0 done, 1 busy, 2+k refused with
// drivers.RefusalKind k.
const (
	StatusOK      = 0
	StatusBusy    = 1
	StatusRefused = 2
)

// Capability bits (identity word 9).
const (
	CapReadBack = 1 << iota
	CapUsers
	CapPartitions
	CapArmDisarm
	CapLocks
	CapTags
	CapKeypadTags // map v3: the panel has a keypad tag table
)

// roles numbers the roles of store/family in the user block and the
// command block; 0 means "the slot's default" in a command.
var roles = [...]string{1: "Master", 2: "Supervisor", 3: "User", 4: "One-time User", 5: "Duress", 6: "DwellerMaster", 7: "Guest", 8: "Installer", 9: "Dealer"}

func roleCode(role string) (uint16, bool) {
	if role == "" {
		return 0, true
	}
	for i, r := range roles {
		if i > 0 && r == role {
			return uint16(i), true
		}
	}
	return 0, false
}

func roleName(c uint16) (string, bool) {
	if c == 0 {
		return "", true
	}
	if int(c) < len(roles) {
		return roles[c], true
	}
	return "", false
}

var partitionStates = [...]family.PartitionState{family.Disarmed, family.ArmedStay, family.ArmedAway, family.Alarm, family.Trouble, family.NotReady,
	family.ExitDelay, family.EntryDelay, family.AlarmMemory, family.Busy}

var lockStates = [...]family.LockState{family.LockUnknown, family.LockLocked, family.LockUnlocked, family.LockJammed}

// ErrGarbled is wrapped by every decoding error: the registers read are not
// a valid map v3 block.
var ErrGarbled = errors.New("garbled reply")

func garbled(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrGarbled}, args...)...)
}

// --- words and text -------------------------------------------------------

func put32(w []uint16, v uint32) { w[0], w[1] = uint16(v>>16), uint16(v) }
func get32(w []uint16) uint32    { return uint32(w[0])<<16 | uint32(w[1]) }
func put64(w []uint16, v uint64) {
	put32(w, uint32(v>>32))
	put32(w[2:], uint32(v))
}
func get64(w []uint16) uint64 { return uint64(get32(w))<<32 | uint64(get32(w[2:])) }

// putText packs s into w (len(w)*2 bytes, NUL padded). s must fit.
func putText(w []uint16, s string) {
	clear(w)
	for i := 0; i < len(s); i++ {
		if i%2 == 0 {
			w[i/2] = uint16(s[i]) << 8
		} else {
			w[i/2] |= uint16(s[i])
		}
	}
}

// getText unpacks text up to the first NUL; it must be valid UTF-8.
func getText(w []uint16, what string) (string, error) {
	b := make([]byte, 0, 2*len(w))
	for _, x := range w {
		b = append(b, byte(x>>8), byte(x))
	}
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if !utf8.Valid(b) {
		return "", garbled("%s is not valid UTF-8", what)
	}
	return string(b), nil
}

// BytesToRegs turns a Modbus register payload into registers.
func BytesToRegs(b []byte) ([]uint16, error) {
	if len(b)%2 != 0 {
		return nil, garbled("odd payload of %d bytes", len(b))
	}
	w := make([]uint16, len(b)/2)
	for i := range w {
		w[i] = binary.BigEndian.Uint16(b[2*i:])
	}
	return w, nil
}

// RegsToBytes turns registers into a Modbus register payload.
func RegsToBytes(w []uint16) []byte {
	b := make([]byte, 2*len(w))
	for i, x := range w {
		binary.BigEndian.PutUint16(b[2*i:], x)
	}
	return b
}

// crc16 is CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF) over the
// registers' big-endian bytes.
func crc16(w []uint16) uint16 {
	crc := uint16(0xFFFF)
	for _, x := range w {
		for _, c := range [2]byte{byte(x >> 8), byte(x)} {
			crc ^= uint16(c)
			for range 8 {
				if crc&1 != 0 {
					crc = crc>>1 ^ 0xA001
				} else {
					crc >>= 1
				}
			}
		}
	}
	return crc
}

// --- identity ---------------------------------------------------------------

// Info is the identity block: the device's identity plus what the driver
// needs to walk the rest of the map.
type Info struct {
	drivers.Identity
	MasterSlot   int
	Locks        int
	TagsPerLock  int
	KeypadTags   int // entries in the keypad tag table; 0: no table
	Capabilities drivers.Capabilities
}

// End is the register after the last one of the map this identity
// describes, counted from the base.
func (in Info) End() int {
	end := KeypadAddr(in.Slots)
	if in.KeypadTags > 0 {
		end += KeypadHeaderLen + in.KeypadTags*KeypadEntryLen
	}
	return end
}

// KeypadAddr is where the keypad tag table of a map of slots slots starts:
// right after the last user block.
func KeypadAddr(slots int) int { return UserAddr + slots*UserBlockLen }

func capBits(c drivers.Capabilities) uint16 {
	var b uint16
	for i, on := range []bool{c.ReadBack, c.Users, c.Partitions, c.ArmDisarm, c.Locks, c.Tags, c.KeypadTags} {
		if on {
			b |= 1 << i
		}
	}
	return b
}

// EncodeIdentity returns the identity block. Text longer than its field
// is cut at a UTF-8 boundary.
func EncodeIdentity(in Info) []uint16 {
	w := make([]uint16, IdentityLen)
	w[0], w[1] = Magic, MapVersion
	put32(w[2:], uint32(in.Slots))
	w[4], w[5], w[6] = uint16(in.Partitions), uint16(in.CodeLength), uint16(in.MasterSlot)
	w[7], w[8], w[9] = uint16(in.Locks), uint16(in.TagsPerLock), capBits(in.Capabilities)
	w[10] = uint16(in.KeypadTags)
	putText(w[16:24], cut(in.Vendor, 16))
	putText(w[24:40], cut(in.Model, 32))
	putText(w[40:48], cut(in.Serial, 16))
	putText(w[48:56], cut(in.Firmware, 16))
	return w
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// DecodeIdentity decodes an identity block. A wrong magic or version is
// an error saying what to check.
func DecodeIdentity(w []uint16) (Info, error) {
	if len(w) != IdentityLen {
		return Info{}, garbled("identity block of %d registers, want %d", len(w), IdentityLen)
	}
	if w[0] != Magic {
		return Info{}, fmt.Errorf("no guardroom register map here: the map's first register holds %#04x, not %#04x (\"GR\"): this device does not speak guardroom's register map (docs/modbus.md) at this unit and base: check the panel's address and options unit and base, or use the driver for this device", w[0], Magic)
	}
	if w[1] != MapVersion {
		fix := "update guardroom"
		if w[1] < MapVersion {
			fix = fmt.Sprintf("update the device's firmware (or its gateway) to map version %d", MapVersion)
		}
		return Info{}, fmt.Errorf("register map version %d: this guardroom reads version %d only: %s", w[1], MapVersion, fix)
	}
	var in Info
	in.MapVersion = int(w[1])
	in.Slots = int(get32(w[2:]))
	in.Partitions, in.CodeLength, in.MasterSlot = int(w[4]), int(w[5]), int(w[6])
	in.Locks, in.TagsPerLock, in.KeypadTags = int(w[7]), int(w[8]), int(w[10])
	c := w[9]
	in.Capabilities = drivers.Capabilities{
		ReadBack: c&CapReadBack != 0, Users: c&CapUsers != 0, Partitions: c&CapPartitions != 0,
		ArmDisarm: c&CapArmDisarm != 0, Locks: c&CapLocks != 0, Tags: c&CapTags != 0,
		KeypadTags: c&CapKeypadTags != 0,
	}
	switch {
	case in.Slots < 1 || in.Slots > MaxSlots:
		return Info{}, garbled("identity says %d slots (map v3 has 1-%d)", in.Slots, MaxSlots)
	case in.Partitions > MaxPartitions:
		return Info{}, garbled("identity says %d partitions (map v3 has up to %d)", in.Partitions, MaxPartitions)
	case in.Locks > MaxLocks:
		return Info{}, garbled("identity says %d locks (map v3 has up to %d)", in.Locks, MaxLocks)
	case in.TagsPerLock > MaxTagsPerLock:
		return Info{}, garbled("identity says %d tags per lock (map v3 has up to %d)", in.TagsPerLock, MaxTagsPerLock)
	case in.CodeLength > MaxCodeDigits:
		return Info{}, garbled("identity says %d-digit codes (map v3 carries up to %d)", in.CodeLength, MaxCodeDigits)
	case in.End() > 1<<16:
		return Info{}, garbled("identity says %d keypad tag entries after %d slots: the map would end past register 65535", in.KeypadTags, in.Slots)
	}
	var err error
	for _, f := range []struct {
		dst  *string
		w    []uint16
		name string
	}{{&in.Vendor, w[16:24], "vendor"}, {&in.Model, w[24:40], "model"}, {&in.Serial, w[40:48], "serial"}, {&in.Firmware, w[48:56], "firmware"}} {
		if *f.dst, err = getText(f.w, f.name); err != nil {
			return Info{}, err
		}
	}
	return in, nil
}

// --- user blocks --------------------------------------------------------

// EncodeUser returns the user block of u. A slot without a code
// (u.CodeSet false) encodes as an empty block: slot number and code serial
// only. The label must fit LabelBytes and the role must be a map v3 role.
func EncodeUser(u drivers.User) ([]uint16, error) {
	w := make([]uint16, UserBlockLen)
	put32(w[0:], uint32(u.Slot))
	if u.CodeSet {
		rc, ok := roleCode(u.Role)
		if !ok {
			return nil, fmt.Errorf("role %q is not in register map v3", u.Role)
		}
		if len(u.Label) > LabelBytes {
			return nil, fmt.Errorf("label of %d bytes does not fit map v3's %d", len(u.Label), LabelBytes)
		}
		w[2], w[3] = 1, rc
		put64(w[4:], u.Partitions)
		put32(w[8:], u.CodeCheck)
		putText(w[10:26], u.Label)
	}
	put32(w[26:], u.CodeSerial)
	w[29] = crc16(w[:29])
	return w, nil
}

// DecodeUser decodes the user block of slot; inUse is false for an empty
// slot, and u then holds the slot and its code serial only. A block whose
// check word, slot number or fields are wrong is an error wrapping
// ErrGarbled.
func DecodeUser(slot int, w []uint16) (u drivers.User, inUse bool, err error) {
	if len(w) != UserBlockLen {
		return u, false, garbled("user block of %d registers, want %d", len(w), UserBlockLen)
	}
	if crc16(w[:29]) != w[29] {
		return u, false, garbled("user block of slot %d failed its check word", slot)
	}
	if s := get32(w); int64(s) != int64(slot) {
		return u, false, garbled("user block of slot %d says slot %d: check options base", slot, s)
	}
	u.Slot = slot
	u.CodeSerial = get32(w[26:])
	switch w[2] {
	case 0:
		return u, false, nil
	case 1:
	default:
		return u, false, garbled("user block of slot %d has flags %#x", slot, w[2])
	}
	role, ok := roleName(w[3])
	if !ok || role == "" {
		return u, false, garbled("user block of slot %d has role code %d", slot, w[3])
	}
	if u.Label, err = getText(w[10:26], "label"); err != nil {
		return drivers.User{}, false, err
	}
	u.CodeSet, u.Role = true, role
	u.Partitions = get64(w[4:])
	u.CodeCheck = get32(w[8:])
	return u, true, nil
}

// DecodeUsers decodes consecutive user blocks starting at slot first and
// returns the slots in use.
func DecodeUsers(first int, w []uint16) ([]drivers.User, error) {
	if len(w)%UserBlockLen != 0 {
		return nil, garbled("%d registers are not whole user blocks", len(w))
	}
	var out []drivers.User
	for i := 0; i < len(w); i += UserBlockLen {
		u, ok, err := DecodeUser(first+i/UserBlockLen, w[i:i+UserBlockLen])
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// EncodeBitmap returns the occupancy bitmap of a panel with slots slots.
func EncodeBitmap(slots int, inUse []int) []uint16 {
	w := make([]uint16, (slots+15)/16)
	for _, s := range inUse {
		if s >= 1 && s <= slots {
			w[(s-1)/16] |= 1 << ((s - 1) % 16)
		}
	}
	return w
}

// DecodeBitmap returns the slots (1..slots) whose bit is set.
func DecodeBitmap(slots int, w []uint16) []int {
	var out []int
	for k, x := range w {
		for b := 0; x != 0 && b < 16; b++ {
			if x&(1<<b) != 0 {
				if s := 16*k + b + 1; s <= slots {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// --- partitions -------------------------------------------------------------

// EncodePartition returns the block of partition p.
func EncodePartition(p drivers.Partition) []uint16 {
	w := make([]uint16, PartitionBlockLen)
	w[0] = uint16(p.Number)
	for i, s := range partitionStates {
		if s == p.State {
			w[1] = uint16(i)
		}
	}
	putText(w[2:18], cut(p.Label, LabelBytes))
	w[19] = crc16(w[:19])
	return w
}

// DecodePartition decodes the block of partition n.
func DecodePartition(n int, w []uint16) (drivers.Partition, error) {
	if len(w) != PartitionBlockLen {
		return drivers.Partition{}, garbled("partition block of %d registers, want %d", len(w), PartitionBlockLen)
	}
	if crc16(w[:19]) != w[19] {
		return drivers.Partition{}, garbled("partition block %d failed its check word", n)
	}
	if int(w[0]) != n {
		return drivers.Partition{}, garbled("partition block %d says partition %d: check options base", n, w[0])
	}
	if int(w[1]) >= len(partitionStates) {
		return drivers.Partition{}, garbled("partition %d has state code %d, unknown in map v3", n, w[1])
	}
	label, err := getText(w[2:18], "partition label")
	if err != nil {
		return drivers.Partition{}, err
	}
	return drivers.Partition{Number: n, Label: label, State: partitionStates[w[1]]}, nil
}

// --- locks --------------------------------------------------------------------

// LockTag is one tag entry of a lock block.
type LockTag struct {
	Tag  string
	Slot int
}

// EncodeLock returns the block of lock l with its tags (at most
// MaxTagsPerLock, each a valid tag ID of at most TagBytes) and its
// l.AssignedUsers (at most MaxLockUsers, slots 1-65535, put in ascending
// order).
func EncodeLock(l drivers.LockStatus, tags []LockTag) ([]uint16, error) {
	w := make([]uint16, LockBlockLen)
	w[0] = uint16(l.Number)
	for i, s := range lockStates {
		if s == l.State {
			w[1] = uint16(i)
		}
	}
	w[2] = uint16(min(max(l.Battery, 0), 100))
	if len(tags) > MaxTagsPerLock {
		return nil, fmt.Errorf("lock %d has %d tags: map v3 carries %d", l.Number, len(tags), MaxTagsPerLock)
	}
	w[3] = uint16(len(tags))
	for i, t := range tags {
		if err := drivers.CheckTag(t.Tag); err != nil {
			return nil, fmt.Errorf("lock %d: %w", l.Number, err)
		}
		e := w[4+i*lockTagLen:]
		putText(e[:TagBytes/2], t.Tag)
		put32(e[TagBytes/2:], uint32(t.Slot))
	}
	if len(l.AssignedUsers) > MaxLockUsers {
		return nil, fmt.Errorf("lock %d has %d users: map v3 carries %d", l.Number, len(l.AssignedUsers), MaxLockUsers)
	}
	w[lockUsersAt] = uint16(len(l.AssignedUsers))
	for i, slot := range slices.Sorted(slices.Values(l.AssignedUsers)) {
		if slot < 1 || slot > 1<<16-1 {
			return nil, fmt.Errorf("lock %d: assigned slot %d is not in the map", l.Number, slot)
		}
		w[lockUsersAt+1+i] = uint16(slot)
	}
	w[LockBlockLen-1] = crc16(w[:LockBlockLen-1])
	return w, nil
}

// DecodeLock decodes the block of lock n. Users are the distinct slots of
// its tags, ascending; tags are ascending; AssignedUsers are the assigned
// users, which the block lists ascending without repeats.
func DecodeLock(n int, w []uint16) (drivers.LockStatus, []LockTag, error) {
	var l drivers.LockStatus
	if len(w) != LockBlockLen {
		return l, nil, garbled("lock block of %d registers, want %d", len(w), LockBlockLen)
	}
	// A lock block takes two requests, so the check word also catches a
	// block that changed between them.
	if crc16(w[:LockBlockLen-1]) != w[LockBlockLen-1] {
		return l, nil, garbled("lock block %d failed its check word", n)
	}
	if int(w[0]) != n {
		return l, nil, garbled("lock block %d says lock %d: check options base", n, w[0])
	}
	if int(w[1]) >= len(lockStates) {
		return l, nil, garbled("lock %d has state code %d, unknown in map v3", n, w[1])
	}
	if w[2] > 100 {
		return l, nil, garbled("lock %d reports battery %d%%", n, w[2])
	}
	if w[3] > MaxTagsPerLock {
		return l, nil, garbled("lock %d reports %d tags (map v3 has up to %d)", n, w[3], MaxTagsPerLock)
	}
	l = drivers.LockStatus{Number: n, State: lockStates[w[1]], Battery: int(w[2])}
	var tags []LockTag
	seen := map[int]bool{}
	for i := range int(w[3]) {
		e := w[4+i*lockTagLen:]
		tag, err := getTag(e[:TagBytes/2])
		if err != nil {
			return drivers.LockStatus{}, nil, garbled("lock %d tag entry %d: %v", n, i+1, err)
		}
		slot := int(get32(e[TagBytes/2:]))
		tags = append(tags, LockTag{tag, slot})
		l.Tags = append(l.Tags, tag)
		if !seen[slot] {
			seen[slot] = true
			l.Users = append(l.Users, slot)
		}
	}
	slices.Sort(l.Tags)
	slices.Sort(l.Users)
	if w[lockUsersAt] > MaxLockUsers {
		return drivers.LockStatus{}, nil, garbled("lock %d reports %d users (map v3 has up to %d)", n, w[lockUsersAt], MaxLockUsers)
	}
	for i, x := range w[lockUsersAt+1 : lockUsersAt+1+int(w[lockUsersAt])] {
		if x == 0 || (i > 0 && int(x) <= l.AssignedUsers[i-1]) {
			return drivers.LockStatus{}, nil, garbled("lock %d user entry %d: slot %d (slots are listed ascending, from 1)", n, i+1, x)
		}
		l.AssignedUsers = append(l.AssignedUsers, int(x))
	}
	return l, tags, nil
}

// getTag unpacks a tag ID and checks it is one a device could hold (1-24
// printable ASCII characters without spaces).
func getTag(w []uint16) (string, error) {
	tag, err := getText(w, "tag")
	if err != nil {
		return "", err
	}
	if err := drivers.CheckTag(tag); err != nil {
		return "", fmt.Errorf("tag %q: %v", tag, err)
	}
	return tag, nil
}

// --- keypad tags ------------------------------------------------------------

// KeypadTable is the keypad tag table: the room it has and the tags in it.
type KeypadTable struct {
	Capacity int                 // entries; the identity's KeypadTags
	Tags     []drivers.KeypadTag // by ascending slot, then tag
}

func keypadOrder(a, b drivers.KeypadTag) int {
	if a.Slot != b.Slot {
		return cmp.Compare(a.Slot, b.Slot)
	}
	return strings.Compare(a.Tag, b.Tag)
}

// EncodeKeypadTable returns the whole table: the header, then Capacity
// entries, those past the tags all zeros. Tags are put in slot order; each
// must be a valid tag ID, on one entry only, of a slot from 1.
func EncodeKeypadTable(t KeypadTable) ([]uint16, error) {
	if t.Capacity < 0 || t.Capacity > MaxKeypadTags || len(t.Tags) > t.Capacity {
		return nil, fmt.Errorf("%d keypad tags in a table of %d entries (map v3 has up to %d)", len(t.Tags), t.Capacity, MaxKeypadTags)
	}
	tags := slices.SortedFunc(slices.Values(t.Tags), keypadOrder)
	w := make([]uint16, KeypadHeaderLen+t.Capacity*KeypadEntryLen)
	w[0], w[1], w[2] = KeypadMagic, uint16(len(tags)), uint16(t.Capacity)
	w[3] = crc16(w[:3])
	seen := make(map[string]bool, len(tags))
	for i, k := range tags {
		if err := drivers.CheckTag(k.Tag); err != nil {
			return nil, fmt.Errorf("keypad tag of slot %d: %w", k.Slot, err)
		}
		if k.Slot < 1 || int64(k.Slot) > 1<<32-1 {
			return nil, fmt.Errorf("keypad tag %s: slot %d is not in the map", k.Tag, k.Slot)
		}
		if seen[k.Tag] {
			return nil, fmt.Errorf("keypad tag %s is on two entries", k.Tag)
		}
		seen[k.Tag] = true
		e := w[KeypadHeaderLen+i*KeypadEntryLen:][:KeypadEntryLen]
		e[0] = uint16(i + 1)
		put32(e[1:], uint32(k.Slot))
		putText(e[3:3+TagBytes/2], k.Tag)
		e[15] = crc16(e[:15])
	}
	return w, nil
}

// DecodeKeypadHeader decodes the table's header (its first
// KeypadHeaderLen registers): how many entries are in use, and how many
// there are.
func DecodeKeypadHeader(w []uint16) (count, capacity int, err error) {
	if len(w) < KeypadHeaderLen {
		return 0, 0, garbled("keypad tag table header of %d registers, want %d", len(w), KeypadHeaderLen)
	}
	if w[0] != KeypadMagic || crc16(w[:3]) != w[3] {
		return 0, 0, garbled("no keypad tag table header here (word 0 %#04x, want %#04x, or a wrong check word): check options base", w[0], KeypadMagic)
	}
	count, capacity = int(w[1]), int(w[2])
	if capacity > MaxKeypadTags || count > capacity {
		return 0, 0, garbled("keypad tag table says %d tags in %d entries (map v3 has up to %d)", count, capacity, MaxKeypadTags)
	}
	return count, capacity, nil
}

// DecodeKeypadTable decodes the header and the entries in use, which w
// must hold; entries past them are not read. An entry whose number, check
// word, slot or tag is wrong, or out of order, is an error wrapping
// ErrGarbled.
func DecodeKeypadTable(w []uint16) (KeypadTable, error) {
	count, capacity, err := DecodeKeypadHeader(w)
	if err != nil {
		return KeypadTable{}, err
	}
	if need := KeypadHeaderLen + count*KeypadEntryLen; len(w) < need {
		return KeypadTable{}, garbled("keypad tag table of %d registers holds %d tags, which take %d", len(w), count, need)
	}
	t := KeypadTable{Capacity: capacity}
	seen := make(map[string]bool, count)
	for i := range count {
		e := w[KeypadHeaderLen+i*KeypadEntryLen:][:KeypadEntryLen]
		if crc16(e[:15]) != e[15] {
			return KeypadTable{}, garbled("keypad tag entry %d failed its check word: read it again", i+1)
		}
		if int(e[0]) != i+1 {
			return KeypadTable{}, garbled("keypad tag entry %d says entry %d: check options base", i+1, e[0])
		}
		k := drivers.KeypadTag{Slot: int(get32(e[1:]))}
		if k.Slot < 1 {
			return KeypadTable{}, garbled("keypad tag entry %d has slot 0", i+1)
		}
		if k.Tag, err = getTag(e[3 : 3+TagBytes/2]); err != nil {
			return KeypadTable{}, garbled("keypad tag entry %d: %v", i+1, err)
		}
		if seen[k.Tag] {
			return KeypadTable{}, garbled("keypad tag %s is on two entries", k.Tag)
		}
		seen[k.Tag] = true
		if n := len(t.Tags); n > 0 && keypadOrder(t.Tags[n-1], k) >= 0 {
			return KeypadTable{}, garbled("keypad tag entry %d is out of slot order", i+1)
		}
		t.Tags = append(t.Tags, k)
	}
	return t, nil
}

// --- mailbox ------------------------------------------------------------------

// Command is one mailbox command.
type Command struct {
	Seq        uint16 // echoed in the status; 0 turns off the repeat check
	Op         uint16
	Slot       int
	Number     int    // partition or lock
	Arg        uint16 // role code (set code) or arm mode (1 stay, 2 away)
	Code       string // digits, set code only
	Partitions uint64
	Label      string
	Tag        string
}

// EncodeCommand returns the command block. Code, label and tag must fit.
func EncodeCommand(c Command) ([]uint16, error) {
	w := make([]uint16, CommandLen)
	if err := encodeCommand(w, c); err != nil {
		return nil, err
	}
	return w, nil
}

func encodeCommand(w []uint16, c Command) error {
	if len(c.Code) > MaxCodeDigits || len(c.Label) > LabelBytes || len(c.Tag) > TagBytes {
		return fmt.Errorf("command fields too long for map v3 (code %d of %d, label %d of %d, tag %d of %d bytes)",
			len(c.Code), MaxCodeDigits, len(c.Label), LabelBytes, len(c.Tag), TagBytes)
	}
	clear(w)
	w[0], w[1] = c.Seq, c.Op
	put32(w[2:], uint32(c.Slot))
	w[4], w[5], w[6] = uint16(c.Number), c.Arg, uint16(len(c.Code))
	putText(w[7:11], c.Code)
	put64(w[11:], c.Partitions)
	putText(w[15:31], c.Label)
	putText(w[31:31+TagBytes/2], c.Tag)
	return nil
}

// DecodeCommand decodes a command block.
func DecodeCommand(w []uint16) (Command, error) {
	if len(w) != CommandLen {
		return Command{}, garbled("command block of %d registers, want %d", len(w), CommandLen)
	}
	c := Command{Seq: w[0], Op: w[1], Slot: int(get32(w[2:])), Number: int(w[4]), Arg: w[5], Partitions: get64(w[11:])}
	n := int(w[6])
	if n > MaxCodeDigits {
		return Command{}, garbled("command code length %d (map v3 carries up to %d)", n, MaxCodeDigits)
	}
	var b [MaxCodeDigits]byte
	for i := range n {
		x := w[7+i/2]
		if i%2 == 0 {
			b[i] = byte(x >> 8)
		} else {
			b[i] = byte(x)
		}
	}
	c.Code = string(b[:n])
	clear(b[:])
	var err error
	if c.Label, err = getText(w[15:31], "label"); err != nil {
		return Command{}, err
	}
	if c.Tag, err = getText(w[31:31+TagBytes/2], "tag"); err != nil {
		return Command{}, err
	}
	return c, nil
}

// Status is the mailbox status block.
type Status struct {
	Seq, Op, Code uint16
	Reason        string
}

// EncodeStatus returns the status block; the reason is cut to ReasonBytes.
func EncodeStatus(s Status) []uint16 {
	w := make([]uint16, StatusLen)
	w[0], w[1], w[2] = s.Seq, s.Op, s.Code
	putText(w[4:4+ReasonBytes/2], cut(s.Reason, ReasonBytes))
	return w
}

// DecodeStatus decodes a status block.
func DecodeStatus(w []uint16) (Status, error) {
	if len(w) != StatusLen {
		return Status{}, garbled("status block of %d registers, want %d", len(w), StatusLen)
	}
	reason, err := getText(w[4:4+ReasonBytes/2], "status reason")
	if err != nil {
		return Status{}, err
	}
	return Status{Seq: w[0], Op: w[1], Code: w[2], Reason: reason}, nil
}

// Refusal returns the refusal a status reports (nil for StatusOK and
// StatusBusy): its reason, or the kind's name when the device gave none.
func (s Status) Refusal() *drivers.Refusal {
	if s.Code < StatusRefused {
		return nil
	}
	kind := drivers.RefusalKind(s.Code - StatusRefused)
	if kind != drivers.RefusedOther && kind.String() == drivers.RefusedOther.String() {
		kind = drivers.RefusedOther // a code this map version does not know
	}
	reason := s.Reason
	if reason == "" {
		reason = "the panel refused the change (" + kind.String() + ")"
	}
	return &drivers.Refusal{Reason: reason, Kind: kind}
}
