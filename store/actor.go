package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Perm is one permission. Roles are sets of them.
type Perm uint32

// The permissions of reference 003 first, then guardroom's own.
const (
	PermViewEquipment Perm = 1 << iota
	PermViewPanelUsers
	PermManagePanelUsers
	PermManageAccounts
	PermViewActionLog
	PermManageEquipment
	PermArmDisarm
	PermManageLocksTags
	PermBulkImport
	PermManageOperators
	PermManageDevices
	PermBackupRestore
	PermOperateDoors

	permEnd
)

var permNames = map[Perm]string{
	PermViewEquipment:    "view equipment",
	PermViewPanelUsers:   "view panel users",
	PermManagePanelUsers: "manage panel users",
	PermManageAccounts:   "manage accounts",
	PermViewActionLog:    "view action log",
	PermManageEquipment:  "manage equipment",
	PermArmDisarm:        "arm/disarm",
	PermManageLocksTags:  "manage locks and tags",
	PermBulkImport:       "bulk import",
	PermManageOperators:  "manage operators",
	PermManageDevices:    "manage devices and drivers",
	PermBackupRestore:    "backup/restore",
	PermOperateDoors:     "lock/unlock doors",
}

func (p Perm) String() string {
	if n, ok := permNames[p]; ok {
		return n
	}
	var names []string
	for b := Perm(1); b < permEnd; b <<= 1 {
		if p&b != 0 {
			names = append(names, permNames[b])
		}
	}
	return strings.Join(names, ", ")
}

// Predefined role names.
const (
	RoleGuard         = "Guard"
	RoleInstaller     = "Installer"
	RoleSupervisor    = "Supervisor"
	RoleAdministrator = "Administrator"
	RoleAuditor       = "Auditor"
)

const permAll = permEnd - 1

// Roles maps each predefined role to its permissions.
var Roles = map[string]Perm{
	RoleGuard:     PermViewEquipment | PermViewPanelUsers | PermViewActionLog | PermArmDisarm | PermOperateDoors,
	RoleInstaller: PermViewEquipment | PermViewPanelUsers | PermManagePanelUsers | PermManageEquipment | PermManageLocksTags | PermOperateDoors | PermBulkImport | PermManageDevices | PermViewActionLog,
	RoleSupervisor: PermViewEquipment | PermViewPanelUsers | PermManagePanelUsers | PermManageAccounts |
		PermArmDisarm | PermManageLocksTags | PermOperateDoors | PermViewActionLog,
	RoleAdministrator: permAll,
	RoleAuditor:       PermViewEquipment | PermViewPanelUsers | PermViewActionLog,
}

// RoleNames lists the predefined roles in a stable order.
func RoleNames() []string {
	return []string{RoleGuard, RoleInstaller, RoleSupervisor, RoleAdministrator, RoleAuditor}
}

// Operator is a person who uses guardroom. Login, passwords and second
// factors are added by the operators work; here an operator is a name, a
// role and the organization units they may see and change.
type Operator struct {
	Username  string    `json:"username"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Units     []uint64  `json:"units"`
	Suspended bool      `json:"suspended,omitempty"`
	Created   time.Time `json:"created"`
}

// Actor is who is asking: an operator with their permissions and scope, and
// the way they came in (cli, tui, ssh ...). Only the store makes Actors, so a
// caller cannot grant itself permissions.
type Actor struct {
	name     string
	via      string
	perms    Perm
	units    []uint64
	internal bool
}

// Name is the operator's username.
func (a Actor) Name() string { return a.name }

// Via says where the actor came in.
func (a Actor) Via() string { return a.via }

// Can reports whether the actor holds permission p.
func (a Actor) Can(p Perm) bool { return a.perms&p == p }

// Units are the organization units granted to the actor.
func (a Actor) Units() []uint64 { return slices.Clone(a.units) }

// Actor returns the actor for an operator, refusing unknown and suspended
// operators.
func (s *Store) Actor(username, via string) (Actor, error) {
	var op Operator
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, operatorKey(username), &op) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Actor{}, refuse(ErrNotFound, "no operator %q: check the name (guardroom operator list)", username)
	}
	if err != nil {
		return Actor{}, fmt.Errorf("read operator: %w", err)
	}
	if op.Suspended {
		return Actor{}, refuse(ErrPermission, "operator %q is suspended: ask an administrator", username)
	}
	perms, ok := Roles[op.Role]
	if !ok {
		return Actor{}, refuse(ErrInvalid, "operator %q has unknown role %q: ask an administrator to fix it", username, op.Role)
	}
	return Actor{name: op.Username, via: via, perms: perms, units: op.Units}, nil
}

// Internal returns an actor with every permission over the whole
// organization, for the store's own maintenance work: creating the demo
// site, the device dispatcher recording results. It is never handed to an
// operator.
func (s *Store) Internal(name string) Actor {
	return Actor{name: name, via: "system", perms: permAll, units: []uint64{RootUnit}, internal: true}
}

func (a Actor) need(p Perm) error {
	if a.Can(p) {
		return nil
	}
	return refuse(ErrPermission, "operator %s does not have the %q permission: ask an administrator for it", a.name, p.String())
}

// AddOperator creates an operator with a predefined role and units.
func (s *Store) AddOperator(a Actor, op Operator) error {
	w := s.begin(a, "operator.add", "operator "+op.Username)
	return s.finish(w, func() error {
		if err := a.need(PermManageOperators); err != nil {
			return err
		}
		if !validName(op.Username) {
			return refuse(ErrInvalid, "operator name %q is not valid: use 1-32 letters, digits, dot, dash or underscore", op.Username)
		}
		if _, ok := Roles[op.Role]; !ok {
			return refuse(ErrInvalid, "unknown role %q: choose one of %s", op.Role, strings.Join(RoleNames(), ", "))
		}
		if len(op.Units) == 0 {
			return refuse(ErrInvalid, "operator %s has no organization unit: grant at least one unit", op.Username)
		}
		for _, u := range op.Units {
			if err := w.inScope(u); err != nil {
				return err
			}
		}
		if ok, err := exists(w.txn, operatorKey(op.Username)); err != nil {
			return err
		} else if ok {
			return refuse(ErrDuplicate, "operator %s already exists: choose another name", op.Username)
		}
		op.Created = s.now()
		if err := setJSON(w.txn, operatorKey(op.Username), op); err != nil {
			return err
		}
		w.log(nil, map[string]string{"role": op.Role, "units": fmt.Sprint(op.Units)})
		return nil
	})
}

// ListOperators returns every operator.
func (s *Store) ListOperators(a Actor) ([]Operator, error) {
	if err := a.need(PermManageOperators); err != nil {
		return nil, err
	}
	var out []Operator
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pOperator, true, func(_, v []byte) error {
			var op Operator
			if err := jsonUnmarshal(v, &op); err != nil {
				return err
			}
			out = append(out, op)
			return nil
		})
	})
	return out, err
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
