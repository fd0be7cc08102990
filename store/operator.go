package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Grant gives an operator a role, until Expires when it is set.
type Grant struct {
	Role    string    `json:"role"`
	Expires time.Time `json:"expires,omitzero"`
}

// Expired reports whether the grant has ended at now.
func (g Grant) Expired(now time.Time) bool { return !g.Expires.IsZero() && !now.Before(g.Expires) }

// Operator is a person who uses guardroom: who they are, their role grants,
// the organization units they may see and change, and the state of their
// login. Secrets (password hash, second-factor secret, recovery codes) never
// leave the store: they live in operatorRecord.
type Operator struct {
	Username string   `json:"username"`
	Name     string   `json:"name"`
	Email    string   `json:"email,omitempty"`
	Grants   []Grant  `json:"grants,omitempty"`
	Units    []uint64 `json:"units"`
	// Expires ends the operator's whole access (zero: never).
	Expires   time.Time `json:"expires,omitzero"`
	Suspended bool      `json:"suspended,omitempty"`
	Created   time.Time `json:"created"`

	// Kept by the store; an edit does not change them.
	MustChange  bool      `json:"must_change,omitempty"`
	TwoFactor   bool      `json:"two_factor,omitempty"`
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	Lockouts    int       `json:"lockouts,omitempty"`
	Keys        []SSHKey  `json:"keys,omitempty"`
	LastLogin   time.Time `json:"last_login,omitzero"`
	PasswordSet time.Time `json:"password_set,omitzero"`
	HasPassword bool      `json:"-"`

	// Role is the single role of databases made before role grants; it
	// is read once and turned into a grant.
	Role string `json:"role,omitempty"`
}

// SSHKey is a public key that logs its operator in over SSH.
type SSHKey struct {
	Fingerprint string    `json:"fingerprint"`
	Type        string    `json:"type"`
	Comment     string    `json:"comment,omitempty"`
	Line        string    `json:"line"`
	Added       time.Time `json:"added"`
}

// Operator statuses, as the Operators screen and the CLI show them.
const (
	OpActive     = "active"
	OpSuspended  = "suspended"
	OpExpired    = "expired"
	OpLocked     = "locked"
	OpMustChange = "must change password"
	OpNoPassword = "no password"
)

// Status says whether the operator can log in at now, and if not why.
func (o Operator) Status(now time.Time) string {
	switch {
	case o.Suspended:
		return OpSuspended
	case !o.Expires.IsZero() && !now.Before(o.Expires):
		return OpExpired
	case len(o.ActiveGrants(now)) == 0:
		return OpExpired
	case now.Before(o.LockedUntil):
		return OpLocked
	case !o.HasPassword && len(o.Keys) == 0:
		return OpNoPassword
	case o.MustChange:
		return OpMustChange
	}
	return OpActive
}

// ActiveGrants are the grants that have not ended at now.
func (o Operator) ActiveGrants(now time.Time) []Grant {
	var out []Grant
	for _, g := range o.Grants {
		if !g.Expired(now) {
			out = append(out, g)
		}
	}
	return out
}

// RoleNames are the operator's granted roles, "Guard, Installer".
func (o Operator) RoleNames() string {
	var names []string
	for _, g := range o.Grants {
		names = append(names, g.Role)
	}
	return strings.Join(names, ", ")
}

type operatorRecord struct {
	Operator
	Hash        string   `json:"hash,omitempty"`
	TOTP        string   `json:"totp,omitempty"`
	TOTPPending string   `json:"totp_pending,omitempty"`
	TOTPStep    int64    `json:"totp_step,omitempty"`
	Recovery    []string `json:"recovery,omitempty"`
}

// public is the record without its secrets.
func (r operatorRecord) public() Operator {
	o := r.Operator
	o.HasPassword = r.Hash != ""
	o.Grants = slices.Clone(o.Grants)
	o.Units = slices.Clone(o.Units)
	o.Keys = slices.Clone(o.Keys)
	return o
}

func readOperator(txn *badger.Txn, username string) (operatorRecord, bool, error) {
	var r operatorRecord
	err := getJSON(txn, operatorKey(username), &r)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("read operator %s: %w", username, err)
	}
	return r.upgraded(), true, nil
}

// upgraded turns the single role of a record made before role grants
// into a grant.
func (r operatorRecord) upgraded() operatorRecord {
	if len(r.Grants) == 0 && r.Role != "" {
		r.Grants, r.Role = []Grant{{Role: r.Role}}, ""
	}
	return r
}

