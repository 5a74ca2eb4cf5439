package portal

import (
	"log/slog"
	"sync"
	"time"
)

// refusalLog logs refused connections (link strangers, a second game
// server, players over the per-address cap) with their remote address,
// one line per refusal but at most one every interval: a flood of them
// (or a second server that keeps retrying) is summed up in the next line
// ("suppressed").
type refusalLog struct {
	every time.Duration
	// attr names the address in the line; "" means "remote".
	attr string

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func (r *refusalLog) log(log *slog.Logger, msg string, remote string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); r.last.IsZero() || now.Sub(r.last) >= r.every {
		attr := r.attr
		if attr == "" {
			attr = "remote"
		}
		log.Warn(msg, attr, remote, "err", err, "suppressed", r.suppressed)
		r.last, r.suppressed = now, 0
		return
	}
	r.suppressed++
}
