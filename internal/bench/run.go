package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/internal/procstack"
	"github.com/portalsim/portalsim/internal/targets"
	"github.com/portalsim/portalsim/reports"
)

// Config is a bench run's settings.
type Config struct {
	// Load is the offered load, the same for every target.
	Load
	// Targets are measured in this order (see TargetNames; HOST:PORT for
	// an external MUD).
	Targets []string
	// Transports are the passes over the targets, in order (see
	// TransportNames); empty: telnet alone.
	Transports []string
	// Exe is the portalsim binary the targets run as (required for the
	// floor and the portal).
	Exe string
	// TargetPIDs are an external target's processes, for its CPU figure;
	// TargetLogin its login (see Logins; default "portalsim").
	TargetPIDs  []int
	TargetLogin string
	// TargetWebsocket is an external target's websocket door
	// (ws://HOST:PORT/); empty: it is measured over telnet only, and
	// skipped, said loudly, over websocket and mixed.
	TargetWebsocket string
	// Evennia says where stock Evennia is installed: its Scripts, Venv
	// and Game (the zero value takes the defaults, see
	// [targets.EvenniaConfig.WithDefaults]); the bench sets the rest. The
	// installed game is never started: the bench runs a copy.
	Evennia targets.EvenniaConfig
	// ReportsDir, if set, receives each target's full run report
	// (TARGET.json).
	ReportsDir string
	// ProfileDir, if set, receives CPU profiles of the portal's and its
	// game server's processes over the steady window (portal-portal.pprof,
	// portal-server.pprof): "go tool pprof FILE".
	ProfileDir string
	// Progress receives a line as each target starts and ends; nil: none.
	Progress io.Writer
	// Stderr receives the targets' processes' stderr; nil: discarded.
	Stderr io.Writer
	// Logger receives the dummyrunner's log lines (lost players); nil
	// discards them.
	Logger *slog.Logger
}

// Run measures every target in turn and returns the result with the
// ratios against the floor. The error is ErrLost (with the result) when
// a target lost players or commands, or why the bench could not run.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Load.check(); err != nil {
		return nil, err
	}
	e := &env{exe: cfg.Exe, stderr: cfg.Stderr, profile: cfg.ProfileDir != "", evennia: cfg.Evennia, players: cfg.Players,
		externalPIDs: cfg.TargetPIDs, externalLogin: cfg.TargetLogin, externalWebsocket: cfg.TargetWebsocket}
	if cfg.TargetWebsocket != "" {
		if err := checkWebsocketURL(cfg.TargetWebsocket); err != nil {
			return nil, err
		}
	}
	transports := cfg.Transports
	if len(transports) == 0 {
		transports = []string{TransportTelnet}
	}
	for _, tr := range transports {
		if !slices.Contains(TransportNames(), tr) {
			return nil, fmt.Errorf("%w: transport %q: want one of %s", ErrInvalidConfig, tr, strings.Join(TransportNames(), ", "))
		}
	}
	if e.externalLogin == "" {
		e.externalLogin = "portalsim"
	}
	var ts []target
	for _, name := range cfg.Targets {
		t, err := newTarget(name, e)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("%w: no targets", ErrInvalidConfig)
	}
	for _, d := range []string{cfg.ReportsDir, cfg.ProfileDir} {
		if d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, err
			}
		}
	}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	res := &Result{Players: cfg.Players, Rate: cfg.Rate, Duration: cfg.Duration, Seed: cfg.Seed, Transports: transports, Start: time.Now()}
	m := reports.CurrentMachine()
	res.Machine = fmt.Sprintf("%s/%s, %d CPUs", m.OS, m.Arch, m.CPUs)
	var lost []string
	for _, tr := range transports {
		for _, t := range ts {
			name := t.name()
			if tr != TransportTelnet {
				name += " over " + tr
			}
			if why := noWebsocketDoor(t, e); why != "" && MixOf(tr).Uses(TransportWebsocket) {
				fmt.Fprintf(progress, "bench: %s: SKIPPED: %s\n", name, why)
				res.Rows = append(res.Rows, Row{Target: t.name(), Transport: tr, Skipped: why})
				continue
			}
			fmt.Fprintf(progress, "bench: %s: %d players x %g/s for %v ...\n", name, cfg.Players, cfg.Rate, cfg.Duration)
			row, err := runTarget(ctx, t, tr, cfg, e)
			if err != nil {
				return res, fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintf(progress, "bench: %s: %d round trips in %.1f s, p50 %s, p99 %s\n", name, row.RoundTrips, row.Window.Seconds(), ms(row.P50), ms(row.P99))
			res.Rows = append(res.Rows, row)
			if row.Lost() {
				lost = append(lost, name)
			}
		}
	}
	res.Ratios = Ratios(res.Rows, TargetFloor)
	if len(lost) > 0 {
		return res, fmt.Errorf("%w: %v", ErrLost, lost)
	}
	return res, nil
}

