package sim

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portalsim/portalsim/internal/clientaddr"
)

// Throttle limits events per client address: at most Limit in any
// Window. The zero value is off. Evennia has two: account creations
// (2 per 10 minutes) and failed logins (5 per 5 minutes).
type Throttle struct {
	Limit  int
	Window time.Duration
}

// Evennia's throttles (CREATION_THROTTLE_* and LOGIN_THROTTLE_*).
var (
	DefaultCreationThrottle = Throttle{Limit: 2, Window: 10 * time.Minute}
	DefaultLoginThrottle    = Throttle{Limit: 5, Window: 5 * time.Minute}
)

// On reports whether the throttle limits anything.
func (t Throttle) On() bool { return t.Limit > 0 && t.Window > 0 }

// String writes the throttle as ParseThrottle reads it ("2/10m0s", "off").
func (t Throttle) String() string {
	if !t.On() {
		return "off"
	}
	return strconv.Itoa(t.Limit) + "/" + t.Window.String()
}

// ParseThrottle reads "<limit>/<window>" ("2/10m"), or "off" or "0".
func ParseThrottle(s string) (Throttle, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Throttle{}, nil
	}
	n, d, ok := strings.Cut(s, "/")
	limit, errN := strconv.Atoi(n)
	window, errD := time.ParseDuration(d)
	if !ok || errN != nil || errD != nil || limit <= 0 || window <= 0 {
		return Throttle{}, fmt.Errorf("throttle %q: want <limit>/<window> such as 2/10m, or off", s)
	}
	return Throttle{Limit: limit, Window: window}, nil
}

// maxThrottledAddrs bounds the addresses a throttle remembers; past it,
// it forgets those whose events are all older than the window, then
// arbitrary ones (loopback-only games see few addresses).
const maxThrottledAddrs = 10_000

// addrThrottle counts a [Throttle]'s events per client address
// ([clientaddr.Key]: the IP, an IPv6 address by its /64). Safe for concurrent use.
type addrThrottle struct {
	t       Throttle
	refused atomic.Uint64 // full answered true
	mu      sync.Mutex
	// seen holds each address's events within the window, oldest first.
	seen map[string][]time.Time
}

func newAddrThrottle(t Throttle) *addrThrottle {
	return &addrThrottle{t: t, seen: make(map[string][]time.Time)}
}

// full reports whether addr has used up its events at now.
func (a *addrThrottle) full(addr string, now time.Time) bool {
	if !a.t.On() {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.recentLocked(clientaddr.Key(addr), now)) < a.t.Limit {
		return false
	}
	a.refused.Add(1)
	return true
}

// add records one event of addr at now.
func (a *addrThrottle) add(addr string, now time.Time) {
	if !a.t.On() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	h := clientaddr.Key(addr)
	if _, known := a.seen[h]; !known && len(a.seen) >= maxThrottledAddrs {
		a.forgetLocked(now)
	}
	a.seen[h] = append(a.recentLocked(h, now), now)
}

// recentLocked drops h's events older than the window and returns the rest.
func (a *addrThrottle) recentLocked(h string, now time.Time) []time.Time {
	ev := a.seen[h]
	i := 0
	for i < len(ev) && now.Sub(ev[i]) >= a.t.Window {
		i++
	}
	if i == len(ev) {
		delete(a.seen, h)
		return nil
	}
	ev = ev[i:]
	a.seen[h] = ev
	return ev
}

// forgetLocked makes room: addresses with no recent event go first,
// then arbitrary ones, down to three quarters of the bound.
func (a *addrThrottle) forgetLocked(now time.Time) {
	for h := range a.seen {
		a.recentLocked(h, now)
	}
	for h := range a.seen {
		if len(a.seen) <= maxThrottledAddrs*3/4 {
			return
		}
		delete(a.seen, h)
	}
}
