package tui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/themes"
)

// testForm is a small form on the engine: a heading, a text field that
// must be a number, a choice, a toggle, a section that shows only while
// the toggle is on, and a Save button.
type testForm struct {
	*form
	name, number field
	color        int
	more         bool
	extra        field
	picked       int
	saved        []string
}

func newTestForm() *testForm {
	d := &testForm{}
	d.form = newForm(&common{theme: themes.Dark()}, "Test", d.stops)
	return d
}

func (d *testForm) stops() []fstop {
	st := []fstop{
		{kind: skHead, label: "General"},
		{kind: skText, label: "Name", f: &d.name},
		{kind: skText, label: "Number", f: &d.number, check: func(v string) error {
			if strings.Trim(v, "0123456789") != "" {
				return errors.New("digits only")
			}
			return nil
		}},
		noFocus(""),
		{kind: skChoice, label: "Colour", opts: []string{"red", "green", "blue"}, idx: &d.color},
		{kind: skToggle, label: "More", on: &d.more},
	}
	if d.more {
		st = append(st, fstop{kind: skText, label: "Extra", f: &d.extra, pick: func() tea.Cmd { d.picked++; return nil }})
	}
	return append(st, fstop{kind: skButton, label: "Save", press: func() tea.Cmd {
		if !d.valid() {
			return nil
		}
		d.saved = append(d.saved, d.name.String()+"/"+d.number.String())
		return nil
	}})
}

// focused is the label of the stop under the focus.
func (d *testForm) focused() string { return d.cur(d.build()).label }

func (d *testForm) press(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, closed := d.update(key(k)); closed {
			t.Fatalf("the form closed on %q", k)
		}
	}
}

func (d *testForm) typ(text string) {
	for _, r := range text {
		d.update(key(string(r)))
	}
}

