package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store/family"
)

func TestSetCodeFormat(t *testing.T) {
	f := newFx(t)
	p4 := f.panel("dsc-pc1864")
	p6 := f.panel("dsc-pc1864", codeLength(6))
	p8 := f.panel("neo-hs2064", codeLength(8))
	cases := []struct {
		name string
		p    Panel
		code string
		kind error
		msg  string
	}{
		{"letters", p4, "12a4", ErrInvalid, "digits only"},
		{"leading space", p4, " 258", ErrInvalid, "digits only"},
		{"trailing space", p4, "258 ", ErrInvalid, "digits only"},
		{"minus sign", p4, "-258", ErrInvalid, "digits only"},
		{"fullwidth digits", p4, "２５８０", ErrInvalid, "digits only"},
		{"empty", p4, "", ErrInvalid, "must be 4 digits, got 0"},
		{"too short", p4, "258", ErrInvalid, "must be 4 digits, got 3"},
		{"too long", p4, "25803", ErrInvalid, "must be 4 digits, got 5"},
		{"4 digits on a 6-digit panel", p6, "2580", ErrInvalid, "must be 6 digits, got 4"},
		{"6 digits on an 8-digit panel", p8, "258036", ErrInvalid, "must be 8 digits, got 6"},
		{"all one digit", p4, "7777", ErrInvalid, "too easy to guess"},
		{"all zeros", p4, "0000", ErrInvalid, "too easy to guess"},
		{"ascending run", p4, "1234", ErrInvalid, "too easy to guess"},
		{"ascending from zero", p4, "0123", ErrInvalid, "too easy to guess"},
		{"descending run", p4, "9876", ErrInvalid, "too easy to guess"},
		{"6-digit run", p6, "456789", ErrInvalid, "too easy to guess"},
		{"6-digit same", p6, "111111", ErrInvalid, "too easy to guess"},
		{"8-digit descending", p8, "98765432", ErrInvalid, "too easy to guess"},
		{"valid 4", p4, "2580", nil, ""},
		{"wrap-around is no run", p4, "8901", nil, ""},
		{"valid 6", p6, "258036", nil, ""},
		{"valid 8", p8, "25803614", nil, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			slot := i + 1
			before := f.getPanel(c.p.ID).CodesSet
			err := f.s.SetCode(f.admin, c.p.ID, slot, c.code, CodeOptions{})
			fxWant(t, err, c.kind, c.msg)
			u := f.user(c.p, slot)
			after := f.getPanel(c.p.ID).CodesSet
			if c.kind != nil {
				if u.CodeSet || after != before {
					t.Fatalf("refused code left CodeSet=%v, CodesSet %d -> %d", u.CodeSet, before, after)
				}
				if c.code != "" && strings.Contains(err.Error(), c.code) {
					t.Fatalf("refusal %q shows the code", err)
				}
				return
			}
			if !u.CodeSet || u.Sync.State != SyncPending || after != before+1 {
				t.Fatalf("after set: %v, CodesSet %d -> %d", u, before, after)
			}
		})
	}
}

