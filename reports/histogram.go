package reports

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

const (
	// HistogramMin is the smallest duration a Histogram records; shorter
	// durations are recorded as HistogramMin and counted as clamped.
	HistogramMin = time.Nanosecond
	// HistogramMax is the largest duration a Histogram records; longer
	// durations are recorded as HistogramMax and counted as clamped.
	HistogramMax = time.Hour
	// HistogramDigits is the number of significant decimal digits a
	// Histogram keeps: a recorded value is known to within 0.1%.
	HistogramDigits = 3
)

// Histogram is a distribution of durations: an HDR histogram from
// HistogramMin to HistogramMax with HistogramDigits significant digits,
// plus the exact minimum and maximum recorded value.
//
// Create one with NewHistogram. Its buckets are allocated on the first
// recorded value, so an empty Histogram is cheap. The read-only methods
// accept a nil *Histogram and treat it as empty. A Histogram is not safe
// for concurrent use.
type Histogram struct {
	hdr     *hdrhistogram.Histogram // nil until the first value, and while packed
	packed  []byte                  // the V2 compressed encoding, set by Compact
	count   int64                   // the count while packed
	min     int64                   // exact minimum, valid when the count is positive
	max     int64                   // exact maximum, valid when the count is positive
	clamped int64
}

// Compact trades speed for memory: it packs the buckets into their
// compressed encoding (a few hundred bytes instead of about 264 KiB). Read
// methods then decode a temporary copy on each call, and the next write
// unpacks for good. Use it for histograms that are done changing, such
// as the per-second latencies of a long run's timeline.
func (h *Histogram) Compact() {
	if h == nil || h.hdr == nil || h.packed != nil {
		return
	}
	n := h.hdr.TotalCount()
	if n == 0 {
		h.hdr = nil
		return
	}
	enc, err := h.hdr.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return // keep it unpacked: correct, only bigger
	}
	h.packed, h.count, h.hdr = enc, n, nil
}

// view returns the buckets for reading: the live ones, or a temporary
// decoding of the packed ones. Nil when there are none.
func (h *Histogram) view() *hdrhistogram.Histogram {
	if h == nil {
		return nil
	}
	if h.packed != nil {
		d, err := hdrhistogram.Decode(h.packed)
		if err != nil {
			return nil
		}
		return d
	}
	return h.hdr
}

// open makes the buckets writable again after Compact.
func (h *Histogram) open() {
	if h.packed != nil {
		h.hdr = h.view()
		h.packed, h.count = nil, 0
	}
}

// NewHistogram returns an empty Histogram.
func NewHistogram() *Histogram {
	return &Histogram{}
}

func newHDR() *hdrhistogram.Histogram {
	return hdrhistogram.New(int64(HistogramMin), int64(HistogramMax), HistogramDigits)
}

// Record records one duration. A duration below HistogramMin or above
// HistogramMax is recorded as that bound and counted by Clamped.
func (h *Histogram) Record(d time.Duration) {
	h.RecordN(d, 1)
}

// RecordN records n occurrences of the duration d, clamping d as Record
// does. It does nothing when n is not positive.
func (h *Histogram) RecordN(d time.Duration, n int64) {
	if n <= 0 {
		return
	}
	v := int64(d)
	switch {
	case v < int64(HistogramMin):
		v = int64(HistogramMin)
		h.clamped += n
	case v > int64(HistogramMax):
		v = int64(HistogramMax)
		h.clamped += n
	}
	h.open()
	if h.hdr == nil {
		h.hdr = newHDR()
	}
	first := h.hdr.TotalCount() == 0
	// The value is in range and n positive, so the only possible error is a
	// total count past math.MaxInt64, which no run reaches.
	if err := h.hdr.RecordValues(v, n); err != nil {
		return
	}
	if first || v < h.min {
		h.min = v
	}
	if first || v > h.max {
		h.max = v
	}
}

