package dummyrunner

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/faults"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/reports"
)

// quick is a scenario whose players all log in within a few hundred
// milliseconds and then act every 50 ms; faults follow.
const quick = `
name: faults
clients: %d
duration: %s
seed: 4
profiles: {looker: 1}
pacing: {timestep: 50ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 100}
logout_grace: 5s
faults:
`

func quickScenario(t *testing.T, clients int, duration, faults string, change func(*Scenario)) *Plan {
	t.Helper()
	return mustPlanWith(t, fmt.Sprintf(quick, clients, duration)+faults, change)
}

// startFaultStack starts an embedded game with a link proxy.
func startFaultStack(t *testing.T) *testutil.Stack {
	t.Helper()
	st, err := testutil.StartStack(testutil.StackConfig{
		Portal:    portal.Config{MaxConnectionRate: -1, MaxCommandRate: -1, Keepalive: -1},
		LinkProxy: true,
	})
	if err != nil {
		t.Fatalf("StartStack: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}

// onlyFault returns the run's one fault record.
func onlyFault(t *testing.T, rep *reports.Report) reports.Fault {
	t.Helper()
	if len(rep.Faults) != 1 {
		t.Fatalf("the report has %d faults, want 1: %+v", len(rep.Faults), rep.Faults)
	}
	f := rep.Faults[0]
	if f.Error != "" {
		t.Errorf("fault %s: %s", f.Kind, f.Error)
	}
	return f
}

func TestFaultsAgainstATargetNeedABackstage(t *testing.T) {
	t.Parallel()
	pl := quickScenario(t, 1, "2s", "  - {at: 1s, kind: server-reload}\n", nil)
	if _, err := NewRunner(pl, Options{Target: "127.0.0.1:1"}); !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "only the embedded game has") {
		t.Errorf("a server fault without a backstage: got %v", err)
	}
	st := startStack(t, false) // no link proxy
	pl = quickScenario(t, 1, "2s", "  - {at: 1s, kind: cut, side: link}\n", nil)
	if _, err := NewRunner(pl, Options{Target: st.TelnetAddr(), Backstage: st.Stack}); err == nil || !strings.Contains(err.Error(), "no link proxy") {
		t.Errorf("a link fault without a link proxy: got %v", err)
	}
	if _, err := NewRunner(pl, Options{Target: st.TelnetAddr(), First: 1}); err != nil {
		t.Errorf("a second shard, which leaves link faults to the first: %v", err)
	}
}

func TestResetLosesExactlyThePickedPlayers(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	pl := quickScenario(t, 10, "2500ms", "  - {at: 1500ms, kind: reset, fraction: 0.5}\n", nil)
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{})
	rep := out.rep
	want := 0
	for n := uint64(1); n <= 10; n++ { // each player connected once through the proxy
		if faults.Picked(n, 0.5) {
			want++
		}
	}
	f := onlyFault(t, rep)
	if f.Affected != int64(want) || f.Side != reports.SideClient || f.Start < 1500*time.Millisecond {
		t.Errorf("fault %+v: want %d connections reset, on the client side, not before 1.5s", f, want)
	}
	if got := rep.Clients.LostTotal(); got != int64(want) || rep.Clients.Finished != int64(10-want) {
		t.Errorf("clients %+v: want %d lost (reading or writing) and the rest finished", rep.Clients, want)
	}
	checkAccounted(t, rep)
}

func TestAfterLoginsWaitsForEveryPlayer(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	// 6s: the 20 logins take a fraction of a second on an idle machine,
	// several on one running other test binaries, and the fault waits
	// for them all within the run.
	pl := quickScenario(t, 20, "6s", "  - {at: 0s, after: logins, kind: reset}\n", func(sc *Scenario) {
		sc.RampUp = time.Second // the last player connects a second in
	})
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{})
	rep := out.rep
	f := onlyFault(t, rep)
	if rep.Clients.LoggedIn != 20 || f.Affected != 20 || rep.Clients.LostTotal() != 20 {
		t.Errorf("clients %+v, fault %+v: want all 20 logged in, then all 20 reset (lost reading or writing)", rep.Clients, f)
	}
	if last := rep.Phases[reports.PhaseLoggedIn].Latency.Max(); f.Start < time.Second {
		t.Errorf("the fault began at %v, before the last player (connecting at about 1s, logged in after %v)", f.Start, last)
	}
}

