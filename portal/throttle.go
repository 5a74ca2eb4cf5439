package portal

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Throttle is the connect throttle: new sessions wait in a queue that
// releases one session per interval (1/MaxConnectionRate).
//
// The queue is fair across source addresses (Session.addr, the IP
// without the port): each address waiting is served once a round, its
// own sessions in the order they came, so a hundred sockets from one
// address delay a player from another by one release at most, not a
// hundred. Rounds: the addresses in round are served in order; each one
// served that still has sessions waiting goes to next, and when round
// is empty, next becomes the round. An address that starts waiting
// joins the end of next: after one session of each address waiting, so
// that no stream of new addresses can starve those already there. With
// one address, this is Evennia's FIFO.
//
// Unlike Evennia's, arrivals never push the next release back (bug 5.4):
// the release clock only moves when a session is released, so a steady
// stream of arrivals faster than the rate still drains at the rate. While
// sessions wait, releases keep to an ideal timeline, one interval apart,
// not one interval after the last timer fired, so late timers do not
// lower the rate (see nextRelease). The price: catching up after a late
// timer, a short window can hold up to throttleCatchUp's worth of
// releases more than the rate allows (at 1,000/s, up to 50 more in the
// second after a 50 ms stall); over any long window the rate holds.
// A session removed while queued leaves no trace (bug 5.18). A zero
// interval disables the throttle: every session is released at once.
type Throttle struct {
	interval time.Duration
	release  func(*Session)
	// afterFunc schedules the release timer: time.AfterFunc; a test makes
	// its timers fire late, as a loaded machine's do.
	afterFunc func(time.Duration, func()) *time.Timer

	// relMu serializes release calls in queue order; taken while mu is held,
	// released after the callback returns. Stop and TakeAll take it (after
	// mu) to wait out a release in progress.
	relMu sync.Mutex

	// mu guards the fields below, and Session.inQueue and Session.qseq.
	mu sync.Mutex
	// addrs holds a queue for every address in round or next (each is
	// in exactly one of them); one whose sessions all left stays there,
	// empty, until its turn comes.
	addrs       map[string]*addrQueue
	round, next []*addrQueue
	live        int       // sessions waiting
	seq         uint64    // numbers the sessions queued, in arrival order
	nextAt      time.Time // the earliest time of the next release
	timer       *time.Timer
	// stale counts the ticks of timers disarmed too late to stop (they
	// fired, and wait for mu): each such tick returns doing nothing.
	stale     int
	stopped   bool
	queued    uint64
	released  uint64
	abandoned uint64
}

// addrQueue is the sessions one address has waiting, oldest first.
// Entries with !s.inQueue were removed and are skipped.
type addrQueue struct {
	addr     string
	sessions []*Session
	live     int // entries still waiting
}

// pop removes and returns the oldest session still waiting, or nil.
func (q *addrQueue) pop() *Session {
	for len(q.sessions) > 0 {
		s := q.sessions[0]
		q.sessions[0] = nil
		q.sessions = q.sessions[1:]
		if s.inQueue {
			s.inQueue = false
			q.live--
			return s
		}
	}
	return nil
}

// removed forgets the entries of sessions that left, once they are most
// of the queue, so that sockets opened and closed while another waits
// cannot grow it.
func (q *addrQueue) removed() {
	if len(q.sessions) <= 2*q.live+8 {
		return
	}
	kept := slices.DeleteFunc(q.sessions, func(s *Session) bool { return !s.inQueue })
	q.sessions = slices.Clip(kept)
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
	t := &Throttle{release: release, afterFunc: time.AfterFunc, addrs: make(map[string]*addrQueue)}
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

// Admit's waiting result for a session that does not wait in the queue.
const (
	// AdmitReleased: s was released at once.
	AdmitReleased = -1
	// AdmitRefused: the throttle is stopped; s was neither released nor
	// queued, and the caller must close it.
	AdmitRefused = -2
)

// Admit releases s now if the queue is empty and the rate allows it;
// otherwise it queues s. It returns how many sessions were waiting when
// s joined (Evennia's queue length: more than 0 calls for the DoS
// message) and an estimate of s's wait, from its place in the fair
// order, or [AdmitReleased] or [AdmitRefused].
func (t *Throttle) Admit(s *Session) (waiting int, wait time.Duration) {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return AdmitRefused, 0
	}
	now := time.Now()
	if t.interval == 0 || (t.live == 0 && !now.Before(t.nextAt)) {
		t.nextAt = now.Add(t.interval)
		t.released++
		t.relMu.Lock()
		t.mu.Unlock()
		defer t.relMu.Unlock()
		t.release(s)
		return AdmitReleased, 0
	}
	waiting = t.live
	wait = max(t.nextAt.Sub(now), 0) + time.Duration(t.aheadLocked(s.addr))*t.interval
	t.enqueueLocked(s)
	if t.timer == nil {
		t.timer = t.afterFunc(max(t.nextAt.Sub(now), 0), t.tick)
	}
	t.mu.Unlock()
	return waiting, wait
}

// enqueueLocked queues s behind the other sessions of its address; an
// address not waiting yet joins the next round, after every address
// waiting (joining the current one, a stream of new addresses would
// keep that round from ever ending, and starve those in next). t.mu
// must be held.
func (t *Throttle) enqueueLocked(s *Session) {
	q := t.addrs[s.addr]
	if q == nil {
		q = &addrQueue{addr: s.addr}
		t.addrs[s.addr] = q
		t.next = append(t.next, q) // after every address waiting: a stream of new ones cannot hold back next
	}
	t.seq++
	s.qseq = t.seq
	s.inQueue = true
	q.sessions = append(q.sessions, s)
	q.live++
	t.live++
	t.queued++
}

