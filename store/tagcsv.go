package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Tag import and export as CSV, with the columns tag, kind, panel, slot,
// lock (a header row naming them is optional; without one they come in
// that order). Panel and lock are numbers or names; a door-lock tag's
// panel may be left out, it is the lock's.
//
// An import is all or nothing. Every row is checked first, with the rules
// and words of EnrolTag, and one bad row refuses the whole file. A good
// file of 50,000 tags is far more than one Badger transaction holds (about
// 1,200 tags with their log entries and jobs fit under the 1.26 MB batch
// limit of our 8 MiB memtables), so it is committed in two steps:
//
//  1. The checked rows are staged in compact form under stage/tagimport/
//     (about 30 bytes a tag, a few transactions), then one small
//     transaction accepts the import: it writes meta/tagimport and the
//     import's log entry. Before it commits, the import does not exist; a
//     crash leaves only staged rows, which the next Open deletes.
//  2. The tags are then written from the staged rows in chunks, each chunk
//     one transaction with every tag's index entries, log entry and job,
//     and the count of rows done in meta/tagimport; the last chunk deletes
//     the staged rows and the marker. A crash here is rolled forward: the
//     next Open writes the rest before anything else can use the database.
//
// So the database never holds part of an import that was not accepted,
// and every accepted import is written whole; while step 2 runs, other
// readers see the accepted import's tags appear chunk by chunk, as they see
// a bulk load's users. Staging full records instead of compact rows would
// write every tag twice; keeping one transaction would need a memtable
// near 350 MB.

// TagImportRow is one row of an import file as the import read it.
type TagImportRow struct {
	Line  int     `json:"line"`
	Tag   string  `json:"tag"` // canonical when it parsed, else as written
	Kind  TagKind `json:"kind,omitempty"`
	Panel uint64  `json:"panel,omitempty"`
	Slot  int     `json:"slot,omitempty"`
	Lock  uint64  `json:"lock,omitempty"`
	// Problem says why the row cannot be imported; empty for a good row.
	Problem string `json:"problem,omitempty"`
}

// TagImport is the preview (and, once written, the result) of an import.
type TagImport struct {
	Rows    []TagImportRow `json:"rows"`
	Bad     int            `json:"bad"`
	Written int            `json:"written"`
}

// TagImportOptions tune ImportTags.
type TagImportOptions struct {
	// DryRun checks every row and returns the preview, writing nothing.
	DryRun bool
	// Name is the file's name, for the log.
	Name string
	// Progress, when not nil, is called after each chunk of tags is
	// durable.
	Progress func(done, total int)
}

const (
	maxImportBytes = 32 << 20
	// stagePartRows rows of about 30 bytes make a part of about 250 KB, so
	// four parts fill one staging transaction.
	stagePartRows = 8192
	stagePartsTxn = 4
	// tagChunk tags of about 950 bytes each (record, owner index, log
	// entry, job, pending index) fill a transaction to bulkTxnBytes: the
	// fewer the commits, the fewer the fsyncs.
	tagChunk = 1150
)

// tagColumns are the import and export columns, in their default order.
var tagColumns = []string{"tag", "kind", "panel", "slot", "lock"}

// ImportTags reads a CSV file of tags (see the comment above), checks
// every row, and writes them all or none. A file with any bad row is
// refused as a whole with the preview listing each row's problem; with
// DryRun the preview is returned and nothing is written either way.
func (s *Store) ImportTags(a Actor, r io.Reader, o TagImportOptions) (TagImport, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	// An import cut short by a failed write in this process is finished
	// before another starts: its tags were accepted.
	if err := s.resumeTagImport(); err != nil {
		return TagImport{}, err
	}
	res, rows, sum, err := s.checkImport(a, r)
	if err != nil || o.DryRun {
		if IsRefusal(err) && !o.DryRun {
			at := &wtx{actor: a, action: "tag.import", place: "tag import " + o.Name}
			if lerr := s.logRefusal(at, err); lerr != nil {
				err = errors.Join(err, lerr)
			}
		}
		return res, err
	}
	if err := s.acceptImport(a, rows, sum, o.Name); err != nil {
		return res, err
	}
	if err := s.writeStagedTags(o.Progress); err != nil {
		return res, err
	}
	res.Written = len(rows)
	return res, nil
}

// stagedTag is one checked row, as staged: what writing the tag needs.
type stagedTag struct {
	Tag    string
	Kind   TagKind
	Panel  uint64
	Slot   int
	Lock   uint64
	LockNo int
}

