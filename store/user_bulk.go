package store

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/dgraph-io/badger/v4"
)

// BulkCode is one user for BulkSetCodes.
type BulkCode struct {
	Slot int
	Code string
	CodeOptions
}

// A bulk transaction holds bulkChunk users (about 0.8 KB each with their
// log entry and binary job), under Badger's batch limit for an 8 MiB
// memtable (15%, 1.26 MB). Fewer, fuller commits make a bulk load fast:
// each commit is an fsync. bulkTxnBytes ends a chunk early should long
// labels make the users bigger than usual.
const (
	bulkChunk    = 1200
	bulkTxnBytes = 1100 << 10
)

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
		if s.db.View(func(txn *badger.Txn) error { return getJSON(txn, panelKey(panel), &p) }) == nil && s.unitInScope(a, p.Unit) {
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
		// One scan of the records the panel has, instead of a read per item.
		existing := map[int]PanelUser{}
		if err := scan(txn, userPrefix(p.ID), true, func(k, v []byte) error {
			var u PanelUser
			if err := decodeUser(k, v, &u); err != nil {
				return err
			}
			existing[u.Slot] = u
			return nil
		}); err != nil {
			return err
		}
		// A panel with no code has no code index to look in.
		codes := txn
		if p.CodesSet == 0 {
			codes = nil
		}
		for i, it := range items {
			fail := func(err error) error {
				return refuse(err.(*Refusal).Kind, "item %d (slot %d): %s", i+1, it.Slot, err.Error())
			}
			if it.Slot < 1 || it.Slot > p.Slots {
				return fail(slotRange(p))
			}
			if err := installerSlot(p, it.Slot); err != nil {
				return fail(err)
			}
			if first, dup := seen[it.Slot]; dup {
				return fail(refuse(ErrDuplicate, "slot appears twice (also item %d)", first+1))
			}
			seen[it.Slot] = i
			u, ok := existing[it.Slot]
			if !ok {
				u = emptyUser(p, it.Slot)
			}
			if err := ruleSetCode(p, u); err != nil {
				return fail(err)
			}
			if err := applyCodeOptions(p, &u, it.CodeOptions); err != nil {
				return fail(err)
			}
			h, err := s.checkCode(codes, p, it.Slot, it.Code, taken)
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
	// One chunk is written while the next is built: the two halves of the
	// work (encoding here, encrypting and writing in Badger) overlap. Commits
	// stay in order, and a chunk is reported only once it is durable.
	var inflight <-chan error
	var flying []Change
	written, flyingEnd := 0, 0
	settle := func() error {
		if inflight == nil {
			return nil
		}
		err := <-inflight
		inflight = nil
		if err != nil {
			if lerr := s.load(nil); lerr != nil { // the sequences moved on optimistically
				err = errors.Join(err, lerr)
			}
			return fmt.Errorf("bulk set codes: %d of %d users written, then: %w", written, len(items), err)
		}
		written = flyingEnd
		s.subs.publish(flying)
		if progress != nil {
			progress(written, len(items))
		}
		return nil
	}
	// What every user's entry shares, made once (the load's own work is
	// about a third of its CPU).
	place, before := p.Label()+" user ", map[string]string{"code": "not set"}
	for start, end := 0, 0; start < len(items); start = end {
		w := s.newWtx(a, "user.set-code", "")
		w.unit = p.Unit
		for end = start; end < len(items) && end-start < bulkChunk && w.size < bulkTxnBytes; end++ {
			i := end
			u := &users[i]
			w.place, w.panel, w.slot = place+strconv.Itoa(u.Slot), p.ID, u.Slot
			s.writeNewCode(w, &p, u, hashes[i], items[i].Code)
			w.log(before, u.state())
		}
		if err := settle(); err != nil {
			w.txn.Discard()
			return err
		}
		inflight, flying, flyingEnd = w.commitAsync(), w.changes, end
	}
	return settle()
}
