package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
)

func logCommands() []*command {
	return []*command{
		{
			name: "log list", maxArgs: 0,
			summary: "list action-log entries, newest first",
			details: "--since and --until take a date (2026-11-01) or a date and time (2026-11-01 14:30)\n" +
				"in local time; a date given to --until includes that whole day.",
			example: "guardroom log list --panel \"Main office\" --action user. --since 2026-11-01\nguardroom log list --limit 0 --json",
			setup: func(fs *flag.FlagSet) runFunc {
				var o logListOptions
				fs.StringVar(&o.operator, "operator", "", "only entries by this operator `NAME` (to act as another operator, put the global --operator before 'log')")
				fs.StringVar(&o.panel, "panel", "", "only entries about this `PANEL` (number, name or IMEI)")
				fs.StringVar(&o.action, "action", "", "only actions starting with `PREFIX`, e.g. user. or account.remove")
				fs.StringVar(&o.since, "since", "", "only entries at or after `TIME`")
				fs.StringVar(&o.until, "until", "", "only entries before `TIME`")
				fs.IntVar(&o.limit, "limit", 50, "show at most `N` entries; 0 shows all")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.logList(o, *asJSON) }
			},
		},
		{
			name: "log show", args: "SEQ", minArgs: 1, maxArgs: 1,
			summary: "show one action-log entry in full",
			example: "guardroom log show 42",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.logShow(args[0], *asJSON) }
			},
		},
		{
			name: "log verify", maxArgs: 0,
			summary: "check the action log's hash chain (or an export's, offline); exit 1 when broken",
			example: "guardroom log verify\nguardroom log verify --file log-2026-11.jsonl",
			setup: func(fs *flag.FlagSet) runFunc {
				file := fs.String("file", "", "check this `EXPORT` written by log export --format jsonl instead of the database")
				return func(e *env, _ []string) error { return e.logVerify(*file) }
			},
		},
		{
			name: "log export", args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "write the action log to FILE (mode 0600): jsonl, verifiable offline, or csv",
			details: "jsonl keeps each entry's stored bytes and hash, so 'guardroom log verify --file FILE'\n" +
				"can check it without the database. csv has the columns\nseq,time,operator,via,place,action,before,after,result.",
			example: "guardroom log export log.jsonl\nguardroom log export log.csv --format csv --force",
			setup: func(fs *flag.FlagSet) runFunc {
				format := choice(fs, "format", "jsonl", "`FORMAT` of the file: jsonl or csv", "jsonl", "csv")
				force := fs.Bool("force", false, "overwrite FILE if it exists")
				return func(e *env, args []string) error { return e.logExport(args[0], *format, *force) }
			},
		},
	}
}

type logListOptions struct {
	operator, panel, action, since, until string
	limit                                 int
}

// parseSpan reads --since and --until (either may be empty: no bound).
func parseSpan(c *command, since, until string) (from, to time.Time, err error) {
	if since != "" {
		if from, err = parseWhen(since, false); err != nil {
			return from, to, usagef(c, "--since: %v", err)
		}
	}
	if until != "" {
		if to, err = parseWhen(until, true); err != nil {
			return from, to, usagef(c, "--until: %v", err)
		}
	}
	return from, to, nil
}

// parseWhen reads a local date or date and time. A bare date given as an
// end includes that whole day.
func parseWhen(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2026-11-01 or 2026-11-01 14:30", s)
}

func (e *env) logList(o logListOptions, asJSON bool) error {
	f := store.LogFilter{Operator: strings.TrimSpace(o.operator), Action: strings.TrimSpace(o.action), Limit: o.limit}
	var err error
	if f.Since, f.Until, err = parseSpan(e.cmd, o.since, o.until); err != nil {
		return err
	}
	if o.limit < 0 {
		return usagef(e.cmd, "--limit must be 0 (all) or more")
	}
	if f.Panel, err = e.openPanelFilter(o.panel); err != nil {
		return err
	}
	entries, err := e.s.ListLog(e.actor, f)
	if err != nil {
		return err
	}
	if asJSON {
		if entries == nil {
			entries = []store.Entry{}
		}
		return writeJSON(e.stdout, entries)
	}
	t := newTable(e.stdout, "Seq", "Time", "Operator", "Place", "Action", "Change", "Result")
	for _, en := range entries {
		t.row(strconv.FormatUint(en.Seq, 10), localTime(en.Time, logTime), operatorVia(en), en.Place, en.Action, formatChange(en.Before, en.After), en.Result)
	}
	return t.flush()
}

