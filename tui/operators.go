package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// The Operators tab (PRODUCT.md §8, reference 001): who may use guardroom,
// with which roles (each may end), over which organization units, until
// when, and the state of their login. A second view lists the roles. Only
// operators who manage operators have the tab; every rule (scope, nobody
// grants more than they hold, the last administrator stays) is the
// store's, and its refusals are shown in its words. Operator changes are
// logged, so the ChangeLog of each one reloads the tab.

// opRow is an operator with what the grid and the details show beside it.
type opRow struct {
	o   store.Operator
	now time.Time // when the row was read: statuses and ended grants
	// units are the operator's units as the grid shows them, below the
	// organization ("Harbour Campus / North Tower").
	units []string
	// required: an active grant's role requires a second factor.
	required bool
	// missing are permissions the operator's grants hold and the viewer
	// does not: the store then refuses every change to the operator.
	missing store.Perm
	self    bool
}

var opCols = []grid.Column{
	{Title: "Operator", Key: "operator", MinWidth: 8, MaxWidth: 12}, // the store allows 32
	{Title: "Name", Key: "name", MinWidth: 12, MaxWidth: 18, HideBelow: 100},
	{Title: "Roles", Key: "role", MinWidth: 12, MaxWidth: 48},
	{Title: "Units", Key: "unit", MinWidth: 8, MaxWidth: 36},
	{Title: "Status", Key: "status", MinWidth: 18, MaxWidth: 20}, // "locked until 14:05" at 80 columns
	{Title: "2FA", Key: "2fa", Width: 3},
	{Title: "SSH", Key: "keys", Width: 3, Align: grid.Right},
	{Title: "Last login", Key: "login", Width: 12, HideBelow: 100},
	{Title: "Expires", Key: "expires", Width: 16},
}

// Operators grid column indexes that carry a tone.
const (
	opRolesCol   = 2
	opStatusCol  = 4
	opFactorCol  = 5
	opExpiresCol = 8
)

// opCells is the pure row renderer of the Operators grid.
func opCells(r opRow) []string {
	o := r.o
	factor := "off"
	if o.TwoFactor {
		factor = "on"
	}
	login := "-"
	if !o.LastLogin.IsZero() {
		login = clockOrDate(o.LastLogin, r.now)
	}
	return []string{o.Username, o.Name, grantsText(o.Grants, r.now), strings.Join(r.units, ", "),
		opStatus(o, r.now), factor, strconv.Itoa(len(o.Keys)), login, dateTime(o.Expires)}
}

// grantsText is the Roles cell: "Guard, Installer (ended 12 Nov)", with
// "(until 31 Dec)" for a grant that ends later.
func grantsText(grants []store.Grant, now time.Time) string {
	parts := make([]string, len(grants))
	for i, g := range grants {
		switch {
		case g.Expired(now):
			parts[i] = g.Role + " (ended " + shortDate(g.Expires, now) + ")"
		case !g.Expires.IsZero():
			parts[i] = g.Role + " (until " + shortDate(g.Expires, now) + ")"
		default:
			parts[i] = g.Role
		}
	}
	return strings.Join(parts, ", ")
}

// shortDate is "12 Nov", with the year when it is not now's.
func shortDate(t, now time.Time) string {
	t = t.Local()
	if t.Year() == now.Local().Year() {
		return timeText(t, timeShortDate)
	}
	return timeText(t, timeShortYear)
}

// dateTimeLayout is how access ends are shown and typed: local time.
const dateTimeLayout = "2006-01-02 15:04"

// dateTime is t as typed in the expire dialog, or "-" for none.
func dateTime(t time.Time) string {
	return timeText(t.Local(), timeMinute)
}

// opStatus is the Status cell: the store's word, with the end of a
// lockout ("locked until 14:05").
func opStatus(o store.Operator, now time.Time) string {
	st := o.Status(now)
	if st == store.OpLocked {
		return st + " until " + clockOrDate(o.LockedUntil, now)
	}
	return st
}

// opTones: a suspended or locked operator stands out, a password to
// change or a second factor a role requires but that is missing warns,
// an ended access or grant steps back.
func opTones(r opRow) []grid.Tone {
	tones := make([]grid.Tone, len(opCols))
	switch r.o.Status(r.now) {
	case store.OpSuspended, store.OpLocked:
		tones[opStatusCol] = grid.ToneBad
	case store.OpMustChange, store.OpNoPassword:
		tones[opStatusCol] = grid.ToneWarn
	case store.OpExpired:
		tones[opStatusCol] = grid.ToneDim
	}
	if r.required && !r.o.TwoFactor {
		tones[opFactorCol] = grid.ToneWarn
	}
	if slices.ContainsFunc(r.o.Grants, func(g store.Grant) bool { return g.Expired(r.now) }) {
		tones[opRolesCol] = grid.ToneDim
	}
	if !r.o.Expires.IsZero() && !r.now.Before(r.o.Expires) {
		tones[opExpiresCol] = grid.ToneDim
	}
	return tones
}

