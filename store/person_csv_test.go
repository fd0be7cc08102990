package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

func (f *fx) importPeople(a Actor, file string, o PeopleImportOptions) (PeopleImport, error) {
	f.t.Helper()
	if o.Name == "" {
		o.Name = "people.csv"
	}
	return f.s.ImportPeople(a, strings.NewReader(file), o)
}

// dump is every key and value of the database but the log's chain (log
// entries, head and sequences), to show that a refused import changed
// nothing else.
func (f *fx) dump() map[string]string {
	f.t.Helper()
	m := map[string]string{}
	err := f.s.db.View(func(txn *badger.Txn) error {
		return scan(txn, nil, true, func(k, v []byte) error {
			if !bytes.HasPrefix(k, pLog) && !bytes.Equal(k, kLogHead) && !bytes.Equal(k, kSeqs) {
				m[string(k)] = string(v)
			}
			return nil
		})
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// peopleStaged reports whether a people import's marker or staged rows
// are left.
func (f *fx) peopleStaged() bool { return f.stagedLeft(&peopleImports) }

// stagedLeft reports whether an import of kind k left its marker or
// staged parts.
func (f *fx) stagedLeft(k *stagedImport) bool {
	f.t.Helper()
	left := false
	err := f.s.db.View(func(txn *badger.Txn) error {
		if _, err := txn.Get(k.marker); err == nil {
			left = true
		}
		return scan(txn, k.stage, false, func(_, _ []byte) error { left = true; return nil })
	})
	f.must(err)
	return left
}

func (f *fx) peopleNames(a Actor) []string {
	f.t.Helper()
	ps, err := f.s.ListPeople(a)
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names
}

func identText(ids []Identifier) string {
	var out []string
	for _, id := range ids {
		out = append(out, id.String())
	}
	return strings.Join(out, ", ")
}

func TestImportPeople(t *testing.T) {
	f := newFx(t)
	f.must(f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "Europe/Helsinki"}))
	hq := f.unit(RootUnit, "HQ", UnitSite)
	site := f.accessSite(hq.ID)
	f.person("Old Timer", hq.ID, card("1"))
	f.apartment(hq.ID, "A 12")
	var mu sync.Mutex
	var progress []int
	// A spreadsheet's export in a comma-decimal locale: BOM, semicolons,
	// CRLF, a quoted field with the separator and a line break inside,
	// UTF-8 names, a blank line and an empty row.
	file := "\ufeffName;Info;Apartment;Unit;Access control;Offline access;Valid from;Valid until;Card ID;QR code;UKey;Face ID;Access groups;Locks\r\n" +
		"Åsa Öberg;\"night shift; north\r\nwing\";A 12;HQ;yes;no;2026-06-01;2026-06-30;010:00456|77;qr-åsa;uk-1;enrol/7;" + site.staff.Name + ";2|1\r\n" +
		"\r\n" +
		";;;;;;;;;;;;;\r\n" +
		"\"Jürgen \"\"Jo\"\" Weiß\";;;Organization / HQ;no;yes;2026-07-01T08:00:00+03:00;;78;;;;;\r\n" +
		"山田 太郎;;;;;;;;79;;;;;\r\n"
	seq := f.logSeq()
	res, err := f.importPeople(f.admin, file, PeopleImportOptions{Unit: hq.ID, Progress: func(done, total int) {
		mu.Lock()
		progress = append(progress, done, total)
		mu.Unlock()
	}})
	fxWant(t, err, nil)
	if res.Bad != 0 || res.Written != 3 || len(res.Rows) != 3 {
		t.Fatalf("result %+v", res)
	}
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	r0 := res.Rows[0]
	if r0.Line != 2 || r0.Name != "Åsa Öberg" || r0.Info != "night shift; north wing" || r0.Unit != hq.ID || !r0.Active || r0.OfflineAccess ||
		!r0.ValidFrom.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, helsinki)) || !r0.ValidUntil.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, helsinki)) ||
		identText(r0.Identifiers) != "card 10:456, card 77, QR code qr-åsa, UKey uk-1, face ID enrol/7" ||
		!slices.Equal(r0.Groups, []string{site.staff.Name}) || !slices.Equal(r0.Locks, []int{1, 2}) {
		t.Fatalf("row 0 %+v", r0)
	}
	if r := res.Rows[1]; r.Line != 6 || r.Name != `Jürgen "Jo" Weiß` || r.Active || !r.OfflineAccess ||
		!r.ValidFrom.Equal(time.Date(2026, 7, 1, 5, 0, 0, 0, time.UTC)) || !r.ValidUntil.IsZero() {
		t.Fatalf("row 1 %+v", r)
	}
	if r := res.Rows[2]; r.Line != 7 || r.Name != "山田 太郎" || r.Unit != hq.ID {
		t.Fatalf("row 2 %+v", r)
	}
	if !slices.Equal(progress, []int{3, 3}) {
		t.Fatalf("progress %v", progress)
	}
	ps, err := f.s.ListPeople(f.admin)
	fxWant(t, err, nil)
	if len(ps) != 4 {
		t.Fatalf("people %+v", ps)
	}
	asa := ps[1]
	if asa.Name != "Åsa Öberg" || asa.Unit != hq.ID || !slices.Equal(asa.Groups, []uint32{site.staff.ID}) || identText(asa.Identifiers) != identText(r0.Identifiers) ||
		asa.Created.IsZero() {
		t.Fatalf("Åsa %+v", asa)
	}
	// The identifiers are indexed: found by any spelling, and by the
	// engine, which the import marked stale.
	if p, err := f.s.FindPersonByIdentifier(f.admin, card("10:0456")); err != nil || p.ID != asa.ID {
		t.Fatalf("find: %+v %v", p, err)
	}
	eng, _, err := f.s.engine()
	fxWant(t, err, nil)
	if id, ok := eng.Holder(access.Identifier{Kind: access.KindCard, Value: "79"}); !ok || uint64(id) != ps[3].ID {
		t.Fatalf("the engine does not know card 79: %v %v", id, ok)
	}
	es := f.log()[:f.logSeq()-seq]
	slices.Reverse(es)
	if len(es) != 4 || es[0].Action != "person.import" || es[0].After["people"] != "3" || es[0].After["file"] != "people.csv" ||
		len(es[0].After["sha256"]) != 64 || es[0].Unit != hq.ID {
		t.Fatalf("log %+v", es)
	}
	for i, e := range es[1:] {
		if e.Action != "person.add" || e.After["import"] != fmt.Sprintf("log %d", es[0].Seq) || e.Result != "ok" || e.Place != ps[i+1].Label() {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if res, err := f.s.VerifyLog(f.admin); err != nil || !res.OK() {
		t.Fatalf("verify %v %v", res, err)
	}
	if f.peopleStaged() {
		t.Fatal("the import left its marker or staged rows")
	}
}

// TestImportPeopleAllOrNothing: one bad row, the last, refuses the file
// and the database is as it was, but for the refusal's log entry.
func TestImportPeopleAllOrNothing(t *testing.T) {
	cases := []struct {
		name, last, says string
	}{
		{"card held in the store", "Last,5", "line 42: card 5 is held by person 1 Holder already"},
		{"card repeated in the file", "Last,0102", "line 42: card 102 repeats line 2: an identifier is given to one person"},
		{"malformed card", "Last,12a", `line 42: card "12a" is neither a number nor facility:card`},
		{"no name", ",999", "line 42: the name is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			f.person("Holder", RootUnit, card("5"))
			var b strings.Builder
			b.WriteString("name,card\n")
			for i := 2; i <= 41; i++ {
				fmt.Fprintf(&b, "Person %d,%d\n", i, 100+i)
			}
			b.WriteString(c.last + "\n")
			before, seq := f.dump(), f.logSeq()
			res, err := f.importPeople(f.admin, b.String(), PeopleImportOptions{Unit: RootUnit})
			fxWant(t, err, ErrInvalid, "1 row of 41 cannot be imported (first, "+c.says, "nothing was imported")
			if res.Bad != 1 || len(res.Rows) != 41 || res.Written != 0 || res.Rows[40].Problem == "" || res.Rows[0].Problem != "" {
				t.Fatalf("preview %d rows, %d bad", len(res.Rows), res.Bad)
			}
			if after := f.dump(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("a refused import changed the database: %d keys before, %d after", len(before), len(after))
			}
			if e := f.lastLog(); f.logSeq() != seq+1 || e.Action != "person.import" || !e.Refused() {
				t.Fatalf("log %+v", e)
			}
		})
	}
}

