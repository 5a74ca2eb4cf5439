package reports

// The plots of the HTML report, drawn as inline SVG. Every plot is a
// plotCanvas: a title, a legend, a rectangular plot area with axes, tick
// labels and grid lines, series drawn on two scales, and optional hover
// columns whose SVG <title> elements the browser shows as tooltips (no
// script needed). Text from the report (action names) is escaped here,
// since the finished SVG reaches the template as template.HTML.

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// Plot geometry, in CSS pixels.
const (
	svgWidth      = 900.0
	svgPlotLeft   = 78.0  // room for the y tick labels and the y axis title
	svgPlotRight  = 882.0 // svgWidth minus a small margin
	svgTitleY     = 22.0  // baseline of the title
	svgLegendTop  = 36.0  // top of the first legend row
	svgLegendRow  = 18.0  // height of a legend row
	svgPlotHeight = 240.0 // height of the plot area of the x-y plots
	svgBottom     = 50.0  // below the plot area: x tick labels and the x axis title
	svgCharWidth  = 7.0   // estimated width of a 12px character, for layout
)

// The colours of the series; "all" is drawn in black, the actions in
// svgPalette order (Tableau 10, readable on white).
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
	colGrid     = "#e6e6e6"
	colMinor    = "#f3f3f3"
	colAxis     = "#555555"
	colText     = "#222222"
)

var svgPalette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"}

// svgDashes tell actions apart once the palette repeats.
var svgDashes = []string{"", "6 3", "2 3", "8 3 2 3"}

