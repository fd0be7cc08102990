package tui

// The Operators tab: only for those who manage operators; adding an
// operator shows the one-time password once; the store's refusals in its
// words; suspend asks first; the access end typed and refused; the roles
// view and a role's second-factor requirement; SSH keys; and the goldens
// of the grid, the details, the form and the roles view on a site where
// operators are in every status.

import (
	"crypto/ed25519"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/totp"
)

// oneTimePattern is a one-time password as the store makes them.
var oneTimePattern = regexp.MustCompile(`\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b`)

// goOperators switches to the Operators tab and waits for its grid of n.
func goOperators(d driver, n int) string {
	d.press("8")
	return d.waitScreen("Operator", "Expires", fmt.Sprintf("1-%d of %d", n, n))
}

// pick filters the grid down to one row by its text.
func (c *console) pick(text string) {
	c.t.Helper()
	c.press("/", "ctrl+u")
	c.typ(text)
	c.press("enter")
	c.waitScreen("1-1 of 1", "filter: "+text)
}

func (f *fixture) operator(tb testing.TB, name string) store.Operator {
	tb.Helper()
	o, err := f.s.GetOperator(f.admin, name)
	check(tb, err)
	return o
}

// testKey is an SSH public key line made from a fixed seed.
func testKey(tb testing.TB, seed byte, comment string) (line, fingerprint string) {
	tb.Helper()
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	priv := ed25519.NewKeyFromSeed(s)
	pk, err := ssh.NewPublicKey(priv.Public())
	check(tb, err)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " " + comment, ssh.FingerprintSHA256(pk)
}

// A guard never sees the tab, nor its key in the help or the palette;
// the administrator has it.
func TestOperatorsTabOnlyForManagers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	g := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleGuard]})
	if strings.Contains(g.lines()[1], "Operators") {
		t.Fatalf("a guard has the Operators tab: %q", g.lines()[1])
	}
	g.press("8")
	g.press("?")
	scr := g.waitScreen("Keys —", "Panels actions")
	if strings.Contains(scr, "Operators and their roles") {
		t.Fatalf("the help offers a guard the Operators tab:\n%s", scr)
	}
	g.press("esc")
	g.waitGone("Keys —")
	g.press(":")
	g.typ("screen.op")
	scr = g.waitScreen("Command", "screen.op▌")
	if strings.Contains(scr, "screen.operators") {
		t.Fatalf("the palette offers a guard the Operators tab:\n%s", scr)
	}
	g.press("esc")
	if l := g.lines()[0]; !strings.HasPrefix(l, " Panels") {
		t.Fatalf("8 left the Panels screen for a guard: %q", l)
	}

	a := start(t, f, consoleOpts{w: 120, h: 40})
	if !strings.Contains(a.lines()[1], "8 Op") { // "8 Ops" since the Alarms tab
		t.Fatalf("the administrator has no Operators tab: %q", a.lines()[1])
	}
	goOperators(a, 5)
	a.waitLineWith("gina ", "Guard", "Organization", "must change password", "off", "-")
	a.waitLineWith("admin ", "Administrator")
}

