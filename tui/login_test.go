package tui

// The login screen and its steps, the operator's own actions in the shell,
// and sessions that end: driven by keys through teatest, checked on the
// screen and in the store.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/totp"
)

const (
	goodPassword  = "correct horse battery"
	otherPassword = "tidal lantern granite"
	// sshKeyLine is a valid ed25519 public key (store/auth_test.go's).
	sshKeyLine = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGlDV3XvJwKjoSBT+n5gLwJ4TR3mFPFSXOk+eZ1QyBvE ivan@laptop"
)

// loginConsole starts the console at the login screen.
func loginConsole(t *testing.T, f *fixture, o consoleOpts) *console {
	t.Helper()
	o.login = true
	c := start(t, f, o)
	c.waitScreen("Operator  > ", "Password", "enter log in")
	return c
}

// logIn types an operator's name and password on the login screen; the
// password must never show.
func (c *console) logIn(name, pw string) {
	c.t.Helper()
	c.secrets = append(c.secrets, pw)
	c.typeLogin(name, pw)
}

// typeLogin types a name and a password (the demo's, or a first password
// the screen shows) and presses enter.
func (c *console) typeLogin(name, pw string) {
	c.t.Helper()
	c.waitScreen("Operator", "Password")
	if !strings.Contains(c.screen(), "Operator  > ") {
		c.press("up")
		c.waitScreen("Operator  > ")
	}
	c.press("ctrl+u")
	c.typ(name)
	c.waitScreen("Operator  > " + name + "▌")
	c.press("enter")
	c.waitScreen("Password  > ▌")
	c.typ(pw)
	c.waitScreen("Password  > " + strings.Repeat("•", len([]rune(pw))) + "▌")
	c.press("enter")
}

// typeNewPassword types a new password twice into the password form.
func (c *console) typeNewPassword(first, again string) {
	c.t.Helper()
	c.secrets = append(c.secrets, first, again)
	c.waitScreen("New password     > ▌")
	c.typ(first)
	c.press("enter")
	c.waitScreen("Once more        > ▌")
	c.typ(again)
	c.press("enter")
}

// shell waits for the shell after a login, and acknowledges the security
// notices the login may have brought.
func (c *console) shell(notices ...string) {
	c.t.Helper()
	// The notices' dialog, tall on a small window, may cover the footer.
	if len(notices) > 0 {
		c.waitScreen(append([]string{"Security notices since your last login"}, notices...)...)
		c.press("enter")
		c.waitGone("Security notices since")
	}
	c.waitScreen("1-3 of 3")
}

// activate gives operator user a password of their own, as their first
// login would.
func activate(t *testing.T, f *fixture, user, pw string) {
	t.Helper()
	a, err := f.s.Login(user, f.oneTime[user], "test", "")
	check(t, err)
	_, err = f.s.ChangePassword(a, "", pw)
	check(t, err)
}

// enrol gives an active operator a second factor at the fixture's time and
// returns its secret and recovery codes.
func enrol(t *testing.T, f *fixture, user, pw string) (string, []string) {
	t.Helper()
	a, err := f.s.Login(user, pw, "test", "")
	check(t, err)
	key, err := f.s.BeginTOTP(a)
	check(t, err)
	codes, _, err := f.s.ConfirmTOTP(a, code(t, key.Secret, fixedNow))
	check(t, err)
	return key.Secret, codes
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.Code(secret, at)
	check(t, err)
	return c
}

// wrongCode is a code the app does not show around the fixture's time.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	var valid []string
	for d := -2; d <= 2; d++ {
		valid = append(valid, code(t, secret, fixedNow.Add(time.Duration(d)*30*time.Second)))
	}
	for n := 0; ; n++ {
		if c := fmt.Sprintf("%06d", n*111_111%1_000_000); !slices.Contains(valid, c) {
			return c
		}
	}
}

// lastEntry is the newest log entry of an action.
func lastEntry(t *testing.T, f *fixture, action string) (store.Entry, bool) {
	t.Helper()
	entries, err := f.s.ListLog(f.admin, store.LogFilter{Action: action})
	check(t, err)
	if len(entries) == 0 {
		return store.Entry{}, false
	}
	return entries[0], true
}

