package render

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/portalsim/portalsim/reports"
)

// Markdown writes the report as GitHub-flavoured Markdown, for CI job
// summaries and pull-request comments.
func Markdown(w io.Writer, r *reports.Report) error {
	ew := &errWriter{w: w}
	status := "valid"
	if !r.Meta.Valid {
		status = "**INVALID**: " + mdEscape(strings.Join(r.Meta.InvalidReasons, "; "))
	}
	if r.Meta.Interrupted {
		status += ", **INTERRUPTED**: " + interruptedText
	}
	if busy := busyText(r); busy != "" {
		status += ", **BUSY MACHINE**: " + mdEscape(busy)
	}
	fmt.Fprintf(ew, "### Load run `%s`\n\n", mdCode(r.Meta.Scenario, false))
	fmt.Fprintf(ew, "%s model, seed %d, %d players, %s, %s\n\n", mdEscape(r.Meta.Model), r.Meta.Seed, r.Meta.Clients, r.Meta.Duration.Round(1e6), status)
	fmt.Fprint(ew, completionLine(r.Meta.Completion, mdEscape, "\n\n"))
	c := r.Clients
	fmt.Fprintf(ew, "Players: %d started, %d logged in, %d finished, %d lost", c.Started, c.LoggedIn, c.Finished, c.LostTotal())
	if len(c.Lost) > 0 {
		fmt.Fprintf(ew, " (%s)", mdEscape(countsText(c.Lost)))
	}
	fmt.Fprint(ew, "\n\n")
	tot := r.Totals()
	mdActions(ew, r.Actions, &tot, "**all**")
	mdChecks(ew, r.Actions, &tot)
	fmt.Fprintln(ew)
	mdPhases(ew, r.Phases)
	if len(r.Transports) > 1 {
		fmt.Fprint(ew, "\n| transport | started | logged in | lost | sent | answered | failed | p50 | p99 | max |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, name := range r.TransportNames() {
			t := r.Transports[name]
			a := t.Totals()
			l := a.Latency
			fmt.Fprintf(ew, "| %s | %d | %d | %d | %d | %d | %d | %s | %s | %s |\n", mdEscape(name), t.Clients.Started, t.Clients.LoggedIn, t.Clients.LostTotal(),
				a.Sent, a.Answered, a.FailedTotal(), FormatDuration(l.Quantile(.5)), FormatDuration(l.Quantile(.99)), FormatDuration(l.Max()))
		}
		for _, name := range r.TransportNames() {
			t := r.Transports[name]
			fmt.Fprintf(ew, "\n<details><summary>transport %s</summary>\n\n", mdEscape(name))
			a := t.Totals()
			mdActions(ew, t.Actions, &a, "**all**")
			fmt.Fprintln(ew)
			mdPhases(ew, t.Phases)
			fmt.Fprint(ew, "\n</details>\n")
		}
	}
	if line := machineText(r); line != "" {
		fmt.Fprintf(ew, "\n%s\n", mdEscape(line))
	}
	if len(r.Thresholds) > 0 {
		fmt.Fprint(ew, "\n| threshold | actual | |\n|---|--:|---|\n")
		for _, t := range r.Thresholds {
			mark := "pass"
			if !t.Pass {
				mark = "**FAIL**"
			}
			fmt.Fprintf(ew, "| `%s` | %s | %s |\n", mdCode(t.Expr, true), mdEscape(t.Actual), mark)
		}
	}
	return ew.err
}

// mdActions writes the action table, sorted, and the total tot.
func mdActions(w io.Writer, actions map[string]*reports.Action, tot *reports.Action, totName string) {
	fmt.Fprint(w, "| action | sent | answered | failed | p50 | p90 | p99 | max |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	row := func(name string, a *reports.Action) {
		l := a.Latency
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %s |\n", name, a.Sent, a.Answered, a.FailedTotal(),
			FormatDuration(l.Quantile(.5)), FormatDuration(l.Quantile(.9)), FormatDuration(l.Quantile(.99)), FormatDuration(l.Max()))
	}
	for _, n := range slices.Sorted(maps.Keys(actions)) {
		row(mdEscape(n), actions[n])
	}
	row(totName, tot)
}

// mdChecks writes the response checks of the actions that have any (see
// writeChecksTable).
func mdChecks(w io.Writer, actions map[string]*reports.Action, tot *reports.Action) {
	names := checkedActions(actions)
	if len(names) == 0 {
		return
	}
	fmt.Fprint(w, "\n| response checks | checked | passed | pass rate | failed checks |\n|---|--:|--:|--:|---|\n")
	row := func(name string, c *reports.Checks) {
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s |\n", name, c.Total(), c.Passed, passRateText(c.Passed, c.Total()), topFailuresText(c, mdEscape))
	}
	for _, n := range names {
		row(mdEscape(n), actions[n].Checks)
	}
	if len(names) > 1 {
		row("**all**", tot.Checks)
	}
}

// mdPhases writes the phase table in the order clients reach the phases.
func mdPhases(w io.Writer, phases map[string]*reports.Phase) {
	fmt.Fprint(w, "| phase | reached | lost | p50 | p99 |\n|---|--:|--:|--:|--:|\n")
	for _, name := range reports.PhaseOrder(phases) {
		if ph := phases[name]; ph != nil {
			fmt.Fprintf(w, "| %s | %d | %d | %s | %s |\n", mdEscape(name), ph.Reached, ph.LostTotal(), FormatDuration(ph.Latency.Quantile(.5)), FormatDuration(ph.Latency.Quantile(.99)))
		}
	}
}

// mdEscape keeps user text from breaking a Markdown table, and its
// control characters from reaching a terminal (see safeText).
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;").Replace(safeText(s))
}

// mdCode escapes s for a code span: entities are not decoded there
// (GitHub shows "&lt;" as typed), so "<" stays; a backtick would end the
// span, and in a table cell (inTable) a "|" the cell.
func mdCode(s string, inTable bool) string {
	s = strings.ReplaceAll(safeText(s), "`", "'")
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	return s
}
