package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/compare"
)

// longScenario runs far longer than any test waits: only an interruption ends it in time.
const longScenario = `name: long
clients: 4
duration: 10m
pacing: {timestep: 50ms, chance_of_action: 1, chance_of_login: 1}
logout_grace: 2s
`

// loggedIn matches a progress line once a player is in.
var loggedIn = regexp.MustCompile(`logged in [1-9]`)

// A run stopped early (its context cancelled, as Ctrl-C does) is flagged
// interrupted in its report, says so, and exits ExitInterrupted, not 0:
// a run stopped after 6 s with 6 of 50 players in used to pass.
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scenario := writeFile(t, "long.yaml", longScenario)
	report := filepath.Join(dir, "report.json")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &lineWriter{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", scenario, "-shard", "1/2", "-o", report}, out, out) }()
	out.await(t, loggedIn)
	cancel()
	err := <-done
	if code := exitCode(err, out); code != ExitInterrupted {
		t.Errorf("exit code %d, want %d (interrupted); output:\n%s", code, ExitInterrupted, out.String())
	}
	if !strings.Contains(out.String(), "INTERRUPTED: ") {
		t.Errorf("the summary does not say INTERRUPTED:\n%s", out.String())
	}
	rep, err := reports.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Meta.Interrupted {
		t.Error("the report of an interrupted run is not flagged interrupted")
	}
	if want := []reports.ShardID{{Index: 1, Count: 2}}; rep.Meta.RunID == "" || !slices.Equal(rep.Meta.Shards, want) {
		t.Errorf("the report of -shard 1/2 has identity %q %v, want a run id and %v", rep.Meta.RunID, rep.Meta.Shards, want)
	}
	code, shown := runQuick(t, "report", "show", report)
	if code != ExitOK || !strings.Contains(shown, "INTERRUPTED: the run was stopped before its planned end") {
		t.Errorf("report show: exit %d, does not say INTERRUPTED:\n%s", code, shown)
	}
}

// SIGINT to the parent of -procs children stops them all; their reports,
// each interrupted, merge into an interrupted run; the exit code says so.
func TestRunProcsInterruptedBySignal(t *testing.T) {
	t.Parallel()
	scenario := writeFile(t, "long.yaml", longScenario)
	report := filepath.Join(t.TempDir(), "report.json")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "run", scenario, "-procs", "2", "-o", report)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	out := &lineWriter{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	out.await(t, loggedIn)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Errorf("exit %v, want code %d (interrupted); output:\n%s", err, ExitInterrupted, out.String())
	}
	rep, err := reports.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Meta.Interrupted || rep.Meta.Procs != 2 {
		t.Errorf("report: interrupted %v, procs %d; want true, 2", rep.Meta.Interrupted, rep.Meta.Procs)
	}
	// The children's parts (0/2 and 1/2) make up the whole run.
	if len(rep.Meta.RunID) != 16 || rep.Meta.Shards != nil {
		t.Errorf("report identity %q %v, want a run id and no shards (a whole run)", rep.Meta.RunID, rep.Meta.Shards)
	}
}

// compare refuses an interrupted run against a complete one (exit 6,
// saying why and how to allow it), and compares them when allowed.
func TestReportCompareInterrupted(t *testing.T) {
	t.Parallel()
	base := writeReport(t, "base.json")
	head := writeReport(t, "head.json")
	r, err := reports.ReadFile(head)
	if err != nil {
		t.Fatal(err)
	}
	r.Meta.Interrupted = true
	if err := r.WriteFile(head); err != nil {
		t.Fatal(err)
	}
	code, out := runQuick(t, "report", "compare", base, head)
	if code != compare.VerdictInvalid.ExitCode() || !strings.Contains(out, "the head run was interrupted") || !strings.Contains(out, "-allow-interrupted") {
		t.Errorf("exit %d, want %d saying the head run was interrupted and -allow-interrupted:\n%s", code, compare.VerdictInvalid.ExitCode(), out)
	}
	code, out = runQuick(t, "report", "compare", "-allow-interrupted", base, head)
	if code == compare.VerdictInvalid.ExitCode() || strings.Contains(out, "interrupted") {
		t.Errorf("-allow-interrupted: exit %d:\n%s", code, out)
	}
	// The runs were pooled, 10% of each trimmed: the verdict says so, not "0s".
	if !strings.Contains(out, "10% of each run's seconds trimmed at each end") || strings.Contains(out, "0s trimmed") {
		t.Errorf("the verdict line does not say what was trimmed:\n%s", out)
	}
}
