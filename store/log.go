package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Entry is one action-log record. It never holds a code, an OTP or a
// password: Before/After say "set" or "not set" for secrets.
type Entry struct {
	Seq      uint64            `json:"seq"`
	Time     time.Time         `json:"time"`
	Operator string            `json:"operator"`
	Via      string            `json:"via,omitempty"`
	Unit     uint64            `json:"unit,omitempty"`
	Place    string            `json:"place"`
	Panel    uint64            `json:"panel,omitempty"`
	Slot     int               `json:"slot,omitempty"`
	Account  string            `json:"account,omitempty"`
	Action   string            `json:"action"`
	Before   map[string]string `json:"before,omitempty"`
	After    map[string]string `json:"after,omitempty"`
	Result   string            `json:"result"`
	// Prev is the SHA-256 of the previous entry's stored bytes (hex), which
	// chains the log: changing or removing an entry breaks the next link.
	Prev string `json:"prev"`
}

// Refused reports whether the entry records a refused attempt.
func (e Entry) Refused() bool { return strings.HasPrefix(e.Result, "refused") }

// LogFilter narrows a log listing. Zero fields match everything.
type LogFilter struct {
	Operator string
	Panel    uint64
	Action   string // prefix match: "user." matches every panel-user action
	Since    time.Time
	Until    time.Time
	// Before lists entries older than this sequence number (paging).
	Before uint64
	Limit  int
}

func (f LogFilter) match(e *Entry) bool {
	return (f.Operator == "" || e.Operator == f.Operator) &&
		(f.Panel == 0 || e.Panel == f.Panel) &&
		(f.Action == "" || strings.HasPrefix(e.Action, f.Action)) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since)) &&
		(f.Until.IsZero() || e.Time.Before(f.Until))
}

// ListLog returns matching entries, newest first, that the actor may see:
// entries about units in their scope, and entries about no unit.
func (s *Store) ListLog(a Actor, f LogFilter) ([]Entry, error) {
	if err := a.need(PermViewActionLog); err != nil {
		return nil, err
	}
	var out []Entry
	err := s.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Reverse = true
		o.Prefix = pLog
		it := txn.NewIterator(o)
		defer it.Close()
		start := append(bytes.Clone(pLog), 0xff)
		if f.Before > 0 {
			start = logKey(f.Before - 1)
		}
		for it.Seek(start); it.ValidForPrefix(pLog); it.Next() {
			var e Entry
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &e) }); err != nil {
				return fmt.Errorf("log entry %x: %w", it.Item().Key(), err)
			}
			if !f.Since.IsZero() && e.Time.Before(f.Since) {
				break
			}
			if !f.match(&e) || (e.Unit != 0 && !s.unitInScope(a, e.Unit)) {
				continue
			}
			out = append(out, e)
			if f.Limit > 0 && len(out) >= f.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// LogEntry returns one entry by sequence number.
func (s *Store) LogEntry(a Actor, seq uint64) (Entry, error) {
	if err := a.need(PermViewActionLog); err != nil {
		return Entry{}, err
	}
	var e Entry
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, logKey(seq), &e) })
	if err == badger.ErrKeyNotFound || (err == nil && e.Unit != 0 && !s.unitInScope(a, e.Unit)) {
		return Entry{}, refuse(ErrNotFound, "no log entry %d", seq)
	}
	return e, err
}

// VerifyResult is the outcome of walking the log's hash chain.
type VerifyResult struct {
	Entries uint64
	// Omitted counts entries a scoped export holds only as sequence and
	// hash (entries about units outside the exporter's scope): the chain
	// still verifies through them, but their content is not in the file.
	Omitted int
	// BrokenAt is the first entry whose link does not hold (0: the chain is whole).
	BrokenAt uint64
	Problem  string
}

// OK reports whether the whole chain held.
func (r VerifyResult) OK() bool { return r.Problem == "" }

func (r VerifyResult) String() string {
	if r.OK() && r.Omitted > 0 {
		return fmt.Sprintf("action log verified: %d entries, chain intact; %d of them outside the exporter's organization units are present as hashes only", r.Entries, r.Omitted)
	}
	if r.OK() {
		return fmt.Sprintf("action log verified: %d entries, chain intact", r.Entries)
	}
	return fmt.Sprintf("action log broken at entry %d: %s", r.BrokenAt, r.Problem)
}

// VerifyLog walks the whole chain from the first entry to the recorded head
// and reports the first broken link. It needs the view-action-log permission
// but ignores scope: the chain is only checkable whole.
func (s *Store) VerifyLog(a Actor) (VerifyResult, error) {
	if err := a.need(PermViewActionLog); err != nil {
		return VerifyResult{}, err
	}
	var res VerifyResult
	err := s.db.View(func(txn *badger.Txn) error {
		var head []byte
		if item, err := txn.Get(kLogHead); err == nil {
			head, _ = item.ValueCopy(nil)
		}
		var sq seqs
		if err := getJSON(txn, kSeqs, &sq); err != nil {
			return err
		}
		res = verifyChain(func(fn func(chainItem) error) error {
			return scan(txn, pLog, true, func(k, v []byte) error {
				return fn(chainItem{seq: binary.BigEndian.Uint64(k[len(pLog):]), val: v})
			})
		}, head, sq.Log)
		return nil
	})
	return res, err
}

