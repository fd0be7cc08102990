// Command guardroom is the guard-room console for a site's alarm panels,
// their users and codes, customer accounts and the tamper-evident action log,
// kept in an encrypted database that works fully offline.
//
// This file holds the entry point and the dispatcher; each group of commands
// lives in its own file (panel.go, user.go, account.go, ...). Commands are
// thin: they parse flags, open the store, call it and print the answer. All
// rules and permissions are enforced by the store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/guardroom/guardroom/store"
)

func main() {
	// No Go memory limit is set (GOMEMLIMIT still sets one): Badger's
	// caches and buffers are sized for a small PC in store.Options, and
	// what a big import holds live is Badger's table builders, 120 MB at
	// 100,000 people and 430 MB at a million, more than a fixed limit a
	// small PC could afford, so the collector would run back to back and
	// free nothing (docs/PERFORMANCE.md §4).
	privateFiles()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first interrupt a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // refused by a rule, or failed
	exitUsage = 2 // unknown command or flag, missing arguments, bad config
)

// run executes one command line and returns the exit code. It never panics:
// a panic anywhere below becomes an "internal error" message and exit 1.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	return newEnv(ctx, stdin, stdout, stderr).run(args)
}

// run is run in e: the program's own streams, or a client's in the
// service (serve.go).
func (e *env) run(args []string) (code int) {
	defer e.close()
	defer func() {
		if r := recover(); r != nil {
			e.log().Error("internal error", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			what := "nothing was changed"
			if e.wrote {
				what = "the change was saved before the error; check it with guardroom log list"
			}
			fmt.Fprintf(e.stderr, "guardroom: internal error (%s): %v%s\n", what, r, e.logHint())
			code = exitFail
		}
	}()
	start := time.Now()
	code = e.dispatch(args)
	if e.s != nil {
		// Commands that only print help or read a file leave no trace.
		e.log().Info("command finished", "command", e.cmdName(), "operator", e.cfg.Operator, "exit", code, "duration", time.Since(start).Round(time.Millisecond).String())
	}
	return code
}

// usageError is a command line that cannot run: exit 2. When cmd is set, or
// group is, the matching usage follows the message.
type usageError struct {
	msg   string
	cmd   *command
	group string
	// noUsage prints only the message (config file errors).
	noUsage bool
}

func (u *usageError) Error() string { return u.msg }

func usagef(cmd *command, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), cmd: cmd}
}

// errQuiet ends a command with exit 1 after it printed its own verdict
// (log verify on a broken chain).
var errQuiet = errors.New("failed")

// dispatch parses the command line, loads the configuration, runs the
// command and turns its error into an exit code.
func (e *env) dispatch(args []string) int {
	cmd, pos, err := e.parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err == nil {
		e.cmd = cmd
		if !cmd.noSettings {
			err = e.loadSettings()
		}
	}
	if err == nil {
		if cmd.minArgs > len(pos) {
			err = usagef(cmd, "%s needs %s", cmd.name, cmd.args)
		} else if cmd.maxArgs >= 0 && len(pos) > cmd.maxArgs {
			if cmd.tooMany != "" {
				err = usagef(cmd, "%s", cmd.tooMany)
			} else {
				// The extra words are not repeated: one of them may be a
				// code typed in the wrong place.
				err = usagef(cmd, "too many arguments: %s takes %s", cmd.name, argsOrNone(cmd.args))
			}
		}
	}
	if err == nil && !cmd.local && !cmd.noSettings && e.service == nil {
		// A service owns the database: the command runs there.
		if code, attached, aerr := e.attach(args); attached || aerr != nil {
			if aerr != nil {
				return e.report(aerr)
			}
			return code
		}
	}
	if err == nil && cmd.local && e.service != nil {
		err = usagef(cmd, "%s runs on its own, not through guardroom serve", cmd.name)
	}
	if err == nil {
		err = e.runner(e, pos)
	}
	if err == nil {
		err = e.misconfigured
	}
	return e.report(err)
}

func argsOrNone(a string) string {
	if a == "" {
		return "no arguments"
	}
	return a
}

// report prints err for the operator and returns the exit code.
func (e *env) report(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "guardroom: %s\n", ue.msg)
		e.log().Info("usage error", "command", e.cmdName(), "error", ue.msg)
		switch {
		case ue.noUsage:
		case ue.cmd != nil:
			fmt.Fprintln(e.stderr)
			printCommandUsage(e.stderr, ue.cmd)
		case ue.group != "":
			fmt.Fprintln(e.stderr)
			printGroupUsage(e.stderr, ue.group)
		default:
			fmt.Fprintf(e.stderr, "Run 'guardroom help' for the list of commands.\n")
		}
		return exitUsage
	case errors.Is(err, errQuiet):
		return exitFail
	case store.IsRefusal(err):
		fmt.Fprintf(e.stderr, "guardroom: %s\n", err)
		e.log().Info("refused", "command", e.cmdName(), "operator", e.cfg.Operator, "reason", err.Error())
		return exitFail
	default:
		msg := err.Error()
		e.log().Error("failed", "command", e.cmdName(), "operator", e.cfg.Operator, "error", msg)
		if first, _, long := strings.Cut(msg, "\n"); long {
			// Stack traces and the like go to the log file only.
			msg = first + e.logHint()
		}
		fmt.Fprintf(e.stderr, "guardroom: %s\n", msg)
		return exitFail
	}
}

func (e *env) cmdName() string {
	if e.cmd == nil {
		return ""
	}
	return e.cmd.name
}
