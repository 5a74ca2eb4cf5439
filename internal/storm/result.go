package storm

import (
	"slices"
	"sort"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Stage is where a connection stopped short.
type Stage int

// The stages of a storm connection, in order.
const (
	// StageNone: the connection got as far as asked.
	StageNone Stage = iota
	// StageDial: the TCP connection failed.
	StageDial
	// StageBanner: no first byte came from the portal.
	StageBanner
	// StageAnswer: the echo probe was not answered.
	StageAnswer
)

// String names s as the reports do.
func (s Stage) String() string {
	switch s {
	case StageNone:
		return "none"
	case StageDial:
		return "dial"
	case StageBanner:
		return "banner"
	case StageAnswer:
		return "answer"
	}
	return "unknown"
}

// Result is one storm connection. Durations count from Start, the dial.
type Result struct {
	// Seq numbers the connections in the order they were started.
	Seq int
	// Start is when the dial began.
	Start time.Time
	// Connect is when the TCP handshake completed.
	Connect time.Duration
	// Banner is when the portal's first byte came: the connection was
	// accepted (see the package doc); 0 if it did not.
	Banner time.Duration
	// Answer is when the echo probe's answer came; 0 if not probed or not answered.
	Answer time.Duration
	// ProbeWait is from sending the probe to its answer.
	ProbeWait time.Duration
	// Queued: the session was told it joined a non-empty throttle queue.
	Queued bool
	// Stage and Err say where and why the connection stopped short.
	Stage Stage
	Err   error
}

// Percentiles of a duration, with the count it was taken over.
type Percentiles struct {
	N    int           `json:"n"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	Max  time.Duration `json:"max_ns"`
}

// percentiles sorts d and takes its exact percentiles
// ([reports.NearestRank]).
func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return reports.NearestRank(d, q) }
	return Percentiles{N: len(d), P50: at(0.50), P90: at(0.90), P99: at(0.99), P999: at(0.999), Max: d[len(d)-1]}
}

// Summary is what a storm measured.
type Summary struct {
	// Target is where the storm went; Dialers and Sources how.
	Target  string `json:"target"`
	Dialers int    `json:"dialers"`
	Sources int    `json:"sources"`
	// Probe: each connection sent the echo probe and waited for its answer.
	Probe bool `json:"probe"`
	// Elapsed is from the first dial to the last result.
	Elapsed time.Duration `json:"elapsed_ns"`
	// WindowStart and Window are the measurement window, from the first
	// dial: the rates count what happened in it.
	WindowStart time.Duration `json:"window_start_ns"`
	Window      time.Duration `json:"window_ns"`
	// Attempted counts connections started; Accepted those whose first
	// byte came; Answered those whose probe was answered; Queued those
	// told they joined a non-empty throttle queue.
	Attempted int `json:"attempted"`
	Accepted  int `json:"accepted"`
	Answered  int `json:"answered"`
	Queued    int `json:"queued"`
	// Failed counts connections that stopped short, by "stage: cause".
	Failed map[string]int `json:"failed,omitempty"`
	// AcceptedInWindow and AnsweredInWindow count the first bytes and
	// the answers that came in the window; QueuedInWindow the answered
	// connections of the window that had been queued.
	AcceptedInWindow int `json:"accepted_in_window"`
	AnsweredInWindow int `json:"answered_in_window"`
	QueuedInWindow   int `json:"queued_in_window"`
	// AcceptRate and AnswerRate are those counts per second of the window.
	AcceptRate float64 `json:"accepted_per_second"`
	AnswerRate float64 `json:"answered_per_second"`
	// TCPConnect, ToBanner and ToAnswer are the times from the dial to the
	// TCP handshake, the first byte and the answer; ProbeWait from the
	// probe to its answer.
	TCPConnect Percentiles `json:"tcp_connect"`
	ToBanner   Percentiles `json:"connect_to_banner"`
	ToAnswer   Percentiles `json:"connect_to_answer"`
	ProbeWait  Percentiles `json:"probe_wait"`
}

// FailedTotal is the number of connections that stopped short.
func (s Summary) FailedTotal() int {
	n := 0
	for _, v := range s.Failed {
		n += v
	}
	return n
}

// FailedKeys are the keys of Failed, sorted.
func (s Summary) FailedKeys() []string {
	keys := make([]string, 0, len(s.Failed))
	for k := range s.Failed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Aggregate turns results into a [Summary]: [Aggregate.Add] each, then
// [Aggregate.Close]. It does no I/O; it is not safe for concurrent use.
type Aggregate struct {
	// Skip and Window are the measurement window, from the first dial:
	// what happens in the first Skip (the warm-up) is not counted in the
	// rates; Window 0 means up to the last result.
	Skip, Window time.Duration

	first, last       time.Time
	res               []Result
	target            string
	dialers, sources  int
	probe             bool
	connect, banner   []time.Duration
	answer, probeWait []time.Duration
}

// NewAggregate returns an aggregate of a storm of cfg measured over the
// window [skip, skip+window) from its first dial (window 0: to its end).
func NewAggregate(cfg Config, skip, window time.Duration) *Aggregate {
	cfg = cfg.withDefaults()
	return &Aggregate{Skip: skip, Window: window, target: cfg.Target, dialers: cfg.Dialers, sources: len(cfg.Sources), probe: cfg.Probe}
}

// Add takes one result.
func (a *Aggregate) Add(r Result) {
	if a.first.IsZero() || r.Start.Before(a.first) {
		a.first = r.Start
	}
	end := r.Start.Add(max(r.Connect, r.Banner, r.Answer))
	if end.After(a.last) {
		a.last = end
	}
	a.res = append(a.res, r)
}

// Close summarises the results added.
func (a *Aggregate) Close() Summary {
	s := Summary{Target: a.target, Dialers: a.dialers, Sources: a.sources, Probe: a.probe, Attempted: len(a.res), Failed: map[string]int{}}
	if len(a.res) == 0 {
		return s
	}
	s.Elapsed = a.last.Sub(a.first)
	s.WindowStart = min(a.Skip, s.Elapsed)
	s.Window = s.Elapsed - s.WindowStart
	if a.Window > 0 {
		s.Window = min(s.Window, a.Window)
	}
	from, to := a.first.Add(s.WindowStart), a.first.Add(s.WindowStart+s.Window)
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, r := range a.res {
		if r.Stage != StageNone {
			s.Failed[r.Stage.String()+": "+failure(r.Err)]++
		}
		if r.Connect > 0 {
			a.connect = append(a.connect, r.Connect)
		}
		if r.Queued {
			s.Queued++
		}
		if r.Banner > 0 {
			s.Accepted++
			a.banner = append(a.banner, r.Banner)
			if in(r.Start.Add(r.Banner)) {
				s.AcceptedInWindow++
			}
		}
		if r.Answer > 0 {
			s.Answered++
			a.answer = append(a.answer, r.Answer)
			a.probeWait = append(a.probeWait, r.ProbeWait)
			if in(r.Start.Add(r.Answer)) {
				s.AnsweredInWindow++
				if r.Queued {
					s.QueuedInWindow++
				}
			}
		}
	}
	if len(s.Failed) == 0 {
		s.Failed = nil
	}
	if sec := s.Window.Seconds(); sec > 0 {
		s.AcceptRate = float64(s.AcceptedInWindow) / sec
		s.AnswerRate = float64(s.AnsweredInWindow) / sec
	}
	s.TCPConnect, s.ToBanner = percentiles(a.connect), percentiles(a.banner)
	s.ToAnswer, s.ProbeWait = percentiles(a.answer), percentiles(a.probeWait)
	return s
}
