// Package drivers defines how guardroom talks to devices: the device-side
// types (user slots, partitions, locks, tags), the Panel interface every
// driver implements and the optional Locks and KeypadTags ones, the error
// classes the dispatcher acts on, and a registry of drivers by name.
//
// drivers knows nothing of the store: drivers/dispatch joins the two. Each
// driver is its own subpackage (drivers/sim, drivers/modbus, ...) and
// registers itself from init, so a program selects the drivers it supports
// with blank imports:
//
//	import _ "github.com/guardroom/guardroom/drivers/sim"
//
//	p, err := drivers.Open("sim", drivers.Config{Address: "demo-1", Family: "neo-hs2064"})
//
// Codes are secrets. No driver logs a code, puts one in an error, or keeps
// one after the call that sends it returns.
package drivers

import (
	"context"
	"fmt"
	"hash/crc32"
	"math/bits"
	"time"
	"unicode/utf8"

	"github.com/guardroom/guardroom/store/family"
)

// ArmMode is how a partition is armed: store/family's words, shared with
// the store.
type ArmMode = family.ArmMode

// Arm modes.
const (
	Stay    = family.ArmStay
	Away    = family.ArmAway
	NoEntry = family.ArmNoEntry
)

// User is one user slot as the device reports it. It never carries the
// code: CodeCheck and CodeSerial let a reader notice that a code changed
// without reading it.
type User struct {
	Slot    int    // 1-based slot number
	CodeSet bool   // the slot holds a code
	Label   string // the device's label for the slot; empty if none
	Role    string // a store/family role name ("Master", "User", ...)
	// Partitions is the set of partitions the user may arm and disarm:
	// bit n-1 stands for partition n.
	Partitions uint64
	// CodeCheck is a device-side checksum of the code, CodeCheck(slot,
	// code), so that a write can be verified, and drift (a code changed at
	// the keypad) shows, without reading codes; 0 when no code is set or
	// the device cannot tell. The store must never keep it: trying every
	// code against it finds the code (see the CodeCheck function).
	CodeCheck uint32
	// CodeSerial is a counter the device bumps every time the slot's code
	// changes (set, replaced or cleared, by guardroom or at the keypad); 0
	// when the device keeps no such counter. It says nothing about the
	// code, so unlike CodeCheck the store keeps it, and a later poll that
	// reads another serial has found drift.
	CodeSerial uint32
}

// Partition is one partition (area) of a panel.
type Partition struct {
	Number int // 1-based
	Label  string
	State  family.PartitionState
}

// LockStatus is the state of one door lock.
type LockStatus struct {
	Number  int // 1-based
	State   family.LockState
	Battery int      // percent, 0-100
	Users   []int    // slots of the panel users holding a tag on this lock, ascending
	Tags    []string // tag IDs enrolled on this lock, ascending
	// AssignedUsers are the slots of the panel users assigned to this
	// lock (Locks.AssignUser), ascending: their codes open it. A user can
	// hold a tag on a lock without being assigned to it, and the other
	// way round.
	AssignedUsers []int
}

// Identity is what a device says it is.
type Identity struct {
	Vendor, Model, Serial, Firmware string
	Slots                           int // user slots are numbered 1..Slots
	Partitions                      int
	CodeLength                      int // digits of every user code on this panel
	MapVersion                      int // register map version (Modbus); 0 when the driver has no map
}

// Capabilities is what a driver can do with its device.
type Capabilities struct {
	ReadBack   bool // reads back what it wrote (ReadUsers shows the change)
	Users      bool // sets and clears user codes, labels and partitions
	Partitions bool // reads partition states
	ArmDisarm  bool // arms and disarms partitions
	Locks      bool // implements Locks and the device has locks
	Tags       bool // enrols and removes tags on locks
	KeypadTags bool // implements KeypadTags and the panel's keypads read proximity tags
}

