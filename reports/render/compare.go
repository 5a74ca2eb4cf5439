package render

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/portalsim/portalsim/reports/compare"
)

// ComparisonText writes the comparison as a terminal table, one row per
// metric, with the verdict and its reasons below.
func ComparisonText(w io.Writer, c *compare.Comparison) error {
	ew := &errWriter{w: w}
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tbase\thead\tchange\tci\tp\tn\t\t")
	for _, r := range c.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", safeText(r.Metric), diffValue(r, r.Base), diffValue(r, r.Head),
			diffChange(r, r.Change), diffCI(r), diffP(r), diffN(r), diffMark(r))
	}
	tw.Flush()
	for _, a := range c.Absolute {
		mark := "ok"
		if !a.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(ew, "%s %s (head: %s)\n", mark, safeText(a.Expr), safeText(a.Actual))
	}
	writeChecksText(ew, c)
	writeLoadText(ew, c.Load)
	trimmed := fmt.Sprintf("%ds trimmed at each end", c.Trim)
	if c.Trim == 0 && c.TrimmedBefore != "" {
		trimmed = safeText(c.TrimmedBefore) + " trimmed at each end"
	}
	fmt.Fprintf(ew, "\nverdict: %s (alpha %.2g, min effect %.0f%%, %ds windows, %s%s)\n",
		c.Verdict, c.Alpha, 100*c.MinEffect, c.Window, trimmed, testUnit(c))
	for _, r := range c.Reasons {
		fmt.Fprintf(ew, "  %s\n", safeText(r))
	}
	return ew.err
}

// ComparisonMarkdown writes the comparison as a Markdown table.
func ComparisonMarkdown(w io.Writer, c *compare.Comparison) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "### Load comparison: **%s**\n\n", c.Verdict)
	fmt.Fprint(ew, "| metric | base | head | change | CI | p (Holm) | |\n|---|--:|--:|--:|--:|--:|---|\n")
	for _, r := range c.Rows {
		fmt.Fprintf(ew, "| %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(r.Metric), diffValue(r, r.Base), diffValue(r, r.Head),
			diffChange(r, r.Change), diffCI(r), diffP(r), diffMark(r))
	}
	for _, a := range c.Absolute {
		mark := "pass"
		if !a.Pass {
			mark = "**FAIL**"
		}
		fmt.Fprintf(ew, "\n`%s`: head %s, %s\n", mdCode(a.Expr, false), mdEscape(a.Actual), mark)
	}
	writeChecksMarkdown(ew, c)
	writeLoadMarkdown(ew, c.Load)
	if len(c.Reasons) > 0 {
		fmt.Fprintln(ew)
		for _, r := range c.Reasons {
			fmt.Fprintf(ew, "- %s\n", mdEscape(r))
		}
	}
	test := fmt.Sprintf("Mann–Whitney U over %ds windows", c.Window)
	switch c.TestUnit {
	case compare.UnitRuns:
		test = fmt.Sprintf("Student's t over the levels of %d base and %d head runs (%ds windows)", c.RunsBase, c.RunsHead, c.Window)
	case compare.UnitMixed:
		test = fmt.Sprintf("Student's t over the levels of %d base and %d head runs, or where they cannot tell, Mann–Whitney U over %ds windows", c.RunsBase, c.RunsHead, c.Window)
	}
	fmt.Fprintf(ew, "\n<sub>%s, Holm-corrected, alpha %.2g; a change counts when significant and at least %.0f%% (or beyond its threshold).</sub>\n",
		test, c.Alpha, 100*c.MinEffect)
	return ew.err
}

// testUnit says what the comparison's tests took as their unit, after a
// comma, or nothing when nothing was compared.
func testUnit(c *compare.Comparison) string {
	switch c.TestUnit {
	case compare.UnitRuns:
		return fmt.Sprintf(", tested over %d base and %d head runs", c.RunsBase, c.RunsHead)
	case compare.UnitWindows:
		if c.RunsBase == 1 || c.RunsHead == 1 {
			return ", tested over windows (one run on a side)"
		}
		return fmt.Sprintf(", tested over windows of %d base and %d head runs", c.RunsBase, c.RunsHead)
	case compare.UnitMixed:
		return fmt.Sprintf(", tested over %d base and %d head runs, some metrics over windows (n)", c.RunsBase, c.RunsHead)
	}
	return ""
}

// diffN gives a row's sample sizes: the runs when they were the unit,
// else the windows.
func diffN(r compare.MetricDiff) string {
	if len(r.LevelsBase) > 0 {
		return fmt.Sprintf("%d/%d runs", len(r.LevelsBase), len(r.LevelsHead))
	}
	return fmt.Sprintf("%d/%d", r.NBase, r.NHead)
}

func diffValue(r compare.MetricDiff, v float64) string {
	switch r.Unit {
	case "ns":
		return FormatDuration(time.Duration(v))
	case "/s":
		return fmt.Sprintf("%.1f/s", v)
	case "ratio":
		return fmt.Sprintf("%.2f%%", 100*v)
	}
	return fmt.Sprintf("%g", v)
}

func diffChange(r compare.MetricDiff, v float64) string {
	if r.Insufficient {
		return "-"
	}
	if r.Unit == "ratio" {
		return fmt.Sprintf("%+.2fpp", 100*v)
	}
	return fmt.Sprintf("%+.1f%%", 100*v)
}

func diffCI(r compare.MetricDiff) string {
	if r.Insufficient || (r.CILow == 0 && r.CIHigh == 0) {
		return "-"
	}
	if r.Unit == "ratio" {
		return fmt.Sprintf("[%+.2fpp, %+.2fpp]", 100*r.CILow, 100*r.CIHigh)
	}
	return fmt.Sprintf("[%+.1f%%, %+.1f%%]", 100*r.CILow, 100*r.CIHigh)
}

func diffP(r compare.MetricDiff) string {
	if r.Insufficient {
		return "-"
	}
	if r.PAdjusted < 0.001 {
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", math.Min(r.PAdjusted, 1))
}

// diffMark says what the row means: ~ no significant change, better,
// worse (significant but within threshold or effect), FAIL.
func diffMark(r compare.MetricDiff) string {
	switch {
	case r.Insufficient:
		return "not enough data"
	case r.Failed:
		return "REGRESSION"
	case r.Significant && r.Worse && r.Informational:
		return "worse (informational)"
	case r.Significant && r.Worse:
		return "worse"
	case r.Significant && r.Informational:
		return "better (informational)"
	case r.Significant:
		return "better"
	}
	return "~"
}

// writeChecksText writes the checks of the comparison as a terminal table.
func writeChecksText(w io.Writer, c *compare.Comparison) {
	if len(c.Checks) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "checks\tbase\thead\tbase checked\thead checked\t")
	for _, d := range c.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t\n", safeText(d.Action), passRateText(d.BasePassed, d.BaseChecked),
			passRateText(d.HeadPassed, d.HeadChecked), d.BaseChecked, d.HeadChecked)
	}
	tw.Flush()
}

// writeChecksMarkdown writes the checks of the comparison as a Markdown
// table.
func writeChecksMarkdown(w io.Writer, c *compare.Comparison) {
	if len(c.Checks) == 0 {
		return
	}
	fmt.Fprint(w, "\n| checks passed | base | head | base checked | head checked |\n|---|--:|--:|--:|--:|\n")
	for _, d := range c.Checks {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d |\n", mdEscape(d.Action), passRateText(d.BasePassed, d.BaseChecked),
			passRateText(d.HeadPassed, d.HeadChecked), d.BaseChecked, d.HeadChecked)
	}
}
