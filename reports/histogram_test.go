package reports

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// histogramOf returns a histogram holding ds.
func histogramOf(t testing.TB, ds ...time.Duration) *Histogram {
	t.Helper()
	h := NewHistogram()
	for _, d := range ds {
		h.Record(d)
	}
	return h
}

// randomDurations returns n durations spread log-uniformly from 1µs to
// 10s, reproducibly.
func randomDurations(t testing.TB, seed uint64, n int) []time.Duration {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = time.Duration(math.Pow(10, 3+7*rng.Float64()))
	}
	return ds
}

// exactQuantile returns the sample HDR's quantile q approximates: the
// value at rank ceil-ish(q*n) of the sorted samples.
func exactQuantile(t testing.TB, sorted []time.Duration, q float64) time.Duration {
	t.Helper()
	rank := int(q*float64(len(sorted)) + 0.5)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// assertClose fails unless got is within 0.1% (HDR's 3 digits) of want.
func assertClose(t *testing.T, name string, got, want time.Duration) {
	t.Helper()
	if diff := math.Abs(float64(got - want)); diff > float64(want)/1000+1 {
		t.Errorf("%s = %v, want %v (within 0.1%%)", name, got, want)
	}
}

func TestHistogramEmpty(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]*Histogram{"new": NewHistogram(), "nil": nil, "reset": histogramOf(t, time.Second)} {
		if name == "reset" {
			h.Reset()
		}
		if got := h.Count(); got != 0 {
			t.Errorf("%s: Count() = %d, want 0", name, got)
		}
		if got := h.Summary(); got != (Summary{}) {
			t.Errorf("%s: Summary() = %+v, want zero", name, got)
		}
		if got := h.Quantile(0.99); got != 0 {
			t.Errorf("%s: Quantile(0.99) = %v, want 0", name, got)
		}
		if !h.IsZero() {
			t.Errorf("%s: IsZero() = false, want true", name)
		}
		if got := h.Clone(); got == nil || got.Count() != 0 {
			t.Errorf("%s: Clone() = %v, want an empty histogram", name, got)
		}
		if !h.Equal(NewHistogram()) {
			t.Errorf("%s: not Equal to NewHistogram()", name)
		}
	}
}

func TestHistogramStats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ds   []time.Duration
	}{
		{"one value", []time.Duration{1234567 * time.Nanosecond}},
		{"two values", []time.Duration{time.Millisecond, 3 * time.Millisecond}},
		{"small exact values", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"uniform ms", func() []time.Duration {
			var ds []time.Duration
			for i := 1; i <= 1000; i++ {
				ds = append(ds, time.Duration(i)*time.Millisecond)
			}
			return ds
		}()},
		{"log-uniform random", randomDurations(t, 7, 5000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := histogramOf(t, tc.ds...)
			sorted := slices.Sorted(slices.Values(tc.ds))
			if got, want := h.Count(), int64(len(tc.ds)); got != want {
				t.Errorf("Count() = %d, want %d", got, want)
			}
			if got, want := h.Min(), sorted[0]; got != want {
				t.Errorf("Min() = %v, want exactly %v", got, want)
			}
			if got, want := h.Max(), sorted[len(sorted)-1]; got != want {
				t.Errorf("Max() = %v, want exactly %v", got, want)
			}
			var sum float64
			for _, d := range tc.ds {
				sum += float64(d)
			}
			mean := sum / float64(len(tc.ds))
			assertClose(t, "Mean()", h.Mean(), time.Duration(mean))
			var sq float64
			for _, d := range tc.ds {
				sq += (float64(d) - mean) * (float64(d) - mean)
			}
			std := time.Duration(math.Sqrt(sq / float64(len(tc.ds))))
			if got := h.StdDev(); math.Abs(float64(got-std)) > float64(std)/100+1 {
				t.Errorf("StdDev() = %v, want %v (within 1%%)", got, std)
			}
			for _, q := range []float64{0.5, 0.75, 0.9, 0.95, 0.99, 0.999} {
				assertClose(t, "Quantile", h.Quantile(q), exactQuantile(t, sorted, q))
			}
			if got, want := h.Quantile(0), sorted[0]; got != want {
				t.Errorf("Quantile(0) = %v, want %v", got, want)
			}
			if got, want := h.Quantile(1), sorted[len(sorted)-1]; got != want {
				t.Errorf("Quantile(1) = %v, want %v", got, want)
			}
			s := h.Summary()
			want := Summary{
				Count: h.Count(), Min: h.Min(), Max: h.Max(), Mean: h.Mean(), StdDev: h.StdDev(),
				P50: h.Quantile(0.5), P75: h.Quantile(0.75), P90: h.Quantile(0.9),
				P95: h.Quantile(0.95), P99: h.Quantile(0.99), P999: h.Quantile(0.999),
			}
			if s != want {
				t.Errorf("Summary() = %+v, want %+v", s, want)
			}
		})
	}
}

