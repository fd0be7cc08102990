package store

import (
	"bytes"
	"strings"
	"testing"
)

// An operator of building A exports the log: building B's entries are in
// the file as hashes only, the chain verifies through them, and removing
// one of those stubs is still detected.
func TestScopedExportVerifies(t *testing.T) {
	f := newFx(t)
	site := f.unit(RootUnit, "Site", UnitSite)
	a := f.unit(site.ID, "Building A", UnitBuilding)
	b := f.unit(site.ID, "Building B", UnitBuilding)
	pa := f.panel("neo-hs2016", inUnit(a.ID))
	pb := f.panel("neo-hs2016", inUnit(b.ID))
	f.setCode(pa, 2, "4829")
	f.setCode(pb, 2, "7391")
	if err := f.s.SetLabel(f.admin, pb.ID, 2, "Secret wing"); err != nil {
		t.Fatal(err)
	}
	f.setCode(pa, 3, "6150")
	opA := f.operator(RoleAuditor, a.ID)

	var buf bytes.Buffer
	n, err := f.s.ExportLog(opA, &buf)
	if err != nil {
		t.Fatal(err)
	}
	export := buf.String()
	if strings.Contains(export, "Secret wing") || strings.Contains(export, "Building B") {
		t.Fatalf("scoped export leaks building B:\n%s", export)
	}
	res, err := VerifyExport(strings.NewReader(export))
	if err != nil || !res.OK() {
		t.Fatalf("scoped export does not verify: %v %v", res, err)
	}
	if res.Omitted == 0 || res.Entries != f.logSeq() || int(res.Entries)-res.Omitted != n {
		t.Fatalf("result %+v, %d entries exported of %d", res, n, f.logSeq())
	}
	if !strings.Contains(res.String(), "hashes only") {
		t.Errorf("result does not say entries were left out: %s", res)
	}
	lines := strings.Split(strings.TrimSpace(export), "\n")
	for i, l := range lines {
		if strings.Contains(l, `"omitted":true`) {
			cut := strings.Join(append(append([]string{}, lines[:i]...), lines[i+1:]...), "\n")
			res, err := VerifyExport(strings.NewReader(cut))
			if err != nil || res.OK() {
				t.Fatalf("removing omitted entry %d went unnoticed: %v %v", i+1, res, err)
			}
			break
		}
	}
}

// A refused bulk load writes nothing and leaves one log entry saying so.
func TestBulkRefusalIsLogged(t *testing.T) {
	f := newFx(t)
	p := f.panel("dsc-pc1864")
	before := f.logSeq()
	err := f.s.BulkSetCodes(f.admin, p.ID, []BulkCode{{Slot: 2, Code: "4829"}, {Slot: 3, Code: "4829"}}, nil)
	fxWant(t, err, ErrCodeInUse, "item 2 (slot 3)")
	if f.user(p, 2).CodeSet || f.codesSet(p) != 0 {
		t.Fatal("a refused bulk load wrote users")
	}
	if got := f.logSeq(); got != before+1 {
		t.Fatalf("%d log entries for a refused bulk load, want 1", got-before)
	}
	e := f.lastLog()
	if e.Action != "user.bulk-set-code" || !e.Refused() || !strings.Contains(e.Result, "2 users") || e.Unit != p.Unit {
		t.Fatalf("refusal entry %+v", e)
	}
	if strings.Contains(e.Result, "4829") {
		t.Fatal("the refusal entry holds a code")
	}
}
