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

// The Door locks screen: every lock of the site as it last reported
// (state, battery), who holds it, the tags it reads and the command on
// its way. Whether an action can run is CheckLock's to say; the dialogs
// only collect what the operation needs.

// lockRow is a lock with what the grid and the details show beside it.
type lockRow struct {
	l     store.Lock
	panel store.Panel
	// users are the lock's users by slot, and owners the tag owners
	// (the same panel's users), for their labels.
	users map[int]store.PanelUser
	tags  []store.Tag
	// job is the lock's job on its way (lock, unlock, assign or unassign
	// a user), for "unlocking…".
	job *store.Job
}

// who names a lock for messages: "lock 1 (Front door) of Main building".
func (r lockRow) who() string { return r.l.Label() + " of " + r.panel.Name }

var lockCols = []grid.Column{
	{Title: "№", Key: "no", Width: 3, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 14, MaxWidth: 32}, // the store allows 48
	{Title: "Model", Key: "model", Width: 7},                 // shortModel's words
	{Title: "Panel", Key: "panel", MinWidth: 11, MaxWidth: 24},
	{Title: "State", Key: "state", Width: 8},
	{Title: "Battery", Key: "battery", Width: 8},
	{Title: "Users", Key: "users", Width: 5, Align: grid.Right},
	{Title: "Tags", Key: "tags", Width: 4, Align: grid.Right},
	{Title: "Sync", Key: "sync", MinWidth: 9},
}

// Door locks grid column indexes that carry a tone.
const (
	lockStateCol   = 4
	lockBatteryCol = 5
	lockSyncCol    = 8
)

// lockCells is the pure row renderer of the Door locks grid.
func lockCells(r lockRow) []string {
	l := r.l
	panel := r.panel.Name
	if panel == "" {
		panel = "panel " + strconv.FormatUint(l.Panel, 10)
	}
	return []string{strconv.FormatUint(l.ID, 10), l.Name, shortModel(l.Model), panel, string(l.State),
		batteryText(l), strconv.Itoa(len(l.Users)), strconv.Itoa(len(l.Tags)), lockSync(r)}
}

// shortModel is the grid's model: what is printed on the lock ("Yale
// L3"), since 80 columns are few; the details and the filter have the
// model whole.
func shortModel(m string) string {
	switch m {
	case store.ModelYaleL2:
		return "Yale L2"
	case store.ModelYaleL3:
		return "Yale L3"
	case store.ModelZWave:
		return "Z-Wave"
	}
	return m
}

// batteryText is "80%", "15% low", or "-" until the lock reports.
func batteryText(l store.Lock) string {
	switch {
	case !l.BatteryKnown():
		return "-"
	case l.LowBattery():
		return strconv.Itoa(l.Battery) + "% low"
	}
	return strconv.Itoa(l.Battery) + "%"
}

// lockSync is the Sync cell: a job on its way says what it does
// ("unlocking…", "assigning user 4…"), the rest is the users' wording.
func lockSync(r lockRow) string {
	s := r.l.Sync
	if s.State != store.SyncPending || r.job == nil {
		return syncCell(s)
	}
	verb := "locking"
	switch r.job.Op {
	case store.OpUnlock:
		verb = "unlocking"
	case store.OpLockAssign:
		verb = "assigning user " + strconv.Itoa(r.job.Slot)
	case store.OpLockUnassign:
		verb = "unassigning user " + strconv.Itoa(r.job.Slot)
	}
	if s.Reason != "" {
		return verb + ": " + shortReason(s.Reason)
	}
	return verb + "…"
}

// lockTones: a jammed lock needs someone at the door, a low battery
// someone with batteries soon; a lock that never reported is dimmed.
func lockTones(r lockRow) []grid.Tone {
	tones := make([]grid.Tone, len(lockCols))
	switch r.l.State {
	case store.LockJammed:
		tones[lockStateCol] = grid.ToneBad
	case store.LockUnknown:
		tones[lockStateCol] = grid.ToneDim
	}
	if r.l.LowBattery() {
		tones[lockBatteryCol] = grid.ToneWarn
	}
	tones[lockSyncCol] = syncTone(r.l.Sync)
	return tones
}

