package tui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// The Access tab's forms (time profile, door, door group, access group;
// the access level's is in access_levelform.go) and the who-can-open list.
// They collect what the store needs and show its refusals; a refused save
// keeps every field as typed.

// ---- a form of stops ----

type stopKind int

const (
	skHead   stopKind = iota // a section heading, not focusable
	skText                   // a one-line text field
	skToggle                 // a checkbox
	skChoice                 // one of a few options; enter may open a picker
	skButton
)

// fstop is one line of an access form. The pointers are into the form's
// own state, so the stops can be rebuilt on every key (a door rule added)
// without losing anything typed.
type fstop struct {
	kind  stopKind
	label string
	f     *field
	// check validates a text field as the operator leaves it and on save;
	// its error is shown under the field and the text stays.
	check func(string) error
	on    *bool
	opts  []string
	idx   *int
	pick  func() tea.Cmd // enter on a choice: a filtered picker
	press func() tea.Cmd // a button
	note  string
}

// aform runs a form of stops: tab and the arrows move, space toggles or
// cycles, enter presses a button (the last stop saves), esc cancels.
type aform struct {
	c     *common
	title string
	want  int // the width it asks for
	build func() []fstop
	focus int
	err   string
	ferr  map[*field]string
	dirty bool
	// warn, when set, is a warning that stays under the form while it
	// holds (the include-all options the store will ask about).
	warn func() string
}

func newAform(c *common, title string, build func() []fstop) *aform {
	return &aform{c: c, title: title, want: 72, build: build, ferr: map[*field]string{}}
}

func (d *aform) editing() bool { return d.dirty }

// focusable are the indexes of the stops that take the focus.
func focusable(st []fstop) []int {
	var out []int
	for i, s := range st {
		if s.kind != skHead {
			out = append(out, i)
		}
	}
	return out
}

func (d *aform) cur(st []fstop) *fstop {
	fs := focusable(st)
	if len(fs) == 0 {
		return nil
	}
	d.focus = min(max(d.focus, 0), len(fs)-1)
	return &st[fs[d.focus]]
}

// leave validates the text field the focus leaves.
func (d *aform) leave(s *fstop) {
	if s == nil || s.kind != skText || s.check == nil {
		return
	}
	if err := s.check(s.f.String()); err != nil {
		// A parse error says what is wrong with the text: no "failed:".
		d.ferr[s.f] = err.Error()
	} else {
		delete(d.ferr, s.f)
	}
}

// valid checks every text field before a save, and says which is wrong.
func (d *aform) valid() bool {
	st := d.build()
	for i := range st {
		d.leave(&st[i])
	}
	for i, s := range st {
		if s.kind == skText && d.ferr[s.f] != "" {
			d.err = strings.TrimSpace(s.label) + ": " + d.ferr[s.f]
			if fs := focusable(st); slices.Contains(fs, i) {
				d.focus = slices.Index(fs, i)
			}
			return false
		}
	}
	return true
}

func (d *aform) move(st []fstop, by int) {
	n := len(focusable(st))
	if n == 0 {
		return
	}
	d.leave(d.cur(st))
	d.focus = (d.focus + by + n) % n
}

func cycle(s *fstop, by int) {
	if n := len(s.opts); n > 0 {
		*s.idx = (*s.idx + by + n) % n
	}
}

