package dummyrunner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

var aggStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at is a time s seconds into the test run.
func at(s float64) time.Time { return aggStart.Add(sec(s)) }

func newTestAggregator(clients int) *Aggregator {
	return NewAggregator(reports.Meta{Scenario: "agg", Clients: clients}, aggStart)
}

// state is a client reaching state (and phase) at s seconds, latency ms after its connection attempt.
func state(client int, st, phase string, s float64, ms int) Result {
	return Result{Kind: KindState, Client: client, State: st, Phase: phase, At: at(s), Latency: time.Duration(ms) * time.Millisecond}
}

// login is the whole way of a client from connecting to logged in, at s seconds.
func login(client int, s float64) []Result {
	return []Result{
		state(client, StateConnecting, "", s, 0),
		state(client, StateConnected, "connect", s, 1),
		state(client, StateConnected, "negotiation", s, 2),
		state(client, StateLoginScreen, "login_screen", s, 3),
		state(client, StateLoggingIn, "", s, 4),
		state(client, StateLoggedIn, "logged_in", s, 50),
	}
}

func addAll(a *Aggregator, rs ...[]Result) {
	for _, r := range rs {
		for _, x := range r {
			a.Add(x)
		}
	}
}

func TestAggregatorGaugesAndPhases(t *testing.T) {
	t.Parallel()
	a := newTestAggregator(5)
	addAll(a,
		login(1, 0.1), // logged in
		[]Result{state(2, StateConnecting, "", 0.1, 0), state(2, StateConnected, "connect", 0.2, 1)}, // connected
		[]Result{state(3, StateConnecting, "", 0.1, 0)},                                              // connecting
		[]Result{state(4, StateConnecting, "", 0.1, 0), {Kind: KindLost, Client: 4, State: StateConnecting, Reason: ReasonDial, At: at(0.5)}},
		login(5, 0.2),
		[]Result{{Kind: KindDone, Client: 5, State: StateLoggedIn, At: at(0.6)}},
	)
	got := a.Snapshot(at(0.9))
	want := Progress{Elapsed: 900 * time.Millisecond, Planned: 5, Connecting: 1, Connected: 1, LoggedIn: 1, Finished: 1, Lost: 1}
	if got != want {
		t.Errorf("Snapshot =\n  %+v\nwant\n  %+v", got, want)
	}

	a.Tick(at(1.0)) // second 0 is over: its gauges are written
	a.Add(Result{Kind: KindLost, Client: 2, State: StateConnected, Reason: ReasonNoLogin, At: at(1.5)})
	rep := a.Close(at(1.9))
	if n := len(rep.Timeline); n != 2 {
		t.Fatalf("timeline of %d seconds, want 2", n)
	}
	gauges := []struct {
		second              int
		connected, loggedIn int64
	}{
		{0, 2, 1}, // clients 1 and 2 (3 still connecting)
		{1, 1, 1}, // client 2 lost
	}
	for _, g := range gauges {
		iv := rep.Timeline[g.second]
		if iv.Connected != g.connected || iv.LoggedIn != g.loggedIn {
			t.Errorf("second %d: connected %d, logged in %d; want %d, %d", g.second, iv.Connected, iv.LoggedIn, g.connected, g.loggedIn)
		}
	}

	c := rep.Clients
	if c.Planned != 5 || c.Started != 5 || c.LoggedIn != 2 || c.Finished != 1 || fmt.Sprint(c.Lost) != fmt.Sprint(map[string]int64{ReasonDial: 1, ReasonNoLogin: 1}) {
		t.Errorf("clients = %+v", c)
	}
	phases := []struct {
		name    string
		reached int64
		lost    string
		p50     time.Duration
	}{
		{"connect", 3, "map[dial:1]", time.Millisecond},
		{"negotiation", 2, "map[]", 2 * time.Millisecond},
		{"login_screen", 2, "map[no_login_screen:1]", 3 * time.Millisecond},
		{"logged_in", 2, "map[]", 50 * time.Millisecond},
	}
	for _, p := range phases {
		ph := rep.Phase(p.name)
		if ph.Reached != p.reached || fmt.Sprint(ph.Lost) != p.lost || ph.Latency.Count() != p.reached || ph.Latency.Quantile(0.5) != p.p50 {
			t.Errorf("phase %s: reached %d, lost %v, latency %v; want %d, %s, p50 %v", p.name, ph.Reached, ph.Lost, ph.Latency, p.reached, p.lost, p.p50)
		}
	}
	// Clients 1 (logged in) and 3 (connecting) never ended.
	if rep.Meta.Valid || len(rep.Meta.InvalidReasons) != 1 || !strings.Contains(rep.Meta.InvalidReasons[0], "2 clients never reported an end") {
		t.Errorf("valid %v, reasons %q; want invalid: a client never ended", rep.Meta.Valid, rep.Meta.InvalidReasons)
	}
}

