package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
)

// The alarm banner (issue 18): while any alarm is open, every screen shows
// one line above all else with the count (unacknowledged first) and the
// alarm to look at: a duress first of all, else the newest. It is words
// ("ALARM", "DURESS"), so a plain terminal (NO_COLOR) reads it as well as
// a red one. A new alarm rings the terminal's bell, unless it is silent
// (duress) or the bell is off (Options.NoBell).

// alarmBanner is what the banner shows: the open alarms and the panels'
// names.
type alarmBanner struct {
	open   []store.AlarmRecord
	panels map[uint64]string
	// seen is the newest alarm number of the last load: an open alarm
	// numbered above it is new. loaded: the session's first load came
	// (the alarms open at a login are not new).
	seen   uint64
	loaded bool
}

type alarmBannerMsg struct {
	n      uint64 // the load's number (loadOrder)
	open   []store.AlarmRecord
	panels map[uint64]string
}

// panelNames names the panels of alarms, for the banner and the Alarms
// screen; a panel the store will not show keeps its number.
func panelNames(c *common, alarms []store.AlarmRecord) map[uint64]string {
	names := map[uint64]string{}
	for _, al := range alarms {
		if _, ok := names[al.Panel]; ok {
			continue
		}
		names[al.Panel] = fmt.Sprintf("panel %d", al.Panel)
		if p, err := c.st.GetPanel(c.actor, al.Panel); err == nil {
			names[al.Panel] = p.Name
		}
	}
	return names
}

// loadAlarmBanner reads the open alarms. An operator who may not see
// equipment gets no banner, and no error.
func (a *App) loadAlarmBanner() tea.Cmd {
	c, n := a.c, a.alarmOrder.next()
	return func() tea.Msg {
		m := alarmBannerMsg{n: n}
		err := safe(func() (err error) {
			m.open, err = c.st.ListAlarms(c.actor, store.AlarmFilter{OpenOnly: true})
			return err
		})
		if err != nil {
			return nil
		}
		m.panels = panelNames(c, m.open)
		return m
	}
}

// touchesAlarms reports whether changes can move the banner.
func touchesAlarms(changes []store.Change) bool {
	return slices.ContainsFunc(changes, func(c store.Change) bool {
		return c.What == store.ChangeAlarm || c.What == store.ChangeAll || c.What == store.ChangeUnit || c.What == store.ChangePanel
	})
}

// take shows a load and reports whether it brought a new alarm that
// sounds: one numbered above every alarm seen before, not silent.
func (b *alarmBanner) take(open []store.AlarmRecord, panels map[uint64]string) bool {
	ring := false
	top := b.seen
	for _, al := range open {
		if al.ID > b.seen && b.loaded && !al.Silent {
			ring = true
		}
		top = max(top, al.ID)
	}
	b.open, b.panels, b.seen, b.loaded = open, panels, top, true
	return ring
}

// lead is the alarm the banner names: an unacknowledged duress first,
// then the newest unacknowledged alarm, then the newest waiting for its
// restore.
func (b *alarmBanner) lead() (store.AlarmRecord, bool) {
	var best store.AlarmRecord
	found := false
	rank := func(al store.AlarmRecord) int {
		switch {
		case al.State() == store.AlarmUnacknowledged && al.Kind == store.EventDuress:
			return 0
		case al.State() == store.AlarmUnacknowledged:
			return 1
		}
		return 2
	}
	for _, al := range b.open {
		newer := al.Opened.After(best.Opened) || (al.Opened.Equal(best.Opened) && al.ID > best.ID)
		if !found || rank(al) < rank(best) || (rank(al) == rank(best) && newer) {
			best, found = al, true
		}
	}
	return best, found
}

// alarmKind is an alarm's kind in capitals, "DURESS (silent)" for duress.
func alarmKind(al store.AlarmRecord) string {
	k := strings.ToUpper(string(al.Kind))
	if al.Silent {
		k += " (silent)"
	}
	return k
}

