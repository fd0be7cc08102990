package access

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseInterval(t *testing.T) {
	tests := []struct {
		in      string
		want    WeeklyInterval
		text    string // String() of the result
		wantErr string
	}{
		{in: "Mon-Fri 08:00-17:00", want: WeeklyInterval{Weekdays, 480, 1020}, text: "Mon-Fri 08:00-17:00"},
		{in: "  sat,sun 00:00-24:00 ", want: WeeklyInterval{Weekend, 0, 1440}, text: "Sat,Sun 00:00-24:00"},
		{in: "Fri-Mon 22:00-06:00", want: WeeklyInterval{Friday | Saturday | Sunday | Monday, 1320, 360}, text: "Mon,Fri-Sun 22:00-06:00"},
		{in: "Daily 01:00-03:00", want: WeeklyInterval{AllWeek, 60, 180}, text: "Mon-Sun 01:00-03:00"},
		{in: "Mon,Wed,Hol 10:00-12:00", want: WeeklyInterval{Monday | Wednesday | Holiday, 600, 720}, text: "Mon,Wed,Hol 10:00-12:00"},
		{in: "Mon-Fri", wantErr: "write days then times"},
		{in: "Mon-Fri 08:00", wantErr: "HH:MM-HH:MM"},
		{in: "Mon-Fri 8:00-17:00", wantErr: "is not a time"},
		{in: "Mon-Fri +8:00-17:00", wantErr: "is not a time"},
		{in: "Mon-Fri 08:00-24:01", wantErr: "is not a time"},
		{in: "Mon-Fri 24:00-08:00", wantErr: "a start is 00:00 to 23:59"},
		{in: "Mon-Fri 08:00-00:00", wantErr: "an end is 00:01 to 24:00"},
		{in: "Mon-Fri 08:00-08:00", wantErr: "is empty"},
		{in: "Mun 08:00-09:00", wantErr: "is not a day"},
		{in: "Mon-Hol 08:00-09:00", wantErr: "Hol cannot be part of a range"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseInterval(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || got.String() != tc.text {
				t.Errorf("got %+v %q, want %+v %q", got, got.String(), tc.want, tc.text)
			}
		})
	}
}

func TestParseIntervals(t *testing.T) {
	got, err := ParseIntervals("Mon-Fri 08:00-17:00; ; Sat 09:00-12:00")
	if err != nil || len(got) != 2 || got[1] != (WeeklyInterval{Saturday, 540, 720}) {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := ParseIntervals("Mon-Fri 08:00-17:00; Sat 9-12"); err == nil {
		t.Fatal("a bad second interval was accepted")
	}
}

// FuzzParseInterval: whatever parses, writes back to text that parses to
// the same interval, and never panics.
func FuzzParseInterval(f *testing.F) {
	for _, s := range []string{"Mon-Fri 08:00-17:00", "Fri-Mon 22:00-06:00", "Hol 10:00-12:00", "Daily 00:00-24:00", "x", "Mon 24:00-01:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseInterval(s)
		if err != nil {
			return
		}
		if err := w.Validate(); err != nil {
			t.Fatalf("%q parsed to an invalid interval: %v", s, err)
		}
		again, err := ParseInterval(w.String())
		if err != nil || again != w {
			t.Fatalf("%q → %q → %+v, %v", s, w.String(), again, err)
		}
	})
}

func TestProfileOpen(t *testing.T) {
	loc := helsinki(t)
	p := compileProfile(TimeProfile{ID: 1, Name: "p", Intervals: mustIntervals(t, "Fri 22:00-02:00; Hol 23:00-01:00"),
		Holidays: []Date{{2026, 11, 27}, {2026, 11, 29}}})
	tests := []struct {
		when time.Time
		want bool
	}{
		// Friday 2026-11-27 is a holiday: its Fri interval does not start,
		// the Hol one does and runs into Saturday.
		{at(loc, 2026, 11, 27, 22, 30), false},
		{at(loc, 2026, 11, 27, 23, 0), true},
		{at(loc, 2026, 11, 28, 0, 59), true},
		{at(loc, 2026, 11, 28, 1, 0), false},
		// Friday 2026-12-04 is not: 22:00 to Saturday 02:00.
		{at(loc, 2026, 12, 4, 22, 0), true},
		{at(loc, 2026, 12, 5, 1, 59), true},
		{at(loc, 2026, 12, 5, 2, 0), false},
		// Sunday 2026-11-29 is a holiday; Monday after midnight is its spill.
		{at(loc, 2026, 11, 30, 0, 30), true},
	}
	for _, tc := range tests {
		w := wallClock(tc.when, loc)
		if got := p.open(&w); got != tc.want {
			t.Errorf("%s: open = %v, want %v", tc.when.Format(time.RFC1123), got, tc.want)
		}
	}
	if p.text != "Fri 22:00-02:00; Hol 23:00-01:00" {
		t.Errorf("text %q", p.text)
	}
	never := compileProfile(TimeProfile{ID: 2, Name: "never"})
	w := wallClock(at(loc, 2026, 11, 27, 12, 0), loc)
	if never.open(&w) || never.text != "never" {
		t.Errorf("a profile without intervals is open or reads %q", never.text)
	}
}

func TestTimeProfileValidate(t *testing.T) {
	for _, tc := range []struct {
		p    TimeProfile
		want string
	}{
		{TimeProfile{ID: 0, Name: "x"}, "reserved for Always"},
		{TimeProfile{ID: 1}, "has no name"},
		{TimeProfile{ID: 1, Name: "x", Intervals: []WeeklyInterval{{Days: 0, Start: 0, End: 10}}}, "has no days"},
		{TimeProfile{ID: 1, Name: "x", Holidays: []Date{{2026, 13, 1}}}, "is not a date"},
	} {
		err := tc.p.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.p, err, tc.want)
		}
	}
}

func TestDaysString(t *testing.T) {
	for d, want := range map[Days]string{
		0: "none", Weekdays: "Mon-Fri", Monday | Tuesday: "Mon,Tue", Sunday | Monday: "Mon,Sun",
		AllWeek | Holiday: "Mon-Sun,Hol", Holiday: "Hol", Monday | Wednesday | Thursday | Friday: "Mon,Wed-Fri",
	} {
		if got := d.String(); got != want {
			t.Errorf("%08b: %q, want %q", d, got, want)
		}
	}
	if got := (Date{0, 12, 25}).String() + " " + (Date{2026, 1, 6}).String(); got != "12-25 2026-01-06" {
		t.Errorf("dates %q", got)
	}
	if !slices.Equal(compileProfile(TimeProfile{Holidays: []Date{{2026, 1, 1}, {2026, 1, 1}}}).holidays, []int32{20260101}) {
		t.Error("holidays not deduplicated")
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]Date{"2026-12-24": {2026, 12, 24}, " 12-25 ": {0, 12, 25}, "02-29": {0, 2, 29}} {
		got, err := ParseDate(in)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, err := ParseDate(got.String()); err != nil || again != got {
			t.Errorf("%v does not read back: %v, %v", got, again, err)
		}
	}
	for _, in := range []string{"2026-02-30", "13-01", "24.12.2026", ""} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) accepted", in)
		}
	}
}
