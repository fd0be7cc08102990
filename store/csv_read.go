package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// What the CSV imports (tags, people) share: reading the file, and the
// two-step write that makes a load too big for one transaction all or
// nothing (see the comment at the top of tag_csv.go).

// readImportFile reads an import file whole (it is checked whole before
// anything is written) and returns it without a UTF-8 byte order mark,
// with the SHA-256 of the file as given, for the log.
func readImportFile(r io.Reader) ([]byte, [32]byte, error) {
	var sum [32]byte
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return nil, sum, fmt.Errorf("read the import file: %w", err)
	}
	if len(data) > maxImportBytes {
		return nil, sum, refuse(ErrInvalid, "the file is larger than %d MiB: split it into smaller files", maxImportBytes>>20)
	}
	sum = sha256.Sum256(data)
	return bytes.TrimPrefix(data, []byte("\ufeff")), sum, nil
}

// readCSV calls row with every record of data and its line. A line that
// cannot be read as CSV goes to bad with the reason; a broken quote ends
// the reading, since what follows it cannot be told apart. Blank lines are
// skipped and line numbers stay the file's. An error from row stops it.
func readCSV(data []byte, row func(rec []string, line int) error, bad func(line int, problem string)) error {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffSeparator(data)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			bad(perr.StartLine, "the line cannot be read as CSV: "+perr.Err.Error())
			if errors.Is(perr.Err, csv.ErrQuote) || errors.Is(perr.Err, csv.ErrBareQuote) {
				return nil
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read the import file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if err := row(rec, line); err != nil {
			return err
		}
	}
}

