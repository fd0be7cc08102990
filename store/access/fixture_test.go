package access

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Helsinki without relying on the host's zoneinfo
)

func helsinki(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at is a wall-clock time in Helsinki.
func at(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

func mustIntervals(t testing.TB, s string) []WeeklyInterval {
	t.Helper()
	w, err := ParseIntervals(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// fixture is a small site in Helsinki. 2026-11-24 is a Tuesday.
//
//	doors: 1 Main entrance (group 10, lock 1), 2 Back door (group 10, lock 2),
//	       3 Server room (lock 3), 4 Garage (group 11)
//	levels: 1 Office      door group 10 on Office hours, both ways
//	        2 Night shift door 3 entry on Nights, door 1 exit on Nights
//	        3 Everything  include all doors, operating schedule Office hours
//	        4 Holiday     door 4 on Holiday mornings
//	        5 Early       door 4 on Spring gap, door 2 on Autumn repeat
func fixture(t testing.TB) (*Engine, *time.Location) {
	t.Helper()
	loc := helsinki(t)
	profiles := []TimeProfile{
		{ID: 1, Name: "Office hours", Intervals: mustIntervals(t, "Mon-Fri 08:00-17:00"),
			Holidays: []Date{{2026, 12, 24}, {0, 12, 25}}},
		{ID: 2, Name: "Nights", Intervals: mustIntervals(t, "Mon-Fri 18:00-06:00")},
		{ID: 3, Name: "Holiday mornings", Intervals: mustIntervals(t, "Mon-Fri 08:00-17:00; Hol 10:00-12:00"),
			Holidays: []Date{{2026, 12, 24}}},
		{ID: 4, Name: "Spring gap", Intervals: mustIntervals(t, "Daily 02:30-04:30")},
		{ID: 5, Name: "Autumn repeat", Intervals: mustIntervals(t, "Daily 03:00-04:00")},
	}
	doors := []Door{
		{ID: 1, Name: "Main entrance", Groups: []DoorGroupID{10}, Lock: 1},
		{ID: 2, Name: "Back door", Groups: []DoorGroupID{10}, Lock: 2},
		{ID: 3, Name: "Server room", Lock: 3},
		{ID: 4, Name: "Garage", Groups: []DoorGroupID{11}},
	}
	levels := []AccessLevel{
		{ID: 1, Name: "Office", Doors: []DoorRule{{Group: 10, Profile: 1}}},
		{ID: 2, Name: "Night shift", Doors: []DoorRule{{Door: 3, Profile: 2, Direction: Entry}, {Door: 1, Profile: 2, Direction: Exit}}},
		{ID: 3, Name: "Everything", Schedule: 1, IncludeAllDoors: true},
		{ID: 4, Name: "Holiday", Doors: []DoorRule{{Door: 4, Profile: 3}}},
		{ID: 5, Name: "Early", Doors: []DoorRule{{Door: 4, Profile: 4}, {Door: 2, Profile: 5}}},
	}
	groups := []Group{
		{ID: 20, Name: "Operators", Levels: []LevelID{2}, MultiFactor: &MultiFactor{Kinds: []Kind{KindCard, KindFaceID}}},
	}
	card := func(v string) Identifier { return Identifier{KindCard, v} }
	people := []Person{
		{ID: 1, Name: "Anna", Unit: "Sales", Active: true, Identifiers: []Identifier{card("100"), {KindQR, "anna-qr"}},
			Levels: []LevelID{1}, ValidUntil: at(loc, 2026, 12, 30, 12, 0)},
		{ID: 2, Name: "Ben", Identifiers: []Identifier{card("200")}, Levels: []LevelID{1}},
		{ID: 3, Name: "Cara", Active: true, Identifiers: []Identifier{card("300")}, Levels: []LevelID{1},
			ValidFrom: at(loc, 2026, 6, 1, 0, 0)},
		{ID: 4, Name: "Dan", Active: true, OfflineAccess: true, Identifiers: []Identifier{card("400")}, Levels: []LevelID{1}},
		{ID: 5, Name: "Eve", Active: true, Identifiers: []Identifier{card("500"), {KindQR, "eve"}, {KindAccessCode, "1234"}},
			Levels: []LevelID{1}, MultiFactor: &MultiFactor{Kinds: []Kind{KindCard, KindQR}, Ordered: true, Window: 10 * time.Second}},
		{ID: 6, Name: "Finn", Active: true, Identifiers: []Identifier{card("600"), {KindFaceID, "enrol-600"}}, Groups: []GroupID{20}},
		{ID: 7, Name: "Gus", Active: true, Identifiers: []Identifier{card("700")}, Levels: []LevelID{3}, Locks: []int{1, 2}},
		{ID: 8, Name: "Hal", Active: true, Identifiers: []Identifier{card("8:800")}, Levels: []LevelID{4}},
		{ID: 9, Name: "Ida", Active: true, Identifiers: []Identifier{card("900")}, Levels: []LevelID{5}},
		{ID: 10, Name: "Jo", Active: true, Identifiers: []Identifier{card("1000")}},
	}
	e, err := NewEngine(Config{Site: Site{Name: "HQ", Location: loc}, People: people, Groups: groups,
		Levels: levels, Profiles: profiles, Doors: doors})
	if err != nil {
		t.Fatal(err)
	}
	return e, loc
}
