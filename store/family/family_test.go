package family

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// wantRoles is reference 003's "Panel user roles by panel type", written out
// independently of the table (Generic is not in 003: Master and User).
var wantRoles = map[Type][]Role{
	"DSC":         {"Master", "Supervisor", "User", "One-time User", "Duress"},
	"NeoR":        {"Master", "Supervisor", "User", "One-time User", "Duress"},
	"Qolsys (IQ)": {"Master", "DwellerMaster", "User", "Guest", "Installer", "Duress", "Dealer"},
	"Dual Path":   {"Master"},
	"Visonic":     {"Master", "User"},
	// Not in reference 003: Vista's authority levels (master, manager,
	// standard, guest, duress) in guardroom's names.
	"Vista":   {"Master", "Supervisor", "User", "Guest", "Duress"},
	"Generic": {"Master", "User"},
}

func TestFamiliesSelfConsistent(t *testing.T) {
	for _, f := range All() {
		t.Run(f.ID, func(t *testing.T) {
			if f.ID == "" || f.Model == "" || f.Source == "" {
				t.Errorf("ID %q, Model %q, Source %q: none may be empty", f.ID, f.Model, f.Source)
			}
			if f.Slots < 1 {
				t.Errorf("Slots = %d, want >= 1", f.Slots)
			}
			if f.MaxSlots < f.Slots {
				t.Errorf("MaxSlots = %d < Slots = %d", f.MaxSlots, f.Slots)
			}
			if f.MasterSlot < 1 || f.MasterSlot > f.Slots {
				t.Errorf("MasterSlot = %d, not in 1..%d", f.MasterSlot, f.Slots)
			}
			if !f.ValidSlot(f.MasterSlot, f.Slots) {
				t.Errorf("ValidSlot(master %d, %d) = false", f.MasterSlot, f.Slots)
			}
			if got := f.DefaultRole(f.MasterSlot); got != RoleMaster {
				t.Errorf("DefaultRole(master slot %d) = %q, want Master", f.MasterSlot, got)
			}
			if !f.AllowsRole(RoleMaster) {
				t.Errorf("Master is not allowed")
			}
			want, ok := wantRoles[f.Type]
			if !ok {
				t.Fatalf("unknown Type %q", f.Type)
			}
			if !slices.Equal(f.Roles, want) {
				t.Errorf("Roles = %q, want %q (reference 003)", f.Roles, want)
			}
			for _, r := range f.Roles {
				if !f.AllowsRole(r) {
					t.Errorf("AllowsRole(%q) = false for a listed role", r)
				}
			}
			for slot := 1; slot <= min(f.Slots, 300); slot++ {
				if r := f.DefaultRole(slot); !f.AllowsRole(r) {
					t.Fatalf("DefaultRole(%d) = %q, not allowed", slot, r)
				}
			}
			if len(f.CodeLengths) == 0 {
				t.Fatalf("no CodeLengths")
			}
			if !f.AllowsCodeLength(f.CodeLengths[0]) {
				t.Errorf("default code length %d not allowed", f.CodeLengths[0])
			}
			for _, n := range f.CodeLengths {
				if n < minCodeLength || n > maxCodeLength {
					t.Errorf("code length %d outside what CheckCode accepts", n)
				}
			}
			if f.Partitions < 1 {
				t.Errorf("Partitions = %d, want >= 1", f.Partitions)
			}
			wantEdit := f.Partitions > 1 && f.Type != TypeDualPath
			if f.PartitionEditing != wantEdit {
				t.Errorf("PartitionEditing = %v, want %v (Partitions %d, Type %q)",
					f.PartitionEditing, wantEdit, f.Partitions, f.Type)
			}
			got, ok := Lookup(f.ID)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", f.ID)
			}
			if !reflect.DeepEqual(got, f) {
				t.Errorf("Lookup(%q) = %+v, want %+v", f.ID, got, f)
			}
		})
	}
}

func TestIDsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range All() {
		if seen[f.ID] {
			t.Errorf("duplicate ID %q", f.ID)
		}
		seen[f.ID] = true
	}
}

