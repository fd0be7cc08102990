package access

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

const (
	benchPeople = 100_000
	benchDoors  = 1_000
	benchLevels = 200
)

// benchConfig is a site of 100,000 people and 1,000 doors: 100 door
// groups of 10 doors, 200 levels of 3 door-group rules and 5 door rules on
// 8 profiles (Always included), each person with 2 levels, one in ten in a
// group with ordered multifactor, one in fifty inactive.
func benchConfig(b *testing.B) Config {
	b.Helper()
	loc := helsinki(b)
	r := rand.New(rand.NewPCG(1, 2))
	profiles := []TimeProfile{
		{ID: 1, Name: "Office", Intervals: mustIntervals(b, "Mon-Fri 07:00-19:00"), Holidays: []Date{{0, 12, 25}, {0, 1, 1}}},
		{ID: 2, Name: "Nights", Intervals: mustIntervals(b, "Mon-Fri 18:00-06:00")},
		{ID: 3, Name: "Weekend", Intervals: mustIntervals(b, "Sat,Sun 08:00-20:00")},
		{ID: 4, Name: "Mornings", Intervals: mustIntervals(b, "Daily 06:00-12:00; Hol 08:00-10:00"), Holidays: []Date{{2026, 12, 24}}},
		{ID: 5, Name: "Split", Intervals: mustIntervals(b, "Mon-Fri 08:00-11:00; Mon-Fri 13:00-17:00")},
		{ID: 6, Name: "Late", Intervals: mustIntervals(b, "Daily 20:00-23:00")},
		{ID: 7, Name: "Weekdays", Intervals: mustIntervals(b, "Mon-Fri 00:00-24:00")},
	}
	doors := make([]Door, benchDoors)
	for i := range doors {
		doors[i] = Door{ID: DoorID(i + 1), Name: fmt.Sprintf("Door %d", i+1), Groups: []DoorGroupID{DoorGroupID(i/10 + 1)}, Lock: i%4 + 1}
	}
	levels := make([]AccessLevel, benchLevels)
	for i := range levels {
		l := AccessLevel{ID: LevelID(i + 1), Name: fmt.Sprintf("Level %d", i+1), Schedule: ProfileID(r.IntN(2) * 7)}
		for range 3 {
			l.Doors = append(l.Doors, DoorRule{Group: DoorGroupID(r.IntN(100) + 1), Profile: ProfileID(r.IntN(8)), Direction: Direction(r.IntN(3) + 1)})
		}
		for range 5 {
			l.Doors = append(l.Doors, DoorRule{Door: DoorID(r.IntN(benchDoors) + 1), Profile: ProfileID(r.IntN(8)), Direction: Direction(r.IntN(3) + 1)})
		}
		levels[i] = l
	}
	groups := []Group{{ID: 1, Name: "Two factor", Levels: []LevelID{1}, MultiFactor: &MultiFactor{Kinds: []Kind{KindCard, KindAccessCode}, Ordered: true}}}
	people := make([]Person, benchPeople)
	for i := range people {
		p := Person{
			ID: PersonID(i + 1), Name: fmt.Sprintf("Person %d", i+1), Active: i%50 != 0, OfflineAccess: i%3 == 0,
			Identifiers: []Identifier{{KindCard, fmt.Sprint(1_000_000 + i)}, {KindAccessCode, fmt.Sprint(100_000 + i)}},
			Levels:      []LevelID{LevelID(r.IntN(benchLevels) + 1), LevelID(r.IntN(benchLevels) + 1)},
		}
		if i%10 == 0 {
			p.Groups = []GroupID{1}
		}
		if i%7 == 0 {
			p.ValidUntil = time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
		}
		people[i] = p
	}
	return Config{Site: Site{Name: "bench", Location: loc}, People: people, Groups: groups, Levels: levels, Profiles: profiles, Doors: doors}
}

func benchEngine(b *testing.B) (*Engine, Config) {
	b.Helper()
	cfg := benchConfig(b)
	e, err := NewEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return e, cfg
}

// benchRequests are card taps by random people at a door of one of their
// levels (or a random door), entry or exit, on a Tuesday morning.
func benchRequests(people []Person, levels []AccessLevel, now time.Time) []Request {
	r := rand.New(rand.NewPCG(3, 4))
	reqs := make([]Request, 4096)
	for i := range reqs {
		p := &people[r.IntN(len(people))]
		door := DoorID(r.IntN(benchDoors) + 1)
		if l := &levels[p.Levels[0]-1]; r.IntN(4) != 0 {
			if rule := l.Doors[r.IntN(len(l.Doors))]; rule.Door != 0 {
				door = rule.Door
			} else {
				door = DoorID(int(rule.Group-1)*10 + r.IntN(10) + 1)
			}
		}
		creds := []Presented{{Kind: KindCard, Value: p.Identifiers[0].Value, At: now}}
		if len(p.Groups) > 0 {
			creds = append(creds, Presented{Kind: KindAccessCode, Value: p.Identifiers[1].Value, At: now.Add(2 * time.Second)})
		}
		reqs[i] = Request{Credentials: creds, Door: door, Direction: Direction(r.IntN(2) + 1), Time: now.Add(time.Duration(r.IntN(3600)) * time.Second)}
	}
	return reqs
}

func BenchmarkDecide(b *testing.B) {
	e, cfg := benchEngine(b)
	reqs := benchRequests(cfg.People, cfg.Levels, time.Date(2026, 11, 24, 9, 0, 0, 0, cfg.Site.Location))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Decide(reqs[i&4095])
		i++
	}
	grants := 0
	for _, q := range reqs {
		if e.Decide(q).Grant {
			grants++
		}
	}
	b.ReportMetric(float64(grants)/float64(len(reqs))*100, "%granted")
}

func BenchmarkWhoCanOpen(b *testing.B) {
	e, cfg := benchEngine(b)
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, cfg.Site.Location)
	b.ReportAllocs()
	i, found := 0, 0
	for b.Loop() {
		found += len(e.WhoCanOpen(DoorID(i%benchDoors+1), Entry, now))
		i++
	}
	b.ReportMetric(float64(found)/float64(i), "people/op")
}

func BenchmarkNewEngine(b *testing.B) {
	cfg := benchConfig(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewEngine(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
