// Package vista is the "envisalink-vista" driver: it arms, disarms, watches
// and programs user codes of Honeywell/Ademco Vista panels through an
// EyezOn Envisalink (3 or 4, Honeywell firmware) speaking the Ademco TPI
// 1.03 (../shared/reference/protocols/envisalink-tpi-ademco-1.03.txt),
// and it provides Simulator, a Vista panel behind an Envisalink speaking
// that protocol, for tests and demos.
//
// The Envisalink takes one TPI client on TCP port 4025. A Driver holds at
// most one connection to it: it logs in on first use (the password within
// 10 s), polls it to keep it alive, keeps the state the panel reports
// (Status) and, after a connection failed, dials again only after a
// back-off (1 s doubling to a minute). A refused password is a
// *drivers.Misconfigured error, returned again without another login
// until the driver is opened anew with new settings.
//
// The TPI has no commands for arming or for codes: the driver types them
// on a virtual keypad, one ^03 keystroke at a time, each acknowledged:
// code+2 arms away, code+3 stay, code+1 disarms; master+8+user+code sets a
// user code and master+8+user+#0 deletes it (Vista 20P). A change is done
// only when the panel shows it (the partition's state, or the single beep
// that confirms a code); otherwise the job fails with what the keypad's
// LCD showed. Once a key of a sequence holding a code is sent, nothing is
// sent again: every failure after it is a *drivers.Refusal, never a
// retried error. Codes cannot be read back (Capabilities.ReadBack false).
//
// Address is "host" or "host:port". Options: timeout (the wait for an
// acknowledgement, the login and the first state, default 5s),
// confirm (the wait for the panel to show a change, default 15s),
// keepalive (the poll interval, default 30s). Config.Password is the
// Envisalink's password, MasterCode the panel's master code, ArmCode the
// code used by Arm and Disarm.
package vista

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// Name is the driver's registered name.
const Name = "envisalink-vista"

// DefaultPort is the Envisalink's TPI port.
const DefaultPort = "4025"

// LoginTimeout is how long the Envisalink waits for the password.
const LoginTimeout = 10 * time.Second

// Defaults of a Vista 20P, the common panel behind an Envisalink: users
// 01 (installer) to 49, 02 the master, codes of 4 digits.
const (
	DefaultSlots      = 49
	DefaultCodeLength = 4
	DefaultTimeout    = 5 * time.Second
	DefaultConfirm    = 15 * time.Second
	DefaultKeepAlive  = 30 * time.Second
	maxBackoff        = time.Minute
)

func init() { drivers.Register(Name, Open) }

// Open is the driver's factory (see New).
func Open(cfg drivers.Config) (drivers.Panel, error) { return New(cfg) }

// Driver is one Vista panel behind one Envisalink. It implements
// drivers.Panel and drivers.CodedArming; its methods are safe for
// concurrent use and run one operation at a time.
type Driver struct {
	addr                    string
	password, master, armed string // secrets: never in an error or a log
	slots, codeLen          int
	timeout, confirm, keep  time.Duration
	dial                    func(ctx context.Context, addr string) (net.Conn, error)

	op      chan struct{} // one operation at a time
	connect chan struct{} // one connection attempt at a time

	mu          sync.Mutex
	cancelLogin context.CancelFunc // ends the login in progress, for Close
	conn        *conn
	refused     error // the password was refused: returned until the driver is opened anew
	failures    int
	retryAt     time.Time
	closed      bool
	st          Status
	changed     chan struct{} // closed and replaced on every change of st
	dials       int
}

// conn is one logged-in connection.
type conn struct {
	c    net.Conn
	done chan struct{} // closed when the reader ends
	err  error         // why it ended; set before done closes
	acks chan Frame
	cmd  chan struct{} // one command outstanding at a time
	buf  []byte        // guarded by cmd
	smu  sync.Mutex
	seq  *keySeq      // the keystroke sequence in flight, guarded by smu
	rx   atomic.Int64 // when the last frame came, in Unix nanoseconds
}

// quietAfter is how long a connection may stay silent before a keystroke
// sequence: longer, and the driver polls first, so that a connection the
// Envisalink dropped unseen (a reboot) fails before the first key, when
// nothing has been typed, and is retried, rather than after it.
var quietAfter = 10 * time.Second

