package store

import (
	"fmt"
	"testing"
)

func TestSubscribe(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2064")
	f.account("ann@example.com")
	sub := f.s.Subscribe()
	defer sub.Close()
	other := f.s.Subscribe()
	defer other.Close()

	cases := []struct {
		name string
		op   func() error
		want map[string]int
	}{
		{"set code", func() error { return f.s.SetCode(f.admin, p.ID, 2, "2580", CodeOptions{}) },
			map[string]int{ChangePanel: 1, ChangeJob: 1, ChangeUser: 1, ChangeLog: 1}},
		{"edit code", func() error { return f.s.EditCode(f.admin, p.ID, 2, "3691") },
			map[string]int{ChangeJob: 1, ChangeUser: 1, ChangeLog: 1}},
		{"label", func() error { return f.s.SetLabel(f.admin, p.ID, 2, "Ann") },
			map[string]int{ChangeJob: 1, ChangeUser: 1, ChangeLog: 1}},
		{"refused: only the log entry", func() error { return f.s.SetLabel(f.admin, p.ID, 3, "Bob") },
			map[string]int{ChangeLog: 1}},
		{"assign account", func() error { return f.s.AssignAccount(f.admin, "ann@example.com", p.ID, 2) },
			map[string]int{ChangeUser: 1, ChangeAccount: 1, ChangeLog: 1}},
		{"suspend account", func() error { return f.s.SuspendAccount(f.admin, "ann@example.com") },
			map[string]int{ChangeAccount: 1, ChangeLog: 1}},
		{"create account", func() error { _, err := f.s.CreateAccount(f.admin, "bob@example.com", RootUnit); return err },
			map[string]int{ChangeJob: 1, ChangeAccount: 1, ChangeLog: 1}},
		{"remove linked account", func() error { return f.s.RemoveAccount(f.admin, "ann@example.com") },
			map[string]int{ChangeUser: 1, ChangeAccount: 1, ChangeLog: 1}},
		{"disable", func() error { return f.s.DisablePanelUser(f.admin, p.ID, 2) },
			map[string]int{ChangePanel: 1, ChangeJob: 1, ChangeUser: 1, ChangeLog: 1}},
		{"partition label", func() error { return f.s.SetPartitionLabel(f.admin, p.ID, 1, "Hall") },
			map[string]int{ChangePartition: 1, ChangeLog: 1}},
		{"add panel", func() error {
			_, err := f.s.AddPanel(f.admin, NewPanel{Name: "Two", Unit: RootUnit, Family: "neo-hs2016", IMEI: fxIMEI(777)})
			return err
		}, map[string]int{ChangePanel: 1, ChangeLog: 1}},
		{"add unit", func() error { _, err := f.s.AddUnit(f.admin, RootUnit, "East", UnitSite); return err },
			map[string]int{ChangeUnit: 1, ChangeLog: 1}},
		{"add lock", func() error {
			_, err := f.s.AddLock(f.admin, Lock{Name: "Door", Model: ModelYaleL2, Panel: p.ID})
			return err
		},
			map[string]int{ChangeLock: 1, ChangeLog: 1}},
		{"bulk", func() error {
			return f.s.BulkSetCodes(f.admin, p.ID, []BulkCode{{Slot: 5, Code: "4826"}, {Slot: 6, Code: "5937"}}, nil)
		}, map[string]int{ChangePanel: 1, ChangeJob: 2, ChangeUser: 2, ChangeLog: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.op()
			if err != nil && !IsRefusal(err) {
				t.Fatal(err)
			}
			for _, s := range []*Subscription{sub, other} {
				if got := fxChanges(t, s); fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Fatalf("changes %v, want %v", got, c.want)
				}
			}
		})
	}
	t.Run("changes name what changed", func(t *testing.T) {
		fxWant(t, f.s.SetCode(f.admin, p.ID, 7, "6048", CodeOptions{}), nil)
		<-sub.C
		var sawUser, sawLog bool
		for _, c := range sub.Changes() {
			switch c.What {
			case ChangeUser:
				sawUser = c.Panel == p.ID && c.Slot == 7
			case ChangeLog:
				sawLog = c.Log == f.logSeq()
			}
		}
		if !sawUser || !sawLog {
			t.Fatalf("user change %v, log change %v", sawUser, sawLog)
		}
		<-other.C
		other.Changes()
	})
	t.Run("reads publish nothing", func(t *testing.T) {
		_, _ = f.s.ListUsers(f.admin, p.ID)
		_, _ = f.s.ListLog(f.admin, LogFilter{})
		_, _ = f.s.VerifyLog(f.admin)
		select {
		case <-sub.C:
			t.Fatalf("a read signalled: %v", sub.Changes())
		default:
		}
	})
	t.Run("close stops the subscription", func(t *testing.T) {
		sub.Close()
		if _, ok := <-sub.C; ok {
			t.Fatalf("channel still open after Close")
		}
		fxWant(t, f.s.SetLabel(f.admin, p.ID, 7, "Gil"), nil)
		if got := sub.Changes(); len(got) != 0 {
			t.Fatalf("closed subscription got %v", got)
		}
		if got := fxChanges(t, other); got[ChangeUser] != 1 {
			t.Fatalf("other subscription got %v", got)
		}
		sub.Close() // twice is harmless
	})
	t.Run("slow subscriber collapses to all", func(t *testing.T) {
		g := f.panel("generic", func(np *NewPanel) { np.Slots = 1500; np.CodeLength = 6 })
		var items []BulkCode
		for slot := 2; slot <= 1401; slot++ { // 3 changes a user: more than maxPending
			items = append(items, BulkCode{Slot: slot, Code: fmt.Sprintf("%06d", 200000+slot*13)})
		}
		fxWant(t, f.s.BulkSetCodes(f.admin, g.ID, items, nil), nil)
		changes := func() []Change { <-other.C; return other.Changes() }()
		if len(changes) == 0 || changes[0].What != ChangeAll || len(changes) > maxPending {
			t.Fatalf("%d changes, first %v", len(changes), changes[0])
		}
	})
	t.Run("store close ends subscriptions", func(t *testing.T) {
		g := newFx(t)
		s := g.s.Subscribe()
		g.s.Close()
		if _, ok := <-s.C; ok {
			t.Fatalf("channel open after store Close")
		}
		s.Close()
	})
}
