package svg

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Plot geometry, in CSS pixels.
const (
	Width        = 900.0
	PlotLeft     = 78.0  // room for the y tick labels and the y axis title
	PlotRight    = 882.0 // Width minus a small margin
	titleY       = 22.0  // baseline of the title
	legendTop    = 36.0  // top of the first legend row
	legendRow    = 18.0  // height of a legend row
	PlotHeight   = 240.0 // height of the plot area of the x-y plots
	bottomMargin = 50.0  // below the plot area: x tick labels and the x axis title
	charWidth    = 7.0   // estimated width of a 12px character, for layout
)

// The colours of a plot's frame: grid lines, axes and text.
const (
	colGrid   = "#e6e6e6"
	colMinor  = "#f3f3f3"
	colAxis   = "#555555"
	TextColor = "#222222"
)

// Palette is the colours of a plot's series, in order (Tableau 10,
// readable on white).
var Palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"}

// Dashes tell actions apart once the palette repeats.
var Dashes = []string{"", "6 3", "2 3", "8 3 2 3"}

// Num formats a coordinate with at most one decimal.
func Num(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// Esc escapes text for SVG content and attribute values.
func Esc(s string) string { return template.HTMLEscapeString(s) }

// TextWidth estimates the width of s at 12px.
func TextWidth(s string) float64 { return float64(len([]rune(s))) * charWidth }

// Fit shortens s with "…" to at most about maxPx wide at 12px.
func Fit(s string, maxPx float64) string {
	r := []rune(s)
	n := max(int(maxPx/charWidth), 1)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// LegendItem is one entry of a plot's legend.
type LegendItem struct {
	Label string  // the text, shortened to fit the plot's width
	Color string  // of the line or the swatch
	Dash  string  // the line's stroke-dasharray; "" for a solid line
	Area  bool    // a filled swatch rather than a line
	Width float64 // of the line; 0 for 2
}

// Canvas accumulates one SVG plot: the body is drawn first, and
// Finish puts the frame, title and legend around it once the height is
// known.
type Canvas struct {
	Body   strings.Builder // the body: the drawing methods write to it, and so may a plot's own elements
	id     string
	title  string
	legend [][]LegendItem
	Top    float64 // top of the plot area
	Bottom float64 // bottom of the plot area
	Height float64 // of the whole plot; Finish uses it
}

// NewCanvas starts a plot with a title and a legend; the plot area of the
// given height comes below the legend.
func NewCanvas(id, title string, legend []LegendItem, plotHeight float64) *Canvas {
	c := &Canvas{id: id, title: title, legend: legendRows(legend)}
	c.Top = legendTop + float64(len(c.legend))*legendRow + 8
	c.Bottom = c.Top + plotHeight
	c.Height = c.Bottom + bottomMargin
	return c
}

// legendRows lays the legend out in rows that fit the plot's width.
func legendRows(items []LegendItem) [][]LegendItem {
	var rows [][]LegendItem
	var row []LegendItem
	x := PlotLeft
	for _, it := range items {
		it.Label = Fit(it.Label, PlotRight-PlotLeft-40)
		w := 22 + TextWidth(it.Label) + 14
		if len(row) > 0 && x+w > PlotRight {
			rows = append(rows, row)
			row, x = nil, PlotLeft
		}
		row = append(row, it)
		x += w
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

func drawLegend(b *strings.Builder, rows [][]LegendItem) {
	for r, row := range rows {
		y := legendTop + float64(r)*legendRow + legendRow/2
		x := PlotLeft
		for _, it := range row {
			if it.Area {
				fmt.Fprintf(b, `<rect x="%s" y="%s" width="16" height="10" fill="%s"/>`, Num(x), Num(y-5), it.Color)
			} else {
				w := it.Width
				if w == 0 {
					w = 2
				}
				fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`,
					Num(x), Num(y), Num(x+16), Num(y), it.Color, Num(w), dashAttr(it.Dash))
			}
			fmt.Fprintf(b, `<text x="%s" y="%s" font-size="12" fill="%s">%s</text>`, Num(x+22), Num(y+4), TextColor, Esc(it.Label))
			x += 22 + TextWidth(it.Label) + 14
		}
	}
}

func dashAttr(d string) string {
	if d == "" {
		return ""
	}
	return ` stroke-dasharray="` + d + `"`
}

// Axes draws the grid, the tick labels, the frame and the axis titles.
func (c *Canvas) Axes(x Scale, xt []Tick, xTitle string, y Scale, yt []Tick, yTitle string) {
	b := &c.Body
	b.WriteString(`<g class="grid">`)
	for _, t := range yt {
		col := colGrid
		if t.Minor {
			col = colMinor
		}
		py := y.Pos(t.V)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, Num(PlotLeft), Num(py), Num(PlotRight), Num(py), col)
	}
	for _, t := range xt {
		px := x.Pos(t.V)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, Num(px), Num(c.Top), Num(px), Num(c.Bottom), colGrid)
	}
	b.WriteString(`</g><g class="ticks" font-size="11" fill="#444444">`)
	for _, t := range yt {
		if t.Label == "" {
			continue
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s</text>`, Num(PlotLeft-6), Num(y.Pos(t.V)+4), Esc(t.Label))
	}
	lastRight := math.Inf(-1)
	for _, t := range xt {
		px := x.Pos(t.V)
		w := TextWidth(t.Label) * 0.9
		if px-w/2 < lastRight+6 { // skip a label that would overlap the previous one
			continue
		}
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, Num(px), Num(c.Bottom), Num(px), Num(c.Bottom+4), colAxis)
		anchor, right := "middle", px+w/2
		if right > Width-2 { // keep the last label inside the plot
			anchor, right = "end", Width-2
			px = right
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s">%s</text>`, Num(px), Num(c.Bottom+17), anchor, Esc(t.Label))
		lastRight = right
	}
	b.WriteString(`</g>`)
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s"/>`,
		Num(PlotLeft), Num(c.Top), Num(PlotRight-PlotLeft), Num(c.Bottom-c.Top), colAxis)
	fmt.Fprintf(b, `<text x="%s" y="%s" font-size="12" text-anchor="middle" fill="%s">%s</text>`,
		Num((PlotLeft+PlotRight)/2), Num(c.Bottom+38), TextColor, Esc(xTitle))
	cy := (c.Top + c.Bottom) / 2
	fmt.Fprintf(b, `<text x="16" y="%s" font-size="12" text-anchor="middle" fill="%s" transform="rotate(-90 16 %s)">%s</text>`,
		Num(cy), TextColor, Num(cy), Esc(yTitle))
}

// Line draws a series through the points (xs[i], ys[i]); a NaN y breaks
// the line, and a point without neighbours is drawn as a dot.
func (c *Canvas) Line(x, y Scale, xs, ys []float64, color, dash string, width float64) {
	var d strings.Builder
	n := len(ys)
	for i := 0; i < n; i++ {
		if math.IsNaN(ys[i]) {
			continue
		}
		px, py := Num(x.Pos(xs[i])), Num(y.Pos(ys[i]))
		prev := i > 0 && !math.IsNaN(ys[i-1])
		next := i+1 < n && !math.IsNaN(ys[i+1])
		switch {
		case !prev && !next:
			fmt.Fprintf(&c.Body, `<circle cx="%s" cy="%s" r="%s" fill="%s"/>`, px, py, Num(width+0.5), color)
		case !prev:
			fmt.Fprintf(&d, "M%s %s", px, py)
		default:
			fmt.Fprintf(&d, "L%s %s", px, py)
		}
	}
	if d.Len() > 0 {
		fmt.Fprintf(&c.Body, `<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round"%s/>`,
			d.String(), color, Num(width), dashAttr(dash))
	}
}

// StepArea fills the band between lower and upper, each value held for
// one second [i, i+1).
func (c *Canvas) StepArea(x, y Scale, lower, upper []float64, color string) {
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
		fmt.Fprintf(&d, "%s%s %sL%s %s", cmd, Num(x.Pos(float64(i))), Num(y.Pos(upper[i])), Num(x.Pos(float64(i+1))), Num(y.Pos(upper[i])))
	}
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&d, "L%s %sL%s %s", Num(x.Pos(float64(i+1))), Num(y.Pos(lower[i])), Num(x.Pos(float64(i))), Num(y.Pos(lower[i])))
	}
	d.WriteString("Z")
	fmt.Fprintf(&c.Body, `<path d="%s" fill="%s" stroke="none"/>`, d.String(), color)
}

// StepLine draws a series as steps, each value held for [i, i+1).
func (c *Canvas) StepLine(x, y Scale, vs []float64, color, dash string, width float64) {
	if len(vs) == 0 {
		return
	}
	var d strings.Builder
	for i, v := range vs {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %sL%s %s", cmd, Num(x.Pos(float64(i))), Num(y.Pos(v)), Num(x.Pos(float64(i+1))), Num(y.Pos(v)))
	}
	fmt.Fprintf(&c.Body, `<path d="%s" fill="none" stroke="%s" stroke-width="%s"%s/>`, d.String(), color, Num(width), dashAttr(dash))
}

// HoverColumns adds transparent columns over the timeline, one per group
// of seconds so that none is narrower than about 2px, each with a
// tooltip; CSS shades the column under the pointer.
func (c *Canvas) HoverColumns(x Scale, n int, tip func(from, to int) string) {
	if n == 0 {
		return
	}
	group := max(1, int(math.Ceil(float64(n)/((PlotRight-PlotLeft)/2))))
	c.Body.WriteString(HoverGroup)
	for from := 0; from < n; from += group {
		to := min(from+group, n)
		x0, x1 := x.Pos(float64(from)), x.Pos(float64(to))
		fmt.Fprintf(&c.Body, `<rect x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
			Num(x0), Num(c.Top), Num(x1-x0), Num(c.Bottom-c.Top), Esc(tip(from, to)))
	}
	c.Body.WriteString(`</g>`)
}

// HoverGroup opens the group of hover targets: transparent, shaded by
// the page's CSS under the pointer.
const HoverGroup = `<g class="hover" fill="#000000" fill-opacity="0">`

// Note writes a line of small text below the title, right-aligned.
func (c *Canvas) Note(s string) {
	fmt.Fprintf(&c.Body, `<text x="%s" y="%s" font-size="11" text-anchor="end" fill="#666666">%s</text>`,
		Num(PlotRight), Num(titleY), Esc(s))
}

// Finish returns the plot: an <svg> element of Width and Height with the
// title, the legend and the body, one element a line.
func (c *Canvas) Finish() template.HTML {
	var b strings.Builder
	b.Grow(c.Body.Len() + 1024)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="plot" id="%s" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		Esc(c.id), Num(Width), Num(c.Height), Num(Width), Num(c.Height), Esc(c.title))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`, Num(Width), Num(c.Height))
	fmt.Fprintf(&b, `<text class="ptitle" x="%s" y="%s" font-size="15" font-weight="600" fill="%s">%s</text>`,
		Num(PlotLeft), Num(titleY), TextColor, Esc(c.title))
	drawLegend(&b, c.legend)
	b.WriteString(c.Body.String())
	b.WriteString(`</svg>`)
	// One element a line, so that a change shows as a readable diff of the
	// golden files. Escaped text holds no '>', so only tag ends match.
	return template.HTML(svgLines.Replace(b.String())) //nolint:gosec // built here, every string escaped with Esc
}

var svgLines = strings.NewReplacer("/>", "/>\n", "</text>", "</text>\n", "</rect>", "</rect>\n", "</g>", "</g>\n", "<g ", "\n<g ")

// NoData is the placeholder of a plot without data.
func NoData(id, title, why string) template.HTML {
	c := NewCanvas(id, title, nil, 90)
	c.Height = c.Bottom + 10
	fmt.Fprintf(&c.Body, `<rect x="%s" y="%s" width="%s" height="%s" fill="#fafafa" stroke="#cccccc" stroke-dasharray="4 3"/>`,
		Num(PlotLeft), Num(c.Top), Num(PlotRight-PlotLeft), Num(c.Bottom-c.Top))
	fmt.Fprintf(&c.Body, `<text class="nodata" x="%s" y="%s" font-size="14" text-anchor="middle" fill="#777777">no data: %s</text>`,
		Num((PlotLeft+PlotRight)/2), Num((c.Top+c.Bottom)/2+5), Esc(why))
	return c.Finish()
}
