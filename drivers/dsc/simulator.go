package dsc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// SimOptions configures a simulated DSC PowerSeries panel. Zero values
// take the defaults given.
type SimOptions struct {
	Password   string // TPI password ("user", the Envisalink's default)
	MasterCode string // master code, slot 40 ("1234")
	CodeLength int    // digits of every code (4)
	Slots      int    // user slots 01..Slots, 40 being the master (95)
	Partitions int    // partitions (1)
	Zones      int    // zones, all on partition 1 (8)
	// ArmNeedsCode makes 030/031 ask for a user code (900) before arming,
	// as a panel without quick arming does.
	ArmNeedsCode bool
	// ExitDelay is the time between exit delay (656) and armed (652); 0
	// reports both at once.
	ExitDelay time.Duration
	// KeyDelay is how long the keypad takes per key before it answers a
	// keystroke frame (070/071) with its LED state.
	KeyDelay time.Duration
	// LoginTimeout is how long the TPI waits for 005 (10 s).
	LoginTimeout time.Duration
	// ProgramTimeout ends [*][5] programming left without keys (2 min).
	ProgramTimeout time.Duration
	// LockoutAfter wrong codes in a row lock the keypads out (658) for
	// LockoutFor (5 and 5 min).
	LockoutAfter int
	LockoutFor   time.Duration
}

// keypad modes of partition 1's keypad.
type kpMode int

const (
	kpNormal     kpMode = iota
	kpStar              // [*] pressed
	kpMasterKeys        // [*][5]: the master code is being typed
	kpMenu              // [*][5] menu: waiting for a 2-digit slot
	kpCode              // waiting for the slot's code
)

type simPart struct {
	armed, exit, alarm bool
	mode               ArmedMode
}

// pending is what a 200 (code send) answers.
type pending struct {
	master bool
	part   int
	mode   ArmedMode
}

type simClient struct {
	w     io.Writer
	close func()
}

// Simulator is a stateful DSC PowerSeries panel behind an Envisalink
// (Serve: login, one client only) or an IT-100 (ServeIT100), speaking the
// TPI document's frames: checksums (501 on a bad one), 500 acknowledges,
// 502 errors, partition (650-659, 670-673), zone (609/610), user
// closing/opening (700/750) events, keypad LEDs (510/511), [*][5] user
// code programming by keystrokes, and keypad lockout after repeated wrong
// codes. Its methods are safe for concurrent use.
type Simulator struct {
	opt SimOptions

	mu        sync.Mutex
	codes     map[int]string
	parts     []simPart // [0] unused
	zones     []bool    // [0] unused; open
	mode      kpMode
	buf       string
	slot      int
	led, fl   byte
	want      *pending
	bad       int
	lockUntil time.Time
	progTimer *time.Timer
	client    *simClient // receives events
	busy      bool       // a TPI connection is open (logged in or not)
	accepted  int        // TPI connections served
	conns     map[io.Closer]struct{}
	listeners []net.Listener
	changed   chan struct{}
	closed    bool
	stats     DecodeStats
	// dropOn, when set, is asked about each frame received: true closes
	// the connection instead of handling it (tests).
	dropOn func(Frame) bool
}

// NewSimulator returns a disarmed, ready panel holding the master code.
func NewSimulator(opt SimOptions) *Simulator {
	if opt.Password == "" {
		opt.Password = "user"
	}
	if opt.CodeLength == 0 {
		opt.CodeLength = 4
	}
	if opt.MasterCode == "" {
		opt.MasterCode = "123456"[:opt.CodeLength]
	}
	if opt.Slots == 0 {
		opt.Slots = 95
	}
	if opt.Partitions == 0 {
		opt.Partitions = 1
	}
	if opt.Zones == 0 {
		opt.Zones = 8
	}
	if opt.LoginTimeout == 0 {
		opt.LoginTimeout = 10 * time.Second
	}
	if opt.ProgramTimeout == 0 {
		opt.ProgramTimeout = 2 * time.Minute
	}
	if opt.LockoutAfter == 0 {
		opt.LockoutAfter = 5
	}
	if opt.LockoutFor == 0 {
		opt.LockoutFor = 5 * time.Minute
	}
	s := &Simulator{opt: opt, codes: map[int]string{40: opt.MasterCode}, parts: make([]simPart, opt.Partitions+1),
		zones: make([]bool, opt.Zones+1), conns: map[io.Closer]struct{}{}, changed: make(chan struct{})}
	s.led = s.normalLED()
	return s
}

