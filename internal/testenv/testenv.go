package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
)

// TB is the part of testing.TB (and of Ginkgo's GinkgoT) that [Need] uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// InCI reports whether the CI environment variable is set to anything
// but the empty string, as CI services and .ci/run set it.
func InCI() bool { return os.Getenv("CI") != "" }

// Need returns the path of the first of names found: an absolute or
// relative path that exists and is executable, or a command on PATH.
// When none is found, it skips t with hint, or fails t when [InCI].
func Need(t TB, hint string, names ...string) string {
	t.Helper()
	if p := Find(names...); p != "" {
		return p
	}
	Missing(t, "%v not found; %s", names, hint)
	return ""
}

// Find returns the path of the first of names found, as [Need] looks,
// or "" when none is.
func Find(names ...string) string {
	for _, n := range names {
		if filepath.Base(n) != n {
			if st, err := os.Stat(n); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return n
			}
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Missing skips t with the message, or fails t with it when [InCI]: for a
// requirement that is not a program (a module a script imports, say).
func Missing(t TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI is set, so this test may not skip: "+format, args...)
		return
	}
	t.Skipf(format, args...)
}
