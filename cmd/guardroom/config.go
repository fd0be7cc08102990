package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/guardroom/guardroom/cmd/internal/attach"
	"github.com/guardroom/guardroom/cmd/internal/sshserve"
)

// The settings every command shares come from, in rising order of
// precedence: built-in defaults, the config file, the GUARDROOM_KEY_FILE,
// GUARDROOM_OPERATOR and GUARDROOM_PASSWORD_FILE environment variables and
// the global flags, which may appear anywhere on the command line.

// globalFlag is a string flag that remembers whether it was given. It can be
// registered on several FlagSets without resetting its value.
type globalFlag struct {
	value string
	set   bool
}

func (g *globalFlag) String() string { return g.value }

func (g *globalFlag) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("empty value")
	}
	g.value, g.set = s, true
	return nil
}

// globalFlags are the flags accepted by every command.
type globalFlags struct {
	data, config, keyFile, operator, passwordFile, logFile globalFlag
	// The [smtp] settings as flags.
	smtpHost, smtpPort, smtpSecurity, smtpUser, smtpPassFile, smtpFrom globalFlag
}

// lookup returns the global flag's value by name, nil for other names.
func (g *globalFlags) lookup(name string) flag.Value {
	switch name {
	case "data":
		return &g.data
	case "config":
		return &g.config
	case "key-file":
		return &g.keyFile
	case "operator":
		return &g.operator
	case "password-file":
		return &g.passwordFile
	case "log-file":
		return &g.logFile
	}
	for _, f := range g.smtpFlags() {
		if f.name == name {
			return f.v
		}
	}
	return nil
}

type namedFlag struct {
	v           *globalFlag
	name, usage string
}

func (g *globalFlags) smtpFlags() []namedFlag {
	return []namedFlag{
		{&g.smtpHost, "smtp-host", "send account mail through `HOST` (config [smtp] host)"},
		{&g.smtpPort, "smtp-port", "SMTP `PORT` (default 587, 465 with tls, 25 with none)"},
		{&g.smtpSecurity, "smtp-security", "SMTP `MODE`: starttls (default), tls or none"},
		{&g.smtpUser, "smtp-username", "SMTP user `NAME`"},
		{&g.smtpPassFile, "smtp-password-file", "read the SMTP password from `FILE` (never from the command line)"},
		{&g.smtpFrom, "smtp-from", "sender `ADDRESS` of account mail"},
	}
}

// register adds the global flags to fs, after the command's own: a
// command flag of the same name (log list --operator) wins, and the global
// one must then come before the command.
func (g *globalFlags) register(fs *flag.FlagSet) {
	for _, f := range []struct {
		v           *globalFlag
		name, usage string
	}{
		{&g.data, "data", "keep the encrypted database in `DIR` (default $XDG_DATA_HOME/guardroom, else ~/.local/share/guardroom)"},
		{&g.keyFile, "key-file", "read the data key from `FILE`, kept apart from the data (default $GUARDROOM_KEY_FILE, else $XDG_CONFIG_HOME/guardroom/data.key)"},
		{&g.config, "config", "read settings from the TOML `FILE` (default $XDG_CONFIG_HOME/guardroom/config.toml, else ~/.config/guardroom/config.toml)"},
		{&g.operator, "operator", "log in as operator `NAME` (default $GUARDROOM_OPERATOR, else config operator; asked on a terminal)"},
		{&g.passwordFile, "password-file", "read the operator's password from the first line of `FILE`, mode 0600, for scripts with no terminal (default $GUARDROOM_PASSWORD_FILE); a terminal asks"},
		{&g.logFile, "log-file", "write guardroom's own diagnostics to `FILE`, never to the terminal (default DATA/guardroom.log)"},
	} {
		if fs.Lookup(f.name) == nil {
			fs.Var(f.v, f.name, f.usage)
		}
	}
	for _, f := range g.smtpFlags() {
		if fs.Lookup(f.name) == nil {
			fs.Var(f.v, f.name, f.usage)
		}
	}
}

