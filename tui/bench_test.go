package tui

// Benchmarks of the console at scale: a panel with 100,000 users (a
// generic controller, the only family with that many slots).
//
//	go test ./tui -run '^$' -bench . -benchmem -count 3
//
// Targets: a key press with its frame under 1 ms, one character typed into
// the filter with its frame under 16 ms (one frame at 60 fps), the first
// frame with users shown under 300 ms.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// bigSite is a store on disk (as the console runs) with one generic panel
// holding n users with a code.
type bigSite struct {
	s     *store.Store
	dir   string
	admin store.Actor
	panel store.Panel
}

// reopen closes the site's store and opens it again: the process then
// holds what a console started on an existing database holds, without the
// buffers Badger's compactions keep for a while after the bulk load.
func (bs *bigSite) reopen(b *testing.B) {
	b.Helper()
	check(b, bs.s.Close())
	s, err := store.Open(store.Config{Dir: bs.dir, Key: bytes.Repeat([]byte{9}, store.KeySize), NoSync: true, Now: fixedClock})
	check(b, err)
	bs.s = s
}

var bigSites = struct {
	sync.Mutex
	m    map[int]*bigSite
	dirs []string
}{m: map[int]*bigSite{}}

// closeBigSites runs after all tests and benchmarks (TestMain).
func closeBigSites() {
	bigSites.Lock()
	defer bigSites.Unlock()
	for _, b := range bigSites.m {
		b.s.Close()
	}
	for _, d := range bigSites.dirs {
		os.RemoveAll(d)
	}
}

// bigCode is a valid, unique 8-digit code for slot (1..100000).
func bigCode(slot int) string {
	c := fixtureCode(slot)
	if family.Trivial(c) {
		c = fixtureCode(slot + 200_000) // still unique: those slots are never used
	}
	return c
}

// site returns (building once per process) the store with n users.
func site(b *testing.B, n int) *bigSite {
	b.Helper()
	bigSites.Lock()
	defer bigSites.Unlock()
	if s, ok := bigSites.m[n]; ok {
		return s
	}
	dir, err := os.MkdirTemp("", "guardroom-bench-")
	check(b, err)
	bigSites.dirs = append(bigSites.dirs, dir)
	s, err := store.Open(store.Config{Dir: dir, Key: bytes.Repeat([]byte{9}, store.KeySize), NoSync: true, Now: fixedClock})
	check(b, err)
	admin, err := s.Actor("admin", "tui")
	check(b, err)
	p, err := s.AddPanel(admin, store.NewPanel{Name: "Big site", Unit: store.RootUnit, Family: "generic", IMEI: mainIMEI, Slots: n, CodeLength: 8})
	check(b, err)
	items := make([]store.BulkCode, n)
	for i := range items {
		items[i] = store.BulkCode{Slot: i + 1, Code: bigCode(i + 1)}
	}
	check(b, s.BulkSetCodes(admin, p.ID, items, nil))
	p, err = s.GetPanel(admin, p.ID)
	check(b, err)
	bs := &bigSite{s: s, dir: dir, admin: admin, panel: p}
	bigSites.m[n] = bs
	return bs
}

// usersApp is an App over s with its loads delivered and the Users screen
// shown at 120x40.
func usersApp(tb testing.TB, s *store.Store, actor store.Actor) *syncApp {
	tb.Helper()
	a, err := New(Options{Store: s, Actor: actor, Theme: "dark", Now: fixedClock, Environ: []string{}})
	check(tb, err)
	sa := &syncApp{tb: tb, a: a}
	sa.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	sa.loadAll()
	sa.press("2")
	return sa
}

func BenchmarkKeyPressRender100k(b *testing.B) {
	bs := site(b, 100_000)
	sa := usersApp(b, bs.s, bs.admin)
	if !strings.Contains(sa.screen(), "1-15 of 100000") {
		b.Fatalf("users not shown:\n%s", sa.screen())
	}
	down, home := key("down"), key("home")
	var n int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%50_000 == 49_999 {
			sa.a.Update(home)
		}
		sa.a.Update(down)
		n += len(sa.a.View().Content)
	}
	if n == 0 {
		b.Fatal("empty frames")
	}
}

