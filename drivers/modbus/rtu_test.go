package modbus

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	smb "github.com/simonvetter/modbus"

	"github.com/guardroom/guardroom/drivers"
)

// crcBytes is CRC-16/MODBUS over bytes, as RTU frames carry it (low byte
// first).
func crcBytes(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// watcher collects socat's log and closes ready once it says the pty
// pair is up.
type watcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if bytes.Contains(w.buf.Bytes(), []byte("starting data transfer loop")) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

var exceptions = map[error]byte{
	smb.ErrIllegalFunction: 1, smb.ErrIllegalDataAddress: 2, smb.ErrIllegalDataValue: 3,
	smb.ErrServerDeviceBusy: 6, smb.ErrGWPathUnavailable: 10, smb.ErrGWTargetFailedToRespond: 11,
}

// serveRTU answers Modbus RTU requests (functions 3 and 16) on port with
// the simulator's register handler, until port is closed. It signals on
// replied after each reply it writes.
func serveRTU(port io.ReadWriter, s *Simulator, replied chan<- struct{}) {
	h := handler{s}
	for {
		head := make([]byte, 7) // unit, function, address, quantity, and the first CRC byte or the byte count
		if _, err := io.ReadFull(port, head); err != nil {
			return
		}
		frame := head
		req := &smb.HoldingRegistersRequest{UnitId: head[0], Addr: binary.BigEndian.Uint16(head[2:]), Quantity: binary.BigEndian.Uint16(head[4:])}
		switch head[1] {
		case 3:
			rest := make([]byte, 1)
			if _, err := io.ReadFull(port, rest); err != nil {
				return
			}
			frame = append(frame, rest...)
		case 16:
			rest := make([]byte, int(head[6])+2)
			if _, err := io.ReadFull(port, rest); err != nil {
				return
			}
			frame = append(frame, rest...)
			req.IsWrite = true
			for i := 0; i+1 < int(head[6]); i += 2 {
				req.Args = append(req.Args, binary.BigEndian.Uint16(rest[i:]))
			}
		default:
			return
		}
		n := len(frame)
		if crcBytes(frame[:n-2]) != uint16(frame[n-1])<<8|uint16(frame[n-2]) {
			continue // a real device ignores a frame with a bad CRC
		}
		regs, err := h.HandleHoldingRegisters(req)
		resp := []byte{head[0], head[1]}
		switch {
		case err != nil:
			code, ok := exceptions[err]
			if !ok {
				code = 4
			}
			resp = []byte{head[0], head[1] | 0x80, code}
		case req.IsWrite:
			resp = append(resp, head[2:6]...)
		default:
			resp = append(resp, byte(2*len(regs)))
			resp = append(resp, RegsToBytes(regs)...)
		}
		c := crcBytes(resp)
		if _, err := port.Write(append(resp, byte(c), byte(c>>8))); err != nil {
			return
		}
		select {
		case replied <- struct{}{}:
		default:
		}
	}
}

// TestRTUOverPty drives the simulator over Modbus RTU through a socat pty
// pair: the same driver code on goburrow's RTU handler.
func TestRTUOverPty(t *testing.T) {
	socat := needPeer(t, "socat", "socat", "RTU is then tested by configuration only")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "panel"), filepath.Join(dir, "console")
	w := &watcher{ready: make(chan struct{})}
	cmd := exec.Command(socat, "-d", "-d", "pty,raw,echo=0,link="+a, "pty,raw,echo=0,link="+b)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	select {
	case <-w.ready:
	case err := <-exited:
		t.Fatalf("socat exited: %v\n%s", err, w.buf.String())
	}

	s, err := NewSimulator("neo-hs2032", SimOptions{Unit: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	port, err := os.OpenFile(a, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	replied := make(chan struct{}, 100)
	go func() { serveRTU(port, s, replied); close(served) }()
	defer func() { port.Close(); <-served }()

	ctx := context.Background()
	d, err := New(drivers.Config{Address: "rtu://" + b, Options: map[string]string{"unit": "3", "baud": "115200", "parity": "N", "timeout": "1s"}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	id, err := d.Identify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Slots != 72 || id.MapVersion != MapVersion {
		t.Fatalf("identity over RTU: %+v", id)
	}
	if err := d.SetCode(ctx, drivers.User{Slot: 9, Label: "Serial"}, "9090"); err != nil {
		t.Fatal(err)
	}
	var r *drivers.Refusal
	if err := d.SetCode(ctx, drivers.User{Slot: 10}, "9090"); !errors.As(err, &r) || r.Kind != drivers.RefusedDuplicateCode {
		t.Fatalf("duplicate over RTU: %v", err)
	}
	users, err := d.ReadUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[1].Slot != 9 || users[1].Label != "Serial" || users[1].CodeCheck != drivers.CodeCheck(9, "9090") {
		t.Fatalf("users over RTU: %+v", users)
	}

	// A late reply: the panel answers after the driver gave up. RTU has no
	// transaction id and reopening the port keeps what the line holds, so
	// the driver drains it before the next request.
	for len(replied) > 0 {
		<-replied
	}
	s.Panel().SetSlow(1500 * time.Millisecond)
	if _, err := d.ReadPartitions(ctx); !errors.Is(err, drivers.ErrTimeout) || !strings.Contains(err.Error(), "no reply within") {
		t.Fatalf("slow panel over RTU: %v, want ErrTimeout", err)
	}
	s.Panel().SetSlow(0)
	<-replied // the late reply is on the line now
	if id2, err := d.Identify(ctx); err != nil || id2 != id {
		t.Fatalf("after the late reply: %+v %v", id2, err)
	}
	if users2, err := d.ReadUsers(ctx); err != nil || len(users2) != 2 {
		t.Fatalf("after the late reply: %v %v", users2, err)
	}
}
