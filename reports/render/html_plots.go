package render

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/render/svg"
)

// The colours of the series; "all" is drawn in black, the actions in
// svg.Palette order (Tableau 10, readable on white).
const (
	colAll      = "#222222"
	colP50      = "#1f77b4"
	colP99      = "#ff7f0e"
	colMax      = "#9a9a9a"
	colAnswered = "#2ca02c"
	colFailed   = "#d62728"
	colSent     = "#444444"
	colConn     = "#1f77b4"
	colLogged   = "#2ca02c"
	colPlanned  = "#9a9a9a"
	colFunnel   = "#4e79a7"
	colLost     = "#c0392b"
	// The machine load: the run's own CPU, other processes', steal.
	colLoadOwn   = "#4e79a7"
	colLoadOther = "#e15759"
	colLoadSteal = "#9a9a9a"
)

// secondStats is what the timeline plots need of one second.
type secondStats struct {
	p50, p99, max float64 // ns; NaN when nothing was answered
}

// timelineStats reads each second's latency histogram once.
func timelineStats(tl []reports.Interval) []secondStats {
	out := make([]secondStats, len(tl))
	for i := range tl {
		h := tl[i].Latency
		if h.Count() == 0 {
			out[i] = secondStats{math.NaN(), math.NaN(), math.NaN()}
			continue
		}
		s := h.Summary() // one decoding of a packed histogram
		out[i] = secondStats{float64(s.P50), float64(s.P99), float64(s.Max)}
	}
	return out
}

// latencyOverTimePlot draws p50, p99 and max latency per second.
func latencyOverTimePlot(tl []reports.Interval, stats []secondStats) template.HTML {
	const id, title = "plot-latency-time", "Latency over time (all commands, per second)"
	lo, hi := math.Inf(1), 0.0
	for _, s := range stats {
		if !math.IsNaN(s.p50) {
			lo = math.Min(lo, s.p50)
			hi = math.Max(hi, s.max)
		}
	}
	if hi == 0 {
		why := "no commands were answered"
		if len(tl) == 0 {
			why = "the report has no timeline"
		}
		return svg.NoData(id, title, why)
	}
	legend := []svg.LegendItem{
		{Label: "p50", Color: colP50, Width: 2},
		{Label: "p99", Color: colP99, Width: 2},
		{Label: "max", Color: colMax, Dash: "2 3", Width: 1.5},
	}
	c := svg.NewCanvas(id, title, legend, svg.PlotHeight)
	x, xt, xTitle := svg.TimeScale(len(tl), svg.PlotLeft, svg.PlotRight)
	y, yt, yTitle := svg.LatencyScale(lo, hi, c.Bottom, c.Top)
	c.Note("gaps: seconds without answers")
	c.Axes(x, xt, xTitle, y, yt, yTitle)
	xs := make([]float64, len(tl))
	p50, p99, mx := make([]float64, len(tl)), make([]float64, len(tl)), make([]float64, len(tl))
	for i, s := range stats {
		xs[i] = float64(i) + 0.5
		p50[i], p99[i], mx[i] = s.p50, s.p99, s.max
	}
	c.Line(x, y, xs, mx, colMax, "2 3", 1.5)
	c.Line(x, y, xs, p50, colP50, "", 2)
	c.Line(x, y, xs, p99, colP99, "", 2) // on top: in a stall p99 and p50 meet
	c.HoverColumns(x, len(tl), func(from, to int) string {
		var answered int64
		var p50s, p99s, maxs []float64
		for i := from; i < to; i++ {
			answered += tl[i].Answered
			if !math.IsNaN(stats[i].p50) {
				p50s = append(p50s, stats[i].p50)
				p99s = append(p99s, stats[i].p99)
				maxs = append(maxs, stats[i].max)
			}
		}
		head := secondsLabel(from, to)
		if len(p50s) == 0 {
			return head + ": no answers"
		}
		return fmt.Sprintf("%s: p50 %s, p99 %s, max %s (%d answered)", head,
			rangeLatency(p50s), rangeLatency(p99s), rangeLatency(maxs), answered)
	})
	return c.Finish()
}