// outcome is the dummyrunner's run of one target.
type outcome struct {
	rep *reports.Report
	err error
}

// runTarget starts t, runs the players against it over transport (see
// TransportNames), reads its CPU over the steady window and stops it.
func runTarget(ctx context.Context, t target, transport string, cfg Config, e *env) (row Row, err error) {
	dir, err := os.MkdirTemp("", "portalsim-bench-")
	if err != nil {
		return row, err
	}
	defer os.RemoveAll(dir)
	rn, err := t.start(ctx, e, dir)
	if err != nil {
		return row, err
	}
	defer func() {
		if serr := rn.stop(); serr != nil && err == nil {
			err = fmt.Errorf("stop: %w", serr)
		}
	}()
	if err := awaitScreen(ctx, rn.addr, t.login().Screen, time.Minute); err != nil {
		return row, err
	}
	mix, ws := MixOf(transport), ""
	if mix.Uses(TransportWebsocket) {
		if ws, err = websocketDoor(t, rn, e); err != nil {
			return row, err
		}
	}
	plan, err := cfg.Load.plan(dir, label(t.name(), transport), t.login(), mix, ws)
	if err != nil {
		return row, err
	}
	win := newWindow(cfg.Players)
	meta := reports.Meta{Scenario: plan.Scenario().Name, Description: plan.Scenario().Description, Seed: cfg.Seed,
		Target: rn.addr, Protocol: plan.TransportLabel(), Model: dummyrunner.ModelClosed, Machine: reports.CurrentMachine(), Procs: 1}
	start := time.Now()
	done := make(chan outcome, 1)
	go func() {
		rep, err := dummyrunner.Execute(ctx, plan, dummyrunner.Options{Target: rn.addr, Observer: win, Logger: cfg.Logger}, meta, false, nil)
		done <- outcome{rep, err}
	}()
	end := time.NewTimer(time.Until(start.Add(cfg.Duration)))
	defer end.Stop()
	row = Row{Target: t.name(), Transport: transport, Processes: rn.procs, Figures: Figures{Players: cfg.Players}}
	var out *outcome
	cpuOK := false
	var profiles <-chan map[string]string
	// The window opens a settling time after the last login: the first
	// probes of a target meet its start-up (new goroutines, growing heaps,
	// the last logins' work), which is no steady state.
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	allIn, opened := win.allIn, false
wait:
	for {
		select {
		case <-allIn:
			allIn = nil
			settle.Reset(cfg.Load.settle())
		case <-settle.C:
			opened = true
			break wait
		case <-end.C:
			break wait // no window
		case o := <-done:
			out = &o
			break wait
		}
	}
	if opened {
		before := readStats(rn.procs)
		t0 := time.Now()
		win.open(t0)
		if cfg.ProfileDir != "" && len(rn.pprof) > 0 {
			profiles = takeProfiles(ctx, rn.pprof, start.Add(cfg.Duration).Sub(t0), cfg.ProfileDir, label(t.name(), transport))
		}
		select {
		case <-end.C:
		case o := <-done:
			out = &o
		}
		after := readStats(rn.procs)
		win.close(time.Now())
		row.Usage = usage(rn.procs, before, after, cfg.Players)
		cpuOK = len(row.Usage) == len(rn.procs) // every process read at both ends
		for _, u := range row.Usage {
			row.CPU += u.CPU
		}
	}
	if out == nil {
		o := <-done
		out = &o
	}
	if out.err != nil && out.rep == nil {
		return row, out.err
	}
	fillRow(&row, win.stats(), out.rep, len(rn.procs) > 0 && cpuOK)
	if len(mix) > 1 {
		splitRow(&row, win.stats(), out.rep)
	}
	if profiles != nil {
		row.Profiles = <-profiles
	}
	if cfg.ReportsDir != "" {
		row.Report = filepath.Join(cfg.ReportsDir, sanitize(label(t.name(), transport))+".json")
		if err := out.rep.WriteFile(row.Report); err != nil {
			return row, err
		}
	}
	return row, out.err
}

