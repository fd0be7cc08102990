package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

const codeNotInArgs = "codes are never taken from the command line (shell history, process list): " +
	"run the command without the code and type it at the prompt, which does not echo it, " +
	"or pipe it as one line on standard input"

func userCommands() []*command {
	return []*command{
		{
			name: "user list", args: "PANEL", minArgs: 1, maxArgs: 1,
			summary: "list a panel's user slots: label & role, code set or not, partitions, account, status, sync",
			details: "On a terminal the table fits its width: long labels, accounts and sync reasons end in\n" +
				"\"…\" (--wide prints them whole). Piped or redirected, and with --json, nothing is cut.",
			example: "guardroom user list \"Main office\"\nguardroom user list 1 --with-code --json\nguardroom user list 1 --wide",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				withCode := fs.Bool("with-code", false, "list only the users that have a code (exist on the panel)")
				wide := fs.Bool("wide", false, "print every cell whole, however wide the terminal")
				return func(e *env, args []string) error { return e.userList(args[0], *withCode, *wide, *asJSON) }
			},
		},
		{
			name: "user show", args: "PANEL SLOT", minArgs: 2, maxArgs: 2,
			summary: "show one panel user and the actions its state allows",
			example: "guardroom user show 1 7",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.userShow(args, *asJSON) }
			},
		},
		{
			name: "user set-code", args: "PANEL SLOT", minArgs: 2, maxArgs: 2, tooMany: codeNotInArgs,
			summary: "set the code of a slot that has none, which creates the user on the panel",
			details: "The code is read from the terminal twice without echo, or as one line of standard\n" +
				"input. It is never printed, logged or exported.",
			example: "guardroom user set-code \"Main office\" 7 --role Supervisor --partitions 1,2 --label \"Night guard\"\n" +
				"guardroom user set-code 1 8 < code.txt",
			setup: func(fs *flag.FlagSet) runFunc {
				role := fs.String("role", "", "the user's `ROLE` (default: Master in the Master slot, else User)")
				parts := fs.String("partitions", "", "the user's partitions, `LIST` like 1,2,4 or 1-3 (default 1; Masters hold all)")
				label := fs.String("label", "", "the user's `LABEL` (default \"User N\")")
				return func(e *env, args []string) error { return e.userSetCode(args, *role, *parts, *label) }
			},
		},
		{
			name: "user edit-code", args: "PANEL SLOT", minArgs: 2, maxArgs: 2, tooMany: codeNotInArgs,
			summary: "replace the code of a user that has one",
			details: "The new code is read from the terminal twice without echo, or as one line of\nstandard input.",
			example: "guardroom user edit-code 1 7",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error { return e.userEditCode(args) }
			},
		},
		{
			name: "user label", args: "PANEL SLOT LABEL", minArgs: 3, maxArgs: 3,
			summary: "change the label of a user that has a code",
			example: "guardroom user label 1 7 \"Front desk\"",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					p, slot, err := e.panelSlot(args)
					if err != nil {
						return err
					}
					if err := e.write(e.s.SetLabel(e.actor, p.ID, slot, args[2])); err != nil {
						return err
					}
					return e.userDone(p, slot, "relabelled")
				}
			},
		},
		{
			name: "user partitions", args: "PANEL SLOT LIST", minArgs: 3, maxArgs: -1,
			summary: "change the partitions of a user that has a code (Masters always hold all)",
			example: "guardroom user partitions 1 7 1,2,4",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					set, err := store.ParsePartitions(strings.Join(args[2:], ","))
					if err != nil {
						return err
					}
					p, slot, err := e.panelSlot(args)
					if err != nil {
						return err
					}
					if err := e.write(e.s.SetPartitions(e.actor, p.ID, slot, set)); err != nil {
						return err
					}
					return e.userDone(p, slot, "given partitions "+set.String())
				}
			},
		},
		{
			name: "user disable", args: "PANEL SLOT", minArgs: 2, maxArgs: 2,
			summary: "remove a user's code (and label): the user no longer exists on the panel",
			details: "On a terminal you are asked to type yes. Without a terminal --yes is required.\nMaster users cannot be disabled.",
			example: "guardroom user disable 1 7\nguardroom user disable 1 7 --yes",
			setup: func(fs *flag.FlagSet) runFunc {
				yes := fs.Bool("yes", false, "do not ask for confirmation (required when there is no terminal)")
				return func(e *env, args []string) error { return e.userDisable(args, *yes) }
			},
		},
	}
}

