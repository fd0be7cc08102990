package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// Time layouts of the human output.
const (
	// accountTime is how reference 003 shows an account's creation:
	// "4:24:55 PM Wed 13 May, 2026".
	accountTime = "3:04:05 PM Mon 2 Jan, 2006"
	// logTime is the action log's time column.
	logTime = "2006-01-02 15:04:05"
)

// table writes aligned columns. Every cell is cleaned of control
// characters, so a label cannot move the cursor or break the columns.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = clean(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// clean replaces control characters (C0, DEL and C1, which some terminals
// obey) and tabs with visible stand-ins.
func clean(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' {
			return ' '
		}
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// fields writes "Name  value" lines, aligned.
type fields struct {
	tw *tabwriter.Writer
}

func newFields(w io.Writer) *fields {
	return &fields{tw: tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)}
}

func (f *fields) add(name string, format string, args ...any) {
	fmt.Fprintf(f.tw, "%s\t%s\n", name, clean(fmt.Sprintf(format, args...)))
}

func (f *fields) flush() error { return f.tw.Flush() }

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func localTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(layout)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// formatChange is a log entry's before/after as "label: User 7 → Bob;
// role: User".
func formatChange(before, after map[string]string) string {
	keys := slices.Sorted(maps.Keys(before))
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		b, hasB := before[k]
		a, hasA := after[k]
		switch {
		case hasB && hasA && a == b:
			continue
		case hasB && hasA:
			parts = append(parts, fmt.Sprintf("%s: %s → %s", k, b, a))
		case hasA:
			parts = append(parts, fmt.Sprintf("%s: %s", k, a))
		default:
			parts = append(parts, fmt.Sprintf("%s: %s → -", k, b))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

// formatMap is "k=v; k=v", sorted, for CSV cells.
func formatMap(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, "; ")
}

// humanSize is 1.5 MiB.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
