package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/dummyrunner/livemetrics"
	"github.com/portalsim/portalsim/internal/procstack"
	"github.com/portalsim/portalsim/reports"
)

// childLine is one line a child process writes on stdout.
type childLine struct {
	Progress *dummyrunner.Progress `json:"progress,omitempty"`
	// Metrics is the child's live metrics so far, sent with its progress
	// and its report when the parent serves -metrics.
	Metrics *livemetrics.Snapshot `json:"metrics,omitempty"`
	Report  *reports.Report       `json:"report,omitempty"`
}

// childCommand is the hidden subcommand "run -procs" starts its children
// with. It is in no help text: its flags are the parent's business, and
// "run -h" shows only what a user sets.
const childCommand = "__child"

// childFlags are the flags a -procs parent gives each child.
type childFlags struct {
	target, websocketURL, tlsTarget, sshTarget string
	first, count                               int
	runID, shard                               string // the run's identity; this child's part of it ("i/n")
	metrics                                    bool   // send live metrics with the progress
	logs                                       logFlags
}

func (f *childFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target, "target", "", "host:port of the telnet door")
	fs.StringVar(&f.websocketURL, "websocket-url", "", "ws://host:port/ of the websocket door")
	fs.StringVar(&f.tlsTarget, "tls-target", "", "host:port of the TLS telnet door")
	fs.StringVar(&f.sshTarget, "ssh-target", "", "host:port of the SSH door")
	fs.IntVar(&f.first, "first", 0, "first player id of this child")
	fs.IntVar(&f.count, "count", 0, "number of players of this child")
	fs.StringVar(&f.runID, "run-id", "", "the run id of the parent")
	fs.StringVar(&f.shard, "shard", "", "which child of how many (\"i/n\")")
	fs.BoolVar(&f.metrics, "metrics", false, "send live metrics with the progress")
	f.logs.register(fs)
}

// args are the command line that starts a child with f and the
// effective scenario at scPath.
func (f childFlags) args(scPath string) []string {
	args := []string{childCommand, "-target", f.target, "-first", strconv.Itoa(f.first), "-count", strconv.Itoa(f.count),
		"-log-level", f.logs.level, "-log-format", f.logs.format, "-run-id", f.runID, "-shard", f.shard}
	if f.metrics {
		args = append(args, "-metrics")
	}
	for _, o := range []struct{ name, value string }{{"-websocket-url", f.websocketURL}, {"-tls-target", f.tlsTarget}, {"-ssh-target", f.sshTarget}} {
		if o.value != "" {
			args = append(args, o.name, o.value)
		}
	}
	return append(args, scPath)
}

// childCount is how many children -procs starts for players: one per
// process asked for, but no child without players (a runner given no
// count runs every player), and at least one.
func childCount(procs, players int) int { return max(min(procs, players), 1) }

// runChild runs one child of "run -procs" (the hidden subcommand
// childCommand): its share of the players, reported as JSON lines on
// stdout: progress once a second, then the report.
func runChild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(childCommand, "Internal: one child process of \"portalsim run -procs\".\n\nUsage: portalsim "+childCommand+" [flags] scenario.yaml", stderr)
	var f childFlags
	f.register(fs)
	f.logs.level = "warn"
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s: one scenario file, got %d", childCommand, len(pos))
	}
	if f.target == "" && f.websocketURL == "" && f.tlsTarget == "" && f.sshTarget == "" {
		return usagef("%s needs -target", childCommand)
	}
	logger, err := f.logs.logger(stderr)
	if err != nil {
		return err
	}
	plan, _, err := loadScenario(pos, runFlags{}, nil)
	if err != nil {
		return err
	}
	opts := dummyrunner.Options{Target: f.target, WebsocketURL: f.websocketURL, TLSTarget: f.tlsTarget, SSHTarget: f.sshTarget, First: f.first, Count: f.count, Partial: true,
		Logger: logger} // its lost players say why, as the parent's would
	meta := newMeta(plan, "", runFlags{runID: f.runID})
	meta.Procs = 1
	if f.shard != "" {
		id, err := parseShard(f.shard)
		if err != nil {
			return err
		}
		meta.Shards = []reports.ShardID{id}
	}
	var mu sync.Mutex
	enc := json.NewEncoder(stdout)
	emit := func(l childLine) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(l)
	}
	metrics := func() *livemetrics.Snapshot { return nil }
	if f.metrics {
		rec := livemetrics.NewRecorder()
		opts.Observer = rec
		metrics = func() *livemetrics.Snapshot { s := rec.Snapshot(); return &s }
	}
	progress := func(ctx context.Context, snap func(time.Time) dummyrunner.Progress) {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				p := snap(now)
				emit(childLine{Progress: &p, Metrics: metrics()})
			}
		}
	}
	rep, err := dummyrunner.Execute(ctx, plan, opts, meta, false, progress)
	if rep != nil {
		emit(childLine{Report: rep, Metrics: metrics()})
	}
	return err
}

