package compare

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/portalsim/portalsim/reports"
)

// ErrCompare is returned by Compare when it cannot compare at all: a nil
// report, or options out of range.
var ErrCompare = errors.New("cannot compare")

// Verdict is the outcome of Compare. Each verdict has its own process exit
// code (see ExitCode), so that a CI step can tell them apart; codes 1 and
// 2 are left for the program's own errors (bad usage, unreadable files).
type Verdict int

const (
	// VerdictInvalid means the runs cannot be compared: either is not
	// valid (Meta.Valid is false, so it measured the load generator
	// rather than the server), or they ran different scenarios or load
	// models. Exit code 6.
	VerdictInvalid Verdict = iota
	// VerdictInsufficient means every metric has fewer than MinSamples
	// windows of data on one side or both (the runs are too short or too
	// quiet), and no absolute threshold failed. Exit code 5.
	VerdictInsufficient
	// VerdictRegression means a metric is significantly worse in the
	// head run, or a comparison threshold failed. Exit code 4.
	VerdictRegression
	// VerdictImprovement means some metric that can decide the verdict
	// (not an informational row: see MetricDiff.Informational) is
	// significantly better in the head run and none of those is
	// significantly worse. Exit code 3.
	VerdictImprovement
	// VerdictNoChange means no metric changed significantly (or only
	// within the limits of its thresholds). Exit code 0.
	VerdictNoChange
	// VerdictInconclusive means one run shared the machine with more
	// other work than the other (see LoadComparison), so that a change,
	// or its absence, cannot be told from the neighbours' doing. Exit
	// code 7.
	VerdictInconclusive
)

var verdictNames = [...]string{
	VerdictInvalid:      "invalid",
	VerdictInsufficient: "insufficient",
	VerdictRegression:   "regression",
	VerdictImprovement:  "improvement",
	VerdictNoChange:     "no_change",
	VerdictInconclusive: "inconclusive",
}

