package store

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// A backup is Badger's backup stream, encrypted: Badger writes plaintext
// keys and values, and a backup must keep secrets as well as the database
// does. Layout: magic, 8-byte random nonce prefix, then chunks of
// [4-byte length][AES-256-GCM ciphertext]; each chunk's nonce is the prefix
// plus its counter, and its additional data marks the last chunk, so a
// truncated or reordered file is detected.
var backupMagic = []byte("GUARDROOM-BACKUP-1\n")

const backupChunk = 64 << 10

// backupKey derives the backup key from the data key held by the store's
// caller; the same key file is needed to restore.
func backupKey(dataKey []byte) []byte {
	m := hmac.New(sha256.New, dataKey)
	m.Write([]byte("guardroom backup v1"))
	return m.Sum(nil)
}

type chunkWriter struct {
	w      io.Writer
	aead   cipher.AEAD
	prefix []byte
	n      uint32
	buf    []byte
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		room := backupChunk - len(c.buf)
		take := min(room, len(p))
		c.buf = append(c.buf, p[:take]...)
		p = p[take:]
		if len(c.buf) == backupChunk {
			if err := c.flush(false); err != nil {
				return 0, err
			}
		}
	}
	return total, nil
}

func (c *chunkWriter) nonce() []byte {
	return binary.BigEndian.AppendUint32(bytes.Clone(c.prefix), c.n)
}

func chunkAD(last bool) []byte {
	if last {
		return []byte("last")
	}
	return []byte("more")
}

func (c *chunkWriter) flush(last bool) error {
	sealed := c.aead.Seal(nil, c.nonce(), c.buf, chunkAD(last))
	c.n++
	c.buf = c.buf[:0]
	if _, err := c.w.Write(binary.BigEndian.AppendUint32(nil, uint32(len(sealed)))); err != nil {
		return err
	}
	_, err := c.w.Write(sealed)
	return err
}

func newAEAD(dataKey []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(backupKey(dataKey))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Backup writes an encrypted full backup of the database to w. dataKey is
// the database's key (the backup is readable only with it). It logs the
// backup and clears a failure of the scheduled ones (BackupState).
func (s *Store) Backup(a Actor, dataKey []byte, w io.Writer) error {
	if err := s.writeBackup(a, dataKey, w); err != nil {
		return err
	}
	return s.recordBackup(a, "", time.Time{}, nil)
}

func (s *Store) writeBackup(a Actor, dataKey []byte, w io.Writer) error {
	if err := a.need(PermBackupRestore); err != nil {
		return err
	}
	if err := s.needOrganization(a, "a backup"); err != nil {
		return err
	}
	aead, err := newAEAD(dataKey)
	if err != nil {
		return err
	}
	prefix := make([]byte, 8)
	if _, err := rand.Read(prefix); err != nil {
		return err
	}
	if _, err := w.Write(append(bytes.Clone(backupMagic), prefix...)); err != nil {
		return err
	}
	cw := &chunkWriter{w: w, aead: aead, prefix: prefix}
	if _, err := s.db.Backup(cw, 0); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return cw.flush(true)
}

type chunkReader struct {
	r      *bufio.Reader
	aead   cipher.AEAD
	prefix []byte
	n      uint32
	buf    []byte
	done   bool
}

var errBackupDamaged = errors.New("the backup file is damaged, truncated, or was made with another key file")

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.done {
			return 0, io.EOF
		}
		var hdr [4]byte
		if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
			return 0, errBackupDamaged
		}
		size := binary.BigEndian.Uint32(hdr[:])
		if size > backupChunk+uint32(c.aead.Overhead()) {
			return 0, errBackupDamaged
		}
		sealed := make([]byte, size)
		if _, err := io.ReadFull(c.r, sealed); err != nil {
			return 0, errBackupDamaged
		}
		nonce := binary.BigEndian.AppendUint32(bytes.Clone(c.prefix), c.n)
		c.n++
		plain, err := c.aead.Open(nil, nonce, sealed, chunkAD(false))
		if err != nil {
			plain, err = c.aead.Open(nil, nonce, sealed, chunkAD(true))
			if err != nil {
				return 0, errBackupDamaged
			}
			c.done = true
		}
		c.buf = plain
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// Empty reports whether the database holds no site data (a fresh database
// holds only its own setup, and its log at most refused attempts, such as
// a restore refused for a damaged file).
func (s *Store) Empty() (bool, error) {
	empty := true
	err := s.db.View(func(txn *badger.Txn) error {
		for _, p := range [][]byte{pPanel, pAccount, pUser, pPerson} {
			if err := scan(txn, p, false, func(_, _ []byte) error { empty = false; return io.EOF }); err != nil && err != io.EOF {
				return err
			}
		}
		if !empty {
			return nil
		}
		err := scan(txn, pLog, true, func(_, v []byte) error {
			var e struct {
				Result string `json:"result"`
			}
			if err := jsonUnmarshal(v, &e); err != nil {
				return err
			}
			if !strings.HasPrefix(e.Result, "refused") {
				empty = false
				return io.EOF
			}
			return nil
		})
		if err == io.EOF {
			return nil
		}
		return err
	})
	return empty, err
}

