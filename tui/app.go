// Package tui is guardroom's full-screen console: one shell (header, tabs,
// body, footer) over one screen per tab, with dialogs on top. It reads and
// changes the site only through the store, in Cmds, so the UI never blocks
// on I/O and every rule the store enforces holds here too.
package tui

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/plain"
	"github.com/guardroom/guardroom/themes"
)

// Options configure the console.
type Options struct {
	Store *store.Store
	// Actor is the operator, when the caller logged them in: an SSH key
	// login (store.ActorByKey). With a step left (a second factor to give
	// or enrol) the console starts at that step; with none, at the shell.
	// The zero Actor starts the console at the login screen.
	Actor store.Actor
	// Via is where the session comes from, for the log: "tui" (the local
	// terminal, the default) or "ssh". The console logs the start and end
	// of each session it logs in (console.start, console.end); a session
	// handed a ready Actor is logged only when Via is given.
	Via string
	// Addr is the remote address of an SSH session, for the log.
	Addr string
	// DemoLogins are the demo site's operators and passwords, shown on the
	// login screen (store.DemoLogins); a real site passes none.
	DemoLogins []store.DemoLogin
	// FirstPassword is admin's one-time password when this run created the
	// database (store.FirstPassword): the login screen shows it once.
	FirstPassword string
	// Theme is "auto" (from the terminal's background), "dark", "light",
	// "high-contrast" or "plain". NO_COLOR in the environment means plain.
	Theme string
	// Keys remaps actions: action ID → keys.
	Keys map[string][]string
	// NoMouse turns mouse support off (text selection stays with the terminal).
	NoMouse bool
	// NoBell keeps the terminal's bell quiet when an alarm opens (the
	// banner still shows it).
	NoBell bool
	// Now is the clock (tests fix it).
	Now func() time.Time
	// Environ is the client's environment (SSH sessions); os.Environ() when nil.
	Environ []string
	// OnSession, when set, is told each time the console's operator
	// changes: the actor logged in (its Step may be pending), or the zero
	// Actor at a log out. guardroom serve shows it in guardroom status.
	OnSession func(store.Actor)
}

// App is the root model: the only one that returns a tea.View.
type App struct {
	c       *common
	screens []screen
	active  int
	modals  []modal

	width, height int
	themeAuto     bool
	noMouse       bool

	// status is what the last action said (done, or refused and why):
	// it is about the row and tab it was said on, so moving to another
	// row or tab clears it. note is what holds for the whole session
	// (read-only, when access ends): shown whenever no status is.
	status    string
	statusErr bool
	note      string

	filtering bool
	filterBuf field

	clock time.Time
	// site is the site's clock (guardroom access timezone), which the
	// access views read; nil when none is set.
	site  *time.Location
	sync  store.SyncCounts
	locks store.LockAlerts
	// backup is the backups' state: the header shows a failing one.
	backup store.BackupState
	// alarms are the open alarms the banner shows.
	alarms alarmBanner
	sub    *store.Subscription

	// stale marks screens whose data changed (or was never loaded) while
	// they were not on screen; they load when shown.
	stale []bool

	// login is the login screen, while nobody is logged in (nil: the
	// shell is up).
	login *login
	opts  Options
	// first is admin's one-time password until a login completes.
	first string
	// epoch moves on at each login and log out (see epochMsg).
	epoch uint64
	// sessionLogged: the session's start is in the action log, so its
	// end goes there too. logReady: a session handed a ready Actor is
	// logged (the caller said where it came from).
	sessionLogged, logReady bool
	// notices are the operator's unread security notices.
	notices []store.Notice
	// initCmd is the first Cmd of a login resumed at a pending step.
	initCmd tea.Cmd
	// endReason is why the store ended the last session (EndReason).
	endReason string
	// The header's counts load like the screens, in order (loadOrder).
	syncOrder, alertsOrder, backupOrder, alarmOrder loadOrder
}

// New builds the console.
func New(o Options) (*App, error) {
	km, err := newKeymap(o.Keys)
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	env := o.Environ
	if env == nil {
		env = os.Environ()
	}
	theme, auto := pickTheme(o.Theme, env)
	logReady := o.Via != ""
	if o.Via == "" {
		o.Via = "tui"
	}
	c := &common{st: o.Store, theme: theme, keys: km, now: now}
	a := &App{c: c, themeAuto: auto, noMouse: o.NoMouse, width: 80, height: 24, clock: now(), opts: o, first: o.FirstPassword, logReady: logReady}
	a.openShell(o.Actor)
	switch {
	case o.Actor.Name() == "":
		a.login = newLogin(a.c, o)
	case o.Actor.Step() != store.StepNone:
		a.login = newLogin(a.c, o)
		a.initCmd = a.login.resume(o.Actor)
	}
	return a, nil
}

// newScreens are the tabs, in order, for one session.
func newScreens(c *common) []screen {
	screens := []screen{
		newPanelsScreen(c),
		newUsersScreen(c),
		newPartitionsScreen(c),
		newLocksScreen(c),
		newTagsScreen(c),
		newAccountsScreen(c),
		newLogScreen(c),
	}
	// The Operators tab is for those who manage operators; the others
	// never see it (and the store would refuse them its data anyway).
	if c.actor.Can(store.PermManageOperators) {
		screens = append(screens, newOperatorsScreen(c))
	}
	if c.actor.Can(store.PermViewPanelUsers) {
		screens = append(screens, newPeopleScreen(c))
	}
	screens = append(screens, newAccessScreen(c))
	if c.actor.Can(store.PermViewEquipment) {
		screens = append(screens, newAlarmsScreen(c), newEventsScreen(c))
	}
	c.tabs = nil
	for _, s := range screens {
		c.tabs = append(c.tabs, s.id())
	}
	return screens
}

