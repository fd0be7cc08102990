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

// ---- checklist forms ----

// formLines is a form's body: lines, and which one holds the focus.
type formLines struct {
	lines []string
	focus int
}

func (f *formLines) add(line string, focused bool) {
	if focused {
		f.focus = len(f.lines)
	}
	f.lines = append(f.lines, line)
}

// window cuts the lines to room around the focus, saying what is above
// and below, so a long checklist fits an 80x24 terminal. atEnd: the
// focus is below the lines (on the Save button).
func (f formLines) window(t themeStyles, room int, atEnd bool) []string {
	room = max(room, 3)
	if atEnd {
		f.focus = len(f.lines) - 1
	}
	if len(f.lines) <= room {
		return f.lines
	}
	top := min(max(f.focus-room/2, 0), len(f.lines)-room)
	out := slices.Clone(f.lines[top : top+room])
	if top > 0 {
		out[0] = t.Dim.Render("  ↑ more above")
	}
	if top+room < len(f.lines) {
		out[room-1] = t.Dim.Render("  ↓ more below")
	}
	return out
}

func checkbox(on bool) string {
	if on {
		return "[x]"
	}
	return "[ ]"
}

// ---- operator form ----

// Focus stops of the operator form.
const (
	ofUser = iota
	ofName
	ofEmail
	ofRole
	ofUnit
	ofExpires
	ofSave
)

type formStop struct{ kind, i int }

// focusedStop returns the stop under the focus, first pulling the focus
// back onto the last stop when the form has shrunk (a list emptied, a
// section turned off).
func focusedStop(st []formStop, focus *int) formStop {
	*focus = min(*focus, len(st)-1)
	return st[*focus]
}

// stopKey does what every form of stops does with a key: esc closes it,
// tab and the arrows move the focus over its n stops, and other keys go to
// the focused text field. Enter and space are the form's own (save, open,
// toggle): for them it reports handled false.
func stopKey(msg tea.KeyPressMsg, focus *int, n int, text *field, err *string) (closed, handled bool) {
	switch msg.String() {
	case "esc":
		return true, true
	case "tab", "down":
		*focus = (*focus + 1) % n
	case "shift+tab", "up":
		*focus = (*focus + n - 1) % n
	case "enter", "space":
		return false, false
	default:
		if text != nil && text.key(msg) {
			*err = ""
		}
	}
	return false, true
}

// opForm adds an operator or edits one: name, email, roles (each with an
// optional end), units and the access end. The roles and units offered
// are all the viewer may see; granting one they may not is the store's
// to refuse, in its words, and the form keeps what was typed.
type opForm struct {
	s      *operatorsScreen
	c      *common
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
	focus  int
	err    string
}

func newOpForm(s *operatorsScreen, edit *store.Operator) *opForm {
	c := s.c
	d := &opForm{s: s, c: c, edit: edit, units: c.st.ListUnits(c.actor)}
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

func (d *opForm) stops() []formStop {
	var st []formStop
	if d.edit == nil {
		st = append(st, formStop{kind: ofUser})
	}
	st = append(st, formStop{kind: ofName}, formStop{kind: ofEmail})
	for i := range d.roles {
		st = append(st, formStop{ofRole, i})
	}
	for i := range d.units {
		st = append(st, formStop{ofUnit, i})
	}
	return append(st, formStop{kind: ofExpires}, formStop{kind: ofSave})
}

func (d *opForm) cur() formStop { return focusedStop(d.stops(), &d.focus) }

// text is the focused text field, or nil.
func (d *opForm) text() *field {
	switch d.cur().kind {
	case ofUser:
		return &d.user
	case ofName:
		return &d.name
	case ofEmail:
		return &d.email
	case ofExpires:
		return &d.until
	}
	return nil
}

func (d *opForm) editing() bool {
	return d.edit != nil || d.user.len()+d.name.len()+d.email.len() > 0 || slices.Contains(d.chosen, true)
}

func (d *opForm) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case oneTimeMsg:
		if msg.form == d {
			return nil, true
		}
	case tea.PasteMsg:
		if f := d.text(); f != nil {
			f.paste(msg.Content)
		}
	case tea.KeyPressMsg:
		n, cur := len(d.stops()), d.cur()
		if closed, handled := stopKey(msg, &d.focus, n, d.text(), &d.err); handled {
			return nil, closed
		}
		switch msg.String() {
		case "enter":
			switch cur.kind {
			case ofSave:
				return d.save(), false
			case ofRole:
				return d.endPrompt(cur.i), false
			}
			d.focus = (d.focus + 1) % n
		case "space":
			switch cur.kind {
			case ofRole:
				d.chosen[cur.i], d.err = !d.chosen[cur.i], ""
			case ofUnit:
				d.unitOn[cur.i], d.err = !d.unitOn[cur.i], ""
			default:
				if f := d.text(); f != nil {
					f.key(msg)
				}
			}
		}
	}
	return nil, false
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

