package store_test

// Crash test of the tag import: a child process (this test binary run
// again with -test.run=^TestTagImportCrashChild$) imports a CSV file of
// tags into a real on-disk store and is killed with SIGKILL, either before
// the import was accepted or while its tags are being written. The parent
// reopens the database, which finishes an accepted import, and checks that
// the import is there whole or not at all.

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
)

const (
	tagCrashEnvDir  = "GUARDROOM_TAGCRASH_DIR"
	tagCrashEnvKey  = "GUARDROOM_TAGCRASH_KEY_FILE"
	tagCrashEnvFile = "GUARDROOM_TAGCRASH_FILE"
	tagCrashTags    = 12_000 // about ten chunks of tags
)

// TestTagImportCrashChild is the child side of TestTagImportCrash.
func TestTagImportCrashChild(t *testing.T) {
	s, a, file := openCrashChild(t, tagCrashEnvDir, tagCrashEnvKey, tagCrashEnvFile)
	fmt.Println("import-start")
	_, err := s.ImportTags(a, bytes.NewReader(file), store.TagImportOptions{Name: "crash.csv", Progress: func(done, total int) {
		fmt.Printf("import-progress %d %d\n", done, total)
	}})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("import-finished")
}

func TestTagImportCrash(t *testing.T) {
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
	s, a, p := perfOpen(t, base, key, true, tagCrashTags)
	if err := s.BulkSetCodes(a, p.ID, perfItems(tagCrashTags), nil); err != nil {
		t.Fatal(err)
	}
	baseEntries := uint64(1 + tagCrashTags) // the panel and its users
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	for i := 1; i <= tagCrashTags; i++ {
		fmt.Fprintf(&csv, "04%012X,keypad,%d,%d,\n", i, p.ID, i)
	}
	file := filepath.Join(root, "tags.csv")
	if err := os.WriteFile(file, csv.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))

	for round := 1; round <= 3; round++ {
		dir := filepath.Join(root, fmt.Sprint("db", round))
		copyDir(t, base, dir)
		cmd := exec.Command(os.Args[0], "-test.run=^TestTagImportCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), tagCrashEnvDir+"="+dir, tagCrashEnvKey+"="+keyFile, tagCrashEnvFile+"="+file)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 64)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		next := func() string {
			select {
			case l, ok := <-lines:
				if !ok {
					cmd.Wait()
					t.Fatalf("round %d: the child ended early:\n%s", round, stderr.String())
				}
				return l
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("round %d: the child is silent:\n%s", round, stderr.String())
			}
			return ""
		}
		for next() != "import-start" {
		}
		// Round 1 kills while the file is checked, staged or accepted;
		// the others once tags are being written, somewhere in a chunk.
		accepted := false
		var delay time.Duration
		if round == 1 {
			delay = time.Duration(rng.Int64N(int64(40 * time.Millisecond)))
		} else {
			t0 := time.Now()
			first := next()
			if !strings.HasPrefix(first, "import-progress") {
				t.Fatalf("round %d: child said %q", round, first)
			}
			accepted = true
			delay = time.Duration(rng.Int64N(int64(time.Since(t0)) + 1))
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		finished := false
		for l := range lines {
			accepted = accepted || strings.HasPrefix(l, "import-progress")
			finished = finished || l == "import-finished"
		}
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !finished && (!ok || !ws.Signaled()) {
			t.Fatalf("round %d: the child was not killed:\n%s", round, stderr.String())
		}

		s, err := store.Open(store.Config{Dir: dir, Key: key})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		admin, _ := s.Actor("admin", "crash-test")
		tags, err := s.ListTags(admin)
		if err != nil {
			t.Fatal(err)
		}
		jobs, err := s.ListJobs(admin, store.JobFilter{State: store.JobPending})
		if err != nil {
			t.Fatal(err)
		}
		addTag := 0
		for _, j := range jobs {
			if j.Op == store.OpAddTag {
				addTag++
			}
		}
		res, err := s.VerifyLog(admin)
		if err != nil || !res.OK() {
			t.Fatalf("round %d: log: %v %v", round, res, err)
		}
		n := len(tags)
		switch {
		case n != 0 && n != tagCrashTags:
			t.Fatalf("round %d: %d of %d tags after the crash: half an import", round, n, tagCrashTags)
		case accepted && n == 0:
			t.Fatalf("round %d: the import was accepted (tags were being written) but is gone", round)
		case addTag != n:
			t.Fatalf("round %d: %d tags but %d add-tag jobs", round, n, addTag)
		case n == 0 && res.Entries != baseEntries, n != 0 && res.Entries != baseEntries+1+tagCrashTags:
			t.Fatalf("round %d: %d tags and %d log entries", round, n, res.Entries)
		}
		t.Logf("round %d: killed %v after %s; %d tags after reopening", round, delay.Round(time.Millisecond),
			map[bool]string{true: "the first chunk", false: "the start"}[round > 1], n)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
