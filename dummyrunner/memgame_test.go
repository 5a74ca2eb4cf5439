package dummyrunner

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// memGame is a game in memory, for runs inside a synctest bubble, where
// time is fake and exact: a dialled player gets the login screen at once,
// and each command line gets answer's text and a prompt after answer's
// delay. No socket is opened: runs measure the runner's own timing.
type memGame struct {
	// answer returns the reply to one command line, how long the game
	// takes to send it, and whether the game then closes the connection.
	answer func(line string, now time.Time) (reply string, delay time.Duration, quit bool)
}

// evenniaAnswer answers like the sim, enough for the built-in actions:
// "You become" after connect, "quit" closes, anything else is echoed.
func evenniaAnswer(line string) (string, bool) {
	switch {
	case strings.HasPrefix(line, "connect "):
		return "You become " + strings.Fields(line)[1] + ".", false
	case line == "quit":
		return "Quitting.", true
	}
	return "ok: " + line, false
}

// instant is a memGame whose every answer takes no time.
func instant() *memGame {
	return &memGame{answer: func(line string, _ time.Time) (string, time.Duration, bool) {
		reply, quit := evenniaAnswer(line)
		return reply, 0, quit
	}}
}

// dial is the memGame's dialFunc.
func (g *memGame) dial(context.Context, dialTarget) (conn, []step, error) {
	c := &memConn{q: newEventQueue(), in: make(chan string, 1024)}
	go c.serve(g)
	return c, nil, nil
}

// memConn is one player's connection to a memGame.
type memConn struct {
	q  eventQueue
	in chan string
	mu sync.Mutex
	w  wireStats
}

// serve is the game's side of the connection: the login screen, then an
// answer per line, in order.
func (c *memConn) serve(g *memGame) {
	if !c.q.emit(connEvent{kind: evText, text: "Welcome\r\n", at: time.Now()}) || !c.q.emit(connEvent{kind: evPrompt, at: time.Now()}) {
		return
	}
	for {
		var line string
		select {
		case line = <-c.in:
		case <-c.q.done:
			return
		}
		reply, delay, quit := g.answer(line, time.Now())
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-c.q.done:
				t.Stop()
				return
			}
		}
		now := time.Now()
		if !c.q.emit(connEvent{kind: evText, text: reply + "\r\n", at: now}) || !c.q.emit(connEvent{kind: evPrompt, at: now}) {
			return
		}
		if quit {
			c.q.end(connEvent{kind: evClosed, at: now})
			return
		}
	}
}

func (c *memConn) recv() <-chan connEvent { return c.q.events }

func (c *memConn) send(text string) error {
	for line := range strings.SplitSeq(text, "\r\n") {
		c.mu.Lock()
		c.w.bytesOut += int64(len(line) + 2)
		c.mu.Unlock()
		select {
		case c.in <- line:
		case <-c.q.done:
		}
	}
	return nil
}

func (c *memConn) negotiatedAt() time.Time { return time.Time{} }

func (c *memConn) wire() wireStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w
}

func (c *memConn) close() { c.q.hangUp() }

// memRun is what a run against a memGame produced.
type memRun struct {
	start   time.Time
	results []Result
	sched   []schedLine
	rep     *reports.Report
}

// runMem runs pl against g inside the caller's synctest bubble and
// returns every result and the report. The run's clock is fake: every
// time in it is exact.
func runMem(t *testing.T, pl *Plan, g *memGame) memRun {
	t.Helper()
	var sched bytes.Buffer
	r, err := NewRunner(pl, Options{Target: "memgame:1", Schedule: &sched})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	r.dialers = map[string]dialFunc{TransportTelnet: g.dial}
	out := memRun{start: time.Now()}
	agg := NewAggregator(reports.Meta{Scenario: pl.sc.Name, Seed: pl.sc.Seed, Model: pl.sc.Model, Clients: pl.Sessions()}, out.start)
	results := make(chan Result, 1<<12)
	runErr := make(chan error, 1)
	go func() { runErr <- r.Run(t.Context(), results) }()
	for res := range results {
		out.results = append(out.results, res)
		agg.Add(res)
	}
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	out.rep = agg.Close(time.Now())
	for line := range bytes.Lines(sched.Bytes()) {
		var l schedLine
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("schedule line %q: %v", line, err)
		}
		out.sched = append(out.sched, l)
	}
	return out
}

// inBubble runs f in a synctest bubble.
func inBubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	synctest.Test(t, f)
}
