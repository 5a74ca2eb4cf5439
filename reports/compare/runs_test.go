package compare

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/reports"
)

// The reference values of Student's t-test below were computed with
// mpmath (30 digits) from the textbook formulas, independently of this
// package: the pooled-variance statistic with n1+n2-2 degrees of
// freedom, the t distribution's CDF through the regularized incomplete
// beta function, and its quantile by root finding.
func TestRunTest(t *testing.T) {
	t.Parallel()
	// Wikipedia's first example of Welch's t-test, whose Student's t-test
	// gives p 0.021 with 28 degrees of freedom.
	a1 := []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4}
	a2 := []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}
	tests := []struct {
		name   string
		b, h   []float64
		ratio  bool
		want   runResult
		wantOK bool
	}{
		{"differences", a1, a2, false, runResult{Base: 20.82, Head: 22.986666666666666, Change: 2.1666666666666664,
			Low: 0.35910199825932069, High: 3.9742313350740122, P: 0.020544522734126018}, true},
		// Three runs a side, 38% slower: the interval of the ratio of the
		// geometric means.
		{"ratios", []float64{106, 110, 92}, []float64{140, 151, 133}, true, runResult{Base: 102.36750678029637, Head: 141.14068081056466,
			Change: 0.37876446589135182, Low: 0.14868495898750195, High: 0.65492847932846315, P: 0.0081342875887385892}, true},
		// A slowed build measured on the reference machine: its runs
		// spread a tenth as much as the base's (Welch's test, 2.05
		// degrees of freedom: p 0.010, then 0.052 after Holm over five
		// rows).
		{"spreads apart", []float64{99, 85, 101}, []float64{159, 162, 160}, true, runResult{Base: 94.723666052542465, Head: 160.32849178728404,
			Change: 0.6925917087958895, Low: 0.45394388268143218, High: 0.97041077500258562, P: 0.00065441881908634906}, true},
		// Two runs a side: 2 degrees of freedom, a wide interval.
		{"two runs", []float64{0.01, 0.02}, []float64{0.03, 0.05}, false, runResult{Base: 0.015, Head: 0.04, Change: 0.025,
			Low: -0.023105119936474148, High: 0.073105119936474149, P: 0.15484574527148346}, true},
		// No spread to test against: the windows must tell.
		{"identical runs", []float64{316, 316}, []float64{316, 316, 316}, true, runResult{Base: 316, Head: 316, P: 1}, true},
		{"identical runs, a change", []float64{316, 316}, []float64{300, 300}, true, runResult{}, false},
		{"zero error rates", []float64{0, 0}, []float64{0, 0}, false, runResult{P: 1}, true},
		{"one base run", []float64{100}, []float64{100, 120}, true, runResult{}, false},
		{"one head run", []float64{100, 120}, []float64{100}, false, runResult{}, false},
		{"a zero level on a ratio scale", []float64{0, 120}, []float64{100, 110}, true, runResult{}, false},
		{"not a number", []float64{math.NaN(), 1}, []float64{1, 1}, false, runResult{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := runTest(tc.b, tc.h, tc.ratio, 0.95)
			if ok != tc.wantOK {
				t.Fatalf("runTest() ok = %v, want %v", ok, tc.wantOK)
			}
			approx := cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*max(1, math.Abs(y)) })
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("runTest() (-want +got):\n%s", diff)
			}
			// Swapping the sides mirrors the change and keeps the p-value.
			sw, _ := runTest(tc.h, tc.b, tc.ratio, 0.95)
			mirrored := sw.Change == -got.Change
			if tc.ratio {
				mirrored = math.Abs((1+sw.Change)*(1+got.Change)-1) < 1e-12
			}
			if ok && (math.Abs(sw.P-got.P) > 1e-12 || !mirrored) {
				t.Errorf("runTest() swapped: p %v, change %v; want p %v and the change mirrored from %v", sw.P, sw.Change, got.P, got.Change)
			}
		})
	}
	// Thousands of runs a side (a hostile report): the normal
	// distribution, no panic.
	many := make([]float64, 30000)
	for i := range many {
		many[i] = float64(100 + i%7)
	}
	if got, ok := runTest(many, many[1:], true, 0.95); !ok || got.P < 0.5 || got.Low >= 0 || got.High <= 0 {
		t.Errorf("runTest() of 30,000 runs a side = %+v, %v; want about no change", got, ok)
	}
	// An Alpha so small that the interval is infinite: no interval, and
	// nothing that JSON cannot hold.
	got, ok := runTest([]float64{60, 60}, []float64{60, 6}, true, 1-1e-17)
	if !ok || got.Low != 0 || got.High != 0 || math.IsNaN(got.P) || math.IsInf(got.Change, 0) {
		t.Errorf("runTest() at level 1-1e-17 = %+v, %v; want a p-value and no interval", got, ok)
	}
}

