package tui

// The test harness: a fixture site on a fixed clock, and the real App run by
// teatest with its output replayed into a virtual terminal, so tests read
// the screen an operator would see (the v2 renderer writes cell diffs, so
// the raw stream cannot be substring-matched after the first frame).

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"

	"github.com/guardroom/guardroom/store"
)

// fixedNow is the fixture clock: 003's example date, "4:24:55 PM Wed 13 May, 2026".
var fixedNow = time.Date(2026, 5, 13, 16, 24, 55, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

func TestMain(m *testing.M) {
	// Dates are shown in local time; goldens must not depend on the
	// machine's zone.
	time.Local = time.UTC
	// The fixture's operators and the logins: argon2id at its real cost
	// is store's to test.
	store.CheapPasswordHashes()
	code := m.Run()
	closeBigSites() // the benchmarks' stores on disk
	os.Exit(code)
}

// ---- fixture site ----

// Fixture emails, one account per status and use.
const (
	emailActive    = "ana.active@example.com"       // Active, assigned to Main slot 2
	emailSuspended = "cy.suspended@example.com"     // Suspended, assigned to Main slot 3
	emailPending   = "ben.pending@example.com"      // Not confirmed, assigned to Main slot 4
	emailFree      = "dora.free@example.com"        // Active, unassigned
	emailBlocked   = "ed.blocked@example.com"       // Suspended, unassigned
	emailFresh     = "fay.fresh@example.com"        // Not confirmed, unassigned
	mainIMEI       = "356938035643809"              // the 1000-slot panel
	mainName       = "Main building"                // its name
	mainUsers      = 300                            // slots 1..300 have codes, but 5 and 6
	freeCodeA      = "86429753"                     // a valid code nobody holds
	freeCodeB      = "97531864"                     // another
	otpPatternText = `one-time code is (\d+)`       // in the mail body
	siteName       = "Harbour Campus / North Tower" // the Main panel's unit path below the root
	tagKeypad      = "04A1B2C3D4E5F6"               // Main slot 2's keypad tag (a hex UID)
	tagLock        = "90:324"                       // Main slot 3's tag on the front door (26-bit Wiegand)
	tagLost        = "12:40112"                     // a keypad tag reported lost, owner none
)

var otpPattern = regexp.MustCompile(otpPatternText)

// fixture is one throw-away site.
type fixture struct {
	s     *store.Store
	admin store.Actor
	sys   store.Actor

	site, building uint64
	main, dsc, vis store.Panel
	codes          map[int]string // Main panel: slot → code
	accounts       map[string]store.Account
	lock           store.Lock
	ops            map[string]store.Actor // role name → actor
	// oneTime are the operators' one-time passwords (admin's from the
	// database's creation, the others' from AddOperator): none has
	// logged in yet.
	oneTime map[string]string
}

// fixtureCode is a deterministic, valid, unique 8-digit code for a slot.
func fixtureCode(slot int) string {
	// 37 is coprime with 10^8 spacing; the offset keeps codes away from
	// runs and repeated digits, which are checked anyway.
	return fmt.Sprintf("%08d", (20_000_000+slot*7_919_371)%100_000_000)
}

// must returns v, or panics with err: fixture building cannot fail unless
// the store changed its rules, and the panic names the call.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func mustDo(err error) {
	if err != nil {
		panic(err)
	}
}