// Restore replaces the database with a backup made by Backup. It refuses a
// database with site data unless force is set. Nothing may use the store
// while it runs.
//
// The database in use is not touched until the backup is restored whole
// and checked beside it: on disk it is loaded into a new directory beside
// the data directory (see swap.go), opened again with the key, its action
// log verified and its operators counted; only then is it swapped in. A
// crash at any moment leaves the old database or the new one, never a mix
// (the next Open finishes a swap under way). A refused restore is in the
// action log of the database as it stays.
func (s *Store) Restore(a Actor, dataKey []byte, r io.Reader, force bool) error {
	err := s.restore(a, dataKey, r, force)
	if IsRefusal(err) {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		if lerr := s.logRefusal(&wtx{actor: a, action: "restore", place: "database"}, err); lerr != nil {
			err = errors.Join(err, fmt.Errorf("record refused attempt: %w", lerr))
		}
	}
	return err
}

func (s *Store) restore(a Actor, dataKey []byte, r io.Reader, force bool) error {
	if err := a.need(PermBackupRestore); err != nil {
		return err
	}
	if err := s.needOrganization(a, "a restore"); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	empty, err := s.Empty()
	if err != nil {
		return err
	}
	if !empty && !force {
		return refuse(ErrNotEmpty, "the database already holds a site: restore into an empty data directory, or add --force to replace everything in it")
	}
	what := "a backup"
	if f, ok := r.(interface{ Name() string }); ok {
		what = "the backup " + f.Name()
	}
	stream, err := s.readBackup(r, dataKey)
	if err != nil {
		return err
	}
	n, err := s.loadRestored(stream)
	if err != nil {
		return err
	}
	s.progress("checking the restored database", 0, 0)
	summary, err := n.checkRestored()
	if err == nil {
		// The restored log goes on with who restored it.
		summary["restore"] = "database replaced from " + what
		err = n.record(a, "restore", "database", summary)
	}
	if err == nil {
		err = s.carryCommandNumbers(n)
	}
	if err != nil {
		n.discard()
		return err
	}
	if err := s.swapRestored(n, what); err != nil {
		return err
	}
	s.accessChanged()
	s.subs.publish([]Change{{What: ChangeAll}})
	return nil
}

// progress tells the Progress of the store's Config, if any, what a long
// operation is doing.
func (s *Store) progress(step string, done, total int) {
	if s.cfg.Progress != nil {
		s.cfg.Progress(step, done, total)
	}
}

// readBackup authenticates the whole backup before anything is written,
// so a wrong key, a foreign file, or one cut short or damaged after its
// first chunk is refused at once, and returns its decrypted stream. A
// seekable file (the usual case) is read twice; any other stream is
// decrypted into memory first.
func (s *Store) readBackup(r io.Reader, dataKey []byte) (io.Reader, error) {
	const checking = "checking the backup"
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		cr, err := openBackup(&countingReader{r: r, step: checking, s: s}, dataKey)
		if err != nil {
			return nil, err
		}
		plain, err := io.ReadAll(cr)
		if err != nil {
			return nil, refuse(ErrInvalid, "%v", err)
		}
		return bytes.NewReader(plain), nil
	}
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("read backup: %w", err)
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = rs.Seek(start, io.SeekStart)
	}
	if err != nil {
		return nil, fmt.Errorf("read backup: %w", err)
	}
	cr, err := openBackup(&countingReader{r: rs, step: checking, total: int(end - start), s: s}, dataKey)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, refuse(ErrInvalid, "%v", err)
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read backup: %w", err)
	}
	return openBackup(&countingReader{r: rs, step: "loading the backup", total: int(end - start), s: s}, dataKey)
}

// countingReader tells the store's progress how much of the file is read.
type countingReader struct {
	r           io.Reader
	s           *Store
	step        string
	done, total int
	told        int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.done += n
	if c.done-c.told >= 1<<20 || (c.done != c.told && (err == io.EOF || c.done == c.total)) || c.told == 0 {
		c.told = max(c.done, 1)
		c.s.progress(c.step, c.done, c.total)
	}
	return n, err
}

