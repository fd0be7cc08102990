package access

import (
	"errors"
	"strings"
	"testing"
)

func TestNewEngineRefuses(t *testing.T) {
	base := func() Config {
		return Config{
			Profiles: []TimeProfile{{ID: 1, Name: "Office", Intervals: []WeeklyInterval{{Weekdays, 480, 1020}}}},
			Doors:    []Door{{ID: 1, Name: "Main"}},
			Levels:   []AccessLevel{{ID: 1, Name: "Office", Doors: []DoorRule{{Door: 1, Profile: 1}}}},
			Groups:   []Group{{ID: 1, Name: "Staff", Levels: []LevelID{1}}},
			People: []Person{
				{ID: 1, Name: "Anna", Identifiers: []Identifier{{KindCard, "100"}}, Groups: []GroupID{1}},
				{ID: 2, Name: "Ben", Identifiers: []Identifier{{KindCard, "200"}}, Levels: []LevelID{1}},
			},
		}
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"duplicate card", func(c *Config) { c.People[1].Identifiers[0].Value = "0100" },
			"card 100 is held by both person 1 Anna and person 2 Ben; remove it from one of them"},
		{"malformed card", func(c *Config) { c.People[1].Identifiers[0].Value = "1x" }, "person 2 Ben: invalid access data: card \"1x\""},
		{"unknown level", func(c *Config) { c.People[1].Levels = []LevelID{9} }, "person 2 Ben has access level 9, which does not exist"},
		{"unknown level through a group", func(c *Config) { c.Groups[0].Levels = []LevelID{9} }, "person 1 Anna (through group Staff) has access level 9"},
		{"unknown group", func(c *Config) { c.People[0].Groups = []GroupID{5} }, "is in access group 5, which does not exist"},
		{"unknown profile", func(c *Config) { c.Levels[0].Doors[0].Profile = 7 }, "access level Office door rule 1 uses time profile 7, which does not exist"},
		{"unknown schedule", func(c *Config) { c.Levels[0].Schedule = 7 }, "access level Office (operating schedule) uses time profile 7"},
		{"unknown door", func(c *Config) { c.Levels[0].Doors[0].Door = 9 }, "names door 9, which does not exist"},
		{"duplicate person", func(c *Config) { c.People[1].ID = 1 }, "person ID 1 is used twice"},
		{"person ID 0", func(c *Config) { c.People[1].ID = 0 }, "has ID 0"},
		{"duplicate door", func(c *Config) { c.Doors = append(c.Doors, Door{ID: 1}) }, "door ID 1 is used twice"},
		{"duplicate level", func(c *Config) { c.Levels = append(c.Levels, AccessLevel{ID: 1}) }, "access level ID 1 is used twice"},
		{"duplicate profile", func(c *Config) { c.Profiles = append(c.Profiles, TimeProfile{ID: 1, Name: "x"}) }, "time profile ID 1 is used twice"},
		{"bad interval", func(c *Config) { c.Profiles[0].Intervals[0].End = 480 }, "is empty"},
		{"multifactor of one kind", func(c *Config) { c.People[0].MultiFactor = &MultiFactor{Kinds: []Kind{KindCard}} }, "at least two identifier kinds"},
		{"multifactor kind twice", func(c *Config) { c.Groups[0].MultiFactor = &MultiFactor{Kinds: []Kind{KindCard, KindCard}} }, "lists card twice"},
		{"negative window", func(c *Config) {
			c.People[0].MultiFactor = &MultiFactor{Kinds: []Kind{KindCard, KindQR}, Window: -1}
		}, "window is negative"},
		{"door rule with both", func(c *Config) { c.Levels[0].Doors[0].Group = 3 }, "names both"},
	}
	if _, err := NewEngine(base()); err != nil {
		t.Fatalf("base config refused: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.change(&c)
			_, err := NewEngine(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid containing %q", err, tc.want)
			}
		})
	}
}

func TestPersonMultiFactorReplacesGroups(t *testing.T) {
	cfg := Config{
		Doors:  []Door{{ID: 1}},
		Levels: []AccessLevel{{ID: 1, Name: "All", IncludeAllDoors: true}},
		Groups: []Group{{ID: 1, Name: "G", Levels: []LevelID{1}, MultiFactor: &MultiFactor{Kinds: []Kind{KindCard, KindFaceID}}}},
		People: []Person{{ID: 1, Name: "P", Active: true, Groups: []GroupID{1},
			Identifiers: []Identifier{{KindCard, "1"}, {KindQR, "q"}, {KindFaceID, "f"}},
			MultiFactor: &MultiFactor{Kinds: []Kind{KindCard, KindQR}}}},
	}
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := e.Decide(Request{Credentials: []Presented{{Kind: KindCard, Value: "1"}, {Kind: KindQR, Value: "q"}}, Door: 1, Direction: Entry})
	if !d.Grant {
		t.Errorf("the person's own rule should replace the group's:\n%s", d)
	}
	// Changing the caller's data after NewEngine does not change the engine.
	cfg.People[0].MultiFactor.Kinds[1] = KindUKey
	cfg.People[0].Levels = append(cfg.People[0].Levels, 99)
	if d := e.Decide(Request{Credentials: []Presented{{Kind: KindCard, Value: "1"}, {Kind: KindQR, Value: "q"}}, Door: 1, Direction: Entry}); !d.Grant {
		t.Errorf("engine changed with the caller's data:\n%s", d)
	}
}

// With CodeKey the engine never holds a code as typed: people carry the
// keyed form, and a presented code is keyed before the lookup.
func TestEngineKeyedAccessCodes(t *testing.T) {
	key := func(code string) string { return "k:" + strings.Repeat(code, 2) }
	e, err := NewEngine(Config{
		CodeKey: key,
		Doors:   []Door{{ID: 1, Name: "Main"}},
		Levels:  []AccessLevel{{ID: 1, Name: "All", IncludeAllDoors: true}},
		People: []Person{{ID: 1, Name: "Anna", Active: true, Levels: []LevelID{1},
			Identifiers: []Identifier{{KindAccessCode, key("4711")}, {KindCard, "5"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code  string
		grant bool
	}{{"4711", true}, {" 4711 ", true}, {"4712", false}, {key("4711"), false}}
	for _, tc := range tests {
		d := e.Decide(Request{Credentials: []Presented{{Kind: KindAccessCode, Value: tc.code}}, Door: 1, Direction: Entry})
		if d.Grant != tc.grant {
			t.Errorf("code %q: grant = %v, want %v\n%s", tc.code, d.Grant, tc.grant, d)
		}
		if strings.Contains(d.String(), "4711") {
			t.Errorf("code %q: the decision shows the code:\n%s", tc.code, d)
		}
	}
	if id, ok := e.Holder(Identifier{KindAccessCode, "4711"}); !ok || id != 1 {
		t.Errorf("Holder(code) = %d, %v; want 1, true", id, ok)
	}
	if _, err := NewEngine(Config{CodeKey: key, People: []Person{{ID: 1, Identifiers: []Identifier{{KindAccessCode, ""}}}}}); err == nil {
		t.Error("an empty keyed code was accepted")
	}
}
