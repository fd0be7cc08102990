package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// TestLogEntryPerOperation: every change and every refused attempt appends
// exactly one entry, in the same transaction, saying who, where, what
// changed and the result.
func TestLogEntryPerOperation(t *testing.T) {
	f := newFx(t)
	guard := f.operator(RoleGuard)
	p := f.panel("dsc-pc1832")
	f.setCode(p, 40, "3691")
	f.account("bob@example.com")
	var otherPanel Panel

	type want struct {
		action  string
		refused string // "" for ok, else a part of the refusal
		op      string // operator; admin when empty
		panel   bool   // entry names p
		slot    int
		account string
		before  map[string]string
		after   map[string]string
	}
	cases := []struct {
		name string
		op   func() error
		want want
	}{
		{"add panel", func() error {
			var err error
			otherPanel, err = f.s.AddPanel(f.admin, NewPanel{Name: "Gate", Unit: RootUnit, Family: "neo-hs2016", IMEI: fxIMEI(555)})
			return err
		}, want{action: "panel.add", after: map[string]string{"name": "Gate", "family": "DSC PowerSeries Neo HS2016", "imei": fxIMEI(555), "slots": "48", "code length": "4"}}},
		{"refused add panel: duplicate IMEI", func() error {
			_, err := f.s.AddPanel(f.admin, NewPanel{Name: "Gate 2", Unit: RootUnit, Family: "neo-hs2016", IMEI: fxIMEI(555)})
			return err
		}, want{action: "panel.add", refused: "belongs to another panel already"}},
		{"set code", func() error { return f.s.SetCode(f.admin, p.ID, 2, "2580", CodeOptions{}) },
			want{action: "user.set-code", panel: true, slot: 2,
				before: map[string]string{"code": "not set", "label": "User 2", "role": "User", "partitions": "-"},
				after:  map[string]string{"code": "set", "label": "User 2", "role": "User", "partitions": "1"}}},
		{"refused set code: duplicate", func() error { return f.s.SetCode(f.admin, p.ID, 3, "2580", CodeOptions{}) },
			want{action: "user.set-code", refused: "already used by another user", panel: true, slot: 3}},
		{"refused set code: no permission", func() error { return f.s.SetCode(guard, p.ID, 3, "4826", CodeOptions{}) },
			want{action: "user.set-code", refused: `does not have the "manage panel users" permission`, op: guard.Name(), panel: true, slot: 3}},
		{"edit code", func() error { return f.s.EditCode(f.admin, p.ID, 2, "4826") },
			want{action: "user.edit-code", panel: true, slot: 2, before: map[string]string{"code": "set"}, after: map[string]string{"code": "changed"}}},
		{"label", func() error { return f.s.SetLabel(f.admin, p.ID, 2, "Bob") },
			want{action: "user.label", panel: true, slot: 2, before: map[string]string{"label": "User 2"}, after: map[string]string{"label": "Bob"}}},
		{"refused label: no code", func() error { return f.s.SetLabel(f.admin, p.ID, 9, "Eve") },
			want{action: "user.label", refused: "has no code; set a code first", panel: true, slot: 9}},
		{"partitions", func() error { return f.s.SetPartitions(f.admin, p.ID, 2, PartitionSet(0).With(1).With(3)) },
			want{action: "user.partitions", panel: true, slot: 2, before: map[string]string{"partitions": "1"}, after: map[string]string{"partitions": "1, 3"}}},
		{"refused partitions: master", func() error { return f.s.SetPartitions(f.admin, p.ID, 40, PartitionSet(0).With(1)) },
			want{action: "user.partitions", refused: "Master users always hold all partitions", panel: true, slot: 40}},
		{"assign account", func() error { return f.s.AssignAccount(f.admin, "BOB@example.com", p.ID, 2) },
			want{action: "account.assign", panel: true, slot: 2, account: "bob@example.com", before: map[string]string{"account": "-"}, after: map[string]string{"account": "bob@example.com"}}},
		{"refused assign: suspended", func() error {
			f.account("sue@example.com")
			if err := f.s.SuspendAccount(f.admin, "sue@example.com"); err != nil {
				return err
			}
			return f.s.AssignAccount(f.admin, "sue@example.com", p.ID, 40)
		}, want{action: "account.assign", refused: "is suspended and cannot be assigned", panel: true, slot: 40, account: "sue@example.com"}},
		{"refused disable: master", func() error { return f.s.DisablePanelUser(f.admin, p.ID, 40) },
			want{action: "user.disable", refused: "cannot be disabled", panel: true, slot: 40}},
		{"unassign", func() error { return f.s.UnassignAccount(f.admin, p.ID, 2) },
			want{action: "account.unassign", panel: true, slot: 2, account: "bob@example.com", before: map[string]string{"account": "bob@example.com"}, after: map[string]string{"account": "-"}}},
		{"disable", func() error { return f.s.DisablePanelUser(f.admin, p.ID, 2) },
			want{action: "user.disable", panel: true, slot: 2,
				before: map[string]string{"code": "set", "label": "Bob", "role": "User", "partitions": "1, 3"},
				after:  map[string]string{"code": "not set", "label": "User 2", "role": "User", "partitions": "-"}}},
		{"create account", func() error { _, err := f.s.CreateAccount(f.admin, "Ann@example.com", RootUnit); return err },
			want{action: "account.create", account: "Ann@example.com", after: map[string]string{"email": "Ann@example.com", "status": "Not confirmed", "otp": "queued for mail"}}},
		{"refused create: duplicate", func() error { _, err := f.s.CreateAccount(f.admin, "ann@EXAMPLE.com", RootUnit); return err },
			want{action: "account.create", refused: "exists already", account: "ann@EXAMPLE.com"}},
		{"suspend", func() error { return f.s.SuspendAccount(f.admin, "ann@example.com") },
			want{action: "account.suspend", account: "Ann@example.com", before: map[string]string{"status": "Not confirmed"}, after: map[string]string{"status": "Suspended"}}},
		{"refused reset: suspended", func() error { return f.s.ResetPassword(f.admin, "ann@example.com") },
			want{action: "account.reset-password", refused: "is suspended", account: "Ann@example.com"}},
		{"reactivate", func() error { return f.s.ReactivateAccount(f.admin, "ann@example.com") },
			want{action: "account.reactivate", account: "Ann@example.com", before: map[string]string{"status": "Suspended"}, after: map[string]string{"status": "Not confirmed"}}},
		{"reset password", func() error { return f.s.ResetPassword(f.admin, "ann@example.com") },
			want{action: "account.reset-password", account: "Ann@example.com", after: map[string]string{"otp": "queued for mail"}}},
		{"refused confirm: wrong OTP", func() error { return f.s.ConfirmAccount(f.admin, "ann@example.com", "00000000") },
			want{action: "account.confirm", refused: "is wrong", account: "Ann@example.com"}},
		{"confirm", func() error { return f.s.ConfirmAccount(f.admin, "ann@example.com", f.otp("ann@example.com")) },
			want{action: "account.confirm", account: "Ann@example.com", before: map[string]string{"status": "Not confirmed"}, after: map[string]string{"status": "Active", "password": "set from OTP"}}},
		{"remove account", func() error { return f.s.RemoveAccount(f.admin, "ann@example.com") },
			want{action: "account.remove", account: "Ann@example.com", before: map[string]string{"email": "Ann@example.com", "status": "Active", "links": "0"}, after: map[string]string{"account": "removed"}}},
		{"refused remove: no account", func() error { return f.s.RemoveAccount(f.admin, "ann@example.com") },
			want{action: "account.remove", refused: "no account with email", account: "ann@example.com"}},
		{"partition label", func() error { return f.s.SetPartitionLabel(f.admin, p.ID, 2, "Stock") },
			want{action: "partition.label", panel: true, before: map[string]string{"label": "Partition 2"}, after: map[string]string{"label": "Stock"}}},
		{"add unit", func() error { _, err := f.s.AddUnit(f.admin, RootUnit, "East", UnitSite); return err },
			want{action: "unit.add", after: map[string]string{"name": "East", "kind": "site", "parent": "Organization"}}},
		{"refused add unit: duplicate", func() error { _, err := f.s.AddUnit(f.admin, RootUnit, "east", UnitSite); return err },
			want{action: "unit.add", refused: "already has a unit named"}},
		{"add lock", func() error {
			_, err := f.s.AddLock(f.admin, Lock{Name: "Gate lock", Model: "Yale Doorman L2", Panel: otherPanel.ID})
			return err
		}, want{action: "lock.add", after: map[string]string{"name": "Gate lock", "model": "Yale Doorman L2", "number": "1", "users": "none"}}},
		{"refused add lock: panel without locks", func() error {
			_, err := f.s.AddLock(f.admin, Lock{Name: "Back door", Model: ModelYaleL3, Panel: p.ID})
			return err
		}, want{action: "lock.add", refused: "cannot have door locks", panel: true}},
		{"refused enrol tag: keypads without a reader", func() error {
			_, err := f.s.EnrolTag(f.admin, Tag{ID: "04a1b2c3", Kind: TagKeypad, Panel: p.ID, Slot: 40})
			return err
		}, want{action: "tag.enrol", refused: "has no keypads with a proximity reader", panel: true, slot: 40}},
		{"refused enrol tag: malformed", func() error {
			_, err := f.s.EnrolTag(f.admin, Tag{ID: "ABC123", Kind: TagKeypad, Panel: p.ID, Slot: 2})
			return err
		}, want{action: "tag.enrol", refused: "tag ID not valid", panel: true, slot: 2}},
		{"add operator", func() error {
			_, err := f.s.AddOperator(f.admin, NewOperator{Username: "carol", Grants: []Grant{{Role: RoleAuditor}}, Units: []uint64{RootUnit}})
			return err
		}, want{action: "operator.add", after: map[string]string{"roles": "Auditor", "units": "[1]"}}},
		{"refused add operator: no permission", func() error {
			_, err := f.s.AddOperator(guard, NewOperator{Username: "dave", Grants: []Grant{{Role: RoleAuditor}}, Units: []uint64{RootUnit}})
			return err
		}, want{action: "operator.add", refused: "manage operators", op: guard.Name()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := f.at(t)
			f.clk.Advance(time.Minute)
			start := f.logSeq()
			err := c.op()
			if c.want.refused == "" {
				fxWant(t, err, nil)
			} else if err == nil || !IsRefusal(err) || !strings.Contains(err.Error(), c.want.refused) {
				t.Fatalf("err = %v, want a refusal saying %q", err, c.want.refused)
			}
			es, err2 := f.s.ListLog(f.admin, LogFilter{Since: f.clk.Now()})
			if err2 != nil {
				t.Fatal(err2)
			}
			// Suspending sue above is its own change: look at the newest.
			e := es[0]
			if got := f.logSeq() - start; got != uint64(len(es)) || (got != 1 && !strings.Contains(c.name, "suspended")) {
				t.Fatalf("%d entries appended", got)
			}
			w := c.want
			op := w.op
			if op == "" {
				op = "admin"
			}
			if e.Action != w.action || e.Operator != op || e.Via != "test" || !e.Time.Equal(f.clk.Now()) {
				t.Errorf("entry %s by %s via %s at %v", e.Action, e.Operator, e.Via, e.Time)
			}
			if w.refused == "" && e.Result != "ok" {
				t.Errorf("result %q, want ok", e.Result)
			}
			if w.refused != "" && (e.Result != "refused: "+err.Error() || !e.Refused()) {
				t.Errorf("result %q, want refused: %v", e.Result, err)
			}
			if (e.Panel == p.ID) != w.panel || e.Slot != w.slot {
				t.Errorf("place: panel %d slot %d (%s)", e.Panel, e.Slot, e.Place)
			}
			if e.Account != w.account {
				t.Errorf("account %q, want %q", e.Account, w.account)
			}
			if w.panel && e.Unit != p.Unit {
				t.Errorf("unit %d, want the panel's %d", e.Unit, p.Unit)
			}
			if w.panel && w.slot != 0 && !strings.HasPrefix(w.action, "tag.") && !strings.Contains(e.Place, fmt.Sprintf("%s user %d", p.Label(), w.slot)) {
				t.Errorf("place %q", e.Place)
			}
			if fmt.Sprint(e.Before) != fmt.Sprint(w.before) || fmt.Sprint(e.After) != fmt.Sprint(w.after) {
				t.Errorf("before %v after %v\nwant   %v after %v", e.Before, e.After, w.before, w.after)
			}
		})
	}
	res, err := f.s.VerifyLog(f.admin)
	if err != nil || !res.OK() {
		t.Fatalf("verify after all: %v %v", res, err)
	}
}

