package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The diagnostics log is rotated past its size: the kept files are bounded,
// 0600, none over the size, and together they hold the newest lines in
// order.
func TestLogFileRotates(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing int // bytes already in the log from an earlier run
	}{
		{"new log", 0},
		{"log from an earlier run over the size", 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "logs")
			path := filepath.Join(dir, "guardroom.log")
			if tc.existing > 0 {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				// Made by hand (or an older guardroom) with a wider mode.
				if err := os.WriteFile(path, bytes.Repeat([]byte("old line\n"), tc.existing/9), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var warn bytes.Buffer
			l := &lazyFile{path: path, maxBytes: 1000, keep: 3, warn: &warn}
			if tc.existing > 0 {
				fmt.Fprintln(l, "first line of this run")
				if fi, err := os.Stat(path + ".1"); err != nil || fi.Mode().Perm() != 0o600 {
					t.Fatalf("the earlier run's log was not rotated to 0600 at the first write: %v %v", fi.Mode(), err)
				}
			}
			const lines = 200 // ~6 KB: rotated several times
			for i := range lines {
				if _, err := fmt.Fprintf(l, "level=INFO msg=\"line %04d\" filler=xxxxxxxxx\n", i); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if warn.Len() > 0 {
				t.Errorf("warnings: %s", warn.String())
			}

			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			want := []string{"guardroom.log", "guardroom.log.1", "guardroom.log.2", "guardroom.log.3"}
			if !slices.Equal(names, want) {
				t.Fatalf("files %q, want %q", names, want)
			}
			var all string
			for _, name := range slices.Backward(want) {
				p := filepath.Join(dir, name)
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
				}
				if fi.Size() > 1000 {
					t.Errorf("%s is %d bytes, over the 1000 set", name, fi.Size())
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				all += string(b)
			}
			// The kept lines are the newest ones, whole and in order.
			got := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
			if len(got) < 50 {
				t.Fatalf("only %d lines kept", len(got))
			}
			first := lines - len(got)
			for i, line := range got {
				if want := fmt.Sprintf("msg=\"line %04d\"", first+i); !strings.Contains(line, want) {
					t.Fatalf("kept line %d is %q, want %s", i, line, want)
				}
			}
		})
	}
}

// The config file's log_max_mb and log_keep reach the log, with defaults.
func TestLogRotationSettings(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		max        int64
		keep       int
	}{
		{"defaults", "", 10 << 20, 3},
		{"set", "log_max_mb = 2\nlog_keep = 5\n", 2 << 20, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t)
			cfg := filepath.Join(s.root, "config.toml")
			if err := os.WriteFile(cfg, []byte(tc.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			e := newEnv(t.Context(), strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
			e.flags.config = globalFlag{value: cfg, set: true}
			if err := e.loadSettings(); err != nil {
				t.Fatal(err)
			}
			if e.logFile.maxBytes != tc.max || e.logFile.keep != tc.keep {
				t.Errorf("log rotated past %d bytes keeping %d, want %d and %d", e.logFile.maxBytes, e.logFile.keep, tc.max, tc.keep)
			}
		})
	}
}
