package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// How each panel is reached and what the dispatcher last saw of it. The
// dispatcher reports through an Internal actor; operators configure.

// DeviceConfig says which driver reaches a panel and where.
type DeviceConfig struct {
	Driver  string            // "sim", "modbus", "guided", ...
	Address string            // the driver's form: "tcp://10.0.0.5:502", a sim name
	Options map[string]string // driver settings (modbus: unit, base, timeout, ...)
}

var driverName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// SetPanelDevice changes the driver, address and options of a panel. The
// store cannot know which drivers the program was built with: callers
// check the name against drivers.Names first. The connection state starts
// afresh.
func (s *Store) SetPanelDevice(a Actor, panel uint64, d DeviceConfig) error {
	return s.panelOp(a, PermManageDevices, "panel.device", panel, func(w *wtx, p Panel) error {
		d.Driver = strings.TrimSpace(d.Driver)
		if !driverName.MatchString(d.Driver) {
			return refuse(ErrInvalid, "driver %q is not a driver name: see guardroom panel drivers", d.Driver)
		}
		if err := driverReaches(d.Driver, p.Spec()); err != nil {
			return err
		}
		d.Address = strings.TrimSpace(d.Address)
		if d.Driver != driverKeypad && d.Address == "" {
			return refuse(ErrInvalid, "the %s driver needs an address (e.g. tcp://10.0.0.5:502): give --address", d.Driver)
		}
		if len(d.Address) > 200 {
			return refuse(ErrInvalid, "address must be one line of at most 200 characters")
		}
		if err := checkPlain("address", d.Address); err != nil {
			return err
		}
		for k, v := range d.Options {
			if !driverName.MatchString(k) || len(v) > 100 {
				return refuse(ErrInvalid, "driver option %q=%q: names are lower-case words, values one line of at most 100 characters", k, v)
			}
			if err := checkPlain("driver option "+k, v); err != nil {
				return err
			}
		}
		before := map[string]string{"driver": p.Driver, "address": p.Address, "options": optionsString(p.Options)}
		p.Driver, p.Address, p.Options = d.Driver, d.Address, maps.Clone(d.Options)
		p.Conn = Connection{}
		w.set(panelKey(p.ID), p)
		w.changed(Change{What: ChangePanel, Panel: p.ID})
		w.log(before, map[string]string{"driver": p.Driver, "address": p.Address, "options": optionsString(p.Options)})
		return nil
	})
}

// panelOp runs one operation on a panel with the common checks: the panel
// named for the log, the permission, the panel in the actor's scope.
func (s *Store) panelOp(a Actor, perm Perm, action string, panel uint64, body func(w *wtx, p Panel) error) error {
	w := s.begin(a, action, fmt.Sprintf("panel %d", panel))
	w.panel = panel
	return s.finish(w, func() error {
		w.atPanel(panel, "")
		if err := a.need(perm); err != nil {
			return err
		}
		p, err := s.readPanel(w.txn, a, panel)
		if err != nil {
			return err
		}
		return body(w, p)
	})
}

func optionsString(o map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(o)) {
		parts = append(parts, k+"="+o[k])
	}
	return strings.Join(parts, " ")
}

// ConnectionReport is what the dispatcher learned talking to a device.
type ConnectionReport struct {
	Online bool
	// Misconfigured: the device answered but is not what the settings
	// say (Err says why); Online is false then.
	Misconfigured bool
	Err           string // why it is offline or misconfigured, or the last error while online
	Driver        string
	Transport     string
	// Identity is what the device said it is, when the driver read it
	// (nil: not known; the panel's last warning stays).
	Identity *DeviceIdentity
}

// DeviceIdentity is what a device says of itself, compared with the
// panel's settings.
type DeviceIdentity struct {
	Slots, CodeLength, Partitions int
}

