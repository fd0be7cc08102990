package access

import "slices"

// SetPerson adds a person, or replaces the one with the same ID, in time
// proportional to their identifiers and levels. It refuses what NewEngine
// would refuse of them, and then leaves the engine as it was.
func (e *Engine) SetPerson(p Person) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	pe, err := e.entry(&p, e.compiled)
	if err != nil {
		return err
	}
	idx, ok := e.personIdx[p.ID]
	if !ok {
		idx = -1
	}
	if err := e.checkHeld(&pe, idx); err != nil {
		return err
	}
	if ok {
		e.unindex(idx)
	} else {
		idx = int32(len(e.people))
		e.people = append(e.people, personEntry{})
		e.personIdx[p.ID] = idx
	}
	e.people[idx] = pe
	for _, id := range pe.p.Identifiers {
		e.identIdx[id] = idx
	}
	for _, li := range pe.levels {
		e.holders[li] = append(e.holders[li], idx)
	}
	return nil
}

// RemovePerson takes a person out; one not there is no error.
func (e *Engine) RemovePerson(id PersonID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	idx, ok := e.personIdx[id]
	if !ok {
		return
	}
	e.unindex(idx)
	e.people[idx] = personEntry{}
	delete(e.personIdx, id)
}

// unindex takes the person at idx out of the identifier index and the
// holders of their levels.
func (e *Engine) unindex(idx int32) {
	pe := &e.people[idx]
	for _, id := range pe.p.Identifiers {
		if e.identIdx[id] == idx {
			delete(e.identIdx, id)
		}
	}
	for _, li := range pe.levels {
		h := e.holders[li]
		if i := slices.Index(h, idx); i >= 0 {
			h[i] = h[len(h)-1]
			e.holders[li] = h[:len(h)-1]
		}
	}
}

// Reconfigure replaces everything but the people (cfg.People is not
// read): the site, profiles, doors, levels and groups. Only the members of
// a group that changed, and the holders of a level that is gone, are
// looked at again. It refuses what NewEngine would refuse of the new
// configuration with these people, and then leaves the engine as it was.
func (e *Engine) Reconfigure(cfg Config) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := compile(cfg, e.slots)
	if err != nil {
		return err
	}
	changed := map[GroupID]bool{}
	for id, g := range e.groups {
		if n := c.groups[id]; n == nil || !sameGroup(g, n) {
			changed[id] = true
		}
	}
	goneNow := func(li int32) bool { return c.levels[li].gone && !e.levels[li].gone }
	type redo struct {
		idx int32
		pe  personEntry
	}
	var redos []redo
	if len(changed) > 0 || slices.ContainsFunc(c.levels[:len(e.levels)], func(l levelEntry) bool { return l.gone }) {
		for i := range e.people {
			pe := &e.people[i]
			if pe.p.ID == 0 {
				continue
			}
			if !slices.ContainsFunc(pe.p.Groups, func(g GroupID) bool { return changed[g] }) &&
				!slices.ContainsFunc(pe.levels, goneNow) {
				continue
			}
			n := *pe
			if err := n.resolve(c); err != nil {
				return err
			}
			redos = append(redos, redo{int32(i), n})
		}
	}
	// Nothing can fail from here on.
	for _, r := range redos {
		e.unindex(r.idx)
		e.people[r.idx] = r.pe
		for _, id := range r.pe.p.Identifiers {
			e.identIdx[id] = r.idx
		}
	}
	for len(e.holders) < len(c.levels) {
		e.holders = append(e.holders, nil)
	}
	for _, r := range redos {
		for _, li := range r.pe.levels {
			e.holders[li] = append(e.holders[li], r.idx)
		}
	}
	e.compiled = c
	return nil
}

func sameGroup(a, b *Group) bool {
	if !slices.Equal(a.Levels, b.Levels) || (a.MultiFactor == nil) != (b.MultiFactor == nil) {
		return false
	}
	if a.MultiFactor == nil {
		return a.Name == b.Name
	}
	m, n := a.MultiFactor, b.MultiFactor
	return a.Name == b.Name && m.Ordered == n.Ordered && m.Window == n.Window && slices.Equal(m.Kinds, n.Kinds)
}
