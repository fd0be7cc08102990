package access

import (
	"errors"
	"strings"
	"testing"
)

// TestInPlaceChangesRefuseAndKeep checks that SetPerson and Reconfigure
// refuse what NewEngine refuses, and that a refused change leaves the
// engine answering as before.
func TestInPlaceChangesRefuseAndKeep(t *testing.T) {
	e, loc := fixture(t)
	tue := at(loc, 2026, 11, 24, 10, 0)
	annMain := func() Decision {
		return e.Decide(Request{Person: 1, AssumeCredentials: true, Door: 1, Direction: Entry, Time: tue})
	}
	before := annMain().String()
	if !annMain().Grant {
		t.Fatalf("fixture: Anna should pass the main entrance:\n%s", before)
	}
	cfg := Config{Site: Site{Location: loc}, Doors: []Door{{ID: 1, Name: "Main entrance", Groups: []DoorGroupID{10}, Lock: 1}}}
	tests := []struct {
		name   string
		change func() error
		want   string
	}{
		{"a card someone else holds", func() error {
			return e.SetPerson(Person{ID: 2, Name: "Ben", Identifiers: []Identifier{{KindCard, "0100"}}, Levels: []LevelID{1}})
		}, "card 100 is held by both person 1 Anna and person 2 Ben"},
		{"a level that does not exist", func() error {
			return e.SetPerson(Person{ID: 1, Name: "Anna", Levels: []LevelID{99}})
		}, "person 1 Anna has access level 99, which does not exist"},
		{"a level removed that people hold", func() error { return e.Reconfigure(cfg) }, "has access level 1, which does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.change()
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid containing %q", err, tc.want)
			}
			if got := annMain().String(); got != before {
				t.Fatalf("a refused change changed the answer:\n%s\nwas\n%s", got, before)
			}
			if id, ok := e.Holder(Identifier{KindCard, "100"}); !ok || id != 1 {
				t.Fatalf("card 100 is held by %d, %v; want Anna", id, ok)
			}
		})
	}
}

// TestRemovedPersonFreesTheirCard checks that a person removed is not
// known, nobody holds their card, and it can be given to someone else.
func TestRemovedPersonFreesTheirCard(t *testing.T) {
	e, loc := fixture(t)
	e.RemovePerson(1)
	d := e.Decide(Request{Credentials: []Presented{{Kind: KindCard, Value: "100"}}, Door: 1, Direction: Entry, Time: at(loc, 2026, 11, 24, 10, 0)})
	if d.Grant || d.Reason() != "nobody holds card 100" {
		t.Fatalf("after removal:\n%s", d)
	}
	if err := e.SetPerson(Person{ID: 42, Name: "Zoe", Active: true, Identifiers: []Identifier{{KindCard, "100"}}, Levels: []LevelID{1}}); err != nil {
		t.Fatal(err)
	}
	d = e.Decide(Request{Credentials: []Presented{{Kind: KindCard, Value: "100"}}, Door: 1, Direction: Entry, Time: at(loc, 2026, 11, 24, 10, 0)})
	if !d.Grant || d.Person != 42 {
		t.Fatalf("Zoe with Anna's old card:\n%s", d)
	}
	if got := e.WhoCanOpen(1, Entry, at(loc, 2026, 11, 24, 10, 0)); len(got) == 0 || got[len(got)-1] != 42 {
		t.Fatalf("who can open the main entrance: %v, want Zoe last (added after the others)", got)
	}
}
