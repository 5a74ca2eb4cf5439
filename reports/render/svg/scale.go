package svg

import (
	"fmt"
	"math"
	"strconv"
)

// Tick is one labelled (or, when minor, unlabelled) position on an axis.
type Tick struct {
	V     float64 // the position, in data units
	Label string  // "" for none
	Minor bool    // a minor tick: a fainter grid line
}

// Scale maps data values to pixels.
type Scale struct {
	lo, hi float64 // data range (for log: the values, not their logarithms)
	p0, p1 float64 // pixel positions of lo and hi
	log    bool
}

// Pos returns the pixel position of the data value v.
func (s Scale) Pos(v float64) float64 {
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
func linearTicks(lo, hi float64, n int, label func(v, step float64) string) ([]Tick, float64) {
	if math.IsNaN(lo) || math.IsInf(lo, 0) {
		lo = 0
	}
	if !(hi > lo) || math.IsInf(hi, 0) { // NaN, +Inf or not above lo: a scale of one unit
		hi = lo + 1
	}
	step := niceStep(hi-lo, n)
	top := math.Ceil(hi/step-1e-9) * step
	var ts []Tick
	for i := 0; ; i++ {
		v := lo + float64(i)*step
		if v > top+step*1e-6 {
			break
		}
		ts = append(ts, Tick{V: v, Label: label(v, step)})
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

// LatencyScale returns a y scale for durations in ns from lo to hi (the
// smallest positive and the largest value plotted): logarithmic when they
// differ by more than a factor of 20, else linear from 0.
func LatencyScale(lo, hi, p0, p1 float64) (Scale, []Tick, string) {
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
		var ts []Tick
		few := dhi-dlo <= 2
		for d := dlo; d <= dhi; d++ {
			base := math.Pow(10, d)
			ts = append(ts, Tick{V: base, Label: fmtLatencyTick(base)})
			if d == dhi {
				break
			}
			for _, m := range []float64{2, 5} {
				t := Tick{V: m * base, Minor: !few}
				if few {
					t.Label = fmtLatencyTick(m * base)
				}
				ts = append(ts, t)
			}
		}
		return Scale{lo: math.Pow(10, dlo), hi: math.Pow(10, dhi), p0: p0, p1: p1, log: true}, ts, "latency (log scale)"
	}
	ts, top := linearTicks(0, hi, 5, func(float64, float64) string { return "" })
	div, unit := latencyUnit(top)
	step := ts[1].V - ts[0].V
	for i := range ts {
		ts[i].Label = strconv.FormatFloat(ts[i].V/div, 'f', decimalsFor(step/div), 64) + " " + unit
	}
	return Scale{lo: 0, hi: top, p0: p0, p1: p1}, ts, "latency"
}

// fmtLatencyTick labels a power-of-ten-ish duration: "100µs", "2ms", "1s".
func fmtLatencyTick(ns float64) string {
	div, unit := latencyUnit(ns * 1.0000001)
	return strconv.FormatFloat(ns/div, 'f', -1, 64) + unit
}

// CountScale returns a linear y scale for counts from 0 to hi.
func CountScale(hi, p0, p1 float64) (Scale, []Tick) {
	if hi <= 0 {
		hi = 1
	}
	ts, top := linearTicks(0, hi, 5, func(v, step float64) string { return fmtCount(v, step) })
	return Scale{lo: 0, hi: top, p0: p0, p1: p1}, ts
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

// TimeScale returns the x scale of a timeline of n seconds, with ticks
// in seconds, or m:ss from two minutes on, and the axis title.
func TimeScale(n int, p0, p1 float64) (Scale, []Tick, string) {
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
	var ts []Tick
	for v := 0.0; v <= span+1e-9; v += step {
		label := strconv.FormatFloat(v, 'f', 0, 64)
		if clock {
			label = fmtClock(int(v))
		}
		ts = append(ts, Tick{V: v, Label: label})
	}
	title := "time since start (s)"
	if clock {
		title = "time since start (m:ss)"
		if span >= 3600 {
			title = "time since start (h:mm:ss)"
		}
	}
	return Scale{lo: 0, hi: span, p0: p0, p1: p1}, ts, title
}

// fmtClock formats seconds as m:ss or h:mm:ss.
func fmtClock(s int) string {
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// NinesScale is the x scale of a percentile plot: position log10(1/(1-p)),
// so 0%, 90%, 99%, 99.9% are evenly spaced, up to the given nines.
func NinesScale(nines int, p0, p1 float64) (Scale, []Tick) {
	ts := []Tick{{V: 0, Label: "0%"}, {V: math.Log10(2), Label: "50%"}}
	for k := 1; k <= nines; k++ {
		label := strconv.FormatFloat(100*(1-math.Pow(10, -float64(k))), 'f', max(k-2, 0), 64) + "%"
		ts = append(ts, Tick{V: float64(k), Label: label})
	}
	return Scale{lo: 0, hi: float64(nines), p0: p0, p1: p1}, ts
}