// Serve answers TPI connections on l until l is closed: one client at a
// time (a second connection is closed at once), login within
// LoginTimeout.
func (s *Simulator) Serve(l net.Listener) error {
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		s.mu.Lock()
		if s.busy || s.closed {
			s.mu.Unlock()
			c.Close() // the Envisalink takes one client only
			continue
		}
		s.busy = true
		s.accepted++
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go s.serveTPI(c)
	}
}

// ServeIT100 speaks the IT-100's side of a serial line over rw (no
// login) until reading fails; then it returns the error.
func (s *Simulator) ServeIT100(rw io.ReadWriter) error {
	cl := &simClient{w: rw, close: func() {
		if c, ok := rw.(io.Closer); ok {
			c.Close()
		}
	}}
	s.mu.Lock()
	s.client = cl
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.client == cl {
			s.client = nil
		}
		s.mu.Unlock()
	}()
	return s.readLoop(rw, cl, nil)
}

// Close closes the listeners given to Serve and the open connection, and
// stops the panel's timers.
func (s *Simulator) Close() {
	s.mu.Lock()
	s.closed = true
	for _, l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	if s.progTimer != nil {
		s.progTimer.Stop()
	}
	s.mu.Unlock()
}

func (s *Simulator) serveTPI(c net.Conn) {
	cl := &simClient{w: c, close: func() { c.Close() }}
	defer func() {
		c.Close()
		s.mu.Lock()
		if s.client == cl {
			s.client = nil
		}
		delete(s.conns, c)
		s.busy = false
		s.bump()
		s.mu.Unlock()
	}()
	loggedIn := false
	s.mu.Lock()
	s.write(cl, Frame{Cmd: RespLogin, Data: "3"})
	s.mu.Unlock()
	timer := time.AfterFunc(s.opt.LoginTimeout, func() {
		s.mu.Lock()
		if !loggedIn {
			s.write(cl, Frame{Cmd: RespLogin, Data: "2"})
			c.Close()
		}
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.readLoop(c, cl, func(f Frame) bool {
		if f.Cmd != CmdLogin {
			return false // nothing else before the login
		}
		timer.Stop()
		s.write(cl, Frame{Cmd: RespAck, Data: string(CmdLogin)})
		if f.Data != s.opt.Password {
			s.write(cl, Frame{Cmd: RespLogin, Data: "0"})
			c.Close()
			return false
		}
		loggedIn = true
		s.write(cl, Frame{Cmd: RespLogin, Data: "1"})
		s.client = cl
		return true
	})
}

// readLoop decodes frames from r and handles them; login, when not nil,
// takes every frame until it returns true.
func (s *Simulator) readLoop(r io.Reader, cl *simClient, login func(Frame) bool) error {
	var d Decoder
	buf := make([]byte, 512)
	in := login == nil
	for {
		n, err := r.Read(buf)
		before := d.Stats
		var frames []Frame
		d.Feed(buf[:n], func(f Frame) { frames = append(frames, f) })
		s.mu.Lock()
		s.stats.Frames += d.Stats.Frames - before.Frames
		s.stats.BadChecksums += d.Stats.BadChecksums - before.BadChecksums
		s.stats.Garbled += d.Stats.Garbled - before.Garbled
		if in {
			for range d.Stats.BadChecksums - before.BadChecksums + d.Stats.Garbled - before.Garbled {
				s.write(cl, Frame{Cmd: RespCommandError})
			}
		}
		s.mu.Unlock()
		for _, f := range frames {
			s.mu.Lock()
			if !in {
				in = login(f)
				s.bump()
				s.mu.Unlock()
				continue
			}
			if s.dropOn != nil && s.dropOn(f) {
				s.mu.Unlock()
				cl.close()
				return errors.New("connection dropped by the test hook")
			}
			keys := s.handle(cl, f)
			s.bump()
			s.mu.Unlock()
			if keys != "" {
				if s.opt.KeyDelay > 0 {
					time.Sleep(s.opt.KeyDelay * time.Duration(len(keys)))
				}
				s.mu.Lock()
				for i := 0; i < len(keys); i++ {
					s.key(keys[i])
				}
				s.updateLEDs()
				s.bump()
				s.mu.Unlock()
			}
		}
		if err != nil {
			return err
		}
	}
}

// write sends f to cl (s.mu held).
func (s *Simulator) write(cl *simClient, f Frame) {
	if cl != nil {
		cl.w.Write(f.Encode())
	}
}

// emit sends an event to the client (s.mu held).
func (s *Simulator) emit(f Frame) { s.write(s.client, f) }

func (s *Simulator) bump() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func pdigit(p int) string { return strconv.Itoa(p) }

// partition reads the partition digit of a command's data.
func (s *Simulator) partition(data string) (int, bool) {
	p, ok := partitionOf(data)
	return p, ok && p <= s.opt.Partitions
}

// target reads a code-bearing command's partition, and answers 502 when
// it is out of bounds (021) or the keypads are locked out (016).
func (s *Simulator) target(cl *simClient, data string) (int, bool) {
	p, ok := s.partition(data)
	switch {
	case !ok:
		s.write(cl, Frame{Cmd: RespSystemError, Data: "021"})
	case s.lockedOut():
		s.write(cl, Frame{Cmd: RespSystemError, Data: "016"})
		ok = false
	}
	return p, ok
}

func (s *Simulator) ready(p int) bool {
	if p != 1 {
		return true
	}
	for _, open := range s.zones[1:] {
		if open {
			return false
		}
	}
	return true
}

func (s *Simulator) lockedOut() bool { return time.Now().Before(s.lockUntil) }

// handle answers one frame (s.mu held). It returns keys to type after the
// keypad's delay.
func (s *Simulator) handle(cl *simClient, f Frame) string {
	ack := func() { s.write(cl, Frame{Cmd: RespAck, Data: string(f.Cmd)}) }
	sysErr := func(code int) { s.write(cl, Frame{Cmd: RespSystemError, Data: fmt.Sprintf("%03d", code)}) }
	switch f.Cmd {
	case CmdPoll, CmdLogin, CmdDumpZoneTimers, CmdSetTime, CmdTimestamp, CmdTimeBroadcast, CmdTempBroadcast, CmdKeepAlive, CmdOutput, CmdPanic:
		ack()
	case CmdStatus:
		ack()
		s.dump(cl)
	case CmdArmAway, CmdArmStay, CmdArmZeroEntry, CmdArmWithCode:
		ack()
		p, ok := s.partition(f.Data)
		mode := map[Code]ArmedMode{CmdArmAway: ModeAway, CmdArmStay: ModeStay, CmdArmZeroEntry: ModeZeroEntryAway, CmdArmWithCode: ModeAway}[f.Cmd]
		switch {
		case !ok || (f.Cmd != CmdArmWithCode && len(f.Data) != 1):
			sysErr(21)
		case s.lockedOut():
			sysErr(16)
		case s.parts[p].armed || s.parts[p].exit || !s.ready(p):
			sysErr(24)
		case p == 1 && s.mode != kpNormal:
			s.emit(Frame{Cmd: RespBusy, Data: pdigit(p)})
		case f.Cmd == CmdArmWithCode:
			if u := s.user(f.Data[1:]); u > 0 {
				s.startArm(p, mode, u)
			} else {
				s.badCode(p)
			}
		case s.opt.ArmNeedsCode:
			s.want = &pending{part: p, mode: mode}
			s.emit(Frame{Cmd: RespCodeRequired})
		default:
			s.startArm(p, mode, 0)
		}
	case CmdDisarm:
		ack()
		p, ok := s.target(cl, f.Data)
		switch {
		case !ok:
		case s.user(f.Data[1:]) == 0:
			s.badCode(p)
		case !s.parts[p].armed && !s.parts[p].exit && !s.parts[p].alarm:
			sysErr(23)
		default:
			s.disarm(p, s.user(f.Data[1:]))
		}
	case CmdKey:
		ack()
		return f.Data
	case CmdKeys:
		ack()
		p, ok := s.partition(f.Data)
		switch {
		case !ok:
			sysErr(21)
		case len(f.Data) < 2 || len(f.Data) > 7:
			sysErr(25)
		case p == 1:
			return f.Data[1:]
		}
	case CmdUserProgramming:
		ack()
		p, ok := s.target(cl, f.Data)
		switch {
		case !ok:
		case p != 1 || s.mode != kpNormal || s.want != nil:
			s.emit(Frame{Cmd: RespBusy, Data: pdigit(p)})
		case s.parts[1].armed || s.parts[1].exit:
			s.emit(Frame{Cmd: RespNotAvailable, Data: pdigit(p)})
		default:
			s.want = &pending{master: true, part: 1}
			s.emit(Frame{Cmd: RespMasterRequired})
		}
	case CmdCodeSend:
		ack()
		w := s.want
		s.want = nil
		switch {
		case w == nil:
			sysErr(26)
		case s.lockedOut():
			sysErr(16)
		case !digits(f.Data, 4, 6):
			sysErr(27)
		case w.master:
			if f.Data != s.codes[40] {
				s.badCode(w.part)
				return ""
			}
			s.bad = 0
			s.mode = kpMenu
			s.buf = ""
			s.updateLEDs()
			s.resetProgTimer()
		default:
			if u := s.user(f.Data); u > 0 {
				s.startArm(w.part, w.mode, u)
			} else {
				s.badCode(w.part)
			}
		}
	default:
		sysErr(22)
	}
	return ""
}

// user returns the slot holding code (the master counts), or 0.
func (s *Simulator) user(code string) int {
	if code == "" {
		return 0
	}
	for slot, c := range s.codes {
		if c == code {
			return slot
		}
	}
	return 0
}

func (s *Simulator) badCode(p int) {
	s.emit(Frame{Cmd: RespInvalidCode, Data: pdigit(p)})
	s.bad++
	if s.bad >= s.opt.LockoutAfter {
		s.bad = 0
		s.lockUntil = time.Now().Add(s.opt.LockoutFor)
		s.emit(Frame{Cmd: RespLockout, Data: pdigit(p)})
	}
}

func (s *Simulator) startArm(p int, mode ArmedMode, user int) {
	s.bad = 0
	s.parts[p].exit, s.parts[p].mode = true, mode
	s.emit(Frame{Cmd: RespExitDelay, Data: pdigit(p)})
	s.updateLEDs()
	armed := func() {
		if !s.parts[p].exit {
			return // disarmed during exit delay
		}
		s.parts[p].exit, s.parts[p].armed = false, true
		s.emit(Frame{Cmd: RespArmed, Data: pdigit(p) + strconv.Itoa(int(mode))})
		if user > 0 {
			s.emit(Frame{Cmd: RespUserClosing, Data: fmt.Sprintf("%d%04d", p, user)})
		} else {
			s.emit(Frame{Cmd: RespSpecialClosing, Data: pdigit(p)})
		}
		s.updateLEDs()
	}
	if s.opt.ExitDelay <= 0 {
		armed()
		return
	}
	time.AfterFunc(s.opt.ExitDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		armed()
		s.bump()
	})
}

func (s *Simulator) disarm(p, user int) {
	s.bad = 0
	s.parts[p] = simPart{}
	s.emit(Frame{Cmd: RespDisarmed, Data: pdigit(p)})
	s.emit(Frame{Cmd: RespUserOpening, Data: fmt.Sprintf("%d%04d", p, user)})
	s.emitReady(p)
	s.updateLEDs()
}

func (s *Simulator) emitReady(p int) {
	if s.ready(p) {
		s.emit(Frame{Cmd: RespReady, Data: pdigit(p)})
	} else {
		s.emit(Frame{Cmd: RespNotReady, Data: pdigit(p)})
	}
}

// dump answers 001: every partition's state, every zone, the LEDs.
func (s *Simulator) dump(cl *simClient) {
	for p := 1; p <= s.opt.Partitions; p++ {
		pt := s.parts[p]
		switch {
		case pt.alarm:
			s.write(cl, Frame{Cmd: RespInAlarm, Data: pdigit(p)})
		case pt.armed:
			s.write(cl, Frame{Cmd: RespArmed, Data: pdigit(p) + strconv.Itoa(int(pt.mode))})
		case pt.exit:
			s.write(cl, Frame{Cmd: RespExitDelay, Data: pdigit(p)})
		case s.ready(p):
			s.write(cl, Frame{Cmd: RespReady, Data: pdigit(p)})
		default:
			s.write(cl, Frame{Cmd: RespNotReady, Data: pdigit(p)})
		}
		s.write(cl, Frame{Cmd: RespTroubleOff, Data: pdigit(p)})
	}
	for z := 1; z <= s.opt.Zones; z++ {
		c := RespZoneRestored
		if s.zones[z] {
			c = RespZoneOpen
		}
		s.write(cl, Frame{Cmd: c, Data: fmt.Sprintf("%03d", z)})
	}
	s.write(cl, Frame{Cmd: RespLED, Data: fmt.Sprintf("%02X", s.led)})
	s.write(cl, Frame{Cmd: RespLEDFlash, Data: fmt.Sprintf("%02X", s.fl)})
}

func (s *Simulator) normalLED() byte {
	p := s.parts[1]
	switch {
	case p.armed || p.exit:
		return LEDArmed
	case s.ready(1):
		return LEDReady
	}
	return 0
}

// updateLEDs sends 510/511 for what changed on partition 1's keypad.
func (s *Simulator) updateLEDs() {
	led, fl := s.normalLED(), byte(0)
	switch s.mode {
	case kpMenu:
		led, fl = LEDArmed|LEDProgram, LEDProgram
	case kpCode:
		led, fl = LEDArmed|LEDProgram, 0
	}
	if fl != s.fl {
		s.fl = fl
		s.emit(Frame{Cmd: RespLEDFlash, Data: fmt.Sprintf("%02X", fl)})
	}
	if led != s.led {
		s.led = led
		s.emit(Frame{Cmd: RespLED, Data: fmt.Sprintf("%02X", led)})
	}
}

func (s *Simulator) resetProgTimer() {
	if s.progTimer != nil {
		s.progTimer.Stop()
	}
	s.progTimer = time.AfterFunc(s.opt.ProgramTimeout, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.mode != kpNormal {
			s.mode, s.buf = kpNormal, ""
			s.updateLEDs()
			s.bump()
		}
	})
}