// awaitEntry waits for the newest entry of action: the console writes its
// start and end in commands of their own, which may land after the screen
// the test waited for on a busy machine.
func awaitEntry(t *testing.T, f *fixture, action string) (store.Entry, bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		e, ok := lastEntry(t, f, action)
		if ok || time.Now().After(deadline) {
			return e, ok
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := loginConsole(t, f, consoleOpts{})
	if scr := c.screen(); strings.Contains(scr, "demo") || strings.Contains(scr, "one-time password") {
		t.Fatalf("a real site's login screen shows demo logins or a first password:\n%s", scr)
	}
	c.press("enter")
	c.waitScreen("type your operator name")

	// Wrong passwords: the store's words, the password field emptied.
	for i := 1; i < store.MaxFailures; i++ {
		c.logIn("gina", "not her password")
		c.waitScreen("wrong operator name or password", "Operator  > ▌")
	}
	c.logIn("gina", "still not her password")
	c.waitScreen("operator gina is now locked until 16:25 after 5 failed logins")
	// Locked: even the right password is refused, with until when.
	c.logIn("gina", f.oneTime["gina"])
	c.waitScreen("operator gina is locked until 16:25 after 5 failed logins: try again then, or ask an administrator to unlock it")
	// Unknown operators read like a wrong password.
	c.logIn("nobody", goodPassword)
	c.waitScreen("wrong operator name or password", "Operator  > ▌")
	if _, ok := lastEntry(t, f, "console.start"); ok {
		t.Fatal("a session started without a login")
	}
}

// After a log out, and after a refused login, the screen starts empty with
// the cursor on the name: the next operator's name, tab, password never
// puts their password in the name field, and a wrong try counts against
// the operator typed, not the one before.
func TestLoginStartsEmpty(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	activate(t, f, "gina", goodPassword)
	activate(t, f, "ivan", otherPassword)
	c := loginConsole(t, f, consoleOpts{})
	c.logIn("gina", goodPassword)
	c.shell("password changed")
	c.press("ctrl+d", "y")
	scr := c.waitScreen("Logged out.", "Operator  > ▌", "Password    ")
	if strings.Contains(scr, "gina") {
		t.Fatalf("the login screen after a log out still names gina:\n%s", scr)
	}
	// ivan types as anyone would: name, tab, password (a wrong one).
	c.typ("ivan")
	c.press("tab")
	c.typ("not-ivans")
	c.waitScreen("Operator    ivan", "Password  > •••••••••▌")
	c.press("enter")
	scr = c.waitScreen("wrong operator name or password", "Operator  > ▌")
	if strings.Contains(scr, "ivan") {
		t.Fatalf("the login screen after a refusal keeps the name:\n%s", scr)
	}
	for name, want := range map[string]int{"gina": 0, "ivan": 1} {
		op, err := f.s.GetOperator(f.admin, name)
		check(t, err)
		if op.Failures != want {
			t.Errorf("operator %s has %d failed logins, want %d", name, op.Failures, want)
		}
	}
}

func TestLoginFirstPasswordChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.oneTime["admin"]
	c := loginConsole(t, f, consoleOpts{first: first})
	c.waitScreen("This database is new. Operator admin's one-time password:", first, "it is shown only now; you will choose a new one at once")

	c.typeLogin("admin", first)
	c.waitScreen("New password — operator admin", "one-time password: choose your own", "At least 10 characters")
	// The rule is checked before the password is typed again.
	c.typ("short")
	c.press("enter")
	c.waitScreen("the password has 5 characters: use at least 10", "New password     > ▌")
	c.typ("admin-is-my-name")
	c.press("enter")
	c.waitScreen("the password contains the operator name", "New password     > ▌")
	c.typeNewPassword(goodPassword, goodPassword+"!")
	c.waitScreen("the two new passwords differ: type the new password twice again", "New password     > ▌")
	c.typeNewPassword(goodPassword, goodPassword)
	c.shell("password changed", "The password of operator admin was changed")

	// Acknowledging dismisses them in the store, in a command of its own:
	// wait for it rather than race it.
	admin := must(f.s.Login("admin", goodPassword, "test", ""))
	deadline := time.Now().Add(10 * time.Second)
	for ns, _ := f.s.Notices(admin); len(ns) != 0; ns, _ = f.s.Notices(admin) {
		if time.Now().After(deadline) {
			t.Fatalf("notices left after acknowledging them: %+v", ns)
		}
		time.Sleep(10 * time.Millisecond)
	}
	e, ok := awaitEntry(t, f, "console.start")
	if !ok || e.Operator != "admin" || e.After["via"] != "tui" || e.After["from"] != "this computer" {
		t.Fatalf("console.start %+v", e)
	}
	// The one-time password is not shown again, not even after a log out.
	c.press("ctrl+d")
	c.waitScreen("Log out operator admin?", "y log out")
	c.press("y")
	c.waitScreen("Logged out.", "Operator  > ▌")
	if strings.Contains(c.screen(), first) {
		t.Fatal("the used one-time password is still on the login screen")
	}
	e, ok = awaitEntry(t, f, "console.end")
	if !ok || e.Operator != "admin" || e.After["end"] != "logged out" {
		t.Fatalf("console.end %+v", e)
	}
}

