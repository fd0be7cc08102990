package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
)

const tagHelp = "TAG is the tag's ID in any spelling: a hex UID (04A1B2C3D4E5F6, 04:a1:b2:c3),\n" +
	"facility:card (90:324), or a Wiegand frame (W26:0xB40288); guardroom stores one canonical form."

func tagCommands() []*command {
	return []*command{
		{
			name: "tag list", maxArgs: 0,
			summary: "list proximity tags: kind, owner, panel or lock, status, enrolled, sync",
			example: "guardroom tag list\nguardroom tag list --kind door-lock --status active --json\nguardroom tag list --panel 1 --owner 7",
			setup: func(fs *flag.FlagSet) runFunc {
				var f tagFilter
				fs.StringVar(&f.panel, "panel", "", "only the tags of `PANEL` (its keypads and locks)")
				choiceVar(fs, &f.kind, "kind", "", "only tags of `KIND`: keypad or door-lock", string(store.TagKeypad), string(store.TagLock))
				choiceVar(fs, &f.status, "status", "", "only tags in `STATUS`: active, disabled, lost or unassigned", string(store.TagActive), string(store.TagDisabled), string(store.TagLost), "unassigned")
				fs.IntVar(&f.owner, "owner", 0, "only the tags of panel user `SLOT`")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.tagList(f, *asJSON) }
			},
		},
		{
			name: "tag show", args: "TAG", minArgs: 1, maxArgs: 1,
			summary: "show one tag and the actions it allows",
			details: tagHelp,
			example: "guardroom tag show 90:324",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.tagShow(args[0], *asJSON) }
			},
		},
		{
			name: "tag enrol", args: "TAG", minArgs: 1, maxArgs: 1,
			summary: "give a tag to a panel user: on the panel's keypads, or on a door lock",
			details: tagHelp + "\nThe user must have a code. A keypad tag is learnt by the keypad: the job waits\n" +
				"for you to present the tag there (guardroom job show). A freed tag can be enrolled again.",
			example: "guardroom tag enrol 04A1B2C3D4E5F6 --kind keypad --panel \"Main office\" --slot 7\n" +
				"guardroom tag enrol 90:324 --kind door-lock --lock \"Front door\" --slot 7",
			setup: func(fs *flag.FlagSet) runFunc {
				kind := choice(fs, "kind", "", "`KIND` of tag: keypad (read by the panel's keypads) or door-lock", string(store.TagKeypad), string(store.TagLock))
				panel := fs.String("panel", "", "the keypad tag's `PANEL` (a door-lock tag's is its lock's)")
				lock := fs.String("lock", "", "the door-lock tag's `LOCK` (number or name)")
				slot := fs.Int("slot", 0, "the panel user `SLOT` the tag is given to")
				return func(e *env, args []string) error {
					if strings.TrimSpace(*kind) == "" || *slot == 0 {
						return usagef(e.cmd, "tag enrol needs --kind and --slot")
					}
					return e.tagEnrol(args[0], *kind, *panel, *lock, *slot)
				}
			},
		},
		{
			name: "tag disable", args: "TAG", minArgs: 1, maxArgs: 1,
			summary: "take a tag off the hardware; its owner keeps it",
			example: "guardroom tag disable 90:324",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error { return e.tagDo(args[0], (*store.Store).DisableTag, "is disabled") }
			},
		},
		{
			name: "tag lost", args: "TAG", minArgs: 1, maxArgs: 1,
			summary: "mark a tag lost: it is taken off the hardware at once",
			example: "guardroom tag lost 90:324",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error {
					return e.tagDo(args[0], (*store.Store).MarkTagLost, "is marked lost")
				}
			},
		},
		{
			name: "tag free", args: "TAG", minArgs: 1, maxArgs: 1,
			summary: "take a tag away from its owner (and off the hardware), so it can be given to someone else",
			example: "guardroom tag free 90:324",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, args []string) error { return e.tagDo(args[0], (*store.Store).FreeTag, "is free") }
			},
		},
		{
			name: "tag import", args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "enrol tags from a CSV file, all or none (--dry-run shows the preview)",
			details: "Columns tag,kind,panel,slot,lock; a header naming them is optional, ',' or ';' separate\n" +
				"them. Every row is checked first: any bad row (a malformed or repeated tag ID, one that\n" +
				"exists, a wrong panel, slot or lock) refuses the whole file, and each bad row is listed\n" +
				"with its line. FILE - reads standard input.",
			example: "guardroom tag import tags.csv --dry-run\nguardroom tag import tags.csv",
			setup: func(fs *flag.FlagSet) runFunc {
				dry := fs.Bool("dry-run", false, "check every row and show the preview; write nothing")
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.tagImport(args[0], *dry, *asJSON) }
			},
		},
		{
			name: "tag export", args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "write the tags to a CSV file (mode 0600) with the import's columns",
			example: "guardroom tag export tags.csv\nguardroom tag export tags.csv --force",
			setup: func(fs *flag.FlagSet) runFunc {
				force := fs.Bool("force", false, "replace FILE if it exists")
				return func(e *env, args []string) error { return e.tagExport(args[0], *force) }
			},
		},
	}
}

