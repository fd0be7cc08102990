package family

import (
	"errors"
	"strings"
	"testing"
)

func FuzzCheckCode(f *testing.F) {
	seeds := []struct {
		code   string
		length int
	}{
		{"2580", 4}, {"1234", 4}, {"0000", 4}, {"4321", 4}, {"8901", 4},
		{"739104", 6}, {"456789", 6}, {"90817263", 8}, {"12345678", 8},
		{"", 4}, {"25a0", 4}, {" 2580", 4}, {"2580", 6}, {"2580", 0},
		{"2580", -1}, {"1234", 1234}, {"٢٥٨٠", 4}, {"\xff\xfe12", 4},
	}
	for _, s := range seeds {
		f.Add(s.code, s.length)
	}
	f.Fuzz(func(t *testing.T, code string, length int) {
		err := CheckCode(code, length)
		if err == nil {
			if len(code) != length {
				t.Fatalf("accepted a code of %d bytes for length %d", len(code), length)
			}
			for i := 0; i < len(code); i++ {
				if code[i] < '0' || code[i] > '9' {
					t.Fatalf("accepted a code with a non-digit at %d", i)
				}
			}
			if Trivial(code) {
				t.Fatalf("accepted a trivial code of length %d", length)
			}
			return
		}
		if !errors.Is(err, ErrCodeFormat) && !errors.Is(err, ErrCodeLength) && !errors.Is(err, ErrCodeTrivial) {
			t.Fatalf("error %q matches no sentinel", err)
		}
		// Codes are digits, so an input holding no digit carries no code and
		// may well spell a word of the message ("code", "digits"); any input
		// of four or more characters with a digit must never be echoed.
		if len(code) >= 4 && strings.ContainsAny(code, "0123456789") && strings.Contains(err.Error(), code) {
			t.Fatalf("error %q contains the input code", err)
		}
	})
}

// luhnSum is the Luhn sum of s computed the textbook way, independently of
// the package: from the left, with the check digit last, the digits in even
// positions counted from the right (2nd, 4th, …) are doubled and their digit
// sums added.
func luhnSum(s string) int {
	sum := 0
	n := len(s)
	for i := 0; i < n; i++ {
		d := int(s[i] - '0')
		if (n-i)%2 == 0 {
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	return sum
}

func FuzzValidIMEI(f *testing.F) {
	for _, s := range []string{
		"490154203237518", "356938035643809", "352099001761481",
		"490154203237517", "490154203237513", "49015420323751", "4901542032375180",
		"49015420323751X", "", "000000000000000", "490154 03237518", "٤٩٠١٥٤٢٠٣٢٣٧٥١٨",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidIMEI(s)
		if err == nil {
			if len(s) != 15 {
				t.Fatalf("accepted an IMEI of %d bytes", len(s))
			}
			for i := 0; i < len(s); i++ {
				if s[i] < '0' || s[i] > '9' {
					t.Fatalf("accepted an IMEI with a non-digit at %d", i)
				}
			}
			if luhnSum(s)%10 != 0 {
				t.Fatalf("accepted an IMEI whose Luhn sum is %d", luhnSum(s))
			}
			return
		}
		if !strings.HasPrefix(err.Error(), "IMEI ") {
			t.Fatalf("error %q does not say it is about the IMEI", err)
		}
		// The converse: 15 digits with a good Luhn sum must be accepted.
		if len(s) == 15 && strings.Trim(s, "0123456789") == "" && luhnSum(s)%10 == 0 {
			t.Fatalf("refused a valid IMEI: %v", err)
		}
	})
}
