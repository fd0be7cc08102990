// Package dispatch joins the store and the drivers: it drains the outbox the
// store writes, applying each job through its device's driver (or the mail
// server), and polls devices for partition and lock state and for drift.
//
// The store decides everything that is a rule: when a job is due, the
// back-off after a transient failure, what a permanent refusal does to the
// row, what counts as drift. The dispatcher only carries jobs to devices
// and reports what they said. Each device's jobs are applied one at a time,
// in the order they were queued; devices work side by side.
//
// A job is marked done only after its device took it, so a crash or a kill
// between the two applies it again at the next start. Every job is
// idempotent on the device (set this code in this slot, arm this
// partition), so applying it twice gives the same outcome; arm and disarm
// commands older than store.ArmTimeout are dropped rather than applied.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// Mailer delivers account mail; drivers/mail's Sender is one.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
	Transport() string
}

// Options tune a Dispatcher. Zero values take the defaults.
type Options struct {
	// Mailer delivers mail jobs; nil means no SMTP server is configured:
	// mail waits in the outbox, and MailOff says why.
	Mailer  Mailer
	MailOff string
	// PollEvery is how often devices are read for state and drift
	// (default 15 s).
	PollEvery time.Duration
	// EventsEvery is how often the devices that report events are read
	// for them between polls (default 1 s; events.go).
	EventsEvery time.Duration
	// Tick is how often due jobs are looked for when nothing wakes the
	// dispatcher (retries coming due); default 1 s.
	Tick time.Duration
	// Timeout bounds one device or mail operation (default 20 s).
	Timeout time.Duration
	// Open opens a driver; default drivers.Open.
	Open func(name string, cfg drivers.Config) (drivers.Panel, error)
	// Logf receives diagnostics (never codes or mail bodies); default none.
	Logf func(format string, args ...any)
}

// DefaultMailOff is shown while no SMTP server is configured.
const DefaultMailOff = "no SMTP server configured: set [smtp] host in the config file (or --smtp-host); mail waits in the outbox until then"

// Dispatcher drains the outbox and polls devices.
type Dispatcher struct {
	st  *store.Store
	sys store.Actor
	o   Options

	mu      sync.Mutex
	devices map[uint64]*device
	mailMu  sync.Mutex // one mail at a time, in order
	workers sync.WaitGroup
	busy    map[uint64]bool // devices (0: mail) with a worker running
	rounds  rounds          // when Run looks for due jobs again (under mu)
	kick    chan struct{}   // a worker ended: Run decides whether to look again
	// looked counts Run's looks for due jobs; onRound, when set (tests),
	// is called after each turn of Run's loop.
	looked  atomic.Int64
	onRound func()
	// beforeCommit, when set (tests), runs before each run of finished
	// jobs is recorded.
	beforeCommit func()
	// onBatch, when set (tests), is called with the size of each batch of
	// jobs a worker takes.
	onBatch func(target uint64, n int)
}

// device is one panel's driver, opened from its configuration and kept
// until the configuration changes. mu serializes the device's jobs and
// polls, so a poll never reads a device halfway through a job.
type device struct {
	mu    sync.Mutex
	cfg   store.Panel // the configuration the driver was opened with
	drv   drivers.Panel
	err   error // why the driver could not be opened
	trans string
	// reported is the last connection report and when it was made: the
	// same report again within reportEvery is not made (a run of jobs
	// would read the panel once a job to learn nothing).
	reported   store.ConnectionReport
	reportedAt time.Time
}

// reportEvery bounds how long the same connection report is not repeated.
const reportEvery = time.Second

