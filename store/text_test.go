package store

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/access"
	"github.com/guardroom/guardroom/store/plain"
)

// textCase is one text field an operator types and an operation that
// stores it. write stores v as built by val from the fragment frag ("" for
// a plain value) and i (unique per run), as admin.
type textCase struct {
	op, field string
	write     func(f *fx, v string, i int) error
	// val builds the stored value around frag; nil: "Text <frag><i>".
	val func(frag string, i int) string
	// lineBreaks, when set, is what a line break in the value does
	// instead: "space" (a CSV cell's line break in a one-line field is
	// read as a space) or the refusal that says so.
	lineBreaks string
}

func (c textCase) value(frag string, i int) string {
	if c.val != nil {
		return c.val(frag, i)
	}
	return "Text " + frag + strconv.Itoa(i)
}

// hostileText are fragments no stored text may hold: what a terminal
// obeys (ESC and C1 sequences: a title, the clipboard, the screen),
// other control characters, and bytes that are not UTF-8. what is how the
// refusal names it.
var hostileText = []struct{ name, frag, what string }{
	{"ESC title", "\x1b]0;owned\x07", "control character U+001B"},
	{"OSC 52 clipboard", "\x1b]52;c;aGk=\x1b\\", "control character U+001B"},
	{"C1 CSI", "\u009b2J", "control character U+009B"},
	{"C1 OSC", "\u009d0;owned\u009c", "control character U+009D"},
	{"C1 first", "\u0080", "control character U+0080"},
	{"DEL", "x\x7f", "control character U+007F"},
	{"NUL", "x\x00", "control character U+0000"},
	{"bell", "x\a", "control character U+0007"},
	{"line feed", "x\ny", "control character U+000A"},
	{"carriage return", "x\ry", "control character U+000D"},
	{"tab", "x\ty", "control character U+0009"},
	{"not UTF-8", "x\xff\xfe", "a byte that is not UTF-8"},
}

// aptNamed adds an apartment named v when v is a name one may have, so
// that a person may name it: a person names an apartment record.
func aptNamed(f *fx, v string) {
	_, _ = f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: v, Unit: RootUnit}})
}

