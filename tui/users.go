package tui

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// usersScreen is the panel users grid of reference 003.
type usersScreen struct {
	c      *common
	g      grid.Model
	panel  store.Panel
	parts  []store.Partition
	users  []store.PanelUser
	accts  map[uint64]store.Account
	locks  []store.Lock
	tags   []store.Tag
	err    error
	loaded bool

	// progress of the load in flight (a large panel takes a moment).
	progressCh  <-chan [2]int
	done, total int
	loading     bool
	order       loadOrder

	// dirty is what committed changes touched since the rows shown were
	// read; one patch read at a time takes it (patching), so bursts of
	// changes coalesce and patches land in the order they were read.
	dirty    usersDirty
	patching bool
	gen      uint64 // the load the rows come from: a patch of an older one is dropped
}

var userCols = []grid.Column{
	{Title: "№", Key: "no", Width: 4, Align: grid.Right},
	{Title: "Label & role", Key: "label", MinWidth: 14},
	// Code stays at 80 columns: whether a slot has a code is what a
	// guard reads first.
	{Title: "Code", Key: "code", Width: 4},
	{Title: "Partitions", Key: "partitions", MinWidth: 10},
	{Title: "Account", Key: "account", MinWidth: 10},
	// Created gives way under 92 columns so that Sync can say why a
	// change is stuck; the details show the account's created time. From
	// 97 columns it shows the time too, below that the date alone.
	{Title: "Created", Key: "created", MinWidth: 10, Want: len(timeMinute), MaxWidth: len(timeMinute), HideBelow: 92, Fit: dateOnly},
	{Title: "Status", Key: "status", Width: 13},
	{Title: "Sync", Key: "sync", MinWidth: 17}, // "unverified (by i…"; the details say it all
}

// dateOnly shortens "2026-05-13 16:24" to its date for a narrow column.
func dateOnly(cell string, _ int) string {
	if d, _, ok := strings.Cut(cell, " "); ok {
		return d
	}
	return cell
}

// userSyncCol is the index of the Sync column.
const userSyncCol = 7

func newUsersScreen(c *common) *usersScreen {
	s := &usersScreen{c: c, g: newGrid(c, userCols)}
	s.g.SetFilterKeys("role", "email") // fields that share a column with others
	return s
}

func (s *usersScreen) id() screenID { return scrUsers }
func (s *usersScreen) title(bool) string {
	return "Users"
}

type usersLoadedMsg struct {
	n     uint64 // the load's number (loadOrder)
	panel uint64
	p     store.Panel
	parts []store.Partition
	users []store.PanelUser
	accts map[uint64]store.Account
	locks []store.Lock
	tags  []store.Tag
	err   error
}

func (s *usersScreen) panelID() uint64 { return s.panel.ID }

func (s *usersScreen) setPanel(id uint64) {
	s.panel = store.Panel{ID: id}
	s.loaded = false
	s.g.SetFilter("")
	s.g.Home()
}

// load reads the panel, its users, the accounts, locks and tags. With no
// panel chosen yet it picks the first one.
func (s *usersScreen) load() tea.Cmd {
	c, id, n := s.c, s.panel.ID, s.order.next()
	// The load reads everything: what changed before it is in it; what
	// changes while it runs is patched after it.
	s.dirty, s.patching, s.gen = usersDirty{}, false, n
	report, finish, reports := progressReporter()
	s.done, s.total, s.progressCh, s.loading = 0, 0, reports, true
	// The load comes first: runners that execute a batch in order (tests)
	// then see the relay end at once instead of waiting on it.
	return tea.Batch(func() tea.Msg {
		defer finish()
		m := usersLoadedMsg{n: n, panel: id}
		if id == 0 {
			panels, err := c.st.ListPanels(c.actor)
			if err != nil || len(panels) == 0 {
				m.err = err
				return m
			}
			id, m.panel = panels[0].ID, panels[0].ID
		}
		if m.p, m.err = c.st.GetPanel(c.actor, id); m.err != nil {
			return m
		}
		if m.users, m.err = c.st.ListUsersProgress(c.actor, id, report); m.err != nil {
			return m
		}
		m.parts, _ = c.st.ListPartitions(c.actor, id)
		m.accts = map[uint64]store.Account{}
		if accts, err := c.st.ListAccounts(c.actor); err == nil {
			for _, a := range accts {
				m.accts[a.ID] = a
			}
		}
		m.locks, m.tags = panelEquipment(c, id)
		return m
	}, waitProgress(reports))
}

