package tui

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
)

// clipboard presses key on the synchronous App and returns the text of
// the tea.SetClipboard its Cmd carries ("" when none), running the
// Cmd's other messages as the program would.
func (s *syncApp) clipboard(k string) string {
	s.tb.Helper()
	_, cmd := s.a.Update(key(k))
	var got []string
	var walk func(tea.Cmd)
	walk = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		msg := cmd()
		inner := msg
		if em, ok := msg.(epochMsg); ok {
			inner = em.msg
		}
		if batch, ok := inner.(tea.BatchMsg); ok {
			for _, c := range batch {
				walk(c)
			}
			return
		}
		if text, ok := clipboardText(inner); ok {
			got = append(got, text)
			return
		}
		s.run(func() tea.Msg { return msg })
	}
	walk(cmd)
	if len(got) > 1 {
		s.tb.Fatalf("%q set the clipboard %d times: %q", k, len(got), got)
	}
	return strings.Join(got, "")
}

// clipboardText reads a tea.SetClipboard message: its type is Bubble
// Tea's own, a string, so it is told by being equal to one made with the
// same text.
func clipboardText(msg tea.Msg) (string, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.String || tea.SetClipboard(v.String())() != msg {
		return "", false
	}
	return v.String(), true
}

// Pressing y copies the selected row's identifier with OSC 52 and says
// what it copied; with nothing to copy, it copies nothing and says why.
func TestCopy(t *testing.T) {
	t.Parallel()
	f := builtFixture(t)
	ps := addPeople(t, f)
	job := strconv.FormatUint(f.user(t, 7).Sync.Job, 10)
	for _, tc := range []struct {
		name string
		// steps from the Panels screen, first row selected: keys, and
		// text to type (more than one character, not a key's name)
		steps  []string
		want   string // on the clipboard; "" for nothing
		status string // the status line
	}{
		{"panel IMEI", nil, mainIMEI, "copied IMEI " + mainIMEI},
		{"tag", []string{"5"}, tagKeypad, "copied tag " + tagKeypad},
		{"lock", []string{"4"}, strconv.FormatUint(f.lock.ID, 10), "copied lock " + strconv.FormatUint(f.lock.ID, 10)},
		{"account email", []string{"6"}, emailActive, "copied email " + emailActive},
		{"log entry", []string{"7", "G"}, "1", "copied log entry 1"},
		{"operator", []string{"8"}, "admin", "copied operator admin"},
		{"role", []string{"8", "r"}, "Guard", "copied role Guard"},
		{"person's card", []string{"9"}, almaCard, "copied card " + almaCard},
		{"person without identifiers", []string{"9", "/", "Cara", "enter"}, strconv.FormatUint(ps.cara.ID, 10), "copied person " + strconv.FormatUint(ps.cara.ID, 10)},
		{"panel user's job", []string{"2", "#", "7", "enter"}, job, "copied job " + job},
		{"panel user without a job", []string{"2", "#", "5", "enter"}, "", "copy: panel user 5 has no job in the outbox: nothing to copy"},
		{"no row", []string{"6", "/", "nobody-here", "enter"}, "", "copy: no account selected: nothing to copy"},
		{"no identifier on the screen", []string{"0"}, "", "copy: the Access screen has no identifier to copy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSyncApp(t, f, f.admin, "dark", 120, 40)
			for _, k := range tc.steps {
				if len(k) > 1 && k != "enter" {
					s.typ(k)
				} else {
					s.press(k)
				}
			}
			if got := s.clipboard("y"); got != tc.want {
				t.Errorf("clipboard %q, want %q", got, tc.want)
			}
			if got := s.a.statusText(); got != tc.status {
				t.Errorf("status %q, want %q", got, tc.status)
			}
		})
	}
}

