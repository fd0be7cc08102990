package main

import (
	"fmt"
	"strings"
)

// canvas is a theme's terminal: the background the console is drawn on
// and the colour of text that sets none. The themes colour what they
// draw and leave the rest to the terminal; these are the terminals their
// palettes are made for.
type canvas struct{ fg, bg rgb }

var canvases = map[string]canvas{
	"dark":  {fg: rgb{true, 216, 222, 233}, bg: rgb{true, 21, 24, 30}},
	"light": {fg: rgb{true, 28, 35, 48}, bg: rgb{true, 255, 255, 255}},
}

// A cell's size in the picture, the font's size and the margin around
// the screen, in pixels. Each run of text is stretched to its cells
// (textLength), so the columns line up whatever monospace font the
// viewer has.
const (
	cellW, cellH = 9, 18
	fontSize     = 15
	baseline     = 14
	margin       = 12
)

// svg draws the cells on the canvas.
func svg(screen [][]cell, c canvas) []byte {
	w := 0
	if len(screen) > 0 {
		w = len(screen[0])
	}
	width, height := w*cellW+2*margin, len(screen)*cellH+2*margin
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" rx="8" fill="%s"/>`+"\n", width, height, c.bg.hex())
	b.WriteString(`<g shape-rendering="crispEdges">` + "\n")
	for y, row := range screen {
		for _, r := range runs(row, func(a, b cell) bool { return c.colours(a.style).bg == c.colours(b.style).bg }) {
			if bg := c.colours(row[r.from].style).bg; bg != c.bg {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n",
					margin+r.from*cellW, margin+y*cellH, (r.to-r.from)*cellW, cellH, bg.hex())
			}
		}
	}
	b.WriteString("</g>\n")
	fmt.Fprintf(&b, `<g font-family="ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="%d" xml:space="preserve">`+"\n", fontSize)
	for y, row := range screen {
		for _, r := range runs(row, sameText) {
			text := ""
			for _, cl := range row[r.from:r.to] {
				text += cl.text
			}
			st := row[r.from].style
			if strings.TrimSpace(text) == "" && !st.underline && !st.strike {
				continue
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" textLength="%d" lengthAdjust="spacingAndGlyphs" fill="%s"%s>%s</text>`+"\n",
				margin+r.from*cellW, margin+y*cellH+baseline, (r.to-r.from)*cellW, c.colours(st).fg.hex(), attrs(st), escape(text))
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return []byte(b.String())
}

// colours are a style's colours on the canvas, reverse video applied.
func (c canvas) colours(st style) (out struct{ fg, bg rgb }) {
	out.fg, out.bg = st.fg, st.bg
	if !out.fg.set {
		out.fg = c.fg
	}
	if !out.bg.set {
		out.bg = c.bg
	}
	if st.reverse {
		out.fg, out.bg = out.bg, out.fg
	}
	return out
}

// span is the cells [from, to) of a row.
type span struct{ from, to int }

// runs cuts a row into spans of cells that same says belong together.
func runs(row []cell, same func(a, b cell) bool) []span {
	var out []span
	for x := 0; x < len(row); {
		end := x + 1
		for end < len(row) && same(row[x], row[end]) {
			end++
		}
		out = append(out, span{x, end})
		x = end
	}
	return out
}

// sameText: two cells are drawn in one text run when they look the same;
// a wide character is a run of its own, so textLength spreads no other
// character over its cells.
func sameText(a, b cell) bool {
	return a.style == b.style && !a.wide && !b.wide && b.text != ""
}

func attrs(st style) string {
	var s string
	if st.bold {
		s += ` font-weight="bold"`
	}
	if st.italic {
		s += ` font-style="italic"`
	}
	if st.faint {
		s += ` fill-opacity="0.6"`
	}
	switch {
	case st.underline && st.strike:
		s += ` text-decoration="underline line-through"`
	case st.underline:
		s += ` text-decoration="underline"`
	case st.strike:
		s += ` text-decoration="line-through"`
	}
	return s
}

func (c rgb) hex() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return xmlEscaper.Replace(s) }
