// Package sshserve serves a Bubble Tea console over SSH with wish: one
// tea.Program per session, public-key authentication only, an ed25519 host
// key kept in a file, idle and maximum session timeouts, panic recovery per
// session, limits on connections that have not authenticated yet, and a
// way to push messages into every running console.
//
// It knows nothing about what the console shows or who may log in: the
// caller supplies Config.Authorize (key → operator) and Config.NewModel
// (session → model). See DESIGN.md for why it runs the program itself
// instead of using wish's bubbletea.Middleware.
package sshserve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/wish/v2"
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Defaults for the zero values in Config.
const (
	DefaultIdleTimeout   = 15 * time.Minute
	DefaultMaxTimeout    = 12 * time.Hour
	DefaultShutdownGrace = 5 * time.Second
)

// Why a session ended, as passed to Config.OnEnd. A panic gives
// "panic: <value>" and a failure to start the model "error: <message>".
const (
	ReasonQuit        = "quit"            // the model returned tea.Quit (or tea.Interrupt)
	ReasonIdle        = "idle timeout"    // no key, mouse, paste or resize for Config.IdleTimeout
	ReasonMax         = "max timeout"     // the connection reached Config.MaxTimeout
	ReasonDisconnect  = "disconnect"      // the client went away or closed its input
	ReasonShutdown    = "server shutdown" // Serve's context ended
	ReasonPanicPrefix = "panic: "
	ReasonErrorPrefix = "error: "
)

// EndReasoner is what a model may implement to say why it quit when the
// application, not the user, ended the session (guardroom's console quits
// when the store ends the operator's session: "suspended", "access ended",
// "changed"). A non-empty EndReason replaces ReasonQuit in the log line,
// in OnEnd and in the exit status (1); "" means the user quit.
type EndReasoner interface {
	EndReason() string
}

// backstopSlack is added to the idle and maximum timeouts given to wish
// (which applies them to the whole TCP connection). The per-session timers
// fire first and give the precise reason; the connection-level ones only
// catch connections that never open a session.
const backstopSlack = 30 * time.Second

// Identity is who a client key belongs to.
type Identity struct {
	// Operator is the operator's login name; empty means refused.
	Operator string
	// Fingerprint is the key's ssh.FingerprintSHA256 ("SHA256:…"). sshserve
	// fills it in from the key that authenticated.
	Fingerprint string
}

// Config says where to listen, who may log in and what to show them.
type Config struct {
	// Listen is the TCP address: "127.0.0.1:2222", ":2222", "127.0.0.1:0".
	Listen string
	// HostKeyPath is the ed25519 host key. It is generated once (file 0600,
	// parent directory created 0700) if missing and reused afterwards. A file
	// that cannot be read or is not an unencrypted private key is an error
	// naming the file; it is never replaced.
	HostKeyPath string
	// Authorize maps a client key to an identity. It is called for each
	// public key a client offers (x/crypto/ssh may reuse an answer for the
	// same key within one connection). An error or an empty Operator refuses
	// the key. ctx ends when the connection closes.
	Authorize func(ctx context.Context, key gossh.PublicKey, user, remoteAddr string) (Identity, error)
	// NewModel builds the model for one session. Input, output, environment,
	// window size and colour profile are wired by sshserve; an error ends the
	// session with reason "error: …" and a short message to the client.
	NewModel func(s *Session) (tea.Model, error)
	// IdleTimeout ends a session with no key press, mouse event, paste or
	// resize for this long (default 15 min). Output does not count.
	IdleTimeout time.Duration
	// MaxTimeout ends a session this long after its connection was opened,
	// whatever happens (default 12 h).
	MaxTimeout time.Duration
	// ShutdownGrace is how long sessions get to end after Serve's context
	// ends before their connections are closed (default 5 s).
	ShutdownGrace time.Duration
	// HandshakeTimeout closes a connection that has not authenticated
	// this long after it was accepted (default 20 s): the version
	// exchange, key exchange and authentication must all be done by then.
	// An authenticated connection is left to IdleTimeout and MaxTimeout.
	HandshakeTimeout time.Duration
	// MaxUnauthenticated caps the connections accepted and not yet
	// authenticated (default 64), and MaxUnauthenticatedPerAddr those from
	// one source IPv4 address or IPv6 /64 (default 8). A connection over
	// the per-address cap is closed as soon as it is accepted, before the
	// SSH handshake. At the total, a newcomer from an address holding at
	// least two fewer connections than the busiest one takes the place of
	// that address's oldest; otherwise it too is closed at once. A
	// connection stops counting once it has authenticated.
	MaxUnauthenticated, MaxUnauthenticatedPerAddr int
	// RefusalLogLines is how many log lines each kind of refusal (a
	// connection over a cap, a failed or timed-out handshake, a refused
	// key) may write per RefusalLogInterval (defaults 10 per minute). The
	// rest are counted, and one line at the end of the interval says how
	// many were suppressed.
	RefusalLogLines    int
	RefusalLogInterval time.Duration
	// OnStart is called once per session, before NewModel.
	OnStart func(s *Session)
	// OnEnd is called once per session that OnStart was called for, after
	// the client has been told and the session closed. reason is one of the
	// Reason constants, "panic: …", "error: …" or the model's EndReason.
	OnEnd func(s *Session, reason string)
	// Logger receives sshserve's own log lines; nil discards them. Nothing
	// in this package writes to stderr.
	Logger *slog.Logger
}

