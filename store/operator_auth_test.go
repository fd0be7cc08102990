package store

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/store/totp"
)

// enrolTOTP gives an operator a second factor.
func (f *fx) enrolTOTP(name string) {
	f.t.Helper()
	a, err := f.s.Actor(name, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	key, err := f.s.BeginTOTP(a)
	if err != nil {
		f.t.Fatal(err)
	}
	code, _ := totp.Code(key.Secret, f.s.Now())
	if _, _, err := f.s.ConfirmTOTP(a, code); err != nil {
		f.t.Fatal(err)
	}
}

// testKeyLine is a new ed25519 public key as an authorized_keys line.
func testKeyLine(t testing.TB, i int) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + fmt.Sprintf(" key%d@test", i)
}

// lastLogAction is the newest log entry of an action.
func (f *fx) lastLogAction(action string) Entry {
	f.t.Helper()
	log := f.log()
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Action == action {
			return log[i]
		}
	}
	f.t.Fatalf("no %s in the log", action)
	return Entry{}
}

const goodPassword = "correct horse battery"

// newOperator adds an operator and logs them in once to replace the
// one-time password with goodPassword.
func (f *fx) newOperator(name string, grants []Grant, units ...uint64) {
	f.t.Helper()
	if len(units) == 0 {
		units = []uint64{RootUnit}
	}
	oneTime, err := f.s.AddOperator(f.admin, NewOperator{Username: name, Name: name, Email: name + "@example.com", Grants: grants, Units: units})
	if err != nil {
		f.t.Fatalf("add operator %s: %v", name, err)
	}
	a, err := f.s.Login(name, oneTime, "test", "")
	if err != nil || a.Step() != StepNewPassword {
		f.t.Fatalf("first login of %s: %v, step %q", name, err, a.Step())
	}
	if a, err = f.s.ChangePassword(a, "", goodPassword); err != nil || a.Step() != StepNone {
		f.t.Fatalf("first password of %s: %v, step %q", name, err, a.Step())
	}
}

func TestFirstAdminHasAOneTimePassword(t *testing.T) {
	f := newFx(t)
	pw, ok := f.s.FirstPassword()
	if !ok || len(pw) != 19 || strings.Count(pw, "-") != 3 {
		t.Fatalf("first password %q, %v", pw, ok)
	}
	other := newFx(t)
	if pw2, _ := other.s.FirstPassword(); pw2 == pw {
		t.Fatal("two databases got the same first password")
	}
	_, err := f.s.Login("admin", "admin", "test", "")
	fxWant(t, err, ErrLogin, "wrong operator name or password")
	_, err = f.s.Login("admin", "123456", "test", "")
	fxWant(t, err, ErrLogin, "wrong operator name or password")

	a, err := f.s.Login("admin", pw, "test", "")
	fxWant(t, err, nil)
	if a.Step() != StepNewPassword || a.Can(PermViewEquipment) {
		t.Fatalf("after the one-time password: step %q, can view %v", a.Step(), a.Can(PermViewEquipment))
	}
	_, err = f.s.ListPanels(a)
	fxWant(t, err, ErrPermission, "has not finished logging in: the new password comes first")

	for pw, want := range map[string]string{
		"short":                   "has 5 characters: use at least 10",
		"admin-is-my-name":        "contains the operator name",
		"aaaaaaaaaaaaaaa":         "too few characters",
		"password12":              "one of the first guessed",
		"line\nbreak in password": "control character",
	} {
		_, err := f.s.ChangePassword(a, "", pw)
		fxWant(t, err, ErrInvalid, want)
	}
	_, err = f.s.ChangePassword(a, "", pw)
	fxWant(t, err, ErrInvalid, "same as the old one")

	a, err = f.s.ChangePassword(a, "", goodPassword)
	fxWant(t, err, nil)
	if a.Step() != StepNone || !a.Can(PermManageOperators) {
		t.Fatalf("after the change: step %q", a.Step())
	}
	if _, err := f.s.ListPanels(a); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Login("admin", pw, "test", "")
	fxWant(t, err, ErrLogin, "wrong operator name or password")
	a, err = f.s.Login("admin", goodPassword, "test", "10.0.0.7:5555")
	fxWant(t, err, nil)
	if a.Step() != StepNone {
		t.Fatalf("second login step %q", a.Step())
	}
	e := f.lastLog()
	if e.Action != "operator.login" || e.Operator != "admin" || e.After["from"] != "10.0.0.7:5555" || e.Result != "ok" {
		t.Fatalf("login entry %+v", e)
	}
	// The change is a security notice for admin.
	ns, err := f.s.Notices(a)
	if err != nil || len(ns) != 1 || ns[0].Event != "password changed" {
		t.Fatalf("notices %+v, %v", ns, err)
	}
	fxWant(t, f.s.DismissNotices(a, ns[0].Seq), nil)
	if ns, _ := f.s.Notices(a); len(ns) != 0 {
		t.Fatalf("notices after dismissing: %+v", ns)
	}
}

