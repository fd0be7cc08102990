package store

import (
	"testing"

	"github.com/guardroom/guardroom/store/access"
)

// An attempt (a console's key pressed for an action it shows greyed) is in
// the action log exactly as the same operation's refusal is: the same
// action, place, panel, slot, account, unit and result text.
func TestTryLogsAsTheOperation(t *testing.T) {
	f := newLockFx(t)
	p := f.p // users 2-5 have codes; slot 1 is the Master slot, 6 has no code
	f.setCode(p, 1, "1470")
	guard := f.operator(RoleGuard)
	auditor := f.operator(RoleAuditor)
	f.account("ana@example.com")
	if err := f.s.AssignAccount(f.admin, "ana@example.com", p.ID, 2); err != nil {
		t.Fatal(err)
	}
	f.account("sue@example.com")
	if err := f.s.SuspendAccount(f.admin, "sue@example.com"); err != nil {
		t.Fatal(err)
	}
	tag := f.enrol(Tag{ID: "90:324", Kind: TagLock, Lock: f.lock.ID, Slot: 3})
	free := f.enrol(Tag{ID: "90:325", Kind: TagLock, Lock: f.lock.ID, Slot: 4})
	if err := f.s.FreeTag(f.admin, free.ID); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		op, at func() error
	}{
		{"label of a slot with no code",
			func() error { return f.s.SetLabel(f.admin, p.ID, 6, "Night shift") },
			func() error { return f.s.TryUser(f.admin, p.ID, 6, ActSetLabel) }},
		{"disable the Master",
			func() error { return f.s.DisablePanelUser(f.admin, p.ID, 1) },
			func() error { return f.s.TryUser(f.admin, p.ID, 1, ActDisable) }},
		{"guard sets a code",
			func() error { return f.s.SetCode(guard, p.ID, 6, "8642", CodeOptions{}) },
			func() error { return f.s.TryUser(guard, p.ID, 6, ActSetCode) }},
		{"guard edits a code",
			func() error { return f.s.EditCode(guard, p.ID, 2, "8642") },
			func() error { return f.s.TryUser(guard, p.ID, 2, ActEditCode) }},
		{"auditor changes partitions",
			func() error { return f.s.SetPartitions(auditor, p.ID, 2, PartitionSet(0).With(2)) },
			func() error { return f.s.TryUser(auditor, p.ID, 2, ActSetPartitions) }},
		{"guard disables",
			func() error { return f.s.DisablePanelUser(guard, p.ID, 3) },
			func() error { return f.s.TryUser(guard, p.ID, 3, ActDisable) }},
		{"guard unassigns",
			func() error { return f.s.UnassignAccount(guard, p.ID, 2) },
			func() error { return f.s.TryUser(guard, p.ID, 2, ActUnassignAccount) }},
		{"guard resets the password of a user's account",
			func() error { return f.s.ResetPassword(guard, "ana@example.com") },
			func() error { return f.s.TryUser(guard, p.ID, 2, ActResetPassword) }},
		{"auditor removes a user's account",
			func() error { return f.s.RemoveAccount(auditor, "ana@example.com") },
			func() error { return f.s.TryUser(auditor, p.ID, 2, ActRemoveAccount) }},
		{"guard suspends an account",
			func() error { return f.s.SuspendAccount(guard, "ana@example.com") },
			func() error { return f.s.TryAccount(guard, "ana@example.com", ActSuspend) }},
		{"reactivate an active account",
			func() error { return f.s.ReactivateAccount(f.admin, "ana@example.com") },
			func() error { return f.s.TryAccount(f.admin, "ana@example.com", ActReactivate) }},
		{"reset the password of a suspended account",
			func() error { return f.s.ResetPassword(f.admin, "sue@example.com") },
			func() error { return f.s.TryAccount(f.admin, "sue@example.com", ActReset) }},
		{"confirm a suspended account",
			func() error { return f.s.ConfirmAccount(f.admin, "sue@example.com", "123456") },
			func() error { return f.s.TryAccount(f.admin, "sue@example.com", ActConfirm) }},
		{"disarm a disarmed partition",
			func() error { return f.s.Disarm(f.admin, p.ID, 1) },
			func() error { return f.s.TryPartition(f.admin, p.ID, 1, ActDisarm) }},
		{"auditor arms",
			func() error { return f.s.Arm(auditor, p.ID, 1, ArmAway) },
			func() error { return f.s.TryPartition(auditor, p.ID, 1, ActArmAway) }},
		{"guard renames a partition",
			func() error { return f.s.SetPartitionLabel(guard, p.ID, 2, "Garage") },
			func() error { return f.s.TryPartition(guard, p.ID, 2, ActLabelPartition) }},
		{"auditor locks a door",
			func() error { return f.s.LockDoor(auditor, f.lock.ID) },
			func() error { return f.s.TryLock(auditor, f.lock.ID, ActLockDoor) }},
		{"guard removes a lock",
			func() error { return f.s.RemoveLock(guard, f.lock.ID, true) },
			func() error { return f.s.TryLock(guard, f.lock.ID, ActRemoveLock) }},
		{"guard frees a tag",
			func() error { return f.s.FreeTag(guard, tag.ID) },
			func() error { return f.s.TryTag(guard, tag.ID, ActFreeTag) }},
		{"free a free tag",
			func() error { return f.s.FreeTag(f.admin, free.ID) },
			func() error { return f.s.TryTag(f.admin, free.ID, ActFreeTag) }},
	}
	same := func(e Entry) Entry {
		e.Seq, e.Prev = 0, ""
		return e
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opErr := c.op()
			if !IsRefusal(opErr) {
				t.Fatalf("the operation was not refused: %v", opErr)
			}
			want := same(f.lastLog())
			before := f.logSeq()
			atErr := c.at()
			if atErr == nil || atErr.Error() != opErr.Error() {
				t.Fatalf("attempt: %v, want the operation's refusal %v", atErr, opErr)
			}
			if f.logSeq() != before+1 {
				t.Fatalf("the attempt wrote %d log entries, want 1", f.logSeq()-before)
			}
			got := same(f.lastLog())
			if got.Action != want.Action || got.Place != want.Place || got.Panel != want.Panel || got.Slot != want.Slot ||
				got.Account != want.Account || got.Unit != want.Unit || got.Result != want.Result || got.Operator != want.Operator {
				t.Errorf("attempt logged\n %+v\nthe operation logged\n %+v", got, want)
			}
		})
	}

	// Allowed after all: nothing is logged, nothing changes.
	before := f.logSeq()
	for _, err := range []error{
		f.s.TryUser(f.admin, p.ID, 3, ActDisable),
		f.s.TryPartition(f.admin, p.ID, 1, ActArmStay),
		f.s.TryLock(f.admin, f.lock.ID, ActUnlockDoor),
		f.s.TryTag(f.admin, tag.ID, ActDisableTag),
		f.s.TryAccount(f.admin, "ana@example.com", ActSuspend),
	} {
		if err != nil {
			t.Errorf("an allowed attempt: %v", err)
		}
	}
	if f.logSeq() != before {
		t.Errorf("allowed attempts logged %d entries", f.logSeq()-before)
	}
	if u := f.user(p, 3); !u.CodeSet {
		t.Error("an allowed attempt changed the user")
	}
}