// panelSlot resolves PANEL and SLOT arguments and opens the store. A slot
// out of range is refused without repeating it: it may be a code typed in
// the wrong place.
// panelUser resolves PANEL SLOT and reads that panel user.
func (e *env) panelUser(args []string) (store.Panel, store.PanelUser, error) {
	p, slot, err := e.panelSlot(args)
	if err != nil {
		return p, store.PanelUser{}, err
	}
	u, err := e.s.GetUser(e.actor, p.ID, slot)
	return p, u, err
}

func (e *env) panelSlot(args []string) (store.Panel, int, error) {
	slot, err := parseNumber(e.cmd, args[1], "SLOT")
	if err != nil {
		return store.Panel{}, 0, err
	}
	p, err := e.openPanel(args[0])
	if err != nil {
		return store.Panel{}, 0, err
	}
	if slot > p.Slots {
		return store.Panel{}, 0, fmt.Errorf("%s has user slots 1-%d: check SLOT", p.Label(), p.Slots)
	}
	return p, slot, nil
}

// accountsByID maps account numbers to accounts for the grid's columns.
func (e *env) accountsByID() (map[uint64]store.Account, error) {
	accts, err := e.s.ListAccounts(e.actor)
	if err != nil {
		return nil, err
	}
	m := make(map[uint64]store.Account, len(accts))
	for _, a := range accts {
		m[a.ID] = a
	}
	return m, nil
}

// userJSON is one row of user list --json. It holds no code, only whether
// one is set.
type userJSON struct {
	Panel          uint64     `json:"panel"`
	Slot           int        `json:"slot"`
	Label          string     `json:"label"`
	Role           string     `json:"role"`
	CodeSet        bool       `json:"code_set"`
	Partitions     []int      `json:"partitions"`
	Account        *string    `json:"account"`
	AccountCreated *time.Time `json:"account_created"`
	Status         string     `json:"status"`
	Sync           string     `json:"sync"`
	SyncReason     string     `json:"sync_reason,omitempty"`
	Updated        *time.Time `json:"updated,omitempty"`
	// DoorLocks and Tags are filled by user show only.
	DoorLocks []userLockJSON `json:"door_locks,omitempty"`
	Tags      []store.Tag    `json:"tags,omitempty"`
}

// userLockJSON is a door lock a panel user is given, in user show.
type userLockJSON struct {
	ID     uint64 `json:"id"`
	Number int    `json:"number"`
	Name   string `json:"name"`
}

func userRow(u store.PanelUser, accts map[uint64]store.Account) userJSON {
	sync := u.ShownSync()
	r := userJSON{Panel: u.Panel, Slot: u.Slot, Label: u.DisplayLabel(), Role: string(u.Role), CodeSet: u.CodeSet,
		Partitions: u.Partitions.List(), Status: string(store.StatusUnknown), Sync: string(sync.State), SyncReason: sync.Reason}
	if r.Partitions == nil {
		r.Partitions = []int{}
	}
	if u.Account != 0 {
		if a, ok := accts[u.Account]; ok {
			email, created := a.Email, a.Created
			r.Account, r.AccountCreated, r.Status = &email, &created, string(a.Status)
		} else {
			missing := fmt.Sprintf("account %d (not in your units)", u.Account)
			r.Account = &missing
		}
	}
	if !u.Updated.IsZero() {
		updated := u.Updated
		r.Updated = &updated
	}
	return r
}

