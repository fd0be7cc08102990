package tui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store/access"
	"github.com/guardroom/guardroom/tui/grid"
)

// accessDetails docks one record's every field at the right, with the
// actions its view offers.
type accessDetails struct {
	s   *accessScreen
	v   accessView
	key string
	sc  scroller
}

func (d *accessDetails) editing() bool { return false }
func (d *accessDetails) dock() bool    { return true }

func (d *accessDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	if d.sc.key(msg) {
		return nil, false
	}
	return detailsKeyTry(d.s.c, msg, func() (string, bool) { return d.key, d.s.hasKey(d.v, d.key) },
		func(string) []ActionID { return rowActions(d.v) },
		func(id ActionID, key string) error { return d.s.availableFor(d.v, id, key) },
		func(id ActionID, key string) func() error { return d.s.tryAccess(d.v, id, key) },
		func(id ActionID, key string) tea.Cmd { return d.s.runFor(d.v, id, key) })
}

func (d *accessDetails) view(width, height int) string {
	s, c := d.s, d.s.c
	t := c.theme
	w := dialogWidth(width, 66)
	dl := detailLines{t: t, width: w, labelW: 14}
	var title string
	n := s.data.names
	switch d.v {
	case avLevels:
		r, ok := rowWith(s.levels.items, levelKey, d.key)
		if !ok {
			return c.frame("Access level", w, "This access level is no longer shown.")
		}
		title = levelDetails(&dl, r, n)
	case avProfiles:
		r, ok := rowWith(s.profiles.items, profileKey, d.key)
		if !ok {
			return c.frame("Time profile", w, "This time profile is no longer shown.")
		}
		cells := profileCells(r)
		title = "Time profile " + cells[1]
		dl.add("Unit", cells[2], grid.ToneNone)
		if r.p.ID == 0 {
			dl.add("Intervals", "always open, holidays too: the default of every rule", grid.ToneNone)
			break
		}
		if len(r.p.Intervals) == 0 {
			dl.add("Intervals", "none: the profile never opens", grid.ToneWarn)
		}
		label := "Intervals"
		for _, iv := range r.p.Intervals {
			dl.add(label, iv.String(), grid.ToneNone)
			label = ""
		}
		dl.add("Holidays", cells[4], grid.ToneNone)
	case avDoors:
		r, ok := rowWith(s.doors.items, doorRow.key, d.key)
		if !ok {
			return c.frame("Door", w, "This door is no longer shown.")
		}
		cells := doorCells(r)
		title = strings.ToUpper(r.noun()[:1]) + r.noun()[1:] + " " + r.d.Name
		dl.add("Unit", r.unit, grid.ToneNone)
		if r.group {
			dl.add("Doors", cells[4], grid.ToneNone)
		} else {
			dl.add("Door groups", cells[4], grid.ToneNone)
			dl.add("Lock number", cells[5], grid.ToneNone)
		}
	case avGroups:
		r, ok := rowWith(s.groups.items, groupKey, d.key)
		if !ok {
			return c.frame("Access group", w, "This access group is no longer shown.")
		}
		cells := groupCells(r)
		title = "Access group " + r.g.Name
		dl.add("Unit", r.unit, grid.ToneNone)
		dl.add("Levels", cells[3], grid.ToneNone)
		dl.add("Multifactor", cells[4], grid.ToneNone)
	case avApartments:
		r, ok := rowWith(s.apts.items, aptKey, d.key)
		if !ok {
			return c.frame("Apartment", w, "This apartment is no longer shown.")
		}
		cells := aptCells(r)
		title = "Apartment " + r.a.Name
		dl.add("Unit", r.unit, grid.ToneNone)
		dl.add("Floor", cells[3], grid.ToneNone)
		dl.add("Notes", cells[4], grid.ToneNone)
	}
	var hints []string
	for _, id := range rowActions(d.v) {
		if s.availableFor(d.v, id, d.key) == nil {
			hints = append(hints, t.HintKey.Render(c.keys.keyLabel(id))+" "+c.keys.action(id).Short)
		}
	}
	hints = append(hints, t.HintKey.Render("esc")+" close")
	foot := []string{"", truncate(strings.Join(hints, "  "), w)}
	return c.frame(title, w, append(d.sc.fit(&dl, height-8), foot...)...)
}

// levelDetails writes every field of a level (002) into dl and returns
// the title.
func levelDetails(dl *detailLines, r levelRow, n accessNames) string {
	l := r.l.AccessLevel
	dl.add("Unit", r.unit, grid.ToneNone)
	if l.Name2 != "" {
		dl.add("Second name", l.Name2, grid.ToneNone)
	}
	if l.Notes != "" {
		dl.add("Notes", l.Notes, grid.ToneNone)
	}
	if l.LocationGroup != 0 {
		dl.add("Location grp", strconv.FormatUint(uint64(l.LocationGroup), 10), grid.ToneNone)
	}
	dl.add("Schedule", n.profile(l.Schedule), grid.ToneNone)
	tone := grid.ToneNone
	if l.IncludeAllDoors {
		tone = grid.ToneWarn
	}
	dl.add("Doors", levelDoors(l, n), tone)
	areas := func(rs []access.AreaRule, all bool) string {
		s := areaText(rs, n)
		if all {
			s = strings.TrimSuffix("ALL AREAS, "+s, ", ")
		}
		return or(s, "none")
	}
	dl.add("Arming", areas(l.ArmAreas, l.IncludeAllArming), grid.ToneNone)
	dl.add("Disarming", areas(l.DisarmAreas, l.IncludeAllDisarm), grid.ToneNone)
	floors := floorText(l.Floors, n)
	if l.IncludeAllFloors {
		floors = strings.TrimSuffix("ALL FLOORS, "+floors, ", ")
	}
	dl.add("Floors", or(floors, "none"), grid.ToneNone)
	elev := elevatorText(l.Elevators, n)
	if l.IncludeAllElevator {
		elev = strings.TrimSuffix("ALL ELEVATORS, "+elev, ", ")
	}
	dl.add("Elevators", or(elev, "none"), grid.ToneNone)
	if l.MultiBadgeArming {
		dl.add("Multi-badge", "arming needs several badges", grid.ToneNone)
	}
	dl.add("Menu group", or(idsText(l.MenuGroups), "none: no keypad menu"), grid.ToneNone)
	out := or(idsText(l.Outputs), "none")
	if len(l.OutputGroups) > 0 {
		out += "; groups " + idsText(l.OutputGroups)
	}
	dl.add("Outputs", out, grid.ToneNone)
	var opts []string
	for _, o := range []struct {
		on   bool
		text string
	}{{l.ReaderActivatesOutput, "reader activates"}, {l.KeypadActivatesOutput, "keypad activates"},
		{l.OutputUntilExpiry, "until expiry"}, {l.ToggleOutput, "toggle"}} {
		if o.on {
			opts = append(opts, o.text)
		}
	}
	if l.OutputTime > 0 {
		opts = append(opts, "on for "+l.OutputTime.String())
	}
	if len(opts) > 0 {
		dl.add("Output opts", strings.Join(opts, ", "), grid.ToneNone)
	}
	if w := l.IncludeAllWarnings(); len(w) > 0 {
		dl.add("Warning", strings.Join(w, " "), grid.ToneWarn)
	}
	return "Access level " + l.Name
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
