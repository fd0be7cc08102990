package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/demo"
	"github.com/guardroom/guardroom/themes"
	"github.com/guardroom/guardroom/tui"
)

func consoleCommands() []*command {
	return []*command{
		{
			name: "console", maxArgs: 0,
			summary: "open the full-screen console (the default command)",
			details: "On a terminal this opens the console at its login screen; press ? in it for every\n" +
				"key. When standard input or output is not a terminal it logs in like any command\n" +
				"(--operator, --password-file) and prints the site's panels instead. With --demo on\n" +
				"an empty database it builds the demo site first; its login screen lists the demo's\n" +
				"operators and passwords.",
			example: "guardroom console\nguardroom --data .demo/data --key-file .demo/data.key console --demo\nguardroom console --theme high-contrast --no-mouse",
			setup: func(fs *flag.FlagSet) runFunc {
				withDemo := fs.Bool("demo", false, "build the demo site first if the database is empty")
				theme := fs.String("theme", "", "colour `THEME`: auto (from the terminal), dark, light, high-contrast or plain (config [console] theme)")
				noMouse := fs.Bool("no-mouse", false, "leave the mouse to the terminal, for text selection (config [console] mouse = false)")
				keys := keyFlag{}
				fs.Var(keys, "key", "remap an action: `ID=KEY[,KEY]`, e.g. user.disable=x,delete (repeatable; config [keys]; IDs are in the console's ? help)")
				return func(e *env, _ []string) error {
					if len(keys) > 0 && e.cfg.Keys == nil {
						e.cfg.Keys = map[string][]string{}
					}
					for id, k := range keys {
						e.cfg.Keys[id] = k
					}
					if *theme != "" {
						e.cfg.Theme = *theme
					}
					if *noMouse {
						e.cfg.NoMouse = true
					}
					return e.console(*withDemo)
				}
			},
		},
		{
			name: "demo", maxArgs: 0,
			summary: "build the demo site (panels, users, accounts, history) in an empty data directory, and print its logins",
			details: "The demo's operators, one for each role, get fixed passwords, printed here and listed\n" +
				"on the console's login screen. Building it needs the key file only: nobody logs in.",
			example: "guardroom --data /tmp/guardroom-demo/data --key-file /tmp/guardroom-demo/data.key demo",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, _ []string) error { return e.demo() }
			},
		},
	}
}

func (e *env) console(withDemo bool) error {
	if err := tui.CheckKeys(e.cfg.Keys); err != nil {
		return &usageError{msg: "console: " + err.Error() + " (config [keys] or --key)", noUsage: true}
	}
	// The demo replaces admin's one-time password of a new database with
	// its own logins, so that one is not printed.
	if err := e.openStore(openOptions{fastFresh: withDemo, noLogin: true, quietFirst: withDemo}); err != nil {
		return err
	}
	built := false
	if withDemo {
		empty, err := e.s.Empty()
		if err != nil {
			return err
		}
		if empty {
			if err := e.buildDemo(); err != nil {
				return err
			}
			built = true
		}
	}
	if e.interactive() {
		first := ""
		if e.fresh && !built {
			first, _ = e.s.FirstPassword()
		}
		return e.runConsole(first)
	}
	if built {
		// Nobody logged in yet: say what was built and how to log in.
		return e.demoReady()
	}
	// Printing the site for a pipe or a script is a command like any
	// other: the operator logs in here.
	if err := e.login(openOptions{}); err != nil {
		return err
	}
	return e.listSite()
}

// interactive reports whether both ends are a terminal.
func (e *env) interactive() bool {
	out, ok := e.rawStdout.(*os.File)
	return e.terminal() && ok && term.IsTerminal(int(out.Fd()))
}

// runConsole runs the full-screen console, which starts at its own login
// screen: a new database's one-time password and the demo's logins are
// shown there.
func (e *env) runConsole(firstPassword string) error {
	if _, ok := themes.ByName(e.cfg.Theme); !ok && e.cfg.Theme != "auto" {
		return &usageError{msg: fmt.Sprintf("theme %q: choose auto, %s", e.cfg.Theme, strings.Join(themes.Names(), ", ")), noUsage: true}
	}
	e.log().Info("console started")
	// The console carries changes to the panels while it is open: it owns
	// the database, so no other process can.
	ctx, stop := context.WithCancel(e.ctx)
	dispatched := make(chan error, 1)
	go func() { dispatched <- e.newDispatcher(0).Run(ctx) }()
	err := tui.Run(tui.Options{Store: e.s, Via: "tui", DemoLogins: e.s.DemoLogins(), FirstPassword: firstPassword,
		Theme: e.cfg.Theme, Keys: e.cfg.Keys, NoMouse: e.cfg.NoMouse},
		tea.WithContext(e.ctx))
	stop()
	if derr := <-dispatched; derr != nil {
		e.log().Error("dispatcher", "error", derr.Error())
	}
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) {
		err = nil
	}
	e.log().Info("console ended")
	return err
}

