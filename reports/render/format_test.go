package render

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/reportstest"
)

// fixtureReport is a deterministic report for the golden files: 30
// seconds, two actions, a lost player, a threshold.
func fixtureReport() *reports.Report {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := reports.New(reports.Meta{Scenario: "golden", Description: "a fixed report", Seed: 42, Version: "test", Target: "127.0.0.1:4000",
		Protocol: "telnet", Model: reports.ModelClosed, Start: start, Duration: 30 * time.Second, Valid: true, Clients: 10,
		Machine: reports.Machine{Hostname: "host", OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"}})
	rng := rand.New(rand.NewPCG(1, 2))
	for sec := range 30 {
		iv := r.IntervalAt(sec)
		for range 20 {
			for _, name := range []string{"looks", "measure_lag"} {
				d := time.Duration(200+rng.IntN(800)) * time.Microsecond
				if name == "measure_lag" {
					d *= 2
				}
				reportstest.RecordAnswer(r, iv, name, d)
			}
		}
		iv.Connected, iv.LoggedIn = 10, int64(min(sec, 9))
	}
	r.Action("looks").Sent++
	r.Action("looks").Failed["timeout"]++
	r.Clients = reports.Clients{Planned: 10, Started: 10, LoggedIn: 9, Finished: 9, Lost: map[string]int64{"login_failed": 1}}
	for i, name := range reports.PhaseNames {
		ph := r.Phase(name)
		ph.Reached = int64(10 - i/3)
		ph.Latency.Record(time.Duration(i+1) * 100 * time.Millisecond)
	}
	r.Phase("logged_in").Lost["login_failed"] = 1
	r.Lag.In.Record(300 * time.Microsecond)
	r.Lag.Out.Record(400 * time.Microsecond)
	r.Lag.Total.Record(700 * time.Microsecond)
	r.Generator.TimerLateness.Record(time.Millisecond)
	r.Generator.CPUMean, r.Generator.CPUMax, r.Generator.FDMax, r.Generator.FDLimit = 0.1, 0.2, 30, 20000
	reportstest.AddChecks(r.Action("looks"), map[string]int64{"evennia,sim: Command '…' is not available": 2, "fail: ^There is no": 1})
	ts, _ := reports.ParseThresholds([]string{"p99(*) < 1s", "errors == 0", "checks(looks) > 99%"})
	r.Check(ts)
	return r
}

func TestFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(*reports.Report, *bytes.Buffer) error
	}{
		{"report.golden.txt", func(r *reports.Report, b *bytes.Buffer) error { return Text(b, r) }},
		{"report.golden.md", func(r *reports.Report, b *bytes.Buffer) error { return Markdown(b, r) }},
		{"report.golden.bench", func(r *reports.Report, b *bytes.Buffer) error { return Benchfmt(b, r) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := tt.write(fixtureReport(), &b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func TestMarkdownEscapesUserText(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	r.Meta.Scenario = "a|b `c` <x>"
	var b bytes.Buffer
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	// In a code span entities are shown as typed: "<" stays "<".
	if got := b.String(); !strings.Contains(got, "### Load run `a|b 'c' <x>`") || strings.Contains(got, "&lt;") {
		t.Fatalf("scenario not escaped for a code span:\n%s", got)
	}
}

// A threshold in a table cell's code span keeps its "<" (not "&lt;",
// which GitHub shows as typed there) and escapes its "|" for the table.
func TestMarkdownCodeSpans(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	r.Thresholds = []reports.ThresholdResult{{Expr: "p99 < 250ms | x", Actual: "1ms", Pass: true}}
	var b bytes.Buffer
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.Contains(got, "| `p99 < 250ms \\| x` |") || strings.Contains(got, "&lt;") {
		t.Fatalf("threshold cell:\n%s", got)
	}
}

func TestBenchfmtIsParsableByBenchstatRules(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Benchfmt(&b, fixtureReport()); err != nil {
		t.Fatal(err)
	}
	// 30 s, 3 s trimmed at each end leaves [3, 27): whole windows 3-8, 8-13, 13-18, 18-23.
	lines := bytes.Count(b.Bytes(), []byte("BenchmarkThroughput"))
	if lines != 4 {
		t.Fatalf("%d throughput lines, want 4:\n%s", lines, b.String())
	}
	for _, l := range bytes.Split(b.Bytes(), []byte("\n")) {
		if bytes.HasPrefix(l, []byte("Benchmark")) && len(bytes.Fields(l))%2 != 0 {
			t.Fatalf("line %q: want name, iterations, then value/unit pairs", l)
		}
	}
}

// TestCompletionRendered: the text, Markdown and HTML reports show the
// completion mode (with the quiet gap that biases the latencies).
func TestCompletionRendered(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	r.Meta.Completion = "quiet 200ms"
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return Text(b, r) },
		"markdown": func(b *bytes.Buffer) error { return Markdown(b, r) },
		"html":     func(b *bytes.Buffer) error { return HTML(b, r) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "quiet 200ms") || !strings.Contains(b.String(), "cut off") {
			t.Errorf("%s report does not show the completion mode and its bias (quiet 200ms)", name)
		}
	}
}
