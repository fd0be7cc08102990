package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// JobResult is what the dispatcher learned applying a job.
type JobResult struct {
	Driver    string // "sim", "modbus", "guided", "smtp"
	Transport string // "in-process", "tcp 10.0.0.5:502", ...
	// Verified is true when the device read back what was written; false
	// when it cannot (guided keypad entry, write-only protocols).
	Verified bool
	// Err is empty on success.
	Err string
	// Permanent marks Err as a refusal that retrying cannot fix.
	Permanent bool
	// CodeSerial is the slot's code-change counter read back after a code
	// was set or cleared; 0 when the device keeps none.
	CodeSerial uint32
	// By names the operator who applied the change by hand (guided).
	By string
	// State is, for an arming the panel took, the state it reported short
	// of armed (ExitDelay); "" when the partition reached the target.
	State PartitionState
}

// Retry back-off: base doubling per attempt up to maxBackoff, ±20% jitter.
const (
	baseBackoff = 2 * time.Second
	maxBackoff  = 5 * time.Minute
)

func backoff(attempts int) time.Duration {
	d := baseBackoff << min(attempts-1, 16)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// What only the device dispatcher (an Internal actor) does: an operator is
// refused whatever their role, since these calls either hand out the
// outbox's secrets or record what a device reported or did.
const (
	dispatchReports = "reports device state: operators see it on the panels, partitions, users and locks"
	dispatchDue     = "reads the outbox with its secrets: operators see the jobs with guardroom job list"
	dispatchFinish  = "records a job's outcome: confirm keypad steps done by hand, retry or cancel the job instead"
	dispatchPark    = "sets a job aside for keypad steps"
	dispatchNumbers = "numbers the commands it writes to devices"
)

func (a Actor) needInternal(what string) error {
	if a.internal {
		return nil
	}
	return refuse(ErrPermission, "only guardroom's own dispatcher %s", what)
}

// DueJobs returns the pending jobs whose retry time has come, oldest first,
// with their secrets: only for the dispatcher (an Internal actor). Jobs of
// one device keep their order: while a device's oldest pending job waits
// for its retry, its later jobs are not returned. The dispatcher applies a
// device's jobs in the order given and stops at the first that fails.
func (s *Store) DueJobs(a Actor, limit int) ([]Job, error) {
	if err := a.needInternal(dispatchDue); err != nil {
		return nil, err
	}
	d, err := s.dueJobs(dueScan{limit: limit})
	return d.Jobs, err
}

// Due is what ScanDue found: the jobs due now, and when the next job
// waiting for its retry comes due.
type Due struct {
	Jobs []Job
	// Next is the earliest retry time among the pending jobs not due yet
	// (of the targets not skipped); zero when none waits.
	Next time.Time
}

// DueBatch bounds how many jobs of one target (a device, or the mail)
// ScanDue and MoreDue hand out at once: after a bulk load of 100,000 users
// the dispatcher held every pending job, codes included, from its first
// look. A target's later jobs are passed by without being read, and its
// worker asks for them (MoreDue) when its batch is done.
const DueBatch = 1024

// ScanDue is DueJobs for the dispatcher's rounds: the jobs of the targets
// skip names (a device by panel, 0 for the mail; nil skips none), a
// worker's already, are passed by without being read, at most DueBatch
// jobs of a target are returned, and the answer says when the next retry
// comes due, so that the dispatcher need not look again before then unless
// a job changes.
func (s *Store) ScanDue(a Actor, skip func(target uint64) bool) (Due, error) {
	if err := a.needInternal(dispatchDue); err != nil {
		return Due{}, err
	}
	return s.dueJobs(dueScan{perTarget: DueBatch, skip: skip})
}

// MoreDue returns the due jobs of one target (a panel, 0 for the mail)
// queued after the job numbered after, oldest first and at most DueBatch:
// what a dispatcher's worker asks for once it has carried a batch. As in
// DueJobs, a device's job waiting for its retry holds its later jobs back
// (a mail's does not). It reads the pending index from after on, not from
// its start.
func (s *Store) MoreDue(a Actor, target, after uint64) ([]Job, error) {
	if err := a.needInternal(dispatchDue); err != nil {
		return nil, err
	}
	d, err := s.dueJobs(dueScan{limit: DueBatch, after: after, only: true, target: target})
	return d.Jobs, err
}

// TargetDue reports whether a job of target (a panel, 0 for the mail) is
// due now: what a command waiting for the service's dispatcher asks. It
// reads none of the other targets' jobs and stops at the first due one.
func (s *Store) TargetDue(a Actor, target uint64) (bool, error) {
	if err := a.needInternal(dispatchDue); err != nil {
		return false, err
	}
	d, err := s.dueJobs(dueScan{limit: 1, skip: func(t uint64) bool { return t != target }})
	return len(d.Jobs) > 0, err
}

// dueScan is what dueJobs looks for.
type dueScan struct {
	limit     int // at most this many jobs in all (0: no bound)
	perTarget int // at most this many jobs of a target (0: no bound)
	skip      func(target uint64) bool
	// after starts the scan after this job number; only (with target)
	// reads one target's jobs and ends at its first not due.
	after  uint64
	only   bool
	target uint64
}

func (s *Store) dueJobs(q dueScan) (Due, error) {
	now := s.now()
	var out Due
	blocked := map[uint64]bool{}
	taken := map[uint64]int{}
	passBy := func(target uint64, device bool) bool {
		return device && blocked[target] || q.skip != nil && q.skip(target) ||
			q.only && target != q.target || q.perTarget > 0 && taken[target] >= q.perTarget
	}
	// open are the targets with pending jobs by the counts kept in memory,
	// each with how many of its jobs the scan has yet to meet, until it
	// has met them all or passes the target by for good. Once none is
	// left, the rest of the index holds nothing this look returns: it
	// stops there instead of reading on (after a bulk load, 100,000 jobs
	// of one panel past its batch). A job the counts do not know yet was
	// committed just now; its change notice makes the dispatcher look
	// again.
	open := s.counts.pendingTargets()
	met := func(target uint64, n int) {
		if left, ok := open[target]; ok && (left <= n || blocked[target] || passBy(target, false)) {
			delete(open, target)
		} else if ok {
			open[target] = left - n
		}
	}
	for target := range open {
		met(target, 0)
	}
	prefix := jobStatePrefix(JobPending)
	start := prefix
	if q.after > 0 {
		start = jobStateKey(JobPending, q.after+1)
	}
	err := s.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix, o.PrefetchValues = prefix, false
		it := txn.NewIterator(o)
		defer it.Close()
		var rec []byte
		for it.Seek(start); it.ValidForPrefix(prefix) && len(open) > 0; it.Next() {
			// The index holds the job: a blocked, skipped or full target's
			// later jobs are passed by on their panel (0 for a mail) without
			// decoding the rest (an offline panel may have a whole bulk
			// load waiting). One buffer serves every record read.
			var err error
			if rec, err = it.Item().ValueCopy(rec[:0]); err != nil {
				return err
			}
			if target, ok := jobPanel(rec); ok && passBy(target, target != 0) {
				met(target, 1)
				continue
			}
			var j Job
			if err := decodeJob(rec, &j); err != nil {
				return err
			}
			if passBy(j.target(), j.Kind == JobDevice) {
				met(j.target(), 1)
				continue
			}
			if j.NextTry.After(now) {
				if j.Kind == JobDevice {
					if q.only {
						return nil // the device's later jobs wait for this one
					}
					blocked[j.Panel] = true
				}
				met(j.target(), 1)
				if out.Next.IsZero() || j.NextTry.Before(out.Next) {
					out.Next = j.NextTry
				}
				continue
			}
			out.Jobs = append(out.Jobs, j)
			taken[j.target()]++
			met(j.target(), 1)
			if q.limit > 0 && len(out.Jobs) >= q.limit {
				return nil
			}
		}
		return nil
	})
	return out, err
}

