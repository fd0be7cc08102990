// Package demo builds the demo site: a realistic organization with panels of
// several families, users, accounts in every status, door locks, tags and
// some history in the action log, so a newcomer can try every screen at once.
// Everything goes through the store's public operations, so the demo obeys
// the same rules as an operator, and every change reaches the simulated
// panels through the real dispatcher.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/guardroom/guardroom/cmd/internal/simhost"
	"github.com/guardroom/guardroom/drivers"
	"github.com/guardroom/guardroom/drivers/dispatch"
	_ "github.com/guardroom/guardroom/drivers/guided" // the Gatehouse and the uplink are programmed by hand
	"github.com/guardroom/guardroom/drivers/sim"
	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/family"
)

// Operator is a demo operator created by Build.
type Operator struct {
	Username, Role, Unit string
}

// Operators are the demo site's operators, one of each role.
var Operators = []Operator{
	{"guard.ana", store.RoleGuard, "Harbour Campus"},
	{"inst.lee", store.RoleInstaller, "Organization"},
	{"sup.maria", store.RoleSupervisor, "Harbour Campus"},
	{"audit.kim", store.RoleAuditor, "Organization"},
}

type panelPlan struct {
	name, family, unit string
	codes              int // users with a code, slot order, master included
	labels             []string
	driver             string // sim, guided, envisalink-dsc or envisalink-vista
	offline            bool   // the simulated panel cannot be reached
}

var panels = []panelPlan{
	{"North Tower", "neo-hs2128e", "North Tower", 640, []string{"Offices", "Server room", "Lobby", "Car park", "Roof plant", "Archive", "Canteen", "Loading bay"}, "sim", false},
	{"Gatehouse", "dsc-pc1864", "Gatehouse", 38, []string{"Gate", "Guard room", "Visitor centre", "Perimeter", "Fuel store", "Kennels", "Workshop", "Armoury"}, "guided", false},
	{"Reception", "qolsys-iq4", "North Tower", 31, []string{"Reception", "Meeting rooms", "Mail room", "Print room"}, "sim", false},
	{"Warehouse", "visonic-powermaster30", "Warehouse", 14, []string{"Floor", "Cold store", "Yard"}, "sim", true},
	{"Depot uplink", "dualpath", "Warehouse", 1, nil, "guided", false},
	// A DSC PowerSeries behind an Envisalink, simulated in the process
	// (cmd/internal/simhost): the envisalink-dsc driver logs in, arms and
	// programs its codes by keystrokes.
	{"Boat house", "dsc-pc1832", "Gatehouse", 12, []string{"Boats", "Workshop", "Slipway", "Office"}, "envisalink-dsc", false},
	// A Honeywell VISTA-20P behind an Envisalink, simulated the same way:
	// the envisalink-vista driver types its codes and arms it.
	{"Marina office", "vista-20p", "Gatehouse", 9, []string{"Office", "Store", "Lobby"}, "envisalink-vista", false},
}

// Options tune Build.
type Options struct {
	// Progress, when not nil, is told what is being built.
	Progress func(step string)
	// SimDir keeps the simulated panels' memory (one state file a panel),
	// so they still hold the demo's codes when the console opens it later.
	// A relative path is made absolute. Empty keeps them in this process
	// only (tests).
	SimDir string
}

// builds keeps in-process simulated panels of two builds apart.
var builds atomic.Int64

