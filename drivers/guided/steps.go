package guided

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// Where the steps come from. DOMAIN.md gives the DSC [*][5] grammar
// ([*][5][Master][NN][code], [*] erases, [#] leaves, [9][NN] attributes on
// classic PowerSeries) and the Neo/Pro slot numbering. Qolsys and Visonic
// menu paths follow the vendors' user guides cited there. Where a detail is
// not confirmed (Neo menu item numbers, PowerSeries partition assignment,
// Visonic partition selection), a step names what to do and points to the
// panel's guide rather than guess a key.

// flow writes the steps for one kind of panel. The driver has checked the
// slot, role, partitions and label before it asks, and never hands over a
// code: a flow cannot leak one.
type flow interface {
	setCode(u drivers.User) []string // u.Role and u.Partitions are filled in
	clearCode(slot int) []string
	setLabel(slot int, label string) ([]string, error)
	setPartitions(slot int, parts uint64) []string
	arm(partition int, mode drivers.ArmMode) []string
	disarm(partition int) []string
}

// keypadFlow writes the keypad tag steps, for the flows of panels whose
// keypads can have a proximity reader. Tag IDs are not secrets: the steps
// name them, so that the person presents the right tag.
type keypadFlow interface {
	addKeypadTag(slot int, tag string) []string
	removeKeypadTag(tag string) []string
}

var (
	_ keypadFlow = dscFlow{}
	_ keypadFlow = visonicFlow{}
	_ keypadFlow = genericFlow{}
)

// owner tells the person how to find the user holding a tag: removing
// goes by tag, and the panel lists users by slot.
func owner(tag string) string {
	return fmt.Sprintf("the user who holds tag %s (guardroom shows the tag's owner in its Tags tab)", tag)
}

func newFlow(p *Panel) flow {
	b := base{p}
	switch p.fam.Type {
	case family.TypeDSC:
		return dscFlow{base: b}
	case family.TypeNeoR:
		return dscFlow{base: b, neo: true}
	case family.TypeQolsys:
		return qolsysFlow{b}
	case family.TypeVisonic:
		return newVisonicFlow(b)
	case family.TypeDualPath:
		// A communicator has no keypad: the panel it reports for does.
		return genericFlow{b, "At the keypad of the panel this Dual Path communicator reports for"}
	default:
		return genericFlow{b, "At the panel's keypad"}
	}
}

// base holds what every flow needs from the panel.
type base struct{ p *Panel }

func (b base) newCode() string {
	return fmt.Sprintf("the new %d-digit code (the one typed in guardroom; guardroom does not show it)", b.p.codeLen)
}

func (b base) multi() bool { return b.p.fam.Partitions > 1 }

// partStep reports whether setting a code also needs its partitions set:
// only where they can be edited, and never for the Master user, who always
// has every partition.
func (b base) partStep(slot int) bool {
	return b.p.fam.PartitionEditing && slot != b.p.fam.MasterSlot
}

// partList names the partitions of a mask: "partition 2", "partitions 1
// and 3", "partitions 1, 2 and 4".
func partList(parts uint64) string {
	var ns []string
	for i := range 64 {
		if parts&(1<<i) != 0 {
			ns = append(ns, strconv.Itoa(i+1))
		}
	}
	switch len(ns) {
	case 0:
		return "no partition"
	case 1:
		return "partition " + ns[0]
	default:
		return "partitions " + strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
	}
}

const refusedTone = "If the keypad sounds an error tone instead of confirming, the panel refused the code (for example, another slot already holds it): cancel this change in guardroom instead of confirming it"

// --- DSC PowerSeries and PowerSeries Neo --------------------------------

type dscFlow struct {
	base
	neo bool
}

// number is the slot as the keypad takes it: two digits, or four on
// panels with more than 99 codes (Neo E models, PowerSeries Pro: 0001-1000).
func (f dscFlow) number(slot int) string {
	if f.p.fam.MaxSlots > 99 {
		return fmt.Sprintf("%04d", slot)
	}
	return fmt.Sprintf("%02d", slot)
}

func (f dscFlow) open(slot int) []string {
	return []string{
		"At a keypad, with the system disarmed, press [*] [5]",
		"Enter the master code",
		fmt.Sprintf("Enter the slot number %s (on an LCD keypad you can also scroll to it with [<] [>] and press [*])", f.number(slot)),
	}
}

func (f dscFlow) leave() string {
	if f.neo {
		return "Press [#] until the keypad leaves programming"
	}
	return "Press [#] to leave"
}

