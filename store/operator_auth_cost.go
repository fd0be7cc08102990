package store

import (
	"flag"
	"testing"
)

// The cost of the password hashes this process makes: 19 MiB and 2
// passes (see hashPassword), unless a test binary chose cheap ones.
const (
	productionArgonMemory = 19 * 1024 // KiB
	productionArgonTime   = 2
)

// argonMemory (KiB) and argonTime (passes) are read by hashPassword; only
// CheapPasswordHashes changes them, before any test runs.
var argonMemory, argonTime uint32 = productionArgonMemory, productionArgonTime

// CheapPasswordHashes makes the password hashes this test binary creates
// from now on cheap to make and to check: argon2id over 64 KiB in one pass
// instead of 19 MiB in two. Under the race detector a real one costs about
// 65 ms of CPU, and a test site makes and checks hundreds. Hashes made
// before keep their cost (it travels in the hash). Call it from TestMain,
// before the tests start. It does nothing when benchmarks are asked for
// (-test.bench): they measure the real cost. It panics outside a test
// binary, so guardroom itself never weakens its operators' hashes.
func CheapPasswordHashes() {
	if !testing.Testing() {
		panic("store: CheapPasswordHashes outside a test binary")
	}
	if !flag.Parsed() {
		flag.Parse()
	}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		return
	}
	cheapPasswordHashes()
}

func cheapPasswordHashes() { argonMemory, argonTime = 64, 1 }