// New makes a dispatcher for s.
func New(s *store.Store, o Options) *Dispatcher {
	if o.PollEvery <= 0 {
		o.PollEvery = 15 * time.Second
	}
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	if o.EventsEvery <= 0 {
		o.EventsEvery = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Open == nil {
		o.Open = drivers.Open
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.MailOff == "" {
		o.MailOff = DefaultMailOff
	}
	return &Dispatcher{st: s, sys: s.Internal("dispatcher"), o: o, devices: map[uint64]*device{}, busy: map[uint64]bool{},
		rounds: rounds{dirty: true, missed: map[uint64]bool{}}, kick: make(chan struct{}, 1)}
}

// Run drains due jobs as they come and polls devices until ctx ends, then
// waits for the jobs in hand (what their devices took is recorded; a device
// that has not answered is not waited for, its job stays pending) and
// closes the drivers.
func (d *Dispatcher) Run(ctx context.Context) error {
	sub := d.st.Subscribe()
	defer sub.Close()
	defer d.Close()
	tick := time.NewTicker(d.o.Tick)
	defer tick.Stop()
	poll := time.NewTicker(d.o.PollEvery)
	defer poll.Stop()
	events := time.NewTicker(d.o.EventsEvery)
	defer events.Stop()
	d.reportMail()
	d.startPolls(ctx)
	for {
		if d.onRound != nil {
			d.onRound()
		}
		if d.lookAgain(d.st.Now()) {
			if err := d.startDue(ctx); err != nil {
				d.o.Logf("dispatch: %v", err)
			}
		}
		select {
		case <-ctx.Done():
			d.workers.Wait()
			return nil
		case <-sub.C:
			changes := sub.Changes()
			d.mu.Lock()
			d.rounds.noted(changes, d.busy)
			d.mu.Unlock()
		case <-d.kick:
		case <-tick.C:
		case <-poll.C:
			d.startPolls(ctx)
		case <-events.C:
			d.startEventReads(ctx)
		}
	}
}

func (d *Dispatcher) lookAgain(now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rounds.due(now)
}

// rounds decides when Run looks for due jobs again. Reading the pending
// jobs costs work in proportion to them (100,000 after a bulk load), so
// Run looks only when a job changed outside the workers' own runs, when a
// worker ended, or when a retry comes due; a round never rereads what a
// busy worker already holds.
type rounds struct {
	dirty bool      // a job changed that no worker holds: look again
	next  time.Time // the earliest retry the last look saw
	// retry is when to look again after a worker could not record its
	// jobs (they stay pending and due).
	retry time.Time
	// missed are the workers' targets whose jobs changed while they
	// worked (their own finishes, or jobs queued meanwhile).
	missed map[uint64]bool
}

// noted takes a batch of change notices.
func (r *rounds) noted(changes []store.Change, busy map[uint64]bool) {
	for _, c := range changes {
		switch {
		case c.What == store.ChangeAll:
			r.dirty = true
		case c.What != store.ChangeJob:
		case busy[c.Panel]: // a mail job's Panel is 0, the mail's target
			r.missed[c.Panel] = true
		default:
			r.dirty = true
		}
	}
}

// ended notes a worker's end: a look is due if its jobs changed while it
// worked; after it failed to record them, a look is due a tick later.
func (r *rounds) ended(target uint64, failed bool, retryAt time.Time) {
	if r.missed[target] {
		delete(r.missed, target)
		r.dirty = true
	}
	if failed && (r.retry.IsZero() || retryAt.Before(r.retry)) {
		r.retry = retryAt
	}
}

// due reports whether to look now.
func (r *rounds) due(now time.Time) bool {
	return r.dirty || !r.next.IsZero() && !now.Before(r.next) || !r.retry.IsZero() && !now.Before(r.retry)
}

// looked records a look and the earliest retry it saw.
func (r *rounds) looked(next time.Time) {
	r.dirty, r.next, r.retry = false, next, time.Time{}
}

// Drain applies every job due now, device by device in order, and returns
// when they are all done or waiting: for commands and tests.
func (d *Dispatcher) Drain(ctx context.Context) error {
	d.reportMail()
	due, err := d.st.ScanDue(d.sys, nil)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for target, list := range groupByTarget(due.Jobs) {
		wg.Go(func() { d.work(ctx, target, list) })
	}
	wg.Wait()
	return ctx.Err()
}

// DrainPanel applies the due jobs of one panel (0: the mail) and returns:
// a command that changed a user carries the change to the panel at once.
func (d *Dispatcher) DrainPanel(ctx context.Context, panel uint64) error {
	if panel == 0 {
		d.reportMail()
	}
	list, err := d.st.MoreDue(d.sys, panel, 0)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		d.work(ctx, panel, list)
	}
	return ctx.Err()
}

// Poll reads every device once for partition states, drift, zones and
// events, after escalating alarms and applying the events' retention.
func (d *Dispatcher) Poll(ctx context.Context) error {
	d.alarmRound()
	panels, err := d.st.ListPanels(d.sys)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, p := range panels {
		wg.Go(func() { d.poll(ctx, p) })
	}
	wg.Wait()
	return ctx.Err()
}

// Close closes every driver.
func (d *Dispatcher) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for id, dev := range d.devices {
		if dev.drv != nil {
			errs = append(errs, dev.drv.Close())
		}
		delete(d.devices, id)
	}
	return errors.Join(errs...)
}

// groupByTarget splits due jobs by device (0: mail), keeping their order.
func groupByTarget(jobs []store.Job) map[uint64][]store.Job {
	out := map[uint64][]store.Job{}
	for _, j := range jobs {
		t := j.Panel
		if j.Kind == store.JobMail {
			t = 0
		}
		out[t] = append(out[t], j)
	}
	return out
}

// startDue hands due jobs to workers, one worker a device at most; a
// device still busy picks its new jobs up on a later round.
func (d *Dispatcher) startDue(ctx context.Context) error {
	d.looked.Add(1)
	due, err := d.st.ScanDue(d.sys, d.isBusy)
	if err != nil {
		d.mu.Lock()
		d.rounds.looked(d.st.Now().Add(d.o.Tick)) // look again a tick later
		d.mu.Unlock()
		return err
	}
	d.mu.Lock()
	d.rounds.looked(due.Next)
	d.mu.Unlock()
	groups := groupByTarget(due.Jobs)
	for _, target := range slices.Sorted(maps.Keys(groups)) {
		if !d.claim(target) {
			continue
		}
		list := groups[target]
		d.workers.Go(func() {
			failed := !d.work(ctx, target, list)
			d.mu.Lock()
			d.rounds.ended(target, failed, d.st.Now().Add(d.o.Tick))
			d.mu.Unlock()
			d.release(target)
			select {
			case d.kick <- struct{}{}:
			default:
			}
		})
	}
	return nil
}

func (d *Dispatcher) isBusy(target uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.busy[target]
}

func (d *Dispatcher) claim(target uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[target] {
		return false
	}
	d.busy[target] = true
	return true
}

