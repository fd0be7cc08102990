package store

import (
	"os"
	"testing"
)

// TestMain makes the password hashes of the tests cheap: every store a test
// opens hashes admin's first password, and under the race detector a real
// hash costs about 65 ms. TestPasswordCost and TestPasswordHash check the
// real cost.
func TestMain(m *testing.M) {
	CheapPasswordHashes()
	os.Exit(m.Run())
}
