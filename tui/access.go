package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
	"github.com/guardroom/guardroom/tui/grid"
)

// The Access tab (PRODUCT.md §10, references 000 and 002): the rules the
// decision engine applies. Four views share the tab — access levels (the
// default), time profiles, doors with door groups, and access groups —
// switched like the Operators tab's roles view. Every rule (scope, names,
// references, "still used by", the include-all warnings) is the store's;
// the tab shows its refusals in its words.

// accessView is one of the tab's views.
type accessView int

const (
	avLevels accessView = iota
	avProfiles
	avDoors
	avGroups
	avApartments
)

// scope is the action scope of the view's own actions.
func (v accessView) scope() screenID {
	return [...]screenID{scrAccess, scrAccessProfiles, scrAccessDoors, scrAccessGroups, scrAccessApts}[v]
}

func (v accessView) name() string {
	return [...]string{"Access levels", "Time profiles", "Doors", "Access groups", "Apartments"}[v]
}

// accessNames resolves the references records make, for cells and
// pickers: a reference to something the operator does not see stays a
// number.
type accessNames struct {
	profiles   map[uint32]string
	doors      map[uint32]string
	doorGroups map[uint32]string
	levels     map[uint32]string
}

func nameOr(m map[uint32]string, noun string, id uint32) string {
	if n, ok := m[id]; ok {
		return n
	}
	return noun + " " + strconv.FormatUint(uint64(id), 10)
}

func (n accessNames) profile(id access.ProfileID) string {
	if id == access.Always {
		return "Always"
	}
	return nameOr(n.profiles, "profile", uint32(id))
}

// rule is a door rule as a cell reads it: "Front door (Office hours, entry)".
func (n accessNames) rule(r access.DoorRule) string {
	target := nameOr(n.doors, "door", uint32(r.Door))
	if r.Door == 0 {
		target = "group " + nameOr(n.doorGroups, "door group", uint32(r.Group))
	}
	dir := r.Direction
	if dir == 0 {
		dir = access.Both
	}
	return target + " (" + n.profile(r.Profile) + ", " + dir.String() + ")"
}

// accessData is everything the tab shows, read together so that each
// view names the others' records.
type accessData struct {
	levels     []store.AccessLevel
	profiles   []store.TimeProfile
	doors      []store.Door
	doorGroups []store.DoorGroup
	groups     []store.AccessGroup
	apartments []store.Apartment
	names      accessNames
}

func loadAccess(c *common) (accessData, error) {
	var d accessData
	var err error
	if d.levels, err = c.st.ListAccessLevels(c.actor); err != nil {
		return d, err
	}
	if d.profiles, err = c.st.ListTimeProfiles(c.actor); err != nil {
		return d, err
	}
	if d.doors, err = c.st.ListDoors(c.actor); err != nil {
		return d, err
	}
	if d.doorGroups, err = c.st.ListDoorGroups(c.actor); err != nil {
		return d, err
	}
	if d.groups, err = c.st.ListAccessGroups(c.actor); err != nil {
		return d, err
	}
	if d.apartments, err = c.st.ListApartments(c.actor); err != nil {
		return d, err
	}
	n := accessNames{profiles: map[uint32]string{}, doors: map[uint32]string{}, doorGroups: map[uint32]string{}, levels: map[uint32]string{}}
	for _, p := range d.profiles {
		n.profiles[p.ID] = p.Name
	}
	for _, x := range d.doors {
		n.doors[x.ID] = x.Name
	}
	for _, g := range d.doorGroups {
		n.doorGroups[g.ID] = g.Name
	}
	for _, l := range d.levels {
		n.levels[uint32(l.ID)] = l.Name
	}
	d.names = n
	return d, nil
}

type accessScreen struct {
	c        *common
	shown    accessView
	levels   listScreen[levelRow]
	profiles listScreen[profileRow]
	doors    listScreen[doorRow]
	groups   listScreen[groupRow]
	apts     listScreen[aptRow]
	// data is what the forms pick from (names, profiles, doors).
	data  accessData
	order loadOrder
	w, h  int
	// sized is the size each view's grid was last given: a view shown
	// before the first frame (0 then d, in one burst) gets its size on
	// that frame.
	sized [5][2]int
}

