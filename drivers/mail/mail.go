// Package mail delivers guardroom's account mails (one-time passwords,
// later security notices) through an SMTP server. It uses net/smtp and
// crypto/tls only.
//
// The dispatcher keeps every mail job until the mail is delivered or is
// known to be undeliverable. It decides what to do from the class of Send's
// error:
//
//   - Transient (drivers.Transient is true; the error wraps
//     drivers.ErrOffline, drivers.ErrTimeout or drivers.ErrBusy): the server
//     could not be reached, did not answer in time, dropped the connection,
//     or deferred the mail with a 4xx reply. The mail waits and is retried.
//   - *drivers.Refusal: the server refused this mail for good, with a 5xx
//     reply to RCPT (no such recipient) or to DATA (message refused). That
//     mail will never go, so retrying cannot help.
//   - ErrSetup (drivers.Transient is false): guardroom's mail setup is
//     wrong, or the server cannot be trusted. Examples: the login was
//     refused, the TLS handshake or certificate failed, no STARTTLS was
//     offered, or the sender was refused. That is not the mail's fault, so
//     the dispatcher keeps such mails pending and shows the error to an
//     operator. Retrying before someone fixes the smtp settings would only
//     repeat the error.
//
// A mail's body may hold a one-time password. No error carries the body
// (server replies are scrubbed of its words too), and the package logs
// nothing.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/guardroom/guardroom/drivers"
)

// ErrSetup marks an error that comes from the mail setup, not the mail:
// bad credentials, a TLS failure, no STARTTLS, a refused sender. It is not
// transient, and the mail is not at fault: keep the mail pending until the
// smtp settings (or the server) are fixed.
var ErrSetup = errors.New("mail server setup problem: fix the [smtp] settings; the mail stays queued")

// Security modes.
const (
	StartTLS = "starttls" // plain connection, then STARTTLS; required, never skipped
	TLS      = "tls"      // TLS from the first byte (SMTPS)
	None     = "none"     // no encryption (a relay on localhost or a trusted LAN)
)

// DefaultTimeout bounds one delivery when Config.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// Config is the smtp section of guardroom's configuration file; errors
// name its keys as "[smtp] host", "[smtp] password_file" and so on.
type Config struct {
	Host string
	// Port 0 is the security mode's usual port: 587 for starttls, 465 for
	// tls, 25 for none.
	Port int
	// Security is "starttls" (the default when empty), "tls" or "none".
	Security string
	// Username and Password log in with AUTH PLAIN when Username is set.
	// Password is read from the file that the smtp password_file key names.
	Username, Password string
	// From is the sender, "guardroom@example.com" or
	// "Guardroom <guardroom@example.com>".
	From string
	// Timeout bounds one delivery, from dialing to QUIT. 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// TLS is the client TLS configuration. nil means the system roots. An
	// empty ServerName is set to Host. Tests pass their own roots.
	TLS *tls.Config
}

// Sender delivers mail through one SMTP server. It keeps no connection
// between mails, and it is safe for concurrent use.
type Sender struct {
	host, addr, security string
	username, password   string
	from                 *mail.Address
	timeout              time.Duration
	tls                  *tls.Config
	helo                 string
}