var firstNames = []string{"Ada", "Ben", "Chloe", "Dev", "Elif", "Finn", "Grace", "Hugo", "Iris", "Jonas", "Kemal", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wim", "Xenia", "Yusuf", "Zoe"}
var lastNames = []string{"Andersen", "Brooks", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jansen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Quist", "Rossi", "Silva", "Tanaka"}

var otpPattern = regexp.MustCompile(`one-time code is (\d+)`)

// Build creates the demo site in an empty store.
func Build(ctx context.Context, s *store.Store, o Options) error {
	say := func(format string, args ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, args...))
		}
	}
	empty, err := s.Empty()
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("the database already holds a site: build the demo in an empty data directory")
	}
	if o.SimDir != "" {
		// The panels keep this path: a relative one would point
		// elsewhere when guardroom runs from another directory.
		if o.SimDir, err = filepath.Abs(o.SimDir); err != nil {
			return fmt.Errorf("the simulated panels' directory: %w", err)
		}
		if err := os.MkdirAll(o.SimDir, 0o700); err != nil {
			return fmt.Errorf("the simulated panels' directory: %w", err)
		}
		// The store is empty, so simulated panels left from an earlier demo
		// are stale: they would refuse the new codes as duplicates.
		old, _ := filepath.Glob(filepath.Join(o.SimDir, "panel-*.json"))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("remove the earlier demo's simulated panel: %w", err)
			}
		}
	}
	b := &builder{s: s, sys: s.Internal("demo"), rng: rand.New(rand.NewPCG(2026, 11)), units: map[string]uint64{"Organization": store.RootUnit},
		simDir: o.SimDir, build: builds.Add(1), plain: map[uint64]map[int]string{}}

	say("organization units")
	for _, u := range []struct {
		name, parent string
		kind         store.UnitKind
	}{
		{"Harbour Campus", "Organization", store.UnitSite},
		{"North Tower", "Harbour Campus", store.UnitBuilding},
		{"Gatehouse", "Harbour Campus", store.UnitBuilding},
		{"Riverside Depot", "Organization", store.UnitSite},
		{"Warehouse", "Riverside Depot", store.UnitBuilding},
	} {
		unit, err := s.AddUnit(b.sys, b.units[u.parent], u.name, u.kind)
		if err != nil {
			return fmt.Errorf("demo unit %s: %w", u.name, err)
		}
		b.units[u.name] = unit.ID
	}
	logins := []store.DemoLogin{{Username: "admin", Role: store.RoleAdministrator}}
	for _, op := range Operators {
		if _, err := s.AddOperator(b.sys, store.NewOperator{Username: op.Username, Name: op.Username, Grants: []store.Grant{{Role: op.Role}}, Units: []uint64{b.units[op.Unit]}}); err != nil {
			return fmt.Errorf("demo operator %s: %w", op.Username, err)
		}
		logins = append(logins, store.DemoLogin{Username: op.Username, Role: op.Role})
	}
	for i := range logins {
		logins[i].Password = demoPassword()
	}
	if err := s.SetDemoLogins(b.sys, logins); err != nil {
		return fmt.Errorf("demo logins: %w", err)
	}
	var ids []uint64
	for i, pp := range panels {
		if err := ctx.Err(); err != nil {
			return err
		}
		say("panel %s (%d users)", pp.name, pp.codes)
		id, err := b.panel(i, pp)
		if err != nil {
			return fmt.Errorf("demo panel %s: %w", pp.name, err)
		}
		ids = append(ids, id)
	}
	say("accounts")
	if err := b.accounts(ids); err != nil {
		return fmt.Errorf("demo accounts: %w", err)
	}
	say("door locks and tags")
	if err := b.locksAndTags(ids); err != nil {
		return fmt.Errorf("demo locks: %w", err)
	}
	say("access control: doors, levels and %d people", demoPeople)
	if err := b.accessRules(); err != nil {
		return fmt.Errorf("demo access control: %w", err)
	}
	say("history")
	if err := b.history(ids); err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	say("programming the panels")
	return b.sync(ctx, ids)
}

type builder struct {
	s     *store.Store
	sys   store.Actor
	rng   *rand.Rand
	units map[string]uint64

	simDir string
	build  int64
	// plain holds the codes Build chose, by panel and slot, for the
	// story's keypad scenes; they never leave Build.
	plain map[uint64]map[int]string
}

