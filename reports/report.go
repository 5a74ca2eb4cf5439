package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// Version is the version of the report layout this package writes. It
// changes whenever a change to the JSON form would make an old reader
// misread a new report. Read also reads every version from
// MinReadVersion on, upgrading it.
//
// Version 2 added Transports (the run split by the door the clients came
// in through); a version 1 report reads as one with no split.
//
// Version 3 added Meta.Interrupted (a run stopped before its planned
// end), which an older reader would silently read as a complete run, and
// the shard identity (Meta.RunID and Meta.Shards). A version 1 or 2
// report reads as not interrupted and without a shard identity.
//
// Version 4 added Action.Checks (the response checks) and the failure
// reason ReasonCheck, which an older reader would count as failures of
// an unknown kind; a version 1 to 3 report reads as one whose commands
// were not checked.
const Version = 4

// MinReadVersion is the oldest report layout Read reads.
const MinReadVersion = 1

// The load models of Meta.Model.
const (
	// ModelClosed is a fixed population of clients, each waiting for its
	// previous command before it sends the next.
	ModelClosed = "closed"
	// ModelOpen is clients arriving at a planned rate whatever the server
	// does; latencies from the intended send time go to Action.Corrected.
	ModelOpen = "open"
)

// The connection phases, in the order a client reaches them.
const (
	// PhaseConnect is the TCP connection being established.
	PhaseConnect = "connect"
	// PhaseNegotiation is the end of the telnet option negotiation.
	PhaseNegotiation = "negotiation"
	// PhaseLoginScreen is the login screen (the first prompt) received.
	PhaseLoginScreen = "login_screen"
	// PhaseLoggedIn is the login confirmed.
	PhaseLoggedIn = "logged_in"
)

// PhaseNames lists the connection phases in the order a client reaches
// them. New creates a Phase for each. Do not modify it.
var PhaseNames = []string{PhaseConnect, PhaseNegotiation, PhaseLoginScreen, PhaseLoggedIn}

// Report is everything measured in one run of the load generator (or in
// one shard of it; see Merge). Create one with New; Read returns one
// whose maps and histograms are all allocated.
type Report struct {
	// Version is the layout version, Version for reports of this package.
	Version int `json:"version"`
	// Meta describes the run.
	Meta Meta `json:"meta"`
	// Clients counts the simulated clients.
	Clients Clients `json:"clients"`
	// Actions holds the commands by action kind ("look", "login",
	// "measure_lag", ...).
	Actions map[string]*Action `json:"actions"`
	// Phases holds the connection phases by name (see PhaseNames).
	Phases map[string]*Phase `json:"phases"`
	// Lag is the echo probe's latency split.
	Lag Lag `json:"lag"`
	// Timeline has one entry per second of the run; Timeline[i].Second is i.
	Timeline []Interval `json:"timeline"`
	// Generator describes the load generator's own health.
	Generator Generator `json:"generator"`
	// Transports splits the clients, commands and connection phases by
	// the transport the clients came in through ("telnet", "websocket",
	// "tls"), each a share of the totals above, with what its connections
	// moved; empty in a version 1 report.
	Transports map[string]*Transport `json:"transports,omitempty"`
	// Faults is the timeline of the faults injected during the run, in
	// the scenario's order; empty when none were.
	Faults []Fault `json:"faults,omitempty"`
	// Thresholds holds the results of the last Check.
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
}

