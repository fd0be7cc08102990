package store

import "fmt"

// Attempts. A console greys out an action the store would refuse (the
// Check… functions), but an operator may press its key anyway: that is a
// refused attempt, and the action log must hold it exactly as it holds the
// same attempt made on the command line. The Try… functions run the
// operation's own frame (its log action and place, its permission, scope
// and rule, in the operation's order) without its change: a refusal is
// logged by the same code that logs the operation's refusals; an action
// allowed after all (the console's view was stale) returns nil and writes
// nothing, so the console goes on and runs it.

// userRule is what each panel-user action needs: the permission, the
// operation's log action and its rule. CheckUser and TryUser share it, so
// they cannot disagree with each other; the operations call the same
// rules in their bodies.
func userRule(act UserAction) (Perm, string, func(Panel, PanelUser) error, error) {
	hasAccount := func(p Panel, u PanelUser) error { return ruleHasAccount(p, u, "") }
	switch act {
	case ActSetCode:
		return PermManagePanelUsers, "user.set-code", ruleSetCode, nil
	case ActEditCode:
		return PermManagePanelUsers, "user.edit-code", ruleEditCode, nil
	case ActSetLabel:
		return PermManagePanelUsers, "user.label", ruleSetLabel, nil
	case ActSetPartitions:
		return PermManagePanelUsers, "user.partitions", ruleSetPartitions, nil
	case ActDisable:
		return PermManagePanelUsers, "user.disable", ruleDisable, nil
	case ActAssignAccount:
		return PermManageAccounts, "account.assign", func(p Panel, u PanelUser) error { return ruleAssign(p, u, "an account") }, nil
	case ActUnassignAccount:
		return PermManageAccounts, "account.unassign", hasAccount, nil
	case ActResetPassword:
		return PermManageAccounts, "account.reset-password", hasAccount, nil
	case ActRemoveAccount:
		return PermManageAccounts, "account.remove", hasAccount, nil
	case ActGiveLock:
		return PermManageLocksTags, "lock.assign", func(Panel, PanelUser) error { return nil }, nil
	case ActEnrolUserTag:
		return PermManageLocksTags, "tag.enrol", func(Panel, PanelUser) error { return nil }, nil
	}
	return 0, "", nil, refuse(ErrInvalid, "unknown action %q", act)
}

// TryUser is an attempt at act on panel user slot of panel (see above).
// Resetting the password of the user's account, or removing it, is filed
// under the account, as those operations file it.
func (s *Store) TryUser(a Actor, panel uint64, slot int, act UserAction) error {
	perm, action, rule, err := userRule(act)
	if err != nil {
		return err
	}
	w := s.beginUser(a, action, panel, slot)
	return s.finish(w, func() error {
		p, u, err := s.userFrame(w, perm, panel, slot, act == ActResetPassword || act == ActRemoveAccount)
		if err != nil {
			return err
		}
		return rule(p, u)
	})
}

// atAccountOf names the account of a panel user for the log as accountOp
// does: "account EMAIL", its unit, no panel user.
func (w *wtx) atAccountOf(panel uint64, slot int) {
	var p Panel
	if err := getJSON(w.txn, panelKey(panel), &p); err != nil || slot < 1 || slot > p.Slots {
		return
	}
	u, err := readUser(w.txn, p, slot)
	if err != nil || u.Account == 0 {
		return
	}
	rec, err := w.s.readAccountByID(w.txn, u.Account)
	if err != nil || !w.s.unitInScope(w.actor, rec.Unit) {
		return
	}
	w.place, w.panel, w.slot = "account "+rec.Email, 0, 0
	w.unit, w.account = rec.Unit, rec.Email
}

// TryAccount is an attempt at act on the account with this email.
func (s *Store) TryAccount(a Actor, email string, act AccountAction) error {
	action, rule, err := accountRule(act)
	if err != nil {
		return err
	}
	return s.accountOp(a, action, email, func(_ *wtx, rec *accountRecord) error {
		return rule(rec.Account)
	})
}

// PartitionAction names an operation on a partition that a console may
// offer.
type PartitionAction string

// Partition actions.
const (
	ActArmStay        PartitionAction = "arm stay"
	ActArmAway        PartitionAction = "arm away"
	ActArmNoEntry     PartitionAction = "arm away, no entry delay"
	ActDisarm         PartitionAction = "disarm"
	ActLabelPartition PartitionAction = "rename partition"
)

