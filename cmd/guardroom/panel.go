package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

func panelCommands() []*command {
	return []*command{
		{
			name: "panel list", maxArgs: 0,
			summary: "list the panels in your organization units",
			example: "guardroom panel list\nguardroom panel list --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.panelList(*asJSON) }
			},
		},
		{
			name: "panel show", args: "PANEL", minArgs: 1, maxArgs: 1,
			summary: "show one panel and its partitions (PANEL is its number, name or IMEI)",
			example: "guardroom panel show \"Main office\"",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.panelShow(args[0], *asJSON) }
			},
		},
		{
			name: "panel add", maxArgs: 0,
			summary: "add a panel; its slots, code length and partitions follow its family",
			details: "See 'guardroom panel families' for the family IDs and what each allows.",
			example: "guardroom panel add --name \"Main office\" --family dsc-pc1864 --imei 490154203237518 --unit \"HQ\"",
			setup: func(fs *flag.FlagSet) runFunc {
				var np store.NewPanel
				var unit string
				var duress optBool
				fs.StringVar(&np.Name, "name", "", "panel `NAME` (1-48 characters, unique)")
				choiceVar(fs, &np.Family, "family", "", "panel family `ID`, e.g. dsc-pc1864 (see guardroom panel families)", familyIDs()...)
				fs.StringVar(&np.IMEI, "imei", "", "the panel's 15-digit `IMEI` (Luhn-checked)")
				fs.StringVar(&unit, "unit", "", "organization `UNIT` the panel belongs to: number, name or path")
				fs.IntVar(&np.CodeLength, "code-length", 0, "code length in `DIGITS` (default: the family's first allowed length)")
				fs.IntVar(&np.Slots, "slots", 0, "number of user `SLOTS`, where the family allows changing it (default: the family's)")
				choiceVar(fs, &np.Driver, "driver", "guided", "device `DRIVER` that programs the panel (guardroom panel drivers)", drivers.Names()...)
				fs.StringVar(&np.Address, "address", "", "the driver's `ADDRESS` of the panel (tcp://host:port, rtu:///dev/ttyUSB0, ...)")
				opts := optionFlag{}
				fs.Var(opts, "option", "a driver option `NAME=VALUE` (repeatable)")
				fs.Var(&duress, "duress-plus-one", "`true|false`: refuse codes next to another user's code, where code + 1 is the duress code (default: the family's)")
				return func(e *env, _ []string) error {
					var missing []string
					for _, f := range []struct{ name, v string }{{"--name", np.Name}, {"--family", np.Family}, {"--imei", np.IMEI}, {"--unit", unit}} {
						if strings.TrimSpace(f.v) == "" {
							missing = append(missing, f.name)
						}
					}
					if len(missing) > 0 {
						return usagef(e.cmd, "panel add needs %s", strings.Join(missing, ", "))
					}
					if err := checkDriver(e.cmd, np.Driver); err != nil {
						return err
					}
					np.DuressPlusOne = duress.v
					if len(opts) > 0 {
						np.Options = opts
					}
					return e.panelAdd(np, unit)
				}
			},
		},
		{
			name: "panel families", maxArgs: 0,
			summary: "the table of panel families: slots, master slot, code lengths, partitions, roles",
			example: "guardroom panel families",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.panelFamilies(*asJSON) }
			},
		},
	}
}

func partitionCommands() []*command {
	return []*command{
		{
			name: "partition list", args: "PANEL", minArgs: 1, maxArgs: 1,
			summary: "list a panel's partitions with their state and how many users hold each",
			example: "guardroom partition list 1",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.partitionList(args[0], *asJSON) }
			},
		},
		{
			name: "partition label", args: "PANEL N LABEL", minArgs: 3, maxArgs: 3,
			summary: "rename partition N of a panel",
			example: "guardroom partition label 1 2 \"Warehouse\"",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					n, err := parseNumber(e.cmd, args[1], "N (the partition number)")
					if err != nil {
						return err
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					p, err := e.s.FindPanel(e.actor, args[0])
					if err != nil {
						return err
					}
					if err := e.write(e.s.SetPartitionLabel(e.actor, p.ID, n, args[2])); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Partition %d of %s is now labelled %q.\n", n, p.Label(), strings.TrimSpace(args[2]))
					return nil
				}
			},
		},
	}
}

func jsonFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("json", false, "print JSON instead of columns")
}

// optBool is a boolean flag that knows whether it was given.
type optBool struct{ v *bool }

func (o *optBool) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return strconv.FormatBool(*o.v)
}

func (o *optBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	o.v = &b
	return nil
}

func (o *optBool) IsBoolFlag() bool { return true }

// parseNumber reads a positive number argument. The bad value is not
// repeated: it may be a code typed in the wrong place.
func parseNumber(c *command, s, what string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, usagef(c, "%s must be a number from 1", what)
	}
	return n, nil
}

type panelJSON struct {
	ID            uint64 `json:"id"`
	Name          string `json:"name"`
	Unit          uint64 `json:"unit"`
	UnitPath      string `json:"unit_path"`
	Family        string `json:"family"`
	Model         string `json:"model"`
	Type          string `json:"type"`
	IMEI          string `json:"imei"`
	Driver        string `json:"driver"`
	Address       string `json:"address,omitempty"`
	Slots         int    `json:"slots"`
	MasterSlot    int    `json:"master_slot"`
	CodeLength    int    `json:"code_length"`
	Partitions    int    `json:"partitions"`
	DuressPlusOne bool   `json:"duress_plus_one"`
	CodesSet      int    `json:"codes_set"`
	// Secrets names the secrets guardroom keeps for the panel's driver,
	// never their values.
	Secrets    []store.SecretKind `json:"secrets"`
	Connection store.Connection   `json:"connection"`
	Created    time.Time          `json:"created"`
}

func (e *env) panelJSON(p store.Panel) panelJSON {
	f := p.Spec()
	return panelJSON{ID: p.ID, Name: p.Name, Unit: p.Unit, UnitPath: e.s.UnitPath(p.Unit), Family: p.Family,
		Model: f.Model, Type: string(f.Type), IMEI: p.IMEI, Driver: p.Driver, Address: p.Address,
		Slots: p.Slots, MasterSlot: f.MasterSlot, CodeLength: p.CodeLength, Partitions: f.Partitions,
		DuressPlusOne: p.DuressPlusOne, CodesSet: p.CodesSet, Secrets: append([]store.SecretKind{}, p.Secrets...), Connection: p.Conn, Created: p.Created}
}

func connection(p store.Panel) string {
	c := p.Conn
	switch {
	case p.KeypadOnly():
		return "none: programmed by hand at the keypad"
	case c.Online:
		return "online"
	case c.Misconfigured:
		return fmt.Sprintf("misconfigured since %s: %s", localTime(c.Since, logTime), c.LastError)
	case c.Since.IsZero() && c.LastError == "":
		return "not contacted yet"
	case c.LastError != "":
		return fmt.Sprintf("offline since %s: %s", localTime(c.Since, logTime), c.LastError)
	}
	return "offline since " + localTime(c.Since, logTime)
}

func (e *env) panelList(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	panels, err := e.s.ListPanels(e.actor)
	if err != nil {
		return err
	}
	return e.printPanels(panels, asJSON)
}

func (e *env) printPanels(panels []store.Panel, asJSON bool) error {
	if asJSON {
		out := make([]panelJSON, 0, len(panels))
		for _, p := range panels {
			out = append(out, e.panelJSON(p))
		}
		return writeJSON(e.stdout, out)
	}
	t := newTable(e.stdout, "№", "Name", "Model", "IMEI", "Unit", "Codes", "Partitions", "Driver", "Connection")
	for _, p := range panels {
		t.row(strconv.FormatUint(p.ID, 10), p.Name, p.Spec().Model, p.IMEI, e.s.UnitPath(p.Unit),
			fmt.Sprintf("%d/%d", p.CodesSet, p.Slots), strconv.Itoa(p.Partitions()), p.Driver, connection(p))
	}
	return t.flush()
}

