package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/reports"
)

// synthRun describes a synthetic run for synthReport.
type synthRun struct {
	seed     uint64
	seconds  int
	rate     map[string]float64       // mean commands per second, per action
	median   map[string]time.Duration // median latency, per action
	sigma    float64                  // the latency's log-sd
	slow     float64                  // latency factor: 1.3 is 30% slower
	failRate float64                  // the chance a command fails
	fails    int                      // commands that fail in the middle second, on top
	meta     func(*reports.Meta)
	// slowAt, if set, is a further latency factor per second (a
	// neighbour's doing), and load the machine's load per second.
	slowAt func(sec int) float64
	load   func(sec int) reports.Load
}

// defaultRun is 40 s at 150 looks and 50 measure_lags a second: 32
// windows of 1 s each after trimming 4 s at each end.
func defaultRun(seed uint64) synthRun {
	return synthRun{
		seed:    seed,
		seconds: 40,
		rate:    map[string]float64{"looks": 150, "measure_lag": 50},
		median:  map[string]time.Duration{"looks": 20 * time.Millisecond, "measure_lag": 5 * time.Millisecond},
		sigma:   0.5,
		slow:    1,
	}
}

// synthReport makes a report whose timeline holds, each second, about
// rate commands per action (Poisson) with lognormal latencies, all drawn
// from a PCG seeded with s.seed.
func synthReport(t testing.TB, s synthRun) *reports.Report {
	t.Helper()
	meta := reports.Meta{Scenario: "synthetic", Model: reports.ModelClosed, Valid: true, Seed: int64(s.seed), Duration: time.Duration(s.seconds) * time.Second}
	if s.meta != nil {
		s.meta(&meta)
	}
	r := reports.New(meta)
	rng := rand.New(rand.NewPCG(s.seed, 0x5eed))
	names := slices.Sorted(maps.Keys(s.rate))
	// Each second is recorded into reused histograms and stored packed, as
	// a real run's timeline is; a fresh histogram per second would cost
	// 256 KiB of buckets each.
	live := map[string]*reports.Histogram{reports.AllActions: reports.NewHistogram()}
	for _, name := range names {
		live[name] = reports.NewHistogram()
	}
	for sec := range s.seconds {
		iv := r.IntervalAt(sec)
		for _, name := range names {
			a := r.Action(name)
			mean := s.rate[name]
			n := max(0, int(math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())))
			for range n {
				a.Sent++
				iv.Sent++
				if rng.Float64() < s.failRate {
					a.Failed["timeout"]++
					iv.Failed++
					continue
				}
				slow := s.slow
				if s.slowAt != nil {
					slow *= s.slowAt(sec)
				}
				d := time.Duration(float64(s.median[name]) * slow * math.Exp(s.sigma*rng.NormFloat64()))
				a.Answered++
				iv.Answered++
				a.Latency.Record(d)
				live[reports.AllActions].Record(d)
				live[name].Record(d)
			}
		}
		if sec == s.seconds/2 && s.fails > 0 {
			a := r.Action(names[0])
			a.Sent += int64(s.fails)
			a.Failed["timeout"] += int64(s.fails)
			iv.Sent += int64(s.fails)
			iv.Failed += int64(s.fails)
		}
		if s.load != nil {
			iv.Load = s.load(sec)
		}
		iv.Latency = pack(live[reports.AllActions])
		for _, name := range names {
			if live[name].Count() > 0 {
				if iv.Actions == nil {
					iv.Actions = map[string]*reports.Histogram{}
				}
				iv.Actions[name] = pack(live[name])
			}
		}
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("synthetic report: %v", err)
	}
	return r
}

// pack returns a packed copy of h, as Interval.Compact would leave it,
// and resets h.
func pack(h *reports.Histogram) *reports.Histogram {
	c := *h // shares the buckets until Compact drops them from the copy
	c.Compact()
	h.Reset()
	return &c
}

