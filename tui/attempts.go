package tui

import (
	"errors"
	"strconv"
	"strings"

	"github.com/guardroom/guardroom/store"
)

// The store's attempts (Try…) for the actions of the People, Access and
// Operators screens, the outbox's retry and cancel, and the actions that
// add a record: a key pressed for one of them while it is greyed asks the
// store, which logs the refusal as the command line's attempt is logged
// (see common.refused).

// addActionOf maps an action that adds a record to the store's attempt.
var addActionOf = map[ActionID]store.AddAction{
	ActPersonAdd:     store.ActAddPerson,
	ActPeopleImport:  store.ActImportPeople,
	ActOpAdd:         store.ActAddOperator,
	ActRoleAdd:       store.ActAddRole,
	ActLockAdd:       store.ActAddLock,
	ActTagEnrol:      store.ActEnrolTag,
	ActCreateAccount: store.ActCreateAccount,
	ActLevelAdd:      store.ActAddAccessLevel,
	ActProfileAdd:    store.ActAddTimeProfile,
	ActDoorAdd:       store.ActAddDoor,
	ActDoorGroupAdd:  store.ActAddDoorGroup,
	ActAGroupAdd:     store.ActAddAccessGroup,
	ActAptAdd:        store.ActAddApartment,
}

// tryAdd is the store's attempt at an add (nil: id adds nothing).
func tryAdd(c *common, id ActionID) func() error {
	act, ok := addActionOf[id]
	if !ok {
		return nil
	}
	return func() error { return c.st.TryAdd(c.actor, act) }
}

// tryJob is the store's attempt at retrying or cancelling the change on
// its way in sync (nil: another action, or no job).
func tryJob(c *common, id ActionID, sync store.Sync) func() error {
	act := store.ActRetryJob
	switch id {
	case ActJobRetry:
	case ActJobCancel:
		act = store.ActCancelJob
	default:
		return nil
	}
	if sync.Job == 0 {
		return nil
	}
	seq := sync.Job
	return func() error { return c.st.TryJob(c.actor, seq, act) }
}

// People.

func (s *peopleScreen) tryFor(id ActionID) func() error {
	if t := tryAdd(s.c, id); t != nil {
		return t
	}
	r, ok := s.selected()
	if !ok {
		return nil
	}
	return s.tryPerson(id, r)
}

func (s *peopleScreen) tryPerson(id ActionID, r personRow) func() error {
	var act store.PersonAction
	switch id {
	case ActPersonEdit:
		act = store.ActEditPerson
	case ActPersonIdent, ActPersonPool:
		act = store.ActAddIdentifier
	case ActPersonUnident:
		act = store.ActRemoveIdentifier
	case ActPersonRemove:
		act = store.ActRemovePerson
	default:
		return nil
	}
	c, person := s.c, r.p.ID
	return func() error { return c.st.TryPerson(c.actor, person, act) }
}

// Access.

func (s *accessScreen) tryFor(id ActionID) func() error {
	if t := tryAdd(s.c, id); t != nil {
		return t
	}
	key, ok := s.selectedKey()
	if !ok {
		return nil
	}
	return s.tryAccess(s.shown, id, key)
}

// tryAccess is the store's attempt at id on the record key of view v.
func (s *accessScreen) tryAccess(v accessView, id ActionID, key string) func() error {
	var act store.ConfAction
	switch id {
	case ActLevelEdit, ActProfileEdit, ActDoorEdit, ActAGroupEdit, ActAptEdit:
		act = store.ActEditConf
	case ActLevelRemove, ActProfileRemove, ActDoorRemove, ActAGroupRemove, ActAptRemove:
		act = store.ActRemoveConf
	default:
		return nil
	}
	var kind store.ConfKind
	switch v {
	case avLevels:
		kind = store.ConfAccessLevel
	case avProfiles:
		kind = store.ConfTimeProfile
	case avDoors:
		kind = store.ConfDoor
		if k, ok := strings.CutPrefix(key, "group:"); ok {
			kind, key = store.ConfDoorGroup, k
		} else {
			key = strings.TrimPrefix(key, "door:")
		}
	case avGroups:
		kind = store.ConfAccessGroup
	case avApartments:
		kind = store.ConfApartment
	default:
		return nil
	}
	n, err := strconv.ParseUint(key, 10, 32)
	if err != nil {
		return nil
	}
	c := s.c
	return func() error { return c.st.TryConf(c.actor, kind, uint32(n), act) }
}

// Operators and roles.

// rowRefusal is a store's permission refusal about the row, not the
// operator's roles (an operator or role holding permissions the viewer
// lacks): the hints grey it instead of leaving it out, and it is still
// the store's refusal (errors.As), so pressing its key asks the store.
type rowRefusal struct{ err error }

func (r rowRefusal) Error() string      { return r.err.Error() }
func (r rowRefusal) As(target any) bool { return errors.As(r.err, target) }

// rowScoped marks a permission refusal that came after the operator's
// roles allowed the action as the row's.
func rowScoped(err error) error {
	if errors.Is(err, store.ErrPermission) {
		return rowRefusal{err}
	}
	return err
}

// operatorAction maps a console action to the store's rule for it.
func operatorAction(id ActionID) store.OperatorAction {
	switch id {
	case ActOpEdit, ActOpExpire:
		return store.ActEditOperator
	case ActOpSuspend:
		return store.ActSuspendOperator
	case ActOpReactivate:
		return store.ActReactivateOperator
	case ActOpUnlock:
		return store.ActUnlockOperator
	case ActOpResetPassword:
		return store.ActResetOperatorPassword
	case ActOpReset2FA:
		return store.ActResetSecondFactor
	case ActOpAddKey:
		return store.ActAddSSHKey
	case ActOpRemoveKey:
		return store.ActRemoveSSHKey
	case ActOpRemove:
		return store.ActRemoveOperator
	}
	return ""
}

// roleAction maps a console action to the store's rule for it.
func roleAction(id ActionID) store.RoleAction {
	switch id {
	case ActRoleEdit, ActRole2FA:
		return store.ActEditRole
	case ActRoleRemove:
		return store.ActRemoveRole
	}
	return ""
}

func (s *operatorsScreen) tryFor(id ActionID) func() error {
	if t := tryAdd(s.c, id); t != nil {
		return t
	}
	if s.rolesView {
		r, ok := s.roles.selected()
		if !ok {
			return nil
		}
		return s.tryRole(id, r)
	}
	r, ok := s.selected()
	if !ok {
		return nil
	}
	return s.tryOperator(id, r)
}

func (s *operatorsScreen) tryOperator(id ActionID, r opRow) func() error {
	act := operatorAction(id)
	if act == "" {
		return nil
	}
	c, name := s.c, r.o.Username
	return func() error { return c.st.TryOperator(c.actor, name, act) }
}

func (s *operatorsScreen) tryRole(id ActionID, r roleRow) func() error {
	act := roleAction(id)
	if act == "" {
		return nil
	}
	c, name := s.c, r.r.Name
	return func() error { return c.st.TryRole(c.actor, name, act) }
}
