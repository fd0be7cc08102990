//go:build linux

package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers/modbus"
)

// TestServeKilledDuringDispatch: kill -9 of the service while its
// dispatcher writes a queue of codes to a Modbus panel and two consoles
// are attached. The consoles' clients end and say the service ended; the
// restarted service has every change a CLI command confirmed, exactly one
// job for each change it holds (none lost, none doubled), carries them
// all to the panel, never gives one command number to two different
// commands, and its action log verifies.
func TestServeKilledDuringDispatch(t *testing.T) {
	s := newSite(t).withPanel()
	simr, err := modbus.NewSimulator("dsc-pc1864", modbus.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Slow enough that the queue is still being written when the kill
	// comes: each call to the panel waits this long.
	simr.Panel().SetSlow(40 * time.Millisecond)
	addr, err := simr.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { simr.Close() })
	tap := newCommandTap(t, addr.String())
	s.ok("", "panel", "device", "1", "--driver", "modbus", "--address", "tcp://"+tap.addr)

	sv := s.serve()
	consoles := s.loggedInConsoles(2)

	// Codes for slots 1-4 one after the other, each confirmed once the
	// panel has it; then for slots 5-16 at once, each from a CLI command
	// of its own: the dispatcher gets a queue, and the kill comes once it
	// has written a few of them to the panel.
	const first, slots = 4, 16
	exits := make([]result, slots+1)
	setCode := func(slot int) {
		exits[slot] = s.exec(strconv.Itoa(2047+311*slot)+"\n", "user", "set-code", "1", strconv.Itoa(slot), "--label", "Crash "+strconv.Itoa(slot))
	}
	for slot := 1; slot <= first; slot++ {
		setCode(slot)
		if r := exits[slot]; r.code != 0 || !strings.Contains(r.stdout, "sync: in sync") {
			t.Fatalf("set-code of slot %d: %s", slot, r)
		}
	}
	start := tap.commandCount()
	var wg sync.WaitGroup
	for slot := first + 1; slot <= slots; slot++ {
		wg.Go(func() { setCode(slot) })
	}
	tap.waitCommands(start + 3)
	sv.kill()
	wg.Wait()
	confirmed := map[int]bool{}
	for slot := 1; slot <= first; slot++ {
		confirmed[slot] = true
	}
	for slot := first + 1; slot <= slots; slot++ {
		// The service waits for the panel before it answers: these
		// commands were waiting, but one that started late on a busy
		// machine may have found no service and run on its own.
		switch r := exits[slot]; {
		case r.code == 1 && strings.Contains(r.stderr, "the service ended before the command finished"):
		case r.code == 0 && strings.Contains(r.stdout, "now has a code"):
			confirmed[slot] = true
		default:
			t.Fatalf("set-code of slot %d, the service killed while it waited: %s", slot, r)
		}
	}
	// The client puts the terminal back before it says why: the main
	// screen (not the console's last frame), the cursor shown. The message
	// may wrap: its lines are joined.
	flat := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for i, c := range consoles {
		code := c.end()
		alt, hidden := c.modes()
		if code != 1 || alt || hidden || !strings.Contains(flat(c.screen()), flat("the service ended under the console (stopped or killed): start guardroom console again")) {
			t.Fatalf("console %d after the kill: exit %d, alternate screen %v, cursor hidden %v\n%s", i+1, code, alt, hidden, c.screen())
		}
	}
	before := tap.commandCount()
	if before >= start+slots-first {
		t.Fatalf("the panel had all %d commands before the kill: the test did not kill during dispatch", slots-first)
	}

	s.serve()
	var users []userJSON
	s.jsonOut(&users, "user", "list", "1")
	held := map[int]userJSON{}
	for _, u := range users {
		if u.CodeSet {
			held[u.Slot] = u
		}
	}
	for slot := 1; slot <= slots; slot++ {
		u, ok := held[slot]
		if ok && u.Label != "Crash "+strconv.Itoa(slot) || !ok && confirmed[slot] {
			t.Errorf("slot %d after the restart: %+v", slot, u)
		}
	}
	t.Logf("killed after %d of %d commands of the queue reached the panel; %d of slots %d-%d held after the restart",
		before-start, slots-first, len(held)-first, first+1, slots)
	// One job for each change held, none for one that is not: wait until
	// the restarted dispatcher has carried them all.
	var jobs []jobJSON
	deadline := time.Now().Add(time.Minute)
	for {
		s.jsonOut(&jobs, "job", "list", "--panel", "1")
		pending := 0
		for _, j := range jobs {
			if j.State == "pending" {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still pending a minute after the restart: %+v", pending, jobs)
		}
	}
	perSlot := map[int]int{}
	for _, j := range jobs {
		perSlot[j.Slot]++
		if j.State != "done" {
			t.Errorf("job %d (slot %d): %s %s", j.Seq, j.Slot, j.State, j.LastError)
		}
	}
	for slot := 1; slot <= slots; slot++ {
		_, ok := held[slot]
		if want := map[bool]int{true: 1, false: 0}[ok]; perSlot[slot] != want {
			t.Errorf("slot %d (code held: %v): %d jobs, want %d", slot, ok, perSlot[slot], want)
		}
	}
	onPanel := map[int]string{}
	for _, u := range simr.Panel().Snapshot().Users {
		onPanel[u.Slot] = u.Label
	}
	for slot, u := range held {
		if onPanel[slot] != u.Label {
			t.Errorf("slot %d: %q on the panel, want %q", slot, onPanel[slot], u.Label)
		}
	}
	if after := tap.commandCount(); after <= before {
		t.Errorf("no command reached the panel after the restart (%d before, %d after)", before, after)
	}
	tap.checkNumbers()
	s.ok("", "log", "verify")
}

// commandTap stands between the dispatcher and a Modbus panel and notes
// every mailbox command written (function 16 to the command block): its
// number and a hash of its registers. A number may come again only with
// the same registers (a retry the panel answers as before); a different
// command under a number already used would be ignored by the panel.
type commandTap struct {
	t       *testing.T
	addr    string
	mu      sync.Mutex
	numbers map[uint16]map[[sha256.Size]byte]bool
	count   int
	changed chan struct{}
}

func newCommandTap(t *testing.T, panel string) *commandTap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tap := &commandTap{t: t, addr: ln.Addr().String(), numbers: map[uint16]map[[sha256.Size]byte]bool{}, changed: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p, err := net.Dial("tcp", panel)
			if err != nil {
				c.Close()
				continue
			}
			wg.Go(func() {
				io.Copy(c, p)
				c.Close()
			})
			wg.Go(func() {
				tap.forward(c, p)
				p.Close()
			})
		}
	})
	return tap
}

