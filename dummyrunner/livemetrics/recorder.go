package livemetrics

import (
	"sync"

	"github.com/portalsim/portalsim/dummyrunner"
)

// Recorder is a run's [dummyrunner.Observer]: it folds every result and
// health sample into a cumulative [Snapshot]. Its zero value is not
// usable; create one with [NewRecorder].
type Recorder struct {
	mu     sync.Mutex
	snap   Snapshot       // guarded by mu
	states map[int]string // client -> its current state; guarded by mu
}

var _ dummyrunner.Observer = (*Recorder)(nil)

// NewRecorder returns a Recorder that has seen nothing yet.
func NewRecorder() *Recorder {
	return &Recorder{snap: NewSnapshot(), states: map[int]string{}}
}

// Result folds one result in (see [dummyrunner.Observer]).
func (rec *Recorder) Result(r dummyrunner.Result) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := &rec.snap
	switch r.Kind {
	case dummyrunner.KindSent:
		s.action(r.Action).Sent++
	case dummyrunner.KindCommand:
		a := s.action(r.Action)
		if r.Reason != "" {
			a.Failed[r.Reason]++
			return
		}
		a.Answered++
		if r.Check != nil { // checked, and passed: a failed check is a failure above
			a.ChecksPassed++
		}
		a.Latency.observe(LatencyBuckets, r.Latency)
		a.TTFB.observe(LatencyBuckets, r.TTFB)
	case dummyrunner.KindState:
		if r.State == dummyrunner.StateConnecting {
			s.Started++
		}
		rec.moveLocked(r.Client, r.State)
		if r.Phase != "" {
			p := s.phase(r.Phase)
			p.Reached++
			p.Latency.observe(PhaseBuckets, r.Latency)
		}
	case dummyrunner.KindLost:
		s.Lost[r.Reason]++
		if ph := r.LostPhase(); ph != "" {
			s.phase(ph).Lost[r.Reason]++
		}
		rec.moveLocked(r.Client, "")
	case dummyrunner.KindDone:
		s.Finished++
		rec.moveLocked(r.Client, "")
	case dummyrunner.KindLag:
		s.LagIn.observe(LatencyBuckets, r.LagIn)
		s.LagOut.observe(LatencyBuckets, r.LagOut)
		s.LagTotal.observe(LatencyBuckets, r.Latency)
	case dummyrunner.KindLateness:
		s.TimerLateness.observe(LatencyBuckets, r.Latency)
	case dummyrunner.KindFaultStart, dummyrunner.KindFaultEnd:
		if r.Fault == nil {
			return
		}
		f := s.fault(FaultKey{Kind: r.Fault.Kind, Side: r.Fault.Side})
		if r.Kind == dummyrunner.KindFaultStart {
			f.Started++
			return
		}
		f.Ended++
		if r.Fault.Error != "" {
			f.Errors++
		}
	}
}

// moveLocked moves a client to state ("": gone). rec.mu must be held.
func (rec *Recorder) moveLocked(client int, state string) {
	if old, ok := rec.states[client]; ok {
		if rec.snap.States[old]--; rec.snap.States[old] == 0 {
			delete(rec.snap.States, old)
		}
	}
	if state == "" {
		delete(rec.states, client)
		return
	}
	rec.states[client] = state
	rec.snap.States[state]++
}

// Health records the latest health sample (see [dummyrunner.Observer]).
func (rec *Recorder) Health(h dummyrunner.HealthSample) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.snap.Health = HealthStats{CPU: h.CPU, FDs: h.FDs, FDLimit: h.FDLimit}
	rec.snap.Samples++
}

// Snapshot returns a copy of what the Recorder has seen so far.
func (rec *Recorder) Snapshot() Snapshot {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.snap.Clone()
}

// Snapshots returns the Recorder's one Snapshot: a Recorder is the
// [Source] of a run in one process.
func (rec *Recorder) Snapshots() []Snapshot { return []Snapshot{rec.Snapshot()} }
