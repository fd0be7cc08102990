package store

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store/access"
)

// permCase is one operation of the permission table: the permission it
// needs and how to run it so that it succeeds when allowed. i makes every
// run's names unique.
type permCase struct {
	name string
	need Perm
	// anyOf: holding any one bit of need is enough (else all of them).
	anyOf bool
	run   func(f *fx, a Actor, i int) error
}

func permCases() []permCase {
	email := func(i int) string { return fmt.Sprintf("perm%d@example.com", i) }
	panelWithCode := func(f *fx) Panel {
		p := f.panel("neo-hs2064")
		f.setCode(p, 2, "2580")
		return p
	}
	sys := func(f *fx) Actor { return f.s.Internal("dispatch") }
	// lock adds a Yale L3 to a new panel whose user 2 has a code, holding
	// the given users.
	lock := func(f *fx, users ...int) Lock {
		l, err := f.s.AddLock(f.admin, Lock{Name: "Front door", Model: ModelYaleL3, Panel: panelWithCode(f).ID, Users: users})
		if err != nil {
			f.t.Fatal(err)
		}
		return l
	}
	// tag enrols a keypad tag for user 2 of a new panel.
	tag := func(f *fx, i int) Tag {
		t, err := f.s.EnrolTag(f.admin, Tag{ID: fmt.Sprintf("91:%d", i), Kind: TagKeypad, Panel: panelWithCode(f).ID, Slot: 2})
		if err != nil {
			f.t.Fatal(err)
		}
		return t
	}
	// drifting returns a panel whose user 2 drifts: the panel reports
	// another label.
	drifting := func(f *fx) Panel {
		p := panelWithCode(f)
		f.finish(f.newestJob().Seq, JobResult{Driver: "sim", Verified: true, CodeSerial: 10})
		if _, err := f.s.ReportUsers(sys(f), p.ID, []DeviceUser{{Slot: 2, CodeSet: true, Label: "Lobby", CodeSerial: 10}}); err != nil {
			f.t.Fatal(err)
		}
		return p
	}
	// Jobs in the states an operator acts on, made by queue (as admin),
	// which returns the job's number.
	failed := func(f *fx, queue func() uint64) uint64 {
		seq := queue()
		f.finish(seq, JobResult{Driver: "sim", Err: "refused by the device", Permanent: true})
		return seq
	}
	parked := func(f *fx, queue func() uint64) uint64 {
		seq := queue()
		if err := f.s.ParkJob(sys(f), seq, []string{"press 1"}, "guided"); err != nil {
			f.t.Fatal(err)
		}
		return seq
	}
	userJob := func(f *fx) func() uint64 {
		return func() uint64 { panelWithCode(f); return f.newestJob().Seq }
	}
	armJob := func(f *fx) func() uint64 {
		return func() uint64 {
			fxWant(f.t, f.s.Arm(f.admin, f.panel("neo-hs2064").ID, 1, ArmAway), nil)
			return f.newestJob().Seq
		}
	}
	doorJob := func(f *fx) func() uint64 {
		return func() uint64 {
			fxWant(f.t, f.s.LockDoor(f.admin, lock(f).ID), nil)
			return f.newestJob().Seq
		}
	}
	lockUserJob := func(f *fx) func() uint64 {
		return func() uint64 {
			fxWant(f.t, f.s.AssignLockUser(f.admin, lock(f).ID, 2), nil)
			return f.newestJob().Seq
		}
	}
	tagJob := func(f *fx, i int) func() uint64 {
		return func() uint64 { tag(f, i); return f.newestJob().Seq }
	}
	// person adds, as admin, a person in the root unit holding card
	// 7000+i.
	person := func(f *fx, i int) Person {
		p, err := f.s.AddPerson(f.admin, Person{Name: fmt.Sprintf("Person %d", i), Unit: RootUnit, Active: true},
			[]access.Identifier{{Kind: access.KindCard, Value: fmt.Sprint(7000 + i)}})
		if err != nil {
			f.t.Fatal(err)
		}
		return p
	}
	mailJob := func(f *fx, i int) func() uint64 {
		return func() uint64 { f.account(email(i)); return f.newestJob().Seq }
	}
	return []permCase{
		{"AddPanel", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddPanel(a, NewPanel{Name: fmt.Sprintf("Added %d", i), Unit: RootUnit, Family: "neo-hs2064", IMEI: fxIMEI(100000 + i)})
			return err
		}},
		{"SetCode", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.SetCode(a, f.panel("neo-hs2064").ID, 2, "2580", CodeOptions{})
		}},
		{"EditCode", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.EditCode(a, panelWithCode(f).ID, 2, "3691")
		}},
		{"SetLabel", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.SetLabel(a, panelWithCode(f).ID, 2, "Bob")
		}},
		{"SetPartitions", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.SetPartitions(a, panelWithCode(f).ID, 2, PartitionSet(0).With(1).With(2))
		}},
		{"DisablePanelUser", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.DisablePanelUser(a, panelWithCode(f).ID, 2)
		}},
		{"BulkSetCodes", PermManagePanelUsers | PermBulkImport, false, func(f *fx, a Actor, i int) error {
			return f.s.BulkSetCodes(a, f.panel("neo-hs2064").ID, []BulkCode{{Slot: 2, Code: "2580"}, {Slot: 3, Code: "3691"}}, nil)
		}},
		{"CreateAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.CreateAccount(a, email(i), RootUnit)
			return err
		}},
		{"AssignAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.AssignAccount(a, email(i), panelWithCode(f).ID, 2)
		}},
		{"UnassignAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			p := panelWithCode(f)
			if err := f.s.AssignAccount(f.admin, email(i), p.ID, 2); err != nil {
				f.t.Fatal(err)
			}
			return f.s.UnassignAccount(a, p.ID, 2)
		}},
		{"RemoveAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.RemoveAccount(a, email(i))
		}},
		{"ResetPassword", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.ResetPassword(a, email(i))
		}},
		{"SuspendAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.SuspendAccount(a, email(i))
		}},
		{"ReactivateAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			if err := f.s.SuspendAccount(f.admin, email(i)); err != nil {
				f.t.Fatal(err)
			}
			return f.s.ReactivateAccount(a, email(i))
		}},
		{"ConfirmAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			f.account(email(i))
			return f.s.ConfirmAccount(a, email(i), f.otp(email(i)))
		}},
		{"AddUnit", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddUnit(a, RootUnit, fmt.Sprintf("Site %d", i), UnitSite)
			return err
		}},
		{"AddLock", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddLock(a, Lock{Name: "Front door", Model: "Yale Doorman L3", Panel: panelWithCode(f).ID, Users: []int{2}})
			return err
		}},
		{"EnrolTag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.EnrolTag(a, Tag{ID: fmt.Sprintf("0400%04X", i), Kind: TagKeypad, Panel: panelWithCode(f).ID, Slot: 2})
			return err
		}},
		{"SetPartitionLabel", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			return f.s.SetPartitionLabel(a, f.panel("neo-hs2064").ID, 1, "Lobby")
		}},
		{"AddOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddOperator(a, NewOperator{Username: fmt.Sprintf("op%d", i), Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})
			return err
		}},
		{"Backup", PermBackupRestore, false, func(f *fx, a Actor, i int) error {
			return f.s.Backup(a, bytes.Repeat([]byte{7}, KeySize), io.Discard)
		}},
		{"WriteBackup", PermBackupRestore, false, func(f *fx, a Actor, i int) error {
			return f.s.WriteBackup(a, bytes.Repeat([]byte{7}, KeySize), io.Discard)
		}},
		{"RecordBackupRun", PermBackupRestore, false, func(f *fx, a Actor, i int) error {
			return f.s.RecordBackupRun(a, fmt.Sprintf("/b/guardroom-%d.backup", i), f.clk.Now(), errors.New("disk full"))
		}},
		// The header shows a failing backup to every operator.
		{"BackupState", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.BackupState(a)
			return err
		}},
		{"Restore", PermBackupRestore, false, func(f *fx, a Actor, i int) error {
			// Only the permission is exercised here (an empty file is not
			// a backup); restores themselves are in backup_test.go.
			err := f.s.Restore(a, bytes.Repeat([]byte{7}, KeySize), bytes.NewReader(nil), true)
			if err != nil && strings.Contains(err.Error(), "not a guardroom backup") {
				return nil
			}
			return err
		}},
		{"SetPanelDevice", PermManageDevices, false, func(f *fx, a Actor, i int) error {
			return f.s.SetPanelDevice(a, f.panel("neo-hs2064").ID, DeviceConfig{Driver: "sim", Address: fmt.Sprintf("sim-%d", i)})
		}},
		{"Arm", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			return f.s.Arm(a, f.panel("neo-hs2064").ID, 1, ArmAway)
		}},
		{"ArmWithCode", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			return f.s.ArmWithCode(a, f.panel("neo-hs2064").ID, 1, ArmAway, "5820")
		}},
		{"DisarmWithCode", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			p := f.panel("neo-hs2064")
			fxWant(f.t, f.s.ReportPartitions(sys(f), p.ID, []PartitionReport{{Number: 1, State: ArmedAway}}), nil)
			return f.s.DisarmWithCode(a, p.ID, 1, "5820")
		}},
		{"SetPanelSecret", PermManageDevices, false, func(f *fx, a Actor, i int) error {
			return f.s.SetPanelSecret(a, f.panel("dsc-pc1864").ID, SecretMasterCode, "7351")
		}},
		{"Disarm", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			p := f.panel("neo-hs2064")
			fxWant(f.t, f.s.ReportPartitions(sys(f), p.ID, []PartitionReport{{Number: 1, State: ArmedAway}}), nil)
			return f.s.Disarm(a, p.ID, 1)
		}},
		{"ResolveDrift", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.ResolveDrift(a, drifting(f).ID, 2, AcceptPanel)
		}},
		{"EditLock", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.EditLock(a, lock(f).ID, LockEdit{Name: "Back door"})
		}},
		{"RemoveLock", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.RemoveLock(a, lock(f).ID, false)
		}},
		{"AssignLockUser", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.AssignLockUser(a, lock(f).ID, 2)
		}},
		{"UnassignLockUser", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.UnassignLockUser(a, lock(f, 2).ID, 2)
		}},
		{"LockDoor", PermOperateDoors, false, func(f *fx, a Actor, i int) error {
			return f.s.LockDoor(a, lock(f).ID)
		}},
		{"UnlockDoor", PermOperateDoors, false, func(f *fx, a Actor, i int) error {
			return f.s.UnlockDoor(a, lock(f).ID, "a delivery")
		}},
		{"DisableTag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.DisableTag(a, tag(f, i).ID)
		}},
		{"MarkTagLost", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.MarkTagLost(a, tag(f, i).ID)
		}},
		{"FreeTag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.FreeTag(a, tag(f, i).ID)
		}},
		{"ImportTags", PermManageLocksTags | PermBulkImport, false, func(f *fx, a Actor, i int) error {
			csv := fmt.Sprintf("tag,kind,panel,slot\n92:%d,keypad,%d,2\n", i, panelWithCode(f).ID)
			_, err := f.s.ImportTags(a, strings.NewReader(csv), TagImportOptions{Name: "tags.csv"})
			return err
		}},
		// An operator's action on a job needs the permission of the change
		// the job carries.
		{"RetryJob/user", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.RetryJob(a, failed(f, userJob(f)))
		}},
		{"RetryJob/lock user", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.RetryJob(a, failed(f, lockUserJob(f)))
		}},
		{"RetryJob/tag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.RetryJob(a, failed(f, tagJob(f, i)))
		}},
		{"RetryJob/mail", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			return f.s.RetryJob(a, failed(f, mailJob(f, i)))
		}},
		{"CancelJob/user", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.CancelJob(a, userJob(f)())
		}},
		{"CancelJob/arm", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			return f.s.CancelJob(a, armJob(f)())
		}},
		{"CancelJob/lock command", PermOperateDoors, false, func(f *fx, a Actor, i int) error {
			return f.s.CancelJob(a, doorJob(f)())
		}},
		{"CancelJob/lock user", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.CancelJob(a, failed(f, lockUserJob(f)))
		}},
		{"CancelJob/tag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.CancelJob(a, tagJob(f, i)())
		}},
		{"CancelJob/mail", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			return f.s.CancelJob(a, mailJob(f, i)())
		}},
		{"ConfirmJob/user", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.ConfirmJob(a, parked(f, userJob(f)))
		}},
		{"ConfirmJob/arm", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			return f.s.ConfirmJob(a, parked(f, armJob(f)))
		}},
		{"ConfirmJob/lock command", PermOperateDoors, false, func(f *fx, a Actor, i int) error {
			return f.s.ConfirmJob(a, parked(f, doorJob(f)))
		}},
		{"ConfirmJob/lock user", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.ConfirmJob(a, parked(f, lockUserJob(f)))
		}},
		{"ConfirmJob/tag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.ConfirmJob(a, parked(f, tagJob(f, i)))
		}},
		// What a console asks before offering an action: the permission of
		// the action.
		{"CheckUser/edit code", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			p := panelWithCode(f)
			return f.s.CheckUser(a, p, f.user(p, 2), ActEditCode)
		}},
		{"CheckUser/assign account", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			p := panelWithCode(f)
			return f.s.CheckUser(a, p, f.user(p, 2), ActAssignAccount)
		}},
		{"CheckAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			return f.s.CheckAccount(a, f.account(email(i)), ActSuspend)
		}},
		{"CheckLock/remove", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.CheckLock(a, lock(f), ActRemoveLock)
		}},
		{"CheckLock/unlock", PermOperateDoors, false, func(f *fx, a Actor, i int) error {
			return f.s.CheckLock(a, lock(f), ActUnlockDoor)
		}},
		{"CheckTag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.CheckTag(a, tag(f, i), ActDisableTag)
		}},
		{"CheckAssign", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			return f.s.CheckAssign(a, f.account(email(i)), panelWithCode(f))
		}},
		{"CheckPartition/arm", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			p := f.panel("neo-hs2064")
			return f.s.CheckPartition(a, p, f.partition(p, 1), ActArmAway)
		}},
		{"CheckPartition/label", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			p := f.panel("neo-hs2064")
			return f.s.CheckPartition(a, p, f.partition(p, 1), ActLabelPartition)
		}},
		// A console's key pressed for a greyed action: the same
		// permission as the operation, and nothing changes.
		{"TryUser/edit code", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.TryUser(a, panelWithCode(f).ID, 2, ActEditCode)
		}},
		{"TryUser/assign account", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			return f.s.TryUser(a, panelWithCode(f).ID, 2, ActAssignAccount)
		}},
		{"TryAccount", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			return f.s.TryAccount(a, f.account(email(i)).Email, ActSuspend)
		}},
		{"TryPartition/arm", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			return f.s.TryPartition(a, f.panel("neo-hs2064").ID, 1, ActArmAway)
		}},
		{"TryPartition/label", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			return f.s.TryPartition(a, f.panel("neo-hs2064").ID, 1, ActLabelPartition)
		}},
		{"TryLock/remove", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.TryLock(a, lock(f).ID, ActRemoveLock)
		}},
		{"TryLock/unlock", PermOperateDoors, false, func(f *fx, a Actor, i int) error {
			return f.s.TryLock(a, lock(f).ID, ActUnlockDoor)
		}},
		{"TryTag", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.TryTag(a, tag(f, i).ID, ActDisableTag)
		}},
		{"TryPerson/edit", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.TryPerson(a, person(f, i).ID, ActEditPerson)
		}},
		{"TryConf/edit door", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.TryConf(a, ConfDoor, f.accessSite(RootUnit).main.ID, ActEditConf)
		}},
		{"TryConf/remove apartment", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.TryConf(a, ConfApartment, f.apartment(RootUnit, fmt.Sprintf("Doomed %d", i)).ID, ActRemoveConf)
		}},
		{"TryConf/members", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.TryConf(a, ConfAccessGroup, f.accessSite(RootUnit).staff.ID, ActGroupMember)
		}},
		{"TryOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.TryOperator(a, f.operator(RoleGuard).Name(), ActSuspendOperator)
		}},
		{"CheckOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.CheckOperator(a, f.operator(RoleGuard).Name(), ActSuspendOperator)
		}},
		{"TryRole", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			name := fmt.Sprintf("Role %d", i)
			if err := f.s.AddRole(f.admin, Role{Name: name, Perms: PermViewEquipment}); err != nil {
				f.t.Fatal(err)
			}
			return f.s.TryRole(a, name, ActRemoveRole)
		}},
		{"CheckRole", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.CheckRole(a, RoleGuard, ActEditRole)
		}},
		{"TryJob/retry user", PermManagePanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.TryJob(a, failed(f, userJob(f)), ActRetryJob)
		}},
		{"TryJob/cancel arm", PermArmDisarm, false, func(f *fx, a Actor, i int) error {
			return f.s.TryJob(a, armJob(f)(), ActCancelJob)
		}},
		{"TryAdd/person", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.TryAdd(a, ActAddPerson)
		}},
		{"TryAdd/operator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.TryAdd(a, ActAddOperator)
		}},
		{"TryAdd/lock", PermManageLocksTags, false, func(f *fx, a Actor, i int) error {
			return f.s.TryAdd(a, ActAddLock)
		}},
		{"TryAdd/account", PermManageAccounts, false, func(f *fx, a Actor, i int) error {
			return f.s.TryAdd(a, ActCreateAccount)
		}},
		{"TryAdd/import people", PermManagePeople | PermBulkImport, false, func(f *fx, a Actor, i int) error {
			return f.s.TryAdd(a, ActImportPeople)
		}},
		// Reads.
		{"ListPanels", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListPanels(a)
			return err
		}},
		{"GetPanel", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetPanel(a, f.panel("neo-hs2064").ID)
			return err
		}},
		{"ListPartitions", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListPartitions(a, f.panel("neo-hs2064").ID)
			return err
		}},
		{"ListUsers", PermViewEquipment | PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListUsers(a, f.panel("neo-hs2064").ID)
			return err
		}},
		{"GetUser", PermViewEquipment | PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetUser(a, f.panel("neo-hs2064").ID, 1)
			return err
		}},
		{"ListAccounts", PermManageAccounts | PermViewPanelUsers, true, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListAccounts(a)
			return err
		}},
		{"AccountsByID", PermManageAccounts | PermViewPanelUsers, true, func(f *fx, a Actor, i int) error {
			_, err := f.s.AccountsByID(a, []uint64{1})
			return err
		}},
		{"GetUsers", PermViewEquipment | PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetUsers(a, f.panel("neo-hs2064").ID, []int{1, 2})
			return err
		}},
		{"ListZones", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListZones(a, f.zonePanel().ID)
			return err
		}},
		{"GetZone", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetZone(a, f.zonePanel().ID, 1)
			return err
		}},
		{"SetZoneLabel", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			return f.s.SetZoneLabel(a, f.zonePanel().ID, 1, "Back door")
		}},
		{"SetZoneType", PermManageEquipment, false, func(f *fx, a Actor, i int) error {
			return f.s.SetZoneType(a, f.zonePanel().ID, 2, ZonePerimeter)
		}},
		{"ListEvents", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListEvents(a, EventFilter{})
			return err
		}},
		{"VerifyEvents", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.VerifyEvents(a)
			return err
		}},
		{"ListAlarms", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListAlarms(a, AlarmFilter{})
			return err
		}},
		{"GetAlarm", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetAlarm(a, f.openAlarm(i).ID)
			return err
		}},
		{"AckAlarm", PermHandleAlarms, false, func(f *fx, a Actor, i int) error {
			return f.s.AckAlarm(a, f.openAlarm(i).ID, "Called the keyholder")
		}},
		{"GetAlarmSettings", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetAlarmSettings(a)
			return err
		}},
		{"SetAlarmSettings", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.SetAlarmSettings(a, AlarmSettings{EscalateAfter: 5 * time.Minute, EscalateTo: []string{email(i)}})
		}},
		{"ListLog", PermViewActionLog, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListLog(a, LogFilter{})
			return err
		}},
		{"VerifyLog", PermViewActionLog, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.VerifyLog(a)
			return err
		}},
		{"ExportLog", PermViewActionLog, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ExportLog(a, io.Discard)
			return err
		}},
		{"ListJobs", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListJobs(a, JobFilter{})
			return err
		}},
		{"ListLocks", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListLocks(a)
			return err
		}},
		{"ListTags", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListTags(a)
			return err
		}},
		{"ListOperators", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListOperators(a)
			return err
		}},
		{"GetOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetOperator(a, f.operator(RoleGuard).Name())
			return err
		}},
		{"UpdateOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			op, _ := f.s.GetOperator(f.admin, f.operator(RoleGuard).Name())
			op.Name = "Renamed"
			return f.s.UpdateOperator(a, op)
		}},
		{"SuspendOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.SuspendOperator(a, f.operator(RoleGuard).Name())
		}},
		{"ReactivateOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			name := f.operator(RoleGuard).Name()
			if err := f.s.SuspendOperator(f.admin, name); err != nil {
				f.t.Fatal(err)
			}
			return f.s.ReactivateOperator(a, name)
		}},
		{"RemoveOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.RemoveOperator(a, f.operator(RoleGuard).Name())
		}},
		{"UnlockOperator", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			name := f.operator(RoleGuard).Name()
			for range MaxFailures {
				f.s.Login(name, "not the password", "test", "")
			}
			return f.s.UnlockOperator(a, name)
		}},
		{"ResetOperatorPassword", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ResetOperatorPassword(a, f.operator(RoleGuard).Name())
			return err
		}},
		{"ResetSecondFactor", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			name := f.operator(RoleGuard).Name()
			f.enrolTOTP(name)
			return f.s.ResetSecondFactor(a, name)
		}},
		{"AddSSHKey", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddSSHKey(a, f.operator(RoleGuard).Name(), testKeyLine(f.t, i))
			return err
		}},
		{"RemoveSSHKey", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			name := f.operator(RoleGuard).Name()
			k, err := f.s.AddSSHKey(f.admin, name, testKeyLine(f.t, i))
			if err != nil {
				f.t.Fatal(err)
			}
			return f.s.RemoveSSHKey(a, name, k.Fingerprint)
		}},
		{"ListRoles", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListRoles(a)
			return err
		}},
		{"AddRole", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.AddRole(a, Role{Name: fmt.Sprintf("Role %d", i), Perms: PermViewEquipment})
		}},
		{"UpdateRole", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			return f.s.UpdateRole(a, Role{Name: RoleGuard, Require2FA: i%2 == 0})
		}},
		{"RemoveRole", PermManageOperators, false, func(f *fx, a Actor, i int) error {
			name := fmt.Sprintf("Role %d", i)
			if err := f.s.AddRole(f.admin, Role{Name: name, Perms: PermViewEquipment}); err != nil {
				f.t.Fatal(err)
			}
			return f.s.RemoveRole(a, name)
		}},
		{"FindPanel", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindPanel(a, f.panel("neo-hs2064").Name)
			return err
		}},
		{"ListUsersProgress", PermViewEquipment | PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListUsersProgress(a, f.panel("neo-hs2064").ID, func(int, int) {})
			return err
		}},
		{"GetDrift", PermViewEquipment | PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetDrift(a, drifting(f).ID, 2)
			return err
		}},
		{"UserTags", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.UserTags(a, tag(f, i).Panel, 2)
			return err
		}},
		{"GetAccount", PermManageAccounts | PermViewPanelUsers, true, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetAccount(a, f.account(email(i)).Email)
			return err
		}},
		{"SuggestAccounts", PermManageAccounts | PermViewPanelUsers, true, func(f *fx, a Actor, i int) error {
			_, err := f.s.SuggestAccounts(a, "perm", 5)
			return err
		}},
		{"GetLock", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetLock(a, lock(f).ID)
			return err
		}},
		{"FindLock", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindLock(a, strconv.FormatUint(lock(f).ID, 10))
			return err
		}},
		{"LockAlerts", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.LockAlerts(a)
			return err
		}},
		{"GetTag", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetTag(a, tag(f, i).ID)
			return err
		}},
		{"ExportTags", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ExportTags(a, io.Discard)
			return err
		}},
		{"GetJob", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetJob(a, userJob(f)())
			return err
		}},
		{"SyncCounts", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.SyncCounts(a, 0)
			return err
		}},
		{"MailStatus", PermViewEquipment, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.MailStatus(a)
			return err
		}},
		{"LogEntry", PermViewActionLog, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.LogEntry(a, f.logSeq())
			return err
		}},
		{"AddPerson", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddPerson(a, Person{Name: fmt.Sprintf("Added %d", i), Unit: RootUnit},
				[]access.Identifier{{Kind: access.KindCard, Value: fmt.Sprintf("8:%d", i)}})
			return err
		}},
		{"EditPerson", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			p := person(f, i)
			p.Name = "Edited"
			_, err := f.s.EditPerson(a, p)
			return err
		}},
		{"RemovePerson", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.RemovePerson(a, person(f, i).ID)
		}},
		{"AddIdentifier", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddIdentifier(a, person(f, i).ID, access.Identifier{Kind: access.KindQR, Value: fmt.Sprintf("qr-%d", i)})
			return err
		}},
		{"RemoveIdentifier", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.RemoveIdentifier(a, person(f, i).ID, access.Identifier{Kind: access.KindCard, Value: fmt.Sprint(7000 + i)})
			return err
		}},
		{"GetPerson", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetPerson(a, person(f, i).ID)
			return err
		}},
		{"ListPeople", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListPeople(a)
			return err
		}},
		{"EachPerson", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			return f.s.EachPerson(a, func(Person) error { return nil })
		}},
		{"ImportPeople", PermManagePeople | PermBulkImport, false, func(f *fx, a Actor, i int) error {
			csv := fmt.Sprintf("name,card\nImported %d,6:%d\n", i, i)
			_, err := f.s.ImportPeople(a, strings.NewReader(csv), PeopleImportOptions{Name: "people.csv", Unit: RootUnit})
			return err
		}},
		{"ExportPeople", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ExportPeople(a, io.Discard)
			return err
		}},
		{"FindPersonByIdentifier", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			person(f, i)
			_, err := f.s.FindPersonByIdentifier(a, access.Identifier{Kind: access.KindCard, Value: fmt.Sprintf("00%d", 7000+i)})
			return err
		}},
		{"ListTimeProfiles", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListTimeProfiles(a)
			return err
		}},
		{"GetTimeProfile", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetTimeProfile(a, f.accessSite(RootUnit).hours.ID)
			return err
		}},
		{"FindTimeProfile", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindTimeProfile(a, f.accessSite(RootUnit).hours.Name)
			return err
		}},
		{"AddTimeProfile", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddTimeProfile(a, TimeProfile{ConfMeta: ConfMeta{Name: fmt.Sprintf("Profile %d", i), Unit: RootUnit}})
			return err
		}},
		{"EditTimeProfile", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			p := f.accessSite(RootUnit).hours
			p.Name += " edited"
			_, err := f.s.EditTimeProfile(a, p)
			return err
		}},
		{"RemoveTimeProfile", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			p, err := f.s.AddTimeProfile(f.admin, TimeProfile{ConfMeta: ConfMeta{Name: fmt.Sprintf("Doomed %d", i), Unit: RootUnit}})
			if err != nil {
				return err
			}
			return f.s.RemoveTimeProfile(a, p.ID)
		}},
		{"ListDoorGroups", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListDoorGroups(a)
			return err
		}},
		{"FindDoorGroup", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindDoorGroup(a, fmt.Sprint(f.accessSite(RootUnit).group.ID))
			return err
		}},
		{"AddDoorGroup", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddDoorGroup(a, DoorGroup{ConfMeta{Name: fmt.Sprintf("Group %d", i), Unit: RootUnit}})
			return err
		}},
		{"EditDoorGroup", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			g := f.accessSite(RootUnit).group
			g.Name += " edited"
			_, err := f.s.EditDoorGroup(a, g)
			return err
		}},
		{"RemoveDoorGroup", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			g, err := f.s.AddDoorGroup(f.admin, DoorGroup{ConfMeta{Name: fmt.Sprintf("Doomed %d", i), Unit: RootUnit}})
			if err != nil {
				return err
			}
			return f.s.RemoveDoorGroup(a, g.ID)
		}},
		{"ListDoors", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListDoors(a)
			return err
		}},
		{"GetDoor", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetDoor(a, f.accessSite(RootUnit).main.ID)
			return err
		}},
		{"FindDoor", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindDoor(a, f.accessSite(RootUnit).main.Name)
			return err
		}},
		{"AddDoor", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddDoor(a, Door{ConfMeta: ConfMeta{Name: fmt.Sprintf("Door %d", i), Unit: RootUnit}})
			return err
		}},
		{"EditDoor", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			d := f.accessSite(RootUnit).main
			d.Lock = 9
			_, err := f.s.EditDoor(a, d)
			return err
		}},
		{"RemoveDoor", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.RemoveDoor(a, f.accessSite(RootUnit).back.ID)
		}},
		{"ListAccessGroups", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListAccessGroups(a)
			return err
		}},
		{"GetAccessGroup", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetAccessGroup(a, f.accessSite(RootUnit).staff.ID)
			return err
		}},
		{"FindAccessGroup", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindAccessGroup(a, f.accessSite(RootUnit).staff.Name)
			return err
		}},
		{"AccessGroupsFor", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AccessGroupsFor(a, f.accessSite(RootUnit).staff.Unit)
			return err
		}},
		{"AddAccessGroup", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddAccessGroup(a, AccessGroup{ConfMeta: ConfMeta{Name: fmt.Sprintf("Group %d", i), Unit: RootUnit}})
			return err
		}},
		{"EditAccessGroup", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			g := f.accessSite(RootUnit).staff
			g.MultiFactor = &access.MultiFactor{Kinds: []access.Kind{access.KindCard, access.KindQR}, Ordered: true}
			_, err := f.s.EditAccessGroup(a, g)
			return err
		}},
		{"RemoveAccessGroup", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.RemoveAccessGroup(a, f.accessSite(RootUnit).staff.ID)
		}},
		{"GroupMembers", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GroupMembers(a, f.accessSite(RootUnit).staff.ID)
			return err
		}},
		{"ChangeGroupMembers", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ChangeGroupMembers(a, f.accessSite(RootUnit).staff.ID, []uint64{person(f, i).ID}, nil, false)
			return err
		}},
		{"ListApartments", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListApartments(a)
			return err
		}},
		{"FindApartment", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindApartment(a, fmt.Sprint(f.apartment(RootUnit, fmt.Sprintf("Find %d", i)).ID))
			return err
		}},
		{"ApartmentsFor", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ApartmentsFor(a, RootUnit)
			return err
		}},
		{"AddApartment", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddApartment(a, Apartment{ConfMeta: ConfMeta{Name: fmt.Sprintf("Apt %d", i), Unit: RootUnit}})
			return err
		}},
		{"EditApartment", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			v := f.apartment(RootUnit, fmt.Sprintf("Edit %d", i))
			v.Floor = "2"
			_, err := f.s.EditApartment(a, v)
			return err
		}},
		{"RemoveApartment", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.RemoveApartment(a, f.apartment(RootUnit, fmt.Sprintf("Doomed %d", i)).ID)
		}},
		{"ListAccessLevels", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListAccessLevels(a)
			return err
		}},
		{"GetAccessLevel", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.GetAccessLevel(a, uint32(f.accessSite(RootUnit).office.ID))
			return err
		}},
		{"FindAccessLevel", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindAccessLevel(a, f.accessSite(RootUnit).office.Name)
			return err
		}},
		{"AddAccessLevel", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddAccessLevel(a, AccessLevel{Unit: RootUnit, AccessLevel: access.AccessLevel{
				Name: fmt.Sprintf("Level %d", i), MenuGroups: []access.MenuGroupID{1}, IncludeAllDoors: true}}, true)
			return err
		}},
		{"EditAccessLevel", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			l := f.accessSite(RootUnit).office
			l.Notes = "edited"
			_, err := f.s.EditAccessLevel(a, l, false)
			return err
		}},
		{"RemoveAccessLevel", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			l, err := f.s.AddAccessLevel(f.admin, AccessLevel{Unit: RootUnit, AccessLevel: access.AccessLevel{
				Name: fmt.Sprintf("Doomed %d", i), MenuGroups: []access.MenuGroupID{1}}}, false)
			if err != nil {
				return err
			}
			return f.s.RemoveAccessLevel(a, uint32(l.ID))
		}},
		{"AccessSettings", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AccessSettings(a)
			return err
		}},
		{"SetAccessSettings", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			return f.s.SetAccessSettings(a, AccessSettings{TimeZone: "Europe/Helsinki"})
		}},
		{"Decide", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			site := f.accessSite(RootUnit)
			_, err := f.s.Decide(a, AccessCheck{Person: person(f, i).ID, Door: site.main.ID, Direction: access.Entry})
			return err
		}},
		{"WhoCanOpen", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.WhoCanOpen(a, f.accessSite(RootUnit).main.ID, access.Both, time.Time{})
			return err
		}},
		{"ListUnassignedIdentifiers", PermViewPanelUsers, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ListUnassignedIdentifiers(a)
			return err
		}},
		{"AddUnassignedIdentifier", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.AddUnassignedIdentifier(a, RootUnit, card(fmt.Sprintf("77:%d", i)))
			return err
		}},
		{"RemoveUnassignedIdentifier", PermManagePeople, false, func(f *fx, a Actor, i int) error {
			if _, err := f.s.AddUnassignedIdentifier(f.admin, RootUnit, card(fmt.Sprintf("78:%d", i))); err != nil {
				return err
			}
			return f.s.RemoveUnassignedIdentifier(a, card(fmt.Sprintf("78:%d", i)))
		}},
		// An operator's own organization units are theirs to see, whatever
		// their role: no permission is needed (and none can be refused,
		// ListUnits returns no error).
		{"ListUnits", 0, false, func(f *fx, a Actor, i int) error {
			if len(f.s.ListUnits(a)) == 0 {
				return fmt.Errorf("no units listed")
			}
			return nil
		}},
		{"FindUnit", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.FindUnit(a, "Organization")
			return err
		}},
	}
}

