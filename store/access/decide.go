package access

import (
	"strings"
	"time"
)

// Presented is one credential shown at a reader: its kind, the value the
// reader read, and when.
type Presented struct {
	Kind  Kind
	Value string
	At    time.Time
}

// Request is one question: may this person pass this door now?
type Request struct {
	// Person is who is asking. 0 resolves the person from the first
	// credential a person holds, as a reader does on a tap.
	Person      PersonID
	Credentials []Presented
	// AssumeCredentials skips the credential and multifactor rules, for
	// "what may this person do" checks from the console or the CLI where
	// nothing is presented. Person must then be set.
	AssumeCredentials bool
	Door              DoorID
	Direction         Direction // Entry or Exit
	// Time is the instant of the decision, set by the caller (the engine
	// never reads the clock, so tests and "what if" checks can pick it).
	Time time.Time
	// SiteOffline says the site is running without its server; the person
	// then needs offline access.
	SiteOffline bool
}

// Rule names a rule of the decision, in the order they are checked.
type Rule string

// The rules, in order.
const (
	RulePerson      Rule = "person"      // the person is known
	RuleActive      Rule = "active"      // access control is active for them
	RuleValidity    Rule = "validity"    // now is within valid from / until
	RuleOffline     Rule = "offline"     // an offline site needs offline access
	RuleCredentials Rule = "credentials" // what was presented is theirs
	RuleMultiFactor Rule = "multifactor" // every kind required, in order, in time
	RuleDoor        Rule = "door"        // the door is known, its lock is theirs
	RuleLevel       Rule = "level"       // a level allows the door, schedule and direction
)

// Step is one rule checked: whether it passed, and a sentence for the operator.
type Step struct {
	Rule   Rule
	Passed bool
	Text   string
}

// Decision is the answer to a Request. Reasons lists every rule checked, in
// order; a denial's last steps say why. A grant names the level that gave it.
type Decision struct {
	Grant   bool
	Person  PersonID
	Level   LevelID // the level that granted access; 0 when denied
	Reasons []Step
}

