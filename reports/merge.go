package reports

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Merge adds o, a report of another part (process or shard) of the same
// run, to r, exactly: counters and gauges are summed, maps and histograms
// merged, and timelines merged second by second after aligning them on
// Meta.Start (o's seconds are shifted by o's start minus r's start,
// rounded to whole seconds). A second's machine load merges as the same
// second on the same machine seen by two processes (see Load): parts run
// on different machines merge their loads only roughly.
//
// Meta becomes the union: the earliest Start, a Duration covering both
// runs, Valid only if both are, the invalid reasons and the busy reasons
// of both (without duplicates), the narrower load scope
// (LoadScopeMachines for parts of different host names), Clients and Procs summed, the shard labels joined with
// ","; other fields keep r's value unless it is empty. The generator's
// CPUMax and FDMax take the maximum, CPUMean the mean weighted by Procs,
// FDLimit the smallest non-zero limit, CPUTime and every Memory figure
// the sum. The records of a fault both saw
// (the same Index) are summed, with the earliest start and latest end.
// Threshold results are dropped: Check the merged report again.
//
// Interrupted is set when either report is. The shard identity: when
// both reports have one (a RunID), the merge covers the union of their
// Shards, and reports that overlap give ErrDuplicate: a shard in both,
// shards of different counts, or a whole run (no Shards) with anything;
// when either lacks one (a report older than version 3), nothing is
// checked and the merge has no identity either (see HasIdentity).
//
// A nil o is ignored. Reports of different scenarios or seeds give
// ErrMismatch, of different versions ErrVersion, overlapping ones
// ErrDuplicate; r is then unchanged.
func (r *Report) Merge(o *Report) error {
	if o == nil {
		return nil
	}
	if rv, ov := orVersion(r.Version), orVersion(o.Version); rv != ov {
		return fmt.Errorf("%w: merging version %d into %d", ErrVersion, ov, rv)
	}
	if r.Meta.Scenario != o.Meta.Scenario {
		return fmt.Errorf("%w: scenario %q and %q", ErrMismatch, r.Meta.Scenario, o.Meta.Scenario)
	}
	if r.Meta.Seed != o.Meta.Seed {
		return fmt.Errorf("%w: seed %d and %d", ErrMismatch, r.Meta.Seed, o.Meta.Seed)
	}
	if err := checkShards(&r.Meta, &o.Meta); err != nil {
		return err
	}
	if o == r {
		o = o.Clone()
	}
	r.normalize()

	shiftR, shiftO := 0, 0
	if !r.Meta.Start.IsZero() && !o.Meta.Start.IsZero() {
		d := int(o.Meta.Start.Sub(r.Meta.Start).Round(time.Second) / time.Second)
		if d > 0 {
			shiftO = d
		} else {
			shiftR = -d
		}
	}
	r.Timeline = mergeTimelines(r.Timeline, shiftR, o.Timeline, shiftO)

	procsR, procsO := max(r.Meta.Procs, 1), max(o.Meta.Procs, 1)
	r.Meta.merge(&o.Meta)

	r.Clients.Planned += o.Clients.Planned
	r.Clients.Started += o.Clients.Started
	r.Clients.LoggedIn += o.Clients.LoggedIn
	r.Clients.Finished += o.Clients.Finished
	addCounts(r.Clients.Lost, o.Clients.Lost)
	if len(o.Clients.LostDetails) > 0 {
		if r.Clients.LostDetails == nil {
			r.Clients.LostDetails = map[string]int64{}
		}
		addCounts(r.Clients.LostDetails, o.Clients.LostDetails)
	}

	for name, a := range o.Actions {
		if a != nil {
			r.Action(name).merge(a)
		}
	}
	for name, p := range o.Phases {
		if p != nil {
			r.Phase(name).merge(p)
		}
	}
	for name, t := range o.Transports {
		if t != nil {
			r.Transport(name).merge(t)
		}
	}
	r.Lag.In.Merge(o.Lag.In)
	r.Lag.Out.Merge(o.Lag.Out)
	r.Lag.Total.Merge(o.Lag.Total)

	g, og := &r.Generator, &o.Generator
	g.TimerLateness.Merge(og.TimerLateness)
	g.SendSlip.Merge(og.SendSlip)
	g.CPUMean = (g.CPUMean*float64(procsR) + og.CPUMean*float64(procsO)) / float64(procsR+procsO)
	g.CPUMax = max(g.CPUMax, og.CPUMax)
	g.FDMax = max(g.FDMax, og.FDMax)
	if og.FDLimit > 0 && (g.FDLimit == 0 || og.FDLimit < g.FDLimit) {
		g.FDLimit = og.FDLimit
	}
	g.CPUTime += og.CPUTime
	g.Memory.add(og.Memory)
	g.Notes = appendUnique(g.Notes, og.Notes...)
	r.Faults = mergeFaults(r.Faults, o.Faults)

	r.Thresholds = nil
	return nil
}

// MergeAll returns a new report merging all of rs (see Merge); the
// reports are not modified. Nil reports are skipped; with none left it
// returns ErrNoReports.
func MergeAll(rs ...*Report) (*Report, error) {
	var out *Report
	for i, r := range rs {
		if r == nil {
			continue
		}
		if out == nil {
			out = r.Clone()
			continue
		}
		if err := out.Merge(r); err != nil {
			return nil, fmt.Errorf("report %d: %w", i, err)
		}
	}
	if out == nil {
		return nil, ErrNoReports
	}
	return out, nil
}