// FinishJob records the outcome of one attempt at a job: done (its secrets
// dropped), failed for good (its secrets kept, so an operator can retry it,
// until it is cancelled or superseded), or pending again after a back-off.
// An arm or disarm command that cannot reach its panel within ArmTimeout
// fails instead of waiting. The panel user's (or partition's) Sync follows,
// and final outcomes go into the action log with driver, transport and
// verified / unverified / failed.
func (s *Store) FinishJob(a Actor, seq uint64, r JobResult) error {
	w := s.begin(a, "device.apply", fmt.Sprintf("job %d", seq))
	return s.finish(w, func() error {
		if err := a.needInternal(dispatchFinish); err != nil {
			return err
		}
		j, err := w.readJob(seq)
		if err != nil {
			return err
		}
		if j.State != JobPending || j.Waiting() {
			return refuse(ErrState, "job %d is %s, not pending", seq, jobStateName(j))
		}
		return w.finishJob(j, r)
	})
}

// Finished is one job's outcome for FinishJobs.
type Finished struct {
	Seq    uint64
	Result JobResult
}

// finishTxnBytes ends a FinishJobs transaction early, well under Badger's
// batch limit for the store's memtable (about 1.2 MB): a finished job
// writes its job, its user or partition and its log entry, about 1 KB.
const finishTxnBytes = 512 << 10

