package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// The schedule, door, door group and access group commands. Each record
// belongs to an organization unit; a reference is its ID or its name.

const confRefHelp = "A reference is the ID or the exact name (any case); a name two records share needs the ID."

// scheduleJSON is a time profile as --json prints it: the store's record
// plus the intervals as they are typed.
type scheduleJSON struct {
	store.TimeProfile
	UnitPath string   `json:"unit_path"`
	Schedule []string `json:"schedule"`
	Days     []string `json:"holiday_dates"`
}

func scheduleRow(e *env, p store.TimeProfile) scheduleJSON {
	r := scheduleJSON{TimeProfile: p, UnitPath: e.s.UnitPath(p.Unit), Schedule: []string{}, Days: []string{}}
	for _, iv := range p.Intervals {
		r.Schedule = append(r.Schedule, iv.String())
	}
	for _, d := range p.Holidays {
		r.Days = append(r.Days, d.String())
	}
	return r
}

// scheduleFlags reads --intervals and --holiday into p.
func scheduleFlags(e *env, set map[string]bool, intervals string, holidays listFlag, p *store.TimeProfile) error {
	if set["intervals"] {
		ivs, err := access.ParseIntervals(intervals)
		if err != nil {
			return usagef(e.cmd, "--intervals: %s", accessText(err))
		}
		p.Intervals = ivs
	}
	if set["holiday"] {
		p.Holidays = nil
		if !holidays.isNone() {
			for _, h := range holidays {
				for _, s := range strings.Split(h, ",") {
					d, err := access.ParseDate(strings.TrimSpace(s))
					if err != nil {
						return usagef(e.cmd, "--holiday: %s", accessText(err))
					}
					p.Holidays = append(p.Holidays, d)
				}
			}
		}
	}
	return nil
}

func scheduleCommands() []*command {
	const intervalsHelp = "weekly `INTERVALS` separated by ;: \"Mon-Fri 08:00-17:00; Sat 09:00-12:00; Hol 10:00-12:00\" (Daily, 22:00-06:00 crosses midnight)"
	const holidayHelp = "a holiday `DATE`: 2026-12-24 once, or 12-25 every year (repeatable)"
	return []*command{
		{
			name: "schedule list", maxArgs: 0,
			summary: "list the time profiles (schedules) you see; Always is built in",
			example: "guardroom schedule list\nguardroom schedule list --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					ps, err := e.s.ListTimeProfiles(e.actor)
					if err != nil {
						return err
					}
					rows := []scheduleJSON{}
					for _, p := range ps {
						rows = append(rows, scheduleRow(e, p))
					}
					if *asJSON {
						return writeJSON(e.stdout, rows)
					}
					t := newTable(e.stdout, "№", "Name", "Unit", "Intervals", "Holidays")
					t.row("0", "Always", "(built in)", "every instant, holidays included", "-")
					for _, r := range rows {
						t.row(strconv.Itoa(int(r.ID)), r.Name, r.UnitPath, dash(strings.Join(r.Schedule, "; ")), dash(strings.Join(r.Days, ", ")))
					}
					return t.flush()
				}
			},
		},
		scheduleKind.showCommand("show one time profile: its intervals and holidays",
			"guardroom schedule show \"Office hours\"", (*env).scheduleShow),
		{
			name: "schedule add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add a time profile: weekly intervals and holidays, read on the site's clock",
			details: "On a holiday only the Hol intervals apply. Times are the site's (guardroom access timezone).",
			example: "guardroom schedule add \"Office hours\" --unit HQ --intervals \"Mon-Fri 08:00-17:00; Hol 10:00-12:00\" --holiday 12-25 --holiday 2026-12-24\n" +
				"guardroom schedule add \"Night shift\" --unit HQ --intervals \"Daily 22:00-06:00\"",
			setup: func(fs *flag.FlagSet) runFunc {
				unit := fs.String("unit", "", "the organization `UNIT` it belongs to")
				intervals := fs.String("intervals", "", intervalsHelp)
				var holidays listFlag
				fs.Var(&holidays, "holiday", holidayHelp)
				return func(e *env, args []string) error {
					return scheduleKind.addRun(e, args[0], *unit, func(p *store.TimeProfile) error {
						return scheduleFlags(e, given(fs), *intervals, holidays, p)
					})
				}
			},
		},
		{
			name: "schedule edit", args: "SCHEDULE", minArgs: 1, maxArgs: 1,
			summary: "change a time profile's name, unit, intervals or holidays",
			details: "Only the flags given change; --intervals and --holiday replace the lists (--intervals \"\"\nor --holiday none empties one). " + confRefHelp,
			example: "guardroom schedule edit \"Office hours\" --intervals \"Mon-Fri 07:30-18:00\"\nguardroom schedule edit 3 --holiday none",
			setup: func(fs *flag.FlagSet) runFunc {
				newName := fs.String("name", "", "the new `NAME`")
				unit := fs.String("unit", "", "move it to organization `UNIT`")
				intervals := fs.String("intervals", "", intervalsHelp+" (replaces them)")
				var holidays listFlag
				fs.Var(&holidays, "holiday", holidayHelp+"; replaces them, none: no holidays")
				return func(e *env, args []string) error {
					set := given(fs)
					if !anyGiven(set, "name", "unit", "intervals", "holiday") {
						return usagef(e.cmd, "schedule edit needs at least one of --name, --unit, --intervals, --holiday")
					}
					p, err := scheduleKind.editRun(e, args[0], set, *newName, *unit, func(p *store.TimeProfile) error {
						return scheduleFlags(e, set, *intervals, holidays, p)
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Changed time profile %d %s.\n\n", p.ID, p.Name)
					return e.scheduleShow(p, false)
				}
			},
		},
		scheduleKind.removeCommand("no access level uses"),
	}
}

