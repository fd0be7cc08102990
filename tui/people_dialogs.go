package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
	"github.com/guardroom/guardroom/tui/grid"
)

// The People tab's dialogs: a person's details, the person form, adding an
// identifier. They collect what the store needs; the store decides, and a
// refusal stays in the dialog with everything typed.

// identKinds are the identifier kinds in the order the forms cycle them.
var identKinds = []access.Kind{access.KindCard, access.KindQR, access.KindAccessCode, access.KindUKey, access.KindFaceID}

// nextKind is the kind after k in identKinds.
func nextKind(k access.Kind) access.Kind {
	i := slices.Index(identKinds, k)
	return identKinds[(i+1)%len(identKinds)]
}

// nextKindFor moves an identifier's kind on and readies its value field:
// a value typed for another kind is not carried into a masked code, nor
// a code's digits shown as a card.
func nextKindFor(kind access.Kind, value *field) access.Kind {
	kind = nextKind(kind)
	value.clear()
	value.mask = kind == access.KindAccessCode
	return kind
}

// identValueNote says how a kind's value is typed.
func identValueNote(k access.Kind) string {
	switch k {
	case access.KindCard:
		return "12345 or facility:card 10:456"
	case access.KindAccessCode:
		return "4 to 12 digits, never shown again"
	}
	return "as the reader or enrolment gives it"
}

// parseLocks reads lock numbers typed as "1, 3, 12"; empty is no
// restriction by lock number.
func parseLocks(s string) ([]int, error) {
	var out []int
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(w)
		if err != nil {
			return nil, notNowf("lock number %q is not a number: type lock numbers as 1, 3, 12, or leave it empty for any lock", w)
		}
		out = append(out, n)
	}
	return out, nil
}

