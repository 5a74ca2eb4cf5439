package compare

import (
	"math"

	"github.com/aclements/go-moremath/mathx"
	moremath "github.com/aclements/go-moremath/stats"
)

// runLevels returns the level of each run in the sample that has at
// least minWindows windows: the median of the values of its windows
// (runs[i] is the run of xs[i]), in the order the runs first appear. A
// run with fewer windows (mostly dropped as busy, or cut short) would
// weigh as much as a whole one on a fraction of its data.
func runLevels(xs []float64, runs []int, minWindows int) []float64 {
	order, byRun := groupByRun(xs, runs)
	var out []float64
	for _, r := range order {
		if len(byRun[r]) >= minWindows {
			out = append(out, median(byRun[r]))
		}
	}
	return out
}

// runRates returns the error rate of each run that has at least
// minWindows windows: failed of finished over its windows, in the order
// the runs first appear.
func runRates(cs []counted, runs []int, minWindows int) []float64 {
	order, byRun := groupByRun(cs, runs)
	var out []float64
	for _, r := range order {
		if rate, ok := pooledRate(byRun[r], nil); ok && len(byRun[r]) >= minWindows {
			out = append(out, rate)
		}
	}
	return out
}

// groupByRun groups the samples by their run (runs[i] is the run of
// xs[i]); order lists the runs as they first appear.
func groupByRun[T any](xs []T, runs []int) (order []int, byRun map[int][]T) {
	byRun = map[int][]T{}
	for i, x := range xs {
		if _, ok := byRun[runs[i]]; !ok {
			order = append(order, runs[i])
		}
		byRun[runs[i]] = append(byRun[runs[i]], x)
	}
	return order, byRun
}

// normalDoF is the degrees of freedom from which Student's t is taken
// as the normal distribution: the two differ by less than 0.1% there,
// and go-moremath's incomplete beta function gives up (panics) on far
// larger ones, which a hostile report of many thousand runs could ask.
const normalDoF = 1000

// tTail returns the two-sided tail probability of Student's t at ts with
// dof degrees of freedom, exact however small (2(1−CDF) would round it
// to 0 below 1e-16), and the quantile that bounds the central interval
// of the given level.
func tTail(ts, dof, level float64) (p, q float64) {
	upper := 1 - (1-level)/2
	if dof > normalDoF {
		return math.Erfc(math.Abs(ts) / math.Sqrt2), moremath.StdNormal.InvCDF(upper)
	}
	return mathx.BetaInc(dof/(dof+ts*ts), dof/2, 0.5), moremath.InvCDF(moremath.TDist{V: dof})(upper)
}

// runResult is the outcome of runTest: the sides' means, the change and
// its confidence interval (Low, High; both 0 when not finite), and the
// two-sided p-value.
type runResult struct {
	Base, Head, Change, Low, High, P float64
}

// runTest is Student's two-sample t-test of two sets of run levels, the
// run being the unit. Two runs of one build on one machine differ as
// whole runs, every window of a run alike (see Compare), which a test of
// windows takes for a change of the build; with several runs on each
// side, each run's level is one sample, and a run's shift is noise the
// test measures. The test is on the logarithms of the levels when ratio is set
// (latency, throughput: a run's shift multiplies its figures), else on
// the levels themselves (error rates). Base and Head are the sides'
// means (geometric when ratio is set), Change the ratio of the geometric
// means less one when ratio is set, else the difference of the means,
// with its confidence interval at the given level. Runs that all agree
// (no errors in any, a closed model's throughput) have p 1. ok is false
// when a side has fewer than two runs, a level is not a finite number
// (or not positive where ratio is set), or the runs of each side agree
// exactly but the sides do not: no spread to test against, the windows
// must tell.
//
// The variance is pooled over both sides: under the hypothesis tested,
// the same build on the same machine, both sides' runs spread alike, and
// with a few runs a side the pooled estimate has twice the degrees of
// freedom of either (Welch's test, which does not pool, measured on the
// reference machine: a 69% slower head missed with three runs a side,
// its spread a tenth of the base's).
func runTest(lb, lh []float64, ratio bool, level float64) (t runResult, ok bool) {
	nb, nh := len(lb), len(lh)
	if nb < 2 || nh < 2 {
		return t, false
	}
	scale := func(xs []float64) (moremath.Sample, bool) {
		s := moremath.Sample{Xs: make([]float64, len(xs))}
		for i, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) || (ratio && x <= 0) {
				return s, false
			}
			s.Xs[i] = x
			if ratio {
				s.Xs[i] = math.Log(x)
			}
		}
		return s, true
	}
	sb, okB := scale(lb)
	sh, okH := scale(lh)
	if !okB || !okH {
		return t, false
	}
	dof := float64(nb + nh - 2)
	pooled := (float64(nb-1)*sb.Variance() + float64(nh-1)*sh.Variance()) / dof
	se := math.Sqrt(pooled * (1/float64(nb) + 1/float64(nh)))
	mb, mh := sb.Mean(), sh.Mean()
	diff := mh - mb
	switch {
	case se == 0 && diff == 0: // every run alike: nothing changed
		t.Base, t.Head, t.P = lb[0], lh[0], 1
		return t, true
	case !(se > 0):
		return t, false
	}
	p, q := tTail(diff/se, dof, level)
	t.P = p
	lo, hi := diff-q*se, diff+q*se
	t.Base, t.Head, t.Change = mb, mh, diff
	if ratio {
		t.Base, t.Head, t.Change = math.Exp(mb), math.Exp(mh), math.Expm1(diff)
		lo, hi = math.Expm1(lo), math.Expm1(hi)
	}
	if !math.IsInf(lo, 0) && !math.IsInf(hi, 0) && !math.IsNaN(lo) && !math.IsNaN(hi) { // a tiny Alpha: no interval
		t.Low, t.High = lo, hi
	}
	return t, true
}
