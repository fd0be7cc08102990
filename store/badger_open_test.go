package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/guardroom/guardroom/store"
)

// nextLogName is the name Badger gives the next log file of ext in dir
// ("%05d.mem", "%06d.vlog"): one past the highest there, or 1.
func nextLogName(t *testing.T, dir, ext string, width int) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	high := 0
	for _, e := range entries {
		if n, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ext)); err == nil && strings.HasSuffix(e.Name(), ext) && n > high {
			high = n
		}
	}
	return fmt.Sprintf("%0*d%s", width, high+1, ext)
}

// openNewOnDisk opens a new encrypted database in a temporary directory.
func openNewOnDisk(t *testing.T) (s *store.Store, dir string, key []byte) {
	t.Helper()
	root := t.TempDir()
	dir = filepath.Join(root, "db")
	key, err := store.CreateKey(filepath.Join(root, "key", "data.key"))
	if err != nil {
		t.Fatal(err)
	}
	if s, err = store.Open(store.Config{Dir: dir, Key: key}); err != nil {
		t.Fatal(err)
	}
	return s, dir, key
}

// TestOpenAfterAKillMidLogCreation: a process killed after Badger created
// a new memtable or value log file and before it gave the file its size
// leaves a file of zero bytes, which made every later Open fail ("while
// opening fid: 1 err: Create a new file"; seen in TestRestoreCrash). Open
// drops such files and the database opens whole.
func TestOpenAfterAKillMidLogCreation(t *testing.T) {
	s, dir, key := openNewOnDisk(t)
	password, _ := s.FirstPassword()
	a, _ := s.Actor("admin", "test")
	if _, err := s.AddUnit(a, store.RootUnit, "North wing", store.UnitBuilding); err != nil {
		t.Fatal(err)
	}
	s.Close()

	for _, c := range []struct {
		ext   string
		width int
	}{{".mem", 5}, {".vlog", 6}} {
		t.Run(c.ext, func(t *testing.T) {
			empty := filepath.Join(dir, nextLogName(t, dir, c.ext, c.width))
			if err := os.WriteFile(empty, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := store.Open(store.Config{Dir: dir, Key: key})
			if err != nil {
				t.Fatalf("open with an empty %s left by a kill: %v", filepath.Base(empty), err)
			}
			defer s.Close()
			if _, err := s.Login("admin", password, "test", ""); err != nil {
				t.Fatalf("admin cannot log in: %v", err)
			}
			a, _ := s.Actor("admin", "test")
			units := s.ListUnits(a)
			found := false
			for _, u := range units {
				found = found || u.Name == "North wing"
			}
			if !found {
				t.Fatalf("the unit written before the kill is gone: %+v", units)
			}
			if res, err := s.VerifyLog(a); err != nil || !res.OK() {
				t.Fatalf("log: %v %v", res, err)
			}
		})
	}
}

// TestOpenLeavesAnOpenDatabasesFilesAlone: while another Store has the
// database open, an Open that fails because it is in use deletes nothing,
// not even an empty log file (the owner may be about to size it).
func TestOpenLeavesAnOpenDatabasesFilesAlone(t *testing.T) {
	s, dir, key := openNewOnDisk(t)
	defer s.Close()
	empty := filepath.Join(dir, "99999.mem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(store.Config{Dir: dir, Key: key}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v, want the database in use", err)
	}
	if _, err := os.Stat(empty); err != nil {
		t.Fatalf("the open database's file was touched: %v", err)
	}
}

// TestOpenRefusesANewerSchema: a database a newer guardroom wrote is not
// read with this one's layout.
func TestOpenRefusesANewerSchema(t *testing.T) {
	s, dir, key := openNewOnDisk(t)
	s.Close()
	db, err := badger.Open(store.Options(dir, key))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("meta/schema"), []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := store.Open(store.Config{Dir: dir, Key: key}); err == nil || !strings.Contains(err.Error(), "written by a newer guardroom (schema 99") {
		t.Fatalf("open: %v", err)
	}
}
