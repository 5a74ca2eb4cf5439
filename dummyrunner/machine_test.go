package dummyrunner

import (
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// A sampler's seconds land in the report's by wall-clock time, merged
// with what another process of the run measured.
func TestMachineSamplerApply(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	s := NewMachineSampler(start, nil)
	sec := time.Second
	s.secs = []machineSecond{
		{total: 2 * sec, busy: sec, own: sec / 2, steal: sec / 10, running: 30, samples: 10},
		{}, // not measured
		{total: 2 * sec, busy: sec / 2, own: sec / 2, running: 10, samples: 10},
		{total: 2 * sec, busy: sec, samples: 10}, // past the report's timeline
	}
	// The report starts a second after the sampler: its second 0 is the
	// sampler's second 1.
	rep := reports.New(reports.Meta{Start: start.Add(sec)})
	rep.IntervalAt(1).Load = reports.Load{Samples: 9, Busy: 0.3, Own: 0.1, RunQueue: 4} // another process's view
	s.apply(rep)
	if got := rep.Timeline[0].Load; got.Measured() {
		t.Errorf("second 0 = %+v, want unmeasured (the sampler's second 1 was)", got)
	}
	want := reports.Load{Samples: 10, Busy: 0.3, Own: 0.35, RunQueue: 4}
	if got := rep.Timeline[1].Load; got != want {
		t.Errorf("second 1 = %+v, want %+v (busy and run queue the larger, own the sum)", got, want)
	}
	if len(rep.Timeline) != 2 {
		t.Errorf("the timeline grew to %d seconds", len(rep.Timeline))
	}

	rep = reports.New(reports.Meta{Start: start})
	rep.IntervalAt(0)
	s.apply(rep)
	want = reports.Load{Samples: 10, Busy: 0.5, Own: 0.25, Steal: 0.05, RunQueue: 3}
	if got := rep.Timeline[0].Load; got != want {
		t.Errorf("aligned second 0 = %+v, want %+v", got, want)
	}
}

// On Linux a sampler's readings measure the seconds they fall in: this
// process's CPU within the machine's, the run queue with this test on it.
func TestMachineSamplerReads(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the machine is read from /proc on Linux only")
	}
	start := time.Now()
	s := NewMachineSampler(start, nil)
	for i := range 4 {
		s.read(start.Add(time.Duration(i) * machineEvery))
		// Some CPU between the readings, past the kernel's 10 ms tick.
		for t0 := time.Now(); time.Since(t0) < 30*time.Millisecond; {
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	rep := reports.New(reports.Meta{Start: start})
	rep.IntervalAt(0)
	s.apply(rep)
	l := rep.Timeline[0].Load
	if l.Samples != 3 || l.RunQueue < 1 || l.Busy <= 0 || l.Busy > 1.5 || l.Own <= 0 || l.Own > l.Busy+0.2 {
		t.Errorf("second 0 = %+v: want 3 readings after the first, a run queue of 1 at least (this test), this process's CPU within the machine's", l)
	}
}

// The target's pids are counted once each, and never this process's,
// whose CPU the sampler counts already.
func TestMachineSamplerPids(t *testing.T) {
	t.Parallel()
	s := NewMachineSampler(time.Now(), []int{7, os.Getpid(), 7, 9})
	if want := []int{7, 9}; !slices.Equal(s.pids, want) {
		t.Errorf("pids %v, want %v", s.pids, want)
	}
}

func TestLoadScope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		embedded bool
		pids     []int
		target   string
		want     string
	}{
		{true, nil, "127.0.0.1:4000", reports.LoadScopeRun},
		{false, []int{42}, "127.0.0.1:4000", reports.LoadScopeRun},
		{false, nil, "127.0.0.1:4000", reports.LoadScopeGenerator},
		{false, nil, "localhost:4000", reports.LoadScopeGenerator},
		{false, nil, "[::1]:4000", reports.LoadScopeGenerator},
		{false, nil, "mud.example.org:4000", reports.LoadScopeGenerator}, // a name it cannot tell
		{false, nil, "203.0.113.7:4000", reports.LoadScopeRun},           // another machine
	} {
		if got := LoadScope(tc.embedded, tc.pids, tc.target); got != tc.want {
			t.Errorf("LoadScope(%v, %v, %q) = %q, want %q", tc.embedded, tc.pids, tc.target, got, tc.want)
		}
	}
}

// busyReport is a report of 10 seconds with the given background load
// and steal in each, of the given scope.
func busyReport(other, steal float64, scope string) *reports.Report {
	rep := reports.New(reports.Meta{LoadScope: scope})
	for sec := range 10 {
		rep.IntervalAt(sec).Load = reports.Load{Samples: 10, Own: 0.2, Busy: 0.2 + other, Steal: steal, RunQueue: 2}
	}
	return rep
}

func TestMarkBusy(t *testing.T) {
	t.Parallel()
	lim := Health{MaxBackgroundCPU: DefaultMaxBackgroundCPU}
	quiet := busyReport(0.05, 0, reports.LoadScopeRun)
	MarkBusy(quiet, lim)
	if len(quiet.Meta.BusyReasons) != 0 || len(quiet.Generator.Notes) != 0 {
		t.Errorf("a quiet run marked busy: %v %v", quiet.Meta.BusyReasons, quiet.Generator.Notes)
	}
	busy := busyReport(0.4, 0, reports.LoadScopeRun)
	MarkBusy(busy, lim)
	if len(busy.Meta.BusyReasons) != 1 || !strings.Contains(busy.Meta.BusyReasons[0], "other processes used 40% of all cores") {
		t.Errorf("busy reasons %q, want other processes at 40%%", busy.Meta.BusyReasons)
	}
	steal := busyReport(0, 0.2, reports.LoadScopeRun)
	MarkBusy(steal, lim)
	if len(steal.Meta.BusyReasons) != 1 || !strings.Contains(steal.Meta.BusyReasons[0], "CPU steal") {
		t.Errorf("busy reasons %q, want the CPU steal", steal.Meta.BusyReasons)
	}
	target := busyReport(0.4, 0, reports.LoadScopeGenerator)
	MarkBusy(target, lim)
	if len(target.Meta.BusyReasons) != 0 || len(target.Generator.Notes) != 1 || !strings.Contains(target.Generator.Notes[0], "-target-pids") {
		t.Errorf("target's load: reasons %q, notes %q; want a note naming -target-pids, no mark", target.Meta.BusyReasons, target.Generator.Notes)
	}
	unmeasured := reports.New(reports.Meta{})
	unmeasured.IntervalAt(3)
	MarkBusy(unmeasured, lim)
	if len(unmeasured.Meta.BusyReasons)+len(unmeasured.Generator.Notes) != 0 {
		t.Error("a run without machine figures was judged")
	}
}
