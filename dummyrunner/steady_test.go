package dummyrunner

import (
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// TestSteadyForEndsTheRun: with Options.SteadyFor, a closed-model run
// ends that long after every login settled, long before its planned
// duration, and the end is a planned one (not interrupted).
func TestSteadyForEndsTheRun(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	pl := quickScenario(t, 3, "60s", "", nil)
	start := time.Now()
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{opts: Options{SteadyFor: 300 * time.Millisecond}})
	rep := out.rep
	if rep.Meta.Interrupted {
		t.Error("a run ended by SteadyFor is flagged interrupted")
	}
	if c := rep.Clients; c.LoggedIn != 3 || c.Finished != 3 || c.LostTotal() != 0 {
		t.Errorf("clients = %+v, want 3 logged in and finished", c)
	}
	// Not a timing assertion: the planned minute is the bound that must not be reached.
	if took := time.Since(start); took >= 60*time.Second {
		t.Errorf("the run took %v: SteadyFor did not end it", took)
	}
}

func TestGeneratorProblems(t *testing.T) {
	t.Parallel()
	lim := Health{MaxTimerLateness: 250 * time.Millisecond, MaxCPU: 0.95}
	healthy := func() *reports.Generator {
		g := reports.New(reports.Meta{}).Generator
		g.TimerLateness.Record(time.Millisecond)
		g.CPUMean, g.FDMax, g.FDLimit = 0.5, 100, 20000
		return &g
	}
	if got := GeneratorProblems(healthy(), lim); len(got) != 0 {
		t.Fatalf("a healthy generator: got %q", got)
	}
	for _, tt := range []struct {
		name   string
		change func(*reports.Generator)
		want   string
	}{
		{"late timers", func(g *reports.Generator) { g.TimerLateness.RecordN(time.Second, 100) }, "timers were late"},
		{"saturated CPU", func(g *reports.Generator) { g.CPUMean = 0.99 }, "CPU saturated"},
		{"no descriptors left", func(g *reports.Generator) { g.FDMax = 19990 }, "file descriptors exhausted"},
	} {
		g := healthy()
		tt.change(g)
		got := GeneratorProblems(g, lim)
		if len(got) != 1 || !strings.Contains(got[0], tt.want) {
			t.Errorf("%s: got %q, want one problem with %q", tt.name, got, tt.want)
		}
	}
}
