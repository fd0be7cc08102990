package store_test

// Event crash test (issue 18): a child process reports bursts of events
// into a real on-disk encrypted store, printing after each committed
// batch the last device sequence number it would acknowledge to the
// device, and is killed with SIGKILL part-way through. The parent then
// reopens the database: every event the child acknowledged is there, in
// order, once, and the journal's chain verifies. The same database is
// killed eventCrashRounds times.

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

const (
	eventCrashDir    = "GUARDROOM_EVENT_CRASH_DIR"
	eventCrashKey    = "GUARDROOM_EVENT_CRASH_KEY_FILE"
	eventCrashRounds = 3
	eventCrashBatch  = 50
)

// TestEventCrashChild is the child side of TestEventCrash; it does nothing
// unless started by it.
func TestEventCrashChild(t *testing.T) {
	s, a, _ := openCrashChild(t, eventCrashDir, eventCrashKey, "")
	p, err := s.FindPanel(a, crashPanelName)
	if err != nil {
		p, err = s.AddPanel(a, store.NewPanel{Name: crashPanelName, Unit: store.RootUnit, Family: "neo-hs2064", IMEI: perfIMEI(1)})
	}
	if err != nil {
		t.Fatal(err)
	}
	// Go on from the device's last event the journal holds, as a device
	// resends what was never acknowledged.
	var next uint64 = 1
	if last, err := s.ListEvents(a, store.EventFilter{Limit: 1}); err != nil {
		t.Fatal(err)
	} else if len(last) == 1 {
		next = last[0].DeviceSeq + 1
	}
	sys := s.Internal("dispatcher")
	for range 10_000 {
		batch := make([]store.EventReport, eventCrashBatch)
		for i := range batch {
			batch[i] = store.EventReport{Kind: store.EventTrouble, Partition: 1, Zone: int(next)%32 + 1, DeviceSeq: next}
			if next%7 == 0 {
				batch[i].Kind = store.EventAlarm
			}
			next++
		}
		if err := s.ReportEvents(sys, p.ID, batch); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("event-acked %d\n", next-1)
	}
}

func TestEventCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test; skipped with -short")
	}
	root := t.TempDir()
	dir, keyFile := filepath.Join(root, "db"), filepath.Join(root, "data.key")
	key, err := store.CreateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var acked uint64
	for round := range eventCrashRounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEventCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), eventCrashDir+"="+dir, eventCrashKey+"="+keyFile)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a random number of acknowledged batches.
		want := 2 + rand.IntN(8)
		sc := bufio.NewScanner(out)
		seen := 0
		for seen < want && sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "event-acked" {
				n, err := strconv.ParseUint(f[1], 10, 64)
				if err != nil || n <= acked {
					t.Fatalf("round %d: child says %q after %d", round, sc.Text(), acked)
				}
				acked = n
				seen++
			}
		}
		if seen < want {
			cmd.Wait()
			t.Fatalf("round %d: the child stopped after %d batches: %s", round, seen, stderr.String())
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()

		s, err := store.Open(store.Config{Dir: dir, Key: key})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		a, err := s.Actor("admin", "crash-parent")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.ListEvents(a, store.EventFilter{After: 0, Limit: 0})
		if err != nil {
			t.Fatal(err)
		}
		// Newest first: the device numbers run down without a gap or a
		// repeat from the newest the journal holds, at least the last
		// acknowledged (a batch committed after it may be there too).
		if len(evs) == 0 || evs[0].DeviceSeq < acked || uint64(len(evs)) != evs[0].DeviceSeq {
			t.Fatalf("round %d: %d events, newest device number %d, last acknowledged %d", round, len(evs), evs[0].DeviceSeq, acked)
		}
		for i, e := range evs {
			if e.DeviceSeq != evs[0].DeviceSeq-uint64(i) {
				t.Fatalf("round %d: event %d has device number %d, want %d", round, e.Seq, e.DeviceSeq, evs[0].DeviceSeq-uint64(i))
			}
		}
		res, err := s.VerifyEvents(a)
		if err != nil || !res.OK() {
			t.Fatalf("round %d: %s %v", round, res, err)
		}
		acked = evs[0].DeviceSeq
		s.Close()
	}
}