// lockField answers the filter and sort keys whose value is not the
// cell: the full model, the panel's name, and the battery as "low 015%",
// "ok 080%" or "unknown", so battery:low filters and the battery sorts
// the low ones first, by level.
func lockField(r lockRow, key string) (string, bool) {
	switch key {
	case "model":
		return strings.ToLower(r.l.Model), true
	case "panel":
		return strings.ToLower(r.panel.Name), true
	case "battery":
		switch {
		case !r.l.BatteryKnown():
			return "unknown", true
		case r.l.LowBattery():
			return fmt.Sprintf("low %03d%%", r.l.Battery), true
		}
		return fmt.Sprintf("ok %03d%%", r.l.Battery), true
	}
	return "", false
}

type locksScreen struct {
	listScreen[lockRow]
	// panels holds the panels that have locks, for relevant.
	panels map[uint64]bool
}

func newLocksScreen(c *common) *locksScreen {
	s := &locksScreen{listScreen: newList[lockRow](c, scrLocks, "Door locks", lockCols)}
	s.cells, s.tones, s.field = lockCells, lockTones, lockField
	s.empty = "No door locks yet: press " + c.keys.keyLabel(ActLockAdd) + " to link one to a panel."
	s.hint = "filter state:jammed battery:low"
	s.fetch = func() ([]lockRow, error) { return loadLocks(c) }
	return s
}

func (s *locksScreen) title(short bool) string {
	if short {
		return "Locks"
	}
	return "Door locks"
}

// loadLocks reads the locks with their panels, users, tags and the
// commands on their way (a site has tens of locks, not thousands).
func loadLocks(c *common) ([]lockRow, error) {
	locks, err := c.st.ListLocks(c.actor)
	if err != nil {
		return nil, err
	}
	panels, err := c.st.ListPanels(c.actor)
	if err != nil {
		return nil, err
	}
	byID := make(map[uint64]store.Panel, len(panels))
	for _, p := range panels {
		byID[p.ID] = p
	}
	rows := make([]lockRow, len(locks))
	for i, l := range locks {
		r := lockRow{l: l, panel: byID[l.Panel]}
		slots := slices.Clone(l.Users)
		for _, id := range l.Tags {
			if t, err := c.st.GetTag(c.actor, id); err == nil {
				r.tags = append(r.tags, t)
				slots = append(slots, t.Slot)
			}
		}
		r.users = panelUsers(c, l.Panel, slots)
		if st := l.Sync.State; l.Sync.Job != 0 && (st == store.SyncPending || st == store.SyncKeypad) {
			if j, err := c.st.GetJob(c.actor, l.Sync.Job); err == nil {
				r.job = &j
			}
		}
		rows[i] = r
	}
	return rows, nil
}

func (s *locksScreen) update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(lockAddedMsg); ok {
		s.selectWhen(func(r lockRow) bool { return r.l.ID == m.id })
		return nil
	}
	cmd := s.listScreen.update(msg)
	if m, ok := msg.(listLoadedMsg[lockRow]); ok && m.err == nil {
		s.panels = map[uint64]bool{}
		for _, r := range m.items {
			s.panels[r.l.Panel] = true
		}
	}
	return cmd
}

// relevant: locks and tags anywhere, panels (names), and the users of
// panels with locks (labels, a user disabled loses their locks).
func (s *locksScreen) relevant(ch []store.Change) bool {
	for _, c := range ch {
		switch c.What {
		case store.ChangeAll, store.ChangeLock, store.ChangeTag, store.ChangePanel:
			return true
		case store.ChangeUser:
			if s.panels[c.Panel] {
				return true
			}
		}
	}
	return false
}

func (s *locksScreen) actions() []ActionID {
	return []ActionID{ActLockLock, ActLockUnlock, ActLockAssign, ActLockUnassign, ActLockAdd, ActLockEdit, ActLockRemove, ActJobSteps, ActJobCancel}
}

func (s *locksScreen) available(id ActionID) error {
	if id == ActLockAdd {
		return s.c.actor.Need(store.PermManageLocksTags)
	}
	r, ok := s.selected()
	if !ok {
		return notNowf("no door lock selected")
	}
	return s.availableFor(id, r)
}

// tryFor is the store's attempt at a greyed action on the selected lock.
func (s *locksScreen) tryFor(id ActionID) func() error {
	if t := tryAdd(s.c, id); t != nil {
		return t
	}
	r, ok := s.selected()
	if !ok {
		return nil
	}
	return s.tryLock(id, r)
}

func (s *locksScreen) tryLock(id ActionID, r lockRow) func() error {
	if t := tryJob(s.c, id, r.l.Sync); t != nil {
		return t
	}
	var act store.LockAction
	switch id {
	case ActLockLock:
		act = store.ActLockDoor
	case ActLockUnlock:
		act = store.ActUnlockDoor
	case ActLockAssign:
		act = store.ActAssignToLock
	case ActLockRemove:
		act = store.ActRemoveLock
	default:
		return nil
	}
	c, lock := s.c, r.l.ID
	return func() error { return c.st.TryLock(c.actor, lock, act) }
}

