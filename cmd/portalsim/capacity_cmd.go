package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/dummyrunner/capacity"
	"github.com/portalsim/portalsim/reports"
)

const capacityUsage = `Find the highest load a game holds under an SLO. Each trial is a whole
run of the scenario (the built-in default without a file) at one level:
players (-vary clients, the closed model) or the command rate (-vary
rate: the pacing's timestep, or the open model's arrival rate), against a
fresh embedded portal and game server per trial, or -target. A closed-
model trial lasts until every player logged in plus -trial-duration of
steady load; the SLO's latencies are those of that steady window, its
counts (errors, lost_clients) the whole trial's.

The search doubles the level from -start until a trial breaks the SLO or
-max held, bisects between the last level that held and the first that
broke down to -resolution, then runs the best level -confirm more times,
stepping down when a confirmation fails. A trial whose generator was not
healthy (late timers, saturated CPU, no file descriptors) is run again
once; a second one refuses the answer.

The SLO is given in the thresholds' language (-slo, repeatable; default:
the scenario's thresholds), e.g. -slo "p99(*) < 50ms" -slo "errors == 0".

Exit codes: 0 a capacity was found, 95 the SLO never held (not even at
-start), 96 refused (the generator was unhealthy twice), 98 interrupted,
104 bad scenario or configuration, 2 bad usage.

Usage: portalsim capacity [flags] [scenario.yaml]`

// capacityFlags are the capacity command's flags.
type capacityFlags struct {
	slo                    multiFlag
	vary, resolution       string
	target, jsonOut        string
	start, max             float64
	confirm                int
	loginConcurrency       int
	trialDuration, timeout time.Duration
	logs                   logFlags
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func (f *capacityFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.slo, "slo", `a threshold every trial must hold, repeatable: "p99(*) < 50ms", "errors == 0", "lost_clients == 0" (default: the scenario's thresholds)`)
	fs.StringVar(&f.vary, "vary", string(capacity.KnobClients), "what to vary: clients (players, closed model) or rate (commands/s of all players in the closed model, sessions/s in the open model)")
	fs.Float64Var(&f.start, "start", 10, "the first level tried")
	fs.Float64Var(&f.max, "max", 10_000, "the highest level tried (players are capped by the file-descriptor limit)")
	fs.StringVar(&f.resolution, "resolution", "5%", `how close the bisection gets: a percentage of the level ("5%") or a step ("50")`)
	fs.IntVar(&f.confirm, "confirm", 2, "how many more times the best level is run to confirm it")
	fs.DurationVar(&f.trialDuration, "trial-duration", 10*time.Second, "the steady window of a closed-model trial, after every player logged in (at least 2s)")
	fs.DurationVar(&f.timeout, "trial-timeout", 5*time.Minute, "the longest a closed-model trial runs, logins included: logins not done by then break the SLO")
	fs.IntVar(&f.loginConcurrency, "login-concurrency", 0, "players logging in at once, overriding the scenario's pacing.login_concurrency (Evennia's 10 logs in about 3 players a second)")
	fs.StringVar(&f.target, "target", "", "host:port of a telnet MUD to load (default: a fresh embedded portal and game server per trial)")
	fs.StringVar(&f.jsonOut, "json", "", "also write the answer and the curve as JSON to this file")
	f.logs.register(fs)
	f.logs.level = "warn"
}

