package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// benchRunReport writes a report of a 20 s run whose commands all took lat,
// on a machine where other processes used the share other of all cores.
func benchRunReport(t *testing.T, dir, name string, lat time.Duration, other float64) string {
	t.Helper()
	r := reports.New(reports.Meta{Scenario: "s", Model: reports.ModelClosed, Valid: true, Clients: 1,
		Start: time.Unix(0, 0), Duration: 20 * time.Second, LoadScope: reports.LoadScopeRun})
	a := r.Action("looks")
	for s := range 20 {
		iv := r.IntervalAt(s)
		iv.Load = reports.Load{Samples: 10, Own: 0.2, Busy: 0.2 + other, RunQueue: 2}
		for i := range 10 {
			d := lat + time.Duration(i)*lat/50 // a little spread within each second
			a.Sent++
			a.Answered++
			a.Latency.Record(d)
			a.TTFB.Record(d)
			iv.Sent++
			iv.Answered++
			iv.Latency.Record(d)
			iv.ActionLatency("looks").Record(d)
		}
	}
	path := filepath.Join(dir, name)
	if err := r.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeBuild writes a program that stands for a build of portalsim: its
// "run ... -o OUT" appends its name to log, copies report to OUT and
// exits with code, or, with report "", fails without a report.
func fakeBuild(t *testing.T, dir, name, report, log string, code int) string {
	t.Helper()
	body := fmt.Sprintf("echo %s >>%q\n", name, log)
	if report == "" {
		body += "echo 'unknown flag in the scenario' >&2\nexit 104\n"
	} else {
		body += fmt.Sprintf("while [ $# -gt 0 ]; do [ \"$1\" = -o ] && out=$2; shift; done\ncp %q \"$out\"\nexit %d\n", report, code)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBenchCompareBuilds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fast := benchRunReport(t, dir, "fast.json", time.Millisecond, 0.02)
	slow := benchRunReport(t, dir, "slow.json", 2*time.Millisecond, 0.02)
	slowBusy := benchRunReport(t, dir, "slow-busy.json", 2*time.Millisecond, 0.5)
	invalid := benchRunReport(t, dir, "invalid.json", time.Millisecond, 0.02)
	r, err := reports.ReadFile(invalid)
	if err != nil {
		t.Fatal(err)
	}
	r.Meta.Valid, r.Meta.InvalidReasons = false, []string{"no player logged in"}
	if err := r.WriteFile(invalid); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name               string
		base, head         string // reports; "" for a build that cannot run the scenario
		baseCode, headCode int    // the runs' exit codes
		code               int
		says               []string
	}{
		{"no change", fast, fast, 0, 0, 0, []string{"verdict: no_change"}},
		{"regression", fast, slow, 0, 0, 4, []string{"verdict: regression", "p50(*) is worse"}},
		{"inconclusive", fast, slowBusy, 0, 0, 7, []string{"verdict: inconclusive", "busier during HEAD", "background load 50.0% of all cores"}},
		{"head thresholds failed", fast, fast, 0, ExitThresholds, ExitThresholds, []string{"THRESHOLDS FAILED", "2 of 2 head runs failed the scenario's thresholds"}},
		{"head thresholds failed and slower", fast, slow, 0, ExitThresholds, 4, []string{"verdict: regression"}},
		{"base thresholds failed", fast, fast, ExitThresholds, 0, 0, []string{"verdict: no_change"}},
		{"base cannot run", "", fast, 0, 0, ExitBaseFailed, []string{"the base build", "could not run the scenario in run 1", "unknown flag in the scenario"}},
		{"base invalid", invalid, fast, ExitInvalidRun, 0, ExitBaseFailed, []string{"the base build's run 1 is invalid: no player logged in"}},
		{"head cannot run", fast, "", 0, 0, ExitFailure, []string{"the head build", "could not run the scenario in run 1"}},
		{"head invalid", fast, invalid, 0, ExitInvalidRun, ExitFailure, []string{"the head build's run 1 is invalid"}},
		{"head interrupted", fast, fast, 0, ExitInterrupted, ExitFailure, []string{"the head build's run 1 ended with exit 98"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := t.TempDir()
			log := filepath.Join(d, "order")
			base, head := fakeBuild(t, d, "base", tt.base, log, tt.baseCode), fakeBuild(t, d, "head", tt.head, log, tt.headCode)
			code, out := runQuick(t, "bench", "compare", "-n", "2", "-dir", filepath.Join(d, "runs"), base, head)
			if code != tt.code {
				t.Errorf("exit code %d, want %d:\n%s", code, tt.code, out)
			}
			for _, want := range tt.says {
				if !strings.Contains(out, want) {
					t.Errorf("the output does not say %q:\n%s", want, out)
				}
			}
			if tt.code == 0 || tt.code == 4 || tt.code == 7 || tt.code == ExitThresholds {
				order, err := os.ReadFile(log)
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Fields(string(order)); strings.Join(got, " ") != "base head base head" {
					t.Errorf("runs in the order %v, want base, head, base, head", got)
				}
				if n := strings.Count(out, "background load"); n != 4 {
					t.Errorf("%d run lines with the background load, want 4:\n%s", n, out)
				}
				for _, f := range []string{"base-1.json", "head-2.json", "head-2.txt"} {
					if _, err := os.Stat(filepath.Join(d, "runs", f)); err != nil {
						t.Errorf("-dir lacks %s: %v", f, err)
					}
				}
			}
		})
	}
}

func TestBenchCompareUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := fakeBuild(t, dir, "b", benchRunReport(t, dir, "r.json", time.Millisecond, 0), filepath.Join(dir, "log"), 0)
	for _, args := range [][]string{
		{bin},                                  // one build
		{"-n", "0", bin, bin},                  // no runs
		{bin, filepath.Join(dir, "missing")},   // no such build
		{bin, dir},                             // a directory
		{bin, bin, filepath.Join(dir, "nope")}, // no such scenario
		{"-format", "xml", bin, bin},           // an unknown format
		{"-busy-margin", "2", bin, bin},        // not a share of the cores
		{"-alpha", "1", bin, bin},              // not a significance level
	} {
		if code, out := runQuick(t, append([]string{"bench", "compare"}, args...)...); code != ExitUsage {
			t.Errorf("bench compare %q: exit %d, want %d (bad usage):\n%s", args, code, ExitUsage, out)
		}
	}
}

// With -format json the run lines go to stderr: stdout is the JSON.
func TestBenchCompareJSON(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	rep := benchRunReport(t, d, "r.json", time.Millisecond, 0)
	bin := fakeBuild(t, d, "b", rep, filepath.Join(d, "log"), 0)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"bench", "compare", "-n", "1", "-format", "json", bin, bin}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench compare: %v\n%s", err, stderr.String())
	}
	var c struct{ Verdict string }
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil || c.Verdict != "no_change" {
		t.Errorf("stdout is not the comparison's JSON (%v, verdict %q):\n%s", err, c.Verdict, stdout.String())
	}
	if !strings.Contains(stderr.String(), "base 1/1:") {
		t.Errorf("stderr lacks the run lines:\n%s", stderr.String())
	}
}