// scanOperators calls fn with every operator record, upgraded.
func scanOperators(txn *badger.Txn, fn func(r operatorRecord) error) error {
	return scan(txn, pOperator, true, func(_, v []byte) error {
		var r operatorRecord
		if err := jsonUnmarshal(v, &r); err != nil {
			return err
		}
		return fn(r.upgraded())
	})
}

// opGen is the access generation of an operator (see Actor.gen).
func (s *Store) opGen(username string) uint64 {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	return s.opGens[username]
}

// revoke ends every open session of the operator at its next call.
func (s *Store) revoke(username string) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if s.opGens == nil {
		s.opGens = map[string]uint64{}
	}
	s.opGens[username]++
}

// actorFor makes the actor of an operator record, refusing one that may not
// act now. The login step is left for the caller to set.
func (s *Store) actorFor(txn *badger.Txn, r operatorRecord, via string) (Actor, bool, error) {
	now := s.now()
	name := r.Username
	if r.Suspended {
		return Actor{}, false, refuse(ErrPermission, "operator %s is suspended: ask an administrator to reactivate it", name)
	}
	if !r.Expires.IsZero() && !now.Before(r.Expires) {
		return Actor{}, false, refuse(ErrPermission, "the access of operator %s ended at %s: ask an administrator to extend it", name, r.Expires.Local().Format("2006-01-02 15:04"))
	}
	a := Actor{name: name, via: via, units: slices.Clone(r.Units), until: r.Expires, gen: s.opGen(name), st: s}
	require := false
	var ended []string
	for _, g := range r.Grants {
		if g.Expired(now) {
			ended = append(ended, fmt.Sprintf("%s ended %s", g.Role, g.Expires.Local().Format("2006-01-02 15:04")))
			continue
		}
		role, ok, err := s.readRole(txn, g.Role)
		if err != nil {
			return Actor{}, false, err
		}
		if !ok {
			continue
		}
		a.perms |= role.Perms
		require = require || role.Require2FA
		if !g.Expires.IsZero() && (a.until.IsZero() || g.Expires.Before(a.until)) {
			a.until = g.Expires
		}
	}
	if a.perms == 0 {
		if len(ended) > 0 {
			return Actor{}, false, refuse(ErrPermission, "every role of operator %s has ended (%s): ask an administrator to extend it", name, strings.Join(ended, "; "))
		}
		return Actor{}, false, refuse(ErrPermission, "operator %s has no role: ask an administrator to grant one", name)
	}
	return a, require, nil
}

// Actor returns the actor for an operator without asking for a password:
// for tests and for callers that authenticated the operator themselves.
// It refuses unknown, suspended and expired operators.
func (s *Store) Actor(username, via string) (Actor, error) {
	var a Actor
	err := s.db.View(func(txn *badger.Txn) error {
		r, ok, err := readOperator(txn, username)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(ErrNotFound, "no operator %q: check the name (guardroom operator list)", username)
		}
		a, _, err = s.actorFor(txn, r, via)
		return err
	})
	return a, err
}

// NewOperator is what AddOperator needs.
type NewOperator struct {
	Username, Name, Email string
	Grants                []Grant
	Units                 []uint64
	Expires               time.Time
	// Password is set only by the store's own work (the demo site); an
	// operator made by another operator gets a one-time password.
	Password string
}

// AddOperator creates an operator with a one-time password, which it
// returns once: the operator must change it at the first login.
func (s *Store) AddOperator(a Actor, n NewOperator) (string, error) {
	var oneTime string
	w := s.begin(a, "operator.add", "operator "+n.Username)
	err := s.finish(w, func() error {
		if err := a.need(PermManageOperators); err != nil {
			return err
		}
		if !validName(n.Username) {
			return refuse(ErrInvalid, "operator name %q is not valid: use 1-32 letters, digits, dot, dash or underscore", n.Username)
		}
		r := operatorRecord{Operator: Operator{Username: n.Username, Name: n.Name, Email: n.Email, Grants: n.Grants, Units: n.Units, Expires: n.Expires}}
		if err := s.checkOperator(w, &r.Operator, nil); err != nil {
			return err
		}
		w.unit = opUnit(r.Operator)
		if ok, err := exists(w.txn, operatorKey(n.Username)); err != nil {
			return err
		} else if ok {
			return refuse(ErrDuplicate, "operator %s already exists: choose another name", n.Username)
		}
		pw := n.Password
		if pw == "" || !a.internal {
			var err error
			if pw, err = oneTimePassword(); err != nil {
				return err
			}
			r.MustChange = true
			oneTime = pw
		} else if err := checkPassword(n.Username, pw); err != nil {
			return err
		}
		hash, err := hashPassword(pw)
		if err != nil {
			return err
		}
		r.Hash, r.PasswordSet, r.Created = hash, s.now(), s.now()
		w.set(operatorKey(r.Username), r)
		w.log(nil, operatorFields(r.Operator))
		return nil
	})
	return oneTime, err
}