func pickTheme(name string, env []string) (themes.Theme, bool) {
	for _, e := range env {
		if k, v, _ := strings.Cut(e, "="); k == "NO_COLOR" && v != "" {
			return themes.Plain(), false
		}
	}
	if t, ok := themes.ByName(name); ok {
		return t, false
	}
	return themes.Dark(), true
}

type tickMsg time.Time

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// storeChangedMsg carries changes committed by anyone: this console, the
// CLI through the same process, another SSH session.
type storeChangedMsg struct{ changes []store.Change }

// changeEvery is how often at most the console takes committed changes
// in. Changes committed in between wait and come together, so a burst (a
// dispatcher finishing thousands of jobs a second) costs the console a
// bounded amount of work a second, each part of it in proportion to what
// changed, instead of a frame and a round of reads per commit.
const changeEvery = 50 * time.Millisecond

// waitChange waits for the next commit, and until notBefore, and returns
// every change since the last call.
func waitChange(sub *store.Subscription, notBefore time.Time) tea.Cmd {
	return func() tea.Msg {
		if _, ok := <-sub.C; !ok {
			return nil
		}
		if d := time.Until(notBefore); d > 0 {
			time.Sleep(d) // what is throttled: changes coalesce meanwhile
		}
		return storeChangedMsg{sub.Changes()}
	}
}

type syncSummaryMsg struct {
	n      uint64 // the load's number (loadOrder)
	counts store.SyncCounts
}

// touchesSync reports whether changes can move the header's outbox
// summary: jobs, users (drift), partitions (arm commands), panels, locks
// and tags (their commands and jobs). Log-only and account changes
// cannot, so they cost no count.
func touchesSync(changes []store.Change) bool {
	for _, c := range changes {
		switch c.What {
		case store.ChangeJob, store.ChangeUser, store.ChangePartition, store.ChangePanel, store.ChangeLock, store.ChangeTag, store.ChangeAll:
			return true
		}
	}
	return false
}

// touchesLocks reports whether changes can move the header's lock alerts.
func touchesLocks(changes []store.Change) bool {
	return slices.ContainsFunc(changes, func(c store.Change) bool {
		return c.What == store.ChangeLock || c.What == store.ChangeAll || c.What == store.ChangeUnit
	})
}

type lockAlertsMsg struct {
	n      uint64 // the load's number (loadOrder)
	alerts store.LockAlerts
}

type backupStateMsg struct {
	n     uint64 // the load's number (loadOrder)
	state store.BackupState
}

// loadBackup reads the backups' state for the header.
func (a *App) loadBackup() tea.Cmd {
	c, n := a.c, a.backupOrder.next()
	return func() tea.Msg {
		m := backupStateMsg{n: n}
		if err := safe(func() (err error) { m.state, err = c.st.BackupState(c.actor); return err }); err != nil {
			return nil
		}
		return m
	}
}

type siteZoneMsg struct{ loc *time.Location }

// loadZone reads the site's clock for the header.
func (a *App) loadZone() tea.Cmd {
	c := a.c
	return func() tea.Msg {
		loc := c.siteZone()
		if loc == time.Local {
			loc = nil
		}
		return siteZoneMsg{loc}
	}
}

// loadAlerts counts the jammed locks and low batteries for the header. An
// operator who may not see equipment gets no count, and no error: the
// header has nothing to say to them about locks.
func (a *App) loadAlerts() tea.Cmd {
	c, n := a.c, a.alertsOrder.next() // the Cmd runs on its own goroutine, for this session
	return func() tea.Msg {
		m := lockAlertsMsg{n: n}
		if err := safe(func() (err error) { m.alerts, err = c.st.LockAlerts(c.actor); return err }); err != nil {
			return nil
		}
		return m
	}
}

func (a *App) loadSync() tea.Cmd {
	c, n := a.c, a.syncOrder.next()
	return func() tea.Msg {
		counts, err := c.st.SyncCounts(c.actor, 0)
		if err != nil {
			return nil
		}
		return syncSummaryMsg{n, counts}
	}
}

