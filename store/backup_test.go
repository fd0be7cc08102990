package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	bkLabel = "Zebedee Quartermain"
	bkEmail = "xylophone.owner@example.com"
	bkCode  = "25803614"
)

// bkSource is a small on-disk site to back up.
type bkSource struct {
	*fx
	key []byte
	p   Panel
	log int
}

func newBkSource(t *testing.T) *bkSource {
	t.Helper()
	key, err := CreateKey(filepath.Join(t.TempDir(), "guardroom.key"))
	if err != nil {
		t.Fatal(err)
	}
	clk := newFxClock()
	s, err := Open(Config{Dir: t.TempDir(), Key: key, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := fxWrap(t, s, clk)
	p := f.panel("neo-hs2064", codeLength(8))
	f.setCode(p, 2, bkCode, CodeOptions{Label: bkLabel})
	f.setCode(p, 3, "36914702")
	f.account(bkEmail)
	fxWant(t, s.AssignAccount(f.admin, bkEmail, p.ID, 2), nil)
	fxWant(t, s.SetLabel(f.admin, p.ID, 9, "nobody"), ErrNoCode) // a refused entry too
	return &bkSource{fx: f, key: key, p: p, log: len(f.log())}
}

func (b *bkSource) backup(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := b.s.Backup(b.admin, b.key, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bkTarget is a second database with a site of its own, to check that a
// refused or failed restore leaves it as it was.
func bkTarget(t *testing.T) *fx {
	f := newFx(t)
	p := f.panel("dsc-pc1832", func(np *NewPanel) { np.Name = "Target panel"; np.IMEI = fxIMEI(4242) })
	f.setCode(p, 2, "2580")
	f.account("target@example.com")
	return f
}

// checkTargetIntact asserts that the target still holds its own site.
func checkTargetIntact(t *testing.T, f *fx) {
	t.Helper()
	ps, err := f.s.ListPanels(f.admin)
	if err != nil || len(ps) != 1 || ps[0].Name != "Target panel" {
		t.Fatalf("target panels after refused restore: %v %+v", err, ps)
	}
	if u, err := f.s.GetUser(f.admin, ps[0].ID, 2); err != nil || !u.CodeSet {
		t.Fatalf("target user: %v %v", u, err)
	}
	if _, err := f.s.GetAccount(f.admin, "target@example.com"); err != nil {
		t.Fatalf("target account: %v", err)
	}
	if res, err := f.s.VerifyLog(f.admin); err != nil || !res.OK() {
		t.Fatalf("target log: %v %v", res, err)
	}
	fxWant(t, f.s.SetCode(f.admin, ps[0].ID, 3, "2580", CodeOptions{}), ErrCodeInUse)
}

func TestBackupRestore(t *testing.T) {
	src := newBkSource(t)
	backup := src.backup(t)

	t.Run("no plaintext in the file", func(t *testing.T) {
		if !bytes.HasPrefix(backup, backupMagic) {
			t.Fatalf("no magic")
		}
		for _, s := range []string{bkLabel, bkEmail, bkCode, "puser/", "acct/", "user.set-code"} {
			if bytes.Contains(backup, []byte(s)) {
				t.Errorf("backup holds %q in plaintext", s)
			}
		}
	})

	t.Run("round trip into a fresh database on disk", func(t *testing.T) {
		dir := t.TempDir()
		dst, err := Open(Config{Dir: dir, Key: src.key})
		if err != nil {
			t.Fatal(err)
		}
		g := fxWrap(t, dst, src.clk)
		*g.n = 1000 // new panels must not take the restored panel's IMEI
		sub := dst.Subscribe()
		// A refused attempt is logged, and leaves the database empty for
		// the next one.
		fxWant(t, dst.Restore(g.admin, src.key, bytes.NewReader(backup[:len(backup)/2]), false), ErrInvalid, "truncated")
		checkRestoreRefusalLogged(t, g, "truncated")
		fxWant(t, dst.Restore(g.admin, src.key, bytes.NewReader(backup), false), nil)
		for _, p := range []string{dir + ".incoming", dir + ".outgoing", dir + ".swap"} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s is left after the restore", p)
			}
		}
		if got := fxChanges(t, sub); got[ChangeAll] != 1 {
			t.Errorf("restore announced %v", got)
		}
		sub.Close()
		check := func(t *testing.T, s *Store, admin Actor, codes int) {
			t.Helper()
			u, err := s.GetUser(admin, src.p.ID, 2)
			if err != nil || !u.CodeSet || u.Label != bkLabel || u.Account == 0 {
				t.Fatalf("user 2 after restore: %v %v", u, err)
			}
			acc, err := s.GetAccount(admin, bkEmail)
			if err != nil || acc.ID != u.Account || len(acc.Links) != 1 {
				t.Fatalf("account after restore: %+v %v", acc, err)
			}
			p, err := s.GetPanel(admin, src.p.ID)
			if err != nil || p.CodesSet != codes || p.IMEI != src.p.IMEI {
				t.Fatalf("panel after restore: %+v %v", p, err)
			}
			es, err := s.ListLog(admin, LogFilter{})
			if err != nil || len(es) < src.log {
				t.Fatalf("log after restore: %d entries, want %d (%v)", len(es), src.log, err)
			}
			if res, err := s.VerifyLog(admin); err != nil || !res.OK() {
				t.Fatalf("verify after restore: %v %v", res, err)
			}
			// The code hash key came back with the data: codes still collide.
			fxWant(t, s.SetCode(admin, src.p.ID, 5, bkCode, CodeOptions{}), ErrCodeInUse)
		}
		check(t, dst, g.admin, 2)
		if n := len(g.log()); n != src.log+2 {
			t.Fatalf("%d entries after restore, want the %d of the backup, the restore and one refusal", n, src.log)
		}
		if es := g.log(); es[0].Action != "restore" && es[1].Action != "restore" { // newest first
			t.Errorf("the restore is not in the restored log")
		}
		// The sequences came back too: new records do not reuse numbers.
		q := g.panel("qolsys-iq4")
		if q.ID != src.p.ID+1 {
			t.Fatalf("new panel got number %d, want %d", q.ID, src.p.ID+1)
		}
		fxWant(t, dst.SetCode(g.admin, src.p.ID, 4, "47025813", CodeOptions{}), nil)
		if res, _ := dst.VerifyLog(g.admin); !res.OK() {
			t.Fatalf("chain after new writes: %v", res)
		}
		// And it all survives a restart.
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
		again, err := Open(Config{Dir: dir, Key: src.key})
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		admin, _ := again.Actor("admin", "test")
		check(t, again, admin, 3)
	})

	t.Run("non-empty database refused without force", func(t *testing.T) {
		f := bkTarget(t)
		before := f.logSeq()
		fxWant(t, f.s.Restore(f.admin, src.key, bytes.NewReader(backup), false), ErrNotEmpty, "add --force")
		checkRestoreRefusalLogged(t, f, "already holds a site")
		checkTargetIntact(t, f)
		if f.logSeq() != before+2 { // the refused restore, the SetCode refusal of checkTargetIntact
			t.Fatalf("log moved from %d to %d", before, f.logSeq())
		}
	})

	t.Run("force replaces everything", func(t *testing.T) {
		f := bkTarget(t)
		fxWant(t, f.s.Restore(f.admin, src.key, bytes.NewReader(backup), true), nil)
		ps, _ := f.s.ListPanels(f.admin)
		if len(ps) != 1 || ps[0].IMEI != src.p.IMEI {
			t.Fatalf("panels after forced restore: %+v", ps)
		}
		if _, err := f.s.GetAccount(f.admin, "target@example.com"); err == nil {
			t.Fatalf("target's account survived a forced restore")
		}
		if res, _ := f.s.VerifyLog(f.admin); !res.OK() {
			t.Fatalf("verify: %v", res)
		}
	})

	t.Run("restore needs the backup/restore permission", func(t *testing.T) {
		f := bkTarget(t)
		sup := f.operator(RoleSupervisor)
		fxWant(t, f.s.Restore(sup, src.key, bytes.NewReader(backup), true), ErrPermission, "backup/restore")
		checkRestoreRefusalLogged(t, f, "backup/restore")
		var buf bytes.Buffer
		fxWant(t, f.s.Backup(sup, src.key, &buf), ErrPermission, "backup/restore")
		if buf.Len() != 0 {
			t.Fatalf("refused backup wrote %d bytes", buf.Len())
		}
		checkTargetIntact(t, f)
	})

	wrongKey := bytes.Repeat([]byte{0x5a}, KeySize)
	damaged := []struct {
		name string
		file []byte
		kind error
		msg  string
	}{
		{"wrong key", backup, ErrInvalid, "made with another key file"},
		{"not a backup", []byte("hello, this is not a backup file at all"), ErrInvalid, "not a guardroom backup"},
		{"empty file", nil, ErrInvalid, "not a guardroom backup"},
		{"header only", backup[:len(backupMagic)+8], ErrInvalid, "truncated"},
		{"cut inside the chunk length", backup[:len(backupMagic)+10], ErrInvalid, "truncated"},
		{"last byte missing", backup[:len(backup)-1], ErrInvalid, "truncated"},
		{"cut in half", backup[:len(backup)/2], ErrInvalid, "truncated"},
		{"one bit flipped", flipBit(backup, len(backup)-20), ErrInvalid, "damaged"},
	}
	for _, c := range damaged {
		t.Run(c.name, func(t *testing.T) {
			key := src.key
			if c.name == "wrong key" {
				key = wrongKey
			}
			f := bkTarget(t)
			fxWant(t, f.s.Restore(f.admin, key, bytes.NewReader(c.file), true), c.kind, c.msg)
			checkRestoreRefusalLogged(t, f, c.msg)
			checkTargetIntact(t, f)
		})
	}
}

// checkRestoreRefusalLogged asserts that the newest log entry is the
// refused restore, saying why.
func checkRestoreRefusalLogged(t *testing.T, f *fx, why string) {
	t.Helper()
	if e := f.lastLog(); e.Action != "restore" || !strings.HasPrefix(e.Result, "refused: ") || !strings.Contains(e.Result, why) {
		t.Fatalf("the refused restore is not in the log: %+v", e)
	}
}

func flipBit(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x10
	return c
}

// chunks splits a backup into its header and sealed chunks (with their
// length prefixes).
func chunks(t *testing.T, b []byte) (head []byte, out [][]byte) {
	t.Helper()
	n := len(backupMagic) + 8
	head, b = b[:n], b[n:]
	for len(b) > 0 {
		size := int(binary.BigEndian.Uint32(b))
		out = append(out, b[:4+size])
		b = b[4+size:]
	}
	return head, out
}

// onlyReader hides a reader's Seek, as a pipe or a network stream would.
type onlyReader struct{ io.Reader }

// TestRestoreLargeDamagedBackup: a backup of many chunks that is cut or
// rearranged after its first chunk must be refused before anything in the
// target is dropped.
func TestRestoreLargeDamagedBackup(t *testing.T) {
	f := newFx(t)
	p := f.panel("neo-hs2128e")
	var items []BulkCode
	for slot := 2; slot <= 401; slot++ {
		items = append(items, BulkCode{Slot: slot, Code: fmt.Sprintf("%08d", 30000000+slot*7919)})
	}
	fxWant(t, f.s.BulkSetCodes(f.admin, p.ID, items, nil), nil)
	key := bytes.Repeat([]byte{3}, KeySize)
	var buf bytes.Buffer
	if err := f.s.Backup(f.admin, key, &buf); err != nil {
		t.Fatal(err)
	}
	backup := buf.Bytes()
	head, cs := chunks(t, backup)
	if len(cs) < 3 {
		t.Fatalf("backup has %d chunks; the test needs 3 or more", len(cs))
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(append([][]byte{head}, parts...), nil) }
	cases := []struct {
		name string
		file []byte
	}{
		{"cut after the first chunk", join(cs[0])},
		{"cut before the last chunk", join(cs[:len(cs)-1]...)},
		{"cut inside a middle chunk", backup[:len(head)+len(cs[0])+len(cs[1])/2]},
		{"middle chunk dropped", join(append([][]byte{cs[0]}, cs[2:]...)...)},
		{"chunks swapped", join(append([][]byte{cs[1], cs[0]}, cs[2:]...)...)},
	}
	for _, c := range cases {
		for _, seekable := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/seekable=%v", c.name, seekable), func(t *testing.T) {
				g := bkTarget(t)
				var r io.Reader = bytes.NewReader(c.file)
				if !seekable {
					r = onlyReader{r}
				}
				fxWant(t, g.s.Restore(g.admin, key, r, true), ErrInvalid, "damaged, truncated")
				checkTargetIntact(t, g)
			})
		}
	}
	t.Run("whole file restores, seekable or not", func(t *testing.T) {
		for _, r := range []io.Reader{bytes.NewReader(backup), onlyReader{bytes.NewReader(backup)}} {
			g := bkTarget(t)
			fxWant(t, g.s.Restore(g.admin, key, r, true), nil)
			g.checkCodesSet(p, len(items))
			if res, _ := g.s.VerifyLog(g.admin); !res.OK() {
				t.Fatalf("verify: %v", res)
			}
		}
	})
	t.Run("restore reads from where the reader stands", func(t *testing.T) {
		g := bkTarget(t)
		r := bytes.NewReader(append([]byte("junk"), backup...))
		if _, err := r.Seek(4, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		fxWant(t, g.s.Restore(g.admin, key, r, true), nil)
		if ps, _ := g.s.ListPanels(g.admin); len(ps) != 1 || ps[0].IMEI != p.IMEI {
			t.Fatalf("panels %+v", ps)
		}
	})
}

// TestRestoreKeepsCommandNumbers: a restore never takes a panel's command
// counter back, so a device is never sent again a number it had after the
// backup was made (it would ignore a real repeat of its last command).
func TestRestoreKeepsCommandNumbers(t *testing.T) {
	src := newBkSource(t)
	sys := src.s.Internal("dispatch")
	next := func() uint64 {
		t.Helper()
		n, err := src.s.NextCommandNumber(sys, src.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 3 {
		next()
	}
	backup := src.backup(t) // the backup's counter: 3
	for range 3 {
		next()
	}
	fxWant(t, src.s.Restore(src.admin, src.key, bytes.NewReader(backup), true), nil)
	if n := next(); n != 7 {
		t.Fatalf("after the restore the next number is %d, want 7 (numbers 4-6 were sent after the backup)", n)
	}
}