// Meta describes a run.
type Meta struct {
	// Scenario is the scenario's name; reports of different scenarios do
	// not merge.
	Scenario string `json:"scenario"`
	// Description is the scenario's description.
	Description string `json:"description,omitempty"`
	// Seed is the random seed of the run; reports of different seeds do
	// not merge.
	Seed int64 `json:"seed"`
	// Version is the version of the tool that made the report.
	Version string `json:"tool_version"`
	// Commit is the source revision of the tool, if known.
	Commit string `json:"commit,omitempty"`
	// Target is the address the clients connected to.
	Target string `json:"target"`
	// Protocol is the protocol the clients spoke (e.g. "telnet").
	Protocol string `json:"protocol"`
	// Model is the load model, ModelClosed or ModelOpen.
	Model string `json:"model"`
	// Machine describes the machine the generator ran on.
	Machine Machine `json:"machine"`
	// Start is when the run started; Interval seconds count from it.
	Start time.Time `json:"start"`
	// Duration is how long the run lasted.
	Duration time.Duration `json:"duration_ns"`
	// Valid is false when the generator could not keep its schedule (or
	// failed otherwise), so the measurements describe the generator
	// rather than the server.
	Valid bool `json:"valid"`
	// InvalidReasons says why the run is not valid.
	InvalidReasons []string `json:"invalid_reasons,omitempty"`
	// Interrupted is true when the run was stopped before its planned
	// end (a signal, a cancelled context): its numbers cover only part of
	// the plan. Merge sets it when either report is.
	Interrupted bool `json:"interrupted,omitempty"`
	// RunID identifies the run (one invocation of the generator, shared
	// by its processes); empty in reports written before version 3,
	// which then have no shard identity.
	RunID string `json:"run_id,omitempty"`
	// Shards are the shards of the run the report covers, sorted; empty
	// for a whole (unsharded) run. Merge refuses to merge a shard twice
	// or two whole runs.
	Shards []ShardID `json:"shards,omitempty"`
	// Shard identifies the part of the run the report covers, e.g. "1/4";
	// empty for a whole run. Merge joins the labels with ",".
	Shard string `json:"shard,omitempty"`
	// Procs is the number of generator processes whose measurements the
	// report holds: 1 for a single process (New sets 0 to 1), summed by
	// Merge.
	Procs int `json:"procs"`
	// Clients is the planned number of clients.
	Clients int `json:"clients"`
	// Names is how the players' names were made: "unique" (a per-run
	// nonce, NameNonce, mixed into the seed's) or "seed" (the seed alone);
	// empty in older reports.
	Names string `json:"names,omitempty"`
	// NameNonce is the nonce of "unique" names.
	NameNonce string `json:"name_nonce,omitempty"`
	// LoadScope says which processes the machine load's Own counts:
	// LoadScopeRun or LoadScopeGenerator; empty when the machine load
	// was not measured.
	LoadScope string `json:"load_scope,omitempty"`
	// BusyReasons says why the machine was too busy for the run's
	// numbers to be trusted as the server's alone (other processes'
	// CPU, CPU steal); empty when it was not. Unlike InvalidReasons, it
	// does not make the run invalid: the numbers describe the server on
	// a shared machine. Merge joins both reports' reasons.
	BusyReasons []string `json:"busy_reasons,omitempty"`
	// Completion is how the run knew a command's output was complete:
	// "prompt", "marker", "regex", "echo" or "quiet 200ms" (a quiet gap
	// adds up to the gap to every latency's wait, not to the latency:
	// it is measured to the last byte, which may come before all of the
	// answer). Actions with their own mode are listed after it, as
	// "action=mode".
	Completion string `json:"completion,omitempty"`
}

// Machine describes the machine a generator ran on.
type Machine struct {
	// Hostname is the machine's host name.
	Hostname string `json:"hostname"`
	// OS is the operating system, as runtime.GOOS.
	OS string `json:"os"`
	// Arch is the architecture, as runtime.GOARCH.
	Arch string `json:"arch"`
	// CPUs is the number of logical CPUs.
	CPUs int `json:"cpus"`
	// GoVersion is the Go version the generator was built with.
	GoVersion string `json:"go_version"`
}

// CurrentMachine describes the machine the program runs on.
func CurrentMachine() Machine {
	host, _ := os.Hostname() // best effort: an unknown host name stays empty
	return Machine{
		Hostname:  host,
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		CPUs:      runtime.NumCPU(),
		GoVersion: runtime.Version(),
	}
}

// Clients counts the simulated clients of a run.
type Clients struct {
	// Planned is how many clients the scenario asked for.
	Planned int64 `json:"planned"`
	// Started is how many clients began connecting.
	Started int64 `json:"started"`
	// LoggedIn is how many clients logged in.
	LoggedIn int64 `json:"logged_in"`
	// Finished is how many clients ran their script to the end.
	Finished int64 `json:"finished"`
	// Lost counts the clients that did not finish, by reason.
	Lost map[string]int64 `json:"lost"`
	// LostDetails counts the lost clients whose loss is explained
	// further, by "reason: detail" (which login step failed, and why);
	// its keys come from the scenario, so there are few.
	LostDetails map[string]int64 `json:"lost_details,omitempty"`
}

