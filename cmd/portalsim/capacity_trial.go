package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/dummyrunner/capacity"
	"github.com/portalsim/portalsim/reports"
)

// capacitySearch is one "portalsim capacity": the scenario, the knob,
// the SLO, and how each trial runs.
type capacitySearch struct {
	base     *dummyrunner.Scenario // compiled: its defaults filled
	dir      string                // the scenario file's directory (profile files are relative to it)
	knob     capacity.Knob
	slo      []reports.Threshold
	cfg      capacity.Config
	resText  string
	window   time.Duration // a closed-model trial's steady window
	timeout  time.Duration // a closed-model trial's longest run
	target   string        // "" for a fresh embedded game per trial
	embedded bool
	notes    []string
	started  time.Time
	log      *slog.Logger
	out      io.Writer
	trials   int
}

// report is the capacity report before the search fills its result.
func (s *capacitySearch) report() *capacity.Report {
	exprs := make([]string, len(s.slo))
	for i, t := range s.slo {
		exprs[i] = t.Expr
	}
	target := s.target
	if s.embedded {
		target = "embedded"
	}
	rep := &capacity.Report{
		Scenario: s.base.Name, Target: target, Knob: s.knob, Unit: s.knob.Unit(s.base.Model), SLO: exprs,
		Start: s.cfg.Start, Max: s.cfg.Max, Resolution: s.resText, Confirm: s.cfg.Confirm,
		Notes: s.notes, Machine: reports.CurrentMachine(), Date: s.started.UTC(),
	}
	if s.base.Model != dummyrunner.ModelOpen {
		rep.TrialDuration = s.window
	}
	return rep
}

// fdPlanAt is the file-descriptor plan of one trial at level.
func (s *capacitySearch) fdPlanAt(level float64) (fdPlan, error) {
	sc, err := capacity.At(s.base, s.knob, level)
	if err != nil {
		return fdPlan{}, err
	}
	p := fdPlan{limit: nofileLimit(), players: concurrentPlayers(sc, sc.Sessions(), 1), procs: 1, embedded: s.embedded}
	if proxied, crowd := sc.FaultConnections(p.players); proxied+crowd > 0 {
		p.faults = 2 * proxied
		if p.faults += crowd; s.embedded {
			p.faults += crowd
		}
	}
	return p, nil
}

// capMax lowers -max of players to what the file-descriptor budget of
// one process holds (the same budget "portalsim run" checks), with a
// note saying so; a rate whose players do not fit is refused.
func (s *capacitySearch) capMax() error {
	p, err := s.fdPlanAt(s.cfg.Max)
	if err != nil {
		return exitErr{ExitInvalidConfig, fmt.Errorf("capacity: -max: %w", err)}
	}
	tooMany := p.check()
	if tooMany == nil {
		return nil
	}
	if s.knob != capacity.KnobClients {
		return exitErr{ExitInvalidConfig, fmt.Errorf("capacity: %w", tooMany)}
	}
	lo, hi := 0, int(s.cfg.Max) // the most players that fit: lo fits, hi does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if p, _ := s.fdPlanAt(float64(mid)); p.check() == nil {
			lo = mid
		} else {
			hi = mid
		}
	}
	if float64(lo) < s.cfg.Start {
		return exitErr{ExitInvalidConfig, fmt.Errorf("capacity: -start %s: %w", capacity.FormatLevel(s.cfg.Start), tooMany)}
	}
	s.notes = append(s.notes, fmt.Sprintf("-max %s capped to %s players by the file-descriptor limit (%v)",
		capacity.FormatLevel(s.cfg.Max), capacity.FormatLevel(float64(lo)), tooMany))
	s.cfg.Max = float64(lo)
	return nil
}

// trial runs the scenario once at level, against a fresh embedded game
// or the target, the way "portalsim run" does (dummyrunner.Execute), and
// judges the report against the SLO.
func (s *capacitySearch) trial(ctx context.Context, level float64) (capacity.Outcome, error) {
	sc, err := capacity.At(s.base, s.knob, level)
	if err != nil {
		return capacity.Outcome{}, err
	}
	opts := dummyrunner.Options{Target: s.target, Logger: s.log}
	if sc.Model != dummyrunner.ModelOpen {
		sc.Duration, opts.SteadyFor = s.timeout, s.window
		sc.RampUp = min(sc.RampUp, sc.Duration)
	}
	plan, err := sc.Compile(s.dir)
	if err != nil {
		return capacity.Outcome{}, err
	}
	if s.embedded {
		stack, err := startEmbedded(ctx, s.log, sc.NeedsLinkProxy())
		if err != nil {
			return capacity.Outcome{}, err
		}
		defer stopEmbedded(stack)
		opts.Target = stack.TelnetAddr()
		opts.WebsocketURL, opts.TLSTarget, opts.SSHTarget = stack.WebsocketURL(), stack.TLSAddr(), stack.SSHAddr()
		opts.Backstage = stack
	}
	s.trials++
	meta := newMeta(plan, "", runFlags{runID: newRunID()})
	rep, err := dummyrunner.Execute(ctx, plan, opts, meta, s.embedded, nil)
	if rep == nil {
		return capacity.Outcome{}, err
	}
	if rep.Meta.Interrupted {
		return capacity.Outcome{}, fmt.Errorf("trial interrupted: %w", context.Cause(ctx))
	}
	o := capacity.Judge(rep, s.slo, sc.Health, opts.SteadyFor)
	held := map[bool]string{true: "held", false: "broke"}[o.Held]
	if !o.Healthy() {
		held += ", generator INVALID"
	}
	fmt.Fprintf(s.out, "trial %d: %s %s: %s (p99 %v, %d errors, %d lost, %d/%d logged in, %v steady of %v)\n",
		s.trials, capacity.FormatLevel(level), s.knob.Unit(sc.Model), held, o.P99, o.Errors, o.Lost, o.LoggedIn, o.Players,
		o.Window, o.Duration.Round(time.Millisecond))
	if why := append(append([]string(nil), o.Broken...), o.GeneratorProblems...); len(why) > 0 {
		fmt.Fprintf(s.out, "  %s\n", strings.Join(why, "; "))
	}
	return o, err
}
