package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// BulkCode is one user for BulkSetCodes.
type BulkCode struct {
	Slot int
	Code string
	CodeOptions
}

// bulkChunk is how many users go into one transaction: four keys each
// (user, code index, log entry, job) must stay under Badger's batch limit
// for an 8 MiB memtable.
const bulkChunk = 250

// BulkSetCodes sets codes on many empty slots of one panel. Every item is
// checked before anything is written, so a bad item refuses the whole load
// with its position; then the users are written in chunks, each chunk one
// transaction with every user's log entry and outbox job, so a crash leaves
// whole users only. progress, when not nil, is called after each chunk.
func (s *Store) BulkSetCodes(a Actor, panel uint64, items []BulkCode, progress func(done, total int)) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.bulkSetCodes(a, panel, items, progress)
	if IsRefusal(err) {
		// One entry for the refused load: nothing of it was written.
		at := &wtx{actor: a, action: "user.bulk-set-code", place: fmt.Sprintf("panel %d", panel), panel: panel}
		var p Panel
		if s.db.View(func(txn *badger.Txn) error { return getJSON(txn, panelKey(panel), &p) }) == nil {
			at.unit, at.place = p.Unit, p.Label()
		}
		if lerr := s.logRefusal(at, fmt.Errorf("%d users: %w", len(items), err)); lerr != nil {
			return errors.Join(err, lerr)
		}
	}
	return err
}

func (s *Store) bulkSetCodes(a Actor, panel uint64, items []BulkCode, progress func(done, total int)) error {
	if err := a.need(PermManagePanelUsers | PermBulkImport); err != nil {
		return err
	}
	var p Panel
	hashes := make([][]byte, len(items))
	users := make([]PanelUser, len(items))
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if p, err = s.readPanel(txn, a, panel); err != nil {
			return err
		}
		taken := make(map[string]int, len(items))
		seen := make(map[int]int, len(items))
		for i, it := range items {
			fail := func(err error) error {
				return refuse(err.(*Refusal).Kind, "item %d (slot %d): %s", i+1, it.Slot, err.Error())
			}
			if it.Slot < 1 || it.Slot > p.Slots {
				return fail(refuse(ErrNotFound, "%s has user slots 1-%d", p.Label(), p.Slots))
			}
			if first, dup := seen[it.Slot]; dup {
				return fail(refuse(ErrDuplicate, "slot appears twice (also item %d)", first+1))
			}
			seen[it.Slot] = i
			u, err := readUser(txn, p, it.Slot)
			if err != nil {
				return err
			}
			if u.CodeSet {
				return fail(refuse(ErrHasCode, "the slot has a code already"))
			}
			if err := applyCodeOptions(p, &u, it.CodeOptions); err != nil {
				return fail(err)
			}
			h, err := s.checkCode(txn, p, it.Slot, it.Code, taken)
			if err != nil {
				if IsRefusal(err) {
					return fail(err)
				}
				return err
			}
			taken[string(h)] = it.Slot
			hashes[i], users[i] = h, u
		}
		return nil
	})
	if err != nil {
		return err
	}
	for start := 0; start < len(items); start += bulkChunk {
		end := min(start+bulkChunk, len(items))
		w := s.newWtx(a, "user.set-code", "")
		w.unit = p.Unit
		for i := start; i < end; i++ {
			u := &users[i]
			w.place, w.panel, w.slot = fmt.Sprintf("%s user %d", p.Label(), u.Slot), p.ID, u.Slot
			before := emptyUser(p, u.Slot).state()
			s.writeNewCode(w, &p, u, hashes[i], items[i].Code)
			w.log(before, u.state())
		}
		if err := w.commit(); err != nil {
			w.txn.Discard()
			return fmt.Errorf("bulk set codes: %d of %d users written, then: %w", start, len(items), err)
		}
		s.subs.publish(w.changes)
		if progress != nil {
			progress(end, len(items))
		}
	}
	return nil
}
