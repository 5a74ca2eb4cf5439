package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGeneratorMemoryPerClient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		m                 GeneratorMemory
		rss, heap, stacks float64
	}{
		{"not measured", GeneratorMemory{}, 0, 0, 0},
		{"no clients", GeneratorMemory{RSS: 1 << 20, BaseRSS: 1 << 10}, 0, 0, 0},
		{"thousand clients", GeneratorMemory{Clients: 1000, RSS: 50_000_000, BaseRSS: 10_000_000, Heap: 30_000_000, BaseHeap: 2_000_000,
			Stacks: 17_000_000, BaseStacks: 1_000_000}, 40_000, 28_000, 16_000},
		{"shrank", GeneratorMemory{Clients: 2, RSS: 100, BaseRSS: 300}, -100, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.m.RSSPerClient(); got != tc.rss {
				t.Errorf("RSSPerClient() = %v, want %v", got, tc.rss)
			}
			if got := tc.m.HeapPerClient(); got != tc.heap {
				t.Errorf("HeapPerClient() = %v, want %v", got, tc.heap)
			}
			if got := tc.m.StacksPerClient(); got != tc.stacks {
				t.Errorf("StacksPerClient() = %v, want %v", got, tc.stacks)
			}
		})
	}
}

func TestGeneratorCPUPerCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cpu  time.Duration
		sent int64
		want time.Duration
	}{
		{"not recorded", 0, 100, 0},
		{"nothing sent", time.Second, 0, 0},
		{"per command", 3 * time.Second, 10_000, 300 * time.Microsecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := Generator{CPUTime: tc.cpu}
			if got := g.CPUPerCommand(tc.sent); got != tc.want {
				t.Errorf("CPUPerCommand(%d) = %v, want %v", tc.sent, got, tc.want)
			}
		})
	}
}

// TestGeneratorCostRoundTrip: the CPU time and memory survive Write and
// Read; a report without them (one written before they existed) reads
// with them zero, and a report that did not measure them writes neither
// key, so its JSON is what an older reader knows.
func TestGeneratorCostRoundTrip(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	r.Generator.CPUTime = 1500 * time.Millisecond
	r.Generator.Memory = GeneratorMemory{Clients: 10, RSS: 3 << 20, Heap: 2 << 20, Stacks: 1 << 20, BaseRSS: 1 << 20, BaseHeap: 1 << 19, BaseStacks: 1 << 16}
	got := roundTrip(t, r)
	if diff := cmp.Diff(r.Generator.Memory, got.Generator.Memory); diff != "" || got.Generator.CPUTime != r.Generator.CPUTime {
		t.Errorf("generator cost after a round trip: cpu %v, want %v; memory (-want +got):\n%s", got.Generator.CPUTime, r.Generator.CPUTime, diff)
	}

	old := sampleReport(t) // measured neither
	var buf bytes.Buffer
	if err := old.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, `"cpu_time_ns"`) || strings.Contains(s, `"memory"`) {
		t.Errorf("a report without the generator's cost writes its keys:\n%s", s)
	}
	// An old report: the generator object as version 4 wrote it.
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["generator"] = map[string]any{"timer_lateness": nil, "send_slip": nil, "cpu_max": 0.2, "cpu_mean": 0.1, "fd_max": 30, "fd_limit": 20000}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	read, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Read of a report without the generator's cost: %v", err)
	}
	if g := read.Generator; g.CPUTime != 0 || g.Memory != (GeneratorMemory{}) || g.CPUMean != 0.1 {
		t.Errorf("old report's generator = %+v, want no cost and CPU mean 0.1", g)
	}
}

func TestMergeSumsGeneratorCost(t *testing.T) {
	t.Parallel()
	a, b := sampleReport(t), sampleReport(t)
	a.Generator.CPUTime, b.Generator.CPUTime = time.Second, 2*time.Second
	a.Generator.Memory = GeneratorMemory{Clients: 10, RSS: 100, Heap: 50, Stacks: 20, BaseRSS: 10, BaseHeap: 5, BaseStacks: 2}
	b.Generator.Memory = GeneratorMemory{Clients: 30, RSS: 300, Heap: 150, Stacks: 60, BaseRSS: 30, BaseHeap: 15, BaseStacks: 6}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	want := GeneratorMemory{Clients: 40, RSS: 400, Heap: 200, Stacks: 80, BaseRSS: 40, BaseHeap: 20, BaseStacks: 8}
	if diff := cmp.Diff(want, a.Generator.Memory); diff != "" || a.Generator.CPUTime != 3*time.Second {
		t.Errorf("merged cpu %v, want 3s; memory (-want +got):\n%s", a.Generator.CPUTime, diff)
	}
}

func TestValidateRejectsNegativeGeneratorCost(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	r.Generator.CPUTime = -time.Second
	r.Generator.Memory.Heap = -1
	err := r.Validate()
	if err == nil || !strings.Contains(err.Error(), "cpu time") || !strings.Contains(err.Error(), "memory") {
		t.Errorf("Validate() = %v, want errors for the cpu time and the memory", err)
	}
}