// readStats reads each process's figures; nil where one cannot be read.
func readStats(procs []namedPID) []*procstack.Stat {
	out := make([]*procstack.Stat, len(procs))
	for i, p := range procs {
		if st, err := procstack.ReadStat(p.PID); err == nil {
			out[i] = &st
		}
	}
	return out
}

// usage is each process's CPU between the two readings and its memory
// at the second; a process missing from either is left out.
func usage(procs []namedPID, before, after []*procstack.Stat, players int) []ProcessUsage {
	var out []ProcessUsage
	for i, p := range procs {
		if before[i] == nil || after[i] == nil {
			continue
		}
		u := ProcessUsage{Name: p.Name, PID: p.PID, CPU: after[i].CPU - before[i].CPU, RSS: after[i].RSS}
		if players > 0 {
			u.RSSPerPlayer = u.RSS / int64(players)
		}
		out = append(out, u)
	}
	return out
}

// fillRow fills row's figures from the window and the run's report.
func fillRow(row *Row, w windowStats, rep *reports.Report, hasCPU bool) {
	row.LoggedIn = w.loggedIn
	row.Valid = rep.Meta.Valid
	row.InvalidReasons = append(row.InvalidReasons, rep.Meta.InvalidReasons...)
	row.LostPlayers = rep.Clients.LostTotal()
	if a := rep.Actions[EchoAction]; a != nil {
		row.FailedCommands = a.Sent - a.Answered
	}
	if w.start.IsZero() || w.end.IsZero() || !w.end.After(w.start) {
		row.Valid = false
		row.InvalidReasons = append(row.InvalidReasons, fmt.Sprintf("no steady window: %d of %d players logged in, and the others were not yet lost, a settling time before the end", w.loggedIn, row.Players))
		return
	}
	row.Window = w.end.Sub(w.start)
	row.fillProbes(w.answered, w.latency, row.Window)
	row.HasCPU = hasCPU
	if hasCPU && w.answered > 0 {
		row.CPUPerRoundTrip = row.CPU / time.Duration(w.answered)
	}
	if w.answered == 0 {
		row.Valid = false
		row.InvalidReasons = append(row.InvalidReasons, "no echo probe answered in the steady window")
	}
}

// fillProbes fills f's echo probes of the window: how many were
// answered, per second of the window (none when it is empty), and the
// quantiles of their round trips.
func (f *Figures) fillProbes(answered int64, latency *reports.Histogram, window time.Duration) {
	f.RoundTrips = answered
	if window > 0 {
		f.Throughput = float64(answered) / window.Seconds()
	}
	f.P50, f.P90, f.P99, f.P999 = latency.Quantile(0.50), latency.Quantile(0.90), latency.Quantile(0.99), latency.Quantile(0.999)
}

// takeProfiles fetches a CPU profile of each process (by its -pprof
// address) over d, into dir as TARGET-PROCESS.pprof, and sends the files
// written (process -> path) when all are done.
func takeProfiles(ctx context.Context, addrs map[string]string, d time.Duration, dir, target string) <-chan map[string]string {
	out := make(chan map[string]string, 1)
	secs := int(d / time.Second)
	if secs < 1 {
		out <- nil
		return out
	}
	type got struct{ name, path string }
	ch := make(chan got, len(addrs))
	for name, addr := range addrs {
		go func() {
			path := filepath.Join(dir, sanitize(target)+"-"+name+".pprof")
			if err := fetchProfile(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), path); err != nil {
				path = "error: " + err.Error()
			}
			ch <- got{name, path}
		}()
	}
	go func() {
		m := map[string]string{}
		for range addrs {
			g := <-ch
			m[g.name] = g.path
		}
		out <- m
	}()
	return out
}

func fetchProfile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// sanitize makes a target name a file name (HOST:PORT has a colon).
func sanitize(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}
