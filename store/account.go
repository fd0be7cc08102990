package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// AccountStatus is the state of a customer application account.
type AccountStatus string

// Account statuses (003). StatusUnknown is shown for a panel user with no account.
const (
	StatusNotConfirmed AccountStatus = "Not confirmed"
	StatusActive       AccountStatus = "Active"
	StatusSuspended    AccountStatus = "Suspended"
	StatusUnknown      AccountStatus = "Unknown"
)

// OTPLifetime is how long a one-time code mailed to an account stays valid.
const OTPLifetime = 24 * time.Hour

// maxOTPTries is how many wrong one-time codes void the current one.
const maxOTPTries = 5

// Account is a customer application account.
type Account struct {
	ID      uint64        `json:"id"`
	Email   string        `json:"email"`
	Unit    uint64        `json:"unit"`
	Status  AccountStatus `json:"status"`
	Created time.Time     `json:"created"`
	// Confirmed is true once a password was set from an OTP; reactivating
	// a suspended account returns it to Active only then.
	Confirmed bool `json:"confirmed"`
	// Links are the panel users the account is assigned to (filled on read).
	Links []UserRef `json:"links,omitempty"`
}

// UserRef names one panel user.
type UserRef struct {
	Panel uint64 `json:"panel"`
	Slot  int    `json:"slot"`
}

// accountRecord is what is stored: the account plus its OTP's hash.
type accountRecord struct {
	Account
	OTPHash    []byte    `json:"otp_hash,omitempty"`
	OTPExpires time.Time `json:"otp_expires,omitempty"`
	OTPTries   int       `json:"otp_tries,omitempty"`
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// emptyEmail refuses an empty email, wherever one is asked for.
func emptyEmail() error { return refuse(ErrInvalid, "email is empty: type the account's email") }

func checkEmail(e string) (string, error) {
	e = strings.TrimSpace(e)
	if e == "" {
		return "", emptyEmail()
	}
	if err := checkPlain("email", e); err != nil {
		return "", err
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
		return "", refuse(ErrInvalid, "%q is not an email address like name@example.com", e)
	}
	return e, nil
}

func (s *Store) readAccount(txn *badger.Txn, email string) (accountRecord, bool, error) {
	var rec accountRecord
	item, err := txn.Get(emailKey(normEmail(email)))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	idb, err := item.ValueCopy(nil)
	if err != nil {
		return rec, false, err
	}
	if err := getJSON(txn, accountKey(binary.BigEndian.Uint64(idb)), &rec); err != nil {
		return rec, false, fmt.Errorf("account %s: %w", email, err)
	}
	return rec, true, nil
}

func (s *Store) readAccountByID(txn *badger.Txn, id uint64) (accountRecord, error) {
	var rec accountRecord
	err := getJSON(txn, accountKey(id), &rec)
	return rec, err
}

func links(txn *badger.Txn, id uint64) ([]UserRef, error) {
	var out []UserRef
	p := acctUserPrefix(id)
	err := scan(txn, p, false, func(k, _ []byte) error {
		rest := k[len(p):]
		out = append(out, UserRef{Panel: binary.BigEndian.Uint64(rest), Slot: int(binary.BigEndian.Uint32(rest[8:]))})
		return nil
	})
	return out, err
}

// noAccount refuses an email no account in the actor's units has.
func noAccount(email string) error {
	return refuse(ErrNotFound, "no account with email %q: check the address (guardroom account list)", email)
}

// noAccountInUnits refuses an account, as a console holds it, that is
// outside the actor's units (or its panel is).
func noAccountInUnits(acc Account) error {
	return refuse(ErrNotFound, "no account with email %q in your organization units", acc.Email)
}

// accountOp runs an operation on an existing account in the actor's scope.
func (s *Store) accountOp(a Actor, action, email string, body func(w *wtx, rec *accountRecord) error) error {
	w := s.begin(a, action, "account "+email)
	w.account = email
	return s.finish(w, func() error {
		rec, ok, err := s.readAccount(w.txn, email)
		if err != nil {
			return err
		}
		if ok && s.unitInScope(a, rec.Unit) { // else filed as for no account
			w.unit, w.account = rec.Unit, rec.Email
		}
		if err := a.need(PermManageAccounts); err != nil {
			return err
		}
		if strings.TrimSpace(email) == "" {
			return emptyEmail()
		}
		if !ok || !s.unitInScope(a, rec.Unit) {
			return noAccount(email)
		}
		return body(w, &rec)
	})
}

func (w *wtx) writeAccount(rec *accountRecord) {
	rec.Links = nil
	w.set(accountKey(rec.ID), rec)
	w.changed(Change{What: ChangeAccount, Account: rec.ID})
}

// newOTP makes a one-time code, stores its hash and expiry, and queues the
// mail that carries it. The plaintext lives only in that mail job.
func (w *wtx) newOTP(rec *accountRecord, subject, intro string) error {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return err
	}
	otp := fmt.Sprintf("%08d", n)
	rec.OTPHash = w.s.otpHash(rec.ID, otp)
	rec.OTPExpires = w.s.now().Add(OTPLifetime)
	rec.OTPTries = 0
	w.queueMail(rec.Unit, Mail{To: rec.Email, Subject: subject, Body: fmt.Sprintf(
		"%s\n\nYour one-time code is %s. It is valid until %s.\nIf you did not ask for this, tell your site's security office.\n",
		intro, otp, rec.OTPExpires.Format("15:04 Mon 2 Jan 2006"))})
	return nil
}

