package main

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// An access group's members, managed from the group (004): many people
// added or removed at once — named, everyone a filter shows, or a CSV
// file's column — in one store transaction, all or nothing.

// memberFlags say which people a member add or remove is about.
type memberFlags struct {
	filter, unit, csvFile, column *string
	dryRun                        *bool
	asJSON                        *bool
}

func addMemberFlags(fs *flag.FlagSet) *memberFlags {
	return &memberFlags{
		filter:  fs.String("filter", "", "everyone whose name, info, apartment or identifier contains `TEXT` (as person list --filter)"),
		unit:    fs.String("unit", "", "with --filter: only the people of `UNIT` and the units below it (alone: everyone there)"),
		csvFile: fs.String("csv", "", "the people named in a column of the CSV `FILE` (- for standard input)"),
		column:  fs.String("column", "", "with --csv: the column's `HEADING`; card, qr, ukey or face read identifiers, any other IDs, names or KIND:VALUE"),
		dryRun:  fs.Bool("dry-run", false, "check everything and show what would change; change nothing"),
		asJSON:  jsonFlag(fs),
	}
}

const memberDetails = "People are named as PERSON arguments (an ID, an exact name, or KIND:VALUE such as card:10:456),\n" +
	"chosen by --filter and/or --unit as person list shows them, or read from a CSV file's column\n" +
	"(--csv FILE --column HEADING; a header line names the columns, cells may hold several values\n" +
	"separated by |). These may be combined. Everything is checked first: a person outside your\n" +
	"organization units, or one the group does not serve, changes nobody."

func groupMemberCommands() []*command {
	return []*command{
		{
			name: "group member list", args: "GROUP", minArgs: 1, maxArgs: 1,
			summary: "list the people in an access group",
			example: "guardroom group member list Residents\nguardroom group member list 3 --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					g, err := e.s.FindAccessGroup(e.actor, args[0])
					if err != nil {
						return err
					}
					people, err := e.s.GroupMembers(e.actor, g.ID)
					if err != nil {
						return err
					}
					return e.personTable(people, *asJSON, fmt.Sprintf("Nobody is in access group %d %s.", g.ID, g.Name))
				}
			},
		},
		memberChangeCommand("add", "put many people in an access group at once",
			"guardroom group member add Residents \"Ann Lee\" 42 card:10:456\n"+
				"guardroom group member add Residents --unit \"Block A\" --filter A1 --dry-run\n"+
				"guardroom group member add Residents --csv loaded.csv --column card"),
		memberChangeCommand("remove", "take many people out of an access group at once",
			"guardroom group member remove Residents 42 43\n"+
				"guardroom group member remove Contractors --filter \"Acme\"\n"+
				"guardroom group member remove Residents --csv moved-out.csv --column name"),
	}
}

func memberChangeCommand(verb, summary, example string) *command {
	return &command{
		name: "group member " + verb, args: "GROUP [PERSON...]", minArgs: 1, maxArgs: -1,
		summary: summary, details: memberDetails, example: example,
		setup: func(fs *flag.FlagSet) runFunc {
			f := addMemberFlags(fs)
			return func(e *env, args []string) error {
				set := given(fs)
				if len(args) == 1 && !set["filter"] && !set["unit"] && !set["csv"] {
					return usagef(e.cmd, "group member %s needs the people: PERSON arguments, --filter, --unit or --csv FILE --column HEADING", verb)
				}
				if set["csv"] != set["column"] {
					return usagef(e.cmd, "--csv and --column go together: the file and the heading of the column naming the people")
				}
				if err := e.openStore(openOptions{}); err != nil {
					return err
				}
				g, err := e.s.FindAccessGroup(e.actor, args[0])
				if err != nil {
					return err
				}
				ids, err := e.memberIDs(g, verb == "remove", args[1:], f, set)
				if err != nil {
					return err
				}
				var add, remove []uint64
				if verb == "add" {
					add = ids
				} else {
					remove = ids
				}
				res, err := e.s.ChangeGroupMembers(e.actor, g.ID, add, remove, *f.dryRun)
				if err != nil {
					return err
				}
				return e.membersReport(res, *f.dryRun, *f.asJSON)
			}
		},
	}
}