// attribute names the code-type attribute a role needs; "" for roles that
// need none (User; Master is the master slot itself).
func attribute(role string) string {
	switch family.Role(role) {
	case family.RoleSupervisor:
		return "supervisor"
	case family.RoleDuress:
		return "duress"
	case family.RoleOneTime:
		return "one-time use"
	}
	return ""
}

// classicParts: how a PowerSeries code gets its partitions depends on the
// firmware and keypad, and DOMAIN.md does not pin it down.
func (f dscFlow) classicParts(slot int, parts uint64) string {
	return fmt.Sprintf("Check that user %s may arm and disarm %s and no other partition: on PowerSeries panels the way to assign a code's partitions depends on the firmware and keypad (see the panel's user guide, or ask the installer)", f.number(slot), partList(parts))
}

func (f dscFlow) setCode(u drivers.User) []string {
	steps := f.open(u.Slot)
	if f.neo {
		steps = append(steps, "Choose the access code item (on an LCD keypad: scroll to it and press [*])")
	}
	steps = append(steps, "Enter "+f.newCode(), refusedTone)
	if u.Slot == f.p.fam.MasterSlot {
		steps = append(steps, "If the keypad will not open the master code's slot, the installer has locked the master code: ask the installer to change it")
	}
	if f.neo && u.Label != "" {
		steps = append(steps, fmt.Sprintf("Choose the user label item, type “%s” with the keypad's letter keys and press [*] to save it", u.Label))
	}
	if a := attribute(u.Role); a != "" {
		if f.neo {
			steps = append(steps, fmt.Sprintf("Choose the attributes item and turn on the %s attribute, with the other code-type attributes off", a))
		} else {
			steps = append(steps, fmt.Sprintf("Press [9], enter %s again and turn on the %s attribute, with the other code-type attributes off (the attribute numbers are in the PowerSeries user guide)", f.number(u.Slot), a))
		}
	}
	if f.neo && f.partStep(u.Slot) {
		steps = append(steps, fmt.Sprintf("Choose the partition assignment item and turn on %s only, every other partition off (a new code starts with the partitions of the code that created it)", partList(u.Partitions)))
	}
	steps = append(steps, f.leave())
	if !f.neo && f.partStep(u.Slot) {
		steps = append(steps, f.classicParts(u.Slot, u.Partitions))
	}
	return steps
}

func (f dscFlow) clearCode(slot int) []string {
	steps := f.open(slot)
	if f.neo {
		return append(steps,
			"Choose the access code item and press [*] as the first digit to erase the code",
			fmt.Sprintf("If the keypad still shows a label for user %s, choose the user label item and erase it", f.number(slot)),
			f.leave())
	}
	return append(steps, fmt.Sprintf("Press [*] to erase the code in slot %s", f.number(slot)), f.leave())
}

func (f dscFlow) setLabel(slot int, label string) ([]string, error) {
	if !f.neo {
		return nil, refuse(drivers.RefusedUnsupported, "a %s has no user labels that can be set from the [*][5] user menu: the label stays in guardroom only (ask the installer whether the keypads show user names)", f.p.fam.Model)
	}
	steps := append(f.open(slot), "Choose the user label item")
	if label == "" {
		steps = append(steps, "Erase the label text and press [*] to save it")
	} else {
		steps = append(steps, fmt.Sprintf("Type “%s” with the keypad's letter keys and press [*] to save it (labels need an LCD keypad)", label))
	}
	return append(steps, f.leave()), nil
}

func (f dscFlow) setPartitions(slot int, parts uint64) []string {
	if !f.neo {
		return []string{f.classicParts(slot, parts)}
	}
	return append(f.open(slot),
		"Choose the partition assignment item",
		fmt.Sprintf("Turn on %s and turn off every other partition", partList(parts)),
		f.leave())
}

// proxItem: DOMAIN.md gives the [*][5] item number for prox tags on
// PowerSeries Pro only ("2 = prox tag"); on Neo, a slot can hold a tag but
// the item number is not confirmed.
const proxItem = "Choose the proximity tag item (on PowerSeries Pro it is [2]; on a Neo, scroll to it on an LCD keypad and press [*], or see the user guide for its number)"

func (f dscFlow) addKeypadTag(slot int, tag string) []string {
	return append(f.open(slot),
		proxItem,
		fmt.Sprintf("Present tag %s to the keypad's proximity reader until the keypad accepts it", tag),
		"If the keypad sounds an error tone instead, the panel refused the tag (for example, another user holds it, or the slot has no code): cancel this change in guardroom instead of confirming it",
		f.leave())
}