// svgNum formats a coordinate with at most one decimal.
func svgNum(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// esc escapes text for SVG content and attribute values.
func esc(s string) string { return template.HTMLEscapeString(s) }

// svgTextWidth estimates the width of s at 12px.
func svgTextWidth(s string) float64 { return float64(len([]rune(s))) * svgCharWidth }

// svgFit shortens s with "…" to at most about maxPx wide at 12px.
func svgFit(s string, maxPx float64) string {
	r := []rune(s)
	n := max(int(maxPx/svgCharWidth), 1)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ---- scales and ticks ----

// tick is one labelled (or, when minor, unlabelled) position on an axis.
type tick struct {
	v     float64
	label string
	minor bool
}

// axisScale maps data values to pixels.
type axisScale struct {
	lo, hi float64 // data range (for log: the values, not their logarithms)
	p0, p1 float64 // pixel positions of lo and hi
	log    bool
}

func (s axisScale) pos(v float64) float64 {
	a, b, x := s.lo, s.hi, v
	if s.log {
		a, b, x = math.Log10(a), math.Log10(b), math.Log10(math.Max(v, s.lo/10))
	}
	if b == a {
		return (s.p0 + s.p1) / 2
	}
	return s.p0 + (x-a)/(b-a)*(s.p1-s.p0)
}

// niceStep returns a 1-2-5 step that divides span into about n parts.
func niceStep(span float64, n int) float64 {
	if span <= 0 || n <= 0 {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

// linearTicks returns the multiples of a nice step from 0 (or lo) to at
// least hi, and the top of the axis.
func linearTicks(lo, hi float64, n int, label func(v, step float64) string) ([]tick, float64) {
	if hi <= lo {
		hi = lo + 1
	}
	step := niceStep(hi-lo, n)
	top := math.Ceil(hi/step-1e-9) * step
	var ts []tick
	for i := 0; ; i++ {
		v := lo + float64(i)*step
		if v > top+step*1e-6 {
			break
		}
		ts = append(ts, tick{v: v, label: label(v, step)})
	}
	return ts, top
}

// latencyUnit returns the unit to label durations up to max ns with.
func latencyUnit(maxNS float64) (div float64, unit string) {
	switch {
	case maxNS < 1e3:
		return 1, "ns"
	case maxNS < 1e6:
		return 1e3, "µs"
	case maxNS < 1e9:
		return 1e6, "ms"
	}
	return 1e9, "s"
}

// decimalsFor returns how many decimals tell multiples of step apart.
func decimalsFor(step float64) int {
	if step <= 0 {
		return 0
	}
	d := int(math.Ceil(-math.Log10(step) - 1e-9))
	if math.Abs(step*math.Pow(10, float64(d))-math.Round(step*math.Pow(10, float64(d)))) > 1e-6 {
		d++ // 2.5
	}
	return max(d, 0)
}

// latencyScale returns a y scale for durations in ns from lo to hi (the
// smallest positive and the largest value plotted): logarithmic when they
// differ by more than a factor of 20, else linear from 0.
func latencyScale(lo, hi, p0, p1 float64) (axisScale, []tick, string) {
	if hi <= 0 {
		hi = 1e6
	}
	if lo <= 0 || lo > hi {
		lo = hi
	}
	if hi/lo > 20 {
		dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if dhi == dlo {
			dhi++
		}
		var ts []tick
		few := dhi-dlo <= 2
		for d := dlo; d <= dhi; d++ {
			base := math.Pow(10, d)
			ts = append(ts, tick{v: base, label: fmtLatencyTick(base)})
			if d == dhi {
				break
			}
			for _, m := range []float64{2, 5} {
				t := tick{v: m * base, minor: !few}
				if few {
					t.label = fmtLatencyTick(m * base)
				}
				ts = append(ts, t)
			}
		}
		return axisScale{lo: math.Pow(10, dlo), hi: math.Pow(10, dhi), p0: p0, p1: p1, log: true}, ts, "latency (log scale)"
	}
	ts, top := linearTicks(0, hi, 5, func(float64, float64) string { return "" })
	div, unit := latencyUnit(top)
	step := ts[1].v - ts[0].v
	for i := range ts {
		ts[i].label = strconv.FormatFloat(ts[i].v/div, 'f', decimalsFor(step/div), 64) + " " + unit
	}
	return axisScale{lo: 0, hi: top, p0: p0, p1: p1}, ts, "latency"
}

// fmtLatencyTick labels a power-of-ten-ish duration: "100µs", "2ms", "1s".
func fmtLatencyTick(ns float64) string {
	div, unit := latencyUnit(ns * 1.0000001)
	return strconv.FormatFloat(ns/div, 'f', -1, 64) + unit
}

// countScale returns a linear y scale for counts from 0 to hi.
func countScale(hi, p0, p1 float64) (axisScale, []tick) {
	if hi <= 0 {
		hi = 1
	}
	ts, top := linearTicks(0, hi, 5, func(v, step float64) string { return fmtCount(v, step) })
	return axisScale{lo: 0, hi: top, p0: p0, p1: p1}, ts
}

// fmtCount formats a tick count: 950, 1.5k, 2M.
func fmtCount(v, step float64) string {
	switch {
	case v >= 1e6 || step >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', decimalsFor(step/1e6), 64) + "M"
	case v >= 1e4 || step >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', decimalsFor(step/1e3), 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', decimalsFor(step), 64)
}

// timeScale returns the x scale of a timeline of n seconds, with ticks
// in seconds, or m:ss from two minutes on, and the axis title.
func timeScale(n int, p0, p1 float64) (axisScale, []tick, string) {
	span := float64(max(n, 1))
	steps := []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= 10 {
			step = s
			break
		}
	}
	clock := span >= 120
	var ts []tick
	for v := 0.0; v <= span+1e-9; v += step {
		label := strconv.FormatFloat(v, 'f', 0, 64)
		if clock {
			label = fmtClock(int(v))
		}
		ts = append(ts, tick{v: v, label: label})
	}
	title := "time since start (s)"
	if clock {
		title = "time since start (m:ss)"
		if span >= 3600 {
			title = "time since start (h:mm:ss)"
		}
	}
	return axisScale{lo: 0, hi: span, p0: p0, p1: p1}, ts, title
}

// fmtClock formats seconds as m:ss or h:mm:ss.
func fmtClock(s int) string {
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// ninesScale is the x scale of a percentile plot: position log10(1/(1-p)),
// so 0%, 90%, 99%, 99.9% are evenly spaced, up to the given nines.
func ninesScale(nines int, p0, p1 float64) (axisScale, []tick) {
	ts := []tick{{v: 0, label: "0%"}, {v: math.Log10(2), label: "50%"}}
	for k := 1; k <= nines; k++ {
		label := strconv.FormatFloat(100*(1-math.Pow(10, -float64(k))), 'f', max(k-2, 0), 64) + "%"
		ts = append(ts, tick{v: float64(k), label: label})
	}
	return axisScale{lo: 0, hi: float64(nines), p0: p0, p1: p1}, ts
}

// ---- the canvas ----

// legendItem is one entry of a plot's legend.
type legendItem struct {
	label string
	color string
	dash  string
	area  bool // a filled swatch rather than a line
	width float64
}

// plotCanvas accumulates one SVG plot: the body is drawn first, and
// finish puts the frame, title and legend around it once the height is
// known.
type plotCanvas struct {
	b      strings.Builder // the body
	id     string
	title  string
	legend [][]legendItem
	top    float64 // top of the plot area
	bottom float64 // bottom of the plot area
	height float64 // of the whole plot; finish uses it
}

// newCanvas starts a plot with a title and a legend; the plot area of the
// given height comes below the legend.
func newCanvas(id, title string, legend []legendItem, plotHeight float64) *plotCanvas {
	c := &plotCanvas{id: id, title: title, legend: legendRows(legend)}
	c.top = svgLegendTop + float64(len(c.legend))*svgLegendRow + 8
	c.bottom = c.top + plotHeight
	c.height = c.bottom + svgBottom
	return c
}

// legendRows lays the legend out in rows that fit the plot's width.
func legendRows(items []legendItem) [][]legendItem {
	var rows [][]legendItem
	var row []legendItem
	x := svgPlotLeft
	for _, it := range items {
		it.label = svgFit(it.label, svgPlotRight-svgPlotLeft-40)
		w := 22 + svgTextWidth(it.label) + 14
		if len(row) > 0 && x+w > svgPlotRight {
			rows = append(rows, row)
			row, x = nil, svgPlotLeft
		}
		row = append(row, it)
		x += w
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

func drawLegend(b *strings.Builder, rows [][]legendItem) {
	for r, row := range rows {
		y := svgLegendTop + float64(r)*svgLegendRow + svgLegendRow/2
		x := svgPlotLeft
		for _, it := range row {
			if it.area {
				fmt.Fprintf(b, `<rect x="%s" y="%s" width="16" height="10" fill="%s"/>`, svgNum(x), svgNum(y-5), it.color)
			} else {
				w := it.width
				if w == 0 {
					w = 2
				}
				fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`,
					svgNum(x), svgNum(y), svgNum(x+16), svgNum(y), it.color, svgNum(w), dashAttr(it.dash))
			}
			fmt.Fprintf(b, `<text x="%s" y="%s" font-size="12" fill="%s">%s</text>`, svgNum(x+22), svgNum(y+4), colText, esc(it.label))
			x += 22 + svgTextWidth(it.label) + 14
		}
	}
}

func dashAttr(d string) string {
	if d == "" {
		return ""
	}
	return ` stroke-dasharray="` + d + `"`
}

// axes draws the grid, the tick labels, the frame and the axis titles.
func (c *plotCanvas) axes(x axisScale, xt []tick, xTitle string, y axisScale, yt []tick, yTitle string) {
	b := &c.b
	b.WriteString(`<g class="grid">`)
	for _, t := range yt {
		col := colGrid
		if t.minor {
			col = colMinor
		}
		py := y.pos(t.v)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, svgNum(svgPlotLeft), svgNum(py), svgNum(svgPlotRight), svgNum(py), col)
	}
	for _, t := range xt {
		px := x.pos(t.v)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, svgNum(px), svgNum(c.top), svgNum(px), svgNum(c.bottom), colGrid)
	}
	b.WriteString(`</g><g class="ticks" font-size="11" fill="#444444">`)
	for _, t := range yt {
		if t.label == "" {
			continue
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s</text>`, svgNum(svgPlotLeft-6), svgNum(y.pos(t.v)+4), esc(t.label))
	}
	lastRight := math.Inf(-1)
	for _, t := range xt {
		px := x.pos(t.v)
		w := svgTextWidth(t.label) * 0.9
		if px-w/2 < lastRight+6 { // skip a label that would overlap the previous one
			continue
		}
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, svgNum(px), svgNum(c.bottom), svgNum(px), svgNum(c.bottom+4), colAxis)
		anchor, right := "middle", px+w/2
		if right > svgWidth-2 { // keep the last label inside the plot
			anchor, right = "end", svgWidth-2
			px = right
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s">%s</text>`, svgNum(px), svgNum(c.bottom+17), anchor, esc(t.label))
		lastRight = right
	}
	b.WriteString(`</g>`)
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s"/>`,
		svgNum(svgPlotLeft), svgNum(c.top), svgNum(svgPlotRight-svgPlotLeft), svgNum(c.bottom-c.top), colAxis)
	fmt.Fprintf(b, `<text x="%s" y="%s" font-size="12" text-anchor="middle" fill="%s">%s</text>`,
		svgNum((svgPlotLeft+svgPlotRight)/2), svgNum(c.bottom+38), colText, esc(xTitle))
	cy := (c.top + c.bottom) / 2
	fmt.Fprintf(b, `<text x="16" y="%s" font-size="12" text-anchor="middle" fill="%s" transform="rotate(-90 16 %s)">%s</text>`,
		svgNum(cy), colText, svgNum(cy), esc(yTitle))
}

// line draws a series through the points (xs[i], ys[i]); a NaN y breaks
// the line, and a point without neighbours is drawn as a dot.
func (c *plotCanvas) line(x, y axisScale, xs, ys []float64, color, dash string, width float64) {
	var d strings.Builder
	n := len(ys)
	for i := 0; i < n; i++ {
		if math.IsNaN(ys[i]) {
			continue
		}
		px, py := svgNum(x.pos(xs[i])), svgNum(y.pos(ys[i]))
		prev := i > 0 && !math.IsNaN(ys[i-1])
		next := i+1 < n && !math.IsNaN(ys[i+1])
		switch {
		case !prev && !next:
			fmt.Fprintf(&c.b, `<circle cx="%s" cy="%s" r="%s" fill="%s"/>`, px, py, svgNum(width+0.5), color)
		case !prev:
			fmt.Fprintf(&d, "M%s %s", px, py)
		default:
			fmt.Fprintf(&d, "L%s %s", px, py)
		}
	}
	if d.Len() > 0 {
		fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round"%s/>`,
			d.String(), color, svgNum(width), dashAttr(dash))
	}
}

// stepArea fills the band between lower and upper, each value held for
// one second [i, i+1).
func (c *plotCanvas) stepArea(x, y axisScale, lower, upper []float64, color string) {
	n := len(upper)
	if n == 0 {
		return
	}
	var d strings.Builder
	for i := 0; i < n; i++ {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %sL%s %s", cmd, svgNum(x.pos(float64(i))), svgNum(y.pos(upper[i])), svgNum(x.pos(float64(i+1))), svgNum(y.pos(upper[i])))
	}
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&d, "L%s %sL%s %s", svgNum(x.pos(float64(i+1))), svgNum(y.pos(lower[i])), svgNum(x.pos(float64(i))), svgNum(y.pos(lower[i])))
	}
	d.WriteString("Z")
	fmt.Fprintf(&c.b, `<path d="%s" fill="%s" stroke="none"/>`, d.String(), color)
}

// stepLine draws a series as steps, each value held for [i, i+1).
func (c *plotCanvas) stepLine(x, y axisScale, vs []float64, color, dash string, width float64) {
	if len(vs) == 0 {
		return
	}
	var d strings.Builder
	for i, v := range vs {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %sL%s %s", cmd, svgNum(x.pos(float64(i))), svgNum(y.pos(v)), svgNum(x.pos(float64(i+1))), svgNum(y.pos(v)))
	}
	fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="%s"%s/>`, d.String(), color, svgNum(width), dashAttr(dash))
}

// hoverColumns adds transparent columns over the timeline, one per group
// of seconds so that none is narrower than about 2px, each with a
// tooltip; CSS shades the column under the pointer.
func (c *plotCanvas) hoverColumns(x axisScale, n int, tip func(from, to int) string) {
	if n == 0 {
		return
	}
	group := max(1, int(math.Ceil(float64(n)/((svgPlotRight-svgPlotLeft)/2))))
	c.b.WriteString(hoverGroup)
	for from := 0; from < n; from += group {
		to := min(from+group, n)
		x0, x1 := x.pos(float64(from)), x.pos(float64(to))
		fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
			svgNum(x0), svgNum(c.top), svgNum(x1-x0), svgNum(c.bottom-c.top), esc(tip(from, to)))
	}
	c.b.WriteString(`</g>`)
}

// hoverGroup opens the group of hover targets: transparent, shaded by
// the page's CSS under the pointer.
const hoverGroup = `<g class="hover" fill="#000000" fill-opacity="0">`

// note writes a line of small text below the title, right-aligned.
func (c *plotCanvas) note(s string) {
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" font-size="11" text-anchor="end" fill="#666666">%s</text>`,
		svgNum(svgPlotRight), svgNum(svgTitleY), esc(s))
}

func (c *plotCanvas) finish() template.HTML {
	var b strings.Builder
	b.Grow(c.b.Len() + 1024)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="plot" id="%s" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		esc(c.id), svgNum(svgWidth), svgNum(c.height), svgNum(svgWidth), svgNum(c.height), esc(c.title))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`, svgNum(svgWidth), svgNum(c.height))
	fmt.Fprintf(&b, `<text class="ptitle" x="%s" y="%s" font-size="15" font-weight="600" fill="%s">%s</text>`,
		svgNum(svgPlotLeft), svgNum(svgTitleY), colText, esc(c.title))
	drawLegend(&b, c.legend)
	b.WriteString(c.b.String())
	b.WriteString(`</svg>`)
	// One element a line, so that a change shows as a readable diff of the
	// golden files. Escaped text holds no '>', so only tag ends match.
	return template.HTML(svgLines.Replace(b.String())) //nolint:gosec // built here, every report string escaped with esc
}

var svgLines = strings.NewReplacer("/>", "/>\n", "</text>", "</text>\n", "</rect>", "</rect>\n", "</g>", "</g>\n", "<g ", "\n<g ")

// noDataPlot is the placeholder of a plot without data.
func noDataPlot(id, title, why string) template.HTML {
	c := newCanvas(id, title, nil, 90)
	c.height = c.bottom + 10
	fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="#fafafa" stroke="#cccccc" stroke-dasharray="4 3"/>`,
		svgNum(svgPlotLeft), svgNum(c.top), svgNum(svgPlotRight-svgPlotLeft), svgNum(c.bottom-c.top))
	fmt.Fprintf(&c.b, `<text class="nodata" x="%s" y="%s" font-size="14" text-anchor="middle" fill="#777777">no data: %s</text>`,
		svgNum((svgPlotLeft+svgPlotRight)/2), svgNum((c.top+c.bottom)/2+5), esc(why))
	return c.finish()
}