func TestImportPeopleListsEveryBadRow(t *testing.T) {
	f := newFx(t)
	f.must(f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "UTC"}))
	site := f.accessSite(RootUnit)
	f.person("Holder", RootUnit, card("5"))
	rows := []struct {
		line, problem string
	}{
		{"Good,1,,,,,", ""},
		{"Bad card,12a,,,,,", `card "12a" is neither a number nor facility:card`},
		{"Repeat,0001,,,,,", "card 1 repeats line 2"},
		{"Held,5,,,,,", "card 5 is held by person 1 Holder already"},
		{"Twice,6|06,,,,,", "card 6 is given twice on this line"},
		{",7,,,,,", "the name is empty"},
		{strings.Repeat("x", 65) + ",8,,,,,", "the name is longer than 64 characters"},
		{"Maybe,9,maybe,,,,", `active "maybe": write yes or no`},
		{"Date,10,,1.6.2026,,,", `valid_from "1.6.2026" is not a date`},
		{"Backwards,11,,2026-06-02,2026-06-01,,", `valid_until "2026-06-01" ends before valid_from "2026-06-02" starts: access would never start; fix one of them`},
		{"No group,12,,,,Nobody,", `no access group named "Nobody"`},
		{"Lock,13,,,,,x|300", `lock "x" is not a lock number`},
		{"Lock range,14,,,,,300", `lock "300" is not a lock number`},
		{"Extra,15,,,,,,surplus", "8 fields, more than the header's 7"},
		{"Many,12b,,bad,,Nobody,", `valid_from "bad" is not a date: write 2026-06-30, or a time such as 2026-06-30T18:00:00+03:00; card "12b" is neither`},
		{"Good too,16,yes,,," + site.staff.Name + ",", ""},
	}
	var b strings.Builder
	b.WriteString("name,card,active,valid_from,valid_until,groups,locks\n")
	for _, r := range rows {
		b.WriteString(r.line + "\n")
	}
	before := f.dump()
	res, err := f.importPeople(f.admin, b.String(), PeopleImportOptions{Unit: RootUnit})
	fxWant(t, err, ErrInvalid, "14 rows of 16 cannot be imported (first, line 3: card \"12a\"")
	if len(res.Rows) != len(rows) || res.Bad != 14 {
		t.Fatalf("%d rows, %d bad", len(res.Rows), res.Bad)
	}
	for i, r := range rows {
		got := res.Rows[i]
		if got.Line != i+2 || (r.problem == "") != (got.Problem == "") || !strings.Contains(got.Problem, r.problem) {
			t.Errorf("line %d %q: problem %q, want %q", got.Line, r.line, got.Problem, r.problem)
		}
	}
	if fmt.Sprint(f.dump()) != fmt.Sprint(before) {
		t.Fatal("a refused import wrote")
	}
}