func runCapacity(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("capacity", capacityUsage, stderr)
	var f capacityFlags
	f.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("capacity: one scenario file at most, got %q", pos)
	}
	s, err := newCapacitySearch(f, pos)
	if err != nil {
		return err
	}
	log, err := f.logs.logger(stderr)
	if err != nil {
		return err
	}
	stopPprof, err := servePprof(f.logs.pprof, f.logs.allowRemote, log)
	if err != nil {
		return err
	}
	defer stopPprof()
	s.log, s.out = log, stdout

	rep := s.report()
	fmt.Fprintf(stdout, "portalsim capacity: scenario %q, vary %s from %s to %s %s (resolution %s, confirm %d), SLO %s, against %s\n",
		rep.Scenario, rep.Knob, capacity.FormatLevel(rep.Start), capacity.FormatLevel(rep.Max), rep.Unit, rep.Resolution, rep.Confirm, strings.Join(rep.SLO, ", "), rep.Target)
	for _, n := range rep.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	rep.Result, err = capacity.Search(ctx, s.cfg, s.trial)
	if rep.Verdict == "" && err != nil && len(rep.Trials) == 0 {
		return err
	}
	fmt.Fprintln(stdout)
	if werr := rep.WriteText(stdout); werr != nil {
		return werr
	}
	if f.jsonOut != "" {
		if werr := writeOutput(f.jsonOut, rep.WriteJSON); werr != nil {
			return fmt.Errorf("write json: %w", werr)
		}
		fmt.Fprintf(stdout, "json: %s\n", f.jsonOut)
	}
	switch {
	case rep.Verdict == capacity.VerdictInterrupted:
		return exitErr{ExitInterrupted, errors.New("capacity search interrupted: no answer")}
	case err != nil:
		return err
	case rep.Verdict == capacity.VerdictRefused:
		return exitErr{ExitCapacityRefused, fmt.Errorf("capacity refused: %s", rep.Reason)}
	case rep.Verdict == capacity.VerdictNeverHeld:
		return exitErr{ExitCapacityNeverHeld, fmt.Errorf("capacity: the SLO never held: %s", rep.Reason)}
	}
	return nil
}

// newCapacitySearch checks the flags and the scenario and sets up the search.
func newCapacitySearch(f capacityFlags, pos []string) (*capacitySearch, error) {
	knob, err := capacity.ParseKnob(f.vary)
	if err != nil {
		return nil, usagef("capacity: -vary: %v", err)
	}
	res, relative, err := capacity.ParseResolution(f.resolution)
	if err != nil {
		return nil, usagef("capacity: -resolution: %v", err)
	}
	// The steady window is judged on the whole seconds of the timeline
	// between the last login and the first logout: under 2s there are none.
	if f.trialDuration < 2*time.Second || f.timeout < f.trialDuration || f.timeout > dummyrunner.MaxDuration {
		return nil, usagef("capacity: -trial-duration %v, -trial-timeout %v: want at least 2s (a whole steady second), and a timeout from the duration to %v", f.trialDuration, f.timeout, dummyrunner.MaxDuration)
	}
	if f.loginConcurrency < 0 || f.loginConcurrency > dummyrunner.MaxClients {
		return nil, usagef("capacity: -login-concurrency %d: want 1 to %d (0: the scenario's)", f.loginConcurrency, dummyrunner.MaxClients)
	}
	set := map[string]bool{"target": f.target != ""}
	plan, path, err := loadScenario(pos, runFlags{target: f.target}, set)
	if err != nil {
		return nil, err
	}
	base := plan.Scenario()
	if err := knob.Check(base); err != nil {
		return nil, exitErr{ExitInvalidConfig, fmt.Errorf("capacity: %w", err)}
	}
	if f.loginConcurrency > 0 {
		base.Pacing.LoginConcurrency = f.loginConcurrency
	}
	slo := plan.Thresholds()
	if len(f.slo) > 0 {
		if slo, err = reports.ParseThresholds(f.slo); err != nil {
			return nil, exitErr{ExitInvalidConfig, fmt.Errorf("capacity: -slo: %w", err)}
		}
	}
	if len(slo) == 0 {
		return nil, usagef("capacity: no SLO: give -slo, or thresholds in the scenario")
	}
	var errs []error
	for _, t := range slo {
		if err := t.CheckAction(plan.Actions()); err != nil {
			errs = append(errs, fmt.Errorf("-slo %q: %w", t.Expr, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, exitErr{ExitInvalidConfig, fmt.Errorf("capacity: %w", err)}
	}
	s := &capacitySearch{
		base: base, knob: knob, slo: slo, dir: "", window: f.trialDuration, timeout: f.timeout,
		target:   base.Target,
		cfg:      capacity.Config{Start: f.start, Max: f.max, Resolution: res, Relative: relative, Confirm: f.confirm, Integral: knob.Integral()},
		resText:  f.resolution,
		started:  time.Now(),
		embedded: base.Target == "",
	}
	if path != "" {
		s.dir = filepath.Dir(path)
	}
	if err := s.capMax(); err != nil {
		return nil, err
	}
	if err := s.cfg.Validate(); err != nil {
		return nil, usagef("capacity: %v", err)
	}
	if _, err := capacity.At(s.base, s.knob, s.cfg.Start); err != nil {
		return nil, exitErr{ExitInvalidConfig, fmt.Errorf("capacity: -start: %w", err)}
	}
	return s, nil
}