// memberIDs gathers the people named by arguments, the filter and the CSV
// column. For a removal the filter chooses among the group's members
// only: everyone else it shows is not in the group anyway.
func (e *env) memberIDs(g store.AccessGroup, removing bool, refs []string, f *memberFlags, set map[string]bool) ([]uint64, error) {
	var ids []uint64
	finder := &personFinder{e: e}
	for _, ref := range refs {
		p, err := finder.find(ref)
		if err != nil {
			return nil, err
		}
		ids = append(ids, p.ID)
	}
	if set["filter"] || set["unit"] {
		people, err := e.selectPeople(*f.unit, *f.filter)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, p := range people {
			if removing && !inGroup(p, g.ID) {
				continue
			}
			ids = append(ids, p.ID)
			n++
		}
		if n == 0 {
			what := "no one"
			if removing {
				what = "no member of access group " + g.Name
			}
			return nil, fmt.Errorf("%s matches --filter %q --unit %q: see guardroom person list with the same flags", what, *f.filter, *f.unit)
		}
	}
	if set["csv"] {
		refs, err := e.csvColumn(*f.csvFile, *f.column)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			p, err := finder.find(r.ref)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", *f.csvFile, r.line, err)
			}
			ids = append(ids, p.ID)
		}
	}
	return ids, nil
}

func inGroup(p store.Person, g uint32) bool {
	for _, x := range p.Groups {
		if x == g {
			return true
		}
	}
	return false
}

type csvRef struct {
	ref  string
	line int
}

// csvColumn reads the person references of one column: identifiers for
// an identifier column (card, qr, ukey, face), else IDs, names or
// KIND:VALUE. A cell may hold several, separated by |; empty cells are
// skipped.
func (e *env) csvColumn(path, heading string) ([]csvRef, error) {
	in, name, closeIn, err := e.openImportFile(path)
	if err != nil {
		return nil, err
	}
	defer closeIn()
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header line naming the columns: %w", name, err)
	}
	col := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(heading)) {
			col = i
			break
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("%s has no column %q: its columns are %s", name, heading, strings.Join(header, ", "))
	}
	kind := ""
	if k, err := access.ParseKind(strings.TrimSpace(heading)); err == nil {
		if k == access.KindAccessCode {
			return nil, fmt.Errorf("column %q holds access codes: people are not looked up by access code (codes are never shown); use a column of names, IDs or cards, and delete the file's copies", heading)
		}
		kind = strings.TrimSpace(heading) // read back by ParseKind in KIND:VALUE
	}
	var out []csvRef
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if col >= len(rec) {
			continue
		}
		for _, v := range strings.Split(rec[col], "|") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if kind != "" {
				v = kind + ":" + v
			}
			out = append(out, csvRef{ref: v, line: line})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("column %q of %s names no one", heading, name)
	}
	return out, nil
}

// membersReport prints what a member change did, or would do.
func (e *env) membersReport(c store.MembersChange, dryRun, asJSON bool) error {
	if asJSON {
		return writeJSON(e.stdout, c)
	}
	head := "Access group %d %s: %s.\n"
	if dryRun {
		head = "Dry run, nothing changed. Access group %d %s: would be %s.\n"
	}
	fmt.Fprintf(e.stdout, head, c.Group.ID, c.Group.Name, c.Summary())
	t := newTable(e.stdout, "№", "Name", "Unit", "Change")
	for _, part := range []struct {
		people []store.Person
		what   string
	}{{c.Added, "added"}, {c.Removed, "removed"}, {c.Already, "already in"}, {c.NotIn, "not in it"}} {
		for _, p := range part.people {
			t.row(fmt.Sprint(p.ID), p.Name, e.s.UnitPath(p.Unit), part.what)
		}
	}
	return t.flush()
}
