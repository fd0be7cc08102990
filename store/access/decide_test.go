package access

import (
	"strings"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	e, loc := fixture(t)
	tue9 := at(loc, 2026, 11, 24, 9, 0) // Tuesday, office hours
	tap := func(kind Kind, v string, when time.Time) []Presented {
		return []Presented{{Kind: kind, Value: v, At: when}}
	}
	card := func(v string, when time.Time) []Presented { return tap(KindCard, v, when) }
	sec := func(tm time.Time, s int) time.Time { return tm.Add(time.Duration(s) * time.Second) }
	utc := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, time.UTC)
	}

	tests := []struct {
		name  string
		req   Request
		grant bool
		level LevelID
		rule  Rule   // rule of the last step
		want  string // in the last step's text
	}{
		// Person known.
		{"card tap grants", Request{Credentials: card("100", tue9), Door: 1, Direction: Entry, Time: tue9},
			true, 1, RuleLevel, "access level Office: door 1 Main entrance (through door group 10) allowed on Office hours"},
		{"card with leading zeros resolves", Request{Credentials: card("000100", tue9), Door: 2, Direction: Exit, Time: tue9},
			true, 1, RuleLevel, "granted"},
		{"facility:card normalised", Request{Credentials: card("008:0800", tue9), Door: 4, Direction: Entry, Time: tue9},
			true, 4, RuleLevel, "granted"},
		{"unknown person ID", Request{Person: 999, Credentials: card("100", tue9), Door: 1, Direction: Entry, Time: tue9},
			false, 0, RulePerson, "person 999 is not known"},
		{"unknown card", Request{Credentials: card("12345", tue9), Door: 1, Direction: Entry, Time: tue9},
			false, 0, RulePerson, "nobody holds card 12345"},
		{"nothing at all", Request{Door: 1, Direction: Entry, Time: tue9},
			false, 0, RulePerson, "no person given and no credential presented"},

		// Access control active.
		{"inactive", Request{Credentials: card("200", tue9), Door: 1, Direction: Entry, Time: tue9},
			false, 0, RuleActive, "access control is not active"},

		// Valid from / until.
		{"before valid from", Request{Credentials: card("300", tue9), Door: 1, Direction: Entry, Time: at(loc, 2026, 5, 29, 9, 0)},
			false, 0, RuleValidity, "not valid yet: valid from 2026-06-01 00:00; now 2026-05-29 09:00"},
		{"at valid from exactly", Request{Credentials: card("300", tue9), Door: 1, Direction: Entry, Time: at(loc, 2026, 6, 1, 0, 0)},
			false, 0, RuleLevel, "outside the schedule"}, // valid, but Monday 00:00 is outside office hours
		{"one instant before expiry", Request{Person: 1, Credentials: card("100", tue9), Door: 1, Direction: Entry,
			Time: at(loc, 2026, 12, 30, 12, 0).Add(-time.Nanosecond)}, true, 1, RuleLevel, "granted"},
		{"expiry at the exact instant", Request{Person: 1, Credentials: card("100", tue9), Door: 1, Direction: Entry,
			Time: at(loc, 2026, 12, 30, 12, 0)}, false, 0, RuleValidity, "expired at 2026-12-30 12:00; now 2026-12-30 12:00"},

		// Offline.
		{"offline without offline access", Request{Credentials: card("100", tue9), Door: 1, Direction: Entry, Time: tue9, SiteOffline: true},
			false, 0, RuleOffline, "no offline access"},
		{"offline with offline access", Request{Credentials: card("400", tue9), Door: 1, Direction: Entry, Time: tue9, SiteOffline: true},
			true, 1, RuleLevel, "granted"},

		// Credentials.
		{"someone else's card", Request{Person: 1, Credentials: card("400", tue9), Door: 1, Direction: Entry, Time: tue9},
			false, 0, RuleCredentials, "card 400 is not person 1 Anna's; it is held by person 4 Dan"},
		{"own card plus someone else's", Request{Credentials: append(card("100", tue9), card("400", tue9)...), Door: 1, Direction: Entry, Time: tue9},
			false, 0, RuleCredentials, "held by person 4 Dan"},
		{"no credential for a named person", Request{Person: 1, Door: 1, Direction: Entry, Time: tue9},
			false, 0, RuleCredentials, "no credential presented"},
		{"malformed card", Request{Person: 1, Credentials: card("12x", tue9), Door: 1, Direction: Entry, Time: tue9},
			false, 0, RuleCredentials, "is not a valid card"},
		{"unheld QR", Request{Person: 1, Credentials: tap(KindQR, "nope", tue9), Door: 1, Direction: Entry, Time: tue9},
			false, 0, RuleCredentials, "QR code nope is held by nobody"},
		{"QR alone works without multifactor", Request{Credentials: tap(KindQR, "anna-qr", tue9), Door: 1, Direction: Entry, Time: tue9},
			true, 1, RuleLevel, "granted"},
		{"assumed credentials", Request{Person: 1, AssumeCredentials: true, Door: 1, Direction: Entry, Time: tue9},
			true, 1, RuleLevel, "granted"},

		// Multifactor, ordered, window 10 s.
		{"card then QR in time", Request{Credentials: []Presented{{KindCard, "500", tue9}, {KindQR, "eve", sec(tue9, 2)}},
			Door: 1, Direction: Entry, Time: sec(tue9, 2)}, true, 1, RuleLevel, "granted"},
		{"QR then card refused", Request{Credentials: []Presented{{KindQR, "eve", tue9}, {KindCard, "500", sec(tue9, 2)}},
			Door: 1, Direction: Entry, Time: sec(tue9, 2)}, false, 0, RuleMultiFactor, "presented out of order (QR code before card)"},
		{"same instant in slice order", Request{Credentials: []Presented{{KindCard, "500", tue9}, {KindQR, "eve", tue9}},
			Door: 1, Direction: Entry, Time: tue9}, true, 1, RuleLevel, "granted"},
		{"same instant reversed", Request{Credentials: []Presented{{KindQR, "eve", tue9}, {KindCard, "500", tue9}},
			Door: 1, Direction: Entry, Time: tue9}, false, 0, RuleMultiFactor, "out of order"},
		{"second factor missing", Request{Credentials: card("500", tue9), Door: 1, Direction: Entry, Time: tue9},
			false, 0, RuleMultiFactor, "multifactor card then QR code within 10s: QR code missing"},
		{"window exactly", Request{Credentials: []Presented{{KindCard, "500", tue9}, {KindQR, "eve", sec(tue9, 10)}},
			Door: 1, Direction: Entry, Time: sec(tue9, 10)}, true, 1, RuleLevel, "granted"},
		{"window exceeded", Request{Credentials: []Presented{{KindCard, "500", tue9}, {KindQR, "eve", sec(tue9, 11)}},
			Door: 1, Direction: Entry, Time: sec(tue9, 11)}, false, 0, RuleMultiFactor, "presented 11s apart, more than 10s"},
		{"latest presentation of a kind counts", Request{Credentials: []Presented{{KindQR, "eve", tue9}, {KindCard, "500", sec(tue9, 1)}, {KindQR, "eve", sec(tue9, 3)}},
			Door: 1, Direction: Entry, Time: sec(tue9, 3)}, true, 1, RuleLevel, "granted"},
		{"group multifactor unordered", Request{Credentials: []Presented{{KindFaceID, "enrol-600", at(loc, 2026, 11, 23, 20, 0)}, {KindCard, "600", at(loc, 2026, 11, 23, 20, 0)}},
			Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 23, 20, 0)}, true, 2, RuleLevel, "granted"},
		{"group multifactor missing face", Request{Credentials: card("600", tue9), Door: 3, Direction: Entry, Time: tue9},
			false, 0, RuleMultiFactor, "face ID missing"},

		// Door, lock, direction.
		{"unknown door", Request{Person: 1, AssumeCredentials: true, Door: 99, Direction: Entry, Time: tue9},
			false, 0, RuleDoor, "door 99 is not known"},
		{"direction both is not a request", Request{Person: 1, AssumeCredentials: true, Door: 1, Direction: Both, Time: tue9},
			false, 0, RuleDoor, "must be for entry or exit"},
		{"lock not the person's", Request{Person: 7, AssumeCredentials: true, Door: 3, Direction: Entry, Time: tue9},
			false, 0, RuleDoor, "door 3 Server room is lock 3; person 7 Gus may open locks 1, 2 only"},
		{"door without a lock number", Request{Person: 7, AssumeCredentials: true, Door: 4, Direction: Entry, Time: tue9},
			true, 3, RuleLevel, "includes all doors"},
		{"door not in level", Request{Person: 1, AssumeCredentials: true, Door: 3, Direction: Entry, Time: tue9},
			false, 0, RuleLevel, "access level Office: door 3 Server room is not in this level"},
		{"no level", Request{Person: 10, AssumeCredentials: true, Door: 1, Direction: Entry, Time: tue9},
			false, 0, RuleLevel, "no access level"},
		{"entry-only door refuses exit", Request{Person: 6, AssumeCredentials: true, Door: 3, Direction: Exit, Time: at(loc, 2026, 11, 23, 20, 0)},
			false, 0, RuleLevel, "door 3 Server room allowed for entry only; exit refused"},
		{"exit-only door allows exit", Request{Person: 6, AssumeCredentials: true, Door: 1, Direction: Exit, Time: at(loc, 2026, 11, 23, 20, 0)},
			true, 2, RuleLevel, "allowed for exit on Nights"},

		// Operating schedule.
		{"operating schedule closed", Request{Person: 7, AssumeCredentials: true, Door: 1, Direction: Entry, Time: at(loc, 2026, 11, 28, 10, 0)},
			false, 0, RuleLevel, "access level Everything: operating schedule Office hours (Mon-Fri 08:00-17:00; holidays closed) is closed; now Sat 10:00"},

		// Schedule edges: Nights is Mon-Fri 18:00-06:00, crossing midnight.
		{"start inclusive Mon 18:00", Request{Person: 6, AssumeCredentials: true, Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 23, 18, 0)}, true, 2, RuleLevel, "now Mon 18:00: granted"},
		{"before start Mon 17:59", Request{Person: 6, AssumeCredentials: true, Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 23, 17, 59)}, false, 0, RuleLevel, "now Mon 17:59: outside the schedule"},
		{"after midnight Tue 05:59", Request{Person: 6, AssumeCredentials: true, Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 24, 5, 59)}, true, 2, RuleLevel, "granted"},
		{"end exclusive Tue 06:00", Request{Person: 6, AssumeCredentials: true, Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 24, 6, 0)}, false, 0, RuleLevel, "outside the schedule"},
		{"Friday night runs into Sat 02:10", Request{Person: 6, AssumeCredentials: true, Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 28, 2, 10)}, true, 2, RuleLevel, "now Sat 02:10: granted"},
		{"no Saturday night Sun 02:10", Request{Person: 6, AssumeCredentials: true, Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 29, 2, 10)},
			false, 0, RuleLevel, "access level Night shift: door 3 Server room allowed for entry on Nights (Mon-Fri 18:00-06:00); now Sun 02:10: outside the schedule"},
		{"no Sunday night Mon 02:10", Request{Person: 6, AssumeCredentials: true, Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 30, 2, 10)}, false, 0, RuleLevel, "outside the schedule"},

		// Holidays.
		{"holiday closes office hours", Request{Person: 1, AssumeCredentials: true, Door: 1, Direction: Entry, Time: at(loc, 2026, 12, 24, 10, 0)},
			false, 0, RuleLevel, "now Thu 10:00 (holiday): outside the schedule"},
		{"yearly holiday closes", Request{Person: 1, AssumeCredentials: true, Door: 1, Direction: Entry, Time: at(loc, 2025, 12, 25, 10, 0)},
			false, 0, RuleLevel, "(holiday)"},
		{"day after holiday open", Request{Person: 1, AssumeCredentials: true, Door: 1, Direction: Entry, Time: at(loc, 2026, 12, 28, 10, 0)},
			true, 1, RuleLevel, "granted"},
		{"holiday interval opens", Request{Person: 8, AssumeCredentials: true, Door: 4, Direction: Entry, Time: at(loc, 2026, 12, 24, 11, 0)},
			true, 4, RuleLevel, "(holiday): granted"},
		{"holiday replaces weekday intervals", Request{Person: 8, AssumeCredentials: true, Door: 4, Direction: Entry, Time: at(loc, 2026, 12, 24, 13, 0)},
			false, 0, RuleLevel, "outside the schedule"},
		{"the day before the holiday", Request{Person: 8, AssumeCredentials: true, Door: 4, Direction: Entry, Time: at(loc, 2026, 12, 23, 13, 0)},
			true, 4, RuleLevel, "granted"},

		// DST in Helsinki. Spring: 2026-03-29 03:00 EET becomes 04:00 EEST at 01:00 UTC.
		// Spring gap is Daily 02:30-04:30 on the wall clock: one real hour that day.
		{"spring: 02:59:59 EET open", Request{Person: 9, AssumeCredentials: true, Door: 4, Direction: Entry, Time: utc(2026, 3, 29, 0, 59, 59)}, true, 5, RuleLevel, "now Sun 02:59"},
		{"spring: 04:00 EEST still open", Request{Person: 9, AssumeCredentials: true, Door: 4, Direction: Entry, Time: utc(2026, 3, 29, 1, 0, 0)}, true, 5, RuleLevel, "now Sun 04:00"},
		{"spring: 04:30 EEST closed", Request{Person: 9, AssumeCredentials: true, Door: 4, Direction: Entry, Time: utc(2026, 3, 29, 1, 30, 0)}, false, 0, RuleLevel, "now Sun 04:30: outside"},
		{"spring: 02:29 EET closed", Request{Person: 9, AssumeCredentials: true, Door: 4, Direction: Entry, Time: utc(2026, 3, 29, 0, 29, 0)}, false, 0, RuleLevel, "outside"},
		// Autumn: 2026-10-25 04:00 EEST becomes 03:00 EET at 01:00 UTC, so 03:00-04:00
		// happens twice and Autumn repeat (Daily 03:00-04:00) is open both times.
		{"autumn: first 03:30 (EEST)", Request{Person: 9, AssumeCredentials: true, Door: 2, Direction: Entry, Time: utc(2026, 10, 25, 0, 30, 0)}, true, 5, RuleLevel, "now Sun 03:30: granted"},
		{"autumn: second 03:30 (EET)", Request{Person: 9, AssumeCredentials: true, Door: 2, Direction: Entry, Time: utc(2026, 10, 25, 1, 30, 0)}, true, 5, RuleLevel, "now Sun 03:30: granted"},
		{"autumn: 04:00 EET closed", Request{Person: 9, AssumeCredentials: true, Door: 2, Direction: Entry, Time: utc(2026, 10, 25, 2, 0, 0)}, false, 0, RuleLevel, "now Sun 04:00: outside"},
		{"autumn: 02:59 EEST closed", Request{Person: 9, AssumeCredentials: true, Door: 2, Direction: Entry, Time: utc(2026, 10, 24, 23, 59, 0)}, false, 0, RuleLevel, "now Sun 02:59: outside"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := e.Decide(tc.req)
			if len(d.Reasons) == 0 {
				t.Fatal("no steps")
			}
			last := d.Reasons[len(d.Reasons)-1]
			if d.Grant != tc.grant || d.Level != tc.level || last.Rule != tc.rule || !strings.Contains(last.Text, tc.want) {
				t.Errorf("got grant=%v level=%d last=%s %q\nwant grant=%v level=%d last=%s containing %q\n%s",
					d.Grant, d.Level, last.Rule, last.Text, tc.grant, tc.level, tc.rule, tc.want, d)
			}
			if last.Passed != tc.grant {
				t.Errorf("last step passed=%v, decision grant=%v", last.Passed, tc.grant)
			}
			if d.Grant != (d.Reason() == "") {
				t.Errorf("Reason() = %q for grant=%v", d.Reason(), d.Grant)
			}
		})
	}
}