// Adding an operator shows the one-time password once, which logs them
// in (to a new password), and the grid has the new row.
func TestAddOperator(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goOperators(c, 5)
	c.press("n")
	c.waitScreen("Add an operator", "Username", "[ ] Guard", "[ ] Organization")
	c.typ("nina")
	c.press("tab")
	c.typ("Nina Night")
	c.press("tab")
	c.typ("nina@example.com")
	c.press("tab", "space") // Guard
	c.press("down", "enter")
	c.waitScreen("When does Installer end?")
	c.typ("2026-06-30 07:00")
	c.press("enter")
	c.waitScreen("[x] Installer        until 2026-06-30 07:00")
	c.press("down", "down", "down", "down", "down", "space") // Organization / Harbour Campus
	c.waitScreen("> [x] Harbour Campus")
	c.press("tab", "tab", "tab", "tab") // North Tower, Riverside Depot, Access ends, Save
	c.waitScreen(">  Save")
	c.press("enter")
	scr := c.waitScreen("One-time password for nina", "Operator nina added.", "Give it in person; it must be changed at the first login.")
	pw := oneTimePattern.FindString(scr)
	if pw == "" {
		t.Fatalf("no one-time password on screen:\n%s", scr)
	}
	c.waitStatus("operator nina added")
	c.press("enter")
	c.waitGone("One-time password")
	c.waitLineWith("nina ", "▶", "Nina Night", "Guard, Install", "Harbour Cam", "must change password", "off", "0")
	o := f.operator(t, "nina")
	if o.Email != "nina@example.com" || len(o.Grants) != 2 || !o.Grants[1].Expires.Equal(time.Date(2026, 6, 30, 7, 0, 0, 0, time.Local)) || len(o.Units) != 1 || o.Units[0] != f.site {
		t.Fatalf("operator added as %+v", o)
	}
	a, err := f.s.Login("nina", pw, "test", "")
	if err != nil || a.Step() != store.StepNewPassword {
		t.Fatalf("login with the one-time password shown: %v, step %q", err, a.Step())
	}
	// Shown once: gone from the screen, and the details never show it.
	c.press("enter")
	scr = c.waitScreen("Operator nina", "Installer — until 2026-06-30 07:00", "Organization / Harbour Campus")
	if strings.Contains(scr, pw) {
		t.Fatal("the details show the one-time password")
	}
}

// A refusal is the store's, in its words, and stays in the form with what
// was typed: a shift lead who manages operators cannot grant Administrator.
func TestAddOperatorRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lead := store.Roles[store.RoleSupervisor] | store.PermManageOperators
	check(t, f.s.AddRole(f.admin, store.Role{Name: "Shift lead", Perms: lead}))
	_, err := f.s.AddOperator(f.admin, store.NewOperator{Username: "lena", Grants: []store.Grant{{Role: "Shift lead"}}, Units: []uint64{store.RootUnit}})
	check(t, err)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: must(f.s.Actor("lena", "tui"))})
	goOperators(c, 6)
	c.press("n")
	c.waitScreen("Add an operator")
	c.typ("max")
	c.press("tab", "tab", "tab")             // Guard
	c.press("down", "down", "down", "space") // Administrator
	c.press("down", "down", "down", "space") // Organization
	c.waitScreen("[x] Administrator", "> [x] Organization")
	c.press("tab", "tab", "tab", "tab", "tab") // the other units, Access ends, Save
	c.waitScreen(">  Save")
	c.press("enter")
	want := fmt.Sprintf("you cannot grant Administrator: it holds permissions you do not have (%s)", store.Roles[store.RoleAdministrator]&^lead)
	c.waitScreen(want, "Add an operator", "max")
	if _, err := f.s.GetOperator(f.admin, "max"); err == nil {
		t.Fatal("a refused operator was added")
	}
	// Nor may she change the administrator: the hints and ? say why.
	c.press("esc")
	c.pick("admin")
	c.press("?")
	c.helpShows("remove — unavailable: operator admin holds")
}

// Suspend asks first, Enter cancels, y suspends; the filter finds the
// suspended one; v lets them in again.
func TestSuspendOperator(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goOperators(c, 5)
	c.pick("ivan")
	c.press("s")
	c.waitScreen("Suspend operator ivan?", "y suspend", "n/esc/enter cancel")
	c.press("enter")
	c.waitGone("Suspend operator ivan?")
	if f.operator(t, "ivan").Suspended {
		t.Fatal("enter suspended the operator")
	}
	c.press("s")
	c.waitScreen("Suspend operator ivan?")
	c.press("y")
	c.waitStatus("operator ivan suspended")
	c.waitLineWith("ivan ", "suspended")
	if !f.operator(t, "ivan").Suspended {
		t.Fatal("y did not suspend the operator")
	}
	c.press("/", "ctrl+u")
	c.typ("status:susp")
	c.press("enter")
	c.waitScreen("1-1 of 1", "filter: status:susp")
	c.waitLineWith("ivan ", "suspended")
	// Reactivate is offered now (it is hinted only when it can run).
	c.waitLine(c.h-2, "v reactivate")
	c.press("v")
	c.waitStatus("operator ivan reactivated")
	if f.operator(t, "ivan").Suspended {
		t.Fatal("still suspended")
	}
	// Oneself: the store's words.
	c.pick("admin")
	c.press("s")
	c.waitStatus("suspend: you cannot suspend yourself: ask another administrator")
}

