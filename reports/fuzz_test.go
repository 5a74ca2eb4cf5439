package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fuzzFixture is the report the fuzzed thresholds are evaluated on.
var fuzzFixture = sync.OnceValue(func() *Report { return smallReport(12) })

// FuzzThreshold parses run thresholds (Threshold, as scenario files have
// them). Nothing may panic; an accepted expression must parse again to
// the same threshold, hold finite numbers, and evaluate on a report
// without panicking.
func FuzzThreshold(f *testing.F) {
	f.Add("p99(*) < 1s")
	f.Add("checks(looks) > 99%")
	f.Add("checks >= 0.5")
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThreshold(s)
		if err != nil {
			if !errors.Is(err, ErrThreshold) {
				t.Fatalf("error %v does not wrap ErrThreshold", err)
			}
			return
		}
		if th.String() != strings.TrimSpace(s) {
			t.Fatalf("String() = %q, want the trimmed expression %q", th.String(), strings.TrimSpace(s))
		}
		again, err := ParseThreshold(th.Expr)
		if err != nil || again != th {
			t.Fatalf("parsed again: %+v, %v; want %+v", again, err, th)
		}
		if math.IsNaN(th.value) || math.IsInf(th.value, 0) || th.value < 0 {
			t.Fatalf("value %v accepted", th.value)
		}
		if th.stat == statQuantile && th.metric >= metricAction && th.metric <= metricLag && !(th.q >= 0 && th.q <= 1) {
			t.Fatalf("quantile %v accepted", th.q)
		}
		res := fuzzFixture().check(th)
		if res.Expr != th.Expr || res.Err == "" && res.Actual == "" {
			t.Fatalf("check = %+v", res)
		}
		_ = th.CheckAction([]string{"looks", "measure_lag"})
	})
}

// FuzzCompareThreshold parses comparison thresholds (CompareThreshold,
// report compare's -threshold). Nothing may panic; an accepted expression
// must parse again to the same threshold, hold a finite limit, and judge
// a comparison without panicking.
func FuzzCompareThreshold(f *testing.F) {
	f.Add("p99 +10%")
	f.Add("checks(looks) < 99%")
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseCompareThreshold(s)
		if err != nil {
			if !errors.Is(err, ErrCompareThreshold) {
				t.Fatalf("error %v does not wrap ErrCompareThreshold", err)
			}
			return
		}
		if th.String() != strings.TrimSpace(s) {
			t.Fatalf("String() = %q, want the trimmed expression %q", th.String(), strings.TrimSpace(s))
		}
		again, err := ParseCompareThreshold(th.Expr)
		if err != nil || again != th {
			t.Fatalf("parsed again: %+v, %v; want %+v", again, err, th)
		}
		if th.relative && (math.IsNaN(th.limit) || math.IsInf(th.limit, 0) || th.limit < 0 || !(th.key.pct >= 0 && th.key.pct <= 100)) {
			t.Fatalf("limit %v, percentile %v accepted", th.limit, th.key.pct)
		}
		_ = th.CheckAction([]string{"looks", "measure_lag"})
		r := fuzzFixture()
		c, err := Compare(r, r, CompareOptions{Thresholds: []CompareThreshold{th}})
		if err != nil {
			t.Fatalf("Compare with %q: %v", th.Expr, err)
		}
		// Compared with itself, no metric that could be evaluated is worse.
		// A threshold that cannot be (an action neither run has, too few
		// windows) fails by design; report compare refuses the first kind
		// before comparing (CheckAction).
		for _, row := range c.Rows {
			if row.Failed && !row.Insufficient {
				t.Fatalf("a run compared with itself regressed on %q: %+v", th.Expr, row)
			}
		}
	})
}

// FuzzReport reads report files (JSON with HDR histograms) through what
// a user's file goes through: Read, then show (text, Markdown, benchfmt,
// JSON), html, merge and compare. Nothing may panic or fail on a report
// Read accepted; what is written back must be read back the same; the
// terminal and Markdown forms must carry no control character of the
// file. The seed corpus (testdata/fuzz) has reports of real runs and what
// fuzzing found.
func FuzzReport(f *testing.F) {
	var b bytes.Buffer
	if err := smallReport(3).Write(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v wraps neither ErrInvalid nor ErrVersion", err)
			}
			return
		}
		var out bytes.Buffer
		for _, w := range []struct {
			name  string
			write func(*bytes.Buffer) error
			plain bool // written to terminals: no control characters but \n and \t
		}{
			{"text", func(b *bytes.Buffer) error { return r.WriteText(b) }, true},
			{"markdown", func(b *bytes.Buffer) error { return r.WriteMarkdown(b) }, true},
			{"benchfmt", func(b *bytes.Buffer) error { return r.WriteBenchfmt(b) }, true},
			{"html", func(b *bytes.Buffer) error { return r.WriteHTML(b) }, false},
		} {
			out.Reset()
			if err := w.write(&out); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			if w.plain {
				if i := strings.IndexFunc(out.String(), isControl); i >= 0 {
					t.Fatalf("%s output has control character %q at %d:\n%q", w.name, out.String()[i], i, out.String())
				}
			}
			if w.name == "benchfmt" { // no line a file could make up: benchstat would read it
				for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
					if !benchLine.MatchString(line) {
						t.Fatalf("benchfmt line %q", line)
					}
				}
			}
		}
		// Written back, it reads back, the same.
		out.Reset()
		if err := r.Write(&out); err != nil {
			t.Fatalf("write: %v", err)
		}
		first := out.String()
		back, err := Read(strings.NewReader(first))
		if err != nil {
			t.Fatalf("a report written back is refused: %v", err)
		}
		out.Reset()
		if err := back.Write(&out); err != nil || out.String() != first {
			t.Fatalf("written back twice, the report changed (%v)", err)
		}
		// Merged with itself (report merge), and compared with itself
		// (report compare, one run a side).
		m := r.Clone()
		if err := m.Merge(r); err != nil {
			t.Fatalf("merge with itself: %v", err)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("merged with itself, invalid: %v", err)
		}
		p, err := Pool([]*Report{r}, -1)
		if err != nil {
			t.Fatalf("pool: %v", err)
		}
		c, err := Compare(p, p, CompareOptions{Trim: -1})
		if err != nil {
			t.Fatalf("compare with itself: %v", err)
		}
		for _, row := range c.Rows {
			if row.Failed && !row.Insufficient {
				t.Fatalf("a run compared with itself regressed: %+v", row)
			}
		}
		for _, w := range []func(io.Writer) error{c.WriteText, c.WriteMarkdown} {
			out.Reset()
			if err := w(&out); err != nil {
				t.Fatalf("comparison: %v", err)
			}
			if i := strings.IndexFunc(out.String(), isControl); i >= 0 {
				t.Fatalf("comparison output has control character %q:\n%q", out.String()[i], out.String())
			}
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("comparison as JSON: %v", err)
		}
	})
}

// benchLine is the lines WriteBenchfmt writes.
var benchLine = regexp.MustCompile(`^((goos|goarch|pkg): [^ ]*|Unit ops/s better=higher|Benchmark(Latency/action=[A-Za-z0-9_.-]+ \t\d+\t\d+ p50-ns\t\d+ p99-ns|Throughput \t1\t[0-9.]+ ops/s))$`)
