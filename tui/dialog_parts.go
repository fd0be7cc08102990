package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/guardroom/guardroom/store"
)

// Pieces shared by the Door locks and Tags screens and the user details:
// a list to pick one item from, a confirmation that asks for a reason,
// the action flow of a details dialog, and panel users by slot.

// pickItem is one choice of a pickList.
type pickItem struct {
	label string // shown, and what typing filters on
	note  string // dimmed after the label: why it may not be picked, or its state
	// slot and who are the user an item stands for ("panel user 2
	// (Reception)"); id the lock.
	slot int
	who  string
	id   uint64
}

// pickList chooses one item, filtered as the operator types, so that one
// user among a panel's thousand is a few key presses away. Items may
// arrive after the dialog opens (a panel's users are read in a Cmd).
type pickList struct {
	c      *common
	title  string
	intro  string
	items  []pickItem
	loaded bool
	empty  string // shown when there is nothing to pick
	query  field
	shown  []int // indexes of items matching the query
	cursor int
	err    string
	// pick handles the chosen item. It closes the list at once when it
	// only chose something or opened a confirmation; a store operation
	// runs through submitOp instead, whose refusal stays in the list and
	// whose success closes it.
	pick func(it pickItem) (cmd tea.Cmd, close bool)
}

// pickLoadedMsg delivers a pickList's items, addressed to the list that
// asked for them.
type pickLoadedMsg struct {
	to    *pickList
	items []pickItem
	err   error
}

func newPickList(c *common, title, intro string, items []pickItem, pick func(pickItem) (tea.Cmd, bool)) *pickList {
	d := &pickList{c: c, title: title, intro: intro, pick: pick}
	if items != nil {
		d.setItems(items)
	}
	return d
}

// loading returns the Cmd that fills the list with what load reads.
func (d *pickList) loading(load func() ([]pickItem, error)) tea.Cmd {
	return func() tea.Msg {
		var items []pickItem
		err := safe(func() (err error) { items, err = load(); return err })
		return pickLoadedMsg{to: d, items: items, err: err}
	}
}

func (d *pickList) setItems(items []pickItem) {
	d.items, d.loaded = items, true
	d.filter()
}

func (d *pickList) filter() {
	q := strings.ToLower(strings.TrimSpace(d.query.String()))
	d.shown = d.shown[:0]
	for i, it := range d.items {
		if q == "" || strings.Contains(strings.ToLower(it.label), q) {
			d.shown = append(d.shown, i)
		}
	}
	d.cursor = min(d.cursor, max(len(d.shown)-1, 0))
}

func (d *pickList) editing() bool { return false }

func (d *pickList) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case pickLoadedMsg:
		if msg.to == d {
			if msg.err != nil {
				d.err, d.loaded = errText(msg.err), true
			} else {
				d.setItems(msg.items)
			}
		}
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		d.query.paste(msg.Content)
		d.filter()
	case tea.KeyPressMsg:
		n := len(d.shown)
		switch msg.String() {
		case "esc":
			return nil, true
		case "up":
			d.cursor = max(d.cursor-1, 0)
		case "down":
			d.cursor = min(d.cursor+1, max(n-1, 0))
		case "pgup":
			d.cursor = max(d.cursor-10, 0)
		case "pgdown":
			d.cursor = min(d.cursor+10, max(n-1, 0))
		case "enter":
			if d.cursor >= n {
				return nil, false
			}
			d.err = ""
			return d.pick(d.items[d.shown[d.cursor]])
		default:
			if d.query.key(msg) {
				d.err = ""
				d.filter()
			}
		}
	}
	return nil, false
}

func (d *pickList) view(width, height int) string {
	t := d.c.theme
	w := dialogWidth(width, 64)
	var body []string
	if d.intro != "" {
		body = append(body, wrap(d.intro, w), "")
	}
	body = append(body, t.Label.Render("Find ")+d.query.render(w-5, true))
	// Frame, title, the lines above and below the list: the rest is rows.
	room := max(height-10-len(body), 3)
	switch {
	case !d.loaded:
		body = append(body, t.Dim.Render("Loading…"))
	case len(d.items) == 0:
		body = append(body, t.Dim.Render(wrap(d.empty, w)))
	case len(d.shown) == 0:
		body = append(body, t.Dim.Render("nothing matches"))
	default:
		top := max(min(d.cursor-room/2, len(d.shown)-room), 0)
		end := min(len(d.shown), top+room)
		// Labels in a column, the notes after them; the selection spans
		// the label's column.
		lw := 0
		for pos := top; pos < end; pos++ {
			lw = max(lw, ansi.StringWidth(d.items[d.shown[pos]].label))
		}
		lw = min(lw, w-12)
		for pos := top; pos < end; pos++ {
			it := d.items[d.shown[pos]]
			line := "  " + pad(it.label, lw)
			if pos == d.cursor {
				line = t.Selected.Render(t.Marker + " " + pad(it.label, lw))
			}
			if it.note != "" {
				line += "  " + t.Dim.Render(it.note)
			}
			body = append(body, truncate(line, w))
		}
		if len(d.shown) > room {
			body = append(body, t.Dim.Render(fmt.Sprintf("%d of %d · type to narrow", len(d.shown), len(d.items))))
		}
	}
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	body = append(body, "", t.HintKey.Render("enter")+" pick   "+t.HintKey.Render("↑/↓")+" move   "+t.HintKey.Render("esc")+" cancel")
	return d.c.frame(d.title, w, body...)
}

