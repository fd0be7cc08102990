package store

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime/debug"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// What the CSV imports (tags, people) share: reading the file, and the
// two-step write that makes a load too big for one transaction all or
// nothing (see the comment at the top of tag_csv.go).

// importGCPercent is the Go collector's target (GOGC) while an import
// writes. What such an import holds live is Badger's table builders
// (docs/PERFORMANCE.md §4), hundreds of MB of byte buffers that Badger
// frees and allocates again at every compaction; under the default 100
// the heap grows to twice that before a collection hands them back. At
// 50 it grows to 1.5 times: a million-person import peaked at 632 MB RSS
// (455 MB anonymous) where it peaked at 806 MB (584 MB), in 56 s against
// 70 s, one run each beside each other (docs/PERFORMANCE.md §12). The
// buffers hold no pointers, so the extra collections are cheap; at 25
// they were not (1,270 collections, 92 s).
const importGCPercent = 50

// lowerGC sets the collector's target to importGCPercent unless it is
// lower already (or off), and returns what sets it back. One import runs
// at a time (writeMu), so nothing else changes it meanwhile.
func lowerGC() (restore func()) {
	prev := debug.SetGCPercent(importGCPercent)
	if prev < 0 || prev <= importGCPercent {
		debug.SetGCPercent(prev)
		return func() {}
	}
	return func() { debug.SetGCPercent(prev) }
}

// importReader is an import file read as it streams, never whole: it
// hashes every byte as given (SHA-256, for the log) and refuses a file
// larger than maxImportBytes when the reading reaches that size.
type importReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newImportReader(r io.Reader) *importReader { return &importReader{r: r, h: sha256.New()} }

func (ir *importReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	ir.h.Write(p[:n])
	if ir.n += int64(n); ir.n > maxImportBytes {
		return n, refuse(ErrInvalid, "the file is larger than %d MiB: split it into smaller files", maxImportBytes>>20)
	}
	return n, err
}

// digest is the SHA-256 of what was read: the whole file once readCSV
// reached its end.
func (ir *importReader) digest() [32]byte {
	var sum [32]byte
	ir.h.Sum(sum[:0])
	return sum
}

