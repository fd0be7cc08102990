package store

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func (f *fx) importTags(a Actor, file string, dryRun bool) (TagImport, error) {
	f.t.Helper()
	return f.s.ImportTags(a, strings.NewReader(file), TagImportOptions{DryRun: dryRun, Name: "tags.csv"})
}

// tagIDs lists the stored tags' IDs.
func (f *fx) tagIDs() []string {
	f.t.Helper()
	ts, err := f.s.ListTags(f.admin)
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return ids
}

// staged reports whether an import's marker or staged rows are left.
func (f *fx) staged() bool {
	f.t.Helper()
	left := false
	err := f.s.db.View(func(txn *badger.Txn) error {
		if _, err := txn.Get(kTagImport); err == nil {
			left = true
		}
		return scan(txn, pStageTags, false, func(_, _ []byte) error { left = true; return nil })
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return left
}

func TestImportTags(t *testing.T) {
	f := newLockFx(t)
	var progress []int
	var mu sync.Mutex
	file := "\ufeffTag ID;Kind;Panel;Slot;Lock\r\n" +
		`"04 A1 B2 C3";keypad;"` + f.p.Name + `";2;` + "\r\n" +
		"\r\n" + // blank lines are skipped, line numbers stay the file's
		"90:324; door-lock ;;3;Main entrance\r\n" +
		`90:325;"door lock";1;"4";1` + "\r\n"
	jobs, seq := len(f.rawJobs()), f.logSeq()
	res, err := f.s.ImportTags(f.admin, strings.NewReader(file), TagImportOptions{Name: "tags.csv", Progress: func(done, total int) {
		mu.Lock()
		progress = append(progress, done, total)
		mu.Unlock()
	}})
	fxWant(t, err, nil)
	want := []TagImportRow{
		{Line: 2, Tag: "04A1B2C3", Kind: TagKeypad, Panel: f.p.ID, Slot: 2},
		{Line: 4, Tag: "90:324", Kind: TagLock, Panel: f.p.ID, Slot: 3, Lock: f.lock.ID},
		{Line: 5, Tag: "90:325", Kind: TagLock, Panel: f.p.ID, Slot: 4, Lock: f.lock.ID},
	}
	if !slices.Equal(res.Rows, want) || res.Bad != 0 || res.Written != 3 {
		t.Fatalf("result %+v", res)
	}
	if !slices.Equal(progress, []int{3, 3}) {
		t.Fatalf("progress %v", progress)
	}
	if got := f.tagIDs(); !slices.Equal(got, []string{"04A1B2C3", "90:324", "90:325"}) {
		t.Fatalf("tags %v", got)
	}
	if tg := f.getTag("90:325"); tg.Status != TagActive || tg.Sync.State != SyncPending || tg.Enrolled.IsZero() {
		t.Fatalf("tag %+v", tg)
	}
	newJobs := f.rawJobs()[jobs:]
	if len(newJobs) != 3 || newJobs[0].Op != OpAddTag || newJobs[0].Slot != 2 || newJobs[2].LockNo != 1 {
		t.Fatalf("jobs %v", newJobs)
	}
	es := f.log()[:f.logSeq()-seq]
	slices.Reverse(es)
	if len(es) != 4 || es[0].Action != "tag.import" || es[0].After["tags"] != "3" || es[0].After["file"] != "tags.csv" || len(es[0].After["sha256"]) != 64 {
		t.Fatalf("log %+v", es)
	}
	for i, e := range es[1:] {
		if e.Action != "tag.enrol" || e.After["import"] != fmt.Sprintf("log %d", es[0].Seq) || e.Slot != want[i].Slot || e.Panel != f.p.ID || e.Result != "ok" {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if es[2].Place != f.p.Label()+" lock 1 (Main entrance) tag 90:324" {
		t.Fatalf("place %q", es[2].Place)
	}
	if res, err := f.s.VerifyLog(f.admin); err != nil || !res.OK() {
		t.Fatalf("verify %v %v", res, err)
	}
	if f.staged() {
		t.Fatal("the import left its marker or staged rows")
	}
}

func TestImportTagsAllOrNothing(t *testing.T) {
	f := newLockFx(t)
	f.addLock(Lock{Name: "Side door", Model: ModelYaleL2, Panel: f.p.ID})
	f.enrol(Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID, Slot: 5})
	var b strings.Builder
	b.WriteString("tag,kind,panel,slot,lock\n")
	for i := 2; i <= 41; i++ {
		fmt.Fprintf(&b, "90:%d,door-lock,,%d,%d\n", 100+i, 2+i%3, 1+i%2)
	}
	b.WriteString("90:102,door-lock,,2,1\n") // the first row's tag, on the last line
	jobs, seq, tags := len(f.rawJobs()), f.logSeq(), f.tagIDs()
	res, err := f.importTags(f.admin, b.String(), false)
	fxWant(t, err, ErrInvalid, "1 row of 41 cannot be imported (first, line 42: tag 90:102 repeats line 2: a tag ID is given once): nothing was imported; fix every row listed and import the file again")
	if res.Bad != 1 || len(res.Rows) != 41 || res.Written != 0 || res.Rows[40].Problem == "" || res.Rows[0].Problem != "" {
		t.Fatalf("preview %d rows, %d bad", len(res.Rows), res.Bad)
	}
	if got := f.tagIDs(); !slices.Equal(got, tags) || len(f.rawJobs()) != jobs || f.staged() {
		t.Fatalf("a refused import wrote: tags %v", got)
	}
	if f.logSeq() != seq+1 || f.lastLog().Action != "tag.import" || !f.lastLog().Refused() {
		t.Fatalf("log %+v", f.lastLog())
	}
	// Twenty-one door-lock tags for a lock that holds twenty: refused too.
	b.Reset()
	for i := 1; i <= 21; i++ {
		fmt.Fprintf(&b, "90:%d,door-lock,,2,Main entrance\n", 200+i)
	}
	res, err = f.importTags(f.admin, b.String(), false)
	fxWant(t, err, ErrInvalid, "1 row of 21 cannot be imported (first, line 21: lock 1 (Main entrance) holds 20 tags, the most a Yale Doorman L3 takes: free one first)")
	if res.Bad != 1 || len(f.tagIDs()) != 1 {
		t.Fatalf("%d bad rows, tags %v", res.Bad, f.tagIDs())
	}
}

func TestImportTagsListsEveryBadRow(t *testing.T) {
	f := newLockFx(t)
	qolsys := f.panel("qolsys-iq4")
	f.setCode(qolsys, 2, "1470")
	zwave := f.addLock(Lock{Name: "Bike store", Model: ModelZWave, Panel: f.p.ID})
	f.enrol(Tag{ID: "90:1", Kind: TagKeypad, Panel: f.p.ID, Slot: 5})
	f.enrol(Tag{ID: "90:2", Kind: TagKeypad, Panel: f.p.ID, Slot: 4})
	fxWant(t, f.s.FreeTag(f.admin, "90:2"), nil)
	rows := []struct {
		line, problem string
	}{
		{"04A1B2C3,keypad,1,2,", ""},
		{"04A1B2C,keypad,1,3,", "tag ID not valid: "},
		{"04a1b2c3,keypad,1,3,", "tag 04A1B2C3 repeats line 1: a tag ID is given once"},
		{"90:1,keypad,1,3,", "tag 90:1 is given to panel user 5 of " + f.p.Name + " already"},
		{"90:2,keypad,1,3,", "tag 90:2 exists already (unassigned): enrol it on its own to give it to someone"},
		{"90:3,keypad,Nowhere,3,", `no panel "Nowhere" in your organization units`},
		{fmt.Sprintf("90:4,keypad,%d,2,", qolsys.ID), "has no keypads with a proximity reader"},
		{"90:5,keypad,1,9,", "tag cannot be given: panel user 9 of " + f.p.Name + " has no code; set a code first"},
		{"90:6,keypad,1,2580,", "that slot number is out of range"},
		{"90:17,keypad,1,12a,", "the slot must be a panel user's number, from 1"},
		{"90:7,door-lock,,3,Back door", `no lock "Back door" in your organization units`},
		{fmt.Sprintf("90:8,door-lock,,3,%d", zwave.ID), "which reads no tags"},
		{"90:9,keypad,1,3,1", "a keypad tag is not enrolled on a lock"},
		{"90:10,door-lock,1,3,", "a door-lock tag is enrolled on a lock: name the lock"},
		{"90:11,wristband,1,3,", `tag kind "wristband": choose keypad`},
		{"90:12,keypad,1,2,", "panel user 2 of " + f.p.Name + " holds keypad tag 04A1B2C3 already"},
		{"90:13,keypad,1,3,,extra", "6 fields: a row has at most the 5 columns"},
		{",keypad,1,3,", "no tag ID"},
		{"90:14,keypad,,3,", "no panel: a keypad tag needs the panel whose keypads read it"},
		{"90:15,keypad,1,,", "a tag is given to a panel user: name the user's slot"},
		{"90:16,keypad,1,3,", ""},
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.line + "\n")
	}
	jobs := len(f.rawJobs())
	res, err := f.importTags(f.admin, b.String(), false)
	fxWant(t, err, ErrInvalid, "19 rows of 21 cannot be imported (first, line 2: tag ID not valid")
	if len(res.Rows) != len(rows) || res.Bad != 19 {
		t.Fatalf("%d rows, %d bad", len(res.Rows), res.Bad)
	}
	for i, r := range rows {
		got := res.Rows[i]
		if got.Line != i+1 || (r.problem == "") != (got.Problem == "") || !strings.Contains(got.Problem, r.problem) {
			t.Errorf("line %d %q: problem %q, want %q", got.Line, r.line, got.Problem, r.problem)
		}
		if strings.Contains(got.Problem, "2580") {
			t.Errorf("line %d repeats what may be a code: %q", got.Line, got.Problem)
		}
	}
	if len(f.rawJobs()) != jobs || len(f.tagIDs()) != 2 {
		t.Fatal("a refused import wrote")
	}
}

func TestImportTagsFileForms(t *testing.T) {
	f := newLockFx(t)
	cases := []struct {
		name, file string
		kind       error
		says       string
		rows       int
	}{
		{"no header, commas", "04A1B2C3,keypad,1,2\n90:1,door-lock,1,3,1\n", nil, "", 2},
		{"header in another order", "slot,panel,kind,tag\n2,1,keypad,04A1B2C3\n", nil, "", 1},
		{"semicolons with commas inside quotes", "tag;kind;panel;slot;lock\n\"04A1B2C3\";keypad;1;2;\n", nil, "", 1},
		{"unknown column", "tag,kind,panel,slot,colour\n04A1B2C3,keypad,1,2,red\n", ErrInvalid, `line 1: column "colour" is not one of tag, kind, panel, slot, lock: rename or remove it`, 0},
		{"missing column", "tag,kind,panel\n04A1B2C3,keypad,1\n", ErrInvalid, "line 1: the header has no slot column", 0},
		{"column twice", "tag,kind,panel,slot,user\n", ErrInvalid, "line 1: column slot appears twice", 0},
		{"empty", "", ErrInvalid, "the file holds no tags", 0},
		{"header only", "tag,kind,panel,slot,lock\n", ErrInvalid, "the file holds no tags", 0},
		{"broken quote", "04A1B2C3,keypad,1,2\n\"90:1,keypad,1,3\n90:2,keypad,1,4\n", ErrInvalid, "line 2: the line cannot be read as CSV", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			res, err := f.importTags(f.admin, c.file, true)
			fxWant(t, err, c.kind, c.says)
			if len(res.Rows) != c.rows || res.Written != 0 {
				t.Fatalf("preview %+v", res)
			}
		})
	}
	// The dry run wrote and logged nothing.
	if len(f.tagIDs()) != 0 || f.lastLog().Action != "lock.add" {
		t.Fatalf("dry runs wrote: %v, %+v", f.tagIDs(), f.lastLog())
	}
	_, err := f.s.ImportTags(f.admin, bytes.NewReader(bytes.Repeat([]byte("x"), maxImportBytes+1)), TagImportOptions{})
	fxWant(t, err, ErrInvalid, "the file is larger than 32 MiB: split it into smaller files")
}

func TestImportTagsPermissionAndScope(t *testing.T) {
	sf := newScopeFx(t)
	sup := sf.operator(RoleSupervisor) // no bulk import
	_, err := sf.importTags(sup, "90:5,keypad,1,2,\n", false)
	fxWant(t, err, ErrPermission, `"manage locks and tags, bulk import" permission`)
	if e := sf.lastLog(); e.Action != "tag.import" || !e.Refused() {
		t.Fatalf("log %+v", e)
	}
	inst := sf.operator(RoleInstaller, sf.a.ID)
	file := fmt.Sprintf("90:5,door-lock,Alpha,2,Door of Alpha\n90:6,keypad,%d,2,\n90:7,keypad,Bravo,2,\n", sf.pb.ID)
	res, err := sf.importTags(inst, file, false)
	fxWant(t, err, ErrInvalid, "2 rows of 3 cannot be imported")
	if res.Rows[0].Problem != "" || !strings.Contains(res.Rows[1].Problem, fmt.Sprintf("no panel %d in your organization units", sf.pb.ID)) ||
		!strings.Contains(res.Rows[2].Problem, `no panel "Bravo"`) {
		t.Fatalf("rows %+v", res.Rows)
	}
	// A tag of building B's is a duplicate, without saying whose.
	res, _ = sf.importTags(inst, "90:2,door-lock,Alpha,2,Door of Alpha\n", true)
	if p := res.Rows[0].Problem; !strings.Contains(p, "outside your organization units") || strings.Contains(p, "Bravo") {
		t.Fatalf("problem %q", p)
	}
}

func TestExportTags(t *testing.T) {
	f := newLockFx(t)
	f.enrol(Tag{ID: "04A1B2C3", Kind: TagKeypad, Panel: f.p.ID, Slot: 2})
	f.enrol(Tag{ID: "90:324", Kind: TagLock, Lock: f.lock.ID, Slot: 3})
	f.enrol(Tag{ID: "90:325", Kind: TagLock, Lock: f.lock.ID, Slot: 4})
	fxWant(t, f.s.FreeTag(f.admin, "90:325"), nil)
	var out bytes.Buffer
	n, err := f.s.ExportTags(f.admin, &out)
	fxWant(t, err, nil)
	recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil || n != 3 {
		t.Fatalf("%d tags: %v", n, err)
	}
	want := [][]string{{"tag", "kind", "panel", "slot", "lock"}, {"04A1B2C3", "keypad", "1", "2", ""}, {"90:324", "door-lock", "1", "3", "1"}, {"90:325", "door-lock", "1", "", ""}}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Fatalf("export %q", recs)
	}
	for _, code := range []string{"2580", "3691", "4826", "5937"} {
		if strings.Contains(out.String(), code) {
			t.Fatalf("the export holds a code: %s", out.String())
		}
	}
	// The export's assigned rows import into a site with the same panel.
	g := newLockFx(t)
	assigned := strings.Join(strings.Split(out.String(), "\n")[:3], "\n")
	res, err := g.importTags(g.admin, assigned, false)
	if err != nil || res.Written != 2 {
		t.Fatalf("re-import %+v %v", res, err)
	}
}