// The console greys out with CheckPartition what Arm and Disarm refuse.
func TestCheckPartition(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2032")
	guard := f.operator(RoleGuard)
	auditor := f.operator(RoleAuditor)
	part := f.partition(p, 1)
	fxWant(t, f.s.CheckPartition(guard, p, part, ActDisarm), ErrState, "disarmed already")
	fxWant(t, f.s.CheckPartition(guard, p, part, ActArmAway), nil)
	fxWant(t, f.s.CheckPartition(auditor, p, part, ActArmStay), ErrPermission, "arm/disarm")
	fxWant(t, f.s.CheckPartition(guard, p, part, ActLabelPartition), ErrPermission, "manage equipment")
	fxWant(t, f.s.Arm(guard, p.ID, 1, ArmStay), nil)
	fxWant(t, f.s.CheckPartition(guard, p, f.partition(p, 1), ActDisarm), ErrState, "still on its way")
}

// The assign dialog's suggestions are checked with CheckAssign: the
// refusal AssignAccount gives for a suspended account or one that holds a
// user of the panel already.
func TestCheckAssign(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2032")
	q := f.panel("neo-hs2032")
	f.setCode(p, 2, "2580")
	f.setCode(p, 3, "3691")
	f.account("ana@example.com")
	f.account("cy@example.com")
	guard := f.operator(RoleGuard)
	if err := f.s.AssignAccount(f.admin, "ana@example.com", p.ID, 2); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SuspendAccount(f.admin, "cy@example.com"); err != nil {
		t.Fatal(err)
	}
	ana, cy := f.getAccount("ana@example.com"), f.getAccount("cy@example.com")
	fxWant(t, f.s.CheckAssign(f.admin, ana, p), ErrState, "assigned to panel user 2", "one account holds one user per panel")
	fxWant(t, f.s.AssignAccount(f.admin, "ana@example.com", p.ID, 3), ErrState, "assigned to panel user 2", "one account holds one user per panel")
	fxWant(t, f.s.CheckAssign(f.admin, ana, q), nil)
	fxWant(t, f.s.CheckAssign(f.admin, cy, q), ErrSuspended, "suspended")
	fxWant(t, f.s.CheckAssign(guard, ana, q), ErrPermission, "manage accounts")
}

