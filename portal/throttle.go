package portal

import (
	"sync"
	"time"
)

// Throttle is the connect throttle: new sessions wait in a FIFO queue that
// releases one session per interval (1/MaxConnectionRate).
//
// Unlike Evennia's, arrivals never push the next release back (bug 5.4):
// the release clock only moves when a session is released, so a steady
// stream of arrivals faster than the rate still drains at the rate.
// A session removed while queued leaves no trace (bug 5.18). A zero
// interval disables the throttle: every session is released at once.
type Throttle struct {
	interval time.Duration
	release  func(*Session)

	// relMu serializes release calls in queue order; taken while mu is held,
	// released after the callback returns. Stop and TakeAll take it (after
	// mu) to wait out a release in progress.
	relMu sync.Mutex

	// mu guards the fields below.
	mu        sync.Mutex
	queue     []*Session // FIFO; entries with !s.inQueue were removed and are skipped
	live      int        // entries still waiting
	next      time.Time  // the earliest time of the next release
	timer     *time.Timer
	stopped   bool
	queued    uint64
	released  uint64
	abandoned uint64
}

// ThrottleStats are the throttle's counters.
type ThrottleStats struct {
	// Waiting is how many sessions are queued now.
	Waiting int
	// Queued counts sessions that had to wait; Released counts every
	// release (waiting or not); Abandoned counts sessions removed while queued.
	Queued, Released, Abandoned uint64
}

// NewThrottle returns a throttle releasing at most rate sessions per second
// through release. A rate of 0 or less disables it.
func NewThrottle(rate float64, release func(*Session)) *Throttle {
	t := &Throttle{release: release}
	if rate > 0 {
		t.interval = time.Duration(float64(time.Second) / rate)
		if t.interval <= 0 {
			t.interval = 1
		}
	}
	return t
}

// Interval is the time between releases; 0 when disabled.
func (t *Throttle) Interval() time.Duration { return t.interval }

// Admit's ahead for a session that does not wait in the queue.
const (
	// AdmitReleased: s was released at once.
	AdmitReleased = -1
	// AdmitRefused: the throttle is stopped; s was neither released nor
	// queued, and the caller must close it.
	AdmitRefused = -2
)

// Admit releases s now if the queue is empty and the rate allows it;
// otherwise it queues s. It returns how many sessions wait ahead of s and
// an estimate of the wait, or [AdmitReleased] or [AdmitRefused].
func (t *Throttle) Admit(s *Session) (ahead int, wait time.Duration) {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return AdmitRefused, 0
	}
	now := time.Now()
	if t.interval == 0 || (t.live == 0 && !now.Before(t.next)) {
		t.next = now.Add(t.interval)
		t.released++
		t.relMu.Lock()
		t.mu.Unlock()
		defer t.relMu.Unlock()
		t.release(s)
		return AdmitReleased, 0
	}
	ahead = t.live
	s.inQueue = true
	t.queue = append(t.queue, s)
	t.live++
	t.queued++
	wait = max(t.next.Sub(now), 0) + time.Duration(ahead)*t.interval
	if t.timer == nil {
		t.timer = time.AfterFunc(max(t.next.Sub(now), 0), t.tick)
	}
	t.mu.Unlock()
	return ahead, wait
}

// tick releases the oldest waiting session and schedules the next tick.
func (t *Throttle) tick() {
	t.mu.Lock()
	t.timer = nil
	if t.stopped {
		t.mu.Unlock()
		return
	}
	s := t.popLocked()
	if s == nil {
		t.mu.Unlock()
		return
	}
	t.next = time.Now().Add(t.interval)
	t.released++
	if t.live > 0 {
		t.timer = time.AfterFunc(t.interval, t.tick)
	}
	t.relMu.Lock()
	t.mu.Unlock()
	defer t.relMu.Unlock()
	t.release(s)
}

// popLocked removes and returns the oldest waiting session, or nil. t.mu must be held.
func (t *Throttle) popLocked() *Session {
	for len(t.queue) > 0 {
		s := t.queue[0]
		t.queue[0] = nil
		t.queue = t.queue[1:]
		if s.inQueue {
			s.inQueue = false
			t.live--
			if len(t.queue) == 0 {
				t.queue = nil // let the backing array go
			}
			return s
		}
	}
	return nil
}

// Remove takes s out of the queue. It reports whether s was waiting.
func (t *Throttle) Remove(s *Session) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !s.inQueue {
		return false
	}
	s.inQueue = false
	t.live--
	t.abandoned++
	if t.live == 0 {
		clear(t.queue)
		t.queue = nil
	}
	return true
}

// Waiting reports whether s is in the queue.
func (t *Throttle) Waiting(s *Session) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return s.inQueue
}

// Stop stops releasing and returns the sessions still waiting, oldest first.
// Later Admit calls refuse ([AdmitRefused]). A release in progress (the
// timer popped a session just before) has finished when Stop returns, so
// no session is released after it.
func (t *Throttle) Stop() []*Session {
	t.mu.Lock()
	t.stopped = true
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	var out []*Session
	for s := t.popLocked(); s != nil; s = t.popLocked() {
		out = append(out, s)
	}
	t.mu.Unlock()
	t.waitRelease()
	return out
}

// waitRelease waits until no release is in progress. t.mu must not be
// held: a release in progress may be waiting for it (Admit holds t.mu
// while it takes relMu).
func (t *Throttle) waitRelease() {
	t.relMu.Lock()
	//lint:ignore SA2001 an empty critical section is the point: a barrier
	t.relMu.Unlock()
}

// Stats returns the throttle's counters.
func (t *Throttle) Stats() ThrottleStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return ThrottleStats{Waiting: t.live, Queued: t.queued, Released: t.released, Abandoned: t.abandoned}
}

// TakeAll removes every waiting session and returns them, oldest first,
// counted as abandoned. The throttle keeps running. Like [Throttle.Stop],
// it returns only once a release in progress has finished, so a session
// popped just before is registered by then (see [Handler.ServerDisconnectAll]).
func (t *Throttle) TakeAll() []*Session {
	t.mu.Lock()
	var out []*Session
	for s := t.popLocked(); s != nil; s = t.popLocked() {
		out = append(out, s)
		t.abandoned++
	}
	t.mu.Unlock()
	t.waitRelease()
	return out
}
