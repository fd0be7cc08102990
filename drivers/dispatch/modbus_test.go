package dispatch

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	smb "github.com/simonvetter/modbus"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// TestModbusOverLoopback carries jobs to a panel behind the Modbus driver
// and the register-map simulator over a real socket, reads them back, and
// finds drift and an alarm by polling it.
func TestModbusOverLoopback(t *testing.T) {
	f := newFx(t)
	simr, err := modbus.NewSimulator("neo-hs2064", modbus.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := simr.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go simr.Serve(ctx)
	defer simr.Close()

	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "modbus", Address: "tcp://" + addr.String(), Options: map[string]string{"timeout": "2s"}}))
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{Label: "Ana"}))
	f.ok(f.s.SetPartitions(f.admin, p.ID, 2, store.PartitionSet(0).With(1).With(3)))
	f.ok(f.s.Arm(f.admin, p.ID, 1, store.ArmStay))
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	if u := f.user(p, 2); u.Sync.State != store.SyncInSync || u.DevSerial == 0 {
		t.Fatalf("user 2 over Modbus: %v serial %d", u.Sync, u.DevSerial)
	}
	codeOn(t, simr.Panel(), 2, "4829", "Ana")
	for _, e := range f.applies() {
		if e.After["driver"] != "modbus" || !strings.Contains(e.After["transport"], addr.String()) || e.After["outcome"] != "verified" {
			t.Errorf("log %v", e.After)
		}
	}
	f.ok(simr.Panel().ChangeAtKeypad(2, "7314"))
	f.ok(simr.Panel().SetPartitionState(2, family.Alarm))
	f.ok(d.Poll(context.Background()))
	if u := f.user(p, 2); u.Sync.State != store.SyncDrift || u.Sync.Reason != "code changed at the panel" {
		t.Errorf("drift over Modbus: %v", u.Sync)
	}
	parts, _ := f.s.ListPartitions(f.admin, p.ID)
	if parts[0].State != store.ArmedStay || parts[1].State != store.Alarm {
		t.Errorf("partitions over Modbus: %s, %s", parts[0].State, parts[1].State)
	}

	// The simulator goes away: the next change waits, the panel shows offline.
	simr.Close()
	f.ok(f.s.SetLabel(f.admin, p.ID, 2, "Ana B"))
	drain(t, d)
	got, _ := f.s.GetPanel(f.admin, p.ID)
	if got.Conn.Online || got.Conn.LastError == "" {
		t.Errorf("after the simulator stopped: %+v", got.Conn)
	}
	if u := f.user(p, 2); u.Sync.State != store.SyncPending {
		t.Errorf("the label should wait: %v", u.Sync)
	}
}

// plainDevice is a Modbus TCP device that does not speak guardroom's
// register map: its holding registers hold regs (zeros, another magic, ...),
// and writes are counted and accepted, as a plain device would.
type plainDevice struct {
	mu     sync.Mutex
	regs   []uint16
	writes atomic.Int32
}

func (p *plainDevice) HandleCoils(*smb.CoilsRequest) ([]bool, error) {
	return nil, smb.ErrIllegalFunction
}
func (p *plainDevice) HandleDiscreteInputs(*smb.DiscreteInputsRequest) ([]bool, error) {
	return nil, smb.ErrIllegalFunction
}
func (p *plainDevice) HandleInputRegisters(*smb.InputRegistersRequest) ([]uint16, error) {
	return nil, smb.ErrIllegalFunction
}
func (p *plainDevice) HandleHoldingRegisters(req *smb.HoldingRegistersRequest) ([]uint16, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if int(req.Addr)+int(req.Quantity) > len(p.regs) {
		return nil, smb.ErrIllegalDataAddress
	}
	if req.IsWrite {
		p.writes.Add(1)
		copy(p.regs[req.Addr:], req.Args)
		return nil, nil
	}
	return slices.Clone(p.regs[req.Addr : req.Addr+req.Quantity]), nil
}

// servePlain serves a plain device on a free loopback port.
func servePlain(t *testing.T, regs []uint16) (*plainDevice, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dev := &plainDevice{regs: regs}
	srv, err := smb.NewServer(&smb.ServerConfiguration{URL: "tcp://" + addr, Timeout: time.Minute, MaxClients: 4, Logger: log.New(io.Discard, "", 0)}, dev)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	return dev, addr
}

