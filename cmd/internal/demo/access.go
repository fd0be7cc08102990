package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// demoPeople is how many people open the demo's doors.
const demoPeople = 120

// accessRules builds the demo's access control: company-wide schedules,
// the campus's doors, levels and groups, the depot's own, and people with
// cards, QR codes and access codes. Some stories for the "why?" view: an
// IT group that needs card then code, a contractor whose access ended, a
// suspended badge, night staff limited to the main entrance.
func (b *builder) accessRules() error {
	s, a := b.s, b.sys
	if err := s.SetAccessSettings(a, store.AccessSettings{TimeZone: "Europe/Helsinki"}); err != nil {
		return err
	}
	org, campus := store.RootUnit, b.units["Harbour Campus"]
	north, gate, depot := b.units["North Tower"], b.units["Gatehouse"], b.units["Warehouse"]

	profile := func(name, intervals string, holidays ...string) (uint32, error) {
		iv, err := access.ParseIntervals(intervals)
		if err != nil {
			return 0, err
		}
		p := store.TimeProfile{ConfMeta: store.ConfMeta{Name: name, Unit: org}, Intervals: iv}
		for _, h := range holidays {
			d, err := access.ParseDate(h)
			if err != nil {
				return 0, err
			}
			p.Holidays = append(p.Holidays, d)
		}
		p, err = s.AddTimeProfile(a, p)
		return p.ID, err
	}
	var err error
	var office, nights, cleaning uint32
	if office, err = profile("Office hours", "Mon-Fri 07:00-19:00; Hol 10:00-14:00", "12-24", "12-25", "12-26", "01-01"); err != nil {
		return err
	}
	if nights, err = profile("Nights", "Daily 19:00-07:00"); err != nil {
		return err
	}
	if cleaning, err = profile("Cleaning", "Mon-Fri 18:00-22:00"); err != nil {
		return err
	}
	if _, err = profile("Weekend", "Sat-Sun 09:00-17:00"); err != nil {
		return err
	}

	doorGroup := func(name string, unit uint64) (uint32, error) {
		g, err := s.AddDoorGroup(a, store.DoorGroup{ConfMeta: store.ConfMeta{Name: name, Unit: unit}})
		return g.ID, err
	}
	ground, err := doorGroup("Ground floor", campus)
	if err != nil {
		return err
	}
	perimeter, err := doorGroup("Perimeter", campus)
	if err != nil {
		return err
	}
	door := func(name string, unit uint64, lock int, groups ...uint32) (access.DoorID, error) {
		d, err := s.AddDoor(a, store.Door{ConfMeta: store.ConfMeta{Name: name, Unit: unit}, Groups: groups, Lock: lock})
		return access.DoorID(d.ID), err
	}
	doorIDs := map[string]access.DoorID{}
	for _, d := range []struct {
		name   string
		unit   uint64
		lock   int
		groups []uint32
	}{
		{"Main entrance", north, 1, []uint32{ground}},
		{"Server room", north, 2, nil},
		{"Reception", north, 0, []uint32{ground}},
		{"Car park barrier", gate, 0, []uint32{perimeter}},
		{"Vehicle gate", gate, 0, []uint32{perimeter}},
		{"Loading bay", depot, 0, nil},
	} {
		if doorIDs[d.name], err = door(d.name, d.unit, d.lock, d.groups...); err != nil {
			return fmt.Errorf("door %s: %w", d.name, err)
		}
	}

	level := func(unit uint64, l access.AccessLevel, confirmed bool) (uint32, error) {
		l.MenuGroups = []access.MenuGroupID{1}
		got, err := s.AddAccessLevel(a, store.AccessLevel{Unit: unit, AccessLevel: l}, confirmed)
		return uint32(got.ID), err
	}
	p := func(id uint32) access.ProfileID { return access.ProfileID(id) }
	levelIDs := map[string]uint32{}
	for _, l := range []struct {
		unit      uint64
		level     access.AccessLevel
		confirmed bool
	}{
		{campus, access.AccessLevel{Name: "Staff", Name2: "Henkilöstö", Notes: "Everyday entry for campus staff.",
			Doors:    []access.DoorRule{{Group: access.DoorGroupID(ground), Profile: p(office)}, {Door: doorIDs["Car park barrier"], Profile: p(office)}},
			ArmAreas: []access.AreaRule{{Group: 1, Profile: p(office)}}}, false},
		{campus, access.AccessLevel{Name: "Server room", Notes: "IT only; card then code.",
			Doors: []access.DoorRule{{Door: doorIDs["Server room"], Profile: p(office)}}}, false},
		{campus, access.AccessLevel{Name: "Night entry", Notes: "Night staff: in by the main entrance at night, out at any time.",
			Doors: []access.DoorRule{{Door: doorIDs["Main entrance"], Profile: p(nights), Direction: access.Entry}, {Door: doorIDs["Main entrance"], Direction: access.Exit}}}, false},
		{campus, access.AccessLevel{Name: "Cleaners", Schedule: p(cleaning),
			Doors: []access.DoorRule{{Group: access.DoorGroupID(ground)}}}, false},
		{campus, access.AccessLevel{Name: "Security", Notes: "The guard team goes everywhere.", IncludeAllDoors: true,
			DisarmAreas: []access.AreaRule{{Group: 1}}, Outputs: []access.OutputID{3}, ReaderActivatesOutput: true, OutputTime: 5 * time.Second}, true},
		{depot, access.AccessLevel{Name: "Depot staff",
			Doors: []access.DoorRule{{Door: doorIDs["Loading bay"], Profile: p(office)}}}, false},
	} {
		if levelIDs[l.level.Name], err = level(l.unit, l.level, l.confirmed); err != nil {
			return fmt.Errorf("access level %s: %w", l.level.Name, err)
		}
	}

	groupIDs := map[string]uint32{}
	for _, g := range []struct {
		name   string
		unit   uint64
		levels []string
		mf     *access.MultiFactor
	}{
		{"Campus staff", campus, []string{"Staff"}, nil},
		{"IT", campus, []string{"Staff", "Server room"}, &access.MultiFactor{Kinds: []access.Kind{access.KindCard, access.KindAccessCode}, Ordered: true, Window: 20 * time.Second}},
		{"Night staff", campus, []string{"Night entry"}, nil},
		{"Cleaning contractor", campus, []string{"Cleaners"}, nil},
		{"Security team", campus, []string{"Security"}, nil},
		{"Depot crew", depot, []string{"Depot staff"}, nil},
	} {
		var ls []uint32
		for _, l := range g.levels {
			ls = append(ls, levelIDs[l])
		}
		got, err := s.AddAccessGroup(a, store.AccessGroup{ConfMeta: store.ConfMeta{Name: g.name, Unit: g.unit}, Levels: ls, MultiFactor: g.mf})
		if err != nil {
			return fmt.Errorf("access group %s: %w", g.name, err)
		}
		groupIDs[g.name] = got.ID
	}

	now := s.Now()
	apts := map[string]uint32{}
	departments := []string{"Finance", "Sales", "Engineering", "Facilities", "Legal", "Support"}
	for k := 0; k < demoPeople; k++ {
		person := store.Person{Name: b.person(k + 7), Unit: north, Active: true, Info: departments[k%len(departments)],
			Apartment: fmt.Sprintf("Office %d.%02d", 1+k%6, 1+k%17)}
		ids := []access.Identifier{{Kind: access.KindCard, Value: fmt.Sprintf("20:%d", 1001+k)}}
		switch {
		case k < 70:
			person.Groups = []uint32{groupIDs["Campus staff"]}
		case k < 80:
			person.Groups = []uint32{groupIDs["IT"]}
			person.Info = "IT"
			ids = append(ids, access.Identifier{Kind: access.KindAccessCode, Value: fmt.Sprintf("%06d", 314159+k*7919%100000)})
		case k < 90:
			person.Groups = []uint32{groupIDs["Night staff"], groupIDs["Campus staff"]}
			person.Info = "Night shift"
		case k < 98:
			person.Unit, person.Info, person.Apartment = gate, "Guard", "Guard room"
			person.Groups = []uint32{groupIDs["Security team"]}
			person.OfflineAccess = true
		case k < 104:
			person.Info, person.Apartment = "Cleaning contractor", ""
			person.Groups = []uint32{groupIDs["Cleaning contractor"]}
			person.ValidUntil = now.AddDate(0, 2, 0)
			if k == 103 {
				person.ValidUntil = now.AddDate(0, 0, -3) // the contract ended
			}
		default:
			person.Unit, person.Info, person.Apartment = depot, "Depot", ""
			person.Groups = []uint32{groupIDs["Depot crew"]}
			ids = append(ids, access.Identifier{Kind: access.KindQR, Value: fmt.Sprintf("DEPOT-%04d", k)})
		}
		if k == 5 {
			person.Active = false
			person.Info += " (badge suspended)"
		}
		if k == 12 {
			person.Locks = []int{1} // may open lock 1 (the main entrance) only
		}
		if person.Apartment != "" {
			// Apartments are records (000): the first person of one adds it.
			key := fmt.Sprint(person.Unit, "/", person.Apartment)
			if _, ok := apts[key]; !ok {
				floor := ""
				if f, _, ok := strings.Cut(strings.TrimPrefix(person.Apartment, "Office "), "."); ok {
					floor = f
				}
				got, err := s.AddApartment(a, store.Apartment{ConfMeta: store.ConfMeta{Name: person.Apartment, Unit: person.Unit}, Floor: floor})
				if err != nil {
					return fmt.Errorf("apartment %s: %w", person.Apartment, err)
				}
				apts[key] = got.ID
			}
			person.ApartmentID = apts[key]
		}
		if _, err := s.AddPerson(a, person, ids); err != nil {
			return fmt.Errorf("person %s: %w", person.Name, err)
		}
	}
	for n := 0; n < 8; n++ {
		if _, err := s.AddUnassignedIdentifier(a, north, access.Identifier{Kind: access.KindCard, Value: fmt.Sprintf("20:%d", 1901+n)}); err != nil {
			return err
		}
	}
	return nil
}
