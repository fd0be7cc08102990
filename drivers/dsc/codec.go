package dsc

import (
	"fmt"
	"strings"
)

// Code is a frame's 3-digit command code ("030"), as it travels.
type Code string

// Commands the application sends (TPI document §3.2). The IT-100 takes the
// same ones, without 005.
const (
	CmdPoll            Code = "000"
	CmdStatus          Code = "001"
	CmdDumpZoneTimers  Code = "008"
	CmdLogin           Code = "005"
	CmdSetTime         Code = "010"
	CmdOutput          Code = "020"
	CmdArmAway         Code = "030"
	CmdArmStay         Code = "031"
	CmdArmZeroEntry    Code = "032"
	CmdArmWithCode     Code = "033"
	CmdDisarm          Code = "040"
	CmdTimestamp       Code = "055"
	CmdTimeBroadcast   Code = "056"
	CmdTempBroadcast   Code = "057"
	CmdPanic           Code = "060"
	CmdKey             Code = "070"
	CmdKeys            Code = "071"
	CmdUserProgramming Code = "072"
	CmdUserOptions     Code = "073"
	CmdKeepAlive       Code = "074"
	CmdCodeSend        Code = "200"
)

// What the TPI (or the IT-100) sends (TPI document §3.3).
const (
	RespAck              Code = "500"
	RespCommandError     Code = "501"
	RespSystemError      Code = "502"
	RespLogin            Code = "505"
	RespLED              Code = "510"
	RespLEDFlash         Code = "511"
	RespTime             Code = "550"
	RespZoneAlarm        Code = "601"
	RespZoneAlarmRestore Code = "602"
	RespZoneTamper       Code = "603"
	RespZoneTamperRest   Code = "604"
	RespZoneFault        Code = "605"
	RespZoneFaultRestore Code = "606"
	RespZoneOpen         Code = "609"
	RespZoneRestored     Code = "610"
	RespZoneTimers       Code = "615"
	RespDuress           Code = "620"
	RespReady            Code = "650"
	RespNotReady         Code = "651"
	RespArmed            Code = "652"
	RespReadyForce       Code = "653"
	RespInAlarm          Code = "654"
	RespDisarmed         Code = "655"
	RespExitDelay        Code = "656"
	RespEntryDelay       Code = "657"
	RespLockout          Code = "658"
	RespFailedToArm      Code = "659"
	RespPGM              Code = "660"
	RespInvalidCode      Code = "670"
	RespNotAvailable     Code = "671"
	RespArmFailure       Code = "672"
	RespBusy             Code = "673"
	RespAutoArming       Code = "674"
	RespInstallerMode    Code = "680"
	RespUserClosing      Code = "700"
	RespSpecialClosing   Code = "701"
	RespPartialClosing   Code = "702"
	RespUserOpening      Code = "750"
	RespSpecialOpening   Code = "751"
	RespTroubleOn        Code = "840"
	RespTroubleOff       Code = "841"
	RespVerboseTrouble   Code = "849"
	RespCodeRequired     Code = "900"
	RespOutputPressed    Code = "912"
	RespMasterRequired   Code = "921"
	RespInstallerReq     Code = "922"
)

