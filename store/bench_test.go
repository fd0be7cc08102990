package store_test

// Benchmarks of the store against raw Badger with the same options
// (store.Options: encrypted, fsync on every commit) in the same run. The
// 100,000-user ones are expensive: run them with -benchtime 1x, e.g.
//
//	go test ./store -run '^$' -bench . -benchtime 1x -count 3
//
// Results and the machine are written up in docs/PERFORMANCE.md. Every
// benchmark is skipped with -short. Nothing here runs without -bench except
// TestPerfRSSChild, which skips unless BenchmarkResidentMemory100k started
// it.

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store"
)

const perfUsers = 100_000

func perfSkipShort(b *testing.B) {
	b.Helper()
	if testing.Short() {
		b.Skip("long benchmark; skipped with -short")
	}
}

// perfItems are n users for slots 1..n with distinct non-trivial 8-digit
// codes, varied partitions and a label on every fourth.
func perfItems(n int) []store.BulkCode {
	codes := perfCodes(n, 7, nil)
	items := make([]store.BulkCode, n)
	for i := range items {
		o := store.CodeOptions{Partitions: store.PartitionSet(1) | store.PartitionSet(1)<<(i%8)}
		if i%4 == 0 {
			o.Label = "Staff " + strconv.Itoa(i+1)
		}
		items[i] = store.BulkCode{Slot: i + 1, Code: codes[i], CodeOptions: o}
	}
	return items
}

func perfKey(tb testing.TB) []byte {
	tb.Helper()
	key, err := store.CreateKey(filepath.Join(tb.TempDir(), "data.key"))
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// perfOpen opens a store with a generic panel of the given size.
func perfOpen(tb testing.TB, dir string, key []byte, noSync bool, slots int) (*store.Store, store.Actor, store.Panel) {
	tb.Helper()
	s, err := store.Open(store.Config{Dir: dir, Key: key, NoSync: noSync})
	if err != nil {
		tb.Fatal(err)
	}
	a, err := s.Actor("admin", "bench")
	if err != nil {
		tb.Fatal(err)
	}
	p, err := s.AddPanel(a, store.NewPanel{Name: "Bench", Unit: store.RootUnit, Family: "generic",
		IMEI: perfIMEI(7), Slots: slots, CodeLength: 8})
	if err != nil {
		tb.Fatal(err)
	}
	return s, a, p
}

// perfBuild100k creates a closed database in a temporary directory holding
// a generic panel with perfUsers users, written by BulkSetCodes (with fsync
// off: the data is the same, only the build is faster). It returns the
// directory, the key and the panel number.
func perfBuild100k(b *testing.B) (string, []byte, uint64) {
	b.Helper()
	dir, key := filepath.Join(b.TempDir(), "db"), perfKey(b)
	s, a, p := perfOpen(b, dir, key, true, perfUsers)
	if err := s.BulkSetCodes(a, p.ID, perfItems(perfUsers), nil); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return dir, key, p.ID
}

// perfFlatten compacts a closed database so that no compaction is pending
// when it is next opened.
func perfFlatten(b *testing.B, dir string, key []byte) {
	b.Helper()
	db := perfRawOpen(b, dir, key)
	if err := db.Flatten(2); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
}

func perfDirMB(tb testing.TB, dir string) float64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return float64(n) / (1 << 20)
}

// Raw-baseline records, shaped like the store's: a panel-user record of
// about 60 bytes (binary, with a 32-byte hash) and a JSON log entry of
// about 400 bytes.

func perfRawUserKey(panel uint64, slot int) []byte {
	k := append([]byte("puser/"), binary.BigEndian.AppendUint64(nil, panel)...)
	return binary.BigEndian.AppendUint32(k, uint32(slot))
}

