package reports

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The reference values below are scipy.stats.mannwhitneyu's two-sided
// p-values, from the sources named per case. The "formula" ones were
// computed with the textbook formulas (average ranks for ties,
// σ² = n1·n2/12·((n+1) − Σ(t³−t)/(n(n−1))), z = (|U − n1·n2/2| − ½)/σ,
// p = erfc(z/√2); exact: full enumeration of the C(n1+n2, n1) orderings)
// by a small Python script independent of this package. uTest is
// benchmath's test: these pin what it computes for us, and that swapping
// the samples changes nothing.
func TestUTest(t *testing.T) {
	t.Parallel()
	males := []float64{19, 22, 16, 29, 24}
	females := []float64{20, 11, 17, 12}
	// NAG g08amc example data (ties in the pooled sample).
	nag1 := []float64{13, 6, 12, 7, 12, 7, 10, 7, 10, 7, 16, 7, 10, 8, 9, 8}
	nag2 := []float64{17, 6, 10, 8, 15, 8, 15, 10, 15, 10, 14, 10, 14, 11, 14, 11, 13, 12, 13, 12, 13, 12, 12}
	tests := []struct {
		name  string
		x, y  []float64
		wantP float64
		tol   float64
	}{
		// scipy docs example: U1 = 17, method="exact" p = 0.1111111111111111.
		{"scipy docs exact", males, females, 0.1111111111111111, 1e-12},
		// 3 vs 3 without ties: exact p = 2/C(6,3) = 0.1.
		{"separated exact", []float64{10, 11, 12}, []float64{1, 2, 3}, 0.1, 1e-12},
		// 8 vs 8 without ties, exact by enumeration (formula): 0.03791763791763792.
		{"8 vs 8 exact", []float64{1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8}, []float64{3, 5, 7, 9, 9.5, 10.5, 11.5, 12.5}, 0.03791763791763792, 1e-12},
		// NAG g08amc: U = 86, normal statistic −2.8039 with the continuity
		// correction, two-sided p 0.00505 by that approximation; benchmath
		// takes the exact distribution with ties at this size (at most 25
		// a side): 0.00403.
		{"NAG with ties", nag1, nag2, 0.00403, 1e-5},
		{"all tied", []float64{5, 5, 5, 5, 5, 5, 5, 5, 5}, []float64{5, 5, 5, 5, 5, 5, 5, 5, 5}, 1, 0},
		// Ties across the samples: U = 1 is the least possible, reached by
		// 3 of the C(20,10) = 184,756 equally likely assignments (x takes
		// two of the three 9s), so the exact two-sided p is 6/184,756 (the
		// normal approximation said 0.00024).
		{"one tie group across", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 9}, []float64{9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, 6.0 / 184756, 1e-12},
		{"empty", nil, []float64{1, 2}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x, y := slices.Clone(tc.x), slices.Clone(tc.y)
			p := uTest(tc.x, tc.y)
			if math.Abs(p-tc.wantP) > tc.tol {
				t.Errorf("uTest() = p %.17g; want %.17g ± %g", p, tc.wantP, tc.tol)
			}
			if !slices.Equal(x, tc.x) || !slices.Equal(y, tc.y) {
				t.Errorf("uTest reordered its arguments")
			}
			// The exact distribution with ties is computed in floating
			// point, a little differently from each side.
			if p2 := uTest(tc.y, tc.x); math.Abs(p2-p) > 1e-12+p*0.005 {
				t.Errorf("uTest(y, x) = %v; want %v ± 0.5%%", p2, p)
			}
		})
	}
}

