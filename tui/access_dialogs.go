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
	*form
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
	d.form = newForm(c, title, d.stops)
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
	*form
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
	d.form = newForm(s.c, title, func() []fstop {
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
	*form
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
	d.form = newForm(s.c, title, d.stops)
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
	*form
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
	d.form = newForm(s.c, title, d.stops)
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
	*form  // the direction and the time
	door   store.Door
	dir    int            // index into directions
	at     field          // on the site's clock
	loc    *time.Location // the site's time zone
	people []store.Person
	asked  string // what the list answers: "for both at 2026-05-13 16:24"
	loaded bool
	offset int
}

type whoLoadedMsg struct {
	to     *whoDialog
	people []store.Person
	asked  string
	err    error
}

func newWhoCanOpen(s *accessScreen, door store.Door) tea.Cmd {
	d := &whoDialog{door: door, loc: s.c.siteZone()}
	d.form = newFootForm(s.c, fmt.Sprintf("Who can open door %d %s", door.ID, door.Name), 64, "", d.stops)
	d.labelW = 11
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

// stops are the question: the direction (←/→ or space asks again) and
// the time (enter asks again). ↑/↓ scroll the answer, not the focus.
func (d *whoDialog) stops() []fstop {
	t := d.c.theme
	return []fstop{
		{kind: skChoice, keys: d.dirKeys, pick: d.ask, line: func(m string, _ bool, _ int) string {
			return d.label("Direction") + m + "‹ " + directions[d.dir].String() + " ›"
		}},
		{kind: skText, f: &d.at, keys: d.listKeys, pick: d.ask, line: func(m string, on bool, _ int) string {
			return d.label("At") + m + d.at.render(18, on) + " " + t.Dim.Render(siteClockText(d.loc)+"; enter asks again")
		}},
	}
}

// dirKeys turn the direction and ask again.
func (d *whoDialog) dirKeys(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch msg.String() {
	case "left":
		d.dir = (d.dir + len(directions) - 1) % len(directions)
	case "right", "space":
		d.dir = (d.dir + 1) % len(directions)
	default:
		return d.listKeys(msg)
	}
	return d.ask(), true
}

// listKeys scroll the people found.
func (d *whoDialog) listKeys(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch msg.String() {
	case "down", "pgdown":
		d.offset = min(d.offset+1, max(len(d.people)-1, 0))
	case "up", "pgup":
		d.offset = max(d.offset-1, 0)
	default:
		return nil, false
	}
	return nil, true
}

func (d *whoDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(whoLoadedMsg); ok {
		if msg.to == d {
			d.loaded, d.offset = true, 0
			d.people, d.asked, d.err = msg.people, msg.asked, ""
			if msg.err != nil {
				d.err = errText(msg.err)
			}
		}
		return nil, false
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "q" {
		return nil, true // a list: q closes it, as esc does
	}
	return d.form.update(msg)
}

func (d *whoDialog) view(width, height int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, 64)
	body := append(d.column(w).lines, "")
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
	return c.frame(d.title, w, body...)
}

// confirmMsg carries the store's include-all warnings back to the level
// form, which asks the operator before saving again.
type confirmMsg struct {
	to  *levelForm
	err error
}

func isConfirm(err error) bool { return errors.Is(err, store.ErrConfirm) }
