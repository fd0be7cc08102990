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

// The Tags screen: every proximity tag of the site, whose it is, where it
// is read and whether the hardware has it. CheckTag decides what can be
// done to a tag; the enrol form collects the tag ID (in any spelling: the
// store keeps the canonical one), its kind, lock and owner.

// tagRow is a tag with its panel, lock and owner for the grid.
type tagRow struct {
	t        store.Tag
	panel    store.Panel
	lock     store.Lock // zero when the tag is on no lock
	owner    store.PanelUser
	hasOwner bool
}

// ownerWho is "panel user 2 (Reception)".
func (r tagRow) ownerWho() string { return userWho(r.t.Slot, r.owner, r.hasOwner) }

// where is where the tag is read: "lock 1 (Front door)" or "the keypads
// of Main building".
func (r tagRow) where() string {
	if r.t.Lock != 0 {
		return lockLabel(r.lock, r.t.Lock)
	}
	return "the keypads of " + r.panel.Name
}

func lockLabel(l store.Lock, id uint64) string {
	if l.ID == 0 {
		return "lock " + strconv.FormatUint(id, 10)
	}
	return l.Label()
}

var tagCols = []grid.Column{
	{Title: "Tag ID", Key: "id", MinWidth: 15, MaxWidth: 22}, // a 10-byte UID is 20
	{Title: "Kind", Key: "kind", Width: 9},
	{Title: "Owner", Key: "owner", MinWidth: 16, MaxWidth: 40},
	{Title: "Panel / Lock", Key: "where", MinWidth: 13, MaxWidth: 32},
	{Title: "Status", Key: "status", Width: 8},
	// Enrolled gives way at 80 columns to the owner and the sync; the
	// details show it.
	{Title: "Enrolled", Key: "enrolled", Width: 16, HideBelow: 100},
	{Title: "Sync", Key: "sync", MinWidth: 9},
}

// Tags grid column indexes that carry a tone.
const (
	tagOwnerCol  = 2
	tagStatusCol = 4
	tagSyncCol   = 6
)

// tagCells is the pure row renderer of the Tags grid.
func tagCells(r tagRow) []string {
	t := r.t
	owner := "unassigned"
	switch {
	case t.Assigned() && r.hasOwner:
		owner = fmt.Sprintf("%d · %s", t.Slot, r.owner.DisplayLabel())
	case t.Assigned():
		owner = strconv.Itoa(t.Slot)
	}
	where := r.panel.Name
	switch {
	case t.Lock != 0 && r.lock.ID != 0:
		where = r.lock.Name
	case t.Lock != 0:
		where = "lock " + strconv.FormatUint(t.Lock, 10)
	case where == "":
		where = "panel " + strconv.FormatUint(t.Panel, 10)
	}
	enrolled := "-"
	if !t.Enrolled.IsZero() {
		enrolled = timeText(t.Enrolled.Local(), timeMinute)
	}
	return []string{t.ID, string(t.Kind), owner, where, string(t.Status), enrolled, syncCell(t.Sync)}
}

// tagTones: a lost tag stands out, a freed or disabled one steps back.
func tagTones(r tagRow) []grid.Tone {
	tones := make([]grid.Tone, len(tagCols))
	if !r.t.Assigned() {
		tones[tagOwnerCol] = grid.ToneDim
	}
	switch r.t.Status {
	case store.TagLost:
		tones[tagStatusCol] = grid.ToneWarn
	case store.TagDisabled:
		tones[tagStatusCol] = grid.ToneDim
	}
	tones[tagSyncCol] = syncTone(r.t.Sync)
	return tones
}

// tagField answers the filter keys with no column of their own: the
// panel's name and the lock's, whichever the Panel / Lock cell shows.
func tagField(r tagRow, key string) (string, bool) {
	switch key {
	case "panel":
		return strings.ToLower(r.panel.Name), true
	case "lock":
		if r.t.Lock == 0 {
			return "-", true
		}
		return strings.ToLower(r.lock.Name), true
	}
	return "", false
}

type tagsScreen struct {
	listScreen[tagRow]
	// checks keeps CheckTag's answers for the rows loaded: it reads the
	// tag's panel in a transaction, and the hints ask on every frame.
	checks map[tagCheck]error
}

type tagCheck struct {
	id  string
	act store.TagAction
}

