package grid

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// cellRows is a Source of fixed cells.
type cellRows [][]string

func (r cellRows) Len() int                     { return len(r) }
func (r cellRows) Cells(i int) []string         { return r[i] }
func (r cellRows) Haystack(i int) string        { return strings.ToLower(strings.Join(r[i], " ")) }
func (r cellRows) Field(i int, _ string) string { return r[i][0] }

// TestCellsShowControlsAsText: a cell holding a terminal sequence (a
// device's words) is drawn as text, in its column's width, and sends
// nothing to the terminal.
func TestCellsShowControlsAsText(t *testing.T) {
	src := cellRows{{"1", "Gate\x1b]0;owned\x07\u009b2J"}, {"2", "Front"}}
	m := New([]Column{{Title: "ID", Key: "id", Width: 3}, {Title: "Name", Key: "name", Width: 30}}, src, Styles{Marker: ">"})
	m.SetSize(40, 5)
	view := m.View()
	if strings.ContainsAny(view, "\x1b\x07\u009b") {
		t.Fatalf("the grid sends a control character:\n%q", view)
	}
	if !strings.Contains(view, `Gate\x1b]0;owned\x07\u009b2J`) {
		t.Fatalf("the cell is not shown as text:\n%s", view)
	}
	for _, l := range strings.Split(view, "\n") {
		if w := ansi.StringWidth(l); w != 40 {
			t.Fatalf("line %q is %d cells wide, want 40", l, w)
		}
	}
}