// LostTotal returns the number of lost clients, all reasons together.
func (c *Clients) LostTotal() int64 {
	return sumCounts(c.Lost)
}

// Action is the commands of one action kind.
type Action struct {
	// Sent is how many commands were sent.
	Sent int64 `json:"sent"`
	// Answered is how many commands were answered completely.
	Answered int64 `json:"answered"`
	// Failed counts the commands without a complete answer, by reason
	// ("timeout", "disconnected", "aborted", ...).
	Failed map[string]int64 `json:"failed"`
	// TTFB is the time from sending a command to the first byte of its
	// answer.
	TTFB *Histogram `json:"ttfb"`
	// Latency is the time from sending a command to its complete answer.
	Latency *Histogram `json:"latency"`
	// Corrected is the latency measured from the intended send time (open
	// model), which includes the time a command waited to be sent; it may
	// be empty.
	Corrected *Histogram `json:"corrected"`
	// Checks counts the response checks of the action's commands; nil
	// when none was checked (see [Checks]).
	Checks *Checks `json:"checks,omitempty"`
}

// newAction returns an Action with its map and histograms allocated.
func newAction() *Action {
	return &Action{
		Failed:    map[string]int64{},
		TTFB:      NewHistogram(),
		Latency:   NewHistogram(),
		Corrected: NewHistogram(),
	}
}

// FailedTotal returns the number of failed commands, all reasons together.
func (a *Action) FailedTotal() int64 {
	return sumCounts(a.Failed)
}

// Accounted reports whether every sent command is either answered or
// failed: Sent == Answered + FailedTotal().
func (a *Action) Accounted() bool {
	return a.Sent == a.Answered+a.FailedTotal()
}

// merge adds o to a.
func (a *Action) merge(o *Action) {
	if o == nil {
		return
	}
	a.normalize()
	a.Sent += o.Sent
	a.Answered += o.Answered
	addCounts(a.Failed, o.Failed)
	a.TTFB.Merge(o.TTFB)
	a.Latency.Merge(o.Latency)
	a.Corrected.Merge(o.Corrected)
	a.mergeChecks(o.Checks)
}

func (a *Action) normalize() {
	if a.Failed == nil {
		a.Failed = map[string]int64{}
	}
	fill(&a.TTFB, &a.Latency, &a.Corrected)
}

func (a *Action) clone() *Action {
	c := newAction()
	c.merge(a)
	return c
}

// Phase is one connection phase.
type Phase struct {
	// Reached is how many clients reached the phase.
	Reached int64 `json:"reached"`
	// Lost counts the clients lost in the phase (before reaching it), by
	// reason.
	Lost map[string]int64 `json:"lost"`
	// Latency is the time from the start of the connection attempt to
	// reaching the phase.
	Latency *Histogram `json:"latency"`
}

// LostTotal returns the number of clients lost in the phase, all reasons
// together.
func (p *Phase) LostTotal() int64 {
	return sumCounts(p.Lost)
}

func newPhase() *Phase {
	return &Phase{Lost: map[string]int64{}, Latency: NewHistogram()}
}

func (p *Phase) merge(o *Phase) {
	if o == nil {
		return
	}
	p.normalize()
	p.Reached += o.Reached
	addCounts(p.Lost, o.Lost)
	p.Latency.Merge(o.Latency)
}

func (p *Phase) normalize() {
	if p.Lost == nil {
		p.Lost = map[string]int64{}
	}
	fill(&p.Latency)
}

func (p *Phase) clone() *Phase {
	c := newPhase()
	c.merge(p)
	return c
}

// Lag is the echo probe's latency split: a timestamp sent through the
// server and echoed back.
type Lag struct {
	// In is the time from the client to the server.
	In *Histogram `json:"in"`
	// Out is the time from the server back to the client.
	Out *Histogram `json:"out"`
	// Total is the round trip.
	Total *Histogram `json:"total"`
}

