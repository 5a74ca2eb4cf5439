package render

import (
	"bytes"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/render/svg"
	"github.com/portalsim/portalsim/reports/reportstest"
)

// The -update flag that rewrites the golden files is declared in
// golden_test.go.

// htmlFixtureReport is a deterministic two-minute open-model run for the
// HTML golden file: 200 planned clients ramping up over 20 s, a few lost
// on the way in, leaving from t=105, five actions, a 5 s server stall from t=60 with
// timeouts, the echo probe, generator health and thresholds (passing,
// failing and one that cannot be evaluated). The timeline is compacted,
// as a long run's is (and, to keep the test fast, has no per-action
// histograms, which the page does not show). All randomness is integer
// arithmetic on a seeded PCG, so the report is the same on every
// platform. Each call returns a fresh copy.
func htmlFixtureReport() *reports.Report { return htmlFixture().Clone() }

// htmlFixture builds the fixture once: its hundreds of HDR histograms are
// slow to allocate under the race detector.
var htmlFixture = sync.OnceValue(buildHTMLFixture)

func buildHTMLFixture() *reports.Report {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := reports.New(reports.Meta{
		Scenario:    "wander-and-chat",
		Description: "Players log in, look around, move and talk; the server stalls for 5 s at t=60.",
		Seed:        7, Version: "v0.9.0", Commit: "51ff3b7", Target: "127.0.0.1:4000", Protocol: "telnet",
		Model: reports.ModelOpen, Start: start, Duration: 120 * time.Second, Valid: true, Clients: 200,
		Shard: "1/2,2/2", Procs: 2,
		Machine: reports.Machine{Hostname: "loadgen-1", OS: "linux", Arch: "amd64", CPUs: 8, GoVersion: "go1.26.0"},
	})
	rng := rand.New(rand.NewPCG(7, 11))
	// jitter returns base (µs) scaled by 0.6..1.4, with a 1% tail of 5-15x
	// and a 0.1% tail of 40x, in nanoseconds.
	jitter := func(baseUS int64) time.Duration {
		d := baseUS * int64(600+rng.IntN(800))
		if rng.IntN(100) == 0 {
			d = d * int64(5+rng.IntN(10))
		}
		if rng.IntN(1000) == 0 {
			d *= 40
		}
		return time.Duration(d)
	}
	const (
		planned  = 200
		refused  = 3 // lost before connect
		negLost  = 1 // lost before negotiation
		loginBad = 2 // lost before logged_in
	)
	bases := map[string]int64{"look": 2000, "say": 1500, "move": 3000, "measure_lag": 900}
	kinds := []string{"look", "look", "look", "move", "move", "say", "measure_lag"}
	// Logins complete two seconds after the connection; from t=105 ten
	// clients a second finish and leave.
	var connected, logins, left, loggedIn int64
	cumLogins := make([]int64, 120)
	for sec := range 120 {
		iv := r.IntervalAt(sec)
		// Ramp-up: 10 clients a second for 20 s.
		if sec < 20 {
			for c := range 10 {
				n := sec*10 + c
				if n < refused {
					continue
				}
				connected++
				if n < refused+negLost {
					connected--
					continue
				}
				login := r.Action("login")
				login.Sent++
				iv.Sent++
				if n < refused+negLost+loginBad {
					login.Failed["rejected"]++
					iv.Failed++
					connected--
					continue
				}
				d := jitter(40000)
				login.Answered++
				login.Latency.Record(d)
				login.TTFB.Record(d * 3 / 5)
				login.Corrected.Record(d)
				iv.Answered++
				iv.Latency.Record(d)
				logins++
			}
		}
		cumLogins[sec] = logins
		if sec >= 105 {
			left += 10
			connected -= 10
		}
		loggedIn = -left
		if sec >= 2 {
			loggedIn += cumLogins[sec-2]
		}
		loggedIn = max(loggedIn, 0)
		stall := sec >= 60 && sec < 65
		// The machine: the run's own 30%, a neighbour's 40% from t=30 to
		// t=45, a run queue of two (four beside the neighbour).
		iv.Load = reports.Load{Samples: 10, Own: 0.3, Busy: 0.32, RunQueue: 2, TimerLate: time.Millisecond}
		if sec >= 30 && sec < 45 {
			iv.Load.Busy, iv.Load.RunQueue, iv.Load.TimerLate = 0.72, 4, 9*time.Millisecond
		}
		// Each logged-in client sends a command every other second.
		for c := int64(0); c < loggedIn; c++ {
			if (c+int64(sec))%2 != 0 {
				continue
			}
			name := kinds[rng.IntN(len(kinds))]
			a := r.Action(name)
			a.Sent++
			iv.Sent++
			d := jitter(bases[name])
			wait := time.Duration(rng.IntN(200)) * time.Microsecond
			if stall {
				if rng.IntN(10) == 0 {
					a.Failed["timeout"]++
					iv.Failed++
					continue
				}
				d += time.Duration(65-sec) * 900 * time.Millisecond
				wait += time.Duration(65-sec) * 200 * time.Millisecond
			}
			if rng.IntN(2000) == 0 {
				a.Failed["disconnected"]++
				iv.Failed++
				continue
			}
			a.Answered++
			a.Latency.Record(d)
			a.TTFB.Record(d * 3 / 5)
			a.Corrected.Record(d + wait)
			iv.Answered++
			iv.Latency.Record(d)
			if name == "measure_lag" {
				in := d * 2 / 5
				r.Lag.In.Record(in)
				r.Lag.Out.Record(d - in)
				r.Lag.Total.Record(d)
			}
		}
		iv.Connected, iv.LoggedIn = connected, loggedIn
		r.Generator.TimerLateness.Record(jitter(150))
		r.Generator.SendSlip.Record(jitter(80))
		iv.Compact()
	}
	r.Clients = reports.Clients{Planned: planned, Started: planned, LoggedIn: logins, Finished: logins - 1,
		Lost: map[string]int64{"refused": refused, "negotiation_timeout": negLost, "login_rejected": loginBad, "disconnected": 1}}
	reached := []int64{planned - refused, planned - refused - negLost, planned - refused - negLost, logins}
	lost := []map[string]int64{{"refused": refused}, {"timeout": negLost}, {}, {"rejected": loginBad}}
	for i, name := range reports.PhaseNames {
		ph := r.Phase(name)
		ph.Reached = reached[i]
		ph.Lost = lost[i]
		for range ph.Reached {
			ph.Latency.Record(jitter(int64(1000 * (i*i + 1) * 3)))
		}
	}
	r.Generator.CPUMean, r.Generator.CPUMax = 0.23, 0.41
	r.Generator.FDMax, r.Generator.FDLimit = 214, 1048576
	r.Generator.Notes = []string{"GOMAXPROCS=8", "2 processes merged"}
	reportstest.AddChecks(r.Action("look"), map[string]int64{"sim: Could not find '…'": 4, `tinymux: Huh?  (Type "help" for help.)`: 1})
	reportstest.AddChecks(r.Action("say"), map[string]int64{"missing: ^You say": 2})
	reportstest.AddChecks(r.Action("move"), nil)
	ts, err := reports.ParseThresholds([]string{"p99(*) < 250ms", "error_rate < 1%", "p99(look) < 2s", "lost_clients == 0", "p50(emote) < 1s", "checks(say) > 99%"})
	if err != nil {
		panic(err)
	}
	r.Check(ts)
	return r
}

