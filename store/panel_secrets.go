package store

import (
	"encoding/binary"
	"errors"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/guardroom/guardroom/store/family"
)

// The secrets a panel's driver may need to reach and program it. They live
// under a key of their own, never in the Panel record, so no listing,
// export or screen that shows a panel can carry one; the database is
// encrypted at rest, and so are backups. Only the dispatcher (an Internal
// actor) reads them back. The Panel record lists which are set
// (Panel.Secrets) and counts their changes (Panel.SecretRev), so that a
// dispatcher holding a connection opens it again with the new ones.

// SecretKind names one of a panel's secrets.
type SecretKind string

// Secret kinds.
const (
	// SecretPassword is the interface's own login password (the
	// Envisalink TPI's, the one of its local web page).
	SecretPassword SecretKind = "password"
	// SecretMasterCode is the panel's master (or installer) code, which a
	// driver types to program user codes by keystrokes.
	SecretMasterCode SecretKind = "master-code"
	// SecretArmCode is a user code the driver enters when the panel asks
	// for one to arm or disarm and the operator typed none.
	SecretArmCode SecretKind = "arm-code"
)

// SecretKinds returns every secret kind.
func SecretKinds() []SecretKind {
	return []SecretKind{SecretPassword, SecretMasterCode, SecretArmCode}
}

// PanelSecrets are a panel's secrets, "" where none is kept.
type PanelSecrets struct {
	Password   string `json:"password,omitempty"`
	MasterCode string `json:"master_code,omitempty"`
	ArmCode    string `json:"arm_code,omitempty"`
}

func (ps *PanelSecrets) field(k SecretKind) *string {
	switch k {
	case SecretPassword:
		return &ps.Password
	case SecretMasterCode:
		return &ps.MasterCode
	case SecretArmCode:
		return &ps.ArmCode
	}
	return nil
}

var pSecret = []byte("secret/panel/")

func secretKey(panel uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), pSecret...), panel)
}

// maxDevicePassword is the longest password an Envisalink 4 takes (an
// Envisalink 3 takes 6).
const maxDevicePassword = 10

// checkSecret refuses a value the panel or its interface cannot take. The
// refusal never repeats the value.
func checkSecret(p Panel, k SecretKind, v string) error {
	switch k {
	case SecretPassword:
		if len(v) < 4 || len(v) > maxDevicePassword {
			return refuse(ErrInvalid, "the device password must be 4-%d characters (an Envisalink 3 takes at most 6): set the same one on the device's local web page", maxDevicePassword)
		}
		for i := 0; i < len(v); i++ {
			if v[i] <= 0x20 || v[i] >= 0x7f {
				return refuse(ErrInvalid, "the device password must be letters, digits and punctuation, without spaces")
			}
		}
		if v == "user" {
			return refuse(ErrInvalid, "that is the Envisalink's factory password, which anyone on the network can use: change it on the device's local web page first, then set the new one here")
		}
	case SecretMasterCode, SecretArmCode:
		if err := family.CheckCode(v, p.CodeLength); err != nil {
			return refuse(ErrInvalid, "the %s: %v", k.describe(), err)
		}
	default:
		return refuse(ErrInvalid, "%q is not a panel secret: use one of password, master-code, arm-code", string(k))
	}
	return nil
}

func (k SecretKind) describe() string {
	switch k {
	case SecretPassword:
		return "device password"
	case SecretMasterCode:
		return "master code"
	case SecretArmCode:
		return "arming code"
	}
	return string(k)
}

// SetPanelSecret keeps value as the panel's secret of kind k; an empty
// value forgets it. It needs the permission to manage devices; the log
// says which secret was set or cleared, never its value.
func (s *Store) SetPanelSecret(a Actor, panel uint64, k SecretKind, value string) error {
	return s.panelOp(a, PermManageDevices, "panel.secret", panel, func(w *wtx, p Panel) error {
		var ps PanelSecrets
		if err := getJSON(w.txn, secretKey(panel), &ps); err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		f := ps.field(k)
		if f == nil {
			return checkSecret(p, k, value)
		}
		if value != "" {
			if err := checkSecret(p, k, value); err != nil {
				return err
			}
		}
		was := map[bool]string{true: "set", false: "none"}
		before := map[string]string{string(k): was[*f != ""]}
		*f = value
		if ps == (PanelSecrets{}) {
			w.del(secretKey(panel))
		} else {
			w.set(secretKey(panel), ps)
		}
		p.Secrets = p.Secrets[:0:0]
		for _, kk := range SecretKinds() {
			if *ps.field(kk) != "" {
				p.Secrets = append(p.Secrets, kk)
			}
		}
		p.SecretRev++
		w.set(panelKey(p.ID), p)
		w.changed(Change{What: ChangePanel, Panel: p.ID})
		w.log(before, map[string]string{string(k): was[value != ""]})
		return nil
	})
}

// PanelSecrets returns a panel's secrets: only for guardroom's own
// dispatcher, which hands them to the panel's driver.
func (s *Store) PanelSecrets(a Actor, panel uint64) (PanelSecrets, error) {
	if err := a.needInternal("reads a panel's secrets"); err != nil {
		return PanelSecrets{}, err
	}
	var ps PanelSecrets
	err := s.db.View(func(txn *badger.Txn) error {
		if _, err := s.readPanel(txn, a, panel); err != nil {
			return err
		}
		err := getJSON(txn, secretKey(panel), &ps)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		return err
	})
	return ps, err
}

// HasSecret reports whether the panel keeps a secret of kind k.
func (p Panel) HasSecret(k SecretKind) bool { return slices.Contains(p.Secrets, k) }

// codeArmingDrivers are the drivers that key a user code in at the panel
// to arm or disarm (the Envisalink and IT-100 ones): the store knows them
// by name only, as configuration, like the guided driver.
var codeArmingDrivers = map[string]bool{"envisalink-dsc": true, "envisalink-vista": true, "it100": true}

// driverReaches refuses a driver that speaks a panel line's interface the
// panel does not have: the Envisalink and IT-100 drivers reach the panels
// of their own flavour only.
func driverReaches(driver string, fam family.Family) error {
	var want family.Type
	switch driver {
	case "envisalink-dsc", "it100":
		want = family.TypeDSC
	case "envisalink-vista":
		want = family.TypeVista
	default:
		return nil
	}
	switch {
	case fam.Type == want:
		return nil
	case fam.Type == family.TypeNeoR:
		return refuse(ErrInvalid, "the %s driver cannot reach a %s: a PowerSeries Neo speaks only the encrypted ITv2 protocol, which an Envisalink 4 and an IT-100 do not; keep it on the guided driver (keypad steps) or the modbus driver", driver, fam.Model)
	case want == family.TypeDSC:
		return refuse(ErrInvalid, "the %s driver reaches DSC PowerSeries panels (PC1616, PC1832, PC1864) only, not a %s: use envisalink-vista for a Vista, or guided", driver, fam.Model)
	}
	return refuse(ErrInvalid, "the %s driver reaches Honeywell/Ademco Vista panels only, not a %s: use envisalink-dsc or it100 for a DSC PowerSeries, or guided", driver, fam.Model)
}

// AsksForArmingCode reports whether an operator who arms or disarms the
// panel should be asked for a user code to key in: its driver keys one in
// and the panel keeps no arming code.
func (p Panel) AsksForArmingCode() bool {
	return codeArmingDrivers[p.Driver] && !p.HasSecret(SecretArmCode)
}
