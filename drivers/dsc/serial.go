package dsc

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goburrow/serial"
)

// serialPoll is how often a serial read wakes up to see whether the port
// is being closed.
const serialPoll = 100 * time.Millisecond

// serialPort adapts a goburrow serial port to the session: goburrow's
// Close changes the descriptor a blocked Read is using, so the port is
// closed by the reader itself (Read returns after at most serialPoll), and
// writes never overlap the close.
type serialPort struct {
	p       serial.Port
	mu      sync.Mutex // Write and the close
	closing atomic.Bool
	closed  bool // guarded by mu
}

var errPortClosed = errors.New("serial port closed")

func (s *serialPort) Read(b []byte) (int, error) {
	for {
		if s.closing.Load() {
			s.shut()
			return 0, errPortClosed
		}
		n, err := s.p.Read(b)
		if errors.Is(err, serial.ErrTimeout) {
			continue
		}
		if err != nil {
			s.shut()
		}
		if n == 0 && err == nil {
			continue
		}
		return n, err
	}
}

func (s *serialPort) shut() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.p.Close()
	}
}

func (s *serialPort) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing.Load() {
		return 0, errPortClosed
	}
	return s.p.Write(b)
}

// Close asks the reader to close the port.
func (s *serialPort) Close() error {
	s.closing.Store(true)
	return nil
}
