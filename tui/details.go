package tui

import (
	"fmt"
	"strings"

	keybind "charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// scroller shows lines that do not fit in a bubbles viewport: ↑/↓ and
// pgup/pgdn scroll them (the docks' other keys are their actions'). A
// zero scroller is ready to use.
type scroller struct {
	vp    viewport.Model
	ready bool
	toEnd bool // the next window shows the last lines
}

var scrollKeys = viewport.KeyMap{
	Up:       keybind.NewBinding(keybind.WithKeys("up")),
	Down:     keybind.NewBinding(keybind.WithKeys("down")),
	PageUp:   keybind.NewBinding(keybind.WithKeys("pgup")),
	PageDown: keybind.NewBinding(keybind.WithKeys("pgdown")),
}

func (s *scroller) model() *viewport.Model {
	if !s.ready {
		s.vp = viewport.New()
		s.vp.KeyMap, s.vp.MouseWheelEnabled = scrollKeys, false
		s.ready = true
	}
	return &s.vp
}

// key scrolls; it reports whether msg was a scroll key.
func (s *scroller) key(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !keybind.Matches(k, scrollKeys.Up, scrollKeys.Down, scrollKeys.PageUp, scrollKeys.PageDown) {
		return false
	}
	s.vp, _ = s.model().Update(k)
	return true
}

// window returns the rows of lines that show from the scroll position,
// at most rows of them, each cut at width.
func (s *scroller) window(lines []string, width, rows int) []string {
	m := s.model()
	m.SetWidth(width)
	m.SetHeight(max(min(rows, len(lines)), 1))
	m.SetContentLines(lines)
	m.SetYOffset(m.YOffset()) // back in range when the lines got fewer
	if s.toEnd {
		m.GotoBottom()
		s.toEnd = false
	}
	return strings.Split(m.View(), "\n")
}

// fit returns a dock's lines in room rows: all of them, or as many as
// fit less one, and a last line that says which show and how to scroll.
func (s *scroller) fit(dl *detailLines, room int) []string {
	room = max(room, 2)
	if len(dl.lines) <= room {
		return dl.lines
	}
	shown := s.window(dl.lines, dl.width, room-1)
	return append(shown, dl.t.Dim.Render(s.where()+" · ↑/↓ pgup/pgdn scroll"))
}

// where says which lines show: "lines 3-12 of 20".
func (s *scroller) where() string {
	m := s.model()
	return fmt.Sprintf("lines %d-%d of %d", m.YOffset()+1, m.YOffset()+m.VisibleLineCount(), m.TotalLineCount())
}

// detailsKey is the key handling every details dock shares: esc, q and
// enter close it, and an action key of the shown row runs on it, or the
// status line says why it cannot. actions are the keys the dock offers for
// the row.
func detailsKey[R any](c *common, msg tea.Msg, row func() (R, bool), actions func(R) []ActionID, avail func(ActionID, R) error, run func(ActionID, R) tea.Cmd) (tea.Cmd, bool) {
	return detailsKeyTry(c, msg, row, actions, avail, nil, run)
}

// detailsKeyTry is detailsKey whose greyed actions still ask the store
// (try, see common.refused) when their key is pressed.
func detailsKeyTry[R any](c *common, msg tea.Msg, row func() (R, bool), actions func(R) []ActionID, avail func(ActionID, R) error, try func(ActionID, R) func() error, run func(ActionID, R) tea.Cmd) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch k.String() {
	case "esc", "q", "enter":
		return nil, true
	}
	r, found := row()
	if !found {
		return nil, false
	}
	act, ok := c.keys.lookupAmong(actions(r), k.String())
	if !ok {
		return nil, false
	}
	if err := avail(act.ID, r); err != nil {
		var attempt func() error
		if try != nil && act.Writes {
			attempt = try(act.ID, r)
		}
		return c.refused(act, err, attempt, func() tea.Cmd { return run(act.ID, r) }), false
	}
	return run(act.ID, r), false
}
