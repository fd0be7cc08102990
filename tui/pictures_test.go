package tui

import (
	"slices"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
)

// pictures are the golden screens the README shows. Their styled frames
// are kept beside their text (<size>-<theme>.ansi.golden, in true colour,
// as the themes define them), and `make pictures` draws those as
// docs/pictures/*.svg (cmd/internal/pictures), so the README's pictures
// are the screens the tests see.
var pictures = []string{
	"TestScreens/Users/120x40-dark", "TestScreens/Users/120x40-light",
	"TestScreens/CodeEntry/120x40-dark", "TestScreens/CodeEntry/120x40-light",
	"TestScreensPeople/WhyDenied/120x40-dark", "TestScreensPeople/WhyDenied/120x40-light",
}

// screenProfile is the colour profile a golden screen is drawn in: true
// colour for the pictures, the harness's default for the others.
func screenProfile(t *testing.T) colorprofile.Profile {
	if slices.Contains(pictures, t.Name()) {
		return colorprofile.TrueColor
	}
	return 0
}

// goldenStyled compares a pictured screen's styled frame (its SGR
// colours and attributes) with testdata/<Test>/<Case>/<size>-<theme>.ansi.golden.
func (c *console) goldenStyled(t *testing.T) {
	t.Helper()
	if !slices.Contains(pictures, t.Name()) {
		return
	}
	// A change of colour alone (a field's hint turning from dim to
	// good) leaves the text the same: the styled frame settles too.
	frame := c.settle(func() string {
		c.drain()
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.emu.Render()
	})
	golden.RequireEqual(renamed{t, t.Name() + ".ansi"}, frame+"\n")
}

// renamed is a test under another name, for a second golden file.
type renamed struct {
	testing.TB
	name string
}

func (r renamed) Name() string { return r.name }
