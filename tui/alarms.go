package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// The Alarms screen (issue 18): the open alarms first, as the store orders
// them (unacknowledged, duress first, then by priority; then those
// acknowledged and waiting for their restore), then the history (closed
// alarms, newest first). a acknowledges the selected alarm with a comment;
// the store says who may (handle alarms) and what a comment needs.

// alarmHistory bounds the closed alarms listed under the open ones; older
// ones are one `guardroom alarm list` away.
const alarmHistory = 500

// alarmRow is an alarm with its panel's name.
type alarmRow struct {
	al    store.AlarmRecord
	panel string
}

var alarmCols = []grid.Column{
	{Title: "№", Key: "no", Width: 5, Align: grid.Right},
	{Title: "State", Key: "state", Width: 12},
	{Title: "Kind", Key: "kind", Width: 13},
	{Title: "Panel", Key: "panel", MinWidth: 13, MaxWidth: 24},
	{Title: "Part.", Key: "partition", Width: 5, Align: grid.Right},
	{Title: "Zone", Key: "zone", Width: 4, Align: grid.Right},
	{Title: "Since", Key: "since", Width: 11},
	{Title: "Acked by", Key: "ack", MinWidth: 8},
}

// Alarms grid column indexes that carry a tone.
const (
	alarmStateCol = 1
	alarmKindCol  = 2
)

// alarmStateText is an alarm's state in words, so a plain terminal reads
// it; short for the grid.
func alarmStateText(al store.AlarmRecord, short bool) string {
	switch al.State() {
	case store.AlarmUnacknowledged:
		if short {
			return "NOT ACKED"
		}
		return "UNACKNOWLEDGED"
	case store.AlarmAcknowledged:
		return "wait restore"
	}
	return "closed"
}

func numberOrDash(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// alarmCells is the pure row renderer of the Alarms grid.
func alarmCells(r alarmRow) []string {
	al := r.al
	ack := "-"
	if al.AckedBy != "" {
		ack = al.AckedBy + ": " + al.Comment
	}
	kind := strings.ToUpper(string(al.Kind))
	if al.Silent {
		kind += " silent"
	}
	return []string{strconv.FormatUint(al.ID, 10), alarmStateText(al, true), kind, r.panel,
		numberOrDash(al.Partition), numberOrDash(al.Zone), timeText(al.Opened.Local(), "01-02 15:04"), ack}
}

func alarmTones(r alarmRow) []grid.Tone {
	tones := make([]grid.Tone, len(alarmCols))
	switch r.al.State() {
	case store.AlarmUnacknowledged:
		tones[alarmStateCol], tones[alarmKindCol] = grid.ToneBad, grid.ToneBad
	case store.AlarmAcknowledged:
		tones[alarmStateCol] = grid.ToneWarn
	default:
		tones[alarmStateCol] = grid.ToneDim
	}
	return tones
}

type alarmsScreen struct{ listScreen[alarmRow] }

func newAlarmsScreen(c *common) *alarmsScreen {
	s := &alarmsScreen{newList[alarmRow](c, scrAlarms, "Alarms", alarmCols)}
	s.cells = alarmCells
	s.tones = alarmTones
	s.reload = []string{store.ChangeAlarm, store.ChangePanel, store.ChangeUnit}
	s.empty = "No alarms: none open, none in the history."
	s.hint = fmt.Sprintf("open first, then the newest %d closed · filter state: kind: panel:", alarmHistory)
	s.fetch = func() ([]alarmRow, error) {
		alarms, err := c.st.ListAlarms(c.actor, store.AlarmFilter{Limit: alarmHistory})
		if err != nil {
			return nil, err
		}
		names := panelNames(c, alarms)
		rows := make([]alarmRow, len(alarms))
		for i, al := range alarms {
			rows[i] = alarmRow{al: al, panel: names[al.Panel]}
		}
		return rows, nil
	}
	return s
}

func (s *alarmsScreen) title(short bool) string { return "Alarms" }

func (s *alarmsScreen) actions() []ActionID { return []ActionID{ActAlarmAck} }

// show selects alarm id once it is loaded (the banner's key).
func (s *alarmsScreen) show(id uint64) {
	s.selectWhen(func(r alarmRow) bool { return r.al.ID == id })
}

func (s *alarmsScreen) available(id ActionID) error {
	r, ok := s.selected()
	if !ok {
		return notNowf("no alarm selected")
	}
	return alarmAvailable(s.c, id, r.al)
}

// alarmAvailable: the store's permission (handle alarms), and an alarm
// still unacknowledged.
func alarmAvailable(c *common, id ActionID, al store.AlarmRecord) error {
	switch id {
	case ActOpen:
		return nil
	case ActAlarmAck:
		if err := c.actor.Need(store.PermHandleAlarms); err != nil {
			return err
		}
		if al.State() != store.AlarmUnacknowledged {
			return notNowf("alarm %d was acknowledged by %s: nothing more to do", al.ID, al.AckedBy)
		}
		return nil
	}
	return notNowf("not an action of this screen")
}

// tryFor is the store's attempt at a greyed acknowledgement. The store
// has no Try for alarms; AckAlarm checks the permission before anything
// else and logs its refusal, so an operator without "handle alarms" gets
// exactly the refusal (and the log entry) the CLI gives. It writes
// nothing: an operator with the permission never reaches it (the actor's
// permissions do not change within a session).
func (s *alarmsScreen) tryFor(id ActionID) func() error {
	r, ok := s.selected()
	if !ok || id != ActAlarmAck || s.c.actor.Need(store.PermHandleAlarms) == nil {
		return nil
	}
	c, alarm := s.c, r.al.ID
	return func() error { return c.st.AckAlarm(c.actor, alarm, "") }
}

func (s *alarmsScreen) run(id ActionID) tea.Cmd {
	r, ok := s.selected()
	if !ok {
		return nil
	}
	switch id {
	case ActOpen:
		return openAlarmDetails(s.c, r)
	case ActAlarmAck:
		return openAck(s.c, r)
	}
	return nil
}