// The access end: bad input is refused with what to type; a good one is
// in the grid and the store.
func TestExpireOperator(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goOperators(c, 5)
	c.pick("sue")
	c.press("x")
	c.waitScreen("When does the access of operator sue end?", "e.g. 2026-12-31 18:00")
	c.typ("31/12/2026")
	c.press("enter")
	c.waitScreen(`the end "31/12/2026" is not a date and time: type it as 2026-12-31 18:00 (local time), or leave it empty for no end`)
	if !f.operator(t, "sue").Expires.IsZero() {
		t.Fatal("bad input set an end")
	}
	c.press("ctrl+u")
	c.typ("2026-12-31 18:00")
	c.press("enter")
	c.waitStatus("the access of operator sue ends at 2026-12-31 18:00")
	c.waitGone("When does the access")
	c.waitLineWith("sue ", "Supervisor", "2026-12-31 18:00")
	if got := f.operator(t, "sue").Expires; !got.Equal(time.Date(2026, 12, 31, 18, 0, 0, 0, time.Local)) {
		t.Fatalf("expires %v", got)
	}
	// Cleared again.
	c.press("x")
	c.waitScreen("2026-12-31 18:00▌")
	c.press("ctrl+u", "enter")
	c.waitStatus("the access of operator sue has no end")
	if !f.operator(t, "sue").Expires.IsZero() {
		t.Fatal("the end was not cleared")
	}
	// The row, which x's dialog starts from, shows it too.
	c.waitFor("sue's row without an end", func(string) bool {
		l := c.lineWithText("sue ")
		return l != "" && !strings.Contains(l, "2026-12-31")
	})
	// An end in the past: expired at once.
	c.press("x")
	c.typ("2026-05-01")
	c.press("enter")
	c.waitLineWith("sue ", "expired", "2026-05-01 00:00")
}

// The roles view lists the five predefined roles and a custom one; f
// makes Installer require a second factor, which ivan's row then wants.
func TestRolesView(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	check(t, f.s.AddRole(f.admin, store.Role{Name: "Night lead", Perms: store.Roles[store.RoleGuard] | store.PermManageLocksTags, Description: "night shift"}))
	c := start(t, f, consoleOpts{w: 120, h: 40})
	goOperators(c, 5)
	c.waitLine(c.h-2, "r roles")
	c.press("r")
	c.waitScreen("Operators › Roles", "Permissions", "1-6 of 6")
	for _, r := range store.RoleNames() {
		c.waitLineWith(r+" ", "predefined", "optional", "1")
	}
	c.waitLineWith("Night lead", "custom", "optional", "0", "arm/disarm, manage locks and tags, lock/unlock doors")
	c.waitLineWith("Administrator", "all permissions")
	c.waitLine(c.h-2, "r operators")
	c.pick("installer")
	c.press("f")
	c.waitStatus("Installer requires a second factor")
	c.waitLineWith("Installer", "predefined", "2FA required")
	for _, r := range must(f.s.ListRoles(f.admin)) {
		if r.Name == store.RoleInstaller && !r.Require2FA {
			t.Fatal("Installer does not require a second factor")
		}
	}
	// A predefined role cannot go; a custom one nobody holds can.
	c.press("R")
	c.waitStatus("remove: Installer is a predefined role and cannot be removed")
	c.press("r")
	c.pick("ivan")
	c.press("enter")
	c.waitScreen("Operator ivan", "Installer — no end · requires 2FA", "off: a role requires it, so they enrol at their next login")
	c.press("esc")
	c.press("r", "/", "ctrl+u")
	c.typ("night")
	c.press("enter")
	c.waitScreen("1-1 of 1")
	c.press("R")
	c.waitScreen("Remove role Night lead?", "y remove")
	c.press("y")
	c.waitStatus("role Night lead removed")
}

