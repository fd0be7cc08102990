package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

// The outbox's counts (SyncCounts) are kept in memory: counted once when
// the database is opened or restored, then moved by every commit that
// writes or deletes a job state index entry (idx/job/<state>/<seq>, where
// a job still to be done is stored) or a drift record. They mirror those
// keys by construction, whichever code writes them through a wtx, so the
// header of every console, the SSH console and guardroom status read them
// without scanning the index; the dispatcher's ScanDue stops once it has
// met the pending jobs they count.

// tally is the outbox of one panel, or the mail of one unit.
type tally struct{ pending, keypad, failed, drift int }

func (t *tally) add(st JobState, n int) {
	switch st {
	case JobPending:
		t.pending += n
	case jobKeypad:
		t.keypad += n
	case JobFailed:
		t.failed += n
	}
}

// outboxCounts are the tallies by panel (device jobs and drift) and by
// unit (mail, which has no panel).
type outboxCounts struct {
	mu     sync.Mutex
	panels map[uint64]*tally
	mail   map[uint64]*tally
}

func (c *outboxCounts) of(m map[uint64]*tally, id uint64) *tally {
	t := m[id]
	if t == nil {
		t = &tally{}
		m[id] = t
	}
	return t
}

// countedKey is a key the counts follow, as it was before the transaction
// and as the transaction leaves it.
type countedKey struct {
	had, has       bool
	hadVal, hasVal uint64 // the panel of a job index entry's job
}

// isCounted reports whether key is a job state index entry or a drift
// record.
func isCounted(key []byte) bool {
	return bytes.HasPrefix(key, pIdxJob) || len(key) == len(pDrift)+12 && bytes.HasPrefix(key, pDrift)
}

// track notes a write (has) or a delete of a counted key. The first time
// the transaction touches the key it reads what was there, except for the
// index entry of a job numbered after every committed one, which cannot
// exist yet (so queueing jobs reads nothing).
func (w *wtx) track(key, val []byte, has bool) {
	if w.err != nil || !isCounted(key) {
		return
	}
	if w.counted == nil {
		w.counted = map[string]*countedKey{}
	}
	ck := w.counted[string(key)]
	if ck == nil {
		ck = &countedKey{}
		if !w.newJobEntry(key) {
			item, err := w.txn.Get(key)
			switch {
			case err == nil:
				ck.had = true
				w.err = item.Value(func(b []byte) error { ck.hadVal = entryPanel(b); return nil })
			case !errors.Is(err, badger.ErrKeyNotFound):
				w.err = err
			}
		}
		w.counted[string(key)] = ck
	}
	ck.has, ck.hasVal = has, entryPanel(val)
}

// newJobEntry reports whether key indexes a job numbered after every
// committed job.
func (w *wtx) newJobEntry(key []byte) bool {
	return bytes.HasPrefix(key, pIdxJob) && len(key) >= len(pIdxJob)+9 &&
		binary.BigEndian.Uint64(key[len(key)-8:]) > w.s.seqs.Job
}

// entryPanel is the panel of the job a state index entry holds, 0 for a
// mail (whose unit is read from the job).
func entryPanel(b []byte) uint64 {
	if p, ok := jobPanel(b); ok {
		return p
	}
	var j Job
	if decodeJob(b, &j) != nil {
		return 0
	}
	return j.target()
}

// countDelta is what one transaction moves: the tallies to add (negative
// counts included), by panel and by mail unit.
type countDelta struct{ panels, mail map[uint64]*tally }