func (d *Dispatcher) release(target uint64) {
	d.mu.Lock()
	delete(d.busy, target)
	d.mu.Unlock()
}

func (d *Dispatcher) startPolls(ctx context.Context) {
	d.alarmRound()
	panels, err := d.st.ListPanels(d.sys)
	if err != nil {
		d.o.Logf("dispatch: list panels: %v", err)
		return
	}
	for _, p := range panels {
		if !d.claim(pollKey(p.ID)) {
			continue
		}
		d.workers.Go(func() {
			defer d.release(pollKey(p.ID))
			d.poll(ctx, p)
		})
	}
}

// pollKey keeps a device's poll apart from its job worker in busy.
func pollKey(panel uint64) uint64 { return panel | 1<<63 }

// work applies one device's (or the mail server's) jobs in order, a batch
// at a time: jobs is the first (at most store.DueBatch of them), and a
// full batch done, the next is asked for after its last job. It stops at
// the first transient failure: the store holds the later jobs back until
// the retry. It reports false when it could not record what the device
// did (the jobs stay pending, to be sent again) or read its next batch.
func (d *Dispatcher) work(ctx context.Context, target uint64, jobs []store.Job) bool {
	if target == 0 {
		d.mailMu.Lock()
		defer d.mailMu.Unlock()
		return d.batches(target, jobs, func(j store.Job) bool {
			return ctx.Err() == nil && d.sendMail(ctx, j)
		})
	}
	p, err := d.st.GetPanel(d.sys, target)
	if err != nil {
		d.o.Logf("dispatch: panel %d: %v", target, err)
		return false
	}
	dev := d.device(p)
	dev.mu.Lock()
	defer dev.mu.Unlock()
	f := newFinisher(d)
	read := d.batches(target, jobs, func(j store.Job) bool {
		return ctx.Err() == nil && d.applyJob(ctx, p, dev, j, f)
	})
	// Even when shutting down: what the device took is recorded.
	return f.flush() && read
}

// batches hands each job of target's batches to apply, in order, until
// apply reports false or no job is left; it reports false when the next
// batch could not be read. Only a full batch is followed by another: a
// shorter one held every job of the target due when it was read, and jobs
// queued since make Run look again when the worker ends.
func (d *Dispatcher) batches(target uint64, batch []store.Job, apply func(store.Job) bool) bool {
	for len(batch) > 0 {
		if d.onBatch != nil {
			d.onBatch(target, len(batch))
		}
		for _, j := range batch {
			if !apply(j) {
				return true
			}
		}
		if len(batch) < store.DueBatch {
			return true
		}
		last := batch[len(batch)-1].Seq
		var err error
		if batch, err = d.st.MoreDue(d.sys, target, last); err != nil {
			d.o.Logf("dispatch: jobs after %d: %v", last, err)
			return false
		}
	}
	return true
}

// A device's finished jobs are recorded by group commit: the worker hands
// each outcome to its finisher as soon as the device took it, and the
// finisher's committer records whatever has gathered (up to finishRun
// jobs, store.FinishJobs, one commit) as soon as its previous commit is
// done. A finished job is thus recorded within one commit's time of the
// device taking it, whatever the device's next job does (a hang to the
// timeout included), and a fast device's jobs still share commits.
const finishRun = 256

// finishAhead bounds how many outcomes a worker holds unrecorded while a
// commit is slow: past it the worker waits for the committer.
const finishAhead = 4 * finishRun

// finisher holds a device's finished jobs until they are recorded. A job
// joins it only after its device took it (or refused it), so a crash
// before the commit leaves the job pending, to be sent again: never done
// without having been written. Runs are committed in order, one at a
// time; after a run fails nothing later is recorded (a later job of the
// same slot must not be done while an earlier one is sent again).
type finisher struct {
	d          *Dispatcher
	mu         sync.Mutex
	cond       sync.Cond // a commit ended
	held       []store.Finished
	committing bool // the committer runs
	failed     bool
}

func newFinisher(d *Dispatcher) *finisher {
	f := &finisher{d: d}
	f.cond.L = &f.mu
	return f
}

// add hands one outcome to the committer; it reports false when recording
// an earlier run failed (the worker then stops: its jobs stay pending).
func (f *finisher) add(seq uint64, r store.JobResult) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.failed && len(f.held) >= finishAhead {
		f.cond.Wait()
	}
	if f.failed {
		return false
	}
	f.held = append(f.held, store.Finished{Seq: seq, Result: r})
	if !f.committing {
		f.committing = true
		go f.commit()
	}
	return true
}

// commit records the held outcomes, a run at a time, until none is left.
func (f *finisher) commit() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.held) > 0 && !f.failed {
		run := slices.Clone(f.held[:min(len(f.held), finishRun)])
		f.held = f.held[len(run):]
		f.mu.Unlock()
		if f.d.beforeCommit != nil {
			f.d.beforeCommit()
		}
		err := f.d.st.FinishJobs(f.d.sys, run)
		f.mu.Lock()
		if err != nil {
			f.d.o.Logf("dispatch: finish jobs %d to %d: %v", run[0].Seq, run[len(run)-1].Seq, err)
			f.failed, f.held = true, nil
		}
		f.cond.Broadcast()
	}
	f.committing = false
	f.cond.Broadcast()
}

// flush waits until every outcome handed so far is recorded, and reports
// whether they all were.
func (f *finisher) flush() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.committing {
		f.cond.Wait()
	}
	return !f.failed
}

