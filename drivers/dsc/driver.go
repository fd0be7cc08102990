// Package dsc speaks the DSC PowerSeries command set shared by the
// EyezOn Envisalink's Third Party Interface (TPI, TCP port 4025) and DSC's
// IT-100 serial module: one codec, one session, two drivers.
//
//   - "envisalink-dsc": Address is host or host:port (port 4025 by
//     default); Config.Password is the TPI password (the Envisalink's web
//     page password). The Envisalink takes one client only: the driver
//     holds exactly one connection.
//   - "it100": Address is the serial device ("/dev/ttyUSB0"), 9600 8N1
//     through github.com/goburrow/serial; no login.
//
// Options: timeout (a command's answer, default 5s), step (the keypad's
// answer to a keystroke step, default 10s), keepalive (poll interval,
// default 1m), backoff (first pause before dialling again, default 1s),
// and for it100 baud (default 9600).
//
// The driver arms (030/031) and disarms (040 with a code), answers the
// panel's "code required" (900/921) with 200 and Config.ArmCode or a code
// typed for the one command (drivers.CodedArming), keeps partition, zone
// and trouble status from the event stream, and programs user codes by
// keystrokes ([*][5][master code][slot][code][#], 072 + 200 + 071) with
// Config.MasterCode, waiting for the keypad LED states between steps. The
// TPI cannot read codes back: a code sent by keystrokes is never reported
// verified (Capabilities().ReadBack is false).
//
// Simulator is a stateful DSC panel behind an Envisalink (Serve) or an
// IT-100 (ServeIT100) for tests and demos. docs/envisalink.md has the
// wiring, the settings and the hazards.
package dsc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/goburrow/serial"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// DefaultPort is the TPI's TCP port.
const DefaultPort = "4025"

func init() {
	drivers.Register("envisalink-dsc", func(cfg drivers.Config) (drivers.Panel, error) { return NewEnvisalink(cfg) })
	drivers.Register("it100", func(cfg drivers.Config) (drivers.Panel, error) { return NewIT100(cfg) })
}

// Driver is one DSC panel behind an Envisalink or an IT-100. It
// implements drivers.Panel and drivers.CodedArming; its methods are safe
// for concurrent use and run one exchange at a time.
type Driver struct {
	s         *session
	kind      string // "Envisalink TPI" or "IT-100"
	fam       family.Family
	slots     int
	codeLen   int
	master    string
	armCode   string
	transport string
}

type options struct {
	tm   timing
	baud int
}

func parseOptions(o map[string]string, serialLink bool) (options, error) {
	opt := options{tm: defaultTiming, baud: 9600}
	for k, v := range o {
		dur := func(d *time.Duration) error {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				return fmt.Errorf("option %s=%q: give a duration such as 5s or 500ms", k, v)
			}
			*d = t
			return nil
		}
		var err error
		switch k {
		case "timeout":
			err = dur(&opt.tm.reply)
		case "step":
			err = dur(&opt.tm.step)
		case "keepalive":
			err = dur(&opt.tm.keepAlive)
		case "backoff":
			err = dur(&opt.tm.backoffMin)
			opt.tm.backoffMax = max(opt.tm.backoffMax, opt.tm.backoffMin)
		case "baud":
			if !serialLink {
				return opt, fmt.Errorf("option baud applies to the it100 driver only: drop it")
			}
			if _, e := fmt.Sscanf(v, "%d", &opt.baud); e != nil || opt.baud <= 0 {
				err = fmt.Errorf("option baud=%q: give a baud rate such as 9600", v)
			}
		default:
			extra := ""
			if serialLink {
				extra = ", baud"
			}
			return opt, fmt.Errorf("unknown option %q: the DSC drivers take timeout, step, keepalive, backoff%s", k, extra)
		}
		if err != nil {
			return opt, err
		}
	}
	return opt, nil
}

