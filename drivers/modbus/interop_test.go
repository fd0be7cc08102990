package modbus_test

// Interop: our simulators share our misunderstandings, so these tests put
// a peer that someone else wrote on one side of the wire. Debian's mbpoll
// runs the examples of docs/modbus.md against our simulator, and our driver
// drives a device written from docs/modbus.md alone in Python with
// pymodbus (testdata/docdevice.py), and pymodbus's stock server holding
// zeros, which must never see a write. A missing peer skips the test with
// the package to install (`make peers`); under CI=true it fails it.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
	"github.com/guardroom/guardroom/store/family"
)

// peerWait bounds every wait on a peer process, so that a hung peer fails
// the test instead of hanging it. It is not a synchronisation: each wait
// ends as soon as the peer answers.
const peerWait = 20 * time.Second

// docExamples reads the sh block of docs/modbus.md's simulator section.
func docExamples(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/modbus.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	zeros    = regexp.MustCompile(`\$\(z (\d+)\)`)
	register = regexp.MustCompile(`(?m)^\[(\d+)\]:\s+(-?\d+)`)
)

// mbpoll runs one line of the doc's examples, as the doc writes it (the
// line must be in docs/modbus.md, comment and all), against port instead
// of 5020: $(z n) is n zeros, as the doc's z function gives. It returns
// the registers mbpoll printed, by mbpoll's number, and its output.
func mbpoll(t *testing.T, bin, doc, line string, port int) (map[int]int, string, error) {
	t.Helper()
	if doc != "" && !strings.Contains(doc, line) {
		t.Fatalf("docs/modbus.md no longer has the example\n\t%s\nmake the test and the doc agree", line)
	}
	cmd, _, _ := strings.Cut(line, "#")
	cmd = zeros.ReplaceAllStringFunc(cmd, func(m string) string {
		n, _ := strconv.Atoi(zeros.FindStringSubmatch(m)[1])
		return strings.TrimSpace(strings.Repeat("0 ", n))
	})
	args := strings.Fields(cmd)
	if args[0] != "mbpoll" {
		t.Fatalf("not an mbpoll line: %s", line)
	}
	for i := range args {
		if args[i] == "5020" && args[i-1] == "-p" {
			args[i] = strconv.Itoa(port)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), peerWait)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args[1:]...).CombinedOutput()
	regs := map[int]int{}
	for _, m := range register.FindAllStringSubmatch(string(out), -1) {
		r, _ := strconv.Atoi(m[1])
		v, _ := strconv.Atoi(m[2])
		regs[r] = v
	}
	return regs, string(out), err
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// TestMbpollDocExamples runs the mbpoll examples of docs/modbus.md against
// the simulator of the panel they were written for, and checks what mbpoll
// prints against the doc's tables: the identity block, a command block
// written by mbpoll and acted on, the lock block at its documented address,
// the keypad tag table, a refusal and a partial write.
func TestMbpollDocExamples(t *testing.T) {
	bin := modbus.NeedPeer(t, "mbpoll", "mbpoll", "the doc's mbpoll examples and the simulator are then not checked against a Modbus client we did not write")
	doc := docExamples(t)
	s, addr := startSim(t, "neo-hs2128e", modbus.SimOptions{})
	port := portOf(t, addr)
	runIn := func(doc, line string) map[int]int {
		t.Helper()
		regs, out, err := mbpoll(t, bin, doc, line, port)
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		return regs
	}
	// run runs a line of the doc's examples; runOwn one of the test's own.
	run := func(line string) map[int]int { t.Helper(); return runIn(doc, line) }
	runOwn := func(line string) map[int]int { t.Helper(); return runIn("", line) }
	want := func(what string, regs map[int]int, want map[int]int) {
		t.Helper()
		for r, v := range want {
			if got, ok := regs[r]; !ok || got != v {
				t.Errorf("%s: mbpoll register %d = %d (present %v), the doc says %d", what, r, got, ok, v)
			}
		}
	}

	// Identity (docs/modbus.md "Identity"): mbpoll numbers from 1, so
	// offset n is register n+1.
	id := run(`mbpoll -m tcp -p 5020 -a 1 -r 1 -c 11 -1 127.0.0.1      # identity: 18258 ("GR"), 3, 0, 1000, 8, 8, 1, 2, 16, 127, 1000`)
	want("identity", id, map[int]int{
		1:  0x4752, // offset 0: magic "GR"
		2:  3,      // offset 1: map version 3
		3:  0,      // offsets 2-3: slots, uint32, most significant word first
		4:  1000,   //   a Neo HS2128 E has 1,000 users
		5:  8,      // offset 4: partitions
		6:  8,      // offset 5: code length
		7:  1,      // offset 6: master slot
		8:  2,      // offset 7: locks
		9:  16,     // offset 8: tags per lock
		10: 127,    // offset 9: capability bits 0-6
		11: 1000,   // offset 10: keypad tag table entries
	})

	// A command block written by mbpoll (function 16, all 48 registers at
	// 0x0040 = register 65): unlock lock 1, sequence number 0.
	run(`mbpoll -m tcp -p 5020 -a 1 -r 65 -1 127.0.0.1 0 8 0 0 1 $(z 43)`)
	locks, err := s.Panel().ReadLocks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(locks) == 0 || locks[0].State != family.LockUnlocked {
		t.Fatalf("after mbpoll's unlock command the simulator's locks are %+v, want lock 1 unlocked", locks)
	}
	// Lock 1 at 0x0380 = 896, register 897: number, state, battery.
	want("lock 1", run(`mbpoll -m tcp -p 5020 -a 1 -r 897 -c 3 -1 127.0.0.1     # lock 1 at 0x0380 (896): 1, 2 (unlocked), 99 (%)`),
		map[int]int{897: 1, 898: 2, 899: 99})

	// Keypad tag "04A1" to slot 1: op 11, slot at words 2-3, tag at 31-42.
	run(`mbpoll -m tcp -p 5020 -a 1 -r 65 -1 127.0.0.1 0 11 0 1 0 0 0 $(z 24) 12340 16689 $(z 15)`)
	tags, err := s.Panel().ReadKeypadTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 1 || tags[0].Slot != 1 || tags[0].Tag != "04A1" {
		t.Fatalf("after mbpoll's add keypad tag the simulator holds %+v, want 04A1 on slot 1", tags)
	}
	// The table at 0x1500 + 30 x 1000 = 35376, register 35377: header
	// "KT", 1 tag, 1000 entries, check word 0x126F; entry 1: number 1,
	// slot 0 1, "04A1", zeros, check word.
	table := run(`mbpoll -m tcp -p 5020 -a 1 -r 35377 -c 20 -1 127.0.0.1`)
	want("keypad tag table", table, map[int]int{
		35377: 0x4B54, 35378: 1, 35379: 1000, 35380: 0x126F,
		35381: 1, 35382: 0, 35383: 1, 35384: 0x3034, 35385: 0x4131, 35386: 0,
	})
	entry := make([]uint16, 15)
	for i := range entry {
		entry[i] = uint16(table[35381+i])
	}
	if got, wantCRC := uint16(table[35396]), crc16(entry); got != wantCRC {
		t.Errorf("entry 1's check word reads %#04x, CRC-16/MODBUS of its words 0-14 is %#04x", got, wantCRC)
	}

	// The doc's two failures: the same tag to slot 2 is refused
	// (exception 3), a write of part of the command block is exception 2;
	// mbpoll fails both and says why.
	for _, c := range []struct{ line, says string }{
		{`mbpoll -m tcp -p 5020 -a 1 -r 65 -1 127.0.0.1 0 11 0 2 0 0 0 $(z 24) 12340 16689 $(z 15)`, "Illegal data value"},
		{`mbpoll -m tcp -p 5020 -a 1 -r 65 -1 127.0.0.1 0 8 0 0 1`, "Illegal data address"},
		// Only holding registers: input registers are exception 1.
		{`mbpoll -m tcp -p 5020 -a 1 -t 3 -r 1 -c 2 -1 127.0.0.1`, "Illegal function"},
	} {
		_, out, err := mbpoll(t, bin, "", c.line, port)
		if err == nil || !strings.Contains(out, c.says) {
			t.Errorf("%s: err %v, output\n%s\nwant a failure saying %q", c.line, err, out, c.says)
		}
	}
	// An arm mode other than 1 or 2 is a malformed command: exception 3,
	// and the status block (0x0070, register 113) says seq 0, op 5,
	// status 16.
	if _, out, err := mbpoll(t, bin, "", `mbpoll -m tcp -p 5020 -a 1 -r 65 -1 127.0.0.1 0 5 0 0 1 3 $(z 42)`, port); err == nil || !strings.Contains(out, "Illegal data value") {
		t.Errorf("arm mode 3: err %v, output\n%s\nwant Illegal data value", err, out)
	}
	want("status after arm mode 3", runOwn(`mbpoll -m tcp -p 5020 -a 1 -r 113 -c 3 -1 127.0.0.1`), map[int]int{113: 0, 114: 5, 115: 16})
	tags, err = s.Panel().ReadKeypadTags(ctx)
	if err != nil || len(tags) != 1 || tags[0].Slot != 1 {
		t.Fatalf("after the refused command the simulator holds %+v (%v), want 04A1 on slot 1 only", tags, err)
	}
}

