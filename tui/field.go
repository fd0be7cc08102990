package tui

import (
	"strings"

	keybind "charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// field is a one-line text input: the bubbles textinput does the editing
// (the cursor, word jumps and deletes, the character limit, the password
// echo), and field keeps the small API the dialogs use. Its cursor never
// blinks (screens stay idle for tests and SSH) and is drawn as ▌ at the
// insertion point, so it shows in every theme, in NO_COLOR and in the
// golden screens. A zero field is ready to use.
type field struct {
	mask   bool              // a secret: shown as bullets
	accept func(r rune) bool // the characters it takes; nil takes all
	limit  int               // the most characters; 0 is no limit
	in     textinput.Model
	ready  bool
}

// fieldKeys are the editing keys, readline's: the focus keys (tab, ↑/↓,
// enter) and ctrl+u (clear) stay the dialog's and the field's own, and
// nothing reads the system clipboard (a paste arrives as a tea.PasteMsg,
// locally and over SSH).
var fieldKeys = textinput.KeyMap{
	CharacterForward:        keybind.NewBinding(keybind.WithKeys("right")),
	CharacterBackward:       keybind.NewBinding(keybind.WithKeys("left")),
	WordForward:             keybind.NewBinding(keybind.WithKeys("alt+right", "ctrl+right", "alt+f")),
	WordBackward:            keybind.NewBinding(keybind.WithKeys("alt+left", "ctrl+left", "alt+b")),
	DeleteWordBackward:      keybind.NewBinding(keybind.WithKeys("alt+backspace", "ctrl+w")),
	DeleteWordForward:       keybind.NewBinding(keybind.WithKeys("alt+delete", "alt+d")),
	DeleteAfterCursor:       keybind.NewBinding(keybind.WithKeys("ctrl+k")),
	DeleteCharacterBackward: keybind.NewBinding(keybind.WithKeys("backspace", "ctrl+h")),
	DeleteCharacterForward:  keybind.NewBinding(keybind.WithKeys("delete", "ctrl+d")),
	LineStart:               keybind.NewBinding(keybind.WithKeys("home", "ctrl+a")),
	LineEnd:                 keybind.NewBinding(keybind.WithKeys("end", "ctrl+e")),
}

// editing lists fieldKeys' bindings, for key to tell its keys apart.
var editing = []keybind.Binding{
	fieldKeys.CharacterForward, fieldKeys.CharacterBackward,
	fieldKeys.WordForward, fieldKeys.WordBackward,
	fieldKeys.DeleteWordBackward, fieldKeys.DeleteWordForward,
	fieldKeys.DeleteAfterCursor, fieldKeys.DeleteCharacterBackward,
	fieldKeys.DeleteCharacterForward, fieldKeys.LineStart, fieldKeys.LineEnd,
}

// model is the textinput, made on first use and told the field's mask
// and limit (a dialog may change them, as the identifier form does when
// the kind becomes an access code).
func (f *field) model() *textinput.Model {
	if !f.ready {
		f.in = textinput.New()
		f.in.Prompt, f.in.EchoCharacter, f.in.KeyMap = "", '•', fieldKeys
		st := f.in.Styles()
		st.Cursor.Blink = false
		f.in.SetStyles(st)
		f.in.Focus() // it takes keys; the dialog says whether it shows focus
		f.ready = true
	}
	f.in.CharLimit = f.limit
	f.in.EchoMode = textinput.EchoNormal
	if f.mask {
		f.in.EchoMode = textinput.EchoPassword
	}
	return &f.in
}

// key edits the field; it reports whether the key was used.
func (f *field) key(msg tea.KeyPressMsg) bool {
	switch {
	case msg.String() == "ctrl+u":
		f.clear()
		return true
	case msg.String() == "space":
		return f.insert(" ")
	case keybind.Matches(msg, editing...):
		f.in, _ = f.model().Update(msg) // a static cursor asks for no Cmd
		return true
	}
	if msg.Text == "" || msg.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
		return false
	}
	return f.insert(msg.Text)
}

// insert types s at the cursor: control characters and those accept
// refuses are dropped before they reach the textinput, and what passes
// the limit is cut.
func (f *field) insert(s string) bool {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (f.accept != nil && !f.accept(r)) {
			return -1
		}
		return r
	}, s)
	if s != "" {
		f.in, _ = f.model().Update(tea.PasteMsg{Content: s})
	}
	return true
}

func (f *field) paste(s string) { f.insert(strings.TrimSpace(s)) }

func (f *field) String() string { return f.in.Value() }

// len is the number of characters typed (the dialogs ask whether
// anything was, to warn before an edit is lost).
func (f *field) len() int {
	return len([]rune(f.in.Value()))
}

// set replaces the value and puts the cursor at its end.
func (f *field) set(s string) {
	m := f.model()
	m.SetValue(s)
	m.CursorEnd()
}

// clear wipes the value. The textinput keeps its runes unexported and
// Reset only drops them, so the last array is first overwritten in place
// through its own edits: deleting from the start keeps the array, and
// typing into the emptied value writes over it. As before, arrays left
// behind when the value grew are not reachable to wipe, and String's
// copies are the caller's.
func (f *field) clear() {
	m := f.model()
	m.CursorEnd()
	n := m.Position()
	if n > 0 {
		m.CursorStart()
		limit := m.CharLimit
		m.CharLimit = 0
		*m, _ = m.Update(tea.KeyPressMsg{Code: 'k', Mod: tea.ModCtrl}) // DeleteAfterCursor
		*m, _ = m.Update(tea.PasteMsg{Content: strings.Repeat(" ", n)})
		m.CharLimit = limit
	}
	m.Reset()
}

// render shows the value (or bullets) and, when focused, the cursor at the
// insertion point. A value wider than width scrolls to keep the cursor in
// sight, with … where it is cut.
func (f *field) render(width int, focused bool) string {
	v := []rune(f.in.Value())
	if f.mask {
		v = []rune(strings.Repeat("•", len(v)))
	}
	if !focused {
		return pad(string(v), width)
	}
	pos := min(f.in.Position(), len(v))
	before, after := string(v[:pos]), string(v[pos:])
	wb := ansi.StringWidth(before)
	room := width - 1 // the columns before the cursor
	if wb+1+ansi.StringWidth(after) > width && after != "" {
		room-- // the last column shows … of the cut end
	}
	if cut := wb - room; cut > 0 && room > 1 {
		// The cursor is out of sight: … and the end of before lead to it.
		before = "…" + ansi.TruncateLeft(before, cut+1, "")
	}
	return pad(before+"▌"+after, width)
}

func digitsOnly(r rune) bool { return r >= '0' && r <= '9' }