func (s *Store) otpHash(id uint64, otp string) []byte {
	m := hmac.New(sha256.New, s.codeKey)
	m.Write([]byte("otp"))
	m.Write(u64(id))
	m.Write([]byte(otp))
	return m.Sum(nil)
}

// CreateAccount creates a Not confirmed account and mails it a one-time code
// to set its password.
func (s *Store) CreateAccount(a Actor, email string, unit uint64) (Account, error) {
	var rec accountRecord
	w := s.begin(a, "account.create", "account "+email)
	w.account, w.unit = email, unit
	err := s.finish(w, func() error {
		if err := a.need(PermManageAccounts); err != nil {
			return err
		}
		if err := w.inScope(unit); err != nil {
			return err
		}
		e, err := checkEmail(email)
		if err != nil {
			return err
		}
		if _, ok, err := s.readAccount(w.txn, e); err != nil {
			return err
		} else if ok {
			return refuse(ErrDuplicate, "an account with email %s exists already (emails are compared without case)", e)
		}
		w.seqs.Account++
		rec = accountRecord{Account: Account{ID: w.seqs.Account, Email: e, Unit: unit, Status: StatusNotConfirmed, Created: s.now()}}
		if err := w.newOTP(&rec, "Your guardroom account", "An account was created for you."); err != nil {
			return err
		}
		w.setRaw(emailKey(normEmail(e)), u64(rec.ID))
		w.writeAccount(&rec)
		w.log(nil, map[string]string{"email": e, "status": string(rec.Status), "otp": otpQueued})
		return nil
	})
	return rec.Account, err
}

// otpQueued is what an account's log entry says of its one-time code: the
// mail is only queued in the outbox with the change; the mail.send entry
// says "sent" once the mail server took it.
const otpQueued = "queued for mail"

// ResetPassword mails a new one-time code. The old password stays valid
// until the OTP is used.
func (s *Store) ResetPassword(a Actor, email string) error {
	return s.accountOp(a, "account.reset-password", email, func(w *wtx, rec *accountRecord) error {
		if err := ruleReset(rec.Account); err != nil {
			return err
		}
		if err := w.newOTP(rec, "Reset your guardroom password", "A password reset was requested for your account."); err != nil {
			return err
		}
		w.writeAccount(rec)
		w.log(nil, map[string]string{"otp": otpQueued})
		return nil
	})
}

