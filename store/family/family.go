// Package family holds the table of alarm-panel families guardroom knows
// (DSC PowerSeries, DSC PowerSeries Neo, Qolsys IQ, Dual Path communicators,
// Visonic PowerMax/PowerMaster and a generic Modbus controller) and the pure
// validation rules for user codes and IMEIs.
//
// The table is the one place where slot counts, master slots, code lengths,
// partition counts, capabilities and the roles each panel type allows are
// written down (PRODUCT.md §3: "keep them in one table in the code"). Figures
// come from DOMAIN.md §4 and the roles from reference 003; every Family says
// where its figures come from in Source.
//
// Everything here is pure: no I/O, no state, standard library only. Codes are
// secrets, so no error returned by this package ever contains the code it was
// given.
package family

import (
	"slices"
)

// Role is the role of a panel user, as named in reference 003.
type Role string

// Panel user roles. Which ones a panel allows depends on its Type.
const (
	RoleMaster        Role = "Master"
	RoleSupervisor    Role = "Supervisor"
	RoleUser          Role = "User"
	RoleOneTime       Role = "One-time User"
	RoleDuress        Role = "Duress"
	RoleDwellerMaster Role = "DwellerMaster"
	RoleGuest         Role = "Guest"
	RoleInstaller     Role = "Installer"
	RoleDealer        Role = "Dealer"
)

// Type is a panel type, as named in reference 003. The type decides which
// roles a panel's users may hold.
type Type string

// Panel types, as named in reference 003.
const (
	TypeDSC      Type = "DSC"
	TypeNeoR     Type = "NeoR"
	TypeQolsys   Type = "Qolsys (IQ)"
	TypeDualPath Type = "Dual Path"
	TypeVisonic  Type = "Visonic"
	TypeVista    Type = "Vista"
	TypeGeneric  Type = "Generic"
)

// Family is one panel model (or group of models sharing the same figures):
// its slot map, code lengths, partitions and capabilities.
type Family struct {
	ID         string // stable key stored in the database, e.g. "dsc-pc1864"
	Type       Type
	Model      string // e.g. "DSC PowerSeries PC1864"
	Roles      []Role // roles this panel type allows (reference 003)
	Slots      int    // user slots are numbered 1..Slots
	MaxSlots   int    // >Slots only where the panel's slot count is configurable; else == Slots
	MasterSlot int    // the slot that holds the Master code
	// InstallerSlot is the user slot that holds the installer code, which
	// guardroom never programs (Vista's user 1); 0 when the installer code
	// is not a user slot.
	InstallerSlot    int
	CodeLengths      []int // allowed code lengths, first is the default
	Partitions       int
	KeypadProx       bool   // keypads with a proximity reader (legacy keypad tags)
	DoorLocks        bool   // door locks can be linked to this panel
	PartitionEditing bool   // user partitions can be changed (false for single-partition panels and Dual Path)
	DuressPlusOne    bool   // default for "duress is code + 1": codes adjacent (±1) to an existing code are refused
	Source           string // where the figures come from (DOMAIN.md section / manual)
}

// Roles per panel type, from reference 003 ("Panel user roles by panel
// type"). Generic is not in 003; it gets the smallest useful set.
var (
	rolesDSC      = []Role{RoleMaster, RoleSupervisor, RoleUser, RoleOneTime, RoleDuress}
	rolesQolsys   = []Role{RoleMaster, RoleDwellerMaster, RoleUser, RoleGuest, RoleInstaller, RoleDuress, RoleDealer}
	rolesDualPath = []Role{RoleMaster}
	rolesVisonic  = []Role{RoleMaster, RoleUser}
	rolesVista    = []Role{RoleMaster, RoleSupervisor, RoleUser, RoleGuest, RoleDuress}
	rolesGeneric  = []Role{RoleMaster, RoleUser}
)

