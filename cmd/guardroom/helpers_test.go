package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/guardroom/guardroom/store"
)

// site is a guardroom data directory and key file in a test's temp dir,
// with XDG_* pointing into it so no test touches the real home.
//
// Every command logs in, as a script would: on first use the site gets a
// database whose admin replaced the one-time password of its first run
// (setUp), and every command gives --operator and --password-file.
type site struct {
	t    testing.TB
	root string
	data string
	key  string
	// operator logs in with the password in pwFile; empty until set up.
	operator, pwFile string
}

func newSite(t testing.TB) *site {
	t.Helper()
	root := t.TempDir()
	t.Setenv("HOME", root)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(root, "share"))
	t.Setenv("GUARDROOM_KEY_FILE", "")
	t.Setenv("GUARDROOM_OPERATOR", "")
	t.Setenv("GUARDROOM_PASSWORD_FILE", "")
	t.Setenv("GOMEMLIMIT", "")
	return &site{t: t, root: root, data: filepath.Join(root, "data"), key: filepath.Join(root, "keys", "data.key")}
}

// testPassword is every test operator's chosen password.
const testPassword = "Tr0ub4dor & 3 purple zebras"

var (
	firstPasswordRE = regexp.MustCompile(`created operator admin with the one-time password (\S+):`)
	oneTimeRE       = regexp.MustCompile(`(?m)^One-time password: (\S+)$`)
	resetRE         = regexp.MustCompile(`(?m)^New one-time password of operator \S+: (\S+)$`)
	demoAdminRE     = regexp.MustCompile(`(?m)^\s+admin\s+Administrator\s+(\S+)\s*$`)
)

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

// flags are the site's global flags: where it lives and who logs in.
func (s *site) flags() []string {
	f := []string{"--data", s.data, "--key-file", s.key}
	if s.pwFile != "" {
		f = append(f, "--operator", s.operator, "--password-file", s.pwFile)
	}
	return f
}

// run runs a command against the site's data directory and key file, as
// its operator.
func (s *site) run(stdin string, args ...string) result {
	s.t.Helper()
	demo := buildsDemo(args)
	if s.pwFile == "" && !demo {
		s.setUp()
	}
	r := runArgs(stdin, append(s.flags(), args...)...)
	if m := demoAdminRE.FindStringSubmatch(r.stdout); demo && m != nil {
		// The demo's admin has a password of its own, printed with the
		// other demo logins.
		s.operator, s.pwFile = "admin", s.writeFile("demo-admin.txt", m[1])
	}
	return r
}

// buildsDemo: the command builds the demo site in a new database, whose
// logins it prints (no one-time password).
func buildsDemo(args []string) bool {
	return slices.Contains(args, "demo") || slices.Contains(args, "--demo")
}

// setUp creates the site's database and gives admin testPassword, as a
// script does on a new site (newDatabase). That is done once per test
// binary, in a template copied for each site (a closed database is a
// directory of files): the four password hashes and two runs it saves per
// site would cost seconds under the race detector. When the database cannot
// be made the command under test says why.
func (s *site) setUp() {
	s.t.Helper()
	if store.Exists(s.data) || checkEmptyDir(s.data) != nil || within(s.key, s.data) {
		return
	}
	if _, err := os.Stat(s.key); err == nil {
		// A key of the test's own: the template would not open with it.
		pwFile, err := newDatabase(filepath.Join(s.root, "secrets"), s.data, s.key)
		if err != nil {
			s.t.Fatal(err)
		}
		s.operator, s.pwFile = "admin", pwFile
		return
	}
	template.once.Do(makeTemplate)
	if template.err != nil {
		s.t.Fatal(template.err)
	}
	if err := copyDir(template.data, s.data); err != nil {
		s.t.Fatal(err)
	}
	if err := copyFile(template.key, s.key); err != nil {
		s.t.Fatal(err)
	}
	s.operator, s.pwFile = "admin", s.writeFile("admin.txt", testPassword)
}

