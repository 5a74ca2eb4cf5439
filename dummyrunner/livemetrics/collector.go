package livemetrics

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

// Namespace starts the name of every metric of a [Collector].
const Namespace = "portalsim"

// RunInfo identifies a run: the labels of portalsim_run_info and the
// run's plan.
type RunInfo struct {
	Scenario, RunID, Target, Model, Protocol, Version string
	// Shard is the part of the run this process drives ("i/n", -shard);
	// empty for a whole run.
	Shard string
	Seed  int64
	// Start is when the run began; Planned its planned length.
	Start   time.Time
	Planned time.Duration
	// Clients is the planned number of players; Procs the number of
	// generator processes.
	Clients, Procs int
}

// clientStates are the client states always exposed (at 0 when no
// client is in one), so a dashboard's series exist from the start.
var clientStates = []string{
	dummyrunner.StateConnecting, dummyrunner.StateConnected, dummyrunner.StateLoginScreen,
	dummyrunner.StateLoggingIn, dummyrunner.StateLoggedIn, dummyrunner.StateLoggingOut,
}

// Collector is a prometheus.Collector of a run's live metrics: at each
// scrape it sums the Snapshots of its [Source] and exposes them, with
// the run's [RunInfo]. Create one with [NewCollector].
type Collector struct {
	info RunInfo
	src  Source
	d    descs
}

// descs are the descriptions of a Collector's metrics.
type descs struct {
	runInfo, runStart, runPlanned, runClients, runProcs   *prometheus.Desc
	sent, answered, failed, checksPassed, checksFailed    *prometheus.Desc
	latency, ttfb                                         *prometheus.Desc
	clients, started, finished, lost                      *prometheus.Desc
	phaseReached, phaseLatency, phaseLost                 *prometheus.Desc
	lag, lateness, cpu, fds, fdLimit                      *prometheus.Desc
	faultsStarted, faultsEnded, faultsActive, faultErrors *prometheus.Desc
}

func newDescs() descs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(Namespace+"_"+name, help, labels, nil)
	}
	fault := []string{"kind", "side"}
	return descs{
		runInfo:       d("run_info", "The run: its scenario, run id, shard (empty for a whole run), seed, target, model, protocol and tool version (always 1).", "scenario", "run_id", "shard", "seed", "target", "model", "protocol", "version"),
		runStart:      d("run_start_time_seconds", "When the run began, in seconds since the Unix epoch."),
		runPlanned:    d("run_planned_duration_seconds", "How long the run is planned to last."),
		runClients:    d("run_planned_clients", "How many players the run plans."),
		runProcs:      d("run_processes", "How many generator processes the run has (-procs)."),
		sent:          d("commands_sent_total", "Commands sent, by action.", "action"),
		answered:      d("commands_answered_total", "Commands answered completely, by action.", "action"),
		failed:        d("commands_failed_total", "Commands without a complete (or an acceptable) answer, by action and reason.", "action", "reason"),
		checksPassed:  d("checks_passed_total", "Answers that passed their response checks, by action.", "action"),
		checksFailed:  d("checks_failed_total", "Answers that failed a response check, by action (also counted in commands_failed_total with reason \"check\").", "action"),
		latency:       d("command_latency_seconds", "Time from sending a command to its complete answer, by action.", "action"),
		ttfb:          d("command_ttfb_seconds", "Time from sending a command to the first byte of its answer, by action.", "action"),
		clients:       d("clients", "Players in each state now.", "state"),
		started:       d("clients_started_total", "Players that began connecting."),
		finished:      d("clients_finished_total", "Players that ran their script to the end."),
		lost:          d("clients_lost_total", "Players lost before finishing, by reason.", "reason"),
		phaseReached:  d("phase_reached_total", "Players that reached each connection phase.", "phase"),
		phaseLatency:  d("phase_seconds", "Time from the start of a connection attempt to reaching each phase.", "phase"),
		phaseLost:     d("phase_lost_total", "Players lost before reaching each connection phase, by reason.", "phase", "reason"),
		lag:           d("lag_seconds", "The echo probe's lag: in (client to server), out (server to client) and total.", "direction"),
		lateness:      d("generator_timer_lateness_seconds", "How late the generator's timer probe woke: high values mean the generator, not the server, is slow."),
		cpu:           d("generator_cpu_ratio", "CPU used by each generator process in its last second, as a fraction of all cores.", "proc"),
		fds:           d("generator_open_fds", "Open file descriptors of each generator process.", "proc"),
		fdLimit:       d("generator_fd_limit", "The file descriptor limit of each generator process.", "proc"),
		faultsStarted: d("faults_started_total", "Injected faults begun, by kind and side.", fault...),
		faultsEnded:   d("faults_ended_total", "Injected faults lifted, by kind and side.", fault...),
		faultsActive:  d("faults_active", "Injected faults in force now, by kind and side.", fault...),
		faultErrors:   d("fault_errors_total", "Faults that could not be injected or lifted, by kind and side.", fault...),
	}
}

