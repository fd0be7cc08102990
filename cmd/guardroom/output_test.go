package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/guardroom/guardroom/store"
)

// deviceWords is what a device or driver might say: an OSC 52 clipboard
// write, a C1 CSI that clears the screen and a C1 OSC title.
const deviceWords = "jammed\x1b]52;c;aGk=\a\u009b2J\u009d0;owned\u009c"

// shownDeviceWords is how the command line shows it.
const shownDeviceWords = `jammed\x1b]52;c;aGk=\x07\u009b2J\u009d0;owned\u009c`

// noControls fails for any control character but a line feed in out.
func noControls(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if r != '\n' && (r < 0x20 || r >= 0x7f && r <= 0x9f) {
			t.Fatalf("%s prints control character %U:\n%q", what, r, out)
		}
	}
}

// TestOutputEscapesControls: text the store did not check (a device's
// error, a driver's keypad steps) reaches the terminal with its control
// characters shown as escapes, in tables, fields, lines and JSON alike.
func TestOutputEscapesControls(t *testing.T) {
	s := newSite(t).withPanel()
	// A panel nobody answers for: the change waits in the outbox.
	s.ok("", "panel", "device", "1", "--driver", "modbus", "--address", "tcp://127.0.0.1:1")
	s.ok("4713\n", "user", "set-code", "1", "8")
	var jobs []jobJSON
	s.jsonOut(&jobs, "job", "list", "--state", "pending")
	if len(jobs) != 1 {
		t.Fatalf("pending jobs: %+v", jobs)
	}
	seq := jobs[0].Seq
	key, err := store.ReadKey(s.key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Config{Dir: s.data, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Internal("dispatch")
	if err := st.ParkJob(sys, seq, []string{"press " + deviceWords}, "guided"); err != nil {
		t.Fatal(err)
	}
	if err := st.ReportConnection(sys, 1, store.ConnectionReport{Online: true, Err: deviceWords, Driver: "guided"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	for _, args := range [][]string{{"job", "show", itoa(seq)}, {"panel", "show", "1"}} {
		r := s.ok("", args...)
		noControls(t, strings.Join(args, " "), r.stdout+r.stderr)
		if !strings.Contains(r.stdout, shownDeviceWords) {
			t.Errorf("%s does not show the device's words as escapes:\n%s", strings.Join(args, " "), r.stdout)
		}
	}
	r := s.ok("", "job", "show", itoa(seq), "--json")
	noControls(t, "job show --json", r.stdout)
	var j jobJSON
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || len(j.Steps) != 1 || j.Steps[0] != "press "+deviceWords {
		t.Fatalf("job show --json reads back as %+v, %v:\n%s", j, err, r.stdout)
	}
	// What an operator types on the command line and the store refuses
	// is echoed escaped too.
	r = s.fail(1, "", "", "panel", "show", "\x1b]0;owned\a")
	noControls(t, "a refusal", r.stdout+r.stderr)
}

// TestPlainWriter: a character cut between two writes is still read as
// one, and a sequence never finished is escaped when the output ends.
func TestPlainWriter(t *testing.T) {
	var b bytes.Buffer
	w := &plainWriter{w: &b}
	csi := []byte("\u009b")
	w.Write([]byte("a" + string(csi[:1])))
	w.Write([]byte(string(csi[1:]) + "2J é\n\x1b"))
	w.Write([]byte{0xc3})
	w.flush()
	if got, want := b.String(), "a\\u009b2J é\n\\x1b\\xc3"; got != want {
		t.Fatalf("wrote %q, want %q", got, want)
	}
}

// TestQRThroughPlainWriter: the enrolment's QR code asks the terminal
// behind the command's output how big it is; the output's plainWriter
// does not hide it.
func TestQRThroughPlainWriter(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: 120, Rows: 60}); err != nil {
		t.Fatal(err)
	}
	uri := "otpauth://totp/guardroom:ann?secret=JBSWY3DPEHPK3PXP&issuer=guardroom"
	if qr, why := qrFor(&plainWriter{w: tty}, uri); qr == "" {
		t.Fatalf("no QR code on a 120x60 terminal: %q", why)
	}
}

// TestJSONStreamsAsWriteJSON: a list written element by element
// (jsonArray, jsonListObject) is byte for byte what writeJSON writes for
// the whole value, control characters escaped the same.
func TestJSONStreamsAsWriteJSON(t *testing.T) {
	rows := []store.PeopleImportRow{
		{Line: 2, Name: "Åsa <Öberg> & co", Active: true, Groups: []string{"Staff"}, Locks: []int{1, 2}},
		{Line: 3, Name: "del\u007f c1\u009b", Problem: "card \"12a\" is neither"},
		{Line: 4},
	}
	for _, c := range []struct {
		name string
		rows []store.PeopleImportRow
	}{{"none", nil}, {"one", rows[:1]}, {"several", rows}} {
		t.Run(c.name, func(t *testing.T) {
			var want, got bytes.Buffer
			if err := writeJSON(&want, store.PeopleImport{Rows: c.rows, Bad: 1, Written: len(c.rows)}); err != nil {
				t.Fatal(err)
			}
			o := startJSONList(&got, "rows")
			for _, r := range c.rows {
				if err := o.list.add(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := o.finish(store.PeopleImport{Bad: 1, Written: len(c.rows)}); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("object streamed:\n%s\nwant:\n%s", got.String(), want.String())
			}

			want.Reset()
			got.Reset()
			list := append([]store.PeopleImportRow{}, c.rows...) // [] when empty, as person list writes it
			if err := writeJSON(&want, list); err != nil {
				t.Fatal(err)
			}
			a := newJSONArray(&got, 0)
			for _, r := range c.rows {
				if err := a.add(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.end(false); err != nil {
				t.Fatal(err)
			}
			got.WriteString("\n")
			if got.String() != want.String() {
				t.Errorf("array streamed:\n%s\nwant:\n%s", got.String(), want.String())
			}
		})
	}
}
