package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// screenID names a tab.
type screenID string

// The tabs, in order.
const (
	scrPanels     screenID = "panels"
	scrUsers      screenID = "users"
	scrPartitions screenID = "partitions"
	scrLocks      screenID = "locks"
	scrTags       screenID = "tags"
	scrAccounts   screenID = "accounts"
	scrLog        screenID = "log"
	scrOperators  screenID = "operators"
	scrPeople     screenID = "people"
	scrAlarms     screenID = "alarms"
	scrEvents     screenID = "events"
	// scrRoles is the Operators tab's roles view: a scope of actions,
	// not a tab of its own.
	scrRoles screenID = "roles"
	// scrAccess is the Access tab (its access levels view); the other
	// views are scopes of actions, not tabs of their own.
	scrAccess         screenID = "access"
	scrAccessProfiles screenID = "access.profiles"
	scrAccessDoors    screenID = "access.doors"
	scrAccessGroups   screenID = "access.groups"
	scrAccessApts     screenID = "access.apartments"
)

// screen is one tab. Screens return strings; only the App returns a
// tea.View. Store reads and writes happen in the Cmds screens return.
type screen interface {
	id() screenID
	// title is the tab's name; short for narrow terminals.
	title(short bool) string
	// load (re)reads the screen's data; the result comes back as a msg.
	load() tea.Cmd
	// update handles messages that are not keys of a registered action.
	update(msg tea.Msg) tea.Cmd
	// view renders the body in width x height.
	view(width, height int) string
	// actions are the screen's own actions, in hint order.
	actions() []ActionID
	// available is nil when the action can run on the current selection,
	// or the store's reason why not.
	available(id ActionID) error
	// run performs an available action.
	run(id ActionID) tea.Cmd
	// relevant reports whether committed changes touch this screen.
	relevant(changes []store.Change) bool
	// crumbs extend the header's breadcrumb (e.g. the panel shown).
	crumbs() []string
	// table is the screen's grid, for the shared navigation, filter and
	// paging keys (nil when the screen has none).
	table() *grid.Model
	// footer is the line under the grid: range, page size, sort, filter.
	footer() string
}

// modal is a dialog over the screens. The top modal gets every key.
type modal interface {
	update(msg tea.Msg) (tea.Cmd, bool) // bool: close the modal
	view(width, height int) string
	// editing reports whether closing would lose what the operator typed
	// (ctrl+c then asks before quitting).
	editing() bool
}

// open asks the App to open a dialog. It takes effect before the next
// message is handled, so keys typed in the same burst go to the dialog
// rather than to the screen under it (a Cmd would arrive after them).
func (c *common) open(m modal) tea.Cmd {
	c.opened = append(c.opened, m)
	return nil
}

// showPanelMsg asks the App to switch to a screen about one panel.
type showPanelMsg struct {
	screen screenID
	panel  uint64
}

// panelScoped screens show one panel at a time. setPanel only chooses the
// panel; the App loads the screen when it is shown.
type panelScoped interface {
	setPanel(id uint64)
	panelID() uint64
}

// patcher screens take committed changes in by reading again only what
// the changes name (the rows they touched), instead of load: a change
// costs work in proportion to it, not to the screen's rows. patch is
// called for the screen on show, with changes it found relevant.
type patcher interface {
	patch(changes []store.Change) tea.Cmd
}

// clocked screens change with the clock alone (a lockout or an access
// ends); the App tells them the time each second and they reload when
// they must.
type clocked interface {
	clock(now time.Time) tea.Cmd
}
