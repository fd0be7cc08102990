package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// personRefHelp is how PERSON is written on the command line.
const personRefHelp = "PERSON is a person's ID, their exact name, or an identifier they hold written KIND:VALUE (card:10:456, qr:ABC)."

// personFlags are the flags person add and edit share.
type personFlags struct {
	info, apartment, unit    *string
	validFrom, validUntil    *string
	levels, groups, locks    listFlag
	mf                       mfFlags
	cards, qrs, ukeys, faces listFlag
	code                     *bool
	codeFile                 *string
}

func addPersonFlags(fs *flag.FlagSet, edit bool) *personFlags {
	f := &personFlags{}
	replace, never := "", ""
	if edit {
		replace, never = " (replaces the current ones; none: no more)", ", or never"
	}
	f.info = fs.String("info", "", "free `TEXT` that tells namesakes apart")
	f.apartment = fs.String("apartment", "", "the `APARTMENT` the person lives in: its name (guardroom apartment list)"+map[bool]string{true: "; none: no apartment", false: ""}[edit])
	f.unit = fs.String("unit", "", "the organization `UNIT` the person belongs to: number, name or path")
	f.validFrom = fs.String("valid-from", "", "access starts at `TIME`: "+siteTimeHelp+never)
	f.validUntil = fs.String("valid-until", "", "access ends at `TIME` (a date alone: the end of that day)"+never)
	fs.Var(&f.levels, "level", "give an access `LEVEL` (ID or name; repeatable)"+replace)
	fs.Var(&f.groups, "group", "put the person in an access `GROUP` (ID or name; repeatable; \"all\": every group serving the person's unit)"+replace)
	fs.Var(&f.locks, "lock", "the lock `NUMBER`s the person may open (repeatable; none given: no restriction)"+replace)
	f.mf = addMFFlags(fs)
	if !edit {
		fs.Var(&f.cards, "card", "a card `ID`: 12345 or facility:card 10:456 (repeatable)")
		fs.Var(&f.qrs, "qr", "a QR code `VALUE` (repeatable)")
		fs.Var(&f.ukeys, "ukey", "a UKey `REFERENCE` (repeatable)")
		fs.Var(&f.faces, "face", "a face ID enrolment `REFERENCE` (repeatable)")
		f.code = fs.Bool("code", false, "give an access code: typed twice without echo on a terminal, or one line of standard input")
		f.codeFile = fs.String("code-file", "", "give the access code on the first line of `FILE` (mode 0600)")
	}
	return f
}

