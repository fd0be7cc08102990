package store

import (
	"testing"
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
