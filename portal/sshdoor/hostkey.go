package sshdoor

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/crypto/ssh"
)

// NewHostKey returns a new ed25519 host key, kept in memory only.
func NewHostKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sshdoor: generate host key: %w", err)
	}
	return ssh.NewSignerFromKey(priv)
}

// LoadOrCreateHostKey returns the host key in the file at path (any key
// type OpenSSH writes, unencrypted PEM), or, if there is no such file,
// a new ed25519 key written there (OpenSSH format, mode 0600), so that
// clients see the same host key across restarts. created reports which.
// A file that others than its owner may read or write is refused
// ([ErrHostKeyPermissions]), as OpenSSH refuses such keys.
func LoadOrCreateHostKey(path string) (key ssh.Signer, created bool, err error) {
	b, err := readPrivate(path)
	if err == nil {
		key, err = ssh.ParsePrivateKey(b)
		if err != nil {
			return nil, false, fmt.Errorf("sshdoor: host key %s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("sshdoor: generate host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "portalsim host key")
	if err != nil {
		return nil, false, fmt.Errorf("sshdoor: encode host key: %w", err)
	}
	if err := writeNew(path, pem.EncodeToMemory(block)); err != nil {
		return nil, false, err
	}
	key, err = ssh.NewSignerFromKey(priv)
	return key, true, err
}

// readPrivate reads a file that only its owner may access.
func readPrivate(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0) // a FIFO must not hang the start
	if err != nil {
		return nil, fmt.Errorf("sshdoor: host key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("sshdoor: host key: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("sshdoor: host key: %s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v (chmod 600 it)", ErrHostKeyPermissions, path, st.Mode().Perm())
	}
	const maxKeyFile = 64 << 10 // a key file is a few KB
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return nil, fmt.Errorf("sshdoor: host key %s: %w", path, err)
	}
	return b, nil
}

// writeNew creates path with b, mode 0600; it never replaces a file
// (another process may have created the key meanwhile: it wins).
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sshdoor: create host key: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("sshdoor: write host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("sshdoor: write host key %s: %w", path, err)
	}
	return nil
}
