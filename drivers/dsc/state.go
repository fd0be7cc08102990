package dsc

import (
	"slices"
	"strconv"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// ArmedMode is how a DSC partition is armed (652's mode digit).
type ArmedMode int

// Armed modes, in 652's order.
const (
	ModeAway ArmedMode = iota
	ModeStay
	ModeZeroEntryAway
	ModeZeroEntryStay
)

// LED bits of 510 and 511 (partition 1's keypad).
const (
	LEDReady     = 1 << 0
	LEDArmed     = 1 << 1
	LEDMemory    = 1 << 2
	LEDBypass    = 1 << 3
	LEDTrouble   = 1 << 4
	LEDProgram   = 1 << 5
	LEDFire      = 1 << 6
	LEDBacklight = 1 << 7
)

// PartitionStatus is what the event stream has said of one partition:
// richer than store/family's states, kept for the zones and events
// screens of later issues.
type PartitionStatus struct {
	Number      int
	Ready       bool // 650/653: can be armed
	ForceArm    bool // 653: ready with force arming
	Armed       bool // 652
	Mode        ArmedMode
	ExitDelay   bool // 656
	EntryDelay  bool // 657
	Alarm       bool // 654
	AlarmMemory bool // disarmed after an alarm, until it is next armed
	Busy        bool // 673
	Lockout     bool // 658
	Trouble     bool // 840/841
	// LastUser is the user number of the last 700 (closing) or 750
	// (opening), 0 if none seen; LastUserArmed says which.
	LastUser      int
	LastUserArmed bool
}

// State maps the partition to store/family's words: alarm first, then
// an entry delay (someone came in), an exit delay (arming), armed in its
// mode, busy, not ready, trouble, an alarm in memory, else disarmed.
func (p PartitionStatus) State() family.PartitionState {
	switch {
	case p.Alarm:
		return family.Alarm
	case p.EntryDelay:
		return family.EntryDelay
	case p.ExitDelay && !p.Armed:
		return family.ExitDelay
	case p.Armed:
		if p.Mode == ModeStay || p.Mode == ModeZeroEntryStay {
			return family.ArmedStay
		}
		return family.ArmedAway
	case p.Busy:
		return family.Busy
	case !p.Ready || p.Lockout:
		return family.NotReady
	case p.Trouble:
		return family.Trouble
	case p.AlarmMemory:
		return family.AlarmMemory
	}
	return family.Disarmed
}

// disarmedReady reports whether codes may be programmed: disarmed, no
// delay, no alarm, ready, not busy.
func (p PartitionStatus) disarmedReady() bool {
	return !p.Armed && !p.ExitDelay && !p.EntryDelay && !p.Alarm && p.Ready && !p.Busy && !p.Lockout
}

// Status is the panel as the event stream shows it.
type Status struct {
	Partitions map[int]*PartitionStatus
	Zones      map[int]ZoneStatus
	LED, Flash byte // 510 and 511, partition 1's keypad
	LEDSeen    bool
	Troubles   map[Code]bool // 800-830 troubles on (by their "on" code)
	Verbose    byte          // 849's bit field
	Installer  bool          // 680 seen since the last partition event

	// seen are the users of the 700/750 events not yet taken by
	// Driver.UsersSeen, at most maxSeen.
	seen []drivers.UserSeen
	// events are the events not yet acknowledged (Driver.AckEvents), at
	// most maxEvents, numbered by evSeq from 1 for this driver.
	events []drivers.Event
	evSeq  uint64
}

// maxEvents bounds the events kept until the dispatcher records them; a
// panel that says more between two reads loses the oldest.
const maxEvents = 1024

// event queues an event for the journal.
func (s *Status) event(kind string, partition, zone, user int, text string) {
	s.evSeq++
	if len(s.events) >= maxEvents {
		s.events = s.events[1:]
	}
	s.events = append(s.events, drivers.Event{Kind: kind, Partition: partition, Zone: zone, User: user, Seq: s.evSeq, Time: time.Now(), Text: text})
}

// zoneEvents are the zone frames that are events for the journal, and
// the words for them (store.EventKind).
var zoneEvents = map[Code]string{
	RespZoneAlarm: "alarm", RespZoneAlarmRestore: "restore", RespZoneTamper: "tamper", RespZoneTamperRest: "restore",
	RespZoneFault: "trouble", RespZoneFaultRestore: "trouble restore",
}

// keyEvents are the keypad alarms ([F], [A], [P] keys) and their restores.
var keyEvents = map[Code]string{"621": "fire", "622": "restore", "623": "alarm", "624": "restore", "625": "panic", "626": "restore"}

// maxSeen bounds the users kept between two polls.
const maxSeen = 256

// ZoneStatus is one zone's state.
type ZoneStatus struct {
	Open, Alarm, Tamper, Fault bool
}

func newStatus() Status {
	return Status{Partitions: map[int]*PartitionStatus{}, Zones: map[int]ZoneStatus{}, Troubles: map[Code]bool{}}
}

func (s *Status) part(n int) *PartitionStatus {
	p := s.Partitions[n]
	if p == nil {
		p = &PartitionStatus{Number: n}
		s.Partitions[n] = p
	}
	return p
}

// partitionOf reads the partition digit that starts data (1-8).
func partitionOf(data string) (int, bool) {
	if len(data) < 1 || data[0] < '1' || data[0] > '8' {
		return 0, false
	}
	return int(data[0] - '0'), true
}

// troubleRestore pairs each trouble restore with its trouble.
var troubleRestore = map[Code]Code{"801": "800", "803": "802", "807": "806", "815": "814", "830": "829", "843": "842"}

// apply updates the status from one frame the panel sent.
func (s *Status) apply(f Frame) {
	switch f.Cmd {
	case RespLED, RespLEDFlash:
		v, err := strconv.ParseUint(f.Data, 16, 8)
		if err != nil || len(f.Data) != 2 {
			return
		}
		if f.Cmd == RespLED {
			s.LED, s.LEDSeen = byte(v), true
		} else {
			s.Flash = byte(v)
		}
		return
	case RespZoneAlarm, RespZoneAlarmRestore, RespZoneTamper, RespZoneTamperRest,
		RespZoneFault, RespZoneFaultRestore, RespZoneOpen, RespZoneRestored:
		n := 3 // zone
		if f.Cmd <= RespZoneTamperRest {
			n = 4 // 601-604: partition and zone
		}
		z, err := strconv.Atoi(f.Data[max(len(f.Data)-3, 0):])
		if err != nil || len(f.Data) != n {
			return
		}
		zs := s.Zones[z]
		if kind, ok := zoneEvents[f.Cmd]; ok {
			part := 0
			if n == 4 {
				part = int(f.Data[0] - '0')
			}
			s.event(kind, part, z, 0, f.Cmd.Name())
		}
		switch f.Cmd {
		case RespZoneOpen, RespZoneRestored:
			zs.Open = f.Cmd == RespZoneOpen
		case RespZoneFault, RespZoneFaultRestore:
			zs.Fault = f.Cmd == RespZoneFault
		case RespZoneAlarm, RespZoneAlarmRestore:
			zs.Alarm = f.Cmd == RespZoneAlarm
		default:
			zs.Tamper = f.Cmd == RespZoneTamper
		}
		s.Zones[z] = zs
		return
	case RespVerboseTrouble:
		if v, err := strconv.ParseUint(f.Data, 16, 8); err == nil && len(f.Data) == 2 {
			s.Verbose = byte(v)
		}
		return
	case RespInstallerMode:
		s.Installer = true
		return
	case "800", "802", "806", "814", "816", "829", "842":
		s.Troubles[f.Cmd] = true
		s.event("trouble", 0, 0, 0, f.Cmd.Name())
		return
	case RespDuress:
		s.event("duress", 0, 0, 0, f.Cmd.Name())
		return
	case "621", "622", "623", "624", "625", "626":
		s.event(keyEvents[f.Cmd], 0, 0, 0, f.Cmd.Name())
		return
	}
	if on, ok := troubleRestore[f.Cmd]; ok {
		delete(s.Troubles, on)
		return
	}
	n, ok := partitionOf(f.Data)
	if !ok {
		return
	}
	switch f.Cmd {
	case RespReady, RespReadyForce, RespNotReady, RespArmed, RespInAlarm, RespDisarmed, RespExitDelay, RespEntryDelay,
		RespLockout, RespFailedToArm, RespArmFailure, RespBusy, RespUserClosing, RespUserOpening, RespInvalidCode,
		RespSpecialClosing, RespSpecialOpening, RespPartialClosing, RespTroubleOn, RespTroubleOff:
	default:
		return
	}
	s.Installer = false
	p := s.part(n)
	switch f.Cmd {
	case RespReady, RespReadyForce:
		p.Ready, p.ForceArm = true, f.Cmd == RespReadyForce
		p.Armed, p.ExitDelay, p.EntryDelay, p.Busy, p.Lockout = false, false, false, false, false
	case RespNotReady:
		p.Ready, p.ForceArm, p.Busy, p.Lockout = false, false, false, false
		p.ExitDelay = false
	case RespArmed:
		p.Armed, p.ExitDelay, p.EntryDelay, p.Busy = true, false, false, false
		p.AlarmMemory = false
		if len(f.Data) == 2 && f.Data[1] >= '0' && f.Data[1] <= '3' {
			p.Mode = ArmedMode(f.Data[1] - '0')
		}
	case RespInAlarm:
		p.Alarm, p.AlarmMemory = true, true
	case RespDisarmed:
		p.Armed, p.ExitDelay, p.EntryDelay, p.Alarm = false, false, false, false
	case RespExitDelay:
		p.ExitDelay = true
	case RespEntryDelay:
		p.EntryDelay = true
	case RespLockout:
		p.Lockout = true
		s.event("keypad lockout", n, 0, 0, f.Cmd.Name())
	case RespInvalidCode:
		s.event("invalid code", n, 0, 0, f.Cmd.Name())
	case RespFailedToArm, RespArmFailure:
		p.ExitDelay = false
	case RespBusy:
		p.Busy = true
	case RespTroubleOn, RespTroubleOff:
		p.Trouble = f.Cmd == RespTroubleOn
	case RespSpecialClosing, RespPartialClosing:
		// Armed by no user (quick arm, a keyswitch, the TPI's 030).
		s.event("armed", n, 0, 0, f.Cmd.Name())
	case RespSpecialOpening:
		s.event("disarmed", n, 0, 0, f.Cmd.Name())
	case RespUserClosing, RespUserOpening:
		if u, err := strconv.Atoi(f.Data[1:]); err == nil && len(f.Data) == 5 {
			p.LastUser, p.LastUserArmed = u, f.Cmd == RespUserClosing
			kind := "disarmed"
			if f.Cmd == RespUserClosing {
				kind = "armed"
			}
			s.event(kind, n, 0, u, f.Cmd.Name())
			if len(s.seen) < maxSeen {
				s.seen = append(s.seen, drivers.UserSeen{Slot: u, Partition: n, Armed: f.Cmd == RespUserClosing})
			}
		}
	}
}

// clone copies the status for a reader.
func (s *Status) clone() Status {
	c := Status{Partitions: make(map[int]*PartitionStatus, len(s.Partitions)), Zones: make(map[int]ZoneStatus, len(s.Zones)),
		LED: s.LED, Flash: s.Flash, LEDSeen: s.LEDSeen, Troubles: make(map[Code]bool, len(s.Troubles)), Verbose: s.Verbose, Installer: s.Installer}
	for n, p := range s.Partitions {
		cp := *p
		c.Partitions[n] = &cp
	}
	for z, v := range s.Zones {
		c.Zones[z] = v
	}
	for k, v := range s.Troubles {
		c.Troubles[k] = v
	}
	return c
}

// partitionNumbers returns the partitions seen, ascending.
func (s *Status) partitionNumbers() []int {
	out := make([]int, 0, len(s.Partitions))
	for n := range s.Partitions {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// describeLEDs names the LEDs lit and flashing, for an error that says
// what the keypad showed.
func describeLEDs(led, flash byte) string {
	names := [...]string{"Ready", "Armed", "Memory", "Bypass", "Trouble", "Program", "Fire", "Backlight"}
	out := ""
	for i, n := range names {
		if i == 7 {
			continue
		}
		bit := byte(1) << i
		switch {
		case flash&bit != 0:
			out += " " + n + " flashing"
		case led&bit != 0:
			out += " " + n + " on"
		}
	}
	if out == "" {
		return "keypad LEDs all off"
	}
	return "keypad LEDs:" + out
}