func (f dscFlow) removeKeypadTag(tag string) []string {
	return []string{
		"At a keypad, with the system disarmed, press [*] [5]",
		"Enter the master code",
		"Enter the slot number of " + owner(tag),
		proxItem,
		fmt.Sprintf("Delete the tag (%s) as the user guide describes; the tag must no longer work at the keypads", tag),
		f.leave(),
	}
}

func (f dscFlow) keypad(partition int) string {
	if f.multi() {
		return fmt.Sprintf("At a keypad assigned to partition %d (on a global keypad, select partition %d first)", partition, partition)
	}
	return "At a keypad"
}

func (f dscFlow) codeFor(partition int) string {
	if f.multi() {
		return fmt.Sprintf("an access code valid on partition %d", partition)
	}
	return "an access code"
}

func (f dscFlow) arm(partition int, mode drivers.ArmMode) []string {
	steps := []string{f.keypad(partition) + ", check that the Ready light is on (if not, close the open doors and windows)"}
	if mode == drivers.Stay {
		steps = append(steps,
			fmt.Sprintf("Press the [Stay] key and enter %s if the keypad asks for one", f.codeFor(partition)),
			"Stay inside: the interior zones stay off")
	} else {
		steps = append(steps,
			fmt.Sprintf("Press the [Away] key and enter %s if the keypad asks for one", f.codeFor(partition)),
			"Leave through the exit door before the exit delay ends")
	}
	return append(steps, "Check that the Armed light is on")
}

func (f dscFlow) disarm(partition int) []string {
	return []string{
		f.keypad(partition) + ", enter " + f.codeFor(partition),
		"Check that the Armed light goes off",
	}
}

// --- Qolsys IQ: touchscreen ----------------------------------------------

type qolsysFlow struct{ base }

func (f qolsysFlow) open() []string {
	return []string{
		"On the panel's touchscreen, swipe down from the top and touch Settings",
		"Touch Advanced Settings and enter the dealer, installer or master code",
		"Touch User Management",
	}
}

// who names a user for a panel that lists users by name, not by slot.
func (f qolsysFlow) who(slot int) string {
	return fmt.Sprintf("the user guardroom keeps in slot %d (the panel lists users by name: find it by the label guardroom shows for slot %d)", slot, slot)
}

func name(slot int, label string) string {
	if label == "" {
		return fmt.Sprintf("Name: type User %d (guardroom has no label for this slot)", slot)
	}
	return fmt.Sprintf("Name: type “%s”", label)
}

const qolsysSave = "Touch Add User (or Save) to store the user, then touch the home button"

func (f qolsysFlow) setCode(u drivers.User) []string {
	steps := f.open()
	master := u.Slot == f.p.fam.MasterSlot
	if master {
		steps = append(steps, "Touch the edit icon next to the master user (it cannot be deleted)")
	} else {
		steps = append(steps, fmt.Sprintf("Touch Add User; if the panel already lists %s, touch the edit icon next to it instead", f.who(u.Slot)))
	}
	steps = append(steps,
		name(u.Slot, u.Label),
		"User Code: enter "+f.newCode()+", then enter it again to confirm")
	if !master {
		steps = append(steps, fmt.Sprintf("Type: %s (the type cannot be changed once the user exists: if the panel shows another type, delete the user and add it again)", u.Role))
	}
	if f.partStep(u.Slot) {
		steps = append(steps, fmt.Sprintf("Partitions (shown when partitions are enabled on the panel): select %s only", partList(u.Partitions)))
	}
	return append(steps,
		qolsysSave,
		"If the panel refuses the code (for example, another user already has it), cancel this change in guardroom instead of confirming it")
}

func (f qolsysFlow) clearCode(slot int) []string {
	return append(f.open(),
		fmt.Sprintf("Touch the delete icon next to %s and confirm", f.who(slot)),
		"Touch the home button")
}

func (f qolsysFlow) setLabel(slot int, label string) ([]string, error) {
	return append(f.open(),
		fmt.Sprintf("Touch the edit icon next to %s", f.who(slot)),
		name(slot, label),
		qolsysSave), nil
}

func (f qolsysFlow) setPartitions(slot int, parts uint64) []string {
	return append(f.open(),
		fmt.Sprintf("Touch the edit icon next to %s", f.who(slot)),
		fmt.Sprintf("Partitions (shown when partitions are enabled on the panel): select %s only", partList(parts)),
		qolsysSave)
}

func (f qolsysFlow) selectPartition(partition int) []string {
	if !f.multi() {
		return nil
	}
	return []string{fmt.Sprintf("On the touchscreen's home screen, select partition %d (when partitions are enabled on the panel)", partition)}
}

