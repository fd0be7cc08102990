package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/guardroom/guardroom/store"
)

// The apartment commands (000): apartments are records of a unit that
// people live in (person add --apartment names one).

var apartmentKind = confKind[store.Apartment]{"apartment", "APARTMENT", "apartment",
	func(a *store.Apartment) *store.ConfMeta { return &a.ConfMeta },
	(*store.Store).FindApartment, (*store.Store).AddApartment, (*store.Store).EditApartment, (*store.Store).RemoveApartment}

// apartmentJSON is an apartment as --json prints it.
type apartmentJSON struct {
	store.Apartment
	UnitPath string `json:"unit_path"`
	People   int    `json:"people"`
}

// apartmentRows returns the apartments the operator sees with how many of
// the people they see live in each.
func (e *env) apartmentRows(apts []store.Apartment) ([]apartmentJSON, error) {
	people, err := e.s.ListPeople(e.actor)
	if err != nil {
		return nil, err
	}
	living := map[uint32]int{}
	for _, p := range people {
		living[p.ApartmentID]++
	}
	rows := []apartmentJSON{}
	for _, a := range apts {
		rows = append(rows, apartmentJSON{a, e.s.UnitPath(a.Unit), living[a.ID]})
	}
	return rows, nil
}

func (e *env) apartmentShow(a store.Apartment, asJSON bool) error {
	rows, err := e.apartmentRows([]store.Apartment{a})
	if err != nil {
		return err
	}
	r := rows[0]
	if asJSON {
		return writeJSON(e.stdout, r)
	}
	f := newFields(e.stdout)
	f.add("Apartment", "%d %s", a.ID, a.Name)
	f.add("Unit", "%s", r.UnitPath)
	f.add("Floor", "%s", dash(a.Floor))
	f.add("Notes", "%s", dash(a.Notes))
	f.add("People", "%d", r.People)
	f.add("Updated", "%s", e.siteTimeText(a.Updated))
	return f.flush()
}

func apartmentCommands() []*command {
	const floorHelp = "the `FLOOR` it is on, as the building names it (3, Ground)"
	return []*command{
		{
			name: "apartment list", maxArgs: 0,
			summary: "list the apartments you see: unit, floor and how many people live in each",
			example: "guardroom apartment list\nguardroom apartment list --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					apts, err := e.s.ListApartments(e.actor)
					if err != nil {
						return err
					}
					rows, err := e.apartmentRows(apts)
					if err != nil {
						return err
					}
					if *asJSON {
						return writeJSON(e.stdout, rows)
					}
					if len(rows) == 0 {
						fmt.Fprintln(e.stdout, "No apartments.")
						return nil
					}
					t := newTable(e.stdout, "№", "Name", "Unit", "Floor", "People", "Notes")
					for _, r := range rows {
						t.row(strconv.Itoa(int(r.ID)), r.Name, r.UnitPath, dash(r.Floor), strconv.Itoa(r.People), dash(r.Notes))
					}
					return t.flush()
				}
			},
		},
		apartmentKind.showCommand("show one apartment: unit, floor, notes and how many live there",
			"guardroom apartment show A12", (*env).apartmentShow),
		{
			name: "apartment add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add an apartment in a unit: its name or number is unique there",
			example: "guardroom apartment add A12 --unit \"Block A\" --floor 1 --notes \"corner, two keys\"",
			setup: func(fs *flag.FlagSet) runFunc {
				unit := fs.String("unit", "", "the organization `UNIT` it belongs to")
				floor := fs.String("floor", "", floorHelp)
				notes := fs.String("notes", "", "free `TEXT` about it")
				return func(e *env, args []string) error {
					if *unit == "" {
						return usagef(e.cmd, "apartment add needs --unit: the organization unit it belongs to (see guardroom unit list)")
					}
					return apartmentKind.addRun(e, args[0], *unit, func(a *store.Apartment) error {
						a.Floor, a.Notes = *floor, *notes
						return nil
					})
				}
			},
		},
		{
			name: "apartment edit", args: "APARTMENT", minArgs: 1, maxArgs: 1,
			summary: "change an apartment's name, unit, floor or notes",
			details: "Only the flags given change; the people living there stay. " + confRefHelp,
			example: "guardroom apartment edit A12 --name A12a --floor 2",
			setup: func(fs *flag.FlagSet) runFunc {
				newName := fs.String("name", "", "the new `NAME`")
				unit := fs.String("unit", "", "move it to organization `UNIT`")
				floor := fs.String("floor", "", floorHelp)
				notes := fs.String("notes", "", "free `TEXT` about it")
				return func(e *env, args []string) error {
					set := given(fs)
					if !anyGiven(set, "name", "unit", "floor", "notes") {
						return usagef(e.cmd, "apartment edit needs at least one of --name, --unit, --floor, --notes")
					}
					a, err := apartmentKind.editRun(e, args[0], set, *newName, *unit, func(a *store.Apartment) error {
						if set["floor"] {
							a.Floor = *floor
						}
						if set["notes"] {
							a.Notes = *notes
						}
						return nil
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Changed apartment %d %s.\n\n", a.ID, a.Name)
					return e.apartmentShow(a, false)
				}
			},
		},
		apartmentKind.removeCommand("nobody lives in"),
	}
}
