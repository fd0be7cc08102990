package access

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config is everything an Engine decides from. NewEngine copies what it
// needs, so the caller may reuse the slices afterwards.
type Config struct {
	Site     Site
	People   []Person
	Groups   []Group
	Levels   []AccessLevel
	Profiles []TimeProfile
	Doors    []Door
	// CodeKey, when set, keeps access codes secret: the access codes in
	// People are taken as already keyed (CodeKey of the normalised code,
	// as a store keeps them), and a presented code is normalised and keyed
	// before it is looked up. Without it codes are held as typed.
	CodeKey func(code string) string
	// PeopleHint, when more than len(People), sizes the index for that
	// many people, for a caller that adds them with SetPerson afterwards.
	PeopleHint int
}

// Engine answers access questions from an index built by NewEngine.
// Decide, WhoCanOpen and Holder may be called from many goroutines at
// once. SetPerson, RemovePerson and Reconfigure change it in place, in
// time proportional to what changed; a question waits for a change under
// way and sees all of it or none of it.
type Engine struct {
	mu        sync.RWMutex
	codeKey   func(string) string
	people    []personEntry // a removed person leaves an empty entry
	personIdx map[PersonID]int32
	identIdx  map[Identifier]int32 // canonical identifier → index into people
	holders   [][]int32            // per level, the indexes of the people who have it
	members   map[GroupID][]int32  // per access group, the indexes of its members
	*compiled
}

// compiled is the part of an engine built from everything but the people.
type compiled struct {
	loc *time.Location
	// levels holds every level ever given, at a fixed index so people's
	// level indexes survive a Reconfigure; a level no longer configured
	// stays as an entry marked gone, which nobody holds.
	levels     []levelEntry
	slots      map[LevelID]int32 // every level's index, gone ones too
	groups     map[GroupID]*Group
	doors      map[DoorID]*Door
	doorLabels map[DoorID]string
}

type personEntry struct {
	p      Person
	label  string
	levels []int32        // indexes into Engine.levels, no repeats
	mf     []*MultiFactor // the multifactor rules that apply, all must hold
}

type levelEntry struct {
	id    LevelID
	label string
	gone  bool
	sched *profile
	all   bool
	rules map[DoorID][]doorRule
}

type doorRule struct {
	prof *profile
	dir  Direction
	via  string // "" for the door itself, "door group 2" for a group
}

// NewEngine checks cfg and builds the index. It refuses, with a sentence
// that says what to fix: a profile or level that fails Validate on the
// points the decision depends on (door rules, intervals), a reference to a
// profile, level, group or door that does not exist, a malformed
// identifier, and an identifier held by two people. Menu groups, outputs
// and the other fields the decision does not read are left to
// AccessLevel.Validate, which the store calls before saving.
func NewEngine(cfg Config) (*Engine, error) {
	c, err := compile(cfg, nil)
	if err != nil {
		return nil, err
	}
	n := max(len(cfg.People), cfg.PeopleHint)
	e := &Engine{
		codeKey:   cfg.CodeKey,
		personIdx: make(map[PersonID]int32, n),
		identIdx:  make(map[Identifier]int32, n),
		compiled:  c,
		people:    make([]personEntry, 0, n),
	}
	for i := range cfg.People {
		src := &cfg.People[i]
		if _, dup := e.personIdx[src.ID]; dup {
			return nil, fmt.Errorf("%w: person ID %d is used twice; give each person their own ID", ErrInvalid, src.ID)
		}
		pe, err := e.entry(src, e.compiled)
		if err != nil {
			return nil, err
		}
		if err := e.checkHeld(&pe, -1); err != nil {
			return nil, err
		}
		idx := int32(len(e.people))
		for _, id := range pe.p.Identifiers {
			e.identIdx[id] = idx
		}
		e.personIdx[src.ID] = idx // holders and members follow, all at once
		e.people = append(e.people, pe)
	}
	e.holders = make([][]int32, len(e.levels))
	e.members = map[GroupID][]int32{}
	for i := range e.people {
		e.index(int32(i), false)
	}
	return e, nil
}

