package tui

// Key-driven flows for every action of reference 003 and every refusal of
// its troubleshooting list: each test asserts what the screen shows and
// reads the store back afterwards.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// wide starts a 120x40 console (refusal messages fit on the status line)
// on a fresh site and opens the Users grid.
func wide(t *testing.T, actor ...store.Actor) (*console, *fixture) {
	t.Helper()
	f := newFixture(t)
	o := consoleOpts{w: 120, h: 40}
	if len(actor) > 0 {
		o.actor = actor[0]
	}
	c := start(t, f, o)
	goUsers(c)
	return c, f
}

// waitStatus waits for the status line to contain text.
func (c *console) waitStatus(text string) {
	c.t.Helper()
	c.waitLine(c.h-1, text)
}

// gridRow is the grid line of a slot (the screen line starting with its №).
func (c *console) gridRow(slot int) string {
	for _, l := range c.lines()[3 : c.h-3] {
		var n int
		if _, err := fmt.Sscan(strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(l), "▶"), " "), &n); err == nil && n == slot {
			return l
		}
	}
	return ""
}

// waitRow waits until the grid row of slot contains every text.
func (c *console) waitRow(slot int, texts ...string) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("row %d with %q", slot, texts), func(string) bool {
		row := c.gridRow(slot)
		for _, t := range texts {
			if !strings.Contains(row, t) {
				return false
			}
		}
		return row != ""
	})
}

// typeCodeTwice types code into both fields of the code dialog.
func (c *console) typeCodeTwice(first, again string) {
	c.t.Helper()
	c.typ(first)
	c.waitScreen("Code       > " + strings.Repeat("•", len(first)) + "▌")
	c.press("enter")
	c.waitScreen("Once more  > ")
	c.typ(again)
	c.waitScreen("Once more  > " + strings.Repeat("•", len(again)) + "▌")
	c.press("enter")
}

func TestSetCodeOnEmptySlot(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	c.neverShow(freeCodeA)
	goSlot(c, 5)
	c.waitRow(5, "User 5 · -", "Unknown")
	c.press("c")
	c.waitScreen("Set code — panel user 5 of Main building", "8 digits", "Role       ← User →")
	c.typeCodeTwice(freeCodeA, freeCodeA)
	c.waitGone("Set code —")
	c.waitStatus("code of panel user 5 set; the user is created on the panel")
	c.waitRow(5, "User 5 · User", "✓", "pending")

	u := f.user(t, 5)
	if !u.CodeSet || u.Role != family.RoleUser || u.Partitions != store.PartitionSet(0).With(1) {
		t.Fatalf("slot 5 after set code: %v", u)
	}
	// The action log has the change, without the code (every wait checks).
	c.press("7")
	c.waitScreen("user.set-code", "panel 1 (Main building) user 5")
	c.press("enter")
	c.waitScreen("Log entry", "code", "not set → set")
	c.press("esc")
	// The code is the one typed: the store now refuses it for another slot.
	err := f.s.SetCode(f.admin, f.main.ID, 6, freeCodeA, store.CodeOptions{})
	if !store.IsRefusal(err) || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("the code typed is not slot 5's: %v", err)
	}
}

func TestSetCodeMismatch(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	c.neverShow(freeCodeA)
	c.neverShow(freeCodeB)
	goSlot(c, 5)
	c.press("c")
	c.waitScreen("Set code — panel user 5")
	c.typeCodeTwice(freeCodeA, freeCodeB)
	c.waitScreen("the two codes do not match: type the code twice again", "Code       > ▌")
	if u := f.user(t, 5); u.CodeSet {
		t.Fatalf("mismatched codes wrote slot 5: %v", u)
	}
	c.press("esc")
	c.waitGone("Set code —")
}

// The code's format and length are checked at the first entry, not after
// typing it twice; a letter is refused in words, not dropped; the whole
// rule line shows, even at 80 columns.
func TestCodeEntryChecksTheFirstEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{})
	goUsers(c)
	goSlot(c, 5)
	c.press("c")
	c.waitScreen("Set code — panel user 5", "8 digits, not guessable", "not counting up or down like 1234), not used by another user of this panel.")
	for _, tc := range []struct{ typed, want string }{
		{"1357", "code must be 8 digits, got 4"},
		{"12345678", "code is too easy to guess"},
	} {
		c.typ(tc.typed)
		c.waitScreen("Code       > " + strings.Repeat("•", len(tc.typed)) + "▌")
		c.press("enter")
		c.waitScreen(tc.want, "Code       > ▌")
	}
	c.typ("86a")
	c.waitScreen("digits only: a code has no letters, spaces or signs", "Code       > ••▌")
	if u := f.user(t, 5); u.CodeSet {
		t.Fatalf("slot 5 got a code: %v", u)
	}
}