// Server is an SSH server running one Bubble Tea program per session.
// Create it with New; then call Serve, or Close if it will not be served.
type Server struct {
	cfg    Config
	log    *slog.Logger
	signer gossh.Signer
	ln     *limitListener
	ssh    *ssh.Server

	// Log lines of refusals, each kind limited on its own.
	overCap, handshakeFailed, keyRefused *logLimit

	served   atomic.Bool
	nextID   atomic.Uint64
	shutdown chan struct{} // closed when the server starts to stop

	mu       sync.Mutex
	closing  bool
	sessions map[*Session]struct{}
	conns    map[*trackedConn]struct{}
	handlers sync.WaitGroup // one per registered session
}

// New checks cfg, loads or creates the host key and starts listening on
// cfg.Listen (so Addr is known and "address in use" is reported here). It
// does not accept connections until Serve.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Listen == "":
		return nil, errors.New("sshserve: Config.Listen is empty (e.g. \"127.0.0.1:2222\")")
	case cfg.HostKeyPath == "":
		return nil, errors.New("sshserve: Config.HostKeyPath is empty: the host key needs a fixed place (wish would otherwise write id_ed25519 into the current directory)")
	case cfg.Authorize == nil:
		return nil, errors.New("sshserve: Config.Authorize is nil: every key would be refused")
	case cfg.NewModel == nil:
		return nil, errors.New("sshserve: Config.NewModel is nil")
	case cfg.IdleTimeout < 0, cfg.MaxTimeout < 0, cfg.ShutdownGrace < 0, cfg.HandshakeTimeout < 0, cfg.RefusalLogInterval < 0:
		return nil, errors.New("sshserve: timeouts must not be negative")
	case cfg.MaxUnauthenticated < 0, cfg.MaxUnauthenticatedPerAddr < 0, cfg.RefusalLogLines < 0:
		return nil, errors.New("sshserve: connection and log limits must not be negative")
	}
	// Zero means the default.
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.MaxTimeout = cmp.Or(cfg.MaxTimeout, DefaultMaxTimeout)
	cfg.ShutdownGrace = cmp.Or(cfg.ShutdownGrace, DefaultShutdownGrace)
	cfg.HandshakeTimeout = cmp.Or(cfg.HandshakeTimeout, DefaultHandshakeTimeout)
	cfg.MaxUnauthenticated = cmp.Or(cfg.MaxUnauthenticated, DefaultMaxUnauthenticated)
	cfg.MaxUnauthenticatedPerAddr = cmp.Or(cfg.MaxUnauthenticatedPerAddr, DefaultMaxUnauthenticatedPerAddr)
	cfg.RefusalLogLines = cmp.Or(cfg.RefusalLogLines, DefaultRefusalLogLines)
	cfg.RefusalLogInterval = cmp.Or(cfg.RefusalLogInterval, DefaultRefusalLogInterval)
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := &Server{
		cfg:      cfg,
		log:      logger,
		shutdown: make(chan struct{}),
		sessions: map[*Session]struct{}{},
		conns:    map[*trackedConn]struct{}{},
	}
	srv.overCap = newLogLimit(logger, "connection over the unauthenticated limit", cfg)
	srv.handshakeFailed = newLogLimit(logger, "failed handshake", cfg)
	srv.keyRefused = newLogLimit(logger, "refused key", cfg)

	signer, err := loadOrCreateHostKey(cfg.HostKeyPath, logger)
	if err != nil {
		return nil, err
	}
	srv.signer = signer

	srv.ssh, err = wish.NewServer(
		func(s *ssh.Server) error { s.AddHostKey(signer); return nil },
		// Public keys only: no PasswordHandler or KeyboardInteractiveHandler
		// is ever set, and having a PublicKeyHandler keeps NoClientAuth off.
		wish.WithPublicKeyAuth(srv.authorize),
		wish.WithIdleTimeout(cfg.IdleTimeout+backstopSlack),
		wish.WithMaxTimeout(cfg.MaxTimeout+backstopSlack),
		wish.WithMiddleware(srv.console),
		func(s *ssh.Server) error {
			s.ConnCallback = srv.trackConn
			s.ConnectionFailedCallback = func(c net.Conn, err error) {
				switch {
				case errors.Is(err, errEvicted):
					return // logged when it was closed
				case errors.Is(err, errHandshakeTimeout):
					srv.handshakeFailed.Info("ssh connection closed: not authenticated in time",
						"remote", addrString(c.RemoteAddr()), "handshake_timeout", cfg.HandshakeTimeout.String())
				default:
					srv.handshakeFailed.Info("ssh connection refused", "remote", addrString(c.RemoteAddr()), "err", err)
				}
			}
			// The first point where a connection is known to have
			// authenticated (a key's signature checked, not only a key
			// offered): it leaves the unauthenticated caps and its
			// handshake deadline is stopped.
			s.ServerConfigCallback = func(ctx ssh.Context) *gossh.ServerConfig {
				return &gossh.ServerConfig{AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
					if c, ok := ctx.Value(limitedConnKey{}).(*limitedConn); ok && err == nil {
						c.authenticated()
					}
				}}
			}
			return nil
		},
	)
	if err != nil {
		return nil, fmt.Errorf("sshserve: %w", err)
	}
	if srv.ssh.PasswordHandler != nil || srv.ssh.KeyboardInteractiveHandler != nil || srv.ssh.PublicKeyHandler == nil {
		return nil, errors.New("sshserve: internal error: authentication is not public-key only")
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("sshserve: listen on %s: %w", cfg.Listen, err)
	}
	srv.ln = newLimitListener(ln, cfg, srv.overCap)
	return srv, nil
}

