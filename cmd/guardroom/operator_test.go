package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/totp"
)

// showOperator returns one operator as operator show --json prints it.
func (s *site) showOperator(name string) operatorJSON {
	s.t.Helper()
	var o operatorJSON
	s.jsonOut(&o, "operator", "show", name)
	return o
}

// enrol runs operator 2fa as the site's operator with pipes for standard
// input and output, playing the phone: it reads the secret the command
// prints and types the app's current code.
func (s *site) enrol() result {
	s.t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := run(context.Background(), append(s.flags(), "operator", "2fa"), inR, outW, &errb)
		outW.Close()
		done <- code
	}()
	var out strings.Builder
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if secret, ok := strings.CutPrefix(sc.Text(), "Secret:"); ok {
			code, err := totp.Code(strings.ReplaceAll(secret, " ", ""), time.Now())
			if err != nil {
				s.t.Fatalf("secret %q: %v", secret, err)
			}
			go io.WriteString(inW, code+"\n")
		}
	}
	code := <-done
	inW.Close()
	return result{code, out.String(), errb.String()}
}

func TestOperatorManagement(t *testing.T) {
	s := newSite(t).withPanel()
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "Depot")

	// add: roles, units, name, email, access end and a role's end.
	r := s.ok("", "operator", "add", "guard1", "--role", "guard,Installer", "--unit", "HQ", "--name", "Gina Guard",
		"--email", "gina@example.com", "--expires", "2030-01-01", "--role-expires", "installer=2029-06-30 18:00")
	if !strings.Contains(r.stdout, "Guard, Installer (until 2029-06-30 18:00)") || !strings.Contains(r.stdout, "Organization / HQ") {
		t.Errorf("operator add: %s", r)
	}
	o := s.showOperator("guard1")
	if o.Name != "Gina Guard" || o.Email != "gina@example.com" || len(o.Grants) != 2 || o.Grants[0] != (store.Grant{Role: "Guard"}) ||
		o.Grants[1].Role != "Installer" || !o.Grants[1].Expires.Equal(localTime2(t, "2029-06-30 18:00")) ||
		!o.Expires.Equal(localTime2(t, "2030-01-02 00:00")) || o.Status != store.OpMustChange || o.UnitPaths[0] != "Organization / HQ" {
		t.Errorf("after add: %+v", o)
	}
	s.fail(2, `--expires "soon" is not a time`, "", "operator", "add", "x1", "--role", "Guard", "--unit", "HQ", "--expires", "soon")
	s.fail(2, "--role-expires Auditor: that role is not granted", "", "operator", "add", "x1", "--role", "Guard", "--unit", "HQ", "--role-expires", "Auditor=2030-01-01")
	guard := s.as("guard1", r)
	if o := s.showOperator("guard1"); o.Status != store.OpActive {
		t.Errorf("after the first password: %+v", o)
	}
	if r := s.ok("", "operator", "list"); !strings.Contains(r.stdout, "guard1") || !strings.Contains(r.stdout, "Gina Guard") {
		t.Errorf("operator list: %s", r)
	}

	// edit: only the flags given change; a kept role keeps its end.
	r = s.ok("", "operator", "edit", "guard1", "--role", "Installer", "--unit", "HQ,Depot", "--expires", "never")
	if !strings.Contains(r.stdout, "Changed operator guard1") || !strings.Contains(r.stdout, "never ends") {
		t.Errorf("operator edit: %s", r)
	}
	o = s.showOperator("guard1")
	if len(o.Grants) != 1 || o.Grants[0].Role != "Installer" || !o.Grants[0].Expires.Equal(localTime2(t, "2029-06-30 18:00")) ||
		len(o.Units) != 2 || !o.Expires.IsZero() || o.Name != "Gina Guard" || o.Email != "gina@example.com" {
		t.Errorf("after edit: %+v", o)
	}
	s.ok("", "operator", "edit", "guard1", "--role", "Guard", "--role-expires", "Guard=never", "--name", "Gina G.", "--email", "")
	if o = s.showOperator("guard1"); len(o.Grants) != 1 || o.Grants[0] != (store.Grant{Role: "Guard"}) || o.Name != "Gina G." || o.Email != "" {
		t.Errorf("after the second edit: %+v", o)
	}
	s.fail(2, "needs at least one of", "", "operator", "edit", "guard1")
	// The store's rules, in its words: nobody is left without a role.
	s.fail(1, "unknown role", "", "operator", "edit", "guard1", "--role", "Janitor")
	// A guard may not manage operators, not even to give itself a role.
	guard.fail(1, `does not have the "manage operators" permission`, "", "operator", "edit", "guard1", "--role", "Administrator")

	// suspend and reactivate.
	s.ok("", "operator", "suspend", "guard1")
	if o = s.showOperator("guard1"); !o.Suspended || o.Status != store.OpSuspended {
		t.Errorf("after suspend: %+v", o)
	}
	guard.fail(1, "operator guard1 is suspended", "", "panel", "list")
	s.fail(1, "suspended already", "", "operator", "suspend", "guard1")
	s.ok("", "operator", "reactivate", "guard1")
	if o = s.showOperator("guard1"); o.Suspended || o.Status != store.OpActive {
		t.Errorf("after reactivate: %+v", o)
	}

	// expire: at a time in the past the access has ended; --never lifts it.
	r = s.ok("", "operator", "expire", "guard1", "--at", "2020-01-01 08:00")
	if !strings.Contains(r.stdout, "ends at 2020-01-01 08:00") {
		t.Errorf("operator expire: %s", r)
	}
	if o = s.showOperator("guard1"); o.Status != store.OpExpired || !o.Expires.Equal(localTime2(t, "2020-01-01 08:00")) {
		t.Errorf("after expire: %+v", o)
	}
	guard.fail(1, "the access of operator guard1 ended at 2020-01-01 08:00", "", "panel", "list")
	s.fail(2, "needs --at TIME or --never", "", "operator", "expire", "guard1")
	s.ok("", "operator", "expire", "guard1", "--never")
	if o = s.showOperator("guard1"); !o.Expires.IsZero() || o.Status != store.OpActive {
		t.Errorf("after expire --never: %+v", o)
	}

	// Five wrong passwords lock the operator; unlock lifts it.
	wrong := guard.writeFile("wrong.txt", "not the right password")
	for range store.MaxFailures {
		guard.fail(1, "wrong operator name or password", "", "--password-file", wrong, "panel", "list")
	}
	if o = s.showOperator("guard1"); o.Status != store.OpLocked {
		t.Errorf("after %d failures: %+v", store.MaxFailures, o)
	}
	guard.fail(1, "operator guard1 is locked until", "", "panel", "list")
	s.ok("", "operator", "unlock", "guard1")
	guard.ok("", "panel", "list")

	// reset-password: a one-time password, printed once.
	r = s.ok("", "operator", "reset-password", "guard1")
	m := resetRE.FindStringSubmatch(r.stdout)
	if m == nil || !strings.Contains(r.stdout, "shown only now") {
		t.Fatalf("reset-password: %s", r)
	}
	if o = s.showOperator("guard1"); !o.MustChange || o.Status != store.OpMustChange {
		t.Errorf("after reset-password: %+v", o)
	}
	guard.fail(1, "wrong operator name or password", "", "panel", "list")
	guard.pwFile = guard.firstPassword("guard1", m[1])

	// Their own password: the current one is the login's.
	next := guard.writeFile("guard1-next.txt", "a brand new passphrase here")
	if r := guard.ok("", "operator", "passwd", "--new-password-file", next); !strings.Contains(r.stdout, "Changed the password of operator guard1") {
		t.Errorf("passwd: %s", r)
	}
	guard.fail(1, "wrong operator name or password", "", "panel", "list")
	guard.pwFile = next
	// The change is a security notice, shown by operator notices, once.
	r = guard.ok("", "operator", "notices")
	if !strings.Contains(r.stdout, "password changed") || r.stderr != "" {
		t.Errorf("operator notices: %s", r)
	}
	if r := guard.ok("", "operator", "notices"); !strings.Contains(r.stdout, "No new security notices") {
		t.Errorf("operator notices again: %s", r)
	}
	guard.fail(1, "the password has 5 characters: use at least 10", "", "operator", "passwd", "--new-password-file", guard.writeFile("short.txt", "short"))
	guard.fail(2, "operator passwd needs a terminal to type the new password on, or --new-password-file FILE", "", "operator", "passwd")

	// remove asks; without a terminal --yes confirms.
	s.fail(2, "add --yes to confirm", "", "operator", "remove", "guard1")
	if o = s.showOperator("guard1"); o.Username != "guard1" {
		t.Errorf("removed without --yes: %+v", o)
	}
	s.ok("", "operator", "remove", "guard1", "--yes")
	s.fail(1, `no operator "guard1"`, "", "operator", "show", "guard1")
	var ops []operatorJSON
	s.jsonOut(&ops, "operator", "list")
	if len(ops) != 1 || ops[0].Username != "admin" {
		t.Errorf("operators after remove: %+v", ops)
	}
}