func TestLoginSecondFactor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	activate(t, f, "ivan", goodPassword)
	secret, recovery := enrol(t, f, "ivan", goodPassword)
	c := loginConsole(t, f, consoleOpts{w: 120, h: 40})
	c.logIn("ivan", goodPassword)
	c.waitScreen("Second factor — operator ivan", "or one of your recovery codes", "time here: 16:24:55")
	c.typ(wrongCode(t, secret))
	c.press("enter")
	c.waitScreen("wrong code: type the current one from your authenticator app, or a recovery code", "Code  > ▌")
	// The code of the next 30 seconds (the enrolment used this one's).
	c.typ(code(t, secret, fixedNow.Add(30*time.Second)))
	c.press("enter")
	c.shell("password changed", "second factor enrolled")
	if !strings.Contains(c.lines()[0], "ivan") {
		t.Fatalf("the header does not name ivan: %q", c.lines()[0])
	}

	// Log out, and in again with a recovery code.
	c.press("ctrl+d")
	c.press("y")
	c.waitScreen("Logged out.", "Operator  > ▌")
	c.logIn("ivan", goodPassword)
	c.waitScreen("Second factor — operator ivan")
	c.typ(strings.ToUpper(recovery[0]))
	c.press("enter")
	c.shell("recovery code used", "9 are left")
}

// recoveryPattern finds the recovery codes on the screen.
var recoveryPattern = regexp.MustCompile(`\b[a-z0-9]{5}-[a-z0-9]{5}\b`)

// secretPattern finds the secret, grouped in fours.
var secretPattern = regexp.MustCompile(`\b[A-Z2-7]{4}(?: [A-Z2-7]{1,4}){3,}\b`)

// qrOnScreen reports whether the screen shows a QR code (half blocks).
func qrOnScreen(scr string) bool { return strings.Count(scr, "▀")+strings.Count(scr, "▄") > 50 }

func TestLoginEnrolmentRequiredByRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	check(t, f.s.UpdateRole(f.admin, store.Role{Name: store.RoleInstaller, Require2FA: true}))

	t.Run("80x24 has no room for the QR code", func(t *testing.T) {
		c := loginConsole(t, f, consoleOpts{})
		c.logIn("ivan", f.oneTime["ivan"])
		c.typeNewPassword(goodPassword, goodPassword)
		scr := c.waitScreen("second factor for operator ivan", "Make the window at least 104 columns by 33 rows to show the QR code, or type the secret into your authenticator app", "Code  > ▌")
		if qrOnScreen(scr) || secretPattern.FindString(scr) == "" {
			t.Fatalf("want the secret and no QR code at 80x24:\n%s", scr)
		}
		c.press("esc")
		c.waitScreen("Operator  > ▌")
	})

	c := loginConsole(t, f, consoleOpts{w: 200, h: 50})
	c.logIn("ivan", goodPassword)
	scr := c.waitScreen("Scan the QR code", "Key URI", "otpauth://totp/", "Code  > ▌")
	if !qrOnScreen(scr) {
		t.Fatalf("no QR code at 200x50:\n%s", scr)
	}
	secret := strings.ReplaceAll(secretPattern.FindString(scr), " ", "")
	if secret == "" {
		t.Fatalf("no secret on screen:\n%s", scr)
	}
	c.typ(wrongCode(t, secret))
	c.press("enter")
	c.waitScreen("wrong code: check the time on your phone")
	c.typ(code(t, secret, fixedNow))
	c.press("enter")
	scr = c.waitScreen("Recovery codes — write these down: each logs you in once if you lose your phone", "enter continue to the console")
	codes := recoveryPattern.FindAllString(scr, -1)
	if len(codes) != store.RecoveryCodeCount {
		t.Fatalf("%d recovery codes on screen, want %d:\n%s", len(codes), store.RecoveryCodeCount, scr)
	}
	c.press("x") // only enter leaves the codes
	c.press("enter")
	c.shell("second factor enrolled")

	// The codes shown are the operator's.
	a, err := f.s.Login("ivan", goodPassword, "test", "")
	check(t, err)
	if a.Step() != store.StepSecondFactor {
		t.Fatalf("step after enrolment: %q", a.Step())
	}
	if _, err := f.s.SecondFactor(a, codes[3]); err != nil {
		t.Fatalf("a recovery code from the screen: %v", err)
	}
}