// opField answers the filter and sort keys whose value is not the cell:
// times sort as times ("" for never), and email filters.
func opField(r opRow, key string) (string, bool) {
	switch key {
	case "login":
		return dateTimeOrEmpty(r.o.LastLogin), true
	case "expires":
		return dateTimeOrEmpty(r.o.Expires), true
	case "email":
		return strings.ToLower(r.o.Email), true
	}
	return "", false
}

// roleRow is a role with the operators granted it (ended grants too: the
// store counts them when it refuses to remove the role).
type roleRow struct {
	r       store.Role
	holders []string
	missing store.Perm // what the role holds and the viewer does not
}

var roleCols = []grid.Column{
	{Title: "Role", Key: "role", MinWidth: 12, MaxWidth: 16}, // the store allows 32
	{Title: "Kind", Key: "kind", Width: 10},
	{Title: "2FA", Key: "2fa", Width: 12},
	{Title: "Holders", Key: "holders", Width: 7, Align: grid.Right},
	{Title: "Permissions", Key: "perms", MinWidth: 20},
}

// roleCells is the pure row renderer of the roles view.
func roleCells(r roleRow) []string {
	kind := "custom"
	if r.r.Builtin {
		kind = "predefined"
	}
	factor := "optional"
	if r.r.Require2FA {
		factor = "2FA required"
	}
	return []string{r.r.Name, kind, factor, strconv.Itoa(len(r.holders)), permsText(r.r.Perms)}
}

func roleTones(r roleRow) []grid.Tone {
	if r.r.Require2FA {
		return nil
	}
	return []grid.Tone{2: grid.ToneDim}
}

// allPerms is every permission there is (the Administrator's).
func allPerms() store.Perm {
	var all store.Perm
	for _, p := range store.Perms() {
		all |= p
	}
	return all
}

// permsText names a role's permissions, those that change something
// first (what tells roles apart; every role views something); all of them
// is "all permissions".
func permsText(p store.Perm) string {
	if p == allPerms() {
		return "all permissions"
	}
	var change, view []string
	for _, q := range store.Perms() {
		switch name := q.String(); {
		case p&q == 0:
		case strings.HasPrefix(name, "view "):
			view = append(view, name)
		default:
			change = append(change, name)
		}
	}
	return strings.Join(append(change, view...), ", ")
}

// actorPerms are the permissions the viewer holds.
func actorPerms(a store.Actor) store.Perm {
	var held store.Perm
	for _, p := range store.Perms() {
		if a.Can(p) {
			held |= p
		}
	}
	return held
}

type operatorsScreen struct {
	listScreen[opRow]
	roles listScreen[roleRow]
	// rolesView shows the roles instead of the operators.
	rolesView bool
	// w, h are the body's size, for the view that was not on screen when
	// the App resized the grid on screen.
	w, h int
	// armed is when the clock alone next changes a row (a lockout, a
	// grant or an access ends): the screen reloads then.
	armed time.Time
}

func newOperatorsScreen(c *common) *operatorsScreen {
	s := &operatorsScreen{listScreen: newList[opRow](c, scrOperators, "Operators", opCols),
		roles: newList[roleRow](c, scrOperators, "Roles", roleCols)}
	s.cells, s.tones, s.field = opCells, opTones, opField
	s.g.SetFilterKeys("email")
	s.empty = "No operators in your organization units: press " + c.keys.keyLabel(ActOpAdd) + " to add one."
	s.hint = "filter status: role: unit:"
	s.roles.cells, s.roles.tones = roleCells, roleTones
	s.roles.empty = "No roles."
	s.roles.hint = "filter kind: 2fa:"
	return s
}

func (s *operatorsScreen) title(short bool) string {
	if short {
		return "Ops" // 80 columns hold eight tabs only so
	}
	return "Operators"
}

// operatorsLoadedMsg carries both views, read together: the roles give
// the operators their second-factor requirement, the operators the
// roles their holders.
type operatorsLoadedMsg struct {
	n     uint64 // the load's number (loadOrder)
	ops   []opRow
	roles []roleRow
	next  time.Time // when the clock alone changes a row next
	err   error
}

