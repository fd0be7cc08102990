package tui

// What every operator can do for themselves, at the login screen and in
// the shell: choose a password, enrol a second factor, read their
// security notices. The pieces (passwordForm, enrolment) are shared by the
// login steps and the shell's dialogs, so both ask the same way.

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/totp"
)

// ---- a new password, typed twice ----

// passwordForm asks for a new password twice, and first for the current
// one when the operator changes it of their own accord (after a one-time
// password the store does not ask it). The first entry is checked against
// the store's rule (store.CheckPassword) before the second is asked, so
// the operator learns the rule at once rather than after typing it twice.
type passwordForm struct {
	*form
	user              string
	askOld            bool
	old, first, again field
	// typed is the current and the new password once the new one was
	// typed the same twice; key hands it over and forgets it.
	typed *[2]string
}

func newPasswordForm(c *common, user string, askOld bool) *passwordForm {
	f := &passwordForm{user: user, askOld: askOld}
	for _, fl := range []*field{&f.old, &f.first, &f.again} {
		*fl = field{mask: true, limit: 128}
	}
	f.form = newFootForm(c, "", 64, "", f.stops)
	f.labelW = 17
	return f
}

// stops are the fields in the order they are typed: enter on each checks
// it before the next is asked.
func (f *passwordForm) stops() []fstop {
	var st []fstop
	if f.askOld {
		st = append(st, fstop{kind: skText, label: "Current password", f: &f.old, width: widthFill, pick: f.enterOld})
	}
	return append(st, fstop{kind: skText, label: "New password", f: &f.first, width: widthFill, pick: f.enterFirst},
		fstop{kind: skText, label: "Once more", f: &f.again, width: widthFill, pick: f.enterAgain})
}

func (f *passwordForm) editing() bool {
	return f.old.String()+f.first.String()+f.again.String() != ""
}

// wipe clears every field and puts the focus on the first.
func (f *passwordForm) wipe() {
	f.old.clear()
	f.first.clear()
	f.again.clear()
	f.focus = 0
}

// key handles a key. When the new password was typed the same twice it
// returns the current and the new one, and wipes the fields. Esc is the
// host's (back, or cancel).
func (f *passwordForm) key(msg tea.KeyPressMsg) (old, pw string, done bool) {
	if msg.String() == "esc" {
		return "", "", false
	}
	f.update(msg)
	if f.typed == nil {
		return "", "", false
	}
	old, pw, f.typed = f.typed[0], f.typed[1], nil
	return old, pw, true
}

func (f *passwordForm) enterOld() tea.Cmd {
	if f.old.String() == "" {
		f.err = "type your current password first"
		return nil
	}
	f.focusOn(&f.first)
	return nil
}

// enterFirst checks the new password against the store's rule before it
// is asked again.
func (f *passwordForm) enterFirst() tea.Cmd {
	if err := store.CheckPassword(f.user, f.first.String()); err != nil {
		f.err = errText(err)
		f.first.clear()
		f.focusOn(&f.first)
		return nil
	}
	f.focusOn(&f.again)
	return nil
}

func (f *passwordForm) enterAgain() tea.Cmd {
	if store.CheckPassword(f.user, f.first.String()) != nil {
		return f.enterFirst()
	}
	if f.again.String() != f.first.String() {
		f.first.clear()
		f.again.clear()
		f.focusOn(&f.first)
		f.err = "the two new passwords differ: type the new password twice again"
		return nil
	}
	f.typed = &[2]string{f.old.String(), f.first.String()}
	f.wipe()
	return nil
}

func (f *passwordForm) paste(s string) { f.update(tea.PasteMsg{Content: s}) }

// refused shows the store's refusal, the fields wiped and the focus on
// the first: a wrong current password is typed again, as is a new one.
func (f *passwordForm) refused(err error) {
	f.wipe()
	f.err = errText(err)
}