func newTagsScreen(c *common) *tagsScreen {
	s := &tagsScreen{listScreen: newList[tagRow](c, scrTags, "Tags", tagCols)}
	s.cells, s.tones, s.field = tagCells, tagTones, tagField
	s.g.SetFilterKeys("panel", "lock")
	s.reload = []string{store.ChangeTag, store.ChangeLock, store.ChangePanel, store.ChangeUser}
	s.empty = "No proximity tags yet: press " + c.keys.keyLabel(ActTagEnrol) + " to enrol one."
	s.hint = "filter kind: owner: status:"
	s.fetch = func() ([]tagRow, error) { return loadTags(c) }
	return s
}

// loadTags reads the tags with their panels, locks and owners; owners are
// read per panel, all at once where many are asked for (an import of
// thousands of tags).
func loadTags(c *common) ([]tagRow, error) {
	tags, err := c.st.ListTags(c.actor)
	if err != nil {
		return nil, err
	}
	panels, err := c.st.ListPanels(c.actor)
	if err != nil {
		return nil, err
	}
	locks, err := c.st.ListLocks(c.actor)
	if err != nil {
		return nil, err
	}
	byPanel := make(map[uint64]store.Panel, len(panels))
	for _, p := range panels {
		byPanel[p.ID] = p
	}
	byLock := make(map[uint64]store.Lock, len(locks))
	for _, l := range locks {
		byLock[l.ID] = l
	}
	slots := map[uint64][]int{}
	for _, t := range tags {
		if t.Assigned() {
			slots[t.Panel] = append(slots[t.Panel], t.Slot)
		}
	}
	owners := map[uint64]map[int]store.PanelUser{}
	for panel, s := range slots {
		owners[panel] = panelUsers(c, panel, s)
	}
	rows := make([]tagRow, len(tags))
	for i, t := range tags {
		r := tagRow{t: t, panel: byPanel[t.Panel], lock: byLock[t.Lock]}
		if t.Assigned() {
			r.owner, r.hasOwner = owners[t.Panel][t.Slot]
		}
		rows[i] = r
	}
	return rows, nil
}

func (s *tagsScreen) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tagEnrolledMsg:
		s.selectWhen(func(r tagRow) bool { return r.t.ID == m.id })
		return nil
	case listLoadedMsg[tagRow]:
		if m.sid == s.sid {
			s.checks = nil
		}
	}
	return s.listScreen.update(msg)
}

// check asks CheckTag once per tag and action for the rows loaded.
func (s *tagsScreen) check(t store.Tag, act store.TagAction) error {
	k := tagCheck{t.ID, act}
	if err, ok := s.checks[k]; ok {
		return err
	}
	err := safe(func() error { return s.c.st.CheckTag(s.c.actor, t, act) })
	if s.checks == nil {
		s.checks = map[tagCheck]error{}
	}
	s.checks[k] = err
	return err
}

func (s *tagsScreen) actions() []ActionID {
	return []ActionID{ActTagDisable, ActTagLost, ActTagFree, ActTagEnrol, ActJobSteps, ActJobRetry, ActJobCancel}
}

func (s *tagsScreen) available(id ActionID) error {
	if id == ActTagEnrol {
		return s.c.actor.Need(store.PermManageLocksTags)
	}
	r, ok := s.selected()
	if !ok {
		return notNowf("no tag selected")
	}
	return s.availableFor(id, r)
}

// tryFor is the store's attempt at a greyed action on the selected tag.
func (s *tagsScreen) tryFor(id ActionID) func() error {
	if t := tryAdd(s.c, id); t != nil {
		return t
	}
	r, ok := s.selected()
	if !ok {
		return nil
	}
	return s.tryTag(id, r)
}

func (s *tagsScreen) tryTag(id ActionID, r tagRow) func() error {
	if t := tryJob(s.c, id, r.t.Sync); t != nil {
		return t
	}
	var act store.TagAction
	switch id {
	case ActTagDisable:
		act = store.ActDisableTag
	case ActTagLost:
		act = store.ActLostTag
	case ActTagFree:
		act = store.ActFreeTag
	default:
		return nil
	}
	c, tag := s.c, r.t.ID
	return func() error { return c.st.TryTag(c.actor, tag, act) }
}

