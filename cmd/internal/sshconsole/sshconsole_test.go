package sshconsole_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/cmd/internal/sshconsole"
	"github.com/guardroom/guardroom/cmd/internal/sshserve"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/totp"
)

// Terminal keys as a client sends them.
const (
	keyDown   = "\x1b[B"
	keyEnter  = "\r"
	keyCtrlU  = "\x15"
	keyPgDown = "\x1b[6~"
)

// usersGrid opens the Users grid of the first panel from the console's
// first screen.
func usersGrid(term *terminal) {
	term.t.Helper()
	term.waitScreen(panelMain, panelGate)
	term.press("2")
	term.waitScreen(label1, label2, "of 100")
}

// An installer's key logs in without a password: the console shows the
// security notice of the key's addition, then the panels; 2 goes to the
// Users grid and its users are there. q quits with exit status 0, and the
// action log holds the session's start and end with the key's
// fingerprint, the client's address, the reason and the duration.
func TestSSHConsoleByKey(t *testing.T) {
	st := newSite(t, 40)
	key := st.operatorWithNotice(t, "ivan", store.RoleInstaller)
	sv := serve(t, st, nil)

	term := sv.connect(t, key, 100, 30)
	term.waitScreen("Security notices", "new SSH key", gossh.FingerprintSHA256(key.PublicKey()))
	term.press(keyEnter)
	term.waitGone("Security notices")
	usersGrid(term)
	term.press(keyPgDown)
	term.waitScreen("16-30 of 100", "page 2/7")
	term.press("q")
	if code := term.exitStatus(); code != 0 {
		t.Fatalf("exit status %d after q", code)
	}

	fp := gossh.FingerprintSHA256(key.PublicKey())
	from := term.client.LocalAddr().String()
	var end store.Entry
	waitFor(t, "ssh.end in the action log", func() (bool, string) {
		ends := logEntries(t, st, "ssh.end")
		if len(ends) == 0 {
			return false, "none"
		}
		end = ends[0]
		return true, ""
	})
	starts := logEntries(t, st, "ssh.start")
	if len(starts) != 1 {
		t.Fatalf("%d ssh.start entries, want 1", len(starts))
	}
	start := starts[0]
	for _, e := range []store.Entry{start, end} {
		if e.Operator != "ivan" || e.Via != sshconsole.Via || e.After["fingerprint"] != fp || e.After["from"] != from || e.Refused() {
			t.Errorf("%s: operator %q via %q after %v result %q; want ivan via ssh, fingerprint %s from %s",
				e.Action, e.Operator, e.Via, e.After, e.Result, fp, from)
		}
	}
	if end.After["reason"] != sshserve.ReasonQuit {
		t.Errorf("ssh.end reason %q, want %q", end.After["reason"], sshserve.ReasonQuit)
	}
	if _, err := time.ParseDuration(end.After["duration"]); err != nil {
		t.Errorf("ssh.end duration %q: %v", end.After["duration"], err)
	}
	if end.Seq < start.Seq {
		t.Errorf("ssh.end (%d) before ssh.start (%d)", end.Seq, start.Seq)
	}
}

