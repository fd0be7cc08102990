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
	if err := a.need(perm); err != nil {
		return err
	}
	if !s.unitInScope(a, p.Unit) {
		return refuse(ErrNotFound, "no panel %d in your organization units", p.ID)
	}
	return rule(p, u)
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

func ruleAssign(p Panel, u PanelUser) error {
	if !u.CodeSet {
		return noCode(p, u.Slot, "account cannot be assigned")
	}
	if u.Account != 0 {
		return refuse(ErrState, "panel user %d of %s has an account already: unassign it first", u.Slot, p.Name)
	}
	return nil
}

func ruleHasAccount(p Panel, u PanelUser) error {
	if u.Account == 0 {
		return refuse(ErrState, "panel user %d of %s has no account", u.Slot, p.Name)
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
		return refuse(ErrNotFound, "no account with email %q in your organization units", acc.Email)
	}
	switch act {
	case ActSuspend:
		return ruleSuspend(acc)
	case ActReactivate:
		return ruleReactivate(acc)
	case ActConfirm, ActReset:
		return ruleNotSuspended(acc)
	case ActRemove:
		return nil
	}
	return refuse(ErrInvalid, "unknown action %q", act)
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

func ruleNotSuspended(acc Account) error {
	if acc.Status == StatusSuspended {
		return refuse(ErrSuspended, "account %s is suspended: reactivate it first", acc.Email)
	}
	return nil
}

// Need reports, as a refusal naming it, whether the actor lacks permission p.
func (a Actor) Need(p Perm) error { return a.need(p) }
