package tui

import (
	"fmt"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// accountsScreen lists the customer accounts. Its header names the mail
// server's state: this is where a guard who sent a one-time code looks
// when it does not arrive, so the reason is here rather than in a
// panel's details.
type accountsScreen struct {
	listScreen[store.Account]
	mail       store.Connection
	mailErr    error
	mailLoaded bool
}

type mailStatusMsg struct {
	conn store.Connection
	err  error
}

var accountCols = []grid.Column{
	{Title: "Email", Key: "email", MinWidth: 22},
	{Title: "Status", Key: "status", Width: 13},
	{Title: "Created", Key: "created", Width: 27},
	{Title: "Users", Key: "users", Width: 5, Align: grid.Right},
}

// accountCells is the pure row renderer of the Accounts grid.
func accountCells(a store.Account) []string {
	return []string{a.Email, string(a.Status), accountTime(a.Created), strconv.Itoa(len(a.Links))}
}

func newAccountsScreen(c *common) *accountsScreen {
	s := &accountsScreen{listScreen: newList[store.Account](c, scrAccounts, "Accounts", accountCols)}
	s.cells = accountCells
	s.reload = []string{store.ChangeAccount}
	s.empty = "No accounts yet: press n to create one."
	s.fetch = func() ([]store.Account, error) { return c.st.ListAccounts(c.actor) }
	return s
}

func (s *accountsScreen) load() tea.Cmd {
	c := s.c
	return tea.Batch(s.listScreen.load(), func() tea.Msg {
		var m mailStatusMsg
		m.err = safe(func() (err error) { m.conn, err = c.st.MailStatus(c.actor); return err })
		return m
	})
}

func (s *accountsScreen) update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(mailStatusMsg); ok {
		s.mail, s.mailErr, s.mailLoaded = m.conn, m.err, true
		return nil
	}
	return s.listScreen.update(msg)
}

// relevant: accounts, and the mail server's reports and mail jobs (the
// jobs of no panel).
func (s *accountsScreen) relevant(ch []store.Change) bool {
	for _, c := range ch {
		switch {
		case c.What == store.ChangeAll, c.What == store.ChangeAccount:
			return true
		case c.What == store.ChangeJob && c.Panel == 0:
			return true
		}
	}
	return false
}

// mailWord is the mail server's state in a few words.
func mailWord(c store.Connection, now time.Time) string {
	switch {
	case c.Since.IsZero() && c.LastError == "":
		return "not checked yet (no dispatcher has reported on it)"
	case c.Online:
		return "online"
	}
	return "offline since " + clockOrDate(c.Since, now)
}

func mailTone(c store.Connection) grid.Tone {
	switch {
	case c.Online:
		return grid.ToneGood
	case c.Since.IsZero() && c.LastError == "":
		return grid.ToneDim
	}
	return grid.ToneBad
}

// lineAbove: the mail server's line sits above the grid, always, so the
// grid does not jump when the state arrives.
func (s *accountsScreen) lineAbove() bool { return true }

// mailLine is the line above the grid: the state, and why it is offline
// ("no SMTP server configured: ..."), cut to the width; the account
// details show it whole.
func (s *accountsScreen) mailLine() string {
	t := s.c.theme
	switch {
	case s.mailErr != nil:
		return " " + t.Label.Render("Mail server ") + errText(s.mailErr)
	case !s.mailLoaded:
		return ""
	}
	line := " " + t.Label.Render("Mail server ") + toneStyle(t, mailTone(s.mail), mailWord(s.mail, s.c.now()))
	if !s.mail.Online && s.mail.LastError != "" {
		line += t.Dim.Render(" · " + s.mail.LastError)
	}
	return line
}

func (s *accountsScreen) view(w, h int) string {
	return truncate(s.mailLine(), w) + "\n" + s.listScreen.view(w, h-1)
}

func (s *accountsScreen) actions() []ActionID {
	return []ActionID{ActCreateAccount, ActSuspend, ActReactivate, ActConfirmAccount, ActResetPassword, ActRemoveAccount}
}

func accountAction(id ActionID) store.AccountAction {
	switch id {
	case ActSuspend:
		return store.ActSuspend
	case ActReactivate:
		return store.ActReactivate
	case ActConfirmAccount:
		return store.ActConfirm
	case ActResetPassword:
		return store.ActReset
	case ActRemoveAccount:
		return store.ActRemove
	}
	return ""
}

