package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
)

// An access group's members, managed from the group (004): the members
// dialog lists them; people are added several at once from a filtered
// list ("all shown" marks everyone the filter shows) and the marked
// members removed after a confirmation that defaults to Cancel. The store
// makes each change in one transaction: one refused person changes
// nobody, and the refusal stays in the dialog.

// checklist is a filtered list of people, several of which may be
// marked: type to filter (name, info, apartment or identifier, as person
// list --filter), ↑/↓ move, space marks, ctrl+a marks (or unmarks) all
// shown.
type checklist struct {
	people []store.Person
	notes  map[uint64]string // dimmed after the name: unit, apartment
	query  field
	shown  []int
	marked map[uint64]bool
	cursor int
}

func (l *checklist) set(people []store.Person, note func(store.Person) string) {
	l.people, l.notes = people, map[uint64]string{}
	if l.marked == nil {
		l.marked = map[uint64]bool{}
	}
	for _, p := range people {
		l.notes[p.ID] = note(p)
	}
	for id := range l.marked {
		if !slices.ContainsFunc(people, func(p store.Person) bool { return p.ID == id }) {
			delete(l.marked, id)
		}
	}
	l.filter()
}

func (l *checklist) filter() {
	q := strings.ToLower(strings.TrimSpace(l.query.String()))
	l.shown = l.shown[:0]
	for i, p := range l.people {
		if q == "" || strings.Contains(personSearchText(p), q) {
			l.shown = append(l.shown, i)
		}
	}
	l.cursor = min(l.cursor, max(len(l.shown)-1, 0))
}

// key handles a list key; it reports whether the key was the list's.
func (l *checklist) key(k tea.KeyPressMsg) bool {
	n := len(l.shown)
	switch k.String() {
	case "up":
		l.cursor = max(l.cursor-1, 0)
	case "down":
		l.cursor = min(l.cursor+1, max(n-1, 0))
	case "pgup":
		l.cursor = max(l.cursor-10, 0)
	case "pgdown":
		l.cursor = min(l.cursor+10, max(n-1, 0))
	default:
		if l.query.key(k) {
			l.filter()
			return true
		}
		return false
	}
	return true
}

// mark marks or unmarks the person under the cursor (members.mark).
func (l *checklist) mark() {
	if l.cursor < len(l.shown) {
		id := l.people[l.shown[l.cursor]].ID
		l.marked[id] = !l.marked[id]
		if !l.marked[id] {
			delete(l.marked, id)
		}
	}
}

// markAll marks everyone shown, or unmarks them when all are marked
// (members.mark-all).
func (l *checklist) markAll() {
	all := len(l.shown) > 0
	for _, i := range l.shown {
		all = all && l.marked[l.people[i].ID]
	}
	for _, i := range l.shown {
		if all {
			delete(l.marked, l.people[i].ID)
		} else {
			l.marked[l.people[i].ID] = true
		}
	}
}

// markKey runs the marking actions of the registry (remapped keys as
// remapped); it reports whether the key was one of them.
func (l *checklist) markKey(c *common, k tea.KeyPressMsg) bool {
	act, ok := c.keys.lookupAmong([]ActionID{ActMembersMark, ActMembersMarkAll}, k.String())
	switch {
	case !ok:
		return false
	case act.ID == ActMembersMark:
		l.mark()
	default:
		l.markAll()
	}
	return true
}

// chosen are the marked people, in list order; with none marked, the one
// under the cursor.
func (l *checklist) chosen() []store.Person {
	var out []store.Person
	for _, p := range l.people {
		if l.marked[p.ID] {
			out = append(out, p)
		}
	}
	if len(out) == 0 && l.cursor < len(l.shown) {
		out = append(out, l.people[l.shown[l.cursor]])
	}
	return out
}

// lines renders the filter and the rows that fit in room lines.
func (l *checklist) lines(t themeStyles, w, room int, empty string) []string {
	out := []string{t.Label.Render("Find ") + l.query.render(w-5, true)}
	switch {
	case len(l.people) == 0:
		return append(out, t.Dim.Render(wrap(empty, w)))
	case len(l.shown) == 0:
		return append(out, t.Dim.Render("nothing matches"))
	}
	room = max(room, 3)
	top := max(min(l.cursor-room/2, len(l.shown)-room), 0)
	end := min(len(l.shown), top+room)
	const nw = 22
	for pos := top; pos < end; pos++ {
		p := l.people[l.shown[pos]]
		text := checkbox(l.marked[p.ID]) + " " + pad(p.Name, nw)
		line := "  " + text
		if pos == l.cursor {
			line = t.Selected.Render(t.Marker + " " + text)
		}
		out = append(out, truncate(line+"  "+t.Dim.Render(l.notes[p.ID]), w))
	}
	marked := ""
	if n := len(l.marked); n > 0 {
		marked = fmt.Sprintf(" · %d marked", n)
	}
	out = append(out, t.Dim.Render(fmt.Sprintf("%d of %d shown%s", len(l.shown), len(l.people), marked)))
	return out
}

