package tui

import (
	tea "charm.land/bubbletea/v2"
)

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
