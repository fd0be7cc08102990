package tagid

import (
	"fmt"
	"math/bits"
)

// layout is where a Wiegand format keeps its fields and parity bits.
// Positions count from 0 at the left, the first bit sent; the leading parity
// bit (position 0) is even over evenFrom..evenTo and the trailing one
// (position bits-1) odd over oddFrom..oddTo. See the package comment for the
// sources.
type layout struct {
	format           Format
	bits             int
	fcPos, fcLen     int // fcLen 0: no facility code
	cnPos, cnLen     int
	evenFrom, evenTo int
	oddFrom, oddTo   int
	maxFacility      uint64
	maxCard          uint64
	// Derived by newLayout, so that encoding and checking are a few
	// instructions: the frame bits each parity bit covers, and the shifts
	// that put each field in place.
	evenMask, oddMask uint64
	fcShift, cnShift  int
}

func newLayout(f Format, n, fcPos, fcLen, cnPos, cnLen, evenFrom, evenTo, oddFrom, oddTo int) *layout {
	l := &layout{
		format: f, bits: n,
		fcPos: fcPos, fcLen: fcLen, cnPos: cnPos, cnLen: cnLen,
		evenFrom: evenFrom, evenTo: evenTo, oddFrom: oddFrom, oddTo: oddTo,
		maxFacility: 1<<fcLen - 1,
		maxCard:     1<<cnLen - 1,
		fcShift:     n - fcPos - fcLen,
		cnShift:     n - cnPos - cnLen,
	}
	l.evenMask = l.span(evenFrom, evenTo)
	l.oddMask = l.span(oddFrom, oddTo)
	return l
}

// span is the mask of frame positions from..to, inclusive.
func (l *layout) span(from, to int) uint64 {
	return (1<<(to-from+1) - 1) << (l.bits - 1 - to)
}

var (
	layoutH10301 = newLayout(FormatH10301, 26, 1, 8, 9, 16, 1, 12, 13, 24)
	layoutH10306 = newLayout(FormatH10306, 34, 1, 16, 17, 16, 1, 16, 17, 32)
	layoutH10304 = newLayout(FormatH10304, 37, 1, 16, 17, 19, 1, 18, 18, 35)
	layoutH10302 = newLayout(FormatH10302, 37, 0, 0, 1, 35, 1, 18, 18, 35)
)

// layoutOf is f's layout, or nil for FormatUID and unknown formats.
func layoutOf(f Format) *layout {
	switch f {
	case FormatH10301:
		return layoutH10301
	case FormatH10306:
		return layoutH10306
	case FormatH10304:
		return layoutH10304
	case FormatH10302:
		return layoutH10302
	}
	return nil
}

// layoutForBits is the format an unnamed frame of n bits is read as, or nil.
// 37 bits is H10304: see the package comment.
func layoutForBits(n int) *layout {
	switch n {
	case 26:
		return layoutH10301
	case 34:
		return layoutH10306
	case 37:
		return layoutH10304
	}
	return nil
}

// smallestFormat is the format Parse gives "facility:card": the shortest frame
// that holds both numbers. H10302 is never chosen, as it has no facility.
func smallestFormat(fc, cn uint64) (Format, bool) {
	switch {
	case fc <= layoutH10301.maxFacility && cn <= layoutH10301.maxCard:
		return FormatH10301, true
	case fc <= layoutH10306.maxFacility && cn <= layoutH10306.maxCard:
		return FormatH10306, true
	case fc <= layoutH10304.maxFacility && cn <= layoutH10304.maxCard:
		return FormatH10304, true
	}
	return "", false
}

// encode is the frame of fc and cn, which must be in range.
func (l *layout) encode(fc, cn uint64) uint64 {
	v := cn << l.cnShift
	if l.fcLen > 0 {
		v |= fc << l.fcShift
	}
	if bits.OnesCount64(v&l.evenMask)%2 == 1 {
		v |= 1 << (l.bits - 1)
	}
	if bits.OnesCount64(v&l.oddMask)%2 == 0 {
		v |= 1
	}
	return v
}

// decode checks the parity of frame v (< 1<<l.bits) and takes its fields
// apart.
func (l *layout) decode(v uint64) (ID, error) {
	evenBad := (bits.OnesCount64(v&l.evenMask)+int(v>>(l.bits-1)&1))%2 != 0
	oddBad := (bits.OnesCount64(v&l.oddMask)+int(v&1))%2 != 1
	if evenBad || oddBad {
		return ID{}, &ParityError{Format: l.format, Even: evenBad, Odd: oddBad}
	}
	id := ID{Format: l.format, Card: v >> l.cnShift & l.maxCard}
	if l.fcLen > 0 {
		id.Facility = uint32(v >> l.fcShift & l.maxFacility)
	}
	return id, nil
}

// rangeError says which of fc and cn does not fit l, and what would.
func (l *layout) rangeError(fc, cn uint64) error {
	if l.fcLen == 0 {
		if fc != 0 {
			return errorf(ErrRange, "an H10302 card has no facility code: type H10302:<card number>")
		}
		return errorf(ErrRange, "card number %s is above %d, the largest an H10302 card holds: check the number",
			number(cn), l.maxCard)
	}
	what := fmt.Sprintf("a %d-bit %s card holds facility 0-%d and card 0-%d", l.bits, l.format, l.maxFacility, l.maxCard)
	var bad string
	switch {
	case fc > l.maxFacility && cn > l.maxCard:
		bad = fmt.Sprintf("facility %s and card %s are both too large", number(fc), number(cn))
	case fc > l.maxFacility:
		bad = fmt.Sprintf("facility %s is too large", number(fc))
	default:
		bad = fmt.Sprintf("card %s is too large", number(cn))
	}
	next := "check the numbers on the card"
	if f, ok := smallestFormat(fc, cn); ok {
		next = fmt.Sprintf("check the numbers, or if the card really is %s, type %s:%d:%d", f, f, fc, cn)
	}
	return errorf(ErrRange, "%s: %s; %s", bad, what, next)
}

// ParityError is the refusal of a Wiegand frame whose parity bits do not
// match its data: a bit was mistyped or misread. It wraps ErrParity. Even and
// Odd say which of the two parity bits is wrong (a flipped bit shared by both
// ranges, as bit 18 of a 37-bit frame is, makes both wrong).
type ParityError struct {
	Format    Format
	Even, Odd bool
}

func (e *ParityError) Unwrap() error { return ErrParity }

// Error numbers bits from 1 at the left, as an operator counts them on a
// printed frame; the package comment counts from 0, as DOMAIN.md does.
func (e *ParityError) Error() string {
	l := layoutOf(e.Format)
	if l == nil {
		return "parity: the frame's parity bits do not match its data"
	}
	even := fmt.Sprintf("the even parity bit (bit 1) does not match bits %d-%d", l.evenFrom+1, l.evenTo+1)
	odd := fmt.Sprintf("the odd parity bit (bit %d) does not match bits %d-%d", l.bits, l.oddFrom+1, l.oddTo+1)
	var what string
	switch {
	case e.Even && e.Odd:
		what = even + ", and " + odd
	case e.Even:
		what = even
	default:
		what = odd
	}
	return fmt.Sprintf("parity: in this %d-bit %s frame %s: the card number was mistyped or the reader misread it; "+
		"read the card again, or type the facility:card printed on it (90:324)", l.bits, l.format, what)
}
