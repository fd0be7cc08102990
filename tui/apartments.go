package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
)

// Apartments are records (reference 000): the person form picks one, or
// adds one with this form, in the person's unit.

type apartmentForm struct {
	*form
	unit               uint64
	unitName           []string
	unitIdx            int
	name, floor, notes field
	saved              func(store.Apartment)
	// In the Access tab's apartments view: the units to choose from and
	// the apartment edited (nil: a new one).
	units *unitChoice
	edit  *store.Apartment
	s     *accessScreen
}

// newAptViewForm adds or edits an apartment from the apartments view.
func newAptViewForm(s *accessScreen, edit *store.Apartment) *apartmentForm {
	c := s.c
	d := &apartmentForm{edit: edit, s: s}
	var unit uint64
	title := "Add an apartment"
	if edit != nil {
		unit, title = edit.Unit, "Edit apartment "+edit.Name
		d.name.set(edit.Name)
		d.floor.set(edit.Floor)
		d.notes.set(edit.Notes)
	}
	u := newUnitChoice(s, unit)
	d.units = &u
	d.form = newForm(c, title, d.stops)
	d.want = 64
	return d
}

// apartmentSavedMsg is the store's answer to the form's save.
type apartmentSavedMsg struct {
	to *apartmentForm
	a  store.Apartment
}

func newApartmentForm(c *common, unit uint64, name string, saved func(store.Apartment)) *apartmentForm {
	d := &apartmentForm{unit: unit, unitName: []string{c.st.UnitPath(unit)}, saved: saved}
	d.name.set(name)
	d.form = newForm(c, "Add an apartment", d.stops)
	d.want = 64
	return d
}

func (d *apartmentForm) stops() []fstop {
	unit := fstop{kind: skChoice, label: "Unit", opts: d.unitName, idx: &d.unitIdx}
	if d.units != nil {
		unit = d.units.stop()
	}
	return []fstop{
		{kind: skText, label: "Name", f: &d.name, note: "unique in the unit"},
		unit,
		{kind: skText, label: "Floor", f: &d.floor, note: "3, Ground"},
		{kind: skText, label: "Notes", f: &d.notes},
		{kind: skButton, label: "Save", press: d.save},
	}
}

func (d *apartmentForm) save() tea.Cmd {
	c := d.c
	a := store.Apartment{ConfMeta: store.ConfMeta{Name: strings.TrimSpace(d.name.String()), Unit: d.unit},
		Floor: strings.TrimSpace(d.floor.String()), Notes: strings.TrimSpace(d.notes.String())}
	if d.s != nil { // the apartments view: the store's answer selects it
		a.Unit = d.units.id()
		ok := "apartment " + a.Name + " saved"
		return d.s.submit(avApartments, ok, func() (string, error) {
			var out store.Apartment
			var err error
			if d.edit != nil {
				a.ID = d.edit.ID
				out, err = c.st.EditApartment(c.actor, a)
			} else {
				out, err = c.st.AddApartment(c.actor, a)
			}
			return idKey(out.ID), err
		})
	}
	return func() tea.Msg {
		var out store.Apartment
		if err := safe(func() (err error) { out, err = c.st.AddApartment(c.actor, a); return err }); err != nil {
			return promptErrMsg{err}
		}
		return apartmentSavedMsg{to: d, a: out}
	}
}

func (d *apartmentForm) update(msg tea.Msg) (tea.Cmd, bool) {
	if m, ok := msg.(apartmentSavedMsg); ok && m.to == d {
		d.saved(m.a)
		ok := "apartment " + m.a.Name + " added"
		return func() tea.Msg { return opDoneMsg{ok: ok} }, true
	}
	return d.form.update(msg)
}