// newDatabase creates a database through the command line, as a script
// does: the first run prints admin's one-time password (and is refused,
// having no password to log in with); that password, from a file, logs in
// once to choose testPassword with operator passwd. It returns the file
// holding testPassword, in dir.
func newDatabase(dir, data, key string) (string, error) {
	r := runArgs("", "--data", data, "--key-file", key, "--operator", "admin", "operator", "passwd")
	m := firstPasswordRE.FindStringSubmatch(r.stderr)
	if m == nil {
		return "", fmt.Errorf("no one-time password on the first run: %s", r)
	}
	oneTime, pwFile := filepath.Join(dir, "admin-one-time.txt"), filepath.Join(dir, "admin.txt")
	if err := writeSecret(oneTime, m[1]); err != nil {
		return "", err
	}
	if err := writeSecret(pwFile, testPassword); err != nil {
		return "", err
	}
	r = runArgs("", "--data", data, "--key-file", key, "--operator", "admin", "--password-file", oneTime,
		"operator", "passwd", "--new-password-file", pwFile)
	if r.code != 0 {
		return "", fmt.Errorf("first password of operator admin: %s", r)
	}
	return pwFile, nil
}

// template is the database setUp copies.
var template struct {
	once            sync.Once
	root, data, key string
	err             error
}

func makeTemplate() {
	root, err := os.MkdirTemp("", "guardroom-template-")
	if err != nil {
		template.err = err
		return
	}
	template.root, template.data, template.key = root, filepath.Join(root, "data"), filepath.Join(root, "keys", "data.key")
	_, template.err = newDatabase(filepath.Join(root, "secrets"), template.data, template.key)
}

// TestMain removes the template after the tests. The hashes of the
// passwords set in this process are cheap (every command logs in);
// guardroom run as a process hashes at the real cost.
func TestMain(m *testing.M) {
	store.CheapPasswordHashes()
	code := m.Run()
	if template.root != "" {
		os.RemoveAll(template.root)
	}
	closeBurstSite()
	os.Exit(code)
}

// copyDir copies a closed database, without its diagnostics log.
func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.Name() == "guardroom.log" {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		return copyFile(p, filepath.Join(to, rel))
	})
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// firstPassword replaces an operator's one-time password with
// testPassword and returns the file that holds it.
func (s *site) firstPassword(operator, oneTime string) string {
	s.t.Helper()
	oneTimeFile := s.writeFile(operator+"-one-time.txt", oneTime)
	pw := testPassword
	if operator != "admin" {
		pw = "not admin's: " + pw
	}
	pwFile := s.writeFile(operator+".txt", pw)
	r := runArgs("", "--data", s.data, "--key-file", s.key, "--operator", operator, "--password-file", oneTimeFile,
		"operator", "passwd", "--new-password-file", pwFile)
	if r.code != 0 {
		s.t.Fatalf("first password of operator %s: %s", operator, r)
	}
	return pwFile
}

// as is the site seen by an operator just added with operator add (added
// is that command's result): their one-time password logs in once to
// choose testPassword.
func (s *site) as(operator string, added result) *site {
	s.t.Helper()
	m := oneTimeRE.FindStringSubmatch(added.stdout)
	if m == nil {
		s.t.Fatalf("no one-time password for %s in %s", operator, added)
	}
	other := *s
	other.operator, other.pwFile = operator, s.firstPassword(operator, m[1])
	return &other
}

// at is another data directory and key file, logged in as this site's
// operator (a restored backup has the same operators).
func (s *site) at(data, key string) *site {
	other := *s
	other.data, other.key = data, key
	return &other
}

// writeFile writes one line to a file only its owner can read.
func (s *site) writeFile(name, line string) string {
	s.t.Helper()
	p := filepath.Join(s.root, "secrets", name)
	if err := writeSecret(p, line); err != nil {
		s.t.Fatal(err)
	}
	return p
}

func writeSecret(path, line string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(line+"\n"), 0o600)
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
