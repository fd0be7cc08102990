package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
)

// timeHelp is how every TIME flag of the operator commands is written.
const timeHelp = "2026-12-31 (the end of that day), 2026-12-31 18:00 (local time) or RFC 3339"

func operatorCommands() []*command {
	// grantFlags are the flags operator add and edit share.
	type grantFlags struct {
		roles, units, name, email, expires *string
		roleExpires                        roleExpiryFlag
	}
	addGrantFlags := func(fs *flag.FlagSet, edit bool) *grantFlags {
		g := &grantFlags{roleExpires: roleExpiryFlag{}}
		replace := ""
		if edit {
			replace = " (replaces the current ones)"
		}
		g.roles = fs.String("role", "", "the operator's `ROLES`, separated by commas: "+strings.Join(store.RoleNames(), ", ")+" or a custom role"+replace)
		g.units = fs.String("unit", "", "organization `UNITS` the operator may see and change, separated by commas"+replace)
		g.name = fs.String("name", "", "the operator's full `NAME`")
		g.email = fs.String("email", "", "the operator's email `ADDRESS`, for security notices")
		never := ""
		if edit {
			never = ", or never"
		}
		g.expires = fs.String("expires", "", "end the operator's whole access at `TIME`: "+timeHelp+never)
		fs.Var(g.roleExpires, "role-expires", "end one role at a time: `ROLE=TIME` (repeatable"+never+")")
		return g
	}
	simple := func(name, summary, details, example string, op func(e *env, username string) error) *command {
		return &command{
			name: "operator " + name, args: "NAME", minArgs: 1, maxArgs: 1,
			summary: summary, details: details, example: example,
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					return op(e, args[0])
				}
			},
		}
	}
	return []*command{
		{
			name: "operator list", maxArgs: 0,
			summary: "list the operators with their roles, organization units and status",
			example: "guardroom operator list\nguardroom operator list --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.operatorList(*asJSON) }
			},
		},
		{
			name: "operator show", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "show one operator: roles and when they end, units, status, second factor, SSH keys",
			example: "guardroom operator show jsmith\nguardroom operator show jsmith --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					return e.operatorShow(args[0], *asJSON)
				}
			},
		},
		{
			name: "operator add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add an operator with roles and organization units; prints their one-time password once",
			details: "Roles: " + strings.Join(store.RoleNames(), ", ") + ", or a custom role (guardroom operator roles).\n" +
				"Nobody grants a role holding permissions they do not have. The one-time password must\n" +
				"be changed at the first login.",
			example: "guardroom operator add jsmith --role Guard --unit \"HQ\" --name \"Jane Smith\" --email jane@example.com\n" +
				"guardroom operator add installer1 --role Installer,Guard --unit 2,5 --role-expires Installer=2026-12-31",
			setup: func(fs *flag.FlagSet) runFunc {
				g := addGrantFlags(fs, false)
				return func(e *env, args []string) error {
					if strings.TrimSpace(*g.roles) == "" || strings.TrimSpace(*g.units) == "" {
						return usagef(e.cmd, "operator add needs --role and --unit")
					}
					n := store.NewOperator{Username: args[0], Name: strings.TrimSpace(*g.name), Email: strings.TrimSpace(*g.email)}
					var err error
					if n.Expires, err = parseExpiry(e.cmd, "--expires", *g.expires, false); err != nil {
						return err
					}
					if n.Grants, err = g.roleExpires.apply(e.cmd, grantsFor(*g.roles, nil), false); err != nil {
						return err
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					if n.Units, err = e.findUnits(*g.units); err != nil {
						return err
					}
					return e.operatorAdd(n)
				}
			},
		},
		{
			name: "operator edit", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "change an operator's roles, units, name, email or when their access ends",
			details: "Only the flags given change. --role replaces the roles; a role kept keeps its end.\n" +
				"The operator's open sessions end: they log in again with the new roles.",
			example: "guardroom operator edit jsmith --role Guard,Supervisor --role-expires Supervisor=2026-07-01\n" +
				"guardroom operator edit jsmith --unit HQ,Depot --email jane@example.com\n" +
				"guardroom operator edit jsmith --expires never",
			setup: func(fs *flag.FlagSet) runFunc {
				g := addGrantFlags(fs, true)
				return func(e *env, args []string) error {
					set := map[string]bool{}
					fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
					if !set["role"] && !set["unit"] && !set["name"] && !set["email"] && !set["expires"] && !set["role-expires"] {
						return usagef(e.cmd, "operator edit needs at least one of --role, --unit, --name, --email, --expires, --role-expires")
					}
					if set["role"] && strings.TrimSpace(*g.roles) == "" {
						return usagef(e.cmd, "--role needs at least one role")
					}
					expires, err := parseExpiry(e.cmd, "--expires", *g.expires, true)
					if err != nil {
						return err
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					o, err := e.s.GetOperator(e.actor, args[0])
					if err != nil {
						return err
					}
					if set["role"] {
						o.Grants = grantsFor(*g.roles, o.Grants)
					}
					if o.Grants, err = g.roleExpires.apply(e.cmd, o.Grants, true); err != nil {
						return err
					}
					if set["unit"] {
						if o.Units, err = e.findUnits(*g.units); err != nil {
							return err
						}
					}
					if set["name"] {
						o.Name = strings.TrimSpace(*g.name)
					}
					if set["email"] {
						o.Email = strings.TrimSpace(*g.email)
					}
					if set["expires"] {
						o.Expires = expires
					}
					if err := e.write(e.s.UpdateOperator(e.actor, o)); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Changed operator %s; their open sessions end.\n\n", o.Username)
					return e.operatorShow(o.Username, false)
				}
			},
		},
		simple("suspend", "stop an operator from logging in; their open sessions end", "",
			"guardroom operator suspend jsmith",
			func(e *env, name string) error {
				if err := e.write(e.s.SuspendOperator(e.actor, name)); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Suspended operator %s: they cannot log in, and their open sessions end. Undo with guardroom operator reactivate %s.\n", name, name)
				return nil
			}),
		simple("reactivate", "let a suspended operator log in again", "",
			"guardroom operator reactivate jsmith",
			func(e *env, name string) error {
				if err := e.write(e.s.ReactivateOperator(e.actor, name)); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Reactivated operator %s: they can log in again.\n", name)
				return nil
			}),
		{
			name: "operator remove", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "delete an operator (asks to type the name); their log entries stay",
			details: "To stop someone for a while, suspend them instead: that can be undone.",
			example: "guardroom operator remove jsmith\nguardroom operator remove jsmith --yes",
			setup: func(fs *flag.FlagSet) runFunc {
				yes := fs.Bool("yes", false, "do not ask (required when there is no terminal)")
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					return e.operatorRemove(args[0], *yes)
				}
			},
		},
		{
			name: "operator expire", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "end an operator's whole access at a time (--at), or never (--never)",
			details: "TIME is " + timeHelp + ". To end one role only, use\noperator edit --role-expires.",
			example: "guardroom operator expire contractor1 --at \"2026-12-31 18:00\"\nguardroom operator expire contractor1 --never",
			setup: func(fs *flag.FlagSet) runFunc {
				at := fs.String("at", "", "end the access at `TIME`")
				never := fs.Bool("never", false, "the access never ends")
				return func(e *env, args []string) error {
					if (*at == "") == !*never {
						return usagef(e.cmd, "operator expire needs --at TIME or --never")
					}
					when, err := parseExpiry(e.cmd, "--at", *at, false)
					if err != nil {
						return err
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					o, err := e.s.GetOperator(e.actor, args[0])
					if err != nil {
						return err
					}
					o.Expires = when
					if err := e.write(e.s.UpdateOperator(e.actor, o)); err != nil {
						return err
					}
					if when.IsZero() {
						fmt.Fprintf(e.stdout, "The access of operator %s never ends.\n", o.Username)
					} else {
						fmt.Fprintf(e.stdout, "The access of operator %s ends at %s.\n", o.Username, localTime(when, timeLayout))
					}
					return nil
				}
			},
		},
		simple("unlock", "lift the lockout of an operator after failed logins", "",
			"guardroom operator unlock jsmith",
			func(e *env, name string) error {
				if err := e.write(e.s.UnlockOperator(e.actor, name)); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Unlocked operator %s: they can log in again.\n", name)
				return nil
			}),
		simple("reset-password", "give an operator a new one-time password, printed once",
			"Their open sessions end; they choose a new password at the next login.",
			"guardroom operator reset-password jsmith",
			func(e *env, name string) error {
				pw, err := e.s.ResetOperatorPassword(e.actor, name)
				if err := e.write(err); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "New one-time password of operator %s: %s\nGive it to %s in person; it is shown only now and must be changed at the next login.\n", name, pw, name)
				return nil
			}),
		simple("reset-2fa", "remove an operator's second factor (a lost phone)",
			"They enrol a new one at the next login when a role requires it (guardroom operator 2fa).",
			"guardroom operator reset-2fa jsmith",
			func(e *env, name string) error {
				if err := e.write(e.s.ResetSecondFactor(e.actor, name)); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Removed the second factor of operator %s: their recovery codes no longer work, and they enrol again with guardroom operator 2fa.\n", name)
				return nil
			}),
		{
			name: "operator add-key", args: "NAME [KEY]", minArgs: 1, maxArgs: -1,
			summary: "let an SSH public key log an operator in to the SSH console",
			details: "KEY is one line of the operator's .pub file (\"ssh-ed25519 AAAA... name@host\"), as\n" +
				"arguments or read from --key-file-path. Each key logs in one operator only.",
			example: "guardroom operator add-key jsmith --key-file-path jsmith.pub\nguardroom operator add-key jsmith ssh-ed25519 AAAAC3Nza... jane@laptop",
			setup: func(fs *flag.FlagSet) runFunc {
				path := fs.String("key-file-path", "", "read the public key from `FILE` (the .pub file, never the private key)")
				return func(e *env, args []string) error {
					line := strings.TrimSpace(strings.Join(args[1:], " "))
					switch {
					case line != "" && *path != "":
						return usagef(e.cmd, "give the key as arguments or with --key-file-path, not both")
					case *path != "":
						var err error
						if line, err = readPublicKey(e.abs(*path)); err != nil {
							return err
						}
					case line == "":
						return usagef(e.cmd, "operator add-key needs the key: as arguments, or --key-file-path FILE.pub")
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					k, err := e.s.AddSSHKey(e.actor, args[0], line)
					if err := e.write(err); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Key %s (%s%s) now logs operator %s in over SSH.\n", k.Fingerprint, k.Type, commentPart(k.Comment), args[0])
					return nil
				}
			},
		},
		{
			name: "operator remove-key", args: "NAME FINGERPRINT", minArgs: 2, maxArgs: 2,
			summary: "take an SSH key from an operator, by its fingerprint or comment",
			example: "guardroom operator show jsmith\nguardroom operator remove-key jsmith SHA256:3q2+7w...",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					if err := e.write(e.s.RemoveSSHKey(e.actor, args[0], args[1])); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Key %s no longer logs operator %s in.\n", args[1], args[0])
					return nil
				}
			},
		},
		{
			name: "operator passwd", maxArgs: 0,
			summary: "change your own password (also the first one, after a one-time password)",
			details: "On a terminal the new password is typed twice, masked. Without one it is read from\n" +
				"the first line of --new-password-file, a file only you can read; you log in as usual,\n" +
				"with --password-file holding the current (or one-time) password.",
			example: "guardroom operator passwd\n" +
				"guardroom --operator admin --password-file onetime.txt operator passwd --new-password-file new.txt",
			setup: func(fs *flag.FlagSet) runFunc {
				newFile := fs.String("new-password-file", "", "read the new password from the first line of `FILE` (mode 0600)")
				return func(e *env, _ []string) error { return e.operatorPasswd(*newFile) }
			},
		},
		{
			name: "operator 2fa", maxArgs: 0,
			summary: "enrol your own second factor: an authenticator app, with recovery codes",
			details: "Shows the secret and its QR code (when the terminal has room), asks for a code from\n" +
				"the app, then prints recovery codes once. Logins then ask for a code on a terminal;\n" +
				"scripts need an operator without a second factor.",
			example: "guardroom operator 2fa",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, _ []string) error {
					if err := e.openStore(openOptions{step: store.StepEnrol2FA}); err != nil {
						return err
					}
					step := e.actor.Step()
					next, err := e.enrol(e.actor, e.stdout)
					if err != nil {
						return err
					}
					e.actor = next
					e.sessionActor(next)
					if step == store.StepEnrol2FA {
						fmt.Fprintf(e.stdout, "Operator %s is logged in.\n", e.actor.Name())
					}
					return nil
				}
			},
		},
		{
			name: "operator notices", maxArgs: 0,
			summary: "show your security notices not seen yet (password changes, lockouts, new keys)",
			details: "Every login prints them once; this shows them instead, then marks them seen.",
			example: "guardroom operator notices\nguardroom operator notices --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.operatorNotices(*asJSON) }
			},
		},
		{
			name: "operator reset-admin", maxArgs: 0,
			summary: "recover a lost admin: a new one-time password, printed once (needs the key file only)",
			details: "For whoever holds the data key file: no operator logs in. Operator admin gets a new\n" +
				"one-time password, the Administrator role over the whole organization, and loses any\n" +
				"lockout, suspension, expiry and second factor. Admin's open sessions end.",
			example: "guardroom --data /var/lib/guardroom --key-file /etc/guardroom/data.key operator reset-admin",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, _ []string) error {
					if err := e.openStore(openOptions{keyHolder: "key holder", mustExist: true}); err != nil {
						return err
					}
					pw, err := e.s.ResetAdmin()
					if err := e.write(err); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "New one-time password of operator admin: %s\nIt is shown only now: log in as admin with it and choose a new password. Admin again holds\nthe Administrator role over the whole organization, with no second factor.\n", pw)
					return nil
				}
			},
		},
	}
}

