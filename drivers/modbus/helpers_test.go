package modbus_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/drivers/sim"
)

var ctx = context.Background()

// startSim serves a simulated panel of fam on a free loopback port.
func startSim(t testing.TB, fam string, opts modbus.SimOptions) (*modbus.Simulator, string) {
	t.Helper()
	s, err := modbus.NewSimulator(fam, opts)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, addr.String()
}

// dial opens the modbus driver on addr with options.
func dial(t testing.TB, addr string, options map[string]string) *modbus.Driver {
	t.Helper()
	p, err := drivers.Open("modbus", drivers.Config{Address: "tcp://" + addr, Options: options})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.(*modbus.Driver)
}

func panelOf(s *modbus.Simulator) *sim.Panel { return s.Panel() }

func wantRefusal(t *testing.T, err error, kind drivers.RefusalKind) *drivers.Refusal {
	t.Helper()
	var r *drivers.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("err = %v, want a *drivers.Refusal (%s)", err, kind)
	}
	if r.Kind != kind {
		t.Fatalf("refusal %s (%q), want %s", r.Kind, r.Reason, kind)
	}
	if drivers.Transient(err) {
		t.Fatalf("refusal %v is transient", err)
	}
	return r
}

// miniServer is a hand-written Modbus TCP server (function 3 and 16; any
// other function gets exception 1) for fault injection: it serves regs
// and can hold its first reply or drop its first connection.
type miniServer struct {
	l net.Listener

	mu   sync.Mutex
	regs []uint16   // guarded by mu
	open []net.Conn // guarded by mu

	// hold, when set, holds the first reply until it is closed; sent is
	// closed once that late reply has been written.
	hold, sent chan struct{}
	// dropFirst closes the first connection after its first reply;
	// dropped is closed once it is closed.
	dropFirst bool
	dropped   chan struct{}
	// loseFirstReply takes the first write and closes its connection
	// instead of answering it: a reply lost after the device acted.
	loseFirstReply bool
	seqs           []uint16 // the sequence number of each write; guarded by mu

	conns    atomic.Int32
	requests atomic.Int32
	writes   atomic.Int32 // function 16 requests
	wg       sync.WaitGroup
}

// swap puts another device behind the server's address: its registers
// change and every open connection is closed.
func (m *miniServer) swap(regs []uint16) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.regs = regs
	for _, c := range m.open {
		c.Close()
	}
	m.open = nil
}

// setRegs changes the registers, keeping the connections.
func (m *miniServer) setRegs(regs []uint16) {
	m.mu.Lock()
	m.regs = regs
	m.mu.Unlock()
}

func newMiniServer(t *testing.T, regs []uint16) *miniServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &miniServer{l: l, regs: regs, sent: make(chan struct{}), dropped: make(chan struct{})}
	t.Cleanup(func() { l.Close(); m.wg.Wait() })
	return m
}

func (m *miniServer) addr() string { return m.l.Addr().String() }

func (m *miniServer) serve() {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer func() {
			m.mu.Lock()
			for _, c := range m.open {
				c.Close()
			}
			m.mu.Unlock()
		}()
		for {
			c, err := m.l.Accept()
			if err != nil {
				return
			}
			n := m.conns.Add(1)
			m.mu.Lock()
			m.open = append(m.open, c)
			m.mu.Unlock()
			m.wg.Add(1)
			go func() {
				defer m.wg.Done()
				defer c.Close()
				m.conn(c, n == 1)
			}()
		}
	}()
}

func (m *miniServer) conn(c net.Conn, first bool) {
	for replies := 0; ; replies++ {
		var hdr [7]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		pdu := make([]byte, int(binary.BigEndian.Uint16(hdr[4:]))-1)
		if _, err := io.ReadFull(c, pdu); err != nil {
			return
		}
		reqNo := m.requests.Add(1)
		var resp []byte
		switch fc := pdu[0]; {
		case fc == 3 && len(pdu) == 5:
			a, q := int(binary.BigEndian.Uint16(pdu[1:])), int(binary.BigEndian.Uint16(pdu[3:]))
			m.mu.Lock()
			if a+q > len(m.regs) {
				resp = []byte{fc | 0x80, 2}
			} else {
				resp = append([]byte{fc, byte(2 * q)}, modbus.RegsToBytes(m.regs[a:a+q])...)
			}
			m.mu.Unlock()
		case fc == 16 && len(pdu) >= 8:
			m.mu.Lock()
			m.seqs = append(m.seqs, binary.BigEndian.Uint16(pdu[6:]))
			m.mu.Unlock()
			if m.writes.Add(1) == 1 && m.loseFirstReply {
				return
			}
			resp = append([]byte{fc}, pdu[1:5]...)
		default:
			resp = []byte{fc | 0x80, 1}
		}
		out := make([]byte, 7, 7+len(resp))
		copy(out, hdr[:4])
		binary.BigEndian.PutUint16(out[4:], uint16(len(resp)+1))
		out[6] = hdr[6]
		out = append(out, resp...)
		if reqNo == 1 && m.hold != nil {
			<-m.hold
			c.Write(out) // late: the client has given up and may have closed
			close(m.sent)
			continue
		}
		if _, err := c.Write(out); err != nil {
			return
		}
		if first && m.dropFirst && replies == 0 {
			c.Close()
			close(m.dropped)
			return
		}
	}
}

// identityRegs is a valid identity block followed by empty space, for the
// mini server.
func identityRegs() []uint16 {
	w := modbus.EncodeIdentity(modbus.Info{
		Identity:     drivers.Identity{Vendor: "mini", Model: "MBAP test server", Serial: "1", Firmware: "1", Slots: 8, Partitions: 1, CodeLength: 4},
		MasterSlot:   1,
		Capabilities: drivers.Capabilities{Users: true, ArmDisarm: true},
	})
	return append(w, make([]uint16, 256)...)
}
