package sshserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/wish/v2"
	wishtea "charm.land/wish/v2/bubbletea"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Messages shown to the client. Each is one line; the session's writer turns
// "\n" into "\r\n" for a PTY.
const (
	msgNoPTY    = "guardroom's console needs a terminal: connect with ssh -t"
	msgNoAuth   = "guardroom: this key is not authorized"
	msgClosing  = "guardroom: the server is shutting down"
	msgInternal = "guardroom: internal error; this session was closed and the error was logged"
	msgError    = "guardroom: the console stopped on an error, which was logged"
)

// sendQueue is how many messages (Send, Broadcast) may wait for a session's
// program before further ones are dropped.
const sendQueue = 64

// After a session is told to stop, its program gets quitGrace to quit on its
// own (final render, terminal restored), then is killed; if it still has not
// returned after killGrace (a model stuck in Update), it is abandoned.
var (
	quitGrace = 2 * time.Second
	killGrace = 2 * time.Second
)

// Session is one SSH session running a console. Its exported fields are set
// before Config.OnStart and never change; treat them as read-only.
type Session struct {
	// ID is unique within the Server, starting at 1.
	ID uint64
	// Identity is the operator the client's key was authorized as.
	Identity Identity
	// User is the SSH user name the client asked for.
	User string
	// RemoteAddr is the client's address ("192.0.2.7:51234").
	RemoteAddr string
	// Environ is the client's environment as sent over SSH, plus TERM from
	// the PTY request. The program gets the same list.
	Environ []string
	// Term is the client's TERM ("xterm-256color").
	Term string
	// Width and Height are the terminal size at the start. Later sizes reach
	// the model as tea.WindowSizeMsg.
	Width, Height int
	// ColorProfile is the profile detected from TERM, COLORTERM, NO_COLOR…
	// in Environ. The program renders with it and sends it to the model as
	// tea.ColorProfileMsg at start.
	ColorProfile colorprofile.Profile
	// Started is when the session started.
	Started time.Time

	ctx         context.Context
	cancel      context.CancelFunc
	ss          ssh.Session
	srv         *Server
	maxDeadline time.Time

	outbox    chan tea.Msg
	dropped   atomic.Int64
	lastInput atomic.Int64 // UnixNano of the last key, mouse, paste or resize

	eof     chan struct{} // closed when the client's input ends
	eofOnce sync.Once

	mu     sync.Mutex
	reason string
}

// Context ends when the session ends, whatever the reason. Use it for the
// I/O the model's commands do on behalf of this session.
func (s *Session) Context() context.Context { return s.ctx }

// Send queues msg for this session's program and returns at once; it is safe
// from any goroutine, including the model's own Update. It reports false
// when the session has ended (the message is discarded) or its queue is full
// because the program is not keeping up (the message is dropped and logged).
// Messages are delivered in the order they were queued.
func (s *Session) Send(msg tea.Msg) bool {
	if s.ctx.Err() != nil {
		return false
	}
	select {
	case s.outbox <- msg:
		return true
	default:
		if s.dropped.Add(1) == 1 {
			s.srv.log.Warn("ssh session is not keeping up; dropping messages sent to it",
				"session", s.ID, "operator", s.Identity.Operator, "remote", s.RemoteAddr)
		}
		return false
	}
}

// stop records why the session ends; the first reason wins. It reports
// whether this call set it.
func (s *Session) stop(reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason != "" {
		return false
	}
	s.reason = reason
	return true
}

func (s *Session) endReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

func (s *Session) touch() { s.lastInput.Store(time.Now().UnixNano()) }

func (s *Session) sinceInput() time.Duration {
	return time.Since(time.Unix(0, s.lastInput.Load()))
}

// console is the wish middleware that runs the session. Everything it does,
// including the model and the caller's callbacks, runs under its recover.
func (srv *Server) console(next ssh.Handler) ssh.Handler {
	return func(ss ssh.Session) {
		srv.handle(ss)
		next(ss)
	}
}