func operatorVia(en store.Entry) string {
	if en.Via == "" {
		return en.Operator
	}
	return en.Operator + " (" + en.Via + ")"
}

func (e *env) logShow(arg string, asJSON bool) error {
	seq, err := strconv.ParseUint(strings.TrimSpace(arg), 10, 64)
	if err != nil || seq == 0 {
		return usagef(e.cmd, "SEQ must be an entry number (see guardroom log list)")
	}
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	en, err := e.s.LogEntry(e.actor, seq)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, en)
	}
	w := newFields(e.stdout)
	w.add("Entry", "%d", en.Seq)
	w.add("Time", "%s", localTime(en.Time, logTime))
	w.add("Operator", "%s", operatorVia(en))
	w.add("Place", "%s", dash(en.Place))
	if en.Unit != 0 {
		w.add("Unit", "%s", e.s.UnitPath(en.Unit))
	}
	if en.Account != "" {
		w.add("Account", "%s", en.Account)
	}
	w.add("Action", "%s", en.Action)
	w.add("Result", "%s", en.Result)
	w.add("Before", "%s", dash(formatMap(en.Before)))
	w.add("After", "%s", dash(formatMap(en.After)))
	w.add("Change", "%s", formatChange(en.Before, en.After))
	w.add("Previous hash", "%s", en.Prev)
	return w.flush()
}

func (e *env) logVerify(file string) error {
	var res store.VerifyResult
	if file != "" {
		f, err := os.Open(e.abs(file))
		if err != nil {
			return fmt.Errorf("open export: %w", err)
		}
		defer f.Close()
		if res, err = store.VerifyExport(f); err != nil {
			return err
		}
	} else {
		if err := e.openStore(openOptions{}); err != nil {
			return err
		}
		var err error
		if res, err = e.s.VerifyLog(e.actor); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout, res)
	if !res.OK() {
		e.log().Warn("action log verification failed", "file", file, "broken_at", res.BrokenAt, "problem", res.Problem)
		return errQuiet
	}
	return nil
}

func (e *env) logExport(path, format string, force bool) error {
	format = strings.ToLower(strings.TrimSpace(format))
	if format != "jsonl" && format != "csv" {
		return usagef(e.cmd, "--format must be jsonl or csv")
	}
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	out, err := createOutput(e.abs(path), force)
	if err != nil {
		return err
	}
	defer out.abort()
	var n int
	if format == "jsonl" {
		n, err = e.s.ExportLog(e.actor, out.f)
	} else {
		n, err = e.exportCSV(out)
	}
	if err != nil {
		return err
	}
	if _, err := out.commit(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Exported %s to %s (%s).\n", plural(n, "log entry", "log entries"), path, format)
	if format == "jsonl" {
		fmt.Fprintf(e.stdout, "Check it offline with: guardroom log verify --file %s\n", path)
	}
	return nil
}

func (e *env) exportCSV(out *outputFile) (int, error) {
	entries, err := e.s.ListLog(e.actor, store.LogFilter{})
	if err != nil {
		return 0, err
	}
	slices.Reverse(entries) // oldest first, like the jsonl export
	w := csv.NewWriter(out.f)
	if err := w.Write([]string{"seq", "time", "operator", "via", "place", "action", "before", "after", "result"}); err != nil {
		return 0, err
	}
	for _, en := range entries {
		rec := []string{strconv.FormatUint(en.Seq, 10), en.Time.UTC().Format(time.RFC3339), en.Operator, en.Via,
			en.Place, en.Action, formatMap(en.Before), formatMap(en.After), en.Result}
		for i, c := range rec {
			rec[i] = store.CSVCell(c)
		}
		if err := w.Write(rec); err != nil {
			return 0, err
		}
	}
	w.Flush()
	return len(entries), w.Error()
}