// panelEquipment reads one panel's locks and tags.
func panelEquipment(c *common, panel uint64) (locks []store.Lock, tags []store.Tag) {
	if all, err := c.st.ListLocks(c.actor); err == nil {
		for _, l := range all {
			if l.Panel == panel {
				locks = append(locks, l)
			}
		}
	}
	if all, err := c.st.ListTags(c.actor); err == nil {
		for _, t := range all {
			if t.Panel == panel {
				tags = append(tags, t)
			}
		}
	}
	return locks, tags
}

func (s *usersScreen) update(msg tea.Msg) tea.Cmd {
	if p, ok := msg.(progressMsg); ok {
		if p.ch != s.progressCh {
			return nil
		}
		s.done, s.total = p.done, p.total
		return waitProgress(p.ch)
	}
	if m, ok := msg.(usersPatchMsg); ok {
		return s.applyPatch(m)
	}
	m, ok := msg.(usersLoadedMsg)
	if !ok || (s.panel.ID != 0 && m.panel != s.panel.ID) || !s.order.fresh(m.n) {
		return nil
	}
	s.err, s.loading = m.err, false
	if m.err != nil {
		return nil
	}
	s.loaded = m.p.ID != 0
	s.panel, s.parts, s.users, s.accts, s.locks, s.tags = m.p, m.parts, m.users, m.accts, m.locks, m.tags
	s.g.SetSource(newUsersSource(s.users, s.accts))
	return s.startPatch()
}

// userCells is the pure row renderer of the Users grid (003's columns).
func userCells(u store.PanelUser, acc *store.Account) []string {
	code, parts, role := "-", "-", "-"
	if u.CodeSet {
		code, parts, role = "✓", u.Partitions.String(), string(u.Role)
	}
	email, created, status := "-", "-", string(store.StatusUnknown)
	if acc != nil {
		email, status = acc.Email, string(acc.Status)
		created = timeText(acc.Created.Local(), timeMinute)
	}
	sync := syncCell(u.ShownSync())
	return []string{strconv.Itoa(u.Slot), u.DisplayLabel() + " · " + role, code, parts, email, created, status, sync}
}

// userTones marks the Sync cell; one shared slice per tone, so toning a
// row allocates nothing.
var userTones = func() map[grid.Tone][]grid.Tone {
	m := map[grid.Tone][]grid.Tone{}
	for _, t := range []grid.Tone{grid.ToneWarn, grid.ToneBad} {
		m[t] = make([]grid.Tone, len(userCols))
		m[t][userSyncCol] = t
	}
	return m
}()

// usersSource serves the grid from the loaded users. Cells are built only
// for the rows on screen; the lower-case haystacks that filtering and
// sorting need are built for every row, once, the first time they are
// asked for, so showing a 100,000-user panel does not wait for them.
type usersSource struct {
	users []store.PanelUser
	accts map[uint64]store.Account
	hay   []string
	label []string
}

func newUsersSource(users []store.PanelUser, accts map[uint64]store.Account) *usersSource {
	return &usersSource{users: users, accts: accts}
}

func (s *usersSource) index() {
	if s.hay != nil {
		return
	}
	s.hay, s.label = make([]string, len(s.users)), make([]string, len(s.users))
	var b strings.Builder
	for i := range s.users {
		s.indexRow(i, &b)
	}
}