// operatorFields are what the log records of an operator.
func operatorFields(o Operator) map[string]string {
	var grants []string
	for _, g := range o.Grants {
		s := g.Role
		if !g.Expires.IsZero() {
			s += " until " + g.Expires.UTC().Format(time.RFC3339)
		}
		grants = append(grants, s)
	}
	m := map[string]string{"roles": strings.Join(grants, ", "), "units": fmt.Sprint(o.Units)}
	if o.Name != "" {
		m["name"] = o.Name
	}
	if o.Email != "" {
		m["email"] = o.Email
	}
	if !o.Expires.IsZero() {
		m["expires"] = o.Expires.UTC().Format(time.RFC3339)
	}
	return m
}

// checkOperator checks an operator's editable fields, and that the actor
// may hand out those roles and units: nobody grants more than they hold.
// was is the operator before the edit (nil when new).
func (s *Store) checkOperator(w *wtx, o *Operator, was *Operator) error {
	a := w.actor
	o.Name = strings.TrimSpace(o.Name)
	if err := checkPlain("name", o.Name); err != nil {
		return err
	}
	if len([]rune(o.Name)) > 64 {
		return refuse(ErrInvalid, "the name of operator %s must be at most 64 characters on one line", o.Username)
	}
	if o.Email = strings.TrimSpace(o.Email); o.Email != "" {
		e, err := checkEmail(o.Email)
		if err != nil {
			return refuse(ErrInvalid, "the email of operator %s: %s", o.Username, err.Error())
		}
		o.Email = e
	}
	if len(o.Grants) == 0 {
		return refuse(ErrInvalid, "operator %s has no role: grant at least one (%s, or a custom role)", o.Username, strings.Join(RoleNames(), ", "))
	}
	seen := map[string]bool{}
	var perms Perm
	for i, g := range o.Grants {
		role, ok, err := s.findRole(w.txn, g.Role)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(ErrInvalid, "unknown role %q: choose one of %s", g.Role, strings.Join(s.roleNames(w.txn), ", "))
		}
		o.Grants[i].Role = role.Name
		if seen[role.Name] {
			return refuse(ErrInvalid, "role %s is granted twice: grant it once", role.Name)
		}
		seen[role.Name] = true
		perms |= role.Perms
	}
	if missing := perms &^ a.perms; missing != 0 && !a.internal {
		return refuse(ErrPermission, "you cannot grant %s: it holds permissions you do not have (%s)", o.RoleNames(), missing)
	}
	if len(o.Units) == 0 {
		return refuse(ErrInvalid, "operator %s has no organization unit: grant at least one unit", o.Username)
	}
	s.unitsMu.RLock()
	for _, u := range o.Units {
		if _, ok := s.units[u]; !ok {
			s.unitsMu.RUnlock()
			return refuse(ErrNotFound, "no organization unit %d: see guardroom unit list", u)
		}
	}
	s.unitsMu.RUnlock()
	for _, u := range o.Units {
		if err := w.inScope(u); err != nil {
			return err
		}
	}
	slices.Sort(o.Units)
	o.Units = slices.Compact(o.Units)
	return nil
}

// operatorOp runs body on an operator the actor manages: in its scope,
// holding no permission the actor lacks. Not found and out of scope read
// the same, so an operator cannot learn who exists elsewhere.
func (s *Store) operatorOp(a Actor, action, username string, need Perm, body func(w *wtx, r *operatorRecord) error) error {
	err := s.operatorFrame(a, action, username, need, body)
	if err == nil && revokes[action] {
		s.revoke(username)
	}
	return err
}

// operatorFrame is operatorOp without ending the operator's sessions: an
// attempt (TryOperator) that changes nothing ends none.
func (s *Store) operatorFrame(a Actor, action, username string, need Perm, body func(w *wtx, r *operatorRecord) error) error {
	w := s.begin(a, action, "operator "+username)
	return s.finish(w, func() error {
		if err := a.need(need); err != nil {
			return err
		}
		r, ok, err := readOperator(w.txn, username)
		if err != nil {
			return err
		}
		if !ok || !s.operatorInScope(a, r.Operator) {
			return noOperator(username)
		}
		w.unit = opUnit(r.Operator)
		if err := ruleOperatorHeld(a, username, s.operatorPerms(w.txn, r.Operator)); err != nil {
			return err
		}
		return body(w, &r)
	})
}

