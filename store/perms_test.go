package store

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// permCase is one operation of the permission table: the permission it
// needs and how to run it so that it succeeds when allowed. i makes every
// run's names unique.
type permCase struct {
	name string
	need Perm
	// anyOf: holding any one bit of need is enough (else all of them).
	anyOf bool
	run   func(f *fx, a Actor, i int) error
}

func permCases() []permCase {
	email := func(i int) string { return fmt.Sprintf("perm%d@example.com", i) }
	panelWithCode := func(f *fx) Panel {
		p := f.panel("neo-hs2064")
		f.setCode(p, 2, "2580")
		return p
	}
	return []permCase{
		{"AddPanel", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddPanel(a, NewPanel{Name: fmt.Sprintf("Added %d", i), Unit: RootUnit, Family: "neo-hs2064", IMEI: fxIMEI(100000 + i)})
			return err
		}},
		{"SetCode", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.SetCode(a, f.panel("neo-hs2064").ID, 2, "2580", CodeOptions{})
		}},
		{"EditCode", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.EditCode(a, panelWithCode(f).ID, 2, "3691")
		}},
		{"SetLabel", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.SetLabel(a, panelWithCode(f).ID, 2, "Bob")
		}},
		{"SetPartitions", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.SetPartitions(a, panelWithCode(f).ID, 2, PartitionSet(0).With(1).With(2))
		}},
		{"DisablePanelUser", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.DisablePanelUser(a, panelWithCode(f).ID, 2)
		}},
		{"BulkSetCodes", PermManagePanelUsers | PermBulkImport, false, func(f *fx, a Actor, i int) error {
			return f.s.BulkSetCodes(a, f.panel("neo-hs2064").ID, []BulkCode{{Slot: 2, Code: "2580"}, {Slot: 3, Code: "3691"}}, nil)
		}},
		{"CreateAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.CreateAccount(a, email(i), RootUnit)
			return err
		}},
		{"AssignAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.AssignAccount(a, email(i), panelWithCode(f).ID, 2)
		}},
		{"UnassignAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			p := panelWithCode(f)
			if err := f.s.AssignAccount(f.admin, email(i), p.ID, 2); err != nil {
				f.t.Fatal(err)
			}
			return f.s.UnassignAccount(a, p.ID, 2)
		}},
		{"RemoveAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.RemoveAccount(a, email(i))
		}},
		{"ResetPassword", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.ResetPassword(a, email(i))
		}},
		{"SuspendAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.SuspendAccount(a, email(i))
		}},
		{"ReactivateAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			if err := f.s.SuspendAccount(f.admin, email(i)); err != nil {
				f.t.Fatal(err)
			}
			return f.s.ReactivateAccount(a, email(i))
		}},
		{"ConfirmAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.ConfirmAccount(a, email(i), f.otp(email(i)))
		}},
		{"AddUnit", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddUnit(a, RootUnit, fmt.Sprintf("Site %d", i), UnitSite)
			return err
		}},
		{"AddLock", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddLock(a, Lock{Name: "Front door", Model: "Yale Doorman L3", Panel: panelWithCode(f).ID, Users: []int{2}})
			return err
		}},
		{"EnrolTag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.EnrolTag(a, Tag{ID: fmt.Sprintf("0400%04X", i), Kind: TagKeypad, Panel: panelWithCode(f).ID, Slot: 2})
			return err
		}},
		{"SetPartitionLabel", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			return f.s.SetPartitionLabel(a, f.panel("neo-hs2064").ID, 1, "Lobby")
		}},
		{"AddOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddOperator(a, NewOperator{Username: fmt.Sprintf("op%d", i), Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})
			return err
		}},
		{"Backup", PermBackupRestore, false, func(f *fx, a Actor, i int) error {
			return f.s.Backup(a, bytes.Repeat([]byte{7}, KeySize), io.Discard)
		}},
		{"Restore", PermBackupRestore, false, func(f *fx, a Actor, i int) error {
			// Only the permission is exercised here (an empty file is not
			// a backup); restores themselves are in backup_test.go.
			err := f.s.Restore(a, bytes.Repeat([]byte{7}, KeySize), bytes.NewReader(nil), true)
			if err != nil && strings.Contains(err.Error(), "not a guardroom backup") {
				return nil
			}
			return err
		}},
		// Reads.
		{"ListPanels", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListPanels(a)
			return err
		}},
		{"GetPanel", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetPanel(a, f.panel("neo-hs2064").ID)
			return err
		}},
		{"ListPartitions", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListPartitions(a, f.panel("neo-hs2064").ID)
			return err
		}},
		{"ListUsers", PermViewEquipment | PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListUsers(a, f.panel("neo-hs2064").ID)
			return err
		}},
		{"GetUser", PermViewEquipment | PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetUser(a, f.panel("neo-hs2064").ID, 1)
			return err
		}},
		{"ListAccounts", PermManageAccounts | PermViewPanelUsers, true, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListAccounts(a)
			return err
		}},
		{"ListLog", PermViewActionLog, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListLog(a, LogFilter{})
			return err
		}},
		{"VerifyLog", PermViewActionLog, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.VerifyLog(a)
			return err
		}},
		{"ExportLog", PermViewActionLog, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ExportLog(a, io.Discard)
			return err
		}},
		{"ListJobs", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListJobs(a, JobFilter{})
			return err
		}},
		{"ListLocks", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListLocks(a)
			return err
		}},
		{"ListTags", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListTags(a)
			return err
		}},
		{"ListOperators", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListOperators(a)
			return err
		}},
	}
}

