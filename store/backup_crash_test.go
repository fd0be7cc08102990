package store_test

// Crash test of restore --force: a child process (this test binary run
// again with -test.run=^TestRestoreCrashChild$) restores a backup over a
// database that holds a site of its own, and is killed with SIGKILL while
// it checks the backup, loads it, checks the restored database or swaps it
// in. The parent reopens the database and checks that it is one of the two
// whole: the old site, or the backup's with the restore in its log; that
// its log verifies and that admin logs in; and that nothing is left beside
// the data directory.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
)

const (
	restoreCrashEnvDir  = "GUARDROOM_RESTORECRASH_DIR"
	restoreCrashEnvKey  = "GUARDROOM_RESTORECRASH_KEY_FILE"
	restoreCrashEnvFile = "GUARDROOM_RESTORECRASH_FILE"
	restoreCrashPeople  = 6000 // the backup's site
	restoreCrashTarget  = 3    // the site it replaces
)

// TestRestoreCrashChild is the child side of TestRestoreCrash: it prints
// what the restore tells its Progress, as "restore-step DONE STEP".
func TestRestoreCrashChild(t *testing.T) {
	s, a, _ := openCrashChild(t, restoreCrashEnvDir, restoreCrashEnvKey, restoreCrashEnvFile, func(c *store.Config) {
		c.Progress = func(step string, done, _ int) { fmt.Printf("restore-step %d %s\n", done, step) }
	})
	f, err := os.Open(os.Getenv(restoreCrashEnvFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	key, err := store.ReadKey(os.Getenv(restoreCrashEnvKey))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("restore-start")
	if err := s.Restore(a, key, f, true); err != nil {
		t.Fatal(err)
	}
	fmt.Println("restore-finished")
}

func TestRestoreCrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test re-executes the test binary; skipped with -short")
	}
	root := t.TempDir()
	keyFile := filepath.Join(root, "key", "data.key")
	key, err := store.CreateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	// The backup: a site of many people, and admin's first password.
	src, err := store.Open(store.Config{Dir: filepath.Join(root, "src"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	srcPassword, _ := src.FirstPassword()
	srcAdmin, _ := src.Actor("admin", "crash-test")
	if _, err := src.ImportPeople(srcAdmin, bytes.NewReader(perfPeopleFile(restoreCrashPeople)), store.PeopleImportOptions{Name: "src.csv", Unit: store.RootUnit, CreateApartments: true}); err != nil {
		t.Fatal(err)
	}
	srcLog, _ := src.VerifyLog(srcAdmin)
	backup := filepath.Join(root, "site.backup")
	var buf bytes.Buffer
	if err := src.Backup(srcAdmin, key, &buf); err != nil {
		t.Fatal(err)
	}
	src.Close()
	if err := os.WriteFile(backup, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// The site it replaces: a few people of its own.
	base := filepath.Join(root, "base")
	dst, err := store.Open(store.Config{Dir: base, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	dstPassword, _ := dst.FirstPassword()
	dstAdmin, _ := dst.Actor("admin", "crash-test")
	if _, err := dst.ImportPeople(dstAdmin, bytes.NewReader(perfPeopleFile(restoreCrashTarget)), store.PeopleImportOptions{Name: "dst.csv", Unit: store.RootUnit, CreateApartments: true}); err != nil {
		t.Fatal(err)
	}
	dstLog, _ := dst.VerifyLog(dstAdmin)
	dst.Close()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	// Where each round kills: once the child said it reached a point, a
	// random moment later. The backup is read in MB: from its second MB
	// on, the backup is being loaded into a database.
	step := func(name string, bytes int) func(string) bool {
		return func(l string) bool {
			var done int
			var rest string
			if _, err := fmt.Sscanf(l, "restore-step %d", &done); err != nil {
				return false
			}
			rest = l[strings.Index(l[len("restore-step "):], " ")+len("restore-step ")+1:]
			return rest == name && done >= bytes
		}
	}
	const swapping = "swapping the restored database in"
	steps := []struct {
		name  string
		at    func(string) bool
		delay time.Duration
	}{
		{"checking the backup", func(l string) bool { return l == "restore-start" }, 30 * time.Millisecond},
		{"loading the backup", step("loading the backup", 1<<20), 20 * time.Millisecond},
		{"loading the backup, later", step("loading the backup", 3<<20), 20 * time.Millisecond},
		{"checking the restored database", step("checking the restored database", 0), 50 * time.Millisecond},
		{"swapping it in", step(swapping, 0), 0},
		{"swapping it in, later", step(swapping, 0), 20 * time.Millisecond},
		{"after the swap", step(swapping, 0), 100 * time.Millisecond},
	}
	for round, at := range steps {
		t.Run(fmt.Sprintf("round %d %s", round+1, at.name), func(t *testing.T) {
			dir := filepath.Join(root, fmt.Sprint("db", round+1))
			copyDir(t, base, dir)
			c := startChild(t, "TestRestoreCrashChild", restoreCrashEnvDir+"="+dir, restoreCrashEnvKey+"="+keyFile, restoreCrashEnvFile+"="+backup)
			said := []string{}
			for l := ""; !at.at(l); {
				l = c.next()
				said = append(said, l)
			}
			delay := time.Duration(rng.Int64N(int64(at.delay) + 1))
			time.Sleep(delay) // where the kill lands, not a wait for output
			said = append(said, c.kill()...)
			swapped := slices.ContainsFunc(said, step(swapping, 0))

			s, err := store.Open(store.Config{Dir: dir, Key: key})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			admin, err := s.Actor("admin", "crash-test")
			if err != nil {
				t.Fatalf("no admin: %v", err)
			}
			people, err := s.ListPeople(admin)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.VerifyLog(admin)
			if err != nil || !res.OK() {
				t.Fatalf("log: %v %v", res, err)
			}
			restored := len(people) == restoreCrashPeople
			password := dstPassword
			switch {
			case restored:
				password = srcPassword
				if res.Entries != srcLog.Entries+1 {
					t.Fatalf("the backup's %d people, and %d log entries (want %d and the restore)", len(people), res.Entries, srcLog.Entries)
				}
				if e, err := s.ListLog(admin, store.LogFilter{Limit: 1}); err != nil || e[0].Action != "restore" || e[0].After["people"] != fmt.Sprint(restoreCrashPeople) {
					t.Fatalf("the restore is not the newest entry: %+v %v", e, err)
				}
			case len(people) != restoreCrashTarget:
				t.Fatalf("%d people: neither the old site (%d) nor the backup's (%d)", len(people), restoreCrashTarget, restoreCrashPeople)
			case res.Entries != dstLog.Entries:
				t.Fatalf("the old site's people, and %d log entries (want %d)", res.Entries, dstLog.Entries)
			case slices.Contains(said, "restore-finished"):
				t.Fatal("the restore finished, yet the old site is back")
			}
			if !swapped && restored {
				t.Fatal("the backup's site is in place, yet the swap never began")
			}
			if _, err := s.Login("admin", password, "crash-test", ""); err != nil {
				t.Fatalf("admin cannot log in: %v", err)
			}
			for _, p := range []string{dir + ".incoming", dir + ".outgoing", dir + ".swap"} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s is left after reopening", p)
				}
			}
			t.Logf("killed %v after %q; reopened the %s site", delay.Round(time.Millisecond), said[len(said)-1],
				map[bool]string{true: "backup's", false: "old"}[restored])
		})
	}
}
