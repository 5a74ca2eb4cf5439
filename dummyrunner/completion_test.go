package dummyrunner

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestCompletionYAML: the shorthand and the mapping, their defaults, and
// every problem named by its field.
func TestCompletionYAML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       Completion // mode, begin, end, gap
		err        string
	}{
		{"default", "", Completion{Mode: CompletionPrompt}, ""},
		{"shorthand", "completion: echo", Completion{Mode: CompletionEcho}, ""},
		{"marker defaults", "completion: marker", Completion{Mode: CompletionMarker, Begin: "OUTPUTPREFIX {marker}", End: "OUTPUTSUFFIX {marker}"}, ""},
		{"quiet default gap", "completion: {mode: quiet}", Completion{Mode: CompletionQuiet, Gap: DefaultQuietGap}, ""},
		{"quiet gap", "completion: {mode: quiet, gap: 50ms}", Completion{Mode: CompletionQuiet, Gap: 50 * time.Millisecond}, ""},
		{"unknown mode", "completion: psychic", Completion{}, `completion.mode: "psychic"`},
		{"unknown field", "completion: {mode: quiet, gapp: 1s}", Completion{}, "completion.gapp: unknown field"},
		{"regex without pattern", "completion: {mode: regex}", Completion{}, "completion.pattern: is missing"},
		{"bad regex", "completion: {mode: regex, pattern: '('}", Completion{}, "completion.pattern: error parsing regexp"},
		{"gap in prompt mode", "completion: {mode: prompt, gap: 1s}", Completion{}, "completion.gap: only used in quiet mode"},
		{"gap too short", "completion: {mode: quiet, gap: 1ns}", Completion{}, "completion.gap: 1ns is out of range"},
		{"marker without token", "completion: {mode: marker, begin: 'OUTPUTPREFIX x'}", Completion{}, "completion.begin: \"OUTPUTPREFIX x\" has no {marker}"},
		{"setup line break", "completion: {mode: echo, setup: [\"a\\nb\"]}", Completion{}, "completion.setup[0]"},
		{"a sequence", "completion: [prompt]", Completion{}, "completion is a mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pl, err := parsePlan([]byte("clients: 1\nduration: 1s\n"+tt.yaml), "")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := pl.sc.Completion
			if c.Mode != tt.want.Mode || c.Begin != tt.want.Begin || c.End != tt.want.End || c.Gap != tt.want.Gap {
				t.Errorf("completion %+v, want %+v", c, tt.want)
			}
			// Written back (as -procs does), it reads the same.
			b, err := yaml.Marshal(pl.Scenario())
			if err != nil {
				t.Fatal(err)
			}
			again, err := parsePlan(b, "")
			if err != nil || again.sc.Completion.label() != c.label() {
				t.Errorf("written back: %v, %+v\n%s", err, again, b)
			}
		})
	}
}

// TestActionCompletion: a profile's action may set its own mode, not the
// per-connection ones.
func TestActionCompletion(t *testing.T) {
	t.Parallel()
	_, err := ParseProfile([]byte(`
name: p
actions:
  - {action: a, weight: 1, commands: [x], completion: marker}
  - {action: b, weight: 1, commands: [x], completion: {mode: echo, setup: [y]}}
  - {action: c, weight: 1, commands: [x], completion: {mode: regex, pattern: 'ok'}}
`))
	for _, want := range []string{"actions[0].completion.mode: marker mode", "actions[1].completion.setup: is sent once per connection"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "actions[2]") {
		t.Errorf("error %v: the regex action is valid", err)
	}
}

// TestLoginScriptValidation names every problem of a login script.
func TestLoginScriptValidation(t *testing.T) {
	t.Parallel()
	_, err := parsePlan([]byte(`
clients: 1
duration: 1s
login:
  screen: '('
  timeout: 1ns
  fail: ['', '[']
  steps:
    - {}
    - {send: "a\u0007", expect: ')'}
    - {expect: 'ok', timeout: 2h}
`), "")
	for _, want := range []string{"login.screen:", "login.timeout:", "login.fail[0]: is empty", "login.fail[1]:",
		"login.steps[0]: neither send nor expect", "login.steps[1].send:", "login.steps[1].expect:", "login.steps[2].timeout:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if _, err := parsePlan([]byte("clients: 1\nduration: 1s\nlogin: {steps: [{send: a, expct: b}]}"), ""); err == nil || !strings.Contains(err.Error(), "expct") {
		t.Errorf("an unknown step field: %v", err)
	}
	if _, err := parsePlan([]byte("clients: 1\nduration: 1s\nlogin: {steps: []}\n"), ""); err != nil {
		t.Errorf("an empty login is no login: %v", err)
	}
}

