package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/themes"
)

func TestProgressBar(t *testing.T) {
	for _, c := range []struct {
		done, total int
		want        string
	}{
		{0, 100_000, "0% (0 of 100,000)"},
		{48_000, 100_000, "48% (48,000 of 100,000)"},
		{100_000, 100_000, "100% (100,000 of 100,000)"},
		{150, 100, "100% (100 of 100)"},
	} {
		bar := progressBar(50, c.done, c.total)
		if !strings.HasSuffix(bar, c.want) || ansi.StringWidth(bar) != 50 {
			t.Errorf("%d/%d: %q (%d wide)", c.done, c.total, bar, ansi.StringWidth(bar))
		}
		filled := strings.Count(bar, "▰")
		if c.done >= c.total && strings.Contains(bar, "▱") || c.done == 0 && filled != 0 {
			t.Errorf("%d/%d: fill wrong: %q", c.done, c.total, bar)
		}
	}
	if progressBar(40, 1, 0) != "" {
		t.Error("a bar for no work")
	}
}

// The reporter never blocks the work and the relay ends when it finishes.
func TestProgressReporter(t *testing.T) {
	report, finish, ch := progressReporter()
	for i := 1; i <= 100; i++ {
		report(i, 100) // nobody reads yet: must not block
	}
	msg := waitProgress(ch)().(progressMsg)
	if msg.done != 100 || msg.total != 100 {
		t.Errorf("relayed %d/%d, want the newest report 100/100", msg.done, msg.total)
	}
	finish()
	if m := waitProgress(ch)(); m != nil {
		t.Errorf("relay after finish returned %v", m)
	}
}

func TestUsersScreenShowsLoadProgress(t *testing.T) {
	c := &common{theme: themes.Dark(), now: time.Now}
	s := newUsersScreen(c)
	report, _, ch := progressReporter()
	s.progressCh, s.loading = ch, true
	report(25_000, 100_000)
	if cmd := s.update(waitProgress(ch)()); cmd == nil {
		t.Fatal("the relay was not re-armed")
	}
	if v := s.view(80, 20); !strings.Contains(v, "Loading panel users") || !strings.Contains(v, "25% (25,000 of 100,000)") {
		t.Fatalf("loading view:\n%s", v)
	}
	// A report from an older load is ignored.
	_, _, other := progressReporter()
	if cmd := s.update(progressMsg{ch: other, done: 1, total: 2}); cmd != nil || s.done != 25_000 {
		t.Fatal("a stale load's progress was taken")
	}
}