// timeLayout is how the operator commands show a time.
const timeLayout = "2006-01-02 15:04"

// operatorJSON is an operator as --json prints it: the store's record
// plus what the columns show.
type operatorJSON struct {
	store.Operator
	Status    string   `json:"status"`
	UnitPaths []string `json:"unit_paths"`
}

func (e *env) operatorJSON(o store.Operator) operatorJSON {
	return operatorJSON{Operator: o, Status: o.Status(e.s.Now()), UnitPaths: e.unitPaths(o.Units)}
}

func (e *env) unitPaths(units []uint64) []string {
	paths := make([]string, len(units))
	for i, u := range units {
		paths[i] = e.s.UnitPath(u)
	}
	return paths
}

func (e *env) operatorList(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	ops, err := e.s.ListOperators(e.actor)
	if err != nil {
		return err
	}
	if asJSON {
		out := []operatorJSON{}
		for _, o := range ops {
			out = append(out, e.operatorJSON(o))
		}
		return writeJSON(e.stdout, out)
	}
	t := newTable(e.stdout, "Operator", "Name", "Roles", "Units", "Status", "2FA", "Last login")
	for _, o := range ops {
		t.row(o.Username, dash(o.Name), e.grantsText(o), strings.Join(e.unitPaths(o.Units), ", "), o.Status(e.s.Now()), yesNo(o.TwoFactor), localTime(o.LastLogin, timeLayout))
	}
	return t.flush()
}

