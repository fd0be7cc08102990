package store

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/crypto/argon2"

	"github.com/guardroom/guardroom/store/totp"
)

// ErrLogin is the kind of a refused login: wrong name, password or code,
// or an operator who may not log in now.
var ErrLogin = errors.New("login refused")

// Password hashing: argon2id with OWASP's second recommended setting
// (19 MiB, 2 passes, 1 lane; the cost in operator_auth_cost.go). It costs
// ~30 ms a login on a guard-room PC and keeps twenty logins at once within
// a small machine's memory. The parameters travel in the hash, so raising
// them later keeps old hashes readable.
const (
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLength is the shortest password an operator may choose.
const MinPasswordLength = 10

// MaxFailures wrong passwords or codes in a row lock the operator.
const MaxFailures = 5

// lockFor is how long the nth lockout in a row lasts.
func lockFor(n int) time.Duration {
	steps := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}
	return steps[min(max(n, 1), len(steps))-1]
}

func hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := deriveKey(pw, salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkHash compares pw with a hash made by hashPassword, in constant time.
func checkHash(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<22 || t == 0 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := deriveKey(pw, salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// argonKeys counts the argon2id keys derived by this process, for the
// tests that check a login does the work and start-up does not.
var argonKeys atomic.Uint64

func deriveKey(pw string, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	argonKeys.Add(1)
	return argon2.IDKey([]byte(pw), salt, t, m, p, n)
}

// dummyHash is checked against when the operator does not exist, so a
// wrong name takes as long as a wrong password. It is made on the first
// such login, not when the process starts: a command that logs in with a
// right name (or not at all) never pays for it.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("no such operator, no such password")
	return h
})

var commonPasswords = []string{"password", "passw0rd", "1234567890", "0123456789", "qwertyuiop", "asdfghjkl", "guardroom", "administrator", "letmein", "welcome", "changeme", "iloveyou", "123456789", "abcdefghij"}

// checkPassword is the minimum strength: length first (a few words make a
// good password), then the mistakes that make a long one weak.
func checkPassword(username, pw string) error {
	if !utf8.ValidString(pw) || strings.IndexFunc(pw, unicode.IsControl) >= 0 {
		return refuse(ErrInvalid, "the password holds a control character: type letters, digits, spaces or punctuation")
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return refuse(ErrInvalid, "the password has %d characters: use at least %d (a few words make a good one)", n, MinPasswordLength)
	}
	if n > 128 {
		return refuse(ErrInvalid, "the password has %d characters: use at most 128", n)
	}
	low := strings.ToLower(pw)
	if len(username) >= 3 && strings.Contains(low, strings.ToLower(username)) {
		return refuse(ErrInvalid, "the password contains the operator name: choose one that does not")
	}
	distinct := map[rune]bool{}
	for _, r := range low {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return refuse(ErrInvalid, "the password repeats too few characters (%d different): mix more", len(distinct))
	}
	for _, c := range commonPasswords {
		if strings.Contains(low, c) && len(low) < len(c)+6 {
			return refuse(ErrInvalid, "the password is built on %q, one of the first guessed: choose another", c)
		}
	}
	return nil
}

// CheckPassword tells a console or CLI, before it asks to type the
// password again, whether the store would take it.
func CheckPassword(username, pw string) error { return checkPassword(username, pw) }

// oneTimePassword is 16 characters of an alphabet without look-alikes, in
// groups of four to read out over the phone: about 80 bits.
func oneTimePassword() (string, error) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String(), nil
}

// FirstPassword returns admin's one-time password when this Open created
// the database, for the terminal that created it to print once.
func (s *Store) FirstPassword() (string, bool) {
	return s.firstPassword, s.firstPassword != ""
}

