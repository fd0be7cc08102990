package dsc

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/drivers"
)

func simCode(t *testing.T, sim *Simulator, slot int) string {
	t.Helper()
	c, ok := sim.code(slot)
	if !ok {
		return ""
	}
	return c
}

// TestSetClearCode: a code set and erased by keystrokes lands in the
// panel, and the keypad is back out of programming after each.
func TestSetClearCode(t *testing.T) {
	for _, n := range []int{4, 6} {
		t.Run(fmt.Sprintf("%d digits", n), func(t *testing.T) {
			master, code := testMaster, testUserCode
			if n == 6 {
				master, code = testMaster+"00", testUserCode+"99"
			}
			sim, d, _ := simDriver(t, SimOptions{CodeLength: n, MasterCode: master}, func(c *drivers.Config) { c.CodeLength, c.MasterCode = n, master })
			if err := d.SetCode(testCtx(t), drivers.User{Slot: 7}, code); err != nil {
				t.Fatal(err)
			}
			if got := simCode(t, sim, 7); got != code {
				t.Errorf("slot 7 holds %q after SetCode", got)
			}
			if sim.View().Programming {
				t.Error("the keypad is still in programming after SetCode")
			}
			if err := d.ClearCode(testCtx(t), 7); err != nil {
				t.Fatal(err)
			}
			if got := simCode(t, sim, 7); got != "" {
				t.Errorf("slot 7 holds %q after ClearCode", got)
			}
			if sim.View().Programming {
				t.Error("the keypad is still in programming after ClearCode")
			}
		})
	}
}

// TestHundredCodes programs 100 codes by keystrokes, one after the other,
// over slots 01-95 (the master's 40 left alone), and checks each.
func TestHundredCodes(t *testing.T) {
	sim, d, _ := simDriver(t, SimOptions{}, nil)
	want := map[int]string{}
	slot := 0
	for i := range 100 {
		slot = slot%95 + 1
		if slot == 40 || slot == 2 {
			slot++
		}
		code := fmt.Sprintf("%04d", 3000+i)
		if err := d.SetCode(testCtx(t), drivers.User{Slot: slot}, code); err != nil {
			t.Fatalf("code %d (slot %d): %v", i, slot, err)
		}
		want[slot] = code
	}
	for s, c := range want {
		if got := simCode(t, sim, s); got != c {
			t.Errorf("slot %d holds %q, want %q", s, got, c)
		}
	}
}

// TestProgramRefusals: nothing is sent unless the panel is disarmed and
// ready and nobody is programming; slot and code rules; a wrong master
// code is a setting to fix.
func TestProgramRefusals(t *testing.T) {
	refusal := func(t *testing.T, err error, kind drivers.RefusalKind, says string) {
		t.Helper()
		var r *drivers.Refusal
		if !errors.As(err, &r) || r.Kind != kind || !strings.Contains(err.Error(), says) {
			t.Errorf("error %v: want a refusal of kind %v saying %q", err, kind, says)
		}
	}
	t.Run("armed", func(t *testing.T) {
		sim, d, _ := simDriver(t, SimOptions{}, nil)
		if err := d.Arm(testCtx(t), 1, drivers.Away); err != nil {
			t.Fatal(err)
		}
		refusal(t, d.SetCode(testCtx(t), drivers.User{Slot: 5}, testUserCode), drivers.RefusedNotReady, "disarmed, ready")
		if got := simCode(t, sim, 5); got != "" {
			t.Error("a code reached an armed panel")
		}
	})
	t.Run("not ready", func(t *testing.T) {
		sim, d, _ := simDriver(t, SimOptions{}, nil)
		sim.SetZone(1, true)
		d.ReadPartitions(testCtx(t))
		refusal(t, d.SetCode(testCtx(t), drivers.User{Slot: 5}, testUserCode), drivers.RefusedNotReady, "not ready")
	})
	t.Run("someone at a keypad", func(t *testing.T) {
		sim, d, _ := simDriver(t, SimOptions{}, nil)
		d.ReadPartitions(testCtx(t))
		sim.mu.Lock()
		for _, k := range "*5" + testMaster {
			sim.key(byte(k))
		}
		sim.updateLEDs()
		sim.mu.Unlock()
		refusal(t, d.SetCode(testCtx(t), drivers.User{Slot: 5}, testUserCode), drivers.RefusedOther, "Program flashing")
		if got := simCode(t, sim, 5); got != "" {
			t.Error("a code was typed into someone else's programming session")
		}
	})
	t.Run("slots and codes", func(t *testing.T) {
		_, d, _ := simDriver(t, SimOptions{}, nil)
		refusal(t, d.SetCode(testCtx(t), drivers.User{Slot: 40}, testUserCode), drivers.RefusedMaster, "master code")
		refusal(t, d.SetCode(testCtx(t), drivers.User{Slot: 96}, testUserCode), drivers.RefusedBadSlot, "01-95")
		refusal(t, d.SetCode(testCtx(t), drivers.User{Slot: 5}, "12345"), drivers.RefusedCodeLength, "4 digits")
		refusal(t, d.ClearCode(testCtx(t), 0), drivers.RefusedBadSlot, "01-95")
	})
	t.Run("no master code", func(t *testing.T) {
		_, d, _ := simDriver(t, SimOptions{}, func(c *drivers.Config) { c.MasterCode = "" })
		refusal(t, d.SetCode(testCtx(t), drivers.User{Slot: 5}, testUserCode), drivers.RefusedUnsupported, "master code")
	})
	t.Run("wrong master code", func(t *testing.T) {
		sim, d, _ := simDriver(t, SimOptions{}, func(c *drivers.Config) { c.MasterCode = "1112" })
		err := d.SetCode(testCtx(t), drivers.User{Slot: 5}, testUserCode)
		if !drivers.IsMisconfigured(err) || !strings.Contains(err.Error(), "master code") {
			t.Errorf("SetCode with a wrong master code = %v: want a misconfiguration", err)
		}
		if v := sim.View(); v.Programming {
			t.Error("the keypad stayed in programming")
		}
	})
}