// device says how the demo reaches panel i.
func (b *builder) device(i int, pp panelPlan) store.DeviceConfig {
	switch pp.driver {
	case "envisalink-dsc", "envisalink-vista":
		return store.DeviceConfig{Driver: pp.driver, Address: fmt.Sprintf("%sdemo-%d-panel-%d", drivers.InProcessScheme, b.build, i+1)}
	case "sim":
	default:
		return store.DeviceConfig{Driver: pp.driver}
	}
	d := store.DeviceConfig{Driver: "sim", Address: fmt.Sprintf("demo-%d/panel-%d", b.build, i+1), Options: map[string]string{}}
	if b.simDir != "" {
		path := filepath.Join(b.simDir, fmt.Sprintf("panel-%d.json", i+1))
		d.Address, d.Options["state"] = path, path
	}
	if pp.offline {
		d.Options["offline"] = "true"
	}
	return d
}

// simPanel opens the simulated panel the store's panel is reached through.
func (b *builder) simPanel(id uint64) (*sim.Panel, error) {
	p, err := b.s.GetPanel(b.sys, id)
	if err != nil {
		return nil, err
	}
	dp, err := drivers.Open("sim", drivers.Config{Address: p.Address, Options: p.Options, Family: p.Family, Slots: p.Slots, CodeLength: p.CodeLength})
	if err != nil {
		return nil, err
	}
	return dp.(*sim.Panel), nil
}

