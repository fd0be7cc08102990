// Package mailtest is a small in-process SMTP server for tests: the mail
// client in drivers/mail, and any package that sends mail through it, can
// deliver over loopback and check what arrived without a real mail server.
//
// It speaks enough SMTP for that: EHLO/HELO, STARTTLS and implicit TLS (with
// a self-signed certificate made at start; ClientTLS trusts it), AUTH PLAIN
// against one configured login, MAIL/RCPT/DATA with dot-unstuffing, RSET,
// NOOP and QUIT. Options make it fail the way real servers do: refuse a
// recipient (550), defer messages (451), refuse messages (554), drop the
// connection in the middle of DATA, or never answer at all.
package mailtest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options says how a Server behaves. The zero value is a plain server that
// offers STARTTLS, asks for no login and accepts every message.
type Options struct {
	// Username and Password are the one login AUTH PLAIN accepts. AUTH is
	// offered only when Username is set.
	Username, Password string
	// RequireAuth refuses MAIL with 530 until the client has logged in.
	RequireAuth bool
	// NoSTARTTLS leaves STARTTLS out of the EHLO reply and refuses it.
	NoSTARTTLS bool
	// ImplicitTLS speaks TLS from the first byte (SMTPS, as on port 465).
	ImplicitTLS bool
	// RejectRecipient is an address that RCPT TO refuses with 550.
	RejectRecipient string
	// TempFailures is how many of the next messages get 451 (try again
	// later) at the end of DATA.
	TempFailures int
	// RejectMessages is how many of the next messages get 554 (refused) at
	// the end of DATA.
	RejectMessages int
	// DropInData is how many of the next DATA transfers the server cuts
	// off: it closes the connection after the message's first line.
	DropInData int
	// Silent accepts connections and never answers, not even the
	// greeting: a server that hangs, for timeouts and cancellation.
	Silent bool
}

// Message is one message the server accepted.
type Message struct {
	From string   // MAIL FROM address
	To   []string // RCPT TO addresses
	// Data is the message as received: dot-unstuffed, line ends as the
	// client sent them (CRLF from a correct client), without the final
	// ".".
	Data []byte
	// Header is Data's header; nil if Data does not parse as a message.
	Header mail.Header
	// Subject is the decoded Subject header (encoded-words undone).
	Subject string
	// Body is the decoded body (quoted-printable undone) with "\n" line
	// ends.
	Body string
}

// Server is a running test SMTP server. Its methods are safe for
// concurrent use.
type Server struct {
	opts    Options
	ln      net.Listener
	tlsConf *tls.Config
	roots   *x509.CertPool

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	msgs     []Message
	cmds     []string
	tempLeft int
	rejLeft  int
	dropLeft int
	closed   bool

	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewServer starts a server on 127.0.0.1 at a free port. It is closed when
// the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	cert, roots, err := selfSigned()
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{
		opts:     opts,
		ln:       ln,
		tlsConf:  &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		roots:    roots,
		conns:    map[net.Conn]struct{}{},
		tempLeft: opts.TempFailures,
		rejLeft:  opts.RejectMessages,
		dropLeft: opts.DropInData,
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots, nil
}

// Addr returns the host (127.0.0.1) and port the server listens on.
func (s *Server) Addr() (host string, port int) {
	a := s.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// ClientTLS returns a client TLS configuration that trusts the server's
// certificate (valid for 127.0.0.1 and localhost). ServerName is left
// empty: set it, or let a client that fills it from the host do so.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		m.To = append([]string(nil), m.To...)
		m.Data = bytes.Clone(m.Data)
		out[i] = m
	}
	return out
}

// Commands returns the command verbs received so far (EHLO, STARTTLS, AUTH,
// MAIL...), over every connection, in order. Arguments are left out: AUTH's
// holds the password.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// Close stops the server, cuts open connections and waits for them to end.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.ln.Close()
		s.wg.Wait()
	})
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.session(c)
	}
}

