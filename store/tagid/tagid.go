// Package tagid normalises and validates proximity tag IDs: the hex UID of a
// smart card or fob, or the facility code and card number of a Wiegand card,
// with the Wiegand parity bits checked.
//
// A tag ID is unique across the site (PRODUCT.md §7, §10): the store refuses
// a second tag with the same ID, and the CSV import fails when a card repeats.
// That check is only as good as the key it compares, so every spelling of one
// card must normalise to the same key, and two different cards never may.
// "04:a1:b2:c3", "0x04A1B2C3" and "04 A1 B2 C3" are one MIFARE card, and
// "090:0324", "90:324" and the 26-bit frame 00101101000000001010001000 are
// one H10301 card; ID.String gives the one canonical spelling of each, to be
// used as the key. Parsing is pure and standard-library only.
//
// # Formats
//
// The Wiegand layouts follow DOMAIN.md §1.9 (HID tech tip 5 for 26-bit, the
// ooaccess.com 37-bit page and proxmark3's client/src/wiegand_formats.c). Bit
// positions count from 0 at the left, the first bit a reader sends; "even"
// means the parity bit makes the number of ones in its range, itself included,
// even, and "odd" makes it odd.
//
//	H10301  26 bits  P FFFFFFFF CCCCCCCCCCCCCCCC P
//	                 bit 0 even over bits 1-12, bit 25 odd over bits 13-24
//	                 facility 0-255, card 0-65535
//	H10306  34 bits  P FFFFFFFFFFFFFFFF CCCCCCCCCCCCCCCC P
//	                 bit 0 even over bits 1-16, bit 33 odd over bits 17-32
//	                 facility 0-65535, card 0-65535
//	H10304  37 bits  P FFFFFFFFFFFFFFFF CCCCCCCCCCCCCCCCCCC P
//	                 bit 0 even over bits 1-18, bit 36 odd over bits 18-35
//	                 (the ranges share bit 18); facility 0-65535, card 0-524287
//	H10302  37 bits  P CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC P
//	                 parity as H10304; no facility, card 0-34359738367
//
// DOMAIN.md gives H10302's layout "from memory"; the one above is checked
// against proxmark3's Pack_H10302. H10302 and H10304 frames have the same
// length and parity, so a 37-bit frame alone cannot tell them apart: Parse
// reads an unnamed 37-bit frame as H10304 (the one with a facility code, which
// the facility:card shorthand needs) and H10302 must be named.
//
// A UID is the serial number of an ISO/IEC 14443 card (MIFARE, DESFire and
// the like): 4, 7 or 10 bytes, its single, double and triple sizes. DOMAIN.md
// does not list tag technologies, so those three sizes are the standard's, and
// 5-byte EM4100 IDs, which DOMAIN.md does not mention, are refused.
//
// # Canonical forms
//
//	04A1B2C3D4E5F6   a UID: upper-case hex, no separators
//	90:324           facility:card in decimal, when the format is the smallest
//	                 that holds both numbers (the one Parse picks for "90:324")
//	H10306:1:1       facility:card of a card in a larger format than the
//	                 numbers need, so that it parses back to the same format
//	H10302:12345678  an H10302 card number
//
// The format stays in the key where it is not implied, because the same
// numbers in two formats are two different cards (DOMAIN.md §1.9: key cards by
// format, facility and card, not by card alone). The longest key is 20
// characters, a 10-byte UID; the longest Wiegand ones, H10304:65535:65535 and
// H10302:34359738367, are 18.
//
// # What Parse accepts
//
// Leading and trailing white space is ignored; names and hex digits are
// case-insensitive.
//
//   - A UID in hex, 8, 14 or 20 digits, with an optional 0x, either without
//     separators or with one ':', '-' or space between every two digits:
//     04A1B2C3, 0x04a1b2c3, 04:A1:B2:C3, 04-a1-b2-c3, "04 A1 B2 C3".
//   - facility:card in decimal (90:324, 0090:00324). Parse picks the smallest
//     format that holds both numbers: H10301 when facility <= 255 and card <=
//     65535, else H10306 when both are <= 65535, else H10304 when facility <=
//     65535 and card <= 524287. So on a site of 34- or 37-bit cards the
//     format must be named (below, or with ParseAs), or a card with small
//     numbers is taken for a 26-bit one.
//   - A raw frame as its 26, 34 or 37 bits, '0' and '1', spaces allowed
//     between them as reader manuals print them: 00101101000000001010001000,
//     "0 01011010 0000000101000100 0", or with its length in front,
//     26:00101101000000001010001000.
//   - Any of the above behind a format name and a colon, which forces the
//     format: UID:, H10301:, H10306:, H10304:, H10302:, or the bit length W26:,
//     W34:, W37: (W37 is H10304). After a Wiegand name the body is
//     facility:card, the frame's bits, the frame in hex with 0x
//     (W26:0xB40288, H10304:0x1000100002), or for H10302 the card number
//     alone (H10302:12345678). Hex needs the name because hex alone does not
//     say how many bits the frame has.
//
// ParseAs forces a format named elsewhere, for example by an import column.
package tagid

