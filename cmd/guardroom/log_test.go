package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
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

	var all []store.Entry
	s.jsonOut(&all, "log", "list")
	// unit.add, panel.add, user.set-code, device.online, device.apply,
	// user.label, device.apply, and the refused user.label.
	if len(all) != 8 || all[0].Seq != 8 || !all[0].Refused() || all[7].Action != "unit.add" || all[1].Action != "device.apply" || all[1].After["outcome"] != "verified" {
		t.Fatalf("log list --json: %+v", all)
	}
	filters := []struct {
		args []string
		want int
	}{
		{[]string{"--action", "user."}, 3},
		{[]string{"--action", "user.label"}, 2},
		{[]string{"--action", "device."}, 3},
		{[]string{"--panel", "Main office"}, 7},
		{[]string{"--operator", "admin"}, 5},
		{[]string{"--operator", "dispatcher"}, 3},
		{[]string{"--operator", "nobody"}, 0},
		{[]string{"--limit", "2"}, 2},
		{[]string{"--since", time.Now().AddDate(0, 0, 1).Format("2006-01-02")}, 0},
		{[]string{"--until", time.Now().Format("2006-01-02")}, 8},
		{[]string{"--until", "2020-01-01 10:00"}, 0},
	}
	for _, f := range filters {
		var got []store.Entry
		s.jsonOut(&got, append([]string{"log", "list"}, f.args...)...)
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
	if r := s.ok("", "log", "show", "6"); !strings.Contains(r.stdout, "user.label") || !strings.Contains(r.stdout, "Previous hash") {
		t.Errorf("log show:\n%s", r.stdout)
	}
	s.fail(1, "no log entry 99", "", "log", "show", "99")
	s.fail(2, "SEQ must be", "", "log", "show", "x")

	if r := s.ok("", "log", "verify"); !strings.Contains(r.stdout, "verified: 8 entries, chain intact") {
		t.Errorf("log verify: %s", r)
	}

	jsonl := filepath.Join(s.root, "out", "log.jsonl")
	os.MkdirAll(filepath.Dir(jsonl), 0o700)
	if r := s.ok("", "log", "export", jsonl); !strings.Contains(r.stdout, "Exported 8 log entries") {
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
	if r.code != 1 || !strings.Contains(r.stdout, "broken at entry 6") {
		t.Errorf("tampered export: %s", r)
	}

	csvPath := filepath.Join(s.root, "out", "log.csv")
	s.ok("", "log", "export", csvPath, "--format", "csv")
	f, _ := os.Open(csvPath)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "seq,time,operator,via,place,action,before,after,result" || len(recs) != 9 || recs[1][0] != "1" || recs[6][7] != "label=Bob" {
		t.Errorf("csv: %q", recs)
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "label=Bob": "label=Bob", "": "", "@x": "'@x"} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
