package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/themes"
)

// screenCase drives a fresh console to one screen or dialog and returns
// the text that says it is fully drawn.
type screenCase struct {
	name string
	open func(d driver)
}

var screenCases = []screenCase{
	{"Panels", func(c driver) { c.waitScreen("1-3 of 3", "Warehouse") }},
	{"Users", func(c driver) { goUsers(c) }},
	{"Partitions", func(c driver) { c.press("3"); c.waitScreen("Users holding it", "Server room", "1-8 of 8") }},
	{"DoorLocks", func(c driver) { goLocks(c) }},
	{"LockDetails", func(c driver) {
		goLocks(c)
		c.press("enter")
		c.waitScreen("Lock 1 — Front door · Main building", "2 Reception", "esc closes")
	}},
	{"UnlockReason", func(c driver) {
		goLocks(c)
		c.press("U")
		c.waitScreen("Unlock lock 1 (Front door) of Main building?", "ctrl+y unlock")
		c.typ("courier at the front door")
		c.waitScreen("courier at the front door▌")
	}},
	{"AddLock", func(c driver) {
		goLocks(c)
		c.press("n")
		c.waitScreen("Add a door lock", "← Main building →")
	}},
	{"Tags", func(c driver) { goTags(c) }},
	{"TagDetails", func(c driver) {
		goTags(c)
		c.press("G", "enter")
		c.waitScreen("Tag "+tagLock, "read by lock 1 (Front door)", "esc closes")
	}},
	{"EnrolTag", func(c driver) {
		goTags(c)
		c.press("n")
		c.waitScreen("Enrol a proximity tag", "← keypad →")
		c.typ("04:a1:b2:c3")
		c.waitScreen("04:a1:b2:c3▌")
	}},
	{"Accounts", func(c driver) {
		c.press("6")
		c.waitScreen("ana.active@", "fay.fresh@", "1-6 of 6", "Mail server not checked yet")
	}},
	{"ActionLog", func(c driver) { c.press("7"); c.waitScreen("operator.add", "tag.enrol", "1-15 of") }},
	{"UserDetails", func(c driver) {
		goUsers(c)
		goSlot(c, 2)
		c.press("enter")
		c.waitScreen("Reception  (# 2)", "Door locks", "esc closes")
	}},
	{"CodeEntry", func(c driver) {
		goUsers(c)
		goSlot(c, 5)
		c.press("c")
		c.waitScreen("Set code — panel user 5", "Once more")
		c.typ("8642")
		c.waitScreen("••••▌")
	}},
	{"AssignDialog", func(c driver) {
		goUsers(c)
		goSlot(c, 7)
		c.press("a")
		c.waitScreen("Assign account to panel " + mainName)
		c.typ("ed")
		c.waitScreen("> ed▌", "ed.blocked@example.com")
	}},
	{"Confirmation", func(c driver) {
		goUsers(c)
		goSlot(c, 7)
		c.press("x")
		c.waitScreen("Disable panel user 7 (Courier)?", "y disable")
	}},
	{"Help", func(c driver) {
		goUsers(c)
		goSlot(c, 5)
		c.press("?")
		c.waitScreen("Keys —", "Users actions", "unavailable:")
	}},
}

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}, {200, 50}}

// TestScreens goldens every screen and dialog at 80x24, 120x40 and 200x50, in the
// dark and light themes: testdata/TestScreens/<Screen>/<size>-<theme>.golden
// holds the characters on the emulator's screen (the themes differ only in
// colour, which TestThemeColours checks).
func TestScreens(t *testing.T) {
	t.Parallel()
	f := builtFixture(t) // the screens only read: one site for all
	for _, sc := range screenCases {
		t.Run(sc.name, func(t *testing.T) {
			for _, sz := range sizes {
				for _, theme := range []string{"dark", "light"} {
					t.Run(fmt.Sprintf("%dx%d-%s", sz.w, sz.h, theme), func(t *testing.T) {
						t.Parallel()
						c := start(t, f, consoleOpts{w: sz.w, h: sz.h, theme: theme})
						// The header's counts load beside the first
						// screen: under load they can come after a later
						// screen settled.
						c.waitScreen("1 low batt", "293 pending")
						sc.open(c)
						lines := c.settled()
						checkFrame(t, lines, sz.w, sz.h)
						goldenScreen(t, strings.Join(lines, "\n"))
						goldenStyled(t, f, sc, theme, sz.w, lines)
					})
				}
			}
		})
	}
}