// personSearchText is what a filter matches of a person, lower case.
func personSearchText(p store.Person) string {
	parts := []string{p.Name, p.Info, p.Apartment}
	for _, id := range p.Identifiers {
		parts = append(parts, id.String())
	}
	return strings.ToLower(strings.Join(parts, "\x00"))
}

// memberNote is what a row says after the name: apartment and unit.
func memberNote(c *common) func(store.Person) string {
	return func(p store.Person) string {
		n := siteOf(c.st, p.Unit)
		if p.Apartment != "" {
			n = "apt " + p.Apartment + " · " + n
		}
		return n
	}
}

// ---- the members dialog ----

type groupMembers struct {
	c      *common
	g      store.AccessGroup
	list   checklist
	loaded bool
	note   string // what the last change did
	err    string
}

// membersLoadedMsg delivers the group's members to its dialog.
type membersLoadedMsg struct {
	to     *groupMembers
	people []store.Person
	note   string
	err    error
}

// membersChangedMsg is the result of a change asked from the dialog.
type membersChangedMsg struct {
	to  *groupMembers
	res store.MembersChange
	err error
}

func newGroupMembers(c *common, g store.AccessGroup) (*groupMembers, tea.Cmd) {
	d := &groupMembers{c: c, g: g}
	return d, d.reload("")
}

func (d *groupMembers) reload(note string) tea.Cmd {
	c, g := d.c, d.g
	return func() tea.Msg {
		m := membersLoadedMsg{to: d, note: note}
		m.err = safe(func() (err error) { m.people, err = c.st.GroupMembers(c.actor, g.ID); return err })
		return m
	}
}

func (d *groupMembers) editing() bool { return false }

func (d *groupMembers) label() string { return fmt.Sprintf("access group %d %s", d.g.ID, d.g.Name) }

func (d *groupMembers) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case membersLoadedMsg:
		if msg.to == d {
			d.loaded = true
			if msg.err != nil {
				d.err = errText(msg.err)
			} else {
				d.list.set(msg.people, memberNote(d.c))
				d.note = msg.note
			}
		}
	case membersChangedMsg:
		if msg.to == d {
			if msg.err != nil {
				d.err = errText(msg.err)
				return nil, false
			}
			ok := d.label() + ": " + msg.res.Summary()
			d.err = ""
			return tea.Batch(d.reload(ok), func() tea.Msg { return opDoneMsg{ok: ok} }), false
		}
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		d.list.query.paste(msg.Content)
		d.list.filter()
	case tea.KeyPressMsg:
		if msg.String() == "esc" {
			return nil, true
		}
		if act, ok := d.c.keys.lookupAmong([]ActionID{ActMembersAdd, ActMembersRemove}, msg.String()); ok {
			return d.run(act), false
		}
		if d.list.markKey(d.c, msg) || d.list.key(msg) {
			d.err = ""
		}
	}
	return nil, false
}

// run runs an action of the dialog that writes. One the operator may not
// do asks the store anyway (TryConf), so the refused attempt is in the
// action log as the command line's is; the dialog shows the refusal.
func (d *groupMembers) run(act Action) tea.Cmd {
	c := d.c
	open := func() tea.Cmd {
		if act.ID == ActMembersAdd {
			p := newMemberAdd(d)
			return tea.Batch(c.open(p), p.load())
		}
		return d.confirmRemove()
	}
	if err := d.writeErr(); err != nil {
		d.err = act.Short + ": " + errText(err)
		g := d.g.ID
		return c.refused(act, err, func() error { return c.st.TryConf(c.actor, store.ConfAccessGroup, g, store.ActGroupMember) }, open)
	}
	return open()
}

// writeErr is why the operator may not change the members: the store's
// permission refusal.
func (d *groupMembers) writeErr() error { return d.c.actor.Need(store.PermManagePeople) }

// confirmRemove asks before taking the marked members (or the one under
// the cursor) out of the group; enter and esc keep them.
func (d *groupMembers) confirmRemove() tea.Cmd {
	c := d.c
	people := d.list.chosen()
	if len(people) == 0 {
		d.err = "nobody to remove: the group has no members shown"
		return nil
	}
	var ids []uint64
	var names []string
	for _, p := range people {
		ids = append(ids, p.ID)
		names = append(names, p.Name)
	}
	who := people[0].Label()
	if len(people) > 1 {
		who = fmt.Sprintf("%d people", len(people))
	}
	msg := "They lose the levels the group gives; their own levels and other groups stay: " + strings.Join(names, ", ") + "."
	return c.open(newConfirm(c, "Remove "+who+" from "+d.label()+"?", msg, "Remove", func() tea.Cmd {
		return func() tea.Msg {
			m := membersChangedMsg{to: d}
			m.err = safe(func() (err error) { m.res, err = c.st.ChangeGroupMembers(c.actor, d.g.ID, nil, ids, false); return err })
			return m
		}
	}))
}

