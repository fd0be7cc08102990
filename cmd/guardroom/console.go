package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/demo"
)

func consoleCommands() []*command {
	return []*command{
		{
			name: "console", maxArgs: 0,
			summary: "open the console (the default command); for now it lists the site's panels",
			details: "The full-screen console arrives in a later release. Until then this prints the\n" +
				"panels, and every action is a command (guardroom help).",
			example: "guardroom console\nguardroom --data .demo/data --key-file .demo/data.key console --demo",
			setup: func(fs *flag.FlagSet) runFunc {
				withDemo := fs.Bool("demo", false, "build the demo site first if the database is empty")
				return func(e *env, _ []string) error { return e.console(*withDemo) }
			},
		},
		{
			name: "demo", maxArgs: 0,
			summary: "build the demo site (panels, users, accounts, history) in an empty data directory",
			example: "guardroom --data /tmp/guardroom-demo/data --key-file /tmp/guardroom-demo/data.key demo",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, _ []string) error { return e.demo() }
			},
		},
	}
}

func (e *env) console(withDemo bool) error {
	if err := e.openStore(openOptions{fastFresh: withDemo}); err != nil {
		return err
	}
	if withDemo {
		empty, err := e.s.Empty()
		if err != nil {
			return err
		}
		if empty {
			if err := e.buildDemo(); err != nil {
				return err
			}
		}
	}
	panels, err := e.s.ListPanels(e.actor)
	if err != nil {
		return err
	}
	if len(panels) == 0 {
		fmt.Fprintln(e.stdout, "No panels yet: add one with 'guardroom panel add', or try the demo site in another\ndata directory: guardroom --data /tmp/guardroom-demo/data --key-file /tmp/guardroom-demo/data.key demo")
	} else {
		fmt.Fprintf(e.stdout, "%s in %s, seen as operator %s:\n\n", plural(len(panels), "panel", "panels"), e.cfg.DataDir, e.actor.Name())
		if err := e.printPanels(panels, false); err != nil {
			return err
		}
		pending, failed, err := e.s.SyncSummary(e.actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nDevice and mail jobs: %d pending, %d failed.\n", pending, failed)
	}
	fmt.Fprintln(e.stdout, "\nThe full-screen console is coming in a later release. Until then every action is a\ncommand: run 'guardroom help' for the list.")
	return nil
}

func (e *env) demo() error {
	if err := e.openStore(openOptions{fastFresh: true}); err != nil {
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
	panels, err := e.s.ListPanels(e.actor)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "The demo site is ready in %s (%s):\n\n", e.cfg.DataDir, plural(len(panels), "panel", "panels"))
	return e.printPanels(panels, false)
}

// buildDemo runs demo.Build with a progress line on stderr.
func (e *env) buildDemo() error {
	live := false
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		live = true
	}
	progress := func(step string) {
		if live {
			fmt.Fprintf(e.stderr, "\r\033[Kbuilding the demo site: %s", clean(step))
		} else {
			fmt.Fprintf(e.stderr, "building the demo site: %s\n", clean(step))
		}
	}
	e.log().Info("building demo site", "data", e.cfg.DataDir)
	err := demo.Build(e.ctx, e.s, progress)
	if live {
		io.WriteString(e.stderr, "\r\033[K")
	}
	if err != nil {
		return fmt.Errorf("build the demo site: %w (the data directory %s may hold part of it: remove it before trying again)", err, e.cfg.DataDir)
	}
	e.wrote = true
	return nil
}