func (d *aform) update(msg tea.Msg) (tea.Cmd, bool) {
	st := d.build()
	cur := d.cur(st)
	switch msg := msg.(type) {
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		if cur != nil && cur.kind == skText {
			cur.f.paste(msg.Content)
			d.dirty = true
		}
	case tea.KeyPressMsg:
		if cur == nil {
			return nil, msg.String() == "esc"
		}
		switch msg.String() {
		case "esc":
			return nil, true
		case "tab", "down":
			d.move(st, 1)
		case "shift+tab", "up":
			d.move(st, -1)
		case "enter":
			switch cur.kind {
			case skButton:
				d.err = ""
				return cur.press(), false
			case skChoice:
				if cur.pick != nil {
					return cur.pick(), false
				}
				d.move(st, 1)
			case skToggle:
				*cur.on, d.dirty = !*cur.on, true
			default:
				d.move(st, 1)
			}
		case "space":
			switch cur.kind {
			case skToggle:
				*cur.on, d.dirty = !*cur.on, true
			case skChoice:
				cycle(cur, 1)
				d.dirty = true
			case skText:
				cur.f.key(msg)
				d.dirty = true
			}
		case "left", "right":
			by := 1
			if msg.String() == "left" {
				by = -1
			}
			switch cur.kind {
			case skChoice:
				cycle(cur, by)
				d.dirty = true
			case skText:
				cur.f.key(msg)
			}
		default:
			if cur.kind == skText && cur.f.key(msg) {
				d.dirty, d.err = true, ""
				delete(d.ferr, cur.f)
			}
		}
	}
	return nil, false
}

func (d *aform) view(width, height int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, d.want)
	st := d.build()
	cur := d.cur(st)
	const lw = 16
	var f formLines
	for i := range st {
		s := &st[i]
		on := s == cur
		m := "  "
		if on {
			m = t.HintKey.Render("> ")
		}
		label := t.Label.Render(fmt.Sprintf("%-*s", lw, s.label))
		var line string
		switch s.kind {
		case skHead:
			if len(f.lines) > 0 {
				f.add("", false)
			}
			line = t.ModalTitle.Render(s.label)
		case skText:
			fw := min(w-lw-2, 44)
			if s.note != "" {
				fw = min(fw, 24)
			}
			line = label + m + s.f.render(fw, on)
		case skToggle:
			line = strings.Repeat(" ", lw) + m + checkbox(*s.on) + " " + s.label
			if s.note != "" {
				line += " ·"
			}
		case skChoice:
			v := "-"
			if *s.idx >= 0 && *s.idx < len(s.opts) {
				v = s.opts[*s.idx]
			}
			line = label + m + "‹ " + v + " ›"
		case skButton:
			b := focusButton(t, s.label, on)
			line = strings.Repeat(" ", lw) + m + b
		}
		if s.note != "" {
			line += " " + t.Dim.Render(s.note)
		}
		f.add(truncate(line, w), on)
		if s.kind == skText && d.ferr[s.f] != "" {
			for _, l := range strings.Split(wrap(d.ferr[s.f], w-lw-2), "\n") {
				f.add(strings.Repeat(" ", lw+2)+t.StatusError.Render(l), false)
			}
		}
	}
	foot := []string{"", t.Dim.Render(truncate("tab/↑↓ move · space toggles or cycles · enter on Save saves · esc cancel", w))}
	if d.warn != nil {
		if s := d.warn(); s != "" {
			foot = append(foot, "", t.Warn.Render(wrap(s, w)))
		}
	}
	if d.err != "" {
		foot = append(foot, "", t.StatusError.Render(wrap(d.err, w)))
	}
	body := append(f.window(t, height-6-lipglossHeight(foot), false), foot...)
	return c.frame(d.title, w, body...)
}

// ---- shared pieces ----

// unitChoice is a form's organization unit: the units the operator sees,
// the record's own first when editing.
type unitChoice struct {
	units []store.Unit
	names []string
	idx   int
}

func newUnitChoice(s *accessScreen, unit uint64) unitChoice {
	c := s.c
	if unit == 0 {
		// A new record goes where the one selected is, or to the
		// operator's own unit: where they keep their rules.
		unit = s.selectedUnit()
	}
	u := unitChoice{units: c.st.ListUnits(c.actor), idx: -1}
	for i, x := range u.units {
		u.names = append(u.names, c.st.UnitPath(x.ID))
		if x.ID == unit {
			u.idx = i
		}
	}
	if u.idx < 0 && unit != 0 {
		// A record of a unit the list does not offer keeps its unit
		// rather than silently moving to the first one.
		u.units = append(u.units, store.Unit{ID: unit})
		u.names = append(u.names, c.st.UnitPath(unit))
		u.idx = len(u.units) - 1
	}
	u.idx = max(u.idx, 0)
	return u
}