// personGroups resolves --group: "all" alone is every group that serves a
// person of unit (004's select all), else each group named.
func (e *env) personGroups(refs listFlag, unit uint64) ([]uint32, error) {
	if len(refs) != 1 || !strings.EqualFold(strings.TrimSpace(refs[0]), "all") {
		return e.findAccessGroups(refs)
	}
	groups, err := e.s.AccessGroupsFor(e.actor, unit)
	if err != nil {
		return nil, err
	}
	ids := make([]uint32, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	return ids, nil
}

// access fills p's validity, levels, groups, locks and multifactor rule
// from the flags that were given.
func (f *personFlags) access(e *env, set map[string]bool, p *store.Person) error {
	var err error
	if set["valid-from"] {
		if p.ValidFrom, err = e.siteTimeFlag("valid-from", *f.validFrom, false, true); err != nil {
			return err
		}
	}
	if set["valid-until"] {
		if p.ValidUntil, err = e.siteTimeFlag("valid-until", *f.validUntil, true, true); err != nil {
			return err
		}
	}
	if set["level"] {
		if p.Levels, err = e.findLevels(f.levels); err != nil {
			return err
		}
	}
	if set["group"] {
		if p.Groups, err = e.personGroups(f.groups, p.Unit); err != nil {
			return err
		}
	}
	if set["lock"] {
		p.Locks = nil
		if !f.locks.isNone() {
			for _, v := range f.locks {
				for _, s := range strings.Split(v, ",") {
					n, err := strconv.Atoi(strings.TrimSpace(s))
					if err != nil {
						return usagef(e.cmd, "--lock %q is not a lock number: write a number from 1", s)
					}
					p.Locks = append(p.Locks, n)
				}
			}
		}
	}
	mf, changed, err := f.mf.rule(e, set)
	if err != nil {
		return err
	}
	if changed {
		p.MultiFactor = mf
	}
	return nil
}

// identifiers returns the identifiers person add gives, the access code
// read last (from its file, the terminal or standard input).
func (f *personFlags) identifiers(e *env) ([]access.Identifier, error) {
	var ids []access.Identifier
	for _, k := range []struct {
		kind access.Kind
		vals listFlag
	}{{access.KindCard, f.cards}, {access.KindQR, f.qrs}, {access.KindUKey, f.ukeys}, {access.KindFaceID, f.faces}} {
		for _, v := range k.vals {
			ids = append(ids, access.Identifier{Kind: k.kind, Value: v})
		}
	}
	code, err := e.accessCode(*f.code, *f.codeFile)
	if err != nil {
		return nil, err
	}
	if code != "" {
		ids = append(ids, access.Identifier{Kind: access.KindAccessCode, Value: code})
	}
	return ids, nil
}

// accessCode reads an access code when one was asked for: from file, or
// with ask from the terminal (twice, masked) or one line of stdin.
func (e *env) accessCode(ask bool, file string) (string, error) {
	switch {
	case ask && file != "":
		return "", usagef(e.cmd, "give the access code with --code or --code-file, not both")
	case file != "":
		return readCodeFile(e.abs(file))
	case ask:
		return e.readCode("Access code (4 to 12 digits): ")
	}
	return "", nil
}

func personCommands() []*command {
	return []*command{
		{
			name: "person list", maxArgs: 0,
			summary: "list the people who open doors: unit, status, identifiers, levels and groups",
			details: "--unit shows the people of a unit and the units below it. --filter matches the name,\n" +
				"info, apartment or an identifier (any case).",
			example: "guardroom person list\nguardroom person list --unit \"Block A\" --filter lee --json",
			setup: func(fs *flag.FlagSet) runFunc {
				unit := fs.String("unit", "", "only the people of `UNIT` and the units below it")
				filter := fs.String("filter", "", "only the people whose name, info, apartment or identifier contains `TEXT`")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.personList(*unit, *filter, *asJSON) }
			},
		},
		{
			name: "person show", args: "PERSON", minArgs: 1, maxArgs: 1,
			summary: "show one person: validity, levels, groups, multifactor rule, locks, identifiers",
			details: personRefHelp + " An access code shows as ****: it is never shown.",
			example: "guardroom person show 42\nguardroom person show card:10:456 --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error {
					p, err := e.findPerson(args[0])
					if err != nil {
						return err
					}
					return e.personShow(p, *asJSON)
				}
			},
		},
		{
			name: "person add", args: "NAME", minArgs: 1, maxArgs: 1,
			summary: "add a person in a unit, with identifiers, access levels and groups",
			details: "Access control is active unless --inactive. An access code is never a flag value (it\n" +
				"would stay in the shell's history): --code asks for it, --code-file reads it. Identifiers\n" +
				"are unique across the site: one held by someone else refuses the whole person.",
			example: "guardroom person add \"Ann Lee\" --unit \"Block A\" --apartment A12 --card 10:456 --group Residents\n" +
				"guardroom person add \"Bo Ek\" --unit HQ --card 1001 --code --multifactor card,code --ordered --window 20s\n" +
				"guardroom person add \"Cleaner\" --unit HQ --level Cleaning --valid-until 2026-12-31 --code-file code.txt",
			setup: func(fs *flag.FlagSet) runFunc {
				f := addPersonFlags(fs, false)
				inactive := fs.Bool("inactive", false, "access control off: the person opens nothing until activated")
				offline := fs.Bool("offline", false, "the person keeps their access while the site is offline")
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					unit, err := e.findUnitFlag(*f.unit)
					if err != nil {
						return err
					}
					p := store.Person{Name: args[0], Info: *f.info, Apartment: *f.apartment, Unit: unit, Active: !*inactive, OfflineAccess: *offline}
					if err := f.access(e, given(fs), &p); err != nil {
						return err
					}
					ids, err := f.identifiers(e)
					if err != nil {
						return err
					}
					p, err = e.s.AddPerson(e.actor, p, ids)
					if err := e.write(err); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Added %s in %s%s.\n", p.Label(), e.s.UnitPath(p.Unit), withIdentifiers(p.Identifiers))
					return nil
				}
			},
		},
		{
			name: "person edit", args: "PERSON", minArgs: 1, maxArgs: 1,
			summary: "change a person's details, validity, levels, groups, locks or multifactor rule",
			details: "Only the flags given change; --level, --group and --lock replace the lists (none\n" +
				"empties one). Identifiers change with guardroom person identifier add|remove.\n" + personRefHelp,
			example: "guardroom person edit 42 --apartment B7 --valid-until 2027-06-30\n" +
				"guardroom person edit card:10:456 --active=false\n" +
				"guardroom person edit \"Ann Lee\" --group Residents --group Gym --multifactor none",
			setup: func(fs *flag.FlagSet) runFunc {
				f := addPersonFlags(fs, true)
				newName := fs.String("name", "", "the person's new `NAME`")
				var active, offline optBool
				fs.Var(&active, "active", "access control active: true or false")
				fs.Var(&offline, "offline", "offline access: true or false")
				return func(e *env, args []string) error {
					set := given(fs)
					if !anyGiven(set, "name", "info", "apartment", "unit", "active", "offline", "valid-from", "valid-until",
						"level", "group", "lock", "multifactor", "ordered", "window") {
						return usagef(e.cmd, "person edit needs at least one flag to change")
					}
					p, err := e.findPerson(args[0])
					if err != nil {
						return err
					}
					if set["name"] {
						p.Name = *newName
					}
					if set["info"] {
						p.Info = *f.info
					}
					if set["apartment"] {
						// By name: the store finds it ("none" or empty: no apartment).
						p.ApartmentID, p.Apartment = 0, *f.apartment
						if strings.EqualFold(strings.TrimSpace(p.Apartment), "none") {
							p.Apartment = ""
						}
					}
					if set["unit"] {
						if p.Unit, err = e.findUnitFlag(*f.unit); err != nil {
							return err
						}
					}
					if active.v != nil {
						p.Active = *active.v
					}
					if offline.v != nil {
						p.OfflineAccess = *offline.v
					}
					if err := f.access(e, set, &p); err != nil {
						return err
					}
					p, err = e.s.EditPerson(e.actor, p)
					if err := e.write(err); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Changed %s.\n\n", p.Label())
					return e.personShow(p, false)
				}
			},
		},
		{
			name: "person remove", args: "PERSON", minArgs: 1, maxArgs: 1,
			summary: "remove a person (asks first); their identifiers are freed for someone else",
			details: "Cards, QR codes, UKeys and face IDs go to the unassigned pool of the person's unit\n" +
				"(guardroom person unassigned); an access code is dropped. " + personRefHelp,
			example: "guardroom person remove 42\nguardroom person remove card:10:456 --yes",
			setup: func(fs *flag.FlagSet) runFunc {
				yes := fs.Bool("yes", false, "do not ask (required when there is no terminal)")
				return func(e *env, args []string) error { return e.personRemove(args[0], *yes) }
			},
		},
		{
			name: "person identifier add", args: "PERSON KIND [VALUE]", minArgs: 2, maxArgs: 3,
			summary: "give a person a card, QR code, UKey, face ID or access code",
			details: "KIND: card, qr, ukey, face or code. An access code has no VALUE on the command line:\n" +
				"it is typed twice without echo, read as one line of standard input, or from --code-file.\n" +
				"Identifiers are unique across the site. " + personRefHelp,
			example: "guardroom person identifier add 42 card 10:456\nguardroom person identifier add 42 code\n" +
				"guardroom person identifier add \"Ann Lee\" code --code-file code.txt",
			setup: func(fs *flag.FlagSet) runFunc {
				codeFile := fs.String("code-file", "", "read the access code from the first line of `FILE` (mode 0600)")
				return func(e *env, args []string) error {
					id, err := e.identifierArgs(args[1:], true, *codeFile)
					if err != nil {
						return err
					}
					p, err := e.findPerson(args[0])
					if err != nil {
						return err
					}
					if id.Kind == access.KindAccessCode {
						if id.Value, err = e.accessCode(*codeFile == "", *codeFile); err != nil {
							return err
						}
					}
					p, err = e.s.AddIdentifier(e.actor, p.ID, id)
					if err := e.write(err); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "%s now holds %s.\n", upperFirst(p.Label()), shownIdentifier(id))
					return nil
				}
			},
		},
		{
			name: "person identifier remove", args: "PERSON KIND [VALUE]", minArgs: 2, maxArgs: 3,
			summary: "take an identifier from a person; a card, QR code, UKey or face ID goes to the unassigned pool",
			details: "KIND: card, qr, ukey, face or code (a person has one access code: no VALUE). " + personRefHelp,
			example: "guardroom person identifier remove 42 card 10:456\nguardroom person identifier remove 42 code",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					id, err := e.identifierArgs(args[1:], true, "")
					if err != nil {
						return err
					}
					p, err := e.findPerson(args[0])
					if err != nil {
						return err
					}
					p, err = e.s.RemoveIdentifier(e.actor, p.ID, id)
					if err := e.write(err); err != nil {
						return err
					}
					freed := "; it is free for someone else (guardroom person unassigned)"
					if id.Kind == access.KindAccessCode {
						freed = ""
					}
					fmt.Fprintf(e.stdout, "%s no longer holds %s%s.\n", upperFirst(p.Label()), shownIdentifier(id), freed)
					return nil
				}
			},
		},
		{
			name: "person find", args: "KIND VALUE", minArgs: 2, maxArgs: 2,
			summary: "find who holds an identifier, in any spelling (010:00456 is card 10:456)",
			details: "KIND: card, qr, ukey or face. Nobody is looked up by access code.",
			example: "guardroom person find card 010:00456\nguardroom person find qr ABC123 --json",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error {
					id, err := e.identifierArgs(args, false, "")
					if err != nil {
						return err
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					p, err := e.s.FindPersonByIdentifier(e.actor, id)
					if err != nil {
						return err
					}
					return e.personShow(p, *asJSON)
				}
			},
		},
		{
			name: "person unassigned", args: "[add|remove KIND VALUE]", maxArgs: 3,
			summary: "list the unassigned identifiers (freed or stock cards), or add or remove one",
			details: "With no arguments it lists the pool of your units. add registers a stock identifier\n" +
				"nobody holds in --unit's pool; remove takes one out (destroyed or lost). Access codes\n" +
				"are never kept unassigned.",
			example: "guardroom person unassigned\nguardroom person unassigned add card 10:900 --unit HQ\n" +
				"guardroom person unassigned remove card 10:900",
			setup: func(fs *flag.FlagSet) runFunc {
				unit := fs.String("unit", "", "the `UNIT` whose pool gets the identifier (add)")
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.personUnassigned(args, *unit, *asJSON) }
			},
		},
	}
}