func check(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// buildFixture builds the site in s: two units, a 1000-slot Neo HS2128 E
// with a few hundred users, a DSC PC1864 and a Visonic PowerMaster-30,
// accounts in every status with assignments, a lock, tags and an operator
// of each role. It panics on any error: the store refusing its own fixture
// is a broken test setup, not a test result.
func buildFixture(s *store.Store) *fixture {
	f := &fixture{s: s, sys: s.Internal("t"), codes: map[int]string{}, accounts: map[string]store.Account{}, ops: map[string]store.Actor{}, oneTime: map[string]string{}}
	f.admin = must(s.Actor("admin", "tui"))
	f.oneTime["admin"], _ = s.FirstPassword()

	f.site = must(s.AddUnit(f.admin, store.RootUnit, "Harbour Campus", store.UnitSite)).ID
	f.building = must(s.AddUnit(f.admin, f.site, "North Tower", store.UnitBuilding)).ID
	depot := must(s.AddUnit(f.admin, store.RootUnit, "Riverside Depot", store.UnitSite)).ID

	f.main = must(s.AddPanel(f.admin, store.NewPanel{Name: mainName, Unit: f.building, Family: "neo-hs2128e", IMEI: mainIMEI}))
	f.dsc = must(s.AddPanel(f.admin, store.NewPanel{Name: "Gatehouse", Unit: f.site, Family: "dsc-pc1864", IMEI: "490154203237518"}))
	f.vis = must(s.AddPanel(f.admin, store.NewPanel{Name: "Warehouse", Unit: depot, Family: "visonic-powermaster30", IMEI: "353918057236123"}))
	mustDo(s.SetPartitionLabel(f.admin, f.main.ID, 1, "Offices"))
	mustDo(s.SetPartitionLabel(f.admin, f.main.ID, 2, "Server room"))
	mustDo(s.SetPartitionLabel(f.admin, f.main.ID, 3, "Lobby"))

	labels := map[int]string{1: "Facility manager", 2: "Reception", 3: "Night guard", 4: "Cleaner", 7: "Courier"}
	var items []store.BulkCode
	for slot := 1; slot <= mainUsers; slot++ {
		if slot == 5 || slot == 6 {
			continue
		}
		code := fixtureCode(slot)
		f.codes[slot] = code
		it := store.BulkCode{Slot: slot, Code: code}
		it.Label = labels[slot]
		switch {
		case slot == 8:
			it.Role = "Supervisor"
		case slot == 9:
			it.Role = "Duress"
		}
		if slot != 1 {
			it.Partitions = store.PartitionSet(0).With(1).With(slot%3 + 1)
		}
		items = append(items, it)
	}
	mustDo(s.BulkSetCodes(f.admin, f.main.ID, items, nil))

	// The panel applied the first page's jobs (one failed, one could not
	// be verified); the rest of the bulk load is still pending.
	jobs := must(s.DueJobs(f.sys, 0))
	for _, j := range jobs {
		if j.Kind != store.JobDevice || j.Panel != f.main.ID || j.Slot > 20 {
			continue
		}
		r := store.JobResult{Driver: "sim", Transport: "in-process", Verified: true}
		switch j.Slot {
		case 7:
			r = store.JobResult{Driver: "sim", Err: "slot locked by keypad programming", Permanent: true}
		case 8:
			r.Verified = false
		}
		mustDo(s.FinishJob(f.sys, j.Seq, r))
	}

	mustDo(s.SetCode(f.admin, f.dsc.ID, 40, "4826", store.CodeOptions{}))
	mustDo(s.SetCode(f.admin, f.dsc.ID, 1, "7391", store.CodeOptions{Label: "Gate officer"}))
	mustDo(s.SetCode(f.admin, f.vis.ID, 1, "5820", store.CodeOptions{}))
	mustDo(s.SetCode(f.admin, f.vis.ID, 2, "6047", store.CodeOptions{Label: "Forklift"}))

	for _, email := range []string{emailActive, emailSuspended, emailPending, emailFree, emailBlocked, emailFresh} {
		must(s.CreateAccount(f.admin, email, f.site))
	}
	for _, email := range []string{emailActive, emailSuspended, emailFree} {
		mustDo(s.ConfirmAccount(f.admin, email, f.otp(email)))
	}
	mustDo(s.AssignAccount(f.admin, emailActive, f.main.ID, 2))
	mustDo(s.AssignAccount(f.admin, emailSuspended, f.main.ID, 3))
	mustDo(s.AssignAccount(f.admin, emailPending, f.main.ID, 4))
	mustDo(s.SuspendAccount(f.admin, emailSuspended))
	mustDo(s.SuspendAccount(f.admin, emailBlocked))
	for _, a := range must(s.ListAccounts(f.admin)) {
		f.accounts[a.Email] = a
	}

	// Two locks on Main: the front door locked with a low battery, the
	// server room unlocked; state and battery are the locks' own reports.
	f.lock = must(s.AddLock(f.admin, store.Lock{Name: "Front door", Model: store.ModelYaleL3, Panel: f.main.ID, Users: []int{2, 3}}))
	must(s.AddLock(f.admin, store.Lock{Name: "Server room", Model: store.ModelYaleL2, Panel: f.main.ID, Users: []int{2}}))
	mustDo(s.ReportLocks(f.sys, f.main.ID, []store.LockReport{
		{Number: 1, State: store.LockLocked, Battery: 15},
		{Number: 2, State: store.LockUnlocked, Battery: 80},
	}))
	// Tags: a keypad tag for slot 2, a door-lock tag on the front door for
	// slot 3, and a keypad tag reported lost once freed from slot 4.
	must(s.EnrolTag(f.admin, store.Tag{ID: tagKeypad, Kind: store.TagKeypad, Panel: f.main.ID, Slot: 2}))
	must(s.EnrolTag(f.admin, store.Tag{ID: tagLock, Kind: store.TagLock, Lock: f.lock.ID, Slot: 3}))
	must(s.EnrolTag(f.admin, store.Tag{ID: tagLost, Kind: store.TagKeypad, Panel: f.main.ID, Slot: 4}))
	mustDo(s.FreeTag(f.admin, tagLost))
	mustDo(s.MarkTagLost(f.admin, tagLost))
	// The panel took the tags: their jobs leave the outbox as they would
	// with a dispatcher running, so the header counts only the users'.
	for _, j := range must(s.DueJobs(f.sys, 0)) {
		if j.ForTag() {
			mustDo(s.FinishJob(f.sys, j.Seq, store.JobResult{Driver: "sim", Transport: "in-process", Verified: true}))
		}
	}

	for _, op := range []struct{ user, role string }{{"gina", store.RoleGuard}, {"ivan", store.RoleInstaller}, {"sue", store.RoleSupervisor}, {"otto", store.RoleAuditor}} {
		user, role := op.user, op.role
		f.oneTime[user] = must(s.AddOperator(f.admin, store.NewOperator{Username: user, Name: role, Grants: []store.Grant{{Role: role}}, Units: []uint64{store.RootUnit}}))
		f.ops[role] = must(s.Actor(user, "tui"))
	}
	f.ops[store.RoleAdministrator] = f.admin
	f.main = must(s.GetPanel(f.admin, f.main.ID))
	return f
}

// fixtureTemplate is the site built once and kept as a backup: each test
// restores it into its own in-memory store, which is ~10x faster than
// building it again (it matters under -race).
var fixtureTemplate struct {
	once   sync.Once
	f      *fixture
	backup []byte
}

// backupKey encrypts the template's backup (in-memory stores have no key
// of their own).
var backupKey = bytes.Repeat([]byte{7}, 32)

// builtFixture builds the fixture site on its own store, without the
// restore newFixture uses (its log has no restore entry: for goldens).
func builtFixture(tb testing.TB) *fixture {
	tb.Helper()
	s, err := store.Open(store.Config{InMemory: true, NoSync: true, Now: fixedClock})
	check(tb, err)
	tb.Cleanup(func() { s.Close() })
	return buildFixture(s)
}

// newFixture returns a fresh copy of the fixture site on its own store.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return newFixtureAt(tb, fixedClock)
}