func perfRawUserValue(slot int) []byte {
	h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(slot)))
	v := []byte{1, 0, 4, 'U', 's', 'e', 'r', 1, 32}
	v = append(v, h[:]...)
	v = binary.AppendUvarint(v, 1|1<<(slot%8))
	v = binary.AppendUvarint(v, 0)
	v = binary.AppendVarint(v, time.Now().UnixNano())
	v = append(v, 7, 'p', 'e', 'n', 'd', 'i', 'n', 'g')
	v = binary.AppendUvarint(v, uint64(slot))
	return append(v, 0)
}

func perfRawLogKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("log/"), seq)
}

func perfRawLogValue(seq uint64, slot int, prev [32]byte) []byte {
	e := store.Entry{Seq: seq, Time: time.Now().UTC(), Operator: "admin", Via: "bench", Unit: store.RootUnit,
		Place: fmt.Sprintf("panel 1 (Bench) user %d", slot), Panel: 1, Slot: slot, Action: "user.set-code",
		Before: map[string]string{"code": "not set", "label": "User " + strconv.Itoa(slot), "role": "User", "partitions": "-"},
		After:  map[string]string{"code": "set", "label": "User " + strconv.Itoa(slot), "role": "User", "partitions": "1"},
		Result: "ok", Prev: hex.EncodeToString(prev[:])}
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return b
}

func perfRawJobValue(seq uint64, slot int) []byte {
	j := store.Job{Seq: seq, Kind: store.JobDevice, Op: store.OpSetCode, Panel: 1, Slot: slot, Code: "48151623",
		Role: "User", Label: "User " + strconv.Itoa(slot), Partitions: 1, Created: time.Now(), State: store.JobPending, Log: seq}
	b, err := json.Marshal(j)
	if err != nil {
		panic(err)
	}
	return b
}

