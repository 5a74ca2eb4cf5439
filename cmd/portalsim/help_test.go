package main

import (
	"strings"
	"testing"
)

// "run -h" says Usage once and never shows the flags "run -procs" gives
// its children; the top-level help names every report subcommand.
func TestHelpTexts(t *testing.T) {
	t.Parallel()
	code, out := runQuick(t, "run", "-h")
	if code != ExitOK {
		t.Fatalf("run -h: exit %d", code)
	}
	if n := strings.Count(out, "Usage"); n != 1 {
		t.Errorf("run -h says Usage %d times:\n%s", n, out)
	}
	if strings.Contains(out, "-child") || !strings.Contains(out, "-procs") {
		t.Errorf("run -h shows a -child flag, or no -procs:\n%s", out)
	}
	code, out = runQuick(t, "help")
	for _, sub := range []string{"show", "merge", "compare", "html"} {
		if code != ExitOK || !strings.Contains(out, sub) {
			t.Errorf("help (exit %d) does not name report %s:\n%s", code, sub, out)
		}
	}
}