// TestHistogramQuantileWithinMinMax checks that the quantiles never leave
// [Min, Max], although HDR reports the top of a bucket.
func TestHistogramQuantileWithinMinMax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ds   []time.Duration
	}{
		{"single value", []time.Duration{1234567}},
		{"same value", []time.Duration{98765432, 98765432, 98765432}},
		{"two values", []time.Duration{1000001, 5000003}},
		{"random", randomDurations(t, 3, 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := histogramOf(t, tc.ds...)
			for _, q := range []float64{-1, 0, 0.001, 0.5, 0.99, 0.999, 1, 2, math.NaN()} {
				if got := h.Quantile(q); got < h.Min() || got > h.Max() {
					t.Errorf("Quantile(%v) = %v, outside [%v, %v]", q, got, h.Min(), h.Max())
				}
			}
			if got := h.Mean(); got < h.Min() || got > h.Max() {
				t.Errorf("Mean() = %v, outside [%v, %v]", got, h.Min(), h.Max())
			}
		})
	}
	// The clamp is needed: raw HDR overshoots the largest value.
	h := histogramOf(t, 1234567)
	if raw := h.hdr.ValueAtQuantile(99); raw <= int64(h.Max()) {
		t.Fatalf("raw HDR p99 %d does not exceed the max %d; the test proves nothing", raw, h.Max())
	}
	if got, want := h.Quantile(0.99), time.Duration(1234567); got != want {
		t.Errorf("Quantile(0.99) = %v, want %v", got, want)
	}
}

func TestHistogramClamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		d           time.Duration
		n           int64
		wantValue   time.Duration
		wantClamped int64
	}{
		{"negative", -5 * time.Second, 1, HistogramMin, 1},
		{"zero", 0, 3, HistogramMin, 3},
		{"lowest", HistogramMin, 1, HistogramMin, 0},
		{"highest", HistogramMax, 1, HistogramMax, 0},
		{"above highest", 2 * time.Hour, 2, HistogramMax, 2},
		{"huge", time.Duration(math.MaxInt64), 1, HistogramMax, 1},
		{"normal", 42 * time.Millisecond, 5, 42 * time.Millisecond, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := NewHistogram()
			h.RecordN(tc.d, tc.n)
			if got := h.Count(); got != tc.n {
				t.Errorf("Count() = %d, want %d", got, tc.n)
			}
			if got := h.Clamped(); got != tc.wantClamped {
				t.Errorf("Clamped() = %d, want %d", got, tc.wantClamped)
			}
			if h.Min() != tc.wantValue || h.Max() != tc.wantValue {
				t.Errorf("Min(), Max() = %v, %v, want %v", h.Min(), h.Max(), tc.wantValue)
			}
		})
	}
}

func TestHistogramRecordNNotPositive(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	h.RecordN(time.Second, 0)
	h.RecordN(-time.Second, -3)
	if got := h.Count(); got != 0 {
		t.Errorf("Count() = %d, want 0", got)
	}
	if got := h.Clamped(); got != 0 {
		t.Errorf("Clamped() = %d, want 0", got)
	}
}

