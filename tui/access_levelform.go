package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// The access level form (002): every field, in the sections of the
// reference — General; Doors; Areas; Floors and elevators; Menu and
// outputs. Door rules are picked; areas, floors, elevators, the menu group
// and outputs are the numbers the panels use (the store keeps no records
// of them), typed as lists such as "1, 4@Nights" (rule 4 under the
// profile Nights). Include-all options are saved only after the operator
// confirms the store's warnings.

// ---- number lists ----

// profileByRef resolves "@Nights" or "@3" against the profiles the
// operator sees; "" is Always.
func profileByRef(ps []store.TimeProfile, ref string) (access.ProfileID, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.EqualFold(ref, "Always") || ref == "0" {
		return access.Always, nil
	}
	for _, p := range ps {
		if strings.EqualFold(p.Name, ref) || strconv.FormatUint(uint64(p.ID), 10) == ref {
			return access.ProfileID(p.ID), nil
		}
	}
	return 0, notNowf("no time profile %q: use a name or number from the Time profiles view (p), or leave out @… for Always", ref)
}

func profileSuffix(n accessNames, id access.ProfileID) string {
	if id == access.Always {
		return ""
	}
	return "@" + n.profile(id)
}

// ruleItem is one entry of a list: "4", "G2" (a group), with its profile.
type ruleItem struct {
	n       uint32
	group   bool
	profile access.ProfileID
}

// parseRules reads "1, G2@Nights, 4" for what (in errors); groups says
// whether a G prefix (a group) is allowed.
func parseRules(what, s string, groups bool, ps []store.TimeProfile) ([]ruleItem, error) {
	var out []ruleItem
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		num, prof, _ := strings.Cut(p, "@")
		num = strings.TrimSpace(num)
		it := ruleItem{}
		if groups && (strings.HasPrefix(num, "G") || strings.HasPrefix(num, "g")) {
			it.group, num = true, num[1:]
		}
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil || n == 0 {
			hint := "a number such as 3"
			if groups {
				hint += ", or G2 for group 2"
			}
			return nil, notNowf("%s: %q is not %s (optionally @profile)", what, p, hint)
		}
		it.n = uint32(n)
		if it.profile, err = profileByRef(ps, prof); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

func ruleText(items []ruleItem, n accessNames) string {
	parts := make([]string, len(items))
	for i, it := range items {
		g := ""
		if it.group {
			g = "G"
		}
		parts[i] = g + strconv.FormatUint(uint64(it.n), 10) + profileSuffix(n, it.profile)
	}
	return strings.Join(parts, ", ")
}

// parseIDs reads "1, 2".
func parseIDs(what, s string) ([]uint32, error) {
	var out []uint32
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil || n == 0 {
			return nil, notNowf("%s: %q is not a number such as 3", what, p)
		}
		out = append(out, uint32(n))
	}
	return out, nil
}

func idsText[T ~uint32](ids []T) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(uint64(id), 10)
	}
	return strings.Join(parts, ", ")
}

// The details and the form name profiles alike, so what the details show
// can be typed back.
func areaText(rs []access.AreaRule, n accessNames) string {
	items := make([]ruleItem, len(rs))
	for i, r := range rs {
		items[i] = ruleItem{n: uint32(r.Group), profile: r.Profile}
	}
	return ruleText(items, n)
}

func floorText(rs []access.FloorRule, n accessNames) string {
	items := make([]ruleItem, len(rs))
	for i, r := range rs {
		items[i] = ruleItem{n: uint32(r.Floor), profile: r.Profile}
		if r.Floor == 0 {
			items[i] = ruleItem{n: uint32(r.Group), group: true, profile: r.Profile}
		}
	}
	return ruleText(items, n)
}

func elevatorText(rs []access.ElevatorRule, n accessNames) string {
	items := make([]ruleItem, len(rs))
	for i, r := range rs {
		items[i] = ruleItem{n: uint32(r.Group), profile: r.Profile}
	}
	return ruleText(items, n)
}