// TestDecideStepsInOrder checks the whole explanation of one grant and one
// denial, as an operator reads it in "access check".
func TestDecideStepsInOrder(t *testing.T) {
	e, loc := fixture(t)
	now := at(loc, 2026, 11, 24, 9, 0)
	d := e.Decide(Request{Credentials: []Presented{{KindCard, "500", now}, {KindQR, "eve", now.Add(time.Second)}},
		Door: 1, Direction: Entry, Time: now.Add(time.Second), SiteOffline: false})
	want := `granted
  pass  person: person 5 Eve
  pass  active: access control active
  pass  validity: valid with no start or end
  pass  credentials: 2 credentials, all person 5 Eve's
  pass  multifactor: multifactor card then QR code within 10s: presented within 1s
  pass  door: door 1 Main entrance, entry
  pass  level: access level Office: door 1 Main entrance (through door group 10) allowed on Office hours (Mon-Fri 08:00-17:00; holidays closed); now Tue 09:00: granted
`
	if got := d.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	// A person with two levels: a denial lists why for each.
	e2, err := NewEngine(Config{Site: Site{Location: loc},
		Profiles: []TimeProfile{{ID: 2, Name: "Nights", Intervals: mustIntervals(t, "Mon-Fri 18:00-06:00")}},
		Doors:    []Door{{ID: 3}, {ID: 4}},
		Levels: []AccessLevel{
			{ID: 1, Name: "Night shift", Doors: []DoorRule{{Door: 3, Profile: 2}}},
			{ID: 2, Name: "Garage", Doors: []DoorRule{{Door: 4}}},
		},
		People: []Person{{ID: 1, Name: "Kim", Active: true, Levels: []LevelID{1, 2}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d = e2.Decide(Request{Person: 1, AssumeCredentials: true, Door: 3, Direction: Entry, Time: at(loc, 2026, 11, 29, 2, 10)})
	want = `denied
  pass  person: person 1 Kim
  pass  active: access control active
  pass  validity: valid with no start or end
  pass  credentials: not checked: credentials assumed presented
  pass  door: door 3, entry
  fail  level: access level Night shift: door 3 allowed on Nights (Mon-Fri 18:00-06:00); now Sun 02:10: outside the schedule
  fail  level: access level Garage: door 3 is not in this level
`
	if got := d.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWhoCanOpen(t *testing.T) {
	e, loc := fixture(t)
	tue9 := at(loc, 2026, 11, 24, 9, 0)
	tests := []struct {
		name string
		door DoorID
		dir  Direction
		t    time.Time
		want []PersonID
	}{
		// Anna, Dan, Eve (Office), Gus (Everything, lock 1 his); Ben inactive,
		// Cara valid, Jo no level.
		{"main entrance office hours", 1, Entry, tue9, []PersonID{1, 3, 4, 5, 7}},
		{"server room: lock 3 not Gus's", 3, Entry, tue9, nil},
		{"server room at night", 3, Entry, at(loc, 2026, 11, 24, 22, 0), []PersonID{6}},
		{"main entrance at night, exit", 1, Exit, at(loc, 2026, 11, 24, 22, 0), []PersonID{6}},
		{"main entrance at night, both ways", 1, Both, at(loc, 2026, 11, 24, 22, 0), nil},
		{"after Anna's expiry", 1, Entry, at(loc, 2026, 12, 30, 12, 0), []PersonID{3, 4, 5, 7}},
		{"unknown door", 99, Entry, tue9, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := e.WhoCanOpen(tc.door, tc.dir, tc.t)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
			// Every person listed is granted by Decide with assumed credentials.
			for _, id := range got {
				for _, dir := range []Direction{Entry, Exit} {
					if tc.dir&dir == 0 {
						continue
					}
					if d := e.Decide(Request{Person: id, AssumeCredentials: true, Door: tc.door, Direction: dir, Time: tc.t}); !d.Grant {
						t.Errorf("listed person %d is denied:\n%s", id, d)
					}
				}
			}
		})
	}
}

func TestHolder(t *testing.T) {
	e, _ := fixture(t)
	for _, tc := range []struct {
		id   Identifier
		want PersonID
		ok   bool
	}{
		{Identifier{KindCard, "0100"}, 1, true},
		{Identifier{KindCard, "08:800"}, 8, true},
		{Identifier{KindCard, " 100\t"}, 1, true},
		{Identifier{KindQR, " eve "}, 5, true},
		{Identifier{KindCard, "x"}, 0, false},
		{Identifier{KindUKey, "none"}, 0, false},
	} {
		got, ok := e.Holder(tc.id)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Holder(%v) = %d %v, want %d %v", tc.id, got, ok, tc.want, tc.ok)
		}
	}
}
