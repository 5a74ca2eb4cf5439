package render

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// BenchWindow is the length of the windows Benchfmt turns a run into.
const BenchWindow = 5 * time.Second

// Benchfmt writes the report in Go's benchmark format, so that
// benchstat compares two runs unchanged (benchstat base.txt head.txt).
// Each window of [BenchWindow] after the first and before the last tenth
// of the run becomes one "iteration": a line per action with its p50 and
// p99 latency in ns, and a throughput line (answered commands per second,
// marked better=higher). benchstat then has many samples per benchmark.
func Benchfmt(w io.Writer, r *reports.Report) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "goos: %s\ngoarch: %s\npkg: portalsim/%s\n", benchName(r.Meta.Machine.OS), benchName(r.Meta.Machine.Arch), benchName(r.Meta.Scenario))
	fmt.Fprintf(ew, "Unit ops/s better=higher\n")
	secs := len(r.Timeline)
	trim := secs / 10
	win := int(BenchWindow / time.Second)
	for start := trim; start+win <= secs-trim; start += win {
		all := reports.NewHistogram()
		acts := map[string]*reports.Histogram{}
		var answered int64
		for _, iv := range r.Timeline[start : start+win] {
			all.Merge(iv.Latency)
			answered += iv.Answered
			for name, h := range iv.Actions {
				if acts[name] == nil {
					acts[name] = reports.NewHistogram()
				}
				acts[name].Merge(h)
			}
		}
		if all.Count() == 0 {
			continue
		}
		line := func(name string, h *reports.Histogram) {
			fmt.Fprintf(ew, "BenchmarkLatency/action=%s \t%d\t%d p50-ns\t%d p99-ns\n", benchName(name), h.Count(), int64(h.Quantile(.5)), int64(h.Quantile(.99)))
		}
		line("all", all)
		for _, name := range sortedKeys(acts) {
			line(name, acts[name])
		}
		fmt.Fprintf(ew, "BenchmarkThroughput \t1\t%.2f ops/s\n", float64(answered)/float64(win))
	}
	return ew.err
}

var benchUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// benchName makes a name safe for a benchmark line (no spaces or slashes).
func benchName(s string) string {
	if s == "" {
		return "unnamed"
	}
	return benchUnsafe.ReplaceAllString(s, "_")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
