package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/term"

	"github.com/guardroom/guardroom/cmd/internal/attach"
	"github.com/guardroom/guardroom/store"
)

// env is one run of the program: its streams, settings, log and (once a
// command asks for it) the open store.
type env struct {
	ctx   context.Context
	stdin *bufio.Reader
	// stdout and stderr show every control character in what is printed
	// as an escape (plainWriter); rawStdout and rawStderr are the streams
	// themselves, for the full-screen console and the progress lines.
	stdout, stderr       io.Writer
	rawStdout, rawStderr io.Writer
	// stdinFD is the terminal behind stdin, or -1 when stdin is not a
	// terminal (a pipe, a file, a test's strings.Reader); stdinFile is
	// stdin when it is a file (the console reads its keys from it).
	stdinFD   int
	stdinFile *os.File

	// service is set when this run is a command a client runs in
	// guardroom serve (serve.go): the store is the service's, and
	// getenv and cwd are the client's.
	service *service
	session *attach.Session
	getenv  func(string) string
	cwd     string

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
	// misconfigured is set when a panel a command carried its change to
	// turned out to be misconfigured: the command then ends with exit 1.
	misconfigured error
}

func newEnv(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) *env {
	e := &env{ctx: ctx, stdin: bufio.NewReader(stdin), stdout: &plainWriter{w: stdout}, stderr: &plainWriter{w: stderr},
		rawStdout: stdout, rawStderr: stderr, stdinFD: -1, getenv: os.Getenv}
	if f, ok := stdin.(*os.File); ok {
		e.stdinFile = f
		if term.IsTerminal(int(f.Fd())) {
			e.stdinFD = int(f.Fd())
		}
	}
	return e
}

// abs resolves a path the operator gave against their working directory:
// the service's own differs from the client's.
func (e *env) abs(path string) string {
	if e.cwd == "" || path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(e.cwd, path)
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
	defer e.stdout.(*plainWriter).flush()
	defer e.stderr.(*plainWriter).flush()
	e.closeStore()
	if e.logFile != nil {
		e.logFile.Close()
	}
}

// closeStore closes the store, if open; the service's stays open.
func (e *env) closeStore() {
	if e.service != nil {
		e.s = nil
		return
	}
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
// Past maxBytes it is rotated: path becomes path.1, path.1 path.2, and so
// on up to path.<keep>, the oldest is dropped, and a new path is begun.
// Every file is 0600. The SSH server's sessions write to it concurrently.
type lazyFile struct {
	path     string
	maxBytes int64 // 0: never rotated
	keep     int
	warn     io.Writer

	mu     sync.Mutex
	f      *os.File
	size   int64
	failed bool
}

func (l *lazyFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed {
		return len(p), nil
	}
	if l.f == nil {
		if err := l.open(); err != nil {
			l.failed = true
			fmt.Fprintf(l.warn, "guardroom: cannot write the log file (%v); continuing without it\n", err)
			return len(p), nil
		}
	}
	if l.maxBytes > 0 && l.size > 0 && l.size+int64(len(p)) > l.maxBytes {
		l.rotate()
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

func (l *lazyFile) open() error {
	f, err := openLogFile(l.path)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	l.f, l.size = f, fi.Size()
	return nil
}

// rotate shifts the files up by one and begins a new one. When another
// process has rotated the file already, it only opens the new one. If the
// shift fails, writing goes on in the file it has.
func (l *lazyFile) rotate() {
	mine, err1 := l.f.Stat()
	now, err2 := os.Stat(l.path)
	if err1 == nil && err2 == nil && os.SameFile(mine, now) {
		for i := l.keep; i >= 1; i-- {
			from := l.path
			if i > 1 {
				from = fmt.Sprintf("%s.%d", l.path, i-1)
			}
			to := fmt.Sprintf("%s.%d", l.path, i)
			if err := os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return
			}
			_ = os.Chmod(to, 0o600)
		}
	}
	old := l.f
	if err := l.open(); err != nil {
		l.f = old // keep writing where we can
		return
	}
	old.Close()
}

// Close closes the file if it was opened.
func (l *lazyFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
