package grid

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// rows is a test Source: slot, label, status.
type rows struct {
	label, status []string
	hay           []string
}

func makeRows(n int) *rows {
	r := &rows{label: make([]string, n), status: make([]string, n), hay: make([]string, n)}
	statuses := []string{"Active", "Suspended", "Not confirmed", "Unknown"}
	for i := range n {
		r.label[i] = fmt.Sprintf("User %d", i+1)
		r.status[i] = statuses[i%len(statuses)]
		r.hay[i] = strings.ToLower(fmt.Sprintf("%d %s %s", i+1, r.label[i], r.status[i]))
	}
	return r
}

func (r *rows) Len() int              { return len(r.label) }
func (r *rows) Haystack(i int) string { return r.hay[i] }
func (r *rows) Cells(i int) []string {
	return []string{strconv.Itoa(i + 1), r.label[i], r.status[i]}
}
func (r *rows) Field(i int, key string) string {
	switch key {
	case "no":
		return strconv.Itoa(i + 1)
	case "label":
		return strings.ToLower(r.label[i])
	case "status":
		return strings.ToLower(r.status[i])
	}
	return ""
}

var cols = []Column{{Title: "№", Key: "no", Width: 5, Align: Right}, {Title: "Label", Key: "label", MinWidth: 10}, {Title: "Status", Key: "status", Width: 14}}

func newGrid(n int) Model {
	g := New(cols, makeRows(n), Styles{Marker: ">"})
	g.SetSize(80, 40)
	return g
}

func TestRangeAndPaging(t *testing.T) {
	g := newGrid(1000)
	if got := g.RangeText(); got != "1-15 of 1000" {
		t.Fatalf("range %q", got)
	}
	g.NextPage()
	if got := g.RangeText(); got != "16-30 of 1000" {
		t.Fatalf("after next page %q", got)
	}
	if i, _ := g.Selected(); i != 15 {
		t.Fatalf("cursor row %d after next page, want 15", i)
	}
	g.Move(-1) // back across the page boundary
	if got := g.RangeText(); got != "1-15 of 1000" {
		t.Fatalf("moving up across the page: %q", got)
	}
	g.End()
	if got := g.RangeText(); got != "991-1000 of 1000" {
		t.Fatalf("last page %q", got)
	}
	g.NextPage()
	if got := g.RangeText(); got != "991-1000 of 1000" {
		t.Fatalf("next page past the end moved to %q", got)
	}
	for _, size := range PageSizes {
		g.SetPageSize(size)
		g.Home()
		want := fmt.Sprintf("1-%d of 1000", size)
		if size == PageFit {
			want = "1-39 of 1000" // 40 lines: the header and 39 rows
		}
		if got := g.RangeText(); got != want {
			t.Errorf("page size %d: %q want %q", size, got, want)
		}
	}
	g.SetPageSize(15)
	g.NextPageSize()
	if g.PageSize() != 50 {
		t.Errorf("next page size after 15 is %d", g.PageSize())
	}
	if p, n := g.Page(); p != 1 || n != 20 {
		t.Errorf("page %d of %d, want 1 of 20", p, n)
	}
	empty := newGrid(0)
	if got := empty.RangeText(); got != "0 of 0" {
		t.Errorf("empty range %q", got)
	}
	if _, ok := empty.Selected(); ok {
		t.Error("empty grid has a selection")
	}
}

func TestViewRendersOnlyThePageWindow(t *testing.T) {
	g := newGrid(1000)
	g.SetSize(60, 6) // header + 5 body lines, page of 15
	lines := strings.Split(g.View(), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != 60 {
			t.Errorf("line %d is %d wide, want 60: %q", i, w, l)
		}
	}
	if !strings.HasPrefix(lines[1], "> ") || !strings.Contains(lines[1], "User 1 ") {
		t.Errorf("first row not selected: %q", lines[1])
	}
	g.Move(7) // row 8, beyond the 5 visible lines: the window scrolls
	view := g.View()
	if !strings.Contains(view, "> ") || !strings.Contains(view, "User 8") || strings.Contains(view, "User 1 ") {
		t.Errorf("window did not follow the cursor:\n%s", view)
	}
	g.SetSize(60, 40) // taller than the page: only 15 rows drawn
	if n := strings.Count(g.View(), "\n"); n != 15 {
		t.Errorf("%d body lines for a 15-row page", n)
	}
}

