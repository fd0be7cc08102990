package tui

import (
	"strings"

	"github.com/guardroom/guardroom/themes"
	"github.com/guardroom/guardroom/tui/grid"
)

// tableSource is a grid.Source over pre-rendered rows, for the screens with
// at most a few thousand rows. The Users grid has its own source.
type tableSource struct {
	cells [][]string
	lower [][]string
	hay   []string
	index map[string]int
	tones [][]grid.Tone // nil: no cell stands out
	// field, when set, answers filter and sort keys whose value is not
	// the cell's text (a battery sorts by level, not by "15% low"); ok
	// false falls back to the cell.
	field func(i int, key string) (string, bool)
}

func newTableSource(cols []grid.Column, cells [][]string) *tableSource {
	s := &tableSource{cells: cells, lower: make([][]string, len(cells)), hay: make([]string, len(cells)), index: map[string]int{}}
	for i, c := range cols {
		if c.Key != "" {
			s.index[c.Key] = i
		}
	}
	for i, row := range cells {
		s.lower[i] = make([]string, len(row))
		for j, c := range row {
			s.lower[i][j] = strings.ToLower(c)
		}
		s.hay[i] = strings.Join(s.lower[i], " ")
	}
	return s
}

func (s *tableSource) Len() int              { return len(s.cells) }
func (s *tableSource) Cells(i int) []string  { return s.cells[i] }
func (s *tableSource) Haystack(i int) string { return s.hay[i] }
func (s *tableSource) Tones(i int) []grid.Tone {
	if i < len(s.tones) {
		return s.tones[i]
	}
	return nil
}
func (s *tableSource) Field(i int, key string) string {
	if s.field != nil {
		if v, ok := s.field(i, key); ok {
			return v
		}
	}
	if j, ok := s.index[key]; ok && j < len(s.lower[i]) {
		return s.lower[i][j]
	}
	return ""
}

func gridStyles(t themes.Theme) grid.Styles {
	return grid.Styles{Header: t.GridHeader, Selected: t.Selected, Cell: t.Cell, Marker: t.Marker,
		Good: t.Good, Warn: t.Warn, Bad: t.Bad, Dim: t.Dim}
}

func newGrid(c *common, cols []grid.Column) grid.Model {
	return grid.New(cols, newTableSource(cols, nil), gridStyles(c.theme))
}

// gridFooter is the line under a grid: range, page size, sort, filter.
func gridFooter(g *grid.Model, extra string) string {
	page, pages := g.Page()
	// A filter naming a field no column has matches nothing: that comes
	// first, before the footer runs out of width.
	s := ""
	if p := g.FilterError(); p != "" {
		s = " " + p + "  ·"
	}
	s += " " + g.RangeText() + "  ·  page " + itoa(page) + "/" + itoa(pages) + "  ·  " + g.PageSizeText()
	if key, desc := g.Sort(); key != "" {
		dir := "↑"
		if desc {
			dir = "↓"
		}
		s += "  ·  sort " + key + " " + dir
	}
	if q := g.Query(); q != "" {
		s += "  ·  filter: " + q
	}
	if extra != "" {
		s += "  ·  " + extra
	}
	return s
}