// take consumes one of a counter's remaining failures.
func (s *Server) take(n *int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

func (s *Server) record(verb string) {
	s.mu.Lock()
	s.cmds = append(s.cmds, verb)
	s.mu.Unlock()
}

// session is one client connection.
type session struct {
	s      *Server
	conn   net.Conn
	r      *bufio.Reader
	w      *bufio.Writer
	tls    bool
	helo   bool
	authed bool
	from   string
	to     []string
	inTx   bool
}

func (s *Server) session(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	// A hung server still reads, so the client's writes do not fail first.
	if s.opts.Silent {
		_, _ = io.Copy(io.Discard, c)
		return
	}
	if s.opts.ImplicitTLS {
		tc := tls.Server(c, s.tlsConf)
		if err := tc.Handshake(); err != nil {
			return
		}
		c = tc // Close still cuts it: it closes the TCP connection below
	}
	ss := &session{s: s, conn: c, r: bufio.NewReader(c), w: bufio.NewWriter(c), tls: s.opts.ImplicitTLS}
	if ss.reply(220, "127.0.0.1 ESMTP mailtest") != nil {
		return
	}
	for {
		line, err := ss.readLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.record(verb)
		if !ss.command(verb, strings.TrimSpace(arg)) {
			return
		}
	}
}

// maxLine bounds a command line (RFC 5321 says 512; AUTH lines run longer).
const maxLine = 4096

func (ss *session) readLine() (string, error) {
	var b []byte
	for {
		chunk, more, err := ss.r.ReadLine()
		if err != nil {
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > maxLine {
			return "", fmt.Errorf("line too long")
		}
		if !more {
			return string(b), nil
		}
	}
}

func (ss *session) reply(code int, lines ...string) error {
	for i, l := range lines {
		sep := " "
		if i < len(lines)-1 {
			sep = "-"
		}
		fmt.Fprintf(ss.w, "%d%s%s\r\n", code, sep, l)
	}
	return ss.w.Flush()
}

func (ss *session) reset() {
	ss.from, ss.to, ss.inTx = "", nil, false
}

// command runs one command and reports whether the session goes on.
func (ss *session) command(verb, arg string) bool {
	s := ss.s
	var err error
	switch verb {
	case "EHLO":
		ss.helo = true
		ss.reset()
		ext := []string{"127.0.0.1 greets " + arg, "8BITMIME", "SIZE 10485760"}
		if !ss.tls && !s.opts.NoSTARTTLS {
			ext = append(ext, "STARTTLS")
		}
		if s.opts.Username != "" {
			ext = append(ext, "AUTH PLAIN")
		}
		err = ss.reply(250, append(ext, "HELP")...)
	case "HELO":
		ss.helo = true
		ss.reset()
		err = ss.reply(250, "127.0.0.1 greets "+arg)
	case "STARTTLS":
		switch {
		case ss.tls:
			err = ss.reply(503, "5.5.1 TLS already active")
		case s.opts.NoSTARTTLS:
			err = ss.reply(502, "5.5.1 STARTTLS not offered")
		default:
			if ss.reply(220, "2.0.0 Ready to start TLS") != nil {
				return false
			}
			tc := tls.Server(ss.conn, s.tlsConf)
			if tc.Handshake() != nil {
				return false
			}
			// RFC 3207: the client starts over, with EHLO and no login.
			ss.conn, ss.r, ss.w = tc, bufio.NewReader(tc), bufio.NewWriter(tc)
			ss.tls, ss.helo, ss.authed = true, false, false
			ss.reset()
		}
	case "AUTH":
		err = ss.auth(arg)
	case "MAIL":
		addr, ok := path(arg, "FROM:")
		switch {
		case !ss.helo:
			err = ss.reply(503, "5.5.1 EHLO first")
		case ss.inTx:
			err = ss.reply(503, "5.5.1 MAIL already given")
		case s.opts.RequireAuth && !ss.authed:
			err = ss.reply(530, "5.7.0 Authentication required")
		case !ok:
			err = ss.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
		default:
			ss.from, ss.inTx = addr, true
			err = ss.reply(250, "2.1.0 OK")
		}
	case "RCPT":
		addr, ok := path(arg, "TO:")
		switch {
		case !ss.inTx:
			err = ss.reply(503, "5.5.1 MAIL first")
		case !ok || addr == "":
			err = ss.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
		case s.opts.RejectRecipient != "" && strings.EqualFold(addr, s.opts.RejectRecipient):
			err = ss.reply(550, "5.1.1 <"+addr+">: Recipient address rejected: User unknown")
		default:
			ss.to = append(ss.to, addr)
			err = ss.reply(250, "2.1.5 OK")
		}
	case "DATA":
		if len(ss.to) == 0 {
			err = ss.reply(503, "5.5.1 RCPT first")
			break
		}
		return ss.data()
	case "RSET":
		ss.reset()
		err = ss.reply(250, "2.0.0 OK")
	case "NOOP":
		err = ss.reply(250, "2.0.0 OK")
	case "QUIT":
		_ = ss.reply(221, "2.0.0 Bye")
		return false
	default:
		err = ss.reply(502, "5.5.2 Command not recognized")
	}
	return err == nil
}

// path returns the address in "FROM:<a@b> PARAMS" after prefix.
func path(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}

func (ss *session) auth(arg string) error {
	s := ss.s
	mech, initial, _ := strings.Cut(arg, " ")
	switch {
	case s.opts.Username == "":
		return ss.reply(502, "5.5.1 AUTH not offered")
	case ss.authed:
		return ss.reply(503, "5.5.1 Already authenticated")
	case !strings.EqualFold(mech, "PLAIN"):
		return ss.reply(504, "5.5.4 Unrecognized authentication type")
	}
	if initial == "" {
		if err := ss.reply(334, ""); err != nil {
			return err
		}
		line, err := ss.readLine()
		if err != nil {
			return err
		}
		initial = line
	}
	if initial == "*" {
		return ss.reply(501, "5.7.0 Authentication cancelled")
	}
	dec, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return ss.reply(501, "5.5.2 Cannot decode response")
	}
	parts := bytes.Split(dec, []byte{0})
	if len(parts) != 3 || string(parts[1]) != s.opts.Username || string(parts[2]) != s.opts.Password {
		return ss.reply(535, "5.7.8 Authentication credentials invalid")
	}
	ss.authed = true
	return ss.reply(235, "2.7.0 Authentication successful")
}

// data reads a message up to the lone ".", undoing dot-stuffing, and
// answers as the options say. It reports whether the session goes on.
func (ss *session) data() bool {
	s := ss.s
	if ss.reply(354, "End data with <CR><LF>.<CR><LF>") != nil {
		return false
	}
	drop := s.take(&s.dropLeft)
	var buf bytes.Buffer
	for {
		line, err := ss.r.ReadString('\n')
		if err != nil {
			return false
		}
		if line == ".\r\n" || line == ".\n" {
			break
		}
		// RFC 5321 4.5.2: a leading dot was doubled by the client.
		line = strings.TrimPrefix(line, ".")
		buf.WriteString(line)
		if drop {
			return false
		}
	}
	from, to := ss.from, ss.to
	ss.reset()
	switch {
	case s.take(&s.tempLeft):
		return ss.reply(451, "4.3.0 Temporary failure, try again later") == nil
	case s.take(&s.rejLeft):
		return ss.reply(554, "5.6.0 Message refused by policy") == nil
	}
	m := parse(buf.Bytes())
	m.From, m.To = from, to
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
	return ss.reply(250, "2.0.0 OK queued") == nil
}

// parse decodes what tests look at. A message that does not parse is
// kept with its Data only, so a test can see what went wrong.
func parse(data []byte) Message {
	m := Message{Data: data}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return m
	}
	m.Header = msg.Header
	if subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subj
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	if b, err := io.ReadAll(body); err == nil {
		m.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	return m
}
