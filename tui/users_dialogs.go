package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// userDetails is 003's "User details and actions" panel: everything about
// one panel user, and the actions its state allows (the others greyed with
// the store's reason).
type userDetails struct {
	s    *usersScreen
	slot int
}

func newUserDetails(s *usersScreen, slot int) *userDetails { return &userDetails{s: s, slot: slot} }

func (d *userDetails) editing() bool { return false }

func (d *userDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	if k.String() == "esc" || k.String() == "q" || k.String() == "enter" {
		return nil, true
	}
	act, ok := d.s.c.keys.lookup(scrUsers, k.String())
	if ok && act.ID == ActHelp { // every action with its reason, over the details
		return d.s.c.open(newHelp(d.s.c, d.s)), false
	}
	if !ok || act.Scope != scrUsers {
		return nil, false
	}
	u, ok := d.s.user(d.slot)
	if !ok {
		return nil, true
	}
	if err := d.s.availableFor(act.ID, u); err != nil {
		var try func() error
		if act.Writes {
			try = d.s.tryUser(act.ID, u)
		}
		return d.s.c.refused(act, err, try, func() tea.Cmd { return d.s.runFor(act.ID, u) }), false
	}
	return d.s.runFor(act.ID, u), false
}

func (d *userDetails) view(width, height int) string {
	c, s := d.s.c, d.s
	t := c.theme
	u, ok := s.user(d.slot)
	w := dialogWidth(width, 70)
	if !ok {
		return c.frame("Panel user", w, "This slot no longer exists.")
	}
	title := "# " + strconv.Itoa(u.Slot)
	if u.CodeSet {
		title = u.DisplayLabel() + "  (# " + strconv.Itoa(u.Slot) + ")"
	}
	row := func(k, v string) string { return t.Label.Render(fmt.Sprintf("%-12s", k)) + v }
	lines := []string{row("Role", string(u.Role))}
	if acc := s.account(u); acc != nil {
		lines = append(lines, row("Account", acc.Email), row("", accountTime(acc.Created)+" · "+statusStyled(t, acc.Status)))
	} else {
		lines = append(lines, row("Account", "- (no account · Unknown)"))
	}
	code := t.Dim.Render("No code")
	if u.CodeSet {
		code = t.Good.Render("Set")
	}
	lines = append(lines, row("Code", code))
	// The Sync sentence in full, wrapped under its label: it is the one
	// place that says why a change is stuck.
	for i, l := range strings.Split(wrap(syncSentence(u.Sync), w-12), "\n") {
		l = toneStyle(t, syncTone(u.Sync), l)
		if i == 0 {
			lines = append(lines, row("Sync", l))
		} else {
			lines = append(lines, row("", l))
		}
	}
	lines = append(lines, row("Label", u.DisplayLabel()))
	lines = append(lines, row("Partitions", partitionsText(s, u)))
	var locks []string
	for _, l := range s.locks {
		if slices.Contains(l.Users, u.Slot) {
			locks = append(locks, l.Name)
		}
	}
	// The lines name the key that changes them, when it can run here.
	keyFor := func(id ActionID) string {
		if s.availableFor(id, u) != nil {
			return ""
		}
		return "  " + t.HintKey.Render(c.keys.keyLabel(id)) + t.Dim.Render(" "+c.keys.action(id).Short)
	}
	lockKey := keyFor(ActUserLock)
	if len(locks) == 0 {
		lines = append(lines, row("Door locks", "No door locks"+lockKey))
	} else {
		lines = append(lines, row("Door locks", fmt.Sprintf("%d: %s", len(locks), strings.Join(locks, ", "))+lockKey))
	}
	spec := s.panel.Spec()
	var keypad, lockTags []string
	for _, tg := range s.tags {
		if tg.Slot != u.Slot {
			continue
		}
		label := tg.ID
		if tg.Status != store.TagActive {
			label += " (" + string(tg.Status) + ")"
		}
		if tg.Kind == store.TagKeypad {
			keypad = append(keypad, label)
		} else {
			lockTags = append(lockTags, label)
		}
	}
	tagKey := keyFor(ActUserTag)
	if spec.KeypadProx {
		lines = append(lines, row("Keypad tags", orNone(keypad)+tagKey))
		tagKey = ""
	}
	if spec.DoorLocks {
		lines = append(lines, row("Lock tags", orNone(lockTags)+tagKey))
	}
	// Actions flow across the width; the unavailable ones are dimmed, and
	// their reasons follow as far as the height allows.
	lines = append(lines, "")
	var flow []string
	var reasons []string
	used := 0
	// What the user's sync state calls for comes first; those actions are
	// left out when they do not fit the state (003's row menu).
	var ids []ActionID
	for _, id := range s.actions() {
		if c.keys.action(id).Contextual && s.availableFor(id, u) == nil {
			ids = append(ids, id)
		}
	}
	for _, id := range s.actions() {
		if !c.keys.action(id).Contextual {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		a := c.keys.action(id)
		key := c.keys.keyLabel(id)
		item := key + " " + a.Short
		if err := s.availableFor(id, u); err != nil {
			reasons = append(reasons, a.Short+": "+errText(err))
			item = t.HintDisabled.Render(item)
		} else {
			item = t.HintKey.Render(key) + " " + a.Short
		}
		n := len(key) + 1 + len(a.Short) + 3
		if used+n > w && len(flow) > 0 {
			lines = append(lines, strings.Join(flow, " · "))
			flow, used = nil, 0
		}
		flow = append(flow, item)
		used += n
	}
	lines = append(lines, strings.Join(flow, " · "))
	// The reasons stop above the footer: the dock opens under the
	// header and takes four lines of frame and title and the closing
	// hint; each reason is whole, wrapped, and those that do not fit are
	// counted (? lists them all, here too).
	shown := reasonLines(t, reasons, w, height-11-len(lines))
	lines = append(lines, shown...)
	closing := "esc closes · ? every key and why"
	if len(shown) == 0 && len(reasons) > 0 {
		closing = fmt.Sprintf("esc closes · ? says why %d %s unavailable", len(reasons), plural1(len(reasons), "action is", "actions are"))
	}
	lines = append(lines, t.Dim.Render(closing))
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return c.frame(title, w, strings.Join(lines, "\n"))
}

// dock puts the details at the right edge, as 003's panel opens.
func (d *userDetails) dock() bool { return true }

func orNone(v []string) string {
	if len(v) == 0 {
		return "none"
	}
	return strings.Join(v, ", ")
}

func partitionsText(s *usersScreen, u store.PanelUser) string {
	if !u.CodeSet {
		return "- (set a code first)"
	}
	var names []string
	for _, p := range s.parts {
		if u.Partitions.Has(p.Number) {
			names = append(names, fmt.Sprintf("%d %s", p.Number, p.Label))
		}
	}
	text := strings.Join(names, ", ")
	if u.Role == family.RoleMaster {
		text = "all (Master): " + text
	}
	return text
}

func statusStyled(t themeStyles, st store.AccountStatus) string {
	switch st {
	case store.StatusActive:
		return t.Good.Render(string(st))
	case store.StatusSuspended:
		return t.Bad.Render(string(st))
	}
	return t.Warn.Render(string(st))
}

// codeEntry sets or edits a code: typed twice, masked, digits only, never
// shown or kept after the dialog.
type codeEntry struct {
	s     *usersScreen
	u     store.PanelUser
	first field
	again field
	*form // the code, then once more
	roles []family.Role
	role  int
}

func newCodeEntry(s *usersScreen, u store.PanelUser) *codeEntry {
	n := s.panel.CodeLength
	d := &codeEntry{s: s, u: u}
	d.form = newFootForm(s.c, "", 56, "", d.stops)
	d.labelW, d.closing = 11, d.wipe
	d.first = field{mask: true, accept: digitsOnly, limit: n}
	d.again = field{mask: true, accept: digitsOnly, limit: n}
	if !u.CodeSet {
		spec := s.panel.Spec()
		d.roles = spec.RolesFor(u.Slot)
		d.role = max(slices.Index(d.roles, spec.DefaultRole(u.Slot)), 0)
	}
	return d
}

func (d *codeEntry) editing() bool { return d.first.len()+d.again.len() > 0 }

func (d *codeEntry) wipe() {
	d.first.clear()
	d.again.clear()
	d.focus = 0
}

// stops are the code and the code once more; ←/→ on either choose the
// role, and enter on the first checks the code before it is typed again.
func (d *codeEntry) stops() []fstop {
	line := func(label string, f *field) func(string, bool, int) string {
		return func(m string, on bool, _ int) string {
			return d.label(label) + m + f.render(d.s.panel.CodeLength+1, on)
		}
	}
	return []fstop{{kind: skText, f: &d.first, keys: d.codeKeys, pick: d.enterFirst, line: line("Code", &d.first)},
		{kind: skText, f: &d.again, keys: d.codeKeys, pick: d.submit, line: line("Once more", &d.again)}}
}

// codeKeys choose the role with ←/→ and refuse what is not a digit.
func (d *codeEntry) codeKeys(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch k := msg.String(); {
	case k == "left" || k == "right":
		if n := len(d.roles); n > 1 {
			by := 1
			if k == "left" {
				by = n - 1
			}
			d.role = (d.role + by) % n
		}
	case msg.Text != "" && strings.IndexFunc(msg.Text, func(r rune) bool { return !digitsOnly(r) }) >= 0:
		d.err = "digits only: a code has no letters, spaces or signs"
	default:
		return nil, false
	}
	return nil, true
}

// enterFirst checks the code's format and length, the store's to say and
// known now: a code it would refuse is not typed twice.
func (d *codeEntry) enterFirst() tea.Cmd {
	if err := store.CheckCodeFormat(d.s.panel, d.first.String()); err != nil {
		d.first.clear()
		d.err = errText(err)
		return nil
	}
	d.focusOn(&d.again)
	d.err = ""
	return nil
}

func (d *codeEntry) update(msg tea.Msg) (tea.Cmd, bool) {
	if _, ok := msg.(tea.PasteMsg); ok {
		return nil, false // a code is typed
	}
	return d.form.update(msg)
}

func (d *codeEntry) submit() tea.Cmd {
	code, again := d.first.String(), d.again.String()
	d.wipe()
	if code != again {
		d.err = "the two codes do not match: type the code twice again"
		return nil
	}
	c, p, u := d.s.c, d.s.panel, d.u
	who := fmt.Sprintf("panel user %d", u.Slot)
	if u.CodeSet {
		return c.submitOp("code of "+who+" changed; queued for the panel", func() error { return c.st.EditCode(c.actor, p.ID, u.Slot, code) })
	}
	var opts store.CodeOptions
	if len(d.roles) > 0 {
		opts.Role = d.roles[d.role]
	}
	return c.submitOp("code of "+who+" set; the user is created on the panel", func() error { return c.st.SetCode(c.actor, p.ID, u.Slot, code, opts) })
}

func (d *codeEntry) view(width, _ int) string {
	c := d.s.c
	t := c.theme
	w := dialogWidth(width, d.want)
	verb := "Set code"
	if d.u.CodeSet {
		verb = "Edit code"
	}
	body := append([]string{t.Label.Render(wrap(d.s.panel.CodeRule(), w)), ""}, d.column(w).lines...)
	if len(d.roles) > 1 {
		body = append(body, "", d.label("Role")+"← "+string(d.roles[d.role])+" →")
	} else if len(d.roles) == 1 {
		body = append(body, "", d.label("Role")+string(d.roles[0]))
	}
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	body = append(body, "", t.HintKey.Render("enter")+" next/save   "+t.HintKey.Render("tab")+" switch   "+t.HintKey.Render("esc")+" cancel")
	return c.frame(fmt.Sprintf("%s — panel user %d of %s", verb, d.u.Slot, d.s.panel.Name), w, body...)
}

// partitionPicker is a checkbox list of the panel's partitions.
type partitionPicker struct {
	s      *usersScreen
	u      store.PanelUser
	chosen store.PartitionSet
	cursor int
	err    string
}

func newPartitionPicker(s *usersScreen, u store.PanelUser) *partitionPicker {
	return &partitionPicker{s: s, u: u, chosen: u.Partitions}
}

func (d *partitionPicker) editing() bool { return d.chosen != d.u.Partitions }

func (d *partitionPicker) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.KeyPressMsg:
		n := len(d.s.parts)
		switch msg.String() {
		case "esc":
			return nil, true
		case "up", "k":
			d.cursor = (d.cursor + n - 1) % max(n, 1)
		case "down", "j":
			d.cursor = (d.cursor + 1) % max(n, 1)
		case "space", "x":
			if d.cursor < n {
				num := d.s.parts[d.cursor].Number
				d.chosen ^= store.PartitionSet(0).With(num)
			}
		case "a":
			d.chosen = store.AllPartitions(n)
		case "enter":
			c, p, slot, set := d.s.c, d.s.panel, d.u.Slot, d.chosen
			return c.submitOp(fmt.Sprintf("partitions of panel user %d: %s", slot, set), func() error {
				return c.st.SetPartitions(c.actor, p.ID, slot, set)
			}), false
		}
	}
	return nil, false
}