// Interval is one second of the run.
type Interval struct {
	// Second is the interval's offset from Meta.Start, in seconds.
	Second int `json:"t"`
	// Sent is how many commands were sent in the second.
	Sent int64 `json:"sent"`
	// Answered is how many commands were answered in the second.
	Answered int64 `json:"answered"`
	// Failed is how many commands failed in the second.
	Failed int64 `json:"failed"`
	// Connected is the number of connected clients at the end of the second.
	Connected int64 `json:"connected"`
	// LoggedIn is the number of logged-in clients at the end of the second.
	LoggedIn int64 `json:"logged_in"`
	// Latency is the latency of the commands answered in the second; it
	// is left out of the JSON when empty.
	Latency *Histogram `json:"latency,omitzero"`
	// Actions is Latency per action kind (only the actions answered in the
	// second), so runs can be compared action by action over time.
	Actions map[string]*Histogram `json:"actions,omitempty"`
	// Load is the machine's load in the second: what else ran beside
	// the run; not measured in reports of older generators.
	Load Load `json:"load,omitzero"`
	// Run tells pooled runs apart (see [Pool]): the index, from 0, of
	// the run the second came from; 0 in a report of one run.
	Run int `json:"run,omitempty"`
}

// ActionLatency returns the second's latency histogram of one action, creating it.
func (iv *Interval) ActionLatency(name string) *Histogram {
	if iv.Actions == nil {
		iv.Actions = map[string]*Histogram{}
	}
	h := iv.Actions[name]
	if h == nil {
		h = NewHistogram()
		iv.Actions[name] = h
	}
	return h
}

// Compact packs the second's histograms (see [Histogram.Compact]).
func (iv *Interval) Compact() {
	iv.Latency.Compact()
	for _, h := range iv.Actions {
		h.Compact()
	}
}

// add adds the counters, gauges and latencies of o to iv.
func (iv *Interval) add(o *Interval) {
	iv.Sent += o.Sent
	iv.Answered += o.Answered
	iv.Failed += o.Failed
	iv.Connected += o.Connected
	iv.LoggedIn += o.LoggedIn
	fill(&iv.Latency)
	iv.Latency.Merge(o.Latency)
	for name, h := range o.Actions {
		iv.ActionLatency(name).Merge(h)
	}
	iv.Load.Merge(o.Load)
}

// Generator describes the load generator's own health during the run.
type Generator struct {
	// TimerLateness is how late the generator's timers fired.
	TimerLateness *Histogram `json:"timer_lateness"`
	// SendSlip is how much later than intended commands were sent.
	SendSlip *Histogram `json:"send_slip"`
	// CPUMax is the highest CPU use seen, as a fraction of all cores (0..1).
	CPUMax float64 `json:"cpu_max"`
	// CPUMean is the mean CPU use, as a fraction of all cores (0..1).
	CPUMean float64 `json:"cpu_mean"`
	// FDMax is the highest number of open file descriptors seen.
	FDMax int `json:"fd_max"`
	// FDLimit is the file descriptor limit.
	FDLimit int `json:"fd_limit"`
	// CPUTime is the generator's CPU time (user and system, all its
	// threads) while it ran, summed over its processes; zero in a report
	// that did not record it (before it was added). See CPUPerCommand.
	CPUTime time.Duration `json:"cpu_time_ns,omitempty"`
	// Memory is the generator's memory with the most clients connected;
	// zero in a report that did not record it. See
	// [GeneratorMemory.RSSPerClient].
	Memory GeneratorMemory `json:"memory,omitzero"`
	// Notes are remarks about the generator, e.g. warnings.
	Notes []string `json:"notes,omitempty"`
}

// CPUPerCommand is the generator's CPU time per command it sent (sent:
// the report's Totals().Sent), or 0 when either is unknown.
func (g *Generator) CPUPerCommand(sent int64) time.Duration {
	if sent <= 0 || g.CPUTime <= 0 {
		return 0
	}
	return g.CPUTime / time.Duration(sent)
}

// GeneratorMemory is what the generator's process held at its steady
// state (the last once-a-second sample with the most clients connected),
// and before its first client connected (the Base fields): the
// difference divided by Clients is what one client costs. With several
// processes every field is the sum over them.
type GeneratorMemory struct {
	// Clients is the number of clients connected (from the TCP connection
	// to the end) at the sample.
	Clients int64 `json:"clients"`
	// RSS is the process's resident set size, in bytes.
	RSS int64 `json:"rss_bytes"`
	// Heap is the Go heap's live bytes (marked by the last collection).
	Heap int64 `json:"heap_bytes"`
	// Stacks is the memory of the goroutines' stacks, in bytes.
	Stacks int64 `json:"stacks_bytes"`
	// BaseRSS, BaseHeap and BaseStacks are RSS, Heap and Stacks before
	// the first client connected.
	BaseRSS    int64 `json:"base_rss_bytes"`
	BaseHeap   int64 `json:"base_heap_bytes"`
	BaseStacks int64 `json:"base_stacks_bytes"`
}

