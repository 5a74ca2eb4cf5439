package main

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/dummyrunner/livemetrics"
	"github.com/portalsim/portalsim/internal/embedded"
	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/render"
	"github.com/portalsim/portalsim/sim"
)

const runUsage = `Run a load scenario: dummy players connect to a portal, follow Evennia's
dummyrunner profiles and pacing, and every command is measured. With no
scenario file the built-in default runs (50 "looker" players, 30 s) against
an embedded portal and game server on loopback. A live progress line shows
once a second; at the end a summary is printed and the JSON report written.
Ctrl-C (or SIGTERM) stops early: players log out and the report is
still written, flagged interrupted; the exit code is then 98.
A scenario's faults: section injects faults on a schedule (latency, resets,
a crashed game server, ...); those behind the portal need the embedded game.

Exit codes: 0 all thresholds held, 99 a threshold failed, 97 the run is
invalid (nobody logged in or nothing was answered, or the generator was
its own bottleneck), 98 the run was interrupted (stopped before its
planned end; the report says so), 104 bad scenario or configuration,
2 bad usage.

Usage: portalsim run [flags] [scenario.yaml]`

// maxProcs bounds -procs: each child is a whole generator process.
const maxProcs = 256

// runFlags are the run command's flags.
type runFlags struct {
	target, profile, out, schedule, shard string
	junit, csv                            string // extra outputs of the report
	metrics                               string // the Prometheus endpoint's address
	metricsPublic                         bool
	websocketURL, tlsTarget, sshTarget    string
	clients, procs                        int
	duration                              time.Duration
	seed                                  int64
	quiet                                 bool
	runID                                 string // the run's identity, shared by its -procs children
	targetPIDs                            pidList
	logs                                  logFlags
}

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target, "target", "", "host:port of a telnet MUD to load (default: an embedded portal and game server)")
	fs.StringVar(&f.websocketURL, "websocket-url", "", "ws://host:port/ of the websocket door, for the websocket transport (default: the scenario's websocket.url, or the embedded portal's)")
	fs.StringVar(&f.tlsTarget, "tls-target", "", "host:port of the TLS telnet door, for the tls transport (default: the scenario's tls.target, or the embedded portal's telnet-tls door)")
	fs.StringVar(&f.sshTarget, "ssh-target", "", "host:port of the SSH door, for the ssh transport (default: the scenario's ssh.target, or the embedded portal's)")
	fs.Var(&f.targetPIDs, "target-pids", "pids of the target's processes on this machine, comma-separated: their CPU counts as the run's own, not as background load")
	fs.IntVar(&f.clients, "clients", 0, "number of players (closed model), overriding the scenario")
	fs.DurationVar(&f.duration, "duration", 0, "how long the closed model runs, overriding the scenario")
	fs.Int64Var(&f.seed, "seed", 0, "random seed, overriding the scenario: the same seed sends the same commands")
	fs.StringVar(&f.profile, "profile", "", "every player follows this profile (built in: "+strings.Join(dummyrunner.BuiltinProfiles(), ", ")+"; or a file)")
	fs.StringVar(&f.out, "o", "portalsim-report.json", `report file ("" for none)`)
	fs.StringVar(&f.junit, "junit", "", "also write the thresholds and the run's validity as JUnit XML to this file, for CI")
	fs.StringVar(&f.csv, "csv", "", "also write the per-second figures (per action: sent, answered, failed, p50/p90/p99, throughput, clients) as CSV to this file")
	fs.StringVar(&f.metrics, "metrics", "", "serve live Prometheus metrics of the run at http://HOST:PORT/metrics (loopback unless -metrics-public; port 0: a free one, printed)")
	fs.BoolVar(&f.metricsPublic, "metrics-public", false, "allow -metrics on a non-loopback address: the endpoint has no authentication")
	fs.StringVar(&f.schedule, "schedule", "", "write the realized schedule (one JSON line per command) to this file")
	fs.IntVar(&f.procs, "procs", 1, "spread the players over this many child processes, 1 to 256 (beyond ~9,900 players one process runs out of file descriptors)")
	fs.StringVar(&f.shard, "shard", "", "run only shard i of n (\"i/n\", 0-based) of the players; merge the reports with \"portalsim report merge\"")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress line")
	f.logs.register(fs)
	f.logs.level = "warn"
}

