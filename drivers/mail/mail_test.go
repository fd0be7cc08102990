package mail_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/mail"
	"github.com/guardroom/guardroom/drivers/mail/mailtest"
)

// otp stands for the secret a mail body may hold; no error may carry it.
const (
	otp  = "73915582"
	body = "Your one-time password is " + otp + ".\nIt expires in 24 hours.\n"
	to   = "anna@example.com"
)

// sender returns a Sender for srv; edit adjusts the Config first.
func sender(t *testing.T, srv *mailtest.Server, edit func(*mail.Config)) *mail.Sender {
	t.Helper()
	host, port := srv.Addr()
	// The timeout is generous: a TLS handshake on a machine busy with the
	// whole test suite has taken more than 5 s. The timeout tests set
	// their own.
	cfg := mail.Config{Host: host, Port: port, Security: "none", From: "Guardroom <guardroom@example.com>", Timeout: 30 * time.Second, TLS: srv.ClientTLS()}
	if edit != nil {
		edit(&cfg)
	}
	s, err := mail.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// noSecret fails the test if err carries the body or its password.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if msg := err.Error(); strings.Contains(msg, otp) || strings.Contains(msg, "one-time password is") {
		t.Errorf("error %q carries the mail body", msg)
	}
}

func isSetup(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, mail.ErrSetup) {
		t.Fatalf("error = %v (%T), want one wrapping mail.ErrSetup", err, err)
	}
	if drivers.Transient(err) {
		t.Errorf("setup error %q is Transient: the dispatcher would retry a mail that cannot go until [smtp] is fixed", err)
	}
	var r *drivers.Refusal
	if errors.As(err, &r) {
		t.Errorf("setup error %q is a Refusal: the dispatcher would drop a mail that is not at fault", err)
	}
	noSecret(t, err)
}

func isTransient(t *testing.T, err error, class error) {
	t.Helper()
	if !drivers.Transient(err) || !errors.Is(err, class) {
		t.Fatalf("error = %v (%T), want a transient error wrapping %q", err, err, class)
	}
	if errors.Is(err, mail.ErrSetup) {
		t.Errorf("transient error %q wraps ErrSetup", err)
	}
	noSecret(t, err)
}

func isRefusal(t *testing.T, err error, want string) {
	t.Helper()
	var r *drivers.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("error = %v (%T), want a *drivers.Refusal", err, err)
	}
	if drivers.Transient(err) || errors.Is(err, mail.ErrSetup) {
		t.Errorf("refusal %q is transient or a setup error", err)
	}
	if !strings.Contains(r.Reason, want) {
		t.Errorf("refusal %q does not contain %q", r.Reason, want)
	}
	noSecret(t, err)
}

func TestNewChecksTheConfig(t *testing.T) {
	ok := mail.Config{Host: "mail.example.com", From: "guardroom@example.com"}
	for _, c := range []struct {
		name string
		edit func(*mail.Config)
		want string
	}{
		{"no host", func(c *mail.Config) { c.Host = " " }, "set [smtp] host"},
		{"host with port", func(c *mail.Config) { c.Host = "mail.example.com:587" }, "[smtp] port"},
		{"host with scheme", func(c *mail.Config) { c.Host = "smtp://mail.example.com" }, "[smtp] host"},
		{"security", func(c *mail.Config) { c.Security = "ssl" }, "[smtp] security \"ssl\": use starttls"},
		{"port", func(c *mail.Config) { c.Port = 70000 }, "[smtp] port 70000"},
		{"negative port", func(c *mail.Config) { c.Port = -1 }, "[smtp] port -1"},
		{"no from", func(c *mail.Config) { c.From = "" }, "set [smtp] from"},
		{"bad from", func(c *mail.Config) { c.From = "guardroom at example" }, "[smtp] from"},
		{"non-ASCII from", func(c *mail.Config) { c.From = "gärd@example.com" }, "[smtp] from"},
		{"no password", func(c *mail.Config) { c.Username = "guard" }, "[smtp] password_file"},
		{"no username", func(c *mail.Config) { c.Password = "secret" }, "[smtp] username"},
		{"login in clear", func(c *mail.Config) { c.Username, c.Password, c.Security = "guard", "secret", "none" }, "[smtp] security none"},
		{"timeout", func(c *mail.Config) { c.Timeout = -time.Second }, "positive duration"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			c.edit(&cfg)
			_, err := mail.New(cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("New error %q shows the password", err)
			}
		})
	}
	// A login without TLS is allowed to localhost, as net/smtp allows it.
	if _, err := mail.New(mail.Config{Host: "127.0.0.1", Security: "none", Username: "u", Password: "p", From: "a@b.c"}); err != nil {
		t.Errorf("login to localhost without TLS: %v", err)
	}
}

