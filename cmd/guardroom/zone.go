package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/guardroom/guardroom/store"
)

func zoneCommands() []*command {
	return []*command{
		{
			name: "zone list", args: "PANEL", minArgs: 1, maxArgs: 1,
			summary: "list a panel's zones with their state as the panel last reported it",
			details: "Zones appear once the service has read them from the panel (the sim driver, and\n" +
				"later the Envisalink and Modbus drivers, report them). A state is \"unknown\" until\n" +
				"the panel reports it.",
			example: "guardroom zone list \"Main office\"\nguardroom zone list 1 --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.zoneList(args[0], *asJSON) }
			},
		},
		{
			name: "zone show", args: "PANEL N", minArgs: 2, maxArgs: 2,
			summary: "show one zone of a panel",
			example: "guardroom zone show 1 3",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.zoneShow(args[0], args[1], *asJSON) }
			},
		},
		{
			name: "zone label", args: "PANEL N LABEL", minArgs: 3, maxArgs: 3,
			summary: "rename zone N of a panel (needs \"manage equipment\")",
			example: "guardroom zone label 1 3 \"Warehouse door\"",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					return e.zoneChange(args, func(p store.Panel, n int) (string, error) {
						return fmt.Sprintf("Zone %d of %s is now labelled %q.", n, p.Label(), strings.TrimSpace(args[2])),
							e.s.SetZoneLabel(e.actor, p.ID, n, args[2])
					})
				}
			},
		},
		{
			name: "zone type", args: "PANEL N TYPE", minArgs: 3, maxArgs: 3,
			summary: "say what zone N of a panel is for (needs \"manage equipment\"); the panel's reports do not change it after",
			details: "TYPE is one of: " + zoneTypeNames() + ".",
			example: "guardroom zone type 1 3 \"door contact\"",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					return e.zoneChange(args, func(p store.Panel, n int) (string, error) {
						t := store.ZoneType(strings.TrimSpace(args[2]))
						return fmt.Sprintf("Zone %d of %s is now a %s zone.", n, p.Label(), t), e.s.SetZoneType(e.actor, p.ID, n, t)
					})
				}
			},
		},
	}
}

// zoneChange runs a change of zone args[1] of panel args[0] and prints
// what it says once the change is made.
func (e *env) zoneChange(args []string, change func(p store.Panel, n int) (done string, err error)) error {
	n, err := parseNumber(e.cmd, args[1], "N (the zone number)")
	if err != nil {
		return err
	}
	p, err := e.openPanel(args[0])
	if err != nil {
		return err
	}
	done, err := change(p, n)
	if err := e.write(err); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, done)
	return nil
}

func zoneTypeNames() string {
	var names []string
	for _, t := range store.ZoneTypes() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

func (e *env) zoneList(ref string, asJSON bool) error {
	p, err := e.openPanel(ref)
	if err != nil {
		return err
	}
	zs, err := e.s.ListZones(e.actor, p.ID)
	if err != nil {
		return err
	}
	if asJSON {
		if zs == nil {
			zs = []store.Zone{}
		}
		return writeJSON(e.stdout, zs)
	}
	if len(zs) == 0 {
		fmt.Fprintf(e.stdout, "%s has reported no zones yet.\n", p.Label())
		return nil
	}
	t := newTable(e.stdout, "№", "Label", "Partition", "Type", "State", "Since")
	for _, z := range zs {
		t.row(strconv.Itoa(z.Number), z.Label, strconv.Itoa(z.Partition), string(z.Type), string(z.State), zoneSince(z))
	}
	return t.flush()
}

func zoneSince(z store.Zone) string {
	if z.Changed.IsZero() {
		return "-"
	}
	return localTime(z.Changed, logTime)
}

func (e *env) zoneShow(ref, num string, asJSON bool) error {
	n, err := parseNumber(e.cmd, num, "N (the zone number)")
	if err != nil {
		return err
	}
	p, err := e.openPanel(ref)
	if err != nil {
		return err
	}
	z, err := e.s.GetZone(e.actor, p.ID, n)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, z)
	}
	w := newFields(e.stdout)
	w.add("Panel", "%s", p.Label())
	w.add("Zone", "%d", z.Number)
	w.add("Label", "%s", z.Label)
	w.add("Partition", "%d", z.Partition)
	w.add("Type", "%s", z.Type)
	w.add("State", "%s", z.State)
	w.add("Since", "%s", zoneSince(z))
	return w.flush()
}