// grantsText is "Guard, Installer (until 2026-12-31 18:00)".
func (e *env) grantsText(o store.Operator) string {
	now := e.s.Now()
	parts := make([]string, len(o.Grants))
	for i, g := range o.Grants {
		switch {
		case g.Expires.IsZero():
			parts[i] = g.Role
		case g.Expired(now):
			parts[i] = fmt.Sprintf("%s (ended %s)", g.Role, localTime(g.Expires, timeLayout))
		default:
			parts[i] = fmt.Sprintf("%s (until %s)", g.Role, localTime(g.Expires, timeLayout))
		}
	}
	return strings.Join(parts, ", ")
}

func (e *env) operatorShow(username string, asJSON bool) error {
	o, err := e.s.GetOperator(e.actor, username)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, e.operatorJSON(o))
	}
	f := newFields(e.stdout)
	f.add("Operator", "%s", o.Username)
	f.add("Name", "%s", dash(o.Name))
	f.add("Email", "%s", dash(o.Email))
	f.add("Roles", "%s", e.grantsText(o))
	f.add("Units", "%s", strings.Join(e.unitPaths(o.Units), ", "))
	access := "never ends"
	if !o.Expires.IsZero() {
		access = "ends " + localTime(o.Expires, timeLayout)
	}
	f.add("Access", "%s", access)
	f.add("Status", "%s", o.Status(e.s.Now()))
	f.add("Second factor", "%s", map[bool]string{true: "enrolled", false: "none"}[o.TwoFactor])
	password := "set " + localTime(o.PasswordSet, timeLayout)
	switch {
	case !o.HasPassword:
		password = "none"
	case o.MustChange:
		password = "one-time, set " + localTime(o.PasswordSet, timeLayout) + " (changed at the next login)"
	}
	f.add("Password", "%s", password)
	if o.Failures > 0 {
		f.add("Failed logins", "%d in a row", o.Failures)
	}
	if e.s.Now().Before(o.LockedUntil) {
		f.add("Locked until", "%s", localTime(o.LockedUntil, timeLayout))
	}
	f.add("Last login", "%s", localTime(o.LastLogin, timeLayout))
	f.add("Created", "%s", localTime(o.Created, timeLayout))
	if len(o.Keys) == 0 {
		f.add("SSH keys", "none")
	}
	for i, k := range o.Keys {
		label := ""
		if i == 0 {
			label = "SSH keys"
		}
		f.add(label, "%s %s%s, added %s", k.Fingerprint, k.Type, commentPart(k.Comment), localTime(k.Added, timeLayout))
	}
	return f.flush()
}

