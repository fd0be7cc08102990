package vista

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The TPI's command codes (Ademco TPI 1.03 §3.2 and §3.3). Commands go
// to the Envisalink as ^CC,data$; it answers each with ^CC,EE$. Events
// come from it as %CC,data$.
const (
	CmdPoll             = 0x00 // ^00,$: poll; also resets the Envisalink's network watchdog
	CmdDefaultPartition = 0x01 // ^01,P$: the partition keystrokes outside ^$ go to
	CmdDumpZoneTimers   = 0x02 // ^02,$: asks for a %FF zone timer dump
	CmdKeypress         = 0x03 // ^03,P,K$: one keystroke to partition P

	EvKeypad     = 0x00 // %00: virtual keypad update (LEDs, beeps, the LCD's 32 characters)
	EvZones      = 0x01 // %01: zone state change (64 or 128 zone bits)
	EvPartitions = 0x02 // %02: partition state change (8 partition status codes)
	EvCID        = 0x03 // %03: realtime Contact ID event
	EvZoneTimers = 0xFF // %FF: zone timer dump
)

// MaxLine is the longest frame or text line the decoder takes, in bytes:
// an Envisalink 4's %FF zone timer dump (512 hex digits and its header)
// with room to spare. Anything longer is garbage.
const MaxLine = 600

// Kind says what a frame is.
type Kind int

// Frame kinds.
const (
	KindLogin    Kind = iota + 1 // "Login:": the Envisalink asks for the password
	KindOK                       // "OK": password accepted
	KindFailed                   // "FAILED": password refused; the Envisalink closes the socket
	KindTimedOut                 // "Timed Out": no password within 10 s; the socket closes
	KindAck                      // ^CC,EE$: the answer to a command
	KindEvent                    // %CC,data$: an event from the panel or the Envisalink
)

// Frame is one decoded frame. Code is the command or event code; for an
// event, the field of its code holds the parsed payload (Keypad for %00,
// Zones for %01, Partitions for %02, CID for %03, Timers for %FF), and Data
// the raw payload. An event code the specification does not list comes
// through with Data only.
type Frame struct {
	Kind       Kind
	Code       byte
	Data       string
	Result     Result // KindAck
	Keypad     Keypad
	Zones      Zones
	Partitions Partitions
	CID        CID
	Timers     []uint16
}

// Result is the TPI response code of an acknowledgement (§3.7).
type Result byte

// TPI response codes.
const (
	ResultOK        Result = 0 // command accepted
	ResultOverrun   Result = 1 // received while another command was still being processed
	ResultUnknown   Result = 2 // unknown command
	ResultSyntax    Result = 3 // the command's data is wrong
	ResultOverflow  Result = 4 // receive buffer overflow
	ResultStateTime Result = 5 // the command was not completed within 3 seconds
)

var resultText = [...]string{
	ResultOK:        "command accepted",
	ResultOverrun:   "receive buffer overrun: a command arrived while another was still being processed",
	ResultUnknown:   "unknown command",
	ResultSyntax:    "syntax error in the command's data",
	ResultOverflow:  "receive buffer overflow",
	ResultStateTime: "receive state machine timeout: the command was not completed within 3 seconds",
}

// String says what the code means, as the specification does.
func (r Result) String() string {
	if int(r) < len(resultText) {
		return resultText[r]
	}
	return fmt.Sprintf("response code %02X, which TPI 1.03 does not list", byte(r))
}

// Keypad is a %00 virtual keypad update: what one partition's keypads
// show.
type Keypad struct {
	Partition int
	LEDs      uint16 // the LED/ICON bitfield; see the LED constants
	Numeric   string // the zone/user field, as sent (a zone or user number for non-alpha keypads)
	Beep      int    // 0 off, 1-3 beeps, 4 continuous fast, 5 continuous slow
	// Night says the partition is armed night-stay: bit 4 of the beep
	// field, which TPI 1.03 does not describe but newer firmware sets and
	// pyenvisalink reads (its Beep_Bitfield: the beep field is a hex byte,
	// the beeps in its low four bits).
	Night bool
	Alpha string // the two LCD lines, 16 characters each, concatenated
}

