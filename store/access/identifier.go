package access

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the kind of an identifier a person carries (reference 000).
type Kind uint8

// The identifier kinds. The zero Kind is not a valid kind.
const (
	KindCard       Kind = iota + 1 // a card: numeric ID or facility:card Wiegand
	KindQR                         // a QR code
	KindAccessCode                 // a code typed at a keypad
	KindUKey                       // a UKey (phone key) reference
	KindFaceID                     // a reference to a face enrolment, never an image
)

var kindNames = [...]string{"", "card", "QR code", "access code", "UKey", "face ID"}

// String returns the kind as an operator reads it ("card", "QR code").
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return k >= KindCard && k <= KindFaceID }

// ParseKind reads a kind by its name: "card", "qr", "qr code", "code",
// "access code", "ukey", "face", "face id" (any case).
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "card":
		return KindCard, nil
	case "qr", "qr code", "qrcode":
		return KindQR, nil
	case "code", "access code", "accesscode":
		return KindAccessCode, nil
	case "ukey":
		return KindUKey, nil
	case "face", "face id", "faceid":
		return KindFaceID, nil
	}
	return 0, fmt.Errorf("%w: %q is not an identifier kind; use card, qr, code, ukey or face", ErrInvalid, s)
}

// Identifier is one credential a person holds. Value is kept in the
// canonical form NormalizeValue returns; identifiers are unique per kind
// across the site (a card ID belongs to at most one person).
type Identifier struct {
	Kind  Kind
	Value string
}

// String returns the identifier as an operator reads it ("card 12:3456").
func (id Identifier) String() string {
	if id.Kind == KindAccessCode {
		return "access code ****" // codes are never shown
	}
	return id.Kind.String() + " " + id.Value
}

// ErrInvalid is wrapped by every error this package returns for data that
// cannot be used: a malformed identifier, an access level that fails
// Validate, a reference to a profile that does not exist.
var ErrInvalid = errors.New("invalid access data")

// Maximum lengths of identifier values.
const (
	maxValueLen     = 256
	minAccessCode   = 4
	maxAccessCode   = 12
	maxCardDigits   = 20
	maxFacilityDigs = 10
)

// NormalizeValue checks value for kind k and returns its canonical form:
//   - card: decimal digits ("0012345" → "12345"), or facility:card Wiegand
//     ("010:00456" → "10:456"); leading zeros are dropped so that a card read
//     from a reader and one typed by an operator compare equal;
//   - access code: 4 to 12 digits, kept as typed;
//   - QR code, UKey, face ID: any text without control characters, up to
//     256 bytes, surrounding spaces removed.
func NormalizeValue(k Kind, value string) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", fmt.Errorf("%w: the %s is empty; enter its value", ErrInvalid, k)
	}
	switch k {
	case KindCard:
		if c, ok := canonicalCard(v); ok {
			return c, nil
		}
		return "", fmt.Errorf("%w: card %q is neither a number nor facility:card (e.g. 12345 or 10:456)", ErrInvalid, value)
	case KindAccessCode:
		if len(v) < minAccessCode || len(v) > maxAccessCode || !allDigits(v) {
			return "", fmt.Errorf("%w: an access code is %d to %d digits", ErrInvalid, minAccessCode, maxAccessCode)
		}
		return v, nil
	case KindQR, KindUKey, KindFaceID:
		if len(v) > maxValueLen {
			return "", fmt.Errorf("%w: the %s is longer than %d bytes", ErrInvalid, k, maxValueLen)
		}
		for _, r := range v {
			if r < 0x20 || r == 0x7f {
				return "", fmt.Errorf("%w: the %s contains a control character", ErrInvalid, k)
			}
		}
		return v, nil
	}
	return "", fmt.Errorf("%w: unknown identifier kind %d", ErrInvalid, uint8(k))
}

// canonicalCard returns the canonical form of a card value. It does not
// allocate when v is already canonical, which is the case for every value a
// reader driver reports after its first normalisation.
func canonicalCard(v string) (string, bool) {
	fac, card, hasFac := strings.Cut(v, ":")
	if !hasFac {
		c, ok := trimZeros(v, maxCardDigits)
		return c, ok
	}
	f, ok1 := trimZeros(fac, maxFacilityDigs)
	c, ok2 := trimZeros(card, maxCardDigits)
	if !ok1 || !ok2 {
		return "", false
	}
	if len(f)+1+len(c) == len(v) {
		return v, true
	}
	return f + ":" + c, true
}

func trimZeros(s string, maxDigits int) (string, bool) {
	if s == "" || len(s) > maxDigits || !allDigits(s) {
		return "", false
	}
	i := 0
	for i < len(s)-1 && s[i] == '0' {
		i++
	}
	return s[i:], true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
