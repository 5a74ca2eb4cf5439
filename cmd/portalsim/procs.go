package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

// childLine is one line a child process writes on stdout.
type childLine struct {
	Progress *dummyrunner.Progress `json:"progress,omitempty"`
	Report   *reports.Report       `json:"report,omitempty"`
}

// runChild runs this process's share of players and reports as JSON lines:
// progress once a second, then the report.
func runChild(ctx context.Context, sc *dummyrunner.Scenario, f runFlags, stdout io.Writer) error {
	if f.target == "" && sc.Target == "" && f.websocketURL == "" && f.tlsTarget == "" && f.sshTarget == "" {
		return usagef("-child needs -target")
	}
	opts := dummyrunner.Options{Target: f.target, WebsocketURL: f.websocketURL, TLSTarget: f.tlsTarget, SSHTarget: f.sshTarget, First: f.first, Count: f.count, Partial: true}
	meta := newMeta(sc, "", f)
	meta.Procs = 1
	if f.childShard != "" {
		id, err := parseShard(f.childShard)
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
	progress := func(ctx context.Context, snap func(time.Time) dummyrunner.Progress) {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				p := snap(now)
				emit(childLine{Progress: &p})
			}
		}
	}
	rep, err := dummyrunner.Execute(ctx, sc, opts, meta, false, progress)
	if rep != nil {
		emit(childLine{Report: rep})
	}
	return err
}

// runProcs spreads the players over child processes running this same
// binary, shows their summed progress and merges their reports exactly.
func runProcs(ctx context.Context, sc *dummyrunner.Scenario, path string, f runFlags, opts dummyrunner.Options, stdout, stderr io.Writer) (*reports.Report, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	// Children read the effective scenario (overrides applied) from a file.
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
		total = sc.Sessions() - first
	}
	// No child without players: a runner given no count runs every player.
	n := max(min(f.procs, total), 1)
	progress := make([]dummyrunner.Progress, n)
	reps := make([]*reports.Report, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		lo := first + i*total/n
		cnt := first + (i+1)*total/n - lo
		args := []string{"run", scPath, "-child", "-target", opts.Target, "-child-first", strconv.Itoa(lo), "-child-count", strconv.Itoa(cnt), "-log-level", f.logs.level,
			"-child-run-id", f.runID, "-child-shard", fmt.Sprintf("%d/%d", i, n)}
		if opts.WebsocketURL != "" {
			args = append(args, "-websocket-url", opts.WebsocketURL)
		}
		if opts.TLSTarget != "" {
			args = append(args, "-tls-target", opts.TLSTarget)
		}
		if opts.SSHTarget != "" {
			args = append(args, "-ssh-target", opts.SSHTarget)
		}
		cmd := exec.Command(exe, args...)
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
	dummyrunner.RequireMeasurements(rep) // of the whole run: the children leave it to us
	return rep, nil
}
