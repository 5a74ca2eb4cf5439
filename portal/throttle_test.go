package portal

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// releaseLog records releases with their (fake) time.
type releaseLog struct {
	mu    sync.Mutex
	order []uint64
	at    []time.Duration
	start time.Time
}

func (r *releaseLog) release(s *Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.order = append(r.order, s.sessid)
	r.at = append(r.at, time.Since(r.start))
}

func (r *releaseLog) snapshot() ([]uint64, []time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.order...), append([]time.Duration(nil), r.at...)
}

func testSession(id uint64) *Session { return &Session{sessid: id} }

func TestThrottleFirstReleasedAtOnceRestFIFOAtRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(2, log.release) // one per 500ms
		var aheads []int
		for i := uint64(1); i <= 5; i++ {
			ahead, _ := th.Admit(testSession(i))
			aheads = append(aheads, ahead)
		}
		if want := []int{-1, 0, 1, 2, 3}; !equal(aheads, want) {
			t.Fatalf("ahead = %v, want %v", aheads, want)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		order, at := log.snapshot()
		if want := []uint64{1, 2, 3, 4, 5}; !equal(order, want) {
			t.Fatalf("release order = %v, want %v", order, want)
		}
		for i, got := range at {
			if want := time.Duration(i) * 500 * time.Millisecond; got != want {
				t.Errorf("release %d at %v, want %v", i, got, want)
			}
		}
	})
}

// Bug 5.4: arrivals faster than the rate must not starve the queue.
func TestThrottleNoStarvationUnderSteadyArrivals(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(2, log.release)
		// One arrival every 100ms (10/s) for 10 s: Evennia would release none after the first.
		for i := uint64(1); i <= 100; i++ {
			th.Admit(testSession(i))
			time.Sleep(100 * time.Millisecond)
		}
		synctest.Wait()
		order, _ := log.snapshot()
		// 10 s at 2/s: the first at once, then one per 500ms => 21 by t=10s.
		if got, want := len(order), 21; got != want {
			t.Fatalf("released %d during a steady stream, want %d", got, want)
		}
		for i, id := range order {
			if id != uint64(i+1) {
				t.Fatalf("release %d is session %d: not FIFO", i, id)
			}
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if order, _ := log.snapshot(); len(order) != 100 {
			t.Fatalf("released %d after the stream ended, want all 100", len(order))
		}
		if st := th.Stats(); st.Waiting != 0 || st.Released != 100 || st.Queued != 99 {
			t.Fatalf("stats = %+v", st)
		}
	})
}

func TestThrottleWaitEstimate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		th := NewThrottle(4, func(*Session) {}) // 250ms
		th.Admit(testSession(1))
		_, w2 := th.Admit(testSession(2))
		_, w3 := th.Admit(testSession(3))
		time.Sleep(100 * time.Millisecond)
		_, w4 := th.Admit(testSession(4))
		if w2 != 250*time.Millisecond || w3 != 500*time.Millisecond || w4 != 650*time.Millisecond {
			t.Fatalf("estimates = %v %v %v, want 250ms 500ms 650ms", w2, w3, w4)
		}
		th.Stop()
	})
}

// Bug 5.18: a session removed while queued leaves cleanly and is never released.
func TestThrottleRemoveWhileQueued(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(2, log.release)
		s := []*Session{testSession(1), testSession(2), testSession(3), testSession(4)}
		for _, x := range s {
			th.Admit(x)
		}
		if !th.Remove(s[2]) {
			t.Fatal("Remove(queued) = false")
		}
		if th.Remove(s[2]) {
			t.Fatal("second Remove = true")
		}
		if th.Remove(s[0]) {
			t.Fatal("Remove(released) = true")
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		order, at := log.snapshot()
		if want := []uint64{1, 2, 4}; !equal(order, want) {
			t.Fatalf("order = %v, want %v", order, want)
		}
		// The gap left by the removed session is not waited for.
		if at[2] != time.Second {
			t.Fatalf("session 4 released at %v, want 1s", at[2])
		}
		if st := th.Stats(); st.Abandoned != 1 || st.Waiting != 0 {
			t.Fatalf("stats = %+v", st)
		}
	})
}

// Bug 5.27: a rate of 0 or less disables the throttle instead of crashing.
func TestThrottleDisabled(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{0, -1} {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(rate, log.release)
		for i := uint64(1); i <= 50; i++ {
			if ahead, _ := th.Admit(testSession(i)); ahead != -1 {
				t.Fatalf("rate %v: session %d queued", rate, i)
			}
		}
		if order, _ := log.snapshot(); len(order) != 50 {
			t.Fatalf("rate %v: released %d, want 50", rate, len(order))
		}
	}
}

func TestThrottleStopAndTakeAll(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(1, log.release)
		for i := uint64(1); i <= 4; i++ {
			th.Admit(testSession(i))
		}
		taken := th.TakeAll()
		if len(taken) != 3 || taken[0].sessid != 2 {
			t.Fatalf("TakeAll = %d sessions, first %v", len(taken), taken)
		}
		// The rate still holds after TakeAll: these two wait.
		th.Admit(testSession(5))
		th.Admit(testSession(6))
		left := th.Stop()
		if len(left) != 2 || left[0].sessid != 5 || left[1].sessid != 6 {
			t.Fatalf("Stop returned %d sessions, want 5 and 6", len(left))
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if order, _ := log.snapshot(); !equal(order, []uint64{1}) {
			t.Fatalf("released %v after Stop, want [1]", order)
		}
		if ahead, _ := th.Admit(testSession(7)); ahead != AdmitRefused {
			t.Fatalf("Admit after Stop = %d, want AdmitRefused: it neither queues nor releases", ahead)
		}
		if order, _ := log.snapshot(); !equal(order, []uint64{1}) {
			t.Fatalf("released %v after Admit on a stopped throttle, want [1]", order)
		}
	})
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
