package store

// Shared fixtures for the store's rule tests. Helpers carry an fx prefix so
// they do not collide with other test files of the package.

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/guardroom/guardroom/store/family"
)

// fxClock is a fixed clock the test moves by hand.
type fxClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFxClock() *fxClock {
	return &fxClock{t: time.Date(2026, 5, 13, 16, 24, 55, 0, time.UTC)}
}

func (c *fxClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fxClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fx is one throw-away store with its clock and the admin actor.
type fx struct {
	t     testing.TB
	s     *Store
	clk   *fxClock
	admin Actor
	n     *int // shared by the copies at makes
}

// newFx opens an in-memory store on a fixed clock.
func newFx(t *testing.T) *fx {
	t.Helper()
	clk := newFxClock()
	s, err := Open(Config{InMemory: true, Now: clk.Now})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return fxWrap(t, s, clk)
}

func fxWrap(t testing.TB, s *Store, clk *fxClock) *fx {
	t.Helper()
	admin, err := s.Actor("admin", "test")
	if err != nil {
		t.Fatalf("admin actor: %v", err)
	}
	return &fx{t: t, s: s, clk: clk, admin: admin, n: new(int)}
}

// at returns the fixture reporting to t, for use inside subtests: a helper
// must not call FailNow on the parent test from a subtest.
func (f *fx) at(t *testing.T) *fx {
	g := *f
	g.t = t
	return &g
}

// next returns a number unique within the fixture.
func (f *fx) next() int { *f.n++; return *f.n }

// fxIMEI returns a valid (Luhn-checked) IMEI made from n.
func fxIMEI(n int) string {
	base := fmt.Sprintf("35%012d", n)
	sum := 0
	for i := 0; i < len(base); i++ {
		d := int(base[len(base)-1-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	imei := base + strconv.Itoa((10-sum%10)%10)
	if err := family.ValidIMEI(imei); err != nil {
		panic(fmt.Sprintf("fxIMEI(%d) = %s: %v", n, imei, err))
	}
	return imei
}

// panel adds a panel of the family to unit (RootUnit when 0) as admin.
func (f *fx) panel(fam string, mods ...func(*NewPanel)) Panel {
	f.t.Helper()
	n := f.next()
	np := NewPanel{Name: fmt.Sprintf("Panel %d", n), Unit: RootUnit, Family: fam, IMEI: fxIMEI(n)}
	for _, m := range mods {
		m(&np)
	}
	p, err := f.s.AddPanel(f.admin, np)
	if err != nil {
		f.t.Fatalf("add panel %s: %v", fam, err)
	}
	return p
}

func inUnit(u uint64) func(*NewPanel) { return func(np *NewPanel) { np.Unit = u } }

func codeLength(n int) func(*NewPanel) { return func(np *NewPanel) { np.CodeLength = n } }

func duressPlusOne(v bool) func(*NewPanel) { return func(np *NewPanel) { np.DuressPlusOne = &v } }

// unit adds an organization unit as admin.
func (f *fx) unit(parent uint64, name string, kind UnitKind) Unit {
	f.t.Helper()
	u, err := f.s.AddUnit(f.admin, parent, name, kind)
	if err != nil {
		f.t.Fatalf("add unit %s: %v", name, err)
	}
	return u
}

// operator adds an operator with the role and units and returns its actor.
func (f *fx) operator(role string, units ...uint64) Actor {
	f.t.Helper()
	if len(units) == 0 {
		units = []uint64{RootUnit}
	}
	name := fmt.Sprintf("%s%d", strings.ToLower(role), f.next())
	if _, err := f.s.AddOperator(f.admin, NewOperator{Username: name, Name: role, Grants: []Grant{{Role: role}}, Units: units}); err != nil {
		f.t.Fatalf("add operator %s: %v", name, err)
	}
	a, err := f.s.Actor(name, "test")
	if err != nil {
		f.t.Fatalf("actor %s: %v", name, err)
	}
	return a
}

// setCode sets a code as admin and fails the test on error.
func (f *fx) setCode(p Panel, slot int, code string, o ...CodeOptions) {
	f.t.Helper()
	var opts CodeOptions
	if len(o) > 0 {
		opts = o[0]
	}
	if err := f.s.SetCode(f.admin, p.ID, slot, code, opts); err != nil {
		f.t.Fatalf("set code on %s slot %d: %v", p.Label(), slot, err)
	}
}

func (f *fx) user(p Panel, slot int) PanelUser {
	f.t.Helper()
	u, err := f.s.GetUser(f.admin, p.ID, slot)
	if err != nil {
		f.t.Fatalf("get user %d/%d: %v", p.ID, slot, err)
	}
	return u
}

func (f *fx) getPanel(id uint64) Panel {
	f.t.Helper()
	p, err := f.s.GetPanel(f.admin, id)
	if err != nil {
		f.t.Fatalf("get panel %d: %v", id, err)
	}
	return p
}

// account creates an account as admin (RootUnit when unit is 0).
func (f *fx) account(email string, unit ...uint64) Account {
	f.t.Helper()
	u := RootUnit
	if len(unit) > 0 {
		u = unit[0]
	}
	acc, err := f.s.CreateAccount(f.admin, email, u)
	if err != nil {
		f.t.Fatalf("create account %s: %v", email, err)
	}
	return acc
}

func (f *fx) getAccount(email string) Account {
	f.t.Helper()
	acc, err := f.s.GetAccount(f.admin, email)
	if err != nil {
		f.t.Fatalf("get account %s: %v", email, err)
	}
	return acc
}

// rawJobs reads the outbox as stored, secrets included (in-package only).
func (f *fx) rawJobs() []Job {
	f.t.Helper()
	var out []Job
	err := f.s.db.View(func(txn *badger.Txn) error {
		return scanJobRecords(txn, func(v []byte) error {
			var j Job
			if err := decodeJob(v, &j); err != nil {
				return err
			}
			out = append(out, j)
			return nil
		})
	})
	if err != nil {
		f.t.Fatalf("read outbox: %v", err)
	}
	slices.SortFunc(out, func(a, b Job) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

var fxOTPRe = regexp.MustCompile(`one-time code is (\d{8})\.`)

// otp returns the one-time code of the newest mail queued for email, read
// from the real (unredacted) outbox job.
func (f *fx) otp(email string) string {
	f.t.Helper()
	otp := ""
	for _, j := range f.rawJobs() {
		if j.Kind == JobMail && j.Mail != nil && strings.EqualFold(j.Mail.To, email) {
			m := fxOTPRe.FindStringSubmatch(j.Mail.Body)
			if m == nil {
				f.t.Fatalf("mail to %s has no one-time code: %q", email, j.Mail.Body)
			}
			otp = m[1]
		}
	}
	if otp == "" {
		f.t.Fatalf("no mail queued for %s", email)
	}
	return otp
}

// log returns every log entry, newest first, as admin.
func (f *fx) log() []Entry {
	f.t.Helper()
	es, err := f.s.ListLog(f.admin, LogFilter{})
	if err != nil {
		f.t.Fatalf("list log: %v", err)
	}
	return es
}

// lastLog returns the newest log entry.
func (f *fx) lastLog() Entry {
	f.t.Helper()
	es, err := f.s.ListLog(f.admin, LogFilter{Limit: 1})
	if err != nil || len(es) != 1 {
		f.t.Fatalf("last log entry: %v (%d entries)", err, len(es))
	}
	return es[0]
}

func (f *fx) logSeq() uint64 {
	f.t.Helper()
	es, err := f.s.ListLog(f.admin, LogFilter{Limit: 1})
	if err != nil {
		f.t.Fatalf("list log: %v", err)
	}
	if len(es) == 0 {
		return 0
	}
	return es[0].Seq
}

// codesSet counts the panel's users that have a code.
func (f *fx) codesSet(p Panel) int {
	f.t.Helper()
	us, err := f.s.ListUsers(f.admin, p.ID)
	if err != nil {
		f.t.Fatalf("list users: %v", err)
	}
	n := 0
	for _, u := range us {
		if u.CodeSet {
			n++
		}
	}
	return n
}

// checkCodesSet asserts that Panel.CodesSet equals the real count.
func (f *fx) checkCodesSet(p Panel, want int) {
	f.t.Helper()
	got := f.getPanel(p.ID).CodesSet
	real := f.codesSet(p)
	if got != real || real != want {
		f.t.Fatalf("%s: CodesSet = %d, users with a code = %d, want %d", p.Label(), got, real, want)
	}
}

// fxWant asserts err: nil when kind is nil, else a Refusal of that kind
// whose message holds every part.
func fxWant(t testing.TB, err, kind error, parts ...string) {
	t.Helper()
	if kind == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q is not %v", err, kind)
	}
	if !IsRefusal(err) {
		t.Fatalf("error %q is not a Refusal", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not say %q", err, p)
		}
	}
}

// fxChanges waits for a signal on sub and returns the change kinds.
func fxChanges(t *testing.T, sub *Subscription) map[string]int {
	t.Helper()
	select {
	case _, ok := <-sub.C:
		if !ok {
			t.Fatalf("subscription closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no change signalled")
	}
	kinds := map[string]int{}
	for _, c := range sub.Changes() {
		kinds[c.What]++
	}
	return kinds
}

// second drops a call's first result, for checking its error.
func second[T any](_ T, err error) error { return err }
