package main

import (
	"io"
	"strings"
	"testing"
)

// "run -h" says Usage once and never shows the flags "run -procs" gives
// its children; the top-level help names every report subcommand and
// not the children's hidden subcommand.
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
	if strings.Contains(out, childCommand) || strings.Contains(out, "child") {
		t.Errorf("help names the hidden child subcommand:\n%s", out)
	}
	for _, sub := range []string{"show", "merge", "compare", "html"} {
		if code != ExitOK || !strings.Contains(out, sub) {
			t.Errorf("help (exit %d) does not name report %s:\n%s", code, sub, out)
		}
	}
}

// The hidden child subcommand parses its own flags, and wants a target.
func TestChildCommand(t *testing.T) {
	t.Parallel()
	code, out := runQuick(t, childCommand, "-first", "0", "-count", "1", "x.yaml")
	if code != ExitUsage || !strings.Contains(out, "needs -target") {
		t.Errorf("%s without -target: exit %d:\n%s", childCommand, code, out)
	}
	f := childFlags{target: "127.0.0.1:1", first: 3, count: 4, runID: "r", shard: "1/2", tlsTarget: "127.0.0.1:2", logs: logFlags{level: "warn", format: "text"}}
	fs := newFlagSet(childCommand, "", io.Discard)
	var got childFlags
	got.register(fs)
	pos, err := parseInterspersed(fs, f.args("sc.yaml")[1:])
	if err != nil || len(pos) != 1 || pos[0] != "sc.yaml" {
		t.Fatalf("parse the child's own arguments: %v, %q", err, pos)
	}
	if got != f {
		t.Errorf("child flags round trip: got %+v, want %+v", got, f)
	}
}