func (d *partitionPicker) view(width, _ int) string {
	c := d.s.c
	t := c.theme
	w := dialogWidth(width, 50)
	var body []string
	for i, p := range d.s.parts {
		box := "[ ]"
		if d.chosen.Has(p.Number) {
			box = "[x]"
		}
		line := fmt.Sprintf("%s %d %s", box, p.Number, p.Label)
		if i == d.cursor {
			line = t.Selected.Render(pad(t.Marker+" "+line, w))
		} else {
			line = "  " + line
		}
		body = append(body, line)
	}
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	body = append(body, "", t.HintKey.Render("space")+" toggle  "+t.HintKey.Render("a")+" all  "+t.HintKey.Render("enter")+" save  "+t.HintKey.Render("esc")+" cancel")
	return c.frame(fmt.Sprintf("Partitions — panel user %d (%s)", d.u.Slot, d.u.DisplayLabel()), w, body...)
}

// assignDialog is 003's "Assign account to panel …", named by the panel's
// name: the email must be picked from suggestions of existing accounts,
// and a panel user chosen.
type assignDialog struct {
	*form
	s       *usersScreen
	email   field
	picked  string // the suggestion picked; typing alone is not enough
	sugg    int
	users   []store.PanelUser
	userIdx int
}

func newAssignDialog(s *usersScreen, sel store.PanelUser) *assignDialog {
	d := &assignDialog{s: s, userIdx: -1}
	d.form = newFootForm(s.c, "Assign account to panel "+s.panel.Name, 64, "esc cancel · tab next field", d.stops)
	// Typing or pasting in the email forgets the suggestion picked.
	d.after = func() tea.Cmd {
		if d.cur(d.build()).f == &d.email {
			d.picked, d.sugg = "", 0
		}
		return nil
	}
	for _, u := range s.users {
		if u.CodeSet && u.Account == 0 {
			d.users = append(d.users, u)
			if u.Slot == sel.Slot {
				d.userIdx = len(d.users) - 1
			}
		}
	}
	return d
}