func (f qolsysFlow) arm(partition int, mode drivers.ArmMode) []string {
	steps := f.selectPartition(partition)
	if mode == drivers.Stay {
		steps = append(steps, "Touch the arm button (the padlock), then Arm Stay")
	} else {
		steps = append(steps, "Touch the arm button (the padlock), then Arm Away")
	}
	steps = append(steps, fmt.Sprintf("Enter a user code valid on partition %d if the panel asks for one", partition))
	if mode == drivers.Away {
		steps = append(steps, "Leave before the exit delay ends")
	}
	return append(steps, "Check that the panel shows the partition armed")
}

func (f qolsysFlow) disarm(partition int) []string {
	return append(f.selectPartition(partition),
		fmt.Sprintf("Touch the disarm button (the padlock) and enter a user code valid on partition %d", partition),
		"Check that the panel shows Disarmed")
}

// --- Visonic PowerMax / PowerMaster: menu on the panel --------------------

type visonicFlow struct {
	base
	next, ok, back        string // menu keys
	away, home, disarmKey string // arming keys
}

// newVisonicFlow names the keys as printed on each panel: PowerMax has
// labelled keys, PowerMaster arrows and icons.
func newVisonicFlow(b base) visonicFlow {
	if b.p.fam.ID == "visonic-powermax" {
		return visonicFlow{base: b, next: "[NEXT]", ok: "[SHOW/OK]", back: "[HOME]",
			away: "[AWAY]", home: "[HOME]", disarmKey: "[OFF]"}
	}
	return visonicFlow{base: b, next: "[>>]", ok: "[OK]", back: "the home key (house symbol)",
		away: "the Arm Away key", home: "the Arm Home key", disarmKey: "the Disarm key"}
}

func (f visonicFlow) open(slot int) []string {
	return []string{
		fmt.Sprintf("At the panel, with the system disarmed, press %s until USER SETTINGS shows, then press %s", f.next, f.ok),
		"Enter the master code (user 01's code)",
		fmt.Sprintf("At USER CODES press %s (press %s until it shows if needed)", f.ok, f.next),
		fmt.Sprintf("Key in %02d, or press %s until User %02d Code shows, then press %s", slot, f.next, slot, f.ok),
	}
}

func (f visonicFlow) leave() string {
	return fmt.Sprintf("Leave the menu: press %s until <OK> TO EXIT shows, then press %s", f.back, f.ok)
}

func (f visonicFlow) parts(parts uint64) string {
	return fmt.Sprintf("If partitioning is enabled, select %s for this user, deselect the others and press %s", partList(parts), f.ok)
}

func (f visonicFlow) setCode(u drivers.User) []string {
	steps := append(f.open(u.Slot), fmt.Sprintf("Enter %s, then press %s", f.newCode(), f.ok))
	if f.partStep(u.Slot) {
		steps = append(steps, f.parts(u.Partitions))
	}
	return append(steps,
		"If the panel sounds an error tune instead of the success tune, it refused the code: cancel this change in guardroom instead of confirming it",
		f.leave())
}

func (f visonicFlow) clearCode(slot int) []string {
	return append(f.open(slot),
		fmt.Sprintf("Erase the code so that the display shows - - - - (a free slot), then press %s", f.ok),
		f.leave())
}

func (f visonicFlow) setLabel(int, string) ([]string, error) {
	return nil, refuse(drivers.RefusedUnsupported, "a %s keeps no user names that can be set at its keypad: the label stays in guardroom only", f.p.fam.Model)
}

func (f visonicFlow) setPartitions(slot int, parts uint64) []string {
	return append(f.open(slot),
		fmt.Sprintf("Press %s to keep the code as it is", f.ok),
		f.parts(parts),
		f.leave())
}

// proxMenu: DOMAIN.md confirms the tag counts, not the menu names, so the
// step names the item by what it does.
func (f visonicFlow) proxMenu() []string {
	return []string{
		fmt.Sprintf("At the panel, with the system disarmed, press %s until USER SETTINGS shows, then press %s", f.next, f.ok),
		"Enter the master code (user 01's code)",
		fmt.Sprintf("Press %s until the proximity tags item shows (its name is in the user guide), then press %s", f.next, f.ok),
	}
}

func (f visonicFlow) addKeypadTag(slot int, tag string) []string {
	return append(f.proxMenu(),
		fmt.Sprintf("Choose the tag place of user %02d and press %s", slot, f.ok),
		fmt.Sprintf("Present tag %s to the reader until the success tune sounds", tag),
		"If the panel sounds an error tune instead, it refused the tag: cancel this change in guardroom instead of confirming it",
		f.leave())
}

