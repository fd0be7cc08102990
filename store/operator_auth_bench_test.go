package store

import (
	"testing"
)

// BenchmarkLogin is one password login: the argon2id check dominates. It
// sets what twenty installers logging in at once cost the machine.
func BenchmarkLogin(b *testing.B) {
	s, err := Open(Config{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pw, _ := s.FirstPassword()
	a, err := s.Login("admin", pw, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.ChangePassword(a, "", goodPassword); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Login("admin", goodPassword, "bench", ""); err != nil {
			b.Fatal(err)
		}
	}
}