// Init starts the clock, the live updates and the first loads, or the
// login screen.
func (a *App) Init() tea.Cmd {
	a.sub = a.c.st.Subscribe()
	cmds := []tea.Cmd{tick(), waitChange(a.sub, time.Time{})}
	if a.themeAuto {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if a.login != nil {
		cmds = append(cmds, a.stamp(a.initCmd))
		a.initCmd = nil
	} else {
		// Only the tab on screen loads; the others load when first shown.
		// A caller that logged the operator in and says how they came
		// (Via) has the session logged.
		cmds = append(cmds, a.stamp(a.sessionCmds(a.logReady)))
	}
	return tea.Batch(cmds...)
}

// Close ends the session, in the action log too, and stops the live
// updates. Run calls it when the program ends; a caller that runs the App
// itself (an SSH session) must call it.
func (a *App) Close() {
	if a.sessionLogged {
		a.sessionLogged = false
		_ = safe(func() error { return a.c.st.RecordSession(a.c.actor, "console.end", a.sessionDetail("quit")) })
	}
	if a.sub != nil {
		a.sub.Close()
		a.sub = nil
	}
}

func (a *App) cur() screen { return a.screens[a.active] }

func (a *App) setStatus(text string, isErr bool) { a.status, a.statusErr = plain.Visible(text), isErr }

// Update routes messages: dialogs first, then the shell's keys, then the
// active screen. Dialogs opened on the way are on screen before the next
// message.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(epochMsg); ok {
		inner, cmd, handle := a.unstamp(m)
		if !handle {
			return a, cmd
		}
		msg = inner
	}
	was := a.spot()
	var cmd tea.Cmd
	if a.login != nil {
		cmd = a.loginUpdate(msg)
	} else {
		cmd = a.update(msg)
	}
	a.clearStale(msg, was)
	if len(a.c.opened) > 0 {
		a.modals = append(a.modals, a.c.opened...)
		a.c.opened = nil
	}
	cmd = a.stamp(cmd)
	// Whatever the message, a session the store no longer honours goes
	// back to the login screen rather than staying on screen dead.
	if end := a.checkSession(msg); end != nil {
		cmd = tea.Batch(cmd, a.stamp(end))
	}
	return a, cmd
}

// spot is where the operator is: the tab, the selected row, the status.
type spot struct {
	tab, row int
	selected bool
	status   string
}

func (a *App) spot() spot {
	p := spot{tab: a.active, status: a.status}
	if a.login == nil && len(a.screens) > 0 {
		if g := a.cur().table(); g != nil {
			p.row, p.selected = g.Selected()
		}
	}
	return p
}

// clearStale clears the status when a key or the mouse moved the operator
// to another tab or row and said nothing new: "label saved" or a refusal
// was about the row it was said on. The session's note stays.
func (a *App) clearStale(msg tea.Msg, was spot) {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.MouseClickMsg, tea.MouseWheelMsg:
	default:
		return
	}
	if a.login != nil || a.status != was.status {
		return
	}
	if now := a.spot(); now.tab != was.tab || now.row != was.row || now.selected != was.selected {
		a.status, a.statusErr = "", false
	}
}

// loginUpdate routes messages while the login screen is up.
func (a *App) loginUpdate(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg, tea.BackgroundColorMsg, tickMsg:
		return a.update(msg)
	case storeChangedMsg:
		return waitChange(a.sub, time.Now().Add(changeEvery))
	case loggedInMsg:
		return a.startSession(msg.actor)
	}
	return a.login.update(msg)
}

func (a *App) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.resize()
		return nil
	case tea.BackgroundColorMsg:
		if a.themeAuto {
			if msg.IsDark() {
				a.setTheme(themes.Dark())
			} else {
				a.setTheme(themes.Light())
			}
		}
		return nil
	case tickMsg:
		a.clock = a.c.now() // the injected clock, so tests see a fixed time
		cmds := []tea.Cmd{tick()}
		for _, s := range a.screens {
			if cs, ok := s.(clocked); ok {
				cmds = append(cmds, cs.clock(a.clock))
			}
		}
		return tea.Batch(cmds...)
	case storeChangedMsg:
		cmds := []tea.Cmd{waitChange(a.sub, time.Now().Add(changeEvery))}
		if slices.ContainsFunc(msg.changes, func(c store.Change) bool { return c.What == store.ChangeLog || c.What == store.ChangeAll }) {
			cmds = append(cmds, a.c.loadNotices(false)) // security events are logged
		}
		if touchesSync(msg.changes) {
			cmds = append(cmds, a.loadSync())
		}
		if touchesLocks(msg.changes) {
			cmds = append(cmds, a.loadAlerts())
		}
		if touchesAlarms(msg.changes) {
			cmds = append(cmds, a.loadAlarmBanner())
		}
		if slices.ContainsFunc(msg.changes, func(c store.Change) bool { return c.What == store.ChangeAccess || c.What == store.ChangeAll }) {
			cmds = append(cmds, a.loadZone())
		}
		if slices.ContainsFunc(msg.changes, func(c store.Change) bool { return c.What == store.ChangeBackup || c.What == store.ChangeAll }) {
			cmds = append(cmds, a.loadBackup())
		}
		for i, s := range a.screens {
			p, patches := s.(patcher)
			switch {
			case !s.relevant(msg.changes):
			case i == a.active && patches:
				cmds = append(cmds, p.patch(msg.changes))
			case i == a.active:
				cmds = append(cmds, s.load())
			default:
				a.stale[i] = true // reloads when shown
			}
		}
		return tea.Batch(cmds...)
	case syncSummaryMsg:
		if a.syncOrder.fresh(msg.n) {
			a.sync = msg.counts
		}
		return nil
	case lockAlertsMsg:
		if a.alertsOrder.fresh(msg.n) {
			a.locks = msg.alerts
		}
		return nil
	case alarmBannerMsg:
		return a.takeAlarms(msg)
	case backupStateMsg:
		if a.backupOrder.fresh(msg.n) {
			a.backup = msg.state
		}
		return nil
	case siteZoneMsg:
		a.site = msg.loc
		return nil
	case noticesMsg:
		a.notices = msg.notices
		if msg.show && len(msg.notices) > 0 {
			return a.c.open(newNoticesDialog(a.c, msg.notices))
		}
		return nil
	case logoutMsg:
		return a.endSession("Logged out.", false, "logged out")
	case enrolKeyMsg:
		if len(a.modals) > 0 {
			return nil // a second ctrl+t while the first enrolment opened
		}
		if msg.err != nil {
			a.setStatus(a.c.keys.action(ActEnrol).Short+": "+errText(msg.err), true)
			return nil
		}
		return a.c.open(newEnrolDialog(a.c, msg))
	case opDoneMsg:
		if msg.err != nil {
			a.setStatus(errText(msg.err), true)
		} else if msg.ok != "" {
			a.setStatus(msg.ok, false)
		}
		return nil
	case attemptAllowedMsg:
		return msg.run()
	case showPanelMsg:
		return a.showPanel(msg.screen, msg.panel)
	case tea.KeyPressMsg:
		return a.key(msg)
	case tea.MouseClickMsg:
		return a.click(msg.Mouse())
	case tea.MouseWheelMsg:
		return a.wheel(msg.Mouse())
	case tea.PasteMsg:
		if len(a.modals) > 0 {
			return a.toModal(msg)
		}
		return nil
	}
	// Data for screens and dialogs.
	var cmds []tea.Cmd
	if len(a.modals) > 0 {
		cmds = append(cmds, a.toModal(msg))
	}
	for _, s := range a.screens {
		cmds = append(cmds, s.update(msg))
	}
	return tea.Batch(cmds...)
}