const (
	srcDSC = "DOMAIN.md §4 DSC PowerSeries: slot map v4.2–4.7 (dscKeybusInterface issue #181), " +
		"partitions (ha-envisalink-field-programmer panels/dsc.py); duress code+1 rule §3.2"
	srcNeo = "DOMAIN.md §4 DSC PowerSeries Neo: master = [01], users from DSC's 8-digit " +
		"variations table, partitions commonly cited (HS2016/HS2128 manuals)"
	srcQolsys   = "DOMAIN.md §4 Qolsys IQ2+/IQ4: up to 242 user codes, 4 or 6 digits, 4 partitions (commonly cited)"
	srcDualPath = "DOMAIN.md §1.10 Dual Path: a communicator, not a panel protocol; one Master code (reference 003)"
	srcVisonic  = "DOMAIN.md §4 Visonic: PowerMax 8 codes/1 partition, PowerMaster-10 8/3, " +
		"PowerMaster-30 48/3, user 1 = master, 4 digits"
	srcVista = "Honeywell/Ademco VISTA-20P programming guide as commonly cited (not in DOMAIN.md §4) [unverified]: " +
		"users 01-49, 01 the installer code, 02 the master; 4-digit codes; partitions 1-2 and 3, the common lobby; " +
		"codes keyed as master + 8 + user number + code (DOMAIN.md §1.2)"
	srcGeneric = "PRODUCT.md §11 drivers: generic Modbus controller, slot count configurable (up to 200000)"
)

// table is the one table of families, grouped by type in reference 003's
// order and, within a type, from the smallest model to the largest. All
// returns it in this order.
var table = []Family{
	// DSC PowerSeries (classic): master is slot 40, one system-wide code length.
	dsc("dsc-pc1616", "DSC PowerSeries PC1616", 48, 2),
	dsc("dsc-pc1832", "DSC PowerSeries PC1832", 72, 4),
	dsc("dsc-pc1864", "DSC PowerSeries PC1864", 95, 8),

	// DSC PowerSeries Neo: master is code [01]; keypads read prox tags.
	neo("neo-hs2016", "DSC PowerSeries Neo HS2016", 48, 2),
	neo("neo-hs2032", "DSC PowerSeries Neo HS2032", 72, 4),
	neo("neo-hs2064", "DSC PowerSeries Neo HS2064", 95, 8),
	neo("neo-hs2128", "DSC PowerSeries Neo HS2128", 95, 8),
	// EN 50131 versions: more than 100 codes require 8-digit codes (DOMAIN.md §3.2).
	func() Family {
		f := neo("neo-hs2128e", "DSC PowerSeries Neo HS2128 E", 1000, 8)
		f.CodeLengths = []int{8, 6, 4}
		return f
	}(),

	qolsys("qolsys-iq2plus", "Qolsys IQ Panel 2+"),
	qolsys("qolsys-iq4", "Qolsys IQ Panel 4"),

	{
		ID: "dualpath", Type: TypeDualPath, Model: "Dual Path communicator",
		Roles: rolesDualPath, Slots: 1, MaxSlots: 1, MasterSlot: 1,
		CodeLengths: []int{4}, Partitions: 1,
		Source: srcDualPath,
	},

	visonic("visonic-powermax", "Visonic PowerMax", 8, 1),
	visonic("visonic-powermaster10", "Visonic PowerMaster-10", 8, 3),
	visonic("visonic-powermaster30", "Visonic PowerMaster-30", 48, 3),

	// Honeywell/Ademco Vista: user 1 is the installer code, 2 the master.
	{
		ID: "vista-20p", Type: TypeVista, Model: "Honeywell/Ademco VISTA-20P",
		Roles: rolesVista, Slots: 49, MaxSlots: 49, MasterSlot: 2, InstallerSlot: 1,
		CodeLengths: []int{4}, Partitions: 3,
		PartitionEditing: true,
		Source:           srcVista,
	},

	{
		ID: "generic", Type: TypeGeneric, Model: "Generic controller (Modbus)",
		Roles: rolesGeneric, Slots: 1000, MaxSlots: 200000, MasterSlot: 1,
		CodeLengths: []int{4, 6, 8}, Partitions: 8,
		KeypadProx: true, DoorLocks: true, PartitionEditing: true,
		Source: srcGeneric,
	},
}

func dsc(id, model string, slots, partitions int) Family {
	return Family{
		ID: id, Type: TypeDSC, Model: model,
		Roles: rolesDSC, Slots: slots, MaxSlots: slots, MasterSlot: 40,
		CodeLengths: []int{4, 6}, Partitions: partitions,
		PartitionEditing: partitions > 1,
		DuressPlusOne:    true, // "duress codes cannot be programmed as a duplicate or as a Code + 1"
		Source:           srcDSC,
	}
}