// settled returns the screen once the program has stopped writing, so a
// golden never catches a frame half drawn.
func (c *console) settled() []string {
	c.t.Helper()
	prev := c.screen()
	same := 0
	deadline := time.Now().Add(5 * time.Second)
	for same < 8 {
		if time.Now().After(deadline) {
			c.t.Fatalf("the screen never settled:\n%s", frameDump(prev))
		}
		time.Sleep(10 * time.Millisecond)
		cur := c.screen()
		if cur == prev {
			same++
		} else {
			prev, same = cur, 0
		}
	}
	c.checkSecrets(prev)
	return strings.Split(prev, "\n")
}

// checkFrame checks that the emulator shows the frame the app drew and
// nothing wrapped: header on line 0, tabs on line 1, hints on the line
// above the status line, each line at most w cells.
func checkFrame(t *testing.T, lines []string, w, h int) {
	t.Helper()
	if len(lines) != h {
		t.Fatalf("%d lines on a %d-line screen", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide (> %d): %q", i, n, w, l)
		}
	}
	// The operator's name gives way on a crowded header; the outbox
	// summary and the clock never do.
	if !strings.Contains(lines[0], " │ ") || !strings.HasSuffix(lines[0], "16:24 UTC") && !strings.HasSuffix(lines[0], "16:24:55 UTC") {
		t.Errorf("line 0 is not the header: %q", lines[0])
	}
	// A tall dialog (help) and its blank margin may cover the tabs and
	// the hints, never the header or the status line. Under 120 columns
	// the header takes two lines.
	tabs := 1
	if w < wideHeader {
		tabs = 2
	}
	if !strings.HasPrefix(lines[tabs], " 1 P") && !strings.ContainsAny(lines[tabs], "╭│") && strings.TrimSpace(lines[tabs]) != "" {
		t.Errorf("line %d is not the tabs: %q", tabs, lines[tabs])
	}
	if !strings.Contains(lines[h-2], "? help") && !strings.Contains(lines[h-2], "╰") {
		t.Errorf("line %d is not the hints line: %q", h-2, lines[h-2])
	}
	if strings.ContainsAny(lines[h-1], "╭╰│") || strings.Contains(lines[h-1], "? help") {
		t.Errorf("line %d is not the status line: %q", h-1, lines[h-1])
	}
}

// siteCase is a screen case with the site it runs on.
type siteCase struct {
	screenCase
	f *fixture
}

// allScreenCases are TestScreens' cases on the fixture site and
// TestSyncScreens' on the site with the sync story.
func allScreenCases(tb testing.TB) []siteCase {
	f, sf, of := newFixture(tb), newFixture(tb), newFixture(tb)
	syncStory(tb, sf)
	opsStory(tb, of)
	var out []siteCase
	for _, sc := range screenCases {
		out = append(out, siteCase{sc, f})
	}
	for _, sc := range syncScreenCases {
		out = append(out, siteCase{sc, sf})
	}
	for _, sc := range opsScreenCases {
		out = append(out, siteCase{sc, of})
	}
	return out
}