// listSite prints the panels and the sync summary, for pipes and scripts.
func (e *env) listSite() error {
	panels, err := e.s.ListPanels(e.actor)
	if err != nil {
		return err
	}
	if len(panels) == 0 {
		fmt.Fprintln(e.stdout, "No panels yet: add one with 'guardroom panel add', or try the demo site in another\ndata directory: guardroom --data /tmp/guardroom-demo/data --key-file /tmp/guardroom-demo/data.key demo")
		return nil
	}
	fmt.Fprintf(e.stdout, "%s in %s, seen as operator %s:\n\n", plural(len(panels), "panel", "panels"), e.cfg.DataDir, e.actor.Name())
	if err := e.printPanels(panels, false); err != nil {
		return err
	}
	c, err := e.s.SyncCounts(e.actor, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nDevice and mail jobs: %d pending, %d waiting for keypad steps, %d failed; %d users drift.\n", c.Pending, c.Keypad, c.Failed, c.Drift)
	fmt.Fprintln(e.stdout, "\n(Not a terminal, so no full-screen console: every action is also a command, see 'guardroom help'.)")
	return nil
}

func (e *env) demo() error {
	// The demo builder is the store's own work (an internal actor) in a
	// new database: there is nobody to log in as yet.
	if err := e.openStore(openOptions{fastFresh: true, keyHolder: "demo", quietFirst: true}); err != nil {
		return err
	}
	empty, err := e.s.Empty()
	if err != nil {
		return err
	}
	if !empty {
		return &store.Refusal{Kind: store.ErrNotEmpty, Msg: fmt.Sprintf(
			"the database in %s already holds a site; use another --data directory for the demo", e.cfg.DataDir)}
	}
	if err := e.buildDemo(); err != nil {
		return err
	}
	return e.demoReady()
}

// demoReady lists the demo site just built and its operators' logins.
func (e *env) demoReady() error {
	panels, err := e.s.ListPanels(e.s.Internal("demo"))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "The demo site is ready in %s (%s):\n\n", e.cfg.DataDir, plural(len(panels), "panel", "panels"))
	if err := e.printPanels(panels, false); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nDemo operators, one for each role (the console's login screen shows them too):")
	t := newTable(e.stdout, "  Operator", "Role", "Password")
	for _, l := range e.s.DemoLogins() {
		t.row("  "+l.Username, l.Role, l.Password)
	}
	return t.flush()
}

// buildDemo runs demo.Build with a progress line on stderr.
func (e *env) buildDemo() error {
	live := false
	if f, ok := e.rawStderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		live = true
	}
	progress := func(step string) {
		if live {
			fmt.Fprintf(e.rawStderr, "\r\033[Kbuilding the demo site: %s", clean(step))
		} else {
			fmt.Fprintf(e.stderr, "building the demo site: %s\n", clean(step))
		}
	}
	e.log().Info("building demo site", "data", e.cfg.DataDir)
	// The simulated panels keep their memory next to the data directory.
	err := demo.Build(e.ctx, e.s, demo.Options{Progress: progress, SimDir: e.cfg.DataDir + ".sim"})
	if live {
		io.WriteString(e.rawStderr, "\r\033[K")
	}
	if err != nil {
		return fmt.Errorf("build the demo site: %w (the data directory %s may hold part of it: remove it before trying again)", err, e.cfg.DataDir)
	}
	e.wrote = true
	return nil
}

// keyFlag collects --key ID=KEY[,KEY] remaps.
type keyFlag map[string][]string

func (k keyFlag) String() string { return "" }

func (k keyFlag) Set(v string) error {
	id, keys, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(id) == "" || strings.TrimSpace(keys) == "" {
		return fmt.Errorf("want ID=KEY[,KEY], e.g. user.disable=x,delete")
	}
	var list []string
	for _, key := range strings.Split(keys, ",") {
		if key = strings.TrimSpace(key); key != "" {
			list = append(list, key)
		}
	}
	k[strings.TrimSpace(id)] = list
	return nil
}