// Panel is an alarm panel behind a driver. Methods are safe for concurrent
// use; a driver serializes what its transport needs serialized. Errors are
// classified with Transient and *Refusal.
type Panel interface {
	// Identify reads the device's identity.
	Identify(ctx context.Context) (Identity, error)
	// Capabilities says what this driver can do with this device.
	Capabilities() Capabilities
	// ReadUsers returns the slots holding a code, by ascending slot. A
	// slot that is absent is empty.
	ReadUsers(ctx context.Context) ([]User, error)
	// ReadUser reads one slot. An empty slot is User{Slot: slot,
	// CodeSerial: its serial} with CodeSet false: the serial is reported
	// for empty slots too, so that a code cleared at the keypad shows.
	ReadUser(ctx context.Context, slot int) (User, error)
	// SetCode creates or replaces slot u.Slot with code and u's role,
	// label and partitions (0 partitions: every partition). u.CodeSet,
	// u.CodeCheck and u.CodeSerial are ignored.
	SetCode(ctx context.Context, u User, code string) error
	// ClearCode empties a slot: code, role, label and partitions.
	ClearCode(ctx context.Context, slot int) error
	// SetLabel changes the label of a slot holding a code.
	SetLabel(ctx context.Context, slot int, label string) error
	// SetPartitions changes the partitions the user in a slot holding a
	// code may arm and disarm (bit n-1 = partition n; at least one).
	SetPartitions(ctx context.Context, slot int, parts uint64) error
	// ReadPartitions returns every partition, by ascending number.
	ReadPartitions(ctx context.Context) ([]Partition, error)
	// Arm arms a partition.
	Arm(ctx context.Context, partition int, mode ArmMode) error
	// Disarm disarms a partition.
	Disarm(ctx context.Context, partition int) error
	// Close releases the driver's connection. The Panel must not be used
	// afterwards.
	Close() error
}

// Locks is implemented by a Panel that also drives door locks; check
// Capabilities().Locks before relying on it.
type Locks interface {
	// ReadLocks returns every lock, by ascending number.
	ReadLocks(ctx context.Context) ([]LockStatus, error)
	// Lock locks door lock n.
	Lock(ctx context.Context, n int) error
	// Unlock unlocks door lock n.
	Unlock(ctx context.Context, n int) error
	// AddTag enrols tag on lock for the user in slot.
	AddTag(ctx context.Context, lock int, tag string, slot int) error
	// RemoveTag removes tag from lock; removing a tag the lock does not
	// hold succeeds.
	RemoveTag(ctx context.Context, lock int, tag string) error
	// AssignUser gives the panel user in slot the lock: the panel copies
	// that slot's code into the lock's user (PIN) slot for it, as a Yale
	// or Z-Wave lock behind an alarm panel takes its users' codes, and
	// keeps it there when the code changes at the panel. The call carries
	// the slot only, never a code: the slot must hold a code on the panel
	// already (else a *Refusal of kind RefusedBadSlot), and a lock that
	// has no room for another user refuses with RefusedLock. Assigning a
	// slot the lock has already succeeds, so that a retried job applies
	// once.
	AssignUser(ctx context.Context, lock, slot int) error
	// UnassignUser takes the lock away from the user in slot: the panel
	// clears that user's PIN slot on the lock. Unassigning a slot the lock
	// does not have succeeds. Clearing a slot's code (Panel.ClearCode)
	// unassigns it from every lock too.
	UnassignUser(ctx context.Context, lock, slot int) error
}

// KeypadTag is a legacy proximity tag that a panel's keypads read, and the
// user slot it belongs to: presenting it at a keypad with a reader acts as
// that user.
type KeypadTag struct {
	Tag  string
	Slot int
}

// KeypadTags is implemented by a Panel whose keypads have proximity readers
// (store/family's KeypadProx); check Capabilities().KeypadTags before
// relying on it. A driver for any other panel refuses every call with a
// *Refusal of kind RefusedUnsupported.
//
// The rules a panel enforces, and the drivers with it: the slot must hold a
// code; a slot holds one tag; a tag is on one slot at most; clearing a
// slot's code removes its tag. Some panels keep tags for only their first
// user slots (KeypadTagSlots).
type KeypadTags interface {
	// ReadKeypadTags returns the tags the keypads know, by ascending slot.
	ReadKeypadTags(ctx context.Context) ([]KeypadTag, error)
	// AddKeypadTag gives tag to the user in slot. Adding the tag the slot
	// already holds succeeds, so that a retried job applies once.
	AddKeypadTag(ctx context.Context, slot int, tag string) error
	// RemoveKeypadTag removes tag from whichever slot holds it; removing a
	// tag the panel does not hold succeeds.
	RemoveKeypadTag(ctx context.Context, tag string) error
}

