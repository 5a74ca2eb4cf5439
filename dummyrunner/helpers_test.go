package dummyrunner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/reports"
)

// startStack starts an embedded portal and game server with Evennia's
// dummyrunner settings (no connection or command rate limits), its
// websocket, telnet-over-TLS and SSH doors open, and stops it when the test
// ends.
func startStack(t *testing.T, noServer bool) *testutil.Stack {
	t.Helper()
	st, err := testutil.StartStack(testutil.StackConfig{
		Portal: portal.Config{MaxConnectionRate: -1, MaxCommandRate: -1, Keepalive: -1,
			WebsocketAddr: "127.0.0.1:0", TelnetTLSAddr: "127.0.0.1:0", SSHAddr: "127.0.0.1:0"},
		NoServer: noServer,
	})
	if err != nil {
		t.Fatalf("StartStack: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}

// parsePlan decodes a scenario and compiles it, as a file in dir.
func parsePlan(b []byte, dir string) (*Plan, error) {
	sc, err := ParseScenario(b)
	if err != nil {
		return nil, err
	}
	return sc.Compile(dir)
}

// loadPlan reads a scenario file and compiles it.
func loadPlan(path string) (*Plan, error) {
	sc, err := LoadScenario(path)
	if err != nil {
		return nil, err
	}
	return sc.Compile(filepath.Dir(path))
}

// defaultPlan compiles the built-in default scenario.
func defaultPlan() *Plan {
	pl, err := DefaultScenario().Compile("")
	if err != nil {
		panic(err)
	}
	return pl
}

// mustPlan compiles a scenario written in the test.
func mustPlan(t testing.TB, yaml string) *Plan {
	t.Helper()
	return mustPlanWith(t, yaml, nil)
}

// mustPlanWith compiles a scenario written in the test after change (if
// not nil) has changed it, as a spec or a flag overrides a file.
func mustPlanWith(t testing.TB, yaml string, change func(*Scenario)) *Plan {
	t.Helper()
	sc, err := ParseScenario([]byte(yaml))
	if err != nil {
		t.Fatalf("ParseScenario: %v\n%s", err, yaml)
	}
	if change != nil {
		change(sc)
	}
	pl, err := sc.Compile("")
	if err != nil {
		t.Fatalf("Compile: %v\n%s", err, yaml)
	}
	return pl
}

// recompile compiles pl's scenario again after change has changed it.
func recompile(t testing.TB, pl *Plan, change func(*Scenario)) *Plan {
	t.Helper()
	sc := pl.Scenario()
	change(sc)
	again, err := sc.Compile("")
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return again
}

// schedLine is one line of Options.Schedule.
type schedLine struct {
	Client   int       `json:"client"`
	Seq      int       `json:"seq"`
	Action   string    `json:"action"`
	Command  string    `json:"command"`
	Intended time.Time `json:"intended"`
	Sent     time.Time `json:"sent"`
}

// runResult is what one run produced.
type runResult struct {
	rep      *reports.Report
	results  []Result    // every result, in the order the aggregator got them
	sched    []schedLine // the realized schedule
	start    time.Time   // just before Run
	end      time.Time   // Run returned
	snapshot Progress    // the aggregator's live numbers when Run returned
}

// runOpts tune runScenario.
type runOpts struct {
	ctx context.Context // default: the test's context
	// onResult, if set, sees every result (in the consumer goroutine) before the aggregator.
	onResult func(Result)
	opts     Options
	// stack, if set, gives the websocket and TLS doors (opts' otherwise).
	stack *testutil.Stack
}

// runScenario runs pl against target the way "portalsim run" does (a
// Runner feeding an Aggregator) and returns the closed report, every
// result and the schedule. It fails the test if Run does not return in
// the scenario's planned duration plus its logout grace plus a margin.
func runScenario(t *testing.T, pl *Plan, target string, ro runOpts) runResult {
	t.Helper()
	ctx := ro.ctx
	if ctx == nil {
		ctx = t.Context()
	}
	var sched bytes.Buffer
	opts := ro.opts
	opts.Target = target
	if ro.stack != nil {
		opts.WebsocketURL, opts.TLSTarget, opts.SSHTarget = ro.stack.WebsocketURL(), ro.stack.TLSAddr(), ro.stack.SSHAddr()
	}
	opts.Schedule = &sched
	r, err := NewRunner(pl, opts)
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	meta := reports.Meta{Scenario: pl.sc.Name, Seed: pl.sc.Seed, Target: target, Protocol: pl.TransportLabel(), Model: pl.sc.Model, Clients: pl.Sessions()}
	out := runResult{start: time.Now()}
	agg := NewAggregator(meta, out.start)
	for _, name := range pl.transportList {
		agg.rep.Transport(name).Target = r.Door(name)
	}
	results := make(chan Result, 1<<12)
	runErr := make(chan error, 1)
	go func() { runErr <- r.Run(ctx, results) }()
	limit := time.NewTimer(pl.PlannedDuration() + pl.sc.LogoutGrace + 20*time.Second)
	defer limit.Stop()
	for done := false; !done; {
		select {
		case res, ok := <-results:
			if !ok {
				done = true
				break
			}
			if ro.onResult != nil {
				ro.onResult(res)
			}
			out.results = append(out.results, res)
			agg.Add(res)
		case <-limit.C:
			t.Fatalf("Run did not return in time")
		}
	}
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	out.end = time.Now()
	out.snapshot = agg.Snapshot(out.end)
	out.rep = agg.Close(out.end)
	out.rep.Meta.Interrupted = r.Interrupted() // as Execute does
	sc2 := bufio.NewScanner(&sched)
	sc2.Buffer(nil, 1<<20)
	for sc2.Scan() {
		var l schedLine
		if err := json.Unmarshal(sc2.Bytes(), &l); err != nil {
			t.Fatalf("schedule line %q: %v", sc2.Text(), err)
		}
		out.sched = append(out.sched, l)
	}
	return out
}

// perClient groups the schedule's lines by client, in send order.
func perClient(lines []schedLine) map[int][]schedLine {
	m := map[int][]schedLine{}
	for _, l := range lines {
		m[l.Client] = append(m[l.Client], l)
	}
	return m
}

// deadAddr returns the address of a listener that was closed: nothing listens there.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// checkAccounted fails the test for every action whose sent commands are
// not all answered or failed.
func checkAccounted(t *testing.T, rep *reports.Report) {
	t.Helper()
	for name, a := range rep.Actions {
		if !a.Accounted() {
			t.Errorf("action %s not accounted: sent %d, answered %d, failed %v", name, a.Sent, a.Answered, a.Failed)
		}
	}
}