// identifierArgs reads KIND [VALUE]. An access code never comes as an
// argument: it would stay in the shell's history.
func (e *env) identifierArgs(args []string, codeAllowed bool, codeFile string) (access.Identifier, error) {
	kind, err := access.ParseKind(args[0])
	if err != nil {
		return access.Identifier{}, usagef(e.cmd, "%s", accessText(err))
	}
	id := access.Identifier{Kind: kind}
	switch {
	case kind == access.KindAccessCode && len(args) > 1:
		// The value is not repeated: it is the code.
		return id, usagef(e.cmd, "an access code is never given on the command line, where it would stay in the shell's history: leave it out and type it when asked, pipe it to standard input, or use --code-file")
	case kind == access.KindAccessCode && !codeAllowed:
		return id, usagef(e.cmd, "access codes are never shown, so nobody is looked up by one and none is kept unassigned: use another identifier")
	case kind == access.KindAccessCode:
		return id, nil
	case len(args) < 2:
		return id, usagef(e.cmd, "give the %s's VALUE after the kind", kind)
	case codeFile != "":
		return id, usagef(e.cmd, "--code-file goes with kind code only")
	}
	id.Value = args[1]
	return id, nil
}

// shownIdentifier is an identifier for a message: an access code is
// "an access code", never its digits.
func shownIdentifier(id access.Identifier) string {
	if id.Kind == access.KindAccessCode {
		return "an access code"
	}
	v, err := access.NormalizeValue(id.Kind, id.Value)
	if err != nil {
		v = id.Value
	}
	return access.Identifier{Kind: id.Kind, Value: v}.String()
}