// TestExpectFields: a step's expectation may name the player, quoted.
func TestExpectFields(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "clients: 1\nduration: 1s\nlogin: {steps: [{send: 'connect {name} {password}', expect: 'You become {name}\\.'}]}")
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlayer(r, 0)
	p.sc.name = "a.b"
	re := p.stepExpect(&pl.login[0])
	if !re.MatchString("You become a.b.") || re.MatchString("You become axb.") {
		t.Errorf("expect %v: want the name matched literally", re)
	}
}

// fakeConn is a conn whose events the test writes; nothing is sent.
type fakeConn struct {
	events chan connEvent
	sent   []string
}

func (f *fakeConn) recv() <-chan connEvent  { return f.events }
func (f *fakeConn) send(line string) error  { f.sent = append(f.sent, line); return nil }
func (f *fakeConn) negotiatedAt() time.Time { return time.Time{} }
func (f *fakeConn) wire() wireStats         { return wireStats{} }
func (f *fakeConn) close()                  {}
func (f *fakeConn) text(s string) connEvent { return connEvent{kind: evText, text: s, at: time.Now()} }
func (f *fakeConn) prompt() connEvent       { return connEvent{kind: evPrompt, at: time.Now()} }
func newFakeConn() *fakeConn                { return &fakeConn{events: make(chan connEvent, 16)} }

var _ conn = (*fakeConn)(nil)

// quietPlayer is a player in quiet mode (gap 100ms) on a fake connection,
// its results on a channel.
func quietPlayer(t *testing.T) (*player, *fakeConn, chan Result) {
	t.Helper()
	pl := mustPlan(t, "clients: 1\nduration: 1s\ncompletion: {mode: quiet, gap: 100ms}")
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan Result, 64)
	r.results = results
	p := newPlayer(r, 0)
	fc := newFakeConn()
	p.conn = fc
	return p, fc, results
}

// commandResult returns the next KindCommand result.
func commandResult(t *testing.T, results chan Result) Result {
	t.Helper()
	for {
		select {
		case res := <-results:
			if res.Kind == KindCommand {
				return res
			}
		default:
			t.Fatal("no command result")
		}
	}
}

// TestQuietGap times the quiet mode exactly (testing/synctest): a
// command completes a gap after its last byte, measured to that byte;
// output that keeps coming keeps it open; a command with no output
// completes after the gap, its latency the gap.
func TestQuietGap(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, fc, results := quietPlayer(t)
		p.cmds = []queued{{text: "look", action: "looks"}}
		start := time.Now()
		p.sendNext()
		time.Sleep(30 * time.Millisecond)
		p.absorb(fc.text("Limbo\r\n"))
		time.Sleep(80 * time.Millisecond) // 110ms after the send, 80ms after the byte: still open
		p.absorb(fc.text("more\r\n"))
		if p.out == nil {
			t.Fatal("completed while output was coming")
		}
		fired := <-p.gapC()
		if got := fired.Sub(start); got != 210*time.Millisecond {
			t.Errorf("the gap ended %v after the send, want 210ms (100ms after the last byte)", got)
		}
		if !p.gapped() {
			t.Fatal("player lost")
		}
		res := commandResult(t, results)
		if res.Latency != 110*time.Millisecond || res.TTFB != 30*time.Millisecond || res.Reason != "" {
			t.Errorf("latency %v ttfb %v reason %q, want 110ms to the last byte, 30ms to the first", res.Latency, res.TTFB, res.Reason)
		}
		if p.gapC() != nil {
			t.Error("the gap still runs with no command in flight")
		}

		p.cmds = []queued{{text: "@@", action: "noop"}}
		p.sendNext()
		<-p.gapC()
		p.gapped()
		if res := commandResult(t, results); res.Latency != 100*time.Millisecond {
			t.Errorf("no output: latency %v, want the gap, 100ms", res.Latency)
		}
	})
}

// TestRegexAndPromptCompletion: a regex action completes on its pattern
// and ignores GA; a prompt action completes on GA.
func TestRegexAndPromptCompletion(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "clients: 1\nduration: 1s")
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	r.results = make(chan Result, 64)
	p := newPlayer(r, 0)
	fc := newFakeConn()
	p.conn = fc
	re := &Completion{Mode: CompletionRegex, Pattern: "You say"}
	var pr problems
	p.cmds = []queued{{text: "say hi", action: "says", comp: re.compile(&pr, "c", false)}, {text: "look", action: "looks"}}
	p.sendNext()
	p.absorb(fc.prompt())
	p.absorb(fc.text("Someone arrives.\r\n"))
	if p.out == nil {
		t.Fatal("the regex action completed on a GA or other text")
	}
	p.absorb(fc.text("You say, \"hi\"\r\n"))
	if p.out != nil {
		t.Fatal("the regex action did not complete on its pattern")
	}
	p.sendNext()
	p.absorb(fc.text("Limbo\r\n"))
	p.absorb(fc.prompt())
	if p.out != nil {
		t.Fatal("the prompt action did not complete on GA")
	}
}
