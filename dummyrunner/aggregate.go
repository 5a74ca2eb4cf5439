package dummyrunner

import (
	"fmt"
	"sync"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Aggregator folds results into a report and keeps the live numbers the
// progress line shows. Add is called from one goroutine; Snapshot may be
// called from another.
type Aggregator struct {
	mu     sync.Mutex
	rep    *reports.Report
	start  time.Time
	states map[int]string // client -> its current state
	counts map[string]int64
	faults []*faultTrack // the faults begun, in the order they began

	// The last completed second, for the progress line.
	cur, last window
	packed    int // the first second of the timeline not packed yet (see packLag)
}

// window holds what happened in one second.
type window struct {
	second           int
	answered, failed int64
	latency          *reports.Histogram
}

// Progress is the live state of a run.
type Progress struct {
	Elapsed     time.Duration
	Planned     int
	Connecting  int64
	Connected   int64 // connected, no login screen yet
	LoginScreen int64
	LoggingIn   int64
	LoggedIn    int64
	Finished    int64
	Lost        int64
	// Actions per second, p50 and p99 of the last complete second.
	ActionsPerSec float64
	P50, P99      time.Duration
	Errors        int64 // failed commands so far
}

// NewAggregator starts a report for a run that began at start.
func NewAggregator(meta reports.Meta, start time.Time) *Aggregator {
	meta.Start = start
	meta.Valid = true
	return &Aggregator{
		rep:    reports.New(meta),
		start:  start,
		states: map[int]string{},
		counts: map[string]int64{},
		cur:    window{latency: reports.NewHistogram()},
		last:   window{latency: reports.NewHistogram()},
	}
}

func (a *Aggregator) second(t time.Time) int { return max(int(t.Sub(a.start)/time.Second), 0) }

// Add folds one result in.
func (a *Aggregator) Add(r Result) {
	a.mu.Lock()
	defer a.mu.Unlock()
	rep := a.rep
	sec := a.second(r.At)
	a.roll(sec)
	if r.Transport != "" {
		a.addTransport(rep.Transport(r.Transport), r)
	}
	switch r.Kind {
	case KindSent:
		rep.Action(r.Action).Sent++
		rep.IntervalAt(sec).Sent++
		if !r.Intended.IsZero() {
			rep.Generator.SendSlip.Record(max(r.At.Sub(r.Intended), 0))
		}
	case KindCommand:
		a.faultCaught(r)
		act := rep.Action(r.Action)
		iv := rep.IntervalAt(sec)
		if r.Check != nil {
			act.AddCheck(r.Check.Failed, r.Check.Reason)
		}
		if r.Reason != "" {
			act.Failed[r.Reason]++
			iv.Failed++
			a.cur.failed++
			return
		}
		act.Answered++
		act.TTFB.Record(r.TTFB)
		act.Latency.Record(r.Latency)
		if !r.Intended.IsZero() {
			act.Corrected.Record(r.Corrected)
		}
		iv.Answered++
		iv.Latency.Record(r.Latency)
		iv.ActionLatency(r.Action).Record(r.Latency)
		a.cur.answered++
		a.cur.latency.Record(r.Latency)
	case KindState:
		if r.State == StateConnecting {
			rep.Clients.Started++
		}
		a.move(r.Client, r.State)
		if r.Phase != "" {
			ph := rep.Phase(r.Phase)
			ph.Reached++
			ph.Latency.Record(r.Latency)
			if r.Phase == "logged_in" {
				rep.Clients.LoggedIn++
			}
		}
	case KindLost:
		rep.Clients.Lost[r.Reason]++
		if r.Detail != "" {
			if rep.Clients.LostDetails == nil {
				rep.Clients.LostDetails = map[string]int64{}
			}
			rep.Clients.LostDetails[r.Reason+": "+r.Detail]++
		}
		if ph := lostIn(r); ph != "" {
			rep.Phase(ph).Lost[r.Reason]++
		}
		a.move(r.Client, "")
		a.counts["lost"]++
	case KindDone:
		rep.Clients.Finished++
		a.move(r.Client, "")
		a.counts["finished"]++
	case KindLag:
		rep.Lag.In.Record(max(r.LagIn, 0))
		rep.Lag.Out.Record(max(r.LagOut, 0))
		rep.Lag.Total.Record(max(r.Latency, 0))
	case KindLateness:
		rep.Generator.TimerLateness.Record(r.Latency)
		l := &rep.IntervalAt(sec).Load
		l.TimerLate = max(l.TimerLate, r.Latency)
	case KindFaultStart:
		a.faultBegan(r)
	case KindFaultEnd:
		a.faultEnded(r)
	}
}

// addTransport folds a client's result into its transport's share of the
// report: the same counts as the totals, and the wire figures.
func (a *Aggregator) addTransport(t *reports.Transport, r Result) {
	switch r.Kind {
	case KindSent:
		t.Action(r.Action).Sent++
	case KindCommand:
		act := t.Action(r.Action)
		if r.Check != nil {
			act.AddCheck(r.Check.Failed, r.Check.Reason)
		}
		if r.Reason != "" {
			act.Failed[r.Reason]++
			return
		}
		act.Answered++
		act.TTFB.Record(r.TTFB)
		act.Latency.Record(r.Latency)
		if !r.Intended.IsZero() {
			act.Corrected.Record(r.Corrected)
		}
	case KindState:
		if r.State == StateConnecting {
			t.Clients.Started++
		}
		if r.Phase != "" {
			ph := t.Phase(r.Phase)
			ph.Reached++
			ph.Latency.Record(r.Latency)
			if r.Phase == reports.PhaseLoggedIn {
				t.Clients.LoggedIn++
			}
		}
	case KindLost:
		t.Clients.Lost[r.Reason]++
		if ph := lostIn(r); ph != "" {
			t.Phase(ph).Lost[r.Reason]++
		}
	case KindDone:
		t.Clients.Finished++
	case KindWire:
		if r.Wire != nil {
			t.Wire.Add(*r.Wire)
		}
	}
}

// lostIn is the report phase a lost client failed to reach: the one its
// dial names, or the one after its state.
func lostIn(r Result) string {
	if r.Phase != "" {
		return r.Phase
	}
	return phaseAfter(r.State)
}

// phaseAfter is the report phase a client in state had not reached yet.
func phaseAfter(state string) string {
	switch state {
	case StateConnecting:
		return "connect"
	case StateConnected:
		return "login_screen"
	case StateLoginScreen, StateLoggingIn:
		return "logged_in"
	}
	return ""
}

// move sets a client's state and the per-state counts.
func (a *Aggregator) move(client int, state string) {
	if old, ok := a.states[client]; ok {
		a.counts[old]--
	}
	if state == "" {
		delete(a.states, client)
		return
	}
	a.states[client] = state
	a.counts[state]++
}

// roll closes the current one-second window when time moves on.
func (a *Aggregator) roll(sec int) {
	if sec <= a.cur.second {
		return
	}
	for q := a.cur.second; q < sec; q++ { // quiet seconds keep the gauges too
		a.gaugesLocked(q)
	}
	for ; a.packed < sec-packLag; a.packed++ {
		a.rep.IntervalAt(a.packed).Compact()
	}
	if sec > a.cur.second+1 { // a quiet second in between: nothing happened in the last one
		a.cur.answered, a.cur.failed = 0, 0
		a.cur.latency.Reset()
	}
	a.last, a.cur = a.cur, window{second: sec, latency: a.last.latency}
	a.cur.latency.Reset()
}

// packLag is how many seconds after its end a second of the timeline
// is packed. Results reach the aggregator a little late and out of
// order (a command answered at the end of a second comes after another
// player's send in the next), and a result for a packed second unpacks
// its histograms for good: packing each second as soon as the next
// began left most of a 4,000-player run's timeline unpacked, 264 KiB a
// second and action (BENCHMARKS.md, "Generator cost per client"). A
// second later is enough: a result is late by the time its player takes
// to hand it over (milliseconds, unless the generator is overloaded),
// and every second kept open costs its histograms.
const packLag = 1

// gaugesLocked writes the client gauges into second's interval.
// The second is over; its latency histograms are packed packLag seconds
// later (roll): a long run's timeline then costs a few hundred bytes per
// second, not 264 KiB.
func (a *Aggregator) gaugesLocked(second int) {
	iv := a.rep.IntervalAt(second)
	iv.LoggedIn = a.counts[StateLoggedIn]
	iv.Connected = int64(len(a.states)) - a.counts[StateConnecting]
}

// Tick lets time move on without results (a quiet second).
func (a *Aggregator) Tick(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.roll(a.second(now))
}

// Snapshot returns the live numbers.
func (a *Aggregator) Snapshot(now time.Time) Progress {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.roll(a.second(now))
	var errs int64
	for _, act := range a.rep.Actions {
		errs += act.FailedTotal()
	}
	return Progress{
		Elapsed:       now.Sub(a.start),
		Planned:       a.rep.Meta.Clients,
		Connecting:    a.counts[StateConnecting],
		Connected:     a.counts[StateConnected],
		LoginScreen:   a.counts[StateLoginScreen],
		LoggingIn:     a.counts[StateLoggingIn],
		LoggedIn:      a.counts[StateLoggedIn] + a.counts[StateLoggingOut],
		Finished:      a.counts["finished"],
		Lost:          a.counts["lost"],
		ActionsPerSec: float64(a.last.answered),
		P50:           a.last.latency.Quantile(0.5),
		P99:           a.last.latency.Quantile(0.99),
		Errors:        errs,
	}
}

// Close finishes the report: duration, gauges, accounting checks.
func (a *Aggregator) Close(end time.Time) *reports.Report {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.roll(a.second(end) + 1)
	rep := a.rep
	rep.Meta.Duration = end.Sub(a.start)
	rep.Faults = a.faultRecords(end)
	for name, act := range rep.Actions {
		if !act.Accounted() {
			rep.Meta.Valid = false
			rep.Meta.InvalidReasons = append(rep.Meta.InvalidReasons,
				fmt.Sprintf("action %s: %d sent but %d answered + %d failed", name, act.Sent, act.Answered, act.FailedTotal()))
		}
	}
	if left := len(a.states); left > 0 {
		rep.Meta.Valid = false
		rep.Meta.InvalidReasons = append(rep.Meta.InvalidReasons, fmt.Sprintf("%d clients never reported an end", left))
	}
	return rep
}