// sniffSeparator picks ';' when the first line has more semicolons than
// commas outside quotes, as spreadsheets in comma-decimal locales write.
func sniffSeparator(data []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// importTally collects the checked rows of an import file: the preview
// (R), the staged form of the good ones (S), and the first bad one.
type importTally[R, S any] struct {
	rows         []R
	staged       []S
	bad          int
	firstLine    int
	firstProblem string
}

// add records a checked row; problem is empty for a good one.
func (t *importTally[R, S]) add(row R, line int, problem string, st S) {
	t.rows = append(t.rows, row)
	if problem == "" {
		t.staged = append(t.staged, st)
		return
	}
	if t.bad == 0 {
		t.firstLine, t.firstProblem = line, problem
	}
	t.bad++
}

// verdict refuses a file with no rows (saying empty) or with a bad row.
func (t *importTally[R, S]) verdict(empty string) error {
	switch {
	case len(t.rows) == 0:
		return refuse(ErrInvalid, "%s", empty)
	case t.bad > 0:
		return refuse(ErrInvalid, "%s of %d cannot be imported (first, line %d: %s): nothing was imported; fix every row listed and import the file again",
			plural(t.bad, "row", "rows"), len(t.rows), t.firstLine, t.firstProblem)
	}
	return nil
}

// errSkipRow from a row check leaves the record out: it holds nothing.
var errSkipRow = errors.New("nothing on the line")

// checkRows reads data's records into a tally. The first record goes to
// header, which says whether it was a header (if not, it is checked as a
// row); the others to check, which returns the row, its problem ("" for a
// good one) and its staged form. A line that is not CSV is a bad row made
// by bad. An error from header or check (not errSkipRow) is returned.
func checkRows[R, S any](data []byte, header func(rec []string, line int) (bool, error),
	check func(rec []string, line int) (R, string, S, error), bad func(line int, problem string) R) (importTally[R, S], error) {
	var t importTally[R, S]
	first := true
	err := readCSV(data, func(rec []string, line int) error {
		if first {
			first = false
			if isHeader, err := header(rec, line); isHeader || err != nil {
				return err
			}
		}
		row, problem, st, err := check(rec, line)
		switch {
		case errors.Is(err, errSkipRow):
			return nil
		case err == nil:
			t.add(row, line, problem, st)
		}
		return err
	}, func(line int, problem string) {
		var none S
		t.add(bad(line, problem), line, problem, none)
	})
	return t, err
}

// looksLikeHeader reports whether a first row names columns: its first
// cell, or two of its cells, are column names.
func looksLikeHeader(rec []string, known func(cell string) bool) bool {
	n := 0
	for _, cell := range rec {
		if known(cell) {
			n++
		}
	}
	return known(rec[0]) || n >= 2
}

// stagedImport describes one kind of import written in two steps: its
// checked rows are staged in parts under stage, then one small
// transaction writes the marker (and the import's log entry), which is the
// moment the import exists. Open finishes an accepted import and drops
// the staged parts of one never accepted.
type stagedImport struct {
	what   string // "tag import", for messages
	rows   string // "tags"
	marker []byte
	stage  []byte
}

func (si *stagedImport) partKey(part int) []byte { return k(si.stage, u32(uint32(part))) }

// importMarker is an accepted import still being written.
type importMarker struct {
	Operator string    `json:"operator"`
	Via      string    `json:"via"`
	Time     time.Time `json:"time"`
	Rows     int       `json:"rows"`
	Parts    int       `json:"parts"`
	Done     int       `json:"done"`  // rows written
	Entry    uint64    `json:"entry"` // the import's log entry
}

// stage writes the encoded parts, as many to a transaction as fit in
// bulkTxnBytes. Nothing staged is part of the database until accept
// commits.
func (s *Store) stage(k *stagedImport, parts [][]byte) error {
	for first := 0; first < len(parts); {
		txn := s.db.NewTransaction(true)
		size := 0
		for ; first < len(parts) && (size == 0 || size+len(parts[first]) < bulkTxnBytes); first++ {
			size += len(parts[first])
			if err := txn.Set(k.partKey(first), parts[first]); err != nil {
				txn.Discard()
				return s.abandonImport(k, fmt.Errorf("stage the %s: %w", k.what, err))
			}
		}
		if err := txn.Commit(); err != nil {
			return s.abandonImport(k, fmt.Errorf("stage the %s: %w", k.what, err))
		}
	}
	return nil
}

// accept commits w, which holds the import's log entry, with the marker:
// from then on the import is written whole, if need be at the next Open.
func (s *Store) accept(k *stagedImport, w *wtx, rows, parts int) error {
	a := w.actor
	w.set(k.marker, importMarker{Operator: a.name, Via: a.via, Time: s.now(), Rows: rows, Parts: parts, Entry: w.seqs.Log})
	if err := w.commit(); err != nil {
		w.txn.Discard()
		return s.abandonImport(k, err)
	}
	s.subs.publish(w.changes)
	return nil
}

// abandonImport deletes staged rows of an import that was not accepted.
func (s *Store) abandonImport(k *stagedImport, cause error) error {
	if err := s.dropStaged(k); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

func (s *Store) dropStaged(k *stagedImport) error {
	var keys [][]byte
	if err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, k.stage, false, func(key, _ []byte) error {
			keys = append(keys, bytes.Clone(key))
			return nil
		})
	}); err != nil || len(keys) == 0 {
		return err
	}
	return s.db.Update(func(txn *badger.Txn) error {
		for _, key := range keys {
			if err := txn.Delete(key); err != nil {
				return err
			}
		}
		return nil
	})
}