// device returns the panel's driver, opening (or reopening after a
// configuration change) as needed.
func (d *Dispatcher) device(p store.Panel) *device {
	d.mu.Lock()
	defer d.mu.Unlock()
	dev := d.devices[p.ID]
	if dev != nil && sameConfig(dev.cfg, p) && dev.err == nil {
		return dev
	}
	if dev != nil && dev.drv != nil {
		dev.drv.Close()
	}
	if dev == nil {
		dev = &device{}
		d.devices[p.ID] = dev
	}
	dev.cfg, dev.reportedAt = p, time.Time{}
	cfg := drivers.Config{Address: p.Address, Options: p.Options, Family: p.Family, Slots: p.Slots, CodeLength: p.CodeLength}
	if len(p.Secrets) > 0 {
		ps, err := d.st.PanelSecrets(d.sys, p.ID)
		if err != nil {
			dev.drv, dev.err, dev.trans = nil, fmt.Errorf("cannot read the secrets of %s: %w", p.Label(), err), transport(p, nil)
			return dev
		}
		cfg.Password, cfg.MasterCode, cfg.ArmCode = ps.Password, ps.MasterCode, ps.ArmCode
	}
	dev.drv, dev.err = d.o.Open(p.Driver, cfg)
	dev.trans = transport(p, dev.drv)
	if dev.err != nil {
		dev.err = fmt.Errorf("cannot open the %s driver for %s: %w", p.Driver, p.Label(), dev.err)
		return dev
	}
	if n, ok := dev.drv.(drivers.CommandNumbers); ok {
		nums := &numbers{st: d.st, sys: d.sys, panel: p.ID}
		n.UseCommandNumbers(nums.take)
	}
	return dev
}

// numberBlock is how many command numbers are reserved at once.
const numberBlock = 64

// numbers hands out a panel's command numbers from blocks reserved in the
// store, one synced commit a block rather than one a command. Numbers of a
// block the process did not use before it stopped are never handed out:
// the next process reserves the block after it.
type numbers struct {
	mu        sync.Mutex
	st        *store.Store
	sys       store.Actor
	panel     uint64
	next, end uint64
}

func (n *numbers) take(context.Context) (uint64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.next == n.end {
		first, err := n.st.ReserveCommandNumbers(n.sys, n.panel, numberBlock)
		if err != nil {
			return 0, err
		}
		n.next, n.end = first, first+numberBlock
	}
	n.next++
	return n.next - 1, nil
}

func sameConfig(a, b store.Panel) bool {
	return a.Driver == b.Driver && a.Address == b.Address && maps.Equal(a.Options, b.Options) &&
		a.Family == b.Family && a.Slots == b.Slots && a.CodeLength == b.CodeLength && a.SecretRev == b.SecretRev
}

// transport names how a device is reached, for the action log.
func transport(p store.Panel, drv drivers.Panel) string {
	if t, ok := drv.(interface{ Transport() string }); ok {
		return t.Transport()
	}
	switch p.Driver {
	case "sim":
		return "in-process"
	case "guided":
		return "keypad"
	}
	return p.Address
}

// report tells the store whether the device answered, whether it is what
// the panel's settings say, and what it said it is. Refusals and read-back
// mismatches come from a device that answered.
func (d *Dispatcher) report(p store.Panel, dev *device, err error) {
	d.sendReport(p, dev, connReport(p, dev, err))
}

func connReport(p store.Panel, dev *device, err error) store.ConnectionReport {
	r := store.ConnectionReport{Online: true, Driver: p.Driver, Transport: dev.trans}
	var refusal *drivers.Refusal
	if err != nil && !errors.As(err, &refusal) {
		r.Err = err.Error()
		r.Misconfigured = drivers.IsMisconfigured(err)
		r.Online = dev.err == nil && !drivers.Transient(err) && !r.Misconfigured
	}
	if k, ok := dev.drv.(drivers.IdentityKeeper); ok && !r.Misconfigured {
		if id, ok := k.KnownIdentity(); ok {
			r.Identity = &store.DeviceIdentity{Slots: id.Slots, CodeLength: id.CodeLength, Partitions: id.Partitions}
		}
	}
	return r
}

func (d *Dispatcher) sendReport(p store.Panel, dev *device, r store.ConnectionReport) {
	if sameReport(r, dev.reported) && time.Since(dev.reportedAt) < reportEvery {
		return
	}
	if rerr := d.st.ReportConnection(d.sys, p.ID, r); rerr != nil {
		d.o.Logf("dispatch: %s connection: %v", p.Label(), rerr)
		dev.reportedAt = time.Time{}
		return
	}
	dev.reported, dev.reportedAt = r, time.Now()
}

func sameReport(a, b store.ConnectionReport) bool {
	ida, idb := a.Identity, b.Identity
	a.Identity, b.Identity = nil, nil
	return a == b && (ida == nil) == (idb == nil) && (ida == nil || *ida == *idb)
}