// The code dialogs show the panel's whole code rule and check the format
// at the first entry with the same check SetCode makes.
func TestCodeRuleAndFormat(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2032", codeLength(6), duressPlusOne(true))
	if got, want := p.CodeRule(), "6 digits, not guessable (not all one digit like 1111, not counting up or down like 1234), not used by another user of this panel, and not one away from another user's code (code + 1 is the duress code)."; got != want {
		t.Errorf("rule %q, want %q", got, want)
	}
	fxWant(t, CheckCodeFormat(p, "2468"), ErrInvalid, "code must be 6 digits, got 4")
	fxWant(t, CheckCodeFormat(p, "24a8"), ErrInvalid, "digits only")
	fxWant(t, CheckCodeFormat(p, "123456"), ErrInvalid, "too easy to guess")
	fxWant(t, CheckCodeFormat(p, "246813"), nil)
	fxWant(t, f.s.SetCode(f.admin, p.ID, 2, "2468", CodeOptions{}), ErrInvalid, "code must be 6 digits, got 4")
}

// The attempts of the People, Access and Operators screens, the outbox's
// retry and cancel, and the adds are logged as their operations' refusals
// are. An add's attempt is made before anything is typed: it names the
// kind of record, where the operation names the record it was given, so
// only the action, the operator and the result are compared.
func TestTryLogsAsTheOperationMore(t *testing.T) {
	f := newLockFx(t)
	p := f.p
	guard := f.operator(RoleGuard)
	auditor := f.operator(RoleAuditor)
	site := f.accessSite(RootUnit)
	ann, err := f.s.AddPerson(f.admin, Person{Name: "Ann", Unit: RootUnit, Active: true, Groups: []uint32{site.staff.ID}},
		[]access.Identifier{{Kind: access.KindCard, Value: "10456"}})
	f.must(err)
	apt := f.apartment(RootUnit, "Flat 1")
	if err := f.s.AddRole(f.admin, Role{Name: "Night_desk", Perms: PermViewEquipment}); err != nil {
		t.Fatal(err)
	}
	held := f.operator("Night_desk")
	if err := f.s.SuspendOperator(f.admin, held.Name()); err != nil {
		t.Fatal(err)
	}
	// A failed user job, and a pending one.
	f.setCode(p, 6, "6048")
	failed := f.newestJob().Seq
	f.finish(failed, JobResult{Driver: "sim", Err: "refused by the device", Permanent: true})
	f.setCode(p, 7, "7159")
	pending := f.newestJob().Seq

	cases := []struct {
		name string
		op   func() error
		add  bool
		at   func() error
	}{
		{"guard edits a person",
			func() error {
				_, err := f.s.EditPerson(guard, Person{ID: ann.ID, Name: "Ann B", Unit: RootUnit})
				return err
			},
			false, func() error { return f.s.TryPerson(guard, ann.ID, ActEditPerson) }},
		{"auditor removes a person",
			func() error { return f.s.RemovePerson(auditor, ann.ID) },
			false, func() error { return f.s.TryPerson(auditor, ann.ID, ActRemovePerson) }},
		{"guard gives an identifier",
			func() error {
				_, err := f.s.AddIdentifier(guard, ann.ID, access.Identifier{Kind: access.KindCard, Value: "10457"})
				return err
			},
			false, func() error { return f.s.TryPerson(guard, ann.ID, ActAddIdentifier) }},
		{"guard takes an identifier",
			func() error {
				_, err := f.s.RemoveIdentifier(guard, ann.ID, access.Identifier{Kind: access.KindCard, Value: "10456"})
				return err
			},
			false, func() error { return f.s.TryPerson(guard, ann.ID, ActRemoveIdentifier) }},
		{"guard edits a door",
			func() error { d := site.main; d.Lock = 9; _, err := f.s.EditDoor(guard, d); return err },
			false, func() error { return f.s.TryConf(guard, ConfDoor, site.main.ID, ActEditConf) }},
		{"remove an access group someone is in",
			func() error { return f.s.RemoveAccessGroup(f.admin, site.staff.ID) },
			false, func() error { return f.s.TryConf(f.admin, ConfAccessGroup, site.staff.ID, ActRemoveConf) }},
		{"remove a level a group gives",
			func() error { return f.s.RemoveAccessLevel(f.admin, uint32(site.office.ID)) },
			false, func() error { return f.s.TryConf(f.admin, ConfAccessLevel, uint32(site.office.ID), ActRemoveConf) }},
		{"auditor removes a time profile",
			func() error { return f.s.RemoveTimeProfile(auditor, site.hours.ID) },
			false, func() error { return f.s.TryConf(auditor, ConfTimeProfile, site.hours.ID, ActRemoveConf) }},
		{"guard edits an apartment",
			func() error { v := apt; v.Floor = "2"; _, err := f.s.EditApartment(guard, v); return err },
			false, func() error { return f.s.TryConf(guard, ConfApartment, apt.ID, ActEditConf) }},
		{"guard changes a group's members",
			func() error {
				_, err := f.s.ChangeGroupMembers(guard, site.staff.ID, nil, []uint64{ann.ID}, false)
				return err
			},
			false, func() error { return f.s.TryConf(guard, ConfAccessGroup, site.staff.ID, ActGroupMember) }},
		{"suspend a suspended operator",
			func() error { return f.s.SuspendOperator(f.admin, held.Name()) },
			false, func() error { return f.s.TryOperator(f.admin, held.Name(), ActSuspendOperator) }},
		{"suspend oneself",
			func() error { return f.s.SuspendOperator(f.admin, f.admin.Name()) },
			false, func() error { return f.s.TryOperator(f.admin, f.admin.Name(), ActSuspendOperator) }},
		{"reactivate an active operator",
			func() error { return f.s.ReactivateOperator(f.admin, guard.Name()) },
			false, func() error { return f.s.TryOperator(f.admin, guard.Name(), ActReactivateOperator) }},
		{"unlock an operator not locked",
			func() error { return f.s.UnlockOperator(f.admin, guard.Name()) },
			false, func() error { return f.s.TryOperator(f.admin, guard.Name(), ActUnlockOperator) }},
		{"reset a second factor there is not",
			func() error { return f.s.ResetSecondFactor(f.admin, guard.Name()) },
			false, func() error { return f.s.TryOperator(f.admin, guard.Name(), ActResetSecondFactor) }},
		{"remove oneself",
			func() error { return f.s.RemoveOperator(f.admin, f.admin.Name()) },
			false, func() error { return f.s.TryOperator(f.admin, f.admin.Name(), ActRemoveOperator) }},
		{"guard resets an operator's password",
			func() error { _, err := f.s.ResetOperatorPassword(guard, auditor.Name()); return err },
			false, func() error { return f.s.TryOperator(guard, auditor.Name(), ActResetOperatorPassword) }},
		{"remove a predefined role",
			func() error { return f.s.RemoveRole(f.admin, RoleGuard) },
			false, func() error { return f.s.TryRole(f.admin, RoleGuard, ActRemoveRole) }},
		{"remove a role someone holds",
			func() error { return f.s.RemoveRole(f.admin, "Night_desk") },
			false, func() error { return f.s.TryRole(f.admin, "Night_desk", ActRemoveRole) }},
		{"guard edits a role",
			func() error { return f.s.UpdateRole(guard, Role{Name: RoleGuard, Require2FA: true}) },
			false, func() error { return f.s.TryRole(guard, RoleGuard, ActEditRole) }},
		{"retry a pending job",
			func() error { return f.s.RetryJob(f.admin, pending) },
			false, func() error { return f.s.TryJob(f.admin, pending, ActRetryJob) }},
		{"guard retries a failed job",
			func() error { return f.s.RetryJob(guard, failed) },
			false, func() error { return f.s.TryJob(guard, failed, ActRetryJob) }},
		{"auditor cancels a job",
			func() error { return f.s.CancelJob(auditor, pending) },
			false, func() error { return f.s.TryJob(auditor, pending, ActCancelJob) }},
		{"guard adds a person",
			func() error { _, err := f.s.AddPerson(guard, Person{Name: "Bo", Unit: RootUnit}, nil); return err },
			true, func() error { return f.s.TryAdd(guard, ActAddPerson) }},
		{"guard adds an operator",
			func() error {
				_, err := f.s.AddOperator(guard, NewOperator{Username: "zed", Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})
				return err
			},
			true, func() error { return f.s.TryAdd(guard, ActAddOperator) }},
		{"auditor adds a lock",
			func() error {
				_, err := f.s.AddLock(auditor, Lock{Name: "Side door", Model: ModelYaleL3, Panel: p.ID})
				return err
			},
			true, func() error { return f.s.TryAdd(auditor, ActAddLock) }},
		{"auditor enrols a tag",
			func() error {
				_, err := f.s.EnrolTag(auditor, Tag{ID: "91:1", Kind: TagKeypad, Panel: p.ID, Slot: 2})
				return err
			},
			true, func() error { return f.s.TryAdd(auditor, ActEnrolTag) }},
		{"guard creates an account",
			func() error { _, err := f.s.CreateAccount(guard, "bo@example.com", RootUnit); return err },
			true, func() error { return f.s.TryAdd(guard, ActCreateAccount) }},
		{"guard adds a door",
			func() error {
				_, err := f.s.AddDoor(guard, Door{ConfMeta: ConfMeta{Name: "Gate", Unit: RootUnit}})
				return err
			},
			true, func() error { return f.s.TryAdd(guard, ActAddDoor) }},
		{"guard gives a user a door lock",
			func() error { return f.s.AssignLockUser(guard, f.lock.ID, 2) },
			true, func() error { return f.s.TryUser(guard, p.ID, 2, ActGiveLock) }},
		{"auditor enrols a user's tag",
			func() error {
				_, err := f.s.EnrolTag(auditor, Tag{ID: "91:2", Kind: TagKeypad, Panel: p.ID, Slot: 2})
				return err
			},
			true, func() error { return f.s.TryUser(auditor, p.ID, 2, ActEnrolUserTag) }},
		{"guard adds a role",
			func() error { return f.s.AddRole(guard, Role{Name: "Desk", Perms: PermViewEquipment}) },
			true, func() error { return f.s.TryAdd(guard, ActAddRole) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opErr := c.op()
			if !IsRefusal(opErr) {
				t.Fatalf("the operation was not refused: %v", opErr)
			}
			want := f.lastLog()
			before := f.logSeq()
			atErr := c.at()
			if atErr == nil || atErr.Error() != opErr.Error() {
				t.Fatalf("attempt: %v, want the operation's refusal %v", atErr, opErr)
			}
			if f.logSeq() != before+1 {
				t.Fatalf("the attempt wrote %d log entries, want 1", f.logSeq()-before)
			}
			got := f.lastLog()
			if got.Action != want.Action || got.Result != want.Result || got.Operator != want.Operator {
				t.Errorf("attempt logged\n %+v\nthe operation logged\n %+v", got, want)
			}
			if !c.add && (got.Place != want.Place || got.Panel != want.Panel || got.Slot != want.Slot || got.Account != want.Account || got.Unit != want.Unit) {
				t.Errorf("attempt logged at\n %+v\nthe operation at\n %+v", got, want)
			}
		})
	}

	// Allowed: nothing is logged, and no session ends.
	before := f.logSeq()
	for _, err := range []error{
		f.s.TryPerson(f.admin, ann.ID, ActRemovePerson),
		f.s.TryConf(f.admin, ConfApartment, apt.ID, ActRemoveConf),
		f.s.TryOperator(f.admin, guard.Name(), ActSuspendOperator),
		f.s.TryOperator(f.admin, guard.Name(), ActEditOperator),
		f.s.TryJob(f.admin, failed, ActRetryJob),
		f.s.TryAdd(f.admin, ActAddPerson),
	} {
		if err != nil {
			t.Errorf("an allowed attempt: %v", err)
		}
	}
	if f.logSeq() != before {
		t.Errorf("allowed attempts logged %d entries", f.logSeq()-before)
	}
	if _, err := f.s.Actor(guard.Name(), "test"); err != nil {
		t.Errorf("an allowed attempt changed the operator: %v", err)
	}
}
