package portal

import (
	"fmt"
	"math/rand/v2"
	"slices"
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

func testSessionFrom(id uint64, addr string) *Session { return &Session{sessid: id, addr: addr} }

// A hundred sockets from one address delay a player from another by one
// release at most: the newcomer goes after the flooder's next session
// (it joins the next round), not after all of them.
func TestThrottleFairNewAddressReleasedNext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(2, log.release) // one per 500ms
		for i := uint64(1); i <= 100; i++ {
			th.Admit(testSessionFrom(i, "127.0.0.1"))
		}
		time.Sleep(1200 * time.Millisecond) // released: 1 at 0, 2 at 500ms, 3 at 1s
		synctest.Wait()
		waiting, wait := th.Admit(testSessionFrom(1000, "127.0.0.5"))
		if waiting != 97 || wait != 800*time.Millisecond {
			t.Fatalf("Admit = %d waiting, wait %v; want 97 waiting (the DoS message is due) and 800ms (one release before it)", waiting, wait)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		order, at := log.snapshot()
		if got, want := order[:6], []uint64{1, 2, 3, 4, 1000, 5}; !equal(got, want) {
			t.Fatalf("releases begin %v, want %v", got, want)
		}
		if at[4] != 2*time.Second {
			t.Fatalf("the newcomer was released at %v, want 2s: the second release after it joined at 1.2s", at[4])
		}
		if len(order) != 101 {
			t.Fatalf("released %d, want all 101", len(order))
		}
	})
}

// Addresses take turns, one session each a round, each its own in order.
func TestThrottleRoundRobinAcrossAddresses(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(10, log.release)
		id := uint64(0)
		for _, addr := range []string{"a", "a", "a", "b", "b", "b", "c", "c"} {
			id++
			th.Admit(testSessionFrom(id, addr)) // a: 1 2 3, b: 4 5 6, c: 7 8
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		// 1 goes at once; then a, b and c in turn.
		order, _ := log.snapshot()
		if want := []uint64{1, 2, 4, 7, 3, 5, 8, 6}; !equal(order, want) {
			t.Fatalf("release order %v, want %v", order, want)
		}
	})
}

// The wait estimate is the newcomer's place in the fair order: with no
// later arrivals, exactly as many are released before it as estimated.
func TestThrottleEstimateIsPlaceInFairOrder(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		synctest.Test(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			log := &releaseLog{start: time.Now()}
			th := NewThrottle(10, log.release)
			var queued []*Session
			for i := range 5 + rng.IntN(40) {
				switch n := rng.IntN(10); {
				case n < 6:
					s := testSessionFrom(uint64(i+1), fmt.Sprint(rng.IntN(5)))
					th.Admit(s)
					queued = append(queued, s)
				case n < 8 && len(queued) > 0:
					th.Remove(queued[rng.IntN(len(queued))])
				default:
					time.Sleep(100 * time.Millisecond) // one release
					synctest.Wait()
				}
			}
			probe := testSessionFrom(1000, fmt.Sprint(rng.IntN(6))) // sometimes an address not seen yet
			th.mu.Lock()
			want := th.aheadLocked(probe.addr)
			th.mu.Unlock()
			before, _ := log.snapshot()
			if waiting, _ := th.Admit(probe); waiting == AdmitReleased {
				return // the queue was empty
			}
			time.Sleep(time.Minute)
			synctest.Wait()
			order, _ := log.snapshot()
			if got := slices.Index(order, 1000) - len(before); got != want {
				t.Fatalf("seed %d: %d released before the probe, estimated %d (releases %v, the probe joined after %d)", seed, got, want, order, len(before))
			}
		})
	}
}

// Sockets opened and closed while another of their address waits do not
// grow the queue.
func TestThrottleChurnDoesNotGrowQueue(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		th := NewThrottle(1, func(*Session) {})
		th.Admit(testSessionFrom(1, "a")) // released
		th.Admit(testSessionFrom(2, "a")) // waits
		for i := uint64(3); i < 10_000; i++ {
			s := testSessionFrom(i, "a")
			th.Admit(s)
			th.Remove(s)
		}
		th.mu.Lock()
		n := len(th.addrs["a"].sessions)
		th.mu.Unlock()
		if n > 16 {
			t.Fatalf("%d entries kept for 1 session waiting", n)
		}
		if left := th.Stop(); len(left) != 1 || left[0].sessid != 2 {
			t.Fatalf("Stop returned %v, want session 2", left)
		}
	})
}

// Stop and TakeAll hand back the waiting sessions oldest first, whatever their addresses.
func TestThrottleTakeAllOldestFirstAcrossAddresses(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		th := NewThrottle(1, func(*Session) {})
		for i, addr := range []string{"a", "b", "a", "c", "b", "a"} {
			th.Admit(testSessionFrom(uint64(i+1), addr))
		}
		var got []uint64
		for _, s := range th.TakeAll() {
			got = append(got, s.sessid)
		}
		if want := []uint64{2, 3, 4, 5, 6}; !equal(got, want) {
			t.Fatalf("TakeAll = %v, want %v", got, want)
		}
		if st := th.Stats(); st.Waiting != 0 || st.Abandoned != 5 {
			t.Fatalf("stats = %+v", st)
		}
		th.Stop()
	})
}