func localTime2(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// A role that requires a second factor: enrolment shows the secret, takes
// a code and prints recovery codes once; scripts are then refused; an
// administrator resets it for a lost phone.
func TestSecondFactor(t *testing.T) {
	s := newSite(t)
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "HQ")
	guard := s.as("guard1", s.ok("", "operator", "add", "guard1", "--role", "Guard", "--unit", "HQ"))
	if r := s.ok("", "operator", "role", "edit", "Guard", "--require-2fa"); !strings.Contains(r.stdout, "second factor required") {
		t.Errorf("role edit: %s", r)
	}
	guard.fail(1, "a role of operator guard1 requires a second factor, and none is enrolled yet: run guardroom operator 2fa on a terminal", "", "panel", "list")

	r := guard.enrol()
	if r.code != 0 || !strings.Contains(r.stdout, "otpauth://totp/") || !strings.Contains(r.stdout, "Operator guard1 is logged in") {
		t.Fatalf("operator 2fa: %s", r)
	}
	secret := strings.TrimSpace(strings.TrimPrefix(r.stdout[strings.Index(r.stdout, "Secret:"):strings.Index(r.stdout, "\nURI:")], "Secret:"))
	for _, g := range strings.Fields(secret) {
		if len(g) > 4 {
			t.Errorf("secret %q is not in groups of four", secret)
		}
	}
	codes := 0
	for _, line := range strings.Split(r.stdout, "\n") {
		if len(strings.TrimSpace(line)) == 11 && strings.HasPrefix(line, "  ") && strings.Contains(line, "-") {
			codes++
		}
	}
	if codes != store.RecoveryCodeCount {
		t.Errorf("%d recovery codes printed, want %d:\n%s", codes, store.RecoveryCodeCount, r.stdout)
	}
	if o := s.showOperator("guard1"); !o.TwoFactor {
		t.Errorf("after enrolment: %+v", o)
	}
	guard.fail(1, "operator guard1 has a second factor: run this on a terminal, or use an operator without one for scripts", "", "panel", "list")

	// A lost phone: the administrator removes the second factor; the role
	// still requires one, so the next login asks to enrol again.
	if r := s.ok("", "operator", "reset-2fa", "guard1"); !strings.Contains(r.stdout, "Removed the second factor of operator guard1") {
		t.Errorf("reset-2fa: %s", r)
	}
	if o := s.showOperator("guard1"); o.TwoFactor {
		t.Errorf("after reset-2fa: %+v", o)
	}
	s.fail(1, "has no second factor to reset", "", "operator", "reset-2fa", "guard1")
	guard.fail(1, "requires a second factor, and none is enrolled yet", "", "panel", "list")
	s.ok("", "operator", "role", "edit", "Guard", "--require-2fa=false")
	guard.ok("", "panel", "list")
}

