package dummyrunner

import (
	"errors"
	"math"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// FuzzScenario reads scenario files through everything Compile does
// (parse, defaults, bounds, profiles, thresholds). Nothing may panic, and
// a scenario that is accepted must plan bounded work: its numbers within
// their bounds, its schedule counted and as long as counted, its profile
// choices well formed; written back (as -procs does for its children) it
// must be accepted again, the same. The seed corpus (testdata/fuzz) has
// the built-in and shipped scenarios and what fuzzing found.
func FuzzScenario(f *testing.F) {
	f.Add(defaultScenario)
	f.Add([]byte(`name: f
clients: 10
duration: 30s
faults:
  - {at: 10s, for: 5s, kind: latency, latency: 200ms, jitter: 50ms, side: link, direction: to-portal}
  - {at: 1s, after: logins, kind: vanish, fraction: 0.1, partial: true}
  - {at: 8s, kind: reconnect-storm, clients: 50, rounds: 3}
  - {at: 12s, for: 2s, kind: server-crash}
`))
	f.Add([]byte(`name: l
clients: 2
duration: 1s
names: seed
tcp_quickack: true
completion: {mode: marker, begin: 'OUTPUTPREFIX {marker}'}
login:
  screen: '^-{20,}$'
  fail: ['incorrect']
  steps:
    - {send: 'connect {name} {password}', expect: 'Last connect', timeout: 5s, fail: ['nope']}
    - {expect: 'x{n}'}
`))
	f.Add([]byte(`name: c
clients: 1
duration: 1s
checks: {builtin: [tinymux, sim], fail: ['^There is no'], require: ['(?i)you']}
thresholds: ['checks(looks) > 99%', 'checks < 1']
`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := ParseScenario(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("error %v does not wrap ErrInvalidScenario", err)
			}
			return
		}
		before, errBefore := yaml.Marshal(sc)
		pl, err := sc.Compile("testdata")
		if after, errAfter := yaml.Marshal(sc); string(after) != string(before) || (errBefore == nil) != (errAfter == nil) {
			t.Fatalf("Compile changed the scenario it compiled:\n%s\n%s", before, after)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("error %v does not wrap ErrInvalidScenario", err)
			}
			return
		}
		checkBounded(t, pl)
		out, err := yaml.Marshal(pl.Scenario())
		if err != nil {
			t.Fatalf("marshal an accepted scenario: %v", err)
		}
		again, err := parsePlan(out, "testdata")
		if err != nil {
			t.Fatalf("an accepted scenario written back is refused: %v\n%s", err, out)
		}
		if again.Sessions() != pl.Sessions() || again.PlannedDuration() != pl.PlannedDuration() || again.sc.Session != pl.sc.Session || again.sc.Pacing != pl.sc.Pacing {
			t.Fatalf("written back, the scenario changed:\n%+v\n%+v", pl, again)
		}
	})
}