func TestPasswordHash(t *testing.T) {
	productionPasswordCost(t)
	h, err := hashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, goodPassword) {
		t.Fatalf("hash %q", h)
	}
	h2, _ := hashPassword(goodPassword)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !checkHash(h, goodPassword) || checkHash(h, goodPassword+" ") || checkHash("", goodPassword) || checkHash("$argon2id$v=19$m=0,t=0,p=0$$", "") {
		t.Fatal("checkHash")
	}
}

func TestLockout(t *testing.T) {
	f := newFx(t)
	f.newOperator("gina", []Grant{{Role: RoleGuard}})
	for i := 1; i < MaxFailures; i++ {
		_, err := f.s.Login("gina", "wrong password", "test", "192.0.2.1:40000")
		fxWant(t, err, ErrLogin, "wrong operator name or password")
	}
	_, err := f.s.Login("gina", "wrong password", "test", "192.0.2.1:40000")
	fxWant(t, err, ErrLogin, "operator gina is now locked until")
	// Locked: even the right password is refused, with when it ends.
	_, err = f.s.Login("gina", goodPassword, "test", "")
	fxWant(t, err, ErrLogin, "operator gina is locked until", "after 5 failed logins", "ask an administrator to unlock it")
	op, _ := f.s.GetOperator(f.admin, "gina")
	if op.Status(f.s.Now()) != OpLocked || !op.LockedUntil.Equal(f.s.Now().Add(time.Minute)) {
		t.Fatalf("status %q until %v", op.Status(f.s.Now()), op.LockedUntil)
	}
	// The lockout is a security event: logged, noticed, mailed.
	var mailed bool
	for _, j := range f.rawJobs() {
		mailed = mailed || (j.Mail != nil && j.Mail.To == "gina@example.com" && strings.Contains(j.Mail.Subject, "locked out"))
	}
	if !mailed {
		t.Fatal("no lockout mail queued")
	}
	// Its log entry says the mail is queued: nothing has been sent yet.
	if es, _ := f.s.ListLog(f.admin, LogFilter{Action: "security.locked-out"}); len(es) != 1 || es[0].After["mail queued to"] != "gina@example.com" || es[0].After["mailed to"] != "" {
		t.Fatalf("lockout entries %+v", es)
	}
	f.clk.Advance(time.Minute)
	a, err := f.s.Login("gina", goodPassword, "test", "")
	fxWant(t, err, nil)
	ns, _ := f.s.Notices(a)
	if len(ns) != 2 || ns[1].Event != "locked out" || !strings.Contains(ns[1].Detail, "192.0.2.1:40000") {
		t.Fatalf("notices %+v", ns)
	}

	// A second lockout in a row lasts longer; an administrator can lift it.
	for i := 0; i < MaxFailures; i++ {
		f.s.Login("gina", "wrong again", "test", "")
	}
	for i := 0; i < MaxFailures; i++ {
		f.clk.Advance(time.Minute)
		f.s.Login("gina", "wrong again", "test", "")
	}
	op, _ = f.s.GetOperator(f.admin, "gina")
	if op.Lockouts != 2 || op.LockedUntil.Sub(f.s.Now()) != 5*time.Minute {
		t.Fatalf("second lockout: %d, until %v (now %v)", op.Lockouts, op.LockedUntil, f.s.Now())
	}
	fxWant(t, f.s.UnlockOperator(f.admin, "gina"), nil)
	_, err = f.s.Login("gina", goodPassword, "test", "")
	fxWant(t, err, nil)
	fxWant(t, f.s.UnlockOperator(f.admin, "gina"), ErrState, "not locked")
}

