package access

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ProfileID names a time profile. The zero ID is Always.
type ProfileID uint32

// Always is the time profile that is open at every instant, holidays
// included. It is the default wherever a profile is not chosen.
const Always ProfileID = 0

// Days is a set of days an interval applies to: one bit per time.Weekday
// (Sunday is bit 0) and the Holiday bit for the profile's holidays.
type Days uint8

// Day sets. Holiday is not a weekday: on a holiday only intervals with the
// Holiday bit apply.
const (
	Sunday    Days = 1 << time.Sunday
	Monday    Days = 1 << time.Monday
	Tuesday   Days = 1 << time.Tuesday
	Wednesday Days = 1 << time.Wednesday
	Thursday  Days = 1 << time.Thursday
	Friday    Days = 1 << time.Friday
	Saturday  Days = 1 << time.Saturday
	Holiday   Days = 1 << 7

	Weekdays Days = Monday | Tuesday | Wednesday | Thursday | Friday
	Weekend  Days = Saturday | Sunday
	AllWeek  Days = Weekdays | Weekend
)

// dayOrder is the order days are written in: Monday first, holidays last.
var dayOrder = [8]uint8{1, 2, 3, 4, 5, 6, 0, 7}
var dayNames = [8]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Hol"}

// WeeklyInterval is an interval of the local day, [Start, End) in minutes
// since local midnight, on the days in Days. Start is 0..1439 and End is
// 1..1440 (24:00). When End is before Start the interval crosses midnight:
// it begins on a day in Days and ends on the following day, whatever that
// day is. An interval belongs to the day it starts on.
type WeeklyInterval struct {
	Days       Days
	Start, End uint16
}

// crosses reports whether the interval ends on the following day.
func (w WeeklyInterval) crosses() bool { return w.End < w.Start }

// Validate says what to fix in an interval, or returns nil.
func (w WeeklyInterval) Validate() error {
	switch {
	case w.Days == 0:
		return fmt.Errorf("%w: interval %s has no days; pick at least one day", ErrInvalid, w)
	case w.Start > 1439:
		return fmt.Errorf("%w: interval starts at %s; a start is 00:00 to 23:59", ErrInvalid, clock(w.Start))
	case w.End == 0 || w.End > 1440:
		return fmt.Errorf("%w: interval ends at %s; an end is 00:01 to 24:00", ErrInvalid, clock(w.End))
	case w.Start == w.End:
		return fmt.Errorf("%w: interval %s is empty; use 00:00-24:00 for a whole day", ErrInvalid, w)
	}
	return nil
}

// String writes the interval as ParseInterval reads it: "Mon-Fri 08:00-17:00".
func (w WeeklyInterval) String() string {
	return w.Days.String() + " " + clock(w.Start) + "-" + clock(w.End)
}

// String writes a day set, runs joined by a dash: "Mon-Fri", "Mon,Wed,Hol".
func (d Days) String() string {
	if d == 0 {
		return "none"
	}
	var b strings.Builder
	set := func(i int) bool { return d&(1<<dayOrder[i]) != 0 }
	for i := 0; i < 7; {
		if !set(i) {
			i++
			continue
		}
		j := i
		for j+1 < 7 && set(j+1) {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(dayNames[dayOrder[i]])
		switch {
		case j == i+1:
			b.WriteByte(',')
			b.WriteString(dayNames[dayOrder[j]])
		case j > i+1:
			b.WriteByte('-')
			b.WriteString(dayNames[dayOrder[j]])
		}
		i = j + 1
	}
	if d&Holiday != 0 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString("Hol")
	}
	return b.String()
}

