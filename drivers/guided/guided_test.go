package guided_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/guided"
	"github.com/guardroom/guardroom/store/family"
)

// codes are distinctive codes of each length; all start with 8642, so a
// step holding even a prefix of one is caught.
var codes = map[int]string{4: "8642", 6: "864297", 8: "86429753"}

const codePrefix = "8642"

func open(t *testing.T, cfg drivers.Config) drivers.Panel {
	t.Helper()
	p, err := drivers.Open("guided", cfg)
	if err != nil {
		t.Fatalf("Open(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// steps returns the steps of a Guidance and fails the test on anything else.
func steps(t *testing.T, err error) []string {
	t.Helper()
	var g *drivers.Guidance
	if !errors.As(err, &g) {
		t.Fatalf("got %v (%T), want *drivers.Guidance", err, err)
	}
	if len(g.Steps) == 0 {
		t.Fatal("Guidance with no steps")
	}
	for i, s := range g.Steps {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\r\n") {
			t.Errorf("step %d = %q: want one non-empty line", i+1, s)
		}
		if strings.Contains(s, codePrefix) {
			t.Errorf("step %d = %q holds the code", i+1, s)
		}
	}
	if drivers.Transient(err) {
		t.Error("Guidance is Transient: the dispatcher would retry instead of parking the job")
	}
	var r *drivers.Refusal
	if errors.As(err, &r) {
		t.Error("Guidance is a Refusal")
	}
	return g.Steps
}

func refusal(t *testing.T, err error, kind drivers.RefusalKind) {
	t.Helper()
	var r *drivers.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("got %v (%T), want a *drivers.Refusal (%s)", err, err, kind)
	}
	if r.Kind != kind {
		t.Errorf("refusal kind = %s (%q), want %s", r.Kind, r.Reason, kind)
	}
	if r.Reason == "" {
		t.Error("refusal without a reason")
	}
	if strings.Contains(r.Reason, codePrefix) {
		t.Errorf("refusal %q holds the code", r.Reason)
	}
}

func TestRegistryOpensByName(t *testing.T) {
	if !slices.Contains(drivers.Names(), "guided") {
		t.Fatalf("drivers.Names() = %v, want guided among them", drivers.Names())
	}
	p := open(t, drivers.Config{Family: "dsc-pc1864", Address: "shop front"})
	if _, ok := p.(*guided.Panel); !ok {
		t.Fatalf("Open returned %T, want *guided.Panel", p)
	}
	for _, c := range []struct {
		name string
		cfg  drivers.Config
		want string
	}{
		{"no family", drivers.Config{}, `unknown panel family ""`},
		{"unknown family", drivers.Config{Family: "dsc-9999"}, "use one of"},
		{"too many slots", drivers.Config{Family: "visonic-powermax", Slots: 9}, "has 1 to 8"},
		{"code length", drivers.Config{Family: "visonic-powermax", CodeLength: 6}, "does not take 6-digit codes"},
		{"option", drivers.Config{Family: "generic", Options: map[string]string{"unit": "1"}}, "takes no options"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := drivers.Open("guided", c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "guided driver: ") {
				t.Fatalf("Open error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestCapabilitiesSayNoReadBack(t *testing.T) {
	p := open(t, drivers.Config{Family: "neo-hs2064"})
	want := drivers.Capabilities{Users: true, ArmDisarm: true, KeypadTags: true}
	if got := p.Capabilities(); got != want {
		t.Fatalf("Capabilities() = %+v, want %+v", got, want)
	}
	// Keypad tags only where the family's keypads have readers.
	for _, f := range family.All() {
		if got := open(t, drivers.Config{Family: f.ID}).Capabilities().KeypadTags; got != f.KeypadProx {
			t.Errorf("%s: Capabilities().KeypadTags = %v, family says %v", f.ID, got, f.KeypadProx)
		}
	}
	if _, ok := p.(drivers.Locks); ok {
		t.Fatal("the guided driver implements drivers.Locks: it drives no locks")
	}
}

func TestIdentifyFromTheFamily(t *testing.T) {
	for _, f := range family.All() {
		t.Run(f.ID, func(t *testing.T) {
			id, err := open(t, drivers.Config{Family: f.ID}).Identify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if id.Model != f.Model || id.Slots != f.Slots || id.Partitions != f.Partitions || id.CodeLength != f.CodeLengths[0] {
				t.Errorf("Identify() = %+v, want the figures of %+v", id, f)
			}
			if id.Vendor != f.Type.Vendor() || id.Serial != "" || id.Firmware != "" {
				t.Errorf("Identify() = %+v: want the family's vendor %q and no serial or firmware (nothing was asked)", id, f.Type.Vendor())
			}
		})
	}
	id, _ := open(t, drivers.Config{Family: "neo-hs2128e", Slots: 200, CodeLength: 6}).Identify(context.Background())
	if id.Slots != 200 || id.CodeLength != 6 {
		t.Errorf("Identify() with overrides = %+v, want 200 slots of 6 digits", id)
	}
}

func TestReadsAreRefused(t *testing.T) {
	p := open(t, drivers.Config{Family: "qolsys-iq4"})
	ctx := context.Background()
	_, err := p.ReadUsers(ctx)
	refusal(t, err, drivers.RefusedUnsupported)
	_, err = p.ReadPartitions(ctx)
	refusal(t, err, drivers.RefusedUnsupported)
	_, err = p.(*guided.Panel).ReadUser(ctx, 3)
	refusal(t, err, drivers.RefusedUnsupported)
	if !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("ReadUser refusal %q does not say the driver cannot read", err)
	}
	_, err = p.(drivers.KeypadTags).ReadKeypadTags(ctx)
	refusal(t, err, drivers.RefusedUnsupported)
	_, err = open(t, drivers.Config{Family: "neo-hs2064"}).(drivers.KeypadTags).ReadKeypadTags(ctx)
	refusal(t, err, drivers.RefusedUnsupported)
	if !strings.Contains(err.Error(), "cannot read keypad tags") {
		t.Errorf("ReadKeypadTags refusal %q does not say the driver cannot read", err)
	}
}

// op is one drivers.Panel change, run against a panel of family f.
type op struct {
	name string
	run  func(p drivers.Panel, f family.Family) error
}

// userSlot is an ordinary user's slot, or the only slot a Dual Path has.
// userSlot is a plain user's slot: 2, or on a Vista (1 the installer, 2
// the master) the one after the master's.
func userSlot(f family.Family) int {
	if f.InstallerSlot != 0 {
		return f.MasterSlot + 1
	}
	return min(2, f.Slots)
}

var ops = []op{
	{"set code", func(p drivers.Panel, f family.Family) error {
		s := userSlot(f)
		u := drivers.User{Slot: s, Label: "Front desk", Partitions: 1, Role: string(f.DefaultRole(s))}
		return p.SetCode(context.Background(), u, codes[f.CodeLengths[0]])
	}},
	{"set master code", func(p drivers.Panel, f family.Family) error {
		return p.SetCode(context.Background(), drivers.User{Slot: f.MasterSlot}, codes[f.CodeLengths[0]])
	}},
	{"clear code", func(p drivers.Panel, f family.Family) error {
		return p.ClearCode(context.Background(), userSlot(f))
	}},
	{"set label", func(p drivers.Panel, f family.Family) error {
		return p.SetLabel(context.Background(), userSlot(f), "Cleaner")
	}},
	{"set partitions", func(p drivers.Panel, f family.Family) error {
		return p.SetPartitions(context.Background(), userSlot(f), 1)
	}},
	{"arm stay", func(p drivers.Panel, f family.Family) error {
		return p.Arm(context.Background(), f.Partitions, drivers.Stay)
	}},
	{"arm away", func(p drivers.Panel, f family.Family) error {
		return p.Arm(context.Background(), 1, drivers.Away)
	}},
	{"disarm", func(p drivers.Panel, f family.Family) error {
		return p.Disarm(context.Background(), f.Partitions)
	}},
	{"add keypad tag", func(p drivers.Panel, f family.Family) error {
		return p.(drivers.KeypadTags).AddKeypadTag(context.Background(), userSlot(f), "H10301:90:324")
	}},
	{"remove keypad tag", func(p drivers.Panel, f family.Family) error {
		return p.(drivers.KeypadTags).RemoveKeypadTag(context.Background(), "H10301:90:324")
	}},
}

// noKeypadReader is what a family without keypad readers answers to a
// keypad tag.
var noKeypadReader = map[string]drivers.RefusalKind{
	"add keypad tag":    drivers.RefusedUnsupported,
	"remove keypad tag": drivers.RefusedUnsupported,
}

// refused lists, by family ID, the ops a family cannot do at its keypad;
// every other op must give steps. It is written out rather than derived
// from the family table, so a change to either shows here.
var refused = map[string]map[string]drivers.RefusalKind{
	"dsc-pc1616":     with(noKeypadReader, "set label", drivers.RefusedUnsupported),
	"dsc-pc1832":     with(noKeypadReader, "set label", drivers.RefusedUnsupported),
	"dsc-pc1864":     with(noKeypadReader, "set label", drivers.RefusedUnsupported),
	"qolsys-iq2plus": noKeypadReader,
	"qolsys-iq4":     noKeypadReader,
	"dualpath": with(with(noKeypadReader, // one slot, the master's
		"clear code", drivers.RefusedMaster),
		"set partitions", drivers.RefusedUnsupported),
	"visonic-powermax": {
		"set label":      drivers.RefusedUnsupported,
		"set partitions": drivers.RefusedUnsupported,
	},
	"visonic-powermaster10": {"set label": drivers.RefusedUnsupported},
	"visonic-powermaster30": {"set label": drivers.RefusedUnsupported},
	"vista-20p":             noKeypadReader,
}

func with(m map[string]drivers.RefusalKind, op string, kind drivers.RefusalKind) map[string]drivers.RefusalKind {
	out := maps.Clone(m)
	out[op] = kind
	return out
}

func TestEveryOpOnEveryFamily(t *testing.T) {
	for _, f := range family.All() {
		p := open(t, drivers.Config{Family: f.ID})
		for _, o := range ops {
			t.Run(f.ID+"/"+o.name, func(t *testing.T) {
				err := o.run(p, f)
				if kind, ok := refused[f.ID][o.name]; ok {
					refusal(t, err, kind)
					return
				}
				steps(t, err)
			})
		}
	}
}

func TestStepsNeverHoldTheCode(t *testing.T) {
	for _, f := range family.All() {
		for _, n := range f.CodeLengths {
			p := open(t, drivers.Config{Family: f.ID, CodeLength: n})
			for _, slot := range []int{f.MasterSlot, 1, userSlot(f), f.Slots} {
				u := drivers.User{Slot: slot, Label: "Night shift"}
				err := p.SetCode(context.Background(), u, codes[n])
				for _, s := range steps(t, err) {
					if strings.Contains(s, codes[n]) {
						t.Fatalf("%s slot %d: step %q holds the code", f.ID, slot, s)
					}
				}
			}
		}
	}
}

func TestStepsNameTheCodeLength(t *testing.T) {
	for _, c := range []struct {
		fam  string
		n    int
		want string
	}{
		{"dsc-pc1864", 4, "the new 4-digit code (the one typed in guardroom; guardroom does not show it)"},
		{"dsc-pc1864", 6, "the new 6-digit code"},
		{"neo-hs2128e", 8, "the new 8-digit code"},
		{"qolsys-iq2plus", 6, "the new 6-digit code"},
	} {
		p := open(t, drivers.Config{Family: c.fam, CodeLength: c.n})
		got := strings.Join(steps(t, p.SetCode(context.Background(), drivers.User{Slot: 3}, codes[c.n])), "\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s with %d-digit codes: steps\n%s\ndo not name %q", c.fam, c.n, got, c.want)
		}
	}
}

func TestSlotNumbersPerFamily(t *testing.T) {
	for _, c := range []struct {
		fam      string
		slot     int
		want     string
		wantNone string // a form that must not appear
	}{
		{"dsc-pc1616", 5, "Enter the slot number 05 ", "0005"},
		{"dsc-pc1864", 40, "Enter the slot number 40 ", "0040"},
		{"dsc-pc1864", 95, "Enter the slot number 95 ", ""},
		{"neo-hs2064", 1, "Enter the slot number 01 ", "0001"},
		{"neo-hs2128", 9, "Enter the slot number 09 ", "0009"},
		{"neo-hs2128e", 5, "Enter the slot number 0005 ", "number 05 "},
		{"neo-hs2128e", 1000, "Enter the slot number 1000 ", ""},
		{"visonic-powermaster30", 7, "Key in 07, or press [>>] until User 07 Code shows", ""},
		{"visonic-powermax", 8, "Key in 08, or press [NEXT] until User 08 Code shows", ""},
		{"qolsys-iq4", 17, "the user guardroom keeps in slot 17", ""},
		{"generic", 17, "At the panel's keypad, program user 17 ", "0017"},
		{"generic", 123456, "program user 123456 ", ""},
	} {
		t.Run(c.fam, func(t *testing.T) {
			f, _ := family.Lookup(c.fam)
			p := open(t, drivers.Config{Family: c.fam, Slots: max(c.slot, f.Slots)})
			u := drivers.User{Slot: c.slot, Role: string(f.DefaultRole(c.slot))}
			got := strings.Join(steps(t, p.SetCode(context.Background(), u, codes[f.CodeLengths[0]])), "\n")
			if !strings.Contains(got, c.want) {
				t.Errorf("steps\n%s\ndo not contain %q", got, c.want)
			}
			if c.wantNone != "" && strings.Contains(got, c.wantNone) {
				t.Errorf("steps\n%s\ncontain %q", got, c.wantNone)
			}
		})
	}
}

// TestDSCPowerSeriesSetCode pins the whole [*][5] sequence for the most
// common panel, as DOMAIN.md gives its grammar: [*][5][Master][NN][code][#].
func TestDSCPowerSeriesSetCode(t *testing.T) {
	p := open(t, drivers.Config{Family: "dsc-pc1616"})
	got := steps(t, p.SetCode(context.Background(), drivers.User{Slot: 5, Partitions: 1}, "8642"))
	want := []string{
		"At a keypad, with the system disarmed, press [*] [5]",
		"Enter the master code",
		"Enter the slot number 05 (on an LCD keypad you can also scroll to it with [<] [>] and press [*])",
		"Enter the new 4-digit code (the one typed in guardroom; guardroom does not show it)",
		"If the keypad sounds an error tone instead of confirming, the panel refused the code (for example, another slot already holds it): cancel this change in guardroom instead of confirming it",
		"Press [#] to leave",
		"Check that user 05 may arm and disarm partition 1 and no other partition: on PowerSeries panels the way to assign a code's partitions depends on the firmware and keypad (see the panel's user guide, or ask the installer)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	clear := steps(t, p.ClearCode(context.Background(), 5))
	if !slices.Contains(clear, "Press [*] to erase the code in slot 05") {
		t.Errorf("clear steps %q do not erase with [*]", clear)
	}
}

func TestStepsFollowTheChange(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		fam  string
		run  func(drivers.Panel) error
		want []string
	}{
		{"dsc role is an attribute", "dsc-pc1864", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 12, Role: "Supervisor"}, "8642")
		}, []string{"Press [9], enter 12 again and turn on the supervisor attribute"}},
		{"neo label, partitions and attribute", "neo-hs2032", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 3, Label: "Anna", Role: "Duress", Partitions: 0b101}, "8642")
		}, []string{"type “Anna”", "turn on partitions 1 and 3 only", "turn on the duress attribute", "Choose the access code item"}},
		{"neo master has every partition", "neo-hs2064", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 1, Partitions: 1}, "8642")
		}, []string{"Enter the slot number 01 ", "the installer has locked the master code"}},
		{"neo partitions", "neo-hs2064", func(p drivers.Panel) error {
			return p.SetPartitions(ctx, 7, 0b1011)
		}, []string{"Choose the partition assignment item", "Turn on partitions 1, 2 and 4 and turn off every other partition"}},
		{"qolsys touchscreen", "qolsys-iq2plus", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 17, Label: "Guest room", Role: "Guest", Partitions: 0b10}, "8642")
		}, []string{"Settings", "Advanced Settings", "dealer, installer or master code", "User Management", "Add User", "Name: type “Guest room”", "Type: Guest", "select partition 2 only", "enter it again to confirm"}},
		{"qolsys master is edited", "qolsys-iq4", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 1}, "8642")
		}, []string{"edit icon next to the master user"}},
		{"qolsys label", "qolsys-iq4", func(p drivers.Panel) error {
			return p.SetLabel(ctx, 9, "")
		}, []string{"slot 9", "Name: type User 9"}},
		{"visonic menu", "visonic-powermaster10", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 4, Partitions: 0b110}, "8642")
		}, []string{"USER SETTINGS", "USER CODES", "User 04 Code", "Enter the master code (user 01's code)", "select partitions 2 and 3", "<OK> TO EXIT"}},
		{"visonic clear", "visonic-powermax", func(p drivers.Panel) error { return p.ClearCode(ctx, 6) },
			[]string{"[SHOW/OK]", "User 06 Code", "- - - -"}},
		{"dsc stay", "dsc-pc1832", func(p drivers.Panel) error { return p.Arm(ctx, 3, drivers.Stay) },
			[]string{"keypad assigned to partition 3", "[Stay]", "valid on partition 3"}},
		{"dsc away", "neo-hs2016", func(p drivers.Panel) error { return p.Arm(ctx, 2, drivers.Away) },
			[]string{"[Away]", "exit delay"}},
		{"dsc disarm", "dsc-pc1616", func(p drivers.Panel) error { return p.Disarm(ctx, 1) },
			[]string{"enter an access code valid on partition 1", "Armed light goes off"}},
		{"qolsys arm", "qolsys-iq4", func(p drivers.Panel) error { return p.Arm(ctx, 4, drivers.Away) },
			[]string{"select partition 4", "Arm Away"}},
		{"visonic stay is home", "visonic-powermax", func(p drivers.Panel) error { return p.Arm(ctx, 1, drivers.Stay) },
			[]string{"Press [HOME] (Visonic's stay mode)"}},
		{"visonic disarm", "visonic-powermaster30", func(p drivers.Panel) error { return p.Disarm(ctx, 2) },
			[]string{"select partition 2", "the Disarm key"}},
		{"generic", "generic", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 17, Label: "Gate", Partitions: 0b11}, "8642")
		}, []string{"At the panel's keypad, program user 17 ", "label to “Gate”", "Give user 17 partitions 1 and 2 only", "Leave programming mode"}},
		{"dual path", "dualpath", func(p drivers.Panel) error { return p.Disarm(ctx, 1) },
			[]string{"panel this Dual Path communicator reports for", "disarm the panel"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(steps(t, c.run(open(t, drivers.Config{Family: c.fam}))), "\n")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("steps\n%s\ndo not contain %q", got, w)
				}
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		fam  string
		run  func(drivers.Panel) error
		kind drivers.RefusalKind
	}{
		{"slot 0", "dsc-pc1864", func(p drivers.Panel) error { return p.ClearCode(ctx, 0) }, drivers.RefusedBadSlot},
		{"slot beyond", "visonic-powermax", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 9}, "8642")
		}, drivers.RefusedBadSlot},
		{"code length", "dsc-pc1864", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 3}, "864297")
		}, drivers.RefusedCodeLength},
		{"code digits", "dsc-pc1864", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 3}, "864a")
		}, drivers.RefusedCodeDigits},
		{"role", "qolsys-iq4", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 3, Role: "Supervisor"}, "8642")
		}, drivers.RefusedRole},
		{"second master", "neo-hs2064", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 3, Role: "Master"}, "8642")
		}, drivers.RefusedMaster},
		{"master slot demoted", "neo-hs2064", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 1, Role: "User"}, "8642")
		}, drivers.RefusedMaster},
		{"clear master", "dsc-pc1864", func(p drivers.Panel) error { return p.ClearCode(ctx, 40) }, drivers.RefusedMaster},
		{"master partitions", "qolsys-iq4", func(p drivers.Panel) error { return p.SetPartitions(ctx, 1, 1) }, drivers.RefusedMaster},
		{"no partition", "neo-hs2064", func(p drivers.Panel) error { return p.SetPartitions(ctx, 3, 0) }, drivers.RefusedPartition},
		{"partition beyond", "neo-hs2016", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 3, Partitions: 0b100}, "8642")
		}, drivers.RefusedPartition},
		{"arm partition beyond", "qolsys-iq4", func(p drivers.Panel) error { return p.Arm(ctx, 5, drivers.Away) }, drivers.RefusedPartition},
		{"disarm partition 0", "generic", func(p drivers.Panel) error { return p.Disarm(ctx, 0) }, drivers.RefusedPartition},
		{"arm mode", "generic", func(p drivers.Panel) error { return p.Arm(ctx, 1, "night") }, drivers.RefusedBadCommand},
		{"label line break", "neo-hs2064", func(p drivers.Panel) error { return p.SetLabel(ctx, 3, "a\nb") }, drivers.RefusedLabel},
		{"label too long", "generic", func(p drivers.Panel) error {
			return p.SetLabel(ctx, 3, strings.Repeat("x", guided.MaxLabelBytes+1))
		}, drivers.RefusedLabel},
		{"label on a set code", "qolsys-iq4", func(p drivers.Panel) error {
			return p.SetCode(ctx, drivers.User{Slot: 3, Label: "\x00"}, "8642")
		}, drivers.RefusedLabel},
		{"label on DSC PowerSeries", "dsc-pc1864", func(p drivers.Panel) error { return p.SetLabel(ctx, 3, "Anna") }, drivers.RefusedUnsupported},
		{"label on Visonic", "visonic-powermaster30", func(p drivers.Panel) error { return p.SetLabel(ctx, 3, "Anna") }, drivers.RefusedUnsupported},
	} {
		t.Run(c.name, func(t *testing.T) {
			refusal(t, c.run(open(t, drivers.Config{Family: c.fam})), c.kind)
		})
	}
}