// Login checks an operator's password and returns their actor. The actor
// may still have a step to do (Actor.Step): a second factor, a new
// password, or enrolling a second factor; until then it can do nothing
// else. addr is where the login came from, for the log.
func (s *Store) Login(username, password, via, addr string) (Actor, error) {
	var a Actor
	var outcome error
	w := s.begin(Actor{name: username, via: via}, "operator.login", "operator "+username)
	err := s.finish(w, func() error {
		if via == "ssh" {
			// SSH is key-only: a password typed into an SSH session's
			// console is not a way in, whatever the console offers.
			outcome = refuse(ErrLogin, "over SSH operators log in with their SSH key only: ask an administrator to add yours (guardroom operator add-key)")
			w.appendLog(nil, map[string]string{"from": addr}, "refused: password login over SSH")
			return nil
		}
		r, ok, err := readOperator(w.txn, username)
		if err != nil {
			return err
		}
		if !ok {
			checkHash(dummyHash(), password)
			outcome = refuse(ErrLogin, "wrong operator name or password")
			w.appendLog(nil, map[string]string{"from": addr}, "refused: unknown operator")
			return nil
		}
		w.unit = opUnit(r.Operator)
		if now := s.now(); now.Before(r.LockedUntil) {
			outcome = lockedErr(r.Operator)
			w.appendLog(nil, map[string]string{"from": addr}, "refused: locked")
			return nil
		}
		if r.Hash == "" {
			outcome = refuse(ErrLogin, "operator %s has no password: ask an administrator to reset it (guardroom operator reset-password %s)", username, username)
			w.appendLog(nil, map[string]string{"from": addr}, "refused: no password")
			return nil
		}
		if !checkHash(r.Hash, password) {
			outcome = s.loginFailed(w, &r, addr, "wrong password")
			return nil
		}
		act, require, err := s.actorFor(w.txn, r, via)
		if err != nil {
			outcome = loginRefusal(err)
			w.appendLog(nil, map[string]string{"from": addr}, "refused: "+err.Error())
			return nil
		}
		r.Failures = 0
		act.addr = addr
		act.step = nextStep(r, require, false, false)
		a = act
		if a.step == StepNone {
			s.loggedIn(w, &r, addr, "password")
		} else {
			w.set(operatorKey(r.Username), r)
		}
		return nil
	})
	if err != nil {
		return Actor{}, err
	}
	return a, outcome
}

func loginRefusal(err error) error {
	var r *Refusal
	if errors.As(err, &r) {
		return &Refusal{Kind: ErrLogin, Msg: r.Msg}
	}
	return err
}

func lockedErr(o Operator) error {
	return refuse(ErrLogin, "operator %s is locked until %s after %d failed logins: try again then, or ask an administrator to unlock it", o.Username, o.LockedUntil.Local().Format("15:04"), MaxFailures)
}

// nextStep is what the operator must still do: the second factor when
// enrolled (unless done), a new password after a one-time one (not asked
// of a key login), then enrolment when a role requires a second factor.
func nextStep(r operatorRecord, require, factorDone, byKey bool) LoginStep {
	switch {
	case r.TwoFactor && !factorDone:
		return StepSecondFactor
	case r.MustChange && !byKey:
		return StepNewPassword
	case require && !r.TwoFactor:
		return StepEnrol2FA
	}
	return StepNone
}

// loginFailed counts a wrong password or code; the fifth in a row locks
// the operator, each lockout in a row longer than the last.
func (s *Store) loginFailed(w *wtx, r *operatorRecord, addr, what string) error {
	r.Failures++
	out := refuse(ErrLogin, "wrong operator name or password")
	if what != "wrong password" {
		out = refuse(ErrLogin, "wrong code: type the current one from your authenticator app, or a recovery code")
	}
	if r.Failures >= MaxFailures {
		r.Lockouts++
		r.Failures = 0
		r.LockedUntil = s.now().Add(lockFor(r.Lockouts))
		out = refuse(ErrLogin, "%s; operator %s is now locked until %s after %d failed logins: try again then, or ask an administrator to unlock it", out.Msg, r.Username, r.LockedUntil.Local().Format("15:04"), MaxFailures)
		s.securityEvent(w, r.Operator, "locked out", fmt.Sprintf("Operator %s was locked until %s after %d failed logins (the last from %s).", r.Username, r.LockedUntil.Local().Format("2006-01-02 15:04"), MaxFailures, addrOr(addr)))
		s.revoke(r.Username)
	}
	w.set(operatorKey(r.Username), *r)
	w.appendLog(nil, map[string]string{"from": addr, "failures": fmt.Sprint(r.Failures)}, "refused: "+what)
	return out
}