// row returns the row of a metric.
func row(t testing.TB, c *Comparison, metric string) MetricDiff {
	t.Helper()
	for _, r := range c.Rows {
		if r.Metric == metric {
			return r
		}
	}
	t.Fatalf("no row %q in %v", metric, metrics(c))
	return MetricDiff{}
}

func metrics(c *Comparison) []string {
	var ms []string
	for _, r := range c.Rows {
		ms = append(ms, r.Metric)
	}
	return ms
}

func failedRows(c *Comparison) []string {
	var ms []string
	for _, r := range c.Rows {
		if r.Failed {
			ms = append(ms, r.Metric)
		}
	}
	return ms
}

// A/A: runs of the same distribution, 20 pairs, must almost always
// compare as no change.
func TestCompareAA(t *testing.T) {
	t.Parallel()
	const pairs = 20
	verdicts := make([]Verdict, pairs)
	t.Run("pairs", func(t *testing.T) {
		for i := range pairs {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				// 30 s runs (24 windows after trimming) keep the 40 reports
				// affordable under the race detector.
				b, h := defaultRun(1000+2*uint64(i)), defaultRun(1001+2*uint64(i))
				b.seconds, h.seconds = 30, 30
				base := synthReport(t, b)
				head := synthReport(t, h)
				c, err := Compare(base, head, Options{})
				if err != nil {
					t.Fatalf("Compare: %v", err)
				}
				verdicts[i] = c.Verdict
				if c.Verdict != VerdictNoChange {
					t.Logf("%v: %q", c.Verdict, c.Reasons)
				}
			})
		}
	})
	noChange := 0
	for _, v := range verdicts {
		if v == VerdictNoChange {
			noChange++
		}
	}
	t.Logf("A/A: %d of %d pairs compare as no change", noChange, pairs)
	if noChange < pairs-1 {
		t.Errorf("A/A: only %d of %d pairs compare as no change, want at least %d", noChange, pairs, pairs-1)
	}
}