// withIdentifiers is ", with card 10:456, access code ****" or "".
func withIdentifiers(ids []store.Identifier) string {
	if len(ids) == 0 {
		return ", with no identifiers yet"
	}
	return ", with " + identifiersText(ids)
}

func identifiersText(ids []store.Identifier) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return strings.Join(out, ", ")
}

// findPerson opens the store and finds PERSON by ID, identifier or exact
// name.
func (e *env) findPerson(ref string) (store.Person, error) {
	if err := e.openStore(openOptions{}); err != nil {
		return store.Person{}, err
	}
	return (&personFinder{e: e}).find(ref)
}

// personFinder resolves PERSON references (personRefHelp), reading the
// people list once however many names it resolves.
type personFinder struct {
	e      *env
	byName map[string][]store.Person // lower-case name
}

func (f *personFinder) find(ref string) (store.Person, error) {
	e := f.e
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseUint(ref, 10, 64); err == nil {
		return e.s.GetPerson(e.actor, id)
	}
	if k, v, ok := strings.Cut(ref, ":"); ok {
		if kind, err := access.ParseKind(k); err == nil {
			return e.s.FindPersonByIdentifier(e.actor, access.Identifier{Kind: kind, Value: v})
		}
	}
	if f.byName == nil {
		people, err := e.s.ListPeople(e.actor)
		if err != nil {
			return store.Person{}, err
		}
		f.byName = map[string][]store.Person{}
		for _, p := range people {
			k := strings.ToLower(p.Name)
			f.byName[k] = append(f.byName[k], p)
		}
	}
	hits := f.byName[strings.ToLower(ref)]
	switch len(hits) {
	case 0:
		return store.Person{}, fmt.Errorf("no person named %q in your organization units: see guardroom person list", ref)
	case 1:
		return hits[0], nil
	}
	ids := make([]string, len(hits))
	for i, p := range hits {
		ids[i] = strconv.FormatUint(p.ID, 10)
	}
	return store.Person{}, fmt.Errorf("%d people are named %q (IDs %s): give the ID instead", len(hits), ref, strings.Join(ids, ", "))
}