func addrOr(addr string) string {
	if addr == "" {
		return "this computer"
	}
	return addr
}

// loggedIn records a finished login.
func (s *Store) loggedIn(w *wtx, r *operatorRecord, addr, method string) {
	r.Failures, r.Lockouts, r.LastLogin = 0, 0, s.now()
	w.set(operatorKey(r.Username), *r)
	w.log(nil, map[string]string{"from": addrOr(addr), "method": method})
}

// stepOp runs one login step for the actor a, whose step must be one of
// steps. body returns the outcome (a refusal still commits, so failed
// codes are counted) and the step after.
func (s *Store) stepOp(a Actor, action string, steps []LoginStep, body func(w *wtx, r *operatorRecord) (error, error)) (Actor, error) {
	var outcome error
	next := a
	w := s.begin(a, action, "operator "+a.name)
	err := s.finish(w, func() error {
		if a.internal || a.st != s {
			return refuse(ErrPermission, "only an operator's own login can do this")
		}
		ok := false
		for _, st := range steps {
			ok = ok || a.step == st
		}
		if !ok {
			if a.step == StepNone {
				return refuse(ErrState, "operator %s has no %s to do now", a.name, steps[0])
			}
			return refuse(ErrState, "operator %s must do the %s first", a.name, a.step)
		}
		if a.step == StepNone {
			if err := a.valid(); err != nil {
				return err
			}
		}
		r, found, err := readOperator(w.txn, a.name)
		if err != nil {
			return err
		}
		if !found {
			return refuse(ErrLogin, "operator %s was removed: log in as another operator", a.name)
		}
		w.unit = opUnit(r.Operator)
		if s.now().Before(r.LockedUntil) {
			outcome = lockedErr(r.Operator)
			return nil
		}
		act, require, err := s.actorFor(w.txn, r, a.via)
		if err != nil {
			outcome = loginRefusal(err)
			return nil
		}
		out, err := body(w, &r)
		if err != nil {
			return err
		}
		if out != nil {
			outcome = out
			return nil
		}
		// Steps come in order, so past the second-factor step it is done
		// (or was never needed).
		factorDone := a.step != StepSecondFactor || action == "operator.second-factor"
		act.step = nextStep(r, require, factorDone, a.byKey)
		act.byKey, act.addr = a.byKey, a.addr
		act.gen = a.gen
		if a.step != StepNone && act.step == StepNone {
			method := "password"
			if a.byKey {
				method = "ssh key"
			}
			if r.TwoFactor {
				method += " and second factor"
			}
			r.Failures, r.Lockouts, r.LastLogin = 0, 0, s.now()
			w.appendLog(nil, map[string]string{"login": "complete", "method": method, "from": addrOr(a.addr)}, "ok")
		}
		w.set(operatorKey(r.Username), r)
		next = act
		return nil
	})
	if err != nil {
		return a, err
	}
	if outcome != nil {
		return a, outcome
	}
	return next, nil
}