// identityWarning says where a device's identity disagrees with the
// panel's settings, and what follows; "" when it agrees.
func identityWarning(p Panel, id DeviceIdentity) string {
	var diff []string
	if id.Slots != p.Slots {
		diff = append(diff, fmt.Sprintf("the device has %d user slots, the panel's settings %d", id.Slots, p.Slots))
	}
	if id.CodeLength != p.CodeLength {
		diff = append(diff, fmt.Sprintf("the device takes %d-digit codes, the panel's settings %d-digit", id.CodeLength, p.CodeLength))
	}
	if n := p.Partitions(); id.Partitions != n {
		diff = append(diff, fmt.Sprintf("the device has %d partitions, the panel's family %d", id.Partitions, n))
	}
	if len(diff) == 0 {
		return ""
	}
	return "the device's identity disagrees with the panel's settings: " + strings.Join(diff, "; ") +
		": the device will refuse what does not fit it; check that the address reaches this panel, or add the panel again with the device's family, slots and code length"
}

// seenEvery bounds how often an unchanged, online device's LastSeen is
// written: a poll every few seconds must not mean a write every few seconds.
const seenEvery = time.Minute

// update folds a report into a connection. It reports whether anything
// worth writing changed, and whether the device went on or off line.
func (c *Connection) update(r ConnectionReport, warning string, now time.Time) (changed, transition bool) {
	transition = c.Online != r.Online || c.Misconfigured != r.Misconfigured || c.Since.IsZero()
	changed = transition || c.LastError != r.Err || c.Driver != r.Driver || c.Transport != r.Transport ||
		c.Warning != warning || (r.Online && now.Sub(c.LastSeen) >= seenEvery)
	if transition {
		c.Since = now
	}
	if r.Online {
		c.LastSeen = now
	}
	c.Online, c.Misconfigured, c.LastError, c.Driver, c.Transport = r.Online, r.Misconfigured, r.Err, r.Driver, r.Transport
	c.Warning = warning
	return changed, transition
}

// ReportConnection records a device's (panel 0: the mail server's)
// connection state. Going on or off line, or becoming misconfigured, is
// logged, and so is a new warning from the device's identity (or its
// end); other reports are written only when they change something.
func (s *Store) ReportConnection(a Actor, panel uint64, r ConnectionReport) error {
	if err := a.needInternal(dispatchReports); err != nil {
		return err
	}
	if panel == 0 {
		return s.reportMail(a, r)
	}
	now := s.now()
	var p Panel
	if err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, panelKey(panel), &p) }); err != nil {
		return fmt.Errorf("panel %d: %w", panel, err)
	}
	warning := func(p Panel) string {
		if r.Identity == nil {
			return p.Conn.Warning
		}
		return identityWarning(p, *r.Identity)
	}
	probe := p.Conn
	if changed, _ := probe.update(r, warning(p), now); !changed {
		return nil
	}
	w := s.begin(a, "device.connection", fmt.Sprintf("panel %d", panel))
	return s.finish(w, func() error {
		if err := getJSON(w.txn, panelKey(panel), &p); err != nil {
			return fmt.Errorf("panel %d: %w", panel, err)
		}
		was := p.Conn.Warning
		_, transition := p.Conn.update(r, warning(p), now)
		w.set(panelKey(p.ID), p)
		w.changed(Change{What: ChangePanel, Panel: p.ID})
		w.unit, w.panel, w.place = p.Unit, p.ID, p.Label()
		if transition {
			w.action = "device.offline"
			result := "offline: " + r.Err
			switch {
			case r.Online:
				w.action, result = "device.online", "ok"
			case r.Misconfigured:
				w.action, result = "device.misconfigured", "misconfigured: "+r.Err
			}
			w.appendLog(nil, map[string]string{"driver": r.Driver, "transport": r.Transport}, result)
			if err := w.journalConnection(p, r); err != nil {
				return err
			}
		}
		if p.Conn.Warning != was {
			w.action = "device.identity"
			result := "warning: " + p.Conn.Warning
			if p.Conn.Warning == "" {
				result = "ok: the device's identity agrees with the panel's settings"
			}
			w.appendLog(nil, map[string]string{"driver": r.Driver, "transport": r.Transport}, result)
		}
		return nil
	})
}

// NextCommandNumber reserves the next number of a panel's command counter
// (1, 2, 3, ...) for the dispatcher, which numbers a command with it
// before writing it to the device: a device ignores a command equal to
// its last one with the same number (a retry after a lost reply), so a new
// command must never get the number of the one before it. The number is
// committed (and synced to disk) before it is returned, so that a process
// started after a crash or a kill goes on from the numbers already handed
// out instead of starting again. Numbers are not logged.
func (s *Store) NextCommandNumber(a Actor, panel uint64) (uint64, error) {
	return s.ReserveCommandNumbers(a, panel, 1)
}