// parseMenu reads the level's keypad menu group: one number, or "none"
// for no keypad menu (002). Empty is refused, so a forgotten menu group is
// not saved as none.
func parseMenu(s string) ([]access.MenuGroupID, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "none") {
		return nil, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return nil, notNowf("type the keypad menu group's number, or none for no keypad menu")
	}
	return []access.MenuGroupID{access.MenuGroupID(n)}, nil
}

// menuText is a level's menu group as the form shows it.
func menuText(l *access.AccessLevel) string {
	if l.NoKeypadMenu() {
		return "none"
	}
	return idsText(l.MenuGroups)
}

// ---- the form ----

// doorTarget is a door or a door group a rule may name.
type doorTarget struct {
	label string
	door  access.DoorID
	group access.DoorGroupID
}

// doorRuleState is one door rule as the form edits it: indexes into the
// targets, the profile options and the directions.
type doorRuleState struct{ target, profile, dir int }

type levelForm struct {
	*form
	s    *accessScreen
	edit *store.AccessLevel

	name, name2, notes, location field
	unit                         unitChoice
	schedule                     int // index into profiles (0: Always)
	profiles                     []string
	profileIDs                   []access.ProfileID

	targets  []doorTarget
	rules    []doorRuleState
	allDoors bool

	arm, disarm              field
	allArm, allDisarm        bool
	multiBadge               bool
	floors, elevators        field
	allFloors, allElevators  bool
	menu, outputs, outGroups field
	outTime                  field // seconds
	reader, keypad           bool
	untilExpiry, toggle      bool
}

func newLevelForm(s *accessScreen, edit *store.AccessLevel) *levelForm {
	c := s.c
	d := &levelForm{s: s, edit: edit}
	n := s.data.names
	d.profiles, d.profileIDs = []string{"Always"}, []access.ProfileID{access.Always}
	for _, p := range s.data.profiles {
		d.profiles = append(d.profiles, p.Name)
		d.profileIDs = append(d.profileIDs, access.ProfileID(p.ID))
	}
	for _, x := range s.data.doors {
		d.targets = append(d.targets, doorTarget{label: fmt.Sprintf("door %d %s", x.ID, x.Name), door: access.DoorID(x.ID)})
	}
	for _, g := range s.data.doorGroups {
		d.targets = append(d.targets, doorTarget{label: fmt.Sprintf("group %d %s", g.ID, g.Name), group: access.DoorGroupID(g.ID)})
	}
	for _, f := range []*field{&d.location, &d.outTime} {
		f.accept = digitsOnly
	}
	title := "Add an access level"
	var unit uint64
	if edit != nil {
		l := edit.AccessLevel
		title, unit = "Edit access level "+l.Name, edit.Unit
		d.name.set(l.Name)
		d.name2.set(l.Name2)
		d.notes.set(l.Notes)
		if l.LocationGroup != 0 {
			d.location.set(strconv.FormatUint(uint64(l.LocationGroup), 10))
		}
		d.schedule = d.profileIndex(l.Schedule)
		for _, r := range l.Doors {
			d.rules = append(d.rules, doorRuleState{target: d.targetIndex(r), profile: d.profileIndex(r.Profile), dir: dirIndex(r.Direction)})
		}
		d.allDoors = l.IncludeAllDoors
		d.arm.set(areaText(l.ArmAreas, n))
		d.disarm.set(areaText(l.DisarmAreas, n))
		d.allArm, d.allDisarm, d.multiBadge = l.IncludeAllArming, l.IncludeAllDisarm, l.MultiBadgeArming
		d.floors.set(floorText(l.Floors, n))
		d.elevators.set(elevatorText(l.Elevators, n))
		d.allFloors, d.allElevators = l.IncludeAllFloors, l.IncludeAllElevator
		d.menu.set(menuText(&l))
		d.outputs.set(idsText(l.Outputs))
		d.outGroups.set(idsText(l.OutputGroups))
		if l.OutputTime > 0 {
			d.outTime.set(strconv.Itoa(int(l.OutputTime / time.Second)))
		}
		d.reader, d.keypad, d.untilExpiry, d.toggle = l.ReaderActivatesOutput, l.KeypadActivatesOutput, l.OutputUntilExpiry, l.ToggleOutput
	}
	d.unit = newUnitChoice(s, unit)
	d.form = newForm(c, title, d.stops)
	d.want = 76
	d.extra = func(w int) []string {
		l := d.level()
		if l.Name == "" {
			l.Name = "(unnamed)" // not "level 0": it has no number yet
		}
		if s := strings.Join(l.IncludeAllWarnings(), " "); s != "" {
			return []string{"", d.c.theme.Warn.Render(wrap(s, w))}
		}
		return nil
	}
	return d
}

