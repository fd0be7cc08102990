package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/family"
	"github.com/guardroom/guardroom/store/plain"
)

// Drift: what a panel reports differs from what the store expects (a code
// cleared at the keypad, a label changed on the panel). The dispatcher
// reports what it read; the store decides what differs, shows it on the
// row, logs it, and lets an operator push the store's state or accept the
// panel's.

// DeviceUser is one slot as the panel reports it. It never holds a code.
type DeviceUser struct {
	Slot       int          `json:"slot"`
	CodeSet    bool         `json:"code_set"`
	Label      string       `json:"label,omitempty"`
	Role       family.Role  `json:"role,omitempty"`
	Partitions PartitionSet `json:"partitions,omitempty"`
	// CodeSerial is the panel's code-change counter for the slot; 0 when
	// the panel keeps none.
	CodeSerial uint32 `json:"code_serial,omitempty"`
}

// Drift is a disagreement between the store and its panel on one user.
type Drift struct {
	Panel    uint64     `json:"panel"`
	Slot     int        `json:"slot"`
	Seen     DeviceUser `json:"seen"`    // what the panel reported
	Reasons  []string   `json:"reasons"` // what differs, in words
	Detected time.Time  `json:"detected"`
}

// driftReasons compares a user with what the panel reports for its slot (d
// nil: the slot is empty on the panel). It also reports a code-change
// counter to adopt silently: the first one seen for a code the store set
// before the panel reported counters.
func driftReasons(u PanelUser, d *DeviceUser, masterSlot int) (reasons []string, baseline uint32) {
	devSet := d != nil && d.CodeSet
	switch {
	case !u.CodeSet && devSet && u.Slot == masterSlot:
		// Panels always hold a master code (the factory's until someone
		// changes it); one guardroom never set is no news.
		return nil, 0
	case u.CodeSet && !devSet:
		return []string{"code cleared at the panel"}, 0
	case !u.CodeSet && devSet:
		return []string{"a code was set at the panel"}, 0
	case !u.CodeSet:
		return nil, 0
	}
	switch {
	case u.DevSerial == 0:
		baseline = d.CodeSerial
	case d.CodeSerial != 0 && d.CodeSerial != u.DevSerial:
		reasons = append(reasons, "code changed at the panel")
	}
	if d.Label != "" && d.Label != u.DisplayLabel() {
		reasons = append(reasons, fmt.Sprintf("label on the panel is %q", d.Label))
	}
	if d.Partitions != 0 && d.Partitions != u.Partitions {
		reasons = append(reasons, "partitions on the panel are "+d.Partitions.String())
	}
	if d.Role != "" && d.Role != u.Role {
		reasons = append(reasons, "role on the panel is "+string(d.Role))
	}
	return reasons, baseline
}

// compared says whether a user's state can be compared with the panel: a
// change on its way (pending, keypad steps) or a failed one already shows
// the disagreement.
func compared(u PanelUser) bool {
	switch u.Sync.State {
	case SyncPending, SyncKeypad, SyncFailed:
		return false
	}
	return true
}

