package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/guardroom/guardroom/store"
)

func eventCommands() []*command {
	var kinds []string
	for _, k := range store.EventKinds() {
		kinds = append(kinds, string(k))
	}
	return []*command{
		{
			name: "event list", maxArgs: 0,
			summary: "list what the panels reported (alarms, restores, troubles, arming...), newest first",
			details: "--since and --until take a date (2026-11-01) or a date and time (2026-11-01 14:30)\n" +
				"in local time. --follow prints the newest --limit events oldest first, then every new\n" +
				"one as it is recorded, until ctrl+c; with --json it prints one JSON object a line.",
			example: "guardroom event list --panel \"Main office\" --kind alarm --since 2026-11-01\n" +
				"guardroom event list --follow --json",
			setup: func(fs *flag.FlagSet) runFunc {
				var o eventListOptions
				fs.StringVar(&o.panel, "panel", "", "only events of this `PANEL` (number, name or IMEI)")
				fs.IntVar(&o.partition, "partition", 0, "only events of partition `N`")
				fs.IntVar(&o.zone, "zone", 0, "only events of zone `N`")
				choiceVar(fs, &o.kind, "kind", "", "only events of `KIND`: "+strings.Join(kinds, ", "), kinds...)
				fs.StringVar(&o.since, "since", "", "only events at or after `TIME`")
				fs.StringVar(&o.until, "until", "", "only events before `TIME`")
				fs.Uint64Var(&o.before, "before", 0, "only events older than number `SEQ` (the next page)")
				fs.IntVar(&o.limit, "limit", 50, "show at most `N` events; 0 shows all")
				fs.BoolVar(&o.follow, "follow", false, "keep printing new events as they are recorded")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.eventList(o, *asJSON) }
			},
		},
		{
			name: "event verify", maxArgs: 0,
			summary: "check the event journal's hash chain; exit 1 when broken",
			example: "guardroom event verify",
			setup: func(fs *flag.FlagSet) runFunc {
				return func(e *env, _ []string) error { return e.eventVerify() }
			},
		},
	}
}

type eventListOptions struct {
	panel, kind, since, until string
	partition, zone, limit    int
	before                    uint64
	follow                    bool
}

func (e *env) eventList(o eventListOptions, asJSON bool) error {
	f := store.EventFilter{Partition: o.partition, Zone: o.zone, Kind: store.EventKind(o.kind), Before: o.before, Limit: o.limit}
	var err error
	if f.Since, f.Until, err = parseSpan(e.cmd, o.since, o.until); err != nil {
		return err
	}
	if o.limit < 0 || o.partition < 0 || o.zone < 0 {
		return usagef(e.cmd, "--limit, --partition and --zone take 0 (all) or more")
	}
	if o.kind != "" && !slices.Contains(store.EventKinds(), store.EventKind(o.kind)) {
		return usagef(e.cmd, "--kind %q: give one of %s", o.kind, kindList())
	}
	if o.follow && o.before != 0 {
		return usagef(e.cmd, "--follow shows the newest events: drop --before")
	}
	if f.Panel, err = e.openPanelFilter(o.panel); err != nil {
		return err
	}
	if !o.follow {
		evs, err := e.s.ListEvents(e.actor, f)
		if err != nil {
			return err
		}
		if asJSON {
			if evs == nil {
				evs = []store.Event{}
			}
			return writeJSON(e.stdout, evs)
		}
		names, err := e.panelNames()
		if err != nil {
			return err
		}
		t := newTable(e.stdout, eventHeader...)
		for _, ev := range evs {
			t.row(eventCells(ev, names)...)
		}
		return t.flush()
	}
	return e.followEvents(f, asJSON)
}

// panelNames maps the panels the operator may see to their names, for
// listings that hold panel numbers.
func (e *env) panelNames() (map[uint64]string, error) {
	ps, err := e.s.ListPanels(e.actor)
	if err != nil {
		return nil, err
	}
	names := make(map[uint64]string, len(ps))
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	return names, nil
}

// panelName is a panel's name, or its number when the name is not known.
func panelName(names map[uint64]string, id uint64) string {
	if n, ok := names[id]; ok {
		return n
	}
	return strconv.FormatUint(id, 10)
}

func kindList() string {
	var names []string
	for _, k := range store.EventKinds() {
		names = append(names, strconv.Quote(string(k)))
	}
	return strings.Join(names, ", ")
}

var eventHeader = []string{"Seq", "Time", "Panel", "Part.", "Zone", "User", "Kind", "Alarm", "Text"}

func eventCells(ev store.Event, names map[uint64]string) []string {
	num := func(n int) string {
		if n == 0 {
			return "-"
		}
		return strconv.Itoa(n)
	}
	alarm := "-"
	if ev.Alarm != 0 {
		alarm = strconv.FormatUint(ev.Alarm, 10)
	}
	return []string{strconv.FormatUint(ev.Seq, 10), localTime(ev.Time, logTime), panelName(names, ev.Panel),
		num(ev.Partition), num(ev.Zone), num(ev.User), string(ev.Kind), alarm, dash(ev.Text)}
}

// followEvents prints the newest events oldest first, then each new one
// as it is recorded, until the command's context ends (ctrl+c).
func (e *env) followEvents(f store.EventFilter, asJSON bool) error {
	sub := e.s.Subscribe()
	defer sub.Close()
	evs, err := e.s.ListEvents(e.actor, f)
	if err != nil {
		return err
	}
	slices.Reverse(evs)
	names, err := e.panelNames()
	if err != nil {
		return err
	}
	var last uint64
	if len(evs) > 0 {
		last = evs[len(evs)-1].Seq
	} else if head, err := e.s.ListEvents(e.actor, store.EventFilter{Limit: 1}); err == nil && len(head) > 0 {
		last = head[0].Seq
	}
	f.Limit, f.Before = 0, 0
	for {
		for _, ev := range evs {
			if err := printEvent(e.stdout, ev, names, asJSON); err != nil {
				return err
			}
			last = ev.Seq
		}
		select {
		case <-e.ctx.Done():
			return nil
		case <-sub.C:
			sub.Changes()
		}
		f.After = last
		if evs, err = e.s.ListEvents(e.actor, f); err != nil {
			return err
		}
	}
}

func printEvent(w io.Writer, ev store.Event, names map[uint64]string, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, escapeC1(string(b))+"\n")
		return err
	}
	cells := eventCells(ev, names)
	for i, c := range cells {
		cells[i] = clean(c)
	}
	_, err := fmt.Fprintln(w, strings.Join(cells, "  "))
	return err
}

func (e *env) eventVerify() error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	res, err := e.s.VerifyEvents(e.actor)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, res)
	if !res.OK() {
		e.log().Warn("event journal verification failed", "broken_at", res.BrokenAt, "problem", res.Problem)
		return errQuiet
	}
	return nil
}
