// Package plain says what plain text is, for everything guardroom stores
// and shows: UTF-8 with no control characters. The store refuses any
// other text in the fields an operator types (Check); text from elsewhere
// (devices, drivers, data stored before the rule) is shown through Visible
// or Styled, so it can never drive the terminal that shows it: set its
// title, write its clipboard (OSC 52), move the cursor or hide a line.
//
// Control characters are C0 (U+0000–U+001F: ESC, tab, line breaks...),
// DEL (U+007F) and C1 (U+0080–U+009F, which some terminals obey like ESC
// sequences: U+009B is CSI, U+009D is OSC). Visible writes each as a Go
// escape, always in hex: \x1b for C0 and DEL (\x09 for a tab), \u009b for C1,
// and \xff for a byte that is not UTF-8.
//
// The package imports nothing of guardroom's, so the store, the console,
// its grid and the command line all share it.
package plain

import (
	"strings"
	"unicode/utf8"
)

// IsControl reports whether r is a control character: C0, DEL or C1.
func IsControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }

// Problem is what Check found in a text.
type Problem struct {
	// Rune is the first control character, or utf8.RuneError for a byte
	// that is not UTF-8.
	Rune rune
	// Invalid is set for a byte that is not UTF-8.
	Invalid bool
}

// Check returns the first thing in s that plain text may not hold, and
// false when s is plain text.
func Check(s string) (Problem, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return Problem{Rune: rune(c)}, true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return Problem{Rune: utf8.RuneError, Invalid: true}, true
		}
		if IsControl(r) {
			return Problem{Rune: r}, true
		}
		i += n
	}
	return Problem{}, false
}

const hexDigits = "0123456789abcdef"

// needs reports whether Visible would change s.
func needs(s string) bool {
	_, bad := Check(s)
	return bad
}

// Visible returns s with every control character and every byte that is
// not UTF-8 written as a Go escape (\x1b, \u009b, \xff), so it shows as
// text and does nothing to a terminal. Plain text comes back unchanged
// and without a copy.
func Visible(s string) string {
	if !needs(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	appendVisible(&b, s)
	return b.String()
}

func appendVisible(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			escapeByte(b, s[i])
		case r < 0x20 || r == 0x7f:
			escapeByte(b, byte(r))
		case r >= 0x80 && r <= 0x9f:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

func escapeByte(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

// Lines is Visible for text of several lines: line feeds stay, every other
// control character is escaped. The command line's output goes through
// it.
func Lines(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return IsControl(r) && r != '\n' || r == utf8.RuneError }) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for first := true; ; first = false {
		line, rest, more := strings.Cut(s, "\n")
		if !first {
			b.WriteByte('\n')
		}
		appendVisible(&b, line)
		if !more {
			break
		}
		s = rest
	}
	return b.String()
}

// Styled is Lines for a console frame that guardroom styled itself: its
// colour and style sequences (SGR, ESC [ ... m) stay, line feeds stay, and
// every other control character or escape sequence is shown as text. A
// title (OSC 0), a clipboard write (OSC 52), a device control string (DCS,
// which tmux passes through to the terminal outside it) or a cursor
// movement that reached the frame from data cannot act.
func Styled(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return IsControl(r) && r != '\n' && r != 0x1b || r == utf8.RuneError }) &&
		!hasForeignEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			if n := sgrLen(s[i:]); n > 0 {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
		}
		if s[i] == '\n' {
			b.WriteByte('\n')
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		appendVisible(&b, s[i:i+n])
		i += n
	}
	return b.String()
}

// hasForeignEscape reports whether s holds an ESC that does not start an
// SGR sequence.
func hasForeignEscape(s string) bool {
	for i := strings.IndexByte(s, 0x1b); i >= 0; {
		n := sgrLen(s[i:])
		if n == 0 {
			return true
		}
		j := strings.IndexByte(s[i+n:], 0x1b)
		if j < 0 {
			return false
		}
		i += n + j
	}
	return false
}

// sgrLen is the length of the SGR sequence s starts with (ESC [, digits,
// ';' or ':', then 'm'), or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9' || c == ';' || c == ':':
		case c == 'm':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}