// TestPermissions runs every operation as every predefined role, plus an
// actor with no permission at all, and expects exactly what store.Roles
// grants: success, or ErrPermission naming the missing permission.
func TestPermissions(t *testing.T) {
	t.Parallel()
	f := newFx(t)
	type who struct {
		name  string
		perms Perm
		actor Actor
	}
	var actors []who
	for _, role := range RoleNames() {
		actors = append(actors, who{role, Roles[role], f.operator(role)})
	}
	// Not a predefined role: an actor holding nothing, so every read's
	// refusal is exercised too (every predefined role may read).
	actors = append(actors, who{"no permissions", 0, Actor{name: "nobody", via: "test", units: []uint64{RootUnit}}})

	for _, c := range permCases() {
		for _, w := range actors {
			t.Run(c.name+"/"+w.name, func(t *testing.T) {
				f := f.at(t)
				allowed := w.perms&c.need == c.need
				if c.anyOf {
					allowed = w.perms&c.need != 0
				}
				if w.actor.Can(c.need) != (w.perms&c.need == c.need) {
					t.Fatalf("Actor.Can disagrees with Roles")
				}
				err := c.run(f, w.actor, f.next())
				if allowed {
					fxWant(t, err, nil)
					return
				}
				fxWant(t, err, ErrPermission, "does not have the", "permission: ask an administrator")
				missing := c.need &^ w.perms
				named := 0
				for b := Perm(1); b < permEnd; b <<= 1 {
					if missing&b == 0 {
						continue
					}
					if strings.Contains(err.Error(), `"`+b.String()) || strings.Contains(err.Error(), b.String()+`"`) || strings.Contains(err.Error(), ", "+b.String()+",") {
						named++
					} else if !c.anyOf {
						t.Fatalf("refusal %q does not name the missing %q permission", err, b)
					}
				}
				if named == 0 {
					t.Fatalf("refusal %q names no missing permission", err)
				}
			})
		}
	}
}

