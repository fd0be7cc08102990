package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// job is the arm or disarm command on its way (pending, keypad),
	// for the Sync cell's "arming away…".
	job *store.Job
}

var partitionCols = []grid.Column{
	{Title: "№", Key: "no", Width: 3, Align: grid.Right},
	{Title: "Label", Key: "label", MinWidth: 16},
	{Title: "State", Key: "state", Width: 12},
	{Title: "Users holding it", Key: "users", Width: 16, Align: grid.Right},
	{Title: "Sync", Key: "sync", MinWidth: 16},
}

// partitionCells is the pure row renderer of the Partitions grid.
func partitionCells(r partitionRow) []string {
	return []string{strconv.Itoa(r.p.Number), r.p.Label, string(r.p.State), strconv.Itoa(r.holders), partitionSync(r)}
}

// partitionSync is the Sync cell: a command on its way says what it does
// ("arming away…"), the rest is the users' wording.
func partitionSync(r partitionRow) string {
	s := r.p.Sync
	if s.State != store.SyncPending || r.job == nil {
		return syncCell(s)
	}
	verb := "disarming"
	if r.job.Op == store.OpArm {
		verb = "arming " + string(r.job.Mode)
	}
	if s.Reason != "" {
		return verb + ": " + shortReason(s.Reason)
	}
	return verb + "…"
}

// partitionTones: an alarm or trouble stands out like a failed command.
func partitionTones(r partitionRow) []grid.Tone {
	state := grid.ToneNone
	switch r.p.State {
	case store.Alarm, store.Trouble:
		state = grid.ToneBad
	case store.NotReady:
		state = grid.ToneWarn
	}
	sync := syncTone(r.p.Sync)
	if state == grid.ToneNone && sync == grid.ToneNone {
		return nil
	}
	return []grid.Tone{2: state, 4: sync}
}

func newPartitionsScreen(c *common) *partitionsScreen {
	s := &partitionsScreen{listScreen: newList[partitionRow](c, scrPartitions, "Partitions", partitionCols)}
	s.cells = partitionCells
	s.tones = partitionTones
	s.empty = "No panel chosen: pick one on the Panels screen (1) and press enter."
	s.crumbsF = func() []string {
		if s.panel.ID == 0 {
			return []string{"Partitions"}
		}
		// The tab already says Partitions; the crumb names the panel.
		return append(strings.Split(siteOf(c.st, s.panel.Unit), " / "), s.panel.Name)
	}
	return s
}