// Addr is the address the server listens on (the real port when
// Config.Listen ends in ":0").
func (srv *Server) Addr() net.Addr { return srv.ln.Addr() }

// HostKey is the server's public host key, for known_hosts lines and
// fingerprints shown to operators (gossh.FingerprintSHA256).
func (srv *Server) HostKey() gossh.PublicKey { return srv.signer.PublicKey() }

// Serve accepts connections until ctx ends, then stops: it refuses new
// connections, tells each session to end (reason "server shutdown"), waits
// up to Config.ShutdownGrace, closes what is left and returns once every
// OnEnd has returned. It returns nil after a shutdown or Close, and the
// listener's error if accepting fails.
func (srv *Server) Serve(ctx context.Context) error {
	if !srv.served.CompareAndSwap(false, true) {
		return errors.New("sshserve: Serve called twice")
	}
	srv.log.Info("ssh console listening", "addr", srv.Addr().String(),
		"host_key", gossh.FingerprintSHA256(srv.HostKey()))

	errc := make(chan error, 1)
	go func() { errc <- srv.ssh.Serve(srv.ln) }()

	var serveErr error
	select {
	case err := <-errc:
		errc = nil
		if !srv.isClosing() {
			serveErr = fmt.Errorf("sshserve: %w", err)
		}
	case <-ctx.Done():
	}

	srv.beginShutdown()
	idle := make(chan struct{})
	go func() { srv.handlers.Wait(); close(idle) }()
	grace := time.NewTimer(srv.cfg.ShutdownGrace)
	select {
	case <-idle:
	case <-grace.C:
		srv.log.Warn("ssh sessions still open after the shutdown grace period; closing them")
	}
	grace.Stop()
	srv.closeConns()
	<-idle
	if errc != nil {
		<-errc
	}
	srv.stopLogLimits()
	srv.log.Info("ssh console stopped")
	return serveErr
}

// Close stops the server at once: the listener and every connection are
// closed, and sessions end with reason "server shutdown" without a grace
// period. Use it when Serve will not be called; otherwise cancel Serve's
// context.
func (srv *Server) Close() error {
	srv.beginShutdown()
	srv.closeConns()
	srv.stopLogLimits()
	return nil
}

