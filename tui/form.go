package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// The one form engine of the console. A form is a column of stops (text
// fields, checkboxes, choices, buttons) between lines that take no focus;
// the engine moves the focus, hands keys to the stop under it, validates
// text as the operator leaves it and draws the column in a window that
// keeps the focus in sight. Each form says only what its stops are and
// what saving does. The keys are the same everywhere: tab, shift+tab and
// the arrows move; space toggles, cycles (or opens the picker of a choice
// with nothing to cycle) or types a space; ←/→ cycle a choice (and move
// the cursor in text); enter presses a button, opens a stop's picker or
// moves on; esc cancels.

type stopKind int

const (
	skHead   stopKind = iota // a section heading, not focusable
	skLine                   // a line of text, not focusable; "" is a blank line
	skText                   // a one-line text field
	skToggle                 // a checkbox
	skChoice                 // one of a few options; enter may open a picker
	skButton
)

// widthFill is a text field as wide as its row.
const widthFill = 1 << 10

// fstop is one line of a form. The pointers are into the form's own
// state, so the stops can be rebuilt on every key (a door rule added, a
// section turned on) without losing anything typed.
type fstop struct {
	kind  stopKind
	label string
	f     *field
	width int // a text field's width at most (widthFill: the row); 0: the form's own
	// check validates a text field as the operator leaves it and on save;
	// its error is shown under the field and the text stays.
	check func(string) error
	on    *bool
	flip  func() // a toggle that is more than one bool (select all)
	opts  []string
	idx   *int
	step  func(by int)   // a choice that is more than an index into opts
	pick  func() tea.Cmd // enter: a picker, a prompt, or the form's own answer
	press func() tea.Cmd // a button
	note  string
	// keys, when set, takes the keys it wants before the form does (a
	// list of suggestions takes ↑/↓ and enter); it reports whether it took
	// the key.
	keys func(msg tea.KeyPressMsg) (tea.Cmd, bool)
	// line draws the stop its own way: mark is the focus mark, w the
	// form's width; a line with line breaks is several.
	line func(mark string, on bool, w int) string
}

// form runs a form of stops. A dialog embeds it and gives it the stops;
// its editing() (asked before a stray esc loses what was typed) is the
// form's dirty flag unless the dialog says better.
type form struct {
	c     *common
	title string
	want  int // the width it asks for
	build func() []fstop
	focus int // among the stops that take the focus
	err   string
	ferr  map[*field]string
	dirty bool
	// labelW is the width of the label column.
	labelW int
	// hint is the line of keys under the stops.
	hint string
	// enterToggles: enter flips a checkbox (the Access tab's forms);
	// otherwise it moves on, as on a text field.
	enterToggles bool
	// footButton: the last stop, a button, stands in the foot before the
	// hint rather than at the end of the column.
	footButton bool
	// extra, when set, are lines under the hint that stay while they hold
	// (a warning about what saving does).
	extra func(w int) []string
	// closing, when set, runs as the form closes (secrets are wiped).
	closing func()
	// after, when set, runs after a key changed a stop (a preview asked
	// again); touched says a change is pending.
	after   func() tea.Cmd
	touched bool
}

// newForm is a form in the Access tab's layout: a 16-cell label column,
// the Save button as the last stop of the column.
func newForm(c *common, title string, build func() []fstop) *form {
	return &form{c: c, title: title, want: 72, build: build, ferr: map[*field]string{}, labelW: 16, enterToggles: true,
		hint: "tab/↑↓ move · space toggles or cycles · enter on Save saves · esc cancel"}
}

// newFootForm is a form whose button stands in the foot beside the hint:
// the operator, role and person forms' layout.
func newFootForm(c *common, title string, want int, hint string, build func() []fstop) *form {
	return &form{c: c, title: title, want: want, build: build, ferr: map[*field]string{}, labelW: 13, footButton: true, hint: hint}
}

func (d *form) editing() bool { return d.dirty }

// focusable are the indexes of the stops that take the focus.
func focusable(st []fstop) []int {
	var out []int
	for i, s := range st {
		if s.kind != skHead && s.kind != skLine {
			out = append(out, i)
		}
	}
	return out
}

// cur is the stop under the focus, first pulling the focus back onto the
// last stop when the form has shrunk (a list emptied, a section off).
func (d *form) cur(st []fstop) *fstop {
	fs := focusable(st)
	if len(fs) == 0 {
		return nil
	}
	d.focus = min(max(d.focus, 0), len(fs)-1)
	return &st[fs[d.focus]]
}

// focusOn puts the focus on the stop of field f.
func (d *form) focusOn(f *field) {
	st := d.build()
	for n, i := range focusable(st) {
		if st[i].f == f {
			d.focus = n
		}
	}
}

