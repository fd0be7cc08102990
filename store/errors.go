package store

import (
	"errors"
	"fmt"
)

// Refusal kinds. A refused operation returns a *Refusal whose Kind is one of
// these, so callers can branch with errors.Is while showing the operator the
// Refusal's own message, which says what was wrong and what to do.
var (
	ErrPermission   = errors.New("permission denied")
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid input")
	ErrNoCode       = errors.New("panel user has no code")
	ErrHasCode      = errors.New("panel user already has a code")
	ErrMaster       = errors.New("not allowed for the Master user")
	ErrDuplicate    = errors.New("already exists")
	ErrCodeInUse    = errors.New("code already in use")
	ErrCodeAdjacent = errors.New("code next to an existing code")
	ErrSuspended    = errors.New("account is suspended")
	ErrUnsupported  = errors.New("not supported by this panel type")
	ErrState        = errors.New("not allowed in the current state")
	ErrOTP          = errors.New("one-time code wrong or expired")
	ErrNotEmpty     = errors.New("database is not empty")
)

// Refusal is a domain rule or permission saying no. Msg is written for the
// operator; it never contains a code, an OTP or a password.
type Refusal struct {
	Kind error
	Msg  string
}

func (r *Refusal) Error() string { return r.Msg }

// Is makes errors.Is(err, store.ErrNoCode) and friends work.
func (r *Refusal) Is(target error) bool { return r.Kind == target }

// Unwrap exposes the kind for errors.As/Is chains.
func (r *Refusal) Unwrap() error { return r.Kind }

func refuse(kind error, format string, args ...any) *Refusal {
	return &Refusal{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// IsRefusal reports whether err is a rule or permission refusal rather than a
// failure of the machine (disk, corruption).
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}