func (d *assignDialog) editing() bool { return d.email.String() != "" }

// stops are the email with its suggestions (↑/↓ and enter pick one), the
// panel user (←/→, ↑/↓ or space choose) and Save.
func (d *assignDialog) stops() []fstop {
	t := d.s.c.theme
	st := []fstop{noFocus(t.Label.Render("Email") + "  (pick from the suggestions)"),
		{kind: skText, f: &d.email, keys: d.suggestionKeys, line: func(m string, on bool, w int) string { return m + d.email.render(w-2, on) }}}
	if len(d.suggestions()) > 0 {
		st = append(st, fstop{kind: skLine, line: func(_ string, _ bool, w int) string { return d.suggestionLines(w) }})
	}
	return append(st, noFocus(""), noFocus(t.Label.Render("User")),
		fstop{kind: skChoice, keys: d.userKeys, line: func(m string, _ bool, _ int) string { return m + d.userText() }},
		fstop{kind: skButton, label: "Save", press: d.save})
}

// suggestionKeys move through the suggestions and pick one.
func (d *assignDialog) suggestionKeys(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	sugg := d.suggestions()
	switch msg.String() {
	case "down":
		d.sugg = min(d.sugg+1, max(len(sugg)-1, 0))
	case "up":
		d.sugg = max(d.sugg-1, 0)
	case "enter":
		if d.sugg < len(sugg) {
			d.picked = sugg[d.sugg].Email
			d.email.set(d.picked)
			d.focus = 1 // on to the user
		}
	default:
		return nil, false
	}
	return nil, true
}

