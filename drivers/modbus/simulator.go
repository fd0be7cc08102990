package modbus

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	smb "github.com/simonvetter/modbus"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/sim"
)

// SimOptions configure a Simulator. The zero value serves a family's
// defaults at base 0 to every unit id.
type SimOptions struct {
	Slots      int // user slots; 0: the family's default
	CodeLength int // digits; 0: the family's default
	Locks      int // door locks; 0: the family's default (2 with door locks), -1: none
	// Unit is the unit id the simulator answers; 0 answers every unit id.
	// Requests for another unit get exception 11 (gateway target failed
	// to respond), as behind a gateway.
	Unit uint8
	// Base is the register the map starts at.
	Base uint16
	// Logger receives the Modbus server's messages; nil discards them.
	Logger *log.Logger
	// Panel, when set, is served instead of a new panel: the family
	// argument must be "" or its family, and Slots, CodeLength and Locks
	// are ignored. Where the map has room for fewer keypad tags than the
	// panel has slots, the panel is limited to that many
	// (sim.Panel.SetKeypadTagLimit), for every other user of it too.
	Panel *sim.Panel
}

// Simulator is a Modbus TCP panel: a drivers/sim panel served through
// guardroom's register map v3 (docs/modbus.md), so that the modbus driver
// and installers' tools can be tried without hardware. Its panel's faults
// (Panel().SetSlow, SetOffline, FailNext, Corrupt, ChangeAtKeypad, ...)
// show on the wire: slow replies, exception 10 for offline, 11 for a
// timeout, 6 for busy, 3 plus the status block for a refusal, a user block
// failing its check word for a garbled read.
type Simulator struct {
	panel  *sim.Panel
	unit   uint8
	base   uint16
	end    int // registers in the map
	slots  int
	keypad int // entries in the keypad tag table; 0: none
	logger *log.Logger

	ctx    context.Context // ends at Close: cuts short slow requests
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	active sync.WaitGroup
	srv    *smb.ModbusServer
	done   chan struct{}
	status Status
	// The last command acted on (done or refused), for the repeat check:
	// its sequence number, a hash of its 48 registers (not the registers:
	// they hold a code), the answer it got and its status block.
	lastSeq    uint16
	lastSum    [sha256.Size]byte
	lastErr    error
	lastStatus Status
}

// simCount numbers the simulators of a process, so that each panel has its
// own serial number.
var simCount atomic.Int64

// NewSimulator makes a simulator of a panel of family (a store/family ID
// such as "neo-hs2128e"). It serves nothing until Listen.
func NewSimulator(family string, opts SimOptions) (*Simulator, error) {
	p := opts.Panel
	if p == nil {
		cfg := drivers.Config{Address: fmt.Sprintf("modbus-sim %d %s", simCount.Add(1), family), Family: family, Slots: opts.Slots, CodeLength: opts.CodeLength}
		switch {
		case opts.Locks > 0:
			cfg.Options = map[string]string{"locks": fmt.Sprint(opts.Locks)}
		case opts.Locks < 0:
			cfg.Options = map[string]string{"locks": "0"}
		}
		var err error
		if p, err = sim.NewPanel(cfg); err != nil {
			return nil, err
		}
	} else if family != "" && family != p.Family() {
		return nil, fmt.Errorf("modbus simulator: the panel given simulates %s, not %s", p.Family(), family)
	}
	snap := p.Snapshot()
	slots := snap.Identity.Slots
	if slots > MaxSlots {
		return nil, fmt.Errorf("modbus simulator: %d slots do not fit register map v3 (up to %d): give fewer slots", slots, MaxSlots)
	}
	end := KeypadAddr(slots)
	if int(opts.Base)+end > 1<<16 {
		return nil, fmt.Errorf("modbus simulator: a map of %d slots from base %d ends past register 65535: lower the base", slots, opts.Base)
	}
	// The keypad tag table takes the room left after the user blocks, up
	// to one entry for each slot that can hold a tag: a panel with many
	// slots, or a high base, has room for fewer tags, and the panel is
	// told so that it refuses the one too many as a real one would.
	keypad := 0
	if snap.Capabilities.KeypadTags {
		keypad = slots
		if n := drivers.KeypadTagSlots(p.Family()); n > 0 {
			keypad = min(keypad, n)
		}
		room := (1<<16 - int(opts.Base) - end - KeypadHeaderLen) / KeypadEntryLen
		keypad = max(min(keypad, room), 0)
		if keypad < len(snap.KeypadTags) {
			return nil, fmt.Errorf("modbus simulator: the panel holds %d keypad tags and the map has room for %d after %d slots from base %d: lower the base or remove tags", len(snap.KeypadTags), keypad, slots, opts.Base)
		}
		if keypad > 0 {
			end += KeypadHeaderLen + keypad*KeypadEntryLen
			if keypad < slots {
				p.SetKeypadTagLimit(keypad)
			}
		}
	}
	logger := opts.Logger
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Simulator{panel: p, unit: opts.Unit, base: opts.Base, end: end, slots: slots, keypad: keypad, logger: logger, ctx: ctx, cancel: cancel, done: make(chan struct{})}, nil
}

