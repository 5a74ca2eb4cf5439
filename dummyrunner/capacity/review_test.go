package capacity

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
)

// A whole-number knob (players) with a fractional -max: the ramp rounds
// every level down, so a level of floor(max) is below max and the ramp
// must still end there instead of running floor(max) again for ever.
func TestSearchIntegralFractionalMaxEnds(t *testing.T) {
	t.Parallel()
	calls := 0
	trial := func(ctx context.Context, level float64) (Outcome, error) {
		if calls++; calls > 50 {
			return Outcome{}, errors.New("more than 50 trials: the search does not end")
		}
		return Outcome{Held: true}, nil
	}
	res, err := Search(t.Context(), Config{Start: 10, Max: 10.5, Resolution: 0.05, Relative: true, Confirm: 1, Integral: true}, trial)
	if err != nil {
		t.Fatalf("search: %v (after %d trials)", err, calls)
	}
	if res.Verdict != VerdictHeld || res.Capacity != 10 || !res.AtMax || len(res.Trials) != 2 {
		t.Fatalf("got %s %v at max %v after %d trials, want held 10 at the max after a ramp and a confirmation", res.Verdict, res.Capacity, res.AtMax, len(res.Trials))
	}
}

// A closed-model trial without a steady second (a steady window under
// two seconds, or logins that took until the trial's timeout) has no
// latencies but those of the logins and logouts: the SLO cannot be said
// to hold, so the trial breaks, whatever its whole-trial figures.
func TestJudgeClosedTrialWithoutSteadyWindowBreaks(t *testing.T) {
	t.Parallel()
	health := dummyrunner.Health{MaxTimerLateness: 250 * time.Millisecond, MaxCPU: 0.95}
	o := Judge(trialReport(t), mustThresholds(t, "p99(*) < 1s"), health, time.Second)
	if o.Held {
		t.Fatalf("a trial judged on its logins and logouts (window %v, p99 %v) held", o.Window, o.P99)
	}
	if !strings.Contains(strings.Join(o.Broken, "; "), "steady") {
		t.Errorf("broken %q does not say the trial had no steady window", o.Broken)
	}
}

// -vary rate: the level is the commands per second all players offer
// together. A closed-model player ticks every closedInterval(step, u),
// u uniform in [0, 1) (Evennia's TIMESTEP - df + u·df), not every
// step: the timestep At sets must make the mean interval
// clients × chance_of_action / level.
func TestAtRateMatchesTheOfferedCommandRate(t *testing.T) {
	t.Parallel()
	closed, err := dummyrunner.DefaultScenario().Compile("")
	if err != nil {
		t.Fatal(err)
	}
	sc := closed.Scenario()
	for _, level := range []float64{100, 25, 5, 1, 0.02} {
		got, err := At(sc, KnobRate, level)
		if err != nil {
			t.Fatalf("rate %v: %v", level, err)
		}
		step := float64(got.Pacing.Timestep)
		// The mean of Evennia's interval over u in [0, 1), as the docs
		// of the closed model give it.
		df := max(0.001*step, min(step/10, float64(500*time.Millisecond)))
		mean := time.Duration(step - df/2).Seconds()
		offered := float64(sc.Clients) * sc.Pacing.ChanceOfAction / mean
		if math.Abs(offered/level-1) > 0.001 {
			t.Errorf("rate %v commands/s: timestep %v offers %.4g commands/s (%+.2f%%)", level, got.Pacing.Timestep, offered, 100*(offered/level-1))
		}
	}
}