// userKeys choose the panel user; enter moves on to Save.
func (d *assignDialog) userKeys(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	n := len(d.users)
	switch msg.String() {
	case "left", "up":
		if n > 0 {
			d.userIdx = (max(d.userIdx, 0) + n - 1) % n
		}
	case "right", "down", "space":
		if n > 0 {
			d.userIdx = (d.userIdx + 1) % n
		}
	default:
		return nil, false
	}
	return nil, true
}

func (d *assignDialog) userText() string {
	switch {
	case d.userIdx >= 0 && d.userIdx < len(d.users):
		u := d.users[d.userIdx]
		return fmt.Sprintf("← %d %s · %s →", u.Slot, u.DisplayLabel(), u.Role)
	case len(d.users) > 0:
		return "← choose →"
	}
	return "(none with a code and no account)"
}

func (d *assignDialog) suggestions() []store.Account {
	q := strings.ToLower(d.email.String())
	if q == "" {
		return nil
	}
	var out []store.Account
	for _, a := range d.s.accts {
		if strings.Contains(strings.ToLower(a.Email), q) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b store.Account) int { return strings.Compare(a.Email, b.Email) })
	return out
}

// suggestionRows is how many suggestions show at once; the list scrolls
// through all the matches under the highlighted one.
const suggestionRows = 5