func TestFilter(t *testing.T) {
	g := newGrid(1000)
	g.SetFilter("status:suspended")
	if g.Len() != 250 {
		t.Fatalf("status:suspended matched %d, want 250", g.Len())
	}
	if got := g.RangeText(); got != "1-15 of 250 (filtered from 1000)" {
		t.Errorf("range %q", got)
	}
	g.SetFilter("status:suspended user 99")
	for pos := range g.Len() {
		g.SetCursor(pos)
		i, _ := g.Selected()
		if !strings.Contains(makeRows(1000).hay[i], "99") || i%4 != 1 {
			t.Errorf("row %d does not match", i)
		}
	}
	g.SetFilter("color:red")
	if g.FilterError() == "" || !strings.Contains(g.FilterError(), "status") {
		t.Errorf("unknown field not reported: %q", g.FilterError())
	}
	g.SetFilter("")
	if g.Len() != 1000 || g.FilterError() != "" {
		t.Errorf("clearing the filter left %d rows, %q", g.Len(), g.FilterError())
	}
}

// Narrowing on each typed character must give exactly what a fresh filter
// gives, including when a term turns into a field term or text is deleted.
func TestFilterNarrowingMatchesFullFilter(t *testing.T) {
	r := makeRows(2000)
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"user 1", "status:act", "status:s", "2", "susp", " ", "status", ":", "9"}
	for trial := range 200 {
		g := New(cols, r, Styles{})
		q := ""
		for step := range 12 {
			if rng.IntN(4) == 0 && len(q) > 0 {
				q = q[:rng.IntN(len(q))]
			} else {
				w := words[rng.IntN(len(words))]
				q += w[:min(len(w), 1+rng.IntN(2))]
			}
			g.SetFilter(q)
			fresh := New(cols, r, Styles{})
			fresh.SetFilter(q)
			if !slices.Equal(g.view, fresh.view) {
				t.Fatalf("trial %d step %d query %q: narrowed %d rows, fresh %d", trial, step, q, len(g.view), len(fresh.view))
			}
		}
	}
}

func TestSort(t *testing.T) {
	g := newGrid(30)
	g.SortBy("no")
	if i, _ := g.Selected(); i != 0 {
		t.Fatalf("ascending by number starts at row %d", i)
	}
	g.SortBy("no") // reverse
	g.Home()
	if i, _ := g.Selected(); i != 29 {
		t.Fatalf("descending by number starts at row %d, want 29 (slot 30: numeric, not text order)", i)
	}
	if !strings.Contains(g.View(), "№ ↓") {
		t.Error("header does not show the sort direction")
	}
	g.SortBy("status")
	g.SetFilter("status:active")
	g.Home()
	prev := ""
	for pos := range g.Len() {
		g.SetCursor(pos)
		i, _ := g.Selected()
		s := g.Source().Field(i, "status")
		if s < prev {
			t.Fatalf("not sorted at %d", pos)
		}
		prev = s
	}
}

func TestSelectionKeptAcrossReloadFilterAndSort(t *testing.T) {
	g := newGrid(100)
	g.Move(41)
	g.SetSource(makeRows(100))
	if i, _ := g.Selected(); i != 41 {
		t.Errorf("reload moved the cursor to %d", i)
	}
	g.SortBy("no")
	g.SortBy("no")
	if i, _ := g.Selected(); i != 41 {
		t.Errorf("sort moved the cursor to %d", i)
	}
	g.SetSource(makeRows(10)) // the row is gone: clamp, don't crash
	if i, ok := g.Selected(); !ok || i > 9 {
		t.Errorf("after shrink selected %d %v", i, ok)
	}
}