// indexRow builds row i's haystack and label.
func (s *usersSource) indexRow(i int, b *strings.Builder) {
	cells := s.Cells(i)
	b.Reset()
	for j, c := range cells {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c)
	}
	s.hay[i] = strings.ToLower(b.String())
	s.label[i] = strings.ToLower(cells[1])
}

func (s *usersSource) account(i int) *store.Account {
	if id := s.users[i].Account; id != 0 {
		if a, ok := s.accts[id]; ok {
			return &a
		}
	}
	return nil
}

// patch takes in that rows changed: their haystacks are built again if
// they were built.
func (s *usersSource) patch(rows []int) {
	if s.hay == nil {
		return
	}
	var b strings.Builder
	for _, i := range rows {
		s.indexRow(i, &b)
	}
}

func (s *usersSource) Len() int                { return len(s.users) }
func (s *usersSource) Cells(i int) []string    { return userCells(s.users[i], s.account(i)) }
func (s *usersSource) Haystack(i int) string   { s.index(); return s.hay[i] }
func (s *usersSource) Tones(i int) []grid.Tone { return userTones[syncTone(s.users[i].Sync)] }

var lowerCache = map[string]string{}

// low lower-cases the few distinct enum values without allocating per row.
func low(v string) string {
	if l, ok := lowerCache[v]; ok {
		return l
	}
	return strings.ToLower(v)
}

func init() {
	for _, v := range []string{"Master", "Supervisor", "User", "One-time User", "Duress", "DwellerMaster", "Guest", "Installer", "Dealer",
		"Not confirmed", "Active", "Suspended", "Unknown",
		string(store.SyncInSync), string(store.SyncPending), string(store.SyncFailed), string(store.SyncDrift),
		string(store.SyncUnverified), string(store.SyncKeypad), string(store.SyncCancelled)} {
		lowerCache[v] = strings.ToLower(v)
	}
}

func (s *usersSource) Field(i int, key string) string {
	u := &s.users[i]
	switch key {
	case "no":
		return strconv.Itoa(u.Slot)
	case "label":
		s.index()
		return s.label[i]
	case "role":
		if !u.CodeSet {
			return "-"
		}
		return low(string(u.Role))
	case "code":
		if u.CodeSet {
			return "set"
		}
		return "none"
	case "partitions":
		return u.Partitions.String()
	case "account", "email":
		if a := s.account(i); a != nil {
			return strings.ToLower(a.Email)
		}
		return "-"
	case "created":
		if a := s.account(i); a != nil {
			return a.Created.UTC().Format("2006-01-02T15:04:05")
		}
		return "-"
	case "status":
		if a := s.account(i); a != nil {
			return low(string(a.Status))
		}
		return "unknown"
	case "sync":
		return low(string(u.Sync.State))
	}
	return ""
}

// Compare sorts slots numerically without building strings.
func (s *usersSource) Compare(i, j int, key string) int {
	if key == "no" {
		return s.users[i].Slot - s.users[j].Slot
	}
	return grid.Natural(s.Field(i, key), s.Field(j, key))
}

func (s *usersScreen) selected() (store.PanelUser, bool) {
	i, ok := s.g.Selected()
	if !ok || i >= len(s.users) {
		return store.PanelUser{}, false
	}
	return s.users[i], true
}

func (s *usersScreen) user(slot int) (store.PanelUser, bool) {
	if slot < 1 || slot > len(s.users) {
		return store.PanelUser{}, false
	}
	return s.users[slot-1], true
}

func (s *usersScreen) account(u store.PanelUser) *store.Account {
	if a, ok := s.accts[u.Account]; ok && u.Account != 0 {
		return &a
	}
	return nil
}

func (s *usersScreen) view(w, h int) string {
	switch {
	case s.err != nil:
		return " " + errText(s.err)
	case !s.loaded && s.loading && s.total > 0:
		return " Loading panel users…\n\n " + progressBar(min(w-2, 70), s.done, s.total)
	case !s.loaded && s.loading:
		return " Loading panel users…"
	case !s.loaded:
		return " No panel to show: add one (guardroom panel add --help), or pick one on the Panels screen (1)."
	}
	return s.g.View()
}

