package tui

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/guardroom/guardroom/store"
)

// The People tab's import and export (reference 004's bulk load of
// occupier users): a CSV file read from a path on the machine running
// guardroom, its headings mapped to the store's columns, every row
// previewed with the store's own check (a dry run), then written all or
// nothing with a progress bar. The store reads and checks the file; the
// dialog only shows what it says and passes the operator's mapping.

// peopleImportColumns are the columns the store reads (docs/PEOPLE-CSV.md),
// offered as mapping targets. Access codes are not among them: the store
// refuses a code column, since a file would hold codes in the clear.
var peopleImportColumns = []string{"name", "info", "apartment", "unit", "active", "offline", "valid_from", "valid_until",
	"card", "qr", "ukey", "face", "groups", "locks"}

// Mapping choices besides the columns: as the store reads the heading
// itself (its own column names and their usual spellings), or left out.
const (
	mapAuto = ""
	mapSkip = "-"
)

// mapChoices are what space cycles a heading through.
var mapChoices = append([]string{mapAuto}, append(slices.Clone(peopleImportColumns), mapSkip)...)

// csvHeadings reads the first line of a CSV file, with the separator a
// spreadsheet would have used (the one the line has most of).
func csvHeadings(data []byte) ([]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	sep, most := ',', 0
	for _, r := range []rune{',', ';', '\t'} {
		if n := bytes.Count(first, []byte(string(r))); n > most {
			sep, most = r, n
		}
	}
	cr := csv.NewReader(bytes.NewReader(first))
	cr.Comma, cr.FieldsPerRecord, cr.TrimLeadingSpace, cr.LazyQuotes = sep, -1, true, true
	rec, err := cr.Read()
	if err != nil || len(rec) == 0 {
		return nil, notNowf("the file's first line cannot be read as CSV headings: a people file starts with a line naming its columns (%s)", strings.Join(peopleImportColumns, ", "))
	}
	for i, h := range rec {
		rec[i] = strings.TrimSpace(h)
	}
	return rec, nil
}

// Stages of the import dialog.
const (
	imFile    = iota // typing the path
	imPreview        // mapping and preview
	imWriting        // the progress bar
	imDone           // the result
)

// Stops of the preview stage, before the headings.
const (
	ipEnable = iota
	ipApts
	ipUnit
	ipImport
	ipHeadings // then one stop per heading
)

type peopleImportDialog struct {
	// form runs the preview stage's stops (the view draws them its own
	// way: headings two or three to a line).
	*form
	s     *peopleScreen
	stage int
	path  field
	data  []byte
	heads []string
	maps  []int // per heading: index in mapChoices
	units []store.Unit
	unit  int
	all   bool // enable access for all
	apts  bool // add the apartments the file names that do not exist
	// The store's answer to the last dry run, and to the import; the
	// preview keeps every bad row but only the first previewGood good
	// ones, and rows counts them all.
	preview  store.PeopleImport
	rows     int
	checking bool
	scroll   int
	reports  <-chan [2]int // the import's progress relay
	done     int
	total    int
	written  int
}

func newPeopleImport(s *peopleScreen) *peopleImportDialog {
	c := s.c
	d := &peopleImportDialog{s: s, units: c.st.ListUnits(c.actor)}
	d.form = newFootForm(c, "Import people", 96, "", d.stops)
	d.after = d.check
	d.unit = max(slices.IndexFunc(d.units, func(u store.Unit) bool { return u.ID != store.RootUnit }), 0)
	if r, ok := s.selected(); ok {
		if i := slices.IndexFunc(d.units, func(u store.Unit) bool { return u.ID == r.p.Unit }); i >= 0 {
			d.unit = i
		}
	}
	return d
}

// Messages of the import dialog, addressed to the dialog that asked.
type (
	importReadMsg struct {
		to    *peopleImportDialog
		data  []byte
		heads []string
		err   error
	}
	importCheckedMsg struct {
		to   *peopleImportDialog
		res  store.PeopleImport
		rows int
		err  error
	}
	importWrittenMsg struct {
		to  *peopleImportDialog
		res store.PeopleImport
		err error
	}
)

func (d *peopleImportDialog) editing() bool { return d.stage == imPreview || d.stage == imWriting }

func (d *peopleImportDialog) options(dry bool) store.PeopleImportOptions {
	o := store.PeopleImportOptions{DryRun: dry, Name: filepath.Base(d.path.String()), EnableAll: d.all, CreateApartments: d.apts}
	if len(d.units) > 0 {
		o.Unit = d.units[d.unit].ID
	}
	for i, h := range d.heads {
		if m := mapChoices[d.maps[i]]; m != mapAuto {
			if o.Map == nil {
				o.Map = map[string]string{}
			}
			o.Map[h] = m
		}
	}
	return o
}

