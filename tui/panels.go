package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/plain"
	"github.com/guardroom/guardroom/tui/grid"
)

// panelsScreen lists the site's panels with how each is reached and what
// waits for it; Enter opens a panel's users, i its details.
type panelsScreen struct {
	c     *common
	g     grid.Model
	rows  []panelRow
	err   error
	order loadOrder
}

// panelRow is one panel with what the Panels grid shows beside it.
type panelRow struct {
	p      store.Panel
	site   string
	counts store.SyncCounts // this panel's outbox and drift
}

// At 80 columns the grid keeps what a guard checks at a glance (is it
// reachable, is anything stuck, why); type, codes, site and IMEI come
// back on wider terminals and are all in the details (i).
var panelCols = []grid.Column{
	{Title: "№", Key: "no", Width: 3, Align: grid.Right},
	{Title: "Name", Key: "name", MinWidth: 12},
	{Title: "Type", Key: "type", Width: 11, HideBelow: 100},
	{Title: "IMEI", Key: "imei", Width: 15, HideBelow: 140},
	{Title: "Site", Key: "site", MinWidth: 8, HideBelow: 120},
	{Title: "Parts", Key: "partitions", Width: 5, Align: grid.Right, HideBelow: 120},
	{Title: "Codes", Key: "users", Width: 8, Align: grid.Right, HideBelow: 100},
	{Title: "Connection", Key: "connection", Width: 19},
	{Title: "Driver", Key: "driver", Width: 6},
	{Title: "Queue", Key: "queue", MinWidth: 20}, // "280 pending, 1 failed"
	{Title: "Last error", Key: "error", MinWidth: 10},
}

// Panels grid column indexes that carry a tone.
const (
	panelConnCol  = 7
	panelQueueCol = 9
	panelErrCol   = 10
)

func newPanelsScreen(c *common) *panelsScreen {
	return &panelsScreen{c: c, g: newGrid(c, panelCols)}
}

type panelsLoadedMsg struct {
	n    uint64 // the load's number (loadOrder)
	rows []panelRow
	err  error
}

func (s *panelsScreen) id() screenID { return scrPanels }
func (s *panelsScreen) title(bool) string {
	return "Panels"
}

// load reads the panels and each one's queue counts (a handful of panels:
// one count per panel is cheap next to the list).
func (s *panelsScreen) load() tea.Cmd {
	c, n := s.c, s.order.next()
	return func() tea.Msg {
		var rows []panelRow
		err := safe(func() error {
			panels, err := c.st.ListPanels(c.actor)
			if err != nil {
				return err
			}
			rows = make([]panelRow, len(panels))
			for i, p := range panels {
				rows[i] = panelRow{p: p, site: siteOf(c.st, p.Unit)}
				rows[i].counts, _ = c.st.SyncCounts(c.actor, p.ID)
			}
			return nil
		})
		return panelsLoadedMsg{n: n, rows: rows, err: err}
	}
}

// panelCells is the pure row renderer of the Panels grid.
func panelCells(r panelRow, now time.Time) []string {
	p := r.p
	lastErr := whatWentWrong(p.Conn.LastError)
	if lastErr == "" {
		lastErr = whatWentWrong(p.Conn.Warning)
	}
	if lastErr == "" {
		lastErr = "-"
	}
	driver := p.Driver
	if driver == "" {
		driver = "-"
	}
	return []string{
		strconv.FormatUint(p.ID, 10), p.Name, string(p.Spec().Type), p.IMEI, r.site,
		strconv.Itoa(p.Partitions()), fmt.Sprintf("%d/%d", p.CodesSet, p.Slots),
		connText(p, now), driver, queueText(r.counts), lastErr,
	}
}

func panelTones(r panelRow) []grid.Tone {
	tones := make([]grid.Tone, len(panelCols))
	tones[panelConnCol] = connTone(r.p)
	tones[panelQueueCol] = queueTone(r.counts)
	if r.p.Conn.LastError != "" || r.p.Conn.Warning != "" {
		tones[panelErrCol] = grid.ToneWarn
	}
	return tones
}

// siteOf is the unit path below the organization: "Harbour Campus / North Tower".
func siteOf(st *store.Store, unit uint64) string {
	path := st.UnitPath(unit)
	if _, rest, ok := strings.Cut(path, " / "); ok {
		return rest
	}
	return path
}

func (s *panelsScreen) update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(panelsLoadedMsg); ok && s.order.fresh(m.n) {
		s.err = m.err
		if m.err != nil {
			return nil
		}
		s.rows = m.rows
		now := s.c.now()
		cells := make([][]string, len(m.rows))
		tones := make([][]grid.Tone, len(m.rows))
		for i, r := range m.rows {
			cells[i], tones[i] = panelCells(r, now), panelTones(r)
		}
		src := newTableSource(panelCols, cells)
		src.tones = tones
		s.g.SetSource(src)
	}
	return nil
}

func (s *panelsScreen) selected() (panelRow, bool) {
	i, ok := s.g.Selected()
	if !ok || i >= len(s.rows) {
		return panelRow{}, false
	}
	return s.rows[i], true
}

func (s *panelsScreen) row(id uint64) (panelRow, bool) {
	return rowWith(s.rows, func(r panelRow) uint64 { return r.p.ID }, id)
}

// rowWith finds the loaded row whose key is k. Details dialogs keep a key,
// not a row, so after a reload they show the row as it is now (or close
// when it is gone).
func rowWith[R any, K comparable](rows []R, key func(R) K, k K) (R, bool) {
	for _, r := range rows {
		if key(r) == k {
			return r, true
		}
	}
	var none R
	return none, false
}

