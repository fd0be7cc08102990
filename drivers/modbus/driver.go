// Package modbus is the "modbus" driver: it programs panels that serve
// guardroom's register map (version 3, docs/modbus.md) over Modbus TCP or
// RTU, through github.com/goburrow/modbus, and it provides Simulator, a
// Modbus TCP panel simulator serving that map from a drivers/sim panel.
//
// Addresses are "tcp://host:port" (port 502 by default) or
// "rtu:///dev/ttyUSB0". Options: unit (unit id, default 1), base (register
// map base, default 0), timeout (per request, default 2s) and, for RTU,
// baud (19200), parity (E, O or N; default E), stop (1 or 2) and databits
// (7 or 8).
//
// goburrow's TCP client stays one transaction behind after a late reply
// (goburrow/modbus issue #64), so the driver closes the connection after
// any error that is not a Modbus exception and dials again on the next
// request; a connection the device dropped while idle is dialled again
// and the request retried once. On RTU, which has no transaction id, the
// line is drained before the next request instead.
//
// On every new connection the driver reads the identity block before any
// other request: nothing is written to a device that is not a guardroom
// map of version 3 (a *drivers.Misconfigured error instead). Mailbox
// commands carry a sequence number the device uses to ignore a repeat, so
// a retried write applies once; the dispatcher reserves the numbers in the
// store (drivers.CommandNumbers), so that they never repeat across
// restarts.
package modbus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	mb "github.com/goburrow/modbus"
	"github.com/goburrow/serial"

	"github.com/guardroom/guardroom/drivers"
)

// Defaults for the driver's options.
const (
	DefaultUnit    = 1
	DefaultTimeout = 2 * time.Second
	idleTimeout    = 30 * time.Second
)

// reidentifyAfter is the pause after which the next request counts as one
// on a new connection: goburrow closes a connection idle for idleTimeout
// on its own, and dials again silently. Half of it leaves a margin, so
// that the connection the identity was read on is the one the request
// goes over. (A variable for tests.)
var reidentifyAfter = idleTimeout / 2

func init() { drivers.Register("modbus", Open) }

// Open is the modbus driver's factory (see New).
func Open(cfg drivers.Config) (drivers.Panel, error) { return New(cfg) }

// Driver is one Modbus panel. Its methods are safe for concurrent use and
// run one request at a time. It implements drivers.Panel, drivers.Locks
// and drivers.KeypadTags.
type Driver struct {
	transport  string
	base       uint16
	timeout    time.Duration
	handler    io.Closer
	client     mb.Client
	setTimeout func(time.Duration)
	drain      func() // RTU: discard what the line still holds before dialling again
	sem        chan struct{}
	info       atomic.Pointer[Info]

	// guarded by sem
	fresh    bool      // the next request dials a new connection
	checked  bool      // the device on the current connection was identified
	lastSend time.Time // when the last request went out
	seq      uint16    // the last sequence number, when numbers is nil
	numbers  func(context.Context) (uint64, error)
	dirty    bool // the connection was closed after an error
	closed   bool
	cmd      [CommandLen]uint16
	buf      [2 * CommandLen]byte
}

type options struct {
	unit     byte
	base     uint16
	timeout  time.Duration
	baud     int
	parity   string
	stop     int
	databits int
}

var optionNames = "unit, base, timeout, baud, parity, stop, databits"

func parseOptions(o map[string]string, rtu bool) (options, error) {
	opt := options{unit: DefaultUnit, timeout: DefaultTimeout, baud: 19200, parity: "E", stop: 1, databits: 8}
	for k, v := range o {
		bad := func(want string) error { return fmt.Errorf("option %s=%q: %s", k, v, want) }
		if !rtu && (k == "baud" || k == "parity" || k == "stop" || k == "databits") {
			return opt, fmt.Errorf("option %s applies to rtu:// addresses only: drop it", k)
		}
		switch k {
		case "unit":
			n, err := strconv.ParseUint(v, 10, 8)
			if err != nil {
				return opt, bad("give a unit id from 0 to 255 (usually 1)")
			}
			opt.unit = byte(n)
		case "base":
			n, err := strconv.ParseUint(v, 0, 16)
			if err != nil {
				return opt, bad("give the register map's first register, 0 to 65535")
			}
			opt.base = uint16(n)
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return opt, bad("give a duration such as 2s or 500ms")
			}
			opt.timeout = d
		case "baud":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return opt, bad("give a baud rate such as 9600 or 19200")
			}
			opt.baud = n
		case "parity":
			switch strings.ToUpper(v) {
			case "E", "EVEN":
				opt.parity = "E"
			case "O", "ODD":
				opt.parity = "O"
			case "N", "NONE":
				opt.parity = "N"
			default:
				return opt, bad("give E, O or N")
			}
		case "stop":
			if v != "1" && v != "2" {
				return opt, bad("give 1 or 2")
			}
			opt.stop, _ = strconv.Atoi(v)
		case "databits":
			if v != "7" && v != "8" {
				return opt, bad("give 7 or 8")
			}
			opt.databits, _ = strconv.Atoi(v)
		default:
			return opt, fmt.Errorf("unknown option %q: the modbus driver takes %s", k, optionNames)
		}
	}
	return opt, nil
}

