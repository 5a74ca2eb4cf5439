package reports

import (
	"fmt"
	"math"
	"time"
)

// The scopes of Meta.LoadScope: which processes Load.Own counts.
const (
	// LoadScopeRun means Load.Own counts every process of the run on the
	// generator's machine: the generator's, and the portal's and game
	// server's when they ran in it (embedded) or their pids were given,
	// or none of theirs when the target is on another machine. Load.Other
	// is then the load of processes that are not part of the run.
	LoadScopeRun = "run"
	// LoadScopeGenerator means Load.Own counts the generator's processes
	// only, while the target may be on the same machine (an address of
	// this machine, or a name, whose pids were not given): Load.Other
	// includes the target's own CPU, so it cannot tell a busier
	// neighbour from a target that works harder.
	LoadScopeGenerator = "generator"
	// LoadScopeMachines means the report merges parts measured on
	// different machines: a second's load mixes them.
	LoadScopeMachines = "machines"
)

// Load is the machine's load in one second of a run, as the generator
// measured it from /proc/stat and its own CPU time. The CPU figures are
// fractions of all the machine's cores (0.5 is one core of two), so
// that runs on machines of different sizes read alike.
type Load struct {
	// Samples is how many readings of the machine the second holds (the
	// generator reads it ten times a second); 0 means the second was
	// not measured (a report of an older generator, or not Linux).
	Samples int `json:"samples,omitempty"`
	// Busy is the share of all cores that ran any task: user, nice and
	// system time (interrupt time is left out: the run's own network
	// work may be charged there).
	Busy float64 `json:"busy,omitempty"`
	// Own is the share of all cores the run's own processes used (see
	// Meta.LoadScope for which they are).
	Own float64 `json:"own,omitempty"`
	// Steal is the share of all cores a hypervisor gave to other guests.
	Steal float64 `json:"steal,omitempty"`
	// RunQueue is the mean number of runnable tasks (running or waiting
	// for a core) over the second's readings, the run's own included:
	// above the number of cores, tasks waited for one.
	RunQueue float64 `json:"run_queue,omitempty"`
	// TimerLate is how late the generator's 10 ms timer probe woke at
	// worst in the second.
	TimerLate time.Duration `json:"timer_late_ns,omitempty"`
}

// Measured reports whether the machine was read in the second.
func (l Load) Measured() bool { return l.Samples > 0 }

// Other is the share of all cores used by processes that are not the
// run's own (Busy − Own, 0 at least): the background load.
func (l Load) Other() float64 { return max(l.Busy-l.Own, 0) }

// Merge adds o, the same second seen by another process of the run (on
// the same machine): the machine-wide figures (Busy, Steal, RunQueue)
// take the larger of the two readings, Own adds up (each process counts
// itself), TimerLate takes the worse, Samples the larger.
func (l *Load) Merge(o Load) {
	l.Samples = max(l.Samples, o.Samples)
	l.Busy = max(l.Busy, o.Busy)
	l.Own += o.Own
	l.Steal = max(l.Steal, o.Steal)
	l.RunQueue = max(l.RunQueue, o.RunQueue)
	l.TimerLate = max(l.TimerLate, o.TimerLate)
}

// The bounds of a second's load figures that Validate accepts: a share
// of the cores can exceed 1 a little (the kernel counts CPU time in
// ticks), never by much; a run queue beyond a million tasks, or more
// samples than readings a second, is not a measurement.
const (
	maxLoadShare    = 2.0
	maxLoadRunQueue = 1e6
	maxLoadSamples  = 1000
)

// validate says what is wrong with l, or "": a count or a duration out
// of range, or a share that is not a number from 0 to maxLoadShare.
func (l Load) validate() string {
	if l.Samples < 0 || l.Samples > maxLoadSamples || l.TimerLate < 0 {
		return fmt.Sprintf("samples %d or lateness %v out of range", l.Samples, l.TimerLate)
	}
	for _, f := range []float64{l.Busy, l.Own, l.Steal} {
		if math.IsNaN(f) || f < 0 || f > maxLoadShare {
			return fmt.Sprintf("share %v of the cores is not from 0 to %v", f, maxLoadShare)
		}
	}
	if math.IsNaN(l.RunQueue) || l.RunQueue < 0 || l.RunQueue > maxLoadRunQueue {
		return fmt.Sprintf("run queue %v is not from 0 to %v", l.RunQueue, maxLoadRunQueue)
	}
	return ""
}

// LoadSummary sums up the machine's load over some seconds of a run.
type LoadSummary struct {
	// Seconds is how many of the seconds were measured; the figures
	// below are over those.
	Seconds int `json:"seconds"`
	// Other is the mean background load (Load.Other), and OtherMax its
	// highest second.
	Other    float64 `json:"other"`
	OtherMax float64 `json:"other_max"`
	// Own is the mean load of the run's own processes.
	Own float64 `json:"own"`
	// Steal is the mean CPU steal.
	Steal float64 `json:"steal,omitempty"`
	// RunQueue is the mean number of runnable tasks.
	RunQueue float64 `json:"run_queue"`
	// TimerLate is the generator timer probe's worst lateness.
	TimerLate time.Duration `json:"timer_late_ns,omitempty"`
}

// SummarizeLoad sums up the load of the measured seconds of tl.
func SummarizeLoad(tl []Interval) LoadSummary {
	var s LoadSummary
	for i := range tl {
		l := tl[i].Load
		s.TimerLate = max(s.TimerLate, l.TimerLate)
		if !l.Measured() {
			continue
		}
		s.Seconds++
		s.Other += l.Other()
		s.OtherMax = max(s.OtherMax, l.Other())
		s.Own += l.Own
		s.Steal += l.Steal
		s.RunQueue += l.RunQueue
	}
	if s.Seconds > 0 {
		n := float64(s.Seconds)
		s.Other, s.Own, s.Steal, s.RunQueue = s.Other/n, s.Own/n, s.Steal/n, s.RunQueue/n
	}
	return s
}

// Load sums up the machine's load over the run's measured seconds.
func (r *Report) Load() LoadSummary { return SummarizeLoad(r.Timeline) }