// New makes a driver from cfg; it connects on first use.
func New(cfg drivers.Config) (*Driver, error) {
	addr, err := drivers.TCPAddress(cfg.Address, DefaultPort)
	if err != nil {
		return nil, err
	}
	d := &Driver{
		addr: addr, password: cfg.Password, master: cfg.MasterCode, armed: cfg.ArmCode,
		slots: DefaultSlots, codeLen: DefaultCodeLength,
		timeout: DefaultTimeout, confirm: DefaultConfirm, keep: DefaultKeepAlive,
		op: make(chan struct{}, 1), connect: make(chan struct{}, 1), changed: make(chan struct{}),
	}
	if cfg.Slots > 0 {
		d.slots = cfg.Slots
	}
	if cfg.CodeLength > 0 {
		d.codeLen = cfg.CodeLength
	}
	for k, v := range cfg.Options {
		dur, err := time.ParseDuration(v)
		if err != nil || dur <= 0 {
			return nil, fmt.Errorf("option %s=%q: give a duration such as 5s or 500ms", k, v)
		}
		switch k {
		case "timeout":
			d.timeout = dur
		case "confirm":
			d.confirm = dur
		case "keepalive":
			d.keep = dur
		default:
			return nil, fmt.Errorf("unknown option %q: the %s driver takes timeout, confirm and keepalive", k, Name)
		}
	}
	d.dial = drivers.Dial
	return d, nil
}

// Transport describes the link for the action log.
func (d *Driver) Transport() string { return "envisalink tpi " + d.addr }

func (d *Driver) errorf(format string, args ...any) error {
	return fmt.Errorf("envisalink %s: "+format, append([]any{d.addr}, args...)...)
}

// Status returns a copy of what the session has learned.
func (d *Driver) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.clone()
}

// ReadZones returns the zones the Envisalink has reported open at least
// once since the driver opened, open or closed now (%01 names only the
// open ones: a zone never reported is not known) (drivers.EventSource).
func (d *Driver) ReadZones(ctx context.Context) ([]drivers.ZoneStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]drivers.ZoneStatus, 0, len(d.st.known))
	for n := range d.st.known {
		state := "closed"
		if d.st.Zones.IsOpen(n) {
			state = "open"
		}
		out = append(out, drivers.ZoneStatus{Number: n, State: state})
	}
	slices.SortFunc(out, func(a, b drivers.ZoneStatus) int { return a.Number - b.Number })
	return out, nil
}

// ReadEvents returns the Contact ID events not yet acknowledged, oldest
// first (drivers.EventSource).
func (d *Driver) ReadEvents(ctx context.Context) ([]drivers.Event, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.st.events), nil
}

// AckEvents forgets the events up to seq: the dispatcher recorded them
// (drivers.EventSource).
func (d *Driver) AckEvents(ctx context.Context, seq uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.events = slices.DeleteFunc(d.st.events, func(e drivers.Event) bool { return e.Seq <= seq })
	return nil
}

// UsersSeen returns the users the panel reported arming or disarming (a
// Contact ID closing or opening by user N) since the last call
// (drivers.UserActivity).
func (d *Driver) UsersSeen() []drivers.UserSeen {
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := d.st.seen
	d.st.seen = nil
	return seen
}

// Dials is how many connections the driver has opened.
func (d *Driver) Dials() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials
}

