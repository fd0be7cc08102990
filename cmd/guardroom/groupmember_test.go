package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

// groupOf returns the access groups of person ref.
func (s *site) groupsOf(ref string) []uint32 {
	s.t.Helper()
	var p personJSON
	s.jsonOut(&p, "person", "show", ref)
	return p.Groups
}

func TestGroupMemberCommands(t *testing.T) {
	s := newSite(t).withHQUnit()
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "Depot")
	s.ok("", "group", "add", "Residents", "--unit", "HQ")
	for _, apt := range []string{"A1", "A2", "B1"} {
		s.ok("", "apartment", "add", apt, "--unit", "HQ")
	}
	s.ok("", "apartment", "add", "A9", "--unit", "Depot")
	s.ok("", "person", "add", "Ann Lee", "--unit", "HQ", "--card", "100", "--apartment", "A1")
	s.ok("", "person", "add", "Bo Ek", "--unit", "HQ", "--card", "200", "--apartment", "A2")
	s.ok("", "person", "add", "Cy Young", "--unit", "HQ", "--card", "300", "--apartment", "B1")
	s.ok("", "person", "add", "Di Depot", "--unit", "Depot", "--card", "400", "--apartment", "A9")
	csvFile := filepath.Join(s.root, "loaded.csv")
	if err := os.WriteFile(csvFile, []byte("\xef\xbb\xbfName;Card\nBo Ek;200\nCy Young;300|300\n;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	codes := filepath.Join(s.root, "codes.csv")
	if err := os.WriteFile(codes, []byte("name,code\nAnn Lee,1234\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.runSteps(t, []cliStep{
		{"nobody yet", "", []string{"group", "member", "list", "Residents"}, 0, "Nobody is in access group 1 Residents."},
		{"no people named", "", []string{"group", "member", "add", "Residents"}, 2, "group member add needs the people"},
		{"csv without a column", "", []string{"group", "member", "add", "Residents", "--csv", csvFile}, 2, "--csv and --column go together"},
		{"a dry run", "", []string{"group", "member", "add", "Residents", "--unit", "HQ", "--filter", "e", "--dry-run"}, 0,
			"Dry run, nothing changed. Access group 1 Residents: would be 2 added."},
		{"the dry run changed nothing", "", []string{"group", "member", "list", "Residents"}, 0, "Nobody is in access group 1 Residents."},
		// Di's unit is not served by an HQ group: nobody is added.
		{"a filter showing someone the group does not serve", "", []string{"group", "member", "add", "Residents", "--filter", "e"}, 1,
			"person 4 Di Depot is in Organization / Depot, which access group Residents (of Organization / HQ) does not serve"},
		{"all or nothing", "", []string{"group", "member", "list", "Residents"}, 0, "Nobody is in access group 1 Residents."},
		{"named and filtered", "", []string{"group", "member", "add", "Residents", "card:100", "--unit", "HQ", "--filter", "A1"}, 0,
			"Access group 1 Residents: 1 added."},
		{"from a CSV column of cards", "", []string{"group", "member", "add", "Residents", "--csv", csvFile, "--column", "card"}, 0,
			"Access group 1 Residents: 2 added."},
		{"again: already in", "", []string{"group", "member", "add", "Residents", "--csv", csvFile, "--column", "NAME"}, 0,
			"Access group 1 Residents: 2 already in."},
		{"a column that is not there", "", []string{"group", "member", "add", "Residents", "--csv", csvFile, "--column", "email"}, 1,
			`has no column "email": its columns are Name, Card`},
		{"a column of access codes", "", []string{"group", "member", "add", "Residents", "--csv", codes, "--column", "code"}, 1,
			"holds access codes: people are not looked up by access code"},
		{"members", "", []string{"group", "member", "list", "residents"}, 0, "Cy Young"},
		{"an unknown person", "", []string{"group", "member", "remove", "Residents", "Bo Ek", "Zed"}, 1, `no person named "Zed"`},
		{"remove by filter: the members only", "", []string{"group", "member", "remove", "Residents", "--filter", "B1"}, 0,
			"Access group 1 Residents: 1 removed."},
		{"remove named", "", []string{"group", "member", "remove", "Residents", "1", "3"}, 0, "Access group 1 Residents: 1 removed, 1 not in it."},
	})
	if g := s.groupsOf("Bo Ek"); !slices.Equal(g, []uint32{1}) {
		t.Errorf("Bo Ek's groups %v, want [1]", g)
	}
	for _, who := range []string{"Ann Lee", "Cy Young", "Di Depot"} {
		if g := s.groupsOf(who); len(g) != 0 {
			t.Errorf("%s's groups %v, want none", who, g)
		}
	}
	var res store.MembersChange
	s.jsonOut(&res, "group", "member", "add", "Residents", "Ann Lee", "--dry-run")
	if len(res.Added) != 1 || res.Added[0].Name != "Ann Lee" || res.Group.Name != "Residents" {
		t.Errorf("--json dry run: %+v", res)
	}

	// An operator of the depot does not reach HQ's people: refused like
	// people who do not exist, and nothing changes.
	s.ok("", "group", "add", "Depot staff", "--unit", "Depot")
	sup := s.as("sup", s.ok("", "operator", "add", "sup", "--role", "Supervisor", "--unit", "Depot"))
	r := sup.run("", "group", "member", "add", "Depot staff", "4", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "no person 1 in your organization units") || strings.Contains(r.stderr, "Ann") {
		t.Fatalf("scope: %s", r)
	}
	if g := s.groupsOf("Di Depot"); len(g) != 0 {
		t.Errorf("Di was added although the change was refused: %v", g)
	}
	sup.runSteps(t, []cliStep{
		{"their own", "", []string{"group", "member", "add", "Depot staff", "4"}, 0, "Access group 2 Depot staff: 1 added."},
	})
}
