package store_test

// Benchmarks of the tag import (see tag_csv.go and docs/PERFORMANCE.md):
//
//	go test ./store -run '^$' -bench ImportTags50k -benchtime 1x -count 3

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/guardroom/guardroom/store"
)

const perfTags = 50_000

// perfTagBase builds, once per benchmark, a closed database holding a
// generic panel (its keypads read tags) with perfTags users with a code
// (written with fsync off: the data is the same, the build faster), and a
// CSV file giving each user a keypad tag. Each iteration copies the
// database, so every import starts from the same state.
func perfTagBase(b *testing.B) (dir string, key []byte, file []byte) {
	b.Helper()
	dir, key = filepath.Join(b.TempDir(), "base"), perfKey(b)
	s, a, p := perfOpen(b, dir, key, true, perfTags)
	if err := s.BulkSetCodes(a, p.ID, perfItems(perfTags), nil); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("tag,kind,panel,slot,lock\n")
	for i := 1; i <= perfTags; i++ {
		fmt.Fprintf(&buf, "04%012X,keypad,%d,%d,\n", i, p.ID, i)
	}
	return dir, key, buf.Bytes()
}

func copyDir(tb testing.TB, from, to string) {
	tb.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := os.OpenFile(filepath.Join(to, rel), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			dst.Close()
			return err
		}
		return dst.Close()
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// benchImport times ImportTags of the 50,000-row file into a copy of the
// base database, opened with fsync on every commit.
func benchImport(b *testing.B, dryRun bool) {
	perfSkipShort(b)
	base, key, file := perfTagBase(b)
	for b.Loop() {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "db")
		copyDir(b, base, dir)
		s, err := store.Open(store.Config{Dir: dir, Key: key})
		if err != nil {
			b.Fatal(err)
		}
		a, err := s.Actor("admin", "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := s.ImportTags(a, bytes.NewReader(file), store.TagImportOptions{Name: "bench.csv", DryRun: dryRun})
		b.StopTimer()
		if err != nil || res.Bad != 0 || len(res.Rows) != perfTags || (!dryRun && res.Written != perfTags) {
			b.Fatalf("import: %d rows, %d bad, %d written: %v", len(res.Rows), res.Bad, res.Written, err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(perfTags*b.N)/b.Elapsed().Seconds(), "tags/s")
}

// BenchmarkImportTags50k: parse, check and write 50,000 keypad tags, each
// with its owner index entry, log entry and add-tag job, all or nothing.
func BenchmarkImportTags50k(b *testing.B) { benchImport(b, false) }

// BenchmarkImportTags50kDryRun is the same file's preview only (parse and
// check), to split the import's time between checking and writing.
func BenchmarkImportTags50kDryRun(b *testing.B) { benchImport(b, true) }

// BenchmarkImportTags50kRawWriteBatch is the baseline for the import's
// writing: one Badger WriteBatch, then Flush, of the records the import
// writes per tag, at their sizes (tag 200 bytes, owner index, log entry
// 380, job 300, pending-job index), into a copy of the same database.
func BenchmarkImportTags50kRawWriteBatch(b *testing.B) {
	perfSkipShort(b)
	base, key, _ := perfTagBase(b)
	val := func(n int) []byte { return bytes.Repeat([]byte("x"), n) }
	tag, entry, job := val(200), val(380), val(300)
	for b.Loop() {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "db")
		copyDir(b, base, dir)
		db := perfRawOpen(b, dir, key)
		b.StartTimer()
		wb := db.NewWriteBatch()
		for i := 1; i <= perfTags; i++ {
			id := fmt.Sprintf("04%012X", i)
			seq := binary.BigEndian.AppendUint64(nil, uint64(1_000_000+i))
			for _, kv := range [][2][]byte{
				{[]byte("tag/" + id), tag},
				{append(binary.BigEndian.AppendUint32([]byte("idx/tagowner/\x00\x00\x00\x00\x00\x00\x00\x01"), uint32(i)), id...), []byte("k")},
				{append([]byte("log/"), seq...), entry},
				{append([]byte("outbox/"), seq...), job},
				{append([]byte("idx/job/pending/"), seq...), seq},
			} {
				if err := wb.Set(kv[0], kv[1]); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := wb.Flush(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(perfTags*b.N)/b.Elapsed().Seconds(), "tags/s")
}