func TestCodeCollisions(t *testing.T) {
	f := newFx(t)
	dsc := f.panel("dsc-pc1864")                          // DuressPlusOne by family
	neo := f.panel("neo-hs2064")                          // no DuressPlusOne
	dscOff := f.panel("dsc-pc1864", duressPlusOne(false)) // turned off
	neoOn := f.panel("neo-hs2064", duressPlusOne(true))   // turned on
	if !dsc.DuressPlusOne || neo.DuressPlusOne || dscOff.DuressPlusOne || !neoOn.DuressPlusOne {
		t.Fatalf("DuressPlusOne: dsc %v neo %v dscOff %v neoOn %v", dsc.DuressPlusOne, neo.DuressPlusOne, dscOff.DuressPlusOne, neoOn.DuressPlusOne)
	}
	// The same code on four panels: a code is unique per panel only.
	for _, p := range []Panel{dsc, neo, dscOff, neoOn} {
		f.setCode(p, 2, "2580")
	}
	f.setCode(dsc, 10, "2599")

	set := func(p Panel, slot int, code string) func() error {
		return func() error { return f.s.SetCode(f.admin, p.ID, slot, code, CodeOptions{}) }
	}
	edit := func(p Panel, slot int, code string) func() error {
		return func() error { return f.s.EditCode(f.admin, p.ID, slot, code) }
	}
	cases := []struct {
		name string
		op   func() error
		kind error
		msg  string
	}{
		{"duplicate on DSC", set(dsc, 3, "2580"), ErrCodeInUse, "already used by another user of " + dsc.Label()},
		{"duplicate on Neo", set(neo, 3, "2580"), ErrCodeInUse, "already used by another user"},
		{"code+1 on DSC", set(dsc, 3, "2581"), ErrCodeAdjacent, "code + 1 is the duress code"},
		{"code-1 on DSC", set(dsc, 3, "2579"), ErrCodeAdjacent, "one away from another user's code"},
		{"code+1 with carry on DSC", set(dsc, 3, "2600"), ErrCodeAdjacent, "duress"},
		{"code+1 on Neo allowed", set(neo, 3, "2581"), nil, ""},
		{"code-1 on Neo allowed", set(neo, 4, "2579"), nil, ""},
		{"code+1 on DSC with duress rule off", set(dscOff, 3, "2581"), nil, ""},
		{"code+1 on Neo with duress rule on", set(neoOn, 3, "2581"), ErrCodeAdjacent, "duress"},
		{"two away on DSC allowed", set(dsc, 3, "2582"), nil, ""},
		{"set code on slot with code", set(dsc, 2, "3691"), ErrHasCode, "has a code already: use edit code"},
		{"edit to the same code", edit(dsc, 2, "2580"), ErrCodeInUse, "same as the current one"},
		{"edit to another user's code", edit(dsc, 2, "2599"), ErrCodeInUse, "already used by another user"},
		{"edit next to another user's code", edit(dsc, 2, "2598"), ErrCodeAdjacent, "duress"},
		{"edit to own code+1 on DSC", edit(dsc, 10, "2600"), nil, ""},
		{"edit without code", edit(dsc, 5, "3691"), ErrNoCode, "panel user 5 of " + dsc.Name + " has no code; set a code first"},
		{"set slot 0", set(dsc, 0, "3691"), ErrNotFound, "user slots 1-95: that slot number is out of range"},
		{"set slot past the end", set(dsc, 96, "3691"), ErrNotFound, "user slots 1-95: that slot number is out of range"},
		{"set negative slot", set(dsc, -1, "3691"), ErrNotFound, "that slot number is out of range"},
		{"edit slot past the end", edit(dsc, 96, "3691"), ErrNotFound, "user slots 1-95"},
		{"set on missing panel", func() error { return f.s.SetCode(f.admin, 999, 1, "3691", CodeOptions{}) }, ErrNotFound, "no panel 999"},
		{"edit on missing panel", func() error { return f.s.EditCode(f.admin, 999, 1, "3691") }, ErrNotFound, "no panel 999"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fxWant(t, c.op(), c.kind, c.msg)
		})
	}

	t.Run("edit frees the old code", func(t *testing.T) {
		fxWant(t, f.s.EditCode(f.admin, neo.ID, 2, "3691"), nil)
		fxWant(t, f.s.SetCode(f.admin, neo.ID, 9, "2580", CodeOptions{}), nil)
		fxWant(t, f.s.SetCode(f.admin, neo.ID, 10, "3691", CodeOptions{}), ErrCodeInUse)
	})
	t.Run("edit queues the new code for the panel", func(t *testing.T) {
		f := f.at(t)
		var last Job
		for _, j := range f.rawJobs() {
			if j.Panel == neo.ID && j.Slot == 2 {
				last = j
			}
		}
		if last.Op != OpSetCode || last.Code != "3691" || last.State != JobPending {
			t.Fatalf("last job of neo user 2 = %+v (code %q)", last, last.Code)
		}
		if u := f.user(neo, 2); u.Sync.State != SyncPending || u.Sync.Job != last.Seq {
			t.Fatalf("user sync = %v, want pending on job %d", u.Sync, last.Seq)
		}
	})
	t.Run("counters", func(t *testing.T) {
		f := f.at(t)
		f.checkCodesSet(dsc, 3)
		f.checkCodesSet(neo, 4)
		f.checkCodesSet(dscOff, 2)
		f.checkCodesSet(neoOn, 1)
	})
}

