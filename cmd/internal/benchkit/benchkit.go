// Package benchkit is what the console benchmarks share (the SSH console's
// and guardroom serve's attached consoles): rounds of key presses on many
// terminals at once, each press timed until the screen shows its effect,
// and the metrics they report, so both measure the same way.
package benchkit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Step is one key of a round and what the screen shows once it acted.
type Step struct{ Key, Shows string }

// Terminal is one console under test, seen from outside.
type Terminal struct {
	Screen  func() string
	Press   func(keys string)
	WaitFor func(shows string) error // an error, not a failure: it runs off the benchmark's goroutine
}

// Rounds has every terminal of active do b.N rounds at once, each pressing
// the next key as soon as the last one showed, and reports the latency of
// a key press (p50, p95). With cpu (the server's CPU time so far) it also
// reports the server's CPU per key press, less idle: what the open consoles
// cost idle, in CPU time per second of wall time, over the same time.
func Rounds(b *testing.B, active []Terminal, round []Step, cpu func() time.Duration, idle float64) {
	var mu sync.Mutex
	var lat []time.Duration
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	var before time.Duration
	if cpu != nil {
		before = cpu()
	}
	t0 := time.Now()
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for _, term := range active {
			wg.Go(func() {
				mine := make([]time.Duration, 0, len(round))
				for _, step := range round {
					if strings.Contains(term.Screen(), step.Shows) {
						fail(fmt.Errorf("%q shown before %q was pressed: the round is broken:\n%s", step.Shows, step.Key, term.Screen()))
						return
					}
					t0 := time.Now()
					term.Press(step.Key)
					if err := term.WaitFor(step.Shows); err != nil {
						fail(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			b.Fatal(errors.Join(errs...))
		}
	}
	b.StopTimer()
	elapsed := time.Since(t0)

	presses := float64(len(active) * b.N * len(round))
	slices.Sort(lat)
	ms := func(d float64) float64 { return d / float64(time.Millisecond) }
	if cpu != nil {
		busy := float64(cpu()-before) - idle*float64(elapsed)
		b.ReportMetric(ms(busy)/presses, "cpu-ms/keypress")
	}
	b.ReportMetric(ms(float64(lat[len(lat)/2])), "p50-ms/keypress")
	b.ReportMetric(ms(float64(lat[len(lat)*95/100])), "p95-ms/keypress")
}
