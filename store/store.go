// Package store keeps the site's state — organization units, operators,
// panels, panel users, partitions, accounts, locks, tags, the action log and
// the device outbox — in an encrypted Badger database, and enforces every
// permission and domain rule. The TUI, the CLI and the SSH console all change
// the site only through this package, so they all obey the same rules.
//
// Each operation is one Badger transaction that checks the actor's
// permission and scope, checks the rules, writes the change, appends a
// hash-chained action-log entry and, when the hardware must follow, an outbox
// job. A crash at any moment leaves all of it or none of it.
package store

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Config says where and how to open the database.
type Config struct {
	// Dir is the data directory. Empty with InMemory.
	Dir string
	// Key is the 32-byte data key (see ReadKey/CreateKey). Required on disk.
	Key []byte
	// InMemory opens a throw-away database (tests).
	InMemory bool
	// NoSync turns off the fsync of each commit (benchmarks and demo
	// generation only; a crash may then lose the last commits).
	NoSync bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Progress, when not nil, is told what Open is doing when that takes
	// time: finishing an import or a restore that a crash interrupted.
	// done and total count its rows; total is 0 when there is nothing to
	// count yet.
	Progress func(step string, done, total int)
	// Warn, when not nil, is told what the operator should put right that
	// does not stop the database from opening (a data directory that other
	// users can enter).
	Warn func(msg string)
	// GroupShared: the data directory is its group's on purpose (guardroom
	// serve's socket group reaches the socket there): Warn is told only
	// when users outside the group may enter it.
	GroupShared bool
}

// Store is an open guardroom database. It is safe for concurrent use.
type Store struct {
	db  *badger.DB
	now func() time.Time
	// cfg is how it was opened: a restore opens its new database alike.
	cfg Config

	// writeMu serialises write transactions: one process owns the
	// database, so a mutex replaces Badger's conflict-and-retry and keeps
	// the log chain and the sequences in memory.
	writeMu sync.Mutex
	seqs    seqs
	logHead [32]byte
	codeKey []byte

	unitsMu sync.RWMutex
	units   map[uint64]Unit

	subs subscribers

	// counts are the outbox's counts (outbox_counts.go).
	counts outboxCounts

	// opGens ends open sessions whose access changed (see Actor.gen);
	// firstPassword is admin's one-time password when this Open created
	// the database.
	opMu          sync.Mutex
	opGens        map[string]uint64
	firstPassword string

	// access is the decision engine built from the committed people and
	// access configuration (access_engine.go).
	access accessCache
}

// seqs are the last numbers handed out; persisted in meta/seqs with every
// transaction that advances them.
type seqs struct {
	Log, Job, Panel, Account, Unit, Lock, Notice, Person uint64
	// The access configuration's numbers (uint32 IDs).
	Profile, DoorGroup, Door, AccessGroup, Level uint64
	Apartment                                    uint64
}

// Options returns Badger options sized for a small guard-room PC (see
// STACK.md §4): small memtables and caches, fsync on every commit, and the
// index cache that encryption needs to not crash at the first flush.
//
// Tables are 512 KiB at every level (Badger's default is 2 MiB doubled
// per level): a compaction builds up to 8 + 5 tables at once and holds
// each about three times (raw, compressed, encrypted) in a buffer that
// starts at twice the table size and doubles, and that is what a big
// import holds live. At a million people the live heap went from 925 MB
// (default sizes) to 434–579 MB (2 MiB) to 312–368 MB (512 KiB), for
// more and smaller files: at 100,000 people 63 tables instead of 18,
// with Open, Close and a scan of every person as fast
// (docs/PERFORMANCE.md §4).
//
// Value-log files are 2 MiB: every value lives in the LSM tree (Badger's
// threshold is far above our records) and Badger makes a new value-log
// file at every Open, mapped at twice this size; 16 MiB ones cost a
// command ~5 ms to make and map (docs/PERFORMANCE.md §10). 2 MiB still
// holds the largest value a transaction can carry (15% of the memtable).
func Options(dir string, key []byte) badger.Options {
	o := badger.DefaultOptions(dir).
		WithLogger(nil).
		WithSyncWrites(true).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(4).
		WithBaseTableSize(512 << 10).
		WithValueLogFileSize(2 << 20).
		WithNumCompactors(2).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithCompression(options.Snappy).
		WithNumGoroutines(2)
	o.TableSizeMultiplier = 1
	if len(key) > 0 {
		o = o.WithEncryptionKey(key).
			WithEncryptionKeyRotationDuration(30 * 24 * time.Hour)
	}
	return o
}

