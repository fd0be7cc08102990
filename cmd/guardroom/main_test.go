package main

import (
	"flag"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

func TestFirstRunCreatesKeyApartFromData(t *testing.T) {
	s := newSite(t)
	// No --key-file: the default is under XDG_CONFIG_HOME, apart from the
	// data. The first run creates admin and prints its one-time password;
	// with no terminal and no password file, the login is then refused.
	r := runArgs("", "--data", s.data, "--operator", "admin", "panel", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "no password for operator admin") || !strings.Contains(r.stderr, "--password-file") {
		t.Fatal(r)
	}
	key := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "guardroom", "data.key")
	st, err := os.Stat(key)
	if err != nil {
		t.Fatalf("key file not created at %s: %v", key, err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %o, want 600", st.Mode().Perm())
	}
	if within(key, s.data) {
		t.Errorf("key %s is inside the data directory", key)
	}
	if !strings.Contains(r.stderr, key) || !strings.Contains(r.stderr, "keep a copy") {
		t.Errorf("first run should say where the key is and to keep a copy:\n%s", r.stderr)
	}
	if !store.Exists(s.data) {
		t.Error("no database created")
	}
	m := firstPasswordRE.FindStringSubmatch(r.stderr)
	if m == nil || !strings.Contains(r.stderr, "it is shown only now; log in with it and choose a new password") {
		t.Fatalf("first run should print admin's one-time password: %s", r)
	}
	oneTime := s.writeFile("one-time.txt", m[1])
	base := []string{"--data", s.data, "--operator", "admin", "--password-file", oneTime}
	// The one-time password logs in, but nothing works before it is replaced.
	r = runArgs("", append(base, "panel", "list")...)
	if r.code != 1 || !strings.Contains(r.stderr, "must choose a new one first: run guardroom operator passwd --new-password-file FILE") || strings.Contains(r.stderr, m[1]) {
		t.Fatalf("one-time password not changed: %s", r)
	}
	// The store's rules for a new password, in its words.
	weak := s.writeFile("weak.txt", "password12")
	r = runArgs("", append(base, "operator", "passwd", "--new-password-file", weak)...)
	if r.code != 1 || !strings.Contains(r.stderr, `the password is built on "password", one of the first guessed: choose another`) {
		t.Fatalf("weak password: %s", r)
	}
	good := s.writeFile("good.txt", testPassword)
	if r = runArgs("", append(base, "operator", "passwd", "--new-password-file", good)...); r.code != 0 || !strings.Contains(r.stdout, "Changed the password of operator admin") {
		t.Fatalf("passwd: %s", r)
	}
	// The one-time password is spent; the change is a security notice,
	// shown once at the next login.
	r = runArgs("", append(base, "panel", "list")...)
	if r.code != 1 || !strings.Contains(r.stderr, "wrong operator name or password") {
		t.Errorf("the one-time password still works: %s", r)
	}
	base[len(base)-1] = good
	r = runArgs("", append(base, "panel", "list")...)
	if r.code != 0 || !strings.Contains(r.stderr, "security notice") || !strings.Contains(r.stderr, "password changed") {
		t.Errorf("first login with the new password: %s", r)
	}
	// Later runs say nothing about keys, passwords or notices.
	if r := runArgs("", append(base, "panel", "list")...); r.code != 0 || r.stderr != "" {
		t.Errorf("second run: %s", r)
	}
}

func TestKeyFileFromEnvironment(t *testing.T) {
	s := newSite(t)
	envKey := filepath.Join(s.root, "elsewhere", "k.key")
	t.Setenv("GUARDROOM_KEY_FILE", envKey)
	if r := runArgs("", "--data", s.data, "--operator", "admin", "unit", "list"); r.code != 1 || !strings.Contains(r.stderr, envKey) || !strings.Contains(r.stderr, "no password for operator admin") {
		t.Fatal(r)
	}
	if _, err := os.Stat(envKey); err != nil {
		t.Fatal(err)
	}
}

func TestKeyFileInsideDataRefused(t *testing.T) {
	s := newSite(t)
	r := runArgs("", "--data", s.data, "--key-file", filepath.Join(s.data, "data.key"), "panel", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "inside the data directory") {
		t.Fatal(r)
	}
	if store.Exists(s.data) {
		t.Error("a database was created anyway")
	}
}

func TestMissingKeyOnExistingDatabase(t *testing.T) {
	s := newSite(t).withPanel()
	if err := os.Remove(s.key); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s.data)
	r := s.fail(1, "key file", "", "panel", "list")
	for _, want := range []string{"encrypted", "missing", "GUARDROOM_KEY_FILE", s.key} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("message lacks %q: %s", want, r.stderr)
		}
	}
	if _, err := os.Stat(s.key); err == nil {
		t.Error("a new key file was created for an existing database")
	}
	if after := snapshot(t, s.data); !maps.Equal(before, after) {
		t.Error("the data directory changed")
	}
}