// perClient is (v - base) / Clients, 0 without clients.
func (m GeneratorMemory) perClient(v, base int64) float64 {
	if m.Clients <= 0 {
		return 0
	}
	return float64(v-base) / float64(m.Clients)
}

// RSSPerClient is the resident memory one connected client costs, in
// bytes: (RSS - BaseRSS) / Clients; 0 when not measured.
func (m GeneratorMemory) RSSPerClient() float64 { return m.perClient(m.RSS, m.BaseRSS) }

// HeapPerClient is the live Go heap one connected client costs, in
// bytes: (Heap - BaseHeap) / Clients; 0 when not measured.
func (m GeneratorMemory) HeapPerClient() float64 { return m.perClient(m.Heap, m.BaseHeap) }

// StacksPerClient is the goroutine stack memory one connected client
// costs, in bytes: (Stacks - BaseStacks) / Clients; 0 when not measured.
func (m GeneratorMemory) StacksPerClient() float64 { return m.perClient(m.Stacks, m.BaseStacks) }

// add adds o's figures to m's (the processes of one run).
func (m *GeneratorMemory) add(o GeneratorMemory) {
	m.Clients += o.Clients
	m.RSS += o.RSS
	m.Heap += o.Heap
	m.Stacks += o.Stacks
	m.BaseRSS += o.BaseRSS
	m.BaseHeap += o.BaseHeap
	m.BaseStacks += o.BaseStacks
}

// New returns an empty report of the run meta describes, with every map
// and histogram allocated, a Phase for each of PhaseNames, Version set,
// Clients.Planned set from meta.Clients, and Meta.Procs at least 1.
func New(meta Meta) *Report {
	if meta.Procs == 0 {
		meta.Procs = 1
	}
	meta.InvalidReasons = slices.Clone(meta.InvalidReasons)
	meta.BusyReasons = slices.Clone(meta.BusyReasons)
	meta.Shards = slices.Clone(meta.Shards)
	r := &Report{
		Version: Version,
		Meta:    meta,
		Clients: Clients{Planned: int64(meta.Clients)},
	}
	r.normalize()
	return r
}

// normalize sets a zero Version to Version and allocates every nil map,
// map entry and histogram, and a Phase for each of PhaseNames.
func (r *Report) normalize() {
	if r.Version == 0 {
		r.Version = Version
	}
	if r.Clients.Lost == nil {
		r.Clients.Lost = map[string]int64{}
	}
	if r.Actions == nil {
		r.Actions = map[string]*Action{}
	}
	for name, a := range r.Actions {
		if a == nil {
			a = newAction()
			r.Actions[name] = a
		}
		a.normalize()
	}
	if r.Phases == nil {
		r.Phases = map[string]*Phase{}
	}
	for _, name := range PhaseNames {
		r.Phase(name)
	}
	for name, p := range r.Phases {
		if p == nil {
			p = newPhase()
			r.Phases[name] = p
		}
		p.normalize()
	}
	for name, t := range r.Transports {
		if t == nil {
			t = newTransport()
			r.Transports[name] = t
		}
		t.normalize()
	}
	fill(&r.Lag.In, &r.Lag.Out, &r.Lag.Total, &r.Generator.TimerLateness, &r.Generator.SendSlip)
	if r.Timeline == nil {
		r.Timeline = []Interval{}
	}
	for i := range r.Timeline {
		fill(&r.Timeline[i].Latency)
	}
}

// fill allocates the nil histograms hs point to.
func fill(hs ...**Histogram) {
	for _, h := range hs {
		if *h == nil {
			*h = NewHistogram()
		}
	}
}

// Action returns the action called name, creating it if needed.
func (r *Report) Action(name string) *Action {
	if r.Actions == nil {
		r.Actions = map[string]*Action{}
	}
	a := r.Actions[name]
	if a == nil {
		a = newAction()
		r.Actions[name] = a
	}
	return a
}

// Phase returns the phase called name, creating it if needed.
func (r *Report) Phase(name string) *Phase {
	if r.Phases == nil {
		r.Phases = map[string]*Phase{}
	}
	p := r.Phases[name]
	if p == nil {
		p = newPhase()
		r.Phases[name] = p
	}
	return p
}