func (e *env) operatorAdd(n store.NewOperator) error {
	oneTime, err := e.s.AddOperator(e.actor, n)
	if err := e.write(err); err != nil {
		return err
	}
	o, err := e.s.GetOperator(e.actor, n.Username)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Added operator %s (%s) for %s.\nOne-time password: %s\nGive it to %s in person; it is shown only now and must be changed at the first login.\n",
		o.Username, e.grantsText(o), strings.Join(e.unitPaths(o.Units), ", "), oneTime, o.Username)
	return nil
}

func (e *env) operatorRemove(username string, yes bool) error {
	o, err := e.s.GetOperator(e.actor, username)
	if err != nil {
		return err
	}
	switch {
	case yes:
	case e.terminal():
		prompt := fmt.Sprintf("Remove operator %s (%s) for good? Their log entries stay; to stop them for a while, suspend them instead. Type the operator name to confirm: ", o.Username, e.grantsText(o))
		if err := e.confirmTyped(prompt, o.Username, false); err != nil {
			return err
		}
	default:
		return &usageError{noUsage: true, msg: fmt.Sprintf(
			"removing operator %s cannot be undone: add --yes to confirm (there is no terminal to ask on); nothing was removed", o.Username)}
	}
	if err := e.write(e.s.RemoveOperator(e.actor, o.Username)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Removed operator %s; their log entries stay.\n", o.Username)
	return nil
}

func (e *env) operatorPasswd(newFile string) error {
	var pw string
	if newFile != "" {
		var err error
		if pw, err = readPasswordFile(e.abs(newFile)); err != nil {
			return fmt.Errorf("--new-password-file: %w", err)
		}
	}
	if err := e.openStore(openOptions{step: store.StepNewPassword}); err != nil {
		return err
	}
	a := e.actor
	if pw == "" {
		if !e.terminal() {
			return &usageError{noUsage: true, msg: "operator passwd needs a terminal to type the new password on, or --new-password-file FILE"}
		}
		fmt.Fprintf(e.stderr, "New password for operator %s (at least %d characters; a few words make a good one).\n", a.Name(), store.MinPasswordLength)
		var err error
		if pw, err = e.askNewPassword(a.Name()); err != nil {
			return err
		}
	}
	// The password this run logged in with is the current one: checked
	// moments ago, it is not asked again.
	old := e.password
	if a.Step() == store.StepNewPassword {
		old = ""
	}
	next, err := e.s.ChangePassword(a, old, pw)
	if err := e.write(err); err != nil {
		return err
	}
	e.actor = next
	e.sessionActor(next)
	fmt.Fprintf(e.stdout, "Changed the password of operator %s.\n", a.Name())
	if next.Step() == store.StepEnrol2FA {
		fmt.Fprintf(e.stdout, "A role of operator %s requires a second factor: enrol one with guardroom operator 2fa on a terminal.\n", a.Name())
	}
	return nil
}

func (e *env) operatorNotices(asJSON bool) error {
	if err := e.openStore(openOptions{ownNotices: true}); err != nil {
		return err
	}
	ns, err := e.s.Notices(e.actor)
	if err != nil {
		return err
	}
	if asJSON {
		if ns == nil {
			ns = []store.Notice{}
		}
		if err := writeJSON(e.stdout, ns); err != nil {
			return err
		}
	} else if len(ns) == 0 {
		fmt.Fprintf(e.stdout, "No new security notices for operator %s.\n", e.actor.Name())
	} else {
		t := newTable(e.stdout, "Time", "Event", "Detail")
		for _, n := range ns {
			t.row(localTime(n.Time, timeLayout), n.Event, n.Detail)
		}
		if err := t.flush(); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "\nIf any of this was not you or someone you asked, tell your administrator at once.")
	}
	if len(ns) > 0 {
		return e.s.DismissNotices(e.actor, ns[len(ns)-1].Seq)
	}
	return nil
}

