package link

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// MinSecretLen is the shortest secret accepted, in bytes. A generated
// secret has [GeneratedSecretLen] random bytes.
const (
	MinSecretLen       = 16
	GeneratedSecretLen = 32
)

// SecretEnv names the environment variable that may hold the link secret.
const SecretEnv = "PORTALSIM_LINK_SECRET"

// Secret is the shared secret that authenticates the two ends of a link
// to each other (see [Conn.PortalHandshake]). It is never sent, and it
// prints as "[redacted]" in logs, %v and %#v, so it cannot leak by accident.
type Secret []byte

// NewSecret returns [GeneratedSecretLen] random bytes.
func NewSecret() Secret {
	b := make([]byte, GeneratedSecretLen)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return b
}

// ParseSecret reads a secret from text (a file's content or an
// environment variable): surrounding white space is removed, and the
// rest is the secret's bytes. Hex text, as [CreateSecretFile] writes, is
// used as it stands.
func ParseSecret(text string) (Secret, error) {
	s := strings.TrimSpace(text)
	if len(s) < MinSecretLen {
		return nil, fmt.Errorf("%d bytes, need at least %d: %w", len(s), MinSecretLen, ErrSecret)
	}
	return Secret(s), nil
}

// String hides the secret.
func (Secret) String() string { return "[redacted]" }

// GoString hides the secret from %#v.
func (Secret) GoString() string { return "link.Secret([redacted])" }

// LogValue hides the secret from slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Format hides the secret from every fmt verb (%x and %d included).
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[redacted]")) }

// MarshalText hides the secret from encoders (JSON, YAML, ...).
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// ReadSecretFile reads a secret from path, which only its owner may read:
// a file that its group or others can read (or write) is refused, and the
// error says how to fix it.
func ReadSecretFile(path string) (Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("link secret: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("link secret: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("link secret %s has mode %04o, readable beyond its owner (chmod 600 %s): %w", path, perm, path, ErrSecret)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4<<10))
	if err != nil {
		return nil, fmt.Errorf("link secret %s: %w", path, err)
	}
	s, err := ParseSecret(string(b))
	if err != nil {
		return nil, fmt.Errorf("link secret %s: %w", path, err)
	}
	return s, nil
}

// CreateSecretFile returns the secret in path, creating the file (mode
// 0600, its directory 0700) with a new secret if it does not exist;
// created says which. An existing file is read as [ReadSecretFile] does.
func CreateSecretFile(path string) (s Secret, created bool, err error) {
	if s, err := ReadSecretFile(path); !errors.Is(err, fs.ErrNotExist) {
		return s, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("link secret: %w", err)
	}
	// Written whole to a temporary file (CreateTemp makes it 0600), then
	// linked into place: a reader never sees it half written, and a second
	// process creating it at the same time finds the first one's.
	f, err := os.CreateTemp(filepath.Dir(path), ".link-secret-*")
	if err != nil {
		return nil, false, fmt.Errorf("link secret: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	s = Secret(hex.EncodeToString(NewSecret()))
	_, werr := f.Write(append([]byte(s), '\n'))
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return nil, false, fmt.Errorf("link secret %s: %w", path, err)
	}
	err = os.Link(tmp, path)
	if errors.Is(err, fs.ErrExist) { // another process created it meanwhile
		s, err := ReadSecretFile(path)
		return s, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("link secret: %w", err)
	}
	return s, true, nil
}

// DefaultSecretFile is where "portalsim portal" keeps the secret it
// generates and "portalsim server" looks for it: portalsim/link-secret
// in the user's configuration directory ($XDG_CONFIG_HOME or ~/.config).
func DefaultSecretFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("link secret: %w", err)
	}
	return filepath.Join(dir, "portalsim", "link-secret"), nil
}
