package store

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
)

func TestCSVCell(t *testing.T) {
	cases := []struct{ value, cell string }{
		{"Ann Lee", "Ann Lee"},
		{"", ""},
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+358 40 123", "'+358 40 123"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"a=b", "a=b"},
		{"'", "'"},
		{"'quoted", "'quoted"},
		{"'=already marked", "''=already marked"},
		{"''-two", "'''-two"},
		{"' =space first", "' =space first"},
		// Text that is not plain (stored before the rule, or a device's)
		// is escaped first, then marked if need be.
		{"\t=x", `\x09=x`},
		{"\x1b]0;owned\a", `\x1b]0;owned\x07`},
	}
	for _, c := range cases {
		t.Run(c.value, func(t *testing.T) {
			got := CSVCell(c.value)
			if got != c.cell {
				t.Fatalf("CSVCell(%q) = %q, want %q", c.value, got, c.cell)
			}
			if got != "" && strings.IndexByte(csvTriggers, got[0]) >= 0 {
				t.Fatalf("CSVCell(%q) = %q starts a formula", c.value, got)
			}
			if want := c.value; !strings.ContainsAny(want, "\t\x1b\a") && csvValue(got) != want {
				t.Fatalf("csvValue(%q) = %q, want %q back", got, csvValue(got), want)
			}
		})
	}
	// A cell another program marked reads as its value; a cell that only
	// looks like a mark stays as written.
	for cell, value := range map[string]string{"'=1+1": "=1+1", "'-5": "-5", "'abc": "'abc", "'": "'", "-5": "-5"} {
		if got := csvValue(cell); got != value {
			t.Errorf("csvValue(%q) = %q, want %q", cell, got, value)
		}
	}
}

// FuzzCSVCell: every plain value comes back from its cell, and no cell
// starts a formula.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1", "'=1", "''+x", "'", "-", "Ann", "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		cell := CSVCell(v)
		if cell != "" && strings.IndexByte(csvTriggers, cell[0]) >= 0 {
			t.Fatalf("CSVCell(%q) = %q starts a formula", v, cell)
		}
		if checkPlain("v", v) == nil && csvValue(cell) != v {
			t.Fatalf("csvValue(CSVCell(%q)) = %q", v, csvValue(cell))
		}
	})
}

// TestExportPeopleFormulas: people whose text starts like a formula are
// exported with the ' mark in every such cell, and the file imports back
// to the same people, byte for byte.
func TestExportPeopleFormulas(t *testing.T) {
	site := func(f *fx) {
		f.must(f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: "UTC"}))
		_, err := f.s.AddAccessGroup(f.admin, AccessGroup{ConfMeta: ConfMeta{Name: "=Staff", Unit: RootUnit}})
		f.must(err)
	}
	f := newFx(t)
	site(f)
	g, err := f.s.FindAccessGroup(f.admin, "=Staff")
	f.must(err)
	for _, apt := range []string{"-1", "a-1"} {
		_, err = f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: apt, Unit: RootUnit}})
		f.must(err)
	}
	_, err = f.s.AddPerson(f.admin, Person{Name: "=HYPERLINK(\"http://evil\",\"Ann\")", Info: "+358 40 123 4567", Apartment: "-1",
		Unit: RootUnit, Groups: []uint32{g.ID}}, []access.Identifier{{Kind: access.KindQR, Value: "@qr"}, {Kind: access.KindUKey, Value: "-u"}})
	f.must(err)
	_, err = f.s.AddPerson(f.admin, Person{Name: "'=quoted", Info: "'plain", Apartment: "a-1", Unit: RootUnit}, nil)
	f.must(err)
	var out bytes.Buffer
	_, err = f.s.ExportPeople(f.admin, &out)
	f.must(err)
	recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	f.must(err)
	want := [][]string{
		{`'=HYPERLINK("http://evil","Ann")`, "'+358 40 123 4567", "'-1", "Organization", "no", "no", "", "", "", "'@qr", "'-u", "", "'=Staff", ""},
		{"''=quoted", "'plain", "a-1", "Organization", "no", "no", "", "", "", "", "", "", "", ""},
	}
	if fmt.Sprint(recs[1:]) != fmt.Sprint(want) {
		t.Fatalf("export\n%q\nwant\n%q", recs[1:], want)
	}
	h := newFx(t)
	site(h)
	res, err := h.s.ImportPeople(h.admin, bytes.NewReader(out.Bytes()), PeopleImportOptions{Name: "export.csv", CreateApartments: true})
	if err != nil || res.Written != 2 {
		t.Fatalf("re-import %+v %v", res, err)
	}
	people, err := h.s.ListPeople(h.admin)
	f.must(err)
	if people[0].Name != "=HYPERLINK(\"http://evil\",\"Ann\")" || people[0].Info != "+358 40 123 4567" || people[1].Name != "'=quoted" || people[1].Info != "'plain" {
		t.Fatalf("imported %+v", people)
	}
	var again bytes.Buffer
	_, err = h.s.ExportPeople(h.admin, &again)
	f.must(err)
	if again.String() != out.String() {
		t.Fatalf("the round trip changed the file:\n%s\nthen\n%s", out.String(), again.String())
	}
}

// TestExportsEscapeStoredControls: text stored before the rule (written
// here below the store's checks) leaves an export escaped, never raw, and
// a tag ID that starts like a formula is marked.
func TestExportsEscapeStoredControls(t *testing.T) {
	f := newLockFx(t)
	p := f.person("Ann", RootUnit)
	raw := func(key []byte, edit func(v []byte) []byte) {
		f.must(f.s.db.Update(func(txn *badger.Txn) error {
			item, err := txn.Get(key)
			if err != nil {
				return err
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			return txn.Set(key, edit(v))
		}))
	}
	raw(personKey(p.ID), func(v []byte) []byte {
		return bytes.Replace(v, []byte(`"name":"Ann"`), []byte(`"name":"\u001b]52;c;aGk=\u0007Ann\u009b2J"`), 1)
	})
	var out bytes.Buffer
	_, err := f.s.ExportPeople(f.admin, &out)
	f.must(err)
	if !strings.Contains(out.String(), `\x1b]52;c;aGk=\x07Ann\u009b2J`) || strings.ContainsAny(out.String(), "\x1b\a\u009b") {
		t.Fatalf("people export:\n%q", out.String())
	}
	f.enrol(Tag{ID: "04A1B2C3", Kind: TagKeypad, Panel: f.p.ID, Slot: 2})
	var tag []byte
	f.must(f.s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(tagKey("04A1B2C3"))
		if err == nil {
			tag, err = item.ValueCopy(nil)
		}
		return err
	}))
	f.must(f.s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(tagKey("=1+1"), bytes.Replace(tag, []byte(`"04A1B2C3"`), []byte(`"=1+1"`), 1))
	}))
	out.Reset()
	_, err = f.s.ExportTags(f.admin, &out)
	f.must(err)
	if !strings.Contains(out.String(), "\n'=1+1,keypad,") {
		t.Fatalf("tag export:\n%s", out.String())
	}
}