// ReserveCommandNumbers reserves the next n numbers of a panel's command
// counter in one synced commit and returns the first (the others follow
// it): the dispatcher hands them out one a command, so a run of commands
// costs one sync rather than one each. Numbers reserved and never used
// (the process stopped) are skipped, never handed out again.
func (s *Store) ReserveCommandNumbers(a Actor, panel uint64, n uint64) (uint64, error) {
	if err := a.needInternal(dispatchNumbers); err != nil {
		return 0, err
	}
	if n == 0 {
		n = 1
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var last uint64
	err := s.db.Update(func(txn *badger.Txn) error {
		key := k(pCmdNo, u64(panel))
		item, err := txn.Get(key)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if len(v) != 8 {
				return fmt.Errorf("command counter of panel %d: %d bytes, want 8", panel, len(v))
			}
			last = binary.BigEndian.Uint64(v)
		}
		return txn.Set(key, u64(last+n))
	})
	if err != nil {
		return 0, fmt.Errorf("reserve a command number for panel %d: %w", panel, err)
	}
	return last + 1, nil
}

// carryCommandNumbers raises every panel's command counter in n (a
// restored database, not yet in use) to at least what it is here, so that
// a restore never hands a device a number it was sent after the backup
// was made: the counter only ever goes on.
func (s *Store) carryCommandNumbers(n *Store) error {
	counters := map[string]uint64{}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pCmdNo, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if len(v) == 8 {
				counters[string(it.Item().KeyCopy(nil))] = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil || len(counters) == 0 {
		return err
	}
	return n.db.Update(func(txn *badger.Txn) error {
		for key, cur := range counters {
			item, err := txn.Get([]byte(key))
			switch {
			case errors.Is(err, badger.ErrKeyNotFound):
			case err != nil:
				return err
			default:
				v, err := item.ValueCopy(nil)
				if err != nil {
					return err
				}
				if len(v) == 8 && binary.BigEndian.Uint64(v) >= cur {
					continue
				}
			}
			if err := txn.Set([]byte(key), u64(cur)); err != nil {
				return err
			}
		}
		return nil
	})
}

var kMail = []byte("meta/mail")

func (s *Store) reportMail(a Actor, r ConnectionReport) error {
	now := s.now()
	var c Connection
	if err := s.db.View(func(txn *badger.Txn) error { return getOptional(txn, kMail, &c) }); err != nil {
		return err
	}
	if changed, _ := c.update(r, "", now); !changed {
		return nil
	}
	w := s.begin(a, "mail.connection", "mail server")
	return s.finish(w, func() error {
		var c Connection
		if err := getOptional(w.txn, kMail, &c); err != nil {
			return err
		}
		c.update(r, "", now)
		w.set(kMail, c)
		w.changed(Change{What: ChangeJob})
		return nil
	})
}

// getOptional reads a JSON record, leaving v as it is when there is none.
func getOptional(txn *badger.Txn, key []byte, v any) error {
	err := getJSON(txn, key, v)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	return err
}

// MailStatus is what the dispatcher last knew of the mail server; zero
// when it never reported (no dispatcher has run).
func (s *Store) MailStatus(a Actor) (Connection, error) {
	var c Connection
	if err := a.need(PermViewEquipment); err != nil {
		return c, err
	}
	err := s.db.View(func(txn *badger.Txn) error { return getOptional(txn, kMail, &c) })
	return c, err
}

// PartitionReport is one partition's state as the panel reports it.
type PartitionReport struct {
	Number int
	State  PartitionState
}

// ReportPartitions records the partition states a panel reports. Each
// change is logged (an alarm, a partition armed at the keypad).
func (s *Store) ReportPartitions(a Actor, panel uint64, got []PartitionReport) error {
	if err := a.needInternal(dispatchReports); err != nil {
		return err
	}
	var p Panel
	var parts []Partition
	if err := s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, panelKey(panel), &p); err != nil {
			return fmt.Errorf("panel %d: %w", panel, err)
		}
		var err error
		parts, err = readPartitions(txn, panel)
		return err
	}); err != nil {
		return err
	}
	if !partitionsDiffer(parts, got) {
		return nil
	}
	w := s.begin(a, "partition.state", p.Label())
	return s.finish(w, func() error {
		parts, err := readPartitions(w.txn, panel)
		if err != nil {
			return err
		}
		for _, r := range got {
			if r.Number < 1 || r.Number > len(parts) || parts[r.Number-1].State == r.State {
				continue
			}
			part := parts[r.Number-1]
			before := part.State
			part.State, part.Changed = r.State, s.now()
			w.set(partKey(panel, part.Number), part)
			w.unit, w.panel, w.place = p.Unit, p.ID, fmt.Sprintf("%s partition %d", p.Label(), part.Number)
			w.appendLog(map[string]string{"state": string(before)}, map[string]string{"state": string(part.State)}, "reported by the panel")
		}
		w.changed(Change{What: ChangePartition, Panel: panel})
		return nil
	})
}