// renderHTML renders r or fails the test.
func renderHTML(t *testing.T, r *reports.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, r); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return b.String()
}

// htmlGolden compares got with testdata/html/<name>, or rewrites it with
// -update. On a difference it shows the first differing line rather than
// the whole page.
func htmlGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "html", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports/render -run HTML -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s differs from the golden file at line %d (run go test ./reports/render -run HTML -update if the change is intended)\n got: %.400s\nwant: %.400s", path, i+1, g, w)
		}
	}
}

func TestWriteHTMLGolden(t *testing.T) {
	t.Parallel()
	htmlGolden(t, "report.golden.html", renderHTML(t, htmlFixtureReport()))
}

func TestWriteHTMLEmptyGolden(t *testing.T) {
	t.Parallel()
	htmlGolden(t, "empty.golden.html", renderHTML(t, reports.New(reports.Meta{Scenario: "empty"})))
}

var (
	svgRE      = regexp.MustCompile(`(?s)<svg .*?</svg>`)
	externalRE = regexp.MustCompile(`<[a-zA-Z][^<>]*\s(src|href)\s*=\s*["']?[a-z]+:|url\(`)
)

// checkPage checks what every rendered page must satisfy: six
// well-formed SVG plots and no script.
func checkPage(t *testing.T, page string) {
	t.Helper()
	svgs := svgRE.FindAllString(page, -1)
	if len(svgs) != 6 {
		t.Errorf("%d SVG plots, want 6", len(svgs))
	}
	for i, s := range svgs {
		d := xml.NewDecoder(strings.NewReader(s))
		for {
			_, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("SVG %d is not well-formed XML: %v", i, err)
				break
			}
		}
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Error("the page contains a script element")
	}
	if m := externalRE.FindString(page); m != "" {
		t.Errorf("the page refers to an external resource: %s", m)
	}
}

