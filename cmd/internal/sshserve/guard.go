package sshserve

import (
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"

	tea "charm.land/bubbletea/v2"
)

// guard wraps the caller's model so that a panic in its Init, Update, View
// or in any command it returns ends only this session, with the panic value
// in the end reason and the stack in the log. Bubble Tea would catch these
// panics too, but it prints them to the server's stderr (which would corrupt
// a local console) and loses the value.
//
// Init, Update and View run on the program's event-loop goroutine, so the
// guard's fields need no lock; commands run elsewhere and only read it.
type guard struct {
	inner   tea.Model
	s       *Session
	log     *slog.Logger
	p       *tea.Program
	crashed bool
}

// panicMsg carries a panic from a command's goroutine to Update.
type panicMsg struct {
	value any
	stack []byte
}

func (g *guard) crash(r any, stack []byte) {
	g.crashed = true
	g.s.stop(ReasonPanicPrefix + fmt.Sprint(r))
	g.log.Error("ssh console panicked", "panic", fmt.Sprint(r), "stack", string(stack))
}

func (g *guard) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.crash(r, debug.Stack())
			cmd = tea.Quit
		}
	}()
	return g.wrap(g.inner.Init())
}

func (g *guard) Update(msg tea.Msg) (m tea.Model, cmd tea.Cmd) {
	if pm, ok := msg.(panicMsg); ok {
		if !g.crashed {
			g.crash(pm.value, pm.stack)
		}
		return g, tea.Quit
	}
	if g.crashed {
		return g, tea.Quit
	}
	switch msg.(type) {
	case tea.KeyMsg, tea.MouseMsg, tea.PasteMsg, tea.WindowSizeMsg:
		g.s.touch() // what counts as "input" for the idle timeout
	}
	defer func() {
		if r := recover(); r != nil {
			g.crash(r, debug.Stack())
			m, cmd = g, tea.Quit
		}
	}()
	inner, c := g.inner.Update(msg)
	g.inner = inner
	return g, g.wrap(c)
}

func (g *guard) View() (v tea.View) {
	if g.crashed {
		return tea.NewView("")
	}
	defer func() {
		if r := recover(); r != nil {
			g.crash(r, debug.Stack())
			// View cannot return a command, and Send from the event loop
			// would block on itself.
			go g.p.Quit()
			v = tea.NewView("")
		}
	}()
	return g.inner.View()
}

// wrap makes cmd turn a panic into a panicMsg, and wraps the commands of a
// batch or sequence it returns in turn.
func (g *guard) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = panicMsg{value: r, stack: debug.Stack()}
			}
		}()
		return g.wrapAll(cmd())
	}
}

var cmdType = reflect.TypeFor[tea.Cmd]()

// wrapAll wraps the commands inside tea.BatchMsg and Bubble Tea's
// unexported sequence message (tea.Sequence), both slices of tea.Cmd that
// the program runs on goroutines of its own.
func (g *guard) wrapAll(msg tea.Msg) tea.Msg {
	if b, ok := msg.(tea.BatchMsg); ok {
		out := make(tea.BatchMsg, len(b))
		for i, c := range b {
			out[i] = g.wrap(c)
		}
		return out
	}
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != cmdType {
		return msg
	}
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	for i := range v.Len() {
		c, _ := v.Index(i).Interface().(tea.Cmd)
		if w := g.wrap(c); w != nil {
			out.Index(i).Set(reflect.ValueOf(w))
		}
	}
	return out.Interface()
}
