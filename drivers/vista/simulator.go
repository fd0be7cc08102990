package vista

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SimOptions configure a Simulator. The zero value is a Vista 20P with
// one partition, the factory codes (installer 4112, master 1234) behind an
// Envisalink 4 whose password is "user", with the panel taking keys
// without delay.
type SimOptions struct {
	Password      string // the Envisalink's password; "" is "user"
	InstallerCode string // user 01; "" is 4112
	MasterCode    string // user 02; "" is 1234
	Users         map[int]string
	Partitions    int // partitions in use, 1-8; 0 is 1
	// Slots is the last user number, 0 is 49 (a Vista 20P); above 99 the
	// user number is typed with 3 digits, as on a Vista 128BPT.
	Slots int
	EVL   int // 3 (64 zones) or 4 (128 zones); 0 is 4

	// KeyDelay is how long the panel takes to take one key: the ^03
	// acknowledgement waits for it (a keypad bus carries a few keys a
	// second).
	KeyDelay time.Duration
	// EntryTimeout clears a half-typed entry after this pause between
	// keys; 0 is 5 s.
	EntryTimeout time.Duration
	// ExitDelay is how long a partition shows exit delay before it is
	// armed; 0 arms at once.
	ExitDelay time.Duration
	// LoginTimeout is how long the Envisalink waits for the password; 0
	// is 10 s, as specified.
	LoginTimeout time.Duration
	// CommandTimeout is how long a command may take from its ^ to its $
	// before it is answered 05; 0 is 3 s, as specified.
	CommandTimeout time.Duration
	// KeypadEvery sends every partition's keypad update this often, as an
	// Envisalink does every 5-10 s; 0 sends them on change only.
	KeypadEvery time.Duration
	// LockoutAfter bad codes in a row lock a partition's keypads for
	// LockoutFor; 0 is 4 codes, and 1 minute.
	LockoutAfter int
	LockoutFor   time.Duration
	// DropAfterKeys closes the client's connection when this many
	// keystrokes have been received in all (a test's dropped link); 0
	// never.
	DropAfterKeys int
	// Logf, when set, receives what the simulator does; never a code or
	// the password.
	Logf func(format string, args ...any)
}

// Simulator is a Vista panel behind an Envisalink, speaking the Ademco
// TPI 1.03 on the listeners it serves: the "Login:" handshake (the
// password within LoginTimeout, or "Timed Out"), one client at a time
// (another connection is closed at once), ^00-^03 commands acknowledged
// with their TPI response codes, keystrokes typed as on a Vista 20P keypad
// (code+1 disarm, +2 away, +3 stay, master+8+user+code and
// master+8+user+#0), and %00 keypad, %01 zone, %02 partition and %03
// Contact ID events. Zones belong to partition 1.
type Simulator struct {
	o SimOptions

	mu     sync.Mutex
	codes  map[int]string
	parts  []*simPart
	zones  Zones
	defP   int
	keys   int
	denied int
	client net.Conn
	gone   chan struct{} // closed when the client's session ends
	wmu    sync.Mutex    // orders writes to the client
	lns    []net.Listener
	closed bool
	wg     sync.WaitGroup
}

type simPart struct {
	n        int
	code     PartitionCode
	memory   bool // alarm in memory
	buf      []byte
	lastKey  time.Time
	bad      int
	locked   time.Time
	exit     *time.Timer
	armMode  PartitionCode // the state the exit delay ends in
	alarmZn  int
	lastBeep int
}

// NewSimulator makes a simulator; it serves nothing until Serve.
func NewSimulator(opts SimOptions) *Simulator {
	o := opts
	if o.Password == "" {
		o.Password = "user"
	}
	if o.InstallerCode == "" {
		o.InstallerCode = "4112"
	}
	if o.MasterCode == "" {
		o.MasterCode = "1234"
	}
	if o.Partitions < 1 || o.Partitions > 8 {
		o.Partitions = 1
	}
	if o.Slots <= 0 {
		o.Slots = DefaultSlots
	}
	if o.EVL != 3 {
		o.EVL = 4
	}
	if o.EntryTimeout <= 0 {
		o.EntryTimeout = 5 * time.Second
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 3 * time.Second
	}
	if o.LoginTimeout <= 0 {
		o.LoginTimeout = LoginTimeout
	}
	if o.LockoutAfter <= 0 {
		o.LockoutAfter = 4
	}
	if o.LockoutFor <= 0 {
		o.LockoutFor = time.Minute
	}
	s := &Simulator{o: o, codes: map[int]string{1: o.InstallerCode, 2: o.MasterCode}, defP: 1}
	for slot, c := range o.Users {
		s.codes[slot] = c
	}
	s.zones.Count = 64
	if o.EVL == 4 {
		s.zones.Count = 128
	}
	for n := 1; n <= o.Partitions; n++ {
		s.parts = append(s.parts, &simPart{n: n, code: PartReady})
	}
	return s
}