func (t stagedTag) encode(e *enc) {
	e.str(t.Tag)
	e.str(string(t.Kind))
	e.uint(t.Panel)
	e.uint(uint64(t.Slot))
	e.uint(t.Lock)
	e.uint(uint64(t.LockNo))
}

func decodeStaged(d *dec) stagedTag {
	return stagedTag{Tag: d.str(), Kind: TagKind(d.str()), Panel: d.uint(), Slot: int(d.uint()), Lock: d.uint(), LockNo: int(d.uint())}
}

// checkImport parses the file and checks every row against the store.
func (s *Store) checkImport(a Actor, r io.Reader) (TagImport, []stagedTag, [32]byte, error) {
	var res TagImport
	var sum [32]byte
	if err := a.need(PermManageLocksTags | PermBulkImport); err != nil {
		return res, nil, sum, err
	}
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return res, nil, sum, fmt.Errorf("read the import file: %w", err)
	}
	if len(data) > maxImportBytes {
		return res, nil, sum, refuse(ErrInvalid, "the file is larger than %d MiB: split it into smaller files", maxImportBytes>>20)
	}
	sum = sha256.Sum256(data)
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffSeparator(data)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cols := map[string]int{}
	for i, c := range tagColumns {
		cols[c] = i
	}
	var staged []stagedTag
	err = s.db.View(func(txn *badger.Txn) error {
		rules := s.newTagRules(txn, a, false)
		rules.bulk, rules.bulkUser = true, map[uint64]bool{}
		refs := newImportRefs(s, txn, a)
		first := true
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil
			}
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				res.Rows = append(res.Rows, TagImportRow{Line: perr.StartLine, Problem: "the line cannot be read as CSV: " + perr.Err.Error()})
				res.Bad++
				if errors.Is(perr.Err, csv.ErrQuote) || errors.Is(perr.Err, csv.ErrBareQuote) {
					// A broken quote swallows the rest of the file: what
					// follows cannot be told apart.
					return nil
				}
				continue
			}
			if err != nil {
				return fmt.Errorf("read the import file: %w", err)
			}
			line, _ := cr.FieldPos(0)
			if first {
				first = false
				if isHeader(rec) {
					if cols, err = headerColumns(rec); err != nil {
						return err
					}
					continue
				}
			}
			row, st, err := checkImportRow(rules, refs, cols, rec, line)
			if err != nil {
				return err
			}
			if row.Problem != "" {
				res.Bad++
			} else {
				staged = append(staged, st)
			}
			res.Rows = append(res.Rows, row)
		}
	})
	if err != nil {
		return res, nil, sum, err
	}
	switch {
	case len(res.Rows) == 0:
		return res, nil, sum, refuse(ErrInvalid, "the file holds no tags: give one row a tag (columns %s)", strings.Join(tagColumns, ", "))
	case res.Bad > 0:
		first := res.Rows[0]
		for _, row := range res.Rows {
			if row.Problem != "" {
				first = row
				break
			}
		}
		return res, nil, sum, refuse(ErrInvalid, "%s of %d cannot be imported (first, line %d: %s): nothing was imported; fix every row listed and import the file again",
			plural(res.Bad, "row", "rows"), len(res.Rows), first.Line, first.Problem)
	}
	return res, staged, sum, nil
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

// isHeader reports whether a first row names columns: its first cell, or
// two of its cells, are column names. A row of data cannot be: it starts
// with a tag ID, and only its kind may be a column's word ("lock").
func isHeader(rec []string) bool {
	n := 0
	for _, cell := range rec {
		if _, ok := columnName(cell); ok {
			n++
		}
	}
	_, first := columnName(rec[0])
	return first || n >= 2
}

// columnName reads a header cell: a column or one of its other names.
func columnName(cell string) (string, bool) {
	key := strings.ToLower(strings.TrimSpace(cell))
	switch key {
	case "tag id", "tag_id", "tagid", "id":
		key = "tag"
	case "user", "owner":
		key = "slot"
	case "door lock":
		key = "lock"
	}
	return key, slices.Contains(tagColumns, key)
}

// headerColumns maps the header's names to their positions.
func headerColumns(rec []string) (map[string]int, error) {
	cols := map[string]int{}
	for i, name := range rec {
		key, known := columnName(name)
		if !known {
			return nil, refuse(ErrInvalid, "line 1: column %q is not one of %s: rename or remove it", name, strings.Join(tagColumns, ", "))
		}
		if _, dup := cols[key]; dup {
			return nil, refuse(ErrInvalid, "line 1: column %s appears twice", key)
		}
		cols[key] = i
	}
	for _, c := range tagColumns[:4] {
		if _, ok := cols[c]; !ok {
			return nil, refuse(ErrInvalid, "line 1: the header has no %s column: the columns are %s", c, strings.Join(tagColumns, ", "))
		}
	}
	return cols, nil
}

