package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// field is a one-line text input. It is deliberately small: no blinking
// cursor (screens stay idle for tests and SSH), masking for secrets, and an
// optional filter of accepted characters.
type field struct {
	value  []rune
	mask   bool
	accept func(r rune) bool
	limit  int
}

// key edits the field; it reports whether the key was used.
func (f *field) key(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "backspace", "ctrl+h":
		if len(f.value) > 0 {
			f.value = f.value[:len(f.value)-1]
		}
		return true
	case "ctrl+u":
		f.value = nil
		return true
	case "space":
		return f.insert(" ")
	}
	if msg.Text == "" || msg.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
		return false
	}
	return f.insert(msg.Text)
}

func (f *field) insert(s string) bool {
	for _, r := range s {
		if r < 0x20 || (f.accept != nil && !f.accept(r)) {
			continue
		}
		if f.limit > 0 && len(f.value) >= f.limit {
			break
		}
		f.value = append(f.value, r)
	}
	return true
}

func (f *field) paste(s string) { f.insert(strings.TrimSpace(s)) }

func (f *field) String() string { return string(f.value) }

func (f *field) set(s string) { f.value = []rune(s) }

// clear wipes the value; for secrets the backing array is zeroed too.
func (f *field) clear() {
	for i := range f.value {
		f.value[i] = 0
	}
	f.value = nil
}

// render shows the value (or bullets) and a cursor when focused.
func (f *field) render(width int, focused bool) string {
	s := string(f.value)
	if f.mask {
		s = strings.Repeat("•", len(f.value))
	}
	if focused {
		s += "▌"
	}
	return pad(s, width)
}

func digitsOnly(r rune) bool { return r >= '0' && r <= '9' }
