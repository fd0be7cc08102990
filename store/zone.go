package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Zones (issue 18): the detectors and contacts of a panel, as the panel
// last reported them. The dispatcher reports their states (ReportZones)
// through an Internal actor; operators read them and name them. A zone's
// state changes are not in the action log: what matters of them (an alarm,
// a tamper, a trouble) reaches the event journal (event.go) as the
// device's own event.

// ChangeZone: a panel's zones changed (Change.Panel says which).
const ChangeZone = "zone"

// ZoneType is what a zone is for, from the driver or the installer.
type ZoneType string

// Zone types.
const (
	ZoneEntryExit ZoneType = "entry/exit"
	ZonePerimeter ZoneType = "perimeter"
	ZoneInterior  ZoneType = "interior"
	Zone24h       ZoneType = "24h"
	ZoneFire      ZoneType = "fire"
	ZonePanic     ZoneType = "panic"
	ZoneTamper    ZoneType = "tamper"
	ZoneDoor      ZoneType = "door contact"
	ZoneOther     ZoneType = "other"
)

var zoneTypes = []ZoneType{ZoneEntryExit, ZonePerimeter, ZoneInterior, Zone24h, ZoneFire, ZonePanic, ZoneTamper, ZoneDoor, ZoneOther}

// ZoneState is a zone's state as the panel last reported it.
type ZoneState string

// Zone states. ZoneUnknown is a zone's state until the panel reports it
// (an Envisalink reports changes only).
const (
	ZoneClosed   ZoneState = "closed"
	ZoneOpen     ZoneState = "open"
	ZoneAlarm    ZoneState = "alarm"
	ZoneTampered ZoneState = "tamper"
	ZoneTrouble  ZoneState = "trouble"
	ZoneBypassed ZoneState = "bypassed"
	ZoneUnknown  ZoneState = "unknown"
)

var zoneStates = []ZoneState{ZoneClosed, ZoneOpen, ZoneAlarm, ZoneTampered, ZoneTrouble, ZoneBypassed, ZoneUnknown}

// MaxZone is the highest zone number the store keeps (a VISTA-128 has 128,
// a PowerSeries Neo 128, larger panels up to 1000 or so).
const MaxZone = 4096

// Zone is one zone of a panel.
type Zone struct {
	Panel     uint64    `json:"panel"`
	Number    int       `json:"number"`
	Label     string    `json:"label"`
	Partition int       `json:"partition"`
	Type      ZoneType  `json:"type"`
	State     ZoneState `json:"state"`
	// Changed is when the state last changed; zero while unknown.
	Changed time.Time `json:"changed,omitzero"`
}

// ZoneReport is one zone as the panel reports it. Label and Type are taken
// only for a zone the store does not have yet (the installer's word wins
// after that); an unknown Type is "other", an unknown State "unknown".
type ZoneReport struct {
	Number    int
	Partition int
	Type      ZoneType
	State     ZoneState
	Label     string
}

func zonePrefix(panel uint64) []byte { return k(pZone, u64(panel)) }
func zoneKey(panel uint64, n int) []byte {
	return k(pZone, u64(panel), binary.BigEndian.AppendUint16(nil, uint16(n)))
}

func knownZoneType(t ZoneType) ZoneType {
	for _, z := range zoneTypes {
		if z == t {
			return t
		}
	}
	return ZoneOther
}

func knownZoneState(st ZoneState) ZoneState {
	for _, z := range zoneStates {
		if z == st {
			return st
		}
	}
	return ZoneUnknown
}

// ListZones returns a panel's zones by number.
func (s *Store) ListZones(a Actor, panel uint64) ([]Zone, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return nil, err
	}
	var out []Zone
	err := s.db.View(func(txn *badger.Txn) error {
		if _, err := s.readPanel(txn, a, panel); err != nil {
			return err
		}
		return scanJSON(txn, zonePrefix(panel), func(z Zone) error {
			out = append(out, z)
			return nil
		})
	})
	return out, err
}

// GetZone returns one zone of a panel.
func (s *Store) GetZone(a Actor, panel uint64, n int) (Zone, error) {
	if err := a.need(PermViewEquipment); err != nil {
		return Zone{}, err
	}
	var z Zone
	err := s.db.View(func(txn *badger.Txn) error {
		p, err := s.readPanel(txn, a, panel)
		if err != nil {
			return err
		}
		z, err = readZone(txn, p, n)
		return err
	})
	return z, err
}

func readZone(txn *badger.Txn, p Panel, n int) (Zone, error) {
	var z Zone
	err := getJSON(txn, zoneKey(p.ID, n), &z)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return z, refuse(ErrNotFound, "%s has reported no zone %d: see guardroom zone list --panel %d", p.Label(), n, p.ID)
	}
	return z, err
}

