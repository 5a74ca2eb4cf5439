package dummyrunner

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// actionSends returns a client's send times, without the logout at the
// end of the run (it is not paced).
func actionSends(lines []schedLine) []time.Time {
	var out []time.Time
	for _, l := range lines {
		if l.Action != "logout" {
			out = append(out, l.Sent)
		}
	}
	return out
}

// tickInterval estimates a client's tick interval from the send times of
// a run where every tick sends (chance_of_action 1). A tick that finds a
// command in flight sends when its answer arrives, off the tick grid, and
// a timer may fire late, so the estimate walks from an anchor send and
// keeps only the sends a whole number of ticks (within a tenth of a
// tick, the timer's lateness) after the previous kept one: the span between the first and
// last kept sends divided by the ticks between them is the interval, with
// the lateness only at both ends. The anchor is the one of the first sends
// that keeps the most ticks; a second pass refines the first pass's
// guess, the median gap.
func tickInterval(sends []time.Time) (iv time.Duration, ticks int, err error) {
	if len(sends) < 10 {
		return 0, 0, fmt.Errorf("only %d sends", len(sends))
	}
	var gaps []time.Duration
	for i := 1; i < len(sends); i++ {
		gaps = append(gaps, sends[i].Sub(sends[i-1]))
	}
	slices.Sort(gaps)
	iv = gaps[len(gaps)/2] // most gaps are one tick
	walk := func(anchor int, iv time.Duration) (span time.Duration, ticks int) {
		// A loaded machine fires timers late by milliseconds: a tenth of
		// a tick still tells the ticks apart, and the lateness of the two
		// ends of the span, divided by its ticks, stays under the test's slop.
		lateness := iv / 10
		last := sends[anchor]
		for _, s := range sends[anchor+1:] {
			d := s.Sub(last)
			k := int(math.Round(float64(d) / float64(iv)))
			if k < 1 || (d-time.Duration(k)*iv).Abs() > lateness {
				continue // off the grid
			}
			ticks += k
			span += d
			last = s
		}
		return span, ticks
	}
	for range 2 {
		var best time.Duration
		ticks = 0
		for a := range 10 {
			if span, n := walk(a, iv); n > ticks {
				best, ticks = span, n
			}
		}
		if ticks < 15 {
			return 0, ticks, fmt.Errorf("only %d ticks on the grid of %v", ticks, iv)
		}
		iv = best / time.Duration(ticks)
	}
	return iv, ticks, nil
}

// TestClosedPacingInterval checks Evennia's tick rule through a run: each
// player ticks every TIMESTEP - df + U·df with df = TIMESTEP/10 (for
// timesteps up to 5s), U drawn once per player, so the interval lies in
// [0.9, 1.0) × TIMESTEP and differs between players. The computation is
// inline in runClosed, so the test measures the realized schedule with a
// 100ms timestep (the rule is the same proportion as for Evennia's 1s;
// at 50ms, under a loaded CI machine, too few ticks stayed on the grid).
func TestClosedPacingInterval(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	const step = 100 * time.Millisecond
	sc := mustScenario(t, `
name: pacing
clients: 8
duration: 5s
seed: 42
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: 1}
logout_grace: 2s
`)
	out := runScenario(t, sc, st.TelnetAddr(), runOpts{})
	// A percent of the timestep for the timer's lateness at both ends of
	// the span (at most a tenth of a tick each, over 15 ticks or more).
	const slop = step / 100
	lo, hi := step*9/10-slop, step+slop
	var intervals []time.Duration
	for c, lines := range perClient(out.sched) {
		iv, _, err := tickInterval(actionSends(lines))
		if err != nil {
			t.Errorf("client %d: %v", c, err)
			continue
		}
		if iv < lo || iv >= hi {
			t.Errorf("client %d ticks every %v, want within [%v, %v)", c, iv, step*9/10, step)

		}
		intervals = append(intervals, iv)
	}
	if len(intervals) != 8 {
		t.Fatalf("%d clients sent commands, want 8", len(intervals))
	}
	t.Logf("tick intervals: %v", intervals)
	// The jitter is drawn per player: 8 uniform draws over 10ms spread out.
	if spread := slices.Max(intervals) - slices.Min(intervals); spread < time.Millisecond {
		t.Errorf("intervals %v spread over %v only: the jitter is not per player", intervals, spread)
	}
}

// TestChanceOfAction measures the fraction of ticks that send a command:
// each tick draws once and sends when the draw is below
// CHANCE_OF_ACTION. A client's ticks run from its login screen to the end
// of the run, every ~0.95 timestep (the mean of the per-player interval);
// its sends are its schedule lines. The pace draws come from the seed, so
// the fraction is nearly the same in every run.
func TestChanceOfAction(t *testing.T) {
	t.Parallel()
	for _, chance := range []float64{0.3, 0.8} {
		t.Run(fmt.Sprint(chance), func(t *testing.T) {
			t.Parallel()
			st := startStack(t, false)
			sc := mustScenario(t, fmt.Sprintf(`
name: chance
clients: 10
duration: 3s
seed: 9
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: %v}
logout_grace: 2s
`, chance))
			out := runScenario(t, sc, st.TelnetAddr(), runOpts{})
			end := out.start.Add(sc.Duration)
			screen := map[int]time.Time{}
			for _, r := range out.results {
				if r.Kind == KindState && r.Phase == "login_screen" {
					screen[r.Client] = r.At
				}
			}
			if len(screen) != 10 {
				t.Fatalf("%d clients reached the login screen, want 10", len(screen))
			}
			meanInterval := 0.95 * float64(sc.Pacing.Timestep)
			var ticks, sends float64
			for c, lines := range perClient(out.sched) {
				ticks += math.Floor(float64(end.Sub(screen[c]))/meanInterval) + 1
				sends += float64(len(actionSends(lines)))
			}
			got := sends / ticks
			t.Logf("%v of about %v ticks sent a command: %.3f", sends, ticks, got)
			if math.Abs(got-chance) > 0.08 {
				t.Errorf("%v of %v ticks sent a command (%.3f), want about %v", sends, ticks, got, chance)
			}
		})
	}
}