func TestUnknownOperatorLooksLikeAWrongPassword(t *testing.T) {
	f := newFx(t)
	for i := range 2 {
		before := argonKeys.Load()
		_, err := f.s.Login("nobody", goodPassword, "test", "")
		fxWant(t, err, ErrLogin, "wrong operator name or password")
		if e := f.lastLog(); e.Action != "operator.login" || e.Result != "refused: unknown operator" {
			t.Fatalf("log %+v", e)
		}
		// The timing equaliser: one argon2id check, as for a wrong
		// password (the first such login also makes the dummy hash).
		if n := argonKeys.Load() - before; n < 1 || (i == 1 && n != 1) {
			t.Fatalf("login %d for an unknown operator derived %d argon2id keys, want one check", i+1, n)
		}
	}
}

// TestNoArgonAtStartUp runs this test binary again, alone, and checks that
// loading the package derived no argon2id key: a process pays for one only
// when a login needs it.
func TestNoArgonAtStartUp(t *testing.T) {
	if os.Getenv("GUARDROOM_ARGON_CHILD") == "1" {
		if n := argonKeys.Load(); n != 0 {
			fmt.Printf("start-up derived %d argon2id keys\n", n)
			os.Exit(3)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoArgonAtStartUp$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GUARDROOM_ARGON_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

func TestExpiry(t *testing.T) {
	f := newFx(t)
	now := f.s.Now()
	f.newOperator("ivan", []Grant{{Role: RoleGuard}, {Role: RoleInstaller, Expires: now.Add(time.Hour)}})
	a, err := f.s.Login("ivan", goodPassword, "test", "")
	fxWant(t, err, nil)
	if !a.Can(PermManagePanelUsers) || !a.Until().Equal(now.Add(time.Hour)) {
		t.Fatalf("installer grant missing: until %v", a.Until())
	}
	p := f.panel("neo-hs2064")
	fxWant(t, f.s.SetCode(a, p.ID, 2, "2580", CodeOptions{}), nil)

	// The installer grant ends: the open session is refused from then on,
	// and a new login has only the guard's permissions.
	f.clk.Advance(time.Hour)
	fxWant(t, f.s.SetCode(a, p.ID, 3, "3691", CodeOptions{}), ErrPermission, "ended at", "log in again")
	a, err = f.s.Login("ivan", goodPassword, "test", "")
	fxWant(t, err, nil)
	fxWant(t, f.s.SetCode(a, p.ID, 3, "3691", CodeOptions{}), ErrPermission, "manage panel users")
	if _, err := f.s.ListPanels(a); err != nil {
		t.Fatal(err)
	}
	op, _ := f.s.GetOperator(f.admin, "ivan")
	if g := op.ActiveGrants(f.s.Now()); len(g) != 1 || g[0].Role != RoleGuard || !op.Grants[1].Expired(f.s.Now()) {
		t.Fatalf("grants %+v", op.Grants)
	}

	// The whole access ends.
	op.Expires = f.s.Now().Add(time.Minute)
	fxWant(t, f.s.UpdateOperator(f.admin, op), nil)
	f.clk.Advance(time.Minute)
	_, err = f.s.Login("ivan", goodPassword, "test", "")
	fxWant(t, err, ErrLogin, "the access of operator ivan ended at", "ask an administrator to extend it")
	op, _ = f.s.GetOperator(f.admin, "ivan")
	if op.Status(f.s.Now()) != OpExpired {
		t.Fatalf("status %q", op.Status(f.s.Now()))
	}
	// Every grant ended: refused with which.
	op.Expires = time.Time{}
	op.Grants = []Grant{{Role: RoleGuard, Expires: f.s.Now().Add(-time.Second)}}
	fxWant(t, f.s.UpdateOperator(f.admin, op), nil)
	_, err = f.s.Login("ivan", goodPassword, "test", "")
	fxWant(t, err, ErrLogin, "every role of operator ivan has ended (Guard ended")
}

func TestSuspendEndsOpenSessions(t *testing.T) {
	f := newFx(t)
	f.newOperator("sue", []Grant{{Role: RoleSupervisor}})
	a, err := f.s.Login("sue", goodPassword, "test", "")
	fxWant(t, err, nil)
	if _, err := f.s.ListPanels(a); err != nil {
		t.Fatal(err)
	}
	fxWant(t, f.s.SuspendOperator(f.admin, "sue"), nil)
	_, err = f.s.ListPanels(a)
	fxWant(t, err, ErrPermission, "was changed by an administrator since this login")
	_, err = f.s.Login("sue", goodPassword, "test", "")
	fxWant(t, err, ErrLogin, "operator sue is suspended")
	fxWant(t, f.s.SuspendOperator(f.admin, "sue"), ErrState, "suspended already")
	fxWant(t, f.s.ReactivateOperator(f.admin, "sue"), nil)
	_, err = f.s.Login("sue", goodPassword, "test", "")
	fxWant(t, err, nil)
}

func TestSecondFactor(t *testing.T) {
	f := newFx(t)
	f.newOperator("otto", []Grant{{Role: RoleAuditor}})
	a, _ := f.s.Login("otto", goodPassword, "test", "")
	key, err := f.s.BeginTOTP(a)
	fxWant(t, err, nil)
	if !strings.HasPrefix(key.URI, "otpauth://totp/") || key.Secret == "" {
		t.Fatalf("key %+v", key)
	}
	_, _, err = f.s.ConfirmTOTP(a, "000000")
	fxWant(t, err, ErrInvalid, "wrong code")
	code, _ := totp.Code(key.Secret, f.s.Now())
	recovery, a, err := f.s.ConfirmTOTP(a, code)
	fxWant(t, err, nil)
	if len(recovery) != RecoveryCodeCount || a.Step() != StepNone {
		t.Fatalf("recovery %v step %q", recovery, a.Step())
	}
	if op, _ := f.s.GetOperator(f.admin, "otto"); !op.TwoFactor {
		t.Fatal("not enrolled")
	}
	_, err = f.s.BeginTOTP(a)
	fxWant(t, err, ErrState, "has a second factor already")

	// Next login asks for the code.
	f.clk.Advance(time.Minute)
	a, err = f.s.Login("otto", goodPassword, "test", "")
	fxWant(t, err, nil)
	if a.Step() != StepSecondFactor {
		t.Fatalf("step %q", a.Step())
	}
	_, err = f.s.ListLog(a, LogFilter{})
	fxWant(t, err, ErrPermission, "the second factor comes first")
	_, err = f.s.SecondFactor(a, "123456")
	fxWant(t, err, ErrLogin, "wrong code")
	code, _ = totp.Code(key.Secret, f.s.Now())
	b, err := f.s.SecondFactor(a, code[:3]+" "+code[3:])
	fxWant(t, err, nil)
	if b.Step() != StepNone || !b.Can(PermViewActionLog) {
		t.Fatalf("after the code: step %q", b.Step())
	}
	// The same code again is a replay.
	a2, _ := f.s.Login("otto", goodPassword, "test", "")
	_, err = f.s.SecondFactor(a2, code)
	fxWant(t, err, ErrLogin, "used already")

	// A recovery code works once.
	b, err = f.s.SecondFactor(a2, strings.ToUpper(recovery[0]))
	fxWant(t, err, nil)
	if b.Step() != StepNone {
		t.Fatalf("after recovery: %q", b.Step())
	}
	a3, _ := f.s.Login("otto", goodPassword, "test", "")
	_, err = f.s.SecondFactor(a3, recovery[0])
	fxWant(t, err, ErrLogin, "wrong code")

	// Wrong codes count towards the lockout like wrong passwords.
	for i := 1; i < MaxFailures; i++ {
		f.s.SecondFactor(a3, "999999")
	}
	_, err = f.s.Login("otto", goodPassword, "test", "")
	fxWant(t, err, ErrLogin, "is locked until")

	// An administrator resets it (a lost phone).
	fxWant(t, f.s.UnlockOperator(f.admin, "otto"), nil)
	fxWant(t, f.s.ResetSecondFactor(f.admin, "otto"), nil)
	a, _ = f.s.Login("otto", goodPassword, "test", "")
	if a.Step() != StepNone {
		t.Fatalf("after reset: %q", a.Step())
	}
	ns, _ := f.s.Notices(a)
	var events []string
	for _, n := range ns {
		events = append(events, n.Event)
	}
	for _, want := range []string{"password changed", "second factor enrolled", "recovery code used", "locked out", "second factor reset"} {
		if !slices.Contains(events, want) {
			t.Fatalf("notices %v lack %q", events, want)
		}
	}
}

func TestRoleRequiresSecondFactor(t *testing.T) {
	f := newFx(t)
	fxWant(t, f.s.UpdateRole(f.admin, Role{Name: RoleInstaller, Require2FA: true}), nil)
	fxWant(t, f.s.UpdateRole(f.admin, Role{Name: RoleInstaller, Perms: PermBackupRestore}), ErrInvalid, "fixed")
	oneTime, err := f.s.AddOperator(f.admin, NewOperator{Username: "ivan", Grants: []Grant{{Role: RoleInstaller}}, Units: []uint64{RootUnit}})
	fxWant(t, err, nil)
	a, _ := f.s.Login("ivan", oneTime, "test", "")
	if a.Step() != StepNewPassword {
		t.Fatalf("step %q", a.Step())
	}
	a, err = f.s.ChangePassword(a, "", goodPassword)
	fxWant(t, err, nil)
	if a.Step() != StepEnrol2FA {
		t.Fatalf("after the password: step %q", a.Step())
	}
	_, err = f.s.ListPanels(a)
	fxWant(t, err, ErrPermission, "the second-factor enrolment comes first")
	key, err := f.s.BeginTOTP(a)
	fxWant(t, err, nil)
	code, _ := totp.Code(key.Secret, f.s.Now())
	_, a, err = f.s.ConfirmTOTP(a, code)
	fxWant(t, err, nil)
	if a.Step() != StepNone || !a.Can(PermManagePanelUsers) {
		t.Fatalf("after enrolment: %q", a.Step())
	}
	if e := f.lastLog(); e.Action != "operator.2fa-enrol" && e.Action != "security.second-factor-enrolled" {
		t.Fatalf("log %+v", e)
	}
}

func TestNobodyGrantsMoreThanTheyHold(t *testing.T) {
	f := newFx(t)
	fxWant(t, f.s.AddRole(f.admin, Role{Name: "Desk", Perms: PermManageOperators | PermViewEquipment | PermViewPanelUsers}), nil)
	fxWant(t, f.s.AddRole(f.admin, Role{Name: "desk"}), ErrDuplicate)
	fxWant(t, f.s.AddRole(f.admin, Role{Name: "Nothing"}), ErrInvalid, "no permission")
	f.newOperator("dora", []Grant{{Role: "Desk"}})
	dora, _ := f.s.Login("dora", goodPassword, "test", "")

	_, err := f.s.AddOperator(dora, NewOperator{Username: "x", Grants: []Grant{{Role: RoleAdministrator}}, Units: []uint64{RootUnit}})
	fxWant(t, err, ErrPermission, "you cannot grant Administrator", "backup/restore")
	_, err = f.s.AddOperator(dora, NewOperator{Username: "x", Grants: []Grant{{Role: RoleAuditor}}, Units: []uint64{RootUnit}})
	fxWant(t, err, ErrPermission, "view action log")
	_, err = f.s.AddOperator(dora, NewOperator{Username: "x", Grants: []Grant{{Role: "desk"}}, Units: []uint64{RootUnit}})
	fxWant(t, err, nil)
	fxWant(t, f.s.AddRole(dora, Role{Name: "Sneaky", Perms: PermBackupRestore}), ErrPermission, "permissions you do not have")
	// Admin's password is out of her reach.
	_, err = f.s.ResetOperatorPassword(dora, "admin")
	fxWant(t, err, ErrPermission, "holds permissions you do not have")
	fxWant(t, f.s.SuspendOperator(dora, "admin"), ErrPermission, "holds permissions you do not have")
	// A role in use cannot go.
	fxWant(t, f.s.RemoveRole(f.admin, "Desk"), ErrState, "granted to dora, x")
	fxWant(t, f.s.RemoveRole(f.admin, RoleGuard), ErrState, "predefined")
}

func TestKeepAnAdministrator(t *testing.T) {
	f := newFx(t)
	fxWant(t, f.s.SuspendOperator(f.admin, "admin"), ErrState, "cannot suspend yourself")
	f.newOperator("root2", []Grant{{Role: RoleAdministrator}})
	r2, _ := f.s.Login("root2", goodPassword, "test", "")
	// With two administrators one may become a guard; the last may not,
	// nor lose the whole organization, nor expire.
	op, _ := f.s.GetOperator(r2, "admin")
	op.Grants = []Grant{{Role: RoleGuard}}
	fxWant(t, f.s.UpdateOperator(r2, op), nil)
	me, _ := f.s.GetOperator(r2, "root2")
	me.Grants = []Grant{{Role: RoleGuard}}
	fxWant(t, f.s.UpdateOperator(r2, me), ErrState, "the last one who can manage operators")
	me, _ = f.s.GetOperator(r2, "root2")
	me.Expires = f.s.Now().Add(-time.Minute)
	fxWant(t, f.s.UpdateOperator(r2, me), ErrState, "the last one")
	fxWant(t, f.s.RemoveOperator(r2, "root2"), ErrState, "cannot remove yourself")
}

func TestChangingACustomRoleEndsItsHoldersSessions(t *testing.T) {
	f := newFx(t)
	fxWant(t, f.s.AddRole(f.admin, Role{Name: "Doors", Perms: PermViewEquipment | PermOperateDoors}), nil)
	f.newOperator("dan", []Grant{{Role: "Doors"}})
	f.newOperator("gus", []Grant{{Role: RoleGuard}})
	dan, _ := f.s.Login("dan", goodPassword, "test", "")
	gus, _ := f.s.Login("gus", goodPassword, "test", "")
	fxWant(t, f.s.UpdateRole(f.admin, Role{Name: "Doors", Perms: PermViewEquipment}), nil)
	_, err := f.s.ListPanels(dan)
	fxWant(t, err, ErrPermission, "log in again")
	_, err = f.s.ListPanels(gus)
	fxWant(t, err, nil)
	dan, _ = f.s.Login("dan", goodPassword, "test", "")
	if dan.Can(PermOperateDoors) || !dan.Can(PermViewEquipment) {
		t.Fatal("new permissions not applied")
	}
}

func TestResetAdmin(t *testing.T) {
	f := newFx(t)
	first, _ := f.s.FirstPassword()
	a, _ := f.s.Login("admin", first, "test", "")
	f.s.ChangePassword(a, "", goodPassword)
	for i := 0; i < MaxFailures; i++ {
		f.s.Login("admin", "forgotten it", "test", "")
	}
	pw, err := f.s.ResetAdmin()
	fxWant(t, err, nil)
	if pw == "" || pw == first {
		t.Fatalf("reset password %q", pw)
	}
	a, err = f.s.Login("admin", pw, "cli", "")
	fxWant(t, err, nil)
	if a.Step() != StepNewPassword {
		t.Fatalf("step %q", a.Step())
	}
	// The reset ended admin's open sessions, the fixture's too.
	_, err = f.s.ListPanels(f.admin)
	fxWant(t, err, ErrPermission, "log in again")
	f.admin, _ = f.s.Actor("admin", "test")
	if e := f.lastLogAction("operator.reset-admin"); e.Operator != "key holder" || e.After["password"] != "one-time password issued" {
		t.Fatalf("log %+v", e)
	}
}

func TestSSHKeys(t *testing.T) {
	f := newFx(t)
	f.newOperator("ivan", []Grant{{Role: RoleInstaller}})
	const line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGlDV3XvJwKjoSBT+n5gLwJ4TR3mFPFSXOk+eZ1QyBvE ivan@laptop"
	_, err := f.s.AddSSHKey(f.admin, "ivan", "ssh-ed25519 AAAA not a key")
	fxWant(t, err, ErrInvalid, "not an SSH public key")
	k, err := f.s.AddSSHKey(f.admin, "ivan", line)
	fxWant(t, err, nil)
	if !strings.HasPrefix(k.Fingerprint, "SHA256:") || k.Comment != "ivan@laptop" {
		t.Fatalf("key %+v", k)
	}
	_, err = f.s.AddSSHKey(f.admin, "ivan", line)
	fxWant(t, err, ErrDuplicate, "has key")
	_, err = f.s.AddSSHKey(f.admin, "admin", line)
	fxWant(t, err, ErrDuplicate, "logs in another operator")

	a, err := f.s.ActorByKey(k.Fingerprint, "ssh", "192.0.2.9:1234")
	fxWant(t, err, nil)
	if a.Name() != "ivan" || a.Step() != StepNone || !a.Can(PermManagePanelUsers) {
		t.Fatalf("actor %s step %q", a.Name(), a.Step())
	}
	// SSH is key-only: a password typed in an SSH session is refused.
	_, err = f.s.Login("ivan", goodPassword, "ssh", "192.0.2.9:1234")
	fxWant(t, err, ErrLogin, "log in with their SSH key only")
	// The session's start is the key login: Last login is set.
	fxWant(t, f.s.RecordSession(a, "ssh.start", map[string]string{"fingerprint": k.Fingerprint}), nil)
	if op, _ := f.s.GetOperator(f.admin, "ivan"); !op.LastLogin.Equal(f.s.Now()) {
		t.Fatalf("last login %v", op.LastLogin)
	}
	_, err = f.s.ActorByKey("SHA256:nope", "ssh", "")
	fxWant(t, err, ErrLogin, "no operator has key")
	ivan, _ := f.s.Login("ivan", goodPassword, "test", "")
	ns, _ := f.s.Notices(ivan)
	if len(ns) == 0 || ns[len(ns)-1].Event != "new SSH key" {
		t.Fatalf("notices %+v", ns)
	}
	fxWant(t, f.s.SuspendOperator(f.admin, "ivan"), nil)
	_, err = f.s.ActorByKey(k.Fingerprint, "ssh", "")
	fxWant(t, err, ErrLogin, "suspended")
	fxWant(t, f.s.RemoveSSHKey(f.admin, "ivan", "ivan@laptop"), nil)
	_, err = f.s.ActorByKey(k.Fingerprint, "ssh", "")
	fxWant(t, err, ErrLogin, "no operator has key")
}

func TestOldOperatorRecordsGetAGrant(t *testing.T) {
	f := newFx(t)
	err := f.s.db.Update(func(txn *badger.Txn) error {
		return setJSON(txn, operatorKey("old"), map[string]any{"username": "old", "name": "Old", "role": "Guard", "units": []uint64{RootUnit}})
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.s.Actor("old", "test")
	fxWant(t, err, nil)
	if !a.Can(PermArmDisarm) || a.Can(PermManagePanelUsers) {
		t.Fatal("old role not read")
	}
	op, _ := f.s.GetOperator(f.admin, "old")
	if len(op.Grants) != 1 || op.Grants[0].Role != RoleGuard || op.Status(f.s.Now()) != OpNoPassword {
		t.Fatalf("%+v status %q", op, op.Status(f.s.Now()))
	}
	_, err = f.s.Login("old", "anything at all", "test", "")
	fxWant(t, err, ErrLogin, "has no password", "reset-password old")
	if !errors.Is(err, ErrLogin) {
		t.Fatal("kind")
	}
}

func TestOperatorScope(t *testing.T) {
	sf := newScopeFx(t)
	f := sf.fx
	f.newOperator("anna", []Grant{{Role: RoleGuard}}, sf.a.ID)
	f.newOperator("bert", []Grant{{Role: RoleGuard}}, sf.b.ID)
	f.newOperator("boss", []Grant{{Role: RoleAdministrator}}, sf.a.ID)
	boss, _ := f.s.Login("boss", goodPassword, "test", "")
	ops, err := f.s.ListOperators(boss)
	fxWant(t, err, nil)
	var names []string
	for _, o := range ops {
		names = append(names, o.Username)
	}
	if !slices.Contains(names, "anna") || slices.Contains(names, "bert") || slices.Contains(names, "admin") {
		t.Fatalf("building A's administrator sees %v", names)
	}
	_, err = f.s.GetOperator(boss, "bert")
	fxWant(t, err, ErrNotFound, `no operator "bert" in your organization units`)
	_, errMissing := f.s.GetOperator(boss, "nobody")
	if err.Error() != strings.ReplaceAll(errMissing.Error(), "nobody", "bert") {
		t.Fatalf("out of scope %q reads differently from missing %q", err, errMissing)
	}
	fxWant(t, f.s.SuspendOperator(boss, "bert"), ErrNotFound)
	_, err = f.s.ResetOperatorPassword(boss, "bert")
	fxWant(t, err, ErrNotFound)
	_, err = f.s.AddSSHKey(boss, "bert", testKeyLine(t, 1))
	fxWant(t, err, ErrNotFound)
	// Moving anna into building B is out of reach too.
	anna, _ := f.s.GetOperator(boss, "anna")
	anna.Units = []uint64{sf.b.ID}
	fxWant(t, f.s.UpdateOperator(boss, anna), ErrPermission, "outside your organization units")
	// bert's log entries are filed under building B: boss cannot read them.
	entries, err := f.s.ListLog(boss, LogFilter{})
	fxWant(t, err, nil)
	for _, e := range entries {
		if strings.Contains(e.Place, "bert") && e.Operator != "boss" {
			t.Fatalf("building A reads %+v", e)
		}
	}
}
