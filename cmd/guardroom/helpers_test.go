package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// site is a guardroom data directory and key file in a test's temp dir,
// with XDG_* pointing into it so no test touches the real home.
type site struct {
	t    *testing.T
	root string
	data string
	key  string
}

func newSite(t *testing.T) *site {
	t.Helper()
	root := t.TempDir()
	t.Setenv("HOME", root)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(root, "share"))
	t.Setenv("GUARDROOM_KEY_FILE", "")
	t.Setenv("GOMEMLIMIT", "")
	return &site{t: t, root: root, data: filepath.Join(root, "data"), key: filepath.Join(root, "keys", "data.key")}
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout:\n" + r.stdout + "--- stderr:\n" + r.stderr
}

// runArgs runs the program in-process with stdin as a strings.Reader, so
// the non-terminal input path is used.
func runArgs(stdin string, args ...string) result {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// run runs a command against the site's data directory and key file.
func (s *site) run(stdin string, args ...string) result {
	s.t.Helper()
	return runArgs(stdin, append([]string{"--data", s.data, "--key-file", s.key}, args...)...)
}

// ok runs a command that must succeed.
func (s *site) ok(stdin string, args ...string) result {
	s.t.Helper()
	r := s.run(stdin, args...)
	if r.code != 0 {
		s.t.Fatalf("guardroom %s: want exit 0, got %s", strings.Join(args, " "), r)
	}
	return r
}

// fail runs a command that must end with code and print want on stderr.
func (s *site) fail(code int, want string, stdin string, args ...string) result {
	s.t.Helper()
	r := s.run(stdin, args...)
	if r.code != code || !strings.Contains(r.stderr, want) {
		s.t.Fatalf("guardroom %s: want exit %d and %q on stderr, got %s", strings.Join(args, " "), code, want, r)
	}
	return r
}

// jsonOut runs a command with --json and decodes its output into v.
func (s *site) jsonOut(v any, args ...string) {
	s.t.Helper()
	r := s.ok("", append(args, "--json")...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		s.t.Fatalf("guardroom %s --json: %v\n%s", strings.Join(args, " "), err, r.stdout)
	}
}

// imei completes 14 digits with their Luhn check digit.
func imei(first14 string) string {
	sum := 0
	for i := 0; i < 14; i++ {
		d := int(first14[13-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return first14 + strconv.Itoa((10-sum%10)%10)
}

const imeiMain = "490154203237518"

// withPanel adds a site "HQ" and panel 1 "Main office" (DSC PowerSeries
// PC1864: 95 slots, Master slot 40, 4-digit codes, 8 partitions), reached
// through the sim driver, whose memory lives in a file between commands.
func (s *site) withPanel() *site {
	s.t.Helper()
	s.ok("", "unit", "add", "--parent", "Organization", "--kind", "site", "HQ")
	s.ok("", "panel", "add", "--name", "Main office", "--family", "dsc-pc1864", "--imei", imeiMain, "--unit", "HQ",
		"--driver", "sim", "--address", s.root+"/main-office", "--option", "state="+filepath.Join(s.root, "main-office.json"))
	return s
}

// userJSONOf returns one user of panel 1 as user show --json prints it.
func (s *site) user(panel, slot string) userJSON {
	s.t.Helper()
	var u userJSON
	s.jsonOut(&u, "user", "show", panel, slot)
	return u
}

// snapshot maps every file under dir (but the diagnostics log) to its bytes.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "guardroom.log" {
			return err
		}
		b, err := os.ReadFile(p)
		m[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