func take(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// begin takes the operation slot.
func (d *Driver) begin(ctx context.Context) (func(), error) {
	if err := take(ctx, d.op); err != nil {
		return nil, d.errorf("another operation is still running: %w (%w)", drivers.ErrBusy, err)
	}
	return func() { <-d.op }, nil
}

// session returns the logged-in connection, dialling and logging in when
// there is none.
func (d *Driver) session(ctx context.Context) (*conn, error) {
	if err := take(ctx, d.connect); err != nil {
		return nil, d.errorf("connecting: %w (%w)", drivers.ErrTimeout, err)
	}
	defer func() { <-d.connect }()
	d.mu.Lock()
	cn, closed, refused, wait := d.conn, d.closed, d.refused, time.Until(d.retryAt)
	d.mu.Unlock()
	switch {
	case closed:
		return nil, d.errorf("driver closed: open the device again")
	case refused != nil:
		return nil, refused
	case cn != nil:
		select {
		case <-cn.done:
			<-cn.done // the reader has ended: the old socket is closed
		default:
			return cn, nil
		}
	}
	if wait > 0 {
		return nil, d.errorf("the last connection failed; the next try is in %s: %w", max(wait.Round(time.Second), time.Second), drivers.ErrOffline)
	}
	lctx, cancel := context.WithCancel(ctx)
	d.mu.Lock()
	d.cancelLogin = cancel
	d.mu.Unlock()
	cn, err := d.login(lctx)
	cancel()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cancelLogin = nil
	if err != nil {
		if drivers.IsMisconfigured(err) {
			d.refused = err
		} else {
			d.failures++
			d.retryAt = time.Now().Add(backoff(d.failures))
		}
		return nil, err
	}
	if d.closed {
		cn.c.Close()
		d.mu.Unlock()
		<-cn.done // Close waits for this session: no connection outlives it
		d.mu.Lock()
		return nil, d.errorf("driver closed: open the device again")
	}
	d.failures, d.retryAt, d.conn = 0, time.Time{}, cn
	return cn, nil
}

// backoff is the wait after n failed connections: 1 s doubling to a
// minute.
func backoff(n int) time.Duration {
	b := time.Second
	for i := 1; i < n && b < maxBackoff; i++ {
		b *= 2
	}
	return min(b, maxBackoff)
}

// login dials the Envisalink and logs in: it waits for "Login:", sends the
// password and CR LF (the specification asks for a CR; pyenvisalink sends
// CR LF, and its mock Envisalink reads the password by the line), and
// waits for "OK", all within the Envisalink's 10 s.
func (d *Driver) login(ctx context.Context) (*conn, error) {
	if d.password == "" {
		return nil, &drivers.Misconfigured{Err: d.errorf("no TPI password is stored: keep the Envisalink's password (the one of its web page) with guardroom panel secret PANEL password")}
	}
	dctx, cancel := context.WithTimeout(ctx, d.timeout)
	c, err := d.dial(dctx, d.addr)
	cancel()
	d.mu.Lock()
	d.dials++
	d.mu.Unlock()
	if err != nil {
		return nil, d.fail("connect", err)
	}
	// The prompt, the password and the answer, within the timeout option
	// and never past the Envisalink's own 10 s.
	deadline := time.Now().Add(min(d.timeout, LoginTimeout))
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	c.SetDeadline(deadline)
	// A context that ends without a deadline ends the login too.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	dec := NewDecoder(c)
	prompted := false
	for {
		f, err := dec.Next()
		if err != nil {
			c.Close()
			if !prompted && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
				return nil, d.errorf("the Envisalink closed the connection before its login prompt: it takes one TPI client only, so another program (a home automation hub, another guardroom) may hold it: %w", drivers.ErrOffline)
			}
			return nil, d.fail("login", err)
		}
		switch f.Kind {
		case KindLogin:
			prompted = true
			pw := append([]byte(d.password), eol...)
			_, err := c.Write(pw)
			clear(pw)
			if err != nil {
				c.Close()
				return nil, d.fail("login", err)
			}
		case KindOK:
			if !prompted {
				continue
			}
			if !stop() { // the context ended meanwhile: the deadline is past
				c.Close()
				return nil, d.fail("login", ctx.Err())
			}
			c.SetDeadline(time.Time{})
			cn := &conn{c: c, done: make(chan struct{}), acks: make(chan Frame, 4), cmd: make(chan struct{}, 1)}
			cn.rx.Store(time.Now().UnixNano())
			go d.read(cn, dec)
			go d.keepAlive(cn)
			return cn, nil
		case KindFailed:
			c.Close()
			return nil, &drivers.Misconfigured{Err: d.errorf("the Envisalink refused the TPI password: keep the password of its web page with guardroom panel secret PANEL password; no other login is tried until they change")}
		case KindTimedOut:
			c.Close()
			return nil, d.errorf("the Envisalink timed the login out before taking the password: %w", drivers.ErrTimeout)
		}
	}
}

// read takes frames until the connection ends.
func (d *Driver) read(cn *conn, dec *Decoder) {
	garbled := 0
	for {
		f, err := dec.Next()
		cn.rx.Store(time.Now().UnixNano())
		d.mu.Lock()
		d.st.Garbled += dec.Garbled() - garbled
		garbled = dec.Garbled()
		changed := err != nil || f.Kind == KindEvent
		if err == nil && f.Kind == KindEvent {
			d.st.apply(f)
		}
		if err != nil {
			cn.err = err
			if d.conn == cn {
				d.conn = nil
			}
		}
		if changed {
			close(d.changed)
			d.changed = make(chan struct{})
		}
		d.mu.Unlock()
		if err != nil {
			cn.c.Close()
			close(cn.done)
			return
		}
		if f.Kind == KindAck && !d.acked(cn, f) {
			select {
			case cn.acks <- f:
			default: // an acknowledgement nobody waits for
			}
		}
		if f.Kind == KindEvent || f.Kind == KindAck {
			if d.settle(cn) {
				// Let the caller, just woken on this thread's queue,
				// run here now rather than wait for another thread to
				// wake and take it (BenchmarkArmRoundTrip: 1.37x raw
				// without, 1.27x with, medians of three A/B runs).
				runtime.Gosched()
			}
		}
	}
}

// keepAlive polls the Envisalink every keep-alive interval; a poll that
// goes unanswered closes the connection, and the next operation dials
// again.
func (d *Driver) keepAlive(cn *conn) {
	t := time.NewTicker(d.keep)
	defer t.Stop()
	for {
		select {
		case <-cn.done:
			return
		case <-t.C:
			select {
			case cn.cmd <- struct{}{}:
				<-cn.cmd
			default:
				continue // keys in flight: their acknowledgements show the link is alive
			}
			ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
			err := d.command(ctx, cn, CmdPoll, "")
			cancel()
			if err != nil && !errors.Is(err, drivers.ErrBusy) {
				cn.c.Close()
				return
			}
		}
	}
}