// load reads the partitions of the panel chosen now (the first panel when
// none is), counting the users who hold each, and the commands on their way.
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
			if st := pt.Sync.State; pt.Sync.Job != 0 && (st == store.SyncPending || st == store.SyncKeypad) {
				if j, err := c.st.GetJob(c.actor, pt.Sync.Job); err == nil {
					rows[i].job = &j
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

// relevant: changes to the panel shown (state reports, commands, users
// who hold partitions); other panels' changes cost nothing here.
func (s *partitionsScreen) relevant(ch []store.Change) bool {
	for _, c := range ch {
		switch c.What {
		case store.ChangeAll:
			return true
		case store.ChangePartition, store.ChangeUser, store.ChangePanel:
			if s.panel.ID == 0 || c.Panel == s.panel.ID {
				return true
			}
		}
	}
	return false
}

func (s *partitionsScreen) panelID() uint64 { return s.panel.ID }
func (s *partitionsScreen) setPanel(id uint64) {
	s.panel = store.Panel{ID: id}
	s.loaded = false
}

func (s *partitionsScreen) actions() []ActionID {
	return []ActionID{ActArmStay, ActArmAway, ActDisarm, ActPartitionLabel, ActJobSteps, ActJobCancel}
}

func (s *partitionsScreen) available(id ActionID) error {
	r, ok := s.selected()
	if !ok {
		return notNowf("no partition selected")
	}
	return s.availableFor(id, r)
}

// availableFor asks the store (CheckPartition): the permission, a command
// on its way, a partition in the asked state already. A disarmed
// partition is not offered a disarm, so no confirmation is asked for a
// command the store would refuse.
func (s *partitionsScreen) availableFor(id ActionID, r partitionRow) error {
	switch id {
	case ActOpen:
		return nil
	case ActArmStay, ActArmAway, ActDisarm, ActPartitionLabel:
		return s.c.st.CheckPartition(s.c.actor, r.panel, r.p, partitionAction(id))
	case ActJobSteps, ActJobCancel:
		return syncActionErr(s.c, id, r.p.Sync, store.PermArmDisarm, partitionName(r))
	}
	return notNowf("not an action of this screen")
}

// partitionAction maps a console action to the store's rule for it.
func partitionAction(id ActionID) store.PartitionAction {
	switch id {
	case ActArmStay:
		return store.ActArmStay
	case ActArmAway:
		return store.ActArmAway
	case ActDisarm:
		return store.ActDisarm
	case ActPartitionLabel:
		return store.ActLabelPartition
	}
	return ""
}

// tryFor is the store's attempt at a greyed action on the selected
// partition.
func (s *partitionsScreen) tryFor(id ActionID) func() error {
	r, ok := s.selected()
	if !ok {
		return nil
	}
	return s.tryPartition(id, r)
}

func (s *partitionsScreen) tryPartition(id ActionID, r partitionRow) func() error {
	if t := tryJob(s.c, id, r.p.Sync); t != nil {
		return t
	}
	act := partitionAction(id)
	if act == "" {
		return nil
	}
	c, panel, n := s.c, r.panel.ID, r.p.Number
	return func() error { return c.st.TryPartition(c.actor, panel, n, act) }
}

// partitionName is "partition 2 (Server room) of Main building".
func partitionName(r partitionRow) string {
	return fmt.Sprintf("partition %d (%s) of %s", r.p.Number, r.p.Label, r.panel.Name)
}

func (s *partitionsScreen) run(id ActionID) tea.Cmd {
	r, ok := s.selected()
	if !ok {
		return nil
	}
	if id == ActOpen {
		return s.c.open(&partitionDetails{s: s, n: r.p.Number})
	}
	return s.runFor(id, r)
}

func (s *partitionsScreen) runFor(id ActionID, r partitionRow) tea.Cmd {
	c, panel, n, name := s.c, r.panel.ID, r.p.Number, partitionName(r)
	short := fmt.Sprintf("partition %d (%s)", n, r.p.Label)
	switch id {
	case ActArmStay, ActArmAway:
		mode := store.ArmAway
		if id == ActArmStay {
			mode = store.ArmStay
		}
		return c.do(fmt.Sprintf("%s: arm %s sent to the panel", short, mode), func() error { return c.st.Arm(c.actor, panel, n, mode) })
	case ActDisarm:
		return c.open(newConfirm(c, "Disarm "+name+"?",
			"The partition stops protecting its area as soon as the panel takes the command.",
			"Disarm", func() tea.Cmd {
				return c.do(short+": disarm sent to the panel", func() error { return c.st.Disarm(c.actor, panel, n) })
			}))
	case ActPartitionLabel:
		return c.open(newPrompt(c, fmt.Sprintf("Rename partition %d", n), "Label:", r.p.Label, func(v string) tea.Cmd {
			return c.submitOp(fmt.Sprintf("partition %d renamed", n), func() error { return c.st.SetPartitionLabel(c.actor, panel, n, v) })
		}))
	case ActJobSteps:
		d, load := newKeypadSteps(c, r.p.Sync.Job, name)
		return tea.Batch(c.open(d), load)
	case ActJobCancel:
		return c.open(cancelJobConfirm(c, r.p.Sync.Job, name, c.do))
	}
	return nil
}

func (s *partitionsScreen) row(n int) (partitionRow, bool) {
	return rowWith(s.items, func(r partitionRow) int { return r.p.Number }, n)
}

// partitionDetails shows one partition with its command's full sentence;
// the partition's action keys work from it, as in the user details.
type partitionDetails struct {
	s *partitionsScreen
	n int
}

func (d *partitionDetails) editing() bool { return false }

func (d *partitionDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	return detailsKeyTry(d.s.c, msg, func() (partitionRow, bool) { return d.s.row(d.n) },
		func(partitionRow) []ActionID { return d.s.actions() }, d.s.availableFor, d.s.tryPartition, d.s.runFor)
}

func (d *partitionDetails) view(width, _ int) string {
	c := d.s.c
	t := c.theme
	w := dialogWidth(width, 64)
	r, ok := d.s.row(d.n)
	if !ok {
		return c.frame(fmt.Sprintf("Partition %d", d.n), w, "This partition is no longer shown.")
	}
	row := func(k, v string) string { return t.Label.Render(fmt.Sprintf("%-10s", k)) + v }
	state := string(r.p.State)
	if tones := partitionTones(r); len(tones) > 2 {
		state = toneStyle(t, tones[2], state)
	}
	lines := []string{row("State", state)}
	if !r.p.Changed.IsZero() {
		lines = append(lines, row("Changed", clockOrDate(r.p.Changed, c.now())))
	}
	lines = append(lines, row("Holders", fmt.Sprintf("%d users", r.holders)))
	sentence := syncSentence(r.p.Sync)
	if r.job != nil && r.p.Sync.State == store.SyncPending {
		sentence = partitionSync(r) + " " + sentence
	}
	for i, l := range strings.Split(wrap(sentence, w-10), "\n") {
		l = toneStyle(t, syncTone(r.p.Sync), l)
		if i == 0 {
			lines = append(lines, row("Command", l))
		} else {
			lines = append(lines, row("", l))
		}
	}
	var keys []string
	for _, id := range d.s.actions() {
		a := c.keys.action(id)
		err := d.s.availableFor(id, r)
		switch {
		case err == nil:
			keys = append(keys, t.HintKey.Render(c.keys.keyLabel(id))+" "+a.Short)
		case !a.Contextual:
			keys = append(keys, t.HintDisabled.Render(c.keys.keyLabel(id)+" "+a.Short))
		}
	}
	lines = append(lines, "", wrap(strings.Join(keys, " · "), w), t.Dim.Render("esc closes"))
	return c.frame(fmt.Sprintf("Partition %d — %s · %s", r.p.Number, r.p.Label, r.panel.Name), w, lines...)
}

// ---- Accounts ----

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
	return []string{strconv.FormatUint(e.Seq, 10), timeText(e.Time.Local(), timeMinute), e.Operator, e.Action, e.Place, e.Result}
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
		row("Time", timeText(e.Time.Local(), timeZoned)),
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

// detailsKey is the key handling every details dock shares: esc, q and
// enter close it, and an action key of the shown row runs on it, or the
// status line says why it cannot. actions are the keys the dock offers for
// the row.
func detailsKey[R any](c *common, msg tea.Msg, row func() (R, bool), actions func(R) []ActionID, avail func(ActionID, R) error, run func(ActionID, R) tea.Cmd) (tea.Cmd, bool) {
	return detailsKeyTry(c, msg, row, actions, avail, nil, run)
}

// detailsKeyTry is detailsKey whose greyed actions still ask the store
// (try, see common.refused) when their key is pressed.
func detailsKeyTry[R any](c *common, msg tea.Msg, row func() (R, bool), actions func(R) []ActionID, avail func(ActionID, R) error, try func(ActionID, R) func() error, run func(ActionID, R) tea.Cmd) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch k.String() {
	case "esc", "q", "enter":
		return nil, true
	}
	r, found := row()
	if !found {
		return nil, false
	}
	act, ok := c.keys.lookupAmong(actions(r), k.String())
	if !ok {
		return nil, false
	}
	if err := avail(act.ID, r); err != nil {
		var attempt func() error
		if try != nil && act.Writes {
			attempt = try(act.ID, r)
		}
		return c.refused(act, err, attempt, func() tea.Cmd { return run(act.ID, r) }), false
	}
	return run(act.ID, r), false
}
