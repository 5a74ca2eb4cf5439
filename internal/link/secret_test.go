package link

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateSecretFileThenRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "conf", "portalsim", "link-secret")
	s, created, err := CreateSecretFile(path)
	if err != nil || !created {
		t.Fatalf("CreateSecretFile = %v, created %v", err, created)
	}
	if len(s) != 2*GeneratedSecretLen {
		t.Fatalf("secret of %d bytes, want %d hex digits", len(s), 2*GeneratedSecretLen)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Fatalf("%s: mode %v (%v), want %04o", p, st.Mode().Perm(), err, want)
		}
	}
	again, created, err := CreateSecretFile(path)
	if err != nil || created || !bytes.Equal(again, s) {
		t.Fatalf("second CreateSecretFile = %v, created %v, same %v", err, created, bytes.Equal(again, s))
	}
	read, err := ReadSecretFile(path)
	if err != nil || !bytes.Equal(read, s) {
		t.Fatalf("ReadSecretFile = %v, same %v", err, bytes.Equal(read, s))
	}
}

func TestReadSecretFileRefusesWhatOthersCanRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte("a secret of enough length\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadSecretFile(path)
	if !errors.Is(err, ErrSecret) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("ReadSecretFile of a 0644 file = %v, want ErrSecret with the fix", err)
	}
	if _, _, err := CreateSecretFile(path); !errors.Is(err, ErrSecret) {
		t.Fatalf("CreateSecretFile of a 0644 file = %v, want ErrSecret", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSecretFile(path)
	if err != nil || string(s) != "a secret of enough length" {
		t.Fatalf("ReadSecretFile = %q, %v", s, err)
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	if _, err := ParseSecret("  short \n"); !errors.Is(err, ErrSecret) {
		t.Fatalf("ParseSecret(short) = %v, want ErrSecret", err)
	}
	if s, err := ParseSecret(" sixteen bytes!!!\n"); err != nil || string(s) != "sixteen bytes!!!" {
		t.Fatalf("ParseSecret = %q, %v", string(s), err)
	}
}

// A secret never shows in logs or formatted output.
func TestSecretIsRedacted(t *testing.T) {
	t.Parallel()
	s := Secret("do-not-print-this-secret")
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "secret", s)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s)
	fmt.Fprintf(&buf, "%v %s %#v %+v %x %d %q", s, s, s, struct{ S Secret }{s}, s, s, s)
	j, _ := json.Marshal(struct{ S Secret }{s})
	buf.Write(j)
	if strings.Contains(buf.String(), "do-not-print") {
		t.Fatalf("the secret leaked: %s", buf.String())
	}
}