func (s *operatorsScreen) load() tea.Cmd {
	c, n := s.c, s.order.next()
	return func() tea.Msg {
		m := operatorsLoadedMsg{n: n}
		m.err = safe(func() (err error) { m.ops, m.roles, m.next, err = loadOperators(c, c.now()); return err })
		return m
	}
}

// loadOperators reads the operators and the roles (tens, not thousands).
func loadOperators(c *common, now time.Time) ([]opRow, []roleRow, time.Time, error) {
	ops, err := c.st.ListOperators(c.actor)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	roles, err := c.st.ListRoles(c.actor)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	held := actorPerms(c.actor)
	byName := make(map[string]store.Role, len(roles))
	for _, r := range roles {
		byName[strings.ToLower(r.Name)] = r
	}
	holders := map[string][]string{}
	var next time.Time
	soonest := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	rows := make([]opRow, len(ops))
	for i, o := range ops {
		r := opRow{o: o, now: now, self: o.Username == c.actor.Name()}
		for _, u := range o.Units {
			r.units = append(r.units, siteOf(c.st, u))
		}
		var perms store.Perm
		for _, g := range o.Grants {
			role := byName[strings.ToLower(g.Role)]
			perms |= role.Perms
			key := strings.ToLower(g.Role)
			holders[key] = append(holders[key], o.Username)
			if !g.Expired(now) && role.Require2FA {
				r.required = true
			}
			soonest(g.Expires)
		}
		r.missing = perms &^ held
		soonest(o.Expires)
		soonest(o.LockedUntil)
		rows[i] = r
	}
	roleRows := make([]roleRow, len(roles))
	for i, r := range roles {
		roleRows[i] = roleRow{r: r, holders: holders[strings.ToLower(r.Name)], missing: r.Perms &^ held}
	}
	return rows, roleRows, next, nil
}

// Messages of the Operators tab.
type (
	// opSelectMsg selects an operator once the grid has them (just added).
	opSelectMsg struct{ username string }
	// roleSelectMsg selects a role once the grid has it (just added).
	roleSelectMsg struct{ name string }
)

func (s *operatorsScreen) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case operatorsLoadedMsg:
		if !s.order.fresh(m.n) {
			return nil
		}
		s.listScreen.update(listLoadedMsg[opRow]{sid: s.sid, items: m.ops, err: m.err})
		s.roles.update(listLoadedMsg[roleRow]{sid: s.sid, items: m.roles, err: m.err})
		s.armed = m.next
	case opSelectMsg:
		s.selectWhen(func(r opRow) bool { return r.o.Username == m.username })
	case roleSelectMsg:
		s.roles.selectWhen(func(r roleRow) bool { return strings.EqualFold(r.r.Name, m.name) })
	case oneTimeMsg:
		// The dialog that shows the password once, over whatever is open;
		// a new operator is selected once the grid has them.
		s.selectWhen(func(r opRow) bool { return r.o.Username == m.username })
		ok := "operator " + m.username + " added: give them the one-time password in person"
		if m.reset {
			ok = "one-time password issued for operator " + m.username + ": give it in person"
		}
		return tea.Batch(s.c.open(newOneTimeDialog(s.c, m)), func() tea.Msg { return opDoneMsg{ok: ok} })
	}
	return nil
}

// clock reloads once the time comes when the clock alone changes a row
// (a lockout, a grant or an access ends).
func (s *operatorsScreen) clock(now time.Time) tea.Cmd {
	if s.armed.IsZero() || now.Before(s.armed) {
		return nil
	}
	s.armed = time.Time{}
	return s.load()
}

// relevant: operator and role changes are logged, so every one comes
// with a ChangeLog (logins too: last login, lockouts); units rename paths.
func (s *operatorsScreen) relevant(ch []store.Change) bool {
	return slices.ContainsFunc(ch, func(c store.Change) bool {
		return c.What == store.ChangeLog || c.What == store.ChangeUnit || c.What == store.ChangeAll
	})
}

func (s *operatorsScreen) view(w, h int) string {
	s.w, s.h = w, h
	if s.rolesView {
		return s.roles.view(w, h)
	}
	return s.listScreen.view(w, h)
}

func (s *operatorsScreen) table() *grid.Model {
	if s.rolesView {
		return &s.roles.g
	}
	return &s.g
}

func (s *operatorsScreen) footer() string {
	if s.rolesView {
		return s.roles.footer()
	}
	return s.listScreen.footer()
}