func TestImportPeopleFileForms(t *testing.T) {
	f := newFx(t)
	cases := []struct {
		name, file string
		mapping    map[string]string
		kind       error
		says       string
		rows       int
	}{
		{"commas, no BOM", "name,card\nAnn,1\n", nil, nil, "", 1},
		{"aliases", "Full name,Card_ID,QR-code,Face ID,Access groups,Lock\nAnn,1,q,f,,\n", nil, nil, "", 1},
		{"quoted comma and newline", "name,info,card\n\"Lee, Ann\",\"two\nlines\",1\nBob,,2\n", nil, nil, "", 2},
		{"several cards", "name,card\nAnn, 1 | 2 |3\n", nil, nil, "", 1},
		{"mapping", "Person,Card no,Phone\nAnn,1,555\n", map[string]string{"person": "name", "Card No": "card id", "phone": "-"}, nil, "", 1},
		{"code column", "name,card,PIN\nAnn,1,4821\n", nil, ErrInvalid, `column "PIN" holds access codes: a file of access codes is a secret in clear text`, 0},
		{"access code column", "name,Access code\nAnn,4821\n", nil, ErrInvalid, `column "Access code" holds access codes`, 0},
		{"code column mapped", "name,Secret\nAnn,4821\n", map[string]string{"Secret": "access code"}, ErrInvalid, `column "Secret" holds access codes`, 0},
		{"unknown column", "name,card,Email\nAnn,1,a@b\n", nil, ErrInvalid, `line 1: column "Email" is not one of the columns name, info,`, 0},
		{"unknown columns", "name,Email,Phone\n", nil, ErrInvalid, `columns "Email", "Phone" are not one of the columns`, 0},
		{"mapping to nothing", "name,Card no\nAnn,1\n", map[string]string{"Card no": "badge"}, ErrInvalid, `the mapping "Card no"="badge" names no column`, 0},
		{"mapping a heading not there", "name,card\nAnn,1\n", map[string]string{"Card no": "card"}, ErrInvalid, `the mapping names the heading "card no", which line 1 does not have`, 0},
		{"no header", "Ann,1\nBob,2\n", nil, ErrInvalid, "line 1 is not a header: a people file starts with a line naming its columns", 0},
		{"no name column", "card,qr\n1,q\n", nil, ErrInvalid, "line 1: the header has no name column", 0},
		{"column twice", "name,card,Card ID\n", nil, ErrInvalid, `line 1: columns "card" and "Card ID" both give card`, 0},
		{"empty", "", nil, ErrInvalid, "the file holds no people", 0},
		{"header only", "\ufeffname,card\r\n", nil, ErrInvalid, "the file holds no people", 0},
		{"unnamed column with a value", "name,,card\nAnn,x,1\n", nil, ErrInvalid, "field 2 has a value but its column has no heading", 1},
		{"unnamed empty column", "name,,card\nAnn,,1\n", nil, nil, "", 1},
		{"broken quote", "name,card\nAnn,1\n\"Bob,2\nCy,3\n", nil, ErrInvalid, "line 3: the line cannot be read as CSV", 2},
	}
	seq := f.logSeq()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			res, err := f.importPeople(f.admin, c.file, PeopleImportOptions{DryRun: true, Unit: RootUnit, Map: c.mapping})
			fxWant(t, err, c.kind, c.says)
			if len(res.Rows) != c.rows || res.Written != 0 {
				t.Fatalf("preview %+v", res)
			}
		})
	}
	// Dry runs wrote and logged nothing.
	if len(f.peopleNames(f.admin)) != 0 || f.logSeq() != seq {
		t.Fatalf("dry runs wrote: %v, log %d to %d", f.peopleNames(f.admin), seq, f.logSeq())
	}
	_, err := f.s.ImportPeople(f.admin, bytes.NewReader(bytes.Repeat([]byte("x"), maxImportBytes+1)), PeopleImportOptions{})
	fxWant(t, err, ErrInvalid, "the file is larger than 32 MiB: split it into smaller files")
	res, err := f.importPeople(f.admin, "name,card\nAnn,1\n", PeopleImportOptions{})
	fxWant(t, err, ErrInvalid, "line 2: no unit: give the person's organization unit in the unit column, or one for the whole file")
	if res.Rows[0].Problem == "" {
		t.Fatalf("rows %+v", res.Rows)
	}
}

