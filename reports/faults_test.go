package reports

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleFaults() []Fault {
	return []Fault{
		{Index: 0, Kind: "latency", Side: SideLink, Detail: "200ms ±50ms, both ways", Start: 10 * time.Second, End: 15 * time.Second,
			Affected: 1, Caught: 40, Late: 3, Lost: 0, LateAfter: time.Second, Settled: 15200 * time.Millisecond},
		{Index: 1, Kind: "reconnect-storm", Side: SideClient, Start: 20 * time.Second, End: 22 * time.Second,
			Crowd: &Crowd{Connections: 100, Served: 98, Failed: map[string]int64{"timeout": 2}, Median: 300 * time.Millisecond, Slowest: time.Second}},
	}
}

func TestFaultRecovery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    Fault
		want time.Duration
	}{
		{Fault{Start: 10 * time.Second, End: 12 * time.Second, Settled: 12500 * time.Millisecond}, 2500 * time.Millisecond},
		{Fault{Start: 10 * time.Second, End: 12 * time.Second}, 2 * time.Second},
		{Fault{Start: 10 * time.Second, End: 10 * time.Second, Settled: 11 * time.Second}, time.Second},
	} {
		if got := tc.f.Recovery(); got != tc.want {
			t.Errorf("Recovery of %+v: got %v, want %v", tc.f, got, tc.want)
		}
	}
}

func TestFaultsRoundTripAndClone(t *testing.T) {
	t.Parallel()
	r := New(Meta{Scenario: "faults"})
	r.Faults = sampleFaults()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.Faults, got.Faults); diff != "" {
		t.Errorf("faults after a JSON round trip (-want +got):\n%s", diff)
	}
	c := r.Clone()
	c.Faults[1].Crowd.Failed["timeout"] = 99
	if r.Faults[1].Crowd.Failed["timeout"] != 2 {
		t.Error("Clone shares the crowd's failure counts")
	}
}

func TestMergeSumsTheSameFault(t *testing.T) {
	t.Parallel()
	a, b := New(Meta{Scenario: "s"}), New(Meta{Scenario: "s"})
	a.Faults = sampleFaults()[:1]
	b.Faults = sampleFaults()
	b.Faults[0].Start, b.Faults[0].End, b.Faults[0].Settled = 9*time.Second, 16*time.Second, 0
	b.Faults[0].Error = "lift: refused"
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	want := sampleFaults()
	want[0].Start, want[0].End = 9*time.Second, 16*time.Second
	want[0].Affected, want[0].Caught, want[0].Late = 2, 80, 6
	want[0].Error = "lift: refused"
	if diff := cmp.Diff(want, a.Faults); diff != "" {
		t.Errorf("merged faults (-want +got):\n%s", diff)
	}
	b.Faults[1].Crowd.Served = 0
	if a.Faults[1].Crowd.Served != 98 {
		t.Error("the merged report shares a crowd with its source")
	}
}