// chainItem is one link to check: the stored bytes of an entry, or for an
// entry omitted from a scoped export, only its sequence and hash.
type chainItem struct {
	seq     uint64
	val     []byte
	hash    [32]byte
	omitted bool
}

func verifyChain(each func(func(chainItem) error) error, head []byte, last uint64) VerifyResult {
	var res VerifyResult
	var prev [32]byte
	want := uint64(1)
	stop := fmt.Errorf("stop")
	err := each(func(it chainItem) error {
		seq := it.seq
		fail := func(at uint64, format string, args ...any) error {
			res.BrokenAt, res.Problem = at, fmt.Sprintf(format, args...)
			return stop
		}
		if seq != want {
			return fail(want, "entry %d is missing (next stored entry is %d)", want, seq)
		}
		if it.omitted {
			res.Omitted++
			prev = it.hash
		} else {
			var e Entry
			if err := json.Unmarshal(it.val, &e); err != nil {
				return fail(seq, "entry cannot be read: %v", err)
			}
			if e.Seq != seq {
				return fail(seq, "entry says it is number %d", e.Seq)
			}
			if e.Prev != hex.EncodeToString(prev[:]) {
				if seq == 1 {
					return fail(seq, "first entry does not start the chain")
				}
				return fail(seq, "link to entry %d does not match: entry %d was altered or replaced", seq-1, seq-1)
			}
			prev = sha256.Sum256(it.val)
		}
		res.Entries = seq
		want++
		return nil
	})
	if err != nil && err != stop {
		res.BrokenAt, res.Problem = want, err.Error()
	}
	if res.Problem != "" {
		return res
	}
	switch {
	case res.Entries > last:
		res.BrokenAt, res.Problem = last+1, fmt.Sprintf("the log holds %d entries but only %d were written: entry %d was added afterwards", res.Entries, last, last+1)
	case res.Entries < last:
		res.BrokenAt, res.Problem = res.Entries+1, fmt.Sprintf("the log ends at entry %d but %d entries were written: entries were removed", res.Entries, last)
	case last > 0 && !bytes.Equal(head, prev[:]):
		res.BrokenAt, res.Problem = last, fmt.Sprintf("entry %d does not match the recorded head: it was altered", last)
	}
	return res
}

// ExportLog writes the log as JSON lines, each entry with its stored body
// and hash so the chain can be checked offline with VerifyExport. Entries
// about units outside the actor's scope are written as sequence and hash
// only: the chain still verifies, and what was left out shows.
func (s *Store) ExportLog(a Actor, w io.Writer) (int, error) {
	if err := a.need(PermViewActionLog); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pLog, true, func(k, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			sum := sha256.Sum256(v)
			l := exportLine{Hash: hex.EncodeToString(sum[:])}
			if e.Unit != 0 && !s.unitInScope(a, e.Unit) {
				l.Seq, l.Omitted = binary.BigEndian.Uint64(k[len(pLog):]), true
			} else {
				l.Entry = json.RawMessage(v)
				n++
			}
			line, err := json.Marshal(l)
			if err != nil {
				return err
			}
			_, err = w.Write(append(line, '\n'))
			return err
		})
	})
	return n, err
}

type exportLine struct {
	Entry   json.RawMessage `json:"entry,omitempty"`
	Seq     uint64          `json:"seq,omitempty"`
	Omitted bool            `json:"omitted,omitempty"`
	Hash    string          `json:"hash"`
}

// VerifyExport checks an export written by ExportLog: every entry's hash and
// every link, through the omitted entries of a scoped export.
func VerifyExport(r io.Reader) (VerifyResult, error) {
	dec := json.NewDecoder(r)
	var items []chainItem
	for {
		var l exportLine
		err := dec.Decode(&l)
		if err == io.EOF {
			break
		}
		if err != nil {
			return VerifyResult{}, fmt.Errorf("read export line %d: %w", len(items)+1, err)
		}
		it := chainItem{seq: l.Seq, omitted: l.Omitted}
		h, err := hex.DecodeString(l.Hash)
		if err != nil || len(h) != 32 {
			h = make([]byte, 32) // a damaged hash then fails to match below
			if l.Omitted {
				return VerifyResult{Entries: uint64(len(items)), BrokenAt: l.Seq, Problem: "omitted entry's hash is damaged"}, nil
			}
		}
		copy(it.hash[:], h)
		if !l.Omitted {
			var e Entry
			if err := json.Unmarshal(l.Entry, &e); err != nil {
				return VerifyResult{}, fmt.Errorf("export line %d: %w", len(items)+1, err)
			}
			it.seq, it.val = e.Seq, l.Entry
			if sha256.Sum256(l.Entry) != it.hash {
				return VerifyResult{Entries: uint64(len(items)), BrokenAt: e.Seq, Problem: "entry does not match its hash: it was altered"}, nil
			}
		}
		items = append(items, it)
	}
	var last uint64
	var head []byte
	if len(items) > 0 {
		last = items[len(items)-1].seq
		head = items[len(items)-1].hash[:]
	}
	return verifyChain(func(fn func(chainItem) error) error {
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	}, head, last), nil
}