func TestSetCodeDuplicateRefused(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	taken := f.codes[10]
	c.neverShow(taken)
	before := must(f.s.GetPanel(f.admin, f.main.ID)).CodesSet
	goSlot(c, 5)
	c.press("c")
	c.waitScreen("Set code — panel user 5")
	c.typeCodeTwice(taken, taken)
	// The store's refusal stays in the dialog, which stays open.
	c.waitScreen("that code is already used by another user of panel 1", "Set code — panel user 5")
	if u := f.user(t, 5); u.CodeSet {
		t.Fatalf("a duplicate code was written: %v", u)
	}
	if n := must(f.s.GetPanel(f.admin, f.main.ID)).CodesSet; n != before {
		t.Fatalf("codes set %d → %d after a refused duplicate", before, n)
	}
}

func TestEditCode(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	c.neverShow(freeCodeB)
	c.neverShow(f.codes[10])
	goSlot(c, 10)
	c.press("c")
	c.waitScreen("Edit code — panel user 10 of Main building")
	if strings.Contains(c.screen(), "Role       ") {
		t.Fatalf("editing a code offers a role:\n%s", c.screen())
	}
	c.typeCodeTwice(freeCodeB, freeCodeB)
	c.waitStatus("code of panel user 10 changed; queued for the panel")
	c.waitRow(10, "pending")

	// The new code is taken, the old one free again.
	if err := f.s.SetCode(f.admin, f.main.ID, 5, freeCodeB, store.CodeOptions{}); !store.IsRefusal(err) {
		t.Fatalf("the new code is not slot 10's: %v", err)
	}
	check(t, f.s.SetCode(f.admin, f.main.ID, 6, f.codes[10], store.CodeOptions{}))
}

func TestEditLabel(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 10)
	c.press("l")
	c.waitScreen("Edit label — panel user 10 (User 10)", "> User 10▌")
	c.press("ctrl+u")
	c.typ("Boiler room")
	c.waitScreen("> Boiler room▌")
	c.press("enter")
	c.waitStatus("label of panel user 10 (User 10) saved")
	c.waitRow(10, "Boiler room · User")
	if u := f.user(t, 10); u.Label != "Boiler room" {
		t.Fatalf("label is %q", u.Label)
	}
}

func TestEditLabelNeedsCode(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 5)
	c.press("l")
	c.waitStatus("label: label cannot change: panel user 5 of Main building has no code; set a code first")
	if strings.Contains(c.screen(), "Edit label") {
		t.Fatal("the label dialog opened on a slot without a code")
	}
	if u := f.user(t, 5); u.CodeSet || u.Label != "" {
		t.Fatalf("slot 5 changed: %v", u)
	}
}

func TestChangePartitions(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 10) // partitions 1, 2
	c.press("p")
	c.waitScreen("Partitions — panel user 10 (User 10)", "[x] 1 Offices", "[x] 2 Server room", "[ ] 3 Lobby")
	c.press("down", "down", "space") // + 3
	c.waitScreen("[x] 3 Lobby")
	c.press("up", "space") // - 2
	c.waitScreen("[ ] 2 Server room")
	c.press("enter")
	c.waitStatus("partitions of panel user 10: 1, 3")
	c.waitRow(10, "1, 3 ")
	if u := f.user(t, 10); u.Partitions != store.PartitionSet(0).With(1).With(3) {
		t.Fatalf("partitions %v, want 1, 3", u.Partitions)
	}
}

func TestChangePartitionsNoneRefused(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 12) // partition 1 only
	c.press("p")
	c.waitScreen("[x] 1 Offices")
	c.press("space", "enter")
	c.waitScreen("no partition chosen: a panel user needs at least one partition", "Partitions — panel user 12")
	if u := f.user(t, 12); u.Partitions != store.PartitionSet(0).With(1) {
		t.Fatalf("partitions %v after a refusal", u.Partitions)
	}
}

func TestChangePartitionsRefusedForMaster(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 1)
	c.press("p")
	c.waitStatus("partitions: panel user 1 of Main building is a Master user: Master users always hold all partitions")
	if strings.Contains(c.screen(), "Partitions — panel user 1") {
		t.Fatal("the partition picker opened for the Master")
	}
	if u := f.user(t, 1); u.Partitions != store.AllPartitions(8) {
		t.Fatalf("master partitions %v", u.Partitions)
	}
}

func TestDisablePanelUser(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 10)
	c.press("x")
	c.waitScreen("Disable panel user 10 (User 10)?", "y disable   n/esc/enter cancel")
	// Enter never confirms.
	c.press("enter")
	c.waitGone("Disable panel user 10")
	if u := f.user(t, 10); !u.CodeSet {
		t.Fatal("enter disabled the user")
	}
	c.waitRow(10, "✓")
	c.press("x")
	c.waitScreen("Disable panel user 10 (User 10)?")
	c.press("y")
	c.waitStatus("panel user 10 (User 10) disabled")
	c.waitRow(10, "User 10 · -", "-    -")
	if u := f.user(t, 10); u.CodeSet || u.Partitions != 0 {
		t.Fatalf("slot 10 after disable: %v", u)
	}
}

func TestMasterCannotBeDisabled(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 1)
	c.press("x")
	c.waitStatus("disable: panel user 1 of Main building is a Master user and cannot be disabled: change its code instead")
	if strings.Contains(c.screen(), "Disable panel user 1") {
		t.Fatal("a confirmation opened for the Master")
	}
	if u := f.user(t, 1); !u.CodeSet {
		t.Fatal("the master lost its code")
	}
}