// TestPermissions runs every operation as every predefined role, plus an
// actor with no permission at all, and expects exactly what store.Roles
// grants: success, or ErrPermission naming the missing permission.
func TestPermissions(t *testing.T) {
	f := newFx(t)
	type who struct {
		name  string
		perms Perm
		actor Actor
	}
	var actors []who
	for _, role := range RoleNames() {
		actors = append(actors, who{role, Roles[role], f.operator(role)})
	}
	// Not a predefined role: an actor holding nothing, so every read's
	// refusal is exercised too (every predefined role may read).
	actors = append(actors, who{"no permissions", 0, Actor{name: "nobody", via: "test", units: []uint64{RootUnit}}})

	for _, c := range permCases() {
		for _, w := range actors {
			t.Run(c.name+"/"+w.name, func(t *testing.T) {
				f := f.at(t)
				allowed := w.perms&c.need == c.need
				if c.anyOf {
					allowed = w.perms&c.need != 0
				}
				if w.actor.Can(c.need) != (w.perms&c.need == c.need) {
					t.Fatalf("Actor.Can disagrees with Roles")
				}
				err := c.run(f, w.actor, f.next())
				if allowed {
					fxWant(t, err, nil)
					return
				}
				fxWant(t, err, ErrPermission, "does not have the", "permission: ask an administrator")
				missing := c.need &^ w.perms
				named := 0
				for b := Perm(1); b < permEnd; b <<= 1 {
					if missing&b == 0 {
						continue
					}
					if strings.Contains(err.Error(), `"`+b.String()) || strings.Contains(err.Error(), b.String()+`"`) || strings.Contains(err.Error(), ", "+b.String()+",") {
						named++
					} else if !c.anyOf {
						t.Fatalf("refusal %q does not name the missing %q permission", err, b)
					}
				}
				if named == 0 {
					t.Fatalf("refusal %q names no missing permission", err)
				}
			})
		}
	}
}

func TestRolesTable(t *testing.T) {
	// 003's permissions, as PRODUCT.md §8 hands them out.
	cases := []struct {
		role      string
		has, lack Perm
	}{
		{RoleGuard, PermViewEquipment | PermViewPanelUsers | PermViewActionLog | PermArmDisarm, PermManagePanelUsers | PermManageAccounts | PermManageOperators | PermBackupRestore},
		{RoleInstaller, PermManagePanelUsers | PermManageEquipment | PermBulkImport, PermManageAccounts | PermManageOperators},
		{RoleSupervisor, PermManagePanelUsers | PermManageAccounts | PermArmDisarm, PermManageOperators | PermBackupRestore},
		{RoleAdministrator, permAll, 0},
		{RoleAuditor, PermViewEquipment | PermViewPanelUsers | PermViewActionLog, PermManagePanelUsers | PermManageAccounts | PermArmDisarm},
	}
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			p, ok := Roles[c.role]
			if !ok || p&c.has != c.has || p&c.lack != 0 {
				t.Fatalf("%s = %s", c.role, p)
			}
		})
	}
	t.Run("operators with unknown or suspended roles", func(t *testing.T) {
		f := newFx(t)
		fxWant(t, second(f.s.AddOperator(f.admin, NewOperator{Username: "x", Grants: []Grant{{Role: "Boss"}}, Units: []uint64{RootUnit}})), ErrInvalid, "unknown role")
		fxWant(t, second(f.s.AddOperator(f.admin, NewOperator{Username: "bad name", Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})), ErrInvalid, "not valid")
		fxWant(t, second(f.s.AddOperator(f.admin, NewOperator{Username: "nounit", Grants: []Grant{{Role: RoleGuard}}})), ErrInvalid, "no organization unit")
		fxWant(t, second(f.s.AddOperator(f.admin, NewOperator{Username: "admin", Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})), ErrDuplicate)
		_, err := f.s.Actor("ghost", "test")
		fxWant(t, err, ErrNotFound, `no operator "ghost"`)
	})
}