// Open opens (creating if needed) the database described by cfg.
func Open(cfg Config) (*Store, error) {
	var opts badger.Options
	switch {
	case cfg.InMemory:
		opts = Options("", nil).WithInMemory(true)
	case cfg.Dir == "":
		return nil, errors.New("no data directory given")
	case len(cfg.Key) != KeySize:
		return nil, fmt.Errorf("data key must be %d bytes, got %d", KeySize, len(cfg.Key))
	default:
		opts = Options(cfg.Dir, cfg.Key)
	}
	if cfg.NoSync {
		opts = opts.WithSyncWrites(false)
	}
	if !cfg.InMemory {
		// A restore killed while it swapped its database in is finished
		// first, so the database opened is whole: the old or the new.
		what, err := finishSwap(cfg.Dir, nil)
		if err != nil {
			return nil, err
		}
		if what != "" && cfg.Progress != nil {
			cfg.Progress("finished swapping in "+what+", which guardroom was stopped in the middle of", 0, 0)
		}
	}
	if !cfg.InMemory && level0Tables(opts) >= compactL0At {
		opts.CompactL0OnClose = true
	}
	db, err := openBadger(opts)
	if err != nil {
		return nil, explainOpen(cfg.Dir, err)
	}
	if !cfg.InMemory {
		if err := dropIncoming(cfg.Dir); err != nil {
			db.Close()
			return nil, err
		}
	}
	s := &Store{db: db, now: cfg.Now, cfg: cfg}
	if s.now == nil {
		s.now = time.Now
	}
	if !cfg.InMemory && cfg.Warn != nil {
		if msg := wideDir(cfg.Dir, cfg.GroupShared); msg != "" {
			cfg.Warn(msg)
		}
	}
	if err := s.load(cfg.Progress); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// compactL0At is how many level-0 tables an Open finds before its Close
// merges level 0 into the tree below. Each process that writes (every
// command logs its login) leaves one level-0 table at Close, and Badger's
// compactors start at a random moment up to a second after Open, so a
// command rarely lives to run one: level 0 grew by a table a command
// (60 commands, 63 tables), and every later Open maps them all, every
// read of the log, meta and operator keys checks them all, and every
// Close syncs each file. Compacting on Close once there are this many
// keeps level 0 at most this long; the command that does it pays for
// the merge with the tables below that its keys overlap (~0.1 s more at
// 100,000 people, docs/PERFORMANCE.md §10).
const compactL0At = 8

// level0Tables counts the level-0 tables that Badger's MANIFEST in
// opts.Dir lists (0 when there is none yet, or it cannot be read: Open
// then says what is wrong).
func level0Tables(opts badger.Options) int {
	f, err := os.Open(filepath.Join(opts.Dir, badger.ManifestFilename))
	if err != nil {
		return 0
	}
	defer f.Close()
	m, _, err := badger.ReplayManifestFile(f, opts.ExternalMagicVersion, opts)
	if err != nil {
		return 0
	}
	n := 0
	for _, t := range m.Tables {
		if t.Level == 0 {
			n++
		}
	}
	return n
}

// wideDir says what to do when other users may enter the data directory:
// its files are encrypted, yet their names, sizes and times tell how the
// site changes, and a copy is one key file away from being read.
func wideDir(dir string, groupShared bool) string {
	closed := os.FileMode(0o077)
	if groupShared {
		closed = 0o007
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm()&closed == 0 {
		return ""
	}
	return fmt.Sprintf("the data directory %s can be entered by other users (mode %04o): run chmod 700 %s", dir, st.Mode().Perm(), dir)
}

func explainOpen(dir string, err error) error {
	switch {
	case errors.Is(err, badger.ErrEncryptionKeyMismatch):
		return fmt.Errorf("the key file does not match the database in %s: use the key file this database was created with (GUARDROOM_KEY_FILE or --key-file)", dir)
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return lockedError(dir)
	}
	return fmt.Errorf("open database in %s: %w", dir, err)
}

// lockedError names the process that holds the database, from the pid
// Badger writes in its LOCK file.
func lockedError(dir string) error {
	holder := "another guardroom process"
	if b, err := os.ReadFile(filepath.Join(dir, "LOCK")); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			holder = fmt.Sprintf("guardroom process %d", pid)
		}
	}
	return fmt.Errorf("the database in %s is in use by %s: close it first (a console or a command still running; stop guardroom serve before a restore); consoles and commands share the database only through guardroom serve", dir, holder)
}