// personJSON is a person as --json prints it: the store's record plus the
// unit's path and the status the columns show. An access code has no
// value.
type personJSON struct {
	store.Person
	UnitPath string `json:"unit_path"`
	Status   string `json:"status"`
}

// personStatus is what the person may do now, in a word or two.
func personStatus(p store.Person, now time.Time, loc *time.Location) string {
	switch {
	case !p.Active:
		return "inactive"
	case !p.ValidUntil.IsZero() && !now.Before(p.ValidUntil):
		return "expired"
	case !p.ValidFrom.IsZero() && now.Before(p.ValidFrom):
		return "from " + p.ValidFrom.In(loc).Format(timeLayout)
	}
	return "active"
}

func siteTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format(timeLayout)
}

// selectPeople returns the people person list shows: those of unitRef
// and the units below it (all when empty) whose name, info, apartment or
// identifier contains filter (any case).
func (e *env) selectPeople(unitRef, filter string) ([]store.Person, error) {
	var out []store.Person
	err := e.eachSelectedPerson(unitRef, filter, func(p store.Person) error {
		out = append(out, p)
		return nil
	})
	return out, err
}

// eachSelectedPerson calls fn with each person selectPeople returns, one
// at a time.
func (e *env) eachSelectedPerson(unitRef, filter string, fn func(p store.Person) error) error {
	under := ""
	if strings.TrimSpace(unitRef) != "" {
		u, err := e.s.FindUnit(e.actor, unitRef)
		if err != nil {
			return err
		}
		under = e.s.UnitPath(u.ID)
	}
	filter = strings.ToLower(strings.TrimSpace(filter))
	return e.s.EachPerson(e.actor, func(p store.Person) error {
		path := e.s.UnitPath(p.Unit)
		if under != "" && path != under && !strings.HasPrefix(path, under+" / ") {
			return nil
		}
		if filter != "" && !strings.Contains(strings.ToLower(strings.Join([]string{p.Name, p.Info, p.Apartment, identifiersText(p.Identifiers)}, "\x00")), filter) {
			return nil
		}
		return fn(p)
	})
}