func TestHolm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []float64
		want []float64
	}{
		// Sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → 0.06 (monotone).
		{"textbook", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		{"capped", []float64{0.5, 0.6}, []float64{1, 1}},
		{"ties keep order", []float64{0.01, 0.01, 0.2}, []float64{0.03, 0.03, 0.2}},
		{"one", []float64{0.04}, []float64{0.04}},
		{"none", nil, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := holm(tc.in)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateApprox(0, 1e-12), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("holm(%v) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// lognormal returns n values with median m and log-sd sigma.
func lognormal(rng *rand.Rand, n int, m, sigma float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = m * math.Exp(sigma*rng.NormFloat64())
	}
	return out
}

func TestBootstrapDeterministic(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	base, head := lognormal(rng, 40, 100, 0.3), lognormal(rng, 40, 120, 0.3)
	type ci struct {
		Lo, Hi float64
		OK     bool
	}
	run := func(seed uint64) ci {
		lo, hi, ok := ratioCI(base, head, 0.95, 1000, rand.New(rand.NewPCG(seed, 7)))
		return ci{lo, hi, ok}
	}
	first := run(42)
	if again := run(42); again != first {
		t.Errorf("same seed: %+v, then %+v", first, again)
	}
	if other := run(43); other == first {
		t.Errorf("another seed gave the very same interval %+v", other)
	}
	if !first.OK || !(first.Lo < first.Hi) {
		t.Errorf("interval %+v: want ok and lo < hi", first)
	}
	obs := median(head)/median(base) - 1
	if obs < first.Lo || obs > first.Hi {
		t.Errorf("interval %+v excludes the observed change %v", first, obs)
	}
}

// A 95% interval must hold the true change most of the time.
func TestBootstrapCoverage(t *testing.T) {
	t.Parallel()
	const trials = 200
	tests := []struct {
		name  string
		n     int
		ratio float64
	}{
		{"no change n=30", 30, 1},
		{"+20% n=30", 30, 1.2},
		{"-10% n=50", 50, 0.9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.ratio*1000)))
			covered := 0
			for range trials {
				base, head := lognormal(rng, tc.n, 100, 0.3), lognormal(rng, tc.n, 100*tc.ratio, 0.3)
				lo, hi, ok := ratioCI(base, head, 0.95, 500, rng)
				if ok && lo <= tc.ratio-1 && tc.ratio-1 <= hi {
					covered++
				}
			}
			t.Logf("coverage %d/%d", covered, trials)
			// Nominal 95%; the percentile bootstrap of a median is a little
			// narrow for small samples, so accept 88% to 99.5%.
			if covered < trials*88/100 || covered > trials*995/1000 {
				t.Errorf("a 95%% interval covered the true change in %d of %d trials", covered, trials)
			}
		})
	}
}

func TestRateDiffCI(t *testing.T) {
	t.Parallel()
	var base, head []counted
	for i := range 20 {
		base = append(base, counted{failed: int64(i % 2), total: 100})       // 0.5%
		head = append(head, counted{failed: int64(5 + i%3 - 1), total: 100}) // 5%
	}
	lo, hi, ok := rateDiffCI(base, head, 0.95, 1000, rand.New(rand.NewPCG(1, 1)))
	rb, _ := pooledRate(base, nil)
	rh, _ := pooledRate(head, nil)
	if !ok || !(lo > 0 && lo <= rh-rb && rh-rb <= hi) {
		t.Errorf("rateDiffCI = [%v, %v] ok %v; want ok and 0 < lo ≤ %v ≤ hi", lo, hi, ok, rh-rb)
	}
	if _, _, ok := rateDiffCI(nil, head, 0.95, 1000, rand.New(rand.NewPCG(1, 1))); ok {
		t.Error("rateDiffCI of an empty base: ok")
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	in := []float64{5, 1, 4, 2}
	keep := slices.Clone(in)
	if got := median(in); got != 3 {
		t.Errorf("median(%v) = %v, want 3", in, got)
	}
	if !slices.Equal(in, keep) {
		t.Errorf("median reordered its input: %v", in)
	}
	if got := median(nil); got != 0 {
		t.Errorf("median(nil) = %v, want 0", got)
	}
}