// BenchmarkSortLabel100k sorts 100,000 users by label & role in natural
// order ("User 11" before "User 1000"), both ways, with the frame: what
// pressing O on the Label column costs.
func BenchmarkSortLabel100k(b *testing.B) {
	bs := site(b, 100_000)
	sa := usersApp(b, bs.s, bs.admin)
	g := sa.a.cur().table()
	g.SortBy("label") // the haystacks and labels are built once, before
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.SortBy("label")
		_ = sa.a.View()
	}
	b.StopTimer()
	if !strings.Contains(sa.screen(), "Label & role") {
		b.Fatalf("users not shown:\n%s", sa.screen())
	}
}

func BenchmarkFilterTyping100k(b *testing.B) {
	bs := site(b, 100_000)
	for _, tc := range []struct {
		name, typed, next string
	}{
		{"first-char", "", "7"},            // the whole 100k haystack is scanned
		{"narrowing", "user 7", "7"},       // only the rows "user 7" matched
		{"field", "code:se", "t"},          // a column filter
		{"no-match", "zzzzzzzzzzzzz", "z"}, // nothing left to check
	} {
		b.Run(tc.name, func(b *testing.B) {
			sa := usersApp(b, bs.s, bs.admin)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				sa.press("esc", "/")
				sa.typ(tc.typed)
				b.StartTimer()
				sa.typ(tc.next)
				_ = sa.a.View()
			}
			b.StopTimer()
			if !strings.Contains(sa.screen(), "/"+tc.typed+tc.next+"▌") {
				b.Fatalf("filter not applied:\n%s", sa.screen())
			}
		})
	}
}

// BenchmarkFirstFrame measures tui.New through Init's loads (run
// synchronously, their messages fed to Update) to the first frame with the
// users shown.
func BenchmarkFirstFrame(b *testing.B) {
	for _, tc := range []struct {
		name   string
		site   func(b *testing.B) (*store.Store, store.Actor)
		range_ string
	}{
		{"1000-slots", func(b *testing.B) (*store.Store, store.Actor) { f := builtFixture(b); return f.s, f.admin }, "1-15 of 1000"},
		{"100k-slots", func(b *testing.B) (*store.Store, store.Actor) { s := site(b, 100_000); return s.s, s.admin }, "1-15 of 100000"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, actor := tc.site(b)
			b.ReportAllocs()
			b.ResetTimer()
			var frame string
			for i := 0; i < b.N; i++ {
				a, err := New(Options{Store: s, Actor: actor, Theme: "dark", Now: fixedClock, Environ: []string{}})
				if err != nil {
					b.Fatal(err)
				}
				_ = a.Init() // subscribes; its Cmds (clock, live updates, loads) are run below or not at all
				sa := &syncApp{tb: b, a: a}
				sa.send(tea.WindowSizeMsg{Width: 120, Height: 40})
				// What Init loads: the tab on screen and the sync summary;
				// the other tabs load when shown, as "2" does here.
				sa.run(a.cur().load())
				sa.run(a.loadSync())
				sa.press("2")
				frame = a.View().Content
				a.Close()
			}
			b.StopTimer()
			if !strings.Contains(frame, tc.range_) {
				b.Fatalf("users not shown in the first frame")
			}
		})
	}
}

// BenchmarkLoads100k splits the first frame at 100k users into its parts:
// each screen's load Cmd (the store reads) and the Update that takes its
// message (for the Users screen: building the grid's source).
func BenchmarkLoads100k(b *testing.B) {
	bs := site(b, 100_000)
	a, err := New(Options{Store: bs.s, Actor: bs.admin, Theme: "dark", Now: fixedClock, Environ: []string{}})
	check(b, err)
	for _, sc := range a.screens {
		b.Run(string(sc.id())+"-load", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = sc.load()()
			}
		})
	}
	msg := a.screens[1].load()()
	b.Run("users-update", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			a.Update(msg)
		}
	})
}