// imei returns a valid IMEI (Luhn) for the n-th demo panel.
func imei(n int) string {
	body := fmt.Sprintf("35693803%06d", 564380+n*7919)
	sum := 0
	for i, c := range body {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

// codes returns n distinct codes a panel accepts: not guessable, and where
// duress is code + 1, never next to each other.
func (b *builder) codes(n, length int, plusOne bool) []string {
	used := map[string]bool{}
	var out []string
	max := 1
	for range length {
		max *= 10
	}
	for len(out) < n {
		c := fmt.Sprintf("%0*d", length, b.rng.IntN(max))
		if used[c] || family.Trivial(c) {
			continue
		}
		clash := false
		if plusOne {
			for _, nb := range family.Neighbours(c) {
				clash = clash || used[nb]
			}
		}
		if clash {
			continue
		}
		used[c] = true
		out = append(out, c)
	}
	return out
}

func (b *builder) panel(i int, pp panelPlan) (uint64, error) {
	d := b.device(i, pp)
	p, err := b.s.AddPanel(b.sys, store.NewPanel{Name: pp.name, Unit: b.units[pp.unit], Family: pp.family, IMEI: imei(i), Driver: d.Driver, Address: d.Address, Options: d.Options})
	if err != nil {
		return 0, err
	}
	b.plain[p.ID] = map[int]string{}
	for n, label := range pp.labels {
		if n >= p.Partitions() {
			break
		}
		if err := b.s.SetPartitionLabel(b.sys, p.ID, n+1, label); err != nil {
			return 0, err
		}
	}
	fam := p.Spec()
	codes := b.codes(pp.codes, p.CodeLength, p.DuressPlusOne)
	items := make([]store.BulkCode, 0, pp.codes)
	// The master first, then ordinary slots in order, a few left empty to
	// show "No code" rows between them.
	slots := []int{fam.MasterSlot}
	for slot := 1; len(slots) < pp.codes && slot <= p.Slots; slot++ {
		if slot == fam.MasterSlot || slot == fam.InstallerSlot || (slot%11 == 0 && pp.codes > 20) {
			continue
		}
		slots = append(slots, slot)
	}
	envisalink := pp.driver == "envisalink-dsc" || pp.driver == "envisalink-vista"
	if envisalink {
		// The Envisalink's password, and the master code the driver types
		// to program codes (the one set in the master slot below), also
		// entered when the panel asks for a code to arm or disarm.
		for _, sec := range []struct {
			k store.SecretKind
			v string
		}{{store.SecretPassword, b.password()}, {store.SecretMasterCode, codes[0]}, {store.SecretArmCode, codes[0]}} {
			if err := b.s.SetPanelSecret(b.sys, p.ID, sec.k, sec.v); err != nil {
				return 0, err
			}
		}
	}
	for k, slot := range slots {
		if slot == fam.MasterSlot && envisalink {
			continue // the driver types the master code; it does not set it
		}
		item := store.BulkCode{Slot: slot, Code: codes[k]}
		b.plain[p.ID][slot] = codes[k]
		if slot != fam.MasterSlot {
			item.Role = b.role(fam, k)
			item.Label = b.person(k)
			item.Partitions = b.partitions(p.Partitions())
		} else {
			item.Label = "Site manager"
		}
		items = append(items, item)
	}
	return p.ID, b.s.BulkSetCodes(b.sys, p.ID, items, nil)
}

func (b *builder) role(fam family.Family, k int) family.Role {
	if len(fam.Roles) == 1 {
		return fam.Roles[0]
	}
	extra := map[int]family.Role{3: family.RoleSupervisor, 7: family.RoleOneTime, 9: family.RoleDuress, 12: family.RoleGuest, 5: family.RoleDwellerMaster, 14: family.RoleInstaller, 16: family.RoleDealer}
	if r, ok := extra[k%17]; ok && fam.AllowsRole(r) {
		return r
	}
	return family.RoleUser
}

func (b *builder) person(k int) string {
	return firstNames[k%len(firstNames)] + " " + lastNames[(k/len(firstNames)+k)%len(lastNames)]
}

func (b *builder) partitions(n int) store.PartitionSet {
	var set store.PartitionSet
	for p := 1; p <= n; p++ {
		if p == 1 || b.rng.IntN(3) == 0 {
			set = set.With(p)
		}
	}
	return set
}

// accounts creates accounts in every status and assigns most of them.
func (b *builder) accounts(panels []uint64) error {
	type plan struct {
		status  store.AccountStatus
		confirm bool
		assign  bool
	}
	var plans []plan
	for i := range 24 {
		switch {
		case i%8 == 5:
			plans = append(plans, plan{store.StatusNotConfirmed, false, i%2 == 1})
		case i%8 == 7:
			plans = append(plans, plan{store.StatusSuspended, true, true})
		default:
			plans = append(plans, plan{store.StatusActive, true, true})
		}
	}
	mails := map[string]string{}
	for i := range plans {
		email := demoEmail(i)
		unit := b.units["Harbour Campus"]
		if i%5 == 4 {
			unit = b.units["Riverside Depot"]
		}
		if _, err := b.s.CreateAccount(b.sys, email, unit); err != nil {
			return err
		}
		mails[email] = ""
	}
	// Read the invitations the way their owners would, and confirm.
	jobs, err := b.s.DueJobs(b.sys, 0)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Kind == store.JobMail {
			if m := otpPattern.FindStringSubmatch(j.Mail.Body); m != nil {
				mails[strings.ToLower(j.Mail.To)] = m[1]
			}
		}
	}
	accts, err := b.s.ListAccounts(b.sys)
	if err != nil {
		return err
	}
	byEmail := map[string]store.Account{}
	for _, a := range accts {
		byEmail[a.Email] = a
	}
	next := map[uint64]int{}
	for i, pl := range plans {
		email := demoEmail(i)
		acct := byEmail[email]
		if pl.confirm {
			if err := b.s.ConfirmAccount(b.sys, email, mails[email]); err != nil {
				return err
			}
		}
		if pl.assign {
			pid := panels[0]
			if acct.Unit == b.units["Riverside Depot"] {
				pid = panels[3]
			} else if i%3 == 2 {
				pid = panels[2]
			}
			if err := b.assignNext(email, pid, next); err != nil {
				return err
			}
		}
		if pl.status == store.StatusSuspended {
			if err := b.s.SuspendAccount(b.sys, email); err != nil {
				return err
			}
		}
	}
	return nil
}

func demoEmail(i int) string {
	return strings.ToLower(firstNames[i%len(firstNames)]+"."+lastNames[i%len(lastNames)]) + "@northwind.example"
}

// assignNext assigns the account to the next panel user with a code.
func (b *builder) assignNext(email string, panel uint64, next map[uint64]int) error {
	users, err := b.s.ListUsers(b.sys, panel)
	if err != nil {
		return err
	}
	for i := next[panel]; i < len(users); i++ {
		u := users[i]
		if u.CodeSet && u.Role != family.RoleMaster && u.Account == 0 {
			next[panel] = i + 1
			return b.s.AssignAccount(b.sys, email, panel, u.Slot)
		}
	}
	return fmt.Errorf("no free panel user for %s", email)
}

// locksAndTags links the demo's door locks and gives out tags. The state
// and battery of each lock are its simulated lock's, read by the
// dispatcher's poll: the scenes here are set on the simulated locks (a jam
// at the bike store, a server-room lock running down), not in the store.
func (b *builder) locksAndTags(panels []uint64) error {
	north, reception := panels[0], panels[2]
	locks := []store.Lock{
		{Name: "Main entrance", Model: store.ModelYaleL3, Panel: north, Number: 1, Users: []int{2, 3, 4}},
		{Name: "Server room door", Model: store.ModelYaleL2, Panel: north, Number: 2, Users: []int{2}},
		{Name: "Front desk", Model: store.ModelYaleL2, Panel: reception, Number: 1, Users: []int{2}},
		{Name: "Bike store", Model: store.ModelZWave, Panel: reception, Number: 2},
	}
	ids := make([]uint64, len(locks))
	for i, l := range locks {
		l, err := b.s.AddLock(b.sys, l)
		if err != nil {
			return err
		}
		ids[i] = l.ID
	}
	tags := []store.Tag{
		{ID: "04A1B2C3D4E5F6", Kind: store.TagKeypad, Panel: north, Slot: 2},
		{ID: "04A1B2C3D4E5F7", Kind: store.TagKeypad, Panel: north, Slot: 3},
		{ID: "90:324", Kind: store.TagLock, Lock: ids[0], Slot: 4},
		{ID: "90:325", Kind: store.TagLock, Lock: ids[0], Slot: 5},
		{ID: "12:40112", Kind: store.TagLock, Lock: ids[2], Slot: 2},
	}
	for _, t := range tags {
		if _, err := b.s.EnrolTag(b.sys, t); err != nil {
			return err
		}
	}
	if err := b.s.MarkTagLost(b.sys, "90:325"); err != nil {
		return err
	}
	for _, scene := range []struct {
		panel uint64
		set   func(*sim.Panel) error
	}{
		{north, func(p *sim.Panel) error { return p.SetBattery(2, 14) }},
		{reception, func(p *sim.Panel) error { return p.SetLockState(2, family.LockJammed) }},
		{reception, func(p *sim.Panel) error { return p.SetLockState(1, family.LockUnlocked) }},
	} {
		p, err := b.simPanel(scene.panel)
		if err != nil {
			return err
		}
		if err := scene.set(p); err != nil {
			return fmt.Errorf("lock scene: %w", err)
		}
	}
	return nil
}

// history performs a few everyday operations as the demo operators,
// including attempts the rules refuse, so the action log has a story.
func (b *builder) history(panels []uint64) error {
	actor := func(name string) store.Actor {
		a, err := b.s.Actor(name, "demo")
		if err != nil {
			panic(err) // created above; a failure here is a bug in Build
		}
		return a
	}
	sup, guard, inst := actor("sup.maria"), actor("guard.ana"), actor("inst.lee")
	// Expected refusals are part of the story; their errors are recorded
	// in the log by the store.
	_ = b.s.SetCode(guard, panels[1], 30, "4826", store.CodeOptions{}) // a guard may not set codes
	_ = b.s.SetLabel(sup, panels[1], 33, "Night shift")                // slot 33 has no code
	_ = b.s.DisablePanelUser(sup, panels[1], 40)                       // the Master cannot be disabled
	_ = b.s.AssignAccount(sup, "ada.andersen@northwind", panels[0], 2) // not a picked suggestion
	if err := b.s.SetLabel(sup, panels[0], 2, "Ada Andersen (Ops)"); err != nil {
		return err
	}
	if err := b.s.SetPartitions(inst, panels[1], 2, store.PartitionSet(0).With(1).With(2)); err != nil {
		return err
	}
	if err := b.s.DisablePanelUser(sup, panels[1], 5); err != nil {
		return err
	}
	if err := b.s.ResetPassword(sup, "ben.brooks@northwind.example"); err != nil {
		return err
	}
	return nil
}

// sync carries every change to the panels with the real dispatcher, after
// setting the scenes the story needs: someone keyed a code at the North
// Tower (so one of guardroom's codes is refused as a duplicate, and the
// panel holds a code guardroom does not know), the Warehouse panel is
// offline (its jobs wait), the Gatehouse DSC has no programming interface
// (most of its changes keyed in by the installer, a few still waiting),
// partitions armed from guardroom and at a keypad, and a code cleared at a
// keypad after it was programmed (drift). Mail waits: no SMTP server.
func (b *builder) sync(ctx context.Context, panels []uint64) error {
	north, err := b.simPanel(panels[0])
	if err != nil {
		return err
	}
	// Slot 999 is empty in guardroom; its keypad code repeats slot 201's.
	if err := north.ChangeAtKeypad(999, b.plain[panels[0]][201]); err != nil {
		return fmt.Errorf("keypad scene: %w", err)
	}
	guard, err := b.s.Actor("guard.ana", "demo")
	if err != nil {
		return err
	}
	if err := b.s.Arm(guard, panels[2], 2, store.ArmAway); err != nil {
		return err
	}
	for _, p := range panels[5:7] {
		if err := b.s.Arm(guard, p, 1, store.ArmAway); err != nil {
			return err
		}
	}
	if err := simhost.Start(b.s); err != nil {
		return err
	}
	d := dispatch.New(b.s, dispatch.Options{Timeout: 5 * time.Second})
	defer d.Close()
	if err := d.Drain(ctx); err != nil {
		return err
	}
	inst, err := b.s.Actor("inst.lee", "demo")
	if err != nil {
		return err
	}
	waiting, err := b.s.ListJobs(b.sys, store.JobFilter{Panel: panels[1], State: store.JobPending})
	if err != nil {
		return err
	}
	for i, j := range waiting {
		if j.Waiting() && i < len(waiting)-3 {
			if err := b.s.ConfirmJob(inst, j.Seq); err != nil {
				return err
			}
		}
	}
	if err := north.SetPartitionState(4, family.ArmedStay); err != nil {
		return err
	}
	if err := north.ClearAtKeypad(7); err != nil {
		return err
	}
	return d.Poll(ctx)
}

// demoPassword is two words and a number, easy to type from the demo's
// login screen; each demo site gets its own.
func demoPassword() string {
	words := []string{"harbour", "lantern", "granite", "orchard", "compass", "meadow", "copper", "willow", "falcon", "beacon", "river", "summit", "timber", "harvest", "anchor", "signal"}
	return fmt.Sprintf("%s-%s-%02d", words[rand.IntN(len(words))], words[rand.IntN(len(words))], rand.IntN(100))
}

// password makes up the simulated Envisalink's password.
func (b *builder) password() string {
	const letters = "abcdefghjkmnpqrstuvwxyz23456789"
	pw := make([]byte, 10)
	for i := range pw {
		pw[i] = letters[b.rng.IntN(len(letters))]
	}
	return string(pw)
}