// crc16 is CRC-16/MODBUS of the big-endian bytes of words, written from
// the doc (poly 0xA001 reflected, init 0xFFFF).
func crc16(words []uint16) uint16 {
	crc := uint16(0xFFFF)
	for _, w := range words {
		for _, b := range []byte{byte(w >> 8), byte(w)} {
			crc ^= uint16(b)
			for range 8 {
				if crc&1 != 0 {
					crc = crc>>1 ^ 0xA001
				} else {
					crc >>= 1
				}
			}
		}
	}
	return crc
}

const python = "/usr/bin/python3" // Debian's, with python3-pymodbus; a pyenv python3 on PATH lacks it

var pymodbusOK = sync.OnceValue(func() error {
	out, err := exec.Command(python, "-c", "import pymodbus.server").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
})

// pyDevice is testdata/docdevice.py running as a Modbus TCP device.
type pyDevice struct {
	addr  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // its stdout, closed at EOF
	wait  chan error
}

// startDevice starts testdata/docdevice.py with args on a port the OS
// picks; it is killed when the test ends.
func startDevice(t *testing.T, args ...string) *pyDevice {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		modbus.MissingPeer(t, python+" is missing", "python3 python3-pymodbus", "the driver is then not tested against a device written from docs/modbus.md")
	}
	if err := pymodbusOK(); err != nil {
		modbus.MissingPeer(t, python+" cannot import pymodbus's server ("+err.Error()+")", "python3-pymodbus python3-serial-asyncio", "the driver is then not tested against a device written from docs/modbus.md")
	}
	cmd := exec.Command(python, append([]string{"testdata/docdevice.py"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pyDevice{cmd: cmd, stdin: stdin, lines: make(chan string, 100), wait: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.wait <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		for range p.lines {
		}
	})
	select {
	case l, ok := <-p.lines:
		port, found := strings.CutPrefix(l, "port ")
		if !ok || !found {
			t.Fatalf("docdevice.py %s did not say its port (%q):\n%s", strings.Join(args, " "), l, stderr.String())
		}
		p.addr = net.JoinHostPort("127.0.0.1", port)
	case <-time.After(peerWait):
		t.Fatalf("docdevice.py %s did not start within %s:\n%s", strings.Join(args, " "), peerWait, stderr.String())
	}
	return p
}

// stop closes the device's stdin and returns what it reported as it
// ended: the number of write requests it took, and its other lines.
func (p *pyDevice) stop(t *testing.T) (writes int, report []string) {
	t.Helper()
	p.stdin.Close()
	timeout := time.After(peerWait)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return writes, report
			}
			if n, found := strings.CutPrefix(l, "writes "); found {
				writes, _ = strconv.Atoi(n)
			} else {
				report = append(report, l)
			}
		case <-timeout:
			t.Fatalf("docdevice.py did not end within %s of its stdin closing", peerWait)
		}
	}
}