// Merge adds every value recorded in o to h, exactly. A nil o is ignored.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.Count() == 0 {
		return
	}
	if o == h {
		o = o.Clone()
	}
	if h.Count() == 0 && o.packed != nil {
		// Decoding the packed buckets is all a merge into an empty
		// histogram would do, and the most it costs.
		*h = *o.Clone()
		h.open()
		return
	}
	h.open()
	if h.hdr == nil {
		h.hdr = newHDR()
	}
	if h.Count() == 0 {
		h.min, h.max = o.min, o.max
	} else {
		h.min = min(h.min, o.min)
		h.max = max(h.max, o.max)
	}
	// Both histograms have the same geometry, so nothing is dropped.
	h.hdr.Merge(o.view())
	h.clamped += o.clamped
}

// Clone returns an independent copy of h. The clone of a nil Histogram is
// an empty one.
func (h *Histogram) Clone() *Histogram {
	if h == nil {
		return NewHistogram()
	}
	c := *h
	if h.hdr != nil {
		c.hdr = h.hdr.Clone()
	}
	// A packed histogram's bytes are never modified in place, so the clone may share them.
	return &c
}

// Reset removes every recorded value, keeping the allocated buckets.
func (h *Histogram) Reset() {
	h.packed, h.count = nil, 0
	if h.hdr != nil {
		h.hdr.Reset()
	}
	h.min, h.max, h.clamped = 0, 0, 0
}

// Count returns the number of recorded values.
func (h *Histogram) Count() int64 {
	if h == nil {
		return 0
	}
	if h.packed != nil {
		return h.count
	}
	if h.hdr == nil {
		return 0
	}
	return h.hdr.TotalCount()
}

// Clamped returns how many recorded values were outside
// [HistogramMin, HistogramMax] and recorded as the nearer bound.
func (h *Histogram) Clamped() int64 {
	if h == nil {
		return 0
	}
	return h.clamped
}

// IsZero reports whether no value has been recorded. It lets a field
// tagged omitzero leave out an empty histogram.
func (h *Histogram) IsZero() bool {
	return h.Count() == 0
}

// Min returns the exact smallest recorded value, or 0 when empty.
func (h *Histogram) Min() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.min)
}

// Max returns the exact largest recorded value, or 0 when empty.
func (h *Histogram) Max() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.max)
}

// Mean returns the mean of the recorded values (to the histogram's
// precision, within [Min, Max]), or 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	if h.min == h.max {
		return time.Duration(h.min)
	}
	return h.clamp(h.view().Mean())
}

// StdDev returns the standard deviation of the recorded values (to the
// histogram's precision), or 0 when empty.
func (h *Histogram) StdDev() time.Duration {
	if h.Count() == 0 || h.min == h.max {
		return 0
	}
	return time.Duration(math.Round(h.view().StdDev()))
}

// Quantile returns the value below which the fraction q of the recorded
// values fall, q in [0, 1] (0.99 is p99); q outside that range is treated
// as the nearer bound and NaN as 0. The result is HDR's value clamped to
// [Min, Max], so no quantile exceeds the largest recorded value or falls
// below the smallest. It is 0 when the histogram is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	switch {
	case math.IsNaN(q) || q <= 0:
		return time.Duration(h.min)
	case q >= 1:
		return time.Duration(h.max)
	}
	return h.clamp(float64(h.view().ValueAtQuantile(q * 100)))
}

// clamp rounds v to a Duration within [min, max].
func (h *Histogram) clamp(v float64) time.Duration {
	return time.Duration(min(max(int64(math.Round(v)), h.min), h.max))
}

// Equal reports whether h and o hold exactly the same values (and the
// same clamped count). A nil Histogram equals an empty one.
func (h *Histogram) Equal(o *Histogram) bool {
	n := h.Count()
	if n != o.Count() || h.Clamped() != o.Clamped() {
		return false
	}
	if n == 0 {
		return true
	}
	return h.min == o.min && h.max == o.max && h.view().Equals(o.view())
}

// String returns a one-line summary, for logs.
func (h *Histogram) String() string {
	s := h.Summary()
	return fmt.Sprintf("n=%d min=%v p50=%v p90=%v p99=%v max=%v", s.Count, s.Min, s.P50, s.P90, s.P99, s.Max)
}

