package reports

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzThreshold parses run thresholds (Threshold, as scenario files have
// them). Nothing may panic; an accepted expression must parse again to
// the same threshold, hold finite numbers, and evaluate on a report
// without panicking.
func FuzzThreshold(f *testing.F) {
	fixture := sampleReport(f) // the report the thresholds are evaluated on
	f.Add("p99(*) < 1s")
	f.Add("checks(looks) > 99%")
	f.Add("checks >= 0.5")
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
		if math.IsNaN(th.value) || math.IsInf(th.value, 0) || th.value < 0 {
			t.Fatalf("value %v accepted", th.value)
		}
		if th.stat == statQuantile && th.metric >= metricAction && th.metric <= metricLag && !(th.q >= 0 && th.q <= 1) {
			t.Fatalf("quantile %v accepted", th.q)
		}
		res := fixture.check(th)
		if res.Expr != th.Expr || res.Err == "" && res.Actual == "" {
			t.Fatalf("check = %+v", res)
		}
		_ = th.CheckAction([]string{"looks", "measure_lag"})
	})
}
