package tagid

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors that Parse, ParseAs, ParseFormat and Validate wrap, with
// a message that says what was wrong and what to type instead. Use errors.Is.
var (
	// ErrSyntax: the input is none of the accepted forms.
	ErrSyntax = errors.New("tag ID not recognised")
	// ErrLength: a UID or frame has the wrong number of bytes or bits.
	ErrLength = errors.New("tag ID has the wrong length")
	// ErrRange: a facility or card number does not fit the format.
	ErrRange = errors.New("facility or card number out of range")
	// ErrParity: a Wiegand frame's parity bits do not match its data (the
	// error is a *ParityError).
	ErrParity = errors.New("parity check failed")
	// ErrFormat: an unknown format name, or two names that disagree.
	ErrFormat = errors.New("unknown or conflicting tag format")
)

// tagError is a refusal that unwraps to one of the sentinels.
type tagError struct {
	kind error
	msg  string
}

func (e *tagError) Error() string { return e.msg }
func (e *tagError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &tagError{kind, fmt.Sprintf(format, args...)}
}

// forms is the reminder of what to type that ends most refusals.
const forms = "type a hex UID (04A1B2C3D4E5F6), facility:card (90:324) or a Wiegand frame (W26:0xB40288)"

// Parse reads a tag ID in any of the forms the package comment lists and
// returns it normalised. The error wraps ErrSyntax, ErrLength, ErrRange or
// ErrParity and says what to type instead. Parse never panics.
func Parse(s string) (ID, error) {
	return parse(s, "")
}

// ParseAs is Parse with the format given: f decides how the input is read,
// so "1:1" is a 34-bit card for FormatH10306 and "12345678" a card number for
// FormatH10302. An input that names its own format must agree with f (a bit
// length such as W37 agrees with both 37-bit formats), or the error wraps
// ErrFormat, as it does for an f this package does not know. f == "" is
// Parse; ParseFormat turns a column's text into f.
func ParseAs(s string, f Format) (ID, error) {
	if f != "" && f != FormatUID && layoutOf(f) == nil {
		return ID{}, errorf(ErrFormat, "unknown tag format %s: use one of %s", quote(string(f)), formatList)
	}
	return parse(s, f)
}

// fixOne ends the refusal of an ID whose format disagrees with the one given.
const fixOne = "check which is right and correct the other"

func parse(s string, want Format) (ID, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return ID{}, errorf(ErrSyntax, "tag ID is empty: %s", forms)
	}
	if named, nbits, body, ok := splitPrefix(t); ok {
		f := named
		switch {
		case want == "":
		case named != "" && named != want:
			return ID{}, errorf(ErrFormat, "the tag ID says %s but the format given is %s: %s", named, want, fixOne)
		case named == "" && want.Bits() != nbits:
			return ID{}, errorf(ErrFormat, "the tag ID says %d bits but the format given is %s: %s", nbits, want, fixOne)
		default:
			f = want
		}
		if f == "" {
			f = layoutForBits(nbits).format
		}
		return parseIn(body, f)
	}
	if want != "" {
		return parseIn(t, want)
	}
	return parseAuto(t)
}

// splitPrefix recognises a format name in front of a colon. named is the
// format a full name gives; a bit length (W26, or a bare 26 in front of
// exactly 26 binary digits) gives only nbits. A bare number is a prefix only
// in that case, as "26:324" is facility 26, card 324; no card number has 26
// digits, so "26:<26 bits>" cannot be one.
func splitPrefix(t string) (named Format, nbits int, body string, ok bool) {
	i := strings.IndexByte(t, ':')
	if i <= 0 || i > 6 {
		return "", 0, "", false
	}
	name, body := t[:i], t[i+1:]
	switch {
	case foldEq(name, "uid"):
		return FormatUID, 0, body, true
	case foldEq(name, "h10301"):
		return FormatH10301, 26, body, true
	case foldEq(name, "h10306"):
		return FormatH10306, 34, body, true
	case foldEq(name, "h10304"):
		return FormatH10304, 37, body, true
	case foldEq(name, "h10302"):
		return FormatH10302, 37, body, true
	case foldEq(name, "w26"):
		return "", 26, body, true
	case foldEq(name, "w34"):
		return "", 34, body, true
	case foldEq(name, "w37"):
		return "", 37, body, true
	case name == "26" || name == "34" || name == "37":
		n := int(name[0]-'0')*10 + int(name[1]-'0')
		if binaryDigits(strings.TrimSpace(body)) == n {
			return "", n, body, true
		}
	}
	return "", 0, "", false
}

// parseAuto reads an input that names no format.
func parseAuto(t string) (ID, error) {
	n := binaryDigits(t)
	if l := layoutForBits(n); l != nil {
		return parseBinFrame(t, l)
	}
	// Only UIDs of 8, 14 or 20 digits can be all ones and zeros; longer
	// runs of them are frames of a length no format has.
	if n > 20 {
		return ID{}, errorf(ErrLength, "a Wiegand frame has 26, 34 or 37 bits, this one has %d: "+
			"read the card again, or type the facility:card printed on it (90:324)", n)
	}
	if strings.Count(t, ":") == 1 {
		return parseFacilityCard(t, nil)
	}
	return parseUID(t)
}

