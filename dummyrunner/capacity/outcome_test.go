package capacity

import (
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

// trialReport is a report of a closed-model trial of 4 players: logins
// in seconds 0-1 (looks at 100ms), a steady window in seconds 2-5 (looks
// at 1ms), logouts in second 6 (at 500ms).
func trialReport(t *testing.T) *reports.Report {
	t.Helper()
	rep := reports.New(reports.Meta{Model: dummyrunner.ModelClosed, Duration: 7 * time.Second})
	rep.Clients.Planned, rep.Clients.LoggedIn = 4, 4
	loggedIn := []int64{2, 4, 4, 4, 4, 4, 0}
	for s, n := range loggedIn {
		iv := rep.IntervalAt(s)
		iv.LoggedIn = n
		d, action := time.Millisecond, "looks"
		switch {
		case s < 2:
			d = 100 * time.Millisecond
		case s == 6:
			d, action = 500*time.Millisecond, "logout"
		}
		for range 10 {
			iv.ActionLatency(action).Record(d)
			rep.Action(action).Latency.Record(d)
		}
		rep.Action(action).Sent += 10
		rep.Action(action).Answered += 10
	}
	return rep
}

func mustThresholds(t *testing.T, exprs ...string) []reports.Threshold {
	t.Helper()
	ts, err := reports.ParseThresholds(exprs)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestSteadyWindow(t *testing.T) {
	t.Parallel()
	rep := trialReport(t)
	for _, tt := range []struct {
		window     time.Duration
		wantWindow time.Duration
		wantP99    time.Duration
	}{
		{10 * time.Second, 4 * time.Second, time.Millisecond},  // seconds 2-5: after the first full second, before the logouts
		{3 * time.Second, 2 * time.Second, time.Millisecond},   // the last two of them
		{time.Second, 7 * time.Second, 500 * time.Millisecond}, // too short: the whole trial
	} {
		view, window := Steady(rep, tt.window)
		if window != tt.wantWindow {
			t.Errorf("window %v: got a steady window of %v, want %v", tt.window, window, tt.wantWindow)
		}
		tot := view.Totals()
		if got := tot.Latency.Quantile(0.99); got.Round(time.Millisecond) != tt.wantP99 {
			t.Errorf("window %v: got p99 %v, want %v", tt.window, got, tt.wantP99)
		}
		if tot.Sent != 70 {
			t.Errorf("window %v: got %d sent, want the whole trial's 70", tt.window, tot.Sent)
		}
	}
	if rep.Totals().Latency.Count() != 70 {
		t.Error("Steady changed the report")
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	health := dummyrunner.Health{MaxTimerLateness: 250 * time.Millisecond, MaxCPU: 0.95}
	o := Judge(trialReport(t), mustThresholds(t, "p99(*) < 50ms", "errors == 0"), health, 10*time.Second)
	if !o.Held || !o.Healthy() || o.Window != 4*time.Second || o.Throughput != 10 || o.P99.Round(time.Millisecond) != time.Millisecond {
		t.Errorf("steady trial: got %+v, want held, healthy, 4s window at 10/s, p99 1ms", o)
	}

	o = Judge(trialReport(t), mustThresholds(t, "p99(*) < 500us"), health, 10*time.Second)
	if o.Held || len(o.Broken) != 1 || !strings.Contains(o.Broken[0], "p99(*) < 500us (actual") {
		t.Errorf("tight SLO: got held %v, broken %q", o.Held, o.Broken)
	}

	// Throughput is the steady window's: 40 looks in 4 s, not the
	// whole trial's 70 commands over a long run's 70 s.
	rep := trialReport(t)
	rep.Meta.Duration = 70 * time.Second
	o = Judge(rep, mustThresholds(t, "throughput >= 10"), health, 10*time.Second)
	if !o.Held {
		t.Errorf("throughput over the steady window: got broken %q, want held at 10/s", o.Broken)
	}
	if rep.Meta.Duration != 70*time.Second || rep.Totals().Answered != 70 {
		t.Error("Judge changed the report")
	}

	rep = trialReport(t)
	rep.Clients.Planned = 5
	rep.Generator.CPUMean = 0.99
	o = Judge(rep, mustThresholds(t, "p99(looks) < 50ms", "p99(teleport) < 1s"), health, 10*time.Second)
	if o.Held || o.Healthy() {
		t.Errorf("got held %v healthy %v, want neither", o.Held, o.Healthy())
	}
	for _, want := range []string{"4 of 5 players logged in", `unknown action "teleport"`} {
		if !strings.Contains(strings.Join(o.Broken, "; "), want) {
			t.Errorf("broken %q lacks %q", o.Broken, want)
		}
	}

	// A report whose accounting does not add up measured nothing to hold
	// the SLO with; the generator's own problems are its health, not this.
	rep = trialReport(t)
	rep.Generator.CPUMean = 0.99
	rep.Meta.Valid = false
	rep.Meta.InvalidReasons = append(dummyrunner.GeneratorProblems(&rep.Generator, health), "2 clients never reported an end")
	o = Judge(rep, mustThresholds(t, "p99(*) < 50ms"), health, 10*time.Second)
	if o.Held || len(o.Broken) != 1 || o.Broken[0] != "the trial's report is invalid: 2 clients never reported an end" {
		t.Errorf("invalid report: got held %v, broken %q; want broken by its invalid reason alone", o.Held, o.Broken)
	}
}

func TestAt(t *testing.T) {
	t.Parallel()
	closed, err := dummyrunner.DefaultScenario().Compile("")
	if err != nil {
		t.Fatal(err)
	}
	sc := closed.Scenario() // 50 players, timestep 1s, chance_of_action 0.5
	got, err := At(sc, KnobClients, 123)
	if err != nil || got.Clients != 123 || sc.Clients != 50 {
		t.Errorf("clients: got %d (%v), base %d; want 123 and the base untouched", got.Clients, err, sc.Clients)
	}
	got, err = At(sc, KnobRate, 100) // 50 × 0.5 / 100 per second: a tick every 250ms on average, 0.95 × the timestep
	if want := dummyrunner.TimestepFor(250 * time.Millisecond); err != nil || got.Pacing.Timestep != want {
		t.Errorf("rate: got timestep %v (%v), want %v", got.Pacing.Timestep, err, want)
	}
	if _, err := At(sc, KnobRate, 1e12); err == nil || !strings.Contains(err.Error(), "timestep") {
		t.Errorf("an impossible rate: got %v", err)
	}
	if _, err := At(sc, KnobClients, 0); err == nil {
		t.Error("level 0: no error")
	}

	open := sc.Clone()
	open.Model = dummyrunner.ModelOpen
	open.Stages = []dummyrunner.Stage{{Duration: time.Second, Target: 2}, {Duration: time.Second, Target: 4}, {Duration: time.Second, Target: 0}}
	got, err = At(open, KnobRate, 10)
	if err != nil || got.Stages[0].Target != 5 || got.Stages[1].Target != 10 || got.Stages[2].Target != 0 {
		t.Errorf("open rate: got %+v (%v), want the stages scaled to a peak of 10", got.Stages, err)
	}
	if _, err := At(open, KnobClients, 10); err == nil || !strings.Contains(err.Error(), "vary rate") {
		t.Errorf("players of the open model: got %v", err)
	}
	if _, err := ParseKnob("speed"); err == nil {
		t.Error("ParseKnob(speed): no error")
	}
	if u := KnobRate.Unit(dummyrunner.ModelOpen); u != "sessions/s" {
		t.Errorf("open rate unit %q", u)
	}
}

func TestParseResolution(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in       string
		value    float64
		relative bool
		bad      bool
	}{
		{in: "5%", value: 0.05, relative: true},
		{in: " 0.5% ", value: 0.005, relative: true},
		{in: "50", value: 50},
		{in: "2.5", value: 2.5},
		{in: "0%", bad: true},
		{in: "100%", bad: true},
		{in: "5x", bad: true},
		{in: "-3", bad: true},
		{in: "NaN", bad: true},
		{in: "", bad: true},
	} {
		v, rel, err := ParseResolution(tt.in)
		if tt.bad != (err != nil) || !tt.bad && (v != tt.value || rel != tt.relative) {
			t.Errorf("ParseResolution(%q) = %v, %v, %v", tt.in, v, rel, err)
		}
	}
}

func TestReportText(t *testing.T) {
	t.Parallel()
	g := &game{capacity: 6800}
	res, err := Search(t.Context(), Config{Start: 1000, Max: 20000, Resolution: 0.05, Relative: true, Confirm: 2, Integral: true}, g.trial)
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{Scenario: "s", Target: "embedded", Knob: KnobClients, Unit: "players", SLO: []string{"p99(*) < 50ms"}, Start: 1000, Max: 20000, Result: res}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"this game holds 6,7", "players at p99(*) < 50ms on this machine", "confirm", "bisect", "8,000", "p99(*) < 50ms (actual 80ms)"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if rows := strings.Count(out, "\n"); rows < len(res.Trials)+2 {
		t.Errorf("text has %d lines for %d trials:\n%s", rows, len(res.Trials), out)
	}
	for v, want := range map[Verdict]string{VerdictNeverHeld: "never held", VerdictRefused: "refused", VerdictInterrupted: "interrupted"} {
		r := *rep
		r.Verdict = v
		if !strings.Contains(r.Answer(), want) {
			t.Errorf("%s: answer %q", v, r.Answer())
		}
	}
}