func (s *accountsScreen) available(id ActionID) error {
	if id == ActCreateAccount {
		return s.c.actor.Need(store.PermManageAccounts)
	}
	a, ok := s.selected()
	if !ok {
		return fmt.Errorf("no account selected")
	}
	if id == ActOpen {
		return nil
	}
	return s.c.st.CheckAccount(s.c.actor, a, accountAction(id))
}

// tryFor is the store's attempt at a greyed action on the selected account.
func (s *accountsScreen) tryFor(id ActionID) func() error {
	if t := tryAdd(s.c, id); t != nil {
		return t
	}
	a, ok := s.selected()
	act := accountAction(id)
	if !ok || act == "" {
		return nil
	}
	c, email := s.c, a.Email
	return func() error { return c.st.TryAccount(c.actor, email, act) }
}

func (s *accountsScreen) run(id ActionID) tea.Cmd {
	c := s.c
	if id == ActCreateAccount {
		units := c.actor.Units()
		return c.open(newPrompt(c, "New account", "Email:", "", func(v string) tea.Cmd {
			return c.submitOp("account "+v+" created; a one-time code is queued for it", func() error {
				_, err := c.st.CreateAccount(c.actor, v, units[0])
				return err
			})
		}))
	}
	a, ok := s.selected()
	if !ok {
		return nil
	}
	email := a.Email
	switch id {
	case ActOpen:
		return c.open(newAccountDetails(c, a, s.mail, s.mailLoaded))
	case ActSuspend:
		return c.open(newConfirm(c, "Suspend "+email+"?", "The account loses access to the customer application and cannot be newly assigned. Its links to panel users stay.", "Suspend", func() tea.Cmd {
			return c.do(email+" suspended", func() error { return c.st.SuspendAccount(c.actor, email) })
		}))
	case ActReactivate:
		return c.do(email+" reactivated", func() error { return c.st.ReactivateAccount(c.actor, email) })
	case ActConfirmAccount:
		p := newPrompt(c, "Confirm "+email, "One-time code the account's owner received:", "", func(v string) tea.Cmd {
			return c.submitOp(email+" confirmed", func() error { return c.st.ConfirmAccount(c.actor, email, v) })
		})
		p.input.mask, p.input.accept = true, digitsOnly
		return c.open(p)
	case ActResetPassword:
		return c.open(newConfirm(c, "Reset the password of "+email+"?", "A one-time code is e-mailed. The old password stays valid until the code is used.", "Send", func() tea.Cmd {
			return c.do("one-time code queued for "+email, func() error { return c.st.ResetPassword(c.actor, email) })
		}))
	case ActRemoveAccount:
		return c.open(newConfirm(c, "Remove account "+email+"?", fmt.Sprintf("This deletes the account entirely and unlinks it from %d panel user(s). It cannot be undone.", len(a.Links)), "Remove", func() tea.Cmd {
			return c.do("account "+email+" removed", func() error { return c.st.RemoveAccount(c.actor, email) })
		}).requireTyped(email))
	}
	return nil
}

// accountDetails shows one account and the panel users it is linked to.
type accountDetails struct {
	c       *common
	a       store.Account
	mail    store.Connection
	hasMail bool
}

func newAccountDetails(c *common, a store.Account, mail store.Connection, hasMail bool) *accountDetails {
	return &accountDetails{c: c, a: a, mail: mail, hasMail: hasMail}
}
func (d *accountDetails) editing() bool { return false }
func (d *accountDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	_, isKey := msg.(tea.KeyPressMsg)
	return nil, isKey
}

func (d *accountDetails) view(width, _ int) string {
	t := d.c.theme
	w := dialogWidth(width, 60)
	lines := []string{
		t.Label.Render("Status   ") + statusStyled(t, d.a.Status),
		t.Label.Render("Created  ") + accountTime(d.a.Created),
		t.Label.Render("Unit     ") + d.c.st.UnitPath(d.a.Unit),
		"", t.ModalTitle.Render(fmt.Sprintf("Panel users (%d)", len(d.a.Links))),
	}
	for _, l := range d.a.Links {
		lines = append(lines, fmt.Sprintf("panel %d user %d", l.Panel, l.Slot))
	}
	if d.hasMail {
		// One-time codes reach the account through the mail server.
		word := toneStyle(t, mailTone(d.mail), mailWord(d.mail, d.c.now()))
		lines = append(lines, "", t.Label.Render("Mail     ")+word)
		if d.mail.LastError != "" {
			lines = append(lines, t.Dim.Render(wrap(d.mail.LastError, w)))
		}
	}
	return d.c.frame(d.a.Email, w, append(lines, "", t.Dim.Render("any key closes"))...)
}