// ---- the plots ----

// secondStats is what the timeline plots need of one second.
type secondStats struct {
	p50, p99, max float64 // ns; NaN when nothing was answered
}

// timelineStats reads each second's latency histogram once.
func timelineStats(tl []Interval) []secondStats {
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
func latencyOverTimePlot(tl []Interval, stats []secondStats) template.HTML {
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
		return noDataPlot(id, title, why)
	}
	legend := []legendItem{
		{label: "p50", color: colP50, width: 2},
		{label: "p99", color: colP99, width: 2},
		{label: "max", color: colMax, dash: "2 3", width: 1.5},
	}
	c := newCanvas(id, title, legend, svgPlotHeight)
	x, xt, xTitle := timeScale(len(tl), svgPlotLeft, svgPlotRight)
	y, yt, yTitle := latencyScale(lo, hi, c.bottom, c.top)
	c.note("gaps: seconds without answers")
	c.axes(x, xt, xTitle, y, yt, yTitle)
	xs := make([]float64, len(tl))
	p50, p99, mx := make([]float64, len(tl)), make([]float64, len(tl)), make([]float64, len(tl))
	for i, s := range stats {
		xs[i] = float64(i) + 0.5
		p50[i], p99[i], mx[i] = s.p50, s.p99, s.max
	}
	c.line(x, y, xs, mx, colMax, "2 3", 1.5)
	c.line(x, y, xs, p50, colP50, "", 2)
	c.line(x, y, xs, p99, colP99, "", 2) // on top: in a stall p99 and p50 meet
	c.hoverColumns(x, len(tl), func(from, to int) string {
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
	return c.finish()
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
	h     *Histogram // unpacked
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
		return noDataPlot(id, title, "no command latencies were recorded")
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
	legend := make([]legendItem, len(live))
	for k, s := range live {
		legend[k] = legendItem{label: fmt.Sprintf("%s (n=%d)", s.name, s.h.Count()), color: s.color, dash: s.dash, width: s.width}
	}
	c := newCanvas(id, title, legend, svgPlotHeight)
	x, xt := ninesScale(nines, svgPlotLeft, svgPlotRight)
	y, yt, yTitle := latencyScale(lo, hi, c.bottom, c.top)
	c.note("whole run")
	c.axes(x, xt, "percentile (log scale of nines: 0%, 90%, 99%, 99.9%, …)", y, yt, yTitle)
	for k := len(live) - 1; k >= 0; k-- { // "all" last, on top
		s := live[k]
		c.line(x, y, xs, curves[k], s.color, s.dash, s.width)
	}
	// Tooltips at the labelled percentiles.
	c.b.WriteString(hoverGroup)
	for _, t := range xt {
		q := 1 - math.Pow(10, -t.v)
		var parts []string
		for _, s := range live {
			parts = append(parts, fmt.Sprintf("%s %s", s.name, fmtLatency(s.h.Quantile(q))))
		}
		px := x.pos(t.v)
		fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="16" height="%s"><title>%s</title></rect>`,
			svgNum(px-8), svgNum(c.top), svgNum(c.bottom-c.top), esc("p"+strings.TrimSuffix(t.label, "%")+": "+strings.Join(parts, ", ")))
	}
	c.b.WriteString(`</g>`)
	return c.finish()
}

// throughputPlot stacks answered and failed commands per second, with
// the sent commands as a line.
func throughputPlot(tl []Interval) template.HTML {
	const id, title = "plot-throughput", "Throughput (commands per second)"
	if len(tl) == 0 {
		return noDataPlot(id, title, "the report has no timeline")
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
	legend := []legendItem{
		{label: "answered", color: colAnswered, area: true},
		{label: "failed (stacked on answered)", color: colFailed, area: true},
		{label: "sent", color: colSent, dash: "5 3", width: 1.5},
	}
	c := newCanvas(id, title, legend, svgPlotHeight)
	x, xt, xTitle := timeScale(n, svgPlotLeft, svgPlotRight)
	y, yt := countScale(hi, c.bottom, c.top)
	c.axes(x, xt, xTitle, y, yt, "commands / s")
	c.stepArea(x, y, zero, ans, colAnswered)
	c.stepArea(x, y, ans, top, colFailed)
	c.stepLine(x, y, sent, colSent, "5 3", 1.5)
	c.hoverColumns(x, n, func(from, to int) string {
		var a, f, s []int64
		for i := from; i < to; i++ {
			a, f, s = append(a, tl[i].Answered), append(f, tl[i].Failed), append(s, tl[i].Sent)
		}
		return fmt.Sprintf("%s: %s answered, %s failed, %s sent", secondsLabel(from, to), rangeCount(a), rangeCount(f), rangeCount(s))
	})
	return c.finish()
}

// sessionsPlot draws the connected and logged-in clients at the end of
// each second, against the planned number.
func sessionsPlot(tl []Interval, planned int64) template.HTML {
	const id, title = "plot-sessions", "Sessions over time"
	if len(tl) == 0 {
		return noDataPlot(id, title, "the report has no timeline")
	}
	n := len(tl)
	xs, conn, logged := make([]float64, n), make([]float64, n), make([]float64, n)
	hi := float64(planned)
	for i, iv := range tl {
		xs[i] = float64(i + 1)
		conn[i], logged[i] = float64(iv.Connected), float64(iv.LoggedIn)
		hi = math.Max(hi, math.Max(conn[i], logged[i]))
	}
	legend := []legendItem{
		{label: "connected", color: colConn, width: 2},
		{label: "logged in", color: colLogged, width: 2, dash: "6 3"},
	}
	if planned > 0 {
		legend = append(legend, legendItem{label: fmt.Sprintf("planned (%d)", planned), color: colPlanned, dash: "2 3", width: 1.5})
	}
	c := newCanvas(id, title, legend, 180)
	x, xt, xTitle := timeScale(n, svgPlotLeft, svgPlotRight)
	y, yt := countScale(hi*1.05, c.bottom, c.top)
	c.note("at the end of each second")
	c.axes(x, xt, xTitle, y, yt, "clients")
	if planned > 0 {
		py := y.pos(float64(planned))
		fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="2 3"/>`,
			svgNum(svgPlotLeft), svgNum(py), svgNum(svgPlotRight), svgNum(py), colPlanned)
	}
	c.line(x, y, xs, conn, colConn, "", 2)
	c.line(x, y, xs, logged, colLogged, "6 3", 2)
	c.hoverColumns(x, n, func(from, to int) string {
		var cs, ls []int64
		for i := from; i < to; i++ {
			cs, ls = append(cs, tl[i].Connected), append(ls, tl[i].LoggedIn)
		}
		return fmt.Sprintf("%s: %s connected, %s logged in", secondsLabel(from, to), rangeCount(cs), rangeCount(ls))
	})
	return c.finish()
}

// funnelStage is one bar of the connection funnel.
type funnelStage struct {
	name    string
	reached int64
	lost    map[string]int64
	p50     time.Duration
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
		return noDataPlot(id, title, "no clients were planned or connected")
	}
	const barH, gap, labelW = 26.0, 12.0, 110.0
	legend := []legendItem{
		{label: "clients reaching the phase", color: colFunnel, area: true},
		{label: "lost before reaching it", color: colLost, area: true},
	}
	c := newCanvas(id, title, legend, float64(len(stages))*(barH+gap)+gap)
	c.height = c.bottom + 14
	left := svgPlotLeft + labelW
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
		if n := sumCounts(s.lost); n > 0 {
			losses[i] = fmt.Sprintf("−%s lost: %s", fmtInt(n), htmlCounts(s.lost))
		}
		w := svgTextWidth(counts[i])
		if losses[i] != "" {
			w += 12 + svgTextWidth(losses[i])
		}
		annot = math.Max(annot, w)
	}
	// Bars as wide as the annotations leave room for, but not too narrow.
	width := min(max(svgWidth-4-left-16-annot, 200), svgPlotRight-left)
	for i, s := range stages {
		y := c.top + gap + float64(i)*(barH+gap)
		w := width * float64(s.reached) / float64(hi)
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" font-size="12" text-anchor="end" fill="%s">%s</text>`,
			svgNum(left-8), svgNum(y+barH/2+4), colText, esc(svgFit(s.name, left-12)))
		fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
			svgNum(left), svgNum(y), svgNum(math.Max(w, 1)), svgNum(barH), colFunnel, esc(funnelTip(s, planned)))
		if lost := sumCounts(s.lost); lost > 0 {
			lw := math.Max(width*float64(lost)/float64(hi), 2)
			fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.85"/>`,
				svgNum(left+w), svgNum(y+4), svgNum(lw), svgNum(barH-8), colLost)
			w += lw
		}
		tx := left + w + 8
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" font-size="12" font-weight="600" fill="%s">%s</text>`,
			svgNum(tx), svgNum(y+barH/2+4), colText, esc(counts[i]))
		if losses[i] != "" {
			lx := tx + svgTextWidth(counts[i]) + 12
			fmt.Fprintf(&c.b, `<text x="%s" y="%s" font-size="12" fill="%s"><title>%s</title>%s</text>`,
				svgNum(lx), svgNum(y+barH/2+4), colLost, esc(losses[i]), esc(svgFit(losses[i], svgWidth-4-lx)))
		}
	}
	return c.finish()
}

func funnelTip(s funnelStage, planned int64) string {
	t := fmt.Sprintf("%s: %s clients", s.name, fmtInt(s.reached))
	if planned > 0 {
		t += " (" + fmtPercent(float64(s.reached)/float64(planned)) + " of planned)"
	}
	if s.p50 > 0 {
		t += ", p50 " + fmtLatency(s.p50) + " from the connection attempt"
	}
	if n := sumCounts(s.lost); n > 0 {
		t += fmt.Sprintf("; %s lost before it: %s", fmtInt(n), htmlCounts(s.lost))
	}
	return t
}
