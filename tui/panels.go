package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// panelsScreen lists the site's panels; Enter opens a panel's users.
type panelsScreen struct {
	c      *common
	g      grid.Model
	panels []store.Panel
	err    error
}

var panelCols = []grid.Column{
	{Title: "№", Key: "no", Width: 3, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 10},
	{Title: "Type", Key: "type", Width: 11},
	{Title: "IMEI", Key: "imei", Width: 15},
	{Title: "Site", Key: "site", MinWidth: 8},
	{Title: "Parts", Key: "partitions", Width: 5, Align: grid.Right},
	{Title: "Codes", Key: "users", Width: 8, Align: grid.Right},
	{Title: "State", Key: "state", Width: 7},
}

func newPanelsScreen(c *common) *panelsScreen {
	return &panelsScreen{c: c, g: newGrid(c, panelCols)}
}

type panelsLoadedMsg struct {
	panels []store.Panel
	err    error
}

func (s *panelsScreen) id() screenID { return scrPanels }
func (s *panelsScreen) title(bool) string {
	return "Panels"
}

func (s *panelsScreen) load() tea.Cmd {
	c := s.c
	return func() tea.Msg {
		p, err := c.st.ListPanels(c.actor)
		return panelsLoadedMsg{p, err}
	}
}

// panelCells is the pure row renderer of the Panels grid.
func panelCells(p store.Panel, site string) []string {
	state := "unknown" // no driver has contacted it yet
	switch {
	case p.Conn.Online:
		state = "online"
	case !p.Conn.Since.IsZero():
		state = "offline"
	}
	return []string{
		strconv.FormatUint(p.ID, 10), p.Name, string(p.Spec().Type), p.IMEI, site,
		strconv.Itoa(p.Partitions()), fmt.Sprintf("%d/%d", p.CodesSet, p.Slots), state,
	}
}

// siteOf is the unit path below the organization: "Harbour Campus / North Tower".
func siteOf(st *store.Store, unit uint64) string {
	path := st.UnitPath(unit)
	if _, rest, ok := strings.Cut(path, " / "); ok {
		return rest
	}
	return path
}

func (s *panelsScreen) update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(panelsLoadedMsg); ok {
		s.panels, s.err = m.panels, m.err
		rows := make([][]string, len(m.panels))
		for i, p := range m.panels {
			rows[i] = panelCells(p, siteOf(s.c.st, p.Unit))
		}
		s.g.SetSource(newTableSource(panelCols, rows))
	}
	return nil
}

func (s *panelsScreen) selected() (store.Panel, bool) {
	i, ok := s.g.Selected()
	if !ok || i >= len(s.panels) {
		return store.Panel{}, false
	}
	return s.panels[i], true
}

func (s *panelsScreen) view(w, h int) string {
	if s.err != nil {
		return " " + errText(s.err)
	}
	if len(s.panels) == 0 {
		return " No panels yet. Add one with: guardroom panel add --help"
	}
	return s.g.View()
}

func (s *panelsScreen) actions() []ActionID { return nil }

func (s *panelsScreen) available(id ActionID) error {
	if _, ok := s.selected(); !ok {
		return fmt.Errorf("no panel selected")
	}
	return nil
}

func (s *panelsScreen) run(id ActionID) tea.Cmd {
	if id == ActOpen {
		if p, ok := s.selected(); ok {
			return func() tea.Msg { return showPanelMsg{screen: scrUsers, panel: p.ID} }
		}
	}
	return nil
}

func (s *panelsScreen) relevant(ch []store.Change) bool {
	for _, c := range ch {
		if c.What == store.ChangePanel || c.What == store.ChangeAll || c.What == store.ChangeUnit {
			return true
		}
	}
	return false
}

func (s *panelsScreen) crumbs() []string   { return []string{"Panels"} }
func (s *panelsScreen) table() *grid.Model { return &s.g }
func (s *panelsScreen) footer() string     { return gridFooter(&s.g, "enter opens the panel's users") }

func itoa(n int) string { return strconv.Itoa(n) }