func TestRunLevels(t *testing.T) {
	t.Parallel()
	got := runLevels([]float64{5, 1, 3, 9, 7, 2}, []int{2, 2, 2, 0, 0, 1}, 1)
	if want := []float64{3, 8, 2}; !cmp.Equal(got, want) {
		t.Errorf("runLevels() = %v, want %v (medians, in the order the runs first appear)", got, want)
	}
	if got := runLevels([]float64{5, 1, 3, 9, 7, 2}, []int{2, 2, 2, 0, 0, 1}, 2); !cmp.Equal(got, []float64{3, 8}) {
		t.Errorf("runLevels() of runs with 2 windows or more = %v, want [3 8]", got)
	}
	rates := runRates([]counted{{failed: 1, total: 10}, {failed: 0, total: 30}, {failed: 3, total: 10}}, []int{4, 4, 7}, 1)
	if want := []float64{0.025, 0.3}; !cmp.Equal(rates, want) {
		t.Errorf("runRates() = %v, want %v (failed of finished over each run's windows)", rates, want)
	}
	if got := runRates([]counted{{failed: 1, total: 10}, {failed: 0, total: 30}, {failed: 3, total: 10}}, []int{4, 4, 7}, 2); !cmp.Equal(got, []float64{0.025}) {
		t.Errorf("runRates() of runs with 2 windows or more = %v, want [0.025]", got)
	}
}

// pooledRuns pools synthetic runs of 30 s, one per factor: each run's
// latency multiplied by its factor, as whole runs of one build differ on
// a real machine.
func pooledRuns(t *testing.T, seed uint64, factors ...float64) *reports.Report {
	t.Helper()
	var rs []*reports.Report
	for i, f := range factors {
		r := defaultRun(seed + uint64(i))
		r.seconds, r.slow = 30, f
		rs = append(rs, synthReport(t, r))
	}
	p, err := reports.Pool(rs, -1)
	if err != nil {
		t.Fatalf("Pool: %v", err)
	}
	return p
}

// Whole runs of one build that differ by up to 60%, as on the reference
// machine: several interleaved runs a side see it is noise, where a test
// of their windows takes it for a change, and so does one run a side.
// No minimum effect: the test alone must tell.
func TestCompareRunsShiftedAA(t *testing.T) {
	t.Parallel()
	base, head := pooledRuns(t, 100, 1.0, 1.3, 0.85), pooledRuns(t, 200, 1.3, 1.0, 1.35)
	opts := Options{Trim: -1, MinEffect: -1}
	c := mustCompare(t, base, head, opts)
	if c.Verdict != VerdictNoChange || c.RunsBase != 3 || c.RunsHead != 3 || c.TestUnit != UnitRuns {
		t.Errorf("3 runs a side: verdict %v over %d and %d runs, unit %q; want no_change over 3 and 3 runs: %q", c.Verdict, c.RunsBase, c.RunsHead, c.TestUnit, c.Reasons)
	}
	p50 := row(t, c, "p50(*)")
	if len(p50.LevelsBase) != 3 || len(p50.LevelsHead) != 3 || p50.LevelsHead[0] < 1.2*p50.LevelsBase[0] {
		t.Errorf("p50 run levels: base %v, head %v; want 3 each, the first head run about 30%% above the first base run", p50.LevelsBase, p50.LevelsHead)
	}
	if hasReason(c, "tested over windows") {
		t.Errorf("the caveat of windows in a test over runs: %q", c.Reasons)
	}
	// Told to test the windows, it is misled by the same runs.
	w := mustCompare(t, base, head, Options{Trim: -1, MinEffect: -1, ByWindows: true})
	if w.TestUnit != UnitWindows || len(row(t, w, "p50(*)").LevelsBase) != 0 || w.Verdict == VerdictNoChange ||
		!hasReason(w, "tested over windows, as told (-by-windows): a shift of a whole run") {
		t.Errorf("ByWindows: verdict %v, unit %q, p50 run levels %v; want a change tested over windows, with the caveat: %q",
			w.Verdict, w.TestUnit, row(t, w, "p50(*)").LevelsBase, w.Reasons)
	}
	// The first base run against the first head run, alone: the windows
	// are the unit, and the 30% shift is a regression to them.
	one := mustCompare(t, pooledRuns(t, 100, 1.0), pooledRuns(t, 200, 1.3), Options{Trim: -1})
	if one.Verdict != VerdictRegression || one.RunsBase != 1 || one.TestUnit != UnitWindows || !hasReason(one, "tested over windows, with one run on a side") {
		t.Errorf("one run a side: verdict %v, runs %d, unit %q; want a regression tested over windows, with the caveat: %q", one.Verdict, one.RunsBase, one.TestUnit, one.Reasons)
	}
}

