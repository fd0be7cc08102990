package tui

import (
	"strconv"
	"strings"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
	"github.com/guardroom/guardroom/tui/grid"
)

// The rows of the Access screen's five views (levels, time profiles,
// doors, groups, apartments): their columns, cells and tones.
type levelRow struct {
	l     store.AccessLevel
	unit  string
	names accessNames
}

var levelCols = []grid.Column{
	{Title: "№", Key: "id", Width: 4, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 10, MaxWidth: 20},
	{Title: "Unit", Key: "unit", MinWidth: 10, MaxWidth: 28},
	{Title: "Schedule", Key: "schedule", MinWidth: 8, MaxWidth: 12},
	{Title: "Doors", Key: "doors", MinWidth: 16},
	{Title: "Menu", Key: "menu", Width: 4, Align: grid.Right, HideBelow: 120},
	{Title: "Notes", Key: "notes", MinWidth: 10, MaxWidth: 30, HideBelow: 160},
}

// levelDoors is the Doors cell: the include-all option, then the rules.
func levelDoors(l access.AccessLevel, n accessNames) string {
	var parts []string
	if l.IncludeAllDoors {
		parts = append(parts, "ALL DOORS")
	}
	for _, r := range l.Doors {
		parts = append(parts, n.rule(r))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func levelCells(r levelRow) []string {
	l := r.l.AccessLevel
	menu := "none"
	if len(l.MenuGroups) > 0 {
		menu = strconv.FormatUint(uint64(l.MenuGroups[0]), 10)
	}
	return []string{strconv.FormatUint(uint64(l.ID), 10), l.Name, r.unit, r.names.profile(l.Schedule), levelDoors(l, r.names), menu, l.Notes}
}

// levelTones: an include-all level stands out, as the store warns.
func levelTones(r levelRow) []grid.Tone {
	if len(r.l.IncludeAllWarnings()) > 0 {
		return []grid.Tone{4: grid.ToneWarn}
	}
	return nil
}

// profileRow is a time profile; the built-in Always is the row with ID 0.
type profileRow struct {
	p    store.TimeProfile
	unit string
}

var profileCols = []grid.Column{
	{Title: "№", Key: "id", Width: 4, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 12, MaxWidth: 24},
	{Title: "Unit", Key: "unit", MinWidth: 8, MaxWidth: 28},
	{Title: "Intervals", Key: "intervals", MinWidth: 20},
	{Title: "Holidays", Key: "holidays", MinWidth: 8, MaxWidth: 30},
}

func intervalsText(iv []access.WeeklyInterval) string {
	parts := make([]string, len(iv))
	for i, w := range iv {
		parts[i] = w.String()
	}
	return strings.Join(parts, "; ")
}

func holidaysText(ds []access.Date) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.String()
	}
	return strings.Join(parts, ", ")
}

func profileCells(r profileRow) []string {
	if r.p.ID == 0 {
		return []string{"0", "Always", "built in", "always open, holidays too", "-"}
	}
	iv, hol := intervalsText(r.p.Intervals), holidaysText(r.p.Holidays)
	if iv == "" {
		iv = "never open"
	}
	if hol == "" {
		hol = "-"
	}
	return []string{strconv.FormatUint(uint64(r.p.ID), 10), r.p.Name, r.unit, iv, hol}
}

func profileTones(r profileRow) []grid.Tone {
	if r.p.ID == 0 {
		return []grid.Tone{2: grid.ToneDim}
	}
	if len(r.p.Intervals) == 0 {
		return []grid.Tone{3: grid.ToneWarn}
	}
	return nil
}

// doorRow is a door or a door group: the view lists both, groups first.
type doorRow struct {
	group bool
	d     store.Door // a door group fills only ConfMeta
	unit  string
	// members are a door's groups, or a group's doors, by name.
	members []string
}

func (r doorRow) key() string {
	if r.group {
		return "group:" + strconv.FormatUint(uint64(r.d.ID), 10)
	}
	return "door:" + strconv.FormatUint(uint64(r.d.ID), 10)
}

func (r doorRow) noun() string {
	if r.group {
		return "door group"
	}
	return "door"
}

var doorCols = []grid.Column{
	{Title: "Kind", Key: "kind", Width: 10},
	{Title: "№", Key: "id", Width: 4, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 12, MaxWidth: 24},
	{Title: "Unit", Key: "unit", MinWidth: 8, MaxWidth: 28},
	{Title: "Groups / doors", Key: "members", MinWidth: 12},
	{Title: "Lock", Key: "lock", Width: 4, Align: grid.Right},
}

func doorCells(r doorRow) []string {
	lock, members := "-", strings.Join(r.members, ", ")
	if !r.group && r.d.Lock > 0 {
		lock = strconv.Itoa(r.d.Lock)
	}
	if members == "" {
		members = "-"
	}
	return []string{r.noun(), strconv.FormatUint(uint64(r.d.ID), 10), r.d.Name, r.unit, members, lock}
}

func doorTones(r doorRow) []grid.Tone {
	if r.group {
		return []grid.Tone{0: grid.ToneDim}
	}
	return nil
}

type groupRow struct {
	g      store.AccessGroup
	unit   string
	levels []string
}

var groupCols = []grid.Column{
	{Title: "№", Key: "id", Width: 4, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 12, MaxWidth: 24},
	{Title: "Unit", Key: "unit", MinWidth: 8, MaxWidth: 28},
	{Title: "Levels", Key: "levels", MinWidth: 12, MaxWidth: 40},
	{Title: "Multifactor", Key: "multifactor", MinWidth: 16, MaxWidth: 40},
}

// multiFactorText is "card then QR code within 30s", "card and face ID".
func multiFactorText(m *access.MultiFactor) string {
	if m == nil || len(m.Kinds) == 0 {
		return "-"
	}
	kinds := make([]string, len(m.Kinds))
	for i, k := range m.Kinds {
		kinds[i] = k.String()
	}
	sep := " and "
	if m.Ordered {
		sep = " then "
	}
	w := m.Window
	if w <= 0 {
		w = access.DefaultWindow
	}
	return strings.Join(kinds, sep) + " within " + w.String()
}

func groupCells(r groupRow) []string {
	levels := strings.Join(r.levels, ", ")
	if levels == "" {
		levels = "-"
	}
	return []string{strconv.FormatUint(uint64(r.g.ID), 10), r.g.Name, r.unit, levels, multiFactorText(r.g.MultiFactor)}
}

type aptRow struct {
	a    store.Apartment
	unit string
}

var aptCols = []grid.Column{
	{Title: "№", Key: "id", Width: 4, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 10, MaxWidth: 24},
	{Title: "Unit", Key: "unit", MinWidth: 8, MaxWidth: 36},
	{Title: "Floor", Key: "floor", MinWidth: 5, MaxWidth: 16},
	{Title: "Notes", Key: "notes", MinWidth: 10},
}

func aptCells(r aptRow) []string {
	return []string{strconv.FormatUint(uint64(r.a.ID), 10), r.a.Name, r.unit, or(r.a.Floor, "-"), or(r.a.Notes, "-")}
}

func aptKey(r aptRow) string { return strconv.FormatUint(uint64(r.a.ID), 10) }
