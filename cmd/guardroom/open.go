package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/guardroom/guardroom/store"
)

// openOptions change how openStore treats a missing database or key.
type openOptions struct {
	// noNewKey refuses to create a key file (restore needs the key the
	// backup was made with).
	noNewKey bool
	// fastFresh turns off fsync per commit when the database is new
	// (building the demo site); closing the store flushes it.
	fastFresh bool

	// keyHolder names the internal actor of a command that acts on the
	// strength of the key file alone, with no operator login (the demo
	// builder, the dispatcher, backup and restore, reset-admin): whoever
	// holds the key can read and write the whole database anyway.
	keyHolder string
	// noLogin opens the store and leaves the login to the caller (the
	// console's own login screen).
	noLogin bool
	// quietFirst does not print admin's one-time password of a new
	// database: the command replaces it at once (the demo, a restore).
	quietFirst bool
	// mustExist refuses to create a database.
	mustExist bool
	// step is a login step the command does itself (operator passwd,
	// operator 2fa): the login stops there instead of asking for it.
	step store.LoginStep
	// ownNotices leaves the security notices to the command (operator
	// notices) instead of printing them after the login.
	ownNotices bool
	// groupShared: guardroom serve shares the data directory with its
	// socket group, so the group's access is not warned about.
	groupShared bool
}

// openStore opens the database in the data directory with the key file,
// creating both on first run, and logs the operator in (or makes the key
// holder's actor, see openOptions). A new database prints admin's one-time
// password once, on the terminal that created it.
//
// An existing database whose key file is missing is never replaced by a new
// empty one: without its key it is unreadable, and a new key would only make
// the mistake permanent.
func (e *env) openStore(o openOptions) error {
	if e.s != nil {
		return nil
	}
	if e.service != nil {
		if err := e.useService(); err != nil {
			return err
		}
		return e.actAs(o)
	}
	dir, keyPath := e.cfg.DataDir, e.cfg.KeyFile
	if err := keyApart(keyPath, dir); err != nil {
		return err
	}
	fresh := !store.Exists(dir)
	if fresh && o.mustExist {
		return fmt.Errorf("there is no guardroom database in %s: check --data (or data_dir in the config file)", dir)
	}
	if fresh {
		if err := checkEmptyDir(dir); err != nil {
			return err
		}
	}
	key, err := store.ReadKey(keyPath)
	switch {
	case errors.Is(err, store.ErrNoKeyFile) && !fresh:
		return fmt.Errorf("the database in %s is encrypted and its key file %s is missing: restore the key file from your copy, or point GUARDROOM_KEY_FILE (or --key-file) at it; guardroom never makes a new key for an existing database", dir, keyPath)
	case errors.Is(err, store.ErrNoKeyFile) && o.noNewKey:
		return fmt.Errorf("the key file %s is missing: restoring needs the key file the backup was made with; copy it there or point GUARDROOM_KEY_FILE (or --key-file) at it", keyPath)
	case errors.Is(err, store.ErrNoKeyFile):
		if key, err = store.CreateKey(keyPath); err != nil {
			return err
		}
		e.log().Info("created data key", "key_file", keyPath, "data", dir)
		fmt.Fprintf(e.stderr, "guardroom: created a new data key in %s\n"+
			"guardroom: keep a copy of it apart from the data directory (%s): without it the database and its backups cannot be read\n", keyPath, dir)
	case err != nil:
		return err
	}
	if fresh {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
	}
	e.progress = e.openProgress()
	s, err := store.Open(store.Config{Dir: dir, Key: key, NoSync: o.fastFresh && fresh, Progress: e.progress.step, Warn: e.warn, GroupShared: o.groupShared})
	e.progress.end()
	if err != nil {
		return err
	}
	e.s, e.key, e.fresh = s, key, fresh
	if fresh && !o.quietFirst {
		e.announceFirstPassword()
	}
	return e.actAs(o)
}

// actAs makes the key holder's actor or logs the operator in, as o says.
func (e *env) actAs(o openOptions) error {
	s := e.s
	switch {
	case o.keyHolder != "":
		e.actor = s.Internal(o.keyHolder)
		return nil
	case o.noLogin:
		return nil
	}
	return e.login(o)
}

