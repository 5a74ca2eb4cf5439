package sshdoor

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestLoadOrCreateHostKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ssh-host.key")
	first, created, err := LoadOrCreateHostKey(path)
	if err != nil || !created {
		t.Fatalf("first call: created %v, err %v; want a new key", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode: got %v, want 0600", got)
	}
	again, created, err := LoadOrCreateHostKey(path)
	if err != nil || created {
		t.Fatalf("second call: created %v, err %v; want the key loaded", created, err)
	}
	if !bytes.Equal(first.PublicKey().Marshal(), again.PublicKey().Marshal()) {
		t.Error("the key loaded is not the key created")
	}
}

func TestLoadOrCreateHostKeyRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	open := filepath.Join(dir, "open.key")
	if _, _, err := LoadOrCreateHostKey(open); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(open); !errors.Is(err, ErrHostKeyPermissions) {
		t.Errorf("a world-readable key: got %v, want ErrHostKeyPermissions", err)
	}
	garbage := filepath.Join(dir, "garbage.key")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(garbage); err == nil {
		t.Error("a file that is no key was accepted")
	}
	if _, _, err := LoadOrCreateHostKey(filepath.Join(dir, "no-such-dir", "k")); err == nil {
		t.Error("a key in a missing directory was accepted")
	}
}

// A host key path that is a FIFO (or anything but a regular file) is
// refused at once: opening it must not hang the portal's start.
func TestHostKeyNotARegularFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := LoadOrCreateHostKey(path)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a FIFO was taken as a host key")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("loading a FIFO as the host key hangs")
	}
}