// applyJob carries one job to the device and records the outcome. It
// reports whether the device's next job may follow now.
func (d *Dispatcher) applyJob(ctx context.Context, p store.Panel, dev *device, j store.Job, f *finisher) bool {
	res := store.JobResult{Driver: p.Driver, Transport: dev.trans}
	var err error
	switch {
	case j.Stale(d.st.Now()):
		res.Err, res.Permanent = store.StaleReason, true
	case dev.err != nil:
		err = dev.err
	default:
		octx, cancel := context.WithTimeout(ctx, d.o.Timeout)
		a := d.call(ctx, octx, p, dev, j)
		res.Verified, res.CodeSerial, res.State, err = a.verified, a.serial, a.state, a.err
		cancel()
	}
	if ctx.Err() != nil {
		return false // shutting down: the job stays pending and is applied again at the next start
	}
	var guide *drivers.Guidance
	if errors.As(err, &guide) {
		// No device answered: a guided panel has no connection to report.
		if !f.flush() {
			return false
		}
		if perr := d.st.ParkJob(d.sys, j.Seq, guide.Steps, p.Driver); perr != nil {
			d.o.Logf("dispatch: park job %d: %v", j.Seq, perr)
		}
		return true
	}
	if err != nil {
		res.Err = err.Error()
		var refusal *drivers.Refusal
		// A device that is not what the settings say fails the job at
		// once: waiting cannot fix it, and nothing was written to it.
		res.Permanent = errors.As(err, &refusal) || drivers.IsMisconfigured(err)
	}
	if res.Err != store.StaleReason {
		// A report that may change the connection (and log going offline
		// or online) comes after the jobs finished before it, as it did
		// when each job was recorded at once.
		r := connReport(p, dev, err)
		if !sameReport(r, dev.reported) && !f.flush() {
			return false
		}
		d.sendReport(p, dev, r)
	}
	return f.add(j.Seq, res) && (res.Err == "" || res.Permanent)
}

// answer is what a device said to one job.
type answer struct {
	verified bool
	serial   uint32
	state    family.PartitionState // an arming's state short of armed (exit delay); "" otherwise
	err      error
}

// call applies one job on the device (octx bounds the operation). When
// ctx ends first (the dispatcher stops) it waits no longer: a device that
// hangs without heeding its context does not hold the stop. The job then
// stays pending, to be applied again at the next start (never done
// without the device's answer), and the device is abandoned to its call,
// which closes the driver when it returns; the next job for the panel
// opens it again.
func (d *Dispatcher) call(ctx, octx context.Context, p store.Panel, dev *device, j store.Job) answer {
	got := make(chan answer, 1)
	drv := dev.drv
	go func() {
		var a answer
		if j.ForPartition() {
			a.verified, a.state, a.err = applyArm(octx, drv, j)
		} else {
			a.verified, a.serial, a.err = d.apply(octx, p, drv, j)
		}
		got <- a
	}()
	var a answer
	select {
	case a = <-got:
	case <-ctx.Done():
		select {
		case a = <-got: // it answered meanwhile
		default:
			d.abandon(p.ID, dev, got)
			return answer{err: ctx.Err()}
		}
	}
	return a
}

// abandon forgets a device whose call outlived the dispatcher's stop:
// Close leaves its driver alone, and the call's end closes it.
func (d *Dispatcher) abandon(panel uint64, dev *device, got <-chan answer) {
	d.mu.Lock()
	if d.devices[panel] == dev {
		delete(d.devices, panel)
	}
	d.mu.Unlock()
	d.o.Logf("dispatch: %s did not answer before the stop: its job stays pending", dev.cfg.Label())
	drv := dev.drv
	go func() {
		<-got
		drv.Close()
	}()
}

// apply runs one job's operation and, where the driver can, reads the
// change back. The code is used for the write and the read-back check, and
// goes nowhere else.
func (d *Dispatcher) apply(ctx context.Context, p store.Panel, drv drivers.Panel, j store.Job) (verified bool, serial uint32, err error) {
	readBack := drv.Capabilities().ReadBack
	switch j.Op {
	case store.OpSetCode:
		u := drivers.User{Slot: j.Slot, Role: string(j.Role), Label: j.Label, Partitions: uint64(j.Partitions)}
		if err := drv.SetCode(ctx, u, j.Code); err != nil {
			return false, 0, err
		}
		if !readBack {
			return false, 0, nil
		}
		got, err := drv.ReadUser(ctx, j.Slot)
		if err != nil {
			return false, 0, fmt.Errorf("read back user %d: %w", j.Slot, err)
		}
		switch {
		case !got.CodeSet:
			return false, 0, mismatch(j, "the slot is empty")
		case got.CodeCheck != 0 && got.CodeCheck != drivers.CodeCheck(j.Slot, j.Code):
			return false, 0, mismatch(j, "the slot holds another code")
		case got.Label != "" && got.Label != j.Label:
			return false, 0, mismatch(j, fmt.Sprintf("the label is %q", got.Label))
		case got.Partitions != 0 && j.Partitions != 0 && got.Partitions != uint64(j.Partitions):
			return false, 0, mismatch(j, "the partitions differ")
		}
		return true, got.CodeSerial, nil
	case store.OpClearCode:
		if err := drv.ClearCode(ctx, j.Slot); err != nil {
			return false, 0, err
		}
		if !readBack {
			return false, 0, nil
		}
		got, err := drv.ReadUser(ctx, j.Slot)
		if err != nil {
			return false, 0, fmt.Errorf("read back user %d: %w", j.Slot, err)
		}
		if got.CodeSet {
			return false, 0, mismatch(j, "the slot still holds a code")
		}
		return true, got.CodeSerial, nil
	case store.OpSetLabel:
		if err := drv.SetLabel(ctx, j.Slot, j.Label); err != nil {
			return false, 0, err
		}
		if !readBack {
			return false, 0, nil
		}
		got, err := drv.ReadUser(ctx, j.Slot)
		if err != nil {
			return false, 0, fmt.Errorf("read back user %d: %w", j.Slot, err)
		}
		if got.Label != j.Label {
			return false, 0, mismatch(j, fmt.Sprintf("the label is %q", got.Label))
		}
		return true, 0, nil
	case store.OpSetPartitions:
		if err := drv.SetPartitions(ctx, j.Slot, uint64(j.Partitions)); err != nil {
			return false, 0, err
		}
		if !readBack {
			return false, 0, nil
		}
		got, err := drv.ReadUser(ctx, j.Slot)
		if err != nil {
			return false, 0, fmt.Errorf("read back user %d: %w", j.Slot, err)
		}
		if got.Partitions != uint64(j.Partitions) {
			return false, 0, mismatch(j, "the partitions differ")
		}
		return true, 0, nil
	case store.OpLock, store.OpUnlock:
		return applyLock(ctx, p, drv, j)
	case store.OpLockAssign, store.OpLockUnassign:
		return applyLockUser(ctx, p, drv, j)
	case store.OpAddTag, store.OpRemoveTag:
		if j.Lock == 0 {
			return applyKeypadTag(ctx, p, drv, j)
		}
		return applyLockTag(ctx, p, drv, j)
	}
	return false, 0, &drivers.Refusal{Reason: fmt.Sprintf("job %d: this guardroom does not know the operation %q", j.Seq, j.Op)}
}