func (a *App) setTheme(t themes.Theme) {
	a.c.theme = t
	for _, s := range a.screens {
		if g := s.table(); g != nil {
			g.SetStyles(gridStyles(t))
		}
	}
}

// Layout: header (one line, or two on a narrow window), tabs (one line,
// or two when their titles do not fit one), body, footer (range), hints,
// status.
const chromeLines = 5

// wideHeader is the width from which the header is one line: below it the
// site's state (alerts and the outbox) takes a line of its own, so the
// breadcrumb, the operator and the clock keep theirs.
const wideHeader = 120

// headerLines is the number of lines the header takes at this width,
// with the alarm banner above it while an alarm is open.
func (a *App) headerLines() int {
	if a.width < wideHeader {
		return 2 + a.bannerLines()
	}
	return 1 + a.bannerLines()
}

// topLines is the number of lines above the body: header and tabs.
func (a *App) topLines() int { return a.headerLines() + len(a.tabRows()) }

func (a *App) bodyHeight() int { return max(a.height-chromeLines-(a.topLines()-2), 3) }

// lineAbove is a screen that shows a line of its own above its grid (the
// Accounts screen's mail server state).
type lineAbove interface{ lineAbove() bool }

// gridTop is the body line where a screen's grid starts.
func gridTop(s screen) int {
	if l, ok := s.(lineAbove); ok && l.lineAbove() {
		return 1
	}
	return 0
}

func (a *App) resize() {
	for _, s := range a.screens {
		if g := s.table(); g != nil {
			g.SetSize(a.width, a.bodyHeight()-gridTop(s))
		}
	}
}

func (a *App) toModal(msg tea.Msg) tea.Cmd {
	top := a.modals[len(a.modals)-1]
	cmd, done := top.update(msg)
	if done {
		a.modals = a.modals[:len(a.modals)-1]
	}
	return cmd
}

func (a *App) switchTo(i int) tea.Cmd {
	if i < 0 || i >= len(a.screens) {
		return nil
	}
	a.active = i
	a.filtering = false
	if a.stale[i] {
		a.stale[i] = false
		return a.screens[i].load()
	}
	return nil
}

func (a *App) screenIndex(id screenID) int {
	return slices.IndexFunc(a.screens, func(s screen) bool { return s.id() == id })
}

func (a *App) showPanel(id screenID, panel uint64) tea.Cmd {
	for i, s := range a.screens {
		if ps, ok := s.(panelScoped); ok && ps.panelID() != panel {
			ps.setPanel(panel)
			a.stale[i] = true
		}
	}
	return a.switchTo(a.screenIndex(id))
}

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if len(a.modals) > 0 {
		if k == "ctrl+c" {
			top := a.modals[len(a.modals)-1]
			if !top.editing() {
				return tea.Quit
			}
			if _, asking := top.(*quitConfirm); !asking {
				return a.c.open(newQuitConfirm(a.c))
			}
		}
		return a.toModal(msg)
	}
	if a.filtering {
		return a.filterKey(msg)
	}
	// The actions the screen offers now come first: a screen with two
	// views (Operators and its roles) offers one scope's keys at a time.
	act, ok := a.c.keys.lookupAmong(a.cur().actions(), k)
	if !ok {
		act, ok = a.c.keys.lookup(a.cur().id(), k)
	}
	if !ok {
		return nil
	}
	return a.runAction(act)
}

