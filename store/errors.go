package store

import (
	"errors"
	"fmt"
	"unicode/utf8"
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

// refuse makes a Refusal. A value quoted back in it is shortened (see
// shorten): a 30 MB name in a file makes a message of a line, not of 30 MB.
func refuse(kind error, format string, args ...any) *Refusal {
	shown := make([]any, len(args))
	for i, a := range args {
		if v, ok := a.(string); ok {
			a = shorten(v)
		}
		shown[i] = a
	}
	return &Refusal{Kind: kind, Msg: fmt.Sprintf(format, shown...)}
}

// Longer values than maxShown characters are shown as their first
// shownHead characters, an ellipsis and their length. No value the store
// keeps is that long (the longest, an identifier or a person's info, is
// 256), so only what is refused for its length is ever cut.
const (
	maxShown  = 256
	shownHead = 64
)

// shorten bounds a value shown back to the operator in a refusal or an
// import preview: "Jane Doe…(31457280 characters)".
func shorten(v string) string {
	if len(v) <= maxShown {
		return v
	}
	n := utf8.RuneCountInString(v)
	if n <= maxShown {
		return v
	}
	head, k := v, 0
	for i := range v {
		if k == shownHead {
			head = v[:i]
			break
		}
		k++
	}
	return fmt.Sprintf("%s…(%d characters)", head, n)
}

// IsRefusal reports whether err is a rule or permission refusal rather than a
// failure of the machine (disk, corruption).
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}