// LED/ICON bits of a keypad update.
const (
	LEDAlarm       uint16 = 1 << 0  // the system is in alarm
	LEDAlarmMemory uint16 = 1 << 1  // alarm in memory
	LEDArmedAway   uint16 = 1 << 2  // armed away
	LEDACPresent   uint16 = 1 << 3  // AC power present
	LEDBypass      uint16 = 1 << 4  // zones are bypassed
	LEDChime       uint16 = 1 << 5  // chime on
	LEDArmedZero   uint16 = 1 << 7  // armed with zero entry delay
	LEDFireAlarm   uint16 = 1 << 8  // alarm of a fire zone
	LEDTrouble     uint16 = 1 << 9  // check icon: system trouble
	LEDReady       uint16 = 1 << 12 // ready to arm
	LEDFire        uint16 = 1 << 13 // fire
	LEDLowBattery  uint16 = 1 << 14 // low battery
	LEDArmedStay   uint16 = 1 << 15 // armed stay
)

// AlphaLen is the length of a keypad's two LCD lines together.
const AlphaLen = 32

// Lines returns the LCD's two lines, each trimmed of trailing spaces.
func (k Keypad) Lines() (top, bottom string) {
	a := k.Alpha
	if len(a) > AlphaLen/2 {
		top, bottom = a[:AlphaLen/2], a[AlphaLen/2:]
	} else {
		top = a
	}
	return strings.TrimRight(top, " "), strings.TrimRight(bottom, " ")
}

// Display is the LCD as one line for a message: "TOP / BOTTOM".
func (k Keypad) Display() string {
	top, bottom := k.Lines()
	switch {
	case bottom == "":
		return top
	case top == "":
		return bottom
	}
	return top + " / " + bottom
}

// Zones is a %01 zone state change: bit n-1 of Open set means zone n is
// open or faulted. Count is 64 (Envisalink 3) or 128 (Envisalink 4).
type Zones struct {
	Open  [2]uint64
	Count int
}

// IsOpen reports whether zone n (1-based) is open or faulted.
func (z Zones) IsOpen(n int) bool {
	if n < 1 || n > z.Count {
		return false
	}
	return z.Open[(n-1)/64]&(1<<uint((n-1)%64)) != 0
}

// OpenZones returns the open zones, ascending.
func (z Zones) OpenZones() []int {
	var out []int
	for n := 1; n <= z.Count; n++ {
		if z.IsOpen(n) {
			out = append(out, n)
		}
	}
	return out
}

// PartitionCode is a partition status code of a %02 update (§3.4).
type PartitionCode byte

// Partition status codes, as TPI 1.03 §3.4 lists them for Honeywell.
// The list runs 00 to 09 and then "10" for armed maximum: the two
// characters are taken as the listed strings, so "10" is armed maximum and
// "0A" is a code the specification does not list.
const (
	PartUnused      PartitionCode = 0  // not used or does not exist
	PartReady       PartitionCode = 1  // ready
	PartReadyBypass PartitionCode = 2  // ready to arm, zones bypassed
	PartNotReady    PartitionCode = 3  // not ready
	PartArmedStay   PartitionCode = 4  // armed stay
	PartArmedAway   PartitionCode = 5  // armed away
	PartArmedInst   PartitionCode = 6  // armed instant (stay, zero entry delay)
	PartExitDelay   PartitionCode = 7  // exit delay (not on every platform)
	PartAlarm       PartitionCode = 8  // in alarm
	PartAlarmMemory PartitionCode = 9  // alarm has occurred (alarm in memory)
	PartArmedMax    PartitionCode = 10 // armed maximum (away, zero entry delay)
	PartOther       PartitionCode = 0xFF
)

var partText = map[PartitionCode]string{
	PartUnused: "not used", PartReady: "ready", PartReadyBypass: "ready (zones bypassed)", PartNotReady: "not ready",
	PartArmedStay: "armed stay", PartArmedAway: "armed away", PartArmedInst: "armed instant", PartExitDelay: "exit delay",
	PartAlarm: "in alarm", PartAlarmMemory: "alarm in memory", PartArmedMax: "armed maximum",
}

// String names the state ("armed stay").
func (c PartitionCode) String() string {
	if s, ok := partText[c]; ok {
		return s
	}
	return "a state TPI 1.03 does not list"
}

// Partitions is a %02 partition state change: the status of partitions
// 1-8 (Raw keeps the two characters of each, for a code the
// specification does not list, which decodes as PartOther). Count is how
// many the update carried: the specification's eight, or fewer from an
// Envisalink that sends a shorter string (pyenvisalink's tests feed
// "01000000", four).
type Partitions struct {
	State [8]PartitionCode
	Raw   [8]string
	Count int
}