func locksText(locks []int) string {
	parts := make([]string, len(locks))
	for i, n := range locks {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// ---- person form ----

// personForm adds a person or edits one. The groups and levels offered
// are those the viewer sees; one held that the viewer does not see is
// kept as it is. Giving one the person's unit may not use is the store's
// to refuse.
type personForm struct {
	*form
	s      *peopleScreen
	loc    *time.Location // the site's clock, validity is typed on
	edit   *store.Person  // nil: a new person
	name   field
	info   field
	apt    field
	from   field
	until  field
	locks  field
	units  []store.Unit
	unit   int // index in units
	active bool
	// offline is offline access: the person opens doors while the site
	// runs without its server.
	offline bool
	// kind and value are a new person's first identifier (optional).
	kind    access.Kind
	value   field
	groups  []store.AccessGroup
	groupOn []bool
	levels  []store.AccessLevel
	levelOn []bool
	hidden  struct{ groups, levels []uint32 } // held but not visible: kept
	// servingFor caches serving() for the unit it was asked for.
	servingFor struct {
		unit uint64
		set  map[uint32]bool
	}
	// aptsFor caches apartments() for the unit it was asked for; aptID is
	// the apartment picked (or the person's), kept while the field still
	// reads its name.
	aptsFor struct {
		unit uint64
		apts []store.Apartment
	}
	aptID    uint32
	mf       bool
	mfKinds  []access.Kind // in the order they must be presented
	mfOrder  bool
	mfWindow field // seconds; empty is access.DefaultWindow
}

// serving is the set of groups that serve a person of the chosen unit
// (theirs, above or below): 004's select all picks these, since the store
// refuses the others for this person.
//
// It is asked once per chosen unit, not on every frame the form draws.
func (d *personForm) serving() map[uint32]bool {
	if len(d.units) == 0 {
		return nil
	}
	unit := d.units[d.unit].ID
	if d.servingFor.set != nil && d.servingFor.unit == unit {
		return d.servingFor.set
	}
	out := map[uint32]bool{}
	var groups []store.AccessGroup
	if err := safe(func() (err error) { groups, err = d.c.st.AccessGroupsFor(d.c.actor, unit); return err }); err == nil {
		for _, g := range groups {
			out[g.ID] = true
		}
	}
	d.servingFor.unit, d.servingFor.set = unit, out
	return out
}

// apartments are the apartment records a person of the chosen unit may
// live in (000: pick one from the list), asked once per chosen unit.
func (d *personForm) apartments() []store.Apartment {
	if len(d.units) == 0 {
		return nil
	}
	unit := d.units[d.unit].ID
	if d.aptsFor.apts != nil && d.aptsFor.unit == unit {
		return d.aptsFor.apts
	}
	apts := []store.Apartment{}
	if err := safe(func() (err error) { apts, err = d.c.st.ApartmentsFor(d.c.actor, unit); return err }); err != nil || apts == nil {
		apts = []store.Apartment{}
	}
	d.aptsFor.unit, d.aptsFor.apts = unit, apts
	return apts
}

// allServingOn reports whether every group serving the unit is checked.
func (d *personForm) allServingOn() bool {
	serving := d.serving()
	for i, g := range d.groups {
		if serving[g.ID] && !d.groupOn[i] {
			return false
		}
	}
	return len(serving) > 0
}

func newPersonForm(s *peopleScreen, edit *store.Person) *personForm {
	c := s.c
	d := &personForm{s: s, loc: c.siteZone(), edit: edit, units: c.st.ListUnits(c.actor), kind: access.KindCard, active: true,
		groups: s.groups, levels: s.levels}
	title := "Add a person"
	if edit != nil {
		title = "Edit " + edit.Label()
	}
	d.form = newFootForm(c, title, 72, "tab/↑↓ move · space toggles · esc cancel", d.stops)
	d.closing = d.value.clear
	d.groupOn, d.levelOn = make([]bool, len(d.groups)), make([]bool, len(d.levels))
	d.mfWindow.accept = digitsOnly
	d.name.limit, d.info.limit, d.apt.limit = 64, 128, 32
	// A new person goes to the unit of the person selected, or the first
	// unit below the organization: most sites keep people in a building.
	want := uint64(0)
	if r, ok := s.selected(); ok {
		want = r.p.Unit
	}
	if edit != nil {
		want = edit.Unit
	}
	d.unit = slices.IndexFunc(d.units, func(u store.Unit) bool { return u.ID == want })
	if d.unit < 0 {
		d.unit = max(slices.IndexFunc(d.units, func(u store.Unit) bool { return u.ID != store.RootUnit }), 0)
	}
	if edit == nil {
		return d
	}
	p := edit
	d.name.set(p.Name)
	d.info.set(p.Info)
	d.apt.set(p.Apartment)
	d.aptID = p.ApartmentID
	d.active, d.offline = p.Active, p.OfflineAccess
	d.from.set(dateTimeInOrEmpty(p.ValidFrom, d.loc))
	d.until.set(dateTimeInOrEmpty(p.ValidUntil, d.loc))
	d.locks.set(locksText(p.Locks))
	for _, g := range p.Groups {
		if i := slices.IndexFunc(d.groups, func(x store.AccessGroup) bool { return x.ID == g }); i >= 0 {
			d.groupOn[i] = true
		} else {
			d.hidden.groups = append(d.hidden.groups, g)
		}
	}
	for _, l := range p.Levels {
		if i := slices.IndexFunc(d.levels, func(x store.AccessLevel) bool { return uint32(x.ID) == l }); i >= 0 {
			d.levelOn[i] = true
		} else {
			d.hidden.levels = append(d.hidden.levels, l)
		}
	}
	if mf := p.MultiFactor; mf != nil {
		d.mf, d.mfKinds, d.mfOrder = true, slices.Clone(mf.Kinds), mf.Ordered
		if mf.Window > 0 {
			d.mfWindow.set(strconv.Itoa(int(mf.Window / time.Second)))
		}
	}
	return d
}

func (d *personForm) stops() []fstop {
	t := d.c.theme
	lw := d.labelW
	toggle := func(name string, on *bool, note string) fstop {
		return fstop{kind: skToggle, on: on, line: func(m string, _ bool, _ int) string {
			return d.label(name) + m + checkbox(*on) + " " + t.Dim.Render(note)
		}}
	}
	st := []fstop{
		{kind: skText, label: "Name", f: &d.name, width: 40},
		{kind: skText, label: "Info", f: &d.info, width: 40},
		{kind: skText, f: &d.apt, pick: d.pickApartment, line: func(m string, on bool, w int) string {
			return d.label("Apartment") + m + d.apt.render(min(w-lw-2, 12), on) + " " + t.Dim.Render(d.aptNote(on))
		}},
		{kind: skChoice, step: d.nextUnit, pick: d.pickUnit, line: func(m string, _ bool, _ int) string {
			unit := "-"
			if len(d.units) > 0 {
				unit = siteOf(d.c.st, d.units[d.unit].ID)
			}
			return d.label("Unit") + m + unit + "  " + t.Dim.Render("space next · enter all")
		}},
		toggle("Access", &d.active, "access control active (off: opens nothing)"),
		toggle("Offline", &d.offline, "keeps access while the site is offline"),
		{kind: skText, label: "Valid from", f: &d.from, width: 18, note: "2026-12-31 18:00; empty: no start"},
		{kind: skText, label: "Valid until", f: &d.until, width: 18, note: "empty: no end"},
		{kind: skText, label: "Lock numbers", f: &d.locks, width: 18, note: "1, 3, 12; empty: any lock"},
	}
	if d.edit == nil {
		st = append(st, noFocus(""),
			fstop{kind: skChoice, step: func(int) { d.kind = nextKindFor(d.kind, &d.value) }, line: func(m string, _ bool, _ int) string {
				return d.label("Identifier") + m + pad(d.kind.String(), 12) + t.Dim.Render("space: next kind · optional")
			}},
			fstop{kind: skText, label: "  value", f: &d.value, width: 24, note: identValueNote(d.kind)})
	}
	st = append(st, noFocus(""))
	if len(d.groups) == 0 {
		st = append(st, noFocus(d.label("Groups")+t.Dim.Render("no access groups in your units")))
	} else {
		st = append(st, fstop{kind: skToggle, flip: d.selectAll, line: func(m string, _ bool, _ int) string {
			return d.label("Groups") + m + checkbox(d.allServingOn()) + " select all " + t.Dim.Render("(space; the groups serving the unit)")
		}})
	}
	for i, g := range d.groups {
		note := ""
		if g.MultiFactor != nil {
			note = "needs " + g.MultiFactor.String()
		}
		st = append(st, fstop{kind: skToggle, on: &d.groupOn[i], line: func(m string, _ bool, _ int) string {
			return strings.Repeat(" ", lw) + m + checkbox(d.groupOn[i]) + " " + pad(g.Name, 20) + " " + t.Dim.Render(note)
		}})
	}
	if n := len(d.hidden.groups); n > 0 {
		st = append(st, noFocus(t.Dim.Render(strings.Repeat(" ", lw)+"  + "+plural(n, "group", "groups")+" outside your units, kept")))
	}
	st = append(st, noFocus(""))
	if len(d.levels) == 0 {
		st = append(st, noFocus(d.label("Levels")+t.Dim.Render("no access levels in your units")))
	}
	for i, l := range d.levels {
		name := ""
		if i == 0 {
			name = "Levels"
		}
		st = append(st, fstop{kind: skToggle, on: &d.levelOn[i], line: func(m string, _ bool, _ int) string {
			return d.label(name) + m + checkbox(d.levelOn[i]) + " " + l.Name
		}})
	}
	if n := len(d.hidden.levels); n > 0 {
		st = append(st, noFocus(t.Dim.Render(strings.Repeat(" ", lw)+"  + "+plural(n, "level", "levels")+" outside your units, kept")))
	}
	st = append(st, noFocus(""), toggle("Multifactor", &d.mf, "own rule; replaces the groups' rules"))
	if d.mf {
		for _, k := range identKinds {
			st = append(st, fstop{kind: skToggle, flip: func() { d.mfKinds = toggleKind(d.mfKinds, k) }, line: func(m string, _ bool, _ int) string {
				box := "[ ]"
				if at := slices.Index(d.mfKinds, k); at >= 0 {
					box = "[" + strconv.Itoa(at+1) + "]"
				}
				return strings.Repeat(" ", lw) + m + box + " " + k.String()
			}})
		}
		st = append(st, toggle("  in order", &d.mfOrder, "the kinds in the numbered order"),
			fstop{kind: skText, label: "  window", f: &d.mfWindow, width: 6, note: "seconds; empty: " + access.DefaultWindow.String()})
	}
	return append(st, fstop{kind: skButton, label: "Save", press: d.save})
}

// toggleKind takes kind k out of the ordered kinds, or puts it last.
func toggleKind(kinds []access.Kind, k access.Kind) []access.Kind {
	if i := slices.Index(kinds, k); i >= 0 {
		return slices.Delete(kinds, i, i+1)
	}
	return append(kinds, k)
}

func (d *personForm) editing() bool {
	return d.edit != nil || d.name.String()+d.info.String()+d.apt.String()+d.value.String() != ""
}

// nextUnit moves the unit chosen by one.
func (d *personForm) nextUnit(by int) {
	if n := len(d.units); n > 0 {
		d.unit = (d.unit + by + n) % n
	}
}

// selectAll checks every group serving the unit, or, when they all are,
// clears every group.
func (d *personForm) selectAll() {
	all := d.allServingOn()
	serving := d.serving()
	for i, g := range d.groups {
		if all {
			d.groupOn[i] = false
		} else if serving[g.ID] {
			d.groupOn[i] = true
		}
	}
}

// aptNote says what enter does on the apartment, and, while it is typed
// in (focused), the apartments its text begins.
func (d *personForm) aptNote(focused bool) string {
	apts := d.apartments()
	if len(apts) == 0 {
		return "enter: pick one or add one"
	}
	note := fmt.Sprintf("enter: pick one of %d, or add one", len(apts))
	q := strings.ToLower(strings.TrimSpace(d.apt.String()))
	if q == "" || !focused {
		return note
	}
	var hits []string
	for _, a := range apts {
		if strings.HasPrefix(strings.ToLower(a.Name), q) && !strings.EqualFold(a.Name, q) {
			hits = append(hits, a.Name)
		}
	}
	if len(hits) > 0 {
		return "existing: " + strings.Join(hits[:min(len(hits), 4)], " ")
	}
	if !slices.ContainsFunc(apts, func(a store.Apartment) bool { return strings.EqualFold(a.Name, q) }) {
		return "no such apartment: enter adds one"
	}
	return note
}

// pickApartment offers the apartments of the person's unit (and the
// units above and below it), and adding a new one (000: "click the Plus
// icon, or select the apartment from the list of previously added").
func (d *personForm) pickApartment() tea.Cmd {
	apts := slices.Clone(d.apartments())
	slices.SortStableFunc(apts, func(a, b store.Apartment) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	items := []pickItem{{label: "+ add a new apartment", note: "in " + siteOf(d.c.st, d.units[d.unit].ID)}}
	for _, a := range apts {
		note := siteOf(d.c.st, a.Unit)
		if a.Floor != "" {
			note = "floor " + a.Floor + " · " + note
		}
		items = append(items, pickItem{label: a.Name, note: note, id: uint64(a.ID)})
	}
	items = append(items, pickItem{label: "- none", note: "lives in no apartment"})
	return d.c.open(newPickList(d.c, "Apartment", "The apartments a person of this unit may live in.", items, func(it pickItem) (tea.Cmd, bool) {
		d.err = ""
		switch {
		case it.id != 0:
			d.apt.set(it.label)
			d.aptID = uint32(it.id)
		case strings.HasPrefix(it.label, "+"):
			return d.c.open(newApartmentForm(d.c, d.units[d.unit].ID, strings.TrimSpace(d.apt.String()), func(a store.Apartment) {
				d.apt.set(a.Name)
				d.aptID, d.aptsFor.apts = a.ID, nil // asked again: it has one more
			})), true
		default:
			d.apt.set("")
			d.aptID = 0
		}
		return nil, true
	}))
}

func (d *personForm) pickUnit() tea.Cmd {
	items := make([]pickItem, len(d.units))
	for i, u := range d.units {
		items[i] = pickItem{label: d.c.st.UnitPath(u.ID), slot: i}
	}
	return d.c.open(newPickList(d.c, "Organization unit", "Operators of this unit and those above it see and change the person.", items, func(it pickItem) (tea.Cmd, bool) {
		d.unit, d.err = it.slot, ""
		return nil, true
	}))
}

// person is what the form says, or why it cannot be read.
func (d *personForm) person() (store.Person, error) {
	var p store.Person
	if d.edit != nil {
		p = *d.edit
	}
	p.Name, p.Info, p.Apartment = strings.TrimSpace(d.name.String()), strings.TrimSpace(d.info.String()), strings.TrimSpace(d.apt.String())
	// The apartment picked, while the field still reads its name; a name
	// typed is the store's to find (and to refuse when there is none).
	p.ApartmentID = 0
	if d.aptID != 0 && p.Apartment != "" && slices.ContainsFunc(d.apartments(), func(a store.Apartment) bool {
		return a.ID == d.aptID && strings.EqualFold(a.Name, p.Apartment)
	}) {
		p.ApartmentID = d.aptID
	}
	if len(d.units) > 0 {
		p.Unit = d.units[d.unit].ID
	}
	p.Active, p.OfflineAccess = d.active, d.offline
	var err error
	if p.ValidFrom, err = parseWhenIn("valid from", d.from.String(), d.loc); err != nil {
		return p, notNow(strings.Replace(err.Error(), "for no end", "for no start", 1))
	}
	if p.ValidUntil, err = parseWhenIn("valid until", d.until.String(), d.loc); err != nil {
		return p, err
	}
	if p.Locks, err = parseLocks(d.locks.String()); err != nil {
		return p, err
	}
	p.Groups = slices.Clone(d.hidden.groups)
	for i, g := range d.groups {
		if d.groupOn[i] {
			p.Groups = append(p.Groups, g.ID)
		}
	}
	p.Levels = slices.Clone(d.hidden.levels)
	for i, l := range d.levels {
		if d.levelOn[i] {
			p.Levels = append(p.Levels, uint32(l.ID))
		}
	}
	p.MultiFactor = nil
	if d.mf {
		mf := &access.MultiFactor{Kinds: slices.Clone(d.mfKinds), Ordered: d.mfOrder}
		if w := d.mfWindow.String(); w != "" {
			secs, err := strconv.Atoi(w)
			if err != nil || secs > 3600 {
				return p, notNowf("the multifactor window %q is not a number of seconds up to 3600: type e.g. 30, or leave it empty for %s", w, access.DefaultWindow)
			}
			mf.Window = time.Duration(secs) * time.Second
		}
		p.MultiFactor = mf
	}
	return p, nil
}

func (d *personForm) save() tea.Cmd {
	c := d.c
	p, err := d.person()
	if err != nil {
		d.err = errText(err)
		return nil
	}
	if d.edit != nil {
		return c.submitOp(p.Label()+" saved", func() error {
			_, err := c.st.EditPerson(c.actor, p)
			return err
		})
	}
	var ids []access.Identifier
	if v := d.value.String(); strings.TrimSpace(v) != "" {
		ids = append(ids, access.Identifier{Kind: d.kind, Value: v})
	}
	return func() tea.Msg {
		var got store.Person
		err := safe(func() (err error) { got, err = c.st.AddPerson(c.actor, p, ids); return err })
		if err != nil {
			return promptErrMsg{err}
		}
		ok := got.Label() + " added"
		if len(got.Identifiers) > 0 {
			ok += " with " + identsText(got.Identifiers)
		}
		return tea.BatchMsg{
			func() tea.Msg { return closeDialogMsg{} },
			func() tea.Msg { return personSelectMsg{id: got.ID} },
			func() tea.Msg { return opDoneMsg{ok: ok} },
		}
	}
}

// ---- identifier ----

// identForm gives a person one identifier: its kind and value. An access
// code is typed masked and cleared once sent; the store keeps only its
// keyed hash, so nothing shows it again.
type identForm struct {
	*form
	p     store.Person
	kind  access.Kind
	value field
}

func newIdentForm(c *common, p store.Person) *identForm {
	d := &identForm{p: p, kind: access.KindCard}
	d.form = newFootForm(c, "Add an identifier to "+p.Name, 64, "tab/↑↓ move · esc cancel", d.stops)
	d.labelW, d.focus, d.closing = 8, 1, d.value.clear
	d.extra = func(w int) []string {
		if d.kind == access.KindAccessCode {
			return []string{d.c.theme.Dim.Render(wrap("The code is kept only as a keyed hash: it is never shown again, here or anywhere.", w))}
		}
		return nil
	}
	return d
}

func (d *identForm) stops() []fstop {
	t := d.c.theme
	return []fstop{
		{kind: skChoice, step: func(int) { d.kind = nextKindFor(d.kind, &d.value) }, pick: d.enter, line: func(m string, _ bool, _ int) string {
			return d.label("Kind") + m + pad(d.kind.String(), 12) + t.Dim.Render("space: next kind")
		}},
		{kind: skText, label: "Value", f: &d.value, width: 30, pick: d.enter},
		{kind: skLine, line: func(_ string, _ bool, w int) string {
			return t.Dim.Render(wrap(identValueNote(d.kind)+". Unique across the site: a card someone else holds is refused.", w))
		}},
		{kind: skButton, label: "Add", press: d.save},
	}
}

func (d *identForm) editing() bool { return d.value.String() != "" }

// enter on the kind or the value adds the identifier once a value is
// typed; before, it puts the focus on the value.
func (d *identForm) enter() tea.Cmd {
	if strings.TrimSpace(d.value.String()) == "" {
		d.focusOn(&d.value)
		return nil
	}
	return d.save()
}

func (d *identForm) save() tea.Cmd {
	c, p := d.c, d.p
	id := access.Identifier{Kind: d.kind, Value: d.value.String()}
	shown := identText(id.Kind, strings.TrimSpace(id.Value))
	return c.submitOp(shown+" given to "+p.Label(), func() error {
		_, err := c.st.AddIdentifier(c.actor, p.ID, id)
		return err
	})
}

// ---- details ----

// personDetailActions are a person's actions offered in the details.
var personDetailActions = []ActionID{ActPersonEdit, ActPersonIdent, ActPersonPool, ActPersonUnident, ActPersonWhy, ActPersonRemove}

// personDetails shows one person: every field, each identifier, their
// groups and levels by name, and the actions allowed.
type personDetails struct {
	s  *peopleScreen
	id uint64
	sc scroller
}

func (d *personDetails) editing() bool { return false }
func (d *personDetails) dock() bool    { return true }

func (d *personDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	if d.sc.key(msg) {
		return nil, false
	}
	return detailsKeyTry(d.s.c, msg, func() (personRow, bool) { return d.s.row(d.id) },
		func(personRow) []ActionID { return personDetailActions }, d.s.availableFor, d.s.tryPerson, d.s.runFor)
}

// validityText says when a person's access starts and ends.
func validityText(p store.Person, now time.Time) string {
	switch {
	case p.ValidFrom.IsZero() && p.ValidUntil.IsZero():
		return "always"
	case !p.ValidFrom.IsZero() && now.Before(p.ValidFrom):
		s := "from " + dateTime(p.ValidFrom) + " (not yet)"
		if !p.ValidUntil.IsZero() {
			s += " until " + dateTime(p.ValidUntil)
		}
		return s
	case p.ValidUntil.IsZero():
		return "from " + dateTime(p.ValidFrom)
	}
	return endText(p.ValidUntil, now)
}

func (d *personDetails) view(width, height int) string {
	s := d.s
	c := s.c
	t := c.theme
	w := dialogWidth(width, 66)
	r, ok := s.row(d.id)
	if !ok {
		return c.frame(fmt.Sprintf("Person %d", d.id), w, "This person is no longer shown.")
	}
	p := r.p
	tones := personTones(r)
	dl := detailLines{t: t, width: w, labelW: 12}
	if p.Info != "" {
		dl.add("Info", p.Info, grid.ToneNone)
	}
	if p.Apartment != "" {
		dl.add("Apartment", p.Apartment, grid.ToneNone)
	}
	dl.add("Unit", c.st.UnitPath(p.Unit), grid.ToneNone)
	acc := "active"
	if !p.Active {
		acc = "off: opens no door"
	}
	if p.OfflineAccess {
		acc += " · offline access"
	}
	dl.add("Access", acc, tones[personActiveCol])
	dl.add("Valid", validityText(p, r.now), tones[personUntilCol])
	if len(p.Identifiers) == 0 {
		dl.add("Identifiers", "none", grid.ToneDim)
	}
	for i, id := range p.Identifiers {
		k := ""
		if i == 0 {
			k = "Identifiers"
		}
		dl.add(k, identText(id.Kind, id.Value)+"  "+t.Dim.Render("since "+clockOrDate(id.Added, r.now)), grid.ToneNone)
	}
	groups := strings.Join(r.groups, ", ")
	if groups == "" {
		groups = "none"
	}
	dl.add("Groups", groups, grid.ToneNone)
	// A group's multifactor rule is what a guard is asked about at the
	// door ("why does my card alone not open it?"); the person's own
	// rule replaces it.
	if p.MultiFactor == nil {
		for _, g := range s.groups {
			if g.MultiFactor != nil && slices.Contains(p.Groups, g.ID) {
				dl.add("", g.Name+" needs "+g.MultiFactor.String(), grid.ToneNone)
			}
		}
	}
	var levels []string
	for _, l := range p.Levels {
		name := "level " + strconv.Itoa(int(l))
		if i := slices.IndexFunc(s.levels, func(x store.AccessLevel) bool { return uint32(x.ID) == l }); i >= 0 {
			name = s.levels[i].Name
		}
		levels = append(levels, name)
	}
	if len(levels) == 0 {
		levels = []string{"none of their own"}
	}
	dl.add("Levels", strings.Join(levels, ", "), grid.ToneNone)
	if p.MultiFactor != nil {
		dl.add("Multifactor", p.MultiFactor.String()+" (own rule)", grid.ToneNone)
	}
	if len(p.Locks) > 0 {
		dl.add("Locks", locksText(p.Locks), grid.ToneNone)
	}
	dl.add("Changed", clockOrDate(p.Updated, r.now)+" · added "+clockOrDate(p.Created, r.now), grid.ToneNone)
	avail := func(id ActionID) error { return s.availableFor(id, r) }
	flow := actionFlow(c, personDetailActions, avail, w, 0)
	room := height - 2 - 4 - 3 - 2 - len(flow)
	info := d.sc.fit(&dl, room)
	lines := append(append(slices.Clone(info), ""), actionFlow(c, personDetailActions, avail, w, room-len(info))...)
	lines = append(lines, t.Dim.Render("esc closes · ? on the grid explains every key"))
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return c.frame(p.Name, w, lines...)
}
