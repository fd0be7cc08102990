package store

import (
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
	// PermManagePeople adds, edits and removes the people who open doors
	// and their identifiers (issue 7). Viewing them needs
	// PermViewPanelUsers, as a guard at the desk looks people up.
	PermManagePeople
	// PermHandleAlarms acknowledges alarms with a comment (issue 18).
	PermHandleAlarms

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
	PermManagePeople:     "manage people and access",
	PermHandleAlarms:     "handle alarms",
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

// Roles maps each predefined role to its permissions. The permissions of a
// predefined role come from here, not from the database, so a new
// permission reaches existing sites with the release that adds it; custom
// roles (operator_roles.go) keep theirs in the database.
var Roles = map[string]Perm{
	RoleGuard:     PermViewEquipment | PermViewPanelUsers | PermViewActionLog | PermArmDisarm | PermOperateDoors | PermHandleAlarms,
	RoleInstaller: PermViewEquipment | PermViewPanelUsers | PermManagePanelUsers | PermManageEquipment | PermManageLocksTags | PermOperateDoors | PermBulkImport | PermManageDevices | PermViewActionLog,
	RoleSupervisor: PermViewEquipment | PermViewPanelUsers | PermManagePanelUsers | PermManageAccounts |
		PermArmDisarm | PermManageLocksTags | PermOperateDoors | PermViewActionLog | PermManagePeople | PermHandleAlarms,
	RoleAdministrator: permAll,
	RoleAuditor:       PermViewEquipment | PermViewPanelUsers | PermViewActionLog,
}

// RoleNames lists the predefined roles in a stable order.
func RoleNames() []string {
	return []string{RoleGuard, RoleInstaller, RoleSupervisor, RoleAdministrator, RoleAuditor}
}

// Perms lists every permission, in the order of reference 003 then ours.
func Perms() []Perm {
	var out []Perm
	for b := Perm(1); b < permEnd; b <<= 1 {
		out = append(out, b)
	}
	return out
}

// ParsePerm finds a permission by its name ("manage panel users").
func ParsePerm(name string) (Perm, bool) {
	for p, n := range permNames {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return p, true
		}
	}
	return 0, false
}

// LoginStep is what an operator still has to do before the actor may act.
type LoginStep string

// Login steps, in the order they are asked.
const (
	StepNone         LoginStep = ""
	StepSecondFactor LoginStep = "second factor"
	StepNewPassword  LoginStep = "new password"
	StepEnrol2FA     LoginStep = "second-factor enrolment"
)

// Actor is who is asking: an operator with their permissions and scope, and
// the way they came in (cli, tui, ssh ...). Only the store makes Actors, so a
// caller cannot grant itself permissions.
type Actor struct {
	name     string
	via      string
	perms    Perm
	units    []uint64
	internal bool

	// step is what is left of the login; no permission works until it is
	// done.
	step LoginStep
	// until is when the access (or the first of its role grants) ends:
	// an actor held by a long console session stops working then.
	until time.Time
	// gen is the operator's access generation at login: suspending,
	// editing or resetting the operator moves it on, so an open session
	// is refused from the next call.
	gen uint64
	st  *Store
	// byKey: logged in with an SSH key, so no password was asked.
	byKey bool
	// addr is where the login came from, for the log of its later steps.
	addr string
}

// Name is the operator's username.
func (a Actor) Name() string { return a.name }

// Via says where the actor came in.
func (a Actor) Via() string { return a.via }

// Can reports whether the actor holds permission p.
func (a Actor) Can(p Perm) bool { return a.step == StepNone && a.perms&p == p }

// Units are the organization units granted to the actor.
func (a Actor) Units() []uint64 { return slices.Clone(a.units) }

// Step is what the operator must still do to finish logging in.
func (a Actor) Step() LoginStep { return a.step }

// Until is when the actor's access, or one of its role grants, ends (zero:
// never).
func (a Actor) Until() time.Time { return a.until }

// Internal returns an actor with every permission over the whole
// organization, for the store's own maintenance work: creating the demo
// site, the device dispatcher recording results. It is never handed to an
// operator.
func (s *Store) Internal(name string) Actor {
	return Actor{name: name, via: "system", perms: permAll, units: []uint64{RootUnit}, internal: true}
}

// valid refuses an actor whose login is unfinished, whose access ended or
// changed since it was made.
func (a Actor) valid() error {
	if a.internal {
		return nil
	}
	if a.step != StepNone {
		return refuse(ErrPermission, "operator %s has not finished logging in: the %s comes first", a.name, a.step)
	}
	if a.st == nil {
		return nil
	}
	if !a.until.IsZero() && !a.st.now().Before(a.until) {
		return refuse(ErrPermission, "the access of operator %s, or one of its roles, ended at %s: log in again to go on with what is still granted", a.name, a.until.Local().Format("2006-01-02 15:04"))
	}
	if a.st.opGen(a.name) != a.gen {
		return refuse(ErrPermission, "the access of operator %s was changed by an administrator since this login: log in again", a.name)
	}
	return nil
}

func (a Actor) need(p Perm) error {
	if err := a.valid(); err != nil {
		return err
	}
	if a.perms&p == p {
		return nil
	}
	return refuse(ErrPermission, "operator %s does not have the %q permission: ask an administrator for it", a.name, p.String())
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

// Why a session ends, as EndReason names it for the log.
const (
	EndSuspended = "suspended"
	EndExpired   = "access ended"
	EndChanged   = "changed"
)

// EndReason says, in a word for the log, why the store no longer honours
// an actor it once did: the operator was suspended (or removed), their
// access or one of their roles ended, or an administrator changed their
// access. It is "" while the actor is still valid (or never finished its
// login, which ends no session).
func (a Actor) EndReason() string {
	if a.internal || a.st == nil || a.step != StepNone || a.valid() == nil {
		return ""
	}
	if !a.until.IsZero() && !a.st.now().Before(a.until) {
		return EndExpired
	}
	var rec operatorRecord
	var found bool
	_ = a.st.db.View(func(txn *badger.Txn) (err error) {
		rec, found, err = readOperator(txn, a.name)
		return err
	})
	if !found || rec.Suspended {
		return EndSuspended
	}
	if !rec.Expires.IsZero() && !a.st.now().Before(rec.Expires) {
		return EndExpired
	}
	return EndChanged
}
