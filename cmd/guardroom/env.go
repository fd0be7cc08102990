package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/guardroom/guardroom/store"
)

// env is one run of the program: its streams, settings, log and (once a
// command asks for it) the open store.
type env struct {
	ctx    context.Context
	stdin  *bufio.Reader
	stdout io.Writer
	stderr io.Writer
	// stdinFD is the terminal behind stdin, or -1 when stdin is not a
	// terminal (a pipe, a file, a test's strings.Reader).
	stdinFD int

	flags  globalFlags
	cfg    settings
	cmd    *command
	runner runFunc

	logger  *slog.Logger
	logFile *lazyFile

	s     *store.Store
	actor store.Actor
	key   []byte
	// fresh is set when this run created the database.
	fresh bool
	// progress shows what the store says of its long work (Config.Progress).
	progress *progressLine
	// password is the one this run logged in with (operator passwd gives
	// it as the old one); it never leaves the process.
	password string

	// wrote is set once a change was committed, so an internal error after
	// it does not claim that nothing changed.
	wrote bool
}

func newEnv(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) *env {
	e := &env{ctx: ctx, stdin: bufio.NewReader(stdin), stdout: stdout, stderr: stderr, stdinFD: -1}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		e.stdinFD = int(f.Fd())
	}
	return e
}

// terminal reports whether stdin is a terminal the operator types on.
func (e *env) terminal() bool { return e.stdinFD >= 0 }

// log returns the diagnostics logger: guardroom's own log file, never the
// terminal. Before the settings are known it discards.
func (e *env) log() *slog.Logger {
	if e.logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.logger
}

// logHint tells the operator where the details went.
func (e *env) logHint() string {
	if e.logFile == nil || e.logFile.failed {
		return ""
	}
	return " (details in " + e.logFile.path + ")"
}

// write records that a store change succeeded; it passes err through.
func (e *env) write(err error) error {
	if err == nil {
		e.wrote = true
	}
	return err
}

func (e *env) close() {
	e.closeStore()
	if e.logFile != nil {
		e.logFile.Close()
	}
}

// closeStore closes the store, if open.
func (e *env) closeStore() {
	if e.s != nil {
		if err := e.s.Close(); err != nil {
			e.log().Error("close database", "error", err.Error())
			fmt.Fprintf(e.stderr, "guardroom: closing the database: %v\n", err)
		}
		e.s = nil
	}
}

// lazyFile is the log file, opened (and its directory created) only when
// the first record is written, so commands that log nothing leave no file.
type lazyFile struct {
	path   string
	f      *os.File
	failed bool
	warn   io.Writer
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.failed {
		return len(p), nil
	}
	if l.f == nil {
		f, err := openLogFile(l.path)
		if err != nil {
			l.failed = true
			fmt.Fprintf(l.warn, "guardroom: cannot write the log file (%v); continuing without it\n", err)
			return len(p), nil
		}
		l.f = f
	}
	return l.f.Write(p)
}

// Close closes the file if it was opened.
func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