func TestRowAt(t *testing.T) {
	g := newGrid(100)
	g.SetSize(80, 11) // 10 body lines
	g.NextPage()      // rows 16-30, window 16-25
	pos, ok := g.RowAt(2)
	if !ok || pos != 17 {
		t.Errorf("RowAt(2) = %d %v, want 17", pos, ok)
	}
	if _, ok := g.RowAt(10); ok {
		t.Error("a click below the body hit a row")
	}
	if _, ok := g.RowAt(-1); ok {
		t.Error("a click on the header hit a row")
	}
}

func TestSortNextAndSelectWhere(t *testing.T) {
	g := newGrid(50)
	if got := g.SortNext(); got != "№" {
		t.Errorf("first sort column %q", got)
	}
	if got := g.SortNext(); got != "Label" {
		t.Errorf("second sort column %q", got)
	}
	if key, desc := g.Sort(); key != "label" || desc {
		t.Errorf("sort %q desc=%v", key, desc)
	}
	if !g.SelectWhere(func(i int) bool { return i == 33 }) {
		t.Fatal("row 33 not found")
	}
	if i, _ := g.Selected(); i != 33 {
		t.Errorf("selected %d", i)
	}
	if g.SelectWhere(func(i int) bool { return i == 99 }) {
		t.Error("found a row that does not exist")
	}
}

