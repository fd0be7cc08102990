//go:build !linux

package attach

import (
	"context"
	"errors"
	"net"
)

// Elsewhere than on Linux there is no service: every command opens the
// database itself.

var errLinuxOnly = errors.New("guardroom serve runs on Linux only: here each command and console opens the database itself")

// Server is not available here.
type Server struct{}

// NewServer says the service runs on Linux only.
func NewServer(Config) (*Server, error) { return nil, errLinuxOnly }

// Running is 0.
func (*Server) Running() int { return 0 }

// Sessions is none.
func (*Server) Sessions() []*Session { return nil }

// Serve says the service runs on Linux only.
func (*Server) Serve(context.Context, net.Listener) error { return errLinuxOnly }

// CheckSocket finds no service.
func CheckSocket(string) error { return ErrNoService }

// Run finds no service.
func (*Client) Run(context.Context, string) (int, error) { return 0, ErrNoService }

// RawInput does nothing: there is no service here to need it.
func RawInput(int, bool) (func(), error) { return func() {}, nil }