// newFixtureAt is newFixture on a store whose clock is now (a test that
// lets time pass: an access that expires).
func newFixtureAt(tb testing.TB, now func() time.Time) *fixture {
	tb.Helper()
	fixtureTemplate.once.Do(func() {
		s := must(store.Open(store.Config{InMemory: true, NoSync: true, Now: fixedClock}))
		defer s.Close()
		f := buildFixture(s)
		var b bytes.Buffer
		mustDo(s.Backup(f.admin, backupKey, &b))
		fixtureTemplate.f, fixtureTemplate.backup = f, b.Bytes()
	})
	s, err := store.Open(store.Config{InMemory: true, NoSync: true, Now: now})
	check(tb, err)
	tb.Cleanup(func() { s.Close() })
	admin, err := s.Actor("admin", "tui")
	check(tb, err)
	check(tb, s.Restore(admin, backupKey, bytes.NewReader(fixtureTemplate.backup), false))
	f := *fixtureTemplate.f
	f.s = s
	f.sys = s.Internal("t")
	return &f
}

// otp reads the newest one-time code mailed to email from the outbox.
func (f *fixture) otp(email string) string {
	jobs, err := f.s.DueJobs(f.sys, 0)
	if err != nil {
		panic(err)
	}
	otp := ""
	for _, j := range jobs {
		if j.Kind == store.JobMail && j.Mail != nil && strings.EqualFold(j.Mail.To, email) {
			if m := otpPattern.FindStringSubmatch(j.Mail.Body); m != nil {
				otp = m[1]
			}
		}
	}
	if otp == "" {
		panic("no one-time code mailed to " + email)
	}
	return otp
}

