package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/dgraph-io/badger/v4"
)

// Role is a named set of permissions. The predefined roles keep their
// permissions in the code (Roles); a site can still make them require a
// second factor. Custom roles are the site's own.
type Role struct {
	Name        string    `json:"name"`
	Perms       Perm      `json:"perms"`
	Require2FA  bool      `json:"require_2fa,omitempty"`
	Builtin     bool      `json:"builtin,omitempty"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created,omitzero"`
}

func roleKey(name string) []byte { return k(pRole, []byte(strings.ToLower(name))) }

// readRole reads a role by its exact or differently-cased name.
func (s *Store) readRole(txn *badger.Txn, name string) (Role, bool, error) {
	var r Role
	err := getJSON(txn, roleKey(name), &r)
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
		if p, ok := builtinRole(name); ok {
			return Role{Name: p, Perms: Roles[p], Builtin: true}, true, nil
		}
		return r, false, nil
	case err != nil:
		return r, false, fmt.Errorf("read role %s: %w", name, err)
	}
	if r.Builtin {
		r.Perms = Roles[r.Name]
	}
	return r, true, nil
}

func builtinRole(name string) (string, bool) {
	for _, n := range RoleNames() {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

func (s *Store) findRole(txn *badger.Txn, name string) (Role, bool, error) {
	return s.readRole(txn, strings.TrimSpace(name))
}

// listRoles returns the predefined roles first, then the custom ones by name.
func (s *Store) listRoles(txn *badger.Txn) ([]Role, error) {
	var out []Role
	for _, n := range RoleNames() {
		r, _, err := s.readRole(txn, n)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	var custom []Role
	err := scan(txn, pRole, true, func(_, v []byte) error {
		var r Role
		if err := jsonUnmarshal(v, &r); err != nil {
			return err
		}
		if !r.Builtin {
			custom = append(custom, r)
		}
		return nil
	})
	slices.SortFunc(custom, func(a, b Role) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return append(out, custom...), err
}

func (s *Store) roleNames(txn *badger.Txn) []string {
	roles, _ := s.listRoles(txn)
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	return names
}

// ListRoles returns every role, predefined first.
func (s *Store) ListRoles(a Actor) ([]Role, error) {
	if err := a.need(PermManageOperators); err != nil {
		return nil, err
	}
	var out []Role
	err := s.db.View(func(txn *badger.Txn) (err error) {
		out, err = s.listRoles(txn)
		return err
	})
	return out, err
}

// AddRole creates a custom role. Nobody makes a role holding a permission
// they do not hold themselves.
func (s *Store) AddRole(a Actor, r Role) error {
	w := s.begin(a, "role.add", "role "+r.Name)
	return s.finish(w, func() error {
		if err := a.need(PermManageOperators); err != nil {
			return err
		}
		r.Name, r.Description = strings.TrimSpace(r.Name), strings.TrimSpace(r.Description)
		if err := checkPlain("role name", r.Name); err != nil {
			return err
		}
		if err := checkPlain("description", r.Description); err != nil {
			return err
		}
		if r.Name == "" || len([]rune(r.Name)) > 32 || strings.IndexFunc(r.Name, func(c rune) bool { return unicode.IsControl(c) || c == ',' }) >= 0 {
			return refuse(ErrInvalid, "role name %q is not valid: use 1-32 characters without commas", r.Name)
		}
		if _, ok, err := s.readRole(w.txn, r.Name); err != nil {
			return err
		} else if ok {
			return refuse(ErrDuplicate, "role %s already exists: choose another name", r.Name)
		}
		if err := checkRolePerms(a, r); err != nil {
			return err
		}
		r.Builtin, r.Created = false, s.now()
		w.set(roleKey(r.Name), r)
		w.log(nil, roleFields(r))
		return nil
	})
}

func checkRolePerms(a Actor, r Role) error {
	if r.Perms == 0 {
		return refuse(ErrInvalid, "role %s has no permission: choose at least one", r.Name)
	}
	if r.Perms&^permAll != 0 {
		return refuse(ErrInvalid, "role %s holds an unknown permission", r.Name)
	}
	if missing := r.Perms &^ a.perms; missing != 0 && !a.internal {
		return refuse(ErrPermission, "you cannot make a role with permissions you do not have (%s)", missing)
	}
	return nil
}

func roleFields(r Role) map[string]string {
	m := map[string]string{"permissions": r.Perms.String(), "second factor": "optional"}
	if r.Require2FA {
		m["second factor"] = "required"
	}
	if r.Description != "" {
		m["description"] = r.Description
	}
	return m
}

// UpdateRole changes a role's permissions, description and whether it
// requires a second factor. A predefined role's permissions stay as they
// are: only its second-factor requirement changes.
func (s *Store) UpdateRole(a Actor, r Role) error {
	var revoked []string
	err := s.roleOp(a, "role.edit", r.Name, func(w *wtx, was Role) error {
		next := was
		next.Require2FA, next.Description = r.Require2FA, strings.TrimSpace(r.Description)
		if err := checkPlain("description", next.Description); err != nil {
			return err
		}
		if !was.Builtin {
			next.Perms = r.Perms
		} else if r.Perms != 0 && r.Perms != was.Perms {
			return refuse(ErrInvalid, "the permissions of the predefined role %s are fixed: make a custom role instead", was.Name)
		}
		if err := checkRolePerms(a, next); err != nil {
			return err
		}
		// Changing a role changes what its holders may do: only one who
		// holds all of it, before and after, may.
		if err := ruleRoleHeld(a, was); err != nil {
			return err
		}
		w.set(roleKey(next.Name), next)
		w.log(roleFields(was), roleFields(next))
		if next.Perms != was.Perms {
			holders, err := roleHolders(w, next.Name)
			if err != nil {
				return err
			}
			revoked = holders
		}
		return nil
	})
	// The holders' open sessions carry the old permissions: they log in
	// again to get the new ones.
	for _, h := range revoked {
		s.revoke(h)
	}
	return err
}

// roleHolders lists the operators granted a role.
func roleHolders(w *wtx, role string) ([]string, error) {
	var holders []string
	err := scanOperators(w.txn, func(op operatorRecord) error {
		for _, g := range op.Grants {
			if strings.EqualFold(g.Role, role) {
				holders = append(holders, op.Username)
			}
		}
		return nil
	})
	return holders, err
}

// roleOp runs one operation on an existing role with the common checks:
// the permission, the role found. TryRole runs it too.
func (s *Store) roleOp(a Actor, action, name string, body func(w *wtx, r Role) error) error {
	w := s.begin(a, action, "role "+name)
	return s.finish(w, func() error {
		if err := a.need(PermManageOperators); err != nil {
			return err
		}
		r, err := s.roleNamed(w.txn, name)
		if err != nil {
			return err
		}
		return body(w, r)
	})
}

// roleNamed reads role name, refusing one that does not exist.
func (s *Store) roleNamed(txn *badger.Txn, name string) (Role, error) {
	r, ok, err := s.readRole(txn, name)
	if err == nil && !ok {
		err = refuse(ErrNotFound, "no role %q: see guardroom operator roles", name)
	}
	return r, err
}

// RemoveRole deletes a custom role that nobody holds.
func (s *Store) RemoveRole(a Actor, name string) error {
	return s.roleOp(a, "role.remove", name, func(w *wtx, r Role) error {
		if err := roleRuleHolders(w, a, r, ActRemoveRole); err != nil {
			return err
		}
		w.del(roleKey(r.Name))
		w.log(roleFields(r), nil)
		return nil
	})
}