func TestWrongKey(t *testing.T) {
	s := newSite(t).withPanel()
	other := filepath.Join(s.root, "other.key")
	if _, err := store.CreateKey(other); err != nil {
		t.Fatal(err)
	}
	r := runArgs("", "--data", s.data, "--key-file", other, "panel", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "does not match") {
		t.Fatal(r)
	}
}

func TestDataDirWithOtherFilesRefused(t *testing.T) {
	s := newSite(t)
	os.MkdirAll(s.data, 0o700)
	os.WriteFile(filepath.Join(s.data, "notes.txt"), []byte("x"), 0o600)
	s.fail(1, "no guardroom database", "", "panel", "list")
}

// TestHelp runs --help and -h on every command of the table.
func TestHelp(t *testing.T) {
	newSite(t)
	for _, c := range commands {
		for _, h := range []string{"--help", "-h"} {
			t.Run(c.name+h, func(t *testing.T) {
				args := append(strings.Fields(c.name), h)
				r := runArgs("", args...)
				if r.code != 0 || r.stderr != "" {
					t.Fatal(r)
				}
				for _, want := range []string{"Usage: guardroom " + c.name, "Example:", "--help", "--data", "--key-file", "--config", "--operator", "--log-file"} {
					if !strings.Contains(r.stdout, want) {
						t.Errorf("help lacks %q:\n%s", want, r.stdout)
					}
				}
				fs := newFlagSet(c.name)
				c.setup(fs)
				fs.VisitAll(func(f *flag.Flag) {
					if !strings.Contains(r.stdout, "--"+f.Name) {
						t.Errorf("help lacks flag --%s", f.Name)
					}
				})
			})
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		r := runArgs("", args...)
		if r.code != 0 {
			t.Fatal(r)
		}
		for _, c := range commands {
			if !strings.Contains(r.stdout, c.name) {
				t.Errorf("%v does not list %q", args, c.name)
			}
		}
		for _, want := range []string{"every command logs in as an operator", "GUARDROOM_PASSWORD_FILE", "operator reset-admin", "never taken from the command line", "[smtp]"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v lacks %q", args, want)
			}
		}
	}
	for _, args := range [][]string{{"help", "user", "set-code"}, {"help", "user"}, {"user", "--help"}, {"user", "help"}} {
		if r := runArgs("", args...); r.code != 0 || !strings.Contains(r.stdout, "set-code") {
			t.Errorf("%v: %s", args, r)
		}
	}
	// A group within a group: operator role add.
	for _, args := range [][]string{{"help", "operator", "role"}, {"operator", "role", "--help"}, {"operator", "role", "help"}, {"operator", "--help"}} {
		if r := runArgs("", args...); r.code != 0 || !strings.Contains(r.stdout, "role add") && !strings.Contains(r.stdout, "add NAME") {
			t.Errorf("%v: %s", args, r)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	s := newSite(t).withPanel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown subcommand", []string{"panel", "explode"}, `unknown command "panel explode"`},
		{"group alone", []string{"user"}, "user needs a subcommand"},
		{"unknown flag", []string{"panel", "list", "--colour"}, "flag provided but not defined: -colour"},
		{"missing args", []string{"user", "show", "1"}, "user show needs PANEL SLOT"},
		{"too many args", []string{"panel", "list", "extra"}, "too many arguments"},
		{"slot not a number", []string{"user", "show", "1", "seven"}, "SLOT must be a number"},
		{"bad flag value", []string{"panel", "add", "--slots", "many"}, "invalid value"},
		{"panel add missing flags", []string{"panel", "add", "--name", "X"}, "needs --family, --imei, --unit"},
		{"bad date", []string{"log", "list", "--since", "yesterday"}, "--since"},
		{"bad format", []string{"log", "export", filepath.Join(s.root, "x"), "--format", "xml"}, "jsonl or csv"},
		{"bad role", []string{"user", "set-code", "1", "7", "--role", "boss"}, "unknown role"},
		{"help unknown", []string{"help", "nothing"}, `no command "nothing"`},
		{"unit add without kind", []string{"unit", "add", "--parent", "HQ", "B"}, "needs --parent and --kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.fail(2, tt.want, "", tt.args...)
			if !strings.Contains(r.stderr, "Usage:") && !strings.Contains(r.stderr, "guardroom help") {
				t.Errorf("no usage printed:\n%s", r.stderr)
			}
		})
	}
}