func (d *levelForm) profileIndex(id access.ProfileID) int {
	for i, p := range d.profileIDs {
		if p == id {
			return i
		}
	}
	// A profile the operator does not see: kept, by number.
	d.profiles = append(d.profiles, fmt.Sprintf("profile %d", id))
	d.profileIDs = append(d.profileIDs, id)
	return len(d.profiles) - 1
}

func (d *levelForm) targetIndex(r access.DoorRule) int {
	for i, t := range d.targets {
		if t.door == r.Door && t.group == r.Group {
			return i
		}
	}
	label := fmt.Sprintf("door %d", r.Door)
	if r.Door == 0 {
		label = fmt.Sprintf("group %d", r.Group)
	}
	d.targets = append(d.targets, doorTarget{label: label, door: r.Door, group: r.Group})
	return len(d.targets) - 1
}

func dirIndex(dir access.Direction) int {
	for i, x := range directions {
		if x == dir {
			return i
		}
	}
	return 0
}

func (d *levelForm) targetNames() []string {
	out := make([]string, len(d.targets))
	for i, t := range d.targets {
		out[i] = t.label
	}
	return out
}

func (d *levelForm) dirNames() []string {
	out := make([]string, len(directions))
	for i, x := range directions {
		out[i] = x.String()
	}
	return out
}

