package dummyrunner

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// sec converts seconds to a Duration.
func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// closeTo reports whether two arrival times agree to a microsecond
// (they come out of a square root).
func closeTo(a, b time.Duration) bool { return (a - b).Abs() <= time.Microsecond }

func TestArrivalTimes(t *testing.T) {
	t.Parallel()
	// want builds the expected arrivals from closed forms.
	constant := func(from time.Duration, rate float64, n int) []time.Duration {
		var out []time.Duration
		for k := 0; k < n; k++ {
			out = append(out, from+sec(float64(k)/rate))
		}
		return out
	}
	// A ramp from 0 to r1 over d: A(t) = r1 t² / 2d, so arrival k (from 0) is at sqrt(2dk/r1).
	rampUp := func(from time.Duration, r1, d float64, n int) []time.Duration {
		var out []time.Duration
		for k := 0; k < n; k++ {
			out = append(out, from+sec(math.Sqrt(2*d*float64(k)/r1)))
		}
		return out
	}
	// A ramp from r0 down to 0 over d: A(t) = r0 t - r0 t² / 2d.
	rampDown := func(from time.Duration, r0, d float64, n int) []time.Duration {
		var out []time.Duration
		for k := 0; k < n; k++ {
			out = append(out, from+sec(d*(1-math.Sqrt(1-2*float64(k)/(r0*d)))))
		}
		return out
	}
	cat := func(parts ...[]time.Duration) []time.Duration {
		var out []time.Duration
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name   string
		stages []Stage
		want   []time.Duration
	}{
		{
			// A stage moves from the previous target, so a constant rate
			// follows a stage that reached it (here a zero-length step;
			// scenario files need a short ramp, see the multi-stage case).
			name:   "constant 10/s for 2s",
			stages: []Stage{{0, 10}, {2 * time.Second, 10}},
			want:   constant(0, 10, 20),
		},
		{
			name:   "ramp 0 to 10/s over 2s",
			stages: []Stage{{2 * time.Second, 10}},
			want:   rampUp(0, 10, 2, 10),
		},
		{
			name:   "ramp up, hold, ramp down",
			stages: []Stage{{time.Second, 10}, {2 * time.Second, 10}, {time.Second, 0}},
			want:   cat(rampUp(0, 10, 1, 5), constant(time.Second, 10, 20), rampDown(3*time.Second, 10, 1, 5)),
		},
		{
			name:   "zero rate",
			stages: []Stage{{2 * time.Second, 0}},
			want:   nil,
		},
		{
			name:   "zero-rate stage, then a ramp",
			stages: []Stage{{time.Second, 0}, {2 * time.Second, 10}},
			want:   rampUp(time.Second, 10, 2, 10),
		},
		{
			// 1.5 arrivals owed after the first stage: the half carries over.
			name:   "fractional arrivals carry over",
			stages: []Stage{{0, 3}, {500 * time.Millisecond, 3}, {time.Second, 3}},
			want:   constant(0, 3, 5),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := slices.Collect(arrivalTimes(tt.stages))
			if len(got) != len(tt.want) {
				t.Fatalf("%d arrivals, want %d: %v", len(got), len(tt.want), got)
			}
			if n := arrivalCount(tt.stages); n != float64(len(got)) {
				t.Errorf("arrivalCount = %v, but arrivalTimes yields %d", n, len(got))
			}
			for i := range got {
				if !closeTo(got[i], tt.want[i]) {
					t.Errorf("arrival %d at %v, want %v", i+1, got[i], tt.want[i])
				}
			}
			var total time.Duration
			for _, st := range tt.stages {
				total += st.Duration
			}
			for i, at := range got {
				if at < 0 || at >= total || (i > 0 && at < got[i-1]) {
					t.Errorf("arrival %d at %v: not in [0, %v) or out of order", i+1, at, total)
				}
			}
		})
	}
}

// The schedule is computed as it is taken and counted without being
// computed: an absurd one costs neither memory nor time, so that it can be
// refused (or, within the bounds, run) rather than exhaust memory first.
func TestArrivalsAreLazy(t *testing.T) { // not parallel: AllocsPerRun
	absurd := []Stage{{time.Second, 1e9}, {1000 * time.Hour, 1e9}} // 3.6e15 sessions
	if allocs := testing.AllocsPerRun(10, func() { _ = arrivalCount(absurd) }); allocs != 0 {
		t.Errorf("arrivalCount allocates %v times", allocs)
	}
	if got, want := arrivalCount(absurd), 1e9/2+1e9*3.6e6; got != want {
		t.Errorf("arrivalCount = %g, want %g", got, want)
	}
	var first []time.Duration
	for at := range arrivalTimes(absurd) {
		if first = append(first, at); len(first) == 3 {
			break
		}
	}
	if want := []time.Duration{0, sec(math.Sqrt(2.0 / 1e9)), sec(math.Sqrt(4.0 / 1e9))}; !slices.EqualFunc(first, want, closeTo) {
		t.Errorf("first arrivals %v, want %v", first, want)
	}
	for _, tt := range []struct {
		name   string
		stages []Stage
		check  func(float64) bool
	}{
		{"infinite rate", []Stage{{time.Second, math.Inf(1)}}, func(n float64) bool { return math.IsInf(n, 1) }},
		{"NaN rate", []Stage{{time.Second, math.NaN()}}, math.IsNaN},
	} {
		if n := arrivalCount(tt.stages); !tt.check(n) {
			t.Errorf("%s: arrivalCount = %v", tt.name, n)
		}
	}
}

func TestArrivalGaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stages []Stage
		cmp    func(prev, next time.Duration) bool
		want   string
	}{
		{"ramp up: gaps shrink", []Stage{{2 * time.Second, 10}}, func(p, n time.Duration) bool { return n < p }, "shrinking"},
		{"ramp down: gaps grow", []Stage{{0, 10}, {2 * time.Second, 0}}, func(p, n time.Duration) bool { return n > p }, "growing"},
		{"constant: gaps equal", []Stage{{0, 10}, {2 * time.Second, 10}}, func(p, n time.Duration) bool { return closeTo(p, n) }, "equal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := slices.Collect(arrivalTimes(tt.stages))
			for i := 2; i < len(got); i++ {
				prev, next := got[i-1]-got[i-2], got[i]-got[i-1]
				if !tt.cmp(prev, next) {
					t.Errorf("gap %d is %v after %v: gaps are not %s", i, next, prev, tt.want)
				}
			}
		})
	}
}

func TestOpenScenarioPlan(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, `
model: open
stages: [{duration: 1s, target: 10}, {duration: 2s, target: 10}, {duration: 1s, target: 0}]
session: {actions: 3, think: 10ms}
`)
	if got, want := pl.PlannedDuration(), 4*time.Second; got != want {
		t.Errorf("PlannedDuration() = %v, want %v", got, want)
	}
	if got, want := pl.Sessions(), 30; got != want {
		t.Errorf("Sessions() = %d, want %d", got, want)
	}
	if got, want := fmt.Sprint(pl.sc.Session), fmt.Sprint(SessionSpec{Actions: 3, Think: 10 * time.Millisecond}); got != want {
		t.Errorf("Session = %s, want %s", got, want)
	}
}

// TestOpenModelSessions runs a few open-model sessions against a stack:
// every session logs in, does exactly its actions at the intended pace,
// logs out, and every command carries its intended send time.
func TestOpenModelSessions(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) { openModelSessions(t) })
}

// openModelSessions runs in a synctest bubble against a game in memory
// answering in 1ms: the sessions' times are exact, whatever the load on
// the machine.
func openModelSessions(t *testing.T) {
	// 0 to 16/s over 500ms: 4 arrivals, the last at 500ms; 16/s down to 0
	// over 250ms: 2 more; then 750ms of nothing so that the sessions
	// finish before the run does.
	pl := mustPlan(t, `
name: open-sessions
model: open
seed: 11
stages: [{duration: 500ms, target: 16}, {duration: 250ms, target: 0}, {duration: 750ms, target: 0}]
session: {profile: looker, actions: 4, think: 20ms}
logout_grace: 2s
`)
	game := &memGame{answer: func(line string, _ time.Time) (string, time.Duration, bool) {
		reply, quit := evenniaAnswer(line)
		return reply, time.Millisecond, quit
	}}
	out := runMem(t, pl, game)
	rep := out.rep
	checkAccounted(t, rep)
	wantSessions := int64(pl.Sessions())
	if wantSessions != 6 {
		t.Fatalf("Sessions() = %d, want 6", wantSessions)
	}
	if got := rep.Clients; got.Started != wantSessions || got.LoggedIn != wantSessions || got.Finished != wantSessions || got.LostTotal() != 0 {
		t.Errorf("clients = %+v, want %d started, logged in and finished", got, wantSessions)
	}
	byClient := perClient(out.sched)
	for c, lines := range byClient {
		var actions int
		for i, l := range lines {
			if l.Action != "login" && l.Action != "logout" {
				actions++
			}
			if l.Action != "logout" && l.Intended.IsZero() {
				t.Errorf("client %d command %d %q has no intended time", c, i, l.Command)
			}
			if i > 0 && !l.Intended.IsZero() && !lines[i-1].Intended.IsZero() {
				if gap := l.Intended.Sub(lines[i-1].Intended); gap != 20*time.Millisecond {
					t.Errorf("client %d: intended times %v apart, want the think time 20ms", c, gap)
				}
			}
		}
		// looker actions are one command each.
		if actions != 4 {
			t.Errorf("client %d sent %d action commands, want 4", c, actions)
		}
	}
	if got := rep.Generator.SendSlip.Count(); got == 0 {
		t.Error("no send slip recorded in the open model")
	}
	if got, want := rep.Totals().Corrected.Count(), rep.Totals().Latency.Count(); got != want-wantSessions {
		// Every answered command has a corrected latency except the logouts
		// (sent with no schedule at the end).
		t.Errorf("%d corrected latencies for %d answered commands (%d logouts)", got, want, wantSessions)
	}
}