// TestProgramUnexpected: a slot the panel does not take (its keypad never
// shows code entry) ends with [#] and a refusal saying what the keypad
// showed; the code is never typed.
func TestProgramUnexpected(t *testing.T) {
	sim, addr := startSim(t, SimOptions{Slots: 32})
	var codeFrames int
	sim.mu.Lock()
	sim.dropOn = func(f Frame) bool {
		if f.Cmd == CmdKeys && strings.Contains(f.Data, testUserCode) {
			codeFrames++
		}
		return false
	}
	sim.mu.Unlock()
	d, _ := openTPI(t, addr, func(c *drivers.Config) { c.Options["step"] = "100ms" })
	err := d.SetCode(testCtx(t), drivers.User{Slot: 50}, testUserCode)
	if drivers.Transient(err) || !strings.Contains(err.Error(), "slot 50") || !strings.Contains(err.Error(), "Program flashing") ||
		!strings.Contains(err.Error(), "[#]") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("SetCode(slot the panel lacks) = %v: want a refusal naming the step, the keypad's LEDs and the [#]", err)
	}
	sim.mu.Lock()
	n := codeFrames
	sim.mu.Unlock()
	if n != 0 {
		t.Errorf("the code was typed %d times after the slot was not taken", n)
	}
	if sim.View().Programming {
		t.Error("the keypad is still in programming")
	}
}

// TestDropMidProgramming: the connection drops right after the code's
// keys went out. The job fails for good (not retried blind), the code
// frame went once, and the driver leaves programming ([#]) as soon as it
// reconnects.
func TestDropMidProgramming(t *testing.T) {
	sim, addr := startSim(t, SimOptions{})
	codeFrames := 0
	sim.mu.Lock()
	sim.dropOn = func(f Frame) bool {
		if f.Cmd == CmdKeys && f.Data == "1"+testUserCode {
			codeFrames++
			return codeFrames == 1
		}
		return false
	}
	sim.mu.Unlock()
	d, _ := openTPI(t, addr, nil)
	err := d.SetCode(testCtx(t), drivers.User{Slot: 9}, testUserCode)
	var r *drivers.Refusal
	if !errors.As(err, &r) || drivers.Transient(err) || !strings.Contains(err.Error(), "dropped") || !strings.Contains(err.Error(), "check it at a keypad") {
		t.Fatalf("SetCode with the connection cut = %v: want a refusal (not retried) saying to check the slot", err)
	}
	if err := sim.Wait(testCtx(t), func(v SimView) bool { return v.Accepted == 2 && !v.Programming }); err != nil {
		t.Fatalf("the panel is still in programming after the reconnect: %+v", sim.View())
	}
	sim.mu.Lock()
	n := codeFrames
	sim.mu.Unlock()
	if n != 1 {
		t.Errorf("the code frame went %d times, want once", n)
	}
	if got := simCode(t, sim, 9); got != "" {
		t.Errorf("slot 9 holds %q: the dropped frame was handled", got)
	}
	// The next job runs normally.
	if err := d.SetCode(testCtx(t), drivers.User{Slot: 9}, testUserCode); err != nil {
		t.Errorf("SetCode after the reconnect: %v", err)
	}
}

// TestNoSecretsLogged runs every flow, failures included, and looks for
// the password and the codes in the log lines and the errors.
func TestNoSecretsLogged(t *testing.T) {
	sim, addr := startSim(t, SimOptions{ArmNeedsCode: true, LockoutAfter: 100})
	d, logs := openTPI(t, addr, nil)
	ctx := testCtx(t)
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	collect(d.SetCode(ctx, drivers.User{Slot: 11}, testUserCode))
	collect(d.Arm(ctx, 1, drivers.Away))
	collect(d.DisarmWithCode(ctx, 1, testUserCode))
	collect(d.ArmWithCode(ctx, 1, drivers.Stay, "4444"))
	collect(d.Disarm(ctx, 1))
	collect(d.ClearCode(ctx, 11))
	bad, _ := openTPI(t, addr, func(c *drivers.Config) { c.MasterCode, c.ArmCode = "4321", "6789" })
	d.Close()
	sim.Wait(ctx, func(v SimView) bool { return !v.Connected })
	collect(bad.SetCode(ctx, drivers.User{Slot: 12}, "7777"))
	collect(bad.Arm(ctx, 1, drivers.Away))
	wrong, wrongLogs := openTPI(t, addr, func(c *drivers.Config) { c.Password = "Zz9pw" })
	bad.Close()
	sim.Wait(ctx, func(v SimView) bool { return !v.Connected })
	_, err := wrong.Identify(ctx)
	collect(err)
	if len(errs) < 4 {
		t.Fatalf("only %d failures: the test does not cover failures: %v", len(errs), errs)
	}
	text := logs.text() + "\n" + wrongLogs.text()
	for _, e := range errs {
		text += "\n" + e.Error()
	}
	if !strings.Contains(text, "send 200 [hidden]") || !strings.Contains(text, "send 005 [hidden]") {
		t.Fatalf("the log does not show the code-bearing frames: the test looks at nothing:\n%s", text)
	}
	for _, secret := range []string{testPassword, testMaster, testArmCode, testUserCode, "4321", "6789", "7777", "Zz9pw", "4444"} {
		if strings.Contains(text, secret) {
			t.Errorf("a log line or an error shows the secret %q:\n%s", secret, text)
		}
	}
}