func newAccessScreen(c *common) *accessScreen {
	s := &accessScreen{c: c,
		levels:   newList[levelRow](c, scrAccess, "Access levels", levelCols),
		profiles: newList[profileRow](c, scrAccess, "Time profiles", profileCols),
		doors:    newList[doorRow](c, scrAccess, "Doors", doorCols),
		groups:   newList[groupRow](c, scrAccess, "Access groups", groupCols),
		apts:     newList[aptRow](c, scrAccess, "Apartments", aptCols),
	}
	add := c.keys.keyLabel(ActLevelAdd)
	s.levels.cells, s.levels.tones = levelCells, levelTones
	s.levels.empty = "No access levels in your organization units: press " + add + " to add one."
	s.levels.hint = "filter unit: doors: schedule:"
	s.profiles.cells, s.profiles.tones = profileCells, profileTones
	s.profiles.hint = "filter unit: intervals:"
	s.doors.cells, s.doors.tones = doorCells, doorTones
	s.doors.empty = "No doors in your organization units: press " + c.keys.keyLabel(ActDoorAdd) + " to add one."
	s.doors.hint = "filter kind: unit: members:"
	s.groups.cells = groupCells
	s.groups.empty = "No access groups in your organization units: press " + c.keys.keyLabel(ActAGroupAdd) + " to add one."
	s.groups.hint = "filter unit: levels:"
	s.apts.cells = aptCells
	s.apts.empty = "No apartments in your organization units: press " + c.keys.keyLabel(ActAptAdd) + " to add one."
	s.apts.hint = "filter unit: floor:"
	return s
}

func (s *accessScreen) id() screenID { return scrAccess }

func (s *accessScreen) title(bool) string {
	return "Access"
}

type accessLoadedMsg struct {
	n    uint64 // the load's number (loadOrder)
	data accessData
	err  error
}

func (s *accessScreen) load() tea.Cmd {
	c, n := s.c, s.order.next()
	return func() tea.Msg {
		m := accessLoadedMsg{n: n}
		m.err = safe(func() (err error) { m.data, err = loadAccess(c); return err })
		return m
	}
}

// accessSelectMsg selects a record once the grid has it (just added).
type accessSelectMsg struct {
	view accessView
	key  string
}

func (s *accessScreen) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case accessLoadedMsg:
		if s.order.fresh(m.n) {
			s.loaded(m)
		}
	case accessSelectMsg:
		s.selectKey(m.view, m.key)
	}
	return nil
}

func (s *accessScreen) loaded(m accessLoadedMsg) {
	d, c := m.data, s.c
	if m.err == nil {
		s.data = d
	}
	unit := func(u uint64) string { return siteOf(c.st, u) }
	levels := make([]levelRow, len(d.levels))
	for i, l := range d.levels {
		levels[i] = levelRow{l: l, unit: unit(l.Unit), names: d.names}
	}
	profiles := []profileRow{{}}
	for _, p := range d.profiles {
		profiles = append(profiles, profileRow{p: p, unit: unit(p.Unit)})
	}
	var doors []doorRow
	groupDoors := map[uint32][]string{}
	for _, x := range d.doors {
		r := doorRow{d: x, unit: unit(x.Unit)}
		for _, g := range x.Groups {
			r.members = append(r.members, nameOr(d.names.doorGroups, "door group", g))
			groupDoors[g] = append(groupDoors[g], x.Name)
		}
		doors = append(doors, r)
	}
	var gs []doorRow
	for _, g := range d.doorGroups {
		gs = append(gs, doorRow{group: true, d: store.Door{ConfMeta: g.ConfMeta}, unit: unit(g.Unit), members: groupDoors[g.ID]})
	}
	doors = append(gs, doors...)
	groups := make([]groupRow, len(d.groups))
	for i, g := range d.groups {
		r := groupRow{g: g, unit: unit(g.Unit)}
		for _, l := range g.Levels {
			r.levels = append(r.levels, nameOr(d.names.levels, "level", l))
		}
		groups[i] = r
	}
	s.levels.update(listLoadedMsg[levelRow]{sid: scrAccess, items: levels, err: m.err})
	s.profiles.update(listLoadedMsg[profileRow]{sid: scrAccess, items: profiles, err: m.err})
	s.doors.update(listLoadedMsg[doorRow]{sid: scrAccess, items: doors, err: m.err})
	s.groups.update(listLoadedMsg[groupRow]{sid: scrAccess, items: groups, err: m.err})
	apts := make([]aptRow, len(d.apartments))
	for i, a := range d.apartments {
		apts[i] = aptRow{a: a, unit: unit(a.Unit)}
	}
	s.apts.update(listLoadedMsg[aptRow]{sid: scrAccess, items: apts, err: m.err})
}