// secondsLabel names the seconds [from, to).
func secondsLabel(from, to int) string {
	if to-from <= 1 {
		return fmt.Sprintf("t=%ds", from)
	}
	return fmt.Sprintf("t=%d–%ds", from, to-1)
}

// rangeLatency formats the range of vs (ns): one value or "lo–hi".
func rangeLatency(vs []float64) string {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo == hi {
		return fmtLatency(time.Duration(lo))
	}
	return fmtLatency(time.Duration(lo)) + "–" + fmtLatency(time.Duration(hi))
}

// rangeCount formats the range of integer counts.
func rangeCount(vs []int64) string {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo == hi {
		return strconv.FormatInt(lo, 10)
	}
	return strconv.FormatInt(lo, 10) + "–" + strconv.FormatInt(hi, 10)
}

// percentileSeries is one curve of the percentile plot.
type percentileSeries struct {
	name  string
	h     *reports.Histogram // unpacked
	color string
	dash  string
	width float64
}

// percentilePlot draws latency against percentile on a nines axis.
func percentilePlot(series []percentileSeries) template.HTML {
	const id, title = "plot-percentiles", "Latency distribution by percentile"
	var maxCount int64
	lo, hi := math.Inf(1), 0.0
	var live []percentileSeries
	for _, s := range series {
		if s.h.Count() == 0 {
			continue
		}
		live = append(live, s)
		maxCount = max(maxCount, s.h.Count())
	}
	if len(live) == 0 {
		return svg.NoData(id, title, "no command latencies were recorded")
	}
	// As many nines as the largest series resolves: 1000 samples say
	// something about p99.9 but not about p99.99.
	nines := min(max(int(math.Floor(math.Log10(float64(maxCount)))), 2), 6)
	const samples = 240
	curves := make([][]float64, len(live))
	xs := make([]float64, samples+1)
	for i := range xs {
		xs[i] = float64(nines) * float64(i) / samples
	}
	for k, s := range live {
		ys := make([]float64, len(xs))
		for i, xv := range xs {
			q := 1 - math.Pow(10, -xv)
			ys[i] = float64(s.h.Quantile(q))
			if ys[i] > 0 {
				lo = math.Min(lo, ys[i])
			}
			hi = math.Max(hi, ys[i])
		}
		curves[k] = ys
	}
	legend := make([]svg.LegendItem, len(live))
	for k, s := range live {
		legend[k] = svg.LegendItem{Label: fmt.Sprintf("%s (n=%d)", s.name, s.h.Count()), Color: s.color, Dash: s.dash, Width: s.width}
	}
	c := svg.NewCanvas(id, title, legend, svg.PlotHeight)
	x, xt := svg.NinesScale(nines, svg.PlotLeft, svg.PlotRight)
	y, yt, yTitle := svg.LatencyScale(lo, hi, c.Bottom, c.Top)
	c.Note("whole run")
	c.Axes(x, xt, "percentile (log scale of nines: 0%, 90%, 99%, 99.9%, …)", y, yt, yTitle)
	for k := len(live) - 1; k >= 0; k-- { // "all" last, on top
		s := live[k]
		c.Line(x, y, xs, curves[k], s.color, s.dash, s.width)
	}
	// Tooltips at the labelled percentiles.
	c.Body.WriteString(svg.HoverGroup)
	for _, t := range xt {
		q := 1 - math.Pow(10, -t.V)
		var parts []string
		for _, s := range live {
			parts = append(parts, fmt.Sprintf("%s %s", s.name, fmtLatency(s.h.Quantile(q))))
		}
		px := x.Pos(t.V)
		fmt.Fprintf(&c.Body, `<rect x="%s" y="%s" width="16" height="%s"><title>%s</title></rect>`,
			svg.Num(px-8), svg.Num(c.Top), svg.Num(c.Bottom-c.Top), svg.Esc("p"+strings.TrimSuffix(t.Label, "%")+": "+strings.Join(parts, ", ")))
	}
	c.Body.WriteString(`</g>`)
	return c.Finish()
}

