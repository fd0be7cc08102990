package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
)

func lockCommands() []*command {
	return []*command{
		{
			name: "lock list", maxArgs: 0,
			summary: "list the door locks: model, panel, state, battery, users, tags, sync",
			example: "guardroom lock list\nguardroom lock list --panel \"Main office\" --json",
			setup: func(fs *flag.FlagSet) runFunc {
				panel := fs.String("panel", "", "only the locks of `PANEL`")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.lockList(*panel, *asJSON) }
			},
		},
		{
			name: "lock show", args: "LOCK", minArgs: 1, maxArgs: 1,
			summary: "show one door lock (LOCK is its number or name), its users and tags, and the actions it allows",
			example: "guardroom lock show \"Front door\"",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.lockShow(args[0], *asJSON) }
			},
		},
		{
			name: "lock add", maxArgs: 0,
			summary: "link a door lock to a panel whose family drives door locks",
			details: "Models: " + lockModelNames() + " (or l2, l3, zwave, other).\n" +
				"State and battery come from the lock through its panel's driver.",
			example: "guardroom lock add --panel \"Main office\" --name \"Front door\" --model l3\n" +
				"guardroom lock add --panel 1 --name \"Bike store\" --model zwave --number 4",
			setup: func(fs *flag.FlagSet) runFunc {
				var l store.Lock
				var panel string
				fs.StringVar(&panel, "panel", "", "the lock's `PANEL` (number, name or IMEI)")
				fs.StringVar(&l.Name, "name", "", "the door or its location, `NAME` (unique on the panel)")
				fs.StringVar(&l.Model, "model", "", "lock `MODEL`: "+lockModelNames())
				fs.IntVar(&l.Number, "number", 0, "the lock's `NUMBER` on its panel (default: the lowest free)")
				return func(e *env, _ []string) error {
					var missing []string
					for _, f := range []struct{ name, v string }{{"--panel", panel}, {"--name", l.Name}, {"--model", l.Model}} {
						if strings.TrimSpace(f.v) == "" {
							missing = append(missing, f.name)
						}
					}
					if len(missing) > 0 {
						return usagef(e.cmd, "lock add needs %s", strings.Join(missing, ", "))
					}
					return e.lockAdd(panel, l)
				}
			},
		},
		{
			name: "lock edit", args: "LOCK", minArgs: 1, maxArgs: 1,
			summary: "rename a door lock or change its model",
			example: "guardroom lock edit 1 --name \"Front door (east)\"\nguardroom lock edit \"Front door\" --model l2",
			setup: func(fs *flag.FlagSet) runFunc {
				var ed store.LockEdit
				var model string
				fs.StringVar(&ed.Name, "name", "", "the new `NAME`")
				fs.StringVar(&model, "model", "", "the new `MODEL`: "+lockModelNames())
				return func(e *env, args []string) error {
					if strings.TrimSpace(ed.Name) == "" && strings.TrimSpace(model) == "" {
						return usagef(e.cmd, "lock edit needs --name or --model")
					}
					ed.Model = store.LockModel(model)
					l, err := e.findLock(args[0])
					if err != nil {
						return err
					}
					if err := e.write(e.s.EditLock(e.actor, l.ID, ed)); err != nil {
						return err
					}
					l, err = e.s.GetLock(e.actor, l.ID)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "%s is a %s.\n", upperFirst(l.Label()), l.Model)
					return nil
				}
			},
		},
		{
			name: "lock remove", args: "LOCK", minArgs: 1, maxArgs: 1,
			summary: "unlink a door lock (asks first); refused while users or tags are assigned, unless --force",
			details: "--force unassigns its users and frees its tags (they are taken off the lock) in the same step.",
			example: "guardroom lock remove \"Bike store\"\nguardroom lock remove 3 --force --yes",
			setup: func(fs *flag.FlagSet) runFunc {
				force := fs.Bool("force", false, "unassign the lock's users and free its tags")
				yes := fs.Bool("yes", false, "do not ask (required when there is no terminal)")
				return func(e *env, args []string) error { return e.lockRemove(args[0], *force, *yes) }
			},
		},
		{
			name: "lock assign", args: "LOCK SLOT", minArgs: 2, maxArgs: 2,
			summary: "give a panel user of the lock's panel the door lock (the user must have a code)",
			example: "guardroom lock assign \"Front door\" 7",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					return e.lockUser(args, (*store.Store).AssignLockUser, "is assigned to")
				}
			},
		},
		{
			name: "lock unassign", args: "LOCK SLOT", minArgs: 2, maxArgs: 2,
			summary: "take the door lock away from a panel user",
			example: "guardroom lock unassign \"Front door\" 7",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					return e.lockUser(args, (*store.Store).UnassignLockUser, "is no longer assigned to")
				}
			},
		},
		{
			name: "lock lock", args: "LOCK", minArgs: 1, maxArgs: 1,
			summary: "lock a door through its panel",
			example: "guardroom lock lock \"Front door\"",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					return e.lockCommand(args[0], func(l store.Lock) error { return e.s.LockDoor(e.actor, l.ID) }, "")
				}
			},
		},
		{
			name: "lock unlock", args: "LOCK", minArgs: 1, maxArgs: 1,
			summary: "unlock a door through its panel (asks first; the reason is logged)",
			details: "--reason is required. On a terminal you are asked to type yes; without one --yes is required.",
			example: "guardroom lock unlock \"Front door\" --reason \"delivery at the loading bay\"\n" +
				"guardroom lock unlock 1 --reason \"fire drill\" --yes",
			setup: func(fs *flag.FlagSet) runFunc {
				reason := fs.String("reason", "", "why the door is unlocked, `TEXT` (logged)")
				yes := fs.Bool("yes", false, "do not ask (required when there is no terminal)")
				return func(e *env, args []string) error { return e.lockUnlock(args[0], *reason, *yes) }
			},
		},
	}
}