// lines draws the form in width cells.
func (f *passwordForm) lines(t themeStyles, width int) []string {
	out := []string{t.Dim.Render(wrap(fmt.Sprintf("At least %d characters, not built on your operator name or a common password: a few words make a good one.", store.MinPasswordLength), width)), ""}
	out = append(out, f.column(width).lines...)
	if f.err != "" {
		out = append(out, "", t.StatusError.Render(wrap(f.err, width)))
	}
	return out
}

// ---- second-factor enrolment ----

// enrolKeyMsg brings a new second-factor key (BeginTOTP) and its QR code.
type enrolKeyMsg struct {
	key totp.Key
	qr  string // "" when it could not be drawn
	qrW int
	err error
}

// enrolDoneMsg is the end of an enrolment (ConfirmTOTP): the recovery
// codes, shown once, and the actor after it.
type enrolDoneMsg struct {
	codes []string
	actor store.Actor
	err   error
}

// beginEnrol starts an enrolment in the store and draws its QR code, off
// the UI goroutine.
func beginEnrol(st *store.Store, a store.Actor) tea.Cmd {
	return func() tea.Msg {
		var m enrolKeyMsg
		m.err = safe(func() (err error) { m.key, err = st.BeginTOTP(a); return err })
		if m.err == nil {
			if qr, err := totp.QR(m.key.URI); err == nil {
				m.qr = qr
				m.qrW, _ = totp.QRWidth(m.key.URI)
			}
		}
		return m
	}
}

func confirmEnrol(st *store.Store, a store.Actor, code string) tea.Cmd {
	return func() tea.Msg {
		var m enrolDoneMsg
		m.err = safe(func() (err error) { m.codes, m.actor, err = st.ConfirmTOTP(a, code); return err })
		return m
	}
}

// enrolment shows a new second factor — the secret in groups of four, the
// otpauth URI, the QR code when the window is large enough — and asks for
// a code from the app to confirm it; then the recovery codes, once.
type enrolment struct {
	user  string
	intro string // what this enrolment is for
	key   totp.Key
	qr    string
	qrW   int
	code  field
	codes []string // set once confirmed
	err   string
	// copyKey is the key that copies the URI (copyURI); copied: it did.
	copyKey string
	copied  bool
}

func newEnrolment(user, intro string, keys keymap, m enrolKeyMsg) enrolment {
	return enrolment{user: user, intro: intro, key: m.key, qr: m.qr, qrW: m.qrW, code: field{accept: digitsOnly, limit: 6},
		copyKey: keys.keyLabel(ActCopy)}
}

// Layout of the enrolment beside its QR code: the text column's width,
// and the frame around the body (border and padding, title and its blank
// line).
const (
	enrolTextWidth = 40
	frameCols      = 4
	frameRows      = 4
)

// groupSecret writes a base32 secret in groups of four, as apps ask for it.
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// chunk cuts s (a URI, no spaces to wrap at) into lines of width runes.
func chunk(s string, width int) []string {
	r := []rune(s)
	var out []string
	for len(r) > width {
		out = append(out, string(r[:width]))
		r = r[width:]
	}
	return append(out, string(r))
}

func (e *enrolment) qrLines() int { return (e.qrW + 1) / 2 }

// sideBySide is the text beside the QR code, and the smallest window
// that shows them.
func (e *enrolment) sideBySide(t themeStyles, now time.Time, hints string) (text []string, w, h int) {
	text = append(e.textLines(t, enrolTextWidth, now, true, ""), "", hints)
	return text, e.qrW + 3 + enrolTextWidth + frameCols, max(e.qrLines(), len(text)) + frameRows
}

