// Package sim is the "sim" driver: in-process simulated alarm panels, and
// the door locks they drive, that follow the rules of the real panel
// families in store/family (slot range, master slot, code length,
// duplicate codes, the code + 1 duress rule, one Master, partition states,
// lock batteries, keypad proximity tags) and take injected faults
// (offline, slow, failures, garbled reads, codes changed at the keypad).
//
// Panels are keyed by Config.Address: every Open of one address shares one
// simulated panel until Reset. Tests reach a panel's fault switches with
// Device(address). NewPanel makes a panel outside that registry, for
// transport simulators such as drivers/modbus's Simulator.
//
// Config.Options:
//
//   - locks: door locks, 0-16 (default 2 on families with door locks).
//   - state: a file that keeps the panel across restarts. Open loads it if
//     it exists (it must describe the same family, slots, code length and
//     locks) and writes it after every change: slots (role, label,
//     partitions, code serial, and the code as its salted hash and
//     CodeCheck), keypad tags, partition states and labels, locks with
//     their batteries, tags and assigned users, and the offline fault (not slow, FailNext
//     or Corrupt, which are for one test). Each write goes to a temporary file in the
//     same directory, is synced and renamed over the file, so a crash
//     leaves the old state or the new; the file is mode 0600. One panel
//     per file: two addresses naming one file are refused.
//   - offline: "true" starts the panel offline (a demo site's dead panel),
//     "false" online; without it, as the state file says.
//   - zones: zones, 0-128 (default 8); their states and the events the
//     panel holds (zones.go) are not in the state file.
//
// A state file holds no code, but a 4-8 digit code can be found from its
// salted hash or its CodeCheck by trying every code: it is for demos and
// tests, not for the codes of doors that matter.
//
// A simulated panel, like a real one, never keeps a code in clear: it keeps
// a salted SHA-256 of each code for the duplicate checks and the
// drivers.CodeCheck it reports. Each slot has a code serial, as
// drivers.User.CodeSerial describes: 0 until the slot's code first
// changes (the factory master code included), then bumped by every
// SetCode, ChangeAtKeypad and clear of a slot holding a code.
package sim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// Limits a simulated panel enforces, matching Modbus register map v3.
const (
	MaxLabelBytes  = drivers.MaxLabelBytes // bytes of UTF-8 in a slot or partition label
	MaxTagBytes    = drivers.MaxTagBytes   // bytes of a tag ID, lock or keypad (printable ASCII)
	MaxTagsPerLock = 16
	// MaxUsersPerLock is how many panel users one lock takes. The sim
	// does not know a lock's model (the store's capability table does:
	// 20 on a Yale Doorman, 250 on a generic Z-Wave lock), so it applies
	// the limit of Modbus map v3's lock block.
	MaxUsersPerLock = 40
	MaxLocks        = 16
	DefaultLocks    = 2   // locks on a family with door locks, unless Options["locks"] says otherwise
	batteryPerCycle = 1   // percent a lock or unlock costs
	fullBattery     = 100 // percent
)

func init() { drivers.Register("sim", Open) }

var (
	regMu   sync.Mutex
	devices = map[string]*Panel{}
)

// Open is the sim driver's factory: it returns the simulated panel at
// cfg.Address, creating it (from cfg, see NewPanel) on first use. A later
// Open of the same address must name the same family; its other settings
// are ignored. Two addresses cannot share a state file.
func Open(cfg drivers.Config) (drivers.Panel, error) {
	if cfg.Address == "" {
		return nil, fmt.Errorf("no address: give the simulated panel a name, e.g. demo-1")
	}
	regMu.Lock()
	defer regMu.Unlock()
	if p, ok := devices[cfg.Address]; ok {
		if cfg.Family != "" && cfg.Family != p.fam.ID {
			return nil, fmt.Errorf("sim %s already simulates a %s panel, not %s: use another address", cfg.Address, p.fam.ID, cfg.Family)
		}
		return p, nil
	}
	if path := cfg.Options["state"]; path != "" {
		for addr, q := range devices {
			if q.statePath != "" && samePath(q.statePath, path) {
				return nil, fmt.Errorf("sim %s: state file %s already keeps sim %s: give each panel its own file", cfg.Address, path, addr)
			}
		}
	}
	p, err := NewPanel(cfg)
	if err != nil {
		return nil, err
	}
	devices[cfg.Address] = p
	return p, nil
}

// Device returns the simulated panel Open made for address, or nil if
// there is none.
func Device(address string) *Panel {
	regMu.Lock()
	defer regMu.Unlock()
	return devices[address]
}

// Reset forgets every simulated panel Open made (for tests).
func Reset() {
	regMu.Lock()
	defer regMu.Unlock()
	clear(devices)
}