// fileConfig is the config file (TOML, snake_case keys).
type fileConfig struct {
	DataDir  string              `toml:"data_dir"`
	KeyFile  string              `toml:"key_file"`
	Operator string              `toml:"operator"`
	LogFile  string              `toml:"log_file"`
	LogMaxMB int                 `toml:"log_max_mb"`
	LogKeep  int                 `toml:"log_keep"`
	SMTP     smtpConfig          `toml:"smtp"`
	SSH      sshConfig           `toml:"ssh"`
	Serve    serveConfig         `toml:"serve"`
	Console  consoleConfig       `toml:"console"`
	Backup   backupConfig        `toml:"backup"`
	Keys     map[string][]string `toml:"keys"`
}

// consoleConfig is the [console] table.
type consoleConfig struct {
	Theme string `toml:"theme"` // auto, dark, light, high-contrast, plain
	Mouse *bool  `toml:"mouse"`
	// Bell rings the terminal's bell on a new alarm (default true).
	Bell *bool `toml:"bell"`
}

// sshConfig is the [ssh] table: limits on connections that have not
// authenticated yet ('guardroom ssh' flags of the same names win). Zero
// means sshserve's default.
type sshConfig struct {
	HandshakeTimeout             time.Duration `toml:"handshake_timeout"`
	MaxUnauthenticated           int           `toml:"max_unauthenticated"`
	MaxUnauthenticatedPerAddress int           `toml:"max_unauthenticated_per_address"`
}

// serveConfig is the [serve] table: guardroom serve's socket and its
// attached sessions ('guardroom serve' flags of the same names win).
type serveConfig struct {
	// Group lets its members (local OS users) attach: the socket is then
	// 0660 and the group's. "": the service's user only, 0600.
	Group string `toml:"group"`
	// IdleTimeout ends a session at a terminal where nothing was typed
	// for that long, MaxSession any session that long (attached consoles
	// and commands, and the SSH console). Zero: the defaults.
	IdleTimeout time.Duration `toml:"idle_timeout"`
	MaxSession  time.Duration `toml:"max_session"`
}

// Diagnostics log rotation defaults: the log is rotated past
// defaultLogMaxMB, keeping defaultLogKeep older files.
const (
	defaultLogMaxMB = 10
	defaultLogKeep  = 3
)

// smtpConfig is the [smtp] table. It is only read for now: mail waits in
// the outbox until a mail sender arrives.
type smtpConfig struct {
	Host         string `toml:"host"`
	Port         int    `toml:"port"`
	Security     string `toml:"security"` // starttls, tls or none
	Username     string `toml:"username"`
	PasswordFile string `toml:"password_file"`
	From         string `toml:"from"`
}

// configured reports whether an SMTP server is set up.
func (s smtpConfig) configured() bool { return s.Host != "" }

// settings are the resolved global settings.
type settings struct {
	DataDir    string
	ConfigFile string // "" when no config file was read
	KeyFile    string
	// Operator is who logs in; "" asks on a terminal.
	Operator string
	// PasswordFile holds the operator's password for scripts; "" asks on
	// a terminal.
	PasswordFile string
	LogFile      string
	SMTP         smtpConfig
	Theme        string
	NoMouse      bool
	NoBell       bool
	Keys         map[string][]string

	// LogMaxBytes is the diagnostics log's size past which it is rotated,
	// keeping LogKeep older files (LogFile.1 is the newest).
	LogMaxBytes int64
	LogKeep     int
	// SSH is the [ssh] table with the defaults filled in.
	SSH sshConfig
	// Serve is the [serve] table.
	Serve serveConfig
	// Backup is guardroom serve's backup schedule; nil without [backup].
	Backup *backupSchedule
}

