package store

import (
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

// People import and export as CSV (issue 7, reference 004: bulk load of
// occupier users with their card IDs). docs/PEOPLE-CSV.md is the user's
// side of this.
//
// A people file starts with a header row naming its columns (see
// peopleColumns; a few other spellings are read too, and
// PeopleImportOptions.Map names the headings of files written by other
// systems). A file without one is refused rather than read by position:
// a file with fourteen possible columns read in the wrong order would put
// card numbers into apartments, and a header is what 004's "map fields"
// step works from.
//
// The load is all or nothing and written in the same two steps as the
// tag import (tag_csv.go): every row is checked, the checked rows are
// staged under stage/peopleimport/, one small transaction accepts the
// import (meta/peopleimport and the person.import log entry), then the
// people are written in chunks, each with its identifiers' index entries
// and its person.add log entry. Open finishes an accepted import cut
// short and drops staged rows of one never accepted.

// peopleColumns are the import and export columns, in export order.
var peopleColumns = []string{"name", "info", "apartment", "unit", "active", "offline", "valid_from", "valid_until",
	"card", "qr", "ukey", "face", "groups", "locks"}

// identColumns are the identifier columns and their kinds.
var identColumns = []struct {
	col  string
	kind access.Kind
}{{"card", access.KindCard}, {"qr", access.KindQR}, {"ukey", access.KindUKey}, {"face", access.KindFaceID}}

// colCode is what a column of access codes reads as: refused.
const colCode = "code"

// colIgnore is the Map target that leaves a column out.
const colIgnore = "-"

// listSep separates several values in one cell: cards, groups, locks.
const listSep = "|"

// PeopleImportOptions tune ImportPeople.
type PeopleImportOptions struct {
	// DryRun checks every row and returns the preview, writing nothing.
	DryRun bool
	// Name is the file's name, for the log.
	Name string
	// Unit is the organization unit of rows that name none.
	Unit uint64
	// Map maps the file's column headings to columns ("Card no" →
	// "card"); "-" leaves a column out. Headings match case-insensitively.
	Map map[string]string
	// EnableAll activates access control for every person imported,
	// whatever the file says (004: "Enable user access").
	EnableAll bool
	// CreateApartments adds the apartments the file names that do not
	// exist yet, in the person's unit; without it such a row is refused.
	CreateApartments bool
	// Progress, when not nil, is called after each chunk of people is
	// durable.
	Progress func(done, total int)
	// Rows, when not nil, is handed every row as it is checked, in the
	// file's order, instead of PeopleImport.Rows (which then stays
	// empty): a caller that shows the rows as they come holds none of
	// them, whatever the size of the file. An error from it ends the
	// import, which then writes nothing.
	Rows func(PeopleImportRow) error
}

// PeopleImportRow is one row of an import file as the import read it.
type PeopleImportRow struct {
	Line          int          `json:"line"`
	Name          string       `json:"name"`
	Info          string       `json:"info,omitempty"`
	Apartment     string       `json:"apartment,omitempty"`
	Unit          uint64       `json:"unit,omitempty"`
	Active        bool         `json:"active"`
	OfflineAccess bool         `json:"offline_access,omitempty"`
	ValidFrom     time.Time    `json:"valid_from,omitzero"`
	ValidUntil    time.Time    `json:"valid_until,omitzero"`
	Identifiers   []Identifier `json:"identifiers,omitempty"`
	Groups        []string     `json:"groups,omitempty"`
	Locks         []int        `json:"locks,omitempty"`
	// Problem says why the row cannot be imported (every reason, joined
	// by "; "); empty for a good row.
	Problem string `json:"problem,omitempty"`
}

// PeopleImport is the preview (and, once written, the result) of an
// import.
type PeopleImport struct {
	Rows    []PeopleImportRow `json:"rows"`
	Bad     int               `json:"bad"`
	Written int               `json:"written"`
}

// peopleChunk people of about 750 bytes each with one card (record 250,
// identifier index, log entry 390) fill a transaction to bulkTxnBytes;
// people with more make it end early on bytes. The fewer the commits, the
// fewer the fsyncs.
const peopleChunk = 1400

// peopleImports stages people imports.
var peopleImports = stagedImport{what: "people import", rows: "people", marker: kPeopleImport, stage: pStagePeople}

// ImportPeople reads a CSV file of people (see the comment above and
// docs/PEOPLE-CSV.md), checks every row, and writes them all or none. A
// file with any bad row is refused as a whole (a *Refusal of ErrInvalid)
// with the preview listing each row's problem and line; with DryRun the
// preview is returned and nothing is written either way. It needs the
// "manage people and access" and "bulk import" permissions.
func (s *Store) ImportPeople(a Actor, r io.Reader, o PeopleImportOptions) (PeopleImport, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.resumeImports(nil); err != nil {
		return PeopleImport{}, err
	}
	if !o.DryRun {
		// The check stages rows into Badger as it reads: its compactions
		// start then.
		defer lowerGC()()
	}
	res, chk, err := s.checkPeople(a, r, o)
	if err != nil || o.DryRun {
		if IsRefusal(err) && !o.DryRun {
			at := &wtx{actor: a, action: "person.import", place: "people import " + o.Name}
			if s.unitInScope(a, o.Unit) {
				at.unit = o.Unit
			}
			if lerr := s.logRefusal(at, err); lerr != nil {
				err = errors.Join(err, lerr)
			}
		}
		return res, err
	}
	w := s.newWtx(a, "person.import", "people import "+o.Name)
	w.unit = chk.unit
	after := map[string]string{"people": strconv.Itoa(chk.rows), "file": o.Name, "sha256": hex.EncodeToString(chk.sum[:])}
	if o.EnableAll {
		after["enable all"] = "true"
	}
	w.log(nil, after)
	if err := s.accept(&peopleImports, w, chk.rows, chk.parts); err != nil {
		return res, err
	}
	if err := s.writeStagedPeople(o.Progress); err != nil {
		return res, err
	}
	res.Written = chk.rows
	return res, nil
}

// checkedImport is what checking a good file leaves besides its preview:
// the rows staged (none for a dry run) in parts, the SHA-256 of the file
// as given, and the unit the import's log entry is filed under.
type checkedImport struct {
	rows, parts int
	sum         [32]byte
	unit        uint64
}

// entryUnit files an import's entry under its rows' unit, or the actor's
// first unit when the file spans units.
type entryUnit struct {
	unit  uint64
	mixed bool
}

func (u *entryUnit) add(unit uint64) {
	if u.unit == 0 && !u.mixed {
		u.unit = unit
	} else if unit != u.unit {
		u.mixed = true
	}
}

func (u *entryUnit) of(a Actor) uint64 {
	switch {
	case !u.mixed:
		return u.unit
	case len(a.units) > 0:
		return a.units[0]
	}
	return 0
}

// stagedIdent is a checked identifier; pooled when it was in the
// unassigned pool, which the import takes it out of.
type stagedIdent struct {
	Kind   access.Kind
	Value  string
	Pooled bool
}

// stagedPerson is one checked row, as staged: what writing the person
// needs.
type stagedPerson struct {
	Name, Info, Apartment string
	Unit                  uint64
	Active, Offline       bool
	ValidFrom, ValidUntil time.Time
	Groups                []uint32
	Locks                 []int
	Idents                []stagedIdent
}

func (p stagedPerson) encode(e *enc) {
	e.str(p.Name)
	e.str(p.Info)
	e.str(p.Apartment)
	e.uint(p.Unit)
	e.bool(p.Active)
	e.bool(p.Offline)
	e.time(p.ValidFrom)
	e.time(p.ValidUntil)
	e.uint(uint64(len(p.Groups)))
	for _, g := range p.Groups {
		e.uint(uint64(g))
	}
	e.uint(uint64(len(p.Locks)))
	for _, l := range p.Locks {
		e.uint(uint64(l))
	}
	e.uint(uint64(len(p.Idents)))
	for _, id := range p.Idents {
		e.uint(uint64(id.Kind))
		e.str(id.Value)
		e.bool(id.Pooled)
	}
}

// decodeStagedPerson reads what encode wrote; counts are bounded by what
// is left, so a corrupt part cannot ask for a huge allocation.
func decodeStagedPerson(d *dec) stagedPerson {
	p := stagedPerson{Name: d.str(), Info: d.str(), Apartment: d.str(), Unit: d.uint(), Active: d.bool(), Offline: d.bool()}
	if t := d.time(); !t.IsZero() {
		p.ValidFrom = t.UTC()
	}
	if t := d.time(); !t.IsZero() {
		p.ValidUntil = t.UTC()
	}
	count := func() int {
		n := d.uint()
		if n > uint64(len(d.b)) {
			d.err = errCorrupt
			return 0
		}
		return int(n)
	}
	for n := count(); n > 0 && d.err == nil; n-- {
		p.Groups = append(p.Groups, uint32(d.uint()))
	}
	for n := count(); n > 0 && d.err == nil; n-- {
		p.Locks = append(p.Locks, int(d.uint()))
	}
	for n := count(); n > 0 && d.err == nil; n-- {
		p.Idents = append(p.Idents, stagedIdent{Kind: access.Kind(d.uint()), Value: d.str(), Pooled: d.bool()})
	}
	return p
}

// peopleColumn reads a column name or one of its other spellings; a
// column of access codes reads as colCode.
func peopleColumn(cell string) (string, bool) {
	key := strings.ToLower(strings.TrimSpace(cell))
	key = strings.NewReplacer(" ", "_", "-", "_").Replace(key)
	switch key {
	case "full_name", "person":
		key = "name"
	case "access_control", "access_control_active", "access_active", "enabled":
		key = "active"
	case "offline_access":
		key = "offline"
	case "validfrom", "valid_since", "from":
		key = "valid_from"
	case "validuntil", "valid_to", "until", "expiry", "expires":
		key = "valid_until"
	case "card_id", "cardid", "card_ids", "card_no", "card_number", "cards":
		key = "card"
	case "qr_code", "qrcode", "qr_codes":
		key = "qr"
	case "u_key", "ukeys":
		key = "ukey"
	case "face_id", "faceid", "face_ids":
		key = "face"
	case "group", "access_group", "access_groups":
		key = "groups"
	case "lock", "lock_numbers", "lock_number":
		key = "locks"
	case "organization_unit", "org_unit":
		key = "unit"
	case "code", "codes", "access_code", "access_codes", "accesscode", "pin", "pin_code":
		key = colCode
	}
	return key, key == colCode || slices.Contains(peopleColumns, key)
}

// codeRefusal is the refusal of a column of access codes.
func codeRefusal(line int, heading string) error {
	return refuse(ErrInvalid, "line %d: column %q holds access codes: a file of access codes is a secret in clear text, so codes are never imported; "+
		"remove the column (and delete the file's copies) and give each person their code one by one", line, heading)
}

// peopleHeader maps the header's cells to column positions, using o.Map
// first. Every refusal names what to change.
func peopleHeader(rec []string, line int, mapping map[string]string) (map[string]int, error) {
	mapped := map[string]string{}
	// In order, so that the first bad mapping named is always the same.
	for _, heading := range slices.Sorted(maps.Keys(mapping)) {
		col := mapping[heading]
		to := colIgnore
		if strings.TrimSpace(col) != colIgnore {
			c, ok := peopleColumn(col)
			switch {
			case !ok:
				return nil, refuse(ErrInvalid, "the mapping %q=%q names no column: map to one of %s, or to - to leave it out",
					heading, col, strings.Join(peopleColumns, ", "))
			case c == colCode:
				return nil, codeRefusal(line, heading)
			}
			to = c
		}
		mapped[strings.ToLower(strings.TrimSpace(heading))] = to
	}
	known := func(cell string) bool {
		_, m := mapped[strings.ToLower(strings.TrimSpace(cell))]
		_, c := peopleColumn(cell)
		return m || c
	}
	if !looksLikeHeader(rec, known) {
		return nil, refuse(ErrInvalid, "line %d is not a header: a people file starts with a line naming its columns (%s); add one, or name your headings with a mapping (--map \"Card no=card\")",
			line, strings.Join(peopleColumns, ", "))
	}
	cols := map[string]int{}
	heads := map[string]string{}
	var unknown []string
	used := map[string]bool{}
	for i, cell := range rec {
		key := strings.ToLower(strings.TrimSpace(cell))
		col, isMapped := mapped[key]
		used[key] = isMapped
		if !isMapped {
			var ok bool
			if col, ok = peopleColumn(cell); !ok {
				if key == "" {
					// An unnamed column must be empty: checked per row.
					cols[fmt.Sprintf("#%d", i)] = i
					continue
				}
				unknown = append(unknown, strconv.Quote(strings.TrimSpace(cell)))
				continue
			}
		}
		switch {
		case col == colIgnore:
			continue
		case col == colCode:
			return nil, codeRefusal(line, strings.TrimSpace(cell))
		}
		if prev, dup := heads[col]; dup {
			return nil, refuse(ErrInvalid, "line %d: columns %q and %q both give %s: keep one, or map one of them to -", line, prev, strings.TrimSpace(cell), col)
		}
		cols[col], heads[col] = i, strings.TrimSpace(cell)
	}
	if len(unknown) > 0 {
		what := "column " + unknown[0] + " is"
		if len(unknown) > 1 {
			what = "columns " + strings.Join(unknown, ", ") + " are"
		}
		return nil, refuse(ErrInvalid, "line %d: %s not one of the columns %s: map each to a column (--map '%s=card') or leave it out (--map '%s=-')",
			line, what, strings.Join(peopleColumns, ", "), strings.Trim(unknown[0], `"`), strings.Trim(unknown[0], `"`))
	}
	for _, heading := range slices.Sorted(maps.Keys(mapped)) {
		if !used[heading] {
			return nil, refuse(ErrInvalid, "the mapping names the heading %q, which line %d does not have: check its spelling", heading, line)
		}
	}
	if _, ok := cols["name"]; !ok {
		return nil, refuse(ErrInvalid, "line %d: the header has no name column: every person needs a name (map yours with --map \"Full name=name\")", line)
	}
	return cols, nil
}

// peopleCheck holds what checking the rows of one file looks up once.
type peopleCheck struct {
	s    *Store
	w    *wtx // read only: the rules' helpers take a wtx
	o    PeopleImportOptions
	zone *time.Location
	cols map[string]int
	// width is the header's number of fields.
	width int
	// units and groups cache resolved references; held the identifiers
	// given so far (identSeen → line): a hash, not the value, so that a
	// file of a million cards is checked for repeats in 36 MB, not 68;
	// pool the unassigned identifiers.
	units  map[string]unitRef
	groups map[groupKey]groupRef
	apts   map[groupKey]error
	held   map[uint64]int
	seed   maphash.Seed
	pool   map[string]bool
	entry  entryUnit
}

type unitRef struct {
	id  uint64
	err error
}

type groupKey struct {
	unit uint64
	name string
}

type groupRef struct {
	id   uint32
	name string
	err  error
}

// checkPeople reads the file and checks every row against the store as
// it reads, staging the good rows unless o.DryRun; a file refused leaves
// nothing staged.
func (s *Store) checkPeople(a Actor, r io.Reader, o PeopleImportOptions) (PeopleImport, checkedImport, error) {
	var res PeopleImport
	var chk checkedImport
	if err := a.need(PermManagePeople | PermBulkImport); err != nil {
		return res, chk, err
	}
	ir := newImportReader(r)
	tally := importTally[PeopleImportRow, stagedPerson]{each: o.Rows}
	if !o.DryRun {
		tally.stage = newStager(s, &peopleImports, func(e *enc, p stagedPerson) { p.encode(e) })
	}
	var c *peopleCheck
	err := s.db.View(func(txn *badger.Txn) error {
		c = &peopleCheck{s: s, w: &wtx{s: s, txn: txn, actor: a}, o: o, units: map[string]unitRef{},
			groups: map[groupKey]groupRef{}, apts: map[groupKey]error{}, held: map[uint64]int{}, seed: maphash.MakeSeed(), pool: map[string]bool{}}
		if o.Unit != 0 {
			if err := c.w.personUnit(o.Unit); err != nil {
				return err
			}
		}
		set, err := readAccessSettings(txn)
		if err != nil {
			return err
		}
		if c.zone, err = time.LoadLocation(set.zone()); err != nil {
			return fmt.Errorf("the site's time zone: %w", err)
		}
		if err := scan(txn, pFreeIdent, false, func(k, _ []byte) error {
			c.pool[string(k[len(pFreeIdent):])] = true
			return nil
		}); err != nil {
			return err
		}
		return checkRows(ir, &tally, func(rec []string, line int) (bool, error) {
			var err error
			c.cols, err = peopleHeader(rec, line, o.Map)
			c.width = len(rec)
			return true, err
		}, func(rec []string, line int) (PeopleImportRow, string, stagedPerson, error) {
			if blank(rec) {
				return PeopleImportRow{}, "", stagedPerson{}, errSkipRow // a spreadsheet's empty row: ";;;;"
			}
			row, st, err := c.row(rec, line)
			if err == nil && row.Problem == "" {
				c.entry.add(st.Unit)
			}
			return row, row.Problem, st, err
		}, func(line int, problem string) PeopleImportRow { return PeopleImportRow{Line: line, Problem: problem} })
	})
	res.Rows, res.Bad = tally.rows, tally.bad
	if err == nil {
		err = tally.verdict(fmt.Sprintf("the file holds no people: give each person a line after the header (columns %s)", strings.Join(peopleColumns, ", ")))
	}
	if err == nil && tally.stage != nil {
		err = tally.stage.done()
		chk.parts = tally.stage.parts
	}
	if err != nil {
		return res, chk, tally.stage.abandon(err)
	}
	chk.rows, chk.sum, chk.unit = tally.n, ir.digest(), c.entry.of(a)
	return res, chk, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// row checks one record. Every problem of the row goes into the row, so
// the operator fixes the file in one pass; an error returned is the
// machine's.
func (c *peopleCheck) row(rec []string, line int) (PeopleImportRow, stagedPerson, error) {
	row := PeopleImportRow{Line: line}
	var problems []string
	var fatal error
	note := func(err error) {
		var r *Refusal
		switch {
		case err == nil:
		case errors.As(err, &r):
			problems = append(problems, r.Msg)
		case fatal == nil:
			fatal = err
		}
	}
	field := func(col string) string {
		if i, ok := c.cols[col]; ok && i < len(rec) {
			v := csvValue(strings.TrimSpace(rec[i]))
			if strings.ContainsAny(v, "\r\n") {
				// A line break typed in a spreadsheet cell is a space
				// in one-line fields.
				v = strings.Join(strings.Fields(lineBreaks.Replace(v)), " ")
			}
			return v
		}
		return ""
	}
	for col, i := range c.cols {
		if strings.HasPrefix(col, "#") && i < len(rec) && strings.TrimSpace(rec[i]) != "" {
			note(refuse(ErrInvalid, "field %d has a value but its column has no heading: name the column or empty it", i+1))
		}
	}
	if len(rec) > c.width && !blank(rec[c.width:]) {
		note(refuse(ErrInvalid, "%d fields, more than the header's %d: quote a value holding the separator", len(rec), c.width))
	}
	p := Person{}
	var err error
	p.Name, err = checkText("name", field("name"), true, maxPersonName)
	note(err)
	p.Info, err = checkText("info", field("info"), false, maxPersonInfo)
	note(err)
	p.Apartment, err = checkText("apartment", field("apartment"), false, maxPersonApartment)
	note(err)
	row.Name, row.Info, row.Apartment = shorten(field("name")), shorten(field("info")), shorten(field("apartment"))

	p.Unit = c.o.Unit
	if ref := field("unit"); ref != "" {
		p.Unit, err = c.unit(ref)
		note(err)
	} else if p.Unit == 0 {
		note(refuse(ErrInvalid, "no unit: give the person's organization unit in the unit column, or one for the whole file (--unit)"))
	}
	row.Unit = p.Unit

	p.Active = c.o.EnableAll
	if !c.o.EnableAll {
		p.Active, err = parseYesNo("active", field("active"))
		note(err)
	}
	p.OfflineAccess, err = parseYesNo("offline", field("offline"))
	note(err)
	row.Active, row.OfflineAccess = p.Active, p.OfflineAccess

	p.ValidFrom, err = c.when("valid_from", field("valid_from"), false)
	note(err)
	p.ValidUntil, err = c.when("valid_until", field("valid_until"), true)
	note(err)
	if !p.ValidFrom.IsZero() && !p.ValidUntil.IsZero() && !p.ValidUntil.After(p.ValidFrom) {
		// Said with the file's words: a date until is the day's end.
		note(refuse(ErrInvalid, "valid_until %q ends before valid_from %q starts: access would never start; fix one of them",
			field("valid_until"), field("valid_from")))
	}
	row.ValidFrom, row.ValidUntil = p.ValidFrom, p.ValidUntil

	for _, v := range splitList(field("locks")) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLockNumber {
			note(refuse(ErrInvalid, "lock %q is not a lock number: give numbers from 1 to %d separated by %s", v, maxLockNumber, listSep))
			continue
		}
		p.Locks = append(p.Locks, n)
	}
	st := stagedPerson{}
	for _, ic := range identColumns {
		for _, v := range splitList(field(ic.col)) {
			id, err := c.ident(ic.kind, v, line)
			note(err)
			if err == nil {
				st.Idents = append(st.Idents, id)
				row.Identifiers = append(row.Identifiers, Identifier{Kind: id.Kind, Value: id.Value})
			}
		}
	}
	if names := splitList(field("groups")); len(names) > 0 && p.Unit != 0 && c.s.unitInScope(c.w.actor, p.Unit) {
		for _, name := range names {
			g := c.group(p.Unit, name)
			note(g.err)
			if g.err == nil {
				p.Groups = append(p.Groups, g.id)
				row.Groups = append(row.Groups, g.name)
			}
		}
	}
	if name := p.Apartment; name != "" && p.Unit != 0 && c.s.unitInScope(c.w.actor, p.Unit) {
		note(c.apartment(p.Unit, name))
	}
	if len(problems) == 0 {
		// The rules AddPerson applies, with its words.
		note(checkPerson(&p))
		if len(problems) == 0 {
			note(c.w.checkPersonAccess(&p))
		}
	}
	row.Locks = p.Locks
	if fatal != nil {
		return row, stagedPerson{}, fatal
	}
	if len(problems) > 0 {
		row.Problem = strings.Join(problems, "; ")
		return row, stagedPerson{}, nil
	}
	st.Name, st.Info, st.Apartment, st.Unit = p.Name, p.Info, p.Apartment, p.Unit
	st.Active, st.Offline, st.ValidFrom, st.ValidUntil = p.Active, p.OfflineAccess, p.ValidFrom, p.ValidUntil
	st.Groups, st.Locks = p.Groups, p.Locks
	return row, st, nil
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func splitList(cell string) []string {
	var out []string
	for _, v := range strings.Split(cell, listSep) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func parseYesNo(col, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "no", "n", "false", "0", "off", "inactive":
		return false, nil
	case "yes", "y", "true", "1", "on", "active", "x":
		return true, nil
	}
	return false, refuse(ErrInvalid, "%s %q: write yes or no", col, v)
}

// when reads a time: RFC 3339, or a date in the site's time zone. A date
// is a whole day: valid_from starts at its first instant, valid_until
// ends after its last, as people read "valid until 30 June".
func (c *peopleCheck) when(col, v string, until bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, c.zone)
	if err != nil {
		return time.Time{}, refuse(ErrInvalid, "%s %q is not a date: write 2026-06-30, or a time such as 2026-06-30T18:00:00+03:00", col, v)
	}
	if until {
		d = d.AddDate(0, 0, 1)
	}
	return d.UTC(), nil
}

// unit resolves a unit column: number, name or path, in the actor's
// scope.
func (c *peopleCheck) unit(ref string) (uint64, error) {
	key := strings.ToLower(ref)
	if u, ok := c.units[key]; ok {
		return u.id, u.err
	}
	u, err := c.s.FindUnit(c.w.actor, ref)
	if err == nil {
		err = c.w.personUnit(u.ID)
	}
	c.units[key] = unitRef{u.ID, err}
	return u.ID, err
}

// group resolves an access group name for a person of unit.
// apartment refuses an apartment name no apartment of a related unit has
// (unless the import creates them) or several have.
func (c *peopleCheck) apartment(unit uint64, name string) error {
	key := groupKey{unit, strings.ToLower(name)}
	if err, ok := c.apts[key]; ok {
		return err
	}
	_, err := c.s.apartmentByName(c.w.txn, c.w.actor, unit, name)
	if errors.Is(err, ErrNotFound) {
		if c.o.CreateApartments {
			err = nil
		} else {
			err = refuse(ErrNotFound, "no apartment named %q for %s: add it first (guardroom apartment add), or import with --create-apartments",
				name, c.s.UnitPath(unit))
		}
	}
	c.apts[key] = err
	return err
}

func (c *peopleCheck) group(unit uint64, name string) groupRef {
	key := groupKey{unit, strings.ToLower(name)}
	if g, ok := c.groups[key]; ok {
		return g
	}
	g := groupRef{name: name}
	g.id, g.err = c.s.groupByName(c.w.txn, c.w.actor, unit, name)
	if g.err == nil {
		g.name = confName[AccessGroup](c.w.txn, &accessGroups, g.id)
	}
	c.groups[key] = g
	return g
}

// identSeen is the key of an identifier in held: a 64-bit hash of its
// kind and value under the check's random seed. Two identifiers of one
// file share one with a chance near 10⁻⁸ in a file of a million.
func (c *peopleCheck) identSeen(k access.Kind, v string) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteByte(byte(k))
	h.WriteString(v)
	return h.Sum64()
}