// New checks cfg and returns a Sender. Its errors name the smtp key to
// fix. It does not contact the server.
func New(cfg Config) (*Sender, error) {
	host := strings.TrimSpace(cfg.Host)
	if host == "" {
		return nil, errors.New("no SMTP server: set [smtp] host (for example mail.example.com)")
	}
	if strings.ContainsAny(host, " \t\r\n/@") || (strings.Contains(host, ":") && net.ParseIP(host) == nil) {
		return nil, fmt.Errorf("[smtp] host %q is not a host name: give the server's name or IP address alone, and its port in [smtp] port", host)
	}
	security := strings.ToLower(strings.TrimSpace(cfg.Security))
	port := cfg.Port
	switch security {
	case "", StartTLS:
		security = StartTLS
		if port == 0 {
			port = 587
		}
	case TLS:
		if port == 0 {
			port = 465
		}
	case None:
		if port == 0 {
			port = 25
		}
	default:
		return nil, fmt.Errorf("[smtp] security %q: use starttls (the default), tls or none", cfg.Security)
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("[smtp] port %d: use 1-65535 (usually 587 for starttls, 465 for tls, 25 for none)", port)
	}
	if strings.TrimSpace(cfg.From) == "" {
		return nil, errors.New("no sender address: set [smtp] from (for example guardroom@example.com)")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("[smtp] from %q is not an e-mail address (%v): use name@domain or \"Name <name@domain>\"", cfg.From, err)
	}
	if !ascii(from.Address) {
		return nil, fmt.Errorf("[smtp] from %q: the address must be ASCII (guardroom does not use SMTPUTF8)", cfg.From)
	}
	switch {
	case cfg.Username != "" && cfg.Password == "":
		return nil, errors.New("[smtp] username is set but the password is empty: check [smtp] password_file")
	case cfg.Username == "" && cfg.Password != "":
		return nil, errors.New("a password is set but [smtp] username is empty: set the username, or remove [smtp] password_file")
	case cfg.Username != "" && security == None && !isLocalhost(host):
		// net/smtp's PlainAuth would refuse at the first mail anyway;
		// saying so now points at the setting.
		return nil, fmt.Errorf("[smtp] security none would send the password for %s in clear text: use starttls or tls (a login without encryption is allowed to localhost only)", host)
	}
	timeout := cfg.Timeout
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < 0:
		return nil, fmt.Errorf("SMTP timeout %v: give a positive duration, or 0 for %v", timeout, DefaultTimeout)
	}
	tc := &tls.Config{}
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	return &Sender{
		host:     host,
		addr:     net.JoinHostPort(host, strconv.Itoa(port)),
		security: security,
		username: cfg.Username,
		password: cfg.Password,
		from:     from,
		timeout:  timeout,
		tls:      tc,
		helo:     heloName(),
	}, nil
}

// isLocalhost matches net/smtp's own test for where PlainAuth may run
// without TLS.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// heloName is this machine's name for EHLO, or "localhost" when the name
// is not a plain host name a server would take.
func heloName() string {
	h, err := os.Hostname()
	if err != nil || h == "" || len(h) > 255 {
		return "localhost"
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return "localhost"
		}
	}
	return h
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Transport names the way mail leaves, for the action log: "smtp starttls
// mail.example.com:587".
func (s *Sender) Transport() string {
	return "smtp " + s.security + " " + s.addr
}

// Send delivers one plain-text mail to one recipient. A body that does not
// end with a line break gets one (SMTP ends every message with one). See
// the package documentation for what its errors mean.
func (s *Sender) Send(ctx context.Context, to, subject, body string) error {
	rcpt, err := recipient(to)
	if err != nil {
		return err
	}
	if strings.ContainsAny(subject, "\r\n") {
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand,
			Reason: "the mail's subject holds a line break, which could inject mail headers: the mail was not sent (a guardroom bug: report it)"}
	}
	msg, err := s.message(rcpt, subject, body)
	if err != nil {
		return err
	}
	return s.deliver(ctx, rcpt.Address, msg, body)
}

// recipient parses to. Its refusals are permanent: the address will not
// get better by retrying.
func recipient(to string) (*mail.Address, error) {
	if strings.ContainsAny(to, "\r\n") {
		return nil, &drivers.Refusal{Kind: drivers.RefusedBadCommand,
			Reason: "the recipient address holds a line break, which could inject mail headers: fix the account's e-mail address"}
	}
	a, err := mail.ParseAddress(to)
	if err != nil {
		return nil, &drivers.Refusal{Kind: drivers.RefusedBadCommand,
			Reason: fmt.Sprintf("%q is not an e-mail address (%v): fix the account's e-mail address", to, err)}
	}
	if !ascii(a.Address) {
		return nil, &drivers.Refusal{Kind: drivers.RefusedBadCommand,
			Reason: fmt.Sprintf("%q has non-ASCII characters, which guardroom cannot send to (no SMTPUTF8): use an ASCII address", a.Address)}
	}
	return a, nil
}

// message builds the RFC 5322 message: CRLF line ends, a Q-encoded
// subject when it is not ASCII, and a quoted-printable UTF-8 body, so that
// every line is 7-bit and short whatever the text.
func (s *Sender) message(to *mail.Address, subject, body string) ([]byte, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("making a Message-ID: %w", err)
	}
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<%x@%s>", id, domain))
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", encodeSubject(subject))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := io.WriteString(qp, body); err != nil {
		return nil, fmt.Errorf("encoding the mail body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("encoding the mail body: %w", err)
	}
	return b.Bytes(), nil
}