func (s *usersScreen) actions() []ActionID {
	return []ActionID{ActUserCode, ActUserLabel, ActUserPartitions, ActUserDisable, ActAssign, ActUnassign, ActResetPassword, ActRemoveAccount,
		ActUserLock, ActUserTag, ActJobSteps, ActDriftResolve, ActJobRetry, ActJobCancel}
}

// storeAction maps a console action to the store's rule for it.
func storeAction(id ActionID, u store.PanelUser) store.UserAction {
	switch id {
	case ActUserCode:
		if u.CodeSet {
			return store.ActEditCode
		}
		return store.ActSetCode
	case ActUserLabel:
		return store.ActSetLabel
	case ActUserPartitions:
		return store.ActSetPartitions
	case ActUserDisable:
		return store.ActDisable
	case ActAssign:
		return store.ActAssignAccount
	case ActUnassign:
		return store.ActUnassignAccount
	case ActResetPassword:
		return store.ActResetPassword
	case ActRemoveAccount:
		return store.ActRemoveAccount
	case ActUserLock:
		return store.ActGiveLock
	case ActUserTag:
		return store.ActEnrolUserTag
	}
	return ""
}

func (s *usersScreen) available(id ActionID) error {
	u, ok := s.selected()
	if !ok {
		// With no row (a filter that matches none), what the operator's
		// roles never allow is still said as such, so the hints leave it
		// out rather than offer it dimmed.
		if err := s.availableFor(id, store.PanelUser{}); errors.Is(err, store.ErrPermission) {
			return err
		}
		return fmt.Errorf("no panel user selected")
	}
	return s.availableFor(id, u)
}

func (s *usersScreen) availableFor(id ActionID, u store.PanelUser) error {
	if id == ActOpen {
		return nil
	}
	if id == ActAssign {
		// The dialog lets the operator pick any user with a code; only
		// the permission decides whether it opens.
		return s.c.actor.Need(store.PermManageAccounts)
	}
	switch id {
	case ActJobRetry, ActJobCancel, ActJobSteps, ActDriftResolve:
		return syncActionErr(s.c, id, u.Sync, store.PermManagePanelUsers, fmt.Sprintf("panel user %d of %s", u.Slot, s.panel.Name))
	case ActUserLock, ActUserTag:
		return s.equipmentErr(id)
	}
	act := storeAction(id, u)
	if act == "" {
		return fmt.Errorf("not an action of this screen")
	}
	return s.c.st.CheckUser(s.c.actor, s.panel, u, act)
}

// tryFor is the store's attempt at a greyed action on the selected user.
func (s *usersScreen) tryFor(id ActionID) func() error {
	u, ok := s.selected()
	if !ok {
		return nil
	}
	return s.tryUser(id, u)
}

// tryUser is the store's attempt at id on user u (nil: the action has no
// rule of the store's about one user, as the outbox's and equipment's).
func (s *usersScreen) tryUser(id ActionID, u store.PanelUser) func() error {
	if t := tryJob(s.c, id, u.Sync); t != nil {
		return t
	}
	act := storeAction(id, u)
	if act == "" {
		return nil
	}
	c, panel, slot := s.c, s.panel.ID, u.Slot
	return func() error { return c.st.TryUser(c.actor, panel, slot, act) }
}

func (s *usersScreen) run(id ActionID) tea.Cmd {
	u, ok := s.selected()
	if !ok {
		return nil
	}
	if id == ActOpen {
		return s.c.open(newUserDetails(s, u.Slot))
	}
	return s.runFor(id, u)
}