func TestRoles(t *testing.T) {
	f := newFx(t)
	dsc := f.panel("dsc-pc1864")
	neo := f.panel("neo-hs2064")
	qol := f.panel("qolsys-iq4")
	dp := f.panel("dualpath")
	vis := f.panel("visonic-powermaster30")
	cases := []struct {
		name string
		p    Panel
		slot int
		role family.Role
		kind error
		msg  string
		want family.Role
	}{
		{"DSC master slot refuses User", dsc, 40, family.RoleUser, ErrMaster, "slot 40 is the Master slot", ""},
		{"DSC master slot default is Master", dsc, 40, "", nil, "", family.RoleMaster},
		{"DSC Master only on slot 40", dsc, 1, family.RoleMaster, ErrMaster, "only slot 40 holds the Master role", ""},
		{"DSC default role is User", dsc, 1, "", nil, "", family.RoleUser},
		{"DSC Supervisor", dsc, 2, family.RoleSupervisor, nil, "", family.RoleSupervisor},
		{"DSC One-time User", dsc, 3, family.RoleOneTime, nil, "", family.RoleOneTime},
		{"DSC Duress", dsc, 4, family.RoleDuress, nil, "", family.RoleDuress},
		{"DSC has no Guest", dsc, 5, family.RoleGuest, ErrUnsupported, "DSC panels have no role \"Guest\": choose one of Master, Supervisor, User, One-time User, Duress", ""},
		{"DSC has no DwellerMaster", dsc, 5, family.RoleDwellerMaster, ErrUnsupported, "no role", ""},
		{"Neo master slot is 1", neo, 1, "", nil, "", family.RoleMaster},
		{"Neo Master not on slot 40", neo, 40, family.RoleMaster, ErrMaster, "only slot 1", ""},
		{"Neo One-time User", neo, 2, family.RoleOneTime, nil, "", family.RoleOneTime},
		{"Qolsys Master", qol, 1, family.RoleMaster, nil, "", family.RoleMaster},
		{"Qolsys DwellerMaster", qol, 2, family.RoleDwellerMaster, nil, "", family.RoleDwellerMaster},
		{"Qolsys Guest", qol, 3, family.RoleGuest, nil, "", family.RoleGuest},
		{"Qolsys Installer", qol, 4, family.RoleInstaller, nil, "", family.RoleInstaller},
		{"Qolsys Dealer", qol, 5, family.RoleDealer, nil, "", family.RoleDealer},
		{"Qolsys Duress", qol, 6, family.RoleDuress, nil, "", family.RoleDuress},
		{"Qolsys User", qol, 7, family.RoleUser, nil, "", family.RoleUser},
		{"Qolsys has no Supervisor", qol, 8, family.RoleSupervisor, ErrUnsupported, "Qolsys (IQ) panels have no role", ""},
		{"Qolsys has no One-time User", qol, 8, family.RoleOneTime, ErrUnsupported, "no role", ""},
		{"Dual Path refuses User", dp, 1, family.RoleUser, ErrUnsupported, "Dual Path panels have no role \"User\": choose one of Master", ""},
		{"Dual Path is Master only", dp, 1, "", nil, "", family.RoleMaster},
		{"Dual Path has one slot", dp, 2, "", ErrNotFound, "user slots 1-1", ""},
		{"Visonic User", vis, 2, family.RoleUser, nil, "", family.RoleUser},
		{"Visonic has no Supervisor", vis, 3, family.RoleSupervisor, ErrUnsupported, "Visonic panels have no role", ""},
		{"Visonic Master only on slot 1", vis, 3, family.RoleMaster, ErrMaster, "only slot 1", ""},
		{"unknown role", neo, 3, "Boss", ErrUnsupported, "no role \"Boss\"", ""},
		{"lower-case role is not parsed here", neo, 3, "user", ErrUnsupported, "no role", ""},
	}
	codes := map[uint64]int{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			codes[c.p.ID]++
			code := fmt.Sprintf("%04d", 2003+37*codes[c.p.ID])
			if family.Trivial(code) {
				t.Fatalf("test code %s is trivial", code)
			}
			err := f.s.SetCode(f.admin, c.p.ID, c.slot, code, CodeOptions{Role: c.role})
			fxWant(t, err, c.kind, c.msg)
			if c.kind != nil {
				return
			}
			u := f.user(c.p, c.slot)
			if u.Role != c.want {
				t.Fatalf("role = %q, want %q", u.Role, c.want)
			}
			if c.want == family.RoleMaster && u.Partitions != AllPartitions(c.p.Partitions()) {
				t.Fatalf("Master partitions = %s, want all %d", u.Partitions, c.p.Partitions())
			}
		})
	}
	t.Run("master gets all partitions even when asked for fewer", func(t *testing.T) {
		f := f.at(t)
		p := f.panel("dsc-pc1832")
		f.setCode(p, 40, "3691", CodeOptions{Partitions: PartitionSet(0).With(2)})
		if u := f.user(p, 40); u.Partitions != AllPartitions(4) || u.Role != family.RoleMaster {
			t.Fatalf("master = %v", u)
		}
	})
}

