//go:build unix

package main

import "syscall"

// privateFiles makes every file and directory this process creates
// readable by its owner only (umask 077): the database's files (Badger
// creates some 0644), the log, exports and backups. The data is encrypted,
// yet nobody else needs to see even its size.
func privateFiles() { syscall.Umask(0o077) }