func (u *unitChoice) stop() fstop {
	return fstop{kind: skChoice, label: "Unit", opts: u.names, idx: &u.idx, note: "←/→"}
}

func (u *unitChoice) id() uint64 {
	if u.idx < len(u.units) {
		return u.units[u.idx].ID
	}
	return 0
}

// submit runs a form's store call: a refusal stays in the form; success
// closes it and selects the record (fn returns its key) once the grid
// has it.
func (s *accessScreen) submit(v accessView, ok string, fn func() (key string, err error)) tea.Cmd {
	return func() tea.Msg {
		var key string
		err := safe(func() (err error) { key, err = fn(); return err })
		if err != nil {
			return promptErrMsg{err}
		}
		return tea.BatchMsg{func() tea.Msg { return closeDialogMsg{} },
			func() tea.Msg { return opDoneMsg{ok: ok} },
			func() tea.Msg { return accessSelectMsg{view: v, key: key} }}
	}
}

func idKey(id uint32) string { return strconv.FormatUint(uint64(id), 10) }

// parseHolidays reads "2026-12-24, 12-25".
func parseHolidays(s string) ([]access.Date, error) {
	var out []access.Date
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		d, err := access.ParseDate(p)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// parseNumber reads a whole number of at most bits bits; empty is 0.
func parseNumber(what, s string, bits int) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return 0, notNowf("%s %q is not a number: type digits only, or leave it empty for none", what, s)
	}
	return n, nil
}

// ---- time profile ----

type profileForm struct {
	*aform
	s         *accessScreen
	edit      *store.TimeProfile
	name      field
	unit      unitChoice
	intervals field
	holidays  field
}

func newProfileForm(s *accessScreen, edit *store.TimeProfile) *profileForm {
	c := s.c
	d := &profileForm{s: s, edit: edit}
	title := "Add a time profile"
	var unit uint64
	if edit != nil {
		title = "Edit time profile " + edit.Name
		unit = edit.Unit
		d.name.set(edit.Name)
		d.intervals.set(intervalsText(edit.Intervals))
		d.holidays.set(holidaysText(edit.Holidays))
	}
	d.unit = newUnitChoice(s, unit)
	d.aform = newAform(c, title, d.stops)
	return d
}

func (d *profileForm) stops() []fstop {
	return []fstop{
		{kind: skText, label: "Name", f: &d.name},
		d.unit.stop(),
		{kind: skText, label: "Intervals", f: &d.intervals, check: func(v string) error { _, err := access.ParseIntervals(v); return err },
			note: "Mon-Fri 08:00-17:00; Hol 10:00-12:00"},
		{kind: skText, label: "Holidays", f: &d.holidays, check: func(v string) error { _, err := parseHolidays(v); return err },
			note: "2026-12-24, 12-25 (every year)"},
		{kind: skButton, label: "Save", press: d.save},
	}
}

func (d *profileForm) save() tea.Cmd {
	if !d.valid() {
		return nil
	}
	iv, _ := access.ParseIntervals(d.intervals.String())
	hol, _ := parseHolidays(d.holidays.String())
	var p store.TimeProfile
	if d.edit != nil {
		p = *d.edit
	}
	p.Name, p.Unit, p.Intervals, p.Holidays = strings.TrimSpace(d.name.String()), d.unit.id(), iv, hol
	c := d.c
	return d.s.submit(avProfiles, "time profile "+p.Name+" saved", func() (string, error) {
		var out store.TimeProfile
		var err error
		if d.edit != nil {
			out, err = c.st.EditTimeProfile(c.actor, p)
		} else {
			out, err = c.st.AddTimeProfile(c.actor, p)
		}
		return idKey(out.ID), err
	})
}

// ---- door group ----

type doorGroupForm struct {
	*aform
	s    *accessScreen
	edit *store.DoorGroup
	name field
	unit unitChoice
}

func newDoorGroupForm(s *accessScreen, edit *store.DoorGroup) *doorGroupForm {
	d := &doorGroupForm{s: s, edit: edit}
	title := "Add a door group"
	var unit uint64
	if edit != nil {
		title, unit = "Edit door group "+edit.Name, edit.Unit
		d.name.set(edit.Name)
	}
	d.unit = newUnitChoice(s, unit)
	d.aform = newAform(s.c, title, func() []fstop {
		return []fstop{{kind: skText, label: "Name", f: &d.name}, d.unit.stop(),
			{kind: skButton, label: "Save", press: d.save, note: "doors join it from their own form"}}
	})
	return d
}