// IntervalAt returns the interval of the given second, extending the
// timeline with empty intervals so that it stays contiguous from 0. A
// negative second is taken as 0. The pointer points into Timeline, so it
// is valid only until the next call that extends the timeline.
func (r *Report) IntervalAt(second int) *Interval {
	second = max(second, 0)
	for len(r.Timeline) <= second {
		r.Timeline = append(r.Timeline, Interval{Second: len(r.Timeline), Latency: NewHistogram()})
	}
	iv := &r.Timeline[second]
	fill(&iv.Latency)
	return iv
}

// Totals returns the sum of all actions: counters and failure reasons
// added, histograms merged.
func (r *Report) Totals() Action {
	t := newAction()
	for _, a := range r.Actions {
		t.merge(a)
	}
	return *t
}

// Clone returns an independent deep copy of r.
func (r *Report) Clone() *Report {
	if r == nil {
		return nil
	}
	c := *r
	c.Meta.InvalidReasons = slices.Clone(r.Meta.InvalidReasons)
	c.Meta.BusyReasons = slices.Clone(r.Meta.BusyReasons)
	c.Meta.Shards = slices.Clone(r.Meta.Shards)
	c.Clients.Lost = maps.Clone(r.Clients.Lost)
	c.Clients.LostDetails = maps.Clone(r.Clients.LostDetails)
	c.Actions = make(map[string]*Action, len(r.Actions))
	for name, a := range r.Actions {
		c.Actions[name] = a.clone()
	}
	c.Phases = make(map[string]*Phase, len(r.Phases))
	for name, p := range r.Phases {
		c.Phases[name] = p.clone()
	}
	c.Lag = Lag{In: r.Lag.In.Clone(), Out: r.Lag.Out.Clone(), Total: r.Lag.Total.Clone()}
	c.Timeline = slices.Clone(r.Timeline)
	for i := range c.Timeline {
		c.Timeline[i].Latency = c.Timeline[i].Latency.Clone()
		if acts := c.Timeline[i].Actions; acts != nil {
			c.Timeline[i].Actions = make(map[string]*Histogram, len(acts))
			for name, h := range acts {
				c.Timeline[i].Actions[name] = h.Clone()
			}
		}
	}
	if r.Transports != nil {
		c.Transports = make(map[string]*Transport, len(r.Transports))
		for name, t := range r.Transports {
			c.Transports[name] = t.clone()
		}
	}
	c.Generator.TimerLateness = r.Generator.TimerLateness.Clone()
	c.Generator.SendSlip = r.Generator.SendSlip.Clone()
	c.Generator.Notes = slices.Clone(r.Generator.Notes)
	c.Thresholds = slices.Clone(r.Thresholds)
	c.Faults = cloneFaults(r.Faults)
	c.normalize()
	return &c
}

