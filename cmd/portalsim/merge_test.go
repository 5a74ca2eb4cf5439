package main

import (
	"strings"
	"testing"

	"github.com/portalsim/portalsim/reports"
)

// withIdentity rewrites the report at path as part of run id: shards, or
// the whole run without any.
func withIdentity(t *testing.T, path, id string, shards ...reports.ShardID) string {
	t.Helper()
	r, err := reports.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r.Meta.RunID, r.Meta.Shards = id, shards
	if err := r.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// report merge refuses a shard twice and two whole runs ("report merge
// shard0.json shard0.json" used to pass as a complete run), merges the
// shards of a run, and merges reports without identity with a warning.
func TestReportMergeShards(t *testing.T) {
	t.Parallel()
	s := func(i int) reports.ShardID { return reports.ShardID{Index: i, Count: 2} }
	shard0 := withIdentity(t, writeReport(t, "shard0.json"), "aaaa", s(0))
	shard1 := withIdentity(t, writeReport(t, "shard1.json"), "bbbb", s(1))
	wholeA := withIdentity(t, writeReport(t, "a.json"), "aaaa")
	wholeB := withIdentity(t, writeReport(t, "b.json"), "bbbb")
	old := writeReport(t, "old.json")
	tests := []struct {
		name     string
		files    []string
		wantCode int
		want     string
	}{
		{"the same shard twice", []string{shard0, shard0}, ExitInvalidConfig, "report merge: report 1: reports overlap: shard 0/2 is in both reports (the same run aaaa: the same report twice?)"},
		{"two whole runs", []string{wholeA, wholeB}, ExitInvalidConfig, "two whole runs are two runs, not the parts of one"},
		{"the shards of a run", []string{shard0, shard1}, ExitOK, "merged 2 reports"},
		{"old reports", []string{old, shard0}, ExitOK, "warning: " + old + " has no shard identity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir() + "/merged.json"
			code, text := runQuick(t, append([]string{"report", "merge", "-o", out}, tc.files...)...)
			if code != tc.wantCode || !strings.Contains(text, tc.want) {
				t.Errorf("exit %d, want %d saying %q:\n%s", code, tc.wantCode, tc.want, text)
			}
			if strings.Contains(tc.name, "old") != strings.Contains(text, "warning") {
				t.Errorf("warning given wrongly:\n%s", text)
			}
		})
	}
}