func TestRolesTable(t *testing.T) {
	// 003's permissions, as PRODUCT.md §8 hands them out.
	cases := []struct {
		role      string
		has, lack Perm
	}{
		{RoleGuard, PermViewEquipment | PermViewPanelUsers | PermViewActionLog | PermArmDisarm, PermManagePanelUsers | PermManageAccounts | PermManageOperators | PermBackupRestore | PermManagePeople},
		{RoleInstaller, PermManagePanelUsers | PermManageEquipment | PermBulkImport, PermManageAccounts | PermManageOperators | PermManagePeople},
		{RoleSupervisor, PermManagePanelUsers | PermManageAccounts | PermArmDisarm | PermManagePeople, PermManageOperators | PermBackupRestore},
		{RoleAdministrator, permAll, 0},
		{RoleAuditor, PermViewEquipment | PermViewPanelUsers | PermViewActionLog, PermManagePanelUsers | PermManageAccounts | PermArmDisarm | PermManagePeople},
	}
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			p, ok := Roles[c.role]
			if !ok || p&c.has != c.has || p&c.lack != 0 {
				t.Fatalf("%s = %s", c.role, p)
			}
		})
	}
	t.Run("operators with unknown or suspended roles", func(t *testing.T) {
		f := newFx(t)
		fxWant(t, second(f.s.AddOperator(f.admin, NewOperator{Username: "x", Grants: []Grant{{Role: "Boss"}}, Units: []uint64{RootUnit}})), ErrInvalid, "unknown role")
		fxWant(t, second(f.s.AddOperator(f.admin, NewOperator{Username: "bad name", Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})), ErrInvalid, "not valid")
		fxWant(t, second(f.s.AddOperator(f.admin, NewOperator{Username: "nounit", Grants: []Grant{{Role: RoleGuard}}})), ErrInvalid, "no organization unit")
		fxWant(t, second(f.s.AddOperator(f.admin, NewOperator{Username: "admin", Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{RootUnit}})), ErrDuplicate)
		_, err := f.s.Actor("ghost", "test")
		fxWant(t, err, ErrNotFound, `no operator "ghost"`)
	})
}