// ident checks one identifier: well formed, not given before in the file,
// held by nobody. Whoever holds it is named only when the operator sees
// them.
func (c *peopleCheck) ident(k access.Kind, v string, line int) (stagedIdent, error) {
	id, err := c.s.identifier(access.Identifier{Kind: k, Value: v})
	if err != nil {
		return stagedIdent{}, err
	}
	shown := id.shown().String()
	seen := c.identSeen(k, id.Value)
	switch at, ok := c.held[seen]; {
	case ok && at == line:
		return stagedIdent{}, refuse(ErrDuplicate, "%s is given twice on this line", shown)
	case ok:
		return stagedIdent{}, refuse(ErrDuplicate, "%s repeats line %d: an identifier is given to one person", shown, at)
	}
	holder, err := identHolder(c.w.txn, id)
	if err != nil {
		return stagedIdent{}, err
	}
	if holder != 0 {
		other, err := getPerson(c.w.txn, holder)
		if err != nil {
			return stagedIdent{}, fmt.Errorf("holder %d of %s: %w", holder, shown, err)
		}
		if !c.s.unitInScope(c.w.actor, other.Unit) {
			return stagedIdent{}, refuse(ErrDuplicate, "%s is already in use: identifiers are unique across the site", shown)
		}
		return stagedIdent{}, refuse(ErrDuplicate, "%s is held by %s already: identifiers are unique across the site; leave it out or remove it from them first", shown, other.Label())
	}
	// Mark it seen now, so that a repeat on the same line is caught too.
	c.held[seen] = line
	return stagedIdent{Kind: k, Value: id.Value, Pooled: c.pool[string(freeIdentKey(byte(k), id.Value)[len(pFreeIdent):])]}, nil
}