// New opens a Modbus panel from cfg; it does not connect until the first
// request. cfg.Family, Slots and CodeLength are not used: the device's
// identity block says what it is.
func New(cfg drivers.Config) (*Driver, error) {
	u, err := url.Parse(cfg.Address)
	if err != nil || (u.Scheme != "tcp" && u.Scheme != "rtu") {
		return nil, fmt.Errorf("address %q: use tcp://host:port or rtu:///dev/ttyUSB0", cfg.Address)
	}
	opt, err := parseOptions(cfg.Options, u.Scheme == "rtu")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Address, err)
	}
	// Without a store's numbers (a driver used alone), the sequence starts
	// at a random number, so that two runs are unlikely to meet.
	d := &Driver{base: opt.base, timeout: opt.timeout, sem: make(chan struct{}, 1), fresh: true, seq: uint16(rand.N(0xFFFF))}
	switch u.Scheme {
	case "tcp":
		if u.Host == "" || u.Path != "" {
			return nil, fmt.Errorf("address %q: use tcp://host:port, e.g. tcp://10.0.0.5:502", cfg.Address)
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "502")
		}
		h := mb.NewTCPClientHandler(host)
		h.SlaveId, h.Timeout, h.IdleTimeout = opt.unit, opt.timeout, idleTimeout
		d.handler, d.client, d.setTimeout = h, mb.NewClient(h), func(t time.Duration) { h.Timeout = t }
		d.transport = fmt.Sprintf("tcp %s unit %d", host, opt.unit)
	case "rtu":
		dev := u.Host + u.Path
		if dev == "" {
			return nil, fmt.Errorf("address %q: name the serial device, e.g. rtu:///dev/ttyUSB0", cfg.Address)
		}
		h := mb.NewRTUClientHandler(dev)
		h.SlaveId, h.Timeout, h.IdleTimeout = opt.unit, opt.timeout, idleTimeout
		h.BaudRate, h.DataBits, h.Parity, h.StopBits = opt.baud, opt.databits, opt.parity, opt.stop
		d.handler, d.client, d.setTimeout = h, mb.NewClient(h), func(t time.Duration) { h.Timeout = t }
		d.drain = func() { drainSerial(h.Config) }
		d.transport = fmt.Sprintf("rtu %s %d %d%s%d unit %d", dev, opt.baud, opt.databits, opt.parity, opt.stop, opt.unit)
	}
	return d, nil
}

// Transport describes the link, e.g. "tcp 10.0.0.5:502 unit 1", for the
// action log.
func (d *Driver) Transport() string { return d.transport }

func (d *Driver) errorf(format string, args ...any) error {
	return fmt.Errorf("modbus %s: "+format, append([]any{d.transport}, args...)...)
}

// acquire takes the request slot, or gives up when ctx ends.
func (d *Driver) acquire(ctx context.Context) error {
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return d.errorf("%w (%w)", drivers.ErrTimeout, ctx.Err())
	}
	if d.closed {
		<-d.sem
		return d.errorf("driver closed: open the device again")
	}
	return nil
}

func (d *Driver) release() { <-d.sem }

// dropped reports errors that mean the peer closed or reset the
// connection.
func dropped(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed)
}

// do runs one Modbus transaction. After any error but a Modbus exception
// it closes the connection, so that a late reply cannot answer the next
// request. The caller holds the request slot.
func (d *Driver) do(ctx context.Context, f func(mb.Client) ([]byte, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t := d.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < t {
			t = left
		}
	}
	if t < time.Millisecond {
		return nil, context.DeadlineExceeded
	}
	d.setTimeout(t)
	if d.dirty && d.drain != nil {
		d.drain()
	}
	d.dirty, d.fresh = false, false
	d.lastSend = time.Now()
	res, err := f(d.client)
	if err == nil {
		return res, nil
	}
	var ex *mb.ModbusError
	if errors.As(err, &ex) {
		return nil, err
	}
	d.hangUp()
	return nil, err
}

