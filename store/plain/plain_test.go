package plain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		in      string
		bad     bool
		r       rune
		invalid bool
	}{
		{"Front door", false, 0, false},
		{"Åsa Öberg – 北", false, 0, false},
		{"", false, 0, false},
		{"a\x1b]0;owned\a", true, 0x1b, false},
		{"tab\there", true, '\t', false},
		{"line\nbreak", true, '\n', false},
		{"del\x7f", true, 0x7f, false},
		{"csi\u009b31m", true, 0x9b, false},
		{"c1 start\u0080", true, 0x80, false},
		{"c1 end\u009f", true, 0x9f, false},
		{"after c1\u00a0nbsp", false, 0, false},
		{"bad \xff byte", true, utf8.RuneError, true},
		{"lone \x9b byte", true, utf8.RuneError, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			p, bad := Check(c.in)
			if bad != c.bad || p.Rune != c.r || p.Invalid != c.invalid {
				t.Fatalf("Check(%q) = %+v, %v; want %U invalid=%v, %v", c.in, p, bad, c.r, c.invalid, c.bad)
			}
		})
	}
}

func TestVisible(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Front door", "Front door"},
		{"a\x1b]52;c;aGk=\a", `a\x1b]52;c;aGk=\x07`},
		{"x\u009b2Jy", `x\u009b2Jy`},
		{"t\tn\nr\r", `t\x09n\x0ar\x0d`},
		{"del\x7f", `del\x7f`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"Åsa\u00a0Ö", "Åsa\u00a0Ö"},
	}
	for _, c := range cases {
		if got := Visible(c.in); got != c.want {
			t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Visible(c.in); strings.ContainsFunc(got, IsControl) {
			t.Errorf("Visible(%q) = %q holds a control character", c.in, got)
		}
	}
}

func TestLines(t *testing.T) {
	in := "one \x1b[2J\ntwo\u009d0;t\x07\n"
	want := "one \\x1b[2J\ntwo\\u009d0;t\\x07\n"
	if got := Lines(in); got != want {
		t.Fatalf("Lines(%q) = %q, want %q", in, got, want)
	}
	if got := Lines("plain\ntext\n"); got != "plain\ntext\n" {
		t.Fatalf("Lines changed plain text: %q", got)
	}
}

func TestStyled(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"colours stay", "\x1b[1;38;2;1:2:3mbold\x1b[m\nnext", "\x1b[1;38;2;1:2:3mbold\x1b[m\nnext"},
		{"title", "\x1b[7mName \x1b]0;owned\x07\x1b[m", "\x1b[7mName \\x1b]0;owned\\x07\x1b[m"},
		{"clipboard", "x\x1b]52;c;aGk=\x1b\\y", `x\x1b]52;c;aGk=\x1b\y`},
		{"dcs passthrough", "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\", `\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\`},
		{"cursor", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"c1 csi", "a\u009b2Jb", `a\u009b2Jb`},
		{"bell and cr", "a\a\rb", `a\x07\x0db`},
		{"cut sgr", "a\x1b[31", `a\x1b[31`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Styled(c.in); got != c.want {
				t.Fatalf("Styled(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
