package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
	"github.com/guardroom/guardroom/store/access"
)

// This file holds what the people and access commands share (repeatable
// flags, references to levels, groups and profiles, site times, multifactor
// rules) and the access group: check and timezone.

// listFlag is a repeatable flag; each use adds one value.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ", ") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// isNone reports whether a list flag was given as "none": on edit it
// empties the list, as giving the flag no value cannot.
func (l listFlag) isNone() bool {
	return len(l) == 1 && strings.EqualFold(strings.TrimSpace(l[0]), "none")
}

// given returns the names of the flags set on the command line.
func given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// anyGiven reports whether one of the named flags was set: a change
// command with none of them would change nothing.
func anyGiven(set map[string]bool, names ...string) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}

// accessText strips the access package's sentinel from a message: the
// operator reads what to fix, not the error's type.
func accessText(err error) string {
	return strings.TrimPrefix(err.Error(), access.ErrInvalid.Error()+": ")
}

// siteLocation is the zone schedules are read in: a time typed for a
// decision or a validity means the site's wall clock, not the guard-room
// PC's when the two differ.
func (e *env) siteLocation() (*time.Location, error) {
	set, err := e.s.AccessSettings(e.actor)
	if err != nil {
		return nil, err
	}
	if set.TimeZone == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(set.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("site time zone %q: %w", set.TimeZone, err)
	}
	return loc, nil
}

// siteTimeHelp is how TIME flags of the access commands are written.
const siteTimeHelp = "2026-12-31 or \"2026-12-31 18:00\" (the site's time zone) or RFC 3339"

// parseSiteTime reads a date, or a date and time, on the site's wall
// clock. A bare date given as an end is the end of that day.
func parseSiteTime(s string, end bool, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", time.DateTime, "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: write %s", s, siteTimeHelp)
}

// siteTimeFlag reads a TIME flag for the store; "never" (when allowed) is
// no bound.
func (e *env) siteTimeFlag(name, s string, end, allowNever bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || (allowNever && strings.EqualFold(s, "never")) {
		return time.Time{}, nil
	}
	loc, err := e.siteLocation()
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseSiteTime(s, end, loc)
	if err != nil {
		never := ""
		if allowNever {
			never = ", or never"
		}
		return time.Time{}, usagef(e.cmd, "--%s: %v%s", name, err, never)
	}
	return t, nil
}

// resolveIDs turns references (IDs or names) into IDs with find; "none"
// is the empty list.
func resolveIDs[T any](refs listFlag, find func(string) (T, error), id func(T) uint32) ([]uint32, error) {
	if refs.isNone() {
		return nil, nil
	}
	var out []uint32
	for _, ref := range refs {
		for _, r := range strings.Split(ref, ",") {
			if strings.TrimSpace(r) == "" {
				continue
			}
			v, err := find(r)
			if err != nil {
				return nil, err
			}
			out = append(out, id(v))
		}
	}
	return out, nil
}

func (e *env) findLevels(refs listFlag) ([]uint32, error) {
	return resolveIDs(refs, func(r string) (store.AccessLevel, error) { return e.s.FindAccessLevel(e.actor, r) },
		func(l store.AccessLevel) uint32 { return uint32(l.ID) })
}

func (e *env) findAccessGroups(refs listFlag) ([]uint32, error) {
	return resolveIDs(refs, func(r string) (store.AccessGroup, error) { return e.s.FindAccessGroup(e.actor, r) },
		func(g store.AccessGroup) uint32 { return g.ID })
}

func (e *env) findDoorGroups(refs listFlag) ([]uint32, error) {
	return resolveIDs(refs, func(r string) (store.DoorGroup, error) { return e.s.FindDoorGroup(e.actor, r) },
		func(g store.DoorGroup) uint32 { return g.ID })
}

