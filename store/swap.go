package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Swapping a whole database in (a restore) never touches the one in use
// until the new one is complete: the new database is built and checked in
// DIR.incoming, beside the data directory DIR. Then a marker, DIR.swap,
// says that a swap is under way, and two renames follow: DIR to
// DIR.outgoing, DIR.incoming to DIR. The old database is deleted and the
// marker last. Each step is made durable (fsync of the parent directory)
// before the next, so a crash anywhere leaves one of these states, which
// the next Open tells apart by what exists:
//
//	marker  incoming  DIR  outgoing   meaning, and what Open does
//	no      any       yes  no         no swap under way; an incoming left by
//	                                  a restore that never finished goes
//	yes     yes       yes  no         nothing renamed yet: both renames
//	yes     yes       no   yes        DIR moved out: the second rename
//	yes     no        yes  any        both done: delete outgoing, the marker
//
// The incoming database was checked before the marker was written, so an
// interrupted swap is always finished, never rolled back, and Open never
// sees half of one database and half of the other.

// swapPaths are the names beside dir while a database is swapped in.
func swapPaths(dir string) (incoming, outgoing, marker string) {
	dir = filepath.Clean(dir)
	return dir + ".incoming", dir + ".outgoing", dir + ".swap"
}

// swapMarker is DIR.swap's content: what is being swapped in, for the
// message of the Open that finishes it.
type swapMarker struct {
	What string    `json:"what"`
	Time time.Time `json:"time"`
}

// swapIn makes the checked, closed database in dir's incoming directory
// the one in dir; nothing may have dir open. what says where it came from
// ("the backup FILE").
func swapIn(dir, what string, now time.Time) error {
	_, _, marker := swapPaths(dir)
	b, err := json.Marshal(swapMarker{What: what, Time: now})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(marker, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("start the swap: %w", err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("start the swap: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("start the swap: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("start the swap: %w", err)
	}
	if err := syncDir(filepath.Dir(marker)); err != nil {
		return fmt.Errorf("start the swap: %w", err)
	}
	_, err = finishSwap(dir, f)
	return err
}

// finishSwap carries a swap under way in dir to its end (see the table
// above) and reports what it swapped in; "" when no swap was under way.
// held is the marker's file when the caller made it and holds its lock;
// nil when Open found it, and then another process still swapping is
// waited for by nobody: Open says so and stops.
func finishSwap(dir string, held *os.File) (string, error) {
	incoming, outgoing, marker := swapPaths(dir)
	f := held
	if f == nil {
		var err error
		f, err = os.Open(marker)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", marker, err)
		}
		defer f.Close()
		if err := lockFile(f); err != nil {
			return "", fmt.Errorf("a database is being swapped into %s by another guardroom process right now (%s is locked): try again when it has finished", dir, marker)
		}
	}
	var m swapMarker
	what := "a restored database"
	if b, err := os.ReadFile(marker); err == nil && json.Unmarshal(b, &m) == nil && m.What != "" {
		what = m.What
	}
	stuck := func(format string, args ...any) error {
		return fmt.Errorf("the swap of %s into %s cannot finish: %s; %s says a swap is under way: put the directories right, then delete it", what, dir, fmt.Sprintf(format, args...), marker)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if isDir(incoming) {
		if isDir(dir) {
			if isDir(outgoing) {
				// DIR moved out, then was made again (an empty data
				// directory created before this Open).
				if err := os.Remove(dir); err != nil {
					return "", stuck("%s, %s and %s all exist, and %s is not empty", incoming, dir, outgoing, dir)
				}
			} else if err := os.Rename(dir, outgoing); err != nil {
				return "", stuck("moving the old database out to %s: %v", outgoing, err)
			}
			if err := syncDir(parent); err != nil {
				return "", err
			}
		}
		if err := os.Rename(incoming, dir); err != nil {
			return "", stuck("moving %s in: %v", incoming, err)
		}
		if err := syncDir(parent); err != nil {
			return "", err
		}
	} else if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		// Both renames done would leave a database in dir. Without one,
		// the old database (if any) is all there is: it is kept.
		if isDir(outgoing) {
			return "", stuck("%s is missing and %s holds no database; the database before the swap is in %s: rename it back to %s", incoming, dir, outgoing, dir)
		}
		return "", stuck("%s is missing and %s holds no database", incoming, dir)
	}
	if err := os.RemoveAll(outgoing); err != nil {
		return "", fmt.Errorf("delete the replaced database %s: %w", outgoing, err)
	}
	if err := syncDir(parent); err != nil {
		return "", err
	}
	if err := os.Remove(marker); err != nil {
		return "", fmt.Errorf("end the swap: %w", err)
	}
	return what, syncDir(parent)
}

// dropIncoming deletes what a restore that never reached its swap left
// beside dir. The caller holds dir's database open: a restore building the
// incoming database holds it too, so none is under way.
func dropIncoming(dir string) error {
	incoming, _, marker := swapPaths(dir)
	if _, err := os.Stat(marker); err == nil || !isDir(incoming) {
		return nil
	}
	if err := os.RemoveAll(incoming); err != nil {
		return fmt.Errorf("delete %s, left by a restore that did not finish: %w", incoming, err)
	}
	return nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