// writeStagedPeople writes the staged rows of the accepted import from
// where it stands. Each person gets a person.add entry naming the
// import's entry.
func (s *Store) writeStagedPeople(progress func(done, total int)) error {
	return writeStaged(s, &peopleImports, decodeStagedPerson, peopleChunk, "person.add", progress, func(m importMarker) (func(*wtx, stagedPerson), error) {
		apts, err := s.loadApartmentNames()
		after := "log " + strconv.FormatUint(m.Entry, 10)
		return func(w *wtx, st stagedPerson) {
			w.seqs.Person++
			apt, aptName := apts.id(w, st.Unit, st.Apartment)
			r := personRecord{Person: Person{ID: w.seqs.Person, Name: st.Name, Info: st.Info, ApartmentID: apt, Unit: st.Unit,
				Active: st.Active, OfflineAccess: st.Offline, ValidFrom: st.ValidFrom, ValidUntil: st.ValidUntil,
				Groups: st.Groups, Locks: st.Locks, Created: m.Time, Updated: m.Time}}
			for _, id := range st.Idents {
				ir := identRecord{Kind: id.Kind, Value: id.Value, Added: m.Time}
				r.Idents = append(r.Idents, ir)
				w.setRaw(identKey(byte(id.Kind), ir.indexValue()), u64(r.ID))
				if id.Pooled {
					w.del(freeIdentKey(byte(id.Kind), id.Value))
				}
			}
			w.unit, w.place = r.Unit, r.Label()
			w.writePerson(r)
			// The log's state names the apartment from the index: reading
			// it back per person was half of writing one at 300,000.
			named := r
			named.ApartmentID = 0
			state := named.state(s, w.txn)
			if apt != 0 {
				state["apartment"] = aptName
			}
			state["import"] = after
			w.log(nil, state)
		}, err
	})
}