func (d *levelForm) stops() []fstop {
	ps := d.s.data.profiles
	rules := func(what string, groups bool) func(string) error {
		return func(v string) error { _, err := parseRules(what, v, groups, ps); return err }
	}
	ids := func(what string) func(string) error {
		return func(v string) error { _, err := parseIDs(what, v); return err }
	}
	st := []fstop{
		{kind: skHead, label: "General"},
		{kind: skText, label: "Name", f: &d.name},
		{kind: skText, label: "Second name", f: &d.name2, note: "second language"},
		{kind: skText, label: "Notes", f: &d.notes},
		d.unit.stop(),
		{kind: skChoice, label: "Schedule", opts: d.profiles, idx: &d.schedule, note: "operating schedule; ←/→"},
		{kind: skText, label: "Location group", f: &d.location, note: "empty: none",
			check: func(v string) error { _, err := parseNumber("the location group", v, 32); return err }},
		{kind: skHead, label: "Doors"},
	}
	for i := range d.rules {
		r := &d.rules[i]
		n := i + 1
		st = append(st,
			fstop{kind: skChoice, label: fmt.Sprintf("Rule %d door", n), opts: d.targetNames(), idx: &r.target, note: "enter picks",
				pick: func() tea.Cmd { return d.pickTarget(r) }},
			fstop{kind: skChoice, label: "  profile", opts: d.profiles, idx: &r.profile},
			fstop{kind: skChoice, label: "  direction", opts: d.dirNames(), idx: &r.dir},
			fstop{kind: skButton, label: fmt.Sprintf("Remove rule %d", n), press: func() tea.Cmd { d.removeRule(n - 1); return nil }},
		)
	}
	st = append(st,
		fstop{kind: skButton, label: "Add a door rule", press: d.addRule},
		fstop{kind: skToggle, label: "Include all doors", on: &d.allDoors, note: "every door, present and future: asks to confirm"},
		fstop{kind: skHead, label: "Areas"},
		fstop{kind: skText, label: "Arming", f: &d.arm, note: "area groups: 1, 4@Nights", check: rules("arming", false)},
		fstop{kind: skText, label: "Disarming", f: &d.disarm, note: "also permits arming", check: rules("disarming", false)},
		fstop{kind: skToggle, label: "Include all arming", on: &d.allArm},
		fstop{kind: skToggle, label: "Include all disarming", on: &d.allDisarm},
		fstop{kind: skToggle, label: "Multi-badge arming", on: &d.multiBadge},
		fstop{kind: skHead, label: "Floors and elevators"},
		fstop{kind: skText, label: "Floors", f: &d.floors, note: "3, G2 (floor group)", check: rules("floors", true)},
		fstop{kind: skToggle, label: "Include all floors", on: &d.allFloors},
		fstop{kind: skText, label: "Elevators", f: &d.elevators, note: "elevator groups", check: rules("elevators", false)},
		fstop{kind: skToggle, label: "Include all elevators", on: &d.allElevators},
		fstop{kind: skHead, label: "Menu and outputs"},
		fstop{kind: skText, label: "Menu group", f: &d.menu, note: "one number, or none", check: func(v string) error { _, err := parseMenu(v); return err }},
		fstop{kind: skText, label: "Outputs", f: &d.outputs, note: "1, 2", check: ids("outputs")},
		fstop{kind: skText, label: "Output groups", f: &d.outGroups, check: ids("output groups")},
		fstop{kind: skText, label: "Output time (s)", f: &d.outTime, note: "empty: the output's own",
			check: func(v string) error { _, err := parseNumber("the output time", v, 31); return err }},
		fstop{kind: skToggle, label: "Reader activates outputs", on: &d.reader},
		fstop{kind: skToggle, label: "Keypad activates outputs", on: &d.keypad},
		fstop{kind: skToggle, label: "Output on until the level expires", on: &d.untilExpiry},
		fstop{kind: skToggle, label: "Toggle outputs", on: &d.toggle},
		fstop{kind: skButton, label: "Save", press: func() tea.Cmd { return d.save(false) }},
	)
	return st
}

// addRule adds a rule for the first door under Always both ways; the
// focus, which was on the button, is then on the new rule's door.
func (d *levelForm) addRule() tea.Cmd {
	if len(d.targets) == 0 {
		d.err = "there are no doors or door groups to name: add one in the Doors view (" + d.c.keys.keyLabel(ActAccDoors) + ")"
		return nil
	}
	d.rules = append(d.rules, doorRuleState{})
	d.dirty = true
	return nil
}

func (d *levelForm) removeRule(i int) {
	if i < len(d.rules) {
		d.rules = append(d.rules[:i], d.rules[i+1:]...)
		d.dirty = true
	}
}

// pickTarget chooses a rule's door or door group among many by typing.
func (d *levelForm) pickTarget(r *doorRuleState) tea.Cmd {
	items := make([]pickItem, len(d.targets))
	for i, t := range d.targets {
		items[i] = pickItem{label: t.label, slot: i}
	}
	return d.c.open(newPickList(d.c, "A door or door group for the rule", "", items, func(it pickItem) (tea.Cmd, bool) {
		r.target, d.dirty = it.slot, true
		return nil, true
	}))
}

