package render

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// interruptedText says what an interrupted run's numbers are.
const interruptedText = "the run was stopped before its planned end; its numbers cover only part of it"

// Text writes the report as terminal tables: players, connection
// phases, per-action latency, echo lag, the generator's health,
// thresholds and validity.
func Text(w io.Writer, r *reports.Report) error {
	ew := &errWriter{w: w}
	c := r.Clients
	fmt.Fprintf(ew, "scenario %q (%s model, seed %d) against %s, %s\n", r.Meta.Scenario, safeText(r.Meta.Model), r.Meta.Seed, safeText(r.Meta.Target), r.Meta.Start.UTC().Format("2006-01-02 15:04:05 UTC"))
	fmt.Fprintf(ew, "players: %d planned, %d started, %d logged in, %d finished, %d lost", r.Meta.Clients, c.Started, c.LoggedIn, c.Finished, c.LostTotal())
	if len(c.Lost) > 0 {
		fmt.Fprintf(ew, " (%s)", countsText(c.Lost))
	}
	fmt.Fprintf(ew, " in %s\n", r.Meta.Duration.Round(time.Millisecond))
	fmt.Fprint(ew, completionLine(r.Meta.Completion, safeText, "\n"))
	if r.Meta.Interrupted {
		fmt.Fprintf(ew, "INTERRUPTED: %s\n", interruptedText)
	}
	fmt.Fprintln(ew)

	writePhaseTable(ew, r.Phases)
	fmt.Fprintln(ew)
	tot := r.Totals()
	writeActionTable(ew, r.Actions, &tot)
	if tot.Corrected.Count() > 0 {
		fmt.Fprintf(ew, "\nfrom the intended send time (open model): p50 %s  p99 %s  max %s\n",
			FormatDuration(tot.Corrected.Quantile(.5)), FormatDuration(tot.Corrected.Quantile(.99)), FormatDuration(tot.Corrected.Max()))
	}
	if fails := failedCommands(r); len(fails) > 0 {
		fmt.Fprintf(ew, "failed commands: %s\n", countsText(fails))
	}
	writeChecksTable(ew, r.Actions, &tot)
	if r.Lag.Total.Count() > 0 {
		fmt.Fprintf(ew, "\necho lag: in p50 %s p99 %s  out p50 %s p99 %s  total p50 %s p99 %s\n",
			FormatDuration(r.Lag.In.Quantile(.5)), FormatDuration(r.Lag.In.Quantile(.99)),
			FormatDuration(r.Lag.Out.Quantile(.5)), FormatDuration(r.Lag.Out.Quantile(.99)),
			FormatDuration(r.Lag.Total.Quantile(.5)), FormatDuration(r.Lag.Total.Quantile(.99)))
	}
	writeTransports(ew, r)
	g := r.Generator
	fmt.Fprintf(ew, "generator: timer lateness p99 %s, CPU mean %.0f%% max %.0f%%, fds max %d of %d\n",
		FormatDuration(g.TimerLateness.Quantile(.99)), 100*g.CPUMean, 100*g.CPUMax, g.FDMax, g.FDLimit)
	if line := generatorCostText(&g, tot.Sent); line != "" {
		fmt.Fprintf(ew, "  %s\n", line)
	}
	for _, name := range r.TransportNames() {
		fmt.Fprintf(ew, "  %s: %s\n", safeText(name), wireText(r.Transports[name].Wire))
	}
	for _, n := range g.Notes {
		fmt.Fprintf(ew, "  note: %s\n", safeText(n))
	}
	if line := machineText(r); line != "" {
		fmt.Fprintln(ew, safeText(line))
	}
	writeFaults(ew, r)
	if len(r.Thresholds) > 0 {
		fmt.Fprintln(ew, "\nthresholds:")
		for _, t := range r.Thresholds {
			mark := "ok  "
			if !t.Pass {
				mark = "FAIL"
			}
			extra := ""
			if t.Err != "" {
				extra = " (" + safeText(t.Err) + ")"
			}
			fmt.Fprintf(ew, "  %s %s   actual %s%s\n", mark, safeText(t.Expr), safeText(t.Actual), extra)
		}
	}
	if busy := busyText(r); busy != "" {
		fmt.Fprintf(ew, "\nBUSY MACHINE: %s\n", safeText(busy))
	}
	if !r.Meta.Valid {
		fmt.Fprintf(ew, "\nRUN INVALID: %s\n", safeText(strings.Join(r.Meta.InvalidReasons, "; ")))
	}
	return ew.err
}