// runAction runs an action by its registry entry: global ones here,
// screen ones after asking the screen (and so the store) whether they can.
func (a *App) runAction(act Action) tea.Cmd {
	g := a.cur().table()
	switch act.ID {
	case ActQuit:
		return tea.Quit
	case ActHelp:
		return a.c.open(newHelp(a.c, a.cur()))
	case ActPalette:
		return a.c.open(newPalette(a.c, a.screens, a.paletteRun))
	case ActFilter:
		if g != nil {
			a.filtering = true
			a.filterBuf.set(g.Query())
		}
		return nil
	case ActNextTab:
		return a.switchTo((a.active + 1) % len(a.screens))
	case ActPrevTab:
		return a.switchTo((a.active + len(a.screens) - 1) % len(a.screens))
	case ActRefresh:
		a.setStatus("reloaded", false)
		return tea.Batch(a.cur().load(), a.loadSync(), a.loadAlerts(), a.loadAlarmBanner())
	case ActMyPassword:
		return a.c.open(newPasswordDialog(a.c))
	case ActEnrol:
		return beginEnrol(a.c.st, a.c.actor)
	case ActLogout:
		return a.c.open(newLogoutConfirm(a.c))
	case ActCopy:
		return a.copyRow()
	case ActNotices:
		if len(a.notices) == 0 {
			a.setStatus("no security notices", false)
			return nil
		}
		return a.c.open(newNoticesDialog(a.c, a.notices))
	}
	if act.ID == ActScreenBase+ActionID(scrAlarms) {
		return a.goAlarm()
	}
	if strings.HasPrefix(string(act.ID), string(ActScreenBase)) {
		return a.switchTo(a.screenIndex(screenID(strings.TrimPrefix(string(act.ID), string(ActScreenBase)))))
	}
	if g != nil {
		switch act.ID {
		case ActUp:
			g.Move(-1)
			return nil
		case ActDown:
			g.Move(1)
			return nil
		case ActPageNext:
			g.NextPage()
			return nil
		case ActPagePrev:
			g.PrevPage()
			return nil
		case ActHome:
			g.Home()
			return nil
		case ActEnd:
			g.End()
			return nil
		case ActPageSize:
			g.NextPageSize()
			if g.PageFits() {
				a.setStatus(fmt.Sprintf("fit: %d rows per page, as many as the window holds", g.PageSize()), false)
			} else {
				a.setStatus(fmt.Sprintf("%d rows per page", g.PageSize()), false)
			}
			return nil
		case ActSortNext:
			a.setStatus("sorted by "+g.SortNext(), false)
			return nil
		case ActSortRev:
			key, _ := g.Sort()
			if key != "" {
				g.SortBy(key)
			}
			return nil
		case ActJump:
			return a.c.open(newJump(a.c, g))
		}
	}
	if act.ID != ActOpen && !slices.Contains(a.cur().actions(), act.ID) {
		return nil
	}
	scr := a.cur()
	if err := scr.available(act.ID); err != nil {
		// The status says the refusal once, when the store's answer
		// comes back: said here too, a late second copy could replace
		// whatever the operator did meanwhile.
		var try func() error
		if at, ok := scr.(attempter); ok && act.Writes {
			try = at.tryFor(act.ID)
		}
		return a.c.refused(act, err, try, func() tea.Cmd { return scr.run(act.ID) })
	}
	return scr.run(act.ID)
}

// paletteRun runs what the command line asked for.
func (a *App) paletteRun(cmd paletteCommand) tea.Cmd {
	switch {
	case cmd.screen != "":
		if cmd.panel != 0 {
			return a.showPanel(cmd.screen, cmd.panel)
		}
		return a.switchTo(a.screenIndex(cmd.screen))
	case cmd.action != "":
		act, ok := a.c.keys.actions[cmd.action]
		if !ok {
			a.setStatus("no action "+string(cmd.action), true)
			return nil
		}
		return a.runAction(act)
	case cmd.row > 0:
		if g := a.cur().table(); g != nil {
			if !jumpTo(g, cmd.row) {
				a.setStatus(fmt.Sprintf("no row № %d here", cmd.row), true)
			}
		}
	}
	return nil
}

func (a *App) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	g := a.cur().table()
	switch msg.String() {
	case "enter":
		a.filtering = false
		return nil
	case "esc":
		a.filtering = false
		a.filterBuf.clear()
	default:
		if !a.filterBuf.key(msg) {
			return nil
		}
	}
	if g != nil {
		g.SetFilter(a.filterBuf.String())
	}
	return nil
}

// Mouse: tabs under the header, grid rows under the tabs and the grid's
// header, one lower under a screen's own line.
func (a *App) click(m tea.Mouse) tea.Cmd {
	if a.noMouse || len(a.modals) > 0 {
		return nil
	}
	hl := a.headerLines()
	if rows := a.tabRows(); m.Y >= hl && m.Y < hl+len(rows) {
		labels := a.tabLabels()
		x := 0
		for _, i := range rows[m.Y-hl] {
			w := ansi.StringWidth(labels[i])
			if m.X >= x && m.X < x+w {
				return a.switchTo(i)
			}
			x += w
		}
		return nil
	}
	if g := a.cur().table(); g != nil {
		if pos, ok := g.RowAt(m.Y - a.topLines() - 1 - gridTop(a.cur())); ok {
			if pos == g.Cursor() {
				return a.runAction(a.c.keys.action(ActOpen))
			}
			g.SetCursor(pos)
		}
	}
	return nil
}

func (a *App) wheel(m tea.Mouse) tea.Cmd {
	if a.noMouse || len(a.modals) > 0 {
		return nil
	}
	if g := a.cur().table(); g != nil {
		switch m.Button {
		case tea.MouseWheelUp:
			g.Move(-1)
		case tea.MouseWheelDown:
			g.Move(1)
		}
	}
	return nil
}