// throughputPlot stacks answered and failed commands per second, with
// the sent commands as a line.
func throughputPlot(tl []reports.Interval) template.HTML {
	const id, title = "plot-throughput", "Throughput (commands per second)"
	if len(tl) == 0 {
		return svg.NoData(id, title, "the report has no timeline")
	}
	n := len(tl)
	zero, ans, top, sent := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	hi := 0.0
	for i, iv := range tl {
		ans[i] = float64(iv.Answered)
		top[i] = float64(iv.Answered + iv.Failed)
		sent[i] = float64(iv.Sent)
		hi = math.Max(hi, math.Max(top[i], sent[i]))
	}
	legend := []svg.LegendItem{
		{Label: "answered", Color: colAnswered, Area: true},
		{Label: "failed (stacked on answered)", Color: colFailed, Area: true},
		{Label: "sent", Color: colSent, Dash: "5 3", Width: 1.5},
	}
	c := svg.NewCanvas(id, title, legend, svg.PlotHeight)
	x, xt, xTitle := svg.TimeScale(n, svg.PlotLeft, svg.PlotRight)
	y, yt := svg.CountScale(hi, c.Bottom, c.Top)
	c.Axes(x, xt, xTitle, y, yt, "commands / s")
	c.StepArea(x, y, zero, ans, colAnswered)
	c.StepArea(x, y, ans, top, colFailed)
	c.StepLine(x, y, sent, colSent, "5 3", 1.5)
	c.HoverColumns(x, n, func(from, to int) string {
		var a, f, s []int64
		for i := from; i < to; i++ {
			a, f, s = append(a, tl[i].Answered), append(f, tl[i].Failed), append(s, tl[i].Sent)
		}
		return fmt.Sprintf("%s: %s answered, %s failed, %s sent", secondsLabel(from, to), rangeCount(a), rangeCount(f), rangeCount(s))
	})
	return c.Finish()
}