// availableFor asks the store (CheckLock) wherever it has a rule; only
// "nothing to unassign" is the console's own reading of the row.
func (s *locksScreen) availableFor(id ActionID, r lockRow) error {
	c := s.c
	switch id {
	case ActOpen:
		return nil
	case ActLockAdd, ActLockEdit:
		return c.actor.Need(store.PermManageLocksTags)
	case ActLockLock:
		return c.st.CheckLock(c.actor, r.l, store.ActLockDoor)
	case ActLockUnlock:
		return c.st.CheckLock(c.actor, r.l, store.ActUnlockDoor)
	case ActLockAssign:
		return c.st.CheckLock(c.actor, r.l, store.ActAssignToLock)
	case ActLockUnassign:
		if err := c.actor.Need(store.PermManageLocksTags); err != nil {
			return err
		}
		if len(r.l.Users) == 0 {
			return notNowf("%s has no users to unassign", r.l.Label())
		}
		return nil
	case ActLockRemove:
		// The console removes with force, which unassigns the users and
		// frees the tags first: the store is asked about the lock as it
		// will be then, so only what force cannot help is refused (a
		// command on its way). The confirmation names what goes.
		forced := r.l
		forced.Users, forced.Tags = nil, nil
		return c.st.CheckLock(c.actor, forced, store.ActRemoveLock)
	case ActJobSteps, ActJobCancel:
		// A lock's job is a door command (lock/unlock doors) or a user's
		// assignment (manage locks and tags): the store says which.
		perm := store.PermManageLocksTags
		if r.job != nil {
			perm = r.job.Perm()
		}
		return syncActionErr(c, id, r.l.Sync, perm, r.who())
	}
	return notNowf("not an action of this screen")
}

func (s *locksScreen) run(id ActionID) tea.Cmd {
	if id == ActLockAdd {
		d, load := newLockForm(s.c, nil)
		return tea.Batch(s.c.open(d), load)
	}
	r, ok := s.selected()
	if !ok {
		return nil
	}
	if id == ActOpen {
		return s.c.open(&lockDetails{s: s, id: r.l.ID})
	}
	return s.runFor(id, r)
}

