package portal

import "time"

func init() {
	// Tests that replace a live server need not wait the production grace time.
	takeoverWait = 300 * time.Millisecond
}

// TakeoverInProgress reports whether a server's link is attaching (waiting
// for the old link to finish), for tests that must act during a takeover.
func (p *Portal) TakeoverInProgress() bool { return len(p.up.attachSem) == 1 }

// BrowserRemembered reports whether the handler remembers a login for the
// browser csessid, for tests that await a logout the game sends after the
// tab closed.
func (h *Handler) BrowserRemembered(csessid string) bool {
	_, ok := h.browsers.lookup(csessid, time.Now())
	return ok
}
