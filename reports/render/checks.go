package render

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/portalsim/portalsim/reports"
)

// topChecksShown is how many failure reasons a renderer shows per action.
const topChecksShown = 3

// checkedActions returns the names of the actions that checked a
// command, sorted.
func checkedActions(actions map[string]*reports.Action) []string {
	var names []string
	for _, n := range slices.Sorted(maps.Keys(actions)) {
		if a := actions[n]; a != nil && a.Checks.Total() > 0 {
			names = append(names, n)
		}
	}
	return names
}

// topFailuresText renders the most frequent failure reasons of c with
// their counts, "reason 3; other 1" (each reason passed through esc),
// "-" for none.
func topFailuresText(c *reports.Checks, esc func(string) string) string {
	top := c.TopFailures(topChecksShown)
	if len(top) == 0 {
		return "-"
	}
	parts := make([]string, len(top))
	for i, k := range top {
		parts[i] = fmt.Sprintf("%s ×%d", esc(k), c.Failed[k])
	}
	s := strings.Join(parts, "; ")
	if more := len(c.Failed) - len(top); more > 0 {
		s += fmt.Sprintf("; %d more", more)
	}
	return s
}

// writeChecksTable writes the response checks of the actions that have
// any: checked, passed, pass rate and the top failure reasons, then all
// actions together.
func writeChecksTable(w io.Writer, actions map[string]*reports.Action, tot *reports.Action) {
	names := checkedActions(actions)
	if len(names) == 0 {
		return
	}
	fmt.Fprintln(w, "\nresponse checks:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  action\tchecked\tpassed\tpass rate\tfailed checks")
	row := func(name string, c *reports.Checks) {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\n", safeText(name), c.Total(), c.Passed, passRateText(c.Passed, c.Total()), topFailuresText(c, safeText))
	}
	for _, n := range names {
		row(n, actions[n].Checks)
	}
	if len(names) > 1 {
		row("all", tot.Checks)
	}
	tw.Flush()
}

// passRateText formats passed of checked as a percentage, "-" for none.
func passRateText(passed, checked int64) string {
	if checked == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(passed)/float64(checked))
}