// TestFigures pins every family's figures to DOMAIN.md §4 so that a change to
// the table is a deliberate one.
func TestFigures(t *testing.T) {
	type fig struct {
		typ                       Type
		slots, max, master, parts int
		lengths                   []int
		prox, locks, duress       bool
	}
	want := map[string]fig{
		"dsc-pc1616":            {TypeDSC, 48, 48, 40, 2, []int{4, 6}, false, false, true},
		"dsc-pc1832":            {TypeDSC, 72, 72, 40, 4, []int{4, 6}, false, false, true},
		"dsc-pc1864":            {TypeDSC, 95, 95, 40, 8, []int{4, 6}, false, false, true},
		"neo-hs2016":            {TypeNeoR, 48, 48, 1, 2, []int{4, 6, 8}, true, true, false},
		"neo-hs2032":            {TypeNeoR, 72, 72, 1, 4, []int{4, 6, 8}, true, true, false},
		"neo-hs2064":            {TypeNeoR, 95, 95, 1, 8, []int{4, 6, 8}, true, true, false},
		"neo-hs2128":            {TypeNeoR, 95, 95, 1, 8, []int{4, 6, 8}, true, true, false},
		"neo-hs2128e":           {TypeNeoR, 1000, 1000, 1, 8, []int{8, 6, 4}, true, true, false},
		"qolsys-iq2plus":        {TypeQolsys, 242, 242, 1, 4, []int{4, 6}, false, true, false},
		"qolsys-iq4":            {TypeQolsys, 242, 242, 1, 4, []int{4, 6}, false, true, false},
		"dualpath":              {TypeDualPath, 1, 1, 1, 1, []int{4}, false, false, false},
		"visonic-powermax":      {TypeVisonic, 8, 8, 1, 1, []int{4}, true, false, false},
		"visonic-powermaster10": {TypeVisonic, 8, 8, 1, 3, []int{4}, true, false, false},
		"visonic-powermaster30": {TypeVisonic, 48, 48, 1, 3, []int{4}, true, false, false},
		"vista-20p":             {TypeVista, 49, 49, 2, 3, []int{4}, false, false, false},
		"generic":               {TypeGeneric, 1000, 200000, 1, 8, []int{4, 6, 8}, true, true, false},
	}
	all := All()
	if len(all) != len(want) {
		t.Errorf("All() has %d families, want %d", len(all), len(want))
	}
	for id, w := range want {
		t.Run(id, func(t *testing.T) {
			f, ok := Lookup(id)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", id)
			}
			got := fig{f.Type, f.Slots, f.MaxSlots, f.MasterSlot, f.Partitions,
				f.CodeLengths, f.KeypadProx, f.DoorLocks, f.DuressPlusOne}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("figures = %+v, want %+v", got, w)
			}
		})
	}
}

func TestAllOrder(t *testing.T) {
	typeOrder := []Type{TypeDSC, TypeNeoR, TypeQolsys, TypeDualPath, TypeVisonic, TypeVista, TypeGeneric}
	all := All()
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		ia, ib := slices.Index(typeOrder, a.Type), slices.Index(typeOrder, b.Type)
		if ia > ib {
			t.Errorf("%s (%s) comes before %s (%s): types out of order", a.ID, a.Type, b.ID, b.Type)
		}
		if ia == ib && a.Slots > b.Slots {
			t.Errorf("%s (%d slots) comes before %s (%d slots): models out of order", a.ID, a.Slots, b.ID, b.Slots)
		}
	}
	if !reflect.DeepEqual(All(), all) {
		t.Errorf("All() is not stable between calls")
	}
}

