package portal

import "time"

// rateWindow is Evennia's per-session command rate limit: a fixed window
// of one second that admits at most limit inputs. It uses the monotonic
// clock (time.Since), so a wall-clock jump cannot freeze it (bug 5.28).
// Not safe for concurrent use; the session's mutex guards it.
type rateWindow struct {
	start time.Time
	count int
}

// allow counts one input at now and reports whether it is within limit.
// A limit of 0 or less admits everything.
func (w *rateWindow) allow(now time.Time, limit int) bool {
	if limit <= 0 {
		return true
	}
	if w.start.IsZero() || now.Sub(w.start) > time.Second {
		w.start = now
		w.count = 0
	}
	w.count++
	return w.count <= limit
}

// commandLimit converts a rate per second to the window's limit.
func commandLimit(rate float64) int {
	if rate <= 0 {
		return 0
	}
	return max(int(rate), 1)
}