// scopeFx is a site with two buildings, a panel, an account, a lock and a
// tag in each, and operators granted building A or the whole site.
type scopeFx struct {
	*fx
	site, a, b Unit
	pa, pb     Panel
	alice, sam Actor
}

func newScopeFx(t *testing.T) *scopeFx {
	f := newFx(t)
	sf := &scopeFx{fx: f}
	sf.site = f.unit(RootUnit, "North site", UnitSite)
	sf.a = f.unit(sf.site.ID, "Building A", UnitBuilding)
	sf.b = f.unit(sf.site.ID, "Building B", UnitBuilding)
	sf.pa = f.panel("neo-hs2064", inUnit(sf.a.ID), func(np *NewPanel) { np.Name = "Alpha" })
	sf.pb = f.panel("neo-hs2064", inUnit(sf.b.ID), func(np *NewPanel) { np.Name = "Bravo" })
	for _, p := range []Panel{sf.pa, sf.pb} {
		f.setCode(p, 2, "2580")
		if _, err := f.s.AddLock(f.admin, Lock{Name: "Door of " + p.Name, Model: ModelYaleL3, Panel: p.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.EnrolTag(f.admin, Tag{ID: "90:" + map[string]string{"Alpha": "1", "Bravo": "2"}[p.Name], Kind: TagKeypad, Panel: p.ID, Slot: 2}); err != nil {
			t.Fatal(err)
		}
	}
	f.account("a@example.com", sf.a.ID)
	f.account("b@example.com", sf.b.ID)
	fxWant(t, f.s.AssignAccount(f.admin, "b@example.com", sf.pb.ID, 2), nil)
	sf.alice = f.operator(RoleSupervisor, sf.a.ID)
	sf.sam = f.operator(RoleSupervisor, sf.site.ID)
	return sf
}

func TestScopeReads(t *testing.T) {
	sf := newScopeFx(t)
	s := sf.s
	type view struct {
		panels, accounts, locks, tags []string
	}
	see := func(t *testing.T, a Actor) view {
		var v view
		ps, err := s.ListPanels(a)
		fxWant(t, err, nil)
		for _, p := range ps {
			v.panels = append(v.panels, p.Name)
		}
		as, err := s.ListAccounts(a)
		fxWant(t, err, nil)
		for _, x := range as {
			v.accounts = append(v.accounts, x.Email)
		}
		ls, err := s.ListLocks(a)
		fxWant(t, err, nil)
		for _, l := range ls {
			v.locks = append(v.locks, l.Name)
		}
		ts, err := s.ListTags(a)
		fxWant(t, err, nil)
		for _, x := range ts {
			v.tags = append(v.tags, x.ID)
		}
		return v
	}
	cases := []struct {
		name  string
		actor Actor
		want  view
	}{
		{"building A", sf.alice, view{[]string{"Alpha"}, []string{"a@example.com"}, []string{"Door of Alpha"}, []string{"90:1"}}},
		{"site", sf.sam, view{[]string{"Alpha", "Bravo"}, []string{"a@example.com", "b@example.com"}, []string{"Door of Alpha", "Door of Bravo"}, []string{"90:1", "90:2"}}},
	}
	for _, c := range cases {
		t.Run(c.name+" lists", func(t *testing.T) {
			if got := see(t, c.actor); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("sees %+v, want %+v", got, c.want)
			}
		})
	}
	t.Run("building A log", func(t *testing.T) {
		es, err := s.ListLog(sf.alice, LogFilter{})
		fxWant(t, err, nil)
		sawA := false
		for _, e := range es {
			if e.Unit == sf.b.ID || e.Panel == sf.pb.ID || e.Account == "b@example.com" {
				t.Errorf("building A operator sees entry %d %s %s", e.Seq, e.Action, e.Place)
			}
			sawA = sawA || e.Panel == sf.pa.ID
		}
		if !sawA {
			t.Errorf("building A operator does not see building A's entries")
		}
		var buf bytes.Buffer
		if _, err := s.ExportLog(sf.alice, &buf); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "Bravo") || strings.Contains(buf.String(), "b@example.com") {
			t.Errorf("building A export holds building B entries")
		}
		all, _ := s.ListLog(sf.sam, LogFilter{Panel: sf.pb.ID})
		if len(all) == 0 {
			t.Fatalf("site operator does not see building B's entries")
		}
		_, err = s.LogEntry(sf.alice, all[0].Seq)
		fxWant(t, err, ErrNotFound)
		if _, err := s.LogEntry(sf.sam, all[0].Seq); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("building A cannot read building B", func(t *testing.T) {
		for name, op := range map[string]func() error{
			"GetPanel":       func() error { _, err := s.GetPanel(sf.alice, sf.pb.ID); return err },
			"GetUser":        func() error { _, err := s.GetUser(sf.alice, sf.pb.ID, 2); return err },
			"ListUsers":      func() error { _, err := s.ListUsers(sf.alice, sf.pb.ID); return err },
			"ListPartitions": func() error { _, err := s.ListPartitions(sf.alice, sf.pb.ID); return err },
			"FindPanel":      func() error { _, err := s.FindPanel(sf.alice, "Bravo"); return err },
			"FindPanelIMEI":  func() error { _, err := s.FindPanel(sf.alice, sf.pb.IMEI); return err },
			"GetAccount":     func() error { _, err := s.GetAccount(sf.alice, "b@example.com"); return err },
			"FindUnit":       func() error { _, err := s.FindUnit(sf.alice, "Building B"); return err },
		} {
			t.Run(name, func(t *testing.T) {
				err := op()
				fxWant(t, err, ErrNotFound)
				if name != "FindPanel" && strings.Contains(err.Error(), "Bravo") { // FindPanel echoes what was typed
					t.Fatalf("refusal %q names building B's panel", err)
				}
			})
		}
		sug, _ := s.SuggestAccounts(sf.alice, "example.com", 0)
		if len(sug) != 1 || sug[0].Email != "a@example.com" {
			t.Errorf("suggestions %+v", sug)
		}
		for _, u := range s.ListUnits(sf.alice) {
			if u.ID != sf.a.ID {
				t.Errorf("building A operator lists unit %s", u.Name)
			}
		}
	})
	t.Run("site reads both", func(t *testing.T) {
		if _, err := s.GetUser(sf.sam, sf.pb.ID, 2); err != nil {
			t.Fatal(err)
		}
		if u, err := s.GetUser(sf.sam, sf.pa.ID, 2); err != nil || !u.CodeSet {
			t.Fatal(u, err)
		}
		if len(s.ListUnits(sf.sam)) != 3 {
			t.Errorf("site operator units %v", s.ListUnits(sf.sam))
		}
	})
}

func TestScopeWrites(t *testing.T) {
	sf := newScopeFx(t)
	s, alice, pb := sf.s, sf.alice, sf.pb
	cases := []struct {
		name string
		op   func() error
		kind error
	}{
		{"SetCode", func() error { return s.SetCode(alice, pb.ID, 3, "3691", CodeOptions{}) }, ErrNotFound},
		{"EditCode", func() error { return s.EditCode(alice, pb.ID, 2, "3691") }, ErrNotFound},
		{"SetLabel", func() error { return s.SetLabel(alice, pb.ID, 2, "Mallory") }, ErrNotFound},
		{"SetPartitions", func() error { return s.SetPartitions(alice, pb.ID, 2, PartitionSet(0).With(2)) }, ErrNotFound},
		{"DisablePanelUser", func() error { return s.DisablePanelUser(alice, pb.ID, 2) }, ErrNotFound},
		{"SetPartitionLabel", func() error { return s.SetPartitionLabel(alice, pb.ID, 1, "Mine") }, ErrPermission},
		{"UnassignAccount", func() error { return s.UnassignAccount(alice, pb.ID, 2) }, ErrNotFound},
		{"AssignAccount B to A's panel", func() error { return s.AssignAccount(alice, "b@example.com", sf.pa.ID, 2) }, ErrNotFound},
		{"AssignAccount A to B's panel", func() error { return s.AssignAccount(alice, "a@example.com", pb.ID, 2) }, ErrNotFound},
		{"RemoveAccount", func() error { return s.RemoveAccount(alice, "b@example.com") }, ErrNotFound},
		{"ResetPassword", func() error { return s.ResetPassword(alice, "b@example.com") }, ErrNotFound},
		{"SuspendAccount", func() error { return s.SuspendAccount(alice, "b@example.com") }, ErrNotFound},
		{"CreateAccount in B", func() error { _, err := s.CreateAccount(alice, "c@example.com", sf.b.ID); return err }, ErrPermission},
		{"CreateAccount in the site", func() error { _, err := s.CreateAccount(alice, "c@example.com", sf.site.ID); return err }, ErrPermission},
		{"AddLock on B", func() error {
			_, err := s.AddLock(alice, Lock{Name: "Back door", Model: ModelYaleL2, Panel: pb.ID})
			return err
		}, ErrNotFound},
		{"EnrolTag on B", func() error {
			_, err := s.EnrolTag(alice, Tag{ID: "90:9", Kind: TagKeypad, Panel: pb.ID, Slot: 2})
			return err
		}, ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.op()
			fxWant(t, err, c.kind)
			if strings.Contains(err.Error(), "Bravo") {
				t.Fatalf("refusal %q names building B's panel", err)
			}
		})
	}
	t.Run("installer in A cannot add to B", func(t *testing.T) {
		inst := sf.at(t).operator(RoleInstaller, sf.a.ID)
		_, err := s.AddPanel(inst, NewPanel{Name: "Charlie", Unit: sf.b.ID, Family: "neo-hs2064", IMEI: fxIMEI(900)})
		// The unit is not named: building A's installer cannot list it.
		fxWant(t, err, ErrPermission, fmt.Sprintf("unit %d is outside your organization units", sf.b.ID))
		if strings.Contains(err.Error(), "Building B") {
			t.Fatalf("refusal %q names building B", err)
		}
		_, err = s.AddUnit(inst, sf.b.ID, "Floor 1", UnitFloor)
		fxWant(t, err, ErrPermission, "outside your organization units")
		fxWant(t, s.SetPartitionLabel(inst, pb.ID, 1, "Mine"), ErrNotFound)
		_, err = s.AddUnit(inst, sf.a.ID, "Floor 1", UnitFloor)
		fxWant(t, err, nil)
		fxWant(t, second(sf.s.AddOperator(sf.admin, NewOperator{Username: "boss", Grants: []Grant{{Role: RoleAdministrator}}, Units: []uint64{sf.a.ID}})), nil)
		boss, _ := s.Actor("boss", "test")
		fxWant(t, second(s.AddOperator(boss, NewOperator{Username: "spy", Grants: []Grant{{Role: RoleGuard}}, Units: []uint64{sf.b.ID}})), ErrPermission, "outside your organization units")
	})
	t.Run("building B is unchanged", func(t *testing.T) {
		u, err := s.GetUser(sf.sam, pb.ID, 2)
		if err != nil || !u.CodeSet || u.Label != "" || u.Account == 0 || u.Partitions != PartitionSet(0).With(1) {
			t.Fatalf("B user 2 = %v, %v", u, err)
		}
		if u, _ := s.GetUser(sf.sam, pb.ID, 3); u.CodeSet {
			t.Fatalf("B user 3 got a code")
		}
		b, err := s.GetAccount(sf.sam, "b@example.com")
		if err != nil || b.Status != StatusNotConfirmed {
			t.Fatalf("b account %+v %v", b, err)
		}
		ps, _ := s.ListPartitions(sf.sam, pb.ID)
		if ps[0].Label != "Partition 1" {
			t.Fatalf("B partition 1 = %q", ps[0].Label)
		}
		if ls, _ := s.ListLocks(sf.sam); len(ls) != 2 {
			t.Fatalf("locks %v", ls)
		}
	})
	t.Run("the site operator changes building B", func(t *testing.T) {
		fxWant(t, s.SetLabel(sf.sam, pb.ID, 2, "Bea"), nil)
		fxWant(t, s.SetCode(sf.sam, pb.ID, 3, "3691", CodeOptions{}), nil)
		fxWant(t, s.SetLabel(sf.sam, sf.pa.ID, 2, "Al"), nil)
		fxWant(t, s.SuspendAccount(sf.sam, "b@example.com"), nil)
	})
}

// dispatcherCases are the calls only guardroom's device dispatcher makes,
// with its Internal actor: they hand out the outbox's secrets or record
// what a device reported or did, so no operator may make them, whatever
// their role. run succeeds for the dispatcher.
func dispatcherCases() []permCase {
	return []permCase{
		{"ReportConnection", 0, false, func(f *fx, a Actor, i int) error {
			return f.s.ReportConnection(a, f.panel("neo-hs2064").ID, ConnectionReport{Online: true, Driver: "sim"})
		}},
		{"ReportConnection/mail server", 0, false, func(f *fx, a Actor, i int) error {
			return f.s.ReportConnection(a, 0, ConnectionReport{Online: i%2 == 0, Driver: "smtp"})
		}},
		{"ReportPartitions", 0, false, func(f *fx, a Actor, i int) error {
			return f.s.ReportPartitions(a, f.panel("neo-hs2064").ID, []PartitionReport{{Number: 1, State: Alarm}})
		}},
		{"ReportUsers", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ReportUsers(a, f.panel("neo-hs2064").ID, []DeviceUser{{Slot: 3, CodeSet: true}})
			return err
		}},
		{"ReportLocks", 0, false, func(f *fx, a Actor, i int) error {
			p := f.panel("neo-hs2064")
			if _, err := f.s.AddLock(f.admin, Lock{Name: "Gate", Model: ModelYaleL2, Panel: p.ID}); err != nil {
				f.t.Fatal(err)
			}
			return f.s.ReportLocks(a, p.ID, []LockReport{{Number: 1, State: LockJammed, Battery: 50}})
		}},
		{"ReportZones", 0, false, func(f *fx, a Actor, i int) error {
			return f.s.ReportZones(a, f.panel("neo-hs2064").ID, []ZoneReport{{Number: 1, Partition: 1, Type: ZoneDoor, State: ZoneOpen}})
		}},
		{"ReportEvents", 0, false, func(f *fx, a Actor, i int) error {
			return f.s.ReportEvents(a, f.panel("neo-hs2064").ID, []EventReport{{Kind: EventAlarm, Partition: 1, Zone: 1}})
		}},
		{"PruneEvents", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.PruneEvents(a)
			return err
		}},
		{"EscalateAlarms", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.EscalateAlarms(a)
			return err
		}},
		{"DueJobs", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.DueJobs(a, 1)
			return err
		}},
		{"ReportUsersSeen", 0, false, func(f *fx, a Actor, i int) error {
			return f.s.ReportUsersSeen(a, f.panel("neo-hs2064").ID, []UserSeen{{Slot: 2, Partition: 1, Armed: true}})
		}},
		{"PanelSecrets", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.PanelSecrets(a, f.panel("dsc-pc1864").ID)
			return err
		}},
		{"FinishJob", 0, false, func(f *fx, a Actor, i int) error {
			f.setCode(f.panel("neo-hs2064"), 2, "2580")
			return f.s.FinishJob(a, f.newestJob().Seq, JobResult{Driver: "sim", Verified: true})
		}},
		{"ParkJob", 0, false, func(f *fx, a Actor, i int) error {
			f.setCode(f.panel("neo-hs2064"), 2, "2580")
			return f.s.ParkJob(a, f.newestJob().Seq, []string{"press 1"}, "guided")
		}},
		{"NextCommandNumber", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.NextCommandNumber(a, f.panel("neo-hs2064").ID)
			return err
		}},
		{"ReserveCommandNumbers", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ReserveCommandNumbers(a, f.panel("neo-hs2064").ID, 16)
			return err
		}},
		{"FinishJobs", 0, false, func(f *fx, a Actor, i int) error {
			f.setCode(f.panel("neo-hs2064"), 2, "2580")
			return f.s.FinishJobs(a, []Finished{{Seq: f.newestJob().Seq, Result: JobResult{Driver: "sim", Verified: true}}})
		}},
		{"ScanDue", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.ScanDue(a, nil)
			return err
		}},
		{"TargetDue", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.TargetDue(a, 0)
			return err
		}},
		{"MoreDue", 0, false, func(f *fx, a Actor, i int) error {
			_, err := f.s.MoreDue(a, 0, 0)
			return err
		}},
	}
}

