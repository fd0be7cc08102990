package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// logLimit bounds how many entries the log screen holds; filters run
// over them, and older entries are one `guardroom log list` away.
const logLimit = 5000

type logScreen struct{ listScreen[store.Entry] }

var logCols = []grid.Column{
	{Title: "№", Key: "no", Width: 6, Align: grid.Right},
	{Title: "Time", Key: "date", Width: 16},
	{Title: "Operator", Key: "operator", Width: 10},
	{Title: "Action", Key: "action", Width: 16},
	{Title: "Place", Key: "panel", MinWidth: 14},
	{Title: "Result", Key: "result", MinWidth: 10},
}

// logCells is the pure row renderer of the Action log grid.
func logCells(e store.Entry) []string {
	return []string{strconv.FormatUint(e.Seq, 10), timeText(e.Time.Local(), timeMinute), e.Operator, e.Action, e.Place, e.Result}
}

func newLogScreen(c *common) *logScreen {
	s := &logScreen{newList[store.Entry](c, scrLog, "Action log", logCols)}
	s.cells = logCells
	s.reload = []string{store.ChangeLog}
	s.empty = "The action log is empty."
	s.hint = fmt.Sprintf("newest %d · filter operator: panel: action: date:", logLimit)
	s.fetch = func() ([]store.Entry, error) { return c.st.ListLog(c.actor, store.LogFilter{Limit: logLimit}) }
	return s
}

func (s *logScreen) title(short bool) string {
	if short {
		return "Log"
	}
	return "Action log"
}

func (s *logScreen) run(id ActionID) tea.Cmd {
	if e, ok := s.selected(); ok && id == ActOpen {
		return s.c.open(newEntryDetails(s.c, e))
	}
	return nil
}

// entryDetails shows one log entry in full.
type entryDetails struct {
	c *common
	e store.Entry
}

func newEntryDetails(c *common, e store.Entry) *entryDetails { return &entryDetails{c: c, e: e} }
func (d *entryDetails) editing() bool                        { return false }
func (d *entryDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	_, isKey := msg.(tea.KeyPressMsg)
	return nil, isKey
}

func (d *entryDetails) view(width, _ int) string {
	t, e := d.c.theme, d.e
	w := dialogWidth(width, 76)
	row := func(k, v string) string { return truncate(t.Label.Render(fmt.Sprintf("%-10s", k))+v, w) }
	lines := []string{
		row("Time", timeText(e.Time.Local(), timeZoned)),
		row("Operator", e.Operator+"  via "+e.Via),
		row("Place", e.Place),
		row("Action", e.Action),
	}
	res := e.Result
	if e.Refused() || strings.HasPrefix(res, "failed") {
		res = t.Bad.Render(res)
	}
	lines = append(lines, truncate(t.Label.Render("Result    ")+res, w))
	keys := map[string]bool{}
	for k := range e.Before {
		keys[k] = true
	}
	for k := range e.After {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) > 0 {
		lines = append(lines, "", t.ModalTitle.Render("Before → after"))
		for _, k := range names {
			b, a := e.Before[k], e.After[k]
			if b == "" {
				b = "-"
			}
			if a == "" {
				a = "-"
			}
			lines = append(lines, row(k, b+" → "+a))
		}
	}
	lines = append(lines, "", t.Dim.Render("chain link "+e.Prev[:16]+"…   any key closes"))
	return d.c.frame(fmt.Sprintf("Log entry %d", e.Seq), w, lines...)
}
