//go:build linux

package attach

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// TestAdmit: the peer check admits the service's own user, and with a
// group set the users in it (primary or supplementary); it refuses the
// rest, and a user whose groups cannot be looked up.
func TestAdmit(t *testing.T) {
	const self, guards = 1000, "2000"
	groups := map[string][]string{
		"1001": {"2000"},         // primary group guards
		"1002": {"1002", "2000"}, // guards as a supplementary group
		"1003": {"1003", "27"},   // not a guard
	}
	lookup := func(uid string) ([]string, error) {
		g, ok := groups[uid]
		if !ok {
			return nil, errors.New("unknown user")
		}
		return g, nil
	}
	for _, tc := range []struct {
		name  string
		uid   int
		group string
		want  bool
		err   bool
	}{
		{"own user, no group", self, "", true, false},
		{"other user, no group", 1001, "", false, false},
		{"own user, group", self, guards, true, false},
		{"primary group", 1001, guards, true, false},
		{"supplementary group", 1002, guards, true, false},
		{"not in the group", 1003, guards, false, false},
		{"unknown user", 1004, guards, false, true},
		{"no peer", -1, guards, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := admit(tc.uid, self, tc.group, lookup)
			if got != tc.want || (err != nil) != tc.err {
				t.Fatalf("admit(%d, group %q) = %v, %v; want %v, error %v", tc.uid, tc.group, got, err, tc.want, tc.err)
			}
		})
	}
}

// TestListenMode: without a group the socket is 0600; with one (the test
// user's own primary group) it is 0660 and that group's, and a client of
// the same user still talks to it.
func TestListenMode(t *testing.T) {
	gid := strconv.Itoa(os.Getgid())
	for _, tc := range []struct {
		group string
		mode  os.FileMode
	}{{"", 0o600}, {gid, 0o660}} {
		t.Run("group="+tc.group, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.sock")
			ln, got, err := Listen(path, tc.group)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if got != tc.group {
				t.Fatalf("group id %q, want %q", got, tc.group)
			}
			st, err := os.Lstat(path)
			if err != nil || st.Mode().Perm() != tc.mode {
				t.Fatalf("socket mode %v, %v; want %v", st.Mode().Perm(), err, tc.mode)
			}
			if sys := st.Sys().(*syscall.Stat_t); strconv.Itoa(int(sys.Gid)) != gid {
				t.Fatalf("socket group %d, want %s", sys.Gid, gid)
			}
			if err := CheckSocket(path); err != nil {
				t.Fatalf("client refuses it: %v", err)
			}
		})
	}
	if _, _, err := Listen(filepath.Join(t.TempDir(), "s.sock"), "no-such-group-here"); err == nil {
		t.Fatal("an unknown group was accepted")
	}
}