// NewCollector returns a Collector of the run info describes, reading
// its measurements from src at each scrape.
func NewCollector(info RunInfo, src Source) *Collector {
	return &Collector{info: info, src: src, d: newDescs()}
}

var _ prometheus.Collector = (*Collector)(nil)

// Describe sends the descriptions of every metric (prometheus.Collector).
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.d.runInfo, c.d.runStart, c.d.runPlanned, c.d.runClients, c.d.runProcs,
		c.d.sent, c.d.answered, c.d.failed, c.d.checksPassed, c.d.checksFailed, c.d.latency, c.d.ttfb,
		c.d.clients, c.d.started, c.d.finished, c.d.lost,
		c.d.phaseReached, c.d.phaseLatency, c.d.phaseLost,
		c.d.lag, c.d.lateness, c.d.cpu, c.d.fds, c.d.fdLimit,
		c.d.faultsStarted, c.d.faultsEnded, c.d.faultsActive, c.d.faultErrors,
	} {
		ch <- d
	}
}

// Collect sends the metrics of the Source's Snapshots, summed
// (prometheus.Collector).
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	e := emitter{ch}
	snaps := c.src.Snapshots()
	sum := NewSnapshot()
	for _, s := range snaps {
		sum.Add(s)
	}
	c.collectRun(e)
	c.collectCommands(e, sum)
	c.collectClients(e, sum)
	c.collectGenerator(e, sum, snaps)
	c.collectFaults(e, sum)
}

func (c *Collector) collectRun(e emitter) {
	i := c.info
	e.gauge(c.d.runInfo, 1, i.Scenario, i.RunID, i.Shard, strconv.FormatInt(i.Seed, 10), i.Target, i.Model, i.Protocol, i.Version)
	if !i.Start.IsZero() {
		e.gauge(c.d.runStart, float64(i.Start.UnixNano())/1e9)
	}
	e.gauge(c.d.runPlanned, i.Planned.Seconds())
	e.gauge(c.d.runClients, float64(i.Clients))
	e.gauge(c.d.runProcs, float64(max(i.Procs, 1)))
}

func (c *Collector) collectCommands(e emitter, s Snapshot) {
	for _, name := range slices.Sorted(maps.Keys(s.Actions)) {
		a := s.Actions[name]
		e.counter(c.d.sent, a.Sent, name)
		e.counter(c.d.answered, a.Answered, name)
		for _, reason := range slices.Sorted(maps.Keys(a.Failed)) {
			e.counter(c.d.failed, a.Failed[reason], name, reason)
		}
		e.counter(c.d.checksPassed, a.ChecksPassed, name)
		e.counter(c.d.checksFailed, a.Failed[dummyrunner.ReasonCheck], name)
		e.histogram(c.d.latency, a.Latency, LatencyBuckets, name)
		e.histogram(c.d.ttfb, a.TTFB, LatencyBuckets, name)
	}
}