func textCases() []textCase {
	email := func(frag string, i int) string { return fmt.Sprintf("text%s%d@example.com", frag, i) }
	panel := func(f *fx) Panel { return f.panel("neo-hs2064") }
	lock := func(f *fx) Lock {
		p := panel(f)
		l, err := f.s.AddLock(f.admin, Lock{Name: "Door", Model: ModelYaleL3, Panel: p.ID})
		f.must(err)
		return l
	}
	person := func(f *fx, i int) Person {
		p, err := f.s.AddPerson(f.admin, Person{Name: fmt.Sprintf("Person %d", i), Unit: RootUnit}, nil)
		f.must(err)
		return p
	}
	operator := func(f *fx) Operator {
		o, err := f.s.GetOperator(f.admin, f.operator(RoleGuard).Name())
		f.must(err)
		return o
	}
	qr := func(frag string, i int) string { return fmt.Sprintf("qr-%s%d", frag, i) }
	level := func(f *fx, i int, name, name2, notes string) error {
		_, err := f.s.AddAccessLevel(f.admin, AccessLevel{Unit: RootUnit, AccessLevel: access.AccessLevel{
			Name: name, Name2: name2, Notes: notes, MenuGroups: []access.MenuGroupID{1}}}, false)
		return err
	}
	importPerson := func(f *fx, name, info, apartment, qr string) error {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		f.must(w.WriteAll([][]string{{"name", "info", "apartment", "qr"}, {name, info, apartment, qr}}))
		_, err := f.s.ImportPeople(f.admin, &b, PeopleImportOptions{Name: "people.csv", Unit: RootUnit, CreateApartments: true})
		return err
	}
	return []textCase{
		{op: "AddPanel", field: "panel name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddPanel(f.admin, NewPanel{Name: v, Unit: RootUnit, Family: "neo-hs2064", IMEI: fxIMEI(5000 + i)})
			return err
		}},
		{op: "SetPanelDevice", field: "address", val: func(frag string, i int) string { return fmt.Sprintf("sim-%s%d", frag, i) },
			write: func(f *fx, v string, i int) error {
				return f.s.SetPanelDevice(f.admin, panel(f).ID, DeviceConfig{Driver: "sim", Address: v})
			}},
		{op: "SetPanelDevice", field: "driver option unit", write: func(f *fx, v string, i int) error {
			return f.s.SetPanelDevice(f.admin, panel(f).ID, DeviceConfig{Driver: "sim", Address: "sim-1", Options: map[string]string{"unit": v}})
		}},
		{op: "AddUnit", field: "unit name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddUnit(f.admin, RootUnit, v, UnitSite)
			return err
		}},
		{op: "SetLabel", field: "label", write: func(f *fx, v string, i int) error {
			p := panel(f)
			f.setCode(p, 2, "2580")
			return f.s.SetLabel(f.admin, p.ID, 2, v)
		}},
		{op: "SetCode", field: "label", write: func(f *fx, v string, i int) error {
			return f.s.SetCode(f.admin, panel(f).ID, 2, "2580", CodeOptions{Label: v})
		}},
		{op: "BulkSetCodes", field: "label", write: func(f *fx, v string, i int) error {
			return f.s.BulkSetCodes(f.admin, panel(f).ID, []BulkCode{{Slot: 2, Code: "2580", CodeOptions: CodeOptions{Label: v}}}, nil)
		}},
		{op: "SetPartitionLabel", field: "label", write: func(f *fx, v string, i int) error {
			return f.s.SetPartitionLabel(f.admin, panel(f).ID, 1, v)
		}},
		{op: "SetZoneLabel", field: "label", write: func(f *fx, v string, i int) error {
			return f.s.SetZoneLabel(f.admin, f.zonePanel().ID, 1, v)
		}},
		{op: "AckAlarm", field: "comment", write: func(f *fx, v string, i int) error {
			return f.s.AckAlarm(f.admin, f.openAlarm(i).ID, v)
		}},
		{op: "SetAlarmSettings", field: "email", val: email, write: func(f *fx, v string, i int) error {
			return f.s.SetAlarmSettings(f.admin, AlarmSettings{EscalateAfter: time.Minute, EscalateTo: []string{v}})
		}},
		{op: "CreateAccount", field: "email", val: email, write: func(f *fx, v string, i int) error {
			_, err := f.s.CreateAccount(f.admin, v, RootUnit)
			return err
		}},
		{op: "AddLock", field: "lock name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddLock(f.admin, Lock{Name: v, Model: ModelYaleL3, Panel: panel(f).ID})
			return err
		}},
		{op: "EditLock", field: "lock name", write: func(f *fx, v string, i int) error {
			return f.s.EditLock(f.admin, lock(f).ID, LockEdit{Name: v})
		}},
		{op: "UnlockDoor", field: "reason", write: func(f *fx, v string, i int) error {
			return f.s.UnlockDoor(f.admin, lock(f).ID, v)
		}},
		{op: "AddRole", field: "role name", write: func(f *fx, v string, i int) error {
			return f.s.AddRole(f.admin, Role{Name: v, Perms: PermViewEquipment})
		}},
		{op: "AddRole", field: "description", write: func(f *fx, v string, i int) error {
			return f.s.AddRole(f.admin, Role{Name: fmt.Sprintf("Role %d", i), Perms: PermViewEquipment, Description: v})
		}},
		{op: "UpdateRole", field: "description", write: func(f *fx, v string, i int) error {
			return f.s.UpdateRole(f.admin, Role{Name: RoleGuard, Description: v})
		}},
		{op: "AddOperator", field: "name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddOperator(f.admin, NewOperator{Username: fmt.Sprintf("op%d", i), Name: v, Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})
			return err
		}},
		{op: "AddOperator", field: "email", val: email, write: func(f *fx, v string, i int) error {
			_, err := f.s.AddOperator(f.admin, NewOperator{Username: fmt.Sprintf("op%d", i), Email: v, Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})
			return err
		}},
		{op: "UpdateOperator", field: "name", write: func(f *fx, v string, i int) error {
			o := operator(f)
			o.Name = v
			return f.s.UpdateOperator(f.admin, o)
		}},
		{op: "UpdateOperator", field: "email", val: email, write: func(f *fx, v string, i int) error {
			o := operator(f)
			o.Email = v
			return f.s.UpdateOperator(f.admin, o)
		}},
		{op: "AddSSHKey", field: "key comment", lineBreaks: "give one key at a time", write: func(f *fx, v string, i int) error {
			line, _, _ := strings.Cut(testKeyLine(f.t, i), " key")
			_, err := f.s.AddSSHKey(f.admin, operator(f).Username, line+" "+v)
			return err
		}},
		{op: "AddPerson", field: "name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddPerson(f.admin, Person{Name: v, Unit: RootUnit}, nil)
			return err
		}},
		{op: "AddPerson", field: "info", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddPerson(f.admin, Person{Name: "Ann", Info: v, Unit: RootUnit}, nil)
			return err
		}},
		{op: "AddPerson", field: "apartment", write: func(f *fx, v string, i int) error {
			aptNamed(f, v)
			_, err := f.s.AddPerson(f.admin, Person{Name: "Ann", Apartment: v, Unit: RootUnit}, nil)
			return err
		}},
		{op: "AddPerson", field: "QR code", val: qr, write: func(f *fx, v string, i int) error {
			_, err := f.s.AddPerson(f.admin, Person{Name: "Ann", Unit: RootUnit}, []access.Identifier{{Kind: access.KindQR, Value: v}})
			return err
		}},
		{op: "EditPerson", field: "name", write: func(f *fx, v string, i int) error {
			p := person(f, i)
			p.Name = v
			_, err := f.s.EditPerson(f.admin, p)
			return err
		}},
		{op: "EditPerson", field: "info", write: func(f *fx, v string, i int) error {
			p := person(f, i)
			p.Info = v
			_, err := f.s.EditPerson(f.admin, p)
			return err
		}},
		{op: "EditPerson", field: "apartment", write: func(f *fx, v string, i int) error {
			p := person(f, i)
			aptNamed(f, v)
			p.Apartment = v
			_, err := f.s.EditPerson(f.admin, p)
			return err
		}},
		{op: "AddIdentifier", field: "UKey", val: qr, write: func(f *fx, v string, i int) error {
			_, err := f.s.AddIdentifier(f.admin, person(f, i).ID, access.Identifier{Kind: access.KindUKey, Value: v})
			return err
		}},
		{op: "AddIdentifier", field: "face ID", val: qr, write: func(f *fx, v string, i int) error {
			_, err := f.s.AddIdentifier(f.admin, person(f, i).ID, access.Identifier{Kind: access.KindFaceID, Value: v})
			return err
		}},
		{op: "AddUnassignedIdentifier", field: "QR code", val: qr, write: func(f *fx, v string, i int) error {
			_, err := f.s.AddUnassignedIdentifier(f.admin, RootUnit, access.Identifier{Kind: access.KindQR, Value: v})
			return err
		}},
		{op: "ImportPeople", field: "name", lineBreaks: "space", write: func(f *fx, v string, i int) error {
			return importPerson(f, v, "", "", "")
		}},
		{op: "ImportPeople", field: "info", lineBreaks: "space", write: func(f *fx, v string, i int) error {
			return importPerson(f, "Ann", v, "", "")
		}},
		{op: "ImportPeople", field: "apartment", lineBreaks: "space", write: func(f *fx, v string, i int) error {
			return importPerson(f, "Ann", "", v, "")
		}},
		{op: "ImportPeople", field: "QR code", val: qr, lineBreaks: "space", write: func(f *fx, v string, i int) error {
			return importPerson(f, "Ann", "", "", v)
		}},
		{op: "AddApartment", field: "name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: v, Unit: RootUnit}})
			return err
		}},
		{op: "AddApartment", field: "floor", val: func(frag string, i int) string { return fmt.Sprintf("F%s%d", frag, i) },
			write: func(f *fx, v string, i int) error {
				_, err := f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: fmt.Sprintf("Flat %d", i), Unit: RootUnit}, Floor: v})
				return err
			}},
		{op: "EditApartment", field: "notes", write: func(f *fx, v string, i int) error {
			a, err := f.s.AddApartment(f.admin, Apartment{ConfMeta: ConfMeta{Name: fmt.Sprintf("Flat %d", i), Unit: RootUnit}})
			f.must(err)
			a.Notes = v
			_, err = f.s.EditApartment(f.admin, a)
			return err
		}},
		{op: "AddTimeProfile", field: "name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddTimeProfile(f.admin, TimeProfile{ConfMeta: ConfMeta{Name: v, Unit: RootUnit}})
			return err
		}},
		{op: "EditTimeProfile", field: "name", write: func(f *fx, v string, i int) error {
			p := f.accessSite(RootUnit).hours
			p.Name = v
			_, err := f.s.EditTimeProfile(f.admin, p)
			return err
		}},
		{op: "AddDoorGroup", field: "name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddDoorGroup(f.admin, DoorGroup{ConfMeta{Name: v, Unit: RootUnit}})
			return err
		}},
		{op: "EditDoorGroup", field: "name", write: func(f *fx, v string, i int) error {
			g := f.accessSite(RootUnit).group
			g.Name = v
			_, err := f.s.EditDoorGroup(f.admin, g)
			return err
		}},
		{op: "AddDoor", field: "name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddDoor(f.admin, Door{ConfMeta: ConfMeta{Name: v, Unit: RootUnit}})
			return err
		}},
		{op: "EditDoor", field: "name", write: func(f *fx, v string, i int) error {
			d := f.accessSite(RootUnit).main
			d.Name = v
			_, err := f.s.EditDoor(f.admin, d)
			return err
		}},
		{op: "AddAccessGroup", field: "name", write: func(f *fx, v string, i int) error {
			_, err := f.s.AddAccessGroup(f.admin, AccessGroup{ConfMeta: ConfMeta{Name: v, Unit: RootUnit}})
			return err
		}},
		{op: "EditAccessGroup", field: "name", write: func(f *fx, v string, i int) error {
			g := f.accessSite(RootUnit).staff
			g.Name = v
			_, err := f.s.EditAccessGroup(f.admin, g)
			return err
		}},
		{op: "AddAccessLevel", field: "name", write: func(f *fx, v string, i int) error {
			return level(f, i, v, "", "")
		}},
		{op: "AddAccessLevel", field: "name in the second language", write: func(f *fx, v string, i int) error {
			return level(f, i, fmt.Sprintf("Level %d", i), v, "")
		}},
		{op: "AddAccessLevel", field: "notes", write: func(f *fx, v string, i int) error {
			return level(f, i, fmt.Sprintf("Level %d", i), "", v)
		}},
		{op: "EditAccessLevel", field: "notes", write: func(f *fx, v string, i int) error {
			l := f.accessSite(RootUnit).office
			l.Notes = v
			_, err := f.s.EditAccessLevel(f.admin, l, false)
			return err
		}},
		{op: "EditAccessLevel", field: "name", write: func(f *fx, v string, i int) error {
			l := f.accessSite(RootUnit).office
			l.Name = v
			_, err := f.s.EditAccessLevel(f.admin, l, false)
			return err
		}},
		{op: "SetAccessSettings", field: "time zone", val: func(frag string, i int) string { return "Europe/Hel" + frag + "sinki" },
			write: func(f *fx, v string, i int) error {
				return f.s.SetAccessSettings(f.admin, AccessSettings{TimeZone: v})
			}},
	}
}