func TestAggregatorLostPhase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state string
		phase string // the phase the client had not reached; "" for none
	}{
		{StateConnecting, "connect"},
		{StateConnected, "login_screen"},
		{StateLoginScreen, "logged_in"},
		{StateLoggingIn, "logged_in"},
		{StateLoggedIn, ""},
		{StateLoggingOut, ""},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			t.Parallel()
			a := newTestAggregator(1)
			a.Add(state(7, tt.state, "", 0.1, 0))
			a.Add(Result{Kind: KindLost, Client: 7, State: tt.state, Reason: ReasonTimeout, At: at(0.2)})
			rep := a.Close(at(0.3))
			if got := rep.Clients.Lost[ReasonTimeout]; got != 1 {
				t.Errorf("Clients.Lost[timeout] = %d, want 1", got)
			}
			for _, name := range reports.PhaseNames {
				want := int64(0)
				if name == tt.phase {
					want = 1
				}
				if got := rep.Phase(name).Lost[ReasonTimeout]; got != want {
					t.Errorf("phase %s lost %d, want %d", name, got, want)
				}
			}
			if !rep.Meta.Valid {
				t.Errorf("invalid: %v", rep.Meta.InvalidReasons)
			}
		})
	}
}

func TestAggregatorIntervalsAndActions(t *testing.T) {
	t.Parallel()
	a := newTestAggregator(1)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, r := range []Result{
		{Kind: KindSent, Action: "looks", At: at(0.5)},
		{Kind: KindCommand, Action: "looks", At: at(0.6), TTFB: ms(2), Latency: ms(5)},
		{Kind: KindSent, Action: "looks", At: at(1.2)},
		{Kind: KindCommand, Action: "looks", At: at(1.3), TTFB: ms(3), Latency: ms(7)},
		{Kind: KindSent, Action: "digs", At: at(1.7)},
		{Kind: KindCommand, Action: "digs", At: at(2.5), Reason: ReasonTimeout},
	} {
		a.Add(r)
	}
	rep := a.Close(at(2.9))
	if rep.Meta.Duration != 2900*time.Millisecond {
		t.Errorf("duration %v, want 2.9s", rep.Meta.Duration)
	}
	if !rep.Meta.Valid {
		t.Errorf("invalid: %v", rep.Meta.InvalidReasons)
	}
	type iv struct{ sent, answered, failed, latencies int64 }
	want := []iv{{1, 1, 0, 1}, {2, 1, 0, 1}, {0, 0, 1, 0}}
	if len(rep.Timeline) != len(want) {
		t.Fatalf("timeline of %d seconds, want %d", len(rep.Timeline), len(want))
	}
	for i, w := range want {
		g := rep.Timeline[i]
		if got := (iv{g.Sent, g.Answered, g.Failed, g.Latency.Count()}); got != w || g.Second != i {
			t.Errorf("second %d (t=%d): %+v, want %+v", i, g.Second, got, w)
		}
	}
	looks, digs := rep.Actions["looks"], rep.Actions["digs"]
	if looks.Sent != 2 || looks.Answered != 2 || looks.FailedTotal() != 0 || looks.TTFB.Max() != ms(3) || looks.Latency.Max() != ms(7) || looks.Latency.Min() != ms(5) {
		t.Errorf("looks: %+v, ttfb %v, latency %v", looks, looks.TTFB, looks.Latency)
	}
	if digs.Sent != 1 || digs.Answered != 0 || digs.Failed[ReasonTimeout] != 1 || digs.Latency.Count() != 0 {
		t.Errorf("digs: %+v", digs)
	}
	if s := a.Snapshot(at(3.0)); s.Errors != 1 {
		t.Errorf("Snapshot errors = %d, want 1", s.Errors)
	}
}

