package reports

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// recordEvent records the i-th synthetic event of a run into r.
func recordEvent(t *testing.T, r *Report, i int, d time.Duration) {
	t.Helper()
	actions := []string{"look", "login", "measure_lag"}
	a := r.Action(actions[i%len(actions)])
	a.Sent++
	if i%17 == 0 {
		a.Failed[[]string{"timeout", "disconnected"}[i%2]]++
	} else {
		a.Answered++
		a.Latency.Record(d)
		a.TTFB.Record(d / 3)
		if i%2 == 0 {
			a.Corrected.Record(d + time.Millisecond)
		}
	}
	p := r.Phase(PhaseNames[i%len(PhaseNames)])
	p.Reached++
	p.Latency.Record(d * 2)
	if i%23 == 0 {
		p.Lost["refused"]++
		r.Clients.Lost["refused"]++
	}
	r.Clients.Started++
	r.Lag.In.Record(d / 4)
	r.Lag.Out.Record(d / 5)
	r.Lag.Total.Record(d/4 + d/5)
	iv := r.IntervalAt(i % 20)
	iv.Sent++
	iv.Answered++
	iv.Connected++
	iv.LoggedIn++
	iv.Latency.Record(d)
	r.Generator.TimerLateness.Record(d / 100)
	r.Generator.SendSlip.Record(d / 50)
}

func TestMergeSplitEqualsWhole(t *testing.T) {
	t.Parallel()
	meta := testMeta(t)
	meta.Clients = 10
	wholeMeta := meta
	wholeMeta.Clients, wholeMeta.Procs, wholeMeta.Shard = 30, 3, "1/3,2/3,3/3"
	whole := New(wholeMeta)
	var parts []*Report
	for _, shard := range []string{"1/3", "2/3", "3/3"} {
		m := meta
		m.Shard = shard
		parts = append(parts, New(m))
	}
	rng := rand.New(rand.NewPCG(42, 0))
	ds := randomDurations(t, 42, 6000)
	for i, d := range ds {
		recordEvent(t, whole, i, d)
		recordEvent(t, parts[rng.IntN(len(parts))], i, d)
	}

	got, err := MergeAll(parts...)
	if err != nil {
		t.Fatalf("MergeAll: %v", err)
	}
	if diff := cmp.Diff(whole, got); diff != "" {
		t.Errorf("merged parts differ from the whole (-whole +merged):\n%s", diff)
	}
	for name, a := range whole.Actions {
		m := got.Actions[name]
		if m.Sent != a.Sent || m.Answered != a.Answered || m.Latency.Count() != a.Latency.Count() {
			t.Errorf("action %q counts = %d/%d/%d, want %d/%d/%d", name, m.Sent, m.Answered, m.Latency.Count(), a.Sent, a.Answered, a.Latency.Count())
		}
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
			if g, w := m.Latency.Quantile(q), a.Latency.Quantile(q); g != w {
				t.Errorf("action %q quantile %v = %v, want %v", name, q, g, w)
			}
		}
	}
	if got.Clients.Planned != 30 {
		t.Errorf("Clients.Planned = %d, want 30", got.Clients.Planned)
	}
}

