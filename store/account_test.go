package store

import (
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// TestAssignAccountTroubleshooting walks 003's "Assign account is not
// successful" causes, each of which must give its own precise refusal.
func TestAssignAccountTroubleshooting(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2064")
	f.setCode(p, 2, "2580")
	f.setCode(p, 3, "3691")
	f.setCode(p, 4, "4826")
	f.account("ann@example.com")
	f.account("annabel@example.com")
	f.account("sue@example.com")
	fxWant(t, f.s.SuspendAccount(f.admin, "sue@example.com"), nil)
	guard := f.operator(RoleGuard)
	installer := f.operator(RoleInstaller)
	auditor := f.operator(RoleAuditor)
	supervisor := f.operator(RoleSupervisor)

	cases := []struct {
		name  string
		actor Actor
		email string
		panel uint64
		slot  int
		kind  error
		msg   string
	}{
		{"email empty", f.admin, "", p.ID, 2, ErrInvalid, "the email field is empty"},
		{"email blank", f.admin, "   ", p.ID, 2, ErrInvalid, "the email field is empty"},
		{"email prefix is not picked", f.admin, "ann@", p.ID, 2, ErrNotFound, "no account has the email \"ann@\": pick an existing account from the suggestions"},
		{"email prefix of another", f.admin, "ann", p.ID, 2, ErrNotFound, "pick an existing account"},
		{"email typo", f.admin, "ann@exampel.com", p.ID, 2, ErrNotFound, "pick an existing account"},
		{"email with extra letter", f.admin, "ann@example.comm", p.ID, 2, ErrNotFound, "pick an existing account"},
		{"suspended account", f.admin, "sue@example.com", p.ID, 2, ErrSuspended, "account sue@example.com is suspended and cannot be assigned"},
		{"user not picked", f.admin, "ann@example.com", p.ID, 0, ErrInvalid, "no panel user picked"},
		{"panel not picked", f.admin, "ann@example.com", 0, 2, ErrInvalid, "no panel user picked"},
		{"guard lacks permission", guard, "ann@example.com", p.ID, 2, ErrPermission, `does not have the "manage accounts" permission`},
		{"installer lacks permission", installer, "ann@example.com", p.ID, 2, ErrPermission, `"manage accounts"`},
		{"auditor lacks permission", auditor, "ann@example.com", p.ID, 2, ErrPermission, `"manage accounts"`},
		{"user without code", f.admin, "ann@example.com", p.ID, 5, ErrNoCode, "account cannot be assigned: panel user 5 of " + p.Name + " has no code; set a code first"},
		{"slot past the end", f.admin, "ann@example.com", p.ID, 96, ErrNotFound, "user slots 1-95"},
		{"panel missing", f.admin, "ann@example.com", 999, 2, ErrNotFound, "no panel 999"},
		{"exact email in another case", supervisor, "  ANN@Example.COM ", p.ID, 2, nil, ""},
		{"same account again", f.admin, "ann@example.com", p.ID, 2, ErrState, "is assigned to panel user 2 already"},
		{"same account on another user of the panel", f.admin, "ann@example.com", p.ID, 3, ErrState, "one account holds one user per panel"},
		{"user has another account", f.admin, "annabel@example.com", p.ID, 2, ErrState, "has account ann@example.com already: unassign it first"},
		{"other account on another user", f.admin, "annabel@example.com", p.ID, 3, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			before := f.logSeq()
			err := f.s.AssignAccount(c.actor, c.email, c.panel, c.slot)
			fxWant(t, err, c.kind, c.msg)
			e := f.lastLog()
			if e.Seq != before+1 || e.Action != "account.assign" {
				t.Fatalf("log entry %d %s, want %d account.assign", e.Seq, e.Action, before+1)
			}
			if c.kind != nil && e.Result != "refused: "+err.Error() {
				t.Fatalf("log result %q", e.Result)
			}
		})
	}
	t.Run("grid shows the accounts", func(t *testing.T) {
		f := f.at(t)
		ann, bel := f.getAccount("ann@example.com"), f.getAccount("annabel@example.com")
		if u := f.user(p, 2); u.Account != ann.ID {
			t.Errorf("user 2 account %d, want %d", u.Account, ann.ID)
		}
		if u := f.user(p, 3); u.Account != bel.ID {
			t.Errorf("user 3 account %d, want %d", u.Account, bel.ID)
		}
		if u := f.user(p, 4); u.Account != 0 {
			t.Errorf("user 4 account %d", u.Account)
		}
		if len(ann.Links) != 1 || ann.Links[0] != (UserRef{Panel: p.ID, Slot: 2}) {
			t.Errorf("ann links %v", ann.Links)
		}
		if ann.Email != "ann@example.com" || ann.Status != StatusNotConfirmed || !ann.Created.Equal(f.clk.Now()) {
			t.Errorf("ann = %+v", ann)
		}
	})
	t.Run("suspending keeps an existing link", func(t *testing.T) {
		f := f.at(t)
		fxWant(t, f.s.SuspendAccount(f.admin, "ann@example.com"), nil)
		if u := f.user(p, 2); u.Account == 0 {
			t.Fatalf("suspension unlinked the account")
		}
		q := f.panel("neo-hs2064")
		f.setCode(q, 2, "2580")
		fxWant(t, f.s.AssignAccount(f.admin, "ann@example.com", q.ID, 2), ErrSuspended)
	})
}

