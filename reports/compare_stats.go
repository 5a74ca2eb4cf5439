package reports

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/montanaflynn/stats"
	"golang.org/x/perf/benchmath"
)

// The statistics behind Compare: the Mann–Whitney U test (benchmath's),
// the Holm–Bonferroni adjustment and percentile-bootstrap intervals.

// uTest is the two-sided Mann–Whitney U test of the hypothesis that x and
// y come from the same distribution: its p-value, from
// golang.org/x/perf/benchmath's non-parametric comparison (the exact
// distribution for small samples, ties included; the normal
// approximation with tie and continuity corrections beyond). It is 1
// when either sample is empty or every value is tied.
func uTest(x, y []float64) float64 {
	if len(x) == 0 || len(y) == 0 {
		return 1
	}
	th := benchmath.DefaultThresholds
	// NewSample sorts its values in place: give it copies.
	c := benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(x), &th), benchmath.NewSample(slices.Clone(y), &th))
	return c.P
}

// holm returns the Holm–Bonferroni adjusted p-values of ps, in the same
// order: the i-th smallest p of m is multiplied by m−i+1, capped at 1, and
// the results made non-decreasing in that order.
func holm(ps []float64) []float64 {
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(ps[a], ps[b]) })
	adj := make([]float64, len(ps))
	running := 0.0
	for rank, i := range idx {
		running = max(running, min(1, float64(len(ps)-rank)*ps[i]))
		adj[i] = running
	}
	return adj
}

// bootstrapCI returns the percentile-bootstrap interval, at the given
// level, of a statistic of two samples of sizes nBase and nHead: each of
// the resamples draws nBase and nHead indices with replacement and calls
// stat, which reports false when the statistic is undefined for that
// draw (such draws are left out). ok is false when more than half the
// draws were left out.
func bootstrapCI(nBase, nHead int, stat func(bIdx, hIdx []int) (float64, bool), level float64, resamples int, rng *rand.Rand) (lo, hi float64, ok bool) {
	if nBase == 0 || nHead == 0 || resamples <= 0 {
		return 0, 0, false
	}
	bIdx, hIdx := make([]int, nBase), make([]int, nHead)
	vals := make([]float64, 0, resamples)
	for range resamples {
		for i := range bIdx {
			bIdx[i] = rng.IntN(nBase)
		}
		for i := range hIdx {
			hIdx[i] = rng.IntN(nHead)
		}
		if v, good := stat(bIdx, hIdx); good && !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals = append(vals, v)
		}
	}
	if 2*len(vals) < resamples {
		return 0, 0, false
	}
	tail := (1 - level) / 2 * 100
	lo, errLo := stats.Percentile(vals, tail)
	hi, errHi := stats.Percentile(vals, 100-tail)
	if errLo != nil || errHi != nil {
		return 0, 0, false
	}
	return lo, hi, true
}

// ratioCI returns the bootstrap interval of median(head)/median(base) − 1.
func ratioCI(base, head []float64, level float64, resamples int, rng *rand.Rand) (lo, hi float64, ok bool) {
	bs, hs := make([]float64, len(base)), make([]float64, len(head))
	return bootstrapCI(len(base), len(head), func(bIdx, hIdx []int) (float64, bool) {
		for i, j := range bIdx {
			bs[i] = base[j]
		}
		for i, j := range hIdx {
			hs[i] = head[j]
		}
		mb := median(bs)
		if mb == 0 {
			return 0, false
		}
		return median(hs)/mb - 1, true
	}, level, resamples, rng)
}

// counted is a window's failed commands out of its finished ones.
type counted struct {
	failed, total int64
}

// pooledRate returns Σfailed/Σtotal of the windows cs picked by idx (all of
// them when idx is nil), and false when they finished no command.
func pooledRate(cs []counted, idx []int) (float64, bool) {
	var f, n int64
	if idx == nil {
		for _, c := range cs {
			f, n = f+c.failed, n+c.total
		}
	} else {
		for _, j := range idx {
			f, n = f+cs[j].failed, n+cs[j].total
		}
	}
	if n == 0 {
		return 0, false
	}
	return float64(f) / float64(n), true
}

// rateDiffCI returns the bootstrap interval of the difference of the
// pooled error rates, head − base.
func rateDiffCI(base, head []counted, level float64, resamples int, rng *rand.Rand) (lo, hi float64, ok bool) {
	return bootstrapCI(len(base), len(head), func(bIdx, hIdx []int) (float64, bool) {
		rb, okB := pooledRate(base, bIdx)
		rh, okH := pooledRate(head, hIdx)
		return rh - rb, okB && okH
	}, level, resamples, rng)
}

// median returns the median of xs, 0 when xs is empty.
func median(xs []float64) float64 {
	m, err := stats.Median(xs)
	if err != nil {
		return 0
	}
	return m
}