// findUnits finds comma-separated units by number, name or path.
func (e *env) findUnits(refs string) ([]uint64, error) {
	var units []uint64
	for _, ref := range strings.Split(refs, ",") {
		if strings.TrimSpace(ref) == "" {
			continue
		}
		u, err := e.s.FindUnit(e.actor, ref)
		if err != nil {
			return nil, err
		}
		units = append(units, u.ID)
	}
	return units, nil
}

// grantsFor makes grants of comma-separated role names; a role that was
// granted before keeps its end.
func grantsFor(roles string, was []store.Grant) []store.Grant {
	var out []store.Grant
	for _, r := range strings.Split(roles, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		g := store.Grant{Role: r}
		for _, old := range was {
			if strings.EqualFold(old.Role, r) {
				g.Expires = old.Expires
			}
		}
		out = append(out, g)
	}
	return out
}

// roleExpiryFlag collects --role-expires ROLE=TIME.
type roleExpiryFlag map[string]string

func (f roleExpiryFlag) String() string { return "" }

func (f roleExpiryFlag) Set(v string) error {
	role, when, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(role) == "" || strings.TrimSpace(when) == "" {
		return errors.New("want ROLE=TIME, e.g. Installer=2026-12-31")
	}
	f[strings.TrimSpace(role)] = strings.TrimSpace(when)
	return nil
}