// keypad tells the device what a person does at its keypad ("disarm 1")
// and waits until it says it was done.
func (p *pyDevice) keypad(t *testing.T, what string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, what+"\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-p.lines:
		if !strings.HasPrefix(l, "keypad ") || strings.HasPrefix(l, "keypad: cannot") {
			t.Fatalf("keypad %q: the device says %q", what, l)
		}
	case <-time.After(peerWait):
		t.Fatalf("keypad %q: no answer within %s", what, peerWait)
	}
}

// TestDocDevice drives a device written from docs/modbus.md alone
// (testdata/docdevice.py, pymodbus) with the driver: identity, capability
// bits, set a code and read it back, refusals, label, arm and disarm,
// clear; a command whose capability bit is clear is never sent, and the
// device took exactly the writes the driver made.
func TestDocDevice(t *testing.T) {
	dev := startDevice(t, "guardroom", "--slots", "48", "--partitions", "2", "--code-length", "4", "--master", "1")
	d := dial(t, dev.addr, nil)
	writes := 0
	ok := func(what string, err error) {
		t.Helper()
		writes++
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	refused := func(what string, err error, kind drivers.RefusalKind) {
		t.Helper()
		writes++
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != kind {
			t.Fatalf("%s: err = %v, want a refusal %s", what, err, kind)
		}
	}
	user := func(slot int) drivers.User {
		t.Helper()
		u, err := d.ReadUser(ctx, slot)
		if err != nil {
			t.Fatalf("read slot %d: %v", slot, err)
		}
		return u
	}
	partition := func(n int) family.PartitionState {
		t.Helper()
		ps, err := d.ReadPartitions(ctx)
		if err != nil || len(ps) != 2 {
			t.Fatalf("read partitions: %+v, %v", ps, err)
		}
		return ps[n-1].State
	}

	id, err := d.Identify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Slots != 48 || id.Partitions != 2 || id.CodeLength != 4 || id.MapVersion != 3 || id.Vendor != "docdevice" {
		t.Fatalf("identity %+v", id)
	}
	if c := d.Capabilities(); c != (drivers.Capabilities{ReadBack: true, Users: true, Partitions: true, ArmDisarm: true}) {
		t.Fatalf("capabilities %+v, want read-back, users, partitions and arm/disarm only", c)
	}

	ok("set code", d.SetCode(ctx, drivers.User{Slot: 2, Label: "Night shift", Partitions: 0b01}, "1234"))
	u := user(2)
	if !u.CodeSet || u.Label != "Night shift" || u.Partitions != 0b01 || u.Role != "User" ||
		u.CodeCheck != drivers.CodeCheck(2, "1234") || u.CodeSerial != 1 {
		t.Fatalf("slot 2 reads back %+v", u)
	}
	all, err := d.ReadUsers(ctx)
	if err != nil || len(all) != 1 || all[0].Slot != 2 {
		t.Fatalf("read users: %+v, %v; want slot 2 only", all, err)
	}
	refused("the same code in slot 3", d.SetCode(ctx, drivers.User{Slot: 3}, "1234"), drivers.RefusedDuplicateCode)
	refused("a label on an empty slot", d.SetLabel(ctx, 3, "Day"), drivers.RefusedBadSlot)
	ok("set label", d.SetLabel(ctx, 2, "Cleaner"))
	ok("set partitions", d.SetPartitions(ctx, 2, 0b11))
	if u := user(2); u.Label != "Cleaner" || u.Partitions != 0b11 || u.CodeSerial != 1 {
		t.Fatalf("slot 2 after label and partitions: %+v", u)
	}
	ok("set code, empty label", d.SetCode(ctx, drivers.User{Slot: 2, Partitions: 0b10}, "5678"))
	if u := user(2); u.Label != "" || u.Partitions != 0b10 || u.CodeCheck != drivers.CodeCheck(2, "5678") || u.CodeSerial != 2 {
		t.Fatalf("slot 2 after a new code with no label: %+v", u)
	}

	ok("arm away", d.Arm(ctx, 1, drivers.Away))
	if s := partition(1); s != family.ArmedAway {
		t.Fatalf("partition 1 is %s after arm away", s)
	}
	refused("arm stay while armed away", d.Arm(ctx, 1, drivers.Stay), drivers.RefusedNotReady)
	ok("disarm", d.Disarm(ctx, 1))
	if s := partition(1); s != family.Disarmed {
		t.Fatalf("partition 1 is %s after disarm", s)
	}
	// The same arm again: a new sequence number, so the device acts on it.
	ok("arm away again", d.Arm(ctx, 1, drivers.Away))
	if s := partition(1); s != family.ArmedAway {
		t.Fatalf("partition 1 is %s after the second arm away", s)
	}
	ok("disarm again", d.Disarm(ctx, 1))

	ok("clear", d.ClearCode(ctx, 2))
	if u := user(2); u.CodeSet || u.CodeSerial != 3 {
		t.Fatalf("slot 2 after clear: %+v", u)
	}
	ok("clear an empty slot", d.ClearCode(ctx, 2))
	if u := user(2); u.CodeSet || u.CodeSerial != 3 {
		t.Fatalf("clearing an empty slot changed it: %+v", u)
	}
	ok("master code", d.SetCode(ctx, drivers.User{Slot: 1}, "9999"))
	refused("clear the master", d.ClearCode(ctx, 1), drivers.RefusedMaster)

	// Capability bit 4 is clear: the driver refuses unsent.
	if err := d.Lock(ctx, 1); err == nil {
		t.Fatal("lock on a device without locks: no error")
	} else {
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != drivers.RefusedUnsupported {
			t.Fatalf("lock on a device without locks: %v, want a refusal (unsupported)", err)
		}
	}

	got, report := dev.stop(t)
	if got != writes {
		t.Errorf("the device took %d writes, the driver made %d", got, writes)
	}
	if len(report) != 1 || !strings.HasPrefix(report[0], "slot 1 role 1 ") {
		t.Errorf("the device ends holding %q, want the master code in slot 1 only", report)
	}
}

// TestPlainDeviceNeverWritten: pymodbus's stock server holding zeros is not
// a guardroom map. Every command fails at once as a configuration error,
// and the device never sees a write.
func TestPlainDeviceNeverWritten(t *testing.T) {
	dev := startDevice(t, "plain")
	d := dial(t, dev.addr, nil)
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"set code", func() error { return d.SetCode(ctx, drivers.User{Slot: 1}, "1234") }},
		{"clear", func() error { return d.ClearCode(ctx, 1) }},
		{"arm", func() error { return d.Arm(ctx, 1, drivers.Away) }},
		{"unlock", func() error { return d.Unlock(ctx, 1) }},
	} {
		err := c.do()
		if !drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "no guardroom register map here") {
			t.Errorf("%s on a plain device: %v, want a configuration error (no guardroom register map here)", c.name, err)
		}
		if drivers.Transient(err) {
			t.Errorf("%s on a plain device: %v is transient (would be retried)", c.name, err)
		}
	}
	if writes, _ := dev.stop(t); writes != 0 {
		t.Fatalf("the plain device took %d writes, want none", writes)
	}
}