func TestLabelAndPartitions(t *testing.T) {
	f := newFx(t)
	dsc := f.panel("dsc-pc1832") // 4 partitions, master slot 40
	small := f.panel("dsc-pc1616")
	pmax := f.panel("visonic-powermax")
	dp := f.panel("dualpath")
	f.setCode(dsc, 1, "2580")
	f.setCode(dsc, 40, "3691")
	f.setCode(small, 1, "2580")
	f.setCode(pmax, 2, "2580")
	f.setCode(dp, 1, "2580")

	label := func(p Panel, slot int, l string) func() error {
		return func() error { return f.s.SetLabel(f.admin, p.ID, slot, l) }
	}
	parts := func(p Panel, slot int, ps PartitionSet) func() error {
		return func() error { return f.s.SetPartitions(f.admin, p.ID, slot, ps) }
	}
	set := func(ns ...int) PartitionSet {
		var s PartitionSet
		for _, n := range ns {
			s = s.With(n)
		}
		return s
	}
	cases := []struct {
		name string
		op   func() error
		kind error
		msg  string
	}{
		{"label without code", label(dsc, 2, "Bob"), ErrNoCode, "label cannot change: panel user 2 of " + dsc.Name + " has no code; set a code first"},
		{"partitions without code", parts(dsc, 2, set(1)), ErrNoCode, "partitions cannot change: panel user 2 of " + dsc.Name + " has no code; set a code first"},
		{"master partitions are fixed", parts(dsc, 40, set(1)), ErrMaster, "Master users always hold all partitions"},
		{"master partitions fixed even to all", parts(dsc, 40, AllPartitions(4)), ErrMaster, "Master"},
		{"PowerMax cannot edit partitions", parts(pmax, 2, set(1)), ErrUnsupported, "does not support changing a user's partitions"},
		{"Dual Path cannot edit partitions", parts(dp, 1, set(1)), ErrUnsupported, "does not support changing a user's partitions"},
		{"partition out of range", parts(dsc, 1, set(1, 5)), ErrInvalid, "partitions 1-4, not 5"},
		{"partition out of range on 2-partition panel", parts(small, 1, set(3)), ErrInvalid, "partitions 1-2, not 3"},
		{"empty partition set", parts(dsc, 1, 0), ErrInvalid, "no partition chosen"},
		{"partitions on slot past the end", parts(dsc, 73, set(1)), ErrNotFound, "user slots 1-72"},
		{"partitions ok", parts(dsc, 1, set(1, 3, 4)), nil, ""},
		{"label empty", label(dsc, 1, ""), ErrInvalid, "label is empty"},
		{"label blank", label(dsc, 1, "   "), ErrInvalid, "label is empty"},
		{"label too long", label(dsc, 1, strings.Repeat("x", 33)), ErrInvalid, "33 characters long: panels keep at most 32"},
		{"label with newline", label(dsc, 1, "Bob\nSmith"), ErrInvalid, "control character"},
		{"label with tab", label(dsc, 1, "Bob\tSmith"), ErrInvalid, "control character"},
		{"label with DEL", label(dsc, 1, "Bob\x7f"), ErrInvalid, "control character"},
		{"label with escape", label(dsc, 1, "\x1b[31mBob"), ErrInvalid, "control character"},
		{"label 32 characters", label(dsc, 1, strings.Repeat("x", 32)), nil, ""},
		{"label 32 runes of 2 bytes", label(dsc, 1, strings.Repeat("é", 32)), nil, ""},
		{"label on master", label(dsc, 40, "Owner"), nil, ""},
		{"label on slot past the end", label(dsc, 73, "Bob"), ErrNotFound, "user slots 1-72"},
		{"label trimmed", label(dsc, 1, "  Bob Smith  "), nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fxWant(t, c.op(), c.kind, c.msg)
		})
	}
	t.Run("results", func(t *testing.T) {
		f := f.at(t)
		u := f.user(dsc, 1)
		if u.Label != "Bob Smith" || u.DisplayLabel() != "Bob Smith" {
			t.Errorf("label = %q", u.Label)
		}
		if u.Partitions != set(1, 3, 4) || u.Partitions.String() != "1, 3, 4" {
			t.Errorf("partitions = %s", u.Partitions)
		}
		if m := f.user(dsc, 40); m.Partitions != AllPartitions(4) || m.Label != "Owner" {
			t.Errorf("master = %v", m)
		}
		if u := f.user(dsc, 2); u.Label != "" || u.DisplayLabel() != "User 2" || u.Partitions != 0 {
			t.Errorf("slot without code = %v", u)
		}
		var ops []JobOp
		for _, j := range f.rawJobs() {
			if j.Panel == dsc.ID && j.Slot == 1 {
				ops = append(ops, j.Op)
			}
		}
		want := []JobOp{OpSetCode, OpSetPartitions, OpSetLabel, OpSetLabel, OpSetLabel}
		if fmt.Sprint(ops) != fmt.Sprint(want) {
			t.Errorf("jobs for user 1 = %v, want %v", ops, want)
		}
	})
	t.Run("set code with options", func(t *testing.T) {
		f := f.at(t)
		fxWant(t, f.s.SetCode(f.admin, dsc.ID, 3, "4826", CodeOptions{Partitions: set(5)}), ErrInvalid, "partitions 1-4, not 5")
		fxWant(t, f.s.SetCode(f.admin, dsc.ID, 3, "4826", CodeOptions{Label: "\x07"}), ErrInvalid, "control character")
		if u := f.user(dsc, 3); u.CodeSet {
			t.Fatalf("refused options left a code: %v", u)
		}
		fxWant(t, f.s.SetCode(f.admin, dsc.ID, 3, "4826", CodeOptions{Partitions: set(2, 4), Label: " Carol "}), nil)
		if u := f.user(dsc, 3); u.Label != "Carol" || u.Partitions != set(2, 4) || u.Role != family.RoleUser {
			t.Fatalf("user 3 = %v", u)
		}
		fxWant(t, f.s.SetCode(f.admin, dsc.ID, 4, "4862", CodeOptions{}), nil)
		if u := f.user(dsc, 4); u.Partitions != set(1) || u.DisplayLabel() != "User 4" {
			t.Fatalf("default options: %v", u)
		}
	})
	t.Run("partition labels", func(t *testing.T) {
		fxWant(t, f.s.SetPartitionLabel(f.admin, dsc.ID, 2, "Warehouse"), nil)
		fxWant(t, f.s.SetPartitionLabel(f.admin, dsc.ID, 5, "Roof"), ErrNotFound, "partitions 1-4, not 5")
		fxWant(t, f.s.SetPartitionLabel(f.admin, dsc.ID, 1, ""), ErrInvalid, "label is empty")
		ps, err := f.s.ListPartitions(f.admin, dsc.ID)
		if err != nil || len(ps) != 4 || ps[0].Label != "Partition 1" || ps[1].Label != "Warehouse" {
			t.Fatalf("partitions %v: %+v", err, ps)
		}
	})
}