import (
	"bytes"
	"strconv"
)

// Format is the kind of a tag ID. Its value is stored and shown, so it never
// changes.
type Format string

// Tag ID formats.
const (
	// FormatUID is the serial number of an ISO/IEC 14443 card or fob
	// (MIFARE, DESFire, ...): 4, 7 or 10 bytes.
	FormatUID Format = "UID"
	// FormatH10301 is the 26-bit HID H10301 Wiegand format: 8-bit facility,
	// 16-bit card.
	FormatH10301 Format = "H10301"
	// FormatH10306 is the 34-bit HID H10306 (generic 34-bit) Wiegand format:
	// 16-bit facility, 16-bit card.
	FormatH10306 Format = "H10306"
	// FormatH10304 is the 37-bit HID H10304 Wiegand format: 16-bit facility,
	// 19-bit card.
	FormatH10304 Format = "H10304"
	// FormatH10302 is the 37-bit HID H10302 Wiegand format: a 35-bit card
	// number and no facility code.
	FormatH10302 Format = "H10302"
)

// Bits is the length of the format's Wiegand frame: 26, 34 or 37, and 0 for
// FormatUID or a Format this package does not know.
func (f Format) Bits() int {
	if l := layoutOf(f); l != nil {
		return l.bits
	}
	return 0
}

// ID is a parsed tag ID. Parse fills UID for FormatUID and Facility and Card
// for the Wiegand formats, and leaves the others zero. IDs hold a slice, so
// compare them with Equal or by String, not with ==.
type ID struct {
	Format   Format
	Facility uint32 // facility (site) code; always 0 for H10302
	// Card is the card number. It is 64 bits wide because an H10302 card
	// number has 35 bits; in the other formats it fits in 16 or 19.
	Card uint64
	UID  []byte
}

// String is the canonical spelling of the ID (see the package comment): the
// key that makes tag IDs unique across the site. Parse(id.String()) gives back
// an ID Equal to id for every ID Parse can return. An ID that fails Validate,
// the zero ID among them, gives "", which is no tag's key: a hand-made bad ID
// can never pass for another card.
func (id ID) String() string {
	if !id.valid() {
		return ""
	}
	switch id.Format {
	case FormatUID:
		const digits = "0123456789ABCDEF"
		b := make([]byte, 2*len(id.UID))
		for i, c := range id.UID {
			b[2*i], b[2*i+1] = digits[c>>4], digits[c&0x0f]
		}
		return string(b)
	case FormatH10302:
		return string(FormatH10302) + ":" + strconv.FormatUint(id.Card, 10)
	case FormatH10301, FormatH10306, FormatH10304:
		var buf [40]byte
		b := buf[:0]
		if f, _ := smallestFormat(uint64(id.Facility), id.Card); f != id.Format {
			b = append(append(b, id.Format...), ':')
		}
		b = strconv.AppendUint(b, uint64(id.Facility), 10)
		b = append(b, ':')
		b = strconv.AppendUint(b, id.Card, 10)
		return string(b)
	}
	return ""
}