func TestHistogramMerge(t *testing.T) {
	t.Parallel()
	ds := randomDurations(t, 11, 3000)
	ds = append(ds, 0, 3*time.Hour) // two clamped values
	whole := histogramOf(t, ds...)

	parts := []*Histogram{NewHistogram(), NewHistogram(), NewHistogram()}
	for i, d := range ds {
		parts[i%3].Record(d)
	}
	merged := NewHistogram()
	for _, p := range parts {
		merged.Merge(p)
	}
	merged.Merge(nil)
	merged.Merge(NewHistogram())
	if !merged.Equal(whole) {
		t.Errorf("merged parts = %v, want %v", merged, whole)
	}
	if got, want := merged.Summary(), whole.Summary(); got != want {
		t.Errorf("merged Summary() = %+v, want %+v", got, want)
	}
	if got, want := merged.Clamped(), int64(2); got != want {
		t.Errorf("merged Clamped() = %d, want %d", got, want)
	}

	self := histogramOf(t, time.Millisecond, 2*time.Millisecond)
	self.Merge(self)
	if got, want := self.Count(), int64(4); got != want {
		t.Errorf("self-merged Count() = %d, want %d", got, want)
	}
	if self.Min() != time.Millisecond || self.Max() != 2*time.Millisecond {
		t.Errorf("self-merged Min(), Max() = %v, %v, want 1ms, 2ms", self.Min(), self.Max())
	}
}

func TestHistogramCloneIsIndependent(t *testing.T) {
	t.Parallel()
	h := histogramOf(t, time.Millisecond, time.Second)
	c := h.Clone()
	if !c.Equal(h) {
		t.Fatalf("Clone() = %v, want %v", c, h)
	}
	c.Record(time.Minute)
	h.Record(time.Microsecond)
	if got := h.Max(); got != time.Second {
		t.Errorf("original Max() = %v after recording into the clone, want 1s", got)
	}
	if got := c.Min(); got != time.Millisecond {
		t.Errorf("clone Min() = %v after recording into the original, want 1ms", got)
	}
	if got, want := c.Count(), int64(3); got != want {
		t.Errorf("clone Count() = %d, want %d", got, want)
	}
}

