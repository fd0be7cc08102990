package store

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/family"
)

// Connection is what the drivers last knew of a device.
type Connection struct {
	Online bool `json:"online"`
	// Misconfigured: the device answered, but it is not what the panel's
	// device settings say (not a guardroom register map, another map
	// version, a wrong unit or base).
	// LastError says what was found; jobs fail at once until it is fixed.
	// Online is false then.
	Misconfigured bool `json:"misconfigured,omitempty"`
	// Warning says where the device's own identity (slots, code length,
	// partitions) disagrees with the panel's settings; "" when it agrees
	// or the driver reads no identity.
	Warning string `json:"warning,omitempty"`
	// Since is when the device last went on or off line (or became
	// misconfigured); zero until the dispatcher first reports.
	Since     time.Time `json:"since,omitempty"`
	LastSeen  time.Time `json:"last_seen,omitempty"` // last answer, to the minute
	LastError string    `json:"last_error,omitempty"`
	Driver    string    `json:"driver,omitempty"`    // the driver that reported
	Transport string    `json:"transport,omitempty"` // "tcp 10.0.0.5:502", "in-process"
}

// Panel is an alarm panel of the site.
type Panel struct {
	ID            uint64            `json:"id"`
	Name          string            `json:"name"`
	Unit          uint64            `json:"unit"`
	Family        string            `json:"family"`
	IMEI          string            `json:"imei"`
	Driver        string            `json:"driver"`
	Address       string            `json:"address,omitempty"`
	Options       map[string]string `json:"options,omitempty"`
	Slots         int               `json:"slots"`
	CodeLength    int               `json:"code_length"`
	DuressPlusOne bool              `json:"duress_plus_one,omitempty"`
	Created       time.Time         `json:"created"`
	Conn          Connection        `json:"connection"`
	// CodesSet counts the panel users with a code, kept in step by every
	// operation that sets or clears one.
	CodesSet int `json:"codes_set"`
	// Secrets names the secrets the panel keeps (panel_secrets.go), never
	// their values; SecretRev counts their changes.
	Secrets   []SecretKind `json:"secrets,omitempty"`
	SecretRev uint32       `json:"secret_rev,omitempty"`
}

// Spec returns the panel's family: roles, master slot, partitions,
// capabilities. The result is shared: do not modify its slices.
func (p Panel) Spec() family.Family {
	if f, ok := specs.Load(p.Family); ok {
		return f.(family.Family)
	}
	f, _ := family.Lookup(p.Family)
	specs.Store(p.Family, f)
	return f
}

// specs caches family lookups: the family table clones on every lookup,
// and a bulk load asks for the spec several times per user.
var specs sync.Map

// Partitions is the panel's number of partitions.
func (p Panel) Partitions() int { return p.Spec().Partitions }

// driverKeypad is the driver of the panels with no programming interface
// (drivers/guided): the store knows it by name only, as configuration.
const driverKeypad = "guided"

// KeypadOnly reports whether the panel is programmed by hand at its
// keypad: nothing connects to it, so it has no connection to show, and
// each change waits as keypad steps for a person to key in and confirm.
// The screens ask this instead of naming the driver.
func (p Panel) KeypadOnly() bool { return p.Driver == driverKeypad }

// Label is "panel 3 (Main office)".
func (p Panel) Label() string { return fmt.Sprintf("panel %d (%s)", p.ID, p.Name) }

// NewPanel describes a panel to add. Zero Slots and CodeLength take the
// family's defaults; nil DuressPlusOne takes the family's.
type NewPanel struct {
	Name          string
	Unit          uint64
	Family        string
	IMEI          string
	Driver        string
	Address       string
	Options       map[string]string
	Slots         int
	CodeLength    int
	DuressPlusOne *bool
}

