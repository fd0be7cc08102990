// Package grid is the console's one table: a windowed grid over any number
// of rows. It filters and sorts across all rows but renders only the rows
// on screen, so a key press costs the same at 100 rows and at 100,000.
//
// Rows come from a Source the screen provides; the grid never formats data
// itself (row renderers are the screens' pure functions).
package grid

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store/plain"
)

// Source supplies the rows.
type Source interface {
	// Len is the number of rows.
	Len() int
	// Cells returns the display cells of row i, one per column.
	Cells(i int) []string
	// Haystack is row i's lower-case text for free-text filtering. Sources
	// should compute it once per row: filtering calls it for every row.
	Haystack(i int) string
	// Field is row i's lower-case value of a column key, for "key:value"
	// filters and sorting.
	Field(i int, key string) string
}

// Align is a column's alignment.
type Align int

// Alignments.
const (
	Left Align = iota
	Right
)

// Column describes one column.
type Column struct {
	Title string
	// Key names the column in filters ("status:active") and sorting.
	Key string
	// Width is fixed when > 0; columns with Width 0 share what is left,
	// never narrower than MinWidth.
	Width    int
	MinWidth int
	// MaxWidth caps a shared column (0: no cap), so that on a wide
	// terminal the room goes to the columns that can use it, not to a
	// tag ID padded with 30 blanks.
	MaxWidth int
	Align    Align
	// HideBelow hides the column on grids narrower than this many cells,
	// so the columns that matter keep a readable width at 80 columns. A
	// hidden column still filters and sorts.
	HideBelow int
	// Want is the width a shared column's full text needs (a date with
	// its time). Such a column is widened to Want before the others share
	// what is left, so a wide grid shows it whole.
	Want int
	// Fit, when set, shortens a cell wider than its column (a date
	// without its time) instead of cutting it with "…".
	Fit func(cell string, width int) string
}

// Tone marks a cell whose state must stand out (a failed sync, an
// offline panel). Sources say what a cell means; the Styles say how it
// looks, so row renderers stay free of colours.
type Tone uint8

// Tones.
const (
	ToneNone Tone = iota
	ToneGood
	ToneWarn
	ToneBad
	ToneDim
)

// Toner is an optional Source method: the tone of each cell of row i (nil
// or shorter than the row: the rest have none). The selected row ignores
// tones; its reverse video already stands out.
type Toner interface {
	Tones(i int) []Tone
}

// PageSizes are the rows-per-page choices of the Users grid (003), and
// PageFit.
var PageSizes = []int{10, 15, 50, 100, 200, PageFit}

// PageFit is the page size that fills the window: as many rows as the
// grid has lines, following the window when it is resized.
const PageFit = -1

// DefaultPageSize is 15, as in "1-15 of 1000".
const DefaultPageSize = 15

// Styles render the parts of the grid. Selection is shown by a marker as
// well as by style, so it survives NO_COLOR and 16-colour terminals.
type Styles struct {
	Header   lipgloss.Style
	Selected lipgloss.Style
	Cell     lipgloss.Style
	Marker   string // drawn before the selected row, e.g. "▶"
	// Tone styles, for the cells a Toner marks.
	Good, Warn, Bad, Dim lipgloss.Style
}

func (st Styles) tone(t Tone) lipgloss.Style {
	switch t {
	case ToneGood:
		return st.Good
	case ToneWarn:
		return st.Warn
	case ToneBad:
		return st.Bad
	case ToneDim:
		return st.Dim
	}
	return st.Cell
}

// Model is the grid's state. Its zero value is not usable; call New.
type Model struct {
	cols   []Column
	widths []int
	src    Source
	// base is every row in sort order; view is base filtered.
	base []int
	view []int

	cursor int // index into view
	// pageSize is the rows per page chosen, or PageFit.
	pageSize int
	width    int
	height   int // rows available for the body, header excluded
	top      int // first row of the page drawn when the page is taller than the screen

	query  string
	filter filter
	// extraKeys are filter keys with no column of their own ("role" lives
	// in the "Label & role" column).
	extraKeys []string

	sortKey  string
	sortDesc bool
	compare  func(i, j int, key string) int

	styles Styles
}

// Comparer is an optional Source method for typed sorting; without it rows
// compare by Field, numerically when both values are numbers.
type Comparer interface {
	Compare(i, j int, key string) int
}

// New returns a grid over src.
func New(cols []Column, src Source, st Styles) Model {
	m := Model{cols: cols, pageSize: DefaultPageSize, styles: st, width: 80, height: DefaultPageSize}
	m.SetSource(src)
	m.layout()
	return m
}