// MaxTagBytes is the longest tag ID a driver carries, for lock and keypad
// tags alike: store/tagid's canonical forms reach 20 characters
// ("H10302:34359738367"), and the rest is headroom for a longer UID.
const MaxTagBytes = 24

// CheckTag refuses (RefusedTag) a tag ID no device could hold: empty,
// longer than MaxTagBytes, or not printable ASCII without spaces. Devices
// compare tag IDs byte for byte, so a space or a look-alike letter would
// make a tag that no reader ever presents.
func CheckTag(tag string) error {
	if len(tag) == 0 || len(tag) > MaxTagBytes {
		return &Refusal{Kind: RefusedTag, Reason: fmt.Sprintf("tag ID must be 1-%d characters", MaxTagBytes)}
	}
	for i := 0; i < len(tag); i++ {
		if tag[i] <= 0x20 || tag[i] >= 0x7f {
			return &Refusal{Kind: RefusedTag, Reason: "tag ID must be printable ASCII without spaces"}
		}
	}
	return nil
}

// MaxLabelBytes is the longest slot or partition label a panel keeps, in
// bytes of UTF-8.
const MaxLabelBytes = 32

// CheckPartitions refuses a partition set a panel of n partitions cannot
// take: empty, or naming a partition past its last.
func CheckPartitions(parts uint64, n int) error {
	if parts == 0 {
		return &Refusal{Kind: RefusedPartition, Reason: "no partition given: give the user at least one partition"}
	}
	if hi := 64 - bits.LeadingZeros64(parts); hi > n {
		return &Refusal{Kind: RefusedPartition, Reason: fmt.Sprintf("partition %d does not exist: this panel has partitions 1-%d", hi, n)}
	}
	return nil
}

// CheckLabel refuses a label a panel cannot keep: longer than
// MaxLabelBytes, not valid UTF-8, or holding a control character (a line
// break would split a keypad display line, or a step shown to a person).
func CheckLabel(label string) error {
	if len(label) > MaxLabelBytes {
		return &Refusal{Kind: RefusedLabel, Reason: fmt.Sprintf("label is %d bytes: a panel keeps at most %d (fewer letters with accents)", len(label), MaxLabelBytes)}
	}
	if !utf8.ValidString(label) {
		return &Refusal{Kind: RefusedLabel, Reason: "label is not valid text: retype it"}
	}
	for _, r := range label {
		if r < 0x20 || r == 0x7f {
			return &Refusal{Kind: RefusedLabel, Reason: "label holds a control character: use letters, digits and punctuation"}
		}
	}
	return nil
}

// KeypadTagSlots is how many user slots, from slot 1, can hold a keypad
// tag on a panel of family (a store/family ID), for the panels that keep
// fewer tags than users; 0 means every slot can. Visonic keeps 8 tags on a
// PowerMax and a PowerMaster-10 and 32 on a PowerMaster-30 (DOMAIN.md §1.6,
// pyvisonic's pmPanelConfig), one a user; which users those are is not in
// DOMAIN.md, so the first ones are assumed [unverified]. It lives here,
// not in store/family, because only the drivers need it to act like the
// panel.
func KeypadTagSlots(family string) int {
	switch family {
	case "visonic-powermax", "visonic-powermaster10":
		return 8
	case "visonic-powermaster30":
		return 32
	}
	return 0
}

// IdentityKeeper is a driver that identifies its device on every new
// connection, before anything is written (the modbus driver). KnownIdentity
// returns what the device said it is at the last identification, without
// asking it again; false before the first one and after one that failed.
// The dispatcher reports it to the store, which compares it with the
// panel's settings.
type IdentityKeeper interface {
	KnownIdentity() (Identity, bool)
}

// CommandNumbers is a driver whose commands carry a number the device uses
// to ignore a repeat (the Modbus mailbox's sequence number: a command equal
// to the last one, with the same number, is a retry after a lost reply).
// The dispatcher gives it next, which reserves the device's next number
// durably in the store before the command is written, so that no command
// gets the number of the one before it, even in a new process or after a
// kill. next returns 1, 2, 3, ...; the driver folds it into its protocol's
// range. Without it a driver numbers commands itself.
type CommandNumbers interface {
	UseCommandNumbers(next func(ctx context.Context) (uint64, error))
}