// forward copies Modbus TCP frames from the dispatcher to the panel,
// noting each command written.
func (tap *commandTap) forward(from, to net.Conn) {
	header := make([]byte, 7) // transaction, protocol, length, unit
	for {
		if _, err := io.ReadFull(from, header); err != nil {
			return
		}
		pdu := make([]byte, int(binary.BigEndian.Uint16(header[4:6]))-1)
		if _, err := io.ReadFull(from, pdu); err != nil {
			return
		}
		// Function 16: address, quantity, byte count, the registers.
		if len(pdu) >= 6+2*modbus.CommandLen && pdu[0] == 16 &&
			binary.BigEndian.Uint16(pdu[1:3]) == modbus.CommandAddr && binary.BigEndian.Uint16(pdu[3:5]) == modbus.CommandLen {
			regs := pdu[6:]
			tap.note(binary.BigEndian.Uint16(regs[0:2]), sha256.Sum256(regs))
		}
		if _, err := to.Write(append(header, pdu...)); err != nil {
			return
		}
	}
}

func (tap *commandTap) note(n uint16, sum [sha256.Size]byte) {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	if tap.numbers[n] == nil {
		tap.numbers[n] = map[[sha256.Size]byte]bool{}
	}
	tap.numbers[n][sum] = true
	tap.count++
	select {
	case tap.changed <- struct{}{}:
	default:
	}
}

func (tap *commandTap) commandCount() int {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	return tap.count
}

// waitCommands waits until n commands were written. The deadline only
// turns a hang into a failure.
func (tap *commandTap) waitCommands(n int) {
	tap.t.Helper()
	deadline := time.After(time.Minute)
	for tap.commandCount() < n {
		select {
		case <-tap.changed:
		case <-deadline:
			tap.t.Fatalf("%d commands reached the panel in a minute, want %d", tap.commandCount(), n)
		}
	}
}

// checkNumbers fails the test if a number was given to two different
// commands.
func (tap *commandTap) checkNumbers() {
	tap.t.Helper()
	tap.mu.Lock()
	defer tap.mu.Unlock()
	for n, sums := range tap.numbers {
		if n == 0 || len(sums) > 1 {
			tap.t.Errorf("command number %d was given to %d different commands", n, len(sums))
		}
	}
	if len(tap.numbers) == 0 {
		tap.t.Error("no numbered command reached the panel")
	}
}
