package dummyrunner

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Monitor samples the generator process once a second: CPU use (as a
// fraction of all cores) and open file descriptors against the limit.
// Together with the timer-lateness probe, it decides whether the run's
// numbers describe the server or the generator.
type Monitor struct {
	// OnSample, if set, is called with each sample (from Run's
	// goroutine), for an [Observer].
	OnSample func(HealthSample)

	mu       sync.Mutex
	samples  int
	cpuSum   float64
	cpuMax   float64
	fdMax    int
	fdLimit  int
	lastCPU  time.Duration
	lastWall time.Time
}

// Run samples until ctx ends.
func (h *Monitor) Run(ctx context.Context) {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		h.mu.Lock()
		h.fdLimit = int(lim.Cur)
		h.mu.Unlock()
	}
	h.lastCPU, h.lastWall = cpuTime(), time.Now()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			cpu := cpuTime()
			frac := float64(cpu-h.lastCPU) / float64(now.Sub(h.lastWall)) / float64(runtime.NumCPU())
			h.lastCPU, h.lastWall = cpu, now
			fds := openFDs()
			h.mu.Lock()
			h.samples++
			h.cpuSum += frac
			h.cpuMax = max(h.cpuMax, frac)
			h.fdMax = max(h.fdMax, fds)
			limit := h.fdLimit
			h.mu.Unlock()
			if h.OnSample != nil {
				h.OnSample(HealthSample{CPU: frac, FDs: fds, FDLimit: limit})
			}
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(entries)
}

// Judge (after Run has returned) writes the samples into the report and marks the run invalid when
// the generator was its own bottleneck: timers late beyond the limit,
// CPU saturated, or file descriptors exhausted. shared says the game
// server ran in the same process, so its CPU use counts too.
func (h *Monitor) Judge(rep *reports.Report, lim Health, shared bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	g := &rep.Generator
	if h.samples > 0 {
		g.CPUMean = h.cpuSum / float64(h.samples)
	}
	g.CPUMax, g.FDMax, g.FDLimit = h.cpuMax, h.fdMax, h.fdLimit
	if g.CPUMean > lim.MaxCPU && shared {
		g.Notes = append(g.Notes, fmt.Sprintf("mean CPU %.0f%% includes the embedded portal and game server", 100*g.CPUMean))
	}
	if reasons := GeneratorProblems(g, lim); len(reasons) > 0 {
		rep.Meta.Valid = false
		rep.Meta.InvalidReasons = append(rep.Meta.InvalidReasons, reasons...)
	}
	if n := rep.Clients.Lost["dial"]; n > 0 {
		g.Notes = append(g.Notes, fmt.Sprintf("%d connection attempts failed", n))
	}
}

// GeneratorProblems says why the generator was its own bottleneck in a
// run, as Judge found it (g is a report's Generator, lim the scenario's
// health limits): timers late beyond the limit, CPU saturated, or file
// descriptors exhausted. None means the generator was healthy, so the
// run's numbers describe the server; a run can still be invalid for
// measuring nothing (see [RequireMeasurements]).
func GeneratorProblems(g *reports.Generator, lim Health) []string {
	var reasons []string
	if p99 := g.TimerLateness.Quantile(0.99); g.TimerLateness.Count() > 0 && p99 > lim.MaxTimerLateness {
		reasons = append(reasons, fmt.Sprintf("generator timers were late: p99 %v > %v", p99, lim.MaxTimerLateness))
	}
	if g.CPUMean > lim.MaxCPU {
		reasons = append(reasons, fmt.Sprintf("generator CPU saturated: mean %.0f%% of all cores > %.0f%%", 100*g.CPUMean, 100*lim.MaxCPU))
	}
	if g.FDLimit > 0 && g.FDMax >= g.FDLimit-16 {
		reasons = append(reasons, fmt.Sprintf("file descriptors exhausted: %d of %d (use --procs, or run the portal in another process)", g.FDMax, g.FDLimit))
	}
	return reasons
}