// hangUp closes the connection after an error: the next request dials a
// new one, and identifies the device on it first.
func (d *Driver) hangUp() {
	d.handler.Close()
	d.fresh, d.dirty, d.checked = true, true, false
}

// sorted is an error that fail has sorted already: fail passes it on.
type sorted struct{ error }

func (s sorted) Unwrap() error { return s.error }

// request runs one transaction over a connection whose device has been
// identified (ident: f is the identity read itself). When a connection
// that worked before turns out to be dropped (the device's idle timeout,
// a restart), it dials again, identifies the device on the new connection
// and tries once more: a write goes only to a device identified on the
// connection it goes over.
func (d *Driver) request(ctx context.Context, ident bool, f func(mb.Client) ([]byte, error)) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		if !ident {
			if _, err := d.connected(ctx); err != nil {
				return nil, sorted{err}
			}
		}
		wasFresh := d.fresh
		res, err := d.do(ctx, f)
		if err != nil && attempt == 0 && !wasFresh && dropped(err) {
			continue
		}
		return res, err
	}
}

// drainSerial reads and drops what a serial line holds (a late reply to a
// request that timed out): RTU has no transaction id, so a late reply
// would otherwise answer the next request. Closing and reopening the port
// does not discard it. It stops once the line has been quiet for 50ms.
func drainSerial(c serial.Config) {
	c.Timeout = 50 * time.Millisecond
	p, err := serial.Open(&c)
	if err != nil {
		return
	}
	defer p.Close()
	var buf [256]byte
	for range 64 {
		if _, err := p.Read(buf[:]); err != nil {
			return
		}
	}
}

// regName names a holding register in both notations: protocol address
// and Modicon 4xxxx number.
func regName(a uint16) string {
	if a <= 9998 {
		return fmt.Sprintf("%d (register %d)", 40001+int(a), a)
	}
	return fmt.Sprintf("%d (register %d)", 400001+int(a), a)
}

// fail turns a transaction error at register reg into an error for the
// dispatcher: a transient class (ErrOffline, ErrTimeout, ErrBusy) where
// retrying can help, otherwise an error saying what to check.
func (d *Driver) fail(what string, err error, reg uint16) error {
	var done sorted
	if errors.As(err, &done) {
		return done.error
	}
	var ex *mb.ModbusError
	if errors.As(err, &ex) {
		switch ex.ExceptionCode {
		case mb.ExceptionCodeIllegalFunction:
			return &drivers.Misconfigured{Err: d.errorf("%s: illegal function %d at %s: the device does not serve guardroom's register map: check options unit and base", what, ex.FunctionCode&0x7f, regName(reg))}
		case mb.ExceptionCodeIllegalDataAddress:
			return &drivers.Misconfigured{Err: d.errorf("%s: illegal data address %s: the device has no guardroom register map there: check the register map base (options: base, now %d) and unit", what, regName(reg), d.base)}
		case mb.ExceptionCodeIllegalDataValue:
			return d.errorf("%s: illegal data value at %s: the device rejected the request", what, regName(reg))
		case mb.ExceptionCodeServerDeviceFailure:
			return d.errorf("%s: device failure (Modbus exception 4) at %s: check the panel", what, regName(reg))
		case mb.ExceptionCodeAcknowledge, mb.ExceptionCodeServerDeviceBusy:
			return d.errorf("%s: %w", what, drivers.ErrBusy)
		case mb.ExceptionCodeGatewayPathUnavailable:
			return d.errorf("%s: gateway has no path to the panel: %w", what, drivers.ErrOffline)
		case mb.ExceptionCodeGatewayTargetDeviceFailedToRespond:
			return d.errorf("%s: the panel behind the gateway did not answer: %w", what, drivers.ErrTimeout)
		default:
			return d.errorf("%s: Modbus exception %d at %s", what, ex.ExceptionCode, regName(reg))
		}
	}
	var op *net.OpError
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return d.errorf("%s: %w (%w)", what, drivers.ErrTimeout, err)
	case errors.As(err, &op) && op.Op == "dial":
		return d.errorf("%s: %w (%w)", what, drivers.ErrOffline, err)
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, serial.ErrTimeout):
		return d.errorf("%s: no reply within %s: %w", what, d.timeout, drivers.ErrTimeout)
	case dropped(err):
		return d.errorf("%s: the connection dropped: %w (%w)", what, drivers.ErrOffline, err)
	case errors.As(err, &op), errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.EACCES):
		return d.errorf("%s: %w (%w)", what, drivers.ErrOffline, err)
	default: // a garbled or stale frame: goburrow's checks (transaction id, length, ...)
		return d.errorf("%s: the reply was garbled or answered an earlier request (%w): %w", what, err, drivers.ErrTimeout)
	}
}

