// Package sshconsole serves guardroom's console (package tui) over SSH: the
// store maps each client key to an operator, every session runs its own
// console on the one shared store (so sessions see each other's changes
// live), and each session's start and end go to the action log with the
// key's fingerprint and the client's address.
//
// The SSH side (host key, key-only authentication, timeouts, panic
// recovery, colour profile and window size) is package sshserve; this
// package only says who may log in and what they see.
package sshconsole

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/cmd/internal/sshserve"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui"
)

// Via is how SSH actors and their log entries say they came in.
const Via = "ssh"

// Config says where to listen and how the console looks.
type Config struct {
	// Listen is the TCP address: ":2222", "127.0.0.1:2222", "127.0.0.1:0".
	Listen string
	// HostKeyPath is the ed25519 host key, created once if missing (see
	// sshserve.Config.HostKeyPath).
	HostKeyPath string
	// IdleTimeout ends a session with no key press for this long, and
	// MaxTimeout one this long after it connected (sshserve's defaults,
	// 15 min and 12 h, when zero).
	IdleTimeout, MaxTimeout time.Duration
	// HandshakeTimeout, MaxUnauthenticated and MaxUnauthenticatedPerAddr
	// bound the connections that have not authenticated yet (sshserve's
	// defaults, 20 s, 64 and 8, when zero).
	HandshakeTimeout                              time.Duration
	MaxUnauthenticated, MaxUnauthenticatedPerAddr int
	// Theme, Keys, NoMouse and NoBell are the console's (tui.Options). A client
	// that sends NO_COLOR gets the plain theme whatever Theme says.
	Theme   string
	Keys    map[string][]string
	NoMouse bool
	NoBell  bool
	// Logger receives the server's diagnostics: refused keys with their
	// fingerprint and address, session starts and ends, errors. Nil
	// discards them; nothing is ever written to stderr.
	Logger *slog.Logger
}

// New checks cfg, loads or creates the host key and listens on cfg.Listen.
// Serve the returned server with Serve(ctx); cancelling ctx ends every
// session (reason "server shutdown") and Serve returns once each session's
// end is in the action log. The store must stay open until then.
func New(st *store.Store, cfg Config) (*sshserve.Server, error) {
	return newServer(st, cfg, nil)
}

// newServer is New with a hook that runs in OnEnd once the console is
// closed, before its end is logged (tests).
func newServer(st *store.Store, cfg Config, closed func(*sshserve.Session)) (*sshserve.Server, error) {
	if st == nil {
		return nil, errors.New("sshconsole: no store")
	}
	if err := tui.CheckKeys(cfg.Keys); err != nil {
		return nil, fmt.Errorf("sshconsole: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &consoles{st: st, cfg: cfg, log: log, closed: closed, open: map[*sshserve.Session]*session{}}
	return sshserve.New(sshserve.Config{
		Listen:      cfg.Listen,
		HostKeyPath: cfg.HostKeyPath,
		Authorize:   c.authorize,
		NewModel:    c.newModel,
		IdleTimeout: cfg.IdleTimeout,
		MaxTimeout:  cfg.MaxTimeout,
		OnStart:     c.start,
		OnEnd:       c.end,
		Logger:      log,

		HandshakeTimeout:          cfg.HandshakeTimeout,
		MaxUnauthenticated:        cfg.MaxUnauthenticated,
		MaxUnauthenticatedPerAddr: cfg.MaxUnauthenticatedPerAddr,
	})
}

// consoles are the running sessions of one server.
type consoles struct {
	st     *store.Store
	cfg    Config
	log    *slog.Logger
	closed func(*sshserve.Session)

	mu   sync.Mutex
	open map[*sshserve.Session]*session
}

// session is what one SSH session holds between OnStart and OnEnd.
type session struct {
	actor store.Actor
	// err is why the console cannot start (the key was refused since the
	// handshake, or the start could not be logged); NewModel returns it.
	err error
	// logged: ssh.start is in the action log, so ssh.end must follow.
	logged bool
	app    *tui.App
}

// authorize asks the store whose key this is. A refusal goes back to
// sshserve, which logs it with the fingerprint and address.
func (c *consoles) authorize(_ context.Context, key gossh.PublicKey, _ string, addr string) (sshserve.Identity, error) {
	a, err := c.st.ActorByKey(gossh.FingerprintSHA256(key), Via, addr)
	if err != nil {
		return sshserve.Identity{}, err
	}
	return sshserve.Identity{Operator: a.Name()}, nil
}

// start makes the session's actor and logs the start. The actor is asked
// for again, not carried over from the handshake: an operator suspended,
// or a key removed, in between is refused here. A start that cannot be
// logged is refused too: no session goes unrecorded.
func (c *consoles) start(s *sshserve.Session) {
	ss := &session{}
	defer func() {
		c.mu.Lock()
		c.open[s] = ss
		c.mu.Unlock()
	}()
	fp := s.Identity.Fingerprint
	a, err := c.st.ActorByKey(fp, Via, s.RemoteAddr)
	switch {
	case err != nil:
		ss.err = err
		return
	case a.Name() != s.Identity.Operator:
		ss.err = fmt.Errorf("key %s logs in operator %s now, not %s as at the handshake: connect again", fp, a.Name(), s.Identity.Operator)
		return
	}
	ss.actor = a
	if err := c.st.RecordSession(a, "ssh.start", map[string]string{"fingerprint": fp, "from": s.RemoteAddr}); err != nil {
		ss.err = fmt.Errorf("record the session start: %w", err)
		return
	}
	ss.logged = true
}

// newModel builds the session's console. An actor with a login step left
// (a second factor) starts at that step, inside the session.
func (c *consoles) newModel(s *sshserve.Session) (tea.Model, error) {
	c.mu.Lock()
	ss := c.open[s]
	c.mu.Unlock()
	if ss == nil {
		return nil, errors.New("sshconsole: session was not started") // cannot happen: OnStart comes first
	}
	if ss.err != nil {
		return nil, ss.err
	}
	app, err := tui.New(tui.Options{
		Store:   c.st,
		Actor:   ss.actor,
		Via:     Via,
		Addr:    s.RemoteAddr,
		Theme:   c.cfg.Theme,
		Keys:    c.cfg.Keys,
		NoMouse: c.cfg.NoMouse,
		NoBell:  c.cfg.NoBell,
		Environ: s.Environ,
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	ss.app = app
	c.mu.Unlock()
	return app, nil
}

// end stops the console's live updates and logs the end.
func (c *consoles) end(s *sshserve.Session, reason string) {
	c.mu.Lock()
	ss := c.open[s]
	delete(c.open, s)
	c.mu.Unlock()
	if ss == nil {
		return
	}
	// reason is the store's when it ended the session (the operator
	// suspended, their access ended or changed): the console is an
	// sshserve.EndReasoner, so sshserve's log line says it too.
	if ss.app != nil {
		ss.app.Close()
	}
	if c.closed != nil {
		c.closed(s)
	}
	if !ss.logged {
		return // refused at the start: sshserve logged why
	}
	detail := map[string]string{
		"fingerprint": s.Identity.Fingerprint,
		"from":        s.RemoteAddr,
		"reason":      reason,
		"duration":    time.Since(s.Started).Round(time.Second).String(),
	}
	if err := c.st.RecordSession(ss.actor, "ssh.end", detail); err != nil {
		c.log.Error("record ssh session end", "session", s.ID, "operator", s.Identity.Operator,
			"remote", s.RemoteAddr, "reason", reason, "err", err)
	}
}