// TestTextIsPlain writes every text field an operator types through its
// operations: plain text is stored, and each hostile fragment is refused
// with a message naming the field and the character. Then no value in
// the database holds a control character: not the records, not the
// refused attempts in the action log.
func TestTextIsPlain(t *testing.T) {
	f := newFx(t)
	for _, c := range textCases() {
		t.Run(c.op+"/"+c.field+"/plain", func(t *testing.T) {
			f := f.at(t)
			i := f.next()
			fxWant(t, c.write(f, c.value("", i), i), nil)
		})
		for _, h := range hostileText {
			t.Run(c.op+"/"+c.field+"/"+h.name, func(t *testing.T) {
				f := f.at(t)
				i := f.next()
				err := c.write(f, c.value(h.frag, i), i)
				switch {
				case c.lineBreaks == "space" && strings.ContainsAny(h.frag, "\r\n"):
					fxWant(t, err, nil)
					return
				case c.lineBreaks != "" && strings.Contains(h.frag, "\n"):
					fxWant(t, err, ErrInvalid, c.lineBreaks)
					return
				}
				fxWant(t, err, ErrInvalid, c.field+": "+h.what+" is not allowed; type plain text")
			})
		}
	}
	t.Run("nothing stored holds a control character", func(t *testing.T) {
		fxNoControlStored(t, f.s)
	})
}

