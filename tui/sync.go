package tui

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// How the console words the outbox: a short cell for the grids, a full
// sentence for the details, and a tone that makes the states needing a
// person (failed, drift, keypad steps) stand out.

// syncCell is the Sync column's text for a user's or a partition's last
// change. The reason of a pending change is cut to its first clause
// ("pending: device offline…"): the details show it whole.
func syncCell(s store.Sync) string {
	switch s.State {
	case "", store.SyncNone:
		return "-"
	case store.SyncPending:
		if s.Reason == "" {
			return "pending"
		}
		return "pending: " + shortReason(s.Reason)
	case store.SyncFailed, store.SyncDrift:
		if s.Reason == "" {
			return string(s.State)
		}
		return string(s.State) + ": " + s.Reason
	case store.SyncUnverified:
		if by := appliedBy(s.Reason); by != "" {
			return "unverified (by " + by + ")"
		}
		return "unverified"
	case store.SyncKeypad:
		return "keypad steps"
	case store.SyncCancelled:
		return "cancelled"
	}
	return string(s.State)
}

// shortReason is the clause of a reason that names what went wrong,
// marked as cut when it was: "device offline: dial tcp 10.0.0.5:502: i/o
// timeout" → "device offline…". Drivers put where before what ("sim
// demo/panel-4.json: device offline: ..."), so the first clause in plain
// words is taken, not the first clause.
func shortReason(r string) string {
	return firstClause(r, true)
}

// whatWentWrong is a reason from its first clause in plain words on: the
// device's driver and address before it are the row's own ("sim
// demo/panel-4.json: device offline: check its power ..." → "device
// offline: check its power ...").
func whatWentWrong(r string) string {
	return firstClause(r, false)
}

func firstClause(r string, short bool) string {
	clauses := strings.Split(r, ": ")
	if !short {
		for i, c := range clauses {
			if plainWords(strings.SplitN(strings.SplitN(c, ";", 2)[0], "(", 2)[0]) {
				return strings.Join(clauses[i:], ": ")
			}
		}
		return r
	}
	for i, c := range clauses {
		if j := strings.IndexAny(c, ";("); j > 0 {
			clauses[i] = strings.TrimSpace(c[:j])
		}
	}
	pick := clauses[0]
	for _, c := range clauses {
		if plainWords(c) {
			pick = c
			break
		}
	}
	if pick != r {
		pick += "…"
	}
	return pick
}

// plainWords reports whether s is words only: no address, path or number.
func plainWords(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '-' && r != '\'' {
			return false
		}
	}
	return true
}

// appliedBy is the operator named in the store's reason for a change
// applied by hand ("applied by operator gina, not verified by the panel").
// The Sync record carries no operator of its own, so the reason is read;
// anything else gives "" and the cell says just "unverified".
func appliedBy(reason string) string {
	rest, ok := strings.CutPrefix(reason, "applied by operator ")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, ",")
	if name = strings.TrimSpace(name); strings.ContainsAny(name, " :") {
		return ""
	}
	return name
}

// syncSentence is the details' full word on a change: the state, the
// store's reason in full and the job it is about.
func syncSentence(s store.Sync) string {
	var text string
	switch s.State {
	case "":
		return "no command given yet"
	case store.SyncInSync:
		text = "in sync: the panel has guardroom's state"
	case store.SyncPending:
		text = "pending: queued for the panel"
		if s.Reason != "" {
			text += "; the last try failed: " + s.Reason
		}
	case store.SyncKeypad:
		text = "keypad steps waiting: someone must key the change in at the panel, then confirm it"
	case store.SyncUnverified:
		text = s.String()
		if appliedBy(s.Reason) == "" {
			// No operator keyed it in: a driver sent it (by keystrokes),
			// and the reason says how.
			text = "sent, not verified"
			if strings.HasPrefix(s.Reason, "sent ") {
				text = s.Reason
			} else if s.Reason != "" {
				text += ": " + s.Reason
			}
		}
	default:
		text = s.String()
	}
	switch s.State {
	case store.SyncPending, store.SyncFailed, store.SyncKeypad, store.SyncCancelled:
		if s.Job != 0 {
			text += fmt.Sprintf(" (job %d)", s.Job)
		}
	}
	return text
}

// syncTone: failed and drift need someone to decide, keypad steps someone
// at the panel, a cancelled change or one retrying after an error needs a
// look. In sync and plain pending are the normal course.
func syncTone(s store.Sync) grid.Tone {
	switch s.State {
	case store.SyncFailed, store.SyncDrift:
		return grid.ToneBad
	case store.SyncKeypad, store.SyncCancelled:
		return grid.ToneWarn
	case store.SyncPending:
		if s.Reason != "" {
			return grid.ToneWarn
		}
	}
	return grid.ToneNone
}

// toneStyle renders text in a tone of the theme.
func toneStyle(t themeStyles, tone grid.Tone, text string) string {
	switch tone {
	case grid.ToneGood:
		return t.Good.Render(text)
	case grid.ToneWarn:
		return t.Warn.Render(text)
	case grid.ToneBad:
		return t.Bad.Render(text)
	case grid.ToneDim:
		return t.Dim.Render(text)
	}
	return text
}

// queueText is one panel's outbox in words, the most urgent first so a
// narrow column cuts the least urgent: "1 failed, 2 keypad, 280 pending",
// or "-".
func queueText(c store.SyncCounts) string {
	var parts []string
	for _, n := range []struct {
		n    int
		what string
	}{{c.Failed, "failed"}, {c.Keypad, "keypad"}, {c.Pending, "pending"}} {
		if n.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n.n, n.what))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func queueTone(c store.SyncCounts) grid.Tone {
	switch {
	case c.Failed > 0:
		return grid.ToneBad
	case c.Keypad > 0:
		return grid.ToneWarn
	}
	return grid.ToneNone
}

// connText is a panel's connection in a few words: "online", "offline
// since 16:20" (a date when it was not today), "misconfigured" (the device
// answered, but is not what the panel's settings say), "never contacted", or
// "keypad only" for a panel programmed by hand at its keypad, which
// nothing connects to.
func connText(p store.Panel, now time.Time) string {
	c := p.Conn
	switch {
	case p.KeypadOnly():
		return "keypad only"
	case c.Since.IsZero():
		return "never contacted"
	case c.Online:
		return "online"
	case c.Misconfigured:
		return "misconfigured"
	}
	return "offline since " + clockOrDate(c.Since, now)
}

func connTone(p store.Panel) grid.Tone {
	c := p.Conn
	switch {
	case p.KeypadOnly():
		return grid.ToneNone
	case c.Since.IsZero():
		return grid.ToneDim
	case c.Online:
		return grid.ToneGood
	}
	return grid.ToneBad
}

// clockOrDate is "16:20" for a time today, "12 May 16:20" otherwise.
func clockOrDate(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return timeText(t, timeClock)
	}
	if t.Year() == now.Year() {
		return timeText(t, timeDayMonth)
	}
	return timeText(t, timeDayYear)
}
