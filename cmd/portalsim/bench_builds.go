package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/portalsim/portalsim/internal/procstack"
	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/compare"
	"github.com/portalsim/portalsim/reports/render"
)

const benchBuildsUsage = `Compare two builds on one load scenario, as a CI job should: run the
scenario with the base build, then the head build, alternately, -n times
each ("portalsim run SCENARIO" of each binary: the embedded portal and
game server of that build, or -run-arg=-target=HOST:PORT), print each
run's latency and the machine's background load, then compare the runs
as "portalsim report compare" does (its flags below): each run's level
of a metric against the other side's, the run being the unit of the
test. Whole runs of one build differ from each other, so the more runs
the smaller the change that can be told from that noise: on a 2-core VM
whose runs varied by 15% at p50 (one standard deviation), 5 runs a side
catch a 50% slowdown 4 times in 5 and a 30% one 1 time in 3; 8 runs a
side, 30% 2 times in 3. Runs that alternate see the
same slow drifts of the machine, and a neighbour that comes and goes
lands on both sides; each run's busy seconds are dropped from both sides
by position.

Usage: portalsim bench compare [flags] BASE_BIN HEAD_BIN [SCENARIO]

SCENARIO is a scenario file (default: run's embedded default). The
reports stay in -dir if given (base-1.json, head-1.json, ... and each
run's output), else in a temporary directory removed at the end.

A head run that fails the scenario's own thresholds (its exit 99) is
compared all the same, and the bench then exits 99 unless the comparison
found a regression (4). A head run that is invalid, interrupted or
cannot run at all ends the bench with exit 1; a base run that cannot
run (an older build without a feature the scenario uses) or is invalid
ends it with exit 8, so that a CI job can let that pass.

Exit codes: those of report compare (0 no change, 3 improvement, 4
regression, 5 not enough data, 6 invalid input, 7 inconclusive: one side
shared the machine with more other work), 8 the base build could not
make a valid run, 99 the head runs failed the scenario's thresholds,
1 the head build could not make a valid run (or another error), 98
interrupted, 2 bad usage.`

// ExitBaseFailed is bench compare's exit code when the base build could
// not make a valid run of the scenario.
const ExitBaseFailed = 8

// DefaultBenchRuns is bench compare's default -n: the runs of each build.
// With runs as the unit of the test, n decides the smallest change told
// from run-to-run noise (see benchBuildsUsage).
const DefaultBenchRuns = 5