// runFor opens the dialog for an action on one lock (from the grid or the
// details).
func (s *locksScreen) runFor(id ActionID, r lockRow) tea.Cmd {
	c, l := s.c, r.l
	lockID, name := l.ID, l.Label()
	switch id {
	case ActLockLock:
		return c.do(name+": lock sent to the panel", func() error { return c.st.LockDoor(c.actor, lockID) })
	case ActLockUnlock:
		msg := "The door opens as soon as " + r.panel.Name + " takes the command."
		if l.Spec().AutoLock {
			msg += " A " + l.Model + " locks itself again once the door was opened and closed."
		}
		return c.open(newReasonConfirm(c, "Unlock "+r.who()+"?", msg, "Unlock", func(reason string) tea.Cmd {
			return c.submitOp(name+": unlock sent to the panel; the reason is logged", func() error {
				return c.st.UnlockDoor(c.actor, lockID, reason)
			})
		}))
	case ActLockAssign:
		return s.assignPicker(r)
	case ActLockUnassign:
		return s.unassignPicker(r)
	case ActLockEdit:
		d, _ := newLockForm(c, &r)
		return c.open(d)
	case ActLockRemove:
		force := len(l.Users) > 0 || len(l.Tags) > 0
		msg := "The lock is unlinked from " + r.panel.Name + "; what it did stays in the action log."
		if force {
			msg = fmt.Sprintf("It has %s and %s assigned: removing it unassigns them, and its tags are taken off the lock and show as unassigned. ",
				plural(len(l.Users), "user", "users"), plural(len(l.Tags), "tag", "tags")) + msg
		}
		return c.open(newConfirm(c, "Remove "+r.who()+"?", msg, "Remove", func() tea.Cmd {
			return c.do(name+" removed", func() error { return c.st.RemoveLock(c.actor, lockID, force) })
		}))
	case ActJobSteps:
		d, load := newKeypadSteps(c, l.Sync.Job, r.who())
		return tea.Batch(c.open(d), load)
	case ActJobCancel:
		return c.open(cancelJobConfirm(c, l.Sync.Job, r.who(), c.do))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// assignPicker lists the lock's panel's users who have a code and do not
// hold the lock yet; the store refuses anything else in its own words.
func (s *locksScreen) assignPicker(r lockRow) tea.Cmd {
	c, lockID, panel := s.c, r.l.ID, r.l.Panel
	d := newPickList(c, "Assign a user to "+r.l.Label(), "Panel users of "+r.panel.Name+" with a code:", nil, func(it pickItem) (tea.Cmd, bool) {
		slot := it.slot
		return c.submitOp(fmt.Sprintf("%s assigned to %s", it.who, r.l.Label()), func() error {
			return c.st.AssignLockUser(c.actor, lockID, slot)
		}), false
	})
	d.empty = "No user of " + r.panel.Name + " with a code is left to assign."
	held := r.l.Users
	return tea.Batch(c.open(d), d.loading(func() ([]pickItem, error) {
		users, err := c.st.ListUsers(c.actor, panel)
		if err != nil {
			return nil, err
		}
		return userItems(users, func(u store.PanelUser) bool { return slices.Contains(held, u.Slot) }), nil
	}))
}

// unassignPicker picks one of the lock's users, then asks.
func (s *locksScreen) unassignPicker(r lockRow) tea.Cmd {
	c := s.c
	items := make([]pickItem, len(r.l.Users))
	for i, slot := range r.l.Users {
		u, ok := r.users[slot]
		items[i] = pickItem{label: strconv.Itoa(slot) + " · " + u.DisplayLabel(), slot: slot, who: userWho(slot, u, ok)}
		if !ok {
			items[i].label = strconv.Itoa(slot)
		}
	}
	d := newPickList(c, "Unassign a user from "+r.l.Label(), "", items, func(it pickItem) (tea.Cmd, bool) {
		return c.open(unassignLockConfirm(c, r.l, r.panel.Name, it.slot, it.who)), true
	})
	return c.open(d)
}

// unassignLockConfirm asks before taking lock l away from a user (who).
func unassignLockConfirm(c *common, l store.Lock, panel string, slot int, who string) *confirm {
	lockID, name := l.ID, l.Label()
	return newConfirm(c, fmt.Sprintf("Take %s away from %s?", name, who),
		who+" of "+panel+" can no longer open this door with their code. The user and their code stay.",
		"Unassign", func() tea.Cmd {
			return c.do(who+" unassigned from "+name, func() error { return c.st.UnassignLockUser(c.actor, lockID, slot) })
		})
}

func (s *locksScreen) row(id uint64) (lockRow, bool) {
	return rowWith(s.items, func(r lockRow) uint64 { return r.l.ID }, id)
}

// lockDetails shows one lock: what its model can do, its state and
// battery, its users and tags, and the actions its state allows.
type lockDetails struct {
	s  *locksScreen
	id uint64
}

func (d *lockDetails) editing() bool { return false }

// detailActions are the lock's actions offered here (adding another lock
// is the grid's).
func (d *lockDetails) detailActions() []ActionID {
	return slices.DeleteFunc(d.s.actions(), func(id ActionID) bool { return id == ActLockAdd })
}

func (d *lockDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	return detailsKeyTry(d.s.c, msg, func() (lockRow, bool) { return d.s.row(d.id) },
		func(lockRow) []ActionID { return d.detailActions() }, d.s.availableFor, d.s.tryLock, d.s.runFor)
}

// specText is what a lock model can do, in a line.
func specText(spec store.LockSpec) string {
	parts := []string{"no users"}
	if spec.UserSlots > 0 {
		parts[0] = plural(spec.UserSlots, "user", "users")
	}
	if spec.Tags {
		parts = append(parts, plural(spec.MaxTags, "tag", "tags"))
	} else {
		parts = append(parts, "no tags")
	}
	if spec.AutoLock {
		parts = append(parts, "locks itself")
	}
	return strings.Join(parts, " · ")
}

func (d *lockDetails) view(width, height int) string {
	c := d.s.c
	t := c.theme
	w := dialogWidth(width, 72)
	r, ok := d.s.row(d.id)
	if !ok {
		return c.frame(fmt.Sprintf("Lock %d", d.id), w, "This lock is no longer shown.")
	}
	l, now := r.l, c.now()
	const labelW = 10
	var lines []string
	add := func(k, v string, tone grid.Tone, maxLines int) {
		for i, line := range strings.Split(wrap(v, w-labelW), "\n") {
			if maxLines > 0 && i == maxLines {
				break
			}
			if i > 0 {
				k = ""
			}
			lines = append(lines, t.Label.Render(fmt.Sprintf("%-*s", labelW, k))+toneStyle(t, tone, line))
		}
	}
	tones := lockTones(r)
	add("Model", l.Model+": "+specText(l.Spec()), grid.ToneNone, 0)
	add("Panel", fmt.Sprintf("%s, as its lock %d", r.panel.Name, l.Number), grid.ToneNone, 0)
	state := string(l.State)
	if l.State == store.LockJammed {
		state += ": free the bolt at the door"
	}
	if l.LastSeen.IsZero() {
		state += " · not reported yet"
	} else {
		state += " · last seen " + clockOrDate(l.LastSeen, now)
	}
	add("State", state, tones[lockStateCol], 0)
	battery := batteryText(l)
	switch {
	case !l.BatteryKnown():
		battery = "- (not reported yet)"
	case l.LowBattery():
		battery += ": replace the batteries"
	}
	add("Battery", battery, tones[lockBatteryCol], 0)
	sentence := syncSentence(l.Sync)
	if r.job != nil && l.Sync.State == store.SyncPending {
		sentence = lockSync(r) + " " + sentence
	}
	add("Command", sentence, tones[lockSyncCol], 0)
	// Users and tags take three lines each at most; the grid's filter
	// and the Users screen have the rest.
	var users []string
	for _, slot := range l.Users {
		if u, ok := r.users[slot]; ok {
			users = append(users, fmt.Sprintf("%d %s", slot, u.DisplayLabel()))
		} else {
			users = append(users, strconv.Itoa(slot))
		}
	}
	spec := l.Spec()
	add("Users", fmt.Sprintf("%d of %d", len(users), spec.UserSlots)+listText(users), grid.ToneNone, 3)
	var tags []string
	for _, tg := range r.tags {
		owner := "unassigned"
		if u, ok := r.users[tg.Slot]; ok {
			owner = fmt.Sprintf("%d %s", tg.Slot, u.DisplayLabel())
		}
		tags = append(tags, fmt.Sprintf("%s (%s)", tg.ID, owner))
	}
	if spec.Tags {
		add("Tags", fmt.Sprintf("%d of %d", len(tags), spec.MaxTags)+listText(tags), grid.ToneNone, 3)
	} else {
		add("Tags", "reads none", grid.ToneDim, 0)
	}
	lines = append(lines, "")
	// Frame, title and the closing line take 6 lines; the dialog is
	// centred, so the reasons stop where it would outgrow the screen.
	flow := actionFlow(c, d.detailActions(), func(id ActionID) error { return d.s.availableFor(id, r) }, w, 0)
	room := height - 8 - len(lines) - len(flow)
	flow = actionFlow(c, d.detailActions(), func(id ActionID) error { return d.s.availableFor(id, r) }, w, room)
	lines = append(append(lines, flow...), t.Dim.Render("esc closes"))
	return c.frame(fmt.Sprintf("Lock %d — %s · %s", l.ID, l.Name, r.panel.Name), w, lines...)
}

// listText is ": a, b, c" after a count, or "" for none.
func listText(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return ": " + strings.Join(items, ", ")
}

// lockForm adds a lock (name, model, panel) or edits one (name, model).
// The panels offered are those whose family drives door locks, from the
// family table; every rule is the store's when the form is saved.
type lockForm struct {
	c      *common
	edit   *lockRow // nil: a new lock
	name   field
	models []store.LockSpec
	model  int
	panels []store.Panel
	panel  int
	focus  int // 0 name, 1 model, 2 panel (new locks), last: save
	loaded bool
	err    string
}

type lockFormPanelsMsg struct {
	to     *lockForm
	panels []store.Panel
	err    error
}

// newLockForm returns the form and, for a new lock, the Cmd that reads
// the panels it can be linked to.
func newLockForm(c *common, edit *lockRow) (*lockForm, tea.Cmd) {
	d := &lockForm{c: c, edit: edit, models: store.LockSpecs(), loaded: edit != nil}
	if edit != nil {
		d.name.set(edit.l.Name)
		d.model = max(slices.IndexFunc(d.models, func(s store.LockSpec) bool { return string(s.Model) == edit.l.Model }), 0)
		return d, nil
	}
	return d, func() tea.Msg {
		m := lockFormPanelsMsg{to: d}
		m.err = safe(func() error {
			panels, err := c.st.ListPanels(c.actor)
			for _, p := range panels {
				if p.Spec().DoorLocks {
					m.panels = append(m.panels, p)
				}
			}
			return err
		})
		return m
	}
}

func (d *lockForm) fields() int {
	if d.edit != nil {
		return 3 // name, model, save
	}
	return 4
}

func (d *lockForm) editing() bool {
	if d.edit != nil {
		return d.name.String() != d.edit.l.Name
	}
	return d.name.len() > 0
}

func (d *lockForm) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case lockFormPanelsMsg:
		if msg.to == d {
			d.panels, d.loaded = msg.panels, true
			if msg.err != nil {
				d.err = errText(msg.err)
			}
		}
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		if d.focus == 0 {
			d.name.paste(msg.Content)
		}
	case tea.KeyPressMsg:
		n, save := d.fields(), d.fields()-1
		switch k := msg.String(); k {
		case "esc":
			return nil, true
		case "tab", "down":
			d.focus = (d.focus + 1) % n
		case "shift+tab", "up":
			d.focus = (d.focus + n - 1) % n
		case "left", "right":
			step := 1
			if k == "left" {
				step = -1
			}
			switch {
			case d.focus == 0:
				d.name.key(msg)
			case d.focus == 1:
				d.model = (d.model + step + len(d.models)) % len(d.models)
			case d.focus == 2 && d.edit == nil && len(d.panels) > 0:
				d.panel = (d.panel + step + len(d.panels)) % len(d.panels)
			}
		case "enter":
			if d.focus == save {
				return d.save(), false
			}
			d.focus++
		default:
			if d.focus == 0 && d.name.key(msg) {
				d.err = ""
			}
		}
	}
	return nil, false
}

