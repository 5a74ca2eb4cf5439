package dummyrunner

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/procstack"
	"github.com/portalsim/portalsim/reports"
)

// DefaultMaxBackgroundCPU is the default Health.MaxBackgroundCPU: a
// quarter of all cores (half a core of two) used by other processes on
// average. On the 2-core reference machine a quiet run sees 1 to 3%;
// a package install or a build beside it, 40% and more.
const DefaultMaxBackgroundCPU = 0.25

// maxSteal is the mean CPU steal that marks a run as measured on a busy
// machine: a tenth of all cores taken by a hypervisor for other guests.
const maxSteal = 0.10

// machineEvery is how often the MachineSampler reads the machine: the
// run queue is a count of this instant, so it is averaged over ten
// readings a second; the CPU times are counters, exact whatever the
// rate.
const machineEvery = 100 * time.Millisecond

// MachineSampler reads the machine's load during a run (see
// [reports.Load]): ten times a second, the CPU time of all cores and the
// runnable tasks from /proc/stat, and the CPU time of the run's own
// processes (this one and Pids). [ApplyMachine] writes it into a
// report's timeline. Where /proc cannot be read (not Linux) it measures
// nothing and says so once in Err.
type MachineSampler struct {
	start time.Time
	pids  []int

	mu      sync.Mutex
	secs    []machineSecond
	last    machineReading
	hasLast bool
	err     error
}

// machineSecond is what the readings of one second add up to.
type machineSecond struct {
	total, busy, steal, own time.Duration
	running, samples        int
}

// machineReading is one reading of the counters.
type machineReading struct {
	m    procstack.Machine
	own  time.Duration
	pids map[int]time.Duration
}

// NewMachineSampler returns a sampler whose seconds count from start (a
// report's Meta.Start) and whose own processes are this one and pids
// (the target's, when it runs on this machine).
func NewMachineSampler(start time.Time, pids []int) *MachineSampler {
	self := os.Getpid()
	var own []int // each once, and not this process: its CPU is counted already
	for _, p := range pids {
		if p != self && !slices.Contains(own, p) {
			own = append(own, p)
		}
	}
	return &MachineSampler{start: start, pids: own}
}

// Run reads the machine every 100 ms until ctx ends.
func (s *MachineSampler) Run(ctx context.Context) {
	s.read(time.Now())
	t := time.NewTicker(machineEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.read(time.Now())
			return
		case now := <-t.C:
			s.read(now)
		}
	}
}

