package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/compare"
)

// loadRow is one line of the machine-load table of a comparison.
type loadRow struct {
	name       string
	base, head string
}

// loadRows are the machine's load during both runs, side by side.
func loadRows(lc *compare.LoadComparison) []loadRow {
	pct := func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }
	both := func(name string, f func(reports.LoadSummary) string) loadRow {
		return loadRow{name, f(lc.Base), f(lc.Head)}
	}
	rows := []loadRow{
		both("other processes (mean)", func(s reports.LoadSummary) string { return pct(s.Other) }),
		both("other processes (max)", func(s reports.LoadSummary) string { return pct(s.OtherMax) }),
		both("the run's own", func(s reports.LoadSummary) string { return pct(s.Own) }),
		both("cpu steal", func(s reports.LoadSummary) string { return pct(s.Steal) }),
		both("run queue", func(s reports.LoadSummary) string { return fmt.Sprintf("%.1f", s.RunQueue) }),
		both("timer lateness (max)", func(s reports.LoadSummary) string { return FormatDuration(s.TimerLate) }),
		both("seconds measured", func(s reports.LoadSummary) string { return fmt.Sprint(s.Seconds) }),
	}
	if lc.Judged {
		rows = append(rows,
			loadRow{fmt.Sprintf("busy seconds (above %.1f%%)", 100*lc.BusyAbove), fmt.Sprint(lc.BusyBase), fmt.Sprint(lc.BusyHead)},
			loadRow{"background of the compared seconds", pct(lc.OtherBase), pct(lc.OtherHead)})
	}
	return rows
}

// writeLoadText writes the machine's load of a comparison as a terminal
// table; nothing when it is nil.
func writeLoadText(w io.Writer, lc *compare.LoadComparison) {
	if lc == nil {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "machine (share of all cores)\tbase\thead\t")
	for _, r := range loadRows(lc) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", r.name, r.base, r.head)
	}
	tw.Flush()
}

// writeLoadMarkdown writes the machine's load of a comparison as a
// Markdown table; nothing when it is nil.
func writeLoadMarkdown(w io.Writer, lc *compare.LoadComparison) {
	if lc == nil {
		return
	}
	fmt.Fprint(w, "\n| machine (share of all cores) | base | head |\n|---|--:|--:|\n")
	for _, r := range loadRows(lc) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdEscape(r.name), r.base, r.head)
	}
}

// machineText is the machine-load line of a report ("" when it was not
// measured): the background load, the run's own, steal, run queue and
// the timer probe's worst lateness.
func machineText(r *reports.Report) string {
	s := r.Load()
	if s.Seconds == 0 {
		return ""
	}
	scope := "generator, portal and game server"
	if r.Meta.LoadScope == reports.LoadScopeGenerator {
		scope = "the generator alone: the target's CPU counts as other processes'"
	}
	line := fmt.Sprintf("machine: other processes %.1f%% of all cores (max %.1f%% in a second), the run's own %.1f%% (%s), run queue %.1f, timer lateness max %s",
		100*s.Other, 100*s.OtherMax, 100*s.Own, scope, s.RunQueue, FormatDuration(s.TimerLate))
	if s.Steal > 0 {
		line += fmt.Sprintf(", cpu steal %.1f%%", 100*s.Steal)
	}
	return line
}

// busyText is the mark of a run measured on a busy machine, or "".
func busyText(r *reports.Report) string {
	if len(r.Meta.BusyReasons) == 0 {
		return ""
	}
	return "the machine was busy: " + strings.Join(r.Meta.BusyReasons, "; ")
}