func TestSSHKeys(t *testing.T) {
	s := newSite(t)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " admin@laptop"
	fingerprint := ssh.FingerprintSHA256(sshPub)

	// The key as arguments, as pasted from the .pub file.
	r := s.ok("", append([]string{"operator", "add-key", "admin"}, strings.Fields(line)...)...)
	if !strings.Contains(r.stdout, fingerprint) || !strings.Contains(r.stdout, "admin@laptop") {
		t.Errorf("add-key: %s", r)
	}
	o := s.showOperator("admin")
	if len(o.Keys) != 1 || o.Keys[0].Fingerprint != fingerprint || o.Keys[0].Comment != "admin@laptop" {
		t.Errorf("after add-key: %+v", o.Keys)
	}
	// From a file: the same key is refused, a private key is not read.
	pubFile := filepath.Join(s.root, "id_ed25519.pub")
	os.WriteFile(pubFile, []byte(line+"\n"), 0o644)
	s.fail(1, "operator admin has key "+fingerprint+" already", "", "operator", "add-key", "admin", "--key-file-path", pubFile)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	privFile := filepath.Join(s.root, "id_ed25519")
	os.WriteFile(privFile, pem.EncodeToMemory(block), 0o600)
	s.fail(1, "is a private key: give the public one", "", "operator", "add-key", "admin", "--key-file-path", privFile)
	s.fail(1, "not an SSH public key", "", "operator", "add-key", "admin", "ssh-ed25519", "AAAAnotakey")
	s.fail(2, "needs the key", "", "operator", "add-key", "admin")
	if r := s.ok("", "operator", "show", "admin"); !strings.Contains(r.stdout, fingerprint+" ssh-ed25519, admin@laptop") {
		t.Errorf("operator show: %s", r)
	}

	s.ok("", "operator", "remove-key", "admin", fingerprint)
	if o := s.showOperator("admin"); len(o.Keys) != 0 {
		t.Errorf("after remove-key: %+v", o.Keys)
	}
	s.fail(1, "operator admin has no key", "", "operator", "remove-key", "admin", fingerprint)
}

