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

// The People tab (PRODUCT.md §10, issue 7, references 000, 002, 004): the
// people who open doors, what they carry, the access groups and levels
// they hold, and why a door would open for them or not. Every rule (unique
// identifiers, units in scope, levels visible to the person's unit) is
// the store's; refusals are shown in its words and the form keeps what
// was typed. Without "manage people and access" the tab is read-only: the
// write actions say why, and the store would refuse them anyway.

// personRow is a person with the names the grid shows for their unit and
// access groups, read once per load.
type personRow struct {
	p store.Person
	// unit is the last name of the unit's path ("North Tower"): the
	// details show the whole path.
	unit   string
	groups []string
	now    time.Time
	loc    *time.Location // the site's clock, validity is shown on
}

var personCols = []grid.Column{
	{Title: "Name", Key: "name", MinWidth: 12, MaxWidth: 20},
	{Title: "Info", Key: "info", MinWidth: 8, MaxWidth: 20, HideBelow: 140},
	{Title: "Apartment", Key: "apartment", MinWidth: 11, MaxWidth: 11},
	{Title: "Unit", Key: "unit", MinWidth: 8, MaxWidth: 14, HideBelow: 100},
	{Title: "Active", Key: "active", Width: 6},
	{Title: "Offline", Key: "offline", Width: 7, HideBelow: 100},
	{Title: "Identifiers", Key: "id", MinWidth: 18, MaxWidth: 44},
	{Title: "Groups", Key: "group", MinWidth: 8, MaxWidth: 24},
	{Title: "Valid until", Key: "until", Width: 16},
}

// People grid column indexes that carry a tone.
const (
	personActiveCol = 4
	personUntilCol  = 8
)

// identText is an identifier as the grid and the dialogs show it: an
// access code only as "code ****", never its digits.
func identText(kind access.Kind, value string) string {
	switch kind {
	case access.KindAccessCode:
		return "code ****"
	case access.KindQR:
		return "QR " + value
	case access.KindFaceID:
		return "face " + value
	}
	return access.Identifier{Kind: kind, Value: value}.String()
}

// identsText lists a person's identifiers in the order they were given.
func identsText(ids []store.Identifier) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = identText(id.Kind, id.Value)
	}
	return strings.Join(parts, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// personCells is the pure row renderer of the People grid.
func personCells(r personRow) []string {
	p := r.p
	apt := p.Apartment
	if apt == "" {
		apt = "-"
	}
	offline := "-"
	if p.OfflineAccess {
		offline = "yes"
	}
	groups := strings.Join(r.groups, ", ")
	if groups == "" {
		groups = "-"
	}
	ids := identsText(p.Identifiers)
	if ids == "" {
		ids = "none"
	}
	return []string{p.Name, p.Info, apt, r.unit, yesNo(p.Active), offline, ids, groups, dateTimeIn(p.ValidUntil, r.loc)}
}

// personTones: access control off stands out, an ended or not yet
// started validity steps back.
func personTones(r personRow) []grid.Tone {
	tones := make([]grid.Tone, len(personCols))
	if !r.p.Active {
		tones[personActiveCol] = grid.ToneBad
	}
	if !r.p.ValidUntil.IsZero() && !r.now.Before(r.p.ValidUntil) {
		tones[personUntilCol] = grid.ToneDim
	}
	return tones
}

// personField answers the sort and filter keys whose value is not the
// cell: the validity sorts as a time ("" for none).
func personField(r personRow, key string) (string, bool) {
	switch key {
	case "until":
		return dateTimeInOrEmpty(r.p.ValidUntil, r.loc), true
	case "level":
		return strconv.Itoa(len(r.p.Levels)), true
	}
	return "", false
}

type peopleScreen struct {
	listScreen[personRow]
	// The access configuration the forms and the why view offer, read
	// with the people.
	groups []store.AccessGroup
	levels []store.AccessLevel
	doors  []store.Door
}

func newPeopleScreen(c *common) *peopleScreen {
	s := &peopleScreen{listScreen: newList[personRow](c, scrPeople, "People", personCols)}
	s.cells, s.tones, s.field = personCells, personTones, personField
	s.empty = "No people in your organization units: press " + c.keys.keyLabel(ActPersonAdd) + " to add one."
	s.hint = "filter active: id: group:"
	return s
}

// peopleLoadedMsg carries the people and the access configuration read
// with them.
type peopleLoadedMsg struct {
	n      uint64 // the load's number (loadOrder)
	rows   []personRow
	groups []store.AccessGroup
	levels []store.AccessLevel
	doors  []store.Door
	err    error
}

func (s *peopleScreen) load() tea.Cmd {
	c, n := s.c, s.order.next()
	return func() tea.Msg {
		m := peopleLoadedMsg{n: n}
		m.err = safe(func() error { return loadPeople(c, &m) })
		return m
	}
}

func loadPeople(c *common, m *peopleLoadedMsg) error {
	people, err := c.st.ListPeople(c.actor)
	if err != nil {
		return err
	}
	if m.groups, err = c.st.ListAccessGroups(c.actor); err != nil {
		return err
	}
	if m.levels, err = c.st.ListAccessLevels(c.actor); err != nil {
		return err
	}
	if m.doors, err = c.st.ListDoors(c.actor); err != nil {
		return err
	}
	names := make(map[uint32]string, len(m.groups))
	for _, g := range m.groups {
		names[g.ID] = g.Name
	}
	units := map[uint64]string{}
	now, loc := c.now(), c.siteZone()
	m.rows = make([]personRow, len(people))
	for i, p := range people {
		u, ok := units[p.Unit]
		if !ok {
			path := c.st.UnitPath(p.Unit)
			u = path[strings.LastIndex(path, " / ")+1:]
			u = strings.TrimPrefix(u, "/ ")
			units[p.Unit] = u
		}
		r := personRow{p: p, unit: u, now: now, loc: loc}
		for _, g := range p.Groups {
			n := names[g]
			if n == "" { // a group out of the viewer's sight
				n = "group " + strconv.Itoa(int(g))
			}
			r.groups = append(r.groups, n)
		}
		m.rows[i] = r
	}
	return nil
}

// personSelectMsg selects a person once the grid has them (just added).
type personSelectMsg struct{ id uint64 }

func (s *peopleScreen) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case peopleLoadedMsg:
		if !s.order.fresh(m.n) {
			return nil
		}
		if m.err == nil {
			s.groups, s.levels, s.doors = m.groups, m.levels, m.doors
		}
		return s.listScreen.update(listLoadedMsg[personRow]{sid: s.sid, items: m.rows, err: m.err})
	case personSelectMsg:
		s.selectWhen(func(r personRow) bool { return r.p.ID == m.id })
	}
	return nil
}

