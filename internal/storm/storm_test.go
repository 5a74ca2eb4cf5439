package storm

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// startStack starts an embedded portal and game server with the connect
// throttle at rate (0: off), stopped when the test ends.
func startStack(t *testing.T, rate float64) string {
	t.Helper()
	if rate == 0 {
		rate = -1
	}
	st, err := testutil.StartStack(testutil.StackConfig{
		Portal: portal.Config{MaxConnectionRate: rate, MaxCommandRate: -1, Keepalive: -1},
	})
	if err != nil {
		t.Fatalf("StartStack: %v", err)
	}
	t.Cleanup(st.Close)
	return st.TelnetAddr()
}

func collect(t *testing.T, cfg Config) []Result {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	var out []Result
	for r := range Storm(t.Context(), cfg) {
		out = append(out, r)
	}
	return out
}

// A small storm with the throttle off: every connection is accepted and
// answered, each counted once, nothing lost.
func TestStormAcceptsAndAnswersEveryConnection(t *testing.T) {
	t.Parallel()
	addr := startStack(t, 0)
	cfg := Config{Target: addr, Sources: LoopbackSources(3), Dialers: 4, Conns: 40, Probe: true, Timeout: 20 * time.Second}
	res := collect(t, cfg)
	if len(res) != 40 {
		t.Fatalf("got %d results, want 40", len(res))
	}
	seen := map[int]bool{}
	for _, r := range res {
		if seen[r.Seq] {
			t.Fatalf("connection %d reported twice", r.Seq)
		}
		seen[r.Seq] = true
		if r.Stage != StageNone {
			t.Fatalf("connection %d stopped at %v: %v", r.Seq, r.Stage, r.Err)
		}
		if !(0 < r.Connect && r.Connect <= r.Banner && r.Banner <= r.Answer) {
			t.Fatalf("connection %d: connect %v, banner %v, answer %v: not in order", r.Seq, r.Connect, r.Banner, r.Answer)
		}
	}
	agg := NewAggregate(cfg, 0, 0)
	for _, r := range res {
		agg.Add(r)
	}
	s := agg.Close()
	if s.Attempted != 40 || s.Accepted != 40 || s.Answered != 40 || s.FailedTotal() != 0 {
		t.Fatalf("summary: %+v", s)
	}
	if s.ToBanner.N != 40 || s.ToAnswer.N != 40 || s.ToBanner.P50 > s.ToBanner.Max {
		t.Fatalf("percentiles: banner %+v answer %+v", s.ToBanner, s.ToAnswer)
	}
	if s.Sources != 3 || s.Dialers != 4 || !s.Probe {
		t.Fatalf("summary's setup: %+v", s)
	}
}

// With the throttle on, connections queue behind the first: they are
// accepted at once, told they are queued, and answered once released.
func TestStormThrottledConnectionsAreQueuedThenAnswered(t *testing.T) {
	t.Parallel()
	addr := startStack(t, 50)
	res := collect(t, Config{Target: addr, Sources: LoopbackSources(2), Dialers: 6, Conns: 12, Probe: true, Timeout: 20 * time.Second})
	queued := 0
	for _, r := range res {
		if r.Stage != StageNone {
			t.Fatalf("connection %d stopped at %v: %v", r.Seq, r.Stage, r.Err)
		}
		if r.Queued {
			queued++
		}
	}
	if len(res) != 12 || queued == 0 {
		t.Fatalf("%d results, %d queued; want 12, some queued (6 dialers at once, one release per 20ms)", len(res), queued)
	}
}

// Hold keeps every connection open while all of them answer.
func TestHoldAllConnectedAndAnswering(t *testing.T) {
	t.Parallel()
	addr := startStack(t, 0)
	var during HoldSummary
	s := Hold(t.Context(), Config{Target: addr, Sources: LoopbackSources(2), Dialers: 8, Conns: 30, Timeout: 20 * time.Second}, func(s HoldSummary) { during = s })
	if s.Wanted != 30 || s.Connected != 30 || s.Answered != 30 || s.Failed != nil {
		t.Fatalf("hold: %+v", s)
	}
	if during.Answered != 30 || s.ProbeWait.N != 30 || s.ToBanner.N != 30 {
		t.Fatalf("whileHeld saw %+v; summary %+v", during, s)
	}
}