func (d *opForm) view(width, height int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, 72)
	cur := d.cur()
	const lw = 13
	label := func(s string) string { return t.Label.Render(fmt.Sprintf("%-*s", lw, s)) }
	mark := func(kind, i int) (string, bool) {
		on := cur == (formStop{kind, i})
		return focusMark(t, on), on
	}
	var f formLines
	textLine := func(name string, kind int, fl *field, note string) {
		m, on := mark(kind, 0)
		line := label(name) + m + fl.render(min(w-lw-2, 40), on)
		if note != "" {
			line = label(name) + m + fl.render(min(w-lw-2, 18), on) + " " + t.Dim.Render(note)
		}
		f.add(truncate(line, w), on)
	}
	if d.edit == nil {
		textLine("Username", ofUser, &d.user, "")
	} else {
		f.add(label("Username")+"  "+d.edit.Username, false)
	}
	textLine("Name", ofName, &d.name, "")
	textLine("Email", ofEmail, &d.email, "")
	now := c.now()
	f.add("", false)
	f.add(label("Roles")+t.Dim.Render("space grants · enter sets an end"), false)
	for i, r := range d.roles {
		m, on := mark(ofRole, i)
		note := ""
		if d.chosen[i] {
			note = endText(d.ends[i], now)
		}
		if r.Require2FA {
			note = strings.TrimPrefix(note+" · requires 2FA", " · ")
		}
		f.add(truncate(m+checkbox(d.chosen[i])+" "+pad(r.Name, 16)+" "+t.Dim.Render(note), w), on)
	}
	f.add("", false)
	f.add(label("Units")+t.Dim.Render("space grants: the unit and all below it"), false)
	for i, u := range d.units {
		m, on := mark(ofUnit, i)
		f.add(truncate(m+checkbox(d.unitOn[i])+" "+siteOf(c.st, u.ID), w), on)
	}
	f.add("", false)
	textLine("Access ends", ofExpires, &d.until, "2026-12-31 18:00; empty: never")

	m, on := mark(ofSave, 0)
	button := focusButton(t, "Save", on)
	foot := []string{"", m + button + "   " + t.Dim.Render("tab/↑↓ move · esc cancel")}
	if d.edit != nil && d.edit.Username == c.actor.Name() {
		// The store ends the edited operator's sessions: this one too.
		foot = append(foot, t.Warn.Render(wrap("This is you: saving ends this session, and you log in again.", w)))
	}
	if d.err != "" {
		foot = append(foot, "", t.StatusError.Render(wrap(d.err, w)))
	}
	// The header and the status line stay in sight: frame and title
	// take four lines.
	body := append(f.window(t, height-6-lipglossHeight(foot), on), foot...)
	title := "Add an operator"
	if d.edit != nil {
		title = "Edit operator " + d.edit.Username
	}
	return c.frame(title, w, body...)
}

// lipglossHeight counts the lines of rendered parts (a wrapped error is
// more than one).
func lipglossHeight(parts []string) int {
	n := 0
	for _, p := range parts {
		n += strings.Count(p, "\n") + 1
	}
	return n
}

// ---- role form ----

// Focus stops of the role form.
const (
	rfName = iota
	rfDesc
	rfPerm
	rfRequire
	rfSave
)

// roleForm makes a custom role or edits a role: the permissions of a
// custom role only (a predefined role's are fixed), and for any role its
// description and whether it requires a second factor.
type roleForm struct {
	s       *operatorsScreen
	c       *common
	edit    *store.Role // nil: a new role
	name    field
	desc    field
	perms   store.Perm
	require bool
	focus   int
	err     string
}

