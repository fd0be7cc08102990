package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of the data key: AES-256.
const KeySize = 32

// ErrNoKeyFile means the key file does not exist.
var ErrNoKeyFile = errors.New("key file does not exist")

// ReadKey reads a data key file: 64 hex digits. It refuses a file that other
// users can read, because whoever holds the key and a copy of the data
// directory can read every secret in it.
func ReadKey(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoKeyFile, path)
	}
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("key file %s is a directory, not a key file: point --key-file (or GUARDROOM_KEY_FILE) at the key file itself, e.g. %s", path, filepath.Join(path, "data.key"))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file: point --key-file (or GUARDROOM_KEY_FILE) at the key file itself", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s can be read by other users (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("key file %s is not a guardroom key (want %d hex digits): restore the right file", path, 2*KeySize)
	}
	return key, nil
}

// CreateKey writes a new random key to path with mode 0600. It never
// overwrites an existing file.
func CreateKey(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	return key, f.Close()
}

// Exists reports whether dir already holds a database, or will once Open
// finishes swapping one in.
func Exists(dir string) bool {
	_, _, marker := swapPaths(dir)
	if _, err := os.Stat(marker); err == nil {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, "MANIFEST"))
	return err == nil
}