// CID is a %03 realtime Contact ID event, "QXXXPPZZZ0".
type CID struct {
	Qualifier int // 1 new event or opening, 3 restore or closing, 6 previously reported, still present
	Code      int // the Contact ID event code, e.g. 401 open/close by user
	Partition int
	ZoneUser  int // zone or user number, as Code says
}

// Contact ID qualifiers.
const (
	QualEvent   = 1 // new event, or an opening (disarm)
	QualRestore = 3 // restore, or a closing (arm)
	QualStill   = 6 // previously reported condition still present
)

// ArmedBy reports whether the event is an opening or closing by a user:
// user is the user number, armed says closing (armed) or opening
// (disarmed), and stay says the closing was a stay arming (441, 442).
func (c CID) ArmedBy() (user int, armed, stay, ok bool) {
	switch c.Code {
	case 401, 403, 407, 408, 409, 441, 442:
	default:
		return 0, false, false, false
	}
	return c.ZoneUser, c.Qualifier == QualRestore, c.Code == 441 || c.Code == 442, c.Qualifier == QualEvent || c.Qualifier == QualRestore
}

// String is the event in the specification's form.
func (c CID) String() string {
	return fmt.Sprintf("%d%03d%02d%03d0", c.Qualifier, c.Code, c.Partition, c.ZoneUser)
}

// Decoder reads frames from an Envisalink's stream. It takes the text
// lines of the login ("Login:", "OK", "FAILED", "Timed Out"), the ^CC,EE$
// acknowledgements and the %CC,data$ events, each followed by CR LF or
// not; it skips and counts anything else: a line it cannot read, a frame
// whose fields break the specification, or one longer than MaxLine.
type Decoder struct {
	r       *bufio.Reader
	buf     []byte
	garbled int
	last    string // why the last garbled line was dropped
}

// NewDecoder reads frames from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 1024), buf: make([]byte, 0, 128)}
}

// Garbled is how many lines or frames the decoder dropped.
func (d *Decoder) Garbled() int { return d.garbled }

// LastGarbled says why the last dropped line was dropped ("" before any).
func (d *Decoder) LastGarbled() string { return d.last }

// ErrGarbled is what Parse returns for a frame it cannot read.
var ErrGarbled = errors.New("garbled frame")

// Next returns the next well-formed frame, dropping (and counting) what is
// not one, or the reader's error.
func (d *Decoder) Next() (Frame, error) {
	for {
		line, err := d.line()
		if err != nil {
			return Frame{}, err
		}
		if line == nil {
			continue
		}
		f, perr := Parse(line)
		if perr != nil {
			d.drop(perr.Error())
			continue
		}
		return f, nil
	}
}

func (d *Decoder) drop(why string) {
	d.garbled++
	d.last = why
}

// line returns one frame (from its sentinel to its $) or text line
// (without CR LF); nil for an empty line or one dropped as too long or
// broken by a sentinel.
func (d *Decoder) line() ([]byte, error) {
	d.buf = d.buf[:0]
	inFrame, tooLong := false, false
	for {
		c, err := d.r.ReadByte()
		if err != nil {
			if err == io.EOF && len(d.buf) > 0 && !tooLong {
				d.drop("stream ended inside a frame")
			}
			return nil, err
		}
		switch {
		case c == '\r' || c == '\n':
			if tooLong {
				return nil, nil // counted when it grew too long
			}
			if len(d.buf) == 0 {
				continue
			}
			if inFrame {
				d.drop("line ended before the frame's $")
				return nil, nil
			}
			return d.buf, nil
		case c == '%' || c == '^':
			if len(d.buf) > 0 {
				// A sentinel inside a frame or a line: what came before
				// it is broken; the new frame starts here.
				d.drop("a frame started inside another line")
			}
			d.buf, tooLong, inFrame = d.buf[:0], false, true
			d.buf = append(d.buf, c)
		case c == '$' && inFrame && !tooLong:
			d.buf = append(d.buf, c)
			return d.buf, nil
		default:
			if tooLong {
				continue
			}
			if len(d.buf) >= MaxLine {
				d.drop(fmt.Sprintf("line longer than %d bytes", MaxLine))
				tooLong, inFrame = true, false
				d.buf = d.buf[:0]
				continue
			}
			d.buf = append(d.buf, c)
		}
	}
}