// An account's status in the assign dialog's suggestions is never cut: a
// long email gives way (cut with "…") at 80 columns and wider, and on a
// terminal too narrow for both the status takes the line below.
func TestAssignSuggestionStatusWhole(t *testing.T) {
	t.Parallel()
	const (
		long   = "maximilian.vandenberghe-suspended@facilities.example.com"
		status = "Suspended · cannot be assigned"
	)
	for _, tc := range []struct {
		name   string
		w, h   int
		beside bool // the status on the email's line, or on the next
	}{
		{"80x24", 80, 24, true},
		{"200x50", 200, 50, true}, // the dialog keeps its 64 columns
		{"46x24", 46, 24, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if _, err := f.s.CreateAccount(f.admin, long, f.site); err != nil {
				t.Fatal(err)
			}
			check(t, f.s.SuspendAccount(f.admin, long))
			c := start(t, f, consoleOpts{w: tc.w, h: tc.h})
			c.press("2")
			c.waitScreen("Facil", "of 1000") // cut at 46 columns
			goSlot(c, 7)
			c.press("a")
			c.waitScreen("Assign account to panel")
			c.typ("maxim")
			lines := strings.Split(c.waitScreen("▶ maximilian.", status), "\n")
			i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "▶ maximilian.") })
			if !strings.Contains(lines[i], "…") {
				t.Errorf("the long email is not cut with …: %q", lines[i])
			}
			at := i + 1
			if tc.beside {
				at = i
			}
			if !strings.Contains(lines[at], status) {
				t.Errorf("the status %q is not whole on line %d:\n%s", status, at, strings.Join(lines, "\n"))
			}
		})
	}
}

func TestAssignAccount(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 7) // code, no account
	c.press("a")
	c.waitScreen("Assign account to panel "+mainName, "← 7 Courier · User →")
	if strings.Contains(c.screen(), mainIMEI) {
		t.Fatal("the assign dialog names the panel by its IMEI")
	}

	// Empty email.
	c.press("tab", "tab", "enter")
	c.waitScreen("the Email field is empty: type the account's email and pick it from the suggestions")

	// Exact email typed, no suggestion picked.
	c.press("shift+tab", "shift+tab")
	c.typ(emailFree)
	c.waitScreen("> " + emailFree + "▌")
	c.press("tab", "tab", "enter")
	c.waitScreen("the email was not selected from the suggestions")

	// A suspended account, picked: the store refuses.
	c.press("shift+tab", "shift+tab", "ctrl+u")
	c.typ("ed.bl")
	c.waitScreen("▶ ed.blocked@example.com")
	c.press("enter") // pick; focus moves to the user
	c.press("enter") // keep slot 7; focus moves to Save
	c.press("enter")
	c.waitScreen("account ed.blocked@example.com is suspended and cannot be assigned: reactivate it first")
	if u := f.user(t, 7); u.Account != 0 {
		t.Fatalf("a suspended account was assigned: %v", u)
	}

	// Every match can be reached: the list scrolls past the fifth, and
	// says which accounts the store would refuse, and why.
	c.press("shift+tab", "shift+tab", "ctrl+u")
	c.typ("example")
	c.waitScreen("▶ ana.active@example.com", "1-5 of 6 matches", "Active · cannot be assigned",
		"account ana.active@example.com is assigned to panel user 2 of Main building already: one account holds one user per panel",
		"dora.free@example.com     Active\n")
	c.press("down", "down", "down", "down", "down")
	c.waitScreen("▶ fay.fresh@example.com", "2-6 of 6 matches")
	c.press("up", "up", "up", "up", "up")
	c.waitScreen("▶ ana.active@example.com", "1-5 of 6 matches")

	// Picked with down + enter: works.
	c.press("down", "down", "down")
	c.waitScreen("▶ " + emailFree)
	c.press("enter", "enter", "enter")
	c.waitGone("Assign account to panel")
	c.waitStatus(emailFree + " assigned to panel user 7")
	c.waitRow(7, "dora.free@", "2026-05-13", "Active")
	acc, _ := f.account(t, emailFree)
	if u := f.user(t, 7); u.Account != acc.ID || acc.ID == 0 {
		t.Fatalf("slot 7 account %d, want %d", u.Account, acc.ID)
	}
}

func TestAssignNeedsAUser(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 5) // no code: not a choice in the dialog
	c.press("a")
	c.waitScreen("Assign account to panel", "← choose →")
	c.typ("dora")
	c.waitScreen("▶ " + emailFree)
	c.press("enter", "tab", "enter")
	c.waitScreen("no panel user chosen: choose the user who gets the account")
	c.press("shift+tab", "right")
	c.waitScreen("← 1 Facility manager · Master →")
	c.press("enter", "enter")
	c.waitStatus(emailFree + " assigned to panel user 1")
	acc, _ := f.account(t, emailFree)
	if u := f.user(t, 1); u.Account != acc.ID {
		t.Fatalf("slot 1 account %d, want %d", u.Account, acc.ID)
	}
	if u := f.user(t, 5); u.Account != 0 {
		t.Fatalf("slot 5 got account %d", u.Account)
	}
}

