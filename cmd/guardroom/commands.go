package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// command is one command of the table. Help, usage, dispatch, shell
// completion and the man page are all derived from this one list, so they
// cannot disagree.
type command struct {
	name    string // "panel list", "backup"
	args    string // positional arguments, e.g. "PANEL SLOT"
	minArgs int
	maxArgs int // -1: any number
	summary string
	details string // optional paragraph after the summary
	example string // one or more example lines, without the leading "$ "
	// tooMany replaces the generic "too many arguments" message.
	tooMany string
	// noSettings skips the config file and flags' resolution (help and
	// version work even with a broken config file).
	noSettings bool
	// local runs the command in its own process even while guardroom
	// serve runs (the service itself, the dispatcher, restore, the demo):
	// every other command runs in the service when one answers.
	local bool
	// setup registers the command's own flags on fs and returns the
	// function that runs it.
	setup func(fs *flag.FlagSet) runFunc
}

type runFunc func(e *env, args []string) error

// commands is the command table, in help order. Filled in init because the
// help command reads it.
var commands []*command

// groupSummary describes the command groups ("panel", "user", ...).
var groupSummary = map[string]string{
	"panel":         "alarm panels: list, show, add, how they are reached, and the table of panel families",
	"partition":     "partitions of a panel: list, label, arm and disarm",
	"user":          "panel users (slots) and their codes, labels, partitions",
	"account":       "customer application accounts and their links to panel users",
	"unit":          "the organization tree (organization, site, building, floor, area)",
	"operator":      "the people who use guardroom: logins, passwords, second factors, SSH keys and roles",
	"operator role": "custom roles: named sets of permissions",
	"log":           "the tamper-evident action log: list, show, verify, export",
	"job":           "the outbox: changes on their way to panels and mail; retry, cancel, keypad steps",
	"lock":          "door locks: list, show, add, edit, remove, assign users, lock and unlock",
	"tag":           "proximity tags: list, show, enrol, disable, lost, free, CSV import and export",
	"person":        "people who open doors: list, show, add, edit, remove, identifiers, the unassigned pool, CSV import and export",
	"apartment":     "apartments people live in: list, show, add, edit, remove",
	"schedule":      "time profiles: weekly intervals and holidays, read on the site's clock",
	"door":          "doors and door groups, and who may pass a door",
	"group":         "access groups: the levels they give their members, and multifactor rules",
	"group member":  "an access group's members: list, add and remove many people at once",
	"level":         "access levels: doors with schedule and direction, areas, floors, outputs (002)",
	"access":        "access decisions step by step, and the site's time zone",
}

func init() {
	for _, group := range [][]*command{
		consoleCommands(),
		sshCommands(),
		serveCommands(),
		panelCommands(),
		partitionCommands(),
		deviceCommands(),
		userCommands(),
		lockCommands(),
		tagCommands(),
		personCommands(),
		personCSVCommands(),
		apartmentCommands(),
		accessCommands(),
		accountCommands(),
		unitCommands(),
		operatorCommands(),
		roleCommands(),
		logCommands(),
		zoneCommands(),
		eventCommands(),
		alarmCommands(),
		backupCommands(),
		simCommands(),
		miscCommands(),
		completionCommands(),
	} {
		commands = append(commands, group...)
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// isGroup reports whether name is a group of subcommands ("panel").
func isGroup(name string) bool {
	for _, c := range commands {
		if strings.HasPrefix(c.name, name+" ") {
			return true
		}
	}
	return false
}

func subcommands(group string) []*command {
	var out []*command
	for _, c := range commands {
		if strings.HasPrefix(c.name, group+" ") {
			out = append(out, c)
		}
	}
	return out
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and usage are printed by report
	fs.Usage = func() {}
	return fs
}

func isHelpArg(s string) bool { return s == "-h" || s == "--help" || s == "-help" || s == "--h" }

// parse finds the command, registers its flags and the global ones, and
// parses the rest of the line. Global flags may come before the command,
// between a group and its subcommand, or among the command's arguments.
func (e *env) parse(args []string) (*command, []string, error) {
	top := newFlagSet("guardroom")
	e.flags.register(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printMainUsage(e.stdout)
			return nil, nil, err
		}
		// "guardroom --demo": the console's own flags, the console being
		// the default command.
		if c, pos, cerr := e.parseCommand(lookup("console"), args); cerr == nil && len(pos) == 0 {
			return c, pos, nil
		}
		return nil, nil, &usageError{msg: err.Error()}
	}
	rest := top.Args()
	if len(rest) == 0 {
		return e.parseCommand(lookup("console"), nil)
	}
	name := rest[0]
	rest = rest[1:]
	if !isGroup(name) {
		c := lookup(name)
		if c == nil {
			return nil, nil, &usageError{msg: fmt.Sprintf("unknown command %q", name)}
		}
		return e.parseCommand(c, rest)
	}
	for {
		// Global flags between the group and its subcommand.
		for len(rest) > 0 && strings.HasPrefix(rest[0], "-") && rest[0] != "-" {
			if isHelpArg(rest[0]) {
				printGroupUsage(e.stdout, name)
				return nil, nil, flag.ErrHelp
			}
			if err := top.Parse(rest); err != nil {
				return nil, nil, &usageError{msg: err.Error() + " (command flags go after the subcommand)", group: name}
			}
			rest = top.Args()
		}
		if len(rest) == 0 {
			return nil, nil, &usageError{msg: fmt.Sprintf("%s needs a subcommand", name), group: name}
		}
		if rest[0] == "help" {
			printGroupUsage(e.stdout, name)
			return nil, nil, flag.ErrHelp
		}
		if c := lookup(name + " " + rest[0]); c != nil {
			return e.parseCommand(c, rest[1:])
		}
		if !isGroup(name + " " + rest[0]) {
			return nil, nil, &usageError{msg: fmt.Sprintf("unknown command %q", name+" "+rest[0]), group: name}
		}
		// A group within the group: operator role add.
		name, rest = name+" "+rest[0], rest[1:]
	}
}

// parseCommand parses args with c's flags plus the global ones.
func (e *env) parseCommand(c *command, args []string) (*command, []string, error) {
	fs := newFlagSet(c.name)
	e.runner = c.setup(fs)
	e.flags.register(fs)
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(e.stdout, c)
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, usagef(c, "%v", err)
	}
	return c, pos, nil
}

