package tui

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
)

// TestDialogMargin: a dialog has a blank cell all round it, so no
// character of the screen underneath touches its border ("▶│" at column
// 0, "╮nc" after it), at 80x24 and 200x50.
func TestDialogMargin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, sz := range []struct{ w, h int }{{80, 24}, {200, 50}} {
		for _, open := range []struct {
			name string
			keys []string
			want string
		}{{"help", []string{"?"}, "Users actions"}, {"code", []string{"c"}, "Edit code"}, {"details", []string{"enter"}, "manager  (# 1)"}} {
			t.Run(fmt.Sprintf("%dx%d/%s", sz.w, sz.h, open.name), func(t *testing.T) {
				a := newSyncApp(t, f, f.admin, "dark", sz.w, sz.h)
				goUsers(a)
				a.press(open.keys...)
				scr := a.waitScreen(open.want)
				checkMargin(t, strings.Split(scr, "\n"))
			})
		}
	}
}

// checkMargin checks that each line of a box has blanks beside its
// borders, and that the lines above (unless the tabs) and below the box
// are blank across it.
func checkMargin(t *testing.T, lines []string) {
	t.Helper()
	top, bottom := -1, -1
	for y, l := range lines {
		if strings.Contains(l, "╭") {
			top = y
		}
		if strings.Contains(l, "╰") {
			bottom = y
		}
	}
	if top < 0 || bottom < top {
		t.Fatalf("no dialog on screen:\n%s", strings.Join(lines, "\n"))
	}
	left := cellIndex(lines[top], "╭")
	right := cellIndex(lines[top], "╮")
	for y := top; y <= bottom; y++ {
		cells := []rune(lines[y] + strings.Repeat(" ", right+2))
		if left > 0 && cells[left-1] != ' ' {
			t.Errorf("line %d: %q touches the dialog's left border: %q", y, cells[left-1], lines[y])
		}
		if right+1 < len([]rune(lines[y])) && cells[right+1] != ' ' {
			t.Errorf("line %d: %q touches the dialog's right border: %q", y, cells[right+1], lines[y])
		}
	}
	for _, y := range []int{top - 1, bottom + 1} {
		if y < 1 || y >= len(lines)-1 || y == top-1 && (strings.Contains(lines[y], " 1 Panels") || strings.Contains(lines[y], " 0 Access")) {
			continue // a docked dialog opens right under the tabs; the status line stays
		}
		cells := []rune(lines[y] + strings.Repeat(" ", right+2))
		if s := strings.TrimSpace(string(cells[max(left-1, 0) : right+2])); s != "" {
			t.Errorf("line %d beside the dialog holds %q", y, s)
		}
	}
}

// cellIndex is the cell (rune) index of sub in a line of single-width
// characters.
func cellIndex(line, sub string) int {
	i := strings.Index(line, sub)
	if i < 0 {
		return -1
	}
	return len([]rune(line[:i]))
}

// TestOverlayWideCharacters: a wide character that the margin or the box
// covers half of is blanked, never left half drawn, and the frame keeps
// its width.
func TestOverlayWideCharacters(t *testing.T) {
	base := strings.Repeat("漢字漢字漢字漢字漢字\n", 4) + "漢字漢字漢字漢字漢字"
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Render("ok")
	for x := 1; x <= 4; x++ {
		out := ansi.Strip(overlay(base+"\n"+base, box, x, 2, 20, 10, true))
		lines := strings.Split(out, "\n")
		for y, l := range lines {
			if n := ansi.StringWidth(l); n != 20 {
				t.Errorf("x=%d: line %d is %d cells: %q", x, y, n, l)
			}
		}
		if !strings.Contains(lines[3], " │ok│ ") {
			t.Errorf("x=%d: no blank beside the box: %q", x, lines[3])
		}
	}
}

// TestStatusClearsOnMove: what an action said is about the row and tab
// it was said on; moving to another row or tab clears it. The session's
// note (read-only) stays.
func TestStatusClearsOnMove(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := newSyncApp(t, f, f.admin, "dark", 80, 24)
	goUsers(a)
	a.press("x") // slot 1 is the Master: refused, with the reason
	if !strings.Contains(a.a.statusText(), "Master") {
		t.Fatalf("no refusal in the status: %q", a.a.statusText())
	}
	a.press("o") // sorting keeps the row and says so
	if !strings.Contains(a.a.statusText(), "sorted by") {
		t.Fatalf("status after sorting: %q", a.a.statusText())
	}
	a.press("o", "o") // back to the first row by №
	a.press("x")
	a.press("down")
	if s := a.a.statusText(); s != "" {
		t.Errorf("after moving a row the status still says %q", s)
	}
	a.press("x")
	a.press("3")
	if s := a.a.statusText(); s != "" {
		t.Errorf("after changing tabs the status still says %q", s)
	}

	ro := newSyncApp(t, f, f.ops[store.RoleAuditor], "dark", 80, 24)
	goUsers(ro)
	ro.press("c")
	if s := ro.a.statusText(); !strings.Contains(s, "code") {
		t.Fatalf("no refusal for the auditor: %q", s)
	}
	ro.press("down", "4")
	if s := ro.a.statusText(); !strings.Contains(s, "read-only") {
		t.Errorf("the read-only note did not stay: %q", s)
	}
}

