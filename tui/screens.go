package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// ---- Partitions ----

type partitionsScreen struct {
	listScreen[partitionRow]
	panel store.Panel
}

type partitionRow struct {
	panel   store.Panel
	p       store.Partition
	holders int
}

var partitionCols = []grid.Column{
	{Title: "№", Key: "no", Width: 3, Align: grid.Right},
	{Title: "Label", Key: "label", MinWidth: 16},
	{Title: "State", Key: "state", Width: 12},
	{Title: "Users holding it", Key: "users", Width: 16, Align: grid.Right},
}

// partitionCells is the pure row renderer of the Partitions grid.
func partitionCells(r partitionRow) []string {
	return []string{strconv.Itoa(r.p.Number), r.p.Label, string(r.p.State), strconv.Itoa(r.holders)}
}

func newPartitionsScreen(c *common) *partitionsScreen {
	s := &partitionsScreen{listScreen: newList[partitionRow](c, scrPartitions, "Partitions", partitionCols)}
	s.cells = partitionCells
	s.reload = []string{store.ChangePartition, store.ChangeUser, store.ChangePanel}
	s.empty = "No panel chosen: pick one on the Panels screen (1) and press enter."
	s.crumbsF = func() []string {
		if s.panel.ID == 0 {
			return []string{"Partitions"}
		}
		return append(strings.Split(siteOf(c.st, s.panel.Unit), " / "), s.panel.Name, "Partitions")
	}
	return s
}

// load reads the partitions of the panel chosen now (the first panel when
// none is), counting the users who hold each.
func (s *partitionsScreen) load() tea.Cmd {
	c, id := s.c, s.panel.ID
	s.fetch = func() ([]partitionRow, error) {
		if id == 0 {
			panels, err := c.st.ListPanels(c.actor)
			if err != nil || len(panels) == 0 {
				return nil, err
			}
			id = panels[0].ID
		}
		p, err := c.st.GetPanel(c.actor, id)
		if err != nil {
			return nil, err
		}
		parts, err := c.st.ListPartitions(c.actor, id)
		if err != nil {
			return nil, err
		}
		users, err := c.st.ListUsers(c.actor, id)
		if err != nil {
			return nil, err
		}
		rows := make([]partitionRow, len(parts))
		for i, pt := range parts {
			rows[i] = partitionRow{panel: p, p: pt}
			for _, u := range users {
				if u.CodeSet && u.Partitions.Has(pt.Number) {
					rows[i].holders++
				}
			}
		}
		return rows, nil
	}
	return s.listScreen.load()
}

func (s *partitionsScreen) update(msg tea.Msg) tea.Cmd {
	cmd := s.listScreen.update(msg)
	if m, ok := msg.(listLoadedMsg[partitionRow]); ok && m.err == nil && len(m.items) > 0 {
		s.panel = m.items[0].panel
	}
	return cmd
}

func (s *partitionsScreen) panelID() uint64 { return s.panel.ID }
func (s *partitionsScreen) setPanel(id uint64) {
	s.panel = store.Panel{ID: id}
	s.loaded = false
}

func (s *partitionsScreen) actions() []ActionID { return []ActionID{ActPartitionLabel} }

func (s *partitionsScreen) available(id ActionID) error {
	if _, ok := s.selected(); !ok {
		return fmt.Errorf("no partition selected")
	}
	if id == ActPartitionLabel {
		return s.c.actor.Need(store.PermManageEquipment)
	}
	return nil
}

func (s *partitionsScreen) run(id ActionID) tea.Cmd {
	r, ok := s.selected()
	if !ok || id != ActPartitionLabel {
		return nil
	}
	c, panel, n := s.c, s.panel.ID, r.p.Number
	return c.open(newPrompt(c, fmt.Sprintf("Rename partition %d", n), "Label:", r.p.Label, func(v string) tea.Cmd {
		return c.submitOp(fmt.Sprintf("partition %d renamed", n), func() error { return c.st.SetPartitionLabel(c.actor, panel, n, v) })
	}))
}

// ---- Door locks (read-only until the locks work) ----

type locksScreen struct{ listScreen[store.Lock] }

var lockCols = []grid.Column{
	{Title: "№", Key: "no", Width: 3, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 14},
	{Title: "Model", Key: "model", MinWidth: 12},
	{Title: "Panel", Key: "panel", Width: 5, Align: grid.Right},
	{Title: "State", Key: "state", Width: 9},
	{Title: "Battery", Key: "battery", Width: 10},
	{Title: "Users", Key: "users", Width: 5, Align: grid.Right},
}

// lockCells is the pure row renderer of the Door locks grid.
func lockCells(l store.Lock) []string {
	battery := strconv.Itoa(l.Battery) + "%"
	if l.Battery < 20 {
		battery += " LOW"
	}
	return []string{strconv.FormatUint(l.ID, 10), l.Name, l.Model, strconv.FormatUint(l.Panel, 10), string(l.State), battery, strconv.Itoa(len(l.Users))}
}

func newLocksScreen(c *common) *locksScreen {
	s := &locksScreen{newList[store.Lock](c, scrLocks, "Door locks", lockCols)}
	s.cells = lockCells
	s.reload = []string{store.ChangeLock}
	s.empty = "No door locks."
	s.hint = "read-only for now"
	s.fetch = func() ([]store.Lock, error) { return c.st.ListLocks(c.actor) }
	return s
}

func (s *locksScreen) title(short bool) string {
	if short {
		return "Locks"
	}
	return "Door locks"
}
func (s *locksScreen) run(ActionID) tea.Cmd { return nil }

// ---- Proximity tags (read-only until the tags work) ----

type tagsScreen struct{ listScreen[store.Tag] }

