package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
)

// Roles are named sets of permissions: the predefined ones (their
// permissions fixed in the store) and the site's own custom roles.

func roleCommands() []*command {
	return []*command{
		{
			name: "operator roles", maxArgs: 0,
			summary: "list the roles with their permissions and whether they require a second factor",
			example: "guardroom operator roles\nguardroom operator roles --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.operatorRoles(*asJSON) }
			},
		},
		{
			name: "operator role add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "make a custom role from permissions",
			details: "Permissions: " + permNames() + ".\nNobody makes a role with permissions they do not have.",
			example: "guardroom operator role add \"Night guard\" --perm \"view equipment,arm/disarm,lock/unlock doors\" --require-2fa",
			setup: func(fs *flag.FlagSet) runFunc {
				perms := fs.String("perm", "", "the role's `PERMISSIONS`, separated by commas")
				require := fs.Bool("require-2fa", false, "operators with this role must enrol a second factor")
				desc := fs.String("description", "", "what the role is for, in one line of `TEXT`")
				return func(e *env, args []string) error {
					if strings.TrimSpace(*perms) == "" {
						return usagef(e.cmd, "operator role add needs --perm")
					}
					p, err := parsePerms(e.cmd, *perms)
					if err != nil {
						return err
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					r := store.Role{Name: args[0], Perms: p, Require2FA: *require, Description: strings.TrimSpace(*desc)}
					if err := e.write(e.s.AddRole(e.actor, r)); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Added role %s: %s; second factor %s.\n", strings.TrimSpace(r.Name), r.Perms, optionalOr(r.Require2FA))
					return nil
				}
			},
		},
		{
			name: "operator role edit", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "change a role's permissions, description or second-factor requirement",
			details: "Only the flags given change. A predefined role's permissions are fixed; it can still\n" +
				"be made to require a second factor. Operators holding the role get the change at\n" +
				"their next call.",
			example: "guardroom operator role edit \"Night guard\" --perm \"view equipment,arm/disarm\"\nguardroom operator role edit Installer --require-2fa\nguardroom operator role edit Installer --require-2fa=false",
			setup: func(fs *flag.FlagSet) runFunc {
				perms := fs.String("perm", "", "the role's new `PERMISSIONS`, separated by commas")
				require := fs.Bool("require-2fa", false, "operators with this role must enrol a second factor (=false: optional)")
				desc := fs.String("description", "", "what the role is for, in one line of `TEXT`")
				return func(e *env, args []string) error {
					set := map[string]bool{}
					fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
					if !set["perm"] && !set["require-2fa"] && !set["description"] {
						return usagef(e.cmd, "operator role edit needs at least one of --perm, --require-2fa, --description")
					}
					var p store.Perm
					if set["perm"] {
						var err error
						if p, err = parsePerms(e.cmd, *perms); err != nil {
							return err
						}
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					r, err := e.findRole(args[0])
					if err != nil {
						return err
					}
					if set["perm"] {
						r.Perms = p
					}
					if set["require-2fa"] {
						r.Require2FA = *require
					}
					if set["description"] {
						r.Description = strings.TrimSpace(*desc)
					}
					if err := e.write(e.s.UpdateRole(e.actor, r)); err != nil {
						return err
					}
					if r, err = e.findRole(r.Name); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Changed role %s: %s; second factor %s.\n", r.Name, r.Perms, optionalOr(r.Require2FA))
					return nil
				}
			},
		},
		{
			name: "operator role remove", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "delete a custom role that nobody holds",
			example: "guardroom operator role remove \"Night guard\"",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					if err := e.write(e.s.RemoveRole(e.actor, args[0])); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Removed role %s.\n", strings.TrimSpace(args[0]))
					return nil
				}
			},
		},
	}
}

// roleJSON is a role as --json prints it, its permissions by name.
type roleJSON struct {
	Name        string    `json:"name"`
	Permissions []string  `json:"permissions"`
	Require2FA  bool      `json:"require_2fa"`
	Builtin     bool      `json:"builtin"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created,omitzero"`
}

func (e *env) operatorRoles(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	roles, err := e.s.ListRoles(e.actor)
	if err != nil {
		return err
	}
	if asJSON {
		out := []roleJSON{}
		for _, r := range roles {
			j := roleJSON{Name: r.Name, Permissions: []string{}, Require2FA: r.Require2FA, Builtin: r.Builtin, Description: r.Description, Created: r.Created}
			for _, p := range store.Perms() {
				if r.Perms&p != 0 {
					j.Permissions = append(j.Permissions, p.String())
				}
			}
			out = append(out, j)
		}
		return writeJSON(e.stdout, out)
	}
	t := newTable(e.stdout, "Role", "Kind", "2FA", "Permissions", "Description")
	for _, r := range roles {
		kind := "custom"
		if r.Builtin {
			kind = "predefined"
		}
		perms := r.Perms.String()
		if r.Perms == allPerms() {
			perms = "all"
		}
		t.row(r.Name, kind, map[bool]string{true: "required", false: "optional"}[r.Require2FA], perms, dash(r.Description))
	}
	return t.flush()
}

// findRole finds a role by name, in any case.
func (e *env) findRole(name string) (store.Role, error) {
	roles, err := e.s.ListRoles(e.actor)
	if err != nil {
		return store.Role{}, err
	}
	for _, r := range roles {
		if strings.EqualFold(r.Name, strings.TrimSpace(name)) {
			return r, nil
		}
	}
	return store.Role{}, &store.Refusal{Kind: store.ErrNotFound, Msg: fmt.Sprintf("no role %q: see guardroom operator roles", name)}
}

// parsePerms reads comma-separated permission names.
func parsePerms(c *command, list string) (store.Perm, error) {
	var p store.Perm
	for _, name := range strings.Split(list, ",") {
		if strings.TrimSpace(name) == "" {
			continue
		}
		one, ok := store.ParsePerm(name)
		if !ok {
			return 0, usagef(c, "--perm: unknown permission %q: choose from %s", strings.TrimSpace(name), permNames())
		}
		p |= one
	}
	return p, nil
}

func permNames() string {
	var names []string
	for _, p := range store.Perms() {
		names = append(names, p.String())
	}
	return strings.Join(names, ", ")
}

func allPerms() store.Perm {
	var all store.Perm
	for _, p := range store.Perms() {
		all |= p
	}
	return all
}

func optionalOr(required bool) string {
	if required {
		return "required"
	}
	return "optional"
}