// TestGlobalFlagsAnywhere: global flags before the command, between group
// and subcommand, and among the arguments.
func TestGlobalFlagsAnywhere(t *testing.T) {
	s := newSite(t).withPanel()
	for _, args := range [][]string{
		{"--data", s.data, "--key-file", s.key, "--operator", "admin", "--password-file", s.pwFile, "panel", "show", "1"},
		{"--operator", "admin", "panel", "--data", s.data, "--key-file", s.key, "show", "1", "--password-file", s.pwFile},
		{"panel", "show", "--data", s.data, "1", "--key-file", s.key, "--password-file", s.pwFile, "--operator", "admin"},
		{"panel", "show", "1", "--data=" + s.data, "--key-file=" + s.key, "--operator=admin", "--password-file=" + s.pwFile},
	} {
		if r := runArgs("", args...); r.code != 0 || !strings.Contains(r.stdout, "Main office") {
			t.Errorf("%v: %s", args, r)
		}
	}
}

func TestOperatorFlag(t *testing.T) {
	s := newSite(t).withPanel()
	s.fail(1, "wrong operator name or password", "", "--operator", "ghost", "panel", "list")
	r := s.ok("", "operator", "add", "guard1", "--role", "guard", "--unit", "HQ", "--name", "Gina Guard")
	guard := s.as("guard1", r)
	guard.ok("", "panel", "list")
	// A Guard may look but not change panel users: the store refuses.
	guard.fail(1, "permission", "2580\n", "user", "set-code", "1", "7")
	if u := s.user("1", "7"); u.CodeSet {
		t.Error("a guard set a code")
	}
	// Another operator's password does not log admin in.
	guard.fail(1, "wrong operator name or password", "", "--operator", "admin", "panel", "list")
}

func TestPanicBecomesInternalError(t *testing.T) {
	s := newSite(t)
	commands = append(commands, &command{name: "boom", maxArgs: -1, summary: "test", example: "x",
		setup: func(fs *flag.FlagSet) runFunc {
			return func(e *env, _ []string) error { panic("kaboom") }
		}})
	defer func() { commands = commands[:len(commands)-1] }()
	r := s.fail(1, "internal error", "", "boom")
	if !strings.Contains(r.stderr, "nothing was changed") || !strings.Contains(r.stderr, "kaboom") {
		t.Fatal(r)
	}
}