func TestAggregatorSnapshotLastSecond(t *testing.T) {
	t.Parallel()
	a := newTestAggregator(1)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, r := range []Result{
		{Kind: KindCommand, Action: "looks", At: at(2.1), Latency: ms(10)},
		{Kind: KindCommand, Action: "looks", At: at(2.2), Latency: ms(20)},
		{Kind: KindCommand, Action: "looks", At: at(2.4), Reason: ReasonTimeout},
		{Kind: KindCommand, Action: "looks", At: at(2.3), Latency: ms(30)},
		{Kind: KindCommand, Action: "looks", At: at(3.1), Latency: ms(40)},
	} {
		a.Add(r)
	}
	// HDR histograms keep 3 significant digits.
	near := func(got, want time.Duration) bool { return (got - want).Abs() <= want/500 }
	tests := []struct {
		now      float64
		perSec   float64
		p50, p99 time.Duration
	}{
		{3.5, 3, ms(20), ms(30)}, // the last complete second is 2
		{4.5, 1, ms(40), ms(40)}, // second 3
		{6.2, 0, 0, 0},           // second 5 was quiet
	}
	for _, tt := range tests {
		s := a.Snapshot(at(tt.now))
		if s.ActionsPerSec != tt.perSec || !near(s.P50, tt.p50) || !near(s.P99, tt.p99) {
			t.Errorf("Snapshot(%vs): %v actions/s, p50 %v, p99 %v; want %v, %v, %v", tt.now, s.ActionsPerSec, s.P50, s.P99, tt.perSec, tt.p50, tt.p99)
		}
		if s.Errors != 1 {
			t.Errorf("Snapshot(%vs): errors %d, want 1", tt.now, s.Errors)
		}
	}
}

func TestAggregatorCloseValidity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		results []Result
		reasons []string // substrings, one per expected reason; none: valid
	}{
		{"clean", []Result{
			state(1, StateConnecting, "", 0.1, 0),
			{Kind: KindSent, Client: 1, Action: "looks", At: at(0.2)},
			{Kind: KindCommand, Client: 1, Action: "looks", At: at(0.3)},
			{Kind: KindDone, Client: 1, At: at(0.4)},
		}, nil},
		{"a command neither answered nor failed", []Result{
			{Kind: KindSent, Client: 1, Action: "looks", At: at(0.2)},
			{Kind: KindSent, Client: 1, Action: "looks", At: at(0.3)},
			{Kind: KindCommand, Client: 1, Action: "looks", At: at(0.3), Reason: ReasonAborted},
		}, []string{"action looks: 2 sent but 0 answered + 1 failed"}},
		{"a client that never ended", []Result{
			state(1, StateConnecting, "", 0.1, 0),
			state(2, StateConnecting, "", 0.1, 0),
			{Kind: KindLost, Client: 2, State: StateConnecting, Reason: ReasonDial, At: at(0.2)},
		}, []string{"1 clients never reported an end"}},
		{"both", []Result{
			state(1, StateConnecting, "", 0.1, 0),
			{Kind: KindSent, Client: 1, Action: "digs", At: at(0.2)},
		}, []string{"action digs: 1 sent", "1 clients never reported an end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAggregator(2)
			for _, r := range tt.results {
				a.Add(r)
			}
			rep := a.Close(at(1))
			if rep.Meta.Valid != (len(tt.reasons) == 0) || len(rep.Meta.InvalidReasons) != len(tt.reasons) {
				t.Fatalf("valid %v, reasons %q; want reasons %q", rep.Meta.Valid, rep.Meta.InvalidReasons, tt.reasons)
			}
			for i, w := range tt.reasons {
				if !strings.Contains(rep.Meta.InvalidReasons[i], w) {
					t.Errorf("reason %q does not mention %q", rep.Meta.InvalidReasons[i], w)
				}
			}
		})
	}
}

