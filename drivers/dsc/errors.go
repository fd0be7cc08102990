package dsc

import (
	"fmt"
	"strconv"

	"github.com/guardroom/guardroom/drivers"
)

// systemErrors are the 502 error codes (TPI document §3.7): what each
// means, and how the driver sorts it for the dispatcher.
var systemErrors = map[int]struct {
	what string
	kind errKind
}{
	0:  {"no error", errOther},
	1:  {"receive buffer overrun (a command arrived while another was being processed)", errBusy},
	2:  {"receive buffer overflow", errBusy},
	3:  {"transmit buffer overflow", errBusy},
	10: {"keybus transmit buffer overrun", errBusy},
	11: {"keybus transmit time timeout", errBusy},
	12: {"keybus transmit mode timeout", errBusy},
	13: {"keybus transmit keystring timeout", errBusy},
	14: {"keybus interface not functioning: the interface cannot talk to the panel; check its keybus wiring and the panel's power", errOffline},
	15: {"keybus busy (arming or disarming with a user code)", errBusy},
	16: {"keypad lockout: too many wrong codes were entered; wait for the panel's lockout to end (minutes) and check the codes guardroom uses", errLockout},
	17: {"the panel is in installer's mode: most functions are locked; leave installer's mode at a keypad ([#] until the keypad shows the normal display)", errInstaller},
	18: {"the partition is busy", errBusy},
	20: {"command syntax error", errCommand},
	21: {"no such partition: the partition is out of bounds for this panel", errPartition},
	22: {"command not supported by this interface", errUnsupported},
	23: {"the partition is not armed", errNotArmed},
	24: {"the partition is not ready to arm: close open zones, wait for exit delay to end, or check it is not armed already", errNotReady},
	25: {"command has an invalid length", errCommand},
	26: {"no code was required: the code came outside the panel's window", errCommand},
	27: {"invalid characters in command", errCommand},
}

type errKind int

const (
	errOther errKind = iota
	errBusy
	errOffline
	errLockout
	errInstaller
	errCommand
	errPartition
	errUnsupported
	errNotArmed
	errNotReady
)

// SystemError is a 502 the panel or the interface sent.
type SystemError struct {
	Code int
	What string
	kind errKind
}

func (e *SystemError) Error() string {
	return fmt.Sprintf("the panel reported system error %03d: %s", e.Code, e.What)
}

// systemError decodes a 502's data.
func systemError(data string) *SystemError {
	n, err := strconv.Atoi(data)
	if err != nil || len(data) != 3 {
		return &SystemError{Code: -1, What: fmt.Sprintf("unreadable error code %q", data), kind: errOther}
	}
	e, ok := systemErrors[n]
	if !ok {
		return &SystemError{Code: n, What: "an error code the TPI document does not list", kind: errOther}
	}
	return &SystemError{Code: n, What: e.what, kind: e.kind}
}

// sort turns a 502 into the error class the dispatcher acts on: busy and
// keybus errors are retried later; lockout, installer's mode and every
// error in the command itself fail the job with what the panel said.
func (e *SystemError) sort(what string) error {
	switch e.kind {
	case errBusy:
		return fmt.Errorf("%s: %w (%s)", what, drivers.ErrBusy, e.Error())
	case errOffline:
		return fmt.Errorf("%s: %w (%s)", what, drivers.ErrOffline, e.Error())
	case errPartition:
		return &drivers.Refusal{Kind: drivers.RefusedPartition, Reason: what + ": " + e.Error()}
	case errUnsupported:
		return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: what + ": " + e.Error()}
	case errNotReady:
		return &drivers.Refusal{Kind: drivers.RefusedNotReady, Reason: what + ": " + e.Error()}
	case errCommand:
		return &drivers.Refusal{Kind: drivers.RefusedBadCommand, Reason: what + ": " + e.Error() + " (a guardroom bug: report it)"}
	}
	return &drivers.Refusal{Reason: what + ": " + e.Error()}
}

// eventError is the refusal for a partition event that ends a command:
// 670 invalid code, 672/659 failure to arm, 673 busy, 658 lockout, 671
// function not available.
func eventError(what string, c Code, part int) error {
	switch c {
	case RespInvalidCode:
		return &drivers.Refusal{Reason: fmt.Sprintf("%s: partition %d reported an invalid access code (670): check the code; repeated wrong codes lock the keypads out", what, part)}
	case RespArmFailure, RespFailedToArm:
		return &drivers.Refusal{Kind: drivers.RefusedNotReady, Reason: fmt.Sprintf("%s: partition %d failed to arm (%s): close open zones or clear troubles, then retry", what, part, c)}
	case RespBusy:
		return &drivers.Refusal{Reason: fmt.Sprintf("%s: partition %d is busy (673): another keypad or an installer is programming; retry when they are done", what, part)}
	case RespLockout:
		return &drivers.Refusal{Reason: fmt.Sprintf("%s: partition %d is in keypad lockout (658) after too many wrong codes: wait for the lockout to end and check the codes guardroom uses", what, part)}
	case RespNotAvailable:
		return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: fmt.Sprintf("%s: partition %d says the function is not available (671)", what, part)}
	}
	return &drivers.Refusal{Reason: fmt.Sprintf("%s: partition %d reported %s (%s)", what, part, c.Name(), c)}
}

// errBadChecksum is the transient error for a 501: the interface got a
// frame with a bad checksum (noise on the line), so it did nothing.
func errBadChecksum(what string) error {
	return fmt.Errorf("%s: the interface received a corrupted frame (501 command error) and did nothing: %w", what, drivers.ErrBusy)
}
