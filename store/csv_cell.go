package store

import (
	"strings"

	"github.com/guardroom/guardroom/store/plain"
)

// CSV files guardroom writes (people, tags, the action log) are opened in
// spreadsheets, which run a cell starting with =, +, -, @, a tab or a
// carriage return as a formula: a person named "=HYPERLINK(...)" would
// be a link, or worse, on the desk of whoever opens the export. So such a
// cell is written with a leading ' (the spreadsheets' own "this is text"
// mark), and the imports take it off again. For the round trip to give
// back every value, a value that is already one or more ' followed by a
// trigger ("'=x") gets one more ' as well; no other value changes. The
// rule, for the reader of docs/PEOPLE-CSV.md: a cell that is one or more
// ' and then one of = + - @ tab CR loses its first ' on import.

// csvTriggers start a cell a spreadsheet reads as a formula.
const csvTriggers = "=+-@\t\r"

// quotedTrigger reports whether s is any number of ' (at least one when
// quotes is set) followed by a trigger.
func quotedTrigger(s string, quotes bool) bool {
	rest := strings.TrimLeft(s, "'")
	if quotes && len(rest) == len(s) {
		return false
	}
	return rest != "" && strings.IndexByte(csvTriggers, rest[0]) >= 0
}

// CSVCell is a text cell as guardroom writes it to a CSV file: text that
// is not plain (from a device, or stored before the rule) escaped as
// plain.Visible shows it, and a cell a spreadsheet would run as a formula
// marked with a leading '.
func CSVCell(s string) string {
	s = plain.Visible(s)
	if quotedTrigger(s, false) {
		return "'" + s
	}
	return s
}

// csvValue is the value of a cell CSVCell wrote: the ' it added taken off.
func csvValue(cell string) string {
	if quotedTrigger(cell, true) {
		return cell[1:]
	}
	return cell
}

// csvRecord is CSVCell of every cell of rec.
func csvRecord(rec []string) []string {
	for i, c := range rec {
		rec[i] = CSVCell(c)
	}
	return rec
}