// command sends one command and waits for its acknowledgement. Its errors
// never hold the command's data (a keystroke of a code).
func (d *Driver) command(ctx context.Context, cn *conn, code byte, data string) error {
	if err := take(ctx, cn.cmd); err != nil {
		return d.errorf("^%02X: another command is in flight: %w (%w)", code, drivers.ErrBusy, err)
	}
	defer func() { <-cn.cmd }()
drain: // late acknowledgements of earlier commands
	for {
		select {
		case <-cn.acks:
		default:
			break drain
		}
	}
	cn.buf = append(AppendCommand(cn.buf[:0], code, data), eol...)
	cn.c.SetWriteDeadline(time.Now().Add(d.timeout))
	_, err := cn.c.Write(cn.buf)
	clear(cn.buf)
	if err != nil {
		cn.c.Close()
		return d.fail(fmt.Sprintf("^%02X", code), err)
	}
	t := time.NewTimer(d.timeout)
	defer t.Stop()
	for {
		select {
		case f := <-cn.acks:
			if f.Code != code {
				continue
			}
			return d.ackErr(code, f.Result)
		case <-cn.done:
			return d.fail(fmt.Sprintf("^%02X", code), cn.err)
		case <-ctx.Done():
			return d.errorf("^%02X: no acknowledgement: %w (%w)", code, drivers.ErrTimeout, ctx.Err())
		case <-t.C:
			return d.errorf("^%02X: no acknowledgement within %s: %w", code, d.timeout, drivers.ErrTimeout)
		}
	}
}

// ackErr is the error for a response code: busy for an overrun or
// overflow, a timeout for the Envisalink's own 3 s one, a malformed
// command (a driver bug, not retried) for an unknown command or a syntax
// error.
func (d *Driver) ackErr(code byte, r Result) error {
	switch r {
	case ResultOK:
		return nil
	case ResultOverrun, ResultOverflow:
		return &AckError{Addr: d.addr, Command: code, Result: r, class: drivers.ErrBusy}
	case ResultStateTime:
		return &AckError{Addr: d.addr, Command: code, Result: r, class: drivers.ErrTimeout}
	case ResultUnknown, ResultSyntax:
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand, Reason: fmt.Sprintf("envisalink %s: ^%02X: %s: the Envisalink's firmware does not take this command as TPI 1.03 describes it; report it with the Envisalink's firmware version", d.addr, code, r)}
	}
	return d.errorf("^%02X: %s", code, r)
}

// AckError is an acknowledgement with a response code other than 00. It
// wraps the class the dispatcher acts on: drivers.ErrBusy for an overrun
// or overflow, drivers.ErrTimeout for the Envisalink's 3 s timeout.
type AckError struct {
	Addr    string
	Command byte
	Result  Result
	class   error
}

// Error says which command got which answer.
func (e *AckError) Error() string {
	return fmt.Sprintf("envisalink %s: ^%02X: %s: %v", e.Addr, e.Command, e.Result, e.class)
}

// Unwrap returns the error class.
func (e *AckError) Unwrap() error { return e.class }

// cause is a short account of why a command failed, for a refusal (which
// must not say "retried").
func cause(err error) string {
	var a *AckError
	var r *drivers.Refusal
	switch {
	case errors.As(err, &a):
		return "the Envisalink answered: " + a.Result.String()
	case errors.As(err, &r):
		return r.Reason
	case errors.Is(err, drivers.ErrOffline):
		return "the connection dropped"
	case errors.Is(err, drivers.ErrTimeout):
		return "the Envisalink did not acknowledge a key in time"
	}
	return err.Error()
}

// fail sorts a transport error into the dispatcher's classes.
func (d *Driver) fail(what string, err error) error {
	var op *net.OpError
	var ne net.Error
	switch {
	case err == nil:
		return d.errorf("%s: the connection ended: %w", what, drivers.ErrOffline)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return d.errorf("%s: %w (%w)", what, drivers.ErrTimeout, err)
	case errors.As(err, &op) && op.Op == "dial":
		return d.errorf("%s: %w (%w)", what, drivers.ErrOffline, err)
	case errors.As(err, &ne) && ne.Timeout():
		return d.errorf("%s: %w", what, drivers.ErrTimeout)
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return d.errorf("%s: the connection dropped: %w", what, drivers.ErrOffline)
	}
	return d.errorf("%s: %w (%w)", what, drivers.ErrOffline, err)
}

// wait waits until cond, which runs under the status lock, says done (and
// returns its error), for at most limit.
func (d *Driver) wait(ctx context.Context, cn *conn, limit time.Duration, cond func(*Status) (bool, error)) error {
	var t *time.Timer
	for {
		d.mu.Lock()
		ok, err := cond(&d.st)
		ch := d.changed
		d.mu.Unlock()
		if ok {
			return err
		}
		if t == nil {
			t = time.NewTimer(limit)
			defer t.Stop()
		}
		select {
		case <-ch:
		case <-cn.done:
			return d.fail("waiting for the panel", cn.err)
		case <-ctx.Done():
			return d.errorf("waiting for the panel: %w (%w)", drivers.ErrTimeout, ctx.Err())
		case <-t.C:
			return errWaited
		}
	}
}

