package store_test

// Crash test of the people import: a child process (this test binary run
// again with -test.run=^TestPeopleImportCrashChild$) imports a CSV file of
// people into a real on-disk store and is killed with SIGKILL, before the
// import was accepted or while its people are being written. The parent
// reopens the database, which finishes an accepted import, and checks that
// the import is there whole or not at all, identifiers and log included.

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

const (
	peopleCrashEnvDir  = "GUARDROOM_PEOPLECRASH_DIR"
	peopleCrashEnvKey  = "GUARDROOM_PEOPLECRASH_KEY_FILE"
	peopleCrashEnvFile = "GUARDROOM_PEOPLECRASH_FILE"
	peopleCrashRows    = 14_000 // ten chunks of people
)

// TestPeopleImportCrashChild is the child side of TestPeopleImportCrash.
func TestPeopleImportCrashChild(t *testing.T) {
	s, a, file := openCrashChild(t, peopleCrashEnvDir, peopleCrashEnvKey, peopleCrashEnvFile)
	fmt.Println("import-start")
	_, err := s.ImportPeople(a, bytes.NewReader(file), store.PeopleImportOptions{Name: "crash.csv", Unit: store.RootUnit, CreateApartments: true,
		Progress: func(done, total int) { fmt.Printf("import-progress %d %d\n", done, total) }})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("import-finished")
}

// openCrashChild opens, in a crash test's child, the store and the file
// its parent names in the environment; without them it skips the test,
// which then is not a child.
func openCrashChild(t *testing.T, envDir, envKey, envFile string, tweak ...func(*store.Config)) (*store.Store, store.Actor, []byte) {
	t.Helper()
	dir := os.Getenv(envDir)
	if dir == "" {
		t.Skip("helper process of a crash test; runs only when started by it")
	}
	key, err := store.ReadKey(os.Getenv(envKey))
	if err != nil {
		t.Fatal(err)
	}
	var file []byte
	if envFile != "" { // a child with an input file
		if file, err = os.ReadFile(os.Getenv(envFile)); err != nil {
			t.Fatal(err)
		}
	}
	cfg := store.Config{Dir: dir, Key: key}
	for _, f := range tweak {
		f(&cfg)
	}
	s, err := store.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a, err := s.Actor("admin", "crash-child")
	if err != nil {
		t.Fatal(err)
	}
	return s, a, file
}

// childRun is a child process whose stdout lines the parent reads.
type childRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	stderr bytes.Buffer
}

func startChild(t *testing.T, test string, env ...string) *childRun {
	t.Helper()
	c := &childRun{t: t, lines: make(chan string, 64)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stderr = &c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c
}

// next waits for the child's next line; a child that ends or goes silent
// fails the test.
func (c *childRun) next() string {
	c.t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			c.cmd.Wait()
			c.t.Fatalf("the child ended early:\n%s", c.stderr.String())
		}
		return l
	case <-time.After(60 * time.Second):
		c.cmd.Process.Kill()
		c.cmd.Wait()
		c.t.Fatalf("the child is silent:\n%s", c.stderr.String())
	}
	return ""
}

// kill ends the child with SIGKILL and returns the lines it wrote since;
// a child that said "...-finished" may have ended by itself.
func (c *childRun) kill() []string {
	c.t.Helper()
	c.cmd.Process.Signal(syscall.SIGKILL)
	var rest []string
	for l := range c.lines {
		rest = append(rest, l)
	}
	c.cmd.Wait()
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || (!ws.Signaled() && !strings.Contains(strings.Join(rest, "\n"), "-finished")) {
		c.t.Fatalf("the child was not killed:\n%s", c.stderr.String())
	}
	return rest
}

func TestPeopleImportCrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test re-executes the test binary; skipped with -short")
	}
	root := t.TempDir()
	base, keyFile := filepath.Join(root, "base"), filepath.Join(root, "key", "data.key")
	key, err := store.CreateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(store.Config{Dir: base, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "people.csv")
	if err := os.WriteFile(file, perfPeopleFile(peopleCrashRows), 0o600); err != nil {
		t.Fatal(err)
	}
	lastCard := access.Identifier{Kind: access.KindCard, Value: fmt.Sprintf("%d:%d", 10+peopleCrashRows%90, 100000+peopleCrashRows)}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))

	for round := 1; round <= 3; round++ {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			dir := filepath.Join(root, fmt.Sprint("db", round))
			copyDir(t, base, dir)
			c := startChild(t, "TestPeopleImportCrashChild", peopleCrashEnvDir+"="+dir, peopleCrashEnvKey+"="+keyFile, peopleCrashEnvFile+"="+file)
			for c.next() != "import-start" {
			}
			// Round 1 kills anywhere from the file's check to its
			// writing (checking 14,000 rows takes about 0.1 s); the
			// others once people are being written, somewhere in a chunk.
			accepted := false
			delay := time.Duration(rng.Int64N(int64(300 * time.Millisecond)))
			if round > 1 {
				t0 := time.Now()
				if first := c.next(); !strings.HasPrefix(first, "import-progress") {
					t.Fatalf("child said %q", first)
				}
				accepted = true
				delay = time.Duration(rng.Int64N(int64(time.Since(t0)) + 1))
			}
			time.Sleep(delay) // where the kill lands, not a wait for output
			for _, l := range c.kill() {
				accepted = accepted || strings.HasPrefix(l, "import-progress")
			}

			s, err := store.Open(store.Config{Dir: dir, Key: key})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			admin, _ := s.Actor("admin", "crash-test")
			people, err := s.ListPeople(admin)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.VerifyLog(admin)
			if err != nil || !res.OK() {
				t.Fatalf("log: %v %v", res, err)
			}
			holder, ferr := s.FindPersonByIdentifier(admin, lastCard)
			n := len(people)
			apts, err := s.ListApartments(admin)
			if err != nil {
				t.Fatal(err)
			}
			// The file's 500 apartments are made as their first people are
			// written, each once, however often the write is resumed.
			if want := map[bool]int{true: 500, false: 0}[n != 0]; len(apts) != want {
				t.Fatalf("%d apartments for %d people, want %d", len(apts), n, want)
			}
			switch {
			case n != 0 && n != peopleCrashRows:
				t.Fatalf("%d of %d people after the crash: half an import", n, peopleCrashRows)
			case accepted && n == 0:
				t.Fatal("the import was accepted (people were being written) but is gone")
			case n == 0 && res.Entries != 0, n != 0 && res.Entries != 1+peopleCrashRows:
				t.Fatalf("%d people and %d log entries", n, res.Entries)
			case n != 0 && (ferr != nil || holder.Name != fmt.Sprintf("Person %d", peopleCrashRows)):
				t.Fatalf("the last card is not indexed: %+v %v", holder, ferr)
			case n == 0 && ferr == nil:
				t.Fatalf("no people, but the last card is held by %+v", holder)
			}
			t.Logf("killed %v after %s; %d people after reopening", delay.Round(time.Millisecond),
				map[bool]string{true: "the first chunk", false: "the start"}[round > 1], n)
		})
	}
}

// TestOpenSaysItFinishesAnImport: an import cut short after its first
// chunk (here by a panic in its progress callback, as deterministic as a
// crash at that point) is finished by the next Open, which tells its
// Progress what it is doing and how far it is, up to the last row.
func TestOpenSaysItFinishesAnImport(t *testing.T) {
	const rows = 3000 // three chunks
	dir := t.TempDir()
	key, err := store.CreateKey(filepath.Join(t.TempDir(), "data.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(store.Config{Dir: dir, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := s.Actor("admin", "test")
	func() {
		defer func() {
			if r := recover(); r != "crash" {
				t.Fatalf("recovered %v", r)
			}
		}()
		s.ImportPeople(admin, bytes.NewReader(perfPeopleFile(rows)), store.PeopleImportOptions{Name: "cut.csv", Unit: store.RootUnit, CreateApartments: true,
			Progress: func(done, total int) { panic("crash") }})
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	type call struct {
		step        string
		done, total int
	}
	var calls []call
	s, err = store.Open(store.Config{Dir: dir, Key: key, Progress: func(step string, done, total int) {
		calls = append(calls, call{step, done, total})
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if people, _ := s.ListPeople(admin); len(people) != rows {
		t.Fatalf("%d people after reopening", len(people))
	}
	if len(calls) < 2 {
		t.Fatalf("Open said %+v while finishing the import", calls)
	}
	first, last := calls[0], calls[len(calls)-1]
	if !strings.Contains(first.step, "finishing the people import") || first.total != rows || first.done == 0 || first.done == rows {
		t.Errorf("first word %+v: want the step, with the rows written before the crash", first)
	}
	if last.step != first.step || last.done != rows || last.total != rows {
		t.Errorf("last word %+v, want all %d rows", last, rows)
	}
}