// TestFramesFit draws every screen and dialog of TestScreens at 80x24
// straight from View (no terminal in between): exactly 24 lines, none wider
// than 80 cells, so nothing can wrap on a real terminal either.
func TestFramesFit(t *testing.T) {
	t.Parallel()
	for _, sc := range allScreenCases(t) {
		f := sc.f
		t.Run(sc.name, func(t *testing.T) {
			a := newSyncApp(t, f, f.admin, "dark", 80, 24)
			sc.open(a)
			lines := strings.Split(a.a.View().Content, "\n")
			if len(lines) != 24 {
				t.Fatalf("View has %d lines, want 24:\n%s", len(lines), a.screen())
			}
			for i, l := range lines {
				if n := ansi.StringWidth(l); n > 80 {
					t.Errorf("line %d is %d cells wide: %q", i, n, ansi.Strip(l))
				}
			}
		})
	}
}

// TestFramesFitAfterResize opens every screen and dialog at 120x40, then
// shrinks the terminal (an SSH window made small): the frame follows, never
// taller or wider than the terminal, even with a dialog taller than it.
func TestFramesFitAfterResize(t *testing.T) {
	t.Parallel()
	cases := allScreenCases(t)
	for _, sz := range []struct{ w, h int }{{60, 20}, {40, 12}} {
		for _, sc := range cases {
			f := sc.f
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz.w, sz.h), func(t *testing.T) {
				a := newSyncApp(t, f, f.admin, "dark", 120, 40)
				sc.open(a)
				a.send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
				lines := strings.Split(a.a.View().Content, "\n")
				if len(lines) != sz.h {
					t.Errorf("View has %d lines on a %d-line terminal", len(lines), sz.h)
				}
				for i, l := range lines {
					if n := ansi.StringWidth(l); n > sz.w {
						t.Errorf("line %d is %d cells wide: %q", i, n, ansi.Strip(l))
					}
				}
			})
		}
	}
}

// sgr is the escape sequence a style opens with.
func sgr(st lipgloss.Style) string {
	r := st.Render("x")
	return r[:strings.Index(r, "x")]
}

// TestThemeColours checks that the theme reaches the frame: the dark and
// light themes draw the same characters, so only the colour sequences in
// View().Content tell them apart.
func TestThemeColours(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dark, light := themes.Dark(), themes.Light()
	if sgr(dark.Cell) == sgr(light.Cell) || sgr(dark.Cell) == "" {
		t.Fatalf("the themes' cell styles do not differ: %q", sgr(dark.Cell))
	}
	for _, tc := range []struct {
		theme      string
		own, other themes.Theme
	}{{"dark", dark, light}, {"light", light, dark}} {
		t.Run(tc.theme, func(t *testing.T) {
			a := newSyncApp(t, f, f.admin, tc.theme, 80, 24)
			a.press("2")
			a.waitScreen("1-15 of 1000")
			content := a.a.View().Content
			for _, part := range []struct {
				name       string
				own, other lipgloss.Style
			}{{"Cell", tc.own.Cell, tc.other.Cell}, {"Header", tc.own.Header, tc.other.Header}, {"Selected", tc.own.Selected, tc.other.Selected}} {
				if !strings.Contains(content, sgr(part.own)) {
					t.Errorf("%s theme: the frame lacks its %s colours %q", tc.theme, part.name, sgr(part.own))
				}
				if strings.Contains(content, sgr(part.other)) {
					t.Errorf("%s theme: the frame holds the other theme's %s colours %q", tc.theme, part.name, sgr(part.other))
				}
			}
		})
	}
}

// TestNoColor checks NO_COLOR: the plain theme, no colour at all in the
// frame, and the selection still marked (by a marker and reverse video).
func TestNoColor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, err := New(Options{Store: f.s, Actor: f.admin, Theme: "dark", Now: fixedClock, Environ: []string{"TERM=xterm-256color", "NO_COLOR=1"}})
	check(t, err)
	s := &syncApp{tb: t, a: a}
	s.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	s.loadAll()
	goUsers(s)
	content := a.View().Content
	for _, colour := range []string{"[38;", "[48;", ";38;", ";48;"} {
		if strings.Contains(content, colour) {
			t.Errorf("NO_COLOR frame holds a colour sequence %q", colour)
		}
	}
	if selectedRow(strings.ReplaceAll(s.screen(), ">", "▶")) != 1 {
		t.Errorf("no selection marker:\n%s", s.screen())
	}
	if !strings.Contains(content, "\x1b[7m") && !strings.Contains(content, ";7m") && !strings.Contains(content, "[7;") {
		t.Errorf("the selected row is not in reverse video")
	}
}