// Parse reads one frame: a login line without its CR LF, or a ^CC,EE$ or
// %CC,data$ frame with its sentinels.
func Parse(b []byte) (Frame, error) {
	s := string(b)
	switch s {
	case "Login:":
		return Frame{Kind: KindLogin}, nil
	case "OK":
		return Frame{Kind: KindOK}, nil
	case "FAILED":
		return Frame{Kind: KindFailed}, nil
	case "Timed Out", "Timed Out!": // the specification, and what pyenvisalink expects
		return Frame{Kind: KindTimedOut}, nil
	}
	bad := func(format string, args ...any) (Frame, error) {
		return Frame{}, fmt.Errorf("%w: %s", ErrGarbled, fmt.Sprintf(format, args...))
	}
	if len(s) < 5 || (s[0] != '%' && s[0] != '^') || s[len(s)-1] != '$' {
		return bad("not a frame or a login line (%d bytes)", len(s))
	}
	code, ok := hexByte(s[1:3])
	if !ok || s[3] != ',' {
		return bad("no 2-digit hex code and comma after the sentinel")
	}
	data := s[4 : len(s)-1]
	for i := 0; i < len(data); i++ {
		if data[i] < 0x20 || data[i] > 0x7e {
			return bad("control or non-ASCII byte in the data")
		}
	}
	f := Frame{Code: code, Data: data}
	if s[0] == '^' {
		f.Kind = KindAck
		r, ok := hexByte(data)
		if !ok {
			return bad("acknowledgement of ^%02X without a 2-digit response code", code)
		}
		f.Result = Result(r)
		return f, nil
	}
	f.Kind = KindEvent
	var err error
	switch code {
	case EvKeypad:
		f.Keypad, err = parseKeypad(data)
	case EvZones:
		f.Zones, err = parseZones(data)
	case EvPartitions:
		f.Partitions, err = parsePartitions(data)
	case EvCID:
		f.CID, err = parseCID(data)
	case EvZoneTimers:
		f.Timers, err = parseTimers(data)
	}
	if err != nil {
		return bad("%%%02X: %v", code, err)
	}
	return f, nil
}