func TestLoginDemoLogins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	activate(t, f, "gina", goodPassword)
	demo := []store.DemoLogin{{Username: "admin", Role: store.RoleAdministrator, Password: "harbour-lantern-42"}, {Username: "gina", Role: store.RoleGuard, Password: goodPassword}}
	c := loginConsole(t, f, consoleOpts{demo: demo})
	c.waitScreen("This is the demo site", "operator  role           password", "admin     Administrator  harbour-lantern-42", "gina      Guard          "+goodPassword)
	c.typeLogin("gina", goodPassword)
	c.shell("password changed")
}

func TestSessionEndsWhenSuspended(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	activate(t, f, "gina", goodPassword)
	c := loginConsole(t, f, consoleOpts{})
	c.logIn("gina", goodPassword)
	c.shell("password changed")
	check(t, f.s.SuspendOperator(f.admin, "gina"))
	c.waitScreen("Your session ended: the access of operator gina was changed by an administrator since this login: log in again", "Operator  > ▌")
	e, ok := awaitEntry(t, f, "console.end")
	if !ok || e.Operator != "gina" || e.After["end"] != store.EndSuspended {
		t.Fatalf("console.end %+v", e)
	}
	c.logIn("gina", goodPassword)
	c.waitScreen("operator gina is suspended")
}

// clock is a store clock a test moves on.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// An access that ends while the console is open ends the session at the
// next tick, with the store's reason.
func TestSessionEndsWhenAccessExpires(t *testing.T) {
	t.Parallel()
	clk := &clock{now: fixedNow}
	f := newFixtureAt(t, clk.Now)
	activate(t, f, "gina", goodPassword)
	op, err := f.s.GetOperator(f.admin, "gina")
	check(t, err)
	op.Expires = fixedNow.Add(10 * time.Minute)
	check(t, f.s.UpdateOperator(f.admin, op))
	c := loginConsole(t, f, consoleOpts{w: 120, h: 40})
	c.logIn("gina", goodPassword)
	c.shell("password changed")
	c.waitStatus("your access, or one of your roles, ends at Wed 13 May 16:34")
	clk.advance(10 * time.Minute)
	c.waitScreen("Your session ended: the access of operator gina, or one of its roles, ended at 2026-05-13 16:34: log in again", "Operator  > ▌")
	if e, ok := awaitEntry(t, f, "console.end"); !ok || e.After["end"] != store.EndExpired {
		t.Fatalf("console.end %+v", e)
	}
}