// read loads the file and its headings.
func (d *peopleImportDialog) read() tea.Cmd {
	path := strings.TrimSpace(d.path.String())
	if path == "" {
		d.err = "type the path of the CSV file (on the machine running guardroom)"
		return nil
	}
	return func() tea.Msg {
		data, err := os.ReadFile(path)
		if err != nil {
			switch {
			case errors.Is(err, fs.ErrNotExist):
				err = notNowf("there is no file %s: check the path (it is read on the machine running guardroom)", path)
			case errors.Is(err, fs.ErrPermission):
				err = notNowf("guardroom may not read %s: check the file's permissions", path)
			}
			return importReadMsg{to: d, err: err}
		}
		heads, err := csvHeadings(data)
		return importReadMsg{to: d, data: data, heads: heads, err: err}
	}
}

// previewGood good rows are kept for the preview: the operator fixes
// bad rows, and a file of a million good ones is not held to be shown.
const previewGood = 1000

// check runs the store's dry run with the current mapping.
func (d *peopleImportDialog) check() tea.Cmd {
	c, data, o := d.c, d.data, d.options(true)
	d.checking = true
	return func() tea.Msg {
		var kept []store.PeopleImportRow
		rows, good := 0, 0
		o.Rows = func(r store.PeopleImportRow) error {
			rows++
			if r.Problem != "" || good < previewGood {
				kept = append(kept, r)
			}
			if r.Problem == "" {
				good++
			}
			return nil
		}
		var res store.PeopleImport
		err := safe(func() (err error) { res, err = c.st.ImportPeople(c.actor, bytes.NewReader(data), o); return err })
		res.Rows = kept
		return importCheckedMsg{to: d, res: res, rows: rows, err: err}
	}
}

// write imports for real, reporting progress.
func (d *peopleImportDialog) write() tea.Cmd {
	c, data, o := d.c, d.data, d.options(false)
	report, finish, reports := progressReporter()
	o.Progress = report
	d.stage, d.done, d.total, d.err, d.reports = imWriting, 0, d.rows, "", reports
	return tea.Batch(func() tea.Msg {
		defer finish()
		var res store.PeopleImport
		err := safe(func() (err error) { res, err = c.st.ImportPeople(c.actor, bytes.NewReader(data), o); return err })
		return importWrittenMsg{to: d, res: res, err: err}
	}, waitProgress(reports))
}

// stops are the preview's, in the order of ipEnable…ipHeadings: a change
// asks for the preview again (form.after). Enter imports, on the button
// only: elsewhere it does nothing, so a stray one moves nothing.
func (d *peopleImportDialog) stops() []fstop {
	stay := func() tea.Cmd { return nil }
	st := []fstop{{kind: skToggle, on: &d.all, pick: stay}, {kind: skToggle, on: &d.apts, pick: stay},
		{kind: skChoice, pick: stay, step: func(by int) {
			if n := len(d.units); n > 0 {
				d.unit = (d.unit + by + n) % n
			}
		}},
		{kind: skButton, press: d.importRows}}
	for i := range d.heads {
		st = append(st, fstop{kind: skChoice, pick: stay, step: func(by int) {
			n := len(mapChoices)
			d.maps[i] = (d.maps[i] + by + n) % n
		}})
	}
	return st
}

// importRows is the Import button: it writes once the preview is good.
func (d *peopleImportDialog) importRows() tea.Cmd {
	switch {
	case d.checking:
		d.err = "the preview is still being checked"
	case d.preview.Bad > 0 || d.rows == 0:
		d.err = "nothing is imported while a row is bad: fix the rows listed (or the mapping) and check again"
	default:
		return d.write()
	}
	return nil
}