// Panel is one simulated panel and its locks. It implements drivers.Panel,
// drivers.Locks and drivers.KeypadTags; its other exported methods inject
// faults and let tests and transport simulators look inside.
type Panel struct {
	address   string
	fam       family.Family
	slots     int
	codeLen   int
	salt      [16]byte
	statePath string // "": the state lives in memory only

	mu    sync.Mutex
	users map[int]*slotRec
	codes map[[32]byte]int // salted code hash → slot
	// serials outlives the slot's code: a cleared slot keeps its serial,
	// so that the clear shows to a reader of the empty slot.
	serials map[int]uint32
	parts   []drivers.Partition
	locks   []*lockRec
	// keypad holds the keypad tags by slot: one a slot, as on the panels
	// whose keypads read tags. Nil on a family without keypad readers.
	keypad    map[int]string
	keypadMax int // most keypad tags the panel holds; 0: one a slot is the only limit
	// zones and events (zones.go): not kept in the state file.
	zones    []drivers.ZoneStatus
	events   []drivers.Event
	eventSeq uint64

	offline  bool
	slow     time.Duration
	failNext []error
	corrupt  int
}

type slotRec struct {
	hash  [32]byte
	check uint32
	role  string
	label string
	parts uint64
}

type lockRec struct {
	state   family.LockState
	battery int
	tags    map[string]int // tag → slot
	users   []int          // assigned user slots, ascending
}

// NewPanel makes a simulated panel that is not in Open's registry.
// cfg.Family (a store/family ID) is required; cfg.Slots and cfg.CodeLength
// default to the family's. Options:
//
//   - locks: the number of door locks (0-16, default 2 on families with
//     door locks).
//   - state: a file the panel loads at NewPanel if it exists, and writes
//     after every change (see the package doc).
//   - offline: "true" starts the panel offline, as SetOffline(true);
//     "false" online; without it, as the state file says (online if none).
//   - zones: the number of zones (0-128, default 8; see zones.go).
//
// A fresh panel's master slot holds the factory code: the first CodeLength
// digits of 12345678 (1111 on Visonic).
func NewPanel(cfg drivers.Config) (*Panel, error) {
	fam, ok := family.Lookup(cfg.Family)
	if !ok {
		ids := make([]string, 0, 16)
		for _, f := range family.All() {
			ids = append(ids, f.ID)
		}
		return nil, fmt.Errorf("sim %s: unknown panel family %q: use one of %v", cfg.Address, cfg.Family, ids)
	}
	p := &Panel{
		address: cfg.Address,
		fam:     fam,
		slots:   fam.Slots,
		codeLen: fam.CodeLengths[0],
		users:   map[int]*slotRec{},
		codes:   map[[32]byte]int{},
		serials: map[int]uint32{},
	}
	if cfg.Slots != 0 {
		if cfg.Slots < 1 || cfg.Slots > fam.MaxSlots {
			return nil, fmt.Errorf("sim %s: %d slots: a %s has 1 to %d", cfg.Address, cfg.Slots, fam.Model, fam.MaxSlots)
		}
		p.slots = cfg.Slots
	}
	if cfg.CodeLength != 0 {
		if !fam.AllowsCodeLength(cfg.CodeLength) {
			return nil, fmt.Errorf("sim %s: a %s does not take %d-digit codes: use one of %v", cfg.Address, fam.Model, cfg.CodeLength, fam.CodeLengths)
		}
		p.codeLen = cfg.CodeLength
	}
	nlocks := 0
	if fam.DoorLocks {
		nlocks = DefaultLocks
	}
	var offline *bool
	nzones := DefaultZones
	for k, v := range cfg.Options {
		switch k {
		case "locks":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > MaxLocks {
				return nil, fmt.Errorf("sim %s: option locks=%q: give a number from 0 to %d", cfg.Address, v, MaxLocks)
			}
			if n > 0 && !fam.DoorLocks {
				return nil, fmt.Errorf("sim %s: a %s drives no door locks: drop option locks", cfg.Address, fam.Model)
			}
			nlocks = n
		case "state":
			if v == "" {
				return nil, fmt.Errorf("sim %s: option state is empty: name the file that keeps the panel's state, or drop the option", cfg.Address)
			}
			p.statePath = v
		case "zones":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > MaxZones {
				return nil, fmt.Errorf("sim %s: option zones=%q: give a number from 0 to %d", cfg.Address, v, MaxZones)
			}
			nzones = n
		case "offline":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("sim %s: option offline=%q: give true or false", cfg.Address, v)
			}
			offline = &b
		default:
			return nil, fmt.Errorf("sim %s: unknown option %q: the sim driver takes locks, zones, state and offline", cfg.Address, k)
		}
	}
	if _, err := rand.Read(p.salt[:]); err != nil {
		return nil, fmt.Errorf("sim %s: %w", cfg.Address, err)
	}
	for i := 1; i <= fam.Partitions; i++ {
		p.parts = append(p.parts, drivers.Partition{Number: i, Label: "Partition " + strconv.Itoa(i), State: family.Disarmed})
	}
	for range nlocks {
		p.locks = append(p.locks, &lockRec{state: family.LockLocked, battery: fullBattery, tags: map[string]int{}})
	}
	if fam.KeypadProx {
		p.keypad = map[int]string{}
	}
	p.addZones(nzones)
	master := "12345678"[:p.codeLen]
	if fam.Type == family.TypeVisonic {
		master = "1111"
	}
	p.store(fam.MasterSlot, master, &slotRec{role: string(family.RoleMaster), label: "Master", parts: p.allParts()})
	if p.statePath != "" {
		if err := p.load(); err != nil {
			return nil, err
		}
	}
	if offline != nil {
		p.offline = *offline
	}
	// Saving now makes a path that cannot be written fail here, at Open,
	// rather than at the first change.
	if err := p.save(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Panel) allParts() uint64 {
	if p.fam.Partitions >= 64 {
		return ^uint64(0)
	}
	return 1<<p.fam.Partitions - 1
}

