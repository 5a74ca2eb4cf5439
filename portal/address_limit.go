package portal

import (
	"errors"
	"sync"
)

// errAddressLimit is why a connection over Config.MaxSessionsPerAddress is refused.
var errAddressLimit = errors.New("too many sessions from this address")

// addrCounts counts the open sessions of each client address, queued
// ones included, for Config.MaxSessionsPerAddress. An address leaves the
// map with its last session, so the map is bounded by the sessions.
type addrCounts struct {
	// mu guards n. It is taken with no other lock held.
	mu sync.Mutex
	n  map[string]int
}

// add counts one more session of addr, unless addr has limit already:
// false then, and nothing is counted.
func (a *addrCounts) add(addr string, limit int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n[addr] >= limit {
		return false
	}
	if a.n == nil {
		a.n = make(map[string]int)
	}
	a.n[addr]++
	return true
}

// remove counts one session of addr less.
func (a *addrCounts) remove(addr string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n[addr] <= 1 {
		delete(a.n, addr)
		return
	}
	a.n[addr]--
}