// Equal reports whether id and o are the same tag ID.
func (id ID) Equal(o ID) bool {
	return id.Format == o.Format && id.Facility == o.Facility && id.Card == o.Card &&
		bytes.Equal(id.UID, o.UID)
}

// valid is Validate without building an error, for String and Bits.
func (id ID) valid() bool {
	if id.Format == FormatUID {
		n := len(id.UID)
		return id.Facility == 0 && id.Card == 0 && (n == 4 || n == 7 || n == 10)
	}
	l := layoutOf(id.Format)
	return l != nil && len(id.UID) == 0 && uint64(id.Facility) <= l.maxFacility && id.Card <= l.maxCard
}

// Validate reports whether id is an ID Parse could return: a known format,
// numbers in its range, and a UID of 4, 7 or 10 bytes exactly where the
// format is FormatUID. It is for IDs built by hand or read back from storage.
func (id ID) Validate() error {
	if id.Format == FormatUID {
		if id.Facility != 0 || id.Card != 0 {
			return errorf(ErrSyntax, "a UID tag has no facility or card number: clear them")
		}
		if n := len(id.UID); n != 4 && n != 7 && n != 10 {
			return errorf(ErrLength, "a UID must be 4, 7 or 10 bytes, this one has %d: read the tag again", n)
		}
		return nil
	}
	l := layoutOf(id.Format)
	if l == nil {
		return errorf(ErrFormat, "unknown tag format %s: use one of %s", quote(string(id.Format)), formatList)
	}
	if len(id.UID) != 0 {
		return errorf(ErrSyntax, "an %s card has no UID: clear it", id.Format)
	}
	if uint64(id.Facility) > l.maxFacility || id.Card > l.maxCard {
		return l.rangeError(uint64(id.Facility), id.Card)
	}
	return nil
}

// Bits is the Wiegand frame of the card, parity bits included, as the reader
// sends it: the first bit sent is the most significant of the n low bits of
// frame. It returns (0, 0) for a UID and for an ID that fails Validate.
func (id ID) Bits() (frame uint64, n int) {
	l := layoutOf(id.Format)
	if l == nil || !id.valid() {
		return 0, 0
	}
	return l.encode(uint64(id.Facility), id.Card), l.bits
}

// BitString is Bits written out as '0' and '1', first bit sent first, the way
// reader manuals and Wiegand calculators print frames; Parse reads it back. It
// is "" where Bits has no frame.
func (id ID) BitString() string {
	v, n := id.Bits()
	b := make([]byte, n)
	for i := range b {
		b[i] = '0' + byte(v>>(n-1-i)&1)
	}
	return string(b)
}

// ParseFormat reads a format's name as an import column or a setting may give
// it: a Format value (H10301, UID), a bit length (26, 26-bit, W26, Wiegand 26)
// or "" for "not named", which gives "" so that ParseAs falls back to Parse.
// Case, spaces, hyphens and underscores are ignored. A bare 37 means H10304,
// the 37-bit format with a facility code; H10302 must be named.
func ParseFormat(name string) (Format, error) {
	var buf [16]byte
	key := buf[:0]
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == ' ' || c == '\t' || c == '-' || c == '_':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if len(key) == len(buf) {
			return "", errorf(ErrFormat, "unknown tag format: use one of %s", formatList)
		}
		key = append(key, c)
	}
	switch string(key) {
	case "":
		return "", nil
	case "uid":
		return FormatUID, nil
	case "h10301", "26", "26bit", "w26", "wiegand26":
		return FormatH10301, nil
	case "h10306", "34", "34bit", "w34", "wiegand34":
		return FormatH10306, nil
	case "h10304", "37", "37bit", "w37", "wiegand37":
		return FormatH10304, nil
	case "h10302":
		return FormatH10302, nil
	}
	return "", errorf(ErrFormat, "unknown tag format %s: use one of %s", quote(name), formatList)
}

// formatList names the formats in the order messages list them.
const formatList = "UID, H10301 (26-bit), H10306 (34-bit), H10304 (37-bit) or H10302 (37-bit, no facility)"
