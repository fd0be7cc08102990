package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guardroom/guardroom/store"
)

func alarmCommands() []*command {
	return []*command{
		{
			name: "alarm list", maxArgs: 0,
			summary: "list alarms: unacknowledged first (duress first of all), then those waiting for the panel's restore, then the closed",
			example: "guardroom alarm list --open\nguardroom alarm list --panel 1 --json",
			setup: func(fs *flag.FlagSet) runFunc {
				open := fs.Bool("open", false, "only the open alarms (unacknowledged, or waiting for the restore)")
				panel := fs.String("panel", "", "only alarms of this `PANEL` (number, name or IMEI)")
				limit := fs.Int("limit", 50, "list at most `N` closed alarms after the open ones; 0 lists all")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error { return e.alarmList(*open, *panel, *limit, *asJSON) }
			},
		},
		{
			name: "alarm show", args: "ID", minArgs: 1, maxArgs: 1,
			summary: "show one alarm with its events",
			example: "guardroom alarm show 42",
			setup: func(fs *flag.FlagSet) runFunc {
				asJSON := jsonFlag(fs)
				return func(e *env, args []string) error { return e.alarmShow(args[0], *asJSON) }
			},
		},
		{
			name: "alarm ack", args: "ID", minArgs: 1, maxArgs: 1,
			summary: "acknowledge an alarm with a comment (needs \"handle alarms\")",
			details: "The alarm closes when it is acknowledged and the panel has reported the restore.",
			example: "guardroom alarm ack 42 --comment \"Guard checked the back door: closed, no one there\"",
			setup: func(fs *flag.FlagSet) runFunc {
				comment := fs.String("comment", "", "what was seen and done (`TEXT`, required)")
				return func(e *env, args []string) error {
					id, err := parseAlarmID(e.cmd, args[0])
					if err != nil {
						return err
					}
					if strings.TrimSpace(*comment) == "" {
						return usagef(e.cmd, "--comment is required: say what was seen and done")
					}
					if err := e.openStore(openOptions{}); err != nil {
						return err
					}
					if err := e.write(e.s.AckAlarm(e.actor, id, *comment)); err != nil {
						return err
					}
					al, err := e.s.GetAlarm(e.actor, id)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Alarm %d acknowledged; it is %s.\n", id, alarmStateText(al))
					return nil
				}
			},
		},
		{
			name: "alarm settings", maxArgs: 0,
			summary: "show or change alarm escalation and event retention (changing needs \"manage operators\")",
			details: "An alarm unacknowledged for --escalate-after is mailed once to the --escalate-to\n" +
				"addresses through the outbox. Events older than --retain-age, or past the newest\n" +
				"--retain-count, are dropped, never those of an alarm still open. 0 turns each off.",
			example: "guardroom alarm settings\nguardroom alarm settings --escalate-after 5m --escalate-to duty@example.com,boss@example.com --retain-age 2160h",
			setup: func(fs *flag.FlagSet) runFunc {
				after := fs.String("escalate-after", "", "escalate an alarm unacknowledged this `LONG` (5m, 1h; 0: never)")
				to := fs.String("escalate-to", "", "comma-separated `ADDRESSES` to mail")
				age := fs.String("retain-age", "", "keep events this `LONG` (e.g. 2160h for 90 days; 0: no limit)")
				count := fs.String("retain-count", "", "keep at most `N` events (0: no limit)")
				asJSON := jsonFlag(fs)
				return func(e *env, _ []string) error {
					return e.alarmSettings(map[string]string{"escalate-after": *after, "escalate-to": *to, "retain-age": *age, "retain-count": *count}, *asJSON)
				}
			},
		},
	}
}

func parseAlarmID(c *command, s string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || id == 0 {
		return 0, usagef(c, "ID must be an alarm number (see guardroom alarm list)")
	}
	return id, nil
}

func alarmStateText(al store.AlarmRecord) string {
	switch al.State() {
	case store.AlarmAcknowledged:
		return "acknowledged, waiting for the panel's restore"
	case store.AlarmUnacknowledged:
		if al.Restored {
			return "unacknowledged (restored)"
		}
	}
	return string(al.State())
}