func lockModelNames() string {
	var names []string
	for _, s := range store.LockSpecs() {
		names = append(names, string(s.Model))
	}
	return strings.Join(names, ", ")
}

// findLock opens the store and finds LOCK by number or name.
func (e *env) findLock(ref string) (store.Lock, error) {
	if err := e.openStore(openOptions{}); err != nil {
		return store.Lock{}, err
	}
	return e.s.FindLock(e.actor, ref)
}

// lockJSON is one lock as lock list --json prints it. Battery is null
// until the lock reports.
type lockJSON struct {
	ID         uint64     `json:"id"`
	Number     int        `json:"number"`
	Name       string     `json:"name"`
	Model      string     `json:"model"`
	Panel      uint64     `json:"panel"`
	PanelName  string     `json:"panel_name"`
	State      string     `json:"state"`
	Battery    *int       `json:"battery"`
	LowBattery bool       `json:"low_battery"`
	LastSeen   *time.Time `json:"last_seen,omitempty"`
	Users      []int      `json:"users"`
	Tags       []string   `json:"tags"`
	Sync       string     `json:"sync,omitempty"`
	SyncReason string     `json:"sync_reason,omitempty"`
}

func lockRow(l store.Lock, panels map[uint64]store.Panel) lockJSON {
	r := lockJSON{ID: l.ID, Number: l.Number, Name: l.Name, Model: l.Model, Panel: l.Panel, PanelName: panels[l.Panel].Name,
		State: string(l.State), LowBattery: l.LowBattery(), Users: l.Users, Tags: l.Tags,
		Sync: string(l.Sync.State), SyncReason: l.Sync.Reason}
	if l.BatteryKnown() {
		b, seen := l.Battery, l.LastSeen
		r.Battery, r.LastSeen = &b, &seen
	}
	if r.Users == nil {
		r.Users = []int{}
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	return r
}

// battery is the grid's battery cell: a low battery says so in words,
// so it stands out without colour.
func battery(l store.Lock) string {
	switch {
	case !l.BatteryKnown():
		return "-"
	case l.LowBattery():
		return fmt.Sprintf("%d%% LOW", l.Battery)
	}
	return fmt.Sprintf("%d%%", l.Battery)
}

func (e *env) lockList(panelRef string, asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	var only uint64
	if panelRef != "" {
		p, err := e.s.FindPanel(e.actor, panelRef)
		if err != nil {
			return err
		}
		only = p.ID
	}
	locks, err := e.s.ListLocks(e.actor)
	if err != nil {
		return err
	}
	panels, err := e.panelsByID()
	if err != nil {
		return err
	}
	var shown []store.Lock
	rows := make([]lockJSON, 0, len(locks))
	for _, l := range locks {
		if only == 0 || l.Panel == only {
			shown = append(shown, l)
			rows = append(rows, lockRow(l, panels))
		}
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stdout, "No door locks.")
		return nil
	}
	t := newTable(e.stdout, "№", "Name", "Model", "Panel", "State", "Battery", "Users", "Tags", "Sync")
	for i, r := range rows {
		l := shown[i]
		t.row(strconv.FormatUint(r.ID, 10), r.Name, r.Model, fmt.Sprintf("%d (%s) lock %d", r.Panel, r.PanelName, r.Number),
			r.State, battery(l), strconv.Itoa(len(r.Users)), strconv.Itoa(len(r.Tags)), commandText(l.Sync))
	}
	return t.flush()
}