func (d *doorGroupForm) save() tea.Cmd {
	var g store.DoorGroup
	if d.edit != nil {
		g = *d.edit
	}
	g.Name, g.Unit = strings.TrimSpace(d.name.String()), d.unit.id()
	c := d.c
	return d.s.submit(avDoors, "door group "+g.Name+" saved", func() (string, error) {
		var out store.DoorGroup
		var err error
		if d.edit != nil {
			out, err = c.st.EditDoorGroup(c.actor, g)
		} else {
			out, err = c.st.AddDoorGroup(c.actor, g)
		}
		return "group:" + idKey(out.ID), err
	})
}

// ---- door ----

type doorForm struct {
	*aform
	s      *accessScreen
	edit   *store.Door
	name   field
	unit   unitChoice
	groups []store.DoorGroup
	inGrp  []bool
	lock   field
}

func newDoorForm(s *accessScreen, edit *store.Door) *doorForm {
	d := &doorForm{s: s, edit: edit, groups: s.data.doorGroups}
	d.inGrp = make([]bool, len(d.groups))
	d.lock.accept = digitsOnly
	title := "Add a door"
	var unit uint64
	if edit != nil {
		title, unit = "Edit door "+edit.Name, edit.Unit
		d.name.set(edit.Name)
		if edit.Lock > 0 {
			d.lock.set(strconv.Itoa(edit.Lock))
		}
		for i, g := range d.groups {
			d.inGrp[i] = slices.Contains(edit.Groups, g.ID)
		}
	}
	d.unit = newUnitChoice(s, unit)
	d.aform = newAform(s.c, title, d.stops)
	return d
}

func (d *doorForm) stops() []fstop {
	st := []fstop{{kind: skText, label: "Name", f: &d.name}, d.unit.stop(), {kind: skHead, label: "Door groups"}}
	for i, g := range d.groups {
		st = append(st, fstop{kind: skToggle, label: g.Name, on: &d.inGrp[i], note: siteOf(d.c.st, g.Unit)})
	}
	if len(d.groups) == 0 {
		st = append(st, fstop{kind: skHead, label: "(none yet: add one with " + d.c.keys.keyLabel(ActDoorGroupAdd) + ")"})
	}
	return append(st, fstop{kind: skHead, label: "Lock"},
		fstop{kind: skText, label: "Lock number", f: &d.lock, note: "the 000 lock it opens; empty: none",
			check: func(v string) error { _, err := parseNumber("the lock number", v, 31); return err }},
		fstop{kind: skButton, label: "Save", press: d.save})
}

func (d *doorForm) save() tea.Cmd {
	if !d.valid() {
		return nil
	}
	var x store.Door
	if d.edit != nil {
		x = *d.edit
	}
	lock, _ := parseNumber("the lock number", d.lock.String(), 31)
	x.Name, x.Unit, x.Lock, x.Groups = strings.TrimSpace(d.name.String()), d.unit.id(), int(lock), nil
	for i, g := range d.groups {
		if d.inGrp[i] {
			x.Groups = append(x.Groups, g.ID)
		}
	}
	c := d.c
	return d.s.submit(avDoors, "door "+x.Name+" saved", func() (string, error) {
		var out store.Door
		var err error
		if d.edit != nil {
			out, err = c.st.EditDoor(c.actor, x)
		} else {
			out, err = c.st.AddDoor(c.actor, x)
		}
		return "door:" + idKey(out.ID), err
	})
}

// ---- access group ----

type aGroupForm struct {
	*aform
	s       *accessScreen
	edit    *store.AccessGroup
	name    field
	unit    unitChoice
	levels  []store.AccessLevel
	chosen  []bool
	kinds   field // the multifactor kinds, in order
	ordered bool
	window  field // seconds
}

