package access

import (
	"fmt"
	"strings"
	"time"
)

// Identifiers of the things an access level refers to.
type (
	LevelID         uint32 // an access level
	DoorID          uint32 // a door
	DoorGroupID     uint32 // a door group
	AreaGroupID     uint32 // an area group (arming and disarming)
	FloorID         uint32 // a floor
	FloorGroupID    uint32 // a floor group
	ElevatorGroupID uint32 // an elevator group
	MenuGroupID     uint32 // a keypad menu group
	OutputID        uint32 // an output
	OutputGroupID   uint32 // an output group
	LocationGroupID uint32 // a location group (location-based access control)
)

// Direction is the way a person passes a door. A door rule allows Entry,
// Exit or Both; a request is for Entry or Exit.
type Direction uint8

// Directions. Both is the default of a door rule.
const (
	Entry Direction = 1 << iota
	Exit
	Both = Entry | Exit
)

// String returns "entry", "exit" or "both".
func (d Direction) String() string {
	switch d {
	case Entry:
		return "entry"
	case Exit:
		return "exit"
	case Both:
		return "both"
	}
	return fmt.Sprintf("direction %d", uint8(d))
}

// ParseDirection reads "entry", "exit" or "both" (or "in", "out").
func ParseDirection(s string) (Direction, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "entry", "in":
		return Entry, nil
	case "exit", "out":
		return Exit, nil
	case "both", "":
		return Both, nil
	}
	return 0, fmt.Errorf("%w: %q is not a direction; use entry, exit or both", ErrInvalid, s)
}

// DoorRule allows one door, or every door of one door group, under a time
// profile and in a direction. Exactly one of Door and Group is set. Profile
// 0 is Always; Direction 0 is read as Both.
type DoorRule struct {
	Door      DoorID
	Group     DoorGroupID
	Profile   ProfileID
	Direction Direction
}

func (r DoorRule) dir() Direction {
	if r.Direction == 0 {
		return Both
	}
	return r.Direction
}

// AreaRule permits arming (or disarming) an area group under a time profile.
type AreaRule struct {
	Group   AreaGroupID
	Profile ProfileID
}

// FloorRule gives access to one floor, or to every floor of a floor group,
// under a time profile. Exactly one of Floor and Group is set.
type FloorRule struct {
	Floor   FloorID
	Group   FloorGroupID
	Profile ProfileID
}

// ElevatorRule gives access to an elevator group under a time profile.
type ElevatorRule struct {
	Group   ElevatorGroupID
	Profile ProfileID
}

// AccessLevel is what a person may do and when (reference 002). The
// decision engine uses Schedule, Doors and IncludeAllDoors; the other
// fields are kept, validated and handed to the panels as they are.
type AccessLevel struct {
	ID            LevelID
	Name          string
	Name2         string // the name in the second language
	Notes         string
	LocationGroup LocationGroupID // 0: none (location-based access control off)

	// Schedule is the operating schedule: while it is closed none of the
	// level's permissions apply. 0 is Always.
	Schedule ProfileID

	Doors []DoorRule
	// IncludeAllDoors allows every door of the site, present and future,
	// in both directions under the operating schedule alone.
	IncludeAllDoors bool

	ArmAreas           []AreaRule
	DisarmAreas        []AreaRule // disarming an area group also permits arming it
	IncludeAllArming   bool       // arm every area
	IncludeAllDisarm   bool       // disarm and arm every area
	Floors             []FloorRule
	IncludeAllFloors   bool
	Elevators          []ElevatorRule
	IncludeAllElevator bool
	MultiBadgeArming   bool

	// MenuGroups holds the level's one keypad menu group (002: more than
	// one gives unexpected results at the keypad), or none: the level
	// then gives no keypad menu (NoKeypadMenu).
	MenuGroups []MenuGroupID

	Outputs               []OutputID
	OutputGroups          []OutputGroupID
	OutputTime            time.Duration // how long an activated output stays on; 0: the output's own time
	ReaderActivatesOutput bool          // access at a reader activates the outputs
	KeypadActivatesOutput bool          // a keypad login activates the outputs
	OutputUntilExpiry     bool          // an activated output stays on until the level expires for the person
	ToggleOutput          bool          // each activation toggles the outputs
}

// NoKeypadMenu reports whether the level gives no keypad menu: a person
// with only such levels reaches no menu at a keypad.
func (l *AccessLevel) NoKeypadMenu() bool { return len(l.MenuGroups) == 0 }

// Label returns the level's name for messages: its name, or "level N".
func (l *AccessLevel) Label() string {
	if l.Name != "" {
		return l.Name
	}
	return fmt.Sprintf("level %d", l.ID)
}

