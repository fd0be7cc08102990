package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/guardroom/guardroom/store"
)

// TestProgressLine: what a slow Open or restore says on stderr when it is
// not a terminal: a counted step when it starts and when it ends, a step
// with nothing to count once.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progressLine{w: &buf, log: slog.New(slog.DiscardHandler)}
	p.step("finishing the people import", 1400, 3000)
	p.step("finishing the people import", 2800, 3000)
	p.step("finishing the people import", 3000, 3000)
	p.step("finished swapping in the backup b.bak", 0, 0)
	p.end()
	p.end()
	want := "guardroom: finishing the people import...\n" +
		"guardroom: finishing the people import: done (3000 of 3000)\n" +
		"guardroom: finished swapping in the backup b.bak\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

// TestOpenSaysItFinishesAnImport: the command that opens a database whose
// import was cut short says on stderr that it finishes it, and how far.
func TestOpenSaysItFinishesAnImport(t *testing.T) {
	s := newSite(t)
	s.setUp()
	key, err := store.ReadKey(s.key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Config{Dir: s.data, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	var file strings.Builder
	file.WriteString("name,card\n")
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&file, "Person %d,%d:%d\n", i, 10+i%90, 100000+i)
	}
	admin, _ := st.Actor("admin", "test")
	func() {
		defer func() { recover() }() // a crash after the first chunk
		st.ImportPeople(admin, strings.NewReader(file.String()), store.PeopleImportOptions{Name: "cut.csv", Unit: store.RootUnit,
			Progress: func(done, total int) { panic("crash") }})
	}()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	r := s.ok("", "person", "list", "--json")
	if !strings.Contains(r.stderr, "guardroom: finishing the people import") || !strings.Contains(r.stderr, "done (3000 of 3000)") {
		t.Errorf("the open said nothing of the import it finished: %s", r)
	}
}