// View draws the shell and the top dialog, or the login screen.
func (a *App) View() tea.View {
	if a.login != nil {
		// The mouse stays with the terminal: a secret, a key URI or the
		// recovery codes can be selected and copied.
		v := tea.NewView(plain.Styled(a.login.view(a.width, a.height)))
		v.AltScreen = true
		v.WindowTitle = "guardroom — log in"
		return v
	}
	t := a.c.theme
	w := a.width
	lines := append(a.bannerRows(), a.headerRows()...)
	lines = append(lines, a.tabs()...)
	lines = append(lines, a.body(), t.Footer.Render(pad(a.footerLine(), w)))
	lines = append(lines, a.bottomLines()...)
	content := strings.Join(lines, "\n")
	if len(a.modals) > 0 {
		top := a.modals[len(a.modals)-1]
		d, ok := top.(interface{ dock() bool })
		docked := ok && d.dock()
		// A docked dialog opens right under the tabs (its margin leaves
		// them whole). It sizes itself for a dock at line 2 (a wide
		// window's one line of header and of tabs), so it is handed the
		// height less the lines it opens lower.
		box := ""
		if docked {
			box = top.view(w, a.height-(a.topLines()-2))
		} else {
			box = top.view(w, a.height)
		}
		bw, bh := lipgloss.Size(box)
		x, y := max((w-bw)/2, 0), max((a.height-bh)/2, 0)
		if docked {
			// Under the tabs, or as high as it must be to stay above the
			// footer (at 80x24 it covers the tabs' right part), never
			// over the header.
			x, y = max(w-bw, 0), max(min(a.topLines(), a.height-chromeLines+1-bh), min(a.headerLines(), max(a.height-bh, 0)))
		}
		content = overlay(content, box, x, y, w, a.height, !docked)
		// A dialog taller than a small terminal is cut at the bottom:
		// a frame with more lines than the terminal scrolls and garbles it.
		if a.height > 0 && strings.Count(content, "\n") >= a.height {
			content = strings.Join(strings.SplitN(content, "\n", a.height+1)[:a.height], "\n")
		}
	}
	// The one way out to the terminal: whatever data reached the frame,
	// only guardroom's own colours act (plain.Styled).
	v := tea.NewView(plain.Styled(content))
	v.AltScreen = true
	v.WindowTitle = "guardroom"
	if !a.noMouse && !a.selectable() {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

// overlay draws box over content at (x, y) on a w x h screen, with a
// blank margin of one cell around it (marginTop false: but above it), so no character of the screen
// underneath touches the dialog's border ("▶│", "╮nc"). Both are drawn
// as layers on one canvas of cells, which splits no wide character: one
// half covered by the margin or the box turns the other half blank.
func overlay(content, box string, x, y, w, h int, marginTop bool) string {
	bw, bh := lipgloss.Size(box)
	// The margin, clipped to the screen; a dialog docked under the tabs
	// has none above it.
	// The margin never blanks the header's first line or the status
	// line: a tall dialog may reach them, its margin may not.
	mx, my := max(x-1, 0), max(y-1, 1)
	if !marginTop {
		my = y
	}
	mw, mh := min(x+bw+1, w)-mx, min(y+bh+1, h-1)-my
	layers := []*lipgloss.Layer{lipgloss.NewLayer(content)}
	if mw > 0 && mh > 0 {
		blank := strings.TrimSuffix(strings.Repeat(strings.Repeat(" ", mw)+"\n", mh), "\n")
		layers = append(layers, lipgloss.NewLayer(blank).X(mx).Y(my).Z(1))
	}
	layers = append(layers, lipgloss.NewLayer(box).X(x).Y(y).Z(2))
	return lipgloss.NewCompositor(layers...).Render()
}

// selectable reports whether the top dialog shows text to copy (a second
// factor's secret), so the mouse is left to the terminal.
func (a *App) selectable() bool {
	if len(a.modals) == 0 {
		return false
	}
	s, ok := a.modals[len(a.modals)-1].(interface{ selectable() bool })
	return ok && s.selectable()
}

func pad(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// syncSummary is the header's word on the outbox: "in sync", or counts of
// what is not. Short words on narrow terminals leave the breadcrumb room.
func syncSummary(c store.SyncCounts, short bool) string {
	pending, keypad := "pending", "at keypad"
	if short {
		pending, keypad = "pend.", "keypad"
	}
	var parts []string
	for _, n := range []struct {
		n    int
		what string
	}{{c.Pending, pending}, {c.Keypad, keypad}, {c.Failed, "failed"}, {c.Drift, "drift"}} {
		if n.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n.n, n.what))
		}
	}
	if len(parts) == 0 {
		return "in sync"
	}
	return strings.Join(parts, ", ")
}

// lockSummary is the header's word on the door locks that need someone:
// "1 jammed, 1 low battery", shorter on a narrow terminal, "" when none.
func lockSummary(l store.LockAlerts, short bool) string {
	battery := "low battery"
	if short {
		battery = "low batt."
	}
	var parts []string
	if l.Jammed > 0 {
		parts = append(parts, fmt.Sprintf("%d jammed", l.Jammed))
	}
	if l.LowBattery > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", l.LowBattery, battery))
	}
	return strings.Join(parts, ", ")
}

// backupSummary is the header's word on a failing backup, "" when they
// succeed: "backup failed since 7 Dec 02:30", "backup failed" when short.
func backupSummary(b store.BackupState, short bool) string {
	switch {
	case !b.Failing():
		return ""
	case short:
		return "backup failed"
	}
	return "backup failed since " + timeText(b.FailedSince.Local(), timeDayMonth)
}

