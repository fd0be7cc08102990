package store

import (
	"encoding/binary"
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

// DueJobs returns the pending jobs whose retry time has come, oldest first,
// with their secrets: only for the dispatcher (an Internal actor). Jobs of
// one device keep their order: while a device's oldest pending job waits
// for its retry, its later jobs are not returned. The dispatcher applies a
// device's jobs in the order given and stops at the first that fails.
func (s *Store) DueJobs(a Actor, limit int) ([]Job, error) {
	if err := a.needInternal(); err != nil {
		return nil, err
	}
	now := s.now()
	var out []Job
	blocked := map[uint64]bool{}
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := jobStatePrefix(JobPending)
		return scan(txn, prefix, false, func(k, _ []byte) error {
			var j Job
			if err := getJSON(txn, jobKey(binary.BigEndian.Uint64(k[len(prefix):])), &j); err != nil {
				return err
			}
			if j.Kind == JobDevice && blocked[j.Panel] {
				return nil
			}
			if j.NextTry.After(now) {
				if j.Kind == JobDevice {
					blocked[j.Panel] = true
				}
				return nil
			}
			out = append(out, j)
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
		was := j.State
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
		w.putJob(j, was)
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

// SyncSummary counts the pending and failed jobs of the devices in the
// actor's scope (and all mail), for the header.
func (s *Store) SyncSummary(a Actor) (pending, failed int, err error) {
	if err := a.need(PermViewEquipment); err != nil {
		return 0, 0, err
	}
	err = s.db.View(func(txn *badger.Txn) error {
		units := map[uint64]uint64{}
		visible := func(panel uint64) bool {
			if panel == 0 {
				return true
			}
			unit, ok := units[panel]
			if !ok {
				var p Panel
				if getJSON(txn, panelKey(panel), &p) != nil {
					return false
				}
				unit, units[panel] = p.Unit, p.Unit
			}
			return s.unitInScope(a, unit)
		}
		for _, c := range []struct {
			st JobState
			n  *int
		}{{JobPending, &pending}, {JobFailed, &failed}} {
			err := scan(txn, jobStatePrefix(c.st), true, func(_, v []byte) error {
				if len(v) == 8 && visible(binary.BigEndian.Uint64(v)) {
					*c.n++
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return pending, failed, err
}