func (s *operatorsScreen) crumbs() []string {
	if s.rolesView {
		return []string{"Operators", "Roles"}
	}
	return []string{"Operators"}
}

// toggle switches between the operators and the roles. The grid coming on
// screen takes the size and theme the App gave the other one.
func (s *operatorsScreen) toggle() tea.Cmd {
	s.rolesView = !s.rolesView
	if g := s.table(); s.w > 0 {
		g.SetSize(s.w, s.h)
		g.SetStyles(gridStyles(s.c.theme))
	}
	return nil
}

func (s *operatorsScreen) actions() []ActionID {
	if s.rolesView {
		return []ActionID{ActRolesBack, ActRoleAdd, ActRoleEdit, ActRole2FA, ActRoleRemove}
	}
	return []ActionID{ActOpReactivate, ActOpUnlock, ActOpRoles, ActOpAdd, ActOpEdit, ActOpSuspend, ActOpExpire,
		ActOpResetPassword, ActOpReset2FA, ActOpAddKey, ActOpRemoveKey, ActOpRemove}
}

func (s *operatorsScreen) available(id ActionID) error {
	switch id {
	case ActOpRoles, ActRolesBack:
		return nil
	case ActOpAdd, ActRoleAdd:
		return s.c.actor.Need(store.PermManageOperators)
	}
	if s.rolesView {
		r, ok := s.roles.selected()
		if !ok {
			return notNowf("no role selected")
		}
		return s.roleAvailable(id, r)
	}
	r, ok := s.selected()
	if !ok {
		return notNowf("no operator selected")
	}
	return s.availableFor(id, r)
}

// availableFor says why an action cannot run on an operator. The store
// has no dry run for operators, so the state it refuses is read here from
// the row, in the store's own words; whatever else it refuses (the last
// administrator, a unit out of scope) it says when asked.
func (s *operatorsScreen) availableFor(id ActionID, r opRow) error {
	c, o := s.c, r.o
	if id == ActOpen {
		return nil
	}
	act := operatorAction(id)
	if act == "" {
		return notNowf("not an action of this screen")
	}
	if err := c.actor.Need(store.PermManageOperators); err != nil {
		return err
	}
	if err := c.st.CheckOperator(c.actor, o.Username, act); err != nil {
		return rowScoped(err)
	}
	if id == ActOpRemoveKey && len(o.Keys) == 0 {
		return notNowf("operator %s has no SSH key to remove", o.Username)
	}
	return nil
}

// roleAvailable says why an action cannot run on a role, as the store
// would refuse it.
func (s *operatorsScreen) roleAvailable(id ActionID, r roleRow) error {
	if id == ActOpen {
		return nil
	}
	act := roleAction(id)
	if act == "" {
		return notNowf("not an action of this screen")
	}
	if err := s.c.actor.Need(store.PermManageOperators); err != nil {
		return err
	}
	return rowScoped(s.c.st.CheckRole(s.c.actor, r.r.Name, act))
}

func (s *operatorsScreen) run(id ActionID) tea.Cmd {
	c := s.c
	switch id {
	case ActOpRoles, ActRolesBack:
		return s.toggle()
	case ActOpAdd:
		return c.open(newOpForm(s, nil))
	case ActRoleAdd:
		return c.open(newRoleForm(s, nil))
	}
	if s.rolesView {
		r, ok := s.roles.selected()
		if !ok {
			return nil
		}
		if id == ActOpen {
			return c.open(&roleDetails{s: s, name: r.r.Name})
		}
		return s.runRole(id, r)
	}
	r, ok := s.selected()
	if !ok {
		return nil
	}
	if id == ActOpen {
		return c.open(&opDetails{s: s, username: r.o.Username})
	}
	return s.runFor(id, r)
}

