package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/guardroom/guardroom/cmd/internal/sshconsole"
	"github.com/guardroom/guardroom/cmd/internal/sshserve"
	"github.com/guardroom/guardroom/themes"
	"github.com/guardroom/guardroom/tui"
)

// hostKeyFile is the SSH server's ed25519 host key, in the data directory.
const hostKeyFile = "ssh_host_ed25519_key"

func sshCommands() []*command {
	return []*command{{
		name: "ssh", local: true, maxArgs: 0,
		summary: "serve the console over SSH to operators' keys, until ctrl+c",
		details: "Operators connect with ssh -p PORT HOST and log in with their key only (no passwords):\n" +
			"each key belongs to one operator (guardroom operator add-key, or the console's Operators\n" +
			"tab), and a role that requires a second factor asks for its code inside the session.\n" +
			"Every session's start and end is in the action log with the key's fingerprint and the\n" +
			"client's address.\n\n" +
			"This process holds the database while it runs, and carries changes to the panels as\n" +
			"the console does: no other guardroom command can open the database meanwhile (stop it\n" +
			"for a backup), and the guard-room PC's own operators connect to it too\n" +
			"(ssh -p 2222 localhost). guardroom serve --ssh ADDR serves the same, and lets the\n" +
			"console and every command on this PC run alongside it.\n\n" +
			"The host key is made once, in DATA/" + hostKeyFile + " (mode 0600), and its fingerprint\n" +
			"printed at each start: compare it with what ssh shows at the first connection. It is not\n" +
			"in backups: keep it with the data directory, or clients will warn of a changed host key.\n\n" +
			"A connection must log in within --handshake-timeout, and only so many connections may\n" +
			"be waiting to log in, in total and from one address (config [ssh]). One over the\n" +
			"per-address limit is closed at once; at the total, a newcomer from a less busy address\n" +
			"takes the busiest one's oldest place, so a flood cannot lock operators out.\n" +
			"Theme, mouse and keys come from the config file's [console] and [keys].",
		example: "guardroom ssh --listen :2222\nguardroom ssh --listen 192.0.2.10:2222 --idle 30m --max 8h",
		setup: func(fs *flag.FlagSet) runFunc {
			listen := fs.String("listen", ":2222", "accept SSH connections on `ADDR` (host:port; :2222 is every interface)")
			idle := fs.Duration("idle", sshserve.DefaultIdleTimeout, "end a session after `DURATION` without a key press")
			maxLen := fs.Duration("max", sshserve.DefaultMaxTimeout, "end a session `DURATION` after it connected, whatever happens")
			handshake := fs.Duration("handshake-timeout", sshserve.DefaultHandshakeTimeout, "close a connection that has not logged in `DURATION` after it connected (config [ssh] handshake_timeout)")
			total := fs.Int("max-unauthenticated", sshserve.DefaultMaxUnauthenticated, "accept at most `N` connections not logged in yet, in total (config [ssh] max_unauthenticated)")
			perAddr := fs.Int("max-unauthenticated-per-address", sshserve.DefaultMaxUnauthenticatedPerAddr, "accept at most `N` connections not logged in yet from one IP address or IPv6 /64; close others at once (config [ssh] max_unauthenticated_per_address)")
			return func(e *env, _ []string) error {
				// A flag given on the command line beats the config file.
				lim := e.cfg.SSH
				fs.Visit(func(f *flag.Flag) {
					switch f.Name {
					case "handshake-timeout":
						lim.HandshakeTimeout = *handshake
					case "max-unauthenticated":
						lim.MaxUnauthenticated = *total
					case "max-unauthenticated-per-address":
						lim.MaxUnauthenticatedPerAddress = *perAddr
					}
				})
				switch {
				case strings.TrimSpace(*listen) == "":
					return usagef(e.cmd, "--listen needs an address, e.g. :2222")
				case *idle <= 0:
					return usagef(e.cmd, "--idle %s: give a duration above zero, e.g. 15m", *idle)
				case *maxLen <= 0:
					return usagef(e.cmd, "--max %s: give a duration above zero, e.g. 12h", *maxLen)
				case lim.HandshakeTimeout <= 0:
					return usagef(e.cmd, "--handshake-timeout %s: give a duration above zero, e.g. 20s", lim.HandshakeTimeout)
				case lim.MaxUnauthenticated <= 0:
					return usagef(e.cmd, "--max-unauthenticated %d: give a number above zero, e.g. 64", lim.MaxUnauthenticated)
				case lim.MaxUnauthenticatedPerAddress <= 0:
					return usagef(e.cmd, "--max-unauthenticated-per-address %d: give a number above zero, e.g. 8", lim.MaxUnauthenticatedPerAddress)
				}
				return e.serveSSH(*listen, *idle, *maxLen, lim)
			}
		},
	}}
}

