package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/dgraph-io/badger/v4"
)

// ---- the upgrade to jobs stored under their state index ----

// schemaJobsInIndex is the schema version from which a job still to be
// done is stored under its state index (outbox_job.go). Before it, every
// job was at outbox/<seq>, and its index entry held only the job's panel
// (8 bytes): two records a queued job instead of one.
const schemaJobsInIndex = 3

// jobMoveBytes ends an upgrade transaction, well under Badger's batch
// limit for the store's memtable (about 1.2 MB).
const jobMoveBytes = 512 << 10

// upgradeJobs moves the jobs still to be done of a database written before
// schema 3 into their state index entries. A transaction moves whole jobs:
// the entry takes the job's record and the outbox record is deleted, so a
// kill leaves each job in one place, the old or the new. Running it again
// moves the rest (an entry that holds its job already is passed by); the
// last transaction marks the schema, so it runs once. Nothing is logged:
// no job changes, only where it is kept. An index entry whose job is gone
// (it named nothing to do) is dropped.
func (s *Store) upgradeJobs(progress func(step string, done, total int)) error {
	if v, err := s.schema(); err != nil || v >= schemaJobsInIndex {
		return err
	}
	var todo [][]byte // the index entries that name their job's panel only
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pIdxJob, true, func(k, v []byte) error {
			if len(v) == 8 {
				todo = append(todo, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("upgrade the outbox: %w", err)
	}
	const step = "moving the outbox's jobs still to be done into their state index (once, after an upgrade of guardroom)"
	for done := 0; ; {
		n, err := s.moveJobs(todo[done:])
		if err != nil {
			return fmt.Errorf("upgrade the outbox: %d of %d jobs moved, then: %w", done, len(todo), err)
		}
		done += n
		if progress != nil && len(todo) > 0 {
			progress(step, done, len(todo))
		}
		if done == len(todo) {
			return nil
		}
	}
}

// moveJobs moves the jobs of index entries in one transaction, as many as
// fit, and reports how many it moved; the transaction that moves the last
// marks the schema.
func (s *Store) moveJobs(entries [][]byte) (int, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	n, size := 0, 0
	for ; n < len(entries) && size < jobMoveBytes; n++ {
		entry := entries[n]
		seq := binary.BigEndian.Uint64(entry[len(entry)-8:])
		item, err := txn.Get(jobKey(seq))
		if errors.Is(err, badger.ErrKeyNotFound) {
			if err := txn.Delete(entry); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		rec, err := item.ValueCopy(nil)
		if err != nil {
			return 0, err
		}
		// Written in binary, as putJob writes a job, unless it cannot be
		// read: then it is moved as it is, and refused where it is read,
		// as before.
		var j Job
		if decodeJob(rec, &j) == nil {
			rec = encodeJob(&j)
		}
		if err := errors.Join(txn.Set(entry, rec), txn.Delete(jobKey(seq))); err != nil {
			return 0, err
		}
		size += 2*len(entry) + len(rec) + 48
	}
	if n == len(entries) {
		if err := txn.Set(kSchemaV, []byte(strconv.Itoa(schemaJobsInIndex))); err != nil {
			return 0, err
		}
	}
	if err := txn.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// schema reads the database's schema version (meta/schema; 0 when there is
// none, as in a database older than it).
func (s *Store) schema() (int, error) {
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(kSchemaV)
		if err == nil {
			v, err = item.ValueCopy(nil)
		}
		return err
	})
	if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	n, _ := strconv.Atoi(string(v))
	return n, nil
}
