package store

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store/access"
)

// The scope audit: an operator granted building A reaches building B
// through no call. Lists hold only A's items; a get, find or write naming
// B's item is refused exactly as for an item that does not exist (same
// kind, same words, the same trace in the log the operator can read); a
// refused write changes nothing; and the site's operator sees both.

// leakFx is newScopeFx with building B holding one of everything an
// operator could reach: user jobs pending, failed and waiting for keypad
// steps, a drifting user, a lock with a user that reports jammed and a low
// battery, an armed partition, mails to B's account (one sent), and
// building A's account assigned, by the site's operator, to a user of B.
type leakFx struct {
	*scopeFx
	la, lb       Lock
	ta, tb       string // A's and B's tag IDs, canonical
	failedB      uint64 // B's jobs by state
	parkedB      uint64
	pendingB     uint64
	mailB        uint64 // a mail to B's account, pending
	bossA, bossS Actor  // Administrators granted building A, and the site
}

func newLeakFx(t *testing.T) *leakFx {
	sf := newScopeFx(t)
	f := &leakFx{scopeFx: sf}
	sys := f.s.Internal("dispatch")
	for _, l := range f.locks(f.admin) {
		if l.Panel == sf.pa.ID {
			f.la = l
		} else {
			f.lb = l
		}
	}
	ts, err := f.s.ListTags(f.admin)
	fxWant(t, err, nil)
	for _, x := range ts {
		if x.Panel == sf.pa.ID {
			f.ta = x.ID
		} else {
			f.tb = x.ID
		}
	}
	pb := sf.pb
	f.pendingB = f.user(pb, 2).Sync.Job
	f.setCode(pb, 3, "3691")
	f.failedB = f.newestJob().Seq
	f.finish(f.failedB, JobResult{Driver: "sim", Err: "refused by the panel", Permanent: true})
	f.setCode(pb, 4, "4826")
	f.parkedB = f.newestJob().Seq
	fxWant(t, f.s.ParkJob(sys, f.parkedB, []string{"press 4"}, "guided"), nil)
	f.setCode(pb, 5, "5937")
	f.finish(f.newestJob().Seq, JobResult{Driver: "sim", Verified: true, CodeSerial: 5})
	if _, err := f.s.ReportUsers(sys, pb.ID, []DeviceUser{{Slot: 5, CodeSet: true, Label: "Changed", CodeSerial: 5}}); err != nil {
		t.Fatal(err)
	}
	f.setCode(pb, 6, "6150")
	fxWant(t, f.s.AssignAccount(sf.sam, "a@example.com", pb.ID, 6), nil)
	fxWant(t, f.s.AssignLockUser(f.admin, f.lb.ID, 2), nil)
	fxWant(t, f.s.ReportLocks(sys, pb.ID, []LockReport{{Number: f.lb.Number, State: LockJammed, Battery: 5}}), nil)
	fxWant(t, f.s.ReportPartitions(sys, pb.ID, []PartitionReport{{Number: 1, State: ArmedAway}}), nil)
	// B's account's first mail is sent (a mail.send entry); a second waits.
	for _, j := range f.rawJobs() {
		if j.Kind == JobMail && j.Mail.To == "b@example.com" {
			f.finish(j.Seq, JobResult{Driver: "smtp"})
		}
	}
	fxWant(t, f.s.ResetPassword(f.admin, "b@example.com"), nil)
	f.mailB = f.newestJob().Seq
	f.bossA = f.operator(RoleAdministrator, sf.a.ID)
	f.bossS = f.operator(RoleAdministrator, sf.site.ID)
	return f
}

func (f *leakFx) locks(a Actor) []Lock {
	f.t.Helper()
	ls, err := f.s.ListLocks(a)
	if err != nil {
		f.t.Fatal(err)
	}
	return ls
}

// missing refs: numbers and names no item has.
const (
	noID    = "9999"
	noEmail = "nobody@example.com"
)