// aheadLocked is how many of the sessions waiting now would be released
// before one of address addr that joined the queue now, if no other
// came. Each address is served once a round while it has sessions: in
// the current round those in round, in order; in every later round
// those in next, then those in round. So one order, by place (next,
// then round), holds in every round, and the j-th session of an address
// is served in round first+j, where first is 0 in round and 1 in next.
// t.mu must be held.
func (t *Throttle) aheadLocked(addr string) int {
	mine := t.addrs[addr]
	k, first, at := 0, 1, len(t.next) // a new address joins the end of next
	if mine != nil {
		k = mine.live
		if i := slices.Index(t.next, mine); i >= 0 {
			first, at = 1, i
		} else {
			first, at = 0, len(t.next)+slices.Index(t.round, mine)
		}
	}
	r := first + k // the newcomer's round; its own address's k go before it
	ahead := k
	count := func(place int, q *addrQueue, first int) {
		if q == mine {
			return
		}
		rounds := r - first // the rounds q is served in before r, and in r if its place is before
		if place < at {
			rounds++
		}
		ahead += min(q.live, max(rounds, 0))
	}
	for i, q := range t.next {
		count(i, q, 1)
	}
	for i, q := range t.round {
		count(len(t.next)+i, q, 0)
	}
	return ahead
}

// throttleCatchUp bounds how far behind its ideal timeline a backlogged
// throttle may fall and still catch up (see nextRelease): a stall longer
// than this (a paused process, a starved timer) is forgiven, not repaid
// with a burst of releases.
const throttleCatchUp = 50 * time.Millisecond

// nextRelease is when the release after one due at due goes, the queue
// still backlogged, if that one went at now (its timer fired now, at or
// after due). The releases of a backlog keep to an ideal timeline, one
// interval apart from the first: a timer that fires late moves only its
// own release, not every later one, so the rate over a long window is
// the setting however late each timer fires (ticking from now instead,
// each late timer would push all later releases back and the rate fall
// short of the setting by the mean lateness per interval). The timeline
// never runs ahead (the k-th release of a backlog goes k intervals or
// more after the first), and it falls behind now by throttleCatchUp at
// most: after a longer stall the releases due in the last
// throttleCatchUp go at once, then one an interval again. Those before
// are skipped, not moved: the next is the timeline's first time at or
// after now-throttleCatchUp, never now-throttleCatchUp itself, which
// would release one more at once after every stall, due or not.
func nextRelease(due, now time.Time, interval time.Duration) time.Time {
	next := due.Add(interval)
	if behind := now.Add(-throttleCatchUp).Sub(next); behind > 0 {
		next = next.Add((behind + interval - 1) / interval * interval)
	}
	return next
}

// tick releases the next waiting session and schedules the next tick
// against the ideal timeline (see nextRelease): t.nextAt is the time
// this release was due.
func (t *Throttle) tick() {
	t.mu.Lock()
	if t.stale > 0 {
		t.stale--
		t.mu.Unlock()
		return
	}
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
	now := time.Now()
	t.nextAt = nextRelease(t.nextAt, now, t.interval)
	t.released++
	if t.live > 0 {
		t.timer = t.afterFunc(max(t.nextAt.Sub(now), 0), t.tick)
	}
	t.relMu.Lock()
	t.mu.Unlock()
	defer t.relMu.Unlock()
	t.release(s)
}

// popLocked removes and returns the next session in the fair order, or
// nil if none waits. t.mu must be held.
func (t *Throttle) popLocked() *Session {
	for t.live > 0 {
		if len(t.round) == 0 {
			t.round, t.next = t.next, t.round[:0]
		}
		q := t.round[0]
		t.round[0] = nil
		t.round = t.round[1:]
		s := q.pop()
		if s != nil && q.live > 0 {
			t.next = append(t.next, q)
		} else {
			delete(t.addrs, q.addr)
		}
		if s != nil {
			t.live--
			return s
		}
	}
	t.resetLocked()
	return nil
}

// resetLocked forgets the queue's structure once nothing waits, letting
// its arrays go, and disarms the release timer: armed for a session that
// has left, it would release the next one to queue at its own time, not
// one interval after a release made at once meanwhile (the queue empty).
// t.mu must be held.
func (t *Throttle) resetLocked() {
	clear(t.addrs)
	t.round, t.next = nil, nil
	t.disarmLocked()
}

// disarmLocked stops the release timer; if it has fired already, its
// tick, waiting for mu, is counted stale so that it does nothing (a
// timer whose Stop reports false has started its func, or will). t.mu
// must be held.
func (t *Throttle) disarmLocked() {
	if t.timer == nil {
		return
	}
	if !t.timer.Stop() {
		t.stale++
	}
	t.timer = nil
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
		t.resetLocked()
		return true
	}
	q := t.addrs[s.addr]
	q.live--
	q.removed()
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
	out := t.takeAllLocked() // disarms the timer
	t.mu.Unlock()
	t.waitRelease()
	return out
}

// takeAllLocked empties the queue and returns the sessions that were
// waiting, oldest first. t.mu must be held.
func (t *Throttle) takeAllLocked() []*Session {
	out := make([]*Session, 0, t.live)
	for _, q := range t.addrs {
		for _, s := range q.sessions {
			if s.inQueue {
				s.inQueue = false
				out = append(out, s)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Session) int { return cmp.Compare(a.qseq, b.qseq) })
	t.live = 0
	t.resetLocked()
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
	out := t.takeAllLocked()
	t.abandoned += uint64(len(out))
	t.mu.Unlock()
	t.waitRelease()
	return out
}