func (p *Panel) hash(code string) [32]byte {
	h := sha256.New()
	h.Write(p.salt[:])
	h.Write([]byte(code))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// store puts code into slot with rec's role, label and partitions,
// replacing what the slot held. The caller holds p.mu (or owns p).
func (p *Panel) store(slot int, code string, rec *slotRec) {
	if old, ok := p.users[slot]; ok {
		delete(p.codes, old.hash)
	}
	rec.hash = p.hash(code)
	rec.check = drivers.CodeCheck(slot, code)
	p.users[slot] = rec
	p.codes[rec.hash] = slot
}

func (p *Panel) remove(slot int) {
	if old, ok := p.users[slot]; ok {
		delete(p.codes, old.hash)
		delete(p.users, slot)
	}
}

// bump records that the code in slot changed. The caller holds p.mu.
func (p *Panel) bump(slot int) {
	n := p.serials[slot] + 1
	if n == 0 {
		n = 1 // after wrapping: 0 would read as "no counter"
	}
	p.serials[slot] = n
}

func refuse(kind drivers.RefusalKind, format string, args ...any) error {
	return &drivers.Refusal{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// --- faults -------------------------------------------------------------

// SetOffline makes every call fail with drivers.ErrOffline (true) or work
// again (false). It is saved in the state file; if that write fails, the
// next change's write carries it.
func (p *Panel) SetOffline(off bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.offline = off
	p.save()
}

// SetSlow makes every call wait d before it acts (0: no wait). A call
// whose context ends first fails with drivers.ErrTimeout.
func (p *Panel) SetSlow(d time.Duration) {
	p.mu.Lock()
	p.slow = d
	p.mu.Unlock()
}

// FailNext makes the next n calls fail with err, without acting: for
// example drivers.ErrTimeout, drivers.ErrBusy or a *drivers.Refusal.
func (p *Panel) FailNext(n int, err error) {
	if err == nil {
		err = drivers.ErrTimeout
	}
	p.mu.Lock()
	for range n {
		p.failNext = append(p.failNext, err)
	}
	p.mu.Unlock()
}

// Corrupt makes the next n ReadUsers calls, or ReadUser calls of a slot
// holding a code, meet a garbled user record and fail.
func (p *Panel) Corrupt(n int) {
	p.mu.Lock()
	p.corrupt += n
	p.mu.Unlock()
}

// TakeCorrupt consumes one pending Corrupt and reports whether there was
// one. Transport simulators call it to garble a record on the wire.
func (p *Panel) TakeCorrupt() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.corrupt > 0 {
		p.corrupt--
		return true
	}
	return false
}

// Fault applies the injected faults as one call to the panel would:
// offline, then slow, then the next FailNext error. Every drivers.Panel
// method starts with it; transport simulators call it once per request
// they serve from Snapshot.
func (p *Panel) Fault(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sim %s: %w (%w)", p.address, drivers.ErrTimeout, err)
	}
	p.mu.Lock()
	offline, slow := p.offline, p.slow
	p.mu.Unlock()
	if offline {
		return fmt.Errorf("sim %s: %w", p.address, drivers.ErrOffline)
	}
	if slow > 0 {
		t := time.NewTimer(slow)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("sim %s: %w (%w)", p.address, drivers.ErrTimeout, ctx.Err())
		}
	}
	p.mu.Lock()
	var next error
	if len(p.failNext) > 0 {
		next = p.failNext[0]
		p.failNext = p.failNext[1:]
	}
	p.mu.Unlock()
	if next != nil {
		return fmt.Errorf("sim %s: %w", p.address, next)
	}
	return nil
}