// Panel returns the simulated panel, for fault injection and inspection.
func (s *Simulator) Panel() *sim.Panel { return s.panel }

// Listen starts serving Modbus TCP on addr (host:port; port 0 picks a free
// port) and returns the address bound. Only that address is bound. The
// simulator stops when ctx ends or at Close.
func (s *Simulator) Listen(ctx context.Context, addr string) (net.Addr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("modbus simulator: listen address %q: use host:port, e.g. 127.0.0.1:5020", addr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("modbus simulator: closed: make a new one")
	}
	if s.srv != nil {
		return nil, errors.New("modbus simulator: already listening")
	}
	// The server library cannot report the port it bound, so port 0 is
	// resolved here first; a port taken in between is tried again.
	var srv *smb.ModbusServer
	var bound *net.TCPAddr
	for try := 0; ; try++ {
		bind := addr
		if port == "0" {
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return nil, fmt.Errorf("modbus simulator: %w", err)
			}
			bind = l.Addr().String()
			l.Close()
		}
		if bound, err = net.ResolveTCPAddr("tcp", bind); err != nil {
			return nil, fmt.Errorf("modbus simulator: %w", err)
		}
		srv, err = smb.NewServer(&smb.ServerConfiguration{URL: "tcp://" + bind, Timeout: 10 * time.Minute, MaxClients: 16, Logger: s.logger}, handler{s})
		if err == nil {
			err = srv.Start()
		}
		if err == nil {
			break
		}
		if port != "0" || try == 4 || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("modbus simulator: listen on %s (host %q): %w", bind, host, err)
		}
	}
	s.srv = srv
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return bound, nil
}

// Serve blocks until the simulator is closed or ctx ends (then it closes
// it). It returns ctx.Err() if ctx has ended, else nil.
func (s *Simulator) Serve(ctx context.Context) error {
	select {
	case <-ctx.Done():
		s.Close()
	case <-s.done:
	}
	return ctx.Err()
}

// Close stops serving, drops every connection and waits for the requests
// in progress. It is safe to call more than once, and at once: a later
// call returns when the first has finished, so whoever called Close may
// count on the listener being gone (Listen's watcher and Serve both close
// on the same context's end).
func (s *Simulator) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	srv := s.srv
	s.mu.Unlock()
	s.cancel()
	var err error
	if srv != nil {
		err = srv.Stop()
	}
	s.active.Wait()
	close(s.done)
	return err
}

// enter registers a request in progress; false once closed.
func (s *Simulator) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.active.Add(1)
	return true
}

// handler adapts the simulator to the Modbus server library.
type handler struct{ s *Simulator }

func (handler) HandleCoils(*smb.CoilsRequest) ([]bool, error) { return nil, smb.ErrIllegalFunction }
func (handler) HandleDiscreteInputs(*smb.DiscreteInputsRequest) ([]bool, error) {
	return nil, smb.ErrIllegalFunction
}
func (handler) HandleInputRegisters(*smb.InputRegistersRequest) ([]uint16, error) {
	return nil, smb.ErrIllegalFunction
}

func (h handler) HandleHoldingRegisters(req *smb.HoldingRegistersRequest) ([]uint16, error) {
	s := h.s
	if s.unit != 0 && req.UnitId != s.unit {
		return nil, smb.ErrGWTargetFailedToRespond
	}
	if !s.enter() {
		return nil, smb.ErrServerDeviceFailure
	}
	defer s.active.Done()
	a, q := int(req.Addr)-int(s.base), int(req.Quantity)
	if a < 0 || a+q > s.end {
		return nil, smb.ErrIllegalDataAddress
	}
	if req.IsWrite {
		defer clear(req.Args)
		return nil, s.write(a, req.Args)
	}
	return s.read(a, q)
}