func (s *tagsScreen) availableFor(id ActionID, r tagRow) error {
	switch id {
	case ActOpen:
		return nil
	case ActTagEnrol:
		return s.c.actor.Need(store.PermManageLocksTags)
	case ActTagDisable:
		return s.check(r.t, store.ActDisableTag)
	case ActTagLost:
		return s.check(r.t, store.ActLostTag)
	case ActTagFree:
		return s.check(r.t, store.ActFreeTag)
	case ActJobSteps, ActJobRetry, ActJobCancel:
		return syncActionErr(s.c, id, r.t.Sync, store.PermManageLocksTags, "tag "+r.t.ID)
	}
	return notNowf("not an action of this screen")
}

func (s *tagsScreen) run(id ActionID) tea.Cmd {
	if id == ActTagEnrol {
		d, load := newTagForm(s.c, tagFormOptions{})
		return tea.Batch(s.c.open(d), load)
	}
	r, ok := s.selected()
	if !ok {
		return nil
	}
	if id == ActOpen {
		return s.c.open(&tagDetails{s: s, id: r.t.ID})
	}
	return s.runFor(id, r)
}

func (s *tagsScreen) runFor(id ActionID, r tagRow) tea.Cmd {
	c, tagID := s.c, r.t.ID
	name := "tag " + tagID
	switch id {
	case ActTagEnrol:
		d, load := newTagForm(c, tagFormOptions{id: tagID})
		return tea.Batch(c.open(d), load)
	case ActTagDisable:
		return c.open(newConfirm(c, "Disable "+name+"?",
			"It is taken off "+r.where()+" and no longer opens anything. It stays with "+r.ownerWho()+"; enrol it again to use it.",
			"Disable", func() tea.Cmd {
				return c.do(name+" disabled; its removal is queued for the hardware", func() error { return c.st.DisableTag(c.actor, tagID) })
			}))
	case ActTagLost:
		msg := "This disables it on the hardware at once: its removal from " + r.where() + " goes out before anything else. It stays marked lost."
		if !r.t.Assigned() || r.t.Status != store.TagActive {
			msg = "It is not on the hardware; it stays marked lost, so nobody enrols it by mistake."
		}
		return c.open(newConfirm(c, "Mark "+name+" lost?", msg, "Mark lost", func() tea.Cmd {
			return c.do(name+" marked lost", func() error { return c.st.MarkTagLost(c.actor, tagID) })
		}))
	case ActTagFree:
		return c.open(newConfirm(c, "Free "+name+"?",
			"It is taken away from "+r.ownerWho()+" and off "+r.where()+". It then shows as unassigned and can be enrolled for someone else.",
			"Free", func() tea.Cmd {
				return c.do(name+" freed: unassigned", func() error { return c.st.FreeTag(c.actor, tagID) })
			}))
	case ActJobRetry:
		seq := r.t.Sync.Job
		return c.do(fmt.Sprintf("job %d of %s queued again", seq, name), func() error { return c.st.RetryJob(c.actor, seq) })
	case ActJobCancel:
		return c.open(cancelJobConfirm(c, r.t.Sync.Job, name, c.do))
	case ActJobSteps:
		d, load := newKeypadSteps(c, r.t.Sync.Job, name+" for "+r.ownerWho()+" of "+r.panel.Name)
		return tea.Batch(c.open(d), load)
	}
	return nil
}

func (s *tagsScreen) row(id string) (tagRow, bool) {
	return rowWith(s.items, func(r tagRow) string { return r.t.ID }, id)
}

// tagDetails shows one tag and the actions its state allows.
type tagDetails struct {
	s  *tagsScreen
	id string
}

func (d *tagDetails) editing() bool { return false }

// detailActions are the grid's, with enrol only for a tag nobody holds
// (it enrols this tag again, for someone).
func (d *tagDetails) detailActions(r tagRow) []ActionID {
	return slices.DeleteFunc(d.s.actions(), func(id ActionID) bool { return id == ActTagEnrol && r.t.Assigned() })
}

func (d *tagDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	return detailsKeyTry(d.s.c, msg, func() (tagRow, bool) { return d.s.row(d.id) }, d.detailActions, d.s.availableFor, d.s.tryTag, d.s.runFor)
}

