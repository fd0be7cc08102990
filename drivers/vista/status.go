package vista

import (
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// maxKept is how many Contact ID events and keypad beeps a Status keeps.
const maxKept = 32

// Status is what a session has learned from the Envisalink's stream: the
// richer state behind ReadPartitions (exit delay, alarm memory, zones,
// what each keypad shows, who armed or disarmed), kept for the screens of
// later issues. Seq numbers every frame; the Seq fields say which frame
// last told each thing.
type Status struct {
	Seq uint64 // frames taken since the driver opened

	Partitions    Partitions // the last %02
	PartitionsSeq uint64     // 0 until the first %02

	Zones    Zones // the last %01
	ZonesSeq uint64

	Keypads   [8]Keypad // the last %00 of each partition
	KeypadSeq [8]uint64

	// Beeps are the last keypad updates that beeped (Beep != 0), oldest
	// first: a single beep confirms a user code programmed at the keypad.
	Beeps []Beep
	// Events are the last Contact ID events, oldest first.
	Events []Event
	// LastUser is, per partition, the last user seen arming or disarming
	// it (CID 401/441 ...), 0 before any.
	LastUser [8]UserAction

	Garbled int // frames dropped by the decoder, this connection and before

	// seen are the users of the CID openings and closings not yet taken
	// by Driver.UsersSeen, at most maxSeen.
	seen []drivers.UserSeen
	// events are the Contact ID events not yet acknowledged
	// (Driver.AckEvents), at most maxEvents, numbered by evSeq from 1;
	// known are the zones reported open at least once (%01 reports only
	// the open ones).
	events []drivers.Event
	evSeq  uint64
	known  map[int]bool
}

// maxEvents bounds the events kept until the dispatcher records them.
const maxEvents = 1024

// cidEvent is a Contact ID event in the journal's words (store.EventKind)
// with its zone or user; false for a condition reported again (6).
func cidEvent(c CID) (kind string, zone, user int, ok bool) {
	if c.Qualifier == QualStill {
		return "", 0, 0, false
	}
	if u, armed, _, by := c.ArmedBy(); by {
		if armed {
			return "armed", 0, u, true
		}
		return "disarmed", 0, u, true
	}
	restore := c.Qualifier == QualRestore
	pick := func(event, back string) (string, int, int, bool) {
		if restore {
			return back, c.ZoneUser, 0, true
		}
		return event, c.ZoneUser, 0, true
	}
	switch code := c.Code; {
	case code == 121:
		return "duress", 0, c.ZoneUser, true
	case code >= 110 && code <= 118:
		return pick("fire", "restore")
	case code >= 120 && code <= 129:
		return pick("panic", "restore")
	case code == 144 || code == 145 || code == 383:
		return pick("tamper", "restore")
	case code >= 130 && code <= 199:
		return pick("alarm", "restore")
	case code == 461:
		return "invalid code", 0, 0, true
	case code >= 300 && code <= 399:
		return pick("trouble", "trouble restore")
	}
	return pick("other", "other")
}

// maxSeen bounds the users kept between two polls.
const maxSeen = 256

// Beep is a keypad update that beeped.
type Beep struct {
	Seq       uint64
	Partition int
	Beep      int
	Display   string
}

// Event is a Contact ID event and the frame that brought it.
type Event struct {
	Seq uint64
	CID CID
}

// UserAction is an arming or disarming by a user.
type UserAction struct {
	User  int
	Armed bool // closing (armed); false: opening (disarmed)
	Stay  bool
	Seq   uint64
}

// apply takes one event frame into the status.
func (s *Status) apply(f Frame) {
	s.Seq++
	switch f.Code {
	case EvKeypad:
		k := f.Keypad
		s.Keypads[k.Partition-1], s.KeypadSeq[k.Partition-1] = k, s.Seq
		if k.Beep != 0 {
			s.Beeps = keep(s.Beeps, Beep{Seq: s.Seq, Partition: k.Partition, Beep: k.Beep, Display: k.Display()})
		}
	case EvZones:
		s.Zones, s.ZonesSeq = f.Zones, s.Seq
		if s.known == nil {
			s.known = map[int]bool{}
		}
		for _, n := range f.Zones.OpenZones() {
			s.known[n] = true
		}
	case EvPartitions:
		s.Partitions, s.PartitionsSeq = f.Partitions, s.Seq
	case EvCID:
		s.Events = keep(s.Events, Event{Seq: s.Seq, CID: f.CID})
		if u, armed, stay, ok := f.CID.ArmedBy(); ok && f.CID.Partition >= 1 && f.CID.Partition <= 8 {
			s.LastUser[f.CID.Partition-1] = UserAction{User: u, Armed: armed, Stay: stay, Seq: s.Seq}
			if len(s.seen) < maxSeen {
				s.seen = append(s.seen, drivers.UserSeen{Slot: u, Partition: f.CID.Partition, Armed: armed})
			}
		}
		if kind, zone, user, ok := cidEvent(f.CID); ok {
			s.evSeq++
			if len(s.events) >= maxEvents {
				s.events = s.events[1:]
			}
			s.events = append(s.events, drivers.Event{Kind: kind, Partition: f.CID.Partition, Zone: zone, User: user, Seq: s.evSeq, Time: time.Now(), Text: "Contact ID " + f.CID.String()})
		}
	}
}

func keep[T any](s []T, v T) []T {
	if len(s) >= maxKept {
		s = append(s[:0], s[1:]...)
	}
	return append(s, v)
}

// Code is partition n's last %02 status code (PartUnused before any).
func (s *Status) Code(n int) PartitionCode {
	if n < 1 || n > s.Partitions.Count {
		return PartUnused
	}
	return s.Partitions.State[n-1]
}

// Used returns the partitions the last %02 reported in use, ascending.
func (s *Status) Used() []int {
	var out []int
	for n := 1; n <= s.Partitions.Count; n++ {
		if s.Partitions.State[n-1] != PartUnused {
			out = append(out, n)
		}
	}
	return out
}

// keypadNewer reports whether partition n's last keypad update came after
// the last %02: the keypad's LEDs then say more recently what the panel
// does.
func (s *Status) keypadNewer(n int) bool {
	return s.KeypadSeq[n-1] != 0 && s.KeypadSeq[n-1] > s.PartitionsSeq
}

// State is partition n in store/family's words. An exit delay and an
// alarm in memory are told as such (the %02 code says them); otherwise the
// newer of the partition's %02 code and its keypad's LEDs decides.
func (s *Status) State(n int) family.PartitionState {
	if n < 1 || n > 8 {
		return family.Trouble
	}
	alarm := s.keypadNewer(n) && s.Keypads[n-1].LEDs&LEDAlarm != 0
	switch {
	case s.Code(n) == PartExitDelay && !alarm:
		return family.ExitDelay
	case s.keypadNewer(n):
		if st, ok := ledState(s.Keypads[n-1].LEDs, s.KeypadSeq[n-1] != 0); ok {
			if st == family.Disarmed && s.Code(n) == PartAlarmMemory {
				return family.AlarmMemory
			}
			return st
		}
	}
	switch s.Code(n) {
	case PartReady, PartReadyBypass:
		return family.Disarmed
	case PartAlarmMemory:
		return family.AlarmMemory
	case PartNotReady:
		return family.NotReady
	case PartArmedStay, PartArmedInst:
		return family.ArmedStay
	case PartArmedAway, PartArmedMax:
		return family.ArmedAway
	case PartAlarm:
		return family.Alarm
	}
	return family.Trouble
}

func ledState(leds uint16, known bool) (family.PartitionState, bool) {
	switch {
	case !known:
		return "", false
	case leds&LEDAlarm != 0:
		return family.Alarm, true
	case leds&LEDArmedStay != 0:
		return family.ArmedStay, true
	case leds&LEDArmedAway != 0:
		return family.ArmedAway, true
	case leds&LEDReady != 0:
		return family.Disarmed, true
	}
	return family.NotReady, true
}

// Ready reports whether partition n is disarmed and ready to arm, by the
// newer of its %02 code and its keypad's LEDs: the only state in which the
// driver programs codes.
func (s *Status) Ready(n int) bool {
	if s.keypadNewer(n) {
		l := s.Keypads[n-1].LEDs
		return l&LEDReady != 0 && l&(LEDArmedStay|LEDArmedAway|LEDAlarm) == 0
	}
	c := s.Code(n)
	return c == PartReady || c == PartReadyBypass
}

// Display is what partition n's keypads last showed, "" before any update.
func (s *Status) Display(n int) string {
	if n < 1 || n > 8 || s.KeypadSeq[n-1] == 0 {
		return ""
	}
	return s.Keypads[n-1].Display()
}

func (s *Status) clone() Status {
	c := *s
	c.seen, c.events, c.known = nil, nil, nil
	c.Beeps = append([]Beep(nil), s.Beeps...)
	c.Events = append([]Event(nil), s.Events...)
	return c
}