// TestKeypadTagSteps: the steps to give and take keypad tags, and what the
// driver refuses without asking the panel.
func TestKeypadTagSteps(t *testing.T) {
	ctx := context.Background()
	kt := func(fam string) drivers.KeypadTags {
		return open(t, drivers.Config{Family: fam}).(drivers.KeypadTags)
	}
	has := func(t *testing.T, got []string, want ...string) {
		t.Helper()
		all := strings.Join(got, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("steps lack %q:\n%s", w, all)
			}
		}
	}

	neo := kt("neo-hs2064")
	has(t, steps(t, neo.AddKeypadTag(ctx, 7, "04A1B2C3D4E5F6A7B8C9")),
		"[*] [5]", "Enter the master code", "slot number 07", "proximity tag item", "[2]",
		"Present tag 04A1B2C3D4E5F6A7B8C9 to the keypad's proximity reader", "error tone", "cancel this change")
	has(t, steps(t, neo.RemoveKeypadTag(ctx, "H10306:1:1")),
		"[*] [5]", "the user who holds tag H10306:1:1", "proximity tag item", "Delete the tag (H10306:1:1)")
	// Four-digit slots on the 1000-user Neo.
	has(t, steps(t, kt("neo-hs2128e").AddKeypadTag(ctx, 7, "90:324")), "slot number 0007")

	pm30 := kt("visonic-powermaster30")
	has(t, steps(t, pm30.AddKeypadTag(ctx, 32, "90:324")), "USER SETTINGS", "proximity tags item", "user 32", "Present tag 90:324", "error tune")
	has(t, steps(t, pm30.RemoveKeypadTag(ctx, "90:324")), "the user who holds tag 90:324", "Delete the tag (90:324)")
	refusal(t, pm30.AddKeypadTag(ctx, 33, "90:324"), drivers.RefusedTag)
	refusal(t, kt("visonic-powermax").AddKeypadTag(ctx, 9, "90:324"), drivers.RefusedBadSlot)
	has(t, steps(t, kt("generic").AddKeypadTag(ctx, 500, "90:324")), "user 500", "present tag 90:324")

	for _, bad := range []string{"", "90 324", strings.Repeat("9", 25)} {
		refusal(t, neo.AddKeypadTag(ctx, 7, bad), drivers.RefusedTag)
		refusal(t, neo.RemoveKeypadTag(ctx, bad), drivers.RefusedTag)
	}
	refusal(t, neo.AddKeypadTag(ctx, 96, "90:324"), drivers.RefusedBadSlot)
	err := kt("qolsys-iq4").AddKeypadTag(ctx, 2, "90:324")
	refusal(t, err, drivers.RefusedUnsupported)
	if !strings.Contains(err.Error(), "no keypads with a proximity reader") {
		t.Errorf("refusal %q does not say why", err)
	}
}