// findProfile resolves a time profile; empty, "Always" and 0 are the
// built-in Always.
func (e *env) findProfile(ref string) (access.ProfileID, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || ref == "0" || strings.EqualFold(ref, "always") {
		return access.Always, nil
	}
	p, err := e.s.FindTimeProfile(e.actor, ref)
	if err != nil {
		return 0, err
	}
	return access.ProfileID(p.ID), nil
}

// findUnitFlag resolves a --unit flag, which the command requires.
func (e *env) findUnitFlag(ref string) (uint64, error) {
	if strings.TrimSpace(ref) == "" {
		return 0, usagef(e.cmd, "%s needs --unit: the organization unit it belongs to (see guardroom unit list)", e.cmd.name)
	}
	u, err := e.s.FindUnit(e.actor, ref)
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// accessNames names the access configuration for the output: what a
// record refers to is shown by name, with its ID.
type accessNames struct {
	profiles, levels, groups, doors, doorGroups map[uint32]string
}

func (e *env) accessNames() (accessNames, error) {
	n := accessNames{map[uint32]string{}, map[uint32]string{}, map[uint32]string{}, map[uint32]string{}, map[uint32]string{}}
	ps, err := e.s.ListTimeProfiles(e.actor)
	if err != nil {
		return n, err
	}
	for _, p := range ps {
		n.profiles[p.ID] = p.Name
	}
	ls, err := e.s.ListAccessLevels(e.actor)
	if err != nil {
		return n, err
	}
	for _, l := range ls {
		n.levels[uint32(l.ID)] = l.Name
	}
	gs, err := e.s.ListAccessGroups(e.actor)
	if err != nil {
		return n, err
	}
	for _, g := range gs {
		n.groups[g.ID] = g.Name
	}
	ds, err := e.s.ListDoors(e.actor)
	if err != nil {
		return n, err
	}
	for _, d := range ds {
		n.doors[d.ID] = d.Name
	}
	dgs, err := e.s.ListDoorGroups(e.actor)
	if err != nil {
		return n, err
	}
	for _, g := range dgs {
		n.doorGroups[g.ID] = g.Name
	}
	return n, nil
}

// idName is "3 Office hours", or the ID alone for one the operator does not
// see.
func idName(m map[uint32]string, id uint32) string {
	if n, ok := m[id]; ok {
		return fmt.Sprintf("%d %s", id, n)
	}
	return strconv.FormatUint(uint64(id), 10)
}

func idNames(m map[uint32]string, ids []uint32) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = idName(m, id)
	}
	return dash(strings.Join(out, ", "))
}

func (n accessNames) profile(id access.ProfileID) string {
	if id == access.Always {
		return "Always"
	}
	return idName(n.profiles, uint32(id))
}

// mfFlags are the flags of a multifactor rule (people and access groups).
type mfFlags struct {
	kinds   *string
	ordered *bool
	window  *time.Duration
}

func addMFFlags(fs *flag.FlagSet) mfFlags {
	return mfFlags{
		kinds:   fs.String("multifactor", "", "require the identifier `KINDS` together, separated by commas: card, qr, code, ukey, face (none: no rule)"),
		ordered: fs.Bool("ordered", false, "the multifactor kinds must be presented in the order given"),
		window:  fs.Duration("window", 0, "the multifactor kinds must all be presented within `DURATION` (default 30s)"),
	}
}

// rule returns the multifactor rule the flags give; changed is false when
// none of them was given (an edit keeps the rule).
func (m mfFlags) rule(e *env, set map[string]bool) (mf *access.MultiFactor, changed bool, err error) {
	if !set["multifactor"] {
		if set["ordered"] || set["window"] {
			return nil, false, usagef(e.cmd, "--ordered and --window go with --multifactor KINDS")
		}
		return nil, false, nil
	}
	spec := strings.TrimSpace(*m.kinds)
	if strings.EqualFold(spec, "none") {
		if set["ordered"] || set["window"] {
			return nil, false, usagef(e.cmd, "--multifactor none has no --ordered or --window")
		}
		return nil, true, nil
	}
	mf = &access.MultiFactor{Ordered: *m.ordered, Window: *m.window}
	for _, k := range strings.Split(spec, ",") {
		kind, err := access.ParseKind(strings.TrimSpace(k))
		if err != nil {
			return nil, false, usagef(e.cmd, "--multifactor: %s", accessText(err))
		}
		mf.Kinds = append(mf.Kinds, kind)
	}
	return mf, true, nil
}

