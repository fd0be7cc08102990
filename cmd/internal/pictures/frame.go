package main

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// rgb is a colour; set is false for the terminal's default.
type rgb struct {
	set     bool
	r, g, b uint8
}

// style is a cell's SGR state.
type style struct {
	fg, bg                                          rgb
	bold, faint, italic, underline, reverse, strike bool
}

// cell is one cell of the screen: its character (empty for the right
// half of a wide one) and style.
type cell struct {
	text  string
	wide  bool
	style style
}

// parse reads a styled frame (lines of text and SGR sequences, as the
// terminal emulator renders its screen) into w x h cells. Sequences other
// than SGR are skipped.
func parse(frame string, w, h int) [][]cell {
	screen := make([][]cell, h)
	lines := strings.Split(strings.TrimSuffix(frame, "\n"), "\n")
	for y := range screen {
		row := make([]cell, 0, w)
		var st style
		if y < len(lines) {
			row = parseLine(lines[y], w, &st)
		}
		for len(row) < w {
			row = append(row, cell{text: " "})
		}
		screen[y] = row[:w]
	}
	return screen
}

func parseLine(line string, w int, st *style) []cell {
	var row []cell
	state := ansi.NormalState
	for len(line) > 0 {
		seq, width, n, next := ansi.DecodeSequence(line, state, nil)
		line, state = line[n:], next
		switch {
		case ansi.HasCsiPrefix(seq) && strings.HasSuffix(seq, "m"):
			st.apply(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(seq, "\x1b["), "\x9b"), "m"))
		case width > 0:
			row = append(row, cell{text: seq, wide: width > 1, style: *st})
			for range width - 1 {
				row = append(row, cell{style: *st})
			}
		}
	}
	return row[:min(len(row), w)]
}

// apply reads the parameters of one SGR sequence.
func (st *style) apply(params string) {
	ps := strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ':' })
	if len(ps) == 0 {
		*st = style{}
		return
	}
	num := func(i int) int {
		if i >= len(ps) {
			return 0
		}
		n, _ := strconv.Atoi(ps[i])
		return n
	}
	for i := 0; i < len(ps); i++ {
		switch p := num(i); {
		case p == 0:
			*st = style{}
		case p == 1:
			st.bold = true
		case p == 2:
			st.faint = true
		case p == 3:
			st.italic = true
		case p == 4:
			st.underline = true
		case p == 7:
			st.reverse = true
		case p == 9:
			st.strike = true
		case p == 22:
			st.bold, st.faint = false, false
		case p == 23:
			st.italic = false
		case p == 24:
			st.underline = false
		case p == 27:
			st.reverse = false
		case p == 29:
			st.strike = false
		case p >= 30 && p <= 37:
			st.fg = indexed(p - 30)
		case p >= 90 && p <= 97:
			st.fg = indexed(p - 90 + 8)
		case p >= 40 && p <= 47:
			st.bg = indexed(p - 40)
		case p >= 100 && p <= 107:
			st.bg = indexed(p - 100 + 8)
		case p == 39:
			st.fg = rgb{}
		case p == 49:
			st.bg = rgb{}
		case p == 38 || p == 48 || p == 58:
			var c rgb
			switch num(i + 1) {
			case 5:
				c, i = indexed(num(i+2)), i+2
			case 2:
				c, i = rgb{true, uint8(num(i + 2)), uint8(num(i + 3)), uint8(num(i + 4))}, i+4
			}
			switch p {
			case 38:
				st.fg = c
			case 48:
				st.bg = c
			}
		}
	}
}

// basic are xterm's sixteen colours.
var basic = [16]rgb{
	{true, 0, 0, 0}, {true, 205, 0, 0}, {true, 0, 205, 0}, {true, 205, 205, 0},
	{true, 0, 0, 238}, {true, 205, 0, 205}, {true, 0, 205, 205}, {true, 229, 229, 229},
	{true, 127, 127, 127}, {true, 255, 0, 0}, {true, 0, 255, 0}, {true, 255, 255, 0},
	{true, 92, 92, 255}, {true, 255, 0, 255}, {true, 0, 255, 255}, {true, 255, 255, 255},
}

// indexed is colour n of xterm's 256: the sixteen, a 6x6x6 cube, 24 greys.
func indexed(n int) rgb {
	switch {
	case n < 0 || n > 255:
		return rgb{}
	case n < 16:
		return basic[n]
	case n < 232:
		n -= 16
		level := func(v int) uint8 {
			if v == 0 {
				return 0
			}
			return uint8(55 + 40*v)
		}
		return rgb{true, level(n / 36), level(n / 6 % 6), level(n % 6)}
	}
	g := uint8(8 + 10*(n-232))
	return rgb{true, g, g, g}
}
