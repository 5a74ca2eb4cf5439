package dummyrunner

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The closed model's pacing, checked exactly: the rule as a function, and
// whole runs against a game in memory inside a synctest bubble, where the
// clock is fake, so every send lands exactly where the rule puts it and
// no assertion needs a tolerance.

func TestClosedInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		step time.Duration
		u    float64
		want time.Duration
	}{
		{time.Second, 0, 900 * time.Millisecond},
		{time.Second, 0.5, 950 * time.Millisecond},
		{100 * time.Millisecond, 0.25, 92500 * time.Microsecond},
		// df is capped at 500ms: a 10s timestep ticks within [9.5s, 10s).
		{10 * time.Second, 0, 9500 * time.Millisecond},
		{10 * time.Second, 0.5, 9750 * time.Millisecond},
		// ... and floored at a thousandth of the timestep (only reached
		// by a timestep of 0, refused by Compile).
		{0, 0.5, 0},
	}
	for _, tc := range tests {
		if got := closedInterval(tc.step, tc.u); got != tc.want {
			t.Errorf("closedInterval(%v, %v) = %v, want %v", tc.step, tc.u, got, tc.want)
		}
	}
	// Below 1.0 × TIMESTEP for every draw in [0, 1).
	if got := closedInterval(time.Second, 0.9999999); got >= time.Second {
		t.Errorf("closedInterval(1s, ~1) = %v, want below 1s", got)
	}
}

// paceDraws replays player id's pace draws for seed: the first is its
// interval's, then one per tick.
func paceDraws(seed int64, id int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(id)<<1))
}

// sendTimes returns each client's command send times, without the
// logout at the end of the run (it is not paced).
func sendTimes(results []Result) map[int][]time.Time {
	m := map[int][]time.Time{}
	for _, r := range results {
		if r.Kind == KindSent && r.Action != "logout" {
			m[r.Client] = append(m[r.Client], r.At)
		}
	}
	return m
}

// TestClosedPacingExact: with every tick sending (chance_of_action 1) and
// a game that answers at once, player i sends at exactly
// start + k·closedInterval(timestep, u_i) for k = 0, 1, ..., its u drawn
// from the seed, to the nanosecond, until the end of the run.
func TestClosedPacingExact(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		pl := mustPlan(t, `
name: pacing
clients: 8
duration: 5s
seed: 42
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: 1}
logout_grace: 2s
`)
		out := runMem(t, pl, instant())
		sends := sendTimes(out.results)
		if len(sends) != 8 {
			t.Fatalf("%d clients sent, want 8", len(sends))
		}
		seen := map[time.Duration]bool{}
		for c, times := range sends {
			iv := closedInterval(pl.sc.Pacing.Timestep, paceDraws(pl.sc.Seed, c).Float64())
			seen[iv] = true
			want := int((pl.sc.Duration-1)/iv) + 1 // ticks in [0, duration)
			if len(times) != want {
				t.Errorf("client %d sent %d commands, want one per tick: %d", c, len(times), want)
			}
			for k, at := range times {
				if got, want := at.Sub(out.start), time.Duration(k)*iv; got != want {
					t.Errorf("client %d: send %d at %v, want %v (every %v)", c, k, got, want, iv)
					break
				}
			}
		}
		if len(seen) != 8 {
			t.Errorf("%d different intervals among 8 players: the jitter is not per player", len(seen))
		}
	})
}

// TestChanceOfActionExact: each tick draws once and sends when the draw
// is below CHANCE_OF_ACTION. Replaying each player's draws from the seed
// gives exactly the ticks that send.
func TestChanceOfActionExact(t *testing.T) {
	t.Parallel()
	for _, chance := range []float64{0.3, 0.8} {
		t.Run(fmt.Sprint(chance), func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				pl := mustPlan(t, fmt.Sprintf(`
name: chance
clients: 10
duration: 3s
seed: 9
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: %v}
logout_grace: 2s
`, chance))
				out := runMem(t, pl, instant())
				sends := sendTimes(out.results)
				total, ticks := 0, 0
				for c := range 10 {
					draws := paceDraws(pl.sc.Seed, c)
					iv := closedInterval(pl.sc.Pacing.Timestep, draws.Float64())
					var want []time.Duration
					for at := time.Duration(0); at < pl.sc.Duration; at += iv {
						ticks++
						if draws.Float64() < chance {
							want = append(want, at)
						}
					}
					got := sends[c]
					if len(got) != len(want) {
						t.Errorf("client %d sent %d commands, want %d", c, len(got), len(want))
						continue
					}
					for i := range want {
						if got[i].Sub(out.start) != want[i] {
							t.Errorf("client %d: send %d at %v, want %v", c, i, got[i].Sub(out.start), want[i])
							break
						}
					}
					total += len(got)
				}
				t.Logf("%d of %d ticks sent a command (%.3f)", total, ticks, float64(total)/float64(ticks))
			})
		})
	}
}

// TimestepFor inverts the mean of closedInterval over its uniform draw
// (the midpoint of its linear range), on each side of its two bends.
func TestTimestepForInvertsTheMeanInterval(t *testing.T) {
	t.Parallel()
	for _, mean := range []time.Duration{time.Millisecond, 250 * time.Millisecond, time.Second, 4750 * time.Millisecond,
		5 * time.Second, 100 * time.Second, 499750 * time.Millisecond, 600 * time.Second, time.Hour} {
		step := TimestepFor(mean)
		got := (closedInterval(step, 0) + closedInterval(step, 1)) / 2
		if d := got - mean; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("TimestepFor(%v) = %v: mean interval %v", mean, step, got)
		}
	}
}
