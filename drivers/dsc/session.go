package dsc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/guardroom/guardroom/drivers"
)

// timing is how long the session waits for what.
type timing struct {
	login      time.Duration // for 5053 after connecting, and for 505 after 005 (the TPI allows 10 s)
	reply      time.Duration // for a command's answer
	step       time.Duration // for the keypad state after a keystroke step
	keepAlive  time.Duration // between polls (000) on an idle connection
	backoffMin time.Duration // first pause before dialling again
	backoffMax time.Duration
	loginRetry time.Duration // pause after a rejected password: no retry storm
}

var defaultTiming = timing{
	login:      12 * time.Second,
	reply:      5 * time.Second,
	step:       10 * time.Second,
	keepAlive:  time.Minute,
	backoffMin: time.Second,
	backoffMax: time.Minute,
	loginRetry: 5 * time.Minute,
}

// link is how the session reaches the interface.
type link struct {
	name string // for errors and the action log, e.g. "envisalink 10.0.0.5:4025"
	tpi  bool   // the Envisalink TPI: log in first
	dial func(ctx context.Context) (io.ReadWriteCloser, error)
}

// conn is one connection and its reader.
type conn struct {
	rw     io.ReadWriteCloser
	gen    uint64
	gone   chan struct{} // closed when the reader stops: the connection is dead
	wmu    sync.Mutex
	stats  DecodeStats
	readEr error
}

// sub receives every frame read on one connection after it subscribed.
type sub struct {
	ch     chan Frame
	c      *conn
	active bool // receives frames (guarded by session.mu)
	lost   bool // the buffer overflowed: frames were dropped
}

// session holds exactly one connection to the interface at a time: it
// dials, logs in, reads the event stream into Status, polls the idle
// connection, and dials again with back-off when it drops. Commands take
// the connection one exchange at a time (begin/end).
type session struct {
	l    link
	pass string
	tm   timing
	logp atomic.Pointer[func(format string, args ...any)]

	cmd  chan struct{} // one exchange at a time
	stop chan struct{}
	done chan struct{}

	mu        sync.Mutex
	cur       *conn // nil when down
	gen       uint64
	err       error // why the session is down (nil while the first dial runs)
	dialing   bool
	changed   chan struct{} // closed and replaced when cur, err or dialing change
	subs      map[*sub]struct{}
	cmdSub    *sub // the exchanges' subscription, reused while the connection lasts
	st        Status
	refreshed uint64 // the connection whose status was asked for (001)
	// leave: a programming sequence was cut short; send [#] to partition
	// 1 first thing on the next connection.
	leave bool
	stats DecodeStats // of connections closed so far
}

func newSession(l link, pass string, tm timing, logf func(string, ...any)) *session {
	s := &session{l: l, pass: pass, tm: tm, cmd: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		changed: make(chan struct{}), subs: map[*sub]struct{}{}, st: newStatus(), dialing: true}
	s.setLogger(logf)
	go s.run()
	return s
}

func (s *session) setLogger(logf func(string, ...any)) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s.logp.Store(&logf)
}

// logf logs one line; frames show through Frame.String, which hides
// every secret.
func (s *session) logf(format string, args ...any) { (*s.logp.Load())(format, args...) }

// close stops the session and waits for its connection to close.
func (s *session) close() {
	s.mu.Lock()
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	<-s.done
}

func (s *session) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// errDropped is the error of an exchange whose connection died under it.
var errDropped = fmt.Errorf("the connection dropped: %w", drivers.ErrOffline)

// run dials, serves each connection until it dies, and dials again after
// a back-off pause; a rejected password waits loginRetry.
func (s *session) run() {
	defer close(s.done)
	backoff := s.tm.backoffMin
	for {
		c, err := s.connect()
		if err == nil {
			up := time.Now()
			s.logf("%s: session up", s.l.name)
			s.mu.Lock()
			s.cur, s.dialing, s.err = c, false, nil
			s.notify()
			s.mu.Unlock()
			var hk sync.WaitGroup
			hk.Go(func() { s.housekeep(c) })
			select {
			case <-c.gone:
			case <-s.stop:
			}
			c.rw.Close()
			<-c.gone
			hk.Wait()
			err = fmt.Errorf("%s: %w", s.l.name, errDropped)
			if c.readEr != nil && !errors.Is(c.readEr, io.EOF) {
				err = fmt.Errorf("%s: %w (%v)", s.l.name, errDropped, c.readEr)
			}
			if time.Since(up) > s.tm.backoffMax {
				backoff = s.tm.backoffMin
			}
		}
		s.mu.Lock()
		if s.cur != nil {
			s.stats.Frames += s.cur.stats.Frames
			s.stats.BadChecksums += s.cur.stats.BadChecksums
			s.stats.Garbled += s.cur.stats.Garbled
		}
		s.cur, s.dialing, s.err = nil, false, err
		s.notify()
		s.mu.Unlock()
		select {
		case <-s.stop:
			return
		default:
		}
		wait := backoff
		if drivers.IsMisconfigured(err) {
			wait = s.tm.loginRetry
		} else {
			backoff = min(backoff*2, s.tm.backoffMax)
		}
		s.logf("%s: %v; dialling again in %s", s.l.name, err, wait)
		t := time.NewTimer(wait)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-t.C:
		}
		s.mu.Lock()
		s.dialing = true
		s.notify()
		s.mu.Unlock()
	}
}

