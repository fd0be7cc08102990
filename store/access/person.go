package access

import (
	"fmt"
	"strings"
	"time"
)

// PersonID names a person. The zero ID is no person.
type PersonID uint64

// GroupID names an access group (reference 004: groups per site that say
// which doors a person may open).
type GroupID uint32

// Person is someone who opens doors (an occupier user in 004, a user in 000).
type Person struct {
	ID        PersonID
	Name      string
	Info      string // free text that tells namesakes apart
	Apartment string
	Unit      string // organization unit

	// Active is "access control active": off, the person opens nothing.
	Active bool
	// OfflineAccess lets the person keep their access while the site is
	// offline; without it an offline site refuses them.
	OfflineAccess bool
	// ValidFrom and ValidUntil bound the person's access: valid from
	// ValidFrom (inclusive) until ValidUntil (exclusive). A zero time is no
	// bound.
	ValidFrom, ValidUntil time.Time

	Identifiers []Identifier
	Levels      []LevelID
	Groups      []GroupID
	// MultiFactor, when set, is the person's own multifactor rule and
	// replaces those of their groups.
	MultiFactor *MultiFactor
	// Locks are the lock numbers the person may open (000). Empty means no
	// restriction by lock number: the access levels decide alone.
	Locks []int
}

// Label returns the person for messages: "person 42 Anna Berg".
func (p *Person) Label() string {
	if p.Name == "" {
		return "person " + itoa(uint64(p.ID))
	}
	return "person " + itoa(uint64(p.ID)) + " " + p.Name
}

// Group is an access group: the levels it gives its members and, optionally,
// a multifactor rule for them.
type Group struct {
	ID          GroupID
	Name        string
	Levels      []LevelID
	MultiFactor *MultiFactor
}

// DefaultWindow is the multifactor window used when MultiFactor.Window is 0.
const DefaultWindow = 30 * time.Second

// MultiFactor is a "custom access parameters" rule (000): every kind in
// Kinds must be presented, in that order when Ordered, and the first and
// last of them no further apart than Window (DefaultWindow when 0).
type MultiFactor struct {
	Kinds   []Kind
	Ordered bool
	Window  time.Duration
}

func (m *MultiFactor) window() time.Duration {
	if m.Window <= 0 {
		return DefaultWindow
	}
	return m.Window
}

// String writes the rule: "card then QR code within 30s" or "card and face
// ID within 30s".
func (m *MultiFactor) String() string {
	sep := " and "
	if m.Ordered {
		sep = " then "
	}
	names := make([]string, len(m.Kinds))
	for i, k := range m.Kinds {
		names[i] = k.String()
	}
	return strings.Join(names, sep) + " within " + m.window().String()
}

// Validate says what to fix in a multifactor rule, or returns nil.
func (m *MultiFactor) Validate() error {
	if len(m.Kinds) < 2 {
		return fmt.Errorf("%w: a multifactor rule needs at least two identifier kinds; add one or turn multifactor off", ErrInvalid)
	}
	seen := map[Kind]bool{}
	for _, k := range m.Kinds {
		if !k.Valid() {
			return fmt.Errorf("%w: multifactor names an unknown identifier kind %d", ErrInvalid, uint8(k))
		}
		if seen[k] {
			return fmt.Errorf("%w: multifactor lists %s twice; keep it once", ErrInvalid, k)
		}
		seen[k] = true
	}
	if m.Window < 0 {
		return fmt.Errorf("%w: the multifactor window is negative; enter 0 (for %s) or more", ErrInvalid, DefaultWindow)
	}
	return nil
}

// Door is a door of the site: the groups it belongs to and, for panels of
// reference 000, the lock number it opens (0: none).
type Door struct {
	ID     DoorID
	Name   string
	Groups []DoorGroupID
	Lock   int
}

// Label returns the door for messages: "door 3 Main entrance".
func (d *Door) Label() string {
	if d.Name == "" {
		return fmt.Sprintf("door %d", d.ID)
	}
	return fmt.Sprintf("door %d %s", d.ID, d.Name)
}

// Site is where the decisions are taken: its time zone is the wall clock
// every schedule is read on. A nil Location is UTC.
type Site struct {
	Name     string
	Location *time.Location
}