// ConfirmAccount checks a one-time code: a Not confirmed account becomes
// Active. Five wrong codes void the current one.
func (s *Store) ConfirmAccount(a Actor, email, otp string) error {
	var voided bool
	err := s.accountOp(a, "account.confirm", email, func(w *wtx, rec *accountRecord) error {
		if err := ruleConfirm(rec.Account); err != nil {
			return err
		}
		if rec.OTPHash == nil || !s.now().Before(rec.OTPExpires) {
			return refuse(ErrOTP, "account %s has no valid one-time code: send a new one with reset password", rec.Email)
		}
		if !hmac.Equal(rec.OTPHash, s.otpHash(rec.ID, strings.TrimSpace(otp))) {
			voided = true
			return refuse(ErrOTP, "the one-time code for %s is wrong: check it, or send a new one with reset password", rec.Email)
		}
		before := rec.Status
		rec.Status, rec.Confirmed = StatusActive, true
		rec.OTPHash, rec.OTPExpires, rec.OTPTries = nil, time.Time{}, 0
		w.writeAccount(rec)
		w.log(map[string]string{"status": string(before)}, map[string]string{"status": string(rec.Status), "password": "set from OTP"})
		return nil
	})
	if voided {
		// The refusal discarded the transaction; count the wrong try apart.
		if cerr := s.countOTPTry(email); cerr != nil {
			return errors.Join(err, cerr)
		}
	}
	return err
}

func (s *Store) countOTPTry(email string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.db.Update(func(txn *badger.Txn) error {
		rec, ok, err := s.readAccount(txn, email)
		if err != nil || !ok {
			return err
		}
		rec.OTPTries++
		if rec.OTPTries >= maxOTPTries {
			rec.OTPHash, rec.OTPExpires = nil, time.Time{}
		}
		return setJSON(txn, accountKey(rec.ID), rec)
	})
}

// SuspendAccount suspends an account: it loses access and cannot be newly
// assigned; existing links stay.
func (s *Store) SuspendAccount(a Actor, email string) error {
	return s.accountOp(a, "account.suspend", email, func(w *wtx, rec *accountRecord) error {
		if err := ruleSuspend(rec.Account); err != nil {
			return err
		}
		before := rec.Status
		rec.Status = StatusSuspended
		w.writeAccount(rec)
		w.log(map[string]string{"status": string(before)}, map[string]string{"status": string(rec.Status)})
		return nil
	})
}

// ReactivateAccount lifts a suspension: Active when a password was ever
// set, else Not confirmed.
func (s *Store) ReactivateAccount(a Actor, email string) error {
	return s.accountOp(a, "account.reactivate", email, func(w *wtx, rec *accountRecord) error {
		if err := ruleReactivate(rec.Account); err != nil {
			return err
		}
		rec.Status = StatusNotConfirmed
		if rec.Confirmed {
			rec.Status = StatusActive
		}
		w.writeAccount(rec)
		w.log(map[string]string{"status": string(StatusSuspended)}, map[string]string{"status": string(rec.Status)})
		return nil
	})
}

// RemoveAccount deletes the account entirely and unlinks it from every
// panel user. It cannot be undone.
func (s *Store) RemoveAccount(a Actor, email string) error {
	return s.accountOp(a, "account.remove", email, func(w *wtx, rec *accountRecord) error {
		ls, err := links(w.txn, rec.ID)
		if err != nil {
			return err
		}
		inScope := s.panelScope(w.txn, a)
		for _, l := range ls {
			if !inScope(l.Panel) {
				return refuse(ErrPermission, "account %s is also assigned to panel users outside your organization units: an operator granted those must unassign it there first", rec.Email)
			}
		}
		for _, l := range ls {
			var p Panel
			if err := getJSON(w.txn, panelKey(l.Panel), &p); err != nil {
				return err
			}
			u, err := readUser(w.txn, p, l.Slot)
			if err != nil {
				return err
			}
			u.Account = 0
			w.writeUser(&u)
			w.del(acctUserKey(rec.ID, l.Panel, l.Slot))
		}
		w.del(accountKey(rec.ID))
		w.del(emailKey(normEmail(rec.Email)))
		w.changed(Change{What: ChangeAccount, Account: rec.ID})
		w.log(map[string]string{"email": rec.Email, "status": string(rec.Status), "links": fmt.Sprint(len(ls))}, map[string]string{"account": "removed"})
		return nil
	})
}