// Config is one device's configuration, as the store keeps it.
type Config struct {
	// Address says where the device is; its form is the driver's ("tcp://10.0.0.5:502",
	// "rtu:///dev/ttyUSB0", a sim device name).
	Address string
	// Options are driver-specific settings (for modbus: unit, base,
	// timeout, baud, parity, stop, databits; for sim: locks, state,
	// offline).
	Options map[string]string
	// Family is the panel's store/family ID, e.g. "neo-hs2064".
	Family string
	// Slots and CodeLength override the family's defaults where the panel
	// is configured differently; 0 keeps the default.
	Slots, CodeLength int

	// The secrets a driver may need, each "" when the store keeps none.
	// The store keeps them encrypted and never shows them; a driver never
	// logs one, puts one in an error, or sends one before the device has
	// proved it speaks the configured protocol.
	//
	// Password is the interface's own login password (the Envisalink
	// TPI's).
	Password string
	// MasterCode is the panel's master (or installer) code, which a driver
	// types to program user codes by keystrokes.
	MasterCode string
	// ArmCode is a user code the driver enters when the panel asks for one
	// to arm or disarm, for the commands that carry no typed code.
	ArmCode string
}

// ZoneStatus is one zone as the device reports it. Type and State use the
// store's words (store.ZoneType, store.ZoneState: "door contact",
// "closed", "open", "alarm", ...); "" when the device does not say.
type ZoneStatus struct {
	Number    int // 1-based
	Partition int
	Type      string
	State     string
	Label     string
}

// Event is one event a device saw. Kind uses the store's words
// (store.EventKind: "alarm", "restore", "trouble", "duress", ...).
type Event struct {
	Kind            string
	Partition, Zone int
	User            int    // armed/disarmed by user N
	Seq             uint64 // the device's own sequence number, 1, 2, 3 ...
	Time            time.Time
	Text            string
}

// EventSource is a Panel that reports its zones and the events it saw
// (issue 18). The dispatcher reads the events, records them, and only
// then acknowledges them, so an event is never lost between the device
// and the journal: one read again after a crash is recorded twice rather
// than not at all.
type EventSource interface {
	ReadZones(ctx context.Context) ([]ZoneStatus, error)
	// ReadEvents returns the events the device holds that were not yet
	// acknowledged, oldest first (at most a driver's batch).
	ReadEvents(ctx context.Context) ([]Event, error)
	// AckEvents tells the device the events up to seq are recorded.
	AckEvents(ctx context.Context, seq uint64) error
}

// CodedArming is a Panel whose arming and disarming can take a user code
// typed for that one command (an operator types it, masked; it is never
// stored). Panel.Arm and Panel.Disarm then use Config.ArmCode when the
// panel asks for a code, and are refused (RefusedUnsupported) without one.
type CodedArming interface {
	ArmWithCode(ctx context.Context, partition int, mode ArmMode, code string) error
	DisarmWithCode(ctx context.Context, partition int, code string) error
}

// CodeCheck is the checksum a device reports for the code in a slot:
// CRC-32 (IEEE) of the slot as 4 big-endian bytes followed by the code's
// ASCII digits. The dispatcher computes it to verify a write by reading the
// slot back.
//
// It is not a secret-keeping hash: a 4-8 digit code can be found from its
// CodeCheck by trying every code. Treat it like the code: never log, show
// or store it (the store keeps User.CodeSerial to notice drift instead).
func CodeCheck(slot int, code string) uint32 {
	var b [4 + 16]byte
	s := uint32(slot)
	b[0], b[1], b[2], b[3] = byte(s>>24), byte(s>>16), byte(s>>8), byte(s)
	buf := append(b[:4], code...)
	sum := crc32.ChecksumIEEE(buf)
	clear(buf)
	return sum
}

// UserSeen is a user the panel reported arming or disarming a partition
// (DSC 700/750, a Vista's Contact ID closing or opening by user N): the
// panel took that user's code, which proves a code sent by keystrokes.
type UserSeen struct {
	Slot, Partition int
	Armed           bool // armed (a closing); false: disarmed (an opening)
}

// UserActivity is a Panel that reports the users its panel saw arming and
// disarming, for drivers whose writes cannot be read back.
type UserActivity interface {
	// UsersSeen returns the users seen since the last call, oldest first.
	UsersSeen() []UserSeen
}