// A 40% slowdown of every head run stands out of run-to-run noise of a
// few percent.
func TestCompareRunsRegression(t *testing.T) {
	t.Parallel()
	base, head := pooledRuns(t, 300, 1.0, 1.05, 0.97), pooledRuns(t, 400, 1.4, 1.38, 1.45)
	c := mustCompare(t, base, head, Options{Trim: -1})
	if c.Verdict != VerdictRegression {
		t.Fatalf("verdict %v, want regression: %q", c.Verdict, c.Reasons)
	}
	p50 := row(t, c, "p50(*)")
	if !p50.Failed || p50.Change < 0.3 || p50.Change > 0.5 || p50.CILow <= 0 || p50.CIHigh < p50.Change {
		t.Errorf("p50: failed %v, change %+.3f, CI [%+.3f, %+.3f]; want a failed row near +40%% with its interval above 0", p50.Failed, p50.Change, p50.CILow, p50.CIHigh)
	}
	found := false
	for _, r := range c.Reasons {
		found = found || strings.Contains(r, "p50(*) is worse") && strings.Contains(r, "over 3 base and 3 head runs")
	}
	if !found {
		t.Errorf("no reason names the p50 regression over 3 base and 3 head runs: %q", c.Reasons)
	}
}

// A window holds seconds of one run: pooled runs of 30 s trimmed to 24,
// in windows of 5 s, give 4 windows per run and leave 4 s of each.
func TestCompareWindowsWithinRuns(t *testing.T) {
	t.Parallel()
	base, head := pooledRuns(t, 500, 1, 1), pooledRuns(t, 600, 1, 1)
	c := mustCompare(t, base, head, Options{Trim: -1, Window: 5})
	p50 := row(t, c, "p50(*)")
	if p50.NBase != 8 || p50.NHead != 8 {
		t.Errorf("p50 windows: %d base, %d head; want 8 each (4 per run of 24 s), not 9 (48 s end to end)", p50.NBase, p50.NHead)
	}
}

// An action's rows inform; they decide no verdict, an improvement no more
// than a regression, and spend none of the deciding rows' Alpha.
func TestCompareInformationalImprovement(t *testing.T) {
	t.Parallel()
	// Everything 10% slower (significant, under the minimum effect, so
	// that the deciding rows have small p-values to adjust), and
	// measure_lag a third faster.
	b, h := defaultRun(700), defaultRun(701)
	h.slow = 1.1
	h.median = map[string]time.Duration{"looks": 20 * time.Millisecond, "measure_lag": 3 * time.Millisecond}
	c := mustCompare(t, synthReport(t, b), synthReport(t, h), Options{})
	lag := row(t, c, "p50(measure_lag)")
	if !lag.Significant || lag.Worse || !lag.Informational {
		t.Fatalf("p50(measure_lag): significant %v, worse %v, informational %v, change %+.3f; want a significant informational improvement", lag.Significant, lag.Worse, lag.Informational, lag.Change)
	}
	if c.Verdict != VerdictNoChange {
		t.Errorf("verdict %v, want no_change: only an informational row improved: %q", c.Verdict, c.Reasons)
	}
	// Holm within the deciding rows alone: their p-values adjusted among
	// themselves, whatever the informational rows say.
	var idx []int
	var ps []float64
	for i, r := range c.Rows {
		if !r.Insufficient && !r.Informational {
			idx, ps = append(idx, i), append(ps, r.P)
		}
	}
	if len(idx) != 5 {
		t.Errorf("%d deciding rows, want 5 (p50, p90, p99, throughput, error rate)", len(idx))
	}
	for j, want := range holm(ps) {
		if r := c.Rows[idx[j]]; r.PAdjusted != want {
			t.Errorf("%s: adjusted p %v, want %v (Holm over the deciding rows)", r.Metric, r.PAdjusted, want)
		}
	}
	// With a threshold on it, the action's row decides.
	c = mustCompare(t, synthReport(t, b), synthReport(t, h), Options{Thresholds: mustCompareThresholds(t, "p50(measure_lag) +10%")})
	if c.Verdict != VerdictImprovement {
		t.Errorf("with a threshold on p50(measure_lag): verdict %v, want improvement: %q", c.Verdict, c.Reasons)
	}
}

// With runs as the unit, a window must leave each of two runs a side a
// level's worth of windows: 5 runs of 23 s at 5 commands a second would
// take 10 s windows by their rate, 10 in all but 2 per run; 5 s it is.
func TestWindowFitsRuns(t *testing.T) {
	t.Parallel()
	runs := func(n, seconds int) side {
		var s side
		for r := range n {
			for range seconds {
				s.tl = append(s.tl, reports.Interval{Run: r})
			}
		}
		return s
	}
	sb, sh := runs(5, 23), runs(5, 23)
	cfg, err := Options{}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if got := chooseWindow(5, 5, cfg.fits(sb, sh)); got != 5 {
		t.Errorf("window over 5 runs of 23 s = %d s, want 5", got)
	}
	cfg.byWindows = true
	if got := chooseWindow(5, 5, cfg.fits(sb, sh)); got != 10 {
		t.Errorf("window over 5 runs of 23 s, tested over windows = %d s, want 10", got)
	}
}