func TestAllAndLookupReturnCopies(t *testing.T) {
	all := All()
	all[0].Roles[0] = RoleGuest
	all[0].CodeLengths[0] = 99
	all[0].Slots = -1
	f, _ := Lookup(all[0].ID)
	if f.Roles[0] != RoleMaster || f.CodeLengths[0] == 99 || f.Slots == -1 {
		t.Errorf("changing All()'s result changed the table: %+v", f)
	}
	f.Roles[0] = RoleDealer
	g, _ := Lookup(f.ID)
	if g.Roles[0] != RoleMaster {
		t.Errorf("changing Lookup's result changed the table: %+v", g)
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, id := range []string{"", "DSC-PC1864", "dsc-pc1864 ", "nope"} {
		t.Run(id, func(t *testing.T) {
			if f, ok := Lookup(id); ok {
				t.Errorf("Lookup(%q) = %+v, true; want false", id, f)
			}
		})
	}
}

func TestDefaultRole(t *testing.T) {
	cases := []struct {
		id   string
		slot int
		want Role
	}{
		{"dsc-pc1864", 40, RoleMaster},
		{"dsc-pc1864", 1, RoleUser},
		{"dsc-pc1864", 41, RoleUser},
		{"neo-hs2016", 1, RoleMaster},
		{"neo-hs2016", 40, RoleUser},
		{"qolsys-iq4", 1, RoleMaster},
		{"qolsys-iq4", 2, RoleUser},
		{"dualpath", 1, RoleMaster},
		{"dualpath", 2, RoleMaster},
		{"visonic-powermax", 8, RoleUser},
		{"generic", 150000, RoleUser},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			f, ok := Lookup(c.id)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", c.id)
			}
			if got := f.DefaultRole(c.slot); got != c.want {
				t.Errorf("DefaultRole(%d) = %q, want %q", c.slot, got, c.want)
			}
		})
	}
}

func TestRolesFor(t *testing.T) {
	cases := []struct {
		id   string
		slot int
		want []Role
	}{
		{"dsc-pc1864", 40, []Role{RoleMaster}},
		{"dsc-pc1864", 1, []Role{RoleSupervisor, RoleUser, RoleOneTime, RoleDuress}},
		{"neo-hs2016", 1, []Role{RoleMaster}},
		{"neo-hs2016", 40, []Role{RoleSupervisor, RoleUser, RoleOneTime, RoleDuress}},
		{"qolsys-iq4", 2, []Role{RoleDwellerMaster, RoleUser, RoleGuest, RoleInstaller, RoleDuress, RoleDealer}},
		{"dualpath", 1, []Role{RoleMaster}},
		{"visonic-powermax", 1, []Role{RoleMaster}},
		{"visonic-powermax", 8, []Role{RoleUser}},
		{"generic", 150000, []Role{RoleUser}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%d", c.id, c.slot), func(t *testing.T) {
			f, _ := Lookup(c.id)
			if got := f.RolesFor(c.slot); !slices.Equal(got, c.want) {
				t.Errorf("RolesFor(%d) = %q, want %q", c.slot, got, c.want)
			}
		})
	}
	// Whatever the family, a slot's default role is one it may hold, and
	// the result is the caller's to change.
	for _, f := range All() {
		for _, slot := range []int{1, 2, f.MasterSlot, f.Slots} {
			got := f.RolesFor(slot)
			if !slices.Contains(got, f.DefaultRole(slot)) {
				t.Errorf("%s: RolesFor(%d) = %q lacks the default role %q", f.ID, slot, got, f.DefaultRole(slot))
			}
			got[0] = "changed"
			if f.RolesFor(slot)[0] == "changed" {
				t.Errorf("%s: RolesFor(%d) shares its slice with the table", f.ID, slot)
			}
		}
	}
}

func TestVendor(t *testing.T) {
	cases := map[Type]string{
		TypeDSC:      "DSC",
		TypeNeoR:     "DSC",
		TypeQolsys:   "Qolsys",
		TypeDualPath: "Dual Path",
		TypeVisonic:  "Visonic",
		TypeVista:    "Honeywell",
		TypeGeneric:  "Generic",
	}
	for typ, want := range cases {
		if got := typ.Vendor(); got != want {
			t.Errorf("%q.Vendor() = %q, want %q", typ, got, want)
		}
	}
	for _, f := range All() {
		if _, ok := cases[f.Type]; !ok {
			t.Errorf("family %s has type %q, not in this test: say its vendor", f.ID, f.Type)
		}
	}
}

