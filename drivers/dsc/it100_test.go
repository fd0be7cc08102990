package dsc

import (
	"errors"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store/family"
)

// TestIT100 runs the it100 driver over a pseudo-terminal pair: the
// driver opens the terminal side as a serial port (9600 8N1), the
// simulator speaks the IT-100's side on the other. No login; the same
// arm, disarm and keystroke programming as the TPI.
func TestIT100(t *testing.T) {
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	sim := NewSimulator(SimOptions{MasterCode: testMaster, ArmNeedsCode: true})
	sim.mu.Lock()
	sim.codes[2] = testArmCode
	sim.mu.Unlock()
	served := make(chan error, 1)
	go func() { served <- sim.ServeIT100(ptm) }()
	defer func() {
		// The simulator's read on the terminal's master side ends (EIO)
		// once every descriptor of its other side is closed.
		tty.Close()
		<-served
		ptm.Close()
	}()

	p, err := drivers.Open("it100", drivers.Config{Address: tty.Name(), Family: "dsc-pc1616", MasterCode: testMaster, ArmCode: testArmCode})
	if err != nil {
		t.Fatal(err)
	}
	d := p.(*Driver)
	defer d.Close()
	if got := d.Transport(); got != "it100 "+tty.Name()+" 9600 8N1" {
		t.Errorf("Transport = %q", got)
	}
	id, err := d.Identify(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if id.Model != "DSC PowerSeries PC1616 via IT-100" {
		t.Errorf("Identify = %+v", id)
	}
	if got := partitionState(t, d, 1); got != family.Disarmed {
		t.Errorf("before: %s", got)
	}
	if err := d.Arm(testCtx(t), 1, drivers.Away); err != nil {
		t.Fatal(err)
	}
	if got := partitionState(t, d, 1); got != family.ArmedAway {
		t.Errorf("after Arm: %s", got)
	}
	if err := d.Disarm(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if err := d.SetCode(testCtx(t), drivers.User{Slot: 3}, testUserCode); err != nil {
		t.Fatal(err)
	}
	if got := simCode(t, sim, 3); got != testUserCode {
		t.Errorf("slot 3 holds %q", got)
	}
	if err := d.DisarmWithCode(testCtx(t), 1, testUserCode); err != nil {
		t.Errorf("disarming a disarmed partition with the new code: %v", err)
	}
}

// TestIT100Silent: a serial line where nothing answers the poll is a
// transient timeout that names the cable, the power and the baud rate,
// and nothing else is sent on it.
func TestIT100Silent(t *testing.T) {
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptm.Close()
	defer tty.Close()
	d, err := NewIT100(drivers.Config{Address: tty.Name(), MasterCode: testMaster, Options: map[string]string{"timeout": "50ms", "backoff": "1h"}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.Identify(testCtx(t))
	if !errors.Is(err, drivers.ErrTimeout) || !strings.Contains(err.Error(), "baud") {
		t.Errorf("Identify = %v: want a timeout naming the baud rate", err)
	}
	buf := make([]byte, 64)
	n, _ := ptm.Read(buf)
	if got := string(buf[:n]); got != "00090\r\n" {
		t.Errorf("the line carried %q, want only the poll", got)
	}
}
