package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/portalsim/portalsim/internal/procstack"
	"github.com/portalsim/portalsim/internal/storm"
)

const benchStormUsage = `Open connections to a portal as fast as possible and measure what it takes on.

Throttle off (-max-connection-rate 0, the default): accepted connections
per second, "accepted" meaning the portal's first byte arrived (its telnet
offer, written once the connection is a session past the throttle), and
the connect-to-banner time. Throttle on (-max-connection-rate R): every
connection sends the echo probe, answered once the throttle released it;
answers per second in the window are the release rate, compared with R.
-hold N: open N connections, keep them all, probe every one, report;
exit 97 if any of them did not answer.

Without -target it starts "portalsim portal" and "portalsim server" as
processes of their own (random loopback ports, a temporary link secret),
and reports their CPU time (and, with -hold, the portal's memory and
descriptors while it holds them).

Usage: portalsim bench storm [flags]`

// stormFlags are the flags of "bench storm".
type stormFlags struct {
	target   string
	rate     float64
	duration time.Duration
	warmup   time.Duration
	dialers  int
	sources  int
	hold     int
	conns    int
	probe    bool
	timeout  time.Duration
	json     string
	pprof    string
}

func (f *stormFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target, "target", "", "host:port of a portal's telnet door to storm; empty: start a portal and a game server here")
	fs.Float64Var(&f.rate, "max-connection-rate", 0, "the portal's connect throttle, sessions released per second (set on the portal started here; with -target, the target's setting to compare with); 0: off")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to storm, warm-up included")
	fs.DurationVar(&f.warmup, "warmup", 2*time.Second, "the start of the storm left out of the rates")
	fs.IntVar(&f.dialers, "dialers", storm.DefaultDialers, "goroutines dialling at once, one connection each at a time")
	fs.IntVar(&f.sources, "sources", 16, "source addresses in 127.0.0.0/8 to dial from, for a loopback target (1 to 254)")
	fs.IntVar(&f.conns, "conns", 0, "stop after this many connections, before -duration if sooner (a fixed count, to count the portal's work per connection); 0: no limit")
	fs.IntVar(&f.hold, "hold", 0, "open this many connections, keep them all, and check each answers the echo probe")
	fs.BoolVar(&f.probe, "probe", false, "send the echo probe on each connection and wait for its answer (always with a throttle)")
	fs.DurationVar(&f.timeout, "timeout", storm.DefaultTimeout, "bound on each connection's wait for the first byte, and for the probe's answer")
	fs.StringVar(&f.json, "json", "", "also write the figures to this file as JSON")
	fs.StringVar(&f.pprof, "portal-pprof", "", "serve the started portal's profiler on this loopback host:port (-pprof of portalsim portal)")
}

// stormReport is the JSON of "bench storm".
type stormReport struct {
	Date    time.Time `json:"date"`
	Command string    `json:"command"`
	CPUs    int       `json:"cpus"`
	// LoadAvg is /proc/loadavg when the storm began: a shared machine shows here.
	LoadAvg string `json:"loadavg,omitempty"`
	// Started: the portal and game server were started here, in processes of their own.
	Started bool `json:"started"`
	// Setting is the throttle's rate (0: off); Deviation the measured
	// release rate's relative distance from it.
	// Deviation is absent when there is no release rate to compare: no
	// throttle, or an empty measurement window.
	Setting   float64            `json:"max_connection_rate"`
	Deviation *float64           `json:"release_rate_deviation,omitempty"`
	Storm     *storm.Summary     `json:"storm,omitempty"`
	Hold      *storm.HoldSummary `json:"hold,omitempty"`
	// Portal and Server are the processes' CPU time during the storm,
	// and (with -hold) the portal's memory and descriptors while holding.
	Portal *procstack.Stat `json:"portal,omitempty"`
	Server *procstack.Stat `json:"server,omitempty"`
}

