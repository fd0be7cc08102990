package modbus

import "time"

// SetReidentifyAfter changes the pause after which a request counts as one
// on a new connection, until the returned function restores it.
func SetReidentifyAfter(d time.Duration) (restore func()) {
	was := reidentifyAfter
	reidentifyAfter = d
	return func() { reidentifyAfter = was }
}

// NeedPeer and MissingPeer skip a test whose third-party peer is missing,
// or fail it under CI (see needPeer).
var (
	NeedPeer    = needPeer
	MissingPeer = missingPeer
)