// UserSeen is a user the panel reported arming or disarming a partition.
type UserSeen struct {
	Slot, Partition int
	Armed           bool
}

// ReportUsersSeen records that the panel took these users' codes (it saw
// them arm or disarm): a code guardroom sent that the panel could not
// confirm (sent by keystrokes) is then verified by the panel, and the log
// says how. Only for the dispatcher; users that are not waiting for that
// are left as they are.
func (s *Store) ReportUsersSeen(a Actor, panel uint64, seen []UserSeen) error {
	if err := a.needInternal(dispatchReports); err != nil {
		return err
	}
	var p Panel
	first := map[int]UserSeen{}
	if err := s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, panelKey(panel), &p); err != nil {
			return fmt.Errorf("panel %d: %w", panel, err)
		}
		for _, u := range seen {
			if _, dup := first[u.Slot]; dup || u.Slot < 1 || u.Slot > p.Slots {
				continue
			}
			got, err := readUser(txn, p, u.Slot)
			if err != nil {
				return err
			}
			if got.CodeSet && got.Sync.State == SyncUnverified {
				first[u.Slot] = u
			}
		}
		return nil
	}); err != nil || len(first) == 0 {
		return err
	}
	w := s.begin(a, "user.verified", p.Label())
	return s.finish(w, func() error {
		for _, slot := range slices.Sorted(maps.Keys(first)) {
			u, err := readUser(w.txn, p, slot)
			if err != nil {
				return err
			}
			if !u.CodeSet || u.Sync.State != SyncUnverified {
				continue // changed meanwhile
			}
			seen := first[slot]
			how := fmt.Sprintf("the panel saw user %d disarm partition %d with this code", slot, seen.Partition)
			if seen.Armed {
				how = fmt.Sprintf("the panel saw user %d arm partition %d with this code", slot, seen.Partition)
			}
			before := u.Sync
			u.Sync = Sync{State: SyncInSync, Job: before.Job}
			w.writeUser(&u)
			w.unit, w.panel, w.slot, w.place = p.Unit, p.ID, slot, fmt.Sprintf("%s user %d", p.Label(), slot)
			w.appendLog(map[string]string{"sync": string(before.State)}, map[string]string{"sync": string(SyncInSync), "verified by": how}, "reported by the panel")
		}
		return nil
	})
}

// readPartition reads partition n of panel p, refusing a number the panel
// does not have.
func readPartition(txn *badger.Txn, p Panel, n int) (Partition, error) {
	var part Partition
	if err := getJSON(txn, partKey(p.ID, n), &part); errors.Is(err, badger.ErrKeyNotFound) {
		return part, refuse(ErrNotFound, "%s has partitions 1-%d, not %d", p.Label(), p.Partitions(), n)
	} else if err != nil {
		return part, err
	}
	return part, nil
}

func readPartitions(txn *badger.Txn, panel uint64) ([]Partition, error) {
	var out []Partition
	err := scan(txn, partPrefix(panel), true, func(_, v []byte) error {
		var part Partition
		if err := jsonUnmarshal(v, &part); err != nil {
			return err
		}
		out = append(out, part)
		return nil
	})
	return out, err
}

