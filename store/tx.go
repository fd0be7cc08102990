package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/plain"
)

// wtx is one write operation in progress: the Badger transaction plus what
// the action log needs to know about it.
type wtx struct {
	s     *Store
	txn   *badger.Txn
	actor Actor

	// What and where, for the log entry (also on refusal).
	action  string
	place   string
	panel   uint64
	slot    int
	account string
	unit    uint64

	seqs    seqs
	head    [32]byte
	changes []Change
	err     error
	// people are the people written or deleted, for the live access
	// engine (access_snapshot.go).
	people []personEdit

	// size approximates the bytes written, for filling bulk transactions.
	size int

	// dirtyPanel is written once at commit: its CodesSet counter changes
	// with every code set or cleared, many times in a bulk chunk.
	dirtyPanel *Panel
	// panels, when not nil, keeps the panels read for an operation that
	// writes none (a run of finished jobs reads each job's).
	panels map[uint64]Panel

	// counted are the job index entries and drift records written, for
	// the outbox's counts kept in memory (outbox_counts.go).
	counted map[string]*countedKey
}

// begin starts a write operation; finish must follow at once.
func (s *Store) begin(a Actor, action, place string) *wtx {
	s.writeMu.Lock()
	return s.newWtx(a, action, place)
}

func (s *Store) newWtx(a Actor, action, place string) *wtx {
	return &wtx{s: s, txn: s.db.NewTransaction(true), actor: a, action: action, place: place, seqs: s.seqs, head: s.logHead}
}

// finish runs the operation's body and commits it. A refusal discards the
// transaction and records the refused attempt in its own transaction.
func (s *Store) finish(w *wtx, body func() error) (err error) {
	defer s.writeMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			w.txn.Discard()
			err = fmt.Errorf("internal error during %s (nothing was changed): %v\n%s", w.action, r, debug.Stack())
		}
	}()
	err = body()
	if err == nil {
		err = w.commit()
	}
	if err != nil {
		w.txn.Discard()
		if IsRefusal(err) {
			if lerr := s.logRefusal(w, err); lerr != nil {
				return errors.Join(err, fmt.Errorf("record refused attempt: %w", lerr))
			}
		}
		return err
	}
	s.applyAccess(w)
	s.subs.publish(w.changes)
	return nil
}

func (w *wtx) commit() error {
	if err := w.prepare(); err != nil {
		return err
	}
	d := w.delta()
	if err := w.txn.Commit(); err != nil {
		return fmt.Errorf("commit %s: %w", w.action, err)
	}
	w.s.seqs = w.seqs
	w.s.logHead = w.head
	w.s.counts.apply(d)
	return nil
}

// commitAsync starts the commit and returns at once; the result arrives on
// the returned channel. The in-memory sequences and log head move on now,
// so the next transaction can be built while this one is written, and so do
// the outbox's counts; on a failure the caller must reload them from disk
// (Store.load).
func (w *wtx) commitAsync() <-chan error {
	done := make(chan error, 1)
	if err := w.prepare(); err != nil {
		w.txn.Discard()
		done <- err
		return done
	}
	d := w.delta()
	w.txn.CommitWith(func(err error) {
		if err != nil {
			err = fmt.Errorf("commit %s: %w", w.action, err)
		}
		done <- err
	})
	w.s.seqs = w.seqs
	w.s.logHead = w.head
	w.s.counts.apply(d)
	return done
}

// prepare writes what every commit carries: the panel counter, the
// sequences and the log head.
func (w *wtx) prepare() error {
	if w.dirtyPanel != nil {
		w.set(panelKey(w.dirtyPanel.ID), *w.dirtyPanel)
		w.changed(Change{What: ChangePanel, Panel: w.dirtyPanel.ID})
		w.dirtyPanel = nil
	}
	if w.err != nil {
		return w.err
	}
	if w.seqs != w.s.seqs {
		if err := setJSON(w.txn, kSeqs, w.seqs); err != nil {
			return err
		}
	}
	if w.head != w.s.logHead {
		if err := w.txn.Set(kLogHead, w.head[:]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) logRefusal(failed *wtx, reason error) error {
	w := s.newWtx(failed.actor, failed.action, failed.place)
	w.panel, w.slot, w.account, w.unit = failed.panel, failed.slot, failed.account, failed.unit
	w.appendLog(nil, nil, "refused: "+reason.Error())
	if err := w.commit(); err != nil {
		w.txn.Discard()
		return err
	}
	s.noteAccessChanges(w.changes)
	s.subs.publish(w.changes)
	return nil
}

// log appends the successful operation's entry.
func (w *wtx) log(before, after map[string]string) {
	w.appendLog(before, after, "ok")
}

func (w *wtx) appendLog(before, after map[string]string, result string) {
	if w.err != nil {
		return
	}
	w.seqs.Log++
	// What a refused attempt typed, or a device reported, is logged in
	// plain text (text.go): the log is shown on operators' terminals.
	e := Entry{
		Seq: w.seqs.Log, Time: w.s.now().UTC(), Operator: w.actor.name, Via: w.actor.via,
		Unit: w.unit, Place: plain.Visible(w.place), Panel: w.panel, Slot: w.slot, Account: plain.Visible(w.account),
		Action: w.action, Before: visibleMap(before), After: visibleMap(after), Result: plain.Visible(result),
		Prev: hex.EncodeToString(w.head[:]),
	}
	b := marshalEntry(&e)
	if w.setRaw(logKey(e.Seq), b); w.err != nil {
		return
	}
	w.head = sha256.Sum256(b)
	w.changes = append(w.changes, Change{What: ChangeLog, Log: e.Seq})
}

// set writes a JSON record, remembering the first error.
func (w *wtx) set(key []byte, v any) {
	if w.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		w.err = err
		return
	}
	w.setRaw(key, b)
}

func (w *wtx) setRaw(key, val []byte) {
	if w.err != nil {
		return
	}
	w.size += len(key) + len(val) + 24 // Badger's per-entry overhead, roughly
	w.track(key, val, true)
	if w.err == nil {
		w.err = w.txn.Set(key, val)
	}
}

func (w *wtx) del(key []byte) {
	if w.err != nil {
		return
	}
	w.track(key, nil, false)
	if w.err == nil {
		w.err = w.txn.Delete(key)
	}
}

func (w *wtx) changed(c Change) { w.changes = append(w.changes, c) }

// atPanel names the panel in the log entry (place and unit) before any
// check, so even a permission refusal is filed under the panel's unit. A
// panel outside the actor's scope is not named: their refusal is filed as
// for a panel that does not exist, so neither its name nor, by where the
// entry shows, its existence reaches them. It reports whether it named it.
func (w *wtx) atPanel(id uint64, suffix string) bool {
	var p Panel
	if err := getJSON(w.txn, panelKey(id), &p); err == nil && w.s.unitInScope(w.actor, p.Unit) {
		w.unit, w.place = p.Unit, p.Label()+suffix
		return true
	}
	return false
}

// record appends a log entry for something that changes no record (a
// backup taken, a restore done).
func (s *Store) record(a Actor, action, place string, after map[string]string) error {
	w := s.begin(a, action, place)
	return s.finish(w, func() error {
		w.log(nil, after)
		return nil
	})
}

// inScope refuses a unit outside the actor's organization units. The unit
// is not named: it is one the actor cannot list, and one that does not
// exist is refused the same way.
func (w *wtx) inScope(unit uint64) error {
	if w.s.unitInScope(w.actor, unit) {
		return nil
	}
	return refuse(ErrPermission, "unit %d is outside your organization units: see guardroom unit list for yours, or ask an administrator to grant it", unit)
}
