package portal

import (
	"fmt"
	"time"
)

// A session not logged in (queued, or connected and not yet logged in
// by the server) is closed Config.LoginTimeout after it connected, so
// that sockets that never log in cannot hold connections for ever. The
// timer is one time.AfterFunc per session, guarded by its mutex: started
// at Connect, stopped at login and at close, started anew when the
// server logs the session out again.

// startLoginTimerLocked starts s's login timer (Config.LoginTimeout),
// unless the timeout is off. s.mu must be held.
func (h *Handler) startLoginTimerLocked(s *Session) {
	if d := h.cfg.LoginTimeout; d > 0 {
		s.loginGen++
		gen := s.loginGen
		s.loginTimer = time.AfterFunc(d, func() { h.loginTimedOut(s, d, gen) })
	}
}

// stopLoginTimerLocked stops s's login timer, if it runs; one that
// already fired finds the session logged in or closed. s.mu must be held.
func (s *Session) stopLoginTimerLocked() {
	if s.loginTimer != nil {
		s.loginTimer.Stop()
		s.loginTimer = nil
	}
}

// setLoggedInLocked records whether the server has s logged in (SLOGIN,
// SSYNC): the move between StateConnected and StateLoggedIn, with the
// login timer running exactly while it is not logged in. s.mu must be held.
func (h *Handler) setLoggedInLocked(s *Session, loggedIn bool) {
	h.browserLoginLocked(s, loggedIn)
	if loggedIn {
		s.state.Store(int32(StateLoggedIn))
		s.stopLoginTimerLocked()
		return
	}
	s.state.Store(int32(StateConnected))
	if s.loginTimer == nil {
		h.startLoginTimerLocked(s) // logged out again: the time starts anew
	}
}

// loginTimedOut closes s, still not logged in after d (Config.LoginTimeout),
// unless the timer of generation gen is no longer s's: one that fired
// while s.mu was held, and meanwhile the session logged in and out again
// and got a new timer with the time anew.
func (h *Handler) loginTimedOut(s *Session, d time.Duration, gen uint64) {
	loggedIn := func(st SessionState) bool { return st == StateLoggedIn || s.loginGen != gen } // s.mu is held
	if h.closeSessionUnless(s, ReasonLoginTimeout, fmt.Sprintf(LoginTimeoutFormat, d), loggedIn) {
		h.stats.loginTimeouts.Add(1)
	}
}