// wireError turns a panel error into the Modbus exception a gateway would
// answer.
func wireError(err error) error {
	var r *drivers.Refusal
	switch {
	case errors.As(err, &r):
		return smb.ErrIllegalDataValue
	case errors.Is(err, drivers.ErrBusy):
		return smb.ErrServerDeviceBusy
	case errors.Is(err, drivers.ErrOffline):
		return smb.ErrGWPathUnavailable
	case errors.Is(err, drivers.ErrTimeout):
		return smb.ErrGWTargetFailedToRespond
	default:
		return smb.ErrServerDeviceFailure
	}
}

// write takes a function 16 (or 6) request at map offset a. Only the whole
// command block in one request is a command; any other write, also one
// that covers part of the command block, is exception 2 and leaves the
// status block as it was (docs/modbus.md).
func (s *Simulator) write(a int, args []uint16) error {
	if a != CommandAddr || len(args) != CommandLen {
		return smb.ErrIllegalDataAddress
	}
	b := RegsToBytes(args)
	sum := sha256.Sum256(b)
	clear(b)
	s.mu.Lock()
	if args[0] != 0 && args[0] == s.lastSeq && sum == s.lastSum {
		// A repeat of the last command: answer as before, status included.
		err := s.lastErr
		s.status = s.lastStatus
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()

	c, err := DecodeCommand(args)
	if err != nil {
		s.setStatus(Status{Seq: args[0], Op: args[1], Code: StatusRefused + uint16(drivers.RefusedBadCommand), Reason: err.Error()})
		return smb.ErrIllegalDataValue
	}
	err = s.apply(c)
	c.Code = ""
	var r *drivers.Refusal
	var werr error
	switch {
	case err == nil:
		s.setStatus(Status{Seq: c.Seq, Op: c.Op, Code: StatusOK})
	case errors.As(err, &r):
		s.setStatus(Status{Seq: c.Seq, Op: c.Op, Code: StatusRefused + uint16(r.Kind), Reason: r.Reason})
		werr = smb.ErrIllegalDataValue
	case errors.Is(err, drivers.ErrBusy):
		// Not acted on: the status says busy, and the command is not
		// remembered, so that the same command again is tried again.
		s.setStatus(Status{Seq: c.Seq, Op: c.Op, Code: StatusBusy, Reason: "busy: try again"})
		return smb.ErrServerDeviceBusy
	default:
		return wireError(err) // not applied: no status, no repeat memory
	}
	s.mu.Lock()
	s.lastSeq, s.lastSum, s.lastErr, s.lastStatus = c.Seq, sum, werr, s.status
	s.mu.Unlock()
	return werr
}

func (s *Simulator) setStatus(st Status) {
	s.mu.Lock()
	s.status = st
	s.mu.Unlock()
}

func (s *Simulator) apply(c Command) error {
	p, ctx := s.panel, s.ctx
	switch c.Op {
	case OpSetCode:
		role, ok := roleName(c.Arg)
		if !ok {
			return &drivers.Refusal{Kind: drivers.RefusedRole, Reason: fmt.Sprintf("role code %d is not in register map v3", c.Arg)}
		}
		return p.SetCode(ctx, drivers.User{Slot: c.Slot, Role: role, Label: c.Label, Partitions: c.Partitions}, c.Code)
	case OpClearCode:
		return p.ClearCode(ctx, c.Slot)
	case OpSetLabel:
		return p.SetLabel(ctx, c.Slot, c.Label)
	case OpSetPartitions:
		return p.SetPartitions(ctx, c.Slot, c.Partitions)
	case OpArm:
		mode := drivers.ArmMode(fmt.Sprintf("mode %d", c.Arg))
		switch c.Arg {
		case 1:
			mode = drivers.Stay
		case 2:
			mode = drivers.Away
		}
		return p.Arm(ctx, c.Number, mode)
	case OpDisarm:
		return p.Disarm(ctx, c.Number)
	case OpLock:
		return p.Lock(ctx, c.Number)
	case OpUnlock:
		return p.Unlock(ctx, c.Number)
	case OpAddTag:
		return p.AddTag(ctx, c.Number, c.Tag, c.Slot)
	case OpRemoveTag:
		return p.RemoveTag(ctx, c.Number, c.Tag)
	case OpAssignLockUser:
		return p.AssignUser(ctx, c.Number, c.Slot)
	case OpUnassignLockUser:
		return p.UnassignUser(ctx, c.Number, c.Slot)
	case OpAddKeypadTag, OpRemoveKeypadTag:
		if s.keypad == 0 && p.Capabilities().KeypadTags {
			return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "this map has no room for a keypad tag table: serve fewer slots or a lower base"}
		}
		if c.Op == OpAddKeypadTag {
			return p.AddKeypadTag(ctx, c.Slot, c.Tag)
		}
		return p.RemoveKeypadTag(ctx, c.Tag)
	default:
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand, Reason: fmt.Sprintf("operation %d is not in register map v3", c.Op)}
	}
}