// key presses one key on partition 1's keypad (s.mu held).
func (s *Simulator) key(k byte) {
	digit := k >= '0' && k <= '9'
	if s.mode != kpNormal {
		s.resetProgTimer()
	}
	switch s.mode {
	case kpNormal:
		if k == '*' {
			s.mode = kpStar
		}
	case kpStar:
		s.mode = kpNormal
		if k == '5' && !s.parts[1].armed && !s.parts[1].exit {
			s.mode, s.buf = kpMasterKeys, ""
			s.resetProgTimer()
		}
	case kpMasterKeys:
		switch {
		case digit:
			s.buf += string(k)
			if len(s.buf) == s.opt.CodeLength {
				if s.buf == s.codes[40] {
					s.mode, s.buf = kpMenu, ""
				} else {
					s.mode, s.buf = kpNormal, ""
					s.badCode(1)
				}
			}
		default:
			s.mode, s.buf = kpNormal, ""
		}
	case kpMenu:
		switch {
		case k == '#':
			s.mode, s.buf = kpNormal, ""
		case digit:
			s.buf += string(k)
			if len(s.buf) == 2 {
				n, _ := strconv.Atoi(s.buf)
				s.buf = ""
				if n >= 1 && n <= s.opt.Slots {
					s.mode, s.slot = kpCode, n
				} // else: error tone, still in the menu
			}
		}
	case kpCode:
		switch {
		case k == '#':
			s.mode, s.buf = kpNormal, ""
		case k == '*':
			if s.slot != 40 {
				delete(s.codes, s.slot)
			}
			s.mode, s.buf = kpMenu, ""
		case digit:
			s.buf += string(k)
			if len(s.buf) == s.opt.CodeLength {
				if u := s.user(s.buf); u == 0 || u == s.slot {
					s.codes[s.slot] = s.buf
				} // else: duplicate code, error tone, not stored
				s.mode, s.buf = kpMenu, ""
			}
		}
	}
	if s.mode == kpNormal && s.progTimer != nil {
		s.progTimer.Stop()
	}
}