// serveSSH runs the SSH console and the device dispatcher until the
// command's context ends (ctrl+c, SIGTERM), then lets the sessions end and
// logs them before the database closes.
func (e *env) serveSSH(listen string, idle, maxLen time.Duration, lim sshConfig) error {
	if err := tui.CheckKeys(e.cfg.Keys); err != nil {
		return &usageError{msg: "ssh: " + err.Error() + " (config [keys])", noUsage: true}
	}
	if _, ok := themes.ByName(e.cfg.Theme); !ok && e.cfg.Theme != "auto" {
		return &usageError{msg: fmt.Sprintf("theme %q (config [console] theme): choose auto, %s", e.cfg.Theme, strings.Join(themes.Names(), ", ")), noUsage: true}
	}
	// The server needs no operator login of its own: each session logs in
	// with its key. A new database would have no keys to log in with.
	if err := e.openStore(openOptions{noLogin: true, mustExist: true}); err != nil {
		return err
	}
	srv, err := sshconsole.New(e.s, sshconsole.Config{
		Listen:      listen,
		HostKeyPath: filepath.Join(e.cfg.DataDir, hostKeyFile),
		IdleTimeout: idle,
		MaxTimeout:  maxLen,
		Theme:       e.cfg.Theme,
		Keys:        e.cfg.Keys,
		NoMouse:     e.cfg.NoMouse,
		NoBell:      e.cfg.NoBell,
		Logger:      e.log(),

		HandshakeTimeout:          lim.HandshakeTimeout,
		MaxUnauthenticated:        lim.MaxUnauthenticated,
		MaxUnauthenticatedPerAddr: lim.MaxUnauthenticatedPerAddress,
	})
	if err != nil {
		return err
	}
	fp := gossh.FingerprintSHA256(srv.HostKey())
	e.log().Info("ssh console started", "addr", srv.Addr().String(), "host_key", fp, "idle", idle.String(), "max", maxLen.String(),
		"handshake_timeout", lim.HandshakeTimeout.String(), "max_unauthenticated", lim.MaxUnauthenticated,
		"max_unauthenticated_per_address", lim.MaxUnauthenticatedPerAddress)
	fmt.Fprintf(e.stdout, "serving the console over SSH on %s (host key %s)\n", srv.Addr(), fp)
	fmt.Fprintln(e.stdout, "Operators log in with their key; stop with ctrl+c.")

	// The sessions change the site: their changes reach the panels from
	// here, as the console's do, until the last session has ended.
	ctx, stop := context.WithCancel(context.WithoutCancel(e.ctx))
	defer stop()
	dispatched := make(chan error, 1)
	go func() { dispatched <- e.newDispatcher(0).Run(ctx) }()
	err = srv.Serve(e.ctx)
	stop()
	if derr := <-dispatched; derr != nil {
		e.log().Error("dispatcher", "error", derr.Error())
	}
	e.log().Info("ssh console stopped")
	return err
}