// textLines are the instructions, the secret, the URI and the code prompt
// in width cells.
func (e *enrolment) textLines(t themeStyles, width int, now time.Time, withQR bool, noQR string) []string {
	how := "In your authenticator app, add an account and type this secret (time-based, 6 digits, 30 seconds):"
	if withQR {
		how = "Scan the QR code with your authenticator app, or add an account and type this secret:"
	}
	var out []string
	if e.intro != "" {
		out = append(out, wrap(e.intro, width), "")
	}
	out = append(out, wrap(how, width), "", t.HintKey.Render(groupSecret(e.key.Secret)), "")
	if noQR != "" {
		out = append(out, t.Warn.Render(wrap(noQR, width)), "")
	}
	out = append(out, t.Label.Render(wrap("Key URI (for a password manager; "+e.copyKey+" copies it):", width)))
	for _, l := range chunk(e.key.URI, width) {
		out = append(out, t.Dim.Render(l))
	}
	if e.copied {
		out = append(out, t.Good.Render(wrap("Copied to the clipboard: paste it into your authenticator app or password manager only.", width)))
	}
	out = append(out, "", wrap("Then type the code the app shows to confirm it:", width),
		t.Label.Render("Code  ")+"> "+e.code.render(8, true)+t.Dim.Render("  time here: "+timeText(now, timeClockSec)))
	if e.err != "" {
		out = append(out, "", t.StatusError.Render(wrap(e.err, width)))
	}
	return out
}

// body draws the enrolment for a window of width x height. It returns
// the lines and the inner width they need.
func (e *enrolment) body(t themeStyles, width, height int, now time.Time, hints string) ([]string, int) {
	if e.codes != nil {
		w := min(max(width-frameCols, 20), 64)
		return squeeze(e.codeLines(t, w, hints), height-frameRows), w
	}
	reverse := t.Name == "light"
	qr := func() []string {
		lines := strings.Split(e.qr, "\n")
		if reverse {
			// totp.QR draws light modules as blocks, right on a dark
			// background; reverse video turns it back on a light one.
			st := lipgloss.NewStyle().Reverse(true)
			for i, l := range lines {
				lines[i] = st.Render(l)
			}
		}
		return lines
	}
	if e.qr != "" {
		// Beside the text when the window is wide enough, else above it
		// when it is tall enough.
		if text, sw, sh := e.sideBySide(t, now, hints); width >= sw && height >= sh {
			left := strings.Join(qr(), "\n")
			right := strings.Join(text, "\n")
			return strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, left, "   ", right), "\n"), sw - frameCols
		}
		w := min(max(width-frameCols, 20), max(e.qrW, 64))
		text := append(e.textLines(t, w, now, true, ""), "", hints)
		if width >= e.qrW+frameCols && height >= e.qrLines()+1+len(text)+frameRows {
			return append(append(qr(), ""), text...), w
		}
	}
	w := min(max(width-frameCols, 20), 64)
	noQR := "No QR code here: type the secret into your app."
	if e.qr != "" {
		_, sw, sh := e.sideBySide(t, now, hints)
		if width >= sw {
			noQR = fmt.Sprintf("Make the window at least %d rows tall to show the QR code, or type the secret into your authenticator app.", sh)
		} else {
			noQR = fmt.Sprintf("Make the window at least %d columns by %d rows to show the QR code, or type the secret into your authenticator app.", sw, sh)
		}
	}
	return squeeze(append(e.textLines(t, w, now, false, noQR), "", hints), height-frameRows), w
}

// squeeze fits lines into height rows when it can by dropping blank
// lines, the first ones first: an 80x24 window keeps every word.
func squeeze(lines []string, height int) []string {
	var flat []string
	for _, l := range lines {
		flat = append(flat, strings.Split(l, "\n")...)
	}
	for i := 0; len(flat) > height && i < len(flat); {
		if strings.TrimSpace(flat[i]) == "" {
			flat = append(flat[:i], flat[i+1:]...)
			continue
		}
		i++
	}
	return flat
}