func (d *tagDetails) view(width, height int) string {
	c := d.s.c
	t := c.theme
	w := dialogWidth(width, 72)
	r, ok := d.s.row(d.id)
	if !ok {
		return c.frame("Tag "+d.id, w, "This tag is no longer shown.")
	}
	const labelW = 10
	var lines []string
	add := func(k, v string, tone grid.Tone) {
		for i, line := range strings.Split(wrap(v, w-labelW), "\n") {
			if i > 0 {
				k = ""
			}
			lines = append(lines, t.Label.Render(fmt.Sprintf("%-*s", labelW, k))+toneStyle(t, tone, line))
		}
	}
	tones := tagTones(r)
	kind := "keypad tag, read by the keypads of " + r.panel.Name
	if r.t.Kind == store.TagLock {
		kind = "door-lock tag"
		if r.t.Lock != 0 {
			kind += ", read by " + r.where() + " of " + r.panel.Name
		}
	}
	add("Kind", kind, grid.ToneNone)
	owner := "unassigned: it can be enrolled for someone (panel " + r.panel.Name + ")"
	if r.t.Assigned() {
		owner = r.ownerWho() + " of " + r.panel.Name
	}
	add("Owner", owner, tones[tagOwnerCol])
	add("Status", string(r.t.Status), tones[tagStatusCol])
	if !r.t.Enrolled.IsZero() {
		add("Enrolled", clockOrDate(r.t.Enrolled, c.now()), grid.ToneNone)
	}
	add("Sync", syncSentence(r.t.Sync), tones[tagSyncCol])
	lines = append(lines, "")
	ids := d.detailActions(r)
	avail := func(id ActionID) error { return d.s.availableFor(id, r) }
	room := height - 8 - len(lines) - len(actionFlow(c, ids, avail, w, 0))
	lines = append(append(lines, actionFlow(c, ids, avail, w, room)...), t.Dim.Render("esc closes"))
	return c.frame("Tag "+r.t.ID, w, lines...)
}

// tagEnrolledMsg selects a tag just enrolled once the grid has it.
type tagEnrolledMsg struct{ id string }

// tagFormOptions preset the enrol form: a tag ID (a freed tag enrolled
// again), or the owner (from a user's details: the panel and the user
// are fixed).
type tagFormOptions struct {
	id    string
	panel *store.Panel
	user  *store.PanelUser
}

// lockChoice is a lock the form offers, with its panel's name.
type lockChoice struct {
	l     store.Lock
	panel store.Panel
}

// tagForm enrols a tag. The kinds, panels and locks offered come from the
// capability tables (keypads that read tags, lock models that do); the
// owner is picked among the panel's users who have a code. Every rule is
// EnrolTag's, whose refusal stays in the form.
type tagForm struct {
	c      *common
	o      tagFormOptions
	id     field
	kinds  []store.TagKind
	kind   int
	panels []store.Panel // for keypad tags
	panel  int
	locks  []lockChoice // for door-lock tags
	lock   int
	slot   int // the owner chosen; 0 none
	owner  string
	focus  int
	loaded bool
	err    string
}

type tagFormDataMsg struct {
	to     *tagForm
	panels []store.Panel
	locks  []lockChoice
	err    error
}

// Form fields.
const (
	tfID = iota
	tfKind
	tfWhere
	tfUser
	tfSave
)

func newTagForm(c *common, o tagFormOptions) (*tagForm, tea.Cmd) {
	d := &tagForm{c: c, o: o}
	d.id.set(o.id)
	if o.user != nil {
		d.slot, d.owner = o.user.Slot, userWho(o.user.Slot, *o.user, true)
	}
	return d, func() tea.Msg {
		m := tagFormDataMsg{to: d}
		m.err = safe(func() error {
			panels, err := c.st.ListPanels(c.actor)
			if err != nil {
				return err
			}
			locks, err := c.st.ListLocks(c.actor)
			if err != nil {
				return err
			}
			byID := map[uint64]store.Panel{}
			for _, p := range panels {
				if o.panel != nil && p.ID != o.panel.ID {
					continue
				}
				byID[p.ID] = p
				if p.Spec().KeypadProx {
					m.panels = append(m.panels, p)
				}
			}
			for _, l := range locks {
				if p, ok := byID[l.Panel]; ok && l.Spec().Tags {
					m.locks = append(m.locks, lockChoice{l: l, panel: p})
				}
			}
			return nil
		})
		return m
	}
}

func (d *tagForm) editing() bool { return d.id.len() > 0 && d.id.String() != d.o.id }