// sameAsMissing runs op on B's item and on a missing one: both must be
// refused with kind, in the same words but for the reference, and leave
// the same entries in the log the actor reads (none naming B).
func sameAsMissing(t *testing.T, s *Store, a Actor, kind error, bRef, noRef string, op func(ref string) error) {
	t.Helper()
	visible := func(after uint64) []Entry {
		es, err := s.ListLog(a, LogFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []Entry
		for _, e := range es {
			if e.Seq > after {
				out = append(out, e)
			}
		}
		return out
	}
	head := func() uint64 {
		es, _ := s.ListLog(s.Internal("test"), LogFilter{Limit: 1})
		if len(es) == 0 {
			return 0
		}
		return es[0].Seq
	}
	h := head()
	errB := op(bRef)
	logB := visible(h)
	h = head()
	errNo := op(noRef)
	logNo := visible(h)
	fxWant(t, errB, kind)
	fxWant(t, errNo, kind)
	if want := strings.ReplaceAll(errNo.Error(), noRef, bRef); errB.Error() != want {
		t.Fatalf("B's item is refused with\n  %q\nand a missing one with\n  %q", errB, errNo)
	}
	if len(logB) != len(logNo) {
		t.Fatalf("the actor's log shows %d entries for B's item and %d for a missing one: %+v / %+v", len(logB), len(logNo), logB, logNo)
	}
	for i := range logB {
		b, n := logB[i], logNo[i]
		if b.Action != n.Action || b.Unit != n.Unit || b.Slot != n.Slot ||
			b.Place != strings.ReplaceAll(n.Place, noRef, bRef) || b.Result != strings.ReplaceAll(n.Result, noRef, bRef) {
			t.Fatalf("the actor's log entry for B's item\n  %+v\ndiffers from the one for a missing item\n  %+v", b, n)
		}
	}
}

func u64s(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}

func TestScopeLeakReads(t *testing.T) {
	f := newLeakFx(t)
	s, alice, sam := f.s, f.alice, f.sam
	pb, b := f.pb, f.b
	// Building A's account assigned to a user of B: alice's lists show
	// the account, not the link.
	t.Run("lists", func(t *testing.T) {
		type view struct{ panels, accounts, links, suggest, locks, tags, units, export []string }
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
				for _, l := range x.Links {
					v.links = append(v.links, fmt.Sprintf("%s:%d/%d", x.Email, l.Panel, l.Slot))
				}
			}
			sug, err := s.SuggestAccounts(a, "example.com", 0)
			fxWant(t, err, nil)
			for _, x := range sug {
				v.suggest = append(v.suggest, x.Email)
			}
			for _, l := range f.locks(a) {
				v.locks = append(v.locks, l.Name)
			}
			ts, err := s.ListTags(a)
			fxWant(t, err, nil)
			for _, x := range ts {
				v.tags = append(v.tags, x.ID)
			}
			for _, u := range s.ListUnits(a) {
				v.units = append(v.units, u.Name)
			}
			var csv bytes.Buffer
			_, err = s.ExportTags(a, &csv)
			fxWant(t, err, nil)
			v.export = strings.Split(strings.TrimSpace(csv.String()), "\n")[1:]
			return v
		}
		got := see(t, alice)
		want := view{[]string{"Alpha"}, []string{"a@example.com"}, nil, []string{"a@example.com"}, []string{"Door of Alpha"},
			[]string{f.ta}, []string{"Building A"}, []string{fmt.Sprintf("%s,keypad,%d,2,", f.ta, f.pa.ID)}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("building A sees\n  %+v\nwant\n  %+v", got, want)
		}
		got = see(t, sam)
		if len(got.panels) != 2 || len(got.accounts) != 2 || len(got.links) != 2 || len(got.suggest) != 2 ||
			len(got.locks) != 2 || len(got.tags) != 2 || len(got.units) != 3 || len(got.export) != 2 {
			t.Errorf("the site sees %+v", got)
		}
	})
	t.Run("jobs", func(t *testing.T) {
		all, err := s.ListJobs(f.admin, JobFilter{})
		fxWant(t, err, nil)
		var want []uint64
		for _, j := range all {
			if j.Panel == f.pa.ID || j.Kind == JobMail && j.Mail.To == "a@example.com" {
				want = append(want, j.Seq)
			}
		}
		got, err := s.ListJobs(alice, JobFilter{})
		fxWant(t, err, nil)
		var seqs []uint64
		for _, j := range got {
			seqs = append(seqs, j.Seq)
		}
		if len(want) == 0 || len(want) == len(all) || !slices.Equal(seqs, want) {
			t.Errorf("building A lists jobs %v, want %v (of %d)", seqs, want, len(all))
		}
		mails, _ := s.ListJobs(alice, JobFilter{Kind: JobMail})
		for _, j := range mails {
			if j.Mail.To != "a@example.com" {
				t.Errorf("building A lists %v", j)
			}
		}
		if got, _ := s.ListJobs(sam, JobFilter{}); len(got) != len(all) {
			t.Errorf("the site lists %d jobs of %d", len(got), len(all))
		}
	})
	t.Run("counts", func(t *testing.T) {
		want, err := s.SyncCounts(f.admin, f.pa.ID)
		fxWant(t, err, nil)
		want.Pending++ // A's account's mail
		if got, err := s.SyncCounts(alice, 0); err != nil || got != want {
			t.Errorf("building A counts %+v, want %+v (%v)", got, want, err)
		}
		if got, _ := s.SyncCounts(sam, 0); got.Failed != 1 || got.Keypad != 1 || got.Drift != 1 {
			t.Errorf("the site counts %+v", got)
		}
		if got, err := s.LockAlerts(alice); err != nil || got != (LockAlerts{}) {
			t.Errorf("building A lock alerts %+v %v", got, err)
		}
		if got, _ := s.LockAlerts(sam); got != (LockAlerts{Jammed: 1, LowBattery: 1}) {
			t.Errorf("the site lock alerts %+v", got)
		}
	})
	t.Run("log", func(t *testing.T) {
		names := func(e Entry) bool {
			return e.Unit == b.ID || e.Panel == pb.ID || e.Account == "b@example.com" ||
				strings.Contains(fmt.Sprint(e), "Bravo") || strings.Contains(fmt.Sprint(e), "b@example.com")
		}
		es, err := s.ListLog(alice, LogFilter{})
		fxWant(t, err, nil)
		for _, e := range es {
			if names(e) {
				t.Errorf("building A reads entry %+v", e)
			}
		}
		var buf bytes.Buffer
		_, err = s.ExportLog(alice, &buf)
		fxWant(t, err, nil)
		if strings.Contains(buf.String(), "Bravo") || strings.Contains(buf.String(), "b@example.com") {
			t.Errorf("building A's export holds building B")
		}
		seen := 0
		es, _ = s.ListLog(sam, LogFilter{})
		for _, e := range es {
			if names(e) {
				seen++
			}
		}
		if seen == 0 {
			t.Errorf("the site reads none of building B's entries")
		}
		bs, _ := s.ListLog(sam, LogFilter{Action: "mail.send"})
		if len(bs) != 1 || bs[0].Unit != b.ID {
			t.Fatalf("the mail to B's account is logged as %+v", bs)
		}
		sameAsMissing(t, s, alice, ErrNotFound, fmt.Sprint(bs[0].Seq), noID, func(ref string) error {
			_, err := s.LogEntry(alice, u64s(ref))
			return err
		})
	})

	pbRef, lbRef := fmt.Sprint(pb.ID), fmt.Sprint(f.lb.ID)
	noTag, _ := canonicalTag("99:999")
	reads := []struct {
		name        string
		bRef, noRef string
		op          func(ref string) error
	}{
		{"GetPanel", pbRef, noID, func(r string) error { _, err := s.GetPanel(alice, u64s(r)); return err }},
		{"FindPanel by number", pbRef, noID, func(r string) error { _, err := s.FindPanel(alice, r); return err }},
		{"FindPanel by name", "Bravo", "Nowhere", func(r string) error { _, err := s.FindPanel(alice, r); return err }},
		{"FindPanel by IMEI", pb.IMEI, fxIMEI(9999), func(r string) error { _, err := s.FindPanel(alice, r); return err }},
		{"ListPartitions", pbRef, noID, func(r string) error { _, err := s.ListPartitions(alice, u64s(r)); return err }},
		{"ListUsers", pbRef, noID, func(r string) error { _, err := s.ListUsers(alice, u64s(r)); return err }},
		{"ListUsersProgress", pbRef, noID, func(r string) error {
			_, err := s.ListUsersProgress(alice, u64s(r), func(int, int) {})
			return err
		}},
		{"GetUser", pbRef, noID, func(r string) error { _, err := s.GetUser(alice, u64s(r), 2); return err }},
		{"GetDrift", pbRef, noID, func(r string) error { _, err := s.GetDrift(alice, u64s(r), 5); return err }},
		{"UserTags", pbRef, noID, func(r string) error { _, err := s.UserTags(alice, u64s(r), 2); return err }},
		{"SyncCounts", pbRef, noID, func(r string) error { _, err := s.SyncCounts(alice, u64s(r)); return err }},
		{"CheckUser", pbRef, noID, func(r string) error {
			p, _ := s.GetPanel(f.admin, u64s(r))
			p.ID = u64s(r)
			return s.CheckUser(alice, p, PanelUser{Panel: p.ID, Slot: 2, CodeSet: true}, ActSetLabel)
		}},
		{"GetLock", lbRef, noID, func(r string) error { _, err := s.GetLock(alice, u64s(r)); return err }},
		{"FindLock by number", lbRef, noID, func(r string) error { _, err := s.FindLock(alice, r); return err }},
		{"FindLock by name", "Door of Bravo", "Door of Nowhere", func(r string) error { _, err := s.FindLock(alice, r); return err }},
		{"CheckLock", lbRef, noID, func(r string) error {
			l, _ := s.GetLock(f.admin, u64s(r))
			// A caller's copy saying it is in A does not pass.
			l.ID, l.Unit = u64s(r), f.a.ID
			return s.CheckLock(alice, l, ActRemoveLock)
		}},
		{"GetTag", f.tb, noTag, func(r string) error { _, err := s.GetTag(alice, r); return err }},
		{"CheckTag", f.tb, noTag, func(r string) error {
			t, err := s.GetTag(f.admin, r)
			if err != nil {
				t = Tag{ID: r}
			}
			return s.CheckTag(alice, t, ActFreeTag)
		}},
		{"GetAccount", "b@example.com", noEmail, func(r string) error { _, err := s.GetAccount(alice, r); return err }},
		{"CheckAccount", "b@example.com", noEmail, func(r string) error {
			acc, err := s.GetAccount(f.admin, r)
			if err != nil {
				acc = Account{Email: r}
			}
			return s.CheckAccount(alice, acc, ActSuspend)
		}},
		{"GetJob", fmt.Sprint(f.pendingB), noID, func(r string) error { _, err := s.GetJob(alice, u64s(r)); return err }},
		{"GetJob of a mail", fmt.Sprint(f.mailB), noID, func(r string) error { _, err := s.GetJob(alice, u64s(r)); return err }},
		{"FindUnit by number", fmt.Sprint(b.ID), noID, func(r string) error { _, err := s.FindUnit(alice, r); return err }},
		{"FindUnit by name", "Building B", "Building Z", func(r string) error { _, err := s.FindUnit(alice, r); return err }},
		{"FindUnit by path", "North site / Building B", "North site / Building Z", func(r string) error { _, err := s.FindUnit(alice, r); return err }},
		{"FindUnit the site above", "North site", "South site", func(r string) error { _, err := s.FindUnit(alice, r); return err }},
	}
	for _, c := range reads {
		t.Run(c.name, func(t *testing.T) {
			sameAsMissing(t, s, alice, ErrNotFound, c.bRef, c.noRef, c.op)
			if err := c.op(c.bRef); strings.Contains(err.Error(), "Bravo") && !strings.Contains(c.bRef, "Bravo") {
				t.Fatalf("refusal %q names building B's panel", err)
			}
		})
	}
	t.Run("the site reads B", func(t *testing.T) {
		for _, op := range []func() error{
			func() error { _, err := s.GetUser(sam, pb.ID, 2); return err },
			func() error { _, err := s.GetDrift(sam, pb.ID, 5); return err },
			func() error { _, err := s.GetLock(sam, f.lb.ID); return err },
			func() error { _, err := s.GetTag(sam, f.tb); return err },
			func() error { _, err := s.GetAccount(sam, "b@example.com"); return err },
			func() error { _, err := s.GetJob(sam, f.mailB); return err },
			func() error { _, err := s.FindUnit(sam, "Building B"); return err },
		} {
			fxWant(t, op(), nil)
		}
	})
}

