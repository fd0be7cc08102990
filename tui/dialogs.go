package tui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/tui/grid"
)

// frame draws a dialog box of the given inner width.
func (c *common) frame(title string, width int, body ...string) string {
	lines := []string{c.theme.ModalTitle.Render(title), ""}
	for _, b := range body {
		lines = append(lines, strings.Split(b, "\n")...)
	}
	for i, l := range lines {
		lines[i] = pad(l, width)
	}
	return c.theme.Modal.Render(strings.Join(lines, "\n"))
}

func dialogWidth(screenWidth, want int) int { return max(min(want, screenWidth-6), 20) }

// wrap breaks text to width for dialogs.
func wrap(s string, width int) string { return lipgloss.Wrap(s, width, " ") }

// confirm asks before a destructive action. Enter never confirms: the
// operator presses the confirm key (y), or, for the most dangerous actions,
// types the name of what goes and then presses ctrl+y.
type confirm struct {
	c       *common
	title   string
	message string
	verb    string // "Disable", "Remove"
	keep    string // what not confirming does; "cancel" by default
	typed   string // when set, the operator must type this exactly
	input   field
	run     func() tea.Cmd
	err     string
}

func newConfirm(c *common, title, message, verb string, run func() tea.Cmd) *confirm {
	return &confirm{c: c, title: title, message: message, verb: verb, run: run}
}

// requireTyped makes the operator type text (e.g. the account's email).
func (d *confirm) requireTyped(text string) *confirm { d.typed = text; return d }

// keepLabel names what not confirming does, where "cancel" would be read
// the wrong way round ("cancel job?  n/esc/enter keep it").
func (d *confirm) keepLabel(text string) *confirm { d.keep = text; return d }

func (d *confirm) editing() bool { return d.typed != "" && d.input.len() > 0 }

func (d *confirm) update(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if p, ok := msg.(tea.PasteMsg); ok && d.typed != "" {
			d.input.paste(p.Content)
		}
		return nil, false
	}
	switch k.String() {
	case "esc", "enter":
		return nil, true
	case "n":
		if d.typed == "" {
			return nil, true
		}
	case "y":
		if d.typed == "" {
			return d.run(), true
		}
	case "ctrl+y":
		if d.typed == "" || d.input.String() == d.typed {
			return d.run(), true
		}
		d.err = "type " + d.typed + " exactly to confirm"
		return nil, false
	}
	if d.typed != "" {
		d.input.key(k)
	}
	return nil, false
}

func (d *confirm) view(width, _ int) string {
	w := dialogWidth(width, 64)
	t := d.c.theme
	body := []string{wrap(d.message, w), ""}
	keep := d.keep
	if keep == "" {
		keep = "cancel"
	}
	if d.typed != "" {
		body = append(body, "Type "+t.Danger.Render(d.typed)+" to confirm:", "> "+d.input.render(w-2, true), "")
		body = append(body, t.HintKey.Render("ctrl+y")+" "+strings.ToLower(d.verb)+"   "+t.HintKey.Render("esc")+" "+keep)
	} else {
		body = append(body, t.HintKey.Render("y")+" "+strings.ToLower(d.verb)+"   "+t.HintKey.Render("n/esc/enter")+" "+keep)
	}
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	return d.c.frame(d.title, w, body...)
}

// prompt asks for one line of text (a label, an email, a one-time code).
type prompt struct {
	c      *common
	title  string
	label  string
	input  field
	submit func(value string) tea.Cmd
	// instant, when set, replaces submit for work done on the spot (no
	// store call): nil closes the prompt at once, an error stays in it.
	instant func(value string) error
	err     string
	note    string
	verb    string // what enter does, in the hint; "save" when empty
}

func newPrompt(c *common, title, label, initial string, submit func(string) tea.Cmd) *prompt {
	p := &prompt{c: c, title: title, label: label, submit: submit}
	p.input.set(initial)
	return p
}

func (p *prompt) editing() bool { return true }

// promptErrMsg puts a refusal back into the open prompt instead of closing it.
type promptErrMsg struct{ err error }

func (p *prompt) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promptErrMsg:
		p.err = errText(msg.err)
		return nil, false
	case tea.PasteMsg:
		p.input.paste(msg.Content)
		return nil, false
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			p.input.clear()
			return nil, true
		case "enter":
			v := p.input.String()
			if p.instant != nil {
				if err := p.instant(v); err != nil {
					p.err = err.Error()
					return nil, false
				}
				return nil, true
			}
			if p.input.mask {
				p.input.clear()
			}
			return p.submit(v), false
		}
		p.input.key(msg)
		p.err = ""
	case closeDialogMsg:
		return nil, true
	}
	return nil, false
}

