package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/totp"
)

// Operator login on the command line. Every command that acts as an
// operator logs in afresh: the name comes from --operator,
// GUARDROOM_OPERATOR or the config file (a terminal asks when none is
// given), the password from a masked prompt or, for scripts, from a file
// only its owner can read. Then the login steps the store asks for: the
// second factor, a new password after a one-time one, enrolling a second
// factor a role requires. The store checks everything and says no in its
// own words; this file only asks and passes the answers on.

// loginVia is how CLI logins are recorded in the action log.
const loginVia = "cli"

// newPasswordTries is how often a terminal asks again for a new password
// that is too weak or typed differently twice. Wrong passwords and codes
// are not asked again: each counts towards the store's lockout.
const newPasswordTries = 3

// refusal is a login refused before the store is asked (no operator, no
// password): printed as is, exit 1, like the store's own refusals.
func refusal(format string, args ...any) error {
	return &store.Refusal{Kind: store.ErrLogin, Msg: fmt.Sprintf(format, args...)}
}

// login logs the operator in and leaves their actor in e.actor. A command
// that does a login step itself names it in o.step: the login stops there.
func (e *env) login(o openOptions) error {
	name, err := e.operatorName()
	if err != nil {
		return err
	}
	a, err := e.passwordLogin(name)
	if err != nil {
		return err
	}
	e.actor = a
	for a.Step() != store.StepNone && a.Step() != o.step {
		switch a.Step() {
		case store.StepSecondFactor:
			a, err = e.secondFactor(a)
		case store.StepNewPassword:
			a, err = e.newPasswordStep(a)
		case store.StepEnrol2FA:
			if !e.terminal() {
				return refusal("a role of operator %s requires a second factor, and none is enrolled yet: run guardroom operator 2fa on a terminal (an authenticator app on a phone reads its QR code)", name)
			}
			fmt.Fprintf(e.stderr, "A role of operator %s requires a second factor: enrol one now.\n", name)
			a, err = e.enrol(a, e.stderr)
		default:
			return fmt.Errorf("operator %s must still do a login step this guardroom does not know (%s): use a newer guardroom", name, a.Step())
		}
		if err != nil {
			return err
		}
		e.actor = a
	}
	e.sessionActor(a)
	if a.Step() == store.StepNone && !o.ownNotices {
		e.showNotices()
	}
	return nil
}

// operatorName is who logs in: as configured, else asked on a terminal.
func (e *env) operatorName() (string, error) {
	if e.cfg.Operator != "" {
		return e.cfg.Operator, nil
	}
	if !e.terminal() {
		return "", refusal("no operator to log in as: name one with --operator NAME, GUARDROOM_OPERATOR or operator in the config file, and give the password in a file with --password-file FILE or GUARDROOM_PASSWORD_FILE")
	}
	fmt.Fprint(e.stderr, "Operator: ")
	name, err := e.readLine()
	if err != nil && err != io.EOF {
		return "", err
	}
	if name = strings.TrimSpace(name); name == "" {
		return "", refusal("no operator name typed: nothing was done")
	}
	e.cfg.Operator = name
	return name, nil
}

// passwordLogin checks the operator's password: from the password file
// when one is given, else typed on the terminal.
func (e *env) passwordLogin(name string) (store.Actor, error) {
	var pw string
	switch {
	case e.cfg.PasswordFile != "":
		var err error
		if pw, err = readPasswordFile(e.abs(e.cfg.PasswordFile)); err != nil {
			return store.Actor{}, err
		}
	case e.terminal():
		var err error
		if pw, err = e.askHidden(fmt.Sprintf("Password for operator %s: ", name)); err != nil {
			return store.Actor{}, err
		}
	default:
		return store.Actor{}, refusal("no password for operator %s: with no terminal to ask on, give --password-file FILE (or set GUARDROOM_PASSWORD_FILE) naming a file only you can read (chmod 600) with the password on its first line", name)
	}
	a, err := e.s.Login(name, pw, loginVia, "")
	if err != nil {
		return store.Actor{}, err
	}
	e.password = pw
	return a, nil
}

// readPasswordFile reads the first line of a password file. Like the key
// file, it must be closed to other users.
func readPasswordFile(path string) (string, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("password file %s does not exist: check the path", path)
	}
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("password file %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("password file %s is open to other users (mode %04o): run chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", fmt.Errorf("password file %s is empty: put the password on its first line", path)
	}
	return line, nil
}

// askHidden prompts on the terminal and reads a line without echo.
func (e *env) askHidden(prompt string) (string, error) {
	s, err := e.readHidden(prompt)
	if err == io.EOF || (err == nil && s == "") {
		return "", refusal("nothing typed: nothing was done")
	}
	return s, err
}

// secondFactor asks the code from the operator's app, or a recovery code.
func (e *env) secondFactor(a store.Actor) (store.Actor, error) {
	if !e.terminal() {
		return a, refusal("operator %s has a second factor: run this on a terminal, or use an operator without one for scripts", a.Name())
	}
	code, err := e.askHidden("Code from your authenticator app (or a recovery code): ")
	if err != nil {
		return a, err
	}
	return e.s.SecondFactor(a, code)
}

