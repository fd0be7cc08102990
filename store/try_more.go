package store

import (
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// More attempts (see try.go): people, the access configuration,
// operators and roles, jobs, and the actions that add a record. Each runs
// its operation's frame with the rule the operation applies, so a refusal
// is logged as the operation logs it.

// PersonAction names an operation on a person that a console may offer.
type PersonAction string

// Person actions.
const (
	ActEditPerson       PersonAction = "edit person"
	ActRemovePerson     PersonAction = "remove person"
	ActAddIdentifier    PersonAction = "add identifier"
	ActRemoveIdentifier PersonAction = "remove identifier"
)

// TryPerson is an attempt at act on person id: the permission and the
// person in the actor's units, as each person operation checks them first.
func (s *Store) TryPerson(a Actor, id uint64, act PersonAction) error {
	var action string
	switch act {
	case ActEditPerson:
		action = "person.edit"
	case ActRemovePerson:
		action = "person.remove"
	case ActAddIdentifier:
		action = "person.identifier.add"
	case ActRemoveIdentifier:
		action = "person.identifier.remove"
	default:
		return refuse(ErrInvalid, "unknown action %q", act)
	}
	_, err := s.personOp(a, action, id, func(*wtx, *personRecord) error { return nil })
	return err
}

// ConfKind names a kind of access configuration record.
type ConfKind string

// Access configuration kinds.
const (
	ConfTimeProfile ConfKind = "time profile"
	ConfDoor        ConfKind = "door"
	ConfDoorGroup   ConfKind = "door group"
	ConfAccessGroup ConfKind = "access group"
	ConfAccessLevel ConfKind = "access level"
	ConfApartment   ConfKind = "apartment"
)

// ConfAction names a change of an access configuration record.
type ConfAction string

// Access configuration actions. Changing an access group's members is
// filed under the group (ChangeGroupMembers).
const (
	ActEditConf    ConfAction = "edit"
	ActRemoveConf  ConfAction = "remove"
	ActGroupMember ConfAction = "members"
)

// TryConf is an attempt at act on the record id of kind.
func (s *Store) TryConf(a Actor, kind ConfKind, id uint32, act ConfAction) error {
	switch kind {
	case ConfTimeProfile:
		return tryConf(s, a, &profiles, id, act)
	case ConfDoor:
		return tryConf(s, a, &doors, id, act)
	case ConfDoorGroup:
		return tryConf(s, a, &doorGroups, id, act)
	case ConfAccessGroup:
		if act == ActGroupMember {
			w := s.beginMembers(a, id)
			return s.finish(w, func() error {
				_, err := s.membersFrame(w, id)
				return err
			})
		}
		return tryConf(s, a, &accessGroups, id, act)
	case ConfAccessLevel:
		return tryConf(s, a, &levels, id, act)
	case ConfApartment:
		return tryConf(s, a, &apartments, id, act)
	}
	return refuse(ErrInvalid, "unknown kind %q", kind)
}

func tryConf[T any, P confPtr[T]](s *Store, a Actor, k *confKind[T], id uint32, act ConfAction) error {
	switch act {
	case ActEditConf:
		return confChange[T, P](s, a, k, "edit", id, func(*wtx, *T) error { return nil })
	case ActRemoveConf:
		return confChange[T, P](s, a, k, "remove", id, func(w *wtx, old *T) error { return confRuleRemove[T, P](w, k, old) })
	}
	return refuse(ErrInvalid, "unknown action %q on %s", act, k.noun)
}

// OperatorAction names an operation on an operator that a console may
// offer.
type OperatorAction string

// Operator actions.
const (
	ActEditOperator          OperatorAction = "edit operator"
	ActSuspendOperator       OperatorAction = "suspend operator"
	ActReactivateOperator    OperatorAction = "reactivate operator"
	ActUnlockOperator        OperatorAction = "unlock operator"
	ActResetOperatorPassword OperatorAction = "reset operator password"
	ActResetSecondFactor     OperatorAction = "reset second factor"
	ActAddSSHKey             OperatorAction = "add SSH key"
	ActRemoveSSHKey          OperatorAction = "remove SSH key"
	ActRemoveOperator        OperatorAction = "remove operator"
)

type operatorRuleFn func(a Actor, r operatorRecord, now time.Time) error

func noOperatorRule(Actor, operatorRecord, time.Time) error { return nil }

func ruleSuspendOperator(a Actor, r operatorRecord, _ time.Time) error {
	if r.Suspended {
		return refuse(ErrState, "operator %s is suspended already", r.Username)
	}
	if r.Username == a.name {
		return refuse(ErrState, "you cannot suspend yourself: ask another administrator")
	}
	return nil
}

func ruleReactivateOperator(_ Actor, r operatorRecord, _ time.Time) error {
	if !r.Suspended {
		return refuse(ErrState, "operator %s is not suspended", r.Username)
	}
	return nil
}

func ruleUnlockOperator(_ Actor, r operatorRecord, now time.Time) error {
	if !now.Before(r.LockedUntil) && r.Failures == 0 {
		return refuse(ErrState, "operator %s is not locked", r.Username)
	}
	return nil
}

func ruleResetSecondFactor(_ Actor, r operatorRecord, _ time.Time) error {
	if !r.TwoFactor && r.TOTPPending == "" {
		return refuse(ErrState, "operator %s has no second factor to reset", r.Username)
	}
	return nil
}

func ruleRemoveOperator(a Actor, r operatorRecord, _ time.Time) error {
	if r.Username == a.name {
		return refuse(ErrState, "you cannot remove yourself: ask another administrator")
	}
	return nil
}

// keyPerm is what adding or removing an SSH key of username needs: an
// operator's own keys need nothing more than a valid login.
func keyPerm(a Actor, username string) Perm {
	if username == a.name {
		return 0
	}
	return PermManageOperators
}

// operatorRule is each operator action's log action, permission and rule,
// shared by CheckOperator, TryOperator and the operations.
func operatorRule(a Actor, username string, act OperatorAction) (string, Perm, operatorRuleFn, error) {
	switch act {
	case ActEditOperator:
		return "operator.edit", PermManageOperators, noOperatorRule, nil
	case ActSuspendOperator:
		return "operator.suspend", PermManageOperators, ruleSuspendOperator, nil
	case ActReactivateOperator:
		return "operator.reactivate", PermManageOperators, ruleReactivateOperator, nil
	case ActUnlockOperator:
		return "operator.unlock", PermManageOperators, ruleUnlockOperator, nil
	case ActResetOperatorPassword:
		return "operator.reset-password", PermManageOperators, noOperatorRule, nil
	case ActResetSecondFactor:
		return "operator.reset-2fa", PermManageOperators, ruleResetSecondFactor, nil
	case ActAddSSHKey:
		return "operator.add-key", keyPerm(a, username), noOperatorRule, nil
	case ActRemoveSSHKey:
		return "operator.remove-key", keyPerm(a, username), noOperatorRule, nil
	case ActRemoveOperator:
		return "operator.remove", PermManageOperators, ruleRemoveOperator, nil
	}
	return "", 0, nil, refuse(ErrInvalid, "unknown action %q", act)
}

// CheckOperator reports whether the actor may do act on operator username
// now, with the refusal the operation would return. Whatever needs the
// change itself (the last administrator, the roles granted) the operation
// says when asked.
func (s *Store) CheckOperator(a Actor, username string, act OperatorAction) error {
	_, need, rule, err := operatorRule(a, username, act)
	if err != nil {
		return err
	}
	if err := a.need(need); err != nil {
		return err
	}
	return s.db.View(func(txn *badger.Txn) error {
		r, ok, err := readOperator(txn, username)
		if err != nil {
			return err
		}
		if !ok || !s.operatorInScope(a, r.Operator) {
			return noOperator(username)
		}
		if err := ruleOperatorHeld(a, username, s.operatorPerms(txn, r.Operator)); err != nil {
			return err
		}
		return rule(a, r, s.now())
	})
}

// TryOperator is an attempt at act on operator username; it ends no
// session.
func (s *Store) TryOperator(a Actor, username string, act OperatorAction) error {
	action, need, rule, err := operatorRule(a, username, act)
	if err != nil {
		return err
	}
	return s.operatorFrame(a, action, username, need, func(_ *wtx, r *operatorRecord) error {
		return rule(a, *r, s.now())
	})
}

// RoleAction names an operation on a role that a console may offer.
type RoleAction string

// Role actions. Turning a role's second factor on or off is an edit.
const (
	ActEditRole   RoleAction = "edit role"
	ActRemoveRole RoleAction = "remove role"
)

// ruleRoleHeld refuses a change of a role holding permissions the actor
// lacks: changing it changes what its holders may do.
func ruleRoleHeld(a Actor, r Role) error {
	if missing := r.Perms &^ a.perms; missing != 0 && !a.internal {
		return refuse(ErrPermission, "role %s holds permissions you do not have (%s): ask an administrator", r.Name, missing)
	}
	return nil
}

// ruleRemoveRole: a predefined role, one holding more than the actor, or
// one still granted is not removed.
func ruleRemoveRole(a Actor, r Role, holders []string) error {
	if r.Builtin {
		return refuse(ErrState, "%s is a predefined role and cannot be removed", r.Name)
	}
	if err := ruleRoleHeld(a, r); err != nil {
		return err
	}
	if len(holders) > 0 {
		return refuse(ErrState, "role %s is granted to %s: take it from them first", r.Name, strings.Join(holders, ", "))
	}
	return nil
}

// roleRuleHolders runs act's rule on role r, reading who is granted it.
func roleRuleHolders(w *wtx, a Actor, r Role, act RoleAction) error {
	switch act {
	case ActEditRole:
		return ruleRoleHeld(a, r)
	case ActRemoveRole:
		holders, err := roleHolders(w, r.Name)
		if err != nil {
			return err
		}
		return ruleRemoveRole(a, r, holders)
	}
	return refuse(ErrInvalid, "unknown action %q", act)
}

// CheckRole reports whether the actor may do act on role name now, with
// the refusal the operation would return about the role (the new
// permissions of an edit are the operation's to check).
func (s *Store) CheckRole(a Actor, name string, act RoleAction) error {
	if err := a.need(PermManageOperators); err != nil {
		return err
	}
	w := &wtx{s: s, actor: a}
	return s.db.View(func(txn *badger.Txn) error {
		w.txn = txn
		r, err := s.roleNamed(txn, name)
		if err != nil {
			return err
		}
		return roleRuleHolders(w, a, r, act)
	})
}

// TryRole is an attempt at act on role name.
func (s *Store) TryRole(a Actor, name string, act RoleAction) error {
	action := "role.edit"
	if act == ActRemoveRole {
		action = "role.remove"
	}
	return s.roleOp(a, action, name, func(w *wtx, r Role) error {
		return roleRuleHolders(w, a, r, act)
	})
}

// JobAction names an operation on a job that a console may offer.
type JobAction string

// Job actions.
const (
	ActRetryJob  JobAction = "retry job"
	ActCancelJob JobAction = "cancel job"
)

// ruleRetry: only a failed job is retried, and never a late command.
func ruleRetry(j Job) error {
	if j.State != JobFailed {
		return refuse(ErrState, "job %d is %s: only a failed job can be retried", j.Seq, jobStateName(j))
	}
	if j.command() {
		return refuse(ErrState, "job %d is an old %s command: give the command again instead of retrying it", j.Seq, j.Op)
	}
	return nil
}

// ruleCancel: only a job still on its way is cancelled.
func ruleCancel(j Job) error {
	if j.State != JobPending && j.State != JobFailed {
		return refuse(ErrState, "job %d is %s already: nothing to cancel", j.Seq, j.State)
	}
	return nil
}

// TryJob is an attempt at act on job seq.
func (s *Store) TryJob(a Actor, seq uint64, act JobAction) error {
	switch act {
	case ActRetryJob:
		return s.jobOp(a, "job.retry", seq, func(_ *wtx, j Job) error { return ruleRetry(j) })
	case ActCancelJob:
		return s.jobOp(a, "job.cancel", seq, func(_ *wtx, j Job) error { return ruleCancel(j) })
	}
	return refuse(ErrInvalid, "unknown action %q", act)
}

// AddAction names an action that adds a record. Its attempt is made
// before anything is typed: it is logged with the operation's action and
// result, at the kind of record (the command line's attempt names the
// record it was given).
type AddAction string

// Add actions.
const (
	ActAddPerson      AddAction = "person.add"
	ActImportPeople   AddAction = "person.import"
	ActAddOperator    AddAction = "operator.add"
	ActAddRole        AddAction = "role.add"
	ActAddLock        AddAction = "lock.add"
	ActEnrolTag       AddAction = "tag.enrol"
	ActCreateAccount  AddAction = "account.create"
	ActAddTimeProfile AddAction = "schedule.add"
	ActAddDoor        AddAction = "door.add"
	ActAddDoorGroup   AddAction = "doorgroup.add"
	ActAddAccessGroup AddAction = "accessgroup.add"
	ActAddAccessLevel AddAction = "level.add"
	ActAddApartment   AddAction = "apartment.add"
)

// addRule is what each add asks before it reads its input: the place
// noun and the permission.
func addRule(act AddAction) (string, Perm, error) {
	switch act {
	case ActAddPerson:
		return "person", PermManagePeople, nil
	case ActImportPeople:
		return "people import", PermManagePeople | PermBulkImport, nil
	case ActAddOperator:
		return "operator", PermManageOperators, nil
	case ActAddRole:
		return "role", PermManageOperators, nil
	case ActAddLock:
		return "lock", PermManageLocksTags, nil
	case ActEnrolTag:
		return "tag", PermManageLocksTags, nil
	case ActCreateAccount:
		return "account", PermManageAccounts, nil
	case ActAddTimeProfile:
		return profiles.noun, PermManagePeople, nil
	case ActAddDoor:
		return doors.noun, PermManagePeople, nil
	case ActAddDoorGroup:
		return doorGroups.noun, PermManagePeople, nil
	case ActAddAccessGroup:
		return accessGroups.noun, PermManagePeople, nil
	case ActAddAccessLevel:
		return levels.noun, PermManagePeople, nil
	case ActAddApartment:
		return apartments.noun, PermManagePeople, nil
	}
	return "", 0, refuse(ErrInvalid, "unknown action %q", act)
}

// TryAdd is an attempt at adding a record of act's kind: the permission
// the operation asks for before it reads what was typed.
func (s *Store) TryAdd(a Actor, act AddAction) error {
	noun, perm, err := addRule(act)
	if err != nil {
		return err
	}
	w := s.begin(a, string(act), noun)
	return s.finish(w, func() error { return a.need(perm) })
}