func (e *env) scheduleShow(p store.TimeProfile, asJSON bool) error {
	r := scheduleRow(e, p)
	if asJSON {
		return writeJSON(e.stdout, r)
	}
	f := newFields(e.stdout)
	f.add("Time profile", "%d %s", p.ID, p.Name)
	f.add("Unit", "%s", r.UnitPath)
	if len(r.Schedule) == 0 {
		f.add("Intervals", "none: never open")
	}
	for i, iv := range r.Schedule {
		f.add(map[bool]string{true: "Intervals", false: ""}[i == 0], "%s", iv)
	}
	f.add("Holidays", "%s", dash(strings.Join(r.Days, ", ")))
	f.add("Updated", "%s", e.siteTimeText(p.Updated))
	return f.flush()
}

// confKind is one kind of access record with store.ConfMeta (time profile,
// door, door group, access group): what its show, add, edit and remove
// commands need of it.
type confKind[T any] struct {
	group, arg, noun string // the command group, its argument, the record's name in messages
	meta             func(*T) *store.ConfMeta
	find             func(*store.Store, store.Actor, string) (T, error)
	add, edit        func(*store.Store, store.Actor, T) (T, error)
	remove           func(*store.Store, store.Actor, uint32) error
}

var scheduleKind = confKind[store.TimeProfile]{"schedule", "SCHEDULE", "time profile",
	func(p *store.TimeProfile) *store.ConfMeta { return &p.ConfMeta },
	(*store.Store).FindTimeProfile, (*store.Store).AddTimeProfile, (*store.Store).EditTimeProfile, (*store.Store).RemoveTimeProfile}

var doorKind = confKind[store.Door]{"door", "DOOR", "door",
	func(d *store.Door) *store.ConfMeta { return &d.ConfMeta },
	(*store.Store).FindDoor, (*store.Store).AddDoor, (*store.Store).EditDoor, (*store.Store).RemoveDoor}

var doorGroupKind = confKind[store.DoorGroup]{"door group", "GROUP", "door group",
	func(g *store.DoorGroup) *store.ConfMeta { return &g.ConfMeta },
	(*store.Store).FindDoorGroup, (*store.Store).AddDoorGroup, (*store.Store).EditDoorGroup, (*store.Store).RemoveDoorGroup}

var groupKind = confKind[store.AccessGroup]{"group", "GROUP", "access group",
	func(g *store.AccessGroup) *store.ConfMeta { return &g.ConfMeta },
	(*store.Store).FindAccessGroup, (*store.Store).AddAccessGroup, (*store.Store).EditAccessGroup, (*store.Store).RemoveAccessGroup}

func (k confKind[T]) showCommand(summary, example string, show func(*env, T, bool) error) *command {
	return confShowCommand(k.group, k.arg, summary, example, func(e *env, ref string) (T, error) { return k.find(e.s, e.actor, ref) }, show)
}

func (k confKind[T]) removeCommand(unused string) *command {
	return confRemoveCommand(k.group, k.arg, k.noun, unused,
		func(e *env, ref string) (uint32, string, error) {
			v, err := k.find(e.s, e.actor, ref)
			m := k.meta(&v)
			return m.ID, m.Name, err
		},
		func(e *env, id uint32) error { return k.remove(e.s, e.actor, id) })
}

