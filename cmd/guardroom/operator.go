package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/guardroom/guardroom/store"
)

func operatorCommands() []*command {
	return []*command{
		{
			name: "operator list", maxArgs: 0,
			summary: "list the operators with their role and organization units",
			example: "guardroom operator list",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.operatorList(*asJSON) }
			},
		},
		{
			name: "operator add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add an operator with a predefined role and one or more organization units",
			details: "Roles: " + strings.Join(store.RoleNames(), ", ") + ". Operator login and passwords come\nin a later release.",
			example: "guardroom operator add jsmith --role Guard --unit \"HQ\" --name \"Jane Smith\"\nguardroom operator add installer1 --role Installer --unit 2,5",
			setup: func(fs *flag.FlagSet) runFunc {
				role := fs.String("role", "", "the operator's `ROLE`: "+strings.Join(store.RoleNames(), ", "))
				units := fs.String("unit", "", "organization `UNITS` the operator may see and change, separated by commas")
				full := fs.String("name", "", "the operator's full `NAME`")
				return func(e *env, args []string) error {
					if strings.TrimSpace(*role) == "" || strings.TrimSpace(*units) == "" {
						return usagef(e.cmd, "operator add needs --role and --unit")
					}
					return e.operatorAdd(args[0], *role, *units, *full)
				}
			},
		},
	}
}

func (e *env) operatorList(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	ops, err := e.s.ListOperators(e.actor)
	if err != nil {
		return err
	}
	if ops == nil {
		ops = []store.Operator{}
	}
	if asJSON {
		return writeJSON(e.stdout, ops)
	}
	t := newTable(e.stdout, "Operator", "Name", "Role", "Units", "Status", "Created")
	for _, op := range ops {
		paths := make([]string, len(op.Units))
		for i, u := range op.Units {
			paths[i] = e.s.UnitPath(u)
		}
		t.row(op.Username, dash(op.Name), op.RoleNames(), strings.Join(paths, ", "), op.Status(e.s.Now()), localTime(op.Created, logTime))
	}
	return t.flush()
}

func (e *env) operatorAdd(username, role, unitRefs, full string) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	for _, r := range store.RoleNames() {
		if strings.EqualFold(r, strings.TrimSpace(role)) {
			role = r
		}
	}
	var units []uint64
	for _, ref := range strings.Split(unitRefs, ",") {
		if strings.TrimSpace(ref) == "" {
			continue
		}
		u, err := e.s.FindUnit(e.actor, ref)
		if err != nil {
			return err
		}
		units = append(units, u.ID)
	}
	op := store.NewOperator{Username: username, Name: strings.TrimSpace(full), Grants: []store.Grant{{Role: role}}, Units: units}
	oneTime, err := e.s.AddOperator(e.actor, op)
	if err := e.write(err); err != nil {
		return err
	}
	paths := make([]string, len(units))
	for i, u := range units {
		paths[i] = e.s.UnitPath(u)
	}
	fmt.Fprintf(e.stdout, "Added operator %s (%s) for %s.\nOne-time password: %s\nGive it to %s in person; it is shown only now and must be changed at the first login.\n",
		username, role, strings.Join(paths, ", "), oneTime, username)
	return nil
}