func runBenchBuilds(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench compare", benchBuildsUsage, stderr)
	n := fs.Int("n", DefaultBenchRuns, "runs of each build, alternating base and head (1 to 50; 2 or more to test over runs)")
	dir := fs.String("dir", "", "keep the reports and each run's output in this directory (created if needed)")
	var runArgs stringList
	fs.Var(&runArgs, "run-arg", `an argument for every run, e.g. -run-arg=-target=127.0.0.1:4000 (repeatable)`)
	var cf compareFlags
	cf.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 || len(pos) > 3 {
		return usagef("bench compare: want BASE_BIN HEAD_BIN [SCENARIO], got %d arguments", len(pos))
	}
	if *n < 1 || *n > 50 {
		return usagef("bench compare: -n %d: want 1 to 50", *n)
	}
	if _, err := cf.check(); err != nil { // before minutes of runs
		return err
	}
	// The run lines go with the text; other formats are for a machine
	// (json) or a page (markdown), so the lines go to stderr.
	lines := stdout
	if cf.format != "text" {
		lines = stderr
	}
	bins := map[string]string{"base": pos[0], "head": pos[1]}
	for _, side := range []string{"base", "head"} {
		if _, err := exec.LookPath(bins[side]); err != nil {
			return usagef("bench compare: the %s build: %v", side, err)
		}
	}
	scenario := ""
	if len(pos) == 3 {
		scenario = pos[2]
		if _, err := os.Stat(scenario); err != nil {
			return usagef("bench compare: scenario: %v", err)
		}
	}
	out := *dir
	if out == "" {
		if out, err = os.MkdirTemp("", "portalsim-bench-compare-"); err != nil {
			return err
		}
		defer os.RemoveAll(out)
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	paths := map[string][]string{}
	headThresholds := 0 // head runs that failed the scenario's thresholds
	for i := 1; i <= *n; i++ {
		for _, side := range []string{"base", "head"} {
			r := buildRun{side: side, i: i, n: *n, bin: bins[side], scenario: scenario, args: runArgs, dir: out}
			rep, code, err := r.run(ctx)
			if ctx.Err() != nil {
				return exitErr{ExitInterrupted, fmt.Errorf("bench compare: interrupted during %s run %d", side, i)}
			}
			if err == nil {
				err = r.usable(rep, code)
			}
			if err != nil {
				if side == "base" {
					return exitErr{ExitBaseFailed, err}
				}
				return exitErr{ExitFailure, err}
			}
			if side == "head" && code == ExitThresholds {
				headThresholds++
			}
			fmt.Fprintln(lines, runLine(r, rep, code))
			paths[side] = append(paths[side], r.report())
		}
	}
	fmt.Fprintln(lines)
	base, err := readPooled(paths["base"])
	if err != nil {
		return exitErr{compare.VerdictInvalid.ExitCode(), err}
	}
	head, err := readPooled(paths["head"])
	if err != nil {
		return exitErr{compare.VerdictInvalid.ExitCode(), err}
	}
	err = cf.compare(base, head, stdout)
	var ec exitErr
	if headThresholds > 0 && (err == nil || (errors.As(err, &ec) && ec.code != compare.VerdictRegression.ExitCode())) {
		return exitErr{ExitThresholds, fmt.Errorf("bench compare: %d of %d head runs failed the scenario's thresholds (see their lines above)", headThresholds, *n)}
	}
	return err
}

// buildRun is one run of one build.
type buildRun struct {
	side     string // "base" or "head"
	i, n     int
	bin      string
	scenario string
	args     []string
	dir      string
}

func (r buildRun) report() string {
	return filepath.Join(r.dir, fmt.Sprintf("%s-%d.json", r.side, r.i))
}

// usable says why a run that wrote its report cannot be compared, if it
// cannot: an invalid run (exit 97) or one that ended otherwise than
// complete or failing the scenario's thresholds (99).
func (r buildRun) usable(rep *reports.Report, code int) error {
	switch {
	case !rep.Meta.Valid:
		return fmt.Errorf("bench compare: the %s build's run %d is invalid: %s (see %s)", r.side, r.i,
			render.SafeText(strings.Join(rep.Meta.InvalidReasons, "; ")), r.log())
	case code != ExitOK && code != ExitThresholds:
		return fmt.Errorf("bench compare: the %s build's run %d ended with exit %d (see %s)", r.side, r.i, code, r.log())
	}
	return nil
}

func (r buildRun) log() string {
	return filepath.Join(r.dir, fmt.Sprintf("%s-%d.txt", r.side, r.i))
}

// run runs the build's "run" and reads its report, returning the run's
// exit code too. A run that wrote no report failed.
func (r buildRun) run(ctx context.Context) (*reports.Report, int, error) {
	logPath := r.log()
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	defer logFile.Close()
	args := []string{"run"}
	if r.scenario != "" {
		args = append(args, r.scenario)
	}
	args = append(append(args, "-quiet", "-o", r.report()), r.args...)
	_ = os.Remove(r.report())                  // a report of an earlier bench in -dir is not this run's
	cmd := procstack.Command(r.bin, args, nil) // the run dies with this process
	cmd.Stdout, cmd.Stderr = logFile, logFile  // a file, not a pipe: nothing to wait for after the run
	runErr := cmd.Start()
	if runErr == nil {
		stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Signal(os.Interrupt) })
		runErr = cmd.Wait()
		stop()
	}
	code := ExitOK
	var ee *exec.ExitError
	switch {
	case errors.As(runErr, &ee):
		code = ee.ExitCode()
	case runErr != nil:
		code = ExitFailure
	}
	rep, err := reports.ReadFile(r.report())
	if err == nil {
		return rep, code, nil
	}
	why := "it wrote no report: " + err.Error()
	if runErr != nil {
		why = runErr.Error()
	}
	return nil, code, fmt.Errorf("bench compare: the %s build (%s) could not run the scenario in run %d: %s; its output, %s, ends:\n%s",
		r.side, r.bin, r.i, why, logPath, render.SafeText(logTail(logPath)))
}

// logTail is the end of a run's output file, as a child's tail is kept
// elsewhere (procstack.TailBuffer).
func logTail(path string) string {
	tail := &procstack.TailBuffer{Max: 2 << 10}
	if f, err := os.Open(path); err == nil {
		_, _ = io.Copy(tail, f) // what could be read is what there is to show
		_ = f.Close()
	}
	return tail.String()
}

// runLine sums one run up: its latency, and the machine's load beside it.
func runLine(r buildRun, rep *reports.Report, code int) string {
	tot := rep.Totals()
	line := fmt.Sprintf("%s %d/%d: %d answered, p50 %s, p99 %s", r.side, r.i, r.n, tot.Answered,
		render.FormatDuration(tot.Latency.Quantile(.5)), render.FormatDuration(tot.Latency.Quantile(.99)))
	if s := rep.Load(); s.Seconds > 0 {
		line += fmt.Sprintf("; background load %.1f%% of all cores (max %.1f%% in a second), run queue %.1f", 100*s.Other, 100*s.OtherMax, s.RunQueue)
		if s.Steal > 0 {
			line += fmt.Sprintf(", steal %.1f%%", 100*s.Steal)
		}
	} else {
		line += "; background load not measured"
	}
	for _, why := range rep.Meta.BusyReasons {
		line += "; BUSY: " + render.SafeText(why)
	}
	if code == ExitThresholds {
		line += "; THRESHOLDS FAILED (see " + r.log() + ")"
	}
	return line
}
