package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store/access"
)

// withHQUnit adds the site unit "HQ" (Organization / HQ), without a panel.
func (s *site) withHQUnit() *site {
	s.t.Helper()
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "HQ")
	return s
}

// cliStep is one command of a scripted test and what it must print: on
// stdout when code is 0, else on stderr.
type cliStep struct {
	name  string
	stdin string
	args  []string
	code  int
	want  string
}

func (s *site) runSteps(t *testing.T, steps []cliStep) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := s.run(st.stdin, st.args...)
			out := r.stdout
			if st.code != 0 {
				out = r.stderr
			}
			if r.code != st.code || !strings.Contains(out, st.want) {
				t.Fatalf("guardroom %s: want exit %d and %q, got %s", strings.Join(st.args, " "), st.code, st.want, r)
			}
		})
	}
}

func TestPersonCommands(t *testing.T) {
	s := newSite(t).withHQUnit()
	looseCode := filepath.Join(s.root, "loose-code.txt")
	if err := os.WriteFile(looseCode, []byte("4711\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	codeFile := s.writeFile("code.txt", "64738291")
	s.ok("", "apartment", "add", "A12", "--unit", "HQ")
	s.ok("", "apartment", "add", "B7", "--unit", "HQ")
	s.runSteps(t, []cliStep{
		{"add without a unit", "", []string{"person", "add", "Ann Lee"}, 2, "person add needs --unit"},
		{"add in an apartment that is not there", "", []string{"person", "add", "Ann Lee", "--unit", "HQ", "--apartment", "Z9"}, 1,
			`no apartment named "Z9" for Organization / HQ: add it first`},
		{"add", "", []string{"person", "add", "Ann Lee", "--unit", "HQ", "--card", "010:00456", "--apartment", "A12", "--info", "Finance"}, 0,
			"Added person 1 Ann Lee in Organization / HQ, with card 10:456."},
		{"add a card someone holds", "", []string{"person", "add", "Bo Ek", "--unit", "HQ", "--card", "10:456"}, 1,
			"card 10:456 is held by person 1 Ann Lee already"},
		{"add with a bad card", "", []string{"person", "add", "Bo Ek", "--unit", "HQ", "--card", "12ab"}, 1, `card "12ab" is neither a number nor facility:card`},
		{"add with a code from stdin", "90817263\n", []string{"person", "add", "Bo Ek", "--unit", "HQ", "--qr", "ABC", "--code", "--inactive"}, 0,
			"Added person 2 Bo Ek in Organization / HQ, with QR code ABC, access code ****."},
		{"a code someone holds", "90817263\n", []string{"person", "identifier", "add", "Ann Lee", "code"}, 1,
			"that access code is already used by someone else"},
		{"a code on the command line", "", []string{"person", "identifier", "add", "1", "code", "5678"}, 2,
			"an access code is never given on the command line"},
		{"a code file open to others", "", []string{"person", "identifier", "add", "1", "code", "--code-file", looseCode}, 1,
			"is open to other users (mode 0644)"},
		{"a code from a file", "", []string{"person", "identifier", "add", "1", "code", "--code-file", codeFile}, 0,
			"Person 1 Ann Lee now holds an access code."},
		{"add a QR code", "", []string{"person", "identifier", "add", "card:10:456", "qr", "XYZ"}, 0, "Person 1 Ann Lee now holds QR code XYZ."},
		{"an identifier without a value", "", []string{"person", "identifier", "add", "1", "card"}, 2, "give the card's VALUE after the kind"},
		{"an unknown kind", "", []string{"person", "identifier", "add", "1", "badge", "7"}, 2, `"badge" is not an identifier kind`},
		{"show by identifier", "", []string{"person", "show", "card:0010:456"}, 0, "Apartment       A12"},
		{"show by name", "", []string{"person", "show", "bo ek"}, 0, "Status          inactive"},
		{"show nobody", "", []string{"person", "show", "Cy Young"}, 1, `no person named "Cy Young"`},
		{"find", "", []string{"person", "find", "card", "0010:0456"}, 0, "person 1 Ann Lee"},
		{"find by code", "", []string{"person", "find", "code", "90817263"}, 2, "an access code is never given on the command line"},
		{"edit nothing", "", []string{"person", "edit", "1"}, 2, "person edit needs at least one flag"},
		{"edit a validity that never starts", "", []string{"person", "edit", "1", "--valid-from", "2026-12-01", "--valid-until", "2026-11-01"}, 1,
			"is not after valid from"},
		{"edit a bad time", "", []string{"person", "edit", "1", "--valid-until", "soon"}, 2, `--valid-until: "soon" is not a time`},
		{"edit", "", []string{"person", "edit", "1", "--active=false", "--offline", "--lock", "3", "--lock", "1", "--apartment", "B7"}, 0,
			"Locks           1, 3"},
		{"edit a multifactor rule", "", []string{"person", "edit", "Ann Lee", "--multifactor", "card,code", "--ordered", "--window", "20s"}, 0,
			"Multifactor     card then access code within 20s"},
		{"edit a bad multifactor kind", "", []string{"person", "edit", "1", "--multifactor", "card,pin"}, 2, "--multifactor"},
		{"edit a window alone", "", []string{"person", "edit", "1", "--window", "5s"}, 2, "--ordered and --window go with --multifactor"},
		{"edit a missing level", "", []string{"person", "edit", "1", "--level", "Staff"}, 1, `no access level named "Staff"`},
		{"remove an identifier", "", []string{"person", "identifier", "remove", "1", "card", "10:456"}, 0,
			"Person 1 Ann Lee no longer holds card 10:456; it is free for someone else"},
		{"remove one not held", "", []string{"person", "identifier", "remove", "1", "card", "10:456"}, 1, "does not hold card 10:456"},
		{"the freed card is unassigned", "", []string{"person", "unassigned"}, 0, "person 1 Ann Lee"},
		{"a stock card", "", []string{"person", "unassigned", "add", "card", "99", "--unit", "HQ"}, 0,
			"Added card 99 to the unassigned pool of Organization / HQ."},
		{"a stock card twice", "", []string{"person", "unassigned", "add", "card", "99", "--unit", "HQ"}, 1, "in the unassigned pool already"},
		{"a stock card without a unit", "", []string{"person", "unassigned", "add", "card", "98"}, 2, "needs --unit"},
		{"take a stock card out", "", []string{"person", "unassigned", "remove", "card", "99"}, 0, "Took card 99 out of the unassigned pool."},
		{"remove without a terminal", "", []string{"person", "remove", "2"}, 2, "add --yes to confirm"},
		{"remove", "", []string{"person", "remove", "qr:ABC", "--yes"}, 0,
			"Removed person 2 Bo Ek. Freed QR code ABC: in the unassigned pool of Organization / HQ, to be handed out again. Their access code is dropped"},
		{"a second code", "90817263\n", []string{"person", "identifier", "add", "1", "code"}, 1, "holds an access code already"},
	})

	var people []personJSON
	s.jsonOut(&people, "person", "list", "--unit", "HQ", "--filter", "xyz")
	if len(people) != 1 || people[0].Name != "Ann Lee" || people[0].UnitPath != "Organization / HQ" || people[0].Status != "inactive" ||
		people[0].Apartment != "B7" || !people[0].OfflineAccess || len(people[0].Identifiers) != 2 {
		t.Fatalf("person list --json: %+v", people)
	}
	for _, id := range people[0].Identifiers {
		if id.Kind == access.KindAccessCode && id.Value != "" {
			t.Errorf("an access code shows in JSON: %+v", id)
		}
	}
	s.jsonOut(&people, "person", "list", "--filter", "nobody")
	if len(people) != 0 {
		t.Fatalf("person list --filter nobody: %+v", people)
	}
	var p personJSON
	s.jsonOut(&p, "person", "show", "1")
	if p.ID != 1 || p.MultiFactor == nil || !p.MultiFactor.Ordered || len(p.Locks) != 2 {
		t.Fatalf("person show --json: %+v", p)
	}
	var free []freeJSON
	s.jsonOut(&free, "person", "unassigned")
	if len(free) != 2 || free[0].Identifier != "card 10:456" || free[0].From != "person 1 Ann Lee" || free[0].UnitPath != "Organization / HQ" ||
		free[1].Identifier != "QR code ABC" || free[1].From != "person 2 Bo Ek" {
		t.Fatalf("person unassigned --json: %+v", free)
	}
	if r := s.ok("", "person", "--help"); !strings.Contains(r.stdout, "identifier add PERSON KIND [VALUE]") {
		t.Errorf("group help:\n%s", r.stdout)
	}
	// Codes never show, in any output.
	for _, args := range [][]string{{"person", "list"}, {"person", "show", "1"}, {"person", "list", "--json"}, {"log", "list"}, {"log", "list", "--json"}} {
		if r := s.ok("", args...); strings.Contains(r.stdout, "90817263") || strings.Contains(r.stdout, "64738291") {
			t.Errorf("%v shows an access code:\n%s", args, r.stdout)
		}
	}
}