// read reads qty registers at map offset off, in requests of at most 125.
func (d *Driver) read(ctx context.Context, what string, off, qty int) ([]uint16, error) {
	if int(d.base)+off+qty > 1<<16 {
		return nil, d.errorf("%s: the register map would end past register 65535: lower options base (now %d)", what, d.base)
	}
	out := make([]uint16, 0, qty)
	for done := 0; done < qty; {
		n := min(qty-done, maxRead)
		a := d.base + uint16(off+done)
		b, err := d.request(ctx, off == IdentityAddr, func(c mb.Client) ([]byte, error) { return c.ReadHoldingRegisters(a, uint16(n)) })
		if err != nil {
			return nil, d.fail(what, err, a)
		}
		w, err := BytesToRegs(b)
		if err == nil && len(w) != n {
			err = garbled("%d registers for %d asked", len(w), n)
		}
		if err != nil {
			d.hangUp()
			return nil, d.errorf("%s at %s: %w", what, regName(a), err)
		}
		out = append(out, w...)
		done += n
	}
	return out, nil
}

// describe names a command for an error message.
func describe(c Command) string {
	switch c.Op {
	case OpSetCode:
		return fmt.Sprintf("set code of slot %d", c.Slot)
	case OpClearCode:
		return fmt.Sprintf("clear slot %d", c.Slot)
	case OpSetLabel:
		return fmt.Sprintf("set label of slot %d", c.Slot)
	case OpSetPartitions:
		return fmt.Sprintf("set partitions of slot %d", c.Slot)
	case OpArm:
		return fmt.Sprintf("arm partition %d", c.Number)
	case OpDisarm:
		return fmt.Sprintf("disarm partition %d", c.Number)
	case OpLock:
		return fmt.Sprintf("lock %d", c.Number)
	case OpUnlock:
		return fmt.Sprintf("unlock %d", c.Number)
	case OpAddTag:
		return fmt.Sprintf("add tag to lock %d", c.Number)
	case OpRemoveTag:
		return fmt.Sprintf("remove tag from lock %d", c.Number)
	case OpAddKeypadTag:
		return fmt.Sprintf("add keypad tag to slot %d", c.Slot)
	case OpRemoveKeypadTag:
		return "remove keypad tag"
	case OpAssignLockUser:
		return fmt.Sprintf("assign user %d to lock %d", c.Slot, c.Number)
	case OpUnassignLockUser:
		return fmt.Sprintf("unassign user %d from lock %d", c.Slot, c.Number)
	default:
		return fmt.Sprintf("operation %d", c.Op)
	}
}

// opNeeds names the capability bit an operation needs, and what it is.
func opNeeds(op uint16, c drivers.Capabilities) (bool, int, string) {
	switch op {
	case OpSetCode, OpClearCode, OpSetLabel, OpSetPartitions:
		return c.Users, 1, "user codes"
	case OpArm, OpDisarm:
		return c.ArmDisarm, 3, "arming and disarming"
	case OpLock, OpUnlock, OpAssignLockUser, OpUnassignLockUser:
		return c.Locks, 4, "door locks"
	case OpAddTag, OpRemoveTag:
		return c.Tags, 5, "tags on door locks"
	case OpAddKeypadTag, OpRemoveKeypadTag:
		return c.KeypadTags, 6, "keypad tags"
	}
	return true, 0, ""
}

// number returns the next command's sequence number: from the store's
// reservation (UseCommandNumbers), folded into 1-65535, or from the
// driver's own count.
func (d *Driver) number(ctx context.Context) (uint16, error) {
	if d.numbers == nil {
		d.seq++
		if d.seq == 0 {
			d.seq = 1
		}
		return d.seq, nil
	}
	n, err := d.numbers(ctx)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, errors.New("the store gave command number 0 (numbers start at 1)")
	}
	return SeqOf(n), nil
}

// SeqOf folds the n-th command number (n from 1) into the mailbox's
// sequence numbers: 1, 2, ... 65535, then 1 again; 0 is never used, since
// it turns the repeat check off.
func SeqOf(n uint64) uint16 { return uint16((n-1)%0xFFFF + 1) }

