package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/plain"
	"github.com/guardroom/guardroom/tui/grid"
)

// The Operators tab's dialogs: an operator's and a role's details, the
// operator and role forms, the access end, and the one-time password
// shown once. They collect what the store needs; the store decides.

// parseWhen reads an end typed as 2026-12-31 18:00 in local time (a date
// alone is its 00:00); empty is no end. what names the field in the error.
func parseWhen(what, s string) (time.Time, error) { return parseWhenIn(what, s, time.Local) }

// parseWhenIn is parseWhen on the clock of loc: the site's, for access
// times (see common.siteZone).
func parseWhenIn(what, s string, loc *time.Location) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{dateTimeLayout, "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	clock := "local time"
	if loc != time.Local {
		clock = "site time, " + loc.String()
	}
	return time.Time{}, notNowf("%s %q is not a date and time: type it as 2026-12-31 18:00 (%s), or leave it empty for no end", what, s, clock)
}

// endText says when a grant or an access ends, as of now.
func endText(t, now time.Time) string {
	switch {
	case t.IsZero():
		return "no end"
	case !now.Before(t):
		return "ended " + dateTime(t)
	}
	return "until " + dateTime(t)
}

// ---- one-time password ----

// oneTimeMsg carries a one-time password to the dialog that shows it
// once: a new operator's (form is the add form, which closes on it) or a
// reset one's.
type oneTimeMsg struct {
	username, password string
	reset              bool
	form               *opForm
}

// oneTimeDialog shows a one-time password once. Only enter or esc closes
// it, so a stray key does not lose it; nothing keeps it afterwards.
type oneTimeDialog struct {
	c *common
	m oneTimeMsg
}

func newOneTimeDialog(c *common, m oneTimeMsg) *oneTimeDialog {
	m.form = nil
	return &oneTimeDialog{c: c, m: m}
}

func (d *oneTimeDialog) editing() bool { return false }

func (d *oneTimeDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok && (k.String() == "enter" || k.String() == "esc") {
		d.m.password = ""
		return nil, true
	}
	return nil, false
}

func (d *oneTimeDialog) view(width, _ int) string {
	t := d.c.theme
	w := dialogWidth(width, 60)
	head := "Operator " + d.m.username + " added."
	if d.m.reset {
		head = "The password of operator " + d.m.username + " was reset: the old one no longer works."
	}
	body := []string{wrap(head, w), "", t.Label.Render("One-time password:"), "    " + t.ModalTitle.Render(d.m.password), "",
		wrap("Give it in person; it must be changed at the first login.", w),
		t.Dim.Render(wrap("It is shown only this once: guardroom keeps no copy it could show again.", w)),
		"", t.HintKey.Render("enter") + " done, it is handed over"}
	return d.c.frame("One-time password for "+d.m.username, w, body...)
}

// ---- access end ----

// newExpirePrompt sets or clears when an operator's access ends.
func newExpirePrompt(c *common, o store.Operator) *prompt {
	name, who := o.Username, "operator "+o.Username
	p := newPrompt(c, "When does the access of "+who+" end?", "Ends at (local time), e.g. 2026-12-31 18:00; empty: never", dateTimeOrEmpty(o.Expires), func(v string) tea.Cmd {
		when, err := parseWhen("the end", v)
		if err != nil {
			return func() tea.Msg { return promptErrMsg{err} }
		}
		ok := "the access of " + who + " has no end"
		switch {
		case when.IsZero():
		case !c.now().Before(when):
			ok = "the access of " + who + " ended at " + dateTime(when) + ": they can no longer log in"
		default:
			ok = "the access of " + who + " ends at " + dateTime(when)
		}
		return c.submitOp(ok, func() error {
			// The operator as it is now: only the end changes.
			cur, err := c.st.GetOperator(c.actor, name)
			if err != nil {
				return err
			}
			cur.Expires = when
			return c.st.UpdateOperator(c.actor, cur)
		})
	})
	p.note = "Then they can no longer log in and their open sessions stop. Each role can also end on its own (" + c.keys.keyLabel(ActOpEdit) + " edit)."
	return p
}

func dateTimeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dateTime(t)
}

// ---- operator form ----

// opForm adds an operator or edits one: name, email, roles (each with an
// optional end), units and the access end. The roles and units offered
// are all the viewer may see; granting one they may not is the store's
// to refuse, in its words, and the form keeps what was typed.
type opForm struct {
	*form
	s      *operatorsScreen
	edit   *store.Operator // nil: a new operator
	user   field
	name   field
	email  field
	until  field // the access end
	roles  []store.Role
	chosen []bool
	ends   []time.Time
	units  []store.Unit
	unitOn []bool
}

func newOpForm(s *operatorsScreen, edit *store.Operator) *opForm {
	c := s.c
	d := &opForm{s: s, edit: edit, units: c.st.ListUnits(c.actor)}
	title := "Add an operator"
	if edit != nil {
		title = "Edit operator " + edit.Username
	}
	d.form = newFootForm(c, title, 72, "tab/↑↓ move · esc cancel", d.stops)
	d.extra = d.warnSelf
	d.user.limit = 32
	for _, r := range s.roles.items {
		d.roles = append(d.roles, r.r)
	}
	d.chosen, d.ends = make([]bool, len(d.roles)), make([]time.Time, len(d.roles))
	d.unitOn = make([]bool, len(d.units))
	if edit == nil {
		if len(d.units) == 1 {
			d.unitOn[0] = true
		}
		return d
	}
	d.user.set(edit.Username)
	d.name.set(edit.Name)
	d.email.set(edit.Email)
	d.until.set(dateTimeOrEmpty(edit.Expires))
	for _, g := range edit.Grants {
		i := slices.IndexFunc(d.roles, func(r store.Role) bool { return strings.EqualFold(r.Name, g.Role) })
		if i < 0 { // a role the list does not have: kept as granted
			d.roles, d.chosen, d.ends = append(d.roles, store.Role{Name: g.Role}), append(d.chosen, false), append(d.ends, time.Time{})
			i = len(d.roles) - 1
		}
		d.chosen[i], d.ends[i] = true, g.Expires
	}
	for _, u := range edit.Units {
		if i := slices.IndexFunc(d.units, func(x store.Unit) bool { return x.ID == u }); i >= 0 {
			d.unitOn[i] = true
		}
	}
	return d
}

func (d *opForm) stops() []fstop {
	t := d.c.theme
	var st []fstop
	if d.edit == nil {
		st = append(st, fstop{kind: skText, label: "Username", f: &d.user, width: 40})
	} else {
		st = append(st, noFocus(d.label("Username")+"  "+d.edit.Username))
	}
	st = append(st, fstop{kind: skText, label: "Name", f: &d.name, width: 40},
		fstop{kind: skText, label: "Email", f: &d.email, width: 40},
		noFocus(""), noFocus(d.label("Roles")+t.Dim.Render("space grants · enter sets an end")))
	now := d.c.now()
	for i, r := range d.roles {
		st = append(st, fstop{kind: skToggle, on: &d.chosen[i], pick: func() tea.Cmd { return d.endPrompt(i) },
			line: func(m string, _ bool, _ int) string {
				note := ""
				if d.chosen[i] {
					note = endText(d.ends[i], now)
				}
				if r.Require2FA {
					note = strings.TrimPrefix(note+" · requires 2FA", " · ")
				}
				return m + checkbox(d.chosen[i]) + " " + pad(r.Name, 16) + " " + t.Dim.Render(note)
			}})
	}
	st = append(st, noFocus(""), noFocus(d.label("Units")+t.Dim.Render("space grants: the unit and all below it")))
	for i, u := range d.units {
		st = append(st, fstop{kind: skToggle, on: &d.unitOn[i],
			line: func(m string, _ bool, _ int) string { return m + checkbox(d.unitOn[i]) + " " + siteOf(d.c.st, u.ID) }})
	}
	return append(st, noFocus(""),
		fstop{kind: skText, label: "Access ends", f: &d.until, width: 18, note: "2026-12-31 18:00; empty: never"},
		fstop{kind: skButton, label: "Save", press: d.save})
}