// Keys that map to nobody, and the key of a suspended operator, are
// refused at the handshake: no session, nothing in the action log, and a
// line in the server's log with the fingerprint and the address (never on
// stderr: TestMain checks).
func TestSSHRefusedKeys(t *testing.T) {
	st := newSite(t, 10)
	ivan := st.operator(t, "ivan", store.RoleInstaller)
	sue := st.operator(t, "sue", store.RoleSupervisor)
	check(t, st.s.SuspendOperator(st.admin, "sue"))
	sv := serve(t, st, nil)

	stranger := newKey(t)
	for name, key := range map[string]gossh.Signer{"unknown key": stranger, "suspended operator": sue} {
		c, err := sv.dial(t, key)
		if err == nil {
			c.Close()
			t.Fatalf("%s: the handshake succeeded", name)
		}
		if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("%s: %v, want an authentication failure", name, err)
		}
		fp := gossh.FingerprintSHA256(key.PublicKey())
		waitFor(t, name+" in the server log", func() (bool, string) {
			for _, line := range strings.Split(sv.logs.String(), "\n") {
				if strings.Contains(line, "ssh key refused") && strings.Contains(line, fp) && strings.Contains(line, "remote=127.0.0.1:") {
					return true, ""
				}
			}
			return false, sv.logs.String()
		})
	}
	if !strings.Contains(sv.logs.String(), "suspended") {
		t.Errorf("the refusal of sue's key does not say why:\n%s", sv.logs.String())
	}

	// The one authorized key still works, and is the only session logged.
	term := sv.connect(t, ivan, 100, 30)
	usersGrid(term)
	if n := len(logEntries(t, st, "ssh.start")); n != 1 {
		t.Fatalf("%d ssh.start entries, want 1 (ivan's)", n)
	}
	if sv.srv.Sessions() != 1 {
		t.Fatalf("%d sessions, want 1", sv.srv.Sessions())
	}
}

// withSecondFactor makes the Installer role require a second factor and
// enrols an authenticator app for name; it returns a function giving the
// app's code at the store's present time. The clock moves past the code
// used for the enrolment, which a login may not use again.
func withSecondFactor(t *testing.T, st *site, clk *clock, name string) func() string {
	t.Helper()
	check(t, st.s.UpdateRole(st.admin, store.Role{Name: store.RoleInstaller, Require2FA: true}))
	a, err := st.s.Actor(name, "test")
	check(t, err)
	enrol, err := st.s.BeginTOTP(a)
	check(t, err)
	code, err := totp.Code(enrol.Secret, clk.now())
	check(t, err)
	_, _, err = st.s.ConfirmTOTP(a, code)
	check(t, err)
	st.acknowledge(t, name)
	clk.advance(time.Minute)
	return func() string {
		code, err := totp.Code(enrol.Secret, clk.now())
		check(t, err)
		return code
	}
}

// An operator whose role requires a second factor logs in by key, is asked
// for the code inside the session, and gets the console after typing it.
func TestSSHSecondFactorInSession(t *testing.T) {
	clk := &clock{t: time.Now()}
	st := newSiteAt(t, 10, clk.now)
	key := st.operator(t, "ivan", store.RoleInstaller)
	code := withSecondFactor(t, st, clk, "ivan")
	a, err := st.s.ActorByKey(gossh.FingerprintSHA256(key.PublicKey()), "ssh", "")
	check(t, err)
	if a.Step() != store.StepSecondFactor {
		t.Fatalf("a key login of ivan has step %q, want %q", a.Step(), store.StepSecondFactor)
	}

	sv := serve(t, st, nil)
	term := sv.connect(t, key, 100, 30)
	term.waitScreen("Second factor", "authenticator")
	if strings.Contains(term.screen(), panelMain) {
		t.Fatalf("the panels are shown before the second factor:\n%s", term.screen())
	}
	term.press(code() + keyEnter)
	usersGrid(term)
	es := logEntries(t, st, "operator.second-factor")
	if len(es) == 0 || es[len(es)-1].Via != sshconsole.Via || es[len(es)-1].Refused() {
		t.Fatalf("operator.second-factor entries %+v: want the last one accepted, via ssh", es)
	}
}

// Over SSH the key is the only way in: going back from the second-factor
// step, or logging out, ends the session; the console's password login is
// never offered to an SSH client.
func TestSSHKeyOnly(t *testing.T) {
	clk := &clock{t: time.Now()}
	st := newSiteAt(t, 10, clk.now)
	ivan := st.operator(t, "ivan", store.RoleInstaller)
	sue := st.operator(t, "sue", store.RoleSupervisor)
	withSecondFactor(t, st, clk, "ivan")
	sv := serve(t, st, nil)

	term := sv.connect(t, ivan, 100, 30)
	term.waitScreen("Second factor")
	term.press("\x1b")
	term.exitStatus()
	if strings.Contains(term.screen(), "Password") {
		t.Errorf("esc at the second factor offered a password login:\n%s", term.screen())
	}

	term = sv.connect(t, sue, 100, 30)
	term.waitScreen(panelMain)
	term.press("\x04") // ctrl+d: log out
	term.waitScreen("Log out operator sue?")
	term.press("y")
	term.exitStatus()
	if strings.Contains(term.screen(), "Password") {
		t.Errorf("logging out offered a password login:\n%s", term.screen())
	}
}

