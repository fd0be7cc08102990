package access

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func validLevel() AccessLevel {
	return AccessLevel{ID: 1, Name: "Office", MenuGroups: []MenuGroupID{1}, Doors: []DoorRule{{Door: 1}}}
}

func TestAccessLevelValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*AccessLevel)
		want   string // "" for valid
	}{
		{"valid", func(*AccessLevel) {}, ""},
		{"no name", func(l *AccessLevel) { l.Name = " " }, "the name is empty; name the level"},
		{"door and group", func(l *AccessLevel) { l.Doors = []DoorRule{{Door: 1, Group: 2}} }, "door rule 1 names both; pick either a door or a door group"},
		{"neither door nor group", func(l *AccessLevel) { l.Doors = []DoorRule{{Door: 1}, {}} }, "door rule 2 names neither"},
		{"bad direction", func(l *AccessLevel) { l.Doors = []DoorRule{{Door: 1, Direction: 7}} }, "unknown direction"},
		{"no keypad menu", func(l *AccessLevel) { l.MenuGroups = nil }, ""},
		{"zero menu group", func(l *AccessLevel) { l.MenuGroups = []MenuGroupID{0} }, "pick one, or none for no keypad menu"},
		{"two menu groups", func(l *AccessLevel) { l.MenuGroups = []MenuGroupID{1, 2} }, "2 menu groups; a level has exactly one, or none for no keypad menu"},
		{"arm listed twice", func(l *AccessLevel) { l.ArmAreas = []AreaRule{{Group: 3}, {Group: 3, Profile: 1}} }, "area group 3 is listed twice under arming"},
		{"disarm listed twice", func(l *AccessLevel) { l.DisarmAreas = []AreaRule{{Group: 4}, {Group: 4}} }, "area group 4 is listed twice under disarming"},
		{"arm without group", func(l *AccessLevel) { l.ArmAreas = []AreaRule{{}} }, "an arming rule has no area group"},
		{"floor and group", func(l *AccessLevel) { l.Floors = []FloorRule{{Floor: 1, Group: 1}} }, "floor rule 1 names both"},
		{"elevator without group", func(l *AccessLevel) { l.Elevators = []ElevatorRule{{}} }, "no elevator group"},
		{"activates without outputs", func(l *AccessLevel) { l.ReaderActivatesOutput = true }, "no output or output group is chosen"},
		{"activates with an output group", func(l *AccessLevel) { l.KeypadActivatesOutput = true; l.OutputGroups = []OutputGroupID{1} }, ""},
		{"until expiry alone", func(l *AccessLevel) { l.OutputUntilExpiry = true; l.Outputs = []OutputID{1} }, "outputs stay on until expiry, which needs reader access or keypad access"},
		{"toggle alone", func(l *AccessLevel) { l.ToggleOutput = true; l.Outputs = []OutputID{1} }, "outputs toggle, which needs"},
		{"negative output time", func(l *AccessLevel) { l.OutputTime = -1 }, "is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := validLevel()
			tc.change(&l)
			err := l.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "access level "+l.Label()) {
				t.Errorf("err %q does not name the level", err)
			}
		})
	}
}

func TestIncludeAllWarnings(t *testing.T) {
	l := validLevel()
	if w := l.IncludeAllWarnings(); w != nil {
		t.Fatalf("warnings without include-all: %q", w)
	}
	l.IncludeAllDoors, l.IncludeAllFloors, l.IncludeAllElevator, l.IncludeAllArming = true, true, true, true
	w := l.IncludeAllWarnings()
	want := []string{
		"Access level Office includes all doors: it gives access to every door in the site, including doors added later. A door group holding today's doors is safer.",
		"Access level Office includes all floors",
		"Access level Office includes all elevators",
		"Access level Office may arm all areas",
	}
	if len(w) != len(want) {
		t.Fatalf("got %q", w)
	}
	for i := range want {
		if !strings.HasPrefix(w[i], want[i]) {
			t.Errorf("warning %d: %q, want prefix %q", i, w[i], want[i])
		}
	}
	l.IncludeAllDisarm = true
	if w := l.IncludeAllWarnings(); !strings.Contains(w[3], "may disarm and arm all areas") {
		t.Errorf("disarm warning: %q", w[3])
	}
}

func TestArmDisarm(t *testing.T) {
	l := validLevel()
	l.ArmAreas = []AreaRule{{Group: 1, Profile: 5}}
	l.DisarmAreas = []AreaRule{{Group: 2, Profile: 6}}
	tests := []struct {
		g            AreaGroupID
		arm, disarm  []ProfileID
		includeAllOn string
	}{
		{g: 1, arm: []ProfileID{5}, disarm: nil},            // arming does not imply disarming
		{g: 2, arm: []ProfileID{6}, disarm: []ProfileID{6}}, // disarming implies arming
		{g: 3, arm: nil, disarm: nil},
	}
	for _, tc := range tests {
		if got := l.ArmingProfiles(tc.g); !slices.Equal(got, tc.arm) {
			t.Errorf("arm %d: %v, want %v", tc.g, got, tc.arm)
		}
		if got := l.DisarmingProfiles(tc.g); !slices.Equal(got, tc.disarm) {
			t.Errorf("disarm %d: %v, want %v", tc.g, got, tc.disarm)
		}
	}
	l.IncludeAllArming = true
	if got, d := l.ArmingProfiles(3), l.DisarmingProfiles(3); !slices.Equal(got, []ProfileID{Always}) || d != nil {
		t.Errorf("include all arming: arm %v disarm %v", got, d)
	}
	l.IncludeAllDisarm = true
	if got, d := l.ArmingProfiles(3), l.DisarmingProfiles(3); !slices.Equal(got, []ProfileID{Always}) || !slices.Equal(d, []ProfileID{Always}) {
		t.Errorf("include all disarming: arm %v disarm %v", got, d)
	}
}

func TestParseDirectionAndKind(t *testing.T) {
	for s, want := range map[string]Direction{"entry": Entry, "OUT": Exit, "both": Both, "": Both} {
		if got, err := ParseDirection(s); err != nil || got != want {
			t.Errorf("ParseDirection(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseDirection("sideways"); err == nil {
		t.Error("sideways accepted")
	}
	for s, want := range map[string]Kind{"card": KindCard, "QR": KindQR, "access code": KindAccessCode, "ukey": KindUKey, "Face ID": KindFaceID} {
		if got, err := ParseKind(s); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseKind("retina"); err == nil {
		t.Error("retina accepted")
	}
}
