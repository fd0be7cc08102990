package tui

import (
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/tui/grid"
)

// listScreen is the common shape of the smaller screens: load records from
// the store, render each with a pure row function, show them in the grid.
// Screens embed it and add their actions.
type listScreen[T any] struct {
	c      *common
	sid    screenID
	name   string
	cols   []grid.Column
	g      grid.Model
	items  []T
	err    error
	loaded bool

	fetch func() ([]T, error)
	cells func(T) []string
	tones func(T) []grid.Tone // optional: cells that must stand out
	// field is optional: a row's lower-case value of a filter or sort key
	// when the cell's text is not it (see tableSource.field).
	field func(T, string) (string, bool)
	// want, when set, selects the first row it matches once the next
	// load arrives (a tag just enrolled, a lock just added).
	want    func(T) bool
	reload  []string // Change kinds that reload the screen
	order   loadOrder
	empty   string
	hint    string
	crumbsF func() []string
}

type listLoadedMsg[T any] struct {
	sid   screenID
	n     uint64 // the load's number (loadOrder)
	items []T
	err   error
}

// loadOrder keeps a screen's loads in order. Every change reloads the
// screen on screen, and each load runs in a Cmd of its own, so two loads
// can come back in either order: a load that read the store before a
// job's result (a lock's "unlocking…") arriving after the one that read
// the result would put the older rows back on screen until the next
// change, and the store would then refuse what the stale rows offered
// ("is locked already"). Each load is numbered as it starts, and a result
// older than the one shown is dropped.
type loadOrder struct{ started, shown uint64 }

// next numbers a load that starts now.
func (o *loadOrder) next() uint64 { o.started++; return o.started }

// fresh reports whether load n is newer than what is shown, and if so
// marks it shown. A result numbered 0 is always shown: a screen that loads
// its lists in one message of its own (operators and roles, people,
// access) orders that message and hands the lists on unnumbered.
func (o *loadOrder) fresh(n uint64) bool {
	if n == 0 {
		return true
	}
	if n <= o.shown {
		return false
	}
	o.shown = n
	return true
}

func newList[T any](c *common, sid screenID, name string, cols []grid.Column) listScreen[T] {
	return listScreen[T]{c: c, sid: sid, name: name, cols: cols, g: newGrid(c, cols)}
}

func (l *listScreen[T]) id() screenID      { return l.sid }
func (l *listScreen[T]) title(bool) string { return l.name }

func (l *listScreen[T]) load() tea.Cmd {
	fetch, sid, n := l.fetch, l.sid, l.order.next()
	return func() tea.Msg {
		var items []T
		err := safe(func() (err error) { items, err = fetch(); return err })
		return listLoadedMsg[T]{sid: sid, n: n, items: items, err: err}
	}
}

func (l *listScreen[T]) update(msg tea.Msg) tea.Cmd {
	m, ok := msg.(listLoadedMsg[T])
	if !ok || m.sid != l.sid || !l.order.fresh(m.n) {
		return nil
	}
	l.err, l.loaded = m.err, true
	if m.err != nil {
		return nil
	}
	l.items = m.items
	rows := make([][]string, len(m.items))
	for i, it := range m.items {
		rows[i] = l.cells(it)
	}
	src := newTableSource(l.cols, rows)
	if l.tones != nil {
		src.tones = make([][]grid.Tone, len(m.items))
		for i, it := range m.items {
			src.tones[i] = l.tones(it)
		}
	}
	if l.field != nil {
		items, field := m.items, l.field
		src.field = func(i int, key string) (string, bool) { return field(items[i], key) }
	}
	l.g.SetSource(src)
	if l.want != nil {
		want := l.want
		if l.g.SelectWhere(func(i int) bool { return want(m.items[i]) }) {
			l.want = nil
		}
	}
	return nil
}

// selectWhen selects the first row match finds, now or, when the row is
// not loaded yet (the change that adds it is on its way), on a later load.
func (l *listScreen[T]) selectWhen(match func(T) bool) {
	items := l.items
	if l.g.SelectWhere(func(i int) bool { return i < len(items) && match(items[i]) }) {
		l.want = nil
		return
	}
	l.want = match
}

func (l *listScreen[T]) selected() (T, bool) {
	var zero T
	i, ok := l.g.Selected()
	if !ok || i >= len(l.items) {
		return zero, false
	}
	return l.items[i], true
}

func (l *listScreen[T]) view(w, h int) string {
	switch {
	case l.err != nil:
		return " " + errText(l.err)
	case !l.loaded:
		return " Loading…"
	case len(l.items) == 0:
		return " " + l.empty
	}
	return l.g.View()
}

func (l *listScreen[T]) relevant(ch []store.Change) bool {
	for _, c := range ch {
		if c.What == store.ChangeAll || slices.Contains(l.reload, c.What) {
			return true
		}
	}
	return false
}

func (l *listScreen[T]) crumbs() []string {
	if l.crumbsF != nil {
		return l.crumbsF()
	}
	return []string{l.name}
}

func (l *listScreen[T]) table() *grid.Model { return &l.g }
func (l *listScreen[T]) footer() string {
	if !l.loaded {
		return ""
	}
	return gridFooter(&l.g, l.hint)
}

// Defaults for screens without actions of their own.
func (l *listScreen[T]) actions() []ActionID { return nil }

func (l *listScreen[T]) available(id ActionID) error {
	if _, ok := l.selected(); !ok {
		return fmt.Errorf("nothing selected")
	}
	return nil
}
