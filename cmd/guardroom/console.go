package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"github.com/guardroom/guardroom/cmd/internal/attach"
	"github.com/guardroom/guardroom/cmd/internal/demo"
	"github.com/guardroom/guardroom/store"
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
				theme := choice(fs, "theme", "", "colour `THEME`: auto (from the terminal), dark, light, high-contrast or plain (config [console] theme)", append([]string{"auto"}, themes.Names()...)...)
				noMouse := fs.Bool("no-mouse", false, "leave the mouse to the terminal, for text selection (config [console] mouse = false)")
				noBell := fs.Bool("no-bell", false, "no terminal bell on a new alarm; the banner still shows it (config [console] bell = false)")
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
					if *noBell {
						e.cfg.NoBell = true
					}
					return e.console(*withDemo)
				}
			},
		},
		{
			name: "demo", local: true, maxArgs: 0,
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
	built := false
	if withDemo {
		// On a new or empty database the demo is built first; it
		// replaces admin's one-time password with its own logins.
		var err error
		if built, err = e.demoAside(false); err != nil {
			return err
		}
	}
	if err := e.openStore(openOptions{noLogin: true}); err != nil {
		return err
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
	// In guardroom serve the service's dispatcher does it.
	ctx, stop := context.WithCancel(e.ctx)
	dispatched := make(chan error, 1)
	if e.service == nil {
		go func() { dispatched <- e.newDispatcher(0).Run(ctx) }()
	} else {
		dispatched <- nil
	}
	err := e.runTUI(tui.Options{Store: e.s, Via: "tui", DemoLogins: e.s.DemoLogins(), FirstPassword: firstPassword,
		Theme: e.cfg.Theme, Keys: e.cfg.Keys, NoMouse: e.cfg.NoMouse, NoBell: e.cfg.NoBell, OnSession: e.sessionActor})
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

// runTUI runs the console program: on the process's terminal, or in the
// service on the client's (its pseudo-terminal, whose size changes come
// from the client, not from a signal).
func (e *env) runTUI(o tui.Options) error {
	if e.session == nil {
		return tui.Run(o, tea.WithContext(e.ctx))
	}
	app, err := tui.New(o)
	if err != nil {
		return err
	}
	defer app.Close()
	var environ []string
	for _, k := range []string{"TERM", "COLORTERM", "NO_COLOR", "LANG", "LC_ALL"} {
		if v := e.getenv(k); v != "" {
			environ = append(environ, k+"="+v)
		}
	}
	// The keys come as from any reader, as over SSH: given the terminal
	// itself, Bubble Tea's reader closes it under its own goroutine (a
	// race in cancelreader), and the reader here ends anyway when the
	// session's terminal closes. So the raw mode is set here, keeping the
	// output's newline translation Bubble Tea then counts on.
	restore, err := attach.RawInput(e.stdinFD, true)
	if err != nil {
		return fmt.Errorf("terminal: %w", err)
	}
	defer restore()
	p := tea.NewProgram(app, tea.WithContext(e.ctx), tea.WithInput(struct{ io.Reader }{e.stdinFile}), tea.WithOutput(e.rawStdout),
		tea.WithEnvironment(environ), tea.WithoutSignalHandler())
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case size := <-e.session.Resize:
				p.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			case <-done:
				return
			}
		}
	}()
	_, err = p.Run()
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
	if _, err := e.demoAside(true); err != nil {
		return err
	}
	return e.demoReady()
}

// demoAside builds the demo site when the data directory holds no
// database or an empty one, and leaves the store open on it; it reports
// whether it built it. A site already there is refused when mustBuild,
// else left alone.
//
// The demo is built in DATA.building beside the data directory and
// renamed into place only when whole, so a build that is killed or fails
// leaves no half-built site that the next start would open as it is: the
// next start builds the demo again. The demo builder is the store's own
// work (an internal actor) in a new database: there is nobody to log in
// as yet.
func (e *env) demoAside(mustBuild bool) (bool, error) {
	dir := e.cfg.DataDir
	if e.service != nil {
		// The service's site is there already: the console opens on it.
		return false, nil
	}
	if store.Exists(dir) {
		if err := e.openStore(openOptions{keyHolder: "demo", quietFirst: true}); err != nil {
			return false, err
		}
		empty, err := e.s.Empty()
		switch {
		case err != nil:
			return false, err
		case !empty && mustBuild:
			return false, &store.Refusal{Kind: store.ErrNotEmpty, Msg: fmt.Sprintf(
				"the database in %s already holds a site; use another --data directory for the demo", dir)}
		case !empty:
			return false, nil
		}
		// A database with nothing in it yet (a command was run on the
		// new directory before): the demo takes its place.
		e.closeStore()
		if err := os.RemoveAll(dir); err != nil {
			return false, fmt.Errorf("replace the empty database in %s with the demo: %w", dir, err)
		}
	}
	if err := keyApart(e.cfg.KeyFile, dir); err != nil {
		return false, err
	}
	if err := checkEmptyDir(dir); err != nil {
		return false, err
	}
	building := filepath.Clean(dir) + ".building"
	if err := os.RemoveAll(building); err != nil { // an earlier build that did not finish
		return false, fmt.Errorf("remove the unfinished demo in %s: %w", building, err)
	}
	e.cfg.DataDir = building
	err := e.openStore(openOptions{fastFresh: true, keyHolder: "demo", quietFirst: true})
	if err == nil {
		err = e.buildDemo(dir)
	}
	e.closeStore() // closing flushes what was written without fsync
	e.cfg.DataDir = dir
	if err == nil {
		err = moveInto(building, dir)
	}
	if err != nil {
		os.RemoveAll(building)
		return false, err
	}
	return true, e.openStore(openOptions{keyHolder: "demo", quietFirst: true})
}

// moveInto renames the directory from to dir, which may exist holding at
// most the diagnostics log (written there since the run began): the log
// moves along first, still open.
func moveInto(from, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, en := range entries {
		if err := os.Rename(filepath.Join(dir, en.Name()), filepath.Join(from, en.Name())); err != nil {
			return fmt.Errorf("move %s into the demo: %w", en.Name(), err)
		}
	}
	if err == nil {
		if err := os.Remove(dir); err != nil {
			return fmt.Errorf("put the demo in %s: %w", dir, err)
		}
	}
	if err := os.Rename(from, dir); err != nil {
		return fmt.Errorf("put the demo in %s: %w", dir, err)
	}
	return syncParent(dir)
}

// syncParent makes a rename of dir durable, where the system can sync a
// directory.
func syncParent(dir string) error {
	d, err := os.Open(filepath.Dir(filepath.Clean(dir)))
	if err != nil {
		return err
	}
	defer d.Close()
	d.Sync() // best effort: not every system syncs a directory
	return nil
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

// buildDemo runs demo.Build with a progress line on stderr, in the store
// open now; the site will live in dir, its simulated panels beside it.
func (e *env) buildDemo(dir string) error {
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
	e.log().Info("building demo site", "data", dir, "building in", e.cfg.DataDir)
	// The simulated panels keep their memory next to the data directory.
	err := demo.Build(e.ctx, e.s, demo.Options{Progress: progress, SimDir: dir + ".sim"})
	if live {
		io.WriteString(e.rawStderr, "\r\033[K")
	}
	if err != nil {
		return fmt.Errorf("build the demo site: %w (nothing was put in %s: run the command again)", err, dir)
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