// TestNarrowLayout: at 80x24 the header names the operator and the
// clock's zone, every tab keeps its title (two lines of tabs), and the
// Users grid has its Code column; at 200x50 all of it is on one line each.
func TestNarrowLayout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, sz := range []struct {
		w, h, tabLines int
	}{{80, 24, 2}, {120, 40, 1}, {200, 50, 1}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			a := newSyncApp(t, f, f.admin, "dark", sz.w, sz.h)
			scr := goUsers(a)
			lines := strings.Split(scr, "\n")
			if !strings.Contains(lines[0], " admin │ ") || !strings.Contains(lines[0], "16:24") || !strings.Contains(lines[0], "UTC") {
				t.Errorf("the header lacks the operator or the clock's zone: %q", lines[0])
			}
			tabs := strings.Join(lines[a.a.headerLines():a.a.topLines()], "\n")
			for _, title := range []string{"1 Panels", "2 Users", "3 Partitions", "6 Accounts", "8 Op", "9 People", "0 Access"} {
				if !strings.Contains(tabs, title) {
					t.Errorf("the tabs lack %q:\n%s", title, tabs)
				}
			}
			if n := a.a.topLines() - a.a.headerLines(); n != sz.tabLines {
				t.Errorf("%d lines of tabs, want %d", n, sz.tabLines)
			}
			if !strings.Contains(lines[a.a.topLines()], "Code") {
				t.Errorf("the Users grid has no Code column: %q", lines[a.a.topLines()])
			}
			if !strings.Contains(scr, "1-15 of 1000") {
				t.Errorf("no full page of 15 rows:\n%s", scr)
			}
		})
	}
}

// TestCreatedColumn: the Users grid's Created column shows the account's
// date and time where there is room, the date alone where there is not.
func TestCreatedColumn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		w        int
		want, no string
	}{{200, "2026-05-13 16:24", ""}, {120, "2026-05-13 16:24", ""}, {94, "2026-05-13", "2026-05-13 16"}} {
		t.Run(fmt.Sprint(tc.w), func(t *testing.T) {
			a := newSyncApp(t, f, f.admin, "dark", tc.w, 40)
			scr := goUsers(a)
			line := ""
			for _, l := range strings.Split(scr, "\n") {
				if strings.Contains(l, "Active") && !strings.HasPrefix(strings.TrimSpace(l), "1-") {
					line = l
					break
				}
			}
			if !strings.Contains(line, tc.want) || tc.no != "" && strings.Contains(line, tc.no) || strings.Contains(line, "2026-05-1…") {
				t.Errorf("at %d columns the row with an account reads %q, want %q", tc.w, line, tc.want)
			}
		})
	}
}

// TestHelpWrapsReasons: ? gives every unavailable action's reason whole,
// wrapped under its column, at 80x24; scrolling reaches every line.
func TestHelpWrapsReasons(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := newSyncApp(t, f, f.admin, "dark", 80, 24)
	goUsers(a)
	u := f.user(t, 1)
	reason := errText(a.a.c.st.CheckUser(a.a.c.actor, f.main, u, store.ActDisable))
	if reason == "" || len(reason) < 60 {
		t.Fatalf("the Master's disable reason is too short to test wrapping: %q", reason)
	}
	a.press("?")
	var seen []string
	for range 40 {
		seen = append(seen, boxText(a.screen()))
		a.press("down")
	}
	all := strings.Join(strings.Fields(strings.Join(seen, " ")), " ")
	if !strings.Contains(all, reason) {
		t.Errorf("help never shows the whole reason %q", reason)
	}
}

// boxText is the text inside a dialog's borders, lines joined by spaces.
func boxText(scr string) string {
	var out []string
	for _, l := range strings.Split(scr, "\n") {
		if i, j := strings.Index(l, "│"), strings.LastIndex(l, "│"); i >= 0 && j > i {
			out = append(out, strings.TrimSpace(l[i+len("│"):j]))
		}
	}
	return strings.Join(out, " ")
}

// TestDetailsReasonsWhole: the user details never cut a reason: each is
// whole (wrapped), and those with no room are counted with where to read
// them (? over the details).
func TestDetailsReasonsWhole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, sz := range []struct{ w, h int }{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			a := newSyncApp(t, f, f.admin, "dark", sz.w, sz.h)
			goUsers(a)
			a.press("enter")
			scr := a.waitScreen("manager  (# 1)")
			if strings.Contains(boxText(scr), "…") && !strings.Contains(boxText(scr), "… ") {
				t.Errorf("a line of the details is cut:\n%s", scr)
			}
			reason := errText(a.a.c.st.CheckUser(a.a.c.actor, f.main, f.user(t, 1), store.ActDisable))
			text := strings.Join(strings.Fields(boxText(scr)), " ")
			if !strings.Contains(text, reason) && !strings.Contains(text, "? says why") {
				t.Errorf("the details neither give the reason %q nor say where it is:\n%s", reason, scr)
			}
			a.press("?")
			a.waitScreen("Users actions")
		})
	}
}