// SetZone opens or closes a zone (on partition 1): 609/610, and the
// partition's readiness when it changes.
func (s *Simulator) SetZone(zone int, open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if zone < 1 || zone >= len(s.zones) || s.zones[zone] == open {
		return
	}
	was := s.ready(1)
	s.zones[zone] = open
	c := RespZoneRestored
	if open {
		c = RespZoneOpen
	}
	s.emit(Frame{Cmd: c, Data: fmt.Sprintf("%03d", zone)})
	if was != s.ready(1) && !s.parts[1].armed && !s.parts[1].exit {
		s.emitReady(1)
		s.updateLEDs()
	}
	s.bump()
}

// Alarm puts partition 1 in alarm from zone (601, 654) if it is armed,
// as an intrusion does; a disarm (040) silences it. It reports whether
// the alarm went off.
func (s *Simulator) Alarm(zone int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &s.parts[1]
	if zone < 1 || zone >= len(s.zones) || !p.armed || p.alarm {
		return false
	}
	p.alarm = true
	s.emit(Frame{Cmd: RespZoneAlarm, Data: fmt.Sprintf("1%03d", zone)})
	s.emit(Frame{Cmd: RespInAlarm, Data: "1"})
	s.bump()
	return true
}

// SimPartition is one partition of a SimView.
type SimPartition struct {
	Armed, ExitDelay, Alarm bool
	Mode                    ArmedMode
}