// warnSelf says, under the form, that saving one's own operator ends the
// session: the store ends the edited operator's sessions, this one too.
func (d *opForm) warnSelf(w int) []string {
	if d.edit != nil && d.edit.Username == d.c.actor.Name() {
		return []string{d.c.theme.Warn.Render(wrap("This is you: saving ends this session, and you log in again.", w))}
	}
	return nil
}

func (d *opForm) editing() bool {
	return d.edit != nil || d.user.String()+d.name.String()+d.email.String() != "" || slices.Contains(d.chosen, true)
}

func (d *opForm) update(msg tea.Msg) (tea.Cmd, bool) {
	if m, ok := msg.(oneTimeMsg); ok {
		return nil, m.form == d
	}
	return d.form.update(msg)
}

// endPrompt asks when role i ends for this operator; setting an end
// grants the role.
func (d *opForm) endPrompt(i int) tea.Cmd {
	role := d.roles[i].Name
	p := newPrompt(d.c, "When does "+role+" end?", "Ends at (local time), e.g. 2026-12-31 18:00; empty: no end", dateTimeOrEmpty(d.ends[i]), nil)
	p.instant = func(v string) error {
		t, err := parseWhen("the end", v)
		if err != nil {
			return err
		}
		d.ends[i], d.chosen[i], d.err = t, true, ""
		return nil
	}
	p.note = "The role is granted until then; the operator's other roles are not touched."
	return d.c.open(p)
}

func (d *opForm) save() tea.Cmd {
	c := d.c
	var grants []store.Grant
	for i, r := range d.roles {
		if d.chosen[i] {
			grants = append(grants, store.Grant{Role: r.Name, Expires: d.ends[i]})
		}
	}
	var units []uint64
	for i, u := range d.units {
		if d.unitOn[i] {
			units = append(units, u.ID)
		}
	}
	until, err := parseWhen("the access end", d.until.String())
	if err != nil {
		d.err = errText(err)
		return nil
	}
	if d.edit != nil {
		o := *d.edit
		o.Name, o.Email, o.Grants, o.Units, o.Expires = d.name.String(), d.email.String(), grants, units, until
		return c.submitOp("operator "+o.Username+" saved", func() error { return c.st.UpdateOperator(c.actor, o) })
	}
	n := store.NewOperator{Username: strings.TrimSpace(d.user.String()), Name: d.name.String(), Email: d.email.String(),
		Grants: grants, Units: units, Expires: until}
	return func() tea.Msg {
		var pw string
		err := safe(func() (err error) { pw, err = c.st.AddOperator(c.actor, n); return err })
		if err != nil {
			return promptErrMsg{err}
		}
		return oneTimeMsg{username: n.Username, password: pw, form: d}
	}
}

// ---- role form ----

// roleForm makes a custom role or edits a role: the permissions of a
// custom role only (a predefined role's are fixed), and for any role its
// description and whether it requires a second factor.
type roleForm struct {
	*form
	s       *operatorsScreen
	edit    *store.Role // nil: a new role
	name    field
	desc    field
	perms   store.Perm
	require bool
}

func newRoleForm(s *operatorsScreen, edit *store.Role) *roleForm {
	d := &roleForm{s: s, edit: edit}
	title := "Add a custom role"
	if edit != nil {
		title = "Edit role " + edit.Name
	}
	d.form = newFootForm(s.c, title, 64, "tab/↑↓ move · esc cancel", d.stops)
	d.name.limit = 32
	if edit != nil {
		d.name.set(edit.Name)
		d.desc.set(edit.Description)
		d.perms, d.require = edit.Perms, edit.Require2FA
	}
	return d
}

