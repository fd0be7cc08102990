package store

import (
	"bytes"
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

func (a Actor) needInternal() error {
	if a.internal {
		return nil
	}
	return refuse(ErrPermission, "only guardroom's own dispatcher may read or finish outbox jobs")
}

// DueJobs returns pending jobs whose retry time has come, oldest first, with
// their secrets: only for the dispatcher (an Internal actor).
func (s *Store) DueJobs(a Actor, limit int) ([]Job, error) {
	if err := a.needInternal(); err != nil {
		return nil, err
	}
	now := s.now()
	var out []Job
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pOutbox, true, func(_, v []byte) error {
			var j Job
			if err := jsonUnmarshal(v, &j); err != nil {
				return err
			}
			if j.State == JobPending && !j.NextTry.After(now) {
				out = append(out, j)
			}
			if limit > 0 && len(out) >= limit {
				return errStopScan
			}
			return nil
		})
	})
	if err == errStopScan {
		err = nil
	}
	return out, err
}

var errStopScan = fmt.Errorf("stop scan")

// FinishJob records the outcome of one attempt at a job: done (its secrets
// dropped), failed for good, or pending again after a back-off. The panel
// user's Sync follows, and final outcomes go into the action log.
func (s *Store) FinishJob(a Actor, seq uint64, r JobResult) error {
	w := s.begin(a, "device.apply", fmt.Sprintf("job %d", seq))
	return s.finish(w, func() error {
		if err := a.needInternal(); err != nil {
			return err
		}
		var j Job
		if err := getJSON(w.txn, jobKey(seq), &j); err != nil {
			return fmt.Errorf("job %d: %w", seq, err)
		}
		if j.State != JobPending {
			return refuse(ErrState, "job %d is %s, not pending", seq, j.State)
		}
		j.Attempts++
		j.LastError = r.Err
		outcome := "verified"
		switch {
		case r.Err == "":
			j.State, j.Code = JobDone, ""
			if j.Mail != nil {
				j.Mail.Body = ""
			}
			if !r.Verified {
				outcome = "unverified"
			}
		case r.Permanent:
			j.State, j.Code, outcome = JobFailed, "", "failed"
			if j.Mail != nil {
				j.Mail.Body = ""
			}
		default:
			j.NextTry = s.now().Add(backoff(j.Attempts))
			outcome = "retrying"
		}
		w.set(jobKey(seq), j)
		w.changed(Change{What: ChangeJob})
		if j.Kind == JobMail {
			w.action, w.place = "mail.send", "mail to "+j.Mail.To
			w.account = j.Mail.To
		}
		if j.Kind == JobDevice {
			var p Panel
			if err := getJSON(w.txn, panelKey(j.Panel), &p); err != nil {
				return fmt.Errorf("job %d panel %d: %w", seq, j.Panel, err)
			}
			w.unit, w.panel, w.slot = p.Unit, p.ID, j.Slot
			w.place = fmt.Sprintf("%s user %d", p.Label(), j.Slot)
			u, err := readUser(w.txn, p, j.Slot)
			if err != nil {
				return err
			}
			if u.Sync.Job == seq {
				switch outcome {
				case "verified":
					u.Sync = Sync{State: SyncInSync, Job: seq}
				case "unverified":
					u.Sync = Sync{State: SyncUnverified, Job: seq}
				case "failed":
					u.Sync = Sync{State: SyncFailed, Job: seq, Reason: r.Err}
				default:
					u.Sync = Sync{State: SyncPending, Job: seq, Reason: r.Err}
				}
				w.setRaw(userKey(u.Panel, u.Slot), u.encode())
				w.changed(Change{What: ChangeUser, Panel: u.Panel, Slot: u.Slot})
			}
		}
		if outcome == "retrying" {
			return nil // transient failures show on the row, not in the log
		}
		result := "ok"
		if outcome == "failed" {
			result = "failed: " + r.Err
		}
		w.appendLog(nil, map[string]string{"job": fmt.Sprint(seq), "op": string(j.Op), "driver": r.Driver, "transport": r.Transport, "outcome": outcome}, result)
		return nil
	})
}

// SyncSummary counts outbox jobs pending and failed, for the header.
func (s *Store) SyncSummary(a Actor) (pending, failed int, err error) {
	if err := a.need(PermViewEquipment); err != nil {
		return 0, 0, err
	}
	err = s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pOutbox, true, func(_, v []byte) error {
			switch {
			case bytes.Contains(v, []byte(`"state":"pending"`)):
				pending++
			case bytes.Contains(v, []byte(`"state":"failed"`)):
				failed++
			}
			return nil
		})
	})
	return pending, failed, err
}
