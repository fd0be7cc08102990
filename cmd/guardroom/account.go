package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
)

func accountCommands() []*command {
	simple := func(name, summary, example string, op func(s *store.Store, a store.Actor, email string) error, done string) *command {
		return &command{
			name: "account " + name, args: "EMAIL", minArgs: 1, maxArgs: 1,
			summary: summary, example: example,
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					if err := e.write(op(e.s, e.actor, args[0])); err != nil {
						return err
					}
					return e.accountDone(args[0], done)
				}
			},
		}
	}
	return []*command{
		{
			name: "account list", maxArgs: 0,
			summary: "list the customer accounts in your organization units",
			example: "guardroom account list\nguardroom account list --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.accountList(*asJSON) }
			},
		},
		{
			name: "account show", args: "EMAIL", minArgs: 1, maxArgs: 1,
			summary: "show one account, the panel users it is assigned to and its mail in the outbox",
			example: "guardroom account show ann@example.com",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.accountShow(args[0], *asJSON) }
			},
		},
		{
			name: "account create", args: "EMAIL", minArgs: 1, maxArgs: 1,
			summary: "create a Not confirmed account and mail it a one-time code to set its password",
			example: "guardroom account create ann@example.com --unit \"HQ\"",
			setup: func(fs *flag.FlagSet) runFunc {
				unit := fs.String("unit", "", "organization `UNIT` of the account: number, name or path (default: your first unit)")
				return func(e *env, args []string) error { return e.accountCreate(args[0], *unit) }
			},
		},
		{
			name: "account assign", args: "EMAIL PANEL SLOT", minArgs: 3, maxArgs: 3,
			summary: "link an existing, not suspended account to a panel user that has a code",
			details: "EMAIL must be an existing account's exact address; when it is not, similar\naccounts are suggested.",
			example: "guardroom account assign ann@example.com \"Main office\" 7",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error { return e.accountAssign(args) }
			},
		},
		{
			name: "account unassign", args: "PANEL SLOT", minArgs: 2, maxArgs: 2,
			summary: "remove the link between a panel user and its account; the account stays",
			example: "guardroom account unassign 1 7",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					p, slot, err := e.panelSlot(args)
					if err != nil {
						return err
					}
					if err := e.write(e.s.UnassignAccount(e.actor, p.ID, slot)); err != nil {
						return err
					}
					return e.userDone(p, slot, "has no account now (the account itself stays)")
				}
			},
		},
		{
			name: "account remove", args: "EMAIL", minArgs: 1, maxArgs: 1,
			summary: "delete an account entirely and unlink it everywhere; cannot be undone",
			details: "On a terminal you are asked to type the account's email. Without a terminal\n" +
				"--confirm with the account's email is required. To drop only one link, use\n'account unassign'.",
			example: "guardroom account remove ann@example.com\nguardroom account remove ann@example.com --confirm ann@example.com",
			setup: func(fs *flag.FlagSet) runFunc {
				confirm := fs.String("confirm", "", "the account's `EMAIL` again, to confirm the removal (required without a terminal)")
				return func(e *env, args []string) error { return e.accountRemove(args[0], *confirm) }
			},
		},
		{
			name: "account reset-password", args: "EMAIL", minArgs: 1, maxArgs: 1,
			summary: "mail a one-time code to set a new password; the old one stays valid until it is used",
			example: "guardroom account reset-password ann@example.com",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					if err := e.write(e.s.ResetPassword(e.actor, args[0])); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "A one-time code to reset the password of %s was queued for e-mail; the old password stays valid until the code is used.\n", strings.TrimSpace(args[0]))
					e.mailNote()
					return nil
				}
			},
		},
		{
			name: "account confirm", args: "EMAIL", minArgs: 1, maxArgs: 1,
			tooMany: "one-time codes are never taken from the command line: type it at the prompt (no echo) or pipe it as one line on standard input",
			summary: "check the account's one-time code and make it Active (the code is read like a panel code)",
			example: "guardroom account confirm ann@example.com",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error { return e.accountConfirm(args[0]) }
			},
		},
		simple("suspend", "suspend an account: it loses access and cannot be newly assigned",
			"guardroom account suspend ann@example.com",
			func(s *store.Store, a store.Actor, email string) error { return s.SuspendAccount(a, email) }, "is suspended"),
		simple("reactivate", "lift a suspension: Active again, or Not confirmed if no password was ever set",
			"guardroom account reactivate ann@example.com",
			func(s *store.Store, a store.Actor, email string) error { return s.ReactivateAccount(a, email) }, "is reactivated"),
	}
}