// writePhaseTable writes the connection phases in the order clients reach them.
func writePhaseTable(w io.Writer, phases map[string]*reports.Phase) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\treached\tlost\tp50\tp99\tmax\t")
	for _, name := range reports.PhaseOrder(phases) {
		ph := phases[name]
		if ph == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t\n", safeText(name), ph.Reached, ph.LostTotal(),
			FormatDuration(ph.Latency.Quantile(.5)), FormatDuration(ph.Latency.Quantile(.99)), FormatDuration(ph.Latency.Max()))
	}
	tw.Flush()
}

// writeActionTable writes the actions, sorted, and their total tot.
func writeActionTable(w io.Writer, actions map[string]*reports.Action, tot *reports.Action) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "action\tsent\tanswered\tfailed\tttfb p50\tp50\tp90\tp99\tp99.9\tmax\t")
	row := func(name string, a *reports.Action) {
		l := a.Latency
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", safeText(name), a.Sent, a.Answered, a.FailedTotal(),
			FormatDuration(a.TTFB.Quantile(.5)), FormatDuration(l.Quantile(.5)), FormatDuration(l.Quantile(.9)),
			FormatDuration(l.Quantile(.99)), FormatDuration(l.Quantile(.999)), FormatDuration(l.Max()))
	}
	for _, n := range slices.Sorted(maps.Keys(actions)) {
		row(n, actions[n])
	}
	row("all", tot)
	tw.Flush()
}

// writeTransports writes, for a run of several transports, each one's
// players, phases and actions.
func writeTransports(w io.Writer, r *reports.Report) {
	if len(r.Transports) < 2 {
		return
	}
	for _, name := range r.TransportNames() {
		t := r.Transports[name]
		c := t.Clients
		fmt.Fprintf(w, "\ntransport %s (%s): %d started, %d logged in, %d finished, %d lost", safeText(name), safeText(t.Target),
			c.Started, c.LoggedIn, c.Finished, c.LostTotal())
		if len(c.Lost) > 0 {
			fmt.Fprintf(w, " (%s)", countsText(c.Lost))
		}
		fmt.Fprintln(w)
		writePhaseTable(w, t.Phases)
		tot := t.Totals()
		writeActionTable(w, t.Actions, &tot)
	}
	fmt.Fprintln(w)
}

// failedCommands sums the failure reasons over all actions.
func failedCommands(r *reports.Report) map[string]int64 {
	all := map[string]int64{}
	for _, a := range r.Actions {
		for k, v := range a.Failed {
			all[k] += v
		}
	}
	return all
}

// FormatDuration prints a latency with three significant digits ("-" for zero).
func FormatDuration(x time.Duration) string {
	switch {
	case x == 0:
		return "-"
	case x < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(x)/1e3)
	case x < time.Second:
		return fmt.Sprintf("%.3gms", float64(x)/1e6)
	}
	return fmt.Sprintf("%.3gs", x.Seconds())
}

// countsText renders "a 1, b 2", sorted by key.
func countsText(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", safeText(k), m[k])
	}
	return strings.Join(parts, ", ")
}

// errWriter remembers the first write error so renderers can check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// generatorCostText is what the generator cost: memory per connected
// client at steady state and CPU time per command sent; "" when the
// report recorded neither (a report older than these figures).
func generatorCostText(g *reports.Generator, sent int64) string {
	var parts []string
	if m := g.Memory; m.Clients > 0 {
		parts = append(parts, fmt.Sprintf("memory per client %s RSS, %s heap, %s stacks (%d clients: RSS %s, heap %s; before any: %s, %s)",
			fmtBytes(int64(m.RSSPerClient())), fmtBytes(int64(m.HeapPerClient())), fmtBytes(int64(m.StacksPerClient())),
			m.Clients, fmtBytes(m.RSS), fmtBytes(m.Heap), fmtBytes(m.BaseRSS), fmtBytes(m.BaseHeap)))
	}
	if c := g.CPUPerCommand(sent); c > 0 {
		parts = append(parts, fmt.Sprintf("CPU %s per command (%s for %d commands)", FormatDuration(c), FormatDuration(g.CPUTime), sent))
	}
	return strings.Join(parts, "; ")
}
