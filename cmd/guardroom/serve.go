package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/guardroom/guardroom/cmd/internal/attach"
	"github.com/guardroom/guardroom/cmd/internal/sshconsole"
	"github.com/guardroom/guardroom/cmd/internal/sshserve"
	"github.com/guardroom/guardroom/drivers/dispatch"
	"github.com/guardroom/guardroom/store"
)

// socketFile is the service's control socket, in the data directory.
const socketFile = "guardroom.sock"

func serveCommands() []*command {
	return []*command{{
		name: "serve", maxArgs: 0, local: true,
		summary: "own the site: carry changes to the panels, serve the console and commands to this machine (and SSH), until ctrl+c",
		details: "The service holds the database. While it runs, guardroom console and every other command\n" +
			"on this machine run inside it through its socket DATA/" + socketFile + " (mode 0600: only\n" +
			"the user it runs as can use it; with --group or [serve] group, mode 0660 for the members\n" +
			"of that group too), with the same login, output and exit codes: several consoles at\n" +
			"once, each seeing the others' changes, and backups while they are open.\n" +
			"With --ssh it serves the console over SSH too, as guardroom ssh does.\n\n" +
			"ctrl+c or SIGTERM stops it: running commands and consoles are told and ended, the\n" +
			"dispatcher finishes the jobs in hand, and the database is closed. Its diagnostics go\n" +
			"to the log file, and to standard error when that is a terminal.",
		example: "guardroom serve\nguardroom serve --ssh :2222",
		setup: func(fs *flag.FlagSet) runFunc {
			sshAddr := fs.String("ssh", "", "serve the console over SSH on `ADDR` too (host:port; config [ssh] sets its limits)")
			group := fs.String("group", "", "let the local OS users of `GROUP` attach too: the socket is then mode 0660 and the group's (default config [serve] group)")
			return func(e *env, _ []string) error {
				if *group == "" {
					*group = e.cfg.Serve.Group
				}
				return e.serve(*sshAddr, *group)
			}
		},
	}, {
		name: "status", maxArgs: 0,
		summary: "show whether guardroom serve runs (since when, its sessions), the panels online, the job queue and the last backup",
		example: "guardroom status\nguardroom status --json",
		setup: func(fs *flag.FlagSet) runFunc {
			asJSON := jsonFlag(fs)
			return func(e *env, _ []string) error { return e.status(*asJSON) }
		},
	}}
}

// service is what guardroom serve shares with the commands it runs.
type service struct {
	s       *store.Store
	key     []byte
	dataDir string
	d       *dispatch.Dispatcher
	log     *slog.Logger
	logPath string
	started time.Time
	attach  *attach.Server
	ssh     *sshserve.Server // nil without --ssh
}