// leave validates the text field the focus leaves.
func (d *form) leave(s *fstop) {
	if s == nil || s.kind != skText || s.check == nil {
		return
	}
	if err := s.check(s.f.String()); err != nil {
		// A parse error says what is wrong with the text: no "failed:".
		d.ferr[s.f] = err.Error()
	} else {
		delete(d.ferr, s.f)
	}
}

// valid checks every text field before a save, and says which is wrong.
func (d *form) valid() bool {
	st := d.build()
	for i := range st {
		d.leave(&st[i])
	}
	for i, s := range st {
		if s.kind == skText && d.ferr[s.f] != "" {
			d.err = strings.TrimSpace(s.label) + ": " + d.ferr[s.f]
			if fs := focusable(st); slices.Contains(fs, i) {
				d.focus = slices.Index(fs, i)
			}
			return false
		}
	}
	return true
}

func (d *form) move(st []fstop, by int) {
	n := len(focusable(st))
	if n == 0 {
		return
	}
	d.leave(d.cur(st))
	d.focus = (d.focus + by + n) % n
}

// changed notes an edit: the form is dirty, and the refusal shown was
// about what it said before.
func (d *form) changed(s *fstop) {
	d.dirty, d.touched, d.err = true, true, ""
	if s.f != nil {
		delete(d.ferr, s.f)
	}
}

func (d *form) flip(s *fstop) {
	if s.flip != nil {
		s.flip()
	} else {
		*s.on = !*s.on
	}
	d.changed(s)
}

func (d *form) cycle(s *fstop, by int) {
	switch n := len(s.opts); {
	case s.step != nil:
		s.step(by)
	case n > 0:
		*s.idx = (*s.idx + by + n) % n
	default:
		return
	}
	d.changed(s)
}

// close is esc or the store's success: the form goes.
func (d *form) close() bool {
	if d.closing != nil {
		d.closing()
	}
	return true
}

func (d *form) update(msg tea.Msg) (tea.Cmd, bool) {
	st := d.build()
	cur := d.cur(st)
	switch msg := msg.(type) {
	case promptErrMsg:
		d.err = errText(msg.err)
	case closeDialogMsg:
		return nil, d.close()
	case tea.PasteMsg:
		if cur != nil && cur.kind == skText {
			cur.f.paste(msg.Content)
			d.changed(cur)
			return d.settle(), false
		}
	case tea.KeyPressMsg:
		if cur == nil {
			return nil, msg.String() == "esc" && d.close()
		}
		return d.key(st, cur, msg)
	}
	return nil, false
}

// key is a key on the stop cur.
func (d *form) key(st []fstop, cur *fstop, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if cur.keys != nil && msg.String() != "esc" {
		if cmd, ok := cur.keys(msg); ok {
			return cmd, false
		}
	}
	switch k := msg.String(); {
	case k == "esc":
		return nil, d.close()
	case k == "tab" || k == "down":
		d.move(st, 1)
	case k == "shift+tab" || k == "up":
		d.move(st, -1)
	case k == "enter":
		return d.enter(st, cur), false
	case k == "space" && cur.kind == skToggle:
		d.flip(cur)
	case k == "space" && cur.kind == skChoice && cur.step == nil && len(cur.opts) == 0 && cur.pick != nil:
		return cur.pick(), false // nothing to cycle: space opens the picker
	case k == "space" && cur.kind == skChoice:
		d.cycle(cur, 1)
	case k == "left" && cur.kind == skChoice:
		d.cycle(cur, -1)
	case k == "right" && cur.kind == skChoice:
		d.cycle(cur, 1)
	case cur.kind == skText && cur.f.key(msg):
		d.changed(cur)
	}
	return d.settle(), false
}

// settle runs after once a key or a paste changed a stop.
func (d *form) settle() tea.Cmd {
	if !d.touched {
		return nil
	}
	d.touched = false
	if d.after == nil {
		return nil
	}
	return d.after()
}

// enter presses a button, opens a stop's picker, flips a checkbox where
// the form says so, and otherwise moves on.
func (d *form) enter(st []fstop, cur *fstop) tea.Cmd {
	switch {
	case cur.kind == skButton:
		d.err = ""
		return cur.press()
	case cur.pick != nil:
		return cur.pick()
	case cur.kind == skToggle && d.enterToggles:
		d.flip(cur)
	default:
		d.move(st, 1)
	}
	return nil
}

func (d *form) view(width, height int) string {
	w := dialogWidth(width, d.want)
	return d.c.frame(d.title, w, d.body(w, height)...)
}