func (e *env) alarmList(open bool, panel string, limit int, asJSON bool) error {
	if limit < 0 {
		return usagef(e.cmd, "--limit must be 0 (all) or more")
	}
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	f := store.AlarmFilter{OpenOnly: open, Limit: limit}
	if panel != "" {
		p, err := e.s.FindPanel(e.actor, panel)
		if err != nil {
			return err
		}
		f.Panel = p.ID
	}
	as, err := e.s.ListAlarms(e.actor, f)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]alarmJSON, 0, len(as))
		for _, al := range as {
			out = append(out, alarmJSON{al, al.State(), al.Priority()})
		}
		return writeJSON(e.stdout, out)
	}
	if len(as) == 0 {
		fmt.Fprintln(e.stdout, "No alarms.")
		return nil
	}
	names, err := e.panelNames()
	if err != nil {
		return err
	}
	t := newTable(e.stdout, "ID", "State", "Kind", "Panel", "Where", "Opened", "Events", "Acknowledged by")
	for _, al := range as {
		kind := string(al.Kind)
		if al.Silent {
			kind += " (silent)"
		}
		t.row(strconv.FormatUint(al.ID, 10), alarmStateText(al), kind, panelName(names, al.Panel), al.Place(), localTime(al.Opened, logTime), strconv.Itoa(al.Events), dash(al.AckedBy))
	}
	return t.flush()
}

// alarmJSON is an alarm with what is worked out of it.
type alarmJSON struct {
	store.AlarmRecord
	State    store.AlarmState `json:"state"`
	Priority int              `json:"priority"`
}

func (e *env) alarmShow(arg string, asJSON bool) error {
	id, err := parseAlarmID(e.cmd, arg)
	if err != nil {
		return err
	}
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	al, err := e.s.GetAlarm(e.actor, id)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, alarmJSON{al, al.State(), al.Priority()})
	}
	w := newFields(e.stdout)
	w.add("Alarm", "%d", al.ID)
	w.add("Kind", "%s", al.Kind)
	if al.Silent {
		w.add("Silent", "yes: do not sound it on site")
	}
	w.add("State", "%s", alarmStateText(al))
	w.add("Where", "%s", al.Place())
	w.add("Opened", "%s", localTime(al.Opened, logTime))
	w.add("Events", "%d, the last at %s (event %d)", al.Events, localTime(al.Last, logTime), al.LastEvent)
	if al.Restored {
		w.add("Restored", "%s", localTime(al.RestoredAt, logTime))
	}
	if !al.AckedAt.IsZero() {
		w.add("Acknowledged", "%s by %s", localTime(al.AckedAt, logTime), al.AckedBy)
		w.add("Comment", "%s", al.Comment)
	}
	if !al.Escalated.IsZero() {
		w.add("Escalated", "%s", localTime(al.Escalated, logTime))
	}
	if !al.Closed.IsZero() {
		w.add("Closed", "%s", localTime(al.Closed, logTime))
	}
	return w.flush()
}

func (e *env) alarmSettings(set map[string]string, asJSON bool) error {
	if err := e.openStore(openOptions{}); err != nil {
		return err
	}
	c, err := e.s.GetAlarmSettings(e.actor)
	if err != nil {
		return err
	}
	changed := false
	dur := func(name string, p *time.Duration) error {
		if set[name] == "" {
			return nil
		}
		changed = true
		if set[name] == "0" {
			*p = 0
			return nil
		}
		d, err := time.ParseDuration(set[name])
		if err != nil {
			return usagef(e.cmd, "--%s %q: give a duration like 5m or 2160h, or 0", name, set[name])
		}
		*p = d
		return nil
	}
	if err := dur("escalate-after", &c.EscalateAfter); err != nil {
		return err
	}
	if err := dur("retain-age", &c.RetainAge); err != nil {
		return err
	}
	if v := set["escalate-to"]; v != "" {
		changed, c.EscalateTo = true, nil
		for a := range strings.SplitSeq(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.EscalateTo = append(c.EscalateTo, a)
			}
		}
	}
	if v := set["retain-count"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return usagef(e.cmd, "--retain-count %q: give a number, or 0", v)
		}
		changed, c.RetainCount = true, n
	}
	if changed {
		if err := e.write(e.s.SetAlarmSettings(e.actor, c)); err != nil {
			return err
		}
	}
	if asJSON {
		return writeJSON(e.stdout, c)
	}
	off := func(d time.Duration) string {
		if d == 0 {
			return "never"
		}
		return d.String()
	}
	w := newFields(e.stdout)
	w.add("Escalate after", "%s", off(c.EscalateAfter))
	w.add("Escalate to", "%s", dash(strings.Join(c.EscalateTo, ", ")))
	w.add("Keep events for", "%s", off(c.RetainAge))
	if c.RetainCount == 0 {
		w.add("Keep at most", "no limit")
	} else {
		w.add("Keep at most", "%d events", c.RetainCount)
	}
	return w.flush()
}