func TestUnassignAccount(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 2)
	c.press("u")
	c.waitScreen("Unassign "+emailActive+"?", "The account itself stays")
	c.press("y")
	c.waitStatus(emailActive + " unassigned from panel user 2 (Reception)")
	c.waitRow(2, "Reception · User", "Unknown")
	if row := c.gridRow(2); strings.Contains(row, emailActive) {
		t.Fatalf("row 2 still shows the account: %q", row)
	}
	if u := f.user(t, 2); u.Account != 0 {
		t.Fatalf("slot 2 still has account %d", u.Account)
	}
	if _, ok := f.account(t, emailActive); !ok {
		t.Fatal("unassign deleted the account")
	}
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	mails := func() int {
		n := 0
		for _, j := range must(f.s.ListJobs(f.admin, store.JobFilter{Kind: store.JobMail})) {
			if j.Mail != nil && j.Mail.To == emailActive {
				n++
			}
		}
		return n
	}
	before := mails()
	goSlot(c, 2)
	c.press("r")
	c.waitScreen("Reset the password of "+emailActive+"?", "y send")
	c.press("y")
	c.waitStatus("one-time code queued for " + emailActive)
	if n := mails(); n != before+1 {
		t.Fatalf("mails to %s: %d → %d", emailActive, before, n)
	}
	// A suspended account gets no reset: the store's reason is shown.
	goSlot(c, 3)
	c.press("r")
	c.waitScreen("Reset the password of " + emailSuspended + "?")
	c.press("y")
	c.waitStatus("account " + emailSuspended + " is suspended: reactivate it before resetting its password")
}

func TestRemoveAccount(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 4)
	c.press("R")
	c.waitScreen("Remove account "+emailPending+"?", "Type "+emailPending+" to confirm:", "ctrl+y remove")
	// Enter does not confirm.
	c.press("enter")
	c.waitGone("Remove account")
	if _, ok := f.account(t, emailPending); !ok {
		t.Fatal("enter removed the account")
	}
	// Wrong text is refused.
	c.press("R")
	c.waitScreen("Remove account " + emailPending + "?")
	c.typ("ben.pending@example.co")
	c.press("ctrl+y")
	c.waitScreen("type " + emailPending + " exactly to confirm")
	if _, ok := f.account(t, emailPending); !ok {
		t.Fatal("a wrong confirmation removed the account")
	}
	// y alone is text here, not a confirmation.
	c.press("ctrl+u", "y")
	c.waitScreen("> y▌")
	c.press("ctrl+u")
	c.typ(emailPending)
	c.press("ctrl+y")
	c.waitStatus("account " + emailPending + " removed")
	c.waitRow(4, "Cleaner · User", "Unknown")
	if _, ok := f.account(t, emailPending); ok {
		t.Fatal("the account is still there")
	}
	if u := f.user(t, 4); u.Account != 0 {
		t.Fatalf("slot 4 still linked to %d", u.Account)
	}
	// The removal is in the action log (003: "Account was removed by mistake").
	c.press("7")
	c.waitScreen("account.remove", "account "+emailPending)
}

func TestDetailsActions(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	goSlot(c, 5)
	c.press("enter")
	c.waitScreen("# 5", "No code", "- (set a code first)", "No door locks",
		"label: label cannot change: panel user 5 of Main building has no code",
		"unassign: panel user 5 of Main building has no account")
	// A refused action from the details reports on the status line.
	c.press("x")
	c.waitStatus("nothing to disable: panel user 5 of Main building has no code; set a code first")
	// An available one opens its dialog over the details.
	c.press("c")
	c.waitScreen("Set code — panel user 5")
	c.press("esc")
	c.waitGone("Set code —")
	c.waitScreen("# 5", "No code")
	c.press("esc")
	c.waitGone("No door locks")
	if u := f.user(t, 5); u.CodeSet {
		t.Fatal("slot 5 changed")
	}
}

