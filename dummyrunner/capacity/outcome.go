package capacity

import (
	"fmt"
	"slices"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

// Outcome is what one trial found: whether the game held the SLO at the
// level, the key figures of its steady window, and whether the generator
// was healthy.
type Outcome struct {
	// Level is the trial's level (players, or a rate).
	Level float64 `json:"level"`
	// Held says every threshold of the SLO held, and every planned
	// player logged in.
	Held bool `json:"held"`
	// Broken says why the trial did not hold: the failed thresholds with
	// their actual values, players that never logged in, nothing
	// measured.
	Broken []string `json:"broken,omitempty"`
	// GeneratorProblems says why the generator was its own bottleneck
	// (see [dummyrunner.GeneratorProblems]); empty when it was healthy.
	GeneratorProblems []string `json:"generator_problems,omitempty"`
	// P50, P90, P99 and P999 are the latency percentiles of every
	// command answered in the steady window.
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	// Throughput is the commands answered per second of the steady window.
	Throughput float64 `json:"throughput"`
	// Errors is the failed commands of the whole trial.
	Errors int64 `json:"errors"`
	// Lost is the lost players of the whole trial.
	Lost int64 `json:"lost"`
	// Players is the planned players; LoggedIn how many logged in.
	Players  int64 `json:"players"`
	LoggedIn int64 `json:"logged_in"`
	// Window is the steady window's length: the seconds after every
	// player logged in and before anyone logged out (the whole trial
	// when it has none, as in the open model).
	Window time.Duration `json:"window_ns"`
	// Duration is the whole trial's.
	Duration time.Duration `json:"duration_ns"`
}

// Healthy reports whether the generator was healthy in the trial.
func (o *Outcome) Healthy() bool { return len(o.GeneratorProblems) == 0 }

// Judge reads the report of one trial into an Outcome: the SLO's
// thresholds are checked on the trial's steady window (see [Steady]; window
// is the trial's, [dummyrunner.Options].SteadyFor),
// the generator's health by the scenario's limits. The report's own
// thresholds (the scenario's) are left as Execute checked them. A
// closed-model trial without a steady second (see [Steady]) breaks: its
// only latencies are those of the logins and logouts, so the SLO was not
// measured.
func Judge(rep *reports.Report, slo []reports.Threshold, health dummyrunner.Health, window time.Duration) Outcome {
	steady, steadyLen := Steady(rep, window)
	noSteady := rep.Meta.Model != dummyrunner.ModelOpen && steady == rep
	if steady == rep {
		steady = rep.Clone() // Check records its results: leave rep's own as they are
	}
	all := rep.Totals()
	o := Outcome{
		GeneratorProblems: dummyrunner.GeneratorProblems(&rep.Generator, health),
		Errors:            all.FailedTotal(),
		Lost:              rep.Clients.LostTotal(),
		Players:           rep.Clients.Planned,
		LoggedIn:          rep.Clients.LoggedIn,
		Window:            steadyLen,
		Duration:          rep.Meta.Duration,
	}
	t := steady.Totals()
	o.P50, o.P90, o.P99, o.P999 = t.Latency.Quantile(0.50), t.Latency.Quantile(0.90), t.Latency.Quantile(0.99), t.Latency.Quantile(0.999)
	if steadyLen > 0 {
		o.Throughput = float64(t.Latency.Count()) / steadyLen.Seconds()
	}
	if rep.Meta.Model != dummyrunner.ModelOpen && o.LoggedIn < o.Players {
		o.Broken = append(o.Broken, fmt.Sprintf("%d of %d players logged in", o.LoggedIn, o.Players))
	}
	switch {
	case noSteady:
		// No whole second between the last login and the first logout:
		// the only latencies are those of the logins and logouts.
		o.Broken = append(o.Broken, fmt.Sprintf("no steady second between the logins and the logouts (a steady window of %v asked): the SLO was not measured", window))
	case t.Latency.Count() == 0:
		o.Broken = append(o.Broken, "no command was answered in the steady window")
	}
	// Whatever else made the report invalid (its accounting does not add
	// up, a process of a -procs run failed) leaves the SLO unmeasured;
	// the generator's problems are its health, judged by the search.
	for _, r := range rep.Meta.InvalidReasons {
		if !slices.Contains(o.GeneratorProblems, r) {
			o.Broken = append(o.Broken, "the trial's report is invalid: "+r)
		}
	}
	for _, res := range steady.Check(slo) {
		switch {
		case res.Err != "":
			o.Broken = append(o.Broken, fmt.Sprintf("%s: %s", res.Expr, res.Err))
		case !res.Pass:
			o.Broken = append(o.Broken, fmt.Sprintf("%s (actual %s)", res.Expr, res.Actual))
		}
	}
	o.Held = len(o.Broken) == 0
	return o
}

// Steady returns a view of rep for the SLO of a capacity trial, and the
// length of its steady window: the last whole seconds of the timeline
// that ended with the most players logged in (so the logout burst does
// not count), at most window minus one of them (the window ran from the
// moment every login settled, within a second, to the end: see
// [dummyrunner.Options].SteadyFor), and none before the one in which the
// most players were first logged in (so the login burst does not count).
// In the view, each action's latency and answered count are those of
// its commands answered in those seconds, and the run's duration is the
// window's (so a throughput threshold measures the window); every other
// count (sent, failed, lost, checks) and every other histogram (ttfb,
// corrected, phases, lag) is the whole trial's, so the view does not
// keep Sent == Answered + failed.
// Without such seconds (the open model, a window under two seconds, a
// trial too short) the view is rep itself, and the window the whole
// trial.
func Steady(rep *reports.Report, window time.Duration) (*reports.Report, time.Duration) {
	first, last := -1, -1
	var peak int64
	for i, iv := range rep.Timeline {
		switch {
		case iv.LoggedIn > peak:
			peak, first, last = iv.LoggedIn, i, i
		case iv.LoggedIn == peak && peak > 0:
			last = i
		}
	}
	from := max(first+1, last+2-int(window/time.Second))
	if rep.Meta.Model == dummyrunner.ModelOpen || first < 0 || from > last {
		return rep, rep.Meta.Duration
	}
	view := rep.Clone()
	for _, a := range view.Actions {
		a.Latency = reports.NewHistogram()
	}
	for _, iv := range rep.Timeline[from : last+1] {
		for name, h := range iv.Actions {
			view.Action(name).Latency.Merge(h)
		}
	}
	for _, a := range view.Actions {
		a.Answered = a.Latency.Count()
	}
	view.Meta.Duration = time.Duration(last+1-from) * time.Second
	return view, view.Meta.Duration
}
