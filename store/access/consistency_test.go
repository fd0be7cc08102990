package access

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestWhoCanOpenAgreesWithDecide builds a random site and checks, at random
// instants through 2026 (DST days and holidays included), that WhoCanOpen
// lists exactly the people Decide grants with assumed credentials. The two
// evaluate levels by separate code paths, so this keeps them in step.
func TestWhoCanOpenAgreesWithDecide(t *testing.T) {
	loc := helsinki(t)
	r := rand.New(rand.NewPCG(7, 8))
	profiles := []TimeProfile{
		{ID: 1, Name: "Office", Intervals: mustIntervals(t, "Mon-Fri 07:00-19:00"), Holidays: []Date{{0, 12, 25}, {2026, 3, 29}}},
		{ID: 2, Name: "Nights", Intervals: mustIntervals(t, "Mon-Fri 18:00-06:00; Hol 22:00-02:00"), Holidays: []Date{{2026, 10, 25}}},
		{ID: 3, Name: "Gap", Intervals: mustIntervals(t, "Daily 02:30-04:30")},
		{ID: 4, Name: "Repeat", Intervals: mustIntervals(t, "Sun 03:00-04:00; Sat 23:00-03:30")},
	}
	const nDoors, nLevels, nPeople = 30, 12, 300
	doors := make([]Door, nDoors)
	for i := range doors {
		doors[i] = Door{ID: DoorID(i + 1), Groups: []DoorGroupID{DoorGroupID(i%5 + 1)}, Lock: i % 3}
	}
	levels := make([]AccessLevel, nLevels)
	for i := range levels {
		l := AccessLevel{ID: LevelID(i + 1), Name: fmt.Sprint("L", i+1), Schedule: ProfileID(r.IntN(5)), IncludeAllDoors: i == 0}
		for range 4 {
			rule := DoorRule{Profile: ProfileID(r.IntN(5)), Direction: Direction(r.IntN(4))}
			if r.IntN(2) == 0 {
				rule.Door = DoorID(r.IntN(nDoors) + 1)
			} else {
				rule.Group = DoorGroupID(r.IntN(5) + 1)
			}
			l.Doors = append(l.Doors, rule)
		}
		levels[i] = l
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	people := make([]Person, nPeople)
	for i := range people {
		p := Person{ID: PersonID(i + 1), Active: r.IntN(10) != 0}
		for range r.IntN(3) {
			p.Levels = append(p.Levels, LevelID(r.IntN(nLevels)+1))
		}
		if r.IntN(4) == 0 {
			p.Locks = []int{r.IntN(3)}
		}
		if r.IntN(4) == 0 {
			p.ValidUntil = start.Add(time.Duration(r.IntN(365*24)) * time.Hour)
		}
		people[i] = p
	}
	e, err := NewEngine(Config{Site: Site{Location: loc}, People: people, Levels: levels, Profiles: profiles, Doors: doors})
	if err != nil {
		t.Fatal(err)
	}
	instants := []time.Time{
		time.Date(2026, 3, 29, 0, 45, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 15, 0, 0, time.UTC),
		time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC),
		time.Date(2026, 12, 25, 23, 30, 0, 0, loc), time.Date(2026, 12, 26, 1, 0, 0, 0, loc),
	}
	for range 200 {
		instants = append(instants, start.Add(time.Duration(r.Int64N(int64(365*24*time.Hour)))))
	}
	grants, denials := 0, 0
	for _, now := range instants {
		door := DoorID(r.IntN(nDoors) + 1)
		for _, dir := range []Direction{Entry, Exit, Both} {
			listed := e.WhoCanOpen(door, dir, now)
			for _, p := range people {
				granted := true
				for _, d := range []Direction{Entry, Exit} {
					if dir&d != 0 && !e.Decide(Request{Person: p.ID, AssumeCredentials: true, Door: door, Direction: d, Time: now}).Grant {
						granted = false
					}
				}
				if granted {
					grants++
				} else {
					denials++
				}
				if granted != slices.Contains(listed, p.ID) {
					t.Fatalf("%s door %d %s person %d: Decide grants %v, WhoCanOpen lists %v\n%s", now.In(loc), door, dir, p.ID, granted, !granted,
						e.Decide(Request{Person: p.ID, AssumeCredentials: true, Door: door, Direction: Entry, Time: now}))
				}
			}
		}
	}
	if grants < 100 || denials < 100 {
		t.Errorf("the random site is too one-sided to test anything: %d grants, %d denials", grants, denials)
	}
	t.Logf("%d grants, %d denials agree", grants, denials)
}
