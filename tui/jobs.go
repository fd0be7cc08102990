package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
)

// The outbox from the operator's side: retry a failed change, cancel one
// on its way, key in the steps of a change that waits at the keypad, and
// settle a drift. The store decides; these dialogs ask and show.

// syncActionErr says why a job action cannot run on a row whose last
// change is s (what names the row: "panel user 7 of Main building"). The
// state is checked first, so a contextual action stays out of the hints
// on rows it does not fit; then the permission the store will ask for.
func syncActionErr(c *common, id ActionID, s store.Sync, perm store.Perm, what string) error {
	now := syncCell(s)
	if s.State == "" || s.State == store.SyncInSync {
		now = "in sync"
	}
	var err error
	switch id {
	case ActJobRetry:
		if s.State != store.SyncFailed || s.Job == 0 {
			err = notNowf("%s has no failed change to retry (%s)", what, now)
		}
	case ActJobCancel:
		if (s.State != store.SyncPending && s.State != store.SyncFailed && s.State != store.SyncKeypad) || s.Job == 0 {
			err = notNowf("%s has no change on its way to cancel (%s)", what, now)
		}
	case ActJobSteps:
		if s.State != store.SyncKeypad || s.Job == 0 {
			err = notNowf("%s has no change waiting for keypad steps (%s)", what, now)
		}
		return err // looking at the steps needs no more than seeing the row
	case ActDriftResolve:
		if s.State != store.SyncDrift {
			err = notNowf("%s does not drift from its panel (%s)", what, now)
		}
	default:
		return notNowf("not an outbox action")
	}
	if err != nil {
		return err
	}
	return c.actor.Need(perm)
}

// cancelJobConfirm asks before cancelling job seq, the change to what.
// run performs the cancel: c.do from a grid or the details (the status
// line reports), c.submitOp from the keypad steps (which then close).
func cancelJobConfirm(c *common, seq uint64, what string, run func(ok string, fn func() error) tea.Cmd) *confirm {
	return newConfirm(c, fmt.Sprintf("Cancel job %d?", seq),
		"The change to "+what+" is dropped before the panel confirmed it, with any code it carried. The row then shows \"cancelled\"; the next read of the panel tells whether it has the change.",
		"Cancel job", func() tea.Cmd {
			return run(fmt.Sprintf("job %d cancelled: not applied to %s", seq, what), func() error { return c.st.CancelJob(c.actor, seq) })
		}).keepLabel("keep it")
}

// doThenClose runs a store operation from a dialog that offers more than
// one way out: a refusal goes to the status line as usual and the dialog
// stays open for another choice; success closes it.
func (c *common) doThenClose(ok string, fn func() error) tea.Cmd {
	return func() tea.Msg {
		if err := safe(fn); err != nil {
			return opDoneMsg{err: err}
		}
		return tea.BatchMsg{func() tea.Msg { return closeDialogMsg{} }, func() tea.Msg { return opDoneMsg{ok: ok} }}
	}
}

// jobLoadedMsg carries a job read for a dialog, without its secrets.
type jobLoadedMsg struct {
	seq uint64
	job store.Job
	err error
}

func (c *common) loadJob(seq uint64) tea.Cmd {
	return func() tea.Msg {
		var j store.Job
		err := safe(func() (err error) { j, err = c.st.GetJob(c.actor, seq); return err })
		return jobLoadedMsg{seq: seq, job: j, err: err}
	}
}

// keypadSteps shows the steps of a change that waits for someone at the
// panel (the guided driver): they key them in, then confirm here, or
// cancel the change. The steps name codes and never hold one.
type keypadSteps struct {
	c      *common
	seq    uint64
	what   string // "the code of panel user 7 (Courier) of Main building"
	job    store.Job
	loaded bool
	err    string
	offset int
}

func newKeypadSteps(c *common, seq uint64, what string) (*keypadSteps, tea.Cmd) {
	return &keypadSteps{c: c, seq: seq, what: what}, c.loadJob(seq)
}

func (d *keypadSteps) editing() bool { return false }

func (d *keypadSteps) update(msg tea.Msg) (tea.Cmd, bool) {
	c := d.c
	switch msg := msg.(type) {
	case jobLoadedMsg:
		if msg.seq == d.seq {
			d.loaded, d.job = true, msg.job
			if msg.err != nil {
				d.err = errText(msg.err)
			}
		}
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc", "q", "enter":
			return nil, true
		case "down", "j":
			d.offset++
		case "up", "k":
			d.offset = max(d.offset-1, 0)
		}
		act, ok := c.keys.lookupAmong([]ActionID{ActKeypadConfirm, ActKeypadCancel, ActCopy}, msg.String())
		if !ok {
			return nil, false
		}
		switch act.ID {
		case ActCopy:
			return clip{"job", strconv.FormatUint(d.seq, 10)}.copy(), false
		case ActKeypadConfirm:
			if !d.job.Waiting() {
				d.err = fmt.Sprintf("job %d does not wait for keypad steps: nothing to confirm", d.seq)
				return nil, false
			}
			seq := d.seq
			return c.open(newConfirm(c, fmt.Sprintf("Keyed in job %d at the panel?", seq),
				"Confirm only when every step was keyed in and the panel took it without an error tone. guardroom records the change as applied by you ("+c.actor.Name()+"), not verified by the panel.",
				"Confirm done", func() tea.Cmd {
					return c.submitOp(fmt.Sprintf("job %d confirmed by %s: keyed in, not verified by the panel", seq, c.actor.Name()),
						func() error { return c.st.ConfirmJob(c.actor, seq) })
				}).keepLabel("not yet")), false
		case ActKeypadCancel:
			return c.open(cancelJobConfirm(c, d.seq, d.what, c.submitOp)), false
		}
	}
	return nil, false
}