func (e *env) userList(ref string, withCode, wide, asJSON bool) error {
	p, err := e.openPanel(ref)
	if err != nil {
		return err
	}
	users, err := e.s.ListUsers(e.actor, p.ID)
	if err != nil {
		return err
	}
	accts, err := e.accountsByID()
	if err != nil {
		return err
	}
	rows := make([]userJSON, 0, len(users))
	for _, u := range users {
		if withCode && !u.CodeSet {
			continue
		}
		rows = append(rows, userRow(u, accts))
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	cells := [][]string{{"№", "Label & role", "Code", "Partitions", "Account", "Created", "Status", "Sync"}}
	for _, r := range rows {
		cells = append(cells, userCells(r))
	}
	if !wide {
		// Sync reasons, labels, accounts and partitions first; the
		// times and statuses only if that is not enough.
		fitRows(cells, e.termWidth(), []int{7, 1, 4, 3}, []int{5, 6})
	}
	t := newTable(e.stdout, cells[0]...)
	for _, c := range cells[1:] {
		t.row(c...)
	}
	return t.flush()
}

// userCells renders a row as the grid of reference 003 shows it: a user
// without a code shows "-" for the role.
func userCells(r userJSON) []string {
	role, code := "-", "-"
	if r.CodeSet {
		role, code = r.Role, "set"
	}
	parts := "-"
	if len(r.Partitions) > 0 {
		s := make([]string, len(r.Partitions))
		for i, n := range r.Partitions {
			s[i] = strconv.Itoa(n)
		}
		parts = strings.Join(s, ", ")
	}
	account, created := "-", "-"
	if r.Account != nil {
		account = *r.Account
	}
	if r.AccountCreated != nil {
		created = localTime(*r.AccountCreated, logTime)
	}
	sync := r.Sync
	switch {
	case sync == string(store.SyncNone):
		sync = "-" // as the console's grid shows it
	case r.SyncReason != "":
		sync += ": " + r.SyncReason
	}
	return []string{strconv.Itoa(r.Slot), r.Label + " (" + role + ")", code, parts, account, created, r.Status, sync}
}

func (e *env) userShow(args []string, asJSON bool) error {
	p, u, err := e.panelUser(args)
	if err != nil {
		return err
	}
	slot := u.Slot
	accts, err := e.accountsByID()
	if err != nil {
		return err
	}
	r := userRow(u, accts)
	// The door locks and tags the console's details show too; an operator
	// who may not view equipment is told so instead.
	equipment := ""
	locks, err := e.s.ListLocks(e.actor)
	if err == nil {
		for _, l := range locks {
			if l.Panel == p.ID && slices.Contains(l.Users, slot) {
				r.DoorLocks = append(r.DoorLocks, userLockJSON{ID: l.ID, Number: l.Number, Name: l.Name})
			}
		}
		r.Tags, err = e.s.UserTags(e.actor, p.ID, slot)
	}
	switch {
	case errors.Is(err, store.ErrPermission):
		equipment = "not shown: " + err.Error()
	case err != nil:
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, r)
	}
	c := userCells(r)
	w := newFields(e.stdout)
	w.add("Panel", "%s", p.Label())
	w.add("User", "%d", slot)
	w.add("Label", "%s", r.Label)
	if u.CodeSet {
		w.add("Role", "%s", u.Role)
	} else {
		w.add("Role", "- (%s when a code is set without --role)", u.Role)
	}
	if u.CodeSet {
		w.add("Code", "set (the user exists on the panel)")
	} else {
		w.add("Code", "not set (the user does not exist on the panel)")
	}
	w.add("Partitions", "%s", c[3])
	w.add("Account", "%s", c[4])
	w.add("Created", "%s", c[5])
	w.add("Status", "%s", c[6])
	w.add("Sync", "%s", c[7])
	if r.Updated != nil {
		w.add("Updated", "%s", localTime(*r.Updated, logTime))
	}
	lockNames := make([]string, len(r.DoorLocks))
	for i, l := range r.DoorLocks {
		lockNames[i] = fmt.Sprintf("%s (lock %d, number %d)", l.Name, l.ID, l.Number)
	}
	tagNames := make([]string, len(r.Tags))
	for i, tg := range r.Tags {
		tagNames[i] = tg.ID + " (" + string(tg.Kind)
		if tg.Lock != 0 {
			tagNames[i] += fmt.Sprintf(", lock %d", tg.Lock)
		}
		if tg.Status != store.TagActive {
			tagNames[i] += ", " + string(tg.Status)
		}
		tagNames[i] += ")"
	}
	if equipment != "" {
		lockNames, tagNames = []string{equipment}, []string{equipment}
	}
	w.add("Door locks", "%s", listOrNone(lockNames))
	w.add("Tags", "%s", listOrNone(tagNames))
	if err := w.flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nActions:")
	t := newTable(e.stdout, "  action", "available")
	for _, a := range e.userActions(p, u) {
		t.row("  "+a.name, a.why)
	}
	return t.flush()
}

// listOrNone joins names, or says none.
func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

type userAction struct{ name, why string }

// userShowActions pairs each command of `user show` with the store's action.
var userShowActions = []struct {
	name string
	act  store.UserAction
}{
	{"set-code", store.ActSetCode}, {"edit-code", store.ActEditCode}, {"label", store.ActSetLabel},
	{"partitions", store.ActSetPartitions}, {"disable", store.ActDisable},
	{"account assign", store.ActAssignAccount}, {"account unassign", store.ActUnassignAccount},
	{"account reset-password", store.ActResetPassword}, {"account remove", store.ActRemoveAccount},
}