// fixed: a predefined role's permissions cannot change.
func (d *roleForm) fixed() bool { return d.edit != nil && d.edit.Builtin }

func (d *roleForm) stops() []fstop {
	t := d.c.theme
	var st []fstop
	if d.edit == nil {
		st = append(st, fstop{kind: skText, label: "Role", f: &d.name, width: 34})
	} else {
		kind := "custom"
		if d.edit.Builtin {
			kind = "predefined"
		}
		st = append(st, noFocus(d.label("Role")+"  "+d.edit.Name+"  "+t.Dim.Render(kind)))
	}
	st = append(st, fstop{kind: skText, label: "Description", f: &d.desc, width: widthFill}, noFocus(""))
	if d.fixed() {
		st = append(st, noFocus(d.label("Permissions")+t.Dim.Render("fixed: make a custom role for others")))
		for _, p := range store.Perms() {
			if d.perms&p != 0 {
				st = append(st, noFocus(t.Dim.Render("    "+p.String())))
			}
		}
	} else {
		st = append(st, noFocus(d.label("Permissions")+t.Dim.Render("space chooses")))
		for _, p := range store.Perms() {
			st = append(st, fstop{kind: skToggle, flip: func() { d.perms ^= p },
				line: func(m string, _ bool, _ int) string { return m + checkbox(d.perms&p != 0) + " " + p.String() }})
		}
	}
	return append(st, noFocus(""),
		fstop{kind: skToggle, on: &d.require, line: func(m string, _ bool, _ int) string {
			return d.label("2nd factor") + m + checkbox(d.require) + " required of its holders " + t.Dim.Render("(space)")
		}},
		fstop{kind: skButton, label: "Save", press: d.save})
}

func (d *roleForm) editing() bool {
	if d.edit != nil {
		return d.desc.String() != d.edit.Description || d.perms != d.edit.Perms || d.require != d.edit.Require2FA
	}
	return d.name.String() != "" || d.perms != 0
}

func (d *roleForm) save() tea.Cmd {
	c := d.c
	if d.edit != nil {
		next := *d.edit
		next.Description, next.Require2FA = d.desc.String(), d.require
		if !next.Builtin {
			next.Perms = d.perms
		}
		return c.submitOp("role "+next.Name+" saved", func() error { return c.st.UpdateRole(c.actor, next) })
	}
	r := store.Role{Name: strings.TrimSpace(d.name.String()), Description: d.desc.String(), Perms: d.perms, Require2FA: d.require}
	return func() tea.Msg {
		if err := safe(func() error { return c.st.AddRole(c.actor, r) }); err != nil {
			return promptErrMsg{err}
		}
		return tea.BatchMsg{
			func() tea.Msg { return closeDialogMsg{} },
			func() tea.Msg { return roleSelectMsg{name: r.Name} },
			func() tea.Msg {
				return opDoneMsg{ok: "role " + r.Name + " added: grant it with " + c.keys.keyLabel(ActOpEdit) + " on an operator"}
			},
		}
	}
}

// ---- details ----

// detailLines lays out a details dialog: a label column, values wrapped
// under it, each in its tone.
type detailLines struct {
	t      themeStyles
	width  int
	labelW int
	lines  []string
}

// add lays out one value (styled or not); a control character in it
// shows as an escape (plain.Styled), in the width it takes.
func (d *detailLines) add(k, v string, tone grid.Tone) {
	for i, line := range strings.Split(wrap(plain.Styled(v), d.width-d.labelW), "\n") {
		if i > 0 {
			k = ""
		}
		d.lines = append(d.lines, d.t.Label.Render(fmt.Sprintf("%-*s", d.labelW, k))+toneStyle(d.t, tone, line))
	}
}