func TestDisablePanelUser(t *testing.T) {
	f := newFx(t)
	p := f.panel("dsc-pc1832")
	f.setCode(p, 40, "3691")
	f.setCode(p, 5, "2580", CodeOptions{Label: "Dave", Partitions: PartitionSet(0).With(2).With(3), Role: family.RoleSupervisor})
	f.account("dave@example.com")
	fxWant(t, f.s.AssignAccount(f.admin, "dave@example.com", p.ID, 5), nil)
	f.checkCodesSet(p, 2)

	cases := []struct {
		name string
		slot int
		kind error
		msg  string
	}{
		{"master with code", 40, ErrMaster, "is a Master user and cannot be disabled"},
		{"no code", 6, ErrNoCode, "nothing to disable: panel user 6 of " + p.Name + " has no code; set a code first"},
		{"slot past the end", 73, ErrNotFound, "user slots 1-72"},
		{"user with code", 5, nil, ""},
		{"twice", 5, ErrNoCode, "has no code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fxWant(t, f.s.DisablePanelUser(f.admin, p.ID, c.slot), c.kind, c.msg)
		})
	}
	t.Run("master without code", func(t *testing.T) {
		f := f.at(t)
		q := f.panel("neo-hs2016")
		fxWant(t, f.s.DisablePanelUser(f.admin, q.ID, 1), ErrMaster, "Master")
	})
	t.Run("state after disable", func(t *testing.T) {
		f := f.at(t)
		u := f.user(p, 5)
		if u.CodeSet || u.Label != "" || u.DisplayLabel() != "User 5" || u.Partitions != 0 || u.Role != family.RoleUser {
			t.Fatalf("disabled user = %v", u)
		}
		if u.Sync.State != SyncPending {
			t.Fatalf("sync = %v", u.Sync)
		}
		jobs := f.rawJobs()
		if last := jobs[len(jobs)-1]; last.Op != OpClearCode || last.Panel != p.ID || last.Slot != 5 || last.Code != "" {
			t.Fatalf("last job = %+v", last)
		}
		if m := f.user(p, 40); !m.CodeSet {
			t.Fatalf("master lost its code: %v", m)
		}
		f.checkCodesSet(p, 1)
	})
	t.Run("label and partitions need a code again", func(t *testing.T) {
		fxWant(t, f.s.SetLabel(f.admin, p.ID, 5, "Dave"), ErrNoCode, "set a code first")
		fxWant(t, f.s.SetPartitions(f.admin, p.ID, 5, PartitionSet(0).With(1)), ErrNoCode, "set a code first")
		fxWant(t, f.s.EditCode(f.admin, p.ID, 5, "4826"), ErrNoCode, "set a code first")
	})
	t.Run("code can be reused by another slot", func(t *testing.T) {
		f := f.at(t)
		fxWant(t, f.s.SetCode(f.admin, p.ID, 6, "2580", CodeOptions{}), nil)
		fxWant(t, f.s.SetCode(f.admin, p.ID, 5, "2580", CodeOptions{}), ErrCodeInUse)
		fxWant(t, f.s.SetCode(f.admin, p.ID, 5, "4826", CodeOptions{}), nil)
		f.checkCodesSet(p, 3)
	})
}

