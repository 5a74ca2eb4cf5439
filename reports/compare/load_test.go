package compare

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/reports"
)

// quietLoad is a quiet machine: the run's own 30%, 2% of other processes.
func quietLoad(int) reports.Load {
	return reports.Load{Samples: 10, Busy: 0.32, Own: 0.3, RunQueue: 1.5}
}

// neighbour is a run beside a process that takes half the cores from
// second from to second to (excluded), making the latency 1.6 times
// what it is otherwise in those seconds.
func neighbour(r synthRun, from, to int) synthRun {
	in := func(sec int) bool { return sec >= from && sec < to }
	r.slowAt = func(sec int) float64 {
		if in(sec) {
			return 1.6
		}
		return 1
	}
	r.load = func(sec int) reports.Load {
		l := quietLoad(sec)
		if in(sec) {
			l.Busy, l.RunQueue = 0.8, 3
		}
		return l
	}
	return r
}

// measured gives a run the quiet machine and the scope of a run whose
// processes were all told apart.
func measured(r synthRun) synthRun {
	if r.load == nil {
		r.load = quietLoad
	}
	r.meta = func(m *reports.Meta) { m.LoadScope = reports.LoadScopeRun }
	return r
}

func mustCompare(t *testing.T, base, head *reports.Report, opts Options) *Comparison {
	t.Helper()
	c, err := Compare(base, head, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hasReason(c *Comparison, part string) bool {
	for _, r := range c.Reasons {
		if strings.Contains(r, part) {
			return true
		}
	}
	return false
}

// A neighbour during half of the head run: without the machine in view
// a regression; with it, the busy seconds are dropped from both runs and
// the rest shows no change; keeping them, the verdict is inconclusive.
func TestCompareNeighbourOnHead(t *testing.T) {
	t.Parallel()
	base, head := synthReport(t, measured(defaultRun(1))), synthReport(t, measured(neighbour(defaultRun(2), 10, 26)))
	if c := mustCompare(t, base, head, Options{IgnoreLoad: true}); c.Verdict != VerdictRegression {
		t.Fatalf("ignoring the load: %s (%v), want a regression: the test's neighbour is too weak", c.Verdict, c.Reasons)
	}
	c := mustCompare(t, base, head, Options{})
	if c.Verdict != VerdictNoChange {
		t.Errorf("verdict %s, want no change: %v", c.Verdict, c.Reasons)
	}
	if c.Load == nil || !c.Load.Judged || c.Load.BusyHead != 16 || c.Load.BusyBase != 0 || c.Load.Dropped != 16 {
		t.Errorf("load %+v: want 16 busy seconds of the head run dropped", c.Load)
	}
	if !hasReason(c, "16 busy seconds (background above 12% of all cores: 0 in the base run, 16 in the head run) dropped from both runs by position; 16 compared") {
		t.Errorf("the reasons do not count the dropped seconds: %v", c.Reasons)
	}
	c = mustCompare(t, base, head, Options{KeepBusy: true})
	if c.Verdict != VerdictInconclusive || !hasReason(c, "busier during HEAD") {
		t.Errorf("keeping the busy seconds: %s, %v; want inconclusive, the machine busier during HEAD", c.Verdict, c.Reasons)
	}
	if c.Load.Dropped != 0 || !hasReason(c, "busy seconds compared (-keep-busy") {
		t.Errorf("keeping the busy seconds: %d dropped, reasons %v", c.Load.Dropped, c.Reasons)
	}
	// With 5 s windows, 8 windows need 40 s: the 16 quiet seconds are
	// too few, so the busy ones are compared and said to be.
	c = mustCompare(t, base, head, Options{Window: 5})
	if c.Load.Dropped != 0 || !hasReason(c, "dropping them would leave 16, fewer than the 40 needed") {
		t.Errorf("5 s windows: %d dropped, reasons %v", c.Load.Dropped, c.Reasons)
	}
	// A neighbour through most of the head run leaves too little of it:
	// fewer than half of its seconds.
	c = mustCompare(t, base, synthReport(t, measured(neighbour(defaultRun(2), 10, 30))), Options{})
	if c.Load.Dropped != 0 || c.Verdict != VerdictInconclusive || !hasReason(c, "dropping them would leave 12, fewer than the 16 needed") {
		t.Errorf("a neighbour through most of the run: %s, %d dropped, reasons %v", c.Verdict, c.Load.Dropped, c.Reasons)
	}
}

// A neighbour through the whole head run leaves nothing quiet to
// compare: nothing is dropped and the regression is inconclusive.
func TestCompareNeighbourThroughout(t *testing.T) {
	t.Parallel()
	c := mustCompare(t, synthReport(t, measured(defaultRun(1))), synthReport(t, measured(neighbour(defaultRun(2), 0, 40))), Options{})
	if c.Verdict != VerdictInconclusive || !hasReason(c, "busier during HEAD") {
		t.Errorf("verdict %s, %v; want inconclusive", c.Verdict, c.Reasons)
	}
	if c.Load.Dropped != 0 || !hasReason(c, "dropping them would leave 0") {
		t.Errorf("%d seconds dropped, reasons %v: want none, too few would remain", c.Load.Dropped, c.Reasons)
	}
	if got := c.Verdict.ExitCode(); got != 7 {
		t.Errorf("exit code %d, want 7", got)
	}
}

// A real 30% slowdown of the head with a neighbour during part of the
// base run is still a regression: the busy seconds are dropped and the
// rest shows the slowdown (kept, they would have hidden it). With the
// neighbour through the whole base run nothing is left to drop, and the
// verdict is inconclusive: a neighbour can speed a run up as well.
func TestCompareSlowdownWithNeighbourOnBase(t *testing.T) {
	t.Parallel()
	hr := measured(defaultRun(2))
	hr.slow = 1.3
	head := synthReport(t, hr)
	c := mustCompare(t, synthReport(t, measured(neighbour(defaultRun(1), 10, 25))), head, Options{})
	if c.Verdict != VerdictRegression || c.Load.Dropped != 15 {
		t.Errorf("verdict %s (%v), %d seconds dropped; want a regression, 15 dropped", c.Verdict, c.Reasons, c.Load.Dropped)
	}
	br := measured(neighbour(defaultRun(1), 0, 40))
	br.slowAt = func(int) float64 { return 0.9 } // a neighbour that made the base faster
	c = mustCompare(t, synthReport(t, br), head, Options{})
	if c.Verdict != VerdictInconclusive || !hasReason(c, "busier during BASE") {
		t.Errorf("the neighbour throughout the base run: %s (%v), want inconclusive", c.Verdict, c.Reasons)
	}
}

// An improvement whose base run had the neighbour is inconclusive too.
func TestCompareImprovementWithBusyBase(t *testing.T) {
	t.Parallel()
	hr := measured(defaultRun(2))
	hr.slow = 0.7
	br := measured(neighbour(defaultRun(1), 0, 40))
	br.slowAt = nil // the neighbour took CPU but the base was not slower for it
	base, head := synthReport(t, br), synthReport(t, hr)
	c := mustCompare(t, base, head, Options{})
	if c.Verdict != VerdictInconclusive || !hasReason(c, "busier during BASE") {
		t.Errorf("verdict %s, %v; want inconclusive, busier during BASE", c.Verdict, c.Reasons)
	}
	if c := mustCompare(t, base, head, Options{IgnoreLoad: true}); c.Verdict != VerdictImprovement {
		t.Errorf("ignoring the load: %s, want an improvement", c.Verdict)
	}
}

// An absolute threshold fails however busy the machine was.
func TestCompareAbsoluteThresholdWithBusyHead(t *testing.T) {
	t.Parallel()
	hr := measured(neighbour(defaultRun(2), 0, 40))
	hr.fails = 3
	c := mustCompare(t, synthReport(t, measured(defaultRun(1))), synthReport(t, hr), Options{Thresholds: mustCompareThresholds(t, "errors > 0")})
	if c.Verdict != VerdictRegression {
		t.Errorf("verdict %s (%v), want a regression: errors > 0 failed", c.Verdict, c.Reasons)
	}
}

// Runs without machine figures, or whose target's CPU counts as other
// processes', are compared as before, with a note of why the load was
// not judged.
func TestCompareLoadNotJudged(t *testing.T) {
	t.Parallel()
	busyHead := neighbour(defaultRun(2), 10, 30)
	generatorOnly := measured(busyHead)
	generatorOnly.meta = func(m *reports.Meta) { m.LoadScope = reports.LoadScopeGenerator }
	machines := measured(busyHead)
	machines.meta = func(m *reports.Meta) { m.LoadScope = reports.LoadScopeMachines }
	for name, tc := range map[string]struct {
		base, head synthRun
		note       string
	}{
		"not measured": {defaultRun(1), func() synthRun { r := busyHead; r.load = nil; return r }(), "measured in 0 of"},
		"target's CPU": {measured(defaultRun(1)), generatorOnly, "-target-pids"},
		"machines":     {measured(defaultRun(1)), machines, "different machines"},
	} {
		c := mustCompare(t, synthReport(t, tc.base), synthReport(t, tc.head), Options{})
		if c.Verdict != VerdictRegression {
			t.Errorf("%s: verdict %s, want the regression the load would have explained", name, c.Verdict)
		}
		if c.Load == nil || c.Load.Judged || !strings.Contains(c.Load.Note, tc.note) || !hasReason(c, tc.note) {
			t.Errorf("%s: load %+v, reasons %v: want a note saying %q", name, c.Load, c.Reasons, tc.note)
		}
	}
}

func TestCompareLoadOptionsRefused(t *testing.T) {
	t.Parallel()
	r := synthReport(t, measured(defaultRun(1)))
	for _, o := range []Options{{BusyMargin: math.NaN()}, {BusyMargin: -0.1}, {LoadDiff: 2}, {LoadDiff: math.Inf(1)}} {
		if _, err := Compare(r, r, o); !errors.Is(err, ErrCompare) {
			t.Errorf("%+v: error %v, want ErrCompare", o, err)
		}
	}
}

// Runs of different lengths pair their seconds by position as far as
// the shorter goes; a busy second of either drops that position.
func TestCompareNeighbourUnequalLengths(t *testing.T) {
	t.Parallel()
	hr := defaultRun(2)
	hr.seconds = 36
	c := mustCompare(t, synthReport(t, measured(defaultRun(1))), synthReport(t, measured(neighbour(hr, 10, 20))), Options{})
	if c.Verdict != VerdictNoChange || c.Load.Dropped != 10 || c.Load.Kept != 18 {
		t.Errorf("verdict %s, load %+v: want no change, 10 dropped, 18 compared", c.Verdict, c.Load)
	}
}

// A neighbour through the whole head run that did not show in its
// latency still leaves the comparison inconclusive: a busy side can
// hide a change as well as fake one.
func TestCompareNoChangeWithBusyHead(t *testing.T) {
	t.Parallel()
	hr := measured(neighbour(defaultRun(2), 0, 40))
	hr.slowAt = nil
	base, head := synthReport(t, measured(defaultRun(1))), synthReport(t, hr)
	c := mustCompare(t, base, head, Options{})
	if c.Verdict != VerdictInconclusive || !hasReason(c, "a change, or its absence, cannot be told") {
		t.Errorf("verdict %s, %v; want inconclusive", c.Verdict, c.Reasons)
	}
	if c := mustCompare(t, base, head, Options{IgnoreLoad: true}); c.Verdict != VerdictNoChange {
		t.Errorf("ignoring the load: %s, want no change", c.Verdict)
	}
}
