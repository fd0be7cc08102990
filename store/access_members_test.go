package store

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// groupsOf returns the person's access groups as stored.
func (f *fx) groupsOf(id uint64) []uint32 {
	f.t.Helper()
	p, err := f.s.GetPerson(f.admin, id)
	f.must(err)
	return p.Groups
}

func (f *fx) member(name string, unit uint64, groups ...uint32) Person {
	f.t.Helper()
	p, err := f.s.AddPerson(f.admin, Person{Name: name, Unit: unit, Active: true, Groups: groups}, nil)
	f.must(err)
	return p
}

func personIDs(ps []Person) []uint64 {
	var out []uint64
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestChangeGroupMembers(t *testing.T) {
	f := newFx(t)
	a := f.unit(RootUnit, "Block A", UnitBuilding)
	b := f.unit(RootUnit, "Block B", UnitBuilding)
	siteA, siteB := f.accessSite(a.ID), f.accessSite(b.ID)
	group := siteA.staff.ID
	ann := f.member("Ann", a.ID)
	bob := f.member("Bob", a.ID, group)
	cid := f.member("Cid", a.ID)
	dan := f.member("Dan", b.ID) // a unit Block A's group does not serve
	boss := f.operator(RoleSupervisor, a.ID)

	t.Run("adds and removes many in one go, one entry per person", func(t *testing.T) {
		f := f.at(t)
		seq := f.logSeq()
		got, err := f.s.ChangeGroupMembers(f.admin, group, []uint64{ann.ID, cid.ID, bob.ID, ann.ID}, nil, false)
		f.must(err)
		if !slices.Equal(personIDs(got.Added), []uint64{ann.ID, cid.ID}) || !slices.Equal(personIDs(got.Already), []uint64{bob.ID}) {
			t.Fatalf("added %v, already %v", personIDs(got.Added), personIDs(got.Already))
		}
		if s := got.Summary(); s != "2 added, 1 already in" {
			t.Errorf("summary %q", s)
		}
		for _, id := range []uint64{ann.ID, bob.ID, cid.ID} {
			if g := f.groupsOf(id); !slices.Equal(g, []uint32{group}) {
				t.Errorf("person %d groups %v", id, g)
			}
		}
		var entries []Entry
		for _, e := range f.log() { // newest first
			if e.Seq > seq {
				entries = append([]Entry{e}, entries...)
			}
		}
		if len(entries) != 2 {
			t.Fatalf("want 2 log entries (Ann, Cid), got %+v", entries)
		}
		for i, who := range []string{ann.Label(), cid.Label()} {
			e := entries[i]
			if e.Action != "person.group.add" || e.Place != who || e.Unit != a.ID || e.After["groups"] != siteA.staff.Name || e.Before["groups"] != "none" {
				t.Errorf("entry %d: %+v", i, e)
			}
		}

		got, err = f.s.ChangeGroupMembers(f.admin, group, nil, []uint64{ann.ID, dan.ID}, false)
		f.must(err)
		if !slices.Equal(personIDs(got.Removed), []uint64{ann.ID}) || !slices.Equal(personIDs(got.NotIn), []uint64{dan.ID}) {
			t.Fatalf("removed %v, not in %v", personIDs(got.Removed), personIDs(got.NotIn))
		}
		if g := f.groupsOf(ann.ID); len(g) != 0 {
			t.Errorf("Ann still in %v", g)
		}
		if e := f.lastLog(); e.Action != "person.group.remove" || e.Place != ann.Label() {
			t.Errorf("last entry %+v", e)
		}
		members, err := f.s.GroupMembers(f.admin, group)
		f.must(err)
		if !slices.Equal(personIDs(members), []uint64{bob.ID, cid.ID}) {
			t.Errorf("members %v", personIDs(members))
		}
	})

	t.Run("a dry run writes and logs nothing", func(t *testing.T) {
		f := f.at(t)
		seq := f.logSeq()
		got, err := f.s.ChangeGroupMembers(f.admin, group, []uint64{ann.ID}, []uint64{bob.ID}, true)
		f.must(err)
		if len(got.Added) != 1 || len(got.Removed) != 1 {
			t.Fatalf("dry run says %+v", got)
		}
		if f.logSeq() != seq || len(f.groupsOf(ann.ID)) != 0 || len(f.groupsOf(bob.ID)) != 1 {
			t.Fatal("the dry run changed something")
		}
	})

	// Each refusal leaves every person as they were and logs one refused
	// attempt.
	refusals := []struct {
		name         string
		actor        Actor
		group        uint32
		add, remove  []uint64
		kind         error
		want, absent string
	}{
		{"a person outside the operator's units, like a missing one", boss, group, []uint64{ann.ID, dan.ID}, nil, ErrNotFound,
			"no person " + strconv.FormatUint(dan.ID, 10) + " in your organization units", "Dan"},
		{"a missing person", f.admin, group, []uint64{ann.ID, 999}, nil, ErrNotFound, "no person 999 in your organization units", ""},
		{"a person the group does not serve", f.admin, group, []uint64{ann.ID, dan.ID}, nil, ErrInvalid,
			dan.Label() + " is in Organization / Block B, which access group " + siteA.staff.Name + " (of Organization / Block A) does not serve", ""},
		{"removing someone outside the operator's units", boss, group, nil, []uint64{bob.ID, dan.ID}, ErrNotFound, "no person " + strconv.FormatUint(dan.ID, 10), ""},
		{"named to add and remove", f.admin, group, []uint64{ann.ID}, []uint64{ann.ID}, ErrInvalid, "named both to add to and to remove from", ""},
		{"nobody named", f.admin, group, nil, nil, ErrInvalid, "name at least one person", ""},
		{"a group the operator does not see", boss, siteB.staff.ID, []uint64{ann.ID}, nil, ErrNotFound, "no access group " + strconv.FormatUint(uint64(siteB.staff.ID), 10), ""},
		{"without the permission", f.operator(RoleGuard, a.ID), group, []uint64{ann.ID}, nil, ErrPermission, "", ""},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			f := f.at(t)
			seq := f.logSeq()
			_, err := f.s.ChangeGroupMembers(tc.actor, tc.group, tc.add, tc.remove, false)
			fxWant(t, err, tc.kind, tc.want)
			if tc.absent != "" && strings.Contains(err.Error(), tc.absent) {
				t.Errorf("the refusal names %q: %v", tc.absent, err)
			}
			if g := f.groupsOf(ann.ID); len(g) != 0 {
				t.Errorf("Ann was added although the change was refused: %v", g)
			}
			if g := f.groupsOf(bob.ID); !slices.Equal(g, []uint32{group}) {
				t.Errorf("Bob was removed although the change was refused: %v", g)
			}
			es := f.log()
			if f.logSeq() != seq+1 || !es[0].Refused() {
				t.Errorf("want one refused entry, log went from %d to %d", seq, f.logSeq())
			}
		})
	}

	t.Run("the operator's own people in a group of their unit", func(t *testing.T) {
		f := f.at(t)
		got, err := f.s.ChangeGroupMembers(boss, group, []uint64{ann.ID}, nil, false)
		f.must(err)
		if len(got.Added) != 1 {
			t.Fatalf("%+v", got)
		}
		members, err := f.s.GroupMembers(boss, group)
		f.must(err)
		if !slices.Equal(personIDs(members), []uint64{ann.ID, bob.ID, cid.ID}) {
			t.Errorf("members %v", personIDs(members))
		}
	})
}
