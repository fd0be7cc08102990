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
// the database's key (the backup is readable only with it).
func (s *Store) Backup(a Actor, dataKey []byte, w io.Writer) error {
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
	if err := cw.flush(true); err != nil {
		return err
	}
	return s.record(a, "backup", "database", map[string]string{"backup": "written, encrypted with the data key"})
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
// holds only its own setup).
func (s *Store) Empty() (bool, error) {
	empty := true
	err := s.db.View(func(txn *badger.Txn) error {
		for _, p := range [][]byte{pPanel, pAccount, pLog, pUser} {
			if err := scan(txn, p, false, func(_, _ []byte) error { empty = false; return io.EOF }); err != nil && err != io.EOF {
				return err
			}
		}
		return nil
	})
	return empty, err
}

// Restore replaces the database with a backup made by Backup. It refuses a
// database with site data unless force is set. Nothing may use the store
// while it runs.
func (s *Store) Restore(a Actor, dataKey []byte, r io.Reader, force bool) error {
	if err := s.restore(a, dataKey, r, force); err != nil {
		return err
	}
	// The restored log goes on with who restored it.
	return s.record(a, "restore", "database", map[string]string{"restore": "database replaced from a backup"})
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
	// Authenticate the whole file before dropping anything, so a wrong
	// key, a foreign file, or one cut short or damaged after its first
	// chunk leaves the database as it was. A seekable file (the usual case)
	// is read twice; any other stream is decrypted into memory first.
	var stream io.Reader
	if rs, ok := r.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err != nil {
			return fmt.Errorf("read backup: %w", err)
		}
		cr, err := openBackup(rs, dataKey)
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return refuse(ErrInvalid, "%v", err)
		}
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("read backup: %w", err)
		}
		if stream, err = openBackup(rs, dataKey); err != nil {
			return err
		}
	} else {
		cr, err := openBackup(r, dataKey)
		if err != nil {
			return err
		}
		plain, err := io.ReadAll(cr)
		if err != nil {
			return refuse(ErrInvalid, "%v", err)
		}
		stream = bytes.NewReader(plain)
	}
	if err := s.db.DropAll(); err != nil {
		return fmt.Errorf("clear database before restore: %w", err)
	}
	if err := s.db.Load(stream, 256); err != nil {
		return fmt.Errorf("restore: %w (the database may be partly restored: restore again)", err)
	}
	s.seqs, s.logHead = seqs{}, [32]byte{}
	if err := s.load(nil); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	s.accessChanged()
	s.subs.publish([]Change{{What: ChangeAll}})
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