func TestRoles(t *testing.T) {
	s := newSite(t)
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "HQ")
	roles := func() map[string]roleJSON {
		var list []roleJSON
		s.jsonOut(&list, "operator", "roles")
		m := map[string]roleJSON{}
		for _, r := range list {
			m[r.Name] = r
		}
		return m
	}
	if m := roles(); len(m) != 5 || !m["Administrator"].Builtin || len(m["Administrator"].Permissions) != len(store.Perms()) {
		t.Errorf("predefined roles: %+v", m)
	}
	r := s.ok("", "operator", "role", "add", "Night guard", "--perm", "view equipment, arm/disarm", "--require-2fa", "--description", "nights only")
	if !strings.Contains(r.stdout, "Added role Night guard: view equipment, arm/disarm; second factor required") {
		t.Errorf("role add: %s", r)
	}
	if n := roles()["Night guard"]; n.Builtin || !n.Require2FA || n.Description != "nights only" || strings.Join(n.Permissions, ",") != "view equipment,arm/disarm" {
		t.Errorf("after role add: %+v", n)
	}
	s.fail(2, `unknown permission "fly"`, "", "operator", "role", "add", "Pilot", "--perm", "fly")
	s.fail(1, "role night guard already exists", "", "operator", "role", "add", "night guard", "--perm", "view equipment")

	s.ok("", "operator", "role", "edit", "night GUARD", "--perm", "view equipment", "--require-2fa=false")
	if n := roles()["Night guard"]; n.Require2FA || n.Description != "nights only" || strings.Join(n.Permissions, ",") != "view equipment" {
		t.Errorf("after role edit: %+v", n)
	}
	s.fail(1, "the permissions of the predefined role Guard are fixed", "", "operator", "role", "edit", "Guard", "--perm", "view equipment")
	s.fail(1, `no role "Pilot"`, "", "operator", "role", "edit", "Pilot", "--description", "x")

	// A held role cannot go; once nobody holds it, it can.
	s.ok("", "operator", "add", "nina", "--role", "Night guard", "--unit", "HQ")
	if o := s.showOperator("nina"); len(o.Grants) != 1 || o.Grants[0].Role != "Night guard" {
		t.Errorf("custom role granted: %+v", o)
	}
	s.fail(1, "role Night guard is granted to nina", "", "operator", "role", "remove", "Night guard")
	s.ok("", "operator", "edit", "nina", "--role", "Guard")
	s.ok("", "operator", "role", "remove", "Night guard")
	if _, ok := roles()["Night guard"]; ok {
		t.Error("role still listed after remove")
	}
	s.fail(1, "Guard is a predefined role and cannot be removed", "", "operator", "role", "remove", "Guard")
	if r := s.ok("", "operator", "roles"); !strings.Contains(r.stdout, "Administrator") || !strings.Contains(r.stdout, "all") {
		t.Errorf("operator roles: %s", r)
	}
}
