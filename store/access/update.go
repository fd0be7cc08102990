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
	e.index(idx, true)
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

// index puts the person at idx among the holders of their levels and the
// members of their groups, and with idents in the identifier index.
func (e *Engine) index(idx int32, idents bool) {
	pe := &e.people[idx]
	if idents {
		for _, id := range pe.p.Identifiers {
			e.identIdx[id] = idx
		}
	}
	for _, li := range pe.levels {
		e.holders[li] = append(e.holders[li], idx)
	}
	for _, g := range pe.p.Groups {
		e.members[g] = append(e.members[g], idx)
	}
}

// unindex takes the person at idx out of the identifier index, the
// holders of their levels and the members of their groups.
func (e *Engine) unindex(idx int32) {
	pe := &e.people[idx]
	for _, id := range pe.p.Identifiers {
		if e.identIdx[id] == idx {
			delete(e.identIdx, id)
		}
	}
	for _, li := range pe.levels {
		e.holders[li] = without(e.holders[li], idx)
	}
	for _, g := range pe.p.Groups {
		e.members[g] = without(e.members[g], idx)
	}
}

// without removes one idx from list, not keeping the order.
func without(list []int32, idx int32) []int32 {
	if i := slices.Index(list, idx); i >= 0 {
		list[i] = list[len(list)-1]
		return list[:len(list)-1]
	}
	return list
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
	// Only the members of a group that changed and the holders of a level
	// now gone can be affected.
	var affected []int32
	for id, g := range e.groups {
		if n := c.groups[id]; n == nil || !sameGroup(g, n) {
			affected = append(affected, e.members[id]...)
		}
	}
	for li := range e.levels {
		if c.levels[li].gone && !e.levels[li].gone {
			affected = append(affected, e.holders[li]...)
		}
	}
	slices.Sort(affected)
	affected = slices.Compact(affected)
	redos := make([]personEntry, len(affected))
	for i, idx := range affected {
		redos[i] = e.people[idx]
		if err := redos[i].resolve(c); err != nil {
			return err
		}
	}
	// Nothing can fail from here on. Their identifiers and groups stay;
	// the holders of each level they had or have now are filtered once,
	// so a group of 100,000 changes in one pass, not one per member.
	for len(e.holders) < len(c.levels) {
		e.holders = append(e.holders, nil)
	}
	if len(affected) > 0 {
		isAffected := make([]bool, len(e.people))
		touched := map[int32]bool{}
		for i, idx := range affected {
			isAffected[idx] = true
			for _, li := range e.people[idx].levels {
				touched[li] = true
			}
			for _, li := range redos[i].levels {
				touched[li] = true
			}
		}
		for li := range touched {
			e.holders[li] = slices.DeleteFunc(e.holders[li], func(i int32) bool { return isAffected[i] })
		}
		for i, idx := range affected {
			e.people[idx] = redos[i]
			for _, li := range redos[i].levels {
				e.holders[li] = append(e.holders[li], idx)
			}
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