var errWaited = errors.New("the panel did not show it in time")

// partitions waits for the first %02 of the session.
func (d *Driver) partitions(ctx context.Context, cn *conn) error {
	err := d.wait(ctx, cn, d.timeout, func(s *Status) (bool, error) { return s.PartitionsSeq != 0, nil })
	if errors.Is(err, errWaited) {
		return d.errorf("the Envisalink has not reported the partitions' states within %s: %w", d.timeout, drivers.ErrTimeout)
	}
	return err
}

// Identify says what the session learned: the Envisalink's generation
// from its zone bits (64 zones: an Envisalink 3, 128: a 4), the
// partitions in use from its partition states, and the configured slots
// and code length (the TPI reports neither).
func (d *Driver) Identify(ctx context.Context) (drivers.Identity, error) {
	cn, err := d.session(ctx)
	if err != nil {
		return drivers.Identity{}, err
	}
	if err := d.partitions(ctx, cn); err != nil {
		return drivers.Identity{}, err
	}
	s := d.Status()
	id := drivers.Identity{Vendor: "Honeywell/Ademco", Model: "Vista behind an Envisalink (TPI 1.03)",
		Slots: d.slots, Partitions: len(s.Used()), CodeLength: d.codeLen}
	switch s.Zones.Count {
	case 64:
		id.Model = "Vista behind an Envisalink 3 (TPI 1.03, 64 zones)"
	case 128:
		id.Model = "Vista behind an Envisalink 4 (TPI 1.03, 128 zones)"
	}
	return id, nil
}

// Capabilities: codes are sent by keystrokes and cannot be read back.
func (d *Driver) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{Users: true, Partitions: true, ArmDisarm: true}
}

func unsupported(what string) error {
	return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "a Vista panel behind an Envisalink cannot " + what + ": the TPI has no command for it and the keypad shows no user list; program it at the panel's keypad or with Compass"}
}

// ReadUsers is refused: the TPI cannot read codes or users.
func (d *Driver) ReadUsers(context.Context) ([]drivers.User, error) {
	return nil, unsupported("report its users")
}

// ReadUser is refused: the TPI cannot read codes or users.
func (d *Driver) ReadUser(context.Context, int) (drivers.User, error) {
	return drivers.User{}, unsupported("report a user")
}

// SetLabel is refused: user names are not reachable by the keystrokes the
// driver types.
func (d *Driver) SetLabel(context.Context, int, string) error {
	return unsupported("take user labels")
}

// SetPartitions is refused: partition assignment is not reachable by the
// keystrokes the driver types.
func (d *Driver) SetPartitions(context.Context, int, uint64) error {
	return unsupported("change a user's partitions")
}

// ReadPartitions returns the partitions the Envisalink reports in use,
// with their states (Status keeps the richer ones).
func (d *Driver) ReadPartitions(ctx context.Context) ([]drivers.Partition, error) {
	cn, err := d.session(ctx)
	if err != nil {
		return nil, err
	}
	if err := d.partitions(ctx, cn); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []drivers.Partition
	for _, n := range d.st.Used() {
		out = append(out, drivers.Partition{Number: n, State: d.st.State(n)})
	}
	return out, nil
}

// Arm arms a partition with Config.ArmCode.
func (d *Driver) Arm(ctx context.Context, partition int, mode drivers.ArmMode) error {
	if d.armed == "" {
		return noArmCode()
	}
	return d.ArmWithCode(ctx, partition, mode, d.armed)
}

// Disarm disarms a partition with Config.ArmCode.
func (d *Driver) Disarm(ctx context.Context, partition int) error {
	if d.armed == "" {
		return noArmCode()
	}
	return d.DisarmWithCode(ctx, partition, d.armed)
}

func noArmCode() error {
	return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "a Vista arms and disarms only with a user code: type one for this command (--code), or keep the panel's arming code with guardroom panel secret PANEL arm-code"}
}

// ArmWithCode arms partition by typing code and 2 (away) or 3 (stay), and
// returns once the panel shows it armed in that mode.
func (d *Driver) ArmWithCode(ctx context.Context, partition int, mode drivers.ArmMode, code string) error {
	fn := byte('2')
	want := family.ArmedAway
	switch mode {
	case drivers.Away:
	case drivers.Stay:
		fn, want = '3', family.ArmedStay
	case drivers.NoEntry:
		fn = '4' // MAXIMUM: away with no entry delay
	default:
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand, Reason: fmt.Sprintf("arm mode %q: a Vista arms stay, away or no entry", mode)}
	}
	// An exit delay running is an arming the panel took: it arms when the
	// delay ends.
	return d.armDisarm(ctx, partition, code, fn, "arm "+string(mode), func(s family.PartitionState) bool { return s == want || s == family.ExitDelay })
}