func (srv *Server) handle(ss ssh.Session) {
	remote := addrString(ss.RemoteAddr())
	defer func() {
		// Outermost net: a panic outside a registered session (the
		// session's own recover handles the rest).
		if r := recover(); r != nil {
			srv.log.Error("ssh session panicked", "remote", remote, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			refuse(ss, msgInternal)
		}
	}()

	pty, winCh, ok := ss.Pty()
	if !ok {
		srv.log.Info("ssh session refused: no terminal", "user", ss.User(), "remote", remote, "command", ss.RawCommand())
		refuse(ss, msgNoPTY)
		return
	}
	operator := ss.Permissions().Extensions[operatorExt]
	if operator == "" || ss.PublicKey() == nil {
		// Cannot happen with public-key-only auth; refuse rather than trust.
		srv.log.Error("ssh session without an authorized key", "user", ss.User(), "remote", remote)
		refuse(ss, msgNoAuth)
		return
	}

	env := append(ss.Environ(), "TERM="+pty.Term)
	now := time.Now()
	maxDeadline := now.Add(srv.cfg.MaxTimeout)
	if t, ok := ss.Context().Value(connStartKey{}).(time.Time); ok {
		maxDeadline = t.Add(srv.cfg.MaxTimeout)
	}
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	s := &Session{
		ID:           srv.nextID.Add(1),
		Identity:     Identity{Operator: operator, Fingerprint: gossh.FingerprintSHA256(ss.PublicKey())},
		User:         ss.User(),
		RemoteAddr:   remote,
		Environ:      env,
		Term:         pty.Term,
		Width:        pty.Window.Width,
		Height:       pty.Window.Height,
		ColorProfile: colorprofile.Env(env),
		Started:      now,
		ctx:          ctx,
		cancel:       cancel,
		ss:           ss,
		srv:          srv,
		maxDeadline:  maxDeadline,
		outbox:       make(chan tea.Msg, sendQueue),
		eof:          make(chan struct{}),
	}
	s.touch()

	if !srv.register(s) {
		refuse(ss, msgClosing)
		return
	}
	defer srv.handlers.Done()
	srv.run(s, winCh)
}

// register adds s to the running sessions unless the server is stopping.
func (srv *Server) register(s *Session) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closing {
		return false
	}
	srv.sessions[s] = struct{}{}
	srv.handlers.Add(1)
	return true
}

func (srv *Server) unregister(s *Session) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	delete(srv.sessions, s)
}