// A custom role made in the form, permissions from the checklist.
func TestAddRole(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goOperators(c, 5)
	c.press("r", "n")
	c.waitScreen("Add a custom role", "[ ] view equipment")
	c.typ("Door keeper")
	c.press("tab")
	c.typ("opens doors for deliveries")
	c.press("tab", "space") // view equipment
	for _, p := range store.Perms()[1:] {
		c.press("down")
		if p == store.PermOperateDoors {
			c.press("space")
		}
	}
	c.press("tab", "space", "tab")
	c.waitScreen("[x] required of its holders", ">  Save")
	c.press("enter")
	c.waitStatus("role Door keeper added")
	c.waitLineWith("Door keeper", "▶", "custom", "2FA required", "0", "lock/unlock doors, view equipment")
	var got store.Role
	for _, r := range must(f.s.ListRoles(f.admin)) {
		if r.Name == "Door keeper" {
			got = r
		}
	}
	if got.Perms != store.PermViewEquipment|store.PermOperateDoors || !got.Require2FA || got.Description != "opens doors for deliveries" {
		t.Fatalf("role added as %+v", got)
	}
}

// Reset password: asks, then shows the new one-time password once.
func TestResetOperatorPassword(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goOperators(c, 5)
	c.pick("otto")
	c.press("p")
	c.waitScreen("Reset the password of operator otto?", "y reset")
	c.press("y")
	scr := c.waitScreen("One-time password for otto", "the old one no longer works")
	pw := oneTimePattern.FindString(scr)
	if a, err := f.s.Login("otto", pw, "test", ""); err != nil || a.Step() != store.StepNewPassword {
		t.Fatalf("login with the reset password %q: %v", pw, err)
	}
	c.press("x") // any other key keeps it on screen
	c.waitScreen("One-time password for otto")
	c.press("esc")
	c.waitGone("One-time password")
}

// SSH keys: pasted, shown in the grid and the details, picked to remove.
func TestOperatorSSHKeys(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	line, fp := testKey(t, 1, "ivan@laptop")
	goOperators(c, 5)
	c.pick("ivan")
	c.press("d")
	c.waitStatus("remove key: operator ivan has no SSH key to remove")
	c.press("a")
	c.waitScreen("Add an SSH key to operator ivan")
	c.tm.Send(tea.PasteMsg{Content: line + "\n"})
	c.press("enter")
	c.waitStatus("SSH key " + fp + " added to operator ivan")
	c.waitLineWith("ivan ", "  1 ")
	c.press("enter")
	c.waitScreen("Operator ivan", fp, "ssh-ed25519 ivan@laptop")
	c.press("d")
	c.waitScreen("Remove an SSH key of operator ivan", fp)
	c.press("enter")
	c.waitScreen("Remove an SSH key of operator ivan?", "Key "+fp, "ivan@laptop): ivan can no longer log in over SSH with it.", "y remove")
	c.press("y")
	c.waitStatus("SSH key " + fp + " removed from operator ivan")
	if k := f.operator(t, "ivan").Keys; len(k) != 0 {
		t.Fatalf("keys left: %v", k)
	}
	// A line that is not a key: the store's words, in the prompt.
	c.press("esc", "a")
	c.typ("ssh-rsa nonsense")
	c.press("enter")
	c.waitScreen("not an SSH public key")
}

// Removing an operator asks for their name.
func TestRemoveOperator(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goOperators(c, 5)
	c.pick("gina")
	c.press("R")
	c.waitScreen("Remove operator gina?", "Type gina to confirm", "ctrl+y remove")
	c.press("y", "enter")
	c.waitGone("Remove operator gina?")
	if _, err := f.s.GetOperator(f.admin, "gina"); err != nil {
		t.Fatal("enter removed the operator")
	}
	c.press("R")
	c.typ("gina")
	c.press("ctrl+y")
	c.waitStatus("operator gina removed")
	c.waitScreen("0 of 0")
	if _, err := f.s.GetOperator(f.admin, "gina"); err == nil {
		t.Fatal("gina is still there")
	}
}

