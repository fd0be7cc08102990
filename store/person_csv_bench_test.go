package store_test

// Benchmarks of the people import (see person_csv.go and docs/PEOPLE-CSV.md):
//
//	go test ./store -run '^$' -bench ImportPeople100k -benchtime 1x -count 3

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/guardroom/guardroom/store"
)

const perfPeople = 100_000

// perfPeopleFile is a people file of n rows with a name, an apartment and
// one card each.
func perfPeopleFile(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("name,apartment,card\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&buf, "Person %d,A %d,%d:%d\n", i, i%500, 10+i%90, 100000+i)
	}
	return buf.Bytes()
}

// benchImportPeople times ImportPeople of the 100,000-row file into a copy
// of a new on-disk encrypted database, opened with fsync on every commit.
func benchImportPeople(b *testing.B, dryRun bool) {
	perfSkipShort(b)
	base, key := filepath.Join(b.TempDir(), "base"), perfKey(b)
	s, err := store.Open(store.Config{Dir: base, Key: key})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	file := perfPeopleFile(perfPeople)
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
		res, err := s.ImportPeople(a, bytes.NewReader(file), store.PeopleImportOptions{Name: "bench.csv", Unit: store.RootUnit, DryRun: dryRun, CreateApartments: true})
		b.StopTimer()
		if err != nil || res.Bad != 0 || len(res.Rows) != perfPeople || (!dryRun && res.Written != perfPeople) {
			b.Fatalf("import: %d rows, %d bad, %d written: %v", len(res.Rows), res.Bad, res.Written, err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	rows := float64(perfPeople * b.N)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
}

// BenchmarkImportPeople100k: parse, check and write 100,000 people with
// one card each, each with its identifier index entry and person.add log
// entry, all or nothing. The target is under 10 s.
func BenchmarkImportPeople100k(b *testing.B) { benchImportPeople(b, false) }

// BenchmarkImportPeople100kDryRun is the same file's preview only (parse
// and check), to split the import's time between checking and writing.
func BenchmarkImportPeople100kDryRun(b *testing.B) { benchImportPeople(b, true) }