func TestImportPeopleEnableAll(t *testing.T) {
	f := newFx(t)
	file := "name,active,card\nAnn,no,1\nBob,,2\nCy,yes,3\n"
	_, err := f.importPeople(f.admin, file, PeopleImportOptions{Unit: RootUnit, EnableAll: true})
	fxWant(t, err, nil)
	ps, err := f.s.ListPeople(f.admin)
	fxWant(t, err, nil)
	for _, p := range ps {
		if !p.Active {
			t.Errorf("%s is not active after an import that enables all", p.Label())
		}
	}
	if len(ps) != 3 || f.log()[3].After["enable all"] != "true" {
		t.Fatalf("people %d, import entry %+v", len(ps), f.log()[3])
	}
	// Without it the file decides, and an empty cell is not active.
	_, err = f.importPeople(f.admin, "name,active,card\nDee,no,4\nEd,,5\nFay,yes,6\n", PeopleImportOptions{Unit: RootUnit})
	fxWant(t, err, nil)
	ps, _ = f.s.ListPeople(f.admin)
	if got := fmt.Sprint(ps[3].Active, ps[4].Active, ps[5].Active); got != "false false true" {
		t.Fatalf("active %s", got)
	}
}

func TestImportPeoplePermissionAndScope(t *testing.T) {
	sf := newScopeFx(t)
	file := "name,card\nAnn,1\n"
	// A supervisor manages people but may not bulk import.
	_, err := sf.importPeople(sf.alice, file, PeopleImportOptions{Unit: sf.a.ID})
	fxWant(t, err, ErrPermission, `"bulk import, manage people and access" permission`)
	if e := sf.lastLog(); e.Action != "person.import" || !e.Refused() {
		t.Fatalf("log %+v", e)
	}
	inst := sf.operator(RoleInstaller, sf.a.ID) // bulk import, but not people
	_, err = sf.importPeople(inst, file, PeopleImportOptions{Unit: sf.a.ID})
	fxWant(t, err, ErrPermission, "manage people and access")

	boss := sf.operator(RoleAdministrator, sf.a.ID)
	// The whole file into building B: refused before any row.
	_, err = sf.importPeople(boss, file, PeopleImportOptions{Unit: sf.b.ID})
	fxWant(t, err, ErrPermission, "outside your organization units")
	// Rows naming building B, or a unit that does not exist, are bad rows
	// refused alike.
	sf.person("Bea", sf.b.ID, card("7"))
	res, err := sf.importPeople(boss, "name,unit,card\nAnn,Building A,1\nBob,Building B,2\nCy,North site / Building B,3\nDi,Nowhere,4\nEd,,7\n",
		PeopleImportOptions{Unit: sf.a.ID})
	fxWant(t, err, ErrInvalid, "4 rows of 5 cannot be imported")
	if res.Rows[0].Problem != "" || !strings.Contains(res.Rows[1].Problem, `no organization unit "Building B" in your scope`) ||
		!strings.Contains(res.Rows[2].Problem, "no organization unit") || !strings.Contains(res.Rows[3].Problem, `no organization unit "Nowhere" in your scope`) {
		t.Fatalf("rows %+v", res.Rows)
	}
	// A card held in building B is in use, without saying by whom.
	if p := res.Rows[4].Problem; p != "card 7 is already in use: identifiers are unique across the site" {
		t.Fatalf("problem %q", p)
	}
	if got := sf.peopleNames(sf.admin); !slices.Equal(got, []string{"Bea"}) {
		t.Fatalf("people %v", got)
	}
	res, err = sf.importPeople(boss, "name,card\nAnn,1\n", PeopleImportOptions{Unit: sf.a.ID})
	fxWant(t, err, nil)
	if got := sf.peopleNames(boss); res.Written != 1 || !slices.Equal(got, []string{"Ann"}) {
		t.Fatalf("people %v", got)
	}
}

