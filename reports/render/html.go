package render

import (
	"bytes"
	_ "embed" // the page template
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/render/svg"
)

//go:embed html.tmpl
var htmlPageTemplate string

// htmlTemplate is the page; its data is an htmlPage.
var htmlTemplate = template.Must(template.New("report.html").Parse(htmlPageTemplate))

// HTML writes the report as one self-contained HTML page: the run's
// description and validity, summary tables (actions, connection phases,
// thresholds, echo lag, the generator's health) and five plots drawn as
// inline SVG: latency over time, the latency distribution by percentile,
// throughput, sessions over time and the connection funnel. The page
// needs no network and no script (tooltips are SVG titles), so it can be
// archived as a CI artifact and opened anywhere. Every string of the
// report is escaped. A report without data renders with "no data"
// placeholders; a nil report renders as an empty one. HTML does not
// modify r.
func HTML(w io.Writer, r *reports.Report) error {
	if r == nil {
		r = &reports.Report{}
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, newHTMLPage(r)); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// htmlPage is the data of the page template.
type htmlPage struct {
	Scenario       string
	Description    string
	Valid          bool
	InvalidReasons []string
	BusyReasons    []string
	Meta           []htmlField
	Cards          []htmlField
	Actions        []htmlActionRow
	Total          htmlActionRow
	Corrected      []htmlActionRow // open model: latency from the intended send time
	Phases         []htmlPhaseRow
	Clients        []htmlField
	Transports     []htmlTransport
	Checks         []htmlCheckRow
	Thresholds     []reports.ThresholdResult
	ThresholdsPass int
	Lag            []htmlLagRow
	Generator      []htmlField
	Notes          []string
	Plots          []htmlPlot
}

// htmlField is a labelled value; Bad marks it as a problem.
type htmlField struct {
	Label string
	Value string
	Sub   string
	Bad   bool
}

// htmlActionRow is one row of the actions table.
type htmlActionRow struct {
	Name                        string
	Sent, Answered, Failed      string
	FailedBy                    string
	ErrorRate                   string
	HasFailures                 bool
	Count                       string // of the corrected rows
	TTFB50, P50, P90, P99, P999 string
	Max                         string
}

// htmlCheckRow is one row of the response checks table.
type htmlCheckRow struct {
	Name                      string
	Checked, Passed, PassRate string
	FailedBy                  string
	HasFailures, Total        bool
}

// checkRows returns the rows of the response checks table: the actions
// that checked a command, then all of them together (tot) when there are
// several.
func checkRows(actions map[string]*reports.Action, tot *reports.Checks) []htmlCheckRow {
	names := checkedActions(actions)
	row := func(name string, c *reports.Checks) htmlCheckRow {
		return htmlCheckRow{Name: name, Checked: fmtInt(c.Total()), Passed: fmtInt(c.Passed),
			PassRate: passRateText(c.Passed, c.Total()), FailedBy: topFailuresText(c, safeText), HasFailures: c.FailedTotal() > 0}
	}
	var rows []htmlCheckRow
	for _, n := range names {
		rows = append(rows, row(n, actions[n].Checks))
	}
	if len(names) > 1 {
		t := row("all actions", tot)
		t.Total = true
		rows = append(rows, t)
	}
	return rows
}

// htmlPhaseRow is one row of the phases table.
type htmlPhaseRow struct {
	Name     string
	Reached  string
	Percent  string
	Lost     string
	LostBy   string
	HasLost  bool
	P50, P99 string
	Max      string
}

// htmlTransport is the part of the run of one transport.
type htmlTransport struct {
	Name, Target string
	Clients      []htmlField
	Actions      []htmlActionRow
	Total        htmlActionRow
	Phases       []htmlPhaseRow
	Wire         string
}

// htmlLagRow is one row of the echo lag table.
type htmlLagRow struct {
	Name          string
	Count         string
	P50, P99, Max string
}

// htmlPlot is one figure.
type htmlPlot struct {
	ID      string
	Caption string
	SVG     template.HTML
}

// newHTMLPage computes everything the page shows from r, without
// modifying it.
func newHTMLPage(r *reports.Report) *htmlPage {
	m := r.Meta
	p := &htmlPage{
		Scenario:       m.Scenario,
		Description:    m.Description,
		Valid:          m.Valid,
		InvalidReasons: m.InvalidReasons,
		BusyReasons:    m.BusyReasons,
		Thresholds:     r.Thresholds,
		Notes:          r.Generator.Notes,
	}
	if p.Scenario == "" {
		p.Scenario = "(unnamed scenario)"
	}
	for _, t := range r.Thresholds {
		if t.Pass {
			p.ThresholdsPass++
		}
	}
	p.Meta = htmlMeta(r)

	// Actions, with unpacked copies of the histograms that are read many times.
	names := slices.Sorted(maps.Keys(r.Actions))
	tot := r.Totals()
	total := &tot
	var series []percentileSeries
	for i, name := range names {
		a := r.Actions[name]
		if a == nil {
			continue
		}
		lat := unpacked(a.Latency)
		p.Actions = append(p.Actions, actionRow(name, a, lat))
		if c := unpacked(a.Corrected); c.Count() > 0 {
			p.Corrected = append(p.Corrected, correctedRow(name, c))
		}
		series = append(series, percentileSeries{name: name, h: lat,
			color: svg.Palette[i%len(svg.Palette)], dash: svg.Dashes[(i/len(svg.Palette))%len(svg.Dashes)], width: 1.75})
	}
	p.Total = actionRow("all actions", total, total.Latency)
	p.Checks = checkRows(r.Actions, total.Checks)
	if len(p.Corrected) > 0 {
		p.Corrected = append(p.Corrected, correctedRow("all actions", total.Corrected))
	}
	all := []percentileSeries{{name: "all actions", h: total.Latency, color: colAll, width: 2.75}}
	if len(p.Corrected) > 0 {
		all = append(all, percentileSeries{name: "all, from intended send time", h: total.Corrected, color: colAll, dash: "7 4", width: 2})
	}
	series = append(all, series...)

	p.Phases = htmlPhases(r.Phases, plannedClients(r))
	p.Clients = htmlClients(r.Clients, plannedClients(r))
	p.Transports = htmlTransports(r)
	p.Lag = htmlLag(r.Lag)
	p.Generator = htmlGenerator(r.Generator, total.Sent)
	p.Cards = htmlCards(r, total, p.ThresholdsPass)

	// Plots.
	stats := timelineStats(r.Timeline)
	planned := plannedClients(r)
	p.Plots = []htmlPlot{
		{ID: "latency-time", SVG: latencyOverTimePlot(r.Timeline, stats),
			Caption: "The median (p50), 99th percentile and maximum latency of the commands answered in each second, all actions together. Hover for the values."},
		{ID: "machine-load", SVG: machineLoadPlot(r.Timeline),
			Caption: "The machine's CPU in each second, as a share of all its cores: the run's own processes, other processes (the background load a comparison judges), and CPU steal. Latency that rises with the background is the neighbours' doing. Hover for the run queue and the generator's timer lateness."},
		{ID: "percentiles", SVG: percentilePlot(series),
			Caption: "Latency at each percentile over the whole run, for all commands and per action: the x axis spreads the tail (each step to the right is ten times rarer), up to the highest percentile the number of samples supports. Read a point as “this fraction of commands was answered within this time”."},
		{ID: "throughput", SVG: throughputPlot(r.Timeline),
			Caption: "Commands answered and failed in each second (stacked), and commands sent."},
		{ID: "sessions", SVG: sessionsPlot(r.Timeline, planned),
			Caption: "Clients connected and logged in at the end of each second."},
		{ID: "funnel", SVG: funnelPlot(funnelStages(r, planned)),
			Caption: "How many clients reached each connection phase, and how many were lost before it (by reason)."},
	}
	return p
}

// unpacked returns a live copy of h, so that reading many quantiles of a
// packed histogram decodes it once.
func unpacked(h *reports.Histogram) *reports.Histogram {
	c := reports.NewHistogram()
	c.Merge(h)
	return c
}

// plannedClients returns the planned number of clients.
func plannedClients(r *reports.Report) int64 {
	if r.Clients.Planned > 0 {
		return r.Clients.Planned
	}
	return int64(r.Meta.Clients)
}

func htmlMeta(r *reports.Report) []htmlField {
	m := r.Meta
	or := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	target := or(m.Target)
	if m.Protocol != "" {
		target += " (" + m.Protocol + ")"
	}
	tool := or(m.Version)
	if m.Commit != "" {
		tool += " (" + m.Commit + ")"
	}
	var machine []string
	mc := m.Machine
	if mc.Hostname != "" {
		machine = append(machine, mc.Hostname)
	}
	if mc.OS != "" || mc.Arch != "" {
		machine = append(machine, mc.OS+"/"+mc.Arch)
	}
	if mc.CPUs > 0 {
		machine = append(machine, fmt.Sprintf("%d CPUs", mc.CPUs))
	}
	if mc.GoVersion != "" {
		machine = append(machine, mc.GoVersion)
	}
	start := "—"
	if !m.Start.IsZero() {
		start = m.Start.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	shard := m.Shard
	if shard == "" {
		shard = "whole run"
	}
	duration := fmtRunDuration(m.Duration)
	if m.Interrupted {
		duration += " (INTERRUPTED: " + interruptedText + ")"
	}
	return []htmlField{
		{Label: "Model", Value: or(m.Model)},
		{Label: "Completion", Value: or(completionText(m.Completion))},
		{Label: "Seed", Value: strconv.FormatInt(m.Seed, 10)},
		{Label: "Planned clients", Value: fmtInt(plannedClients(r))},
		{Label: "Target", Value: target},
		{Label: "Tool version", Value: tool},
		{Label: "Machine", Value: or(strings.Join(machine, " · "))},
		{Label: "Start", Value: start},
		{Label: "Duration", Value: duration},
		{Label: "Shard", Value: shard},
		{Label: "Processes", Value: strconv.Itoa(max(m.Procs, 1))},
		{Label: "Report layout", Value: "version " + strconv.Itoa(r.Version)},
	}
}

func actionRow(name string, a *reports.Action, lat *reports.Histogram) htmlActionRow {
	failed := a.FailedTotal()
	row := htmlActionRow{
		Name:        name,
		Sent:        fmtInt(a.Sent),
		Answered:    fmtInt(a.Answered),
		Failed:      fmtInt(failed),
		FailedBy:    htmlCounts(a.Failed),
		HasFailures: failed > 0,
		ErrorRate:   "—",
		TTFB50:      quantileText(a.TTFB, 0.5),
		P50:         quantileText(lat, 0.5),
		P90:         quantileText(lat, 0.9),
		P99:         quantileText(lat, 0.99),
		P999:        quantileText(lat, 0.999),
		Max:         maxText(lat),
	}
	if a.Sent > 0 {
		row.ErrorRate = fmtPercent(float64(failed) / float64(a.Sent))
	}
	return row
}

func correctedRow(name string, h *reports.Histogram) htmlActionRow {
	return htmlActionRow{
		Name:  name,
		Count: fmtInt(h.Count()),
		P50:   quantileText(h, 0.5),
		P90:   quantileText(h, 0.9),
		P99:   quantileText(h, 0.99),
		P999:  quantileText(h, 0.999),
		Max:   maxText(h),
	}
}

func htmlPhases(phases map[string]*reports.Phase, planned int64) []htmlPhaseRow {
	var rows []htmlPhaseRow
	for _, name := range reports.PhaseOrder(phases) {
		ph := phases[name]
		if ph == nil {
			ph = &reports.Phase{}
		}
		lat := unpacked(ph.Latency)
		lost := ph.LostTotal()
		row := htmlPhaseRow{
			Name: name, Reached: fmtInt(ph.Reached), Percent: "—",
			Lost: fmtInt(lost), LostBy: htmlCounts(ph.Lost), HasLost: lost > 0,
			P50: quantileText(lat, 0.5), P99: quantileText(lat, 0.99), Max: maxText(lat),
		}
		if planned > 0 {
			row.Percent = fmtPercent(float64(ph.Reached) / float64(planned))
		}
		rows = append(rows, row)
	}
	return rows
}

func htmlClients(c reports.Clients, planned int64) []htmlField {
	lost := c.LostTotal()
	return []htmlField{
		{Label: "planned", Value: fmtInt(planned)},
		{Label: "started", Value: fmtInt(c.Started)},
		{Label: "logged in", Value: fmtInt(c.LoggedIn)},
		{Label: "finished", Value: fmtInt(c.Finished)},
		{Label: "lost", Value: fmtInt(lost), Sub: htmlCounts(c.Lost), Bad: lost > 0},
	}
}

// htmlTransports is each transport's part of the run: its clients,
// actions and phases (the "of planned" column against the clients it
// started, as the plan is not split), and its wire figures.
func htmlTransports(r *reports.Report) []htmlTransport {
	var out []htmlTransport
	for _, name := range r.TransportNames() {
		t := r.Transports[name]
		ht := htmlTransport{Name: name, Target: t.Target, Wire: wireText(t.Wire)}
		ht.Clients = htmlClients(t.Clients, t.Clients.Started)[1:]
		ht.Phases = htmlPhases(t.Phases, t.Clients.Started)
		total := t.Totals()
		for _, an := range slices.Sorted(maps.Keys(t.Actions)) {
			a := t.Actions[an]
			ht.Actions = append(ht.Actions, actionRow(an, a, unpacked(a.Latency)))
		}
		ht.Total = actionRow("all actions", &total, unpacked(total.Latency))
		out = append(out, ht)
	}
	return out
}

func funnelStages(r *reports.Report, planned int64) []funnelStage {
	stages := []funnelStage{{name: "planned", reached: planned}}
	for _, name := range reports.PhaseOrder(r.Phases) {
		ph := r.Phases[name]
		if ph == nil {
			ph = &reports.Phase{}
		}
		stages = append(stages, funnelStage{name: name, reached: ph.Reached, lost: ph.Lost, lostTotal: ph.LostTotal(), p50: ph.Latency.Quantile(0.5)})
	}
	return stages
}

func htmlLag(l reports.Lag) []htmlLagRow {
	if l.In.Count()+l.Out.Count()+l.Total.Count() == 0 {
		return nil
	}
	row := func(name string, h *reports.Histogram) htmlLagRow {
		h = unpacked(h)
		return htmlLagRow{Name: name, Count: fmtInt(h.Count()), P50: quantileText(h, 0.5), P99: quantileText(h, 0.99), Max: maxText(h)}
	}
	return []htmlLagRow{
		row("in (client → server)", l.In),
		row("out (server → client)", l.Out),
		row("total (round trip)", l.Total),
	}
}

func htmlGenerator(g reports.Generator, sent int64) []htmlField {
	dist := func(h *reports.Histogram) string {
		if h.Count() == 0 {
			return "—"
		}
		h = unpacked(h)
		return fmt.Sprintf("p50 %s · p99 %s · max %s", fmtLatency(h.Quantile(0.5)), fmtLatency(h.Quantile(0.99)), fmtLatency(h.Max()))
	}
	fds := "—"
	fdBad := false
	if g.FDMax > 0 || g.FDLimit > 0 {
		fds = fmt.Sprintf("max %s of limit %s", fmtInt(int64(g.FDMax)), fmtInt(int64(g.FDLimit)))
		fdBad = g.FDLimit > 0 && float64(g.FDMax) > 0.8*float64(g.FDLimit)
	}
	fields := []htmlField{
		{Label: "Timer lateness", Value: dist(g.TimerLateness), Bad: g.TimerLateness.Quantile(0.99) > 10*time.Millisecond},
		{Label: "Send slip", Value: dist(g.SendSlip), Bad: g.SendSlip.Quantile(0.99) > 10*time.Millisecond},
		{Label: "CPU", Value: fmt.Sprintf("mean %s · max %s of all cores", fmtPercent(g.CPUMean), fmtPercent(g.CPUMax)), Bad: g.CPUMax > 0.9},
		{Label: "File descriptors", Value: fds, Bad: fdBad},
	}
	if m := g.Memory; m.Clients > 0 {
		fields = append(fields, htmlField{Label: "Memory per client", Value: fmt.Sprintf("%s RSS · %s heap · %s stacks (%s clients)",
			fmtBytes(int64(m.RSSPerClient())), fmtBytes(int64(m.HeapPerClient())), fmtBytes(int64(m.StacksPerClient())), fmtInt(m.Clients))})
	}
	if c := g.CPUPerCommand(sent); c > 0 {
		fields = append(fields, htmlField{Label: "CPU per command", Value: FormatDuration(c)})
	}
	return fields
}

func htmlCards(r *reports.Report, total *reports.Action, thresholdsPassed int) []htmlField {
	failed := total.FailedTotal()
	planned := plannedClients(r)
	cards := []htmlField{
		{Label: "Duration", Value: fmtRunDuration(r.Meta.Duration), Sub: fmt.Sprintf("%d s timeline", len(r.Timeline))},
		{Label: "Clients logged in", Value: fmtInt(r.Clients.LoggedIn), Sub: "of " + fmtInt(planned) + " planned",
			Bad: planned > 0 && r.Clients.LoggedIn < planned},
		{Label: "Commands answered", Value: fmtInt(total.Answered), Sub: "of " + fmtInt(total.Sent) + " sent"},
		{Label: "Failed", Value: fmtInt(failed), Sub: "error rate —", Bad: failed > 0},
		{Label: "Throughput", Value: "—", Sub: "answered per second"},
		{Label: "p99 latency", Value: quantileText(total.Latency, 0.99), Sub: "p50 " + quantileText(total.Latency, 0.5)},
	}
	if total.Sent > 0 {
		cards[3].Sub = "error rate " + fmtPercent(float64(failed)/float64(total.Sent))
	}
	if r.Meta.Duration > 0 {
		cards[4].Value = strconv.FormatFloat(float64(total.Answered)/r.Meta.Duration.Seconds(), 'f', 1, 64) + "/s"
	}
	if n := len(r.Thresholds); n > 0 {
		cards = append(cards, htmlField{Label: "Thresholds", Value: fmt.Sprintf("%d / %d", thresholdsPassed, n), Sub: "passed", Bad: thresholdsPassed < n})
	}
	return cards
}

// ---- formatting ----

// quantileText formats a quantile of h, or "—" when h is empty.
func quantileText(h *reports.Histogram, q float64) string {
	if h.Count() == 0 {
		return "—"
	}
	return fmtLatency(h.Quantile(q))
}

func maxText(h *reports.Histogram) string {
	if h.Count() == 0 {
		return "—"
	}
	return fmtLatency(h.Max())
}

// fmtLatency formats a latency with three significant digits: 850ns,
// 12.5µs, 1.23ms, 2.5s.
func fmtLatency(d time.Duration) string {
	v := float64(d)
	switch {
	case v < 1e3:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case v < 1e6:
		return sig3(v/1e3) + "µs"
	case v < 1e9:
		return sig3(v/1e6) + "ms"
	}
	return sig3(v/1e9) + "s"
}

// sig3 formats v ≥ 1 with three significant digits, more for v ≥ 1000.
func sig3(v float64) string {
	dec := 0
	switch {
	case v < 10:
		dec = 2
	case v < 100:
		dec = 1
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// fmtRunDuration formats the run's duration: 2m0s, 1.5s.
func fmtRunDuration(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	if d >= time.Second {
		return d.Round(time.Millisecond).String()
	}
	return fmtLatency(d)
}

// fmtPercent formats a fraction as a percentage.
func fmtPercent(f float64) string {
	v := f * 100
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case v == 0:
		return "0%"
	case v < 0.01:
		return "<0.01%"
	case v < 1:
		return strconv.FormatFloat(v, 'f', 2, 64) + "%"
	case v < 99.95 || v > 100:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "%"
}

// fmtInt formats an integer with thousands separators: 12,345.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// htmlCounts formats counts by reason, largest first: "timeout 3, refused 1".
func htmlCounts(m map[string]int64) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if m[k] != 0 {
			parts = append(parts, k+" "+fmtInt(m[k]))
		}
	}
	return strings.Join(parts, ", ")
}