// ChangeAtKeypad sets code in slot as someone at the panel's keypad would,
// bypassing the driver (drift). The panel's rules still apply; a new slot
// gets the default role and every partition.
func (p *Panel) ChangeAtKeypad(slot int, code string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec := &slotRec{role: string(p.fam.DefaultRole(slot)), parts: p.allParts()}
	if old, ok := p.users[slot]; ok {
		r := *old
		rec = &r
	}
	if err := p.checkCode(slot, code, rec.role); err != nil {
		return err
	}
	p.store(slot, code, rec)
	p.bump(slot)
	return p.save()
}

// ClearAtKeypad deletes the code in slot as someone at the keypad would.
func (p *Panel) ClearAtKeypad(slot int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.clear(slot); err != nil {
		return err
	}
	return p.save()
}

// SetPartitionState puts partition n in state, as the panel's zones would
// (alarm, trouble, not ready...).
func (p *Panel) SetPartitionState(n int, state family.PartitionState) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n < 1 || n > len(p.parts) {
		return fmt.Errorf("sim %s: no partition %d", p.address, n)
	}
	p.parts[n-1].State = state
	return p.save()
}

// SetLockState puts lock n in state (jammed, unknown...).
func (p *Panel) SetLockState(n int, state family.LockState) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n < 1 || n > len(p.locks) {
		return fmt.Errorf("sim %s: no lock %d", p.address, n)
	}
	p.locks[n-1].state = state
	return p.save()
}

// SetKeypadTagLimit makes the panel hold at most n keypad tags (0: one a
// slot is the only limit), as a transport with room for only n does
// (drivers/modbus's Simulator). Tags it holds already stay.
func (p *Panel) SetKeypadTagLimit(n int) {
	p.mu.Lock()
	p.keypadMax = max(n, 0)
	p.mu.Unlock()
}

// SetBattery sets lock n's battery to pct percent.
func (p *Panel) SetBattery(n, pct int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n < 1 || n > len(p.locks) {
		return fmt.Errorf("sim %s: no lock %d", p.address, n)
	}
	p.locks[n-1].battery = min(max(pct, 0), fullBattery)
	return p.save()
}

// Snapshot is a panel's state, read without faults.
type Snapshot struct {
	Identity     drivers.Identity
	Capabilities drivers.Capabilities
	MasterSlot   int
	Users        []drivers.User // slots holding a code, ascending
	Partitions   []drivers.Partition
	Locks        []drivers.LockStatus
	Tags         [][]Tag             // Tags[n-1]: the tags of lock n, by tag
	KeypadTags   []drivers.KeypadTag // by ascending slot; nil on a panel without keypad readers
	// Serials is the code serial of every slot whose code ever changed,
	// empty slots included; a slot absent has serial 0.
	Serials map[int]uint32
}

// Tag is a tag enrolled on a lock and the slot it belongs to.
type Tag struct {
	Tag  string
	Slot int
}

// Snapshot returns the panel's state without applying faults, for tests
// and transport simulators.
func (p *Panel) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Snapshot{
		Identity:     p.identity(),
		Capabilities: p.Capabilities(),
		MasterSlot:   p.fam.MasterSlot,
		Users:        p.userList(),
		Partitions:   slices.Clone(p.parts),
		Locks:        p.lockList(),
		Tags:         p.tagList(),
		KeypadTags:   p.keypadList(),
		Serials:      maps.Clone(p.serials),
	}
}

func (p *Panel) tagList() [][]Tag {
	out := make([][]Tag, len(p.locks))
	for i, l := range p.locks {
		for tag, slot := range l.tags {
			out[i] = append(out[i], Tag{tag, slot})
		}
		slices.SortFunc(out[i], func(a, b Tag) int { return strings.Compare(a.Tag, b.Tag) })
	}
	return out
}

// keypadList returns the keypad tags by ascending slot. The caller holds
// p.mu.
func (p *Panel) keypadList() []drivers.KeypadTag {
	if p.keypad == nil {
		return nil
	}
	out := make([]drivers.KeypadTag, 0, len(p.keypad))
	for slot, tag := range p.keypad {
		out = append(out, drivers.KeypadTag{Tag: tag, Slot: slot})
	}
	slices.SortFunc(out, func(a, b drivers.KeypadTag) int { return a.Slot - b.Slot })
	return out
}

func (p *Panel) userList() []drivers.User {
	out := make([]drivers.User, 0, len(p.users))
	for slot, r := range p.users {
		out = append(out, p.user(slot, r))
	}
	slices.SortFunc(out, func(a, b drivers.User) int { return a.Slot - b.Slot })
	return out
}