// merge makes m the union of m and o (see Report.Merge).
func (m *Meta) merge(o *Meta) {
	end := func(x *Meta) time.Time { return x.Start.Add(x.Duration) }
	switch {
	case m.Start.IsZero():
		m.Start = o.Start
		m.Duration = max(m.Duration, o.Duration)
	case o.Start.IsZero():
		m.Duration = max(m.Duration, o.Duration)
	default:
		last := end(m)
		if e := end(o); e.After(last) {
			last = e
		}
		if o.Start.Before(m.Start) {
			m.Start = o.Start
		}
		m.Duration = last.Sub(m.Start)
	}
	m.Valid = m.Valid && o.Valid
	m.Interrupted = m.Interrupted || o.Interrupted
	if m.RunID == "" || o.RunID == "" {
		m.RunID, m.Shards = "", nil
	} else {
		m.Shards = append(m.Shards, o.Shards...)
		slices.SortFunc(m.Shards, compareShards)
	}
	m.InvalidReasons = appendUnique(m.InvalidReasons, o.InvalidReasons...)
	m.BusyReasons = appendUnique(m.BusyReasons, o.BusyReasons...)
	m.LoadScope = mergeLoadScope(m.LoadScope, o.LoadScope)
	if m.Machine.Hostname != "" && o.Machine.Hostname != "" && m.Machine.Hostname != o.Machine.Hostname && m.LoadScope != "" {
		m.LoadScope = LoadScopeMachines
	}
	m.Clients += o.Clients
	m.Procs = max(m.Procs, 1) + max(o.Procs, 1)
	var shards []string
	for _, s := range []string{m.Shard, o.Shard} {
		if s != "" {
			shards = append(shards, s)
		}
	}
	m.Shard = strings.Join(shards, ",")
	for _, f := range []struct{ dst, src *string }{
		{&m.Description, &o.Description},
		{&m.Version, &o.Version},
		{&m.Commit, &o.Commit},
		{&m.Target, &o.Target},
		{&m.Protocol, &o.Protocol},
		{&m.Model, &o.Model},
	} {
		if *f.dst == "" {
			*f.dst = *f.src
		}
	}
	if m.Machine == (Machine{}) {
		m.Machine = o.Machine
	}
}

// mergeLoadScope is the scope of the machine load of two parts of a run:
// the narrower of the two (LoadScopeMachines, then LoadScopeGenerator),
// else the one that is set.
func mergeLoadScope(a, b string) string {
	for _, narrow := range []string{LoadScopeMachines, LoadScopeGenerator} {
		if a == narrow || b == narrow {
			return narrow
		}
	}
	if a == "" {
		return b
	}
	return a
}

// ShardID is one shard of a run: Index of Count (0 <= Index < Count),
// as "portalsim run -shard Index/Count" or one process of "-procs Count"
// runs it.
type ShardID struct {
	// Index is the shard's index, from 0.
	Index int `json:"index"`
	// Count is the number of shards the run was split into.
	Count int `json:"count"`
}

// String returns the shard as "Index/Count".
func (s ShardID) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

func compareShards(a, b ShardID) int {
	if a.Count != b.Count {
		return a.Count - b.Count
	}
	return a.Index - b.Index
}

// HasIdentity reports whether the report says which run and shards it
// covers (reports before layout version 3 do not), so that Merge can
// refuse overlapping reports.
func (m *Meta) HasIdentity() bool { return m.RunID != "" }

// describe names the part of a run m covers, for errors.
func (m *Meta) describe() string {
	if len(m.Shards) == 0 {
		return "the whole run " + m.RunID
	}
	parts := make([]string, len(m.Shards))
	for i, s := range m.Shards {
		parts[i] = s.String()
	}
	return "shard " + strings.Join(parts, ",") + " of run " + m.RunID
}

// checkShards returns ErrDuplicate when m and o, both with an identity,
// cover a part of a run twice.
func checkShards(m, o *Meta) error {
	if !m.HasIdentity() || !o.HasIdentity() {
		return nil
	}
	if len(m.Shards) == 0 || len(o.Shards) == 0 {
		what := "a whole run can only be merged with nothing"
		if len(m.Shards) == 0 && len(o.Shards) == 0 {
			what = "two whole runs are two runs, not the parts of one: merge the shards of one run (portalsim run -shard i/n)"
		}
		return fmt.Errorf("%w: %s and %s: %s", ErrDuplicate, m.describe(), o.describe(), what)
	}
	for _, a := range m.Shards {
		for _, b := range o.Shards {
			switch {
			case a.Count != b.Count:
				return fmt.Errorf("%w: shard %s and shard %s are of runs split differently", ErrDuplicate, a, b)
			case a.Index == b.Index:
				same := ""
				if m.RunID == o.RunID {
					same = " (the same run " + m.RunID + ": the same report twice?)"
				}
				return fmt.Errorf("%w: shard %s is in both reports%s", ErrDuplicate, a, same)
			}
		}
	}
	return nil
}

// mergeTimelines returns the timeline holding a shifted by shiftA seconds
// and b shifted by shiftB seconds, summed second by second and contiguous
// from 0. The intervals of a are reused; those of b are copied.
func mergeTimelines(a []Interval, shiftA int, b []Interval, shiftB int) []Interval {
	n := max(len(a)+shiftA, len(b)+shiftB)
	if shiftA > 0 || len(a) < n {
		out := make([]Interval, n)
		for i := range out {
			out[i].Second = i
		}
		for i, iv := range a {
			iv.Second = i + shiftA
			out[i+shiftA] = iv
		}
		a = out
	}
	for i := range a {
		if a[i].Latency == nil {
			a[i].Latency = NewHistogram()
		}
	}
	for i := range b {
		a[i+shiftB].add(&b[i])
	}
	return a
}

// orVersion returns v, or Version for an unset v.
func orVersion(v int) int {
	if v == 0 {
		return Version
	}
	return v
}

// appendUnique appends the elements of add that dst lacks, in order.
func appendUnique(dst []string, add ...string) []string {
	for _, s := range add {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}