func (d *peopleImportDialog) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case importReadMsg:
		if msg.to != d {
			return nil, false
		}
		if msg.err != nil {
			d.err, d.preview, d.rows = errText(msg.err), store.PeopleImport{}, 0
			return nil, false
		}
		// A file read again keeps the mapping of the headings it still has.
		maps := make([]int, len(msg.heads))
		for i, h := range msg.heads {
			if j := slices.Index(d.heads, h); j >= 0 {
				maps[i] = d.maps[j]
			}
		}
		d.data, d.heads, d.maps = msg.data, msg.heads, maps
		if d.stage == imFile {
			d.focus = ipImport
		}
		d.stage, d.err = imPreview, ""
		d.focus = min(d.focus, len(d.stops())-1)
		return d.check(), false
	case importCheckedMsg:
		if msg.to != d {
			return nil, false
		}
		d.checking, d.preview, d.rows, d.scroll = false, msg.res, msg.rows, 0
		d.err = ""
		if msg.err != nil {
			d.err = errText(msg.err)
		}
	case progressMsg:
		if msg.ch != d.reports {
			return nil, false // another screen's relay
		}
		d.done, d.total = msg.done, msg.total
		return waitProgress(msg.ch), false
	case importWrittenMsg:
		if msg.to != d {
			return nil, false
		}
		if msg.err != nil {
			d.stage, d.err = imPreview, errText(msg.err)
			return nil, false
		}
		d.stage, d.written = imDone, msg.res.Written
		ok := fmt.Sprintf("%s imported from %s", plural(msg.res.Written, "person", "people"), filepath.Base(d.path.String()))
		return func() tea.Msg { return opDoneMsg{ok: ok} }, false
	case tea.PasteMsg:
		if d.stage == imFile {
			d.path.paste(msg.Content)
		}
	case tea.KeyPressMsg:
		return d.key(msg)
	}
	return nil, false
}

func (d *peopleImportDialog) key(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := msg.String()
	switch d.stage {
	case imFile:
		switch k {
		case "esc":
			return nil, true
		case "enter":
			return d.read(), false
		}
		if d.path.key(msg) {
			d.err = ""
		}
	case imPreview:
		switch k {
		case "ctrl+r": // the file fixed in an editor meanwhile
			return d.read(), false
		case "pgdown":
			d.scroll++
			return nil, false
		case "pgup":
			d.scroll = max(d.scroll-1, 0)
			return nil, false
		}
		return d.form.update(msg)
	case imWriting:
		// The import runs to its end: the store writes it all or none,
		// and finishes an accepted import even after a crash.
	case imDone:
		if k == "enter" || k == "esc" {
			return nil, true
		}
	}
	return nil, false
}

func (d *peopleImportDialog) view(width, height int) string {
	c := d.c
	t := c.theme
	w := dialogWidth(width, 96)
	var body []string
	switch d.stage {
	case imFile:
		body = append(body, t.Label.Render("CSV file (a path on the machine running guardroom):"), "> "+d.path.render(w-2, true),
			t.Dim.Render(wrap("The first line names the columns: "+strings.Join(peopleImportColumns, ", ")+". Access codes are never imported.", w)),
			"", t.HintKey.Render("enter")+" read and preview   "+t.HintKey.Render("esc")+" cancel")
	case imPreview:
		body = d.previewLines(w, height)
	case imWriting:
		body = append(body, "Importing "+plural(d.rows, "person", "people")+" from "+filepath.Base(d.path.String())+"…", "",
			progressBar(min(w, 70), d.done, max(d.total, 1)), "", t.Dim.Render("All or nothing: if guardroom stops, it finishes the import when it starts again."))
	case imDone:
		body = append(body, fmt.Sprintf("%s imported from %s.", plural(d.written, "person", "people"), filepath.Base(d.path.String())), "",
			t.HintKey.Render("enter")+" close")
	}
	if d.err != "" && d.stage != imPreview {
		body = append(body, "", t.StatusError.Render(wrap(d.err, w)))
	}
	return c.frame("Import people", w, fitLines(body, w)...)
}