// Summary is the usual statistics of a Histogram.
type Summary struct {
	// Count is the number of recorded values.
	Count int64 `json:"count"`
	// Min is the exact smallest recorded value.
	Min time.Duration `json:"min_ns"`
	// Max is the exact largest recorded value.
	Max time.Duration `json:"max_ns"`
	// Mean is the mean of the recorded values.
	Mean time.Duration `json:"mean_ns"`
	// StdDev is the standard deviation of the recorded values.
	StdDev time.Duration `json:"stddev_ns"`
	// P50 is the median.
	P50 time.Duration `json:"p50_ns"`
	// P75 is the 75th percentile.
	P75 time.Duration `json:"p75_ns"`
	// P90 is the 90th percentile.
	P90 time.Duration `json:"p90_ns"`
	// P95 is the 95th percentile.
	P95 time.Duration `json:"p95_ns"`
	// P99 is the 99th percentile.
	P99 time.Duration `json:"p99_ns"`
	// P999 is the 99.9th percentile.
	P999 time.Duration `json:"p999_ns"`
}

// Summary returns the statistics of h; all zero when h is empty.
func (h *Histogram) Summary() Summary {
	if h != nil && h.packed != nil { // decode once, not once per statistic
		u := &Histogram{hdr: h.view(), min: h.min, max: h.max, clamped: h.clamped}
		return u.Summary()
	}
	return Summary{
		Count:  h.Count(),
		Min:    h.Min(),
		Max:    h.Max(),
		Mean:   h.Mean(),
		StdDev: h.StdDev(),
		P50:    h.Quantile(0.50),
		P75:    h.Quantile(0.75),
		P90:    h.Quantile(0.90),
		P95:    h.Quantile(0.95),
		P99:    h.Quantile(0.99),
		P999:   h.Quantile(0.999),
	}
}

// histogramJSON is the JSON form of a Histogram. Summary is for readers;
// HDR, MinNS, MaxNS and Clamped are the data.
type histogramJSON struct {
	Summary *Summary `json:"summary"`
	HDR     string   `json:"hdr"`
	MinNS   int64    `json:"min_ns"`
	MaxNS   int64    `json:"max_ns"`
	Clamped int64    `json:"clamped"`
}

// MarshalJSON writes the summary, the buckets as the base64 text of the
// HDR V2 compressed encoding under "hdr" (empty for an empty histogram),
// the exact "min_ns" and "max_ns", and the "clamped" count.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	s := h.Summary()
	w := histogramJSON{Summary: &s}
	if s.Count > 0 {
		enc := h.packed
		if enc == nil {
			var err error
			if enc, err = h.hdr.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err != nil {
				return nil, fmt.Errorf("encode histogram: %w", err)
			}
		}
		w.HDR = string(enc)
		w.MinNS, w.MaxNS, w.Clamped = h.min, h.max, h.clamped
	}
	return json.Marshal(w)
}

// UnmarshalJSON rebuilds h from the form MarshalJSON writes, checking
// that the buckets have this package's geometry and agree with the
// summary count and the exact minimum and maximum. JSON null, {} and an
// empty "hdr" give an empty histogram. Without "min_ns" and "max_ns" the
// bounds are taken from the buckets. Errors wrap ErrHistogram.
func (h *Histogram) UnmarshalJSON(data []byte) error {
	if t := bytes.TrimSpace(data); len(t) == 0 || string(t) == "null" {
		h.Reset()
		return nil
	}
	var w histogramJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("%w: %w", ErrHistogram, err)
	}
	dec, err := decodeHistogram(w)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHistogram, err)
	}
	*h = *dec
	return nil
}