// alarmPlace is "Main building partition 1 zone 3" (short: "p.1 z.3").
func alarmPlace(al store.AlarmRecord, panels map[uint64]string, short bool) string {
	s := panels[al.Panel]
	if s == "" {
		s = fmt.Sprintf("panel %d", al.Panel)
	}
	part, zone := " partition ", " zone "
	if short {
		part, zone = " p.", " z."
	}
	if al.Partition != 0 {
		s += fmt.Sprintf("%s%d", part, al.Partition)
	}
	if al.Zone != 0 {
		s += fmt.Sprintf("%s%d", zone, al.Zone)
	}
	return s
}

// text is the banner's line in width cells: long words when they fit,
// else short ones; "" when no alarm is open.
func (b *alarmBanner) text(key string, width int) string {
	al, ok := b.lead()
	if !ok {
		return ""
	}
	unack := 0
	for _, x := range b.open {
		if x.State() == store.AlarmUnacknowledged {
			unack++
		}
	}
	acked := len(b.open) - unack
	head := "ALARM"
	if al.Kind == store.EventDuress && al.State() == store.AlarmUnacknowledged {
		head = "DURESS ALARM"
	}
	what := alarmKind(al)
	if al.State() != store.AlarmUnacknowledged {
		what += " acked"
	}
	for _, short := range []bool{false, true} {
		count := fmt.Sprintf("%d unacknowledged", unack)
		if acked > 0 {
			count += fmt.Sprintf(", %d acknowledged", acked)
		}
		since := "since " + timeText(al.Opened.Local(), timeSecond)
		if short {
			count = fmt.Sprintf("%d unack.", unack)
			if acked > 0 {
				count += fmt.Sprintf(" +%d ack.", acked)
			}
			since = timeText(al.Opened.Local(), "15:04:05")
			if al.Silent && head != "ALARM" {
				what = strings.ToUpper(string(al.Kind)) // the head says DURESS
			}
		}
		left, right := fmt.Sprintf(" %s %s │ ", head, count), fmt.Sprintf(" │ %s alarms ", key)
		middle := fmt.Sprintf("%s %s %s", what, alarmPlace(al, b.panels, short), since)
		line := left + middle + right
		if ansi.StringWidth(line) <= width {
			return line
		}
		if short {
			// The place gives way before the count and the key.
			room := max(width-ansi.StringWidth(left)-ansi.StringWidth(right), 1)
			return left + truncate(middle, room) + right
		}
	}
	return ""
}

// bannerLines is 1 while an alarm is open, else 0.
func (a *App) bannerLines() int {
	if len(a.alarms.open) > 0 {
		return 1
	}
	return 0
}

// bannerRows is the banner, above the header, in the alarm's tone (red,
// reversed; bold and reversed on a plain terminal).
func (a *App) bannerRows() []string {
	line := a.alarms.text(a.c.keys.keyLabel(ActScreenBase+ActionID(scrAlarms)), a.width)
	if line == "" {
		return nil
	}
	return []string{a.c.theme.StatusError.Reverse(true).Render(pad(line, a.width))}
}

// takeAlarms shows the banner's load and rings the bell for a new alarm.
func (a *App) takeAlarms(m alarmBannerMsg) tea.Cmd {
	if !a.alarmOrder.fresh(m.n) {
		return nil
	}
	was := a.bannerLines()
	ring := a.alarms.take(m.open, m.panels)
	if a.bannerLines() != was {
		a.resize()
	}
	if ring && !a.opts.NoBell {
		return tea.Raw("\a")
	}
	return nil
}

// goAlarm opens the Alarms tab on the alarm the banner names.
func (a *App) goAlarm() tea.Cmd {
	i := a.screenIndex(scrAlarms)
	if i < 0 {
		return nil
	}
	if al, ok := a.alarms.lead(); ok {
		a.screens[i].(*alarmsScreen).show(al.ID)
	}
	return a.switchTo(i)
}