// newDriver checks what both drivers share: the family, the code length
// and the codes' form (never their value in a message).
func newDriver(cfg drivers.Config) (*Driver, error) {
	d := &Driver{fam: family.Family{Model: "DSC PowerSeries", Slots: 95, Partitions: 8, MasterSlot: 40}}
	if cfg.Family != "" {
		f, ok := family.Lookup(cfg.Family)
		switch {
		case !ok:
			return nil, fmt.Errorf("unknown panel family %q: use a DSC PowerSeries family (guardroom panel families)", cfg.Family)
		case f.Type == family.TypeNeoR:
			return nil, fmt.Errorf("%s cannot be reached through an Envisalink or an IT-100 (a PowerSeries Neo speaks the encrypted ITv2 protocol): use the guided driver", f.Model)
		case f.Type != family.TypeDSC:
			return nil, fmt.Errorf("%s is not a DSC PowerSeries panel: the DSC drivers reach DSC PowerSeries panels only", f.Model)
		}
		d.fam = f
	}
	d.slots = d.fam.Slots
	if cfg.Slots > 0 {
		d.slots = cfg.Slots
	}
	if d.slots > 99 {
		d.slots = 99 // [*][5] takes 2-digit slots
	}
	d.codeLen = 4
	if cfg.CodeLength != 0 {
		d.codeLen = cfg.CodeLength
	}
	if d.codeLen != 4 && d.codeLen != 6 {
		return nil, fmt.Errorf("code length %d: DSC PowerSeries codes have 4 or 6 digits", d.codeLen)
	}
	for _, c := range []struct{ name, v string }{{"master code", cfg.MasterCode}, {"arming code", cfg.ArmCode}} {
		if c.v != "" && !digits(c.v, 4, 6) {
			return nil, fmt.Errorf("the %s kept for the panel is not 4-6 digits: keep the right one with guardroom panel secret", c.name)
		}
	}
	d.master, d.armCode = cfg.MasterCode, cfg.ArmCode
	return d, nil
}