// Validate checks the level on its own (references to doors and profiles
// are checked by NewEngine) and returns the first problem as a sentence that
// says what to fix, or nil.
func (l *AccessLevel) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: access level %s: "+format, append([]any{ErrInvalid, l.Label()}, a...)...)
	}
	if strings.TrimSpace(l.Name) == "" {
		return bad("the name is empty; name the level")
	}
	for i, r := range l.Doors {
		if (r.Door == 0) == (r.Group == 0) {
			return bad("door rule %d names %s; pick either a door or a door group", i+1, bothOrNone(r.Door == 0))
		}
		if r.Direction > Both {
			return bad("door rule %d has an unknown direction; use entry, exit or both", i+1)
		}
	}
	if err := dupes(l.ArmAreas, func(r AreaRule) AreaGroupID { return r.Group }); err != nil {
		return bad("area group %d is listed twice under arming; keep one", err.id)
	}
	if err := dupes(l.DisarmAreas, func(r AreaRule) AreaGroupID { return r.Group }); err != nil {
		return bad("area group %d is listed twice under disarming; keep one", err.id)
	}
	for _, r := range l.ArmAreas {
		if r.Group == 0 {
			return bad("an arming rule has no area group; pick one")
		}
	}
	for _, r := range l.DisarmAreas {
		if r.Group == 0 {
			return bad("a disarming rule has no area group; pick one")
		}
	}
	for i, r := range l.Floors {
		if (r.Floor == 0) == (r.Group == 0) {
			return bad("floor rule %d names %s; pick either a floor or a floor group", i+1, bothOrNone(r.Floor == 0))
		}
	}
	for _, r := range l.Elevators {
		if r.Group == 0 {
			return bad("an elevator rule has no elevator group; pick one")
		}
	}
	switch len(l.MenuGroups) {
	case 0: // no keypad menu
	case 1:
		if l.MenuGroups[0] == 0 {
			return bad("the menu group is not set; pick one, or none for no keypad menu")
		}
	default:
		return bad("%d menu groups; a level has exactly one, or none for no keypad menu: keep one and remove the others", len(l.MenuGroups))
	}
	activates := l.ReaderActivatesOutput || l.KeypadActivatesOutput
	hasOutputs := len(l.Outputs)+len(l.OutputGroups) > 0
	switch {
	case l.OutputTime < 0:
		return bad("the time to activate outputs is negative; enter 0 or more")
	case activates && !hasOutputs:
		return bad("reader or keypad access activates outputs, but no output or output group is chosen; add one or turn the option off")
	case l.OutputUntilExpiry && !activates:
		return bad("outputs stay on until expiry, which needs reader access or keypad access to activate outputs; turn one of them on")
	case l.ToggleOutput && !activates:
		return bad("outputs toggle, which needs reader access or keypad access to activate outputs; turn one of them on")
	}
	return nil
}

func bothOrNone(none bool) string {
	if none {
		return "neither"
	}
	return "both"
}

type dupe[T comparable] struct{ id T }

func dupes[R any, T comparable](rs []R, key func(R) T) *dupe[T] {
	seen := make(map[T]bool, len(rs))
	for _, r := range rs {
		k := key(r)
		if seen[k] {
			return &dupe[T]{k}
		}
		seen[k] = true
	}
	return nil
}

// IncludeAllWarnings returns the warnings to show, and have the operator
// confirm, before saving a level whose include-all options are on. It
// returns nil when none is on.
func (l *AccessLevel) IncludeAllWarnings() []string {
	var w []string
	add := func(on bool, what, group string) {
		if on {
			w = append(w, fmt.Sprintf("Access level %s includes all %s: it gives access to every %s in the site, including %ss added later. A %s group holding today's %ss is safer.",
				l.Label(), what, strings.TrimSuffix(what, "s"), strings.TrimSuffix(what, "s"), group, group))
		}
	}
	add(l.IncludeAllDoors, "doors", "door")
	add(l.IncludeAllFloors, "floors", "floor")
	add(l.IncludeAllElevator, "elevators", "elevator")
	if l.IncludeAllDisarm {
		w = append(w, fmt.Sprintf("Access level %s may disarm and arm all areas, including areas added later. An area group holding today's areas is safer.", l.Label()))
	} else if l.IncludeAllArming {
		w = append(w, fmt.Sprintf("Access level %s may arm all areas, including areas added later. An area group holding today's areas is safer.", l.Label()))
	}
	return w
}

// ArmingProfiles returns the time profiles under which the level permits
// arming area group g: its arming rules, its disarming rules (disarm
// implies arm) and the include-all options. None means arming g is not
// permitted. The operating schedule applies on top of these.
func (l *AccessLevel) ArmingProfiles(g AreaGroupID) []ProfileID {
	var out []ProfileID
	if l.IncludeAllArming && !l.IncludeAllDisarm {
		out = append(out, Always)
	}
	for _, r := range l.ArmAreas {
		if r.Group == g {
			out = append(out, r.Profile)
		}
	}
	return append(out, l.DisarmingProfiles(g)...)
}

// DisarmingProfiles returns the time profiles under which the level
// permits disarming area group g. Arming permission never implies
// disarming.
func (l *AccessLevel) DisarmingProfiles(g AreaGroupID) []ProfileID {
	var out []ProfileID
	if l.IncludeAllDisarm {
		out = append(out, Always)
	}
	for _, r := range l.DisarmAreas {
		if r.Group == g {
			out = append(out, r.Profile)
		}
	}
	return out
}