// runProcs spreads the players over child processes running this same
// binary, shows their summed progress and merges their reports exactly.
//
// live, if not nil, receives the children's live metrics (they send them
// with their progress, once a second): the parent serves their sum.
func runProcs(ctx context.Context, plan *dummyrunner.Plan, path string, f runFlags, opts dummyrunner.Options, live *livemetrics.Procs, stdout, stderr io.Writer) (*reports.Report, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	// Children read the effective scenario (overrides applied, defaults
	// filled) from a file.
	sc := plan.Scenario()
	dir, err := os.MkdirTemp("", "portalsim-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	b, err := yaml.Marshal(sc)
	if err != nil {
		return nil, err
	}
	scPath := filepath.Join(dir, "scenario.yaml")
	if path != "" {
		// Keep relative profile files working: write next to nothing, but
		// make them absolute.
		for i, pf := range sc.ProfileFiles {
			if !filepath.IsAbs(pf) {
				sc.ProfileFiles[i] = filepath.Join(filepath.Dir(path), pf)
			}
		}
		if b, err = yaml.Marshal(sc); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(scPath, b, 0o600); err != nil {
		return nil, err
	}
	first, total := opts.First, opts.Count
	if total == 0 {
		total = plan.Sessions() - first
	}
	n := childCount(f.procs, total)
	// The machine's load as this process sees it: its own CPU (the
	// embedded portal and game server, when they run here) and the
	// target's pids; the children count theirs, and the merge adds them.
	machine := dummyrunner.NewMachineSampler(time.Now(), f.targetPIDs)
	machineCtx, stopMachine := context.WithCancel(context.Background())
	machineDone := make(chan struct{})
	go func() { defer close(machineDone); machine.Run(machineCtx) }()
	defer func() { stopMachine(); <-machineDone }()
	progress := make([]dummyrunner.Progress, n)
	reps := make([]*reports.Report, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		lo := first + i*total/n
		cnt := first + (i+1)*total/n - lo
		cf := childFlags{target: opts.Target, websocketURL: opts.WebsocketURL, tlsTarget: opts.TLSTarget, sshTarget: opts.SSHTarget,
			first: lo, count: cnt, runID: f.runID, shard: fmt.Sprintf("%d/%d", i, n), logs: logFlags{level: f.logs.level, format: f.logs.format}, metrics: live != nil}
		args := cf.args(scPath)
		cmd := procstack.Command(exe, args, nil) // a shard dies with this process
		cmd.Stderr = stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start child %d: %w", i, err)
		}
		stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Signal(os.Interrupt) })
		wg.Go(func() {
			defer stop()
			sc := bufio.NewScanner(out)
			sc.Buffer(make([]byte, 1<<20), 256<<20)
			for sc.Scan() {
				var l childLine
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					continue
				}
				mu.Lock()
				if l.Progress != nil {
					progress[i] = *l.Progress
				}
				if l.Report != nil {
					reps[i] = l.Report
				}
				mu.Unlock()
				if l.Metrics != nil && live != nil {
					live.Set(i, *l.Metrics)
				}
			}
			if err := cmd.Wait(); err != nil {
				errs[i] = fmt.Errorf("child %d: %w", i, err)
			}
		})
	}
	progCtx, stopProg := context.WithCancel(context.Background())
	progDone := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(progDone)
		if f.quiet {
			return
		}
		dummyrunner.ShowProgress(progCtx, stdout, terminalWidth(stdout), func(now time.Time) dummyrunner.Progress {
			mu.Lock()
			defer mu.Unlock()
			sum := dummyrunner.Progress{Elapsed: now.Sub(start), Planned: total}
			for _, p := range progress {
				sum = sum.Add(p)
			}
			return sum
		})
	}()
	wg.Wait()
	stopProg()
	<-progDone
	var got []*reports.Report
	for i, r := range reps {
		if r == nil {
			errs[i] = errors.Join(errs[i], fmt.Errorf("child %d wrote no report", i))
			continue
		}
		got = append(got, r)
	}
	if len(got) == 0 {
		return nil, errors.Join(errs...)
	}
	rep, err := reports.MergeAll(got...)
	if err != nil {
		return nil, err
	}
	rep.Meta.Procs = n
	for _, e := range errs {
		if e != nil {
			rep.Meta.Valid = false
			rep.Meta.InvalidReasons = append(rep.Meta.InvalidReasons, e.Error())
		}
	}
	stopMachine()
	<-machineDone
	dummyrunner.ApplyMachine(rep, machine, dummyrunner.LoadScope(opts.Backstage != nil, f.targetPIDs, opts.Target))
	dummyrunner.RequireMeasurements(rep) // of the whole run: the children leave it to us
	dummyrunner.MarkBusy(rep, plan.Scenario().Health)
	return rep, nil
}
