package tui

// A console session: from a complete login to a log out, a quit, or the
// store's word that the operator must log in again. Each session gets its
// own common (actor) and screens, so nothing of one operator's session is
// left for the next, and an epoch that drops what the last session's Cmds
// bring back after it ended.

import (
	"reflect"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
)

// epochMsg is a Cmd's message marked with the epoch it was started in.
// The epoch moves on at every login, log out and return to the login
// screen; a message from an earlier epoch is dropped, so a slow load of
// one operator's screens never fills the next operator's, and a late
// answer to an abandoned login step cannot complete a login.
type epochMsg struct {
	epoch uint64
	msg   tea.Msg
}

// tuiPkg is this package's path: messages of other packages (Bubble Tea's
// own commands) go back to the runtime.
var tuiPkg = reflect.TypeOf(epochMsg{}).PkgPath()

// stamp marks cmd's message with the current epoch.
func (a *App) stamp(cmd tea.Cmd) tea.Cmd { return stampWith(a.epoch, cmd) }

func stampWith(e uint64, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		if msg == nil {
			return nil
		}
		return epochMsg{e, msg}
	}
}

// unstamp opens an epochMsg. It returns the message to handle, or a Cmd
// to hand back to the runtime (a batch, a quit) and false.
func (a *App) unstamp(m epochMsg) (tea.Msg, tea.Cmd, bool) {
	switch inner := m.msg.(type) {
	case tickMsg, storeChangedMsg:
		// The clock and the live updates belong to no session.
		return inner, nil, true
	case tea.BatchMsg:
		// Each Cmd keeps the batch's epoch: a stale batch's loads are
		// dropped when they come back, its clock and live updates not.
		cmds := make([]tea.Cmd, len(inner))
		for i, c := range inner {
			cmds[i] = stampWith(m.epoch, c)
		}
		return nil, tea.Batch(cmds...), false
	}
	if m.epoch != a.epoch {
		return nil, nil, false
	}
	if t := reflect.TypeOf(m.msg); t.PkgPath() != tuiPkg {
		inner := m.msg
		return nil, func() tea.Msg { return inner }, false
	}
	return m.msg, nil, true
}

// inSession reports whether an operator is logged in (the shell is up).
func (a *App) inSession() bool { return a.login == nil && a.c.actor.Name() != "" }

// newCommon is a common for actor, with the console's theme, keys, clock.
func (a *App) newCommon(actor store.Actor) *common {
	return &common{st: a.c.st, actor: actor, theme: a.c.theme, keys: a.c.keys, now: a.c.now}
}

// openShell builds the shell for actor: fresh screens, no dialogs.
func (a *App) openShell(actor store.Actor) {
	a.epoch++
	a.c = a.newCommon(actor)
	a.login = nil
	a.screens = newScreens(a.c)
	a.stale = make([]bool, len(a.screens))
	a.active, a.modals, a.filtering, a.filterBuf = 0, nil, false, field{}
	a.resize()
	a.sync, a.locks, a.notices = store.SyncCounts{}, store.LockAlerts{}, nil
	a.backup, a.alarms = store.BackupState{}, alarmBanner{}
	a.status, a.statusErr, a.note = "", false, ""
	if a.opts.OnSession != nil {
		a.opts.OnSession(actor)
	}
	if actor.Name() == "" {
		return
	}
	if a.c.readOnly() {
		a.note = "read-only: your role can view but not change anything"
	}
	if u := actor.Until(); !u.IsZero() {
		a.note = joinStatus(a.note, "your access, or one of your roles, ends at "+timeText(u.Local(), timeDay))
	}
}

func joinStatus(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// sessionCmds are the first loads of a session, its start in the action
// log when logged, and the security notices (shown when there are any).
func (a *App) sessionCmds(logged bool) tea.Cmd {
	for i := range a.screens {
		a.stale[i] = i != a.active
	}
	cmds := []tea.Cmd{a.loadSync(), a.loadAlerts(), a.loadBackup(), a.loadZone(), a.loadAlarmBanner(), a.cur().load(), a.c.loadNotices(true)}
	if logged {
		a.sessionLogged = true
		cmds = append(cmds, a.recordSession(a.c.actor, "console.start", ""))
	}
	return tea.Batch(cmds...)
}

// startSession opens the shell after a login the console completed.
func (a *App) startSession(actor store.Actor) tea.Cmd {
	a.first = "" // used: admin has chosen a password, or another operator exists
	a.openShell(actor)
	return a.sessionCmds(true)
}

// endSession closes the session and goes back to the login screen with a
// note (logged out, or why the session ended).
func (a *App) endSession(note string, bad bool, how string) tea.Cmd {
	a.endReason = ""
	if bad {
		a.endReason = how
	}
	var cmd tea.Cmd
	if a.sessionLogged {
		a.sessionLogged = false
		cmd = a.recordSession(a.c.actor, "console.end", how)
	}
	a.openShell(store.Actor{}) // screens without an operator: nothing to show
	if a.opts.Via == "ssh" {
		// Over SSH the key was the login: there is no password screen to
		// go back to, so the session ends.
		return tea.Sequence(cmd, tea.Quit)
	}
	a.login = newLogin(a.c, a.opts)
	a.login.first = a.first // the name and password start empty
	a.login.note, a.login.noteBad = note, bad
	return cmd
}

// recordSession logs a session's start or end. The end of a session the
// store refused is logged too: the log says how it ended.
func (a *App) recordSession(actor store.Actor, action, how string) tea.Cmd {
	st, detail := a.c.st, a.sessionDetail(how)
	return func() tea.Msg {
		if err := safe(func() error { return st.RecordSession(actor, action, detail) }); err != nil {
			return opDoneMsg{err: err}
		}
		return nil
	}
}

func (a *App) sessionDetail(how string) map[string]string {
	from := a.opts.Addr
	if from == "" {
		from = "this computer"
	}
	d := map[string]string{"via": a.opts.Via, "from": from}
	if how != "" {
		d["end"] = how
	}
	return d
}

// checkSession asks the store whether the session still holds (an access
// that expired, a suspension, an administrator's change end it) and, when
// it does not, goes back to the login screen with the store's reason. A
// refusal that came with msg (a lockout after wrong passwords) is the
// reason shown, when there is one.
func (a *App) checkSession(msg tea.Msg) tea.Cmd {
	if !a.inSession() {
		return nil
	}
	err := a.c.actor.Need(0)
	if err == nil {
		return nil
	}
	note := errText(err)
	if e := msgErr(msg); e != nil && store.IsRefusal(e) {
		note = errText(e)
	}
	how := a.c.actor.EndReason() // suspended, access ended, changed
	if how == "" {
		how = "session refused"
	}
	return a.endSession("Your session ended: "+note, true, how)
}

// EndReason is why the store ended the last session ("suspended",
// "access ended", "changed"), or "" when the operator ended it (quit, log
// out). An SSH session ends with the console: its end is logged with this
// reason rather than as a quit.
func (a *App) EndReason() string { return a.endReason }

// msgErr is the error a store operation's message carries, if any.
func msgErr(msg tea.Msg) error {
	switch m := msg.(type) {
	case opDoneMsg:
		return m.err
	case promptErrMsg:
		return m.err
	}
	return nil
}

// noticeCount is the header's word on unread security notices.
func (a *App) noticeCount(short bool) string {
	n := len(a.notices)
	switch {
	case n == 0:
		return ""
	case short:
		return plural(n, "notice", "notices")
	}
	return plural(n, "security notice", "security notices") + " (" + a.c.keys.keyLabel(ActNotices) + ")"
}
