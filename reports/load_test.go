package reports

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadMergeAndSummary(t *testing.T) {
	t.Parallel()
	a := Load{Samples: 10, Busy: 0.6, Own: 0.2, Steal: 0.01, RunQueue: 2, TimerLate: time.Millisecond}
	a.Merge(Load{Samples: 9, Busy: 0.5, Own: 0.1, Steal: 0.02, RunQueue: 3, TimerLate: 5 * time.Millisecond})
	want := Load{Samples: 10, Busy: 0.6, Own: 0.30000000000000004, Steal: 0.02, RunQueue: 3, TimerLate: 5 * time.Millisecond}
	if a != want {
		t.Errorf("merged %+v, want %+v", a, want)
	}
	if got := (Load{Busy: 0.1, Own: 0.3}).Other(); got != 0 {
		t.Errorf("Other of a second whose own exceeds the busy ticks = %v, want 0", got)
	}
	tl := []Interval{
		{Load: Load{Samples: 10, Busy: 0.5, Own: 0.2, RunQueue: 2}},
		{Load: Load{TimerLate: 9 * time.Millisecond}}, // not measured, but late
		{Load: Load{Samples: 10, Busy: 0.3, Own: 0.2, Steal: 0.1, RunQueue: 4}},
	}
	s := SummarizeLoad(tl)
	if s.Seconds != 2 || math.Abs(s.Other-0.2) > 1e-9 || math.Abs(s.OtherMax-0.3) > 1e-9 || math.Abs(s.Own-0.2) > 1e-9 ||
		math.Abs(s.Steal-0.05) > 1e-9 || s.RunQueue != 3 || s.TimerLate != 9*time.Millisecond {
		t.Errorf("summary %+v", s)
	}
	if s := SummarizeLoad(nil); s != (LoadSummary{}) {
		t.Errorf("summary of nothing %+v", s)
	}
}

// A report with a machine load that is not a share of the cores is
// refused on reading, as any inconsistent figure is.
func TestReadRefusesBadLoad(t *testing.T) {
	t.Parallel()
	for _, l := range []Load{{Samples: -1}, {Samples: 1, Busy: -0.5}, {Samples: 1, RunQueue: math.Inf(1)}, {TimerLate: -1}} {
		r := New(Meta{Scenario: "s"})
		r.IntervalAt(0).Load = l
		if err := r.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "machine load") {
			t.Errorf("%+v: Validate = %v, want a machine load error", l, err)
		}
	}
}

// Merging and pooling keep the machine's marks: busy reasons of both,
// the narrower scope.
func TestMergeAndPoolKeepTheMachine(t *testing.T) {
	t.Parallel()
	mk := func(shard int, scope string, busy ...string) *Report {
		r := New(Meta{Scenario: "s", Valid: true, LoadScope: scope, BusyReasons: busy, RunID: "r", Shards: []ShardID{{Index: shard, Count: 2}}})
		for sec := range 3 {
			r.IntervalAt(sec).Load = Load{Samples: 10, Busy: 0.5, Own: 0.1}
		}
		return r
	}
	m, err := MergeAll(mk(0, LoadScopeRun, "a"), mk(1, LoadScopeGenerator, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.LoadScope != LoadScopeGenerator || strings.Join(m.Meta.BusyReasons, ",") != "a,b" {
		t.Errorf("merged scope %q, busy %q", m.Meta.LoadScope, m.Meta.BusyReasons)
	}
	if l := m.Timeline[1].Load; math.Abs(l.Own-0.2) > 1e-9 || l.Busy != 0.5 {
		t.Errorf("merged second %+v: want the machine's busy share once and both processes' own", l)
	}
	p, err := Pool([]*Report{mk(0, LoadScopeRun), mk(0, LoadScopeRun, "c")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Meta.LoadScope != LoadScopeRun || strings.Join(p.Meta.BusyReasons, ",") != "c" || len(p.Timeline) != 6 || p.Timeline[4].Load.Own != 0.1 {
		t.Errorf("pooled scope %q, busy %q, %d seconds, second 4 %+v", p.Meta.LoadScope, p.Meta.BusyReasons, len(p.Timeline), p.Timeline[4].Load)
	}
}

// Pool numbers each second's run, in order; Validate refuses a timeline
// whose runs go back, or are negative.
func TestPoolNumbersTheRuns(t *testing.T) {
	t.Parallel()
	mk := func() *Report {
		r := New(Meta{Scenario: "s", Valid: true})
		for sec := range 4 {
			r.IntervalAt(sec).Answered = 1
		}
		return r
	}
	p, err := Pool([]*Report{mk(), mk(), mk()}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var runs []int
	for _, iv := range p.Timeline {
		runs = append(runs, iv.Run)
	}
	if want := []int{0, 0, 1, 1, 2, 2}; !slices.Equal(runs, want) {
		t.Errorf("pooled runs %v, want %v", runs, want)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate of the pooled report: %v", err)
	}
	for _, bad := range [][]int{{0, 1, 0}, {-1, 0, 0}} {
		r := mk()
		for i, run := range bad {
			r.Timeline[i].Run = run
		}
		if err := r.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "pooled runs") {
			t.Errorf("Validate with runs %v: %v, want an invalid report", bad, err)
		}
	}
}

// Parts of a run measured on different machines merge into a load the
// comparison does not judge.
func TestMergeAcrossMachines(t *testing.T) {
	t.Parallel()
	mk := func(host string, shard int) *Report {
		r := New(Meta{Scenario: "s", LoadScope: LoadScopeRun, Machine: Machine{Hostname: host}, RunID: "r", Shards: []ShardID{{Index: shard, Count: 2}}})
		r.IntervalAt(0).Load = Load{Samples: 10, Busy: 0.5, Own: 0.4}
		return r
	}
	m, err := MergeAll(mk("a", 0), mk("b", 1))
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.LoadScope != LoadScopeMachines {
		t.Errorf("scope %q, want %q", m.Meta.LoadScope, LoadScopeMachines)
	}
	if m, _ := MergeAll(mk("a", 0), mk("a", 1)); m.Meta.LoadScope != LoadScopeRun {
		t.Errorf("one machine's parts: scope %q, want %q", m.Meta.LoadScope, LoadScopeRun)
	}
}