func (d *lockForm) save() tea.Cmd {
	c := d.c
	name, model := strings.TrimSpace(d.name.String()), d.models[d.model].Model
	if d.edit != nil {
		id, e := d.edit.l.ID, store.LockEdit{}
		// Only what changed: unchanged, the store says there is nothing
		// to change.
		if name != d.edit.l.Name {
			e.Name = name
		}
		if string(model) != d.edit.l.Model {
			e.Model = model
		}
		return c.submitOp(d.edit.l.Label()+" saved", func() error { return c.st.EditLock(c.actor, id, e) })
	}
	if d.panel >= len(d.panels) {
		d.err = "no panel to link the lock to: none of your panels drives door locks"
		return nil
	}
	p := d.panels[d.panel]
	return func() tea.Msg {
		var l store.Lock
		err := safe(func() (err error) {
			l, err = c.st.AddLock(c.actor, store.Lock{Name: name, Model: string(model), Panel: p.ID})
			return err
		})
		if err != nil {
			return promptErrMsg{err}
		}
		return tea.BatchMsg{
			func() tea.Msg { return closeDialogMsg{} },
			func() tea.Msg { return lockAddedMsg{id: l.ID} },
			func() tea.Msg {
				return opDoneMsg{ok: fmt.Sprintf("%s linked to %s as its lock %d", l.Label(), p.Name, l.Number)}
			},
		}
	}
}

