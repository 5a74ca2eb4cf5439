package ircbot

import (
	"math"
	"time"
)

// backoffFactor is how much the reconnect delay grows at each failed
// attempt (Evennia's ReconnectingClientFactory factor).
const backoffFactor = 1.5

// Backoff is the delay before reconnect attempt n (0 for the first after
// a connection ended): minDelay × 1.5ⁿ, at most maxDelay. With Evennia's
// values (1 s, 60 s): 1 s, 1.5 s, 2.25 s, ... 57.7 s (n = 10), then 60 s.
// Unlike Evennia's, the delay starts again at minDelay once a connection
// has stayed joined to its channel for a while (Config.BackoffReset).
func Backoff(n int, minDelay, maxDelay time.Duration) time.Duration {
	d := float64(minDelay) * math.Pow(backoffFactor, float64(max(n, 0)))
	if d >= float64(maxDelay) {
		return maxDelay
	}
	return time.Duration(d)
}

// Pace is IRC's client flood control (RFC 1459 8.10, the pace servers
// expect): each line moves a clock interval ahead, the clock never lags
// now, and a line may go once the clock is at most (burst-1)×interval
// ahead of now. Given the clock and now it returns when the next line
// may go and the clock after it: burst lines go at once, then one every
// interval.
func Pace(clock, now time.Time, interval time.Duration, burst int) (sendAt, next time.Time) {
	if clock.Before(now) {
		clock = now
	}
	sendAt = now
	if window := time.Duration(max(burst-1, 0)) * interval; clock.Sub(now) > window {
		sendAt = clock.Add(-window)
	}
	return sendAt, clock.Add(interval)
}