func perfRawOpen(tb testing.TB, dir string, key []byte) *badger.DB {
	tb.Helper()
	db, err := badger.Open(store.Options(dir, key))
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// BenchmarkBulkCreate100k times BulkSetCodes of 100,000 users (each with its
// log entry and outbox job) on a fresh on-disk encrypted store with fsync on.
func BenchmarkBulkCreate100k(b *testing.B) {
	perfSkipShort(b)
	items := perfItems(perfUsers)
	key := perfKey(b)
	var mb float64
	for b.Loop() {
		b.StopTimer()
		_, mb = perfBulkOnce(b, items, key)
		b.StartTimer()
	}
	b.ReportMetric(float64(perfUsers*b.N)/b.Elapsed().Seconds(), "users/s")
	b.ReportMetric(mb, "MB-on-disk")
}

// perfBulkOnce opens a fresh store and times BulkSetCodes of items, the
// benchmark's timer running only around it; it returns the time and the
// store's size on disk after closing it.
func perfBulkOnce(b *testing.B, items []store.BulkCode, key []byte) (time.Duration, float64) {
	dir := filepath.Join(b.TempDir(), "db")
	s, a, p := perfOpen(b, dir, key, false, perfUsers)
	b.StartTimer()
	t0 := time.Now()
	if err := s.BulkSetCodes(a, p.ID, items, nil); err != nil {
		b.Fatal(err)
	}
	took := time.Since(t0)
	b.StopTimer()
	if p, err := s.GetPanel(a, p.ID); err != nil || p.CodesSet != perfUsers {
		b.Fatalf("after the load: %d codes set, %v", p.CodesSet, err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	return took, perfDirMB(b, dir)
}

// BenchmarkBulkCreate100kVsRaw runs BenchmarkBulkCreate100k's load and
// BenchmarkBulkCreate100kRawWriteBatch's baseline in turn in every
// iteration, so that both meet the same load on a shared machine; it
// reports each one's time and x-raw, ours over the baseline.
func BenchmarkBulkCreate100kVsRaw(b *testing.B) {
	perfSkipShort(b)
	items := perfItems(perfUsers)
	key := perfKey(b)
	users, logs := perfRawRecords()
	var ours, raw time.Duration
	for b.Loop() {
		b.StopTimer()
		t, _ := perfBulkOnce(b, items, key)
		ours += t
		t, _ = perfRawOnce(b, users, logs, key)
		raw += t
		b.StartTimer()
	}
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "ours-ns/op")
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(ours)/float64(raw), "x-raw")
}

// BenchmarkBulkCreate100kRawWriteBatch is the baseline for
// BenchmarkBulkCreate100k: one Badger WriteBatch of 100,000 user-sized plus
// 100,000 log-entry-sized records, then Flush, with the same options.
func BenchmarkBulkCreate100kRawWriteBatch(b *testing.B) {
	perfSkipShort(b)
	key := perfKey(b)
	users, logs := perfRawRecords()
	var mb float64
	for b.Loop() {
		b.StopTimer()
		_, mb = perfRawOnce(b, users, logs, key)
		b.StartTimer()
	}
	b.ReportMetric(float64(perfUsers*b.N)/b.Elapsed().Seconds(), "users/s")
	b.ReportMetric(mb, "MB-on-disk")
}

// perfRawRecords are the baseline's user and log-entry values.
func perfRawRecords() (users, logs [][]byte) {
	users = make([][]byte, perfUsers)
	logs = make([][]byte, perfUsers)
	var prev [32]byte
	for i := range users {
		users[i] = perfRawUserValue(i + 1)
		logs[i] = perfRawLogValue(uint64(i+1), i+1, prev)
		prev = sha256.Sum256(logs[i])
	}
	return users, logs
}

// perfRawOnce opens a fresh Badger database with the store's options and
// times one WriteBatch of the users and log entries, then Flush, the
// benchmark's timer running only around it; it returns the time and the
// size on disk after closing it.
func perfRawOnce(b *testing.B, users, logs [][]byte, key []byte) (time.Duration, float64) {
	dir := filepath.Join(b.TempDir(), "db")
	db := perfRawOpen(b, dir, key)
	b.StartTimer()
	t0 := time.Now()
	wb := db.NewWriteBatch()
	for i := range users {
		if err := wb.Set(perfRawUserKey(1, i+1), users[i]); err != nil {
			b.Fatal(err)
		}
		if err := wb.Set(perfRawLogKey(uint64(i+1)), logs[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	took := time.Since(t0)
	b.StopTimer()
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return took, perfDirMB(b, dir)
}

// BenchmarkBulkCreate100kNoSync is a diagnostic: BenchmarkBulkCreate100k
// with fsync off (Config.NoSync), to split the load's time between the
// store's own work and waiting for the disk.
func BenchmarkBulkCreate100kNoSync(b *testing.B) {
	perfSkipShort(b)
	items := perfItems(perfUsers)
	key := perfKey(b)
	for b.Loop() {
		b.StopTimer()
		s, a, p := perfOpen(b, filepath.Join(b.TempDir(), "db"), key, true, perfUsers)
		b.StartTimer()
		if err := s.BulkSetCodes(a, p.ID, items, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(perfUsers*b.N)/b.Elapsed().Seconds(), "users/s")
}

// perfRawChunk is BulkSetCodes' transaction size (bulkChunk in user_bulk.go).
const perfRawChunk = 250

// BenchmarkBulkCreate100kRawTxnChunks is a second baseline with the store's
// write pattern but none of its logic: one db.Update (fsync) per 250 users,
// each user five records of the store's sizes (user, code index, log entry,
// outbox job, pending-job index) plus two small meta records per
// transaction.
func BenchmarkBulkCreate100kRawTxnChunks(b *testing.B) {
	perfSkipShort(b)
	key := perfKey(b)
	type rec struct{ k, v []byte }
	recs := make([][5]rec, perfUsers)
	var prev [32]byte
	for i := range recs {
		slot, seq := i+1, uint64(i+2)
		lv := perfRawLogValue(seq, slot, prev)
		prev = sha256.Sum256(lv)
		h := sha256.Sum256([]byte(strconv.Itoa(slot)))
		recs[i] = [5]rec{
			{perfRawUserKey(1, slot), perfRawUserValue(slot)},
			{append(binary.BigEndian.AppendUint64([]byte("idx/code/"), 1), h[:]...), binary.BigEndian.AppendUint32(nil, uint32(slot))},
			{perfRawLogKey(seq), lv},
			{binary.BigEndian.AppendUint64([]byte("outbox/"), seq), perfRawJobValue(seq, slot)},
			{binary.BigEndian.AppendUint64([]byte("idx/job/pending/"), seq), binary.BigEndian.AppendUint64(nil, 1)},
		}
	}
	for b.Loop() {
		b.StopTimer()
		db := perfRawOpen(b, filepath.Join(b.TempDir(), "db"), key)
		b.StartTimer()
		for start := 0; start < perfUsers; start += perfRawChunk {
			err := db.Update(func(txn *badger.Txn) error {
				for _, r := range recs[start:min(start+perfRawChunk, perfUsers)] {
					for _, kv := range r {
						if err := txn.Set(kv.k, kv.v); err != nil {
							return err
						}
					}
				}
				return errors.Join(txn.Set([]byte("meta/seqs"), []byte(`{"Log":1,"Job":1,"Panel":1}`)),
					txn.Set([]byte("meta/loghead"), prev[:]))
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(perfUsers*b.N)/b.Elapsed().Seconds(), "users/s")
}

// BenchmarkListUsers100k times ListUsers (decoded PanelUsers) of a panel
// with 100,000 users, on a store reopened after the load; the raw-scan
// sub-benchmark is the baseline: a prefix scan of the same keys in the same
// database copying every value. The database is flattened first, so no
// compaction left over from the load runs under one sub-benchmark and not
// the others.
func BenchmarkListUsers100k(b *testing.B) {
	perfSkipShort(b)
	dir, key, panel := perfBuild100k(b)
	perfFlatten(b, dir, key)
	b.Run("store", func(b *testing.B) {
		s, err := store.Open(store.Config{Dir: dir, Key: key})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		a, err := s.Actor("admin", "bench")
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			users, err := s.ListUsers(a, panel)
			if err != nil || len(users) != perfUsers || !users[perfUsers-1].CodeSet {
				b.Fatalf("ListUsers: %d users, %v", len(users), err)
			}
		}
		b.ReportMetric(float64(perfUsers*b.N)/b.Elapsed().Seconds(), "users/s")
	})
	// The baseline, with Badger's default iterator options (PrefetchValues
	// on, as the store's scan uses), and the same scan without prefetching:
	// the values are small and live in the LSM tree, so prefetching only
	// adds a goroutine per item.
	for _, prefetch := range []bool{true, false} {
		name := "raw-scan"
		if !prefetch {
			name = "raw-scan-noprefetch"
		}
		b.Run(name, func(b *testing.B) {
			db := perfRawOpen(b, dir, key)
			defer db.Close()
			for b.Loop() {
				vals, err := perfRawScanUsers(db, panel, prefetch)
				if err != nil || len(vals) != perfUsers {
					b.Fatalf("raw scan: %d values (the store's key layout changed?), %v", len(vals), err)
				}
			}
			b.ReportMetric(float64(perfUsers*b.N)/b.Elapsed().Seconds(), "users/s")
		})
	}
}

// perfRawScanUsers copies every panel-user value of a panel with a raw
// prefix scan. The store's key layout: "puser/" + panel (big-endian
// uint64) + slot (big-endian uint32).
func perfRawScanUsers(db *badger.DB, panel uint64, prefetch bool) ([][]byte, error) {
	prefix := binary.BigEndian.AppendUint64([]byte("puser/"), panel)
	var vals [][]byte
	err := db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = prefix
		o.PrefetchValues = prefetch
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			vals = append(vals, v)
		}
		return nil
	})
	return vals, err
}

// perfMinSamples is the fewest per-op times the latency percentiles are
// taken from: with -benchtime 1x the SetCode benchmarks time one op for
// ns/op and then run more, untimed, for median-ns/op and p95-ns/op.
const perfMinSamples = 200

// perfLatencies reports the median and 95th percentile of per-op times.
func perfLatencies(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2]), "median-ns/op")
	b.ReportMetric(float64(d[(len(d)*95)/100]), "p95-ns/op")
}

// BenchmarkSetCode times one SetCode (user, code index, log entry, outbox
// job; fsync on) per op, each on a fresh slot of a generic panel.
func BenchmarkSetCode(b *testing.B) {
	perfSkipShort(b)
	const slots = 200_000
	s, a, p := perfOpen(b, filepath.Join(b.TempDir(), "db"), perfKey(b), false, slots)
	defer s.Close()
	codes := perfCodes(slots, 11, nil)
	var d []time.Duration
	slot := 0
	op := func() {
		if slot == slots {
			b.Fatalf("more than %d ops: use a smaller -benchtime", slots)
		}
		t0 := time.Now()
		if err := s.SetCode(a, p.ID, slot+1, codes[slot], store.CodeOptions{}); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
		slot++
	}
	for b.Loop() {
		op()
	}
	for len(d) < perfMinSamples { // untimed: percentiles need samples even with -benchtime 1x
		op()
	}
	perfLatencies(b, d)
}

// BenchmarkSetCodeRawUpdate is the baseline for BenchmarkSetCode: one Badger
// db.Update of three small new keys (user, log entry, job) with fsync.
func BenchmarkSetCodeRawUpdate(b *testing.B) {
	perfSkipShort(b)
	db := perfRawOpen(b, filepath.Join(b.TempDir(), "db"), perfKey(b))
	defer db.Close()
	var d []time.Duration
	var prev [32]byte
	seq := uint64(0)
	op := func() {
		seq++
		slot := int(seq)
		t0 := time.Now()
		err := db.Update(func(txn *badger.Txn) error {
			lv := perfRawLogValue(seq, slot, prev)
			prev = sha256.Sum256(lv)
			return errors.Join(
				txn.Set(perfRawUserKey(1, slot), perfRawUserValue(slot)),
				txn.Set(perfRawLogKey(seq), lv),
				txn.Set(binary.BigEndian.AppendUint64([]byte("outbox/"), seq), perfRawJobValue(seq, slot)),
			)
		})
		d = append(d, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		op()
	}
	for len(d) < perfMinSamples {
		op()
	}
	perfLatencies(b, d)
}

// Resident memory. Each measurement runs in a fresh child process (this
// test binary re-executed with -test.run=^TestPerfRSSChild$), so nothing the
// benchmark itself allocated (the 100,000 items of the build) is counted.

const (
	perfEnvRSS = "GUARDROOM_RSS_CHILD" // mode,dir,key-file,panel,settle
)

// perfRSS is what a child reports, in MiB. File counts RssShmem too (the
// database's mmapped files when TMPDIR is a tmpfs).
type perfRSS struct {
	RSS, Anon, File, HWM, HeapInuse float64
	Users                           int
	// With settle: VmRSS and RssAnon perfSettleSeconds later, and the
	// second from which the heap stayed within 2 MiB of its final size.
	SettledRSS, SettledAnon, SettleSeconds float64
}

// perfSettleSeconds is how long a settling child keeps sampling.
const perfSettleSeconds = 20

func perfProcStatus() map[string]float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil
	}
	defer f.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(rest)
		if !ok || len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err == nil {
			m[name] = kb / 1024
		}
	}
	return m
}

