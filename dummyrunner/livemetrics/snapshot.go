package livemetrics

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"time"
)

// LatencyBuckets are the upper bounds, in seconds, of the command
// latency, TTFB, lag and timer-lateness histograms: 0.1 ms to 30 s, about
// three per decade (a loopback answer takes a fraction of a
// millisecond, a command timeout tens of seconds).
var LatencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// PhaseBuckets are the upper bounds, in seconds, of the connection
// phase histograms: a player may wait minutes for its turn to log in.
var PhaseBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// Buckets is a histogram of durations in seconds over fixed upper
// bounds (LatencyBuckets or PhaseBuckets): the count of each bucket (not
// cumulative; the last one is +Inf) and the sum of the observations.
type Buckets struct {
	Counts []uint64 `json:"counts"`
	Sum    float64  `json:"sum"`
}

func newBuckets(bounds []float64) Buckets {
	return Buckets{Counts: make([]uint64, len(bounds)+1)}
}

// observe adds one duration (negative ones count as 0).
func (b *Buckets) observe(bounds []float64, d time.Duration) {
	s := max(d.Seconds(), 0)
	b.Counts[sort.SearchFloat64s(bounds, s)]++ // the first bound >= s: Prometheus' "le"
	b.Sum += s
}

// add adds o's observations (a histogram of other bounds is ignored).
func (b *Buckets) add(o Buckets) {
	if len(b.Counts) != len(o.Counts) {
		return
	}
	for i, c := range o.Counts {
		b.Counts[i] += c
	}
	b.Sum += o.Sum
}

// cumulative is b in client_golang's form: the count and the cumulative
// count at each bound.
func (b Buckets) cumulative(bounds []float64) (count uint64, le map[float64]uint64) {
	le = make(map[float64]uint64, len(bounds))
	for i, bound := range bounds {
		if i < len(b.Counts) {
			count += b.Counts[i]
		}
		le[bound] = count
	}
	if len(b.Counts) > len(bounds) {
		count += b.Counts[len(bounds)]
	}
	return count, le
}

// Snapshot is what one generator process has measured so far, all
// counters cumulative since the run began, and its latest health sample.
// Snapshots of a run's processes add up ([Snapshot.Add]); a -procs
// child sends its Snapshot to its parent as JSON.
type Snapshot struct {
	// Actions holds the commands by action.
	Actions map[string]*ActionStats `json:"actions,omitempty"`
	// Phases holds the connection phases reached, by phase.
	Phases map[string]*PhaseStats `json:"phases,omitempty"`
	// Started and Finished count the clients that began connecting and
	// that ran their script to the end.
	Started  int64 `json:"started"`
	Finished int64 `json:"finished"`
	// States counts the clients in each state now (see the
	// dummyrunner.State constants).
	States map[string]int64 `json:"states,omitempty"`
	// Lost counts the clients lost, by reason.
	Lost map[string]int64 `json:"lost,omitempty"`
	// LagIn, LagOut and LagTotal are the echo probe's lag.
	LagIn    Buckets `json:"lag_in"`
	LagOut   Buckets `json:"lag_out"`
	LagTotal Buckets `json:"lag_total"`
	// TimerLateness is how late the generator's timer probe woke.
	TimerLateness Buckets `json:"timer_lateness"`
	// Faults counts the injected faults by kind and side.
	Faults map[FaultKey]*FaultStats `json:"-"`
	// FaultList is Faults as JSON carries it (a struct key is no JSON
	// object key).
	FaultList []FaultCount `json:"faults,omitempty"`
	// Health is the process's latest health sample; Samples says whether
	// there was one.
	Health  HealthStats `json:"health"`
	Samples int64       `json:"samples"`
}

// ActionStats are the commands of one action.
type ActionStats struct {
	Sent     int64 `json:"sent"`
	Answered int64 `json:"answered"`
	// Failed counts the failed commands by reason (a failed response
	// check is the reason "check").
	Failed map[string]int64 `json:"failed,omitempty"`
	// ChecksPassed counts the answers that passed their response checks
	// (those that failed one are Failed["check"]).
	ChecksPassed int64   `json:"checks_passed,omitempty"`
	Latency      Buckets `json:"latency"`
	TTFB         Buckets `json:"ttfb"`
}

// PhaseStats are the clients that reached one connection phase, the
// time they took from the start of their connection attempt, and those
// lost before it, by reason.
type PhaseStats struct {
	Reached int64            `json:"reached"`
	Latency Buckets          `json:"latency"`
	Lost    map[string]int64 `json:"lost,omitempty"`
}

