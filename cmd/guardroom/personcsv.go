package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/guardroom/guardroom/store"
)

const personCSVHelp = "The first line names the columns: name (required), info, apartment, unit, active, offline,\n" +
	"valid_from, valid_until, card, qr, ukey, face, groups, locks (other spellings such as \"Card ID\" are\n" +
	"read too); ',' or ';' separate them. Several cards, groups or locks in one cell are separated by |.\n" +
	"A column of access codes is refused: give each code on its own (person identifier add PERSON code).\n" +
	"Every row is checked first: any bad row (a malformed, repeated or existing card, an unknown unit\n" +
	"or group) refuses the whole file, and each bad row is listed with its line and every reason.\n" +
	"--map reads a file's own headings. See docs/PEOPLE-CSV.md. FILE - reads standard input."

func personCSVCommands() []*command {
	return []*command{
		{
			name: "person import", args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "add people and their cards from a CSV file, all or none (--dry-run shows the preview)",
			details: personCSVHelp,
			example: "guardroom person import people.csv --unit \"Block A\" --dry-run\n" +
				"guardroom person import hr-export.csv --unit HQ --map \"Card no=card\" --map \"Email=-\" --enable-all",
			setup: func(fs *flag.FlagSet) runFunc {
				var o personImportFlags
				fs.BoolVar(&o.dryRun, "dry-run", false, "check every row and show the preview; write nothing")
				fs.StringVar(&o.unit, "unit", "", "the organization `UNIT` of rows that name none: number, name or path")
				fs.BoolVar(&o.enableAll, "enable-all", false, "activate access control for every person imported, whatever the file says")
				fs.BoolVar(&o.createApts, "create-apartments", false, "add the apartments the file names that do not exist yet, in the person's unit")
				o.mapping = optionFlag{}
				fs.Var(o.mapping, "map", "read the file's column `HEADING=column` (e.g. \"Card no=card\"; \"Email=-\" leaves it out; repeatable)")
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.personImport(args[0], o, *asJSON) }
			},
		},
		{
			name: "person export", args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "write the people to a CSV file (mode 0600) with the import's columns; never access codes",
			example: "guardroom person export people.csv\nguardroom person export people.csv --force",
			setup: func(fs *flag.FlagSet) runFunc {
				force := fs.Bool("force", false, "replace FILE if it exists")
				return func(e *env, args []string) error { return e.personExport(args[0], *force) }
			},
		},
	}
}

type personImportFlags struct {
	dryRun, enableAll bool
	createApts        bool
	unit              string
	mapping           optionFlag
}

// openImportFile opens an import file, "-" being standard input, and
// returns it with the name the log and messages give it.
func (e *env) openImportFile(path string) (io.Reader, string, func(), error) {
	if path == "-" {
		return e.stdin, "standard input", func() {}, nil
	}
	f, err := os.Open(e.abs(path))
	if err != nil {
		return nil, "", nil, fmt.Errorf("open the import file: %w", err)
	}
	return f, filepath.Base(path), func() { f.Close() }, nil
}

// progressBar draws done/total on stderr when it is a terminal, and
// nothing otherwise: a script's log gains nothing from it. clear removes
// the bar.
func (e *env) progressBar(what string) (update func(done, total int), clear func()) {
	f, ok := e.rawStderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	return drawProgress(e.rawStderr, clean(what), time.Now), func() { io.WriteString(e.rawStderr, "\r\033[K") }
}

// drawProgress redraws one line: "importing people [###.....] 300 of
// 1000 (1.2s)".
func drawProgress(w io.Writer, what string, now func() time.Time) func(done, total int) {
	start := now()
	return func(done, total int) {
		const width = 30
		filled := width * min(max(done, 0), total) / max(total, 1)
		fmt.Fprintf(w, "\r\033[K%s [%s%s] %d of %d (%s)", what, strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			done, total, now().Sub(start).Round(100*time.Millisecond))
	}
}

