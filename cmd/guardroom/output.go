package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/guardroom/guardroom/store/plain"
)

// Time layouts of the human output.
const (
	// logTime is a time to the second on the 24-hour clock, as the
	// console shows it: the action log's time column, and every record's
	// created time (an account's too: reference 003's
	// "4:24:55 PM Wed 13 May, 2026" is "2026-05-13 16:24:55" here).
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

// clean shows control characters (C0, DEL and C1, which some terminals
// obey) as escapes (\x1b, \u009b: plain.Visible), so a cell stays one
// line and does nothing to the terminal.
func clean(s string) string { return plain.Visible(s) }

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

// writeJSON prints v as indented JSON. encoding/json leaves DEL and the
// C1 control characters as they are, which some terminals obey: they are
// written as \u escapes, which JSON reads back the same.
func writeJSON(w io.Writer, v any) error {
	out, err := indentJSON(v)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, out)
	return err
}

// indentJSON is v as writeJSON writes it.
func indentJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return escapeC1(b.String()), nil
}

// escapeC1 writes DEL and the C1 control characters of JSON text as \u
// escapes.
func escapeC1(out string) string {
	if !strings.ContainsFunc(out, func(r rune) bool { return r >= 0x7f && r <= 0x9f }) {
		return out
	}
	var e strings.Builder
	for _, r := range out {
		if r >= 0x7f && r <= 0x9f {
			fmt.Fprintf(&e, `\u%04x`, r)
			continue
		}
		e.WriteRune(r)
	}
	return e.String()
}

// jsonArray writes a JSON array one element at a time, byte for byte as
// writeJSON writes the whole slice nested depth levels deep (0: the
// top level; 1: a field of the top-level object), so a list of any
// length is printed without being held. Writes are buffered: end flushes
// them.
type jsonArray struct {
	w     *bufio.Writer
	depth int
	n     int
}

func newJSONArray(w io.Writer, depth int) *jsonArray {
	return &jsonArray{w: bufio.NewWriterSize(w, 64<<10), depth: depth}
}

func (a *jsonArray) add(v any) error {
	inner := strings.Repeat("  ", a.depth+1)
	b, err := json.MarshalIndent(v, inner, "  ")
	if err != nil {
		return err
	}
	sep := ",\n"
	if a.n == 0 {
		sep = "[\n"
	}
	a.n++
	_, err = a.w.WriteString(sep + inner + escapeC1(string(b)))
	return err
}

// end closes the array: an empty one is [], or null as encoding/json
// writes a nil slice.
func (a *jsonArray) end(null bool) error {
	switch {
	case a.n > 0:
		a.w.WriteString("\n" + strings.Repeat("  ", a.depth) + "]")
	case null:
		a.w.WriteString("null")
	default:
		a.w.WriteString("[]")
	}
	return a.w.Flush()
}

// jsonListObject writes, as writeJSON writes it, an object whose first
// field is a list, before the rest of the object is known: start writes
// up to the list and returns it to fill; finish closes the list and
// writes what follows it in v (whose list is nil).
type jsonListObject struct {
	w     io.Writer
	field string
	list  *jsonArray
}

func startJSONList(w io.Writer, field string) *jsonListObject {
	o := &jsonListObject{w: w, field: field, list: newJSONArray(w, 1)}
	o.list.w.WriteString("{\n  " + strconv.Quote(field) + ": ")
	return o
}

func (o *jsonListObject) finish(v any) error {
	if err := o.list.end(true); err != nil {
		return err
	}
	out, err := indentJSON(v)
	if err != nil {
		return err
	}
	_, rest, ok := strings.Cut(out, strconv.Quote(o.field)+": null")
	if !ok {
		return fmt.Errorf("the JSON of %T does not start with an empty %s", v, o.field)
	}
	_, err = io.WriteString(o.w, rest)
	return err
}

// plainWriter is the command line's output (stdout and stderr): whatever
// a command prints, the names and labels in it, a refusal's words, a
// device's error, reaches the terminal with every control character but
// the line feed shown as an escape (plain.Lines). So no text a command
// prints can set a title, write the clipboard or move the cursor. The
// program's own progress lines, which redraw themselves, go to the
// terminal directly (env.rawStderr). A character cut between two writes
// is kept for the next one.
type plainWriter struct {
	w    io.Writer
	held []byte
}

func (p *plainWriter) Write(b []byte) (int, error) {
	n := len(b)
	if len(p.held) > 0 {
		b = append(p.held, b...)
		p.held = nil
	}
	// An incomplete UTF-8 sequence at the end waits for the rest.
	if cut := incompleteTail(b); cut > 0 {
		p.held = append([]byte(nil), b[len(b)-cut:]...)
		b = b[:len(b)-cut]
	}
	if _, err := io.WriteString(p.w, plain.Lines(string(b))); err != nil {
		return 0, err
	}
	return n, nil
}

// terminalOf is the stream behind w: the terminal a plainWriter writes
// to, for the questions only it answers (is it a terminal, how big).
func terminalOf(w io.Writer) io.Writer {
	if p, ok := w.(*plainWriter); ok {
		return p.w
	}
	return w
}

// flush writes a held incomplete sequence, escaped.
func (p *plainWriter) flush() {
	if len(p.held) > 0 {
		io.WriteString(p.w, plain.Lines(string(p.held)))
		p.held = nil
	}
}

// incompleteTail is the length of an unfinished UTF-8 sequence ending b.
func incompleteTail(b []byte) int {
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return i
			}
			return 0
		}
	}
	return 0
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
