//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
	"github.com/guardroom/guardroom/store"
	gossh "golang.org/x/crypto/ssh"
)

// These tests run guardroom as processes of its own: this test binary,
// which runs main when mainEnv is set.
const mainEnv = "GUARDROOM_TEST_RUN_MAIN"

func init() {
	if os.Getenv(mainEnv) == "1" {
		main()
	}
}

// command is guardroom run as a process in the site's root directory,
// with the site's flags.
func (s *site) command(args ...string) *exec.Cmd {
	s.t.Helper()
	if testing.Short() {
		s.t.Skip("runs guardroom as processes; skipped with -short")
	}
	cmd := exec.Command(os.Args[0], append(s.flags(), args...)...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	cmd.Dir = s.root
	// A test binary that dies (a timeout) takes its services along.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// exec runs a command as a process, stdin a pipe with what is given.
func (s *site) exec(stdin string, args ...string) result {
	s.t.Helper()
	cmd := s.command(args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		s.t.Fatal(err)
	}
	return result{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
}

var (
	timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT[0-9:.]+Z`)
	sizeRE = regexp.MustCompile(`\([0-9.]+ [KMG]?i?B\)`)
)

// server is a running guardroom serve.
type server struct {
	t      testing.TB
	cmd    *exec.Cmd
	log    string
	stderr *bytes.Buffer // after it ended: a race report lands here
	// sshAddr is where it serves SSH, with --ssh.
	sshAddr string
}

// serve starts guardroom serve and returns once it listens; the test's
// end stops it.
func (s *site) serve(args ...string) *server {
	s.t.Helper()
	cmd := s.command(append([]string{"serve"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	sv := &server{t: s.t, cmd: cmd, log: filepath.Join(s.data, "guardroom.log"), stderr: &errb}
	lines := bufio.NewReader(out)
	for {
		line, err := lines.ReadString('\n')
		if addr, ok := strings.CutPrefix(line, "serving the console over SSH on "); ok {
			sv.sshAddr = strings.TrimSpace(addr) // with --ssh, said first
			continue
		}
		if !strings.HasPrefix(line, "guardroom serves ") {
			cmd.Process.Kill()
			cmd.Wait()
			s.t.Fatalf("serve did not start: %q %v\n%s", line, err, errb.String())
		}
		break
	}
	go io.Copy(io.Discard, lines)
	s.t.Cleanup(func() {
		if sv.cmd.ProcessState == nil {
			sv.cmd.Process.Kill()
			sv.cmd.Wait()
		}
	})
	return sv
}

// stop ends the service with SIGTERM and returns its exit code.
func (sv *server) stop() int {
	sv.t.Helper()
	if err := sv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		sv.t.Fatal(err)
	}
	sv.cmd.Wait()
	if code := sv.cmd.ProcessState.ExitCode(); code != 0 {
		sv.t.Logf("serve's stderr:\n%s", sv.stderr.String())
	}
	return sv.cmd.ProcessState.ExitCode()
}

// kill ends the service with SIGKILL: no chance to close anything.
func (sv *server) kill() {
	sv.t.Helper()
	sv.cmd.Process.Kill()
	sv.cmd.Wait()
}

func (sv *server) logText() string {
	sv.t.Helper()
	b, err := os.ReadFile(sv.log)
	if err != nil {
		sv.t.Fatal(err)
	}
	return string(b)
}

// TestServeRunsCommandsAsDirect: with guardroom serve running, commands
// run in it through its socket (the database is the service's: a direct
// open would be refused) and answer exactly as they do with no service:
// the same output, --json, errors, exit codes, stdin, and relative paths
// from the client's directory.
func TestServeRunsCommandsAsDirect(t *testing.T) {
	direct, served := newSite(t).withPanel(), newSite(t).withPanel()
	sv := served.serve()
	st, err := os.Lstat(filepath.Join(served.data, socketFile))
	if err != nil || st.Mode().Type() != os.ModeSocket || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v %v, want a socket of mode 0600", st.Mode(), err)
	}
	csv := "name,card,active\nAnn Lee,101,yes\nBo Chan,102,no\n"
	for _, s := range []*site{direct, served} {
		if err := os.WriteFile(filepath.Join(s.root, "people.csv"), []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, stdin string
		args        []string
	}{
		{"list", "", []string{"unit", "list"}},
		{"json", "", []string{"user", "list", "1", "--json"}},
		{"import from a relative path", "", []string{"person", "import", "people.csv", "--unit", "HQ"}},
		{"import from stdin", "name,card\nCy Dam,103\n", []string{"person", "import", "-", "--unit", "HQ", "--json"}},
		{"refused by the store", "", []string{"user", "list", "99"}},
		{"refused twice: already imported", "", []string{"person", "import", "people.csv", "--unit", "HQ"}},
		{"usage error", "", []string{"user", "lst"}},
		{"people", "", []string{"person", "list", "--json"}},
		{"backup to a relative path", "", []string{"backup", "site.bak"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, got := direct.exec(c.stdin, c.args...), served.exec(c.stdin, c.args...)
			// The sites differ in where they are, when things were made
			// and, once the service's dispatcher has polled the panel,
			// the size of a backup.
			norm := func(r result, s *site) result {
				for _, out := range []*string{&r.stdout, &r.stderr} {
					*out = strings.ReplaceAll(*out, s.root, "ROOT")
					*out = timeRE.ReplaceAllString(*out, "TIME")
					*out = sizeRE.ReplaceAllString(*out, "(SIZE)")
				}
				return r
			}
			if w, g := norm(want, direct), norm(got, served); w != g {
				t.Fatalf("through the service:\n%s\nwant as direct:\n%s", g, w)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(served.root, "site.bak")); err != nil {
		t.Fatalf("the backup is not in the client's directory: %v", err)
	}
	// A usage error is told before the service is asked.
	if n := strings.Count(sv.logText(), "attach: command started"); n != len(cases)-1 {
		t.Fatalf("the service ran %d commands, want %d", n, len(cases)-1)
	}
	if code := sv.stop(); code != 0 {
		t.Fatalf("serve ended with %d after SIGTERM", code)
	}
	if _, err := os.Lstat(filepath.Join(served.data, socketFile)); !os.IsNotExist(err) {
		t.Fatalf("socket left after a clean stop: %v", err)
	}
	// With the service gone, commands open the database themselves.
	served.ok("", "panel", "list")
}

// TestServeKilledLosesNothing: kill -9 of the service during an import a
// client runs through it, and again after a change it acknowledged; each
// restart finds the import whole or not at all, every acknowledged change,
// and an action log that verifies.
func TestServeKilledLosesNothing(t *testing.T) {
	s := newSite(t).withPanel()
	var csv strings.Builder
	csv.WriteString("name,card\n")
	const rows = 20000
	for i := range rows {
		fmt.Fprintf(&csv, "Person %d,%d\n", i, 10000+i)
	}
	path := filepath.Join(s.root, "many.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	people := func() int {
		var list []json.RawMessage
		s.jsonOut(&list, "person", "list")
		return len(list)
	}

	sv := s.serve()
	// On a terminal the import draws its progress while the store works:
	// the service is killed then, in the middle of it.
	imp := s.onTerminal(100, 10, "person", "import", path, "--unit", "HQ")
	imp.waitScreen("importing people")
	sv.kill()
	if code := imp.end(); code != 1 || !strings.Contains(imp.screen(), "the service ended") {
		t.Fatalf("the client of a killed service: exit %d\n%s", code, imp.screen())
	}
	sv = s.serve()
	n := people()
	if n != 0 && n != rows {
		t.Fatalf("%d of %d people after the kill: an import is all or nothing", n, rows)
	}
	if n == 0 {
		// Done again, to its end this time, and killed after it said so.
		s.ok("", "person", "import", path, "--unit", "HQ")
	}
	sv.kill()
	sv = s.serve()
	if n := people(); n != rows {
		t.Fatalf("%d of %d people after the kill, though the import said it was done", n, rows)
	}

	s.ok("", "unit", "add", "--parent", "HQ", "--kind", "building", "Acknowledged")
	sv.kill()
	s.serve()
	if r := s.ok("", "unit", "list"); !strings.Contains(r.stdout, "Acknowledged") {
		t.Fatalf("a change acknowledged before the kill is lost:\n%s", r)
	}
	s.ok("", "log", "verify")
}

// terminal is a client process on a pseudo-terminal of its own, its
// screen kept by a virtual terminal.
type ptyClient struct {
	t       testing.TB
	cmd     *exec.Cmd
	pty     *os.File
	tty     *os.File
	mu      sync.Mutex // the screen: written by the reader, read by the test
	emu     *vt.Emulator
	changed chan struct{}
	done    chan struct{}
}

func (s *site) onTerminal(w, h int, args ...string) *ptyClient {
	s.t.Helper()
	cmd := s.command(args...)
	cmd.Env = append(cmd.Env, "TERM=xterm-256color")
	// The test keeps the terminal's other side open too: when the last
	// one closes, Linux may drop output not read yet.
	f, tty, err := pty.Open()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := pty.Setsize(f, &pty.Winsize{Cols: uint16(w), Rows: uint16(h)}); err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setctty = true, true
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	term := &ptyClient{t: s.t, cmd: cmd, pty: f, tty: tty, emu: vt.NewEmulator(w, h), changed: make(chan struct{}, 1), done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // output → screen
		defer wg.Done()
		defer close(term.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			if n > 0 {
				term.mu.Lock()
				term.emu.Write(buf[:n])
				term.mu.Unlock()
				select {
				case term.changed <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { // the terminal's answers → the program
		defer wg.Done()
		buf := make([]byte, 4<<10)
		for {
			n, err := term.emu.Read(buf)
			if n > 0 {
				f.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	s.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		tty.Close()
		f.Close()
		term.emu.InputPipe().(io.Closer).Close() // ends the answers' reader
		wg.Wait()
	})
	return term
}

func (term *ptyClient) press(keys string) { io.WriteString(term.pty, keys) }

func (term *ptyClient) screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.emu.String()
}

// end waits for the program to end and for all it wrote to be on the
// screen (a line written after it on the same terminal has arrived), and
// returns its exit code.
// modes says whether the terminal is left in the alternate screen and
// with the cursor hidden.
func (term *ptyClient) modes() (alt, hidden bool) {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.emu.IsAltScreen(), term.emu.CursorHidden()
}

func (term *ptyClient) end() int {
	term.t.Helper()
	term.cmd.Wait()
	io.WriteString(term.tty, "\r\n[program ended]")
	term.waitScreen("[program ended]")
	return term.cmd.ProcessState.ExitCode()
}

// waitScreen waits until the screen shows want. The deadline only turns
// a hang into a failure.
func (term *ptyClient) waitScreen(want string) {
	term.t.Helper()
	deadline := time.After(time.Minute)
	for !strings.Contains(term.screen(), want) {
		select {
		case <-term.changed:
		case <-term.done:
			if !strings.Contains(term.screen(), want) {
				term.t.Fatalf("the program ended without showing %q; screen:\n%s", want, term.screen())
			}
		case <-deadline:
			term.t.Fatalf("no %q on the screen:\n%s", want, term.screen())
		}
	}
}

// TestServeConsolesSeeCLIChanges: two consoles attached to the service
// each log in on their own terminal; a panel added by a CLI command shows
// in both at once, and stopping the service tells them.
func TestServeConsolesSeeCLIChanges(t *testing.T) {
	s := newSite(t).withPanel()
	sv := s.serve()
	consoles := s.loggedInConsoles(2)
	s.ok("", "panel", "add", "--name", "Annex yard", "--family", "dsc-pc1864", "--imei", imei("35824005012345"), "--unit", "HQ",
		"--driver", "sim", "--address", s.root+"/annex", "--option", "state="+filepath.Join(s.root, "annex.json"))
	for _, c := range consoles {
		c.waitScreen("Annex yard")
	}
	if code := sv.stop(); code != 0 {
		t.Fatalf("serve ended with %d", code)
	}
	for _, c := range consoles {
		c.end()
		c.waitScreen("the service is stopping")
	}
}

// TestServeClientKilledEndsItsSessionOnly: a client killed at its password
// prompt ends its own session: the service goes on serving, and stops
// without waiting for it.
func TestServeClientKilledEndsItsSessionOnly(t *testing.T) {
	s := newSite(t).withPanel()
	sv := s.serve()
	prompt := newSite(t).at(s.data, s.key) // no password file: asked on the terminal
	c := prompt.onTerminal(80, 24, "--operator", "admin", "panel", "list")
	c.waitScreen("Password for operator admin:")
	c.cmd.Process.Kill()
	c.cmd.Wait()

	s.ok("", "panel", "list")
	if code := sv.stop(); code != 0 {
		t.Fatalf("serve ended with %d", code)
	}
	log := sv.logText()
	if strings.Contains(log, "did not end in time") {
		t.Fatalf("the killed client's session held the service up:\n%s", log)
	}
	if n := strings.Count(log, "attach: command ended"); n != 2 {
		t.Fatalf("%d sessions ended, want 2:\n%s", n, log)
	}
}

// TestServeAnswersOnTerminal: a CLI command on a terminal asks for the
// password there (without echo) and prints its output as it would
// directly.
func TestServeAnswersOnTerminal(t *testing.T) {
	s := newSite(t).withPanel()
	s.serve()
	other := newSite(t).at(s.data, s.key)
	c := other.onTerminal(120, 30, "--operator", "admin", "panel", "list")
	c.waitScreen("Password for operator admin:")
	c.press(testPassword + "\r")
	c.waitScreen("Main office")
	if code := c.end(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, c.screen())
	}
	if strings.Contains(c.screen(), testPassword) {
		t.Fatalf("the password was echoed:\n%s", c.screen())
	}
}

// TestServeCtrlCAtPrompt: ctrl+c typed at a password prompt of a command
// in the service ends it as it would end a process of its own.
func TestServeCtrlCAtPrompt(t *testing.T) {
	s := newSite(t).withPanel()
	s.serve()
	other := newSite(t).at(s.data, s.key)
	c := other.onTerminal(120, 30, "--operator", "admin", "panel", "list")
	c.waitScreen("Password for operator admin:")
	c.press("\x03")
	code := c.end()
	c.waitScreen("interrupted: nothing was changed")
	if code != 1 {
		t.Fatalf("exit %d:\n%s", code, c.screen())
	}
}

// TestServeStatus: status says whether a service runs, which one (its
// pid), the sessions through it, the panels, the jobs and the last backup.
func TestServeStatus(t *testing.T) {
	s := newSite(t).withPanel()
	if r := s.ok("", "status"); !strings.Contains(r.stdout, "Service:     not running") || !strings.Contains(r.stdout, "Panels:      0 online, 1 offline\n") {
		t.Fatalf("no service:\n%s", r)
	}
	// A panel programmed at its keypad is neither online nor offline.
	s.ok("", "panel", "device", "1", "--driver", "guided")
	if r := s.ok("", "status"); !strings.Contains(r.stdout, "Panels:      0 online, 0 offline, 1 keypad only") {
		t.Fatalf("a keypad-only panel:\n%s", r)
	}
	sv := s.serve()
	var st statusReport
	if err := json.Unmarshal([]byte(s.exec("", "status", "--json").stdout), &st); err != nil {
		t.Fatal(err)
	}
	if st.Service == nil || st.Service.PID != sv.cmd.Process.Pid || st.Service.Commands != 1 || st.Panels.KeypadOnly != 1 || st.Panels.Online+st.Panels.Offline != 0 || st.LastBackup != nil {
		t.Fatalf("status: %+v %+v", st, st.Service)
	}
	s.ok("", "backup", filepath.Join(s.root, "b.bak"))
	if r := s.exec("", "status"); r.code != 0 || strings.Contains(r.stdout, "Last backup: none") || !strings.Contains(r.stdout, fmt.Sprintf("pid %d,", sv.cmd.Process.Pid)) {
		t.Fatalf("after a backup:\n%s", r)
	}
}

// TestServeStatusNamesSessions: status lists each session in the
// service: its operator once logged in (a console's, a command's) or "not
// logged in yet", since when, and via what.
func TestServeStatusNamesSessions(t *testing.T) {
	s := newSite(t).withPanel()
	s.serve()
	console := s.onTerminal(100, 30, "console")
	console.waitScreen("Operator")
	prompt := newSite(t).at(s.data, s.key).onTerminal(80, 24, "--operator", "admin", "panel", "list")
	prompt.waitScreen("Password for operator admin:")

	status := func() []sessionStatus {
		t.Helper()
		var st statusReport
		if err := json.Unmarshal([]byte(s.ok("", "status", "--json").stdout), &st); err != nil || st.Service == nil {
			t.Fatalf("status: %v %+v", err, st)
		}
		return st.Service.Sessions
	}
	operators := func(list []sessionStatus) string {
		var out []string
		for _, x := range list {
			if x.Via != "socket" || x.Since.IsZero() || x.From == "" {
				t.Fatalf("session %+v: want via socket, from a user, since when", x)
			}
			out = append(out, fmt.Sprintf("%s:%s:%v", x.Command, x.Operator, x.This))
		}
		return strings.Join(out, " ")
	}
	if got, want := operators(status()), "console::false panel list::false status:admin:true"; got != want {
		t.Fatalf("before the logins: %s, want %s", got, want)
	}
	console.press(s.operator + "\t" + testPassword + "\r")
	console.waitScreen("Main office")
	if got, want := operators(status()), "console:admin:false panel list::false status:admin:true"; got != want {
		t.Fatalf("console logged in: %s, want %s", got, want)
	}
	if r := s.ok("", "status"); !regexp.MustCompile(`(?m)^  #2 +not logged in yet +since \S+ \S+ +socket \S+ +panel list$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^  #1 +admin +since .* socket \S+ +console$`).MatchString(r.stdout) {
		t.Fatalf("status's text:\n%s", r.stdout)
	}
}

// TestServeStatusNamesSSHSessions: an SSH console in the service shows in
// status with its operator and address.
func TestServeStatusNamesSSHSessions(t *testing.T) {
	s := newSite(t).withPanel()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	s.ok("", "operator", "add-key", "admin", strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key.PublicKey()))))
	sv := s.serve("--ssh", "127.0.0.1:0")
	c, err := gossh.Dial("tcp", sv.sshAddr, &gossh.ClientConfig{User: "admin", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: sshWait})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sshScreen(t, c).wait(t, "Main office")
	var st statusReport
	if err := json.Unmarshal([]byte(s.ok("", "status", "--json").stdout), &st); err != nil || st.Service == nil {
		t.Fatalf("status: %v %+v", err, st)
	}
	var ssh []sessionStatus
	for _, x := range st.Service.Sessions {
		if x.Via == "ssh" {
			ssh = append(ssh, x)
		}
	}
	if len(ssh) != 1 || ssh[0].Operator != "admin" || ssh[0].From != c.LocalAddr().String() || ssh[0].Command != "console" || ssh[0].Since.IsZero() {
		t.Fatalf("ssh sessions %+v, want admin's console from %s", ssh, c.LocalAddr())
	}
	if r := s.ok("", "status"); !regexp.MustCompile(`(?m)^  #1 +admin +since .* ssh ` + regexp.QuoteMeta(c.LocalAddr().String()) + ` +console$`).MatchString(r.stdout) {
		t.Fatalf("status's text:\n%s", r.stdout)
	}
}

