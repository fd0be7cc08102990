package store

import (
	"fmt"
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
	Mail       *Mail        `json:"mail,omitempty"`
	Created    time.Time    `json:"created"`
	State      JobState     `json:"state"`
	Attempts   int          `json:"attempts,omitempty"`
	NextTry    time.Time    `json:"next_try,omitempty"`
	LastError  string       `json:"last_error,omitempty"`
	Log        uint64       `json:"log,omitempty"`
}

// String describes the job without its secrets.
func (j Job) String() string {
	if j.Kind == JobMail && j.Mail != nil {
		return fmt.Sprintf("job %d mail to %s %q: %s", j.Seq, j.Mail.To, j.Mail.Subject, j.State)
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
	w.putJob(j, "")
	return j.Seq
}

// putJob writes a job and moves its state index entry (pending and failed
// jobs are indexed, with their panel as the value).
func (w *wtx) putJob(j Job, was JobState) {
	if was != j.State && (was == JobPending || was == JobFailed) {
		w.del(jobStateKey(was, j.Seq))
	}
	if j.State == JobPending || j.State == JobFailed {
		w.setRaw(jobStateKey(j.State, j.Seq), u64(j.Panel))
	}
	b, err := marshalJob(&j)
	if err != nil {
		w.err = err
		return
	}
	w.setRaw(jobKey(j.Seq), b)
	w.changed(Change{What: ChangeJob, Panel: j.Panel, Slot: j.Slot})
}

// queueDevice queues a job for the user's panel and marks the user pending.
func (w *wtx) queueDevice(u *PanelUser, j Job) {
	j.Kind, j.Panel, j.Slot = JobDevice, u.Panel, u.Slot
	seq := w.queue(j)
	u.Sync = Sync{State: SyncPending, Job: seq}
}

func (w *wtx) queueMail(m Mail) {
	w.queue(Job{Kind: JobMail, Op: OpMail, Mail: &m})
}

// JobFilter narrows ListJobs.
type JobFilter struct {
	State JobState // "" for every state
	Kind  JobKind
	Panel uint64
}

// ListJobs returns outbox jobs with their secrets removed, oldest first.
func (s *Store) ListJobs(a Actor, f JobFilter) ([]Job, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Job
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pOutbox, true, func(_, v []byte) error {
			var j Job
			if err := jsonUnmarshal(v, &j); err != nil {
				return err
			}
			if (f.State != "" && j.State != f.State) || (f.Kind != "" && j.Kind != f.Kind) || (f.Panel != 0 && j.Panel != f.Panel) {
				return nil
			}
			out = append(out, j.redacted())
			return nil
		})
	})
	return out, err
}
