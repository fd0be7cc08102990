package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
)

// openAck asks for the acknowledgement's comment. The store requires it
// and says what it needs; a refusal stays in the prompt with its words.
func openAck(c *common, r alarmRow) tea.Cmd {
	al := r.al
	id := al.ID
	p := newPrompt(c, fmt.Sprintf("Acknowledge alarm %d", id), "Comment (what was seen, who was called):", "", func(comment string) tea.Cmd {
		return c.submitOp(fmt.Sprintf("alarm %d acknowledged", id), func() error { return c.st.AckAlarm(c.actor, id, comment) })
	})
	p.verb = "acknowledge"
	p.note = fmt.Sprintf("%s at %s since %s", alarmKind(al), alarmPlace(al, map[uint64]string{al.Panel: r.panel}, false),
		timeText(al.Opened.Local(), timeSecond))
	return c.open(p)
}

// alarmDetails shows one alarm: where, when, its handling, and the events
// that opened, joined and restored it.
type alarmDetails struct {
	c      *common
	r      alarmRow
	events []store.Event
	err    error
	loaded bool
	scroll scroller
}

type alarmEventsMsg struct {
	alarm  uint64
	events []store.Event
	err    error
}

// alarmEventLimit bounds the events the details read back for one alarm.
const alarmEventLimit = 200

func openAlarmDetails(c *common, r alarmRow) tea.Cmd {
	d := &alarmDetails{c: c, r: r}
	c.open(d)
	al := r.al
	return func() tea.Msg {
		m := alarmEventsMsg{alarm: al.ID}
		var evs []store.Event
		m.err = safe(func() (err error) {
			evs, err = c.st.ListEvents(c.actor, store.EventFilter{Panel: al.Panel, Partition: al.Partition, Zone: al.Zone,
				Since: al.Opened, Limit: alarmEventLimit})
			return err
		})
		for _, e := range evs {
			if e.Alarm == al.ID {
				m.events = append(m.events, e)
			}
		}
		return m
	}
}

func (d *alarmDetails) editing() bool { return false }

func (d *alarmDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case alarmEventsMsg:
		if msg.alarm == d.r.al.ID {
			d.events, d.err, d.loaded = msg.events, msg.err, true
		}
	case tea.KeyPressMsg:
		if d.scroll.key(msg) {
			return nil, false
		}
		return nil, true
	}
	return nil, false
}

func (d *alarmDetails) view(width, height int) string {
	t, al := d.c.theme, d.r.al
	w := dialogWidth(width, 76)
	row := func(k, v string) string { return truncate(t.Label.Render(fmt.Sprintf("%-13s", k))+v, w) }
	when := func(tm interface{ IsZero() bool }, s string) string {
		if tm.IsZero() {
			return "-"
		}
		return s
	}
	state := alarmStateText(al, false)
	if al.State() == store.AlarmUnacknowledged {
		state = t.Bad.Render(state)
	}
	lines := []string{
		row("Kind", alarmKind(al)),
		row("Where", alarmPlace(al, map[uint64]string{al.Panel: d.r.panel}, false)),
		row("State", state),
		row("Opened", timeText(al.Opened.Local(), timeSecond)),
		row("Restored", when(al.RestoredAt, timeText(al.RestoredAt.Local(), timeSecond))),
		row("Acknowledged", when(al.AckedAt, al.AckedBy+" at "+timeText(al.AckedAt.Local(), timeSecond))),
	}
	if al.Comment != "" {
		lines = append(lines, row("Comment", al.Comment))
	}
	if !al.Escalated.IsZero() {
		lines = append(lines, row("Escalated", timeText(al.Escalated.Local(), timeSecond)))
	}
	if !al.Closed.IsZero() {
		lines = append(lines, row("Closed", timeText(al.Closed.Local(), timeSecond)))
	}
	lines = append(lines, "", t.ModalTitle.Render(fmt.Sprintf("Events (%d)", al.Events)))
	var evs []string
	switch {
	case d.err != nil:
		evs = []string{t.StatusError.Render(errText(d.err))}
	case !d.loaded:
		evs = []string{"Loading…"}
	case len(d.events) == 0:
		evs = []string{"none kept (pruned from the journal)"}
	}
	for i := len(d.events) - 1; i >= 0; i-- { // oldest first
		e := d.events[i]
		text := fmt.Sprintf("%s  %-8s %s", timeText(e.Time.Local(), timeSecond), e.Kind, e.Text)
		evs = append(evs, truncate(text, w))
	}
	// The dialog's frame, title, the lines above and the hint take the
	// rest of the window; the events scroll in what is left.
	room := max(height-len(lines)-8, 1)
	lines = append(lines, d.scroll.window(evs, w, room)...)
	lines = append(lines, "", t.Dim.Render("↑/↓ scroll · any other key closes"))
	return d.c.frame(fmt.Sprintf("Alarm %d", al.ID), w, lines...)
}
