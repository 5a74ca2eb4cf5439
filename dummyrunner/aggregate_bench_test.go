package dummyrunner

import (
	"testing"
	"time"
)

// benchResults are the results one echo-probe command of a telnet
// player sends the aggregator: sent, answered, and its lag, the answer's
// latency spread over the buckets by i.
func benchResults(at time.Time, i int) [3]Result {
	lat := 310*time.Microsecond + time.Duration(i%1000)*time.Microsecond
	return [3]Result{
		{Kind: KindSent, Client: 7, Transport: "telnet", Action: "echo", Command: EchoCommand + " c7-1", At: at, Intended: at},
		{Kind: KindCommand, Client: 7, Transport: "telnet", Action: "echo", At: at, Intended: at,
			TTFB: lat - 10*time.Microsecond, Latency: lat, Corrected: lat + 10*time.Microsecond},
		{Kind: KindLag, Client: 7, Transport: "telnet", At: at,
			LagIn: 120 * time.Microsecond, LagOut: lat - 120*time.Microsecond, Latency: lat},
	}
}

// addCommand folds in the results of the i-th command, sent at.
func addCommand(a *Aggregator, at time.Time, i int) {
	for _, r := range benchResults(at, i) {
		a.Add(r)
	}
}

// BenchmarkAggregatorCommand: one op is one command's results folded
// into the report (Aggregator.Add of its KindSent, KindCommand and
// KindLag): the action's, its transport's, the lag's and the second's
// histograms and counters. In "recording" every command falls in the
// same second; in "1000/s" the run's clock moves 1 ms per command, so
// every 1,000th closes a second of the timeline (its histograms packed,
// the next second's allocated).
func BenchmarkAggregatorCommand(b *testing.B) {
	b.Run("recording", func(b *testing.B) {
		a := newTestAggregator(100)
		at := aggStart.Add(time.Second / 2)
		addCommand(a, at, 0) // the second's histograms exist
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			addCommand(a, at, i)
			i++
		}
	})
	b.Run("1000/s", func(b *testing.B) {
		a := newTestAggregator(100)
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			addCommand(a, aggStart.Add(time.Duration(i)*time.Millisecond), i)
			i++
		}
	})
}

// TestRecordingDoesNotAllocate pins BenchmarkAggregatorCommand's
// "recording" at zero allocations: folding in a command's results
// allocates nothing once its second's histograms exist. Not parallel:
// testing.AllocsPerRun refuses to run in a parallel test.
func TestRecordingDoesNotAllocate(t *testing.T) {
	a := newTestAggregator(100)
	at := aggStart.Add(time.Second / 2)
	addCommand(a, at, 0)
	i := 1
	if got := testing.AllocsPerRun(1000, func() { addCommand(a, at, i); i++ }); got != 0 {
		t.Errorf("%v allocations per command, want 0", got)
	}
	if got := a.rep.Action("echo").Answered; got != int64(i) {
		t.Errorf("%d commands answered, want %d", got, i)
	}
}

// TestLateResultsKeepTheTimelinePacked: a result that arrives after the
// next second began (results come a little out of order) is recorded
// without unpacking its second's histograms: it allocates no more than
// one on time. Packing a second as soon as the next began made each late
// result unpack its second for good (264 KiB per histogram). Not
// parallel: testing.AllocsPerRun refuses to run in a parallel test.
func TestLateResultsKeepTheTimelinePacked(t *testing.T) {
	perSecond := func(late bool) float64 {
		a := newTestAggregator(100)
		sec, i := 0, 0
		return testing.AllocsPerRun(20, func() {
			sec++
			next := aggStart.Add(time.Duration(sec)*time.Second + 100*time.Millisecond)
			addCommand(a, next, i) // the second begins
			i++
			at := next.Add(200 * time.Millisecond)
			if late {
				at = next.Add(-200 * time.Millisecond) // the second before, after this one began
			}
			addCommand(a, at, i)
			i++
		})
	}
	onTime, late := perSecond(false), perSecond(true)
	if late > onTime+10 { // unpacking a second costs about 36 (decoding), a late result a few
		t.Errorf("%v allocations per second with a late result, %v without: the late result unpacks its second", late, onTime)
	}
}
