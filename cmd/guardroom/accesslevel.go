package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// The access level commands: every field of reference 002.

// levelFlags are the flags level add and edit share.
type levelFlags struct {
	unit, name2, notes, schedule           *string
	locationGroup                          *uint
	menuGroup                              menuGroupFlag
	outputTime                             *time.Duration
	doors, doorGroups, arm, disarm         listFlag
	floors, floorGroups, elevators         listFlag
	outputs, outputGroups                  listFlag
	allDoors, allArming, allDisarm         optBool
	allFloors, allElevators, multiBadge    optBool
	readerOut, keypadOut, untilExpiry, tog optBool
}

// levelBoolFlags are the on/off flags, for edit's "was anything given".
var levelFlagNames = []string{"unit", "name2", "notes", "schedule", "location-group", "menu-group", "output-time",
	"door", "door-group", "arm", "disarm", "floor", "floor-group", "elevator-group", "output", "output-group",
	"all-doors", "all-arming", "all-disarm", "all-floors", "all-elevators", "multi-badge-arming",
	"reader-output", "keypad-output", "output-until-expiry", "toggle-output"}

func addLevelFlags(fs *flag.FlagSet, edit bool) *levelFlags {
	f := &levelFlags{}
	rep := " (repeatable)"
	if edit {
		rep = " (repeatable; replaces them, none: no more)"
	}
	f.unit = fs.String("unit", "", "the organization `UNIT` it belongs to")
	f.name2 = fs.String("name2", "", "the level's `NAME` in the second language")
	f.notes = fs.String("notes", "", "free `TEXT` about the level")
	f.locationGroup = fs.Uint("location-group", 0, "location `GROUP` for location-based access control, 0 for none")
	f.schedule = fs.String("schedule", "", "the operating `PROFILE`: none of the level applies outside it (default Always)")
	fs.Var(&f.doors, "door", "allow a door on a time profile (default Always) in a direction (default both): `DOOR[:PROFILE[:entry|exit|both]]`"+rep)
	fs.Var(&f.doorGroups, "door-group", "allow every door of a door group: `GROUP[:PROFILE[:entry|exit|both]]`"+rep)
	fs.Var(&f.allDoors, "all-doors", "include all doors, present and future (asks to confirm)")
	fs.Var(&f.arm, "arm", "may arm an area group (a number) on a profile: `AREAGROUP[:PROFILE]`"+rep)
	fs.Var(&f.disarm, "disarm", "may disarm (and so arm) an area group: `AREAGROUP[:PROFILE]`"+rep)
	fs.Var(&f.allArming, "all-arming", "may arm all areas (asks to confirm)")
	fs.Var(&f.allDisarm, "all-disarm", "may disarm and arm all areas (asks to confirm)")
	fs.Var(&f.floors, "floor", "gives a floor (a number) on a profile: `FLOOR[:PROFILE]`"+rep)
	fs.Var(&f.floorGroups, "floor-group", "gives every floor of a floor group: `GROUP[:PROFILE]`"+rep)
	fs.Var(&f.allFloors, "all-floors", "include all floors (asks to confirm)")
	fs.Var(&f.elevators, "elevator-group", "gives an elevator group on a profile: `GROUP[:PROFILE]`"+rep)
	fs.Var(&f.allElevators, "all-elevators", "include all elevators (asks to confirm)")
	menuDef := " (default 1)"
	if edit {
		menuDef = ""
	}
	fs.Var(&f.menuGroup, "menu-group", "the keypad menu `GROUP`: one number, or none for no keypad menu"+menuDef)
	fs.Var(&f.outputs, "output", "an output `NUMBER` the level activates"+rep)
	fs.Var(&f.outputGroups, "output-group", "an output group `NUMBER` the level activates"+rep)
	f.outputTime = fs.Duration("output-time", 0, "how long an activated output stays on, `DURATION` such as 5s (0: the output's own time)")
	fs.Var(&f.readerOut, "reader-output", "access at a reader activates the outputs")
	fs.Var(&f.keypadOut, "keypad-output", "a keypad login activates the outputs")
	fs.Var(&f.untilExpiry, "output-until-expiry", "an activated output stays on until the level expires for the person")
	fs.Var(&f.tog, "toggle-output", "each activation toggles the outputs")
	fs.Var(&f.multiBadge, "multi-badge-arming", "arming needs several badges")
	return f
}

