package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/themes"
)

// common is what every screen and dialog shares: the store and who is
// using it, the theme, the keys and the clock. It holds no UI state.
type common struct {
	st    *store.Store
	actor store.Actor
	theme themes.Theme
	keys  keymap
	now   func() time.Time
	// tabs are the screens this operator has (the Operators tab only
	// for those who manage operators), for the help and the palette.
	tabs []screenID

	// opened holds dialogs opened while handling the current message; the
	// App adopts them before returning from Update.
	opened []modal
}

// opDoneMsg reports the end of a store operation run in a Cmd.
type opDoneMsg struct {
	ok  string // status text on success
	err error
}

// do runs a store operation off the UI goroutine and reports how it went.
func (c *common) do(ok string, fn func() error) tea.Cmd {
	return func() tea.Msg {
		return opDoneMsg{ok: ok, err: safe(fn)}
	}
}

// safe runs fn, turning a panic into an error so none reaches the operator.
func safe(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (nothing was changed): %v", r)
		}
	}()
	return fn()
}

// notNow says why an action cannot run on the selected row when the
// reason is the row's state as the console shows it (no failed change to
// retry), not a store rule. It reads as it is, without "failed:".
type notNow string

func (e notNow) Error() string { return string(e) }

func notNowf(format string, args ...any) error { return notNow(fmt.Sprintf(format, args...)) }

// errText is the text of an error for the status line.
func errText(err error) string {
	var nn notNow
	if store.IsRefusal(err) || errors.As(err, &nn) {
		return err.Error()
	}
	var r *store.Refusal
	if errors.As(err, &r) {
		return r.Msg
	}
	return "failed: " + err.Error()
}

// readOnly reports whether the operator holds no permission that writes.
func (c *common) readOnly() bool {
	for _, p := range []store.Perm{store.PermManagePanelUsers, store.PermManageAccounts, store.PermManageEquipment, store.PermManageLocksTags,
		store.PermOperateDoors, store.PermArmDisarm, store.PermManageOperators, store.PermManagePeople, store.PermBulkImport, store.PermManageDevices} {
		if c.actor.Can(p) {
			return false
		}
	}
	return true
}

// siteZone is the clock access times are read and shown on: the site's
// time zone (guardroom access timezone), which every schedule uses, or
// the PC's own when none is set.
func (c *common) siteZone() *time.Location {
	var set store.AccessSettings
	if err := safe(func() (err error) { set, err = c.st.AccessSettings(c.actor); return err }); err != nil || set.TimeZone == "" {
		return time.Local
	}
	loc, err := time.LoadLocation(set.TimeZone)
	if err != nil {
		return time.Local
	}
	return loc
}

// siteClockText names the site's clock for a field's hint: "site time,
// Europe/Helsinki", or "local time".
func siteClockText(loc *time.Location) string {
	if loc == time.Local {
		return "local time"
	}
	return "site time, " + loc.String()
}

// dateTimeInOrEmpty is dateTimeIn with "" for no time, for a field.
func dateTimeInOrEmpty(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return dateTimeIn(t, loc)
}

// dateTimeIn is dateTime on loc's clock.
func dateTimeIn(t time.Time, loc *time.Location) string {
	return timeText(t.In(loc), timeMinute)
}

// timeForm is one of the ways the console shows a time: every one on the
// 24-hour clock.
type timeForm string

// The console's time forms.
const (
	timeClock  timeForm = "15:04"
	timeDate   timeForm = "2006-01-02"
	timeMinute timeForm = dateTimeLayout // "2006-01-02 15:04", as times are typed
	timeSecond timeForm = "2006-01-02 15:04:05"
	timeDay    timeForm = "Mon 2 Jan 15:04"
	timeFull   timeForm = "Mon 2 Jan 15:04:05"
	// Shorter forms for crowded cells: today's clock, this year's day
	// and clock, or another year's.
	timeDayMonth  timeForm = "2 Jan 15:04"
	timeDayYear   timeForm = "2 Jan 2006 15:04"
	timeShortDate timeForm = "2 Jan"
	timeShortYear timeForm = "2 Jan 2006"
	// With seconds, for a code that changes every 30 s; with the zone,
	// where the clock must say which it is.
	timeClockSec  timeForm = "15:04:05"
	timeClockZone timeForm = "15:04 MST"
	timeSecZone   timeForm = "15:04:05 MST"
	timeFullZone  timeForm = "Mon 2 Jan 15:04:05 MST"
	timeZoned     timeForm = "2006-01-02 15:04:05 MST"
)

// timeText is the one function that formats a time for the console, in
// the time's own location (callers say which clock: t.Local(), or the
// site's with t.In), or "-" for no time.
func timeText(t time.Time, f timeForm) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(string(f))
}

// accountTime formats an account's created time (003 shows it as
// "4:24:55 PM Wed 13 May, 2026"; the console keeps to the 24-hour clock):
// "2026-05-13 16:24:55".
func accountTime(t time.Time) string { return timeText(t.Local(), timeSecond) }

// themeStyles is the theme type, named for helpers that take it.
type themeStyles = themes.Theme

// focusMark is what a dialog puts before a line: "> " where the focus
// is, two spaces elsewhere.
func focusMark(t themeStyles, on bool) string {
	if on {
		return t.HintKey.Render("> ")
	}
	return "  "
}

// focusButton is a dialog's button, lit where the focus is.
func focusButton(t themeStyles, label string, on bool) string {
	if on {
		return t.ButtonFocus.Render(label)
	}
	return t.Button.Render(label)
}

// truncate cuts a styled line to width cells.
func truncate(s string, w int) string { return ansi.Truncate(s, w, "…") }

// hasTab reports whether the operator has the screen an action ID such as
// "screen.operators" shows (every other action: true).
func (c *common) hasTab(id ActionID) bool {
	scr, ok := strings.CutPrefix(string(id), string(ActScreenBase))
	return !ok || slices.Contains(c.tabs, screenID(scr))
}

// attempter is a screen whose greyed actions still ask the store when
// their key is pressed: tryFor is the store's attempt at the action on the
// selected row (nil when the action has none, or nothing is selected).
type attempter interface {
	tryFor(id ActionID) func() error
}

// attemptAllowedMsg: the store allows an action the console showed
// greyed (its rows were older than the store's); run runs it.
type attemptAllowedMsg struct{ run func() tea.Cmd }

// refused answers a key pressed for an action the console shows greyed
// with why. A store refusal is not the console's to repeat: the store is
// asked anyway (try), so the refused attempt is in the action log exactly
// as the same attempt on the command line is, and the status shows the
// store's answer. The console's own reasons (nothing selected, no failed
// change to retry) ask nothing. An action the store allows after all runs.
func (c *common) refused(act Action, why error, try func() error, run func() tea.Cmd) tea.Cmd {
	if try == nil || !store.IsRefusal(why) {
		return func() tea.Msg { return opDoneMsg{err: fmt.Errorf("%s: %w", act.Short, why)} }
	}
	return func() tea.Msg {
		if err := safe(try); err != nil {
			return opDoneMsg{err: fmt.Errorf("%s: %w", act.Short, err)}
		}
		return attemptAllowedMsg{run}
	}
}
