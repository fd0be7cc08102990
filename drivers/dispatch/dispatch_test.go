package dispatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// simSeq keeps sim addresses apart across tests and -count runs: the sim
// driver keeps its panels for the life of the process.
var simSeq atomic.Int64

// clock is a settable clock shared by the store and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fx struct {
	t     *testing.T
	s     *store.Store
	admin store.Actor
	clk   *clock
	dir   string
	key   []byte
	imei  int
}

func newFx(t *testing.T) *fx {
	t.Helper()
	f := &fx{t: t, clk: &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}, dir: t.TempDir(), key: make([]byte, 32)}
	for i := range f.key {
		f.key[i] = byte(i + 7)
	}
	f.open()
	return f
}

func (f *fx) open() {
	f.t.Helper()
	s, err := store.Open(store.Config{Dir: f.dir, Key: f.key, Now: f.clk.Now})
	if err != nil {
		f.t.Fatal(err)
	}
	f.s = s
	admin, err := s.Actor("admin", "test")
	if err != nil {
		f.t.Fatal(err)
	}
	f.admin = admin
	f.t.Cleanup(func() { s.Close() })
}

// imeiFor returns a valid (Luhn) IMEI for n.
func imeiFor(n int) string {
	base := fmt.Sprintf("35%012d", n)
	sum := 0
	for i := 0; i < 14; i++ {
		d := int(base[13-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return base + fmt.Sprint((10-sum%10)%10)
}

// panel adds a panel reached through the sim driver at a fresh address.
func (f *fx) panel(fam string) (store.Panel, *sim.Panel) {
	f.t.Helper()
	f.imei++
	addr := fmt.Sprintf("%s/%d", f.t.Name(), simSeq.Add(1))
	p, err := f.s.AddPanel(f.admin, store.NewPanel{Name: fmt.Sprintf("P%d", f.imei), Unit: store.RootUnit, Family: fam,
		IMEI: imeiFor(f.imei), Driver: "sim", Address: addr})
	if err != nil {
		f.t.Fatal(err)
	}
	dev, err := drivers.Open("sim", drivers.Config{Address: addr, Family: fam})
	if err != nil {
		f.t.Fatal(err)
	}
	return p, dev.(*sim.Panel)
}

func (f *fx) ok(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fx) user(p store.Panel, slot int) store.PanelUser {
	f.t.Helper()
	u, err := f.s.GetUser(f.admin, p.ID, slot)
	f.ok(err)
	return u
}

// codeOn asserts what a sim panel's slot holds.
func codeOn(t *testing.T, dev *sim.Panel, slot int, code, label string) {
	t.Helper()
	u, err := dev.ReadUser(context.Background(), slot)
	if err != nil {
		t.Fatal(err)
	}
	if code == "" {
		if u.CodeSet {
			t.Errorf("slot %d holds a code, want none", slot)
		}
		return
	}
	if !u.CodeSet || u.CodeCheck != drivers.CodeCheck(slot, code) || u.Label != label {
		t.Errorf("slot %d: code set %v, right code %v, label %q; want label %q", slot, u.CodeSet, u.CodeCheck == drivers.CodeCheck(slot, code), u.Label, label)
	}
}

func (f *fx) applies() []store.Entry {
	f.t.Helper()
	entries, err := f.s.ListLog(f.admin, store.LogFilter{})
	f.ok(err)
	var out []store.Entry
	for _, e := range slices.Backward(entries) { // oldest first
		if e.Action == "device.apply" || e.Action == "mail.send" {
			out = append(out, e)
		}
	}
	return out
}

func drain(t *testing.T, d *Dispatcher) {
	t.Helper()
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOfflineThenOnlineKeepsOrder(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2064")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{Label: "Ana"}))
	f.ok(f.s.SetCode(f.admin, p.ID, 3, "5937", store.CodeOptions{}))
	f.ok(f.s.EditCode(f.admin, p.ID, 2, "6150"))
	f.ok(f.s.SetLabel(f.admin, p.ID, 2, "Ana B"))
	f.ok(f.s.DisablePanelUser(f.admin, p.ID, 3))

	dev.SetOffline(true)
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	if u := f.user(p, 2); u.Sync.State != store.SyncPending || !strings.Contains(u.Sync.Reason, "offline") {
		t.Errorf("while offline: %v", u.Sync)
	}
	got, _ := f.s.GetPanel(f.admin, p.ID)
	if got.Conn.Online || !strings.Contains(got.Conn.LastError, "offline") {
		t.Errorf("connection while offline: %+v", got.Conn)
	}
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Pending != 5 {
		t.Errorf("while offline %+v, want 5 pending", c)
	}
	// Nothing is due before the back-off ends.
	drain(t, d)
	if len(f.applies()) != 0 {
		t.Fatal("jobs finished while the panel was offline")
	}

	dev.SetOffline(false)
	f.clk.Advance(10 * time.Minute)
	drain(t, d)
	if c, _ := f.s.SyncCounts(f.admin, 0); c != (store.SyncCounts{}) {
		t.Errorf("after the panel came back: %+v", c)
	}
	// In order: the edit after the first code, the label after the edit,
	// the clear after the set.
	codeOn(t, dev, 2, "6150", "Ana B")
	codeOn(t, dev, 3, "", "")
	for _, slot := range []int{2, 3} {
		if u := f.user(p, slot); u.Sync.State != store.SyncInSync {
			t.Errorf("user %d: %v", slot, u.Sync)
		}
	}
	applies := f.applies()
	if len(applies) != 5 {
		t.Fatalf("%d device.apply entries, want 5", len(applies))
	}
	for i, e := range applies {
		if e.After["driver"] != "sim" || e.After["transport"] != "in-process" || e.After["outcome"] != "verified" {
			t.Errorf("entry %d: %v", i, e.After)
		}
		if i > 0 && e.After["job"] <= applies[i-1].After["job"] {
			t.Errorf("jobs applied out of order: %s after %s", e.After["job"], applies[i-1].After["job"])
		}
	}
	got, _ = f.s.GetPanel(f.admin, p.ID)
	if !got.Conn.Online {
		t.Errorf("connection after: %+v", got.Conn)
	}
	if u := f.user(p, 2); u.DevSerial == 0 {
		t.Error("the code serial was not kept after a verified write")
	}
}

func TestRestartResumesPendingJobs(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2016")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	f.ok(f.s.SetCode(f.admin, p.ID, 3, "5937", store.CodeOptions{}))
	dev.SetOffline(true)
	d := New(f.s, Options{})
	drain(t, d)
	d.Close()
	f.ok(f.s.Close())

	f.open()
	dev.SetOffline(false)
	f.clk.Advance(10 * time.Minute)
	d = New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	codeOn(t, dev, 2, "4829", "User 2")
	codeOn(t, dev, 3, "5937", "User 3")
	if n := len(f.applies()); n != 2 {
		t.Errorf("%d jobs applied after the restart, want 2", n)
	}
}

func TestPermanentRefusal(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2016")
	// Someone gave slot 9 the code at the keypad: the panel refuses it as a
	// duplicate, and the device's reason reaches the row.
	f.ok(dev.ChangeAtKeypad(9, "4829"))
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	f.ok(f.s.SetCode(f.admin, p.ID, 3, "5937", store.CodeOptions{}))
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	u := f.user(p, 2)
	if u.Sync.State != store.SyncFailed || u.Sync.Reason == "" {
		t.Fatalf("refused user: %v", u.Sync)
	}
	// The refusal does not hold the panel's other jobs back.
	codeOn(t, dev, 3, "5937", "User 3")
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Failed != 1 || c.Pending != 0 {
		t.Errorf("counts %+v", c)
	}
	e := f.applies()[0]
	if !strings.HasPrefix(e.Result, "failed: ") || e.After["outcome"] != "failed" {
		t.Errorf("log of the refusal: %+v", e)
	}
	// The panel answered: it is online.
	if got, _ := f.s.GetPanel(f.admin, p.ID); !got.Conn.Online {
		t.Errorf("connection %+v", got.Conn)
	}
	// Clear the keypad's duplicate, retry: it goes through.
	f.ok(dev.ClearAtKeypad(9))
	f.ok(f.s.RetryJob(f.admin, u.Sync.Job))
	drain(t, d)
	codeOn(t, dev, 2, "4829", "User 2")
}

func TestTransientErrorsRetryWithBackoff(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2016")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	dev.FailNext(2, drivers.ErrTimeout)
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	f.clk.Advance(time.Second) // within the first back-off (2 s ± 20%)
	drain(t, d)
	if u := f.user(p, 2); u.Sync.State != store.SyncPending {
		t.Fatalf("retried too early: %v", u.Sync)
	}
	f.clk.Advance(10 * time.Second)
	drain(t, d)
	f.clk.Advance(10 * time.Second)
	drain(t, d)
	if u := f.user(p, 2); u.Sync.State != store.SyncInSync {
		t.Fatalf("after two timeouts and the back-off: %v", u.Sync)
	}
	codeOn(t, dev, 2, "4829", "User 2")
}

// armed2 makes a panel of family fam whose partition 2 the dispatcher
// has armed away.
func (f *fx) armed2(t *testing.T, fam string) (store.Panel, *sim.Panel, *Dispatcher) {
	p, dev := f.panel(fam)
	f.ok(f.s.Arm(f.admin, p.ID, 2, store.ArmAway))
	d := New(f.s, Options{})
	t.Cleanup(func() { d.Close() })
	drain(t, d)
	return p, dev, d
}

func TestArmDisarmThroughDriver(t *testing.T) {
	f := newFx(t)
	p, dev, d := f.armed2(t, "neo-hs2032")
	parts, _ := f.s.ListPartitions(f.admin, p.ID)
	if parts[1].State != store.ArmedAway || parts[1].Sync.State != store.SyncInSync {
		t.Errorf("partition 2 after arming: %+v", parts[1])
	}
	if snap := dev.Snapshot(); snap.Partitions[1].State != family.ArmedAway {
		t.Errorf("the panel's partition 2 is %s", snap.Partitions[1].State)
	}
	// A disarm that cannot reach the panel in time is dropped, never applied
	// late.
	f.ok(f.s.Disarm(f.admin, p.ID, 2))
	dev.SetOffline(true)
	drain(t, d)
	f.clk.Advance(store.ArmTimeout + time.Minute)
	dev.SetOffline(false)
	drain(t, d)
	if snap := dev.Snapshot(); snap.Partitions[1].State != family.ArmedAway {
		t.Errorf("a stale disarm reached the panel: %s", snap.Partitions[1].State)
	}
	parts, _ = f.s.ListPartitions(f.admin, p.ID)
	if parts[1].Sync.State != store.SyncFailed || parts[1].Sync.Reason != store.StaleReason {
		t.Errorf("stale disarm: %+v", parts[1].Sync)
	}
}

func TestPollFindsDriftAndPartitionStates(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2016")
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	f.ok(f.s.SetCode(f.admin, p.ID, 3, "5937", store.CodeOptions{}))
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	f.ok(d.Poll(context.Background()))
	if c, _ := f.s.SyncCounts(f.admin, 0); c != (store.SyncCounts{}) {
		t.Fatalf("a panel in sync shows %+v", c)
	}
	f.ok(dev.ChangeAtKeypad(2, "7314"))
	f.ok(dev.ClearAtKeypad(3))
	f.ok(dev.SetPartitionState(1, family.Alarm))
	f.ok(d.Poll(context.Background()))
	if u := f.user(p, 2); u.Sync.State != store.SyncDrift || u.Sync.Reason != "code changed at the panel" {
		t.Errorf("user 2: %v", u.Sync)
	}
	if u := f.user(p, 3); u.Sync.State != store.SyncDrift || u.Sync.Reason != "code cleared at the panel" {
		t.Errorf("user 3: %v", u.Sync)
	}
	parts, _ := f.s.ListPartitions(f.admin, p.ID)
	if parts[0].State != store.Alarm {
		t.Errorf("partition 1 is %s, want alarm", parts[0].State)
	}
	// Accept the change at the keypad, set a new code for user 3: both
	// settle at the next poll.
	f.ok(f.s.ResolveDrift(f.admin, p.ID, 2, store.AcceptPanel))
	f.ok(f.s.EditCode(f.admin, p.ID, 3, "8046"))
	drain(t, d)
	f.ok(d.Poll(context.Background()))
	if c, _ := f.s.SyncCounts(f.admin, 0); c != (store.SyncCounts{}) {
		t.Errorf("after resolving: %+v", c)
	}
	codeOn(t, dev, 3, "8046", "User 3")
}

// guide is a driver that needs a person for everything.
type guide struct{ drivers.Panel }

func (guide) Capabilities() drivers.Capabilities { return drivers.Capabilities{Users: true} }
func (guide) SetCode(context.Context, drivers.User, string) error {
	return &drivers.Guidance{Steps: []string{"Press [*] [5]", "Enter the master code", "Enter 02", "Enter the new code", "Press [#]"}}
}
func (guide) Close() error { return nil }

func TestGuidedJobsWaitForTheOperator(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("dsc-pc1864")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "guided"}))
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	f.ok(f.s.SetCode(f.admin, p.ID, 3, "5937", store.CodeOptions{}))
	d := New(f.s, Options{Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
		if name != "guided" {
			return nil, errors.New("unexpected driver " + name)
		}
		return guide{}, nil
	}})
	defer d.Close()
	drain(t, d)
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Keypad != 2 || c.Pending != 0 {
		t.Fatalf("counts %+v", c)
	}
	u := f.user(p, 2)
	j, err := f.s.GetJob(f.admin, u.Sync.Job)
	if err != nil || len(j.Steps) != 5 || u.Sync.State != store.SyncKeypad {
		t.Fatalf("job %+v, user %v, %v", j, u.Sync, err)
	}
	f.ok(f.s.ConfirmJob(f.admin, j.Seq))
	if u := f.user(p, 2); u.Sync.State != store.SyncUnverified {
		t.Errorf("confirmed: %v", u.Sync)
	}
	// A second drain neither re-applies nor re-parks anything.
	drain(t, d)
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Keypad != 1 {
		t.Errorf("counts after confirm %+v", c)
	}
}