// SecondFactor checks the code from the operator's authenticator app, or
// one of their recovery codes (each works once).
func (s *Store) SecondFactor(a Actor, code string) (Actor, error) {
	return s.stepOp(a, "operator.second-factor", []LoginStep{StepSecondFactor}, func(w *wtx, r *operatorRecord) (error, error) {
		code = strings.TrimSpace(code)
		if digits := strings.ReplaceAll(code, " ", ""); len(digits) == 6 && strings.Trim(digits, "0123456789") == "" {
			step, err := totp.Verify(r.TOTP, digits, s.now(), r.TOTPStep)
			if errors.Is(err, totp.ErrReplay) {
				return refuse(ErrLogin, "%s", err.Error()), nil
			}
			if err != nil {
				return s.loginFailed(w, r, a.addr, "wrong code"), nil
			}
			r.TOTPStep = step
			w.log(nil, map[string]string{"second factor": "authenticator code"})
			return nil, nil
		}
		h := totp.HashRecovery(code)
		for i, rc := range r.Recovery {
			if subtle.ConstantTimeCompare([]byte(rc), []byte(h)) == 1 {
				r.Recovery = append(r.Recovery[:i:i], r.Recovery[i+1:]...)
				w.log(nil, map[string]string{"second factor": "recovery code", "recovery codes left": fmt.Sprint(len(r.Recovery))})
				s.securityEvent(w, r.Operator, "recovery code used", fmt.Sprintf("Operator %s logged in with a recovery code; %d are left.", r.Username, len(r.Recovery)))
				return nil, nil
			}
		}
		return s.loginFailed(w, r, a.addr, "wrong code"), nil
	})
}

// ChangePassword sets the operator's own password. After a one-time
// password (StepNewPassword) the old one is not asked again; otherwise it
// must be given.
func (s *Store) ChangePassword(a Actor, old, password string) (Actor, error) {
	return s.stepOp(a, "operator.password", []LoginStep{StepNewPassword, StepNone}, func(w *wtx, r *operatorRecord) (error, error) {
		if a.step == StepNone && !checkHash(r.Hash, old) {
			return s.loginFailed(w, r, a.addr, "wrong password"), nil
		}
		if err := checkPassword(r.Username, password); err != nil {
			return err, nil
		}
		if checkHash(r.Hash, password) {
			return refuse(ErrInvalid, "the new password is the same as the old one: choose another"), nil
		}
		hash, err := hashPassword(password)
		if err != nil {
			return nil, err
		}
		r.Hash, r.MustChange, r.PasswordSet = hash, false, s.now()
		w.log(nil, map[string]string{"password": "changed"})
		s.securityEvent(w, r.Operator, "password changed", fmt.Sprintf("The password of operator %s was changed (%s).", r.Username, a.via))
		return nil, nil
	})
}

// BeginTOTP starts enrolling a second factor: a new secret and its
// otpauth URI to show as text and as a QR code. ConfirmTOTP finishes it.
func (s *Store) BeginTOTP(a Actor) (totp.Key, error) {
	var key totp.Key
	_, err := s.stepOp(a, "operator.2fa-begin", []LoginStep{StepEnrol2FA, StepNone}, func(w *wtx, r *operatorRecord) (error, error) {
		if r.TwoFactor {
			return refuse(ErrState, "operator %s has a second factor already: an administrator can reset it (guardroom operator reset-2fa %s)", r.Username, r.Username), nil
		}
		var err error
		if key, err = totp.Generate("guardroom ("+s.UnitPath(RootUnit)+")", r.Username); err != nil {
			return nil, err
		}
		r.TOTPPending = key.Secret
		w.log(nil, map[string]string{"second factor": "enrolment started"})
		return nil, nil
	})
	return key, err
}

// RecoveryCodeCount is how many recovery codes an enrolment hands out.
const RecoveryCodeCount = 10