func newRoleForm(s *operatorsScreen, edit *store.Role) *roleForm {
	d := &roleForm{s: s, c: s.c, edit: edit}
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

func (d *roleForm) stops() []formStop {
	var st []formStop
	if d.edit == nil {
		st = append(st, formStop{kind: rfName})
	}
	st = append(st, formStop{kind: rfDesc})
	if !d.fixed() {
		for i := range store.Perms() {
			st = append(st, formStop{rfPerm, i})
		}
	}
	return append(st, formStop{kind: rfRequire}, formStop{kind: rfSave})
}

func (d *roleForm) cur() formStop { return focusedStop(d.stops(), &d.focus) }

func (d *roleForm) text() *field {
	switch d.cur().kind {
	case rfName:
		return &d.name
	case rfDesc:
		return &d.desc
	}
	return nil
}

func (d *roleForm) editing() bool {
	if d.edit != nil {
		return d.desc.String() != d.edit.Description || d.perms != d.edit.Perms || d.require != d.edit.Require2FA
	}
	return d.name.len() > 0 || d.perms != 0
}

func (d *roleForm) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		if f := d.text(); f != nil {
			f.paste(msg.Content)
		}
	case tea.KeyPressMsg:
		n, cur := len(d.stops()), d.cur()
		if closed, handled := stopKey(msg, &d.focus, n, d.text(), &d.err); handled {
			return nil, closed
		}
		switch msg.String() {
		case "enter":
			if cur.kind == rfSave {
				return d.save(), false
			}
			d.focus = (d.focus + 1) % n
		case "space":
			switch cur.kind {
			case rfPerm:
				d.perms ^= store.Perms()[cur.i]
				d.err = ""
			case rfRequire:
				d.require, d.err = !d.require, ""
			default:
				if f := d.text(); f != nil {
					f.key(msg)
				}
			}
		}
	}
	return nil, false
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

func (d *roleForm) view(width, height int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, 64)
	cur := d.cur()
	const lw = 13
	label := func(s string) string { return t.Label.Render(fmt.Sprintf("%-*s", lw, s)) }
	mark := func(kind, i int) (string, bool) {
		on := cur == (formStop{kind, i})
		return focusMark(t, on), on
	}
	var f formLines
	if d.edit == nil {
		m, on := mark(rfName, 0)
		f.add(label("Role")+m+d.name.render(min(w-lw-2, 34), on), on)
	} else {
		kind := "custom"
		if d.edit.Builtin {
			kind = "predefined"
		}
		f.add(label("Role")+"  "+d.edit.Name+"  "+t.Dim.Render(kind), false)
	}
	m, on := mark(rfDesc, 0)
	f.add(label("Description")+m+d.desc.render(w-lw-2, on), on)
	f.add("", false)
	if d.fixed() {
		f.add(label("Permissions")+t.Dim.Render("fixed: make a custom role for others"), false)
		for _, p := range store.Perms() {
			if d.perms&p != 0 {
				f.add(t.Dim.Render("    "+p.String()), false)
			}
		}
	} else {
		f.add(label("Permissions")+t.Dim.Render("space chooses"), false)
		for i, p := range store.Perms() {
			m, on := mark(rfPerm, i)
			f.add(m+checkbox(d.perms&p != 0)+" "+p.String(), on)
		}
	}
	f.add("", false)
	m, on = mark(rfRequire, 0)
	f.add(label("2nd factor")+m+checkbox(d.require)+" required of its holders "+t.Dim.Render("(space)"), on)

	m, on = mark(rfSave, 0)
	button := focusButton(t, "Save", on)
	foot := []string{"", m + button + "   " + t.Dim.Render("tab/↑↓ move · esc cancel")}
	if d.err != "" {
		foot = append(foot, "", t.StatusError.Render(wrap(d.err, w)))
	}
	// The header and the status line stay in sight: frame and title
	// take four lines.
	body := append(f.window(t, height-6-lipglossHeight(foot), on), foot...)
	title := "Add a custom role"
	if d.edit != nil {
		title = "Edit role " + d.edit.Name
	}
	return c.frame(title, w, body...)
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