// TestServeSocketGroup: with [serve] group the socket is 0660 and the
// group's, commands still attach; a data directory the group cannot
// search is refused with what to do.
func TestServeSocketGroup(t *testing.T) {
	s := newSite(t).withPanel()
	gid := strconv.Itoa(os.Getgid())
	cfg := filepath.Join(s.root, "config", "guardroom", "config.toml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("[serve]\ngroup = \""+gid+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := s.exec("", "serve"); r.code != 1 || !strings.Contains(r.stderr, "cannot reach the socket in the data directory") || !strings.Contains(r.stderr, "chmod 750") {
		t.Fatalf("a 0700 data directory with a group: %s", r)
	}
	if err := os.Chmod(s.data, 0o750); err != nil {
		t.Fatal(err)
	}
	sv := s.serve()
	st, err := os.Lstat(filepath.Join(s.data, socketFile))
	if err != nil || st.Mode().Perm() != 0o660 || strconv.Itoa(int(st.Sys().(*syscall.Stat_t).Gid)) != gid {
		t.Fatalf("socket: %v %v, want mode 0660 of group %s", st.Mode(), err, gid)
	}
	if r := s.exec("", "status"); r.code != 0 || !strings.Contains(r.stdout, "Service:     guardroom serve") {
		t.Fatalf("status through the group's socket:\n%s", r)
	}
	if sv.stop(); strings.Contains(sv.stderr.String(), "can be entered by other users") {
		t.Fatalf("serve warned about the group's access it needs:\n%s", sv.stderr)
	}
}

// TestServeLogNamesSessions: what a command run in the service logs goes
// to the service's log with its session's id, so the lines of two
// commands (or consoles) tell apart.
func TestServeLogNamesSessions(t *testing.T) {
	s := newSite(t).withPanel()
	sv := s.serve()
	s.ok("", "unit", "list")
	s.ok("", "panel", "list")
	sv.stop()
	re := regexp.MustCompile(`(?m)^.*msg="command finished" .*command="(unit|panel) list".*$`)
	lines := re.FindAllString(sv.logText(), -1)
	ids := map[string]bool{}
	for _, l := range lines {
		if m := regexp.MustCompile(`\bsession=(\d+)\b`).FindStringSubmatch(l); m != nil {
			ids[m[1]] = true
		}
	}
	if len(lines) != 2 || len(ids) != 2 {
		t.Fatalf("want two \"command finished\" lines with two session ids, got %d lines, ids %v:\n%s", len(lines), ids, sv.logText())
	}
}

// TestServeClientLogNotWritable: a client whose own log file cannot be
// written (a member of the socket group, whose default log is the site's)
// runs its command in the service without a warning about it.
func TestServeClientLogNotWritable(t *testing.T) {
	s := newSite(t).withPanel()
	s.serve()
	blocked := filepath.Join(s.root, "a-file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := s.ok("", "--log-file", filepath.Join(blocked, "guardroom.log"), "unit", "list")
	if r.stderr != "" {
		t.Fatalf("stderr: %q", r.stderr)
	}
}

// TestServeRefusesWideDataDir: a data directory other users may write to
// could have its socket replaced: serve refuses it and says what to do.
func TestServeRefusesWideDataDir(t *testing.T) {
	s := newSite(t).withPanel()
	if err := os.Chmod(s.data, 0o770); err != nil {
		t.Fatal(err)
	}
	r := s.exec("", "serve")
	if want := "can be written by other users (mode 0770), who could replace the service's socket: run chmod 700"; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Fatalf("want exit 1 and %q, got %s", want, r)
	}
}

// TestWaitPanelAsksOnlyAfterItsJobsChange: a command waiting for the
// service's dispatcher to carry its panel's jobs asks the store again only
// after a change to that panel's jobs. Before, every change notice (each
// run of another panel's bulk load, finished by the dispatcher) reread
// every due job.
func TestWaitPanelAsksOnlyAfterItsJobsChange(t *testing.T) {
	key := make([]byte, 32)
	st, err := store.Open(store.Config{Dir: t.TempDir(), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	admin, err := st.Actor("admin", "test")
	if err != nil {
		t.Fatal(err)
	}
	var panels [2]store.Panel
	for i := range panels {
		panels[i], err = st.AddPanel(admin, store.NewPanel{Name: fmt.Sprintf("W%d", i), Unit: store.RootUnit, Family: "neo-hs2064",
			IMEI: imei(fmt.Sprintf("4901542032376%d", i)), Driver: "sim", Address: fmt.Sprintf("%s/%d", t.Name(), i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	mine, other := panels[0].ID, panels[1].ID
	if err := st.SetCode(admin, mine, 2, "4829", store.CodeOptions{}); err != nil {
		t.Fatal(err)
	}
	sub := st.Subscribe()
	defer sub.Close()
	sys := st.Internal("dispatcher")
	asks := 0
	asked := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- waitTarget(context.Background(), sub, mine, func() (bool, error) {
			if asks++; asks == 1 {
				close(asked)
			}
			return st.TargetDue(sys, mine)
		})
	}()
	<-asked
	for slot := 2; slot <= 21; slot++ { // the other panel's jobs change
		if err := st.SetCode(admin, other, slot, fmt.Sprint(4830+slot*7), store.CodeOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := st.DueJobs(sys, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Panel == mine {
			if err := st.FinishJob(sys, j.Seq, store.JobResult{Driver: "sim", Transport: "in-process", Verified: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if asks != 2 {
		t.Errorf("asked %d times whether the panel's jobs are due, want 2 (at the start, after its job finished)", asks)
	}
	if due, err := st.TargetDue(sys, other); err != nil || !due {
		t.Errorf("the other panel's jobs: due %v (%v), want due", due, err)
	}
}

// loggedInConsoles attaches n consoles to the running service, each on its
// own 100x30 terminal, and logs each in as the site's operator.
func (s *site) loggedInConsoles(n int) []*ptyClient {
	var consoles []*ptyClient
	for range n {
		c := s.onTerminal(100, 30, "console")
		c.waitScreen("Operator")
		c.press(s.operator + "\t" + testPassword + "\r")
		c.waitScreen("Main office")
		consoles = append(consoles, c)
	}
	return consoles
}