// user reads one Main-panel user back from the store.
func (f *fixture) user(tb testing.TB, slot int) store.PanelUser {
	tb.Helper()
	u, err := f.s.GetUser(f.admin, f.main.ID, slot)
	check(tb, err)
	return u
}

// account reads an account back; ok is false when it is gone.
func (f *fixture) account(tb testing.TB, email string) (store.Account, bool) {
	tb.Helper()
	accts, err := f.s.ListAccounts(f.admin)
	check(tb, err)
	for _, a := range accts {
		if strings.EqualFold(a.Email, email) {
			return a, true
		}
	}
	return store.Account{}, false
}

// ---- the console under test ----

// console is the real App run by teatest, its output replayed into a
// virtual terminal.
type console struct {
	t    *testing.T
	f    *fixture
	app  *App
	tm   *teatest.TestModel
	w, h int

	mu  sync.Mutex
	emu *vt.SafeEmulator
	// text is the emulator's screen as text, read again only after the
	// program wrote (stale): rendering the emulator is most of what a wait
	// costs under the race detector, and waits poll.
	text  string
	stale bool
	// secrets must never be on screen (codes, OTPs); every wait checks.
	secrets []string
}

type consoleOpts struct {
	w, h    int
	theme   string
	actor   store.Actor
	profile colorprofile.Profile
	keys    map[string][]string
	// ready is what the header shows once the outbox summary loaded
	// (the fixture's ", 1 failed " by default: before " │" on a wide
	// header, at the end of a narrow one's second line).
	ready string
	// login starts at the login screen (no actor); an actor with a login
	// step left starts at that step. start then waits for nothing.
	login bool
	// The login screen's options.
	via, addr string
	demo      []store.DemoLogin
	first     string
}

func (o *consoleOpts) defaults(f *fixture) {
	if o.w == 0 {
		o.w, o.h = 80, 24
	}
	if o.theme == "" {
		o.theme = "dark"
	}
	if o.actor.Name() == "" && !o.login {
		o.actor = f.admin
	}
	if o.profile == 0 {
		o.profile = colorprofile.ANSI256
	}
	if o.ready == "" {
		o.ready = ", 1 failed "
	}
}

