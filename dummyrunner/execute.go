package dummyrunner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Execute runs the plan with a Runner, folds every result into a
// report with an Aggregator (showing each to opts.Observer first, if
// set), watches the generator's health with a Monitor and the machine's
// load with a MachineSampler, and returns the finished report with the scenario's thresholds
// checked. progress, if not nil, is called with the live numbers once a
// second until the run ends. shared says the server runs in this process,
// so the CPU judgement counts it too. meta.Clients is filled in.
func Execute(ctx context.Context, plan *Plan, opts Options, meta reports.Meta, shared bool, progress func(context.Context, func(time.Time) Progress)) (*reports.Report, error) {
	if opts.NameNonce == "" && meta.RunID != "" {
		opts.NameNonce = meta.RunID // shared by the run's processes
	}
	runner, err := NewRunner(plan, opts)
	if err != nil {
		return nil, err
	}
	sc := &plan.sc
	meta.Names, meta.NameNonce = sc.Names, runner.NameNonce()
	meta.Completion = plan.CompletionLabel()
	meta.Target = runner.Target()
	_, meta.Clients = runner.Players()
	if sc.Model == ModelOpen {
		meta.Clients = sc.Sessions()
		if opts.Count > 0 {
			meta.Clients = opts.Count
		}
	}
	agg := NewAggregator(meta, time.Now())
	for _, name := range plan.transportList {
		if door := runner.Door(name); door != "" {
			agg.rep.Transport(name).Target = door
		}
	}
	var mon Monitor
	obs := opts.Observer
	if obs != nil {
		mon.OnSample = obs.Health
	}
	mon.Clients = func() int64 { return agg.Snapshot(time.Now()).Open() }
	results := make(chan Result, resultsLen)
	mon.Begin() // the base memory: all but the clients, before the runner dials any
	monCtx, stopMon := context.WithCancel(context.Background())
	monDone := make(chan struct{})
	go func() { defer close(monDone); mon.Run(monCtx) }()
	machine := NewMachineSampler(agg.start, opts.TargetPIDs)
	machineDone := make(chan struct{})
	go func() { defer close(machineDone); machine.Run(monCtx) }()

	runDone := make(chan error, 1)
	go func() { runDone <- runner.Run(ctx, results) }()
	progCtx, stopProg := context.WithCancel(context.Background())
	progDone := make(chan struct{})
	go func() {
		defer close(progDone)
		if progress != nil {
			progress(progCtx, agg.Snapshot)
		}
	}()
	for r := range results {
		if obs != nil {
			obs.Result(r)
		}
		agg.Add(r)
	}
	err = <-runDone
	stopProg()
	<-progDone
	stopMon()
	<-monDone
	<-machineDone
	rep := agg.Close(time.Now())
	rep.Meta.Interrupted = runner.Interrupted()
	mon.Judge(rep, sc.Health, shared)
	ApplyMachine(rep, machine, LoadScope(shared, opts.TargetPIDs, meta.Target))
	if !opts.Partial {
		RequireMeasurements(rep)
		MarkBusy(rep, sc.Health)
	}
	rep.Check(plan.thresholds)
	return rep, err
}

// resultsLen is how many results the players may hand over ahead of the
// aggregator: 200 ms of 20,000 a second. Its ring of 240-byte results
// becomes resident as the run goes round it; at 1<<16 it was 15 MiB,
// which showed as memory per client (BENCHMARKS.md, "Generator cost per
// client"). The aggregator takes a result in about a microsecond, so a
// player that waits here is one whose generator is saturated, which its
// health shows.
const resultsLen = 1 << 12

// maxDetails bounds the lost details RequireMeasurements quotes.
const maxDetails = 5

// RequireMeasurements marks rep invalid when it measured nothing a load
// test is for: no player logged in, or no command was answered. Such a
// run may pass every threshold ("errors == 0" holds when nothing was
// sent), so a run against a dead server, a wrong login_success or a
// run stopped before anyone got in would otherwise pass. The reasons say
// how far the players got. Call it on the report of a whole run (after
// merging those of its processes).
func RequireMeasurements(rep *reports.Report) {
	invalid := func(format string, args ...any) {
		rep.Meta.Valid = false
		rep.Meta.InvalidReasons = append(rep.Meta.InvalidReasons, fmt.Sprintf(format, args...))
	}
	c := rep.Clients
	if c.LoggedIn == 0 {
		lost := ""
		if n := c.LostTotal(); n > 0 {
			reasons := slices.Sorted(maps.Keys(c.Lost))
			parts := make([]string, 0, len(reasons))
			for _, r := range reasons {
				if c.Lost[r] > 0 {
					parts = append(parts, fmt.Sprintf("%s %d", r, c.Lost[r]))
				}
			}
			lost = " (lost: " + strings.Join(parts, ", ") + ")"
		}
		details := slices.Sorted(maps.Keys(c.LostDetails))
		if len(details) > maxDetails {
			details = details[:maxDetails]
		}
		for _, d := range details {
			lost += fmt.Sprintf("; %d × %s", c.LostDetails[d], d)
		}
		screen := int64(0)
		if ph := rep.Phases[reports.PhaseLoginScreen]; ph != nil {
			screen = ph.Reached
		}
		invalid("no player logged in: %d started, %d reached the login screen%s", c.Started, screen, lost)
	}
	if t := rep.Totals(); t.Answered == 0 {
		invalid("no command was answered: %d sent", t.Sent)
	}
}
