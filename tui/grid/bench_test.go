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