func newAGroupForm(s *accessScreen, edit *store.AccessGroup) *aGroupForm {
	d := &aGroupForm{s: s, edit: edit, levels: s.data.levels}
	d.chosen = make([]bool, len(d.levels))
	d.window.accept = digitsOnly
	title := "Add an access group"
	var unit uint64
	if edit != nil {
		title, unit = "Edit access group "+edit.Name, edit.Unit
		d.name.set(edit.Name)
		for i, l := range d.levels {
			d.chosen[i] = slices.Contains(edit.Levels, uint32(l.ID))
		}
		if m := edit.MultiFactor; m != nil {
			var ks []string
			for _, k := range m.Kinds {
				ks = append(ks, k.String())
			}
			d.kinds.set(strings.Join(ks, ", "))
			d.ordered = m.Ordered
			if m.Window > 0 {
				d.window.set(strconv.Itoa(int(m.Window / time.Second)))
			}
		}
	}
	d.unit = newUnitChoice(s, unit)
	d.aform = newAform(s.c, title, d.stops)
	return d
}

// parseKinds reads "card, qr" in order; empty is no multifactor rule.
func parseKinds(s string) ([]access.Kind, error) {
	var out []access.Kind
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, err := access.ParseKind(p)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (d *aGroupForm) stops() []fstop {
	st := []fstop{{kind: skText, label: "Name", f: &d.name}, d.unit.stop(), {kind: skHead, label: "Access levels"}}
	for i, l := range d.levels {
		st = append(st, fstop{kind: skToggle, label: l.Name, on: &d.chosen[i], note: siteOf(d.c.st, l.Unit)})
	}
	if len(d.levels) == 0 {
		st = append(st, fstop{kind: skHead, label: "(no access levels yet)"})
	}
	return append(st, fstop{kind: skHead, label: "Multifactor"},
		fstop{kind: skText, label: "Identifiers", f: &d.kinds, note: "card, qr, code, ukey, face; empty: none",
			check: func(v string) error { _, err := parseKinds(v); return err }},
		fstop{kind: skToggle, label: "in this order", on: &d.ordered},
		fstop{kind: skText, label: "Window (s)", f: &d.window, note: "empty: 30 s",
			check: func(v string) error { _, err := parseNumber("the window", v, 31); return err }},
		fstop{kind: skButton, label: "Save", press: d.save})
}

func (d *aGroupForm) save() tea.Cmd {
	if !d.valid() {
		return nil
	}
	var g store.AccessGroup
	if d.edit != nil {
		g = *d.edit
	}
	g.Name, g.Unit, g.Levels, g.MultiFactor = strings.TrimSpace(d.name.String()), d.unit.id(), nil, nil
	for i, l := range d.levels {
		if d.chosen[i] {
			g.Levels = append(g.Levels, uint32(l.ID))
		}
	}
	kinds, _ := parseKinds(d.kinds.String())
	win, _ := parseNumber("the window", d.window.String(), 31)
	if len(kinds) > 0 {
		g.MultiFactor = &access.MultiFactor{Kinds: kinds, Ordered: d.ordered, Window: time.Duration(win) * time.Second}
	}
	c := d.c
	return d.s.submit(avGroups, "access group "+g.Name+" saved", func() (string, error) {
		var out store.AccessGroup
		var err error
		if d.edit != nil {
			out, err = c.st.EditAccessGroup(c.actor, g)
		} else {
			out, err = c.st.AddAccessGroup(c.actor, g)
		}
		return idKey(out.ID), err
	})
}

// ---- who can open ----

var directions = []access.Direction{access.Both, access.Entry, access.Exit}

// whoDialog lists the people whose rights let them pass a door, in a
// direction, at a time (now by default): WhoCanOpen assumes their
// credentials and the site online.
type whoDialog struct {
	c      *common
	door   store.Door
	dir    int            // index into directions
	at     field          // on the site's clock
	loc    *time.Location // the site's time zone
	focus  int            // 0 direction, 1 time
	people []store.Person
	asked  string // what the list answers: "for both at 2026-05-13 16:24"
	loaded bool
	err    string
	offset int
}

type whoLoadedMsg struct {
	to     *whoDialog
	people []store.Person
	asked  string
	err    error
}

func newWhoCanOpen(s *accessScreen, door store.Door) tea.Cmd {
	d := &whoDialog{c: s.c, door: door, loc: s.c.siteZone()}
	d.at.set(dateTimeIn(s.c.now(), d.loc))
	return tea.Batch(s.c.open(d), d.ask())
}

func (d *whoDialog) editing() bool { return false }

// ask runs WhoCanOpen for the direction and the typed time.
func (d *whoDialog) ask() tea.Cmd {
	at, err := parseWhenIn("the time", d.at.String(), d.loc)
	if err == nil && at.IsZero() {
		at = d.c.now()
	}
	if err != nil {
		d.err = errText(err)
		return nil
	}
	c, door, dir := d.c, d.door.ID, directions[d.dir]
	asked := "for " + dir.String() + " at " + dateTimeIn(at, d.loc)
	return func() tea.Msg {
		var people []store.Person
		err := safe(func() (err error) { people, err = c.st.WhoCanOpen(c.actor, door, dir, at); return err })
		return whoLoadedMsg{to: d, people: people, asked: asked, err: err}
	}
}

func (d *whoDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case whoLoadedMsg:
		if msg.to == d {
			d.loaded, d.offset = true, 0
			d.people, d.asked, d.err = msg.people, msg.asked, ""
			if msg.err != nil {
				d.err = errText(msg.err)
			}
		}
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc", "q":
			return nil, true
		case "tab", "shift+tab":
			d.focus = 1 - d.focus
		case "left", "right", "space":
			if d.focus == 0 {
				by := 1
				if msg.String() == "left" {
					by = len(directions) - 1
				}
				d.dir = (d.dir + by) % len(directions)
				return d.ask(), false
			}
			d.at.key(msg)
		case "enter":
			return d.ask(), false
		case "down", "pgdown":
			d.offset = min(d.offset+1, max(len(d.people)-1, 0))
		case "up", "pgup":
			d.offset = max(d.offset-1, 0)
		default:
			if d.focus == 1 && d.at.key(msg) {
				d.err = ""
			}
		}
	}
	return nil, false
}