func (s *Simulator) logf(format string, args ...any) {
	if s.o.Logf != nil {
		s.o.Logf("vista sim: "+format, args...)
	}
}

// Serve accepts clients on l until Close; it returns nil after Close.
func (s *Simulator) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.lns = append(s.lns, l)
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			return err
		}
		s.mu.Lock()
		busy := s.client != nil || s.closed
		if !busy {
			s.client, s.gone = c, make(chan struct{})
		} else {
			s.denied++
		}
		s.mu.Unlock()
		if busy {
			// One client only: another connection is denied.
			s.logf("denied a second client: one client at a time")
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.session(c)
		}()
	}
}

// Close stops serving and drops the client.
func (s *Simulator) Close() error {
	s.mu.Lock()
	s.closed = true
	lns, c := s.lns, s.client
	for _, p := range s.parts {
		if p.exit != nil {
			p.exit.Stop()
		}
	}
	s.mu.Unlock()
	for _, l := range lns {
		l.Close()
	}
	if c != nil {
		c.Close()
	}
	s.wg.Wait()
	return nil
}

// Drop closes the client's connection, as a network fault would.
func (s *Simulator) Drop() {
	s.mu.Lock()
	c := s.client
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// Idle returns a channel closed once no client is connected.
func (s *Simulator) Idle() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return s.gone
}

// Inject sends raw bytes to the client (garbage, a split frame, ...).
func (s *Simulator) Inject(raw string) {
	s.send([]byte(raw))
}

// Keys is how many keystrokes the simulator has received.
func (s *Simulator) Keys() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys
}

// Denied is how many connections were closed because a client was
// already connected.
func (s *Simulator) Denied() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied
}

// Code returns user slot's code, for tests.
func (s *Simulator) Code(slot int) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[slot]
	return c, ok
}

// Partition returns partition n's status code and whether its keypads
// are locked out.
func (s *Simulator) Partition(n int) (PartitionCode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 || n > len(s.parts) {
		return PartUnused, false
	}
	p := s.parts[n-1]
	return p.code, time.Now().Before(p.locked)
}

// Fault opens zone n (1-based); a disarmed partition 1 turns not ready,
// an armed one goes into alarm.
func (s *Simulator) Fault(n int) { s.setZone(n, true) }

// Restore closes zone n.
func (s *Simulator) Restore(n int) { s.setZone(n, false) }

func (s *Simulator) setZone(n int, open bool) {
	if n < 1 || n > s.zones.Count {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bit := uint64(1) << uint((n-1)%64)
	if open {
		s.zones.Open[(n-1)/64] |= bit
	} else {
		s.zones.Open[(n-1)/64] &^= bit
	}
	out := AppendEvent(nil, EvZones, s.zones.String())
	p := s.parts[0]
	switch p.code {
	case PartReady, PartNotReady:
		p.code = s.readiness()
	case PartArmedAway, PartArmedStay, PartArmedInst, PartArmedMax, PartExitDelay:
		if open && p.code != PartExitDelay {
			p.code, p.memory, p.alarmZn = PartAlarm, true, n
			out = AppendEvent(out, EvCID, CID{Qualifier: QualEvent, Code: 130, Partition: 1, ZoneUser: n}.String())
		}
	}
	out = s.appendState(out, p, 0)
	s.sendLocked(out)
}

func (s *Simulator) readiness() PartitionCode {
	if s.zones.Open[0]|s.zones.Open[1] != 0 {
		return PartNotReady
	}
	return PartReady
}

// session serves one client.
func (s *Simulator) session(c net.Conn) {
	defer func() {
		c.Close()
		s.mu.Lock()
		if s.client == c {
			s.client = nil
			close(s.gone)
		}
		s.mu.Unlock()
	}()
	s.send([]byte("Login:\r\n"))
	c.SetReadDeadline(time.Now().Add(s.o.LoginTimeout))
	r := bufio.NewReaderSize(c, 256)
	pw, err := readLine(r, 64)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			s.logf("login timed out")
			s.send([]byte("Timed Out\r\n"))
		}
		return
	}
	if pw != s.o.Password {
		s.logf("login refused")
		s.send([]byte("FAILED\r\n"))
		return
	}
	c.SetReadDeadline(time.Time{})
	s.logf("client logged in")
	s.mu.Lock()
	out := []byte("OK\r\n")
	out = AppendEvent(out, EvPartitions, s.partitions())
	out = AppendEvent(out, EvZones, s.zones.String())
	for _, p := range s.parts {
		out = AppendEvent(out, EvKeypad, s.keypad(p, 0).String())
	}
	s.sendLocked(out)
	s.mu.Unlock()
	stop := make(chan struct{})
	defer close(stop)
	if s.o.KeypadEvery > 0 {
		go s.tick(stop)
	}
	s.commands(c, r)
}