// TestPerfRSSChild is the child side of BenchmarkResidentMemory100k; it
// skips unless started by it. Modes:
//   - "store": open the store and list the panel's users, keeping the list
//     as the console does;
//   - "store-limit": the same under debug.SetMemoryLimit(256 MiB), as the
//     binary ran until issue 16 (kept to compare with the figures before);
//   - "raw": open the directory with raw Badger and copy every user value;
//   - "bulk-limit": with the 256 MiB limit, create the store in an empty
//     directory, BulkSetCodes the 100,000 users (fsync on), then list them:
//     the import in the console's own process.
func TestPerfRSSChild(t *testing.T) {
	env := os.Getenv(perfEnvRSS)
	if env == "" {
		t.Skip("helper process for BenchmarkResidentMemory100k; runs only when started by it")
	}
	f := strings.Split(env, ",")
	if len(f) != 5 {
		t.Fatalf("%s=%q", perfEnvRSS, env)
	}
	mode, dir, keyFile := f[0], f[1], f[2]
	panel, _ := strconv.ParseUint(f[3], 10, 64)
	key, err := store.ReadKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(mode, "-limit") {
		debug.SetMemoryLimit(256 << 20)
	}
	var keep any
	n := 0
	switch mode {
	case "store", "store-limit", "bulk-limit":
		var s *store.Store
		var a store.Actor
		if mode == "bulk-limit" {
			var p store.Panel
			s, a, p = perfOpen(t, dir, key, false, perfUsers)
			if err := s.BulkSetCodes(a, p.ID, perfItems(perfUsers), nil); err != nil {
				t.Fatal(err)
			}
			panel = p.ID
		} else {
			if s, err = store.Open(store.Config{Dir: dir, Key: key}); err != nil {
				t.Fatal(err)
			}
			if a, err = s.Actor("admin", "bench"); err != nil {
				t.Fatal(err)
			}
		}
		defer s.Close()
		users, err := s.ListUsers(a, panel)
		if err != nil {
			t.Fatal(err)
		}
		keep, n = users, len(users)
	case "raw":
		db := perfRawOpen(t, dir, key)
		defer db.Close()
		vals, err := perfRawScanUsers(db, panel, true)
		if err != nil {
			t.Fatal(err)
		}
		keep, n = vals, len(vals)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	measure := func() (map[string]float64, float64) {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return perfProcStatus(), float64(ms.HeapInuse) / (1 << 20)
	}
	st, heap := measure()
	r := perfRSS{RSS: st["VmRSS"], Anon: st["RssAnon"], File: st["RssFile"] + st["RssShmem"], HWM: st["VmHWM"],
		HeapInuse: heap, Users: n}
	if f[4] == "settle" {
		// Badger keeps compacting after a load; sample for a fixed window
		// and report the end, and when the heap got there to stay.
		heaps := []float64{heap}
		for range perfSettleSeconds {
			time.Sleep(time.Second)
			st, heap = measure()
			heaps = append(heaps, heap)
		}
		at := len(heaps) - 1
		for at > 0 && heaps[at-1] <= heap+2 {
			at--
		}
		r.SettledRSS, r.SettledAnon, r.SettleSeconds = st["VmRSS"], st["RssAnon"], float64(at)
	}
	runtime.KeepAlive(keep)
	out, _ := json.Marshal(r)
	fmt.Printf("perf-rss %s\n", out)
}

// perfRSSChild runs one TestPerfRSSChild and returns its measurement.
func perfRSSChild(b *testing.B, mode, dir, keyFile string, panel uint64, settle bool) perfRSS {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPerfRSSChild$", "-test.count=1")
	how := "now"
	if settle {
		how = "settle"
	}
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%s,%d,%s", perfEnvRSS, mode, dir, keyFile, panel, how))
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	var r perfRSS
	found := false
	for _, l := range strings.Split(string(out), "\n") {
		if js, ok := strings.CutPrefix(l, "perf-rss "); ok {
			found = json.Unmarshal([]byte(js), &r) == nil
		}
	}
	if !found || r.Users != perfUsers {
		b.Fatalf("child reported no measurement of %d users:\n%s", perfUsers, out)
	}
	return r
}

func perfReportRSS(b *testing.B, r perfRSS) {
	b.ReportMetric(r.RSS, "rss-MB")
	b.ReportMetric(r.Anon, "anon-MB")
	b.ReportMetric(r.File, "file-MB")
	b.ReportMetric(r.HWM, "peak-MB")
	b.ReportMetric(r.HeapInuse, "heap-MB")
	if r.SettledRSS > 0 {
		b.ReportMetric(r.SettledRSS, "settled-rss-MB")
		b.ReportMetric(r.SettledAnon, "settled-anon-MB")
		b.ReportMetric(r.SettleSeconds, "settle-s")
	}
}

// BenchmarkResidentMemory100k reports the resident memory (VmRSS, split
// into anonymous and file-backed pages, the Go heap in use, and the peak
// VmHWM) of a process that has the 100,000-user store open after a full
// ListUsers, measured after runtime.GC and debug.FreeOSMemory. The op is one
// child process; its time is not the point. Sub-benchmarks:
//   - after-load: the first open after the load was written and closed;
//     Badger compacts the freshly flushed tables in the background then, so
//     this catches whatever part of that compaction is running; it is
//     measured again 20 s later (settled-rss-MB; settle-s says from which
//     second the heap stayed there);
//   - settled, settled-memlimit256, raw-settled: the same directory after
//     Badger's Flatten, so no compaction is pending (a database that has
//     been open a while);
//   - bulk-load-memlimit256: the import of the 100,000 users in the
//     measuring process itself, under the real binary's 256 MiB limit,
//     measured right after the import and again 20 s later.
func BenchmarkResidentMemory100k(b *testing.B) {
	perfSkipShort(b)
	dir, key, panel := perfBuild100k(b)
	keyFile := filepath.Join(b.TempDir(), "rss.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Run("after-load", func(b *testing.B) {
		var r perfRSS
		for b.Loop() {
			r = perfRSSChild(b, "store", dir, keyFile, panel, true)
		}
		perfReportRSS(b, r)
	})
	perfFlatten(b, dir, key)
	for _, m := range []struct{ name, mode string }{
		{"settled", "store"}, {"settled-memlimit256", "store-limit"}, {"raw-settled", "raw"},
	} {
		b.Run(m.name, func(b *testing.B) {
			var r perfRSS
			for b.Loop() {
				r = perfRSSChild(b, m.mode, dir, keyFile, panel, false)
			}
			perfReportRSS(b, r)
		})
	}
	b.Run("bulk-load-memlimit256", func(b *testing.B) {
		var r perfRSS
		for b.Loop() {
			r = perfRSSChild(b, "bulk-limit", filepath.Join(b.TempDir(), "db"), keyFile, 0, true)
		}
		perfReportRSS(b, r)
	})
}