// mailNote tells where a queued e-mail stands.
func (e *env) mailNote() {
	if !e.cfg.SMTP.configured() {
		fmt.Fprintln(e.stdout, "Note: SMTP is not configured, so the e-mail waits in the outbox until SMTP is configured (config [smtp]).")
		return
	}
	fmt.Fprintf(e.stdout, "The e-mail waits in the outbox for %s:%d.\n", e.cfg.SMTP.Host, e.cfg.SMTP.Port)
}

type linkJSON struct {
	Panel     uint64 `json:"panel"`
	PanelName string `json:"panel_name,omitempty"`
	Slot      int    `json:"slot"`
}

type accountJSON struct {
	ID        uint64              `json:"id"`
	Email     string              `json:"email"`
	Status    store.AccountStatus `json:"status"`
	Created   time.Time           `json:"created"`
	Confirmed bool                `json:"confirmed"`
	Unit      uint64              `json:"unit"`
	UnitPath  string              `json:"unit_path"`
	Links     []linkJSON          `json:"links"`
	// MailWaiting counts this account's e-mails still in the outbox
	// (account show only).
	MailWaiting *int `json:"mail_waiting,omitempty"`
}

func (e *env) accountJSON(a store.Account, panels map[uint64]store.Panel) accountJSON {
	out := accountJSON{ID: a.ID, Email: a.Email, Status: a.Status, Created: a.Created, Confirmed: a.Confirmed,
		Unit: a.Unit, UnitPath: e.s.UnitPath(a.Unit), Links: []linkJSON{}}
	for _, l := range a.Links {
		out.Links = append(out.Links, linkJSON{Panel: l.Panel, PanelName: panels[l.Panel].Name, Slot: l.Slot})
	}
	return out
}

func linksText(links []linkJSON) string {
	if len(links) == 0 {
		return "-"
	}
	s := make([]string, len(links))
	for i, l := range links {
		name := l.PanelName
		if name == "" {
			name = fmt.Sprintf("panel %d", l.Panel)
		}
		s[i] = fmt.Sprintf("%s user %d", name, l.Slot)
	}
	return strings.Join(s, ", ")
}

func (e *env) panelsByID() (map[uint64]store.Panel, error) {
	panels, err := e.s.ListPanels(e.actor)
	if err != nil {
		return nil, err
	}
	m := make(map[uint64]store.Panel, len(panels))
	for _, p := range panels {
		m[p.ID] = p
	}
	return m, nil
}

func (e *env) accountList(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	accts, err := e.s.ListAccounts(e.actor)
	if err != nil {
		return err
	}
	panels, err := e.panelsByID()
	if err != nil {
		return err
	}
	rows := make([]accountJSON, 0, len(accts))
	for _, a := range accts {
		rows = append(rows, e.accountJSON(a, panels))
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	t := newTable(e.stdout, "Email", "Status", "Created", "Unit", "Panel users")
	for _, r := range rows {
		t.row(r.Email, string(r.Status), localTime(r.Created, logTime), r.UnitPath, linksText(r.Links))
	}
	return t.flush()
}

func (e *env) accountShow(email string, asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	a, err := e.s.GetAccount(e.actor, email)
	if err != nil {
		return err
	}
	panels, err := e.panelsByID()
	if err != nil {
		return err
	}
	r := e.accountJSON(a, panels)
	jobs, err := e.s.ListJobs(e.actor, store.JobFilter{State: store.JobPending, Kind: store.JobMail})
	if err != nil {
		return err
	}
	waiting := 0
	for _, j := range jobs {
		if j.Mail != nil && strings.EqualFold(j.Mail.To, a.Email) {
			waiting++
		}
	}
	r.MailWaiting = &waiting
	if asJSON {
		return writeJSON(e.stdout, r)
	}
	w := newFields(e.stdout)
	w.add("Email", "%s", r.Email)
	w.add("Status", "%s", r.Status)
	w.add("Created", "%s", localTime(r.Created, logTime))
	w.add("Password set", "%s", map[bool]string{true: "yes (from a one-time code)", false: "no"}[r.Confirmed])
	w.add("Unit", "%s", r.UnitPath)
	w.add("Panel users", "%s", linksText(r.Links))
	mail := plural(waiting, "e-mail", "e-mails") + " waiting in the outbox"
	if waiting > 0 && !e.cfg.SMTP.configured() {
		mail += " until SMTP is configured (config [smtp])"
	}
	w.add("Mail", "%s", mail)
	return w.flush()
}

// accountDone prints an account's state after a change.
func (e *env) accountDone(email, what string) error {
	a, err := e.s.GetAccount(e.actor, email)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Account %s %s (status: %s).\n", a.Email, what, a.Status)
	return nil
}

func (e *env) accountCreate(email, unitRef string) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	units := e.actor.Units()
	if len(units) == 0 {
		return fmt.Errorf("operator %s has no organization unit: give --unit", e.actor.Name())
	}
	unit := units[0]
	if strings.TrimSpace(unitRef) != "" {
		u, err := e.s.FindUnit(e.actor, unitRef)
		if err != nil {
			return err
		}
		unit = u.ID
	}
	a, err := e.s.CreateAccount(e.actor, email, unit)
	if err = e.write(err); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Account %s created in %s (status: %s). A one-time code to set its password was queued for e-mail.\n",
		a.Email, e.s.UnitPath(a.Unit), a.Status)
	e.mailNote()
	return nil
}