// TestDispatcherOnly runs every dispatcher call as every predefined role
// (the Administrator's included) and an actor with no permission: each is
// refused, saying that only the dispatcher does that, and changes nothing
// but the log's record of the refusal. The dispatcher itself succeeds.
func TestDispatcherOnly(t *testing.T) {
	type who struct {
		name  string
		actor Actor
	}
	for _, c := range dispatcherCases() {
		// A store of its own per call: the dispatcher's run, last, changes it.
		f := newFx(t)
		var actors []who
		for _, role := range RoleNames() {
			actors = append(actors, who{role, f.operator(role)})
		}
		actors = append(actors, who{"no permissions", Actor{name: "nobody", via: "test", units: []uint64{RootUnit}}})
		for _, w := range actors {
			t.Run(c.name+"/"+w.name, func(t *testing.T) {
				f := f.at(t)
				err := c.run(f, w.actor, f.next())
				fxWant(t, err, ErrPermission, "only guardroom's own dispatcher")
				for _, j := range f.rawJobs() {
					if j.Attempts != 0 || len(j.Steps) != 0 {
						t.Fatalf("job %v changed", j)
					}
				}
				if n, err := f.s.LockAlerts(f.admin); err != nil || n.Jammed != 0 {
					t.Fatalf("a lock was reported jammed: %+v %v", n, err)
				}
				if c, err := f.s.SyncCounts(f.admin, 0); err != nil || c.Drift != 0 {
					t.Fatalf("drift was reported: %+v %v", c, err)
				}
				if m, _ := f.s.MailStatus(f.admin); !m.Since.IsZero() {
					t.Fatalf("the mail server was reported: %+v", m)
				}
				for _, e := range f.log() {
					if strings.HasPrefix(e.Action, "device.") && !e.Refused() || strings.HasPrefix(e.Action, "partition.state") {
						t.Fatalf("entry %d %s %s", e.Seq, e.Action, e.Result)
					}
				}
			})
		}
		t.Run(c.name+"/dispatcher", func(t *testing.T) {
			f := f.at(t)
			fxWant(t, c.run(f, f.s.Internal("dispatch"), f.next()), nil)
		})
	}
}

