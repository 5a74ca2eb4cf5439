package dummyrunner

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
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
	// Clients, if set, says how many clients are connected now (from
	// Run's goroutine): the memory sample with the most of them is the
	// report's steady state (reports.GeneratorMemory). Nil: memory is
	// not sampled.
	Clients func() int64

	mu       sync.Mutex
	begun    bool                    // Begin ran
	mem      reports.GeneratorMemory // the base and the steady-state sample
	cpuStart time.Duration
	cpuEnd   time.Duration
	samples  int
	cpuSum   float64
	cpuMax   float64
	fdMax    int
	fdLimit  int
	lastCPU  time.Duration
	lastWall time.Time
}

// Begin takes the samples the run is measured from: the CPU time so far
// and, when Clients is set, the memory before any client (the base of
// [reports.GeneratorMemory]). Call it before the first client dials, so
// that none is counted in the base; Run calls it if it was not called.
// Only the first call samples.
func (h *Monitor) Begin() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.begun {
		return
	}
	h.begun = true
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		h.fdLimit = int(lim.Cur)
	}
	if h.Clients != nil {
		runtime.GC() // the live heap is as of the last collection: make it now's
		h.mem.BaseRSS, h.mem.BaseHeap, h.mem.BaseStacks = sampleMemory()
	}
	h.lastCPU, h.lastWall = cpuTime(), time.Now()
	h.cpuStart = h.lastCPU
}

// Run samples until ctx ends (after [Monitor.Begin], which it calls if
// it was not called).
func (h *Monitor) Run(ctx context.Context) {
	h.Begin()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			h.mu.Lock()
			h.cpuEnd = cpuTime()
			h.mu.Unlock()
			return
		case now := <-t.C:
			h.sampleSteady()
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

// sampleSteady samples the memory when at least as many clients are
// connected as at the last sample kept: the steady state is the last
// sample with the most clients.
func (h *Monitor) sampleSteady() {
	if h.Clients == nil {
		return
	}
	n := h.Clients()
	h.mu.Lock()
	best := h.mem.Clients
	h.mu.Unlock()
	if n <= 0 || n < best {
		return
	}
	rss, heap, stacks := sampleMemory()
	h.mu.Lock()
	h.mem.Clients, h.mem.RSS, h.mem.Heap, h.mem.Stacks = n, rss, heap, stacks
	h.mu.Unlock()
}

// memoryMetrics are the runtime/metrics sampleMemory reads: the live
// heap as of the last collection, and the goroutine stacks.
var memoryMetrics = []string{"/gc/heap/live:bytes", "/memory/classes/heap/stacks:bytes"}

// sampleMemory reads the process's resident set, live Go heap and
// goroutine stacks, in bytes (0 for what cannot be read).
func sampleMemory() (rss, heap, stacks int64) {
	samples := make([]metrics.Sample, len(memoryMetrics))
	for i, name := range memoryMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	get := func(s metrics.Sample) int64 {
		if s.Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(s.Value.Uint64())
	}
	return residentSet(), get(samples[0]), get(samples[1])
}

// residentSet is the process's resident set size in bytes, from
// /proc/self/statm (its second field, in pages); 0 where there is none.
func residentSet() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
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
	if h.cpuEnd > h.cpuStart {
		g.CPUTime = h.cpuEnd - h.cpuStart
	}
	if h.mem.Clients > 0 {
		g.Memory = h.mem
	}
	if g.CPUMean > lim.MaxCPU && shared {
		g.Notes = append(g.Notes, fmt.Sprintf("mean CPU %.0f%% includes the embedded portal and game server", 100*g.CPUMean))
	}
	if shared && (g.CPUTime > 0 || g.Memory.Clients > 0) {
		g.Notes = append(g.Notes, "memory per client and CPU per command include the embedded portal and game server (-target measures the generator alone)")
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
