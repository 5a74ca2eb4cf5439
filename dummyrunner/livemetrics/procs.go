package livemetrics

import "sync"

// Source gives a [Collector] the Snapshots of a run's processes, one per
// process, at each scrape. It must be safe for concurrent use.
type Source interface {
	Snapshots() []Snapshot
}

// Procs is the [Source] of a run spread over child processes: it keeps
// the latest Snapshot each child sent. Its zero value is not usable;
// create one with [NewProcs].
type Procs struct {
	mu    sync.Mutex
	snaps []Snapshot // by child; guarded by mu
}

var _ Source = (*Procs)(nil)

// NewProcs returns the Source of n child processes, none heard from yet.
func NewProcs(n int) *Procs {
	p := &Procs{snaps: make([]Snapshot, n)}
	for i := range p.snaps {
		p.snaps[i] = NewSnapshot()
	}
	return p
}

// Set records child i's latest Snapshot (i out of range is ignored).
func (p *Procs) Set(i int, s Snapshot) {
	s.normalize()
	p.mu.Lock()
	defer p.mu.Unlock()
	if i >= 0 && i < len(p.snaps) {
		p.snaps[i] = s
	}
}

// Snapshots returns copies of the children's latest Snapshots.
func (p *Procs) Snapshots() []Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Snapshot, len(p.snaps))
	for i, s := range p.snaps {
		out[i] = s.Clone()
	}
	return out
}