// exec writes one mailbox command and returns the panel's refusal, if any.
// The device is identified first on a new connection, and a command its
// capabilities do not offer is refused without writing anything. The
// caller holds the request slot.
func (d *Driver) exec(ctx context.Context, c Command) error {
	what := describe(c)
	in, err := d.connected(ctx)
	if err != nil {
		return err
	}
	caps := d.caps(in)
	if ok, bit, name := opNeeds(c.Op, caps); !ok {
		return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: fmt.Sprintf(
			"%s: this panel offers no %s through the register map (its identity's capability bit %d is clear): do it at the panel, or cancel the job", what, name, bit)}
	}
	if c.Seq, err = d.number(ctx); err != nil {
		return d.errorf("%s: no command number could be reserved, nothing was sent: %w", what, err)
	}
	w, b := d.cmd[:], d.buf[:]
	if err := encodeCommand(w, c); err != nil {
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand, Reason: err.Error()}
	}
	for i, x := range w {
		b[2*i], b[2*i+1] = byte(x>>8), byte(x)
	}
	clear(w)
	a := d.base + CommandAddr
	// A retry on a new connection (request) sends the same block with the
	// same number: the panel ignores it if it acted on the first.
	_, err = d.request(ctx, false, func(cl mb.Client) ([]byte, error) { return cl.WriteMultipleRegisters(a, CommandLen, b) })
	clear(b)
	if err == nil {
		return nil
	}
	var ex *mb.ModbusError
	var done sorted
	if errors.As(err, &done) || !errors.As(err, &ex) || ex.ExceptionCode != mb.ExceptionCodeIllegalDataValue {
		return d.fail(what, err, a)
	}
	sw, serr := d.read(ctx, what+": read the refusal", StatusAddr, StatusLen)
	if serr != nil {
		return serr
	}
	st, serr := DecodeStatus(sw)
	if serr != nil {
		return d.errorf("%s: the panel refused the change and its status block is garbled: %w", what, serr)
	}
	if st.Seq == c.Seq && st.Op == c.Op {
		if r := st.Refusal(); r != nil {
			return r
		}
		if st.Code == StatusBusy {
			return d.errorf("%s: %w", what, drivers.ErrBusy)
		}
	}
	return &drivers.Refusal{Reason: "the panel refused the change (Modbus exception 3) but its status answers another command: retry, with one program at a time writing to the panel"}
}

// identify reads and caches the identity block, on the current connection
// or, after a pause in which goburrow may have closed it, on a new one. A
// device that is not a guardroom map of this version is a
// *drivers.Misconfigured error. The caller holds the request slot.
func (d *Driver) identify(ctx context.Context) (*Info, error) {
	if !d.fresh && time.Since(d.lastSend) >= reidentifyAfter {
		d.handler.Close()
		d.fresh, d.checked = true, false
	}
	w, err := d.read(ctx, "identify", IdentityAddr, IdentityLen)
	if err != nil {
		return nil, err
	}
	in, err := DecodeIdentity(w)
	if err == nil && int(d.base)+in.End() > 1<<16 {
		err = fmt.Errorf("a map of %d slots and %d keypad tags from base %d ends past register 65535: lower options base", in.Slots, in.KeypadTags, d.base)
	}
	if err != nil {
		d.info.Store(nil)
		err = d.errorf("identify at %s: %w", regName(d.base), err)
		if !errors.Is(err, ErrGarbled) {
			err = &drivers.Misconfigured{Err: err}
		}
		return nil, err
	}
	d.info.Store(&in)
	d.checked = true
	return &in, nil
}

// connected returns the identity of the device on the current connection,
// identifying it first on a new connection. The caller holds the request
// slot.
func (d *Driver) connected(ctx context.Context) (*Info, error) {
	if in := d.info.Load(); in != nil && d.checked && !d.fresh && time.Since(d.lastSend) < reidentifyAfter {
		return in, nil
	}
	return d.identify(ctx)
}

// KnownIdentity returns the identity read at the last identification,
// without asking the device (drivers.IdentityKeeper); false before the
// first and after one that failed.
func (d *Driver) KnownIdentity() (drivers.Identity, bool) {
	if in := d.info.Load(); in != nil {
		return in.Identity, true
	}
	return drivers.Identity{}, false
}

// UseCommandNumbers makes the driver number its mailbox commands from
// next, which reserves each number before the command is written
// (drivers.CommandNumbers).
func (d *Driver) UseCommandNumbers(next func(context.Context) (uint64, error)) {
	d.sem <- struct{}{}
	defer d.release()
	d.numbers = next
}

