package dispatch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// The child half of TestKillDuringDrain: it drains the outbox of the store
// in $GUARDROOM_KILL_DIR slowly, until the parent kills it.
func init() {
	dir := os.Getenv("GUARDROOM_KILL_DIR")
	if dir == "" {
		return
	}
	s, err := store.Open(store.Config{Dir: filepath.Join(dir, "data"), Key: killKey()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	// Jobs of 2 ms each, recorded as they gather while the previous
	// commit runs, so that the kills land in the middle of runs as well
	// as between them.
	open, hold := slowSim, false
	if after, err := strconv.Atoi(os.Getenv("GUARDROOM_KILL_AFTER")); err == nil {
		// TestKillMidRun: no run is ever recorded (the first commit
		// never ends) and the process dies right after the after-th code
		// was written.
		hold = true
		open = func(name string, cfg drivers.Config) (drivers.Panel, error) {
			p, err := drivers.Open(name, cfg)
			return &killAfter{Panel: p, left: after}, err
		}
	}
	d := New(s, Options{Open: open})
	if hold {
		d.beforeCommit = func() { select {} }
	}
	fmt.Println("draining")
	d.Drain(context.Background())
	fmt.Println("drained")
	os.Exit(0)
}

func killKey() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(3*i + 1)
	}
	return k
}

// slowSim opens the sim driver and slows it, so the kill lands mid-drain.
func slowSim(name string, cfg drivers.Config) (drivers.Panel, error) {
	p, err := drivers.Open(name, cfg)
	if sp, ok := p.(*sim.Panel); ok {
		sp.SetSlow(2 * time.Millisecond)
	}
	return p, err
}

// TestKillDuringDrain kills a dispatcher with SIGKILL at several moments
// while it programs a panel, restarts, and checks that the panel ends with
// exactly what guardroom holds: no job lost, none applied out of order,
// none finished twice.
func TestKillDuringDrain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir, state, s, admin, p := killSite(t, 77, "")
	want := map[int]string{}
	for slot := 2; slot <= 81; slot++ {
		code := fmt.Sprintf("%04d", 1000+slot*37%8000)
		if family.Trivial(code) {
			continue
		}
		if err := s.SetCode(admin, p.ID, slot, code, store.CodeOptions{}); err != nil {
			t.Fatal(err)
		}
		want[slot] = code
	}
	// Later changes to the same slots: order matters.
	edits := 0
	for slot := 2; slot <= 81; slot += 3 {
		code := fmt.Sprintf("%04d", 9100+slot*7)
		if _, ok := want[slot]; !ok || family.Trivial(code) {
			continue
		}
		edits++
		if err := s.EditCode(admin, p.ID, slot, code); err != nil {
			t.Fatal(err)
		}
		want[slot] = code
	}
	jobs := len(want) + edits
	s.Close()

	midway := false
	for round, after := range []time.Duration{150 * time.Millisecond, 80 * time.Millisecond, 200 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "GUARDROOM_KILL_DIR="+dir)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 9)
		out.Read(buf) // "draining": the store is open
		time.Sleep(after)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		n := countApplied(t, dir)
		t.Logf("round %d: killed after %v, %d of %d jobs applied", round, after, n, jobs)
		if n > 0 && n < jobs {
			midway = true
		}
	}
	if !midway {
		t.Fatal("no kill landed in the middle of the drain: the test proved nothing (slow the sim down or kill sooner)")
	}

	s, err := store.Open(store.Config{Dir: filepath.Join(dir, "data"), Key: killKey()})
	if err != nil {
		t.Fatalf("reopen after the kills: %v", err)
	}
	defer s.Close()
	admin, _ = s.Actor("admin", "test")
	if res, err := s.VerifyLog(admin); err != nil || !res.OK() {
		t.Fatalf("log after the kills: %v %v", res, err)
	}
	d := New(s, Options{})
	defer d.Close()
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, _ := s.SyncCounts(admin, 0)
	if c != (store.SyncCounts{}) {
		t.Fatalf("after the restart: %+v", c)
	}
	dev := sim.Device(state)
	for slot, code := range want {
		u, err := dev.ReadUser(context.Background(), slot)
		if err != nil || !u.CodeSet || u.CodeCheck != drivers.CodeCheck(slot, code) {
			t.Errorf("slot %d does not hold its last code (%v)", slot, err)
		}
	}
	applied := map[string]int{}
	entries, _ := s.ListLog(admin, store.LogFilter{Action: "device.apply"})
	for _, e := range entries {
		applied[e.After["job"]]++
	}
	if len(applied) != jobs {
		t.Errorf("%d jobs logged as applied, want %d", len(applied), jobs)
	}
	for job, n := range applied {
		if n != 1 {
			t.Errorf("job %s finished %d times", job, n)
		}
	}
	if err := d.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.SyncCounts(admin, 0); c.Drift != 0 {
		t.Errorf("the panel drifts from guardroom after the kills: %+v", c)
	}
}