func TestAccountsScreen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	c.press("6")
	c.waitScreen("1-6 of 6")

	// Create.
	const email = "gus.new@example.com"
	c.press("n")
	c.waitScreen("New account", "Email:")
	c.typ(email)
	c.press("enter")
	c.waitStatus("account " + email + " created; a one-time code is queued for it")
	c.waitScreen("1-7 of 7")
	if a, ok := f.account(t, email); !ok || a.Status != store.StatusNotConfirmed {
		t.Fatalf("created account: %v %v", a, ok)
	}
	c.press("/")
	c.typ("gus")
	c.press("enter")
	c.waitScreen("1-1 of 1 (filtered from 7)", "▶ "+email)

	// Confirm with the OTP from the mail, masked; a wrong one is refused.
	otp := f.otp(email)
	c.neverShow(otp)
	c.press("C")
	c.waitScreen("Confirm "+email, "One-time code the account's owner received:")
	wrong := "00000001"
	if wrong == otp {
		wrong = "00000002"
	}
	c.typ(wrong)
	c.waitScreen("> ••••••••▌")
	c.press("enter")
	c.waitScreen("the one-time code for " + email + " is wrong")
	c.typ(otp)
	c.press("enter")
	c.waitStatus(email + " confirmed")
	c.waitScreen("▶ " + email + "           Active")
	if a, _ := f.account(t, email); a.Status != store.StatusActive {
		t.Fatalf("status %s after confirm", a.Status)
	}

	// Suspend (confirmation), refuse a second suspend, reactivate.
	c.press("s")
	c.waitScreen("Suspend " + email + "?")
	c.press("y")
	c.waitStatus(email + " suspended")
	c.waitFor("the row Suspended", func(scr string) bool { return lineWith(scr, "▶ "+email, "Suspended") })
	if a, _ := f.account(t, email); a.Status != store.StatusSuspended {
		t.Fatalf("status %s after suspend", a.Status)
	}
	c.press("s")
	c.waitStatus("suspend: account " + email + " is suspended already")
	c.press("C")
	c.waitStatus("confirm: account " + email + " is suspended: reactivate it first")
	c.press("v")
	c.waitStatus(email + " reactivated")
	if a, _ := f.account(t, email); a.Status != store.StatusActive {
		t.Fatalf("status %s after reactivate", a.Status)
	}
	c.waitFor("the row Active", func(scr string) bool { return lineWith(scr, "▶ "+email, "Active") })
	c.press("v")
	c.waitStatus("reactivate: account " + email + " is Active, not suspended: nothing to reactivate")
}

func TestAccountsRemoveFromAccountsScreen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	c.press("6")
	c.waitScreen("1-6 of 6")
	c.press("/")
	c.typ("cy.")
	c.press("enter")
	c.waitScreen("▶ " + emailSuspended)
	c.press("R")
	c.waitScreen("Remove account "+emailSuspended+"?", "unlinks it from 1 panel user(s)")
	c.typ(emailSuspended)
	c.press("ctrl+y")
	c.waitStatus("account " + emailSuspended + " removed")
	c.waitScreen("0 of 0")
	if _, ok := f.account(t, emailSuspended); ok {
		t.Fatal("account still there")
	}
	if u := f.user(t, 3); u.Account != 0 {
		t.Fatalf("slot 3 still linked: %v", u)
	}
}

func TestReadOnlyAuditor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleAuditor]})
	c.waitLine(0, "READ-ONLY")
	c.waitStatus("read-only: your role can view but not change anything")
	goUsers(c)
	goSlot(c, 5)
	c.press("c")
	c.waitStatus(`code: operator otto does not have the "manage panel users" permission: ask an administrator for it`)
	goSlot(c, 2)
	c.press("u")
	c.waitStatus(`unassign: operator otto does not have the "manage accounts" permission`)
	c.press("6")
	c.waitScreen("1-6 of 6")
	c.press("n")
	c.waitStatus(`new: operator otto does not have the "manage accounts" permission`)
	if u := f.user(t, 5); u.CodeSet {
		t.Fatal("an auditor changed slot 5")
	}
}

func TestReadOnlyGuard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40, actor: f.ops[store.RoleGuard]})
	goUsers(c)
	// Guards arm and disarm (PRODUCT §6), so they are not read-only; the
	// store still refuses them every panel-user change.
	if strings.Contains(c.lines()[0], "READ-ONLY") {
		t.Fatalf("a guard is shown as read-only: %q", c.lines()[0])
	}
	goSlot(c, 5)
	c.press("c")
	c.waitStatus(`code: operator gina does not have the "manage panel users" permission: ask an administrator for it`)
	c.press("a")
	c.waitStatus(`assign: operator gina does not have the "manage accounts" permission`)
	if u := f.user(t, 5); u.CodeSet {
		t.Fatal("a guard changed slot 5")
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{})
	goUsers(c)
	c.press("pgdown")
	c.waitScreen("16-30 of 1000  ·  page 2/67")
	c.waitFor("slot 16 selected", func(scr string) bool { return selectedRow(scr) == 16 })
	c.press("pgup")
	c.waitScreen("1-15 of 1000  ·  page 1/67")
	for _, want := range []struct {
		status, rng string
	}{{"50 rows per page", "1-50 of 1000  ·  page 1/20"}, {"100 rows per page", "1-100 of 1000"}, {"200 rows per page", "1-200 of 1000"}, {"fit: 16 rows per page", "1-16 of 1000  ·  page 1/63  ·  fit: 16 per page"}, {"10 rows per page", "1-10 of 1000"}, {"15 rows per page", "1-15 of 1000"}} {
		c.press("+")
		c.waitStatus(want.status)
		c.waitScreen(want.rng)
	}
	c.press("end")
	c.waitScreen("991-1000 of 1000  ·  page 67/67")
	c.press("home")
	c.waitScreen("1-15 of 1000  ·  page 1/67")
}