func (d *tagForm) setData(m tagFormDataMsg) {
	d.panels, d.locks, d.loaded = m.panels, m.locks, true
	d.kinds = nil
	if len(d.panels) > 0 {
		d.kinds = append(d.kinds, store.TagKeypad)
	}
	if len(d.locks) > 0 {
		d.kinds = append(d.kinds, store.TagLock)
	}
	switch {
	case m.err != nil:
		d.err = errText(m.err)
	case len(d.kinds) == 0 && d.o.panel != nil:
		d.err = d.o.panel.Name + " has no keypads that read tags and no lock that does: no tag can be enrolled there"
	case len(d.kinds) == 0:
		d.err = "no panel of yours has keypads that read tags, and no lock does: no tag can be enrolled"
	}
}

// fields are the focusable fields now: the kind when there is a choice,
// the panel or lock unless fixed, the owner unless given.
func (d *tagForm) fields() []int {
	f := []int{tfID}
	if len(d.kinds) > 1 {
		f = append(f, tfKind)
	}
	if d.kindNow() == store.TagLock && len(d.locks) > 1 || d.kindNow() == store.TagKeypad && len(d.panels) > 1 {
		f = append(f, tfWhere)
	}
	if d.o.user == nil {
		f = append(f, tfUser)
	}
	return append(f, tfSave)
}

func (d *tagForm) kindNow() store.TagKind {
	if d.kind < len(d.kinds) {
		return d.kinds[d.kind]
	}
	return ""
}

// panelNow is the panel whose user owns the tag: the keypad panel chosen,
// or the chosen lock's panel.
func (d *tagForm) panelNow() (store.Panel, bool) {
	switch d.kindNow() {
	case store.TagKeypad:
		if d.panel < len(d.panels) {
			return d.panels[d.panel], true
		}
	case store.TagLock:
		if d.lock < len(d.locks) {
			return d.locks[d.lock].panel, true
		}
	}
	return store.Panel{}, false
}

// choose moves a choice field and forgets an owner of another panel.
func (d *tagForm) choose(field, step int) {
	before, _ := d.panelNow()
	cycle := func(i, n int) int { return (i + step + n) % max(n, 1) }
	switch field {
	case tfKind:
		d.kind = cycle(d.kind, len(d.kinds))
	case tfWhere:
		if d.kindNow() == store.TagLock {
			d.lock = cycle(d.lock, len(d.locks))
		} else {
			d.panel = cycle(d.panel, len(d.panels))
		}
	}
	if after, _ := d.panelNow(); after.ID != before.ID && d.o.user == nil {
		d.slot, d.owner = 0, ""
	}
}

func (d *tagForm) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tagFormDataMsg:
		if msg.to == d {
			d.setData(msg)
		}
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		if d.focusField() == tfID {
			d.id.paste(msg.Content)
		}
	case tea.KeyPressMsg:
		fields := d.fields()
		d.focus = min(d.focus, len(fields)-1)
		f := fields[d.focus]
		switch k := msg.String(); k {
		case "esc":
			return nil, true
		case "tab", "down":
			d.focus = (d.focus + 1) % len(fields)
		case "shift+tab", "up":
			d.focus = (d.focus + len(fields) - 1) % len(fields)
		case "left", "right":
			if f == tfID && d.id.key(msg) {
				break // the cursor moves in the tag ID
			}
			step := 1
			if k == "left" {
				step = -1
			}
			d.choose(f, step)
		case "enter", "space":
			switch {
			case f == tfSave:
				return d.save(), false
			case f == tfUser:
				return d.pickOwner(), false
			case f == tfID && k == "space":
				d.id.key(msg)
			default:
				d.focus = (d.focus + 1) % len(fields)
			}
		default:
			if f == tfID && d.id.key(msg) {
				d.err = ""
			}
		}
	}
	return nil, false
}

func (d *tagForm) focusField() int {
	fields := d.fields()
	return fields[min(d.focus, len(fields)-1)]
}

// pickOwner opens the list of the panel's users with a code.
func (d *tagForm) pickOwner() tea.Cmd {
	c := d.c
	p, ok := d.panelNow()
	if !ok {
		d.err = "choose where the tag is read first"
		return nil
	}
	l := newPickList(c, "Owner of the tag", "Panel users of "+p.Name+" with a code:", nil, func(it pickItem) (tea.Cmd, bool) {
		d.slot, d.owner, d.err = it.slot, it.who, ""
		d.focus = len(d.fields()) - 1 // on to Enrol
		return nil, true
	})
	l.empty = "No user of " + p.Name + " has a code: set one on the Users screen first."
	return tea.Batch(c.open(l), l.loading(func() ([]pickItem, error) {
		users, err := c.st.ListUsers(c.actor, p.ID)
		if err != nil {
			return nil, err
		}
		return userItems(users, nil), nil
	}))
}

