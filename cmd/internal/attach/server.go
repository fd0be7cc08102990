//go:build linux

package attach

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"
)

// Server serves commands on a Unix socket.
type Server struct {
	cfg     Config
	signer  gossh.Signer
	pending atomic.Int64
	running atomic.Int64
	nextID  atomic.Uint64
	// groups lists a user's groups, for the peer check.
	groups func(uid string) ([]string, error)

	mu       sync.Mutex
	conns    map[net.Conn]bool
	live     map[uint64]*Session
	stopping bool
	sessions sync.WaitGroup
}

// NewServer makes a server with a host key of its own for this run: the
// socket's file permission, not the host key, tells a client it reached
// the right service (DESIGN.md).
func NewServer(cfg Config) (*Server, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxLifetime <= 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	return &Server{cfg: cfg, signer: signer, conns: map[net.Conn]bool{}, live: map[uint64]*Session{}, groups: groupsOf}, nil
}

// Running is the number of commands running now.
func (srv *Server) Running() int { return int(srv.running.Load()) }

// Sessions lists the commands running now, oldest first.
func (srv *Server) Sessions() []*Session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	list := make([]*Session, 0, len(srv.live))
	for _, s := range srv.live {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b *Session) int { return cmp.Compare(a.ID, b.ID) })
	return list
}

// Serve accepts connections on ln until ctx ends; then it tells the
// running commands (their context ends), gives them Grace to finish,
// closes the connections left, and returns once every command returned.
func (srv *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.mu.Lock()
		srv.stopping = true
		srv.mu.Unlock()
		ln.Close()
	}()
	var failed error
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if ctx.Err() == nil && errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if ctx.Err() == nil {
				// The sessions end as at a stop.
				failed = fmt.Errorf("accept on the socket: %w", err)
				stop()
			}
			break
		}
		if !srv.track(c) {
			c.Close()
			continue
		}
		go srv.handle(ctx, c)
	}
	done := make(chan struct{})
	go func() { srv.sessions.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(srv.cfg.Grace):
		srv.mu.Lock()
		n := len(srv.conns)
		for c := range srv.conns {
			c.Close()
		}
		srv.mu.Unlock()
		srv.cfg.Log.Warn("attach: closed connections whose commands did not end in time", "connections", n, "grace", srv.cfg.Grace.String())
		<-done
	}
	return failed
}

func (srv *Server) track(c net.Conn) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.stopping {
		return false
	}
	srv.conns[c] = true
	srv.sessions.Add(1)
	return true
}

func (srv *Server) untrack(c net.Conn) {
	srv.mu.Lock()
	delete(srv.conns, c)
	srv.mu.Unlock()
	srv.sessions.Done()
}

// peerUID is the user id of the process at the other end of c.
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return -1, fmt.Errorf("not a Unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return -1, err
	}
	if cerr != nil {
		return -1, cerr
	}
	return int(cred.Uid), nil
}

