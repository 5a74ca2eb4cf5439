package faults

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestPickedSpreadsEvenly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fraction float64
		n        int
	}{
		{0.5, 1000}, {0.1, 1000}, {0.05, 1000}, {0.333, 10}, {0.01, 100_000},
	} {
		got := 0
		for i := 1; i <= tc.n; i++ {
			if Picked(uint64(i), tc.fraction) {
				got++
			}
		}
		want := tc.fraction * float64(tc.n)
		// A low-discrepancy sequence: off by a few, never by a share.
		if math.Abs(float64(got)-want) > 3 {
			t.Errorf("Picked(1..%d, %v): got %d picked, want %.1f ± 3", tc.n, tc.fraction, got, want)
		}
	}
	for _, f := range []float64{0, 1} {
		for i := uint64(1); i < 100; i++ {
			if !Picked(i, f) {
				t.Fatalf("Picked(%d, %v) = false; 0 and 1 pick all", i, f)
			}
		}
	}
}

func TestCombineAddsUp(t *testing.T) {
	t.Parallel()
	half := 0.5
	var inHalf, outHalf uint64 // one connection number on each side of the 0.5 pick
	for n := uint64(1); inHalf == 0 || outHalf == 0; n++ {
		if Picked(n, half) {
			inHalf = n
		} else {
			outHalf = n
		}
	}
	toxics := []Toxic{
		{Latency: 100 * time.Millisecond, Jitter: 10 * time.Millisecond},
		{Stream: Upstream, Latency: 50 * time.Millisecond, BytesPerSecond: 1000, Fragment: 8},
		{Stream: Downstream, BytesPerSecond: 500, Fragment: 16},
		{Fraction: half, Hold: true, Fragment: 1},
	}
	for _, tc := range []struct {
		name string
		n    uint64
		dir  Stream
		want shape
	}{
		{"upstream, in the half", inHalf, Upstream, shape{latency: 150 * time.Millisecond, jitter: 10 * time.Millisecond, bytesPerSecond: 1000, fragment: 1, hold: true}},
		{"upstream, out of the half", outHalf, Upstream, shape{latency: 150 * time.Millisecond, jitter: 10 * time.Millisecond, bytesPerSecond: 1000, fragment: 8}},
		{"downstream, out of the half", outHalf, Downstream, shape{latency: 100 * time.Millisecond, jitter: 10 * time.Millisecond, bytesPerSecond: 500, fragment: 16}},
	} {
		if got := combine(toxics, tc.n, tc.dir); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := combine(nil, 1, Upstream); got != (shape{}) {
		t.Errorf("no toxics: got %+v, want the zero shape", got)
	}
}

func TestDeliverAt(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	ms := time.Millisecond
	for _, tc := range []struct {
		name            string
		arrived, prev   time.Time
		latency, jitter time.Duration
		u               float64
		want            time.Time
	}{
		{"no toxic: at once", t0, time.Time{}, 0, 0, 0.7, t0},
		{"latency", t0, time.Time{}, 200 * ms, 0, 0.3, t0.Add(200 * ms)},
		{"jitter low end", t0, time.Time{}, 200 * ms, 50 * ms, 0, t0.Add(150 * ms)},
		{"jitter middle", t0, time.Time{}, 200 * ms, 50 * ms, 0.5, t0.Add(200 * ms)},
		{"jitter high end", t0, time.Time{}, 200 * ms, 50 * ms, 0.999999, t0.Add(250 * ms)},
		{"never before arrival", t0, time.Time{}, 10 * ms, 50 * ms, 0, t0},
		{"never before the chunk before", t0, t0.Add(240 * ms), 200 * ms, 50 * ms, 0, t0.Add(240 * ms)},
	} {
		got := deliverAt(tc.arrived, tc.prev, tc.latency, tc.jitter, tc.u)
		if d := got.Sub(tc.want); d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("%s: got %v, want %v", tc.name, got.Sub(t0), tc.want.Sub(t0))
		}
	}
}

func TestPace(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name        string
		now, free   time.Time
		n           int
		bps         int64
		start, next time.Duration // from t0
	}{
		{"idle stream starts now", t0, time.Time{}, 100, 1000, 0, 100 * time.Millisecond},
		{"busy stream waits", t0, t0.Add(30 * time.Millisecond), 10, 1000, 30 * time.Millisecond, 40 * time.Millisecond},
		{"one byte a second", t0, t0, 1, 1, 0, time.Second},
	} {
		start, next := pace(tc.now, tc.free, tc.n, tc.bps)
		if start.Sub(t0) != tc.start || next.Sub(t0) != tc.next {
			t.Errorf("%s: got start %v next %v, want %v and %v", tc.name, start.Sub(t0), next.Sub(t0), tc.start, tc.next)
		}
	}
}

func TestPieceSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    shape
		n    int
		want int
	}{
		{shape{}, 500, 500},
		{shape{fragment: 1}, 500, 1},
		{shape{fragment: 64}, 10, 10},
		{shape{bytesPerSecond: 1000}, 500, 20},
		{shape{bytesPerSecond: 10}, 500, 1},
		{shape{bytesPerSecond: 100_000, fragment: 3}, 500, 3},
	} {
		if got := pieceSize(tc.s, tc.n); got != tc.want {
			t.Errorf("pieceSize(%+v, %d): got %d, want %d", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestToxicValidateNamesTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		toxic Toxic
		field string
	}{
		{Toxic{Latency: -time.Second}, "Latency"},
		{Toxic{Jitter: 2 * MaxDelay}, "Jitter"},
		{Toxic{Fraction: 1.5}, "Fraction"},
		{Toxic{Fraction: math.NaN()}, "Fraction"},
		{Toxic{BytesPerSecond: -1}, "BytesPerSecond"},
		{Toxic{Fragment: MaxFragment + 1}, "Fragment"},
		{Toxic{Stream: 7}, "Stream"},
	} {
		err := tc.toxic.Validate()
		if !errors.Is(err, ErrInvalidToxic) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("Validate(%+v): got %v, want ErrInvalidToxic naming %s", tc.toxic, err, tc.field)
		}
	}
	if err := (Toxic{Latency: time.Second, Jitter: time.Second, Fraction: 1, BytesPerSecond: 1, Fragment: 1, Hold: true}).Validate(); err != nil {
		t.Errorf("a valid toxic: %v", err)
	}
}

func TestStreamString(t *testing.T) {
	t.Parallel()
	for s, want := range map[Stream]string{Both: "both", Upstream: "upstream", Downstream: "downstream", 9: "Stream(9)"} {
		if got := s.String(); got != want {
			t.Errorf("Stream(%d).String(): got %q, want %q", s, got, want)
		}
	}
}