func TestCompareVerdicts(t *testing.T) {
	t.Parallel()
	base := synthReport(t, defaultRun(1))
	tests := []struct {
		name       string
		head       func(*synthRun)
		base       *reports.Report // nil: base
		opts       Options
		want       Verdict
		wantFailed []string // nil: not checked
		wantReason string
	}{
		{
			name: "30% slower", head: func(s *synthRun) { s.slow = 1.3 },
			want:       VerdictRegression,
			wantFailed: []string{"p50(*)", "p90(*)", "p99(*)"}, // per-action rows: informational
			wantReason: "p99(*) is worse: +",
		},
		{
			name: "30% faster", head: func(s *synthRun) { s.slow = 0.7 },
			want: VerdictImprovement, wantFailed: []string{}, wantReason: "p50(*) is better: -",
		},
		{
			name: "3% slower", head: func(s *synthRun) { s.slow = 1.03 },
			want: VerdictNoChange, wantFailed: []string{},
		},
		{
			name: "6% slower", head: func(s *synthRun) { s.slow = 1.06 },
			want: VerdictNoChange, wantFailed: []string{},
		},
		{
			name: "6% slower, no minimum effect", head: func(s *synthRun) { s.slow = 1.06 },
			opts: Options{MinEffect: -1},
			want: VerdictRegression, wantReason: "p50(looks) is worse",
		},
		{
			name: "6% slower, minimum effect 5%", head: func(s *synthRun) { s.slow = 1.06 },
			opts: Options{MinEffect: 0.05},
			want: VerdictRegression, wantReason: "p50(looks) is worse",
		},
		{
			name: "30% less throughput", head: func(s *synthRun) { s.rate = map[string]float64{"looks": 105, "measure_lag": 35} },
			want: VerdictRegression, wantFailed: []string{"throughput"},
		},
		{
			name: "5% errors", head: func(s *synthRun) { s.failRate = 0.05 },
			want: VerdictRegression, wantFailed: []string{"error_rate"}, wantReason: "error_rate is worse: +",
		},
		{
			name: "too short", head: func(s *synthRun) { s.seconds = 9 },
			want: VerdictInsufficient, wantFailed: []string{}, wantReason: "every metric has fewer than 8 windows",
		},
		{
			name: "no timeline", head: func(s *synthRun) { s.seconds = 0 },
			want: VerdictInsufficient, wantFailed: []string{}, wantReason: "head 0 s compared",
		},
		{
			name: "head not valid", head: func(s *synthRun) {
				s.meta = func(m *reports.Meta) { m.Valid, m.InvalidReasons = false, []string{"send slip"} }
			},
			want: VerdictInvalid, wantReason: "the head run is not valid: send slip",
		},
		{
			name: "other scenario", head: func(s *synthRun) { s.meta = func(m *reports.Meta) { m.Scenario = "other" } },
			want: VerdictInvalid, wantReason: `different scenarios: base "synthetic", head "other"`,
		},
		{
			name: "other model", head: func(s *synthRun) { s.meta = func(m *reports.Meta) { m.Model = reports.ModelOpen } },
			want: VerdictInvalid, wantReason: "different load models",
		},
		{
			name: "head interrupted", head: func(s *synthRun) { s.meta = func(m *reports.Meta) { m.Interrupted = true } },
			want: VerdictInvalid, wantReason: "the head run was interrupted (stopped before its planned end) and the base run is complete",
		},
		{
			name: "head interrupted, allowed", head: func(s *synthRun) { s.meta = func(m *reports.Meta) { m.Interrupted = true } },
			opts: Options{AllowInterrupted: true},
			want: VerdictNoChange, wantFailed: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := defaultRun(2)
			tc.head(&s)
			head := synthReport(t, s)
			c, err := Compare(base, head, tc.opts)
			if err != nil {
				t.Fatalf("Compare: %v", err)
			}
			if c.Verdict != tc.want {
				t.Errorf("verdict %v, want %v; reasons %q", c.Verdict, tc.want, c.Reasons)
			}
			if tc.wantFailed != nil {
				if diff := cmp.Diff(tc.wantFailed, failedRows(c), cmp.Comparer(func(a, b []string) bool {
					return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
				})); diff != "" {
					t.Errorf("failed rows (-want +got):\n%s", diff)
				}
			}
			if tc.wantReason != "" && !slices.ContainsFunc(c.Reasons, func(r string) bool { return strings.Contains(r, tc.wantReason) }) {
				t.Errorf("reasons %q: none contains %q", c.Reasons, tc.wantReason)
			}
			if got, want := c.Passed(), tc.want != VerdictRegression && tc.want != VerdictInvalid; got != want {
				t.Errorf("Passed() = %v, want %v", got, want)
			}
		})
	}
}