// scopeFx is a site with two buildings, a panel, an account, a lock and a
// tag in each, and operators granted building A or the whole site.
type scopeFx struct {
	*fx
	site, a, b Unit
	pa, pb     Panel
	alice, sam Actor
}

func newScopeFx(t *testing.T) *scopeFx {
	f := newFx(t)
	sf := &scopeFx{fx: f}
	sf.site = f.unit(RootUnit, "North site", UnitSite)
	sf.a = f.unit(sf.site.ID, "Building A", UnitBuilding)
	sf.b = f.unit(sf.site.ID, "Building B", UnitBuilding)
	sf.pa = f.panel("neo-hs2064", inUnit(sf.a.ID), func(np *NewPanel) { np.Name = "Alpha" })
	sf.pb = f.panel("neo-hs2064", inUnit(sf.b.ID), func(np *NewPanel) { np.Name = "Bravo" })
	for _, p := range []Panel{sf.pa, sf.pb} {
		f.setCode(p, 2, "2580")
		if _, err := f.s.AddLock(f.admin, Lock{Name: "Door of " + p.Name, Model: ModelYaleL3, Panel: p.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.EnrolTag(f.admin, Tag{ID: "90:" + map[string]string{"Alpha": "1", "Bravo": "2"}[p.Name], Kind: TagKeypad, Panel: p.ID, Slot: 2}); err != nil {
			t.Fatal(err)
		}
	}
	f.account("a@example.com", sf.a.ID)
	f.account("b@example.com", sf.b.ID)
	fxWant(t, f.s.AssignAccount(f.admin, "b@example.com", sf.pb.ID, 2), nil)
	sf.alice = f.operator(RoleSupervisor, sf.a.ID)
	sf.sam = f.operator(RoleSupervisor, sf.site.ID)
	return sf
}

func TestScopeReads(t *testing.T) {
	sf := newScopeFx(t)
	s := sf.s
	type view struct {
		panels, accounts, locks, tags []string
	}
	see := func(t *testing.T, a Actor) view {
		var v view
		ps, err := s.ListPanels(a)
		fxWant(t, err, nil)
		for _, p := range ps {
			v.panels = append(v.panels, p.Name)
		}
		as, err := s.ListAccounts(a)
		fxWant(t, err, nil)
		for _, x := range as {
			v.accounts = append(v.accounts, x.Email)
		}
		ls, err := s.ListLocks(a)
		fxWant(t, err, nil)
		for _, l := range ls {
			v.locks = append(v.locks, l.Name)
		}
		ts, err := s.ListTags(a)
		fxWant(t, err, nil)
		for _, x := range ts {
			v.tags = append(v.tags, x.ID)
		}
		return v
	}
	cases := []struct {
		name  string
		actor Actor
		want  view
	}{
		{"building A", sf.alice, view{[]string{"Alpha"}, []string{"a@example.com"}, []string{"Door of Alpha"}, []string{"90:1"}}},
		{"site", sf.sam, view{[]string{"Alpha", "Bravo"}, []string{"a@example.com", "b@example.com"}, []string{"Door of Alpha", "Door of Bravo"}, []string{"90:1", "90:2"}}},
	}
	for _, c := range cases {
		t.Run(c.name+" lists", func(t *testing.T) {
			if got := see(t, c.actor); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("sees %+v, want %+v", got, c.want)
			}
		})
	}
	t.Run("building A log", func(t *testing.T) {
		es, err := s.ListLog(sf.alice, LogFilter{})
		fxWant(t, err, nil)
		sawA := false
		for _, e := range es {
			if e.Unit == sf.b.ID || e.Panel == sf.pb.ID || e.Account == "b@example.com" {
				t.Errorf("building A operator sees entry %d %s %s", e.Seq, e.Action, e.Place)
			}
			sawA = sawA || e.Panel == sf.pa.ID
		}
		if !sawA {
			t.Errorf("building A operator does not see building A's entries")
		}
		var buf bytes.Buffer
		if _, err := s.ExportLog(sf.alice, &buf); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "Bravo") || strings.Contains(buf.String(), "b@example.com") {
			t.Errorf("building A export holds building B entries")
		}
		all, _ := s.ListLog(sf.sam, LogFilter{Panel: sf.pb.ID})
		if len(all) == 0 {
			t.Fatalf("site operator does not see building B's entries")
		}
		_, err = s.LogEntry(sf.alice, all[0].Seq)
		fxWant(t, err, ErrNotFound)
		if _, err := s.LogEntry(sf.sam, all[0].Seq); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("building A cannot read building B", func(t *testing.T) {
		for name, op := range map[string]func() error{
			"GetPanel":       func() error { _, err := s.GetPanel(sf.alice, sf.pb.ID); return err },
			"GetUser":        func() error { _, err := s.GetUser(sf.alice, sf.pb.ID, 2); return err },
			"ListUsers":      func() error { _, err := s.ListUsers(sf.alice, sf.pb.ID); return err },
			"ListPartitions": func() error { _, err := s.ListPartitions(sf.alice, sf.pb.ID); return err },
			"FindPanel":      func() error { _, err := s.FindPanel(sf.alice, "Bravo"); return err },
			"FindPanelIMEI":  func() error { _, err := s.FindPanel(sf.alice, sf.pb.IMEI); return err },
			"GetAccount":     func() error { _, err := s.GetAccount(sf.alice, "b@example.com"); return err },
			"FindUnit":       func() error { _, err := s.FindUnit(sf.alice, "Building B"); return err },
		} {
			t.Run(name, func(t *testing.T) {
				err := op()
				fxWant(t, err, ErrNotFound)
				if name != "FindPanel" && strings.Contains(err.Error(), "Bravo") { // FindPanel echoes what was typed
					t.Fatalf("refusal %q names building B's panel", err)
				}
			})
		}
		sug, _ := s.SuggestAccounts(sf.alice, "example.com", 0)
		if len(sug) != 1 || sug[0].Email != "a@example.com" {
			t.Errorf("suggestions %+v", sug)
		}
		for _, u := range s.ListUnits(sf.alice) {
			if u.ID != sf.a.ID {
				t.Errorf("building A operator lists unit %s", u.Name)
			}
		}
	})
	t.Run("site reads both", func(t *testing.T) {
		if _, err := s.GetUser(sf.sam, sf.pb.ID, 2); err != nil {
			t.Fatal(err)
		}
		if u, err := s.GetUser(sf.sam, sf.pa.ID, 2); err != nil || !u.CodeSet {
			t.Fatal(u, err)
		}
		if len(s.ListUnits(sf.sam)) != 3 {
			t.Errorf("site operator units %v", s.ListUnits(sf.sam))
		}
	})
}

func TestScopeWrites(t *testing.T) {
	sf := newScopeFx(t)
	s, alice, pb := sf.s, sf.alice, sf.pb
	cases := []struct {
		name string
		op   func() error
		kind error
	}{
		{"SetCode", func() error { return s.SetCode(alice, pb.ID, 3, "3691", CodeOptions{}) }, ErrNotFound},
		{"EditCode", func() error { return s.EditCode(alice, pb.ID, 2, "3691") }, ErrNotFound},
		{"SetLabel", func() error { return s.SetLabel(alice, pb.ID, 2, "Mallory") }, ErrNotFound},
		{"SetPartitions", func() error { return s.SetPartitions(alice, pb.ID, 2, PartitionSet(0).With(2)) }, ErrNotFound},
		{"DisablePanelUser", func() error { return s.DisablePanelUser(alice, pb.ID, 2) }, ErrNotFound},
		{"SetPartitionLabel", func() error { return s.SetPartitionLabel(alice, pb.ID, 1, "Mine") }, ErrPermission},
		{"UnassignAccount", func() error { return s.UnassignAccount(alice, pb.ID, 2) }, ErrNotFound},
		{"AssignAccount B to A's panel", func() error { return s.AssignAccount(alice, "b@example.com", sf.pa.ID, 2) }, ErrNotFound},
		{"AssignAccount A to B's panel", func() error { return s.AssignAccount(alice, "a@example.com", pb.ID, 2) }, ErrNotFound},
		{"RemoveAccount", func() error { return s.RemoveAccount(alice, "b@example.com") }, ErrNotFound},
		{"ResetPassword", func() error { return s.ResetPassword(alice, "b@example.com") }, ErrNotFound},
		{"SuspendAccount", func() error { return s.SuspendAccount(alice, "b@example.com") }, ErrNotFound},
		{"CreateAccount in B", func() error { _, err := s.CreateAccount(alice, "c@example.com", sf.b.ID); return err }, ErrPermission},
		{"CreateAccount in the site", func() error { _, err := s.CreateAccount(alice, "c@example.com", sf.site.ID); return err }, ErrPermission},
		{"AddLock on B", func() error {
			_, err := s.AddLock(alice, Lock{Name: "Back door", Model: ModelYaleL2, Panel: pb.ID})
			return err
		}, ErrNotFound},
		{"EnrolTag on B", func() error {
			_, err := s.EnrolTag(alice, Tag{ID: "90:9", Kind: TagKeypad, Panel: pb.ID, Slot: 2})
			return err
		}, ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.op()
			fxWant(t, err, c.kind)
			if strings.Contains(err.Error(), "Bravo") {
				t.Fatalf("refusal %q names building B's panel", err)
			}
		})
	}
	t.Run("installer in A cannot add to B", func(t *testing.T) {
		inst := sf.at(t).operator(RoleInstaller, sf.a.ID)
		_, err := s.AddPanel(inst, NewPanel{Name: "Charlie", Unit: sf.b.ID, Family: "neo-hs2064", IMEI: fxIMEI(900)})
		fxWant(t, err, ErrPermission, `building "Building B" is outside your organization units`)
		_, err = s.AddUnit(inst, sf.b.ID, "Floor 1", UnitFloor)
		fxWant(t, err, ErrPermission, "outside your organization units")
		fxWant(t, s.SetPartitionLabel(inst, pb.ID, 1, "Mine"), ErrNotFound)
		_, err = s.AddUnit(inst, sf.a.ID, "Floor 1", UnitFloor)
		fxWant(t, err, nil)
		fxWant(t, second(sf.s.AddOperator(sf.admin, NewOperator{Username: "boss", Grants: []Grant{{Role: RoleAdministrator}}, Units: []uint64{sf.a.ID}})), nil)
		boss, _ := s.Actor("boss", "test")
		fxWant(t, second(s.AddOperator(boss, NewOperator{Username: "spy", Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{sf.b.ID}})), ErrPermission, "outside your organization units")
	})
	t.Run("building B is unchanged", func(t *testing.T) {
		u, err := s.GetUser(sf.sam, pb.ID, 2)
		if err != nil || !u.CodeSet || u.Label != "" || u.Account == 0 || u.Partitions != PartitionSet(0).With(1) {
			t.Fatalf("B user 2 = %v, %v", u, err)
		}
		if u, _ := s.GetUser(sf.sam, pb.ID, 3); u.CodeSet {
			t.Fatalf("B user 3 got a code")
		}
		b, err := s.GetAccount(sf.sam, "b@example.com")
		if err != nil || b.Status != StatusNotConfirmed {
			t.Fatalf("b account %+v %v", b, err)
		}
		ps, _ := s.ListPartitions(sf.sam, pb.ID)
		if ps[0].Label != "Partition 1" {
			t.Fatalf("B partition 1 = %q", ps[0].Label)
		}
		if ls, _ := s.ListLocks(sf.sam); len(ls) != 2 {
			t.Fatalf("locks %v", ls)
		}
	})
	t.Run("the site operator changes building B", func(t *testing.T) {
		fxWant(t, s.SetLabel(sf.sam, pb.ID, 2, "Bea"), nil)
		fxWant(t, s.SetCode(sf.sam, pb.ID, 3, "3691", CodeOptions{}), nil)
		fxWant(t, s.SetLabel(sf.sam, sf.pa.ID, 2, "Al"), nil)
		fxWant(t, s.SuspendAccount(sf.sam, "b@example.com"), nil)
	})
}