func TestTransport(t *testing.T) {
	for _, c := range []struct {
		cfg  mail.Config
		want string
	}{
		{mail.Config{Host: "mail.example.com"}, "smtp starttls mail.example.com:587"},
		{mail.Config{Host: "mail.example.com", Security: "TLS"}, "smtp tls mail.example.com:465"},
		{mail.Config{Host: "relay.lan", Security: "none"}, "smtp none relay.lan:25"},
		{mail.Config{Host: "::1", Security: "none", Port: 2525}, "smtp none [::1]:2525"},
	} {
		c.cfg.From = "guardroom@example.com"
		s, err := mail.New(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Transport(); got != c.want {
			t.Errorf("Transport() = %q, want %q", got, c.want)
		}
	}
}

func TestPlainDelivery(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	if err := sender(t, srv, nil).Send(context.Background(), "Anna <"+to+">", "Your guardroom password", body); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages arrived, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "guardroom@example.com" || !slices.Equal(m.To, []string{to}) {
		t.Errorf("envelope from %q to %q", m.From, m.To)
	}
	if m.Subject != "Your guardroom password" || m.Body != body {
		t.Errorf("subject %q, body %q", m.Subject, m.Body)
	}
	for k, want := range map[string]string{
		"From":                      `"Guardroom" <guardroom@example.com>`,
		"To":                        `"Anna" <anna@example.com>`,
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
	} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if d, err := m.Header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date header %q: %v", m.Header.Get("Date"), err)
	}
	if id := m.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q", id)
	}
	if bytes.Contains(bytes.ReplaceAll(m.Data, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("the message has a bare LF: lines must end in CRLF")
	}
	if cmds := srv.Commands(); slices.Contains(cmds, "STARTTLS") || slices.Contains(cmds, "AUTH") {
		t.Errorf("commands %v: security none must not start TLS or log in", cmds)
	}
}

func TestStartTLSAndAuth(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{Username: "guard", Password: "s3cret pass", RequireAuth: true})
	s := sender(t, srv, func(c *mail.Config) {
		c.Security, c.Username, c.Password = "starttls", "guard", "s3cret pass"
	})
	if err := s.Send(context.Background(), to, "hello", body); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages arrived, want 1", n)
	}
	want := []string{"EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"}
	if got := srv.Commands(); !slices.Equal(got, want) {
		t.Errorf("commands = %v, want %v", got, want)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{ImplicitTLS: true, Username: "guard", Password: "pw"})
	s := sender(t, srv, func(c *mail.Config) { c.Security, c.Username, c.Password = "tls", "guard", "pw" })
	if err := s.Send(context.Background(), to, "hello", body); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages arrived, want 1", n)
	}
	if slices.Contains(srv.Commands(), "STARTTLS") {
		t.Error("STARTTLS sent inside implicit TLS")
	}
}

func TestSTARTTLSNotOfferedNeverFallsBack(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{NoSTARTTLS: true})
	err := sender(t, srv, func(c *mail.Config) { c.Security = "starttls" }).Send(context.Background(), to, "hello", body)
	isSetup(t, err)
	if !strings.Contains(err.Error(), "does not offer STARTTLS") || !strings.Contains(err.Error(), "[smtp] security") {
		t.Errorf("error %q does not say what to fix", err)
	}
	if cmds := srv.Commands(); slices.Contains(cmds, "MAIL") || slices.Contains(cmds, "DATA") || len(srv.Messages()) > 0 {
		t.Errorf("commands %v: the mail went in clear text", cmds)
	}
}