// sessionsPlot draws the connected and logged-in clients at the end of
// each second, against the planned number.
func sessionsPlot(tl []reports.Interval, planned int64) template.HTML {
	const id, title = "plot-sessions", "Sessions over time"
	if len(tl) == 0 {
		return svg.NoData(id, title, "the report has no timeline")
	}
	n := len(tl)
	xs, conn, logged := make([]float64, n), make([]float64, n), make([]float64, n)
	hi := float64(planned)
	for i, iv := range tl {
		xs[i] = float64(i + 1)
		conn[i], logged[i] = float64(iv.Connected), float64(iv.LoggedIn)
		hi = math.Max(hi, math.Max(conn[i], logged[i]))
	}
	legend := []svg.LegendItem{
		{Label: "connected", Color: colConn, Width: 2},
		{Label: "logged in", Color: colLogged, Width: 2, Dash: "6 3"},
	}
	if planned > 0 {
		legend = append(legend, svg.LegendItem{Label: fmt.Sprintf("planned (%d)", planned), Color: colPlanned, Dash: "2 3", Width: 1.5})
	}
	c := svg.NewCanvas(id, title, legend, 180)
	x, xt, xTitle := svg.TimeScale(n, svg.PlotLeft, svg.PlotRight)
	y, yt := svg.CountScale(hi*1.05, c.Bottom, c.Top)
	c.Note("at the end of each second")
	c.Axes(x, xt, xTitle, y, yt, "clients")
	if planned > 0 {
		py := y.Pos(float64(planned))
		fmt.Fprintf(&c.Body, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="2 3"/>`,
			svg.Num(svg.PlotLeft), svg.Num(py), svg.Num(svg.PlotRight), svg.Num(py), colPlanned)
	}
	c.Line(x, y, xs, conn, colConn, "", 2)
	c.Line(x, y, xs, logged, colLogged, "6 3", 2)
	c.HoverColumns(x, n, func(from, to int) string {
		var cs, ls []int64
		for i := from; i < to; i++ {
			cs, ls = append(cs, tl[i].Connected), append(ls, tl[i].LoggedIn)
		}
		return fmt.Sprintf("%s: %s connected, %s logged in", secondsLabel(from, to), rangeCount(cs), rangeCount(ls))
	})
	return c.Finish()
}

// funnelStage is one bar of the connection funnel.
type funnelStage struct {
	name      string
	reached   int64
	lost      map[string]int64 // by reason
	lostTotal int64
	p50       time.Duration
}

// funnelPlot draws the clients reaching each connection phase as
// horizontal bars, with the clients lost before each annotated.
func funnelPlot(stages []funnelStage) template.HTML {
	const id, title = "plot-funnel", "Connection funnel (clients reaching each phase)"
	var hi int64
	for _, s := range stages {
		hi = max(hi, s.reached)
	}
	if hi == 0 {
		return svg.NoData(id, title, "no clients were planned or connected")
	}
	const barH, gap, labelW = 26.0, 12.0, 110.0
	legend := []svg.LegendItem{
		{Label: "clients reaching the phase", Color: colFunnel, Area: true},
		{Label: "lost before reaching it", Color: colLost, Area: true},
	}
	c := svg.NewCanvas(id, title, legend, float64(len(stages))*(barH+gap)+gap)
	c.Height = c.Bottom + 14
	left := svg.PlotLeft + labelW
	planned := stages[0].reached
	// The labels right of the bars: the count, then the losses.
	counts, losses := make([]string, len(stages)), make([]string, len(stages))
	annot := 0.0
	for i, s := range stages {
		counts[i] = fmtInt(s.reached)
		if planned > 0 && i > 0 {
			counts[i] += fmt.Sprintf(" (%s)", fmtPercent(float64(s.reached)/float64(planned)))
		}
		if s.p50 > 0 {
			counts[i] += "  p50 " + fmtLatency(s.p50)
		}
		if n := s.lostTotal; n > 0 {
			losses[i] = fmt.Sprintf("−%s lost: %s", fmtInt(n), htmlCounts(s.lost))
		}
		w := svg.TextWidth(counts[i])
		if losses[i] != "" {
			w += 12 + svg.TextWidth(losses[i])
		}
		annot = math.Max(annot, w)
	}
	// Bars as wide as the annotations leave room for, but not too narrow.
	width := min(max(svg.Width-4-left-16-annot, 200), svg.PlotRight-left)
	for i, s := range stages {
		y := c.Top + gap + float64(i)*(barH+gap)
		w := width * float64(s.reached) / float64(hi)
		fmt.Fprintf(&c.Body, `<text x="%s" y="%s" font-size="12" text-anchor="end" fill="%s">%s</text>`,
			svg.Num(left-8), svg.Num(y+barH/2+4), svg.TextColor, svg.Esc(svg.Fit(s.name, left-12)))
		fmt.Fprintf(&c.Body, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
			svg.Num(left), svg.Num(y), svg.Num(math.Max(w, 1)), svg.Num(barH), colFunnel, svg.Esc(funnelTip(s, planned)))
		if lost := s.lostTotal; lost > 0 {
			lw := math.Max(width*float64(lost)/float64(hi), 2)
			fmt.Fprintf(&c.Body, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.85"/>`,
				svg.Num(left+w), svg.Num(y+4), svg.Num(lw), svg.Num(barH-8), colLost)
			w += lw
		}
		tx := left + w + 8
		fmt.Fprintf(&c.Body, `<text x="%s" y="%s" font-size="12" font-weight="600" fill="%s">%s</text>`,
			svg.Num(tx), svg.Num(y+barH/2+4), svg.TextColor, svg.Esc(counts[i]))
		if losses[i] != "" {
			lx := tx + svg.TextWidth(counts[i]) + 12
			fmt.Fprintf(&c.Body, `<text x="%s" y="%s" font-size="12" fill="%s"><title>%s</title>%s</text>`,
				svg.Num(lx), svg.Num(y+barH/2+4), colLost, svg.Esc(losses[i]), svg.Esc(svg.Fit(losses[i], svg.Width-4-lx)))
		}
	}
	return c.Finish()
}

