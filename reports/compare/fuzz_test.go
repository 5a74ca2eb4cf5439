package compare

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/reportstest"
)

// fuzzFixture is the report the fuzzed comparison thresholds are
// evaluated on.
var fuzzFixture = sync.OnceValue(func() *reports.Report { return reportstest.Small(12) })

// FuzzCompareThreshold parses comparison thresholds (Threshold,
// report compare's -threshold). Nothing may panic; an accepted expression
// must parse again to the same threshold, hold a finite limit, and judge
// a comparison without panicking.
func FuzzCompareThreshold(f *testing.F) {
	f.Add("p99 +10%")
	f.Add("checks(looks) < 99%")
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThreshold(s)
		if err != nil {
			if !errors.Is(err, ErrThreshold) {
				t.Fatalf("error %v does not wrap ErrThreshold", err)
			}
			return
		}
		if th.String() != strings.TrimSpace(s) {
			t.Fatalf("String() = %q, want the trimmed expression %q", th.String(), strings.TrimSpace(s))
		}
		again, err := ParseThreshold(th.Expr)
		if err != nil || again != th {
			t.Fatalf("parsed again: %+v, %v; want %+v", again, err, th)
		}
		if th.relative && (math.IsNaN(th.limit) || math.IsInf(th.limit, 0) || th.limit < 0 || !(th.key.pct >= 0 && th.key.pct <= 100)) {
			t.Fatalf("limit %v, percentile %v accepted", th.limit, th.key.pct)
		}
		_ = th.CheckAction([]string{"looks", "measure_lag"})
		r := fuzzFixture()
		c, err := Compare(r, r, Options{Thresholds: []Threshold{th}})
		if err != nil {
			t.Fatalf("Compare with %q: %v", th.Expr, err)
		}
		// Compared with itself, no metric that could be evaluated is worse.
		// A threshold that cannot be (an action neither run has, too few
		// windows) fails by design; report compare refuses the first kind
		// before comparing (CheckAction).
		for _, row := range c.Rows {
			if row.Failed && !row.Insufficient {
				t.Fatalf("a run compared with itself regressed on %q: %+v", th.Expr, row)
			}
		}
	})
}