// warn tells the operator, on stderr and in the log, what to put right.
func (e *env) warn(msg string) {
	e.log().Warn(msg)
	fmt.Fprintf(e.stderr, "guardroom: warning: %s\n", msg)
}

// openProgress shows on stderr what a slow Open or restore does (finishing
// an import or a restore that a crash interrupted, loading a backup): on a
// terminal one line that counts up, otherwise a line when a counted step
// starts and one when each step ends.
func (e *env) openProgress() *progressLine {
	p := &progressLine{w: e.stderr, log: e.log()}
	if f, ok := e.rawStderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// The live line moves with \r, which the escaping stream would
		// show; its words are our own, as the import's progress bar's are.
		p.w, p.live = e.rawStderr, true
	}
	return p
}

// progressLine is a step with a count, printed as it moves on. A step
// with nothing to count (done and total 0) is one line, said at its end.
type progressLine struct {
	w           io.Writer
	log         *slog.Logger
	live        bool
	current     string
	done, total int
	said        bool
}

func (p *progressLine) step(step string, done, total int) {
	if step != p.current {
		p.end()
		p.current, p.said = step, false
		p.log.Info(step)
	}
	p.done, p.total = done, total
	switch {
	case done == 0 && total == 0:
	case p.live:
		fmt.Fprintf(p.w, "\r\033[Kguardroom: %s: %s", clean(step), count(done, total))
	case !p.said:
		fmt.Fprintf(p.w, "guardroom: %s...\n", clean(step))
		p.said = true
	}
}

// end finishes the step in progress, if any.
func (p *progressLine) end() {
	if p.current == "" {
		return
	}
	if p.live {
		fmt.Fprint(p.w, "\r\033[K")
	}
	if p.done == 0 && p.total == 0 {
		fmt.Fprintf(p.w, "guardroom: %s\n", clean(p.current))
	} else {
		fmt.Fprintf(p.w, "guardroom: %s: done (%s)\n", clean(p.current), count(p.done, p.total))
	}
	p.current = ""
}

func count(done, total int) string {
	if total == 0 {
		return fmt.Sprint(done)
	}
	return fmt.Sprintf("%d of %d", done, total)
}

// keyApart refuses a key file inside the data directory.
func keyApart(keyPath, dir string) error {
	if within(keyPath, dir) {
		return fmt.Errorf("the key file %s is inside the data directory %s: keep it apart (--key-file or GUARDROOM_KEY_FILE), or whoever copies the data directory can read it", keyPath, dir)
	}
	return nil
}

// announceFirstPassword prints admin's one-time password of the database
// this run created; the store keeps only its hash.
func (e *env) announceFirstPassword() {
	if pw, ok := e.s.FirstPassword(); ok {
		e.log().Info("created operator admin with a one-time password", "data", e.cfg.DataDir)
		fmt.Fprintf(e.stderr, "guardroom: created operator admin with the one-time password %s: it is shown only now; log in with it and choose a new password.\n", pw)
	}
}

// checkEmptyDir refuses to create a database in a directory that already
// holds other files (a mistyped --data pointing at a home directory).
func checkEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, en := range entries {
		if en.Name() != "guardroom.log" {
			return fmt.Errorf("%s holds files but no guardroom database: give --data an empty or new directory", dir)
		}
	}
	return nil
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// openPanel opens the store and finds the panel named by ref (its number,
// name or IMEI).
func (e *env) openPanel(ref string) (store.Panel, error) {
	if err := e.openStore(openOptions{}); err != nil {
		return store.Panel{}, err
	}
	return e.s.FindPanel(e.actor, ref)
}

// openPanelFilter opens the store and finds the panel a --panel filter
// names: 0 (every panel) when ref is "".
func (e *env) openPanelFilter(ref string) (uint64, error) {
	if ref == "" {
		return 0, e.openStore(openOptions{})
	}
	p, err := e.openPanel(ref)
	return p.ID, err
}
