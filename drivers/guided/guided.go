// Package guided is the "guided" driver, for panels guardroom cannot
// program itself. Most DSC PowerSeries and Neo panels, Qolsys IQ panels and
// Visonic PowerMax/PowerMaster panels in the field have no open, documented,
// local interface for user codes (DOMAIN.md §0, finding 3). The driver never
// contacts a device.
//
// Every change (a code, a label, partitions, arming, a keypad tag) comes
// back as a *drivers.Guidance that holds the keypad or touchscreen steps for that
// change on that panel family. The flow around it:
//
//  1. the dispatcher gets the Guidance and parks the job with its steps;
//  2. the console shows the steps to an operator, who keys them in at the
//     panel;
//  3. the operator confirms the job in guardroom, or cancels it;
//  4. the record says "applied by operator X, not verified by the panel".
//
// Steps name codes and never hold them ("the new 4-digit code"). The
// operator who typed the code into guardroom keys it in at the panel, and
// guardroom never shows it again: a list of steps on a screen or in a job
// record must not leak a code.
//
// The driver refuses (with a *drivers.Refusal) what the panel cannot take at
// its keypad, such as a label on a panel without user labels, partitions on
// a single-partition panel, or clearing the master code. It also refuses
// what breaks the family's rules that can be checked without the panel:
// slot range, roles, partitions, code length, digits. Other rules need the
// panel's other codes (no duplicates, code + 1). The keypad enforces those
// with an error tone, and the steps tell the operator to cancel the job
// instead of confirming it.
//
// The driver reads nothing. ReadUsers, ReadUser, ReadPartitions and
// ReadKeypadTags are refused, and Capabilities says ReadBack false: guardroom's records are the
// only copy of what was asked, and nothing proves the panel holds it.
package guided