// Sessions share the one store and see each other's changes live: a label
// changed through the store, then one changed in another session's
// console, appear in every open Users grid without a key press.
func TestSSHSessionsSeeEachOthersChanges(t *testing.T) {
	st := newSite(t, 40)
	ivan := st.operator(t, "ivan", store.RoleInstaller)
	sue := st.operator(t, "sue", store.RoleSupervisor)
	sv := serve(t, st, nil)

	a := sv.connect(t, ivan, 100, 30)
	b := sv.connect(t, sue, 100, 30)
	usersGrid(a)
	usersGrid(b)

	check(t, st.s.SetLabel(st.admin, st.main.ID, 3, "Night guard"))
	a.waitScreen("Night guard")
	b.waitScreen("Night guard")

	a.press(keyDown + keyDown + keyDown) // slot 4
	a.press("l")
	a.waitScreen("Edit label — panel user 4")
	a.press(keyCtrlU + "Boiler room")
	a.waitScreen("Boiler room▌")
	a.press(keyEnter)
	b.waitScreen("4 Boiler room")
	if u, err := st.s.GetUser(st.admin, st.main.ID, 4); err != nil || u.Label != "Boiler room" {
		t.Fatalf("slot 4: %+v, %v", u, err)
	}
	es := logEntries(t, st, "user.label")
	if len(es) == 0 || es[len(es)-1].Operator != "ivan" || es[len(es)-1].Via != sshconsole.Via {
		t.Fatalf("user.label entries %+v: want the last by ivan via ssh", es)
	}
}

// Every session ends cleanly, however it ends: q, a hang-up or the
// server's shutdown. Each end is logged with its reason; each console's
// wait for store changes stops when its session ends, before anything is
// committed that would wake it (so a console that was never closed would
// show); and no goroutine is left behind.
func TestSSHSessionsEndCleanly(t *testing.T) {
	st := newSite(t, 40)
	keys := make([]gossh.Signer, 4)
	for i := range keys {
		keys[i] = st.operator(t, fmt.Sprintf("op%d", i), store.RoleSupervisor)
	}
	// Each session's end pauses after its console is closed, before
	// ssh.end is committed, until the test has counted the waiters.
	closed, resume, done := make(chan string, len(keys)+1), make(chan struct{}), make(chan struct{})
	sv := serveHooked(t, st, nil, func(s *sshserve.Session) {
		closed <- s.Identity.Operator
		select {
		case <-resume:
		case <-done:
		}
	})
	t.Cleanup(func() { close(done) }) // before the server's cleanup stops it
	// ended waits for one session's console to close, checks that only
	// open consoles still wait for changes, and lets the session end.
	ended := func(open int) {
		t.Helper()
		select {
		case <-closed:
		case <-time.After(waitLimit):
			t.Fatal("no session ended")
		}
		waitFor(t, fmt.Sprintf("at most %d consoles waiting for changes", open), func() (bool, string) {
			n, stacks := changeWaiters()
			return n <= open, stacks
		})
		resume <- struct{}{}
	}

	// A first session warms up what is started once per process; the
	// goroutines after it ends are the baseline.
	warm := sv.connect(t, keys[0], 100, 30)
	usersGrid(warm)
	if n, stacks := changeWaiters(); n != 1 {
		t.Fatalf("%d consoles wait for store changes, want 1:\n%s", n, stacks)
	}
	warm.press("q")
	ended(0)
	warm.exitStatus()
	warm.close()
	baseline := settledGoroutines(t)

	terms := make([]*terminal, len(keys))
	for i, k := range keys {
		terms[i] = sv.connect(t, k, 100, 30)
		usersGrid(terms[i])
	}
	terms[0].press("q")
	ended(3)
	terms[1].close()
	ended(2)
	// terms[2] and terms[3] are still open: they end with the server.
	stopped := make(chan error, 1)
	go func() { stopped <- sv.stop() }()
	ended(1)
	ended(0)
	check(t, <-stopped)
	for _, term := range terms {
		term.close()
	}
	waitFor(t, fmt.Sprintf("goroutines back to %d", baseline), func() (bool, string) {
		n, stacks := goroutines()
		return n <= baseline, fmt.Sprintf("%d goroutines:\n%s", n, stacks)
	})

	reasons := map[string]int{}
	for _, e := range logEntries(t, st, "ssh.end") {
		reasons[e.After["reason"]]++
	}
	want := map[string]int{sshserve.ReasonQuit: 2, sshserve.ReasonDisconnect: 1, sshserve.ReasonShutdown: 2}
	if fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Errorf("end reasons %v, want %v", reasons, want)
	}
	if n := len(logEntries(t, st, "ssh.start")); n != 5 {
		t.Errorf("%d ssh.start entries, want 5", n)
	}
}