// opDetailActions are an operator's actions offered in the details.
var opDetailActions = []ActionID{ActOpReactivate, ActOpUnlock, ActOpEdit, ActOpSuspend, ActOpExpire,
	ActOpResetPassword, ActOpReset2FA, ActOpAddKey, ActOpRemoveKey, ActOpRemove}

// opDetails shows one operator: every field, each grant with its end,
// each SSH key, and the actions their state allows.
type opDetails struct {
	s        *operatorsScreen
	username string
	sc       scroller
}

func (d *opDetails) editing() bool { return false }

// dock puts the details at the right edge, as the panel users' open.
func (d *opDetails) dock() bool { return true }

func (d *opDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	if d.sc.key(msg) {
		return nil, false
	}
	return detailsKeyTry(d.s.c, msg, func() (opRow, bool) { return d.s.row(d.username) },
		func(opRow) []ActionID { return opDetailActions }, d.s.availableFor, d.s.tryOperator, d.s.runFor)
}

// statusSentence is the operator's status with what it means.
func statusSentence(r opRow) string {
	o, now := r.o, r.now
	s := opStatus(o, now)
	switch o.Status(now) {
	case store.OpActive:
		s += ": can log in"
	case store.OpSuspended:
		s += ": cannot log in until reactivated"
	case store.OpExpired:
		if !o.Expires.IsZero() && !now.Before(o.Expires) {
			s += ": the access ended at " + dateTime(o.Expires)
		} else {
			s += ": every role has ended"
		}
	case store.OpLocked:
		s += fmt.Sprintf(" after %d failed logins", store.MaxFailures)
	case store.OpMustChange:
		s += ": a one-time password was issued; it is changed at the first login"
	case store.OpNoPassword:
		s += " and no SSH key: reset the password to let them in"
	}
	if o.Failures > 0 {
		s += fmt.Sprintf(" · %s since the last good one", plural(o.Failures, "failed login", "failed logins"))
	}
	return s
}

func (d *opDetails) view(width, height int) string {
	s := d.s
	c := s.c
	t := c.theme
	w := dialogWidth(width, 66)
	r, ok := s.row(d.username)
	if !ok {
		return c.frame("Operator "+d.username, w, "This operator is no longer shown.")
	}
	o, now := r.o, r.now
	tones := opTones(r)
	dl := detailLines{t: t, width: w, labelW: 11}
	name := o.Name
	if name == "" {
		name = "-"
	}
	if o.Email != "" {
		name += " <" + o.Email + ">"
	}
	dl.add("Name", name, grid.ToneNone)
	dl.add("Status", statusSentence(r), tones[opStatusCol])
	if len(o.Grants) == 0 {
		dl.add("Roles", "none", grid.ToneDim)
	}
	for i, g := range o.Grants {
		k := ""
		if i == 0 {
			k = "Roles"
		}
		line := g.Role + " — " + endText(g.Expires, now)
		if role, ok := s.role(g.Role); ok && role.r.Require2FA {
			line += " · requires 2FA"
		}
		tone := grid.ToneNone
		if g.Expired(now) {
			tone = grid.ToneDim
		}
		dl.add(k, line, tone)
	}
	for i, u := range o.Units {
		k := ""
		if i == 0 {
			k = "Units"
		}
		dl.add(k, c.st.UnitPath(u), grid.ToneNone)
	}
	access := "no end"
	if !o.Expires.IsZero() {
		access = strings.TrimPrefix(endText(o.Expires, now), "until ")
	}
	dl.add("Access", access, tones[opExpiresCol])
	factor := "off"
	switch {
	case o.TwoFactor:
		factor = "on (authenticator app)"
	case r.required:
		factor = "off: a role requires it, so they enrol at their next login"
	}
	dl.add("2FA", factor, tones[opFactorCol])
	if len(o.Keys) == 0 {
		dl.add("SSH keys", "none", grid.ToneNone)
	}
	for i, k := range o.Keys {
		label := ""
		if i == 0 {
			label = "SSH keys"
		}
		dl.add(label, k.Fingerprint+"  "+t.Dim.Render(strings.TrimSpace(k.Type+" "+k.Comment)), grid.ToneNone)
	}
	login := "never"
	if !o.LastLogin.IsZero() {
		login = clockOrDate(o.LastLogin, now)
	}
	pw := "none"
	if o.HasPassword {
		pw = "set " + clockOrDate(o.PasswordSet, now)
	}
	dl.add("Logins", "last "+login+" · password "+pw+" · created "+clockOrDate(o.Created, now), grid.ToneNone)
	avail := func(id ActionID) error { return s.availableFor(id, r) }
	flow := actionFlow(c, opDetailActions, avail, w, 0)
	// The dock opens at line 2; frame, title, the blank line, the flow
	// and the closing hint must stay above the footer's three lines.
	room := height - 2 - 4 - 3 - 2 - len(flow)
	info := d.sc.fit(&dl, room)
	reasons := room - len(info)
	lines := append(append(slices.Clone(info), ""), actionFlow(c, opDetailActions, avail, w, reasons)...)
	lines = append(lines, t.Dim.Render("esc closes · ? on the grid explains every key"))
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return c.frame("Operator "+o.Username, w, lines...)
}

