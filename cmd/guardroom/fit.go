package main

import (
	"os"
	"unicode/utf8"

	"golang.org/x/term"
)

// termWidth is the width of the terminal standard output is, or 0 when it
// is not one (a pipe, a file, a script): then tables are printed whole.
func (e *env) termWidth() int {
	f, ok := terminalOf(e.stdout).(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// minFit is the narrowest a column is cut to.
const minFit = 8

// fitRows cuts cells so that rows, laid out as a table with two spaces
// between columns, fit in width. The columns of the first group in shrink
// are cut first: the widest of them loses a character at a time, down to
// its heading's width (at least minFit); if that is not enough the next
// group's go the same way. A cell that no longer fits ends in "…". rows[0]
// is the heading. A width of 0 leaves the rows whole.
func fitRows(rows [][]string, width int, shrink ...[]int) {
	if width <= 0 || len(rows) == 0 {
		return
	}
	cols := len(rows[0])
	widths := make([]int, cols)
	for _, r := range rows {
		for c, cell := range r {
			widths[c] = max(widths[c], utf8.RuneCountInString(cell))
		}
	}
	total := 2 * (cols - 1)
	for _, w := range widths {
		total += w
	}
	floor := func(c int) int { return max(minFit, utf8.RuneCountInString(rows[0][c])) }
	for _, group := range shrink {
		for total > width {
			best := -1
			for _, c := range group {
				if widths[c] > floor(c) && (best < 0 || widths[c] > widths[best]) {
					best = c
				}
			}
			if best < 0 {
				break
			}
			widths[best]--
			total--
		}
	}
	for _, r := range rows[1:] {
		for c := range r {
			r[c] = cut(r[c], widths[c])
		}
	}
}

// cut shortens s to n characters, the last one an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	k := 0
	for i := range s {
		if k == n-1 {
			return s[:i] + "…"
		}
		k++
	}
	return s
}