func TestSelfServiceInTheShell(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	activate(t, f, "sue", goodPassword)
	c := loginConsole(t, f, consoleOpts{w: 120, h: 40})
	c.logIn("sue", goodPassword)
	c.shell("password changed")

	// Change my password: the current one is checked by the store.
	c.press("ctrl+p")
	c.waitScreen("Change my password — operator sue", "Current password > ▌")
	c.secrets = append(c.secrets, otherPassword)
	c.typ("not my password")
	c.press("enter")
	c.typeNewPassword(otherPassword, otherPassword)
	c.waitScreen("wrong operator name or password", "Current password > ▌")
	c.typ(goodPassword)
	c.press("enter")
	c.typeNewPassword(otherPassword, otherPassword)
	c.waitGone("Change my password")
	c.waitStatus("password changed: use the new one from the next login")
	// The change is a security notice: the header counts it, ! shows it.
	c.waitHeader("1 security notice (!)")
	c.press("!")
	c.waitScreen("Security notices since your last login", "password changed")
	c.press("enter")
	c.waitGone("Security notices since")
	c.waitFor("no notice in the header", func(string) bool { return !strings.Contains(c.lines()[0], "notice") })
	if _, err := f.s.Login("sue", otherPassword, "test", ""); err != nil {
		t.Fatalf("the new password: %v", err)
	}

	// Enrol a second factor from the shell: the QR code fits 120x40.
	c.press("ctrl+t")
	scr := c.waitScreen("Enrol a second factor — operator sue", "Scan the QR code", "Code  > ▌")
	if !qrOnScreen(scr) {
		t.Fatalf("no QR code at 120x40:\n%s", scr)
	}
	secret := strings.ReplaceAll(secretPattern.FindString(scr), " ", "")
	c.typ(code(t, secret, fixedNow))
	c.press("enter")
	scr = c.waitScreen("Recovery codes — operator sue", "write these down")
	if n := len(recoveryPattern.FindAllString(scr, -1)); n != store.RecoveryCodeCount {
		t.Fatalf("%d recovery codes", n)
	}
	c.press("enter")
	c.waitStatus("second factor enrolled")
	// Once enrolled, the store refuses another enrolment, in its words.
	c.press("ctrl+t")
	c.waitStatus("has a second factor already: an administrator can reset it")

	// The actions are in the help and the palette.
	c.press("?")
	for _, text := range []string{"Everywhere", "ctrl+p me.password", "ctrl+t me.second-factor", "! me.notices", "ctrl+d me.logout"} {
		c.helpShows(text)
	}
	c.press("esc")
	c.waitGone("Keys —")
	c.press(":")
	c.waitScreen("Command")
	c.typ("me.logout")
	c.press("enter")
	c.waitScreen("Log out operator sue?")
	c.press("n")
	c.waitGone("Log out operator sue?")
	c.waitScreen("1-3 of 3")
}

// An SSH key login whose operator has a second factor starts at it, and
// the session is logged with where it came from.
func TestKeyLoginStartsAtItsStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	activate(t, f, "ivan", goodPassword)
	secret, _ := enrol(t, f, "ivan", goodPassword)
	k, err := f.s.AddSSHKey(f.admin, "ivan", sshKeyLine)
	check(t, err)
	a, err := f.s.ActorByKey(k.Fingerprint, "ssh", "192.0.2.9:1234")
	check(t, err)
	if a.Step() != store.StepSecondFactor {
		t.Fatalf("key login step %q", a.Step())
	}
	c := start(t, f, consoleOpts{actor: a, via: "ssh", addr: "192.0.2.9:1234"})
	c.waitScreen("Second factor — operator ivan")
	c.typ(code(t, secret, fixedNow.Add(30*time.Second)))
	c.press("enter")
	c.shell("new SSH key")
	e, ok := awaitEntry(t, f, "console.start")
	if !ok || e.Operator != "ivan" || e.After["via"] != "ssh" || e.After["from"] != "192.0.2.9:1234" {
		t.Fatalf("console.start %+v", e)
	}
}

// A ready actor handed in with Via is logged from the start to the quit.
func TestReadyActorSessionIsLogged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	activate(t, f, "ivan", goodPassword)
	k, err := f.s.AddSSHKey(f.admin, "ivan", sshKeyLine)
	check(t, err)
	a, err := f.s.ActorByKey(k.Fingerprint, "ssh", "192.0.2.9:1234")
	check(t, err)
	c := start(t, f, consoleOpts{actor: a, via: "ssh", addr: "192.0.2.9:1234"})
	c.waitScreen("Security notices since your last login", "new SSH key")
	if e, ok := awaitEntry(t, f, "console.start"); !ok || e.Operator != "ivan" || e.After["via"] != "ssh" {
		t.Fatalf("console.start %+v", e)
	}
	c.press("esc")
	c.press("q")
	c.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	c.app.Close()
	if e, ok := awaitEntry(t, f, "console.end"); !ok || e.Operator != "ivan" || e.After["end"] != "quit" || e.After["from"] != "192.0.2.9:1234" {
		t.Fatalf("console.end %+v", e)
	}
	// The notices were left for later (esc), so they are still there.
	if ns, _ := f.s.Notices(a); len(ns) == 0 {
		t.Fatal("esc dismissed the notices")
	}
}

// ---- goldens and frames ----

// loginCase drives a fresh login screen to one state.
type loginCase struct {
	name  string
	opts  consoleOpts
	setup func(t *testing.T, f *fixture)
	open  func(c *console, f *fixture)
}