// newPasswordStep replaces a one-time password at login.
func (e *env) newPasswordStep(a store.Actor) (store.Actor, error) {
	if !e.terminal() {
		return a, refusal("operator %s logged in with a one-time password and must choose a new one first: run guardroom operator passwd --new-password-file FILE (a file only you can read, with the new password on its first line), or any command on a terminal", a.Name())
	}
	fmt.Fprintf(e.stderr, "Operator %s has a one-time password: choose a new one (at least %d characters; a few words make a good one).\n", a.Name(), store.MinPasswordLength)
	pw, err := e.askNewPassword(a.Name())
	if err != nil {
		return a, err
	}
	next, err := e.s.ChangePassword(a, "", pw)
	if err != nil {
		return a, err
	}
	e.password = pw
	fmt.Fprintf(e.stderr, "Password of operator %s changed.\n", a.Name())
	return next, nil
}

// askNewPassword reads a new password on the terminal: typed twice, and
// checked against the store's rules before the second time.
func (e *env) askNewPassword(username string) (string, error) {
	for range newPasswordTries {
		pw, err := e.askHidden("New password: ")
		if err != nil {
			return "", err
		}
		if err := store.CheckPassword(username, pw); err != nil {
			fmt.Fprintf(e.stderr, "guardroom: %s\n", err)
			continue
		}
		again, err := e.askHidden("Type it again: ")
		if err != nil {
			return "", err
		}
		if again != pw {
			fmt.Fprintln(e.stderr, "guardroom: the two passwords differ: type them again")
			continue
		}
		return pw, nil
	}
	return "", refusal("no new password chosen after %d tries: nothing was changed", newPasswordTries)
}

// enrol adds a second factor for the actor: the secret, its URI and, when
// w is a terminal with room for it, the QR code; then a code from the app
// confirms it, and the recovery codes are printed once.
func (e *env) enrol(a store.Actor, w io.Writer) (store.Actor, error) {
	key, err := e.s.BeginTOTP(a)
	if err != nil {
		return a, err
	}
	fmt.Fprintf(w, "Add operator %s to an authenticator app on your phone: scan the QR code, or type the secret.\n\n", a.Name())
	if qr, why := qrFor(w, key.URI); qr != "" {
		fmt.Fprintf(w, "%s\n\n", qr)
	} else if why != "" {
		fmt.Fprintf(w, "(%s)\n", why)
	}
	fmt.Fprintf(w, "Secret:  %s\nURI:     %s\n\n", groupSecret(key.Secret), key.URI)
	for try := 1; ; try++ {
		fmt.Fprint(e.stderr, "Code the app shows now: ")
		code, err := e.readLine()
		if err != nil && err != io.EOF {
			return a, err
		}
		if strings.TrimSpace(code) == "" {
			return a, refusal("no code typed: the second factor was not enrolled; run guardroom operator 2fa again")
		}
		codes, next, err := e.s.ConfirmTOTP(a, code)
		if err != nil {
			if errors.Is(err, store.ErrInvalid) && e.terminal() && try < newPasswordTries {
				fmt.Fprintf(e.stderr, "guardroom: %s\n", err)
				continue
			}
			return a, err
		}
		e.wrote = true
		fmt.Fprintf(w, "Second factor enrolled for operator %s. Recovery codes: each logs you in once if the phone is lost.\nWrite them down now and keep them apart from the phone; they are not shown again.\n\n", a.Name())
		for _, c := range codes {
			fmt.Fprintf(w, "  %s\n", c)
		}
		fmt.Fprintln(w)
		return next, nil
	}
}

// qrFor draws the otpauth URI as a QR code when w is a terminal big enough
// for it; otherwise it says why not (nothing when w is not a terminal).
func qrFor(w io.Writer, uri string) (qr, why string) {
	f, ok := terminalOf(w).(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", ""
	}
	width, err := totp.QRWidth(uri)
	if err != nil {
		return "", ""
	}
	cols, rows, err := term.GetSize(int(f.Fd()))
	// The code, then the secret, the URI and the prompt below it.
	need := (width+1)/2 + 6
	if err != nil || cols < width || rows < need {
		return "", fmt.Sprintf("the terminal is too small for the QR code: make it at least %d by %d, or type the secret", width, need)
	}
	if qr, err = totp.QR(uri); err != nil {
		return "", ""
	}
	return qr, ""
}

// groupSecret writes a base32 secret in groups of four, for typing.
func groupSecret(s string) string {
	var groups []string
	for len(s) > 4 {
		groups = append(groups, s[:4])
		s = s[4:]
	}
	return strings.Join(append(groups, s), " ")
}

// showNotices prints the security events the operator has not seen yet on
// stderr, then dismisses them.
func (e *env) showNotices() {
	ns, err := e.s.Notices(e.actor)
	if err != nil {
		e.log().Warn("security notices", "error", err.Error())
		return
	}
	if len(ns) == 0 {
		return
	}
	for _, n := range ns {
		fmt.Fprintf(e.stderr, "guardroom: security notice (%s, %s): %s\n", localTime(n.Time, "2006-01-02 15:04"), clean(n.Event), clean(n.Detail))
	}
	fmt.Fprintln(e.stderr, "guardroom: if any of this was not you or someone you asked, tell your administrator at once.")
	if err := e.s.DismissNotices(e.actor, ns[len(ns)-1].Seq); err != nil {
		e.log().Warn("dismiss security notices", "error", err.Error())
	}
}