func TestDriverThatCannotOpen(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("neo-hs2016")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "nosuch", Address: "x"}))
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	d := New(f.s, Options{})
	defer d.Close()
	drain(t, d)
	u := f.user(p, 2)
	if u.Sync.State != store.SyncPending || !strings.Contains(u.Sync.Reason, "cannot open the nosuch driver") {
		t.Errorf("user %v", u.Sync)
	}
	got, _ := f.s.GetPanel(f.admin, p.ID)
	if got.Conn.Online || !strings.Contains(got.Conn.LastError, "nosuch") {
		t.Errorf("connection %+v", got.Conn)
	}
}

func TestRunAppliesJobsAsTheyCome(t *testing.T) {
	f := newFx(t)
	p, dev := f.panel("neo-hs2016")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	d := New(f.s, Options{Tick: 10 * time.Millisecond, PollEvery: 20 * time.Millisecond})
	go func() { done <- d.Run(ctx) }()
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	deadline := time.Now().Add(10 * time.Second)
	for f.user(p, 2).Sync.State != store.SyncInSync {
		if time.Now().After(deadline) {
			t.Fatalf("the running dispatcher did not apply the job: %v", f.user(p, 2).Sync)
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.ok(dev.ClearAtKeypad(2))
	for f.user(p, 2).Sync.State != store.SyncDrift {
		if time.Now().After(deadline) {
			t.Fatalf("the running dispatcher did not poll: %v", f.user(p, 2).Sync)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// keyed is a driver that takes every code, and remembers the secrets it
// was opened with.
type keyed struct {
	drivers.Panel
	cfg drivers.Config
}

func (*keyed) Capabilities() drivers.Capabilities                  { return drivers.Capabilities{Users: true} }
func (*keyed) SetCode(context.Context, drivers.User, string) error { return nil }
func (*keyed) Close() error                                        { return nil }

func TestDriverGetsThePanelsSecrets(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("dsc-pc1864")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "keyed", Address: "10.0.0.9:4025"}))
	f.ok(f.s.SetPanelSecret(f.admin, p.ID, store.SecretPassword, "tpi-pass"))
	f.ok(f.s.SetPanelSecret(f.admin, p.ID, store.SecretMasterCode, "7351"))
	var opened []drivers.Config
	d := New(f.s, Options{Open: func(name string, cfg drivers.Config) (drivers.Panel, error) {
		opened = append(opened, cfg)
		return &keyed{cfg: cfg}, nil
	}})
	defer d.Close()
	f.ok(f.s.SetCode(f.admin, p.ID, 2, "4829", store.CodeOptions{}))
	drain(t, d)
	if len(opened) != 1 || opened[0].Password != "tpi-pass" || opened[0].MasterCode != "7351" || opened[0].ArmCode != "" {
		t.Fatalf("the driver was opened %d times, first with password %q, master %q, arm %q", len(opened), opened[0].Password, opened[0].MasterCode, opened[0].ArmCode)
	}
	// A changed secret opens the device again with the new one.
	f.ok(f.s.SetPanelSecret(f.admin, p.ID, store.SecretMasterCode, "8462"))
	f.ok(f.s.SetCode(f.admin, p.ID, 3, "5937", store.CodeOptions{}))
	drain(t, d)
	if len(opened) != 2 || opened[1].MasterCode != "8462" || opened[1].Password != "tpi-pass" {
		t.Fatalf("after the master code changed the driver was opened %d times (last with master %q)", len(opened), opened[len(opened)-1].MasterCode)
	}
	if u := f.user(p, 3); u.Sync.State != store.SyncUnverified {
		t.Errorf("user 3: %v", u.Sync)
	}
}

// coded is a driver that needs a code to arm and disarm, and records the
// codes it was given.
type coded struct {
	keyed
	mu    sync.Mutex
	codes []string
	state family.PartitionState
	delay bool // arming starts an exit delay
}

func (c *coded) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{Partitions: true, ArmDisarm: true}
}
func (c *coded) Arm(context.Context, int, drivers.ArmMode) error {
	return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "the panel asks for a code"}
}
func (c *coded) Disarm(context.Context, int) error {
	return &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: "the panel asks for a code"}
}
func (c *coded) ArmWithCode(_ context.Context, _ int, mode drivers.ArmMode, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.codes = append(c.codes, code)
	c.state = family.ArmedAway
	if mode == drivers.Stay {
		c.state = family.ArmedStay
	}
	if c.delay {
		c.state = family.ExitDelay
	}
	return nil
}
func (c *coded) DisarmWithCode(_ context.Context, _ int, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.codes = append(c.codes, code)
	c.state = family.Disarmed
	return nil
}
func (c *coded) ReadPartitions(context.Context) ([]drivers.Partition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return []drivers.Partition{{Number: 1, State: c.state}, {Number: 2, State: family.Disarmed}}, nil
}