func (d *keypadSteps) view(width, height int) string {
	t := d.c.theme
	w := dialogWidth(width, 76)
	head := []string{wrap("Key in the change to "+d.what+" at the panel:", w)}
	if d.loaded && d.job.Op != "" {
		head = append(head, t.Label.Render("Change  ")+opWords(d.job))
	}
	var steps []string
	switch {
	case !d.loaded:
		steps = []string{t.Dim.Render("Loading the steps…")}
	case !d.job.Waiting():
		steps = []string{t.Warn.Render(wrap(fmt.Sprintf("Job %d no longer waits for keypad steps (%s).", d.seq, jobStateWord(d.job)), w))}
	default:
		for i, st := range d.job.Steps {
			num := fmt.Sprintf("%2d. ", i+1)
			lines := strings.Split(wrap(st, w-len(num)), "\n")
			for j, l := range lines {
				if j == 0 {
					steps = append(steps, t.HintKey.Render(num)+l)
				} else {
					steps = append(steps, strings.Repeat(" ", len(num))+l)
				}
			}
		}
	}
	foot := []string{"", t.Warn.Render(wrap("guardroom does not show codes: key in the code you typed.", w))}
	if d.err != "" {
		foot = append(foot, t.StatusError.Render(wrap(d.err, w)))
	}
	keys := dialogHints(d.c, ActKeypadConfirm, ActKeypadCancel, ActCopy) + t.HintKey.Render("esc") + " close"
	// Long step lists scroll; the note and the keys always show.
	room := max(height-6-len(head)-len(foot)-2, 3)
	if len(steps) > room {
		d.offset = min(d.offset, len(steps)-room)
		steps = steps[d.offset : d.offset+room]
		keys += "   " + t.HintKey.Render("↑/↓") + " scroll"
	}
	body := append(append(append(head, ""), steps...), foot...)
	body = append(body, "", keys)
	return d.c.frame(fmt.Sprintf("Keypad steps — job %d", d.seq), w, body...)
}

// dialogHints are a dialog's action keys, from the registry (remapped
// keys show as remapped), greyed in read-only mode: the store refuses
// them there.
func dialogHints(c *common, ids ...ActionID) string {
	return dialogHintsSep(c, "   ", c.readOnly(), ids...)
}

// dialogHintsSep is dialogHints with sep after each hint, greying the
// actions that write when greyWrites (read-only mode, or a permission the
// dialog's writes need and the operator lacks).
func dialogHintsSep(c *common, sep string, greyWrites bool, ids ...ActionID) string {
	t := c.theme
	var b strings.Builder
	for _, id := range ids {
		key, short := c.keys.keyLabel(id), c.keys.action(id).Short
		if c.keys.action(id).Writes && greyWrites {
			b.WriteString(t.HintDisabled.Render(key+" "+short) + sep)
			continue
		}
		b.WriteString(t.HintKey.Render(key) + " " + short + sep)
	}
	return b.String()
}

// opWords says what a job asks of the panel, without any secret.
func opWords(j store.Job) string {
	switch j.Op {
	case store.OpSetCode:
		return fmt.Sprintf("set the code of user %d (%s)", j.Slot, j.Role)
	case store.OpClearCode:
		return fmt.Sprintf("clear the code of user %d", j.Slot)
	case store.OpSetLabel:
		return fmt.Sprintf("label user %d “%s”", j.Slot, j.Label)
	case store.OpSetPartitions:
		return fmt.Sprintf("give user %d partitions %s", j.Slot, j.Partitions)
	case store.OpArm:
		return fmt.Sprintf("arm partition %d (%s)", j.Partition, j.Mode)
	case store.OpDisarm:
		return fmt.Sprintf("disarm partition %d", j.Partition)
	case store.OpLock:
		return fmt.Sprintf("lock door lock %d (number %d on the panel)", j.Lock, j.LockNo)
	case store.OpUnlock:
		return fmt.Sprintf("unlock door lock %d (number %d on the panel)", j.Lock, j.LockNo)
	case store.OpAddTag, store.OpRemoveTag:
		verb, to := "add tag "+j.Tag+" for", " to the keypads"
		if j.Op == store.OpRemoveTag {
			verb, to = "remove tag "+j.Tag+" of", " from the keypads"
		}
		if j.Lock != 0 {
			to = fmt.Sprintf(" on door lock %d (number %d on the panel)", j.Lock, j.LockNo)
		}
		return fmt.Sprintf("%s user %d%s", verb, j.Slot, to)
	}
	return string(j.Op)
}