// addRun adds the record named name in organization unit unit, fill (if
// any) setting its other fields, and says so.
func (k confKind[T]) addRun(e *env, name, unit string, fill func(*T) error) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	var v T
	m := k.meta(&v)
	m.Name = name
	var err error
	if m.Unit, err = e.findUnitFlag(unit); err != nil {
		return err
	}
	if fill != nil {
		if err := fill(&v); err != nil {
			return err
		}
	}
	v, err = k.add(e.s, e.actor, v)
	if err := e.write(err); err != nil {
		return err
	}
	m = k.meta(&v)
	fmt.Fprintf(e.stdout, "Added %s %d %s in %s.\n", k.noun, m.ID, m.Name, e.s.UnitPath(m.Unit))
	return nil
}

// editRun finds the record ref, sets the name and unit where set says
// they were given, lets change (if any) set the rest, and saves it.
func (k confKind[T]) editRun(e *env, ref string, set map[string]bool, name, unit string, change func(*T) error) (T, error) {
	var zero T
	if err := e.openStore(openOptions{}); err != nil {
		return zero, err
	}
	v, err := k.find(e.s, e.actor, ref)
	if err != nil {
		return zero, err
	}
	m := k.meta(&v)
	if set["name"] {
		m.Name = name
	}
	if set["unit"] {
		if m.Unit, err = e.findUnitFlag(unit); err != nil {
			return zero, err
		}
	}
	if change != nil {
		if err := change(&v); err != nil {
			return zero, err
		}
	}
	v, err = k.edit(e.s, e.actor, v)
	if err := e.write(err); err != nil {
		return zero, err
	}
	return v, nil
}

// confShowCommand is the show command of a kind of access record.
func confShowCommand[T any](group, arg, summary, example string, find func(e *env, ref string) (T, error), show func(e *env, v T, asJSON bool) error) *command {
	return &command{
		name: group + " show", args: arg, minArgs: 1, maxArgs: 1,
		summary: summary,
		details: confRefHelp,
		example: example,
		setup: func(fs *flag.FlagSet) runFunc {
			asJSON := jsonFlag(fs)
			return func(e *env, args []string) error {
				if err := e.openStore(openOptions{}); err != nil {
					return err
				}
				v, err := find(e, args[0])
				if err != nil {
					return err
				}
				return show(e, v, *asJSON)
			}
		},
	}
}

// confRemoveCommand is the remove command of a kind of access record: the
// store refuses while something still uses the record, and says what.
func confRemoveCommand(group, arg, noun, unused string, find func(e *env, ref string) (uint32, string, error), remove func(e *env, id uint32) error) *command {
	return &command{
		name: group + " remove", args: arg, minArgs: 1, maxArgs: 1,
		summary: "remove " + article(noun) + " " + unused + " (the store says what still does)",
		details: confRefHelp,
		example: "guardroom " + group + " remove 3",
		setup: func(fs *flag.FlagSet) runFunc {
			return func(e *env, args []string) error {
				if err := e.openStore(openOptions{}); err != nil {
					return err
				}
				id, name, err := find(e, args[0])
				if err != nil {
					return err
				}
				if err := e.write(remove(e, id)); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Removed %s %d %s.\n", noun, id, name)
				return nil
			}
		},
	}
}

// doorJSON is a door as --json prints it.
type doorJSON struct {
	store.Door
	UnitPath string `json:"unit_path"`
}