type tagFilter struct {
	panel, kind, status string
	owner               int
}

// tagJSON is one tag as tag list --json prints it.
type tagJSON struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Panel      uint64    `json:"panel"`
	Slot       int       `json:"slot,omitempty"`
	Owner      string    `json:"owner"`
	Lock       uint64    `json:"lock,omitempty"`
	Status     string    `json:"status"`
	Enrolled   time.Time `json:"enrolled"`
	Sync       string    `json:"sync,omitempty"`
	SyncReason string    `json:"sync_reason,omitempty"`
}

// tagNames names the owners and places of tags, reading each panel's
// users and the locks once.
type tagNames struct {
	e      *env
	panels map[uint64]store.Panel
	locks  map[uint64]store.Lock
	users  map[uint64]map[int]string
}

func (e *env) tagNames() (*tagNames, error) {
	panels, err := e.panelsByID()
	if err != nil {
		return nil, err
	}
	locks, err := e.s.ListLocks(e.actor)
	if err != nil {
		return nil, err
	}
	n := &tagNames{e: e, panels: panels, locks: map[uint64]store.Lock{}, users: map[uint64]map[int]string{}}
	for _, l := range locks {
		n.locks[l.ID] = l
	}
	return n, nil
}

func (n *tagNames) owner(t store.Tag) string {
	if !t.Assigned() {
		return "unassigned"
	}
	labels, ok := n.users[t.Panel]
	if !ok {
		labels = map[int]string{}
		// An operator who may not view panel users sees slot numbers.
		if us, err := n.e.s.ListUsers(n.e.actor, t.Panel); err == nil {
			for _, u := range us {
				labels[u.Slot] = u.DisplayLabel()
			}
		}
		n.users[t.Panel] = labels
	}
	if l, ok := labels[t.Slot]; ok {
		return fmt.Sprintf("user %d (%s)", t.Slot, l)
	}
	return fmt.Sprintf("user %d", t.Slot)
}

func (n *tagNames) place(t store.Tag) string {
	p := n.panels[t.Panel]
	switch {
	case t.Lock != 0:
		if l, ok := n.locks[t.Lock]; ok {
			return l.Label() + " of " + p.Label()
		}
		return fmt.Sprintf("lock %d of %s", t.Lock, p.Label())
	case t.Assigned():
		return p.Label() + " keypads"
	}
	return p.Label()
}

func (n *tagNames) row(t store.Tag) tagJSON {
	return tagJSON{ID: t.ID, Kind: string(t.Kind), Panel: t.Panel, Slot: t.Slot, Owner: n.owner(t), Lock: t.Lock,
		Status: string(t.Status), Enrolled: t.Enrolled, Sync: string(t.Sync.State), SyncReason: t.Sync.Reason}
}

func (e *env) tagList(f tagFilter, asJSON bool) error {
	var kind store.TagKind
	if f.kind != "" {
		k, err := store.ParseTagKind(f.kind)
		if err != nil {
			return usagef(e.cmd, "--kind %q: choose keypad or door-lock", f.kind)
		}
		kind = k
	}
	switch f.status {
	case "", "active", "disabled", "lost", "unassigned":
	default:
		return usagef(e.cmd, "--status %q: choose active, disabled, lost or unassigned", f.status)
	}
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	var panel uint64
	if f.panel != "" {
		p, err := e.s.FindPanel(e.actor, f.panel)
		if err != nil {
			return err
		}
		panel = p.ID
	}
	tags, err := e.s.ListTags(e.actor)
	if err != nil {
		return err
	}
	names, err := e.tagNames()
	if err != nil {
		return err
	}
	var shown []store.Tag
	rows := []tagJSON{}
	for _, t := range tags {
		switch {
		case panel != 0 && t.Panel != panel, kind != "" && t.Kind != kind, f.owner != 0 && t.Slot != f.owner,
			f.status == "unassigned" && t.Assigned(), f.status != "" && f.status != "unassigned" && string(t.Status) != f.status:
			continue
		}
		shown = append(shown, t)
		rows = append(rows, names.row(t))
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stdout, "No tags.")
		return nil
	}
	tb := newTable(e.stdout, "Tag ID", "Kind", "Owner", "Panel / Lock", "Status", "Enrolled", "Sync")
	for i, r := range rows {
		tb.row(r.ID, r.Kind, r.Owner, names.place(shown[i]), r.Status, localTime(r.Enrolled, logTime), commandText(shown[i].Sync))
	}
	return tb.flush()
}