// BenchmarkBulkCreate100kRawFiveRecords is a diagnostic for goal 5: what
// the raw baseline costs when it writes the records a user of BulkSetCodes
// is instead of two (values of the same sizes): five as before schema 3
// (user, code index, log entry, binary job, pending-job index), four as
// now (the job under its pending index), and three (were the code index
// folded too). The five are written first as one WriteBatch (Badger
// commits its transactions several at a time, sharing fsyncs), then each
// layout as BulkSetCodes commits: 1,200 users a transaction, one commit
// at a time, and four and three once more as one WriteBatch. Each is timed
// in the same iterations as the two-record baseline: x-two, x-two-serial,
// x-two-four, x-two-three and their -batch are over it.
// It bounds what fewer or cheaper records, or more commits in flight,
// could bring.
func BenchmarkBulkCreate100kRawFiveRecords(b *testing.B) {
	perfSkipShort(b)
	key := perfKey(b)
	users, logs := perfRawRecords()
	job := make([]byte, 70) // a binary job's size
	var two, five, serial, four, three, fourBatch, threeBatch time.Duration
	for b.Loop() {
		b.StopTimer()
		t, _ := perfRawOnce(b, users, logs, key)
		two += t
		five += perfRawFiveOnce(b, users, logs, job, key, false, 5)
		serial += perfRawFiveOnce(b, users, logs, job, key, true, 5)
		four += perfRawFiveOnce(b, users, logs, job, key, true, 4)
		three += perfRawFiveOnce(b, users, logs, job, key, true, 3)
		fourBatch += perfRawFiveOnce(b, users, logs, job, key, false, 4)
		threeBatch += perfRawFiveOnce(b, users, logs, job, key, false, 3)
		b.StartTimer()
	}
	b.ReportMetric(float64(two.Nanoseconds())/float64(b.N), "two-ns/op")
	b.ReportMetric(float64(five.Nanoseconds())/float64(b.N), "five-ns/op")
	b.ReportMetric(float64(serial.Nanoseconds())/float64(b.N), "five-serial-ns/op")
	b.ReportMetric(float64(five)/float64(two), "x-two")
	b.ReportMetric(float64(serial)/float64(two), "x-two-serial")
	b.ReportMetric(float64(four)/float64(two), "x-two-four")
	b.ReportMetric(float64(three)/float64(two), "x-two-three")
	b.ReportMetric(float64(fourBatch)/float64(two), "x-two-four-batch")
	b.ReportMetric(float64(threeBatch)/float64(two), "x-two-three-batch")
}