// noOperator refuses an operator that does not exist or is outside the
// actor's units, alike, so nobody can probe for operators.
func noOperator(username string) error {
	return refuse(ErrNotFound, "no operator %q in your organization units: see guardroom operator list", username)
}

// ruleOperatorHeld refuses a change of an operator who holds permissions
// the actor lacks (oneself excepted): nobody manages more than they hold.
func ruleOperatorHeld(a Actor, username string, held Perm) error {
	if held&^a.perms != 0 && !a.internal && username != a.name {
		return refuse(ErrPermission, "operator %s holds permissions you do not have (%s): ask an administrator", username, held&^a.perms)
	}
	return nil
}

// revokes are the operator changes that end the operator's open sessions.
var revokes = map[string]bool{"operator.edit": true, "operator.suspend": true, "operator.remove": true, "operator.reset-password": true}

// opUnit files an operator's log entries under their first unit, so only
// those who may see the operator read them.
func opUnit(o Operator) uint64 {
	if len(o.Units) > 0 {
		return o.Units[0]
	}
	return RootUnit
}

// operatorInScope: every unit of the operator is within the actor's.
func (s *Store) operatorInScope(a Actor, o Operator) bool {
	for _, u := range o.Units {
		if !s.unitInScope(a, u) {
			return false
		}
	}
	return len(o.Units) > 0 || a.internal
}

// operatorPerms are the permissions of every grant, ended or not: what the
// operator could hold again if a grant were extended.
func (s *Store) operatorPerms(txn *badger.Txn, o Operator) Perm {
	var p Perm
	for _, g := range o.Grants {
		if role, ok, err := s.readRole(txn, g.Role); err == nil && ok {
			p |= role.Perms
		}
	}
	return p
}

// UpdateOperator changes an operator's name, email, role grants, units and
// access expiry.
func (s *Store) UpdateOperator(a Actor, o Operator) error {
	return s.operatorOp(a, "operator.edit", o.Username, PermManageOperators, func(w *wtx, r *operatorRecord) error {
		before := operatorFields(r.Operator)
		next := r.Operator
		next.Name, next.Email, next.Grants, next.Units, next.Expires = o.Name, o.Email, slices.Clone(o.Grants), slices.Clone(o.Units), o.Expires
		if err := s.checkOperator(w, &next, &r.Operator); err != nil {
			return err
		}
		if err := s.keepAnAdministrator(w, next); err != nil {
			return err
		}
		r.Operator = next
		w.set(operatorKey(r.Username), *r)
		w.log(before, operatorFields(r.Operator))
		return nil
	})
}

// SuspendOperator stops an operator from logging in and ends their open
// sessions.
func (s *Store) SuspendOperator(a Actor, username string) error {
	return s.operatorOp(a, "operator.suspend", username, PermManageOperators, func(w *wtx, r *operatorRecord) error {
		if err := ruleSuspendOperator(a, *r, s.now()); err != nil {
			return err
		}
		next := r.Operator
		next.Suspended = true
		if err := s.keepAnAdministrator(w, next); err != nil {
			return err
		}
		r.Operator = next
		w.set(operatorKey(username), *r)
		w.log(map[string]string{"status": "active"}, map[string]string{"status": OpSuspended})
		return nil
	})
}

// ReactivateOperator lets a suspended operator log in again.
func (s *Store) ReactivateOperator(a Actor, username string) error {
	return s.operatorOp(a, "operator.reactivate", username, PermManageOperators, func(w *wtx, r *operatorRecord) error {
		if err := ruleReactivateOperator(a, *r, s.now()); err != nil {
			return err
		}
		r.Suspended = false
		w.set(operatorKey(username), *r)
		w.log(map[string]string{"status": OpSuspended}, map[string]string{"status": "active"})
		return nil
	})
}

// RemoveOperator deletes an operator; their log entries stay.
func (s *Store) RemoveOperator(a Actor, username string) error {
	return s.operatorOp(a, "operator.remove", username, PermManageOperators, func(w *wtx, r *operatorRecord) error {
		if err := ruleRemoveOperator(a, *r, s.now()); err != nil {
			return err
		}
		gone := r.Operator
		gone.Suspended = true
		if err := s.keepAnAdministrator(w, gone); err != nil {
			return err
		}
		for _, k := range r.Keys {
			w.del(sshKeyIdx(k.Fingerprint))
		}
		if err := s.dropNotices(w, username); err != nil {
			return err
		}
		w.del(operatorKey(username))
		w.log(operatorFields(r.Operator), nil)
		return nil
	})
}