// TestImportPeopleTakesFromThePool: a card in the unassigned pool is
// imported and leaves the pool.
func TestImportPeopleTakesFromThePool(t *testing.T) {
	f := newFx(t)
	_, err := f.s.AddUnassignedIdentifier(f.admin, RootUnit, card("42"))
	fxWant(t, err, nil)
	_, err = f.importPeople(f.admin, "name,card\nAnn,42\n", PeopleImportOptions{Unit: RootUnit})
	fxWant(t, err, nil)
	pool, err := f.s.ListUnassignedIdentifiers(f.admin)
	fxWant(t, err, nil)
	if len(pool) != 0 {
		t.Fatalf("pool %+v", pool)
	}
}

func TestExportPeople(t *testing.T) {
	f := newFx(t)
	f.must(f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "UTC"}))
	hq := f.unit(RootUnit, "HQ", UnitSite)
	site := f.accessSite(hq.ID)
	f.apartment(hq.ID, "A 1")
	from := time.Date(2026, 6, 1, 6, 30, 0, 0, time.UTC)
	_, err := f.s.AddPerson(f.admin, Person{Name: "Lee, Ann", Info: "says \"hi\"", Apartment: "A 1", Unit: hq.ID, Active: true, OfflineAccess: true,
		ValidFrom: from, ValidUntil: from.AddDate(0, 1, 0), Groups: []uint32{site.staff.ID}, Locks: []int{3, 1}},
		[]access.Identifier{card("10:456"), card("77"), accessCode("482913"), {Kind: access.KindQR, Value: "qr;1"}, {Kind: access.KindFaceID, Value: "enrol/7"}})
	fxWant(t, err, nil)
	f.person("Bob", RootUnit)
	var out bytes.Buffer
	n, err := f.s.ExportPeople(f.admin, &out)
	fxWant(t, err, nil)
	recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil || n != 2 {
		t.Fatalf("%d people: %v", n, err)
	}
	want := [][]string{peopleColumns,
		{"Lee, Ann", `says "hi"`, "A 1", "Organization / HQ", "yes", "yes", "2026-06-01T06:30:00Z", "2026-07-01T06:30:00Z", "10:456|77", "qr;1", "", "enrol/7", site.staff.Name, "1|3"},
		{"Bob", "", "", "Organization", "yes", "no", "", "", "", "", "", "", "", ""}}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Fatalf("export\n%q\nwant\n%q", recs, want)
	}
	if strings.Contains(out.String(), "482913") || strings.Contains(strings.ToLower(recs[0][len(recs[0])-1]+strings.Join(recs[0], ",")), "code") {
		t.Fatalf("the export holds an access code or a code column:\n%s", out.String())
	}
	// The export imports back: into a site with the same units and
	// groups, the same people (but the access code) come out.
	g := newFx(t)
	g.must(g.s.SetAccessSettings(g.admin, AccessSettings{TimeZone: "UTC"}))
	g.accessSite(g.unit(RootUnit, "HQ", UnitSite).ID)
	res, err := g.s.ImportPeople(g.admin, bytes.NewReader(out.Bytes()), PeopleImportOptions{Name: "export.csv", CreateApartments: true})
	if err != nil || res.Written != 2 {
		t.Fatalf("re-import %+v %v", res, err)
	}
	var again bytes.Buffer
	_, err = g.s.ExportPeople(g.admin, &again)
	fxWant(t, err, nil)
	if again.String() != out.String() {
		t.Fatalf("the round trip changed the file:\n%s\nthen\n%s", out.String(), again.String())
	}
	// An identifier holding the list separator cannot be carried.
	_, err = f.s.AddPerson(f.admin, Person{Name: "Pipe", Unit: RootUnit}, []access.Identifier{{Kind: access.KindQR, Value: "a|b"}})
	fxWant(t, err, nil)
	_, err = f.s.ExportPeople(f.admin, &bytes.Buffer{})
	fxWant(t, err, ErrInvalid, "person 3 Pipe holds QR code a|b, whose | would read back as two")
}

