package access_test

import (
	"fmt"
	"time"

	"github.com/guardroom/guardroom/store/access"
)

func ExampleEngine_Decide() {
	loc, _ := time.LoadLocation("Europe/Helsinki")
	nights, _ := access.ParseIntervals("Mon-Fri 18:00-06:00")
	e, err := access.NewEngine(access.Config{
		Site:     access.Site{Name: "HQ", Location: loc},
		Profiles: []access.TimeProfile{{ID: 1, Name: "Nights", Intervals: nights}},
		Doors:    []access.Door{{ID: 3, Name: "Server room"}},
		Levels: []access.AccessLevel{{ID: 1, Name: "Night shift",
			Doors: []access.DoorRule{{Door: 3, Profile: 1, Direction: access.Entry}}}},
		People: []access.Person{{ID: 42, Name: "Anna Berg", Active: true, Levels: []access.LevelID{1},
			Identifiers: []access.Identifier{{Kind: access.KindCard, Value: "12:3456"}}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 11, 29, 2, 10, 0, 0, loc) // a Sunday
	d := e.Decide(access.Request{
		Credentials: []access.Presented{{Kind: access.KindCard, Value: "012:3456", At: now}},
		Door:        3, Direction: access.Entry, Time: now,
	})
	fmt.Print(d)
	// Output:
	// denied
	//   pass  person: person 42 Anna Berg
	//   pass  active: access control active
	//   pass  validity: valid with no start or end
	//   pass  credentials: card 12:3456 is person 42 Anna Berg's
	//   pass  door: door 3 Server room, entry
	//   fail  level: access level Night shift: door 3 Server room allowed for entry on Nights (Mon-Fri 18:00-06:00); now Sun 02:10: outside the schedule
}
