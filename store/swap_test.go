package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenFinishesASwap builds each state a crash can leave a swap in
// (see swap.go) and checks that Open opens the new database whole, or,
// before the marker, the old one whole, and leaves nothing beside it.
func TestOpenFinishesASwap(t *testing.T) {
	key, err := CreateKey(filepath.Join(t.TempDir(), "data.key"))
	if err != nil {
		t.Fatal(err)
	}
	// site makes a closed database in dir whose unit 2 is named name.
	site := func(t *testing.T, dir, name string) {
		t.Helper()
		s, err := Open(Config{Dir: dir, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddUnit(s.Internal("t"), RootUnit, name, UnitSite); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	marker := func(t *testing.T, dir string) {
		t.Helper()
		_, _, m := swapPaths(dir)
		if err := os.WriteFile(m, []byte(`{"what":"the backup b.bak","time":"2026-12-07T01:00:00Z"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name    string
		arrange func(t *testing.T, dir, in, out string)
		want    string // unit 2 after Open
		said    bool   // Open's Progress says it finished a swap
	}{
		{"killed while the new database was built", func(t *testing.T, dir, in, out string) {
			site(t, dir, "old")
			site(t, in, "new")
		}, "old", false},
		{"marker written, nothing renamed", func(t *testing.T, dir, in, out string) {
			site(t, dir, "old")
			site(t, in, "new")
			marker(t, dir)
		}, "new", true},
		{"old moved out", func(t *testing.T, dir, in, out string) {
			site(t, out, "old")
			site(t, in, "new")
			marker(t, dir)
		}, "new", true},
		{"old moved out, then an empty data directory made", func(t *testing.T, dir, in, out string) {
			site(t, out, "old")
			site(t, in, "new")
			os.Mkdir(dir, 0o700)
			marker(t, dir)
		}, "new", true},
		{"new moved in", func(t *testing.T, dir, in, out string) {
			site(t, out, "old")
			site(t, dir, "new")
			marker(t, dir)
		}, "new", true},
		{"old deleted", func(t *testing.T, dir, in, out string) {
			site(t, dir, "new")
			marker(t, dir)
		}, "new", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "data")
			in, out, m := swapPaths(dir)
			c.arrange(t, dir, in, out)
			if c.want != "old" && !Exists(dir) {
				t.Errorf("Exists says there is no database in %s while one is swapped in", dir)
			}
			var said []string
			s, err := Open(Config{Dir: dir, Key: key, Progress: func(step string, _, _ int) { said = append(said, step) }})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.UnitPath(2); got != "Organization / "+c.want {
				t.Errorf("unit 2 is %q, want the %s database's", got, c.want)
			}
			if c.said != (len(said) == 1 && strings.Contains(said[0], "finished swapping in the backup b.bak")) {
				t.Errorf("Open said %q", said)
			}
			for _, p := range []string{in, out, m} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s is left", p)
				}
			}
		})
	}

	t.Run("a swap that cannot finish is refused, naming the old database", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		_, out, _ := swapPaths(dir)
		site(t, out, "old")
		marker(t, dir)
		_, err := Open(Config{Dir: dir, Key: key})
		if err == nil || !strings.Contains(err.Error(), "rename it back to "+dir) || !strings.Contains(err.Error(), out) {
			t.Fatalf("%v", err)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("an empty database was made in %s", dir)
		}
	})

	t.Run("an empty data directory made meanwhile does not pass for the new database", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		_, out, _ := swapPaths(dir)
		site(t, out, "old")
		os.Mkdir(dir, 0o700)
		marker(t, dir)
		if _, err := Open(Config{Dir: dir, Key: key}); err == nil || !strings.Contains(err.Error(), "rename it back to "+dir) {
			t.Fatalf("%v", err)
		}
		if !isDir(out) {
			t.Fatalf("the old database in %s is gone", out)
		}
	})

	t.Run("a swap under way in another process is waited for", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		in, _, m := swapPaths(dir)
		site(t, dir, "old")
		site(t, in, "new")
		marker(t, dir)
		f, err := os.Open(m)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := lockFile(f); err != nil {
			t.Skipf("no file locks here: %v", err)
		}
		_, err = Open(Config{Dir: dir, Key: key})
		if err == nil || !strings.Contains(err.Error(), "by another guardroom process right now") {
			t.Fatalf("%v", err)
		}
		f.Close()
		s, err := Open(Config{Dir: dir, Key: key, Now: func() time.Time { return time.Now() }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := s.UnitPath(2); got != "Organization / new" {
			t.Errorf("unit 2 is %q", got)
		}
	})
}