// serve runs the service until the command's context ends.
func (e *env) serve(sshAddr, group string) error {
	if err := e.openStore(openOptions{noLogin: true, mustExist: true, groupShared: group != ""}); err != nil {
		return err
	}
	if term.IsTerminal(int(os.Stderr.Fd())) && e.rawStderr == os.Stderr {
		e.logger = slog.New(slog.NewMultiHandler(e.logger.Handler(), slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	}
	dir := e.cfg.DataDir
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("the data directory %s can be written by other users (mode %04o), who could replace the service's socket: run chmod 700 %s", dir, st.Mode().Perm(), dir)
	}
	if err := groupCanReach(dir, st, group); err != nil {
		return err
	}
	stopBackups, err := e.startBackups()
	if err != nil {
		return err
	}
	defer stopBackups()
	sock := filepath.Join(dir, socketFile)
	// This process holds the database, so a socket there is one a killed
	// service left behind: Listen replaces it.
	ln, gid, err := attach.Listen(sock, group)
	if err != nil {
		return err
	}
	defer os.Remove(sock)
	svc := &service{s: e.s, key: e.key, dataDir: dir, d: e.newDispatcher(0), log: e.log(), logPath: e.cfg.LogFile, started: time.Now()}
	srv, err := attach.NewServer(attach.Config{Log: e.log(), Run: svc.run, Group: gid,
		IdleTimeout: e.cfg.Serve.IdleTimeout, MaxLifetime: e.cfg.Serve.MaxSession})
	if err != nil {
		ln.Close()
		return err
	}
	svc.attach = srv

	// The dispatcher outlives the sessions: it stops between jobs once
	// the last of them has ended.
	dctx, stopDispatch := context.WithCancel(context.WithoutCancel(e.ctx))
	defer stopDispatch()
	dispatched := make(chan error, 1)
	go func() { dispatched <- svc.d.Run(dctx) }()

	sshDone := make(chan error, 1)
	sshDone <- nil
	if sshAddr != "" {
		if svc.ssh, err = e.serveSSHIn(sshAddr, sshDone); err != nil {
			stopDispatch()
			<-dispatched
			ln.Close()
			return err
		}
	}
	e.log().Info("service started", "data", dir, "socket", sock, "pid", os.Getpid(), "version", version)
	fmt.Fprintf(e.stdout, "guardroom serves %s on %s (pid %d); stop with ctrl+c.\n", dir, sock, os.Getpid())
	err = srv.Serve(e.ctx, ln)
	if serr := <-sshDone; serr != nil && err == nil {
		err = serr
	}
	stopDispatch()
	if derr := <-dispatched; derr != nil {
		e.log().Error("dispatcher", "error", derr.Error())
	}
	e.log().Info("service stopped")
	return err
}

// groupCanReach checks, with a socket group, that its members can reach
// the socket in the data directory dir (its info st): the directory must
// be that group's and searchable by it (as 0750 is).
func groupCanReach(dir string, st os.FileInfo, group string) error {
	if group == "" {
		return nil
	}
	gid, err := attach.LookupGroup(group)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if ok && strconv.Itoa(int(sys.Gid)) == gid && st.Mode().Perm()&0o010 != 0 {
		return nil
	}
	return fmt.Errorf("the members of group %s cannot reach the socket in the data directory %s: run chgrp %s %s && chmod 750 %s", group, dir, group, dir, dir)
}

// serveSSHIn starts the SSH console in the service; done gets its end.
func (e *env) serveSSHIn(addr string, done chan error) (*sshserve.Server, error) {
	<-done
	lim := e.cfg.SSH
	srv, err := sshconsole.New(e.s, sshconsole.Config{
		Listen: addr, HostKeyPath: filepath.Join(e.cfg.DataDir, hostKeyFile),
		IdleTimeout: e.cfg.Serve.IdleTimeout, MaxTimeout: e.cfg.Serve.MaxSession,
		Theme: e.cfg.Theme, Keys: e.cfg.Keys, NoMouse: e.cfg.NoMouse, NoBell: e.cfg.NoBell, Logger: e.log(),
		HandshakeTimeout: lim.HandshakeTimeout, MaxUnauthenticated: lim.MaxUnauthenticated,
		MaxUnauthenticatedPerAddr: lim.MaxUnauthenticatedPerAddress,
	})
	if err != nil {
		return nil, err
	}
	e.log().Info("ssh console started", "addr", srv.Addr().String())
	fmt.Fprintf(e.stdout, "serving the console over SSH on %s\n", srv.Addr())
	go func() { done <- srv.Serve(e.ctx) }()
	return srv, nil
}

// run runs a client's command in the service.
func (svc *service) run(ctx context.Context, s *attach.Session) int {
	e := newEnv(ctx, s.Stdin, s.Stdout, s.Stderr)
	e.service, e.session, e.getenv, e.cwd = svc, s, s.Getenv, s.Cwd
	return e.run(s.Args)
}

// serviceLog makes a command in the service log to the service's log,
// each line naming its session, so two consoles' lines tell apart.
func (e *env) serviceLog() {
	if e.service == nil || e.session == nil {
		return
	}
	e.session.SetCommand(e.cmdName())
	e.logFile = &lazyFile{path: e.service.logPath, warn: e.stderr}
	e.logger = e.service.log.With("session", e.session.ID)
}

// useService gives the run the service's store, once its settings name
// the same data directory.
func (e *env) useService() error {
	svc := e.service
	a, err1 := os.Stat(e.cfg.DataDir)
	b, err2 := os.Stat(svc.dataDir)
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		return &usageError{msg: fmt.Sprintf("this service serves %s, not %s: check --data (or data_dir in the config file)", svc.dataDir, e.cfg.DataDir), noUsage: true}
	}
	e.s, e.key = svc.s, svc.key
	return nil
}

// attachEnv is what a command in the service reads of the client's
// environment: guardroom's own variables, where files are, the terminal.
func attachEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "GUARDROOM_"), strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "LC_"),
			k == "HOME", k == "TERM", k == "COLORTERM", k == "NO_COLOR", k == "LANG", k == "TZ":
			out = append(out, kv)
		}
	}
	return out
}