// reasonConfirm asks for a typed reason before an action the store logs
// with one (unlocking a door). Enter never confirms: the operator types
// the reason and presses ctrl+y, so a stray Enter opens no door.
type reasonConfirm struct {
	c       *common
	title   string
	message string
	verb    string
	input   field
	run     func(reason string) tea.Cmd // through submitOp: a refusal stays here
	err     string
	note    string
}

func newReasonConfirm(c *common, title, message, verb string, run func(string) tea.Cmd) *reasonConfirm {
	return &reasonConfirm{c: c, title: title, message: message, verb: verb, run: run}
}

func (d *reasonConfirm) editing() bool { return d.input.len() > 0 }

func (d *reasonConfirm) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, true
	case tea.PasteMsg:
		d.input.paste(msg.Content)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			return nil, true
		case "ctrl+y":
			d.note = ""
			return d.run(d.input.String()), false
		case "enter":
			d.note = "enter does not " + strings.ToLower(d.verb) + ": press ctrl+y"
			return nil, false
		}
		if d.input.key(msg) {
			d.err, d.note = "", ""
		}
	}
	return nil, false
}

func (d *reasonConfirm) view(width, _ int) string {
	t := d.c.theme
	w := dialogWidth(width, 64)
	body := []string{wrap(d.message, w), "", t.Label.Render("Reason (kept in the action log):"), "> " + d.input.render(w-2, true)}
	if d.note != "" {
		body = append(body, t.Warn.Render(wrap(d.note, w)))
	}
	if d.err != "" {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	body = append(body, "", t.HintKey.Render("ctrl+y")+" "+strings.ToLower(d.verb)+"   "+t.HintKey.Render("esc")+" cancel")
	return d.c.frame(d.title, w, body...)
}

// actionFlow lays a details dialog's actions across width: what the
// record's state calls for first (contextual actions only when they can
// run), the others dimmed when they cannot, and then the reasons why, as
// many as room allows.
func actionFlow(c *common, ids []ActionID, avail func(ActionID) error, width, room int) []string {
	t := c.theme
	var order []ActionID
	for _, id := range ids {
		if c.keys.action(id).Contextual && avail(id) == nil {
			order = append(order, id)
		}
	}
	for _, id := range ids {
		if !c.keys.action(id).Contextual {
			order = append(order, id)
		}
	}
	var lines, flow, reasons []string
	used := 0
	for _, id := range order {
		a := c.keys.action(id)
		key := c.keys.keyLabel(id)
		item := t.HintKey.Render(key) + " " + a.Short
		if err := avail(id); err != nil {
			reasons = append(reasons, a.Short+": "+errText(err))
			item = t.HintDisabled.Render(key + " " + a.Short)
		}
		n := len(key) + 1 + len(a.Short) + 3
		if used+n > width && len(flow) > 0 {
			lines = append(lines, strings.Join(flow, " · "))
			flow, used = nil, 0
		}
		flow = append(flow, item)
		used += n
	}
	if len(flow) > 0 {
		lines = append(lines, strings.Join(flow, " · "))
	}
	return append(lines, reasonLines(t, reasons, width, room)...)
}

// reasonLines are the reasons why actions cannot run, each wrapped whole
// under its action's name, in at most room lines. Reasons that do not fit
// are counted on the last line, which says where to read them all (the
// help lists every key with its reason), so none is cut unsaid.
func reasonLines(t themeStyles, reasons []string, width, room int) []string {
	var out []string
	for n, r := range reasons {
		wrapped := strings.Split(wrap(r, max(width-2, 10)), "\n")
		for i := 1; i < len(wrapped); i++ {
			wrapped[i] = "  " + wrapped[i]
		}
		left := len(reasons) - n
		fits := len(out)+len(wrapped) <= room
		if left > 1 {
			fits = len(out)+len(wrapped)+1 <= room // the count of the rest stays
		}
		if !fits {
			if room > len(out) {
				out = append(out, t.Dim.Render(truncate(fmt.Sprintf("… %d more %s: ? on the grid says why each is unavailable", left, plural1(left, "action", "actions")), width)))
			}
			break
		}
		for _, l := range wrapped {
			out = append(out, t.Dim.Render(l))
		}
	}
	return out
}

// plural1 is one or many, without the count.
func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// panelUsers reads the users of slots on one panel: one by one for a few,
// the whole panel at once for many (a lock's 250 users, a site of tags).
func panelUsers(c *common, panel uint64, slots []int) map[int]store.PanelUser {
	out := make(map[int]store.PanelUser, len(slots))
	if len(slots) > 64 {
		users, err := c.st.ListUsers(c.actor, panel)
		if err == nil {
			want := make(map[int]bool, len(slots))
			for _, s := range slots {
				want[s] = true
			}
			for _, u := range users {
				if want[u.Slot] {
					out[u.Slot] = u
				}
			}
			return out
		}
	}
	for _, s := range slots {
		if u, err := c.st.GetUser(c.actor, panel, s); err == nil {
			out[s] = u
		}
	}
	return out
}

// userWho is "panel user 2 (Reception)", as the store's messages say it.
func userWho(slot int, u store.PanelUser, ok bool) string {
	if !ok {
		return fmt.Sprintf("panel user %d", slot)
	}
	return fmt.Sprintf("panel user %d (%s)", slot, u.DisplayLabel())
}

// userItems are a panel's users with a code, as pick items "2 · Reception".
func userItems(users []store.PanelUser, skip func(store.PanelUser) bool) []pickItem {
	var items []pickItem
	for _, u := range users {
		if !u.CodeSet || (skip != nil && skip(u)) {
			continue
		}
		items = append(items, pickItem{label: fmt.Sprintf("%d · %s", u.Slot, u.DisplayLabel()), note: string(u.Role),
			slot: u.Slot, who: userWho(u.Slot, u, true)})
	}
	return items
}
