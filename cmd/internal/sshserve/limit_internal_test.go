package sshserve

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// A new interval starts with the summary of the one before, then logs
// again up to the limit.
func TestLogLimitIntervals(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	l := newLogLimit(slog.New(slog.NewTextHandler(&buf, nil)), "test refusal",
		Config{RefusalLogLines: 2, RefusalLogInterval: time.Minute})
	l.now = func() time.Time { return clock }
	defer l.stop()

	for range 5 {
		l.Info("refused")
	}
	clock = clock.Add(time.Minute)
	for range 4 {
		l.Info("refused")
	}
	l.stop()

	var got []string
	for line := range strings.Lines(buf.String()) {
		switch {
		case strings.Contains(line, "more refusals suppressed"):
			_, after, _ := strings.Cut(line, "msg=")
			msg, _, _ := strings.Cut(after, " kind=")
			got = append(got, msg)
		case strings.Contains(line, "msg=refused"):
			got = append(got, "refused")
		}
	}
	want := []string{"refused", "refused", `"… 3 more refusals suppressed"`, "refused", "refused", `"… 2 more refusals suppressed"`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("log lines\n%q\nwant\n%q\nlog:\n%s", got, want, buf.String())
	}
}

// The per-address cap counts an IPv4 address, or an IPv6 /64, whatever the
// port.
func TestHostOf(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.7:51234", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:51234", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:22", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::1]:4000", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:4000", "2001:db8:1:3::/64"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			a, err := net.ResolveTCPAddr("tcp", tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			if got := hostOf(a); got != tc.want {
				t.Errorf("hostOf(%s) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}