func TestTypedCodeReachesTheDriver(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("dsc-pc1616")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "coded", Address: "10.0.0.9:4025"}))
	drv := &coded{state: family.Disarmed}
	d := New(f.s, Options{Open: func(string, drivers.Config) (drivers.Panel, error) { return drv, nil }})
	defer d.Close()
	f.ok(f.s.ArmWithCode(f.admin, p.ID, 1, store.ArmStay, "5820"))
	drain(t, d)
	f.ok(f.s.DisarmWithCode(f.admin, p.ID, 1, "6931"))
	drain(t, d)
	if !slices.Equal(drv.codes, []string{"5820", "6931"}) {
		t.Errorf("the driver got %d codes, the right ones: %v", len(drv.codes), slices.Equal(drv.codes, []string{"5820", "6931"}))
	}
	// Without a typed code the driver's own Arm runs, and its refusal fails the job.
	f.ok(f.s.Arm(f.admin, p.ID, 1, store.ArmAway))
	drain(t, d)
	parts, err := f.s.ListPartitions(f.admin, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if parts[0].State != store.Disarmed || parts[0].Sync.State != store.SyncFailed || !strings.Contains(parts[0].Sync.Reason, "asks for a code") {
		t.Errorf("arm without a code: %+v", parts[0])
	}
}