// DisarmWithCode disarms partition by typing code and 1, and returns once
// the panel shows it disarmed.
func (d *Driver) DisarmWithCode(ctx context.Context, partition int, code string) error {
	return d.armDisarm(ctx, partition, code, '1', "disarm", func(s family.PartitionState) bool {
		return s == family.Disarmed || s == family.NotReady || s == family.AlarmMemory
	})
}

func (d *Driver) checkCode(code, whose string) error {
	if len(code) != d.codeLen {
		return &drivers.Refusal{Kind: drivers.RefusedCodeLength, Reason: fmt.Sprintf("the %s has %d digits: this panel's codes have %d", whose, len(code), d.codeLen)}
	}
	if !isDigits(code) {
		return &drivers.Refusal{Kind: drivers.RefusedCodeDigits, Reason: fmt.Sprintf("the %s must be digits only", whose)}
	}
	return nil
}

func checkPartition(p int) error {
	if p < 1 || p > 8 {
		return &drivers.Refusal{Kind: drivers.RefusedPartition, Reason: fmt.Sprintf("partition %d does not exist: an Envisalink reports partitions 1-8", p)}
	}
	return nil
}

// opened takes the driver for one operation (end gives it back) on a
// logged-in connection that has reported the partitions' states.
func (d *Driver) opened(ctx context.Context) (cn *conn, end func(), err error) {
	if end, err = d.begin(ctx); err != nil {
		return nil, nil, err
	}
	if cn, err = d.session(ctx); err == nil {
		err = d.partitions(ctx, cn)
	}
	if err != nil {
		end()
		return nil, nil, err
	}
	return cn, end, nil
}

func (d *Driver) armDisarm(ctx context.Context, part int, code string, fn byte, what string, done func(family.PartitionState) bool) error {
	if err := checkPartition(part); err != nil {
		return err
	}
	if err := d.checkCode(code, "user code"); err != nil {
		return err
	}
	cn, end, err := d.opened(ctx)
	if err != nil {
		return err
	}
	defer end()
	d.mu.Lock()
	pc, state, shows := d.st.Code(part), d.st.State(part), d.st.Display(part)
	d.mu.Unlock()
	switch {
	case pc == PartUnused:
		return &drivers.Refusal{Kind: drivers.RefusedPartition, Reason: fmt.Sprintf("partition %d is not in use on this panel", part)}
	case done(state):
		return nil // already so: a retried job sends nothing
	case fn != '1' && state == family.NotReady:
		return &drivers.Refusal{Kind: drivers.RefusedNotReady, Reason: fmt.Sprintf("partition %d is not ready to arm (the keypad shows %q): close or bypass the open zones, then retry", part, shows)}
	case fn != '1' && state != family.Disarmed && state != family.AlarmMemory:
		return &drivers.Refusal{Kind: drivers.RefusedNotReady, Reason: fmt.Sprintf("partition %d is %s: disarm it first", part, state)}
	}
	keys := append([]byte(code), fn)
	defer clear(keys)
	return d.typeAndConfirm(ctx, cn, part, keys, what, func(s *Status, _ uint64) (bool, error) {
		return done(s.State(part)), nil
	})
}

// eol follows the password and every command the driver sends. TPI 1.03
// ignores what is outside the ^$ sentinels and not a key, so CR LF changes
// nothing for the Envisalink; pyenvisalink (Home Assistant's client) sends
// it after everything, and peers that read by the line need it
// (pyenvisalink's mock Envisalink did not take a password ended by a CR
// alone).
const eol = "\r\n"

// keySeq is a keystroke sequence in flight. The reader goroutine writes
// each next key as soon as the last one is acknowledged, so that a key
// costs one round trip and no hand-over between goroutines.
type keySeq struct {
	part  int
	keys  []byte
	acked int   // keys acknowledged with 00
	err   error // why the sequence stopped, or the confirmation's answer
	done  chan struct{}
	buf   []byte
	// confirm says, once every key is acknowledged, whether the panel
	// shows the change (and its error if it shows something else); the
	// reader asks it at the last acknowledgement and after each event, so
	// that the caller wakes once, when it is settled.
	confirm   func(*Status) (bool, error)
	confirmed bool
	ended     bool        // done is closed
	window    *time.Timer // ends the sequence d.confirm after the last acknowledgement
}

// end closes the sequence with err; the caller holds cn.smu.
func (q *keySeq) end(err error) {
	if !q.ended {
		q.err, q.ended = err, true
		close(q.done)
	}
}

// settle asks the sequence in flight, once all its keys are acknowledged,
// whether the panel shows the change; true when it has settled now.
func (d *Driver) settle(cn *conn) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	cn.smu.Lock()
	defer cn.smu.Unlock()
	q := cn.seq
	if q == nil || q.ended || q.acked < len(q.keys) {
		return false
	}
	if ok, err := q.confirm(&d.st); ok {
		q.confirmed = true
		q.end(err)
		return true
	}
	return false
}

