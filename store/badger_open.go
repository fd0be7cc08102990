package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// openBadger opens the database opts describe, after dropping the empty
// log files a kill can leave behind.
//
// Badger makes each new memtable write-ahead log (NNNNN.mem) and value log
// (NNNNNN.vlog) by creating the file and then growing it to its full size
// and writing its header. A process killed between the two leaves a file of
// zero bytes, and every later Open refuses the database: "while opening
// memtables err: while opening fid: 1 err: Create a new file" (Badger
// v4.9.6 treats the file as one it has just created, which an existing file
// must not be). A new memtable is made at every Open of a closed database
// and whenever one fills, so the kill only has to land in that gap. A file
// of zero bytes holds no entry, not even the header that says how it is
// encrypted: deleting it loses nothing. It is only done while holding the
// directory's lock, the one Badger takes, so a file another process is
// making at that moment is never touched.
func openBadger(opts badger.Options) (*badger.DB, error) {
	if !opts.InMemory && opts.Dir != "" && !opts.ReadOnly {
		if err := dropEmptyLogs(opts.Dir); err != nil {
			return nil, err
		}
	}
	return badger.Open(opts)
}

// dropEmptyLogs deletes dir's .mem and .vlog files of zero bytes, if no
// process holds dir's lock; with the lock held elsewhere it does nothing,
// and badger.Open says the database is in use.
func dropEmptyLogs(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil // a new database
	}
	if err != nil {
		return fmt.Errorf("read the data directory %s: %w", dir, err)
	}
	var empty []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !(strings.HasSuffix(name, ".mem") || strings.HasSuffix(name, ".vlog")) {
			continue
		}
		if info, err := e.Info(); err == nil && info.Size() == 0 {
			empty = append(empty, name)
		}
	}
	if len(empty) == 0 {
		return nil
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil // in use, or no lock here: leave the files to their owner
	}
	defer unlock()
	for _, name := range empty {
		p := filepath.Join(dir, name)
		// Looked at again under the lock: the owner may have grown it
		// before it let the lock go.
		if info, err := os.Lstat(p); err != nil || !info.Mode().IsRegular() || info.Size() != 0 {
			continue
		}
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("remove %s, an empty log file left by a guardroom process that was killed: %w", p, err)
		}
	}
	return syncDir(dir)
}