func doorCommands() []*command {
	const lockHelp = "the lock `NUMBER` the door opens (000), 0 for none"
	return []*command{
		{
			name: "door list", maxArgs: 0,
			summary: "list the doors you see, their door groups and lock numbers",
			example: "guardroom door list\nguardroom door list --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					ds, err := e.s.ListDoors(e.actor)
					if err != nil {
						return err
					}
					rows := []doorJSON{}
					for _, d := range ds {
						rows = append(rows, doorJSON{d, e.s.UnitPath(d.Unit)})
					}
					if *asJSON {
						return writeJSON(e.stdout, rows)
					}
					if len(rows) == 0 {
						fmt.Fprintln(e.stdout, "No doors.")
						return nil
					}
					n, err := e.accessNames()
					if err != nil {
						return err
					}
					t := newTable(e.stdout, "№", "Name", "Unit", "Door groups", "Lock")
					for _, r := range rows {
						t.row(strconv.Itoa(int(r.ID)), r.Name, r.UnitPath, idNames(n.doorGroups, r.Groups), lockText(r.Lock))
					}
					return t.flush()
				}
			},
		},
		doorKind.showCommand("show one door: its door groups and lock number",
			"guardroom door show \"Main entrance\"", (*env).doorShow),
		{
			name: "door add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add a door in a unit, in door groups, with the lock number it opens",
			example: "guardroom door add \"Main entrance\" --unit HQ --group \"Ground floor\" --lock 1",
			setup: func(fs *flag.FlagSet) runFunc {
				unit := fs.String("unit", "", "the organization `UNIT` it belongs to")
				var groups listFlag
				fs.Var(&groups, "group", "a door `GROUP` it is in (ID or name; repeatable)")
				lock := fs.Int("lock", 0, lockHelp)
				return func(e *env, args []string) error {
					return doorKind.addRun(e, args[0], *unit, func(d *store.Door) error {
						d.Lock = *lock
						var err error
						d.Groups, err = e.findDoorGroups(groups)
						return err
					})
				}
			},
		},
		{
			name: "door edit", args: "DOOR", minArgs: 1, maxArgs: 1,
			summary: "change a door's name, unit, door groups or lock number",
			details: "Only the flags given change; --group replaces the groups (none: in no group). " + confRefHelp,
			example: "guardroom door edit \"Main entrance\" --group \"Ground floor\" --group Lobby --lock 2",
			setup: func(fs *flag.FlagSet) runFunc {
				newName := fs.String("name", "", "the new `NAME`")
				unit := fs.String("unit", "", "move it to organization `UNIT`")
				var groups listFlag
				fs.Var(&groups, "group", "a door `GROUP` it is in (repeatable; replaces them, none: no group)")
				lock := fs.Int("lock", 0, lockHelp)
				return func(e *env, args []string) error {
					set := given(fs)
					if !anyGiven(set, "name", "unit", "group", "lock") {
						return usagef(e.cmd, "door edit needs at least one of --name, --unit, --group, --lock")
					}
					d, err := doorKind.editRun(e, args[0], set, *newName, *unit, func(d *store.Door) error {
						if set["group"] {
							var err error
							if d.Groups, err = e.findDoorGroups(groups); err != nil {
								return err
							}
						}
						if set["lock"] {
							d.Lock = *lock
						}
						return nil
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Changed door %d %s.\n\n", d.ID, d.Name)
					return e.doorShow(d, false)
				}
			},
		},
		doorKind.removeCommand("no access level names"),
		{
			name: "door who", args: "DOOR", minArgs: 1, maxArgs: 1,
			summary: "list who may pass a door now (or --at a time), by their rights alone",
			details: "Credentials and multifactor rules are assumed presented and the site online. With\n" +
				"--direction both a person must be allowed both ways. " + confRefHelp,
			example: "guardroom door who \"Main entrance\"\nguardroom door who 3 --direction exit --at \"2026-12-24 22:00\" --json",
			setup: func(fs *flag.FlagSet) runFunc {
				dir := choice(fs, "direction", "entry", "`DIRECTION`: entry, exit or both", "entry", "exit", "both")
				at := fs.String("at", "", "at `TIME` instead of now: "+siteTimeHelp)
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.doorWho(args[0], *dir, *at, *asJSON) }
			},
		},
		{
			name: "door group list", maxArgs: 0,
			summary: "list the door groups you see and how many doors each has",
			example: "guardroom door group list",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.doorGroupList(*asJSON) }
			},
		},
		{
			name: "door group add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add a door group; doors join it with door add|edit --group",
			example: "guardroom door group add \"Ground floor\" --unit HQ",
			setup: func(fs *flag.FlagSet) runFunc {
				unit := fs.String("unit", "", "the organization `UNIT` it belongs to")
				return func(e *env, args []string) error { return doorGroupKind.addRun(e, args[0], *unit, nil) }
			},
		},
		{
			name: "door group edit", args: "GROUP", minArgs: 1, maxArgs: 1,
			summary: "rename a door group or move it to another unit",
			details: confRefHelp,
			example: "guardroom door group edit \"Ground floor\" --name \"Street level\"",
			setup: func(fs *flag.FlagSet) runFunc {
				newName := fs.String("name", "", "the new `NAME`")
				unit := fs.String("unit", "", "move it to organization `UNIT`")
				return func(e *env, args []string) error {
					set := given(fs)
					if !anyGiven(set, "name", "unit") {
						return usagef(e.cmd, "door group edit needs --name or --unit")
					}
					g, err := doorGroupKind.editRun(e, args[0], set, *newName, *unit, nil)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Door group %d is %s in %s.\n", g.ID, g.Name, e.s.UnitPath(g.Unit))
					return nil
				}
			},
		},
		doorGroupKind.removeCommand("no door and no access level uses"),
	}
}

