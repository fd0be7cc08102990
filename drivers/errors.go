package drivers

import (
	"errors"
	"fmt"
	"net"
)

// Transient error classes: the device could not be reached or could not
// take the request now. The dispatcher retries them with back-off. Drivers
// wrap them (errors.Is finds them) with what happened.
var (
	// ErrOffline: the device cannot be reached (no connection, connection
	// refused or dropped, gateway reports it absent).
	ErrOffline = errors.New("device offline: check its power and its network or serial link; the change is kept and retried")
	// ErrTimeout: the device did not answer, or answered garbage, in time.
	ErrTimeout = errors.New("device did not answer in time: check the link, or raise the driver's timeout option; the change is kept and retried")
	// ErrBusy: the device is busy (programming at a keypad, processing).
	ErrBusy = errors.New("device busy: the change is kept and retried")
)

// Misconfigured is a permanent error: the device answered, but it is not
// what the panel's device settings say it is (another protocol or register
// map, another map version, a wrong unit id or register base). Retrying cannot help until an operator fixes the
// settings or the device: the dispatcher fails the job at once and shows
// the panel as misconfigured, with Err, which says what was found and what
// to check. A driver returns it before writing anything to such a device.
type Misconfigured struct{ Err error }

// Error returns Err's message.
func (m *Misconfigured) Error() string { return m.Err.Error() }

// Unwrap returns Err.
func (m *Misconfigured) Unwrap() error { return m.Err }

// IsMisconfigured reports whether err is, or wraps, a *Misconfigured.
func IsMisconfigured(err error) bool {
	var m *Misconfigured
	return errors.As(err, &m)
}

// RefusalKind says why a device refused a change. The Modbus register map
// reports it as status code 2+kind (docs/modbus.md).
type RefusalKind int

// Refusal kinds.
const (
	RefusedOther         RefusalKind = iota // the device gave no reason code; see Reason
	RefusedDuplicateCode                    // another slot already holds the code
	RefusedBadSlot                          // the slot does not exist on this panel
	RefusedMaster                           // the master slot's rules (cannot be cleared; only it is Master)
	RefusedCodeLength                       // the code has the wrong number of digits
	RefusedCodeDigits                       // the code is not all digits
	RefusedRole                             // the panel does not allow this role here
	RefusedPartition                        // the partition (or a partition in the mask) does not exist
	RefusedNotReady                         // the partition cannot arm in its state
	RefusedLock                             // the lock does not exist, is jammed or its battery is flat
	RefusedTag                              // the tag is invalid, in use, or the lock holds no more tags
	RefusedLabel                            // the label is too long or not printable
	RefusedUnsupported                      // the device cannot do this
	RefusedAdjacentCode                     // code + 1 duress rule: the code is next to another
	RefusedBadCommand                       // the request itself was malformed (a driver bug)
)

var refusalNames = [...]string{
	RefusedOther:         "refused",
	RefusedDuplicateCode: "duplicate code",
	RefusedBadSlot:       "bad slot",
	RefusedMaster:        "master slot rule",
	RefusedCodeLength:    "wrong code length",
	RefusedCodeDigits:    "code not digits",
	RefusedRole:          "role not allowed",
	RefusedPartition:     "bad partition",
	RefusedNotReady:      "partition not ready",
	RefusedLock:          "lock unavailable",
	RefusedTag:           "tag refused",
	RefusedLabel:         "bad label",
	RefusedUnsupported:   "not supported",
	RefusedAdjacentCode:  "code next to another",
	RefusedBadCommand:    "malformed command",
}

// String names the kind ("duplicate code").
func (k RefusalKind) String() string {
	if k >= 0 && int(k) < len(refusalNames) {
		return refusalNames[k]
	}
	return refusalNames[RefusedOther]
}

// Refusal is a permanent error: the device (or the driver, on the device's
// behalf) said no, and retrying the same change cannot help. Reason says
// what to do and never contains a code.
type Refusal struct {
	Reason string
	Kind   RefusalKind // RefusedOther when the device gave no reason code
}

// Error returns Reason.
func (r *Refusal) Error() string { return r.Reason }

// Transient reports whether err is worth retrying later: true for errors
// wrapping ErrOffline, ErrTimeout or ErrBusy and for network errors; false
// for a *Refusal, a *Misconfigured and for anything else.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var r *Refusal
	if errors.As(err, &r) || IsMisconfigured(err) {
		return false
	}
	if errors.Is(err, ErrOffline) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrBusy) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// Guidance is returned by a driver that cannot program its device itself
// (the guided keypad driver): the change waits for a person to key in Steps
// at the panel's keypad and confirm it in guardroom. It is neither transient
// nor a refusal; the dispatcher parks the job until the operator confirms or
// cancels it, and the record then says "applied by operator, not verified by
// the panel". Steps never contain a code: they name it ("the new 4-digit
// code") for the person who chose it.
type Guidance struct {
	Steps []string
}

// Error summarizes the guidance.
func (g *Guidance) Error() string {
	return fmt.Sprintf("waiting for an operator to key in %d step(s) at the panel's keypad", len(g.Steps))
}