// codeNames names every code the document lists, for logs and errors.
var codeNames = map[Code]string{
	CmdPoll: "poll", CmdStatus: "status report", CmdDumpZoneTimers: "dump zone timers", CmdLogin: "network login",
	CmdSetTime: "set time and date", CmdOutput: "command output", CmdArmAway: "arm away", CmdArmStay: "arm stay",
	CmdArmZeroEntry: "arm zero entry delay", CmdArmWithCode: "arm with code", CmdDisarm: "disarm",
	CmdTimestamp: "time stamp control", CmdTimeBroadcast: "time broadcast control", CmdTempBroadcast: "temperature broadcast control",
	CmdPanic: "panic alarm", CmdKey: "single keystroke", CmdKeys: "keystroke string", CmdUserProgramming: "enter user code programming",
	CmdUserOptions: "enter user programming", CmdKeepAlive: "keep alive", CmdCodeSend: "code send",
	RespAck: "command acknowledge", RespCommandError: "command error (bad checksum)", RespSystemError: "system error",
	RespLogin: "login interaction", RespLED: "keypad LED state", RespLEDFlash: "keypad LED flash state", RespTime: "time broadcast",
	"560": "ring detected", "561": "indoor temperature", "562": "outdoor temperature",
	RespZoneAlarm: "zone alarm", RespZoneAlarmRestore: "zone alarm restore", RespZoneTamper: "zone tamper",
	RespZoneTamperRest: "zone tamper restore", RespZoneFault: "zone fault", RespZoneFaultRestore: "zone fault restore",
	RespZoneOpen: "zone open", RespZoneRestored: "zone restored", RespZoneTimers: "zone timer dump", "616": "bypassed zones",
	RespDuress: "duress alarm", "621": "[F] key alarm", "622": "[F] key restore", "623": "[A] key alarm", "624": "[A] key restore",
	"625": "[P] key alarm", "626": "[P] key restore", "631": "2-wire smoke/aux alarm", "632": "2-wire smoke/aux restore",
	RespReady: "partition ready", RespNotReady: "partition not ready", RespArmed: "partition armed",
	RespReadyForce: "partition ready, force arming enabled", RespInAlarm: "partition in alarm", RespDisarmed: "partition disarmed",
	RespExitDelay: "exit delay in progress", RespEntryDelay: "entry delay in progress", RespLockout: "keypad lock-out",
	RespFailedToArm: "partition failed to arm", RespPGM: "PGM output in progress", "663": "chime enabled", "664": "chime disabled",
	RespInvalidCode: "invalid access code", RespNotAvailable: "function not available", RespArmFailure: "failure to arm",
	RespBusy: "partition busy", RespAutoArming: "system arming in progress", RespInstallerMode: "system in installers mode",
	RespUserClosing: "user closing", RespSpecialClosing: "special closing", RespPartialClosing: "partial closing",
	RespUserOpening: "user opening", RespSpecialOpening: "special opening",
	"800": "panel battery trouble", "801": "panel battery restore", "802": "panel AC trouble", "803": "panel AC restore",
	"806": "system bell trouble", "807": "system bell restore", "814": "FTC trouble", "815": "FTC restore",
	"816": "buffer near full", "829": "general system tamper", "830": "general system tamper restore",
	RespTroubleOn: "trouble LED on", RespTroubleOff: "trouble LED off", "842": "fire trouble alarm", "843": "fire trouble restore",
	RespVerboseTrouble: "verbose trouble status", RespCodeRequired: "code required", RespOutputPressed: "command output pressed",
	RespMasterRequired: "master code required", RespInstallerReq: "installers code required",
}

// Name says what a code means ("partition ready"), or "code NNN" for one
// the document does not list.
func (c Code) Name() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "code " + string(c)
}

// Frame is one DSC frame: a command code and its data, without the
// checksum and the CR LF.
type Frame struct {
	Cmd  Code
	Data string
}

// secretData reports whether a frame's data can hold a secret: the TPI
// password (005), a user or master code (033, 040, 200) or keys that type
// one (070, 071).
func (f Frame) secretData() bool {
	switch f.Cmd {
	case CmdLogin, CmdArmWithCode, CmdDisarm, CmdCodeSend, CmdKey, CmdKeys:
		return true
	}
	return false
}

// String shows the frame for a log line: code, name and data, with the
// data of a frame that can carry a secret hidden (its partition digit
// kept where it has one).
func (f Frame) String() string {
	if !f.secretData() {
		if f.Data == "" {
			return fmt.Sprintf("%s (%s)", f.Cmd, f.Cmd.Name())
		}
		return fmt.Sprintf("%s %s (%s)", f.Cmd, f.Data, f.Cmd.Name())
	}
	switch f.Cmd {
	case CmdLogin, CmdCodeSend, CmdKey:
		return fmt.Sprintf("%s [hidden] (%s)", f.Cmd, f.Cmd.Name())
	}
	p := ""
	if f.Data != "" {
		p = f.Data[:1] + " "
	}
	return fmt.Sprintf("%s %s[%d hidden] (%s)", f.Cmd, p, max(len(f.Data)-1, 0), f.Cmd.Name())
}

// Checksum is the frame checksum of s (command and data): the sum of its
// bytes, truncated to 8 bits (TPI document §3.1).
func Checksum(s string) byte {
	var sum byte
	for i := 0; i < len(s); i++ {
		sum += s[i]
	}
	return sum
}

const (
	hexDigits = "0123456789ABCDEF"
	hexLower  = "0123456789abcdef"
)

// Append appends the frame as it travels: command, data, two upper-case
// hex digits of checksum, CR LF.
func (f Frame) Append(b []byte) []byte {
	sum := Checksum(string(f.Cmd)) + Checksum(f.Data)
	b = append(b, f.Cmd...)
	b = append(b, f.Data...)
	return append(b, hexDigits[sum>>4], hexDigits[sum&0xF], '\r', '\n')
}

// Encode returns the frame as it travels.
func (f Frame) Encode() []byte { return f.Append(nil) }