func (p *prompt) view(width, _ int) string {
	w := dialogWidth(width, 60)
	t := p.c.theme
	body := []string{t.Label.Render(p.label), "> " + p.input.render(w-2, true)}
	if p.note != "" {
		body = append(body, t.Dim.Render(wrap(p.note, w)))
	}
	if p.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(p.err, w)))
	}
	verb := p.verb
	if verb == "" {
		verb = "save"
	}
	body = append(body, "", t.HintKey.Render("enter")+" "+verb+"   "+t.HintKey.Render("esc")+" cancel")
	return p.c.frame(p.title, w, body...)
}

// closeDialogMsg closes the top dialog after its operation succeeded.
type closeDialogMsg struct{}

// submitOp runs a store operation for a dialog: success closes the dialog
// and reports ok; a refusal stays in the dialog so nothing typed is lost.
func (c *common) submitOp(ok string, fn func() error) tea.Cmd {
	return func() tea.Msg {
		if err := safe(fn); err != nil {
			return promptErrMsg{err}
		}
		return tea.BatchMsg{func() tea.Msg { return closeDialogMsg{} }, func() tea.Msg { return opDoneMsg{ok: ok} }}
	}
}

// help lists every action of the screen with its keys, and for the ones
// that cannot run now, the store's reason.
type help struct {
	c   *common
	scr screen
	sc  scroller
}

func newHelp(c *common, s screen) *help { return &help{c: c, scr: s} }

func (h *help) editing() bool { return false }

func (h *help) update(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	// The help has no other keys: j, k and space scroll too.
	if alias, ok := map[string]rune{"j": tea.KeyDown, "k": tea.KeyUp, "space": tea.KeyPgDown}[k.String()]; ok {
		k = tea.KeyPressMsg{Code: alias}
	}
	return nil, !h.sc.key(k)
}

// lines are the help's lines at width: each action's keys, then what it
// does or, when it cannot run now, why; long texts wrap under their
// column, so no reason is cut.
func (h *help) lines(width int) []string {
	t := h.c.theme
	var out []string
	keyCol := 18
	if width >= 100 { // room for the ID that [keys] in the config remaps
		keyCol = 43
	}
	indent := strings.Repeat(" ", keyCol+1)
	textW := max(width-keyCol-1, 10)
	section := func(title string, ids []ActionID) {
		out = append(out, "", t.ModalTitle.Render(title))
		for _, id := range ids {
			a := h.c.keys.action(id)
			keys := strings.Join(a.Keys, ", ")
			if keyCol > 18 {
				keys = fmt.Sprintf("%-18s %-24s", keys, a.ID)
			}
			keys = fmt.Sprintf("%-*s ", keyCol, keys)
			text, style, keyStyle := a.Long, t.Cell, t.Cell
			var err error
			switch {
			case id == ActCopy:
				_, err = clipOf(h.scr)
			case a.Scope != "" && !isDialogScope(a.Scope):
				err = h.scr.available(id)
			}
			if err != nil {
				text, style, keyStyle = a.Short+" — unavailable: "+errText(err), t.Dim, t.HintDisabled
			}
			for i, l := range strings.Split(wrap(text, textW), "\n") {
				if i == 0 {
					out = append(out, keyStyle.Render(keys)+style.Render(l))
				} else {
					out = append(out, indent+style.Render(l))
				}
			}
		}
	}
	section(h.scr.title(false)+" actions", append([]ActionID{ActOpen}, h.scr.actions()...))
	var inDialogs []ActionID
	for _, id := range h.scr.actions() {
		inDialogs = append(inDialogs, dialogActions[id]...)
	}
	if len(inDialogs) > 0 {
		section("In their dialogs", inDialogs)
	}
	var nav, global []ActionID
	for _, a := range registry {
		switch {
		case strings.HasPrefix(string(a.ID), "grid."):
			nav = append(nav, a.ID)
		case a.Scope == "" && a.ID != ActOpen && h.c.hasTab(a.ID):
			global = append(global, a.ID)
		}
	}
	section("Moving in the grid", nav)
	section("Everywhere", global)
	return out[1:]
}

func (h *help) view(width, height int) string {
	w := dialogWidth(width, 100)
	lines := h.lines(w)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…") // a word longer than the line
	}
	// The box and its blank margin leave the header's first line, the
	// hints and the status line uncovered.
	room := max(height-9, 3)
	shown := h.sc.window(lines, w, room)
	title := "Keys — any other key closes"
	if len(lines) > room {
		title = "Keys — " + h.sc.where() + ", ↑/↓ pgup/pgdn scroll, any other key closes"
	}
	return h.c.frame(title, w, strings.Join(shown, "\n"))
}

// paletteCommand is what the command line resolved to.
type paletteCommand struct {
	screen screenID
	panel  uint64
	action ActionID
	row    int
}