// codeLines show the recovery codes once, two to a line.
func (e *enrolment) codeLines(t themeStyles, width int, hints string) []string {
	out := []string{
		t.Good.Render(wrap("Second factor enrolled for operator "+e.user+": from now on a login asks for a code from the app.", width)), "",
		t.Warn.Render(wrap("Recovery codes — write these down: each logs you in once if you lose your phone. They are shown only now.", width)), "",
	}
	for i := 0; i < len(e.codes); i += 2 {
		line := "   " + e.codes[i]
		if i+1 < len(e.codes) {
			line += "     " + e.codes[i+1]
		}
		out = append(out, t.HintKey.Render(line))
	}
	return append(out, "", hints)
}

// wipe forgets the secret and the codes once they are no longer shown.
func (e *enrolment) wipe() {
	e.code.clear()
	for i := range e.codes {
		e.codes[i] = ""
	}
	*e = enrolment{}
}

// enrolDialog is the shell's enrolment: the same screens as the login's.
type enrolDialog struct {
	c     *common
	e     enrolment
	busy  bool
	ended bool // confirmed: the codes are on screen
}

func newEnrolDialog(c *common, m enrolKeyMsg) *enrolDialog {
	return &enrolDialog{c: c, e: newEnrolment(c.actor.Name(), "An authenticator app on your phone becomes your second factor: each login then asks for its code.", c.keys, m)}
}

// editing: closing by accident would lose an enrolment half done, or the
// recovery codes before they were written down.
func (d *enrolDialog) editing() bool { return true }

// selectable: the mouse stays with the terminal, so the secret, the URI
// and the recovery codes can be selected and copied.
func (d *enrolDialog) selectable() bool { return true }

func (d *enrolDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case enrolDoneMsg:
		d.busy = false
		if msg.err != nil {
			d.e.err = errText(msg.err)
			return nil, false
		}
		d.e.codes, d.ended = msg.codes, true
		return nil, false
	case tea.PasteMsg:
		if !d.ended {
			d.e.code.paste(msg.Content)
		}
	case tea.KeyPressMsg:
		k := msg.String()
		if d.ended {
			if k == "enter" {
				d.e.wipe()
				return func() tea.Msg {
					return opDoneMsg{ok: "second factor enrolled: from now on a login asks for a code from the app"}
				}, true
			}
			return nil, false
		}
		switch k {
		case "esc":
			d.e.wipe()
			return func() tea.Msg { return opDoneMsg{ok: "enrolment cancelled: no second factor was set"} }, true
		case "enter":
			if d.busy {
				return nil, false
			}
			code := d.e.code.String()
			d.e.code.clear()
			if len(code) != 6 {
				d.e.err = "type the 6 digits the app shows"
				return nil, false
			}
			d.busy = true
			return confirmEnrol(d.c.st, d.c.actor, code), false
		}
		if cmd, ok := d.e.copyURI(d.c.keys, msg); ok {
			return tea.Batch(cmd, func() tea.Msg { return opDoneMsg{ok: "copied the key URI"} }), false
		}
		if d.e.code.key(msg) {
			d.e.err = ""
		}
	}
	return nil, false
}

func (d *enrolDialog) view(width, height int) string {
	t := d.c.theme
	hints := t.HintKey.Render("enter") + " confirm   " + t.HintKey.Render("esc") + " cancel"
	title := "Enrol a second factor — operator " + d.c.actor.Name()
	if d.ended {
		hints = t.HintKey.Render("enter") + " continue (the codes are not shown again)"
		title = "Recovery codes — operator " + d.c.actor.Name()
	}
	lines, w := d.e.body(t, width, height, d.c.now(), hints)
	return d.c.frame(title, w, lines...)
}

// ---- change my password ----

// passwordDialog is the shell's "change my password": the current
// password, then the new one twice.
type passwordDialog struct {
	c    *common
	f    *passwordForm
	busy bool
}

func newPasswordDialog(c *common) *passwordDialog {
	return &passwordDialog{c: c, f: newPasswordForm(c, c.actor.Name(), true)}
}

func (d *passwordDialog) editing() bool { return d.f.editing() }