func neo(id, model string, slots, partitions int) Family {
	return Family{
		ID: id, Type: TypeNeoR, Model: model,
		Roles: rolesDSC, Slots: slots, MaxSlots: slots, MasterSlot: 1,
		CodeLengths: []int{4, 6, 8}, Partitions: partitions,
		KeypadProx: true, DoorLocks: true,
		PartitionEditing: partitions > 1,
		Source:           srcNeo,
	}
}

func qolsys(id, model string) Family {
	return Family{
		ID: id, Type: TypeQolsys, Model: model,
		Roles: rolesQolsys, Slots: 242, MaxSlots: 242, MasterSlot: 1,
		CodeLengths: []int{4, 6}, Partitions: 4,
		DoorLocks: true, PartitionEditing: true,
		Source: srcQolsys,
	}
}

func visonic(id, model string, slots, partitions int) Family {
	return Family{
		ID: id, Type: TypeVisonic, Model: model,
		Roles: rolesVisonic, Slots: slots, MaxSlots: slots, MasterSlot: 1,
		CodeLengths: []int{4}, Partitions: partitions,
		KeypadProx:       true,
		PartitionEditing: partitions > 1,
		Source:           srcVisonic,
	}
}

// clone returns f with its slices copied, so callers cannot change the table.
func (f Family) clone() Family {
	f.Roles = slices.Clone(f.Roles)
	f.CodeLengths = slices.Clone(f.CodeLengths)
	return f
}

// All returns every family guardroom knows, grouped by type (DSC, NeoR,
// Qolsys (IQ), Dual Path, Visonic, Vista, Generic) and, within a type, from the
// smallest model to the largest. The result is a copy: changing it does not
// change the table.
func All() []Family {
	out := make([]Family, len(table))
	for i, f := range table {
		out[i] = f.clone()
	}
	return out
}

// Lookup returns the family stored under id (for example "dsc-pc1864").
// The match is exact: IDs are stable database keys.
func Lookup(id string) (Family, bool) {
	for _, f := range table {
		if f.ID == id {
			return f.clone(), true
		}
	}
	return Family{}, false
}

// AllowsRole reports whether users of this panel may hold role r.
func (f Family) AllowsRole(r Role) bool {
	return slices.Contains(f.Roles, r)
}

// DefaultRole is the role a new user in slot gets: Master for the master
// slot; otherwise User when the panel allows it, else the panel's first role
// (Dual Path → Master).
func (f Family) DefaultRole(slot int) Role {
	switch {
	case slot == f.MasterSlot:
		return RoleMaster
	case f.AllowsRole(RoleUser):
		return RoleUser
	case len(f.Roles) > 0:
		return f.Roles[0]
	default:
		return RoleMaster
	}
}

// RolesFor returns the roles a user in slot may hold, in the family's
// order: the Master slot holds Master only, and no other slot holds
// Master, unless Master is the only role the panel has (Dual Path).
func (f Family) RolesFor(slot int) []Role {
	if slot == f.MasterSlot {
		return []Role{RoleMaster}
	}
	if len(f.Roles) == 1 {
		return slices.Clone(f.Roles)
	}
	out := make([]Role, 0, len(f.Roles))
	for _, r := range f.Roles {
		if r != RoleMaster {
			out = append(out, r)
		}
	}
	return out
}

// Vendor is the maker a panel of type t names itself by (a device's
// identity, the guided steps): DSC for both DSC types, and the type's own
// name where the type is not one maker's (Generic).
func (t Type) Vendor() string {
	switch t {
	case TypeDSC, TypeNeoR:
		return "DSC"
	case TypeQolsys:
		return "Qolsys"
	case TypeVista:
		return "Honeywell"
	}
	return string(t)
}

// AllowsCodeLength reports whether codes of n digits can be configured on
// this panel.
func (f Family) AllowsCodeLength(n int) bool {
	return slices.Contains(f.CodeLengths, n)
}

// ValidSlot reports whether slot exists on a panel of this family configured
// with slots user slots: 1 <= slot <= slots. A slot beyond the family's
// MaxSlots is never valid, whatever slots says.
func (f Family) ValidSlot(slot, slots int) bool {
	return slot >= 1 && slot <= slots && slot <= f.MaxSlots
}