func (s *accessScreen) selectKey(v accessView, key string) {
	switch v {
	case avLevels:
		s.levels.selectWhen(func(r levelRow) bool { return levelKey(r) == key })
	case avProfiles:
		s.profiles.selectWhen(func(r profileRow) bool { return profileKey(r) == key })
	case avDoors:
		s.doors.selectWhen(func(r doorRow) bool { return r.key() == key })
	case avGroups:
		s.groups.selectWhen(func(r groupRow) bool { return groupKey(r) == key })
	case avApartments:
		s.apts.selectWhen(func(r aptRow) bool { return aptKey(r) == key })
	}
}

func levelKey(r levelRow) string     { return strconv.FormatUint(uint64(r.l.ID), 10) }
func profileKey(r profileRow) string { return strconv.FormatUint(uint64(r.p.ID), 10) }
func groupKey(r groupRow) string     { return strconv.FormatUint(uint64(r.g.ID), 10) }

// relevant: the access configuration, and unit renames (the Unit column).
func (s *accessScreen) relevant(ch []store.Change) bool {
	return slices.ContainsFunc(ch, func(c store.Change) bool {
		return c.What == store.ChangeAccess || c.What == store.ChangeUnit || c.What == store.ChangeAll
	})
}

func (s *accessScreen) view(w, h int) string {
	s.w, s.h = w, h
	if s.sized[s.shown] != [2]int{w, h} {
		s.table().SetSize(w, h)
		s.sized[s.shown] = [2]int{w, h}
	}
	switch s.shown {
	case avProfiles:
		return s.profiles.view(w, h)
	case avDoors:
		return s.doors.view(w, h)
	case avGroups:
		return s.groups.view(w, h)
	case avApartments:
		return s.apts.view(w, h)
	}
	return s.levels.view(w, h)
}

func (s *accessScreen) table() *grid.Model {
	switch s.shown {
	case avProfiles:
		return &s.profiles.g
	case avDoors:
		return &s.doors.g
	case avGroups:
		return &s.groups.g
	case avApartments:
		return &s.apts.g
	}
	return &s.levels.g
}

func (s *accessScreen) footer() string {
	switch s.shown {
	case avProfiles:
		return s.profiles.footer()
	case avDoors:
		return s.doors.footer()
	case avGroups:
		return s.groups.footer()
	case avApartments:
		return s.apts.footer()
	}
	return s.levels.footer()
}

func (s *accessScreen) crumbs() []string { return []string{"Access", s.shown.name()} }

// show switches the view. The grid coming on screen takes the size and
// theme the App gave the one that was.
func (s *accessScreen) show(v accessView) tea.Cmd {
	s.shown = v
	if g := s.table(); s.w > 0 {
		g.SetSize(s.w, s.h)
		s.sized[v] = [2]int{s.w, s.h}
	}
	s.table().SetStyles(gridStyles(s.c.theme))
	return nil
}

var accessSwitches = []ActionID{ActAccLevels, ActAccProfiles, ActAccDoors, ActAccGroups, ActAccApartments}

// rowActions are the actions on the selected record of a view, as the
// details dock offers them.
func rowActions(v accessView) []ActionID {
	switch v {
	case avProfiles:
		return []ActionID{ActProfileEdit, ActProfileRemove}
	case avDoors:
		return []ActionID{ActDoorWho, ActDoorEdit, ActDoorRemove}
	case avGroups:
		return []ActionID{ActAGroupMembers, ActAGroupEdit, ActAGroupRemove}
	case avApartments:
		return []ActionID{ActAptEdit, ActAptRemove}
	}
	return []ActionID{ActLevelEdit, ActLevelRemove}
}

