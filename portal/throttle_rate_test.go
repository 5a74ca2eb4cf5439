package portal

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestNextRelease(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	const iv = 10 * time.Millisecond
	tests := []struct {
		name string
		late time.Duration // how late the release due at t0 went
		want time.Duration // the next one's time, from t0
	}{
		{name: "on time", late: 0, want: iv},
		{name: "late by less than an interval", late: 7 * time.Millisecond, want: iv},
		{name: "late by two intervals: due at once", late: 2 * iv, want: iv},
		{name: "late by the catch-up bound", late: throttleCatchUp + iv, want: iv},
		{name: "stalled past the bound: forgiven", late: time.Second, want: time.Second - throttleCatchUp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := nextRelease(t0, t0.Add(tc.late), iv).Sub(t0); got != tc.want {
				t.Fatalf("next release at t0+%v, want t0+%v", got, tc.want)
			}
		})
	}
}

// lateTimers makes th's release timers fire late by a pseudo-random
// amount below 0.9 interval, and every 50th by 3 intervals, as timers do
// on a loaded machine. It returns the largest lateness it can add.
func lateTimers(th *Throttle, seed uint64) time.Duration {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, 7))
	n := 0
	iv := th.Interval()
	th.afterFunc = func(d time.Duration, f func()) *time.Timer {
		mu.Lock()
		n++
		late := time.Duration(rng.Int64N(int64(iv) * 9 / 10))
		if n%50 == 0 {
			late = 3 * iv
		}
		mu.Unlock()
		return time.AfterFunc(d+late, f)
	}
	return 3 * iv
}

// The release rate is the setting over a long window, even when every
// timer fires late: releases keep to the ideal timeline (one interval
// apart from the first of the backlog), each off it by no more than the
// lateness of its own timer, never by the sum of all before it. Ticking
// from the time each timer fired instead (the code before), 1000/s set
// gave 665/s here: the lateness of every timer added to every interval,
// and the releases fell 3.7 s behind the timeline in 10 s.
func TestThrottleReleaseRateWithLateTimers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const rate, window, n = 1000.0, 10 * time.Second, 12_000
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(rate, log.release)
		maxLate := lateTimers(th, 1)
		for i := range uint64(n) {
			th.Admit(testSessionFrom(i+1, fmt.Sprint(i%30)))
		}
		time.Sleep(window + time.Second)
		synctest.Wait()
		_, at := log.snapshot()
		iv := th.Interval()
		var worst time.Duration
		inWindow := 0
		for k, got := range at {
			ideal := time.Duration(k) * iv
			if got < ideal {
				t.Fatalf("release %d at %v, before its ideal time %v: the throttle ran ahead of the rate", k, got, ideal)
			}
			worst = max(worst, got-ideal)
			if got >= time.Second && got < time.Second+window {
				inWindow++
			}
		}
		if worst > 2*maxLate {
			t.Errorf("a release went %v after its ideal time; the lateness of one timer is %v at most: lateness accumulates", worst, maxLate)
		}
		want := rate * window.Seconds()
		if dev := (float64(inWindow) - want) / want; dev < -0.01 || dev > 0.01 {
			t.Errorf("released %d in %v at %v/s: %.2f%% off the setting, want within 1%%", inWindow, window, rate, 100*dev)
		}
		th.Stop()
	})
}

// Bursts: the queue fills, drains, empties and fills again. Within each
// backlog the releases keep to its timeline exactly (synctest's timers
// fire on time), between backlogs the first of the next goes at once if
// an interval has passed, and over the whole run the rate matches the
// setting while sessions wait and, timers firing on time, no window holds
// more releases than the rate allows (a late timer's catch-up may: see
// Throttle).
func TestThrottleReleaseRateWithBursts(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const rate = 250.0 // 4ms
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(rate, log.release)
		iv := th.Interval()
		// Every 3 s a burst of 500 (2 s of releases), from 7 addresses,
		// plus a straggler every 10ms for the first second of each.
		id := uint64(0)
		var starts []time.Duration // when each burst came
		for burst := range 10 {
			starts = append(starts, time.Since(log.start))
			for range 500 {
				id++
				th.Admit(testSessionFrom(id, fmt.Sprint(id%7)))
			}
			for range 100 {
				time.Sleep(10 * time.Millisecond)
				id++
				th.Admit(testSessionFrom(id, "straggler"))
			}
			time.Sleep(2 * time.Second)
			_ = burst
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		_, at := log.snapshot()
		if len(at) != int(id) {
			t.Fatalf("released %d of %d", len(at), id)
		}
		// Each burst brings 600 sessions, 2.4 s of releases: its backlog
		// ends before the next, which starts at once.
		for b, start := range starts {
			first := b * 600
			for k := range 600 {
				if got, want := at[first+k], start+time.Duration(k)*iv; got != want {
					t.Fatalf("burst %d: release %d at %v, want %v (one interval apart from the burst's start)", b, k, got, want)
				}
			}
		}
		// Any window: no more than its length at the rate, plus one.
		for i := range at {
			for j := i + 1; j < len(at) && at[j]-at[i] < time.Second; j++ {
				if limit := int((at[j]-at[i])/iv) + 1; j-i+1 > limit {
					t.Fatalf("%d releases within %v: more than the rate allows (%d)", j-i+1, at[j]-at[i], limit)
				}
			}
		}
		th.Stop()
	})
}