func (e *env) tagShow(ref string, asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	t, err := e.s.GetTag(e.actor, ref)
	if err != nil {
		return err
	}
	names, err := e.tagNames()
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, names.row(t))
	}
	w := newFields(e.stdout)
	w.add("Tag", "%s", t.ID)
	w.add("Kind", "%s", t.Kind)
	w.add("Owner", "%s", names.owner(t))
	w.add("Panel / Lock", "%s", names.place(t))
	w.add("Status", "%s", t.Status)
	w.add("Enrolled", "%s", localTime(t.Enrolled, logTime))
	w.add("Sync", "%s", commandText(t.Sync))
	if err := w.flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nActions:")
	tb := newTable(e.stdout, "  action", "available")
	for _, a := range []struct {
		name string
		act  store.TagAction
	}{{"disable", store.ActDisableTag}, {"lost", store.ActLostTag}, {"free", store.ActFreeTag}} {
		why := "yes"
		if err := e.s.CheckTag(e.actor, t, a.act); err != nil {
			why = "no: " + err.Error()
		}
		tb.row("  "+a.name, why)
	}
	return tb.flush()
}

func (e *env) tagEnrol(ref, kindText, panelRef, lockRef string, slot int) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	kind, err := store.ParseTagKind(kindText)
	if err != nil {
		return usagef(e.cmd, "--kind %q: choose keypad or door-lock", kindText)
	}
	t := store.Tag{ID: ref, Kind: kind, Slot: slot}
	if panelRef != "" {
		p, err := e.s.FindPanel(e.actor, panelRef)
		if err != nil {
			return err
		}
		t.Panel = p.ID
	}
	if lockRef != "" {
		l, err := e.s.FindLock(e.actor, lockRef)
		if err != nil {
			return err
		}
		t.Lock = l.ID
	}
	t, err = e.s.EnrolTag(e.actor, t)
	if err := e.write(err); err != nil {
		return err
	}
	return e.tagDone(t.ID, fmt.Sprintf("is given to panel user %d", slot))
}

func (e *env) tagDo(ref string, op func(*store.Store, store.Actor, string) error, done string) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	if err := e.write(op(e.s, e.actor, ref)); err != nil {
		return err
	}
	t, err := e.s.GetTag(e.actor, ref)
	if err != nil {
		return err
	}
	return e.tagDone(t.ID, done)
}

// tagDone carries the tag's job to its panel and says where it stands.
func (e *env) tagDone(id, what string) error {
	t, err := e.s.GetTag(e.actor, id)
	if err != nil {
		return err
	}
	e.applyNow(t.Panel)
	if t, err = e.s.GetTag(e.actor, id); err != nil {
		return err
	}
	names, err := e.tagNames()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Tag %s (%s, %s) %s; status %s; sync: %s.\n", t.ID, t.Kind, names.place(t), what, t.Status, syncWords(t.Sync))
	if t.Sync.State == store.SyncKeypad {
		fmt.Fprintf(e.stdout, "It waits for you at a keypad: guardroom job show %d\n", t.Sync.Job)
	}
	return nil
}

func (e *env) tagImport(path string, dryRun, asJSON bool) error {
	in, name, closeIn, err := e.openImportFile(path)
	if err != nil {
		return err
	}
	defer closeIn()
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	show := newImportRows(e, asJSON, dryRun, []string{"Line", "Tag", "Kind", "Panel", "Slot", "Lock", "Check"},
		func(r store.TagImportRow) []string {
			return []string{strconv.Itoa(r.Line), r.Tag, dash(string(r.Kind)), numberOrDash(r.Panel), numberOrDash(uint64(r.Slot)), numberOrDash(r.Lock), checkWord(r.Problem)}
		}, func(r store.TagImportRow) bool { return r.Problem != "" })
	res, err := e.s.ImportTags(e.actor, in, store.TagImportOptions{DryRun: dryRun, Name: name, Rows: show.row})
	if err := show.finish(res, err); err != nil || asJSON {
		return err
	}
	if dryRun {
		fmt.Fprintf(e.stdout, "Dry run: all %s can be imported; nothing was written.\n", plural(show.n, "row", "rows"))
		return nil
	}
	e.wrote = true
	fmt.Fprintf(e.stdout, "Imported %s from %s. They are queued to their locks and keypads: the console or 'guardroom dispatch' carries them.\n",
		plural(res.Written, "tag", "tags"), name)
	return nil
}

func numberOrDash(n uint64) string {
	if n == 0 {
		return "-"
	}
	return strconv.FormatUint(n, 10)
}

func (e *env) tagExport(path string, force bool) error {
	n, err := e.exportFile(path, force, func(w io.Writer) (int, error) { return e.s.ExportTags(e.actor, w) })
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Exported %s to %s (columns tag,kind,panel,slot,lock).\n", plural(n, "tag", "tags"), path)
	return nil
}