// parseInterspersed parses flags before and after the scenario argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", runUsage, stderr)
	var f runFlags
	f.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("run: one scenario file at most, got %q", pos)
	}
	if f.procs < 1 || f.procs > maxProcs {
		return usagef("run: -procs %d: want 1 to %d", f.procs, maxProcs)
	}
	if err := checkMetricsAddr(f.metrics, f.metricsPublic); err != nil {
		return err // before anything starts
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	log, err := f.logs.logger(stderr)
	if err != nil {
		return err
	}
	stopPprof, err := servePprof(f.logs.pprof, f.logs.allowRemote, log) // children of --procs are not given -pprof
	if err != nil {
		return err
	}
	defer stopPprof()

	plan, path, err := loadScenario(pos, f, set)
	if err != nil {
		return err
	}
	sc := plan.Scenario() // as compiled: the defaults filled
	f.runID = newRunID()
	opts := dummyrunner.Options{Target: f.target, Logger: log, TargetPIDs: f.targetPIDs} // a failed login says why, once per step and reason
	if f.shard != "" {
		if opts.First, opts.Count, err = shardRange(f.shard, plan.Sessions()); err != nil {
			return err
		}
	}

	if len(sc.Faults) > 0 && f.procs > 1 {
		return exitErr{ExitInvalidConfig, errors.New("run: a scenario with faults runs in one process: leave out -procs")}
	}
	inProcess := opts.Target == "" && sc.Target == ""
	players := plan.Sessions()
	if opts.Count > 0 {
		players = opts.Count
	}
	fds := fdPlan{limit: nofileLimit(), players: concurrentPlayers(sc, players, f.procs), procs: f.procs, embedded: inProcess}
	if proxied, crowd := sc.FaultConnections(fds.players); proxied+crowd > 0 {
		fds.faults = 2 * proxied // faults run in this one process
		if fds.faults += crowd; inProcess {
			fds.faults += crowd // and the embedded portal's side of each
		}
	}
	if err := fds.check(); err != nil {
		return exitErr{ExitInvalidConfig, fmt.Errorf("run: %w", err)}
	}
	if inProcess {
		stack, err := startEmbedded(ctx, log, sc.NeedsLinkProxy())
		if err != nil {
			return err
		}
		defer stopEmbedded(stack)
		opts.Target = stack.TelnetAddr()
		opts.WebsocketURL, opts.TLSTarget, opts.SSHTarget = stack.WebsocketURL(), stack.TLSAddr(), stack.SSHAddr()
		opts.Backstage = stack
	}
	if opts.Target == "" {
		opts.Target = sc.Target
	}
	fmt.Fprintf(stdout, "portalsim run: scenario %q (%s model, %d players, %s, seed %d) against %s%s\n",
		sc.Name, sc.Model, plan.Sessions(), plan.PlannedDuration(), sc.Seed, opts.Target, map[bool]string{true: " (embedded)"}[inProcess])
	if plan.TransportLabel() != dummyrunner.TransportTelnet {
		fmt.Fprintf(stdout, "transports: %s\n", transportLine(plan, opts))
	}

	live, err := startMetrics(f.metrics, f.metricsPublic, f.procs, runInfo(plan, f, opts.Target, players), log, stderr)
	if err != nil {
		return err
	}
	defer live.stop()
	opts.Observer = live.observer()

	var rep *reports.Report
	if f.procs > 1 {
		rep, err = runProcs(ctx, plan, path, f, opts, live.procs, stdout, stderr)
	} else {
		rep, err = runLocal(ctx, plan, f, opts, stdout, inProcess)
	}
	if err != nil {
		return err
	}
	rep.Meta.Shard = f.shard
	rep.Meta.RunID, rep.Meta.Shards = f.runID, nil // the children's parts make up this process's
	if f.shard != "" {
		id, _ := parseShard(f.shard) // checked by shardRange above
		rep.Meta.Shards = []reports.ShardID{id}
	}
	if f.procs > 1 {
		rep.Check(plan.Thresholds()) // the merge of the children's reports (each was checked alone)
	}
	fmt.Fprintln(stdout)
	if err := render.Text(stdout, rep); err != nil {
		return err
	}
	if f.out != "" {
		if err := rep.WriteFile(f.out); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		fmt.Fprintf(stdout, "report: %s\n", f.out)
	}
	for _, o := range []struct {
		path, what string
		write      func(io.Writer, *reports.Report) error
	}{{f.junit, "junit", render.JUnit}, {f.csv, "csv", render.CSV}} {
		if o.path == "" {
			continue
		}
		if err := writeOutput(o.path, func(w io.Writer) error { return o.write(w, rep) }); err != nil {
			return fmt.Errorf("write %s: %w", o.what, err)
		}
		fmt.Fprintf(stdout, "%s: %s\n", o.what, o.path)
	}
	switch {
	case rep.Meta.Interrupted:
		return exitErr{ExitInterrupted, fmt.Errorf("run interrupted after %s of %s: the report covers only part of the run", rep.Meta.Duration.Round(time.Second), plan.PlannedDuration())}
	case !rep.Meta.Valid:
		return exitErr{ExitInvalidRun, fmt.Errorf("run invalid: %s", strings.Join(rep.Meta.InvalidReasons, "; "))}
	case !rep.Passed():
		return exitErr{ExitThresholds, errors.New("thresholds failed")}
	}
	return nil
}