// Err is why the machine could not be read, if it could not.
func (s *MachineSampler) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// read takes one reading and adds its differences from the last one to
// the second now falls in.
func (s *MachineSampler) read(now time.Time) {
	m, err := procstack.ReadMachine()
	if err != nil {
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
		return
	}
	cur := machineReading{m: m, own: cpuTime(), pids: make(map[int]time.Duration, len(s.pids))}
	for _, pid := range s.pids {
		if cpu, err := procstack.ReadCPU(pid); err == nil {
			cur.pids[pid] = cpu
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last, had := s.last, s.hasLast
	s.last, s.hasLast = cur, true
	if !had || now.Before(s.start) {
		return
	}
	sec := int(now.Sub(s.start) / time.Second)
	for len(s.secs) <= sec {
		s.secs = append(s.secs, machineSecond{})
	}
	d := &s.secs[sec]
	d.total += m.Total - last.m.Total
	d.busy += m.Busy - last.m.Busy
	d.steal += m.Steal - last.m.Steal
	d.own += cur.own - last.own
	for pid, c := range cur.pids {
		// A pid gone or new counts from its next reading; one whose
		// counter went back is another process by the same number.
		if p, ok := last.pids[pid]; ok && c >= p {
			d.own += c - p
		}
	}
	d.running += m.Running
	d.samples++
}

// apply writes the load of each second the sampler measured into rep's
// timeline, merged with what is there (the seconds seen by another
// process of the run; see [reports.Load.Merge]); the generator timer's
// lateness is the aggregator's. The seconds are aligned on the
// report's Meta.Start; those outside its timeline are left out.
func (s *MachineSampler) apply(rep *reports.Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	shift := 0 // the sampler's seconds before the report's first
	if !rep.Meta.Start.IsZero() {
		shift = int(rep.Meta.Start.Sub(s.start).Round(time.Second) / time.Second)
	}
	for i, d := range s.secs {
		sec := i - shift
		if sec < 0 {
			continue
		}
		if sec >= len(rep.Timeline) {
			break
		}
		if d.samples == 0 || d.total <= 0 {
			continue
		}
		total := float64(d.total)
		share := func(v time.Duration) float64 { return max(float64(v), 0) / total }
		rep.Timeline[sec].Load.Merge(reports.Load{
			Samples:  d.samples,
			Busy:     share(d.busy),
			Own:      share(d.own),
			Steal:    share(d.steal),
			RunQueue: float64(d.running) / float64(d.samples),
		})
	}
}

// LoadScope is the scope of the run's machine load (see
// reports.Meta.LoadScope): [reports.LoadScopeRun] when the portal and
// game server run in this process (embedded), their pids are given, or
// the target is an address of another machine, else
// [reports.LoadScopeGenerator].
func LoadScope(embedded bool, targetPIDs []int, target string) string {
	if embedded || len(targetPIDs) > 0 || !onThisMachine(target) {
		return reports.LoadScopeRun
	}
	return reports.LoadScopeGenerator
}

// onThisMachine reports whether a host:port may be on this machine: a
// loopback or unspecified address, an address of one of this machine's
// interfaces, or a name (not resolved: a name may point here).
func onThisMachine(target string) bool {
	host := target
	if h, _, err := net.SplitHostPort(target); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true // cannot tell: as if here
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// MarkBusy marks rep as measured on a busy machine (Meta.BusyReasons)
// when the other processes' mean CPU use was above lim.MaxBackgroundCPU
// or the CPU steal above a tenth of all cores. When the target's
// processes count as other processes (reports.LoadScopeGenerator), the
// background is not judged but noted: it is the target's own load as
// much as a neighbour's. Call it on the report of a whole run.
func MarkBusy(rep *reports.Report, lim Health) {
	sum := rep.Load()
	if sum.Seconds == 0 {
		return
	}
	limit := lim.MaxBackgroundCPU // Compile fills the default
	if sum.Other > limit {
		if rep.Meta.LoadScope == reports.LoadScopeGenerator {
			note := fmt.Sprintf("processes beside the generator, the target's among them, used %.0f%% of all cores on average: give the target's pids (-target-pids) to tell a busy machine from a busy target", 100*sum.Other)
			rep.Generator.Notes = append(rep.Generator.Notes, note)
		} else {
			rep.Meta.BusyReasons = append(rep.Meta.BusyReasons, fmt.Sprintf(
				"other processes used %.0f%% of all cores on average (at most %.0f%% in a second), above health.max_background_cpu %.0f%%",
				100*sum.Other, 100*sum.OtherMax, 100*limit))
		}
	}
	if sum.Steal > maxSteal {
		rep.Meta.BusyReasons = append(rep.Meta.BusyReasons, fmt.Sprintf(
			"CPU steal: a hypervisor gave %.0f%% of all cores to other guests on average (above %.0f%%)", 100*sum.Steal, 100*maxSteal))
	}
}

// ApplyMachine writes what s measured into rep, each second merged
// with what is there (the same second seen by another process of the
// run), with the load's scope, or a note of why the
// machine could not be read.
func ApplyMachine(rep *reports.Report, s *MachineSampler, scope string) {
	if err := s.Err(); err != nil {
		rep.Generator.Notes = append(rep.Generator.Notes, "machine load not measured: "+err.Error())
		return
	}
	s.apply(rep)
	rep.Meta.LoadScope = scope
}