func lockText(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func (e *env) doorShow(d store.Door, asJSON bool) error {
	if asJSON {
		return writeJSON(e.stdout, doorJSON{d, e.s.UnitPath(d.Unit)})
	}
	n, err := e.accessNames()
	if err != nil {
		return err
	}
	f := newFields(e.stdout)
	f.add("Door", "%d %s", d.ID, d.Name)
	f.add("Unit", "%s", e.s.UnitPath(d.Unit))
	f.add("Door groups", "%s", idNames(n.doorGroups, d.Groups))
	f.add("Lock", "%s", lockText(d.Lock))
	f.add("Updated", "%s", e.siteTimeText(d.Updated))
	return f.flush()
}

// doorGroupJSON is a door group as --json prints it.
type doorGroupJSON struct {
	store.DoorGroup
	UnitPath string   `json:"unit_path"`
	Doors    []uint32 `json:"doors"`
}

func (e *env) doorGroupList(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	gs, err := e.s.ListDoorGroups(e.actor)
	if err != nil {
		return err
	}
	ds, err := e.s.ListDoors(e.actor)
	if err != nil {
		return err
	}
	rows := []doorGroupJSON{}
	for _, g := range gs {
		r := doorGroupJSON{g, e.s.UnitPath(g.Unit), []uint32{}}
		for _, d := range ds {
			for _, id := range d.Groups {
				if id == g.ID {
					r.Doors = append(r.Doors, d.ID)
				}
			}
		}
		rows = append(rows, r)
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stdout, "No door groups.")
		return nil
	}
	t := newTable(e.stdout, "№", "Name", "Unit", "Doors")
	for _, r := range rows {
		t.row(strconv.Itoa(int(r.ID)), r.Name, r.UnitPath, strconv.Itoa(len(r.Doors)))
	}
	return t.flush()
}

// whoJSON is door who --json: the question and who may pass.
type whoJSON struct {
	Door      uint32       `json:"door"`
	DoorName  string       `json:"door_name"`
	Direction string       `json:"direction"`
	At        string       `json:"at"`
	People    []personJSON `json:"people"`
}

func (e *env) doorWho(ref, dirText, atText string, asJSON bool) error {
	dir, err := access.ParseDirection(dirText)
	if err != nil {
		return usagef(e.cmd, "--direction: %s", accessText(err))
	}
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	at, err := e.siteTimeFlag("at", atText, false, false)
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = e.s.Now()
	}
	d, err := e.s.FindDoor(e.actor, ref)
	if err != nil {
		return err
	}
	people, err := e.s.WhoCanOpen(e.actor, d.ID, dir, at)
	if err != nil {
		return err
	}
	loc, err := e.siteLocation()
	if err != nil {
		return err
	}
	out := whoJSON{Door: d.ID, DoorName: d.Name, Direction: dir.String(), At: at.In(loc).Format("2006-01-02T15:04:05Z07:00"), People: []personJSON{}}
	for _, p := range people {
		out.People = append(out.People, personJSON{Person: p, UnitPath: e.s.UnitPath(p.Unit), Status: personStatus(p, at, loc)})
	}
	if asJSON {
		return writeJSON(e.stdout, out)
	}
	how := map[access.Direction]string{access.Entry: "enter by", access.Exit: "leave by", access.Both: "pass both ways through"}[dir]
	fmt.Fprintf(e.stdout, "%s may %s door %d %s at %s (site time):\n", plural(len(people), "person", "people"), how, d.ID, d.Name, at.In(loc).Format(timeLayout))
	if len(people) == 0 {
		return nil
	}
	t := newTable(e.stdout, "№", "Name", "Info", "Apartment", "Unit")
	for _, p := range out.People {
		t.row(strconv.FormatUint(p.ID, 10), p.Name, dash(p.Info), dash(p.Apartment), p.UnitPath)
	}
	return t.flush()
}

// groupJSON is an access group as --json prints it.
type groupJSON struct {
	store.AccessGroup
	UnitPath    string `json:"unit_path"`
	MultiFactor string `json:"multifactor_text,omitempty"`
}

func groupRow(e *env, g store.AccessGroup) groupJSON {
	r := groupJSON{AccessGroup: g, UnitPath: e.s.UnitPath(g.Unit)}
	if g.MultiFactor != nil {
		r.MultiFactor = g.MultiFactor.String()
	}
	return r
}