func hexByte(s string) (byte, bool) {
	if len(s) != 2 || !isHex(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 16, 8)
	return byte(n), err == nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func parseKeypad(data string) (Keypad, error) {
	f := strings.SplitN(data, ",", 5)
	if len(f) != 5 {
		return Keypad{}, errors.New("a keypad update has 5 fields")
	}
	var k Keypad
	if len(f[0]) > 2 || !isDigits(f[0]) {
		return k, errors.New("partition is not a number")
	}
	k.Partition, _ = strconv.Atoi(f[0])
	if k.Partition < 1 || k.Partition > 8 {
		return k, errors.New("partition is not 1-8")
	}
	if len(f[1]) != 4 || !isHex(f[1]) {
		return k, errors.New("LED field is not 4 hex digits")
	}
	leds, _ := strconv.ParseUint(f[1], 16, 16)
	k.LEDs = uint16(leds)
	if len(f[2]) < 1 || len(f[2]) > 3 || !isHex(f[2]) {
		return k, errors.New("zone/user field is not 1-3 hex digits")
	}
	k.Numeric = f[2]
	if len(f[3]) < 1 || len(f[3]) > 2 || !isHex(f[3]) {
		return k, errors.New("beep field is not 1-2 hex digits")
	}
	b, _ := strconv.ParseUint(f[3], 16, 8)
	k.Beep, k.Night = int(b&0x0F), b&0x10 != 0
	if k.Beep > 5 || b&^0x1F != 0 {
		return k, errors.New("beep field is not 0-5, with the night bit or not")
	}
	if len(f[4]) > AlphaLen {
		return k, fmt.Errorf("LCD text longer than %d characters", AlphaLen)
	}
	k.Alpha = f[4]
	return k, nil
}

func parseZones(data string) (Zones, error) {
	var z Zones
	if (len(data) != 16 && len(data) != 32) || !isHex(data) {
		return z, errors.New("zone bits are not 16 or 32 hex digits")
	}
	z.Count = len(data) * 4
	for i := 0; i < len(data)/2; i++ {
		b, _ := hexByte(data[2*i : 2*i+2])
		// Little-endian string of bytes, each byte MSbit left: byte i
		// holds zones 8i+1 (bit 0) to 8i+8 (bit 7).
		z.Open[i/8] |= uint64(b) << uint(8*(i%8))
	}
	return z, nil
}

// partCodes maps the listed two-character status strings to codes.
var partCodes = map[string]PartitionCode{
	"00": PartUnused, "01": PartReady, "02": PartReadyBypass, "03": PartNotReady, "04": PartArmedStay,
	"05": PartArmedAway, "06": PartArmedInst, "07": PartExitDelay, "08": PartAlarm, "09": PartAlarmMemory, "10": PartArmedMax,
}

func parsePartitions(data string) (Partitions, error) {
	var p Partitions
	if len(data) < 2 || len(data) > 16 || len(data)%2 != 0 || !isHex(data) {
		return p, errors.New("partition states are not 1-8 pairs of hex digits")
	}
	p.Count = len(data) / 2
	for i := 0; i < p.Count; i++ {
		raw := strings.ToUpper(data[2*i : 2*i+2])
		c, ok := partCodes[raw]
		if !ok {
			c = PartOther
		}
		p.State[i], p.Raw[i] = c, raw
	}
	return p, nil
}

func parseCID(data string) (CID, error) {
	var c CID
	if len(data) != 10 || !isDigits(data) {
		return c, errors.New("a Contact ID event is 10 digits")
	}
	c.Qualifier = int(data[0] - '0')
	if c.Qualifier != QualEvent && c.Qualifier != QualRestore && c.Qualifier != QualStill {
		return c, errors.New("qualifier is not 1, 3 or 6")
	}
	if data[9] != '0' {
		return c, errors.New("the last digit of a Contact ID event is always 0")
	}
	c.Code, _ = strconv.Atoi(data[1:4])
	c.Partition, _ = strconv.Atoi(data[4:6])
	c.ZoneUser, _ = strconv.Atoi(data[6:9])
	return c, nil
}

func parseTimers(data string) ([]uint16, error) {
	if (len(data) != 256 && len(data) != 512) || !isHex(data) {
		return nil, errors.New("zone timers are not 256 or 512 hex digits")
	}
	t := make([]uint16, len(data)/4)
	for i := range t {
		lo, _ := hexByte(data[4*i : 4*i+2])
		hi, _ := hexByte(data[4*i+2 : 4*i+4])
		t[i] = uint16(hi)<<8 | uint16(lo)
	}
	return t, nil
}

// AppendCommand appends the command ^CC,data$ to b.
func AppendCommand(b []byte, code byte, data string) []byte {
	b = append(b, '^')
	b = appendHex(b, code)
	b = append(b, ',')
	b = append(b, data...)
	return append(b, '$')
}

// AppendKeypress appends ^03,P,K$: key (0-9, *, #, A-D) to partition p.
func AppendKeypress(b []byte, p int, key byte) []byte {
	b = append(b, "^03,"...)
	b = strconv.AppendInt(b, int64(p), 10)
	return append(b, ',', key, '$')
}

// AppendAck appends the acknowledgement ^CC,EE$ and CR LF.
func AppendAck(b []byte, code byte, r Result) []byte {
	b = append(b, '^')
	b = appendHex(b, code)
	b = append(b, ',')
	b = appendHex(b, byte(r))
	return append(b, "$\r\n"...)
}

// AppendEvent appends %CC,data$ and CR LF.
func AppendEvent(b []byte, code byte, data string) []byte {
	b = append(b, '%')
	b = appendHex(b, code)
	b = append(b, ',')
	b = append(b, data...)
	return append(b, "$\r\n"...)
}

// String is the keypad update's data field, as the Envisalink sends it.
func (k Keypad) String() string {
	b := k.Beep
	if k.Night {
		b |= 0x10
	}
	return fmt.Sprintf("%02d,%04X,%s,%02X,%s", k.Partition, k.LEDs, k.Numeric, b, k.Alpha)
}

// String is the zone bits as the Envisalink sends them.
func (z Zones) String() string {
	b := make([]byte, 0, z.Count/4)
	for i := 0; i < z.Count/8; i++ {
		b = appendHex(b, byte(z.Open[i/8]>>uint(8*(i%8))))
	}
	return string(b)
}

// String is the partition states as the Envisalink sends them.
func (p Partitions) String() string {
	var sb strings.Builder
	for i := 0; i < p.Count; i++ {
		if p.Raw[i] != "" {
			sb.WriteString(p.Raw[i])
		} else {
			fmt.Fprintf(&sb, "%02d", p.State[i])
		}
	}
	return sb.String()
}

func appendHex(b []byte, v byte) []byte {
	const hex = "0123456789ABCDEF"
	return append(b, hex[v>>4], hex[v&15])
}
