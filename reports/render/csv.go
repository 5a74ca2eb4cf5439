package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// CSVHeader is the header row of [CSV].
var CSVHeader = []string{
	"second", "time", "action", "sent", "answered", "failed",
	"p50_ms", "p90_ms", "p99_ms", "throughput_per_s", "connected", "logged_in",
	"other_cpu", "own_cpu", "steal_cpu", "run_queue", "timer_late_ms",
}

// CSVAllActions is the action column of the rows of all actions together.
const CSVAllActions = "*"

// CSV writes the run's timeline as CSV (RFC 4180, by encoding/csv),
// a row per second and action, for a spreadsheet or a plotting script:
// first a row of all actions together (action "*"), then one per action
// answered in that second, in name order. The columns are CSVHeader:
// the second since the start and its wall-clock time (RFC 3339, UTC);
// the commands sent, answered and failed in the second; the p50, p90
// and p99 of their latency in milliseconds (empty when none was
// answered); the answers per second (the last second may be partial);
// the clients connected and logged in at the end of the second; and the
// machine's load in the second (see reports.Load: other processes' CPU,
// the run's own and steal as shares of all cores, the run queue, the
// generator timer's worst lateness in milliseconds; empty when it was
// not measured).
// The timeline counts sent and failed commands of all actions only, so
// an action's own row leaves those two empty rather than guess; its
// answered count and latencies are its own.
func CSV(w io.Writer, r *reports.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, iv := range r.Timeline {
		at := ""
		if !r.Meta.Start.IsZero() {
			at = r.Meta.Start.Add(time.Duration(iv.Second) * time.Second).UTC().Format(time.RFC3339)
		}
		sec := strconv.Itoa(iv.Second)
		gauges := append([]string{itoa(iv.Connected), itoa(iv.LoggedIn)}, csvLoad(iv.Load)...)
		row := append([]string{sec, at, CSVAllActions, itoa(iv.Sent), itoa(iv.Answered), itoa(iv.Failed)}, csvLatency(iv.Latency)...)
		row = append(row, strconv.FormatInt(iv.Answered, 10))
		if err := cw.Write(append(row, gauges...)); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		for _, name := range slices.Sorted(maps.Keys(iv.Actions)) {
			h := iv.Actions[name]
			n := h.Count()
			row := append([]string{sec, at, csvText(name), "", itoa(n), ""}, csvLatency(h)...)
			row = append(row, itoa(n))
			if err := cw.Write(append(row, gauges...)); err != nil {
				return fmt.Errorf("write csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// csvLoad is the machine-load cells of a second, empty when it was not
// measured.
func csvLoad(l reports.Load) []string {
	if !l.Measured() {
		return []string{"", "", "", "", ""}
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	return []string{f(l.Other()), f(l.Own), f(l.Steal), f(l.RunQueue), f(float64(l.TimerLate) / float64(time.Millisecond))}
}

// csvLatency is the p50, p90 and p99 of h in milliseconds, or three
// empty cells when h is empty.
func csvLatency(h *reports.Histogram) []string {
	if h == nil || h.Count() == 0 {
		return []string{"", "", ""}
	}
	cells := make([]string, 0, 3)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		cells = append(cells, strconv.FormatFloat(float64(h.Quantile(q))/float64(time.Millisecond), 'f', 3, 64))
	}
	return cells
}

// csvText defuses a cell a spreadsheet would take for a formula (one
// starting with = + - @, a tab or a carriage return) by putting a ' in
// front, as OWASP advises: an action name comes from someone's profile
// file.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
