package reports

import (
	"fmt"
	"time"
)

// Pool joins repeated runs of one scenario into a single report to compare
// (see package compare): the timelines are trimmed of trim seconds at each end
// (warm-up and cool-down; a negative trim means 10% of each run, at least
// one second) and laid end to end, and the totals are merged. Pool a
// side's runs with the same trim, then compare.Compare with Trim -1. Pooling
// interleaved runs (base, head, base, head) keeps slow drifts of the
// machine from looking like a change. Each second keeps the index of its
// run (Interval.Run), so that a comparison can take the runs as the unit
// of its test. The pooled report is for comparing, not for reading: its
// seconds no longer match wall-clock time.
func Pool(rs []*Report, trim int) (*Report, error) {
	if len(rs) == 0 {
		return nil, ErrNoReports
	}
	first := rs[0]
	out := New(first.Meta)
	out.Meta.Duration = 0
	for i, r := range rs {
		if r.Meta.Scenario != first.Meta.Scenario || r.Meta.Model != first.Meta.Model {
			return nil, fmt.Errorf("pool run %d: scenario %q (%s), want %q (%s): %w", i+1, r.Meta.Scenario, r.Meta.Model, first.Meta.Scenario, first.Meta.Model, ErrMismatch)
		}
		out.Meta.Interrupted = out.Meta.Interrupted || r.Meta.Interrupted
		out.Meta.BusyReasons = appendUnique(out.Meta.BusyReasons, r.Meta.BusyReasons...)
		out.Meta.LoadScope = mergeLoadScope(out.Meta.LoadScope, r.Meta.LoadScope)
		if !r.Meta.Valid {
			out.Meta.Valid = false
			out.Meta.InvalidReasons = appendUnique(out.Meta.InvalidReasons, r.Meta.InvalidReasons...)
		}
		t := trim
		if t < 0 {
			t = max(len(r.Timeline)/10, 1)
		}
		for j := t; j < len(r.Timeline)-t; j++ {
			iv := r.Timeline[j]
			dst := out.IntervalAt(len(out.Timeline))
			iv.Second = dst.Second
			dst.add(&iv)
			dst.Run = i
			out.Meta.Duration += time.Second
		}
		totals := r.Clone()
		totals.Timeline = nil
		for name, a := range totals.Actions {
			out.Action(name).merge(a)
		}
		for name, p := range totals.Phases {
			out.Phase(name).merge(p)
		}
		out.Clients.Started += r.Clients.Started
		out.Clients.Finished += r.Clients.Finished
		out.Clients.LoggedIn += r.Clients.LoggedIn
		for k, v := range r.Clients.Lost {
			out.Clients.Lost[k] += v
		}
	}
	return out, nil
}