// resumeImports finishes every accepted import that a crash (or a failed
// write) cut short, and deletes the staged rows of those never accepted.
// The caller holds writeMu, or is Open. progress, when not nil, is told
// what is being finished and how far it is.
func (s *Store) resumeImports(progress func(step string, done, total int)) error {
	for _, imp := range []struct {
		k      *stagedImport
		finish func(progress func(done, total int)) error
	}{{&tagImports, s.writeStagedTags}, {&peopleImports, s.writeStagedPeople}} {
		k := imp.k
		var m importMarker
		found := false
		err := s.db.View(func(txn *badger.Txn) error {
			err := getJSON(txn, k.marker, &m)
			found = err == nil
			if errors.Is(err, badger.ErrKeyNotFound) {
				return nil
			}
			return err
		})
		switch {
		case err != nil:
			return fmt.Errorf("read the %s marker: %w", k.what, err)
		case found:
			var rows func(done, total int)
			if progress != nil {
				step := fmt.Sprintf("finishing the %s of %s that was accepted before guardroom stopped", k.what, m.Time.Local().Format("2006-01-02 15:04"))
				progress(step, m.Done, m.Rows)
				rows = func(done, total int) { progress(step, done, total) }
			}
			err = imp.finish(rows)
		default:
			err = s.dropStaged(k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// loadStaged reads the marker and hands each staged part to decode.
func (s *Store) loadStaged(k *stagedImport, decode func(d *dec)) (importMarker, error) {
	var m importMarker
	err := s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, k.marker, &m); err != nil {
			return err
		}
		for p := 0; p < m.Parts; p++ {
			item, err := txn.Get(k.partKey(p))
			if err != nil {
				return fmt.Errorf("staged part %d: %w", p, err)
			}
			if err := item.Value(func(v []byte) error {
				d := dec{b: v}
				for len(d.b) > 0 && d.err == nil {
					decode(&d)
				}
				return d.err
			}); err != nil {
				return fmt.Errorf("staged part %d: %w", p, err)
			}
		}
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("%s: %w", k.what, err)
	}
	return m, nil
}

// writeStaged writes rows m.Done to n of the accepted import in chunks
// like BulkSetCodes: one chunk is committed while the next is built, each
// moves the marker on, and the last deletes it with the staged parts. row
// adds row i to w; a chunk ends at chunk rows or bulkTxnBytes.
func (s *Store) writeStaged(k *stagedImport, m importMarker, n, chunk int, action string, progress func(done, total int), row func(w *wtx, i int)) error {
	if n != m.Rows {
		return fmt.Errorf("%s: %d staged rows, the marker says %d: %w", k.what, n, m.Rows, errCorrupt)
	}
	actor := Actor{name: m.Operator, via: m.Via}
	var inflight <-chan error
	var flying []Change
	written, flyingEnd := m.Done, m.Done
	settle := func() error {
		if inflight == nil {
			return nil
		}
		err := <-inflight
		inflight = nil
		if err != nil {
			if lerr := s.reloadHead(); lerr != nil { // the sequences moved on optimistically
				err = errors.Join(err, lerr)
			}
			return fmt.Errorf("%s: %d of %d %s written, then: %w; the rest is written when guardroom next opens the database", k.what, written, n, k.rows, err)
		}
		written = flyingEnd
		s.noteAccessChanges(flying)
		s.subs.publish(flying)
		if progress != nil {
			progress(written, n)
		}
		return nil
	}
	for start, end := m.Done, m.Done; start < n; start = end {
		w := s.newWtx(actor, action, "")
		for end = start; end < n && end-start < chunk && w.size < bulkTxnBytes; end++ {
			row(w, end)
		}
		m.Done = end
		if end == n {
			w.del(k.marker)
			for p := 0; p < m.Parts; p++ {
				w.del(k.partKey(p))
			}
		} else {
			w.set(k.marker, m)
		}
		if err := settle(); err != nil {
			w.txn.Discard()
			return err
		}
		inflight, flying, flyingEnd = w.commitAsync(), w.changes, end
	}
	return settle()
}

// encodeParts encodes rows in parts of stagePartBytes or a little more
// (the row that crosses it ends the part): a few parts fill a staging
// transaction, whatever the size of a row.
func encodeParts[T any](rows []T, encode func(e *enc, r T)) [][]byte {
	var parts [][]byte
	e := enc{}
	for _, r := range rows {
		encode(&e, r)
		if len(e.b) >= stagePartBytes {
			parts = append(parts, e.b)
			e = enc{}
		}
	}
	if len(e.b) > 0 {
		parts = append(parts, e.b)
	}
	return parts
}