// palette is the ":" command line: "users 3", "log", an action ID such as
// "user.code", or a number to jump to that row.
type palette struct {
	c       *common
	input   field
	screens []screen
	run     func(paletteCommand) tea.Cmd
	err     string
}

func newPalette(c *common, screens []screen, run func(paletteCommand) tea.Cmd) *palette {
	return &palette{c: c, screens: screens, run: run}
}

func (p *palette) editing() bool { return false }

func (p *palette) candidates() []string {
	var out []string
	for _, s := range p.screens {
		out = append(out, string(s.id()))
	}
	for _, a := range registry {
		if p.c.hasTab(a.ID) {
			out = append(out, string(a.ID))
		}
	}
	// The first word is what is being completed; nothing typed yet (or
	// only spaces) matches every candidate.
	q := ""
	if words := strings.Fields(p.input.String()); len(words) > 0 {
		q = strings.ToLower(words[0])
	}
	var hits []string
	for _, c := range out {
		if strings.Contains(c, q) {
			hits = append(hits, c)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return strings.HasPrefix(hits[i], q) && !strings.HasPrefix(hits[j], q) })
	return hits
}

func (p *palette) parse() (paletteCommand, error) {
	words := strings.Fields(p.input.String())
	if len(words) == 0 {
		return paletteCommand{}, fmt.Errorf("type a screen, an action or a number")
	}
	if n, err := strconv.Atoi(words[0]); err == nil {
		return paletteCommand{row: n}, nil
	}
	name := strings.ToLower(words[0])
	for _, s := range p.screens {
		if string(s.id()) == name || strings.EqualFold(s.title(false), name) {
			cmd := paletteCommand{screen: s.id()}
			if len(words) > 1 {
				n, err := strconv.ParseUint(words[1], 10, 64)
				if err != nil {
					return cmd, fmt.Errorf("%q is not a panel number", words[1])
				}
				cmd.panel = n
			}
			return cmd, nil
		}
	}
	if _, ok := p.c.keys.actions[ActionID(name)]; ok {
		return paletteCommand{action: ActionID(name)}, nil
	}
	if c := p.candidates(); len(c) > 0 {
		p.input.set(c[0] + strings.TrimPrefix(p.input.String(), words[0]))
		return p.parse()
	}
	return paletteCommand{}, fmt.Errorf("no screen or action %q", words[0])
}

func (p *palette) update(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch k.String() {
	case "esc":
		return nil, true
	case "enter":
		cmd, err := p.parse()
		if err != nil {
			p.err = err.Error()
			return nil, false
		}
		return p.run(cmd), true
	case "tab":
		if c := p.candidates(); len(c) > 0 {
			p.input.set(c[0] + " ")
		}
		return nil, false
	}
	p.input.key(k)
	p.err = ""
	return nil, false
}

func (p *palette) view(width, _ int) string {
	w := dialogWidth(width, 60)
	t := p.c.theme
	c := p.candidates()
	if len(c) > 6 {
		c = c[:6]
	}
	body := []string{": " + p.input.render(w-2, true), t.Dim.Render(strings.Join(c, "  "))}
	if p.err != "" {
		body = append(body, t.StatusError.Render(p.err))
	}
	body = append(body, "", t.Dim.Render("users 3 · log · user.code · 42 (go to row) · tab completes"))
	return p.c.frame("Command", w, body...)
}

// jump asks for a row number (slot, partition, sequence).
func newJump(c *common, g *grid.Model) modal {
	p := newPrompt(c, "Go to", "Number (slot, partition or log sequence):", "", nil)
	p.input.accept = digitsOnly
	p.instant = func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || !jumpTo(g, n) {
			return fmt.Errorf("no row number %q here", v)
		}
		return nil
	}
	return p
}

// jumpTo selects the row whose "no" field is n.
func jumpTo(g *grid.Model, n int) bool {
	want := strconv.Itoa(n)
	src := g.Source()
	return g.SelectWhere(func(i int) bool { return src.Field(i, "no") == want })
}

// quitConfirm asks before quitting while an edit is open.
type quitConfirm struct{ c *common }

func newQuitConfirm(c *common) *quitConfirm { return &quitConfirm{c: c} }

func (q *quitConfirm) editing() bool { return true }

func (q *quitConfirm) update(msg tea.Msg) (tea.Cmd, bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if k.String() == "y" {
			return tea.Quit, true
		}
		return nil, true
	}
	return nil, false
}

func (q *quitConfirm) view(width, _ int) string {
	t := q.c.theme
	return q.c.frame("Quit guardroom?", dialogWidth(width, 46), "An edit is open; what you typed is lost.", "", t.HintKey.Render("y")+" quit   "+t.HintKey.Render("any other key")+" keep editing")
}