// delta reads what the transaction's counted keys move. A mail's unit is
// read from its job (written in the same transaction, or before).
func (w *wtx) delta() countDelta {
	if len(w.counted) == 0 {
		return countDelta{}
	}
	d := countDelta{map[uint64]*tally{}, map[uint64]*tally{}}
	oc := &outboxCounts{panels: d.panels, mail: d.mail}
	for key, ck := range w.counted {
		if ck.had == ck.has && ck.hadVal == ck.hasVal {
			continue
		}
		k := []byte(key)
		if bytes.HasPrefix(k, pDrift) {
			panel := binary.BigEndian.Uint64(k[len(pDrift):])
			oc.of(d.panels, panel).drift += b2i(ck.has) - b2i(ck.had)
			continue
		}
		st, seq, ok := parseJobEntry(k)
		if !ok {
			continue
		}
		for _, e := range []struct {
			on    bool
			panel uint64
			n     int
		}{{ck.had, ck.hadVal, -1}, {ck.has, ck.hasVal, 1}} {
			if !e.on {
				continue
			}
			if e.panel != 0 {
				oc.of(d.panels, e.panel).add(st, e.n)
				continue
			}
			var j Job
			if err := getJob(w.txn, seq, &j); err != nil {
				j = Job{Kind: JobMail}
			}
			oc.of(d.mail, w.s.mailUnit(w.txn, j)).add(st, e.n)
		}
	}
	return d
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseJobEntry splits idx/job/<state>/<seq>.
func parseJobEntry(key []byte) (JobState, uint64, bool) {
	rest := key[len(pIdxJob):]
	if len(rest) < 10 || rest[len(rest)-9] != '/' {
		return "", 0, false
	}
	return JobState(rest[:len(rest)-9]), binary.BigEndian.Uint64(rest[len(rest)-8:]), true
}

// apply adds a committed transaction's delta.
func (c *outboxCounts) apply(d countDelta) {
	if len(d.panels) == 0 && len(d.mail) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.panels == nil {
		c.panels, c.mail = map[uint64]*tally{}, map[uint64]*tally{}
	}
	for id, t := range d.panels {
		c.of(c.panels, id).plus(t)
	}
	for id, t := range d.mail {
		c.of(c.mail, id).plus(t)
	}
}

func (t *tally) plus(d *tally) {
	t.pending, t.keypad, t.failed, t.drift = t.pending+d.pending, t.keypad+d.keypad, t.failed+d.failed, t.drift+d.drift
}

// recount counts the job index and the drift records afresh: at Open, after
// a restore, and after a bulk commit that failed.
func (s *Store) recount() error {
	fresh := &outboxCounts{panels: map[uint64]*tally{}, mail: map[uint64]*tally{}}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, st := range []JobState{JobPending, jobKeypad, JobFailed} {
			prefix := jobStatePrefix(st)
			err := scan(txn, prefix, true, func(_, v []byte) error {
				if panel := entryPanel(v); panel != 0 {
					fresh.of(fresh.panels, panel).add(st, 1)
					return nil
				}
				var j Job
				if err := decodeJob(v, &j); err != nil {
					j = Job{Kind: JobMail}
				}
				fresh.of(fresh.mail, s.mailUnit(txn, j)).add(st, 1)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return scan(txn, pDrift, false, func(k, _ []byte) error {
			if len(k) == len(pDrift)+12 {
				fresh.of(fresh.panels, binary.BigEndian.Uint64(k[len(pDrift):])).drift++
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.counts.mu.Lock()
	s.counts.panels, s.counts.mail = fresh.panels, fresh.mail
	s.counts.mu.Unlock()
	return nil
}

// pendingTargets are the pending jobs by the counts, by target: panels,
// and 0 for the mail.
func (c *outboxCounts) pendingTargets() map[uint64]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[uint64]int, len(c.panels)+1)
	for id, t := range c.panels {
		if t.pending > 0 {
			out[id] = t.pending
		}
	}
	for _, t := range c.mail {
		if t.pending > 0 {
			out[0] += t.pending
		}
	}
	return out
}

// SyncCounts is the outbox and drift at a glance.
type SyncCounts struct {
	Pending int // jobs waiting for their device or the mail server
	Keypad  int // jobs waiting for an operator at a keypad
	Failed  int // jobs that failed for good
	Drift   int // users whose panel differs from the store
}

func (c *SyncCounts) add(t *tally) {
	c.Pending, c.Keypad, c.Failed, c.Drift = c.Pending+t.pending, c.Keypad+t.keypad, c.Failed+t.failed, c.Drift+t.drift
}

// SyncCounts counts the jobs and drift of one panel, or with panel 0 of
// every panel in the actor's scope plus all mail of the units in scope.
// It reads the counts kept in memory: its cost grows with the panels and
// units, not with the jobs.
func (s *Store) SyncCounts(a Actor, panel uint64) (SyncCounts, error) {
	var c SyncCounts
	if err := a.need(PermViewEquipment); err != nil {
		return c, err
	}
	// The tallies are copied first: the panels' scope is read from the
	// database, and commits must not wait for that.
	s.counts.mu.Lock()
	panels, mail := make(map[uint64]tally, len(s.counts.panels)), make(map[uint64]tally, len(s.counts.mail))
	for id, t := range s.counts.panels {
		panels[id] = *t
	}
	for id, t := range s.counts.mail {
		mail[id] = *t
	}
	s.counts.mu.Unlock()
	err := s.db.View(func(txn *badger.Txn) error {
		if panel != 0 {
			if _, err := s.readPanel(txn, a, panel); err != nil {
				return err
			}
			t := panels[panel]
			c.add(&t)
			return nil
		}
		inScope := s.panelScope(txn, a)
		for id, t := range panels {
			if inScope(id) {
				c.add(&t)
			}
		}
		for unit, t := range mail {
			if s.unitInScope(a, unit) {
				c.add(&t)
			}
		}
		return nil
	})
	return c, err
}