// Identify reads the identity block (and refreshes the driver's copy).
func (d *Driver) Identify(ctx context.Context) (drivers.Identity, error) {
	if err := d.acquire(ctx); err != nil {
		return drivers.Identity{}, err
	}
	defer d.release()
	in, err := d.identify(ctx)
	if err != nil {
		return drivers.Identity{}, err
	}
	return in.Identity, nil
}

// Capabilities are the device's, once its identity has been read; before
// that, everything map v3 can do. Keypad tags need a table as well as the
// capability bit: a device with no room for one cannot hold them.
func (d *Driver) Capabilities() drivers.Capabilities { return d.caps(d.info.Load()) }

func (d *Driver) caps(in *Info) drivers.Capabilities {
	if in != nil {
		c := in.Capabilities
		c.KeypadTags = c.KeypadTags && in.KeypadTags > 0
		return c
	}
	return drivers.Capabilities{ReadBack: true, Users: true, Partitions: true, ArmDisarm: true, Locks: true, Tags: true, KeypadTags: true}
}

// ReadUsers reads the occupancy bitmap, then the blocks of the slots in
// use, several blocks a request.
func (d *Driver) ReadUsers(ctx context.Context) ([]drivers.User, error) {
	if err := d.acquire(ctx); err != nil {
		return nil, err
	}
	defer d.release()
	in, err := d.connected(ctx)
	if err != nil {
		return nil, err
	}
	bm, err := d.read(ctx, "read users", BitmapAddr, (in.Slots+15)/16)
	if err != nil {
		return nil, err
	}
	slots := DecodeBitmap(in.Slots, bm)
	const per = maxRead / UserBlockLen
	var out []drivers.User
	for i := 0; i < len(slots); {
		first := slots[i]
		j := i
		for j < len(slots) && slots[j]-first < per {
			j++
		}
		n := slots[j-1] - first + 1
		w, err := d.read(ctx, "read users", UserAddr+(first-1)*UserBlockLen, n*UserBlockLen)
		if err != nil {
			return nil, err
		}
		users, err := DecodeUsers(first, w)
		if err != nil {
			return nil, d.errorf("read users: %w: read them again", err)
		}
		out = append(out, users...)
		i = j
	}
	return out, nil
}

// ReadUser reads the user block of slot. An empty slot comes back with
// CodeSet false and its code serial.
func (d *Driver) ReadUser(ctx context.Context, slot int) (drivers.User, error) {
	if err := checkSlot(slot); err != nil {
		return drivers.User{}, err
	}
	if err := d.acquire(ctx); err != nil {
		return drivers.User{}, err
	}
	defer d.release()
	in, err := d.connected(ctx)
	if err != nil {
		return drivers.User{}, err
	}
	// The identity bounds the read: past the last slot the device would
	// answer exception 2, which reads as a wrong base.
	if slot > in.Slots {
		return drivers.User{}, &drivers.Refusal{Kind: drivers.RefusedBadSlot, Reason: fmt.Sprintf("slot %d does not exist: this panel has slots 1-%d", slot, in.Slots)}
	}
	what := fmt.Sprintf("read user %d", slot)
	w, err := d.read(ctx, what, UserAddr+(slot-1)*UserBlockLen, UserBlockLen)
	if err != nil {
		return drivers.User{}, err
	}
	u, _, err := DecodeUser(slot, w)
	if err != nil {
		return drivers.User{}, d.errorf("%s: %w: read it again", what, err)
	}
	return u, nil
}

func checkSlot(slot int) error {
	if slot < 1 || int64(slot) > 1<<32-1 {
		return &drivers.Refusal{Kind: drivers.RefusedBadSlot, Reason: fmt.Sprintf("slot %d does not exist: slots start at 1", slot)}
	}
	return nil
}

func checkLabel(label string) error {
	if len(label) > LabelBytes {
		return &drivers.Refusal{Kind: drivers.RefusedLabel, Reason: fmt.Sprintf("label is %d bytes: the panel keeps at most %d (fewer letters with accents)", len(label), LabelBytes)}
	}
	return nil
}

func checkNumber(n int, kind drivers.RefusalKind, what string) error {
	if n < 1 || n > 0xFFFF {
		return &drivers.Refusal{Kind: kind, Reason: fmt.Sprintf("%s %d does not exist", what, n)}
	}
	return nil
}