// relevant: people, the access configuration (group names) and units
// (their paths) show on the grid.
func (s *peopleScreen) relevant(ch []store.Change) bool {
	return slices.ContainsFunc(ch, func(c store.Change) bool {
		switch c.What {
		case store.ChangePerson, store.ChangeAccess, store.ChangeUnit, store.ChangeAll:
			return true
		}
		return false
	})
}

func (s *peopleScreen) actions() []ActionID {
	return []ActionID{ActPersonAdd, ActPersonEdit, ActPersonIdent, ActPersonPool, ActPersonUnident, ActPersonRemove, ActPersonWhy,
		ActPeopleImport, ActPeopleExport}
}

func (s *peopleScreen) available(id ActionID) error {
	switch id {
	case ActPersonAdd:
		return s.c.actor.Need(store.PermManagePeople)
	case ActPeopleImport:
		if err := s.c.actor.Need(store.PermManagePeople); err != nil {
			return err
		}
		return s.c.actor.Need(store.PermBulkImport)
	case ActPeopleExport:
		return nil
	}
	r, ok := s.selected()
	if !ok {
		return notNowf("no person selected")
	}
	return s.availableFor(id, r)
}

// availableFor says why an action cannot run on a person: the permission
// the store asks for, or what the row lacks.
func (s *peopleScreen) availableFor(id ActionID, r personRow) error {
	switch id {
	case ActOpen:
		return nil
	case ActPersonWhy:
		if len(s.doors) == 0 {
			return notNowf("no doors in your organization units to ask about")
		}
		return nil
	}
	if err := s.c.actor.Need(store.PermManagePeople); err != nil {
		return err
	}
	if id == ActPersonUnident && len(r.p.Identifiers) == 0 {
		return notNowf("%s holds no identifier to remove", r.p.Name)
	}
	return nil
}

func (s *peopleScreen) run(id ActionID) tea.Cmd {
	switch id {
	case ActPersonAdd:
		return s.c.open(newPersonForm(s, nil))
	case ActPeopleImport:
		return s.c.open(newPeopleImport(s))
	case ActPeopleExport:
		return s.c.open(newPeopleExport(s.c))
	}
	r, ok := s.selected()
	if !ok {
		return nil
	}
	if id == ActOpen {
		return s.c.open(&personDetails{s: s, id: r.p.ID})
	}
	return s.runFor(id, r)
}

