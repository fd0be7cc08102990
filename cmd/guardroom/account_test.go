package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

func TestAccountCommands(t *testing.T) {
	s := newSite(t).withPanel()
	s.ok("2580\n", "user", "set-code", "1", "7")
	s.ok("3690\n", "user", "set-code", "1", "8")
	steps := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"create", "", []string{"account", "create", "Ann@Example.com", "--unit", "HQ"}, 0, "Account Ann@Example.com created in Organization / HQ (status: Not confirmed)"},
		{"create other", "", []string{"account", "create", "bob@example.com"}, 0, "created in Organization"},
		{"duplicate", "", []string{"account", "create", "ann@example.com"}, 1, "exists already"},
		{"bad email", "", []string{"account", "create", "not-an-email"}, 1, "is not an email address"},
		{"assign unknown", "", []string{"account", "assign", "ann@example.org", "1", "7"}, 1, "accounts like it: Ann@Example.com"},
		{"assign no code", "", []string{"account", "assign", "ann@example.com", "1", "9"}, 1, "has no code; set a code first"},
		{"assign", "", []string{"account", "assign", "ann@example.com", "1", "7"}, 0, "is assigned account"},
		{"assign twice", "", []string{"account", "assign", "bob@example.com", "1", "7"}, 1, "unassign it first"},
		{"suspend", "", []string{"account", "suspend", "bob@example.com"}, 0, "is suspended (status: Suspended)"},
		{"suspend again", "", []string{"account", "suspend", "bob@example.com"}, 1, "suspended already"},
		{"assign suspended", "", []string{"account", "assign", "bob@example.com", "1", "8"}, 1, "is suspended and cannot be assigned"},
		{"reset suspended", "", []string{"account", "reset-password", "bob@example.com"}, 1, "reactivate it"},
		{"reactivate", "", []string{"account", "reactivate", "bob@example.com"}, 0, "status: Not confirmed"},
		{"reactivate active", "", []string{"account", "reactivate", "bob@example.com"}, 1, "not suspended"},
		{"reset-password", "", []string{"account", "reset-password", "ann@example.com"}, 0, "old password stays valid"},
		{"confirm wrong otp", "00000000\n", []string{"account", "confirm", "ann@example.com"}, 1, "one-time code for Ann@Example.com is wrong"},
		{"confirm no otp", "", []string{"account", "confirm", "ann@example.com"}, 1, "no one-time code given"},
		{"show unknown", "", []string{"account", "show", "zed@example.com"}, 1, "no account with email"},
		{"unassign", "", []string{"account", "unassign", "1", "7"}, 0, "has no account now"},
		{"unassign none", "", []string{"account", "unassign", "1", "7"}, 1, "no account to unassign"},
		{"assign again", "", []string{"account", "assign", "ann@example.com", "1", "7"}, 0, "is assigned"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := s.run(st.stdin, st.args...)
			out := r.stdout
			if st.code != 0 {
				out = r.stderr
			}
			if r.code != st.code || !strings.Contains(out, st.want) {
				t.Fatalf("want exit %d and %q, got %s", st.code, st.want, r)
			}
		})
	}

	var accts []accountJSON
	s.jsonOut(&accts, "account", "list")
	if len(accts) != 2 || accts[0].Email != "Ann@Example.com" || len(accts[0].Links) != 1 || accts[0].Links[0].Slot != 7 || accts[1].Links == nil {
		t.Errorf("account list --json: %+v", accts)
	}
	r := s.ok("", "account", "list")
	if !strings.Contains(r.stdout, "Main office user 7") {
		t.Errorf("account list:\n%s", r.stdout)
	}
	// The created time is on the 24-hour clock, to the second, as the
	// console shows it, wherever the CLI prints it (issue 13 item 12).
	created := accts[0].Created.Local().Format("2006-01-02 15:04:05")
	for _, args := range [][]string{
		{"account", "list"},
		{"account", "show", "ann@example.com"},
		{"user", "list", "1", "--wide"},
		{"user", "show", "1", "7"},
	} {
		t.Run("created "+strings.Join(args, " "), func(t *testing.T) {
			out := s.ok("", args...).stdout
			if !strings.Contains(out, created) || strings.Contains(out, " AM ") || strings.Contains(out, " PM ") {
				t.Errorf("want the created time %q on the 24-hour clock, got:\n%s", created, out)
			}
		})
	}
	var a accountJSON
	s.jsonOut(&a, "account", "show", "ann@example.com")
	if a.MailWaiting == nil || *a.MailWaiting != 2 || a.Status != "Not confirmed" {
		t.Errorf("account show --json: %+v", a)
	}
	u := s.user("1", "7")
	if u.Account == nil || *u.Account != "Ann@Example.com" || u.Status != "Not confirmed" || u.AccountCreated == nil {
		t.Errorf("user 7: %+v", u)
	}
	if r := s.ok("", "user", "list", "1", "--with-code"); !strings.Contains(r.stdout, "Ann@Example.com") {
		t.Errorf("user list shows no account:\n%s", r.stdout)
	}

	// Remove needs a confirmation; without a terminal, --confirm.
	s.fail(2, "add --confirm", "Ann@Example.com\n", "account", "remove", "ann@example.com")
	s.fail(1, "does not match", "", "account", "remove", "ann@example.com", "--confirm", "bob@example.com")
	s.ok("", "account", "show", "ann@example.com")
	r = s.ok("", "account", "remove", "ann@example.com", "--confirm", "ann@example.com")
	if !strings.Contains(r.stdout, "unlinked from 1 panel user") {
		t.Errorf("remove: %s", r)
	}
	s.fail(1, "no account with email", "", "account", "show", "ann@example.com")
	if u := s.user("1", "7"); u.Account != nil || u.Status != "Unknown" {
		t.Errorf("user 7 still linked: %+v", u)
	}
}

// otpFor reads the one-time code from the account's mail in the outbox, as
// the mail sender would.
func (s *site) otpFor(email string) string {
	s.t.Helper()
	key, err := store.ReadKey(s.key)
	if err != nil {
		s.t.Fatal(err)
	}
	st, err := store.Open(store.Config{Dir: s.data, Key: key})
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	jobs, err := st.DueJobs(st.Internal("test"), 0)
	if err != nil {
		s.t.Fatal(err)
	}
	otp := ""
	for _, j := range jobs {
		if j.Mail != nil && j.Mail.To == email {
			if m := regexp.MustCompile(`one-time code is (\d+)`).FindStringSubmatch(j.Mail.Body); m != nil {
				otp = m[1]
			}
		}
	}
	if otp == "" {
		s.t.Fatalf("no mail with a one-time code for %s", email)
	}
	return otp
}

func TestAccountConfirm(t *testing.T) {
	s := newSite(t)
	s.ok("", "account", "create", "ann@example.com")
	otp := s.otpFor("ann@example.com")
	r := s.ok(otp+"\n", "account", "confirm", "ann@example.com")
	if !strings.Contains(r.stdout, "status: Active") || strings.Contains(r.stdout+r.stderr, otp) {
		t.Errorf("confirm: %s", r)
	}
	// Used up: the same code is refused.
	s.fail(1, "no valid one-time code", otp+"\n", "account", "confirm", "ann@example.com")
	var log []store.Entry
	s.jsonOut(&log, "log", "list", "--limit", "0")
	b := s.ok("", "log", "list", "--limit", "0")
	if strings.Contains(b.stdout, otp) || len(log) == 0 {
		t.Error("the one-time code is in the log")
	}
}