// AddPanel adds a panel and its partitions.
func (s *Store) AddPanel(a Actor, np NewPanel) (Panel, error) {
	var p Panel
	w := s.begin(a, "panel.add", "panel "+np.Name)
	w.unit = np.Unit
	err := s.finish(w, func() error {
		if err := a.need(PermManageEquipment); err != nil {
			return err
		}
		if err := w.inScope(np.Unit); err != nil {
			return err
		}
		fam, ok := family.Lookup(np.Family)
		if !ok {
			return refuse(ErrInvalid, "unknown panel family %q: see guardroom panel families", np.Family)
		}
		np.Name = strings.TrimSpace(np.Name)
		if np.Name == "" || len(np.Name) > 48 {
			return refuse(ErrInvalid, "panel name must be 1-48 characters")
		}
		if err := checkPlain("panel name", np.Name); err != nil {
			return err
		}
		if err := family.ValidIMEI(np.IMEI); err != nil {
			return refuse(ErrInvalid, "%v", err)
		}
		if np.Slots == 0 {
			np.Slots = fam.Slots
		}
		if np.Slots < 1 || np.Slots > fam.MaxSlots {
			if fam.MaxSlots == fam.Slots {
				return refuse(ErrInvalid, "%s has %d user slots; its slot count cannot be changed", fam.Model, fam.Slots)
			}
			return refuse(ErrInvalid, "%s takes 1-%d user slots, not %d", fam.Model, fam.MaxSlots, np.Slots)
		}
		if np.CodeLength == 0 {
			np.CodeLength = fam.CodeLengths[0]
		}
		if !fam.AllowsCodeLength(np.CodeLength) {
			return refuse(ErrInvalid, "%s takes codes of %s digits, not %d", fam.Model, joinInts(fam.CodeLengths, " or "), np.CodeLength)
		}
		if np.Driver == "" {
			// A panel nobody said how to reach can only be programmed by
			// hand at its keypad.
			np.Driver = driverKeypad
		}
		if err := driverReaches(np.Driver, fam); err != nil {
			return err
		}
		if ok, err := exists(w.txn, imeiKey(np.IMEI)); err != nil {
			return err
		} else if ok {
			return refuse(ErrDuplicate, "IMEI %s belongs to another panel already: check the IMEI on the panel's label", np.IMEI)
		}
		var dup string
		if err := scan(w.txn, pPanel, true, func(_, v []byte) error {
			var other Panel
			if err := jsonUnmarshal(v, &other); err != nil {
				return err
			}
			if strings.EqualFold(other.Name, np.Name) {
				dup = other.Label()
				if !s.unitInScope(a, other.Unit) {
					// Names are unique across the site, so the clash is
					// said; the panel is not named.
					dup = "a panel outside your organization units"
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if dup != "" {
			return refuse(ErrDuplicate, "%s has that name already: choose another name", dup)
		}
		duress := fam.DuressPlusOne
		if np.DuressPlusOne != nil {
			duress = *np.DuressPlusOne
		}
		w.seqs.Panel++
		p = Panel{ID: w.seqs.Panel, Name: np.Name, Unit: np.Unit, Family: fam.ID, IMEI: np.IMEI,
			Driver: np.Driver, Address: np.Address, Options: np.Options, Slots: np.Slots,
			CodeLength: np.CodeLength, DuressPlusOne: duress, Created: s.now()}
		w.place, w.panel = p.Label(), p.ID
		w.set(panelKey(p.ID), p)
		w.setRaw(imeiKey(p.IMEI), u64(p.ID))
		for n := 1; n <= fam.Partitions; n++ {
			w.set(partKey(p.ID, n), Partition{Panel: p.ID, Number: n, Label: fmt.Sprintf("Partition %d", n), State: Disarmed})
		}
		w.log(nil, map[string]string{"name": p.Name, "family": fam.Model, "imei": p.IMEI, "slots": strconv.Itoa(p.Slots), "code length": strconv.Itoa(p.CodeLength)})
		w.changed(Change{What: ChangePanel, Panel: p.ID})
		return nil
	})
	return p, err
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}

// ListPanels returns the panels in the actor's scope, by number.
func (s *Store) ListPanels(a Actor) ([]Panel, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Panel
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, pPanel, true, func(_, v []byte) error {
			var p Panel
			if err := jsonUnmarshal(v, &p); err != nil {
				return err
			}
			if s.unitInScope(a, p.Unit) {
				out = append(out, p)
			}
			return nil
		})
	})
	return out, err
}

// GetPanel returns one panel in the actor's scope.
func (s *Store) GetPanel(a Actor, id uint64) (Panel, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return Panel{}, err
	}
	var p Panel
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		p, err = s.readPanel(txn, a, id)
		return err
	})
	return p, err
}

