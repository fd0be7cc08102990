package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/guardroom/guardroom/store"
)

func unitCommands() []*command {
	return []*command{
		{
			name: "unit list", maxArgs: 0,
			summary: "list the organization units in your scope, in tree order",
			example: "guardroom unit list",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.unitList(*asJSON) }
			},
		},
		{
			name: "unit add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add an organization unit (site, building, floor or area) under a parent",
			example: "guardroom unit add --parent Organization --kind site \"HQ\"\nguardroom unit add --parent \"HQ\" --kind building \"Block A\"",
			setup: func(fs *flag.FlagSet) runFunc {
				parent := fs.String("parent", "", "parent `UNIT`: number, name or path (see guardroom unit list)")
				kind := choice(fs, "kind", "", "`KIND` of the new unit: site, building, floor or area", string(store.UnitSite), string(store.UnitBuilding), string(store.UnitFloor), string(store.UnitArea))
				return func(e *env, args []string) error {
					if strings.TrimSpace(*parent) == "" || strings.TrimSpace(*kind) == "" {
						return usagef(e.cmd, "unit add needs --parent and --kind")
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					p, err := e.s.FindUnit(e.actor, *parent)
					if err != nil {
						return err
					}
					u, err := e.s.AddUnit(e.actor, p.ID, args[0], store.UnitKind(strings.ToLower(strings.TrimSpace(*kind))))
					if err = e.write(err); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Added %s %d: %s.\n", u.Kind, u.ID, e.s.UnitPath(u.ID))
					return nil
				}
			},
		},
	}
}

type unitJSON struct {
	store.Unit
	Path string `json:"path"`
}

func (e *env) unitList(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	units := e.s.ListUnits(e.actor)
	if asJSON {
		out := make([]unitJSON, 0, len(units))
		for _, u := range units {
			out = append(out, unitJSON{u, e.s.UnitPath(u.ID)})
		}
		return writeJSON(e.stdout, out)
	}
	t := newTable(e.stdout, "№", "Kind", "Name", "Path")
	for _, u := range units {
		t.row(strconv.FormatUint(u.ID, 10), string(u.Kind), u.Name, e.s.UnitPath(u.ID))
	}
	return t.flush()
}
