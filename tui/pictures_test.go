package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// pictures are the golden screens the README shows. Their styled frames
// are kept beside their text (<size>-<theme>.ansi.golden), and `make
// pictures` draws those as docs/pictures/*.svg (cmd/internal/pictures), so
// the README's pictures are the screens the tests see.
var pictures = []string{
	"TestScreens/Users/120x40-dark", "TestScreens/Users/120x40-light",
	"TestScreens/CodeEntry/120x40-dark", "TestScreens/CodeEntry/120x40-light",
	"TestScreensPeople/WhyDenied/120x40-dark", "TestScreensPeople/WhyDenied/120x40-light",
}

// goldenStyled compares a pictured screen's styled frame with
// testdata/<Test>/<Case>/<size>-<theme>.ansi.golden. The frame is the
// App's own view, driven to the case without a program: the terminal
// emulator's rendering of it depends on the order the renderer drew its
// cells in (a space written before or after a colour change), the App's
// view only on what it shows.
// It must show the same characters as the screen (lines, w wide).
func goldenStyled(t *testing.T, f *fixture, sc screenCase, theme string, w int, lines []string) {
	t.Helper()
	if !slices.Contains(pictures, t.Name()) {
		return
	}
	s := newSyncApp(t, f, f.admin, theme, w, len(lines))
	sc.open(s)
	frame := s.a.View().Content
	for i, l := range strings.Split(ansi.Strip(frame), "\n") {
		if i >= len(lines) || strings.TrimRight(l, " ") != strings.TrimRight(lines[i], " ") {
			t.Fatalf("the App's view differs from the screen at line %d:\n%s", i, frameDump(ansi.Strip(frame)))
		}
	}
	golden.RequireEqual(renamed{t, t.Name() + ".ansi"}, frame+"\n")
}

// renamed is a test under another name, for a second golden file.
type renamed struct {
	testing.TB
	name string
}

func (r renamed) Name() string { return r.name }
