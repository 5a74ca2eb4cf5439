package dummyrunner

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// TestMonitorSteadyMemory: the memory sample kept is the last one with
// the most clients connected, the base one is taken before any, and
// Judge writes both and the CPU time into the report.
func TestMonitorSteadyMemory(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		counts := []int64{0, 5, 10, 10, 3}
		calls := 0
		var mon Monitor
		mon.Clients = func() int64 {
			n := counts[min(calls, len(counts)-1)]
			calls++
			return n
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); mon.Run(ctx) }()
		time.Sleep(time.Duration(len(counts))*time.Second + time.Second/2)
		synctest.Wait()
		cancel()
		<-done
		rep := reports.New(reports.Meta{Clients: 10})
		mon.Judge(rep, Health{MaxCPU: 1, MaxTimerLateness: time.Hour}, false)
		m := rep.Generator.Memory
		if m.Clients != 10 {
			t.Errorf("steady sample with %d clients, want 10", m.Clients)
		}
		if runtime.GOOS == "linux" && (m.RSS <= 0 || m.BaseRSS <= 0) {
			t.Errorf("RSS %d, base %d: want both above 0 on Linux", m.RSS, m.BaseRSS)
		}
		if m.Heap <= 0 || m.BaseHeap <= 0 || m.Stacks <= 0 {
			t.Errorf("heap %d, base heap %d, stacks %d: want all above 0", m.Heap, m.BaseHeap, m.Stacks)
		}
		if rep.Generator.CPUTime < 0 {
			t.Errorf("CPU time %v is negative", rep.Generator.CPUTime)
		}
	})
}

// TestMonitorWithoutClientsRecordsNoMemory: a Monitor that is not told
// the clients connected samples no memory, and the report has none.
func TestMonitorWithoutClientsRecordsNoMemory(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mon Monitor
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); mon.Run(ctx) }()
		time.Sleep(2500 * time.Millisecond)
		cancel()
		<-done
		rep := reports.New(reports.Meta{})
		mon.Judge(rep, Health{MaxCPU: 1, MaxTimerLateness: time.Hour}, false)
		if m := rep.Generator.Memory; m != (reports.GeneratorMemory{}) {
			t.Errorf("memory %+v, want none", m)
		}
	})
}

// TestMonitorBeginSamplesTheBaseOnce: the base memory is the one Begin
// took (before the runner dials anyone), not one Run takes later, when
// the clients may already hold memory.
func TestMonitorBeginSamplesTheBaseOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		mon := Monitor{Clients: func() int64 { return 0 }}
		mon.Begin()
		base := mon.mem
		held := make([]byte, 8<<20) // what clients would hold by the time Run starts
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); mon.Run(ctx) }()
		synctest.Wait()
		cancel()
		<-done
		runtime.KeepAlive(held)
		if mon.mem != base {
			t.Errorf("base after Run %+v, want Begin's %+v", mon.mem, base)
		}
	})
}

// TestJudgeNotesTheEmbeddedStackInTheCost: with the portal and game
// server in the generator's process, the report says that its memory
// per client and CPU per command include them; alone, it says nothing.
func TestJudgeNotesTheEmbeddedStackInTheCost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		shared   bool
		wantNote bool
	}{
		{"embedded", true, true},
		{"alone", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mon := Monitor{cpuStart: time.Second, cpuEnd: 2 * time.Second, mem: reports.GeneratorMemory{Clients: 10, RSS: 1 << 20}}
			rep := reports.New(reports.Meta{Clients: 10})
			mon.Judge(rep, Health{MaxCPU: 1, MaxTimerLateness: time.Hour}, tc.shared)
			got := slices.ContainsFunc(rep.Generator.Notes, func(n string) bool { return strings.Contains(n, "include the embedded portal") })
			if got != tc.wantNote {
				t.Errorf("notes %q: embedded note %v, want %v", rep.Generator.Notes, got, tc.wantNote)
			}
		})
	}
}
