package tui

import (
	"strings"
	"testing"
)

// edit runs steps on f: "+text" types text, "|text" pastes it, and any
// other step is a key name (see key).
func edit(f *field, steps ...string) {
	for _, s := range steps {
		switch {
		case strings.HasPrefix(s, "+"):
			for _, r := range s[1:] {
				f.key(key(string(r)))
			}
		case strings.HasPrefix(s, "|"):
			f.paste(s[1:])
		default:
			f.key(key(s))
		}
	}
}

func TestFieldEditing(t *testing.T) {
	cases := []struct {
		name  string
		f     field
		steps []string
		want  string // the value
		shown string // render(20, true), trailing spaces trimmed
	}{
		{"insert in the middle", field{}, []string{"+helo", "left", "+l"}, "hello", "hell▌o"},
		{"home, then type", field{}, []string{"+world", "home", "+hello", "space"}, "hello world", "hello ▌world"},
		{"ctrl+a and ctrl+e", field{}, []string{"+bc", "ctrl+a", "+a", "ctrl+e", "+d"}, "abcd", "abcd▌"},
		{"end after moving", field{}, []string{"+ac", "home", "end", "+e"}, "ace", "ace▌"},
		{"right stops at the end", field{}, []string{"+ab", "home", "right", "right", "right", "+c"}, "abc", "abc▌"},
		{"backspace in the middle", field{}, []string{"+helxlo", "left", "left", "backspace"}, "hello", "hel▌lo"},
		{"delete forward", field{}, []string{"+xhello", "home", "delete"}, "hello", "▌hello"},
		{"ctrl+w deletes a word", field{}, []string{"+hello big world", "ctrl+w"}, "hello big ", "hello big ▌"},
		{"alt+backspace deletes a word", field{}, []string{"+hello big world", "alt+backspace", "alt+backspace"}, "hello ", "hello ▌"},
		{"ctrl+w in the middle", field{}, []string{"+one two three", "alt+left", "ctrl+w", "+2 "}, "one 2 three", "one 2 ▌three"},
		{"alt+left jumps a word", field{}, []string{"+hello world", "alt+left", "+big "}, "hello big world", "hello big ▌world"},
		{"alt+right jumps a word", field{}, []string{"+hello world", "home", "alt+right", "+,"}, "hello, world", "hello,▌ world"},
		{"ctrl+k cuts to the end", field{}, []string{"+ana exampel", "home", "alt+right", "ctrl+k"}, "ana", "ana▌"},
		{"ctrl+u clears all", field{}, []string{"+hello", "left", "left", "ctrl+u"}, "", "▌"},
		{"paste in the middle", field{}, []string{"+ana@example.com", "home", "|  dana. "}, "dana.ana@example.com", "dana.▌ana@example.com"},
		{"limit", field{limit: 4}, []string{"+abcdef", "home", "+z", "|xy"}, "abcd", "▌abcd"},
		{"limit cuts a paste", field{limit: 4}, []string{"+ad", "left", "|bcxyz"}, "abcd", "abc▌d"},
		{"accept filter", field{accept: digitsOnly, limit: 6}, []string{"+1a2 b3", "home", "|4-5", "space"}, "45123", "45▌123"},
		{"control characters dropped", field{}, []string{"|a\tb\nc"}, "abc", "abc▌"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			edit(&f, tc.steps...)
			if got := f.String(); got != tc.want {
				t.Errorf("value %q, want %q", got, tc.want)
			}
			if got := strings.TrimRight(f.render(30, true), " "); got != tc.shown {
				t.Errorf("shown %q, want %q", got, tc.shown)
			}
		})
	}
}

// The dialogs keep their keys: focus moves, enter, esc, the confirm key.
func TestFieldLeavesDialogKeys(t *testing.T) {
	for _, k := range []string{"tab", "shift+tab", "up", "down", "enter", "esc", "ctrl+y", "pgup", "pgdown"} {
		f := field{}
		edit(&f, "+ab", "left")
		if f.key(key(k)) {
			t.Errorf("the field took %s", k)
		}
		if f.String() != "ab" {
			t.Errorf("%s changed the value to %q", k, f.String())
		}
	}
}

func TestFieldMaskNeverShowsTheSecret(t *testing.T) {
	const secret = "s3cr3t word"
	f := field{mask: true}
	edit(&f, "+"+secret, "left", "alt+left", "+x", "home", "right")
	for _, focused := range []bool{true, false} {
		for _, w := range []int{4, 8, 30} {
			shown := f.render(w, focused)
			if strings.ContainsAny(shown, "s3crtwodx") {
				t.Errorf("render(%d, %v) = %q shows the secret", w, focused, shown)
			}
		}
	}
	// A masked field hides word breaks: alt+left went to the start.
	if got := f.String(); got != "x"+secret {
		t.Errorf("value %q, want %q", got, "x"+secret)
	}
	if got := strings.TrimRight(f.render(30, true), " "); got != "•▌"+strings.Repeat("•", len(secret)) {
		t.Errorf("shown %q", got)
	}
}

