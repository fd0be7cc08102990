package store

import (
	"bytes"
	"errors"
	"testing"
)

func TestSmoke(t *testing.T) {
	s, err := Open(Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Actor("admin", "test")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.AddPanel(a, NewPanel{Name: "Main", Unit: RootUnit, Family: "dsc-pc1864", IMEI: "490154203237518"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetLabel(a, p.ID, 7, "Bob"); !errors.Is(err, ErrNoCode) {
		t.Fatalf("label without code: %v", err)
	}
	t.Log(err)
	if err := s.SetCode(a, p.ID, 7, "2580", CodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCode(a, p.ID, 8, "2581", CodeOptions{}); !errors.Is(err, ErrCodeAdjacent) {
		t.Fatalf("adjacent: %v", err)
	}
	t.Log(err)
	if err := s.SetCode(a, p.ID, 8, "2580", CodeOptions{}); !errors.Is(err, ErrCodeInUse) {
		t.Fatalf("dup: %v", err)
	}
	if _, err := s.CreateAccount(a, "Ann@Example.com", RootUnit); err != nil {
		t.Fatal(err)
	}
	if err := s.AssignAccount(a, "ann@example.com", p.ID, 7); err != nil {
		t.Fatal(err)
	}
	users, err := s.ListUsers(a, p.ID)
	if err != nil || len(users) != 95 || users[6].Account == 0 || !users[6].CodeSet {
		t.Fatalf("%v %d %v", err, len(users), users[6])
	}
	if err := s.DisablePanelUser(a, p.ID, 40); !errors.Is(err, ErrMaster) {
		t.Fatalf("master: %v", err)
	}
	res, err := s.VerifyLog(a)
	if err != nil || !res.OK() {
		t.Fatalf("%v %v", res, err)
	}
	log, _ := s.ListLog(a, LogFilter{})
	for _, e := range log {
		t.Logf("%d %s %s %s %v->%v", e.Seq, e.Action, e.Place, e.Result, e.Before, e.After)
	}
	jobs, _ := s.ListJobs(a, JobFilter{})
	for _, j := range jobs {
		t.Logf("%v code=%q", j, j.Code)
	}
	var buf bytes.Buffer
	key := bytes.Repeat([]byte{1}, 32)
	if err := s.Backup(a, key, &buf); err != nil {
		t.Fatal(err)
	}
	s2, _ := Open(Config{InMemory: true})
	a2, _ := s2.Actor("admin", "t")
	if err := s2.Restore(a2, key, bytes.NewReader(buf.Bytes()), false); err != nil {
		t.Fatal(err)
	}
	u2, err := s2.ListUsers(a2, p.ID)
	if err != nil || !u2[6].CodeSet {
		t.Fatal(err)
	}
	res, _ = s2.VerifyLog(a2)
	t.Log(res)
}
