package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// writeSummary prints the end-of-run summary.
func writeSummary(w io.Writer, r *reports.Report) {
	fmt.Fprintln(w)
	c := r.Clients
	fmt.Fprintf(w, "players: %d planned, %d started, %d logged in, %d finished, %d lost", r.Meta.Clients, c.Started, c.LoggedIn, c.Finished, c.LostTotal())
	if len(c.Lost) > 0 {
		fmt.Fprintf(w, " (%s)", counts(c.Lost))
	}
	fmt.Fprintf(w, " in %s\n\n", r.Meta.Duration.Round(time.Millisecond))

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\treached\tlost\tp50\tp99\tmax\t")
	for _, name := range reports.PhaseNames {
		ph := r.Phases[name]
		if ph == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t\n", name, ph.Reached, sum(ph.Lost), d(ph.Latency.Quantile(.5)), d(ph.Latency.Quantile(.99)), d(ph.Latency.Max()))
	}
	tw.Flush()
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "action\tsent\tanswered\tfailed\tttfb p50\tp50\tp90\tp99\tmax\t")
	names := make([]string, 0, len(r.Actions))
	for n := range r.Actions {
		names = append(names, n)
	}
	slices.Sort(names)
	tot := r.Totals()
	row := func(name string, a *reports.Action) {
		l := a.Latency
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", name, a.Sent, a.Answered, a.FailedTotal(),
			d(a.TTFB.Quantile(.5)), d(l.Quantile(.5)), d(l.Quantile(.9)), d(l.Quantile(.99)), d(l.Max()))
	}
	for _, n := range names {
		row(n, r.Actions[n])
	}
	row("all", &tot)
	tw.Flush()
	if tot.Corrected.Count() > 0 {
		fmt.Fprintf(w, "\nfrom the intended send time (open model): p50 %s  p99 %s  max %s\n",
			d(tot.Corrected.Quantile(.5)), d(tot.Corrected.Quantile(.99)), d(tot.Corrected.Max()))
	}
	if fails := failReasons(r); fails != "" {
		fmt.Fprintf(w, "failed commands: %s\n", fails)
	}
	if r.Lag.Total.Count() > 0 {
		fmt.Fprintf(w, "\necho lag: in p50 %s p99 %s  out p50 %s p99 %s  total p50 %s p99 %s\n",
			d(r.Lag.In.Quantile(.5)), d(r.Lag.In.Quantile(.99)), d(r.Lag.Out.Quantile(.5)), d(r.Lag.Out.Quantile(.99)),
			d(r.Lag.Total.Quantile(.5)), d(r.Lag.Total.Quantile(.99)))
	}
	g := r.Generator
	fmt.Fprintf(w, "generator: timer lateness p99 %s, CPU mean %.0f%% max %.0f%%, fds max %d of %d\n",
		d(g.TimerLateness.Quantile(.99)), 100*g.CPUMean, 100*g.CPUMax, g.FDMax, g.FDLimit)
	for _, n := range g.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if len(r.Thresholds) > 0 {
		fmt.Fprintln(w, "\nthresholds:")
		for _, t := range r.Thresholds {
			mark := "ok  "
			if !t.Pass {
				mark = "FAIL"
			}
			extra := ""
			if t.Err != "" {
				extra = " (" + t.Err + ")"
			}
			fmt.Fprintf(w, "  %s %s   actual %s%s\n", mark, t.Expr, t.Actual, extra)
		}
	}
	if !r.Meta.Valid {
		fmt.Fprintf(w, "\nRUN INVALID: %s\n", strings.Join(r.Meta.InvalidReasons, "; "))
	}
}

func d(x time.Duration) string {
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

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func counts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func failReasons(r *reports.Report) string {
	all := map[string]int64{}
	for _, a := range r.Actions {
		for k, v := range a.Failed {
			all[k] += v
		}
	}
	if len(all) == 0 {
		return ""
	}
	return counts(all)
}