func TestUntrustedCertificate(t *testing.T) {
	for _, c := range []struct {
		name     string
		opts     mailtest.Options
		security string
	}{
		{"starttls", mailtest.Options{}, "starttls"},
		{"tls", mailtest.Options{ImplicitTLS: true}, "tls"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := mailtest.NewServer(t, c.opts)
			err := sender(t, srv, func(cfg *mail.Config) { cfg.Security, cfg.TLS = c.security, nil }).
				Send(context.Background(), to, "hello", body)
			isSetup(t, err)
			if !strings.Contains(err.Error(), "certificate") {
				t.Errorf("error %q does not mention the certificate", err)
			}
			if slices.Contains(srv.Commands(), "MAIL") {
				t.Error("the mail went out over an untrusted connection")
			}
		})
	}
}

func TestTLSOnAPlainPort(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	err := sender(t, srv, func(c *mail.Config) { c.Security = "tls" }).Send(context.Background(), to, "hello", body)
	isSetup(t, err)
	if !strings.Contains(err.Error(), "does not speak TLS") {
		t.Errorf("error %q does not say the port speaks no TLS", err)
	}
}

func TestAuthRefused(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{Username: "guard", Password: "right"})
	err := sender(t, srv, func(c *mail.Config) {
		c.Security, c.Username, c.Password = "starttls", "guard", "wrong-password"
	}).Send(context.Background(), to, "hello", body)
	isSetup(t, err)
	if !strings.Contains(err.Error(), "SMTP login refused by 127.0.0.1:") || !strings.Contains(err.Error(), "check [smtp] username and password_file") {
		t.Errorf("error %q does not say what to check", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestLoginRequired(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{Username: "guard", Password: "pw", RequireAuth: true})
	err := sender(t, srv, nil).Send(context.Background(), to, "hello", body)
	isSetup(t, err)
	if !strings.Contains(err.Error(), "requires a login") {
		t.Errorf("error %q does not say a login is needed", err)
	}
}

func TestRecipientRefused(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{RejectRecipient: to})
	err := sender(t, srv, nil).Send(context.Background(), to, "hello", body)
	isRefusal(t, err, "550 5.1.1 <anna@example.com>: Recipient address rejected")
	if !strings.Contains(err.Error(), "check the account's e-mail address") {
		t.Errorf("refusal %q does not say what to check", err)
	}
}

func TestMessageRefused(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{RejectMessages: 1})
	isRefusal(t, sender(t, srv, nil).Send(context.Background(), to, "hello", body), "554 5.6.0")
}

func TestTemporaryFailureIsRetried(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{TempFailures: 1})
	s := sender(t, srv, nil)
	err := s.Send(context.Background(), to, "hello", body)
	isTransient(t, err, drivers.ErrBusy)
	if !strings.Contains(err.Error(), "451") || !strings.Contains(err.Error(), "retried") {
		t.Errorf("error %q does not give the reply and what happens next", err)
	}
	if err := s.Send(context.Background(), to, "hello", body); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s, err := mail.New(mail.Config{Host: "127.0.0.1", Port: port, Security: "none", From: "guardroom@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), to, "hello", body)
	isTransient(t, err, drivers.ErrOffline)
	if !strings.Contains(err.Error(), "check [smtp] host and port") {
		t.Errorf("error %q does not say what to check", err)
	}
}

func TestDroppedInData(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{DropInData: 1})
	err := sender(t, srv, nil).Send(context.Background(), to, "hello", body)
	isTransient(t, err, drivers.ErrOffline)
	if len(srv.Messages()) != 0 {
		t.Error("a cut message was stored")
	}
}

func TestContextCancel(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{Silent: true})
	s := sender(t, srv, func(c *mail.Config) { c.Timeout = time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := s.Send(ctx, to, "hello", body)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("Send took %v after cancel", took)
	}
	isTransient(t, err, drivers.ErrTimeout)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	// Already cancelled: no connection at all.
	err = s.Send(ctx, to, "hello", body)
	if !errors.Is(err, context.Canceled) || !drivers.Transient(err) {
		t.Errorf("Send with a cancelled context = %v", err)
	}
}

func TestTimeout(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{Silent: true})
	err := sender(t, srv, func(c *mail.Config) { c.Timeout = 200 * time.Millisecond }).Send(context.Background(), to, "hello", body)
	isTransient(t, err, drivers.ErrTimeout)
	if !strings.Contains(err.Error(), "did not answer within 200ms") {
		t.Errorf("error %q does not give the timeout", err)
	}
	// The caller's deadline, when it comes first, is the one reported.
	s := sender(t, srv, nil) // Timeout 30s
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	err = s.Send(ctx, to, "hello", body)
	isTransient(t, err, drivers.ErrTimeout)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not answer within 1") || strings.Contains(err.Error(), "within 30s") {
		t.Errorf("error %q does not give the caller's deadline", err)
	}
}