// readCSV calls row with every record of the file and its line, reading
// it as it goes (without a UTF-8 byte order mark). A line that cannot be
// read as CSV goes to bad with the reason; a broken quote ends the
// reading, since what follows it cannot be told apart. Blank lines are
// skipped and line numbers stay the file's. An error from row stops it.
func readCSV(ir *importReader, row func(rec []string, line int) error, bad func(line int, problem string) error) error {
	br := bufio.NewReaderSize(ir, 64<<10)
	head, err := br.Peek(br.Size())
	if err != nil && err != io.EOF {
		if IsRefusal(err) {
			return err
		}
		return fmt.Errorf("read the import file: %w", err)
	}
	if bom := []byte("\ufeff"); bytes.HasPrefix(head, bom) {
		_, _ = br.Discard(len(bom))
		head = head[len(bom):]
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffSeparator(head)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if IsRefusal(err) { // a file too large
			return err
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			if err := bad(perr.StartLine, "the line cannot be read as CSV: "+perr.Err.Error()); err != nil {
				return err
			}
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

// sniffSeparator picks ';' when the first line (of data, the file's
// first bytes) has more semicolons than commas outside quotes, as
// spreadsheets in comma-decimal locales write.
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

// importTally counts the checked rows of an import file and hands each
// to the preview: kept in rows, or given to each when the caller shows
// them as they come (rows then stays empty, and a file of any size is
// checked in little memory). Good rows go to stage while every row so far
// is good (stage is nil for a dry run).
type importTally[R, S any] struct {
	rows         []R
	each         func(R) error
	stage        *stager[S]
	n, bad       int
	firstLine    int
	firstProblem string
}

// add records a checked row; problem is empty for a good one.
func (t *importTally[R, S]) add(row R, line int, problem string, st S) error {
	t.n++
	if t.each != nil {
		if err := t.each(row); err != nil {
			return err
		}
	} else {
		t.rows = append(t.rows, row)
	}
	switch {
	case problem == "" && t.bad == 0:
		return t.stage.add(st)
	case problem == "":
		return nil
	}
	if t.bad == 0 {
		t.firstLine, t.firstProblem = line, problem
	}
	t.bad++
	return nil
}

// verdict refuses a file with no rows (saying empty) or with a bad row.
func (t *importTally[R, S]) verdict(empty string) error {
	switch {
	case t.n == 0:
		return refuse(ErrInvalid, "%s", empty)
	case t.bad > 0:
		return refuse(ErrInvalid, "%s of %d cannot be imported (first, line %d: %s): nothing was imported; fix every row listed and import the file again",
			plural(t.bad, "row", "rows"), t.n, t.firstLine, t.firstProblem)
	}
	return nil
}

// errSkipRow from a row check leaves the record out: it holds nothing.
var errSkipRow = errors.New("nothing on the line")

// checkRows reads the file's records into t as it reads the file. The
// first record goes to header, which says whether it was a header (if
// not, it is checked as a row); the others to check, which returns the
// row, its problem ("" for a good one) and its staged form. A line that is
// not CSV is a bad row made by bad. An error from header or check (not
// errSkipRow), or from t, is returned; then, or when the file is refused
// (verdict), the rows staged so far are dropped.
func checkRows[R, S any](ir *importReader, t *importTally[R, S], header func(rec []string, line int) (bool, error),
	check func(rec []string, line int) (R, string, S, error), bad func(line int, problem string) R) error {
	first := true
	err := readCSV(ir, func(rec []string, line int) error {
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
			return t.add(row, line, problem, st)
		}
		return err
	}, func(line int, problem string) error {
		var none S
		return t.add(bad(line, problem), line, problem, none)
	})
	return err
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

// stager stages checked rows as the check reads them: encoded in parts
// of stagePartBytes or a little more (the row that crosses it ends the
// part, so a few parts fill a staging transaction whatever the size of a
// row), as many parts to a transaction as fit in bulkTxnBytes. Nothing
// staged is part of the database until accept commits; abandon drops it.
type stager[S any] struct {
	s      *Store
	k      *stagedImport
	encode func(e *enc, r S)
	e      enc
	txn    *badger.Txn
	size   int // of txn's parts
	parts  int
}

func newStager[S any](s *Store, k *stagedImport, encode func(e *enc, r S)) *stager[S] {
	return &stager[S]{s: s, k: k, encode: encode}
}

// add stages r; a nil stager (a dry run) stages nothing.
func (st *stager[S]) add(r S) error {
	if st == nil {
		return nil
	}
	st.encode(&st.e, r)
	if len(st.e.b) >= stagePartBytes {
		return st.flush()
	}
	return nil
}

// flush puts the part being encoded into the staging transaction,
// committing the transaction first when the part would overfill it.
func (st *stager[S]) flush() error {
	part := st.e.b
	st.e = enc{}
	if len(part) == 0 {
		return nil
	}
	if st.txn != nil && st.size+len(part) >= bulkTxnBytes {
		if err := st.commit(); err != nil {
			return err
		}
	}
	if st.txn == nil {
		st.txn, st.size = st.s.db.NewTransaction(true), 0
	}
	if err := st.txn.Set(st.k.partKey(st.parts), part); err != nil {
		return fmt.Errorf("stage the %s: %w", st.k.what, err)
	}
	st.parts++
	st.size += len(part)
	return nil
}

func (st *stager[S]) commit() error {
	txn := st.txn
	st.txn = nil
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("stage the %s: %w", st.k.what, err)
	}
	return nil
}

// done stages the last part: every row added is then staged.
func (st *stager[S]) done() error {
	if err := st.flush(); err != nil {
		return err
	}
	if st.txn != nil {
		return st.commit()
	}
	return nil
}

// abandon drops what was staged and returns cause; a nil stager has
// nothing to drop.
func (st *stager[S]) abandon(cause error) error {
	if st == nil {
		return cause
	}
	if st.txn != nil {
		st.txn.Discard()
		st.txn = nil
	}
	return st.s.abandonImport(st.k, cause)
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

// stagedRows reads the staged rows of an accepted import one part at a
// time, in order: what it holds is one part's rows, whatever the size of
// the import.
type stagedRows[S any] struct {
	s      *Store
	k      *stagedImport
	decode func(d *dec) S
	parts  int
	next   int // the part to read next
	buf    []S
	i      int
}

// each calls fn with every row of part p.
func (r *stagedRows[S]) each(txn *badger.Txn, p int, fn func(v S)) error {
	item, err := txn.Get(r.k.partKey(p))
	if err != nil {
		return fmt.Errorf("%s: staged part %d: %w", r.k.what, p, err)
	}
	if err := item.Value(func(v []byte) error {
		d := dec{b: v}
		for len(d.b) > 0 && d.err == nil {
			fn(r.decode(&d))
		}
		return d.err
	}); err != nil {
		return fmt.Errorf("%s: staged part %d: %w", r.k.what, p, err)
	}
	return nil
}

// count reads every part once: the number of rows staged.
func (r *stagedRows[S]) count() (int, error) {
	n := 0
	err := r.s.db.View(func(txn *badger.Txn) error {
		for p := 0; p < r.parts; p++ {
			if err := r.each(txn, p, func(S) { n++ }); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// row returns the next row.
func (r *stagedRows[S]) row() (S, error) {
	for r.i >= len(r.buf) {
		if r.next >= r.parts {
			var none S
			return none, fmt.Errorf("%s: fewer staged rows than counted: %w", r.k.what, errCorrupt)
		}
		r.buf, r.i = r.buf[:0], 0
		if err := r.s.db.View(func(txn *badger.Txn) error {
			return r.each(txn, r.next, func(v S) { r.buf = append(r.buf, v) })
		}); err != nil {
			var none S
			return none, err
		}
		r.next++
	}
	r.i++
	return r.buf[r.i-1], nil
}

// writeStaged writes the rows of the accepted import k from where it
// stands (the marker's Done) in chunks like BulkSetCodes: one chunk is
// committed while the next is built, each moves the marker on, and the
// last deletes it with the staged parts. The staged rows are read part by
// part as the chunks need them (decode reads one); the function writer
// makes from the marker adds one to w; a chunk ends at chunk rows or
// bulkTxnBytes.
func writeStaged[S any](s *Store, k *stagedImport, decode func(d *dec) S, chunk int, action string, progress func(done, total int),
	writer func(m importMarker) (func(w *wtx, r S), error)) error {
	var m importMarker
	if err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, k.marker, &m) }); err != nil {
		return fmt.Errorf("%s: %w", k.what, err)
	}
	row, err := writer(m)
	if err != nil {
		return err
	}
	rows := &stagedRows[S]{s: s, k: k, decode: decode, parts: m.Parts}
	n, err := rows.count()
	if err != nil {
		return err
	}
	if n != m.Rows {
		return fmt.Errorf("%s: %d staged rows, the marker says %d: %w", k.what, n, m.Rows, errCorrupt)
	}
	for range m.Done {
		if _, err := rows.row(); err != nil {
			return err
		}
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
			r, err := rows.row()
			if err != nil {
				w.txn.Discard()
				return errors.Join(err, settle())
			}
			row(w, r)
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
