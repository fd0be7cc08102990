package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// The Events tab (issue 18): the event journal, what the devices reported,
// newest first, live. The grid pages and filters it like the other grids
// (kind:fire panel:gate); older events are one `guardroom event list` away.

// eventLimit bounds how many events the tab holds.
const eventLimit = 5000

// eventRow is an event with its panel's name.
type eventRow struct {
	e     store.Event
	panel string
}

var eventCols = []grid.Column{
	{Title: "№", Key: "no", Width: 6, Align: grid.Right},
	{Title: "Time", Key: "time", Width: 14},
	{Title: "Kind", Key: "kind", Width: 14},
	{Title: "Panel", Key: "panel", MinWidth: 10, MaxWidth: 24},
	{Title: "Part.", Key: "partition", Width: 5, Align: grid.Right},
	{Title: "Zone", Key: "zone", Width: 4, Align: grid.Right},
	{Title: "Text", Key: "text", MinWidth: 8},
}

const eventKindCol = 2

// eventCells is the pure row renderer of the Events grid.
func eventCells(r eventRow) []string {
	e := r.e
	var parts []string
	if e.User != 0 {
		parts = append(parts, fmt.Sprintf("user %d", e.User))
	}
	if e.Text != "" {
		parts = append(parts, e.Text)
	}
	text := strings.Join(parts, " ")
	if e.Alarm != 0 {
		text = strings.TrimPrefix(fmt.Sprintf("%s · alarm %d", text, e.Alarm), " · ")
	}
	return []string{strconv.FormatUint(e.Seq, 10), timeText(e.Time.Local(), "01-02 15:04:05"), string(e.Kind), r.panel,
		numberOrDash(e.Partition), numberOrDash(e.Zone), text}
}

func eventTones(r eventRow) []grid.Tone {
	tones := make([]grid.Tone, len(eventCols))
	switch r.e.Kind {
	case store.EventAlarm, store.EventFire, store.EventPanic, store.EventDuress, store.EventTamper:
		tones[eventKindCol] = grid.ToneBad
	case store.EventTrouble, store.EventInvalidCode, store.EventLockout, store.EventOffline:
		tones[eventKindCol] = grid.ToneWarn
	case store.EventRestore, store.EventTroubleRestore, store.EventOnline:
		tones[eventKindCol] = grid.ToneGood
	}
	return tones
}

type eventsScreen struct{ listScreen[eventRow] }

func newEventsScreen(c *common) *eventsScreen {
	s := &eventsScreen{newList[eventRow](c, scrEvents, "Events", eventCols)}
	s.cells = eventCells
	s.tones = eventTones
	s.reload = []string{store.ChangeEvent, store.ChangePanel, store.ChangeUnit}
	s.empty = "No events: the devices have reported none yet."
	s.hint = fmt.Sprintf("newest %d · filter kind: panel: zone: text:", eventLimit)
	s.fetch = func() ([]eventRow, error) {
		evs, err := c.st.ListEvents(c.actor, store.EventFilter{Limit: eventLimit})
		if err != nil {
			return nil, err
		}
		names := map[uint64]string{}
		rows := make([]eventRow, len(evs))
		for i, e := range evs {
			name, ok := names[e.Panel]
			if !ok {
				name = fmt.Sprintf("panel %d", e.Panel)
				if p, err := c.st.GetPanel(c.actor, e.Panel); err == nil {
					name = p.Name
				}
				names[e.Panel] = name
			}
			rows[i] = eventRow{e: e, panel: name}
		}
		return rows, nil
	}
	return s
}

func (s *eventsScreen) title(bool) string { return "Events" }

func (s *eventsScreen) run(id ActionID) tea.Cmd {
	if r, ok := s.selected(); ok && id == ActOpen {
		return s.c.open(&eventDetails{c: s.c, r: r})
	}
	return nil
}

// eventDetails shows one event in full.
type eventDetails struct {
	c *common
	r eventRow
}

func (d *eventDetails) editing() bool { return false }
func (d *eventDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	_, isKey := msg.(tea.KeyPressMsg)
	return nil, isKey
}

func (d *eventDetails) view(width, _ int) string {
	t, e := d.c.theme, d.r.e
	w := dialogWidth(width, 76)
	row := func(k, v string) string { return truncate(t.Label.Render(fmt.Sprintf("%-12s", k))+v, w) }
	device := "-"
	if !e.DeviceTime.IsZero() {
		device = timeText(e.DeviceTime.Local(), timeSecond)
	}
	if e.DeviceSeq != 0 {
		device += fmt.Sprintf("  (device's № %d)", e.DeviceSeq)
	}
	lines := []string{
		row("Recorded", timeText(e.Time.Local(), timeSecond)),
		row("Device time", device),
		row("Kind", string(e.Kind)),
		row("Panel", d.r.panel),
		row("Partition", numberOrDash(e.Partition)),
		row("Zone", numberOrDash(e.Zone)),
		row("User", numberOrDash(e.User)),
	}
	if e.Alarm != 0 {
		lines = append(lines, row("Alarm", strconv.FormatUint(e.Alarm, 10)))
	}
	lines = append(lines, row("Text", ""), wrap(e.Text, w), "", t.Dim.Render("chain link "+e.Prev[:min(16, len(e.Prev))]+"…   any key closes"))
	return d.c.frame(fmt.Sprintf("Event %d", e.Seq), w, lines...)
}