// compile checks and indexes cfg's site, profiles, doors, levels and
// groups (not its people). A level in prev keeps its index there; a level
// of prev missing from cfg stays, marked gone.
func compile(cfg Config, prev map[LevelID]int32) (*compiled, error) {
	c := &compiled{
		loc:        cfg.Site.Location,
		slots:      make(map[LevelID]int32, max(len(prev), len(cfg.Levels))),
		groups:     make(map[GroupID]*Group, len(cfg.Groups)),
		doors:      make(map[DoorID]*Door, len(cfg.Doors)),
		doorLabels: make(map[DoorID]string, len(cfg.Doors)),
	}
	if c.loc == nil {
		c.loc = time.UTC
	}

	profiles := map[ProfileID]*profile{Always: alwaysProfile}
	for _, p := range cfg.Profiles {
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if profiles[p.ID] != nil {
			return nil, fmt.Errorf("%w: time profile ID %d is used twice; give each profile its own ID", ErrInvalid, p.ID)
		}
		profiles[p.ID] = compileProfile(p)
	}
	prof := func(id ProfileID, where string) (*profile, error) {
		if p := profiles[id]; p != nil {
			return p, nil
		}
		return nil, fmt.Errorf("%w: %s uses time profile %d, which does not exist; pick another profile", ErrInvalid, where, id)
	}

	groupDoors := map[DoorGroupID][]DoorID{}
	for i := range cfg.Doors {
		d := cfg.Doors[i]
		if d.ID == 0 {
			return nil, fmt.Errorf("%w: door %q has ID 0; give it an ID", ErrInvalid, d.Name)
		}
		if c.doors[d.ID] != nil {
			return nil, fmt.Errorf("%w: door ID %d is used twice; give each door its own ID", ErrInvalid, d.ID)
		}
		d.Groups = slices.Clone(d.Groups)
		c.doors[d.ID] = &d
		c.doorLabels[d.ID] = d.Label()
		for _, g := range d.Groups {
			groupDoors[g] = append(groupDoors[g], d.ID)
		}
	}

	// Levels of prev keep their slots, new ones follow in cfg's order.
	maps.Copy(c.slots, prev)
	c.levels = make([]levelEntry, len(prev), len(prev)+len(cfg.Levels))
	for id, li := range prev {
		c.levels[li] = levelEntry{id: id, label: fmt.Sprintf("%d", id), gone: true}
	}
	seen := make(map[LevelID]bool, len(cfg.Levels))
	for i := range cfg.Levels {
		l := &cfg.Levels[i]
		if seen[l.ID] {
			return nil, fmt.Errorf("%w: access level ID %d is used twice; give each level its own ID", ErrInvalid, l.ID)
		}
		seen[l.ID] = true
		le := levelEntry{id: l.ID, label: l.Label(), all: l.IncludeAllDoors, rules: map[DoorID][]doorRule{}}
		var err error
		if le.sched, err = prof(l.Schedule, "access level "+le.label+" (operating schedule)"); err != nil {
			return nil, err
		}
		for n, r := range l.Doors {
			where := fmt.Sprintf("access level %s door rule %d", le.label, n+1)
			if (r.Door == 0) == (r.Group == 0) {
				return nil, fmt.Errorf("%w: %s names %s; pick either a door or a door group", ErrInvalid, where, bothOrNone(r.Door == 0))
			}
			if r.Direction > Both {
				return nil, fmt.Errorf("%w: %s has an unknown direction; use entry, exit or both", ErrInvalid, where)
			}
			p, err := prof(r.Profile, where)
			if err != nil {
				return nil, err
			}
			if r.Door != 0 {
				if c.doors[r.Door] == nil {
					return nil, fmt.Errorf("%w: %s names door %d, which does not exist; remove the rule or add the door", ErrInvalid, where, r.Door)
				}
				le.rules[r.Door] = append(le.rules[r.Door], doorRule{prof: p, dir: r.dir()})
				continue
			}
			via := fmt.Sprintf("door group %d", r.Group)
			for _, d := range groupDoors[r.Group] {
				le.rules[d] = append(le.rules[d], doorRule{prof: p, dir: r.dir(), via: via})
			}
		}
		if li, ok := c.slots[l.ID]; ok {
			c.levels[li] = le
			continue
		}
		c.slots[l.ID] = int32(len(c.levels))
		c.levels = append(c.levels, le)
	}

	for i := range cfg.Groups {
		g := cfg.Groups[i]
		if c.groups[g.ID] != nil {
			return nil, fmt.Errorf("%w: access group ID %d is used twice; give each group its own ID", ErrInvalid, g.ID)
		}
		if g.MultiFactor != nil {
			if err := g.MultiFactor.Validate(); err != nil {
				return nil, fmt.Errorf("access group %s: %w", g.Name, err)
			}
			mf := *g.MultiFactor
			mf.Kinds = slices.Clone(mf.Kinds)
			g.MultiFactor = &mf
		}
		g.Levels = slices.Clone(g.Levels)
		c.groups[g.ID] = &g
	}
	return c, nil
}