// userActions says which commands the user's state allows and, for the
// others, why not — from the store's own rules (store.CheckUser).
func (e *env) userActions(p store.Panel, u store.PanelUser) []userAction {
	acts := make([]userAction, 0, len(userShowActions))
	for _, c := range userShowActions {
		why := "yes"
		if err := e.s.CheckUser(e.actor, p, u, c.act); err != nil {
			why = "no: " + err.Error()
		}
		acts = append(acts, userAction{c.name, why})
	}
	return acts
}

// userDone prints the user's state after a change.
func (e *env) userDone(p store.Panel, slot int, what string) error {
	e.applyNow(p.ID)
	u, err := e.s.GetUser(e.actor, p.ID, slot)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Panel user %d (%s) of %s %s; sync: %s.\n", slot, u.DisplayLabel(), p.Label(), what, u.Sync)
	return nil
}

// parseCodeOptions reads --role, --partitions and --label of set-code.
func (e *env) parseCodeOptions(role, parts, label string) (store.CodeOptions, error) {
	var o store.CodeOptions
	if strings.TrimSpace(role) != "" {
		r, err := family.ParseRole(role)
		if err != nil {
			return o, usagef(e.cmd, "--role: %v", err)
		}
		o.Role = r
	}
	if strings.TrimSpace(parts) != "" {
		set, err := store.ParsePartitions(parts)
		if err != nil {
			return o, err
		}
		o.Partitions = set
	}
	o.Label = label
	return o, nil
}

func (e *env) userSetCode(args []string, role, parts, label string) error {
	opts, err := e.parseCodeOptions(role, parts, label)
	if err != nil {
		return err
	}
	p, u, err := e.panelUser(args)
	if err != nil {
		return err
	}
	slot := u.Slot
	if e.s.CheckUser(e.actor, p, u, store.ActSetCode) != nil {
		// Refused whatever the code: don't ask for one. The operation
		// returns the same refusal and records the attempt in the log.
		return e.write(e.s.SetCode(e.actor, p.ID, slot, "", opts))
	}
	code, err := e.readCode(fmt.Sprintf("New %d-digit code for panel user %d of %s: ", p.CodeLength, slot, p.Label()))
	if err != nil {
		return err
	}
	if err := e.write(e.s.SetCode(e.actor, p.ID, slot, code, opts)); err != nil {
		return err
	}
	e.applyNow(p.ID)
	u, err = e.s.GetUser(e.actor, p.ID, slot)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Panel user %d (%s, %s) of %s now has a code; partitions %s; sync: %s.\n",
		slot, u.DisplayLabel(), u.Role, p.Label(), u.Partitions, u.Sync)
	return nil
}

func (e *env) userEditCode(args []string) error {
	p, u, err := e.panelUser(args)
	if err != nil {
		return err
	}
	slot := u.Slot
	if e.s.CheckUser(e.actor, p, u, store.ActEditCode) != nil {
		return e.write(e.s.EditCode(e.actor, p.ID, slot, "")) // as in set-code
	}
	code, err := e.readCode(fmt.Sprintf("New %d-digit code for panel user %d (%s) of %s: ", p.CodeLength, slot, u.DisplayLabel(), p.Label()))
	if err != nil {
		return err
	}
	if err := e.write(e.s.EditCode(e.actor, p.ID, slot, code)); err != nil {
		return err
	}
	return e.userDone(p, slot, "has a new code")
}

func (e *env) userDisable(args []string, yes bool) error {
	p, u, err := e.panelUser(args)
	if err != nil {
		return err
	}
	slot := u.Slot
	refused := e.s.CheckUser(e.actor, p, u, store.ActDisable) != nil // the store says why, below
	if !refused && !yes {
		if !e.terminal() {
			return &usageError{noUsage: true, msg: fmt.Sprintf(
				"disabling panel user %d of %s removes its code: add --yes to confirm (there is no terminal to ask on); nothing was changed", slot, p.Label())}
		}
		prompt := fmt.Sprintf("Disable panel user %d (%s) of %s? Its code is removed. Type yes: ", slot, u.DisplayLabel(), p.Label())
		if err := e.confirmTyped(prompt, "yes", true); err != nil {
			return err
		}
	}
	if err := e.write(e.s.DisablePanelUser(e.actor, p.ID, slot)); err != nil {
		return err
	}
	return e.userDone(p, slot, "is disabled: its code and label are removed")
}