// FinishJobs records the outcomes of a run of jobs the dispatcher carried
// to their device, as FinishJob does for each, in one transaction: one
// operation ("the device took these jobs"), one commit and one fsync for
// the run instead of one a job. Each job keeps its own log entry, in the
// order given. A run too big for one transaction is split, each part
// committed whole and in order, so a crash leaves a prefix of the run
// finished and the rest pending (sent again, which every job allows). A
// job no longer pending (cancelled meanwhile) is refused and logged as
// FinishJob refuses it, and the others are finished; the refusals come
// back joined.
func (s *Store) FinishJobs(a Actor, done []Finished) error {
	if len(done) == 0 {
		return nil
	}
	if err := a.needInternal(dispatchFinish); err != nil {
		// Refused and logged as one FinishJob would be.
		return s.FinishJob(a, done[0].Seq, done[0].Result)
	}
	var refused []error
	for len(done) > 0 {
		n, skipped, err := s.finishJobs(a, done)
		if err != nil {
			return err
		}
		s.writeMu.Lock()
		for _, r := range skipped {
			refused = append(refused, r.why)
			if lerr := s.logRefusal(&wtx{actor: a, action: "device.apply", place: fmt.Sprintf("job %d", r.seq)}, r.why); lerr != nil {
				refused = append(refused, fmt.Errorf("record refused attempt: %w", lerr))
			}
		}
		s.writeMu.Unlock()
		done = done[n:]
	}
	return errors.Join(refused...)
}

type refusedJob struct {
	seq uint64
	why error
}

// finishJobs commits one transaction's worth of done and reports how many
// it took, and the jobs among them it passed by, no longer pending, with
// the refusal FinishJob would give each.
func (s *Store) finishJobs(a Actor, done []Finished) (n int, skipped []refusedJob, err error) {
	w := s.begin(a, "device.apply", fmt.Sprintf("job %d", done[0].Seq))
	w.panels = map[uint64]Panel{} // finishing jobs writes no panel
	err = s.finish(w, func() error {
		for ; n < len(done) && w.size < finishTxnBytes; n++ {
			f := done[n]
			w.action, w.place, w.panel, w.slot, w.account, w.unit = "device.apply", fmt.Sprintf("job %d", f.Seq), 0, 0, "", 0
			j, err := w.readJob(f.Seq)
			if err == nil && (j.State != JobPending || j.Waiting()) {
				err = refuse(ErrState, "job %d is %s, not pending", f.Seq, jobStateName(j))
			}
			if IsRefusal(err) {
				skipped = append(skipped, refusedJob{f.Seq, err})
				continue
			}
			if err != nil {
				return err
			}
			if err := w.finishJob(j, f.Result); err != nil {
				return err
			}
		}
		return nil
	})
	return n, skipped, err
}

func (w *wtx) readJob(seq uint64) (Job, error) {
	var j Job
	err := getJob(w.txn, seq, &j)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return j, noJob(seq)
	}
	if err != nil {
		return j, fmt.Errorf("job %d: %w", seq, err)
	}
	return j, nil
}

// finishJob applies one attempt's outcome to a job read in w, and to the
// user or partition it changes.
func (w *wtx) finishJob(j Job, r JobResult) error {
	was := j
	now := w.s.now()
	if r.Err != "" && !r.Permanent && j.Stale(now) {
		r.Err, r.Permanent = StaleReason, true
	}
	j.Attempts++
	j.LastError = r.Err
	j.Steps = nil
	outcome := "verified"
	switch {
	case r.Err == "":
		j.State = JobDone
		j.dropSecrets()
		if !r.Verified {
			outcome = "unverified"
		}
	case r.Permanent:
		j.State, outcome = JobFailed, "failed"
		if j.Op == OpArm || j.Op == OpDisarm {
			// A code typed for one arming is not kept for a retry: whoever
			// retries types it again.
			j.dropSecrets()
		}
	default:
		j.NextTry = now.Add(backoff(j.Attempts))
		outcome = "retrying"
	}
	if r.By != "" {
		j.By = r.By
	}
	w.putJob(j, &was)
	if j.Kind == JobMail {
		w.place = "mail to " + j.Mail.To
		w.account = j.Mail.To
		w.unit = w.s.mailUnit(w.txn, j)
		if w.action == "device.apply" {
			w.action = "mail.send"
		}
	}
	if j.Kind == JobDevice {
		p, err := w.jobPanel(j)
		if err != nil {
			return err
		}
		sync := Sync{State: SyncInSync, Job: j.Seq}
		switch outcome {
		case "unverified":
			sync = Sync{State: SyncUnverified, Job: j.Seq, Reason: "applied by operator " + r.By + ", not verified by the panel"}
			if r.By == "" {
				sync.Reason = "sent by keystrokes, not verified: the panel cannot report it back; it is verified when the panel sees the user arm or disarm with it"
			}
		case "failed":
			sync = Sync{State: SyncFailed, Job: j.Seq, Reason: r.Err}
		case "retrying":
			sync = Sync{State: SyncPending, Job: j.Seq, Reason: r.Err}
		}
		switch {
		case j.ForPartition():
			err = w.finishPartition(p, j, sync, r)
		case j.ForLock() || j.ForLockUser():
			err = w.finishLock(j, sync, r)
		case j.ForTag():
			err = w.syncTag(j, sync)
		default:
			err = w.finishUser(p, j, sync, r)
		}
		if err != nil {
			return err
		}
	}
	if outcome == "retrying" {
		return nil // transient failures show on the row, not in the log
	}
	result := "ok"
	if outcome == "failed" {
		result = "failed: " + r.Err
	}
	after := map[string]string{"job": fmt.Sprint(j.Seq), "op": string(j.Op), "driver": r.Driver, "transport": r.Transport, "outcome": outcome}
	if r.By != "" {
		after["applied by"] = r.By
	}
	if j.Kind == JobMail && outcome != "failed" {
		// Only here has the mail left: the change that queued it said
		// "queued for mail".
		after["mail"] = "sent to " + j.Mail.To
	}
	w.appendLog(nil, after, result)
	return nil
}