func TestWriteHTMLContent(t *testing.T) {
	t.Parallel()
	page := renderHTML(t, htmlFixtureReport())
	checkPage(t, page)
	for _, want := range []string{
		"wander-and-chat", "Players log in", "VALID", "v0.9.0 (51ff3b7)", "127.0.0.1:4000 (telnet)",
		"loadgen-1 · linux/amd64 · 8 CPUs · go1.26.0", "2026-11-25 12:00:00 UTC", "2m0s", "1/2,2/2",
		// the tables
		">look<", ">measure_lag<", ">all actions<", "timeout", "disconnected", "error rate", "p99.9",
		"Latency from the intended send time", ">logged_in<", "lost: rejected 2",
		"p99(*) &lt; 250ms", "✗ FAIL", "✓ pass", `unknown action &#34;emote&#34;`,
		"in (client → server)", "GOMAXPROCS=8", "of limit 1,048,576",
		// the plots
		`id="plot-latency-time"`, `id="plot-machine-load"`, `id="plot-percentiles"`, `id="plot-throughput"`, `id="plot-sessions"`, `id="plot-funnel"`,
		"latency (log scale)", "99.9%", "time since start (m:ss)", "commands / s", "planned (200)", "−3 lost: refused 3",
		"<title>t=61s: p50 ", "% of all cores", "other processes 42%, own 30%, run queue 4.0, timer late up to 9.00ms",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "no data") {
		t.Error("a plot of the full report says no data")
	}
}

func TestWriteHTMLEmpty(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]*reports.Report{"New": reports.New(reports.Meta{}), "zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			page := renderHTML(t, r)
			checkPage(t, page)
			if n := strings.Count(page, `class="nodata"`); n != 6 {
				t.Errorf("%d plots say no data, want 6", n)
			}
			for _, want := range []string{"INVALID", "no reason was recorded", "(unnamed scenario)", "No data: no commands were recorded.", "No data: no echo probes"} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
		})
	}
}

func TestWriteHTMLTimelineWithoutAnswers(t *testing.T) {
	t.Parallel()
	r := reports.New(reports.Meta{Scenario: "stalled", Clients: 5, Duration: 3 * time.Second})
	for sec := range 3 {
		iv := r.IntervalAt(sec)
		iv.Sent, iv.Failed, iv.Connected = 2, 2, 5
	}
	page := renderHTML(t, r)
	checkPage(t, page)
	if !strings.Contains(page, "no data: no commands were answered") {
		t.Error("the latency plot of a run without answers does not say so")
	}
	if n := strings.Count(page, `class="nodata"`); n != 3 { // latency, percentiles, machine load
		t.Errorf("%d plots say no data, want 3", n)
	}
}

func TestWriteHTMLEscapes(t *testing.T) {
	t.Parallel()
	const evil = `<script>alert(1)</script>`
	r := htmlFixtureReport()
	r.Meta.Scenario = evil
	r.Meta.Description = `"><img src=x onerror=alert(2)>`
	r.Meta.Target = `</title><script>alert(3)</script>`
	r.Meta.Valid = false
	r.Meta.InvalidReasons = []string{"<b>late</b> & <i>slow</i>"}
	r.Meta.Machine.Hostname = "<svg onload=alert(4)>"
	a := r.Action(`<script>alert(5)</script>`)
	a.Sent, a.Failed = 2, map[string]int64{`<img src=y>`: 1}
	a.Answered = 1
	a.Latency.Record(time.Millisecond)
	r.Phase(`<style>body{display:none}</style>`).Reached = 1
	r.Timeline[3].ActionLatency(`</text><script>alert(6)</script>`).Record(time.Millisecond)
	r.Generator.Notes = append(r.Generator.Notes, `<iframe src="x">`)
	r.Thresholds = append(r.Thresholds, reports.ThresholdResult{Expr: `p99(<x>) < 1s`, Err: `unknown action "<x>"`})
	page := renderHTML(t, r)
	checkPage(t, page)
	for _, bad := range []string{"<script", "<img", "<b>", "<i>", "<iframe", "<style>body", "<svg onload"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(5)&lt;/script&gt;", "&lt;img src=y&gt; 1", "INVALID"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks the escaped %q", want)
		}
	}
}

// A report read back from JSON has packed histograms (as Compact makes
// them); its page is the same.
func TestWriteHTMLPackedHistograms(t *testing.T) {
	t.Parallel()
	r := htmlFixtureReport()
	want := renderHTML(t, r)
	for _, a := range r.Actions {
		a.Latency.Compact()
		a.TTFB.Compact()
		a.Corrected.Compact()
	}
	for _, p := range r.Phases {
		p.Latency.Compact()
	}
	for _, h := range []*reports.Histogram{r.Lag.In, r.Lag.Out, r.Lag.Total, r.Generator.TimerLateness, r.Generator.SendSlip} {
		h.Compact()
	}
	if got := renderHTML(t, r); got != want {
		t.Error("the page of the report with packed histograms differs from the original's")
	}
}