// digits reports whether s is lo..hi decimal digits.
func digits(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NewEnvisalink opens a DSC panel behind an Envisalink TPI; it dials in
// the background and keeps the one connection up until Close.
func NewEnvisalink(cfg drivers.Config) (*Driver, error) { return newEnvisalink(cfg, nil) }

// newEnvisalink is NewEnvisalink with timing adjusted by tune (tests).
func newEnvisalink(cfg drivers.Config, tune func(*timing)) (*Driver, error) {
	d, err := newDriver(cfg)
	if err != nil {
		return nil, err
	}
	addr, err := drivers.TCPAddress(cfg.Address, DefaultPort)
	if err != nil {
		return nil, err
	}
	if len(cfg.Password) < 1 || len(cfg.Password) > 10 || !printable(cfg.Password) {
		return nil, &drivers.Misconfigured{Err: fmt.Errorf("the Envisalink needs its TPI password (the one of its local web page): keep it with guardroom panel secret PANEL password")}
	}
	opt, err := parseOptions(cfg.Options, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	if tune != nil {
		tune(&opt.tm)
	}
	d.kind, d.transport = "Envisalink TPI", "envisalink "+addr
	l := link{name: "envisalink " + addr, tpi: true, dial: func(ctx context.Context) (io.ReadWriteCloser, error) {
		return drivers.Dial(ctx, addr)
	}}
	d.s = newSession(l, cfg.Password, opt.tm, nil)
	return d, nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// NewIT100 opens a DSC panel behind an IT-100 on a serial device (9600
// 8N1 unless the baud option says otherwise).
func NewIT100(cfg drivers.Config) (*Driver, error) {
	d, err := newDriver(cfg)
	if err != nil {
		return nil, err
	}
	dev := strings.TrimPrefix(cfg.Address, "serial://")
	if dev == "" {
		return nil, fmt.Errorf("no address: give the IT-100's serial device, e.g. /dev/ttyUSB0")
	}
	opt, err := parseOptions(cfg.Options, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dev, err)
	}
	d.kind = "IT-100"
	d.transport = fmt.Sprintf("it100 %s %d 8N1", dev, opt.baud)
	l := link{name: "it100 " + dev, dial: func(context.Context) (io.ReadWriteCloser, error) {
		p, err := serial.Open(&serial.Config{Address: dev, BaudRate: opt.baud, DataBits: 8, StopBits: 1, Parity: "N", Timeout: serialPoll})
		if err != nil {
			return nil, err
		}
		return &serialPort{p: p}, nil
	}}
	d.s = newSession(l, "", opt.tm, nil)
	return d, nil
}

// SetLogger sends the session's log lines (connections, logins, frames
// with every secret hidden) to logf. Call it before the first command.
func (d *Driver) SetLogger(logf func(format string, args ...any)) {
	d.s.setLogger(logf)
}

// Transport names the link for the action log ("envisalink
// 10.0.0.5:4025", "it100 /dev/ttyUSB0 9600 8N1").
func (d *Driver) Transport() string { return d.transport }

// Stats counts the frames the session decoded and the lines it threw
// away, over every connection so far.
func (d *Driver) Stats() DecodeStats {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	st := d.s.stats
	if c := d.s.cur; c != nil {
		st.Frames += c.stats.Frames
		st.BadChecksums += c.stats.BadChecksums
		st.Garbled += c.stats.Garbled
	}
	return st
}

// Status returns what the event stream has said of the panel so far.
func (d *Driver) Status() Status {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	return d.s.st.clone()
}

// ReadZones returns the zones the panel has reported since the driver
// opened (the TPI reports changes only: a zone never reported is not
// known), without their partition, which the TPI does not say
// (drivers.EventSource).
func (d *Driver) ReadZones(ctx context.Context) ([]drivers.ZoneStatus, error) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	out := make([]drivers.ZoneStatus, 0, len(d.s.st.Zones))
	for n, z := range d.s.st.Zones {
		state := "closed"
		switch {
		case z.Alarm:
			state = "alarm"
		case z.Tamper:
			state = "tamper"
		case z.Fault:
			state = "trouble"
		case z.Open:
			state = "open"
		}
		out = append(out, drivers.ZoneStatus{Number: n, State: state})
	}
	slices.SortFunc(out, func(a, b drivers.ZoneStatus) int { return a.Number - b.Number })
	return out, nil
}

// ReadEvents returns the events not yet acknowledged, oldest first
// (drivers.EventSource).
func (d *Driver) ReadEvents(ctx context.Context) ([]drivers.Event, error) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	return slices.Clone(d.s.st.events), nil
}

// AckEvents forgets the events up to seq: the dispatcher recorded them
// (drivers.EventSource).
func (d *Driver) AckEvents(ctx context.Context, seq uint64) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	d.s.st.events = slices.DeleteFunc(d.s.st.events, func(e drivers.Event) bool { return e.Seq <= seq })
	return nil
}

// UsersSeen returns the users the panel reported arming or disarming
// (700/750) since the last call (drivers.UserActivity).
func (d *Driver) UsersSeen() []drivers.UserSeen {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	seen := d.s.st.seen
	d.s.st.seen = nil
	return seen
}

// Identify waits for the session and says what it learned: the panel
// family comes from the settings (the TPI does not tell), the interface
// from the driver.
func (d *Driver) Identify(ctx context.Context) (drivers.Identity, error) {
	x, err := d.s.begin(ctx)
	if err != nil {
		return drivers.Identity{}, err
	}
	x.end()
	return drivers.Identity{
		Vendor:     "DSC",
		Model:      d.fam.Model + " via " + d.kind,
		Slots:      d.slots,
		Partitions: d.fam.Partitions,
		CodeLength: d.codeLen,
	}, nil
}

// Capabilities: arms, disarms, reads partition states and sets codes by
// keystrokes, but reads nothing back.
func (d *Driver) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{Users: true, Partitions: true, ArmDisarm: true}
}

func (d *Driver) unsupported(what string) error {
	return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: fmt.Sprintf(
		"a DSC PowerSeries panel through an %s cannot %s: the interface has no command for it; do it at the panel's keypad", d.kind, what)}
}

