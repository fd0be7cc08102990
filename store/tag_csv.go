package store

import (
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

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
	// Rows, when not nil, is handed every row as it is checked, in the
	// file's order, instead of TagImport.Rows (which then stays empty).
	// An error from it ends the import, which then writes nothing.
	Rows func(TagImportRow) error
}

const (
	maxImportBytes = 32 << 20
	// Staged parts of about 250 KB: four fill one staging transaction. A
	// row is at most a few KB (a person's text fields), so a part stays
	// far under Badger's batch limit.
	stagePartBytes = 250 << 10
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
	// before another starts: its rows were accepted.
	if err := s.resumeImports(nil); err != nil {
		return TagImport{}, err
	}
	res, chk, err := s.checkImport(a, r, o)
	if err != nil || o.DryRun {
		if IsRefusal(err) && !o.DryRun {
			at := &wtx{actor: a, action: "tag.import", place: "tag import " + o.Name}
			if lerr := s.logRefusal(at, err); lerr != nil {
				err = errors.Join(err, lerr)
			}
		}
		return res, err
	}
	if err := s.acceptImport(a, chk, o.Name); err != nil {
		return res, err
	}
	if err := s.writeStagedTags(o.Progress); err != nil {
		return res, err
	}
	res.Written = chk.rows
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

// checkImport reads the file and checks every row against the store as
// it reads, staging the good rows unless o.DryRun; a file refused leaves
// nothing staged.
func (s *Store) checkImport(a Actor, r io.Reader, o TagImportOptions) (TagImport, checkedImport, error) {
	var res TagImport
	var chk checkedImport
	if err := a.need(PermManageLocksTags | PermBulkImport); err != nil {
		return res, chk, err
	}
	ir := newImportReader(r)
	cols := map[string]int{}
	for i, c := range tagColumns {
		cols[c] = i
	}
	tally := importTally[TagImportRow, stagedTag]{each: o.Rows}
	if !o.DryRun {
		tally.stage = newStager(s, &tagImports, func(e *enc, r stagedTag) { r.encode(e) })
	}
	panels := map[uint64]bool{} // of the good rows, for the import's entry
	err := s.db.View(func(txn *badger.Txn) error {
		rules := s.newTagRules(txn, a, false)
		rules.bulk, rules.bulkUser = true, map[uint64]bool{}
		refs := newImportRefs(s, txn, a)
		return checkRows(ir, &tally, func(rec []string, _ int) (bool, error) {
			if !isHeader(rec) {
				return false, nil
			}
			var err error
			cols, err = headerColumns(rec)
			return true, err
		}, func(rec []string, line int) (TagImportRow, string, stagedTag, error) {
			row, st, err := checkImportRow(rules, refs, cols, rec, line)
			if err == nil && row.Problem == "" {
				panels[st.Panel] = true
			}
			return row, row.Problem, st, err
		}, func(line int, problem string) TagImportRow { return TagImportRow{Line: line, Problem: problem} })
	})
	res.Rows, res.Bad = tally.rows, tally.bad
	if err == nil {
		err = tally.verdict(fmt.Sprintf("the file holds no tags: give one row a tag (columns %s)", strings.Join(tagColumns, ", ")))
	}
	if err == nil && tally.stage != nil {
		err = tally.stage.done()
		chk.parts = tally.stage.parts
	}
	if err != nil {
		return res, chk, tally.stage.abandon(err)
	}
	chk.rows, chk.sum, chk.unit = tally.n, ir.digest(), importUnit(s, a, panels)
	return res, chk, nil
}

// isHeader reports whether a first row names columns: its first cell, or
// two of its cells, are column names. A row of data cannot be: it starts
// with a tag ID, and only its kind may be a column's word ("lock").
func isHeader(rec []string) bool {
	return looksLikeHeader(rec, func(cell string) bool {
		_, ok := columnName(cell)
		return ok
	})
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
			return csvValue(strings.TrimSpace(rec[i]))
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
		row.Tag = shorten(row.Tag)
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

// tagImports stages tag imports (see the comment at the top).
var tagImports = stagedImport{what: "tag import", rows: "tags", marker: kTagImport, stage: pStageTags}

// acceptImport commits the checked and staged import in one small
// transaction: the marker and the import's log entry.
func (s *Store) acceptImport(a Actor, chk checkedImport, name string) error {
	w := s.newWtx(a, "tag.import", "tag import "+name)
	w.unit = chk.unit
	w.log(nil, map[string]string{"tags": strconv.Itoa(chk.rows), "file": name, "sha256": hex.EncodeToString(chk.sum[:])})
	return s.accept(&tagImports, w, chk.rows, chk.parts)
}

// importUnit files the import's entry under its panels' unit, or the
// actor's first unit when the file spans units.
func importUnit(s *Store, a Actor, panels map[uint64]bool) uint64 {
	var unit uint64
	_ = s.db.View(func(txn *badger.Txn) error {
		for id := range panels {
			var p Panel
			if getJSON(txn, panelKey(id), &p) != nil || (unit != 0 && p.Unit != unit) {
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

// writeStagedTags writes the staged rows of the accepted import from
// where it stands.
func (s *Store) writeStagedTags(progress func(done, total int)) error {
	return writeStaged(s, &tagImports, decodeStaged, tagChunk, "tag.enrol", progress, func(m importMarker) (func(*wtx, stagedTag), error) {
		places := newImportPlaces(s)
		after := "log " + strconv.FormatUint(m.Entry, 10)
		return func(w *wtx, r stagedTag) {
			t := Tag{ID: r.Tag, Kind: r.Kind, Panel: r.Panel, Slot: r.Slot, Lock: r.Lock, Status: TagActive, Enrolled: m.Time}
			w.unit, w.place = places.of(r)
			w.panel, w.slot = r.Panel, r.Slot
			w.indexTag(t)
			w.queueTag(&t, OpAddTag, r.LockNo)
			w.writeTag(t)
			st := t.state()
			st["import"] = after
			w.log(nil, st)
		}, nil
	})
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
	if err := a.need(PermViewEquipment); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(tagColumns); err != nil {
		return 0, err
	}
	n := 0
	err := s.eachTag(a, func(t Tag) error {
		rec := []string{t.ID, string(t.Kind), strconv.FormatUint(t.Panel, 10), "", ""}
		if t.Slot != 0 {
			rec[3] = strconv.Itoa(t.Slot)
		}
		if t.Lock != 0 {
			rec[4] = strconv.FormatUint(t.Lock, 10)
		}
		n++
		return cw.Write(csvRecord(rec))
	})
	if err != nil {
		return 0, err
	}
	cw.Flush()
	return n, cw.Error()
}
