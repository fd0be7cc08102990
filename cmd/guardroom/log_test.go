package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/store"
)

func TestLogCommands(t *testing.T) {
	s := newSite(t).withPanel()
	s.ok("2580\n", "user", "set-code", "1", "7")
	s.ok("", "user", "label", "1", "7", "Bob")
	s.fail(1, "has no code", "", "user", "label", "1", "8", "Eve")

	var log []store.Entry
	s.jsonOut(&log, "log", "list")
	// unit.add, panel.add, user.set-code, device.online, device.apply,
	// user.label, device.apply, and the refused user.label; around them,
	// each command's login (the newest: log list's own).
	all := withoutLogins(log)
	if len(all) != 8 || log[0].Action != "operator.login" || !all[0].Refused() || all[7].Action != "unit.add" || all[1].Action != "device.apply" || all[1].After["outcome"] != "verified" {
		t.Fatalf("log list --json: %+v", all)
	}
	labelled := all[2].Seq
	filters := []struct {
		args []string
		want int
		// logins: the count includes the logins.
		logins bool
	}{
		{[]string{"--action", "user."}, 3, true},
		{[]string{"--action", "user.label"}, 2, true},
		{[]string{"--action", "device."}, 3, true},
		{[]string{"--panel", "Main office"}, 7, true},
		{[]string{"--operator", "admin"}, 5, false},
		{[]string{"--operator", "dispatcher"}, 3, true},
		{[]string{"--operator", "nobody"}, 0, true},
		{[]string{"--limit", "2"}, 2, true},
		{[]string{"--since", time.Now().AddDate(0, 0, 1).Format("2006-01-02")}, 0, true},
		{[]string{"--until", time.Now().Format("2006-01-02")}, 8, false},
		{[]string{"--until", "2020-01-01 10:00"}, 0, true},
	}
	for _, f := range filters {
		var got []store.Entry
		s.jsonOut(&got, append([]string{"log", "list"}, f.args...)...)
		if !f.logins {
			got = withoutLogins(got)
		}
		if len(got) != f.want {
			t.Errorf("log list %v: %d entries, want %d", f.args, len(got), f.want)
		}
	}
	r := s.ok("", "log", "list")
	for _, want := range []string{"Seq", "admin (cli)", "label: User 7 → Bob", "refused: label cannot change", time.Now().Format("2006-01-02")} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("log list lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := s.ok("", "log", "show", strconv.FormatUint(labelled, 10)); !strings.Contains(r.stdout, "user.label") || !strings.Contains(r.stdout, "Previous hash") {
		t.Errorf("log show:\n%s", r.stdout)
	}
	s.fail(1, "no log entry 999", "", "log", "show", "999")
	s.fail(2, "SEQ must be", "", "log", "show", "x")

	// Each command counts its own login.
	s.jsonOut(&log, "log", "list")
	if r := s.ok("", "log", "verify"); !strings.Contains(r.stdout, fmt.Sprintf("verified: %d entries, chain intact", len(log)+1)) {
		t.Errorf("log verify after %d entries: %s", len(log), r)
	}

	jsonl := filepath.Join(s.root, "out", "log.jsonl")
	os.MkdirAll(filepath.Dir(jsonl), 0o700)
	if r := s.ok("", "log", "export", jsonl); !strings.Contains(r.stdout, fmt.Sprintf("Exported %d log entries", len(log)+2)) {
		t.Errorf("export: %s", r)
	}
	if st, err := os.Stat(jsonl); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v %v", st, err)
	}
	s.fail(1, "exists already", "", "log", "export", jsonl)
	s.ok("", "log", "export", jsonl, "--force")
	// Offline: no data directory needed.
	if r := runArgs("", "--data", filepath.Join(s.root, "none"), "log", "verify", "--file", jsonl); r.code != 0 || !strings.Contains(r.stdout, "chain intact") {
		t.Errorf("verify --file: %s", r)
	}
	if _, err := os.Stat(filepath.Join(s.root, "none")); err == nil {
		t.Error("verify --file created a data directory")
	}
	b, _ := os.ReadFile(jsonl)
	tampered := filepath.Join(s.root, "out", "tampered.jsonl")
	os.WriteFile(tampered, []byte(strings.Replace(string(b), `"label":"Bob"`, `"label":"Rob"`, 1)), 0o600)
	if string(b) == strings.Replace(string(b), `"label":"Bob"`, `"label":"Rob"`, 1) {
		t.Fatal("test did not tamper with the export")
	}
	r = s.run("", "log", "verify", "--file", tampered)
	if r.code != 1 || !strings.Contains(r.stdout, fmt.Sprintf("broken at entry %d", labelled)) {
		t.Errorf("tampered export: %s", r)
	}

	// The header, the entries of the last log list, and five logins since.
	csvPath := filepath.Join(s.root, "out", "log.csv")
	s.ok("", "log", "export", csvPath, "--format", "csv")
	f, _ := os.Open(csvPath)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "seq,time,operator,via,place,action,before,after,result" || len(recs) != len(log)+6 || recs[1][0] != "1" || recs[labelled][7] != "label=Bob" {
		t.Errorf("csv: %q", recs)
	}
}

// withoutLogins leaves out the entries every command's login writes
// (operator.login, a changed password and its notice, notices seen).
func withoutLogins(entries []store.Entry) []store.Entry {
	var out []store.Entry
	for _, e := range entries {
		if !strings.HasPrefix(e.Action, "operator.") && !strings.HasPrefix(e.Action, "security.") {
			out = append(out, e)
		}
	}
	return out
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "label=Bob": "label=Bob", "": "", "@x": "'@x", "-1": "'-1", "'=x": "''=x",
		"a\x1b]0;t\a": `a\x1b]0;t\x07`} {
		if got := store.CSVCell(in); got != want {
			t.Errorf("store.CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
