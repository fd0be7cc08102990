package store

import (
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// productionPasswordCost makes the test's hashes at the real cost; the
// tests' cheap one comes back at its end. Not for parallel tests.
func productionPasswordCost(t testing.TB) {
	m, p := argonMemory, argonTime
	argonMemory, argonTime = productionArgonMemory, productionArgonTime
	t.Cleanup(func() { argonMemory, argonTime = m, p })
}

// adminHash is admin's stored password hash.
func adminHash(t *testing.T, s *Store) string {
	t.Helper()
	var r operatorRecord
	if err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, operatorKey("admin"), &r) }); err != nil {
		t.Fatal(err)
	}
	return r.Hash
}

// The password hashes a guardroom makes cost 19 MiB and 2 passes; a test
// binary's cheap ones are still checked, and so are real ones after it
// chose cheap ones (the cost travels in the hash).
func TestPasswordCost(t *testing.T) {
	const real, cheap = "$argon2id$v=19$m=19456,t=2,p=1$", "$argon2id$v=19$m=64,t=1,p=1$"
	t.Run("real", func(t *testing.T) {
		productionPasswordCost(t)
		s, err := Open(Config{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if h := adminHash(t, s); !strings.HasPrefix(h, real) {
			t.Fatalf("admin's first hash %q, want the real cost %s", h, real)
		}
		pw, _ := s.FirstPassword()
		a, err := s.Login("admin", pw, "test", "")
		fxWant(t, err, nil)
		_, err = s.ChangePassword(a, "", goodPassword)
		fxWant(t, err, nil)
		if h := adminHash(t, s); !strings.HasPrefix(h, real) {
			t.Fatalf("admin's chosen hash %q, want the real cost %s", h, real)
		}
		_, err = s.Login("admin", goodPassword, "test", "")
		fxWant(t, err, nil)
		_, err = s.Login("admin", goodPassword+"!", "test", "")
		fxWant(t, err, ErrLogin)
	})
	t.Run("cheap", func(t *testing.T) {
		productionPasswordCost(t)
		h, err := hashPassword(goodPassword)
		if err != nil || !strings.HasPrefix(h, real) {
			t.Fatalf("hash %q %v", h, err)
		}
		cheapPasswordHashes()
		c, err := hashPassword(goodPassword)
		if err != nil || !strings.HasPrefix(c, cheap) {
			t.Fatalf("cheap hash %q %v, want %s", c, err, cheap)
		}
		if !checkHash(c, goodPassword) || checkHash(c, goodPassword+" ") {
			t.Fatal("the cheap hash is not checked")
		}
		if !checkHash(h, goodPassword) || checkHash(h, goodPassword+" ") {
			t.Fatal("the real hash is not checked once hashes are cheap")
		}
	})
}
