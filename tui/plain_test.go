package tui

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/guardroom/guardroom/store"
)

// hostileDevice is what a device might report: a tmux pass-through (DCS,
// which the renderer sends on) carrying an OSC 52 clipboard write, a
// title, and a C1 CSI that clears the screen.
const hostileDevice = "refused\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\ \x1b]0;owned\x07\u009b2J"

// rawUntil collects what the program writes to the terminal until it
// holds every text, in order, and fails if it holds a sequence a
// terminal would obey that the console never writes itself.
func (c *console) rawUntil(texts ...string) {
	c.t.Helper()
	var got []byte
	teatest.WaitFor(c.t, c.tm.Output(), func(b []byte) bool {
		got = b
		rest := b
		for _, t := range texts {
			i := bytes.Index(rest, []byte(t))
			if i < 0 {
				return false
			}
			rest = rest[i+len(t):]
		}
		return true
	}, teatest.WithDuration(20*time.Second))
	for _, bad := range []string{"\x1bP", "\x1b]52", "\x1b]0;", "owned\x07", "\u009b"} {
		if bytes.Contains(got, []byte(bad)) {
			c.t.Fatalf("the console wrote %q to the terminal:\n%q", bad, got)
		}
	}
}

// TestDeviceWordsDoNotReachTheTerminal: a panel's last error as a device
// said it, with escape sequences in it, is shown as text in the grid,
// the details and the header; the bytes the console writes hold no
// sequence but its own (no DCS, no OSC but hyperlinks, no C1).
func TestDeviceWordsDoNotReachTheTerminal(t *testing.T) {
	f := newFixture(t)
	sys := f.s.Internal("dispatch")
	check(t, f.s.ReportConnection(sys, f.main.ID, store.ConnectionReport{Online: true, Err: hostileDevice, Driver: "sim"}))
	c := start(t, f, consoleOpts{w: 200, h: 50})
	c.waitScreen(`refused\x1bPtmux`)
	c.press("i")
	c.rawUntil("Last error", "refused", "Queue")
}

// TestFrameKeepsOnlyItsOwnSequences: text that reaches the frame by a
// way no screen escapes (here the demo logins the login screen lists,
// given to the console as they are) still cannot act: the frame lets
// only guardroom's colours through.
func TestFrameKeepsOnlyItsOwnSequences(t *testing.T) {
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40, login: true,
		demo: []store.DemoLogin{{Username: "guard", Role: "Guard" + hostileDevice, Password: "pw"}}})
	c.rawUntil("This is the demo site", "Guardrefused", "pw")
}