func TestFilter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	goUsers(c)
	c.press("/")
	c.waitScreen("/▌  enter keep · esc clear")
	c.typ("status:suspended")
	c.press("enter")
	c.waitScreen("1-1 of 1 (filtered from 1000)", "filter: status:suspended")
	c.waitFor("only slot 3", func(scr string) bool { return selectedRow(scr) == 3 && !strings.Contains(scr, "Facility") })

	// The help advertises these filters; each one must work.
	for _, q := range []struct{ query, rng string }{
		{"code:none", "1-15 of 702 (filtered from 1000)"},
		{"role:master", "1-1 of 1 (filtered from 1000)"},
		{"label:master", "1-1 of 1 (filtered from 1000)"},
		{"night", "1-1 of 1 (filtered from 1000)"},
	} {
		c.press("/", "ctrl+u")
		c.typ(q.query)
		c.press("enter")
		c.waitScreen(q.rng, "filter: "+q.query)
	}
	c.press("/", "esc")
	c.waitScreen("1-15 of 1000  ·")
	if strings.Contains(c.screen(), "filtered") {
		t.Fatal("esc did not clear the filter")
	}
}

func TestSort(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	goUsers(c)
	c.press("o")
	c.waitStatus("sorted by №")
	c.waitScreen("№ ↑", "sort no ↑")
	c.press("o")
	c.waitStatus("sorted by Label & role")
	c.waitScreen("Label & role ↑")
	c.waitLine(3, "Cleaner · User") // "cleaner" sorts first
	c.press("O", "home")
	c.waitScreen("Label & role ↓")
	c.waitLine(3, "User 1000 · -") // natural order: 1000 after 999
}

func TestJump(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{})
	goUsers(c)
	goSlot(c, 500)
	c.waitScreen("496-510 of 1000  ·  page 34/67")
	// A slot that does not exist is refused in the dialog.
	c.press("#")
	c.waitScreen("Go to")
	c.typ("1001")
	c.press("enter")
	c.waitScreen(`no row number "1001" here`)
	c.press("esc")
	c.waitGone("Go to")
	if selectedRow(c.screen()) != 500 {
		t.Fatal("a refused jump moved the cursor")
	}
}

func TestPaletteSwitchesPanel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	goUsers(c)
	c.press(":")
	c.waitScreen("Command", "users 3 · log")
	c.typ("users 2")
	c.press("enter")
	c.waitScreen("Gatehouse (DSC)", "1-15 of 95", "Gate officer")
	c.press(":")
	c.waitScreen("Command")
	c.typ("log")
	c.press("enter")
	c.waitLine(0, "Action log")
}

func TestHelpListsActions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	goUsers(c)
	goSlot(c, 5)
	c.press("?")
	scr := c.waitScreen("Keys — lines 1-", "↑/↓ pgup/pgdn scroll, any other key closes", "Users actions")
	for _, want := range [][]string{
		{"c ", "user.code", "Set the code (creates the user on the panel)"},
		{"l ", "user.label", "label — unavailable: label cannot change:"},
		{"x ", "user.disable", "disable — unavailable: nothing to disable"},
		{"u ", "account.unassign", "unassign — unavailable: panel user 5 of"},
		{"a ", "account.assign", "Assign an existing account"},
	} {
		if !lineWith(scr, want...) {
			t.Errorf("help lacks a line with %q:\n%s", want, frameDump(scr))
		}
	}
	c.helpShows("Moving in the grid")
	c.waitGone("Users actions")
	c.press("esc")
	c.waitGone("Keys —")
}

func TestQuitAsksWhileEditing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{})
	goUsers(c)
	goSlot(c, 5)
	c.press("c")
	c.waitScreen("Set code — panel user 5")
	c.typ("86")
	c.waitScreen("••▌")
	c.press("ctrl+c")
	c.waitScreen("Quit guardroom?", "An edit is open; what you typed is lost.")
	c.press("n")
	c.waitGone("Quit guardroom?")
	c.waitScreen("Set code — panel user 5", "••▌")
	c.press("esc")
	c.waitGone("Set code —")
	// With nothing typed, ctrl+c quits at once.
	c.press("ctrl+c")
	c.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestLiveUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	goUsers(c)
	// Another operator changes the site through the store.
	sue := f.ops[store.RoleSupervisor]
	check(t, f.s.SetLabel(sue, f.main.ID, 10, "Changed elsewhere"))
	c.waitRow(10, "Changed elsewhere", "pending")
	check(t, f.s.SetCode(sue, f.main.ID, 5, freeCodeA, store.CodeOptions{}))
	c.waitRow(5, "User 5 · User", "✓")
	c.waitScreen("299 users with a code")
	check(t, f.s.SuspendAccount(sue, emailActive))
	c.waitRow(2, "Suspended")
}

func TestMouse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{})
	// At 80 columns the header takes lines 0-1 and the tabs lines 2-3:
	// " 1 Panels " (0-9), " 2 Users " (10-18), ...; " 7 Action log " opens
	// the second line of tabs.
	c.tm.Send(tea.MouseClickMsg{X: 12, Y: 2, Button: tea.MouseLeft})
	c.waitScreen("1-15 of 1000", "Facility man")
	// A click on a row selects it; a second click opens it.
	c.tm.Send(tea.MouseClickMsg{X: 20, Y: 5 + 3, Button: tea.MouseLeft})
	c.waitFor("slot 4 selected", func(scr string) bool { return selectedRow(scr) == 4 })
	c.tm.Send(tea.MouseClickMsg{X: 20, Y: 5 + 3, Button: tea.MouseLeft})
	c.waitScreen("Cleaner  (# 4)", emailPending)
	c.press("esc")
	c.waitGone("Cleaner  (# 4)")
	c.tm.Send(tea.MouseWheelMsg{X: 20, Y: 5, Button: tea.MouseWheelDown})
	c.waitFor("slot 5 selected", func(scr string) bool { return selectedRow(scr) == 5 })
	c.tm.Send(tea.MouseClickMsg{X: 5, Y: 3, Button: tea.MouseLeft}) // " 7 Action log "
	c.waitLine(0, "Action log")
}