// writeKey writes key q.acked; the caller holds cn.smu.
func (d *Driver) writeKey(cn *conn, q *keySeq) error {
	q.buf = append(AppendKeypress(q.buf[:0], q.part, q.keys[q.acked]), eol...)
	cn.c.SetWriteDeadline(time.Now().Add(d.timeout))
	_, err := cn.c.Write(q.buf)
	clear(q.buf)
	if err != nil {
		cn.c.Close()
		return d.fail("^03", err)
	}
	return nil
}

// acked takes a ^03 acknowledgement into the sequence in flight, writing
// the next key; false when no sequence waits for it.
func (d *Driver) acked(cn *conn, f Frame) bool {
	cn.smu.Lock()
	defer cn.smu.Unlock()
	q := cn.seq
	if q == nil || f.Code != CmdKeypress || q.ended || q.acked == len(q.keys) {
		return false
	}
	if err := d.ackErr(CmdKeypress, f.Result); err != nil {
		q.end(err)
		return true
	}
	q.acked++
	if q.acked < len(q.keys) {
		if err := d.writeKey(cn, q); err != nil {
			q.end(err)
		}
		return true
	}
	// The last key: the panel has d.confirm to show the change.
	q.window = time.AfterFunc(d.confirm, func() {
		cn.smu.Lock()
		defer cn.smu.Unlock()
		q.end(errWaited)
	})
	return true
}

// typeKeys types keys on partition part, each a ^03 command acknowledged
// before the next goes, then waits for confirm to settle. It returns how
// many keys were acknowledged, whether confirm settled (and its error), or
// why it stopped. It holds the command slot throughout, so that no poll
// comes between two keys. The keys stay in the sequence only until it
// ends.
func (d *Driver) typeKeys(ctx context.Context, cn *conn, part int, keys []byte, confirm func(*Status) (bool, error)) (acked int, confirmed bool, err error) {
	if err := take(ctx, cn.cmd); err != nil {
		return 0, false, d.errorf("^03: %w (%w)", drivers.ErrTimeout, err)
	}
	defer func() { <-cn.cmd }()
	q := &keySeq{part: part, keys: keys, done: make(chan struct{}), confirm: confirm}
	cn.smu.Lock()
	cn.seq = q
	if err := d.writeKey(cn, q); err != nil {
		q.end(err)
	}
	cn.smu.Unlock()
	defer func() {
		cn.smu.Lock()
		cn.seq = nil
		if q.window != nil {
			q.window.Stop()
		}
		cn.smu.Unlock()
	}()
	acks := func() int {
		cn.smu.Lock()
		defer cn.smu.Unlock()
		return q.acked
	}
	// Each key has d.timeout for its acknowledgement (the timer restarts
	// while keys are acknowledged); then the panel has d.confirm (window).
	t := time.NewTimer(d.timeout)
	defer t.Stop()
	seen := 0
	for {
		select {
		case <-q.done:
			cn.smu.Lock()
			n, ok, err := q.acked, q.confirmed, q.err
			cn.smu.Unlock()
			return n, ok, err
		case <-cn.done:
			return acks(), false, d.fail("^03", cn.err)
		case <-ctx.Done():
			return acks(), false, d.errorf("^03: %w (%w)", drivers.ErrTimeout, ctx.Err())
		case <-t.C:
			n := acks()
			switch {
			case n == len(keys): // the window ends the wait
			case n == seen:
				return n, false, d.errorf("^03: no acknowledgement within %s: %w", d.timeout, drivers.ErrTimeout)
			default:
				seen = n
				t.Reset(d.timeout)
			}
		}
	}
}

// typeAndConfirm types keys on partition's keypad, one acknowledged ^03 a
// key, then waits for confirmed to say the panel shows the change (mark:
// the status's frame count before the first key). Before the first key it
// fails as the connection does; after it, with a *drivers.Refusal that
// says what the keypad showed: the keys hold a code, and they are never
// sent again without a person looking.
func (d *Driver) typeAndConfirm(ctx context.Context, cn *conn, part int, keys []byte, what string, confirmed func(s *Status, mark uint64) (bool, error)) error {
	if time.Since(time.Unix(0, cn.rx.Load())) > quietAfter {
		if err := d.command(ctx, cn, CmdPoll, ""); err != nil {
			return err
		}
	}
	d.mu.Lock()
	mark := d.st.Seq
	d.mu.Unlock()
	acked, settled, err := d.typeKeys(ctx, cn, part, keys, func(s *Status) (bool, error) { return confirmed(s, mark) })
	switch {
	case settled:
		return err // nil, or the refusal confirmed gave for what the panel showed
	case acked < len(keys):
		var a *AckError
		var r *drivers.Refusal
		if acked == 0 && (errors.As(err, &a) || errors.As(err, &r)) {
			return err // the Envisalink said it did not take the first key: nothing was typed
		}
		return d.stopped(part, what, fmt.Sprintf("after %d of its %d keys: %s", acked, len(keys), cause(err)))
	case errors.Is(err, errWaited):
		return d.stopped(part, what, fmt.Sprintf("the panel did not show it within %s", d.confirm))
	default:
		var r *drivers.Refusal
		if errors.As(err, &r) {
			return err
		}
		return d.stopped(part, what, "while waiting for the panel: "+cause(err))
	}
}

