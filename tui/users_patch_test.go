package tui

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
)

// TestUsersPatchEqualsReload makes random changes to the Main panel (codes
// set and removed, labels, partitions, jobs done and failed, accounts
// assigned, suspended and removed, partition labels, drift) and hands the
// Users screen the store's change notices: it must patch the rows the
// changes touched, without reading the panel again, and then hold and show
// exactly what a fresh load shows, with the same sort, filter and row
// selected.
func TestUsersPatchEqualsReload(t *testing.T) {
	for _, tc := range []struct {
		name, sort, filter string
		desc               bool
	}{
		{"as loaded", "", "", false},
		{"sorted by sync, descending", "sync", "", true},
		{"sorted by label, filtered", "label", "code:set", false},
		{"filtered by sync", "", "pending", false},
		{"sorted by account", "account", "", false},
		{"sorted by status, filtered by account status", "status", "suspended", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			sub := f.s.Subscribe()
			defer sub.Close()
			sa := newSyncApp(t, f, f.admin, "dark", 120, 40)
			// The App's own subscription is closed: its wait for the next
			// change ends at once, and the test hands the changes over.
			sa.a.sub = f.s.Subscribe()
			sa.a.sub.Close()
			sa.press("2")
			us := sa.a.cur().(*usersScreen)
			setup := func(s *usersScreen) {
				if tc.sort != "" {
					s.g.SortBy(tc.sort)
					if tc.desc {
						s.g.SortBy(tc.sort)
					}
				}
				s.g.SetFilter(tc.filter)
			}
			setup(us)
			us.g.Move(9)
			gen := us.gen
			rng := rand.New(rand.NewPCG(16, uint64(len(tc.name))))
			// The first rounds change an assigned account alone: only its
			// rows show it.
			fixed := []func(){
				func() { check(t, f.s.SuspendAccount(f.admin, emailActive)) },
				func() { check(t, f.s.ReactivateAccount(f.admin, emailSuspended)) },
			}
			for round := range 25 {
				if round < len(fixed) {
					fixed[round]()
				} else {
					for range rng.IntN(4) + 1 {
						randomUserChange(f, rng)
					}
				}
				sel, had := us.g.Selected()
				sa.send(storeChangedMsg{sub.Changes()})
				if us.gen != gen {
					t.Fatalf("round %d: the changes read the whole panel again instead of patching it", round)
				}
				fresh := newUsersScreen(sa.a.c)
				fresh.setPanel(f.main.ID)
				fresh.g.SetSize(sa.a.width, sa.a.bodyHeight()-gridTop(fresh))
				load := fresh.load()().(tea.BatchMsg)
				fresh.update(load[0]())
				setup(fresh)
				if !reflect.DeepEqual(us.users, fresh.users) || !reflect.DeepEqual(us.accts, fresh.accts) || !reflect.DeepEqual(us.panel, fresh.panel) {
					t.Fatalf("round %d: patched data differs from a fresh load", round)
				}
				if had {
					if now, ok := us.g.Selected(); ok && now != sel && fresh.g.SelectRow(sel) {
						t.Fatalf("round %d: the selection moved from row %d to %d", round, sel, now)
					}
				}
				fresh.g.SetCursor(us.g.Cursor())
				if got, want := us.g.View(), fresh.g.View(); got != want {
					t.Fatalf("round %d: patched grid:\n%s\nfresh load:\n%s", round, got, want)
				}
				us.g.Move(rng.IntN(7) - 3)
			}
		})
	}
}

// randomUserChange makes one change to the Main panel's users, or their
// accounts, jobs or partitions; refusals (a slot with no code, an account
// already assigned) are part of the game.
func randomUserChange(f *fixture, rng *rand.Rand) {
	p, slot := f.main.ID, rng.IntN(40)+1
	emails := []string{emailActive, emailSuspended, emailPending, emailFree, emailBlocked, emailFresh}
	email := emails[rng.IntN(len(emails))]
	switch rng.IntN(9) {
	case 0:
		_ = f.s.SetCode(f.admin, p, slot, fixtureCode(slot+500), store.CodeOptions{Label: fmt.Sprintf("Person %d", rng.IntN(100))})
	case 1:
		_ = f.s.SetLabel(f.admin, p, slot, fmt.Sprintf("Renamed %d", rng.IntN(100)))
	case 2:
		_ = f.s.SetPartitions(f.admin, p, slot, store.PartitionSet(0).With(rng.IntN(3)+1))
	case 3:
		_ = f.s.DisablePanelUser(f.admin, p, slot)
	case 4:
		jobs, _ := f.s.DueJobs(f.sys, 0)
		for _, j := range jobs[:min(len(jobs), rng.IntN(5))] {
			r := store.JobResult{Driver: "sim", Transport: "in-process", Verified: true}
			if rng.IntN(3) == 0 {
				r = store.JobResult{Driver: "sim", Err: "slot locked", Permanent: true}
			}
			_ = f.s.FinishJob(f.sys, j.Seq, r)
		}
	case 5:
		_ = f.s.AssignAccount(f.admin, email, p, slot)
	case 6:
		_ = f.s.UnassignAccount(f.admin, p, slot)
	case 7:
		if rng.IntN(2) == 0 {
			_ = f.s.SuspendAccount(f.admin, email)
		} else {
			_ = f.s.ReactivateAccount(f.admin, email)
		}
	case 8:
		_ = f.s.SetPartitionLabel(f.admin, p, rng.IntN(3)+1, fmt.Sprintf("Zone %d", rng.IntN(100)))
	}
}

// TestPartitionHoldersFollowChanges: the Partitions screen counts the users
// holding each partition once, then reads again only the users a change
// names; after random changes its counts equal a fresh load's.
func TestPartitionHoldersFollowChanges(t *testing.T) {
	f := newFixture(t)
	sub := f.s.Subscribe()
	defer sub.Close()
	sa := newSyncApp(t, f, f.admin, "dark", 120, 40)
	sa.a.sub = f.s.Subscribe()
	sa.a.sub.Close()
	sa.send(showPanelMsg{screen: scrPartitions, panel: f.main.ID})
	ps := sa.a.cur().(*partitionsScreen)
	if len(ps.items) == 0 {
		t.Fatalf("no partitions shown:\n%s", sa.screen())
	}
	first := &ps.holders.slots[0]
	rng := rand.New(rand.NewPCG(16, 3))
	for round := range 30 {
		for range rng.IntN(4) + 1 {
			randomUserChange(f, rng)
		}
		sa.send(storeChangedMsg{sub.Changes()})
		if &ps.holders.slots[0] != first {
			t.Fatalf("round %d: the changes read every user again", round)
		}
		fresh := newPartitionsScreen(sa.a.c)
		fresh.setPanel(f.main.ID)
		fresh.update(fresh.load()())
		if !reflect.DeepEqual(ps.items, fresh.items) {
			t.Fatalf("round %d: patched %+v\nfresh %+v", round, ps.items, fresh.items)
		}
	}
}
