package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// TestSecretsStayHidden: codes and one-time codes are never shown, logged or
// exported. The outbox job is the one place the plaintext waits for the
// panel or the mail server.
func TestSecretsStayHidden(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2064", codeLength(8))
	d := f.panel("dsc-pc1864", codeLength(6))
	const (
		code    = "73952846"
		newCode = "61830274"
		dscCode = "739528"
	)
	f.setCode(p, 2, code, CodeOptions{Label: "Holder"})
	f.setCode(d, 2, dscCode)
	var refusals []error
	refuseWith := func(err error) {
		t.Helper()
		if err == nil || !IsRefusal(err) {
			t.Fatalf("expected a refusal, got %v", err)
		}
		refusals = append(refusals, err)
	}
	refuseWith(f.s.SetCode(f.admin, p.ID, 3, code, CodeOptions{}))
	refuseWith(f.s.EditCode(f.admin, p.ID, 2, code))
	refuseWith(f.s.SetCode(f.admin, p.ID, 2, newCode, CodeOptions{}))
	refuseWith(f.s.SetCode(f.admin, d.ID, 3, dscCode, CodeOptions{}))
	refuseWith(f.s.SetCode(f.admin, d.ID, 3, "739529", CodeOptions{}))
	refuseWith(f.s.SetCode(f.admin, d.ID, 3, "739527", CodeOptions{}))
	refuseWith(f.s.SetCode(f.admin, p.ID, 3, code+"1", CodeOptions{}))
	refuseWith(f.s.SetCode(f.admin, p.ID, 3, code[:7]+"x", CodeOptions{}))
	refuseWith(f.s.BulkSetCodes(f.admin, p.ID, []BulkCode{{Slot: 3, Code: code}}, nil))
	refuseWith(f.s.BulkSetCodes(f.admin, d.ID, []BulkCode{{Slot: 3, Code: "739529"}}, nil))
	fxWant(t, f.s.EditCode(f.admin, p.ID, 2, newCode), nil)

	f.account("ann@example.com")
	otp1 := f.otp("ann@example.com")
	wrong := otp1[:7] + string('0'+(otp1[7]-'0'+1)%10)
	refuseWith(f.s.ConfirmAccount(f.admin, "ann@example.com", wrong))
	fxWant(t, f.s.ResetPassword(f.admin, "ann@example.com"), nil)
	otp2 := f.otp("ann@example.com")
	refuseWith(f.s.ConfirmAccount(f.admin, "ann@example.com", otp1))
	fxWant(t, f.s.ConfirmAccount(f.admin, "ann@example.com", otp2), nil)
	if otp1 == otp2 {
		t.Fatalf("the two OTPs are equal")
	}
	secrets := []string{code, newCode, dscCode, otp1, otp2}
	noSecret := func(t *testing.T, what, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the secret %s:\n%s", what, s, text)
			}
		}
	}

	t.Run("log entries", func(t *testing.T) {
		n := 0
		err := f.s.db.View(func(txn *badger.Txn) error {
			return scan(txn, pLog, true, func(k, v []byte) error {
				n++
				noSecret(t, fmt.Sprintf("log entry %x", k), string(v))
				return nil
			})
		})
		if err != nil || n < 15 {
			t.Fatalf("scanned %d entries: %v", n, err)
		}
		for _, e := range f.log() {
			noSecret(t, "listed entry", fmt.Sprintf("%+v", e))
		}
	})
	t.Run("export", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := f.s.ExportLog(f.admin, &buf); err != nil {
			t.Fatal(err)
		}
		noSecret(t, "export", buf.String())
	})
	t.Run("refusal messages", func(t *testing.T) {
		for _, err := range refusals {
			noSecret(t, "refusal", err.Error())
			noSecret(t, "refusal %+v", fmt.Sprintf("%+v %#v", err, err))
		}
	})
	t.Run("ListJobs", func(t *testing.T) {
		jobs, err := f.s.ListJobs(f.admin, JobFilter{})
		if err != nil || len(jobs) != 5 {
			t.Fatalf("%d jobs: %v", len(jobs), err)
		}
		b, _ := json.Marshal(jobs)
		noSecret(t, "ListJobs JSON", string(b))
		for _, j := range jobs {
			if j.Code != "" || (j.Mail != nil && j.Mail.Body != "(hidden)") {
				t.Errorf("job %d not redacted", j.Seq)
			}
			noSecret(t, "ListJobs job", fmt.Sprintf("%v %+v %#v %s", j, j, j, j))
		}
	})
	t.Run("formatting", func(t *testing.T) {
		raw := f.rawJobs()
		for _, j := range raw {
			noSecret(t, "job", fmt.Sprintf("%v|%+v|%#v|%s|%v|%+v", j, j, j, j, &j, []Job{j}))
		}
		users, err := f.s.ListUsers(f.admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users[:4] {
			noSecret(t, "panel user", fmt.Sprintf("%v|%+v|%#v|%s|%v|%+v", u, u, u, u, &u, []PanelUser{u}))
			if strings.Contains(fmt.Sprintf("%#v", u), "codeHash") {
				t.Errorf("%%#v shows the code hash: %#v", u)
			}
		}
		b, _ := json.Marshal(users[1])
		noSecret(t, "panel user JSON", string(b))
	})
	t.Run("stored users hold only a hash", func(t *testing.T) {
		err := f.s.db.View(func(txn *badger.Txn) error {
			for _, pre := range [][]byte{pUser, pIdxCode, pPanel, pAccount} {
				if err := scan(txn, pre, true, func(k, v []byte) error {
					noSecret(t, fmt.Sprintf("record %q", k), string(k)+string(v))
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("raw outbox holds the plaintext by design", func(t *testing.T) {
		var all strings.Builder
		err := f.s.db.View(func(txn *badger.Txn) error {
			return scanJobRecords(txn, func(v []byte) error {
				all.Write(v)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if !strings.Contains(all.String(), s) {
				t.Errorf("outbox does not hold %s: the panel or the mail server could never get it", s)
			}
		}
	})
}