// importRefs resolves the panel and lock columns, numbers or names.
type importRefs struct {
	s      *Store
	txn    *badger.Txn
	a      Actor
	panels map[string]uint64 // lower-case name → id, in scope
	locks  map[string][]uint64
}

func newImportRefs(s *Store, txn *badger.Txn, a Actor) *importRefs {
	return &importRefs{s: s, txn: txn, a: a}
}

func (r *importRefs) panel(ref string) (uint64, error) {
	if id, err := strconv.ParseUint(ref, 10, 64); err == nil && id > 0 && len(ref) < 15 {
		return id, nil
	}
	if r.panels == nil {
		r.panels = map[string]uint64{}
		if err := scan(r.txn, pPanel, true, func(_, v []byte) error {
			var p Panel
			if err := jsonUnmarshal(v, &p); err != nil {
				return err
			}
			if r.s.unitInScope(r.a, p.Unit) {
				r.panels[strings.ToLower(p.Name)] = p.ID
				r.panels[p.IMEI] = p.ID
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	if id, ok := r.panels[strings.ToLower(ref)]; ok {
		return id, nil
	}
	return 0, refuse(ErrNotFound, "no panel %q in your organization units: give its number, name or IMEI", ref)
}

func (r *importRefs) lock(ref string) (uint64, error) {
	if id, err := strconv.ParseUint(ref, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	if r.locks == nil {
		r.locks = map[string][]uint64{}
		if err := scan(r.txn, pLock, true, func(_, v []byte) error {
			var l Lock
			if err := jsonUnmarshal(v, &l); err != nil {
				return err
			}
			if r.s.unitInScope(r.a, l.Unit) {
				key := strings.ToLower(l.Name)
				r.locks[key] = append(r.locks[key], l.ID)
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	switch ids := r.locks[strings.ToLower(ref)]; len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return 0, refuse(ErrNotFound, "no lock %q in your organization units: give its number or name", ref)
	default:
		return 0, refuse(ErrInvalid, "%d locks are named %q: give the lock's number", len(ids), ref)
	}
}

// checkImportRow reads one record and checks it with the store's rules. A
// problem with the row goes into the row; an error returned is the
// machine's.
func checkImportRow(rules *tagRules, refs *importRefs, cols map[string]int, rec []string, line int) (TagImportRow, stagedTag, error) {
	row := TagImportRow{Line: line}
	field := func(name string) string {
		if i, ok := cols[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row.Tag = field("tag")
	fail := func(err error) (TagImportRow, stagedTag, error) {
		var r *Refusal
		if !errors.As(err, &r) {
			return row, stagedTag{}, err
		}
		row.Problem = r.Msg
		return row, stagedTag{}, nil
	}
	if len(rec) > len(tagColumns) && len(rec) > len(cols) {
		return fail(refuse(ErrInvalid, "%d fields: a row has at most the %d columns %s", len(rec), len(cols), strings.Join(tagColumns, ", ")))
	}
	if row.Tag == "" {
		return fail(refuse(ErrInvalid, "no tag ID"))
	}
	t := Tag{ID: row.Tag}
	kind, err := ParseTagKind(field("kind"))
	if err != nil {
		return fail(err)
	}
	t.Kind, row.Kind = kind, kind
	if ref := field("panel"); ref != "" {
		if t.Panel, err = refs.panel(ref); err != nil {
			return fail(err)
		}
		row.Panel = t.Panel
	} else if kind == TagKeypad {
		return fail(refuse(ErrInvalid, "no panel: a keypad tag needs the panel whose keypads read it"))
	}
	if ref := field("lock"); ref != "" {
		if t.Lock, err = refs.lock(ref); err != nil {
			return fail(err)
		}
		row.Lock = t.Lock
	}
	if ref := field("slot"); ref != "" {
		n, err := strconv.Atoi(ref)
		if err != nil || n < 1 {
			// Not repeated: it may be a code typed in the wrong column.
			return fail(refuse(ErrInvalid, "the slot must be a panel user's number, from 1"))
		}
		t.Slot, row.Slot = n, n
	}
	if _, err := rules.check(&t); err != nil {
		if parsed, perr := canonicalTag(row.Tag); perr == nil {
			row.Tag = parsed
		}
		return fail(err)
	}
	rules.accept(t, line)
	row.Tag, row.Panel, row.Slot, row.Lock = t.ID, t.Panel, t.Slot, t.Lock
	st := stagedTag{Tag: t.ID, Kind: t.Kind, Panel: t.Panel, Slot: t.Slot, Lock: t.Lock}
	if t.Lock != 0 {
		l, _ := rules.lock(t.Lock)
		st.LockNo = l.Number
	}
	return row, st, nil
}

// tagImportMarker is meta/tagimport: an accepted import still being
// written.
type tagImportMarker struct {
	Operator string    `json:"operator"`
	Via      string    `json:"via"`
	Time     time.Time `json:"time"`
	Rows     int       `json:"rows"`
	Parts    int       `json:"parts"`
	Done     int       `json:"done"`  // rows written
	Entry    uint64    `json:"entry"` // the import's log entry
}

// acceptImport stages the checked rows, then commits the import in one
// small transaction: the marker and the import's log entry.
func (s *Store) acceptImport(a Actor, rows []stagedTag, sum [32]byte, name string) error {
	parts := (len(rows) + stagePartRows - 1) / stagePartRows
	for part := 0; part < parts; part += stagePartsTxn {
		txn := s.db.NewTransaction(true)
		for p := part; p < min(part+stagePartsTxn, parts); p++ {
			e := enc{b: make([]byte, 0, 32*stagePartRows)}
			for _, r := range rows[p*stagePartRows : min((p+1)*stagePartRows, len(rows))] {
				r.encode(&e)
			}
			if err := txn.Set(stageTagsKey(p), e.b); err != nil {
				txn.Discard()
				return s.abandonImport(fmt.Errorf("stage the tag import: %w", err))
			}
		}
		if err := txn.Commit(); err != nil {
			return s.abandonImport(fmt.Errorf("stage the tag import: %w", err))
		}
	}
	w := s.newWtx(a, "tag.import", "tag import "+name)
	w.unit = importUnit(s, a, rows)
	w.log(nil, map[string]string{"tags": strconv.Itoa(len(rows)), "file": name, "sha256": hex.EncodeToString(sum[:])})
	w.set(kTagImport, tagImportMarker{Operator: a.name, Via: a.via, Time: s.now(), Rows: len(rows), Parts: parts, Entry: w.seqs.Log})
	if err := w.commit(); err != nil {
		w.txn.Discard()
		return s.abandonImport(err)
	}
	s.subs.publish(w.changes)
	return nil
}

// importUnit files the import's entry under its panels' unit, or the
// actor's first unit when the file spans units.
func importUnit(s *Store, a Actor, rows []stagedTag) uint64 {
	var unit uint64
	_ = s.db.View(func(txn *badger.Txn) error {
		seen := map[uint64]bool{}
		for _, r := range rows {
			if seen[r.Panel] {
				continue
			}
			seen[r.Panel] = true
			var p Panel
			if getJSON(txn, panelKey(r.Panel), &p) != nil || (unit != 0 && p.Unit != unit) {
				unit = 0
				break
			}
			unit = p.Unit
		}
		return nil
	})
	if unit == 0 && len(a.units) > 0 {
		unit = a.units[0]
	}
	return unit
}

// abandonImport deletes staged rows of an import that was not accepted.
func (s *Store) abandonImport(cause error) error {
	if err := s.dropStagedTags(); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

func (s *Store) dropStagedTags() error {
	var keys [][]byte
	if err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pStageTags, false, func(k, _ []byte) error {
			keys = append(keys, bytes.Clone(k))
			return nil
		})
	}); err != nil || len(keys) == 0 {
		return err
	}
	return s.db.Update(func(txn *badger.Txn) error {
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// resumeTagImport finishes an accepted import that a crash (or a failed
// write) cut short, and deletes the staged rows of one never accepted.
// The caller holds writeMu, or is Open.
func (s *Store) resumeTagImport() error {
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(kTagImport)
		found = err == nil
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		return err
	})
	switch {
	case err != nil:
		return fmt.Errorf("read the tag import marker: %w", err)
	case found:
		return s.writeStagedTags(nil)
	}
	return s.dropStagedTags()
}

// writeStagedTags writes the staged rows of the accepted import from
// where it stands, in chunks like BulkSetCodes: one chunk is written while
// the next is built, and each chunk moves the marker on, the last one
// deleting it with the staged rows.
func (s *Store) writeStagedTags(progress func(done, total int)) error {
	var m tagImportMarker
	var rows []stagedTag
	if err := s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, kTagImport, &m); err != nil {
			return err
		}
		for p := 0; p < m.Parts; p++ {
			item, err := txn.Get(stageTagsKey(p))
			if err != nil {
				return fmt.Errorf("staged part %d: %w", p, err)
			}
			if err := item.Value(func(v []byte) error {
				d := dec{b: v}
				for len(d.b) > 0 && d.err == nil {
					rows = append(rows, decodeStaged(&d))
				}
				return d.err
			}); err != nil {
				return fmt.Errorf("staged part %d: %w", p, err)
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("tag import: %w", err)
	}
	if len(rows) != m.Rows {
		return fmt.Errorf("tag import: %d staged rows, the marker says %d: %w", len(rows), m.Rows, errCorrupt)
	}
	actor := Actor{name: m.Operator, via: m.Via}
	places := newImportPlaces(s)
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
			return fmt.Errorf("tag import: %d of %d tags written, then: %w; the rest is written when guardroom next opens the database", written, len(rows), err)
		}
		written = flyingEnd
		s.subs.publish(flying)
		if progress != nil {
			progress(written, len(rows))
		}
		return nil
	}
	for start, end := m.Done, m.Done; start < len(rows); start = end {
		w := s.newWtx(actor, "tag.enrol", "")
		after := "log " + strconv.FormatUint(m.Entry, 10)
		for end = start; end < len(rows) && end-start < tagChunk && w.size < bulkTxnBytes; end++ {
			r := rows[end]
			t := Tag{ID: r.Tag, Kind: r.Kind, Panel: r.Panel, Slot: r.Slot, Lock: r.Lock, Status: TagActive, Enrolled: m.Time}
			w.unit, w.place = places.of(r)
			w.panel, w.slot = r.Panel, r.Slot
			w.indexTag(t)
			w.queueTag(&t, OpAddTag, r.LockNo)
			w.writeTag(t)
			st := t.state()
			st["import"] = after
			w.log(nil, st)
		}
		m.Done = end
		if end == len(rows) {
			w.del(kTagImport)
			for p := 0; p < m.Parts; p++ {
				w.del(stageTagsKey(p))
			}
		} else {
			w.set(kTagImport, m)
		}
		if err := settle(); err != nil {
			w.txn.Discard()
			return err
		}
		inflight, flying, flyingEnd = w.commitAsync(), w.changes, end
	}
	return settle()
}

// reloadHead reads the sequences and the log head back after a failed
// commit moved them on in memory.
func (s *Store) reloadHead() error {
	return s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, kSeqs, &s.seqs); err != nil {
			return err
		}
		item, err := txn.Get(kLogHead)
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			copy(s.logHead[:], v)
			return nil
		})
	})
}

// importPlaces names each imported tag's place for the log, reading each
// panel and lock once.
type importPlaces struct {
	s      *Store
	panels map[uint64]Panel
	locks  map[uint64]Lock
}

func newImportPlaces(s *Store) *importPlaces {
	return &importPlaces{s: s, panels: map[uint64]Panel{}, locks: map[uint64]Lock{}}
}

func (ip *importPlaces) of(r stagedTag) (uint64, string) {
	p, ok := ip.panels[r.Panel]
	if !ok {
		_ = ip.s.db.View(func(txn *badger.Txn) error { return getJSON(txn, panelKey(r.Panel), &p) })
		ip.panels[r.Panel] = p
	}
	if r.Lock == 0 {
		return p.Unit, p.Label() + " tag " + r.Tag
	}
	l, ok := ip.locks[r.Lock]
	if !ok {
		_ = ip.s.db.View(func(txn *badger.Txn) error {
			var err error
			l, err = getLock(txn, r.Lock)
			return err
		})
		ip.locks[r.Lock] = l
	}
	return p.Unit, p.Label() + " " + l.Label() + " tag " + r.Tag
}

// ExportTags writes the tags in the actor's scope as CSV with the import's
// columns; an unassigned tag has no slot or lock. It returns the number
// of tags written.
func (s *Store) ExportTags(a Actor, w io.Writer) (int, error) {
	tags, err := s.ListTags(a)
	if err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(tagColumns); err != nil {
		return 0, err
	}
	for _, t := range tags {
		rec := []string{t.ID, string(t.Kind), strconv.FormatUint(t.Panel, 10), "", ""}
		if t.Slot != 0 {
			rec[3] = strconv.Itoa(t.Slot)
		}
		if t.Lock != 0 {
			rec[4] = strconv.FormatUint(t.Lock, 10)
		}
		if err := cw.Write(rec); err != nil {
			return 0, err
		}
	}
	cw.Flush()
	return len(tags), cw.Error()
}
