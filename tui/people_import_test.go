package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The preview of a big file lists every bad row but only the first
// previewGood good ones, so the console does not hold a file of a
// million rows to show it, and says how many it left out.
func TestImportPeoplePreviewBounded(t *testing.T) {
	t.Parallel()
	c, _, _ := startPeople(t)
	var b strings.Builder
	b.WriteString("name,card\n")
	for i := 1; i <= 1003; i++ { // previewGood and 3
		fmt.Fprintf(&b, "Tenant %d,%d\n", i, 500000+i)
	}
	b.WriteString("Late Bad,not-a-card\n")
	path := filepath.Join(t.TempDir(), "many.csv")
	check(t, os.WriteFile(path, []byte(b.String()), 0o600))
	c.press("I")
	c.waitScreen("Import people", "CSV file")
	c.typ(path)
	c.press("enter")
	c.waitScreen("1 row of 1004 cannot be imported", "3 good rows are not.", "2  ok  Tenant 1")
}