func TestNonASCIISubjectRoundTrip(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	subjects := []string{
		"Código de acceso — Tür 3",
		"Ваш одноразовый пароль для guardroom: он действует 24 часа, не сообщайте его никому",
	}
	s := sender(t, srv, func(c *mail.Config) { c.From = "Gärdroom Zentrale <guardroom@example.com>" })
	for _, subj := range subjects {
		if err := s.Send(context.Background(), to, subj, "Grüße ✓\n"); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range srv.Messages() {
		if m.Subject != subjects[i] || m.Body != "Grüße ✓\n" {
			t.Errorf("subject %q, body %q; want %q", m.Subject, m.Body, subjects[i])
		}
		for _, line := range strings.Split(string(m.Data), "\r\n") {
			// 78 is a SHOULD (RFC 5322 2.1.1); a 75-character encoded-word
			// after "Subject: " passes it a little, as every mailer's does.
			if len(line) > 90 {
				t.Errorf("line of %d characters: %q", len(line), line)
			}
			for _, b := range []byte(line) {
				if b >= 0x80 {
					t.Fatalf("8-bit byte in line %q", line)
				}
			}
		}
		if !strings.Contains(string(m.Data), "=?utf-8?q?") {
			t.Error("the subject is not Q-encoded")
		}
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	s := sender(t, srv, nil)
	for _, c := range []struct{ to, subject string }{
		{to + "\r\nBcc: eve@example.com", "hello"},
		{to + "\nBcc: eve@example.com", "hello"},
		{to, "hello\r\nBcc: eve@example.com"},
		{to, "hello\nX-Evil: 1"},
		{"not an address", "hello"},
		{"anna, bob@example.com", "hello"},
	} {
		err := s.Send(context.Background(), c.to, c.subject, body)
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != drivers.RefusedBadCommand {
			t.Errorf("Send(%q, %q) = %v, want a refusal", c.to, c.subject, err)
		}
		if err != nil && strings.Contains(err.Error(), "eve@") {
			t.Errorf("refusal %q repeats the injected header", err)
		}
	}
	if cmds := srv.Commands(); len(cmds) != 0 {
		t.Errorf("the server saw %v: refused mails must not connect", cmds)
	}
}

func TestDotLinesRoundTrip(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	bodies := []string{
		".\n",
		".hidden\n..two dots\nend\n",
		"line\n.\nafter a lone dot\n",
		"trailing spaces   \nequals = sign\n" + strings.Repeat("long ", 40) + "\n",
		"no final newline",
	}
	s := sender(t, srv, nil)
	for _, b := range bodies {
		if err := s.Send(context.Background(), to, "dots", b); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != len(bodies) {
		t.Fatalf("%d messages arrived, want %d", len(msgs), len(bodies))
	}
	for i, m := range msgs {
		want := bodies[i]
		if !strings.HasSuffix(want, "\n") {
			want += "\n" // SMTP ends every message with a line break
		}
		if m.Body != want {
			t.Errorf("body %q arrived as %q", bodies[i], m.Body)
		}
	}
}

// TestBodyNeverInErrors runs every failure with a body holding a password,
// including a server that quotes the message back.
func TestBodyNeverInErrors(t *testing.T) {
	for _, opts := range []mailtest.Options{
		{RejectRecipient: to},
		{RejectMessages: 1},
		{TempFailures: 1},
		{DropInData: 1},
		{NoSTARTTLS: true},
		{Username: "u", Password: "p", RequireAuth: true},
	} {
		srv := mailtest.NewServer(t, opts)
		s := sender(t, srv, func(c *mail.Config) {
			if opts.NoSTARTTLS {
				c.Security = "starttls"
			}
		})
		err := s.Send(context.Background(), to, "hello", body)
		if err == nil {
			t.Fatalf("options %+v: Send succeeded, want an error", opts)
		}
		noSecret(t, err)
	}
}

func TestConcurrentSends(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.Options{})
	s := sender(t, srv, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- s.Send(context.Background(), to, "hello", body) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(srv.Messages()); n != 8 {
		t.Errorf("%d messages arrived, want 8", n)
	}
}