// Validate checks that r is consistent: the Version is this package's
// (else ErrVersion), no counter is negative, every action is Accounted,
// the timeline is contiguous from 0 with its pooled runs (Interval.Run)
// in order, and the generator's figures are finite. Other problems wrap
// ErrInvalid; all of them are joined.
func (r *Report) Validate() error {
	if r.Version != Version {
		return fmt.Errorf("%w: %d, want %d", ErrVersion, r.Version, Version)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...)))
	}
	if r.Meta.Duration < 0 {
		bad("negative duration %v", r.Meta.Duration)
	}
	c := r.Clients
	if c.Planned < 0 || c.Started < 0 || c.LoggedIn < 0 || c.Finished < 0 {
		bad("negative client count (planned %d, started %d, logged in %d, finished %d)", c.Planned, c.Started, c.LoggedIn, c.Finished)
	}
	if reason, ok := negativeCount(c.Lost); ok {
		bad("clients lost for %q: negative count %d", reason, c.Lost[reason])
	}
	for _, name := range slices.Sorted(maps.Keys(r.Actions)) {
		a := r.Actions[name]
		if a == nil {
			continue
		}
		if a.Sent < 0 || a.Answered < 0 {
			bad("action %q: negative count (sent %d, answered %d)", name, a.Sent, a.Answered)
		}
		if reason, ok := negativeCount(a.Failed); ok {
			bad("action %q: failed for %q: negative count %d", name, reason, a.Failed[reason])
		}
		if !a.Accounted() {
			bad("action %q: %d sent but %d answered and %d failed", name, a.Sent, a.Answered, a.FailedTotal())
		}
		a.validateChecks(name, bad)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Phases)) {
		p := r.Phases[name]
		if p == nil {
			continue
		}
		if p.Reached < 0 {
			bad("phase %q: negative reached count %d", name, p.Reached)
		}
		if reason, ok := negativeCount(p.Lost); ok {
			bad("phase %q: lost for %q: negative count %d", name, reason, p.Lost[reason])
		}
	}
	for i, iv := range r.Timeline {
		if iv.Second != i {
			bad("timeline entry %d has second %d (the timeline must be contiguous from 0)", i, iv.Second)
			break
		}
		if iv.Sent < 0 || iv.Answered < 0 || iv.Failed < 0 || iv.Connected < 0 || iv.LoggedIn < 0 {
			bad("timeline second %d: negative count", i)
		}
		if iv.Run < 0 || (i > 0 && iv.Run < r.Timeline[i-1].Run) {
			bad("timeline second %d: run %d (pooled runs are numbered from 0, in order)", i, iv.Run)
		}
		if err := iv.Load.validate(); err != "" {
			bad("timeline second %d: machine load: %s", i, err)
		}
	}
	r.validateTransports(bad)
	g := r.Generator
	for _, f := range []float64{g.CPUMax, g.CPUMean} {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			bad("generator cpu use %v is not a fraction", f)
			break
		}
	}
	if g.CPUTime < 0 {
		bad("generator cpu time %v is negative", g.CPUTime)
	}
	if m := g.Memory; m.Clients < 0 || m.RSS < 0 || m.Heap < 0 || m.Stacks < 0 || m.BaseRSS < 0 || m.BaseHeap < 0 || m.BaseStacks < 0 {
		bad("generator memory has a negative figure: %+v", m)
	}
	return errors.Join(errs...)
}

// Write writes r as indented JSON. It first allocates any nil map or
// histogram of r, so that they are written empty rather than null.
func (r *Report) Write(w io.Writer) error {
	r.normalize()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteFile writes r to the named file atomically: to a temporary file
// in the same directory, which is then renamed.
func (r *Report) WriteFile(path string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()           // already failed; the first error matters
			_ = os.Remove(f.Name()) // best effort clean-up
		}
	}()
	bw := bufio.NewWriter(f)
	if err := r.Write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Read reads a report written by Write, of this layout Version or an
// older one from MinReadVersion on (upgraded to Version: a version 1
// report has no Transports). It rejects any other version with ErrVersion, allocates whatever map or histogram the
// JSON leaves null or out, and rejects an inconsistent report (see
// Validate) or one larger than MaxReportSize (without reading more).
// Errors of malformed JSON wrap ErrInvalid (and ErrHistogram for a bad
// histogram).
func Read(rd io.Reader) (*Report, error) {
	return readLimited(rd, MaxReportSize)
}

// MaxReportSize is the largest report Read reads, in bytes: a day-long
// run of a dozen actions writes a few hundred MB, and a file without end
// (/dev/zero) must not exhaust memory.
const MaxReportSize = 1 << 30

// readLimited is Read, refusing more than limit bytes.
func readLimited(rd io.Reader, limit int64) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalid, limit)
	}
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case probe.Version == nil:
		return nil, fmt.Errorf("%w: no version, want %d", ErrVersion, Version)
	case *probe.Version < MinReadVersion || *probe.Version > Version:
		return nil, fmt.Errorf("%w: %d, want %d to %d", ErrVersion, *probe.Version, MinReadVersion, Version)
	}
	r := &Report{}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	r.Version = Version // the older layouts are subsets of this one
	r.normalize()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// ReadFile reads the report in the named file (see Read).
func ReadFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	r, err := Read(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// sumCounts returns the sum of the counts of m.
func sumCounts(m map[string]int64) int64 {
	var n int64
	for _, c := range m {
		n += c
	}
	return n
}

// addCounts adds the counts of src to dst.
func addCounts(dst, src map[string]int64) {
	for k, c := range src {
		dst[k] += c
	}
}

// negativeCount returns the (first, in sorted order) key of m with a
// negative count.
func negativeCount(m map[string]int64) (string, bool) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] < 0 {
			return k, true
		}
	}
	return "", false
}