// runFor opens the dialog for an action on one user (from the grid or the
// details).
func (s *usersScreen) runFor(id ActionID, u store.PanelUser) tea.Cmd {
	c, p, slot := s.c, s.panel, u.Slot
	who := fmt.Sprintf("panel user %d (%s)", slot, u.DisplayLabel())
	switch id {
	case ActUserCode:
		return c.open(newCodeEntry(s, u))
	case ActUserLabel:
		return c.open(newPrompt(c, "Edit label — "+who, "Label (up to 32 characters):", u.DisplayLabel(), func(v string) tea.Cmd {
			return c.submitOp("label of "+who+" saved", func() error { return c.st.SetLabel(c.actor, p.ID, slot, v) })
		}))
	case ActUserPartitions:
		return c.open(newPartitionPicker(s, u))
	case ActUserDisable:
		return c.open(newConfirm(c, "Disable "+who+"?",
			"Its code is removed and with it the label: the user no longer exists on the panel. Label and partitions cannot change until a code is set again.",
			"Disable", func() tea.Cmd {
				return c.do(who+" disabled", func() error { return c.st.DisablePanelUser(c.actor, p.ID, slot) })
			}))
	case ActAssign:
		return c.open(newAssignDialog(s, u))
	case ActJobRetry:
		seq := u.Sync.Job
		return c.do(fmt.Sprintf("job %d of %s queued again for the panel", seq, who), func() error { return c.st.RetryJob(c.actor, seq) })
	case ActJobCancel:
		return c.open(cancelJobConfirm(c, u.Sync.Job, who+" of "+p.Name, c.do))
	case ActJobSteps:
		d, load := newKeypadSteps(c, u.Sync.Job, who+" of "+p.Name)
		return tea.Batch(c.open(d), load)
	case ActDriftResolve:
		d, load := newDriftDialog(s, slot)
		return tea.Batch(c.open(d), load)
	case ActUserLock:
		return s.lockPicker(u)
	case ActUserTag:
		p, user := s.panel, u
		d, load := newTagForm(c, tagFormOptions{panel: &p, user: &user})
		return tea.Batch(c.open(d), load)
	}
	acc := s.account(u)
	if acc == nil {
		return nil
	}
	email := acc.Email
	switch id {
	case ActUnassign:
		return c.open(newConfirm(c, "Unassign "+email+"?", "The account is unlinked from "+who+". The account itself stays and can be assigned again.", "Unassign", func() tea.Cmd {
			return c.do(email+" unassigned from "+who, func() error { return c.st.UnassignAccount(c.actor, p.ID, slot) })
		}))
	case ActResetPassword:
		return c.open(newConfirm(c, "Reset the password of "+email+"?", "A one-time code is e-mailed to "+email+". The old password stays valid until the code is used.", "Send", func() tea.Cmd {
			return c.do("one-time code queued for "+email, func() error { return c.st.ResetPassword(c.actor, email) })
		}))
	case ActRemoveAccount:
		return c.open(newConfirm(c, "Remove account "+email+"?", "This deletes the customer account entirely and unlinks it from every panel user. It cannot be undone. To only unlink it from this user, use unassign instead.", "Remove", func() tea.Cmd {
			return c.do("account "+email+" removed", func() error { return c.st.RemoveAccount(c.actor, email) })
		}).requireTyped(email))
	}
	return nil
}

func (s *usersScreen) relevant(ch []store.Change) bool {
	for _, c := range ch {
		switch c.What {
		case store.ChangeAll, store.ChangeAccount:
			return true
		case store.ChangeLock, store.ChangeTag:
			if c.Panel == 0 || c.Panel == s.panel.ID {
				return true
			}
		case store.ChangeUser, store.ChangePanel, store.ChangePartition:
			if c.Panel == s.panel.ID {
				return true
			}
		}
	}
	return false
}

// usersDirty is what changed on the panel shown since its rows were read.
type usersDirty struct {
	slots     map[int]bool
	accts     map[uint64]bool
	panel     bool // the panel's record (its name, connection, codes counter)
	parts     bool
	equipment bool // its locks and tags
}

func (d usersDirty) empty() bool {
	return len(d.slots) == 0 && len(d.accts) == 0 && !d.panel && !d.parts && !d.equipment
}