func partitionsDiffer(have []Partition, got []PartitionReport) bool {
	for _, r := range got {
		if r.Number >= 1 && r.Number <= len(have) && have[r.Number-1].State != r.State {
			return true
		}
	}
	return false
}

// Arm arms a partition (stay or away) through its panel's driver.
func (s *Store) Arm(a Actor, panel uint64, n int, mode ArmMode) error {
	return s.ArmWithCode(a, panel, n, mode, "")
}

// ArmWithCode arms a partition with a user code the operator typed for
// this one command, for the panels that ask for one (DSC's "code
// required"). The code travels in the outbox job only, is dropped when the
// job ends, and the log says only that one was typed. "" is Arm.
func (s *Store) ArmWithCode(a Actor, panel uint64, n int, mode ArmMode, code string) error {
	to := ArmedAway
	if mode == ArmStay {
		to = ArmedStay
	}
	return s.armOp(a, "partition.arm", panel, n, to, Job{Op: OpArm, Mode: mode, Code: code})
}

// Disarm disarms a partition through its panel's driver.
func (s *Store) Disarm(a Actor, panel uint64, n int) error {
	return s.DisarmWithCode(a, panel, n, "")
}

// DisarmWithCode disarms a partition with a user code the operator typed
// for this one command, as ArmWithCode arms. "" is Disarm.
func (s *Store) DisarmWithCode(a Actor, panel uint64, n int, code string) error {
	return s.armOp(a, "partition.disarm", panel, n, Disarmed, Job{Op: OpDisarm, Code: code})
}

// checkArmingCode refuses a typed arming code the panel cannot take. It is
// not held to the rules for new codes: it is one the panel already knows,
// however easy. The refusal never repeats the code.
func checkArmingCode(p Panel, code string) error {
	if code == "" {
		return nil
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return refuse(ErrInvalid, "the arming code may contain digits only: retype it")
		}
	}
	if len(code) != p.CodeLength {
		return refuse(ErrInvalid, "the arming code must be %d digits, got %d: retype it", p.CodeLength, len(code))
	}
	return nil
}

// partitionOp runs one operation on partition n of a panel with the
// common checks: the partition named for the log, the permission, the
// panel in scope, the partition on it. TryPartition runs it too.
func (s *Store) partitionOp(a Actor, perm Perm, action string, panel uint64, n int, body func(w *wtx, p Panel, part *Partition) error) error {
	w := s.begin(a, action, fmt.Sprintf("panel %d partition %d", panel, n))
	w.panel = panel
	return s.finish(w, func() error {
		w.atPanel(panel, fmt.Sprintf(" partition %d", n))
		if err := a.need(perm); err != nil {
			return err
		}
		p, err := s.readPanel(w.txn, a, panel)
		if err != nil {
			return err
		}
		part, err := readPartition(w.txn, p, n)
		if err != nil {
			return err
		}
		return body(w, p, &part)
	})
}

func (s *Store) armOp(a Actor, action string, panel uint64, n int, to PartitionState, j Job) error {
	return s.partitionOp(a, PermArmDisarm, action, panel, n, func(w *wtx, p Panel, part *Partition) error {
		if j.Op == OpArm && j.Mode != ArmStay && j.Mode != ArmAway && j.Mode != ArmNoEntry {
			return refuse(ErrInvalid, "arm mode %q: choose stay (people inside), away, or no entry (away, an entry door sounds at once)", j.Mode)
		}
		if err := ruleArm(p, *part, to); err != nil {
			return err
		}
		if err := checkArmingCode(p, j.Code); err != nil {
			return err
		}
		j.Kind, j.Panel, j.Partition = JobDevice, panel, n
		seq := w.queue(j)
		before := part.State
		part.Sync = Sync{State: SyncPending, Job: seq}
		w.set(partKey(panel, n), part)
		w.changed(Change{What: ChangePartition, Panel: panel})
		after := map[string]string{"requested": string(to)}
		if j.Code != "" {
			after["code"] = "typed"
		}
		w.log(map[string]string{"state": string(before)}, after)
		return nil
	})
}
