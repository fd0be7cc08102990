package mailtest_test

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers/mail/mailtest"
)

// TestProtocol drives the server by hand: command order, RSET, NOOP, HELO
// and dot-unstuffing, which the mail client's tests do not reach.
func TestProtocol(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	host, port := srv.Addr()
	c, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	expect := func(code string) {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", code, err)
			}
			if !strings.HasPrefix(line, code) {
				t.Fatalf("got %q, want %s", line, code)
			}
			if line[3] == ' ' {
				return
			}
		}
	}
	send := func(line, code string) {
		t.Helper()
		fmt.Fprintf(c, "%s\r\n", line)
		expect(code)
	}
	expect("220")
	send("MAIL FROM:<a@example.com>", "503") // no HELO yet
	send("HELO client", "250")
	send("RCPT TO:<b@example.com>", "503") // no MAIL yet
	send("MAIL FROM:<a@example.com>", "250")
	send("RSET", "250")
	send("DATA", "503") // RSET forgot the transaction
	send("NOOP", "250")
	send("BOGUS", "502")
	send("AUTH PLAIN AGd1YXJkAHB3", "502") // no login configured
	send("MAIL FROM:<a@example.com>", "250")
	send("RCPT TO:<b@example.com>", "250")
	send("RCPT TO:<c@example.com>", "250")
	send("DATA", "354")
	fmt.Fprint(c, "Subject: dots\r\n\r\n..starts with a dot\r\n.\r\n")
	expect("250")
	send("QUIT", "221")

	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "a@example.com" || !slices.Equal(m.To, []string{"b@example.com", "c@example.com"}) {
		t.Errorf("envelope %q → %q", m.From, m.To)
	}
	if m.Subject != "dots" || m.Body != ".starts with a dot\n" || string(m.Data) != "Subject: dots\r\n\r\n.starts with a dot\r\n" {
		t.Errorf("subject %q, body %q, data %q", m.Subject, m.Body, m.Data)
	}
	want := []string{"MAIL", "HELO", "RCPT", "MAIL", "RSET", "DATA", "NOOP", "BOGUS", "AUTH", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"}
	if got := srv.Commands(); !slices.Equal(got, want) {
		t.Errorf("Commands() = %v, want %v", got, want)
	}
}