func (e *env) personList(unitRef, filter string, asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	if asJSON {
		// Written as read: a list of any length is not held.
		loc, err := e.siteLocation()
		if err != nil {
			return err
		}
		now := e.s.Now()
		list := newJSONArray(e.stdout, 0)
		if err := e.eachSelectedPerson(unitRef, filter, func(p store.Person) error {
			return list.add(personJSON{Person: p, UnitPath: e.s.UnitPath(p.Unit), Status: personStatus(p, now, loc)})
		}); err != nil {
			return err
		}
		if err := list.end(false); err != nil {
			return err
		}
		_, err = io.WriteString(e.stdout, "\n")
		return err
	}
	people, err := e.selectPeople(unitRef, filter)
	if err != nil {
		return err
	}
	return e.personTable(people, false, "No people.")
}

// personTable prints people as person list does.
func (e *env) personTable(people []store.Person, asJSON bool, none string) error {
	loc, err := e.siteLocation()
	if err != nil {
		return err
	}
	now := e.s.Now()
	rows := []personJSON{}
	for _, p := range people {
		rows = append(rows, personJSON{Person: p, UnitPath: e.s.UnitPath(p.Unit), Status: personStatus(p, now, loc)})
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stdout, none)
		return nil
	}
	n, err := e.accessNames()
	if err != nil {
		return err
	}
	t := newTable(e.stdout, "№", "Name", "Info", "Apartment", "Unit", "Status", "Identifiers", "Groups", "Levels")
	for _, r := range rows {
		t.row(strconv.FormatUint(r.ID, 10), r.Name, dash(r.Info), dash(r.Apartment), r.UnitPath, r.Status,
			dash(identifiersText(r.Identifiers)), idNames(n.groups, r.Groups), idNames(n.levels, r.Levels))
	}
	return t.flush()
}

func (e *env) personShow(p store.Person, asJSON bool) error {
	loc, err := e.siteLocation()
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, personJSON{Person: p, UnitPath: e.s.UnitPath(p.Unit), Status: personStatus(p, e.s.Now(), loc)})
	}
	n, err := e.accessNames()
	if err != nil {
		return err
	}
	f := newFields(e.stdout)
	f.add("Person", "%s", p.Label())
	f.add("Info", "%s", dash(p.Info))
	f.add("Apartment", "%s", dash(p.Apartment))
	f.add("Unit", "%s", e.s.UnitPath(p.Unit))
	f.add("Status", "%s", personStatus(p, e.s.Now(), loc))
	f.add("Access control", "%s", map[bool]string{true: "active", false: "inactive"}[p.Active])
	f.add("Offline access", "%s", yesNo(p.OfflineAccess))
	f.add("Valid from", "%s", siteTime(p.ValidFrom, loc))
	f.add("Valid until", "%s", siteTime(p.ValidUntil, loc))
	f.add("Access levels", "%s", idNames(n.levels, p.Levels))
	f.add("Access groups", "%s", idNames(n.groups, p.Groups))
	f.add("Multifactor", "%s", mfText(p.MultiFactor))
	locks := "any (no restriction by lock number)"
	if len(p.Locks) > 0 {
		locks = strings.Trim(strings.Join(strings.Fields(fmt.Sprint(p.Locks)), ", "), "[]")
	}
	f.add("Locks", "%s", locks)
	if len(p.Identifiers) == 0 {
		f.add("Identifiers", "none")
	}
	for i, id := range p.Identifiers {
		label := ""
		if i == 0 {
			label = "Identifiers"
		}
		f.add(label, "%s, added %s", id.String(), siteTime(id.Added, loc))
	}
	f.add("Created", "%s", siteTime(p.Created, loc))
	f.add("Updated", "%s", siteTime(p.Updated, loc))
	return f.flush()
}

