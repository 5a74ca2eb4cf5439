package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes the result as the text table: one row per target and
// transport, then the ratios against the floor of the same transport,
// then every lost, invalid or skipped target said loudly. A transport
// column appears when a pass was not telnet's: "mixed" is the whole
// mixed row, "mixed/telnet" and "mixed/websocket" its players by door
// (their ratios against the floor's same door in its mixed pass).
func (r *Result) WriteTable(w io.Writer) error {
	over := ""
	if !telnetOnly(r) {
		over = ", over " + strings.Join(r.Transports, ", ")
	}
	fmt.Fprintf(w, "portalsim bench: %d players x %g/s for %v, seed %d%s\n\n", r.Players, r.Rate, r.Duration, r.Seed, over)
	split := !telnetOnly(r)
	// col is the transport column's cell and its tab, when split.
	col := func(name ...string) string {
		if !split {
			return ""
		}
		return strings.Join(name, "/") + "\t"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "target\t%sp50\tp90\tp99\tp99.9\tanswered/s\tlost\tfailed\tCPU/round trip\tCPU\twindow\tvalid\t\n", col("transport"))
	for _, row := range r.Rows {
		tr := transportOf(row)
		if row.Skipped != "" {
			fmt.Fprintf(tw, "%s\t%s-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tskipped\t\n", row.Target, col(tr))
			continue
		}
		cpu, per := "-", "-"
		if row.HasCPU {
			cpu, per = fmt.Sprintf("%.2f s", row.CPU.Seconds()), us(row.CPUPerRoundTrip)
		}
		valid := "yes"
		if !row.Valid {
			valid = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s\t%.1f\t%d\t%d\t%s\t%s\t%.1f s\t%s\t\n", row.Target, col(tr), ms(row.P50), ms(row.P90), ms(row.P99), ms(row.P999),
			row.Throughput, row.LostPlayers, row.FailedCommands, per, cpu, row.Window.Seconds(), valid)
		for _, t := range row.Transports {
			fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s\t%.1f\t%d\t%d\t-\t-\t\t\t\n", row.Target, col(tr, t.Transport), ms(t.P50), ms(t.P90), ms(t.P99), ms(t.P999),
				t.Throughput, t.LostPlayers, t.FailedCommands)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "ratio\t%sp50\tp90\tp99\tp99.9\tanswered/s\tCPU/round trip\t\n", col("transport"))
		for _, x1 := range r.Ratios {
			name := []string{x1.Transport}
			if x1.Split != "" {
				name = append(name, x1.Split)
			}
			fmt.Fprintf(tw, "%s/%s\t%s%s\t%s\t%s\t%s\t%s\t%s\t\n", x1.Target, x1.Against, col(name...), x(x1.P50), x(x1.P90), x(x1.P99), x(x1.P999), x(x1.Throughput), x(x1.CPUPerRoundTrip))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	writeUsage(w, r.Rows, split)
	writeAlarms(w, r.Rows, split)
	return nil
}

// writeUsage writes each row's processes: CPU over the window, and
// memory at its end, per player too.
func writeUsage(w io.Writer, rows []Row, over bool) {
	first := true
	for _, row := range rows {
		if len(row.Usage) == 0 {
			continue
		}
		if first {
			fmt.Fprintln(w)
			first = false
		}
		name := row.Target
		if over {
			name += " over " + transportOf(row)
		}
		parts := make([]string, len(row.Usage))
		for i, u := range row.Usage {
			parts[i] = fmt.Sprintf("%s %.2f s CPU, %s RSS (%s per player)", u.Name, u.CPU.Seconds(), kib(u.RSS), kib(u.RSSPerPlayer))
		}
		fmt.Fprintf(w, "processes of %s: %s\n", name, strings.Join(parts, "; "))
	}
}

// kib writes a size in KiB, or MiB from 10 MiB.
func kib(b int64) string {
	if b >= 10<<20 {
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
}

// writeAlarms writes a loud line for every lost, invalid or skipped row;
// over says "TARGET over TRANSPORT" rather than the target alone.
func writeAlarms(w io.Writer, rows []Row, over bool) {
	for _, row := range rows {
		name := row.Target
		if over {
			name += " over " + transportOf(row)
		}
		if row.Skipped != "" {
			fmt.Fprintf(w, "\n!!! %s SKIPPED: %s\n", name, row.Skipped)
			continue
		}
		if row.Lost() {
			fmt.Fprintf(w, "\n!!! %s LOST: %d of %d players logged in, %d players lost, %d echo probes failed\n", name, row.LoggedIn, row.Players, row.LostPlayers, row.FailedCommands)
			for _, t := range row.Transports {
				if t.Lost() {
					fmt.Fprintf(w, "!!! %s, its %s players: %d of %d logged in, %d lost, %d echo probes failed\n", name, t.Transport, t.LoggedIn, t.Players, t.LostPlayers, t.FailedCommands)
				}
			}
		}
		if !row.Valid {
			fmt.Fprintf(w, "\n!!! %s INVALID: %s\n", name, strings.Join(row.InvalidReasons, "; "))
		}
	}
}

// transportOf is the row's transport; telnet for a row without one.
func transportOf(row Row) string {
	if row.Transport == "" {
		return TransportTelnet
	}
	return row.Transport
}

// telnetOnly says whether every row is telnet's and unsplit, as a bench
// without -transports: the table then has no transport column.
func telnetOnly(r *Result) bool {
	return !slices.ContainsFunc(r.Rows, func(row Row) bool { return transportOf(row) != TransportTelnet || len(row.Transports) > 0 }) &&
		!slices.ContainsFunc(r.Transports, func(t string) bool { return t != TransportTelnet })
}

// ms formats a duration in milliseconds with 3 significant-ish decimals.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

// us formats a duration in microseconds.
func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }

// x formats a ratio; "-" for none.
func x(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", v)
}