// TestModbusNotAMap: a panel whose address reaches a plain Modbus device
// (one that does not serve guardroom's register map). Its jobs fail at
// once as a misconfiguration, with no retry; nothing is written to the
// device; the panel shows misconfigured, not online.
func TestModbusNotAMap(t *testing.T) {
	for _, c := range []struct {
		name string
		regs []uint16
		want string
	}{
		{"zeros", make([]uint16, 200), "no guardroom register map here"},
		{"another version", func() []uint16 {
			w := modbus.EncodeIdentity(modbus.Info{Identity: drivers.Identity{Slots: 8}})
			w[1] = 2
			return append(w, make([]uint16, 100)...)
		}(), "register map version 2"},
		{"few registers", make([]uint16, 8), "illegal data address"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			dev, addr := servePlain(t, c.regs)
			p, _ := f.panel("neo-hs2064")
			f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "modbus", Address: "tcp://" + addr}))
			f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{Label: "Ana"}))
			f.ok(f.s.Arm(f.admin, p.ID, 1, store.ArmAway))
			d := New(f.s, Options{})
			defer d.Close()
			drain(t, d)
			if n := dev.writes.Load(); n != 0 {
				t.Fatalf("%d writes reached a device that is not a guardroom map", n)
			}
			u := f.user(p, 2)
			if u.Sync.State != store.SyncFailed || !strings.Contains(u.Sync.Reason, c.want) {
				t.Errorf("user 2: %v, want failed: %s", u.Sync, c.want)
			}
			if cnt, _ := f.s.SyncCounts(f.admin, p.ID); cnt.Pending != 0 || cnt.Failed != 2 {
				t.Errorf("queue %+v, want both jobs failed and none pending", cnt)
			}
			// No retry: even much later, nothing is due and nothing written.
			f.clk.Advance(time.Hour)
			if due, _ := f.s.DueJobs(f.s.Internal("test"), 0); len(due) != 0 {
				t.Errorf("%d jobs due again", len(due))
			}
			got, _ := f.s.GetPanel(f.admin, p.ID)
			if got.Conn.Online || !got.Conn.Misconfigured || !strings.Contains(got.Conn.LastError, c.want) {
				t.Errorf("connection %+v, want misconfigured: %s", got.Conn, c.want)
			}
			// A poll finds it the same, and the log says so once.
			f.ok(d.Poll(context.Background()))
			n := 0
			entries, _ := f.s.ListLog(f.admin, store.LogFilter{})
			for _, e := range entries {
				if e.Action == "device.misconfigured" {
					n++
				}
			}
			if n != 1 || dev.writes.Load() != 0 {
				t.Errorf("%d device.misconfigured log entries, %d writes; want 1 and 0", n, dev.writes.Load())
			}
		})
	}
}

// modbusPanel is a neo-hs2064 panel of f driven over Modbus TCP by a
// simulator with opts on a loopback port, closed when the test ends.
func modbusPanel(t *testing.T, f *fx, opts modbus.SimOptions) (*modbus.Simulator, store.Panel) {
	t.Helper()
	simr, err := modbus.NewSimulator("neo-hs2064", opts)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := simr.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { simr.Close() })
	p, _ := f.panel("neo-hs2064")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "modbus", Address: "tcp://" + addr.String()}))
	return simr, p
}

// TestModbusIdentityWarning: a device whose identity disagrees with the
// panel's settings works, with a warning on the panel and in the log.
func TestModbusIdentityWarning(t *testing.T) {
	f := newFx(t)
	ctx := t.Context()
	_, p := modbusPanel(t, f, modbus.SimOptions{CodeLength: 6})
	d := New(f.s, Options{})
	defer d.Close()
	f.ok(d.Poll(ctx))
	got, _ := f.s.GetPanel(f.admin, p.ID)
	want := fmt.Sprintf("the device takes 6-digit codes, the panel's settings %d-digit", p.CodeLength)
	if !got.Conn.Online || got.Conn.Misconfigured || !strings.Contains(got.Conn.Warning, want) {
		t.Fatalf("connection %+v, want online with the warning %q", got.Conn, want)
	}
	entries, _ := f.s.ListLog(f.admin, store.LogFilter{})
	if len(entries) == 0 || entries[0].Action != "device.identity" || !strings.Contains(entries[0].Result, want) {
		t.Fatalf("log %+v, want a device.identity warning", entries[:min(len(entries), 2)])
	}
	f.ok(d.Poll(ctx)) // the same warning again: not logged again
	if again, _ := f.s.ListLog(f.admin, store.LogFilter{}); len(again) != len(entries) {
		t.Errorf("%d log entries after a second poll, want %d", len(again), len(entries))
	}
}

// TestModbusNumbersAcrossRestarts: arm from one process, disarm at the
// keypad, arm again from a new process (a new dispatcher over the
// reopened store). The simulator ignores a command equal to its last one
// with the same sequence number, so the second arm must carry a new
// number to be done.
func TestModbusNumbersAcrossRestarts(t *testing.T) {
	f := newFx(t)
	ctx := t.Context()
	simr, p := modbusPanel(t, f, modbus.SimOptions{})
	for run := range 3 {
		f.ok(f.s.Arm(f.admin, p.ID, 1, store.ArmAway))
		d := New(f.s, Options{})
		drain(t, d)
		d.Close()
		parts, _ := simr.Panel().ReadPartitions(ctx)
		if parts[0].State != family.ArmedAway {
			t.Fatalf("run %d: the panel's partition 1 is %s after the arm", run, parts[0].State)
		}
		if part, _ := f.s.ListPartitions(f.admin, p.ID); part[0].Sync.State != store.SyncInSync {
			t.Fatalf("run %d: arm command %v", run, part[0].Sync)
		}
		// Disarmed at the keypad; the next process starts afresh.
		f.ok(simr.Panel().Disarm(ctx, 1))
		f.ok(f.s.Close())
		f.open()
		d = New(f.s, Options{})
		f.ok(d.Poll(ctx))
		d.Close()
	}
}
