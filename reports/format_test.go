package reports

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// fixtureReport is a deterministic report for the golden files: 30
// seconds, two actions, a lost player, a threshold.
func fixtureReport() *Report {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := New(Meta{Scenario: "golden", Description: "a fixed report", Seed: 42, Version: "test", Target: "127.0.0.1:4000",
		Protocol: "telnet", Model: ModelClosed, Start: start, Duration: 30 * time.Second, Valid: true, Clients: 10,
		Machine: Machine{Hostname: "host", OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"}})
	rng := rand.New(rand.NewPCG(1, 2))
	for sec := range 30 {
		iv := r.IntervalAt(sec)
		for range 20 {
			for _, name := range []string{"looks", "measure_lag"} {
				d := time.Duration(200+rng.IntN(800)) * time.Microsecond
				if name == "measure_lag" {
					d *= 2
				}
				recordAnswer(r, iv, name, d)
			}
		}
		iv.Connected, iv.LoggedIn = 10, int64(min(sec, 9))
	}
	r.Action("looks").Sent++
	r.Action("looks").Failed["timeout"]++
	r.Clients = Clients{Planned: 10, Started: 10, LoggedIn: 9, Finished: 9, Lost: map[string]int64{"login_failed": 1}}
	for i, name := range PhaseNames {
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
	addChecks(r.Action("looks"), map[string]int64{"evennia,sim: Command '…' is not available": 2, "fail: ^There is no": 1})
	ts, _ := ParseThresholds([]string{"p99(*) < 1s", "errors == 0", "checks(looks) > 99%"})
	r.Check(ts)
	return r
}

// addChecks makes every answered command of a a passed check, and adds
// commands that failed the checks failed (sent, failed for ReasonCheck).
func addChecks(a *Action, failed map[string]int64) {
	a.AddCheck(false, "")
	a.Checks.Passed = a.Answered
	for reason, n := range failed {
		a.Sent += n
		a.Failed[ReasonCheck] += n
		for range n {
			a.AddCheck(true, reason)
		}
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(*Report, *bytes.Buffer) error
	}{
		{"report.golden.txt", func(r *Report, b *bytes.Buffer) error { return r.WriteText(b) }},
		{"report.golden.md", func(r *Report, b *bytes.Buffer) error { return r.WriteMarkdown(b) }},
		{"report.golden.bench", func(r *Report, b *bytes.Buffer) error { return r.WriteBenchfmt(b) }},
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
	if err := r.WriteMarkdown(&b); err != nil {
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
	r.Thresholds = []ThresholdResult{{Expr: "p99 < 250ms | x", Actual: "1ms", Pass: true}}
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.Contains(got, "| `p99 < 250ms \\| x` |") || strings.Contains(got, "&lt;") {
		t.Fatalf("threshold cell:\n%s", got)
	}
}

func TestBenchfmtIsParsableByBenchstatRules(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := fixtureReport().WriteBenchfmt(&b); err != nil {
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

// smallReport is a report of a run of the given seconds, small enough
// for a fuzz target to render and compare many times a second: two
// actions, a lost player, a lag, a threshold.
func smallReport(seconds int) *Report {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	r := New(Meta{Scenario: "small", Seed: 1, Version: "test", Target: "127.0.0.1:4000", Protocol: "telnet", Model: ModelClosed,
		Start: start, Duration: time.Duration(seconds) * time.Second, Valid: true, Clients: 3,
		Machine: Machine{Hostname: "host", OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"}})
	for sec := range seconds {
		iv := r.IntervalAt(sec)
		for i := range 10 {
			for _, name := range []string{"looks", "digs"} {
				d := time.Duration(300+97*i+31*sec) * time.Microsecond
				recordAnswer(r, iv, name, d)
			}
		}
		iv.Connected, iv.LoggedIn = 3, 2
	}
	r.Action("looks").Sent++
	r.Action("looks").Failed["timeout"]++
	r.Clients = Clients{Planned: 3, Started: 3, LoggedIn: 2, Finished: 2, Lost: map[string]int64{"login_failed": 1}}
	for i, name := range PhaseNames {
		r.Phase(name).Reached = int64(3 - i/3)
		r.Phase(name).Latency.Record(time.Duration(i+1) * 50 * time.Millisecond)
	}
	r.Phase(PhaseLoggedIn).Lost["login_failed"] = 1
	r.Lag.Total.Record(time.Millisecond)
	r.Generator.TimerLateness.Record(time.Millisecond)
	ts, _ := ParseThresholds([]string{"p99(*) < 1s"})
	r.Check(ts)
	return r
}

// recordAnswer counts one command of action name, answered after d, in
// the report and in its interval iv (its first byte after d/2).
func recordAnswer(r *Report, iv *Interval, name string, d time.Duration) {
	a := r.Action(name)
	a.Sent++
	a.Answered++
	a.Latency.Record(d)
	a.TTFB.Record(d / 2)
	iv.Sent++
	iv.Answered++
	iv.Latency.Record(d)
	iv.ActionLatency(name).Record(d)
}
