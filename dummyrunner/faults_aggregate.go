package dummyrunner

import (
	"cmp"
	"slices"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// faultTrack is a fault the aggregator has seen begin, and what it caught.
type faultTrack struct {
	rec        reports.Fault
	start, end time.Time // end is zero while the fault is in place
}

// faultBegan starts watching a fault. a.mu is held.
func (a *Aggregator) faultBegan(r Result) {
	ft := &faultTrack{rec: *r.Fault, start: r.At}
	ft.rec.Start = r.At.Sub(a.start)
	ft.rec.LateAfter = LateAfter
	ft.rec.Crowd = nil
	a.faults = append(a.faults, ft)
}

// faultEnded records a fault lifted, with what it acted on. a.mu is held.
func (a *Aggregator) faultEnded(r Result) {
	for _, ft := range a.faults {
		if ft.rec.Index == r.Fault.Index && ft.end.IsZero() {
			ft.end = r.At
			ft.rec.End = r.At.Sub(a.start)
			ft.rec.Affected, ft.rec.Error, ft.rec.Crowd = r.Fault.Affected, r.Fault.Error, r.Fault.Crowd
			return
		}
	}
}

// faultCaught counts a finished command against every fault it was in
// flight during: sent before the fault was lifted, finished after it
// began. a.mu is held.
func (a *Aggregator) faultCaught(r Result) {
	sent := r.At.Add(-r.Latency)
	for _, ft := range a.faults {
		if r.At.Before(ft.start) || (!ft.end.IsZero() && sent.After(ft.end)) {
			continue
		}
		ft.rec.Caught++
		switch {
		case r.Reason != "":
			ft.rec.Lost++
		default:
			if r.Latency > LateAfter {
				ft.rec.Late++
			}
			ft.rec.Settled = max(ft.rec.Settled, r.At.Sub(a.start))
		}
	}
}

// faultRecords returns the faults' records, in the scenario's order; a
// fault still in place ends at end. a.mu is held.
func (a *Aggregator) faultRecords(end time.Time) []reports.Fault {
	if len(a.faults) == 0 {
		return nil
	}
	out := make([]reports.Fault, 0, len(a.faults))
	for _, ft := range a.faults {
		rec := ft.rec
		if ft.end.IsZero() {
			rec.End = end.Sub(a.start)
			rec.Error = cmp.Or(rec.Error, "still in place at the end of the run")
		}
		out = append(out, rec)
	}
	slices.SortStableFunc(out, func(x, y reports.Fault) int { return cmp.Compare(x.Index, y.Index) })
	return out
}