func TestServerCrashLosesNoCommand(t *testing.T) {
	t.Parallel()
	st := startFaultStack(t)
	pl := quickScenario(t, 10, "3s", "  - {at: 1s, for: 300ms, kind: server-crash}\n", nil)
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{opts: Options{Backstage: st.Stack}})
	rep := out.rep
	f := onlyFault(t, rep)
	if f.Side != reports.SideServer || f.End-f.Start < 300*time.Millisecond || f.Caught == 0 || f.Lost != 0 || f.Settled < f.Start {
		t.Errorf("fault %+v: want a server fault of 300 ms or more that caught commands and lost none", f)
	}
	if rep.Clients.LostTotal() != 0 || rep.Clients.Finished != 10 {
		t.Errorf("clients %+v: want every player to finish", rep.Clients)
	}
	for name, a := range rep.Actions {
		if a.FailedTotal() != 0 {
			t.Errorf("action %s: failed %v", name, a.Failed)
		}
	}
	checkAccounted(t, rep)
}

func TestLinkLatencyAndStormAndToxicsAreRecorded(t *testing.T) {
	t.Parallel()
	st := startFaultStack(t)
	pl := quickScenario(t, 5, "3s", `  - {at: 1s, for: 500ms, kind: latency, latency: 100ms, side: link}
  - {at: 1s, for: 1s, kind: fragment}
  - {at: 1200ms, kind: reconnect-storm, clients: 20, rounds: 2}
`, nil)
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{opts: Options{Backstage: st.Stack}})
	rep := out.rep
	if len(rep.Faults) != 3 {
		t.Fatalf("faults %+v: want 3", rep.Faults)
	}
	lat, frag, storm := rep.Faults[0], rep.Faults[1], rep.Faults[2]
	if lat.Side != reports.SideLink || lat.Affected != 1 || lat.End-lat.Start < 500*time.Millisecond || lat.Detail != "100ms, both ways, for 500ms" {
		t.Errorf("link latency %+v: want the one link delayed for 500 ms or more", lat)
	}
	if frag.Affected != 5 || frag.Lost != 0 || frag.Caught == 0 {
		t.Errorf("fragmentation %+v: want 5 connections shaped, commands caught and none lost", frag)
	}
	if c := storm.Crowd; c == nil || c.Connections != 40 || c.Served != 40 {
		t.Errorf("storm crowd %+v: want 40 connections served", storm.Crowd)
	}
	if rep.Clients.LostTotal() != 0 {
		t.Errorf("clients %+v: want none lost", rep.Clients)
	}
	checkAccounted(t, rep)
}

func TestAggregatorAttributesCommandsToFaults(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	agg := NewAggregator(reports.Meta{Scenario: "a"}, t0)
	answered := func(sentMs, doneMs int) Result {
		return Result{Kind: KindCommand, Action: "look", At: at(doneMs), Latency: at(doneMs).Sub(at(sentMs))}
	}
	for _, r := range []Result{
		{Kind: KindFaultStart, At: at(1000), Fault: &reports.Fault{Index: 0, Kind: FaultServerStall, Side: reports.SideServer}},
		answered(500, 900),   // done before the fault: not caught
		answered(500, 1500),  // caught, 1 s: not late
		answered(1500, 3000), // caught, late, settles the fault
		{Kind: KindFaultEnd, At: at(2000), Fault: &reports.Fault{Index: 0, Affected: 7}},
		answered(2500, 2600), // sent after the end: not caught
		{Kind: KindCommand, Action: "look", Reason: ReasonTimeout, At: at(2500), Latency: 700 * time.Millisecond}, // sent at 1.8 s: caught, lost
	} {
		agg.Add(r)
	}
	rep := agg.Close(at(4000))
	want := reports.Fault{Index: 0, Kind: FaultServerStall, Side: reports.SideServer, Start: time.Second, End: 2 * time.Second,
		Affected: 7, Caught: 3, Late: 1, Lost: 1, LateAfter: LateAfter, Settled: 3 * time.Second}
	if len(rep.Faults) != 1 || rep.Faults[0] != want {
		t.Errorf("faults %+v, want [%+v]", rep.Faults, want)
	}
}