func TestHistogramEqual(t *testing.T) {
	t.Parallel()
	base := func() *Histogram { return histogramOf(t, time.Millisecond, 2*time.Millisecond) }
	tests := []struct {
		name string
		o    *Histogram
		want bool
	}{
		{"same", base(), true},
		{"other count", histogramOf(t, time.Millisecond), false},
		{"other max in same bucket", histogramOf(t, time.Millisecond, 2*time.Millisecond+1), false},
		{"other clamped", func() *Histogram { h := base(); h.clamped = 1; return h }(), false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := base().Equal(tc.o); got != tc.want {
				t.Errorf("Equal() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHistogramJSONRoundTrip(t *testing.T) {
	t.Parallel()
	clamped := histogramOf(t, -time.Second, 5*time.Hour, time.Millisecond)
	many := histogramOf(t, randomDurations(t, 5, 20000)...)
	many.RecordN(250*time.Millisecond, 1_000_000)
	tests := []struct {
		name string
		h    *Histogram
	}{
		{"empty", NewHistogram()},
		{"one", histogramOf(t, 1234567)},
		{"clamped", clamped},
		{"bounds", histogramOf(t, HistogramMin, HistogramMax)},
		{"many", many},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := json.Marshal(tc.h)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			got := NewHistogram()
			if err := json.Unmarshal(data, got); err != nil {
				t.Fatalf("Unmarshal(%s): %v", data, err)
			}
			if !got.Equal(tc.h) {
				t.Errorf("round trip = %v, want %v", got, tc.h)
			}
			if tc.h.Count() > 0 && !got.view().Equals(tc.h.view()) {
				t.Error("round trip changed the HDR counts")
			}
			if g, w := got.Summary(), tc.h.Summary(); g != w {
				t.Errorf("round trip Summary() = %+v, want %+v", g, w)
			}
			if g, w := got.Clamped(), tc.h.Clamped(); g != w {
				t.Errorf("round trip Clamped() = %d, want %d", g, w)
			}
		})
	}
}

func TestHistogramJSONShape(t *testing.T) {
	t.Parallel()
	h := histogramOf(t, time.Millisecond, 3*time.Millisecond, 0)
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var got struct {
		Summary map[string]json.Number `json:"summary"`
		HDR     string                 `json:"hdr"`
		MinNS   int64                  `json:"min_ns"`
		MaxNS   int64                  `json:"max_ns"`
		Clamped int64                  `json:"clamped"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("Decode(%s): %v", data, err)
	}
	if got.MinNS != 1 || got.MaxNS != int64(3*time.Millisecond) || got.Clamped != 1 {
		t.Errorf("min_ns, max_ns, clamped = %d, %d, %d, want 1, %d, 1", got.MinNS, got.MaxNS, got.Clamped, int64(3*time.Millisecond))
	}
	for _, key := range []string{"count", "min_ns", "max_ns", "mean_ns", "stddev_ns", "p50_ns", "p75_ns", "p90_ns", "p95_ns", "p99_ns", "p999_ns"} {
		v, ok := got.Summary[key]
		if !ok {
			t.Errorf("summary lacks %q in %s", key, data)
			continue
		}
		if _, err := v.Int64(); err != nil {
			t.Errorf("summary %q = %v, want an integer", key, v)
		}
	}
	if got.Summary["p99_ns"] != json.Number("3000000") {
		t.Errorf("summary p99_ns = %v, want 3000000", got.Summary["p99_ns"])
	}
	hd, err := hdrhistogram.Decode([]byte(got.HDR))
	if err != nil {
		t.Fatalf("hdr does not decode: %v", err)
	}
	if hd.TotalCount() != 3 {
		t.Errorf("hdr holds %d values, want 3", hd.TotalCount())
	}
}

func TestHistogramUnmarshalEmpty(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`null`, `{}`, `{"hdr": ""}`, `{"summary": {"count": 0}, "hdr": "", "min_ns": 0, "max_ns": 0, "clamped": 0}`} {
		h := histogramOf(t, time.Second)
		if err := json.Unmarshal([]byte(in), h); err != nil {
			t.Errorf("Unmarshal(%s): %v", in, err)
			continue
		}
		if h.Count() != 0 || h.Clamped() != 0 {
			t.Errorf("Unmarshal(%s) = %v, want empty", in, h)
		}
		h.Record(time.Millisecond) // usable
	}
	var v struct{ H *Histogram }
	if err := json.Unmarshal([]byte(`{"H": {}}`), &v); err != nil || v.H == nil || v.H.Count() != 0 {
		t.Errorf("Unmarshal into a nil field = %v, %v; want an empty histogram", v.H, err)
	}
}

func TestHistogramUnmarshalInvalid(t *testing.T) {
	t.Parallel()
	encode := func(hd *hdrhistogram.Histogram) string {
		t.Helper()
		b, err := hd.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		return string(b)
	}
	ours := newHDR()
	if err := ours.RecordValues(int64(time.Millisecond), 2); err != nil {
		t.Fatal(err)
	}
	good := encode(ours)
	other := hdrhistogram.New(1, int64(time.Hour), 2)
	if err := other.RecordValue(int64(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	ms := int64(time.Millisecond)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"not an object", `[1]`, "cannot unmarshal"},
		{"bad base64", map[string]any{"hdr": "!!!"}, "hdr:"},
		{"not hdr", map[string]any{"hdr": "AAAAAAAAAAAA"}, "hdr:"},
		{"other geometry", map[string]any{"hdr": encode(other)}, "2 digits"},
		{"count mismatch", map[string]any{"summary": map[string]any{"count": 3}, "hdr": good, "min_ns": ms, "max_ns": ms}, "summary count 3"},
		{"data without hdr", map[string]any{"summary": map[string]any{"count": 3}}, "empty hdr"},
		{"min not in bucket", map[string]any{"hdr": good, "min_ns": ms / 2, "max_ns": ms}, "min_ns"},
		{"max not in bucket", map[string]any{"hdr": good, "min_ns": ms, "max_ns": 2 * ms}, "max_ns"},
		{"min above max", map[string]any{"hdr": good, "min_ns": ms + 1, "max_ns": ms}, "out of range"},
		{"too many clamped", map[string]any{"hdr": good, "min_ns": ms, "max_ns": ms, "clamped": 3}, "clamped 3"},
		{"negative clamped", map[string]any{"hdr": good, "min_ns": ms, "max_ns": ms, "clamped": -1}, "clamped -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, ok := tc.in.(string)
			if !ok {
				b, err := json.Marshal(tc.in)
				if err != nil {
					t.Fatal(err)
				}
				data = string(b)
			}
			h := NewHistogram()
			err := json.Unmarshal([]byte(data), h)
			if !errors.Is(err, ErrHistogram) {
				t.Fatalf("Unmarshal(%s) = %v, want ErrHistogram", data, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Unmarshal(%s) = %q, want it to mention %q", data, err, tc.want)
			}
		})
	}
	// Without min_ns and max_ns, the bounds come from the buckets.
	h := NewHistogram()
	if err := json.Unmarshal([]byte(`{"hdr": "`+good+`"}`), h); err != nil {
		t.Fatalf("Unmarshal without bounds: %v", err)
	}
	if h.Count() != 2 || !ours.ValuesAreEquivalent(int64(h.Min()), ms) || h.Min() > h.Max() {
		t.Errorf("Unmarshal without bounds = %v, want 2 values of about 1ms", h)
	}
}

func BenchmarkRecord(b *testing.B) {
	h := NewHistogram()
	ds := randomDurations(b, 1, 1024)
	i := 0
	for b.Loop() {
		h.Record(ds[i&1023])
		i++
	}
}

func TestHistogramCompact(t *testing.T) {
	t.Parallel()
	h := NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	want := h.Clone()
	h.Compact()
	if h.hdr != nil || len(h.packed) == 0 || len(h.packed) > 8<<10 {
		t.Fatalf("compact histogram holds hdr=%v and %d packed bytes", h.hdr != nil, len(h.packed))
	}
	if !h.Equal(want) || h.Count() != 1000 || h.Summary() != want.Summary() {
		t.Fatalf("compact histogram differs: %v vs %v", h, want)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back Histogram
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Equal(want) {
		t.Fatalf("round trip of a compact histogram differs")
	}
	// Writing unpacks it and keeps every value.
	h.Record(5 * time.Second)
	want.Record(5 * time.Second)
	if !h.Equal(want) || h.packed != nil {
		t.Fatalf("record after compact: %v vs %v", h, want)
	}
	m := NewHistogram()
	back.Compact()
	m.Merge(&back)
	if m.Count() != 1000 {
		t.Fatalf("merge of a compact histogram: count %d", m.Count())
	}
}

// hdrOfGeometry returns the V2 compressed encoding of an empty histogram
// with the given geometry, written by hand: hdrhistogram would allocate
// the geometry's counts to make it.
func hdrOfGeometry(t testing.TB, lo, hi int64, digits int32) string {
	t.Helper()
	var inner bytes.Buffer
	for _, v := range []any{int32(0x1c849303), int32(0), int32(0), digits, lo, hi, float64(1)} {
		if err := binary.Write(&inner, binary.BigEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(inner.Bytes())
	_ = zw.Close()
	var out bytes.Buffer
	_ = binary.Write(&out, binary.BigEndian, int32(hdrhistogram.V2CompressedEncodingCookieBase))
	_ = binary.Write(&out, binary.BigEndian, int32(z.Len()))
	out.Write(z.Bytes())
	return base64.StdEncoding.EncodeToString(out.Bytes())
}

// A histogram of another geometry is refused from its header, before its
// counts are allocated: a report of a few dozen bytes per histogram
// claiming 1 ns to 2⁶³ ns at 5 digits made hdrhistogram allocate 49 MB
// for each, so a small file exhausted memory.
func TestHistogramGeometryCheckedFirst(t *testing.T) { // not parallel: it measures allocation
	wide := hdrOfGeometry(t, 1, math.MaxInt64, 5)
	if len(wide) > 100 {
		t.Fatalf("the wide histogram takes %d bytes, want a few dozen", len(wide))
	}
	data := []byte(`{"hdr": "` + wide + `"}`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := json.Unmarshal(data, NewHistogram())
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrHistogram) || !strings.Contains(err.Error(), "hdr range 1..9223372036854775807 ns with 5 digits") {
		t.Errorf("Unmarshal of a wide geometry = %v, want it refused for its range", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("refusing it allocated %d bytes, want less than 1 MiB", alloc)
	}
	// Our own geometry, written the same way, still reads (as empty).
	if err := json.Unmarshal([]byte(`{"hdr": "`+hdrOfGeometry(t, 1, int64(HistogramMax), HistogramDigits)+`"}`), NewHistogram()); err != nil {
		t.Errorf("our geometry, hand-written: %v", err)
	}
	for _, bad := range []string{"AAAA", base64.StdEncoding.EncodeToString([]byte{0x1c, 0x84, 0x93, 0x14, 0x7f, 0, 0, 0})} {
		if err := json.Unmarshal([]byte(`{"hdr": "`+bad+`"}`), NewHistogram()); !errors.Is(err, ErrHistogram) {
			t.Errorf("hdr %q: %v, want ErrHistogram", bad, err)
		}
	}
}
