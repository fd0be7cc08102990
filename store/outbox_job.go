package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/family"
)

// JobKind says where a job goes.
type JobKind string

// Job kinds.
const (
	JobDevice JobKind = "device"
	JobMail   JobKind = "mail"
)

// JobOp is what a job asks of its device or mail server.
type JobOp string

// Job operations.
const (
	OpSetCode       JobOp = "set-code"
	OpClearCode     JobOp = "clear-code"
	OpSetLabel      JobOp = "set-label"
	OpSetPartitions JobOp = "set-partitions"
	OpArm           JobOp = "arm"
	OpDisarm        JobOp = "disarm"
	OpLock          JobOp = "lock"
	OpUnlock        JobOp = "unlock"
	OpAddTag        JobOp = "add-tag"
	OpRemoveTag     JobOp = "remove-tag"
	OpLockAssign    JobOp = "lock-assign"   // give a panel user (Slot) a door lock: the slot only, never a code
	OpLockUnassign  JobOp = "lock-unassign" // take the door lock away from the panel user in Slot
	OpMail          JobOp = "mail"
)

// JobState is where a job is in its life.
type JobState string

// Job states.
const (
	JobPending   JobState = "pending"
	JobDone      JobState = "done"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

// Mail is an e-mail waiting for the SMTP server.
type Mail struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Job is one piece of work for the hardware or the mail server, written in
// the same transaction as the change it follows. Code and Mail.Body can hold
// secrets (a code, an OTP) until the job is done; String never shows them
// and ListJobs removes them.
type Job struct {
	Seq        uint64       `json:"seq"`
	Kind       JobKind      `json:"kind"`
	Op         JobOp        `json:"op"`
	Panel      uint64       `json:"panel,omitempty"`
	Slot       int          `json:"slot,omitempty"`
	Code       string       `json:"code,omitempty"`
	Role       family.Role  `json:"role,omitempty"`
	Label      string       `json:"label,omitempty"`
	Partitions PartitionSet `json:"partitions,omitempty"`
	// Partition and Mode are an arm or disarm job's target.
	Partition int     `json:"partition,omitempty"`
	Mode      ArmMode `json:"mode,omitempty"`
	// Lock and LockNo are a lock command's, a lock user job's or a
	// door-lock tag's lock: its number in guardroom and on its panel. Tag
	// is a tag job's canonical tag ID; a keypad tag has no lock, and Slot
	// is its owner (or, for a lock user job, the user).
	Lock      uint64    `json:"lock,omitempty"`
	LockNo    int       `json:"lock_no,omitempty"`
	Tag       string    `json:"tag,omitempty"`
	Mail      *Mail     `json:"mail,omitempty"`
	Created   time.Time `json:"created"`
	State     JobState  `json:"state"`
	Attempts  int       `json:"attempts,omitempty"`
	NextTry   time.Time `json:"next_try,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	Log       uint64    `json:"log,omitempty"`
	// Steps are set while the job waits for a person to key them in at
	// the panel (the guided driver); the job stays pending until the
	// operator confirms or cancels it.
	Steps []string `json:"steps,omitempty"`
	// By names the operator who confirmed, retried or cancelled the job.
	By string `json:"by,omitempty"`
	// Unit is a mail's organization unit, its account's, so that only
	// operators granted it see the mail; a device job's is its panel's.
	Unit uint64 `json:"unit,omitempty"`
}

// Waiting reports whether the job waits for an operator at the keypad.
func (j Job) Waiting() bool { return j.State == JobPending && len(j.Steps) > 0 }

// ForPartition reports whether the job arms or disarms a partition.
func (j Job) ForPartition() bool { return j.Op == OpArm || j.Op == OpDisarm }

// ForLock reports whether the job locks or unlocks a door.
func (j Job) ForLock() bool { return j.Op == OpLock || j.Op == OpUnlock }

// ForLockUser reports whether the job assigns a panel user to a door lock
// or unassigns them. Unlike a lock command it is no guard's command: it
// waits for its panel like a user job, and can be retried.
func (j Job) ForLockUser() bool { return j.Op == OpLockAssign || j.Op == OpLockUnassign }

// ForTag reports whether the job enrols a tag on, or removes it from, a
// lock or the panel's keypads.
func (j Job) ForTag() bool { return j.Op == OpAddTag || j.Op == OpRemoveTag }

// command reports whether the job is a guard's command (arm, disarm,
// lock, unlock): given again rather than retried, and dropped when late.
func (j Job) command() bool { return j.ForPartition() || j.ForLock() }

// forUser reports whether the job changes a panel user's slot.
func (j Job) forUser() bool {
	return j.Kind == JobDevice && !j.command() && !j.ForTag() && !j.ForLockUser()
}

// target is the job's device, its panel, or 0 for the mail server.
func (j Job) target() uint64 {
	if j.Kind == JobMail {
		return 0
	}
	return j.Panel
}

// ArmTimeout is how long an arm, disarm, lock or unlock command may wait
// for its panel. After it the command is dropped rather than applied late:
// a partition arming, or a door opening, an hour after the guard asked is
// worse than not at all.
const ArmTimeout = 2 * time.Minute

// Stale reports whether a command is too old to apply at now.
func (j Job) Stale(now time.Time) bool {
	return j.command() && now.Sub(j.Created) > ArmTimeout
}

// StaleReason is the failure recorded for a stale command.
const StaleReason = "the panel did not answer within 2 minutes: the command was dropped so the partition or door does not change unexpectedly later; give it again"

// String describes the job without its secrets.
func (j Job) String() string {
	if j.Kind == JobMail && j.Mail != nil {
		return fmt.Sprintf("job %d mail to %s %q: %s", j.Seq, j.Mail.To, j.Mail.Subject, j.State)
	}
	switch {
	case j.ForPartition():
		return fmt.Sprintf("job %d %s panel %d partition %d: %s", j.Seq, j.Op, j.Panel, j.Partition, j.State)
	case j.ForLock():
		return fmt.Sprintf("job %d %s panel %d lock %d: %s", j.Seq, j.Op, j.Panel, j.Lock, j.State)
	case j.ForLockUser():
		return fmt.Sprintf("job %d %s panel %d lock %d user %d: %s", j.Seq, j.Op, j.Panel, j.Lock, j.Slot, j.State)
	case j.ForTag() && j.Lock != 0:
		return fmt.Sprintf("job %d %s %s panel %d lock %d user %d: %s", j.Seq, j.Op, j.Tag, j.Panel, j.Lock, j.Slot, j.State)
	case j.ForTag():
		return fmt.Sprintf("job %d %s %s panel %d keypads user %d: %s", j.Seq, j.Op, j.Tag, j.Panel, j.Slot, j.State)
	}
	return fmt.Sprintf("job %d %s panel %d user %d: %s", j.Seq, j.Op, j.Panel, j.Slot, j.State)
}

// GoString keeps %#v from printing secrets.
func (j Job) GoString() string { return "store.Job{" + j.String() + "}" }

// redacted drops the secrets a job carries.
func (j Job) redacted() Job {
	if j.Code != "" {
		j.Code = ""
	}
	if j.Mail != nil {
		m := *j.Mail
		m.Body = "(hidden)"
		j.Mail = &m
	}
	return j
}

func (w *wtx) queue(j Job) uint64 {
	w.seqs.Job++
	j.Seq = w.seqs.Job
	j.Created = w.s.now()
	j.State = JobPending
	j.Log = w.seqs.Log + 1 // the entry this operation appends next
	w.putJob(j, nil)
	return j.Seq
}

// jobIndex is the state index a job is listed under: pending jobs the
// dispatcher may apply, jobs waiting for an operator at the keypad, and
// failed jobs. Done and cancelled jobs are not indexed.
func jobIndex(j Job) JobState {
	switch {
	case j.Waiting():
		return jobKeypad
	case j.State == JobPending || j.State == JobFailed:
		return j.State
	}
	return ""
}

// jobKeypad names the index of jobs waiting for keypad steps.
const jobKeypad JobState = "keypad"

// A job still to be done (pending, waiting for the keypad, or failed) is
// stored under its state index, idx/job/<state>/<seq>, its record the
// value: the dispatcher and the outbox counts read the jobs they need from
// the index itself, and a queued job is one record. A job done or
// cancelled moves to outbox/<seq>. (Before schema 3 every job was at
// outbox/<seq> and the index held only its panel; outbox_upgrade.go moves
// such a database's jobs when it is opened.)

// jobAt is where a job in state index idx is stored.
func jobAt(idx JobState, seq uint64) []byte {
	if idx == "" {
		return jobKey(seq)
	}
	return jobStateKey(idx, seq)
}

// putJob writes a job where its state puts it, moving it from where it was.
// was is the job as it was read, nil for a new job.
func (w *wtx) putJob(j Job, was *Job) {
	idx := jobIndex(j)
	if was != nil {
		if old := jobIndex(*was); old != idx {
			w.del(jobAt(old, j.Seq))
		}
	}
	w.setRaw(jobAt(idx, j.Seq), encodeJob(&j))
	w.changed(Change{What: ChangeJob, Panel: j.Panel, Slot: j.Slot})
}

// queueDevice queues a job for the user's panel and marks the user pending.
// The user's failed jobs are superseded: retrying one later would undo this
// change. A drift the user showed is settled by the new change.
func (w *wtx) queueDevice(u *PanelUser, j Job) {
	j.Kind, j.Panel, j.Slot = JobDevice, u.Panel, u.Slot
	seq := w.queue(j)
	if u.Sync.State == SyncFailed || u.Sync.State == SyncDrift {
		w.supersede(u.Panel, u.Slot, seq)
		w.del(driftKey(u.Panel, u.Slot))
	}
	u.Sync = Sync{State: SyncPending, Job: seq}
}

// supersede cancels the failed jobs of one panel user older than seq.
func (w *wtx) supersede(panel uint64, slot int, seq uint64) {
	if w.err != nil {
		return
	}
	var old []Job
	w.err = scan(w.txn, jobStatePrefix(JobFailed), true, func(_, v []byte) error {
		if p, ok := jobPanel(v); ok && p != panel {
			return nil
		}
		var j Job
		if err := decodeJob(v, &j); err != nil {
			return err
		}
		if j.Panel == panel && j.Slot == slot && j.Seq < seq && j.forUser() {
			old = append(old, j)
		}
		return nil
	})
	for _, j := range old {
		was := j
		j.State, j.LastError = JobCancelled, fmt.Sprintf("superseded by job %d", seq)
		j.dropSecrets()
		w.putJob(j, &was)
	}
}

// dropSecrets forgets the code or mail body a job carried.
func (j *Job) dropSecrets() {
	j.Code = ""
	if j.Mail != nil {
		m := *j.Mail
		m.Body = ""
		j.Mail = &m
	}
}

// queueMail queues a mail about something of unit (an account's).
func (w *wtx) queueMail(unit uint64, m Mail) {
	w.queue(Job{Kind: JobMail, Op: OpMail, Mail: &m, Unit: unit})
}

// mailUnit is a mail job's organization unit: the one queued with it, or
// for a mail queued before jobs kept it, its account's, else the whole
// organization's.
func (s *Store) mailUnit(txn *badger.Txn, j Job) uint64 {
	if j.Unit != 0 {
		return j.Unit
	}
	if j.Mail != nil {
		if rec, ok, err := s.readAccount(txn, j.Mail.To); err == nil && ok {
			return rec.Unit
		}
	}
	return RootUnit
}

// jobScope answers whether a job is in the actor's scope: a device job's
// panel, a mail's unit (mailUnit).
func (s *Store) jobScope(txn *badger.Txn, a Actor) func(j Job) bool {
	panels := s.panelScope(txn, a)
	return func(j Job) bool {
		if j.Kind == JobDevice {
			return panels(j.Panel)
		}
		return s.unitInScope(a, s.mailUnit(txn, j))
	}
}

// noJob refuses a job that does not exist or is outside the actor's
// scope, alike.
func noJob(seq uint64) error {
	return refuse(ErrNotFound, "no job %d in your organization units: see the Sync column or guardroom job list", seq)
}

// JobFilter narrows ListJobs.
type JobFilter struct {
	State JobState // "" for every state
	Kind  JobKind
	Panel uint64
}

// ListJobs returns the outbox jobs in the actor's scope with their secrets
// removed, oldest first.
func (s *Store) ListJobs(a Actor, f JobFilter) ([]Job, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Job
	err := s.db.View(func(txn *badger.Txn) error {
		inScope := s.jobScope(txn, a)
		return scanJobRecords(txn, func(v []byte) error {
			var j Job
			if err := decodeJob(v, &j); err != nil {
				return err
			}
			if (f.State != "" && j.State != f.State) || (f.Kind != "" && j.Kind != f.Kind) || (f.Panel != 0 && j.Panel != f.Panel) || !inScope(j) {
				return nil
			}
			out = append(out, j.redacted())
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Job) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, err
}

// scanJobRecords calls fn with every job's record: those still to be done
// under their state index, then the rest in the outbox (putJob), so not in
// the order of their numbers.
func scanJobRecords(txn *badger.Txn, fn func(rec []byte) error) error {
	for _, prefix := range [][]byte{pIdxJob, pOutbox} {
		if err := scan(txn, prefix, true, func(_, v []byte) error { return fn(v) }); err != nil {
			return err
		}
	}
	return nil
}

// A job is stored in a compact binary form: jobRecordV1, then its fields in
// a fixed order (codec.go). A bulk load writes one a user and the
// dispatcher reads and rewrites each, so its size and its decoding count.
// A job written by an earlier guardroom is JSON (its first byte '{'), and
// is read as such until it is next written.
const jobRecordV1 = 1

func encodeJob(j *Job) []byte {
	e := enc{b: make([]byte, 0, 64+len(j.Label)+len(j.Code)+len(j.LastError))}
	e.b = append(e.b, jobRecordV1)
	e.uint(j.Seq)
	e.str(string(j.Kind))
	e.str(string(j.Op))
	e.uint(j.Panel)
	e.int(int64(j.Slot))
	e.str(j.Code)
	e.str(string(j.Role))
	e.str(j.Label)
	e.uint(uint64(j.Partitions))
	e.int(int64(j.Partition))
	e.str(string(j.Mode))
	e.uint(j.Lock)
	e.int(int64(j.LockNo))
	e.str(j.Tag)
	e.bool(j.Mail != nil)
	if j.Mail != nil {
		e.str(j.Mail.To)
		e.str(j.Mail.Subject)
		e.str(j.Mail.Body)
	}
	e.time(j.Created)
	e.str(string(j.State))
	e.int(int64(j.Attempts))
	e.time(j.NextTry)
	e.str(j.LastError)
	e.uint(j.Log)
	e.uint(uint64(len(j.Steps)))
	for _, st := range j.Steps {
		e.str(st)
	}
	e.str(j.By)
	e.uint(j.Unit)
	return e.b
}

func decodeJob(b []byte, j *Job) error {
	if len(b) > 0 && b[0] == '{' {
		return jsonUnmarshal(b, j)
	}
	if len(b) < 1 || b[0] != jobRecordV1 {
		return fmt.Errorf("outbox job: %w", errCorrupt)
	}
	d := dec{b: b[1:]}
	*j = Job{}
	j.Seq = d.uint()
	j.Kind = JobKind(d.str())
	j.Op = JobOp(d.str())
	j.Panel = d.uint()
	j.Slot = int(d.int())
	j.Code = d.str()
	j.Role = family.Role(d.str())
	j.Label = d.str()
	j.Partitions = PartitionSet(d.uint())
	j.Partition = int(d.int())
	j.Mode = ArmMode(d.str())
	j.Lock = d.uint()
	j.LockNo = int(d.int())
	j.Tag = d.str()
	if d.bool() {
		j.Mail = &Mail{To: d.str(), Subject: d.str(), Body: d.str()}
	}
	j.Created = d.time()
	j.State = JobState(d.str())
	j.Attempts = int(d.int())
	j.NextTry = d.time()
	j.LastError = d.str()
	j.Log = d.uint()
	if n := d.uint(); n > 0 && n <= uint64(len(d.b)) {
		j.Steps = make([]string, n)
		for i := range j.Steps {
			j.Steps[i] = d.str()
		}
	} else if n > 0 {
		d.err = errCorrupt
	}
	j.By = d.str()
	j.Unit = d.uint()
	if d.err != nil {
		return fmt.Errorf("outbox job %d: %w", j.Seq, d.err)
	}
	return nil
}

// jobPanel reads the panel of the job record b without decoding the rest
// (0 for a mail); ok is false when b is not a binary job record.
func jobPanel(b []byte) (panel uint64, ok bool) {
	if len(b) < 1 || b[0] != jobRecordV1 {
		return 0, false
	}
	d := dec{b: b[1:]}
	d.uint() // seq
	d.raw()  // kind
	d.raw()  // op
	panel = d.uint()
	return panel, d.err == nil
}

// jobHomes are the places a job can be, most often looked for first: the
// dispatcher finishes pending jobs.
var jobHomes = []JobState{JobPending, jobKeypad, JobFailed, ""}

// getJob reads job seq, wherever its state put it.
func getJob(txn *badger.Txn, seq uint64, j *Job) error {
	for _, idx := range jobHomes {
		item, err := txn.Get(jobAt(idx, seq))
		if errors.Is(err, badger.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error { return decodeJob(b, j) })
	}
	return badger.ErrKeyNotFound
}