// checkBounded fails t unless pl plans bounded work.
func checkBounded(t *testing.T, pl *Plan) {
	t.Helper()
	planned := pl.PlannedDuration()
	if planned <= 0 || planned > MaxDuration {
		t.Fatalf("planned duration %v", planned)
	}
	n := pl.Sessions()
	switch pl.sc.Model {
	case ModelClosed:
		if n < 1 || n > MaxClients || pl.sc.RampUp < 0 || pl.sc.RampUp > pl.sc.Duration {
			t.Fatalf("closed model: %d clients, ramp-up %v over %v", n, pl.sc.RampUp, pl.sc.Duration)
		}
	case ModelOpen:
		if n < 0 || n > MaxArrivals || len(pl.sc.Stages) > MaxStages {
			t.Fatalf("open model: %d sessions from %d stages", n, len(pl.sc.Stages))
		}
		if n <= 20_000 { // the schedule, taken, is as long as counted and within the run
			k, prev := 0, time.Duration(0)
			for at := range arrivalTimes(pl.sc.Stages) {
				if at < prev || at < 0 || at >= planned {
					t.Fatalf("arrival %d at %v after %v, planned %v", k, at, prev, planned)
				}
				prev = at
				k++
			}
			if k != n {
				t.Fatalf("%d arrivals taken, %d counted", k, n)
			}
		}
	default:
		t.Fatalf("model %q accepted", pl.sc.Model)
	}
	within := func(name string, d, lo, hi time.Duration) {
		if d < lo || d > hi {
			t.Fatalf("%s = %v, want %v to %v", name, d, lo, hi)
		}
	}
	within("timestep", pl.sc.Pacing.Timestep, MinTimeout, MaxTimeout)
	within("think", pl.sc.Session.Think, 1, MaxTimeout)
	within("command_timeout", pl.sc.CommandTimeout, MinTimeout, MaxTimeout)
	within("connect_timeout", pl.sc.ConnectTimeout, MinTimeout, MaxTimeout)
	within("logout_grace", pl.sc.LogoutGrace, MinTimeout, MaxTimeout)
	within("max_timer_lateness", pl.sc.Health.MaxTimerLateness, MinTimeout, MaxTimeout)
	for _, f := range []float64{pl.sc.Pacing.ChanceOfAction, pl.sc.Pacing.ChanceOfLogin, pl.sc.Health.MaxCPU} {
		if !(f >= 0 && f <= 1) {
			t.Fatalf("a chance or fraction of %v", f)
		}
	}
	if pl.sc.MaxSessions < 1 || pl.sc.MaxSessions > MaxClients || pl.sc.Pacing.LoginConcurrency < 1 || pl.sc.Pacing.LoginConcurrency > MaxClients ||
		pl.sc.Session.Actions < 1 || pl.sc.Session.Actions > MaxSessionActions || len(pl.sc.Events) > MaxEvents {
		t.Fatalf("counts out of bounds: %+v", pl)
	}
	checkCumulative(t, "profiles", pl.profileCum)
	for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
		p := pl.profileFor(r)
		if p == nil {
			t.Fatalf("profileFor(%v) = nil", r)
		}
		checkCumulative(t, "profile "+p.Name, p.cum)
		if a := p.pick(r); a.Action == "" {
			t.Fatalf("profile %s picked an action without a name", p.Name)
		}
	}
	known := pl.Actions()
	for _, th := range pl.Thresholds() {
		if err := th.CheckAction(known); err != nil {
			t.Fatalf("accepted threshold: %v", err)
		}
	}
}

// checkCumulative fails t unless cum is a non-empty run of finite,
// non-decreasing weights ending at exactly 1.
func checkCumulative(t *testing.T, what string, cum []float64) {
	t.Helper()
	if len(cum) == 0 || cum[len(cum)-1] != 1 {
		t.Fatalf("%s: cumulative weights %v do not end at 1", what, cum)
	}
	prev := 0.0
	for _, c := range cum {
		if math.IsNaN(c) || c < prev {
			t.Fatalf("%s: cumulative weights %v", what, cum)
		}
		prev = c
	}
}

// FuzzAccountsCSV reads accounts files: nothing panics, an accepted file
// has at least one account, every name and password is non-empty and one
// line, and an error never shows a password of the file.
func FuzzAccountsCSV(f *testing.F) {
	f.Add([]byte("name,password\nann,pw1\nbob,pw2\n"))
	f.Add([]byte("\"Ann Lee\",\"p,w\"\r\n"))
	f.Add([]byte("ann,\"secret\n"))
	f.Add([]byte(",\n,,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := parseAccounts(b)
		if err != nil {
			if !errors.Is(err, errAccounts) {
				t.Fatalf("error %v does not wrap errAccounts", err)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("accepted with no account")
		}
		for i, a := range rows {
			if a.name == "" || a.password == "" || hasControl(a.name) || hasControl(a.password) {
				t.Fatalf("row %d: %q accepted", i, a.name)
			}
		}
	})
}