// SetCode programs slot u.Slot with code, u.Role ("" for the slot's
// default), u.Label and u.Partitions (0: every partition).
func (d *Driver) SetCode(ctx context.Context, u drivers.User, code string) error {
	if err := checkSlot(u.Slot); err != nil {
		return err
	}
	rc, ok := roleCode(u.Role)
	if !ok {
		return &drivers.Refusal{Kind: drivers.RefusedRole, Reason: fmt.Sprintf("role %q is not in the register map: use one of %s", u.Role, strings.Join(roles[1:], ", "))}
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return &drivers.Refusal{Kind: drivers.RefusedCodeDigits, Reason: "the code must be digits only"}
		}
	}
	if len(code) < 1 || len(code) > MaxCodeDigits {
		return &drivers.Refusal{Kind: drivers.RefusedCodeLength, Reason: fmt.Sprintf("a %d-digit code does not fit the register map (1-%d digits)", len(code), MaxCodeDigits)}
	}
	if err := checkLabel(u.Label); err != nil {
		return err
	}
	if err := d.acquire(ctx); err != nil {
		return err
	}
	defer d.release()
	return d.exec(ctx, Command{Op: OpSetCode, Slot: u.Slot, Arg: rc, Code: code, Partitions: u.Partitions, Label: u.Label})
}

func (d *Driver) command(ctx context.Context, c Command) error {
	if err := d.acquire(ctx); err != nil {
		return err
	}
	defer d.release()
	return d.exec(ctx, c)
}

// ClearCode empties slot.
func (d *Driver) ClearCode(ctx context.Context, slot int) error {
	if err := checkSlot(slot); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpClearCode, Slot: slot})
}

// SetLabel changes the label of slot.
func (d *Driver) SetLabel(ctx context.Context, slot int, label string) error {
	if err := checkSlot(slot); err != nil {
		return err
	}
	if err := checkLabel(label); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpSetLabel, Slot: slot, Label: label})
}

// SetPartitions changes the partitions of slot.
func (d *Driver) SetPartitions(ctx context.Context, slot int, parts uint64) error {
	if err := checkSlot(slot); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpSetPartitions, Slot: slot, Partitions: parts})
}

// ReadPartitions reads every partition block.
func (d *Driver) ReadPartitions(ctx context.Context) ([]drivers.Partition, error) {
	return readBlocks(ctx, d, "partitions", PartitionAddr, PartitionBlockLen,
		func(in *Info) int { return in.Partitions }, DecodePartition)
}

// readBlocks reads the count fixed-size blocks at addr and decodes each.
func readBlocks[T any](ctx context.Context, d *Driver, what string, addr, size int, count func(*Info) int, decode func(n int, w []uint16) (T, error)) ([]T, error) {
	if err := d.acquire(ctx); err != nil {
		return nil, err
	}
	defer d.release()
	in, err := d.connected(ctx)
	if err != nil || count(in) == 0 {
		return nil, err
	}
	w, err := d.read(ctx, "read "+what, addr, count(in)*size)
	if err != nil {
		return nil, err
	}
	out := make([]T, count(in))
	for i := range out {
		if out[i], err = decode(i+1, w[i*size:(i+1)*size]); err != nil {
			return nil, d.errorf("read %s: %w: read them again", what, err)
		}
	}
	return out, nil
}

// Arm arms partition n in mode.
func (d *Driver) Arm(ctx context.Context, n int, mode drivers.ArmMode) error {
	if err := checkNumber(n, drivers.RefusedPartition, "partition"); err != nil {
		return err
	}
	var arg uint16
	switch mode {
	case drivers.Stay:
		arg = 1
	case drivers.Away:
		arg = 2
	case drivers.NoEntry:
		return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "register map v3 arms stay or away only: arm this panel away"}
	default:
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand, Reason: fmt.Sprintf("arm mode %q: use stay or away", mode)}
	}
	return d.command(ctx, Command{Op: OpArm, Number: n, Arg: arg})
}

// Disarm disarms partition n.
func (d *Driver) Disarm(ctx context.Context, n int) error {
	if err := checkNumber(n, drivers.RefusedPartition, "partition"); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpDisarm, Number: n})
}

// ReadLocks reads every lock block.
func (d *Driver) ReadLocks(ctx context.Context) ([]drivers.LockStatus, error) {
	return readBlocks(ctx, d, "locks", LockAddr, LockBlockLen, func(in *Info) int { return in.Locks },
		func(n int, w []uint16) (drivers.LockStatus, error) {
			l, _, err := DecodeLock(n, w)
			return l, err
		})
}

// Lock locks lock n.
func (d *Driver) Lock(ctx context.Context, n int) error {
	if err := checkNumber(n, drivers.RefusedLock, "lock"); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpLock, Number: n})
}