// run is one session from OnStart to OnEnd.
func (srv *Server) run(s *Session, winCh <-chan ssh.Window) {
	log := srv.log.With("session", s.ID, "operator", s.Identity.Operator, "remote", s.RemoteAddr)
	log.Info("ssh session start", "user", s.User, "fingerprint", s.Identity.Fingerprint,
		"term", s.Term, "width", s.Width, "height", s.Height, "profile", s.ColorProfile.String())

	defer func() {
		if r := recover(); r != nil {
			s.stop(ReasonPanicPrefix + fmt.Sprint(r))
			log.Error("ssh session panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
		reason := s.endReason()
		if reason == "" {
			reason = ReasonQuit
		}
		code := 1
		if reason == ReasonQuit {
			code = 0
		}
		if m := endMessage(reason, srv.cfg); m != "" {
			_, _ = io.WriteString(s.ss, "\r\n"+m+"\n")
		}
		_ = s.ss.Exit(code)
		s.cancel()
		srv.unregister(s)
		log.Info("ssh session end", "reason", reason, "duration", time.Since(s.Started).Round(time.Millisecond).String(),
			"dropped_messages", s.dropped.Load())
		srv.callOnEnd(log, s, reason)
	}()

	if srv.cfg.OnStart != nil {
		srv.cfg.OnStart(s)
	}
	model, err := srv.cfg.NewModel(s)
	if err == nil && model == nil {
		err = errors.New("NewModel returned a nil model")
	}
	if err != nil {
		s.stop(ReasonErrorPrefix + err.Error())
		log.Error("ssh console could not start", "err", err)
		return
	}
	srv.runProgram(s, model, winCh, log)
}

func (srv *Server) callOnEnd(log *slog.Logger, s *Session, reason string) {
	if srv.cfg.OnEnd == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			log.Error("ssh OnEnd panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	srv.cfg.OnEnd(s, reason)
}

// runProgram runs the model until it quits or the session is stopped.
func (srv *Server) runProgram(s *Session, model tea.Model, winCh <-chan ssh.Window, log *slog.Logger) {
	g := &guard{inner: model, s: s, log: log}
	// MakeOptions wires the session's output, environment (with TERM),
	// window size and the colour profile from the client's environment (wish
	// emulates the PTY, so the profile cannot be probed). Our options come
	// after and override: input through eofReader; no signal handler, since
	// SIGINT/SIGTERM belong to the server process, not to each session.
	opts := append(wishtea.MakeOptions(s.ss),
		tea.WithInput(&eofReader{r: s.ss, s: s}),
		tea.WithoutSignalHandler(),
	)
	p := tea.NewProgram(g, opts...)
	g.p = p

	runDone := make(chan struct{})
	var runErr error
	go func() {
		defer close(runDone)
		defer func() {
			if r := recover(); r != nil {
				runErr = fmt.Errorf("%w: %v", tea.ErrProgramPanic, r)
			}
		}()
		_, runErr = p.Run()
	}()
	go s.forwardWindow(p, winCh)
	go s.forwardOutbox(p)

	if !srv.supervise(s, p, runDone) {
		log.Error("ssh console did not stop after being killed; abandoning its goroutine")
		return
	}
	switch {
	case runErr == nil, errors.Is(runErr, tea.ErrInterrupted):
		// The program is done, so its last model can be read here.
		if er, ok := g.inner.(EndReasoner); ok && er.EndReason() != "" {
			s.stop(er.EndReason())
		} else {
			s.stop(ReasonQuit)
		}
	case errors.Is(runErr, tea.ErrProgramPanic):
		// Caught by Bubble Tea itself, outside the model (the guard catches
		// the model's panics); Bubble Tea printed the details to its stderr.
		s.stop(ReasonPanicPrefix + runErr.Error())
	default:
		s.stop(ReasonErrorPrefix + runErr.Error())
	}
}

// supervise waits for the program to end, stopping it on a timeout, a
// disconnect or a server shutdown. It reports false if the program had to
// be abandoned.
func (srv *Server) supervise(s *Session, p *tea.Program, runDone <-chan struct{}) bool {
	maxTimer := time.NewTimer(time.Until(s.maxDeadline))
	defer maxTimer.Stop()
	idleTimer := time.NewTimer(srv.cfg.IdleTimeout)
	defer idleTimer.Stop()

	var killC, abandonC <-chan time.Time
	stopping := false
	stop := func(reason string) {
		if reason == ReasonDisconnect && isClosed(srv.shutdown) {
			reason = ReasonShutdown // the server closed the connection
		}
		s.stop(reason)
		if !stopping {
			stopping = true
			go p.Quit() // returns once the program quits or is killed
			killC = time.After(quitGrace)
		}
	}

	connDone, eof, shutdown := s.ss.Context().Done(), s.eof, srv.shutdown
	for {
		select {
		case <-runDone:
			return true
		case <-connDone:
			connDone = nil
			stop(ReasonDisconnect)
		case <-eof:
			eof = nil
			stop(ReasonDisconnect)
		case <-shutdown:
			shutdown = nil
			stop(ReasonShutdown)
		case <-maxTimer.C:
			stop(ReasonMax)
		case <-idleTimer.C:
			if left := srv.cfg.IdleTimeout - s.sinceInput(); left > 0 {
				idleTimer.Reset(left)
			} else {
				stop(ReasonIdle)
			}
		case <-killC:
			killC = nil
			p.Kill()
			abandonC = time.After(killGrace)
		case <-abandonC:
			return false
		}
	}
}

// forwardWindow turns the client's window-change requests into
// tea.WindowSizeMsg (what wish's bubbletea.Middleware does).
func (s *Session) forwardWindow(p *tea.Program, winCh <-chan ssh.Window) {
	for {
		select {
		case <-s.ctx.Done():
			return
		case w, ok := <-winCh:
			if !ok {
				return
			}
			p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
		}
	}
}

// forwardOutbox delivers Send and Broadcast messages in order.
func (s *Session) forwardOutbox(p *tea.Program) {
	for {
		select {
		case <-s.ctx.Done():
			return
		case msg := <-s.outbox:
			p.Send(msg)
		}
	}
}

// eofReader is the program's input: it notices when the client's input
// ends, which wish does not report while the connection stays up (another
// session on it, or a client that closed only its stdin).
type eofReader struct {
	r io.Reader
	s *Session
}

func (e *eofReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if err != nil {
		e.s.eofOnce.Do(func() { close(e.s.eof) })
	}
	return n, err
}

func refuse(ss ssh.Session, msg string) {
	wish.Errorln(ss, msg)
	_ = ss.Exit(1)
}

func endMessage(reason string, cfg Config) string {
	switch {
	case reason == ReasonIdle:
		return fmt.Sprintf("guardroom: session closed after %s without input", cfg.IdleTimeout)
	case reason == ReasonMax:
		return fmt.Sprintf("guardroom: session closed: it reached the maximum length of %s", cfg.MaxTimeout)
	case reason == ReasonShutdown:
		return msgClosing
	case strings.HasPrefix(reason, ReasonPanicPrefix):
		return msgInternal
	case strings.HasPrefix(reason, ReasonErrorPrefix):
		return msgError
	}
	return "" // quit: nothing to add; disconnect: nobody to tell
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
