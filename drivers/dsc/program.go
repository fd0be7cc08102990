package dsc

import (
	"context"
	"errors"
	"fmt"

	"github.com/guardroom/guardroom/drivers"
)

// Programming user codes by keystrokes, on partition 1 (the partition
// whose keypad LEDs the TPI reports, 510/511):
//
//	072 1            enter [*][5]; the panel asks for the master code (921)
//	200 master       the keypad shows the [*][5] menu: Program flashing, Armed on
//	071 1 NN         slot NN: Program on steady (the panel waits for the code)
//	071 1 code|*     the code (or * to erase): back to the menu, Program flashing
//	071 1 #          leave: Program off
//
// Each step waits for the keypad state the step leads to before the next
// one goes. Nothing code-bearing is ever sent twice: on anything else (an
// error, a state that does not come, a dropped connection) the driver
// sends [#] to leave programming and fails the job with what the keypad
// showed, as a refusal, so that the dispatcher does not resend it blind.

// progPartition is the partition codes are programmed on.
const progPartition = 1

// maxKeys is the most keys one 071 frame carries (TPI document §3.2).
const maxKeys = 6

// keypad states a step waits for.
func inMenu(st Status) bool {
	return st.LED&LEDProgram != 0 && st.Flash&LEDProgram != 0
}

func inCodeEntry(st Status) bool {
	return st.LED&LEDProgram != 0 && st.Flash&LEDProgram == 0
}

func outOfProgramming(st Status) bool {
	return st.LED&LEDProgram == 0 && st.Flash&LEDProgram == 0
}

// SetCode programs code into slot u.Slot by keystrokes. Only the code is
// programmed: labels stay in guardroom, and the role and partitions stay
// as the panel has them.
func (d *Driver) SetCode(ctx context.Context, u drivers.User, code string) error {
	if err := d.checkSlot(u.Slot); err != nil {
		return err
	}
	if !digits(code, d.codeLen, d.codeLen) {
		return &drivers.Refusal{Kind: drivers.RefusedCodeLength, Reason: fmt.Sprintf("codes on this panel have %d digits: choose a %d-digit code", d.codeLen, d.codeLen)}
	}
	return d.program(ctx, u.Slot, code, fmt.Sprintf("program user %02d by keystrokes", u.Slot))
}

// ClearCode erases slot by keystrokes ([*] in place of the code).
func (d *Driver) ClearCode(ctx context.Context, slot int) error {
	if err := d.checkSlot(slot); err != nil {
		return err
	}
	return d.program(ctx, slot, "*", fmt.Sprintf("erase user %02d by keystrokes", slot))
}

func (d *Driver) checkSlot(slot int) error {
	if slot < 1 || slot > d.slots {
		return &drivers.Refusal{Kind: drivers.RefusedBadSlot, Reason: fmt.Sprintf("slot %d does not exist: this panel's [*][5] slots are 01-%02d", slot, d.slots)}
	}
	if slot == d.fam.MasterSlot {
		return &drivers.Refusal{Kind: drivers.RefusedMaster, Reason: fmt.Sprintf("slot %d holds the master code, which guardroom types to program the others: change it at a keypad, then keep the new one with guardroom panel secret PANEL master-code", slot)}
	}
	return nil
}

// stepError is a failed step: what the keypad showed goes in the reason.
func stepError(what, step, shown string, err error, codeSent bool) error {
	var mis *drivers.Misconfigured
	if errors.As(err, &mis) {
		return err
	}
	doubt := "nothing was changed"
	if codeSent {
		doubt = "the slot may or may not hold the new code: check it at a keypad before retrying"
	}
	cause := err.Error()
	switch {
	case errors.Is(err, errDropped):
		return &drivers.Refusal{Reason: fmt.Sprintf("%s: the connection dropped at %s; guardroom leaves programming ([#]) as soon as it reconnects; %s, then retry the job", what, step, doubt)}
	case errors.Is(err, errNoAnswer):
		cause = "the keypad did not reach the expected state in time"
	}
	return &drivers.Refusal{Reason: fmt.Sprintf("%s: %s: %s (%s); guardroom left programming with [#]; %s", what, step, cause, shown, doubt)}
}