func (e *env) accountAssign(args []string) error {
	p, slot, err := e.panelSlot(args[1:])
	if err != nil {
		return err
	}
	email := args[0]
	err = e.write(e.s.AssignAccount(e.actor, email, p.ID, slot))
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := e.s.GetAccount(e.actor, email); gerr != nil {
			if like := e.suggest(email); like != "" {
				return fmt.Errorf("%w; accounts like it: %s", err, like)
			}
		}
	}
	if err != nil {
		return err
	}
	return e.userDone(p, slot, "is assigned account "+strings.TrimSpace(email))
}

// suggest lists up to five accounts whose email resembles text.
func (e *env) suggest(text string) string {
	text = strings.TrimSpace(text)
	local, domain, _ := strings.Cut(text, "@")
	for _, q := range []string{text, local, domain} {
		if len(q) < 2 {
			continue
		}
		accts, err := e.s.SuggestAccounts(e.actor, q, 5)
		if err != nil || len(accts) == 0 {
			continue
		}
		s := make([]string, len(accts))
		for i, a := range accts {
			s[i] = a.Email
			if a.Status == store.StatusSuspended {
				s[i] += " (suspended)"
			}
		}
		return strings.Join(s, ", ")
	}
	return ""
}

func (e *env) accountRemove(email, confirm string) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	a, err := e.s.GetAccount(e.actor, email)
	if err != nil {
		return err
	}
	if e.actor.Can(store.PermManageAccounts) {
		// Emails compare without case everywhere in guardroom.
		switch {
		case confirm != "":
			if !strings.EqualFold(strings.TrimSpace(confirm), a.Email) {
				return fmt.Errorf("--confirm does not match the account's email %s: nothing was removed", a.Email)
			}
		case e.terminal():
			prompt := fmt.Sprintf("Remove account %s entirely? It is unlinked from %s and cannot be restored (to drop only a link, use account unassign). Type the account's email to confirm: ",
				a.Email, plural(len(a.Links), "panel user", "panel users"))
			if err := e.confirmTyped(prompt, a.Email, true); err != nil {
				return err
			}
		default:
			return &usageError{noUsage: true, msg: fmt.Sprintf(
				"removing account %s cannot be undone: add --confirm %s to confirm (there is no terminal to ask on); nothing was removed", a.Email, a.Email)}
		}
	}
	if err := e.write(e.s.RemoveAccount(e.actor, email)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Account %s removed; it was unlinked from %s.\n", a.Email, plural(len(a.Links), "panel user", "panel users"))
	return nil
}

func (e *env) accountConfirm(email string) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	a, err := e.s.GetAccount(e.actor, email)
	if err != nil {
		return err
	}
	otp, err := e.readSecret(fmt.Sprintf("One-time code mailed to %s: ", a.Email), "one-time code")
	if err != nil {
		return err
	}
	if err := e.write(e.s.ConfirmAccount(e.actor, email, otp)); err != nil {
		return err
	}
	return e.accountDone(email, "is confirmed: its password is set")
}