// connect dials, starts the reader and logs in (TPI) or checks that the
// interface answers a poll (IT-100).
func (s *session) connect() (*conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.tm.reply)
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	rw, err := s.l.dial(ctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%v)", s.l.name, drivers.ErrOffline, err)
	}
	s.mu.Lock()
	s.gen++
	c := &conn{rw: rw, gen: s.gen, gone: make(chan struct{})}
	u := s.subscribe(c)
	s.mu.Unlock()
	go s.read(c)
	if s.l.tpi {
		err = s.login(c, u)
	} else {
		err = s.probe(c, u)
	}
	s.unsubscribe(u)
	if err != nil {
		rw.Close()
		<-c.gone
		return nil, err
	}
	return c, nil
}

// read decodes the connection's frames into the status and the
// subscribers until the connection fails.
func (s *session) read(c *conn) {
	defer close(c.gone)
	var d Decoder
	buf := make([]byte, 512)
	emit := func(f Frame) {
		s.mu.Lock()
		s.st.apply(f)
		for u := range s.subs {
			if u.c != c || !u.active {
				continue
			}
			select {
			case u.ch <- f:
			default:
				u.lost = true
			}
		}
		s.mu.Unlock()
	}
	for {
		n, err := c.rw.Read(buf)
		d.Feed(buf[:n], emit)
		s.mu.Lock()
		c.stats = d.Stats
		if err != nil {
			c.readEr = err
		}
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (s *session) subscribe(c *conn) *sub {
	u := &sub{ch: make(chan Frame, 256), c: c, active: true}
	s.subs[u] = struct{}{}
	return u
}

// exchangeSub activates the exchanges' subscription to c, emptied of
// what an earlier exchange left (s.mu held). It is made once per
// connection rather than once per exchange: its buffer is the largest
// allocation of a command.
func (s *session) exchangeSub(c *conn) *sub {
	u := s.cmdSub
	if u == nil || u.c != c {
		if u != nil {
			delete(s.subs, u)
		}
		u = &sub{ch: make(chan Frame, 256), c: c}
		s.cmdSub = u
		s.subs[u] = struct{}{}
	}
	for len(u.ch) > 0 {
		<-u.ch
	}
	u.active, u.lost = true, false
	return u
}

func (s *session) unsubscribe(u *sub) {
	s.mu.Lock()
	delete(s.subs, u)
	s.mu.Unlock()
}

// write sends one frame on c.
func (s *session) write(c *conn, f Frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	select {
	case <-c.gone:
		return errDropped
	default:
	}
	s.logf("%s: send %s", s.l.name, f)
	if _, err := c.rw.Write(f.Encode()); err != nil {
		c.rw.Close()
		return fmt.Errorf("%w (%v)", errDropped, err)
	}
	return nil
}

// errNoAnswer: the awaited frame did not come in time.
var errNoAnswer = errors.New("no answer in time")

// await reads u's frames until match says done, an error, the timeout or
// ctx's end.
func (s *session) await(ctx context.Context, u *sub, wait time.Duration, match func(Frame) (bool, error)) error {
	t := time.NewTimer(wait)
	defer t.Stop()
	// queued matches the frames already read: they come before anything
	// else, the connection's end included.
	queued := func() (bool, error) {
		for {
			select {
			case f := <-u.ch:
				if ok, err := match(f); ok || err != nil {
					return true, err
				}
			default:
				return false, nil
			}
		}
	}
	for {
		if done, err := queued(); done {
			return err
		}
		select {
		case f := <-u.ch:
			if ok, err := match(f); ok || err != nil {
				return err
			}
		case <-u.c.gone:
			if done, err := queued(); done {
				return err
			}
			return errDropped
		case <-t.C:
			return errNoAnswer
		case <-ctx.Done():
			return fmt.Errorf("%w (%w)", errNoAnswer, ctx.Err())
		case <-s.stop:
			return fmt.Errorf("driver closed: %w", errDropped)
		}
	}
}

// login answers the TPI's password request (5053) with 005 and waits for
// 505's verdict.
func (s *session) login(c *conn, u *sub) error {
	err := s.await505(u, "3", "the Envisalink gave up waiting for the password (5052)")
	switch {
	case err == errDropped:
		return fmt.Errorf("%s: the Envisalink closed the connection before asking for the password: it takes one client only, so check that no other program (a home-automation hub, another guardroom) is connected: %w", s.l.name, drivers.ErrOffline)
	case err == errNoAnswer:
		s.mu.Lock()
		garbled := c.stats.Garbled
		s.mu.Unlock()
		if garbled > 0 {
			return &drivers.Misconfigured{Err: fmt.Errorf("%s does not speak the DSC TPI (no 5053 password request, only lines that are not DSC frames): is it an Envisalink on a Honeywell Vista panel (use the envisalink-vista driver)?", s.l.name)}
		}
		return fmt.Errorf("%s: no password request (5053) within %s of connecting: check that it is an Envisalink on a DSC panel, port 4025: %w", s.l.name, s.tm.login, drivers.ErrTimeout)
	case err != nil:
		return err
	}
	if err := s.write(c, Frame{Cmd: CmdLogin, Data: s.pass}); err != nil {
		return fmt.Errorf("%s: log in: %w", s.l.name, err)
	}
	err = s.await505(u, "1", "the Envisalink timed out the login (5052)")
	switch {
	case err == errDropped:
		return fmt.Errorf("%s: the Envisalink closed the connection during login: %w", s.l.name, drivers.ErrOffline)
	case err == errNoAnswer:
		return fmt.Errorf("%s: no login verdict (505) within %s: %w", s.l.name, s.tm.login, drivers.ErrTimeout)
	}
	return err
}

// await505 waits for the login frame 505 with data want; 5052 (timed
// out) fails with timedOut, 5050 (password rejected) as a
// misconfiguration.
func (s *session) await505(u *sub, want, timedOut string) error {
	return s.await(context.Background(), u, s.tm.login, func(f Frame) (bool, error) {
		if f.Cmd != RespLogin {
			return false, nil
		}
		switch f.Data {
		case want:
			return true, nil
		case "0":
			return false, &drivers.Misconfigured{Err: fmt.Errorf("%s rejected the TPI password (5050): keep the Envisalink's password (the one of its local web page) with guardroom panel secret PANEL password; guardroom tries again only every %s, so as not to hammer the Envisalink", s.l.name, s.tm.loginRetry)}
		case "2":
			return false, fmt.Errorf("%s: %s: %w", s.l.name, timedOut, drivers.ErrTimeout)
		}
		return false, nil
	})
}

// probe checks that an IT-100 answers a poll before anything else is
// sent to it.
func (s *session) probe(c *conn, u *sub) error {
	if err := s.write(c, Frame{Cmd: CmdPoll}); err != nil {
		return fmt.Errorf("%s: poll: %w", s.l.name, err)
	}
	err := s.await(context.Background(), u, s.tm.reply, func(f Frame) (bool, error) {
		return f.Cmd == RespAck && f.Data == string(CmdPoll), nil
	})
	if err == errNoAnswer {
		return fmt.Errorf("%s: no answer to a poll (000) within %s: check the IT-100's serial cable, its power and its baud rate (9600 unless changed): %w", s.l.name, s.tm.reply, drivers.ErrTimeout)
	}
	if err != nil {
		return fmt.Errorf("%s: poll: %w", s.l.name, err)
	}
	return nil
}

// housekeep runs while c is up: it leaves a programming sequence that
// was cut short, then polls the interface when the connection has been
// idle, and closes a connection that stops answering.
func (s *session) housekeep(c *conn) {
	s.mu.Lock()
	leave := s.leave
	s.mu.Unlock()
	if leave {
		if x, err := s.beginOn(c); err == nil {
			if x.leaveProgramming(context.Background()) == nil {
				s.logf("%s: left keypad programming mode after the connection was restored", s.l.name)
			}
			x.end()
		}
	}
	t := time.NewTicker(s.tm.keepAlive)
	defer t.Stop()
	for {
		select {
		case <-c.gone:
			return
		case <-s.stop:
			return
		case <-t.C:
		}
		x, err := s.beginOn(c)
		if err != nil {
			return
		}
		err = x.command(context.Background(), Frame{Cmd: CmdPoll}, "poll")
		x.end()
		if errors.Is(err, drivers.ErrTimeout) {
			s.logf("%s: poll: %v; closing the connection", s.l.name, err)
			c.rw.Close()
			return
		}
		if err != nil {
			s.logf("%s: poll: %v", s.l.name, err) // busy: the link is alive
		}
	}
}

// exch is one exchange: it holds the command slot and a subscription to
// the connection's frames.
type exch struct {
	s    *session
	c    *conn
	u    *sub
	what string
}

// begin takes the command slot and the live connection. It waits while
// the first dial (or a dial after back-off) runs; while the session waits
// to dial again it fails at once with why it is down.
func (s *session) begin(ctx context.Context) (*exch, error) {
	select {
	case s.cmd <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: another command is still running: %w (%w)", s.l.name, drivers.ErrTimeout, ctx.Err())
	}
	for {
		s.mu.Lock()
		select {
		case <-s.stop:
			s.mu.Unlock()
			<-s.cmd
			return nil, fmt.Errorf("%s: driver closed: open the device again", s.l.name)
		default:
		}
		if s.cur != nil {
			x := &exch{s: s, c: s.cur, u: s.exchangeSub(s.cur)}
			s.mu.Unlock()
			return x, nil
		}
		if s.err != nil && !s.dialing {
			err := s.err
			s.mu.Unlock()
			<-s.cmd
			return nil, err
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			<-s.cmd
			return nil, fmt.Errorf("%s: not connected yet: %w (%w)", s.l.name, drivers.ErrTimeout, ctx.Err())
		}
	}
}

// beginOn is begin for housekeeping: it fails unless c is still the
// session's connection.
func (s *session) beginOn(c *conn) (*exch, error) {
	select {
	case s.cmd <- struct{}{}:
	case <-c.gone:
		return nil, errDropped
	case <-s.stop:
		return nil, errDropped
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != c {
		<-s.cmd
		return nil, errDropped
	}
	return &exch{s: s, c: c, u: s.exchangeSub(c)}, nil
}

func (x *exch) end() {
	x.s.mu.Lock()
	x.u.active = false
	x.s.mu.Unlock()
	<-x.s.cmd
}

func (x *exch) send(f Frame) error { return x.s.write(x.c, f) }

func (x *exch) await(ctx context.Context, wait time.Duration, match func(Frame) (bool, error)) error {
	err := x.s.await(ctx, x.u, wait, match)
	x.s.mu.Lock()
	lost := x.u.lost
	x.s.mu.Unlock()
	if err == nil && lost {
		return fmt.Errorf("%s: frames were lost (the reader fell behind): %w", x.s.l.name, drivers.ErrBusy)
	}
	return err
}

// status returns a copy of the status.
func (x *exch) status() Status {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	return x.s.st.clone()
}

// sorted turns an await error into the dispatcher's classes, saying what
// was being done.
func (x *exch) sorted(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoAnswer):
		return fmt.Errorf("%s: %s: %w (%v)", x.s.l.name, what, drivers.ErrTimeout, err)
	case errors.Is(err, errDropped):
		return fmt.Errorf("%s: %s: %w", x.s.l.name, what, err)
	}
	return err
}

// command sends f and waits for its acknowledgement (500 + f's code).
func (x *exch) command(ctx context.Context, f Frame, what string) error {
	if err := x.send(f); err != nil {
		return x.sorted(what, err)
	}
	return x.sorted(what, x.await(ctx, x.s.tm.reply, func(g Frame) (bool, error) {
		return ackOrError(g, f.Cmd, what)
	}))
}

// ackOrError matches the acknowledgement of cmd, and fails on a 501 or a
// 502.
func ackOrError(g Frame, cmd Code, what string) (bool, error) {
	switch g.Cmd {
	case RespAck:
		return g.Data == string(cmd), nil
	case RespCommandError:
		return false, errBadChecksum(what)
	case RespSystemError:
		return false, systemError(g.Data).sort(what)
	}
	return false, nil
}

// refresh asks for the status (001) once per connection: the TPI only
// reports changes, so a fresh connection knows nothing until it asks. The
// poll after it is a barrier: its acknowledgement comes after the status.
// It reports whether it asked.
func (x *exch) refresh(ctx context.Context) (bool, error) {
	x.s.mu.Lock()
	done := x.s.refreshed == x.c.gen
	x.s.mu.Unlock()
	if done {
		return false, nil
	}
	if err := x.command(ctx, Frame{Cmd: CmdStatus}, "status report"); err != nil {
		return true, err
	}
	if err := x.command(ctx, Frame{Cmd: CmdPoll}, "poll"); err != nil {
		return true, err
	}
	x.s.mu.Lock()
	x.s.refreshed = x.c.gen
	x.s.mu.Unlock()
	return true, nil
}

// beginKnown is begin, then the status asked for if this connection has
// not yet: a command that depends on the panel's state starts from it.
func (s *session) beginKnown(ctx context.Context) (*exch, error) {
	x, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := x.refresh(ctx); err != nil {
		x.end()
		return nil, err
	}
	return x, nil
}

// setLeave records whether a programming sequence is open on the panel.
func (s *session) setLeave(v bool) {
	s.mu.Lock()
	s.leave = v
	s.mu.Unlock()
}
