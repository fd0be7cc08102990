package store

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/crypto/ssh"
)

func sshKeyIdx(fingerprint string) []byte { return k(pIdxSSHKey, []byte(fingerprint)) }

// ParseSSHKey reads one authorized_keys line ("ssh-ed25519 AAAA... comment")
// and refuses key types too weak to log in with.
func ParseSSHKey(line string) (SSHKey, ssh.PublicKey, error) {
	line = strings.TrimSpace(line)
	pk, comment, _, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return SSHKey{}, nil, refuse(ErrInvalid, "not an SSH public key (%v): paste one line of the operator's .pub file, like \"ssh-ed25519 AAAA... name@host\"", err)
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return SSHKey{}, nil, refuse(ErrInvalid, "give one key at a time")
	}
	switch pk.Type() {
	case ssh.KeyAlgoDSA:
		return SSHKey{}, nil, refuse(ErrInvalid, "DSA keys are too weak to log in with: make an ed25519 key (ssh-keygen -t ed25519)")
	case ssh.KeyAlgoRSA:
		if ck, ok := pk.(ssh.CryptoPublicKey); ok {
			if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok && rk.N.BitLen() < 2048 {
				return SSHKey{}, nil, refuse(ErrInvalid, "this RSA key has %d bits: use at least 2048, or better an ed25519 key (ssh-keygen -t ed25519)", rk.N.BitLen())
			}
		}
	}
	k := SSHKey{Fingerprint: ssh.FingerprintSHA256(pk), Type: pk.Type(), Comment: strings.TrimSpace(comment),
		Line: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))}
	if err := checkPlain("key comment", k.Comment); err != nil {
		return SSHKey{}, nil, err
	}
	if k.Comment != "" {
		k.Line += " " + k.Comment
	}
	return k, pk, nil
}

// AddSSHKey maps a public key to an operator, for SSH logins. An operator
// may add their own keys; others' need the manage-operators permission.
// A key logs in one operator only.
func (s *Store) AddSSHKey(a Actor, username, line string) (SSHKey, error) {
	key, _, err := ParseSSHKey(line)
	if err != nil {
		return SSHKey{}, err
	}
	need := keyPerm(a, username)
	err = s.operatorOp(a, "operator.add-key", username, need, func(w *wtx, r *operatorRecord) error {
		var owner string
		err := getRaw(w.txn, sshKeyIdx(key.Fingerprint), &owner)
		if err == nil {
			if owner == username {
				return refuse(ErrDuplicate, "operator %s has key %s already", username, key.Fingerprint)
			}
			return refuse(ErrDuplicate, "key %s logs in another operator already: each key belongs to one operator", key.Fingerprint)
		}
		if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		key.Added = s.now()
		r.Keys = append(r.Keys, key)
		w.set(operatorKey(username), *r)
		w.setRaw(sshKeyIdx(key.Fingerprint), []byte(username))
		w.log(nil, map[string]string{"ssh key": key.Fingerprint, "type": key.Type, "comment": key.Comment})
		s.securityEvent(w, r.Operator, "new SSH key", fmt.Sprintf("%s added SSH key %s (%s %s) to operator %s: it can log in over SSH.", a.name, key.Fingerprint, key.Type, key.Comment, username))
		return nil
	})
	return key, err
}

// RemoveSSHKey takes a key from an operator, by fingerprint or comment.
func (s *Store) RemoveSSHKey(a Actor, username, ref string) error {
	need := keyPerm(a, username)
	return s.operatorOp(a, "operator.remove-key", username, need, func(w *wtx, r *operatorRecord) error {
		for i, k := range r.Keys {
			if k.Fingerprint == ref || (k.Comment != "" && k.Comment == ref) {
				r.Keys = append(r.Keys[:i:i], r.Keys[i+1:]...)
				w.set(operatorKey(username), *r)
				w.del(sshKeyIdx(k.Fingerprint))
				w.log(map[string]string{"ssh key": k.Fingerprint}, nil)
				return nil
			}
		}
		return refuse(ErrNotFound, "operator %s has no key %q: see guardroom operator show %s", username, ref, username)
	})
}

// getRaw reads a value stored as plain bytes (an index entry) as a string.
func getRaw(txn *badger.Txn, key []byte, out *string) error {
	item, err := txn.Get(key)
	if err != nil {
		return err
	}
	v, err := item.ValueCopy(nil)
	*out = string(v)
	return err
}

// ActorByKey returns the actor of the operator a public key belongs to,
// for an SSH login. The actor's step asks the second factor when the
// operator has one or a role requires it. A key matching nobody, or an
// operator who may not log in now, is refused.
func (s *Store) ActorByKey(fingerprint, via, addr string) (Actor, error) {
	var a Actor
	err := s.db.View(func(txn *badger.Txn) error {
		var username string
		err := getRaw(txn, sshKeyIdx(fingerprint), &username)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return refuse(ErrLogin, "no operator has key %s: an administrator adds it with guardroom operator add-key", fingerprint)
		}
		if err != nil {
			return err
		}
		r, ok, err := readOperator(txn, username)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(ErrLogin, "no operator has key %s", fingerprint)
		}
		if s.now().Before(r.LockedUntil) {
			return lockedErr(r.Operator)
		}
		act, require, err := s.actorFor(txn, r, via)
		if err != nil {
			return loginRefusal(err)
		}
		act.byKey, act.addr = true, addr
		act.step = nextStep(r, require, false, true)
		a = act
		return nil
	})
	return a, err
}