// applyArm arms or disarms a partition and, where the driver reads
// partitions, reads the state back. An arming the panel took but whose exit
// delay still runs is verified, and state says so: the partition shows
// "exit delay" until the panel reports it armed.
func applyArm(ctx context.Context, drv drivers.Panel, j store.Job) (verified bool, state family.PartitionState, err error) {
	want := family.Disarmed
	if j.Op == store.OpArm {
		want = family.ArmedAway
		if j.Mode == store.ArmStay {
			want = family.ArmedStay
		}
		if ca, ok := drv.(drivers.CodedArming); ok && j.Code != "" {
			err = ca.ArmWithCode(ctx, j.Partition, drivers.ArmMode(j.Mode), j.Code)
		} else {
			err = drv.Arm(ctx, j.Partition, drivers.ArmMode(j.Mode))
		}
	} else if ca, ok := drv.(drivers.CodedArming); ok && j.Code != "" {
		err = ca.DisarmWithCode(ctx, j.Partition, j.Code)
	} else {
		// A panel that asks for no code is armed and disarmed without
		// the one typed: the code goes nowhere.
		err = drv.Disarm(ctx, j.Partition)
	}
	if err != nil {
		return false, "", err
	}
	if !drv.Capabilities().Partitions {
		return false, "", nil
	}
	parts, err := drv.ReadPartitions(ctx)
	if err != nil {
		return false, "", fmt.Errorf("read back partition %d: %w", j.Partition, err)
	}
	for _, pt := range parts {
		if pt.Number != j.Partition {
			continue
		}
		switch {
		case pt.State == want:
			return true, "", nil
		case j.Op == store.OpArm && pt.State == family.ExitDelay:
			return true, family.ExitDelay, nil
		case j.Op == store.OpDisarm && (pt.State == family.NotReady || pt.State == family.Trouble || pt.State == family.AlarmMemory):
			// Disarmed with a zone open, a trouble or an alarm in memory
			// is still disarmed: a DSC reports "not ready" at once.
			return true, pt.State, nil
		}
		return false, "", mismatch(j, "the partition is "+string(pt.State))
	}
	return false, "", mismatch(j, "the panel did not report the partition")
}

// locksOf returns the panel's driver as a lock driver, or the refusal that
// says it is not one: a lock job on such a panel cannot succeed by waiting.
func locksOf(p store.Panel, drv drivers.Panel, what string, can bool) (drivers.Locks, error) {
	l, ok := drv.(drivers.Locks)
	if !ok || !can {
		return nil, &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: fmt.Sprintf(
			"the %s driver of %s cannot %s: reach the panel through a driver that drives its locks (guardroom panel drivers), or cancel the job", p.Driver, p.Label(), what)}
	}
	return l, nil
}

// readLock reads lock n back after a command or a tag change.
func readLock(ctx context.Context, l drivers.Locks, j store.Job) (drivers.LockStatus, error) {
	all, err := l.ReadLocks(ctx)
	if err != nil {
		return drivers.LockStatus{}, fmt.Errorf("read back lock %d: %w", j.LockNo, err)
	}
	for _, st := range all {
		if st.Number == j.LockNo {
			return st, nil
		}
	}
	return drivers.LockStatus{}, mismatch(j, fmt.Sprintf("no lock %d", j.LockNo))
}