func runBenchStorm(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench storm", benchStormUsage, stderr)
	var f stormFlags
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	rep := stormReport{Date: time.Now().UTC(), Command: "portalsim bench storm " + strings.Join(args, " "), CPUs: runtime.NumCPU(), Setting: max(f.rate, 0)}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		rep.LoadAvg = strings.TrimSpace(string(b))
	}
	target := f.target
	var st *procstack.Stack
	if target == "" {
		var err error
		if st, err = startStormStack(ctx, rep.Setting, f.pprof); err != nil {
			return err
		}
		rep.Started = true
		target = st.TelnetAddr
	}
	err := f.measure(ctx, target, st, &rep)
	if st != nil {
		err = errors.Join(err, st.Stop())
	}
	if err != nil {
		return err
	}
	printStorm(stdout, &rep)
	if f.json != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.json, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if h := rep.Hold; h != nil && h.Answered < h.Wanted {
		// -hold checks that each connection answers: a silent one fails it.
		return exitErr{ExitInvalidRun, fmt.Errorf("bench storm: -hold %d: %d held connections answered the echo probe (see the output)", h.Wanted, h.Answered)}
	}
	return nil
}

// check validates the flags, each problem named.
func (f *stormFlags) check() error {
	var errs []error
	switch {
	case f.hold < 0:
		errs = append(errs, fmt.Errorf("-hold %d: want 0 or more", f.hold))
	case f.hold > 0:
		if lim := nofileLimit(); lim > 0 && f.hold > lim-fdHeadroom {
			errs = append(errs, fmt.Errorf("-hold %d: this process's descriptor limit (RLIMIT_NOFILE) is %d, %d kept for other files: hold at most %d here, or run several storms", f.hold, lim, fdHeadroom, lim-fdHeadroom))
		}
	case f.duration <= f.warmup:
		errs = append(errs, fmt.Errorf("-duration %v: want longer than -warmup %v", f.duration, f.warmup))
	}
	if f.conns < 0 {
		errs = append(errs, fmt.Errorf("-conns %d: want 0 or more", f.conns))
	}
	if f.rate < 0 {
		errs = append(errs, fmt.Errorf("-max-connection-rate %v: want 0 (off) or more", f.rate))
	}
	if f.sources < 1 || f.sources > 254 {
		errs = append(errs, fmt.Errorf("-sources %d: want 1 to 254", f.sources))
	}
	if f.dialers < 1 || f.dialers > 100_000 {
		errs = append(errs, fmt.Errorf("-dialers %d: want 1 to 100000", f.dialers))
	}
	if f.warmup < 0 {
		errs = append(errs, fmt.Errorf("-warmup %v: want 0 or more", f.warmup))
	}
	if f.timeout <= 0 {
		errs = append(errs, fmt.Errorf("-timeout %v: want more than 0", f.timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return usagef("bench storm: %w", err)
	}
	return nil
}

// startStormStack starts "portalsim portal" and "portalsim server" as
// processes of their own, the portal's connect throttle at rate (0: off)
// and the other limits off, the game's login screen at once. pprof, if
// set, is the portal's -pprof address.
func startStormStack(ctx context.Context, rate float64, pprof string) (*procstack.Stack, error) {
	cfg := procstack.StackConfig{MaxConnectionRate: rate, ServerArgs: []string{"-login-delay", "0"},
		StartTimeout: 10 * time.Second, StopGrace: 5 * time.Second}
	if pprof != "" {
		cfg.PortalArgs = []string{"-pprof", pprof}
	}
	return procstack.StartStack(ctx, cfg)
}

// readStat is what /proc says of pid; what it cannot read stays 0.
func readStat(pid int) procstack.Stat {
	st, _ := procstack.ReadStat(pid)
	return st
}

// measure runs the storm (or the hold) against target, with the stack
// it started (nil with -target), into rep.
func (f *stormFlags) measure(ctx context.Context, target string, st *procstack.Stack, rep *stormReport) error {
	cfg := storm.Config{Target: target, Dialers: f.dialers, Timeout: f.timeout, Conns: f.hold}
	if f.hold == 0 {
		cfg.Conns = f.conns
		cfg.Duration = f.duration
		cfg.Probe = f.probe || f.rate > 0
	}
	if storm.IsLoopbackTarget(target) {
		cfg.Sources = storm.LoopbackSources(f.sources)
	}
	if err := cfg.Validate(); err != nil {
		return usagef("bench storm: %w", err)
	}
	if err := awaitAnswer(ctx, target, f.timeout); err != nil {
		return err
	}
	var before [2]procstack.Stat
	if st != nil {
		pp, sp := st.PIDs()
		before = [2]procstack.Stat{readStat(pp), readStat(sp)}
	}
	after := func() {
		if st == nil {
			return
		}
		pp, sp := st.PIDs()
		p, s := readStat(pp), readStat(sp)
		p.CPU -= before[0].CPU
		s.CPU -= before[1].CPU
		rep.Portal, rep.Server = &p, &s
	}
	if f.hold > 0 {
		s := storm.Hold(ctx, cfg, func(storm.HoldSummary) { after() })
		rep.Hold = &s
		return ctx.Err()
	}
	agg := storm.NewAggregate(cfg, f.warmup, f.duration-f.warmup)
	for r := range storm.Storm(ctx, cfg) {
		agg.Add(r)
	}
	after()
	s := agg.Close()
	rep.Storm = &s
	if f.rate > 0 && s.Window > 0 {
		// No answer in the window is a release rate of 0: -100%, not a pass.
		d := s.AnswerRate/f.rate - 1
		rep.Deviation = &d
	}
	return ctx.Err()
}

// awaitAnswer waits until target answers the echo probe: the game server
// is linked (a portal started here takes a moment to get its server).
func awaitAnswer(ctx context.Context, target string, timeout time.Duration) error {
	deadline := time.Now().Add(max(timeout, 10*time.Second))
	var last storm.Result
	for time.Now().Before(deadline) {
		for r := range storm.Storm(ctx, storm.Config{Target: target, Conns: 1, Dialers: 1, Probe: true, Timeout: 2 * time.Second}) {
			last = r
		}
		if last.Stage == storm.StageNone {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("bench storm: %s does not answer the echo probe (%v: %w); is a game server linked?", target, last.Stage, last.Err)
}

// allOf says "all" when n is all of total, else "n of total".
func allOf(n, total int) string {
	if n == total {
		return "all"
	}
	return fmt.Sprintf("%d of %d", n, total)
}

// printStorm writes rep as text.
func printStorm(w io.Writer, rep *stormReport) {
	where := "target"
	if rep.Started {
		where = "portalsim portal + server started here, each in its own process"
	}
	throttle := "throttle off"
	if rep.Setting > 0 {
		throttle = fmt.Sprintf("throttle %g/s", rep.Setting)
	}
	fmt.Fprintf(w, "bench storm: %d CPUs, load average %s when it began\n", rep.CPUs, rep.LoadAvg)
	if h := rep.Hold; h != nil {
		fmt.Fprintf(w, "hold %s (%s), %s, %d dialers, %d source addresses\n", h.Target, where, throttle, h.Dialers, h.Sources)
		fmt.Fprintf(w, "  held %d of %d connected at once, %d answered the echo probe%s\n", h.Connected, h.Wanted, h.Answered, failedText(h.Failed))
		fmt.Fprintf(w, "  %s connected in %v; %s answered in %v\n", allOf(h.Connected, h.Wanted), h.ConnectAll.Round(time.Millisecond),
			allOf(h.Answered, h.Connected), h.ProbeAll.Round(time.Millisecond))
		fmt.Fprintf(w, "  connect-to-banner %s\n", pctText(h.ToBanner))
		fmt.Fprintf(w, "  probe-to-answer   %s\n", pctText(h.ProbeWait))
		if p := rep.Portal; p != nil {
			fmt.Fprintf(w, "  portal while holding: %d descriptors, RSS %.1f MiB (%.1f KiB per session), CPU %v since the first dial; server CPU %v\n",
				p.FDs, float64(p.RSS)/(1<<20), float64(p.RSS)/1024/float64(max(h.Connected, 1)), p.CPU, rep.Server.CPU)
		}
		return
	}
	s := rep.Storm
	fmt.Fprintf(w, "storm %s (%s), %s, %d dialers, %d source addresses, %v (rates over the %v from %v)\n",
		s.Target, where, throttle, s.Dialers, s.Sources, s.Elapsed.Round(time.Millisecond), s.Window.Round(time.Millisecond), s.WindowStart)
	fmt.Fprintf(w, "  attempted %d, accepted %d, answered %d, queued %d%s\n", s.Attempted, s.Accepted, s.Answered, s.Queued, failedText(s.Failed))
	if s.Window <= 0 {
		fmt.Fprintf(w, "  accepted/s: none measured: the window is empty (the storm was over within -warmup %v; a longer storm or -warmup 0 measures it)\n", s.WindowStart.Round(time.Millisecond))
	} else {
		fmt.Fprintf(w, "  accepted/s %.1f (%d first bytes in the window)\n", s.AcceptRate, s.AcceptedInWindow)
	}
	if s.Probe {
		fmt.Fprintf(w, "  answered/s %.1f (%d answers in the window, %d of them queued first)\n", s.AnswerRate, s.AnsweredInWindow, s.QueuedInWindow)
	}
	if rep.Setting > 0 && rep.Deviation == nil {
		fmt.Fprintf(w, "  release rate: none measured against the setting %g/s: the window is empty (the storm was over within -warmup %v)\n", rep.Setting, s.WindowStart)
	}
	if rep.Setting > 0 && rep.Deviation != nil {
		fmt.Fprintf(w, "  release rate %.2f/s against the setting %g/s: %+.2f%% (target: within 1%%)\n", s.AnswerRate, rep.Setting, 100**rep.Deviation)
		// A session that finds the queue empty but the rate spent waits
		// without the notice; more than 1% without it means the throttle
		// went idle: the dialers did not keep it busy.
		if unq := s.AnsweredInWindow - s.QueuedInWindow; unq*100 > s.AnsweredInWindow {
			fmt.Fprintf(w, "  note: %d answered connections of the window were not told they queued: the throttle was idle at times, so this rate is a floor; add -dialers\n", unq)
		}
	}
	fmt.Fprintf(w, "  tcp connect       %s\n", pctText(s.TCPConnect))
	fmt.Fprintf(w, "  connect-to-banner %s\n", pctText(s.ToBanner))
	if s.Probe {
		fmt.Fprintf(w, "  connect-to-answer %s\n", pctText(s.ToAnswer))
	}
	if p := rep.Portal; p != nil && s.Accepted > 0 {
		fmt.Fprintf(w, "  CPU: portal %v (%.1f µs per accepted connection), server %v\n",
			p.CPU.Round(time.Millisecond), float64(p.CPU.Microseconds())/float64(s.Accepted), rep.Server.CPU.Round(time.Millisecond))
	}
}

func pctText(p storm.Percentiles) string {
	if p.N == 0 {
		return "-"
	}
	r := func(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (n=%d)", r(p.P50), r(p.P90), r(p.P99), r(p.P999), r(p.Max), p.N)
}

func failedText(failed map[string]int) string {
	if len(failed) == 0 {
		return ", none failed"
	}
	s := storm.Summary{Failed: failed}
	parts := make([]string, 0, len(failed))
	for _, k := range s.FailedKeys() {
		parts = append(parts, fmt.Sprintf("%s %d", k, failed[k]))
	}
	return fmt.Sprintf(", failed %d (%s)", s.FailedTotal(), strings.Join(parts, ", "))
}