// patchShare is the share of a panel's users above which a change reads
// the whole panel again rather than the users it touched.
const patchShare = 4

// patch takes in committed changes (relevant ones: the App asks first):
// the users, accounts and records they name are read again and the grid
// patched; a change too large to list (ChangeAll, a large share of the
// users) reads everything again.
func (s *usersScreen) patch(ch []store.Change) tea.Cmd {
	if !s.loaded && !s.loading {
		return s.load()
	}
	d := &s.dirty
	for _, c := range ch {
		switch c.What {
		case store.ChangeAll:
			return s.load()
		case store.ChangeUser:
			if c.Panel != s.panel.ID {
				continue
			}
			if d.slots == nil {
				d.slots = map[int]bool{}
			}
			d.slots[c.Slot] = true
			if c.Account != 0 {
				d.account(c.Account)
			}
		case store.ChangeAccount:
			d.account(c.Account)
		case store.ChangePanel:
			d.panel = d.panel || c.Panel == s.panel.ID
		case store.ChangePartition:
			d.parts = d.parts || c.Panel == s.panel.ID
		case store.ChangeLock, store.ChangeTag:
			d.equipment = d.equipment || c.Panel == 0 || c.Panel == s.panel.ID
		}
	}
	if len(d.slots) > max(len(s.users)/patchShare, 64) {
		return s.load()
	}
	if s.loading {
		return nil // patched once the load is in
	}
	return s.startPatch()
}

func (d *usersDirty) account(id uint64) {
	if d.accts == nil {
		d.accts = map[uint64]bool{}
	}
	d.accts[id] = true
}

// usersPatchMsg is what a patch read: the users, accounts and records that
// changed.
type usersPatchMsg struct {
	gen   uint64
	panel uint64
	d     usersDirty
	p     store.Panel
	users []store.PanelUser
	accts map[uint64]store.Account // of d.accts, those still there
	parts []store.Partition
	locks []store.Lock
	tags  []store.Tag
	err   error
}

// startPatch reads what is dirty, unless a read is in flight (its result
// starts the next one).
func (s *usersScreen) startPatch() tea.Cmd {
	if s.patching || s.dirty.empty() || !s.loaded {
		return nil
	}
	d, c, gen, id := s.dirty, s.c, s.gen, s.panel.ID
	s.dirty, s.patching = usersDirty{}, true
	return func() tea.Msg {
		m := usersPatchMsg{gen: gen, panel: id, d: d}
		if d.panel {
			if m.p, m.err = c.st.GetPanel(c.actor, id); m.err != nil {
				return m
			}
		}
		if len(d.slots) > 0 {
			slots := slices.Sorted(maps.Keys(d.slots))
			if m.users, m.err = c.st.GetUsers(c.actor, id, slots); m.err != nil {
				return m
			}
		}
		if len(d.accts) > 0 {
			if m.accts, m.err = c.st.AccountsByID(c.actor, slices.Collect(maps.Keys(d.accts))); m.err != nil {
				return m
			}
		}
		if d.parts {
			m.parts, _ = c.st.ListPartitions(c.actor, id)
		}
		if d.equipment {
			m.locks, m.tags = panelEquipment(c, id)
		}
		return m
	}
}

// applyPatch puts what a patch read in place, then reads what changed
// meanwhile.
func (s *usersScreen) applyPatch(m usersPatchMsg) tea.Cmd {
	if m.gen != s.gen || m.panel != s.panel.ID {
		return nil // a load started since: it read all of this
	}
	s.patching = false
	if m.err != nil {
		return s.load() // the panel went, or the operator's scope changed
	}
	if m.d.panel {
		s.panel = m.p
	}
	if m.d.parts {
		s.parts = m.parts
	}
	if m.d.equipment {
		s.locks, s.tags = m.locks, m.tags
	}
	rows := map[int]bool{}
	for _, u := range m.users {
		if i := u.Slot - 1; i >= 0 && i < len(s.users) {
			s.users[i] = u
			rows[i] = true
		}
	}
	for id := range m.d.accts {
		// Rows linked to the account before and after the change show it.
		for _, links := range [][]store.UserRef{s.accts[id].Links, m.accts[id].Links} {
			for _, l := range links {
				if l.Panel == s.panel.ID && l.Slot >= 1 && l.Slot <= len(s.users) {
					rows[l.Slot-1] = true
				}
			}
		}
		if a, ok := m.accts[id]; ok {
			s.accts[id] = a
		} else {
			delete(s.accts, id)
		}
	}
	changed := slices.Collect(maps.Keys(rows))
	if src, ok := s.g.Source().(*usersSource); ok {
		src.patch(changed)
	}
	s.g.Patch(changed)
	return s.startPatch()
}

