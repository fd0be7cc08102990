package tui

import (
	"slices"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// Copy (y): the selected row's identifier goes to the terminal's
// clipboard with OSC 52 (tea.SetClipboard), which reaches the operator's
// own clipboard over SSH too. The identifier is what an installer pastes
// elsewhere: a tag ID, a job number, a card, an IMEI.

// clip is what y copies: what it is ("tag", "job") and its text.
type clip struct{ what, text string }

// status is the status line's "copied tag 04A1B2C3".
func (c clip) status() string { return "copied " + c.what + " " + c.text }

// copier is a screen whose rows have an identifier to copy. clip is the
// selected row's, or why there is nothing to copy.
type copier interface {
	clip() (clip, error)
}

// clipOf is the identifier y copies on scr, or why there is none.
func clipOf(scr screen) (clip, error) {
	cp, ok := scr.(copier)
	if !ok {
		return clip{}, notNowf("the %s screen has no identifier to copy", scr.title(false))
	}
	return cp.clip()
}

// copyRow copies the selected row's identifier and says what was copied.
func (a *App) copyRow() tea.Cmd {
	c, err := clipOf(a.cur())
	if err != nil {
		a.setStatus(a.c.keys.action(ActCopy).Short+": "+errText(err), true)
		return nil
	}
	return c.copy()
}

// copy sets the clipboard and says what was copied.
func (c clip) copy() tea.Cmd {
	return tea.Batch(tea.SetClipboard(c.text), func() tea.Msg { return opDoneMsg{ok: c.status()} })
}

// selectedClip is the clip of a list screen's selected row.
func selectedClip[T any](l *listScreen[T], noun string, of func(T) (clip, error)) (clip, error) {
	r, ok := l.selected()
	if !ok {
		return clip{}, notNowf("no %s selected: nothing to copy", noun)
	}
	return of(r)
}

func jobClip(s store.Sync, what string) (clip, error) {
	if s.Job == 0 {
		return clip{}, notNowf("%s has no job in the outbox: nothing to copy", what)
	}
	return clip{"job", strconv.FormatUint(s.Job, 10)}, nil
}

// Panels: the IMEI, where the panel has one, else its address.
func (s *panelsScreen) clip() (clip, error) {
	r, ok := s.selected()
	switch {
	case !ok:
		return clip{}, notNowf("no panel selected: nothing to copy")
	case r.p.IMEI != "":
		return clip{"IMEI", r.p.IMEI}, nil
	case r.p.Address != "":
		return clip{"address", r.p.Address}, nil
	}
	return clip{}, notNowf("panel %d has no IMEI or address: nothing to copy", r.p.ID)
}

// Users: the number of the user's last job in the outbox.
func (s *usersScreen) clip() (clip, error) {
	u, ok := s.selected()
	if !ok {
		return clip{}, notNowf("no panel user selected: nothing to copy")
	}
	return jobClip(u.Sync, "panel user "+strconv.Itoa(u.Slot))
}

// Partitions: the number of the last arm or disarm command's job.
func (s *partitionsScreen) clip() (clip, error) {
	return selectedClip(&s.listScreen, "partition", func(r partitionRow) (clip, error) {
		return jobClip(r.p.Sync, "partition "+strconv.Itoa(r.p.Number))
	})
}

func (s *locksScreen) clip() (clip, error) {
	return selectedClip(&s.listScreen, "lock", func(r lockRow) (clip, error) {
		return clip{"lock", strconv.FormatUint(r.l.ID, 10)}, nil
	})
}

func (s *tagsScreen) clip() (clip, error) {
	return selectedClip(&s.listScreen, "tag", func(r tagRow) (clip, error) {
		return clip{"tag", r.t.ID}, nil
	})
}

func (s *accountsScreen) clip() (clip, error) {
	return selectedClip(&s.listScreen, "account", func(a store.Account) (clip, error) {
		return clip{"email", a.Email}, nil
	})
}

func (s *logScreen) clip() (clip, error) {
	return selectedClip(&s.listScreen, "log entry", func(e store.Entry) (clip, error) {
		return clip{"log entry", strconv.FormatUint(e.Seq, 10)}, nil
	})
}

// Operators: the username; in the roles view, the role's name.
func (s *operatorsScreen) clip() (clip, error) {
	if s.rolesView {
		return selectedClip(&s.roles, "role", func(r roleRow) (clip, error) {
			return clip{"role", r.r.Name}, nil
		})
	}
	return selectedClip(&s.listScreen, "operator", func(r opRow) (clip, error) {
		return clip{"operator", r.o.Username}, nil
	})
}

// People: the person's first card, else another identifier that has a
// value (never an access code: only its hash is kept), else their ID.
func (s *peopleScreen) clip() (clip, error) {
	return selectedClip(&s.listScreen, "person", func(r personRow) (clip, error) {
		for _, cards := range []bool{true, false} {
			for _, id := range r.p.Identifiers {
				if (id.Kind == access.KindCard) == cards && id.Kind != access.KindAccessCode && id.Value != "" {
					return clip{id.Kind.String(), id.Value}, nil
				}
			}
		}
		return clip{"person", strconv.FormatUint(r.p.ID, 10)}, nil
	})
}

// copyURI answers the copy key in a second-factor enrolment: the otpauth
// URI goes to the clipboard, for the authenticator app or password
// manager. The URI holds the secret: the enrolment's note and the status
// line say only that it was copied, and nothing logs it.
func (e *enrolment) copyURI(keys keymap, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if e.codes != nil || e.key.URI == "" || !slices.Contains(keys.action(ActCopy).Keys, msg.String()) {
		return nil, false
	}
	// A key the code field takes (a digit, when copy is remapped to one)
	// is typed, not a copy.
	for _, r := range msg.Text {
		if digitsOnly(r) {
			return nil, false
		}
	}
	e.err, e.copied = "", true
	return tea.SetClipboard(e.key.URI), true
}