// SetSource replaces the rows (new data arrived), keeping the filter, the
// sort and, when possible, the cursor's row.
func (m *Model) SetSource(src Source) {
	sel, had := m.Selected()
	m.src = src
	m.compare = nil
	if c, ok := src.(Comparer); ok {
		m.compare = c.Compare
	}
	n := src.Len()
	m.base = make([]int, n)
	for i := range m.base {
		m.base[i] = i
	}
	m.sortBase()
	m.view = m.filter.apply(m.src, m.base)
	if had && sel < n {
		m.SelectRow(sel)
	}
	m.clamp()
}

// Patch takes in that the source's rows listed changed (the number of rows
// stays), keeping the filter, the sort and the cursor's row, as SetSource
// would. Only the changed rows are compared and matched again; the others
// keep their place, so a change costs a pass over the row numbers, not a
// sort or a filter of every row.
func (m *Model) Patch(rows []int) {
	n := len(m.base)
	if m.src.Len() != n {
		m.SetSource(m.src) // rows came or went: not a patch
		return
	}
	rows = slices.DeleteFunc(slices.Clone(rows), func(r int) bool { return r < 0 || r >= n })
	if len(rows) == 0 {
		return
	}
	sorted, filtered := m.sortKey != "", len(m.filter.terms) > 0
	if !sorted && !filtered {
		return // base and view are every row in order: nothing moves
	}
	sel, had := m.Selected()
	changed := make([]bool, n)
	for _, r := range rows {
		changed[r] = true
	}
	var inView []bool
	if filtered {
		inView = make([]bool, n)
		for _, r := range m.view {
			inView[r] = true
		}
	}
	if sorted {
		m.resort(rows, changed)
	}
	if filtered {
		view := make([]int, 0, len(m.view)+len(rows))
		for _, r := range m.base {
			if changed[r] && m.filter.match(m.src, r) || !changed[r] && inView[r] {
				view = append(view, r)
			}
		}
		m.view = view
	} else {
		m.view = m.base
	}
	if had {
		m.SelectRow(sel)
	}
	m.clamp()
}

// resort puts the changed rows of base back in sort order: taken out, then
// each found its place among the others by binary search.
func (m *Model) resort(rows []int, changed []bool) {
	order := m.order()
	keep := slices.DeleteFunc(m.base, func(r int) bool { return changed[r] }) // in place; view is rebuilt after
	slices.SortFunc(rows, order)
	rows = slices.Compact(rows)
	pos := make([]int, len(rows))
	for j, r := range rows {
		pos[j], _ = slices.BinarySearchFunc(keep, r, order)
	}
	base := m.base[:len(keep)+len(rows)]
	hi := len(keep)
	for j := len(rows) - 1; j >= 0; j-- {
		copy(base[pos[j]+j+1:hi+j+1], keep[pos[j]:hi])
		base[pos[j]+j] = rows[j]
		hi = pos[j]
	}
	m.base = base
}

// Source returns the grid's source.
func (m Model) Source() Source { return m.src }

// SetSize sets the width and the height available to the grid, header
// included.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = max(width, 10), max(height-1, 1)
	m.layout()
	m.clamp()
}

// SetPageSize sets the rows per page, or PageFit.
func (m *Model) SetPageSize(n int) {
	if n < 1 && n != PageFit {
		n = DefaultPageSize
	}
	// The cursor's row stays selected; its page follows the new size.
	m.pageSize = n
	m.clamp()
}

// PageSize is the rows per page: with PageFit, the rows the grid has
// room for.
func (m Model) PageSize() int {
	if m.pageSize == PageFit {
		return max(m.height, 1)
	}
	return m.pageSize
}

// PageFits reports whether the page size is PageFit.
func (m Model) PageFits() bool { return m.pageSize == PageFit }

// PageSizeText names the page size: "15 per page", or "fit: 44 per page".
func (m Model) PageSizeText() string {
	if m.pageSize == PageFit {
		return fmt.Sprintf("fit: %d per page", m.PageSize())
	}
	return fmt.Sprintf("%d per page", m.pageSize)
}

// NextPageSize cycles through PageSizes.
func (m *Model) NextPageSize() {
	i := slices.Index(PageSizes, m.pageSize)
	m.SetPageSize(PageSizes[(i+1)%len(PageSizes)])
}

