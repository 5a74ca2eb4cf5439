package reports

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/montanaflynn/stats"
)

// The statistics behind Compare: the Mann–Whitney U test, the
// Holm–Bonferroni adjustment and percentile-bootstrap intervals.

// mwExactMax is the largest sample size, on both sides, for which
// mannWhitney enumerates the exact null distribution (when there are no
// ties); larger samples use the normal approximation.
const mwExactMax = 8

// mannWhitney is the two-sided Mann–Whitney U test of the hypothesis that
// x and y come from the same distribution. It returns U of x (the number
// of pairs with x[i] > y[j], ties counting one half) and the p-value:
// exact when both samples have at most mwExactMax values and no value is
// tied, otherwise from the normal approximation with the tie correction
// of the variance and a continuity correction of 1/2 (as
// scipy.stats.mannwhitneyu with method "exact" and "asymptotic"). It is 1
// when either sample is empty or every value is tied.
func mannWhitney(x, y []float64) (u, p float64) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return 0, 1
	}
	u, ties := mwStatistic(x, y)
	if ties == 0 && n1 <= mwExactMax && n2 <= mwExactMax {
		return u, mwExactP(u, n1, n2)
	}
	return u, mwNormalP(u, n1, n2, ties)
}

// mwStatistic returns U of x and the tie term Σ(t³−t) over the groups of
// t equal values in the pooled sample.
func mwStatistic(x, y []float64) (u, ties float64) {
	type obs struct {
		v     float64
		fromX bool
	}
	pool := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		pool = append(pool, obs{v, true})
	}
	for _, v := range y {
		pool = append(pool, obs{v, false})
	}
	slices.SortFunc(pool, func(a, b obs) int { return cmp.Compare(a.v, b.v) })
	var r1 float64 // the rank sum of x, ties getting their average rank
	for i := 0; i < len(pool); {
		j := i
		for j+1 < len(pool) && pool[j+1].v == pool[i].v {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			if pool[k].fromX {
				r1 += avg
			}
		}
		t := float64(j - i + 1)
		ties += t*t*t - t
		i = j + 1
	}
	n1 := float64(len(x))
	return r1 - n1*(n1+1)/2, ties
}

// mwSigma returns the standard deviation of U under the null hypothesis,
// corrected for ties.
func mwSigma(n1, n2 int, ties float64) float64 {
	a, b, n := float64(n1), float64(n2), float64(n1+n2)
	v := a * b / 12 * ((n + 1) - ties/(n*(n-1)))
	if v <= 0 {
		return 0
	}
	return math.Sqrt(v)
}

// mwNormalP returns the two-sided p-value of U by the normal
// approximation with continuity correction.
func mwNormalP(u float64, n1, n2 int, ties float64) float64 {
	sigma := mwSigma(n1, n2, ties)
	if sigma == 0 {
		return 1
	}
	z := (math.Abs(u-float64(n1*n2)/2) - 0.5) / sigma
	if z <= 0 {
		return 1
	}
	return min(1, math.Erfc(z/math.Sqrt2)) // 2·(1−Φ(z))
}

// mwExactP returns the exact two-sided p-value of U for samples of n1 and
// n2 distinct values: twice the probability, under the null hypothesis,
// of a U at least as far from its mean.
func mwExactP(u float64, n1, n2 int) float64 {
	// f[i][j][k] counts the orderings of i x's and j y's whose U is k: the
	// largest value is either an x, beating all j y's, or a y.
	f := make([][][]float64, n1+1)
	for i := range f {
		f[i] = make([][]float64, n2+1)
		for j := range f[i] {
			c := make([]float64, i*j+1)
			if i == 0 || j == 0 {
				c[0] = 1
			} else {
				for k, v := range f[i-1][j] {
					c[k+j] += v
				}
				for k, v := range f[i][j-1] {
					c[k] += v
				}
			}
			f[i][j] = c
		}
	}
	dist := f[n1][n2]
	hi := int(math.Ceil(max(u, float64(n1*n2)-u) - 1e-9))
	var tail, total float64
	for k, c := range dist {
		total += c
		if k >= hi {
			tail += c
		}
	}
	return min(1, 2*tail/total)
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