func TestMergeTimelineAlignment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		offset     time.Duration // o's start minus r's start
		zeroStart  bool
		wantSent   []int64
		wantCounts []int64       // latency histogram counts per second
		wantStart  time.Duration // merged start minus r's start
		wantDur    time.Duration
	}{
		{"same start", 0, false, []int64{11, 22, 3}, []int64{2, 2, 1}, 0, 10 * time.Second},
		{"later", 2 * time.Second, false, []int64{1, 2, 13, 20}, []int64{1, 1, 2, 1}, 0, 12 * time.Second},
		{"later rounded down", 1400 * time.Millisecond, false, []int64{1, 12, 23}, []int64{1, 2, 2}, 0, 11400 * time.Millisecond},
		{"later rounded up", 1600 * time.Millisecond, false, []int64{1, 2, 13, 20}, []int64{1, 1, 2, 1}, 0, 11600 * time.Millisecond},
		{"earlier", -3 * time.Second, false, []int64{10, 20, 0, 1, 2, 3}, []int64{1, 1, 0, 1, 1, 1}, -3 * time.Second, 13 * time.Second},
		{"far later", 8 * time.Second, false, []int64{1, 2, 3, 0, 0, 0, 0, 0, 10, 20}, []int64{1, 1, 1, 0, 0, 0, 0, 0, 1, 1}, 0, 18 * time.Second},
		{"unknown start", 0, true, []int64{11, 22, 3}, []int64{2, 2, 1}, 0, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := New(testMeta(t))
			for s, n := range []int64{1, 2, 3} {
				iv := r.IntervalAt(s)
				iv.Sent = n
				iv.Latency.Record(time.Duration(n) * time.Millisecond)
			}
			meta := testMeta(t)
			meta.Start = meta.Start.Add(tc.offset)
			if tc.zeroStart {
				meta.Start = time.Time{}
			}
			o := New(meta)
			for s, n := range []int64{10, 20} {
				iv := o.IntervalAt(s)
				iv.Sent = n
				iv.Latency.Record(time.Duration(n) * time.Millisecond)
			}
			if err := r.Merge(o); err != nil {
				t.Fatalf("Merge: %v", err)
			}
			var sent, latencies []int64
			for i, iv := range r.Timeline {
				if iv.Second != i {
					t.Errorf("Timeline[%d].Second = %d", i, iv.Second)
				}
				sent = append(sent, iv.Sent)
				latencies = append(latencies, iv.Latency.Count())
			}
			if !slices.Equal(sent, tc.wantSent) {
				t.Errorf("merged Sent per second = %v, want %v", sent, tc.wantSent)
			}
			if !slices.Equal(latencies, tc.wantCounts) {
				t.Errorf("merged latency counts per second = %v, want %v", latencies, tc.wantCounts)
			}
			if got, want := r.Meta.Start, testStart.Add(tc.wantStart); !got.Equal(want) {
				t.Errorf("Meta.Start = %v, want %v", got, want)
			}
			if r.Meta.Duration != tc.wantDur {
				t.Errorf("Meta.Duration = %v, want %v", r.Meta.Duration, tc.wantDur)
			}
		})
	}
}

func TestMergeMeta(t *testing.T) {
	t.Parallel()
	a := testMeta(t)
	a.Valid, a.InvalidReasons, a.Shard, a.Procs, a.Target = false, []string{"timer lateness", "cpu"}, "1/2", 2, ""
	b := testMeta(t)
	b.Valid, b.InvalidReasons, b.Shard, b.Description = true, []string{"cpu", "fd"}, "2/2", "desc"
	b.Target = "10.0.0.1:4000"
	r, o := New(a), New(b)
	r.Generator.CPUMax, r.Generator.CPUMean, r.Generator.FDMax, r.Generator.FDLimit = 0.9, 0.5, 10, 0
	o.Generator.CPUMax, o.Generator.CPUMean, o.Generator.FDMax, o.Generator.FDLimit = 0.4, 0.2, 30, 1024
	r.Generator.Notes, o.Generator.Notes = []string{"x"}, []string{"x", "y"}
	r.Thresholds = []ThresholdResult{{Expr: "errors == 0", Pass: true}}
	if err := r.Merge(o); err != nil {
		t.Fatalf("Merge: %v", err)
	}
	m := r.Meta
	if m.Valid {
		t.Error("Valid = true, want false (one part is invalid)")
	}
	if want := []string{"timer lateness", "cpu", "fd"}; !slices.Equal(m.InvalidReasons, want) {
		t.Errorf("InvalidReasons = %q, want %q", m.InvalidReasons, want)
	}
	if m.Shard != "1/2,2/2" {
		t.Errorf("Shard = %q, want %q", m.Shard, "1/2,2/2")
	}
	if m.Procs != 3 || m.Clients != 100 || r.Clients.Planned != 100 {
		t.Errorf("Procs, Clients, Planned = %d, %d, %d, want 3, 100, 100", m.Procs, m.Clients, r.Clients.Planned)
	}
	if m.Description != "desc" || m.Target != "10.0.0.1:4000" || m.Protocol != "telnet" {
		t.Errorf("Description, Target, Protocol = %q, %q, %q, want the non-empty ones", m.Description, m.Target, m.Protocol)
	}
	g := r.Generator
	if g.CPUMax != 0.9 || g.FDMax != 30 || g.FDLimit != 1024 {
		t.Errorf("CPUMax, FDMax, FDLimit = %v, %d, %d, want 0.9, 30, 1024", g.CPUMax, g.FDMax, g.FDLimit)
	}
	if want := (0.5*2 + 0.2*1) / 3; math.Abs(g.CPUMean-want) > 1e-12 {
		t.Errorf("CPUMean = %v, want %v (weighted by procs)", g.CPUMean, want)
	}
	if !slices.Equal(g.Notes, []string{"x", "y"}) {
		t.Errorf("Notes = %q, want [x y]", g.Notes)
	}
	if r.Thresholds != nil {
		t.Errorf("Thresholds = %v, want nil after a merge", r.Thresholds)
	}
	if !r.Passed() {
		t.Error("Passed() = false with no thresholds")
	}
}

func TestMergeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(o *Report)
		wantErr error
		want    string
	}{
		{"scenario", func(o *Report) { o.Meta.Scenario = "other" }, ErrMismatch, `scenario "default" and "other"`},
		{"seed", func(o *Report) { o.Meta.Seed = 2 }, ErrMismatch, "seed 1 and 2"},
		{"version", func(o *Report) { o.Version = 5 }, ErrVersion, "version 5 into 4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := sampleReport(t)
			o := sampleReport(t)
			tc.edit(o)
			err := r.Merge(o)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Merge() = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Merge() = %q, want it to mention %q", err, tc.want)
			}
			if diff := cmp.Diff(sampleReport(t), r); diff != "" {
				t.Errorf("a failed Merge changed the report (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeSelfAndNil(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	if err := r.Merge(nil); err != nil {
		t.Fatalf("Merge(nil) = %v", err)
	}
	if diff := cmp.Diff(sampleReport(t), r); diff != "" {
		t.Errorf("Merge(nil) changed the report (-want +got):\n%s", diff)
	}
	if err := r.Merge(r); err != nil {
		t.Fatalf("Merge(self) = %v", err)
	}
	look := r.Actions["look"]
	if look.Sent != 20 || look.Latency.Count() != 16 || r.Timeline[0].Sent != 6 {
		t.Errorf("after Merge(self): sent %d, latencies %d, timeline sent %d; want 20, 16, 6", look.Sent, look.Latency.Count(), r.Timeline[0].Sent)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("Validate() after Merge(self) = %v", err)
	}
}

func TestMergeAll(t *testing.T) {
	t.Parallel()
	if _, err := MergeAll(); !errors.Is(err, ErrNoReports) {
		t.Errorf("MergeAll() = %v, want ErrNoReports", err)
	}
	if _, err := MergeAll(nil, nil); !errors.Is(err, ErrNoReports) {
		t.Errorf("MergeAll(nil, nil) = %v, want ErrNoReports", err)
	}
	a, b := sampleReport(t), sampleReport(t)
	got, err := MergeAll(nil, a, b)
	if err != nil {
		t.Fatalf("MergeAll: %v", err)
	}
	if got == a || got == b {
		t.Error("MergeAll returned one of its inputs")
	}
	for _, in := range []*Report{a, b} {
		if diff := cmp.Diff(sampleReport(t), in); diff != "" {
			t.Errorf("MergeAll changed an input (-want +got):\n%s", diff)
		}
	}
	if got.Actions["look"].Sent != 20 {
		t.Errorf("merged look sent = %d, want 20", got.Actions["look"].Sent)
	}
	single, err := MergeAll(a)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, single); diff != "" {
		t.Errorf("MergeAll of one report differs (-want +got):\n%s", diff)
	}
	c := sampleReport(t)
	c.Meta.Seed = 9
	if _, err := MergeAll(a, b, c); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "report 2") {
		t.Errorf("MergeAll with a mismatch = %v, want ErrMismatch naming report 2", err)
	}
}