func (e *env) lockShow(ref string, asJSON bool) error {
	l, err := e.findLock(ref)
	if err != nil {
		return err
	}
	panels, err := e.panelsByID()
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, lockRow(l, panels))
	}
	p := panels[l.Panel]
	spec := l.Spec()
	w := newFields(e.stdout)
	w.add("Lock", "%s", l.Label())
	w.add("Panel", "%s, lock %d on it", p.Label(), l.Number)
	w.add("Model", "%s (users up to %d, tags %s, auto-lock %s)", l.Model, spec.UserSlots, tagsText(spec), yesNo(spec.AutoLock))
	w.add("State", "%s", l.State)
	w.add("Battery", "%s", battery(l))
	w.add("Last seen", "%s", localTime(l.LastSeen, logTime))
	w.add("Last command", "%s", commandText(l.Sync))
	users := "none"
	if len(l.Users) > 0 {
		var names []string
		for _, slot := range l.Users {
			name := "user " + strconv.Itoa(slot)
			if u, err := e.s.GetUser(e.actor, p.ID, slot); err == nil {
				name += " (" + u.DisplayLabel() + ")"
			}
			names = append(names, name)
		}
		users = strings.Join(names, ", ")
	}
	w.add("Users", "%s", users)
	w.add("Tags", "%s", dash(strings.Join(l.Tags, ", ")))
	if err := w.flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nActions:")
	t := newTable(e.stdout, "  action", "available")
	for _, a := range []struct {
		name string
		act  store.LockAction
	}{{"lock", store.ActLockDoor}, {"unlock", store.ActUnlockDoor}, {"assign", store.ActAssignToLock}, {"remove", store.ActRemoveLock}} {
		why := "yes"
		if err := e.s.CheckLock(e.actor, l, a.act); err != nil {
			why = "no: " + err.Error()
		}
		t.row("  "+a.name, why)
	}
	return t.flush()
}

func tagsText(s store.LockSpec) string {
	if !s.Tags {
		return "no"
	}
	return fmt.Sprintf("up to %d", s.MaxTags)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (e *env) lockAdd(panelRef string, l store.Lock) error {
	p, err := e.openPanel(panelRef)
	if err != nil {
		return err
	}
	l.Panel = p.ID
	l, err = e.s.AddLock(e.actor, l)
	if err = e.write(err); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Added %s, a %s, as lock %d of %s.\n", l.Label(), l.Model, l.Number, p.Label())
	return nil
}

func (e *env) lockRemove(ref string, force, yes bool) error {
	l, err := e.findLock(ref)
	if err != nil {
		return err
	}
	// Refused whatever the answer: let the store say why (and log it).
	refused := e.s.CheckLock(e.actor, l, store.ActRemoveLock) != nil && !force
	if !refused && !yes {
		what := fmt.Sprintf("removing %s", l.Label())
		if force && (len(l.Users) > 0 || len(l.Tags) > 0) {
			what += fmt.Sprintf(" unassigns %s and frees %s", plural(len(l.Users), "user", "users"), plural(len(l.Tags), "tag", "tags"))
		}
		if !e.terminal() {
			return &usageError{noUsage: true, msg: what + ": add --yes to confirm (there is no terminal to ask on); nothing was changed"}
		}
		if err := e.confirmTyped(upperFirst(what)+". Type yes: ", "yes", true); err != nil {
			return err
		}
	}
	if err := e.write(e.s.RemoveLock(e.actor, l.ID, force)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Removed %s.\n", l.Label())
	if len(l.Tags) > 0 {
		e.applyNow(l.Panel)
	}
	return nil
}

func (e *env) lockUser(args []string, op func(*store.Store, store.Actor, uint64, int) error, done string) error {
	slot, err := parseNumber(e.cmd, args[1], "SLOT")
	if err != nil {
		return err
	}
	l, err := e.findLock(args[0])
	if err != nil {
		return err
	}
	if err := e.write(op(e.s, e.actor, l.ID, slot)); err != nil {
		return err
	}
	e.applyNow(l.Panel)
	if l, err = e.s.GetLock(e.actor, l.ID); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Panel user %d %s %s; change %s.\n", slot, done, l.Label(), syncWords(l.Sync))
	return nil
}

func (e *env) lockUnlock(ref, reason string, yes bool) error {
	l, err := e.findLock(ref)
	if err != nil {
		return err
	}
	ask := ""
	// Without a reason, or when the rules refuse, the store says why
	// (and logs the attempt): there is nothing to confirm.
	if !yes && strings.TrimSpace(reason) != "" && e.s.CheckLock(e.actor, l, store.ActUnlockDoor) == nil {
		ask = fmt.Sprintf("Unlock %s (%q)? The door opens. Type yes: ", l.Label(), strings.TrimSpace(reason))
		if !e.terminal() {
			return &usageError{noUsage: true, msg: fmt.Sprintf("unlocking %s opens the door: add --yes to confirm (there is no terminal to ask on); nothing was changed", l.Label())}
		}
	}
	return e.lockCommand(ref, func(l store.Lock) error { return e.s.UnlockDoor(e.actor, l.ID, reason) }, ask)
}

// lockCommand sends a lock or unlock command, asking first when ask is a
// prompt, and reports what the lock did.
func (e *env) lockCommand(ref string, op func(store.Lock) error, ask string) error {
	l, err := e.findLock(ref)
	if err != nil {
		return err
	}
	if ask != "" {
		if err := e.confirmTyped(ask, "yes", true); err != nil {
			return err
		}
	}
	if err := e.write(op(l)); err != nil {
		return err
	}
	e.applyNow(l.Panel)
	l, err = e.s.GetLock(e.actor, l.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s; command %s.\n", upperFirst(l.Label()), l.State, syncWords(l.Sync))
	return nil
}
