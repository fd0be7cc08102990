package sshserve

import "time"

// SetStopGraces shortens how long a stopped session's program gets to quit
// and then to die, for tests of a stuck model. Call it before New.
func SetStopGraces(quit, kill time.Duration) (restore func()) {
	q, k := quitGrace, killGrace
	quitGrace, killGrace = quit, kill
	return func() { quitGrace, killGrace = q, k }
}