func (s *panelsScreen) view(w, h int) string {
	if s.err != nil {
		return " " + errText(s.err)
	}
	if len(s.rows) == 0 {
		return " No panels yet. Add one with: guardroom panel add --help"
	}
	return s.g.View()
}

func (s *panelsScreen) actions() []ActionID { return []ActionID{ActPanelDetails} }

func (s *panelsScreen) available(id ActionID) error {
	if _, ok := s.selected(); !ok {
		return notNowf("no panel selected")
	}
	return nil
}

func (s *panelsScreen) run(id ActionID) tea.Cmd {
	p, ok := s.selected()
	if !ok {
		return nil
	}
	switch id {
	case ActOpen:
		return showUsers(p.p.ID)
	case ActPanelDetails:
		return s.c.open(&panelDetails{s: s, id: p.p.ID})
	}
	return nil
}

func showUsers(panel uint64) tea.Cmd {
	return func() tea.Msg { return showPanelMsg{screen: scrUsers, panel: panel} }
}

// relevant: the panels themselves, and what their queue and drift counts
// follow (jobs, users).
func (s *panelsScreen) relevant(ch []store.Change) bool {
	for _, c := range ch {
		switch c.What {
		case store.ChangePanel, store.ChangeAll, store.ChangeUnit, store.ChangeJob, store.ChangeUser:
			return true
		}
	}
	return false
}

// panelDetails is everything about how a panel is reached: driver,
// address, options, transport, the connection and its last error in
// full, what waits for it and what drifts.
type panelDetails struct {
	s  *panelsScreen
	id uint64
}

func (d *panelDetails) editing() bool { return false }

func (d *panelDetails) update(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch k.String() {
	case "enter":
		return showUsers(d.id), true
	case "esc", "q", "i":
		return nil, true
	}
	return nil, false
}

func (d *panelDetails) view(width, _ int) string {
	c := d.s.c
	t := c.theme
	w := dialogWidth(width, 72)
	r, ok := d.s.row(d.id)
	if !ok {
		return c.frame(fmt.Sprintf("Panel %d", d.id), w, "This panel is no longer shown.")
	}
	p, conn, now := r.p, r.p.Conn, c.now()
	const labelW = 12
	var lines []string
	add := func(k, v string, tone grid.Tone) {
		for i, l := range strings.Split(wrap(plain.Styled(v), w-labelW), "\n") {
			if i > 0 {
				k = ""
			}
			lines = append(lines, t.Label.Render(fmt.Sprintf("%-*s", labelW, k))+toneStyle(t, tone, l))
		}
	}
	orDash := func(v string) string {
		if v == "" {
			return "-"
		}
		return v
	}
	add("Driver", orDash(p.Driver), grid.ToneNone)
	add("Address", orDash(p.Address), grid.ToneNone)
	add("Options", optionsText(p.Options), grid.ToneNone)
	add("Transport", orDash(conn.Transport), grid.ToneNone)
	state := connText(p, now)
	seen := "never"
	if !conn.LastSeen.IsZero() {
		seen = clockOrDate(conn.LastSeen, now)
	}
	switch {
	case p.KeypadOnly():
		state = "none: programmed by hand at the keypad"
	case conn.Since.IsZero():
		state += ": no driver has reported on it yet"
	case conn.Online, conn.Misconfigured:
		state += " since " + clockOrDate(conn.Since, now) + " · last seen " + seen
	default:
		state += " · last seen " + seen
	}
	add("Connection", state, connTone(p))
	errTone := grid.ToneNone
	if conn.LastError != "" {
		errTone = grid.ToneWarn
	}
	add("Last error", orDash(conn.LastError), errTone)
	if conn.Warning != "" {
		add("Warning", conn.Warning, grid.ToneWarn)
	}
	q := r.counts
	add("Queue", fmt.Sprintf("%d failed · %d at the keypad · %d pending", q.Failed, q.Keypad, q.Pending), queueTone(q))
	driftTone := grid.ToneNone
	if q.Drift > 0 {
		driftTone = grid.ToneBad
	}
	add("Drift", fmt.Sprintf("%d users differ from the panel", q.Drift), driftTone)
	lines = append(lines, "")
	model := p.Spec().Model
	if !strings.Contains(model, string(p.Spec().Type)) {
		model += " (" + string(p.Spec().Type) + ")"
	}
	add("Panel", model+" · IMEI "+p.IMEI, grid.ToneNone)
	add("Site", r.site, grid.ToneNone)
	add("Codes", fmt.Sprintf("%d of %d slots · %d partitions", p.CodesSet, p.Slots, p.Partitions()), grid.ToneNone)
	lines = append(lines, "", t.HintKey.Render("enter")+" users   "+t.HintKey.Render("esc")+" close")
	return c.frame(fmt.Sprintf("%s — panel %d", p.Name, p.ID), w, lines...)
}

// optionsText is a driver's options as "key=value", sorted.
func optionsText(o map[string]string) string {
	if len(o) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + o[k]
	}
	return strings.Join(parts, " ")
}

func (s *panelsScreen) crumbs() []string   { return []string{"Panels"} }
func (s *panelsScreen) table() *grid.Model { return &s.g }
func (s *panelsScreen) footer() string {
	return gridFooter(&s.g, "enter users · "+s.c.keys.keyLabel(ActPanelDetails)+" details")
}

func itoa(n int) string { return strconv.Itoa(n) }
