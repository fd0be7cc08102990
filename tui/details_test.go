package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store/access"
)

// A details dock with more lines than an 80x24 terminal has room for
// scrolls: it says which lines show, and ↓ and pgdn reach the last.
func TestDetailsScrollToTheLastLine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ps := addPeople(t, f)
	for i := range 12 {
		must(f.s.AddIdentifier(f.admin, ps.alma.ID, access.Identifier{Kind: access.KindCard, Value: fmt.Sprintf("10:%d", 300+i)}))
	}
	c := start(t, f, consoleOpts{w: 80, h: 24})
	c.press("9")
	c.waitScreen("Alma Aalto")
	c.press("enter")
	scr := c.waitScreen("Info        Finance", "↑/↓ pgup/pgdn scroll")
	if strings.Contains(scr, "Changed") {
		t.Fatalf("the last line shows before scrolling; the screen is:\n%s", frameDump(scr))
	}
	c.press("down")
	c.waitGone("Info        Finance")
	c.press("pgdown", "pgdown", "pgdown")
	scr = c.waitScreen("Changed", "↑/↓ pgup/pgdn scroll")
	if !strings.Contains(scr, "10:311") {
		t.Errorf("the last card is not shown at the bottom; the screen is:\n%s", frameDump(scr))
	}
	c.press("pgup", "pgup", "pgup", "pgup")
	c.waitScreen("Info        Finance", "lines 1-")
}

// The why view's steps open at their end (a denial's reason is the last
// step) when they do not fit, and pgup/pgdn scroll back to the first.
func TestWhyStepsScroll(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	addPeople(t, f)
	c := start(t, f, consoleOpts{w: 80, h: 20})
	c.press("9")
	c.waitScreen("Alma Aalto")
	c.press("w")
	c.waitScreen("Why? Alma Aalto at a door")
	c.press("tab", "tab", "tab", "tab", "enter")
	scr := c.waitScreen("GRANTED", "lines 4-8 of 8 · pgup/pgdn scroll", "now Wed 16:24: granted")
	if strings.Contains(scr, "pass person") {
		t.Fatalf("the first step shows, not the last; the screen is:\n%s", frameDump(scr))
	}
	c.press("pgup")
	c.waitScreen("lines 1-5 of 8", "pass person")
	c.waitGone("now Wed 16:24: granted")
	c.press("pgdown")
	c.waitScreen("lines 4-8 of 8", "now Wed 16:24: granted")
}
