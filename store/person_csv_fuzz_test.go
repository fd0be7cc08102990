package store

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzImportPeople feeds arbitrary files to ImportPeople, as a dry run and
// then for real, into one store holding a person with card 5 and an
// access group: it never panics, a bad row always says why and where, a
// refused load writes nothing, and an accepted dry run's rows are the
// people the real load writes.
//
//	go test -run XXX -fuzz FuzzImportPeople -fuzztime 60s -fuzzminimizetime 2s ./store/
//
// (Each run reads the whole database twice, so minimizing an input takes
// long: keep -fuzzminimizetime short.)
func FuzzImportPeople(f *testing.F) {
	for _, seed := range []string{
		"name,card\nAnn,1\n",
		"\ufeffName;Card ID;Access groups;Locks\r\nÅsa;010:00456|77;Staff 1;1|2\r\n",
		"name,info,card\n\"Lee, Ann\",\"two\nlines\",1\nBob,,2\n",
		"name,card,PIN\nAnn,1,4821\n",
		"name,active,offline,valid_from,valid_until,qr,ukey,face,unit\nAnn,yes,no,2026-06-01,2026-06-30,q,u,f,Organization\n",
		"name,card\nAnn,5\n",
		"name,card\nAnn,1\nBob,1\n",
		"name,card\n\"Ann,1\n",
		"Ann,1\n",
		"name,,card\nAnn,x,1\n",
	} {
		f.Add(seed, false)
	}
	clk := newFxClock()
	s, err := Open(Config{InMemory: true, Now: clk.Now})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	setup := fxWrap(f, s, clk)
	setup.accessSite(RootUnit) // its group is "Staff 1"
	setup.person("Holder", RootUnit, card("5"))
	f.Fuzz(func(t *testing.T, file string, enableAll bool) {
		fx := fxWrap(t, s, clk)
		o := PeopleImportOptions{Name: "fuzz.csv", Unit: RootUnit, EnableAll: enableAll, DryRun: true}
		dry, dryErr := fx.s.ImportPeople(fx.admin, strings.NewReader(file), o)
		for _, r := range dry.Rows {
			if r.Line < 1 {
				t.Fatalf("row without a line: %+v", r)
			}
		}
		bad := 0
		for _, r := range dry.Rows {
			if r.Problem != "" {
				bad++
			}
		}
		if bad != dry.Bad || (bad > 0 && dryErr == nil) {
			t.Fatalf("%d rows with a problem, Bad %d, err %v", bad, dry.Bad, dryErr)
		}
		if dryErr == nil && (dry.Bad != 0 || len(dry.Rows) == 0) {
			t.Fatalf("accepted a dry run with %d rows, %d bad", len(dry.Rows), dry.Bad)
		}
		if dryErr != nil && !IsRefusal(dryErr) {
			t.Fatalf("not a refusal: %v", dryErr)
		}
		before := fx.dump()
		o.DryRun = false
		res, err := fx.s.ImportPeople(fx.admin, strings.NewReader(file), o)
		if (err == nil) != (dryErr == nil) {
			t.Fatalf("the dry run said %v, the import %v", dryErr, err)
		}
		if err != nil {
			if fmt.Sprint(fx.dump()) != fmt.Sprint(before) {
				t.Fatalf("a refused import wrote: %v", err)
			}
			return
		}
		if res.Written != len(dry.Rows) {
			t.Fatalf("the dry run accepted %d rows, the import wrote %d", len(dry.Rows), res.Written)
		}
		ps, err := fx.s.ListPeople(fx.admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1+res.Written {
			t.Fatalf("%d people after writing %d", len(ps), res.Written)
		}
		// Back to the holder alone, for the next input; their cards go
		// to the pool, which an import takes them from.
		for _, p := range ps[1:] {
			if err := fx.s.RemovePerson(fx.admin, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	})
}