// BenchmarkMemoryUsers reports the memory of a console showing a panel's
// users: the process RSS (VmRSS, with its anonymous and file-backed parts:
// Badger's tables are mmapped), the Go heap, and the part of the heap the
// App holds (live heap with the App minus without it, both after GC, the
// store's caches warmed first). Only the measured site is open.
func BenchmarkMemoryUsers(b *testing.B) {
	for _, n := range []int{100_000, 10_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			dropSitesExcept(n)
			bs := site(b, n)
			bs.reopen(b)
			usersApp(b, bs.s, bs.admin).a.Close() // warm the store's caches
			b.ResetTimer()
			var sa *syncApp
			for i := 0; i < b.N; i++ {
				sa = usersApp(b, bs.s, bs.admin)
			}
			b.StopTimer()
			if !strings.Contains(sa.screen(), fmt.Sprintf("1-15 of %d", n)) {
				b.Fatalf("users not shown:\n%s", sa.screen())
			}
			with := settledHeap()
			rss, anon, file := procRSS(b)
			runtime.KeepAlive(sa)
			without := settledHeap() // the same process a moment later, minus the App
			b.ReportMetric(rss, "RSS-MiB")
			b.ReportMetric(anon, "RssAnon-MiB")
			b.ReportMetric(file, "RssFile-MiB")
			b.ReportMetric(float64(with)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(with-without)/(1<<20), "app-heap-MiB")
		})
	}
}

// dropSitesExcept closes the benchmark sites of other sizes, so the
// process holds only the one measured.
func dropSitesExcept(n int) {
	bigSites.Lock()
	defer bigSites.Unlock()
	for k, bs := range bigSites.m {
		if k != n {
			bs.s.Close()
			delete(bigSites.m, k)
		}
	}
}

// settledHeap is the live heap after a full collection.
func settledHeap() int64 {
	// Several rounds: a closed store's memory goes only after its
	// goroutines end and finalizers run.
	for range 3 {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// procRSS reads VmRSS, RssAnon and RssFile from /proc/self/status, in MiB.
func procRSS(b *testing.B) (rss, anon, file float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			rss = kb / 1024
		case "RssAnon":
			anon = kb / 1024
		case "RssFile":
			file = kb / 1024
		}
	}
	return rss, anon, file
}

// BenchmarkChangeNotice100k is the console's cost of one job finished on a
// panel of 100,000 users with the Users grid open: the store's change
// notices handed to the App, the reads they start (the user patched, the
// header's counts and notices) and the next frame. The store's own commit
// is not timed. patch is the console as it is; reload (the baseline, in
// the same run) reads the panel again for each notice, as the console did
// before notices were patched in.
func BenchmarkChangeNotice100k(b *testing.B) {
	bs := site(b, 100_000)
	sys := bs.s.Internal("bench")
	for _, mode := range []string{"reload", "patch"} {
		b.Run(mode, func(b *testing.B) {
			sa := usersApp(b, bs.s, bs.admin)
			sa.a.sub = bs.s.Subscribe()
			sa.a.sub.Close() // its wait ends at once; the notices come from sub
			sub := bs.s.Subscribe()
			defer sub.Close()
			us := sa.a.cur().(*usersScreen)
			var jobs []store.Job
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				if len(jobs) == 0 {
					var err error
					if jobs, err = bs.s.DueJobs(sys, 1000); err != nil || len(jobs) == 0 {
						b.Fatalf("no due jobs: %v", err)
					}
				}
				check(b, bs.s.FinishJob(sys, jobs[0].Seq, store.JobResult{Driver: "sim", Transport: "in-process", Verified: true}))
				jobs = jobs[1:]
				changes := sub.Changes()
				b.StartTimer()
				if mode == "reload" {
					sa.run(us.load())
				}
				sa.send(storeChangedMsg{changes})
				_ = sa.a.View()
			}
			b.StopTimer()
			if !strings.Contains(sa.screen(), "of 100000") {
				b.Fatalf("users not shown:\n%s", sa.screen())
			}
		})
	}
}