// menuGroupFlag is --menu-group: one keypad menu group, or none. Given
// twice it is refused rather than keeping the last: a level has exactly
// one menu group (002), and a second one typed is a mistake to show.
type menuGroupFlag struct {
	set  bool
	none bool
	n    uint32
}

func (m *menuGroupFlag) String() string {
	switch {
	case m == nil || !m.set:
		return ""
	case m.none:
		return "none"
	}
	return strconv.FormatUint(uint64(m.n), 10)
}

func (m *menuGroupFlag) Set(v string) error {
	if m.set {
		return fmt.Errorf("given twice (%s and %s): a level has exactly one menu group; give --menu-group once, or none for no keypad menu", m, strings.TrimSpace(v))
	}
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "none") {
		m.set, m.none = true, true
		return nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return fmt.Errorf("%q is not a menu group: give one number, or none for no keypad menu", v)
	}
	m.set, m.n = true, uint32(n)
	return nil
}

// groups is the level's menu groups as the store keeps them: none for no
// keypad menu.
func (m *menuGroupFlag) groups() []access.MenuGroupID {
	if m.none {
		return nil
	}
	return []access.MenuGroupID{access.MenuGroupID(m.n)}
}

// splitRule splits "TARGET[:PROFILE[:DIRECTION]]". With two parts the
// second is a direction when it reads as one ("Front:exit"): a profile
// named "exit" is then written Front:exit:both.
func splitRule(s string, withDir bool) (target, profile, dir string) {
	parts := strings.Split(s, ":")
	n := len(parts)
	switch {
	case n == 1:
		return s, "", ""
	case !withDir:
		return strings.Join(parts[:n-1], ":"), parts[n-1], ""
	case n == 2:
		if _, err := access.ParseDirection(parts[1]); err == nil && strings.TrimSpace(parts[1]) != "" {
			return parts[0], "", parts[1]
		}
		return parts[0], parts[1], ""
	}
	return strings.Join(parts[:n-2], ":"), parts[n-2], parts[n-1]
}