// ConfirmTOTP checks a code from the newly enrolled app and turns the
// second factor on. It returns the recovery codes, shown once.
func (s *Store) ConfirmTOTP(a Actor, code string) ([]string, Actor, error) {
	var codes []string
	next, err := s.stepOp(a, "operator.2fa-enrol", []LoginStep{StepEnrol2FA, StepNone}, func(w *wtx, r *operatorRecord) (error, error) {
		if r.TOTPPending == "" {
			return refuse(ErrState, "no enrolment in progress for operator %s: start it again", r.Username), nil
		}
		step, err := totp.Verify(r.TOTPPending, code, s.now(), 0)
		if err != nil {
			return refuse(ErrInvalid, "%s", err.Error()), nil
		}
		if codes, err = totp.RecoveryCodes(RecoveryCodeCount); err != nil {
			return nil, err
		}
		r.Recovery = r.Recovery[:0]
		for _, c := range codes {
			r.Recovery = append(r.Recovery, totp.HashRecovery(c))
		}
		r.TOTP, r.TOTPPending, r.TOTPStep, r.TwoFactor = r.TOTPPending, "", step, true
		w.log(map[string]string{"second factor": "none"}, map[string]string{"second factor": "enrolled"})
		s.securityEvent(w, r.Operator, "second factor enrolled", fmt.Sprintf("Operator %s enrolled an authenticator app as second factor (%s).", r.Username, a.via))
		return nil, nil
	})
	if err != nil {
		return nil, a, err
	}
	return codes, next, nil
}

// ResetAdmin recovers a lost admin: a new one-time password, the
// Administrator role over the whole organization, no lockout, suspension,
// expiry or second factor. It needs no actor: whoever opened the database
// holds its key file, and with it everything.
func (s *Store) ResetAdmin() (string, error) {
	var oneTime string
	keyholder := Actor{name: "key holder", via: "cli", internal: true, perms: permAll, units: []uint64{RootUnit}}
	w := s.begin(keyholder, "operator.reset-admin", "operator admin")
	err := s.finish(w, func() error {
		r, ok, err := readOperator(w.txn, "admin")
		if err != nil {
			return err
		}
		if !ok {
			r = operatorRecord{Operator: Operator{Username: "admin", Name: "Administrator", Created: s.now()}}
		}
		pw, err := oneTimePassword()
		if err != nil {
			return err
		}
		if r.Hash, err = hashPassword(pw); err != nil {
			return err
		}
		oneTime = pw
		hasAdmin := false
		for i, g := range r.Grants {
			if g.Role == RoleAdministrator {
				r.Grants[i].Expires, hasAdmin = time.Time{}, true
			}
		}
		if !hasAdmin {
			r.Grants = append(r.Grants, Grant{Role: RoleAdministrator})
		}
		if !slices.Contains(r.Units, RootUnit) {
			r.Units = append(r.Units, RootUnit)
		}
		r.MustChange, r.PasswordSet, r.Suspended, r.Expires = true, s.now(), false, time.Time{}
		r.LockedUntil, r.Failures, r.Lockouts = time.Time{}, 0, 0
		r.TwoFactor, r.TOTP, r.TOTPPending, r.TOTPStep, r.Recovery = false, "", "", 0, nil
		w.set(operatorKey("admin"), r)
		w.log(nil, map[string]string{"password": "one-time password issued", "role": RoleAdministrator, "second factor": "none"})
		s.securityEvent(w, r.Operator, "admin reset", "The key holder reset operator admin: a one-time password was issued and its second factor removed.")
		return nil
	})
	if err == nil {
		s.revoke("admin")
	}
	return oneTime, err
}

// firstAdmin makes admin with a one-time password in a new database.
func (s *Store) firstAdmin(txn *badger.Txn, now time.Time) error {
	pw, err := oneTimePassword()
	if err != nil {
		return err
	}
	hash, err := hashPassword(pw)
	if err != nil {
		return err
	}
	r := operatorRecord{Operator: Operator{Username: "admin", Name: "Administrator", Grants: []Grant{{Role: RoleAdministrator}},
		Units: []uint64{RootUnit}, Created: now, MustChange: true, PasswordSet: now}, Hash: hash}
	if err := setJSON(txn, operatorKey(r.Username), r); err != nil {
		return err
	}
	s.firstPassword = pw
	return nil
}