// parseIn reads body as a tag ID of format f.
func parseIn(body string, f Format) (ID, error) {
	body = strings.TrimSpace(body)
	if f == FormatUID {
		if body == "" {
			return ID{}, errorf(ErrSyntax, "nothing after UID: type the UID in hex (UID:04A1B2C3D4E5F6)")
		}
		return parseUID(body)
	}
	l := layoutOf(f)
	if body == "" {
		return ID{}, errorf(ErrSyntax, "no card after %s: %s", f, l.bodyForms())
	}
	if len(body) >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		return parseHexFrame(body[2:], l)
	}
	if len(body) >= 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B') {
		return parseBinFrame(body[2:], l)
	}
	n := binaryDigits(body)
	switch {
	case n == l.bits:
		return parseBinFrame(body, l)
	case strings.IndexByte(body, ':') >= 0:
		return parseFacilityCard(body, l)
	case l.fcLen == 0 && allDigits(body):
		cn, ok := parseDecimal(body)
		if !ok || cn > l.maxCard {
			return ID{}, l.rangeError(0, cn)
		}
		return ID{Format: f, Card: cn}, nil
	case n > 20:
		return ID{}, errorf(ErrLength, "an %s frame has %d bits, this one has %d: read the card again, or %s",
			f, l.bits, n, l.bodyForms())
	}
	return ID{}, errorf(ErrSyntax, "after %s: %s", f, l.bodyForms())
}

// bodyForms says what may follow the format's name.
func (l *layout) bodyForms() string {
	if l.fcLen == 0 {
		return fmt.Sprintf("type the card number (H10302:12345678), the %d bits of the frame, or its hex with 0x (H10302:0x2)",
			l.bits)
	}
	return fmt.Sprintf("type facility:card (%s:90:324), the %d bits of the frame, or its hex with 0x (%s:0x%X)",
		l.format, l.bits, l.format, l.encode(90, 324))
}

// parseFacilityCard reads "facility:card" in decimal, into l, or into the
// smallest format that holds both numbers when l is nil.
func parseFacilityCard(s string, l *layout) (ID, error) {
	i := strings.IndexByte(s, ':')
	left, right := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	if l != nil && l.fcLen == 0 {
		return ID{}, l.rangeError(1, 0)
	}
	if left == "" || right == "" {
		return ID{}, errorf(ErrSyntax, "facility:card needs both numbers (90:324): %s", forms)
	}
	if !allDigits(left) || !allDigits(right) {
		if l != nil {
			return ID{}, errorf(ErrSyntax, "facility:card takes two decimal numbers: %s", l.bodyForms())
		}
		return ID{}, errorf(ErrSyntax, "facility:card takes two decimal numbers (90:324), and a hex UID "+
			"is written with no separators or one between every byte (04:A1:B2:C3): %s", forms)
	}
	fc, okF := parseDecimal(left)
	cn, okC := parseDecimal(right)
	if l == nil {
		f, ok := smallestFormat(fc, cn)
		if !ok || !okF || !okC {
			return ID{}, noFormatError(fc, cn, okF, okC)
		}
		l = layoutOf(f)
	}
	if !okF || !okC || fc > l.maxFacility || cn > l.maxCard {
		return ID{}, l.rangeError(fc, cn)
	}
	return ID{Format: l.format, Facility: uint32(fc), Card: cn}, nil
}

// noFormatError refuses facility:card numbers that no format holds.
func noFormatError(fc, cn uint64, okF, okC bool) error {
	const limits = "26-bit H10301 holds facility 0-255 and card 0-65535, 34-bit H10306 0-65535 and 0-65535, " +
		"37-bit H10304 0-65535 and 0-524287"
	var bad string
	switch {
	case (!okF || fc > layoutH10304.maxFacility) && (!okC || cn > layoutH10304.maxCard):
		bad = fmt.Sprintf("facility %s and card %s are both too large", number(fc), number(cn))
	case !okF || fc > layoutH10304.maxFacility:
		bad = fmt.Sprintf("facility %s is too large", number(fc))
	default:
		bad = fmt.Sprintf("card %s is too large", number(cn))
	}
	next := "check the numbers on the card"
	if fc == 0 && okC && cn <= layoutH10302.maxCard {
		next = fmt.Sprintf("check the numbers, or for a 37-bit H10302 card, which has no facility code, type H10302:%d", cn)
	}
	return errorf(ErrRange, "%s: %s; %s", bad, limits, next)
}

// parseBinFrame reads a frame of l.bits '0' and '1', spaces allowed.
func parseBinFrame(s string, l *layout) (ID, error) {
	if n := binaryDigits(s); n != l.bits {
		if n < 0 {
			return ID{}, errorf(ErrSyntax, "a binary frame holds only 0 and 1 (spaces allowed): %s", l.bodyForms())
		}
		return ID{}, errorf(ErrLength, "an %s frame has %d bits, this one has %d: read the card again, or %s",
			l.format, l.bits, n, l.bodyForms())
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '0' || c == '1' {
			v = v<<1 | uint64(c-'0')
		}
	}
	return l.decode(v)
}