// perfRawFiveOnce writes records records a user (5: user, code index, log
// entry, job, pending index; 4: the job under its pending index; 3: no
// code index) on a fresh database and returns the time taken: one
// WriteBatch, or (serial) transactions of 1,200 users committed one after
// the other.
func perfRawFiveOnce(b *testing.B, users, logs [][]byte, job, key []byte, serial bool, records int) time.Duration {
	dir := filepath.Join(b.TempDir(), "db")
	db := perfRawOpen(b, dir, key)
	defer db.Close()
	set := func(i int, put func(k, v []byte) error) {
		seq := uint64(i + 1)
		h := sha256.Sum256(users[i])
		kvs := [][2][]byte{
			{perfRawUserKey(1, i+1), users[i]},
			{perfRawLogKey(seq), logs[i]},
			{append(binary.BigEndian.AppendUint64([]byte("pcode/"), 1), h[:]...), binary.BigEndian.AppendUint32(nil, uint32(i+1))},
			{binary.BigEndian.AppendUint64([]byte("idx/job/pending/"), seq), job},
		}
		switch records {
		case 3:
			kvs = append(kvs[:2], kvs[3])
		case 5:
			kvs[3][0] = binary.BigEndian.AppendUint64([]byte("job/"), seq)
			kvs = append(kvs, [2][]byte{binary.BigEndian.AppendUint64([]byte("jobst/pending/"), seq), binary.BigEndian.AppendUint64(nil, 1)})
		}
		for _, kv := range kvs {
			if err := put(kv[0], kv[1]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StartTimer()
	defer b.StopTimer()
	t0 := time.Now()
	if !serial {
		wb := db.NewWriteBatch()
		for i := range users {
			set(i, wb.Set)
		}
		if err := wb.Flush(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for start := 0; start < len(users); start += 1200 {
		txn := db.NewTransaction(true)
		for i := start; i < min(start+1200, len(users)); i++ {
			set(i, txn.Set)
		}
		if err := txn.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(t0)
}

// BenchmarkScanDue100k times the dispatcher's first look at the outbox
// after a bulk load of 100,000 users: ScanDue, which reads at most
// store.DueBatch jobs of the panel and passes the rest of the pending
// index by, against its baseline in the same run, DueJobs reading every
// pending job (what the first look read before the bound).
func BenchmarkScanDue100k(b *testing.B) {
	perfSkipShort(b)
	dir, key, _ := perfBuild100k(b)
	perfFlatten(b, dir, key)
	s, err := store.Open(store.Config{Dir: dir, Key: key})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sys := s.Internal("bench")
	for _, c := range []struct {
		name string
		want int
		look func() (int, error)
	}{
		{"ScanDue", store.DueBatch, func() (int, error) { d, err := s.ScanDue(sys, nil); return len(d.Jobs), err }},
		{"all-DueJobs", perfUsers, func() (int, error) { j, err := s.DueJobs(sys, 0); return len(j), err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if n, err := c.look(); err != nil || n != c.want {
					b.Fatalf("%d jobs, %v; want %d", n, err, c.want)
				}
			}
		})
	}
}