// start runs the console over the fixture and waits for the first frame.
func start(t *testing.T, f *fixture, o consoleOpts) *console {
	t.Helper()
	o.defaults(f)
	app, err := New(Options{Store: f.s, Actor: o.actor, Theme: o.theme, Now: fixedClock, Environ: []string{}, Keys: o.keys,
		Via: o.via, Addr: o.addr, DemoLogins: o.demo, FirstPassword: o.first})
	check(t, err)
	emu := vt.NewSafeEmulator(o.w, o.h)
	// The renderer writes bare LF (it assumes ONLCR on a TTY): LNM makes the
	// emulator treat LF as CR LF.
	_, err = emu.Write([]byte("\x1b[20h"))
	check(t, err)
	// Drain the emulator's replies to the program's terminal queries, or
	// its writes would block.
	go func() { _, _ = io.Copy(io.Discard, emu) }()
	tm := teatest.NewTestModel(t, app,
		teatest.WithInitialTermSize(o.w, o.h),
		teatest.WithProgramOptions(tea.WithColorProfile(o.profile)))
	c := &console{t: t, f: f, app: app, tm: tm, w: o.w, h: o.h, emu: emu, stale: true}
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		app.Close()
		// The emulator is not closed: vt v0.1.0's Close races with a
		// pending Read of its reply pipe (SafeEmulator.Read takes no lock),
		// so the drain goroutine stays blocked until the process ends.
	})
	if o.login || o.actor.Step() != store.StepNone {
		return c
	}
	// The first screen (Panels) and the header's outbox summary loaded.
	c.waitScreen("1-3 of 3", o.ready)
	return c
}

// drain replays what the program wrote since the last call.
func (c *console) drain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := io.ReadAll(c.tm.Output())
	if err != nil {
		c.t.Fatalf("read program output: %v", err)
	}
	if len(b) > 0 {
		if _, err := c.emu.Write(b); err != nil {
			c.t.Fatalf("emulator: %v", err)
		}
		c.stale = true
	}
}

// lines is the emulator's screen, one string per row, trailing spaces cut.
func (c *console) lines() []string {
	c.drain()
	c.mu.Lock()
	if c.stale {
		c.text, c.stale = c.emu.String(), false
	}
	text := c.text
	c.mu.Unlock()
	lines := strings.Split(text, "\n")
	for len(lines) < c.h {
		lines = append(lines, "")
	}
	return lines[:c.h]
}

// screen is the whole screen as text.
func (c *console) screen() string { return strings.Join(c.lines(), "\n") }

func (c *console) checkSecrets(scr string) {
	c.t.Helper()
	for _, s := range c.secrets {
		if strings.Contains(scr, s) {
			c.t.Fatalf("a secret (%d chars) is on screen:\n%s", len(s), scr)
		}
	}
}

// neverShow adds secrets: a code and each of its prefixes of 4 or more
// digits (what is on screen while it is typed).
func (c *console) neverShow(code string) {
	for n := 4; n <= len(code); n++ {
		c.secrets = append(c.secrets, code[:n])
	}
}

