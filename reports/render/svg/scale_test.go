package svg

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestLatencyScale(t *testing.T) {
	t.Parallel()
	// A narrow range is linear from 0, labelled in one unit.
	s, ticks, title := LatencyScale(float64(2*time.Millisecond), float64(9*time.Millisecond), 300, 0)
	if s.log || title != "latency" || s.lo != 0 || s.hi < float64(9*time.Millisecond) {
		t.Errorf("narrow range: scale %+v, title %q", s, title)
	}
	var labels []string
	for _, tk := range ticks {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, ","); got != "0 ms,2 ms,4 ms,6 ms,8 ms,10 ms" {
		t.Errorf("narrow range ticks %s", got)
	}
	// A wide range is logarithmic, from a power of ten below to one above.
	s, ticks, title = LatencyScale(float64(300*time.Microsecond), float64(4*time.Second), 300, 0)
	if !s.log || title != "latency (log scale)" || s.lo != 1e5 || s.hi != 1e10 {
		t.Errorf("wide range: scale %+v, title %q", s, title)
	}
	labels = labels[:0]
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, ","); got != "100µs,1ms,10ms,100ms,1s,10s" {
		t.Errorf("wide range ticks %s", got)
	}
	if p := s.Pos(1e5); p != 300 {
		t.Errorf("pos(lo) = %v, want 300", p)
	}
	if p := s.Pos(1e10); p != 0 {
		t.Errorf("pos(hi) = %v, want 0", p)
	}
}

func TestTimeAndNinesScales(t *testing.T) {
	t.Parallel()
	_, ticks, title := TimeScale(120, 0, 100)
	if title != "time since start (m:ss)" || ticks[1].Label != "0:15" || ticks[len(ticks)-1].Label != "2:00" {
		t.Errorf("timeScale(120): %q %+v", title, ticks)
	}
	_, ticks, title = TimeScale(7200, 0, 100)
	if title != "time since start (h:mm:ss)" || ticks[len(ticks)-1].Label != "2:00:00" {
		t.Errorf("timeScale(7200): %q %+v", title, ticks)
	}
	_, ticks, title = TimeScale(30, 0, 100)
	if title != "time since start (s)" || ticks[1].Label != "5" {
		t.Errorf("timeScale(30): %q %+v", title, ticks)
	}
	_, ticks = NinesScale(4, 0, 100)
	var labels []string
	for _, tk := range ticks {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, ","); got != "0%,50%,90%,99%,99.9%,99.99%" {
		t.Errorf("nines ticks %s", got)
	}
}

// A scale up to a value that is not finite (a hostile report's figure)
// still ends, with a unit scale.
func TestLinearTicksNotFinite(t *testing.T) {
	for _, hi := range []float64{math.Inf(1), math.NaN(), math.Inf(-1), -5} {
		ts, top := linearTicks(0, hi, 5, func(v, _ float64) string { return "" })
		if len(ts) == 0 || len(ts) > 20 || top != 1 {
			t.Errorf("linearTicks(0, %v) = %d ticks up to %v, want a unit scale", hi, len(ts), top)
		}
	}
	if sc, _ := CountScale(math.Inf(1), 0, 100); sc.hi != 1 {
		t.Errorf("CountScale(+Inf) reaches %v, want 1", sc.hi)
	}
}
