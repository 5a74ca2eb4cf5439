package reportstest

import (
	"time"

	"github.com/portalsim/portalsim/reports"
)

// AddChecks makes every answered command of a a passed check, and adds
// commands that failed the checks failed (sent, failed for ReasonCheck).
func AddChecks(a *reports.Action, failed map[string]int64) {
	a.AddCheck(false, "")
	a.Checks.Passed = a.Answered
	for reason, n := range failed {
		a.Sent += n
		a.Failed[reports.ReasonCheck] += n
		for range n {
			a.AddCheck(true, reason)
		}
	}
}

// Small returns a report of a run of the given seconds, small enough for a
// fuzz target to render and compare many times a second: two actions, a
// lost player, a lag, a threshold.
func Small(seconds int) *reports.Report {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	r := reports.New(reports.Meta{Scenario: "small", Seed: 1, Version: "test", Target: "127.0.0.1:4000", Protocol: "telnet", Model: reports.ModelClosed,
		Start: start, Duration: time.Duration(seconds) * time.Second, Valid: true, Clients: 3,
		Machine: reports.Machine{Hostname: "host", OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"}})
	for sec := range seconds {
		iv := r.IntervalAt(sec)
		for i := range 10 {
			for _, name := range []string{"looks", "digs"} {
				d := time.Duration(300+97*i+31*sec) * time.Microsecond
				RecordAnswer(r, iv, name, d)
			}
		}
		iv.Connected, iv.LoggedIn = 3, 2
	}
	r.Action("looks").Sent++
	r.Action("looks").Failed["timeout"]++
	r.Clients = reports.Clients{Planned: 3, Started: 3, LoggedIn: 2, Finished: 2, Lost: map[string]int64{"login_failed": 1}}
	for i, name := range reports.PhaseNames {
		r.Phase(name).Reached = int64(3 - i/3)
		r.Phase(name).Latency.Record(time.Duration(i+1) * 50 * time.Millisecond)
	}
	r.Phase(reports.PhaseLoggedIn).Lost["login_failed"] = 1
	r.Lag.Total.Record(time.Millisecond)
	r.Generator.TimerLateness.Record(time.Millisecond)
	ts, _ := reports.ParseThresholds([]string{"p99(*) < 1s"})
	r.Check(ts)
	return r
}

// RecordAnswer counts one command of action name, answered after d, in
// the report and in its interval iv (its first byte after d/2).
func RecordAnswer(r *reports.Report, iv *reports.Interval, name string, d time.Duration) {
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