// AssignAccount links an account, picked by its exact email, to a panel user
// with a code. The checks follow 003's troubleshooting list, in its order.
func (s *Store) AssignAccount(a Actor, email string, panel uint64, slot int) error {
	w := s.begin(a, "account.assign", fmt.Sprintf("panel %d user %d", panel, slot))
	w.account, w.panel, w.slot = email, panel, slot
	return s.finish(w, func() error {
		w.atPanel(panel, fmt.Sprintf(" user %d", slot))
		if strings.TrimSpace(email) == "" {
			return refuse(ErrInvalid, "the email field is empty: type the account's email and pick it from the suggestions")
		}
		if err := a.need(PermManageAccounts); err != nil {
			return err
		}
		rec, ok, err := s.readAccount(w.txn, email)
		if err != nil {
			return err
		}
		if !ok || !s.unitInScope(a, rec.Unit) {
			return refuse(ErrNotFound, "no account has the email %q: pick an existing account from the suggestions", strings.TrimSpace(email))
		}
		w.account = rec.Email
		if err := ruleAccountActive(rec.Account); err != nil {
			return err
		}
		if panel == 0 || slot == 0 {
			return refuse(ErrInvalid, "no panel user picked: choose the panel user who gets the account")
		}
		p, u, err := s.readPanelUser(w.txn, a, panel, slot)
		if err != nil {
			return err
		}
		held := "an account"
		if u.CodeSet && u.Account != 0 {
			if u.Account == rec.ID {
				return refuse(ErrState, "account %s is assigned to panel user %d already", rec.Email, slot)
			}
			other, err := s.readAccountByID(w.txn, u.Account)
			if err != nil {
				return err
			}
			held = "an account outside your organization units"
			if s.unitInScope(a, other.Unit) {
				held = "account " + other.Email
			}
		}
		if err := ruleAssign(p, u, held); err != nil {
			return err
		}
		ls, err := links(w.txn, rec.ID)
		if err != nil {
			return err
		}
		if err := ruleOneUserPerPanel(rec.Account, ls, p); err != nil {
			return err
		}
		u.Account = rec.ID
		w.writeUser(&u)
		w.setRaw(acctUserKey(rec.ID, panel, slot), nil)
		w.changed(Change{What: ChangeAccount, Account: rec.ID})
		w.log(map[string]string{"account": "-"}, map[string]string{"account": rec.Email})
		return nil
	})
}

func ruleAccountActive(acc Account) error {
	if acc.Status == StatusSuspended {
		return refuse(ErrSuspended, "account %s is suspended and cannot be assigned: reactivate it first", acc.Email)
	}
	return nil
}

func ruleOneUserPerPanel(acc Account, links []UserRef, p Panel) error {
	for _, l := range links {
		if l.Panel == p.ID {
			return refuse(ErrState, "account %s is assigned to panel user %d of %s already: one account holds one user per panel", acc.Email, l.Slot, p.Name)
		}
	}
	return nil
}

// CheckAssign reports whether the actor may assign account acc (as
// ListAccounts returns it, with its links) to a user of panel p, with the
// refusal AssignAccount would return about the account: suspended, or
// holding a user of p already. The console's suggestions show it.
func (s *Store) CheckAssign(a Actor, acc Account, p Panel) error {
	if err := a.need(PermManageAccounts); err != nil {
		return err
	}
	if !s.unitInScope(a, p.Unit) || !s.unitInScope(a, acc.Unit) {
		return noAccountInUnits(acc)
	}
	if err := ruleAccountActive(acc); err != nil {
		return err
	}
	return ruleOneUserPerPanel(acc, acc.Links, p)
}

