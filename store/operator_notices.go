package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Notice is a security event an operator is shown at their next login: a
// password change, a second factor enrolled or reset, a lockout, a new SSH
// key. It is also logged, and mailed when the operator has an email.
type Notice struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Event  string    `json:"event"`
	Detail string    `json:"detail"`
}

func noticePrefix(username string) []byte { return k(pNotice, []byte(username), []byte("/")) }
func noticeKey(username string, seq uint64) []byte {
	return k(noticePrefix(username), u64(seq))
}

// securityEvent records a security event about operator o in w's
// transaction: its own log entry, a notice for o, and a mail to o when they
// have an email address (it waits in the outbox until SMTP is set up).
func (s *Store) securityEvent(w *wtx, o Operator, event, detail string) {
	w.seqs.Notice++
	n := Notice{Seq: w.seqs.Notice, Time: s.now(), Event: event, Detail: detail}
	w.set(noticeKey(o.Username, n.Seq), n)
	after := map[string]string{"operator": o.Username, "event": event, "detail": detail}
	if o.Email != "" {
		w.queueMail(opUnit(o), Mail{To: o.Email, Subject: "guardroom security notice: " + event,
			Body: fmt.Sprintf("%s\n\nTime: %s\n\nIf this was not you or someone you asked, tell your guardroom administrator at once.\n",
				detail, n.Time.Local().Format("2006-01-02 15:04 MST"))})
		after["mail queued to"] = o.Email
	}
	saved := w.action
	w.action = "security." + strings.ReplaceAll(strings.ToLower(event), " ", "-")
	w.appendLog(nil, after, "ok")
	w.action = saved
}

// Notices returns the security notices the actor has not dismissed,
// oldest first.
func (s *Store) Notices(a Actor) ([]Notice, error) {
	if a.internal {
		return nil, nil
	}
	var out []Notice
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, noticePrefix(a.name), true, func(_, v []byte) error {
			var n Notice
			if err := json.Unmarshal(v, &n); err != nil {
				return err
			}
			out = append(out, n)
			return nil
		})
	})
	return out, err
}

// DismissNotices removes the actor's notices up to and including seq,
// once they have been shown.
func (s *Store) DismissNotices(a Actor, upTo uint64) error {
	if err := a.valid(); err != nil {
		return err
	}
	w := s.begin(a, "operator.notices-seen", "operator "+a.name)
	return s.finish(w, func() error {
		n := 0
		err := scan(w.txn, noticePrefix(a.name), false, func(key, _ []byte) error {
			seq := binary.BigEndian.Uint64(key[len(key)-8:])
			if seq <= upTo {
				w.del(append([]byte(nil), key...))
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n > 0 {
			w.log(nil, map[string]string{"notices seen": fmt.Sprint(n)})
		}
		return nil
	})
}

func (s *Store) dropNotices(w *wtx, username string) error {
	return scan(w.txn, noticePrefix(username), false, func(key, _ []byte) error {
		w.del(append([]byte(nil), key...))
		return nil
	})
}

// RecordSession logs the start or end of a console session (over SSH or on
// the local terminal) with where it came from. An SSH session's start is
// the operator's login (the key was the password): it sets Last login.
func (s *Store) RecordSession(a Actor, action string, detail map[string]string) error {
	switch action {
	case "ssh.start", "ssh.end", "console.start", "console.end":
	default:
		return fmt.Errorf("not a session event: %q", action)
	}
	w := s.begin(a, action, "operator "+a.name)
	return s.finish(w, func() error {
		if action == "ssh.start" && !a.internal {
			r, ok, err := readOperator(w.txn, a.name)
			if err != nil {
				return err
			}
			if ok {
				w.unit = opUnit(r.Operator)
				r.LastLogin = s.now()
				w.set(operatorKey(a.name), r)
			}
		}
		w.log(nil, detail)
		return nil
	})
}

// DemoLogin is an operator of the demo site and its password, shown on the
// demo's login screen so a newcomer can try each role.
type DemoLogin struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// SetDemoLogins marks the database as the demo site: it sets each demo
// operator's password (no change asked at login) and keeps the passwords
// for the login screen. Only the store's own work (the demo builder) may.
func (s *Store) SetDemoLogins(a Actor, logins []DemoLogin) error {
	if !a.internal {
		return refuse(ErrPermission, "only the demo builder may set demo logins")
	}
	w := s.begin(a, "demo.logins", "demo site")
	return s.finish(w, func() error {
		for _, l := range logins {
			r, ok, err := readOperator(w.txn, l.Username)
			if err != nil {
				return err
			}
			if !ok {
				return refuse(ErrNotFound, "no operator %q", l.Username)
			}
			if err := checkPassword(l.Username, l.Password); err != nil {
				return err
			}
			if r.Hash, err = hashPassword(l.Password); err != nil {
				return err
			}
			r.MustChange, r.PasswordSet = false, s.now()
			w.set(operatorKey(l.Username), r)
		}
		w.set(kDemoLogins, logins)
		w.log(nil, map[string]string{"operators": fmt.Sprint(len(logins))})
		return nil
	})
}

// DemoLogins returns the demo site's operators and passwords; nothing on a
// real site.
func (s *Store) DemoLogins() []DemoLogin {
	var out []DemoLogin
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, kDemoLogins, &out) })
	if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	return out
}