// decodeHistogram validates and rebuilds the histogram of w.
func decodeHistogram(w histogramJSON) (*Histogram, error) {
	count := int64(-1) // the summary's count, -1 if absent
	if w.Summary != nil {
		count = w.Summary.Count
	}
	if w.HDR == "" {
		if count > 0 || w.MinNS != 0 || w.MaxNS != 0 || w.Clamped != 0 {
			return nil, fmt.Errorf("empty hdr but count %d, min_ns %d, max_ns %d, clamped %d", max(count, 0), w.MinNS, w.MaxNS, w.Clamped)
		}
		return NewHistogram(), nil
	}
	if err := checkGeometry(w.HDR); err != nil {
		return nil, err
	}
	hd, err := hdrhistogram.Decode([]byte(w.HDR))
	if err != nil {
		return nil, fmt.Errorf("hdr: %w", err)
	}
	if lo, hi, sig := hd.LowestTrackableValue(), hd.HighestTrackableValue(), hd.SignificantFigures(); lo != int64(HistogramMin) || hi != int64(HistogramMax) || sig != HistogramDigits {
		return nil, fmt.Errorf("hdr range %d..%d ns with %d digits, want %d..%d ns with %d digits",
			lo, hi, sig, int64(HistogramMin), int64(HistogramMax), HistogramDigits)
	}
	n := hd.TotalCount()
	if count >= 0 && count != n {
		return nil, fmt.Errorf("summary count %d but hdr holds %d values", count, n)
	}
	if w.Clamped < 0 || w.Clamped > n {
		return nil, fmt.Errorf("clamped %d out of range 0..%d", w.Clamped, n)
	}
	if n == 0 {
		if w.MinNS != 0 || w.MaxNS != 0 {
			return nil, fmt.Errorf("empty hdr but min_ns %d, max_ns %d", w.MinNS, w.MaxNS)
		}
		return NewHistogram(), nil
	}
	lo, hi := w.MinNS, w.MaxNS
	if lo == 0 && hi == 0 {
		lo = min(max(hd.Min(), int64(HistogramMin)), int64(HistogramMax))
		hi = min(max(hd.Max(), lo), int64(HistogramMax))
	}
	switch {
	case lo < int64(HistogramMin) || hi > int64(HistogramMax) || lo > hi:
		return nil, fmt.Errorf("min_ns %d and max_ns %d out of range %d..%d", lo, hi, int64(HistogramMin), int64(HistogramMax))
	case !hd.ValuesAreEquivalent(lo, hd.Min()):
		return nil, fmt.Errorf("min_ns %d is not in the lowest bucket (%d)", lo, hd.Min())
	case !hd.ValuesAreEquivalent(hi, hd.Max()):
		return nil, fmt.Errorf("max_ns %d is not in the highest bucket (%d)", hi, hd.Max())
	}
	// Keep the compact form: a report read back costs what its file does.
	return &Histogram{packed: []byte(w.HDR), count: n, min: lo, max: hi, clamped: w.Clamped}, nil
}

// checkGeometry reads the geometry of a V2 compressed encoding from its
// header alone and refuses any but this package's. hdrhistogram.Decode
// allocates the counts of whatever geometry the header claims before
// anyone can look at it: 1 ns to 2⁶³ ns at 5 digits is 49 MB, from a
// histogram of a few dozen bytes in a report file.
func checkGeometry(enc string) error {
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return fmt.Errorf("hdr: %w", err)
	}
	if len(raw) < 8 {
		return fmt.Errorf("hdr: %d bytes, too short for a header", len(raw))
	}
	if cookie := int32(binary.BigEndian.Uint32(raw[0:4])) &^ 0xf0; cookie != hdrhistogram.V2CompressedEncodingCookieBase {
		return fmt.Errorf("hdr: cookie %#x is not the V2 compressed encoding", cookie)
	}
	n := int32(binary.BigEndian.Uint32(raw[4:8]))
	if n < 0 || int(n) > len(raw)-8 {
		return fmt.Errorf("hdr: compressed length %d of %d bytes", n, len(raw)-8)
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[8 : 8+n]))
	if err != nil {
		return fmt.Errorf("hdr: %w", err)
	}
	var h [40]byte // cookie, payload length, index offset, digits (int32); lowest, highest (int64); ratio
	if _, err := io.ReadFull(z, h[:]); err != nil {
		return fmt.Errorf("hdr: header: %w", err)
	}
	sig := int32(binary.BigEndian.Uint32(h[12:16]))
	lo, hi := int64(binary.BigEndian.Uint64(h[16:24])), int64(binary.BigEndian.Uint64(h[24:32]))
	lo = max(lo, 1) // as hdrhistogram reads it: old encoders wrote 0
	if lo != int64(HistogramMin) || hi != int64(HistogramMax) || sig != HistogramDigits {
		return fmt.Errorf("hdr range %d..%d ns with %d digits, want %d..%d ns with %d digits",
			lo, hi, sig, int64(HistogramMin), int64(HistogramMax), HistogramDigits)
	}
	return nil
}