import (
	"context"
	"fmt"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// MaxLabelBytes is the longest label the driver passes on, the same for
// every driver (drivers.MaxLabelBytes). Keypads may show fewer characters.
const MaxLabelBytes = drivers.MaxLabelBytes

func init() { drivers.Register("guided", Open) }

// Panel is a panel programmed by a person at its keypad. It implements
// drivers.Panel and drivers.KeypadTags (a keypad learns a tag only when
// someone presents it, so guidance is all there is), not drivers.Locks. It holds no state after Open, so it is
// safe for concurrent use. Its methods ignore their context: none of them
// waits for anything.
type Panel struct {
	fam     family.Family
	slots   int
	codeLen int
	flow    flow
}

var (
	_ drivers.Panel      = (*Panel)(nil)
	_ drivers.KeypadTags = (*Panel)(nil)
)

// Open is the guided driver's factory. cfg.Family (a store/family ID) is
// required. cfg.Slots and cfg.CodeLength override the family's defaults.
// cfg.Address is kept by the store only: nothing is contacted. The driver
// takes no options.
func Open(cfg drivers.Config) (drivers.Panel, error) {
	fam, ok := family.Lookup(cfg.Family)
	if !ok {
		ids := make([]string, 0, 16)
		for _, f := range family.All() {
			ids = append(ids, f.ID)
		}
		return nil, fmt.Errorf("unknown panel family %q: use one of %v", cfg.Family, ids)
	}
	p := &Panel{fam: fam, slots: fam.Slots, codeLen: fam.CodeLengths[0]}
	if cfg.Slots != 0 {
		if cfg.Slots < 1 || cfg.Slots > fam.MaxSlots {
			return nil, fmt.Errorf("%d slots: a %s has 1 to %d", cfg.Slots, fam.Model, fam.MaxSlots)
		}
		p.slots = cfg.Slots
	}
	if cfg.CodeLength != 0 {
		if !fam.AllowsCodeLength(cfg.CodeLength) {
			return nil, fmt.Errorf("a %s does not take %d-digit codes: use one of %v", fam.Model, cfg.CodeLength, fam.CodeLengths)
		}
		p.codeLen = cfg.CodeLength
	}
	for k := range cfg.Options {
		return nil, fmt.Errorf("unknown option %q: the guided driver takes no options", k)
	}
	p.flow = newFlow(p)
	return p, nil
}

func refuse(kind drivers.RefusalKind, format string, args ...any) error {
	return &drivers.Refusal{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

func guide(steps []string) error { return &drivers.Guidance{Steps: steps} }

// Identify returns the identity the family table gives, without asking the
// panel: there is no serial number or firmware to report.
func (p *Panel) Identify(context.Context) (drivers.Identity, error) {
	return drivers.Identity{
		Vendor:     p.fam.Type.Vendor(),
		Model:      p.fam.Model,
		Slots:      p.slots,
		Partitions: p.fam.Partitions,
		CodeLength: p.codeLen,
	}, nil
}

// Capabilities: users and arming, through a person, and keypad tags where
// the family's keypads have readers; no read-back.
func (p *Panel) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{Users: true, ArmDisarm: true, KeypadTags: p.fam.KeypadProx}
}

func (p *Panel) noRead(what string) error {
	return refuse(drivers.RefusedUnsupported,
		"the guided driver cannot read %s from a %s: nothing connects guardroom to it, so guardroom's records (applied by an operator, not verified by the panel) are the only copy",
		what, p.fam.Model)
}

// ReadUsers is refused: the driver cannot read the panel.
func (p *Panel) ReadUsers(context.Context) ([]drivers.User, error) {
	return nil, p.noRead("users")
}

// ReadUser is refused: the driver cannot read the panel.
func (p *Panel) ReadUser(context.Context, int) (drivers.User, error) {
	return drivers.User{}, p.noRead("a user")
}

// ReadPartitions is refused: the driver cannot read the panel.
func (p *Panel) ReadPartitions(context.Context) ([]drivers.Partition, error) {
	return nil, p.noRead("partition states")
}

func (p *Panel) checkSlot(slot int) error {
	if !p.fam.ValidSlot(slot, p.slots) {
		return refuse(drivers.RefusedBadSlot, "slot %d does not exist: this panel has slots 1-%d", slot, p.slots)
	}
	return nil
}

func (p *Panel) checkLabel(label string) error { return drivers.CheckLabel(label) }

func (p *Panel) allParts() uint64 {
	if p.fam.Partitions >= 64 {
		return ^uint64(0)
	}
	return 1<<p.fam.Partitions - 1
}

func (p *Panel) checkParts(parts uint64) error {
	return drivers.CheckPartitions(parts, p.fam.Partitions)
}

func (p *Panel) checkRole(slot int, role string) error {
	if !p.fam.AllowsRole(family.Role(role)) {
		return refuse(drivers.RefusedRole, "role %q is not allowed on a %s", role, p.fam.Model)
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

// checkCode checks what the steps promise about the code ("the new 4-digit
// code"). The code is not kept: only its length reaches the steps.
func (p *Panel) checkCode(code string) error {
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return refuse(drivers.RefusedCodeDigits, "the code must be digits only")
		}
	}
	if len(code) != p.codeLen {
		return refuse(drivers.RefusedCodeLength, "the code must have %d digits on this panel", p.codeLen)
	}
	return nil
}

func (p *Panel) checkPartition(n int) error {
	if n < 1 || n > p.fam.Partitions {
		return refuse(drivers.RefusedPartition, "partition %d does not exist: this panel has partitions 1-%d", n, p.fam.Partitions)
	}
	return nil
}

// SetCode returns the steps that put a code, role, label and partitions in
// u.Slot (an empty role is the slot's default; 0 partitions is every
// partition), or a refusal.
func (p *Panel) SetCode(_ context.Context, u drivers.User, code string) error {
	if err := p.checkSlot(u.Slot); err != nil {
		return err
	}
	if u.Role == "" {
		u.Role = string(p.fam.DefaultRole(u.Slot))
	}
	if err := p.checkRole(u.Slot, u.Role); err != nil {
		return err
	}
	if u.Partitions == 0 {
		u.Partitions = p.allParts()
	}
	if err := p.checkParts(u.Partitions); err != nil {
		return err
	}
	if err := p.checkLabel(u.Label); err != nil {
		return err
	}
	if err := p.checkCode(code); err != nil {
		return err
	}
	return guide(p.flow.setCode(u))
}

// ClearCode returns the steps that erase a slot's code, or a refusal (the
// master code can be changed but never cleared).
func (p *Panel) ClearCode(_ context.Context, slot int) error {
	if err := p.checkSlot(slot); err != nil {
		return err
	}
	if slot == p.fam.MasterSlot {
		return refuse(drivers.RefusedMaster, "the master code cannot be cleared: set a new master code instead")
	}
	return guide(p.flow.clearCode(slot))
}

// SetLabel returns the steps that change a slot's label, or a refusal when
// the panel keeps no user labels that can be set at the keypad.
func (p *Panel) SetLabel(_ context.Context, slot int, label string) error {
	if err := p.checkSlot(slot); err != nil {
		return err
	}
	if err := p.checkLabel(label); err != nil {
		return err
	}
	steps, err := p.flow.setLabel(slot, label)
	if err != nil {
		return err
	}
	return guide(steps)
}

// SetPartitions returns the steps that change a slot's partitions, or a
// refusal (single-partition panels; the Master user, who always has every
// partition).
func (p *Panel) SetPartitions(_ context.Context, slot int, parts uint64) error {
	if err := p.checkSlot(slot); err != nil {
		return err
	}
	if !p.fam.PartitionEditing {
		if p.fam.Partitions == 1 {
			return refuse(drivers.RefusedUnsupported, "a %s has a single partition, which every user has: there is nothing to change", p.fam.Model)
		}
		return refuse(drivers.RefusedUnsupported, "a %s has no per-user partitions to change at the keypad", p.fam.Model)
	}
	if slot == p.fam.MasterSlot {
		return refuse(drivers.RefusedMaster, "the Master user always has every partition")
	}
	if err := p.checkParts(parts); err != nil {
		return err
	}
	return guide(p.flow.setPartitions(slot, parts))
}

// Arm returns the steps that arm a partition in mode.
func (p *Panel) Arm(_ context.Context, partition int, mode drivers.ArmMode) error {
	if mode != drivers.Stay && mode != drivers.Away {
		return refuse(drivers.RefusedBadCommand, "arm mode %q: use stay or away", mode)
	}
	if err := p.checkPartition(partition); err != nil {
		return err
	}
	return guide(p.flow.arm(partition, mode))
}

// Disarm returns the steps that disarm a partition.
func (p *Panel) Disarm(_ context.Context, partition int) error {
	if err := p.checkPartition(partition); err != nil {
		return err
	}
	return guide(p.flow.disarm(partition))
}

// ReadKeypadTags is refused: the driver cannot read the panel.
func (p *Panel) ReadKeypadTags(context.Context) ([]drivers.KeypadTag, error) {
	if err := p.keypadReaders(); err != nil {
		return nil, err
	}
	return nil, p.noRead("keypad tags")
}

// keypadReaders returns the flow's keypad tag steps, or the refusal for a
// family whose keypads have no proximity reader.
func (p *Panel) keypadReaders() error {
	if _, ok := p.flow.(keypadFlow); !ok || !p.fam.KeypadProx {
		return refuse(drivers.RefusedUnsupported, "a %s has no keypads with a proximity reader: keypad tags cannot be enrolled on it", p.fam.Model)
	}
	return nil
}

// AddKeypadTag returns the steps that give tag to the user in slot, or a
// refusal: the family's keypads have no reader, the slot does not exist or
// cannot hold a tag, the tag ID is malformed. That the slot holds a code
// and no other tag, and that no other slot holds the tag, needs the
// panel: the keypad refuses with an error tone, and the steps say to
// cancel the job then.
func (p *Panel) AddKeypadTag(_ context.Context, slot int, tag string) error {
	if err := p.keypadReaders(); err != nil {
		return err
	}
	if err := p.checkSlot(slot); err != nil {
		return err
	}
	if n := drivers.KeypadTagSlots(p.fam.ID); n > 0 && slot > n {
		return refuse(drivers.RefusedTag, "a %s keeps proximity tags for users 1-%d only: slot %d cannot hold one", p.fam.Model, n, slot)
	}
	if err := drivers.CheckTag(tag); err != nil {
		return err
	}
	return guide(p.flow.(keypadFlow).addKeypadTag(slot, tag))
}

// RemoveKeypadTag returns the steps that delete tag from the user holding
// it, or a refusal.
func (p *Panel) RemoveKeypadTag(_ context.Context, tag string) error {
	if err := p.keypadReaders(); err != nil {
		return err
	}
	if err := drivers.CheckTag(tag); err != nil {
		return err
	}
	return guide(p.flow.(keypadFlow).removeKeypadTag(tag))
}

// Close does nothing: there is no connection.
func (p *Panel) Close() error { return nil }
