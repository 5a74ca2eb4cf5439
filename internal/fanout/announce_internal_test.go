package fanout

import (
	"testing"
	"time"
)

// announceRunner is a runner of n players with the login phase's
// expectation set, its players fed lines by hand.
func announceRunner(n int) *runner {
	r := &runner{cfg: Config{Players: n, Prefix: "fo1"}, allEntered: make(chan struct{})}
	r.sayMark = []byte(`says, "fanout-fo1-`)
	r.enteredWant = uint64(n) * uint64(n-1) / 2
	for i := range n {
		r.players = append(r.players, &player{idx: i, name: r.name(i), run: r, changed: make(chan struct{})})
	}
	return r
}

func allEntered(r *runner) bool {
	select {
	case <-r.allEntered:
		return true
	default:
		return false
	}
}

// The login announcements are counted per listener and per player
// announced: one announcement heard twice, or the login of someone
// who is not one of the run's players (another client of a shared
// game), is not one of the n(n-1)/2 due. Counted as such, they end the
// wait before every due announcement came (the messages per second are
// inflated) and hide the missing ones from Result.OK.
func TestLoginAnnouncementsCountedOncePerListenerAndPlayer(t *testing.T) {
	t.Parallel()
	r := announceRunner(3) // 3 due: player 0 hears 1 and 2, player 1 hears 2
	now := time.Now()
	p0, p1 := r.players[0], r.players[1]
	p0.line([]byte("fo1_1 has entered the game."), now)
	p0.line([]byte("fo1_1 has entered the game."), now)    // the same one again
	p0.line([]byte("Stranger has entered the game."), now) // not one of the run's players
	if allEntered(r) || r.entered.Load() != 1 {
		t.Fatalf("after one due announcement, a duplicate and a stranger's: %d counted, all entered %v; want 1 and false", r.entered.Load(), allEntered(r))
	}
	p0.line([]byte("fo1_2 has entered the game."), now)
	p1.line([]byte("fo1_2 has entered the game."), now)
	if !allEntered(r) || r.entered.Load() != 3 {
		t.Fatalf("after the 3 due announcements: %d counted, all entered %v; want 3 and true", r.entered.Load(), allEntered(r))
	}
	if got := r.loginDups.Load(); got != 1 {
		t.Errorf("duplicates: %d, want 1", got)
	}
	if got := r.loginStrays.Load(); got != 1 {
		t.Errorf("strangers' announcements: %d, want 1", got)
	}
}