// overlay copies the part of block (at map offset at) that falls in the
// request window [a, a+len(out)) into out.
func overlay(out []uint16, a, at int, block []uint16) {
	lo, hi := max(a, at), min(a+len(out), at+len(block))
	if lo < hi {
		copy(out[lo-a:hi-a], block[lo-at:hi-at])
	}
}

func overlaps(a, q, at, n int) bool { return a < at+n && at < a+q }

func (s *Simulator) read(a, q int) ([]uint16, error) {
	if err := s.panel.Fault(s.ctx); err != nil {
		return nil, wireError(err)
	}
	snap := s.panel.Snapshot()
	out := make([]uint16, q)
	if overlaps(a, q, IdentityAddr, IdentityLen) {
		caps := snap.Capabilities
		caps.KeypadTags = caps.KeypadTags && s.keypad > 0
		overlay(out, a, IdentityAddr, EncodeIdentity(Info{
			Identity:     drivers.Identity{Vendor: snap.Identity.Vendor, Model: snap.Identity.Model, Serial: snap.Identity.Serial, Firmware: snap.Identity.Firmware, Slots: s.slots, Partitions: snap.Identity.Partitions, CodeLength: snap.Identity.CodeLength},
			MasterSlot:   snap.MasterSlot,
			Locks:        len(snap.Locks),
			TagsPerLock:  MaxTagsPerLock,
			KeypadTags:   s.keypad,
			Capabilities: caps,
		}))
	}
	if overlaps(a, q, StatusAddr, StatusLen) {
		s.mu.Lock()
		st := s.status
		s.mu.Unlock()
		overlay(out, a, StatusAddr, EncodeStatus(st))
	}
	for i, p := range snap.Partitions {
		if at := PartitionAddr + i*PartitionBlockLen; overlaps(a, q, at, PartitionBlockLen) {
			overlay(out, a, at, EncodePartition(p))
		}
	}
	for i, l := range snap.Locks {
		at := LockAddr + i*LockBlockLen
		if !overlaps(a, q, at, LockBlockLen) {
			continue
		}
		lt := make([]LockTag, 0, len(snap.Tags[i]))
		for _, t := range snap.Tags[i] {
			lt = append(lt, LockTag{Tag: t.Tag, Slot: t.Slot})
		}
		w, err := EncodeLock(l, lt)
		if err != nil {
			return nil, smb.ErrServerDeviceFailure
		}
		overlay(out, a, at, w)
	}
	if words := (s.slots + 15) / 16; overlaps(a, q, BitmapAddr, words) {
		inUse := make([]int, len(snap.Users))
		for i, u := range snap.Users {
			inUse[i] = u.Slot
		}
		overlay(out, a, BitmapAddr, EncodeBitmap(s.slots, inUse))
	}
	if overlaps(a, q, UserAddr, s.slots*UserBlockLen) {
		first := max(1, (a-UserAddr)/UserBlockLen+1)
		last := min(s.slots, (a+q-1-UserAddr)/UserBlockLen+1)
		i := sort.Search(len(snap.Users), func(i int) bool { return snap.Users[i].Slot >= first })
		garbled := false
		for slot := first; slot <= last; slot++ {
			u := drivers.User{Slot: slot, CodeSerial: snap.Serials[slot]}
			if i < len(snap.Users) && snap.Users[i].Slot == slot {
				u = snap.Users[i]
				i++
			}
			w, err := EncodeUser(u)
			if err != nil {
				return nil, smb.ErrServerDeviceFailure
			}
			at := UserAddr + (slot-1)*UserBlockLen
			whole := at >= a && at+UserBlockLen <= a+q
			if u.CodeSet && whole && !garbled && s.panel.TakeCorrupt() {
				w[10] ^= 0x2A2A // the label, without fixing the check word
				garbled = true
			}
			overlay(out, a, at, w)
		}
	}
	if at := KeypadAddr(s.slots); s.keypad > 0 && overlaps(a, q, at, s.end-at) {
		w, err := EncodeKeypadTable(KeypadTable{Capacity: s.keypad, Tags: snap.KeypadTags})
		if err != nil {
			return nil, smb.ErrServerDeviceFailure
		}
		overlay(out, a, at, w)
	}
	return out, nil
}