func TestConfigFile(t *testing.T) {
	s := newSite(t)
	cfgDir := filepath.Join(s.root, "etc")
	os.MkdirAll(cfgDir, 0o700)
	cfg := filepath.Join(cfgDir, "config.toml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Relative paths are relative to the config file.
	keyPath := filepath.Join(s.root, "cfg.key")
	write(strings.Replace(`data_dir = "cfgdata"
key_file = "/KEY"
operator = "ghost"
`, "/KEY", keyPath, 1))
	r := runArgs("", "--config", cfg, "unit", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "no password for operator ghost") {
		t.Fatalf("config operator not used: %s", r)
	}
	if !store.Exists(filepath.Join(cfgDir, "cfgdata")) {
		t.Error("config data_dir not used")
	}
	if _, err := os.Stat(keyPath); err != nil {
		t.Error("config key_file not used")
	}
	// Flags override the file, and GUARDROOM_OPERATOR sits between them.
	oneTime := s.writeFile("cfg-one-time.txt", firstPasswordRE.FindStringSubmatch(r.stderr)[1])
	if r := runArgs("", "--config", cfg, "--operator", "admin", "--password-file", oneTime, "unit", "list"); r.code != 1 || !strings.Contains(r.stderr, "operator admin logged in with a one-time password") {
		t.Fatalf("--operator should override the config: %s", r)
	}
	t.Setenv("GUARDROOM_OPERATOR", "admin")
	t.Setenv("GUARDROOM_PASSWORD_FILE", oneTime)
	if r := runArgs("", "--config", cfg, "unit", "list"); r.code != 1 || !strings.Contains(r.stderr, "operator admin logged in with a one-time password") {
		t.Fatalf("GUARDROOM_OPERATOR and GUARDROOM_PASSWORD_FILE should override the config: %s", r)
	}
	if r := runArgs("", "--config", cfg, "--operator", "ghost", "unit", "list"); r.code != 1 || !strings.Contains(r.stderr, "wrong operator name or password") {
		t.Fatalf("--operator should override GUARDROOM_OPERATOR: %s", r)
	}
	t.Setenv("GUARDROOM_OPERATOR", "")
	t.Setenv("GUARDROOM_PASSWORD_FILE", "")
	other := filepath.Join(s.root, "flagdata")
	if r := runArgs("", "--config", cfg, "--data", other, "unit", "list"); r.code != 1 || !store.Exists(other) || !firstPasswordRE.MatchString(r.stderr) {
		t.Fatalf("--data should override the config: %s", r)
	}

	// The default config file is read from XDG_CONFIG_HOME.
	def := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "guardroom", "config.toml")
	os.MkdirAll(filepath.Dir(def), 0o700)
	os.WriteFile(def, []byte("operator = \"ghost\"\n"), 0o600)
	if r := runArgs("", "--data", other, "--key-file", keyPath, "unit", "list"); r.code != 1 || !strings.Contains(r.stderr, "no password for operator ghost") {
		t.Fatalf("default config file not read: %s", r)
	}
	os.Remove(def)

	for _, tt := range []struct{ body, want string }{
		{"colour = \"red\"\n", `unknown key "colour"`},
		{"[smtp]\nhots = \"mail\"\n", `unknown key "smtp.hots"`},
		{"[smtp]\nsecurity = \"ssl\"\n", "security"},
		{"data_dir = [\n", "config file"},
	} {
		write(tt.body)
		r := runArgs("", "--config", cfg, "unit", "list")
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, cfg) {
			t.Errorf("config %q: want exit 2 naming %q and the file, got %s", tt.body, tt.want, r)
		}
	}
	r = runArgs("", "--config", filepath.Join(s.root, "nope.toml"), "unit", "list")
	if r.code != 2 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("missing explicit config: %s", r)
	}
	// help and version work even with a broken config file.
	write("colour = 1\n")
	if r := runArgs("", "--config", cfg, "version"); r.code != 0 {
		t.Errorf("version with a broken config: %s", r)
	}
}

func TestSMTPNote(t *testing.T) {
	s := newSite(t)
	r := s.ok("", "account", "create", "ann@example.com")
	if !strings.Contains(r.stdout, "the e-mail waits in the outbox until SMTP is configured (config [smtp])") {
		t.Errorf("no SMTP note: %s", r)
	}
	cfg := filepath.Join(s.root, "smtp.toml")
	os.WriteFile(cfg, []byte("[smtp]\nhost = \"mail.example.com\"\nsecurity = \"tls\"\nfrom = \"gr@example.com\"\n"), 0o600)
	r = s.ok("", "--config", cfg, "account", "reset-password", "ann@example.com")
	if strings.Contains(r.stdout, "until SMTP is configured") || !strings.Contains(r.stdout, "mail.example.com:465") {
		t.Errorf("SMTP configured: %s", r)
	}
	// Every setting is also a flag, and flags beat the file.
	r = s.ok("", "--config", cfg, "--smtp-host", "relay.example.org", "--smtp-security", "starttls", "account", "reset-password", "ann@example.com")
	if !strings.Contains(r.stdout, "relay.example.org:587") {
		t.Errorf("SMTP flags: %s", r)
	}
	s.fail(2, "--smtp-port", "", "--smtp-port", "many", "account", "list")
}

func TestLogFileGetsDiagnostics(t *testing.T) {
	s := newSite(t).withPanel()
	s.fail(1, "has no code", "", "user", "label", "1", "7", "Bob")
	b, err := os.ReadFile(filepath.Join(s.data, "guardroom.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "refused") || !strings.Contains(string(b), "user label") {
		t.Errorf("log file lacks the refusal:\n%s", b)
	}
	alt := filepath.Join(s.root, "logs", "gr.log")
	s.ok("", "--log-file", alt, "panel", "list")
	if _, err := os.Stat(alt); err != nil {
		t.Error("--log-file not used")
	}
}

func TestVersion(t *testing.T) {
	newSite(t)
	if r := runArgs("", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "guardroom ") {
		t.Fatal(r)
	}
}