func TestCodesSetCounter(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2064")
	want := 0
	steps := []struct {
		name  string
		op    func() error
		kind  error
		delta int
	}{
		{"set 2", func() error { return f.s.SetCode(f.admin, p.ID, 2, "2580", CodeOptions{}) }, nil, 1},
		{"set 3", func() error { return f.s.SetCode(f.admin, p.ID, 3, "3691", CodeOptions{}) }, nil, 1},
		{"set master", func() error { return f.s.SetCode(f.admin, p.ID, 1, "4826", CodeOptions{}) }, nil, 1},
		{"refused duplicate", func() error { return f.s.SetCode(f.admin, p.ID, 4, "2580", CodeOptions{}) }, ErrCodeInUse, 0},
		{"refused set on slot with code", func() error { return f.s.SetCode(f.admin, p.ID, 2, "5937", CodeOptions{}) }, ErrHasCode, 0},
		{"edit", func() error { return f.s.EditCode(f.admin, p.ID, 2, "5937") }, nil, 0},
		{"edit back", func() error { return f.s.EditCode(f.admin, p.ID, 2, "2580") }, nil, 0},
		{"disable", func() error { return f.s.DisablePanelUser(f.admin, p.ID, 3) }, nil, -1},
		{"refused disable", func() error { return f.s.DisablePanelUser(f.admin, p.ID, 3) }, ErrNoCode, 0},
		{"label", func() error { return f.s.SetLabel(f.admin, p.ID, 2, "Eve") }, nil, 0},
		{"bulk", func() error {
			return f.s.BulkSetCodes(f.admin, p.ID, []BulkCode{{Slot: 3, Code: "3691"}, {Slot: 10, Code: "7150"}, {Slot: 11, Code: "7351"}}, nil)
		}, nil, 3},
		{"refused bulk", func() error {
			return f.s.BulkSetCodes(f.admin, p.ID, []BulkCode{{Slot: 12, Code: "7152"}, {Slot: 13, Code: "2580"}}, nil)
		}, ErrCodeInUse, 0},
		{"disable bulk user", func() error { return f.s.DisablePanelUser(f.admin, p.ID, 10) }, nil, -1},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			f := f.at(t)
			fxWant(t, st.op(), st.kind)
			want += st.delta
			f.checkCodesSet(p, want)
		})
	}
}

