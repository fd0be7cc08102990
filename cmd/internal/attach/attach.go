// Package attach runs a program's commands inside a long-running service,
// for clients on the same machine: SSH over a Unix socket, one "exec" per
// command, with a real pseudo-terminal when the client has a terminal.
// See DESIGN.md for why.
package attach

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMaxPending       = 16
	DefaultMaxSessions      = 64
	DefaultGrace            = 10 * time.Second
	// As sshserve's for the SSH console.
	DefaultIdleTimeout = 15 * time.Minute
	DefaultMaxLifetime = 12 * time.Hour
)

// Limits on what a client may send before its command runs.
const (
	maxEnv       = 64
	maxEnvBytes  = 4096
	maxExecBytes = 64 << 10
)

// Config tunes a Server.
type Config struct {
	// Run runs one command and returns its exit code. Its context ends
	// when the client goes, sends an interrupt, or the server stops.
	Run func(ctx context.Context, s *Session) int
	Log *slog.Logger
	// HandshakeTimeout closes a connection that has not started its
	// command by then (the SSH handshake, the session, its exec);
	// MaxPending is how many may be at it at once.
	HandshakeTimeout time.Duration
	MaxPending       int
	// MaxSessions is how many commands may run at once.
	MaxSessions int
	// Group is the id of the group whose members may use the socket
	// besides the service's own user (Listen made it theirs); "" admits
	// that user only.
	Group string
	// IdleTimeout ends a command whose stdin is the client's terminal
	// when nothing was typed (nor the window resized) for that long: a
	// console or a prompt left open. MaxLifetime ends any command that
	// has run that long. Zero: the defaults.
	IdleTimeout, MaxLifetime time.Duration
	// Grace is how long running commands get to end when the server
	// stops, before their connections are closed.
	Grace time.Duration
}

// Session is one command a client runs.
type Session struct {
	ID   uint64
	Args []string
	// Cwd is the client's working directory, for relative paths.
	Cwd string
	// Env is the client's environment (what it chose to send), KEY=VALUE.
	Env []string
	// Stdin, Stdout and Stderr are the client's streams: the *os.File of
	// the pseudo-terminal for those that are a terminal on the client.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Resize carries the client terminal's new size (columns, rows).
	Resize <-chan [2]int
	// UID is the client's OS user; Started when its command started.
	UID     int
	Started time.Time

	mu                sync.Mutex
	command, operator string
}

// SetCommand records which command runs (its name, not its arguments),
// for Server.Sessions.
func (s *Session) SetCommand(name string) {
	s.mu.Lock()
	s.command = name
	s.mu.Unlock()
}

// Command is the command's name as SetCommand gave it.
func (s *Session) Command() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.command
}

// SetOperator records who the command logged in as ("" none yet), for
// Server.Sessions.
func (s *Session) SetOperator(name string) {
	s.mu.Lock()
	s.operator = name
	s.mu.Unlock()
}

// Operator is who the command logged in as, "" when nobody yet.
func (s *Session) Operator() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.operator
}

// Getenv returns the client's value of key.
func (s *Session) Getenv(key string) string {
	for _, kv := range slices.Backward(s.Env) {
		if k, v, ok := cutEnv(kv); ok && k == key {
			return v
		}
	}
	return ""
}

func cutEnv(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return "", "", false
}

// request is the exec payload.
type request struct {
	Args []string `json:"args"`
	Cwd  string   `json:"cwd"`
	// TTY lists which of the client's 0, 1, 2 are its terminal.
	TTY []int `json:"tty"`
}

// ErrNoService means no service answers on the socket: the caller works
// on its own.
var ErrNoService = errors.New("no service is running")

// Client is one command to run in a service.
type Client struct {
	Args []string
	Cwd  string
	// Env is what the command may read of the client's environment.
	Env []string
	// Stdin, Stdout and Stderr are the client's own streams.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// FullScreen is set for a command that takes the whole terminal (the
	// console): when the service is lost under it, the client puts the
	// terminal back (main screen, cursor shown, no mouse or bracketed
	// paste) before it says so, or the message lands inside the last frame
	// and the shell is left in the alternate screen.
	FullScreen bool
}
