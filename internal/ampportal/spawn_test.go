package ampportal

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/portalsim/portalsim/internal/amp"
)

func TestLookPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "twistd")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plain"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=/x", "PATH=relative:" + dir}
	if got, err := lookPath("twistd", env); err != nil || got != bin {
		t.Errorf("twistd: %q, %v; want %q", got, err, bin)
	}
	for _, name := range []string{"plain", "missing", "bin/twistd"} {
		if _, err := lookPath(name, env); !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("%s: err %v, want exec.ErrNotFound", name, err)
		}
	}
	if got, err := lookPath(bin, nil); err != nil || got != bin {
		t.Errorf("an absolute path: %q, %v", got, err)
	}
}

func TestServerEnv(t *testing.T) {
	t.Parallel()
	got := serverEnv([]string{"PATH=/bin", "PYTHONPATH=/lib"}, "/game")
	want := []string{"PATH=/bin", "PYTHONPATH=/game:/lib", "DJANGO_SETTINGS_MODULE=server.conf.settings"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	got = serverEnv([]string{"DJANGO_SETTINGS_MODULE=server.conf.other"}, "/game")
	want = []string{"DJANGO_SETTINGS_MODULE=server.conf.other", "PYTHONPATH=/game"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWritePIDFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "portal.pid")
	if err := os.WriteFile(path, []byte("999999999"), 0o644); err != nil { // a pid no process has
		t.Fatal(err)
	}
	remove, err := writePIDFile(path)
	if err != nil {
		t.Fatalf("a stale file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("portal.pid holds %q", b)
	}
	remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("not removed: %v", err)
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getppid())), 0o644); err != nil { // a live process
		t.Fatal(err)
	}
	if _, err := writePIDFile(path); err == nil {
		t.Fatal("a live process's file was taken over")
	}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	ok, _ := amp.AppendPickle(nil, amp.List{"twistd", "--python=x"})
	if got, err := commandLine(ok); err != nil || !slices.Equal(got, []string{"twistd", "--python=x"}) {
		t.Errorf("got %q, %v", got, err)
	}
	for _, v := range []any{amp.Dict{}, amp.List{}, amp.List{"twistd", int64(1)}, "twistd"} {
		p, _ := amp.AppendPickle(nil, v)
		if _, err := commandLine(p); err == nil {
			t.Errorf("%v taken for a command line", v)
		}
	}
	if _, err := commandLine([]byte("not a pickle")); err == nil {
		t.Error("garbage taken for a command line")
	}
}

func TestParseTag(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint64{"1": 1, "a": 10, "ff": 255} {
		if got, ok := parseTag([]byte(in)); !ok || got != want {
			t.Errorf("%q: %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "01", "A", "g", "12345678901234567"} {
		if _, ok := parseTag([]byte(in)); ok {
			t.Errorf("%q taken for a tag of ours", in)
		}
	}
}