func TestCompareRows(t *testing.T) {
	t.Parallel()
	base := synthReport(t, defaultRun(11))
	s := defaultRun(12)
	s.slow = 1.3
	head := synthReport(t, s)
	c, err := Compare(base, head, Options{Thresholds: mustCompareThresholds(t, "p95(measure_lag) +40%")})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	want := []string{
		"p50(*)", "p90(*)", "p99(*)",
		"p50(looks)", "p99(looks)",
		"p50(measure_lag)", "p95(measure_lag)", "p99(measure_lag)",
		"throughput", "error_rate",
	}
	if diff := cmp.Diff(want, metrics(c)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if c.Trim != 4 || c.Window != 1 {
		t.Errorf("trim %d s, window %d s; want 4 and 1", c.Trim, c.Window)
	}
	p99 := row(t, c, "p99(*)")
	if p99.Unit != "ns" || p99.NBase != 32 || p99.NHead != 32 || p99.Window != 1 {
		t.Errorf("p99(*) = %+v: want unit ns, 32 windows of 1 s each side", p99)
	}
	if math.Abs(p99.Change-0.3) > 0.1 || !(p99.CILow > 0 && p99.CILow <= p99.Change && p99.Change <= p99.CIHigh) {
		t.Errorf("p99(*) change %v, CI [%v, %v]: want about +30%% inside a CI above 0", p99.Change, p99.CILow, p99.CIHigh)
	}
	if !(p99.P < 1e-6 && p99.PAdjusted >= p99.P && p99.Significant && p99.Worse && p99.Failed) {
		t.Errorf("p99(*) = %+v: want tiny p ≤ adjusted p, significant, worse, failed", p99)
	}
	p95 := row(t, c, "p95(measure_lag)")
	if p95.Threshold != "p95(measure_lag) +40%" || p95.Failed || !p95.Significant {
		t.Errorf("p95(measure_lag) = %+v: want threshold set, significant, not failed", p95)
	}
	if tp := row(t, c, "throughput"); tp.Unit != "/s" || tp.Significant || math.Abs(tp.Base-200) > 10 {
		t.Errorf("throughput = %+v: want unit /s, about 200/s, no significant change", tp)
	}
	if er := row(t, c, "error_rate"); er.Unit != "ratio" || er.Base != 0 || er.Head != 0 || er.P != 1 || er.Significant {
		t.Errorf("error_rate = %+v: want unit ratio, 0 and 0, p 1", er)
	}

	// Deterministic, and JSON without NaN, the verdict by name.
	again, err := Compare(base, head, Options{Thresholds: mustCompareThresholds(t, "p95(measure_lag) +40%")})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	if diff := cmp.Diff(c, again); diff != "" {
		t.Errorf("a second Compare differs (-first +second):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(c); err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !strings.Contains(buf.String(), `"verdict":"regression"`) || !strings.Contains(buf.String(), `"p_adjusted":`) {
		t.Errorf("JSON lacks the verdict or p_adjusted: %s", buf.String())
	}
	var back Comparison
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if diff := cmp.Diff(*c, back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func mustCompareThresholds(t testing.TB, ss ...string) []Threshold {
	t.Helper()
	ts, err := ParseThresholds(ss)
	if err != nil {
		t.Fatalf("ParseThresholds: %v", err)
	}
	return ts
}

func TestCompareThresholds(t *testing.T) {
	t.Parallel()
	base := synthReport(t, defaultRun(21))
	slow := defaultRun(22)
	slow.slow = 1.3
	slower := synthReport(t, slow)
	same := synthReport(t, defaultRun(22))
	oneFail := defaultRun(22)
	oneFail.fails = 1
	failing := synthReport(t, oneFail)
	allLatency := []string{"p50 +50%", "p90 +50%", "p99 +50%", "p50(looks) +50%", "p99(looks) +50%", "p50(measure_lag) +50%", "p99(measure_lag) +50%"}

	tests := []struct {
		name       string
		head       *reports.Report
		thresholds []string
		want       Verdict
		wantFailed map[string]bool           // per row, the rows listed only
		wantAbs    []reports.ThresholdResult // Actual is checked only where set
	}{
		{
			name: "p99 +50% tolerates 30%, p50 +10% does not", head: slower,
			thresholds: []string{"p99 +50%", "p50 +10%"},
			want:       VerdictRegression,
			wantFailed: map[string]bool{"p99(*)": false, "p50(*)": true, "p90(*)": true},
		},
		{
			name: "every latency tolerates 50%", head: slower, thresholds: allLatency,
			want:       VerdictNoChange,
			wantFailed: map[string]bool{"p50(*)": false, "p99(*)": false, "p99(measure_lag)": false},
		},
		{
			name: "p99 +0% fails any significant rise", head: slower, thresholds: append(slices.Clone(allLatency), "p99 +0%"),
			want:       VerdictRegression,
			wantFailed: map[string]bool{"p99(*)": true, "p50(*)": false},
		},
		{
			name: "errors > 0 passes without errors", head: same, thresholds: []string{"errors > 0"},
			want:    VerdictNoChange,
			wantAbs: []reports.ThresholdResult{{Expr: "errors > 0", Actual: "0", Pass: true}},
		},
		{
			name: "one error: no change without a threshold", head: failing,
			want: VerdictNoChange, wantFailed: map[string]bool{"error_rate": false},
		},
		{
			name: "errors > 0 fails on one error", head: failing, thresholds: []string{"errors > 0", "error_rate > 1%"},
			want:       VerdictRegression,
			wantFailed: map[string]bool{"error_rate": false},
			wantAbs: []reports.ThresholdResult{
				{Expr: "errors > 0", Actual: "1", Pass: false},
				{Expr: "error_rate > 1%", Pass: true},
			},
		},
		{
			name: "unknown action fails", head: same, thresholds: []string{"p99(lokos) +10%", "errors(lokos) > 0"},
			want:       VerdictRegression,
			wantFailed: map[string]bool{"p99(lokos)": true},
			wantAbs:    []reports.ThresholdResult{{Expr: "errors(lokos) > 0", Err: `unknown action "lokos"`}},
		},
		{
			name: "throughput -5% and < 150/s pass without a change", head: same, thresholds: []string{"throughput -5%", "throughput < 150/s"},
			want:       VerdictNoChange,
			wantFailed: map[string]bool{"throughput": false},
			wantAbs:    []reports.ThresholdResult{{Expr: "throughput < 150/s", Pass: true}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compare(base, tc.head, Options{Thresholds: mustCompareThresholds(t, tc.thresholds...)})
			if err != nil {
				t.Fatalf("Compare: %v", err)
			}
			if c.Verdict != tc.want {
				t.Errorf("verdict %v, want %v; reasons %q", c.Verdict, tc.want, c.Reasons)
			}
			for metric, want := range tc.wantFailed {
				if got := row(t, c, metric).Failed; got != want {
					t.Errorf("%s failed = %v, want %v (row %+v)", metric, got, want, row(t, c, metric))
				}
			}
			if tc.wantAbs != nil {
				got := slices.Clone(c.Absolute)
				for i := range min(len(got), len(tc.wantAbs)) {
					if tc.wantAbs[i].Actual == "" {
						got[i].Actual = ""
					}
				}
				if diff := cmp.Diff(tc.wantAbs, got); diff != "" {
					t.Errorf("absolute thresholds (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// A threshold given by its expression alone is parsed by Compare.
func TestCompareUnparsedThreshold(t *testing.T) {
	t.Parallel()
	base := synthReport(t, defaultRun(31))
	s := defaultRun(32)
	s.fails = 2
	head := synthReport(t, s)
	c, err := Compare(base, head, Options{Thresholds: []Threshold{{Expr: "errors > 1"}}})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	if c.Verdict != VerdictRegression || len(c.Absolute) != 1 || c.Absolute[0].Pass {
		t.Errorf("verdict %v, absolute %+v: want a failed errors > 1", c.Verdict, c.Absolute)
	}
	_, err = Compare(base, head, Options{Thresholds: []Threshold{{Expr: "p99 <> 1"}}})
	if !errors.Is(err, ErrCompare) || !errors.Is(err, ErrThreshold) {
		t.Errorf("Compare with a bad threshold: error %v, want ErrCompare and ErrThreshold", err)
	}
}

func TestCompareErrors(t *testing.T) {
	t.Parallel()
	r := synthReport(t, synthRun{seed: 1, seconds: 1})
	tests := []struct {
		name       string
		base, head *reports.Report
		opts       Options
	}{
		{"nil base", nil, r, Options{}},
		{"nil head", r, nil, Options{}},
		{"alpha 1", r, r, Options{Alpha: 1}},
		{"alpha negative", r, r, Options{Alpha: -0.1}},
		{"alpha NaN", r, r, Options{Alpha: math.NaN()}},
		{"min effect NaN", r, r, Options{MinEffect: math.NaN()}},
		{"min error effect infinite", r, r, Options{MinErrorEffect: math.Inf(1)}},
		{"negative samples", r, r, Options{MinSamples: -1}},
		{"negative window", r, r, Options{Window: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compare(tc.base, tc.head, tc.opts)
			if !errors.Is(err, ErrCompare) || c != nil {
				t.Errorf("Compare() = %v, %v; want nil and ErrCompare", c, err)
			}
		})
	}
}

func TestCompareWindows(t *testing.T) {
	t.Parallel()
	quiet := func(seed uint64, seconds int) *reports.Report {
		s := defaultRun(seed)
		s.seconds = seconds
		s.rate = map[string]float64{"looks": 10, "measure_lag": 2} // 12 a second
		return synthReport(t, s)
	}
	long1, long2 := quiet(1, 100), quiet(2, 100)
	tests := []struct {
		name       string
		base, head *reports.Report
		opts       Options
		wantTrim   int
		wantWindow map[string]int
		wantN      int // windows of p50(*) in the base
	}{
		// 12 commands/s: 3 s windows hold 36 (2 s only 24); measure_lag
		// (2/s) would need 15 s, so it gets the longest, 10 s.
		{"quiet", long1, long2, Options{}, 10, map[string]int{"p50(*)": 3, "p50(measure_lag)": 10, "throughput": 3}, 26},
		// 30 s, trimmed 3+3: 24 s leave 8 windows of 3 s at most.
		{"short and quiet", quiet(1, 30), quiet(2, 30), Options{}, 3, map[string]int{"p50(*)": 3, "p50(measure_lag)": 3}, 8},
		{"fixed window", long1, long2, Options{Window: 2, Trim: 5}, 5, map[string]int{"p50(*)": 2, "p50(measure_lag)": 2}, 45},
		{"no trim", long1, long2, Options{Trim: -1, Window: 5}, 0, map[string]int{"p50(*)": 5}, 20},
		// The trim follows the shorter run.
		{"runs of different length", long1, quiet(2, 50), Options{}, 5, map[string]int{"p50(*)": 3}, 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compare(tc.base, tc.head, tc.opts)
			if err != nil {
				t.Fatalf("Compare: %v", err)
			}
			if c.Trim != tc.wantTrim {
				t.Errorf("trim %d, want %d", c.Trim, tc.wantTrim)
			}
			for metric, w := range tc.wantWindow {
				if got := row(t, c, metric).Window; got != w {
					t.Errorf("%s: window %d s, want %d", metric, got, w)
				}
			}
			if got := row(t, c, "p50(*)").NBase; got != tc.wantN {
				t.Errorf("p50(*): %d base windows, want %d", got, tc.wantN)
			}
			if c.Verdict != VerdictNoChange {
				t.Errorf("verdict %v, want no change; reasons %q", c.Verdict, c.Reasons)
			}
		})
	}
}

func TestChooseWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rateB, rateH float64
		seconds, min int
		want         int
	}{
		{200, 200, 48, 8, 1},
		{30, 100, 48, 8, 1},
		{29, 100, 48, 8, 2},
		{10, 10, 100, 8, 3},
		{7, 10, 100, 8, 5},
		{1, 1, 100, 8, 10},
		{1, 1, 79, 8, 5}, // 10 s would leave 7 windows
		{1, 1, 16, 8, 2}, //
		{1, 1, 7, 8, 1},  // nothing fits: 1 s, and too few windows
		{0, 100, 200, 8, 10},
	}
	for _, tc := range tests {
		fits := func(w int) bool { return tc.seconds/w >= tc.min }
		if got := chooseWindow(tc.rateB, tc.rateH, fits); got != tc.want {
			t.Errorf("chooseWindow(%v, %v, %d s, %d) = %d, want %d", tc.rateB, tc.rateH, tc.seconds, tc.min, got, tc.want)
		}
	}
	// Pooled runs of 11 and 5 s: windows do not cross from one to the
	// other, so 2 s windows number 5 + 2, too few; 1 s it is.
	runs := func(w int) bool { return 11/w+5/w >= 8 }
	if got := chooseWindow(20, 20, runs); got != 1 {
		t.Errorf("chooseWindow over runs of 11 and 5 s = %d, want 1", got)
	}
}

// Actions only one run has are noted and not compared; the reports are
// left unchanged.
func TestCompareActionOnlyOnOneSide(t *testing.T) {
	t.Parallel()
	base := synthReport(t, defaultRun(41))
	s := defaultRun(42)
	s.rate = map[string]float64{"looks": 150, "measure_lag": 50, "say": 40}
	s.median = map[string]time.Duration{"looks": 20 * time.Millisecond, "measure_lag": 5 * time.Millisecond, "say": time.Millisecond}
	head := synthReport(t, s)
	before := head.Clone()
	c, err := Compare(base, head, Options{})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	if slices.ContainsFunc(c.Rows, func(r MetricDiff) bool { return strings.Contains(r.Metric, "say") }) {
		t.Errorf("rows %v compare the action say", metrics(c))
	}
	if !slices.Contains(c.Reasons, `action "say" is only in the head run: not compared`) {
		t.Errorf("reasons %q lack the note on say", c.Reasons)
	}
	if !head.Timeline[10].Latency.Equal(before.Timeline[10].Latency) || len(head.Timeline) != len(before.Timeline) {
		t.Error("Compare modified the head report")
	}
}

// TestCompareCompletionModes: two runs that completed their commands
// differently are compared, with a note saying so.
func TestCompareCompletionModes(t *testing.T) {
	t.Parallel()
	base, head := synthReport(t, defaultRun(41)), synthReport(t, defaultRun(42))
	base.Meta.Completion, head.Meta.Completion = "marker", "quiet 200ms"
	c, err := Compare(base, head, Options{})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	if !slices.ContainsFunc(c.Reasons, func(r string) bool {
		return strings.Contains(r, "different completion modes") && strings.Contains(r, `"quiet 200ms"`)
	}) {
		t.Errorf("reasons %q: want a note on the completion modes", c.Reasons)
	}
	head.Meta.Completion = "marker"
	if c, _ := Compare(base, head, Options{}); slices.ContainsFunc(c.Reasons, func(r string) bool { return strings.Contains(r, "completion") }) {
		t.Errorf("reasons %q: a note on the same modes", c.Reasons)
	}
}

func TestVerdict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v      Verdict
		name   string
		code   int
		passed bool
	}{
		{VerdictNoChange, "no_change", 0, true},
		{VerdictImprovement, "improvement", 3, true},
		{VerdictRegression, "regression", 4, false},
		{VerdictInsufficient, "insufficient", 5, true},
		{VerdictInvalid, "invalid", 6, false},
		{VerdictInconclusive, "inconclusive", 7, true},
		{Verdict(42), "verdict(42)", 6, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.v.String(); got != tc.name {
				t.Errorf("String() = %q, want %q", got, tc.name)
			}
			if got := tc.v.ExitCode(); got != tc.code {
				t.Errorf("ExitCode() = %d, want %d", got, tc.code)
			}
			if got := (&Comparison{Verdict: tc.v}).Passed(); got != tc.passed {
				t.Errorf("Passed() = %v, want %v", got, tc.passed)
			}
			text, err := tc.v.MarshalText()
			if tc.v == 42 {
				if err == nil {
					t.Errorf("MarshalText() of an unknown verdict: no error")
				}
				return
			}
			var back Verdict
			if err != nil || back.UnmarshalText(text) != nil || back != tc.v {
				t.Errorf("text round trip: %q, %v → %v", text, err, back)
			}
		})
	}
	var c *Comparison
	if c.Passed() {
		t.Error("a nil Comparison passed")
	}
	var v Verdict
	if err := v.UnmarshalText([]byte("better")); err == nil {
		t.Error(`UnmarshalText("better"): no error`)
	}
}
