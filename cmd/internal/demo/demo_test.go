package demo

import (
	"context"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store/access"

	"github.com/guardroom/guardroom/store"
)

func TestBuild(t *testing.T) {
	s, err := store.Open(store.Config{InMemory: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var steps []string
	if err := Build(context.Background(), s, Options{Progress: func(step string) { steps = append(steps, step) }}); err != nil {
		t.Fatal(err)
	}
	a := s.Internal("test")
	panels, err := s.ListPanels(a)
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]bool{}
	var big store.Panel
	for _, p := range panels {
		families[string(p.Spec().Type)] = true
		if p.Slots == 1000 {
			big = p
		}
	}
	for _, want := range []string{"NeoR", "DSC", "Qolsys (IQ)", "Visonic"} {
		if !families[want] {
			t.Errorf("no %s panel in the demo", want)
		}
	}
	users, err := s.ListUsers(a, big.ID)
	if err != nil || len(users) != 1000 {
		t.Fatalf("big panel: %d users, %v", len(users), err)
	}
	withCode := 0
	for _, u := range users {
		if u.CodeSet {
			withCode++
		}
	}
	if withCode != big.CodesSet || withCode < 500 {
		t.Errorf("codes set %d, panel counter %d", withCode, big.CodesSet)
	}
	statuses := map[store.AccountStatus]int{}
	accts, _ := s.ListAccounts(a)
	for _, acc := range accts {
		statuses[acc.Status]++
	}
	for _, st := range []store.AccountStatus{store.StatusActive, store.StatusNotConfirmed, store.StatusSuspended} {
		if statuses[st] == 0 {
			t.Errorf("no account %q in the demo: %v", st, statuses)
		}
	}
	sync := map[store.SyncState]int{}
	for _, p := range panels {
		us, _ := s.ListUsers(a, p.ID)
		for _, u := range us {
			if u.CodeSet {
				sync[u.Sync.State]++
			}
		}
	}
	for _, st := range []store.SyncState{store.SyncInSync, store.SyncPending, store.SyncFailed, store.SyncUnverified, store.SyncKeypad, store.SyncDrift} {
		if sync[st] == 0 {
			t.Errorf("no user %q in the demo: %v", st, sync)
		}
	}
	locks, _ := s.ListLocks(a)
	tags, _ := s.ListTags(a)
	if len(locks) == 0 || len(tags) == 0 {
		t.Errorf("locks %d tags %d", len(locks), len(tags))
	}
	log, _ := s.ListLog(a, store.LogFilter{})
	refused := 0
	for _, e := range log {
		if e.Refused() {
			refused++
		}
	}
	if refused < 3 {
		t.Errorf("%d refused attempts in the demo history", refused)
	}
	if res, err := s.VerifyLog(a); err != nil || !res.OK() {
		t.Errorf("log: %v %v", res, err)
	}
	// Every story the console shows, with the words a guard reads.
	c, err := s.SyncCounts(a, 0)
	if err != nil || c.Pending == 0 || c.Keypad != 4 || c.Failed != 1 || c.Drift != 2 {
		t.Errorf("sync counts %+v, %v; want pending, 4 at the keypad (3 Gatehouse, 1 uplink), 1 failed, 2 drifting", c, err)
	}
	// The locks' states come from the simulated locks through the poll.
	if c, err := s.LockAlerts(a); err != nil || c != (store.LockAlerts{Jammed: 1, LowBattery: 1}) {
		t.Errorf("lock alerts %+v, %v; want the bike store jammed and the server room's battery low", c, err)
	}
	for _, tg := range tags {
		if tg.Status == store.TagActive && tg.Sync.State != store.SyncInSync {
			t.Errorf("tag %s: %v", tg.ID, tg.Sync)
		}
	}
	for _, want := range []struct {
		panel int
		state store.PartitionState
		n     int
	}{{0, store.ArmedStay, 4}, {2, store.ArmedAway, 2}} {
		parts, _ := s.ListPartitions(a, panels[want.panel].ID)
		if parts[want.n-1].State != want.state {
			t.Errorf("%s partition %d is %s, want %s", panels[want.panel].Name, want.n, parts[want.n-1].State, want.state)
		}
	}
	if p, _ := s.GetPanel(a, panels[3].ID); p.Conn.Online || p.Conn.LastError == "" {
		t.Errorf("the Warehouse panel should show offline: %+v", p.Conn)
	}
	// The Boat house (a DSC) and the Marina office (a Vista), each behind a
	// simulated Envisalink: codes sent by keystrokes (the interface cannot
	// read them back), partition 1 arming (its exit delay running), all
	// through the real drivers.
	for _, want := range []struct {
		panel  int
		driver string
		codes  int // the master's is the panel's own
	}{{5, "envisalink-dsc", 11}, {6, "envisalink-vista", 8}} {
		p, _ := s.GetPanel(a, panels[want.panel].ID)
		if !p.Conn.Online || p.Driver != want.driver || !p.HasSecret(store.SecretPassword) || !p.HasSecret(store.SecretMasterCode) {
			t.Errorf("%s: %s, %+v, secrets %v", p.Name, p.Driver, p.Conn, p.Secrets)
		}
		users, err := s.ListUsers(a, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		set := 0
		for _, u := range users {
			if u.CodeSet {
				set++
				if u.Sync.State != store.SyncUnverified {
					t.Errorf("%s user %d: %v, want sent and not verified", p.Name, u.Slot, u.Sync)
				}
			}
		}
		if set != want.codes {
			t.Errorf("%d %s users with a code, want %d", set, p.Name, want.codes)
		}
		if parts, _ := s.ListPartitions(a, p.ID); parts[0].State != store.ExitDelay || parts[0].Sync.State != store.SyncInSync {
			t.Errorf("%s partition 1: %s, %v; want its exit delay running, confirmed", p.Name, parts[0].State, parts[0].Sync)
		}
	}
	// Access control: the stories the "why?" view tells.
	people, err := s.ListPeople(a)
	if err != nil || len(people) != demoPeople {
		t.Fatalf("%d people, %v", len(people), err)
	}
	// Apartments are records the people live in (000).
	apts, err := s.ListApartments(a)
	if err != nil || len(apts) == 0 {
		t.Fatalf("%d apartments, %v", len(apts), err)
	}
	if p := people[0]; p.ApartmentID == 0 || p.Apartment != "Office 1.01" {
		t.Errorf("the first person lives in %d %q", p.ApartmentID, p.Apartment)
	}
	main, err := s.FindDoor(a, "Main entrance")
	if err != nil {
		t.Fatal(err)
	}
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	tuesday := time.Date(2026, 11, 24, 9, 0, 0, 0, helsinki)
	decide := func(card string, at time.Time) access.Decision {
		t.Helper()
		d, err := s.Decide(a, store.AccessCheck{Credentials: []access.Presented{{Kind: access.KindCard, Value: card, At: at}}, Door: main.ID, Direction: access.Entry, At: at})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := decide("20:1001", tuesday); !d.Grant {
		t.Errorf("campus staff on a Tuesday morning: %s", d)
	}
	if d := decide("20:1001", tuesday.Add(14*time.Hour)); d.Grant {
		t.Errorf("campus staff at 23:00: %s", d)
	}
	if d := decide("20:1081", tuesday.Add(14*time.Hour)); !d.Grant {
		t.Errorf("night staff at 23:00: %s", d)
	}
	if d := decide("20:1006", tuesday); d.Grant || d.Reasons[len(d.Reasons)-1].Rule != access.RuleActive {
		t.Errorf("the suspended badge: %s", d)
	}
	if d := decide("20:1071", tuesday); d.Grant || d.Reasons[len(d.Reasons)-1].Rule != access.RuleMultiFactor {
		t.Errorf("IT with a card alone: %s", d)
	}
	who, err := s.WhoCanOpen(a, main.ID, access.Entry, tuesday)
	if err != nil || len(who) < 70 {
		t.Errorf("who can open the main entrance on a Tuesday morning: %d, %v", len(who), err)
	}
	if free, _ := s.ListUnassignedIdentifiers(a); len(free) != 8 {
		t.Errorf("%d unassigned cards, want 8", len(free))
	}
	if err := Build(context.Background(), s, Options{}); err == nil {
		t.Error("a second Build on a non-empty store succeeded")
	}
}