func (m *Model) layout() {
	m.widths = make([]int, len(m.cols))
	shown := 0
	for _, c := range m.cols {
		if !m.hidden(c) {
			shown++
		}
	}
	avail := m.width - 2 - (shown - 1) // marker column and one space between cells
	flex := 0
	for i, c := range m.cols {
		if m.hidden(c) {
			m.widths[i] = -1
			continue
		}
		// The sorted column keeps room for its marker (" ↑") beside its
		// whole title.
		least := 0
		if c.Key != "" && c.Key == m.sortKey {
			least = ansi.StringWidth(c.Title) + 2
		}
		if c.Width > 0 {
			m.widths[i] = max(c.Width, least)
			avail -= m.widths[i]
		} else {
			m.widths[i] = max(c.MinWidth, least)
			avail -= m.widths[i]
			flex++
		}
	}
	// Columns that want a width for their full text get it first.
	for i, c := range m.cols {
		if c.Width == 0 && c.Want > m.widths[i] && m.widths[i] >= 0 && avail > 0 {
			grow := min(c.Want-m.widths[i], avail)
			m.widths[i] += grow
			avail -= grow
		}
	}
	// Share what is left among the flexible columns; a column that
	// reaches its MaxWidth stops there and the others share the rest.
	capped := make([]bool, len(m.cols))
	for avail > 0 && flex > 0 {
		n, given := flex, 0
		for i, c := range m.cols {
			if c.Width != 0 || m.hidden(c) || capped[i] || n == 0 {
				continue
			}
			share := (avail - given) / n
			n--
			if c.MaxWidth > 0 && m.widths[i]+share >= c.MaxWidth {
				share = max(c.MaxWidth-m.widths[i], 0)
				capped[i] = true
				flex--
			}
			m.widths[i] += share
			given += share
		}
		avail -= given
		if given == 0 {
			break
		}
	}
	// Too narrow: take the shortfall from the widest columns, never
	// below 3 cells, so the last column stays on screen; the sorted
	// column keeps its title and marker.
	for avail < 0 {
		widest := -1
		for i, w := range m.widths {
			floor := 3
			if c := m.cols[i]; c.Key != "" && c.Key == m.sortKey {
				floor = ansi.StringWidth(c.Title) + 2
			}
			if w > floor && (widest < 0 || w > m.widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		m.widths[widest]--
		avail++
	}
}

func (m Model) hidden(c Column) bool { return c.HideBelow > 0 && m.width < c.HideBelow }

// Query is the current filter text.
func (m Model) Query() string { return m.query }

// SetFilter filters all rows by q: whitespace-separated terms that must all
// match; "key:value" matches a column's value, anything else the row's
// text. Typing one more character only re-checks the rows that matched.
func (m *Model) SetFilter(q string) {
	sel, had := m.Selected()
	f := parseFilter(q, m.cols, m.extraKeys)
	if f.narrows(m.filter) {
		m.view = f.apply(m.src, m.view)
	} else {
		m.view = f.apply(m.src, m.base)
	}
	m.query, m.filter = q, f
	m.cursor, m.top = 0, 0
	if had {
		m.SelectRow(sel)
	}
	m.clamp()
}

// SetFilterKeys adds filter keys that have no column of their own; the
// Source's Field answers them.
func (m *Model) SetFilterKeys(keys ...string) { m.extraKeys = append(m.extraKeys, keys...) }

// FilterError says what is wrong with the current filter ("" when fine).
func (m Model) FilterError() string { return m.filter.problem }

// SortBy sorts by a column key; the same key again reverses the order.
func (m *Model) SortBy(key string) {
	sel, had := m.Selected()
	if m.sortKey == key {
		m.sortDesc = !m.sortDesc
	} else {
		m.sortKey, m.sortDesc = key, false
	}
	m.layout() // the sorted column keeps room for its marker
	m.sortBase()
	m.view = m.filter.apply(m.src, m.base)
	if had {
		m.SelectRow(sel)
	}
	m.clamp()
}

// Sort returns the sort key and direction.
func (m Model) Sort() (key string, desc bool) { return m.sortKey, m.sortDesc }

func (m *Model) sortBase() {
	if m.sortKey == "" {
		return
	}
	slices.SortStableFunc(m.base, m.order())
}

// order compares two rows as the sort puts them: by the sort key, then by
// row number, so no two rows are equal.
func (m *Model) order() func(a, b int) int {
	key, src, desc := m.sortKey, m.src, m.sortDesc
	cmpFn := m.compare
	if cmpFn == nil {
		cmpFn = func(i, j int, key string) int { return compareValues(src.Field(i, key), src.Field(j, key)) }
	}
	return func(a, b int) int {
		c := cmpFn(a, b, key)
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a, b)
		}
		return c
	}
}