// UnlockOperator lifts a lockout after failed logins.
func (s *Store) UnlockOperator(a Actor, username string) error {
	return s.operatorOp(a, "operator.unlock", username, PermManageOperators, func(w *wtx, r *operatorRecord) error {
		if err := ruleUnlockOperator(a, *r, s.now()); err != nil {
			return err
		}
		r.LockedUntil, r.Failures, r.Lockouts = time.Time{}, 0, 0
		w.set(operatorKey(username), *r)
		w.log(nil, map[string]string{"status": "unlocked"})
		return nil
	})
}

// ResetOperatorPassword gives the operator a new one-time password, which
// it returns once; they must change it at the next login.
func (s *Store) ResetOperatorPassword(a Actor, username string) (string, error) {
	var oneTime string
	err := s.operatorOp(a, "operator.reset-password", username, PermManageOperators, func(w *wtx, r *operatorRecord) error {
		pw, err := oneTimePassword()
		if err != nil {
			return err
		}
		if r.Hash, err = hashPassword(pw); err != nil {
			return err
		}
		oneTime = pw
		r.MustChange, r.PasswordSet = true, s.now()
		r.LockedUntil, r.Failures = time.Time{}, 0
		w.set(operatorKey(username), *r)
		w.log(nil, map[string]string{"password": "one-time password issued"})
		s.securityEvent(w, r.Operator, "password reset", fmt.Sprintf("%s reset the password of operator %s; a one-time password was issued.", a.name, username))
		return nil
	})
	return oneTime, err
}

// ResetSecondFactor removes an operator's second factor (a lost phone);
// they enrol again at the next login if their role requires it.
func (s *Store) ResetSecondFactor(a Actor, username string) error {
	return s.operatorOp(a, "operator.reset-2fa", username, PermManageOperators, func(w *wtx, r *operatorRecord) error {
		if err := ruleResetSecondFactor(a, *r, s.now()); err != nil {
			return err
		}
		r.TwoFactor, r.TOTP, r.TOTPPending, r.TOTPStep, r.Recovery = false, "", "", 0, nil
		w.set(operatorKey(username), *r)
		w.log(map[string]string{"second factor": "enrolled"}, map[string]string{"second factor": "none"})
		s.securityEvent(w, r.Operator, "second factor reset", fmt.Sprintf("%s removed the second factor of operator %s.", a.name, username))
		return nil
	})
}

// keepAnAdministrator refuses a change that leaves no active operator able
// to manage operators over the whole organization: nobody could then undo
// it but the key holder's reset-admin.
func (s *Store) keepAnAdministrator(w *wtx, next Operator) error {
	now := s.now()
	canRun := func(o Operator) bool {
		if o.Suspended || (!o.Expires.IsZero() && !now.Before(o.Expires)) || !slices.Contains(o.Units, RootUnit) {
			return false
		}
		for _, g := range o.ActiveGrants(now) {
			if role, ok, err := s.readRole(w.txn, g.Role); err == nil && ok && role.Perms&PermManageOperators != 0 {
				return true
			}
		}
		return false
	}
	if canRun(next) {
		return nil
	}
	found := false
	err := scanOperators(w.txn, func(r operatorRecord) error {
		found = found || (r.Username != next.Username && canRun(r.Operator))
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return refuse(ErrState, "operator %s is the last one who can manage operators over the whole organization: give that to another operator first", next.Username)
	}
	return nil
}

// GetOperator returns one operator: oneself always, others with the
// manage-operators permission and within scope.
func (s *Store) GetOperator(a Actor, username string) (Operator, error) {
	if username != a.name {
		if err := a.need(PermManageOperators); err != nil {
			return Operator{}, err
		}
	} else if err := a.valid(); err != nil {
		return Operator{}, err
	}
	var out Operator
	err := s.db.View(func(txn *badger.Txn) error {
		r, ok, err := readOperator(txn, username)
		if err != nil {
			return err
		}
		if !ok || (username != a.name && !s.operatorInScope(a, r.Operator)) {
			return noOperator(username)
		}
		out = r.public()
		return nil
	})
	return out, err
}

// ListOperators returns the operators within the actor's scope.
func (s *Store) ListOperators(a Actor) ([]Operator, error) {
	if err := a.need(PermManageOperators); err != nil {
		return nil, err
	}
	var out []Operator
	err := s.db.View(func(txn *badger.Txn) error {
		return scanOperators(txn, func(r operatorRecord) error {
			if s.operatorInScope(a, r.Operator) {
				out = append(out, r.public())
			}
			return nil
		})
	})
	return out, err
}
