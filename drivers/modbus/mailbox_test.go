package modbus_test

import (
	"context"
	"testing"

	mb "github.com/goburrow/modbus"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
)

// rawClient talks to a simulator with bare goburrow calls, as a device
// maker's test tool would.
func rawClient(t *testing.T, addr string) mb.Client {
	t.Helper()
	h := mb.NewTCPClientHandler(addr)
	h.SlaveId = 1
	t.Cleanup(func() { h.Close() })
	return mb.NewClient(h)
}

// send writes one command block.
func send(c mb.Client, cmd modbus.Command, edit ...func(w []uint16)) error {
	w, err := modbus.EncodeCommand(cmd)
	if err != nil {
		return err
	}
	for _, f := range edit {
		f(w)
	}
	_, err = c.WriteMultipleRegisters(modbus.CommandAddr, modbus.CommandLen, modbus.RegsToBytes(w))
	return err
}

func status(t *testing.T, c mb.Client) modbus.Status {
	t.Helper()
	b, err := c.ReadHoldingRegisters(modbus.StatusAddr, modbus.StatusLen)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := modbus.BytesToRegs(b)
	st, err := modbus.DecodeStatus(w)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestMailboxRules: the simulator follows docs/modbus.md's mailbox rules,
// point by point.
func TestMailboxRules(t *testing.T) {
	battery := func(s *modbus.Simulator) int { return s.Panel().Snapshot().Locks[0].Battery }

	t.Run("writes that partly cover the command block are exception 2 and change no status", func(t *testing.T) {
		s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{Locks: 1})
		c := rawClient(t, addr)
		if err := send(c, modbus.Command{Seq: 5, Op: modbus.OpUnlock, Number: 1}); err != nil {
			t.Fatal(err)
		}
		before := status(t, c)
		for name, write := range map[string]func() error{
			"the first 10 registers": func() error {
				_, err := c.WriteMultipleRegisters(modbus.CommandAddr, 10, make([]byte, 20))
				return err
			},
			"48 registers one early": func() error {
				_, err := c.WriteMultipleRegisters(modbus.CommandAddr-1, modbus.CommandLen, make([]byte, 2*modbus.CommandLen))
				return err
			},
			"49 registers, into the status": func() error {
				_, err := c.WriteMultipleRegisters(modbus.CommandAddr, modbus.CommandLen+1, make([]byte, 2*modbus.CommandLen+2))
				return err
			},
			"function 6 on word 1": func() error {
				_, err := c.WriteSingleRegister(modbus.CommandAddr+1, modbus.OpLock)
				return err
			},
		} {
			if err := write(); !isException(err, 2) {
				t.Errorf("%s: %v, want exception 2", name, err)
			}
		}
		if after := status(t, c); after != before || battery(s) != 99 {
			t.Fatalf("status %+v → %+v, battery %d%%: a partial write changed something", before, after, battery(s))
		}
	})

	t.Run("sequence number 0 is acted on every time", func(t *testing.T) {
		s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{Locks: 1})
		c := rawClient(t, addr)
		for range 2 {
			if err := send(c, modbus.Command{Op: modbus.OpUnlock, Number: 1}); err != nil {
				t.Fatal(err)
			}
		}
		if b := battery(s); b != 98 {
			t.Fatalf("battery %d%% after two unlocks with number 0, want 98%%", b)
		}
	})

	t.Run("a busy answer is not remembered: the same command again is acted on", func(t *testing.T) {
		s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{Locks: 1})
		c := rawClient(t, addr)
		s.Panel().FailNext(1, drivers.ErrBusy)
		cmd := modbus.Command{Seq: 9, Op: modbus.OpUnlock, Number: 1}
		if err := send(c, cmd); !isException(err, 6) {
			t.Fatalf("busy: %v, want exception 6", err)
		}
		if st := status(t, c); st.Seq != 9 || st.Code != modbus.StatusBusy {
			t.Fatalf("status after busy %+v", st)
		}
		if err := send(c, cmd); err != nil || battery(s) != 99 {
			t.Fatalf("the same command after busy: %v, battery %d%%; want done, 99%%", err, battery(s))
		}
		if err := send(c, cmd); err != nil || battery(s) != 99 {
			t.Fatalf("and once more (a repeat now): %v, battery %d%%; want done, still 99%%", err, battery(s))
		}
	})

	t.Run("a repeated refusal is answered as before, status included", func(t *testing.T) {
		s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{Locks: 1})
		c := rawClient(t, addr)
		bad := modbus.Command{Seq: 3, Op: modbus.OpUnlock, Number: 7}
		if err := send(c, bad); !isException(err, 3) {
			t.Fatalf("no lock 7: %v, want exception 3", err)
		}
		refusal := status(t, c)
		// A busy answer in between changes the status, not the last command.
		s.Panel().FailNext(1, drivers.ErrBusy)
		if err := send(c, modbus.Command{Seq: 4, Op: modbus.OpLock, Number: 1}); !isException(err, 6) {
			t.Fatalf("busy: %v, want exception 6", err)
		}
		if err := send(c, bad); !isException(err, 3) {
			t.Fatalf("the repeat: %v, want exception 3", err)
		}
		if st := status(t, c); st != refusal {
			t.Fatalf("status of the repeat %+v, want the first answer's %+v", st, refusal)
		}
	})

	t.Run("bytes after the code's length are ignored", func(t *testing.T) {
		s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
		c := rawClient(t, addr)
		err := send(c, modbus.Command{Seq: 1, Op: modbus.OpSetCode, Slot: 5, Code: "4821"}, func(w []uint16) {
			w[9], w[10] = 0x3939, 0xFFFF // past the 4 digits in words 7-8
		})
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := s.Panel().ReadUser(ctx, 5); !u.CodeSet || u.CodeCheck != drivers.CodeCheck(5, "4821") {
			t.Fatalf("slot 5 %+v, want code 4821", u)
		}
	})

	t.Run("clearing an empty slot is done and changes nothing", func(t *testing.T) {
		s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
		c := rawClient(t, addr)
		before, _ := s.Panel().ReadUser(ctx, 6)
		if err := send(c, modbus.Command{Seq: 1, Op: modbus.OpClearCode, Slot: 6}); err != nil {
			t.Fatalf("clear an empty slot: %v, want done", err)
		}
		if after, _ := s.Panel().ReadUser(ctx, 6); after != before {
			t.Fatalf("slot 6 %+v → %+v: the code serial moved", before, after)
		}
	})

	t.Run("set code with an empty label leaves the slot without one", func(t *testing.T) {
		s, addr := startSim(t, "neo-hs2016", modbus.SimOptions{})
		c := rawClient(t, addr)
		if err := send(c, modbus.Command{Seq: 1, Op: modbus.OpSetCode, Slot: 5, Code: "4821", Label: "Ana"}); err != nil {
			t.Fatal(err)
		}
		if err := send(c, modbus.Command{Seq: 2, Op: modbus.OpSetCode, Slot: 5, Code: "5932"}); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.Panel().ReadUser(ctx, 5); u.Label != "" || u.CodeCheck != drivers.CodeCheck(5, "5932") {
			t.Fatalf("slot 5 %+v, want the new code and no label", u)
		}
	})
}

// TestDriverNumbers: with the store's numbers (drivers.CommandNumbers),
// the driver sends number n as SeqOf(n): 1-65535, then 1 again, 0 never.
func TestDriverNumbers(t *testing.T) {
	for n, want := range map[uint64]uint16{1: 1, 65535: 65535, 65536: 1, 65537: 2, 2*65535 + 7: 7} {
		if got := modbus.SeqOf(n); got != want {
			t.Errorf("SeqOf(%d) = %d, want %d", n, got, want)
		}
	}
	_, addr := startSim(t, "neo-hs2016", modbus.SimOptions{Locks: 1})
	d := dial(t, addr, nil)
	next := uint64(65534)
	d.UseCommandNumbers(func(ctx context.Context) (uint64, error) { next++; return next, nil })
	c := rawClient(t, addr)
	for _, want := range []uint16{65535, 1} {
		if err := d.Unlock(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if st := status(t, c); st.Seq != want {
			t.Fatalf("status answers number %d, want %d", st.Seq, want)
		}
	}
}