// attach runs the command line in the service when one answers on the
// data directory's socket. attached is false when none does: the command
// then opens the database itself.
func (e *env) attach(args []string) (code int, attached bool, err error) {
	cwd, err := os.Getwd()
	if err != nil {
		return 0, false, err
	}
	c := &attach.Client{Args: args, Cwd: cwd, Env: attachEnv(), Stdin: e.stdinOrFile(), Stdout: e.rawStdout, Stderr: e.rawStderr,
		FullScreen: e.cmdName() == "console"}
	start := time.Now()
	code, err = c.Run(e.ctx, filepath.Join(e.cfg.DataDir, socketFile))
	if errors.Is(err, attach.ErrNoService) {
		return 0, false, nil
	}
	// The service logs the command (with its session); what this client
	// logs is its own, and a log this user may not write (the site's, for
	// a member of the socket group) is no cause to warn.
	if e.logFile != nil {
		e.logFile.warn = io.Discard
	}
	if err == nil {
		e.log().Info("command ran in the service", "command", e.cmdName(), "exit", code, "duration", time.Since(start).Round(time.Millisecond).String())
	}
	return code, true, err
}

// stdinOrFile is stdin as given: the file itself when it is one, so the
// client can tell a terminal.
func (e *env) stdinOrFile() io.Reader {
	if e.stdinFile != nil {
		return e.stdinFile
	}
	return e.stdin
}

// waitPanel waits until the service's dispatcher has carried the panel's
// due jobs (0: the mail), or ctx ends: a command then reports what the
// panel did, as it does when it drains the panel itself.
func (svc *service) waitPanel(ctx context.Context, panel uint64) error {
	sub := svc.s.Subscribe()
	defer sub.Close()
	sys := svc.s.Internal("dispatcher")
	return waitTarget(ctx, sub, panel, func() (bool, error) { return svc.s.TargetDue(sys, panel) })
}

// waitTarget waits until due reports none of target's jobs due. It asks
// again only after a change to target's jobs: the other panels' jobs (a
// bulk load's, finished in runs) cost it nothing.
func waitTarget(ctx context.Context, sub *store.Subscription, target uint64, due func() (bool, error)) error {
	for {
		if more, err := due(); err != nil || !more {
			return err
		}
		for touched := false; !touched; {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-sub.C:
				touched = slices.ContainsFunc(sub.Changes(), func(c store.Change) bool {
					return c.What == store.ChangeAll || c.What == store.ChangeJob && c.Panel == target
				})
			}
		}
	}
}

// statusReport is what guardroom status says; --json prints it as is.
type statusReport struct {
	DataDir string         `json:"data_dir"`
	Service *serviceStatus `json:"service"` // null: no service runs
	Panels  struct {
		Online  int `json:"online"`
		Offline int `json:"offline"`
		// KeypadOnly are programmed by hand: nothing connects to them,
		// so they are neither online nor offline.
		KeypadOnly int `json:"keypad_only"`
	} `json:"panels"`
	Jobs struct {
		Pending int `json:"pending"`
		Keypad  int `json:"keypad"`
		Failed  int `json:"failed"`
		Drift   int `json:"drift"`
	} `json:"jobs"`
	LastBackup *time.Time `json:"last_backup"` // null: none in the action log
	// BackupFailedSince is when the first backup that failed or was
	// missed was due (null: none since the last one made), and
	// BackupProblem what went wrong.
	BackupFailedSince *time.Time `json:"backup_failed_since"`
	BackupProblem     string     `json:"backup_problem,omitempty"`
}

type serviceStatus struct {
	Since   time.Time `json:"since"`
	PID     int       `json:"pid"`
	Version string    `json:"version"`
	// Commands counts the commands and consoles attached through the
	// socket, this one included; SSH the SSH console's sessions.
	Commands int `json:"commands"`
	SSH      int `json:"ssh"`
	// Sessions lists them, oldest first in each kind.
	Sessions []sessionStatus `json:"sessions"`
}

// sessionStatus is one session in the service.
type sessionStatus struct {
	ID  uint64 `json:"id"`
	Via string `json:"via"` // socket or ssh
	// From is the local OS user of a socket session, the address of an
	// SSH one.
	From    string    `json:"from"`
	Command string    `json:"command"` // its name; console over SSH
	Since   time.Time `json:"since"`
	// Operator is who it logged in as: "" not yet (or logged out).
	Operator string `json:"operator"`
	This     bool   `json:"this,omitempty"` // the guardroom status asking
}