// apply sets the end of each named grant; every name must be granted.
func (f roleExpiryFlag) apply(c *command, grants []store.Grant, allowNever bool) ([]store.Grant, error) {
	for role, when := range f {
		i := slices.IndexFunc(grants, func(g store.Grant) bool { return strings.EqualFold(g.Role, role) })
		if i < 0 {
			var names []string
			for _, g := range grants {
				names = append(names, g.Role)
			}
			return nil, usagef(c, "--role-expires %s: that role is not granted (roles: %s)", role, strings.Join(names, ", "))
		}
		t, err := parseExpiry(c, "--role-expires "+grants[i].Role, when, allowNever)
		if err != nil {
			return nil, err
		}
		grants[i].Expires = t
	}
	return grants, nil
}

// parseExpiry reads a TIME flag: a date alone is the end of that day,
// "never" (when allowed) is no end.
func parseExpiry(c *command, flagName, s string, allowNever bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return time.Time{}, nil
	case strings.EqualFold(s, "never") && allowNever:
		return time.Time{}, nil
	}
	if t, err := parseWhen(s, true); err == nil {
		return t, nil
	}
	never := ""
	if allowNever {
		never = ", or never"
	}
	return time.Time{}, usagef(c, "%s %q is not a time: write %s%s", flagName, s, timeHelp, never)
}

// readPublicKey reads an SSH public key file, refusing a private key.
func readPublicKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--key-file-path: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if strings.Contains(s, "PRIVATE KEY") {
		return "", fmt.Errorf("--key-file-path %s is a private key: give the public one (%s.pub), and keep the private key where it is", path, strings.TrimSuffix(path, ".pub"))
	}
	return s, nil
}

func commentPart(c string) string {
	if c == "" {
		return ""
	}
	return ", " + c
}