func clock(m uint16) string {
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// ParseInterval reads one interval: days, a space, then HH:MM-HH:MM. Days
// are Mon Tue Wed Thu Fri Sat Sun and Hol (the profile's holidays), joined
// by commas, with ranges in Monday-first order ("Mon-Fri", "Sat-Sun",
// "Fri-Mon" wraps round the week); "Daily" is Mon-Sun. "24:00" is the end of
// the day. Examples: "Mon-Fri 08:00-17:00", "Fri,Sat 22:00-06:00",
// "Hol 10:00-14:00".
func ParseInterval(s string) (WeeklyInterval, error) {
	s = strings.TrimSpace(s)
	dayPart, timePart, ok := strings.Cut(s, " ")
	if !ok {
		return WeeklyInterval{}, fmt.Errorf("%w: %q: write days then times, e.g. Mon-Fri 08:00-17:00", ErrInvalid, s)
	}
	days, err := parseDays(dayPart)
	if err != nil {
		return WeeklyInterval{}, err
	}
	from, to, ok := strings.Cut(strings.TrimSpace(timePart), "-")
	if !ok {
		return WeeklyInterval{}, fmt.Errorf("%w: %q: write the times as HH:MM-HH:MM", ErrInvalid, s)
	}
	start, err := parseClock(from)
	if err != nil {
		return WeeklyInterval{}, err
	}
	end, err := parseClock(to)
	if err != nil {
		return WeeklyInterval{}, err
	}
	w := WeeklyInterval{Days: days, Start: start, End: end}
	return w, w.Validate()
}

// ParseIntervals reads intervals separated by ";": "Mon-Fri 08:00-17:00; Sat 09:00-12:00".
// An empty string is no interval.
func ParseIntervals(s string) ([]WeeklyInterval, error) {
	var out []WeeklyInterval
	for part := range strings.SplitSeq(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		w, err := ParseInterval(part)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func parseDays(s string) (Days, error) {
	if strings.EqualFold(s, "daily") {
		return AllWeek, nil
	}
	var d Days
	for item := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(item, "-")
		ia, err := dayIndex(a)
		if err != nil {
			return 0, err
		}
		if !isRange {
			d |= 1 << dayOrder[ia]
			continue
		}
		ib, err := dayIndex(b)
		if err != nil {
			return 0, err
		}
		if ia == 7 || ib == 7 {
			return 0, fmt.Errorf("%w: %q: Hol cannot be part of a range; list it on its own (Mon-Fri,Hol)", ErrInvalid, item)
		}
		for i := ia; ; i = (i + 1) % 7 {
			d |= 1 << dayOrder[i]
			if i == ib {
				break
			}
		}
	}
	return d, nil
}

func dayIndex(s string) (int, error) {
	for i, o := range dayOrder {
		if strings.EqualFold(s, dayNames[o]) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%w: %q is not a day; use Mon Tue Wed Thu Fri Sat Sun or Hol", ErrInvalid, s)
}

func parseClock(s string) (uint16, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || !allDigits(h) || !allDigits(m) || err1 != nil || err2 != nil || hh > 24 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%w: %q is not a time; write HH:MM from 00:00 to 24:00", ErrInvalid, s)
	}
	return uint16(hh*60 + mm), nil
}

// Date is a calendar date in the site's time zone. Year 0 means every year
// (a fixed holiday such as 12-25).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String writes the date as 2026-12-24, or 12-24 for every year.
func (d Date) String() string {
	if d.Year == 0 {
		return fmt.Sprintf("%02d-%02d", int(d.Month), d.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// ParseDate reads a holiday: "2026-12-24" for one date, "12-25" for the
// same day every year.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	layout, yearly := "2006-01-02", false
	if len(s) == 5 {
		layout, yearly = "01-02", true
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%w: %q is not a date; write YYYY-MM-DD, or MM-DD for every year", ErrInvalid, s)
	}
	if yearly {
		return Date{Month: t.Month(), Day: t.Day()}, nil
	}
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

func (d Date) key() int32 { return int32(d.Year)*10000 + int32(d.Month)*100 + int32(d.Day) }

// TimeProfile is a weekly schedule (reference 002 "schedule", 000 "time
// profile"). It is open during its intervals. On a date listed in Holidays
// the weekday intervals do not apply: the profile is closed that day except
// during its intervals with the Holiday bit.
type TimeProfile struct {
	ID        ProfileID
	Name      string
	Intervals []WeeklyInterval
	Holidays  []Date
}

// Validate says what to fix in a profile, or returns nil.
func (p TimeProfile) Validate() error {
	if p.ID == Always {
		return fmt.Errorf("%w: time profile %q has ID 0, which is reserved for Always; give it another ID", ErrInvalid, p.Name)
	}
	if strings.TrimSpace(p.Name) == "" {
		return fmt.Errorf("%w: time profile %d has no name; name it", ErrInvalid, p.ID)
	}
	for _, w := range p.Intervals {
		if err := w.Validate(); err != nil {
			return fmt.Errorf("time profile %s: %w", p.Name, err)
		}
	}
	for _, d := range p.Holidays {
		if d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 || d.Year < 0 {
			return fmt.Errorf("%w: time profile %s: holiday %s is not a date", ErrInvalid, p.Name, d)
		}
	}
	return nil
}

// span is a part of one local day, [start, end) in minutes.
type span struct{ start, end uint16 }

// profile is a TimeProfile compiled for evaluation.
type profile struct {
	id     ProfileID
	name   string
	always bool
	// today[c] are the spans a day of class c (weekday 0..6, 7 for a
	// holiday) is open from its own intervals; spill[c] are the spans after
	// midnight the following day gets from intervals of a day of class c
	// that cross midnight.
	today, spill [8][]span
	holidays     []int32 // sorted keys; year 0 keys are month*100+day
	text         string  // "Mon-Fri 08:00-17:00; holidays closed"
}

var alwaysProfile = &profile{name: "Always", always: true, text: "always"}

func compileProfile(p TimeProfile) *profile {
	c := &profile{id: p.ID, name: p.Name}
	parts := make([]string, 0, len(p.Intervals)+1)
	hasHoliday := false
	for _, w := range p.Intervals {
		parts = append(parts, w.String())
		for cls := 0; cls < 8; cls++ {
			if w.Days&(1<<cls) == 0 {
				continue
			}
			if cls == 7 {
				hasHoliday = true
			}
			if w.crosses() {
				c.today[cls] = append(c.today[cls], span{w.Start, 1440})
				c.spill[cls] = append(c.spill[cls], span{0, w.End})
			} else {
				c.today[cls] = append(c.today[cls], span{w.Start, w.End})
			}
		}
	}
	for _, d := range p.Holidays {
		c.holidays = append(c.holidays, d.key())
	}
	slices.Sort(c.holidays)
	c.holidays = slices.Compact(c.holidays)
	if len(parts) == 0 {
		parts = append(parts, "never")
	}
	if len(c.holidays) > 0 && !hasHoliday {
		parts = append(parts, "holidays closed")
	}
	c.text = strings.Join(parts, "; ")
	return c
}

func (p *profile) isHoliday(y int, m time.Month, d int) bool {
	if len(p.holidays) == 0 {
		return false
	}
	k := int32(y)*10000 + int32(m)*100 + int32(d)
	if _, ok := slices.BinarySearch(p.holidays, k); ok {
		return true
	}
	_, ok := slices.BinarySearch(p.holidays, int32(m)*100+int32(d))
	return ok
}

// wall is an instant read on the site's wall clock.
type wall struct {
	y       int
	m       time.Month
	d       int
	wd      time.Weekday
	minute  uint16
	py      int // the previous calendar day
	pm      time.Month
	pd      int
	pwd     time.Weekday
	instant time.Time
}

func wallClock(t time.Time, loc *time.Location) wall {
	l := t.In(loc)
	w := wall{instant: l}
	w.y, w.m, w.d = l.Date()
	w.wd = l.Weekday()
	w.minute = uint16(l.Hour()*60 + l.Minute())
	prev := time.Date(w.y, w.m, w.d-1, 12, 0, 0, 0, time.UTC)
	w.py, w.pm, w.pd = prev.Date()
	w.pwd = (w.wd + 6) % 7
	return w
}

// String writes the wall-clock time as "Sat 02:10".
func (w wall) String() string {
	return dayNames[w.wd] + " " + clock(w.minute)
}

// open reports whether the profile is open at the wall-clock instant w.
func (p *profile) open(w *wall) bool {
	if p.always {
		return true
	}
	cls := int(w.wd)
	if p.isHoliday(w.y, w.m, w.d) {
		cls = 7
	}
	for _, s := range p.today[cls] {
		if w.minute >= s.start && w.minute < s.end {
			return true
		}
	}
	pcls := int(w.pwd)
	if p.isHoliday(w.py, w.pm, w.pd) {
		pcls = 7
	}
	for _, s := range p.spill[pcls] {
		if w.minute < s.end {
			return true
		}
	}
	return false
}