// runFor opens the dialog for an action on one operator (from the grid
// or the details).
func (s *operatorsScreen) runFor(id ActionID, r opRow) tea.Cmd {
	c, o := s.c, r.o
	name := o.Username
	who := "operator " + name
	switch id {
	case ActOpEdit:
		return c.open(newOpForm(s, &o))
	case ActOpSuspend:
		return c.open(newConfirm(c, "Suspend "+who+"?",
			name+" can no longer log in, and their open sessions end at their next action. Reactivate ("+c.keys.keyLabel(ActOpReactivate)+") lets them in again.",
			"Suspend", func() tea.Cmd {
				return c.do(who+" suspended", func() error { return c.st.SuspendOperator(c.actor, name) })
			}))
	case ActOpReactivate:
		return c.do(who+" reactivated: they can log in again", func() error { return c.st.ReactivateOperator(c.actor, name) })
	case ActOpUnlock:
		return c.do(who+" unlocked", func() error { return c.st.UnlockOperator(c.actor, name) })
	case ActOpExpire:
		return c.open(newExpirePrompt(c, o))
	case ActOpResetPassword:
		msg := "Their password stops working at once and a one-time password is shown here, once. Their open sessions end."
		if r.self {
			msg = "This is you: your password stops working at once, a one-time password is shown here, once, and this session ends."
		}
		return c.open(newConfirm(c, "Reset the password of "+who+"?", msg,
			"Reset", func() tea.Cmd {
				return func() tea.Msg {
					var pw string
					err := safe(func() (err error) { pw, err = c.st.ResetOperatorPassword(c.actor, name); return err })
					if err != nil {
						return opDoneMsg{err: err}
					}
					return oneTimeMsg{username: name, password: pw, reset: true}
				}
			}))
	case ActOpReset2FA:
		return c.open(newConfirm(c, "Reset the second factor of "+who+"?",
			"Their authenticator app and recovery codes stop working. If one of their roles requires a second factor, they enrol a new one at their next login.",
			"Reset", func() tea.Cmd {
				return c.do("second factor of "+who+" removed", func() error { return c.st.ResetSecondFactor(c.actor, name) })
			}))
	case ActOpAddKey:
		p := newPrompt(c, "Add an SSH key to "+who, "Public key (one line of their .pub file):", "", func(line string) tea.Cmd {
			return func() tea.Msg {
				var k store.SSHKey
				err := safe(func() (err error) { k, err = c.st.AddSSHKey(c.actor, name, line); return err })
				if err != nil {
					return promptErrMsg{err}
				}
				return tea.BatchMsg{func() tea.Msg { return closeDialogMsg{} }, func() tea.Msg {
					return opDoneMsg{ok: fmt.Sprintf("SSH key %s added to %s: it logs them in over SSH", k.Fingerprint, who)}
				}}
			}
		})
		p.note = "ssh-ed25519 AAAA… name@host; paste it (it is one line)"
		return c.open(p)
	case ActOpRemoveKey:
		items := make([]pickItem, len(o.Keys))
		for i, k := range o.Keys {
			items[i] = pickItem{label: k.Fingerprint, note: strings.TrimSpace(k.Type + " " + k.Comment), who: k.Fingerprint}
		}
		return c.open(newPickList(c, "Remove an SSH key of "+who, "", items, func(it pickItem) (tea.Cmd, bool) {
			fp := it.who
			return c.open(newConfirm(c, "Remove an SSH key of "+who+"?", "Key "+fp+" ("+it.note+"): "+name+" can no longer log in over SSH with it.", "Remove", func() tea.Cmd {
				return c.do("SSH key "+fp+" removed from "+who, func() error { return c.st.RemoveSSHKey(c.actor, name, fp) })
			})), true
		}))
	case ActOpRemove:
		return c.open(newConfirm(c, "Remove "+who+"?",
			"This deletes "+name+" and their SSH keys; what they did stays in the action log. It cannot be undone.",
			"Remove", func() tea.Cmd {
				return c.do(who+" removed", func() error { return c.st.RemoveOperator(c.actor, name) })
			}).requireTyped(name))
	}
	return nil
}

// runRole opens the dialog for an action on one role.
func (s *operatorsScreen) runRole(id ActionID, r roleRow) tea.Cmd {
	c, role := s.c, r.r
	switch id {
	case ActRoleEdit:
		return c.open(newRoleForm(s, &role))
	case ActRole2FA:
		next := role
		next.Require2FA = !role.Require2FA
		ok := role.Name + " requires a second factor: holders without one enrol at their next login"
		if !next.Require2FA {
			ok = role.Name + " no longer requires a second factor"
		}
		return c.do(ok, func() error { return c.st.UpdateRole(c.actor, next) })
	case ActRoleRemove:
		name := role.Name
		return c.open(newConfirm(c, "Remove role "+name+"?", "Nobody holds it; what it did stays in the action log.", "Remove", func() tea.Cmd {
			return c.do("role "+name+" removed", func() error { return c.st.RemoveRole(c.actor, name) })
		}))
	}
	return nil
}

func (s *operatorsScreen) row(username string) (opRow, bool) {
	return rowWith(s.items, func(r opRow) string { return r.o.Username }, username)
}

func (s *operatorsScreen) role(name string) (roleRow, bool) {
	return rowWith(s.roles.items, func(r roleRow) string { return r.r.Name }, name)
}
