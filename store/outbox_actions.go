package store

import (
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// What operators do with the outbox: look at a job, retry a failed one,
// cancel one, confirm keypad steps done by hand. And what the dispatcher
// does when a driver needs a person: park the job with its steps.

// jobStateName names a job's state for a refusal: its index, or for a
// job no index holds (done, cancelled) its state.
func jobStateName(j Job) string {
	if idx := jobIndex(j); idx != "" {
		return string(idx)
	}
	return string(j.State)
}

// Perm is the permission an operator needs to retry, cancel or confirm the
// job: that of the change it carries, since doing so gives (or takes back)
// that change.
func (j Job) Perm() Perm {
	switch {
	case j.Kind == JobMail:
		return PermManageAccounts
	case j.ForPartition():
		return PermArmDisarm
	case j.ForLock():
		return PermOperateDoors
	case j.ForLockUser() || j.ForTag():
		return PermManageLocksTags
	}
	return PermManagePanelUsers
}

// jobOp runs an operator's action on one job: the permission its change
// needs, and its panel in the actor's scope.
func (s *Store) jobOp(a Actor, action string, seq uint64, body func(w *wtx, j Job) error) error {
	w := s.begin(a, action, fmt.Sprintf("job %d", seq))
	return s.finish(w, func() error {
		j, err := w.readJob(seq)
		if err != nil {
			return err
		}
		if !s.jobScope(w.txn, a)(j) {
			return noJob(seq)
		}
		if j.Kind == JobDevice {
			if _, err := w.jobPanel(j); err != nil {
				return err
			}
		} else if j.Mail != nil {
			w.place, w.account, w.unit = "mail to "+j.Mail.To, j.Mail.To, s.mailUnit(w.txn, j)
		}
		if err := a.need(j.Perm()); err != nil {
			return err
		}
		return body(w, j)
	})
}

// GetJob returns one job without its secrets.
func (s *Store) GetJob(a Actor, seq uint64) (Job, error) {
	var j Job
	if err := a.need(PermViewEquipment); err != nil {
		return j, err
	}
	err := s.db.View(func(txn *badger.Txn) error {
		err := getJob(txn, seq, &j)
		if errors.Is(err, badger.ErrKeyNotFound) || (err == nil && !s.jobScope(txn, a)(j)) {
			return noJob(seq)
		}
		return err
	})
	return j.redacted(), err
}

// RetryJob puts a failed job back in the queue, to be applied now. A user
// job carries the user's current role, label and partitions: the store's
// state is what the panel must get; a tag job is retried only while the
// tag is still where the job puts it (or takes it from), and a lock user
// job only while the store still assigns (or no longer assigns) the user. Arm, disarm, lock
// and unlock commands are not retried late: give them again.
func (s *Store) RetryJob(a Actor, seq uint64) error {
	return s.jobOp(a, "job.retry", seq, func(w *wtx, j Job) error {
		if err := ruleRetry(j); err != nil {
			return err
		}
		was := j
		j.State, j.Attempts, j.NextTry, j.LastError, j.By = JobPending, 0, w.s.now(), "", w.actor.name
		if j.ForTag() {
			if err := w.retryTag(j); err != nil {
				return err
			}
		} else if j.ForLockUser() {
			if err := w.retryLockUser(j); err != nil {
				return err
			}
		} else if j.Kind == JobDevice {
			p, _ := w.jobPanel(j)
			u, err := readUser(w.txn, p, j.Slot)
			if err != nil {
				return err
			}
			switch j.Op {
			case OpSetCode:
				if !u.CodeSet {
					return refuse(ErrNoCode, "panel user %d of %s has no code any more: set a new code instead", j.Slot, p.Name)
				}
				j.Role, j.Label, j.Partitions = u.Role, u.DisplayLabel(), u.Partitions
			case OpSetLabel:
				j.Label = u.DisplayLabel()
			case OpSetPartitions:
				j.Partitions = u.Partitions
			case OpClearCode:
				if u.CodeSet {
					return refuse(ErrHasCode, "panel user %d of %s has a code again: clearing it would remove it from the panel", j.Slot, p.Name)
				}
			}
			u.Sync = Sync{State: SyncPending, Job: seq}
			w.writeUser(&u)
		}
		w.putJob(j, &was)
		w.log(map[string]string{"state": string(JobFailed), "error": was.LastError}, map[string]string{"state": string(JobPending)})
		return nil
	})
}

// CancelJob drops a pending, keypad-waiting or failed job, and its secrets.
// The user or partition shows that the change was not applied; for users,
// the next poll of a panel that reads back tells whether it has the change.
func (s *Store) CancelJob(a Actor, seq uint64) error {
	return s.jobOp(a, "job.cancel", seq, func(w *wtx, j Job) error {
		if err := ruleCancel(j); err != nil {
			return err
		}
		was := j
		before := jobIndex(j)
		j.State, j.Steps, j.By = JobCancelled, nil, w.actor.name
		j.dropSecrets()
		w.putJob(j, &was)
		if j.Kind == JobDevice {
			p, _ := w.jobPanel(j)
			reason := "cancelled by " + w.actor.name + " before the panel confirmed it"
			if j.ForLock() || j.ForLockUser() || j.ForTag() {
				if err := w.syncLockOrTag(j, Sync{State: SyncCancelled, Job: seq, Reason: reason}); err != nil {
					return err
				}
			} else if j.ForPartition() {
				var part Partition
				if err := getJSON(w.txn, partKey(p.ID, j.Partition), &part); err != nil {
					return err
				}
				if part.Sync.Job == seq {
					part.Sync = Sync{State: SyncCancelled, Job: seq, Reason: reason}
					w.set(partKey(p.ID, j.Partition), part)
					w.changed(Change{What: ChangePartition, Panel: p.ID})
				}
			} else {
				u, err := readUser(w.txn, p, j.Slot)
				if err != nil {
					return err
				}
				if u.Sync.Job == seq {
					u.Sync = Sync{State: SyncCancelled, Job: seq, Reason: reason}
					w.writeUser(&u)
				}
			}
		}
		w.log(map[string]string{"state": string(before)}, map[string]string{"state": string(JobCancelled)})
		return nil
	})
}

// ConfirmJob records that the operator keyed in a job's steps at the
// panel. The change counts as applied by that operator, never as verified
// by the panel.
func (s *Store) ConfirmJob(a Actor, seq uint64) error {
	return s.jobOp(a, "job.confirm", seq, func(w *wtx, j Job) error {
		if !j.Waiting() {
			return refuse(ErrState, "job %d does not wait for keypad steps (it is %s): nothing to confirm", seq, jobStateName(j))
		}
		return w.finishJob(j, JobResult{Driver: driverKeypad, Transport: "keypad", By: w.actor.name})
	})
}

// ParkJob sets a job aside until an operator keys in steps at the panel
// and confirms it (the guided driver). The dispatcher goes on with the
// panel's later jobs: each waits with its own steps, in order.
func (s *Store) ParkJob(a Actor, seq uint64, steps []string, driver string) error {
	w := s.begin(a, "device.keypad", fmt.Sprintf("job %d", seq))
	return s.finish(w, func() error {
		if err := a.needInternal(dispatchPark); err != nil {
			return err
		}
		if len(steps) == 0 {
			return refuse(ErrInvalid, "job %d: no keypad steps to show", seq)
		}
		j, err := w.readJob(seq)
		if err != nil {
			return err
		}
		if j.State != JobPending || j.Waiting() {
			return refuse(ErrState, "job %d is %s, not pending", seq, jobStateName(j))
		}
		was := j
		j.Steps = slices.Clone(steps)
		j.LastError = "waiting for an operator to key it in at the panel (" + driver + " driver)"
		w.putJob(j, &was)
		if j.Kind != JobDevice {
			return nil
		}
		p, err := w.jobPanel(j)
		if err != nil {
			return err
		}
		sync := Sync{State: SyncKeypad, Job: seq, Reason: "open it to see the keypad steps, then confirm"}
		if j.ForLock() || j.ForLockUser() || j.ForTag() {
			return w.syncLockOrTag(j, sync)
		}
		if j.ForPartition() {
			var part Partition
			if err := getJSON(w.txn, partKey(p.ID, j.Partition), &part); err != nil {
				return err
			}
			if part.Sync.Job == seq {
				part.Sync = sync
				w.set(partKey(p.ID, j.Partition), part)
				w.changed(Change{What: ChangePartition, Panel: p.ID})
			}
			return nil
		}
		u, err := readUser(w.txn, p, j.Slot)
		if err != nil {
			return err
		}
		if u.Sync.Job == seq {
			u.Sync = sync
			w.setRaw(userKey(u.Panel, u.Slot), u.encode())
			w.changed(Change{What: ChangeUser, Panel: u.Panel, Slot: u.Slot})
		}
		return nil
	})
}