// suggestionWindow is the first suggestion shown of n, keeping the
// highlighted one in view.
func (d *assignDialog) suggestionWindow(n int) int {
	return min(max(d.sugg-suggestionRows+1, 0), max(n-suggestionRows, 0))
}

// save checks what only the dialog knows (a suggestion was picked, a user
// chosen) and leaves every other rule to the store.
func (d *assignDialog) save() tea.Cmd {
	typed := strings.TrimSpace(d.email.String())
	switch {
	case typed == "":
		d.err = "the Email field is empty: type the account's email and pick it from the suggestions"
		return nil
	case d.picked == "" || !strings.EqualFold(d.picked, typed):
		d.err = "the email was not selected from the suggestions: pick the account from the list (↓ then enter)"
		return nil
	case d.userIdx < 0 || d.userIdx >= len(d.users):
		d.err = "no panel user chosen: choose the user who gets the account"
		return nil
	}
	c, p, slot, email := d.s.c, d.s.panel, d.users[d.userIdx].Slot, d.picked
	return c.submitOp(fmt.Sprintf("%s assigned to panel user %d", email, slot), func() error {
		return c.st.AssignAccount(c.actor, email, p.ID, slot)
	})
}

// suggestionLines are the accounts whose email holds what is typed, a
// window of them around the highlighted one, each with its status.
func (d *assignDialog) suggestionLines(w int) string {
	c := d.s.c
	t := c.theme
	var body []string
	sugg := d.suggestions()
	first := d.suggestionWindow(len(sugg))
	shown := sugg[first:min(first+suggestionRows, len(sugg))]
	// The store says which accounts it would refuse, and why: a
	// suspended one, one that holds a user of this panel already.
	notes, errs := make([]string, len(shown)), make([]error, len(shown))
	ew, nw := 0, 0
	for i, a := range shown {
		notes[i] = string(a.Status)
		if errs[i] = c.st.CheckAssign(c.actor, a, d.s.panel); errs[i] != nil {
			notes[i] += " · cannot be assigned"
		}
		ew, nw = max(ew, ansi.StringWidth(a.Email)), max(nw, ansi.StringWidth(notes[i]))
	}
	// The status is never cut: a long email gives way first (cut with
	// "…"), and where even a short email would not leave it room, the
	// status goes on a line of its own.
	const minEmail = 8
	ownLine := w-6-nw < minEmail
	if !ownLine {
		ew = min(ew, w-6-nw) // "  " + marker + email + "  " + status
	}
	ew = min(ew, w-4)
	onEmail := d.cur(d.build()).f == &d.email
	var why string // the highlighted account's refusal, in full
	for i, a := range shown {
		note := t.Dim.Render(notes[i])
		if errs[i] != nil {
			note = t.Bad.Render(notes[i])
		}
		var line string
		if first+i == d.sugg && onEmail {
			line = t.Selected.Render(pad(t.Marker+" "+truncate(a.Email, ew), ew+2))
			if errs[i] != nil {
				why = errText(errs[i])
			}
		} else {
			line = "  " + pad(a.Email, ew)
		}
		if ownLine {
			body = append(body, "  "+line, "      "+truncate(note, w-6))
		} else {
			body = append(body, "  "+line+"  "+note)
		}
	}
	if len(sugg) > suggestionRows {
		body = append(body, "  "+t.Dim.Render(fmt.Sprintf("%d-%d of %d matches · ↑/↓ scroll", first+1, min(first+suggestionRows, len(sugg)), len(sugg))))
	}
	if why != "" {
		body = append(body, t.Bad.Render(wrap(why, w)))
	}
	return strings.Join(body, "\n")
}
