package main

import "golang.org/x/sys/unix"

// echoOff turns the terminal's echo off and nothing else (line editing
// and the Enter key's translation stay, so a line typed ahead still
// ends), and returns what turns it back on.
func echoOff(fd int) (restore func(), err error) {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	old := *t
	t.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return nil, err
	}
	return func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, &old) }, nil
}