// runFor opens the dialog of an action on one person (from the grid or
// the details).
func (s *peopleScreen) runFor(id ActionID, r personRow) tea.Cmd {
	c, p := s.c, r.p
	switch id {
	case ActPersonEdit:
		return c.open(newPersonForm(s, &p))
	case ActPersonIdent:
		return c.open(newIdentForm(c, p))
	case ActPersonPool:
		return s.poolPick(p)
	case ActPersonUnident:
		return s.removeIdent(p)
	case ActPersonRemove:
		msg := "This deletes " + p.Name + "; what was done stays in the action log. It cannot be undone."
		if n := len(p.Identifiers); n > 0 {
			msg = fmt.Sprintf("This deletes %s. Their %s (%s) are freed for reassignment: cards, QR codes, UKeys and face IDs go to the unassigned pool, an access code is dropped. What was done stays in the action log.",
				p.Name, plural(n, "identifier", "identifiers"), identsText(p.Identifiers))
		}
		who := p.Label()
		return c.open(newConfirm(c, "Remove "+who+"?", msg, "Remove", func() tea.Cmd {
			return c.do(who+" removed: their identifiers can be given to someone else", func() error { return c.st.RemovePerson(c.actor, p.ID) })
		}).requireTyped(p.Name))
	case ActPersonWhy:
		return c.open(newWhyDialog(s, p))
	}
	return nil
}

// poolPick gives a person an identifier from the unassigned pool.
func (s *peopleScreen) poolPick(p store.Person) tea.Cmd {
	c := s.c
	now := c.now()
	d := newPickList(c, "Give "+p.Name+" an unassigned identifier", "Cards, QR codes, UKeys and face IDs nobody holds; type to filter.", nil,
		func(it pickItem) (tea.Cmd, bool) {
			kind, value, _ := strings.Cut(it.who, "\x00")
			k, _ := strconv.Atoi(kind)
			id := access.Identifier{Kind: access.Kind(k), Value: value}
			return c.submitOp(id.String()+" given to "+p.Name, func() error {
				_, err := c.st.AddIdentifier(c.actor, p.ID, id)
				return err
			}), false
		})
	d.empty = "No unassigned identifiers in your organization units: add one with " + c.keys.keyLabel(ActPersonIdent) + " instead."
	return tea.Batch(c.open(d), d.loading(func() ([]pickItem, error) {
		free, err := c.st.ListUnassignedIdentifiers(c.actor)
		if err != nil {
			return nil, err
		}
		items := make([]pickItem, len(free))
		for i, f := range free {
			note := siteOf(c.st, f.Unit) + " · freed " + clockOrDate(f.Freed, now)
			if f.From != "" {
				note += " from " + f.From
			}
			items[i] = pickItem{label: f.String(), note: note, who: strconv.Itoa(int(f.Kind)) + "\x00" + f.Value}
		}
		return items, nil
	}))
}

// removeIdent takes one of a person's identifiers away, after asking.
func (s *peopleScreen) removeIdent(p store.Person) tea.Cmd {
	c := s.c
	items := make([]pickItem, len(p.Identifiers))
	for i, id := range p.Identifiers {
		items[i] = pickItem{label: identText(id.Kind, id.Value), note: "since " + clockOrDate(id.Added, c.now()), slot: i}
	}
	return c.open(newPickList(c, "Remove an identifier of "+p.Name, "", items, func(it pickItem) (tea.Cmd, bool) {
		id := p.Identifiers[it.slot]
		what := it.label
		freed := " It goes to the unassigned pool, so it can be given to someone else."
		if id.Kind == access.KindAccessCode {
			freed = " The code is dropped: it can be given again only by typing it."
		}
		return c.open(newConfirm(c, "Remove "+what+" from "+p.Name+"?", p.Name+" can no longer open doors with "+what+"."+freed, "Remove", func() tea.Cmd {
			return c.do(what+" removed from "+p.Name, func() error {
				_, err := c.st.RemoveIdentifier(c.actor, p.ID, access.Identifier{Kind: id.Kind, Value: id.Value})
				return err
			})
		})), true
	}))
}

func (s *peopleScreen) row(id uint64) (personRow, bool) {
	return rowWith(s.items, func(r personRow) uint64 { return r.p.ID }, id)
}