func (d *whoDialog) view(width, height int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, 64)
	mark := func(i int) string { return focusMark(t, d.focus == i) }
	body := []string{
		t.Label.Render("Direction  ") + mark(0) + "‹ " + directions[d.dir].String() + " ›",
		t.Label.Render("At         ") + mark(1) + d.at.render(18, d.focus == 1) + " " + t.Dim.Render(siteClockText(d.loc)+"; enter asks again"),
		"",
	}
	switch {
	case d.err != "":
		body = append(body, t.StatusError.Render(wrap(d.err, w)))
	case !d.loaded:
		body = append(body, t.Dim.Render("Asking…"))
	default:
		body = append(body, t.ModalTitle.Render(fmt.Sprintf("%s can open it %s", plural(len(d.people), "person", "people"), d.asked)))
		room := max(height-14, 3)
		end := min(len(d.people), d.offset+room)
		for _, p := range d.people[d.offset:end] {
			line := fmt.Sprintf("%-24s %s", p.Name, siteOf(c.st, p.Unit))
			if p.Apartment != "" {
				line += " · apt " + p.Apartment
			}
			body = append(body, truncate(line, w))
		}
		if end < len(d.people) {
			body = append(body, t.Dim.Render(fmt.Sprintf("↓ %d more", len(d.people)-end)))
		}
	}
	body = append(body, "", t.Dim.Render(truncate("←/→ direction · tab the time · ↑↓ scroll · esc close", w)),
		t.Dim.Render(wrap("Rights alone: credentials and multifactor are assumed, the site online.", w)))
	return c.frame(fmt.Sprintf("Who can open door %d %s", d.door.ID, d.door.Name), w, body...)
}

// confirmMsg carries the store's include-all warnings back to the level
// form, which asks the operator before saving again.
type confirmMsg struct {
	to  *levelForm
	err error
}

func isConfirm(err error) bool { return errors.Is(err, store.ErrConfirm) }