// onLock runs one command on the job's lock through the panel's lock
// driver, reads the lock back, and fails the job when check finds the
// change missing (check says what the lock shows instead; "" when it
// matches).
func onLock(ctx context.Context, p store.Panel, drv drivers.Panel, j store.Job, what string, can bool,
	do func(drivers.Locks) error, check func(drivers.LockStatus) string) (bool, uint32, error) {
	l, err := locksOf(p, drv, what, can)
	if err != nil {
		return false, 0, err
	}
	if err := do(l); err != nil {
		return false, 0, err
	}
	st, err := readLock(ctx, l, j)
	if err != nil {
		return false, 0, err
	}
	if shows := check(st); shows != "" {
		return false, 0, mismatch(j, shows)
	}
	return true, 0, nil
}

func applyLock(ctx context.Context, p store.Panel, drv drivers.Panel, j store.Job) (bool, uint32, error) {
	want := family.LockLocked
	if j.Op == store.OpUnlock {
		want = family.LockUnlocked
	}
	return onLock(ctx, p, drv, j, "lock or unlock doors", drv.Capabilities().Locks,
		func(l drivers.Locks) error {
			if want == family.LockUnlocked {
				return l.Unlock(ctx, j.LockNo)
			}
			return l.Lock(ctx, j.LockNo)
		},
		func(st drivers.LockStatus) string {
			if st.State != want {
				return "the lock is " + string(st.State)
			}
			return ""
		})
}

// applyLockUser assigns the panel user in j.Slot to the lock, or takes
// the lock away from them, and reads the lock's assigned users back. No
// code goes with it: the panel gives the lock the slot's code.
func applyLockUser(ctx context.Context, p store.Panel, drv drivers.Panel, j store.Job) (bool, uint32, error) {
	assigning := j.Op == store.OpLockAssign
	return onLock(ctx, p, drv, j, "assign users to door locks", drv.Capabilities().Locks,
		func(l drivers.Locks) error {
			if assigning {
				return l.AssignUser(ctx, j.LockNo, j.Slot)
			}
			return l.UnassignUser(ctx, j.LockNo, j.Slot)
		},
		func(st drivers.LockStatus) string {
			switch has := slices.Contains(st.AssignedUsers, j.Slot); {
			case assigning && !has:
				return fmt.Sprintf("user %d is not assigned to the lock", j.Slot)
			case !assigning && has:
				return fmt.Sprintf("user %d is still assigned to the lock", j.Slot)
			}
			return ""
		})
}

func applyLockTag(ctx context.Context, p store.Panel, drv drivers.Panel, j store.Job) (bool, uint32, error) {
	adding := j.Op == store.OpAddTag
	return onLock(ctx, p, drv, j, "enrol tags on door locks", drv.Capabilities().Tags,
		func(l drivers.Locks) error {
			if adding {
				return l.AddTag(ctx, j.LockNo, j.Tag, j.Slot)
			}
			return l.RemoveTag(ctx, j.LockNo, j.Tag)
		},
		func(st drivers.LockStatus) string {
			switch has := slices.Contains(st.Tags, j.Tag); {
			case adding && !has:
				return "the lock does not hold tag " + j.Tag
			case !adding && has:
				return "the lock still holds tag " + j.Tag
			}
			return ""
		})
}

// applyKeypadTag gives a tag to, or takes it from, a user of the panel's
// keypads. The guided driver answers with the steps for a person who
// presents the tag at a keypad; they come back as its Guidance.
func applyKeypadTag(ctx context.Context, p store.Panel, drv drivers.Panel, j store.Job) (bool, uint32, error) {
	caps := drv.Capabilities()
	kt, ok := drv.(drivers.KeypadTags)
	if !ok || !caps.KeypadTags {
		return false, 0, &drivers.Refusal{Kind: drivers.RefusedUnsupported, Reason: fmt.Sprintf(
			"the %s driver of %s cannot enrol keypad tags: reach the panel through a driver that does (guardroom panel drivers), or cancel the job", p.Driver, p.Label())}
	}
	adding := j.Op == store.OpAddTag
	var err error
	if adding {
		err = kt.AddKeypadTag(ctx, j.Slot, j.Tag)
	} else {
		err = kt.RemoveKeypadTag(ctx, j.Tag)
	}
	if err != nil || !caps.ReadBack {
		return false, 0, err
	}
	tags, err := kt.ReadKeypadTags(ctx)
	if err != nil {
		return false, 0, fmt.Errorf("read back keypad tags: %w", err)
	}
	held := slices.ContainsFunc(tags, func(t drivers.KeypadTag) bool { return t.Tag == j.Tag })
	switch {
	case adding && !slices.Contains(tags, drivers.KeypadTag{Tag: j.Tag, Slot: j.Slot}):
		return false, 0, mismatch(j, fmt.Sprintf("user %d does not hold tag %s", j.Slot, j.Tag))
	case !adding && held:
		return false, 0, mismatch(j, "the keypads still know tag "+j.Tag)
	}
	return true, 0, nil
}

// mismatch is a write the device accepted but did not keep: permanent,
// since writing again would most likely end the same way.
func mismatch(j store.Job, what string) error {
	return &drivers.Refusal{Reason: fmt.Sprintf("the panel accepted the change but reading it back shows %s: check the panel, then retry or cancel job %d", what, j.Seq)}
}

// reportMail tells the store whether mail can go.
func (d *Dispatcher) reportMail() {
	r := store.ConnectionReport{Online: d.o.Mailer != nil, Driver: "smtp"}
	if d.o.Mailer == nil {
		r.Err = d.o.MailOff
	} else {
		r.Transport = d.o.Mailer.Transport()
	}
	if err := d.st.ReportConnection(d.sys, 0, r); err != nil {
		d.o.Logf("dispatch: mail status: %v", err)
	}
}

