package modbus_test

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	mb "github.com/goburrow/modbus"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/modbus"
)

// benchCodes is 1,000 distinct 8-digit codes for slots 1..1000 of a DSC
// Neo HS2128 E (slot 1 is the master).
func benchCodes() []string {
	codes := make([]string, 1000)
	for i := range codes {
		codes[i] = fmt.Sprintf("%08d", 20000000+37*(i+1))
	}
	return codes
}

// rawProgram writes the same 1,000 set-code commands as the driver with
// bare goburrow calls: the command block built by hand, one function-16
// write each, no checks beyond the write's error.
func rawProgram(c mb.Client, codes []string, seq *uint16) error {
	var buf [2 * modbus.CommandLen]byte
	for i, code := range codes {
		slot := i + 1
		role := uint16(3) // User
		if slot == 1 {
			role = 1 // Master
		}
		clear(buf[:])
		*seq++
		binary.BigEndian.PutUint16(buf[0:], *seq)
		binary.BigEndian.PutUint16(buf[2:], modbus.OpSetCode)
		binary.BigEndian.PutUint32(buf[4:], uint32(slot))
		binary.BigEndian.PutUint16(buf[10:], role)
		binary.BigEndian.PutUint16(buf[12:], uint16(len(code)))
		copy(buf[14:], code)
		if _, err := c.WriteMultipleRegisters(modbus.CommandAddr, modbus.CommandLen, buf[:]); err != nil {
			return fmt.Errorf("slot %d: %w", slot, err)
		}
	}
	return nil
}

// driverProgram writes them through the driver's SetCode (no read-back).
func driverProgram(d *modbus.Driver, codes []string) error {
	for i, code := range codes {
		u := drivers.User{Slot: i + 1, Role: "User"}
		if u.Slot == 1 {
			u.Role = "Master"
		}
		if err := d.SetCode(ctx, u, code); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkProgram1000Codes programs 1,000 user codes into the Modbus
// simulator over loopback, once with raw goburrow calls and once through
// the driver, interleaved in the same run; one op is 1,000 codes each way.
// It reports raw-ns/op, driver-ns/op and the driver's overhead in percent.
func BenchmarkProgram1000Codes(b *testing.B) {
	s, addr := startSim(b, "neo-hs2128e", modbus.SimOptions{})
	codes := benchCodes()

	h := mb.NewTCPClientHandler(addr)
	h.SlaveId, h.Timeout = 1, 2*time.Second
	defer h.Close()
	raw := mb.NewClient(h)
	var seq uint16
	d := dial(b, addr, nil)

	// Warm both connections up and check both paths really program.
	if err := rawProgram(raw, codes, &seq); err != nil {
		b.Fatal(err)
	}
	if err := driverProgram(d, codes); err != nil {
		b.Fatal(err)
	}
	if users := s.Panel().Snapshot().Users; len(users) != 1000 || users[999].CodeCheck != drivers.CodeCheck(1000, codes[999]) {
		b.Fatalf("the panel holds %d users", len(users))
	}

	var rawT, drvT time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := rawProgram(raw, codes, &seq); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := driverProgram(d, codes); err != nil {
			b.Fatal(err)
		}
		rawT += t1.Sub(t0)
		drvT += time.Since(t1)
	}
	b.ReportMetric(float64(rawT.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(drvT.Nanoseconds())/float64(b.N), "driver-ns/op")
	b.ReportMetric(100*(float64(drvT)-float64(rawT))/float64(rawT), "overhead-%")
}