// clockText is the header's clock: this PC's, with its zone, since the
// access views read the site's clock (guardroom access timezone) and the
// two can differ; when they do, the site's follows ("· site 17:24 EET").
// The date and seconds come on a wide window.
func (a *App) clockText() string {
	now := a.clock.Local()
	s := timeText(now, timeClockZone)
	if a.width >= 100 {
		s = timeText(now, timeFullZone)
	}
	if a.site != nil {
		site := now.In(a.site)
		_, siteOff := site.Zone()
		_, localOff := now.Zone()
		if siteOff != localOff {
			s += " · site " + timeText(site, timeClockZone)
		}
	}
	return s
}

// headerRows are the header's lines. On a wide window one line holds the
// breadcrumb, the badges, the operator, the outbox and the clock; on a
// narrow one the breadcrumb, the operator and the clock have the first
// line and the badges and the outbox the second, so none of them is cut.
func (a *App) headerRows() []string {
	t := a.c.theme
	clock := a.clockText()
	ro := ""
	if a.c.readOnly() {
		ro = t.Badge.Render(" READ-ONLY ") + " "
	}
	name := " " + a.c.actor.Name() + " │"
	alerts := func(short, notices bool) string {
		var parts []string
		if s := a.noticeCount(short); notices && s != "" {
			parts = append(parts, s)
		}
		if s := lockSummary(a.locks, short); s != "" {
			parts = append(parts, s)
		}
		if s := backupSummary(a.backup, short); s != "" {
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			return ""
		}
		return " " + strings.Join(parts, ", ") + " "
	}
	badge := func(alert string) string {
		if alert == "" {
			return ""
		}
		return t.Badge.Render(alert)
	}
	crumbs := func(room int) string {
		room = max(room, 0)
		return t.Header.Render(pad(crumbLine(a.cur().crumbs(), room), room))
	}
	if a.width < wideHeader {
		right := name + " " + clock + " "
		first := crumbs(a.width-ansi.StringWidth(ro)-ansi.StringWidth(right)) + ro + t.Header.Render(right)
		// The second line: the badges on the left, the outbox on the
		// right, in short words when the long ones do not fit.
		var alert, sync string
		for _, short := range []bool{false, true} {
			alert, sync = alerts(short, true), " "+syncSummary(a.sync, short)+" "
			if ansi.StringWidth(alert)+ansi.StringWidth(sync) <= a.width {
				break
			}
		}
		if ansi.StringWidth(alert)+ansi.StringWidth(sync) > a.width {
			alert = alerts(true, false) // the notices wait for ! (the login showed them)
		}
		gap := max(a.width-ansi.StringWidth(alert)-ansi.StringWidth(sync), 0)
		second := badge(alert) + t.Header.Render(strings.Repeat(" ", gap)+sync)
		return []string{truncate(first, a.width), truncate(second, a.width)}
	}
	fixed := ansi.StringWidth(ro)
	notices := true
	layout := func(short bool) (right, alert string) {
		return fmt.Sprintf("%s %s │ %s ", name, syncSummary(a.sync, short), clock), alerts(short, notices)
	}
	room := func(right, alert string) int {
		return a.width - fixed - ansi.StringWidth(right) - ansi.StringWidth(alert)
	}
	// Short words when the long ones would squeeze the breadcrumb; then
	// the notices wait for a wider window (! shows them; the login showed
	// them). The operator's name and the clock always stay.
	// The breadcrumb needs its own width, up to 30 cells (16 before the
	// notices give way).
	want := ansi.StringWidth(crumbLine(a.cur().crumbs(), a.width))
	right, alert := layout(false)
	if room(right, alert) < min(want, 30) {
		right, alert = layout(true)
	}
	if room(right, alert) < min(want, 16) {
		notices = false
		right, alert = layout(true)
	}
	if room(right, alert) < 0 {
		right = pad(right, max(a.width-fixed-ansi.StringWidth(alert), 0))
	}
	// Jammed locks and low batteries are a badge: they need someone to go
	// to a door, whatever screen is open.
	return []string{truncate(crumbs(room(right, alert))+ro+badge(alert)+t.Header.Render(right), a.width)}
}

// crumbLine joins the breadcrumb into room cells. When it does not fit,
// the leading crumbs give way first ("… › North Tower › Main building"):
// the end names what is on screen.
func crumbLine(crumbs []string, room int) string {
	crumbs = slices.Clone(crumbs)
	for i, c := range crumbs {
		crumbs[i] = plain.Visible(c)
	}
	for i := range crumbs {
		line := " " + strings.Join(crumbs[i:], " › ")
		if i > 0 {
			line = " … › " + strings.Join(crumbs[i:], " › ")
		}
		if ansi.StringWidth(line) <= room || i == len(crumbs)-1 {
			return line
		}
	}
	return ""
}