// lineWith reports whether one line of the screen holds parts in order.
func lineWith(scr string, parts ...string) bool {
	for _, l := range strings.Split(scr, "\n") {
		rest, ok := l, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}

// TestLongRefusalNotCut checks that at 80 columns a refusal longer than the
// status line is shown whole, on the hints line and the status line, and
// that the hints come back with the next short status.
func TestLongRefusalNotCut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{})
	goUsers(c)
	goSlot(c, 5)
	c.press("l")
	want := "label: label cannot change: panel user 5 of Main building has no code; set a code first"
	c.waitFor("the whole refusal on the last two lines", func(string) bool {
		l := c.lines()
		return strings.Join(strings.Fields(l[22]+" "+l[23]), " ") == want
	})
	c.press("+")
	c.waitStatus("50 rows per page")
	c.waitLine(22, "? help")
}

func TestSetCodeWithRole(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	c.neverShow(freeCodeA)
	goSlot(c, 6)
	c.press("c")
	c.waitScreen("Role       ← User →")
	c.press("left")
	c.waitScreen("Role       ← Supervisor →")
	c.press("left") // the Master role is only for slot 1: it wraps to Duress
	c.waitScreen("Role       ← Duress →")
	c.press("right")
	c.waitScreen("Role       ← Supervisor →")
	c.typeCodeTwice(freeCodeA, freeCodeA)
	c.waitStatus("code of panel user 6 set")
	c.waitRow(6, "User 6 · Super", "✓")
	if u := f.user(t, 6); u.Role != family.RoleSupervisor {
		t.Fatalf("role %q", u.Role)
	}
}

// On DSC panels a code + 1 is the duress code, so codes next to another
// user's code are refused (the store's rule, shown in the dialog).
func TestSetCodeDuressNeighbourRefused(t *testing.T) {
	t.Parallel()
	c, f := wide(t)
	c.neverShow("7392")
	c.neverShow("7391")
	c.press(":")
	c.waitScreen("Command")
	c.typ("users 2")
	c.press("enter")
	c.waitScreen("Gatehouse (DSC)", "1-15 of 95")
	goSlot(c, 2)
	c.press("c")
	c.waitScreen("Set code — panel user 2 of Gatehouse", "4 digits")
	c.typeCodeTwice("7392", "7392") // slot 1 holds 7391
	c.waitScreen("that code is one away from another user's code", "Set code — panel user 2 of Gatehouse")
	if u, err := f.s.GetUser(f.admin, f.dsc.ID, 2); err != nil || u.CodeSet {
		t.Fatalf("slot 2 of the DSC panel: %v %v", u, err)
	}
}

// Keys typed in one burst after a key that opens a dialog go to the dialog,
// not to the screen under it (slow SSH links and scripted input send them
// together).
func TestTypeAheadReachesTheDialog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := start(t, f, consoleOpts{w: 120, h: 40})
	goUsers(c)
	c.press("#", "4", "2", "7", "enter", ":", "l", "o", "g", "enter")
	c.waitScreen("Action log")
	c.press("2")
	c.waitFor("slot 427 selected after the burst", func(scr string) bool { return selectedRow(scr) == 427 })
}

// An operator whose only write is people and access (a door desk) is not
// shown as read-only: the People and Access tabs are theirs to change.
func TestPeopleManagerIsNotReadOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mustDo(f.s.AddRole(f.admin, store.Role{Name: "Door desk", Perms: store.PermViewPanelUsers | store.PermManagePeople}))
	must(f.s.AddOperator(f.admin, store.NewOperator{Username: "dora", Name: "Dora", Grants: []store.Grant{{Role: "Door desk"}}, Units: []uint64{store.RootUnit}}))
	c := &common{actor: must(f.s.Actor("dora", "tui"))}
	if c.readOnly() {
		t.Fatal("an operator who manages people and access is shown as read-only")
	}
	if c := (&common{actor: f.ops[store.RoleAuditor]}); !c.readOnly() {
		t.Fatal("an auditor is not shown as read-only")
	}
}