// clear overwrites the runes the textinput held: a copy of the field made
// before (sharing its array) reads no secret afterwards.
func TestFieldClearWipesTheValue(t *testing.T) {
	f := field{mask: true, limit: 16}
	edit(&f, "+86429753")
	before := f
	f.clear()
	if f.String() != "" || f.len() != 0 {
		t.Fatalf("cleared field holds %q", f.String())
	}
	if got := before.String(); strings.ContainsAny(got, "0123456789") {
		t.Errorf("the array behind the cleared value still reads %q", got)
	}
	edit(&f, "+12")
	if f.String() != "12" {
		t.Errorf("typing after clear gives %q", f.String())
	}
}

// A value wider than the field scrolls to keep the cursor in sight.
func TestFieldRenderScrolls(t *testing.T) {
	cases := []struct {
		name  string
		steps []string
		want  string
	}{
		{"cursor at the end", []string{"+abcdefghijkl"}, "…ghijkl▌"},
		{"cursor at the start", []string{"+abcdefghijkl", "home"}, "▌abcdef…"},
		{"fits exactly", []string{"+abcdefg"}, "abcdefg▌"},
		{"cursor in the middle, late", []string{"+abcdefghijkl", "left", "left", "left"}, "…efghi▌…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := field{}
			edit(&f, tc.steps...)
			if got := f.render(8, true); got != tc.want {
				t.Errorf("render(8) = %q, want %q", got, tc.want)
			}
		})
	}
}

// A typo at the start of an email is fixed where it is, in a real dialog:
// home, delete, and the account is found and assigned.
func TestAssignAccountFixTypoAtStart(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 7) // code, no account
	c.press("a")
	c.waitScreen("Assign account to panel "+mainName, "← 7 Courier · User →")
	c.typ("x" + emailFree)
	c.waitScreen("> x" + emailFree + "▌")
	c.press("home", "delete")
	c.waitScreen("> ▌"+emailFree, "▶ "+emailFree)
	c.press("end", "left", "left", "left", "backspace", "+")
	c.waitScreen("> dora.free@example+▌com")
	c.press("backspace", ".")
	c.waitScreen("> dora.free@example.▌com", "▶ "+emailFree)
	c.press("enter", "enter", "enter")
	c.waitStatus(emailFree + " assigned to panel user 7")
	acc, _ := f.account(t, emailFree)
	if u := f.user(t, 7); u.Account != acc.ID || acc.ID == 0 {
		t.Fatalf("slot 7 account %d, want %d", u.Account, acc.ID)
	}
}

// ←/→ move the cursor in a focused text field, and still choose on a
// choice, in the forms that used them for choices only.
func TestArrowsMoveInTextAndStillChoose(t *testing.T) {
	t.Parallel()
	t.Run("lock form", func(t *testing.T) {
		t.Parallel()
		c, _ := startAt(t)
		goLocks(c)
		c.press("n")
		c.waitScreen("Add a door lock", "← Yale Doorman L2 →")
		c.typ("Frnt")
		c.press("left", "left")
		c.typ("o")
		c.waitScreen("> Fro▌nt")
		c.press("tab", "right", "right")
		c.waitScreen("← Generic Z-Wave lock →", "Front")
	})
	t.Run("tag form", func(t *testing.T) {
		t.Parallel()
		c, _ := startAt(t)
		goTags(c)
		c.press("n")
		c.waitScreen("Tag ID")
		c.typ("77:234")
		c.press("left", "left", "left")
		c.typ("1")
		c.waitScreen("> 77:1▌234")
	})
	t.Run("declarative form", func(t *testing.T) {
		t.Parallel()
		c, _ := startAccess(t)
		c.press("p")
		c.waitScreen("Access › Time profiles")
		c.press("n")
		c.waitScreen("Add a time profile", "Intervals")
		c.typ("Lte shift")
		c.press("home", "right")
		c.typ("a")
		c.press("end", "left", "left", "left", "left", "left", "right")
		c.waitScreen("> Late s▌hift")
	})
	t.Run("who can open", func(t *testing.T) {
		t.Parallel()
		c, _ := startAccess(t)
		c.press("d")
		c.waitScreen("Access › Doors", "1-3 of 3")
		c.pick("name:front")
		c.press("w")
		c.waitScreen("1 person can open it for both at 2026-05-13 16:24")
		c.press("right") // the direction
		c.waitScreen("1 person can open it for entry at 2026-05-13 16:24")
		c.press("tab", "left", "left", "left", "backspace")
		c.typ("8")
		c.press("enter")
		c.waitScreen("> 2026-05-13 18▌:24", "0 people can open it for entry at 2026-05-13 18:24")
	})
	t.Run("filter line", func(t *testing.T) {
		t.Parallel()
		c, _ := wide(t)
		c.press("/")
		c.typ("Usr 1")
		c.press("left", "left", "left")
		c.typ("e")
		c.waitScreen("/Use▌r 1  enter keep")
	})
}