func mfText(mf *access.MultiFactor) string {
	if mf == nil {
		return "-"
	}
	return mf.String()
}

// readCodeFile reads an access code from the first line of a file only its
// owner can read: a code given as a flag value would land in the shell's
// history and the process list.
func readCodeFile(path string) (string, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("code file %s does not exist: check the path", path)
	}
	if err != nil {
		return "", fmt.Errorf("code file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("code file %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("code file %s is open to other users (mode %04o): run chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("code file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("code file %s is empty: put the access code on its first line", path)
	}
	return line, nil
}

// The subgroups' summaries live here: their keys are longer than the
// table's, and gofmt would realign every line of it.
func init() {
	groupSummary["person identifier"] = "a person's cards, QR codes, UKeys, face IDs and access code"
	groupSummary["door group"] = "door groups: named sets of doors that access levels allow at once"
}

func accessCommands() []*command {
	var out []*command
	for _, g := range [][]*command{scheduleCommands(), doorCommands(), accessGroupCommands(), groupMemberCommands(), levelCommands(), accessCheckCommands()} {
		out = append(out, g...)
	}
	return out
}

// credFlag collects the credentials of access check in the order they
// are given: the order matters to an ordered multifactor rule.
type credFlag struct {
	kind access.Kind
	list *[]access.Presented
}

func (c credFlag) String() string { return "" }

func (c credFlag) Set(v string) error {
	*c.list = append(*c.list, access.Presented{Kind: c.kind, Value: v})
	return nil
}

func accessCheckCommands() []*command {
	return []*command{
		{
			name: "access check", maxArgs: 0,
			summary: "may this person, or the holder of these credentials, pass this door now; and if not, why",
			details: "Prints the decision step by step. With --person and no credential the credentials are\n" +
				"assumed presented (the credential and multifactor rules are skipped; the output says so).\n" +
				"Credentials are presented one second apart in the order given; --code reads an access\n" +
				"code without echo on a terminal or as one line of standard input, never from the line.\n" +
				"Without --door every door you see is checked, one line each.\n" +
				"Exit status with --door: 0 granted, 1 denied (the decision is on standard output) or\n" +
				"not decided (the reason is on standard error), 2 usage error.",
			example: "guardroom access check --person 42 --door \"Main entrance\"\n" +
				"guardroom access check --card 10:456 --code --door 3 --direction exit --at \"2026-12-24 22:00\"\n" +
				"guardroom access check --person \"Ann Lee\" --offline --json",
			setup: func(fs *flag.FlagSet) runFunc {
				var creds []access.Presented
				person := fs.String("person", "", "the `PERSON`: ID, exact name or KIND:VALUE")
				fs.Var(credFlag{access.KindCard, &creds}, "card", "a card `ID` presented (repeatable)")
				fs.Var(credFlag{access.KindQR, &creds}, "qr", "a QR code `VALUE` presented")
				fs.Var(credFlag{access.KindUKey, &creds}, "ukey", "a UKey `REFERENCE` presented")
				fs.Var(credFlag{access.KindFaceID, &creds}, "face", "a face ID `REFERENCE` presented")
				code := fs.Bool("code", false, "an access code is presented: typed without echo, or one line of standard input")
				door := fs.String("door", "", "the `DOOR`: ID or name (default: every door)")
				dir := choice(fs, "direction", "entry", "`DIRECTION`: entry or exit", "entry", "exit")
				at := fs.String("at", "", "at `TIME` instead of now: "+siteTimeHelp)
				offline := fs.Bool("offline", false, "the site is offline (the person then needs offline access)")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error {
					c := accessQuestion{person: *person, door: *door, at: *at, offline: *offline, code: *code, creds: creds}
					var err error
					if c.dir, err = access.ParseDirection(*dir); err != nil || c.dir == access.Both {
						return usagef(e.cmd, "--direction is entry or exit")
					}
					if strings.TrimSpace(c.person) == "" && len(creds) == 0 && !c.code {
						return usagef(e.cmd, "access check needs --person, or the credentials presented (--card, --qr, --code, --ukey, --face)")
					}
					return e.accessCheck(c, *asJSON)
				}
			},
		},
		{
			name: "access timezone", args: "[ZONE]", maxArgs: 1,
			summary: "show or set the site's time zone, the wall clock every schedule is read on",
			details: "ZONE is an IANA name such as Europe/Helsinki, or local for this computer's own zone.\n" +
				"Setting it needs an operator granted the whole organization.",
			example: "guardroom access timezone\nguardroom access timezone Europe/Helsinki",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					if len(args) == 1 {
						zone := strings.TrimSpace(args[0])
						if strings.EqualFold(zone, "local") {
							zone = ""
						}
						if err := e.write(e.s.SetAccessSettings(e.actor, store.AccessSettings{TimeZone: zone})); err != nil {
							return err
						}
					}
					set, err := e.s.AccessSettings(e.actor)
					if err != nil {
						return err
					}
					loc, err := e.siteLocation()
					if err != nil {
						return err
					}
					zone := set.TimeZone
					if zone == "" {
						zone = "this computer's own zone (" + time.Local.String() + ")"
					}
					verb := "are"
					if len(args) == 1 {
						verb = "are now"
					}
					fmt.Fprintf(e.stdout, "Schedules %s read in %s; it is %s there.\n", verb, zone, e.s.Now().In(loc).Format("2006-01-02 15:04 MST"))
					return nil
				}
			},
		},
	}
}