// waitFor polls the screen until cond holds, failing after 20 s with the
// screen dumped. It never sleeps blindly: it returns as soon as the screen
// shows what is wanted. The deadline is generous because a login's
// argon2id check under the race detector, with the parallel tests sharing
// two CPUs, has taken more than 5 s.
func (c *console) waitFor(what string, cond func(scr string) bool) string {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var scr string
	for {
		scr = c.screen()
		c.checkSecrets(scr)
		if cond(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("waited 20s for %s; the screen is:\n%s", what, frameDump(scr))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitScreen waits until the screen contains every text (see shows).
func (c *console) waitScreen(texts ...string) string {
	c.t.Helper()
	return c.waitFor(fmt.Sprintf("%q", texts), func(scr string) bool { return shows(scr, texts...) })
}

// shows reports whether the screen contains every text, on one line or
// wrapped inside a dialog: dialogs wrap long messages, so the text is also
// looked for in the dialog's lines joined with single spaces.
func shows(scr string, texts ...string) bool {
	var fl string
	for _, t := range texts {
		if strings.Contains(scr, t) {
			continue
		}
		if fl == "" {
			fl = flat(scr)
		}
		if !strings.Contains(fl, strings.Join(strings.Fields(t), " ")) {
			return false
		}
	}
	return true
}

// flat is the screen's text with each line cut to what is inside a dialog's
// borders, the lines joined and runs of spaces collapsed.
func flat(scr string) string {
	var words []string
	for _, l := range strings.Split(scr, "\n") {
		if i, j := strings.Index(l, "│"), strings.LastIndex(l, "│"); i >= 0 && j > i {
			l = l[i+len("│") : j]
		}
		words = append(words, strings.Fields(l)...)
	}
	return strings.Join(words, " ")
}

// helpShows pages through the open help (pgdown) until it shows text.
func (c *console) helpShows(text string) string {
	c.t.Helper()
	for range 20 {
		scr := c.waitScreen("Keys —")
		if shows(scr, text) {
			return scr
		}
		var from, to, n int
		if _, err := fmt.Sscanf(flat(scr)[strings.Index(flat(scr), "lines "):], "lines %d-%d of %d", &from, &to, &n); err != nil || to == n {
			break
		}
		c.press("pgdown")
		c.waitScreen(fmt.Sprintf("lines %d-", min(from+to-from+1, n-(to-from))))
	}
	return c.waitScreen(text)
}

// waitGone waits until the screen no longer contains text.
func (c *console) waitGone(text string) string {
	c.t.Helper()
	return c.waitFor("no "+fmt.Sprintf("%q", text), func(scr string) bool { return !strings.Contains(scr, text) })
}

// waitLine waits until screen row y contains text.
func (c *console) waitLine(y int, text string) string {
	c.t.Helper()
	return c.waitFor(fmt.Sprintf("%q on line %d", text, y), func(string) bool {
		return strings.Contains(c.lines()[y], text)
	})
}

// waitHeader waits until the header holds text: its one line on a wide
// window, either of its two on a narrow one (the badges and the outbox
// are on the second).
func (c *console) waitHeader(text string) string {
	c.t.Helper()
	return c.waitFor(fmt.Sprintf("%q in the header", text), func(string) bool {
		l := c.lines()
		return strings.Contains(l[0], text) || c.w < wideHeader && strings.Contains(l[1], text)
	})
}

// status is the last line (the status line).
func (c *console) status() string { return c.lines()[c.h-1] }

func frameDump(scr string) string {
	var b strings.Builder
	for i, l := range strings.Split(scr, "\n") {
		fmt.Fprintf(&b, "%2d|%s\n", i, l)
	}
	return b.String()
}

// key turns a key name as msg.String() prints it into a key press.
func key(name string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp,
		"home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace, "delete": tea.KeyDelete,
	}
	switch {
	case strings.HasPrefix(name, "alt+"):
		k := key(name[4:])
		k.Mod, k.Text = k.Mod|tea.ModAlt, ""
		return k
	case name == "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case name == "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case strings.HasPrefix(name, "ctrl+") && len(name) == 6:
		return tea.KeyPressMsg{Code: rune(name[5]), Mod: tea.ModCtrl}
	}
	if r, ok := special[name]; ok {
		return tea.KeyPressMsg{Code: r}
	}
	if rs := []rune(name); len(rs) == 1 {
		return tea.KeyPressMsg{Code: rs[0], Text: name}
	}
	panic("unknown key " + name)
}

// press sends keys by name ("enter", "c", "ctrl+y").
func (c *console) press(keys ...string) {
	for _, k := range keys {
		msg := key(k)
		if msg.String() != k {
			c.t.Fatalf("key %q would arrive as %q", k, msg.String())
		}
		c.tm.Send(msg)
	}
}

// typ types text, one key press per character.
func (c *console) typ(text string) { c.tm.Type(text) }

// ---- golden screens ----

// goldenScreen compares a screen's text with testdata/<Test>/<Subtest>.golden
// (go test ./tui -run TestX -update rewrites it; -update is x/exp/golden's flag).
func goldenScreen(t *testing.T, text string) {
	t.Helper()
	golden.RequireEqual(t, text+"\n")
}
