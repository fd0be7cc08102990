package store_test

// Benchmarks of the people import (see person_csv.go and docs/PEOPLE-CSV.md):
//
//	go test ./store -run '^$' -bench 'ImportPeople(100k|300k)$' -benchtime 1x -count 3
//	GUARDROOM_BENCH_1M=1 go test ./store -run '^$' -bench 'ImportPeople(100k|1M)$' -benchtime 1x -count 3 -timeout 60m
//
// Each import runs in a child process (this test binary started again
// with -test.run=^TestPerfImportChild$) that reads the file from disk as
// the command line does, so its peak RSS (VmHWM) is the import's alone.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
)

const perfPeople = 100_000

// perfPeopleFile is a people file of n rows with a name, an apartment and
// one card each.
func perfPeopleFile(n int) []byte {
	var buf bytes.Buffer
	perfWritePeople(&buf, n)
	return buf.Bytes()
}

func perfWritePeople(w io.Writer, n int) {
	bw := bufio.NewWriter(w)
	bw.WriteString("name,apartment,card\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(bw, "Person %d,A %d,%d:%d\n", i, i%500, 10+i%90, 100000+i)
	}
	bw.Flush()
}

const perfEnvImport = "GUARDROOM_IMPORT_CHILD" // dir,key-file,file,rows,dry

// perfEnvImportProfile, when set, names the file an import child writes
// its CPU profile to (go tool pprof -top store.test FILE).
const perfEnvImportProfile = "GUARDROOM_IMPORT_CPUPROFILE"

// perfEnvImportHeap, when set, names the file an import child writes its
// heap profile to each time the live heap reaches a new high: the file
// left is the heap at its highest (go tool pprof -sample_index=inuse_space).
const perfEnvImportHeap = "GUARDROOM_IMPORT_HEAPPROFILE"

func perfWriteHeap(t *testing.T, name string) {
	f, err := os.Create(name)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Error(err)
	}
}

// perfBadgerWritten reads Badger's counters in this process, in MB: the
// bytes put into its memtables (uncompressed, on their way to level 0)
// and the tables its compactions wrote (compressed and encrypted), in
// all and by the level written to.
func perfBadgerWritten() (put, compacted float64, byLevel map[string]float64) {
	if v, ok := expvar.Get("badger_write_bytes_l0").(*expvar.Int); ok {
		put = float64(v.Value()) / (1 << 20)
	}
	byLevel = map[string]float64{}
	if m, ok := expvar.Get("badger_write_bytes_compaction").(*expvar.Map); ok {
		m.Do(func(kv expvar.KeyValue) {
			if v, ok := kv.Value.(*expvar.Int); ok {
				byLevel[kv.Key] = float64(v.Value()) / (1 << 20)
				compacted += byLevel[kv.Key]
			}
		})
	}
	return put, compacted, byLevel
}

// perfImport is what an import child reports.
type perfImport struct {
	Seconds float64 // the ImportPeople call
	PeakMB  float64 // VmHWM of the child
	// The most anonymous memory (the Go heap, Badger's buffers) and
	// file-backed memory (the database's mmapped tables, which the
	// kernel takes back when it needs the room) seen, sampled every
	// 100 ms, and the most live heap after a collection.
	AnonMB, FileMB, LiveMB float64
	GCs                    uint32
	Rows                   int
	// What the import put into Badger's memtables (uncompressed) and
	// what Badger's compactions had written by the end of the import
	// (compressed and encrypted tables), in all and by level, from
	// Badger's expvar counters.
	PutMB, CompactMB float64
	CompactLevelMB   map[string]float64
}