// level collects the form into a level; the texts were validated.
func (d *levelForm) level() store.AccessLevel {
	var l store.AccessLevel
	if d.edit != nil {
		l = *d.edit
	}
	ps := d.s.data.profiles
	a := &l.AccessLevel
	a.Name, a.Name2, a.Notes = strings.TrimSpace(d.name.String()), strings.TrimSpace(d.name2.String()), strings.TrimSpace(d.notes.String())
	l.Unit = d.unit.id()
	loc, _ := parseNumber("", d.location.String(), 32)
	a.LocationGroup = access.LocationGroupID(loc)
	a.Schedule = d.profileIDs[d.schedule]
	a.Doors = nil
	for _, r := range d.rules {
		t := d.targets[r.target]
		a.Doors = append(a.Doors, access.DoorRule{Door: t.door, Group: t.group, Profile: d.profileIDs[r.profile], Direction: directions[r.dir]})
	}
	a.IncludeAllDoors = d.allDoors
	areas := func(f *field) []access.AreaRule {
		items, _ := parseRules("", f.String(), false, ps)
		var out []access.AreaRule
		for _, it := range items {
			out = append(out, access.AreaRule{Group: access.AreaGroupID(it.n), Profile: it.profile})
		}
		return out
	}
	a.ArmAreas, a.DisarmAreas = areas(&d.arm), areas(&d.disarm)
	a.IncludeAllArming, a.IncludeAllDisarm, a.MultiBadgeArming = d.allArm, d.allDisarm, d.multiBadge
	a.Floors = nil
	fl, _ := parseRules("", d.floors.String(), true, ps)
	for _, it := range fl {
		r := access.FloorRule{Floor: access.FloorID(it.n), Profile: it.profile}
		if it.group {
			r = access.FloorRule{Group: access.FloorGroupID(it.n), Profile: it.profile}
		}
		a.Floors = append(a.Floors, r)
	}
	a.IncludeAllFloors = d.allFloors
	a.Elevators = nil
	el, _ := parseRules("", d.elevators.String(), false, ps)
	for _, it := range el {
		a.Elevators = append(a.Elevators, access.ElevatorRule{Group: access.ElevatorGroupID(it.n), Profile: it.profile})
	}
	a.IncludeAllElevator = d.allElevators
	outs, _ := parseIDs("", d.outputs.String())
	ogs, _ := parseIDs("", d.outGroups.String())
	a.MenuGroups, _ = parseMenu(d.menu.String())
	a.Outputs, a.OutputGroups = nil, nil
	for _, o := range outs {
		a.Outputs = append(a.Outputs, access.OutputID(o))
	}
	for _, o := range ogs {
		a.OutputGroups = append(a.OutputGroups, access.OutputGroupID(o))
	}
	secs, _ := parseNumber("", d.outTime.String(), 31)
	a.OutputTime = time.Duration(secs) * time.Second
	a.ReaderActivatesOutput, a.KeypadActivatesOutput, a.OutputUntilExpiry, a.ToggleOutput = d.reader, d.keypad, d.untilExpiry, d.toggle
	return l
}

// save asks the store; a level with include-all options comes back with
// the store's warnings, which the operator confirms (y; enter never does)
// before it is saved.
func (d *levelForm) save(confirmed bool) tea.Cmd {
	if !d.valid() {
		return nil
	}
	l := d.level()
	c := d.c
	ok := "access level " + l.Name + " saved"
	return func() tea.Msg {
		var out store.AccessLevel
		err := safe(func() (err error) {
			if d.edit != nil {
				out, err = c.st.EditAccessLevel(c.actor, l, confirmed)
			} else {
				out, err = c.st.AddAccessLevel(c.actor, l, confirmed)
			}
			return err
		})
		switch {
		case isConfirm(err):
			return confirmMsg{to: d, err: err}
		case err != nil:
			return promptErrMsg{err}
		}
		return tea.BatchMsg{func() tea.Msg { return closeDialogMsg{} },
			func() tea.Msg { return opDoneMsg{ok: ok} },
			func() tea.Msg { return accessSelectMsg{view: avLevels, key: idKey(uint32(out.ID))} }}
	}
}

func (d *levelForm) update(msg tea.Msg) (tea.Cmd, bool) {
	if m, ok := msg.(confirmMsg); ok && m.to == d {
		name := strings.TrimSpace(d.name.String())
		return d.c.open(newConfirm(d.c, "Save access level "+name+" with include-all options?", errText(m.err), "Save",
			func() tea.Cmd { return d.save(true) })), false
	}
	return d.form.update(msg)
}