// String writes the decision and its steps, one per line.
func (d Decision) String() string {
	var b strings.Builder
	if d.Grant {
		b.WriteString("granted\n")
	} else {
		b.WriteString("denied\n")
	}
	for _, s := range d.Reasons {
		if s.Passed {
			b.WriteString("  pass  ")
		} else {
			b.WriteString("  fail  ")
		}
		b.WriteString(string(s.Rule))
		b.WriteString(": ")
		b.WriteString(s.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Reason returns the text of the first failed step, or "" for a grant.
func (d Decision) Reason() string {
	for _, s := range d.Reasons {
		if !s.Passed {
			return s.Text
		}
	}
	return ""
}

// Decide applies the rules in order: person known, access control active,
// valid from / until, offline access when the site is offline, credentials
// held by the person, multifactor, door known and its lock theirs, then
// each of the person's access levels (operating schedule, door or door
// group or include-all, the door rule's profile, direction) until one
// grants. It stops at the first rule before the levels that fails.
func (e *Engine) Decide(req Request) Decision {
	e.mu.RLock()
	defer e.mu.RUnlock()
	dec := Decision{Reasons: make([]Step, 0, 8)}
	step := func(r Rule, ok bool, text string) bool {
		dec.Reasons = append(dec.Reasons, Step{Rule: r, Passed: ok, Text: text})
		return ok
	}

	// Person known.
	pi := int32(-1)
	if req.Person != 0 {
		if i, ok := e.personIdx[req.Person]; ok {
			pi = i
		} else {
			step(RulePerson, false, "person "+itoa(uint64(req.Person))+" is not known")
			return dec
		}
	} else {
		for _, c := range req.Credentials {
			if v, ok := e.canonical(c.Kind, c.Value); ok {
				if i, ok := e.identIdx[Identifier{Kind: c.Kind, Value: v}]; ok {
					pi = i
					break
				}
			}
		}
		if pi < 0 {
			if len(req.Credentials) == 0 {
				step(RulePerson, false, "no person given and no credential presented")
			} else {
				step(RulePerson, false, "nobody holds "+presentedText(req.Credentials[0]))
			}
			return dec
		}
	}
	pe := &e.people[pi]
	p := &pe.p
	dec.Person = p.ID
	text := pe.label
	if p.Unit != "" {
		text += " (" + p.Unit + ")"
	}
	step(RulePerson, true, text)

	// Access control active.
	if !step(RuleActive, p.Active, activeText(p.Active)) {
		return dec
	}

	// Valid from / until.
	if !step(RuleValidity, pe.validAt(req.Time), e.validityText(p, req.Time)) {
		return dec
	}

	// Offline access.
	if req.SiteOffline {
		if !step(RuleOffline, p.OfflineAccess, offlineText(p.OfflineAccess)) {
			return dec
		}
	}

	// Credentials and multifactor.
	if req.AssumeCredentials {
		step(RuleCredentials, true, "not checked: credentials assumed presented")
	} else {
		if !e.checkCredentials(pe, pi, req.Credentials, step) {
			return dec
		}
		for _, mf := range pe.mf {
			ok, text := checkMultiFactor(mf, req.Credentials)
			if !step(RuleMultiFactor, ok, text) {
				return dec
			}
		}
	}

	// Door and lock.
	d := e.doors[req.Door]
	if d == nil {
		step(RuleDoor, false, "door "+itoa(uint64(req.Door))+" is not known")
		return dec
	}
	doorLabel := e.doorLabels[req.Door]
	if req.Direction != Entry && req.Direction != Exit {
		step(RuleDoor, false, doorLabel+": the request must be for entry or exit")
		return dec
	}
	if !pe.mayOpenLock(d) {
		step(RuleDoor, false, doorLabel+" is lock "+itoa(uint64(d.Lock))+"; "+pe.label+" may open locks "+locksText(p.Locks)+" only")
		return dec
	}
	step(RuleDoor, true, doorLabel+", "+req.Direction.String())

	// Levels.
	if len(pe.levels) == 0 {
		step(RuleLevel, false, "no access level: give the person a level or an access group")
		return dec
	}
	w := wallClock(req.Time, e.loc)
	for _, li := range pe.levels {
		l := &e.levels[li]
		ok, text := l.explain(req.Door, doorLabel, req.Direction, &w)
		step(RuleLevel, ok, text)
		if ok {
			dec.Grant = true
			dec.Level = l.id
			return dec
		}
	}
	return dec
}

func activeText(ok bool) string {
	if ok {
		return "access control active"
	}
	return "access control is not active for this person; activate it to let them open doors"
}

func offlineText(ok bool) string {
	if ok {
		return "site offline; the person has offline access"
	}
	return "site offline and the person has no offline access"
}

func (e *Engine) validityText(p *Person, t time.Time) string {
	const layout = "2006-01-02 15:04"
	now := t.In(e.loc).Format(layout)
	switch {
	case !p.ValidFrom.IsZero() && t.Before(p.ValidFrom):
		return "not valid yet: valid from " + p.ValidFrom.In(e.loc).Format(layout) + "; now " + now
	case !p.ValidUntil.IsZero() && !t.Before(p.ValidUntil):
		return "expired at " + p.ValidUntil.In(e.loc).Format(layout) + "; now " + now
	case p.ValidFrom.IsZero() && p.ValidUntil.IsZero():
		return "valid with no start or end"
	case p.ValidUntil.IsZero():
		return "valid since " + p.ValidFrom.In(e.loc).Format(layout)
	}
	return "valid until " + p.ValidUntil.In(e.loc).Format(layout)
}

func presentedText(c Presented) string {
	return Identifier{Kind: c.Kind, Value: c.Value}.String()
}

// checkCredentials passes when at least one credential was presented and
// every one presented is the person's own: a card of someone else's shown
// along with one's own is refused.
func (e *Engine) checkCredentials(pe *personEntry, pi int32, cs []Presented, step func(Rule, bool, string) bool) bool {
	if len(cs) == 0 {
		return step(RuleCredentials, false, "no credential presented")
	}
	for _, c := range cs {
		v, ok := e.canonical(c.Kind, c.Value)
		if !ok {
			return step(RuleCredentials, false, presentedText(c)+" is not a valid "+c.Kind.String())
		}
		id := Identifier{Kind: c.Kind, Value: v}
		owner, held := e.identIdx[id]
		switch {
		case !held:
			return step(RuleCredentials, false, id.String()+" is held by nobody")
		case owner != pi:
			return step(RuleCredentials, false, id.String()+" is not "+pe.label+"'s; it is held by "+e.people[owner].label)
		}
	}
	if len(cs) == 1 {
		v, _ := e.canonical(cs[0].Kind, cs[0].Value)
		return step(RuleCredentials, true, Identifier{Kind: cs[0].Kind, Value: v}.String()+" is "+pe.label+"'s")
	}
	return step(RuleCredentials, true, itoa(uint64(len(cs)))+" credentials, all "+pe.label+"'s")
}

// checkMultiFactor checks one rule against what was presented. For each
// kind the most recent presentation counts; ties in time keep the order
// the credentials were given in.
func checkMultiFactor(mf *MultiFactor, cs []Presented) (bool, string) {
	head := "multifactor " + mf.String() + ": "
	var first, last time.Time
	prev := -1
	for n, k := range mf.Kinds {
		at := -1
		for i := range cs {
			if cs[i].Kind == k && (at < 0 || !cs[i].At.Before(cs[at].At)) {
				at = i
			}
		}
		if at < 0 {
			return false, head + k.String() + " missing"
		}
		t := cs[at].At
		if mf.Ordered && prev >= 0 {
			pt := cs[prev].At
			if t.Before(pt) || (t.Equal(pt) && at < prev) {
				return false, head + "presented out of order (" + k.String() + " before " + mf.Kinds[n-1].String() + ")"
			}
		}
		if n == 0 || t.Before(first) {
			first = t
		}
		if n == 0 || t.After(last) {
			last = t
		}
		prev = at
	}
	spread := last.Sub(first)
	if spread > mf.window() {
		return false, head + "presented " + spread.Round(time.Millisecond).String() + " apart, more than " + mf.window().String()
	}
	return true, head + "presented within " + spread.Round(time.Millisecond).String()
}

// explain checks one level for door, direction and wall time and says why
// it grants or does not.
func (l *levelEntry) explain(door DoorID, doorLabel string, dir Direction, w *wall) (bool, string) {
	head := "access level " + l.label + ": "
	if !l.sched.open(w) {
		return false, head + "operating schedule " + l.sched.name + " (" + l.sched.text + ") is closed; now " + nowText(l.sched, w)
	}
	if l.all {
		return true, head + "includes all doors; " + doorLabel + " " + dir.String() + " granted"
	}
	rules := l.rules[door]
	if len(rules) == 0 {
		return false, head + doorLabel + " is not in this level"
	}
	var closed *doorRule
	for i := range rules {
		r := &rules[i]
		if r.dir&dir == 0 {
			continue
		}
		if r.prof.open(w) {
			return true, head + ruleText(doorLabel, r) + "; now " + nowText(r.prof, w) + ": granted"
		}
		if closed == nil {
			closed = r
		}
	}
	if closed != nil {
		return false, head + ruleText(doorLabel, closed) + "; now " + nowText(closed.prof, w) + ": outside the schedule"
	}
	return false, head + doorLabel + " allowed for " + rules[0].dir.String() + " only; " + dir.String() + " refused"
}

func ruleText(doorLabel string, r *doorRule) string {
	s := doorLabel
	if r.via != "" {
		s += " (through " + r.via + ")"
	}
	if r.dir != Both {
		s += " allowed for " + r.dir.String()
	} else {
		s += " allowed"
	}
	if r.prof.always {
		return s + " always"
	}
	return s + " on " + r.prof.name + " (" + r.prof.text + ")"
}

func nowText(p *profile, w *wall) string {
	s := w.String()
	if p.isHoliday(w.y, w.m, w.d) {
		s += " (holiday)"
	}
	return s
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