func (e *env) personImport(path string, f personImportFlags, asJSON bool) error {
	in, name, closeIn, err := e.openImportFile(path)
	if err != nil {
		return err
	}
	defer closeIn()
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	o := store.PeopleImportOptions{DryRun: f.dryRun, Name: name, Map: f.mapping, EnableAll: f.enableAll, CreateApartments: f.createApts}
	if f.unit != "" {
		u, err := e.s.FindUnit(e.actor, f.unit)
		if err != nil {
			return err
		}
		o.Unit = u.ID
	}
	var clearBar func()
	if !asJSON {
		o.Progress, clearBar = e.progressBar("importing people")
		defer clearBar()
	}
	show := newImportRows(e, asJSON, f.dryRun, []string{"Line", "Name", "Unit", "Active", "Identifiers", "Groups", "Locks", "Check"},
		func(r store.PeopleImportRow) []string {
			var ids, locks []string
			for _, id := range r.Identifiers {
				ids = append(ids, id.String())
			}
			for _, l := range r.Locks {
				locks = append(locks, strconv.Itoa(l))
			}
			unit, active := "-", "no"
			if r.Unit != 0 {
				unit = e.s.UnitPath(r.Unit)
			}
			if r.Active {
				active = "yes"
			}
			return []string{strconv.Itoa(r.Line), dash(clean(r.Name)), unit, active, dash(clean(strings.Join(ids, ", "))),
				dash(clean(strings.Join(r.Groups, ", "))), dash(strings.Join(locks, " ")), clean(checkWord(r.Problem))}
		}, func(r store.PeopleImportRow) bool { return r.Problem != "" })
	o.Rows = show.row
	res, err := e.s.ImportPeople(e.actor, in, o)
	if err := show.finish(res, err); err != nil || asJSON {
		return err
	}
	if f.dryRun {
		fmt.Fprintf(e.stdout, "Dry run: all %s can be imported; nothing was written.\n", plural(show.n, "row", "rows"))
		return nil
	}
	e.wrote = true
	fmt.Fprintf(e.stdout, "Imported %s from %s.", plural(res.Written, "person", "people"), name)
	if f.enableAll {
		fmt.Fprint(e.stdout, " Access control is active for all of them.")
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// checkWord is a preview row's Check cell: ok, or its problem.
func checkWord(problem string) string {
	if problem == "" {
		return "ok"
	}
	return problem
}

// importRows shows an import's rows as the store checks them (its Rows
// option), holding none of them: with --json each goes into the JSON
// preview, written as writeJSON writes the store's answer; otherwise a
// dry run's table lists every row, and a refused import's its bad ones
// (what to fix). The table starts at the first row it shows and is
// written every tableBlock rows, so its columns line up within a block.
type importRows[R any] struct {
	e              *env
	asJSON, dryRun bool
	head           []string
	cells          func(R) []string
	bad            func(R) bool
	json           *jsonListObject
	tb             *table
	n, shown       int
}

// tableBlock rows of a preview table are aligned together.
const tableBlock = 1000

func newImportRows[R any](e *env, asJSON, dryRun bool, head []string, cells func(R) []string, bad func(R) bool) *importRows[R] {
	ir := &importRows[R]{e: e, asJSON: asJSON, dryRun: dryRun, head: head, cells: cells, bad: bad}
	if asJSON {
		ir.json = startJSONList(e.stdout, "rows")
	}
	return ir
}

func (ir *importRows[R]) row(r R) error {
	ir.n++
	switch {
	case ir.asJSON:
		return ir.json.list.add(r)
	case !ir.dryRun && !ir.bad(r):
		return nil
	}
	if ir.tb == nil {
		ir.tb = newTable(ir.e.stdout, ir.head...)
	}
	ir.tb.row(ir.cells(r)...)
	if ir.shown++; ir.shown%tableBlock == 0 {
		return ir.tb.flush()
	}
	return nil
}

// finish ends the JSON (res is the store's answer, its rows left out:
// they are written) or the table, and returns the import's error.
func (ir *importRows[R]) finish(res any, err error) error {
	switch {
	case ir.asJSON:
		if jerr := ir.json.finish(res); jerr != nil {
			return jerr
		}
		return ir.e.write(err)
	case ir.tb != nil:
		if terr := ir.tb.flush(); terr != nil {
			return terr
		}
	}
	return err
}

func (e *env) personExport(path string, force bool) error {
	n, err := e.exportFile(path, force, func(w io.Writer) (int, error) { return e.s.ExportPeople(e.actor, w) })
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Exported %s to %s (the import's columns; access codes are never exported).\n", plural(n, "person", "people"), path)
	return nil
}

// exportFile writes an export to path, mode 0600, through write: the file
// appears only once complete, and replaces one that exists only with
// force. It returns write's count.
func (e *env) exportFile(path string, force bool, write func(w io.Writer) (int, error)) (int, error) {
	if err := e.openStore(openOptions{}); err != nil {
		return 0, err
	}
	out, err := createOutput(e.abs(path), force)
	if err != nil {
		return 0, err
	}
	defer out.abort()
	n, err := write(out.f)
	if err != nil {
		return 0, err
	}
	if _, err := out.commit(); err != nil {
		return 0, err
	}
	return n, nil
}