func TestExportPeopleScope(t *testing.T) {
	sf := newScopeFx(t)
	sf.person("Ann", sf.a.ID, card("1"))
	sf.person("Bea", sf.b.ID, card("2"))
	var out bytes.Buffer
	n, err := sf.s.ExportPeople(sf.alice, &out)
	fxWant(t, err, nil)
	if n != 1 || !strings.Contains(out.String(), "Ann") || strings.Contains(out.String(), "Bea") {
		t.Fatalf("export in building A's scope:\n%s", out.String())
	}
	guard := sf.operator(RoleGuard)
	if _, err := sf.s.ExportPeople(guard, &out); err != nil {
		t.Fatalf("a guard views people: %v", err)
	}
	nobody := sf.operator(RoleInstaller)
	nobody.perms = 0
	_, err = sf.s.ExportPeople(nobody, &out)
	fxWant(t, err, ErrPermission, "view panel users")
}

// TestImportPeopleRollsForward: an import accepted but not written (the
// process died after the accepting commit) is written whole at the next
// Open; rows staged but never accepted are dropped.
func TestImportPeopleRollsForward(t *testing.T) {
	dir, key := filepath.Join(t.TempDir(), "db"), make([]byte, KeySize)
	clk := newFxClock()
	open := func() *fx {
		s, err := Open(Config{Dir: dir, Key: key, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		return fxWrap(t, s, clk)
	}
	f := open()
	var file strings.Builder
	file.WriteString("name,card,qr\n")
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&file, "Person %d,%d,q%d\n", i, 1000+i, i)
	}
	seq := f.logSeq()

	// Accepted, then "killed" before a person was written: the first
	// steps of ImportPeople.
	f.s.writeMu.Lock()
	_, chk, err := f.s.checkPeople(f.admin, strings.NewReader(file.String()), PeopleImportOptions{Unit: RootUnit})
	if err == nil {
		w := f.s.newWtx(f.admin, "person.import", "people import people.csv")
		w.log(nil, map[string]string{"people": "2500", "sha256": fmt.Sprintf("%x", chk.sum)})
		err = f.s.accept(&peopleImports, w, chk.rows, chk.parts)
	}
	f.s.writeMu.Unlock()
	fxWant(t, err, nil)
	if !f.peopleStaged() || len(f.peopleNames(f.admin)) != 0 {
		t.Fatal("nothing staged, or people written before the accepted import was written")
	}
	f.s.Close()

	f = open()
	ps, err := f.s.ListPeople(f.admin)
	fxWant(t, err, nil)
	if len(ps) != 2500 || f.peopleStaged() || ps[2499].Name != "Person 2500" || identText(ps[2499].Identifiers) != "card 3500, QR code q2500" {
		t.Fatalf("after reopening: %d people, staged left %v", len(ps), f.peopleStaged())
	}
	if res, err := f.s.VerifyLog(f.admin); err != nil || !res.OK() || res.Entries != seq+1+2500 {
		t.Fatalf("verify %v %v", res, err)
	}
	if e := f.lastLog(); e.Action != "person.add" || e.Operator != "admin" || e.After["import"] != fmt.Sprintf("log %d", seq+1) {
		t.Fatalf("entry %+v", e)
	}

	// Staged rows of an import never accepted are dropped at Open.
	fxWant(t, f.s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(peopleImports.partKey(0), []byte("rows of a refused import"))
	}), nil)
	f.s.Close()
	f = open()
	if f.peopleStaged() || len(f.peopleNames(f.admin)) != 2500 {
		t.Fatal("staged rows survived the reopen")
	}
	f.s.Close()
}