func (s *usersScreen) crumbs() []string {
	if s.panel.ID == 0 || !s.loaded {
		return []string{"Users"}
	}
	return append(strings.Split(siteOf(s.c.st, s.panel.Unit), " / "), s.panel.Name+" ("+string(s.panel.Spec().Type)+")")
}

func (s *usersScreen) table() *grid.Model { return &s.g }

func (s *usersScreen) footer() string {
	if !s.loaded {
		return ""
	}
	return gridFooter(&s.g, fmt.Sprintf("%d users with a code", s.panel.CodesSet))
}

// equipmentErr says why the user's door locks or tags cannot change from
// here. Only the permission and what the panel has are asked here: the
// user's own state (a code is needed) is the store's to refuse when the
// lock or tag is picked, in its words, since it has no check for a user's
// locks and tags yet.
func (s *usersScreen) equipmentErr(id ActionID) error {
	if err := s.c.actor.Need(store.PermManageLocksTags); err != nil {
		return err
	}
	switch id {
	case ActUserLock:
		switch {
		case len(s.locks) > 0:
		case s.panel.Spec().DoorLocks:
			return notNowf("%s has no door locks: link one on the Door locks screen (%s)", s.panel.Name, s.c.keys.keyLabel("screen.locks"))
		default:
			return notNowf("%s has no door locks: its family (%s) drives none", s.panel.Name, s.panel.Spec().Model)
		}
	case ActUserTag:
		tagLocks := slices.ContainsFunc(s.locks, func(l store.Lock) bool { return l.Spec().Tags })
		if !s.panel.Spec().KeypadProx && !tagLocks {
			return notNowf("%s reads no tags: its keypads have no reader and none of its locks reads tags", s.panel.Name)
		}
	}
	return nil
}

// lockPicker lists the panel's locks for one user: picking one the user
// does not hold assigns it (the store's refusal stays in the list),
// picking one they hold asks before taking it away.
func (s *usersScreen) lockPicker(u store.PanelUser) tea.Cmd {
	c, p, slot := s.c, s.panel, u.Slot
	who := userWho(slot, u, true)
	locks := slices.Clone(s.locks)
	items := make([]pickItem, len(locks))
	for i, l := range locks {
		items[i] = pickItem{label: fmt.Sprintf("%d %s", l.ID, l.Name), id: l.ID, note: shortModel(l.Model)}
		switch err := c.st.CheckLock(c.actor, l, store.ActAssignToLock); {
		case slices.Contains(l.Users, slot):
			items[i].note = "assigned · enter takes it away"
		case err != nil:
			items[i].note = errText(err)
		}
	}
	d := newPickList(c, "Door locks of "+who, "Locks of "+p.Name+":", items, func(it pickItem) (tea.Cmd, bool) {
		i := slices.IndexFunc(locks, func(l store.Lock) bool { return l.ID == it.id })
		l := locks[i]
		if slices.Contains(l.Users, slot) {
			return c.open(unassignLockConfirm(c, l, p.Name, slot, who)), true
		}
		return c.submitOp(fmt.Sprintf("%s assigned to %s", who, l.Label()), func() error {
			return c.st.AssignLockUser(c.actor, l.ID, slot)
		}), false
	})
	return c.open(d)
}
