package family

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sentinel errors returned (wrapped, with detail) by CheckCode. Use errors.Is.
var (
	// ErrCodeFormat: the code holds something other than the digits 0-9.
	ErrCodeFormat = errors.New("code may contain digits only")
	// ErrCodeLength: the code does not have the panel's configured length
	// (or that configured length is itself out of range).
	ErrCodeLength = errors.New("code has the wrong number of digits")
	// ErrCodeTrivial: the code is all one digit or a straight run.
	ErrCodeTrivial = errors.New("code is too easy to guess")
)

// Code length settings CheckCode accepts. Real panels use 4, 6 or 8 digits.
const (
	minCodeLength = 4
	maxCodeLength = 12
)

// codeError is a refusal of a code. Its message never contains the code; it
// unwraps to one of the sentinels above.
type codeError struct {
	kind error
	msg  string
}

func (e *codeError) Error() string { return e.msg }
func (e *codeError) Unwrap() error { return e.kind }

// CheckCode reports whether code can be used as a user code on a panel whose
// codes are length digits long: digits only, exactly length digits, and not
// Trivial. It does not check for duplicates or neighbours of other codes; that
// needs the panel's other codes (see Neighbours).
//
// The returned error wraps ErrCodeFormat, ErrCodeLength or ErrCodeTrivial and
// tells the operator what to do; it never contains the code.
//
// The checks run in that order on purpose: only an all-digit code reaches a
// message that carries numbers, and those numbers (the configured length, at
// most two digits, and the count of digits given) are always shorter than the
// code, so no message can contain a code of three digits or more.
func CheckCode(code string, length int) error {
	if !allDigits(code) {
		return &codeError{ErrCodeFormat,
			"code may contain digits only (no letters, spaces or signs): retype it"}
	}
	if length < minCodeLength || length > maxCodeLength {
		return &codeError{ErrCodeLength,
			"the panel's code length setting is out of range (four to twelve digits): fix the panel settings"}
	}
	if len(code) != length {
		return &codeError{ErrCodeLength,
			fmt.Sprintf("code must be %d digits, got %d", length, len(code))}
	}
	if Trivial(code) {
		return &codeError{ErrCodeTrivial,
			"code is too easy to guess (all one digit, or digits counting straight up or down): choose another"}
	}
	return nil
}

// CodeRule is CheckCode's rule in a line, for the screens where a code is
// typed: "6 digits, not guessable (not all one digit like 1111, not
// counting up or down like 1234)".
func CodeRule(length int) string {
	return fmt.Sprintf("%d digits, not guessable (not all one digit like 1111, not counting up or down like 1234)", length)
}

// Trivial reports whether code is one of the trivially guessable codes every
// panel refuses: all one digit (0000, 777777), or a straight ascending
// (1234, 0123, 456789) or descending (4321, 9876) run of step 1 with no
// wrap-around (8901 is not a run). A string that is empty or holds anything
// but the digits 0-9 is not a code and is not Trivial.
func Trivial(code string) bool {
	if code == "" || !allDigits(code) {
		return false
	}
	same, up, down := true, true, true
	for i := 1; i < len(code); i++ {
		d := int(code[i]) - int(code[i-1])
		same = same && d == 0
		up = up && d == 1
		down = down && d == -1
	}
	return same || up || down
}

// Neighbours returns the codes numerically adjacent to code, keeping its
// number of digits and leading zeros: code-1 then code+1, leaving out those
// that would need another digit ("0000" has only "0001"; "9999" only "9998").
// It is used for the "duress is code + 1" rule (Family.DuressPlusOne). A code
// that is empty or not all digits has no neighbours.
func Neighbours(code string) []string {
	if code == "" || !allDigits(code) {
		return nil
	}
	var out []string
	if prev, ok := step(code, -1); ok {
		out = append(out, prev)
	}
	if next, ok := step(code, +1); ok {
		out = append(out, next)
	}
	return out
}

// step adds delta (+1 or -1) to the decimal number in code, keeping its
// width. It works digit by digit, so codes of any length are fine. ok is
// false when the result would not fit the width (below 0…0 or above 9…9).
func step(code string, delta int) (string, bool) {
	b := []byte(code)
	for i := len(b) - 1; i >= 0; i-- {
		switch {
		case delta > 0 && b[i] < '9':
			b[i]++
			return string(b), true
		case delta > 0:
			b[i] = '0' // carry on
		case b[i] > '0':
			b[i]--
			return string(b), true
		default:
			b[i] = '9' // borrow on
		}
	}
	return "", false
}

// imeiLength is the number of digits of an IMEI (14 digits and a Luhn check
// digit).
const imeiLength = 15

// ValidIMEI reports whether s is a well-formed IMEI: exactly 15 decimal
// digits whose last digit is the Luhn check digit of the first 14. It does not
// trim or strip separators; callers normalise input first. The error says
// what is wrong.
func ValidIMEI(s string) error {
	if !allDigits(s) {
		return errors.New("IMEI may contain digits only (no letters, spaces or dashes)")
	}
	if n := utf8.RuneCountInString(s); n != imeiLength {
		return fmt.Errorf("IMEI must be %d digits, got %d", imeiLength, n)
	}
	if !luhn(s) {
		return errors.New("IMEI check digit is wrong (Luhn): check for a typing error")
	}
	return nil
}

// luhn reports whether the all-digit string s passes the Luhn check: from the
// right, every second digit is doubled (minus 9 when above 9) and the sum is
// a multiple of 10.
func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// ParseRole turns operator input into a Role. It ignores case, spaces,
// hyphens and underscores, so "master", "one-time", "onetime",
// "One-time user" and "dwellermaster" all work. The error lists the valid
// roles.
func ParseRole(s string) (Role, error) {
	key := roleKey(s)
	for _, r := range allRoles {
		if roleKey(string(r)) == key {
			return r, nil
		}
	}
	if key == "onetime" {
		return RoleOneTime, nil
	}
	names := make([]string, len(allRoles))
	for i, r := range allRoles {
		names[i] = string(r)
	}
	valid := strings.Join(names, ", ")
	if s == "" {
		return "", fmt.Errorf("role is empty: valid roles are %s", valid)
	}
	// Echo the input only when it cannot be a (mistyped) code.
	if strings.ContainsAny(s, "0123456789") || utf8.RuneCountInString(s) > 40 {
		return "", fmt.Errorf("unknown role: valid roles are %s", valid)
	}
	return "", fmt.Errorf("unknown role %q: valid roles are %s", s, valid)
}

// allRoles lists every role, in the order ParseRole's error shows them.
var allRoles = []Role{
	RoleMaster, RoleSupervisor, RoleUser, RoleOneTime, RoleDuress,
	RoleDwellerMaster, RoleGuest, RoleInstaller, RoleDealer,
}

// roleKey folds a role name for comparison: lower case, without spaces,
// hyphens and underscores.
func roleKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '_':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// allDigits reports whether s holds only the ASCII digits 0-9 (an empty
// string does).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