// encodeSubject Q-encodes a subject that needs it and folds the
// encoded-words (at most 75 characters each, RFC 2047) onto lines of their
// own, so that a long subject does not become one long line.
func encodeSubject(subject string) string {
	enc := mime.QEncoding.Encode("utf-8", subject)
	if enc == subject {
		return subject
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// deliver runs one SMTP session. The whole session, not each step, is
// bounded by the timeout, and cancelling ctx cuts the connection at once.
func (s *Sender) deliver(ctx context.Context, rcpt string, msg []byte, body string) error {
	start := time.Now()
	deadline := start.Add(s.timeout)
	sctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if d, ok := sctx.Deadline(); ok {
		deadline = d
	}
	ses := &session{s: s, ctx: ctx, sctx: sctx, limit: deadline.Sub(start).Round(time.Millisecond), body: body}

	var d net.Dialer
	conn, err := d.DialContext(sctx, "tcp", s.addr)
	if err != nil {
		return ses.fail("connect", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(sctx, func() { conn.Close() })
	defer stop()

	if s.security == TLS {
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(sctx); err != nil {
			return ses.fail("tls", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return ses.fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.helo); err != nil {
		return ses.fail("hello", err)
	}
	if s.security == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return setupErr("SMTP server %s does not offer STARTTLS, and with [smtp] security starttls guardroom never sends mail unencrypted: enable STARTTLS on the server, or set [smtp] security to tls (port 465)", s.addr)
		}
		if err := c.StartTLS(s.tls); err != nil {
			return ses.fail("starttls", err)
		}
	}
	if s.username != "" {
		if ok, mechs := c.Extension("AUTH"); !ok || !hasWord(mechs, "PLAIN") {
			return setupErr("SMTP server %s does not offer AUTH PLAIN (it offers %q): check [smtp] security (many servers offer a login only after STARTTLS), or remove [smtp] username if the server needs none", s.addr, mechs)
		}
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return ses.fail("auth", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return ses.fail("mail", err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return ses.fail("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return ses.fail("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return ses.fail("data", err)
	}
	if err := w.Close(); err != nil {
		return ses.fail("end of data", err)
	}
	// The server has taken the mail. A failed QUIT must not turn into an
	// error, or the dispatcher would send the mail a second time.
	_ = c.Quit()
	return nil
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if strings.EqualFold(w, word) {
			return true
		}
	}
	return false
}

// transientError reads well for people and unwraps, for the dispatcher, to
// its class (drivers.ErrOffline, ErrTimeout, ErrBusy) and its cause. The
// class's own text speaks of devices, so it stays out of the message.
type transientError struct {
	msg   string
	class error
	cause error // nil, a network error or a context error; never a server reply
}

func (e *transientError) Error() string { return e.msg }

func (e *transientError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.class}
	}
	return []error{e.class, e.cause}
}

// setupError unwraps to ErrSetup only. A network error as its cause would
// make drivers.Transient true, because a TLS alert arrives as a
// *net.OpError.
type setupError struct{ msg string }

func (e *setupError) Error() string { return e.msg }
func (e *setupError) Unwrap() error { return ErrSetup }

func setupErr(format string, args ...any) error {
	return &setupError{fmt.Sprintf(format, args...)}
}

// session classifies the errors of one delivery.
type session struct {
	s     *Sender
	ctx   context.Context // the caller's
	sctx  context.Context // ctx bounded by the Sender's timeout
	limit time.Duration   // the time sctx allowed
	body  string
}

// fail turns an error met at stage into one of the package's classes.
func (ses *session) fail(stage string, err error) error {
	s := ses.s
	// Once the context has ended, the broken connection is its effect and
	// not the news.
	if cerr := ses.ctx.Err(); cerr != nil && !errors.Is(cerr, context.DeadlineExceeded) {
		return &transientError{
			fmt.Sprintf("sending mail through %s stopped (%v) during %s: the mail waits and is retried", s.addr, cerr, stage),
			drivers.ErrTimeout, cerr}
	}
	var ne net.Error
	if ses.sctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
		return &transientError{
			fmt.Sprintf("SMTP server %s did not answer within %v (during %s): check the network and [smtp] host and port; the mail waits and is retried", s.addr, ses.limit, stage),
			drivers.ErrTimeout, context.DeadlineExceeded}
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return ses.reply(stage, reply)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &transientError{
			fmt.Sprintf("cannot find SMTP server %s (%v): check [smtp] host; the mail waits and is retried", s.host, dns),
			drivers.ErrOffline, err}
	}
	if rh := (tls.RecordHeaderError{}); errors.As(err, &rh) {
		return setupErr("SMTP server %s does not speak TLS where guardroom expects it (%v): check [smtp] security and port (tls is usually port 465, starttls 587)", s.addr, err)
	}
	if (stage == "tls" || stage == "starttls") && !networkErr(err) {
		return setupErr("TLS with SMTP server %s failed (%v): check that [smtp] host is the name on the server's certificate, that the certificate is valid, and [smtp] security and port", s.addr, err)
	}
	if stage == "connect" {
		return &transientError{
			fmt.Sprintf("cannot connect to SMTP server %s (%v): check [smtp] host and port, and that the server is running; the mail waits and is retried", s.addr, err),
			drivers.ErrOffline, err}
	}
	if networkErr(err) {
		return &transientError{
			fmt.Sprintf("connection to SMTP server %s dropped during %s (%v): the mail waits and is retried", s.addr, stage, err),
			drivers.ErrOffline, err}
	}
	// What is left comes from net/smtp itself (PlainAuth refusing a
	// connection it deems unsafe, an unexpected reply): setup.
	return setupErr("SMTP %s with %s failed (%v): check the [smtp] settings", stage, s.addr, err)
}

// networkErr reports whether err is the connection failing rather than
// the server or TLS saying no. A received TLS alert ("remote error") is
// a *net.OpError too, but it is a verdict on the setup.
func networkErr(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op != "remote error"
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED)
}

// reply classifies a server's SMTP reply.
func (ses *session) reply(stage string, r *textproto.Error) error {
	s := ses.s
	said := fmt.Sprintf("%d %s", r.Code, scrub(r.Msg, ses.body))
	switch {
	case r.Code >= 400 && r.Code < 500:
		return &transientError{
			fmt.Sprintf("SMTP server %s deferred the mail during %s (%s): the mail waits and is retried", s.addr, stage, said),
			drivers.ErrBusy, nil}
	case r.Code < 500 || r.Code > 599:
		return setupErr("SMTP server %s gave an unexpected reply during %s (%s): check [smtp] host, port and security", s.addr, stage, said)
	}
	switch stage {
	case "rcpt":
		return &drivers.Refusal{Kind: drivers.RefusedOther,
			Reason: fmt.Sprintf("SMTP server %s refused the recipient (%s): check the account's e-mail address; this mail will not be sent", s.addr, said)}
	case "data", "end of data":
		return &drivers.Refusal{Kind: drivers.RefusedOther,
			Reason: fmt.Sprintf("SMTP server %s refused the message (%s): this mail will not be sent", s.addr, said)}
	case "auth":
		return setupErr("SMTP login refused by %s (%s): check [smtp] username and password_file", s.addr, said)
	case "mail":
		if r.Code == 530 {
			return setupErr("SMTP server %s requires a login (%s): set [smtp] username and password_file", s.addr, said)
		}
		return setupErr("SMTP server %s refused the sender %s (%s): check [smtp] from (many servers take only their own addresses) and [smtp] username", s.addr, s.from.Address, said)
	default:
		return setupErr("SMTP server %s refused the session during %s (%s): check [smtp] host, port and security", s.addr, stage, said)
	}
}

// maxReply bounds the server text an error repeats.
const maxReply = 200

// scrub keeps a server reply out of harm's way before it goes into an
// error. Some servers quote the message back when they refuse it, so every
// word of the body that could be a secret (it holds a digit, or is long
// enough to be a token) is cut out. The reply is also shortened.
func scrub(reply, body string) string {
	// Whole fields catch a link; alphanumeric runs catch a code that the
	// body follows with punctuation and the reply does not.
	words := append(strings.Fields(body), strings.FieldsFunc(body, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})...)
	for _, w := range words {
		if len(w) >= 4 && (strings.ContainsAny(w, "0123456789") || len(w) >= 12) {
			reply = strings.ReplaceAll(reply, w, "…")
		}
	}
	reply = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, reply)
	if len(reply) > maxReply {
		cut := maxReply
		for cut > 0 && !utf8.RuneStart(reply[cut]) {
			cut--
		}
		reply = reply[:cut] + "…"
	}
	return reply
}