func (s *Simulator) tick(stop chan struct{}) {
	t := time.NewTicker(s.o.KeypadEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.mu.Lock()
			var out []byte
			for _, p := range s.parts {
				out = AppendEvent(out, EvKeypad, s.keypad(p, 0).String())
			}
			s.sendLocked(out)
			s.mu.Unlock()
		}
	}
}

// readLine reads up to CR or LF (a lone LF after a CR is skipped).
func readLine(r *bufio.Reader, max int) (string, error) {
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		switch {
		case c == '\n' && len(b) == 0:
			continue
		case c == '\r' || c == '\n':
			return string(b), nil
		case len(b) >= max:
			return "", errors.New("line too long")
		}
		b = append(b, c)
	}
}

// commands reads ^CC,data$ commands and stray keystrokes.
func (s *Simulator) commands(c net.Conn, r *bufio.Reader) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return
		}
		if b != '^' {
			if isKey(b) {
				s.mu.Lock()
				p := s.defP
				s.mu.Unlock()
				if !s.count(c) {
					return
				}
				s.press(p, b)
			}
			continue
		}
		var cmd []byte
		overflow, timedOut := false, false
		// The command must be complete within the receive state
		// machine's time (3 s), or it is answered 05.
		c.SetReadDeadline(time.Now().Add(s.o.CommandTimeout))
		for {
			b, err := r.ReadByte()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				timedOut = true
				break
			}
			if err != nil {
				return
			}
			if b == '$' {
				break
			}
			if len(cmd) == 32 {
				overflow = true
			}
			if !overflow {
				cmd = append(cmd, b)
			}
		}
		c.SetReadDeadline(time.Time{})
		if timedOut || overflow {
			code, _ := hexByte(string(cmd[:min(2, len(cmd))]))
			r := ResultOverflow
			if timedOut {
				r = ResultStateTime
				s.logf("a command was not completed within %s", s.o.CommandTimeout)
			}
			s.send(AppendAck(nil, code, r))
			continue
		}
		if !s.command(c, string(cmd)) {
			return
		}
	}
}

func isKey(b byte) bool { return b >= '0' && b <= '9' || b == '*' || b == '#' }

// command acts on one command (without its sentinels); false ends the
// session.
func (s *Simulator) command(c net.Conn, cmd string) bool {
	code, ok := hexByte(cmd[:min(2, len(cmd))])
	if !ok || len(cmd) < 3 || cmd[2] != ',' {
		s.send(AppendAck(nil, code, ResultSyntax))
		return true
	}
	data := cmd[3:]
	switch code {
	case CmdPoll:
		if data != "" {
			s.send(AppendAck(nil, code, ResultSyntax))
			return true
		}
	case CmdDefaultPartition:
		n, err := strconv.Atoi(data)
		if err != nil || n < 1 || n > 8 {
			s.send(AppendAck(nil, code, ResultSyntax))
			return true
		}
		s.mu.Lock()
		s.defP = n
		s.mu.Unlock()
	case CmdDumpZoneTimers:
		s.send(AppendAck(nil, code, ResultOK))
		s.mu.Lock()
		var sb strings.Builder
		for z := 1; z <= s.zones.Count; z++ {
			if s.zones.IsOpen(z) {
				sb.WriteString("FFFF")
			} else {
				sb.WriteString("0000")
			}
		}
		s.sendLocked(AppendEvent(nil, EvZoneTimers, sb.String()))
		s.mu.Unlock()
		return true
	case CmdKeypress:
		if len(data) != 3 || data[0] < '1' || data[0] > '8' || data[1] != ',' || !(isKey(data[2]) || data[2] >= 'A' && data[2] <= 'D') {
			s.send(AppendAck(nil, code, ResultSyntax))
			return true
		}
		if s.o.KeyDelay > 0 {
			time.Sleep(s.o.KeyDelay) // the keypad bus's pace, not a test's synchronisation
		}
		if !s.count(c) {
			return false
		}
		// The Envisalink acknowledges the key; what the panel makes of it
		// follows.
		s.send(AppendAck(nil, code, ResultOK))
		s.press(int(data[0]-'0'), data[2])
		return true
	default:
		s.send(AppendAck(nil, code, ResultUnknown))
		return true
	}
	s.send(AppendAck(nil, code, ResultOK))
	return true
}