func TestBulkSetCodes(t *testing.T) {
	f := newFx(t)
	dsc := f.panel("dsc-pc1864")
	f.setCode(dsc, 1, "2580")
	cases := []struct {
		name  string
		items []BulkCode
		kind  error
		msg   string
	}{
		{"code in use", []BulkCode{{Slot: 2, Code: "3691"}, {Slot: 3, Code: "2580"}}, ErrCodeInUse, "item 2 (slot 3)"},
		{"duplicate inside the load", []BulkCode{{Slot: 2, Code: "3691"}, {Slot: 3, Code: "3691"}}, ErrCodeInUse, "item 2 (slot 3)"},
		{"adjacent inside the load", []BulkCode{{Slot: 2, Code: "3691"}, {Slot: 3, Code: "3692"}}, ErrCodeAdjacent, "item 2 (slot 3)"},
		{"slot twice", []BulkCode{{Slot: 2, Code: "3691"}, {Slot: 2, Code: "4826"}}, ErrDuplicate, "slot appears twice (also item 1)"},
		{"slot has a code", []BulkCode{{Slot: 1, Code: "3691"}}, ErrHasCode, "item 1 (slot 1): panel user 1 of " + dsc.Name + " has a code already: use edit code to change it"},
		{"slot out of range", []BulkCode{{Slot: 96, Code: "3691"}}, ErrNotFound, "item 1 (slot 96): " + dsc.Label() + " has user slots 1-95: that slot number is out of range"},
		{"trivial", []BulkCode{{Slot: 2, Code: "3691"}, {Slot: 4, Code: "1111"}}, ErrInvalid, "item 2 (slot 4)"},
		{"bad role", []BulkCode{{Slot: 2, Code: "3691", CodeOptions: CodeOptions{Role: family.RoleGuest}}}, ErrUnsupported, "item 1 (slot 2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			fxWant(t, f.s.BulkSetCodes(f.admin, dsc.ID, c.items, nil), c.kind, c.msg)
			f.checkCodesSet(dsc, 1)
		})
	}
	t.Run("whole load", func(t *testing.T) {
		f := f.at(t)
		start := f.logSeq()
		var items []BulkCode
		for slot := 2; slot <= 39; slot++ {
			items = append(items, BulkCode{Slot: slot, Code: fmt.Sprintf("%04d", 3001+slot*7)})
		}
		var calls int
		err := f.s.BulkSetCodes(f.admin, dsc.ID, items, func(done, total int) {
			calls++
			if done != total || total != len(items) {
				t.Errorf("progress %d/%d", done, total)
			}
		})
		fxWant(t, err, nil)
		if calls != 1 {
			t.Errorf("progress called %d times", calls)
		}
		f.checkCodesSet(dsc, 1+len(items))
		if got := f.logSeq() - start; got != uint64(len(items)) {
			t.Errorf("%d log entries for %d users", got, len(items))
		}
		fxWant(t, f.s.SetCode(f.admin, dsc.ID, 50, "3015", CodeOptions{}), ErrCodeInUse)
	})
}