func funnelTip(s funnelStage, planned int64) string {
	t := fmt.Sprintf("%s: %s clients", s.name, fmtInt(s.reached))
	if planned > 0 {
		t += " (" + fmtPercent(float64(s.reached)/float64(planned)) + " of planned)"
	}
	if s.p50 > 0 {
		t += ", p50 " + fmtLatency(s.p50) + " from the connection attempt"
	}
	if n := s.lostTotal; n > 0 {
		t += fmt.Sprintf("; %s lost before it: %s", fmtInt(n), htmlCounts(s.lost))
	}
	return t
}

// machineLoadPlot stacks the run's own CPU, other processes' and steal
// per second, as percentages of all cores.
func machineLoadPlot(tl []reports.Interval) template.HTML {
	const id, title = "plot-machine-load", "Machine load over time (share of all cores)"
	n := len(tl)
	measured := 0
	for i := range tl {
		if tl[i].Load.Measured() {
			measured++
		}
	}
	if measured == 0 {
		return svg.NoData(id, title, "the machine's load was not measured (a report of an older portalsim, or not Linux)")
	}
	zero, own, other, steal := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	hi := 100.0
	for i := range tl {
		l := tl[i].Load
		own[i] = 100 * l.Own
		other[i] = own[i] + 100*l.Other()
		steal[i] = other[i] + 100*l.Steal
		hi = math.Max(hi, steal[i])
	}
	legend := []svg.LegendItem{
		{Label: "the run's own", Color: colLoadOwn, Area: true},
		{Label: "other processes", Color: colLoadOther, Area: true},
		{Label: "steal", Color: colLoadSteal, Area: true},
	}
	c := svg.NewCanvas(id, title, legend, svg.PlotHeight)
	x, xt, xTitle := svg.TimeScale(n, svg.PlotLeft, svg.PlotRight)
	y, yt := svg.CountScale(hi, c.Bottom, c.Top)
	c.Axes(x, xt, xTitle, y, yt, "% of all cores")
	c.StepArea(x, y, zero, own, colLoadOwn)
	c.StepArea(x, y, own, other, colLoadOther)
	c.StepArea(x, y, other, steal, colLoadSteal)
	c.HoverColumns(x, n, func(from, to int) string {
		var others, owns, queues []float64
		var late time.Duration
		for i := from; i < to; i++ {
			if l := tl[i].Load; l.Measured() {
				others, owns, queues = append(others, 100*l.Other()), append(owns, 100*l.Own), append(queues, l.RunQueue)
				late = max(late, l.TimerLate)
			}
		}
		if len(others) == 0 {
			return secondsLabel(from, to) + ": not measured"
		}
		return fmt.Sprintf("%s: other processes %s%%, own %s%%, run queue %s, timer late up to %s", secondsLabel(from, to),
			rangeFloat(others, "%.0f"), rangeFloat(owns, "%.0f"), rangeFloat(queues, "%.1f"), fmtLatency(late))
	})
	return c.Finish()
}

// rangeFloat formats the range of vs with format: one value or "lo–hi".
func rangeFloat(vs []float64, format string) string {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	a, b := fmt.Sprintf(format, lo), fmt.Sprintf(format, hi)
	if a == b {
		return a
	}
	return a + "–" + b
}
