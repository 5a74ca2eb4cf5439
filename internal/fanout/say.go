package fanout

import (
	"strconv"
	"sync/atomic"
	"time"
)

// say is one say being measured: who hears it, and when.
type say struct {
	n      int
	size   int // players 0..size-1 are in the room
	sayer  int
	warmup bool // a barrier, not measured
	sent   time.Time
	// at[i] is when player i heard it, in ns since sent; 0 not yet.
	at        []atomic.Int64
	remaining atomic.Int64
	dups      atomic.Uint64
	outsiders atomic.Uint64
	done      chan struct{} // closed when remaining reaches 0
}

func newSay(n, size, sayer int, warmup bool) *say {
	s := &say{n: n, size: size, sayer: sayer, warmup: warmup, at: make([]atomic.Int64, size), done: make(chan struct{})}
	s.remaining.Store(int64(size - 1))
	return s
}

// heard records that player p heard say rest (what follows the run's
// say mark: `<n>"`) at at.
func (r *runner) heard(p *player, rest []byte, at time.Time) {
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(string(rest[:end]))
	s := r.cur.Load()
	if err != nil || s == nil || s.n != n {
		r.strays.Add(1) // a say after its timeout, or garbled
		return
	}
	if p.idx >= s.size || p.idx == s.sayer {
		s.outsiders.Add(1)
		return
	}
	if !s.at[p.idx].CompareAndSwap(0, max(int64(at.Sub(s.sent)), 1)) {
		s.dups.Add(1)
		return
	}
	if s.remaining.Add(-1) == 0 {
		close(s.done)
	}
}
