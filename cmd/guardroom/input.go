package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"
)

// Secrets (codes, one-time codes) are read here and nowhere else: from the
// terminal without echo, or as one line of standard input when it is not a
// terminal (scripts, tests). They are never taken from the command line,
// where they would land in shell history and the process list.

var errInterrupted = errors.New("interrupted: nothing was changed")

// readLine reads one line from stdin, without its line ending. It gives up
// when the context ends (Ctrl-C).
func (e *env) readLine() (string, error) {
	return e.interruptible(func() (string, error) {
		line, err := e.stdin.ReadString('\n')
		if err == io.EOF && line != "" {
			err = nil
		}
		return strings.TrimRight(line, "\r\n"), err
	})
}

// readHidden shows prompt and reads one line from the terminal without
// echo. On Linux the echo goes off before the prompt shows, so what is
// typed the moment the prompt appears, or typed ahead, is never echoed.
func (e *env) readHidden(prompt string) (string, error) {
	state, err := term.GetState(e.stdinFD)
	if err != nil {
		return "", fmt.Errorf("terminal: %w", err)
	}
	restore, err := echoOff(e.stdinFD)
	if err != nil {
		return "", fmt.Errorf("terminal: %w", err)
	}
	defer restore()
	fmt.Fprint(e.stderr, prompt)
	s, err := e.interruptible(func() (string, error) {
		b, err := term.ReadPassword(e.stdinFD)
		return string(b), err
	})
	if errors.Is(err, errInterrupted) {
		// ReadPassword is still waiting; give the operator their echo back.
		_ = term.Restore(e.stdinFD, state)
	}
	fmt.Fprintln(e.stderr)
	return s, err
}

// interruptible runs a blocking read and returns early when the context
// ends. The abandoned read is left to the process exit.
func (e *env) interruptible(read func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := read()
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-e.ctx.Done():
		return "", errInterrupted
	}
}

// readSecret reads a secret that is asked for once (a one-time code).
func (e *env) readSecret(prompt, what string) (string, error) {
	var s string
	var err error
	if e.terminal() {
		s, err = e.readHidden(prompt)
	} else {
		s, err = e.readLine()
	}
	if err == io.EOF || (err == nil && strings.TrimSpace(s) == "") {
		return "", fmt.Errorf("no %s given: type it at the prompt, or pipe one line holding it to standard input (never on the command line)", what)
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

// readCode reads a new panel-user code: twice without echo on a terminal,
// once from standard input otherwise.
func (e *env) readCode(prompt string) (string, error) {
	code, err := e.readSecret(prompt, "code")
	if err != nil || !e.terminal() {
		return code, err
	}
	again, err := e.readSecret("Type the code again: ", "code")
	if err != nil {
		return "", err
	}
	if again != code {
		return "", errors.New("codes do not match: nothing was changed")
	}
	return code, nil
}

// confirmTyped asks the operator to type want on the terminal; anything
// else cancels.
func (e *env) confirmTyped(prompt, want string, fold bool) error {
	fmt.Fprint(e.stderr, prompt)
	got, err := e.readLine()
	if err != nil && err != io.EOF {
		return err
	}
	got = strings.TrimSpace(got)
	if got == want || (fold && strings.EqualFold(got, want)) {
		return nil
	}
	return errors.New("not confirmed: nothing was changed")
}
