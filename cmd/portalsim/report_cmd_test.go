package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// writeReport writes a small valid report of one run with a "looks"
// action answered every second of its 20 s timeline.
func writeReport(t *testing.T, name string) string {
	t.Helper()
	r := reports.New(reports.Meta{Scenario: "s", Model: reports.ModelClosed, Valid: true, Clients: 1, Start: time.Unix(0, 0), Duration: 20 * time.Second})
	a := r.Action("looks")
	for s := range 20 {
		iv := r.IntervalAt(s)
		for range 10 {
			a.Sent++
			a.Answered++
			a.Latency.Record(time.Millisecond)
			a.TTFB.Record(time.Millisecond)
			iv.Sent++
			iv.Answered++
			iv.Latency.Record(time.Millisecond)
			iv.ActionLatency("looks").Record(time.Millisecond)
		}
	}
	path := filepath.Join(t.TempDir(), name)
	if err := r.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// A comparison threshold naming an action neither run has is a mistake
// in the command line, said before comparing (exit 2, naming the
// threshold and the runs' actions) in both of its forms, relative and
// absolute; it used to be compared and fail as a metric without data.
func TestReportCompareRefusesUnknownActions(t *testing.T) {
	t.Parallel()
	base, head := writeReport(t, "base.json"), writeReport(t, "head.json")
	tests := []struct {
		threshold string
		want      string // "" for accepted
	}{
		{"p99(looks) +10%", ""},
		{"p99 +10%", ""},
		{"errors(looks) > 0", ""},
		{"p99(lookz) +10%", `invalid comparison threshold "p99(lookz) +10%": unknown action "lookz" (known: *, looks); did you mean "looks"?`},
		{"p99(lookz) > 200ms", `invalid comparison threshold "p99(lookz) > 200ms": unknown action "lookz"`},
		{"error_rate(digs) > 1%", `unknown action "digs" (known: *, looks)`},
	}
	for _, tt := range tests {
		t.Run(tt.threshold, func(t *testing.T) {
			t.Parallel()
			code, out := runQuick(t, "report", "compare", "-threshold", tt.threshold, base, head)
			if tt.want == "" {
				if code == ExitUsage {
					t.Errorf("exit code %d (bad usage) for a known action:\n%s", code, out)
				}
				return
			}
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d (bad usage)", code, ExitUsage)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output does not say %q:\n%s", tt.want, out)
			}
		})
	}
}