// loadScenario reads the scenario (or the default), applies the
// overrides of the flags and compiles it.
func loadScenario(pos []string, f runFlags, set map[string]bool) (*dummyrunner.Plan, string, error) {
	var sc *dummyrunner.Scenario
	var path, dir string
	var err error
	if len(pos) == 1 {
		path, dir = pos[0], filepath.Dir(pos[0])
		if sc, err = dummyrunner.LoadScenario(path); err != nil {
			return nil, "", exitErr{ExitInvalidConfig, err}
		}
	} else {
		sc = dummyrunner.DefaultScenario()
	}
	if set["clients"] {
		sc.Clients = f.clients
	}
	if set["duration"] {
		sc.Duration = f.duration
	}
	if set["seed"] {
		sc.Seed = f.seed
	}
	if set["target"] {
		sc.Target = f.target
	}
	if set["websocket-url"] {
		sc.Websocket.URL = f.websocketURL
	}
	if set["tls-target"] {
		sc.TLS.Target = f.tlsTarget
	}
	if set["ssh-target"] {
		sc.SSH.Target = f.sshTarget
	}
	if f.profile != "" {
		sc.Profiles = map[string]float64{f.profile: 1}
		sc.Session.Profile = ""
		if strings.ContainsAny(f.profile, "/.") {
			sc.ProfileFiles = append(sc.ProfileFiles, f.profile)
			p, err := dummyrunner.LoadProfile(f.profile)
			if err != nil {
				return nil, "", exitErr{ExitInvalidConfig, err}
			}
			sc.Profiles = map[string]float64{p.Name: 1}
		}
	}
	plan, err := sc.Compile(dir)
	if err != nil {
		return nil, "", exitErr{ExitInvalidConfig, err}
	}
	return plan, path, nil
}

// parseShard parses "i/n", 0 <= i < n.
func parseShard(s string) (reports.ShardID, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return reports.ShardID{}, usagef("-shard %q: want i/n with 0 <= i < n", s)
	}
	return reports.ShardID{Index: i, Count: n}, nil
}

// newRunID returns a random run id (16 hex digits), shared by a run's
// processes: it tells their reports from another run's.
func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// shardRange turns "i/n" into the players of shard i.
func shardRange(s string, total int) (first, count int, err error) {
	id, err := parseShard(s)
	if err != nil {
		return 0, 0, err
	}
	i, n := id.Index, id.Count
	first = i * total / n
	count = (i+1)*total/n - first
	if count == 0 { // a runner given no count runs every player
		return 0, 0, usagef("-shard %q: shard %d of %d has none of the %d players: use %d shards at most", s, i, n, total, total)
	}
	return first, count, nil
}

// runLocal runs the players in this process.
func runLocal(ctx context.Context, plan *dummyrunner.Plan, f runFlags, opts dummyrunner.Options, stdout io.Writer, shared bool) (*reports.Report, error) {
	if f.schedule != "" {
		file, err := os.Create(f.schedule)
		if err != nil {
			return nil, err
		}
		defer file.Close()
		opts.Schedule = file
	}
	var progress func(context.Context, func(time.Time) dummyrunner.Progress)
	if !f.quiet {
		progress = func(ctx context.Context, snap func(time.Time) dummyrunner.Progress) {
			dummyrunner.ShowProgress(ctx, stdout, terminalWidth(stdout), snap)
		}
	}
	rep, err := dummyrunner.Execute(ctx, plan, opts, newMeta(plan, "", f), shared, progress)
	if rep == nil && err != nil {
		return nil, exitErr{ExitInvalidConfig, err}
	}
	return rep, err
}

