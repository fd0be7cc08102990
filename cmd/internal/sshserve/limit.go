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

// errHandshakeTimeout and errEvicted are what a connection's reads return
// once the handshake deadline, or a newcomer, has closed it, so the failed
// handshake says why.
var (
	errHandshakeTimeout = errors.New("not authenticated before the handshake deadline")
	errEvicted          = errors.New("closed to make room for a connection from a less busy address")
)

// limitListener counts the connections that have not authenticated yet,
// in total and per source address, and closes a connection over the
// per-address cap as soon as it is accepted, before a byte of SSH is
// exchanged. When the total is reached, a newcomer from an address that
// holds fewer connections than the busiest one takes the place of that
// address's oldest connection; otherwise it is closed at once. Each
// connection it returns closes itself when its handshake deadline passes
// before it authenticates. See DESIGN.md.
type limitListener struct {
	net.Listener
	total, perAddr int
	timeout        time.Duration
	refused        *logLimit // connections over a cap, or evicted

	mu     sync.Mutex
	open   int                       // unauthenticated connections
	byAddr map[string][]*limitedConn // the same per source address, oldest first
	seq    uint64                    // accept order, for ties
}

func newLimitListener(ln net.Listener, cfg Config, refused *logLimit) *limitListener {
	return &limitListener{
		Listener: ln,
		total:    cfg.MaxUnauthenticated,
		perAddr:  cfg.MaxUnauthenticatedPerAddr,
		timeout:  cfg.HandshakeTimeout,
		refused:  refused,
		byAddr:   map[string][]*limitedConn{},
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
		var victim *limitedConn
		mine := len(l.byAddr[host])
		switch {
		case mine >= l.perAddr:
			over = fmt.Sprintf("%d from this address", l.perAddr)
		case l.open >= l.total:
			if victim = l.evictable(mine); victim == nil {
				over = fmt.Sprintf("%d in total", l.total)
			}
		}
		if over != "" {
			l.mu.Unlock()
			_ = c.Close()
			l.refused.Info("ssh connection refused: too many connections not yet authenticated",
				"remote", addrString(c.RemoteAddr()), "limit", over)
			continue
		}
		l.seq++
		lc := &limitedConn{Conn: c, l: l, host: host, seq: l.seq}
		l.open++
		l.byAddr[host] = append(l.byAddr[host], lc)
		// The lock keeps expire from running before timer is set.
		lc.mu.Lock()
		lc.timer = time.AfterFunc(l.timeout, lc.expire)
		lc.mu.Unlock()
		l.mu.Unlock()
		if victim != nil {
			victim.closeFor(errEvicted)
			l.refused.Info("ssh connection closed to make room: too many connections not yet authenticated",
				"remote", addrString(victim.RemoteAddr()), "for", addrString(c.RemoteAddr()),
				"limit", fmt.Sprintf("%d in total", l.total))
		}
		return lc, nil
	}
}

// evictable picks the connection that makes room for a newcomer whose
// address holds mine connections: the oldest one of the busiest address,
// if that address holds at least two more. So an address never loses its
// only connection, and flooding from a few addresses cannot crowd out an
// operator from another. It takes the victim off the count; nil means the
// newcomer must go. l.mu is held.
func (l *limitListener) evictable(mine int) *limitedConn {
	var victim *limitedConn
	most := 0
	for _, list := range l.byAddr {
		if n := len(list); n > most || n == most && list[0].seq < victim.seq {
			most, victim = n, list[0]
		}
	}
	if victim == nil || most < mine+2 {
		return nil
	}
	victim.mu.Lock()
	defer victim.mu.Unlock()
	if victim.authed || victim.released {
		return nil // leaving the count anyway
	}
	victim.released = true
	l.forget(victim)
	return victim
}

// unauthenticated is the number of connections counted against the caps.
func (l *limitListener) unauthenticated() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

func (l *limitListener) release(c *limitedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forget(c)
}

// forget takes c off the counts; l.mu is held.
func (l *limitListener) forget(c *limitedConn) {
	list := l.byAddr[c.host]
	for i, x := range list {
		if x == c {
			l.open--
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(l.byAddr, c.host)
	} else {
		l.byAddr[c.host] = list
	}
}

// limitedConn is a connection counted against the caps until it
// authenticates, is closed, or is closed for it (its handshake deadline
// passed, or a newcomer took its place).
type limitedConn struct {
	net.Conn
	l    *limitListener
	host string
	seq  uint64

	mu       sync.Mutex
	timer    *time.Timer
	authed   bool
	released bool  // off the counts
	why      error // why we closed it ourselves
}

// authenticated stops the handshake deadline and takes the connection off
// the caps. It reports false when the connection was closed first.
func (c *limitedConn) authenticated() bool {
	c.mu.Lock()
	if c.why != nil {
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
	gone := c.authed || c.released
	c.mu.Unlock()
	if !gone {
		c.closeFor(errHandshakeTimeout)
	}
}

// closeFor closes the connection for the reason why, unless it has
// authenticated meanwhile.
func (c *limitedConn) closeFor(why error) {
	c.mu.Lock()
	if c.authed || c.why != nil {
		c.mu.Unlock()
		return
	}
	c.why = why
	c.timer.Stop()
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
		c.l.release(c)
	}
}

// Read reports why, once we closed the connection ourselves, instead of
// "use of closed network connection".
func (c *limitedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		c.mu.Lock()
		why := c.why
		c.mu.Unlock()
		switch {
		case errors.Is(why, errHandshakeTimeout):
			err = fmt.Errorf("%w (%s)", why, c.l.timeout)
		case why != nil:
			err = why
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