func TestNarrowTerminalKeepsLastColumn(t *testing.T) {
	wide := []Column{{Title: "A", Width: 30}, {Title: "B", MinWidth: 30}, {Title: "Last", Width: 6}}
	g := New(wide, makeRows(3), Styles{})
	g.SetSize(50, 10)
	for i, l := range strings.Split(g.View(), "\n") {
		if w := ansi.StringWidth(l); w != 50 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
	if !strings.Contains(g.View(), "Last") {
		t.Errorf("last column pushed off screen:\n%s", g.View())
	}
}

func TestExtraFilterKeys(t *testing.T) {
	g := newGrid(100)
	g.SetFilter("kind:x")
	if g.FilterError() == "" {
		t.Fatal("an unknown key was accepted")
	}
	g.SetFilterKeys("kind")
	g.SetFilter("kind:x")
	if g.FilterError() != "" || g.Len() != 0 {
		t.Fatalf("extra key: %q, %d rows (Field answers \"\" for it)", g.FilterError(), g.Len())
	}
}

func TestHideBelow(t *testing.T) {
	cs := []Column{{Title: "№", Key: "no", Width: 5, Align: Right}, {Title: "Label", Key: "label", MinWidth: 10}, {Title: "Status", Key: "status", Width: 14, HideBelow: 60}}
	g := New(cs, makeRows(3), Styles{Marker: ">"})
	g.SetSize(50, 10)
	v := g.View()
	if strings.Contains(v, "Status") || strings.Contains(v, "Active") {
		t.Errorf("a column hidden below 60 cells shows at 50:\n%s", v)
	}
	for i, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w != 50 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
	// Hidden, it still filters; sorting skips it.
	g.SetFilter("status:suspended")
	if g.Len() != 1 {
		t.Errorf("status:suspended on a hidden column: %d rows", g.Len())
	}
	g.SetFilter("")
	if g.SortNext() != "№" || g.SortNext() != "Label" || g.SortNext() != "№" {
		t.Error("SortNext offers a hidden column")
	}
	g.SetSize(80, 10)
	if v := g.View(); !strings.Contains(v, "Status") || !strings.Contains(v, "Suspended") {
		t.Errorf("the column does not come back at 80 cells:\n%s", v)
	}
}

// toned is a Source that marks the status of suspended rows.
type toned struct{ *rows }

func (r toned) Tones(i int) []Tone {
	if r.status[i] == "Suspended" {
		return []Tone{ToneNone, ToneNone, ToneBad}
	}
	return nil
}

func TestTones(t *testing.T) {
	bad := lipgloss.NewStyle().Bold(true)
	g := New(cols, toned{makeRows(4)}, Styles{Marker: ">", Bad: bad})
	g.SetSize(40, 10)
	v := g.View()
	lines := strings.Split(v, "\n")
	// Row 2 (Suspended) is not selected: its status is bold, and the line
	// is as wide as the others.
	if !strings.Contains(lines[2], bad.Render(ansi.Truncate("Suspended     ", 14, ""))) {
		t.Errorf("the suspended cell is not in the Bad style: %q", lines[2])
	}
	if strings.Contains(lines[1], "\x1b[1m") || strings.Contains(lines[3], "\x1b[1m") {
		t.Errorf("untoned rows are bold: %q %q", lines[1], lines[3])
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != 40 {
			t.Errorf("line %d is %d wide: %q", i, w, l)
		}
	}
	// The selected row ignores tones.
	g.Move(1)
	if v := g.View(); strings.Contains(strings.Split(v, "\n")[2], "\x1b[1m") {
		t.Errorf("the selected row is toned: %q", strings.Split(v, "\n")[2])
	}
	// Narrower than the columns: the toned line is cut like the others.
	g.SetSize(20, 10)
	for i, l := range strings.Split(g.View(), "\n") {
		if w := ansi.StringWidth(l); w != 20 {
			t.Errorf("at 20 cells line %d is %d wide: %q", i, w, l)
		}
	}
}

// TestMaxWidth checks that a capped column stops at its MaxWidth and the
// other shared columns take the rest, and that with no cap the room is
// shared as before (every shared column within a cell of the others).
func TestMaxWidth(t *testing.T) {
	cs := []Column{{Title: "ID", MinWidth: 4, MaxWidth: 10}, {Title: "Owner", MinWidth: 4}, {Title: "Sync", MinWidth: 4}}
	g := New(cs, makeRows(3), Styles{})
	g.SetSize(100, 10)
	// 100 cells: the marker (2) and two spaces leave 96.
	if g.widths[0] != 10 || g.widths[1]+g.widths[2] != 86 || g.widths[1]-g.widths[2] > 1 {
		t.Errorf("widths at 100 cells: %v", g.widths)
	}
	for i, l := range strings.Split(g.View(), "\n") {
		if w := ansi.StringWidth(l); w != 100 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
	// Narrow: under the cap, shared as any column.
	g.SetSize(30, 10)
	if g.widths[0] != 8 || g.widths[1] != 9 || g.widths[2] != 9 {
		t.Errorf("widths at 30 cells: %v", g.widths)
	}
	// Every column capped: the line is padded, never wider.
	all := []Column{{Title: "A", MinWidth: 2, MaxWidth: 5}, {Title: "B", MinWidth: 2, MaxWidth: 5}}
	g = New(all, makeRows(3), Styles{})
	g.SetSize(60, 10)
	if g.widths[0] != 5 || g.widths[1] != 5 {
		t.Errorf("capped widths: %v", g.widths)
	}
	for i, l := range strings.Split(g.View(), "\n") {
		if w := ansi.StringWidth(l); w != 60 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
}

// TestPageFit: the "fit" page size fills the grid's lines, follows a
// resize, and is one of the choices the page-size key cycles through,
// after 200 and before 10 again.
func TestPageFit(t *testing.T) {
	g := newGrid(1000)
	g.SetSize(200, 45) // the body of a 200x50 window: header and 44 rows
	g.SetPageSize(200)
	g.NextPageSize()
	if !g.PageFits() || g.PageSize() != 44 {
		t.Fatalf("after 200: fits %v, %d rows", g.PageFits(), g.PageSize())
	}
	if got := g.RangeText(); got != "1-44 of 1000" {
		t.Errorf("range %q", got)
	}
	if got := strings.Count(g.View(), "\n"); got != 44 {
		t.Errorf("fit page drew %d rows, want 44 (no empty lines)", got)
	}
	if got := g.PageSizeText(); got != "fit: 44 per page" {
		t.Errorf("page size text %q", got)
	}
	g.NextPage()
	if got := g.RangeText(); got != "45-88 of 1000" {
		t.Errorf("next fit page %q", got)
	}
	g.SetSize(80, 16)
	if g.PageSize() != 15 || !g.PageFits() {
		t.Errorf("after a resize the fit page is %d rows", g.PageSize())
	}
	g.NextPageSize()
	if g.PageSize() != 10 {
		t.Errorf("after fit comes %d, want 10", g.PageSize())
	}
}

// TestUnknownFieldSaysWhichExist: a filter on a field no column has
// matches nothing, and the grid says so where the rows would be, with
// the fields there are, instead of an empty page.
func TestUnknownFieldSaysWhichExist(t *testing.T) {
	g := newGrid(100)
	g.SetFilter("colour:red")
	v := ansi.Strip(g.View())
	if !strings.Contains(v, "unknown field colour") || !strings.Contains(v, "no, label, status") {
		t.Errorf("the grid does not name the fields:\n%s", v)
	}
}

// TestNaturalSort: text with numbers sorts as people read it.
func TestNaturalSort(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"user 11", "user 1000", -1},
		{"user 2", "user 11", -1},
		{"user 1000", "user 11", 1},
		{"user 7", "user 7", 0},
		{"user 7", "user 07", -1},
		{"a", "b", -1},
		{"a2b10", "a2b9", 1},
		{"door 3", "door 3a", -1},
		{"", "a", -1},
		{"10", "9", 1},
		{"x99999999999999999999999", "x100000000000000000000000", -1}, // beyond int64
	} {
		t.Run(tc.a+"|"+tc.b, func(t *testing.T) {
			if got := Natural(tc.a, tc.b); got != tc.want {
				t.Errorf("Natural(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := Natural(tc.b, tc.a); got != -tc.want {
				t.Errorf("Natural(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
			}
		})
	}
	g := newGrid(1000)
	g.SortBy("label")
	var got []string
	for pos := range 12 {
		g.SetCursor(pos)
		i, _ := g.Selected()
		got = append(got, g.Source().Cells(i)[1])
	}
	want := []string{"User 1", "User 2", "User 3", "User 4", "User 5", "User 6", "User 7", "User 8", "User 9", "User 10", "User 11", "User 12"}
	if !slices.Equal(got, want) {
		t.Errorf("label order %q", got)
	}
}

// TestSortMarkerKeepsTitle: the sorted column's header shows its whole
// title and the marker, however narrow the column or the grid.
func TestSortMarkerKeepsTitle(t *testing.T) {
	cols := []Column{{Title: "№", Key: "no", Width: 4, Align: Right}, {Title: "Label", Key: "label", MinWidth: 10}, {Title: "Status", Key: "status", Width: 6}}
	for _, w := range []int{80, 30, 24} {
		for _, key := range []string{"no", "label", "status"} {
			t.Run(fmt.Sprintf("%d/%s", w, key), func(t *testing.T) {
				g := New(cols, makeRows(20), Styles{Marker: ">"})
				g.SetSize(w, 10)
				g.SortBy(key)
				header := ansi.Strip(strings.SplitN(g.View(), "\n", 2)[0])
				title := map[string]string{"no": "№", "label": "Label", "status": "Status"}[key]
				if !strings.Contains(header, title+" ↑") {
					t.Errorf("header %q lacks %q", header, title+" ↑")
				}
				if n := ansi.StringWidth(header); n != w {
					t.Errorf("header is %d cells wide, want %d", n, w)
				}
			})
		}
	}
}

// TestWantAndFit: a column that wants room for its full text gets it
// first on a wide grid; on a narrow one its Fit shortens the text.
func TestWantAndFit(t *testing.T) {
	src := newStatic([][]string{{"1", "Ada", "2026-05-13 16:24"}})
	cols := []Column{{Title: "№", Width: 3}, {Title: "Name", MinWidth: 5}, {Title: "Created", MinWidth: 10, Want: 16,
		Fit: func(c string, w int) string { return c[:10] }}}
	for _, tc := range []struct {
		w    int
		want string
	}{{40, "2026-05-13 16:24"}, {24, "2026-05-13"}} {
		g := New(cols, src, Styles{})
		g.SetSize(tc.w, 5)
		row := ansi.Strip(strings.Split(g.View(), "\n")[1])
		if !strings.Contains(row, tc.want) || strings.Contains(row, "…") {
			t.Errorf("at %d cells: %q, want %q", tc.w, row, tc.want)
		}
	}
}

// static is a Source over fixed cells.
type static struct{ cells [][]string }

func newStatic(cells [][]string) *static         { return &static{cells} }
func (s *static) Len() int                       { return len(s.cells) }
func (s *static) Cells(i int) []string           { return s.cells[i] }
func (s *static) Haystack(i int) string          { return strings.ToLower(strings.Join(s.cells[i], " ")) }
func (s *static) Field(i int, key string) string { return "" }

// TestPatchEqualsSetSource changes random rows of a sorted, filtered grid
// and patches it; after each round it must show the same rows in the same
// order, with the same row selected, as a grid given the changed source
// anew.
func TestPatchEqualsSetSource(t *testing.T) {
	statuses := []string{"Active", "Suspended", "Not confirmed", "Unknown"}
	for _, tc := range []struct {
		name, sort, filter string
		desc               bool
	}{
		{"unsorted unfiltered", "", "", false},
		{"sorted by label", "label", "", false},
		{"sorted by status, descending", "status", "", true},
		{"filtered", "", "susp", false},
		{"sorted and filtered", "label", "status:a", true},
		{"field filter, sorted by number", "no", "status:unknown", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(tc.name))))
			src := makeRows(300)
			setup := func(g *Model) {
				if tc.sort != "" {
					g.SortBy(tc.sort)
					if tc.desc {
						g.SortBy(tc.sort)
					}
				}
				g.SetFilter(tc.filter)
			}
			g := New(cols, src, Styles{Marker: ">"})
			g.SetSize(80, 20)
			setup(&g)
			g.Move(7)
			for round := range 40 {
				var changed []int
				for range rng.IntN(12) + 1 {
					i := rng.IntN(src.Len())
					src.label[i] = fmt.Sprintf("User %d", rng.IntN(1000))
					src.status[i] = statuses[rng.IntN(len(statuses))]
					src.hay[i] = strings.ToLower(fmt.Sprintf("%d %s %s", i+1, src.label[i], src.status[i]))
					changed = append(changed, i)
				}
				sel, had := g.Selected()
				g.Patch(changed)
				want := New(cols, src, Styles{Marker: ">"})
				want.SetSize(80, 20)
				setup(&want)
				if !slices.Equal(g.view, want.view) || !slices.Equal(g.base, want.base) {
					t.Fatalf("round %d: patched rows %v\nwant %v", round, g.view, want.view)
				}
				if now, ok := g.Selected(); had && ok && slices.Contains(want.view, sel) && now != sel {
					t.Fatalf("round %d: the selection moved from row %d to %d", round, sel, now)
				}
				want.SetCursor(g.Cursor())
				if g.View() != want.View() {
					t.Fatalf("round %d: frames differ:\n%s\nwant\n%s", round, g.View(), want.View())
				}
				g.Move(rng.IntN(9) - 4)
			}
		})
	}
}