func (srv *Server) handle(ctx context.Context, c net.Conn) {
	defer srv.untrack(c)
	defer c.Close()
	log := srv.cfg.Log
	// Before the handshake: counted, and on a deadline.
	if srv.pending.Add(1) > int64(srv.cfg.MaxPending) {
		srv.pending.Add(-1)
		log.Warn("attach: refused a connection: too many not through the handshake yet", "max", srv.cfg.MaxPending)
		return
	}
	uid, err := peerUID(c)
	ok := false
	if err == nil {
		ok, err = admit(uid, os.Getuid(), srv.cfg.Group, srv.groups)
	}
	if !ok {
		srv.pending.Add(-1)
		log.Warn("attach: refused a connection from another user", "uid", uid, "group", srv.cfg.Group, "error", errString(err))
		return
	}
	// Until its command starts the connection stays counted and on the
	// deadline: one that shakes hands and then does nothing is closed too.
	c.SetDeadline(time.Now().Add(srv.cfg.HandshakeTimeout))
	var once sync.Once
	var started atomic.Bool
	// At a stop, a connection with no command yet has nothing to finish.
	defer context.AfterFunc(ctx, func() {
		if !started.Load() {
			c.Close()
		}
	})()
	start := func() {
		once.Do(func() {
			started.Store(true)
			srv.pending.Add(-1)
			c.SetDeadline(time.Time{})
		})
	}
	shook := false
	defer once.Do(func() {
		srv.pending.Add(-1)
		if shook {
			log.Warn("attach: closed a connection that started no command", "uid", uid, "timeout", srv.cfg.HandshakeTimeout.String())
		}
	})
	conf := &gossh.ServerConfig{NoClientAuth: true}
	conf.AddHostKey(srv.signer)
	sc, chans, reqs, err := gossh.NewServerConn(c, conf)
	if err != nil {
		log.Warn("attach: handshake failed", "error", err.Error())
		return
	}
	shook = true
	defer sc.Close()
	go gossh.DiscardRequests(reqs)
	// The connection is not done (nor Serve's wait for it) until its
	// command has returned, even when the client went first.
	ended := make(chan struct{})
	close(ended)
	defer func() { <-ended }()
	first := true
	for nc := range chans {
		if nc.ChannelType() != "session" || !first {
			nc.Reject(gossh.Prohibited, "one session a connection")
			continue
		}
		first = false
		ch, creqs, err := nc.Accept()
		if err != nil {
			return
		}
		// The session ends the connection when it is done.
		ended = make(chan struct{})
		go func() {
			defer close(ended)
			srv.session(ctx, ch, creqs, peer{uid: uid, conn: c, start: start})
			sc.Close()
		}()
	}
}

