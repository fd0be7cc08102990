package tui

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// partitionsScreen lists one panel's partitions, their armed state and
// sync, and arms or disarms them through the store's outbox.
type partitionsScreen struct {
	listScreen[partitionRow]
	panel   store.Panel
	holders *holderCount
}

// holderCount counts the users who hold each partition of one panel. It
// keeps each user's partitions (none without a code), read once; after
// that only the users a change names are read again, so a change to one
// user of 100,000 does not read them all. Loads run on their own
// goroutines: mu keeps them one at a time.
type holderCount struct {
	mu    sync.Mutex
	panel uint64
	slots []store.PartitionSet // by slot - 1
	count map[int]int          // partition → users holding it
	dirty map[int]bool         // slots to read again
	stale bool                 // read every user again
}

func (h *holderCount) mark(ch []store.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range ch {
		switch {
		case c.What == store.ChangeAll:
			h.stale = true
		case c.What == store.ChangeUser && c.Panel == h.panel:
			if h.dirty == nil {
				h.dirty = map[int]bool{}
			}
			h.dirty[c.Slot] = true
		}
	}
}

// counts brings the counts up to date for panel p and returns them.
func (h *holderCount) counts(c *common, p store.Panel) (map[int]int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.panel != p.ID || h.stale || len(h.dirty) > max(len(h.slots)/patchShare, 64) {
		users, err := c.st.ListUsers(c.actor, p.ID)
		if err != nil {
			return nil, err
		}
		h.panel, h.stale, h.dirty = p.ID, false, nil
		h.slots, h.count = make([]store.PartitionSet, len(users)), map[int]int{}
		for i, u := range users {
			h.set(i, u)
		}
		return maps.Clone(h.count), nil
	}
	if len(h.dirty) > 0 {
		users, err := c.st.GetUsers(c.actor, p.ID, slices.Sorted(maps.Keys(h.dirty)))
		if err != nil {
			return nil, err
		}
		h.dirty = nil
		for _, u := range users {
			if i := u.Slot - 1; i >= 0 && i < len(h.slots) {
				h.set(i, u)
			}
		}
	}
	return maps.Clone(h.count), nil
}

// set puts user u in slot index i, moving the counts.
func (h *holderCount) set(i int, u store.PanelUser) {
	var now store.PartitionSet
	if u.CodeSet {
		now = u.Partitions
	}
	for n := 1; n <= 64; n++ {
		switch was, is := h.slots[i].Has(n), now.Has(n); {
		case is && !was:
			h.count[n]++
		case was && !is:
			h.count[n]--
		}
	}
	h.slots[i] = now
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
	case store.Alarm, store.Trouble, store.EntryDelay:
		// An entry delay ends in an alarm unless someone disarms.
		state = grid.ToneBad
	case store.NotReady, store.ExitDelay, store.AlarmMemory, store.Busy:
		state = grid.ToneWarn
	}
	sync := syncTone(r.p.Sync)
	if state == grid.ToneNone && sync == grid.ToneNone {
		return nil
	}
	return []grid.Tone{2: state, 4: sync}
}

func newPartitionsScreen(c *common) *partitionsScreen {
	s := &partitionsScreen{listScreen: newList[partitionRow](c, scrPartitions, "Partitions", partitionCols), holders: &holderCount{}}
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
		holders, err := s.holders.counts(c, p)
		if err != nil {
			return nil, err
		}
		rows := make([]partitionRow, len(parts))
		for i, pt := range parts {
			rows[i] = partitionRow{panel: p, p: pt, holders: holders[pt.Number]}
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

// patch reads the partitions again, and of the users only those the
// changes name.
func (s *partitionsScreen) patch(ch []store.Change) tea.Cmd {
	s.holders.mark(ch)
	return s.load()
}

func (s *partitionsScreen) panelID() uint64 { return s.panel.ID }
func (s *partitionsScreen) setPanel(id uint64) {
	s.panel = store.Panel{ID: id}
	s.loaded = false
}

func (s *partitionsScreen) actions() []ActionID {
	return []ActionID{ActArmStay, ActArmAway, ActDisarm, ActPartitionLabel, ActArmNoEntry, ActJobSteps, ActJobCancel}
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
	case ActArmStay, ActArmAway, ActArmNoEntry, ActDisarm, ActPartitionLabel:
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
	case ActArmNoEntry:
		return store.ActArmNoEntry
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
	case ActArmStay, ActArmAway, ActArmNoEntry:
		mode := map[ActionID]store.ArmMode{ActArmStay: store.ArmStay, ActArmAway: store.ArmAway, ActArmNoEntry: store.ArmNoEntry}[id]
		ok := fmt.Sprintf("%s: arm %s sent to the panel", short, mode)
		if r.panel.AsksForArmingCode() {
			return c.open(armingCodePrompt(c, r.panel, fmt.Sprintf("Arm %s %s", name, mode), func(code string) tea.Cmd {
				return c.submitOp(ok, func() error { return c.st.ArmWithCode(c.actor, panel, n, mode, code) })
			}))
		}
		return c.do(ok, func() error { return c.st.Arm(c.actor, panel, n, mode) })
	case ActDisarm:
		ok := short + ": disarm sent to the panel"
		return c.open(newConfirm(c, "Disarm "+name+"?",
			"The partition stops protecting its area as soon as the panel takes the command.",
			"Disarm", func() tea.Cmd {
				if r.panel.AsksForArmingCode() {
					return c.open(armingCodePrompt(c, r.panel, "Disarm "+name, func(code string) tea.Cmd {
						return c.submitOp(ok, func() error { return c.st.DisarmWithCode(c.actor, panel, n, code) })
					}))
				}
				return c.do(ok, func() error { return c.st.Disarm(c.actor, panel, n) })
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

// armingCodePrompt asks for the user code a panel's driver keys in to arm
// or disarm: typed masked, digits only, sent with this one command and
// never kept. Left empty, the command goes without one (a panel that
// needs none arms; one that does refuses, and says so).
func armingCodePrompt(c *common, p store.Panel, title string, submit func(code string) tea.Cmd) *prompt {
	d := newPrompt(c, title, fmt.Sprintf("User code (%d digits) to key in at the panel:", p.CodeLength), "", submit)
	d.input.mask, d.input.limit, d.verb = true, p.CodeLength, "send"
	d.input.accept = func(r rune) bool { return r >= '0' && r <= '9' }
	d.note = "Used for this command only, never kept. Leave it empty if the panel arms without a code; " +
		"guardroom panel secret PANEL arm-code keeps one so nobody is asked."
	return d
}