func (e *env) panelShow(ref string, asJSON bool) error {
	p, err := e.openPanel(ref)
	if err != nil {
		return err
	}
	parts, err := e.s.ListPartitions(e.actor, p.ID)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, e.panelJSON(p))
	}
	f := p.Spec()
	yes := map[bool]string{true: "yes", false: "no"}
	w := newFields(e.stdout)
	w.add("Panel", "%s", p.Label())
	w.add("Unit", "%s", e.s.UnitPath(p.Unit))
	w.add("Model", "%s (family %s, type %s)", f.Model, f.ID, f.Type)
	w.add("IMEI", "%s", p.IMEI)
	if p.Address != "" {
		w.add("Driver", "%s at %s", p.Driver, p.Address)
	} else {
		w.add("Driver", "%s", p.Driver)
	}
	w.add("User slots", "%d (Master slot %d), %d with a code", p.Slots, f.MasterSlot, p.CodesSet)
	w.add("Code length", "%d digits", p.CodeLength)
	w.add("Duress = code + 1", "%s", yes[p.DuressPlusOne])
	w.add("Roles", "%s", rolesText(f.Roles))
	w.add("Partitions", "%d (user partitions editable: %s)", f.Partitions, yes[f.PartitionEditing])
	w.add("Keypad prox tags", "%s", yes[f.KeypadProx])
	w.add("Door locks", "%s", yes[f.DoorLocks])
	w.add("Device secrets", "%s", secretsText(p))
	w.add("Connection", "%s", connection(p))
	if p.Conn.Transport != "" {
		w.add("Transport", "%s", p.Conn.Transport)
	}
	if !p.Conn.LastSeen.IsZero() {
		w.add("Last answer", "%s", localTime(p.Conn.LastSeen, logTime))
	}
	if p.Conn.Online && p.Conn.LastError != "" {
		w.add("Last error", "%s", p.Conn.LastError)
	}
	if p.Conn.Warning != "" {
		w.add("Warning", "%s", p.Conn.Warning)
	}
	c, err := e.s.SyncCounts(e.actor, p.ID)
	if err != nil {
		return err
	}
	w.add("Queue", "%s", countsText(c))
	w.add("Created", "%s", localTime(p.Created, logTime))
	if err := w.flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	t := newTable(e.stdout, "Partition", "Label", "State", "Last command")
	for _, pt := range parts {
		t.row(strconv.Itoa(pt.Number), pt.Label, string(pt.State), commandText(pt.Sync))
	}
	return t.flush()
}

// commandText is a partition's last arm/disarm command, for tables.
func commandText(s store.Sync) string {
	if s.State == "" {
		return "-"
	}
	return s.String()
}

func rolesText(roles []family.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func (e *env) panelAdd(np store.NewPanel, unitRef string) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	u, err := e.s.FindUnit(e.actor, unitRef)
	if err != nil {
		return err
	}
	np.Unit = u.ID
	np.IMEI = strings.TrimSpace(np.IMEI)
	p, err := e.s.AddPanel(e.actor, np)
	if err = e.write(err); err != nil {
		return err
	}
	f := p.Spec()
	fmt.Fprintf(e.stdout, "Added %s: %s in %s, %d user slots (Master slot %d), %d-digit codes, %s.\n",
		p.Label(), f.Model, e.s.UnitPath(p.Unit), p.Slots, f.MasterSlot, p.CodeLength, plural(f.Partitions, "partition", "partitions"))
	return nil
}