// SetZoneLabel names a zone (same rules as a partition's label).
func (s *Store) SetZoneLabel(a Actor, panel uint64, n int, label string) error {
	return s.zoneOp(a, "zone.label", panel, n, func(z *Zone) (string, string, string, error) {
		label, err := checkLabel(label)
		before := z.Label
		z.Label = label
		return "label", before, label, err
	})
}

// SetZoneType says what a zone is for: the installer's word, for a panel
// that does not say or says it wrong. A later report does not change it.
func (s *Store) SetZoneType(a Actor, panel uint64, n int, t ZoneType) error {
	return s.zoneOp(a, "zone.type", panel, n, func(z *Zone) (string, string, string, error) {
		before := z.Type
		if knownZoneType(t) != t {
			return "", "", "", refuse(ErrInvalid, "zone type %q: choose one of %s", t, zoneTypeList())
		}
		z.Type = t
		return "type", string(before), string(t), nil
	})
}

// ZoneTypes lists the zone types, for choices and help.
func ZoneTypes() []ZoneType { return slices.Clone(zoneTypes) }

func zoneTypeList() string {
	names := make([]string, len(zoneTypes))
	for i, t := range zoneTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// zoneOp runs one operator's change of zone n of a panel: the zone named
// for the log, the permission, the panel in scope, the zone reported.
// change edits the zone and returns the field it changed, its old value
// and its new one.
func (s *Store) zoneOp(a Actor, action string, panel uint64, n int, change func(z *Zone) (field, before, after string, err error)) error {
	w := s.begin(a, action, fmt.Sprintf("panel %d zone %d", panel, n))
	w.panel = panel
	return s.finish(w, func() error {
		w.atPanel(panel, fmt.Sprintf(" zone %d", n))
		if err := a.need(PermManageEquipment); err != nil {
			return err
		}
		p, err := s.readPanel(w.txn, a, panel)
		if err != nil {
			return err
		}
		z, err := readZone(w.txn, p, n)
		if err != nil {
			return err
		}
		field, before, after, err := change(&z)
		if err != nil {
			return err
		}
		w.set(zoneKey(panel, n), z)
		w.changed(Change{What: ChangeZone, Panel: panel})
		w.log(map[string]string{field: before}, map[string]string{field: after})
		return nil
	})
}

// ReportZones records the zones a panel reports: a zone not seen before is
// added (its label and type from the device when they are fit to keep),
// a known one takes the new state and partition. Nothing is written when
// nothing changed, so a poll of an idle panel costs a read.
func (s *Store) ReportZones(a Actor, panel uint64, got []ZoneReport) error {
	if err := a.needInternal(dispatchReports); err != nil {
		return err
	}
	now := s.now()
	var p Panel
	var changed bool
	if err := s.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, panelKey(panel), &p); err != nil {
			return fmt.Errorf("panel %d: %w", panel, err)
		}
		for _, r := range got {
			if r.Number < 1 || r.Number > MaxZone {
				continue
			}
			var z Zone
			err := getJSON(txn, zoneKey(panel, r.Number), &z)
			if errors.Is(err, badger.ErrKeyNotFound) {
				changed = true
				return nil
			}
			if err != nil {
				return err
			}
			if _, diff := foldZone(z, r, now); diff {
				changed = true
				return nil
			}
		}
		return nil
	}); err != nil || !changed {
		return err
	}
	w := s.begin(a, "zone.state", p.Label())
	return s.finish(w, func() error {
		for _, r := range got {
			if r.Number < 1 || r.Number > MaxZone {
				continue
			}
			var z Zone
			err := getJSON(w.txn, zoneKey(panel, r.Number), &z)
			switch {
			case errors.Is(err, badger.ErrKeyNotFound):
				z = Zone{Panel: panel, Number: r.Number, Label: fmt.Sprintf("Zone %d", r.Number), Type: knownZoneType(r.Type), State: ZoneUnknown}
				if l, err := checkLabel(r.Label); err == nil {
					z.Label = l
				}
			case err != nil:
				return err
			}
			z, diff := foldZone(z, r, now)
			if diff || err != nil {
				w.set(zoneKey(panel, r.Number), z)
			}
		}
		w.changed(Change{What: ChangeZone, Panel: panel})
		return nil
	})
}

// foldZone applies a report to a zone and reports whether it changed.
func foldZone(z Zone, r ZoneReport, now time.Time) (Zone, bool) {
	st := knownZoneState(r.State)
	diff := false
	if st != z.State {
		z.State, diff = st, true
		if st != ZoneUnknown {
			z.Changed = now
		}
	}
	if r.Partition != 0 && r.Partition != z.Partition {
		z.Partition, diff = r.Partition, true
	}
	return z, diff
}