// storeView is everything in the store but the log, as the administrator
// reads it.
func storeView(t *testing.T, s *Store, admin Actor) string {
	t.Helper()
	var b strings.Builder
	ps, err := s.ListPanels(admin)
	fxWant(t, err, nil)
	fmt.Fprintf(&b, "%+v\n", ps)
	for _, p := range ps {
		us, err := s.ListUsers(admin, p.ID)
		fxWant(t, err, nil)
		parts, err := s.ListPartitions(admin, p.ID)
		fxWant(t, err, nil)
		fmt.Fprintf(&b, "%#v\n%+v\n", us, parts)
		for _, u := range us {
			if d, err := s.GetDrift(admin, p.ID, u.Slot); err == nil {
				fmt.Fprintf(&b, "%+v\n", d)
			}
		}
	}
	for _, read := range []func() (any, error){
		func() (any, error) { return s.ListAccounts(admin) },
		func() (any, error) { return s.ListLocks(admin) },
		func() (any, error) { return s.ListTags(admin) },
		func() (any, error) { return s.ListJobs(admin, JobFilter{}) },
		func() (any, error) { return s.ListUnits(admin), nil },
		func() (any, error) { return s.SyncCounts(admin, 0) },
	} {
		v, err := read()
		fxWant(t, err, nil)
		fmt.Fprintf(&b, "%+v\n", v)
	}
	return b.String()
}