func accessGroupCommands() []*command {
	const levelHelp = "an access `LEVEL` the group gives its members (ID or name; repeatable)"
	return []*command{
		{
			name: "group list", maxArgs: 0,
			summary: "list the access groups you see: their levels and multifactor rules",
			example: "guardroom group list\nguardroom group list --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					gs, err := e.s.ListAccessGroups(e.actor)
					if err != nil {
						return err
					}
					rows := []groupJSON{}
					for _, g := range gs {
						rows = append(rows, groupRow(e, g))
					}
					if *asJSON {
						return writeJSON(e.stdout, rows)
					}
					if len(rows) == 0 {
						fmt.Fprintln(e.stdout, "No access groups.")
						return nil
					}
					n, err := e.accessNames()
					if err != nil {
						return err
					}
					t := newTable(e.stdout, "№", "Name", "Unit", "Levels", "Multifactor")
					for _, r := range rows {
						t.row(strconv.Itoa(int(r.ID)), r.Name, r.UnitPath, idNames(n.levels, r.Levels), dash(r.MultiFactor))
					}
					return t.flush()
				}
			},
		},
		groupKind.showCommand("show one access group", "guardroom group show Residents", (*env).groupShow),
		{
			name: "group add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add an access group: the levels it gives, and a multifactor rule for its members",
			example: "guardroom group add Residents --unit HQ --level \"Residents' doors\"\n" +
				"guardroom group add IT --unit HQ --level \"Server room\" --multifactor card,code --ordered --window 20s",
			setup: func(fs *flag.FlagSet) runFunc {
				unit := fs.String("unit", "", "the organization `UNIT` it belongs to")
				var levels listFlag
				fs.Var(&levels, "level", levelHelp)
				mf := addMFFlags(fs)
				return func(e *env, args []string) error {
					return groupKind.addRun(e, args[0], *unit, func(g *store.AccessGroup) error {
						var err error
						if g.Levels, err = e.findLevels(levels); err != nil {
							return err
						}
						g.MultiFactor, _, err = mf.rule(e, given(fs))
						return err
					})
				}
			},
		},
		{
			name: "group edit", args: "GROUP", minArgs: 1, maxArgs: 1,
			summary: "change an access group's name, unit, levels or multifactor rule",
			details: "Only the flags given change; --level replaces the levels (none: no level),\n--multifactor none removes the rule. " + confRefHelp,
			example: "guardroom group edit Residents --level \"Residents' doors\" --level Gym\nguardroom group edit IT --multifactor none",
			setup: func(fs *flag.FlagSet) runFunc {
				newName := fs.String("name", "", "the new `NAME`")
				unit := fs.String("unit", "", "move it to organization `UNIT`")
				var levels listFlag
				fs.Var(&levels, "level", levelHelp+"; replaces them")
				mf := addMFFlags(fs)
				return func(e *env, args []string) error {
					set := given(fs)
					if !anyGiven(set, "name", "unit", "level", "multifactor", "ordered", "window") {
						return usagef(e.cmd, "group edit needs at least one of --name, --unit, --level, --multifactor")
					}
					g, err := groupKind.editRun(e, args[0], set, *newName, *unit, func(g *store.AccessGroup) error {
						var err error
						if set["level"] {
							if g.Levels, err = e.findLevels(levels); err != nil {
								return err
							}
						}
						rule, changed, err := mf.rule(e, set)
						if err != nil {
							return err
						}
						if changed {
							g.MultiFactor = rule
						}
						return nil
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Changed access group %d %s.\n\n", g.ID, g.Name)
					return e.groupShow(g, false)
				}
			},
		},
		groupKind.removeCommand("nobody is in"),
	}
}

func (e *env) groupShow(g store.AccessGroup, asJSON bool) error {
	if asJSON {
		return writeJSON(e.stdout, groupRow(e, g))
	}
	n, err := e.accessNames()
	if err != nil {
		return err
	}
	f := newFields(e.stdout)
	f.add("Access group", "%d %s", g.ID, g.Name)
	f.add("Unit", "%s", e.s.UnitPath(g.Unit))
	f.add("Levels", "%s", idNames(n.levels, g.Levels))
	f.add("Multifactor", "%s", mfText(g.MultiFactor))
	f.add("Updated", "%s", e.siteTimeText(g.Updated))
	return f.flush()
}

// article is "an access level", "a door".
func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