// jobStateWord is a job's state as the operator reads it.
func jobStateWord(j store.Job) string {
	switch {
	case j.Waiting():
		return "waiting for keypad steps"
	case j.State == store.JobDone && j.By != "":
		return "done, confirmed by " + j.By
	}
	return string(j.State)
}

// driftDialog shows what the panel reports for one user next to what
// guardroom holds, and settles it: push guardroom's state, or accept the
// panel's.
type driftDialog struct {
	s      *usersScreen
	slot   int
	d      store.Drift
	loaded bool
	err    string
}

type driftLoadedMsg struct {
	panel uint64
	slot  int
	d     store.Drift
	err   error
}

func newDriftDialog(s *usersScreen, slot int) (*driftDialog, tea.Cmd) {
	c, panel := s.c, s.panel.ID
	return &driftDialog{s: s, slot: slot}, func() tea.Msg {
		var d store.Drift
		err := safe(func() (err error) { d, err = c.st.GetDrift(c.actor, panel, slot); return err })
		return driftLoadedMsg{panel: panel, slot: slot, d: d, err: err}
	}
}

func (d *driftDialog) editing() bool { return false }

func (d *driftDialog) who() string {
	return fmt.Sprintf("panel user %d of %s", d.slot, d.s.panel.Name)
}

func (d *driftDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	c, panel, slot := d.s.c, d.s.panel.ID, d.slot
	switch msg := msg.(type) {
	case driftLoadedMsg:
		if msg.panel == panel && msg.slot == slot {
			d.loaded, d.d = true, msg.d
			if msg.err != nil {
				d.err = errText(msg.err)
			}
		}
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc", "q", "enter":
			return nil, true
		}
		act, ok := c.keys.lookupAmong([]ActionID{ActDriftPush, ActDriftAccept}, msg.String())
		if !ok {
			return nil, false
		}
		switch act.ID {
		case ActDriftPush:
			return c.doThenClose(d.who()+": guardroom's state queued for the panel", func() error {
				return c.st.ResolveDrift(c.actor, panel, slot, store.PushStore)
			}), false
		case ActDriftAccept:
			return c.open(newConfirm(c, "Accept the panel's state for "+d.who()+"?",
				"guardroom takes what the panel reports. A code set or changed at the panel stays unknown to guardroom, so it cannot be checked against duplicates.",
				"Accept", func() tea.Cmd {
					return c.submitOp(d.who()+": guardroom took the panel's state", func() error {
						return c.st.ResolveDrift(c.actor, panel, slot, store.AcceptPanel)
					})
				})), false
		}
	}
	return nil, false
}

func (d *driftDialog) view(width, _ int) string {
	c := d.s.c
	t := c.theme
	w := dialogWidth(width, 72)
	u, _ := d.s.user(d.slot)
	var body []string
	switch {
	case d.err != "" && !d.loaded:
		body = append(body, t.StatusError.Render(wrap(d.err, w)))
	case !d.loaded:
		body = append(body, t.Dim.Render("Reading the drift…"))
	default:
		body = append(body, t.ModalTitle.Render("What differs"))
		for _, r := range d.d.Reasons {
			body = append(body, t.Bad.Render("• ")+wrap(r, w-2))
		}
		seen := d.d.Seen
		col := max((w-12)/2, 10)
		row := func(k, panel, ours string) string {
			return t.Label.Render(fmt.Sprintf("%-12s", k)) + pad(truncate(panel, col-1), col) + truncate(ours, col)
		}
		orDash := func(v string) string {
			switch {
			case v != "":
				return v
			case !seen.CodeSet: // an empty slot holds nothing to report
				return "-"
			}
			return "- (not reported)"
		}
		set := func(b bool) string {
			if b {
				return "set"
			}
			return "not set"
		}
		parts := ""
		if seen.Partitions != 0 {
			parts = seen.Partitions.String()
		}
		ourParts, ourRole := "-", "-"
		if u.CodeSet {
			ourParts, ourRole = u.Partitions.String(), string(u.Role)
		}
		body = append(body, "",
			t.Label.Render(strings.Repeat(" ", 12))+t.ModalTitle.Render(pad("the panel reports", col))+t.ModalTitle.Render("guardroom has"),
			row("Code", set(seen.CodeSet), set(u.CodeSet)))
		if seen.CodeSet || u.CodeSet {
			body = append(body,
				row("Label", orDash(seen.Label), u.DisplayLabel()),
				row("Partitions", orDash(parts), ourParts),
				row("Role", orDash(string(seen.Role)), ourRole))
		}
		if !d.d.Detected.IsZero() {
			body = append(body, "", t.Dim.Render("seen at "+clockOrDate(d.d.Detected, c.now())))
		}
		body = append(body, "", t.Dim.Render(wrap("A code the panel lost or changed cannot be pushed (guardroom keeps no codes): set a new code, or accept.", w)))
		if d.err != "" {
			body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
		}
		body = append(body, "", dialogHints(c, ActDriftPush, ActDriftAccept)+t.HintKey.Render("esc")+" close")
	}
	return c.frame("Drift — "+d.who(), w, body...)
}