// Changes made elsewhere (the CLI, another console) show without a key.
func TestOperatorsLive(t *testing.T) {
	t.Parallel()
	c, f := startAt(t)
	goOperators(c, 5)
	check(t, f.s.SuspendOperator(f.admin, "otto"))
	c.waitLineWith("otto ", "suspended")
	for range store.MaxFailures {
		_, _ = f.s.Login("gina", "wrong password!", "test", "")
	}
	c.waitLineWith("gina ", "locked until 16:25")
}

// ---- golden screens ----

// opsStory puts the fixture's operators in every status: sue logged in
// with a second factor, an SSH key and an access end; gina locked out;
// otto suspended; ivan with a Guard grant ended and Installer (which
// requires a second factor) until June; lena with a custom role.
func opsStory(tb testing.TB, f *fixture) {
	tb.Helper()
	s, admin := f.s, f.admin
	pw := must(s.ResetOperatorPassword(admin, "sue"))
	a := must(s.Login("sue", pw, "test", ""))
	a = must(s.ChangePassword(a, "", "correct horse battery"))
	key := must(s.BeginTOTP(a))
	code := must(totp.Code(key.Secret, fixedNow))
	_, _, err := s.ConfirmTOTP(a, code)
	check(tb, err)
	line, _ := testKey(tb, 2, "sue@laptop")
	must(s.AddSSHKey(admin, "sue", line))
	sue := must(s.GetOperator(admin, "sue"))
	sue.Expires = time.Date(2026, 12, 31, 18, 0, 0, 0, time.Local)
	check(tb, s.UpdateOperator(admin, sue))

	for range store.MaxFailures {
		_, _ = s.Login("gina", "wrong password!", "test", "")
	}
	check(tb, s.SuspendOperator(admin, "otto"))

	ivan := must(s.GetOperator(admin, "ivan"))
	ivan.Grants = []store.Grant{{Role: store.RoleGuard, Expires: fixedNow.Add(-24 * time.Hour)}, {Role: store.RoleInstaller, Expires: time.Date(2026, 6, 30, 7, 0, 0, 0, time.Local)}}
	ivan.Email = "ivan@example.com"
	check(tb, s.UpdateOperator(admin, ivan))
	check(tb, s.UpdateRole(admin, store.Role{Name: store.RoleInstaller, Require2FA: true}))

	check(tb, s.AddRole(admin, store.Role{Name: "Night lead", Perms: store.Roles[store.RoleGuard] | store.PermManageLocksTags, Description: "the night shift's lead"}))
	must(s.AddOperator(admin, store.NewOperator{Username: "lena", Name: "Lena Lindqvist", Email: "lena@example.com",
		Grants: []store.Grant{{Role: "Night lead"}}, Units: []uint64{f.site, f.building}}))
}

var opsScreenCases = []screenCase{
	{"Operators", func(c driver) { goOperators(c, 6); c.waitScreen("locked until 16:25", "suspended") }},
	{"OperatorDetails", func(c driver) {
		goOperators(c, 6)
		c.press("G", "enter")
		c.waitScreen("Operator sue", "SHA256:", "esc closes")
	}},
	{"AddOperator", func(c driver) {
		goOperators(c, 6)
		c.press("n")
		c.waitScreen("Add an operator", "[ ] Night lead")
		c.typ("nina")
		c.waitScreen("nina▌")
	}},
	{"Roles", func(c driver) {
		goOperators(c, 6)
		c.press("r")
		c.waitScreen("Night lead", "2FA required", "1-6 of 6")
	}},
}

// opsFixture is the fixture site with the operators' story, built without
// a restore.
func opsFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := builtFixture(tb)
	opsStory(tb, f)
	return f
}