// previewLines are the mapping and the preview: the options, each heading
// with what it maps to, then every row the store read, bad ones with
// their line and reason, scrolled with pgup/pgdown.
func (d *peopleImportDialog) previewLines(w, height int) []string {
	c := d.c
	t := c.theme
	mark := func(i int) string { return focusMark(t, d.focus == i) }
	unit := "-"
	if len(d.units) > 0 {
		unit = siteOf(c.st, d.units[d.unit].ID)
	}
	button := focusButton(t, "Import", d.focus == ipImport)
	lines := []string{
		t.Dim.Render(d.path.String()),
		mark(ipEnable) + checkbox(d.all) + " enable access for all " + t.Dim.Render("(whatever the file says)"),
		mark(ipApts) + checkbox(d.apts) + " add missing apartments " + t.Dim.Render("(else a row naming one that does not exist is bad)"),
		mark(ipUnit) + "Unit of rows naming none: " + unit + " " + t.Dim.Render("(space)"),
		mark(ipImport) + button + "   " + t.Dim.Render("tab/↑↓ move · space changes · pgup/pgdn rows · esc"),
		"", t.Label.Render("Columns") + t.Dim.Render("  space: as read → each column → - (left out)"),
	}
	var heads []string
	for i, h := range d.heads {
		to := mapChoices[d.maps[i]]
		if to == mapAuto {
			to = "as read"
		}
		heads = append(heads, mark(ipHeadings+i)+pad(h, 14)+"→ "+pad(to, 11))
	}
	// Headings two or three to a line, so a wide file fits 24 lines.
	per := max(w/30, 1)
	for i := 0; i < len(heads); i += per {
		lines = append(lines, strings.Join(heads[i:min(i+per, len(heads))], "  "))
	}
	lines = append(lines, "")
	switch {
	case d.checking:
		lines = append(lines, t.Dim.Render("Checking every row…"))
	case d.preview.Bad > 0:
		lines = append(lines, t.StatusError.Render(wrap(fmt.Sprintf("%s of %d cannot be imported, listed below: fix them in the file (or the mapping) and read it again with ctrl+r; nothing is imported while one is bad.",
			plural(d.preview.Bad, "row", "rows"), d.rows), w)))
	case d.err != "":
		lines = append(lines, t.StatusError.Render(wrap(d.err, w)))
	default:
		lines = append(lines, t.Good.Render(fmt.Sprintf("%s, all good: Import writes them all.", plural(d.rows, "row", "rows"))))
	}
	if more := d.rows - len(d.preview.Rows); more > 0 && !d.checking {
		lines = append(lines, t.Dim.Render(wrap(fmt.Sprintf("Every bad row is listed, and the first %d good ones: %s not.", previewGood, plural(more, "good row is", "good rows are")), w)))
	}
	rows := d.rowLines(w)
	room := max(height-6-lipglossHeight(lines), 3)
	d.scroll = min(d.scroll, max(len(rows)-room+1, 0))
	if len(rows) > room {
		shown := rows[d.scroll:min(d.scroll+room-1, len(rows))]
		rows = append(slices.Clone(shown), t.Dim.Render(fmt.Sprintf("rows %d-%d of %d · pgup/pgdn", d.scroll+1, d.scroll+len(shown), len(rows))))
	}
	return append(lines, rows...)
}

// rowLines are the preview's rows: line number, name, identifiers, and
// for a bad row the store's reason.
func (d *peopleImportDialog) rowLines(w int) []string {
	t := d.c.theme
	var out []string
	for _, r := range d.preview.Rows {
		head := fmt.Sprintf("%5d  ", r.Line)
		if r.Problem != "" {
			// The whole reason: it is what the operator fixes.
			out = append(out, truncate(t.Bad.Render(head+"BAD ")+r.Name, w))
			for _, l := range strings.Split(wrap(r.Problem, max(w-11, 20)), "\n") {
				out = append(out, strings.Repeat(" ", 11)+l)
			}
			continue
		}
		active := "active"
		if !r.Active {
			active = "off"
		}
		desc := strings.TrimSpace(strings.Join([]string{pad(r.Name, 22), pad(r.Apartment, 10), pad(active, 6), identsText(r.Identifiers), strings.Join(r.Groups, ", ")}, " "))
		out = append(out, truncate(head+"ok  "+desc, w))
	}
	return out
}

// newPeopleExport asks for a path and writes every person the operator
// sees there as CSV. An existing file is never overwritten.
func newPeopleExport(c *common) *prompt {
	p := newPrompt(c, "Export people", "Write to (a new file on the machine running guardroom):", "people.csv", func(path string) tea.Cmd {
		path = strings.TrimSpace(path)
		return func() tea.Msg {
			var n int
			err := safe(func() error {
				f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if errors.Is(err, fs.ErrExist) {
					return notNowf("%s exists already: give a new file name, nothing is overwritten", path)
				}
				if err != nil {
					return err
				}
				n, err = c.st.ExportPeople(c.actor, f)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					_ = os.Remove(path) // a half-written export is not left behind
				}
				return err
			})
			if err != nil {
				return promptErrMsg{err}
			}
			return tea.BatchMsg{func() tea.Msg { return closeDialogMsg{} }, func() tea.Msg {
				return opDoneMsg{ok: fmt.Sprintf("%s exported to %s (access codes are never exported)", plural(n, "person", "people"), path)}
			}}
		}
	})
	p.note = "One line per person, the columns the import reads: the file imports back. Access codes are left out."
	return p
}