// compareValues compares in natural order: numbers as numbers, also
// inside text ("User 11" before "User 1000").
func compareValues(a, b string) int { return Natural(a, b) }

// Len is the number of rows after filtering.
func (m Model) Len() int { return len(m.view) }

// Total is the number of rows before filtering.
func (m Model) Total() int { return len(m.base) }

// Selected returns the source index of the selected row.
func (m Model) Selected() (int, bool) {
	if m.cursor < 0 || m.cursor >= len(m.view) {
		return 0, false
	}
	return m.view[m.cursor], true
}

// Cursor is the selected position in the filtered rows.
func (m Model) Cursor() int { return m.cursor }

// SelectRow moves the cursor to source row i, if it is in the view.
func (m *Model) SelectRow(i int) bool {
	for pos, r := range m.view {
		if r == i {
			m.cursor = pos
			m.clamp()
			return true
		}
	}
	return false
}

// Move moves the cursor by delta rows.
func (m *Model) Move(delta int) { m.cursor += delta; m.clamp() }

// Home and End jump to the first and last row.
func (m *Model) Home() { m.cursor = 0; m.clamp() }

// End jumps to the last row.
func (m *Model) End() { m.cursor = len(m.view) - 1; m.clamp() }

// NextPage moves to the same position on the next page.
func (m *Model) NextPage() {
	ps := m.PageSize()
	if (m.cursor/ps+1)*ps < len(m.view) {
		m.cursor = min(m.cursor+ps, len(m.view)-1)
		m.cursor = m.cursor / ps * ps
	}
	m.clamp()
}

// PrevPage moves to the first row of the previous page.
func (m *Model) PrevPage() {
	ps := m.PageSize()
	page := m.cursor / ps
	if page > 0 {
		m.cursor = (page - 1) * ps
	} else {
		m.cursor = 0
	}
	m.clamp()
}

func (m *Model) clamp() {
	if m.cursor >= len(m.view) {
		m.cursor = len(m.view) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	start, end := m.pageBounds()
	rows := min(m.height, end-start)
	if m.top < start || m.top > end {
		m.top = start
	}
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if rows > 0 && m.cursor >= m.top+rows {
		m.top = m.cursor - rows + 1
	}
	if m.top > end-rows { // no empty lines while the page has rows to show
		m.top = end - rows
	}
	if m.top < start {
		m.top = start
	}
}

// pageBounds returns the current page's rows [start, end).
func (m Model) pageBounds() (int, int) {
	ps := m.PageSize()
	start := m.cursor / ps * ps
	return start, min(start+ps, len(m.view))
}

// Range is the current page's first and last row (1-based) and the total.
func (m Model) Range() (from, to, total int) {
	start, end := m.pageBounds()
	if end == 0 {
		return 0, 0, 0
	}
	return start + 1, end, len(m.view)
}

// RangeText is "1-15 of 1000", with the unfiltered total when filtered.
func (m Model) RangeText() string {
	from, to, total := m.Range()
	s := fmt.Sprintf("%d-%d of %d", from, to, total)
	if total == 0 {
		s = "0 of 0"
	}
	if m.query != "" && total != len(m.base) {
		s += fmt.Sprintf(" (filtered from %d)", len(m.base))
	}
	return s
}

// Page is the 1-based page number and the number of pages.
func (m Model) Page() (page, pages int) {
	ps := m.PageSize()
	pages = max((len(m.view)+ps-1)/ps, 1)
	return m.cursor/ps + 1, pages
}

// RowAt maps a body line (0 = first row under the header) to a view
// position, for mouse clicks.
func (m Model) RowAt(line int) (int, bool) {
	_, end := m.pageBounds()
	pos := m.top + line
	if line < 0 || pos >= end || line >= m.height {
		return 0, false
	}
	return pos, true
}

// SetCursor moves the cursor to a view position.
func (m *Model) SetCursor(pos int) { m.cursor = pos; m.clamp() }

// View renders the header and the visible rows of the current page.
func (m Model) View() string {
	var b strings.Builder
	b.Grow((m.width + 1) * (m.height + 1))
	header := make([]string, len(m.cols))
	for i, c := range m.cols {
		title := c.Title
		if c.Key != "" && c.Key == m.sortKey {
			if m.sortDesc {
				title += " ↓"
			} else {
				title += " ↑"
			}
		}
		header[i] = title
	}
	b.WriteString(m.styles.Header.Render(m.line("  ", header)))
	if len(m.view) == 0 && m.filter.problem != "" {
		// A filter on a field that does not exist matches nothing: say
		// so where the rows would be, with the fields there are.
		for n, l := range strings.Split(lipgloss.Wrap(m.filter.problem, m.width-2, " "), "\n") {
			if n >= m.height {
				break
			}
			b.WriteByte('\n')
			b.WriteString(m.styles.Cell.Render(padTo("  "+l, m.width)))
		}
		return b.String()
	}
	toner, _ := m.src.(Toner)
	_, end := m.pageBounds()
	for pos := m.top; pos < end && pos < m.top+m.height; pos++ {
		b.WriteByte('\n')
		cells := m.src.Cells(m.view[pos])
		switch {
		case pos == m.cursor:
			marker := m.styles.Marker
			if marker == "" {
				marker = ">"
			}
			b.WriteString(m.styles.Selected.Render(m.line(ansi.Truncate(marker, 1, "")+" ", cells)))
		case toner != nil:
			b.WriteString(m.tonedLine(cells, toner.Tones(m.view[pos])))
		default:
			b.WriteString(m.styles.Cell.Render(m.line("  ", cells)))
		}
	}
	return b.String()
}

// line lays cells out in the column widths, padded to the grid's width.
func (m Model) line(prefix string, cells []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	used := 2
	first := true
	for i, w := range m.widths {
		if w < 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
			used++
		}
		first = false
		var c string
		if i < len(cells) {
			c = cells[i]
		}
		b.WriteString(m.cell(i, c))
		used += w
	}
	if used < m.width {
		b.WriteString(strings.Repeat(" ", m.width-used))
	}
	return ansi.Truncate(b.String(), m.width, "")
}

