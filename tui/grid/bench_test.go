package grid

import (
	"fmt"
	"testing"
)

// A key press (cursor down) plus re-render over 100,000 rows.
func BenchmarkKeyPressRender100k(b *testing.B) {
	g := New(cols, makeRows(100_000), Styles{Marker: "▶"})
	g.SetSize(120, 40)
	g.SetPageSize(50)
	g.SetCursor(50_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			g.Move(1)
		} else {
			g.Move(-1)
		}
		_ = g.View()
	}
}

// Filter-as-you-type: one more character over 100,000 rows.
func BenchmarkFilterOneMoreChar100k(b *testing.B) {
	r := makeRows(100_000)
	for _, q := range []struct{ from, to string }{{"user", "user 1"}, {"", "s"}, {"status:sus", "status:susp"}} {
		b.Run(fmt.Sprintf("%q+%q", q.from, q.to[len(q.from):]), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				g := New(cols, r, Styles{})
				g.SetFilter(q.from)
				b.StartTimer()
				g.SetFilter(q.to)
			}
		})
	}
}

// Sorting 100,000 labels in natural order ("User 11" before "User 1000").
func BenchmarkSort100k(b *testing.B) {
	r := makeRows(100_000)
	g := New(cols, r, Styles{})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		g.SortBy("label")
	}
}

// The natural comparison alone, on labels that differ only in their number.
func BenchmarkNatural(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Natural("user 10000 · master", "user 10001 · master")
	}
}

// Ten rows of 100,000 changed, in a grid sorted by label and filtered:
// Patch against SetSource (the baseline: sort and filter every row again).
func BenchmarkPatch100k(b *testing.B) {
	r := makeRows(100_000)
	rows := []int{5, 1_000, 9_999, 20_000, 33_333, 50_000, 66_666, 77_777, 88_888, 99_999}
	for _, mode := range []string{"set-source", "patch"} {
		b.Run(mode, func(b *testing.B) {
			g := New(cols, r, Styles{})
			g.SortBy("label")
			g.SetFilter("user 1")
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				for _, j := range rows {
					r.label[j] = fmt.Sprintf("User %d", (i*7+j)%100_000)
					r.hay[j] = fmt.Sprintf("%d user %d %s", j+1, (i*7+j)%100_000, r.status[j])
				}
				if mode == "patch" {
					g.Patch(rows)
				} else {
					g.SetSource(r)
				}
			}
		})
	}
}