func TestStagedPersonCodec(t *testing.T) {
	p := stagedPerson{Name: "Åsa", Info: "i", Apartment: "A", Unit: 7, Active: true, Offline: true,
		ValidFrom: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Groups: []uint32{3, 9}, Locks: []int{1, 255},
		Idents: []stagedIdent{{access.KindCard, "10:456", true}, {access.KindFaceID, "enrol/7", false}}}
	var e enc
	p.encode(&e)
	p.encode(&e)
	d := dec{b: e.b}
	for range 2 {
		if got := decodeStagedPerson(&d); d.err != nil || fmt.Sprint(got) != fmt.Sprint(p) {
			t.Fatalf("decoded %+v (%v), want %+v", got, d.err, p)
		}
	}
	// A corrupt count does not allocate what is not there.
	d = dec{b: append(e.b[:len(e.b):len(e.b)], 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f)}
	decodeStagedPerson(&d)
	decodeStagedPerson(&d)
	decodeStagedPerson(&d)
	if d.err == nil {
		t.Fatal("a corrupt part decoded")
	}
}

// TestImportRefusalsAreBounded: a huge bad value (a name of a megabyte, a
// card, a date, a heading) makes a refusal and a preview of a few lines:
// each value quoted back is cut, with an ellipsis and its length.
func TestImportRefusalsAreBounded(t *testing.T) {
	f := newFx(t)
	big := strings.Repeat("é", 1<<20)
	cut := strings.Repeat("é", 64) + "…(1048576 characters)"
	cases := []struct{ name, file string }{
		{"name", "name,card\n" + big + ",10:1\n"},
		{"card", "name,card\nAnn," + big + "\n"},
		{"date", "name,card,valid_until\nAnn,10:2," + big + "\n"},
		{"group", "name,card,groups\nAnn,10:3," + big + "\n"},
		{"lock", "name,card,locks\nAnn,10:4," + big + "\n"},
		{"heading", "name,card," + big + "\nAnn,10:5,x\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := f.s.ImportPeople(f.admin, strings.NewReader(c.file), PeopleImportOptions{DryRun: true, Unit: RootUnit})
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%v", err)
			}
			size := len(err.Error())
			for _, r := range res.Rows {
				size += len(r.Name) + len(r.Info) + len(r.Apartment) + len(r.Problem)
			}
			if size > 2000 {
				t.Errorf("the refusal and its preview take %d bytes", size)
			}
			if c.name != "name" && !strings.Contains(err.Error(), cut) {
				t.Errorf("the value is not shown cut with its length: %.300s", err)
			}
			if c.name == "name" && (len(res.Rows) != 1 || res.Rows[0].Name != cut) {
				t.Errorf("the preview's name is not cut: %.300v", res.Rows)
			}
		})
	}
	t.Run("tag import", func(t *testing.T) {
		res, err := f.s.ImportTags(f.admin, strings.NewReader("tag,kind,panel,slot,lock\n"+big+",keypad,1,2,\n"), TagImportOptions{DryRun: true})
		if err == nil || len(err.Error()) > 2000 || len(res.Rows) != 1 || res.Rows[0].Tag != cut || len(res.Rows[0].Problem) > 1000 {
			t.Fatalf("%d bytes of refusal, rows %.300v", len(fmt.Sprint(err)), res.Rows)
		}
	})
	t.Run("short values are whole", func(t *testing.T) {
		for _, v := range []string{"", "Ann", strings.Repeat("x", maxShown), strings.Repeat("é", maxShown)} {
			if got := shorten(v); got != v {
				t.Errorf("shorten(%d bytes) = %q", len(v), got)
			}
		}
	})
}

