package reports

import (
	"math"
	"time"
)

// NearestRank returns the exact q-quantile (q in [0, 1]; 0.99 is p99) of
// sorted, ascending samples by the nearest-rank method: the smallest
// sample with at least the fraction q of the samples at or below it
// (rank ceil(q*n)). q at or below 0 (or NaN) gives the smallest sample;
// no samples give 0.
//
// It is the exact counterpart of [Histogram.Quantile] for measurements
// that keep every sample (a storm's connections, a fan-out's
// deliveries): no estimate, and no memory saved.
func NearestRank(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if math.IsNaN(q) || q <= 0 {
		return sorted[0]
	}
	// A small epsilon keeps q*n that is an integer but for rounding (0.29*100 = 28.999…)
	// from counting one rank too many.
	r := int(math.Ceil(q*float64(n) - 1e-9))
	return sorted[min(max(r, 1), n)-1]
}