// user reports slot, holding r (nil: empty). The caller holds p.mu.
func (p *Panel) user(slot int, r *slotRec) drivers.User {
	u := drivers.User{Slot: slot, CodeSerial: p.serials[slot]}
	if r != nil {
		u.CodeSet, u.Label, u.Role, u.Partitions, u.CodeCheck = true, r.label, r.role, r.parts, r.check
	}
	return u
}

func (p *Panel) lockList() []drivers.LockStatus {
	out := make([]drivers.LockStatus, len(p.locks))
	for i, l := range p.locks {
		ls := drivers.LockStatus{Number: i + 1, State: l.state, Battery: l.battery}
		for tag, slot := range l.tags {
			ls.Tags = append(ls.Tags, tag)
			if !slices.Contains(ls.Users, slot) {
				ls.Users = append(ls.Users, slot)
			}
		}
		slices.Sort(ls.Tags)
		slices.Sort(ls.Users)
		ls.AssignedUsers = slices.Clone(l.users)
		out[i] = ls
	}
	return out
}

func (p *Panel) identity() drivers.Identity {
	return drivers.Identity{
		Vendor:     p.fam.Type.Vendor(),
		Model:      p.fam.Model,
		Serial:     fmt.Sprintf("SIM-%08X", crc32.ChecksumIEEE([]byte(p.address))),
		Firmware:   "guardroom-sim 1",
		Slots:      p.slots,
		Partitions: p.fam.Partitions,
		CodeLength: p.codeLen,
	}
}

// Family returns the store/family ID the panel simulates.
func (p *Panel) Family() string { return p.fam.ID }

// --- drivers.Panel --------------------------------------------------------