// TestPerfImportChild is the child side of the import benchmarks; it
// skips unless started by one. It imports the file into the store at dir
// as `guardroom person import` does: read from disk as it goes, the rows
// handed out one by one, no memory limit.
func TestPerfImportChild(t *testing.T) {
	env := os.Getenv(perfEnvImport)
	if env == "" {
		t.Skip("helper process for the import benchmarks; runs only when started by one")
	}
	f := strings.Split(env, ",")
	if len(f) != 5 {
		t.Fatalf("%s=%q", perfEnvImport, env)
	}
	key, err := store.ReadKey(f[1])
	if err != nil {
		t.Fatal(err)
	}
	want, _ := strconv.Atoi(f[3])
	s, err := store.Open(store.Config{Dir: f[0], Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Actor("admin", "bench")
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(f[2])
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dry := f[4] == "dry"
	rows := 0
	var peak perfImport
	sample := func() {
		st := perfProcStatus()
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(live)
		peak.AnonMB, peak.FileMB = max(peak.AnonMB, st["RssAnon"]), max(peak.FileMB, st["RssFile"]+st["RssShmem"])
		if mb := float64(live[0].Value.Uint64()) / (1 << 20); mb > peak.LiveMB {
			peak.LiveMB = mb
			if prof := os.Getenv(perfEnvImportHeap); prof != "" {
				perfWriteHeap(t, prof)
			}
		}
	}
	stop, sampled := make(chan bool), make(chan bool)
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				sample()
				return
			case <-time.After(100 * time.Millisecond):
				sample()
			}
		}
	}()
	if prof := os.Getenv(perfEnvImportProfile); prof != "" {
		pf, err := os.Create(prof)
		if err != nil {
			t.Fatal(err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	res, err := s.ImportPeople(a, in, store.PeopleImportOptions{Name: "bench.csv", Unit: store.RootUnit, DryRun: dry, CreateApartments: true,
		Rows: func(store.PeopleImportRow) error { rows++; return nil }})
	took := time.Since(t0)
	close(stop)
	<-sampled
	if err != nil || res.Bad != 0 || rows != want || (!dry && res.Written != want) {
		t.Fatalf("import: %d rows, %d bad, %d written: %v", rows, res.Bad, res.Written, err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	peak.Seconds, peak.PeakMB, peak.GCs, peak.Rows = took.Seconds(), perfProcStatus()["VmHWM"], ms.NumGC, rows
	peak.PutMB, peak.CompactMB, peak.CompactLevelMB = perfBadgerWritten()
	out, _ := json.Marshal(peak)
	fmt.Printf("perf-import %s\n", out)
}

// benchImportPeople times ImportPeople of an n-row file into a copy of a
// new on-disk encrypted database, opened with fsync on every commit, each
// in a child process; it reports the import's time and the child's peak
// RSS.
func benchImportPeople(b *testing.B, n int, dryRun bool) {
	perfSkipShort(b)
	tmp := b.TempDir()
	base, keyFile, file := filepath.Join(tmp, "base"), filepath.Join(tmp, "data.key"), filepath.Join(tmp, "people.csv")
	key, err := store.CreateKey(keyFile)
	if err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(store.Config{Dir: base, Key: key})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	perfWritePeople(f, n)
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	how := "write"
	if dryRun {
		how = "dry"
	}
	var took time.Duration
	var peak perfImport
	for b.Loop() {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "db")
		copyDir(b, base, dir)
		cmd := exec.Command(os.Args[0], "-test.run=^TestPerfImportChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%s,%d,%s", perfEnvImport, dir, keyFile, file, n, how))
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		var r perfImport
		for _, l := range strings.Split(string(out), "\n") {
			if js, ok := strings.CutPrefix(l, "perf-import "); ok {
				if err := json.Unmarshal([]byte(js), &r); err != nil {
					b.Fatal(err)
				}
			}
		}
		if r.Rows != n {
			b.Fatalf("child reported no import of %d rows:\n%s", n, out)
		}
		took += time.Duration(r.Seconds * float64(time.Second))
		peak.PeakMB, peak.AnonMB, peak.FileMB = max(peak.PeakMB, r.PeakMB), max(peak.AnonMB, r.AnonMB), max(peak.FileMB, r.FileMB)
		peak.LiveMB, peak.GCs = max(peak.LiveMB, r.LiveMB), max(peak.GCs, r.GCs)
		peak.PutMB, peak.CompactMB = max(peak.PutMB, r.PutMB), max(peak.CompactMB, r.CompactMB)
		if testing.Verbose() {
			b.Logf("compactions wrote, by level (MB): %v", r.CompactLevelMB)
		}
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	rows := float64(n * b.N)
	b.ReportMetric(took.Seconds()/float64(b.N), "import-s")
	b.ReportMetric(rows/took.Seconds(), "rows/s")
	b.ReportMetric(peak.PeakMB, "peak-MB")
	b.ReportMetric(peak.AnonMB, "anon-MB")
	b.ReportMetric(peak.FileMB, "file-MB")
	b.ReportMetric(peak.LiveMB, "live-MB")
	b.ReportMetric(float64(peak.GCs), "GCs")
	b.ReportMetric(peak.PutMB, "put-MB")
	b.ReportMetric(peak.CompactMB, "compacted-MB")
}

// BenchmarkImportPeople100k: parse, check and write 100,000 people with
// one card each, each with its identifier index entry and person.add log
// entry, all or nothing. import-s is the import's time (the child's
// start and the database copy are not in it); peak-MB the child's VmHWM.
func BenchmarkImportPeople100k(b *testing.B) { benchImportPeople(b, perfPeople, false) }

// BenchmarkImportPeople300k is the same at 300,000 people: the goal is at
// most 3.5× the 100k time of the same run.
func BenchmarkImportPeople300k(b *testing.B) { benchImportPeople(b, 3*perfPeople, false) }

// BenchmarkImportPeople1M is the same at 1,000,000 people (at most 12× the
// 100k time of the same run, peak RSS under 300 MB). It takes minutes and
// runs only when GUARDROOM_BENCH_1M=1.
func BenchmarkImportPeople1M(b *testing.B) {
	if os.Getenv("GUARDROOM_BENCH_1M") == "" {
		b.Skip("runs only with GUARDROOM_BENCH_1M=1")
	}
	benchImportPeople(b, 10*perfPeople, false)
}

// BenchmarkImportPeople100kDryRun is the 100,000-row file's preview only
// (parse and check), to split the import's time between checking and
// writing.
func BenchmarkImportPeople100kDryRun(b *testing.B) { benchImportPeople(b, perfPeople, true) }