func TestScopeLeakWrites(t *testing.T) {
	f := newLeakFx(t)
	s, boss, pa, pb := f.s, f.bossA, f.pa, f.pb
	pbRef, lbRef := fmt.Sprint(pb.ID), fmt.Sprint(f.lb.ID)
	noTag, _ := canonicalTag("99:999")
	// B's people and access rules, and a card in B's unassigned pool.
	siteB := f.accessSite(f.b.ID)
	personB := f.person("Bea", f.b.ID, card("66:1"), card("66:2"))
	_, err := s.AddUnassignedIdentifier(f.admin, f.b.ID, card("66:9"))
	fxWant(t, err, nil)
	personRef, levelRef := fmt.Sprint(personB.ID), fmt.Sprint(siteB.office.ID)
	doorRef, groupRef := fmt.Sprint(siteB.main.ID), fmt.Sprint(siteB.staff.ID)
	profRef, dgRef := fmt.Sprint(siteB.hours.ID), fmt.Sprint(siteB.group.ID)
	u32s := func(r string) uint32 { return uint32(u64s(r)) }
	before := storeView(t, s, f.admin)
	logBefore := f.logSeq()

	// Every write an Administrator granted building A makes on B's items,
	// or into building B: refused as for a missing item.
	writes := []struct {
		name        string
		kind        error
		bRef, noRef string
		op          func(ref string) error
	}{
		{"SetCode", ErrNotFound, pbRef, noID, func(r string) error { return s.SetCode(boss, u64s(r), 7, "7391", CodeOptions{}) }},
		{"EditCode", ErrNotFound, pbRef, noID, func(r string) error { return s.EditCode(boss, u64s(r), 2, "7391") }},
		{"SetLabel", ErrNotFound, pbRef, noID, func(r string) error { return s.SetLabel(boss, u64s(r), 2, "Mallory") }},
		{"SetPartitions", ErrNotFound, pbRef, noID, func(r string) error {
			return s.SetPartitions(boss, u64s(r), 2, PartitionSet(0).With(1).With(2))
		}},
		{"DisablePanelUser", ErrNotFound, pbRef, noID, func(r string) error { return s.DisablePanelUser(boss, u64s(r), 2) }},
		{"BulkSetCodes", ErrNotFound, pbRef, noID, func(r string) error {
			return s.BulkSetCodes(boss, u64s(r), []BulkCode{{Slot: 7, Code: "7391"}}, nil)
		}},
		{"SetPartitionLabel", ErrNotFound, pbRef, noID, func(r string) error { return s.SetPartitionLabel(boss, u64s(r), 1, "Mine") }},
		{"SetPanelDevice", ErrNotFound, pbRef, noID, func(r string) error {
			return s.SetPanelDevice(boss, u64s(r), DeviceConfig{Driver: "modbus", Address: "tcp://10.6.6.6:502"})
		}},
		{"Arm", ErrNotFound, pbRef, noID, func(r string) error { return s.Arm(boss, u64s(r), 2, ArmAway) }},
		{"Arm with a bad mode", ErrNotFound, pbRef, noID, func(r string) error { return s.Arm(boss, u64s(r), 2, "sideways") }},
		{"Disarm", ErrNotFound, pbRef, noID, func(r string) error { return s.Disarm(boss, u64s(r), 1) }},
		{"ResolveDrift", ErrNotFound, pbRef, noID, func(r string) error { return s.ResolveDrift(boss, u64s(r), 5, AcceptPanel) }},
		{"UnassignAccount", ErrNotFound, pbRef, noID, func(r string) error { return s.UnassignAccount(boss, u64s(r), 2) }},
		{"AssignAccount A's account to B's user", ErrNotFound, pbRef, noID, func(r string) error {
			return s.AssignAccount(boss, "a@example.com", u64s(r), 7)
		}},
		{"AddLock on B's panel", ErrNotFound, pbRef, noID, func(r string) error {
			_, err := s.AddLock(boss, Lock{Name: "Back door", Model: ModelYaleL2, Panel: u64s(r)})
			return err
		}},
		{"EnrolTag on B's panel", ErrNotFound, pbRef, noID, func(r string) error {
			_, err := s.EnrolTag(boss, Tag{ID: "93:1", Kind: TagKeypad, Panel: u64s(r), Slot: 2})
			return err
		}},
		{"EnrolTag on B's lock", ErrNotFound, lbRef, noID, func(r string) error {
			_, err := s.EnrolTag(boss, Tag{ID: "93:1", Kind: TagLock, Lock: u64s(r), Slot: 2})
			return err
		}},
		{"ImportTags onto B's panel", ErrInvalid, pbRef, noID, func(r string) error {
			_, err := s.ImportTags(boss, strings.NewReader("tag,kind,panel,slot\n93:2,keypad,"+r+",2\n"), TagImportOptions{Name: "t.csv"})
			return err
		}},
		{"ImportTags onto B's panel by name", ErrInvalid, "Bravo", "Nowhere", func(r string) error {
			_, err := s.ImportTags(boss, strings.NewReader("tag,kind,panel,slot\n93:2,keypad,"+r+",2\n"), TagImportOptions{Name: "t.csv"})
			return err
		}},
		{"ImportTags onto B's lock", ErrInvalid, lbRef, noID, func(r string) error {
			_, err := s.ImportTags(boss, strings.NewReader("tag,kind,lock,slot\n93:2,door-lock,"+r+",2\n"), TagImportOptions{Name: "t.csv"})
			return err
		}},
		{"EditLock", ErrNotFound, lbRef, noID, func(r string) error { return s.EditLock(boss, u64s(r), LockEdit{Name: "Mine"}) }},
		{"RemoveLock", ErrNotFound, lbRef, noID, func(r string) error { return s.RemoveLock(boss, u64s(r), true) }},
		{"AssignLockUser", ErrNotFound, lbRef, noID, func(r string) error { return s.AssignLockUser(boss, u64s(r), 3) }},
		{"UnassignLockUser", ErrNotFound, lbRef, noID, func(r string) error { return s.UnassignLockUser(boss, u64s(r), 2) }},
		{"LockDoor", ErrNotFound, lbRef, noID, func(r string) error { return s.LockDoor(boss, u64s(r)) }},
		{"UnlockDoor", ErrNotFound, lbRef, noID, func(r string) error { return s.UnlockDoor(boss, u64s(r), "a delivery") }},
		{"DisableTag", ErrNotFound, f.tb, noTag, func(r string) error { return s.DisableTag(boss, r) }},
		{"MarkTagLost", ErrNotFound, f.tb, noTag, func(r string) error { return s.MarkTagLost(boss, r) }},
		{"FreeTag", ErrNotFound, f.tb, noTag, func(r string) error { return s.FreeTag(boss, r) }},
		{"RemoveAccount", ErrNotFound, "b@example.com", noEmail, func(r string) error { return s.RemoveAccount(boss, r) }},
		{"ResetPassword", ErrNotFound, "b@example.com", noEmail, func(r string) error { return s.ResetPassword(boss, r) }},
		{"SuspendAccount", ErrNotFound, "b@example.com", noEmail, func(r string) error { return s.SuspendAccount(boss, r) }},
		{"ReactivateAccount", ErrNotFound, "b@example.com", noEmail, func(r string) error { return s.ReactivateAccount(boss, r) }},
		{"ConfirmAccount", ErrNotFound, "b@example.com", noEmail, func(r string) error { return s.ConfirmAccount(boss, r, "12345678") }},
		{"AssignAccount B's account to A's user", ErrNotFound, "b@example.com", noEmail, func(r string) error {
			return s.AssignAccount(boss, r, pa.ID, 2)
		}},
		{"RetryJob", ErrNotFound, fmt.Sprint(f.failedB), noID, func(r string) error { return s.RetryJob(boss, u64s(r)) }},
		{"CancelJob", ErrNotFound, fmt.Sprint(f.pendingB), noID, func(r string) error { return s.CancelJob(boss, u64s(r)) }},
		{"CancelJob of a mail", ErrNotFound, fmt.Sprint(f.mailB), noID, func(r string) error { return s.CancelJob(boss, u64s(r)) }},
		{"RetryJob of a mail", ErrNotFound, fmt.Sprint(f.mailB), noID, func(r string) error { return s.RetryJob(boss, u64s(r)) }},
		{"ConfirmJob", ErrNotFound, fmt.Sprint(f.parkedB), noID, func(r string) error { return s.ConfirmJob(boss, u64s(r)) }},
		{"EditPerson", ErrNotFound, personRef, noID, func(r string) error {
			_, err := s.EditPerson(boss, Person{ID: u64s(r), Name: "Mallory", Unit: f.a.ID})
			return err
		}},
		{"RemovePerson", ErrNotFound, personRef, noID, func(r string) error { return s.RemovePerson(boss, u64s(r)) }},
		{"AddIdentifier", ErrNotFound, personRef, noID, func(r string) error {
			_, err := s.AddIdentifier(boss, u64s(r), card("66:3"))
			return err
		}},
		{"RemoveIdentifier", ErrNotFound, personRef, noID, func(r string) error {
			_, err := s.RemoveIdentifier(boss, u64s(r), card("66:1"))
			return err
		}},
		{"RemoveUnassignedIdentifier", ErrNotFound, "66:9", "66:8", func(r string) error { return s.RemoveUnassignedIdentifier(boss, card(r)) }},
		{"EditTimeProfile", ErrNotFound, profRef, noID, func(r string) error {
			_, err := s.EditTimeProfile(boss, TimeProfile{ConfMeta: ConfMeta{ID: u32s(r), Name: "Mine", Unit: f.a.ID}})
			return err
		}},
		{"RemoveTimeProfile", ErrNotFound, profRef, noID, func(r string) error { return s.RemoveTimeProfile(boss, u32s(r)) }},
		{"EditDoorGroup", ErrNotFound, dgRef, noID, func(r string) error {
			_, err := s.EditDoorGroup(boss, DoorGroup{ConfMeta{ID: u32s(r), Name: "Mine", Unit: f.a.ID}})
			return err
		}},
		{"RemoveDoorGroup", ErrNotFound, dgRef, noID, func(r string) error { return s.RemoveDoorGroup(boss, u32s(r)) }},
		{"EditDoor", ErrNotFound, doorRef, noID, func(r string) error {
			_, err := s.EditDoor(boss, Door{ConfMeta: ConfMeta{ID: u32s(r), Name: "Mine", Unit: f.a.ID}})
			return err
		}},
		{"RemoveDoor", ErrNotFound, doorRef, noID, func(r string) error { return s.RemoveDoor(boss, u32s(r)) }},
		{"EditAccessGroup", ErrNotFound, groupRef, noID, func(r string) error {
			_, err := s.EditAccessGroup(boss, AccessGroup{ConfMeta: ConfMeta{ID: u32s(r), Name: "Mine", Unit: f.a.ID}})
			return err
		}},
		{"RemoveAccessGroup", ErrNotFound, groupRef, noID, func(r string) error { return s.RemoveAccessGroup(boss, u32s(r)) }},
		{"EditAccessLevel", ErrNotFound, levelRef, noID, func(r string) error {
			_, err := s.EditAccessLevel(boss, AccessLevel{Unit: f.a.ID, AccessLevel: access.AccessLevel{ID: access.LevelID(u32s(r)), Name: "Mine", MenuGroups: []access.MenuGroupID{1}}}, false)
			return err
		}},
		{"RemoveAccessLevel", ErrNotFound, levelRef, noID, func(r string) error { return s.RemoveAccessLevel(boss, u32s(r)) }},
		{"A person given B's level", ErrNotFound, levelRef, noID, func(r string) error {
			_, err := s.AddPerson(boss, Person{Name: "Al", Unit: f.a.ID, Levels: []uint32{u32s(r)}}, nil)
			return err
		}},
		{"A level naming B's door", ErrNotFound, doorRef, noID, func(r string) error {
			_, err := s.AddAccessLevel(boss, AccessLevel{Unit: f.a.ID, AccessLevel: access.AccessLevel{Name: "Al", MenuGroups: []access.MenuGroupID{1},
				Doors: []access.DoorRule{{Door: access.DoorID(u32s(r))}}}}, false)
			return err
		}},
		{"AddPerson in B", ErrPermission, fmt.Sprint(f.b.ID), noID, func(r string) error {
			_, err := s.AddPerson(boss, Person{Name: "Al", Unit: u64s(r)}, nil)
			return err
		}},
		{"AddDoor in B", ErrPermission, fmt.Sprint(f.b.ID), noID, func(r string) error {
			_, err := s.AddDoor(boss, Door{ConfMeta: ConfMeta{Name: "Al", Unit: u64s(r)}})
			return err
		}},
		{"AddUnassignedIdentifier in B", ErrPermission, fmt.Sprint(f.b.ID), noID, func(r string) error {
			_, err := s.AddUnassignedIdentifier(boss, u64s(r), card("66:7"))
			return err
		}},
		// Creating in building B: refused as for a unit that does not
		// exist, the unit not named.
		{"AddPanel in B", ErrPermission, fmt.Sprint(f.b.ID), noID, func(r string) error {
			_, err := s.AddPanel(boss, NewPanel{Name: "Charlie", Unit: u64s(r), Family: "neo-hs2064", IMEI: fxIMEI(900)})
			return err
		}},
		{"CreateAccount in B", ErrPermission, fmt.Sprint(f.b.ID), noID, func(r string) error {
			_, err := s.CreateAccount(boss, "c@example.com", u64s(r))
			return err
		}},
		{"AddUnit in B", ErrPermission, fmt.Sprint(f.b.ID), noID, func(r string) error {
			_, err := s.AddUnit(boss, u64s(r), "Floor 1", UnitFloor)
			return err
		}},
		{"AddUnit in the site above", ErrPermission, fmt.Sprint(f.site.ID), noID, func(r string) error {
			_, err := s.AddUnit(boss, u64s(r), "Building C", UnitBuilding)
			return err
		}},
	}
	for _, c := range writes {
		t.Run(c.name, func(t *testing.T) {
			sameAsMissing(t, s, boss, c.kind, c.bRef, c.noRef, c.op)
			if err := c.op(c.bRef); strings.Contains(err.Error(), "Bravo") && !strings.Contains(c.bRef, "Bravo") || strings.Contains(err.Error(), "Building B") {
				t.Fatalf("refusal %q names building B", err)
			}
		})
	}

	// What building A's operator may do that touches B: refused, or done
	// without naming B.
	t.Run("a panel named like B's", func(t *testing.T) {
		_, err := s.AddPanel(boss, NewPanel{Name: "bravo", Unit: f.a.ID, Family: "neo-hs2064", IMEI: fxIMEI(901)})
		fxWant(t, err, ErrDuplicate, "has that name already")
		if strings.Contains(err.Error(), pb.Label()) || strings.Contains(err.Error(), "Bravo") {
			t.Fatalf("refusal %q names B's panel", err)
		}
	})
	t.Run("a tag ID B has", func(t *testing.T) {
		// Tag IDs are unique across the site, so the clash is said.
		_, err := s.EnrolTag(boss, Tag{ID: f.tb, Kind: TagKeypad, Panel: pa.ID, Slot: 2})
		fxWant(t, err, ErrDuplicate, "outside your organization units")
		if strings.Contains(err.Error(), "Bravo") || strings.Contains(err.Error(), "user 2") {
			t.Fatalf("refusal %q names B's user", err)
		}
	})
	t.Run("A's account assigned in B", func(t *testing.T) {
		fxWant(t, s.RemoveAccount(boss, "a@example.com"), ErrPermission, "outside your organization units")
	})
	t.Run("backup and restore", func(t *testing.T) {
		for _, a := range []Actor{boss, f.bossS} {
			fxWant(t, s.Backup(a, bytes.Repeat([]byte{7}, KeySize), io.Discard), ErrPermission, "whole organization")
			fxWant(t, s.Restore(a, bytes.Repeat([]byte{7}, KeySize), bytes.NewReader(nil), true), ErrPermission, "whole organization")
		}
	})
	t.Run("nothing changed", func(t *testing.T) {
		if after := storeView(t, s, f.admin); after != before {
			t.Fatalf("the refused writes changed the store:\nbefore %s\nafter  %s", before, after)
		}
		for _, e := range f.log() {
			if e.Seq > logBefore && !e.Refused() {
				t.Errorf("entry %+v", e)
			}
		}
	})

	// B's account assigned (by the site) to a user of A: A's operator
	// sees neither its address in a refusal nor in the log when unlinking.
	t.Run("B's account on A's user", func(t *testing.T) {
		f.setCode(pa, 3, "3691")
		fxWant(t, s.AssignAccount(f.sam, "b@example.com", pa.ID, 3), nil)
		err := s.AssignAccount(boss, "a@example.com", pa.ID, 3)
		fxWant(t, err, ErrState, "has an account outside your organization units already")
		if strings.Contains(err.Error(), "b@example.com") {
			t.Fatalf("refusal %q names B's account", err)
		}
		fxWant(t, s.UnassignAccount(boss, pa.ID, 3), nil)
		e := f.lastLog()
		if e.Action != "account.unassign" || strings.Contains(fmt.Sprint(e), "b@example.com") || e.Unit != f.a.ID {
			t.Fatalf("entry %+v", e)
		}
	})
	t.Run("the site changes B", func(t *testing.T) {
		fxWant(t, s.SetLabel(f.bossS, pb.ID, 2, "Bea"), nil)
		fxWant(t, s.LockDoor(f.bossS, f.la.ID), nil)
		fxWant(t, s.FreeTag(f.bossS, f.tb), nil)
		fxWant(t, s.CancelJob(f.bossS, f.mailB), nil)
		fxWant(t, s.RetryJob(f.bossS, f.failedB), nil)
		fxWant(t, s.ResolveDrift(f.bossS, pb.ID, 5, AcceptPanel), nil)
		fxWant(t, s.RemoveAccount(f.bossS, "a@example.com"), nil)
		_, err := s.AddUnit(f.bossS, f.b.ID, "Floor 1", UnitFloor)
		fxWant(t, err, nil)
		fxWant(t, s.Backup(f.admin, bytes.Repeat([]byte{7}, KeySize), io.Discard), nil)
	})
}