// TestScreensOperators goldens the Operators tab at 80x24 and 120x40 in
// both themes, as TestScreens does (go test ./tui -run TestScreens -update
// rewrites both).
func TestScreensOperators(t *testing.T) {
	t.Parallel()
	f := opsFixture(t) // the screens only read: one site for all
	for _, sc := range opsScreenCases {
		t.Run(sc.name, func(t *testing.T) {
			for _, sz := range sizes {
				for _, theme := range []string{"dark", "light"} {
					t.Run(fmt.Sprintf("%dx%d-%s", sz.w, sz.h, theme), func(t *testing.T) {
						t.Parallel()
						c := start(t, f, consoleOpts{w: sz.w, h: sz.h, theme: theme})
						sc.open(c)
						lines := c.settled()
						checkFrame(t, lines, sz.w, sz.h)
						goldenScreen(t, strings.Join(lines, "\n"))
					})
				}
			}
		})
	}
}

// The row renderer on its own: an ended grant, a lockout's end, the
// access end, and a second factor a role requires.
func TestOperatorCells(t *testing.T) {
	now := fixedNow
	o := store.Operator{Username: "ivan", Name: "Ivan", HasPassword: true,
		Grants:      []store.Grant{{Role: "Installer", Expires: time.Date(2025, 11, 12, 9, 0, 0, 0, time.UTC)}, {Role: "Guard", Expires: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}},
		LockedUntil: now.Add(5 * time.Minute), Expires: time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC)}
	r := opRow{o: o, now: now, units: []string{"Harbour Campus"}, required: true}
	got := opCells(r)
	want := []string{"ivan", "Ivan", "Installer (ended 12 Nov 2025), Guard (until 31 Dec)", "Harbour Campus", "locked until 16:29", "off", "0", "-", "2026-12-31 18:00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("cells\n got %q\nwant %q", got, want)
	}
	if n := len(got); n != len(opCols) {
		t.Errorf("%d cells for %d columns", n, len(opCols))
	}
	if tones := opTones(r); tones[opFactorCol] == 0 || tones[opStatusCol] == 0 || tones[opRolesCol] == 0 {
		t.Errorf("tones %v", tones)
	}
	for in, want := range map[string]string{"2026-12-31 18:00": "2026-12-31 18:00", " 2026-12-31   18:00 ": "2026-12-31 18:00", "2026-12-31": "2026-12-31 00:00", "": "-"} {
		when, err := parseWhen("the end", in)
		if err != nil || dateTime(when) != want {
			t.Errorf("parseWhen(%q) = %v, %v; want %s", in, when, err, want)
		}
	}
	for _, bad := range []string{"31/12/2026", "2026-12-31 25:00", "tomorrow", "2026-12-31T18:00"} {
		if _, err := parseWhen("the end", bad); err == nil || !strings.Contains(err.Error(), "type it as 2026-12-31 18:00") {
			t.Errorf("parseWhen(%q): %v", bad, err)
		}
	}
	if got := roleCells(roleRow{r: store.Role{Name: "Guard", Perms: store.Roles[store.RoleGuard], Builtin: true, Require2FA: true}, holders: []string{"gina"}}); strings.Join(got, "|") != "Guard|predefined|2FA required|1|arm/disarm, lock/unlock doors, handle alarms, view equipment, view panel users, view action log" {
		t.Errorf("role cells %q", got)
	}
}

// A lockout ends by the clock alone: the screen reloads when the App's
// tick passes its end, and not before.
func TestOperatorsReloadOnTheClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range store.MaxFailures {
		_, _ = f.s.Login("gina", "wrong password!", "test", "")
	}
	until := f.operator(t, "gina").LockedUntil
	s := newOperatorsScreen(&common{st: f.s, actor: f.admin, keys: must(newKeymap(nil)), now: fixedClock})
	s.update(s.load()())
	if !s.armed.Equal(until) {
		t.Fatalf("armed for %v, want the lockout's end %v", s.armed, until)
	}
	if cmd := s.clock(until.Add(-time.Second)); cmd != nil {
		t.Fatal("reloads before the lockout ends")
	}
	if cmd := s.clock(until); cmd == nil {
		t.Fatal("no reload when the lockout ends")
	}
	if cmd := s.clock(until.Add(time.Second)); cmd != nil {
		t.Fatal("reloads twice for one end")
	}
}
