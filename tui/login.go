package tui

// The login screen: nobody uses the console without logging in. The
// operator's name and password first, then each step the store asks for,
// in its order (store.LoginStep): the second factor, a new password after
// a one-time one, enrolling a second factor when a role requires it. Each
// step is a state of this one screen; every check is the store's, run in
// a Cmd, and its refusal is shown in its own words.

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/guardroom/guardroom/store"
)

type loginStage int

const (
	stageCredentials loginStage = iota
	stageSecondFactor
	stageNewPassword
	stageEnrol
	stageRecovery
)

// loginResultMsg is the store's answer to a password, a code or a new
// password: the actor with what is left to do, or the refusal.
type loginResultMsg struct {
	actor store.Actor
	err   error
}

const roleNeeds2FA = "Your role requires a second factor: an authenticator app on your phone, whose code each login then asks for."

// loggedInMsg says the login is complete: the shell opens for actor.
type loggedInMsg struct{ actor store.Actor }

// login is the login screen and its steps.
type login struct {
	c         *common // store, theme, clock; its actor is nobody
	via, addr string
	demo      []store.DemoLogin
	first     string // admin's one-time password on a new database

	stage          loginStage
	name, password field
	creds          *form // the name and the password
	code           field // the second factor
	pw             *passwordForm
	enrol          enrolment
	actor          store.Actor // the login in progress, with a step left
	busy           bool        // a store call is running
	err            string      // the store's refusal
	note           string      // why the screen is back: logged out, session ended
	noteBad        bool
}

func newLogin(c *common, o Options) *login {
	l := &login{c: c, via: o.Via, addr: o.Addr, demo: o.DemoLogins, first: o.FirstPassword}
	l.name = field{limit: 32, accept: func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_'
	}}
	l.password = field{mask: true, limit: 128}
	l.creds = newFootForm(c, "", 0, "", l.credStops)
	l.creds.labelW, l.creds.after = 10, func() tea.Cmd { l.err = ""; return nil }
	l.pw = newPasswordForm(c, "", false)
	// Second-factor codes are typed in plain: an app's code is good for
	// 30 seconds and a recovery code for one login, and each is refused
	// once used, so someone reading it over a shoulder gains nothing; it
	// lets the operator check what they typed. Digits, and the letters
	// and dash of a recovery code.
	l.code = field{limit: 16, accept: func(r rune) bool {
		return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == ' '
	}}
	return l
}

// resume starts the screen at a handed-in actor's pending step (an SSH key
// login that must give or enrol a second factor).
func (l *login) resume(a store.Actor) tea.Cmd {
	l.name.set(a.Name())
	return l.advance(a)
}

// reset goes back to an empty name and password, forgetting the login in
// progress.
func (l *login) reset() {
	l.stage, l.busy, l.err = stageCredentials, false, ""
	l.clearCredentials()
	l.code.clear()
	l.pw.wipe()
	l.enrol.wipe()
	l.actor = store.Actor{}
}

// clearCredentials empties the name and the password and puts the cursor
// on the name. The screen always starts this way (after a log out, a
// refusal, a step abandoned): the next person at the keyboard types name,
// tab, password, and a name left from before would put their password in
// plain sight in the name field, and a wrong try would count against
// that other operator.
func (l *login) clearCredentials() {
	l.name.clear()
	l.password.clear()
	l.creds.focus = 0
}

// credStops are the name and the password: enter on the name moves on,
// on the password logs in.
func (l *login) credStops() []fstop {
	line := func(label string, f *field) func(string, bool, int) string {
		return func(m string, on bool, w int) string {
			return l.creds.label(label) + m + f.render(max(w-12, 8), on && !l.busy)
		}
	}
	return []fstop{{kind: skText, f: &l.name, pick: l.enterName, line: line("Operator", &l.name)},
		{kind: skText, f: &l.password, pick: l.logIn, line: line("Password", &l.password)}}
}

// keyOnly: an SSH session logs in with its key, never with a password, so
// the console never offers the name and password screen there.
func (l *login) keyOnly() bool { return l.via == "ssh" }

// editing: what the operator typed would be lost.
func (l *login) editing() bool {
	return l.password.len()+l.code.len() > 0 || l.pw.editing()
}

// advance moves to the actor's next step, or ends the login.
func (l *login) advance(a store.Actor) tea.Cmd {
	l.actor, l.err, l.busy = a, "", false
	switch a.Step() {
	case store.StepNone:
		return func() tea.Msg { return loggedInMsg{a} }
	case store.StepSecondFactor:
		l.stage = stageSecondFactor
		l.code.clear()
	case store.StepNewPassword:
		l.stage = stageNewPassword
		l.pw = newPasswordForm(l.c, a.Name(), false)
	case store.StepEnrol2FA:
		l.stage, l.busy = stageEnrol, true
		l.enrol = enrolment{}
		return beginEnrol(l.c.st, a)
	default:
		l.err = fmt.Sprintf("this console cannot do the login step %q: log in with guardroom's command line", a.Step())
		l.stage = stageCredentials
	}
	return nil
}

