//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDataIsPrivate: whatever the umask guardroom starts with (main calls
// privateFiles first), its data directory is 0700 and every file in it
// 0600 (Badger creates some with 0666 less the umask), and a directory
// others can enter is warned about with the command that fixes it.
func TestDataIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022) // a usual login umask
	t.Cleanup(func() { syscall.Umask(old) })
	s := newSite(t)
	privateFiles()
	runArgs("", "--data", s.data, "--key-file", s.key, "--operator", "admin", "panel", "list")
	syscall.Umask(0o022) // the other tests' files keep their own modes
	var files int
	err := filepath.WalkDir(s.data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", p, st.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil || files < 4 {
		t.Fatalf("%d files: %v", files, err)
	}
	if err := os.Chmod(s.data, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runArgs("", "--data", s.data, "--key-file", s.key, "--operator", "admin", "panel", "list")
	want := "guardroom: warning: the data directory " + s.data + " can be entered by other users (mode 0755): run chmod 700 " + s.data
	if !strings.Contains(r.stderr, want) {
		t.Fatalf("no warning about the open directory:\n%s", r)
	}
}