var loginCases = []loginCase{
	{name: "Login", open: func(c *console, _ *fixture) {}},
	{name: "LoginDemo", opts: consoleOpts{demo: []store.DemoLogin{
		{Username: "admin", Role: store.RoleAdministrator, Password: "harbour-lantern-42"},
		{Username: "guard.ana", Role: store.RoleGuard, Password: "granite-willow-07"},
		{Username: "inst.lee", Role: store.RoleInstaller, Password: "copper-beacon-93"},
		{Username: "sup.maria", Role: store.RoleSupervisor, Password: "meadow-falcon-18"},
		{Username: "audit.kim", Role: store.RoleAuditor, Password: "signal-orchard-51"},
	}}, open: func(c *console, _ *fixture) {}},
	{name: "FirstPassword", opts: consoleOpts{first: "pxyz-5dhx-bwmx-rq6y"}, open: func(c *console, _ *fixture) {}},
	{name: "WrongPassword", open: func(c *console, _ *fixture) {
		c.logIn("gina", "not her password")
		c.waitScreen("wrong operator name or password")
	}},
	{name: "NewPassword", open: func(c *console, f *fixture) {
		c.logIn("gina", f.oneTime["gina"])
		c.waitScreen("New password — operator gina")
		c.typ("short")
		c.press("enter")
		c.waitScreen("has 5 characters")
	}},
	{name: "SecondFactor", setup: func(t *testing.T, f *fixture) {
		activate(t, f, "ivan", goodPassword)
		enrol(t, f, "ivan", goodPassword)
	}, open: func(c *console, _ *fixture) {
		c.logIn("ivan", goodPassword)
		c.waitScreen("Second factor — operator ivan")
		c.typ("123")
		c.waitScreen("Code  > 123▌")
		// The PC's clock to the second, with its zone as the header has it,
		// to hold beside the phone's (issue 13 item 12).
		c.waitScreen("time here: 16:24:55 UTC")
	}},
}

// TestLoginScreens goldens the login screen's states at 80x24 and 120x40:
// testdata/TestLoginScreens/<State>/<size>-<theme>.golden.
func TestLoginScreens(t *testing.T) {
	t.Parallel()
	for _, lc := range loginCases {
		t.Run(lc.name, func(t *testing.T) {
			for _, sz := range sizes {
				for _, theme := range []string{"dark", "light"} {
					t.Run(fmt.Sprintf("%dx%d-%s", sz.w, sz.h, theme), func(t *testing.T) {
						t.Parallel()
						f := newFixture(t)
						if lc.setup != nil {
							lc.setup(t, f)
						}
						o := lc.opts
						o.w, o.h, o.theme = sz.w, sz.h, theme
						c := loginConsole(t, f, o)
						lc.open(c, f)
						lines := c.settled()
						checkLoginFrame(t, lines, sz.w, sz.h)
						goldenScreen(t, strings.Join(lines, "\n"))
					})
				}
			}
		})
	}
}

// checkLoginFrame: the box is whole and in the middle of the screen.
func checkLoginFrame(t *testing.T, lines []string, w, h int) {
	t.Helper()
	if len(lines) != h {
		t.Fatalf("%d lines on a %d-line screen", len(lines), h)
	}
	top, bottom := -1, -1
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide (> %d): %q", i, n, w, l)
		}
		if strings.Contains(l, "╭") {
			top = i
		}
		if strings.Contains(l, "╰") {
			bottom = i
		}
	}
	if top < 0 || bottom < 0 {
		t.Fatal("no whole box on the screen")
	}
	if above, below := top, h-1-bottom; above-below > 1 || below-above > 1 {
		t.Errorf("the box is not centred: %d lines above, %d below", above, below)
	}
	left := strings.Index(lines[top], "╭")
	right := w - ansi.StringWidth(strings.TrimRight(lines[top], " "))
	if d := left - right; d > 1 || d < -1 {
		t.Errorf("the box is not centred: %d cells left, %d right", left, right)
	}
}