func (l *login) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loginResultMsg:
		l.busy = false
		if msg.err != nil {
			l.refused(msg.err)
			return nil
		}
		return l.advance(msg.actor)
	case enrolKeyMsg:
		l.busy = false
		if msg.err != nil {
			l.err = errText(msg.err)
			return nil
		}
		l.enrol = newEnrolment(l.actor.Name(), roleNeeds2FA, l.c.keys, msg)
	case enrolDoneMsg:
		l.busy = false
		if msg.err != nil {
			l.enrol.err = errText(msg.err)
			return nil
		}
		l.actor, l.enrol.codes, l.stage = msg.actor, msg.codes, stageRecovery
	case tea.PasteMsg:
		switch l.stage {
		case stageCredentials:
			l.creds.update(msg)
		case stageSecondFactor:
			l.code.paste(msg.Content)
		case stageNewPassword:
			l.pw.paste(msg.Content)
		case stageEnrol:
			l.enrol.code.paste(msg.Content)
		}
	case tea.KeyPressMsg:
		return l.key(msg)
	}
	return nil
}

// refused shows the store's refusal where the operator types next.
func (l *login) refused(err error) {
	switch l.stage {
	case stageCredentials:
		l.err = errText(err)
		l.clearCredentials()
	case stageNewPassword:
		l.pw.refused(err)
	default:
		l.err = errText(err)
	}
}

func (l *login) key(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if k == "ctrl+c" {
		return tea.Quit
	}
	switch l.stage {
	case stageCredentials:
		return l.credentialsKey(msg)
	case stageRecovery:
		// The codes are shown once: only enter leaves them.
		if k == "enter" {
			a := l.actor
			l.enrol.wipe()
			return func() tea.Msg { return loggedInMsg{a} }
		}
		return nil
	}
	if k == "esc" {
		if l.keyOnly() {
			return tea.Quit
		}
		l.reset()
		return nil
	}
	if l.busy {
		return nil
	}
	switch l.stage {
	case stageSecondFactor:
		if k == "enter" {
			code := strings.TrimSpace(l.code.String())
			l.code.clear()
			if code == "" {
				l.err = "type the code from your authenticator app, or a recovery code"
				return nil
			}
			l.busy = true
			st, a := l.c.st, l.actor
			return loginCall(func() (store.Actor, error) { return st.SecondFactor(a, code) })
		}
		if l.code.key(msg) {
			l.err = ""
		}
	case stageNewPassword:
		_, pw, done := l.pw.key(msg)
		if done {
			l.busy = true
			st, a := l.c.st, l.actor
			return loginCall(func() (store.Actor, error) { return st.ChangePassword(a, "", pw) })
		}
	case stageEnrol:
		if l.enrol.key.Secret == "" {
			return nil
		}
		if k == "enter" {
			code := l.enrol.code.String()
			l.enrol.code.clear()
			if len(code) != 6 {
				l.enrol.err = "type the 6 digits the app shows"
				return nil
			}
			l.busy = true
			return confirmEnrol(l.c.st, l.actor, code)
		}
		if cmd, ok := l.enrol.copyURI(l.c.keys, msg); ok {
			return cmd
		}
		if l.enrol.code.key(msg) {
			l.enrol.err = ""
		}
	}
	return nil
}

func (l *login) credentialsKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		return tea.Quit
	case "enter":
		if l.busy {
			return nil
		}
	}
	cmd, _ := l.creds.update(msg)
	return cmd
}

func (l *login) enterName() tea.Cmd {
	if l.name.String() == "" {
		l.err = "type your operator name"
		return nil
	}
	l.creds.focusOn(&l.password)
	return nil
}

func (l *login) logIn() tea.Cmd {
	name, pw := l.name.String(), l.password.String()
	switch {
	case name == "":
		l.creds.focusOn(&l.name)
		l.err = "type your operator name"
		return nil
	case pw == "":
		l.err = "type your password"
		return nil
	}
	l.password.clear()
	l.busy, l.note = true, ""
	st, via, addr := l.c.st, l.via, l.addr
	return loginCall(func() (store.Actor, error) { return st.Login(name, pw, via, addr) })
}

// loginCall runs a login step in the store off the UI goroutine.
func loginCall(fn func() (store.Actor, error)) tea.Cmd {
	return func() tea.Msg {
		var m loginResultMsg
		m.err = safe(func() (err error) { m.actor, err = fn(); return err })
		return m
	}
}

// title names the site the console belongs to.
func (l *login) title() string {
	if path := l.c.st.UnitPath(store.RootUnit); path != "" {
		return "guardroom · " + path
	}
	return "guardroom"
}