// doorRules reads --door and --door-group.
func (e *env) doorRules(doors, groups listFlag) ([]access.DoorRule, error) {
	var out []access.DoorRule
	for _, src := range []struct {
		flag  string
		vals  listFlag
		group bool
	}{{"door", doors, false}, {"door-group", groups, true}} {
		if src.vals.isNone() {
			continue
		}
		for _, v := range src.vals {
			target, prof, dirText := splitRule(v, true)
			var r access.DoorRule
			if src.group {
				g, err := e.s.FindDoorGroup(e.actor, target)
				if err != nil {
					return nil, err
				}
				r.Group = access.DoorGroupID(g.ID)
			} else {
				d, err := e.s.FindDoor(e.actor, target)
				if err != nil {
					return nil, err
				}
				r.Door = access.DoorID(d.ID)
			}
			var err error
			if r.Profile, err = e.findProfile(prof); err != nil {
				return nil, err
			}
			if r.Direction, err = access.ParseDirection(dirText); err != nil {
				return nil, usagef(e.cmd, "--%s %s: %s", src.flag, v, accessText(err))
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// numberRules reads NUMBER[:PROFILE] rules (areas, floors, elevators).
func (e *env) numberRules(flagName string, vals listFlag, add func(n uint32, p access.ProfileID)) error {
	if vals.isNone() {
		return nil
	}
	for _, v := range vals {
		target, prof, _ := splitRule(v, false)
		n, err := strconv.ParseUint(strings.TrimSpace(target), 10, 32)
		if err != nil || n == 0 {
			return usagef(e.cmd, "--%s %s: %q is not a number from 1", flagName, v, target)
		}
		p, err := e.findProfile(prof)
		if err != nil {
			return err
		}
		add(uint32(n), p)
	}
	return nil
}

func numbers(c *command, flagName string, vals listFlag) ([]uint32, error) {
	if vals.isNone() {
		return nil, nil
	}
	var out []uint32
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
			if err != nil || n == 0 {
				return nil, usagef(c, "--%s %q is not a number from 1", flagName, s)
			}
			out = append(out, uint32(n))
		}
	}
	return out, nil
}

// apply sets on l what the flags given say.
func (f *levelFlags) apply(e *env, set map[string]bool, l *store.AccessLevel) error {
	var err error
	if set["unit"] {
		if l.Unit, err = e.findUnitFlag(*f.unit); err != nil {
			return err
		}
	}
	if set["name2"] {
		l.Name2 = *f.name2
	}
	if set["notes"] {
		l.Notes = *f.notes
	}
	if set["location-group"] {
		l.LocationGroup = access.LocationGroupID(*f.locationGroup)
	}
	if set["schedule"] {
		if l.Schedule, err = e.findProfile(*f.schedule); err != nil {
			return err
		}
	}
	if set["door"] || set["door-group"] {
		// One list in the store: a flag not given keeps its own rules.
		var keepDoors, keepGroups listFlag
		for _, r := range l.Doors {
			if r.Door != 0 {
				keepDoors = append(keepDoors, ruleRef(r.Door, r.Profile, r.Direction))
			} else {
				keepGroups = append(keepGroups, ruleRef(access.DoorID(r.Group), r.Profile, r.Direction))
			}
		}
		doors, groups := f.doors, f.doorGroups
		if !set["door"] {
			doors = keepDoors
		}
		if !set["door-group"] {
			groups = keepGroups
		}
		if l.Doors, err = e.doorRules(doors, groups); err != nil {
			return err
		}
	}
	areas := func(name string, vals listFlag, dst *[]access.AreaRule) error {
		if !set[name] {
			return nil
		}
		*dst = nil
		return e.numberRules(name, vals, func(n uint32, p access.ProfileID) {
			*dst = append(*dst, access.AreaRule{Group: access.AreaGroupID(n), Profile: p})
		})
	}
	if err := areas("arm", f.arm, &l.ArmAreas); err != nil {
		return err
	}
	if err := areas("disarm", f.disarm, &l.DisarmAreas); err != nil {
		return err
	}
	if set["floor"] || set["floor-group"] {
		var kept []access.FloorRule
		for _, r := range l.Floors {
			if (r.Floor != 0 && !set["floor"]) || (r.Group != 0 && !set["floor-group"]) {
				kept = append(kept, r)
			}
		}
		l.Floors = kept
		if err := e.numberRules("floor", f.floors, func(n uint32, p access.ProfileID) {
			l.Floors = append(l.Floors, access.FloorRule{Floor: access.FloorID(n), Profile: p})
		}); err != nil {
			return err
		}
		if err := e.numberRules("floor-group", f.floorGroups, func(n uint32, p access.ProfileID) {
			l.Floors = append(l.Floors, access.FloorRule{Group: access.FloorGroupID(n), Profile: p})
		}); err != nil {
			return err
		}
	}
	if set["elevator-group"] {
		l.Elevators = nil
		if err := e.numberRules("elevator-group", f.elevators, func(n uint32, p access.ProfileID) {
			l.Elevators = append(l.Elevators, access.ElevatorRule{Group: access.ElevatorGroupID(n), Profile: p})
		}); err != nil {
			return err
		}
	}
	switch {
	case set["menu-group"]:
		l.MenuGroups = f.menuGroup.groups()
	case l.ID == 0:
		l.MenuGroups = []access.MenuGroupID{1} // a new level's default
	}
	if set["output"] {
		ns, err := numbers(e.cmd, "output", f.outputs)
		if err != nil {
			return err
		}
		l.Outputs = nil
		for _, n := range ns {
			l.Outputs = append(l.Outputs, access.OutputID(n))
		}
	}
	if set["output-group"] {
		ns, err := numbers(e.cmd, "output-group", f.outputGroups)
		if err != nil {
			return err
		}
		l.OutputGroups = nil
		for _, n := range ns {
			l.OutputGroups = append(l.OutputGroups, access.OutputGroupID(n))
		}
	}
	if set["output-time"] {
		l.OutputTime = *f.outputTime
	}
	for _, b := range []struct {
		v   optBool
		dst *bool
	}{{f.allDoors, &l.IncludeAllDoors}, {f.allArming, &l.IncludeAllArming}, {f.allDisarm, &l.IncludeAllDisarm},
		{f.allFloors, &l.IncludeAllFloors}, {f.allElevators, &l.IncludeAllElevator}, {f.multiBadge, &l.MultiBadgeArming},
		{f.readerOut, &l.ReaderActivatesOutput}, {f.keypadOut, &l.KeypadActivatesOutput},
		{f.untilExpiry, &l.OutputUntilExpiry}, {f.tog, &l.ToggleOutput}} {
		if b.v.v != nil {
			*b.dst = *b.v.v
		}
	}
	return nil
}

// ruleRef writes a kept door rule back as its flag, by ID.
func ruleRef(id access.DoorID, p access.ProfileID, d access.Direction) string {
	if d == 0 {
		d = access.Both
	}
	return fmt.Sprintf("%d:%d:%s", id, p, d)
}

// saveLevel saves a level, showing the store's include-all warnings and
// asking to confirm them (typed yes) unless --yes.
func (e *env) saveLevel(l store.AccessLevel, yes bool, save func(store.AccessLevel, bool) (store.AccessLevel, error)) (store.AccessLevel, error) {
	out, err := save(l, yes)
	if !errors.Is(err, store.ErrConfirm) {
		return out, e.write(err)
	}
	warnings := strings.TrimSpace(strings.TrimSuffix(err.Error(), "Confirm to save it anyway."))
	if !e.terminal() {
		return out, &usageError{noUsage: true, msg: warnings + " Add --yes to save it anyway (there is no terminal to ask on); nothing was saved."}
	}
	fmt.Fprintln(e.stderr, warnings)
	if err := e.confirmTyped("Save it anyway? Type yes: ", "yes", true); err != nil {
		return out, err
	}
	out, err = save(l, true)
	return out, e.write(err)
}

func levelCommands() []*command {
	return []*command{
		{
			name: "level list", maxArgs: 0,
			summary: "list the access levels you see: operating schedule, doors, include-all options",
			example: "guardroom level list\nguardroom level list --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.levelList(*asJSON) }
			},
		},
		confShowCommand("level", "LEVEL", "show one access level with every field of 002", "guardroom level show \"Office staff\"",
			func(e *env, ref string) (store.AccessLevel, error) { return e.s.FindAccessLevel(e.actor, ref) },
			(*env).levelShow),
		{
			name: "level add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add an access level: doors and door groups with schedule and direction, areas, floors, outputs",
			details: "PROFILE is a time profile's ID or name (default Always). Include-all options print a\n" +
				"warning and need a typed yes on a terminal, or --yes. Disarming an area group also\n" +
				"permits arming it, not the reverse.",
			example: "guardroom level add \"Office staff\" --unit HQ --schedule \"Office hours\" --door \"Main entrance\" --door-group Offices:Always:entry\n" +
				"guardroom level add Guards --unit HQ --all-doors --disarm 1 --yes\n" +
				"guardroom level add Lobby --unit HQ --door Lobby:Always:exit --output 4 --reader-output --output-time 5s",
			setup: func(fs *flag.FlagSet) runFunc {
				f := addLevelFlags(fs, false)
				yes := fs.Bool("yes", false, "save despite the include-all warnings (required when there is no terminal)")
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					set := given(fs)
					if !set["unit"] {
						return usagef(e.cmd, "level add needs --unit: the organization unit it belongs to (see guardroom unit list)")
					}
					var l store.AccessLevel
					l.Name = args[0]
					if err := f.apply(e, set, &l); err != nil {
						return err
					}
					l, err := e.saveLevel(l, *yes, func(l store.AccessLevel, ok bool) (store.AccessLevel, error) {
						return e.s.AddAccessLevel(e.actor, l, ok)
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Added access level %d %s in %s.\n", l.ID, l.Name, e.s.UnitPath(l.Unit))
					return nil
				}
			},
		},
		{
			name: "level edit", args: "LEVEL", minArgs: 1, maxArgs: 1,
			summary: "change an access level; only the flags given change",
			details: "Each list flag given replaces its list (none empties it); --door and --door-group\n" +
				"replace only their own rules. --all-doors=false turns an option off. " + confRefHelp,
			example: "guardroom level edit \"Office staff\" --door \"Main entrance:Office hours:entry\" --door Lobby\n" +
				"guardroom level edit 3 --all-doors=false --notes \"doors listed one by one since 2026-11\"",
			setup: func(fs *flag.FlagSet) runFunc {
				f := addLevelFlags(fs, true)
				newName := fs.String("name", "", "the new `NAME`")
				yes := fs.Bool("yes", false, "save despite the include-all warnings (required when there is no terminal)")
				return func(e *env, args []string) error {
					set := given(fs)
					if !set["name"] && !anyGiven(set, levelFlagNames...) {
						return usagef(e.cmd, "level edit needs at least one flag to change")
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					l, err := e.s.FindAccessLevel(e.actor, args[0])
					if err != nil {
						return err
					}
					if set["name"] {
						l.Name = *newName
					}
					if err := f.apply(e, set, &l); err != nil {
						return err
					}
					l, err = e.saveLevel(l, *yes, func(l store.AccessLevel, ok bool) (store.AccessLevel, error) {
						return e.s.EditAccessLevel(e.actor, l, ok)
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Changed access level %d %s.\n\n", l.ID, l.Name)
					return e.levelShow(l, false)
				}
			},
		},
		confRemoveCommand("level", "LEVEL", "access level", "no access group and no person has",
			func(e *env, ref string) (uint32, string, error) {
				l, err := e.s.FindAccessLevel(e.actor, ref)
				return uint32(l.ID), l.Name, err
			},
			func(e *env, id uint32) error { return e.s.RemoveAccessLevel(e.actor, id) }),
	}
}

// levelJSON is an access level as --json prints it: the store's record
// plus the unit's path and its door rules as text.
type levelJSON struct {
	store.AccessLevel
	UnitPath  string   `json:"unit_path"`
	DoorRules []string `json:"door_rules"`
}

func (e *env) levelRow(l store.AccessLevel, n accessNames) levelJSON {
	r := levelJSON{AccessLevel: l, UnitPath: e.s.UnitPath(l.Unit), DoorRules: []string{}}
	for _, d := range l.Doors {
		r.DoorRules = append(r.DoorRules, n.doorRule(d))
	}
	if l.IncludeAllDoors {
		r.DoorRules = append(r.DoorRules, "all doors, both ways")
	}
	return r
}

// doorRule is "door 3 Main entrance on Office hours, entry".
func (n accessNames) doorRule(r access.DoorRule) string {
	what := "door " + idName(n.doors, uint32(r.Door))
	if r.Door == 0 {
		what = "door group " + idName(n.doorGroups, uint32(r.Group))
	}
	dir := r.Direction
	if dir == 0 {
		dir = access.Both
	}
	return fmt.Sprintf("%s on %s, %s", what, n.profile(r.Profile), dir)
}

func (e *env) levelList(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	ls, err := e.s.ListAccessLevels(e.actor)
	if err != nil {
		return err
	}
	n, err := e.accessNames()
	if err != nil {
		return err
	}
	rows := []levelJSON{}
	for _, l := range ls {
		rows = append(rows, e.levelRow(l, n))
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stdout, "No access levels.")
		return nil
	}
	t := newTable(e.stdout, "№", "Name", "Unit", "Schedule", "Doors", "Include all")
	for _, r := range rows {
		t.row(strconv.Itoa(int(r.ID)), r.Name, r.UnitPath, n.profile(r.Schedule), dash(strings.Join(r.DoorRules, "; ")), dash(includeAll(&r.AccessLevel.AccessLevel)))
	}
	return t.flush()
}

func includeAll(l *access.AccessLevel) string {
	var all []string
	for _, o := range []struct {
		on   bool
		what string
	}{{l.IncludeAllDoors, "doors"}, {l.IncludeAllArming && !l.IncludeAllDisarm, "arming"}, {l.IncludeAllDisarm, "disarm and arm"},
		{l.IncludeAllFloors, "floors"}, {l.IncludeAllElevator, "elevators"}} {
		if o.on {
			all = append(all, o.what)
		}
	}
	return strings.Join(all, ", ")
}

func (e *env) levelShow(l store.AccessLevel, asJSON bool) error {
	n, err := e.accessNames()
	if err != nil {
		return err
	}
	r := e.levelRow(l, n)
	if asJSON {
		return writeJSON(e.stdout, r)
	}
	f := newFields(e.stdout)
	f.add("Access level", "%d %s", l.ID, l.Name)
	f.add("Second language", "%s", dash(l.Name2))
	f.add("Unit", "%s", r.UnitPath)
	f.add("Notes", "%s", dash(l.Notes))
	f.add("Operating schedule", "%s", n.profile(l.Schedule))
	if len(r.DoorRules) == 0 {
		f.add("Doors", "none")
	}
	for i, d := range r.DoorRules {
		f.add(map[bool]string{true: "Doors", false: ""}[i == 0], "%s", d)
	}
	area := func(rs []access.AreaRule) string {
		var out []string
		for _, a := range rs {
			out = append(out, fmt.Sprintf("%d on %s", a.Group, n.profile(a.Profile)))
		}
		return dash(strings.Join(out, "; "))
	}
	f.add("Arm area groups", "%s", area(l.ArmAreas))
	f.add("Disarm area groups", "%s", area(l.DisarmAreas))
	var floors []string
	for _, fl := range l.Floors {
		if fl.Floor != 0 {
			floors = append(floors, fmt.Sprintf("floor %d on %s", fl.Floor, n.profile(fl.Profile)))
		} else {
			floors = append(floors, fmt.Sprintf("floor group %d on %s", fl.Group, n.profile(fl.Profile)))
		}
	}
	f.add("Floors", "%s", dash(strings.Join(floors, "; ")))
	var elev []string
	for _, el := range l.Elevators {
		elev = append(elev, fmt.Sprintf("%d on %s", el.Group, n.profile(el.Profile)))
	}
	f.add("Elevator groups", "%s", dash(strings.Join(elev, "; ")))
	f.add("Include all", "%s", dash(includeAll(&l.AccessLevel)))
	f.add("Multi-badge arming", "%s", yesNo(l.MultiBadgeArming))
	f.add("Location group", "%s", lockText(int(l.LocationGroup)))
	f.add("Menu group", "%s", menuGroupText(&l.AccessLevel))
	ids := func(vs []string) string { return dash(strings.Join(vs, ", ")) }
	var outs, groups []string
	for _, o := range l.Outputs {
		outs = append(outs, strconv.Itoa(int(o)))
	}
	for _, o := range l.OutputGroups {
		groups = append(groups, strconv.Itoa(int(o)))
	}
	f.add("Outputs", "%s; groups %s", ids(outs), ids(groups))
	outTime := "the output's own"
	if l.OutputTime > 0 {
		outTime = l.OutputTime.String()
	}
	f.add("Output activation", "reader %s, keypad %s, until expiry %s, toggle %s; time %s",
		yesNo(l.ReaderActivatesOutput), yesNo(l.KeypadActivatesOutput), yesNo(l.OutputUntilExpiry), yesNo(l.ToggleOutput), outTime)
	f.add("Updated", "%s", e.siteTimeText(l.Updated))
	return f.flush()
}

// menuGroupText is the level's keypad menu group as the CLI shows it.
func menuGroupText(l *access.AccessLevel) string {
	if l.NoKeypadMenu() {
		return "none (no keypad menu)"
	}
	parts := make([]string, len(l.MenuGroups))
	for i, g := range l.MenuGroups {
		parts[i] = strconv.FormatUint(uint64(g), 10)
	}
	return strings.Join(parts, ", ")
}