func TestAggregatorLatencyKinds(t *testing.T) {
	t.Parallel()
	a := newTestAggregator(1)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, r := range []Result{
		{Kind: KindSent, Action: "looks", At: at(0.2), Intended: at(0.2).Add(-ms(50))}, // 50ms late
		{Kind: KindSent, Action: "looks", At: at(0.3), Intended: at(0.3).Add(ms(5))},   // early: no slip
		{Kind: KindSent, Action: "looks", At: at(0.4)},                                 // closed model: no intended time
		{Kind: KindCommand, Action: "looks", At: at(0.5), Latency: ms(10), Corrected: ms(60), Intended: at(0.2).Add(-ms(50))},
		{Kind: KindCommand, Action: "looks", At: at(0.6), Latency: ms(10), Corrected: ms(15), Intended: at(0.3).Add(ms(5))},
		{Kind: KindCommand, Action: "looks", At: at(0.7), Latency: ms(10)},
		{Kind: KindLag, At: at(0.7), LagIn: ms(3), LagOut: ms(4), Latency: ms(7)},
		{Kind: KindLag, At: at(0.8), LagIn: -ms(1), LagOut: ms(2), Latency: ms(1)}, // clocks apart: clamped to 0
		{Kind: KindLateness, At: at(0.9), Latency: ms(2)},
	} {
		a.Add(r)
	}
	rep := a.Close(at(1))
	g := rep.Generator
	if g.SendSlip.Count() != 2 || g.SendSlip.Max() != ms(50) || g.SendSlip.Clamped() != 1 {
		t.Errorf("send slip %v (clamped %d), want 50ms and one early send recorded as 0", g.SendSlip, g.SendSlip.Clamped())
	}
	looks := rep.Actions["looks"]
	if looks.Corrected.Count() != 2 || looks.Corrected.Max() != ms(60) || looks.Latency.Count() != 3 {
		t.Errorf("looks corrected %v, latency %v; want 2 corrected (max 60ms), 3 latencies", looks.Corrected, looks.Latency)
	}
	lag := rep.Lag
	if lag.In.Count() != 2 || lag.In.Max() != ms(3) || lag.In.Clamped() != 1 || lag.Out.Max() != ms(4) || lag.Total.Max() != ms(7) {
		t.Errorf("lag in %v, out %v, total %v", lag.In, lag.Out, lag.Total)
	}
	if g.TimerLateness.Count() != 1 || g.TimerLateness.Max() != ms(2) {
		t.Errorf("timer lateness %v, want one 2ms", g.TimerLateness)
	}
}

// TestAggregatorQuietSecondsKeepGauges: a client stays logged in through
// seconds in which nothing else happens. Each second's gauges are the
// counts at its end, so the quiet seconds must show the client too, and
// the timeline must reach the end of the run.
func TestAggregatorQuietSecondsKeepGauges(t *testing.T) {
	t.Parallel()
	a := newTestAggregator(1)
	addAll(a, login(1, 0.5))
	a.Tick(at(3.5))
	rep := a.Close(at(4.5))
	if n := len(rep.Timeline); n != 5 {
		t.Errorf("timeline of %d seconds for a 4.5s run, want 5", n)
	}
	for i, iv := range rep.Timeline {
		if iv.Connected != 1 || iv.LoggedIn != 1 {
			t.Errorf("second %d: connected %d, logged in %d; want 1, 1", i, iv.Connected, iv.LoggedIn)
		}
	}
}

// The timer probe's lateness goes to the run's histogram and, at its
// worst per second, to the second's machine load.
func TestAggregatorTimerLatenessPerSecond(t *testing.T) {
	t.Parallel()
	a := newTestAggregator(1)
	for _, r := range []struct {
		s  float64
		ms int
	}{{0.1, 2}, {0.5, 7}, {0.9, 1}, {2.2, 30}} {
		a.Add(Result{Kind: KindLateness, At: at(r.s), Latency: time.Duration(r.ms) * time.Millisecond})
	}
	rep := a.Close(at(3))
	if n := rep.Generator.TimerLateness.Count(); n != 4 {
		t.Errorf("the lateness histogram holds %d readings, want 4", n)
	}
	want := []time.Duration{7 * time.Millisecond, 0, 30 * time.Millisecond}
	for i, w := range want {
		if got := rep.Timeline[i].Load.TimerLate; got != w {
			t.Errorf("second %d: timer late %v, want %v", i, got, w)
		}
	}
}