// TestImportTagsRollsForward: an import accepted but not written (the
// process died after the accepting commit) is written whole at the next
// Open; rows staged but never accepted are dropped.
func TestImportTagsRollsForward(t *testing.T) {
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
	p := f.panel("generic", func(np *NewPanel) { np.Slots, np.CodeLength = 3000, 8 })
	var file strings.Builder
	var items []BulkCode
	for slot := 1; slot <= 2500; slot++ {
		items = append(items, BulkCode{Slot: slot, Code: fmt.Sprintf("%08d", 10000000+slot*7919)})
		fmt.Fprintf(&file, "04%012X,keypad,%d,%d,\n", slot, p.ID, slot)
	}
	fxWant(t, f.s.BulkSetCodes(f.admin, p.ID, items, nil), nil)
	seq := f.logSeq()

	// Accepted, then "killed" before a tag was written.
	f.s.writeMu.Lock()
	_, chk, err := f.s.checkImport(f.admin, strings.NewReader(file.String()), TagImportOptions{})
	if err == nil {
		err = f.s.acceptImport(f.admin, chk, "tags.csv")
	}
	f.s.writeMu.Unlock()
	fxWant(t, err, nil)
	if !f.staged() || len(f.tagIDs()) != 0 {
		t.Fatal("nothing staged, or tags written before the accepted import was written")
	}
	f.s.Close()

	f = open()
	if n := len(f.tagIDs()); n != 2500 || f.staged() {
		t.Fatalf("after reopening: %d tags, staged left %v", n, f.staged())
	}
	if res, err := f.s.VerifyLog(f.admin); err != nil || !res.OK() || res.Entries != seq+1+2500 {
		t.Fatalf("verify %v %v", res, err)
	}
	es := f.log()
	if es[len(es)-1-int(seq)].Action != "tag.import" || es[0].Operator != "admin" || es[0].Via != "test" || es[0].After["import"] != fmt.Sprintf("log %d", seq+1) {
		t.Fatalf("entries %+v / %+v", es[len(es)-1-int(seq)], es[0])
	}
	pending := 0
	for _, j := range f.rawJobs() {
		if j.Op == OpAddTag && j.State == JobPending {
			pending++
		}
	}
	if pending != 2500 {
		t.Fatalf("%d add-tag jobs", pending)
	}

	// Staged rows of an import never accepted are dropped at Open.
	fxWant(t, f.s.db.Update(func(txn *badger.Txn) error { return txn.Set(stageTagsKey(0), []byte("rows of a refused import")) }), nil)
	f.s.Close()
	f = open()
	if f.staged() || len(f.tagIDs()) != 2500 {
		t.Fatal("staged rows survived the reopen")
	}
	f.s.Close()
}
