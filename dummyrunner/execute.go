package dummyrunner

import (
	"context"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Execute runs the scenario with a Runner, folds every result into a
// report with an Aggregator, watches the generator's health with a
// Monitor, and returns the finished report with the scenario's thresholds
// checked. progress, if not nil, is called with the live numbers once a
// second until the run ends. shared says the server runs in this process,
// so the CPU judgement counts it too. meta.Clients is filled in.
func Execute(ctx context.Context, sc *Scenario, opts Options, meta reports.Meta, shared bool, progress func(context.Context, func(time.Time) Progress)) (*reports.Report, error) {
	runner, err := NewRunner(sc, opts)
	if err != nil {
		return nil, err
	}
	meta.Target = runner.Target()
	_, meta.Clients = runner.Players()
	if sc.Model == ModelOpen {
		meta.Clients = sc.Sessions()
		if opts.Count > 0 {
			meta.Clients = opts.Count
		}
	}
	agg := NewAggregator(meta, time.Now())
	var mon Monitor
	monCtx, stopMon := context.WithCancel(context.Background())
	monDone := make(chan struct{})
	go func() { defer close(monDone); mon.Run(monCtx) }()

	results := make(chan Result, 1<<16)
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
		agg.Add(r)
	}
	err = <-runDone
	stopProg()
	<-progDone
	stopMon()
	<-monDone
	rep := agg.Close(time.Now())
	mon.Judge(rep, sc.Health, shared)
	rep.Check(sc.ParsedThresholds())
	return rep, err
}