// count counts a keystroke received; false when it drops the connection
// instead (DropAfterKeys).
func (s *Simulator) count(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys++
	if s.o.DropAfterKeys > 0 && s.keys == s.o.DropAfterKeys {
		s.logf("dropping the client after %d keys", s.keys)
		c.Close()
		return false
	}
	return true
}

// press types one key on partition n's keypad.
func (s *Simulator) press(n int, k byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > len(s.parts) {
		return
	}
	p := s.parts[n-1]
	now := time.Now()
	if now.Before(p.locked) {
		return
	}
	if now.Sub(p.lastKey) > s.o.EntryTimeout {
		clear(p.buf)
		p.buf = p.buf[:0]
	}
	p.lastKey = now
	p.buf = append(p.buf, k)
	s.entry(p)
}

// simCodeLen is the length of every code (a Vista's are 4 digits).
const simCodeLen = 4

func (s *Simulator) who(code []byte) int {
	for slot, c := range s.codes {
		if c == string(code) {
			return slot
		}
	}
	return 0
}

func (p *simPart) reset() {
	clear(p.buf)
	p.buf = p.buf[:0]
}

// entry reads partition p's typed keys, as a Vista 20P does: a code,
// then a function key.
func (s *Simulator) entry(p *simPart) {
	b := p.buf
	if len(b) < simCodeLen {
		if !isDigits(string(b)) {
			p.reset()
		}
		return
	}
	user := s.who(b[:simCodeLen])
	if user == 0 {
		p.reset()
		p.bad++
		s.logf("partition %d: a bad code (%d in a row)", p.n, p.bad)
		if p.bad >= s.o.LockoutAfter {
			p.locked = time.Now().Add(s.o.LockoutFor)
			p.bad = 0
			s.logf("partition %d: keypads locked out", p.n)
		}
		s.sendLocked(s.appendState(nil, p, 3))
		return
	}
	p.bad = 0
	if len(b) == simCodeLen {
		return
	}
	switch fn := b[simCodeLen]; fn {
	case '1':
		p.reset()
		s.disarm(p, user)
	case '2', '3', '4', '7':
		p.reset()
		s.arm(p, user, fn)
	case '8':
		s.program(p, user)
	default:
		p.reset()
	}
}

func (s *Simulator) disarm(p *simPart, user int) {
	if p.exit != nil {
		p.exit.Stop()
		p.exit = nil
	}
	out := []byte(nil)
	switch p.code {
	case PartReady, PartNotReady, PartReadyBypass, PartAlarmMemory:
		p.memory = false // a second disarm clears the alarm memory
	default:
		out = AppendEvent(out, EvCID, CID{Qualifier: QualEvent, Code: 401, Partition: p.n, ZoneUser: user}.String())
	}
	p.code = PartReady
	if p.n == 1 {
		p.code = s.readiness()
	}
	if p.memory {
		p.code = PartAlarmMemory
	}
	s.sendLocked(s.appendState(out, p, 1))
}

func (s *Simulator) arm(p *simPart, user int, fn byte) {
	if p.code != PartReady {
		s.sendLocked(s.appendState(nil, p, 3)) // not ready or armed: the error beeps
		return
	}
	final, cid := PartArmedAway, 401
	switch fn {
	case '3':
		final, cid = PartArmedStay, 441
	case '4':
		final = PartArmedMax
	case '7':
		final, cid = PartArmedInst, 441
	}
	out := AppendEvent(nil, EvCID, CID{Qualifier: QualRestore, Code: cid, Partition: p.n, ZoneUser: user}.String())
	p.armMode = final
	if s.o.ExitDelay > 0 {
		p.code = PartExitDelay
		p.exit = time.AfterFunc(s.o.ExitDelay, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if p.code == PartExitDelay {
				p.code, p.exit = p.armMode, nil
				s.sendLocked(s.appendState(nil, p, 0))
			}
		})
		s.sendLocked(s.appendState(out, p, 5))
		return
	}
	p.code = final
	s.sendLocked(s.appendState(out, p, 0))
}