// SimView is what the simulated panel holds, without its codes.
type SimView struct {
	Partitions  []SimPartition // [0] is partition 1
	Programming bool           // partition 1's keypad is in [*][5]
	LockedOut   bool
	Connected   bool // a TPI client is connected (logged in or not)
	Accepted    int  // TPI connections served so far (refused ones not counted)
	CodesSet    []int
	Stats       DecodeStats
}

func (s *Simulator) view() SimView {
	v := SimView{Programming: s.mode != kpNormal || (s.want != nil && s.want.master), LockedOut: s.lockedOut(), Connected: s.busy, Accepted: s.accepted, Stats: s.stats}
	for p := 1; p <= s.opt.Partitions; p++ {
		pt := s.parts[p]
		v.Partitions = append(v.Partitions, SimPartition{Armed: pt.armed, ExitDelay: pt.exit, Alarm: pt.alarm, Mode: pt.mode})
	}
	for slot := 1; slot <= s.opt.Slots; slot++ {
		if _, ok := s.codes[slot]; ok {
			v.CodesSet = append(v.CodesSet, slot)
		}
	}
	return v
}

// View returns what the panel holds now.
func (s *Simulator) View() SimView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.view()
}

// Wait waits until cond holds of the panel, or ctx ends.
func (s *Simulator) Wait(ctx context.Context, cond func(SimView) bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(s.view()), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// code returns the code in slot (tests).
func (s *Simulator) code(slot int) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[slot]
	return c, ok
}