// logFx builds a small log: three hours, two operators, two panels.
func logFx(t *testing.T) (*fx, Actor, Panel, Panel) {
	f := newFx(t)
	sup := f.operator(RoleSupervisor) // entry 1
	p := f.panel("neo-hs2064")        // 2
	q := f.panel("qolsys-iq4")        // 3
	f.clk.Advance(time.Hour)
	fxWant(t, f.s.SetCode(sup, p.ID, 2, "2580", CodeOptions{}), nil) // 4
	fxWant(t, f.s.SetCode(sup, q.ID, 2, "2580", CodeOptions{}), nil) // 5
	fxWant(t, f.s.SetLabel(sup, p.ID, 3, "X"), ErrNoCode)            // 6 refused
	f.clk.Advance(time.Hour)
	f.account("ann@example.com")                                           // 7
	fxWant(t, f.s.AssignAccount(f.admin, "ann@example.com", q.ID, 2), nil) // 8
	fxWant(t, f.s.SetLabel(f.admin, q.ID, 2, "Ann"), nil)                  // 9
	return f, sup, p, q
}

func TestListLogFilters(t *testing.T) {
	f, sup, p, q := logFx(t)
	t0 := newFxClock().Now()
	seqs := func(es []Entry) []uint64 {
		out := []uint64{}
		for _, e := range es {
			out = append(out, e.Seq)
		}
		return out
	}
	cases := []struct {
		name   string
		filter LogFilter
		want   []uint64
	}{
		{"all, newest first", LogFilter{}, []uint64{9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"operator", LogFilter{Operator: sup.Name()}, []uint64{6, 5, 4}},
		{"operator admin", LogFilter{Operator: "admin"}, []uint64{9, 8, 7, 3, 2, 1}},
		{"unknown operator", LogFilter{Operator: "nobody"}, []uint64{}},
		{"panel", LogFilter{Panel: p.ID}, []uint64{6, 4, 2}},
		{"other panel", LogFilter{Panel: q.ID}, []uint64{9, 8, 5, 3}},
		{"action prefix user.", LogFilter{Action: "user."}, []uint64{9, 6, 5, 4}},
		{"action exact", LogFilter{Action: "user.set-code"}, []uint64{5, 4}},
		{"action prefix account", LogFilter{Action: "account."}, []uint64{8, 7}},
		{"since", LogFilter{Since: t0.Add(time.Hour)}, []uint64{9, 8, 7, 6, 5, 4}},
		{"since the last hour", LogFilter{Since: t0.Add(2 * time.Hour)}, []uint64{9, 8, 7}},
		{"until (exclusive)", LogFilter{Until: t0.Add(time.Hour)}, []uint64{3, 2, 1}},
		{"since and until", LogFilter{Since: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour)}, []uint64{6, 5, 4}},
		{"since in the future", LogFilter{Since: t0.Add(3 * time.Hour)}, []uint64{}},
		{"before", LogFilter{Before: 5}, []uint64{4, 3, 2, 1}},
		{"before 1", LogFilter{Before: 1}, []uint64{}},
		{"before past the end", LogFilter{Before: 100}, []uint64{9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"limit", LogFilter{Limit: 2}, []uint64{9, 8}},
		{"before and limit", LogFilter{Before: 8, Limit: 3}, []uint64{7, 6, 5}},
		{"action and limit", LogFilter{Action: "user.", Limit: 2}, []uint64{9, 6}},
		{"panel, operator and since", LogFilter{Panel: q.ID, Operator: sup.Name(), Since: t0.Add(time.Hour)}, []uint64{5}},
		{"panel and before", LogFilter{Panel: q.ID, Before: 8}, []uint64{5, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es, err := f.s.ListLog(f.admin, c.filter)
			fxWant(t, err, nil)
			if got := seqs(es); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("paging walks the whole log", func(t *testing.T) {
		var all []uint64
		var before uint64
		for page := 0; ; page++ {
			if page > 10 {
				t.Fatalf("paging does not end: %v", all)
			}
			es, err := f.s.ListLog(f.admin, LogFilter{Before: before, Limit: 4})
			fxWant(t, err, nil)
			if len(es) == 0 {
				break
			}
			all = append(all, seqs(es)...)
			before = es[len(es)-1].Seq
		}
		if fmt.Sprint(all) != fmt.Sprint([]uint64{9, 8, 7, 6, 5, 4, 3, 2, 1}) {
			t.Fatalf("paged %v", all)
		}
	})
	t.Run("refused entry", func(t *testing.T) {
		e, err := f.s.LogEntry(f.admin, 6)
		fxWant(t, err, nil)
		if !e.Refused() || e.Action != "user.label" || !strings.HasPrefix(e.Result, "refused: label cannot change") {
			t.Fatalf("entry 6 = %+v", e)
		}
		_, err = f.s.LogEntry(f.admin, 10)
		fxWant(t, err, ErrNotFound)
	})
}

// tamper changes the stored log in place, past the store's API.
func tamper(t *testing.T, s *Store, fn func(txn *badger.Txn) error) {
	t.Helper()
	if err := s.db.Update(fn); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func rawEntry(t *testing.T, txn *badger.Txn, seq uint64) map[string]any {
	t.Helper()
	item, err := txn.Get(logKey(seq))
	if err != nil {
		t.Fatalf("entry %d: %v", seq, err)
	}
	var m map[string]any
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &m) }); err != nil {
		t.Fatal(err)
	}
	return m
}

func setRawEntry(t *testing.T, txn *badger.Txn, seq uint64, m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return txn.Set(logKey(seq), b)
}

func TestVerifyLogTampering(t *testing.T) {
	const last = 9
	edit := func(seq uint64, field string, val any) func(t *testing.T, txn *badger.Txn) error {
		return func(t *testing.T, txn *badger.Txn) error {
			m := rawEntry(t, txn, seq)
			m[field] = val
			return setRawEntry(t, txn, seq, m)
		}
	}
	del := func(seq uint64) func(t *testing.T, txn *badger.Txn) error {
		return func(t *testing.T, txn *badger.Txn) error { return txn.Delete(logKey(seq)) }
	}
	cases := []struct {
		name     string
		tamper   func(t *testing.T, txn *badger.Txn) error
		brokenAt uint64
		problem  string
	}{
		{"intact", nil, 0, ""},
		{"middle entry rewritten", edit(3, "operator", "eve"), 4, "link to entry 3 does not match: entry 3 was altered"},
		{"middle entry result changed", edit(6, "result", "ok"), 7, "entry 6 was altered"},
		{"middle entry before/after changed", edit(4, "after", map[string]string{"code": "not set"}), 5, "entry 4 was altered"},
		{"first entry rewritten", edit(1, "operator", "eve"), 2, "entry 1 was altered"},
		{"first entry does not start the chain", edit(1, "prev", strings.Repeat("ab", 32)), 1, "first entry does not start the chain"},
		{"middle entry renumbered", edit(5, "seq", 50), 5, "entry says it is number 50"},
		{"middle entry unreadable", func(t *testing.T, txn *badger.Txn) error { return txn.Set(logKey(5), []byte("{not json")) }, 5, "cannot be read"},
		{"middle entry deleted", del(3), 3, "entry 3 is missing (next stored entry is 4)"},
		{"first entry deleted", del(1), 1, "entry 1 is missing"},
		{"two entries deleted", func(t *testing.T, txn *badger.Txn) error {
			return errorsJoin(txn.Delete(logKey(4)), txn.Delete(logKey(5)))
		}, 4, "entry 4 is missing (next stored entry is 6)"},
		{"last entry altered", edit(last, "operator", "eve"), last, "does not match the recorded head: it was altered"},
		{"last entry deleted", del(last), last, "entries were removed"},
		{"recorded head replaced", func(t *testing.T, txn *badger.Txn) error {
			return txn.Set(kLogHead, bytes.Repeat([]byte{1}, 32))
		}, last, "does not match the recorded head"},
		{"entries swapped", func(t *testing.T, txn *badger.Txn) error {
			a, b := rawEntry(t, txn, 2), rawEntry(t, txn, 3)
			return errorsJoin(setRawEntry(t, txn, 2, b), setRawEntry(t, txn, 3, a))
		}, 2, "entry says it is number 3"},
		{"entry appended past the end", func(t *testing.T, txn *badger.Txn) error {
			item, err := txn.Get(logKey(last))
			if err != nil {
				return err
			}
			v, _ := item.ValueCopy(nil)
			sum := sha256.Sum256(v)
			m := rawEntry(t, txn, last)
			m["seq"], m["prev"], m["operator"] = last+1, hex.EncodeToString(sum[:]), "eve"
			return setRawEntry(t, txn, last+1, m)
		}, last + 1, "entry 10 was added"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _, _, _ := logFx(t)
			if c.tamper != nil {
				tamper(t, f.s, func(txn *badger.Txn) error { return c.tamper(t, txn) })
			}
			res, err := f.s.VerifyLog(f.admin)
			fxWant(t, err, nil)
			if c.problem == "" {
				if !res.OK() || res.Entries != last || res.BrokenAt != 0 || !strings.Contains(res.String(), "9 entries, chain intact") {
					t.Fatalf("intact log: %+v", res)
				}
				return
			}
			if res.OK() || res.BrokenAt != c.brokenAt || !strings.Contains(res.Problem, c.problem) {
				t.Fatalf("got %+v, want broken at %d: %q", res, c.brokenAt, c.problem)
			}
			if !strings.Contains(res.String(), fmt.Sprintf("broken at entry %d", c.brokenAt)) {
				t.Fatalf("String() = %q", res.String())
			}
		})
	}
	t.Run("verify needs the view-action-log permission", func(t *testing.T) {
		f := newFx(t)
		_, err := f.s.VerifyLog(Actor{name: "nobody"})
		fxWant(t, err, ErrPermission, "view action log")
	})
	t.Run("empty log", func(t *testing.T) {
		f := newFx(t)
		res, err := f.s.VerifyLog(f.admin)
		if err != nil || !res.OK() || res.Entries != 0 {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("writes after verification keep the chain", func(t *testing.T) {
		f, sup, p, _ := logFx(t)
		fxWant(t, f.s.SetCode(sup, p.ID, 4, "3691", CodeOptions{}), nil)
		fxWant(t, f.s.SetCode(sup, p.ID, 4, "3691", CodeOptions{}), ErrHasCode)
		res, err := f.s.VerifyLog(f.admin)
		if err != nil || !res.OK() || res.Entries != last+2 {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestExportLog(t *testing.T) {
	f, _, _, _ := logFx(t)
	var buf bytes.Buffer
	n, err := f.s.ExportLog(f.admin, &buf)
	if err != nil || n != 9 {
		t.Fatalf("export: %d %v", n, err)
	}
	export := buf.String()
	lines := strings.Split(strings.TrimSuffix(export, "\n"), "\n")
	if len(lines) != 9 {
		t.Fatalf("%d lines", len(lines))
	}
	// rehash recomputes a line's hash after its entry was edited, as a
	// forger who knows the format would.
	rehash := func(line string) string {
		var l exportLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(l.Entry)
		l.Hash = hex.EncodeToString(sum[:])
		b, _ := json.Marshal(l)
		return string(b)
	}
	with := func(i int, line string) string {
		c := append([]string(nil), lines...)
		c[i] = line
		return strings.Join(c, "\n") + "\n"
	}
	without := func(i int) string {
		c := append(append([]string(nil), lines[:i]...), lines[i+1:]...)
		return strings.Join(c, "\n") + "\n"
	}
	cases := []struct {
		name     string
		export   string
		readErr  bool
		brokenAt uint64
		problem  string
	}{
		{"round trip", export, false, 0, ""},
		{"empty export", "", false, 0, ""},
		{"line edited", with(3, strings.Replace(lines[3], `"operator":"`, `"operator":"x`, 1)), false, 4, "does not match its hash"},
		{"line edited and rehashed", with(3, rehash(strings.Replace(lines[3], `"operator":"`, `"operator":"x`, 1))), false, 5, "entry 4 was altered"},
		{"last line edited", with(8, strings.Replace(lines[8], `"result":"ok"`, `"result":"refused: no"`, 1)), false, 9, "does not match its hash"},
		{"hash edited", with(2, strings.Replace(lines[2], `"hash":"`, `"hash":"00`, 1)), false, 3, "does not match its hash"},
		{"line removed", without(4), false, 5, "entry 5 is missing"},
		{"first line removed", without(0), false, 1, "entry 1 is missing"},
		{"line truncated", with(8, lines[8][:len(lines[8])/2]), true, 0, ""},
		{"not JSON", "hello\n", true, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := VerifyExport(strings.NewReader(c.export))
			if c.readErr {
				if err == nil {
					t.Fatalf("no error for a damaged export: %+v", res)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.problem == "" {
				if !res.OK() {
					t.Fatalf("%+v", res)
				}
				return
			}
			if res.OK() || res.BrokenAt != c.brokenAt || !strings.Contains(res.Problem, c.problem) {
				t.Fatalf("got %+v, want broken at %d: %q", res, c.brokenAt, c.problem)
			}
		})
	}
	t.Run("round trip counts every entry", func(t *testing.T) {
		res, _ := VerifyExport(strings.NewReader(export))
		if res.Entries != 9 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("export holds each stored entry", func(t *testing.T) {
		var l exportLine
		if err := json.Unmarshal([]byte(lines[3]), &l); err != nil {
			t.Fatal(err)
		}
		var e Entry
		if err := json.Unmarshal(l.Entry, &e); err != nil || e.Seq != 4 || e.Action != "user.set-code" {
			t.Fatalf("line 4: %+v %v", e, err)
		}
	})
}
