package store_test

// Crash test: a child process (this test binary re-executed with
// -test.run=^TestCrashChild$) bulk-loads panel users into a real on-disk
// encrypted store and is killed with SIGKILL part-way through; the parent
// then reopens the database and checks that every operation is there whole
// or not at all. The same database is killed crashRounds times, so later
// rounds also recover a database that was itself recovered.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

const (
	crashEnvDir = "GUARDROOM_CRASH_DIR"      // data directory of the child's store
	crashEnvKey = "GUARDROOM_CRASH_KEY_FILE" // key file of that store

	crashPanelName = "Crash bench"
	crashSlots     = 50000 // panel size
	crashItems     = 16000 // slots 1..crashItems are bulk-loaded; the rest stay free
	crashRounds    = 3
)

// Sizes: each round the child validates its whole remaining load before the
// first chunk, and the parent's checks decode every log entry and job, so
// 16,000 planned users and kills within the first 2-5 chunks (of 1,200 users) keep the three
// rounds at about 15-20 s under -race on a 2-vCPU machine (5 s without).

// perfIMEI returns a valid (Luhn) IMEI for n.
func perfIMEI(n int) string {
	body := fmt.Sprintf("35%012d", n)
	sum := 0
	for i := 0; i < len(body); i++ { // the check digit is appended on the right, so body's last digit is doubled
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

// perfCodes returns n distinct, non-trivial 8-digit codes, deterministic for
// a seed, none of them in avoid.
func perfCodes(n int, seed uint64, avoid map[string]bool) []string {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		c := fmt.Sprintf("%08d", r.IntN(100_000_000))
		if seen[c] || avoid[c] || family.Trivial(c) {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

// crashPlan is the bulk load every child works through: slot i (1-based)
// gets codes[i-1] with partitions and a label that vary per slot, so the
// parent can check each stored user field by field.
func crashPlan() []store.BulkCode {
	codes := perfCodes(crashItems, 1, nil)
	items := make([]store.BulkCode, crashItems)
	for i := range items {
		slot := i + 1
		o := store.CodeOptions{Partitions: store.PartitionSet(1) | store.PartitionSet(1)<<(i%8)}
		if i%3 == 0 {
			o.Label = "Crash user " + strconv.Itoa(slot)
		}
		items[i] = store.BulkCode{Slot: slot, Code: codes[i], CodeOptions: o}
	}
	return items
}

// crashFreeCodes are codes for the parent's own writes on slots outside the
// plan, distinct from every planned code.
func crashFreeCodes() []string {
	avoid := map[string]bool{}
	for _, c := range perfCodes(crashItems, 1, nil) {
		avoid[c] = true
	}
	return perfCodes(2*crashRounds, 2, avoid)
}

// TestCrashChild is the child side of TestCrash; it does nothing unless
// started by TestCrash. It opens (creating on the first round) the store,
// bulk-loads the planned users that have no code yet and prints one
// "crash-progress done total" line after each committed chunk, until killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("helper process for TestCrash; runs only when started by it")
	}
	key, err := store.ReadKey(os.Getenv(crashEnvKey))
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(store.Config{Dir: dir, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Actor("admin", "crash-child")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.FindPanel(a, crashPanelName)
	if errors.Is(err, store.ErrNotFound) {
		p, err = s.AddPanel(a, store.NewPanel{Name: crashPanelName, Unit: store.RootUnit, Family: "generic",
			IMEI: perfIMEI(1), Slots: crashSlots, CodeLength: 8})
	}
	if err != nil {
		t.Fatal(err)
	}
	users, err := s.ListUsers(a, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var todo []store.BulkCode
	for _, it := range crashPlan() {
		if !users[it.Slot-1].CodeSet {
			todo = append(todo, it)
		}
	}
	fmt.Printf("crash-start %d\n", len(todo))
	err = s.BulkSetCodes(a, p.ID, todo, func(done, total int) {
		fmt.Printf("crash-progress %d %d\n", done, total)
		// Wait for the parent's go-ahead: a loop that got ahead of the
		// parent's reading would commit chunks the parent never counted
		// on, and finish before the kill.
		os.Stdin.Read(make([]byte, 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("crash-finished")
}

// crashChild is one started child and what it has reported.
type crashChild struct {
	cmd      *exec.Cmd
	stderr   bytes.Buffer
	start    chan int       // the number of users it is about to load
	progress chan int       // done counts, closed at EOF
	goAhead  io.WriteCloser // a byte lets it go on after a report
	mu       sync.Mutex
	lines    []string // everything it printed, for failure messages
}

func startCrashChild(t *testing.T, dir, keyFile string) *crashChild {
	t.Helper()
	c := &crashChild{start: make(chan int, 1), progress: make(chan int, 1024)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	c.cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvKey+"="+keyFile)
	c.cmd.Stderr = &c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if c.goAhead, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.goAhead.Close() })
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	go func() {
		defer close(c.progress)
		for l := range lines {
			c.mu.Lock()
			c.lines = append(c.lines, l)
			c.mu.Unlock()
			f := strings.Fields(l)
			switch {
			case len(f) == 2 && f[0] == "crash-start":
				n, _ := strconv.Atoi(f[1])
				c.start <- n
			case len(f) == 3 && f[0] == "crash-progress":
				n, _ := strconv.Atoi(f[1])
				c.progress <- n
			}
		}
	}()
	return c
}

func (c *crashChild) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n") + "\n--- stderr:\n" + c.stderr.String()
}

// TestCrash kills a bulk load with SIGKILL at a random point, crashRounds
// times on the same database, and checks the database after each kill.
func TestCrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test re-executes the test binary; skipped with -short")
	}
	root := t.TempDir()
	dir, keyFile := filepath.Join(root, "db"), filepath.Join(root, "key", "data.key")
	key, err := store.CreateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	plan := crashPlan()
	free := crashFreeCodes()

	// What the parent itself wrote: extra users on slots outside the plan
	// (slot -> options) and log entries beyond one per user.
	extra := map[int]store.CodeOptions{}
	refusals := 0
	loaded := 0 // planned users known committed: always a prefix of plan

	for round := 1; round <= crashRounds; round++ {
		t0 := time.Now()
		c := startCrashChild(t, dir, keyFile)
		var todo int
		select {
		case todo = <-c.start:
		case <-time.After(60 * time.Second):
			c.cmd.Process.Kill()
			c.cmd.Wait()
			t.Fatalf("round %d: child never started loading:\n%s", round, c.output())
		}
		if todo != len(plan)-loaded {
			c.cmd.Process.Kill()
			c.cmd.Wait()
			t.Fatalf("round %d: child sees %d users to load, want %d", round, todo, len(plan)-loaded)
		}
		tStart := time.Since(t0)
		// Kill after a random number of committed chunks, then after a
		// random part of the time a chunk takes, so the kill lands anywhere
		// in the next chunk's work, its commit and fsync included. The
		// child waits for a go-ahead after each report, so it is never
		// more than that next chunk ahead; the kill comes no later than
		// the report before its last chunk, so it never finishes first.
		killAfter := 2 + rng.IntN(4) // at least two reports time a chunk
		chunk, reports, reported := 0, 0, 0
		var tFirst, tLast time.Duration
	wait:
		for {
			select {
			case n, ok := <-c.progress:
				if !ok {
					c.cmd.Wait()
					t.Fatalf("round %d: child ended before it was killed (after %d chunks):\n%s", round, reports, c.output())
				}
				if chunk == 0 {
					chunk, tFirst = n, time.Since(t0)
				}
				reports, reported = reports+1, n
				tLast = time.Since(t0)
				c.goAhead.Write([]byte{1})
				if reports >= killAfter || n+chunk >= todo {
					break wait
				}
			case <-time.After(60 * time.Second):
				c.cmd.Process.Kill()
				c.cmd.Wait()
				t.Fatalf("round %d: no progress for 60 s:\n%s", round, c.output())
			}
		}
		perChunk := tLast - tFirst
		if reports > 1 {
			perChunk /= time.Duration(reports - 1)
		}
		delay := time.Duration(rng.Int64N(int64(perChunk) + 1))
		time.Sleep(delay)
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for n := range c.progress { // reports that arrived before the kill; ends at EOF
			reported = n
		}
		err := c.cmd.Wait() // after the reads: Wait closes the pipe
		if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child was not killed by SIGKILL (%v):\n%s", round, err, c.output())
		}
		tKill := time.Since(t0)
		t.Logf("round %d: chunk %d, killed %v after the report of chunk %d; child had reported %d of %d users (child started in %v, first chunk at %v, killed at %v)",
			round, chunk, delay, killAfter, reported, todo, tStart.Round(time.Millisecond), tFirst.Round(time.Millisecond), tKill.Round(time.Millisecond))

		got := checkCrashedStore(t, round, dir, key, plan, loaded, extra, refusals)
		delta := got - loaded
		if delta < reported {
			t.Fatalf("round %d: %d users committed this round but the child had reported %d committed: committed chunks were lost", round, delta, reported)
		}
		if delta%chunk != 0 && delta != todo {
			t.Fatalf("round %d: %d users committed this round, not a multiple of the chunk (%d): a chunk was committed in part", round, delta, chunk)
		}
		loaded = got
		t.Logf("round %d: %d planned users committed (%d this round); checked in %v", round, loaded, delta, (time.Since(t0) - tKill).Round(time.Millisecond))

		// The store must still take writes after recovery.
		s, err := store.Open(store.Config{Dir: dir, Key: key})
		if err != nil {
			t.Fatalf("round %d: reopen for writes: %v", round, err)
		}
		a, err := s.Actor("admin", "crash-test")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.FindPanel(a, crashPanelName)
		if err != nil {
			t.Fatal(err)
		}
		// The next planned user, written by hand with its planned code:
		// a leftover code index of the killed chunk would refuse it.
		if loaded < len(plan) {
			it := plan[loaded]
			if err := s.SetCode(a, p.ID, it.Slot, it.Code, it.CodeOptions); err != nil {
				t.Fatalf("round %d: SetCode of the next planned user (slot %d) after the crash: %v", round, it.Slot, err)
			}
			loaded++
		}
		// A free slot outside the plan with a fresh code.
		freeSlot := crashSlots - round + 1
		if err := s.SetCode(a, p.ID, freeSlot, free[round-1], store.CodeOptions{}); err != nil {
			t.Fatalf("round %d: SetCode on free slot %d after the crash: %v", round, freeSlot, err)
		}
		extra[freeSlot] = store.CodeOptions{}
		// A code that a committed user holds must be refused elsewhere
		// (the code index survived the crash); the refusal is logged.
		if err := s.SetCode(a, p.ID, freeSlot-crashRounds, plan[0].Code, store.CodeOptions{}); !errors.Is(err, store.ErrCodeInUse) {
			t.Fatalf("round %d: SetCode with the code of slot %d on slot %d: got %v, want ErrCodeInUse", round, plan[0].Slot, freeSlot-crashRounds, err)
		}
		refusals++
		res, err := s.VerifyLog(a)
		if err != nil || !res.OK() {
			t.Fatalf("round %d: VerifyLog after new writes: %v %v", round, res, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// After the last round the parent's writes must be there after a clean
	// close and reopen too.
	checkCrashedStore(t, crashRounds+1, dir, key, plan, loaded, extra, refusals)
}

// checkCrashedStore opens the database and checks it whole: returns how
// many planned users have a code (a prefix of plan, at least atLeast).
func checkCrashedStore(t *testing.T, round int, dir string, key []byte, plan []store.BulkCode, atLeast int, extra map[int]store.CodeOptions, refusals int) int {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("round %d: %s", round, fmt.Sprintf(format, args...))
	}
	s, err := store.Open(store.Config{Dir: dir, Key: key})
	if err != nil {
		fail("reopen after the kill: %v", err)
	}
	defer s.Close()
	a, err := s.Actor("admin", "crash-test")
	if err != nil {
		fail("%v", err)
	}
	p, err := s.FindPanel(a, crashPanelName)
	if err != nil {
		fail("panel: %v", err)
	}
	users, err := s.ListUsers(a, p.ID)
	if err != nil {
		fail("ListUsers: %v", err)
	}
	if len(users) != crashSlots {
		fail("ListUsers returned %d slots, want %d", len(users), crashSlots)
	}
	jobs, err := s.ListJobs(a, store.JobFilter{Panel: p.ID})
	if err != nil {
		fail("ListJobs: %v", err)
	}
	// The outbox's counts, kept in memory, are counted afresh at Open:
	// after the kill they are the jobs the database holds.
	pending := 0
	for _, j := range jobs {
		if j.State == store.JobPending {
			pending++
		}
	}
	if c, err := s.SyncCounts(a, 0); err != nil || c.Pending != pending || c.Failed != 0 {
		fail("SyncCounts after the kill: %+v (%v), but %d jobs pending", c, err, pending)
	}
	entries, err := s.ListLog(a, store.LogFilter{})
	if err != nil {
		fail("ListLog: %v", err)
	}

	// The planned users with a code must be a prefix of the plan: chunks
	// commit in order, and the parent's own writes continue the prefix.
	n := 0
	for n < len(plan) && users[plan[n].Slot-1].CodeSet {
		n++
	}
	for _, it := range plan[n:] {
		if u := users[it.Slot-1]; u.CodeSet || u.Sync.Job != 0 || !u.Updated.IsZero() {
			fail("slot %d is written (%v) but slot %d before it has no code: a chunk was committed in part or out of order", it.Slot, u, plan[n].Slot)
		}
	}
	if n < atLeast {
		fail("only %d planned users have a code, but %d were committed before", n, atLeast)
	}
	want := make(map[int]store.CodeOptions, n+len(extra))
	for _, it := range plan[:n] {
		want[it.Slot] = it.CodeOptions
	}
	for slot, o := range extra {
		want[slot] = o
	}

	jobBySeq := make(map[uint64]store.Job, len(jobs))
	pendingSetCode := 0
	for _, j := range jobs {
		jobBySeq[j.Seq] = j
		if j.Op == store.OpSetCode && j.State == store.JobPending {
			pendingSetCode++
		}
	}
	entryBySeq := make(map[uint64]store.Entry, len(entries))
	okSetCode := 0
	logSlots := map[int]int{}
	for _, e := range entries {
		entryBySeq[e.Seq] = e
		if e.Action == "user.set-code" && e.Result == "ok" {
			okSetCode++
			logSlots[e.Slot]++
		}
	}

	// Every user with a code is whole and matches what was asked, with its
	// pending job and its log entry.
	withCode := 0
	fam, _ := family.Lookup("generic")
	for _, u := range users {
		o, planned := want[u.Slot]
		if !u.CodeSet {
			if planned {
				fail("slot %d should have a code: %v", u.Slot, u)
			}
			continue
		}
		withCode++
		if !planned {
			fail("slot %d has a code nobody set: %v", u.Slot, u)
		}
		wantRole, wantParts := family.RoleUser, o.Partitions
		if wantParts == 0 {
			wantParts = store.PartitionSet(0).With(1)
		}
		if u.Slot == fam.MasterSlot {
			wantRole, wantParts = family.RoleMaster, store.AllPartitions(fam.Partitions)
		}
		wantLabel := "User " + strconv.Itoa(u.Slot)
		if o.Label != "" {
			wantLabel = o.Label
		}
		switch {
		case u.Role != wantRole:
			fail("slot %d role %q, want %q", u.Slot, u.Role, wantRole)
		case u.Partitions != wantParts:
			fail("slot %d partitions %v, want %v", u.Slot, u.Partitions, wantParts)
		case u.DisplayLabel() != wantLabel:
			fail("slot %d label %q, want %q", u.Slot, u.DisplayLabel(), wantLabel)
		case u.Sync.State != store.SyncPending || u.Sync.Job == 0:
			fail("slot %d sync %v, want pending with a job", u.Slot, u.Sync)
		case u.Updated.IsZero():
			fail("slot %d has no Updated time", u.Slot)
		}
		j, ok := jobBySeq[u.Sync.Job]
		if !ok || j.Op != store.OpSetCode || j.Slot != u.Slot || j.State != store.JobPending || j.Role != wantRole || j.Partitions != wantParts {
			fail("slot %d: its job %d is missing or wrong: %v (found %v)", u.Slot, u.Sync.Job, j, ok)
		}
		e, ok := entryBySeq[j.Log]
		if !ok || e.Action != "user.set-code" || e.Result != "ok" || e.Slot != u.Slot || e.Panel != p.ID {
			fail("slot %d: job %d points at log entry %d, which is missing or about something else: %+v", u.Slot, j.Seq, j.Log, e)
		}
		if logSlots[u.Slot] != 1 {
			fail("slot %d has %d ok set-code log entries, want 1", u.Slot, logSlots[u.Slot])
		}
	}
	if withCode != n+len(extra) {
		fail("%d users with a code, want %d planned + %d extra", withCode, n, len(extra))
	}
	if withCode != okSetCode || withCode != pendingSetCode || withCode != p.CodesSet {
		fail("users with a code %d, ok user.set-code log entries %d, pending set-code jobs %d, panel CodesSet %d: they must all be equal",
			withCode, okSetCode, pendingSetCode, p.CodesSet)
	}
	if len(jobs) != pendingSetCode {
		fail("%d jobs for the panel, want %d pending set-code jobs only", len(jobs), pendingSetCode)
	}

	res, err := s.VerifyLog(a)
	if err != nil || !res.OK() {
		fail("VerifyLog: %v %v", res, err)
	}
	// panel.add + one entry per user + the logged refusals: nothing else.
	if wantEntries := uint64(1 + withCode + refusals); res.Entries != wantEntries || len(entries) != int(wantEntries) {
		fail("log has %d entries (%d listed), want %d", res.Entries, len(entries), wantEntries)
	}
	return n
}