// lockAddedMsg selects a lock just added once the grid has it.
type lockAddedMsg struct{ id uint64 }

func (d *lockForm) view(width, _ int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, 64)
	mark := func(i int) string {
		if d.focus == i {
			return t.HintKey.Render("> ")
		}
		return "  "
	}
	spec := d.models[d.model]
	body := []string{
		t.Label.Render("Name   ") + mark(0) + d.name.render(w-9, d.focus == 0),
		t.Label.Render("Model  ") + mark(1) + "← " + string(spec.Model) + " →",
		t.Label.Render("         ") + t.Dim.Render(specText(spec)),
	}
	save := 2
	if d.edit == nil {
		save = 3
		panel := t.Dim.Render("Loading…")
		switch {
		case d.loaded && len(d.panels) == 0:
			panel = t.Dim.Render("none of your panels drives door locks")
		case d.loaded:
			p := d.panels[d.panel]
			panel = "← " + p.Name + " →  " + t.Dim.Render(p.Spec().Model)
		}
		body = append(body, t.Label.Render("Panel  ")+mark(2)+panel)
	}
	button := t.Button.Render("Save")
	if d.focus == save {
		button = t.ButtonFocus.Render("Save")
	}
	body = append(body, "", mark(save)+button+"   "+t.Dim.Render("←/→ choose · tab next field · esc cancel"))
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	title := "Add a door lock"
	if d.edit != nil {
		title = "Edit " + d.edit.l.Label()
	}
	return c.frame(title, w, body...)
}