func (d *passwordDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promptErrMsg:
		d.busy = false
		d.f.refused(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		d.f.paste(msg.Content)
	case tea.KeyPressMsg:
		if msg.String() == "esc" {
			d.f.wipe()
			return nil, true
		}
		if d.busy {
			return nil, false
		}
		old, pw, done := d.f.key(msg)
		if !done {
			return nil, false
		}
		d.busy = true
		c := d.c
		return c.submitOp("password changed: use the new one from the next login", func() error {
			_, err := c.st.ChangePassword(c.actor, old, pw)
			return err
		}), false
	}
	return nil, false
}

func (d *passwordDialog) view(width, _ int) string {
	t := d.c.theme
	w := dialogWidth(width, 64)
	body := d.f.lines(t, w)
	body = append(body, "", t.HintKey.Render("enter")+" next/save   "+t.HintKey.Render("tab")+" switch   "+t.HintKey.Render("esc")+" cancel")
	return d.c.frame("Change my password — operator "+d.c.actor.Name(), w, body...)
}

// ---- security notices ----

// noticesMsg brings the operator's security notices; show opens them.
type noticesMsg struct {
	notices []store.Notice
	show    bool
}

// noticesDialog shows the security notices; enter acknowledges them (they
// are dismissed in the store and not shown again), esc leaves them for
// later.
type noticesDialog struct {
	c       *common
	notices []store.Notice
	offset  int
}

func newNoticesDialog(c *common, ns []store.Notice) *noticesDialog {
	return &noticesDialog{c: c, notices: ns}
}

func (d *noticesDialog) editing() bool { return false }

func (d *noticesDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch k.String() {
	case "down", "j":
		d.offset++
	case "up", "k":
		d.offset = max(d.offset-1, 0)
	case "esc":
		return nil, true
	case "enter", "space":
		c, upTo := d.c, d.notices[len(d.notices)-1].Seq
		// No status of its own: the one under the dialog (the access's
		// end, read-only) stays.
		return c.do("", func() error { return c.st.DismissNotices(c.actor, upTo) }), true
	}
	return nil, false
}

func (d *noticesDialog) view(width, height int) string {
	t := d.c.theme
	w := dialogWidth(width, 72)
	var lines []string
	for _, n := range d.notices {
		lines = append(lines, t.Warn.Render(timeText(n.Time.Local(), timeDay)+"  "+n.Event))
		lines = append(lines, strings.Split(wrap(n.Detail, w-2), "\n")...)
		lines = append(lines, "")
	}
	room := max(height-8, 3)
	d.offset = min(d.offset, max(len(lines)-room, 0))
	shown := lines[d.offset:min(len(lines), d.offset+room)]
	body := []string{wrap("If one of these was not you or someone you asked, tell your administrator at once.", w), ""}
	body = append(body, shown...)
	if len(lines) > room {
		body = append(body, t.Dim.Render("↑/↓ scroll"))
	}
	body = append(body, t.HintKey.Render("enter")+" acknowledge (not shown again)   "+t.HintKey.Render("esc")+" later ("+d.c.keys.keyLabel(ActNotices)+" shows them)")
	return d.c.frame("Security notices since your last login", w, body...)
}

func (c *common) loadNotices(show bool) tea.Cmd {
	st, a := c.st, c.actor
	return func() tea.Msg {
		var m noticesMsg
		if err := safe(func() (err error) { m.notices, err = st.Notices(a); return err }); err != nil {
			return nil
		}
		m.show = show
		return m
	}
}

// logoutMsg asks the App to end the session.
type logoutMsg struct{}

func newLogoutConfirm(c *common) *confirm {
	return newConfirm(c, "Log out?", "Log out operator "+c.actor.Name()+"? The console goes back to the login screen.", "Log out",
		func() tea.Cmd { return func() tea.Msg { return logoutMsg{} } }).keepLabel("stay")
}
