package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
)

// CheckDiff shows the response checks of one action in the two runs side
// by side. It is informational: no test of significance, no part in the
// verdict (an absolute threshold "checks(action) < 99%" gates the head).
type CheckDiff struct {
	// Action is the action's name, or "*" for all actions together.
	Action string `json:"action"`
	// BaseChecked and HeadChecked are the numbers of checked commands.
	BaseChecked int64 `json:"base_checked"`
	HeadChecked int64 `json:"head_checked"`
	// BasePassed and HeadPassed are the numbers that passed.
	BasePassed int64 `json:"base_passed"`
	HeadPassed int64 `json:"head_passed"`
}

// compareChecks returns the checks of the actions either run checked,
// sorted, then all of them together; none when neither run checked any
// command.
func compareChecks(base, head *Report) []CheckDiff {
	names := map[string]bool{}
	for _, r := range []*Report{base, head} {
		for name, a := range r.Actions {
			if a != nil && a.Checks.Total() > 0 {
				names[name] = true
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	get := func(r *Report, name string) *Checks {
		if a := r.Actions[name]; a != nil {
			return a.Checks
		}
		return nil
	}
	var out []CheckDiff
	var all CheckDiff
	all.Action = allActions
	for _, name := range slices.Sorted(maps.Keys(names)) {
		b, h := get(base, name), get(head, name)
		d := CheckDiff{Action: name, BaseChecked: b.Total(), HeadChecked: h.Total()}
		if b != nil {
			d.BasePassed = b.Passed
		}
		if h != nil {
			d.HeadPassed = h.Passed
		}
		all.BaseChecked += d.BaseChecked
		all.HeadChecked += d.HeadChecked
		all.BasePassed += d.BasePassed
		all.HeadPassed += d.HeadPassed
		out = append(out, d)
	}
	return append(out, all)
}

// passRateText formats passed of checked as a percentage, "-" for none.
func passRateText(passed, checked int64) string {
	if checked == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(passed)/float64(checked))
}

// writeChecksText writes the checks of the comparison as a terminal table.
func (c *Comparison) writeChecksText(w io.Writer) {
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
func (c *Comparison) writeChecksMarkdown(w io.Writer) {
	if len(c.Checks) == 0 {
		return
	}
	fmt.Fprint(w, "\n| checks passed | base | head | base checked | head checked |\n|---|--:|--:|--:|--:|\n")
	for _, d := range c.Checks {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d |\n", mdEscape(d.Action), passRateText(d.BasePassed, d.BaseChecked),
			passRateText(d.HeadPassed, d.HeadChecked), d.BaseChecked, d.HeadChecked)
	}
}
