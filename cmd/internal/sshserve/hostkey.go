package sshserve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey reads the host key at path, or creates an ed25519 key
// there if there is no file. It never replaces an existing file.
func loadOrCreateHostKey(path string, log *slog.Logger) (gossh.Signer, error) {
	signer, err := loadHostKey(path, log)
	if !errors.Is(err, fs.ErrNotExist) {
		return signer, err
	}
	return createHostKey(path, log)
}

func loadHostKey(path string, log *slog.Logger) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("sshserve: host key: %w", err) // names the file
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		var pp *gossh.PassphraseMissingError
		if errors.As(err, &pp) {
			return nil, fmt.Errorf("sshserve: host key %s is protected by a passphrase: the server needs an unencrypted key file (mode 0600)", path)
		}
		return nil, fmt.Errorf("sshserve: host key %s is not an SSH private key (%v): restore the right file, or move it away to have a new key generated", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("ssh host key file is readable by other users: chmod 600 it", "path", path, "mode", fi.Mode().Perm().String())
	}
	return signer, nil
}

func createHostKey(path string, log *slog.Logger) (gossh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sshserve: generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "guardroom ssh host key")
	if err != nil {
		return nil, fmt.Errorf("sshserve: encode host key: %w", err)
	}
	data := pem.EncodeToMemory(block)

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sshserve: host key directory: %w", err)
	}
	// Write a temporary file (CreateTemp makes it 0600) and link it into
	// place: the key appears whole or not at all, and a key created
	// meanwhile by another process is kept, never overwritten.
	tmp, err := os.CreateTemp(dir, ".hostkey-*")
	if err != nil {
		return nil, fmt.Errorf("sshserve: write host key %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("sshserve: write host key %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("sshserve: write host key %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("sshserve: write host key %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadHostKey(path, log)
		}
		// No hard links on this file system: create exclusively instead.
		if err := writeExclusive(path, data); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return loadHostKey(path, log)
			}
			return nil, fmt.Errorf("sshserve: write host key: %w", err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the new name durable
		d.Close()
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("sshserve: host key: %w", err)
	}
	log.Info("ssh host key generated", "path", path, "fingerprint", gossh.FingerprintSHA256(signer.PublicKey()))
	return signer, nil
}

func writeExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
