package store

import (
	"crypto/rand"
	"testing"
)

// TestLevel0StaysShort opens the database again and again, as commands
// do, each writing one log entry (a refused login) and closing: Badger
// leaves a level-0 table at each Close, and level 0 must stay at most
// compactL0At tables long instead of growing by one a command, with the
// log whole.
func TestLevel0StaysShort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	const runs = 2*compactL0At + 2
	most := 0
	for i := range runs {
		s, err := Open(Config{Dir: dir, Key: key, NoSync: true})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if _, err := s.Login("nobody", "wrong password", "cli", ""); err == nil {
			t.Fatal("an unknown operator logged in")
		}
		if err := s.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
		n := level0Tables(Options(dir, key))
		most = max(most, n)
		if n > compactL0At {
			t.Fatalf("after %d commands level 0 has %d tables, want at most %d", i+1, n, compactL0At)
		}
	}
	if most == 0 {
		t.Fatal("level0Tables counted no table at all: it does not read the MANIFEST")
	}
	s, err := Open(Config{Dir: dir, Key: key, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.VerifyLog(s.Internal("test"))
	if err != nil || !res.OK() || res.Entries != runs {
		t.Fatalf("log after the compactions: %v, %v; want %d entries intact", res, err, runs)
	}
}

// TestOptionsBoundTheBuilders: Badger's table builders are what a big
// import holds live (docs/PERFORMANCE.md §4). Each starts with a buffer
// of twice the table size and doubles it, so tables stay 512 KiB at
// every level; and the memtable still takes the largest bulk transaction
// the store commits.
func TestOptionsBoundTheBuilders(t *testing.T) {
	o := Options(t.TempDir(), make([]byte, KeySize))
	if o.BaseTableSize > 512<<10 || o.TableSizeMultiplier != 1 {
		t.Errorf("tables of %d bytes, ×%d a level: want at most 512 KiB at every level", o.BaseTableSize, o.TableSizeMultiplier)
	}
	if batch := 15 * o.MemTableSize / 100; batch <= bulkTxnBytes {
		t.Errorf("a batch of at most %d bytes cannot carry a bulk transaction of %d", batch, bulkTxnBytes)
	}
	if o.IndexCacheSize == 0 {
		t.Error("no index cache: an encrypted database crashes at its first flush")
	}
}