// Close closes the database.
func (s *Store) Close() error {
	s.subs.closeAll()
	return s.db.Close()
}

// load reads the in-memory state, initialising a new database first, and
// finishes an import a crash interrupted (telling progress, if not nil).
func (s *Store) load(progress func(step string, done, total int)) error {
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(kInit)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		if err := s.initialise(); err != nil {
			return fmt.Errorf("initialise database: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	// A database a newer guardroom wrote may keep things where this one
	// does not look (schema 3 keeps pending jobs in their index): reading
	// it would show a wrong picture and lose changes.
	if v, err := s.schema(); err != nil {
		return err
	} else if known, _ := strconv.Atoi(string(schemaVer)); v > known {
		return fmt.Errorf("this database was written by a newer guardroom (schema %d; this one knows up to %d): run that guardroom, or restore a backup made for this one", v, known)
	}
	err = s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, kSeqs, &s.seqs); err != nil {
			return fmt.Errorf("read sequences: %w", err)
		}
		item, err := txn.Get(kCodeKey)
		if err != nil {
			return fmt.Errorf("read code key: %w", err)
		}
		if s.codeKey, err = item.ValueCopy(nil); err != nil {
			return err
		}
		if item, err = txn.Get(kLogHead); err == nil {
			head, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			copy(s.logHead[:], head)
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		return s.loadUnits(txn)
	})
	if err != nil {
		return err
	}
	// An import accepted before a crash is written whole before the
	// database is used; one never accepted leaves nothing.
	if err := s.resumeImports(progress); err != nil {
		return err
	}
	// A database made before apartment records has them made now.
	if err := s.upgradeApartments(); err != nil {
		return err
	}
	if err := s.upgradeJobs(progress); err != nil {
		return err
	}
	return s.recount()
}

// RootUnit is the organization unit every database starts with.
const RootUnit uint64 = 1

func (s *Store) initialise() error {
	codeKey := make([]byte, 32)
	if _, err := rand.Read(codeKey); err != nil {
		return err
	}
	now := s.now()
	return s.db.Update(func(txn *badger.Txn) error {
		root := Unit{ID: RootUnit, Name: "Organization", Kind: UnitOrganization, Created: now}
		steps := []error{
			txn.Set(kCodeKey, codeKey),
			txn.Set(kSchemaV, schemaVer),
			setJSON(txn, unitKey(root.ID), root),
			s.firstAdmin(txn, now),
			setJSON(txn, kSeqs, seqs{Unit: RootUnit}),
			txn.Set(kInit, []byte(now.UTC().Format(time.RFC3339))),
		}
		return errors.Join(steps...)
	})
}

func setJSON(txn *badger.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}

func getJSON(txn *badger.Txn, key []byte, v any) error {
	item, err := txn.Get(key)
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

// scanJSON decodes every JSON record under prefix, in key order, and calls
// fn with each.
func scanJSON[T any](txn *badger.Txn, prefix []byte, fn func(v T) error) error {
	return scan(txn, prefix, true, func(_, b []byte) error {
		var v T
		if err := jsonUnmarshal(b, &v); err != nil {
			return err
		}
		return fn(v)
	})
}

// scan calls fn for every key under prefix, in key order. The value slice
// is valid only during the call.
func scan(txn *badger.Txn, prefix []byte, values bool, fn func(key, val []byte) error) error {
	o := badger.DefaultIteratorOptions
	o.Prefix = prefix
	// Values live in the LSM tree (ValueThreshold is far above our record
	// sizes), so prefetching them only adds a goroutine per item.
	o.PrefetchValues = false
	it := txn.NewIterator(o)
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		var err error
		if values {
			err = item.Value(func(v []byte) error { return fn(item.Key(), v) })
		} else {
			err = fn(item.Key(), nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func exists(txn *badger.Txn, key []byte) (bool, error) {
	_, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Now is the store's clock: the dispatcher judges job ages by it.
func (s *Store) Now() time.Time { return s.now() }