// A session left without a key press ends on its own, and the log says so.
func TestSSHIdleTimeout(t *testing.T) {
	st := newSite(t, 10)
	key := st.operator(t, "ivan", store.RoleGuard)
	sv := serve(t, st, func(c *sshconsole.Config) { c.IdleTimeout = time.Second })
	term := sv.connect(t, key, 100, 30)
	if code := term.exitStatus(); code == 0 {
		t.Errorf("the idle session ended with exit status 0")
	}
	waitFor(t, "ssh.end", func() (bool, string) {
		es := logEntries(t, st, "ssh.end")
		return len(es) == 1 && es[0].After["reason"] == sshserve.ReasonIdle, fmt.Sprint(es)
	})
}

// The client's window size reaches the console: the Users grid
// shows its Created column only from 92 columns, and follows a resize.
func TestSSHWindowSize(t *testing.T) {
	st := newSite(t, 40)
	key := st.operator(t, "ivan", store.RoleInstaller)
	sv := serve(t, st, nil)
	term := sv.connect(t, key, 100, 30)
	usersGrid(term)
	if !strings.Contains(term.screen(), " Created ") {
		t.Fatalf("no Created column at 100 columns:\n%s", term.screen())
	}
	term.resize(90, 30)
	term.waitGone(" Created ")
	term.waitScreen(label2)
}

// A session the store ends (the operator suspended while connected) is
// logged with that reason, not as a quit: the console quits because the
// store refused the session.
func TestSSHSessionEndedBySuspension(t *testing.T) {
	st := newSite(t, 10)
	ivan := st.operator(t, "ivan", store.RoleInstaller)
	sv := serve(t, st, nil)
	term := sv.connect(t, ivan, 100, 30)
	usersGrid(term)
	check(t, st.s.SuspendOperator(st.admin, "ivan"))
	if code := term.exitStatus(); code != 1 {
		t.Errorf("exit status %d, want 1 (the session was ended, not quit)", code)
	}
	var end store.Entry
	waitFor(t, "ssh.end in the action log", func() (bool, string) {
		ends := logEntries(t, st, "ssh.end")
		if len(ends) == 0 {
			return false, "none"
		}
		end = ends[0]
		return true, ""
	})
	if end.After["reason"] != store.EndSuspended {
		t.Errorf("ssh.end reason %q, want %q", end.After["reason"], store.EndSuspended)
	}
	// The server's own diagnostics line says so too (issue 13 item 13).
	if logs := sv.logs.String(); !strings.Contains(logs, `msg="ssh session end"`) || !strings.Contains(logs, "reason="+store.EndSuspended) {
		t.Errorf("the diagnostics log does not give the end as %q:\n%s", store.EndSuspended, logs)
	}
}