// view draws the screen: one box in the middle of the window.
func (l *login) view(width, height int) string {
	t := l.c.theme
	w := min(max(width-frameCols-2, 20), 68)
	var body []string
	heading := func(s string) { body = append(body, t.ModalTitle.Render(s), "") }
	hint := func(pairs ...string) string {
		var parts []string
		for i := 0; i+1 < len(pairs); i += 2 {
			parts = append(parts, t.HintKey.Render(pairs[i])+" "+pairs[i+1])
		}
		return strings.Join(parts, "   ")
	}
	errLines := func(s string) {
		if s != "" {
			body = append(body, "", t.StatusError.Render(wrap(s, w)))
		}
	}
	busy := func() {
		if l.busy {
			body = append(body, "", t.Dim.Render("checking…"))
		}
	}
	switch l.stage {
	case stageCredentials:
		if l.note != "" {
			st := t.Dim
			if l.noteBad {
				st = t.Warn
			}
			body = append(body, st.Render(wrap(l.note, w)), "")
		}
		if l.first != "" {
			body = append(body, t.Warn.Render(wrap("This database is new. Operator admin's one-time password: ", w)))
			body = append(body, "   "+t.HintKey.Render(l.first))
			body = append(body, t.Warn.Render(wrap("Write it down: it is shown only now; you will choose a new one at once.", w)), "")
		}
		if len(l.demo) > 0 {
			body = append(body, l.demoLines(w)...)
			body = append(body, "")
		}
		body = append(body, l.creds.column(w).lines...)
		busy()
		errLines(l.err)
		body = append(body, "", hint("enter", "log in", "tab", "next field", "esc", "quit"))
	case stageSecondFactor:
		heading("Second factor — operator " + l.actor.Name())
		body = append(body, wrap("Type the 6-digit code your authenticator app shows for guardroom, or one of your recovery codes.", w), "",
			t.Label.Render("Code  ")+"> "+l.code.render(20, !l.busy)+t.Dim.Render("  time here: "+timeText(l.c.now().Local(), timeSecZone)))
		busy()
		errLines(l.err)
		body = append(body, "", hint("enter", "log in", "esc", "back", "ctrl+c", "quit"))
	case stageNewPassword:
		heading("New password — operator " + l.actor.Name())
		body = append(body, wrap("You logged in with a one-time password: choose your own now.", w), "")
		body = append(body, l.pw.lines(t, w)...)
		busy()
		body = append(body, "", hint("enter", "next/save", "tab", "switch", "esc", "back", "ctrl+c", "quit"))
	case stageEnrol, stageRecovery:
		return l.enrolView(width, height)
	}
	return place(l.c.frame(l.title(), w, body...), width, height)
}

// enrolView is the enrolment step: the box grows to hold the QR code
// when the window has room for it.
func (l *login) enrolView(width, height int) string {
	t := l.c.theme
	title := l.title() + " — second factor for operator " + l.actor.Name()
	if l.enrol.key.Secret == "" && l.stage == stageEnrol {
		w := min(max(width-frameCols-2, 20), 68)
		lines := []string{wrap(roleNeeds2FA, w)}
		if l.err != "" {
			lines = append(lines, "", t.StatusError.Render(wrap(l.err, w)), "", t.HintKey.Render("esc")+" back")
		} else {
			lines = append(lines, "", t.Dim.Render("preparing…"))
		}
		return place(l.c.frame(title, w, lines...), width, height)
	}
	hints := t.HintKey.Render("enter") + " confirm   " + t.HintKey.Render("esc") + " back   " + t.HintKey.Render("ctrl+c") + " quit"
	if l.stage == stageRecovery {
		hints = t.HintKey.Render("enter") + " continue to the console (the codes are not shown again)"
	}
	lines, w := l.enrol.body(t, width, height, l.c.now(), hints)
	if l.stage == stageEnrol && l.busy {
		lines = append(lines, t.Dim.Render("checking…"))
	}
	return place(l.c.frame(title, w, lines...), width, height)
}

// demoLines are the demo site's operators and passwords.
func (l *login) demoLines(w int) []string {
	t := l.c.theme
	out := []string{t.Warn.Render(wrap("This is the demo site: log in as any of its operators (a real site shows no passwords here).", w))}
	nw, rw := len("operator"), len("role")
	for _, d := range l.demo {
		nw, rw = max(nw, len(d.Username)), max(rw, len(d.Role))
	}
	row := func(a, b, c string) string { return fmt.Sprintf("  %-*s  %-*s  %s", nw, a, rw, b, c) }
	out = append(out, t.Label.Render(row("operator", "role", "password")))
	for _, d := range l.demo {
		out = append(out, row(d.Username, d.Role, d.Password))
	}
	return out
}

// place centres a box in the window, cut to it when the window is smaller.
func place(box string, width, height int) string {
	out := lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, box)
	lines := strings.Split(out, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, ln := range lines {
		lines[i] = truncate(ln, width)
	}
	return strings.Join(lines, "\n")
}