// TestEveryOperationIsInATable keeps the tables whole: every exported
// Store method that takes an Actor is in permCases or dispatcherCases.
// The login steps and notices, which only the operator's own login may
// do, are covered by operator_auth_test.go.
func TestEveryOperationIsInATable(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range append(permCases(), dispatcherCases()...) {
		covered[strings.Split(c.name, "/")[0]] = true
	}
	for _, m := range actorMethods(t) {
		if !covered[m.name] {
			t.Errorf("%s: Store.%s takes an Actor but is in no permission table", m.pos, m.name)
		}
	}
}

// actorMethod is an exported Store method that takes an Actor: an
// operation every permission and text table must account for.
type actorMethod struct{ pos, name string }

// actorMethods finds them in the package's source. The login steps and
// notices are the operator's own (operator_auth.go, operator_notices.go): operator_auth_test.go
// covers them, a permission has no part.
func actorMethods(t *testing.T) []actorMethod {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var ms []actorMethod
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "operator_auth.go" || name == "operator_notices.go" {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() {
				continue
			}
			if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); !ok || fmt.Sprint(star.X) != "Store" {
				continue
			}
			for _, p := range fn.Type.Params.List {
				if id, ok := p.Type.(*ast.Ident); ok && id.Name == "Actor" {
					ms = append(ms, actorMethod{fset.Position(fn.Pos()).String(), fn.Name.Name})
					break
				}
			}
		}
	}
	if len(ms) < 60 {
		t.Fatalf("found only %d operations: is the source where the test looks?", len(ms))
	}
	return ms
}
