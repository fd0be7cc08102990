package store

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/guardroom/guardroom/store/plain"
)

// Every text the store keeps is plain text (package plain): UTF-8 with no
// control character. An operator's name, a panel's, a label or a note is
// shown on other operators' terminals, and a control character in it (ESC,
// or a C1 character such as U+009B) could set their window title, write
// their clipboard or repaint their screen. So every write path refuses
// such text here, naming the field; nothing stored needs a line break or
// a tab. What reaches the store from devices (their errors, the labels
// they report) is kept as said and escaped wherever it is shown.

// checkPlain refuses v unless it is plain text, naming the field and
// the first character that is not allowed.
func checkPlain(field, v string) error {
	p, bad := plain.Check(v)
	if !bad {
		return nil
	}
	return refuse(ErrInvalid, "%s: %s is not allowed; type plain text", field, plainProblem(p))
}

// plainProblem names what plain.Check found: "control character U+001B".
func plainProblem(p plain.Problem) string {
	if p.Invalid {
		return "a byte that is not UTF-8"
	}
	return fmt.Sprintf("control character %U", p.Rune)
}

// checkText trims a field an operator typed and refuses it empty (when
// required), longer than max characters, or not plain text.
func checkText(field, v string, required bool, max int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" && required {
		return "", refuse(ErrInvalid, "the %s is empty: enter it", field)
	}
	if err := checkPlain(field, v); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(v) > max {
		return "", refuse(ErrInvalid, "the %s is longer than %d characters: shorten it", field, max)
	}
	return v, nil
}

// visibleMap is m with every value made plain.Visible, or m itself when
// it is all plain text already (every map an accepted change logs).
func visibleMap(m map[string]string) map[string]string {
	for _, v := range m {
		if _, bad := plain.Check(v); !bad {
			continue
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[k] = plain.Visible(v)
		}
		return out
	}
	return m
}