// Identify returns the simulated panel's identity (MapVersion 0: no
// register map).
func (p *Panel) Identify(ctx context.Context) (drivers.Identity, error) {
	if err := p.Fault(ctx); err != nil {
		return drivers.Identity{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.identity(), nil
}

// Capabilities: everything, locks and tags when the panel has locks, and
// keypad tags when its family's keypads have proximity readers.
func (p *Panel) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{
		ReadBack: true, Users: true, Partitions: true, ArmDisarm: true,
		Locks: len(p.locks) > 0, Tags: len(p.locks) > 0,
		KeypadTags: p.fam.KeypadProx,
	}
}

// ReadUsers returns the slots holding a code.
func (p *Panel) ReadUsers(ctx context.Context) ([]drivers.User, error) {
	if err := p.Fault(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	users := p.userList()
	if p.corrupt > 0 && len(users) > 0 {
		p.corrupt--
		return nil, fmt.Errorf("sim %s: the user record of slot %d came back garbled (checksum mismatch): read the users again", p.address, users[0].Slot)
	}
	return users, nil
}

// ReadUser returns one slot; an empty slot has CodeSet false and still
// reports its code serial.
func (p *Panel) ReadUser(ctx context.Context, slot int) (drivers.User, error) {
	if err := p.Fault(ctx); err != nil {
		return drivers.User{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkSlot(slot); err != nil {
		return drivers.User{}, err
	}
	r := p.users[slot]
	// Only a record holding a code is garbled, as drivers/modbus's
	// Simulator does, so that Corrupt means the same on the wire.
	if p.corrupt > 0 && r != nil {
		p.corrupt--
		return drivers.User{}, fmt.Errorf("sim %s: the user record of slot %d came back garbled (checksum mismatch): read it again", p.address, slot)
	}
	return p.user(slot, r), nil
}

func (p *Panel) checkSlot(slot int) error {
	if !p.fam.ValidSlot(slot, p.slots) {
		return refuse(drivers.RefusedBadSlot, "slot %d does not exist: this panel has slots 1-%d", slot, p.slots)
	}
	return nil
}

func (p *Panel) checkLabel(label string) error { return drivers.CheckLabel(label) }

func (p *Panel) checkParts(parts uint64) error {
	return drivers.CheckPartitions(parts, p.fam.Partitions)
}

// checkCode applies the code rules for putting code in slot with role.
// The caller holds p.mu.
func (p *Panel) checkCode(slot int, code, role string) error {
	if err := p.checkSlot(slot); err != nil {
		return err
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return refuse(drivers.RefusedCodeDigits, "the code must be digits only")
		}
	}
	if len(code) != p.codeLen {
		return refuse(drivers.RefusedCodeLength, "the code must have %d digits on this panel", p.codeLen)
	}
	if s, ok := p.codes[p.hash(code)]; ok && s != slot {
		return refuse(drivers.RefusedDuplicateCode, "another user already has this code: choose another code")
	}
	if p.fam.DuressPlusOne {
		v, _ := strconv.ParseUint(code, 10, 64)
		for _, d := range []int64{-1, 1} {
			n := int64(v) + d
			if n < 0 || len(strconv.FormatInt(n, 10)) > len(code) {
				continue
			}
			s, ok := p.codes[p.hash(fmt.Sprintf("%0*d", len(code), n))]
			if !ok || s == slot {
				continue
			}
			if role == string(family.RoleDuress) || p.users[s].role == string(family.RoleDuress) {
				return refuse(drivers.RefusedAdjacentCode, "the code is next to a duress code (code + 1 rule): choose one that differs by more than 1")
			}
		}
	}
	return nil
}

func (p *Panel) checkRole(slot int, role string) error {
	if !p.fam.AllowsRole(family.Role(role)) {
		return refuse(drivers.RefusedRole, "role %q is not allowed on this panel", role)
	}
	master := role == string(family.RoleMaster)
	switch {
	case slot == p.fam.MasterSlot && !master:
		return refuse(drivers.RefusedMaster, "slot %d is the master slot: its role must be Master", slot)
	case slot != p.fam.MasterSlot && master:
		return refuse(drivers.RefusedMaster, "only slot %d can hold the Master role", p.fam.MasterSlot)
	}
	return nil
}

// SetCode creates or replaces slot u.Slot. An empty role is the slot's
// default (Master in the master slot); 0 partitions is every partition.
// Setting the code a slot already holds succeeds (the dispatcher re-applies
// a job after a crash) and, like every set, bumps the slot's code serial:
// the panel does not compare the new code with the old.
func (p *Panel) SetCode(ctx context.Context, u drivers.User, code string) error {
	return p.locked(ctx, func() error {
		if err := p.checkSlot(u.Slot); err != nil {
			return err
		}
		role := u.Role
		if role == "" {
			role = string(p.fam.DefaultRole(u.Slot))
		}
		if err := p.checkRole(u.Slot, role); err != nil {
			return err
		}
		parts := u.Partitions
		if parts == 0 {
			parts = p.allParts()
		}
		if err := p.checkParts(parts); err != nil {
			return err
		}
		if err := p.checkLabel(u.Label); err != nil {
			return err
		}
		if err := p.checkCode(u.Slot, code, role); err != nil {
			return err
		}
		p.store(u.Slot, code, &slotRec{role: role, label: u.Label, parts: parts})
		p.bump(u.Slot)
		return nil
	})
}

func (p *Panel) clear(slot int) error {
	if err := p.checkSlot(slot); err != nil {
		return err
	}
	if slot == p.fam.MasterSlot {
		return refuse(drivers.RefusedMaster, "the master code cannot be cleared: set a new master code instead")
	}
	if _, ok := p.users[slot]; ok {
		p.bump(slot) // clearing an empty slot changes no code
	}
	p.remove(slot)
	// The panel forgets the tag with the code: a tag acts as its user, and
	// an empty slot has no user to act as.
	delete(p.keypad, slot)
	for _, l := range p.locks {
		for tag, s := range l.tags {
			if s == slot {
				delete(l.tags, tag)
			}
		}
		// Likewise the locks: the lock's PIN slot held the panel code.
		l.users = slices.DeleteFunc(l.users, func(s int) bool { return s == slot })
	}
	return nil
}

// ClearCode empties a slot and removes its tags (keypad and lock) and its
// lock assignments; clearing an empty slot
// succeeds and leaves its code serial as it was. The master code cannot be
// cleared.
func (p *Panel) ClearCode(ctx context.Context, slot int) error {
	return p.locked(ctx, func() error {
		return p.clear(slot)
	})
}

func (p *Panel) holder(slot int) (*slotRec, error) {
	if err := p.checkSlot(slot); err != nil {
		return nil, err
	}
	r, ok := p.users[slot]
	if !ok {
		return nil, refuse(drivers.RefusedBadSlot, "slot %d has no code: set a code first", slot)
	}
	return r, nil
}

// SetLabel changes the label of a slot holding a code.
func (p *Panel) SetLabel(ctx context.Context, slot int, label string) error {
	return p.locked(ctx, func() error {
		r, err := p.holder(slot)
		if err != nil {
			return err
		}
		if err := p.checkLabel(label); err != nil {
			return err
		}
		r.label = label
		return nil
	})
}

// SetPartitions changes the partitions of a slot holding a code.
func (p *Panel) SetPartitions(ctx context.Context, slot int, parts uint64) error {
	return p.locked(ctx, func() error {
		r, err := p.holder(slot)
		if err != nil {
			return err
		}
		if err := p.checkParts(parts); err != nil {
			return err
		}
		r.parts = parts
		return nil
	})
}

// ReadPartitions returns every partition.
func (p *Panel) ReadPartitions(ctx context.Context) ([]drivers.Partition, error) {
	if err := p.Fault(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.parts), nil
}

func (p *Panel) partition(n int) (*drivers.Partition, error) {
	if n < 1 || n > len(p.parts) {
		return nil, refuse(drivers.RefusedPartition, "partition %d does not exist: this panel has partitions 1-%d", n, len(p.parts))
	}
	return &p.parts[n-1], nil
}

// Arm arms partition n in mode. Arming an armed partition in the same mode
// succeeds; in the other mode, or in alarm, trouble or not ready, it is
// refused.
func (p *Panel) Arm(ctx context.Context, n int, mode drivers.ArmMode) error {
	want := family.ArmedStay
	switch mode {
	case drivers.Stay:
	case drivers.Away, drivers.NoEntry:
		want = family.ArmedAway
	default:
		return refuse(drivers.RefusedBadCommand, "arm mode %q: use stay, away or no entry", mode)
	}
	if err := p.Fault(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	part, err := p.partition(n)
	if err != nil {
		return err
	}
	switch part.State {
	case family.Disarmed:
		part.State = want
		return p.save()
	case want:
	case family.ArmedStay, family.ArmedAway:
		return refuse(drivers.RefusedNotReady, "partition %d is already %s: disarm it first", n, part.State)
	default:
		return refuse(drivers.RefusedNotReady, "partition %d is in %s and cannot arm: clear it at the keypad first", n, part.State)
	}
	return nil
}

// Disarm disarms partition n (and silences an alarm). Disarming a
// disarmed partition succeeds; trouble and not ready stay as they are.
func (p *Panel) Disarm(ctx context.Context, n int) error {
	return p.locked(ctx, func() error {
		part, err := p.partition(n)
		if err != nil {
			return err
		}
		switch part.State {
		case family.ArmedStay, family.ArmedAway, family.Alarm:
			part.State = family.Disarmed
		}
		return nil
	})
}

// Close does nothing: the simulated panel lives until Reset.
func (p *Panel) Close() error { return nil }

// --- drivers.Locks ----------------------------------------------------------

// ReadLocks returns every lock.
func (p *Panel) ReadLocks(ctx context.Context) ([]drivers.LockStatus, error) {
	if err := p.Fault(ctx); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lockList(), nil
}

func (p *Panel) lock(n int) (*lockRec, error) {
	if len(p.locks) == 0 {
		return nil, refuse(drivers.RefusedUnsupported, "this panel drives no door locks")
	}
	if n < 1 || n > len(p.locks) {
		return nil, refuse(drivers.RefusedLock, "lock %d does not exist: this panel has locks 1-%d", n, len(p.locks))
	}
	return p.locks[n-1], nil
}

func (p *Panel) move(ctx context.Context, n int, to family.LockState) error {
	return p.locked(ctx, func() error {
		l, err := p.lock(n)
		if err != nil {
			return err
		}
		if l.state == family.LockJammed {
			return refuse(drivers.RefusedLock, "lock %d is jammed: check the door and the bolt", n)
		}
		if l.battery <= 0 {
			return refuse(drivers.RefusedLock, "lock %d battery is flat: replace its batteries", n)
		}
		l.battery = max(l.battery-batteryPerCycle, 0)
		l.state = to
		return nil
	})
}

// Lock locks lock n; each lock or unlock drains its battery by 1%.
func (p *Panel) Lock(ctx context.Context, n int) error { return p.move(ctx, n, family.LockLocked) }

// Unlock unlocks lock n; each lock or unlock drains its battery by 1%.
func (p *Panel) Unlock(ctx context.Context, n int) error { return p.move(ctx, n, family.LockUnlocked) }

func checkTag(tag string) error { return drivers.CheckTag(tag) }

// AddTag enrols tag on lock for slot. Enrolling a tag again for the same
// slot succeeds; for another slot it is refused.
func (p *Panel) AddTag(ctx context.Context, lock int, tag string, slot int) error {
	return p.locked(ctx, func() error {
		l, err := p.lock(lock)
		if err != nil {
			return err
		}
		if err := checkTag(tag); err != nil {
			return err
		}
		if err := p.checkSlot(slot); err != nil {
			return err
		}
		if s, ok := l.tags[tag]; ok {
			if s == slot {
				return nil
			}
			return refuse(drivers.RefusedTag, "tag %s is enrolled for slot %d on lock %d: remove it first", tag, s, lock)
		}
		if len(l.tags) >= MaxTagsPerLock {
			return refuse(drivers.RefusedTag, "lock %d holds %d tags, its maximum: remove one first", lock, MaxTagsPerLock)
		}
		l.tags[tag] = slot
		return nil
	})
}

// RemoveTag removes tag from lock; removing an absent tag succeeds.
func (p *Panel) RemoveTag(ctx context.Context, lock int, tag string) error {
	return p.locked(ctx, func() error {
		l, err := p.lock(lock)
		if err != nil {
			return err
		}
		delete(l.tags, tag)
		return nil
	})
}

// AssignUser gives lock to the user in slot, which must hold a code; a
// lock takes at most MaxUsersPerLock users. Assigning a slot the lock has
// succeeds.
func (p *Panel) AssignUser(ctx context.Context, lock, slot int) error {
	return p.locked(ctx, func() error {
		l, err := p.lock(lock)
		if err != nil {
			return err
		}
		if _, err := p.holder(slot); err != nil {
			return err
		}
		i, found := slices.BinarySearch(l.users, slot)
		if found {
			return nil
		}
		if len(l.users) >= MaxUsersPerLock {
			return refuse(drivers.RefusedLock, "lock %d has %d users, its maximum: unassign one first", lock, MaxUsersPerLock)
		}
		l.users = slices.Insert(l.users, i, slot)
		return nil
	})
}

// UnassignUser takes lock away from the user in slot; unassigning a slot
// the lock does not have succeeds.
func (p *Panel) UnassignUser(ctx context.Context, lock, slot int) error {
	return p.locked(ctx, func() error {
		l, err := p.lock(lock)
		if err != nil {
			return err
		}
		if err := p.checkSlot(slot); err != nil {
			return err
		}
		if i, found := slices.BinarySearch(l.users, slot); found {
			l.users = slices.Delete(l.users, i, i+1)
		}
		return nil
	})
}

// --- drivers.KeypadTags ---------------------------------------------------

func (p *Panel) keypadReaders() error {
	if !p.fam.KeypadProx {
		return refuse(drivers.RefusedUnsupported, "a %s has no keypads with a proximity reader: keypad tags cannot be enrolled on it", p.fam.Model)
	}
	return nil
}

// ReadKeypadTags returns the keypad tags by ascending slot.
func (p *Panel) ReadKeypadTags(ctx context.Context) ([]drivers.KeypadTag, error) {
	if err := p.Fault(ctx); err != nil {
		return nil, err
	}
	if err := p.keypadReaders(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keypadList(), nil
}

// checkKeypadTag applies the rules for giving tag to slot; done is true
// when the slot holds the tag already. The caller holds p.mu.
func (p *Panel) checkKeypadTag(slot int, tag string) (done bool, err error) {
	if err := p.keypadReaders(); err != nil {
		return false, err
	}
	if err := checkTag(tag); err != nil {
		return false, err
	}
	if _, err := p.holder(slot); err != nil {
		return false, err
	}
	if n := drivers.KeypadTagSlots(p.fam.ID); n > 0 && slot > n {
		return false, refuse(drivers.RefusedTag, "a %s keeps proximity tags for users 1-%d only: slot %d cannot hold one", p.fam.Model, n, slot)
	}
	if held, ok := p.keypad[slot]; ok {
		if held == tag {
			return true, nil
		}
		return false, refuse(drivers.RefusedTag, "slot %d holds keypad tag %s already: a user slot holds one tag; remove it first", slot, held)
	}
	for s, t := range p.keypad {
		if t == tag {
			return false, refuse(drivers.RefusedTag, "tag %s is enrolled for slot %d on the keypads: remove it first", tag, s)
		}
	}
	if p.keypadMax > 0 && len(p.keypad) >= p.keypadMax {
		return false, refuse(drivers.RefusedTag, "the panel holds %d keypad tags, its maximum: remove one first", p.keypadMax)
	}
	return false, nil
}

// AddKeypadTag gives tag to the user in slot. The slot must hold a code
// and no other tag, and the tag must be on no other slot; adding the tag
// the slot holds succeeds.
func (p *Panel) AddKeypadTag(ctx context.Context, slot int, tag string) error {
	return p.locked(ctx, func() error {
		done, err := p.checkKeypadTag(slot, tag)
		if err != nil || done {
			return err
		}
		p.keypad[slot] = tag
		return nil
	})
}

// RemoveKeypadTag removes tag from the slot holding it; removing a tag no
// slot holds succeeds.
func (p *Panel) RemoveKeypadTag(ctx context.Context, tag string) error {
	return p.locked(ctx, func() error {
		if err := p.keypadReaders(); err != nil {
			return err
		}
		if err := checkTag(tag); err != nil {
			return err
		}
		for s, t := range p.keypad {
			if t == tag {
				delete(p.keypad, s)
			}
		}
		return nil
	})
}

var (
	_ drivers.Panel       = (*Panel)(nil)
	_ drivers.Locks       = (*Panel)(nil)
	_ drivers.KeypadTags  = (*Panel)(nil)
	_ drivers.EventSource = (*Panel)(nil)
)

// locked runs fn under the panel's lock, after the injected faults (offline,
// slow, fail-next) have had their say, and saves the state if fn succeeds.
// Saving under the lock keeps the file's writes in the order of the
// changes.
func (p *Panel) locked(ctx context.Context, fn func() error) error {
	if err := p.Fault(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := fn(); err != nil {
		return err
	}
	return p.save()
}