func (e *env) personRemove(ref string, yes bool) error {
	p, err := e.findPerson(ref)
	if err != nil {
		return err
	}
	if !yes {
		what := fmt.Sprintf("removing %s cannot be undone", p.Label())
		if !e.terminal() {
			return &usageError{noUsage: true, msg: what + ": add --yes to confirm (there is no terminal to ask on); nothing was removed"}
		}
		if err := e.confirmTyped(fmt.Sprintf("Remove %s (%s)? Their identifiers are freed. Type yes: ", p.Label(), e.s.UnitPath(p.Unit)), "yes", true); err != nil {
			return err
		}
	}
	if err := e.write(e.s.RemovePerson(e.actor, p.ID)); err != nil {
		return err
	}
	var freed []string
	code := false
	for _, id := range p.Identifiers {
		if id.Kind == access.KindAccessCode {
			code = true
			continue
		}
		freed = append(freed, id.String())
	}
	fmt.Fprintf(e.stdout, "Removed %s.", p.Label())
	if len(freed) > 0 {
		fmt.Fprintf(e.stdout, " Freed %s: in the unassigned pool of %s, to be handed out again.", strings.Join(freed, ", "), e.s.UnitPath(p.Unit))
	}
	if code {
		fmt.Fprint(e.stdout, " Their access code is dropped and can be given to someone else.")
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// freeJSON is an unassigned identifier as --json prints it.
type freeJSON struct {
	store.FreeIdentifier
	Identifier string `json:"identifier"`
	UnitPath   string `json:"unit_path"`
}

func (e *env) personUnassigned(args []string, unitRef string, asJSON bool) error {
	if len(args) > 0 {
		op := strings.ToLower(args[0])
		if (op != "add" && op != "remove") || len(args) != 3 {
			return usagef(e.cmd, "person unassigned takes no arguments (the list), or add|remove KIND VALUE")
		}
		id, err := e.identifierArgs(args[1:], false, "")
		if err != nil {
			return err
		}
		if err := e.openStore(openOptions{}); err != nil {
			return err
		}
		if op == "remove" {
			if err := e.write(e.s.RemoveUnassignedIdentifier(e.actor, id)); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Took %s out of the unassigned pool.\n", shownIdentifier(id))
			return nil
		}
		unit, err := e.findUnitFlag(unitRef)
		if err != nil {
			return err
		}
		f, err := e.s.AddUnassignedIdentifier(e.actor, unit, id)
		if err := e.write(err); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Added %s to the unassigned pool of %s.\n", f, e.s.UnitPath(f.Unit))
		return nil
	}
	if unitRef != "" {
		return usagef(e.cmd, "--unit goes with person unassigned add")
	}
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	free, err := e.s.ListUnassignedIdentifiers(e.actor)
	if err != nil {
		return err
	}
	rows := []freeJSON{}
	for _, f := range free {
		rows = append(rows, freeJSON{FreeIdentifier: f, Identifier: f.String(), UnitPath: e.s.UnitPath(f.Unit)})
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stdout, "No unassigned identifiers.")
		return nil
	}
	loc, err := e.siteLocation()
	if err != nil {
		return err
	}
	slices.SortStableFunc(rows, func(a, b freeJSON) int { return strings.Compare(a.UnitPath, b.UnitPath) })
	t := newTable(e.stdout, "Identifier", "Unit", "Freed", "From")
	for _, r := range rows {
		from := r.From
		if from == "" {
			from = "stock"
		}
		t.row(r.Identifier, r.UnitPath, siteTime(r.Freed, loc), from)
	}
	return t.flush()
}