func TestAllowsRoleAndCodeLength(t *testing.T) {
	cases := []struct {
		id     string
		role   Role
		ok     bool
		length int
		lenOK  bool
	}{
		{"dsc-pc1616", RoleSupervisor, true, 6, true},
		{"dsc-pc1616", RoleGuest, false, 8, false},
		{"neo-hs2128e", RoleOneTime, true, 8, true},
		{"qolsys-iq2plus", RoleDealer, true, 6, true},
		{"qolsys-iq2plus", RoleSupervisor, false, 8, false},
		{"dualpath", RoleUser, false, 6, false},
		{"visonic-powermaster30", RoleDuress, false, 4, true},
		{"generic", RoleUser, true, 5, false},
		{"generic", Role("master"), false, 0, false},
	}
	for _, c := range cases {
		t.Run(c.id+"/"+string(c.role), func(t *testing.T) {
			f, _ := Lookup(c.id)
			if got := f.AllowsRole(c.role); got != c.ok {
				t.Errorf("AllowsRole(%q) = %v, want %v", c.role, got, c.ok)
			}
			if got := f.AllowsCodeLength(c.length); got != c.lenOK {
				t.Errorf("AllowsCodeLength(%d) = %v, want %v", c.length, got, c.lenOK)
			}
		})
	}
}

func TestValidSlot(t *testing.T) {
	cases := []struct {
		name        string
		id          string
		slot, slots int
		want        bool
	}{
		{"first", "dsc-pc1864", 1, 95, true},
		{"last", "dsc-pc1864", 95, 95, true},
		{"past end", "dsc-pc1864", 96, 95, false},
		{"zero", "dsc-pc1864", 0, 95, false},
		{"negative", "dsc-pc1864", -1, 95, false},
		{"configured fewer", "generic", 500, 400, false},
		{"configured more", "generic", 150000, 200000, true},
		{"beyond family max", "generic", 200001, 300000, false},
		{"beyond fixed family", "visonic-powermax", 9, 48, false},
		{"dual path", "dualpath", 1, 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _ := Lookup(c.id)
			if got := f.ValidSlot(c.slot, c.slots); got != c.want {
				t.Errorf("%s.ValidSlot(%d, %d) = %v, want %v", c.id, c.slot, c.slots, got, c.want)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	cases := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"Master", RoleMaster, false},
		{"master", RoleMaster, false},
		{"  MASTER ", RoleMaster, false},
		{"supervisor", RoleSupervisor, false},
		{"user", RoleUser, false},
		{"One-time User", RoleOneTime, false},
		{"one-time user", RoleOneTime, false},
		{"one-time", RoleOneTime, false},
		{"onetime", RoleOneTime, false},
		{"One Time", RoleOneTime, false},
		{"duress", RoleDuress, false},
		{"dwellermaster", RoleDwellerMaster, false},
		{"Dweller Master", RoleDwellerMaster, false},
		{"guest", RoleGuest, false},
		{"installer", RoleInstaller, false},
		{"Dealer", RoleDealer, false},
		{"", "", true},
		{"admin", "", true},
		{"users", "", true},
		{"one", "", true},
		{"1234", "", true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseRole(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("ParseRole(%q) error = %v, wantErr %v", c.in, err, c.wantErr)
			}
			if got != c.want {
				t.Errorf("ParseRole(%q) = %q, want %q", c.in, got, c.want)
			}
			if err != nil {
				for _, r := range []string{"Master", "One-time User", "DwellerMaster", "Dealer"} {
					if !strings.Contains(err.Error(), r) {
						t.Errorf("error %q does not list valid role %q", err, r)
					}
				}
				if c.in != "" && strings.ContainsAny(c.in, "0123456789") && strings.Contains(err.Error(), c.in) {
					t.Errorf("error %q echoes digit input", err)
				}
			}
		})
	}
}