// partitionRule is what each partition action needs: the permission, the
// log action and the rule (nil: none beyond the permission).
func partitionRule(act PartitionAction) (Perm, string, func(Panel, Partition) error, error) {
	arm := func(to PartitionState) func(Panel, Partition) error {
		return func(p Panel, part Partition) error { return ruleArm(p, part, to) }
	}
	switch act {
	case ActArmStay:
		return PermArmDisarm, "partition.arm", arm(ArmedStay), nil
	case ActArmAway, ActArmNoEntry:
		return PermArmDisarm, "partition.arm", arm(ArmedAway), nil
	case ActDisarm:
		return PermArmDisarm, "partition.disarm", arm(Disarmed), nil
	case ActLabelPartition:
		return PermManageEquipment, "partition.label", func(Panel, Partition) error { return nil }, nil
	}
	return 0, "", nil, refuse(ErrInvalid, "unknown action %q", act)
}

// ruleArm refuses an arm or disarm command while another is on its way, or
// one that asks for the state the partition is in already.
func ruleArm(p Panel, part Partition, to PartitionState) error {
	label := fmt.Sprintf("partition %d (%s) of %s", part.Number, part.Label, p.Name)
	switch {
	case part.Sync.State == SyncPending || part.Sync.State == SyncKeypad:
		return onItsWay("an arm/disarm command for "+label, part.Sync.Job)
	case part.State == to:
		return refuse(ErrState, "%s is %s already", label, to)
	case part.State == ExitDelay && to != Disarmed:
		return refuse(ErrState, "%s is arming already (its exit delay is running): wait for it, or disarm it", label)
	}
	return nil
}

// onItsWay refuses a command while the one before it (job) is still on its
// way to the device: one command at a time, in the order given.
func onItsWay(command string, job uint64) error {
	return refuse(ErrState, "%s is still on its way (job %d): wait for it, or cancel it first", command, job)
}

// CheckPartition reports whether the actor may do act on partition part
// of panel p right now, with the refusal the operation would return.
func (s *Store) CheckPartition(a Actor, p Panel, part Partition, act PartitionAction) error {
	perm, _, rule, err := partitionRule(act)
	if err != nil {
		return err
	}
	if err := s.checkPanel(a, perm, p); err != nil {
		return err
	}
	return rule(p, part)
}

// TryPartition is an attempt at act on partition n of panel.
func (s *Store) TryPartition(a Actor, panel uint64, n int, act PartitionAction) error {
	perm, action, rule, err := partitionRule(act)
	if err != nil {
		return err
	}
	return s.partitionOp(a, perm, action, panel, n, func(_ *wtx, p Panel, part *Partition) error {
		return rule(p, *part)
	})
}

// TryLock is an attempt at act on lock id. Unlocking asks for a reason
// first; the attempt is about the lock, so it is checked without one.
func (s *Store) TryLock(a Actor, id uint64, act LockAction) error {
	perm, action := PermManageLocksTags, ""
	var rule func(w *wtx, l Lock) error
	switch act {
	case ActLockDoor, ActUnlockDoor:
		to := LockLocked
		action = "lock.lock"
		if act == ActUnlockDoor {
			to, action = LockUnlocked, "lock.unlock"
		}
		perm = PermOperateDoors
		rule = func(w *wtx, l Lock) error { return ruleLockCommand(l, to, commandOnItsWay(w.txn, l)) }
	case ActRemoveLock:
		// As a console removes a lock: with force, unassigning its users
		// and freeing its tags (the command line's remove --force).
		action = "lock.remove"
		rule = func(w *wtx, l Lock) error { return ruleRemoveLock(l, true, commandOnItsWay(w.txn, l)) }
	case ActAssignToLock:
		action = "lock.assign"
		rule = func(_ *wtx, l Lock) error { return ruleLockRoom(l) }
	default:
		return refuse(ErrInvalid, "unknown action %q", act)
	}
	return s.lockOp(a, perm, action, id, func(w *wtx, _ Panel, l *Lock) error { return rule(w, *l) })
}

// TryTag is an attempt at act on tag id.
func (s *Store) TryTag(a Actor, id string, act TagAction) error {
	var action string
	var rule func(Tag) error
	switch act {
	case ActDisableTag:
		action, rule = "tag.disable", ruleDisableTag
	case ActLostTag:
		action, rule = "tag.lost", ruleLostTag
	case ActFreeTag:
		action, rule = "tag.free", ruleFreeTag
	default:
		return refuse(ErrInvalid, "unknown action %q", act)
	}
	return s.tagOp(a, action, id, func(_ *wtx, _ Panel, t *Tag) error { return rule(*t) })
}