// sendMail delivers one mail job; it reports whether the next may follow.
// With no mail server configured the mail stays pending, untouched.
func (d *Dispatcher) sendMail(ctx context.Context, j store.Job) bool {
	if d.o.Mailer == nil || j.Mail == nil {
		return false
	}
	res := store.JobResult{Driver: "smtp", Transport: d.o.Mailer.Transport(), Verified: true}
	octx, cancel := context.WithTimeout(ctx, d.o.Timeout)
	err := d.o.Mailer.Send(octx, j.Mail.To, j.Mail.Subject, j.Mail.Body)
	cancel()
	if ctx.Err() != nil {
		return false
	}
	status := store.ConnectionReport{Online: true, Driver: "smtp", Transport: res.Transport}
	if err != nil {
		res.Err = err.Error()
		var refusal *drivers.Refusal
		res.Permanent = errors.As(err, &refusal)
		if !res.Permanent {
			status.Online, status.Err = false, err.Error()
		}
	}
	if serr := d.st.ReportConnection(d.sys, 0, status); serr != nil {
		d.o.Logf("dispatch: mail status: %v", serr)
	}
	if ferr := d.st.FinishJob(d.sys, j.Seq, res); ferr != nil {
		d.o.Logf("dispatch: finish mail job %d: %v", j.Seq, ferr)
		return false
	}
	return res.Err == "" || res.Permanent
}

// poll reads one device's partitions and users and reports them.
func (d *Dispatcher) poll(ctx context.Context, p store.Panel) {
	dev := d.device(p)
	dev.mu.Lock()
	defer dev.mu.Unlock()
	if ctx.Err() != nil {
		return // stopping: a poll that waited for the device's jobs reads nothing
	}
	if dev.err != nil {
		d.report(p, dev, dev.err)
		return
	}
	caps := dev.drv.Capabilities()
	if !caps.Partitions && !(caps.ReadBack && caps.Users) && !caps.Locks {
		return // nothing to read (guided): no connection to speak of
	}
	octx, cancel := context.WithTimeout(ctx, d.o.Timeout)
	defer cancel()
	err := d.readDevice(ctx, octx, p, dev.drv, caps)
	if ctx.Err() != nil {
		return
	}
	d.report(p, dev, err)
	if err != nil {
		d.o.Logf("dispatch: poll %s: %v", p.Label(), err)
	}
}

// readDevice reads and reports the device's partitions, users and locks
// (ctx bounds the reads). It stops between them once stop ends: at 100,000
// users one read and its report take seconds, and the dispatcher's stop
// waits for its polls.
func (d *Dispatcher) readDevice(stop, ctx context.Context, p store.Panel, drv drivers.Panel, caps drivers.Capabilities) error {
	if caps.Partitions {
		parts, err := drv.ReadPartitions(ctx)
		if err != nil || stop.Err() != nil {
			return err
		}
		rep := make([]store.PartitionReport, len(parts))
		for i, pt := range parts {
			rep[i] = store.PartitionReport{Number: pt.Number, State: pt.State}
		}
		if err := d.st.ReportPartitions(d.sys, p.ID, rep); err != nil {
			return fmt.Errorf("record partition states: %w", err)
		}
	}
	if ua, ok := drv.(drivers.UserActivity); ok {
		// A code sent by keystrokes is verified when the panel takes it.
		if seen := ua.UsersSeen(); len(seen) > 0 {
			rep := make([]store.UserSeen, len(seen))
			for i, u := range seen {
				rep[i] = store.UserSeen{Slot: u.Slot, Partition: u.Partition, Armed: u.Armed}
			}
			if err := d.st.ReportUsersSeen(d.sys, p.ID, rep); err != nil {
				return fmt.Errorf("record the users the panel saw: %w", err)
			}
		}
	}
	if caps.ReadBack && caps.Users && stop.Err() == nil {
		users, err := drv.ReadUsers(ctx)
		if err != nil || stop.Err() != nil {
			return err
		}
		rep := make([]store.DeviceUser, len(users))
		for i, u := range users {
			rep[i] = store.DeviceUser{Slot: u.Slot, CodeSet: u.CodeSet, Label: u.Label, Role: family.Role(u.Role),
				Partitions: store.PartitionSet(u.Partitions), CodeSerial: u.CodeSerial}
		}
		if _, err := d.st.ReportUsers(d.sys, p.ID, rep); err != nil {
			return fmt.Errorf("record users: %w", err)
		}
	}
	if l, ok := drv.(drivers.Locks); ok && caps.Locks && stop.Err() == nil {
		locks, err := l.ReadLocks(ctx)
		if err != nil || stop.Err() != nil {
			return err
		}
		rep := make([]store.LockReport, len(locks))
		for i, st := range locks {
			rep[i] = store.LockReport{Number: st.Number, State: st.State, Battery: st.Battery}
		}
		if err := d.st.ReportLocks(d.sys, p.ID, rep); err != nil {
			return fmt.Errorf("record lock states: %w", err)
		}
	}
	if es, ok := drv.(drivers.EventSource); ok && stop.Err() == nil {
		return d.readEvents(stop, ctx, p, es)
	}
	return nil
}