// String returns the verdict's name: "invalid", "insufficient",
// "regression", "improvement", "no_change" or "inconclusive".
func (v Verdict) String() string {
	if v >= 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// ExitCode returns the process exit code of the verdict: 0 for
// VerdictNoChange, 3 for VerdictImprovement, 4 for VerdictRegression, 5
// for VerdictInsufficient, 7 for VerdictInconclusive and 6 for
// VerdictInvalid (and for an unknown verdict).
func (v Verdict) ExitCode() int {
	switch v {
	case VerdictNoChange:
		return 0
	case VerdictImprovement:
		return 3
	case VerdictRegression:
		return 4
	case VerdictInsufficient:
		return 5
	case VerdictInconclusive:
		return 7
	}
	return 6
}

// MarshalText encodes the verdict as its name, so that it is a string in
// JSON.
func (v Verdict) MarshalText() ([]byte, error) {
	if v < 0 || int(v) >= len(verdictNames) {
		return nil, fmt.Errorf("unknown verdict %d", int(v))
	}
	return []byte(v.String()), nil
}

// UnmarshalText decodes a verdict's name.
func (v *Verdict) UnmarshalText(b []byte) error {
	i := slices.Index(verdictNames[:], string(b))
	if i < 0 {
		return fmt.Errorf("unknown verdict %q", b)
	}
	*v = Verdict(i)
	return nil
}

// The units of a comparison's tests (Comparison.TestUnit).
const (
	// UnitRuns: each run's level of a metric is a sample.
	UnitRuns = "runs"
	// UnitWindows: each window's value of a metric is a sample.
	UnitWindows = "windows"
	// UnitMixed: some metrics were tested over runs, some over windows.
	UnitMixed = "mixed"
)

// The defaults of Options.
const (
	// DefaultAlpha is the default Options.Alpha.
	DefaultAlpha = 0.05
	// DefaultMinEffect is the default Options.MinEffect: 25%. On a
	// 2-core machine, back-to-back runs of the same build moved sub-
	// millisecond percentiles by up to 23% when other work shared the
	// cores (process placement, GC, neighbours), a shift of the whole run
	// that no per-window statistic can see; 25% keeps such runs from
	// failing while a 30% slowdown still does.
	DefaultMinEffect = 0.25
	// DefaultMinErrorEffect is the default Options.MinErrorEffect:
	// one percentage point.
	DefaultMinErrorEffect = 0.01
	// DefaultMinSamples is the default Options.MinSamples.
	DefaultMinSamples = 8
)

const (
	// windowTarget is the number of answered commands an automatic window
	// aims to hold on average.
	windowTarget = 30
	// bootstrapResamples is the number of resamples of a bootstrap interval.
	bootstrapResamples = 1000
	// bootstrapSeed seeds the bootstrap, so that a comparison is
	// deterministic; each metric's stream is chosen by its name.
	bootstrapSeed = 0x5eed_c0de_ba5e
	// trimFraction is the fraction of the seconds trimmed at each end of
	// the timeline by default.
	trimFraction = 0.10
)

// windowSizes are the window lengths, in seconds, an automatic window is
// chosen from.
var windowSizes = []int{1, 2, 3, 5, 10}

// Options tunes Compare. The zero value gives the defaults.
type Options struct {
	// Alpha is the significance level, in (0, 1): a change is significant
	// when its Holm-adjusted p-value is below Alpha, and the confidence
	// intervals have level 1−Alpha. 0 means DefaultAlpha.
	Alpha float64
	// MinEffect is the smallest relative change of a latency or throughput
	// metric (0.10 = 10%) that counts, however significant: a smaller
	// change is not worth failing a build for. 0 means DefaultMinEffect; a
	// negative value means none (any significant change counts).
	MinEffect float64
	// MinErrorEffect is the smallest change of the error rate that
	// counts, as a difference of rates (0.01 = one percentage point). 0
	// means DefaultMinErrorEffect; a negative value means none.
	MinErrorEffect float64
	// MinSamples is the least number of windows with data each side
	// needs for a metric to be compared; a run needs half as many,
	// rounded down (1 at least), for its level when the runs are the
	// unit. 0 means DefaultMinSamples.
	MinSamples int
	// Window is the length of the sample windows in seconds; 0 chooses it
	// per latency source (all commands, each action): the smallest of 1,
	// 2, 3, 5 and 10 s holding on average at least 30 answered commands in
	// both runs, shortened if needed so that MinSamples windows fit on
	// each side and, with runs as the unit, two runs a side each hold a
	// level's worth.
	Window int
	// Trim is the number of seconds left out at each end of both
	// timelines (warm-up and cool-down); 0 means 10% of the shorter
	// timeline, at least 1 s; a negative value means none.
	Trim int
	// TrimmedBefore says how the runs were trimmed before Compare saw
	// them (by Pool: "10% of each run"), for the verdict's line; with Trim
	// negative, Compare trims nothing more.
	TrimmedBefore string
	// Thresholds are the comparison thresholds; a Threshold with
	// only Expr set is parsed first.
	Thresholds []Threshold
	// ByWindows tests the windows even when each side has several runs,
	// as with one run a side (a window still holds one run's seconds):
	// to see how far a test of windows is misled by shifts of whole
	// runs.
	ByWindows bool
	// AllowInterrupted compares an interrupted run (Meta.Interrupted)
	// with a complete one; without it such a pair is VerdictInvalid.
	AllowInterrupted bool
	// IgnoreLoad judges the runs without regard to the machine's load
	// (reports.Load): no second is dropped and no verdict is
	// inconclusive.
	IgnoreLoad bool
	// KeepBusy compares the busy seconds too instead of dropping them
	// from both runs; a verdict may still be inconclusive.
	KeepBusy bool
	// BusyMargin is how far above the pair's quiet level a second's
	// background load (other processes' CPU and steal, a share of all
	// cores) must be for the second to be busy; 0 means
	// DefaultBusyMargin.
	BusyMargin float64
	// LoadDiff is how far apart the runs' mean background loads must be,
	// after any drop, for the comparison to be VerdictInconclusive; 0
	// means DefaultLoadDiff.
	LoadDiff float64
}

// Check says what is wrong with the options, as Compare would: an
// error wrapping ErrCompare, or nil.
func (o Options) Check() error {
	if _, err := o.resolve(); err != nil {
		return err
	}
	_, err := o.resolveLoad()
	return err
}

// Comparison is the outcome of Compare.
type Comparison struct {
	// Verdict sums the comparison up.
	Verdict Verdict `json:"verdict"`
	// Reasons explain the verdict, one sentence each: why the runs are
	// invalid, which metrics or thresholds failed or improved, which
	// thresholds could not be evaluated, which actions only one run has.
	Reasons []string `json:"reasons,omitempty"`
	// Rows compare the metrics: all commands' latency first, then each
	// action's in alphabetical order, then throughput and error rate.
	Rows []MetricDiff `json:"rows"`
	// Absolute holds the results of the absolute comparison thresholds,
	// evaluated on the head run; Pass is false for a failed one.
	Absolute []reports.ThresholdResult `json:"absolute,omitempty"`
	// Load is the machine's load during both runs and what the
	// comparison made of it; nil for invalid runs.
	Load *LoadComparison `json:"load,omitempty"`
	// Checks shows the response checks of both runs side by side, per
	// action and then all together ("*"); empty when neither run checked
	// a command. It does not affect the verdict.
	Checks []CheckDiff `json:"checks,omitempty"`
	// Window is the window length in seconds of the all-commands metrics,
	// throughput and error rate (see MetricDiff.Window for each row).
	Window int `json:"window_s"`
	// RunsBase and RunsHead count the runs pooled on each side
	// (reports.Interval.Run) among the compared seconds.
	RunsBase int `json:"runs_base"`
	RunsHead int `json:"runs_head"`
	// TestUnit is the unit of the tests of the rows that decide the
	// verdict: UnitRuns when all of them were tested over runs (see
	// MetricDiff.LevelsBase), UnitWindows when none was, UnitMixed when
	// some were; empty when none was tested.
	TestUnit string `json:"test_unit,omitempty"`
	// Trim is the number of seconds left out at each end of the timelines.
	Trim int `json:"trim_s"`
	// TrimmedBefore is Options.TrimmedBefore: the trimming done
	// before the comparison (when the runs were pooled).
	TrimmedBefore string `json:"trimmed_before,omitempty"`
	// Alpha is the significance level used.
	Alpha float64 `json:"alpha"`
	// MinEffect is the smallest relative change that counted.
	MinEffect float64 `json:"min_effect"`
	// MinErrorEffect is the smallest change of the error rate that counted.
	MinErrorEffect float64 `json:"min_error_effect"`
	// MinSamples is the least number of windows a metric needed.
	MinSamples int `json:"min_samples"`
}

// Passed reports whether the comparison lets a build pass: the verdict is
// neither VerdictRegression nor VerdictInvalid (nor unknown); an
// inconclusive comparison passes, as one that found too little data. It
// is false for a nil Comparison.
func (c *Comparison) Passed() bool {
	if c == nil {
		return false
	}
	switch c.Verdict {
	case VerdictNoChange, VerdictImprovement, VerdictInsufficient, VerdictInconclusive:
		return true
	}
	return false
}

// MetricDiff compares one metric of the two sides. The metric is computed
// per window of Window seconds of each run's timeline; the windows, or
// the runs' levels (LevelsBase, LevelsHead), are the samples tested.
type MetricDiff struct {
	// Metric names the metric as thresholds do: "p99(*)", "p50(looks)",
	// "throughput", "error_rate".
	Metric string `json:"metric"`
	// Unit is the unit of Base and Head: "ns", "/s" or "ratio".
	Unit string `json:"unit"`
	// Base and Head are the medians of the runs' samples; for the error
	// rate, the rates over all compared windows (failed / finished).
	// Tested over runs (LevelsBase set), they are the geometric means of
	// the run levels, and for the error rate the means of the runs'
	// rates.
	Base float64 `json:"base"`
	Head float64 `json:"head"`
	// Change is Head/Base − 1 (0.1 is 10% higher); for the error rate it
	// is the difference Head − Base.
	Change float64 `json:"change"`
	// CILow and CIHigh bound the 1−Alpha confidence interval of Change:
	// a percentile bootstrap of the windows, or Student's t interval of
	// the run levels when tested over runs; both are 0 when it could not
	// be computed.
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	// P is the two-sided p-value of the Mann–Whitney U test of the
	// windows, or of Student's t-test of the run levels (of their
	// logarithms, but for the error rate) when tested over runs;
	// PAdjusted is P after the Holm–Bonferroni adjustment over the
	// compared rows of its family: the rows that can decide the verdict,
	// or the informational ones. Both are 1 for an Insufficient row.
	P         float64 `json:"p"`
	PAdjusted float64 `json:"p_adjusted"`
	// LevelsBase and LevelsHead are the runs' levels of the metric, the
	// median of each run's windows (its error rate for the error rate),
	// in the order of the runs, of those with a level's worth of windows
	// for it (see MinSamples), when the runs were the unit of the
	// test: at least two such runs on each side (reports.Pool) whose
	// levels spread within a side or agree across both. Empty when the
	// windows were the unit.
	LevelsBase []float64 `json:"levels_base,omitempty"`
	LevelsHead []float64 `json:"levels_head,omitempty"`
	// NBase and NHead are the sample sizes: the windows with data.
	NBase int `json:"n_base"`
	NHead int `json:"n_head"`
	// Window is the window length in seconds.
	Window int `json:"window_s"`
	// Significant reports a change that counts: PAdjusted below Alpha, a
	// confidence interval on the side of Change (excluding 0), and
	// |Change| at least MinEffect (MinErrorEffect for the error rate).
	Significant bool `json:"significant"`
	// Worse reports whether the head is worse by the point estimate
	// (higher latency or error rate, lower throughput), significant or
	// not; it is false for an Insufficient row.
	Worse bool `json:"worse"`
	// Insufficient reports that a run has fewer than MinSamples windows
	// with data for the metric (or a zero base throughput); the metric is
	// then not tested.
	Insufficient bool `json:"insufficient"`
	// Threshold is the expression of the relative threshold that judged
	// the metric instead of MinEffect, if any.
	Threshold string `json:"threshold,omitempty"`
	// Informational reports a row that never decides the verdict, neither
	// a regression nor an improvement (a single action's latency without
	// a threshold).
	Informational bool `json:"informational,omitempty"`
	// Failed reports that this row makes the verdict a regression: a
	// significant worsening, beyond its Threshold when there is one, or a
	// Threshold that could not be evaluated.
	Failed bool `json:"failed"`
}

// diffKind is the kind of a compared metric.
type diffKind int

const (
	diffLatency diffKind = iota
	diffThroughput
	diffErrorRate
)

// diffKey identifies a compared metric.
type diffKey struct {
	kind   diffKind
	action string  // diffLatency: the action, or allActions
	pct    float64 // diffLatency: the percentile, 0 to 100
}

// name returns the metric's name, e.g. "p99(*)".
func (k diffKey) name() string {
	switch k.kind {
	case diffThroughput:
		return "throughput"
	case diffErrorRate:
		return "error_rate"
	}
	return "p" + strconv.FormatFloat(k.pct, 'f', -1, 64) + "(" + k.action + ")"
}

// compareKeys orders rows: all commands' latency, each action's, then
// throughput and error rate; latencies by percentile.
func compareKeys(a, b diffKey) int {
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	if (a.action == reports.AllActions) != (b.action == reports.AllActions) {
		if a.action == reports.AllActions {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(a.action, b.action); c != 0 {
		return c
	}
	return cmp.Compare(a.pct, b.pct)
}

// compareConfig is Options with the defaults applied.
type compareConfig struct {
	alpha, minEffect, minErrorEffect float64
	minSamples, window, trim         int // trim < 0: automatic
	byWindows                        bool
	relative                         map[diffKey]Threshold
	absolute                         []Threshold
}

func (o Options) resolve() (compareConfig, error) {
	c := compareConfig{
		alpha: o.Alpha, minEffect: o.MinEffect, minErrorEffect: o.MinErrorEffect,
		minSamples: o.MinSamples, window: o.Window, trim: o.Trim,
		byWindows: o.ByWindows, relative: map[diffKey]Threshold{},
	}
	if c.alpha == 0 {
		c.alpha = DefaultAlpha
	}
	if !(c.alpha > 0 && c.alpha < 1) {
		return c, fmt.Errorf("%w: alpha %v is not in (0, 1)", ErrCompare, o.Alpha)
	}
	for _, e := range []*float64{&c.minEffect, &c.minErrorEffect} {
		if math.IsNaN(*e) || math.IsInf(*e, 0) {
			return c, fmt.Errorf("%w: minimum effect %v is not a number", ErrCompare, *e)
		}
	}
	switch {
	case c.minEffect == 0:
		c.minEffect = DefaultMinEffect
	case c.minEffect < 0:
		c.minEffect = 0
	}
	switch {
	case c.minErrorEffect == 0:
		c.minErrorEffect = DefaultMinErrorEffect
	case c.minErrorEffect < 0:
		c.minErrorEffect = 0
	}
	switch {
	case c.minSamples == 0:
		c.minSamples = DefaultMinSamples
	case c.minSamples < 0:
		return c, fmt.Errorf("%w: negative minimum sample count %d", ErrCompare, o.MinSamples)
	}
	if c.window < 0 {
		return c, fmt.Errorf("%w: negative window %d", ErrCompare, o.Window)
	}
	switch {
	case o.Trim == 0:
		c.trim = -1
	case o.Trim < 0:
		c.trim = 0
	}
	var errs []error
	for _, t := range o.Thresholds {
		if !t.relative && t.abs.Expr == "" { // only Expr set
			p, err := ParseThreshold(t.Expr)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			t = p
		}
		if !t.relative {
			c.absolute = append(c.absolute, t)
			continue
		}
		// Of several thresholds on one metric the strictest holds.
		if old, ok := c.relative[t.key]; !ok || t.limit < old.limit {
			c.relative[t.key] = t
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("%w: %w", ErrCompare, err)
	}
	return c, nil
}

// Compare compares the head run with the base run of the same scenario,
// each one run or several pooled (reports.Pool), and tells a real change
// from noise.
//
// Each run's samples come from its timeline: after Trim seconds are left
// out at each end, the remaining seconds are grouped into windows of
// Window seconds, and a metric is computed per window: a percentile of the
// window's merged latency histograms (all commands, Interval.Latency, or
// one action, Interval.Actions), the throughput (answered commands per
// second) or the error rate (failed / (answered + failed)). Windows
// without data for a metric are left out of its sample (except for the
// throughput, where a silent window counts as 0). A window of a pooled
// report holds seconds of one run.
//
// The metrics compared are p50, p90 and p99 of all commands; p50 and p99
// of each action both runs answered in the compared seconds; throughput
// and error rate; and any other percentile a relative threshold names.
// The p-values are adjusted by Holm–Bonferroni within two families: the
// metrics that decide the verdict (all commands' latency, throughput,
// error rate, and whatever a threshold names) and the informational
// rest. See MetricDiff for when a change is significant and when it
// fails, and Verdict for the verdicts. How a metric is tested depends on
// the runs:
//
//   - With at least two runs on each side, the runs are the unit: each
//     run's level is the median of its windows (its error rate for the
//     error rate), and Student's t-test of the levels' logarithms gives
//     the p-value and the confidence interval of the ratio of their
//     geometric means. Whole runs of one build differ from each other (on
//     the reference machine by 15% at p50, one standard deviation, every
//     window of a run alike), and this test counts that as the noise it
//     is. A metric whose runs agree exactly within each side but differ
//     between the sides (no spread to test against), or that fewer than
//     two runs a side have enough windows of, is tested over windows.
//   - With one run on a side, the windows are the unit: the samples'
//     medians are compared by their relative change (the error rates
//     over all windows for the error rate), with a Mann–Whitney U test
//     and a percentile-bootstrap confidence interval of the change. The
//     samples of consecutive windows are taken as independent: a shift
//     of the whole run, or a slow drift within it, makes changes look
//     more significant than they are, and MinEffect is the only guard
//     against them. Compare several interleaved runs a side to gate on.
//
// A latency row's Base and Head are medians of per-window percentiles,
// meant for comparison: with the few dozen commands of a short window a
// high percentile such as p99 is close to the window's maximum, so it
// differs from the run's overall p99 and shifts a little when the
// throughput alone changes.
//
// Compare returns an error wrapping ErrCompare only for a nil report or
// bad options; runs that cannot be compared give VerdictInvalid. It does
// not modify the reports, and its result depends on nothing but its
// arguments.
func Compare(base, head *reports.Report, opts Options) (*Comparison, error) {
	if base == nil || head == nil {
		return nil, fmt.Errorf("%w: nil report", ErrCompare)
	}
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	lcfg, err := opts.resolveLoad()
	if err != nil {
		return nil, err
	}
	c := &Comparison{
		Verdict:        VerdictInvalid,
		Rows:           []MetricDiff{},
		Alpha:          cfg.alpha,
		MinEffect:      cfg.minEffect,
		MinErrorEffect: cfg.minErrorEffect,
		MinSamples:     cfg.minSamples,
	}
	if reasons := incomparable(base, head, opts.AllowInterrupted); len(reasons) > 0 {
		c.Reasons = reasons
		return c, nil
	}

	if note := completionNote(base.Meta.Completion, head.Meta.Completion); note != "" {
		c.Reasons = append(c.Reasons, note)
	}
	c.Checks = compareChecks(base, head)
	c.Trim = cfg.trim
	c.TrimmedBefore = opts.TrimmedBefore
	if c.Trim < 0 {
		shorter := min(len(base.Timeline), len(head.Timeline))
		c.Trim = max(1, int(math.Round(trimFraction*float64(shorter))))
	}
	sb, sh := newSide(base, c.Trim), newSide(head, c.Trim)
	// Enough seconds must remain for MinSamples windows of the chosen
	// length (an automatic window shrinks to fit, down to 1 s), and half
	// of each run's: a run most of which a neighbour shared is not
	// stood for by the rest (on the reference machine such remnants,
	// a few seconds at one end of the run, gave false regressions).
	minKept := max(max(cfg.window, 1)*cfg.minSamples, (max(sb.seconds(), sh.seconds())+1)/2)
	c.Load, sb, sh = judgeLoad(base, head, sb, sh, lcfg, minKept)
	for _, r := range []string{c.Load.Note, c.Load.Busy} {
		if r != "" {
			c.Reasons = append(c.Reasons, r)
		}
	}
	c.RunsBase, c.RunsHead = sb.runs(), sh.runs()

	// The metrics to compare.
	keys := map[diffKey]bool{
		{kind: diffThroughput}: true,
		{kind: diffErrorRate}:  true,
	}
	for _, p := range []float64{50, 90, 99} {
		keys[diffKey{kind: diffLatency, action: reports.AllActions, pct: p}] = true
	}
	actsB, actsH := sb.actions(), sh.actions()
	for _, a := range slices.Sorted(maps.Keys(actsB)) {
		if !actsH[a] {
			c.Reasons = append(c.Reasons, fmt.Sprintf("action %q is only in the base run: not compared", a))
			continue
		}
		for _, p := range []float64{50, 99} {
			keys[diffKey{kind: diffLatency, action: a, pct: p}] = true
		}
	}
	for _, a := range slices.Sorted(maps.Keys(actsH)) {
		if !actsB[a] {
			c.Reasons = append(c.Reasons, fmt.Sprintf("action %q is only in the head run: not compared", a))
		}
	}
	for k := range cfg.relative {
		keys[k] = true
	}
	sorted := slices.SortedFunc(maps.Keys(keys), compareKeys)

	// The windows and samples, per latency source.
	pcts := map[string][]float64{}
	for _, k := range sorted {
		if k.kind == diffLatency {
			pcts[k.action] = append(pcts[k.action], k.pct)
		}
	}
	type source struct {
		window     int
		base, head series
	}
	sources := map[string]source{}
	scratch := reports.NewHistogram()
	for _, src := range slices.Sorted(maps.Keys(pcts)) {
		w := cfg.window
		if w == 0 {
			w = chooseWindow(sb.rate(src), sh.rate(src), cfg.fits(sb, sh))
		}
		sources[src] = source{
			window: w,
			base:   sb.series(src, w, pcts[src], scratch),
			head:   sh.series(src, w, pcts[src], scratch),
		}
	}
	c.Window = sources[reports.AllActions].window

	// The rows, then Holm–Bonferroni over the rows tested, in two
	// families: the rows that decide the verdict, and the informational
	// ones, which need not spend the verdict's share of Alpha.
	for _, k := range sorted {
		src := sources[reports.AllActions]
		if k.kind == diffLatency {
			src = sources[k.action]
		}
		c.Rows = append(c.Rows, diffRow(k, src.window, src.base, src.head, cfg))
	}
	adjust(c.Rows, sorted, cfg)

	// Judge each row, then the absolute thresholds, then the whole.
	allInsufficient := true
	var failed, better, worse bool
	for i := range c.Rows {
		r := &c.Rows[i]
		t, hasT := cfg.relative[sorted[i]]
		judge(r, sorted[i], t, hasT, cfg)
		allInsufficient = allInsufficient && r.Insufficient
		failed = failed || r.Failed
		better = better || (r.Significant && !r.Worse && !r.Informational)
		worse = worse || (r.Significant && r.Worse && !r.Informational)
		if reason := rowReason(*r, cfg); reason != "" {
			c.Reasons = append(c.Reasons, reason)
		}
	}
	absFailed := false
	for _, t := range cfg.absolute {
		res := checkAbsolute(head, t)
		c.Absolute = append(c.Absolute, res)
		if !res.Pass {
			absFailed = true
			if res.Err != "" {
				c.Reasons = append(c.Reasons, fmt.Sprintf("threshold %q cannot be evaluated on the head run: %s", t.Expr, res.Err))
			} else {
				c.Reasons = append(c.Reasons, fmt.Sprintf("threshold %q failed: the head run has %s", t.Expr, res.Actual))
			}
		}
	}
	switch {
	case allInsufficient && !absFailed:
		c.Verdict = VerdictInsufficient
		for i := range c.Rows { // nothing was judged
			c.Rows[i].Failed = false
		}
		c.Reasons = append(c.Reasons, fmt.Sprintf(
			"every metric has fewer than %d windows with data on a side (base %d s, head %d s compared after trimming %d s at each end)",
			cfg.minSamples, sb.seconds(), sh.seconds(), c.Trim))
	case failed || absFailed:
		c.Verdict = VerdictRegression
	case better && !worse:
		c.Verdict = VerdictImprovement
	default:
		c.Verdict = VerdictNoChange
	}
	var changedByWindows []string
	c.TestUnit, changedByWindows = testUnit(c.Rows)
	if len(changedByWindows) > 0 && c.Verdict != VerdictInsufficient {
		why := "with one run on a side; compare several interleaved runs a side (portalsim bench compare)"
		switch {
		case cfg.byWindows:
			why = "as told (-by-windows)"
		case c.RunsBase >= 2 && c.RunsHead >= 2:
			why = "as the runs could not tell: fewer than two runs a side with enough windows, or runs alike within each side but not across"
		}
		c.Reasons = append(c.Reasons, fmt.Sprintf("%s tested over windows, %s: a shift of a whole run, which runs of one build "+
			"show from one to the next, looks like a change of the build there", strings.Join(changedByWindows, ", "), why))
	}
	// An absolute threshold (errors > 0) fails whatever the neighbours
	// did; a change of the statistics may be theirs.
	if why := c.Load.inconclusive(c.Verdict, lcfg); why != "" && !absFailed {
		c.Verdict = VerdictInconclusive
		c.Reasons = append(c.Reasons, why)
	}
	return c, nil
}

// adjust sets the rows' PAdjusted: Holm–Bonferroni over the rows tested,
// within each family, the rows that decide the verdict and the
// informational ones (keys[i] is the metric of rows[i]).
func adjust(rows []MetricDiff, keys []diffKey, cfg compareConfig) {
	for _, family := range []bool{false, true} {
		var idx []int
		var ps []float64
		for i, r := range rows {
			if !r.Insufficient && cfg.informational(keys[i]) == family {
				idx, ps = append(idx, i), append(ps, r.P)
			}
		}
		for j, p := range holm(ps) {
			rows[idx[j]].PAdjusted = p
		}
	}
}

// testUnit returns the unit of the tests of the rows that decide the
// verdict (Comparison.TestUnit), and those of them tested over windows that
// changed significantly.
func testUnit(rows []MetricDiff) (unit string, changedByWindows []string) {
	var byRuns, byWindows bool
	for _, r := range rows {
		switch {
		case r.Insufficient || r.Informational:
		case len(r.LevelsBase) > 0:
			byRuns = true
		default:
			byWindows = true
			if r.Failed || r.Significant {
				changedByWindows = append(changedByWindows, r.Metric)
			}
		}
	}
	switch {
	case byRuns && byWindows:
		unit = UnitMixed
	case byRuns:
		unit = UnitRuns
	case byWindows:
		unit = UnitWindows
	}
	return unit, changedByWindows
}

// incomparable returns why the runs cannot be compared, if they cannot.
func incomparable(base, head *reports.Report, allowInterrupted bool) []string {
	var reasons []string
	if base.Meta.Interrupted != head.Meta.Interrupted && !allowInterrupted {
		which, other := "base", "head"
		if head.Meta.Interrupted {
			which, other = "head", "base"
		}
		reasons = append(reasons, fmt.Sprintf("the %s run was interrupted (stopped before its planned end) and the %s run is complete: "+
			"a part of a run is not compared with a whole one unless allowed (report compare -allow-interrupted)", which, other))
	}
	for _, s := range []struct {
		name string
		r    *reports.Report
	}{{"base", base}, {"head", head}} {
		if !s.r.Meta.Valid {
			msg := "the " + s.name + " run is not valid"
			if len(s.r.Meta.InvalidReasons) > 0 {
				msg += ": " + strings.Join(s.r.Meta.InvalidReasons, "; ")
			}
			reasons = append(reasons, msg)
		}
	}
	if base.Meta.Scenario != head.Meta.Scenario {
		reasons = append(reasons, fmt.Sprintf("the runs are of different scenarios: base %q, head %q", base.Meta.Scenario, head.Meta.Scenario))
	}
	if base.Meta.Model != head.Meta.Model {
		reasons = append(reasons, fmt.Sprintf("the runs have different load models: base %q, head %q", base.Meta.Model, head.Meta.Model))
	}
	return reasons
}

// side is the compared seconds of one run's timeline.
type side struct {
	tl []reports.Interval
}

func newSide(r *reports.Report, trim int) side {
	n := len(r.Timeline)
	if 2*trim >= n {
		return side{}
	}
	return side{tl: r.Timeline[trim : n-trim]}
}

func (s side) seconds() int { return len(s.tl) }

// runWindows counts the windows of w seconds each run of the side holds,
// in order: whole windows within the run's seconds, as series cuts them.
func (s side) runWindows(w int) []int {
	var ns []int
	for _, seg := range s.segments() {
		ns = append(ns, (seg[1]-seg[0])/w)
	}
	return ns
}

// runs counts the runs (reports.Interval.Run) of the side's seconds.
func (s side) runs() int { return len(s.segments()) }

// segments returns the side's runs as ranges [start, end) of its
// seconds: consecutive seconds of one run (reports.Interval.Run).
func (s side) segments() [][2]int {
	var segs [][2]int
	for start := 0; start < len(s.tl); {
		end := start + 1
		for end < len(s.tl) && s.tl[end].Run == s.tl[start].Run {
			end++
		}
		segs = append(segs, [2]int{start, end})
		start = end
	}
	return segs
}

// hist returns the latency histogram of a source in one second.
func hist(iv *reports.Interval, src string) *reports.Histogram {
	if src == reports.AllActions {
		return iv.Latency
	}
	return iv.Actions[src]
}

// actions returns the actions answered in the compared seconds.
func (s side) actions() map[string]bool {
	acts := map[string]bool{}
	for i := range s.tl {
		for name, h := range s.tl[i].Actions {
			if h.Count() > 0 {
				acts[name] = true
			}
		}
	}
	return acts
}

// rate returns the mean number of answered commands of a source per
// compared second.
func (s side) rate(src string) float64 {
	if len(s.tl) == 0 {
		return 0
	}
	var n int64
	for i := range s.tl {
		n += hist(&s.tl[i], src).Count()
	}
	return float64(n) / float64(len(s.tl))
}

// chooseWindow returns the smallest of windowSizes holding on average at
// least windowTarget commands at the lower of the two rates, shortened to
// the largest that fits(w) accepts (1 at least).
func chooseWindow(rateB, rateH float64, fits func(w int) bool) int {
	w := windowSizes[len(windowSizes)-1]
	for _, s := range windowSizes {
		if float64(s)*min(rateB, rateH) >= windowTarget {
			w = s
			break
		}
	}
	if fits(w) {
		return w
	}
	shorter := 1
	for _, s := range windowSizes {
		if s < w && fits(s) {
			shorter = s
		}
	}
	return shorter
}

// fits returns whether windows of w seconds leave enough samples: at
// least minSamples windows on each side, and when the runs are to be
// the unit, at least two runs a side holding a level's worth (perRun).
func (c compareConfig) fits(sb, sh side) func(w int) bool {
	byRuns := !c.byWindows && sb.runs() >= 2 && sh.runs() >= 2
	return func(w int) bool {
		wb, wh := sb.runWindows(w), sh.runWindows(w)
		if min(sum(wb), sum(wh)) < c.minSamples {
			return false
		}
		holding := func(ws []int) int {
			n := 0
			for _, k := range ws {
				if k >= c.perRun() {
					n++
				}
			}
			return n
		}
		return !byRuns || min(holding(wb), holding(wh)) >= 2
	}
}

// perRun is the number of windows a run needs for a level of a metric.
func (c compareConfig) perRun() int { return max(1, c.minSamples/2) }

// sum adds the counts up.
func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// series is one side's samples of the metrics of one source, with the
// run (reports.Interval.Run) of each sample's window.
type series struct {
	lat     map[float64][]float64 // per percentile, in ns
	latRun  []int                 // the run of each latency sample
	tput    []float64             // answered per second (all commands only)
	tputRun []int                 // the run of each throughput sample
	errs    []counted             // failed of finished (all commands only)
	errRun  []int                 // the run of each error sample
}

// series returns the samples of a source over windows of w seconds. A
// window holds seconds of one run: the seconds of a run left after its
// last whole window are not used.
func (s side) series(src string, w int, pcts []float64, scratch *reports.Histogram) series {
	out := series{lat: map[float64][]float64{}}
	for _, seg := range s.segments() {
		run := s.tl[seg[0]].Run
		for start := seg[0]; start+w <= seg[1]; start += w {
			scratch.Reset()
			var answered, failed int64
			for i := start; i < start+w; i++ {
				iv := &s.tl[i]
				scratch.Merge(hist(iv, src)) // of a packed histogram, a decoding when scratch is empty
				answered += iv.Answered
				failed += iv.Failed
			}
			out.add(src, run, w, pcts, scratch, answered, failed)
		}
	}
	return out
}

// add appends one window's samples, of run run: its latency percentiles
// (when it answered any), and for all commands its throughput and error
// rate (when any command finished).
func (out *series) add(src string, run, w int, pcts []float64, h *reports.Histogram, answered, failed int64) {
	if h.Count() > 0 {
		for _, p := range pcts {
			out.lat[p] = append(out.lat[p], float64(h.Quantile(p/100)))
		}
		out.latRun = append(out.latRun, run)
	}
	if src != reports.AllActions {
		return
	}
	out.tput = append(out.tput, float64(answered)/float64(w))
	out.tputRun = append(out.tputRun, run)
	if answered+failed > 0 {
		out.errs = append(out.errs, counted{failed: failed, total: answered + failed})
		out.errRun = append(out.errRun, run)
	}
}

// diffRow computes the statistics of one metric; judge then decides.
// With at least two runs on each side the runs are the unit of the test
// (runTest); else the windows are (uTest and a bootstrap interval).
func diffRow(k diffKey, w int, b, h series, cfg compareConfig) MetricDiff {
	r := MetricDiff{Metric: k.name(), Window: w, P: 1, PAdjusted: 1}
	level := 1 - cfg.alpha
	var xb, xh, lb, lh []float64
	perRun := cfg.perRun()
	switch k.kind {
	case diffErrorRate:
		r.Unit = "ratio"
		xb, xh = rates(b.errs), rates(h.errs)
		lb, lh = runRates(b.errs, b.errRun, perRun), runRates(h.errs, h.errRun, perRun)
		r.Base, _ = pooledRate(b.errs, nil)
		r.Head, _ = pooledRate(h.errs, nil)
		r.Change = r.Head - r.Base
	case diffThroughput:
		r.Unit = "/s"
		xb, xh = b.tput, h.tput
		lb, lh = runLevels(xb, b.tputRun, perRun), runLevels(xh, h.tputRun, perRun)
	default:
		r.Unit = "ns"
		xb, xh = b.lat[k.pct], h.lat[k.pct]
		lb, lh = runLevels(xb, b.latRun, perRun), runLevels(xh, h.latRun, perRun)
	}
	r.NBase, r.NHead = len(xb), len(xh)
	if k.kind != diffErrorRate {
		r.Base, r.Head = median(xb), median(xh)
		if r.Base > 0 {
			r.Change = r.Head/r.Base - 1
		}
	}
	if r.NBase < cfg.minSamples || r.NHead < cfg.minSamples || (k.kind != diffErrorRate && r.Base <= 0) {
		r.Insufficient = true
		return r
	}
	if !cfg.byWindows {
		if t, ok := runTest(lb, lh, k.kind != diffErrorRate, level); ok {
			r.LevelsBase, r.LevelsHead = lb, lh
			r.Base, r.Head, r.Change, r.CILow, r.CIHigh, r.P = t.Base, t.Head, t.Change, t.Low, t.High, t.P
			return r
		}
	}
	rng := rand.New(rand.NewPCG(bootstrapSeed, hashName(r.Metric)))
	r.P = uTest(xb, xh)
	var ok bool
	if k.kind == diffErrorRate {
		r.CILow, r.CIHigh, ok = rateDiffCI(b.errs, h.errs, level, bootstrapResamples, rng)
	} else {
		r.CILow, r.CIHigh, ok = ratioCI(xb, xh, level, bootstrapResamples, rng)
	}
	if !ok {
		r.CILow, r.CIHigh = 0, 0
	}
	return r
}

// judge sets the Significant, Worse and Failed flags of a row of the kind
// whose PAdjusted is set; t is its relative threshold, if hasT.
//
// A single action's rows are informational unless a threshold names them:
// they are subsets of the all-commands rows, with fewer commands per window
// (a tail percentile is close to the window's maximum, which one
// scheduling hiccup moves by 100%), and gating on a dozen of them each
// would multiply the false alarms of back-to-back runs on a busy machine.
func judge(r *MetricDiff, key diffKey, t Threshold, hasT bool, cfg compareConfig) {
	kind := key.kind
	if hasT {
		r.Threshold = t.Expr
	}
	if r.Insufficient {
		r.Failed = hasT // a threshold that cannot be evaluated fails
		return
	}
	higherWorse := kind != diffThroughput
	r.Worse = (r.Change > 0) == higherWorse && r.Change != 0
	// The interval must lie on the side of the change.
	sure := (r.Change > 0 && r.CILow > 0) || (r.Change < 0 && r.CIHigh < 0)
	detected := r.PAdjusted < cfg.alpha && sure
	effect := cfg.minEffect
	if kind == diffErrorRate {
		effect = cfg.minErrorEffect
	}
	r.Significant = detected && math.Abs(r.Change) >= effect
	switch {
	case hasT:
		r.Failed = detected && r.Worse && math.Abs(r.Change) > t.limit
	case cfg.informational(key):
		r.Informational = true
	default:
		r.Failed = r.Significant && r.Worse
	}
}

// informational reports whether a metric's row never decides the
// verdict: a single action's latency that no threshold names.
func (c compareConfig) informational(key diffKey) bool {
	_, hasT := c.relative[key]
	return key.kind == diffLatency && key.action != reports.AllActions && !hasT
}

// rowReason explains a judged row that matters for the verdict, or
// returns "".
func rowReason(r MetricDiff, cfg compareConfig) string {
	if r.Insufficient {
		if r.Threshold == "" {
			return ""
		}
		return fmt.Sprintf("threshold %q cannot be evaluated: %s has %d windows with data on the base side and %d on the head side, fewer than %d",
			r.Threshold, r.Metric, r.NBase, r.NHead, cfg.minSamples)
	}
	if !r.Failed && !r.Significant {
		return ""
	}
	unit := ""
	if len(r.LevelsBase) > 0 {
		unit = fmt.Sprintf(", over %d base and %d head runs", len(r.LevelsBase), len(r.LevelsHead))
	}
	change := fmt.Sprintf("%+.1f%% (%.0f%% CI %+.1f%% to %+.1f%%, adjusted p %.2g%s)",
		100*r.Change, 100*(1-cfg.alpha), 100*r.CILow, 100*r.CIHigh, r.PAdjusted, unit)
	if r.Unit == "ratio" {
		change = fmt.Sprintf("%+.2f percentage points (%.0f%% CI %+.2f to %+.2f, adjusted p %.2g%s)",
			100*r.Change, 100*(1-cfg.alpha), 100*r.CILow, 100*r.CIHigh, r.PAdjusted, unit)
	}
	switch {
	case r.Failed && r.Threshold != "":
		return fmt.Sprintf("%s is worse: %s, beyond the threshold %q", r.Metric, change, r.Threshold)
	case r.Failed:
		return fmt.Sprintf("%s is worse: %s", r.Metric, change)
	case r.Worse && r.Informational:
		return fmt.Sprintf("%s is worse: %s (informational: no threshold names it)", r.Metric, change)
	case r.Worse:
		return fmt.Sprintf("%s is worse: %s, within the threshold %q", r.Metric, change, r.Threshold)
	}
	if r.Informational {
		return fmt.Sprintf("%s is better: %s (informational: no threshold names it)", r.Metric, change)
	}
	return fmt.Sprintf("%s is better: %s", r.Metric, change)
}

// checkAbsolute evaluates an absolute comparison threshold on the head
// run; the result passes when the failure it names does not hold.
func checkAbsolute(head *reports.Report, t Threshold) reports.ThresholdResult {
	actual, text, err := head.Measure(t.abs)
	if err != nil {
		return reports.ThresholdResult{Expr: t.Expr, Actual: text, Err: err.Error()}
	}
	return reports.ThresholdResult{Expr: t.Expr, Actual: text, Pass: !t.abs.Holds(actual)}
}

// rates returns the error rate of each window.
func rates(cs []counted) []float64 {
	out := make([]float64, len(cs))
	for i, c := range cs {
		out[i] = float64(c.failed) / float64(c.total)
	}
	return out
}

// hashName returns a 64-bit hash of a metric name, its bootstrap stream.
func hashName(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s)) // a hash never fails to write
	return h.Sum64()
}