// parseInterleaved parses flags anywhere among the positional arguments
// (the flag package alone stops at the first one). "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// printCommandUsage prints a command's synopsis, description, every flag
// with a one-line description, and an example.
func printCommandUsage(w io.Writer, c *command) {
	fs := newFlagSet(c.name)
	c.setup(fs)
	var g globalFlags
	g.register(fs)
	synopsis := "guardroom " + c.name
	if c.args != "" {
		synopsis += " " + c.args
	}
	fmt.Fprintf(w, "Usage: %s [flags]\n\n%s.\n", synopsis, capitalise(c.summary))
	if c.details != "" {
		fmt.Fprintf(w, "\n%s\n", c.details)
	}
	var own []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if f.Value != g.lookup(f.Name) {
			own = append(own, f)
		}
	})
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "\nFlags:")
	for _, f := range own {
		printFlag(tw, f, true)
	}
	fmt.Fprintln(tw, "  -h, --help\tshow this help")
	fmt.Fprintln(tw, "\nGlobal flags:")
	printGlobalFlags(tw, func(name string) bool { return fs.Lookup(name).Value == g.lookup(name) })
	tw.Flush()
	fmt.Fprintln(w, "\nExample:")
	for _, line := range strings.Split(c.example, "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// printGlobalFlags prints the global flags that show accepts.
func printGlobalFlags(tw io.Writer, show func(name string) bool) {
	fs := newFlagSet("guardroom")
	var g globalFlags
	g.register(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if show(f.Name) {
			printFlag(tw, f, false)
		} else {
			fmt.Fprintf(tw, "  --%s\t(global form: put it before the command)\n", f.Name)
		}
	})
}

func printFlag(tw io.Writer, f *flag.Flag, withDefault bool) {
	arg, usage := flag.UnquoteUsage(f)
	name := "  --" + f.Name
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() && arg != "" {
		name += "=" + arg
	} else if arg != "" {
		name += " " + arg
	}
	if withDefault && f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
		usage += fmt.Sprintf(" (default %s)", f.DefValue)
	}
	fmt.Fprintf(tw, "%s\t%s\n", name, usage)
}

func printGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage: guardroom %s SUBCOMMAND [ARGS] [flags]\n\n%s.\n\nSubcommands:\n", group, capitalise(groupSummary[group]))
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	for _, c := range subcommands(group) {
		fmt.Fprintf(tw, "  %s %s\t%s\n", strings.TrimPrefix(c.name, group+" "), c.args, c.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun 'guardroom %s SUBCOMMAND --help' for its flags and an example.\n", group)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// The paragraphs of the main help that the man page shares.
const (
	aboutText = `guardroom is the guard-room console for a site's alarm panels, their users and
codes, customer accounts and the tamper-evident action log. It works offline;
the database is encrypted with a key file kept apart from the data.`
	loginText = `Operators: every command logs in as an operator and acts with their roles and
organization units. The name comes from --operator, GUARDROOM_OPERATOR or the
config file (a terminal asks when none is given); the password is typed on the
terminal, or read by scripts from --password-file or GUARDROOM_PASSWORD_FILE
(a file only you can read). The first start creates operator admin and prints
its one-time password once. Only the key holder's commands need no login:
demo, dispatch, backup, restore and operator reset-admin.`
	codesText = `Codes and one-time codes are never taken from the command line: they are read
from the terminal without echo, or as one line of standard input.`
	exitText = `Exit status: 0 done, 1 refused or failed (the reason is printed), 2 usage error.`
)

func printMainUsage(w io.Writer) {
	fmt.Fprint(w, aboutText+`

Usage: guardroom [global flags] COMMAND [SUBCOMMAND] [ARGS] [flags]

Commands:
`)
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name+" "+c.args))
	}
	prev := ""
	for _, c := range commands {
		group, _, _ := strings.Cut(c.name, " ")
		if prev != "" && group != prev && (isGroup(group) || isGroup(prev)) {
			fmt.Fprintln(w)
		}
		prev = group
		fmt.Fprintf(w, "  %-*s  %s\n", width, strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprint(w, `
Global flags (accepted by every command, anywhere on the line):
`)
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	printGlobalFlags(tw, func(string) bool { return true })
	tw.Flush()
	fmt.Fprintf(w, `
With no command, guardroom opens the console. Every command takes --help.

%s

%s

Config file (TOML; unknown keys are an error):
%s

%s
`, loginText, codesText, indent(configExample, "  "), exitText)
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