type familyJSON struct {
	ID               string   `json:"id"`
	Type             string   `json:"type"`
	Model            string   `json:"model"`
	Slots            int      `json:"slots"`
	MaxSlots         int      `json:"max_slots"`
	MasterSlot       int      `json:"master_slot"`
	CodeLengths      []int    `json:"code_lengths"`
	Partitions       int      `json:"partitions"`
	Roles            []string `json:"roles"`
	KeypadProx       bool     `json:"keypad_prox"`
	DoorLocks        bool     `json:"door_locks"`
	PartitionEditing bool     `json:"partition_editing"`
	DuressPlusOne    bool     `json:"duress_plus_one"`
}

// familyIDs are the IDs of the panel families, for completion.
func familyIDs() []string {
	var ids []string
	for _, f := range family.All() {
		ids = append(ids, f.ID)
	}
	return ids
}

func (e *env) panelFamilies(asJSON bool) error {
	fams := family.All()
	if asJSON {
		out := make([]familyJSON, 0, len(fams))
		for _, f := range fams {
			roles := make([]string, len(f.Roles))
			for i, r := range f.Roles {
				roles[i] = string(r)
			}
			out = append(out, familyJSON{ID: f.ID, Type: string(f.Type), Model: f.Model, Slots: f.Slots, MaxSlots: f.MaxSlots,
				MasterSlot: f.MasterSlot, CodeLengths: f.CodeLengths, Partitions: f.Partitions, Roles: roles,
				KeypadProx: f.KeypadProx, DoorLocks: f.DoorLocks, PartitionEditing: f.PartitionEditing, DuressPlusOne: f.DuressPlusOne})
		}
		return writeJSON(e.stdout, out)
	}
	t := newTable(e.stdout, "ID", "Type", "Model", "Slots", "Master slot", "Code lengths", "Partitions", "Roles")
	for _, f := range fams {
		slots := strconv.Itoa(f.Slots)
		if f.MaxSlots > f.Slots {
			slots += fmt.Sprintf(" (up to %d)", f.MaxSlots)
		}
		lengths := make([]string, len(f.CodeLengths))
		for i, n := range f.CodeLengths {
			lengths[i] = strconv.Itoa(n)
		}
		t.row(f.ID, string(f.Type), f.Model, slots, strconv.Itoa(f.MasterSlot), strings.Join(lengths, ", "), strconv.Itoa(f.Partitions), rolesText(f.Roles))
	}
	return t.flush()
}

func (e *env) partitionList(ref string, asJSON bool) error {
	p, err := e.openPanel(ref)
	if err != nil {
		return err
	}
	parts, err := e.s.ListPartitions(e.actor, p.ID)
	if err != nil {
		return err
	}
	users, err := e.s.ListUsers(e.actor, p.ID)
	if err != nil {
		return err
	}
	holders := map[int]int{}
	for _, u := range users {
		if u.CodeSet {
			for _, n := range u.Partitions.List() {
				holders[n]++
			}
		}
	}
	if asJSON {
		type partJSON struct {
			store.Partition
			Users int `json:"users"`
		}
		out := make([]partJSON, 0, len(parts))
		for _, pt := range parts {
			out = append(out, partJSON{pt, holders[pt.Number]})
		}
		return writeJSON(e.stdout, out)
	}
	t := newTable(e.stdout, "№", "Label", "State", "Users", "Last command")
	for _, pt := range parts {
		t.row(strconv.Itoa(pt.Number), pt.Label, string(pt.State), strconv.Itoa(holders[pt.Number]), commandText(pt.Sync))
	}
	return t.flush()
}

// secretsText says which secrets guardroom keeps for a panel's driver.
func secretsText(p store.Panel) string {
	if len(p.Secrets) == 0 {
		return "none kept"
	}
	names := make([]string, len(p.Secrets))
	for i, k := range p.Secrets {
		names[i] = string(k)
	}
	return strings.Join(names, ", ") + " kept (never shown; change with guardroom panel secret)"
}