// ReadUsers is refused: the TPI and the IT-100 cannot read codes.
func (d *Driver) ReadUsers(context.Context) ([]drivers.User, error) {
	return nil, d.unsupported("read user codes back")
}

// ReadUser is refused: the TPI and the IT-100 cannot read codes.
func (d *Driver) ReadUser(context.Context, int) (drivers.User, error) {
	return drivers.User{}, d.unsupported("read user codes back")
}

// SetLabel is refused: labels are kept in guardroom only.
func (d *Driver) SetLabel(context.Context, int, string) error {
	return d.unsupported("set user labels (guardroom keeps them)")
}

// SetPartitions is refused: partition assignment is a [*][5] option the
// driver does not program.
func (d *Driver) SetPartitions(context.Context, int, uint64) error {
	return d.unsupported("change a user's partitions")
}

// ReadPartitions returns the partitions the panel has reported, by
// ascending number, with every event sent before the call applied: on a
// new connection it asks for the status first (001), else it polls (000),
// whose acknowledgement comes after them.
func (d *Driver) ReadPartitions(ctx context.Context) ([]drivers.Partition, error) {
	x, err := d.s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer x.end()
	fresh, err := x.refresh(ctx)
	if err == nil && !fresh {
		err = x.command(ctx, Frame{Cmd: CmdPoll}, "poll")
	}
	if err != nil {
		return nil, err
	}
	st := x.status()
	out := make([]drivers.Partition, 0, len(st.Partitions))
	for _, n := range st.partitionNumbers() {
		out = append(out, drivers.Partition{Number: n, State: st.Partitions[n].State()})
	}
	return out, nil
}

// Close stops the session and closes its connection.
func (d *Driver) Close() error {
	d.s.close()
	return nil
}

func (d *Driver) checkPartition(p int) error {
	if p < 1 || p > d.fam.Partitions || p > 8 {
		return &drivers.Refusal{Kind: drivers.RefusedPartition, Reason: fmt.Sprintf("partition %d does not exist: this panel has partitions 1-%d", p, min(d.fam.Partitions, 8))}
	}
	return nil
}

// Arm arms a partition, answering a code request with the panel's
// arming code.
func (d *Driver) Arm(ctx context.Context, partition int, mode drivers.ArmMode) error {
	return d.arm(ctx, partition, mode, d.armCode, false)
}

// ArmWithCode arms a partition, answering a code request with code.
func (d *Driver) ArmWithCode(ctx context.Context, partition int, mode drivers.ArmMode, code string) error {
	if !digits(code, 4, 6) {
		return &drivers.Refusal{Kind: drivers.RefusedCodeDigits, Reason: "the code must be 4-6 digits: type it again"}
	}
	return d.arm(ctx, partition, mode, code, true)
}

// Disarm disarms a partition with the panel's arming code.
func (d *Driver) Disarm(ctx context.Context, partition int) error {
	if d.armCode == "" {
		return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "a DSC panel disarms only with a user code: keep an arming code with guardroom panel secret PANEL arm-code, or disarm with a typed code (--code)"}
	}
	return d.disarm(ctx, partition, d.armCode, false)
}

// DisarmWithCode disarms a partition with code.
func (d *Driver) DisarmWithCode(ctx context.Context, partition int, code string) error {
	if !digits(code, 4, 6) {
		return &drivers.Refusal{Kind: drivers.RefusedCodeDigits, Reason: "the code must be 4-6 digits: type it again"}
	}
	return d.disarm(ctx, partition, code, true)
}

// codeError is the error for a code the panel rejected: a typed code is
// the operator's to retype; the stored arming code is a setting to fix.
func codeError(what string, typed bool, part int) error {
	if typed {
		return eventError(what, RespInvalidCode, part)
	}
	return &drivers.Misconfigured{Err: fmt.Errorf("%s: partition %d rejected the arming code kept for the panel (670): keep the right one with guardroom panel secret PANEL arm-code; repeated wrong codes lock the keypads out", what, part)}
}