// save checks what only the form knows (an owner was picked) and leaves
// every rule to EnrolTag.
func (d *tagForm) save() tea.Cmd {
	c := d.c
	p, ok := d.panelNow()
	switch {
	case !ok:
		d.err = "choose the kind of tag and where it is read"
		return nil
	case d.slot == 0:
		d.err = "no owner chosen: press enter on Owner and pick the panel user who gets the tag"
		return nil
	}
	typed := strings.TrimSpace(d.id.String())
	t := store.Tag{ID: typed, Kind: d.kindNow(), Panel: p.ID, Slot: d.slot}
	where := "the keypads of " + p.Name
	if t.Kind == store.TagLock {
		l := d.locks[d.lock].l
		t.Lock, t.Panel, where = l.ID, 0, l.Label()+" of "+p.Name
	}
	owner := d.owner
	return func() tea.Msg {
		var got store.Tag
		err := safe(func() (err error) { got, err = c.st.EnrolTag(c.actor, t); return err })
		if err != nil {
			return promptErrMsg{err}
		}
		// The canonical ID is the one to read back on the tag; the typed
		// spelling is not repeated (it may be a code in the wrong field).
		ok := fmt.Sprintf("tag %s enrolled for %s on %s", got.ID, owner, where)
		if got.ID != typed {
			ok = fmt.Sprintf("tag enrolled as %s, its canonical ID, for %s on %s", got.ID, owner, where)
		}
		return tea.BatchMsg{
			func() tea.Msg { return closeDialogMsg{} },
			func() tea.Msg { return tagEnrolledMsg{id: got.ID} },
			func() tea.Msg { return opDoneMsg{ok: ok} },
		}
	}
}

func (d *tagForm) view(width, _ int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, 66)
	f := d.focusField()
	mark := func(i int) string {
		if f == i {
			return t.HintKey.Render("> ")
		}
		return "  "
	}
	const lw = 9
	label := func(s string) string { return t.Label.Render(fmt.Sprintf("%-*s", lw, s)) }
	body := []string{
		label("Tag ID") + mark(tfID) + d.id.render(w-lw-2, f == tfID),
		label("") + "  " + t.Dim.Render(truncate("any spelling: 04:A1:B2:C3, 90:324, W26:0xB40288", w-lw-2)),
	}
	switch {
	case !d.loaded:
		body = append(body, "", t.Dim.Render("Loading…"))
	case len(d.kinds) > 0:
		choice := func(field int, v string) string {
			if slices.Contains(d.fields(), field) {
				return "← " + v + " →"
			}
			return v
		}
		body = append(body, label("Kind")+mark(tfKind)+choice(tfKind, string(d.kindNow())))
		if d.kindNow() == store.TagLock {
			lc := d.locks[d.lock]
			body = append(body, label("Lock")+mark(tfWhere)+truncate(choice(tfWhere, lc.l.Label())+"  "+t.Dim.Render(lc.panel.Name), w-lw-2))
		} else {
			body = append(body, label("Panel")+mark(tfWhere)+choice(tfWhere, d.panels[d.panel].Name)+"  "+t.Dim.Render("keypads"))
		}
		owner := d.owner
		switch {
		case owner == "" && d.o.user == nil:
			owner = t.Dim.Render("none yet: press enter to pick")
		case d.o.user == nil:
			owner += "  " + t.Dim.Render("enter: another")
		}
		body = append(body, label("Owner")+mark(tfUser)+truncate(owner, w-lw-2))
		button := t.Button.Render("Enrol")
		if f == tfSave {
			button = t.ButtonFocus.Render("Enrol")
		}
		body = append(body, "", mark(tfSave)+button+"   "+t.Dim.Render("←/→ choose · tab next · esc cancel"))
	}
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	title := "Enrol a proximity tag"
	if d.o.user != nil && d.o.panel != nil {
		title = fmt.Sprintf("Enrol a tag for panel user %d of %s", d.o.user.Slot, d.o.panel.Name)
	}
	return c.frame(title, w, body...)
}