func TestCheckCode(t *testing.T) {
	cases := []struct {
		name   string
		code   string
		length int
		want   error // nil, or the sentinel
	}{
		{"good 4", "2580", 4, nil},
		{"good 6", "739104", 6, nil},
		{"good 8", "90817263", 8, nil},
		{"good leading zero", "0427", 4, nil},
		{"wrap is not a run", "8901", 4, nil},
		{"almost a run", "1235", 4, nil},
		{"too short", "2580", 6, ErrCodeLength},
		{"too long", "258013", 4, ErrCodeLength},
		{"empty", "", 4, ErrCodeLength},
		{"length setting zero", "2580", 0, ErrCodeLength},
		{"length setting too big", "2580", 13, ErrCodeLength},
		{"letters", "25a0", 4, ErrCodeFormat},
		{"space inside", "25 0", 4, ErrCodeFormat},
		{"leading space", " 2580", 4, ErrCodeFormat},
		{"trailing newline", "2580\n", 4, ErrCodeFormat},
		{"sign", "-258", 4, ErrCodeFormat},
		{"non-ASCII digits", "٢٥٨٠", 4, ErrCodeFormat},
		{"letters and wrong length", "ab", 4, ErrCodeFormat},
		{"all same", "0000", 4, ErrCodeTrivial},
		{"all same 6", "777777", 6, ErrCodeTrivial},
		{"ascending", "1234", 4, ErrCodeTrivial},
		{"ascending from zero", "0123", 4, ErrCodeTrivial},
		{"descending", "4321", 4, ErrCodeTrivial},
		{"descending to zero", "3210", 4, ErrCodeTrivial},
		{"ascending 6", "456789", 6, ErrCodeTrivial},
		{"descending 6", "987654", 6, ErrCodeTrivial},
		{"ascending 8", "12345678", 8, ErrCodeTrivial},
		{"descending 8", "76543210", 8, ErrCodeTrivial},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckCode(c.code, c.length)
			if c.want == nil {
				if err != nil {
					t.Fatalf("CheckCode(len %d) = %v, want nil", c.length, err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("CheckCode(len %d) = %v, want errors.Is %v", c.length, err, c.want)
			}
			for _, other := range []error{ErrCodeFormat, ErrCodeLength, ErrCodeTrivial} {
				if other != c.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
		})
	}
}

func TestCheckCodeLengthMessage(t *testing.T) {
	err := CheckCode("2580", 6)
	if err == nil || err.Error() != "code must be 6 digits, got 4" {
		t.Errorf("CheckCode(4 digits, 6) = %v, want %q", err, "code must be 6 digits, got 4")
	}
}

func TestTrivial(t *testing.T) {
	cases := []struct {
		code string
		want bool
	}{
		{"0000", true},
		{"9999", true},
		{"11111111", true},
		{"1234", true},
		{"0123", true},
		{"456789", true},
		{"0123456789", true},
		{"4321", true},
		{"9876", true},
		{"9876543210", true},
		{"7", true},
		{"8901", false}, // no wrap-around
		{"2109", false},
		{"7890", false},
		{"1243", false},
		{"1357", false}, // step 2 is not a run
		{"1122", false},
		{"2580", false},
		{"", false},
		{"abcd", false},
		{"aaaa", false},
		{"12a4", false},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			if got := Trivial(c.code); got != c.want {
				t.Errorf("Trivial(%q) = %v, want %v", c.code, got, c.want)
			}
		})
	}
}

func TestNeighbours(t *testing.T) {
	cases := []struct {
		code string
		want []string
	}{
		{"0000", []string{"0001"}},
		{"9999", []string{"9998"}},
		{"1234", []string{"1233", "1235"}},
		{"0009", []string{"0008", "0010"}},
		{"0010", []string{"0009", "0011"}},
		{"1000", []string{"0999", "1001"}},
		{"0999", []string{"0998", "1000"}},
		{"000000", []string{"000001"}},
		{"999999", []string{"999998"}},
		{"12999999", []string{"12999998", "13000000"}},
		{"0", []string{"1"}},
		{"9", []string{"8"}},
		{"99999999999999999999", []string{"99999999999999999998"}},
		{"", nil},
		{"12a4", nil},
		{" 123", nil},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			if got := Neighbours(c.code); !slices.Equal(got, c.want) {
				t.Errorf("Neighbours(%q) = %q, want %q", c.code, got, c.want)
			}
		})
	}
}