// In a second-factor enrolment, from the shell (ctrl+t) or at the login
// a role requires it, y copies the otpauth URI (the secret travels to the
// authenticator that way); the enrolment says so without showing it, and
// digits still go to the code field.
func TestCopyEnrolmentURI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	check(t, f.s.UpdateRole(f.admin, store.Role{Name: store.RoleInstaller, Require2FA: true}))
	activate(t, f, "sue", goodPassword)
	activate(t, f, "ivan", goodPassword)
	for _, tc := range []struct {
		name, user string
		open       func(s *syncApp)
		enrolment  func(s *syncApp) *enrolment
		status     string // the status line after the copy ("": the login's has none)
	}{
		{"shell", "sue", func(s *syncApp) { s.press("ctrl+t") },
			func(s *syncApp) *enrolment { return &s.a.modals[len(s.a.modals)-1].(*enrolDialog).e }, "copied the key URI"},
		{"login", "ivan", func(s *syncApp) { s.run(s.a.initCmd) },
			func(s *syncApp) *enrolment { return &s.a.login.enrol }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSyncApp(t, f, must(f.s.Login(tc.user, goodPassword, "test", "")), "dark", 100, 40) // no room for the QR code
			tc.open(s)
			s.waitScreen("second factor", "copies it")
			e := tc.enrolment(s)
			if !strings.HasPrefix(e.key.URI, "otpauth://totp/") {
				t.Fatalf("URI %q", e.key.URI)
			}
			if got := s.clipboard("y"); got != e.key.URI {
				t.Errorf("clipboard %q, want the URI %q", got, e.key.URI)
			}
			s.waitScreen("Copied to the clipboard: paste it into your authenticator app")
			if got := s.a.statusText(); tc.status != "" && got != tc.status || strings.Contains(got, e.key.Secret) {
				t.Errorf("status %q, want %q", got, tc.status)
			}
			s.typ("12")
			if got := e.code.String(); got != "12" {
				t.Errorf("code field %q after typing 12", got)
			}
		})
	}
}

// A confirmation's y still confirms: the dialog has every key first.
func TestCopyKeyConfirms(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := newSyncApp(t, f, f.admin, "dark", 120, 40)
	goUsers(s)
	goSlot(s, 7)
	s.press("x")
	s.waitScreen("Disable panel user 7 (Courier)?", "y disable")
	if got := s.clipboard("y"); got != "" {
		t.Errorf("the confirmation's y copied %q", got)
	}
	if f.user(t, 7).CodeSet {
		t.Error("y did not disable panel user 7")
	}
}

// The help lists y everywhere, with why when there is nothing to copy;
// a screen's action remapped to y clashes with it.
func TestCopyInHelpAndKeys(t *testing.T) {
	t.Parallel()
	f := builtFixture(t)
	s := newSyncApp(t, f, f.admin, "dark", 120, 40)
	help := func() string { return flat(ansi.Strip(strings.Join(newHelp(s.a.c, s.a.cur()).lines(120), "\n"))) }
	s.press("5")
	if h := help(); !strings.Contains(h, "y copy Copy the selected row's identifier to the clipboard") {
		t.Errorf("the Tags help does not offer y:\n%s", h)
	}
	s.press("0")
	if h := help(); !strings.Contains(h, "y copy — unavailable: the Access screen has no identifier to copy") {
		t.Errorf("the Access help does not say why y copies nothing:\n%s", h)
	}
	if err := CheckKeys(map[string][]string{"tag.free": {"y"}}); err == nil || !strings.Contains(err.Error(), `"y" is bound to both copy and tag.free`) {
		t.Errorf("tag.free remapped to y: %v", err)
	}
}

// The keypad steps of a job offer y too: the job's number.
func TestCopyInKeypadSteps(t *testing.T) {
	t.Parallel()
	f := syncFixture(t)
	s := newSyncApp(t, f, f.admin, "dark", 120, 40)
	goUsers(s)
	goSlot(s, 11)
	s.press("K")
	s.waitScreen("Keypad steps — job", "y copy")
	job := strconv.FormatUint(f.user(t, 11).Sync.Job, 10)
	if got := s.clipboard("y"); got != job {
		t.Errorf("clipboard %q, want job %s", got, job)
	}
	if got := s.a.statusText(); got != "copied job "+job {
		t.Errorf("status %q", got)
	}
	s.waitScreen("Keypad steps — job " + job)
}