// FaultKey names a kind of fault on one side.
type FaultKey struct {
	Kind string `json:"kind"`
	Side string `json:"side"`
}

// FaultStats count the faults of one kind and side: begun, lifted, and
// those that could not be injected or lifted.
type FaultStats struct {
	Started int64 `json:"started"`
	Ended   int64 `json:"ended"`
	Errors  int64 `json:"errors"`
}

// FaultCount is one entry of Snapshot.FaultList.
type FaultCount struct {
	FaultKey
	FaultStats
}

// HealthStats is a generator process's health sample.
type HealthStats struct {
	CPU     float64 `json:"cpu"`
	FDs     int     `json:"fds"`
	FDLimit int     `json:"fd_limit"`
}

// NewSnapshot returns an empty Snapshot.
func NewSnapshot() Snapshot {
	return Snapshot{
		Actions: map[string]*ActionStats{}, Phases: map[string]*PhaseStats{},
		States: map[string]int64{}, Lost: map[string]int64{}, Faults: map[FaultKey]*FaultStats{},
		LagIn: newBuckets(LatencyBuckets), LagOut: newBuckets(LatencyBuckets), LagTotal: newBuckets(LatencyBuckets),
		TimerLateness: newBuckets(LatencyBuckets),
	}
}

func (s *Snapshot) action(name string) *ActionStats {
	a := s.Actions[name]
	if a == nil {
		a = &ActionStats{Failed: map[string]int64{}, Latency: newBuckets(LatencyBuckets), TTFB: newBuckets(LatencyBuckets)}
		s.Actions[name] = a
	}
	return a
}

func (s *Snapshot) phase(name string) *PhaseStats {
	p := s.Phases[name]
	if p == nil {
		p = &PhaseStats{Latency: newBuckets(PhaseBuckets), Lost: map[string]int64{}}
		s.Phases[name] = p
	}
	return p
}

func (s *Snapshot) fault(k FaultKey) *FaultStats {
	f := s.Faults[k]
	if f == nil {
		f = &FaultStats{}
		s.Faults[k] = f
	}
	return f
}

// normalize allocates the maps a Snapshot read from JSON may lack, and
// fills Faults from FaultList.
func (s *Snapshot) normalize() {
	n := NewSnapshot()
	for _, m := range []struct {
		dst *map[string]int64
		src map[string]int64
	}{{&s.States, n.States}, {&s.Lost, n.Lost}} {
		if *m.dst == nil {
			*m.dst = m.src
		}
	}
	if s.Actions == nil {
		s.Actions = n.Actions
	}
	if s.Phases == nil {
		s.Phases = n.Phases
	}
	if s.Faults == nil {
		s.Faults = n.Faults
		for _, f := range s.FaultList {
			*s.fault(f.FaultKey) = f.FaultStats
		}
	}
}

// Add adds o's counts to s (both processes' clients, commands and
// histograms); the health sample is the process's own and is not added.
func (s *Snapshot) Add(o Snapshot) {
	s.normalize()
	o.normalize()
	for name, a := range o.Actions {
		d := s.action(name)
		d.Sent += a.Sent
		d.Answered += a.Answered
		d.ChecksPassed += a.ChecksPassed
		addCounts(d.Failed, a.Failed)
		d.Latency.add(a.Latency)
		d.TTFB.add(a.TTFB)
	}
	for name, p := range o.Phases {
		d := s.phase(name)
		d.Reached += p.Reached
		d.Latency.add(p.Latency)
		addCounts(d.Lost, p.Lost)
	}
	s.Started += o.Started
	s.Finished += o.Finished
	addCounts(s.States, o.States)
	addCounts(s.Lost, o.Lost)
	s.LagIn.add(o.LagIn)
	s.LagOut.add(o.LagOut)
	s.LagTotal.add(o.LagTotal)
	s.TimerLateness.add(o.TimerLateness)
	for k, f := range o.Faults {
		d := s.fault(k)
		d.Started += f.Started
		d.Ended += f.Ended
		d.Errors += f.Errors
	}
}

// Clone returns a deep copy of s, with FaultList filled for JSON.
func (s Snapshot) Clone() Snapshot {
	c := NewSnapshot()
	c.Add(s)
	c.Health, c.Samples = s.Health, s.Samples
	c.FaultList = nil
	for _, k := range slices.SortedFunc(maps.Keys(c.Faults), func(a, b FaultKey) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Side, b.Side))
	}) {
		c.FaultList = append(c.FaultList, FaultCount{k, *c.Faults[k]})
	}
	return c
}

func addCounts(dst, src map[string]int64) {
	for k, n := range src {
		dst[k] += n
	}
}
