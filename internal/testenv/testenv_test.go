package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a TB that records what Need did instead of stopping a test.
type recorder struct{ skipped, failed string }

func (r *recorder) Helper()                   {}
func (r *recorder) Skipf(f string, a ...any)  { r.skipped = fmt.Sprintf(f, a...) }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...) }

func TestNeedFindsAProgramOnPathOrByPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notExe := filepath.Join(dir, "data")
	if err := os.WriteFile(notExe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	var r recorder
	if got := Need(&r, "hint", "absent", "tool"); got != exe {
		t.Errorf("Need found %q, want %q", got, exe)
	}
	if got := Need(&r, "hint", notExe, exe); got != exe {
		t.Errorf("Need took a file that is not executable: %q", got)
	}
	if r.skipped != "" || r.failed != "" {
		t.Errorf("Need stopped the test though the program is there: %+v", r)
	}
}

func TestNeedSkipsOnADeveloperMachineAndFailsInCI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "")
	var dev recorder
	Need(&dev, "apt-get install nothing", "no-such-tool")
	if dev.skipped == "" || dev.failed != "" {
		t.Errorf("without CI: want a skip, got %+v", dev)
	}
	t.Setenv("CI", "true")
	var ci recorder
	Need(&ci, "apt-get install nothing", "no-such-tool")
	if ci.failed == "" || ci.skipped != "" {
		t.Errorf("with CI: want a failure, got %+v", ci)
	}
	for _, want := range []string{"no-such-tool", "apt-get install nothing"} {
		if !strings.Contains(ci.failed, want) {
			t.Errorf("the failure %q does not name %q", ci.failed, want)
		}
	}
}