// configExample is shown in help.
const configExample = `data_dir = "/var/lib/guardroom"
key_file = "/etc/guardroom/data.key"   # keep it apart from data_dir
operator = "admin"                      # who logs in; the password is asked, or --password-file
log_file = "/var/log/guardroom/guardroom.log"
log_max_mb = 10                         # rotate the log past this size,
log_keep = 3                            # keeping guardroom.log.1 .. .3

[smtp]
host = "mail.example.com"
port = 587
security = "starttls"                   # starttls, tls or none
username = "guardroom"
password_file = "/etc/guardroom/smtp.password"
from = "guardroom@example.com"

[console]
theme = "auto"                          # auto, dark, light, high-contrast, plain
mouse = true
bell = true                             # ring on a new alarm

[ssh]                                   # guardroom ssh, before a client has logged in
handshake_timeout = "20s"               # close a connection not logged in by then
max_unauthenticated = 64                # connections not logged in yet, in total
max_unauthenticated_per_address = 8     # ... and from one IP address

[serve]                                 # guardroom serve
group = "guards"                        # local OS users of this group may attach too
idle_timeout = "15m"                    # end a console or prompt where nothing was typed
max_session = "12h"                     # end any session that has lasted this long

[backup]                                # guardroom serve makes one every day
at = "02:30"                            # local time of day
dir = "/var/backups/guardroom"          # made 0700 if missing
keep = 14                               # the newest 14 of its backups stay

[keys]                                  # remap actions by ID (see ? in the console)
"user.disable" = ["x", "delete"]`