func TestWriteHTMLDoesNotModifyReport(t *testing.T) {
	t.Parallel()
	r := htmlFixtureReport()
	before := r.Clone()
	renderHTML(t, r)
	if !reflect.DeepEqual(r, before) {
		t.Error("WriteHTML modified the report")
	}
	var zero reports.Report
	renderHTML(t, &zero)
	if !reflect.DeepEqual(zero, reports.Report{}) {
		t.Error("WriteHTML normalized a zero report")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteHTMLWriteError(t *testing.T) {
	t.Parallel()
	err := HTML(failingWriter{}, htmlFixtureReport())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

// A long run keeps the page small: at most one hover column per 2px.
func TestWriteHTMLLongTimeline(t *testing.T) {
	t.Parallel()
	const n = 2000
	r := reports.New(reports.Meta{Scenario: "soak", Clients: 10, Duration: n * time.Second, Valid: true})
	// Seven packed histograms shared round-robin keep the test fast.
	var hs []*reports.Histogram
	for i := range 7 {
		h := reports.NewHistogram()
		h.RecordN(time.Duration(1+i)*time.Millisecond, 10)
		h.Compact()
		hs = append(hs, h)
	}
	for sec := range n {
		iv := r.IntervalAt(sec)
		iv.Sent, iv.Answered, iv.Connected, iv.LoggedIn = 10, 10, 10, 10
		iv.Latency = hs[sec%7]
	}
	page := renderHTML(t, r)
	checkPage(t, page)
	if !strings.Contains(page, "time since start (m:ss)") || !strings.Contains(page, ">30:00<") {
		t.Error("a half-hour timeline is not labelled in m:ss")
	}
	if n := strings.Count(page, "<title>t="); n > 3*410 {
		t.Errorf("%d hover columns, want at most about 400 per timeline plot", n)
	}
	if !strings.Contains(page, "<title>t=0–4s: p50 1.00ms–5.00ms, p99 1.00ms–5.00ms") {
		t.Error("hover columns do not group seconds")
	}
}

func TestFmtLatency(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "0ns", 850: "850ns", 1500: "1.50µs", 12_500: "12.5µs", 999_000: "999µs",
		1_234_567: "1.23ms", 250 * time.Millisecond: "250ms", 2500 * time.Millisecond: "2.50s", 1500 * time.Second: "1500s",
	} {
		if got := fmtLatency(d); got != want {
			t.Errorf("fmtLatency(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

func TestFmtIntAndPercent(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1048576: "1,048,576", -12345: "-12,345"} {
		if got := fmtInt(n); got != want {
			t.Errorf("fmtInt(%d) = %q, want %q", n, got, want)
		}
	}
	for f, want := range map[float64]string{0: "0%", 0.00001: "<0.01%", 0.0123: "1.2%", 0.001234: "0.12%", 0.5: "50.0%", 0.99999: "100%", 1: "100%"} {
		if got := fmtPercent(f); got != want {
			t.Errorf("fmtPercent(%v) = %q, want %q", f, got, want)
		}
	}
}

var svgTextRE = regexp.MustCompile(`<text x="([0-9.]+)" [^>]*?(text-anchor="(?:middle|end)")?[^>]*>(?:<title>[^<]*</title>)?([^<]*)</text>`)

// The funnel's labels stay inside the plot however many loss reasons
// there are, and however long the phase names.
func TestFunnelFits(t *testing.T) {
	t.Parallel()
	lost := map[string]int64{}
	var lostTotal int64
	for _, reason := range []string{"refused", "timeout", "reset by peer", "dns failure", "tls handshake", "too many open files"} {
		lost[reason] = int64(len(reason))
		lostTotal += lost[reason]
	}
	stages := []funnelStage{
		{name: "planned", reached: 100000},
		{name: "connect", reached: 99000, lost: lost, lostTotal: lostTotal, p50: 1234567},
		{name: "a-phase-name-that-is-far-too-long-for-the-label-column", reached: 50, lost: lost, lostTotal: lostTotal},
	}
	plot := string(funnelPlot(stages))
	for _, m := range svgTextRE.FindAllStringSubmatch(plot, -1) {
		x, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		w := svg.TextWidth(html.UnescapeString(m[3]))
		lo, hi := x, x+w
		switch {
		case strings.Contains(m[2], "end"):
			lo, hi = x-w, x
		case strings.Contains(m[2], "middle"):
			lo, hi = x-w/2, x+w/2
		}
		if lo < 0 || hi > svg.Width+1 {
			t.Errorf("text %q spans %.0f..%.0f, outside the plot's 0..%v", m[3], lo, hi, svg.Width)
		}
	}
	if !strings.Contains(plot, "…") {
		t.Error("nothing was shortened")
	}
}