func (f visonicFlow) removeKeypadTag(tag string) []string {
	return append(f.proxMenu(),
		fmt.Sprintf("Choose the tag place of %s and press %s", owner(tag), f.ok),
		fmt.Sprintf("Delete the tag (%s) as the user guide describes", tag),
		f.leave())
}

func (f visonicFlow) selectPartition(partition int) []string {
	if !f.multi() {
		return []string{"At the panel, check that the display shows READY"}
	}
	return []string{fmt.Sprintf("At the panel, if partitioning is enabled, select partition %d first (as the user guide describes)", partition)}
}

func (f visonicFlow) arm(partition int, mode drivers.ArmMode) []string {
	steps := f.selectPartition(partition)
	if mode == drivers.Stay {
		steps = append(steps, fmt.Sprintf("Press %s (Visonic's stay mode) and enter a user code if the panel asks for one", f.home))
	} else {
		steps = append(steps,
			fmt.Sprintf("Press %s and enter a user code if the panel asks for one", f.away),
			"Leave before the exit delay ends")
	}
	return append(steps, "Check that the display shows the system armed")
}

func (f visonicFlow) disarm(partition int) []string {
	if !f.multi() {
		return []string{
			fmt.Sprintf("At the panel, press %s and enter a user code", f.disarmKey),
			"Check that the display shows READY",
		}
	}
	return append(f.selectPartition(partition),
		fmt.Sprintf("Press %s and enter a user code valid on partition %d", f.disarmKey, partition),
		"Check that the display shows the partition disarmed")
}

// --- generic: what any keypad does, in the panel's own words -------------

type genericFlow struct {
	base
	where string // "At the panel's keypad"
}

const genericLeave = "Leave programming mode; if the panel refused the change, cancel it in guardroom instead of confirming it"

func (f genericFlow) program(slot int) string {
	return fmt.Sprintf("%s, program user %d as the panel's manual describes (usually: open user programming with the master code, then choose user %d)", f.where, slot, slot)
}

func (f genericFlow) setCode(u drivers.User) []string {
	steps := []string{f.program(u.Slot), "Enter " + f.newCode()}
	if u.Label != "" {
		steps = append(steps, fmt.Sprintf("If the panel keeps user labels, set user %d's label to “%s”", u.Slot, u.Label))
	}
	if f.partStep(u.Slot) {
		steps = append(steps, fmt.Sprintf("Give user %d %s only", u.Slot, partList(u.Partitions)))
	}
	return append(steps, genericLeave)
}

func (f genericFlow) clearCode(slot int) []string {
	return []string{f.program(slot), fmt.Sprintf("Erase user %d's code", slot), genericLeave}
}

func (f genericFlow) setLabel(slot int, label string) ([]string, error) {
	set := fmt.Sprintf("Set user %d's label to “%s”", slot, label)
	if label == "" {
		set = fmt.Sprintf("Erase user %d's label", slot)
	}
	return []string{f.program(slot), set, genericLeave}, nil
}

func (f genericFlow) setPartitions(slot int, parts uint64) []string {
	return []string{f.program(slot), fmt.Sprintf("Give user %d %s only", slot, partList(parts)), genericLeave}
}

func (f genericFlow) addKeypadTag(slot int, tag string) []string {
	return []string{
		f.program(slot),
		fmt.Sprintf("Choose user %d's proximity tag and present tag %s to the keypad's reader until the keypad accepts it", slot, tag),
		genericLeave,
	}
}

func (f genericFlow) removeKeypadTag(tag string) []string {
	return []string{
		fmt.Sprintf("%s, open the programming of %s, as the panel's manual describes", f.where, owner(tag)),
		fmt.Sprintf("Delete its proximity tag (%s)", tag),
		genericLeave,
	}
}

func (f genericFlow) target(partition int) string {
	if f.multi() {
		return fmt.Sprintf("partition %d", partition)
	}
	return "the panel"
}

func (f genericFlow) arm(partition int, mode drivers.ArmMode) []string {
	if mode == drivers.Stay {
		return []string{
			fmt.Sprintf("%s, arm %s in stay mode (people stay inside) with an access code valid on it", f.where, f.target(partition)),
			"Check that the panel shows it armed",
		}
	}
	return []string{
		fmt.Sprintf("%s, arm %s in away mode (everyone leaves) with an access code valid on it", f.where, f.target(partition)),
		"Leave before the exit delay ends",
		"Check that the panel shows it armed",
	}
}

func (f genericFlow) disarm(partition int) []string {
	return []string{
		fmt.Sprintf("%s, disarm %s with an access code valid on it", f.where, f.target(partition)),
		"Check that the panel shows it disarmed",
	}
}