// loadSettings resolves e.flags, the config file and the environment into
// e.cfg and sets up the diagnostics log.
func (e *env) loadSettings() error {
	var fc fileConfig
	cfgPath, explicit := e.flags.config.value, e.flags.config.set
	if !explicit {
		cfgPath = defaultConfigFile(e.getenv)
	}
	if cfgPath != "" {
		cfgPath = e.abs(cfgPath)
		loaded, err := readConfig(cfgPath, explicit, &fc)
		if err != nil {
			return &usageError{msg: err.Error(), noUsage: true}
		}
		if loaded {
			e.cfg.ConfigFile = cfgPath
		}
	}
	base := ""
	if e.cfg.ConfigFile != "" {
		base = filepath.Dir(e.cfg.ConfigFile)
	}
	pick := func(flagVal globalFlag, fileVal, def string) string {
		switch {
		case flagVal.set:
			return e.abs(expandHome(flagVal.value))
		case fileVal != "":
			return inDir(base, expandHome(fileVal))
		}
		return def
	}
	e.cfg.DataDir = pick(e.flags.data, fc.DataDir, defaultDataDir(e.getenv))
	keyDefault := defaultKeyFile(e.getenv)
	if env := e.getenv("GUARDROOM_KEY_FILE"); env != "" {
		// The environment beats the config file: the refusal for a missing
		// key tells the operator to point GUARDROOM_KEY_FILE at the key.
		keyDefault, fc.KeyFile = expandHome(env), ""
	}
	e.cfg.KeyFile = pick(e.flags.keyFile, fc.KeyFile, keyDefault)
	// No operator is assumed: a terminal asks, a script must name one.
	e.cfg.Operator = strings.TrimSpace(fc.Operator)
	if env := strings.TrimSpace(e.getenv("GUARDROOM_OPERATOR")); env != "" {
		e.cfg.Operator = env
	}
	if e.flags.operator.set {
		e.cfg.Operator = strings.TrimSpace(e.flags.operator.value)
	}
	e.cfg.PasswordFile = expandHome(e.getenv("GUARDROOM_PASSWORD_FILE"))
	if e.flags.passwordFile.set {
		e.cfg.PasswordFile = expandHome(e.flags.passwordFile.value)
	}
	e.cfg.LogFile = pick(e.flags.logFile, fc.LogFile, "")
	if e.cfg.DataDir == "" {
		return &usageError{msg: "no data directory: set XDG_DATA_HOME or HOME, give --data, or set data_dir in the config file", noUsage: true}
	}
	if e.cfg.KeyFile == "" {
		return &usageError{msg: "no key file location: set XDG_CONFIG_HOME or HOME, give --key-file, or set GUARDROOM_KEY_FILE", noUsage: true}
	}
	if e.cfg.LogFile == "" {
		e.cfg.LogFile = filepath.Join(e.cfg.DataDir, "guardroom.log")
	}
	for _, o := range []struct {
		f   globalFlag
		dst *string
	}{{e.flags.smtpHost, &fc.SMTP.Host}, {e.flags.smtpSecurity, &fc.SMTP.Security}, {e.flags.smtpUser, &fc.SMTP.Username},
		{e.flags.smtpPassFile, &fc.SMTP.PasswordFile}, {e.flags.smtpFrom, &fc.SMTP.From}} {
		if o.f.set {
			*o.dst = o.f.value
		}
	}
	if e.flags.smtpPort.set {
		port, err := strconv.Atoi(e.flags.smtpPort.value)
		if err != nil {
			return &usageError{msg: fmt.Sprintf("--smtp-port %q is not a number", e.flags.smtpPort.value), noUsage: true}
		}
		fc.SMTP.Port = port
	}
	smtp, err := checkSMTP(fc.SMTP, e.cfg.ConfigFile)
	if err != nil {
		return &usageError{msg: err.Error(), noUsage: true}
	}
	if smtp.PasswordFile != "" {
		smtp.PasswordFile = inDir(base, expandHome(smtp.PasswordFile))
	}
	e.cfg.SMTP = smtp
	e.cfg.Theme = fc.Console.Theme
	if e.cfg.Theme == "" {
		e.cfg.Theme = "auto"
	}
	e.cfg.NoMouse = fc.Console.Mouse != nil && !*fc.Console.Mouse
	e.cfg.NoBell = fc.Console.Bell != nil && !*fc.Console.Bell
	e.cfg.Keys = fc.Keys
	if err := e.limits(fc); err != nil {
		return &usageError{msg: err.Error(), noUsage: true}
	}
	if e.cfg.Backup, err = parseBackupConfig(fc.Backup, e.cfg.ConfigFile); err != nil {
		return &usageError{msg: err.Error(), noUsage: true}
	}
	e.logFile = &lazyFile{path: e.cfg.LogFile, maxBytes: e.cfg.LogMaxBytes, keep: e.cfg.LogKeep, warn: e.stderr}
	e.logger = slog.New(slog.NewTextHandler(e.logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.serviceLog()
	return nil
}

// readConfig decodes the TOML file at path into fc. A missing file is fine
// unless it was named explicitly; unknown keys are an error naming them.
func readConfig(path string, explicit bool, fc *fileConfig) (bool, error) {
	md, err := toml.DecodeFile(path, fc)
	if errors.Is(err, fs.ErrNotExist) {
		if explicit {
			return false, fmt.Errorf("config file %s does not exist: check the --config path", path)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("config file %s: %v", path, err)
	}
	if bad := md.Undecoded(); len(bad) > 0 {
		names := make([]string, len(bad))
		for i, k := range bad {
			names[i] = fmt.Sprintf("%q", k.String())
		}
		return false, fmt.Errorf("config file %s: unknown key %s: known keys are data_dir, key_file, operator, log_file, log_max_mb, log_keep, [smtp] host, port, security, username, password_file, from, [console] theme, mouse, bell, [ssh] handshake_timeout, max_unauthenticated, max_unauthenticated_per_address, [serve] group, idle_timeout, max_session, [backup] at, dir, keep and [keys]", path, strings.Join(names, ", "))
	}
	return true, nil
}

// limits resolves the log rotation and [ssh] settings, refusing values
// below zero.
func (e *env) limits(fc fileConfig) error {
	file := e.cfg.ConfigFile
	for _, v := range []struct {
		name string
		n    int64
	}{
		{"log_max_mb", int64(fc.LogMaxMB)},
		{"log_keep", int64(fc.LogKeep)},
		{"[ssh] handshake_timeout", int64(fc.SSH.HandshakeTimeout)},
		{"[ssh] max_unauthenticated", int64(fc.SSH.MaxUnauthenticated)},
		{"[ssh] max_unauthenticated_per_address", int64(fc.SSH.MaxUnauthenticatedPerAddress)},
		{"[serve] idle_timeout", int64(fc.Serve.IdleTimeout)},
		{"[serve] max_session", int64(fc.Serve.MaxSession)},
	} {
		if v.n < 0 {
			return fmt.Errorf("config file %s: %s is below zero: give a value above zero, or leave it out for the default", file, v.name)
		}
	}
	mb, keep := fc.LogMaxMB, fc.LogKeep
	if mb == 0 {
		mb = defaultLogMaxMB
	}
	if keep == 0 {
		keep = defaultLogKeep
	}
	e.cfg.LogMaxBytes, e.cfg.LogKeep = int64(mb)<<20, keep
	e.cfg.SSH = fc.SSH
	e.cfg.Serve = fc.Serve
	e.cfg.Serve.IdleTimeout = cmp.Or(e.cfg.Serve.IdleTimeout, attach.DefaultIdleTimeout)
	e.cfg.Serve.MaxSession = cmp.Or(e.cfg.Serve.MaxSession, attach.DefaultMaxLifetime)
	if e.cfg.SSH.HandshakeTimeout == 0 {
		e.cfg.SSH.HandshakeTimeout = sshserve.DefaultHandshakeTimeout
	}
	if e.cfg.SSH.MaxUnauthenticated == 0 {
		e.cfg.SSH.MaxUnauthenticated = sshserve.DefaultMaxUnauthenticated
	}
	if e.cfg.SSH.MaxUnauthenticatedPerAddress == 0 {
		e.cfg.SSH.MaxUnauthenticatedPerAddress = sshserve.DefaultMaxUnauthenticatedPerAddr
	}
	return nil
}

func checkSMTP(s smtpConfig, file string) (smtpConfig, error) {
	s.Security = strings.ToLower(strings.TrimSpace(s.Security))
	if s.Security == "" {
		s.Security = "starttls"
	}
	switch s.Security {
	case "starttls", "tls", "none":
	default:
		return s, fmt.Errorf("config file %s: [smtp] security %q is not one of starttls, tls, none", file, s.Security)
	}
	if s.Port == 0 {
		s.Port = map[string]int{"starttls": 587, "tls": 465, "none": 25}[s.Security]
	}
	if s.Port < 1 || s.Port > 65535 {
		return s, fmt.Errorf("config file %s: [smtp] port %d is not a TCP port (1-65535)", file, s.Port)
	}
	return s, nil
}

// xdgDir returns $env when it is an absolute path, else ~/fallback.
func xdgDir(getenv func(string) string, env, fallback string) string {
	if d := getenv(env); filepath.IsAbs(d) {
		return d
	}
	home := getenv("HOME")
	if home == "" {
		return ""
	}
	return filepath.Join(home, fallback)
}

func defaultDataDir(getenv func(string) string) string {
	if d := xdgDir(getenv, "XDG_DATA_HOME", ".local/share"); d != "" {
		return filepath.Join(d, "guardroom")
	}
	return ""
}

func defaultConfigFile(getenv func(string) string) string {
	if d := xdgDir(getenv, "XDG_CONFIG_HOME", ".config"); d != "" {
		return filepath.Join(d, "guardroom", "config.toml")
	}
	return ""
}

func defaultKeyFile(getenv func(string) string) string {
	if d := xdgDir(getenv, "XDG_CONFIG_HOME", ".config"); d != "" {
		return filepath.Join(d, "guardroom", "data.key")
	}
	return ""
}

// expandHome turns a leading ~/ into the home directory.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// inDir makes a relative path from the config file relative to its directory.
func inDir(base, p string) string {
	if base == "" || p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

func openLogFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}