// byteCounter counts the bytes read through it.
type byteCounter struct {
	r io.Reader
	n int
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestImportPeopleStreams: the import checks and stages rows as it reads
// the file, and hands them to the Rows option instead of keeping them:
// the first row comes before most of the file is read, the staged rows
// are in the database before the last row is checked, and a file refused
// at its last line leaves nothing staged and nobody written.
func TestImportPeopleStreams(t *testing.T) {
	const rows = 60_000 // ~30 bytes a staged row: more than one staging transaction
	file := func(last string) string {
		var b strings.Builder
		b.WriteString("name,card\n")
		for i := 1; i <= rows; i++ {
			fmt.Fprintf(&b, "Person %d,%d\n", i, 100000+i)
		}
		return b.String() + last
	}
	for _, c := range []struct {
		name, last string
		dry        bool
	}{{"good", "", false}, {"dry run", "", true}, {"bad last row", "Zed,100001\n", false}} {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			data := file(c.last)
			in := &byteCounter{r: strings.NewReader(data)}
			readAtFirst, seen, stagedAtLast := -1, 0, false
			res, err := f.s.ImportPeople(f.admin, in, PeopleImportOptions{Unit: RootUnit, DryRun: c.dry, Rows: func(r PeopleImportRow) error {
				if seen++; seen == 1 {
					readAtFirst = in.n
				}
				if r.Line == rows+1 {
					stagedAtLast = f.peopleStaged()
				}
				return nil
			}})
			if c.last != "" {
				fxWant(t, err, ErrInvalid, "1 row of 60001 cannot be imported (first, line 60002: card 100001 repeats line 2")
			} else {
				fxWant(t, err, nil)
			}
			want := rows + strings.Count(c.last, "\n")
			if seen != want || len(res.Rows) != 0 {
				t.Errorf("%d rows handed out of %d, %d kept in the answer", seen, want, len(res.Rows))
			}
			if readAtFirst < 0 || readAtFirst > len(data)/2 {
				t.Errorf("%d of %d bytes read before the first row was checked", readAtFirst, len(data))
			}
			if stagedAtLast == c.dry {
				t.Errorf("rows staged when the last row was checked: %v", stagedAtLast)
			}
			written := 0
			if c.last == "" && !c.dry {
				written = rows
			}
			if n := len(f.peopleNames(f.admin)); n != written || res.Written != written || f.peopleStaged() {
				t.Errorf("%d people, %d written, staged left %v; want %d", n, res.Written, f.peopleStaged(), written)
			}
		})
	}
}

// TestImportPeopleLogs: the import's entry carries the SHA-256 of the
// file as given (its byte order mark too), read as it streams; each
// person.add entry names the person's apartment as it is stored, whatever
// case the file used.
func TestImportPeopleLogs(t *testing.T) {
	f := newFx(t)
	seq := f.logSeq()
	file := "\ufeffname,apartment\nAnn,A 1\nBob,a 1\n"
	_, err := f.s.ImportPeople(f.admin, strings.NewReader(file), PeopleImportOptions{Unit: RootUnit, CreateApartments: true})
	fxWant(t, err, nil)
	es := f.log()[:f.logSeq()-seq]
	slices.Reverse(es)
	if len(es) != 3 || es[0].Action != "person.import" || es[0].After["sha256"] != fmt.Sprintf("%x", sha256.Sum256([]byte(file))) {
		t.Fatalf("log %+v", es)
	}
	if e := es[2]; e.Action != "person.add" || e.After["name"] != "Bob" || e.After["apartment"] != "A 1" {
		t.Fatalf("entry %+v", e)
	}
}

// TestImportLowersGC: while an import writes, the collector's target is
// importGCPercent (Badger's table builders are what it holds, and they
// are freed sooner); a lower target or none is kept, a dry run leaves it
// alone, and it is set back afterwards, whatever the outcome.
func TestImportLowersGC(t *testing.T) {
	gcPercent := func() int {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		return p
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct {
		name          string
		before, while int
		dry           bool
		file          string
	}{
		{"default", 100, importGCPercent, false, "name,card\nAnn,100001\n"},
		{"higher", 400, importGCPercent, false, "name,card\nAnn,100001\n"},
		{"lower kept", 20, 20, false, "name,card\nAnn,100001\n"},
		{"off kept", -1, -1, false, "name,card\nAnn,100001\n"},
		{"dry run", 100, 100, true, "name,card\nAnn,100001\n"},
		{"refused file", 100, importGCPercent, false, "name,card\nAnn,100001\nBob,100001\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			debug.SetGCPercent(c.before)
			var while []int
			_, err := f.importPeople(f.admin, c.file, PeopleImportOptions{Unit: RootUnit, DryRun: c.dry, Rows: func(PeopleImportRow) error {
				while = append(while, gcPercent())
				return nil
			}})
			after := gcPercent()
			debug.SetGCPercent(100)
			if c.name == "refused file" {
				fxWant(t, err, ErrInvalid)
			} else {
				fxWant(t, err, nil)
			}
			if len(while) == 0 || slices.ContainsFunc(while, func(p int) bool { return p != c.while }) {
				t.Errorf("GOGC during the import %v, want %d", while, c.while)
			}
			if after != c.before {
				t.Errorf("GOGC after the import %d, want %d as before", after, c.before)
			}
		})
	}
}