// fxNoControlStored fails for any text in a JSON value of the database
// that is not plain text. The outbox (and the jobs under their state
// index) is left out: a mail's body is lines of text for a mail server.
func fxNoControlStored(t *testing.T, s *Store) {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := string(it.Item().Key())
			if strings.HasPrefix(key, string(pOutbox)) || strings.HasPrefix(key, string(pIdxJob)) {
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			var doc any
			if json.Unmarshal(v, &doc) != nil {
				continue
			}
			fxWalkStrings(doc, func(s string) {
				n++
				if _, bad := plain.Check(s); bad {
					t.Errorf("%s holds %q", key, s)
				}
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d strings found in the database: is the walk reading it?", n)
	}
}

func fxWalkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, x := range v {
			fxWalkStrings(x, fn)
		}
	case map[string]any:
		for k, x := range v {
			fn(k)
			fxWalkStrings(x, fn)
		}
	}
}

// textFree are the operations that take an Actor but store no text an
// operator types, and why. Reads (by name) store nothing.
var textFree = map[string]string{
	"AssignAccount": "the email only finds an account", "UnassignAccount": "numbers", "RemoveAccount": "the email only finds an account",
	"ResetPassword": "the email only finds an account", "SuspendAccount": "the email only finds an account",
	"ReactivateAccount": "the email only finds an account", "ConfirmAccount": "the email finds, the code is compared",
	"EditCode": "digits, checked by the panel's rule", "SetPartitions": "numbers", "DisablePanelUser": "numbers",
	"Backup": "writes a file", "Restore": "a backup is the database as it was written",
	"WriteBackup": "writes a file", "BackupState": "reads",
	"RecordBackupRun": "the service's file name and error, no operator's text; kept through plain.Visible",
	"Arm":             "numbers", "Disarm": "numbers",
	"ArmWithCode": "numbers; the code is digits, checked, and never stored past its job", "DisarmWithCode": "as ArmWithCode",
	"SetPanelSecret": "checked: printable ASCII without spaces (the password) or digits (codes); never shown or logged", "PanelSecrets": "a read", "ResolveDrift": "a choice; a panel's label it would take is checked (TestAcceptDriftLabelIsPlain)",
	"RemoveLock": "numbers", "AssignLockUser": "numbers", "UnassignLockUser": "numbers", "LockDoor": "numbers",
	"EnrolTag": "the tag ID is parsed to its canonical form (digits, hex, ':')", "ImportTags": "tag IDs are parsed; panels and locks are found by name",
	"DisableTag": "the tag ID finds a tag", "MarkTagLost": "the tag ID finds a tag", "FreeTag": "the tag ID finds a tag",
	"RetryJob": "numbers", "CancelJob": "numbers", "ConfirmJob": "numbers", "NextCommandNumber": "numbers",
	"RemoveApartment": "numbers", "ApartmentsFor": "reads", "EachPerson": "reads", "GroupMembers": "reads", "ChangeGroupMembers": "people are found by number",
	"SuspendOperator": "the name finds an operator", "ReactivateOperator": "the name finds an operator",
	"RemoveOperator": "the name finds an operator", "UnlockOperator": "the name finds an operator",
	"ResetOperatorPassword": "the name finds an operator", "ResetSecondFactor": "the name finds an operator",
	"RemoveSSHKey": "the fingerprint finds a key", "RemoveRole": "the name finds a role",
	"AccountsByID": "reads", "RemovePerson": "numbers", "RemoveIdentifier": "the identifier finds one", "RemoveUnassignedIdentifier": "the identifier finds one",
	"RemoveTimeProfile": "numbers", "RemoveDoorGroup": "numbers", "RemoveDoor": "numbers", "RemoveAccessGroup": "numbers", "RemoveAccessLevel": "numbers",
	// The dispatcher's calls: a device's words (its errors, the labels it
	// reports, a driver's keypad steps) are kept as said and escaped
	// wherever they are shown (plain.Visible), and in the log.
	"ReportConnection": "a device's words", "ReportUsersSeen": "numbers", "ReportPartitions": "a device's words", "ReportUsers": "a device's words",
	"ReportLocks": "a device's words", "FinishJob": "a device's words", "ParkJob": "a driver's words", "DueJobs": "a read",
	"ReportZones": "a device's words; a zone's label is taken only when it passes checkLabel", "ReportEvents": "a device's words, kept through plain.Visible",
	"SetZoneType": "a choice among ZoneTypes", "PruneEvents": "numbers", "EscalateAlarms": "the addresses SetAlarmSettings checked",
	"FinishJobs": "a device's words, as FinishJob", "ReserveCommandNumbers": "numbers", "ScanDue": "a read", "TargetDue": "a read", "MoreDue": "a read",
}

