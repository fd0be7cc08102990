// Package totp is the operator's second factor: RFC 6238 time-based codes
// from an authenticator app, one-time recovery codes for a lost phone, and
// the enrolment QR code drawn as text so the console and the CLI can show it
// in a terminal, over SSH, with no image support.
//
// Everything here works offline: a guard room PC often has no internet, so
// the only shared state between the phone and the PC is the secret and the
// two clocks. The store keeps the secret, the last step used and the hashed
// recovery codes; this package holds no state.
package totp

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	pqtotp "github.com/pquerna/otp/totp"
)

// The parameters every authenticator app accepts (Google Authenticator
// ignores anything else and silently shows wrong codes), so they are fixed
// rather than configurable.
const (
	period     = 30 // seconds per step
	secretSize = 20 // bytes: 160 bits, the HMAC-SHA1 block RFC 4226 recommends
	digits     = otp.DigitsSix
)

// The refusals an operator can get at the code prompt. They are sentinels so
// the store can tell a replay (do not count it as a failed login) from a
// wrong code (count it), and their text is what the operator reads.
var (
	ErrFormat = errors.New("the code must be 6 digits")
	ErrWrong  = errors.New("wrong code: check the time on your phone and this computer, then type the current code")
	ErrReplay = errors.New("that code was used already: wait for the next one")
)

// Key is a freshly generated second factor. Secret is what the store keeps
// and what an operator types into the app when the QR code cannot be
// scanned; URI is what the QR code carries.
type Key struct {
	Secret string // base32, upper case, no padding
	URI    string // otpauth://totp/<issuer>:<account>?...
}

// Generate makes a new random secret for account. The issuer is the name the
// app lists the code under, so the caller picks one an operator recognises
// among their other codes, e.g. "guardroom (<site name>)".
//
// A ':' in issuer or account becomes '-': the otpauth label is
// "issuer:account" and apps split it at the first colon, so a site name
// with a colon would otherwise show up under the wrong name.
func Generate(issuer, account string) (Key, error) {
	k, err := pqtotp.Generate(pqtotp.GenerateOpts{
		Issuer:      labelPart(issuer),
		AccountName: labelPart(account),
		Period:      period,
		SecretSize:  secretSize,
		Digits:      digits,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return Key{}, fmt.Errorf("totp: generate a second-factor key for %q: %w", account, err)
	}
	return Key{Secret: k.Secret(), URI: k.String()}, nil
}

func labelPart(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), ":", "-")
}

// Code is the code an app shows at t. The store never needs it (it only
// verifies); the CLI uses it to check an enrolment and tests use it to play
// the phone.
func Code(secret string, t time.Time) (string, error) {
	return codeAt(secret, stepOf(t), digits)
}

// Verify checks a code typed by an operator against the secret at t and
// returns the step it belongs to, which the caller stores and passes back
// as lastStep next time.
//
// The step before and after t's are accepted too: a PC with no internet
// drifts, and the operator may read the code just before it changes. Wider
// windows would make a shoulder-surfed code live longer for little gain.
//
// A step <= lastStep is refused even when the code is right, so a code seen
// over the operator's shoulder (or replayed from a log) cannot be used a
// second time; lastStep 0 means no code was used yet.
func Verify(secret, code string, t time.Time, lastStep int64) (step int64, err error) {
	code = stripSpaces(code)
	if !isDigits(code, digits.Length()) {
		return 0, ErrFormat
	}
	now := stepOf(t)
	replayed := false
	// The current step first: if a code happens to match two steps, the
	// one the operator most likely read wins.
	for _, s := range [...]int64{now, now - 1, now + 1} {
		if s < 0 {
			continue
		}
		want, err := codeAt(secret, s, digits)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if s <= lastStep {
			replayed = true
			continue
		}
		return s, nil
	}
	if replayed {
		return 0, ErrReplay
	}
	return 0, ErrWrong
}

// stepOf is the RFC 6238 time step T = floor(unix time / period), floored
// rather than truncated so times before 1970 cannot land on step 0.
func stepOf(t time.Time) int64 {
	u := t.Unix()
	s := u / period
	if u < 0 && u%period != 0 {
		s--
	}
	return s
}

// codeAt computes through pquerna's HOTP directly rather than its TOTP
// validator, because that one only says yes or no and never which step
// matched, and replay protection needs the step.
func codeAt(secret string, step int64, n otp.Digits) (string, error) {
	if step < 0 {
		return "", fmt.Errorf("totp: no code exists before 1970 (step %d)", step)
	}
	c, err := hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{
		Digits:    n,
		Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", fmt.Errorf("the stored second-factor secret is damaged: turn the second factor off and enrol it again (%w)", err)
	}
	return c, nil
}

// stripSpaces removes every kind of space, since apps show "123 456" and a
// pasted code may carry a non-breaking one.
func stripSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