func (c *Collector) collectClients(e emitter, s Snapshot) {
	states := slices.Clone(clientStates)
	for st := range s.States {
		if !slices.Contains(states, st) {
			states = append(states, st)
		}
	}
	for _, st := range states {
		e.gauge(c.d.clients, float64(s.States[st]), st)
	}
	e.counter(c.d.started, s.Started)
	e.counter(c.d.finished, s.Finished)
	for _, reason := range slices.Sorted(maps.Keys(s.Lost)) {
		e.counter(c.d.lost, s.Lost[reason], reason)
	}
	phases := slices.Clone(reports.PhaseNames)
	for _, ph := range slices.Sorted(maps.Keys(s.Phases)) {
		if !slices.Contains(phases, ph) {
			phases = append(phases, ph)
		}
	}
	for _, ph := range phases {
		p := s.phase(ph)
		e.counter(c.d.phaseReached, p.Reached, ph)
		e.histogram(c.d.phaseLatency, p.Latency, PhaseBuckets, ph)
		for _, reason := range slices.Sorted(maps.Keys(p.Lost)) {
			e.counter(c.d.phaseLost, p.Lost[reason], ph, reason)
		}
	}
	e.histogram(c.d.lag, s.LagIn, LatencyBuckets, "in")
	e.histogram(c.d.lag, s.LagOut, LatencyBuckets, "out")
	e.histogram(c.d.lag, s.LagTotal, LatencyBuckets, "total")
}

func (c *Collector) collectGenerator(e emitter, sum Snapshot, snaps []Snapshot) {
	e.histogram(c.d.lateness, sum.TimerLateness, LatencyBuckets)
	for i, s := range snaps {
		if s.Samples == 0 {
			continue
		}
		proc := strconv.Itoa(i)
		e.gauge(c.d.cpu, s.Health.CPU, proc)
		e.gauge(c.d.fds, float64(s.Health.FDs), proc)
		if s.Health.FDLimit > 0 {
			e.gauge(c.d.fdLimit, float64(s.Health.FDLimit), proc)
		}
	}
}

func (c *Collector) collectFaults(e emitter, s Snapshot) {
	keys := slices.SortedFunc(maps.Keys(s.Faults), func(a, b FaultKey) int {
		return strings.Compare(a.Kind+"\x00"+a.Side, b.Kind+"\x00"+b.Side)
	})
	for _, k := range keys {
		f := s.Faults[k]
		e.counter(c.d.faultsStarted, f.Started, k.Kind, k.Side)
		e.counter(c.d.faultsEnded, f.Ended, k.Kind, k.Side)
		e.gauge(c.d.faultsActive, float64(max(f.Started-f.Ended, 0)), k.Kind, k.Side)
		e.counter(c.d.faultErrors, f.Errors, k.Kind, k.Side)
	}
}

// emitter sends const metrics, turning a label value that is not UTF-8
// (an action name from someone's profile file) into one that is, and
// any other error into an invalid metric the registry reports.
type emitter struct{ ch chan<- prometheus.Metric }

func (e emitter) send(m prometheus.Metric, err error) {
	if err != nil {
		m = prometheus.NewInvalidMetric(prometheus.NewDesc(Namespace+"_invalid", "", nil, nil), err)
	}
	e.ch <- m
}

func validLabels(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToValidUTF8(v, "\uFFFD")
	}
	return out
}

func (e emitter) gauge(d *prometheus.Desc, v float64, labels ...string) {
	e.send(prometheus.NewConstMetric(d, prometheus.GaugeValue, v, validLabels(labels)...))
}

func (e emitter) counter(d *prometheus.Desc, v int64, labels ...string) {
	e.send(prometheus.NewConstMetric(d, prometheus.CounterValue, float64(v), validLabels(labels)...))
}

func (e emitter) histogram(d *prometheus.Desc, b Buckets, bounds []float64, labels ...string) {
	count, le := b.cumulative(bounds)
	e.send(prometheus.NewConstHistogram(d, count, b.Sum, le, validLabels(labels)...))
}

// Handler serves c at /metrics in Prometheus' exposition format (text,
// or protobuf and OpenMetrics when the scraper asks), together with
// client_golang's Go runtime (go_*) and process (process_*) collectors
// of this process.
func Handler(c *Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true}))
	return mux
}
