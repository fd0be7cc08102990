package store

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPanelSecrets(t *testing.T) {
	f := newFx(t)
	// Six-digit codes, so that finding one in a record's hex hash by
	// chance is unlikely enough.
	p := f.panel("dsc-pc1864", func(np *NewPanel) { np.CodeLength = 6 })
	sys := f.s.Internal("dispatch")
	const password, master, arm = "s3cr3tPw", "735196", "846203"

	// Checks, each refusal without the value.
	for _, c := range []struct {
		kind  SecretKind
		value string
		says  string
	}{
		{SecretPassword, "abc", "4-10 characters"},
		{SecretPassword, "abcdefghijk", "4-10 characters"},
		{SecretPassword, "pass word", "without spaces"},
		{SecretPassword, "pass\x1bwd", "without spaces"},
		{SecretPassword, "user", "factory password"},
		{SecretMasterCode, "12a456", "digits only"},
		{SecretMasterCode, "7351", "6 digits"},
		{SecretMasterCode, "123456", "too easy"},
		{SecretArmCode, "7351960", "6 digits"},
		{"pin", "735196", "not a panel secret"},
	} {
		err := f.s.SetPanelSecret(f.admin, p.ID, c.kind, c.value)
		fxWant(t, err, ErrInvalid, c.says)
		if len(c.value) > 3 && strings.Contains(err.Error(), c.value) {
			t.Errorf("the refusal of a %s repeats it: %v", c.kind, err)
		}
	}
	guard := f.operator(RoleGuard, RootUnit)
	fxWant(t, f.s.SetPanelSecret(guard, p.ID, SecretMasterCode, master), ErrPermission)
	fxWant(t, f.s.SetPanelSecret(f.admin, 999, SecretMasterCode, master), ErrNotFound)

	rev := p.SecretRev
	for _, c := range []struct {
		kind  SecretKind
		value string
	}{{SecretPassword, password}, {SecretMasterCode, master}, {SecretArmCode, arm}} {
		fxWant(t, f.s.SetPanelSecret(f.admin, p.ID, c.kind, c.value), nil)
		if e := f.lastLog(); e.Action != "panel.secret" || e.Before[string(c.kind)] != "none" || e.After[string(c.kind)] != "set" {
			t.Errorf("log of setting the %s: %+v", c.kind, e)
		}
	}
	got, err := f.s.GetPanel(f.admin, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.HasSecret(SecretPassword) || !got.HasSecret(SecretMasterCode) || !got.HasSecret(SecretArmCode) || got.SecretRev != rev+3 {
		t.Errorf("the panel says it keeps %v (revision %d, was %d)", got.Secrets, got.SecretRev, rev)
	}
	if ps, err := f.s.PanelSecrets(sys, p.ID); err != nil || ps != (PanelSecrets{Password: password, MasterCode: master, ArmCode: arm}) {
		t.Errorf("the dispatcher reads %+v, %v", ps, err)
	}
	fxWant(t, firstErr(f.s.PanelSecrets(f.admin, p.ID)), ErrPermission, "dispatcher")

	// Nowhere but under the secret's own key: not in the panel record, a
	// listing's JSON, or the log.
	b, _ := json.Marshal(got)
	for _, v := range []string{password, master, arm} {
		if strings.Contains(string(b), v) {
			t.Errorf("the panel's JSON holds a secret: %s", b)
		}
		for k, val := range f.dump() {
			if strings.Contains(val, v) && k != string(secretKey(p.ID)) {
				t.Errorf("record %q holds a secret", k)
			}
		}
	}
	entries, err := f.s.ListLog(f.admin, LogFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := json.Marshal(e)
		for _, v := range []string{password, master, arm} {
			if strings.Contains(string(b), v) {
				t.Errorf("log entry %d holds a secret: %s", e.Seq, b)
			}
		}
	}

	// Clearing one keeps the others; clearing all removes the record.
	fxWant(t, f.s.SetPanelSecret(f.admin, p.ID, SecretArmCode, ""), nil)
	if e := f.lastLog(); e.Before["arm-code"] != "set" || e.After["arm-code"] != "none" {
		t.Errorf("log of clearing: %+v", e)
	}
	if ps, _ := f.s.PanelSecrets(sys, p.ID); ps != (PanelSecrets{Password: password, MasterCode: master}) {
		t.Errorf("after clearing the arming code: %+v", ps)
	}
	fxWant(t, f.s.SetPanelSecret(f.admin, p.ID, SecretPassword, ""), nil)
	fxWant(t, f.s.SetPanelSecret(f.admin, p.ID, SecretMasterCode, ""), nil)
	if _, ok := f.dump()[string(secretKey(p.ID))]; ok {
		t.Error("the secrets record is left after clearing every secret")
	}
	if got, _ := f.s.GetPanel(f.admin, p.ID); len(got.Secrets) != 0 {
		t.Errorf("the panel still lists %v", got.Secrets)
	}
}

func firstErr[T any](_ T, err error) error { return err }

func TestDriversReachTheirOwnPanels(t *testing.T) {
	f := newFx(t)
	dsc, neo, vista := f.panel("dsc-pc1864"), f.panel("neo-hs2064"), f.panel("vista-20p")
	for _, c := range []struct {
		p      Panel
		driver string
		says   string
	}{
		{neo, "envisalink-dsc", "encrypted ITv2"},
		{neo, "it100", "encrypted ITv2"},
		{dsc, "envisalink-vista", "Vista panels only"},
		{vista, "envisalink-dsc", "DSC PowerSeries panels (PC1616, PC1832, PC1864) only"},
		{vista, "it100", "DSC PowerSeries"},
	} {
		fxWant(t, f.s.SetPanelDevice(f.admin, c.p.ID, DeviceConfig{Driver: c.driver, Address: "10.0.0.9:4025"}), ErrInvalid, c.says)
	}
	for _, c := range []struct {
		p      Panel
		driver string
	}{{dsc, "envisalink-dsc"}, {dsc, "it100"}, {vista, "envisalink-vista"}, {neo, "guided"}, {neo, "modbus"}} {
		fxWant(t, f.s.SetPanelDevice(f.admin, c.p.ID, DeviceConfig{Driver: c.driver, Address: "10.0.0.9:4025"}), nil)
	}
	_, err := f.s.AddPanel(f.admin, NewPanel{Name: "Lobby Neo", Unit: RootUnit, Family: "neo-hs2016", IMEI: fxIMEI(900), Driver: "envisalink-dsc", Address: "10.0.0.9:4025"})
	fxWant(t, err, ErrInvalid, "encrypted ITv2")
}

func TestVistaInstallerSlot(t *testing.T) {
	f := newFx(t)
	p := f.panel("vista-20p")
	if p.Slots != 49 || p.CodeLength != 4 || p.Spec().MasterSlot != 2 {
		t.Fatalf("vista-20p: %+v", p)
	}
	fxWant(t, f.s.SetCode(f.admin, p.ID, 1, "4829", CodeOptions{}), ErrInvalid, "installer code", "at the keypad")
	if e := f.lastLog(); e.Action != "user.set-code" || !strings.Contains(e.Result, "installer code") {
		t.Errorf("the refused attempt is not logged: %+v", e)
	}
	u, err := f.s.GetUser(f.admin, p.ID, 1)
	if err != nil {
		t.Fatalf("slot 1 cannot be read: %v", err)
	}
	fxWant(t, f.s.CheckUser(f.admin, p, u, ActSetCode), ErrInvalid, "installer code")
	fxWant(t, f.s.SetCode(f.admin, p.ID, 3, "4829", CodeOptions{}), nil)
	fxWant(t, f.s.BulkSetCodes(f.admin, p.ID, []BulkCode{{Slot: 4, Code: "5937"}, {Slot: 1, Code: "6048"}}, nil), ErrInvalid, "item 2 (slot 1)", "installer code")
}