func TestListUsers(t *testing.T) {
	f := newFx(t)
	cases := []struct {
		fam    string
		slots  int
		master int
	}{
		{"dsc-pc1864", 95, 40},
		{"dsc-pc1616", 48, 40},
		{"neo-hs2128e", 1000, 1},
		{"qolsys-iq2plus", 242, 1},
		{"dualpath", 1, 1},
		{"visonic-powermax", 8, 1},
	}
	for _, c := range cases {
		t.Run(c.fam, func(t *testing.T) {
			f := f.at(t)
			p := f.panel(c.fam)
			code := strings.Repeat("25", 4)[:p.CodeLength]
			f.setCode(p, c.slots, code, CodeOptions{Label: "Last"})
			us, err := f.s.ListUsers(f.admin, p.ID)
			fxWant(t, err, nil)
			if len(us) != c.slots || p.Slots != c.slots {
				t.Fatalf("%d rows, panel slots %d, want %d", len(us), p.Slots, c.slots)
			}
			for i, u := range us {
				if u.Slot != i+1 || u.Panel != p.ID {
					t.Fatalf("row %d is panel %d slot %d", i, u.Panel, u.Slot)
				}
				wantRole := family.RoleUser
				if u.Slot == c.master {
					wantRole = family.RoleMaster
				}
				if u.Slot == c.slots {
					if !u.CodeSet || u.Label != "Last" || u.Role != wantRole {
						t.Fatalf("last slot %v", u)
					}
					continue
				}
				if u.CodeSet || u.DisplayLabel() != fmt.Sprintf("User %d", u.Slot) || u.Role != wantRole || u.Account != 0 || u.Sync.State != SyncInSync {
					t.Fatalf("unused slot %v", u)
				}
			}
			g, err := f.s.GetUser(f.admin, p.ID, c.slots)
			if err != nil || !g.CodeSet || g.Label != "Last" {
				t.Fatalf("GetUser %v %v", g, err)
			}
			_, err = f.s.GetUser(f.admin, p.ID, c.slots+1)
			fxWant(t, err, ErrNotFound, fmt.Sprintf("user slots 1-%d: that slot number is out of range", c.slots))
		})
	}
	t.Run("missing panel", func(t *testing.T) {
		_, err := f.s.ListUsers(f.admin, 999)
		fxWant(t, err, ErrNotFound, "no panel 999")
	})
}

// TestShownSync: the one meaning of a user's sync that the console's grid
// and the CLI's list show: a slot without a code and nothing on its way
// has none; everything else is its own.
func TestShownSync(t *testing.T) {
	cases := []struct {
		name string
		u    PanelUser
		want SyncState
	}{
		{"empty slot, never changed", PanelUser{Sync: Sync{State: SyncInSync}}, SyncNone},
		{"empty slot, no state", PanelUser{}, SyncNone},
		{"empty slot, disable on its way", PanelUser{Sync: Sync{State: SyncPending, Job: 4}}, SyncPending},
		{"empty slot, disable failed", PanelUser{Sync: Sync{State: SyncFailed, Reason: "offline"}}, SyncFailed},
		{"empty slot, code set at a keypad", PanelUser{Sync: Sync{State: SyncDrift}}, SyncDrift},
		{"with a code", PanelUser{CodeSet: true, Sync: Sync{State: SyncInSync}}, SyncInSync},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.u.ShownSync(); got.State != c.want || (c.want != SyncNone && got != c.u.Sync) {
				t.Errorf("ShownSync() = %+v, want %s", got, c.want)
			}
		})
	}
}
