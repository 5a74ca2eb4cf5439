package portal

import (
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// A DCS (ESC P ... ESC \), like SOS/PM/APC (ESC X, ESC ^, ESC _), is a
// string a terminal swallows until its ST: cut inside it, the marker
// and every later byte the client gets are swallowed too. cutText keeps
// "ESC P..." because escapeComplete takes any ESC x as a whole sequence.
func TestCutTextClosesNoStringOpen(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"a\x1bPq#0;2;0;0;0#0~~\x1b\\b", // DCS (sixel)
		"a\x1b_Gf=100;AAAA\x1b\\b",     // APC (kitty graphics)
	} {
		if got := cutText(s, 8); got != "a" {
			t.Errorf("cutText(%q, 8) = %q, want %q: the string sequence is left open", s, got, "a")
		}
	}
}

// The session data the game server gets carries the client's address.
// Since clientaddr.Key, an IPv6 client's is its /64 network instead
// ("2001:db8:1:2::/64"): not an address at all, so a server cannot
// show, log or ban the client's IP (Evennia's session.address).
func TestServerGetsTheClientsAddress(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	s := h.Connect(&fakeProto{addr: "2001:db8:1:2:aaaa:bbbb:cccc:dddd"})
	ms := sent(h)
	if len(ms) == 0 || ms[0].Op != link.OpPortalConnect {
		t.Fatalf("sent %s, want a PCONN", ops(ms))
	}
	if got := ms[0].Session.Address; got != "2001:db8:1:2:aaaa:bbbb:cccc:dddd" {
		t.Fatalf("PCONN address %q, want the client's IP", got)
	}
	if got := s.Data().Address; got != "2001:db8:1:2:aaaa:bbbb:cccc:dddd" {
		t.Fatalf("session data address %q", got)
	}
}

// A login timer that fired while the session's lock was held (by a
// release, an input, a sync) closes the session even if, before the
// callback got the lock, the server logged it in and out again: the
// session has a new timer and a fresh LoginTimeout, and is closed anyway.
func TestStaleLoginTimerSparesAFreshlyLoggedOutSession(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, Config{MaxConnectionRate: -1, LoginTimeout: 200 * time.Millisecond})
	s := h.Connect(&fakeProto{})
	s.mu.Lock()
	time.Sleep(300 * time.Millisecond) // the timer fires; its callback waits for s.mu
	h.setLoggedInLocked(s, true)       // SLOGIN ...
	h.setLoggedInLocked(s, false)      // ... and an SSYNC saying logged out: 200 ms from now
	s.mu.Unlock()
	time.Sleep(10 * time.Millisecond)
	if st := s.State(); st != StateConnected {
		t.Fatalf("10 ms after being logged out (timeout 200 ms) the session is %v (%v)", st, s.CloseReason())
	}
	h.closeSession(s, ReasonClientQuit, "")
}