func addActions(v accessView) []ActionID {
	switch v {
	case avProfiles:
		return []ActionID{ActProfileAdd}
	case avDoors:
		return []ActionID{ActDoorAdd, ActDoorGroupAdd}
	case avGroups:
		return []ActionID{ActAGroupAdd}
	case avApartments:
		return []ActionID{ActAptAdd}
	}
	return []ActionID{ActLevelAdd}
}

// actions: the view's own first, then the other views, so that at 80
// columns the hints keep what acts on the rows.
func (s *accessScreen) actions() []ActionID {
	ids := append(addActions(s.shown), rowActions(s.shown)...)
	for i, id := range accessSwitches {
		if accessView(i) != s.shown {
			ids = append(ids, id)
		}
	}
	return ids
}

// selectedKey is the selected record of the view, by key.
func (s *accessScreen) selectedKey() (string, bool) {
	switch s.shown {
	case avProfiles:
		r, ok := s.profiles.selected()
		return profileKey(r), ok
	case avDoors:
		r, ok := s.doors.selected()
		return r.key(), ok
	case avGroups:
		r, ok := s.groups.selected()
		return groupKey(r), ok
	case avApartments:
		r, ok := s.apts.selected()
		return aptKey(r), ok
	}
	r, ok := s.levels.selected()
	return levelKey(r), ok
}

// selectedUnit is the unit of the selected record, else the operator's
// first unit.
func (s *accessScreen) selectedUnit() uint64 {
	var u uint64
	switch s.shown {
	case avProfiles:
		r, _ := s.profiles.selected()
		u = r.p.Unit
	case avDoors:
		r, _ := s.doors.selected()
		u = r.d.Unit
	case avGroups:
		r, _ := s.groups.selected()
		u = r.g.Unit
	case avApartments:
		r, _ := s.apts.selected()
		u = r.a.Unit
	default:
		r, _ := s.levels.selected()
		u = r.l.Unit
	}
	if units := s.c.actor.Units(); u == 0 && len(units) > 0 {
		u = units[0]
	}
	return u
}

// hasKey reports whether the view still shows the record (details of a
// record removed meanwhile say so).
func (s *accessScreen) hasKey(v accessView, key string) bool {
	switch v {
	case avProfiles:
		_, ok := rowWith(s.profiles.items, profileKey, key)
		return ok
	case avDoors:
		_, ok := rowWith(s.doors.items, doorRow.key, key)
		return ok
	case avGroups:
		_, ok := rowWith(s.groups.items, groupKey, key)
		return ok
	case avApartments:
		_, ok := rowWith(s.apts.items, aptKey, key)
		return ok
	}
	_, ok := rowWith(s.levels.items, levelKey, key)
	return ok
}

func (s *accessScreen) available(id ActionID) error {
	if slices.Contains(accessSwitches, id) {
		return nil
	}
	if slices.Contains(addActions(s.shown), id) {
		return s.c.actor.Need(store.PermManagePeople)
	}
	key, ok := s.selectedKey()
	if !ok {
		return notNowf("nothing selected")
	}
	return s.availableFor(s.shown, id, key)
}

// availableFor says why an action cannot run on a record: the operator
// may not change access rules (the store would refuse them), or Always is
// built in. What else the store refuses (a record above the operator's
// units, one still used) it says when asked.
func (s *accessScreen) availableFor(v accessView, id ActionID, key string) error {
	if id == ActOpen || id == ActDoorWho || id == ActAGroupMembers {
		if id == ActDoorWho && !strings.HasPrefix(key, "door:") {
			return notNowf("pick a door: who can open is asked of a door, not a door group")
		}
		return nil
	}
	if err := s.c.actor.Need(store.PermManagePeople); err != nil {
		return err
	}
	if v == avProfiles && key == "0" {
		return notNowf("Always is built in: it cannot be changed or removed")
	}
	return nil
}

