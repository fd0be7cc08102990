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
	// Now is the clock (tests fix it).
	Now func() time.Time
	// Environ is the client's environment (SSH sessions); os.Environ() when nil.
	Environ []string
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

	status    string
	statusErr bool

	filtering bool
	filterBuf string

	clock time.Time
	sync  store.SyncCounts
	locks store.LockAlerts
	sub   *store.Subscription

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
	syncOrder, alertsOrder loadOrder
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

func waitChange(sub *store.Subscription) tea.Cmd {
	return func() tea.Msg {
		if _, ok := <-sub.C; !ok {
			return nil
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
	cmds := []tea.Cmd{tick(), waitChange(a.sub)}
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

func (a *App) setStatus(text string, isErr bool) { a.status, a.statusErr = text, isErr }

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
	var cmd tea.Cmd
	if a.login != nil {
		cmd = a.loginUpdate(msg)
	} else {
		cmd = a.update(msg)
	}
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

// loginUpdate routes messages while the login screen is up.
func (a *App) loginUpdate(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg, tea.BackgroundColorMsg, tickMsg:
		return a.update(msg)
	case storeChangedMsg:
		return waitChange(a.sub)
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
		cmds := []tea.Cmd{waitChange(a.sub)}
		if slices.ContainsFunc(msg.changes, func(c store.Change) bool { return c.What == store.ChangeLog || c.What == store.ChangeAll }) {
			cmds = append(cmds, a.c.loadNotices(false)) // security events are logged
		}
		if touchesSync(msg.changes) {
			cmds = append(cmds, a.loadSync())
		}
		if touchesLocks(msg.changes) {
			cmds = append(cmds, a.loadAlerts())
		}
		for i, s := range a.screens {
			switch {
			case !s.relevant(msg.changes):
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

// Layout: header, tabs, body, footer (range), hints, status.
const chromeLines = 5

func (a *App) bodyHeight() int { return max(a.height-chromeLines, 3) }

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
			a.filtering, a.filterBuf = true, g.Query()
		}
		return nil
	case ActNextTab:
		return a.switchTo((a.active + 1) % len(a.screens))
	case ActPrevTab:
		return a.switchTo((a.active + len(a.screens) - 1) % len(a.screens))
	case ActRefresh:
		a.setStatus("reloaded", false)
		return tea.Batch(a.cur().load(), a.loadSync(), a.loadAlerts())
	case ActMyPassword:
		return a.c.open(newPasswordDialog(a.c))
	case ActEnrol:
		return beginEnrol(a.c.st, a.c.actor)
	case ActLogout:
		return a.c.open(newLogoutConfirm(a.c))
	case ActNotices:
		if len(a.notices) == 0 {
			a.setStatus("no security notices", false)
			return nil
		}
		return a.c.open(newNoticesDialog(a.c, a.notices))
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
			a.setStatus(fmt.Sprintf("%d rows per page", g.PageSize()), false)
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
		a.setStatus(act.Short+": "+errText(err), true)
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
		a.filterBuf = ""
	case "backspace":
		if r := []rune(a.filterBuf); len(r) > 0 {
			a.filterBuf = string(r[:len(r)-1])
		}
	case "ctrl+u":
		a.filterBuf = ""
	case "space":
		a.filterBuf += " "
	default:
		if msg.Text == "" {
			return nil
		}
		a.filterBuf += msg.Text
	}
	if g != nil {
		g.SetFilter(a.filterBuf)
	}
	return nil
}

// Mouse: tabs on line 1, grid rows from line 3 (under its header), one
// lower under a screen's own line.
func (a *App) click(m tea.Mouse) tea.Cmd {
	if a.noMouse || len(a.modals) > 0 {
		return nil
	}
	if m.Y == 1 {
		x := 0
		for i, s := range a.screens {
			w := ansi.StringWidth(a.tabLabel(i, s))
			if m.X >= x && m.X < x+w {
				return a.switchTo(i)
			}
			x += w
		}
		return nil
	}
	if g := a.cur().table(); g != nil {
		if pos, ok := g.RowAt(m.Y - 3 - gridTop(a.cur())); ok {
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
		v := tea.NewView(a.login.view(a.width, a.height))
		v.AltScreen = true
		v.WindowTitle = "guardroom — log in"
		return v
	}
	t := a.c.theme
	w := a.width
	lines := []string{
		a.header(),
		a.tabs(),
		a.body(),
		t.Footer.Render(pad(a.footerLine(), w)),
	}
	lines = append(lines, a.bottomLines()...)
	content := strings.Join(lines, "\n")
	if len(a.modals) > 0 {
		top := a.modals[len(a.modals)-1]
		box := top.view(w, a.height)
		bw, bh := lipgloss.Size(box)
		x, y := max((w-bw)/2, 0), max((a.height-bh)/2, 0)
		if d, ok := top.(interface{ dock() bool }); ok && d.dock() {
			x, y = max(w-bw, 0), min(2, max(a.height-bh, 0))
		}
		content = lipgloss.NewCompositor(lipgloss.NewLayer(content), lipgloss.NewLayer(box).X(x).Y(y).Z(1)).Render()
		// A dialog taller than a small terminal is cut at the bottom:
		// a frame with more lines than the terminal scrolls and garbles it.
		if a.height > 0 && strings.Count(content, "\n") >= a.height {
			content = strings.Join(strings.SplitN(content, "\n", a.height+1)[:a.height], "\n")
		}
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = "guardroom"
	if !a.noMouse && !a.selectable() {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
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

func (a *App) header() string {
	t := a.c.theme
	clock := a.clock.Format("15:04")
	if a.width >= 100 {
		clock = a.clock.Format("Mon 2 Jan 15:04:05")
	}
	fixed := 0
	if a.c.readOnly() {
		fixed = ansi.StringWidth(" READ-ONLY  ")
	}
	name := " " + a.c.actor.Name() + " │"
	notices := true
	layout := func(short bool) (right, alert string) {
		var parts []string
		if s := a.noticeCount(short); notices && s != "" {
			parts = append(parts, s)
		}
		if s := lockSummary(a.locks, short); s != "" {
			parts = append(parts, s)
		}
		if len(parts) > 0 {
			alert = " " + strings.Join(parts, ", ") + " "
		}
		return fmt.Sprintf("%s %s │ %s ", name, syncSummary(a.sync, short), clock), alert
	}
	room := func(right, alert string) int {
		return a.width - fixed - ansi.StringWidth(right) - ansi.StringWidth(alert)
	}
	// Short words when the long ones would squeeze the breadcrumb; then
	// the operator's name gives way (they know who they are, not always
	// where they are), then everything but the outbox and the clock.
	right, alert := layout(false)
	if room(right, alert) < 30 {
		right, alert = layout(true)
	}
	if room(right, alert) < 16 {
		name = ""
		right, alert = layout(true)
	}
	if room(right, alert) < 0 {
		// The notices wait for a wider window (! shows them; the login
		// showed them).
		notices = false
		right, alert = layout(true)
	}
	if room(right, alert) < 0 {
		right = pad(right, max(a.width-fixed-ansi.StringWidth(alert), 0))
	}
	// Jammed locks and low batteries are a badge: they need someone to go
	// to a door, whatever screen is open.
	badge := ""
	if a.c.readOnly() {
		badge = t.Badge.Render(" READ-ONLY ") + " "
	}
	if alert != "" {
		badge += t.Badge.Render(alert)
	}
	left := pad(crumbLine(a.cur().crumbs(), max(room(right, alert), 0)), max(room(right, alert), 0))
	return truncate(t.Header.Render(left)+badge+t.Header.Render(right), a.width)
}

// crumbLine joins the breadcrumb into room cells. When it does not fit,
// the leading crumbs give way first ("… › North Tower › Main building"):
// the end names what is on screen.
func crumbLine(crumbs []string, room int) string {
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

func (a *App) tabLabel(i int, s screen) string { return a.tabLabels()[i] }

// tabLabels are the tabs as shown: the key that opens each, not its
// position (the Access tab's 0 is not the tenth for everyone, and keys may
// be remapped), and its title. When they do not fit the width, the
// inactive tabs nearest the end lose their titles, keeping their keys,
// so every tab stays on the line and the active one keeps its name.
func (a *App) tabLabels() []string {
	short := a.width < 100
	labels := make([]string, len(a.screens))
	total := 0
	for i, s := range a.screens {
		labels[i] = fmt.Sprintf(" %s %s ", a.c.keys.keyLabel(ActScreenBase+ActionID(s.id())), s.title(short))
		total += ansi.StringWidth(labels[i])
	}
	for i := len(labels) - 1; i >= 0 && total > a.width; i-- {
		if i == a.active {
			continue
		}
		bare := " " + a.c.keys.keyLabel(ActScreenBase+ActionID(a.screens[i].id())) + " "
		total -= ansi.StringWidth(labels[i]) - ansi.StringWidth(bare)
		labels[i] = bare
	}
	return labels
}

func (a *App) tabs() string {
	t := a.c.theme
	var b strings.Builder
	labels := a.tabLabels()
	for i := range a.screens {
		label := labels[i]
		if i == a.active {
			b.WriteString(t.TabActive.UnsetPadding().Render(label))
		} else {
			b.WriteString(t.Tab.UnsetPadding().Render(label))
		}
	}
	return pad(b.String(), a.width)
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
		return "/" + a.filterBuf + "▌  enter keep · esc clear"
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
	if ansi.StringWidth(" "+a.status) <= a.width {
		return []string{a.hints(), a.statusLine()}
	}
	st := a.c.theme.Status
	if a.statusErr {
		st = a.c.theme.StatusError
	}
	wrapped := strings.Split(lipgloss.Wrap(a.status, max(a.width-1, 1), " "), "\n")
	first, rest := wrapped[0], strings.Join(wrapped[1:], " ")
	return []string{st.Render(pad(" "+first, a.width)), st.Render(pad(" "+rest, a.width))}
}

func (a *App) statusLine() string {
	t := a.c.theme
	st := t.Status
	if a.statusErr {
		st = t.StatusError
	}
	return st.Render(pad(" "+a.status, a.width))
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