// entry checks a person against the configuration c and returns their
// entry: a copy of src with its identifiers canonical, and the levels and
// multifactor rules that apply. It does not look at other people.
func (e *Engine) entry(src *Person, c *compiled) (personEntry, error) {
	if src.ID == 0 {
		return personEntry{}, fmt.Errorf("%w: person %q has ID 0; give them an ID", ErrInvalid, src.Name)
	}
	pe := personEntry{p: *src}
	pe.p.Identifiers = nil
	pe.p.Levels = slices.Clone(src.Levels)
	pe.p.Groups = slices.Clone(src.Groups)
	pe.p.Locks = slices.Clone(src.Locks)
	pe.label = src.Label()
	if src.MultiFactor != nil {
		if err := src.MultiFactor.Validate(); err != nil {
			return personEntry{}, fmt.Errorf("%s: %w", pe.label, err)
		}
		mf := *src.MultiFactor
		mf.Kinds = slices.Clone(mf.Kinds)
		pe.p.MultiFactor = &mf
	}
	if err := pe.resolve(c); err != nil {
		return personEntry{}, err
	}
	for _, id := range src.Identifiers {
		v, err := NormalizeValue(id.Kind, id.Value)
		if id.Kind == KindAccessCode && e.codeKey != nil {
			v, err = id.Value, nil // already keyed
			if v == "" {
				err = fmt.Errorf("%w: an access code is empty", ErrInvalid)
			}
		}
		if err != nil {
			return personEntry{}, fmt.Errorf("%s: %w", pe.label, err)
		}
		key := Identifier{Kind: id.Kind, Value: v}
		if !slices.Contains(pe.p.Identifiers, key) {
			pe.p.Identifiers = append(pe.p.Identifiers, key)
		}
	}
	return pe, nil
}

// resolve sets the levels and multifactor rules that apply to pe under c:
// their own levels, then their groups' levels, and their own multifactor
// rule or else their groups'.
func (pe *personEntry) resolve(c *compiled) error {
	pe.levels, pe.mf = nil, nil
	addLevel := func(id LevelID, via string) error {
		li, ok := c.slots[id]
		if !ok || c.levels[li].gone {
			return fmt.Errorf("%w: %s%s has access level %d, which does not exist; remove it", ErrInvalid, pe.label, via, id)
		}
		if !slices.Contains(pe.levels, li) {
			pe.levels = append(pe.levels, li)
		}
		return nil
	}
	for _, id := range pe.p.Levels {
		if err := addLevel(id, ""); err != nil {
			return err
		}
	}
	for _, gid := range pe.p.Groups {
		g := c.groups[gid]
		if g == nil {
			return fmt.Errorf("%w: %s is in access group %d, which does not exist; remove it", ErrInvalid, pe.label, gid)
		}
		for _, id := range g.Levels {
			if err := addLevel(id, " (through group "+g.Name+")"); err != nil {
				return err
			}
		}
		if g.MultiFactor != nil && pe.p.MultiFactor == nil {
			pe.mf = append(pe.mf, g.MultiFactor)
		}
	}
	if pe.p.MultiFactor != nil {
		pe.mf = []*MultiFactor{pe.p.MultiFactor}
	}
	return nil
}

