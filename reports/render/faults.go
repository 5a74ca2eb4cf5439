package render

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// writeFaults writes the fault timeline as a table.
func writeFaults(w io.Writer, r *reports.Report) {
	if len(r.Faults) == 0 {
		return
	}
	fmt.Fprintln(w, "\nfaults:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tkind\tside\tstart\tend\taffected\tcaught\tlate\tlost\trecovered\tdetail")
	for _, f := range r.Faults {
		late := "-"
		if f.LateAfter > 0 {
			late = fmt.Sprintf("%d (>%s)", f.Late, FormatDuration(f.LateAfter))
		}
		affected := fmt.Sprint(f.Affected)
		if f.Side == reports.SideServer {
			affected = "-" // it acts on the server, not on connections
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\n", f.Index, f.Kind, f.Side,
			offset(f.Start), offset(f.End), affected, f.Caught, late, f.Lost, FormatDuration(f.Recovery()), f.Detail)
	}
	tw.Flush()
	for _, f := range r.Faults {
		if c := f.Crowd; c != nil {
			fmt.Fprintf(w, "  fault %d crowd: %d connections, %d served", f.Index, c.Connections, c.Served)
			if len(c.Failed) > 0 {
				fmt.Fprintf(w, ", failed %s", countsText(c.Failed))
			}
			if c.Slowest > 0 {
				fmt.Fprintf(w, ", login screen median %s slowest %s", FormatDuration(c.Median), FormatDuration(c.Slowest))
			}
			if c.BytesSent > 0 {
				fmt.Fprintf(w, ", %d bytes sent", c.BytesSent)
			}
			fmt.Fprintln(w)
		}
		if f.Error != "" {
			fmt.Fprintf(w, "  fault %d error: %s\n", f.Index, f.Error)
		}
	}
}

// offset prints a time from the start of the run ("12.3s").
func offset(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
