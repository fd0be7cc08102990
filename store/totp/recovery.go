package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
)

// recoveryAlphabet leaves out 0, o, 1, l and i, which look alike in many
// terminal fonts and on paper, so a code copied by hand and typed back
// months later still works. Codes are shown in lower case, and typed ones
// are lower-cased, so upper-case O and I are covered too.
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// recoveryLen symbols of 31 give 49.5 bits per code.
const recoveryLen = 10

// RecoveryCodes makes n one-time codes that replace the phone when it is
// lost, shown once at enrolment as "xxxxx-xxxxx" for the operator to write
// down. The codes in one set are all different, so each is a separate use.
func RecoveryCodes(n int) ([]string, error) {
	if n < 0 {
		return nil, fmt.Errorf("totp: %d recovery codes asked for", n)
	}
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for len(codes) < n {
		c, err := recoveryCode()
		if err != nil {
			return nil, fmt.Errorf("totp: make recovery codes: %w", err)
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		codes = append(codes, c)
	}
	return codes, nil
}

// recoveryCode draws each symbol uniformly: bytes >= 248 (8 x 31) are
// thrown away, because taking every byte modulo 31 would make the first
// symbols of the alphabet more likely.
func recoveryCode() (string, error) {
	const limit = 256 - 256%len(recoveryAlphabet)
	var b strings.Builder
	buf := make([]byte, 2*recoveryLen)
	for n := 0; n < recoveryLen; {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, x := range buf {
			if int(x) >= limit {
				continue
			}
			if n == recoveryLen/2 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[int(x)%len(recoveryAlphabet)])
			n++
			if n == recoveryLen {
				break
			}
		}
	}
	return b.String(), nil
}

// NormaliseRecovery is the form recovery codes are compared in, so a code
// typed in capitals, with spaces or without its dash still matches.
func NormaliseRecovery(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// HashRecovery is what the store keeps instead of a recovery code, so a
// copy of the database does not hand out logins. A fast hash (SHA-256 of
// the normalised code) is enough, unlike for passwords: each code has 49.5
// random bits rather than a human choice, works once, and guessing online is
// capped by the store's login lockout, so there is nothing for a slow hash
// to protect.
func HashRecovery(code string) string {
	sum := sha256.Sum256([]byte(NormaliseRecovery(code)))
	return hex.EncodeToString(sum[:])
}