func TestFormEngine(t *testing.T) {
	t.Run("focus order skips headings and lines, and wraps", func(t *testing.T) {
		d := newTestForm()
		var got []string
		for range 6 {
			got = append(got, d.focused())
			d.press(t, "tab")
		}
		want := []string{"Name", "Number", "Colour", "More", "Save", "Name"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("tab visits %v, want %v", got, want)
		}
		d.press(t, "shift+tab", "shift+tab") // from Number, past the first stop
		if d.focused() != "Save" {
			t.Fatalf("shift+tab from the first stop is on %q, want Save", d.focused())
		}
		d.press(t, "up", "up", "down")
		if d.focused() != "More" {
			t.Fatalf("up, up, down from Save is on %q, want More", d.focused())
		}
	})
	t.Run("a stop shown only while a toggle is on joins the order", func(t *testing.T) {
		d := newTestForm()
		d.press(t, "tab", "tab", "tab", "space", "tab")
		if !d.more || d.focused() != "Extra" {
			t.Fatalf("after More: more %v, focus on %q; want true, Extra", d.more, d.focused())
		}
		d.press(t, "enter") // the stop's own picker
		if d.picked != 1 || d.focused() != "Extra" {
			t.Fatalf("enter on Extra: picked %d, focus %q; want the picker once, focus kept", d.picked, d.focused())
		}
		// Off again while the focus is past it: the focus stays on a stop.
		d.press(t, "tab")
		d.more = false
		if d.focused() != "Save" {
			t.Fatalf("with Extra gone the focus is on %q, want Save", d.focused())
		}
	})
	t.Run("a field stop takes text, space and paste", func(t *testing.T) {
		d := newTestForm()
		d.typ("Ann")
		d.press(t, "space")
		d.typ("B")
		d.update(tea.PasteMsg{Content: "  Cole \n"})
		if got := d.name.String(); got != "Ann BCole" {
			t.Fatalf("the name reads %q, want %q", got, "Ann BCole")
		}
		if !d.editing() {
			t.Fatal("a form with typing in it does not say it is being edited")
		}
		d.press(t, "enter")
		if d.focused() != "Number" {
			t.Fatalf("enter on a text field moved to %q, want Number", d.focused())
		}
	})
	t.Run("a choice stop cycles both ways and a toggle flips", func(t *testing.T) {
		d := newTestForm()
		d.press(t, "tab", "tab")
		d.press(t, "space", "right")
		if d.color != 2 {
			t.Fatalf("space, right: colour %d, want 2", d.color)
		}
		d.press(t, "right", "left")
		if d.color != 2 {
			t.Fatalf("right, left from 2: colour %d, want 2 (it wraps both ways)", d.color)
		}
		d.typ("x") // a letter on a choice types nowhere
		if d.name.String()+d.number.String() != "" {
			t.Fatal("a letter typed on a choice went into a field")
		}
		d.press(t, "tab", "enter", "enter", "space")
		if !d.more {
			t.Fatal("enter, enter, space on a toggle left it off")
		}
	})
	t.Run("a bad field is named on leaving and on save, and saving waits", func(t *testing.T) {
		d := newTestForm()
		d.typ("Ann")
		d.press(t, "tab")
		d.typ("4x")
		d.press(t, "tab")
		if d.ferr[&d.number] != "digits only" {
			t.Fatalf("leaving a bad number: error %q, want digits only", d.ferr[&d.number])
		}
		d.press(t, "tab", "tab", "enter") // on Save
		if len(d.saved) != 0 || d.focused() != "Number" || d.err != "Number: digits only" {
			t.Fatalf("saved %v, focus %q, error %q; want nothing saved, the focus back on Number with its error",
				d.saved, d.focused(), d.err)
		}
		if scr := ansi.Strip(d.view(80, 24)); !strings.Contains(scr, "digits only") {
			t.Fatalf("the form does not show the field's error:\n%s", scr)
		}
		d.press(t, "backspace")
		if d.err != "" || d.ferr[&d.number] != "" {
			t.Fatalf("typing kept the errors: %q, %q", d.err, d.ferr[&d.number])
		}
		d.update(promptErrMsg{notNow("the store refused: name another")})
		if !strings.Contains(ansi.Strip(d.view(80, 24)), "the store refused: name another") {
			t.Fatal("the store's refusal is not shown inside the form")
		}
		d.press(t, "tab", "tab", "tab", "enter")
		if strings.Join(d.saved, ",") != "Ann/4" {
			t.Fatalf("saved %v, want Ann/4", d.saved)
		}
	})
	t.Run("esc and the store's success close it, and the secret is wiped", func(t *testing.T) {
		for _, msg := range []tea.Msg{key("esc"), closeDialogMsg{}} {
			d := newTestForm()
			d.closing = d.name.clear
			d.typ("1234")
			if _, closed := d.update(msg); !closed {
				t.Fatalf("%T did not close the form", msg)
			}
			if d.name.String() != "" {
				t.Fatalf("%T left the field %q", msg, d.name.String())
			}
		}
	})
	t.Run("a stop's own keys come first, and after runs once per change", func(t *testing.T) {
		d := newTestForm()
		changes, scrolled := 0, 0
		d.after = func() tea.Cmd { changes++; return nil }
		st := d.stops
		d.build = func() []fstop {
			out := st()
			out[1].keys = func(msg tea.KeyPressMsg) (tea.Cmd, bool) {
				if msg.String() == "down" {
					scrolled++
					return nil, true
				}
				return nil, false
			}
			return out
		}
		d.press(t, "down")
		if scrolled != 1 || d.focused() != "Name" {
			t.Fatalf("down on a stop that takes it: taken %d times, focus %q; want once, on Name", scrolled, d.focused())
		}
		d.typ("ab")
		d.press(t, "tab", "tab", "space")
		if changes != 3 {
			t.Fatalf("after ran %d times for two letters and a flip, want 3", changes)
		}
	})
	t.Run("the foot form draws its button beside the hint", func(t *testing.T) {
		d := newTestForm()
		d.footButton, d.hint = true, "tab/↑↓ move · esc cancel"
		d.press(t, "shift+tab")
		scr := ansi.Strip(d.view(80, 24))
		if !strings.Contains(scr, ">  Save    tab/↑↓ move · esc cancel") || strings.Count(scr, "Save") != 1 {
			t.Fatalf("the button is not in the foot with the hint:\n%s", scr)
		}
	})
}
