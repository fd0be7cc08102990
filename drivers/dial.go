package drivers

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
)

// Simulated devices inside this process (the demo site's Envisalinks)
// listen on an in-process address, "inproc:NAME", so that a driver reaches
// them through the same code as a device on the network, with no port to
// find free or to keep in the database. Dial is how every network driver
// connects.

// InProcessScheme prefixes the addresses of in-process listeners.
const InProcessScheme = "inproc:"

var inproc = struct {
	mu sync.Mutex
	l  map[string]*pipeListener
}{l: map[string]*pipeListener{}}

// ListenInProcess listens on "inproc:NAME". Closing the listener frees the
// name; a name already listened on is refused.
func ListenInProcess(name string) (net.Listener, error) {
	inproc.mu.Lock()
	defer inproc.mu.Unlock()
	if _, dup := inproc.l[name]; dup {
		return nil, fmt.Errorf("%s%s is already listened on in this process", InProcessScheme, name)
	}
	l := &pipeListener{name: name, conns: make(chan net.Conn), done: make(chan struct{})}
	inproc.l[name] = l
	return l, nil
}

// Dial connects to address: "inproc:NAME" reaches a ListenInProcess
// listener of this process; anything else is a TCP "host:port".
func Dial(ctx context.Context, address string) (net.Conn, error) {
	name, ok := strings.CutPrefix(address, InProcessScheme)
	if !ok {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", address)
	}
	inproc.mu.Lock()
	l := inproc.l[name]
	inproc.mu.Unlock()
	if l == nil {
		return nil, &net.OpError{Op: "dial", Net: "inproc", Err: fmt.Errorf("nothing listens on %s%s in this process: %w", InProcessScheme, name, ErrOffline)}
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		client.Close()
		server.Close()
		return nil, &net.OpError{Op: "dial", Net: "inproc", Err: fmt.Errorf("%s%s closed: %w", InProcessScheme, name, ErrOffline)}
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	}
}

type pipeListener struct {
	name  string
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		inproc.mu.Lock()
		if inproc.l[l.name] == l {
			delete(inproc.l, l.name)
		}
		inproc.mu.Unlock()
	})
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(InProcessScheme + l.name) }

type pipeAddr string

func (a pipeAddr) Network() string { return "inproc" }
func (a pipeAddr) String() string  { return string(a) }

// TCPAddress is the address Dial takes for a device configured as
// address: "tcp://" dropped, defaultPort added to a bare host, an
// in-process address kept as it is.
func TCPAddress(address, defaultPort string) (string, error) {
	addr := strings.TrimPrefix(strings.TrimSpace(address), "tcp://")
	if strings.HasPrefix(addr, InProcessScheme) {
		return addr, nil
	}
	if addr == "" {
		return "", fmt.Errorf("no address: give the device's host or host:port (port %s by default)", defaultPort)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, defaultPort)
	}
	if host, port, err := net.SplitHostPort(addr); err != nil || host == "" || port == "" {
		return "", fmt.Errorf("address %q: give host or host:port, e.g. 10.0.0.5:%s", address, defaultPort)
	}
	return addr, nil
}
