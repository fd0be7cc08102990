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
	focus int // 0 first, 1 again
	roles []family.Role
	role  int
	err   string
}

func newCodeEntry(s *usersScreen, u store.PanelUser) *codeEntry {
	n := s.panel.CodeLength
	d := &codeEntry{s: s, u: u}
	d.first = field{mask: true, accept: digitsOnly, limit: n}
	d.again = field{mask: true, accept: digitsOnly, limit: n}
	if !u.CodeSet {
		spec := s.panel.Spec()
		for _, r := range spec.Roles {
			if u.Slot == spec.MasterSlot && r != family.RoleMaster {
				continue
			}
			if u.Slot != spec.MasterSlot && r == family.RoleMaster && len(spec.Roles) > 1 {
				continue
			}
			d.roles = append(d.roles, r)
		}
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

func (d *codeEntry) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promptErrMsg:
		d.err = errText(msg.err)
		return nil, false
	case closeDialogMsg:
		return nil, true
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			d.wipe()
			return nil, true
		case "tab", "down", "up", "shift+tab":
			d.focus = 1 - d.focus
			return nil, false
		case "left", "right":
			if len(d.roles) > 1 {
				step := 1
				if msg.String() == "left" {
					step = len(d.roles) - 1
				}
				d.role = (d.role + step) % len(d.roles)
			}
			return nil, false
		case "enter":
			if d.focus == 0 {
				// The format and length are the store's to check, and
				// known now: a code it would refuse is not typed twice.
				if err := store.CheckCodeFormat(d.s.panel, d.first.String()); err != nil {
					d.first.clear()
					d.err = errText(err)
					return nil, false
				}
				d.focus, d.err = 1, ""
				return nil, false
			}
			return d.submit(), false
		}
		f := &d.first
		if d.focus == 1 {
			f = &d.again
		}
		if msg.Text != "" && strings.IndexFunc(msg.Text, func(r rune) bool { return !digitsOnly(r) }) >= 0 {
			d.err = "digits only: a code has no letters, spaces or signs"
			return nil, false
		}
		f.key(msg)
		d.err = ""
	}
	return nil, false
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
	w := dialogWidth(width, 56)
	verb := "Set code"
	if d.u.CodeSet {
		verb = "Edit code"
	}
	marker := func(i int) string {
		if d.focus == i {
			return "> "
		}
		return "  "
	}
	body := []string{
		t.Label.Render(wrap(d.s.panel.CodeRule(), w)),
		"",
		t.Label.Render("Code       ") + marker(0) + d.first.render(d.s.panel.CodeLength+1, d.focus == 0),
		t.Label.Render("Once more  ") + marker(1) + d.again.render(d.s.panel.CodeLength+1, d.focus == 1),
	}
	if len(d.roles) > 1 {
		body = append(body, "", t.Label.Render("Role       ")+"← "+string(d.roles[d.role])+" →")
	} else if len(d.roles) == 1 {
		body = append(body, "", t.Label.Render("Role       ")+string(d.roles[0]))
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
	s       *usersScreen
	email   field
	picked  string // the suggestion picked; typing alone is not enough
	sugg    int
	focus   int // 0 email, 1 user, 2 save
	users   []store.PanelUser
	userIdx int
	err     string
}

func newAssignDialog(s *usersScreen, sel store.PanelUser) *assignDialog {
	d := &assignDialog{s: s, userIdx: -1}
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

func (d *assignDialog) editing() bool { return d.email.len() > 0 }

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

func (d *assignDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		if d.focus == 0 {
			d.email.paste(msg.Content)
			d.picked = ""
		}
	case tea.KeyPressMsg:
		k := msg.String()
		switch k {
		case "esc":
			return nil, true
		case "tab":
			d.focus = (d.focus + 1) % 3
			return nil, false
		case "shift+tab":
			d.focus = (d.focus + 2) % 3
			return nil, false
		}
		switch d.focus {
		case 0:
			sugg := d.suggestions()
			switch k {
			case "down":
				d.sugg = min(d.sugg+1, max(len(sugg)-1, 0))
			case "up":
				d.sugg = max(d.sugg-1, 0)
			case "enter":
				if d.sugg < len(sugg) {
					d.picked = sugg[d.sugg].Email
					d.email.set(d.picked)
					d.focus = 1
				}
			default:
				if d.email.key(msg) {
					d.picked, d.sugg, d.err = "", 0, ""
				}
			}
		case 1:
			switch k {
			case "left", "up":
				if len(d.users) > 0 {
					d.userIdx = (max(d.userIdx, 0) + len(d.users) - 1) % len(d.users)
				}
			case "right", "down", "space":
				if len(d.users) > 0 {
					d.userIdx = (d.userIdx + 1) % len(d.users)
				}
			case "enter":
				d.focus = 2
			}
		case 2:
			if k == "enter" {
				return d.save(), false
			}
		}
	}
	return nil, false
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

func (d *assignDialog) view(width, _ int) string {
	c := d.s.c
	t := c.theme
	w := dialogWidth(width, 64)
	mark := func(i int) string {
		if d.focus == i {
			return t.HintKey.Render("> ")
		}
		return "  "
	}
	body := []string{t.Label.Render("Email") + "  (pick from the suggestions)", mark(0) + d.email.render(w-2, d.focus == 0)}
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
	var why string // the highlighted account's refusal, in full
	for i, a := range shown {
		note := t.Dim.Render(notes[i])
		if errs[i] != nil {
			note = t.Bad.Render(notes[i])
		}
		var line string
		if first+i == d.sugg && d.focus == 0 {
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
	user := "(none with a code and no account)"
	if d.userIdx >= 0 && d.userIdx < len(d.users) {
		u := d.users[d.userIdx]
		user = fmt.Sprintf("← %d %s · %s →", u.Slot, u.DisplayLabel(), u.Role)
	} else if len(d.users) > 0 {
		user = "← choose →"
	}
	body = append(body, "", t.Label.Render("User"), mark(1)+user, "")
	save := t.Button.Render("Save")
	if d.focus == 2 {
		save = t.ButtonFocus.Render("Save")
	}
	body = append(body, mark(2)+save+"   "+t.Dim.Render("esc cancel · tab next field"))
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	return c.frame("Assign account to panel "+d.s.panel.Name, w, body...)
}