// answerCode answers 900/921 with 200 + code, or fails when there is no
// code to give.
func (x *exch) answerCode(code, what string) error {
	if code == "" {
		return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: what + ": the panel asks for a user code: keep an arming code with guardroom panel secret PANEL arm-code, or arm with a typed code (--code)"}
	}
	return x.send(Frame{Cmd: CmdCodeSend, Data: code})
}

func (d *Driver) arm(ctx context.Context, part int, mode drivers.ArmMode, code string, typed bool) error {
	if err := d.checkPartition(part); err != nil {
		return err
	}
	cmd := CmdArmAway
	switch mode {
	case drivers.Away:
	case drivers.Stay:
		cmd = CmdArmStay
	case drivers.NoEntry:
		cmd = CmdArmZeroEntry
	default:
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand, Reason: fmt.Sprintf("arm mode %q: use stay, away or no entry", mode)}
	}
	what := fmt.Sprintf("arm partition %d %s", part, mode)
	x, err := d.s.beginKnown(ctx)
	if err != nil {
		return err
	}
	defer x.end()
	if err := x.send(Frame{Cmd: cmd, Data: string(rune('0' + part))}); err != nil {
		return x.sorted(what, err)
	}
	digit := string(rune('0' + part))
	err = x.await(ctx, x.s.tm.reply, func(f Frame) (bool, error) {
		if ok, err := ackOrError(f, cmd, what); ok || err != nil {
			return false, err // acknowledged: wait for the partition's answer
		}
		switch f.Cmd {
		case RespCodeRequired, RespMasterRequired:
			return false, x.answerCode(code, what)
		case RespExitDelay, RespArmed:
			return strings.HasPrefix(f.Data, digit), nil
		case RespInvalidCode:
			if f.Data == digit {
				return false, codeError(what, typed, part)
			}
		case RespArmFailure, RespFailedToArm, RespBusy, RespLockout, RespNotAvailable:
			if f.Data == digit {
				return false, eventError(what, f.Cmd, part)
			}
		}
		return false, nil
	})
	return x.sorted(what, err)
}

func (d *Driver) disarm(ctx context.Context, part int, code string, typed bool) error {
	if err := d.checkPartition(part); err != nil {
		return err
	}
	what := fmt.Sprintf("disarm partition %d", part)
	x, err := d.s.beginKnown(ctx)
	if err != nil {
		return err
	}
	defer x.end()
	digit := string(rune('0' + part))
	if err := x.send(Frame{Cmd: CmdDisarm, Data: digit + code}); err != nil {
		return x.sorted(what, err)
	}
	// Disarmed (655) is followed by the partition's readiness (650, 651
	// or 653), which says what it is now; the disarm holds without it.
	disarmed := false
	err = x.await(ctx, x.s.tm.reply, func(f Frame) (bool, error) {
		if disarmed {
			switch f.Cmd {
			case RespReady, RespNotReady, RespReadyForce:
				return f.Data == digit, nil
			}
			return false, nil
		}
		if f.Cmd == RespSystemError && f.Data == "023" {
			// Not armed: what was asked for holds already (a retried
			// job whose first answer was lost), unless in alarm.
			st := x.status()
			if p := st.Partitions[part]; p != nil && !p.Armed && !p.ExitDelay && !p.EntryDelay && !p.Alarm {
				return true, nil
			}
		}
		if ok, err := ackOrError(f, CmdDisarm, what); ok || err != nil {
			return false, err
		}
		switch f.Cmd {
		case RespCodeRequired, RespMasterRequired:
			return false, x.answerCode(code, what)
		case RespDisarmed:
			disarmed = f.Data == digit
		case RespInvalidCode:
			if f.Data == digit {
				return false, codeError(what, typed, part)
			}
		case RespBusy, RespLockout, RespNotAvailable:
			if f.Data == digit {
				return false, eventError(what, f.Cmd, part)
			}
		}
		return false, nil
	})
	if disarmed && errors.Is(err, errNoAnswer) {
		err = nil
	}
	return x.sorted(what, err)
}