func (d *groupMembers) view(width, height int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, 76)
	var body []string
	switch {
	case !d.loaded:
		body = append(body, t.Dim.Render("Loading…"))
	default:
		body = append(body, d.list.lines(t, w, height-12, "Nobody is in this group yet: press "+c.keys.keyLabel(ActMembersAdd)+" to add people.")...)
	}
	if d.note != "" && d.err == "" {
		body = append(body, "", t.StatusOK.Render(wrap(d.note, w)))
	}
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	greyed := c.readOnly() || d.writeErr() != nil
	body = append(body, "",
		truncate(dialogHintsSep(c, "  ", greyed, ActMembersMark, ActMembersMarkAll, ActMembersAdd, ActMembersRemove)+t.HintKey.Render("esc")+" close", w))
	return c.frame("Members of "+d.label(), w, body...)
}

// ---- adding people ----

// memberAdd picks the people to add: everyone in the operator's units the
// group serves who is not in it yet.
type memberAdd struct {
	parent *groupMembers
	list   checklist
	loaded bool
	others int // people the group does not serve, left out
	err    string
}

type memberAddLoadedMsg struct {
	to     *memberAdd
	people []store.Person
	others int
	err    error
}

func newMemberAdd(parent *groupMembers) *memberAdd { return &memberAdd{parent: parent} }

func (d *memberAdd) load() tea.Cmd {
	c, g := d.parent.c, d.parent.g
	return func() tea.Msg {
		m := memberAddLoadedMsg{to: d}
		m.err = safe(func() error {
			all, err := c.st.ListPeople(c.actor)
			if err != nil {
				return err
			}
			serves := map[uint64]bool{}
			for _, p := range all {
				if slices.Contains(p.Groups, g.ID) {
					continue
				}
				ok, seen := serves[p.Unit]
				if !seen {
					gs, err := c.st.AccessGroupsFor(c.actor, p.Unit)
					if err != nil {
						return err
					}
					ok = slices.ContainsFunc(gs, func(x store.AccessGroup) bool { return x.ID == g.ID })
					serves[p.Unit] = ok
				}
				if ok {
					m.people = append(m.people, p)
				} else {
					m.others++
				}
			}
			return nil
		})
		return m
	}
}

// memberAddedMsg is the store's answer to an add.
type memberAddedMsg struct {
	to  *memberAdd
	res store.MembersChange
	err error
}

func (d *memberAdd) editing() bool { return len(d.list.marked) > 0 }

func (d *memberAdd) update(msg tea.Msg) (tea.Cmd, bool) {
	p := d.parent
	switch msg := msg.(type) {
	case memberAddLoadedMsg:
		if msg.to == d {
			d.loaded, d.others = true, msg.others
			if msg.err != nil {
				d.err = errText(msg.err)
			} else {
				d.list.set(msg.people, memberNote(p.c))
			}
		}
	case memberAddedMsg:
		if msg.to == d {
			if msg.err != nil {
				d.err = errText(msg.err)
				return nil, false
			}
			ok := p.label() + ": " + msg.res.Summary()
			return tea.Batch(p.reload(ok), func() tea.Msg { return opDoneMsg{ok: ok} }), true
		}
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		d.list.query.paste(msg.Content)
		d.list.filter()
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			return nil, true
		case "enter":
			people := d.list.chosen()
			if len(people) == 0 {
				return nil, false
			}
			var ids []uint64
			for _, x := range people {
				ids = append(ids, x.ID)
			}
			c, g := p.c, p.g
			d.err = ""
			return func() tea.Msg {
				m := memberAddedMsg{to: d}
				m.err = safe(func() (err error) { m.res, err = c.st.ChangeGroupMembers(c.actor, g.ID, ids, nil, false); return err })
				return m
			}, false
		}
		if d.list.markKey(p.c, msg) || d.list.key(msg) {
			d.err = ""
		}
	}
	return nil, false
}

func (d *memberAdd) view(width, height int) string {
	c := d.parent.c
	t := c.theme
	w := dialogWidth(width, 76)
	intro := "The people of your units this group serves who are not in it yet."
	switch {
	case d.others == 1:
		intro += " 1 other person is in a unit it does not serve."
	case d.others > 1:
		intro += fmt.Sprintf(" %d other people are in units it does not serve.", d.others)
	}
	body := []string{t.Dim.Render(wrap(intro, w)), ""}
	if !d.loaded {
		body = append(body, t.Dim.Render("Loading…"))
	} else {
		body = append(body, d.list.lines(t, w, height-14, "Everyone this group serves is in it already.")...)
	}
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	k := t.HintKey.Render
	body = append(body, "",
		truncate(dialogHintsSep(c, "  ", false, ActMembersMark, ActMembersMarkAll)+k("enter")+" add marked  "+k("esc")+" cancel", w))
	return c.frame("Add people to "+d.parent.label(), w, body...)
}
