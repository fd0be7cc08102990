package store

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// asEarlierBuild rewrites the outbox as a build before schema 3 kept it
// (outbox_upgrade.go): every job in JSON at outbox/<seq>, each state index
// entry holding only its job's panel, and the schema at version.
func asEarlierBuild(t testing.TB, db *badger.DB, version string) {
	t.Helper()
	var jobs []Job
	err := db.View(func(txn *badger.Txn) error {
		return scanJobRecords(txn, func(v []byte) error {
			var j Job
			err := decodeJob(v, &j)
			jobs = append(jobs, j)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	for _, j := range jobs {
		b, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		err = wb.Set(jobKey(j.Seq), b)
		if idx := jobIndex(j); idx != "" && err == nil {
			err = wb.Set(jobStateKey(idx, j.Seq), u64(j.Panel))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(wb.Set(kSchemaV, []byte(version)), wb.Flush()); err != nil {
		t.Fatal(err)
	}
}

// newDiskFx opens an encrypted store on disk, on a fixed clock; the test
// closes it.
func newDiskFx(t *testing.T) (f *fx, dir, keyFile string, key []byte) {
	t.Helper()
	keyFile = filepath.Join(t.TempDir(), "guardroom.key")
	key, err := CreateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	dir, clk := t.TempDir(), newFxClock()
	s, err := Open(Config{Dir: dir, Key: key, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return fxWrap(t, s, clk), dir, keyFile, key
}

// fxEveryJobState leaves jobs in every state: pending, done, failed,
// retrying, cancelled, waiting for keypad steps, and mail pending and sent.
func fxEveryJobState(f *fx) {
	f.t.Helper()
	sys := f.s.Internal("t")
	f.account("a@example.com")
	f.account("b@example.com")
	p := f.panel("neo-hs2064", codeLength(8))
	for slot := 1; slot <= 6; slot++ {
		f.setCode(p, slot, countCode(slot))
	}
	due := mustGet(f.s.DueJobs(sys, 0))
	if len(due) != 8 || due[0].Kind != JobMail || due[2].Kind != JobDevice {
		f.t.Fatalf("due: %v", due)
	}
	results := []JobResult{
		{Driver: "smtp"}, // a's mail: sent
		{},               // b's: pending
		{Driver: "sim", Verified: true},
		{Driver: "sim", Err: "slot locked", Permanent: true},
		{Driver: "sim", Err: "no answer"},
	}
	for i, r := range results {
		if r.Driver != "" {
			fxWant(f.t, f.s.FinishJob(sys, due[i].Seq, r), nil)
		}
	}
	fxWant(f.t, f.s.ParkJob(sys, due[5].Seq, []string{"*5", "1234"}, "guided"), nil)
	fxWant(f.t, f.s.CancelJob(f.admin, due[6].Seq), nil)
}

// sameJobs fails unless got and want are the same jobs, times compared as
// instants (a record read back is in local time).
func sameJobs(t testing.TB, got, want []Job) {
	t.Helper()
	norm := func(js []Job) []Job {
		out := make([]Job, len(js))
		for i, j := range js {
			j.Created, j.NextTry = j.Created.UTC(), j.NextTry.UTC()
			out[i] = j
		}
		return out
	}
	if g, w := norm(got), norm(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("jobs:\n got %v\nwant %v", g, w)
	}
}

// jobPlaces counts, job by job, where the outbox keeps it: under its state
// index (its record there), or in the outbox with an index entry naming
// its panel (as before schema 3), or in the outbox alone (done or
// cancelled). A job in two places, or an index entry naming no job, fails.
func jobPlaces(t testing.TB, db *badger.DB) (indexed, old, finished int) {
	t.Helper()
	err := db.View(func(txn *badger.Txn) error {
		inOutbox := map[uint64]bool{}
		err := scan(txn, pOutbox, false, func(k, _ []byte) error {
			inOutbox[u64Of(k)] = true
			return nil
		})
		if err != nil {
			return err
		}
		finished = len(inOutbox)
		return scan(txn, pIdxJob, true, func(k, v []byte) error {
			seq := u64Of(k)
			switch {
			case len(v) == 8 && inOutbox[seq]:
				old++
				finished--
			case len(v) == 8:
				t.Errorf("index entry %q names job %d, which is nowhere", k, seq)
			case inOutbox[seq]:
				t.Errorf("job %d is both under its index and in the outbox", seq)
			default:
				if _, ok := jobPanel(v); !ok {
					t.Errorf("job %d under its index is no binary record: %q", seq, v)
				}
				indexed++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return indexed, old, finished
}

func u64Of(k []byte) uint64 { return binary.BigEndian.Uint64(k[len(k)-8:]) }

func schemaOf(t testing.TB, db *badger.DB) string {
	t.Helper()
	var v []byte
	err := db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(kSchemaV)
		if err == nil {
			v, err = item.ValueCopy(nil)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// TestUpgradeJobs: a database whose outbox an earlier build wrote (every
// job in the outbox, the index naming panels) has its jobs still to be
// done moved under their index when it is opened, from schema 2 and from
// schema 1 (whose apartment upgrade runs first): the jobs, their secrets,
// the counts and what the dispatcher is given are as before, and opening
// it again changes nothing.
func TestUpgradeJobs(t *testing.T) {
	for _, from := range []string{"2", "1"} {
		t.Run("schema "+from, func(t *testing.T) {
			f := newFx(t)
			fxEveryJobState(f)
			sys := f.s.Internal("t")
			want, wantDue := f.rawJobs(), mustGet(f.s.DueJobs(sys, 0))
			wantCounts := mustGet(f.s.SyncCounts(f.admin, 0))
			live, _, done := jobPlaces(t, f.s.db)

			asEarlierBuild(t, f.s.db, from)
			if n, old, _ := jobPlaces(t, f.s.db); n != 0 || old != live {
				t.Fatalf("the earlier build's outbox: %d jobs under their index, %d named by it; want 0, %d", n, old, live)
			}
			for round := range 2 {
				if err := f.s.load(nil); err != nil {
					t.Fatal(err)
				}
				if n, old, fin := jobPlaces(t, f.s.db); n != live || old != 0 || fin != done {
					t.Fatalf("open %d: %d jobs under their index, %d named by it, %d finished; want %d, 0, %d", round+1, n, old, fin, live, done)
				}
				if v := schemaOf(t, f.s.db); v != "3" {
					t.Fatalf("open %d: schema %q", round+1, v)
				}
				sameJobs(t, f.rawJobs(), want)
				sameJobs(t, mustGet(f.s.DueJobs(sys, 0)), wantDue)
				if c, scanned := mustGet(f.s.SyncCounts(f.admin, 0)), mustGet(scannedSyncCounts(f.s, f.admin, 0)); c != wantCounts || scanned != wantCounts {
					t.Fatalf("open %d: counts %+v, scanned %+v; want %+v", round+1, c, scanned, wantCounts)
				}
			}
		})
	}
}

// The crash test of the upgrade: a child (this test binary re-executed)
// opens a database an earlier build wrote, with a bulk load's jobs
// pending, and stops inside the upgrade after a transaction's progress
// (reading its stdin, which never comes) until it is killed. Each kill
// leaves every job in one place, old or new; the next Open finishes.
const (
	upgradeEnvDir = "GUARDROOM_UPGRADE_CRASH_DIR"
	upgradeEnvKey = "GUARDROOM_UPGRADE_CRASH_KEY"
)

// TestUpgradeJobsCrashChild is the child side of TestUpgradeJobsCrash; it
// does nothing unless started by it.
func TestUpgradeJobsCrashChild(t *testing.T) {
	dir := os.Getenv(upgradeEnvDir)
	if dir == "" {
		t.Skip("helper process for TestUpgradeJobsCrash; runs only when started by it")
	}
	key, err := ReadKey(os.Getenv(upgradeEnvKey))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(Config{Dir: dir, Key: key, Progress: func(_ string, done, total int) {
		fmt.Printf("moved %d %d\n", done, total)
		os.Stdin.Read(make([]byte, 1)) // held here until killed
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	fmt.Println("upgrade-finished")
}

func TestUpgradeJobsCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	f, dir, keyFile, key := newDiskFx(t)
	s, clk := f.s, f.clk
	fxEveryJobState(f)
	// Enough pending jobs for three upgrade transactions.
	p := f.panel("generic", func(np *NewPanel) { np.Slots, np.CodeLength = 9000, 8 })
	items := make([]BulkCode, 8000)
	for i := range items {
		items[i] = BulkCode{Slot: i + 1, Code: countCode(100 + i)}
	}
	fxWant(t, s.BulkSetCodes(f.admin, p.ID, items, nil), nil)
	want := f.rawJobs()
	wantCounts := mustGet(s.SyncCounts(f.admin, 0))
	live, _, done := jobPlaces(t, s.db)
	asEarlierBuild(t, s.db, "2")
	fxWant(t, s.Close(), nil)

	moved := 0
	for round := 1; round <= 2; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUpgradeJobsCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), upgradeEnvDir+"="+dir, upgradeEnvKey+"="+keyFile)
		hold, err := cmd.StdinPipe() // never written: the child waits on it
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		var n, total int
		if _, serr := fmt.Sscanf(line, "moved %d %d", &n, &total); err != nil || serr != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: the child said %q (%v) instead of its progress", round, line, err)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		hold.Close()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: the child was not killed", round)
		}
		if n == 0 || n >= total || total != live-moved {
			t.Fatalf("round %d: killed after %d of %d jobs moved; want a part of %d", round, n, total, live-moved)
		}
		moved += n
		// What the kill left: each job in one place, as many moved as the
		// child said, the schema still the earlier build's.
		db, err := badger.Open(Options(dir, key))
		if err != nil {
			t.Fatal(err)
		}
		indexed, old, fin := jobPlaces(t, db)
		v := schemaOf(t, db)
		fxWant(t, db.Close(), nil)
		if indexed != moved || old != live-moved || fin != done || v != "2" {
			t.Fatalf("round %d: %d jobs under their index, %d as before, %d finished, schema %q; want %d, %d, %d, 2",
				round, indexed, old, fin, v, moved, live-moved, done)
		}
	}

	s, err := Open(Config{Dir: dir, Key: key, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f = fxWrap(t, s, clk)
	if indexed, old, fin := jobPlaces(t, s.db); indexed != live || old != 0 || fin != done {
		t.Fatalf("after the last open: %d jobs under their index, %d as before, %d finished; want %d, 0, %d", indexed, old, fin, live, done)
	}
	if v := schemaOf(t, s.db); v != strconv.Itoa(schemaJobsInIndex) {
		t.Fatalf("schema %q", v)
	}
	sameJobs(t, f.rawJobs(), want)
	if c := mustGet(s.SyncCounts(f.admin, 0)); c != wantCounts {
		t.Fatalf("counts %+v, want %+v", c, wantCounts)
	}
}
