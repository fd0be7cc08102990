package store

import (
	"errors"
	"io"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/plain"
)

// kBackup holds the backups' state (BackupState).
var kBackup = []byte("meta/backup")

// ChangeBackup tells subscribers that the backups' state changed: one was
// made, or one failed.
const ChangeBackup = "backup"

// BackupState is what the store knows of the backups: the last one made,
// and since when they fail (a scheduled run failed, or found its backup
// missed and could not make it), until one succeeds.
type BackupState struct {
	LastOK   time.Time `json:"last_ok,omitzero"`
	LastFile string    `json:"last_file,omitempty"` // "" for guardroom backup FILE
	// FailedSince is when the first backup that failed was due; zero
	// while they succeed.
	FailedSince time.Time `json:"failed_since,omitzero"`
	Problem     string    `json:"problem,omitempty"` // the last failure's error
}

// Failing reports whether backups fail since FailedSince.
func (b BackupState) Failing() bool { return !b.FailedSince.IsZero() }

// BackupState returns the backups' state; any operator may read it (the
// console's header shows a failure).
func (s *Store) BackupState(a Actor) (BackupState, error) {
	var st BackupState
	if err := a.valid(); err != nil {
		return st, err
	}
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		st, err = readBackupState(txn)
		return err
	})
	return st, err
}

func readBackupState(txn *badger.Txn) (BackupState, error) {
	var st BackupState
	err := getJSON(txn, kBackup, &st)
	if errors.Is(err, badger.ErrKeyNotFound) {
		err = nil
	}
	return st, err
}

// WriteBackup writes the backup as Backup does, with no log entry: a
// scheduled run records its file's fate with RecordBackupRun once the
// file is in place.
func (s *Store) WriteBackup(a Actor, dataKey []byte, w io.Writer) error {
	return s.writeBackup(a, dataKey, w)
}

// RecordBackupRun logs one scheduled backup run, due at due, in one entry
// with its file and result, and keeps the backups' state: runErr nil
// clears a failure, else the failure stands since the first failed run's
// due time.
func (s *Store) RecordBackupRun(a Actor, file string, due time.Time, runErr error) error {
	if err := a.need(PermBackupRestore); err != nil {
		return err
	}
	return s.recordBackup(a, file, due, runErr)
}

func (s *Store) recordBackup(a Actor, file string, due time.Time, runErr error) error {
	w := s.begin(a, "backup", "database")
	return s.finish(w, func() error {
		st, err := readBackupState(w.txn)
		if err != nil {
			return err
		}
		after := map[string]string{"backup": "written, encrypted with the data key"}
		if file != "" {
			after["file"] = file
		}
		now := s.now().UTC()
		if runErr != nil {
			after["backup"] = "not written"
			if st.FailedSince.IsZero() {
				st.FailedSince = due.UTC()
				if due.IsZero() {
					st.FailedSince = now
				}
			}
			st.Problem = plain.Visible(runErr.Error())
			w.appendLog(nil, after, "failed: "+runErr.Error())
		} else {
			st = BackupState{LastOK: now, LastFile: file}
			w.log(nil, after)
		}
		w.set(kBackup, st)
		w.changed(Change{What: ChangeBackup})
		return nil
	})
}