// A key pressed for an action the console shows greyed still asks the
// store, which logs the refused attempt exactly as the command line's
// (the same store operation): the same action, place and result. Each
// case presses the key in the console, then makes the command line's
// call, and compares the two newest entries of the action.
func TestConsoleRefusalsAreLogged(t *testing.T) {
	t.Parallel()
	users := func(c *console) { goUsers(c) }
	cases := []struct {
		name, role string // role "" is admin
		screen     func(c *console)
		slot       int
		key        string
		status     string
		action     string
		cli        func(f *fixture, a store.Actor) error
	}{
		{"label on a slot with no code", "", users, 5, "l", "label: label cannot change: panel user 5 of Main building has no code",
			"user.label", func(f *fixture, a store.Actor) error { return f.s.SetLabel(a, f.main.ID, 5, "Night shift") }},
		{"disable the Master", "", users, 1, "x", "disable: panel user 1 of Main building is a Master user and cannot be disabled",
			"user.disable", func(f *fixture, a store.Actor) error { return f.s.DisablePanelUser(a, f.main.ID, 1) }},
		{"a guard sets a code", store.RoleGuard, users, 5, "c", `code: operator gina does not have the "manage panel users" permission`,
			"user.set-code", func(f *fixture, a store.Actor) error {
				return f.s.SetCode(a, f.main.ID, 5, freeCodeA, store.CodeOptions{})
			}},
		{"an auditor unassigns", store.RoleAuditor, users, 2, "u", `unassign: operator otto does not have the "manage accounts" permission`,
			"account.unassign", func(f *fixture, a store.Actor) error { return f.s.UnassignAccount(a, f.main.ID, 2) }},
		{"a guard resets a password", store.RoleGuard, users, 2, "r", `reset pw: operator gina does not have the "manage accounts" permission`,
			"account.reset-password", func(f *fixture, a store.Actor) error { return f.s.ResetPassword(a, emailActive) }},
		{"disarm a disarmed partition", store.RoleGuard, func(c *console) { goPartitions(c) }, 2, "d", "disarm: partition 2 (Server room) of Main building is disarmed already",
			"partition.disarm", func(f *fixture, a store.Actor) error { return f.s.Disarm(a, f.main.ID, 2) }},
		{"a guard removes a lock", store.RoleGuard, func(c *console) { goLocks(c) }, 1, "R", `remove: operator gina does not have the "manage locks and tags" permission`,
			"lock.remove", func(f *fixture, a store.Actor) error { return f.s.RemoveLock(a, f.lock.ID, true) }},
		{"an auditor frees a tag", store.RoleAuditor, func(c *console) { goTags(c); c.press("home") }, 0, "f", `free: operator otto does not have the "manage locks and tags" permission`,
			"tag.free", func(f *fixture, a store.Actor) error { return f.s.FreeTag(a, tagKeypad) }},
		{"an auditor arms", store.RoleAuditor, func(c *console) { goPartitions(c) }, 2, "a", `arm away: operator otto does not have the "arm/disarm" permission`,
			"partition.arm", func(f *fixture, a store.Actor) error { return f.s.Arm(a, f.main.ID, 2, store.ArmAway) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			actor := f.admin
			if tc.role != "" {
				actor = f.ops[tc.role]
			}
			c := start(t, f, consoleOpts{w: 120, h: 40, actor: actor})
			tc.screen(c)
			if tc.slot > 0 {
				goSlot(c, tc.slot)
			}
			c.press(tc.key)
			c.waitStatus(tc.status)
			if strings.Contains(c.screen(), "?") && strings.Contains(c.screen(), "y disarm") {
				t.Fatalf("a refused action asked for a confirmation:\n%s", c.screen())
			}
			console, ok := awaitEntry(t, f, tc.action)
			if !ok {
				t.Fatalf("the console's refused %s is not in the action log", tc.action)
			}
			if err := tc.cli(f, actor); !store.IsRefusal(err) {
				t.Fatalf("the command line's attempt was not refused: %v", err)
			}
			cli, _ := lastEntry(t, f, tc.action)
			if cli.Seq == console.Seq {
				t.Fatal("the command line's attempt is not in the log")
			}
			if console.Place != cli.Place || console.Result != cli.Result || console.Operator != cli.Operator ||
				console.Panel != cli.Panel || console.Slot != cli.Slot || console.Account != cli.Account || console.Unit != cli.Unit {
				t.Errorf("the console logged\n %+v\nthe command line\n %+v", console, cli)
			}
		})
	}
}

// The hint line offers a guard and an auditor none of the panel-user
// changes their roles never allow; the help still lists them, with why.
func TestHintsLeaveOutWhatTheRoleNeverAllows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, role := range []string{store.RoleGuard, store.RoleAuditor} {
		c := start(t, f, consoleOpts{w: 200, h: 50, actor: f.ops[role]})
		goUsers(c)
		hints := c.lines()[c.h-2]
		for _, h := range []string{"c code", "l label", "p partitions", "x disable", "a assign"} {
			if strings.Contains(hints, h) {
				t.Errorf("%s is offered %q: %q", role, h, hints)
			}
		}
		c.press("?")
		c.waitScreen("code — unavailable: operator")
		c.press("esc")
		c.waitGone("Keys —")
		// A filter that leaves no row: still nothing the role never allows.
		c.press("/")
		c.typ("label:nobody-has-this")
		c.press("enter")
		c.waitScreen("0 of 0")
		hints = c.lines()[c.h-2]
		for _, h := range []string{"c code", "l label", "p partitions", "x disable", "a assign"} {
			if strings.Contains(hints, h) {
				t.Errorf("%s is offered %q with no row shown: %q", role, h, hints)
			}
		}
	}
}