// tabLayout is the tab bar: each tab's label (the key that opens it, not
// its position: the Access tab's 0 is not the tenth for everyone, and
// keys may be remapped; then its title) and the tabs of each line. One
// line with the long titles when they fit, else with the short ones,
// else two lines (long titles when each line holds them), so every tab
// keeps its key and its title.
func (a *App) tabLayout() ([]string, [][]int) {
	all := make([]int, len(a.screens))
	for i := range all {
		all[i] = i
	}
	build := func(short bool) ([]string, int) {
		labels := make([]string, len(a.screens))
		total := 0
		for i, s := range a.screens {
			labels[i] = fmt.Sprintf(" %s %s ", a.c.keys.keyLabel(ActScreenBase+ActionID(s.id())), s.title(short))
			total += ansi.StringWidth(labels[i])
		}
		return labels, total
	}
	split := func(labels []string) ([][]int, bool) {
		used, n := 0, 0
		for n < len(labels) && used+ansi.StringWidth(labels[n]) <= a.width {
			used += ansi.StringWidth(labels[n])
			n++
		}
		rest := 0
		for _, l := range labels[n:] {
			rest += ansi.StringWidth(l)
		}
		return [][]int{all[:n], all[n:]}, rest <= a.width
	}
	long, longW := build(false)
	if longW <= a.width {
		return long, [][]int{all}
	}
	short, shortW := build(true)
	if shortW <= a.width {
		return short, [][]int{all}
	}
	if two, ok := split(long); ok {
		return long, two
	}
	two, _ := split(short)
	return short, two
}

func (a *App) tabLabels() []string { l, _ := a.tabLayout(); return l }

func (a *App) tabRows() [][]int { _, r := a.tabLayout(); return r }

func (a *App) tabs() []string {
	t := a.c.theme
	labels, rows := a.tabLayout()
	var out []string
	for _, row := range rows {
		var b strings.Builder
		for _, i := range row {
			if i == a.active {
				b.WriteString(t.TabActive.UnsetPadding().Render(labels[i]))
			} else {
				b.WriteString(t.Tab.UnsetPadding().Render(labels[i]))
			}
		}
		out = append(out, pad(b.String(), a.width))
	}
	return out
}

func (a *App) body() string {
	h := a.bodyHeight()
	out := a.cur().view(a.width, h)
	lines := strings.Split(out, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = pad(l, a.width)
	}
	return strings.Join(lines, "\n")
}

func (a *App) footerLine() string {
	if a.filtering {
		line := "/" + a.filterBuf.render(ansi.StringWidth(a.filterBuf.String())+1, true) + "  enter keep · esc clear"
		if g := a.cur().table(); g != nil && g.FilterError() != "" {
			line += "  · " + g.FilterError()
		}
		return line
	}
	return a.cur().footer()
}

// hints are the screen's actions with their keys; unavailable ones are
// dimmed (? tells why), and those the operator's roles never allow (a
// permission refusal) are left out: a guard is not offered code, label,
// partitions, disable and assign. The help lists them all, with why.
func (a *App) hints() string {
	t := a.c.theme
	var parts []string
	width := 0
	add := func(id ActionID, disabled bool) bool {
		act := a.c.keys.action(id)
		text := a.c.keys.keyLabel(id) + " " + act.Short
		n := ansi.StringWidth(text) + 2
		if width+n > a.width-8 {
			return false
		}
		width += n
		if disabled {
			parts = append(parts, t.HintDisabled.Render(text))
		} else {
			parts = append(parts, t.HintKey.Render(a.c.keys.keyLabel(id))+" "+t.Footer.Render(act.Short))
		}
		return true
	}
	if a.cur().table() != nil {
		add(ActOpen, false)
	}
	// What the selected row needs now (retry a failed change, settle a
	// drift) comes first; those actions are not hinted when they cannot run.
	scr := a.cur()
	acts := scr.actions()
	for _, id := range acts {
		if a.c.keys.action(id).Contextual && scr.available(id) == nil {
			add(id, false)
		}
	}
	for _, id := range acts {
		if a.c.keys.action(id).Contextual {
			continue
		}
		err := scr.available(id)
		if errors.Is(err, store.ErrPermission) {
			continue
		}
		if !add(id, err != nil) {
			break
		}
	}
	if _, ok := scr.(copier); ok {
		_, err := clipOf(scr)
		add(ActCopy, err != nil)
	}
	add(ActFilter, false)
	parts = append(parts, t.HintKey.Render("?")+" "+t.Footer.Render("help"))
	return pad(" "+strings.Join(parts, "  "), a.width)
}

// bottomLines are the hints and the status line. A status too long for
// the status line takes the hints line as well, so a refusal's remedy
// ("...; set a code first") or what a change did ("tag 91:555 enrolled for
// panel user 7 (Grace Garcia) on lock 2 (...)") is not cut off on an
// 80-column terminal.
func (a *App) bottomLines() []string {
	if ansi.StringWidth(" "+a.statusText()) <= a.width {
		return []string{a.hints(), a.statusLine()}
	}
	st := a.c.theme.Status
	if a.statusErr {
		st = a.c.theme.StatusError
	}
	wrapped := strings.Split(lipgloss.Wrap(a.statusText(), max(a.width-1, 1), " "), "\n")
	first, rest := wrapped[0], strings.Join(wrapped[1:], " ")
	return []string{st.Render(pad(" "+first, a.width)), st.Render(pad(" "+rest, a.width))}
}

func (a *App) statusLine() string {
	t := a.c.theme
	st := t.Status
	if a.statusErr {
		st = t.StatusError
	}
	return st.Render(pad(" "+a.statusText(), a.width))
}

// statusText is the status line's text: the last action's word, or the
// session's note.
func (a *App) statusText() string {
	if a.status == "" {
		return a.note
	}
	return a.status
}

// Run runs the console until the operator quits. Extra program options
// (input, output, window size for SSH sessions) are passed through.
func Run(o Options, opts ...tea.ProgramOption) error {
	app, err := New(o)
	if err != nil {
		return err
	}
	defer app.Close()
	_, err = tea.NewProgram(app, opts...).Run()
	return err
}