// MaxLine is the longest line the decoder takes, CR LF excluded: the
// longest frame the document lists (615, 256 characters of zone timers)
// with a time stamp prefix (055).
const MaxLine = timestampLen + 3 + 256 + 2

// timestampLen is the time stamp prefix the TPI puts before every frame
// when time stamps are on (055): 8 characters and a space, outside the
// checksum.
const timestampLen = 9

// DecodeStats counts the lines a Decoder threw away.
type DecodeStats struct {
	Frames       int // good frames
	BadChecksums int // lines whose checksum did not match
	Garbled      int // lines too short, too long, without CR, or with a bad code, checksum digit or character
}

// Decoder cuts a byte stream into frames: it checks each line's form and
// checksum and counts the lines it throws away. The zero value is ready.
type Decoder struct {
	line  []byte
	drop  bool // the current line ran past MaxLine: skip to its end
	Stats DecodeStats
}

// Feed decodes p, which may end in the middle of a line (the rest waits
// for the next Feed), and calls emit for each good frame.
func (d *Decoder) Feed(p []byte, emit func(Frame)) {
	for len(p) > 0 {
		i := indexLF(p)
		if i < 0 {
			if !d.drop {
				if len(d.line)+len(p) > MaxLine+1 { // +1: the CR may end this chunk
					d.drop, d.line = true, d.line[:0]
				} else {
					d.line = append(d.line, p...)
				}
			}
			return
		}
		if d.drop {
			d.drop = false
			d.Stats.Garbled++
		} else if len(d.line)+i > MaxLine+1 {
			d.Stats.Garbled++
		} else {
			d.line = append(d.line, p[:i]...)
			d.decodeLine(d.line, emit)
		}
		d.line = d.line[:0]
		p = p[i+1:]
	}
}

func indexLF(p []byte) int {
	for i, c := range p {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// decodeLine checks one line (LF removed) and emits its frame.
func (d *Decoder) decodeLine(l []byte, emit func(Frame)) {
	f, err := ParseLine(l)
	switch err {
	case nil:
		d.Stats.Frames++
		emit(f)
	case errChecksum:
		d.Stats.BadChecksums++
	default:
		d.Stats.Garbled++
	}
}

type lineError string

func (e lineError) Error() string { return string(e) }

const (
	errChecksum = lineError("bad checksum")
	errGarbled  = lineError("garbled line")
)

// ParseLine decodes one line, its LF removed but its CR kept: an optional
// time stamp, a 3-digit code, data of printable ASCII, two upper-case hex
// checksum digits, CR.
func ParseLine(l []byte) (Frame, error) {
	if len(l) == 0 || l[len(l)-1] != '\r' {
		return Frame{}, errGarbled
	}
	l = l[:len(l)-1]
	if len(l) > timestampLen+5 && l[timestampLen-1] == ' ' && timestamp(l[:timestampLen-1]) {
		l = l[timestampLen:]
	}
	if len(l) < 5 || len(l) > 3+256+2 {
		return Frame{}, errGarbled
	}
	for _, c := range l[:3] {
		if c < '0' || c > '9' {
			return Frame{}, errGarbled
		}
	}
	body, cks := l[:len(l)-2], l[len(l)-2:]
	// Lower-case hex is a bad checksum, as the TPI answers it (501).
	hi, lo := strings.IndexByte(hexDigits, cks[0]), strings.IndexByte(hexDigits, cks[1])
	if hi < 0 || lo < 0 {
		if strings.IndexByte(hexLower, cks[0]|0x20) < 0 || strings.IndexByte(hexLower, cks[1]|0x20) < 0 {
			return Frame{}, errGarbled
		}
		return Frame{}, errChecksum
	}
	for _, c := range body[3:] {
		if c < 0x20 || c > 0x7e {
			return Frame{}, errGarbled
		}
	}
	if Checksum(string(body)) != byte(hi<<4|lo) {
		return Frame{}, errChecksum
	}
	c, ok := knownCodes[string(body[:3])]
	if !ok {
		c = Code(body[:3])
	}
	return Frame{Cmd: c, Data: string(body[3:])}, nil
}

// knownCodes interns the codes the document lists, so that decoding a
// frame does not allocate its code.
var knownCodes = func() map[string]Code {
	m := make(map[string]Code, len(codeNames))
	for c := range codeNames {
		m[string(c)] = c
	}
	return m
}()

// timestamp reports whether p is a time stamp: the document says "an 8
// digit timestamp"; units print it as "HH:MM:SS", so both are taken.
func timestamp(p []byte) bool {
	colons := p[2] == ':' && p[5] == ':'
	for i, c := range p {
		if colons && (i == 2 || i == 5) {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