func newMeta(plan *dummyrunner.Plan, target string, f runFlags) reports.Meta {
	sc := plan.Scenario()
	return reports.Meta{
		RunID:       f.runID,
		Scenario:    sc.Name,
		Description: sc.Description,
		Seed:        sc.Seed,
		Version:     versionString(),
		Commit:      commitString(),
		Target:      target,
		Protocol:    plan.TransportLabel(),
		Model:       sc.Model,
		Machine:     reports.CurrentMachine(),
		Procs:       max(f.procs, 1),
	}
}

// runInfo identifies the run for the live metrics: players are this
// process's (a shard's share of the run's), and the processes those
// that run them.
func runInfo(plan *dummyrunner.Plan, f runFlags, target string, players int) livemetrics.RunInfo {
	sc := plan.Scenario()
	return livemetrics.RunInfo{
		Scenario: sc.Name, RunID: f.runID, Shard: f.shard, Target: target, Model: sc.Model, Protocol: plan.TransportLabel(),
		Version: versionString(), Seed: sc.Seed, Start: time.Now(), Planned: plan.PlannedDuration(),
		Clients: players, Procs: childCount(f.procs, players),
	}
}

// terminalWidth is the width of the terminal w is, or 0 when w is not a
// terminal (a file, a pipe, /dev/null): the live progress line rewrites
// itself only on a terminal, and is cut to its width.
// golang.org/x/term asks the terminal itself (a character device such as
// /dev/null is no terminal).
func terminalWidth(w io.Writer) int {
	file, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return 0
	}
	width, _, err := term.GetSize(int(file.Fd()))
	if err != nil || width <= 0 {
		return 80
	}
	return width
}

// The embedded game is what the faults behind the portal act on.
var _ dummyrunner.Backstage = (*embedded.Stack)(nil)

// startEmbedded starts a portal and game server in this process, set up
// the way Evennia's dummyrunner settings mixin sets up a game for load
// tests: no connect throttle, no command rate limit, cheap password
// hashing; and no login timeout (players wait their turn to log in,
// login_concurrency at a time, however long that takes); every door open
// (embedded.LoadTestPortal). With linkProxy, a fault proxy on the link.
func startEmbedded(ctx context.Context, log *slog.Logger, linkProxy bool) (*embedded.Stack, error) {
	w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
	if err != nil {
		return nil, err
	}
	pcfg := embedded.LoadTestPortal(log)
	if pcfg.Protocols, err = outboundProtocols(log); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := embedded.Start(ctx, embedded.Config{
		Portal:    pcfg,
		Sim:       sim.Config{World: w, Logger: log, RedialMin: 10 * time.Millisecond},
		LinkProxy: linkProxy,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded game: %w", err)
	}
	return st, nil
}

// stopEmbedded shuts an embedded stack down.
func stopEmbedded(st *embedded.Stack) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = st.Shutdown(ctx)
}

// transportLine names each transport's share of the players and its door.
func transportLine(plan *dummyrunner.Plan, opts dummyrunner.Options) string {
	sc := plan.Scenario()
	doors := map[string]string{
		dummyrunner.TransportTelnet:      opts.Target,
		dummyrunner.TransportTelnetMCCP2: opts.Target,
		dummyrunner.TransportTelnetGMCP:  opts.Target,
		dummyrunner.TransportWebsocket:   cmp.Or(opts.WebsocketURL, sc.Websocket.URL),
		dummyrunner.TransportTLS:         cmp.Or(opts.TLSTarget, sc.TLS.Target),
		dummyrunner.TransportSSH:         cmp.Or(opts.SSHTarget, sc.SSH.Target),
	}
	var parts []string
	for _, name := range dummyrunner.TransportNames() {
		if plan.Uses(name) {
			parts = append(parts, fmt.Sprintf("%s %.0f%% (%s)", name, 100*plan.TransportShare(name), doors[name]))
		}
	}
	return strings.Join(parts, ", ")
}

// writeOutput writes the named file with write, buffered.
func writeOutput(path string, write func(io.Writer) error) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(file)
	if err := write(bw); err != nil {
		_ = file.Close() // the write error is the one to report
		return err
	}
	if err := bw.Flush(); err != nil {
		_ = file.Close()
		return err
	}
	return file.Close()
}
