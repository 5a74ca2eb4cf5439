package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/reports/compare"
)

// The unit of a comparison's tests shows in both formats: the n column
// of a row tested over runs, the verdict line and the Markdown footnote.
func TestComparisonTestUnit(t *testing.T) {
	t.Parallel()
	byRuns := compare.MetricDiff{Metric: "p50(*)", Unit: "ns", Base: 1e5, Head: 1.6e5, Change: 0.6, CILow: 0.4, CIHigh: 0.9,
		P: 0.001, PAdjusted: 0.003, NBase: 57, NHead: 57, Window: 1, Significant: true, Worse: true, Failed: true,
		LevelsBase: []float64{9e4, 1e5, 1.1e5}, LevelsHead: []float64{1.6e5, 1.6e5, 1.6e5}}
	byWindows := compare.MetricDiff{Metric: "p50(looks)", Unit: "ns", Base: 1e5, Head: 0.7e5, Change: -0.3, CILow: -0.4, CIHigh: -0.2,
		P: 0.001, PAdjusted: 0.002, NBase: 40, NHead: 41, Window: 1, Significant: true, Informational: true}
	tests := []struct {
		name     string
		c        compare.Comparison
		text, md []string
	}{
		{"runs", compare.Comparison{Verdict: compare.VerdictRegression, Rows: []compare.MetricDiff{byRuns, byWindows}, Window: 1, RunsBase: 3, RunsHead: 3, TestUnit: compare.UnitRuns},
			[]string{"3/3 runs", "40/41", "better (informational)", "tested over 3 base and 3 head runs)"},
			[]string{"Student's t over the levels of 3 base and 3 head runs (1s windows)"}},
		{"one run a side", compare.Comparison{Verdict: compare.VerdictNoChange, Rows: []compare.MetricDiff{byWindows}, Window: 2, RunsBase: 1, RunsHead: 1, TestUnit: compare.UnitWindows},
			[]string{"40/41", "tested over windows (one run on a side))"},
			[]string{"Mann–Whitney U over 2s windows"}},
		{"mixed", compare.Comparison{Verdict: compare.VerdictNoChange, Rows: []compare.MetricDiff{byRuns}, Window: 1, RunsBase: 2, RunsHead: 2, TestUnit: compare.UnitMixed},
			[]string{"tested over 2 base and 2 head runs, some metrics over windows (n))"},
			[]string{"or where they cannot tell, Mann–Whitney U over 1s windows"}},
		{"nothing tested", compare.Comparison{Verdict: compare.VerdictInvalid},
			[]string{"verdict: invalid (alpha 0, min effect 0%, 0s windows, 0s trimmed at each end)"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var text, md bytes.Buffer
			if err := ComparisonText(&text, &tc.c); err != nil {
				t.Fatal(err)
			}
			if err := ComparisonMarkdown(&md, &tc.c); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.text {
				if !strings.Contains(text.String(), s) {
					t.Errorf("text lacks %q:\n%s", s, text.String())
				}
			}
			for _, s := range tc.md {
				if !strings.Contains(md.String(), s) {
					t.Errorf("markdown lacks %q:\n%s", s, md.String())
				}
			}
		})
	}
}
