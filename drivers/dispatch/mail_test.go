package dispatch

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guardroom/guardroom/drivers/mail"
	"github.com/guardroom/guardroom/drivers/mail/mailtest"
	"github.com/guardroom/guardroom/store"
)

func (f *fx) account(email string) {
	f.t.Helper()
	if _, err := f.s.CreateAccount(f.admin, email, store.RootUnit); err != nil {
		f.t.Fatal(err)
	}
}

func sender(t *testing.T, srv *mailtest.Server) *mail.Sender {
	t.Helper()
	host, port := srv.Addr()
	m, err := mail.New(mail.Config{Host: host, Port: port, Security: mail.StartTLS, From: "guardroom@site.example", TLS: srv.ClientTLS()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMailWaitsUntilSMTPIsConfigured(t *testing.T) {
	f := newFx(t)
	f.account("ann@example.com")
	d := New(f.s, Options{})
	drain(t, d)
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Pending != 1 {
		t.Fatalf("the mail did not wait: %+v", c)
	}
	m, _ := f.s.MailStatus(f.admin)
	if m.Online || !strings.Contains(m.LastError, "no SMTP server configured") {
		t.Errorf("mail status %+v", m)
	}

	// Configured later (a restart with [smtp]): the waiting mail goes.
	srv := mailtest.NewServer(t, mailtest.Options{})
	d = New(f.s, Options{Mailer: sender(t, srv)})
	drain(t, d)
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ann@example.com" {
		t.Fatalf("messages %+v", msgs)
	}
	if !regexp.MustCompile(`one-time code is \d+`).MatchString(msgs[0].Body) {
		t.Errorf("the mail carries no one-time code: %q", msgs[0].Body)
	}
	if c, _ := f.s.SyncCounts(f.admin, 0); c.Pending != 0 {
		t.Errorf("after delivery %+v", c)
	}
	if m, _ := f.s.MailStatus(f.admin); !m.Online || !strings.HasPrefix(m.Transport, "smtp starttls 127.0.0.1:") {
		t.Errorf("mail status %+v", m)
	}
	a := f.applies()
	if len(a) != 1 || a[0].Action != "mail.send" || a[0].Account != "ann@example.com" || a[0].After["driver"] != "smtp" ||
		a[0].After["mail"] != "sent to ann@example.com" {
		t.Errorf("log %+v", a)
	}
	// The delivered job no longer holds the one-time code.
	jobs, _ := f.s.ListJobs(f.admin, store.JobFilter{Kind: store.JobMail})
	if jobs[0].State != store.JobDone {
		t.Errorf("job %+v", jobs[0])
	}
}

func TestMailTemporaryAndPermanentFailures(t *testing.T) {
	f := newFx(t)
	srv := mailtest.NewServer(t, mailtest.Options{TempFailures: 1, RejectRecipient: "gone@example.com"})
	f.account("ann@example.com")
	f.account("gone@example.com")
	d := New(f.s, Options{Mailer: sender(t, srv)})
	drain(t, d)
	// 451 for the first: it waits for its retry, and mail keeps its order.
	if len(srv.Messages()) != 0 {
		t.Fatalf("delivered %d", len(srv.Messages()))
	}
	if m, _ := f.s.MailStatus(f.admin); m.Online || m.LastError == "" {
		t.Errorf("status after a 451: %+v", m)
	}
	f.clk.Advance(10 * time.Minute)
	drain(t, d)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("delivered %d after the retry, want 1", n)
	}
	c, _ := f.s.SyncCounts(f.admin, 0)
	if c.Failed != 1 || c.Pending != 0 {
		t.Errorf("counts %+v: the refused recipient should fail for good", c)
	}
	jobs, _ := f.s.ListJobs(f.admin, store.JobFilter{Kind: store.JobMail, State: store.JobFailed})
	if len(jobs) != 1 || jobs[0].Mail.To != "gone@example.com" || !strings.Contains(jobs[0].LastError, "550") {
		t.Errorf("failed mail %+v", jobs)
	}
	// Nothing a failure says carries the one-time code.
	for _, e := range f.applies() {
		if regexp.MustCompile(`\b\d{6,}\b`).MatchString(e.Result) {
			t.Errorf("log entry may carry a code: %q", e.Result)
		}
	}
}
