package portal

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// One attacker address that keeps exactly one socket queued (it opens a
// new one right after each release) starved an address whose second
// session had had its turn this round, while new addresses joined the
// current round: it never emptied, so next never became the round.
func TestThrottleChurnDoesNotStarveABackloggedAddress(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		log := &releaseLog{start: time.Now()}
		th := NewThrottle(2, log.release)      // one per 500ms
		th.Admit(testSessionFrom(1, "victim")) // released at once
		th.Admit(testSessionFrom(2, "victim")) // queued
		th.Admit(testSessionFrom(3, "victim")) // queued
		time.Sleep(600 * time.Millisecond)     // 2 released at 500ms; victim goes to next
		synctest.Wait()
		_, est := th.Admit(testSessionFrom(100, "attacker"))
		_ = est
		for i := uint64(101); i < 160; i++ { // 30 s of churn, one socket at a time
			time.Sleep(500 * time.Millisecond) // the previous one was released at the tick
			synctest.Wait()
			th.Admit(testSessionFrom(i, "attacker"))
		}
		order, _ := log.snapshot()
		if !slices.Contains(order, 3) {
			t.Fatalf("victim's session 3 not released in 30 s (%d releases, all to the attacker after 2: %v)", len(order), order[:8])
		}
		th.Stop()
	})
}
