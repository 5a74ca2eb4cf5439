package ircbot

import (
	"testing"
	"time"
)

// Evennia's ReconnectingClientFactory values: 1 s, ×1.5, at most 60 s.
func TestBackoff(t *testing.T) {
	t.Parallel()
	want := []time.Duration{
		time.Second, 1500 * time.Millisecond, 2250 * time.Millisecond, 3375 * time.Millisecond,
		5062500 * time.Microsecond, 7593750 * time.Microsecond,
	}
	for n, w := range want {
		if got := Backoff(n, time.Second, time.Minute); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, w)
		}
	}
	for _, n := range []int{11, 12, 50, 10000} {
		if got := Backoff(n, time.Second, time.Minute); got != time.Minute {
			t.Errorf("Backoff(%d) = %v, want the cap", n, got)
		}
	}
	if got := Backoff(-3, time.Second, time.Minute); got != time.Second {
		t.Errorf("Backoff(-3) = %v", got)
	}
}

// Four lines go at once, then one a second; an idle pause refills the burst.
func TestPace(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	var clock time.Time
	var got []time.Duration
	send := func(now time.Time) time.Time {
		at, next := Pace(clock, now, time.Second, 4)
		clock = next
		got = append(got, at.Sub(t0))
		return at
	}
	now := t0
	for range 6 {
		now = send(now)
	}
	now = now.Add(10 * time.Second)
	for range 5 {
		now = send(now)
	}
	s := time.Second
	want := []time.Duration{0, 0, 0, 0, s, 2 * s, 12 * s, 12 * s, 12 * s, 12 * s, 13 * s}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("send times %v, want %v", got, want)
		}
	}
}