// cell cuts and pads one cell to its column's width. A control character
// in the data (a device's words) shows as an escape (plain.Visible),
// counted in the width, and does nothing to the terminal.
func (m Model) cell(i int, c string) string {
	w := m.widths[i]
	c = plain.Visible(c)
	if f := m.cols[i].Fit; f != nil && ansi.StringWidth(c) > w {
		c = f(c, w)
	}
	c = ansi.Truncate(c, w, "…")
	pad := strings.Repeat(" ", max(w-ansi.StringWidth(c), 0))
	if m.cols[i].Align == Right {
		return pad + c
	}
	return c + pad
}

// tonedLine is line for a row with toned cells: runs of plain cells are
// styled together, so a row costs one Render plus one per toned cell.
func (m Model) tonedLine(cells []string, tones []Tone) string {
	if !slices.ContainsFunc(tones, func(t Tone) bool { return t != ToneNone }) {
		return m.styles.Cell.Render(m.line("  ", cells))
	}
	var out, run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			out.WriteString(m.styles.Cell.Render(run.String()))
			run.Reset()
		}
	}
	run.WriteString("  ")
	used := 2
	first := true
	for i, w := range m.widths {
		if w < 0 {
			continue
		}
		if !first {
			if used+1 > m.width {
				break
			}
			run.WriteByte(' ')
			used++
		}
		first = false
		if used >= m.width {
			break
		}
		var c string
		if i < len(cells) {
			c = cells[i]
		}
		text := m.cell(i, c)
		// The last column may not fit a terminal narrower than the
		// columns' minimum widths.
		text = ansi.Truncate(text, m.width-used, "")
		if i < len(tones) && tones[i] != ToneNone {
			flush()
			out.WriteString(m.styles.tone(tones[i]).Render(text))
		} else {
			run.WriteString(text)
		}
		used += ansi.StringWidth(text)
	}
	if used < m.width {
		run.WriteString(strings.Repeat(" ", m.width-used))
	}
	flush()
	return out.String()
}

// SetStyles changes the grid's styles (theme switch).
func (m *Model) SetStyles(st Styles) { m.styles = st }

// SortNext sorts by the next column that has a key and returns its title.
func (m *Model) SortNext() string {
	start := slices.IndexFunc(m.cols, func(c Column) bool { return c.Key == m.sortKey })
	for step := 1; step <= len(m.cols); step++ {
		c := m.cols[(start+step+len(m.cols))%len(m.cols)]
		if c.Key != "" && !m.hidden(c) {
			m.sortKey = "" // SortBy on a new key sorts ascending
			m.SortBy(c.Key)
			return c.Title
		}
	}
	return ""
}

// SelectWhere moves the cursor to the first row in view for which match is
// true.
func (m *Model) SelectWhere(match func(i int) bool) bool {
	for pos, r := range m.view {
		if match(r) {
			m.cursor = pos
			m.clamp()
			return true
		}
	}
	return false
}

// padTo pads s with blanks to w cells.
func padTo(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
