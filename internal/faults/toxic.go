package faults

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Stream is a direction through a [Proxy].
type Stream uint8

// The directions. Upstream runs from the side that dialled the proxy to
// the proxy's target (player input to the portal on the client side; the
// game server's output to the portal on the link side); Downstream the
// other way.
const (
	// Both is both directions, the zero value.
	Both Stream = iota
	// Upstream is from the dialling side to the target.
	Upstream
	// Downstream is from the target back to the dialling side.
	Downstream
)

// String names the stream.
func (s Stream) String() string {
	switch s {
	case Both:
		return "both"
	case Upstream:
		return "upstream"
	case Downstream:
		return "downstream"
	}
	return fmt.Sprintf("Stream(%d)", uint8(s))
}

// covers reports whether s includes the direction dir (Upstream or Downstream).
func (s Stream) covers(dir Stream) bool { return s == Both || s == dir }

// Toxic shapes the bytes of the connections it applies to while it is in
// place (see [Proxy.Add]). Toxics add up: latencies and jitters add, the
// lowest bandwidth and the smallest fragment win, and any hold holds.
type Toxic struct {
	// Stream is the direction it acts on (Both by default).
	Stream Stream
	// Fraction is the share of connections it applies to, chosen by
	// their number (see [Picked]); 0 means all of them, like 1.
	Fraction float64
	// Latency delays every chunk of bytes by this much, plus a uniform
	// draw in [-Jitter, +Jitter] (a delay never goes below 0). Order is
	// kept: a chunk never overtakes the one before it.
	Latency, Jitter time.Duration
	// BytesPerSecond limits the throughput of each connection in the
	// stream; 0 means no limit.
	BytesPerSecond int64
	// Fragment, if positive, writes at most this many bytes at a time; 1
	// makes every byte its own write, so telnet sequences and UTF-8
	// characters arrive split.
	Fragment int
	// Hold forwards nothing, not even a close, while the toxic is in
	// place; what was held is delivered, in order, when it goes. Left in
	// place, it makes connections half-open: open at both ends and silent.
	Hold bool
}

// Bounds of a toxic's numbers: beyond them a value is a mistake, not a fault.
const (
	// MaxDelay bounds Latency and Jitter.
	MaxDelay = time.Minute
	// MaxBytesPerSecond bounds BytesPerSecond (1 GiB/s).
	MaxBytesPerSecond = 1 << 30
	// MaxFragment bounds Fragment.
	MaxFragment = 1 << 16
)

// Validate reports every problem of t, naming the field.
func (t Toxic) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if t.Stream > Downstream {
		bad("Stream %d: want Both, Upstream or Downstream", t.Stream)
	}
	if math.IsNaN(t.Fraction) || t.Fraction < 0 || t.Fraction > 1 {
		bad("Fraction %v: want 0 to 1", t.Fraction)
	}
	if t.Latency < 0 || t.Latency > MaxDelay {
		bad("Latency %v: want 0 to %v", t.Latency, MaxDelay)
	}
	if t.Jitter < 0 || t.Jitter > MaxDelay {
		bad("Jitter %v: want 0 to %v", t.Jitter, MaxDelay)
	}
	if t.BytesPerSecond < 0 || t.BytesPerSecond > MaxBytesPerSecond {
		bad("BytesPerSecond %d: want 0 to %d", t.BytesPerSecond, MaxBytesPerSecond)
	}
	if t.Fragment < 0 || t.Fragment > MaxFragment {
		bad("Fragment %d: want 0 to %d", t.Fragment, MaxFragment)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidToxic, err)
	}
	return nil
}

// Picked reports whether the connection numbered n (from 1, in the order
// the proxy accepted them) is among a fraction of all connections. The
// choice is deterministic and spread evenly: of connections 1..N, about
// fraction*N are picked, however large N is (the fractional parts of
// n/φ form a low-discrepancy sequence). fraction 0 or 1 picks all.
func Picked(n uint64, fraction float64) bool {
	if fraction <= 0 || fraction >= 1 {
		return true
	}
	const invPhi = 0.6180339887498949
	_, frac := math.Modf(float64(n) * invPhi)
	return frac < fraction
}

// shape is what the toxics in place do to one direction of one connection.
type shape struct {
	latency, jitter time.Duration
	bytesPerSecond  int64 // 0: no limit
	fragment        int   // 0: as read
	hold            bool
}

// combine adds up the toxics that apply to direction dir (Upstream or
// Downstream) of connection n.
func combine(toxics []Toxic, n uint64, dir Stream) shape {
	var s shape
	for _, t := range toxics {
		if !t.Stream.covers(dir) || !Picked(n, t.Fraction) {
			continue
		}
		s.latency += t.Latency
		s.jitter += t.Jitter
		if t.BytesPerSecond > 0 && (s.bytesPerSecond == 0 || t.BytesPerSecond < s.bytesPerSecond) {
			s.bytesPerSecond = t.BytesPerSecond
		}
		if t.Fragment > 0 && (s.fragment == 0 || t.Fragment < s.fragment) {
			s.fragment = t.Fragment
		}
		s.hold = s.hold || t.Hold
	}
	return s
}

// deliverAt is when a chunk read at arrived goes out: after latency plus
// jitter scaled by u in [0, 1) to [-jitter, +jitter), never before the
// chunk before it (prev) and never before it arrived.
func deliverAt(arrived, prev time.Time, latency, jitter time.Duration, u float64) time.Time {
	d := latency
	if jitter > 0 {
		d += time.Duration((2*u - 1) * float64(jitter))
	}
	at := arrived.Add(max(d, 0))
	if at.Before(prev) {
		at = prev
	}
	return at
}

// pace is when n bytes may start at a limit of bps bytes per second, now
// that the stream is free again at free: at max(now, free); the stream is
// then free again n/bps later.
func pace(now, free time.Time, n int, bps int64) (start, next time.Time) {
	start = now
	if free.After(now) {
		start = free
	}
	return start, start.Add(time.Duration(float64(n) * float64(time.Second) / float64(bps)))
}

// pieceSize is the largest write of a shaped stream: the fragment size,
// and under a bandwidth limit no more than 20 ms worth of bytes, so the
// rate is smooth instead of a burst and a long wait.
func pieceSize(s shape, n int) int {
	size := n
	if s.fragment > 0 {
		size = min(size, s.fragment)
	}
	if s.bytesPerSecond > 0 {
		size = min(size, max(1, int(s.bytesPerSecond/50)))
	}
	return max(size, 1)
}
