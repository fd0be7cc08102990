package sshconsole

import (
	"github.com/guardroom/guardroom/cmd/internal/sshserve"
	"github.com/guardroom/guardroom/store"
)

// NewWithHook is New with closed called in each session's OnEnd once its
// console is closed, before its end is logged.
func NewWithHook(st *store.Store, cfg Config, closed func(*sshserve.Session)) (*sshserve.Server, error) {
	return newServer(st, cfg, closed)
}
