package mail

import (
	"strings"
	"testing"
)

// TestScrub: a server that quotes the message back in its refusal must not
// put the body's secrets into guardroom's errors.
func TestScrub(t *testing.T) {
	body := "Your one-time password is 73915582.\nReset link: https://guardroom.example/r/Zx81kPq0aa\n"
	for _, c := range []struct {
		reply, want string
	}{
		{"5.7.1 spam detected in: Your one-time password is 73915582.", "5.7.1 spam detected in: Your one-time password is …"},
		{"rejected https://guardroom.example/r/Zx81kPq0aa", "rejected …"},
		{"5.7.1 code 73915582 looks like spam", "5.7.1 code … looks like spam"},
		{"5.7.1 token Zx81kPq0aa", "5.7.1 token …"},
		{"5.1.1 User unknown", "5.1.1 User unknown"},
		{"two\r\nlines", "two  lines"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100) + "…"},
	} {
		got := scrub(c.reply, body)
		if got != c.want {
			t.Errorf("scrub(%q) = %q, want %q", c.reply, got, c.want)
		}
		if strings.Contains(got, "73915582") || strings.Contains(got, "Zx81kPq0aa") {
			t.Errorf("scrub(%q) = %q keeps a secret", c.reply, got)
		}
	}
}