// parseHexFrame reads a frame written in hex (without its 0x).
func parseHexFrame(h string, l *layout) (ID, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return ID{}, errorf(ErrSyntax, "no hex digits after 0x: %s", l.bodyForms())
	}
	var v uint64
	for i := 0; i < len(h); i++ {
		d, ok := hexValue(h[i])
		if !ok {
			return ID{}, errorf(ErrSyntax, "%s is not a hex digit: %s", charAt(h, i), l.bodyForms())
		}
		// v stays below 1<<l.bits (at most 37 bits), so the shift cannot
		// overflow however many leading zeros come first.
		v = v<<4 | uint64(d)
		if v>>l.bits != 0 {
			return ID{}, errorf(ErrLength, "the hex frame has more than %d bits, the length of a %s frame: "+
				"read the card again, or name the right format (W26:, W34:, W37:)", l.bits, l.format)
		}
	}
	return l.decode(v)
}

// parseUID reads a hex UID: optional 0x, and either no separators or one of
// ':', '-', ' ' between every two digits.
func parseUID(s string) (ID, error) {
	start := 0
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		start = 2
	}
	var buf [20]byte
	digits, group, seps := 0, 0, 0
	badGroup := false
	for i := start; i < len(s); i++ {
		c := s[i]
		if d, ok := hexValue(c); ok {
			if digits < len(buf) {
				buf[digits] = d
			}
			digits++
			group++
			continue
		}
		if c != ':' && c != '-' && c != ' ' {
			return ID{}, errorf(ErrSyntax, "%s at character %d does not belong in a tag ID: %s", charAt(s, i), i+1, forms)
		}
		if group != 2 {
			badGroup = true
		}
		group = 0
		seps++
	}
	if seps > 0 && group != 2 {
		badGroup = true
	}
	if badGroup {
		return ID{}, errorf(ErrSyntax, "a hex UID with separators has one between every byte of two digits "+
			"(04:A1:B2:C3 or 04-A1-B2-C3), or none (04A1B2C3): %s", forms)
	}
	n := digits / 2
	if digits%2 == 0 && (n == 4 || n == 7 || n == 10) {
		uid := make([]byte, n)
		for i := range uid {
			uid[i] = buf[2*i]<<4 | buf[2*i+1]
		}
		return ID{Format: FormatUID, UID: uid}, nil
	}
	em := ""
	if digits == 10 {
		em = " (5-byte EM4100 IDs are not supported)"
	}
	// A decimal number of a length no UID has is most likely a card number
	// typed without its facility code or format.
	if allDigits(s) {
		return ID{}, errorf(ErrLength, "a number of %d digits on its own is no tag ID%s: type facility:card (90:324), "+
			"a card number with its format (H10302:12345678), a hex UID of 8, 14 or 20 digits, "+
			"or a Wiegand frame (W26:0xB40288)", digits, em)
	}
	if digits%2 != 0 {
		return ID{}, errorf(ErrLength, "a hex UID has two digits a byte, this one has %d digits: "+
			"check for a missing or extra digit, or %s", digits, forms)
	}
	return ID{}, errorf(ErrLength, "a hex UID has 4, 7 or 10 bytes (8, 14 or 20 digits), this one has %d%s: %s",
		n, em, forms)
}

// binaryDigits is the number of '0' and '1' in s when s holds only those
// and spaces, and -1 otherwise (also for an s without digits).
func binaryDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '0', '1':
			n++
		case ' ':
		default:
			return -1
		}
	}
	if n == 0 {
		return -1
	}
	return n
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// maxDecimal caps parseDecimal well above every limit, so that no input can
// overflow it and the numbers a message repeats stay short.
const maxDecimal = 1 << 40

// parseDecimal reads the ASCII digits s; ok is false when the number is
// above maxDecimal, and then n is maxDecimal.
func parseDecimal(s string) (n uint64, ok bool) {
	for i := 0; i < len(s); i++ {
		n = n*10 + uint64(s[i]-'0')
		if n > maxDecimal {
			return maxDecimal, false
		}
	}
	return n, true
}

// number writes a number for a message; maxDecimal stands for anything
// larger.
func number(n uint64) string {
	if n >= maxDecimal {
		return "(over a trillion)"
	}
	return strconv.FormatUint(n, 10)
}

func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// foldEq compares s with the lower-case ASCII name, ignoring ASCII case only:
// strings.EqualFold would also match Unicode look-alikes, which would then
// have a canonical form spelt differently.
func foldEq(s, name string) bool {
	if len(s) != len(name) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// charAt quotes the character at byte i of s for a message, whole even when
// it is a multi-byte or invalid UTF-8 sequence.
func charAt(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte %#02x", s[i])
	}
	return strconv.QuoteRune(r)
}

// quote quotes operator input for a message, cut short so that a pasted
// paragraph does not become the message.
func quote(s string) string {
	const max = 24
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
