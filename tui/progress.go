package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// progressBar draws "▰▰▰▱▱▱ 48% (48,000 of 100,000)" in width cells. It
// is text, so it reads without colour.
func progressBar(width, done, total int) string {
	if total <= 0 {
		return ""
	}
	done = min(max(done, 0), total)
	pct := done * 100 / total
	label := fmt.Sprintf(" %d%% (%s of %s)", pct, thousands(done), thousands(total))
	cells := max(width-len([]rune(label)), 4)
	filled := cells * done / total
	return strings.Repeat("▰", filled) + strings.Repeat("▱", cells-filled) + label
}

// thousands writes n with comma separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// progressMsg is one report of long work running in a Cmd.
type progressMsg struct {
	ch          <-chan [2]int
	done, total int
}

// progressReporter returns a callback for the store to call from the
// Cmd's goroutine, a finish to call when the work ends, and the channel
// that waitProgress relays to the UI. Only the newest report waits: a slow
// UI skips reports, never blocks the work.
func progressReporter() (report func(done, total int), finish func(), reports <-chan [2]int) {
	ch := make(chan [2]int, 1)
	report = func(done, total int) {
		select {
		case <-ch: // drop the stale report
		default:
		}
		ch <- [2]int{done, total}
	}
	finish = func() { close(ch) }
	return report, finish, ch
}

func waitProgress(ch <-chan [2]int) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return progressMsg{ch: ch, done: p[0], total: p[1]}
	}
}