// ExportPeople writes the people in the actor's scope as CSV with the
// import's columns, so the file imports back. Access codes are never
// written: the store cannot read them back, and a file of them would be a
// secret in clear text. It returns the number of people written.
func (s *Store) ExportPeople(a Actor, w io.Writer) (int, error) {
	if err := a.need(PermViewPanelUsers); err != nil {
		return 0, err
	}
	groupNames := map[uint32]string{}
	if err := s.db.View(func(txn *badger.Txn) error {
		return confScan[AccessGroup](txn, &accessGroups, func(g AccessGroup) error {
			groupNames[g.ID] = g.Name
			return nil
		})
	}); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(peopleColumns); err != nil {
		return 0, err
	}
	yesNo := map[bool]string{true: "yes", false: "no"}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	n := 0
	err := s.EachPerson(a, func(p Person) error {
		rec := []string{p.Name, p.Info, p.Apartment, s.UnitPath(p.Unit), yesNo[p.Active], yesNo[p.OfflineAccess],
			when(p.ValidFrom), when(p.ValidUntil)}
		for _, ic := range identColumns {
			var vals []string
			for _, id := range p.Identifiers {
				if id.Kind != ic.kind {
					continue
				}
				if strings.Contains(id.Value, listSep) {
					return refuse(ErrInvalid, "%s holds %s, whose %s would read back as two: the export cannot carry it; change that identifier first",
						p.Label(), id, listSep)
				}
				vals = append(vals, id.Value)
			}
			rec = append(rec, strings.Join(vals, listSep))
		}
		var groups, locks []string
		for _, g := range p.Groups {
			groups = append(groups, groupNames[g])
		}
		for _, l := range p.Locks {
			locks = append(locks, strconv.Itoa(l))
		}
		rec = append(rec, strings.Join(groups, listSep), strings.Join(locks, listSep))
		n++
		return cw.Write(csvRecord(rec))
	})
	if err != nil {
		return 0, err
	}
	cw.Flush()
	return n, cw.Error()
}

// apartmentIndex finds apartments by name for an import's write phase:
// the one of that name in a unit related to the person's (the check made
// sure there is at most one), added in the person's unit when there is
// none (the check allowed that only with CreateApartments).
type apartmentIndex struct {
	s      *Store
	byName map[string][]Apartment // lower-case name
}

func (s *Store) loadApartmentNames() (*apartmentIndex, error) {
	x := &apartmentIndex{s: s, byName: map[string][]Apartment{}}
	err := s.db.View(func(txn *badger.Txn) error {
		return confScan[Apartment](txn, &apartments, func(v Apartment) error {
			k := strings.ToLower(v.Name)
			x.byName[k] = append(x.byName[k], v)
			return nil
		})
	})
	return x, err
}

func (x *apartmentIndex) id(w *wtx, unit uint64, name string) (uint32, string) {
	if name == "" {
		return 0, ""
	}
	k := strings.ToLower(name)
	for _, v := range x.byName[k] {
		if x.s.related(unit, v.Unit) {
			return v.ID, v.Name
		}
	}
	id := w.newApartment(unit, name)
	x.byName[k] = append(x.byName[k], Apartment{ConfMeta: ConfMeta{ID: id, Unit: unit, Name: name}})
	return id, name
}