// peer is what a session knows of its connection: the client's user,
// the connection (closed to end the session), and start, called when the
// command starts.
type peer struct {
	uid   int
	conn  net.Conn
	start func()
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// session reads the session's requests up to exec, then runs the command.
func (srv *Server) session(ctx context.Context, ch gossh.Channel, reqs <-chan *gossh.Request, p peer) {
	defer ch.Close()
	var env []string
	var size [2]int
	wantPTY := false
	var req request
	for r := range reqs {
		ok := false
		switch r.Type {
		case "env":
			var kv struct{ Name, Value string }
			if gossh.Unmarshal(r.Payload, &kv) == nil && len(env) < maxEnv && len(kv.Name)+len(kv.Value) < maxEnvBytes {
				env, ok = append(env, kv.Name+"="+kv.Value), true
			}
		case "pty-req":
			var p struct {
				Term          string
				Cols, Rows    uint32
				Width, Height uint32
				Modes         string
			}
			if gossh.Unmarshal(r.Payload, &p) == nil {
				wantPTY, ok = true, true
				size = [2]int{int(p.Cols), int(p.Rows)}
			}
		case "exec":
			var e struct{ Command string }
			if gossh.Unmarshal(r.Payload, &e) == nil && len(e.Command) < maxExecBytes && json.Unmarshal([]byte(e.Command), &req) == nil {
				ok = true
			}
		}
		if r.WantReply {
			r.Reply(ok, nil)
		}
		if r.Type == "exec" && ok {
			p.start()
			srv.exec(ctx, ch, reqs, env, wantPTY, size, req, p)
			return
		}
	}
}

func has(list []int, fd int) bool { return slices.Contains(list, fd) }

// exec runs one command on the channel and sends its exit status.
func (srv *Server) exec(ctx context.Context, ch gossh.Channel, reqs <-chan *gossh.Request, env []string, wantPTY bool, size [2]int, req request, p peer) {
	id := srv.nextID.Add(1)
	log := srv.cfg.Log.With("session", id)
	if srv.running.Add(1) > int64(srv.cfg.MaxSessions) {
		srv.running.Add(-1)
		fmt.Fprintf(ch.Stderr(), "guardroom: the service runs %d commands already: try again when one has ended\n", srv.cfg.MaxSessions)
		exitStatus(ch, 1)
		log.Warn("attach: refused a command: too many running", "max", srv.cfg.MaxSessions)
		return
	}
	defer srv.running.Add(-1)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resize := make(chan [2]int, 1)
	s := &Session{ID: id, Args: req.Args, Cwd: req.Cwd, Env: env, Stdin: ch, Stdout: ch, Stderr: ch.Stderr(), Resize: resize,
		UID: p.uid, Started: time.Now()}
	// input is when the client last typed or resized its window.
	var input atomic.Int64
	input.Store(s.Started.UnixNano())

	// A terminal on the client gets a terminal here: the command sees
	// the pseudo-terminal's side as its stdin, stdout or stderr.
	var tty, ptmx *os.File
	var end []byte
	outDone := make(chan struct{})
	close(outDone)
	if wantPTY && (has(req.TTY, 1) || has(req.TTY, 2)) {
		var err error
		ptmx, tty, err = pty.Open()
		if err != nil {
			fmt.Fprintf(ch.Stderr(), "guardroom: the service could not make a terminal: %v\n", err)
			exitStatus(ch, 1)
			return
		}
		defer ptmx.Close()
		setSize(ptmx, size)
		var out io.Writer = ch
		if !has(req.TTY, 1) {
			out = ch.Stderr()
		}
		end = endMark()
		outDone = make(chan struct{})
		go func() {
			defer close(outDone)
			copyUntil(out, ptmx, end)
		}()
		if has(req.TTY, 0) {
			s.Stdin = tty
			go srv.typed(ch, ptmx, int(tty.Fd()), cancel, &input)
		}
		if has(req.TTY, 1) {
			s.Stdout = tty
		}
		if has(req.TTY, 2) {
			s.Stderr = tty
		}
	}
	// The rest of the client's requests: a new size, an interrupt.
	go func() {
		for r := range reqs {
			ok := false
			switch r.Type {
			case "window-change":
				var w struct{ Cols, Rows, Width, Height uint32 }
				if gossh.Unmarshal(r.Payload, &w) == nil {
					ok = true
					input.Store(time.Now().UnixNano())
					if ptmx != nil {
						setSize(ptmx, [2]int{int(w.Cols), int(w.Rows)})
					}
					select {
					case resize <- [2]int{int(w.Cols), int(w.Rows)}:
					default:
					}
				}
			case "signal":
				ok = true
				cancel()
			}
			if r.WantReply {
				r.Reply(ok, nil)
			}
		}
		// The channel is gone: the client ended or was killed.
		cancel()
		if ptmx != nil {
			ptmx.Close() // unblocks a command reading the terminal
		}
	}()

	srv.mu.Lock()
	srv.live[id] = s
	srv.mu.Unlock()
	defer func() {
		srv.mu.Lock()
		delete(srv.live, id)
		srv.mu.Unlock()
	}()
	log.Info("attach: command started", "uid", p.uid, "terminal", tty != nil)
	start := s.Started
	watched := make(chan struct{})
	defer close(watched)
	go srv.watch(s, p.conn, tty != nil && has(req.TTY, 0), &input, ch, tty != nil, watched, log)
	code := srv.cfg.Run(ctx, s)
	if tty != nil {
		release(ptmx, tty, end)
		<-outDone
		tty.Close()
	}
	srv.mu.Lock()
	stopping := srv.stopping
	srv.mu.Unlock()
	if stopping {
		nl := "\n"
		if tty != nil {
			nl = "\r\n" // the client's terminal is still raw
		}
		fmt.Fprint(ch.Stderr(), nl+"guardroom: the service is stopping: this session has ended"+nl)
	}
	exitStatus(ch, code)
	log.Info("attach: command ended", "exit", code, "duration", time.Since(start).Round(time.Millisecond).String())
}

// typed carries what the client types to the terminal. Its interrupt
// character (ctrl+c), while the terminal turns such keys into signals
// (not in the console's raw mode), ends the command as SIGINT would.
func (srv *Server) typed(ch gossh.Channel, ptmx *os.File, tty int, cancel func(), input *atomic.Int64) {
	buf := make([]byte, 4096)
	interrupted := false
	for {
		n, err := ch.Read(buf)
		if n > 0 {
			input.Store(time.Now().UnixNano())
		}
		in := buf[:n]
		if t, terr := unix.IoctlGetTermios(tty, unix.TCGETS); n > 0 && terr == nil && t.Lflag&unix.ISIG != 0 {
			// The signal characters are not passed on: the line
			// discipline would flush the output queue, losing what the
			// command prints as it ends. Interrupt and quit end the
			// command; a second one ends the session at once, as a
			// second ctrl+c ends a process of its own.
			if i := slices.IndexFunc(in, func(b byte) bool {
				return b != 0 && (b == t.Cc[unix.VINTR] || b == t.Cc[unix.VQUIT] || b == t.Cc[unix.VSUSP])
			}); i >= 0 {
				sig := in[i]
				in = in[:i]
				if sig != t.Cc[unix.VSUSP] {
					if interrupted {
						ptmx.Close()
						return
					}
					interrupted = true
					cancel()
				}
			}
		}
		if len(in) > 0 {
			if _, werr := ptmx.Write(in); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// watch ends the session when it has run MaxLifetime, or, when idle
// counts (its stdin is the client's terminal), when nothing was typed for
// IdleTimeout: the client is told why, and the connection closed (the
// command's context ends as when a client goes). It returns once done
// is closed.
func (srv *Server) watch(s *Session, conn net.Conn, idle bool, input *atomic.Int64, ch gossh.Channel, raw bool, done <-chan struct{}, log *slog.Logger) {
	tick := min(srv.cfg.IdleTimeout, srv.cfg.MaxLifetime) / 4
	t := time.NewTicker(max(tick, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			why := ""
			switch {
			case now.Sub(s.Started) >= srv.cfg.MaxLifetime:
				why = fmt.Sprintf("it has run for %s, the longest a session may", srv.cfg.MaxLifetime)
			case idle && now.Sub(time.Unix(0, input.Load())) >= srv.cfg.IdleTimeout:
				why = fmt.Sprintf("nothing was typed for %s", srv.cfg.IdleTimeout)
			}
			if why == "" {
				continue
			}
			nl := "\n"
			if raw {
				nl = "\r\n"
			}
			fmt.Fprint(ch.Stderr(), nl+"guardroom: the service ended this session: "+why+": run the command again"+nl)
			log.Info("attach: session ended", "reason", why)
			conn.Close()
			return
		}
	}
}

// release ends the command's use of the terminal. A read the command
// gave up on (ctrl+c at a prompt) still waits on it: a newline, not
// echoed, ends that read. Then end is written after the command's output:
// when the copier reaches it, the client has all of that output. (Waiting
// for the terminal's hang-up instead would lose output: Linux may report
// it before the last writes are read.)
func release(ptmx, tty *os.File, end []byte) {
	fd := int(tty.Fd())
	if t, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		t.Lflag &^= unix.ECHO | unix.ECHONL
		if unix.IoctlSetTermios(fd, unix.TCSETS, t) == nil {
			ptmx.Write([]byte{'\n'})
		}
	}
	tty.Write(end)
}

// endMark is a string no command prints: 32 random letters.
func endMark() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return b
}

// copyUntil copies r to w up to end, which it leaves out. Once w fails
// (the client went) it goes on reading, so the command's writes do not
// block; r failing (closed) ends it too.
func copyUntil(w io.Writer, r io.Reader, end []byte) {
	buf := make([]byte, 32<<10)
	var held []byte
	failed := false
	write := func(p []byte) {
		if !failed && len(p) > 0 {
			if _, err := w.Write(p); err != nil {
				failed = true
			}
		}
	}
	for {
		n, err := r.Read(buf)
		held = append(held, buf[:n]...)
		if i := bytes.Index(held, end); i >= 0 {
			write(held[:i])
			return
		}
		// A tail that is the start of end waits for the next read.
		keep := min(len(held), len(end)-1)
		for keep > 0 && !bytes.HasSuffix(held, end[:keep]) {
			keep--
		}
		write(held[:len(held)-keep])
		held = append(held[:0], held[len(held)-keep:]...)
		if err != nil {
			write(held)
			return
		}
	}
}

func setSize(ptmx *os.File, size [2]int) {
	if size[0] > 0 && size[1] > 0 && size[0] < 1<<15 && size[1] < 1<<15 {
		pty.Setsize(ptmx, &pty.Winsize{Cols: uint16(size[0]), Rows: uint16(size[1])})
	}
}

func exitStatus(ch gossh.Channel, code int) {
	ch.SendRequest("exit-status", false, gossh.Marshal(struct{ Status uint32 }{uint32(code)}))
}