// readOp are operations that only read, and the attempts (Try…), which
// store nothing but a refusal's log entry.
var readOp = regexp.MustCompile(`^(List|Get|Find|Check|Try|Export|Verify|Suggest|Sync|Mail|Lock(Alerts)?$|LogEntry$|UserTags$|Decide$|WhoCanOpen$|AccessSettings$|AccessGroupsFor$)`)

// TestEveryTextIsChecked keeps textCases whole: every exported Store
// method that takes an Actor is in textCases, in textFree with its reason,
// or a read. The login steps and notices (operator_auth.go, operator_notices.go) are the
// operator's own: passwords have their own rule (checkPassword).
func TestEveryTextIsChecked(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range textCases() {
		covered[c.op] = true
	}
	for _, m := range actorMethods(t) {
		op := m.name
		_, free := textFree[op]
		switch {
		case covered[op] && free:
			t.Errorf("Store.%s is in textCases and in textFree", op)
		case covered[op], free, readOp.MatchString(op):
		default:
			t.Errorf("%s: Store.%s takes an Actor: add its text fields to textCases, or say in textFree why it stores none", m.pos, op)
		}
	}
}

// TestAcceptDriftLabelIsPlain: a label a panel reports is the device's
// word, kept in the drift as said; accepting it would store it as the
// user's label, so one that is not plain text is refused, saying to push
// guardroom's state instead.
func TestAcceptDriftLabelIsPlain(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2064")
	f.setCode(p, 2, "2580")
	f.finish(f.newestJob().Seq, JobResult{Driver: "sim", Verified: true, CodeSerial: 10})
	sys := f.s.Internal("dispatch")
	if _, err := f.s.ReportUsers(sys, p.ID, []DeviceUser{{Slot: 2, CodeSet: true, Label: "Lobby\x1b]52;c;aGk=\a", CodeSerial: 10}}); err != nil {
		t.Fatal(err)
	}
	fxWant(t, f.s.ResolveDrift(f.admin, p.ID, 2, AcceptPanel), ErrInvalid, "control character U+001B", "push guardroom's state instead")
	if u := f.user(p, 2); u.Label != "" {
		t.Fatalf("label %q taken from the panel", u.Label)
	}
	fxWant(t, f.s.ResolveDrift(f.admin, p.ID, 2, PushStore), nil)
	for _, e := range f.log() {
		for _, s := range append([]string{e.Place, e.Result}, append(mapValues(e.Before), mapValues(e.After)...)...) {
			if _, bad := plain.Check(s); bad {
				t.Fatalf("log entry %d %s holds %q", e.Seq, e.Action, s)
			}
		}
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
