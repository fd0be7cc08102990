package store

import "github.com/guardroom/guardroom/store/family"

// UserAction names an operation on a panel user that a console may offer.
type UserAction string

// Panel-user actions (the row menu and details of 003).
const (
	ActSetCode         UserAction = "set code"
	ActEditCode        UserAction = "edit code"
	ActSetLabel        UserAction = "edit label"
	ActSetPartitions   UserAction = "change partitions"
	ActDisable         UserAction = "disable panel user"
	ActAssignAccount   UserAction = "assign account"
	ActUnassignAccount UserAction = "unassign account"
	ActResetPassword   UserAction = "reset password"
	ActRemoveAccount   UserAction = "remove account"
	// The user's door locks and tags: picking the lock or typing the
	// tag comes after, so the attempt is about the user.
	ActGiveLock     UserAction = "give door lock"
	ActEnrolUserTag UserAction = "enrol tag"
)

// CheckUser reports whether the actor may do act on panel user u of panel p
// right now. The error is the refusal the operation itself would return,
// from the same rule, so a console can grey an action out with the store's
// own reason instead of guessing.
func (s *Store) CheckUser(a Actor, p Panel, u PanelUser, act UserAction) error {
	perm, _, rule, err := userRule(act)
	if err != nil {
		return err
	}
	if err := s.checkPanel(a, perm, p); err != nil {
		return err
	}
	if err := installerSlot(p, u.Slot); err != nil {
		return err
	}
	return rule(p, u)
}

// checkPanel is what a Check… of something on panel p asks first: the
// permission, and the panel in the actor's units.
func (s *Store) checkPanel(a Actor, perm Perm, p Panel) error {
	if err := a.need(perm); err != nil {
		return err
	}
	if !s.unitInScope(a, p.Unit) {
		return refuse(ErrNotFound, "no panel %d in your organization units", p.ID)
	}
	return nil
}

func ruleSetCode(p Panel, u PanelUser) error {
	if u.CodeSet {
		return refuse(ErrHasCode, "panel user %d of %s has a code already: use edit code to change it", u.Slot, p.Name)
	}
	return nil
}

func ruleEditCode(p Panel, u PanelUser) error {
	if !u.CodeSet {
		return noCode(p, u.Slot, "code cannot be edited")
	}
	return nil
}

func ruleSetLabel(p Panel, u PanelUser) error {
	if !u.CodeSet {
		return noCode(p, u.Slot, "label cannot change")
	}
	return nil
}

// ruleSetPartitions: the panel type comes first, since on a panel that
// cannot edit partitions no user's partitions change, the Master's included.
func ruleSetPartitions(p Panel, u PanelUser) error {
	if !u.CodeSet {
		return noCode(p, u.Slot, "partitions cannot change")
	}
	if !p.Spec().PartitionEditing {
		return refuse(ErrUnsupported, "%s (%s) does not support changing a user's partitions", p.Name, p.Spec().Model)
	}
	if u.Role == family.RoleMaster {
		return refuse(ErrMaster, "panel user %d of %s is a Master user: Master users always hold all partitions", u.Slot, p.Name)
	}
	return nil
}

func ruleDisable(p Panel, u PanelUser) error {
	if u.Role == family.RoleMaster {
		return refuse(ErrMaster, "panel user %d of %s is a Master user and cannot be disabled: change its code instead", u.Slot, p.Name)
	}
	if !u.CodeSet {
		return noCode(p, u.Slot, "nothing to disable")
	}
	return nil
}

// ruleAssign: an account goes to a user with a code and no account. held
// names the account the user has, as far as the actor may know it ("an
// account" when the caller has not looked).
func ruleAssign(p Panel, u PanelUser, held string) error {
	if !u.CodeSet {
		return noCode(p, u.Slot, "account cannot be assigned")
	}
	if u.Account != 0 {
		return refuse(ErrState, "panel user %d of %s has %s already: unassign it first", u.Slot, p.Name, held)
	}
	return nil
}

// ruleHasAccount: the user has an account to act on. what ends the
// message where the action is not said before it (" to unassign").
func ruleHasAccount(p Panel, u PanelUser, what string) error {
	if u.Account == 0 {
		return refuse(ErrState, "panel user %d of %s has no account%s", u.Slot, p.Name, what)
	}
	return nil
}

// AccountAction names an operation on an account that a console may offer.
type AccountAction string

// Account actions.
const (
	ActSuspend    AccountAction = "suspend"
	ActReactivate AccountAction = "reactivate"
	ActConfirm    AccountAction = "confirm"
	ActReset      AccountAction = "reset password"
	ActRemove     AccountAction = "remove"
)

// CheckAccount reports whether the actor may do act on the account now,
// with the refusal the operation would return.
func (s *Store) CheckAccount(a Actor, acc Account, act AccountAction) error {
	if err := a.need(PermManageAccounts); err != nil {
		return err
	}
	if !s.unitInScope(a, acc.Unit) {
		return noAccountInUnits(acc)
	}
	_, rule, err := accountRule(act)
	if err != nil {
		return err
	}
	return rule(acc)
}

// accountRule is each account action's log action and rule, shared by
// CheckAccount, TryAccount and the operations.
func accountRule(act AccountAction) (string, func(Account) error, error) {
	switch act {
	case ActSuspend:
		return "account.suspend", ruleSuspend, nil
	case ActReactivate:
		return "account.reactivate", ruleReactivate, nil
	case ActConfirm:
		return "account.confirm", ruleConfirm, nil
	case ActReset:
		return "account.reset-password", ruleReset, nil
	case ActRemove:
		return "account.remove", func(Account) error { return nil }, nil
	}
	return "", nil, refuse(ErrInvalid, "unknown action %q", act)
}

func ruleSuspend(acc Account) error {
	if acc.Status == StatusSuspended {
		return refuse(ErrState, "account %s is suspended already", acc.Email)
	}
	return nil
}

func ruleReactivate(acc Account) error {
	if acc.Status != StatusSuspended {
		return refuse(ErrState, "account %s is %s, not suspended: nothing to reactivate", acc.Email, acc.Status)
	}
	return nil
}

// ruleNotSuspended: a suspended account is reactivated before anything
// else is done with it; when says before what.
func ruleNotSuspended(acc Account, when string) error {
	if acc.Status == StatusSuspended {
		return refuse(ErrSuspended, "account %s is suspended: reactivate it %s", acc.Email, when)
	}
	return nil
}

func ruleConfirm(acc Account) error { return ruleNotSuspended(acc, "first") }

func ruleReset(acc Account) error {
	return ruleNotSuspended(acc, "before resetting its password")
}

// Need reports, as a refusal naming it, whether the actor lacks permission p.
func (a Actor) Need(p Perm) error { return a.need(p) }