// TestCoordinatedOmission stalls the game for a second in the middle of
// an open-model run, in a synctest bubble against a game in memory, so
// every time is exact. A closed-loop measurement hides most of a stall:
// each player has at most one command in flight, so only that one command
// per player sees it, and the commands that should have been sent
// meanwhile are simply sent later (coordinated omission). The open model
// keeps each command's intended send time, so the latency from it
// (Result.Corrected) counts the whole wait of every command the stall
// delayed, while the service latency stays at the game's 1ms.
func TestCoordinatedOmission(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		pl := mustPlan(t, `
name: stall
model: open
seed: 8
stages: [{duration: 3s, target: 20}]
session: {profile: looker, actions: 30, think: 100ms}
logout_grace: 2s
`)
		const service = time.Millisecond
		start := time.Now()
		stallFrom, stallTo := start.Add(time.Second), start.Add(2*time.Second)
		game := &memGame{answer: func(line string, now time.Time) (string, time.Duration, bool) {
			reply, quit := evenniaAnswer(line)
			if !now.Before(stallFrom) && now.Before(stallTo) {
				return reply, stallTo.Sub(now), quit // held until the stall ends
			}
			return reply, service, quit
		}}
		out := runMem(t, pl, game)
		var n, delayed int
		stalledPer := map[int]int{}
		for _, r := range out.results {
			if r.Kind != KindCommand || r.Reason != "" || r.Intended.IsZero() {
				continue
			}
			n++
			sent := r.At.Add(-r.Latency)
			if r.Corrected != r.At.Sub(r.Intended) || r.Corrected < r.Latency {
				t.Errorf("client %d: corrected %v, latency %v, answered %v after its intended time", r.Client, r.Corrected, r.Latency, r.At.Sub(r.Intended))
			}
			switch {
			case r.Latency == service:
			case !sent.Before(stallFrom) && sent.Before(stallTo) && r.At.Equal(stallTo):
				stalledPer[r.Client]++ // caught by the stall: answered when it ends
			default:
				t.Errorf("client %d: a command sent at %v took %v", r.Client, sent.Sub(start), r.Latency)
			}
			if r.Corrected >= 300*time.Millisecond {
				delayed++
			}
			// A command intended during the stall waits for the one in
			// flight: it is sent when the stall ends, or later.
			if !r.Intended.Before(stallFrom) && r.Intended.Before(stallTo) && sent.Before(stallTo) && r.Latency == service {
				t.Errorf("client %d: a command intended at %v was sent at %v, during the stall, and answered at once", r.Client, r.Intended.Sub(start), sent.Sub(start))
			}
		}
		stalled := 0
		for c, k := range stalledPer {
			stalled += k
			if k != 1 {
				t.Errorf("client %d had %d commands caught by the stall, want 1 (one in flight at a time)", c, k)
			}
		}
		t.Logf("of %d scheduled commands, %d answered 300ms or more after their intended time, %d caught by the stall", n, delayed, stalled)
		if stalled == 0 {
			t.Fatal("no command was in flight during the stall")
		}
		// The stall shows in the corrected latency's p90 (over 10% of the
		// commands waited 300ms or more) but not in the service latency's:
		// only one command per session saw it.
		if delayed*10 <= n {
			t.Errorf("%d of %d commands delayed by 300ms or more: the stall should show in the corrected p90", delayed, n)
		}
		if stalled*10 >= n {
			t.Errorf("%d of %d commands caught by the stall: the service p90 should not show it", stalled, n)
		}
		tot := out.rep.Totals()
		if got := tot.Latency.Quantile(0.90); got > 2*service {
			t.Errorf("service latency p90 = %v, want the game's %v", got, service)
		}
		if got := tot.Corrected.Quantile(0.90); got < 300*time.Millisecond {
			t.Errorf("corrected p90 = %v, want the stall to show (≥ 300ms)", got)
		}
		if slip := out.rep.Generator.SendSlip; slip.Count() == 0 || slip.Max() < 300*time.Millisecond {
			t.Errorf("send slip %v: want commands sent 300ms or more after their intended time", slip)
		}
	})
}