// stopLogLimits writes how many refusals were left out of the log.
func (srv *Server) stopLogLimits() {
	srv.overCap.stop()
	srv.handshakeFailed.stop()
	srv.keyRefused.stop()
}

// Unauthenticated is the number of connections accepted that have not
// authenticated yet, as counted against Config.MaxUnauthenticated.
func (srv *Server) Unauthenticated() int { return srv.ln.unauthenticated() }

// Sessions is the number of sessions currently running a console.
func (srv *Server) Sessions() int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.sessions)
}

// List is the sessions running a console now, oldest first.
func (srv *Server) List() []*Session {
	srv.mu.Lock()
	list := make([]*Session, 0, len(srv.sessions))
	for s := range srv.sessions {
		list = append(list, s)
	}
	srv.mu.Unlock()
	slices.SortFunc(list, func(a, b *Session) int { return cmp.Compare(a.ID, b.ID) })
	return list
}

// Broadcast queues msg for every running session (see Session.Send). It
// never blocks: a session whose queue is full because its program is stuck
// loses the message, and the others are not delayed.
func (srv *Server) Broadcast(msg tea.Msg) {
	srv.mu.Lock()
	list := make([]*Session, 0, len(srv.sessions))
	for s := range srv.sessions {
		list = append(list, s)
	}
	srv.mu.Unlock()
	for _, s := range list {
		s.Send(msg)
	}
}

// operatorExt is where the authorized operator travels from the auth
// callback to the session: in the Permissions of the key that actually
// authenticated (x/crypto/ssh keeps them per key), not in a context value
// that a later, refused key could overwrite.
const operatorExt = "operator@guardroom.sshserve"

func (srv *Server) authorize(ctx ssh.Context, key ssh.PublicKey) (ok bool) {
	fp := gossh.FingerprintSHA256(key)
	remote := addrString(ctx.RemoteAddr())
	user := ctx.User()
	defer func() {
		if r := recover(); r != nil {
			srv.log.Error("ssh Authorize panicked; key refused", "user", user, "remote", remote,
				"fingerprint", fp, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			ok = false
		}
	}()
	id, err := srv.cfg.Authorize(ctx, key, user, remote)
	if err != nil || id.Operator == "" {
		srv.keyRefused.Info("ssh key refused", "user", user, "remote", remote, "fingerprint", fp, "err", err)
		return false
	}
	perms := ctx.Permissions()
	if perms.Extensions == nil {
		perms.Extensions = map[string]string{}
	}
	perms.Extensions[operatorExt] = id.Operator
	srv.log.Debug("ssh key accepted", "user", user, "remote", remote, "fingerprint", fp, "operator", id.Operator)
	return true
}

func (srv *Server) isClosing() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.closing
}

// beginShutdown refuses new connections and sessions and tells the running
// sessions to end.
func (srv *Server) beginShutdown() {
	srv.mu.Lock()
	first := !srv.closing
	srv.closing = true
	srv.mu.Unlock()
	if first {
		close(srv.shutdown)
		// Closing our listener ourselves (not only through ssh.Server)
		// also stops a Serve that has not registered it yet.
		_ = srv.ln.Close()
	}
}

// closeConns closes every connection, including ones still in their
// handshake, which ssh.Server does not track.
func (srv *Server) closeConns() {
	_ = srv.ssh.Close()
	srv.mu.Lock()
	list := make([]*trackedConn, 0, len(srv.conns))
	for c := range srv.conns {
		list = append(list, c)
	}
	srv.mu.Unlock()
	for _, c := range list {
		_ = c.Close()
	}
}

// connStartKey holds the time a connection was accepted, from which
// MaxTimeout is counted.
type connStartKey struct{}

// limitedConnKey holds the connection's *limitedConn, which is told when
// the connection authenticates.
type limitedConnKey struct{}

type trackedConn struct {
	net.Conn
	srv  *Server
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.srv.mu.Lock()
		delete(c.srv.conns, c)
		c.srv.mu.Unlock()
	})
	return c.Conn.Close()
}

func (srv *Server) trackConn(ctx ssh.Context, conn net.Conn) net.Conn {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closing {
		return nil // ssh.Server closes it
	}
	ctx.SetValue(connStartKey{}, time.Now())
	if lc, ok := conn.(*limitedConn); ok {
		ctx.SetValue(limitedConnKey{}, lc)
	}
	c := &trackedConn{Conn: conn, srv: srv}
	srv.conns[c] = struct{}{}
	return c
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