// countApplied opens the killed child's store and counts the jobs it
// finished.
func countApplied(t *testing.T, dir string) int {
	t.Helper()
	s, err := store.Open(store.Config{Dir: filepath.Join(dir, "data"), Key: killKey()})
	if err != nil {
		t.Fatalf("reopen after a kill: %v", err)
	}
	defer s.Close()
	admin, _ := s.Actor("admin", "test")
	entries, err := s.ListLog(admin, store.LogFilter{Action: "device.apply"})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// killAfter is a driver that kills its process with SIGKILL right after
// its left-th code was written: the device took it, the store has not
// recorded it.
type killAfter struct {
	drivers.Panel
	left int
}

func (k *killAfter) SetCode(ctx context.Context, u drivers.User, code string) error {
	err := k.Panel.SetCode(ctx, u, code)
	if k.left--; err == nil && k.left == 0 {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	return err
}

// TestKillMidRun kills the dispatcher after it wrote codes to the panel
// and read them back, but before it recorded the run they belong to
// (store.FinishJobs): every job of the run must still be pending, none
// done without having been written; the restart sends them again (the
// same codes, so the panel ends the same) and finishes each once.
func TestKillMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir, state, s, admin, p := killSite(t, 78, "#mid")
	var items []store.BulkCode
	for slot := 2; slot <= 41; slot++ {
		if code := fmt.Sprintf("%04d", 1000+slot*37%8000); !family.Trivial(code) {
			items = append(items, store.BulkCode{Slot: slot, Code: code})
		}
	}
	if err := s.BulkSetCodes(admin, p.ID, items, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()

	const after = 25
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GUARDROOM_KILL_DIR="+dir, fmt.Sprintf("GUARDROOM_KILL_AFTER=%d", after))
	out, err := cmd.CombinedOutput()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed mid-run: %v\n%s", err, out)
	}
	// The panel as the child left it: its state file.
	drv, err := drivers.Open("sim", drivers.Config{Address: state + "#mid", Family: "neo-hs2064", Options: map[string]string{"state": state}})
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	dev := drv.(*sim.Panel)
	written := 0
	for _, it := range items {
		if u, err := dev.ReadUser(context.Background(), it.Slot); err == nil && u.CodeSet {
			written++
		}
	}
	if written != after {
		t.Fatalf("the panel holds %d codes, want %d", written, after)
	}

	s, err = store.Open(store.Config{Dir: filepath.Join(dir, "data"), Key: killKey()})
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer s.Close()
	admin, _ = s.Actor("admin", "test")
	if done, err := s.ListLog(admin, store.LogFilter{Action: "device.apply"}); err != nil || len(done) != 0 {
		t.Errorf("%d jobs finished before the run was recorded (%v), want 0", len(done), err)
	}
	for _, it := range items {
		if u, err := s.GetUser(admin, p.ID, it.Slot); err != nil || u.Sync.State != store.SyncPending {
			t.Errorf("slot %d after the kill: %v %v, want pending", it.Slot, u.Sync, err)
		}
	}
	if res, err := s.VerifyLog(admin); err != nil || !res.OK() {
		t.Fatalf("log after the kill: %v %v", res, err)
	}
	d := New(s, Options{})
	defer d.Close()
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.SyncCounts(admin, 0); c != (store.SyncCounts{}) {
		t.Fatalf("after the restart: %+v", c)
	}
	applied := map[string]int{}
	entries, _ := s.ListLog(admin, store.LogFilter{Action: "device.apply"})
	for _, e := range entries {
		applied[e.After["job"]]++
	}
	if len(applied) != len(items) || len(entries) != len(items) {
		t.Errorf("%d entries for %d jobs logged as applied, want %d each once", len(entries), len(applied), len(items))
	}
	for _, it := range items {
		u, err := dev.ReadUser(context.Background(), it.Slot)
		if err != nil || !u.CodeSet || u.CodeCheck != drivers.CodeCheck(it.Slot, it.Code) {
			t.Errorf("slot %d does not hold its code (%v)", it.Slot, err)
		}
	}
}

// killSite makes a store in a fresh directory with one sim panel whose
// state file is dir/panel.json, its address marked with mark (the child
// reads what to do from it).
func killSite(t *testing.T, imei int, mark string) (dir, state string, s *store.Store, admin store.Actor, p store.Panel) {
	t.Helper()
	dir = t.TempDir()
	state = filepath.Join(dir, "panel.json")
	s, err := store.Open(store.Config{Dir: filepath.Join(dir, "data"), Key: killKey()})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ = s.Actor("admin", "test")
	p, err = s.AddPanel(admin, store.NewPanel{Name: "Kill", Unit: store.RootUnit, Family: "neo-hs2064", IMEI: imeiFor(imei),
		Driver: "sim", Address: state + mark, Options: map[string]string{"state": state}})
	if err != nil {
		t.Fatal(err)
	}
	return dir, state, s, admin, p
}