// jobPanel reads a device job's panel and files the log entry under it.
func (w *wtx) jobPanel(j Job) (Panel, error) {
	p, ok := w.panels[j.Panel]
	if !ok {
		if err := getJSON(w.txn, panelKey(j.Panel), &p); err != nil {
			return p, fmt.Errorf("job %d panel %d: %w", j.Seq, j.Panel, err)
		}
		if w.panels != nil {
			w.panels[j.Panel] = p
		}
	}
	w.unit, w.panel, w.slot = p.Unit, p.ID, j.Slot
	switch {
	case j.ForPartition():
		w.place = fmt.Sprintf("%s partition %d", p.Label(), j.Partition)
	case j.ForLock():
		w.place = w.lockPlace(p, j.Lock)
	case j.ForLockUser():
		w.place = fmt.Sprintf("%s user %d", w.lockPlace(p, j.Lock), j.Slot)
	case j.ForTag():
		w.place = w.tagPlace(p, j)
	default:
		w.place = fmt.Sprintf("%s user %d", p.Label(), j.Slot)
	}
	return p, nil
}

// finishUser moves the user's Sync. Success or a retry shows only when the
// job is the user's latest; a failure shows even for an older job, since a
// later change may depend on it (a label change after a refused code).
func (w *wtx) finishUser(p Panel, j Job, sync Sync, r JobResult) error {
	u, err := readUser(w.txn, p, j.Slot)
	if err != nil {
		return err
	}
	was := u
	if r.Err == "" && r.CodeSerial != 0 && (j.Op == OpSetCode || j.Op == OpClearCode) {
		u.DevSerial = r.CodeSerial
	}
	switch {
	case u.Sync.Job == j.Seq || sync.State == SyncFailed:
		u.Sync = sync
	case sync.State == SyncPending && u.Sync.State == SyncPending:
		u.Sync.Reason = sync.Reason // an earlier job of the user waits: say why
	}
	if u.Sync == was.Sync && u.DevSerial == was.DevSerial {
		return nil
	}
	w.setRaw(userKey(u.Panel, u.Slot), u.encode())
	w.changed(Change{What: ChangeUser, Panel: u.Panel, Slot: u.Slot})
	return nil
}

// finishPartition moves the partition's Sync, and its state when the
// command went through.
func (w *wtx) finishPartition(p Panel, j Job, sync Sync, r JobResult) error {
	var part Partition
	if err := getJSON(w.txn, partKey(p.ID, j.Partition), &part); err != nil {
		return fmt.Errorf("job %d partition %d: %w", j.Seq, j.Partition, err)
	}
	if part.Sync.Job != j.Seq {
		return nil
	}
	part.Sync = sync
	if r.Err == "" {
		to := armTarget(j)
		if r.State != "" {
			to = r.State
		}
		if part.State != to {
			part.State, part.Changed = to, w.s.now()
		}
	}
	w.set(partKey(p.ID, j.Partition), part)
	w.changed(Change{What: ChangePartition, Panel: p.ID})
	return nil
}

func armTarget(j Job) PartitionState {
	switch {
	case j.Op == OpDisarm:
		return Disarmed
	case j.Mode == ArmStay:
		return ArmedStay
	}
	return ArmedAway
}