// sessions lists the service's sessions: attached, then SSH.
func (svc *service) sessions(self *attach.Session) []sessionStatus {
	list := []sessionStatus{}
	for _, s := range svc.attach.Sessions() {
		from := fmt.Sprintf("uid %d", s.UID)
		if u, err := user.LookupId(strconv.Itoa(s.UID)); err == nil {
			from = u.Username
		}
		list = append(list, sessionStatus{ID: s.ID, Via: "socket", From: from, Command: s.Command(),
			Since: s.Started, Operator: s.Operator(), This: s == self})
	}
	if svc.ssh != nil {
		for _, s := range svc.ssh.List() {
			list = append(list, sessionStatus{ID: s.ID, Via: "ssh", From: s.RemoteAddr, Command: "console",
				Since: s.Started, Operator: s.Identity.Operator})
		}
	}
	return list
}

// sessionActor records on the attached session who its command or
// console logged in as, once no login step is left ("" at a log out).
func (e *env) sessionActor(a store.Actor) {
	if e.session == nil {
		return
	}
	name := ""
	if a.Step() == store.StepNone {
		name = a.Name()
	}
	e.session.SetOperator(name)
}

// writeSessions lists the sessions under the status's Sessions line.
func writeSessions(w io.Writer, list []sessionStatus) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range list {
		who := s.Operator
		if who == "" {
			who = "not logged in yet"
		}
		via := s.Via + " " + s.From
		if s.This {
			via += " (this one)"
		}
		fmt.Fprintf(tw, "  #%d\t%s\tsince %s\t%s\t%s\n", s.ID, who, s.Since.Local().Format("2006-01-02 15:04:05"), via, s.Command)
	}
	tw.Flush()
}

// status reports on the site as the operator may see it: asked through
// the service when one runs, else from the database directly.
func (e *env) status(asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	r := statusReport{DataDir: e.cfg.DataDir}
	if svc := e.service; svc != nil {
		r.Service = &serviceStatus{Since: svc.started, PID: os.Getpid(), Version: version, Commands: svc.attach.Running(),
			Sessions: svc.sessions(e.session)}
		if svc.ssh != nil {
			r.Service.SSH = svc.ssh.Sessions()
		}
	}
	panels, err := e.s.ListPanels(e.actor)
	if err != nil {
		return err
	}
	for _, p := range panels {
		switch {
		case p.KeypadOnly():
			r.Panels.KeypadOnly++
		case p.Conn.Online:
			r.Panels.Online++
		default:
			r.Panels.Offline++
		}
	}
	c, err := e.s.SyncCounts(e.actor, 0)
	if err != nil {
		return err
	}
	r.Jobs.Pending, r.Jobs.Keypad, r.Jobs.Failed, r.Jobs.Drift = c.Pending, c.Keypad, c.Failed, c.Drift
	entries, err := e.s.ListLog(e.actor, store.LogFilter{Action: "backup", Limit: 1})
	if err != nil {
		return err
	}
	if len(entries) > 0 && entries[0].Result == "ok" {
		r.LastBackup = &entries[0].Time
	}
	if err := e.backupStatus(&r); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, r)
	}
	if s := r.Service; s != nil {
		fmt.Fprintf(e.stdout, "Service:     guardroom serve %s, pid %d, up since %s (%s)\n", s.Version, s.PID,
			s.Since.Local().Format("2006-01-02 15:04:05"), time.Since(s.Since).Round(time.Second))
		fmt.Fprintf(e.stdout, "Sessions:    %d through its socket (this one included), %d over SSH\n", s.Commands, s.SSH)
		writeSessions(e.stdout, s.Sessions)
	} else {
		fmt.Fprintln(e.stdout, "Service:     not running: each command opens the database itself (start one with guardroom serve)")
	}
	fmt.Fprintf(e.stdout, "Data:        %s\n", r.DataDir)
	panelsLine := fmt.Sprintf("%d online, %d offline", r.Panels.Online, r.Panels.Offline)
	if r.Panels.KeypadOnly > 0 {
		panelsLine += fmt.Sprintf(", %d keypad only", r.Panels.KeypadOnly)
	}
	fmt.Fprintf(e.stdout, "Panels:      %s\n", panelsLine)
	fmt.Fprintf(e.stdout, "Jobs:        %s\n", countsText(c))
	if r.LastBackup != nil {
		fmt.Fprintf(e.stdout, "Last backup: %s\n", r.LastBackup.Local().Format("2006-01-02 15:04:05"))
	} else {
		fmt.Fprintln(e.stdout, "Last backup: none in the action log: make one with guardroom backup FILE")
	}
	if r.BackupFailedSince != nil {
		fmt.Fprintf(e.stdout, "Backups:     FAILING since %s: %s\n", r.BackupFailedSince.Local().Format("2006-01-02 15:04"), r.BackupProblem)
	}
	return nil
}