// heldTimers makes th's release timers fire only when the test says:
// fire runs the oldest one scheduled (if any), no earlier than it is due, as a
// timer on a loaded machine fires late. Every timer scheduled must be
// fired: the *time.Timer returned is a stopped one, so Stop reports it
// fired already.
func heldTimers(th *Throttle) (fire func()) {
	type held struct {
		due time.Time
		f   func()
	}
	var mu sync.Mutex
	var q []held
	th.afterFunc = func(d time.Duration, f func()) *time.Timer {
		mu.Lock()
		q = append(q, held{time.Now().Add(d), f})
		mu.Unlock()
		tm := time.AfterFunc(time.Hour, func() {})
		tm.Stop()
		return tm
	}
	return func() {
		mu.Lock()
		if len(q) == 0 {
			mu.Unlock()
			return
		}
		h := q[0]
		q = q[1:]
		mu.Unlock()
		time.Sleep(time.Until(h.due))
		h.f()
	}
}

// A timer armed for a session that then left the queue (its client hung
// up) must not release a later one early. The queue empties, the timer
// is late; a connection arriving after the release was due goes at once
// and the next one queues behind it, one interval later. Before the fix
// the queued one had no timer of its own: the stale one, firing a moment
// later, released it at once, two releases well inside one interval.
func TestThrottleStaleTimerAfterRemoveDoesNotReleaseEarly(t *testing.T) {
	t.Parallel()
	for _, empty := range []struct {
		name string
		fn   func(th *Throttle, s *Session)
	}{
		{name: "Remove", fn: func(th *Throttle, s *Session) { th.Remove(s) }},
		{name: "TakeAll", fn: func(th *Throttle, _ *Session) { th.TakeAll() }},
	} {
		t.Run(empty.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				log := &releaseLog{start: time.Now()}
				th := NewThrottle(100, log.release) // one per 10ms
				fire := heldTimers(th)
				iv := th.Interval()
				th.Admit(testSessionFrom(1, "a")) // released at once
				left := testSessionFrom(2, "a")
				th.Admit(left) // queued, its timer armed
				empty.fn(th, left)
				time.Sleep(iv)                    // the release is due; the timer is late
				th.Admit(testSessionFrom(3, "b")) // due: released at once
				th.Admit(testSessionFrom(4, "c")) // must wait an interval
				time.Sleep(iv / 5)
				fire() // the late timer of the session that left
				fire() // the timer of session 4, if it has one
				time.Sleep(2 * iv)
				synctest.Wait()
				order, at := log.snapshot()
				if len(order) != 3 {
					t.Fatalf("released %v, want sessions 1, 3 and 4", order)
				}
				for i := 1; i < len(at); i++ {
					if gap := at[i] - at[i-1]; gap < iv {
						t.Fatalf("sessions %d and %d released %v apart, want %v at least (releases at %v)", order[i-1], order[i], gap, iv, at)
					}
				}
				th.Stop()
			})
		})
	}
}

// A stall longer than the catch-up bound is forgiven: the release it
// delayed goes, and with it at once only the releases of the timeline
// due in the last throttleCatchUp, then the others at the timeline's
// times, one an interval. At two a second (Evennia's default), the timer
// of the release due at 0.5s fires at 1.1s: the timeline's slots are 1s
// (forgiven) and 1.5s, none in the last 50ms, so the next goes at 1.5s.
// Before the fix the forgiven timeline restarted at now-throttleCatchUp,
// a time already past and no slot of the timeline, so every stall of
// more than an interval and the bound released two at the same instant.
func TestThrottleForgivenStallReleasesNoExtraAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(2, log.release) // one per 500ms
		fire := heldTimers(th)
		iv := th.Interval()
		for i := range uint64(3) {
			th.Admit(testSessionFrom(i+1, "a")) // 1 at once; 2 and 3 wait
		}
		time.Sleep(2*iv + 100*time.Millisecond) // the timer of 2, due at 0.5s, fires at 1.1s
		fire()
		fire() // the timer of 3
		synctest.Wait()
		_, at := log.snapshot()
		if len(at) != 3 {
			t.Fatalf("released at %v, want 3 releases", at)
		}
		if at[2] == at[1] {
			t.Fatalf("releases at %v: two at once after a forgiven stall, with no release of the timeline due in the last %v", at, throttleCatchUp)
		}
		if off := (at[2] - iv) % iv; off != 0 {
			t.Fatalf("releases at %v: the last is off the timeline (0.5s + k·%v) by %v", at, iv, off)
		}
		th.Stop()
	})
}