// roleDetailActions are a role's actions offered in its details.
var roleDetailActions = []ActionID{ActRoleEdit, ActRole2FA, ActRoleRemove}

// roleDetails shows one role: its permissions, who holds it, and the
// actions it allows.
type roleDetails struct {
	s    *operatorsScreen
	name string
	sc   scroller
}

func (d *roleDetails) editing() bool { return false }
func (d *roleDetails) dock() bool    { return true }

func (d *roleDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	if d.sc.key(msg) {
		return nil, false
	}
	return detailsKeyTry(d.s.c, msg, func() (roleRow, bool) { return d.s.role(d.name) },
		func(roleRow) []ActionID { return roleDetailActions }, d.s.roleAvailable, d.s.tryRole, d.s.runRole)
}

func (d *roleDetails) view(width, height int) string {
	s := d.s
	c := s.c
	t := c.theme
	w := dialogWidth(width, 64)
	r, ok := s.role(d.name)
	if !ok {
		return c.frame("Role "+d.name, w, "This role is no longer shown.")
	}
	dl := detailLines{t: t, width: w, labelW: 12}
	kind := "custom"
	if r.r.Builtin {
		kind = "predefined: its permissions are fixed"
	}
	dl.add("Kind", kind, grid.ToneNone)
	if r.r.Description != "" {
		dl.add("Description", r.r.Description, grid.ToneNone)
	}
	factor := "optional"
	if r.r.Require2FA {
		factor = "required of its holders: who has none enrols at their next login"
	}
	dl.add("2nd factor", factor, grid.ToneNone)
	dl.add("Permissions", permsText(r.r.Perms), grid.ToneNone)
	holders := "nobody"
	if len(r.holders) > 0 {
		holders = fmt.Sprintf("%d: %s", len(r.holders), strings.Join(r.holders, ", "))
	}
	dl.add("Holders", holders, grid.ToneNone)
	if !r.r.Created.IsZero() {
		dl.add("Created", clockOrDate(r.r.Created, c.now()), grid.ToneNone)
	}
	avail := func(id ActionID) error { return s.roleAvailable(id, r) }
	flow := actionFlow(c, roleDetailActions, avail, w, 0)
	room := height - 2 - 4 - 3 - 2 - len(flow)
	info := d.sc.fit(&dl, room)
	lines := append(append(slices.Clone(info), ""), actionFlow(c, roleDetailActions, avail, w, room-len(info))...)
	lines = append(lines, t.Dim.Render("esc closes"))
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return c.frame("Role "+r.r.Name, w, lines...)
}
