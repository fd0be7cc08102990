//go:build !unix

package store

import (
	"errors"
	"os"
)

// lockFile does nothing where there is no flock: only one guardroom
// process should open a data directory at a time anyway.
func lockFile(*os.File) error { return nil }

// syncDir does nothing where a directory cannot be synced: the system
// makes its renames durable itself.
func syncDir(string) error { return nil }

// lockDir cannot lock a directory here: callers leave what another process
// might be using alone.
func lockDir(string) (func(), error) { return nil, errors.ErrUnsupported }
