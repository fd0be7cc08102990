package themes

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestByName(t *testing.T) {
	for _, n := range Names() {
		th, ok := ByName(n)
		if !ok || th.Name != n {
			t.Errorf("ByName(%q) = %q, %v", n, th.Name, ok)
		}
	}
	if _, ok := ByName("sepia"); ok {
		t.Error("unknown theme accepted")
	}
}

// Selection must show without colour: every theme's selected style alters
// the text with something other than a foreground colour alone.
func TestSelectionVisibleWithoutColour(t *testing.T) {
	for _, n := range Names() {
		th, _ := ByName(n)
		out := th.Selected.Render("row")
		plain := ansi.Strip(out)
		if plain != "row" {
			t.Errorf("%s: selected text altered: %q", n, plain)
		}
		if !strings.Contains(out, "\x1b[") {
			t.Errorf("%s: selected row has no styling at all", n)
		}
		if th.Marker == "" {
			t.Errorf("%s: no selection marker", n)
		}
	}
}

var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// colourParams returns the colour parameters of every SGR sequence in s.
func colourParams(s string) []string {
	var out []string
	for _, m := range sgr.FindAllStringSubmatch(s, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if n == 38 || n == 48 || (n >= 30 && n <= 37) || (n >= 40 && n <= 47) || (n >= 90 && n <= 107) {
				out = append(out, p)
			}
		}
	}
	return out
}

func TestPlainHasNoColour(t *testing.T) {
	th := Plain()
	for _, s := range []string{th.Header.Render("x"), th.Bad.Render("x"), th.TabActive.Render("x"), th.Selected.Render("x"), th.Modal.Render("x")} {
		if c := colourParams(s); len(c) > 0 {
			t.Errorf("plain theme emits colour %v in %q", c, s)
		}
	}
	if c := colourParams(Dark().Bad.Render("x")); len(c) == 0 {
		t.Error("the check finds no colour even in the dark theme")
	}
}