// UnassignAccount removes the link between a panel user and its account;
// the account itself stays.
func (s *Store) UnassignAccount(a Actor, panel uint64, slot int) error {
	return s.userOp(a, PermManageAccounts, "account.unassign", panel, slot, func(w *wtx, p Panel, u *PanelUser) error {
		if err := ruleHasAccount(p, *u, " to unassign"); err != nil {
			return err
		}
		rec, err := s.readAccountByID(w.txn, u.Account)
		if err != nil {
			return err
		}
		// The user is the actor's to change; an account another unit's
		// operator assigned to it is unlinked without being named.
		name := "an account outside your organization units"
		if s.unitInScope(a, rec.Unit) {
			name, w.account = rec.Email, rec.Email
		}
		w.del(acctUserKey(u.Account, panel, slot))
		u.Account = 0
		w.writeUser(u)
		w.changed(Change{What: ChangeAccount, Account: rec.ID})
		w.log(map[string]string{"account": name}, map[string]string{"account": "-"})
		return nil
	})
}

// ListAccounts returns the accounts in the actor's scope with their links
// to panel users in the actor's scope, by email.
func (s *Store) ListAccounts(a Actor) ([]Account, error) {
	if err := needAccounts(a); err != nil {
		return nil, err
	}
	var out []Account
	err := s.db.View(func(txn *badger.Txn) error {
		inScope := s.panelScope(txn, a)
		return scan(txn, pAccount, true, func(_, v []byte) error {
			var rec accountRecord
			if err := jsonUnmarshal(v, &rec); err != nil {
				return err
			}
			acc, ok, err := s.visibleAccount(txn, a, inScope, rec)
			if ok {
				out = append(out, acc)
			}
			return err
		})
	})
	sort.Slice(out, func(i, j int) bool { return normEmail(out[i].Email) < normEmail(out[j].Email) })
	return out, err
}

// AccountsByID returns the accounts of ids that exist in the actor's scope,
// as ListAccounts shows them: what a console that holds the accounts reads
// again after a change (an id missing from the answer was removed, or is
// out of scope).
func (s *Store) AccountsByID(a Actor, ids []uint64) (map[uint64]Account, error) {
	if err := needAccounts(a); err != nil {
		return nil, err
	}
	out := make(map[uint64]Account, len(ids))
	err := s.db.View(func(txn *badger.Txn) error {
		inScope := s.panelScope(txn, a)
		for _, id := range ids {
			rec, err := s.readAccountByID(txn, id)
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			acc, ok, err := s.visibleAccount(txn, a, inScope, rec)
			if err != nil {
				return err
			}
			if ok {
				out[id] = acc
			}
		}
		return nil
	})
	return out, err
}

// needAccounts is the permission to read accounts: managing them, or
// seeing the panel users they are linked to.
func needAccounts(a Actor) error {
	if err := a.need(PermManageAccounts); err != nil {
		if err2 := a.need(PermViewPanelUsers); err2 != nil {
			return err
		}
	}
	return nil
}

// visibleAccount is rec as the actor may see it (ok false: out of scope),
// with its links to the panel users in scope.
func (s *Store) visibleAccount(txn *badger.Txn, a Actor, inScope func(uint64) bool, rec accountRecord) (Account, bool, error) {
	if !s.unitInScope(a, rec.Unit) {
		return Account{}, false, nil
	}
	ls, err := links(txn, rec.ID)
	if err != nil {
		return Account{}, false, err
	}
	for _, l := range ls {
		if inScope(l.Panel) {
			rec.Links = append(rec.Links, l)
		}
	}
	return rec.Account, true, nil
}

// GetAccount returns the account with exactly this email (any case).
func (s *Store) GetAccount(a Actor, email string) (Account, error) {
	accts, err := s.ListAccounts(a)
	if err != nil {
		return Account{}, err
	}
	for _, acc := range accts {
		if normEmail(acc.Email) == normEmail(email) {
			return acc, nil
		}
	}
	return Account{}, noAccount(email)
}

// SuggestAccounts returns accounts whose email contains text, for the
// assign dialog's suggestions (suspended ones included, marked by Status).
func (s *Store) SuggestAccounts(a Actor, text string, limit int) ([]Account, error) {
	accts, err := s.ListAccounts(a)
	if err != nil {
		return nil, err
	}
	text = normEmail(text)
	var out []Account
	for _, acc := range accts {
		if strings.Contains(normEmail(acc.Email), text) {
			out = append(out, acc)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}