func TestArmingWithAnExitDelay(t *testing.T) {
	f := newFx(t)
	p, _ := f.panel("dsc-pc1616")
	f.ok(f.s.SetPanelDevice(f.admin, p.ID, store.DeviceConfig{Driver: "coded", Address: "10.0.0.9:4025"}))
	drv := &coded{state: family.Disarmed, delay: true}
	d := New(f.s, Options{Open: func(string, drivers.Config) (drivers.Panel, error) { return drv, nil }})
	defer d.Close()
	f.ok(f.s.ArmWithCode(f.admin, p.ID, 1, store.ArmAway, "5820"))
	drain(t, d)
	parts, err := f.s.ListPartitions(f.admin, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if parts[0].State != store.ExitDelay || parts[0].Sync.State != store.SyncInSync {
		t.Fatalf("the panel took the arming and runs its exit delay: %s, %+v", parts[0].State, parts[0].Sync)
	}
	if err := f.s.ArmWithCode(f.admin, p.ID, 1, store.ArmAway, "5820"); err == nil || !strings.Contains(err.Error(), "arming already") {
		t.Errorf("a second arming during the exit delay: %v", err)
	}
	// Disarming during the exit delay cancels the arming.
	f.ok(f.s.DisarmWithCode(f.admin, p.ID, 1, "5820"))
	drain(t, d)
	if parts, _ := f.s.ListPartitions(f.admin, p.ID); parts[0].State != store.Disarmed {
		t.Errorf("after disarming: %s", parts[0].State)
	}
}

// TestDisarmNotReady: a partition disarmed with a zone open reads "not
// ready" (a DSC reports it so at once): the disarm is done, not a
// mismatch.
func TestDisarmNotReady(t *testing.T) {
	f := newFx(t)
	p, dev, d := f.armed2(t, "neo-hs2032")
	f.ok(dev.SetPartitionState(2, family.NotReady)) // a door opened as the panel disarmed
	f.ok(f.s.Disarm(f.admin, p.ID, 2))
	drain(t, d)
	parts, _ := f.s.ListPartitions(f.admin, p.ID)
	if parts[1].Sync.State != store.SyncInSync {
		t.Errorf("disarm of a partition left not ready: %+v", parts[1].Sync)
	}
}