// program runs the [*][5] sequence for one slot; entry is the code or "*".
func (d *Driver) program(ctx context.Context, slot int, entry, what string) error {
	if d.master == "" {
		return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: what + ": no master code is set: keep the panel's master code with guardroom panel secret PANEL master-code, so that guardroom can program codes by keystrokes ([*][5])"}
	}
	x, err := d.s.beginKnown(ctx)
	if err != nil {
		return err
	}
	defer x.end()
	st := x.status()
	p := st.Partitions[progPartition]
	switch {
	case p == nil:
		return fmt.Errorf("%s: partition %d has not reported its state yet: %w", what, progPartition, drivers.ErrBusy)
	case !p.disarmedReady():
		return &drivers.Refusal{Kind: drivers.RefusedNotReady, Reason: fmt.Sprintf("%s: partition %d is %s: guardroom programs codes only on a disarmed, ready panel; retry when it is", what, progPartition, p.State())}
	case !outOfProgramming(st):
		return &drivers.Refusal{Reason: fmt.Sprintf("%s: the keypad shows programming (%s): someone is programming at a keypad; retry when they are done", what, describeLEDs(st.LED, st.Flash))}
	}
	x.s.setLeave(true)
	part := string(rune('0' + progPartition))
	steps := []struct {
		name  string
		f     Frame
		code  bool // the frame carries a code
		until func(Status) bool
	}{
		{"entering [*][5] (072)", Frame{Cmd: CmdUserProgramming, Data: part}, false, nil},
		{"the master code (200)", Frame{Cmd: CmdCodeSend, Data: d.master}, true, inMenu},
		{fmt.Sprintf("selecting slot %02d (071)", slot), Frame{Cmd: CmdKeys, Data: fmt.Sprintf("%s%02d", part, slot)}, false, inCodeEntry},
		{"the new code (071)", Frame{Cmd: CmdKeys, Data: part + entry}, true, inMenu},
		{"leaving programming (071 #)", Frame{Cmd: CmdKeys, Data: part + "#"}, false, outOfProgramming},
	}
	if entry == "*" {
		steps[3].name = "erasing the code (071 *)"
	}
	for i, s := range steps {
		err := x.step(ctx, s.f, s.until, what)
		if err == nil {
			continue
		}
		if i == 1 && isInvalidCode(err) {
			err = &drivers.Misconfigured{Err: fmt.Errorf("%s: the panel rejected the master code kept for the panel (670): keep the right one with guardroom panel secret PANEL master-code; repeated wrong codes lock the keypads out", what)}
		}
		st := x.status()
		shown := describeLEDs(st.LED, st.Flash)
		if !errors.Is(err, errDropped) {
			x.leaveProgramming(ctx)
		}
		return stepError(what, s.name, shown, err, i >= 3)
	}
	x.s.setLeave(false)
	return nil
}

type invalidCode struct{ error }

func isInvalidCode(err error) bool {
	var ic invalidCode
	return errors.As(err, &ic)
}

// step sends f and waits for its acknowledgement and then for until (or,
// for 072, for the master code request). A 501, a 502 or a partition
// event that ends programming fails it.
func (x *exch) step(ctx context.Context, f Frame, until func(Status) bool, what string) error {
	if f.Cmd == CmdKeys && len(f.Data) > 1+maxKeys {
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand, Reason: fmt.Sprintf("%s: a keystroke frame holds at most %d keys (a guardroom bug: report it)", what, maxKeys)}
	}
	if err := x.send(f); err != nil {
		return err
	}
	acked := false
	wait := x.s.tm.reply
	if until != nil {
		wait = x.s.tm.step
	}
	return x.await(ctx, wait, func(g Frame) (bool, error) {
		if ok, err := ackOrError(g, f.Cmd, what); err != nil {
			return false, err
		} else if ok {
			acked = true
		}
		switch g.Cmd {
		case RespMasterRequired, RespCodeRequired:
			if until == nil {
				return acked, nil
			}
			return false, fmt.Errorf("the panel asked for a code again (%s)", g.Cmd)
		case RespInvalidCode:
			return false, invalidCode{fmt.Errorf("the panel reported an invalid access code (670)")}
		case RespBusy, RespLockout, RespNotAvailable, RespInstallerReq, RespInstallerMode:
			return false, fmt.Errorf("the panel reported %s (%s)", g.Cmd.Name(), g.Cmd)
		case RespLED, RespLEDFlash:
			if acked && until != nil {
				return until(x.status()), nil
			}
		case RespAck:
			if acked && until != nil {
				return until(x.status()), nil
			}
		}
		return false, nil
	})
}

// leaveProgramming sends [#] to partition 1 and waits for the keypad to
// leave programming; the session forgets the open sequence once it has.
func (x *exch) leaveProgramming(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	err := x.step(ctx, Frame{Cmd: CmdKeys, Data: string(rune('0'+progPartition)) + "#"}, outOfProgramming, "leave programming")
	if err == nil || outOfProgramming(x.status()) {
		x.s.setLeave(false)
		return nil
	}
	return err
}