func TestValidIMEI(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr string // substring; "" means valid
	}{
		{"valid 1", "490154203237518", ""},
		{"valid 2", "356938035643809", ""},
		{"valid 3", "352099001761481", ""},
		{"wrong check digit 1", "490154203237517", "check digit"},
		{"wrong check digit 2", "356938035643808", "check digit"},
		{"check digit off by five", "490154203237513", "check digit"},
		{"transposed digits", "940154203237518", "check digit"},
		{"14 digits", "49015420323751", "must be 15 digits, got 14"},
		{"16 digits", "4901542032375180", "must be 15 digits, got 16"},
		{"empty", "", "must be 15 digits, got 0"},
		{"letter", "49015420323751X", "digits only"},
		{"spaces", "490154 203237518", "digits only"},
		{"dashes", "49-015420-323751-8", "digits only"},
		{"trailing newline", "490154203237518\n", "digits only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidIMEI(c.in)
			if c.wantErr == "" {
				if err != nil {
					t.Errorf("ValidIMEI(%q) = %v, want nil", c.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidIMEI(%q) = nil, want error containing %q", c.in, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantErr) || !strings.HasPrefix(err.Error(), "IMEI ") {
				t.Errorf("ValidIMEI(%q) = %q, want it to contain %q", c.in, err, c.wantErr)
			}
		})
	}
}

// TestErrorsNeverContainInput: codes are secrets, so no refusal may repeat
// the code (nor the IMEI) it was given.
func TestErrorsNeverContainInput(t *testing.T) {
	inputs := []string{
		"1234", "0000", "4321", "123456", "12345678", "2580", "25800", "258",
		"12a4", "00000000000000000000", "6 digits", "got 4", "4", "14",
		"490154203237517", "49015420323751", "4901542032375180", "49015420323751X",
	}
	for _, in := range inputs {
		for _, length := range []int{0, 4, 6, 8, 12, 14, 15, 1234, 123456} {
			if err := CheckCode(in, length); err != nil && len(in) >= 3 && strings.Contains(err.Error(), in) {
				t.Errorf("CheckCode(len %d) error %q contains the code", length, err)
			}
		}
		if err := ValidIMEI(in); err != nil && len(in) >= 3 && strings.Contains(err.Error(), in) {
			t.Errorf("ValidIMEI error %q contains the input", err)
		}
	}
	// And the messages carry no digit runs of their own that could echo a code.
	for _, in := range []string{"1234", "abcd"} {
		err := CheckCode(in, 4)
		if err == nil {
			t.Fatalf("CheckCode(%d chars) accepted a code it must refuse", len(in))
		}
		if strings.ContainsAny(err.Error(), "0123456789") {
			t.Errorf("message %q holds digits", err)
		}
	}
}

// The drivers report and the store keeps these states: each listed once,
// the ones the register map and the simulator's files name included.
func TestStatesListed(t *testing.T) {
	parts := PartitionStates()
	if !distinct(parts) || len(parts) != 10 || !slices.Contains(parts, NotReady) || !slices.Contains(parts, ExitDelay) {
		t.Errorf("PartitionStates() = %q", parts)
	}
	locks := LockStates()
	if !distinct(locks) || len(locks) != 4 || !slices.Contains(locks, LockUnknown) {
		t.Errorf("LockStates() = %q", locks)
	}
	if modes := ArmModes(); !distinct(modes) || len(modes) != 3 || !slices.Contains(modes, ArmAway) || !slices.Contains(modes, ArmNoEntry) {
		t.Errorf("ArmModes() = %q", modes)
	}
}

func distinct[T comparable](s []T) bool {
	seen := map[T]bool{}
	for _, v := range s {
		if seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}