// loadRestored loads the decrypted backup into a new database of its own:
// on disk in the incoming directory beside the data directory, closed and
// opened again with the key so that what is checked is what the disk
// holds; in memory for an in-memory store.
func (s *Store) loadRestored(stream io.Reader) (*Store, error) {
	cfg := s.cfg
	cfg.Progress, cfg.Warn = nil, nil
	var opts badger.Options
	if cfg.InMemory {
		opts = Options("", nil).WithInMemory(true)
	} else {
		cfg.Dir, _, _ = swapPaths(s.cfg.Dir)
		if err := os.RemoveAll(cfg.Dir); err != nil {
			return nil, fmt.Errorf("restore: clear %s: %w", cfg.Dir, err)
		}
		opts = Options(cfg.Dir, cfg.Key)
	}
	if cfg.NoSync {
		opts = opts.WithSyncWrites(false)
	}
	drop := func() {
		if !cfg.InMemory {
			os.RemoveAll(cfg.Dir)
		}
	}
	db, err := badger.Open(opts)
	if err != nil {
		drop()
		return nil, fmt.Errorf("restore: create the new database in %s: %w", cfg.Dir, err)
	}
	if err := db.Load(stream, 256); err != nil {
		db.Close()
		drop()
		return nil, fmt.Errorf("restore: %w (nothing was changed)", err)
	}
	if !cfg.InMemory {
		if err := db.Close(); err != nil {
			drop()
			return nil, fmt.Errorf("restore: write the new database in %s: %w (nothing was changed)", cfg.Dir, err)
		}
		if db, err = badger.Open(opts); err != nil {
			drop()
			return nil, fmt.Errorf("restore: the restored database in %s does not open: %w (nothing was changed)", cfg.Dir, err)
		}
	}
	n := &Store{db: db, now: s.now, cfg: cfg}
	if err := n.load(nil); err != nil {
		n.discard()
		return nil, refuse(ErrInvalid, "the restored database cannot be read (%v): the backup was not restored, the database is as it was", err)
	}
	return n, nil
}

// checkRestored checks a restored database before it is swapped in: its
// action log verifies and somebody can log in. It returns its counts, for
// the restore's log entry.
func (n *Store) checkRestored() (map[string]string, error) {
	res, err := n.VerifyLog(n.Internal("restore"))
	if err != nil {
		return nil, fmt.Errorf("restore: verify the restored action log: %w", err)
	}
	if !res.OK() {
		return nil, refuse(ErrInvalid, "the backup's action log does not verify (entry %d: %s): it was not restored, the database is as it was", res.BrokenAt, res.Problem)
	}
	counts := map[string]int{"operators": 0, "panels": 0, "people": 0}
	err = n.db.View(func(txn *badger.Txn) error {
		for what, p := range map[string][]byte{"operators": pOperator, "panels": pPanel, "people": pPerson} {
			if err := scan(txn, p, false, func(_, _ []byte) error { counts[what]++; return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("restore: count the restored records: %w", err)
	}
	if counts["operators"] == 0 {
		return nil, refuse(ErrInvalid, "the backup holds no operators, so nobody could log in: it was not restored, the database is as it was")
	}
	summary := map[string]string{"log entries": strconv.FormatUint(res.Entries, 10)}
	for what, c := range counts {
		summary[what] = strconv.Itoa(c)
	}
	return summary, nil
}

// discard closes a restored database that will not be used, and deletes
// it from the disk.
func (n *Store) discard() {
	n.db.Close()
	if !n.cfg.InMemory {
		os.RemoveAll(n.cfg.Dir)
	}
}

// swapRestored makes the checked restored database n the store's own.
func (s *Store) swapRestored(n *Store, what string) error {
	s.progress("swapping the restored database in", 0, 0)
	if s.cfg.InMemory {
		old := s.db
		s.db = n.db
		old.Close()
	} else {
		if err := n.db.Close(); err != nil {
			os.RemoveAll(n.cfg.Dir)
			return fmt.Errorf("restore: write the new database: %w (nothing was changed)", err)
		}
		if err := s.db.Close(); err != nil {
			return fmt.Errorf("restore: close the database before the swap: %w (the restored database waits in %s; run the restore again)", err, n.cfg.Dir)
		}
		if err := swapIn(s.cfg.Dir, what, s.now()); err != nil {
			return fmt.Errorf("restore: %w (guardroom finishes the swap when it next opens the database)", err)
		}
		opts := Options(s.cfg.Dir, s.cfg.Key)
		if s.cfg.NoSync {
			opts = opts.WithSyncWrites(false)
		}
		db, err := openBadger(opts)
		if err != nil {
			return fmt.Errorf("restore: the backup was restored, then opening it failed: %w", explainOpen(s.cfg.Dir, err))
		}
		s.db = db
	}
	s.seqs, s.logHead = seqs{}, [32]byte{}
	if err := s.load(nil); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// openBackup reads a backup's header and returns the reader of its
// decrypted stream.
func openBackup(r io.Reader, dataKey []byte) (*chunkReader, error) {
	br := bufio.NewReader(r)
	head := make([]byte, len(backupMagic)+8)
	if _, err := io.ReadFull(br, head); err != nil || !bytes.Equal(head[:len(backupMagic)], backupMagic) {
		return nil, refuse(ErrInvalid, "this file is not a guardroom backup")
	}
	aead, err := newAEAD(dataKey)
	if err != nil {
		return nil, err
	}
	return &chunkReader{r: br, aead: aead, prefix: head[len(backupMagic):]}, nil
}
