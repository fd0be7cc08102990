package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadKey(t *testing.T) {
	dir := t.TempDir()
	good, err := CreateKey(filepath.Join(dir, "good.key"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "good.key"))
	write := func(name string, content []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // WriteFile's mode passes the umask
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name    string
		path    string
		want    []byte
		errPart []string
	}{
		{"0600", filepath.Join(dir, "good.key"), good, nil},
		{"0400", write("ro.key", raw, 0o400), good, nil},
		{"no trailing newline", write("nonl.key", bytes.TrimSpace(raw), 0o600), good, nil},
		{"0644 is refused", write("world.key", raw, 0o644), nil, []string{"can be read by other users (mode 0644)", "chmod 600 " + filepath.Join(dir, "world.key")}},
		{"0640 is refused", write("group.key", raw, 0o640), nil, []string{"mode 0640", "chmod 600"}},
		{"0604 is refused", write("other.key", raw, 0o604), nil, []string{"chmod 600"}},
		{"0660 is refused", write("gw.key", raw, 0o660), nil, []string{"chmod 600"}},
		{"missing", filepath.Join(dir, "none.key"), nil, []string{"key file does not exist", "none.key"}},
		{"not hex", write("text.key", []byte("hello world\n"), 0o600), nil, []string{"is not a guardroom key (want 64 hex digits)"}},
		{"short", write("short.key", raw[:32], 0o600), nil, []string{"not a guardroom key"}},
		{"long", write("long.key", append(bytes.TrimSpace(raw), "00\n"...), 0o600), nil, []string{"not a guardroom key"}},
		{"empty", write("empty.key", nil, 0o600), nil, []string{"not a guardroom key"}},
		{"a directory", dir, nil, []string{"is a directory, not a key file", filepath.Join(dir, "data.key")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key, err := ReadKey(c.path)
			if c.errPart == nil {
				if err != nil || !bytes.Equal(key, c.want) {
					t.Fatalf("key %x, %v", key, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, key %x", key)
			}
			for _, p := range c.errPart {
				if !strings.Contains(err.Error(), p) {
					t.Fatalf("error %q does not say %q", err, p)
				}
			}
			if strings.Contains(err.Error(), string(bytes.TrimSpace(raw))) {
				t.Fatalf("error shows the key")
			}
			if strings.Contains(err.Error(), "chmod") && !strings.Contains(c.name, "refused") {
				t.Fatalf("error %q advises chmod for something that is not about modes", err)
			}
		})
	}
	t.Run("missing is ErrNoKeyFile", func(t *testing.T) {
		_, err := ReadKey(filepath.Join(dir, "none.key"))
		if !errors.Is(err, ErrNoKeyFile) {
			t.Fatalf("%v", err)
		}
	})
}

func TestCreateKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "sub", "guardroom.key")
	key, err := CreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize {
		t.Fatalf("key of %d bytes", len(key))
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", st.Mode(), err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("key directory mode %v, %v", st.Mode(), err)
	}
	back, err := ReadKey(path)
	if err != nil || !bytes.Equal(back, key) {
		t.Fatalf("read back %x %v", back, err)
	}
	t.Run("never overwrites", func(t *testing.T) {
		before, _ := os.ReadFile(path)
		again, err := CreateKey(path)
		if err == nil || again != nil {
			t.Fatalf("second CreateKey: %x %v", again, err)
		}
		after, _ := os.ReadFile(path)
		if !bytes.Equal(before, after) {
			t.Fatalf("key file changed")
		}
	})
	t.Run("never overwrites another file", func(t *testing.T) {
		other := filepath.Join(dir, "config.toml")
		os.WriteFile(other, []byte("precious"), 0o600)
		if _, err := CreateKey(other); err == nil {
			t.Fatalf("CreateKey replaced a file")
		}
		if b, _ := os.ReadFile(other); string(b) != "precious" {
			t.Fatalf("file changed to %q", b)
		}
	})
	t.Run("two keys differ", func(t *testing.T) {
		k2, err := CreateKey(filepath.Join(dir, "second.key"))
		if err != nil || bytes.Equal(k2, key) {
			t.Fatalf("%x %v", k2, err)
		}
	})
}

func TestOpenOnDisk(t *testing.T) {
	keyDir := t.TempDir()
	key, err := CreateKey(filepath.Join(keyDir, "a.key"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := CreateKey(filepath.Join(keyDir, "b.key"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if Exists(dir) {
		t.Fatalf("Exists on an empty directory")
	}
	clk := newFxClock()
	s, err := Open(Config{Dir: dir, Key: key, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	f := fxWrap(t, s, clk)
	p := f.panel("dsc-pc1864")
	f.setCode(p, 2, "2580", CodeOptions{Label: "Quentin Marmaduke"})
	f.account("persist@example.com")
	fxWant(t, s.AssignAccount(f.admin, "persist@example.com", p.ID, 2), nil)
	entries := len(f.log())

	t.Run("a second open of the same directory is refused, naming the holder's pid", func(t *testing.T) {
		_, err := Open(Config{Dir: dir, Key: key})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("in use by guardroom process %d:", os.Getpid())) {
			t.Fatalf("%v", err)
		}
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !Exists(dir) {
		t.Fatalf("Exists after close = false")
	}

	t.Run("files hold no plaintext", func(t *testing.T) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		defer func() {
			if total < 1000 {
				t.Errorf("only %d bytes on disk: nothing was checked", total)
			}
		}()
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			total += len(b)
			for _, s := range []string{"Quentin Marmaduke", "persist@example.com", "user.set-code"} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s holds %q in plaintext", e.Name(), s)
				}
			}
		}
	})

	open := []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"wrong key", Config{Dir: dir, Key: other}, "the key file does not match the database in " + dir},
		{"short key", Config{Dir: dir, Key: key[:16]}, "data key must be 32 bytes, got 16"},
		{"no key", Config{Dir: dir}, "data key must be 32 bytes, got 0"},
		{"no directory", Config{Key: key}, "no data directory given"},
	}
	for _, c := range open {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(c.cfg)
			if err == nil {
				s.Close()
				t.Fatalf("opened")
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not say %q", err, c.msg)
			}
		})
	}

	t.Run("reopen keeps everything", func(t *testing.T) {
		s, err := Open(Config{Dir: dir, Key: key, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		g := fxWrap(t, s, clk)
		*g.n = 100
		u := g.user(p, 2)
		if !u.CodeSet || u.Label != "Quentin Marmaduke" || u.Account == 0 {
			t.Fatalf("user after reopen: %v", u)
		}
		if acc := g.getAccount("persist@example.com"); len(acc.Links) != 1 {
			t.Fatalf("account after reopen: %+v", acc)
		}
		if n := len(g.log()); n != entries {
			t.Fatalf("%d entries after reopen, want %d", n, entries)
		}
		if res, err := s.VerifyLog(g.admin); err != nil || !res.OK() {
			t.Fatalf("verify after reopen: %v %v", res, err)
		}
		// The code key, sequences and log head came back.
		fxWant(t, s.SetCode(g.admin, p.ID, 3, "2580", CodeOptions{}), ErrCodeInUse)
		fxWant(t, s.SetCode(g.admin, p.ID, 3, "2581", CodeOptions{}), ErrCodeAdjacent)
		q := g.panel("neo-hs2016")
		if q.ID != p.ID+1 {
			t.Fatalf("new panel number %d", q.ID)
		}
		if res, _ := s.VerifyLog(g.admin); !res.OK() || res.Entries != uint64(entries+3) {
			t.Fatalf("verify after new writes: %v", res)
		}
		g.checkCodesSet(p, 1)
	})
}