// stopped is the refusal of a keystroke sequence the driver gave up on.
func (d *Driver) stopped(part int, what, why string) error {
	d.mu.Lock()
	shows := d.st.Display(part)
	d.mu.Unlock()
	return d.stoppedShows(part, what, why, shows)
}

// SetCode sets user u.Slot's code by typing master+8+user+code on
// partition 1 (the lowest of u.Partitions when given), once the
// partition is disarmed and ready, and returns once the keypad beeps
// once. The label, role and partitions are not sent: the Vista keeps its
// own (see SetLabel, SetPartitions).
func (d *Driver) SetCode(ctx context.Context, u drivers.User, code string) error {
	if err := d.checkCode(code, "user code"); err != nil {
		return err
	}
	return d.program(ctx, u.Slot, lowest(u.Partitions), []byte(code), "set the code of user "+strconv.Itoa(u.Slot))
}

// ClearCode deletes user slot's code by typing master+8+user+#0.
func (d *Driver) ClearCode(ctx context.Context, slot int) error {
	return d.program(ctx, slot, 1, []byte("#0"), "delete the code of user "+strconv.Itoa(slot))
}

func lowest(parts uint64) int {
	for n := 1; n <= 8; n++ {
		if parts&(1<<(n-1)) != 0 {
			return n
		}
	}
	return 1
}

func (d *Driver) program(ctx context.Context, slot, part int, tail []byte, what string) error {
	defer clear(tail)
	switch {
	case slot == 1 || slot == 2:
		return &drivers.Refusal{Kind: drivers.RefusedMaster, Reason: fmt.Sprintf("user %d is the panel's installer or master code: change it at the keypad (the master is typed twice), not from guardroom", slot)}
	case slot < 1 || slot > d.slots:
		return &drivers.Refusal{Kind: drivers.RefusedBadSlot, Reason: fmt.Sprintf("user %d does not exist: this panel has users 3-%d", slot, d.slots)}
	case d.master == "":
		return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "no master code is stored for this panel: a Vista programs user codes only after its master code; keep it with guardroom panel secret PANEL master-code, then retry"}
	}
	if err := d.checkCode(d.master, "stored master code"); err != nil {
		return err
	}
	cn, end, err := d.opened(ctx)
	if err != nil {
		return err
	}
	defer end()
	d.mu.Lock()
	ready, state, shows := d.st.Ready(part), d.st.State(part), d.st.Display(part)
	d.mu.Unlock()
	if !ready {
		return d.errorf("partition %d is %s (the keypad shows %q): codes are programmed only on a disarmed, ready partition: %w", part, state, shows, drivers.ErrBusy)
	}
	width := 2
	if d.slots > 99 {
		width = 3
	}
	keys := make([]byte, 0, 16)
	keys = append(keys, d.master...)
	keys = append(keys, '8')
	keys = append(keys, fmt.Sprintf("%0*d", width, slot)...)
	keys = append(keys, tail...)
	defer clear(keys)
	return d.typeAndConfirm(ctx, cn, part, keys, what, func(s *Status, mark uint64) (bool, error) {
		for _, b := range s.Beeps {
			if b.Seq <= mark || b.Partition != part {
				continue
			}
			if b.Beep == 1 {
				return true, nil
			}
			return true, d.stoppedShows(part, what, fmt.Sprintf("with %d beeps", b.Beep), b.Display)
		}
		if !s.Ready(part) && s.Seq > mark {
			return true, d.stoppedShows(part, what, "as the partition left ready ("+string(s.State(part))+")", s.Display(part))
		}
		return false, nil
	})
}

// stoppedShows is stopped with the display already known (the status
// lock is held).
func (d *Driver) stoppedShows(part int, what, why, shows string) error {
	return &drivers.Refusal{Reason: fmt.Sprintf("envisalink %s: %s on partition %d stopped %s; the keypad shows %q; nothing was sent again: check the panel at its keypad, then retry or cancel the job", d.addr, what, part, why, shows)}
}

// Close ends the connection, and a login in progress, and returns once
// the socket is closed: a driver opened next for the same Envisalink
// (after a settings change) does not find its one client slot taken. The
// driver must not be used afterwards.
func (d *Driver) Close() error {
	d.mu.Lock()
	d.closed = true
	cn, cancel := d.conn, d.cancelLogin
	d.conn = nil
	d.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if cn != nil {
		cn.c.Close()
		<-cn.done
	}
	d.connect <- struct{}{} // a login in progress has ended
	<-d.connect
	return nil
}

var (
	_ drivers.Panel       = (*Driver)(nil)
	_ drivers.CodedArming = (*Driver)(nil)
)
