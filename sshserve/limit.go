package sshserve

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Defaults for the pre-authentication limits in Config.
const (
	DefaultHandshakeTimeout          = 20 * time.Second
	DefaultMaxUnauthenticated        = 64
	DefaultMaxUnauthenticatedPerAddr = 8
	DefaultRefusalLogLines           = 10
	DefaultRefusalLogInterval        = time.Minute
)

// errHandshakeTimeout is what a connection's reads return once its
// handshake deadline has closed it, so the failed handshake says why.
var errHandshakeTimeout = errors.New("not authenticated before the handshake deadline")

// limitListener counts the connections that have not authenticated yet,
// in total and per source IP address, and closes a connection over either
// cap as soon as it is accepted, before a byte of SSH is exchanged. Each
// connection it returns closes itself when its handshake deadline passes
// before it authenticates. See DESIGN.md.
type limitListener struct {
	net.Listener
	total, perAddr int
	timeout        time.Duration
	refused        *logLimit // connections over a cap

	mu     sync.Mutex
	open   int            // unauthenticated connections
	byAddr map[string]int // the same, per source IP address
}

func newLimitListener(ln net.Listener, cfg Config, refused *logLimit) *limitListener {
	return &limitListener{
		Listener: ln,
		total:    cfg.MaxUnauthenticated,
		perAddr:  cfg.MaxUnauthenticatedPerAddr,
		timeout:  cfg.HandshakeTimeout,
		refused:  refused,
		byAddr:   map[string]int{},
	}
}

// Accept returns the next connection within the caps. Connections over a
// cap are closed here and never reach the SSH server.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := hostOf(c.RemoteAddr())
		l.mu.Lock()
		var over string
		switch {
		case l.byAddr[host] >= l.perAddr:
			over = fmt.Sprintf("%d from this address", l.perAddr)
		case l.open >= l.total:
			over = fmt.Sprintf("%d in total", l.total)
		default:
			l.open++
			l.byAddr[host]++
			lc := &limitedConn{Conn: c, l: l, host: host}
			// The lock keeps expire from running before timer is set.
			lc.mu.Lock()
			lc.timer = time.AfterFunc(l.timeout, lc.expire)
			lc.mu.Unlock()
			l.mu.Unlock()
			return lc, nil
		}
		l.mu.Unlock()
		_ = c.Close()
		l.refused.Info("ssh connection refused: too many connections not yet authenticated",
			"remote", addrString(c.RemoteAddr()), "limit", over)
	}
}

// unauthenticated is the number of connections counted against the caps.
func (l *limitListener) unauthenticated() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

func (l *limitListener) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[host]--; l.byAddr[host] <= 0 {
		delete(l.byAddr, host)
	}
}

// limitedConn is a connection counted against the caps until it
// authenticates, is closed, or its handshake deadline passes.
type limitedConn struct {
	net.Conn
	l    *limitListener
	host string

	mu       sync.Mutex
	timer    *time.Timer
	authed   bool
	expired  bool
	released bool
}

// authenticated stops the handshake deadline and takes the connection off
// the caps. It reports false when the deadline came first (the connection
// is closed).
func (c *limitedConn) authenticated() bool {
	c.mu.Lock()
	if c.expired {
		c.mu.Unlock()
		return false
	}
	c.authed = true
	c.timer.Stop()
	c.mu.Unlock()
	c.release()
	return true
}

// expire closes a connection that has not authenticated in time.
func (c *limitedConn) expire() {
	c.mu.Lock()
	if c.authed || c.released {
		c.mu.Unlock()
		return
	}
	c.expired = true
	c.mu.Unlock()
	c.release()
	_ = c.Conn.Close()
}

func (c *limitedConn) release() {
	c.mu.Lock()
	first := !c.released
	c.released = true
	c.mu.Unlock()
	if first {
		c.l.release(c.host)
	}
}

// Read reports errHandshakeTimeout once the deadline has closed the
// connection, instead of "use of closed network connection".
func (c *limitedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		c.mu.Lock()
		expired := c.expired
		c.mu.Unlock()
		if expired {
			err = fmt.Errorf("%w (%s)", errHandshakeTimeout, c.l.timeout)
		}
	}
	return n, err
}

func (c *limitedConn) Close() error {
	c.mu.Lock()
	c.timer.Stop()
	c.mu.Unlock()
	c.release()
	return c.Conn.Close()
}

// hostOf is what the per-address cap counts by: the IPv4 address of a
// connection's remote end, or its IPv6 /64 (one subscriber's network
// usually has a whole /64, so single IPv6 addresses cost an attacker
// nothing).
func hostOf(a net.Addr) string {
	var ip net.IP
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip = tcp.IP
	} else if host, _, err := net.SplitHostPort(addrString(a)); err == nil {
		ip = net.ParseIP(host)
	}
	switch {
	case ip == nil:
		return addrString(a)
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// logLimit writes at most lines log lines of one kind of refusal per
// interval. Past that it only counts them, and when the interval ends (or
// the server stops) one line says how many were left out. So a flood of
// connections can neither fill the disk with log lines nor stay unseen.
type logLimit struct {
	log      *slog.Logger
	kind     string // what is refused, for the summary line
	lines    int
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	start      time.Time // when the current interval began
	n          int       // lines written in it
	suppressed int       // refusals counted but not logged in it
	timer      *time.Timer
	stopped    bool
}

func newLogLimit(log *slog.Logger, kind string, cfg Config) *logLimit {
	return &logLimit{log: log, kind: kind, lines: cfg.RefusalLogLines, interval: cfg.RefusalLogInterval, now: time.Now}
}

// Info logs msg, or counts it when this interval's lines are used up.
func (l *logLimit) Info(msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.start) >= l.interval {
		l.summaryLocked()
		l.start, l.n = now, 0
	}
	if l.n < l.lines {
		l.n++
		l.log.Info(msg, args...)
		return
	}
	l.suppressed++
	if l.timer == nil && !l.stopped {
		l.timer = time.AfterFunc(l.start.Add(l.interval).Sub(now), l.summary)
	}
}

// summary writes how many refusals were not logged, if any.
func (l *logLimit) summary() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.summaryLocked()
}

func (l *logLimit) summaryLocked() {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if l.suppressed == 0 {
		return
	}
	l.log.Warn(fmt.Sprintf("… %d more refusals suppressed", l.suppressed),
		"kind", l.kind, "suppressed", l.suppressed, "since", l.start.Format(time.RFC3339),
		"limit", fmt.Sprintf("%d lines per %s", l.lines, l.interval))
	l.suppressed = 0
}

// stop writes the summary and starts no more timers.
func (l *logLimit) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	l.summaryLocked()
}