var tagCols = []grid.Column{
	{Title: "Tag ID", Key: "id", MinWidth: 14},
	{Title: "Kind", Key: "kind", Width: 9},
	{Title: "Owner", Key: "owner", Width: 8},
	{Title: "Panel / Lock", Key: "where", Width: 12},
	{Title: "Status", Key: "status", Width: 8},
	{Title: "Enrolled", Key: "enrolled", Width: 16},
}

// tagCells is the pure row renderer of the Tags grid.
func tagCells(t store.Tag) []string {
	owner := "-"
	if t.Slot != 0 {
		owner = "user " + strconv.Itoa(t.Slot)
	}
	where := "panel " + strconv.FormatUint(t.Panel, 10)
	if t.Lock != 0 {
		where = "lock " + strconv.FormatUint(t.Lock, 10)
	}
	return []string{t.ID, string(t.Kind), owner, where, string(t.Status), t.Enrolled.Local().Format("2006-01-02 15:04")}
}

func newTagsScreen(c *common) *tagsScreen {
	s := &tagsScreen{newList[store.Tag](c, scrTags, "Tags", tagCols)}
	s.cells = tagCells
	s.reload = []string{store.ChangeTag}
	s.empty = "No proximity tags."
	s.hint = "read-only for now"
	s.fetch = func() ([]store.Tag, error) { return c.st.ListTags(c.actor) }
	return s
}

func (s *tagsScreen) run(ActionID) tea.Cmd { return nil }

// ---- Accounts ----

type accountsScreen struct{ listScreen[store.Account] }

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
	s := &accountsScreen{newList[store.Account](c, scrAccounts, "Accounts", accountCols)}
	s.cells = accountCells
	s.reload = []string{store.ChangeAccount}
	s.empty = "No accounts yet: press n to create one."
	s.fetch = func() ([]store.Account, error) { return c.st.ListAccounts(c.actor) }
	return s
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
		return c.open(newAccountDetails(c, a))
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
	c *common
	a store.Account
}

func newAccountDetails(c *common, a store.Account) *accountDetails {
	return &accountDetails{c: c, a: a}
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
	return d.c.frame(d.a.Email, w, append(lines, "", t.Dim.Render("any key closes"))...)
}

// ---- Action log ----

// logLimit bounds how many entries the log screen holds; filters run
// over them, and older entries are one `guardroom log list` away.
const logLimit = 5000

type logScreen struct{ listScreen[store.Entry] }

var logCols = []grid.Column{
	{Title: "№", Key: "no", Width: 6, Align: grid.Right},
	{Title: "Time", Key: "date", Width: 16},
	{Title: "Operator", Key: "operator", Width: 10},
	{Title: "Action", Key: "action", Width: 16},
	{Title: "Place", Key: "panel", MinWidth: 14},
	{Title: "Result", Key: "result", MinWidth: 10},
}

// logCells is the pure row renderer of the Action log grid.
func logCells(e store.Entry) []string {
	return []string{strconv.FormatUint(e.Seq, 10), e.Time.Local().Format("2006-01-02 15:04"), e.Operator, e.Action, e.Place, e.Result}
}

func newLogScreen(c *common) *logScreen {
	s := &logScreen{newList[store.Entry](c, scrLog, "Action log", logCols)}
	s.cells = logCells
	s.reload = []string{store.ChangeLog}
	s.empty = "The action log is empty."
	s.hint = fmt.Sprintf("newest %d · filter operator: panel: action: date:", logLimit)
	s.fetch = func() ([]store.Entry, error) { return c.st.ListLog(c.actor, store.LogFilter{Limit: logLimit}) }
	return s
}

func (s *logScreen) title(short bool) string {
	if short {
		return "Log"
	}
	return "Action log"
}

func (s *logScreen) run(id ActionID) tea.Cmd {
	if e, ok := s.selected(); ok && id == ActOpen {
		return s.c.open(newEntryDetails(s.c, e))
	}
	return nil
}

// entryDetails shows one log entry in full.
type entryDetails struct {
	c *common
	e store.Entry
}

func newEntryDetails(c *common, e store.Entry) *entryDetails { return &entryDetails{c: c, e: e} }
func (d *entryDetails) editing() bool                        { return false }
func (d *entryDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	_, isKey := msg.(tea.KeyPressMsg)
	return nil, isKey
}

func (d *entryDetails) view(width, _ int) string {
	t, e := d.c.theme, d.e
	w := dialogWidth(width, 76)
	row := func(k, v string) string { return truncate(t.Label.Render(fmt.Sprintf("%-10s", k))+v, w) }
	lines := []string{
		row("Time", e.Time.Local().Format("2006-01-02 15:04:05 MST")),
		row("Operator", e.Operator+"  via "+e.Via),
		row("Place", e.Place),
		row("Action", e.Action),
	}
	res := e.Result
	if e.Refused() || strings.HasPrefix(res, "failed") {
		res = t.Bad.Render(res)
	}
	lines = append(lines, truncate(t.Label.Render("Result    ")+res, w))
	keys := map[string]bool{}
	for k := range e.Before {
		keys[k] = true
	}
	for k := range e.After {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) > 0 {
		lines = append(lines, "", t.ModalTitle.Render("Before → after"))
		for _, k := range names {
			b, a := e.Before[k], e.After[k]
			if b == "" {
				b = "-"
			}
			if a == "" {
				a = "-"
			}
			lines = append(lines, row(k, b+" → "+a))
		}
	}
	lines = append(lines, "", t.Dim.Render("chain link "+e.Prev[:16]+"…   any key closes"))
	return d.c.frame(fmt.Sprintf("Log entry %d", e.Seq), w, lines...)
}