// ---- driving an App without a program ----

// driver is what the screen cases need: the console under teatest, or an
// App driven synchronously.
type driver interface {
	press(keys ...string)
	typ(text string)
	waitScreen(texts ...string) string
	waitFor(what string, cond func(scr string) bool) string
	screen() string
}

// goUsers switches to the Users tab and waits for the Main panel's grid.
func goUsers(d driver) string {
	d.press("2")
	return d.waitScreen("1-15 of 1000", "Facility man")
}

// goLocks switches to the Door locks tab and waits for its grid.
func goLocks(d driver) string {
	d.press("4")
	return d.waitScreen("Front door", "Server room", "1-2 of 2")
}

// goTags switches to the Tags tab and waits for its grid.
func goTags(d driver) string {
	d.press("5")
	return d.waitScreen(tagKeypad, tagLock, tagLost, "1-3 of 3")
}

// goSlot selects a slot of the current grid with the jump dialog.
func goSlot(d driver, slot int) {
	d.press("#")
	d.waitScreen("Go to")
	d.typ(fmt.Sprint(slot))
	d.press("enter")
	d.waitFor(fmt.Sprintf("row %d selected", slot), func(scr string) bool {
		return selectedRow(scr) == slot && !strings.Contains(scr, "Go to")
	})
}

// selectedRow reads the № of the row with the selection marker.
func selectedRow(scr string) int {
	for _, l := range strings.Split(scr, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimLeft(l, " "), "▶"); ok {
			var n int
			if _, err := fmt.Sscan(rest, &n); err == nil {
				return n
			}
		}
	}
	return 0
}

// syncApp is an App without a program: each Update's Cmds run at once and
// their messages are fed back, so a test reads the result right after a
// key. The clock tick and the store subscription are never started.
type syncApp struct {
	tb testing.TB
	a  *App
}

func newSyncApp(tb testing.TB, f *fixture, actor store.Actor, theme string, w, h int) *syncApp {
	tb.Helper()
	a, err := New(Options{Store: f.s, Actor: actor, Theme: theme, Now: fixedClock, Environ: []string{}})
	check(tb, err)
	s := &syncApp{tb: tb, a: a}
	s.send(tea.WindowSizeMsg{Width: w, Height: h})
	s.loadAll()
	return s
}

// loadAll delivers what Init would load: every screen and the sync summary.
func (s *syncApp) loadAll() {
	for _, sc := range s.a.screens {
		s.run(sc.load())
	}
	s.run(s.a.loadSync())
	s.run(s.a.loadAlerts())
	s.run(s.a.loadBackup())
	s.run(s.a.loadZone())
}

func (s *syncApp) send(msg tea.Msg) {
	_, cmd := s.a.Update(msg)
	s.run(cmd)
}

func (s *syncApp) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil, tea.QuitMsg:
	case tea.BatchMsg:
		for _, c := range msg {
			s.run(c)
		}
	default:
		s.send(msg)
	}
}

func (s *syncApp) press(keys ...string) {
	for _, k := range keys {
		s.send(key(k))
	}
}

func (s *syncApp) typ(text string) {
	for _, r := range text {
		s.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (s *syncApp) screen() string { return ansi.Strip(s.a.View().Content) }

func (s *syncApp) waitFor(what string, cond func(string) bool) string {
	s.tb.Helper()
	scr := s.screen()
	if !cond(scr) {
		s.tb.Fatalf("want %s; the frame is:\n%s", what, frameDump(scr))
	}
	return scr
}

func (s *syncApp) waitScreen(texts ...string) string {
	s.tb.Helper()
	return s.waitFor(fmt.Sprintf("%q", texts), func(scr string) bool { return shows(scr, texts...) })
}