// accessQuestion is what access check was asked.
type accessQuestion struct {
	person, door, at string
	dir              access.Direction
	offline, code    bool
	creds            []access.Presented
}

// decisionJSON is one decision as access check --json prints it.
type decisionJSON struct {
	Grant            bool       `json:"grant"`
	Person           uint64     `json:"person,omitempty"`
	PersonName       string     `json:"person_name,omitempty"`
	Level            uint32     `json:"level,omitempty"`
	LevelName        string     `json:"level_name,omitempty"`
	Door             uint32     `json:"door"`
	DoorName         string     `json:"door_name"`
	Direction        string     `json:"direction"`
	At               string     `json:"at"`
	AssumedPresented bool       `json:"credentials_assumed"`
	Reason           string     `json:"reason,omitempty"`
	Steps            []stepJSON `json:"steps"`
}

type stepJSON struct {
	Rule   string `json:"rule"`
	Passed bool   `json:"passed"`
	Text   string `json:"text"`
}

func (e *env) accessCheck(q accessQuestion, asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	c := store.AccessCheck{Direction: q.dir, SiteOffline: q.offline}
	if strings.TrimSpace(q.person) != "" {
		p, err := e.findPerson(q.person)
		if err != nil {
			return err
		}
		c.Person = p.ID
	}
	var err error
	if c.At, err = e.siteTimeFlag("at", q.at, false, false); err != nil {
		return err
	}
	if c.At.IsZero() {
		c.At = e.s.Now()
	}
	creds := q.creds
	if q.code {
		code, err := e.readSecret("Access code: ", "access code")
		if err != nil {
			return err
		}
		creds = append(creds, access.Presented{Kind: access.KindAccessCode, Value: code})
	}
	for i := range creds {
		creds[i].At = c.At.Add(time.Duration(i) * time.Second)
	}
	c.Credentials = creds
	loc, err := e.siteLocation()
	if err != nil {
		return err
	}
	n, err := e.accessNames()
	if err != nil {
		return err
	}
	var doors []store.Door
	if strings.TrimSpace(q.door) != "" {
		d, err := e.s.FindDoor(e.actor, q.door)
		if err != nil {
			return err
		}
		doors = []store.Door{d}
	} else if doors, err = e.s.ListDoors(e.actor); err != nil {
		return err
	}
	var out []decisionJSON
	for _, d := range doors {
		c.Door = d.ID
		dec, err := e.s.Decide(e.actor, c)
		if err != nil {
			return err
		}
		r := decisionJSON{Grant: dec.Grant, Person: uint64(dec.Person), Level: uint32(dec.Level), Door: d.ID, DoorName: d.Name,
			Direction: q.dir.String(), At: c.At.In(loc).Format(time.RFC3339), AssumedPresented: c.Person != 0 && len(creds) == 0,
			Reason: dec.Reason(), Steps: []stepJSON{}}
		if dec.Person != 0 {
			if p, err := e.s.GetPerson(e.actor, uint64(dec.Person)); err == nil {
				r.PersonName = p.Name
			}
		}
		if dec.Level != 0 {
			r.LevelName = n.levels[uint32(dec.Level)]
		}
		for _, s := range dec.Reasons {
			r.Steps = append(r.Steps, stepJSON{string(s.Rule), s.Passed, s.Text})
		}
		out = append(out, r)
		if len(doors) == 1 && !asJSON {
			e.printDecision(r, dec, c.At.In(loc))
		}
	}
	switch {
	case asJSON && len(doors) == 1:
		if err := writeJSON(e.stdout, out[0]); err != nil {
			return err
		}
	case asJSON:
		if out == nil {
			out = []decisionJSON{}
		}
		return writeJSON(e.stdout, out)
	case len(doors) == 0:
		fmt.Fprintln(e.stdout, "No doors to check.")
		return nil
	case len(doors) > 1:
		if len(out) > 0 && out[0].AssumedPresented {
			fmt.Fprintln(e.stdout, "No credential given: assumed presented (the credential and multifactor rules are skipped).")
		}
		t := newTable(e.stdout, "Door", "Decision", "Why")
		for _, r := range out {
			why := r.Reason
			if r.Grant {
				why = "access level " + idName(n.levels, r.Level)
			}
			t.row(idName(n.doors, r.Door), map[bool]string{true: "granted", false: "denied"}[r.Grant], why)
		}
		return t.flush()
	}
	if !out[0].Grant {
		// The verdict is printed: exit 1 says "denied" to a script.
		return errQuiet
	}
	return nil
}

func (e *env) printDecision(r decisionJSON, dec access.Decision, at time.Time) {
	who := "The holder of the credentials"
	if r.Person != 0 {
		who = fmt.Sprintf("Person %d %s", r.Person, r.PersonName)
	}
	fmt.Fprintf(e.stdout, "%s, door %d %s, %s, %s (site time):\n", who, r.Door, r.DoorName, r.Direction, at.Format("2006-01-02 15:04:05 MST"))
	if r.AssumedPresented {
		fmt.Fprintln(e.stdout, "No credential given: assumed presented (the credential and multifactor rules are skipped).")
	}
	fmt.Fprint(e.stdout, cleanLines(dec.String()))
}

// cleanLines cleans each line of a multi-line text of control characters,
// keeping the line breaks.
func cleanLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	return strings.Join(lines, "\n")
}

// siteTimeText shows a time on the site's clock, like every time the
// access commands take.
func (e *env) siteTimeText(t time.Time) string {
	loc, err := e.siteLocation()
	if err != nil {
		loc = time.Local
	}
	return siteTime(t, loc)
}