func (s *accessScreen) run(id ActionID) tea.Cmd {
	if i := slices.Index(accessSwitches, id); i >= 0 {
		return s.show(accessView(i))
	}
	c := s.c
	switch id {
	case ActLevelAdd:
		return c.open(newLevelForm(s, nil))
	case ActProfileAdd:
		return c.open(newProfileForm(s, nil))
	case ActDoorAdd:
		return c.open(newDoorForm(s, nil))
	case ActDoorGroupAdd:
		return c.open(newDoorGroupForm(s, nil))
	case ActAGroupAdd:
		return c.open(newAGroupForm(s, nil))
	case ActAptAdd:
		return c.open(newAptViewForm(s, nil))
	}
	key, ok := s.selectedKey()
	if !ok {
		return nil
	}
	if id == ActOpen {
		return c.open(&accessDetails{s: s, v: s.shown, key: key})
	}
	return s.runFor(s.shown, id, key)
}

// runFor opens the dialog for an action on one record (from the grid or
// the details).
func (s *accessScreen) runFor(v accessView, id ActionID, key string) tea.Cmd {
	c := s.c
	confirmRemove := func(noun string, id uint32, name, also string, rm func() error) tea.Cmd {
		what := fmt.Sprintf("%s %d %s", noun, id, name)
		return c.open(newConfirm(c, "Remove "+what+"?",
			"It goes for good; the action log keeps what it was."+also,
			"Remove", func() tea.Cmd { return c.do(what+" removed", rm) }))
	}
	switch v {
	case avLevels:
		r, ok := rowWith(s.levels.items, levelKey, key)
		if !ok {
			return nil
		}
		l := r.l
		switch id {
		case ActLevelEdit:
			return c.open(newLevelForm(s, &l))
		case ActLevelRemove:
			return confirmRemove("access level", uint32(l.ID), l.Name, " The store refuses it while a person or an access group has it.",
				func() error { return c.st.RemoveAccessLevel(c.actor, uint32(l.ID)) })
		}
	case avProfiles:
		r, ok := rowWith(s.profiles.items, profileKey, key)
		if !ok {
			return nil
		}
		p := r.p
		switch id {
		case ActProfileEdit:
			return c.open(newProfileForm(s, &p))
		case ActProfileRemove:
			return confirmRemove("time profile", p.ID, p.Name, " The store refuses it while a level uses it.",
				func() error { return c.st.RemoveTimeProfile(c.actor, p.ID) })
		}
	case avDoors:
		r, ok := rowWith(s.doors.items, doorRow.key, key)
		if !ok {
			return nil
		}
		d := r.d
		switch {
		case id == ActDoorWho:
			return newWhoCanOpen(s, d)
		case id == ActDoorEdit && r.group:
			return c.open(newDoorGroupForm(s, &store.DoorGroup{ConfMeta: d.ConfMeta}))
		case id == ActDoorEdit:
			return c.open(newDoorForm(s, &d))
		case id == ActDoorRemove && r.group:
			return confirmRemove("door group", d.ID, d.Name, " Its doors stay; the store refuses it while a level or a door uses it.",
				func() error { return c.st.RemoveDoorGroup(c.actor, d.ID) })
		case id == ActDoorRemove:
			return confirmRemove("door", d.ID, d.Name, " The store refuses it while a level uses it.",
				func() error { return c.st.RemoveDoor(c.actor, d.ID) })
		}
	case avGroups:
		r, ok := rowWith(s.groups.items, groupKey, key)
		if !ok {
			return nil
		}
		g := r.g
		switch id {
		case ActAGroupEdit:
			return c.open(newAGroupForm(s, &g))
		case ActAGroupMembers:
			d, load := newGroupMembers(c, g)
			return tea.Batch(c.open(d), load)
		case ActAGroupRemove:
			return confirmRemove("access group", g.ID, g.Name, " The store refuses it while a person is in it.",
				func() error { return c.st.RemoveAccessGroup(c.actor, g.ID) })
		}
	case avApartments:
		r, ok := rowWith(s.apts.items, aptKey, key)
		if !ok {
			return nil
		}
		a := r.a
		switch id {
		case ActAptEdit:
			return c.open(newAptViewForm(s, &a))
		case ActAptRemove:
			return confirmRemove("apartment", a.ID, a.Name, " The store refuses it while someone lives there.",
				func() error { return c.st.RemoveApartment(c.actor, a.ID) })
		}
	}
	return nil
}