// TestLoginFramesFit draws every login state straight from View at small
// and large sizes, and after shrinking the window: never more lines than
// the window, never a line wider; the enrolment's QR code shows only
// where it fits.
func TestLoginFramesFit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	check(t, f.s.UpdateRole(f.admin, store.Role{Name: store.RoleInstaller, Require2FA: true}))
	activate(t, f, "gina", goodPassword)
	a, err := New(Options{Store: f.s, Theme: "dark", Now: fixedClock, Environ: []string{}, DemoLogins: []store.DemoLogin{
		{Username: "admin", Role: store.RoleAdministrator, Password: "harbour-lantern-42"},
		{Username: "guard.ana", Role: store.RoleGuard, Password: "granite-willow-07"},
	}, FirstPassword: "pxyz-5dhx-bwmx-rq6y"})
	check(t, err)
	s := &syncApp{tb: t, a: a}
	fits := func(state string, wantQR bool) {
		t.Helper()
		for _, sz := range []struct{ w, h int }{{200, 50}, {120, 40}, {80, 24}, {60, 20}, {40, 12}} {
			s.send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			content := a.View().Content
			lines := strings.Split(content, "\n")
			if len(lines) != sz.h {
				t.Errorf("%s at %dx%d: %d lines", state, sz.w, sz.h, len(lines))
			}
			for i, l := range lines {
				if n := ansi.StringWidth(l); n > sz.w {
					t.Errorf("%s at %dx%d: line %d is %d cells wide", state, sz.w, sz.h, i, n)
				}
			}
			if qr := qrOnScreen(ansi.Strip(content)); qr != (wantQR && sz.w >= 104 && sz.h >= 33) {
				t.Errorf("%s at %dx%d: QR code shown %v", state, sz.w, sz.h, qr)
			}
		}
	}
	fits("credentials", false)
	s.typ("ivan")
	s.press("enter")
	s.typ(f.oneTime["ivan"])
	s.press("enter")
	s.waitScreen("New password — operator ivan")
	fits("new password", false)
	for range 2 {
		s.typ(goodPassword)
		s.press("enter")
	}
	s.send(tea.WindowSizeMsg{Width: 200, Height: 50})
	s.waitScreen("Scan the QR code")
	fits("enrolment", true)
}

// TestLightThemeQR: on a light background the QR code is drawn in reverse
// video, which turns totp.QR's light-on-dark blocks into a normal code.
func TestLightThemeQR(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	check(t, f.s.UpdateRole(f.admin, store.Role{Name: store.RoleInstaller, Require2FA: true}))
	activate(t, f, "ivan", goodPassword)
	for _, theme := range []string{"dark", "light"} {
		a, err := New(Options{Store: f.s, Theme: theme, Now: fixedClock, Environ: []string{}})
		check(t, err)
		s := &syncApp{tb: t, a: a}
		s.send(tea.WindowSizeMsg{Width: 200, Height: 50})
		s.typ("ivan")
		s.press("enter")
		s.typ(goodPassword)
		s.press("enter")
		s.waitScreen("Scan the QR code")
		content := a.View().Content
		reversed := false
		for _, l := range strings.Split(content, "\n") {
			if strings.Contains(l, "▀") && (strings.Contains(l, "\x1b[7m") || strings.Contains(l, ";7m") || strings.Contains(l, "[7;")) {
				reversed = true
			}
		}
		if reversed != (theme == "light") {
			t.Errorf("%s theme: QR code in reverse video: %v", theme, reversed)
		}
	}
}

// What a session or an abandoned login step brings back after it ended is
// dropped: it never logs anyone in nor fills the next session's screens.
// The clock and the live updates go on whatever their epoch.
func TestStaleMessagesAreDropped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	activate(t, f, "gina", goodPassword)
	a, err := New(Options{Store: f.s, Theme: "dark", Now: fixedClock, Environ: []string{}})
	check(t, err)
	s := &syncApp{tb: t, a: a}
	s.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	gina, err := f.s.Login("gina", goodPassword, "test", "")
	check(t, err)
	staleLogin := epochMsg{a.epoch, loggedInMsg{gina}}

	s.typ("gina")
	s.press("enter")
	s.typ(goodPassword)
	s.press("enter")
	s.waitScreen("Security notices since your last login")
	staleLoad := a.stamp(a.cur().load())
	s.press("enter", "ctrl+d", "y")
	s.waitScreen("Logged out.", "Operator  > ▌")

	s.send(staleLogin)
	s.send(staleLoad())
	if a.login == nil {
		t.Fatal("a stale login step opened the shell")
	}
	if rows := a.screens[0].table().Source().Len(); rows != 0 {
		t.Fatalf("a load of the ended session filled the next one's Panels screen: %d rows", rows)
	}
	if _, cmd := a.Update(epochMsg{staleLogin.epoch, tickMsg(fixedNow)}); cmd == nil {
		t.Fatal("a tick from an earlier epoch stopped the clock")
	}
}