// program is master+8+UU+CCCC or master+8+UU+#0: only the installer or
// the master, only on a disarmed, ready partition, users 03 to Slots.
func (s *Simulator) program(p *simPart, user int) {
	b := p.buf[simCodeLen+1:]
	fail := func(why string) {
		p.reset()
		s.logf("partition %d: user programming refused: %s", p.n, why)
		s.sendLocked(s.appendState(nil, p, 3))
	}
	if user != 1 && user != 2 {
		fail("not a master code")
		return
	}
	if p.code != PartReady {
		fail("the partition is not disarmed and ready")
		return
	}
	width := 2
	if s.o.Slots > 99 {
		width = 3
	}
	if len(b) < width {
		if len(b) > 0 && !isDigits(string(b)) {
			fail("user number not digits")
		}
		return
	}
	slot, err := strconv.Atoi(string(b[:width]))
	if err != nil || slot < 3 || slot > s.o.Slots {
		fail("no such user")
		return
	}
	rest := b[width:]
	switch {
	case len(rest) == 0:
		return
	case rest[0] == '#':
		if len(rest) < 2 {
			return
		}
		if rest[1] != '0' {
			fail("not #0")
			return
		}
		delete(s.codes, slot)
		p.reset()
		s.logf("partition %d: user %d deleted", p.n, slot)
		s.sendLocked(s.appendState(nil, p, 1))
	case !isDigits(string(rest)):
		fail("code not digits")
	case len(rest) < simCodeLen:
		return
	default:
		code := string(rest)
		if other := s.who(rest); other != 0 && other != slot {
			fail("the code is another user's")
			return
		}
		s.codes[slot] = code
		p.reset()
		s.logf("partition %d: user %d code set", p.n, slot)
		s.sendLocked(s.appendState(nil, p, 1))
	}
}

// partitions is the %02 data: eight status codes.
func (s *Simulator) partitions() string {
	ps := Partitions{Count: 8}
	for i, p := range s.parts {
		ps.State[i] = p.code
	}
	return ps.String()
}

// appendState appends the %02 and partition p's %00 (with beep).
func (s *Simulator) appendState(out []byte, p *simPart, beep int) []byte {
	out = AppendEvent(out, EvPartitions, s.partitions())
	return AppendEvent(out, EvKeypad, s.keypad(p, beep).String())
}

func pad(top, bottom string) string {
	return fmt.Sprintf("%-16.16s%-16.16s", top, bottom)
}

// keypad is what partition p's keypads show, with the LCD texts of a Vista
// 20P's alpha keypad.
func (s *Simulator) keypad(p *simPart, beep int) Keypad {
	k := Keypad{Partition: p.n, LEDs: LEDACPresent, Numeric: "08", Beep: beep}
	if p.memory {
		k.LEDs |= LEDAlarmMemory
	}
	switch p.code {
	case PartReady:
		k.LEDs |= LEDReady
		k.Alpha = pad("****DISARMED****", "  Ready to Arm  ")
	case PartNotReady:
		open := s.zones.OpenZones()
		k.Numeric = fmt.Sprintf("%02d", open[0])
		k.Alpha = pad(fmt.Sprintf("FAULT %02d", open[0]), "DISARMED Hit *")
	case PartArmedAway, PartArmedMax:
		k.LEDs |= LEDArmedAway
		k.Alpha = pad("ARMED ***AWAY***", "")
	case PartArmedStay, PartArmedInst:
		k.LEDs |= LEDArmedStay
		k.Alpha = pad("ARMED ***STAY***", "")
	case PartExitDelay:
		if p.armMode == PartArmedStay || p.armMode == PartArmedInst {
			k.LEDs |= LEDArmedStay
			k.Alpha = pad("ARMED ***STAY***", "You may exit now")
		} else {
			k.LEDs |= LEDArmedAway
			k.Alpha = pad("ARMED ***AWAY***", "You may exit now")
		}
	case PartAlarm:
		k.LEDs |= LEDAlarm
		k.Numeric = fmt.Sprintf("%02d", p.alarmZn)
		k.Alpha = pad(fmt.Sprintf("ALARM %02d", p.alarmZn), "")
	case PartAlarmMemory:
		k.LEDs |= LEDReady
		k.Alpha = pad("DISARMED", "ALARM MEMORY")
	}
	if time.Now().Before(p.locked) {
		k.Alpha = pad("KEYPAD LOCKED", "TRY AGAIN LATER")
	}
	zero := p.code
	if zero == PartExitDelay {
		zero = p.armMode
	}
	if zero == PartArmedMax || zero == PartArmedInst {
		k.LEDs |= LEDArmedZero
	}
	return k
}

func (s *Simulator) send(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendLocked(b)
}

// sendLocked writes to the client; the caller holds s.mu.
func (s *Simulator) sendLocked(b []byte) {
	c := s.client
	if c == nil || len(b) == 0 {
		return
	}
	s.wmu.Lock()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.Write(b)
	s.wmu.Unlock()
}