// ReportUsers compares the users a panel reports (every slot holding a
// code; other slots are empty) with the store. New drift is shown on the
// row and logged; drift that went away is cleared. It returns how many
// users of the panel drift now.
func (s *Store) ReportUsers(a Actor, panel uint64, dev []DeviceUser) (int, error) {
	if err := a.needInternal(dispatchReports); err != nil {
		return 0, err
	}
	seen := make(map[int]*DeviceUser, len(dev))
	for i := range dev {
		seen[dev[i].Slot] = &dev[i]
	}
	type change struct {
		u       PanelUser
		reasons []string
		serial  uint32
	}
	var p Panel
	var todo []change
	drifting := 0
	err := s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, panelKey(panel), &p); err != nil {
			return fmt.Errorf("panel %d: %w", panel, err)
		}
		visit := func(u PanelUser) {
			d := seen[u.Slot]
			delete(seen, u.Slot)
			if !compared(u) {
				if u.Sync.State == SyncDrift {
					drifting++
				}
				return
			}
			reasons, baseline := driftReasons(u, d, p.Spec().MasterSlot)
			if len(reasons) > 0 {
				drifting++
			}
			switch {
			case len(reasons) > 0 && (u.Sync.State != SyncDrift || u.Sync.Reason != strings.Join(reasons, "; ")),
				len(reasons) == 0 && (u.Sync.State == SyncDrift || u.Sync.State == SyncCancelled),
				baseline != 0:
				todo = append(todo, change{u, reasons, baseline})
			}
		}
		err := scan(txn, userPrefix(panel), true, func(k, v []byte) error {
			var u PanelUser
			if err := decodeUser(k, v, &u); err != nil {
				return err
			}
			visit(u)
			return nil
		})
		if err != nil {
			return err
		}
		for slot := range seen {
			if slot >= 1 && slot <= p.Slots {
				visit(emptyUser(p, slot))
			}
		}
		return nil
	})
	if err != nil || len(todo) == 0 {
		return drifting, err
	}
	w := s.begin(a, "device.drift", p.Label())
	return drifting, s.finish(w, func() error {
		for _, c := range todo {
			u, err := readUser(w.txn, p, c.u.Slot)
			if err != nil {
				return err
			}
			if u.Sync != c.u.Sync || u.DevSerial != c.u.DevSerial || u.CodeSet != c.u.CodeSet {
				continue // an operator changed the user meanwhile; the next poll looks again
			}
			if c.serial != 0 {
				u.DevSerial = c.serial
			}
			w.unit, w.panel, w.slot, w.place = p.Unit, p.ID, u.Slot, fmt.Sprintf("%s user %d", p.Label(), u.Slot)
			switch {
			case len(c.reasons) > 0:
				reason := strings.Join(c.reasons, "; ")
				d := Drift{Panel: p.ID, Slot: u.Slot, Reasons: c.reasons, Detected: s.now(), Seen: DeviceUser{Slot: u.Slot}}
				if sd := findDev(dev, u.Slot); sd != nil {
					d.Seen = *sd
				}
				u.Sync = Sync{State: SyncDrift, Job: u.Sync.Job, Reason: reason}
				w.set(driftKey(p.ID, u.Slot), d)
				w.appendLog(nil, map[string]string{"drift": reason}, "drift: the panel differs from guardroom")
			case u.Sync.State == SyncDrift:
				u.Sync = Sync{State: SyncInSync, Job: u.Sync.Job}
				w.del(driftKey(p.ID, u.Slot))
				w.appendLog(nil, nil, "drift cleared: the panel matches guardroom again")
			case u.Sync.State == SyncCancelled:
				u.Sync = Sync{State: SyncInSync, Job: u.Sync.Job}
			}
			w.setRaw(userKey(u.Panel, u.Slot), u.encode())
			w.changed(Change{What: ChangeUser, Panel: u.Panel, Slot: u.Slot})
		}
		return nil
	})
}

func findDev(dev []DeviceUser, slot int) *DeviceUser {
	for i := range dev {
		if dev[i].Slot == slot {
			return &dev[i]
		}
	}
	return nil
}

// GetDrift returns the drift recorded on a user; ErrNotFound when the user
// does not drift.
func (s *Store) GetDrift(a Actor, panel uint64, slot int) (Drift, error) {
	var d Drift
	if err := a.need(PermViewEquipment | PermViewPanelUsers); err != nil {
		return d, err
	}
	err := s.db.View(func(txn *badger.Txn) error {
		if _, err := s.readPanel(txn, a, panel); err != nil {
			return err
		}
		err := getJSON(txn, driftKey(panel, slot), &d)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return refuse(ErrNotFound, "panel user %d of panel %d does not drift: nothing to resolve", slot, panel)
		}
		return err
	})
	return d, err
}

// DriftChoice is how an operator settles a drift.
type DriftChoice string

// Drift choices.
const (
	// PushStore sends the store's state to the panel.
	PushStore DriftChoice = "push"
	// AcceptPanel makes the store take the panel's state.
	AcceptPanel DriftChoice = "accept"
)

