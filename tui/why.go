package tui

import (
	"time"

	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// The "why?" view: would this door open for this person, this way, at
// this time — and if not, which rule says no. The answer is the store's
// (store.Decide, the engine the doors use), shown step by step, so what
// the guard reads is what the door would do, not the console's guess.
// The person is assumed to present what they hold: the question is about
// their rights, not about a card at a reader.

type whyDialog struct {
	*form
	p       store.Person
	doors   []store.Door
	door    int
	dir     access.Direction
	at      field // on the site's clock (loc); prefilled with now
	loc     *time.Location
	offline bool
	// The last answer and the question it answers (the fields may have
	// changed since).
	dec     *access.Decision
	asked   string
	pending bool
	steps   scroller // a denial's reason is its last step: shown first
}

func newWhyDialog(s *peopleScreen, p store.Person) *whyDialog {
	d := &whyDialog{p: p, doors: s.doors, dir: access.Entry, loc: s.c.siteZone()}
	d.form = newFootForm(s.c, "Why? "+p.Name+" at a door", 76, "enter checks · tab/↑↓ move · esc closes", d.stops)
	d.labelW = 10
	d.at.set(dateTimeIn(s.c.now(), d.loc))
	return d
}

// stops are the question: enter anywhere asks it (on the door, when
// there are several, it first picks one).
func (d *whyDialog) stops() []fstop {
	t := d.c.theme
	door, doorNote := "-", "space next"
	if len(d.doors) > 0 {
		door = d.doors[d.door].Name
	}
	if len(d.doors) > 1 {
		doorNote = fmt.Sprintf("space next · enter pick of %d", len(d.doors))
	}
	return []fstop{
		{kind: skChoice, step: func(by int) { d.door = (d.door + by + len(d.doors)) % max(len(d.doors), 1) }, pick: d.enterDoor,
			line: func(m string, _ bool, _ int) string {
				return d.label("Door") + m + pad(door, 24) + " " + t.Dim.Render(doorNote)
			}},
		{kind: skChoice, step: func(int) { d.dir = access.Entry + access.Exit - d.dir }, pick: d.check,
			line: func(m string, _ bool, _ int) string {
				return d.label("Way") + m + pad(d.dir.String(), 24) + " " + t.Dim.Render("space: entry/exit")
			}},
		{kind: skText, label: "At", f: &d.at, width: 24, note: siteClockText(d.loc), pick: d.check},
		{kind: skToggle, on: &d.offline, pick: d.check, line: func(m string, _ bool, _ int) string {
			return d.label("Site") + m + checkbox(d.offline) + " offline " + t.Dim.Render("(the server is down)")
		}},
		{kind: skButton, label: "Check", press: d.check},
	}
}

// enterDoor picks the door among several, else asks.
func (d *whyDialog) enterDoor() tea.Cmd {
	if len(d.doors) > 1 {
		return d.pickDoor()
	}
	return d.check()
}

// whyResultMsg is a decision for the dialog that asked.
type whyResultMsg struct {
	to    *whyDialog
	dec   access.Decision
	asked string
	err   error
}

func (d *whyDialog) editing() bool { return false }

func (d *whyDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(whyResultMsg); ok {
		if msg.to != d {
			return nil, false
		}
		d.pending = false
		if msg.err != nil {
			d.err, d.dec = errText(msg.err), nil
			return nil, false
		}
		d.dec, d.asked, d.err = &msg.dec, msg.asked, ""
		d.steps.toEnd = true
		return nil, false
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && (k.String() == "pgup" || k.String() == "pgdown") && d.steps.key(k) {
		return nil, false // ↑/↓ move the focus here
	}
	return d.form.update(msg)
}

// pickDoor chooses the door from a list filtered by typing; the check
// runs on the door picked.
func (d *whyDialog) pickDoor() tea.Cmd {
	items := make([]pickItem, len(d.doors))
	for i, dr := range d.doors {
		note := siteOf(d.c.st, dr.Unit)
		if dr.Lock != 0 {
			note += " · lock " + strconv.Itoa(dr.Lock)
		}
		items[i] = pickItem{label: dr.Name, note: note, slot: i}
	}
	return d.c.open(newPickList(d.c, "Which door?", "", items, func(it pickItem) (tea.Cmd, bool) {
		d.door, d.err = it.slot, ""
		return d.check(), true
	}))
}

// check asks the store for the decision with what the fields say.
func (d *whyDialog) check() tea.Cmd {
	if len(d.doors) == 0 {
		d.err = "no doors in your organization units to ask about"
		return nil
	}
	at, err := parseWhenIn("the time", d.at.String(), d.loc)
	if err != nil {
		d.err = strings.Replace(errText(err), "leave it empty for no end", "leave it empty for now", 1)
		return nil
	}
	if at.IsZero() {
		at = d.c.now()
	}
	c, door := d.c, d.doors[d.door]
	q := store.AccessCheck{Person: d.p.ID, Door: door.ID, Direction: d.dir, At: at, SiteOffline: d.offline}
	asked := fmt.Sprintf("%s · %s · %s", door.Name, d.dir, dateTimeIn(at, d.loc))
	if d.offline {
		asked += " · site offline"
	}
	d.pending = true
	return func() tea.Msg {
		var dec access.Decision
		err := safe(func() (err error) { dec, err = c.st.Decide(c.actor, q); return err })
		return whyResultMsg{to: d, dec: dec, asked: asked, err: err}
	}
}

// fitLines splits wrapped parts into lines and cuts each to w cells.
func fitLines(parts []string, w int) []string {
	var out []string
	for _, p := range parts {
		for _, l := range strings.Split(p, "\n") {
			out = append(out, truncate(l, w))
		}
	}
	return out
}

// stepLines are a decision's steps: pass or fail, the rule, the sentence
// (the pass/fail word reads without colour).
func stepLines(t themeStyles, dec access.Decision, w int) []string {
	var out []string
	for _, st := range dec.Reasons {
		word, style := "pass", t.Good
		if !st.Passed {
			word, style = "FAIL", t.Bad
		}
		head := style.Render(word) + " " + t.Label.Render(fmt.Sprintf("%-12s", st.Rule))
		text := strings.Split(wrap(st.Text, max(w-18, 10)), "\n")
		for i, l := range text {
			if i == 0 {
				out = append(out, head+" "+l)
			} else {
				out = append(out, strings.Repeat(" ", 18)+l)
			}
		}
	}
	return out
}

func (d *whyDialog) view(width, height int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, d.want)
	body := d.body(w, height)
	switch {
	case d.err != "": // the form's foot shows it
	case d.pending && d.dec == nil:
		body = append(body, "", t.Dim.Render("Asking…"))
	case d.dec != nil:
		verdict := t.Bad.Render("DENIED")
		if d.dec.Grant {
			verdict = t.Good.Render("GRANTED")
		}
		body = append(body, "", verdict+"  "+t.Dim.Render(d.asked))
		steps := stepLines(t, *d.dec, w)
		// Frame, title, the fields and the verdict take the rest; a
		// denial's reason is its last step, so the steps open at the end.
		room := max(height-6-len(body), 2)
		if len(steps) > room {
			shown := d.steps.window(steps, w, room-1)
			steps = append([]string{t.Dim.Render(d.steps.where() + " · pgup/pgdn scroll")}, shown...)
		}
		body = append(body, steps...)
	default:
		body = append(body, "", t.Dim.Render(wrap("Enter checks every rule the door applies, in order, as if "+d.p.Name+" presented what they hold.", w)))
	}
	return c.frame(d.title, w, fitLines(body, w)...)
}