// TestDocDeviceRepeatRule: a device written from the doc keeps its last
// command and does not act again on the same 48 registers with the same
// number (a retry after a lost reply). Arm, disarm at the keypad, arm
// again from a new process: with numbers that go on across processes (the
// store's counter) the second arm is acted on; with numbers that restart,
// as they did before issue 13, it is taken for a repeat and silently not
// done.
func TestDocDeviceRepeatRule(t *testing.T) {
	dev := startDevice(t, "guardroom", "--partitions", "1")
	var last uint64 // the panel's counter, as the store keeps it
	goesOn := func(context.Context) (uint64, error) { last++; return last, nil }
	restarted := func(context.Context) (uint64, error) { return last, nil }
	// armFromNewProcess arms partition 1 with a new driver and returns the
	// partition's state.
	armFromNewProcess := func(numbers func(context.Context) (uint64, error)) family.PartitionState {
		t.Helper()
		d := dial(t, dev.addr, nil)
		d.UseCommandNumbers(numbers)
		if err := d.Arm(ctx, 1, drivers.Away); err != nil {
			t.Fatalf("arm: %v", err)
		}
		ps, err := d.ReadPartitions(ctx)
		if err != nil || len(ps) != 1 {
			t.Fatalf("read partitions: %+v, %v", ps, err)
		}
		return ps[0].State
	}

	if s := armFromNewProcess(goesOn); s != family.ArmedAway {
		t.Fatalf("first arm: partition 1 is %s", s)
	}
	dev.keypad(t, "disarm 1")
	if s := armFromNewProcess(goesOn); s != family.ArmedAway {
		t.Fatalf("the arm after a keypad disarm, with the next number, left partition 1 %s", s)
	}
	dev.keypad(t, "disarm 1")
	if s := armFromNewProcess(restarted); s != family.Disarmed {
		t.Fatalf("the device acted on the same arm with the same number (partition 1 %s): it does not keep the doc's repeat rule, so this test proves nothing", s)
	}
}