// body is the column in a window around the focus, and the foot: the
// button (where the form puts it there), the hint, the extra lines and
// the refusal.
func (d *form) body(w, height int) []string {
	t := d.c.theme
	f := d.column(w)
	foot := []string{"", t.Dim.Render(truncate(d.hint, w))}
	if f.button != "" {
		foot[1] = f.button + "   " + t.Dim.Render(d.hint)
	}
	if d.extra != nil {
		foot = append(foot, d.extra(w)...)
	}
	if d.err != "" {
		foot = append(foot, "", t.StatusError.Render(wrap(d.err, w)))
	}
	// The header and the status line stay in sight: frame and title take
	// four lines.
	return append(f.window(t, height-6-lipglossHeight(foot), f.atEnd), foot...)
}

// column is the stops' lines, and the button that stands in the foot.
func (d *form) column(w int) formLines {
	t := d.c.theme
	st := d.build()
	cur := d.cur(st)
	var f formLines
	for i := range st {
		s := &st[i]
		on := s == cur
		if d.footButton && i == len(st)-1 && s.kind == skButton {
			f.button, f.atEnd = focusMark(t, on)+focusButton(t, s.label, on), on
			continue
		}
		d.stopLines(&f, s, on, w)
	}
	return f
}

// label is a label in the form's label column.
func (d *form) label(s string) string {
	return d.c.theme.Label.Render(fmt.Sprintf("%-*s", d.labelW, s))
}

// noFocus is a line that takes no focus.
func noFocus(s string) fstop { return fstop{kind: skLine, label: s} }

// stopLines adds stop s's line, and a text field's error under it.
func (d *form) stopLines(f *formLines, s *fstop, on bool, w int) {
	t := d.c.theme
	lw := d.labelW
	m := focusMark(t, on)
	label := d.label(s.label)
	var line string
	switch {
	case s.line != nil:
		line = s.line(m, on, w)
	case s.kind == skLine:
		line = s.label
	case s.kind == skHead:
		if len(f.lines) > 0 {
			f.add("", false)
		}
		line = t.ModalTitle.Render(s.label)
	case s.kind == skText:
		fw := min(w-lw-2, 44)
		if s.note != "" {
			fw = min(fw, 24)
		}
		if s.width > 0 {
			fw = min(w-lw-2, s.width)
		}
		line = label + m + s.f.render(fw, on)
	case s.kind == skToggle:
		line = strings.Repeat(" ", lw) + m + checkbox(*s.on) + " " + s.label
		if s.note != "" {
			line += " ·"
		}
	case s.kind == skChoice:
		v := "-"
		if *s.idx >= 0 && *s.idx < len(s.opts) {
			v = s.opts[*s.idx]
		}
		line = label + m + "‹ " + v + " ›"
	case s.kind == skButton:
		line = strings.Repeat(" ", lw) + m + focusButton(t, s.label, on)
	}
	if s.note != "" && s.line == nil {
		line += " " + t.Dim.Render(s.note)
	}
	for i, l := range strings.Split(line, "\n") {
		f.add(truncate(l, w), on && i == 0)
	}
	if s.kind == skText && d.ferr[s.f] != "" {
		for _, l := range strings.Split(wrap(d.ferr[s.f], w-lw-2), "\n") {
			f.add(strings.Repeat(" ", lw+2)+t.StatusError.Render(l), false)
		}
	}
}

// formLines is a form's body: lines, and which one holds the focus;
// the button in the foot, and whether it does.
type formLines struct {
	lines  []string
	focus  int
	button string
	atEnd  bool
}

func (f *formLines) add(line string, focused bool) {
	if focused {
		f.focus = len(f.lines)
	}
	f.lines = append(f.lines, line)
}

// window cuts the lines to room around the focus, saying what is above
// and below, so a long checklist fits an 80x24 terminal. atEnd: the
// focus is below the lines (on the Save button).
func (f formLines) window(t themeStyles, room int, atEnd bool) []string {
	room = max(room, 3)
	if atEnd {
		f.focus = len(f.lines) - 1
	}
	if len(f.lines) <= room {
		return f.lines
	}
	top := min(max(f.focus-room/2, 0), len(f.lines)-room)
	out := slices.Clone(f.lines[top : top+room])
	if top > 0 {
		out[0] = t.Dim.Render("  ↑ more above")
	}
	if top+room < len(f.lines) {
		out[room-1] = t.Dim.Render("  ↓ more below")
	}
	return out
}

// lipglossHeight counts the lines of rendered parts (a wrapped error is
// more than one).
func lipglossHeight(parts []string) int {
	n := 0
	for _, p := range parts {
		n += strings.Count(p, "\n") + 1
	}
	return n
}

func checkbox(on bool) string {
	if on {
		return "[x]"
	}
	return "[ ]"
}
