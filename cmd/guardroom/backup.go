package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

func backupCommands() []*command {
	return []*command{
		{
			name: "backup", args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "write an encrypted backup of the whole database to FILE (mode 0600)",
			details: "The backup is encrypted with a key derived from the data key: it can be restored\n" +
				"only with the same key file. Keep a copy of the key file apart from the backups.\n" +
				"It needs the key file, not an operator login, so a nightly job can run it.",
			example: "guardroom backup /media/usb/guardroom-2026-11-03.backup",
			setup: func(fs *flag.FlagSet) runFunc {
				force := fs.Bool("force", false, "overwrite FILE if it exists")
				return func(e *env, args []string) error { return e.backup(args[0], *force) }
			},
		},
		{
			name: "restore", local: true, args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "replace the database with a backup, then verify the restored action log",
			details: "Restore into an empty (or new) --data directory with the key file the backup was\n" +
				"made with. A database that holds a site is replaced only with --force. It needs the\n" +
				"key file, not an operator login; afterwards the backup's operators log in.\n" +
				"The backup is loaded into DIR.incoming beside the data directory and checked (it opens\n" +
				"with the key, its action log verifies, it has operators) before it is swapped in: a\n" +
				"crash leaves the old database or the new one, and the next start finishes a swap.",
			example: "guardroom --data /var/lib/guardroom-restored restore /media/usb/guardroom-2026-11-03.backup",
			setup: func(fs *flag.FlagSet) runFunc {
				force := fs.Bool("force", false, "replace everything in a database that already holds a site")
				return func(e *env, args []string) error { return e.restore(args[0], *force) }
			},
		},
	}
}

func (e *env) backup(path string, force bool) error {
	// The backup is made with the data key and only that key reads it:
	// its holder can copy the whole data directory anyway, so a nightly
	// backup needs no operator's password.
	if err := e.openStore(openOptions{keyHolder: "key holder"}); err != nil {
		return err
	}
	out, err := createOutput(e.abs(path), force)
	if err != nil {
		return err
	}
	defer out.abort()
	if err := e.s.Backup(e.actor, e.key, out.f); err != nil {
		return err
	}
	size, err := out.commit()
	if err != nil {
		return err
	}
	e.log().Info("backup written", "file", path, "bytes", size)
	fmt.Fprintf(e.stdout, "Backup written to %s (%s).\nIt can be restored only with the key file %s: keep a copy of that key apart from the backup.\n",
		path, humanSize(size), e.cfg.KeyFile)
	return nil
}

func (e *env) restore(path string, force bool) error {
	f, err := os.Open(e.abs(path))
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	// Restoring needs the key the backup was made with, and replaces the
	// operators too: there is nobody to log in as in a new data directory.
	if err := e.openStore(openOptions{noNewKey: true, keyHolder: "key holder", quietFirst: true}); err != nil {
		return err
	}
	err = e.s.Restore(e.actor, e.key, f, force)
	e.progress.end()
	if err := e.write(err); err != nil {
		// The store logged a refusal in the action log of the database
		// as it stays; the diagnostics log has it too, with the file.
		e.log().Warn("restore refused or failed", "file", path, "data", e.cfg.DataDir, "error", err.Error())
		if e.fresh {
			// The new database stays, with its own admin.
			e.announceFirstPassword()
		}
		return err
	}
	e.log().Info("restored", "file", path, "data", e.cfg.DataDir)
	fmt.Fprintf(e.stdout, "Restored %s into %s.\n", path, e.cfg.DataDir)
	res, err := e.s.VerifyLog(e.actor)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, res)
	if !res.OK() {
		return errQuiet
	}
	return nil
}

// outputFile is a file written in full or not at all: the data goes to a
// temporary file (mode 0600) beside the target, which takes the target's
// name only when everything was written. An existing target is kept unless
// force is set.
type outputFile struct {
	f         *os.File
	path, tmp string
	force     bool
	done      bool
}

func existsError(path string) error {
	return fmt.Errorf("%s exists already: choose another name, or add --force to overwrite it", path)
}

func createOutput(path string, force bool) (*outputFile, error) {
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return nil, fmt.Errorf("%s is a directory: give a file name", path)
		}
		if !force {
			return nil, existsError(path)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &outputFile{f: f, path: path, tmp: f.Name(), force: force}, nil
}

// commit makes the file appear under its name and returns its size.
func (o *outputFile) commit() (int64, error) {
	if err := o.f.Sync(); err != nil {
		return 0, fmt.Errorf("write %s: %w", o.path, err)
	}
	st, err := o.f.Stat()
	if err != nil {
		return 0, err
	}
	if err := o.f.Close(); err != nil {
		return 0, fmt.Errorf("write %s: %w", o.path, err)
	}
	if o.force {
		err = os.Rename(o.tmp, o.path)
	} else if err = os.Link(o.tmp, o.path); err == nil {
		os.Remove(o.tmp)
	} else if errors.Is(err, fs.ErrExist) {
		return 0, existsError(o.path)
	} else if _, serr := os.Lstat(o.path); serr == nil {
		return 0, existsError(o.path)
	} else {
		// No hard links on this file system: the check above and a rename.
		err = os.Rename(o.tmp, o.path)
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", o.path, err)
	}
	o.done = true
	return st.Size(), nil
}

// abort removes the temporary file unless commit succeeded.
func (o *outputFile) abort() {
	if o.done {
		return
	}
	o.f.Close()
	os.Remove(o.tmp)
}