// A target that refuses: every connection is a failed result, counted
// by cause, and the storm still ends.
func TestStormRefusedConnectionsAreResults(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := Config{Target: addr, Dialers: 2, Conns: 5}
	agg := NewAggregate(cfg, 0, 0)
	for r := range Storm(t.Context(), cfg) {
		agg.Add(r)
	}
	s := agg.Close()
	if s.Attempted != 5 || s.Accepted != 0 || s.Failed["dial: refused"] != 5 {
		t.Fatalf("summary: %+v", s)
	}
}

// A target that accepts and says nothing: a banner timeout.
func TestStormSilentTargetTimesOut(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	res := collect(t, Config{Target: ln.Addr().String(), Dialers: 1, Conns: 1, Timeout: 50 * time.Millisecond})
	if len(res) != 1 || res[0].Stage != StageBanner || failure(res[0].Err) != "timeout" {
		t.Fatalf("results: %+v", res)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	err := Config{Target: "nowhere", Dialers: -1, Timeout: -time.Second, Sources: []netip.Addr{{}}}.Validate()
	for _, want := range []string{"target", "dialers", "timeout", "never end", "sources[0]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want a problem naming %q", err, want)
		}
	}
	if err := (Config{Target: "127.0.0.1:1", Conns: 1}).Validate(); err != nil {
		t.Errorf("Validate(minimal) = %v", err)
	}
}

func TestLoopbackSources(t *testing.T) {
	t.Parallel()
	got := LoopbackSources(3)
	want := []string{"127.0.0.1", "127.0.1.1", "127.0.1.2"}
	for i, a := range got {
		if a.String() != want[i] {
			t.Fatalf("LoopbackSources(3) = %v, want %v", got, want)
		}
	}
	if n := len(LoopbackSources(1000)); n != 254 {
		t.Fatalf("LoopbackSources(1000) has %d", n)
	}
	if !IsLoopbackTarget("127.0.0.1:4000") || IsLoopbackTarget("10.0.0.1:4000") || IsLoopbackTarget("[::1]:4000") {
		t.Fatal("IsLoopbackTarget")
	}
}

func TestPercentilesAndWindow(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 1; i <= 1000; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	p := percentiles(d)
	if p.P50 != 500*time.Millisecond || p.P99 != 990*time.Millisecond || p.P999 != 999*time.Millisecond || p.Max != time.Second || p.N != 1000 {
		t.Fatalf("percentiles = %+v", p)
	}
	// 10 connections a second for 10 s, each accepted 1ms after its dial:
	// the window [2s, 7s) holds 50 first bytes.
	t0 := time.Unix(100, 0)
	agg := NewAggregate(Config{Target: "x:1", Conns: 1}, 2*time.Second, 5*time.Second)
	for i := range 100 {
		agg.Add(Result{Seq: i, Start: t0.Add(time.Duration(i) * 100 * time.Millisecond), Connect: time.Microsecond, Banner: time.Millisecond})
	}
	agg.Add(Result{Seq: 100, Start: t0, Stage: StageDial, Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}})
	s := agg.Close()
	if s.AcceptedInWindow != 50 || s.AcceptRate != 10 || s.Window != 5*time.Second {
		t.Fatalf("window: %d accepted, %v/s over %v; want 50, 10/s, 5s", s.AcceptedInWindow, s.AcceptRate, s.Window)
	}
	if s.Failed["dial: refused"] != 1 || s.Attempted != 101 {
		t.Fatalf("failed = %v", s.Failed)
	}
	if failure(errors.New("odd")) != "odd" {
		t.Fatal("failure of an unknown error")
	}
}