func TestUnassignAndRemoveAccount(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2064")
	q := f.panel("qolsys-iq4")
	f.setCode(p, 2, "2580")
	f.setCode(p, 3, "3691")
	f.setCode(q, 7, "2580")
	ann := f.account("ann@example.com")
	f.account("bob@example.com")
	fxWant(t, f.s.AssignAccount(f.admin, "ann@example.com", p.ID, 2), nil)
	fxWant(t, f.s.AssignAccount(f.admin, "ann@example.com", q.ID, 7), nil)
	fxWant(t, f.s.AssignAccount(f.admin, "bob@example.com", p.ID, 3), nil)

	t.Run("unassign", func(t *testing.T) {
		f := f.at(t)
		fxWant(t, f.s.UnassignAccount(f.admin, p.ID, 3), nil)
		if u := f.user(p, 3); u.Account != 0 || !u.CodeSet {
			t.Fatalf("user 3 after unassign: %v", u)
		}
		bob := f.getAccount("bob@example.com")
		if len(bob.Links) != 0 || bob.Status != StatusNotConfirmed {
			t.Fatalf("bob after unassign: %+v", bob)
		}
		e := f.lastLog()
		if e.Action != "account.unassign" || e.Account != "bob@example.com" || e.Before["account"] != "bob@example.com" || e.After["account"] != "-" {
			t.Fatalf("log entry %+v", e)
		}
	})
	t.Run("unassign twice", func(t *testing.T) {
		fxWant(t, f.s.UnassignAccount(f.admin, p.ID, 3), ErrState, "has no account to unassign")
	})
	t.Run("unassign user without code", func(t *testing.T) {
		fxWant(t, f.s.UnassignAccount(f.admin, p.ID, 9), ErrState, "no account")
	})
	t.Run("account can be reassigned", func(t *testing.T) {
		fxWant(t, f.s.AssignAccount(f.admin, "bob@example.com", p.ID, 3), nil)
	})
	t.Run("remove deletes the account and every link", func(t *testing.T) {
		f := f.at(t)
		fxWant(t, f.s.RemoveAccount(f.admin, "ANN@example.com"), nil)
		if u := f.user(p, 2); u.Account != 0 || !u.CodeSet {
			t.Errorf("panel %d user 2: %v", p.ID, u)
		}
		if u := f.user(q, 7); u.Account != 0 || !u.CodeSet {
			t.Errorf("panel %d user 7: %v", q.ID, u)
		}
		if u := f.user(p, 3); u.Account == 0 {
			t.Errorf("bob was unlinked too")
		}
		_, err := f.s.GetAccount(f.admin, "ann@example.com")
		fxWant(t, err, ErrNotFound)
		accts, _ := f.s.ListAccounts(f.admin)
		if len(accts) != 1 || accts[0].Email != "bob@example.com" {
			t.Errorf("accounts after remove: %+v", accts)
		}
		err = f.s.db.View(func(txn *badger.Txn) error {
			for _, key := range [][]byte{accountKey(ann.ID), emailKey("ann@example.com")} {
				if ok, err := exists(txn, key); err != nil || ok {
					t.Errorf("key %q left behind (%v)", key, err)
				}
			}
			return scan(txn, acctUserPrefix(ann.ID), false, func(k, _ []byte) error {
				t.Errorf("link index %x left behind", k)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		e := f.lastLog()
		if e.Action != "account.remove" || e.Before["links"] != "2" || e.After["account"] != "removed" {
			t.Errorf("log entry %+v", e)
		}
	})
	t.Run("removed account cannot be used", func(t *testing.T) {
		fxWant(t, f.s.AssignAccount(f.admin, "ann@example.com", p.ID, 2), ErrNotFound, "pick an existing account")
		fxWant(t, f.s.RemoveAccount(f.admin, "ann@example.com"), ErrNotFound, "no account with email")
		fxWant(t, f.s.ResetPassword(f.admin, "ann@example.com"), ErrNotFound)
	})
	t.Run("removed email can be registered again", func(t *testing.T) {
		f := f.at(t)
		again := f.account("ann@example.com")
		if again.ID == ann.ID || again.Status != StatusNotConfirmed {
			t.Fatalf("recreated account %+v", again)
		}
		fxWant(t, f.s.AssignAccount(f.admin, "ann@example.com", p.ID, 2), nil)
	})
}

func TestCreateAccount(t *testing.T) {
	f := newFx(t)
	f.account("Ann@Example.com")
	cases := []struct {
		name  string
		email string
		unit  uint64
		kind  error
		msg   string
	}{
		{"duplicate in another case", "ann@example.COM", RootUnit, ErrDuplicate, "exists already (emails are compared without case)"},
		{"duplicate with spaces", "  ann@example.com ", RootUnit, ErrDuplicate, "exists already"},
		{"empty", "", RootUnit, ErrInvalid, "email is empty"},
		{"no at sign", "ann.example.com", RootUnit, ErrInvalid, "is not an email address"},
		{"no domain dot", "ann@example", RootUnit, ErrInvalid, "is not an email address"},
		{"display name", "Ann <ann2@example.com>", RootUnit, ErrInvalid, "is not an email address"},
		{"angle brackets", "<ann3@example.com>", RootUnit, ErrInvalid, "is not an email address"},
		{"comment", "ann4@example.com (Ann)", RootUnit, ErrInvalid, "is not an email address"},
		{"two at signs", "ann@@example.com", RootUnit, ErrInvalid, "is not an email address"},
		{"space inside", "ann smith@example.com", RootUnit, ErrInvalid, "is not an email address"},
		{"unit outside scope", "carl@example.com", 999, ErrPermission, "outside your organization units"},
		{"valid", "bob.smith+alarm@example.co.uk", RootUnit, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acc, err := f.s.CreateAccount(f.admin, c.email, c.unit)
			fxWant(t, err, c.kind, c.msg)
			if c.kind == nil && (acc.Email != strings.TrimSpace(c.email) || acc.Status != StatusNotConfirmed || acc.Confirmed || acc.ID == 0) {
				t.Fatalf("created %+v", acc)
			}
		})
	}
	t.Run("email keeps its case", func(t *testing.T) {
		f := f.at(t)
		if acc := f.getAccount("ANN@EXAMPLE.COM"); acc.Email != "Ann@Example.com" {
			t.Fatalf("email = %q", acc.Email)
		}
	})
	t.Run("create mails a one-time code", func(t *testing.T) {
		jobs, err := f.s.ListJobs(f.admin, JobFilter{Kind: JobMail})
		if err != nil || len(jobs) != 2 {
			t.Fatalf("mail jobs: %v %d", err, len(jobs))
		}
		if jobs[0].Mail.To != "Ann@Example.com" || jobs[0].Mail.Body != "(hidden)" || jobs[0].State != JobPending {
			t.Fatalf("mail job %+v %+v", jobs[0], *jobs[0].Mail)
		}
	})
}

func TestAccountStatus(t *testing.T) {
	f := newFx(t)
	f.account("ann@example.com")
	f.account("bob@example.com")
	status := func(email string) AccountStatus { return f.getAccount(email).Status }

	type step struct {
		name string
		op   func() error
		kind error
		msg  string
		want AccountStatus
	}
	confirm := func(email string) func() error {
		return func() error { return f.s.ConfirmAccount(f.admin, email, f.otp(email)) }
	}
	suspend := func(email string) func() error { return func() error { return f.s.SuspendAccount(f.admin, email) } }
	reactivate := func(email string) func() error { return func() error { return f.s.ReactivateAccount(f.admin, email) } }
	reset := func(email string) func() error { return func() error { return f.s.ResetPassword(f.admin, email) } }

	t.Run("confirmed account", func(t *testing.T) {
		for _, st := range []step{
			{"new is not confirmed", func() error { return nil }, nil, "", StatusNotConfirmed},
			{"reactivate active", reactivate("ann@example.com"), ErrState, "is Not confirmed, not suspended", StatusNotConfirmed},
			{"confirm with OTP", confirm("ann@example.com"), nil, "", StatusActive},
			{"confirm again: OTP used", confirm("ann@example.com"), ErrOTP, "has no valid one-time code", StatusActive},
			{"suspend", suspend("ann@example.com"), nil, "", StatusSuspended},
			{"suspend twice", suspend("ann@example.com"), ErrState, "is suspended already", StatusSuspended},
			{"reset on suspended", reset("ann@example.com"), ErrSuspended, "reactivate it before resetting its password", StatusSuspended},
			{"reactivate", reactivate("ann@example.com"), nil, "", StatusActive},
			{"reactivate twice", reactivate("ann@example.com"), ErrState, "is Active, not suspended", StatusActive},
			{"reset on active", reset("ann@example.com"), nil, "", StatusActive},
			{"confirm reset OTP", confirm("ann@example.com"), nil, "", StatusActive},
		} {
			t.Run(st.name, func(t *testing.T) {
				fxWant(t, st.op(), st.kind, st.msg)
				if got := status("ann@example.com"); got != st.want {
					t.Fatalf("status = %s, want %s", got, st.want)
				}
			})
		}
	})
	t.Run("unconfirmed account", func(t *testing.T) {
		f := f.at(t)
		for _, st := range []step{
			{"suspend unconfirmed", suspend("bob@example.com"), nil, "", StatusSuspended},
			{"confirm while suspended", confirm("bob@example.com"), ErrSuspended, "reactivate it first", StatusSuspended},
			{"reactivate returns to not confirmed", reactivate("bob@example.com"), nil, "", StatusNotConfirmed},
			{"confirm after reactivation", confirm("bob@example.com"), nil, "", StatusActive},
		} {
			t.Run(st.name, func(t *testing.T) {
				fxWant(t, st.op(), st.kind, st.msg)
				if got := status("bob@example.com"); got != st.want {
					t.Fatalf("status = %s, want %s", got, st.want)
				}
			})
		}
		if !f.getAccount("bob@example.com").Confirmed {
			t.Fatalf("Confirmed not set")
		}
	})
	t.Run("missing account", func(t *testing.T) {
		fxWant(t, f.s.SuspendAccount(f.admin, "nobody@example.com"), ErrNotFound, `no account with email "nobody@example.com"`)
		fxWant(t, f.s.ReactivateAccount(f.admin, "ann@example"), ErrNotFound)
		fxWant(t, f.s.ConfirmAccount(f.admin, "", "12345678"), ErrInvalid, "email is empty")
	})
}

func TestOTP(t *testing.T) {
	t.Run("reset queues a redacted mail whose OTP confirms", func(t *testing.T) {
		f := newFx(t)
		f.account("ann@example.com")
		first := f.otp("ann@example.com")
		fxWant(t, f.s.ResetPassword(f.admin, "Ann@Example.com"), nil)
		jobs, err := f.s.ListJobs(f.admin, JobFilter{Kind: JobMail})
		if err != nil || len(jobs) != 2 {
			t.Fatalf("mail jobs: %v %d", err, len(jobs))
		}
		j := jobs[1]
		if j.Op != OpMail || j.Mail == nil || j.Mail.To != "ann@example.com" || j.Mail.Body != "(hidden)" || !strings.Contains(j.Mail.Subject, "Reset") {
			t.Fatalf("reset mail %+v", j)
		}
		second := f.otp("ann@example.com")
		if first == second {
			t.Fatalf("reset reused the OTP")
		}
		fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", first), ErrOTP, "is wrong")
		fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", " "+second+" "), nil)
		if acc := f.getAccount("ann@example.com"); acc.Status != StatusActive || !acc.Confirmed {
			t.Fatalf("after confirm: %+v", acc)
		}
	})
	t.Run("four wrong tries then the right one", func(t *testing.T) {
		f := newFx(t)
		f.account("ann@example.com")
		otp := f.otp("ann@example.com")
		for i := 0; i < maxOTPTries-1; i++ {
			fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", "00000000"), ErrOTP, "the one-time code for ann@example.com is wrong")
		}
		fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", otp), nil)
	})
	t.Run("five wrong tries void it", func(t *testing.T) {
		f := newFx(t)
		f.account("ann@example.com")
		otp := f.otp("ann@example.com")
		for i := 0; i < maxOTPTries; i++ {
			fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", "00000000"), ErrOTP, "is wrong")
		}
		fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", otp), ErrOTP, "has no valid one-time code: send a new one with reset password")
		if acc := f.getAccount("ann@example.com"); acc.Status != StatusNotConfirmed {
			t.Fatalf("status %s", acc.Status)
		}
		fxWant(t, f.s.ResetPassword(f.admin, "ann@example.com"), nil)
		fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", f.otp("ann@example.com")), nil)
	})
	t.Run("expired", func(t *testing.T) {
		f := newFx(t)
		f.account("ann@example.com")
		otp := f.otp("ann@example.com")
		f.clk.Advance(OTPLifetime + time.Second)
		fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", otp), ErrOTP, "has no valid one-time code")
	})
	t.Run("just before expiry", func(t *testing.T) {
		f := newFx(t)
		f.account("ann@example.com")
		otp := f.otp("ann@example.com")
		f.clk.Advance(OTPLifetime - time.Second)
		fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", otp), nil)
	})
	t.Run("OTP of one account does not confirm another", func(t *testing.T) {
		f := newFx(t)
		f.account("ann@example.com")
		f.account("bob@example.com")
		fxWant(t, f.s.ConfirmAccount(f.admin, "bob@example.com", f.otp("ann@example.com")), ErrOTP)
	})
}

// CheckAccount greys an action out with the refusal its operation gives.
func TestCheckAccountAsTheOperation(t *testing.T) {
	f := newFx(t)
	f.account("sue@example.com")
	f.account("ann@example.com")
	if err := f.s.SuspendAccount(f.admin, "sue@example.com"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		email string
		act   AccountAction
		op    func(email string) error
	}{
		{"sue@example.com", ActReset, func(e string) error { return f.s.ResetPassword(f.admin, e) }},
		{"sue@example.com", ActConfirm, func(e string) error { return f.s.ConfirmAccount(f.admin, e, "123456") }},
		{"sue@example.com", ActSuspend, func(e string) error { return f.s.SuspendAccount(f.admin, e) }},
		{"ann@example.com", ActReactivate, func(e string) error { return f.s.ReactivateAccount(f.admin, e) }},
	}
	for _, c := range cases {
		t.Run(string(c.act), func(t *testing.T) {
			acc, err := f.s.GetAccount(f.admin, c.email)
			if err != nil {
				t.Fatal(err)
			}
			want := c.op(c.email)
			if !IsRefusal(want) {
				t.Fatalf("the operation was not refused: %v", want)
			}
			if got := f.s.CheckAccount(f.admin, acc, c.act); got == nil || got.Error() != want.Error() {
				t.Errorf("CheckAccount: %v, want the operation's %v", got, want)
			}
		})
	}
}