func (s *Store) readPanel(txn *badger.Txn, a Actor, id uint64) (Panel, error) {
	var p Panel
	err := getJSON(txn, panelKey(id), &p)
	if errors.Is(err, badger.ErrKeyNotFound) || (err == nil && !s.unitInScope(a, p.Unit)) {
		return Panel{}, refuse(ErrNotFound, "no panel %d in your organization units: see guardroom panel list", id)
	}
	return p, err
}

// FindPanel resolves a panel by number, name or IMEI.
func (s *Store) FindPanel(a Actor, ref string) (Panel, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseUint(ref, 10, 64); err == nil && len(ref) < 15 {
		return s.GetPanel(a, id)
	}
	panels, err := s.ListPanels(a)
	if err != nil {
		return Panel{}, err
	}
	for _, p := range panels {
		if p.IMEI == ref || strings.EqualFold(p.Name, ref) {
			return p, nil
		}
	}
	return Panel{}, refuse(ErrNotFound, "no panel %q in your organization units: give its number, name or IMEI (guardroom panel list)", ref)
}

// PartitionState is what a partition is doing.
type PartitionState = family.PartitionState

// Partition states.
const (
	Disarmed  = family.Disarmed
	ArmedStay = family.ArmedStay
	ArmedAway = family.ArmedAway
	Alarm     = family.Alarm
	Trouble   = family.Trouble
	NotReady  = family.NotReady

	ExitDelay   = family.ExitDelay
	EntryDelay  = family.EntryDelay
	AlarmMemory = family.AlarmMemory
	Busy        = family.Busy
)

// ArmMode is how a partition is armed (store/family's words, which the
// drivers speak too).
type ArmMode = family.ArmMode

// Arm modes.
const (
	ArmStay    = family.ArmStay
	ArmAway    = family.ArmAway
	ArmNoEntry = family.ArmNoEntry
)

// Partition is one partition of a panel.
type Partition struct {
	Panel   uint64         `json:"panel"`
	Number  int            `json:"number"`
	Label   string         `json:"label"`
	State   PartitionState `json:"state"`
	Changed time.Time      `json:"changed,omitempty"`
	// Sync is the partition's last arm or disarm command and its outcome;
	// zero when none was given.
	Sync Sync `json:"sync,omitzero"`
}

// ListPartitions returns a panel's partitions.
func (s *Store) ListPartitions(a Actor, panel uint64) ([]Partition, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Partition
	err := s.db.View(func(txn *badger.Txn) error {
		if _, err := s.readPanel(txn, a, panel); err != nil {
			return err
		}
		return scan(txn, partPrefix(panel), true, func(_, v []byte) error {
			var p Partition
			if err := jsonUnmarshal(v, &p); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// SetPartitionLabel renames a partition.
func (s *Store) SetPartitionLabel(a Actor, panel uint64, n int, label string) error {
	return s.partitionOp(a, PermManageEquipment, "partition.label", panel, n, func(w *wtx, _ Panel, part *Partition) error {
		label, err := checkLabel(label)
		if err != nil {
			return err
		}
		before := part.Label
		part.Label = label
		w.set(partKey(panel, n), part)
		w.log(map[string]string{"label": before}, map[string]string{"label": label})
		w.changed(Change{What: ChangePartition, Panel: panel})
		return nil
	})
}

// checkLabel trims a label and refuses empty, long or control characters.
func checkLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if label == "" {
		return "", refuse(ErrInvalid, "label is empty: type a label of up to 32 characters")
	}
	if n := len([]rune(label)); n > 32 {
		return "", refuse(ErrInvalid, "label is %d characters long: panels keep at most 32", n)
	}
	if err := checkPlain("label", label); err != nil {
		return "", err
	}
	return label, nil
}