// checkHeld refuses an identifier of pe that a person other than the one
// at index self holds.
func (e *Engine) checkHeld(pe *personEntry, self int32) error {
	for _, id := range pe.p.Identifiers {
		if other, taken := e.identIdx[id]; taken && other != self {
			return fmt.Errorf("%w: %s is held by both %s and %s; remove it from one of them", ErrInvalid, id, e.people[other].label, pe.label)
		}
	}
	return nil
}

// Location returns the time zone schedules are read in.
func (e *Engine) Location() *time.Location {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.loc
}

// Holder returns the person who holds an identifier, if anyone does.
func (e *Engine) Holder(id Identifier) (PersonID, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	v, ok := e.canonical(id.Kind, id.Value)
	if !ok {
		return 0, false
	}
	i, ok := e.identIdx[Identifier{Kind: id.Kind, Value: v}]
	if !ok {
		return 0, false
	}
	return e.people[i].p.ID, true
}

// canonical is the form identifiers are indexed by: canonical, and for an
// access code keyed when the engine keeps codes keyed.
func (e *Engine) canonical(k Kind, v string) (string, bool) {
	c, ok := canonical(k, v)
	if ok && k == KindAccessCode && e.codeKey != nil {
		c = e.codeKey(c)
	}
	return c, ok
}

// canonical is NormalizeValue without the error sentence, and without an
// allocation for values already in canonical form.
func canonical(k Kind, v string) (string, bool) {
	if v == "" || strings.TrimSpace(v) != v {
		n, err := NormalizeValue(k, v)
		return n, err == nil
	}
	if k == KindCard {
		return canonicalCard(v)
	}
	return v, k.Valid()
}

// WhoCanOpen lists, in the order the people were given to NewEngine (a
// person added by SetPerson after them), who may pass door in direction dir at t by their rights alone: access control
// active, valid at t, the door's lock among theirs, and an access level
// allowing the door and direction at t. Credentials and multifactor are
// assumed presented, and the site online. With dir Both a person must be
// allowed both ways.
func (e *Engine) WhoCanOpen(door DoorID, dir Direction, t time.Time) []PersonID {
	e.mu.RLock()
	defer e.mu.RUnlock()
	d := e.doors[door]
	if d == nil || dir == 0 || dir > Both {
		return nil
	}
	w := wallClock(t, e.loc)
	// Only the holders of a level that allows the door now are candidates:
	// mark the directions each may pass, then filter in people order.
	var marks []Direction
	for li := range e.levels {
		if len(e.holders[li]) == 0 {
			continue
		}
		a := e.levels[li].allows(door, &w)
		if a == 0 {
			continue
		}
		if marks == nil {
			marks = make([]Direction, len(e.people))
		}
		for _, pi := range e.holders[li] {
			marks[pi] |= a
		}
	}
	var out []PersonID
	for i, m := range marks {
		if m&dir != dir {
			continue
		}
		pe := &e.people[i]
		if pe.p.Active && pe.validAt(t) && pe.mayOpenLock(d) {
			out = append(out, pe.p.ID)
		}
	}
	return out
}

// allows returns the directions the level allows at door at wall time w.
func (l *levelEntry) allows(door DoorID, w *wall) Direction {
	if !l.sched.open(w) {
		return 0
	}
	if l.all {
		return Both
	}
	var d Direction
	for _, r := range l.rules[door] {
		if d&r.dir != r.dir && r.prof.open(w) {
			d |= r.dir
		}
	}
	return d
}

func (pe *personEntry) validAt(t time.Time) bool {
	if !pe.p.ValidFrom.IsZero() && t.Before(pe.p.ValidFrom) {
		return false
	}
	return pe.p.ValidUntil.IsZero() || t.Before(pe.p.ValidUntil)
}

func (pe *personEntry) mayOpenLock(d *Door) bool {
	return len(pe.p.Locks) == 0 || d.Lock == 0 || slices.Contains(pe.p.Locks, d.Lock)
}

func locksText(locks []int) string {
	var b strings.Builder
	for i, l := range locks {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, l)
	}
	return b.String()
}