// ResolveDrift settles a drifting user. Pushing queues the jobs that make
// the panel match the store; a code the panel lost or changed cannot be
// pushed, since guardroom does not keep codes: set a new code instead.
// Accepting takes the panel's state; a code set or changed at the panel is
// then unknown to guardroom, so it cannot be checked against duplicates.
func (s *Store) ResolveDrift(a Actor, panel uint64, slot int, choice DriftChoice) error {
	return s.userOp(a, PermManagePanelUsers, "user.drift-"+string(choice), panel, slot, func(w *wtx, p Panel, u *PanelUser) error {
		var d Drift
		if err := getJSON(w.txn, driftKey(panel, slot), &d); errors.Is(err, badger.ErrKeyNotFound) || u.Sync.State != SyncDrift {
			return refuse(ErrState, "panel user %d of %s does not drift: nothing to resolve", slot, p.Name)
		} else if err != nil {
			return err
		}
		before := u.state()
		switch choice {
		case AcceptPanel:
			if d.Seen.CodeSet && d.Seen.Label != "" {
				// The label comes from the panel, not from an operator: it
				// may hold what guardroom never stores (text.go).
				if prob, bad := plain.Check(d.Seen.Label); bad {
					return refuse(ErrInvalid, "the panel's label holds %s, which guardroom does not keep: push guardroom's state instead, then set the label you want",
						plainProblem(prob))
				}
			}
			w.del(driftKey(panel, slot))
			acceptPanel(w, &p, u, d.Seen)
			u.Sync = Sync{State: SyncInSync, Job: u.Sync.Job}
			w.writeUser(u)
		case PushStore:
			if err := pushStore(w, p, u, d); err != nil {
				return err
			}
		default:
			return refuse(ErrInvalid, "drift choice %q: choose push (send guardroom's state to the panel) or accept (take the panel's)", choice)
		}
		w.log(before, map[string]string{"drift": strings.Join(d.Reasons, "; "), "resolved": string(choice)})
		return nil
	})
}

func acceptPanel(w *wtx, p *Panel, u *PanelUser, seen DeviceUser) {
	codeChanged := seen.CodeSet && u.CodeSet && seen.CodeSerial != 0 && seen.CodeSerial != u.DevSerial
	if (!seen.CodeSet || codeChanged) && u.codeHash != nil {
		w.del(codeIdxKey(p.ID, u.codeHash))
		u.codeHash = nil
	}
	if seen.CodeSet != u.CodeSet {
		if seen.CodeSet {
			p.CodesSet++
		} else {
			p.CodesSet--
		}
		w.dirtyPanel = p
	}
	u.CodeSet, u.DevSerial = seen.CodeSet, seen.CodeSerial
	if !seen.CodeSet {
		u.Label, u.Partitions, u.Role = "", 0, p.Spec().DefaultRole(u.Slot)
		return
	}
	if seen.Label != "" && seen.Label != u.DisplayLabel() {
		u.Label = seen.Label
	}
	if seen.Partitions != 0 {
		u.Partitions = seen.Partitions
	}
	if seen.Role != "" && p.Spec().AllowsRole(seen.Role) {
		u.Role = seen.Role
	}
	if u.Partitions == 0 {
		u.Partitions = PartitionSet(0).With(1)
	}
}

func pushStore(w *wtx, p Panel, u *PanelUser, d Drift) error {
	seen := d.Seen
	codeLost := u.CodeSet && (!seen.CodeSet || (seen.CodeSerial != 0 && u.DevSerial != 0 && seen.CodeSerial != u.DevSerial))
	switch {
	case codeLost:
		return refuse(ErrState, "the panel lost or changed the code of user %d and guardroom does not keep codes: set a new code to push one, or accept the panel's state", u.Slot)
	case seen.Role != "" && seen.Role != u.Role:
		return refuse(ErrState, "the role of user %d differs on the panel and a role is only sent with a code: set a new code to push it, or accept the panel's state", u.Slot)
	case !u.CodeSet:
		w.queueDevice(u, Job{Op: OpClearCode})
	default:
		if seen.Label != "" && seen.Label != u.DisplayLabel() {
			w.queueDevice(u, Job{Op: OpSetLabel, Label: u.DisplayLabel()})
		}
		if seen.Partitions != 0 && seen.Partitions != u.Partitions {
			w.queueDevice(u, Job{Op: OpSetPartitions, Partitions: u.Partitions})
		}
	}
	w.del(driftKey(p.ID, u.Slot))
	if u.Sync.State == SyncDrift { // nothing differed that a job could carry
		u.Sync = Sync{State: SyncInSync, Job: u.Sync.Job}
	}
	w.writeUser(u)
	return nil
}