// Unlock unlocks lock n.
func (d *Driver) Unlock(ctx context.Context, n int) error {
	if err := checkNumber(n, drivers.RefusedLock, "lock"); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpUnlock, Number: n})
}

func checkTag(tag string) error { return drivers.CheckTag(tag) }

// AddTag enrols tag on lock for slot.
func (d *Driver) AddTag(ctx context.Context, lock int, tag string, slot int) error {
	if err := checkNumber(lock, drivers.RefusedLock, "lock"); err != nil {
		return err
	}
	if err := checkTag(tag); err != nil {
		return err
	}
	if err := checkSlot(slot); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpAddTag, Number: lock, Tag: tag, Slot: slot})
}

// RemoveTag removes tag from lock.
func (d *Driver) RemoveTag(ctx context.Context, lock int, tag string) error {
	if err := checkNumber(lock, drivers.RefusedLock, "lock"); err != nil {
		return err
	}
	if err := checkTag(tag); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpRemoveTag, Number: lock, Tag: tag})
}

// AssignUser gives lock to the user in slot (the slot goes on the wire,
// never a code: the panel copies the slot's code into the lock).
func (d *Driver) AssignUser(ctx context.Context, lock, slot int) error {
	if err := checkNumber(lock, drivers.RefusedLock, "lock"); err != nil {
		return err
	}
	if err := checkSlot(slot); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpAssignLockUser, Number: lock, Slot: slot})
}

// UnassignUser takes lock away from the user in slot.
func (d *Driver) UnassignUser(ctx context.Context, lock, slot int) error {
	if err := checkNumber(lock, drivers.RefusedLock, "lock"); err != nil {
		return err
	}
	if err := checkSlot(slot); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpUnassignLockUser, Number: lock, Slot: slot})
}

// ReadKeypadTags reads the keypad tag table: its header and the first
// entries in one request, the rest (past 7 tags) in more.
func (d *Driver) ReadKeypadTags(ctx context.Context) ([]drivers.KeypadTag, error) {
	if err := d.acquire(ctx); err != nil {
		return nil, err
	}
	defer d.release()
	in, err := d.connected(ctx)
	if err != nil {
		return nil, err
	}
	if !in.Capabilities.KeypadTags || in.KeypadTags == 0 {
		return nil, &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "this panel's keypads read no proximity tags (its identity has no keypad tag table): keypad tags cannot be enrolled on it"}
	}
	const what = "read keypad tags"
	at := KeypadAddr(in.Slots)
	// Reading the header with the first entries makes a small table one
	// consistent read; a larger one that changes between reads fails an
	// entry's number or check word, or misses a tag the next poll finds.
	first := min(in.KeypadTags, (maxRead-KeypadHeaderLen)/KeypadEntryLen)
	w, err := d.read(ctx, what, at, KeypadHeaderLen+first*KeypadEntryLen)
	if err != nil {
		return nil, err
	}
	count, capacity, err := DecodeKeypadHeader(w)
	if err == nil && capacity != in.KeypadTags {
		err = garbled("keypad tag table has %d entries, the identity says %d", capacity, in.KeypadTags)
	}
	if err != nil {
		return nil, d.errorf("%s: %w", what, err)
	}
	if count > first {
		rest, err := d.read(ctx, what, at+KeypadHeaderLen+first*KeypadEntryLen, (count-first)*KeypadEntryLen)
		if err != nil {
			return nil, err
		}
		w = append(w, rest...)
	}
	t, err := DecodeKeypadTable(w)
	if err != nil {
		return nil, d.errorf("%s: %w", what, err)
	}
	return t.Tags, nil
}

// AddKeypadTag gives tag to the user in slot.
func (d *Driver) AddKeypadTag(ctx context.Context, slot int, tag string) error {
	if err := checkSlot(slot); err != nil {
		return err
	}
	if err := checkTag(tag); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpAddKeypadTag, Slot: slot, Tag: tag})
}

// RemoveKeypadTag removes tag from the slot holding it.
func (d *Driver) RemoveKeypadTag(ctx context.Context, tag string) error {
	if err := checkTag(tag); err != nil {
		return err
	}
	return d.command(ctx, Command{Op: OpRemoveKeypadTag, Tag: tag})
}

// Close closes the connection; later calls fail.
func (d *Driver) Close() error {
	d.sem <- struct{}{}
	defer d.release()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.handler.Close()
}

var (
	_ drivers.Panel      = (*Driver)(nil)
	_ drivers.Locks      = (*Driver)(nil)
	_ drivers.KeypadTags = (*Driver)(nil)
)
